"""The lambda-python runtime: the same containment as Node, with Python's own failure modes."""

from __future__ import annotations

import pytest

from conftest import DATA, write
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.python import LambdaPythonRuntime

pytestmark = pytest.mark.runtime  # every test here starts real runtimes


@pytest.fixture(scope="module")
def runtime():
    rt = LambdaPythonRuntime(DATA / "hostile/handler.py", "", secret="py-canary", timeout_s=1.5, memory_mb=256)
    rt.start()
    yield rt
    rt.close()


def call(env, action: str):
    return env.invoke(Request("POST", "/orders", (), action.encode()))


def test_scrubbed_environment_and_own_temp_dir(runtime, monkeypatch):
    monkeypatch.setenv("FNPROOF_CALLER_CANARY", "x")
    with runtime.environment() as env:
        seen = call(env, "env").json()["env"]
        tmp = call(env, "tmp").json()
    assert "FNPROOF_CALLER_CANARY" not in seen and seen["WEBHOOK_SECRET"] == "py-canary"
    assert seen["AWS_DEFAULT_REGION"] and tmp["tmp"].startswith(tmp["cwd"])


def test_context_and_warm_state(runtime):
    with runtime.environment() as env:
        call(env, "count")
        second = call(env, "count").json()
    assert second["invocations"] == 2 and 0 < second["remaining"] <= 1500


def test_hang_exit_and_memory_end_the_environment(runtime):
    with runtime.environment() as env:
        assert call(env, "hang").outcome == "timeout"
        assert call(env, "exit").outcome == "crash"
        hog = call(env, "memory")
        assert hog.outcome in ("crash", "timeout") and hog.replaced_environment
        assert call(env, "count").json()["invocations"] == 1
        assert env.deaths == 3


def test_exceptions_and_marshal_errors_fail_only_the_invocation(runtime):
    with runtime.environment() as env:
        thrown = call(env, "throw")
        assert thrown.outcome == "error" and "KeyError" in thrown.error and "handler.py:" in thrown.error
        assert call(env, "unserialisable").outcome == "error"
        assert call(env, "count").json()["invocations"] == 3


def test_print_and_stderr_are_captured_per_invocation(runtime):
    with runtime.environment() as env:
        logs = call(env, "logs").logs
    assert [(line.stream, line.text) for line in logs] == [("stdout", "out-line"), ("stderr", "err-line")]


def test_lambda_handler_is_the_fallback_name_and_missing_names_are_usage_errors(cli, tmp_path):
    found = write(tmp_path / "a.py", "def lambda_handler(event, context):\n    return {'statusCode': 200}\n")
    code, out, _ = cli("check", found, "--check", "accepts-valid-order")
    assert code == 1 and "lambda-python" in out
    missing = write(tmp_path / "b.py", "def main(event, context):\n    return None\n")
    code, _, err = cli("check", missing)
    assert code == 2 and "no function named 'handler' or 'lambda_handler'" in err and "main" in err


def test_syntax_and_import_errors_are_usage_errors_with_lines(cli, tmp_path):
    broken = write(tmp_path / "c.py", "def handler(event, context):\n    return {\n")
    code, _, err = cli("check", broken)
    assert code == 2 and f"{broken}:2" in err and "SyntaxError" in err
    missing = write(tmp_path / "d.py", "import not_a_module_anywhere\n")
    code, _, err = cli("check", missing)
    assert code == 2 and "ModuleNotFoundError" in err


def test_only_what_lambda_provides_is_importable(cli, tmp_path):
    """boto3 is there, as on Lambda; the kit's own packages (yaml here) are not."""
    uses_boto3 = write(tmp_path / "e.py",
                       "import boto3\ndef handler(event, context):\n    return {'statusCode': 200}\n")
    code, out, _ = cli("check", uses_boto3, "--check", "accepts-valid-order")
    assert code == 1 and "FAIL accepts-valid-order" in out  # loaded fine, just not an order endpoint
    uses_yaml = write(tmp_path / "f.py", "import yaml\ndef handler(event, context):\n    return None\n")
    code, _, err = cli("check", uses_yaml)
    assert code == 2 and "No module named 'yaml'" in err


def test_decimal_results_serialise_as_lambda_does(tmp_path):
    path = write(tmp_path / "g.py", "from decimal import Decimal\nimport json\n"
                 "def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps({'ok': 1}),"
                 " 'headers': {'x-amount': Decimal('3')}}\n")
    rt = LambdaPythonRuntime(path, "", secret="s")
    rt.start()
    try:
        with rt.environment() as env:
            answer = call(env, "x")
    finally:
        rt.close()
    assert answer.outcome == "ok" and answer.headers["x-amount"] == "3"
