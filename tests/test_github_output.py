"""`fnproof check --format github`: annotations on the handler file, a job summary table."""

from __future__ import annotations

from pathlib import Path

import pytest

from fnproof.conformance import github_output
from fnproof.conformance.runner import CheckResult, RunReport

ROOT = Path(__file__).resolve().parents[1]


def _report(target: str, *results: CheckResult) -> RunReport:
    return RunReport(target, "lambda-node", "test", "production", "orders.yaml", results=list(results))


def test_annotations_escape_what_would_end_or_split_the_command():
    failed = CheckResult("key-reuse-422", "failed", "100% wrong: got 202\nexpected 422, at x:1", 0.1)
    lines = github_output.error_commands(_report("src/a,b:c.mjs:handler", failed,
                                                 CheckResult("json-logs", "passed", "", 0.1)))
    assert lines == ["::error file=src/a%2Cb%3Ac.mjs,line=1,title=key-reuse-422::"
                     "100%25 wrong: got 202%0Aexpected 422, at x:1"]


def test_the_line_is_the_first_the_failure_names_in_the_handler_file():
    crashed = CheckResult("survives-bad-input", "failed", "crashed", 0.1,
                          logs="SyntaxError: Unexpected token\n    at handler (file:///w/src/index.mjs:17:22)")
    assert "line=17," in github_output.error_commands(_report("src/index.mjs", crashed))[0]
    url = github_output.error_commands(_report("https://example.invalid", crashed))[0]
    assert url.startswith("::error title=survives-bad-input::")


def test_the_summary_is_a_table_with_a_row_per_check():
    table = github_output.summary_table(_report("src/h.mjs", CheckResult("json-logs", "passed", "", 0.1),
                                                CheckResult("key-reuse-422", "failed", "got | 202\nmore", 0.1)))
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == 2 and "❌ fail" in rows[1] and "got \\| 202" in rows[1] and "more" not in rows[1]
    assert "1 passed, 1 failed" in table


@pytest.mark.runtime
def test_a_failing_check_annotates_the_handler_file(cli, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(ROOT)  # as in CI: the repository is the working folder
    target = ROOT / "conformance/known-bad/node-auth-after-lookup/handler.mjs"
    code, out, err = cli("check", target, "--format", "github", "--check", "auth-before-replay")
    assert code == 1, err
    assert "::error file=conformance/known-bad/node-auth-after-lookup/handler.mjs,line=" in out
    assert ",title=auth-before-replay::" in out
    assert "| `auth-before-replay` | ❌ fail |" in summary.read_text()
