"""`fnproof setup`: install what the runtimes need now, instead of on first use."""

from __future__ import annotations

import argparse

from fnproof.conformance.runtimes.aws_lambda import python as lambda_python
from fnproof.conformance.runtimes.aws_lambda.node import SDK_PACKAGE
from fnproof.conformance.runtimes.workers.runtime import MINIFLARE_LABEL, MINIFLARE_PACKAGE
from fnproof.conformance.services.node_packages import ensure_installed, node_binary

# npm packages per runtime: (folder with package.json + lock, what it is)
PACKAGES = {"lambda-node": (SDK_PACKAGE, "the AWS SDK for JavaScript v3"),
            "workers": (MINIFLARE_PACKAGE, MINIFLARE_LABEL)}
RUNTIMES = sorted({*PACKAGES, "lambda-python"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runtime", action="append", choices=RUNTIMES,
                        help="only this runtime's packages (repeatable; default: all)")


def run(args: argparse.Namespace) -> int:
    for name in args.runtime or RUNTIMES:
        if name == "lambda-python":
            print(f"{name}: boto3 environment ready in {lambda_python.prepare()}")
            continue
        node_binary()
        package_dir, label = PACKAGES[name]
        print(f"{name}: {label} ready in {ensure_installed(package_dir, label)}")
    return 0
