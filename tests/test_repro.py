"""`fnproof check --repro DIR`: files that replay a failure, and a replay through the kit's own runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnproof.conformance import repro
from fnproof.conformance.checks.registry import Failure
from fnproof.conformance.http import Canaries, Request, Response
from fnproof.conformance.runner import CheckResult, RunReport
from fnproof.core.contract import default_contract_path, load_contract

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = load_contract(default_contract_path())
HEADER = CONTRACT.auth.header if CONTRACT.auth else "X-Api-Key"


def _failed(request: Request) -> CheckResult:
    failure = Failure("got 500, expected 400", request, Response(status=500), "400")
    return CheckResult("missing-key-400", "failed", failure.text(), 0.1, failure=failure)


def _request(secret: str) -> Request:
    return Request("POST", "/orders", (("content-type", "application/json"), (HEADER, secret)), b'{"a": "it\'s"}')


def test_url_mode_never_writes_the_real_secret(tmp_path, monkeypatch):
    monkeypatch.setenv(CONTRACT.secret_env, "real-deploy-secret-123")
    report = RunReport("https://api.example.invalid", "http", "a URL", "production", "orders.yaml",
                       results=[_failed(_request("real-deploy-secret-123"))])
    files = repro.write(report, tmp_path / "r", CONTRACT, url="https://api.example.invalid")
    assert [p.name for p in files["missing-key-400"]] == ["missing-key-400.request.json", "missing-key-400.curl.sh"]
    everything = "".join(p.read_text() for p in (tmp_path / "r").iterdir())
    assert "real-deploy-secret-123" not in everything
    curl = (tmp_path / "r" / "missing-key-400.curl.sh").read_text()
    assert f'-H "{HEADER}: ${{{CONTRACT.secret_env}}}"' in curl and "https://api.example.invalid/orders" in curl
    assert f"export {CONTRACT.secret_env}" in (tmp_path / "r" / "README.md").read_text()


def test_a_worker_gets_a_curl_line_for_wrangler_dev(tmp_path):
    report = RunReport("worker/", "workers", "wrangler", "production", "orders.yaml", results=[_failed(_request("s1"))])
    repro.write(report, tmp_path / "r", CONTRACT, url=None)
    curl = (tmp_path / "r" / "missing-key-400.curl.sh").read_text()
    assert "http://localhost:8787/orders" in curl and "printf '%s' '{\"a\": \"it'\"'\"'s\"}' | curl" in curl
    assert repro.load_request(tmp_path / "r" / "missing-key-400.request.json") == _request("s1")
    assert "was `s1`" in (tmp_path / "r" / "README.md").read_text()


def test_nothing_failed_nothing_written(tmp_path):
    report = RunReport("h.mjs", "lambda-node", "x", "production", "orders.yaml",
                       results=[CheckResult("json-logs", "passed", "", 0.1)])
    assert repro.write(report, tmp_path / "r", CONTRACT, url=None) == {} and not (tmp_path / "r").exists()


@pytest.mark.runtime
def test_a_repro_file_replays_the_failure_through_the_kits_runtime(cli, tmp_path):
    from fnproof.conformance.runtimes import registry
    from fnproof.conformance.runtimes.base import RunOptions

    target = str(ROOT / "conformance/known-bad/node-json-parse-uncaught/handler.mjs")
    out, report_file = tmp_path / "repro", tmp_path / "report.json"
    code, stdout, err = cli("check", target, "--check", "invalid-json-separation", "--repro", out,
                            "--report-json", report_file)
    assert code == 1, err
    event, request_file = out / "invalid-json-separation.event.json", out / "invalid-json-separation.request.json"
    assert f"replay: {request_file}, {event}" in stdout  # the failure block names the files
    assert "sam local invoke -e invalid-json-separation.event.json" in (out / "README.md").read_text()
    sent = repro.load_request(request_file)
    lambda_event = json.loads(event.read_text())
    assert lambda_event["body"] == sent.body.decode() and lambda_event["requestContext"]["http"]["method"] == "POST"
    failed = json.loads(report_file.read_text())["checks"][0]["failure"]["response"]

    secret = sent.header(HEADER) if CONTRACT.auth else None
    runtime = registry.build(registry.detect(target), CONTRACT, Canaries.fresh(secret=secret), RunOptions())
    try:
        runtime.start()
        with runtime.environment() as env:
            again = env.invoke(sent)
    finally:
        runtime.close()
    assert (again.status, again.outcome) == (failed["status"], failed["outcome"])
