"""GitHub Actions output: an `::error` annotation per failed check, and a Markdown summary table.

An annotation lands on the handler's file, so a pull request shows the failure where the code
is. The line is the first one the failure itself names in that file (a stack frame in the
message or the handler's logs); without one it is line 1, the file as a whole. Workflow
commands end at a newline and split properties at `,` and `:`, so values are escaped the way
the runner unescapes them.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from fnproof.conformance.checks.registry import all_checks
from fnproof.conformance.runner import CheckResult, RunReport
from fnproof.conformance.runtimes.registry import split_export

MARK = {"passed": "✅ pass", "failed": "❌ fail", "skipped": "➖ skip", "error": "⚠️ error"}
MESSAGE_CHARS = 4000  # of one annotation's text: GitHub shows the start of long ones anyway


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def handler_file(report: RunReport) -> str | None:
    """The file an annotation belongs to: the target without its export; none for a URL."""
    if report.target.startswith(("http://", "https://")):
        return None
    path = split_export(report.target)[0]
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())  # GitHub places annotations by the path in the repository
    return PurePosixPath(path.as_posix()).as_posix()


def handler_line(result: CheckResult, file: str) -> int:
    name = re.escape(PurePosixPath(file).name)
    for text in (result.message, result.logs):
        match = re.search(rf"{name}:(\d+)", text or "")
        if match:
            return int(match[1])
    return 1


def error_commands(report: RunReport) -> list[str]:
    file = handler_file(report)
    lines = []
    for result in report.results:
        if result.outcome not in ("failed", "error"):
            continue
        props = [f"title={escape_property(result.id)}"]
        if file:
            props = [f"file={escape_property(file)}", f"line={handler_line(result, file)}", *props]
        lines.append(f"::error {','.join(props)}::{escape_data(result.message[:MESSAGE_CHARS])}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_table(report: RunReport) -> str:
    """The job summary: what ran, then one row per check."""
    s = report.summary()
    summaries = {spec.id: spec.summary for spec in all_checks(report.kind)}
    rows = [f"### fnproof: `{report.target}`", "",
            f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error "
            f"(runtime {report.runtime}, profile {report.profile}, contract {report.contract})", "",
            "| check | result | what it proves | detail |", "|---|---|---|---|"]
    for result in report.results:
        first = result.message.splitlines()[0] if result.message and result.outcome != "passed" else ""
        rows.append(f"| `{result.id}` | {MARK[result.outcome]} | {_cell(summaries.get(result.id, ''))} "
                    f"| {_cell(first[:200])} |")
    return "\n".join(rows) + "\n"
