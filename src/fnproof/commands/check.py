"""`fnproof check`: run the conformance catalogue against one handler and report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fnproof.commands import options
from fnproof.conformance import github_output, repro
from fnproof.conformance.report import TerminalReporter, write_json, write_junit
from fnproof.conformance.runner import RunReport, check_target
from fnproof.conformance.runtimes import registry
from fnproof.conformance.services import node_runtime
from fnproof.core import defaults
from fnproof.core.contract import default_contract_path, load_contract
from fnproof.core.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", help="handler file (FILE or FILE:EXPORT), a Worker folder, or a URL")
    parser.add_argument("--url", help="base URL of a running deployment (same as giving the URL as target)")
    parser.add_argument("--runtime", choices=registry.names(), help="override runtime detection")
    options.profile(parser)
    options.contract(parser)
    options.only(parser)
    parser.add_argument("--report-json", type=Path, metavar="FILE", help="write the JSON report here")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    parser.add_argument("--timeout", type=float, default=defaults.TIMEOUT_S, metavar="S",
                        help=f"per-invocation limit (default {defaults.TIMEOUT_S:g} s)")
    parser.add_argument("--memory", type=int, default=defaults.MEMORY_MB, metavar="MB",
                        help=f"per-environment memory limit (default {defaults.MEMORY_MB})")
    parser.add_argument("--python", metavar="EXE|VERSION",
                        help="lambda-python: an interpreter, or a version such as 3.13 found on this machine "
                             "(default: the SAM template's runtime where this machine has it, else the kit's)")
    parser.add_argument("--node", choices=node_runtime.CHOICES,
                        help="lambda-node, workers: the Node.js major to install and run, or the machine's own "
                             "(default: the SAM template's runtime, else package.json engines, else "
                             f"{node_runtime.DEFAULT_MAJOR})")
    options.parallel(parser)
    options.sandbox(parser)
    parser.add_argument("--format", choices=("terminal", "github"), default="terminal",
                        help="github: also an ::error annotation on the handler file per failed check, and a "
                             "Markdown table appended to $GITHUB_STEP_SUMMARY when it is set (default: terminal)")
    parser.add_argument("--repro", type=Path, metavar="DIR",
                        help="write each failing check's request here: Lambda event JSON for `sam local invoke -e`, "
                             "curl lines for Workers and --url, a README saying how to replay")
    parser.add_argument("--quiet", action="store_true",
                        help="print only what failed and the summary (what the Stop hook hands to Claude)")


def _writable(path: Path | None, *, folder: bool = False) -> None:
    """Refuse, before the run, an output path the kit could not write when the run is over."""
    if path is None:
        return
    if not path.parent.is_dir():
        raise UsageError("folder for the report does not exist", where=str(path))
    if folder and path.exists() and not path.is_dir():
        raise UsageError("--repro needs a folder, and this is a file", where=str(path))
    if not folder and path.exists() and not path.is_file():
        raise UsageError("a report is written to a file, and this is a folder", where=str(path))


def run(args: argparse.Namespace) -> int:
    if bool(args.url) == bool(args.target):
        raise UsageError("give one target: a handler file, a Worker folder, or --url URL")
    if args.url and not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url needs an http:// or https:// URL, got {args.url!r}")
    args.target = args.target or args.url
    options.positive("--timeout", args.timeout)
    options.positive("--memory", args.memory)
    options.positive("--parallel", args.parallel)
    _writable(args.report_json)
    _writable(args.junit)
    _writable(args.repro, folder=True)
    terminal: TerminalReporter | None = None

    def started(report: RunReport, total: int) -> None:
        nonlocal terminal
        terminal = TerminalReporter(total, quiet=args.quiet)
        terminal.header(report)

    report = check_target(args.target, runtime=args.runtime, profile=args.profile, contract_path=args.contract,
                          only=args.only, timeout_s=args.timeout, memory_mb=args.memory, parallel=args.parallel,
                          python=args.python, node=args.node, sandbox=args.sandbox,
                          on_start=started, on_result=lambda result: terminal.on_result(result) if terminal else None)
    assert terminal is not None
    # The reports first: a reproduction that cannot be written must not cost the run's verdict.
    if args.report_json:
        write_json(report, args.report_json)
    if args.junit:
        write_junit(report, args.junit)
    replays = (repro.write(report, args.repro, load_contract(args.contract or default_contract_path()),
                           url=args.target if args.target.startswith(("http://", "https://")) else None)
               if args.repro else None)
    terminal.finish(report, replays)
    if args.format == "github":
        for line in github_output.error_commands(report):
            print(line, flush=True)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as out:
                out.write(github_output.summary_table(report))
    return report.exit_code
