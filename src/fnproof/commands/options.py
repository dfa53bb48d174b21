"""Options that several commands share (check, grade, eval, init, hook), spelt and explained once."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from fnproof.conformance.checks.registry import PROFILES
from fnproof.conformance.containment.sandbox import MODES
from fnproof.core import defaults
from fnproof.core.errors import UsageError


def profile(parser: argparse.ArgumentParser, *, default: str | None = defaults.PROFILE,
            what: str = "checks to run") -> None:
    said = f"default: {default}" if default else "default: the prompt's"
    parser.add_argument("--profile", choices=PROFILES, default=default, help=f"{what}; profiles nest ({said})")


def contract(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contract", type=Path, metavar="FILE", help="contract YAML (default: the orders contract)")


def only(parser: argparse.ArgumentParser, *, what: str = "run") -> None:
    parser.add_argument("--check", dest="only", action="append", default=[], metavar="ID",
                        help=f"{what} only this check id (repeatable)")


def parallel(parser: argparse.ArgumentParser, *, per: str = "") -> None:
    parser.add_argument("--parallel", type=int, default=defaults.PARALLEL, metavar="N",
                        help=f"checks run at once{per} (default {defaults.PARALLEL})")


def positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{name} must be greater than 0, got {value:g}")


def sandbox(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=MODES, default="auto",
                        help="bubblewrap around every process that runs the handler: auto uses it when its preflight "
                             "passes (else says what is not isolated), require fails (exit 2) without it, off runs "
                             "unsandboxed; every report states which (default: auto)")
