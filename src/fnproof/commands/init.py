"""`fnproof init [DIR]`: CLAUDE.md rules section, slash commands, Stop hook, fixtures, CI workflow."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof.claude_code import scaffold
from fnproof.conformance.checks.registry import PROFILES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", type=Path, metavar="DIR", help="the repository (default: .)")
    parser.add_argument("--runtime", choices=sorted(scaffold.DEFAULT_TARGETS), default="lambda-node",
                        help="runtime the slash commands ask for (default: lambda-node)")
    parser.add_argument("--target", help="handler path the Stop hook and CI check (default: by runtime, "
                        + ", ".join(f"{k}: {v}" for k, v in scaffold.DEFAULT_TARGETS.items()) + ")")
    parser.add_argument("--profile", choices=PROFILES, default="production",
                        help="profile the Stop hook and CI run (default: production)")
    parser.add_argument("--only", action="append", choices=scaffold.PARTS, metavar="PART",
                        help=f"install only this part (repeatable): {', '.join(scaffold.PARTS)}")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, with diffs; write nothing")


def run(args: argparse.Namespace) -> int:
    options = scaffold.Options(runtime=args.runtime, target=args.target, profile=args.profile)
    changes = scaffold.plan(args.dir, options, tuple(args.only or scaffold.PARTS))
    sys.stdout.write(scaffold.describe(changes, diffs=args.dry_run))
    if not args.dry_run:
        scaffold.apply(args.dir, changes)
    written = sum(1 for c in changes if c.action in (scaffold.CREATE, scaffold.UPDATE))
    verb = "would write" if args.dry_run else "wrote"
    print(f"fnproof init: {verb} {written} file(s) in {args.dir}; {len(changes) - written} left as they were",
          file=sys.stderr)
    return 0
