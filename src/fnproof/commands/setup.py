"""`fnproof setup`: install what the runtimes need now, instead of on first use."""

from __future__ import annotations

import argparse

from fnproof.conformance.runtimes import registry


def _installable() -> list[str]:
    return sorted(spec.name for spec in registry.local() if spec.setup is not None)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runtime", action="append", choices=_installable(),
                        help="only this runtime's packages (repeatable; default: all)")


def run(args: argparse.Namespace) -> int:
    for name in args.runtime or _installable():
        setup = registry.spec(name).setup
        assert setup is not None
        print(f"{name}: {setup()}")
    return 0
