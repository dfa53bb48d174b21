"""The kit as a Claude Code plugin: its tree is current, and validates against the published schemas."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import DATA, ROOT
from fnproof.claude_code import plugin, skills

SCHEMAS = DATA / "schemas"


def _schema(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n", 4)])


def test_the_repositorys_plugin_tree_is_current():
    for rel, (text, executable) in plugin.files().items():
        path = ROOT / rel
        assert path.is_file() and path.read_text() == text, f"stale {rel}: run `fnproof init . --only plugin-files`"
        assert bool(path.stat().st_mode & 0o111) == executable, rel


def test_manifest_marketplace_and_hooks_validate_against_claude_codes_schemas():
    manifest = json.loads((ROOT / ".claude-plugin/plugin.json").read_text())
    _schema("claude-code-plugin-manifest").validate(manifest)
    assert set(manifest["userConfig"]) == {"target", "profile", "contract", "kit"}
    market = json.loads((ROOT / ".claude-plugin/marketplace.json").read_text())
    _schema("claude-code-marketplace").validate(market)
    assert [p["name"] for p in market["plugins"]] == [manifest["name"]] and market["plugins"][0]["source"] == "./"
    hooks = json.loads((ROOT / "hooks/hooks.json").read_text())
    _schema("claude-code-plugin-manifest").validate({"name": "x", "hooks": hooks["hooks"]})
    _schema("claude-code-settings").validate({"hooks": hooks["hooks"]})
    assert set(hooks["hooks"]) == {"SessionStart", "Stop"}


def test_skills_say_what_they_may_run_and_who_starts_them():
    policies = skills.policies()
    found = sorted(p.parent.name for p in (ROOT / "skills").glob("*/SKILL.md"))
    assert found == sorted(policies)
    for name in found:
        meta = front_matter((ROOT / "skills" / name / "SKILL.md").read_text())
        assert meta["name"] == name and 0 < len(meta["description"]) <= 1024
        assert meta["disable-model-invocation"] is policies[name].disable_model_invocation
        tools = meta["allowed-tools"]
        assert all(t.startswith("Bash(fnproof ") or t in ("Read", "Grep", "Glob") for t in tools), tools
        assert "Edit" not in tools and "Write" not in tools
    assert front_matter((ROOT / "skills/create-function/SKILL.md").read_text())["disable-model-invocation"] is True
    review = front_matter((ROOT / "skills/review-function/SKILL.md").read_text())
    agent = front_matter((ROOT / "agents/fnproof-reviewer.md").read_text())
    assert review["context"] == "fork" and review["agent"] == agent["name"]
    assert not {"Edit", "Write", "MultiEdit", "NotebookEdit"} & {t.strip() for t in agent["tools"].split(",")}


def test_the_init_skills_validate_the_same_way(cli, tmp_path):
    assert cli("init", tmp_path, "--only", "skills")[0] == 0
    for path in (tmp_path / ".claude/skills").glob("*/SKILL.md"):
        meta = front_matter(path.read_text())
        assert meta["name"] == path.parent.name and isinstance(meta["disable-model-invocation"], bool)


def test_init_plugin_from_a_local_folder_needs_a_marketplace(cli, tmp_path):
    code, _, err = cli("init", tmp_path, "--plugin", str(tmp_path / "nothing"))
    assert code == 2 and "marketplace.json" in err and not any(tmp_path.iterdir())
    code, _, err = cli("init", tmp_path, "--plugin", str(ROOT))
    assert code == 0, err
    settings = json.loads((tmp_path / ".claude/settings.json").read_text())
    _schema("claude-code-settings").validate(settings)
    assert settings["extraKnownMarketplaces"]["fnproof"] == {"source": {"source": "directory", "path": str(ROOT)}}
    assert not (tmp_path / ".claude/skills").exists() and not (tmp_path / ".claude/hooks").exists()


def _plugin_env(data: Path, **more: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "CLAUDE_PLUGIN_ROOT": str(ROOT),
            "CLAUDE_PLUGIN_DATA": str(data), "FNPROOF_CACHE_DIR": os.environ["FNPROOF_CACHE_DIR"], **more}


def test_the_plugin_stop_hook_reads_its_options_from_the_environment(tmp_path):
    fake = tmp_path / "data" / "venv" / "bin" / "fnproof"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "ran with: $*"\n')
    fake.chmod(0o755)
    env = _plugin_env(tmp_path / "data", CLAUDE_PLUGIN_OPTION_TARGET="fn/index.py", CLAUDE_PLUGIN_OPTION_PROFILE="seed",
                      CLAUDE_PLUGIN_OPTION_CONTRACT="c.yaml")
    done = subprocess.run(["sh", str(ROOT / "hooks/fnproof-stop.sh")], input="{}", capture_output=True, text=True,
                          env=env)
    assert done.stdout == "ran with: hook stop --target fn/index.py --profile seed --contract c.yaml\n"


@pytest.mark.runtime
def test_first_run_installs_the_kit_into_the_plugin_data_folder(tmp_path):
    """The SessionStart hook installs the kit from the plugin's own source; a second start does nothing."""
    data = tmp_path / "data"
    env = _plugin_env(data)
    first = subprocess.run(["sh", str(ROOT / "hooks/install-kit.sh")], capture_output=True, text=True, env=env)
    assert "the kit is installed" in json.loads(first.stdout)["systemMessage"], (data / "install.log").read_text()
    version = subprocess.run([str(data / "venv/bin/fnproof"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("fnproof ")
    again = subprocess.run(["sh", str(ROOT / "hooks/install-kit.sh")], capture_output=True, text=True, env=env)
    assert again.stdout == ""
    hook = subprocess.run(["sh", str(ROOT / "hooks/fnproof-stop.sh")], input=json.dumps({"cwd": str(tmp_path)}),
                          capture_output=True, text=True, env=_plugin_env(data, PATH="/usr/bin:/bin"))
    assert (hook.returncode, hook.stdout) == (0, "")  # found the installed kit; no handler here, nothing to say
