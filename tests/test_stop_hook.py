"""The Stop hook on Claude Code's JSON protocol: block while failing, skip when unchanged, hand back."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from conftest import write
from fnproof.claude_code import stop_hook

FAILING = "fnproof 0: src/handler.mjs\n[3/20] FAIL key-reuse-422  got 202, expected 422\n\n1 failed\n"


class FakeCheck:
    def __init__(self, *codes: int, output: str = FAILING) -> None:
        self.codes, self.calls, self.output = list(codes), [], output

    def __call__(self, argv: list[str], cwd: Path) -> tuple[int, str]:
        self.calls.append((argv, cwd))
        return self.codes.pop(0), self.output


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    write(tmp_path / "src" / "handler.mjs", "export const handler = async () => ({});\n")
    return tmp_path


def _kwargs(repo: Path, check: FakeCheck, **more) -> dict:
    return dict(target="src/handler.mjs", profile="production", max_rounds=2, state_dir=repo / ".state",
                check=check, **more)


def test_blocks_with_json_then_hands_back_with_a_system_message(repo):
    payload = {"session_id": "s1", "cwd": str(repo), "stop_hook_active": False}
    check = FakeCheck(1, 1, 1, 1, 0)
    code, out = stop_hook.stop(payload, **_kwargs(repo, check))
    decision = json.loads(out)
    assert code == 0 and decision["decision"] == "block"
    assert "key-reuse-422" in decision["reason"] and "round 1 of 2" in decision["reason"]
    assert check.calls[0] == (["check", "src/handler.mjs", "--profile", "production", "--quiet"], repo)
    active = {**payload, "stop_hook_active": True}
    assert json.loads(stop_hook.stop(active, **_kwargs(repo, check))[1])["decision"] == "block"
    code, out = stop_hook.stop(active, **_kwargs(repo, check))
    handed = json.loads(out)
    assert code == 0 and "decision" not in handed and "still fails after 2 rounds" in handed["systemMessage"]
    assert json.loads(stop_hook.stop(payload, **_kwargs(repo, check))[1])["decision"] == "block"  # counts anew
    assert stop_hook.stop(payload, **_kwargs(repo, check)) == (0, "")


def test_skips_in_one_line_while_nothing_changed_since_a_pass(repo):
    payload = {"session_id": "s2", "cwd": str(repo)}
    check = FakeCheck(0, 1)
    assert stop_hook.stop(payload, **_kwargs(repo, check)) == (0, "")
    code, out = stop_hook.stop(payload, **_kwargs(repo, check))
    assert code == 0 and out.count("\n") == 1 and "skipped" in out and len(check.calls) == 1
    write(repo / "src" / "lib.mjs", "export const x = 1;\n")  # the handler's folder changed: run again
    assert json.loads(stop_hook.stop(payload, **_kwargs(repo, check))[1])["decision"] == "block"
    assert len(check.calls) == 2


def test_an_edit_outside_the_handlers_folder_runs_the_check_again(repo):
    lib = write(repo / "lib" / "store.mjs", "export const put = () => 1;\n")  # imported as ../lib/store.mjs
    payload = {"session_id": "s4", "cwd": str(repo)}
    check = FakeCheck(0, 1)
    assert stop_hook.stop(payload, **_kwargs(repo, check)) == (0, "")
    assert "skipped" in stop_hook.stop(payload, **_kwargs(repo, check))[1]
    lib.write_text("export const put = () => 2; // a longer line, so the size changes too\n")
    assert json.loads(stop_hook.stop(payload, **_kwargs(repo, check))[1])["decision"] == "block"
    assert len(check.calls) == 2


def test_a_changed_contract_runs_the_check_again(repo):
    contract = write(repo / "contracts" / "c.yaml", "name: one\n")
    payload = {"session_id": "s3", "cwd": str(repo)}
    check = FakeCheck(0, 0)
    assert stop_hook.stop(payload, **_kwargs(repo, check, contract="contracts/c.yaml")) == (0, "")
    assert "skipped" in stop_hook.stop(payload, **_kwargs(repo, check, contract="contracts/c.yaml"))[1]
    contract.write_text("name: two\n")
    assert stop_hook.stop(payload, **_kwargs(repo, check, contract="contracts/c.yaml")) == (0, "")
    assert len(check.calls) == 2
    assert check.calls[0][0] == ["check", "src/handler.mjs", "--contract", "contracts/c.yaml", "--profile",
                                 "production", "--quiet"]


def test_the_reason_stays_under_claude_codes_cut_and_keeps_the_summary(repo):
    long = "".join(f"[{i}/20] FAIL check-{i}  " + "é" * 900 + "\n" for i in range(20))
    long += "20 checks: 0 passed, 20 failed\n"
    code, out = stop_hook.stop({"session_id": "s4", "cwd": str(repo)}, **_kwargs(repo, FakeCheck(1, output=long)))
    assert len(out) < 10_000
    reason = json.loads(out)["reason"]
    assert "is cut" in reason and reason.rstrip().endswith("20 checks: 0 passed, 20 failed")


def test_the_payload_cwd_wins_over_the_project_dir_and_means_its_git_top_level(repo, tmp_path_factory, monkeypatch):
    other = tmp_path_factory.mktemp("other")
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(other))  # no handler there
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "src" / "deep").mkdir()
    check = FakeCheck(1)
    stop_hook.stop({"session_id": "s5", "cwd": str(repo / "src" / "deep")}, **_kwargs(repo, check))
    assert check.calls[0][1].resolve() == repo.resolve()


def test_no_handler_means_another_kind_of_session(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"session_id": "s6", "cwd": str(tmp_path)})))
    assert cli("hook", "stop", "--target", "src/handler.mjs") == (0, "", "")


@pytest.mark.runtime
def test_quiet_check_prints_only_what_failed(cli):
    target = Path(__file__).resolve().parents[1] / "conformance/known-bad/node-auth-after-lookup/handler.mjs"
    code, out, err = cli("check", target, "--quiet", "--check", "auth-before-replay", "--check", "accepts-valid-order")
    assert code == 1, err
    assert "FAIL auth-before-replay" in out and "--- auth-before-replay (failed)" in out
    assert "PASS" not in out and "accepts-valid-order" not in out
    assert "2 checks: 1 passed, 1 failed" in out


@pytest.mark.runtime
def test_the_real_hook_blocks_then_passes_then_skips(tmp_path):
    """`fnproof hook stop` as Claude Code runs it: a real check, JSON on stdout, exit 0 each time."""
    import os
    import shutil
    import sys

    root = Path(__file__).resolve().parents[1]
    repo = tmp_path / "repo"
    shutil.copytree(root / "conformance/known-bad/node-created-201", repo / "src")
    env = dict(os.environ)
    env.pop("CLAUDE_PROJECT_DIR", None)

    def hook(active: bool) -> subprocess.CompletedProcess:
        payload = json.dumps({"session_id": "real", "cwd": str(repo), "stop_hook_active": active})
        return subprocess.run([sys.executable, "-m", "fnproof", "hook", "stop", "--target", "src/handler.mjs",
                               "--profile", "seed"], input=payload, capture_output=True, text=True, env=env,
                              cwd=tmp_path)

    first = hook(False)
    decision = json.loads(first.stdout)
    assert first.returncode == 0 and decision["decision"] == "block", first.stderr
    assert "FAIL accepts-valid-order" in decision["reason"] and "PASS" not in decision["reason"]
    shutil.copy(root / "reference/lambda-node/index.mjs", repo / "src" / "handler.mjs")
    shutil.copy(root / "reference/lambda-node/orders.mjs", repo / "src" / "orders.mjs")
    second = hook(True)
    assert (second.returncode, second.stdout) == (0, ""), second.stdout + second.stderr
    third = hook(False)
    assert third.returncode == 0 and third.stdout.startswith("fnproof: src/handler.mjs") and "skipped" in third.stdout
