"""Attacks on the kit from the code under test, written as an attacker would (tests/data/hostile/).

Each test fails with `--sandbox off` (or before the sandbox existed) and passes inside it:
secrets of the caller, processes that outlive their environment, writes into what later
runs load, signals to the kit, memory hidden in a child or in init. They need bubblewrap,
and refuse to run unsandboxed (`require`): some of these attacks would stop the test run
itself without it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from fnproof.conformance.containment import sandbox
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.node import SDK_PACKAGE, LambdaNodeRuntime
from fnproof.conformance.runtimes.aws_lambda.python import LambdaPythonRuntime

# Where the sandbox cannot be had these tests skip, unless FNPROOF_SANDBOX=require (the kit's
# CI sets it): then a missing sandbox fails them, as `--sandbox require` fails a run.
REQUIRED = os.environ.get("FNPROOF_SANDBOX") == "require"
pytestmark = [pytest.mark.runtime,
              pytest.mark.skipif(not REQUIRED and not sandbox.preflight().ok,
                                 reason=f"no sandbox: {sandbox.preflight().why}")]

ATTACKER = DATA / "hostile/attacker.mjs"


@pytest.fixture(scope="module")
def runtime():
    rt = LambdaNodeRuntime(ATTACKER, "handler", secret="canary-secret", timeout_s=5.0, memory_mb=256,
                           sandbox="require")
    rt.start()
    yield rt
    rt.close()


def attack(env, **order):
    return env.invoke(Request("POST", "/orders", (("content-type", "application/json"),), json.dumps(order).encode()))


def running(marker: str) -> list[int]:
    """Host pids whose command line holds `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


KIT = """
import json, sys
from pathlib import Path
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime
rt = LambdaNodeRuntime(Path(sys.argv[1]), "handler", secret="s", sandbox=sys.argv[2])
rt.start()
with rt.environment() as env:
    body = json.dumps({"attack": "secrets", "files": sys.argv[3:]}).encode()
    print(env.invoke(Request("POST", "/orders", (), body)).body.decode())
rt.close()
"""


def test_the_callers_secrets_are_out_of_reach(tmp_path):
    """The kit runs with a CI secret in its environment and a HOME holding AWS credentials; the
    handler reads every /proc/*/environ (the kit's, the store's) and the files by their paths."""
    canary = "ci-token-" + secrets.token_hex(8)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    credentials = home / ".aws" / "credentials"
    key = "AKIA" + secrets.token_hex(8).upper()
    credentials.write_text(f"[default]\naws_access_key_id = {key}\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- " + canary)
    env = {**os.environ, "HOME": str(home), "CI_DEPLOY_TOKEN": canary}
    done = subprocess.run([sys.executable, "-c", KIT, str(ATTACKER), "require", str(credentials),
                           str(home / ".ssh" / "id_ed25519"), "/proc/1/environ"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    loot = done.stdout
    assert canary not in loot and key not in loot
    assert json.loads(loot.strip().splitlines()[-1])[str(credentials)] is None


def test_no_process_outlives_its_environment(runtime):
    marker = f"{1000 + secrets.randbelow(1000)}.{secrets.randbelow(10**6):06d}"
    env = runtime.environment()
    assert attack(env, attack="escape", marker=marker).status == 200
    assert len(running(marker)) >= 2  # both orphans run while the environment lives
    env.close()
    deadline = time.monotonic() + 5
    while running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(marker) == []


def test_caches_the_kit_and_the_repository_are_read_only(runtime):
    import fnproof

    targets = [SDK_PACKAGE / "planted.txt",  # the kit's package folder
               Path(sys.prefix) / "lib" / "fnproof-planted.pth",  # the kit's venv
               ATTACKER.parent / "planted.txt",  # the repository (the handler's own folder)
               Path(fnproof.__file__).parent / "planted.py"]
    from fnproof.core.paths import cache_dir

    targets += [entry / "planted.txt" for entry in cache_dir().iterdir() if entry.is_dir()][:3]
    try:
        with runtime.environment() as env:
            written = attack(env, attack="tamper", files=[str(t) for t in targets]).json()["written"]
        assert written == []
        assert not any(t.exists() for t in targets)
    finally:
        for planted in targets:
            planted.unlink(missing_ok=True)


def test_the_handler_cannot_signal_the_kit_or_the_store(runtime):
    store_pid = runtime.dynamodb._proc.pid
    with runtime.environment() as env:
        hit = attack(env, attack="signal", pids=[os.getpid(), store_pid]).json()["hit"]
        assert os.getpid() not in hit and store_pid not in hit
        assert attack(env, attack="echo").status == 200


def test_it_runs_as_an_unprivileged_user(runtime):
    with runtime.environment() as env:
        assert attack(env, attack="whoami").json()["uid"] != 0


def test_memory_in_a_child_counts(runtime):
    with runtime.environment() as env:
        hog = attack(env, attack="child-memory")
    assert hog.outcome == "crash" and "memory limit" in (hog.error or "")


def test_the_process_count_is_limited(runtime):
    with runtime.environment() as env:
        bomb = attack(env, attack="fork-bomb")
        assert bomb.outcome == "crash" and "limit of 64 processes" in (bomb.error or "")
        assert attack(env, attack="echo").status == 200


@pytest.mark.parametrize("mode", ["require"])
def test_memory_held_from_import_counts(mode):
    rt = LambdaPythonRuntime(DATA / "hostile/alloc_at_import.py", "", secret="s", memory_mb=256, sandbox=mode)
    rt.start()
    try:
        with rt.environment() as env:
            done = env.invoke(Request("POST", "/orders", (), b"{}"))
    finally:
        rt.close()
    assert done.outcome == "crash" and "memory limit" in (done.error or "")


def test_a_forged_reply_does_not_count(runtime):
    """The handler writes a reply of its own on the reply fd, with the sentinels, and exits
    before the driver can answer: without the driver's nonce that reply is not the driver's."""
    with runtime.environment() as env:
        forged = attack(env, attack="forge")
        assert forged.outcome == "crash" and forged.status == 502
        assert env._process.forged == 1
        assert attack(env, attack="echo").status == 200


def test_a_huge_reply_costs_the_kit_only_the_cap(runtime):
    with runtime.environment() as env:
        big = attack(env, attack="big-reply")
        assert big.outcome == "crash" and "larger than 8 MiB" in (big.error or "")
        assert attack(env, attack="echo").status == 200


def test_a_store_that_dies_mid_run_is_reported_as_such(tmp_path, monkeypatch):
    from fnproof.conformance.checks.registry import select
    from fnproof.conformance.http import Canaries
    from fnproof.conformance.runner import run_one
    from fnproof.core.contract import default_contract_path, load_contract

    rt = LambdaNodeRuntime(ROOT / "reference/lambda-node/index.mjs", "handler", secret="s")
    rt.start()
    try:
        rt.dynamodb.endpoint()
        opened = rt.environment

        def store_dies_then_environment():  # the store ends while the check is running
            rt.dynamodb._proc.kill()
            rt.dynamodb._proc.wait()
            return opened()

        monkeypatch.setattr(rt, "environment", store_dies_then_environment)
        contract = load_contract(default_contract_path())
        spec = next(s for s in select("production", ["accepts-valid-order"]))
        during = run_one(spec, rt, contract, Canaries.fresh())
        after = run_one(spec, rt, contract, Canaries.fresh())
    finally:
        rt.close()
    assert during.outcome == "failed" and during.message.startswith("the store died during this check")
    assert after.outcome == "error" and "had died before this check" in after.message
    assert "did not start" not in during.message + after.message


def test_the_network_reaches_only_the_runs_own_store(runtime):
    """Another run's store and a service on the host's loopback are out of reach; the run's own store is not."""
    import socket
    from urllib.parse import urlparse

    other = LambdaNodeRuntime(ATTACKER, "handler", secret="s", sandbox="require")
    other.start()
    host_service = socket.socket()
    host_service.bind(("127.0.0.1", 0))
    host_service.listen(4)
    try:
        own = urlparse(runtime.dynamodb.endpoint().url).port
        theirs = urlparse(other.dynamodb.endpoint().url).port
        with runtime.environment() as env:
            reached = attack(env, attack="connect", ports=[own, theirs, host_service.getsockname()[1]]).json()
    finally:
        host_service.close()
        other.close()
    assert reached["reached"] == [own]


def test_two_environments_of_one_run_cannot_talk_to_each_other(runtime):
    """Each environment has a network of its own: a port one listens on is not there for another,
    so two "separate" Lambda environments cannot share an in-memory lock (concurrent-duplicates)."""
    port = 40000 + secrets.randbelow(20000)
    with runtime.environment() as one, runtime.environment() as two:
        assert attack(one, attack="listen", port=port).json() == {"listening": port}
        assert attack(two, attack="connect", ports=[port]).json()["reached"] == []
        assert attack(two, attack="listen", port=port).json() == {"listening": port}  # the port is free there


def test_a_handler_directly_in_the_temp_folder_is_refused_not_half_isolated():
    """Binding its folder would show it every other run's files there (their stores' sockets)."""
    import tempfile

    from fnproof.core.errors import UsageError

    loose = Path(tempfile.gettempdir()) / f"handler-{secrets.token_hex(4)}.mjs"
    loose.write_text("export const handler = async () => ({ statusCode: 200, body: '{}' });\n")
    try:
        rt = LambdaNodeRuntime(loose, "handler", secret="s", sandbox="require")
        with pytest.raises(UsageError, match="folder of its own"):
            rt.start()
        rt.close()
    finally:
        loose.unlink()
