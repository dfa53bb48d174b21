"""A live deployment's real secret never appears in what the kit shows or writes.

With `--url`, the secret is the caller's own (read from the contract's variable). Before
conformance/masking.py it was printed in full in the terminal's `sent:` lines, the JSON
report and the JUnit file, which CI uploads as artifacts. The deployment below is hostile on
purpose: it answers 500 to everything (so every check fails and shows what it sent) and echoes
each request's headers into its body and an error header, so the secret comes back too.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT


class _EchoingDeployment(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        echoed = json.dumps({"error": "boom", "headers": dict(self.headers.items()),
                             "body": body.decode(errors="replace")}).encode()
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("x-debug", " ".join(self.headers.values()))
        self.send_header("content-length", str(len(echoed)))
        self.end_headers()
        self.wfile.write(echoed)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def deployment() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingDeployment)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def leaks(secret: str, texts: dict[str, str]) -> list[str]:
    """Where the secret, or a telling piece of it (a clipped prefix or suffix), shows up."""
    pieces = {secret, secret[:12], secret[-12:]}
    return [where for where, text in texts.items() if any(piece in text for piece in pieces)]


def run_and_collect(cli, tmp_path: Path, *argv: str) -> tuple[int, str, dict[str, str]]:
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = cli("check", *argv, "--profile", "production",
                               "--report-json", out / "report.json", "--junit", out / "junit.xml")
    written = {str(p): p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()}
    assert set(written) >= {str(out / "report.json"), str(out / "junit.xml")}
    return code, stdout, {"stdout": stdout, "stderr": stderr, **written}


def test_the_shared_secret_is_masked_everywhere(cli, tmp_path, monkeypatch, deployment) -> None:
    secret = "live-" + secrets.token_hex(24)
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    code, stdout, texts = run_and_collect(cli, tmp_path, "--url", deployment)
    assert code == 1
    assert leaks(secret, texts) == []
    # Masked, not merely absent: the sent lines say which value stood there.
    assert "x-webhook-secret: <WEBHOOK_SECRET masked>" in stdout
    assert "WEBHOOK_SECRET from your environment, masked in every report" in stdout
    report = json.loads(texts[str(tmp_path / "out" / "report.json")])
    sent = [dict(c["failure"]["request"]["headers"]) for c in report["checks"] if "failure" in c
            and c["failure"].get("request")]
    assert {"<WEBHOOK_SECRET masked>"} <= {v for headers in sent for v in headers.values()}
    assert any("masked in every report" in note for note in report["notes"])


def test_an_unset_secret_is_said_in_one_line(cli, tmp_path, monkeypatch, deployment) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    _, stdout, _ = run_and_collect(cli, tmp_path, "--url", deployment)
    said = [line for line in stdout.splitlines() if "WEBHOOK_SECRET is not set" in line]
    assert len(said) == 1 and "a random value is sent" in said[0]


def test_a_signing_secret_from_the_environment_is_named_and_never_shown(cli, tmp_path, monkeypatch,
                                                                         deployment) -> None:
    secret = secrets.token_hex(20)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", secret)
    contract = ROOT / "conformance/contracts/starters/webhook-github.yaml"
    code, stdout, texts = run_and_collect(cli, tmp_path, "--url", deployment, "--contract", str(contract))
    assert code == 1 and leaks(secret, texts) == []
    assert "GITHUB_WEBHOOK_SECRET from your environment, masked in every report" in stdout


def test_a_local_runs_random_secret_is_not_masked() -> None:
    """Masking is for the caller's real secret; a run's own canary stays visible for debugging."""
    from fnproof.conformance.http import Canaries
    from fnproof.conformance.runner import masker

    assert not masker(Canaries.fresh())
    real = masker(Canaries.fresh("s3cr3t-value", secret_from="WEBHOOK_SECRET"))
    assert real.text("x-webhook-secret: s3cr3t-value") == "x-webhook-secret: <WEBHOOK_SECRET masked>"
