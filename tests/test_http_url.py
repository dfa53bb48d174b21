"""The http runtime: checks against a live server; what needs environments is skipped, by name."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT
from fnproof.conformance.http import Request
from fnproof.conformance.runner import check_target
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime

SECRET = "live-deployment-secret"


class _Gateway(BaseHTTPRequestHandler):
    """A small API Gateway stand-in: each HTTP request becomes one Lambda invocation."""

    runtime: LambdaNodeRuntime
    lock = threading.Lock()
    env = None

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        request = Request(self.command, self.path, tuple(self.headers.items()), body)
        with self.lock:  # one warm environment, serialised, like a single Lambda instance
            if _Gateway.env is None:
                _Gateway.env = self.runtime.environment()
            response = _Gateway.env.invoke(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def live_url():
    runtime = LambdaNodeRuntime(ROOT / "reference/lambda-node/index.mjs", "handler", secret=SECRET)
    runtime.start()
    _Gateway.runtime, _Gateway.env = runtime, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    if _Gateway.env:
        _Gateway.env.close()
    runtime.close()


@pytest.mark.runtime
def test_a_live_url_passes_what_http_can_prove_and_skips_the_rest(live_url, monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    report = check_target(live_url)
    outcomes = {r.id: r.outcome for r in report.results}
    skipped = {r.id for r in report.results if r.outcome == "skipped"}
    assert skipped == {"rest-v1-event", "base64-body", "json-logs", "no-secrets-in-logs", "survives-bad-input",
                       "replay-after-cold-start", "concurrent-duplicates", "store-unavailable"}
    assert all(r.message.startswith("a live URL:") for r in report.results if r.outcome == "skipped")
    assert {k for k, v in outcomes.items() if v not in ("passed", "skipped")} == set()
    assert report.runtime == "http"


@pytest.mark.runtime
def test_without_the_secret_auth_checks_fail_clearly(live_url, monkeypatch):
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    report = check_target(live_url, only=["accepts-valid-order"])
    assert report.results[0].outcome == "failed" and "401" in report.results[0].message


def test_a_dead_url_is_a_usage_error(cli):
    code, _, err = cli("check", "--url", "http://127.0.0.1:9")
    assert code == 2 and "does not answer" in err


def test_url_and_target_are_exclusive(cli):
    code, _, err = cli("check", "x.mjs", "--url", "http://127.0.0.1:9")
    assert code == 2 and "one target" in err
