"""A loaded machine does not make a correct handler time out; a handler that really hangs still does.

The environment and a crowd of CPU hogs share one CPU (affinity, inherited from the test's
thread), so the handler gets a fifth of it: 400 ms of CPU then takes about 2 s of wall
time, past a 1 s limit, unless the limit adds the time the environment waited for a CPU.
No assertion here is about time: only outcomes and messages are compared.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from conftest import DATA
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime

pytestmark = [pytest.mark.runtime, pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")]

HOGS = 4
HOG = "while True: pass"


@pytest.fixture(scope="module")
def runtime() -> Iterator[LambdaNodeRuntime]:
    rt = LambdaNodeRuntime(DATA / "hostile/handler.mjs", "handler", secret="canary-secret", timeout_s=1.0,
                           memory_mb=256)
    rt.start()
    yield rt
    rt.close()


@pytest.fixture
def one_busy_cpu() -> Iterator[None]:
    """This thread, what it starts from now on, and HOGS busy processes, all on one CPU."""
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    # Each hog leads its own session, as the environment does: with autogroup scheduling a
    # session shares the CPU as one, so hogs in one session would steal only half of it.
    hogs = [subprocess.Popen([sys.executable, "-c", HOG], start_new_session=True) for _ in range(HOGS)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
        os.sched_setaffinity(0, before)


def call(env, action: str):
    return env.invoke(Request("POST", "/orders", (("content-type", "application/json"),), action.encode()))


def test_cpu_work_that_waits_for_a_busy_cpu_is_not_a_timeout(runtime, one_busy_cpu):
    with runtime.environment() as env:
        env.prepare()
        done = call(env, "cpu")
    assert done.outcome == "ok", done.error
    assert done.json()["cpu_ms"] >= 400


def test_a_handler_that_really_hangs_still_times_out_under_load(runtime, one_busy_cpu):
    with runtime.environment() as env:
        env.prepare()
        hung = call(env, "hang")
    assert hung.outcome == "timeout" and hung.replaced_environment
    assert "load average" in hung.error and "of handler time" in hung.error
