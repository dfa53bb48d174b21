"""`fnproof checklist NAME [--report report.json] [--contract FILE] [--format md|text] [--strict]`.

Evidence items read the SAM/CloudFormation template and the wrangler config nearest the
report's handler (up to the current folder), or the files `--template` / `--wrangler` name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof.conformance.runtimes.registry import split_export
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError
from fnproof.guidance import checklists, evidence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="deploy, review, or a path to your own checklist YAML")
    parser.add_argument("--report", type=Path, metavar="FILE", help="JSON report from `fnproof check --report-json`")
    parser.add_argument("--contract", type=Path, metavar="FILE",
                        help="without a report: list the items for this contract's kind (a report names its own)")
    parser.add_argument("--format", choices=("md", "text"), default="md",
                        help="Markdown for a pull request (default) or text")
    parser.add_argument("--template", type=Path, metavar="FILE",
                        help="the SAM/CloudFormation template to read evidence from (default: the nearest "
                             "template.yaml/.yml/.json from the report's handler up to the current folder)")
    parser.add_argument("--wrangler", type=Path, metavar="FILE",
                        help="the wrangler config to read evidence from (default: found like the template)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when an item is flagged (a deploy gate)")


def _sources(args: argparse.Namespace, report: dict | None) -> evidence.Sources:
    for given in (args.template, args.wrangler):
        if given is not None and not given.is_file():
            raise UsageError("no such file", where=str(given))
    here = Path.cwd()
    start = here
    if report is not None and not str(report["target"]).startswith(("http://", "https://")):
        target = split_export(report["target"])[0]
        start = target if target.is_dir() else target.parent
        if not start.is_dir():
            start = here
    found = evidence.find_sources(start, here if start.resolve().is_relative_to(here.resolve()) else start)
    return evidence.Sources(args.template or found.template, args.wrangler or found.wrangler)


def run(args: argparse.Namespace) -> int:
    checklist = checklists.load_checklist(checklists.checklist_path(args.name))
    report = checklists.load_report(args.report) if args.report else None
    kind = load_contract(args.contract).kind if args.contract else None
    states = checklists.evaluate(checklist, report, kind=kind, sources=_sources(args, report))
    render = checklists.render_markdown if args.format == "md" else checklists.render_text
    sys.stdout.write(render(checklist, states, report, args.report.name if args.report else None))
    return 1 if args.strict and any(s.state == checklists.FAILED for s in states) else 0
