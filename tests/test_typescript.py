"""TypeScript handlers and Workers: built by the kit, passing when correct, pointing at .ts lines when not."""

from __future__ import annotations

import pytest

from conftest import DATA, write
from fnproof.conformance.http import Request
from fnproof.conformance.runner import check_target
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime
from fnproof.conformance.runtimes.workers.runtime import WorkersRuntime

pytestmark = pytest.mark.runtime
TS = DATA / "typescript"


def _failures(target) -> dict[str, str]:
    report = check_target(str(target), profile="production")
    assert report.platform and "esbuild" in report.platform
    return {r.id: r.message for r in report.results if r.outcome not in ("passed", "skipped")}


def test_a_correct_typescript_lambda_handler_passes_the_production_profile():
    assert _failures(TS / "lambda/src/handler.ts") == {}


def test_a_correct_typescript_worker_with_the_seed_date_passes_the_production_profile():
    assert _failures(TS / "worker") == {}


def test_a_thrown_error_points_at_the_typescript_line():
    rt = LambdaNodeRuntime(TS / "lambda-throws/handler.ts", "handler", secret="s")
    rt.start()
    try:
        with rt.environment() as env:
            response = env.invoke(Request("POST", "/orders", (), b'{"amount": -1, "currency": "EUR"}'))
    finally:
        rt.close()
    assert response.outcome == "error"
    assert "RangeError: amount must be positive" in (response.error or "")
    assert "lambda-throws/util.ts:7:" in (response.error or ""), response.error


def test_a_worker_stack_names_the_typescript_line():
    rt = WorkersRuntime(TS / "worker-throws/src/index.ts", secret="s")
    rt.start()
    try:
        with rt.environment() as env:
            response = env.invoke(Request("GET", "/nowhere", (), None))
    finally:
        rt.close()
    text = "\n".join(line.text for line in response.logs)
    assert response.status == 500 and "worker-throws/src/index.ts:6:" in text, text
    assert ".mjs:" not in text


@pytest.mark.parametrize("suffix", [".ts", ".mts", ".cts"])
def test_a_typescript_syntax_error_is_one_usage_line_at_the_ts_line(cli, tmp_path, suffix):
    path = write(tmp_path / f"handler{suffix}", "export const handler = async (): Promise<number> => {\n"
                                                "  return (1 +;\n};\n")
    code, out, err = cli("check", path, "--profile", "seed")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"handler{suffix}:2:" in lines[0], err


def test_the_handlers_own_npm_dependencies_are_bundled_as_a_zip_would_carry_them(tmp_path):
    write(tmp_path / "node_modules/greeting/package.json", '{"name": "greeting", "main": "index.js"}')
    write(tmp_path / "node_modules/greeting/index.js", "const os = require('os');\n"
                                                       "module.exports = (n) => `hello ${n} on ${os.platform()}`;\n")
    write(tmp_path / "package.json", '{"name": "fn", "private": true, "engines": {"node": ">=22"}}')
    handler = write(tmp_path / "src/handler.ts", "import greet from 'greeting';\n"
                                                 "export const handler = async (): Promise<object> => "
                                                 "({ statusCode: 200, body: greet('ts') });\n")
    rt = LambdaNodeRuntime(handler, "handler", secret="s")
    rt.start()
    try:
        with rt.environment() as env:
            response = env.invoke(Request("GET", "/", (), None))
    finally:
        rt.close()
    assert response.outcome == "ok" and response.body == b"hello ts on linux", response.error
    assert "engines.node '>=22'" in rt.platform and "Node.js 24." in rt.platform
