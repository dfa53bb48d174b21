"""Reporters: the terminal, the JSON report (schema'd) and JUnit XML. Checks know none of them."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from fnproof import __version__
from fnproof.conformance.checks.registry import Failure
from fnproof.conformance.runner import CheckResult, RunReport
from fnproof.core.files import write_atomic

MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERR "}


class TerminalReporter:
    """One line per check as it finishes, then the failures in full, then a summary.

    `quiet` keeps only what failed (the line, the failure block) and the summary: what the
    Stop hook hands to Claude, where every PASS line would be noise that costs context.
    """

    def __init__(self, total: int, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.total, self.done, self.stream, self.quiet = total, 0, stream or sys.stdout, quiet

    def header(self, report: RunReport) -> None:
        if self.quiet:
            print(f"fnproof {__version__}: {report.target} (runtime {report.runtime}, profile {report.profile}, "
                  f"contract {report.contract})", file=self.stream)
            if report.sandbox is not None:  # every report says which isolation the run had
                print(f"  {report.sandbox.line()}", file=self.stream)
            return
        print(f"fnproof {__version__}: {report.target}", file=self.stream)
        print(f"  runtime {report.runtime} ({report.runtime_reason}); profile {report.profile}; "
              f"contract {report.contract} ({report.kind})", file=self.stream)
        if report.platform:
            print(f"  ran on {report.platform}", file=self.stream)
        if report.sandbox is not None:
            print(f"  {report.sandbox.line()}", file=self.stream)
        for note in report.notes:
            print(f"  {note}", file=self.stream)
        self.stream.flush()

    def on_result(self, result: CheckResult) -> None:
        self.done += 1
        if self.quiet and result.outcome in ("passed", "skipped"):
            return
        first = headline(result)
        if len(first) > 110:
            first = first[:109] + "…"
        width = len(str(self.total))
        print(f"[{self.done:>{width}}/{self.total}] {MARKS[result.outcome]} {result.id:<26} "
              f"{result.duration_s:6.2f}s  {first}".rstrip(), file=self.stream, flush=True)

    def finish(self, report: RunReport, repro: dict[str, list[Path]] | None = None) -> None:
        bad = [r for r in report.results if r.outcome in ("failed", "error")]
        for result in bad:
            print(f"\n--- {result.id} ({result.outcome})\n{result.message}", file=self.stream)
            if repro and result.id in repro:
                print("  replay: " + ", ".join(str(p) for p in repro[result.id]), file=self.stream)
            if result.logs:
                print("  handler logs (last lines):", file=self.stream)
                for line in result.logs.splitlines():
                    print(f"    {line}", file=self.stream)
        s = report.summary()
        print(f"\n{len(report.results)} checks: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, "
              f"{s['error']} error in {report.duration_s:.2f} s", file=self.stream, flush=True)


BODY_CHARS = 4096  # of a request or response body kept in the JSON report


def _body(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {"body": None, "body_bytes": 0}
    return {"body": raw.decode("utf-8", "replace")[:BODY_CHARS], "body_bytes": len(raw)}


def failure_json(failure: Failure) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": failure.summary}
    if failure.request is not None:
        r = failure.request
        out["request"] = {"method": r.method, "path": r.path, "shape": r.shape,
                          "headers": [list(pair) for pair in r.headers], **_body(r.body)}
    if failure.response is not None:
        g = failure.response
        out["response"] = {"status": g.status, "outcome": g.outcome, "error": g.error,
                           "headers": [[k, v] for k, v in g.headers.items()], **_body(g.body)}
    if failure.expected:
        out["expected"] = failure.expected
    return out


def _check_json(r: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {"id": r.id, "outcome": r.outcome, "message": r.message, "duration_s": r.duration_s}
    if r.failure is not None:
        out["failure"] = failure_json(r.failure)
    if r.logs:
        out["logs"] = r.logs
    return out


def headline(result: CheckResult) -> str:
    """The first line a reporter shows: the failure's summary, or the message's first line."""
    if result.failure is not None:
        return result.failure.summary.splitlines()[0] if result.failure.summary else ""
    return result.message.splitlines()[0] if result.message else ""


def to_json(report: RunReport) -> dict:
    return {
        "target": report.target, "runtime": report.runtime, "runtime_reason": report.runtime_reason,
        "profile": report.profile, "contract": report.contract, "kind": report.kind, "platform": report.platform,
        **({"sandbox": report.sandbox.as_json()} if report.sandbox is not None else {}),
        "kit_version": __version__, "notes": list(report.notes),
        "duration_s": round(report.duration_s, 3),
        "checks": [_check_json(r) for r in report.results],
        "summary": report.summary(),
    }


def write_json(report: RunReport, path: Path) -> None:
    write_atomic(path, json.dumps(to_json(report), indent=2) + "\n")


def write_junit(report: RunReport, path: Path) -> None:
    s = report.summary()
    suite = ET.Element("testsuite", name=f"fnproof {report.profile}: {report.target}", tests=str(len(report.results)),
                       failures=str(s["failed"]), errors=str(s["error"]), skipped=str(s["skipped"]),
                       time=f"{report.duration_s:.3f}")
    props = ET.SubElement(suite, "properties")
    for name in ("runtime", "profile", "contract", "platform"):
        ET.SubElement(props, "property", name=name, value=getattr(report, name))
    if report.sandbox is not None:
        ET.SubElement(props, "property", name="sandbox", value=report.sandbox.line().removeprefix("sandbox: "))
    for note in report.notes:
        ET.SubElement(props, "property", name="note", value=note)
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"fnproof.{report.runtime}", name=result.id,
                             time=f"{result.duration_s:.3f}")
        first = headline(result)
        if result.outcome == "failed":
            ET.SubElement(case, "failure", message=_xml_text(first)).text = _xml_text(result.message)
        elif result.outcome == "error":
            ET.SubElement(case, "error", message=_xml_text(first)).text = _xml_text(result.message)
        elif result.outcome == "skipped":
            ET.SubElement(case, "skipped", message=_xml_text(first))
        if result.logs:
            ET.SubElement(case, "system-out").text = _xml_text(result.logs)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    write_atomic(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


# Characters XML 1.0 cannot hold at all (a handler's ANSI colours, a NUL): written as they are,
# they make the whole JUnit file unreadable to CI, so each becomes U+FFFD.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
