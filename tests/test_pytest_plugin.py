"""The pytest plugin gives the same verdicts as `fnproof check`, as ordinary pytest items."""

from __future__ import annotations

import pytest

from conftest import DATA, ROOT
from fnproof.conformance.runner import check_target

pytestmark = pytest.mark.runtime  # every test here starts real runtimes

REFERENCE = ROOT / "reference/lambda-node/index.mjs"
BROKEN = DATA / "hostile/handler.mjs"


def outcomes_from(pytester: pytest.Pytester, *args: str) -> dict[str, str]:
    result = pytester.runpytest("-p", "no:cacheprovider", "-rA", *args)
    verdicts = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if report.when == "call" or (report.when == "setup" and report.skipped):
            verdicts[report.nodeid.split("::")[-1]] = report.outcome
    return verdicts


@pytest.mark.parametrize("target, profile", [(REFERENCE, "production"), (BROKEN, "seed")],
                         ids=["reference", "broken"])
def test_same_verdicts_as_the_cli(pytester, target, profile):
    expected = {r.id: {"error": "failed"}.get(r.outcome, r.outcome)
                for r in check_target(str(target), profile=profile).results}
    got = outcomes_from(pytester, "--fnproof-target", str(target), "--fnproof-profile", profile)
    assert got == expected


def test_items_carry_the_check_id_and_failures_carry_the_check_text(pytester):
    result = pytester.runpytest("-p", "no:cacheprovider", f"--rootdir={ROOT}", "--fnproof-target", str(BROKEN),
                                "--fnproof-profile", "seed", "-k", "missing-key-400")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*wrong answer for key missing*",
                                 "*expected: 400 with /error = 'idempotency_key_required'*",
                                 "FAILED *tests/data/hostile/handler.mjs::missing-key-400*"])


def test_ini_settings_and_skips_with_reasons(pytester):
    pytester.makeini(f"[pytest]\nfnproof_target = {REFERENCE}\nfnproof_profile = standard\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "json-logs or base64")
    result.assert_outcomes(passed=2)


def test_a_bad_target_is_a_usage_error(pytester, tmp_path):
    result = pytester.runpytest("--fnproof-target", str(tmp_path / "missing.mjs"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*fnproof:*missing.mjs: no such file or folder*"])


def test_parallel_workers_with_xdist(pytester):
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--fnproof-target", str(BROKEN),
                                           "--fnproof-profile", "seed")
    expected = check_target(str(BROKEN), profile="seed").summary()
    result.assert_outcomes(passed=expected["passed"], failed=expected["failed"] + expected["error"])
