"""The conformance checks as pytest items: `pytest --fnproof-target handler.mjs`.

One item per check, named by its id (`handler.mjs::key-reuse-422`), so teams get the
verdicts in the test runner, JUnit and IDE they already use. The runtime and its services
(the local DynamoDB, npm installs) start once per session, on the first item, and stop at
session end; under pytest-xdist each worker starts its own.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from fnproof.conformance.checks.registry import PROFILES, CheckSpec, judges_the_run
from fnproof.conformance.containment.sandbox import MODES, Mode
from fnproof.conformance.runner import CheckResult, PreparedRun, prepare_run, run_one
from fnproof.conformance.runtimes import registry
from fnproof.core.errors import UsageError

_RUN_KEY = pytest.StashKey[PreparedRun]()
_STARTED_KEY = pytest.StashKey[bool]()
_SETUP_ERROR_KEY = pytest.StashKey[Exception]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fnproof", "fnproof conformance checks")
    group.addoption("--fnproof-target", dest="fnproof_target", metavar="PATH",
                    help="handler file, Worker folder or URL to run the conformance checks against")
    group.addoption("--fnproof-runtime", dest="fnproof_runtime", metavar="RUNTIME",
                    help=f"override runtime detection ({', '.join(registry.names())})")
    group.addoption("--fnproof-profile", dest="fnproof_profile", choices=PROFILES, default=None,
                    help="seed, standard or production (default: the fnproof_profile ini value, else production)")
    group.addoption("--fnproof-contract", dest="fnproof_contract", metavar="FILE",
                    help="contract YAML (default: the orders contract)")
    group.addoption("--fnproof-sandbox", dest="fnproof_sandbox", choices=MODES, default=None,
                    help="bubblewrap around the handler's processes: auto (default: when its preflight passes), "
                         "require (a usage error without it) or off")
    parser.addini("fnproof_target", "default for --fnproof-target", default="")
    parser.addini("fnproof_profile", "default for --fnproof-profile", default="production")
    parser.addini("fnproof_contract", "default for --fnproof-contract", default="")
    parser.addini("fnproof_sandbox", "default for --fnproof-sandbox", default="auto")


def _option(config: pytest.Config, name: str) -> str | None:
    return config.getoption(f"fnproof_{name}") or config.getini(f"fnproof_{name}") or None


def _sandbox_mode(value: str) -> Mode:
    if value not in MODES:
        raise pytest.UsageError(f"fnproof: fnproof_sandbox must be one of {', '.join(MODES)}, got {value!r}")
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fnproof: a conformance check run by the fnproof plugin")
    target = _option(config, "target")
    if not target:
        return
    contract = _option(config, "contract")
    try:
        run = prepare_run(target, runtime=config.getoption("fnproof_runtime"),
                          profile=_option(config, "profile") or "production",
                          contract_path=Path(contract) if contract else None,
                          sandbox=_sandbox_mode(_option(config, "sandbox") or "auto"))
    except UsageError as exc:
        raise pytest.UsageError(f"fnproof: {exc}") from None
    config.stash[_RUN_KEY] = run
    config.stash[_STARTED_KEY] = False
    config.add_cleanup(run.runtime.close)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Add the target beside whatever the session collects, so counts, -k and -m just work."""
    report = yield
    run = collector.config.stash.get(_RUN_KEY, None)
    if run is not None and isinstance(collector, pytest.Session) and report.passed:
        path = _target_path(run)
        try:
            nodeid = path.relative_to(collector.config.rootpath).as_posix() if path.exists() else run.target
        except ValueError:
            nodeid = run.target
        report.result.append(ConformanceTarget.from_parent(collector, name=run.target, path=path, nodeid=nodeid))
    return report


def _target_path(run: PreparedRun) -> Path:
    path = Path(run.target)
    return path.resolve() if path.exists() else Path.cwd()


def _ensure_started(config: pytest.Config) -> PreparedRun:
    """Start the runtime once; a handler that cannot load fails every item with the same usage error.

    The failure is remembered, so no later item runs its check on a half-started runtime and
    reports an ordinary check failure for what is a usage error.
    """
    run = config.stash[_RUN_KEY]
    failed = config.stash.get(_SETUP_ERROR_KEY, None)
    if failed is not None:
        raise failed
    if not config.stash[_STARTED_KEY]:
        try:
            run.runtime.start()
            run.runtime.probe()
        except Exception as exc:  # started once: a second start() would leak the first one's processes
            config.stash[_SETUP_ERROR_KEY] = exc
            raise
        config.stash[_STARTED_KEY] = True
    return run


class ConformanceTarget(pytest.Collector):
    """The handler under test; its children are the selected checks."""

    def collect(self) -> list[pytest.Item]:
        run = self.config.stash[_RUN_KEY]
        # The log checks read every invocation of the session, so they come last (checks/journal.py).
        ordered = sorted(run.specs, key=judges_the_run)
        return [CheckItem.from_parent(self, name=spec.id, spec=spec) for spec in ordered]


class CheckFailure(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class CheckItem(pytest.Item):
    def __init__(self, *, spec: CheckSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.add_marker(pytest.mark.fnproof)
        self.user_properties.append(("profile", spec.profile))

    def runtest(self) -> None:
        try:
            run = _ensure_started(self.config)
        except UsageError as exc:
            pytest.fail(f"fnproof setup: {exc}", pytrace=False)
        self.user_properties.append(("platform", run.runtime.platform))  # what ran the code, in JUnit too
        if run.runtime.isolation is not None:
            self.user_properties.append(("sandbox", run.runtime.isolation.line().removeprefix("sandbox: ")))
        result = run_one(self.spec, run.runtime, run.contract, run.canaries, run.journal)
        if result.logs:
            self.add_report_section("call", "handler logs", result.logs)
        if result.outcome == "skipped":
            pytest.skip(result.message)
        if result.outcome in ("failed", "error"):
            raise CheckFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailure):
            result = excinfo.value.result
            return f"{self.spec.id} {result.outcome}: {result.message}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"fnproof {self.spec.id} ({self.spec.profile}): {self.spec.summary}"
