"""`fnproof setup`: install what the runtimes need now, instead of on first use."""

from __future__ import annotations

import argparse

from fnproof.runtimes.lambda_node import SDK_PACKAGE
from fnproof.services.node_packages import ensure_installed, node_binary

PACKAGES = {"lambda-node": (SDK_PACKAGE, "the AWS SDK for JavaScript v3")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runtime", action="append", choices=sorted(PACKAGES),
                        help="only this runtime's packages (repeatable; default: all)")


def run(args: argparse.Namespace) -> int:
    node_binary()
    for name in args.runtime or sorted(PACKAGES):
        package_dir, label = PACKAGES[name]
        print(f"{name}: {label} ready in {ensure_installed(package_dir, label)}")
    return 0
