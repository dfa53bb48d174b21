"""`fnproof checklist NAME [--report report.json] [--contract FILE] [--format md|text]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof.core.contract import load_contract
from fnproof.guidance import checklists


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="deploy, review, or a path to your own checklist YAML")
    parser.add_argument("--report", type=Path, metavar="FILE", help="JSON report from `fnproof check --report-json`")
    parser.add_argument("--contract", type=Path, metavar="FILE",
                        help="without a report: list the items for this contract's kind (a report names its own)")
    parser.add_argument("--format", choices=("md", "text"), default="md",
                        help="Markdown for a pull request (default) or text")


def run(args: argparse.Namespace) -> int:
    checklist = checklists.load_checklist(checklists.checklist_path(args.name))
    report = checklists.load_report(args.report) if args.report else None
    kind = load_contract(args.contract).kind if args.contract else None
    states = checklists.evaluate(checklist, report, kind=kind)
    render = checklists.render_markdown if args.format == "md" else checklists.render_text
    sys.stdout.write(render(checklist, states, report, args.report.name if args.report else None))
    return 0
