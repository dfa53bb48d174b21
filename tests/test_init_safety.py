"""`fnproof init` in a repository it does not own: no write leaves it, nothing is half written,
and what it writes validates against Claude Code's published settings schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import DATA, write
from fnproof.claude_code import changes, scaffold

SETTINGS_SCHEMA = json.loads((DATA / "schemas" / "claude-code-settings.json").read_text())


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def _one_line_refusal(err: str) -> bool:
    return err.startswith("fnproof: error: ") and err.count("\n") == 1 and "nothing was written" in err


@pytest.fixture
def outside(tmp_path):
    victim = write(tmp_path / "outside" / "victim.md", "not yours\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo, victim


@pytest.mark.parametrize("link", ["CLAUDE.md", ".claude/settings.json"])
def test_a_symlinked_file_pointing_outside_is_refused(cli, outside, link):
    repo, victim = outside
    (repo / link).parent.mkdir(parents=True, exist_ok=True)
    (repo / link).symlink_to(victim)
    code, out, err = cli("init", repo)
    assert code == 2 and out == "" and _one_line_refusal(err) and "symlink" in err and link in err
    assert victim.read_text() == "not yours\n" and tree(repo) == {}


def test_a_symlinked_folder_is_refused(cli, outside):
    repo, victim = outside
    (repo / ".claude").symlink_to(victim.parent, target_is_directory=True)
    code, _, err = cli("init", repo)
    assert code == 2 and _one_line_refusal(err) and ".claude" in err
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim.md"] and tree(repo) == {}


def test_github_as_a_file_fails_before_anything_is_written(cli, tmp_path):
    write(tmp_path / ".github", "not a folder\n")
    code, out, err = cli("init", tmp_path)
    assert code == 2 and out == "" and _one_line_refusal(err) and "is a file" in err
    assert tree(tmp_path) == {".github": b"not a folder\n"}


def test_a_failure_while_writing_leaves_the_tree_as_it_was(cli, tmp_path, monkeypatch):
    write(tmp_path / "CLAUDE.md", "# mine\n")
    before = tree(tmp_path)
    real = os.fsync
    calls = []

    def fail_on_the_fifth(fd):
        calls.append(fd)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(changes.os, "fsync", fail_on_the_fifth)
    with pytest.raises(OSError):
        cli("init", tmp_path)
    assert tree(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["CLAUDE.md"]


def test_writes_replace_files_by_rename(tmp_path):
    write(tmp_path / "a.txt", "old\n")
    inode = (tmp_path / "a.txt").stat().st_ino
    hard = tmp_path / "hard.txt"
    os.link(tmp_path / "a.txt", hard)  # a hard link elsewhere keeps the old text: the file was replaced
    changes.apply(tmp_path, [changes.Change("a.txt", changes.UPDATE, "old\n", "new\n")])
    assert (tmp_path / "a.txt").read_text() == "new\n" and hard.read_text() == "old\n"
    assert (tmp_path / "a.txt").stat().st_ino != inode
    assert not list(tmp_path.glob(".*fnproof-tmp"))


@pytest.mark.parametrize("rel", ["../escape.md", "/etc/passwd", "a/../../b"])
def test_paths_that_leave_the_repository_are_refused(tmp_path, rel):
    with pytest.raises(Exception, match="only inside the repository"):
        changes.checked_path(tmp_path, rel)


def test_pristine_slash_commands_of_an_older_kit_become_skills(cli, tmp_path):
    old = write(tmp_path / ".claude/commands/fnproof-create-function.md",
                scaffold.stamp(["---"], "#", "description: old\n---\nold body\n"))
    edited = write(tmp_path / ".claude/commands/fnproof-add-idempotency.md",
                   scaffold.stamp(["---"], "#", "description: old\n---\nold body\n") + "my own line\n")
    code, out, _ = cli("init", tmp_path)
    assert code == 0 and not old.exists() and edited.exists()
    assert "delete    .claude/commands/fnproof-create-function.md  (replaced by the skill)" in out
    assert "kept      .claude/commands/fnproof-add-idempotency.md" in out


def test_settings_init_writes_validate_against_claude_codes_schema(cli, tmp_path):
    write(tmp_path / ".claude/settings.json", json.dumps({"model": "sonnet", "permissions": {"allow": ["Read"]}}))
    assert cli("init", tmp_path, "--contract", write(tmp_path / "c.yaml", (DATA.parent.parent /
               "conformance/contracts/orders.yaml").read_text()))[0] == 0
    jsonschema.Draft7Validator(SETTINGS_SCHEMA).validate(json.loads((tmp_path / ".claude/settings.json").read_text()))


@pytest.mark.parametrize("source, expected", [
    ("someone/fnproof", {"source": "github", "repo": "someone/fnproof"}),
    ("git@example.invalid:team/fnproof.git", {"source": "git", "url": "git@example.invalid:team/fnproof.git"}),
])
def test_init_plugin_enables_the_plugin_instead_of_project_files(cli, tmp_path, source, expected):
    cli("init", tmp_path)  # first without the plugin: the project hook is there
    code, out, err = cli("init", tmp_path, "--plugin", source, "--only", "settings")
    assert code == 0, err
    settings = json.loads((tmp_path / ".claude/settings.json").read_text())
    jsonschema.Draft7Validator(SETTINGS_SCHEMA).validate(settings)
    assert settings["extraKnownMarketplaces"] == {"fnproof": {"source": expected}}
    assert settings["enabledPlugins"] == {"fnproof@fnproof": True}
    assert "Stop" not in settings.get("hooks", {})  # the plugin's own hook runs instead: never twice


def _launcher(tmp_path: Path) -> Path:
    cli_dir = tmp_path / "repo"
    cli_dir.mkdir()
    return cli_dir


def test_the_hook_launcher_reports_a_missing_kit(cli, tmp_path):
    """Without fnproof anywhere, the hook says so to the person instead of passing silently."""
    repo = _launcher(tmp_path)
    assert cli("init", repo, "--only", "settings")[0] == 0
    command = json.loads((repo / ".claude/settings.json").read_text())["hooks"]["Stop"][0]["hooks"][0]["command"]
    env = {"PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(repo)}
    done = subprocess.run(["sh", "-c", command], input='{"session_id": "x"}', capture_output=True, text=True,
                          env=env, cwd=repo)
    assert done.returncode == 0 and "NOT checked" in json.loads(done.stdout)["systemMessage"]


def test_the_hook_launcher_runs_the_kit_it_finds(cli, tmp_path):
    repo = _launcher(tmp_path)
    assert cli("init", repo, "--only", "settings")[0] == 0
    command = json.loads((repo / ".claude/settings.json").read_text())["hooks"]["Stop"][0]["hooks"][0]["command"]
    fake = write(tmp_path / "bin" / "fnproof", '#!/bin/sh\necho "ran with: $*"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(repo)}
    done = subprocess.run(["sh", "-c", command], input="{}", capture_output=True, text=True, env=env, cwd=repo)
    assert done.stdout == "ran with: hook stop --target src/handler.mjs --profile production\n"
