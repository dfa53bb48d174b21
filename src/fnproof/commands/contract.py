"""`fnproof contract new --kind K [--preset P] [--out FILE]` and `fnproof contract check FILE...`.

`new` prints a commented starting contract (the kit's own starters under
conformance/contracts/); `check` lists every problem of a contract at once, each at its own
file:line, in plain words. Exit 0 when a contract is sound, 1 when it has problems, 2 when
it cannot be read at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fnproof.core.contract import KINDS, contract_problems, default_contract_path, signature_presets
from fnproof.core.datafile import read_text
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path


def starter(kind: str, preset: str | None) -> Path:
    """The starting file for a kind (and, for webhooks, a provider's preset)."""
    presets = sorted(signature_presets())
    if kind == "http-idempotent":
        if preset:
            raise UsageError("--preset names a webhook provider; an http-idempotent contract has none")
        return default_contract_path()
    if kind in ("sqs", "s3-import"):
        if preset:
            raise UsageError(f"--preset names a webhook provider; an {kind} contract has none")
        return data_path("conformance", "contracts", "starters", f"{kind}.yaml")
    if not preset:
        raise UsageError(f"a webhook contract starts from a provider: add --preset, one of {', '.join(presets)}")
    if preset not in presets:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(presets)}")
    return data_path("conformance", "contracts", "starters", f"{kind}-{preset}.yaml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="print a commented starting contract for a kind of function")
    new.add_argument("--kind", choices=KINDS, default="http-idempotent",
                     help="the shape of function (default http-idempotent)")
    new.add_argument("--preset", metavar="PROVIDER", help=f"webhook provider: {', '.join(sorted(signature_presets()))}")
    new.add_argument("--out", type=Path, metavar="FILE",
                     help="write it here (never over an existing file) instead of stdout")
    check = sub.add_parser("check", help="list every problem in contract files, each at its file:line")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")


def _new(args: argparse.Namespace) -> int:
    text = read_text(starter(args.kind, args.preset))
    if args.out is None:
        sys.stdout.write(text)
        return 0
    if not args.out.parent.is_dir():
        raise UsageError("folder for the contract does not exist", where=str(args.out))
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UsageError("exists already; fnproof never overwrites a contract", where=str(args.out)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"fnproof contract: wrote {args.out} ({args.kind}{', ' + args.preset if args.preset else ''}); "
          f"`fnproof contract check {args.out}` after you edit it", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.files:
        problems, contract = contract_problems(path)
        for problem in problems:
            print(problem)
        if contract is not None:
            what = {"sqs": f"dedup by {contract.key.describe()}",
                    "s3-import": "one job per object version"}.get(contract.kind, f"{contract.method} {contract.path}")
            print(f"{path}: a sound {contract.kind} contract ({what})", file=sys.stderr)
        else:
            bad += 1
            print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if bad else 0


def run(args: argparse.Namespace) -> int:
    return _new(args) if args.action == "new" else _check(args)
