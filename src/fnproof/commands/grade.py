"""`fnproof grade DIR...`: the eval scoreboard for code Claude Code already wrote.

One folder per sample (a checkout of each session's branch, say). The handler in each is
found the way `eval` finds it in an extracted reply, so the two scoreboards compare.
Exit 0: the scoreboard was produced. 2: usage or setup error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fnproof.commands import options
from fnproof.conformance.checks.registry import select
from fnproof.conformance.report import to_json
from fnproof.core.contract import default_contract_path, load_contract
from fnproof.core.errors import UsageError
from fnproof.eval.find_handler import findable
from fnproof.eval.grading import GradeOptions, Progress, grade_workspace
from fnproof.eval.scoreboard import compute, format_board


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="one folder per sample")
    parser.add_argument("--runtime", choices=findable(),
                        help="runtime of every sample (default: found per folder)")
    options.profile(parser)
    options.only(parser)
    options.parallel(parser, per=" per sample")
    options.contract(parser)
    options.sandbox(parser)
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the scoreboard and every sample's report here")


def run(args: argparse.Namespace) -> int:
    select(args.profile, args.only, load_contract(args.contract or default_contract_path()).kind)
    for folder in args.dirs:
        if not folder.is_dir():
            raise UsageError("not a folder", where=str(folder))
    if len({d.resolve() for d in args.dirs}) < len(args.dirs):
        raise UsageError("a folder is named twice; each folder is one sample")
    if args.json is not None and not args.json.parent.is_dir():
        raise UsageError("folder for the JSON file does not exist", where=str(args.json))
    options.positive("--parallel", args.parallel)
    grade_options = GradeOptions(args.runtime, args.profile, tuple(args.only), args.parallel, args.contract,
                                 args.sandbox)
    progress = Progress("[grade]", len(args.dirs))
    results, reports = [], {}
    for folder in args.dirs:
        result, report = grade_workspace(folder, str(folder), grade_options)
        results.append(result)
        reports[str(folder)] = to_json(report)
        progress.graded_one(result)
    progress.done()
    board = compute(results, table=None, batch=False, model=None)
    title = f"fnproof grade: {len(results)} folders · profile {args.profile}"
    sys.stdout.write("\n" + format_board(board, title))
    if args.json:
        args.json.write_text(json.dumps({"scoreboard": board, "reports": reports}, indent=2) + "\n", encoding="utf-8")
    return 0
