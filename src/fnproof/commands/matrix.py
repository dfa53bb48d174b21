"""`fnproof matrix`: the Markdown traceability table rule <-> prompt <-> check <-> checklist item."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof import matrix


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompts-dir", type=Path, metavar="DIR", help="prompts folder (default: the kit's prompts/)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the Gaps section is not empty")


def run(args: argparse.Namespace) -> int:
    sources = matrix.gather(args.prompts_dir)
    sys.stdout.write(matrix.render(sources))
    return 1 if args.strict and matrix.gaps(sources) else 0
