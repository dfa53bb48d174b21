"""Reporters: the terminal, the JSON report (schema'd) and JUnit XML. Checks know none of them."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from fnproof import __version__
from fnproof.conformance.runner import CheckResult, RunReport

MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERR "}


class TerminalReporter:
    """One line per check as it finishes, then the failures in full, then a summary."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stdout

    def header(self, report: RunReport) -> None:
        print(f"fnproof {__version__}: {report.target}", file=self.stream)
        print(f"  runtime {report.runtime} ({report.runtime_reason}); profile {report.profile}; "
              f"contract {report.contract}", file=self.stream, flush=True)

    def on_result(self, result: CheckResult) -> None:
        self.done += 1
        first = result.message.splitlines()[0] if result.message else ""
        if len(first) > 110:
            first = first[:109] + "…"
        width = len(str(self.total))
        print(f"[{self.done:>{width}}/{self.total}] {MARKS[result.outcome]} {result.id:<26} "
              f"{result.duration_s:6.2f}s  {first}".rstrip(), file=self.stream, flush=True)

    def finish(self, report: RunReport) -> None:
        bad = [r for r in report.results if r.outcome in ("failed", "error")]
        for result in bad:
            print(f"\n--- {result.id} ({result.outcome})\n{result.message}", file=self.stream)
            if result.logs:
                print("  handler logs (last lines):", file=self.stream)
                for line in result.logs.splitlines():
                    print(f"    {line}", file=self.stream)
        s = report.summary()
        print(f"\n{len(report.results)} checks: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, "
              f"{s['error']} error in {report.duration_s:.2f} s", file=self.stream, flush=True)


def to_json(report: RunReport) -> dict:
    return {
        "target": report.target, "runtime": report.runtime, "runtime_reason": report.runtime_reason,
        "profile": report.profile, "contract": report.contract, "kit_version": __version__,
        "duration_s": round(report.duration_s, 3),
        "checks": [{"id": r.id, "outcome": r.outcome, "message": r.message, "duration_s": r.duration_s,
                    **({"logs": r.logs} if r.logs else {})} for r in report.results],
        "summary": report.summary(),
    }


def write_json(report: RunReport, path: Path) -> None:
    path.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")


def write_junit(report: RunReport, path: Path) -> None:
    s = report.summary()
    suite = ET.Element("testsuite", name=f"fnproof {report.profile}: {report.target}", tests=str(len(report.results)),
                       failures=str(s["failed"]), errors=str(s["error"]), skipped=str(s["skipped"]),
                       time=f"{report.duration_s:.3f}")
    props = ET.SubElement(suite, "properties")
    for name in ("runtime", "profile", "contract"):
        ET.SubElement(props, "property", name=name, value=getattr(report, name))
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"fnproof.{report.runtime}", name=result.id,
                             time=f"{result.duration_s:.3f}")
        first = result.message.splitlines()[0] if result.message else ""
        if result.outcome == "failed":
            ET.SubElement(case, "failure", message=first).text = result.message
        elif result.outcome == "error":
            ET.SubElement(case, "error", message=first).text = result.message
        elif result.outcome == "skipped":
            ET.SubElement(case, "skipped", message=first)
        if result.logs:
            ET.SubElement(case, "system-out").text = result.logs
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")
