"""`fnproof init`: the right files, user text kept, idempotent; and the Stop hook it installs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.claude_code import scaffold
from fnproof.core.paths import data_path
from fnproof.guidance.rules import BEGIN, END, render_section
from fnproof.prompts.catalog import find, latest, prompts_dir, render

USER_CLAUDE_MD = "# Team notes\n\nUse tabs. Ask before adding dependencies.\n"
USER_SETTINGS = {
    "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./.env)"]},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
    },
    "model": "sonnet",
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _fixtures() -> list[Path]:
    return sorted(data_path("conformance", "fixtures").glob("*.json"))


def _stop_commands(settings: dict) -> list[str]:
    return [h["command"] for group in settings["hooks"]["Stop"] for h in group["hooks"]]


HOOK = scaffold.HOOK_COMMAND


def test_init_on_an_empty_repository(cli, tmp_path):
    code, out, _ = cli("init", tmp_path)
    assert code == 0
    files = tree(tmp_path)
    prompt_ids = [p.id for p in latest(prompts_dir())]
    expected = {"CLAUDE.md", ".claude/settings.json", ".github/workflows/fnproof.yml", ".claude/hooks/fnproof-stop.sh",
                ".github/actions/fnproof/action.yml",
                ".claude/agents/fnproof-reviewer.md", *(f".claude/skills/fnproof-{i}/SKILL.md" for i in prompt_ids),
                *(f"events/{p.name}" for p in _fixtures())}
    assert set(files) == expected
    assert all(line.startswith("create ") for line in out.splitlines())

    assert render_section() in files["CLAUDE.md"].decode()
    settings = json.loads(files[".claude/settings.json"])
    assert _stop_commands(settings) == [f"{HOOK} --target src/handler.mjs --profile production"]
    assert settings["hooks"]["Stop"][0]["hooks"][0]["type"] == "command"
    assert (tmp_path / ".claude/hooks/fnproof-stop.sh").stat().st_mode & 0o111
    for fixture in _fixtures():
        assert files[f"events/{fixture.name}"] == fixture.read_bytes()
    command = files[".claude/skills/fnproof-create-function/SKILL.md"].decode()
    assert command.startswith("---\n") and "\ndescription: " in command and "\nargument-hint: " in command
    assert "\nname: fnproof-create-function\n" in command and "\ndisable-model-invocation: true\n" in command
    assert '\nallowed-tools: ["Bash(fnproof check *)", "Bash(fnproof checklist *)"]\n' in command
    review = files[".claude/skills/fnproof-review-function/SKILL.md"].decode()
    assert "\ndisable-model-invocation: false\n" in review and "\ncontext: fork\nagent: fnproof-reviewer\n" in review
    agent = files[".claude/agents/fnproof-reviewer.md"].decode()
    assert "\nname: fnproof-reviewer\n" in agent and "\ntools: Read, Grep, Glob, Bash\n" in agent
    assert command.count("$ARGUMENTS") == 1 and "{{" not in command
    assert "fnproof check src/handler.mjs --profile production" in command
    workflow = files[".github/workflows/fnproof.yml"].decode()
    assert "uses: ./.github/actions/fnproof" in workflow and '\n          target: "src/handler.mjs"\n' in workflow

    code, out, _ = cli("init", tmp_path)
    assert code == 0 and tree(tmp_path) == files
    assert all(line.startswith("unchanged ") for line in out.splitlines())


def test_init_merges_into_a_repository_with_its_own_files(cli, tmp_path):
    write(tmp_path / "CLAUDE.md", USER_CLAUDE_MD)
    write(tmp_path / ".claude" / "settings.json", json.dumps(USER_SETTINGS, indent=4))
    code, _, err = cli("init", tmp_path, "--runtime", "lambda-python")
    assert code == 0, err
    claude_md = (tmp_path / "CLAUDE.md").read_text()
    assert claude_md.startswith(USER_CLAUDE_MD) and claude_md.count(BEGIN) == 1 and claude_md.endswith(END + "\n")
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert settings["permissions"] == USER_SETTINGS["permissions"] and settings["model"] == "sonnet"
    assert settings["hooks"]["PreToolUse"] == USER_SETTINGS["hooks"]["PreToolUse"]
    assert _stop_commands(settings) == ["say done", f"{HOOK} --target src/handler.py --profile production"]
    first = tree(tmp_path)

    code, out, _ = cli("init", tmp_path, "--runtime", "lambda-python")
    assert code == 0 and tree(tmp_path) == first
    assert all(line.startswith("unchanged ") for line in out.splitlines())

    # The user writes below our section and edits inside it: a re-run restores only the section.
    text = claude_md.replace("## Serverless rules", "## My own rules now") + "\n## After\n\nkeep me\n"
    write(tmp_path / "CLAUDE.md", text)
    code, out, _ = cli("init", tmp_path, "--runtime", "lambda-python")
    assert "update    CLAUDE.md" in out
    assert (tmp_path / "CLAUDE.md").read_text() == claude_md + "\n## After\n\nkeep me\n"


def test_the_hook_is_updated_in_place_and_never_duplicated(cli, tmp_path):
    settings = json.loads(json.dumps(USER_SETTINGS))
    stale = {"type": "command", "command": "fnproof hook stop --target old.mjs --profile seed", "timeout": 5}
    settings["hooks"]["Stop"] += [{"hooks": [dict(stale)]}, {"hooks": [dict(stale)]}]
    write(tmp_path / ".claude" / "settings.json", json.dumps(settings))
    code, _, _ = cli("init", tmp_path, "--target", "functions/orders.mjs", "--only", "settings")
    merged = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert code == 0 and set(tree(tmp_path)) == {".claude/settings.json", ".claude/hooks/fnproof-stop.sh"}
    assert _stop_commands(merged) == ["say done", f"{HOOK} --target functions/orders.mjs --profile production"]


@pytest.mark.parametrize("text, line", [('{\n  "hooks": {\n    "Stop": [,]\n  }\n}\n', 3), ("[1, 2]", None),
                                        ('{"hooks": {"Stop": {"hooks": []}}}', None)])
def test_invalid_settings_stop_everything(cli, tmp_path, text, line):
    write(tmp_path / ".claude" / "settings.json", text)
    write(tmp_path / "CLAUDE.md", USER_CLAUDE_MD)
    before = tree(tmp_path)
    code, out, err = cli("init", tmp_path)
    where = f"{tmp_path / '.claude' / 'settings.json'}" + (f":{line}: " if line else ": ")
    assert code == 2 and out == "" and err.startswith(f"fnproof: error: {where}") and err.count("\n") == 1
    assert "nothing was written" in err
    assert tree(tmp_path) == before


def test_unbalanced_markers_stop_everything(cli, tmp_path):
    write(tmp_path / "CLAUDE.md", USER_CLAUDE_MD + BEGIN + "\n(someone deleted the end marker)\n")
    before = tree(tmp_path)
    code, _, err = cli("init", tmp_path)
    assert code == 2 and f"CLAUDE.md:{USER_CLAUDE_MD.count(chr(10)) + 1}: " in err and "unbalanced" in err
    assert tree(tmp_path) == before


def test_edited_files_are_kept_and_pristine_ones_updated(cli, tmp_path):
    cli("init", tmp_path)
    edited = tmp_path / ".claude" / "skills" / "fnproof-review-function" / "SKILL.md"
    edited.write_text(edited.read_text() + "\nAlso check our naming rules.\n")
    fixture = tmp_path / "events" / "rest-v1.json"
    fixture.write_text('{"mine": true}\n')
    # A file an older kit wrote, untouched since: same marker scheme, other content.
    older = tmp_path / ".github" / "workflows" / "fnproof.yml"
    older.write_text(scaffold.stamp([], "#", "name: fnproof\non: push\n"))
    code, out, _ = cli("init", tmp_path)
    assert code == 0
    assert "kept      .claude/skills/fnproof-review-function/SKILL.md  (you edited it" in out
    assert "kept      events/rest-v1.json  (it is not fnproof's" in out
    assert "update    .github/workflows/fnproof.yml" in out
    assert edited.read_text().endswith("Also check our naming rules.\n")
    assert fixture.read_text() == '{"mine": true}\n'
    assert "uses: ./.github/actions/fnproof" in older.read_text()


def test_dry_run_writes_nothing_and_shows_diffs(cli, tmp_path):
    write(tmp_path / "CLAUDE.md", USER_CLAUDE_MD)
    before = tree(tmp_path)
    code, out, err = cli("init", tmp_path, "--dry-run")
    assert code == 0 and tree(tmp_path) == before
    assert "update    CLAUDE.md" in out and "+" + BEGIN in out and "--- /dev/null" in out
    assert "would write" in err


def test_missing_folder_is_a_usage_error(cli, tmp_path):
    code, _, err = cli("init", tmp_path / "nope")
    assert code == 2 and "no such folder" in err


def test_the_repository_claude_md_carries_the_current_rules():
    text = (ROOT / "CLAUDE.md").read_text(encoding="utf-8")
    assert render_section() in text, "stale: run `fnproof init . --only claude-md`"
    assert len(text.splitlines()) < 150
    assert "pip install -e . && pytest" in text


@pytest.mark.parametrize("runtime", sorted(scaffold.DEFAULT_TARGETS))
def test_prompts_put_the_handler_where_the_hook_looks(runtime):
    text = render(find(prompts_dir(), "create-function"), {"runtime": runtime})
    assert f"fnproof check {scaffold.DEFAULT_TARGETS[runtime]} --profile production" in text


def test_one_contract_through_init_hook_ci_and_commands(cli, tmp_path):
    """A user's webhook contract reaches every file init writes, and nothing asks for orders."""
    contract = tmp_path / "contracts" / "gh.yaml"
    contract.parent.mkdir()
    assert cli("contract", "new", "--kind", "webhook", "--preset", "github", "--out", contract)[0] == 0
    code, out, err = cli("init", tmp_path, "--contract", contract)
    assert code == 0, err
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert _stop_commands(settings) == [
        f"{HOOK} --target src/handler.mjs --contract contracts/gh.yaml --profile production"]
    workflow = (tmp_path / ".github" / "workflows" / "fnproof.yml").read_text()
    assert '\n          contract: "contracts/gh.yaml"\n' in workflow
    command = (tmp_path / ".claude" / "skills" / "fnproof-create-function" / "SKILL.md").read_text()
    assert "POST /webhooks/github" in command and "X-Hub-Signature-256" in command and "/orders" not in command
    assert "--contract contracts/gh.yaml" in command and "Idempotency-Key" not in command
    # Prompts that render no webhook contract yet are not written, and init says so.
    assert "skipped   .claude/skills/fnproof-review-function/SKILL.md" in out
    assert not (tmp_path / ".claude" / "skills" / "fnproof-review-function").exists()


def test_init_refuses_a_contract_outside_the_repository_or_broken(cli, tmp_path):
    outside = write(tmp_path / "elsewhere.yaml", (ROOT / "conformance/contracts/orders.yaml").read_text())
    repo = tmp_path / "repo"
    repo.mkdir()
    code, _, err = cli("init", repo, "--contract", outside)
    assert code == 2 and "must live in the repository" in err and not any(repo.iterdir())
    broken = write(repo / "c.yaml", "name: Broken\n")
    code, _, err = cli("init", repo, "--contract", broken)
    assert code == 2 and str(broken) in err and [p.name for p in repo.iterdir()] == ["c.yaml"]


def test_prompts_show_renders_a_users_contract(cli):
    starter = ROOT / "conformance/contracts/starters/webhook-standard-webhooks.yaml"
    code, out, err = cli("prompts", "show", "create-function", "--contract", starter, "--var", "runtime=workers")
    assert code == 0, err
    assert "webhook-signature" in out and "`{id}.{t}.{body}`" not in out and "<event id>.<timestamp>.<raw body>" in out
    assert "messages" in out and "`message_id`" in out and "Durable Object (one object per key" not in out
    code, _, err = cli("prompts", "show", "create-function@v2", "--contract",
                       ROOT / "conformance/contracts/starters/webhook-github.yaml")
    assert code == 2 and "create-function@v3" in err and "webhook contract" in err
