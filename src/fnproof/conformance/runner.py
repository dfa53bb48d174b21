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
from fnproof.conformance.checks.journal import RunJournal
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, CheckSpec, Failure, judges_the_run, select
from fnproof.conformance.containment.sandbox import Isolation, Mode
from fnproof.conformance.http import Canaries
from fnproof.conformance.masking import Masker
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
    sandbox: Isolation | None = None  # which isolation the run's processes had (containment/sandbox.py)
    results: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the reader must know about this run, one line each

    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    @property
    def exit_code(self) -> int:
        summary = self.summary()
        return 1 if summary["failed"] or summary["error"] else 0


def run_one(spec: CheckSpec, runtime: Runtime, contract: Contract, canaries: Canaries,
            journal: RunJournal | None = None) -> CheckResult:
    started = time.monotonic()
    mask = masker(canaries)
    ctx: CheckContext | None = None
    outcome: Outcome = "passed"
    message, logs = "", ""
    failure: Failure | None = None
    dead_before = runtime.service_failure()
    try:
        if dead_before:
            raise RuntimeError(f"the store had died before this check ({dead_before}); nothing after it can pass")
        reason = runtime.skip_reason(spec.needs)
        if reason:
            raise CheckSkipped(reason)
        ctx = CheckContext(contract, runtime, canaries, spec.id, journal)
        spec.func(ctx)
    except CheckSkipped as exc:
        outcome, message = "skipped", str(exc)
    except CheckFailed as exc:
        outcome, message, failure = "failed", str(exc), exc.failure
    except Exception as exc:  # the check's own bug: report it, keep running
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = "error"
        message = f"check raised {exc.__class__.__name__}: {exc} ({frame.filename}:{frame.lineno})"
        if dead_before:
            message = str(exc)
    finally:
        if ctx is not None:
            if outcome in ("failed", "error"):  # masked before clipping, so no prefix of a secret is left
                logs = "\n".join(f"[{line.stream}] {mask.text(line.text)[:300]}"
                                  for line in ctx.logs()[-LOG_TAIL_LINES:])
            ctx.close()
    dead_after = None if dead_before else runtime.service_failure()
    if dead_after and outcome != "skipped":  # whatever it concluded, it ran against a store that went away
        outcome, failure = "failed", None
        message = (f"the store died during this check: {dead_after}. A handler cannot reach the store's "
                   f"process in the sandbox; a request that crashes the store is the handler's failure")
    duration = 0.0 if outcome == "skipped" and ctx is None else round(time.monotonic() - started, 3)
    if mask and failure is not None:
        failure = mask.failure(failure)
        message = failure.text()
    return CheckResult(spec.id, outcome, mask.text(message), duration, logs, failure)


def masker(canaries: Canaries) -> Masker:
    """What a run masks in its results: the caller's real secret, when it uses one."""
    return Masker(((canaries.secret_from, canaries.secret),)) if canaries.secret_from else Masker()


def run_checks(specs: list[CheckSpec], runtime: Runtime, contract: Contract, canaries: Canaries, *,
               parallel: int = 4, on_result: Callable[[CheckResult], None] | None = None,
               journal: RunJournal | None = None) -> list[CheckResult]:
    """Results in catalogue order; `on_result` hears each as it finishes (progress).

    The checks that judge the whole run (its logs) start once every other check is done, so
    they read every invocation the run made, not only their own.
    """
    journal = journal if journal is not None else RunJournal()
    results: dict[str, CheckResult] = {}
    first = [spec for spec in specs if not judges_the_run(spec)]
    last = [spec for spec in specs if judges_the_run(spec)]
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="fnproof-check") as pool:
        for batch in (first, last):
            futures = {pool.submit(run_one, spec, runtime, contract, canaries, journal): spec for spec in batch}
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
    sandbox_mode: Mode = "auto"
    notes: tuple[str, ...] = ()  # one line each, for the terminal header and the JSON report
    journal: RunJournal = field(default_factory=RunJournal)  # every invocation, for the log checks

    def report(self) -> RunReport:
        return RunReport(target=self.target, runtime=self.runtime.name, runtime_reason=self.runtime_reason,
                         profile=self.profile, contract=str(self.contract.source), kind=self.contract.kind,
                         notes=list(self.notes))


def prepare_run(target: str, *, runtime: str | None = None, profile: str = defaults.PROFILE,
                contract_path: Path | None = None, only: list[str] | tuple[str, ...] = (),
                timeout_s: float = defaults.TIMEOUT_S, memory_mb: int = defaults.MEMORY_MB,
                python: str | None = None, node: str | None = None, sandbox: Mode = "auto") -> PreparedRun:
    """Validate every input and build the runtime; raises UsageError before anything starts."""
    from fnproof.conformance.runtimes import registry

    contract = load_contract(contract_path or default_contract_path())
    specs = select(profile, only, contract.kind)
    detected = registry.detect(target, runtime)
    # A live deployment has its own secret: take it from the caller's environment, if there,
    # and mask it in every result; if it is not there, say so rather than send a random one quietly.
    notes: list[str] = []
    live_secret = None
    if registry.spec(detected.runtime).takes_urls and contract.auth_env:
        live_secret = os.environ.get(contract.auth_env) or None
        notes.append(f"secret: {contract.auth_env} from your environment, masked in every report" if live_secret
                     else f"secret: {contract.auth_env} is not set in your environment, so a random value is sent"
                          " and checks that need the deployment's secret will fail; set it to run them")
    canaries = Canaries.fresh(secret=live_secret, make_secret=lambda: fresh_secret(contract.signature),
                              secret_from=contract.auth_env)
    built = registry.build(detected, contract, canaries, RunOptions(timeout_s, memory_mb, python, node, sandbox))
    source = EVENT_SOURCES.get(contract.kind)
    if source is not None and source not in built.capabilities:
        built.close()
        raise UsageError(f"the {detected.runtime} runtime cannot run an {contract.kind} contract: the suite "
                         f"{CAPABILITIES[source]}", where=contract.source)
    return PreparedRun(target, profile, contract, specs, canaries, built, detected.reason, sandbox, tuple(notes))


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
        report.sandbox = run.runtime.isolation or Isolation(
            "none", run.sandbox_mode, "nothing of the target runs on this machine (a live deployment)")
        run.runtime.probe()
        if on_start:
            on_start(report, len(run.specs))
        report.results = run_checks(run.specs, run.runtime, run.contract, run.canaries, parallel=parallel,
                                    on_result=on_result, journal=run.journal)
    finally:
        run.runtime.close()
    report.duration_s = time.monotonic() - started
    return report
