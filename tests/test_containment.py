"""Untrusted handlers are contained: time, memory, output, environment, processes, files."""

from __future__ import annotations

import os
import secrets
import time

import pytest

from conftest import DATA
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime

pytestmark = pytest.mark.runtime  # every test here starts real runtimes

HANDLER = DATA / "hostile/handler.mjs"


@pytest.fixture(scope="module")
def runtime():
    rt = LambdaNodeRuntime(HANDLER, "handler", secret="canary-secret", timeout_s=1.0, memory_mb=256)
    rt.start()
    yield rt
    rt.close()


def call(env, action: str):
    return env.invoke(Request("POST", "/orders", (("content-type", "application/json"),), action.encode()))


def test_environment_is_scrubbed(runtime, monkeypatch):
    monkeypatch.setenv("FNPROOF_CALLER_CANARY", "leaked-from-the-caller")
    with runtime.environment() as env:
        seen = call(env, "env").json()["env"]
    assert "FNPROOF_CALLER_CANARY" not in seen
    assert not any(v == "leaked-from-the-caller" for v in seen.values())
    assert seen["WEBHOOK_SECRET"] == "canary-secret" and seen["AWS_DEFAULT_REGION"] == seen["AWS_REGION"]
    assert seen["AWS_ENDPOINT_URL_DYNAMODB"].startswith("http://127.0.0.1:")
    allowed_prefixes = ("AWS_", "LAMBDA_", "_HANDLER", "NODE_PATH", "PATH", "HOME", "TMPDIR", "LANG", "TZ", "PWD",
                        "IDEMPOTENCY_TABLE", "WEBHOOK_SECRET")
    assert [k for k in seen if not k.startswith(allowed_prefixes)] == []


def test_each_environment_has_its_own_temp_dir(runtime):
    with runtime.environment() as one, runtime.environment() as two:
        a, b = call(one, "tmp").json(), call(two, "tmp").json()
    assert a["tmp"] != b["tmp"] and a["tmp"].startswith(a["cwd"]) and a["home"] == a["cwd"]
    assert not os.path.exists(a["tmp"])  # removed when the environment closed


def test_a_hang_times_out_and_the_next_invocation_gets_a_fresh_environment(runtime):
    with runtime.environment() as env:
        assert call(env, "count").json() == {"invocations": 1}
        hung = call(env, "hang")
        assert hung.outcome == "timeout" and hung.replaced_environment and hung.status == 502
        assert "timed out after 1 s of handler time" in (hung.error or "")
        assert call(env, "count").json() == {"invocations": 1}  # a new process: memory is gone
        assert env.deaths == 1


def test_a_busy_loop_is_killed_too(runtime):
    with runtime.environment() as env:
        assert call(env, "busy").outcome == "timeout"
        assert call(env, "ping").status == 200


def test_process_exit_is_a_crash_not_a_kit_failure(runtime):
    with runtime.environment() as env:
        crashed = call(env, "exit")
        assert crashed.outcome == "crash" and "exit code 7" in crashed.error
        assert call(env, "ping").status == 200


def test_a_thrown_error_fails_the_invocation_and_the_environment_lives(runtime):
    with runtime.environment() as env:
        call(env, "count")
        thrown = call(env, "throw")
        assert thrown.outcome == "error" and "TypeError: bad thing" in thrown.error
        assert not thrown.replaced_environment
        assert call(env, "count").json() == {"invocations": 3}


def test_ten_megabytes_of_output_is_capped(runtime):
    with runtime.environment() as env:
        started = time.monotonic()
        flooded = call(env, "flood")
        assert flooded.status == 200 and time.monotonic() - started < 5
        kept = sum(len(line.text) for line in flooded.logs)
        assert kept <= 1.1 * (1 << 20) and "bytes of output dropped" in flooded.logs[-1].text
        after = call(env, "logs")  # nothing of the flood spills into the next invocation
        assert [line.text for line in after.logs] == ["out-line", "err-line"]


def test_logs_are_attributed_to_their_invocation(runtime):
    with runtime.environment() as env:
        first = call(env, "logs")
        second = call(env, "ping")
    assert [(line.stream, line.text) for line in first.logs] == [("stdout", "out-line"), ("stderr", "err-line")]
    assert second.logs == ()


def test_memory_limit_ends_the_environment(runtime):
    with runtime.environment() as env:
        hog = call(env, "memory")
        assert hog.outcome in ("crash", "timeout") and hog.replaced_environment
        assert "memory" in (hog.error or "") or hog.outcome == "crash"
        assert call(env, "ping").status == 200


def test_children_die_with_their_environment(runtime):
    marker = f"30.{secrets.randbelow(10**6):06d}"  # the child's pid is the sandbox's own: find it by its argv
    env = runtime.environment()
    assert call(env, f"child {marker}").status == 200
    assert _running(marker)  # alive while the environment lives
    env.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not _running(marker):
            return
        time.sleep(0.05)
    pytest.fail(f"child sleep {marker} outlived its environment")


def _running(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f"sleep\0{marker}".encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(pid)
        except OSError:
            continue
    return found


def test_an_uncaught_error_after_the_reply_crashes_only_that_environment(runtime):
    with runtime.environment() as env:
        assert call(env, "reject-later").status == 200
        time.sleep(0.2)
        assert call(env, "ping").status == 200  # restarted, as Lambda restarts a crashed runtime


def test_an_uncaught_error_is_logged_by_the_platform_not_as_the_handlers_line(tmp_path):
    """A secret in an exception message reaches Lambda's logs: no-secrets-in-logs must see it,
    json-logs must not blame the handler for the platform's own line."""
    from conftest import write
    from fnproof.conformance.runner import check_target

    # It answers a request without a key (the log checks need a successful invocation) and throws on the rest.
    path = write(tmp_path / "h.mjs", "export const handler = async (event) => { "
                 "if (!event.headers['idempotency-key']) return { statusCode: 400, body: '{}' }; "
                 "throw new Error('cannot verify secret ' + process.env.WEBHOOK_SECRET); };\n")
    report = check_target(str(path), only=["json-logs", "no-secrets-in-logs"])
    outcomes = {r.id: r.outcome for r in report.results}
    assert outcomes == {"json-logs": "passed", "no-secrets-in-logs": "failed"}
    assert "WEBHOOK_SECRET value appears on runtime" in report.results[1].message


def test_nothing_in_an_environments_folders_says_which_environment_it_is(runtime):
    """An outage environment's HOME must not say "outage": a handler could answer 503 on sight."""
    seen = []
    for make in (runtime.environment, runtime.outage_environment, runtime.environment):
        with make() as env:
            got = call(env, "env").json()["env"]
        seen.append(os.path.basename(got["HOME"].rstrip("/")))
    assert all(name.startswith("env-") for name in seen), seen
    assert not any(word in name for name in seen for word in ("outage", "probe", "lambda", "fnproof")), seen
