"""`fnproof init [DIR]`: CLAUDE.md rules section, skills and reviewer, Stop hook, fixtures, CI workflow.

Or, with `--plugin SOURCE`, the rules, fixtures and CI plus settings that enable the kit's Claude Code
plugin (its skills and hooks) for everyone who opens the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof.claude_code import scaffold
from fnproof.conformance.checks.registry import PROFILES
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", type=Path, metavar="DIR", help="the repository (default: .)")
    parser.add_argument("--runtime", choices=sorted(scaffold.DEFAULT_TARGETS), default="lambda-node",
                        help="runtime the skills ask for (default: lambda-node)")
    parser.add_argument("--target", help="handler path the Stop hook and CI check (default: by runtime, "
                        + ", ".join(f"{k}: {v}" for k, v in scaffold.DEFAULT_TARGETS.items()) + ")")
    parser.add_argument("--profile", choices=PROFILES, default="production",
                        help="profile the Stop hook and CI run (default: production)")
    parser.add_argument("--contract", type=Path, metavar="FILE",
                        help="your function's contract, inside the repository: the skills render it, the Stop"
                             " hook and CI check against it (default: the kit's orders contract)")
    parser.add_argument("--only", action="append", choices=scaffold.PARTS + scaffold.EXTRA_PARTS, metavar="PART",
                        help=f"install only this part (repeatable): {', '.join(scaffold.PARTS)}; or "
                             f"{', '.join(scaffold.EXTRA_PARTS)}: the kit's Claude Code plugin tree, at DIR's root")
    parser.add_argument("--plugin", metavar="SOURCE",
                        help="enable the fnproof plugin from its marketplace instead of writing skills and the "
                             "Stop hook: owner/repo on GitHub, a git URL ending in .git, or a local folder")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, with diffs; write nothing")


def _in_repository(contract: Path, root: Path) -> str:
    """The contract's path relative to the repository, after checking it loads."""
    load_contract(contract)  # a broken contract stops init before anything is written
    try:
        return contract.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"the contract must live in the repository ({root}): the Stop hook and CI read it there; "
                         "copy it in and pass that path", where=str(contract)) from None


def run(args: argparse.Namespace) -> int:
    contract = _in_repository(args.contract, args.dir) if args.contract else None
    plugin = scaffold.marketplace_source(args.plugin) if args.plugin else None
    options = scaffold.Options(runtime=args.runtime, target=args.target, profile=args.profile, contract=contract,
                               plugin=plugin)
    changes = scaffold.plan(args.dir, options, tuple(args.only or scaffold.PARTS))
    sys.stdout.write(scaffold.describe(changes, diffs=args.dry_run))
    if not args.dry_run:
        scaffold.apply(args.dir, changes)
    written = sum(1 for c in changes if c.action in (scaffold.CREATE, scaffold.UPDATE, scaffold.DELETE))
    skipped = sum(1 for c in changes if c.action == scaffold.SKIPPED)
    verb = "would write" if args.dry_run else "wrote"
    print(f"fnproof init: {verb} {written} file(s) in {args.dir}; {len(changes) - written - skipped} left as they were"
          + (f"; {skipped} not written for this contract" if skipped else ""), file=sys.stderr)
    return 0
