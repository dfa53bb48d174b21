"""Grade one sample: find its handler, run the conformance checks, keep the verdict.

Shared by `fnproof eval`, `eval --regrade` and `fnproof grade`, so all three score a
folder the same way. A sample whose handler is missing or does not load is a sample that
fails every check (with the reason kept), not a crash of the run: a prompt that makes
Claude forget the export is a prompt that failed. A machine that lacks Node is different:
that says nothing about the sample, so it stops the run.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from fnproof.conformance.checks.registry import select
from fnproof.conformance.containment.sandbox import Mode
from fnproof.conformance.report import to_json
from fnproof.conformance.runner import CheckResult, RunReport, check_target
from fnproof.core.contract import default_contract_path, load_contract
from fnproof.core.errors import SetupError, UsageError
from fnproof.eval.find_handler import Entry, NoHandler, find_entry
from fnproof.eval.scoreboard import SampleResult


@dataclass(frozen=True, slots=True)
class GradeOptions:
    runtime: str | None
    profile: str
    only: tuple[str, ...] = ()
    parallel: int = 4
    contract_path: Path | None = None
    sandbox: Mode = "auto"


def _all_failed(target: str, runtime: str, reason: str, options: GradeOptions) -> RunReport:
    path = options.contract_path or default_contract_path()
    kind = load_contract(path).kind  # the sample fails its own kind's checks, not the orders API's
    report = RunReport(target=target, runtime=runtime or "unknown", runtime_reason=reason, profile=options.profile,
                       contract=str(path), kind=kind)
    report.results = [CheckResult(spec.id, "failed", reason, 0.0)
                      for spec in select(options.profile, options.only, kind)]
    return report


def grade_workspace(workspace: Path, sample_id: str, options: GradeOptions) -> tuple[SampleResult, RunReport]:
    try:
        entry: Entry = find_entry(workspace, options.runtime)
    except NoHandler as exc:
        report = _all_failed(str(workspace), options.runtime or "", f"no handler: {exc}", options)
        return SampleResult(sample_id, "no-handler", str(exc), _outcomes(report)), report
    try:
        report = check_target(str(entry.target), runtime=entry.runtime, profile=options.profile,
                              only=list(options.only), contract_path=options.contract_path, parallel=options.parallel,
                              sandbox=options.sandbox)
    except SetupError:
        raise
    except UsageError as exc:
        reason = f"{_rel(exc, workspace)} ({entry.reason})"
        report = _all_failed(str(entry.target), entry.runtime, f"does not load: {reason}", options)
        return SampleResult(sample_id, "does-not-load", reason, _outcomes(report),
                            target=_relpath(entry.target, workspace)), report
    report.runtime_reason = f"{entry.reason}; {report.runtime_reason}"
    return SampleResult(sample_id, "graded", entry.reason, _outcomes(report),
                        target=_relpath(entry.target, workspace)), report


def _outcomes(report: RunReport) -> dict[str, str]:
    return {r.id: r.outcome for r in report.results}


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)


def _rel(exc: Exception, root: Path) -> str:
    """The error's text with the workspace prefix dropped: shorter, and the same on every machine."""
    return str(exc).replace(str(root.resolve()) + "/", "").replace(str(root) + "/", "")


def save(folder: Path, result: SampleResult, report: RunReport) -> None:
    (folder / "report.json").write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    (folder / "sample.json").write_text(json.dumps({
        "id": result.id, "status": result.status, "reason": result.reason, "target": result.target,
        "outcomes": result.checks}, indent=2) + "\n", encoding="utf-8")


class Progress:
    """Progress on stderr: one line redrawn in place on a terminal, one line per event otherwise."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.stream = label, total, stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.generated = self.graded = self.passing = 0
        if self.tty:
            self._draw()

    def _draw(self) -> None:
        filled = int(20 * self.graded / self.total) if self.total else 20
        bar = "#" * filled + "." * (20 - filled)
        self.stream.write(f"\r{self.label} [{bar}] replies {self.generated}/{self.total} · graded {self.graded}/"
                          f"{self.total} · passing {self.passing}  ")
        self.stream.flush()

    def note(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(f"{self.label} {text}\n")
        self.stream.flush()
        if self.tty:
            self._draw()

    def replied(self, sample_id: str, detail: str) -> None:
        self.generated += 1
        self._draw() if self.tty else self.note(f"sample {sample_id}: {detail}")

    def graded_one(self, result: SampleResult) -> None:
        self.graded += 1
        self.passing += result.passes
        if result.status == "graded":
            failed = [c for c, o in result.checks.items() if o in ("failed", "error")]
            n = len(result.checks)
            text = (f"passes {'its' if n == 1 else 'all'} {n} check{'' if n == 1 else 's'}" if not failed
                    else f"fails {len(failed)} of {len(result.checks)}: {', '.join(failed)}")
        else:
            text = f"{result.status}: {result.reason.splitlines()[0][:120] if result.reason else ''}"
        self.note(f"sample {result.id}: {text}")

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
