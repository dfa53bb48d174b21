"""Run selected checks against one runtime, in parallel, turning every outcome into a result.

A check's failure, a skip, and a check's own bug (any other exception) each become a
CheckResult; nothing a handler or a check does can end the run early.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, CheckSpec, Failure, select
from fnproof.conformance.http import Canaries
from fnproof.conformance.runtimes.base import CAPABILITIES, RunOptions, Runtime
from fnproof.conformance.signing import fresh_secret
from fnproof.core import defaults
from fnproof.core.contract import Contract, default_contract_path, load_contract
from fnproof.core.errors import UsageError

Outcome = Literal["passed", "failed", "skipped", "error"]
# Kinds whose every check needs an event source only some runtimes have: on another runtime the
# whole run is a usage error, not a report of skips.
EVENT_SOURCES = {"sqs": "sqs-events", "s3-import": "s3-events"}
LOG_TAIL_LINES = 40


@dataclass(frozen=True, slots=True)
class CheckResult:
    id: str
    outcome: Outcome
    message: str  # the whole readable text; for a failure, `failure.text()`
    duration_s: float
    logs: str = ""
    failure: Failure | None = None  # a failed check's context, as fields


@dataclass(slots=True)
class RunReport:
    target: str
    runtime: str
    runtime_reason: str
    profile: str
    contract: str
    kind: str = "http-idempotent"
    platform: str = ""  # what ran the code: interpreter and version, and why that one
    results: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0

    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    @property
    def exit_code(self) -> int:
        summary = self.summary()
        return 1 if summary["failed"] or summary["error"] else 0


def run_one(spec: CheckSpec, runtime: Runtime, contract: Contract, canaries: Canaries) -> CheckResult:
    started = time.monotonic()
    ctx: CheckContext | None = None
    outcome: Outcome = "passed"
    message, logs = "", ""
    failure: Failure | None = None
    try:
        reason = runtime.skip_reason(spec.needs)
        if reason:
            raise CheckSkipped(reason)
        ctx = CheckContext(contract, runtime, canaries, spec.id)
        spec.func(ctx)
    except CheckSkipped as exc:
        outcome, message = "skipped", str(exc)
    except CheckFailed as exc:
        outcome, message, failure = "failed", str(exc), exc.failure
    except Exception as exc:  # the check's own bug: report it, keep running
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = "error"
        message = f"check raised {exc.__class__.__name__}: {exc} ({frame.filename}:{frame.lineno})"
    finally:
        if ctx is not None:
            if outcome in ("failed", "error"):
                logs = "\n".join(f"[{line.stream}] {line.text[:300]}" for line in ctx.logs()[-LOG_TAIL_LINES:])
            ctx.close()
    duration = 0.0 if outcome == "skipped" and ctx is None else round(time.monotonic() - started, 3)
    return CheckResult(spec.id, outcome, message, duration, logs, failure)


def run_checks(specs: list[CheckSpec], runtime: Runtime, contract: Contract, canaries: Canaries, *,
               parallel: int = 4, on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    """Results in catalogue order; `on_result` hears each as it finishes (progress)."""
    results: dict[str, CheckResult] = {}
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="fnproof-check") as pool:
        futures = {pool.submit(run_one, spec, runtime, contract, canaries): spec for spec in specs}
        for future in as_completed(futures):
            result = future.result()
            results[result.id] = result
            if on_result:
                on_result(result)
    return [results[spec.id] for spec in specs]


@dataclass(slots=True)
class PreparedRun:
    """A validated run, not yet started: what the CLI and the pytest plugin share."""

    target: str
    profile: str
    contract: Contract
    specs: list[CheckSpec]
    canaries: Canaries
    runtime: Runtime
    runtime_reason: str

    def report(self) -> RunReport:
        return RunReport(target=self.target, runtime=self.runtime.name, runtime_reason=self.runtime_reason,
                         profile=self.profile, contract=str(self.contract.source), kind=self.contract.kind)


def prepare_run(target: str, *, runtime: str | None = None, profile: str = defaults.PROFILE,
                contract_path: Path | None = None, only: list[str] | tuple[str, ...] = (),
                timeout_s: float = defaults.TIMEOUT_S, memory_mb: int = defaults.MEMORY_MB,
                python: str | None = None, node: str | None = None) -> PreparedRun:
    """Validate every input and build the runtime; raises UsageError before anything starts."""
    from fnproof.conformance.runtimes import registry

    contract = load_contract(contract_path or default_contract_path())
    specs = select(profile, only, contract.kind)
    detected = registry.detect(target, runtime)
    # A live deployment has its own secret: take it from the caller's environment, if there.
    live_secret = os.environ.get(contract.auth_env or "") if registry.spec(detected.runtime).takes_urls else None
    canaries = Canaries.fresh(secret=live_secret, make_secret=lambda: fresh_secret(contract.signature))
    built = registry.build(detected, contract, canaries, RunOptions(timeout_s, memory_mb, python, node))
    source = EVENT_SOURCES.get(contract.kind)
    if source is not None and source not in built.capabilities:
        built.close()
        raise UsageError(f"the {detected.runtime} runtime cannot run an {contract.kind} contract: the suite "
                         f"{CAPABILITIES[source]}", where=contract.source)
    return PreparedRun(target, profile, contract, specs, canaries, built, detected.reason)


def check_target(target: str, *, on_start: Callable[[RunReport, int], None] | None = None,
                 on_result: Callable[[CheckResult], None] | None = None, parallel: int = 4,
                 **options: object) -> RunReport:
    """Everything `fnproof check` does short of printing: validate, detect, start, run, stop.

    Raises UsageError/SetupError before any check runs when the input or machine is wrong.
    """
    started = time.monotonic()
    run = prepare_run(target, **options)  # type: ignore[arg-type]
    report = run.report()
    try:
        run.runtime.start()
        report.platform = run.runtime.platform
        run.runtime.probe()
        if on_start:
            on_start(report, len(run.specs))
        report.results = run_checks(run.specs, run.runtime, run.contract, run.canaries, parallel=parallel,
                                    on_result=on_result)
    finally:
        run.runtime.close()
    report.duration_s = time.monotonic() - started
    return report
