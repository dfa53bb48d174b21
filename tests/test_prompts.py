"""Prompt templates: rendering from the contract, the placeholder language, errors, lint, diff."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import write
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.prompts.catalog import COMMAND, find, load_all, prompts_dir, render
from fnproof.prompts.template import parse

PAIR = re.compile(r"\b(\d{3}) `([a-z_]+)`")


@pytest.fixture
def kit_prompts(tmp_path: Path) -> Path:
    """A private copy of the kit's prompts folder that a test may break."""
    return Path(shutil.copytree(prompts_dir(), tmp_path / "prompts"))


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]


def test_create_function_python_renders_the_contract_exactly(cli):
    code, out, err = cli("prompts", "show", "create-function", "--var", "runtime=lambda-python")
    assert code == 0, err
    contract = load_contract()
    # Every situation of the contract is one table row with exactly its (status, code) pairs.
    rendered = sorted(sorted(set(PAIR.findall(row))) for row in _table_rows(out) if PAIR.search(row))
    expected = sorted(sorted({(str(o.status), o.code) for o in outcomes}) for outcomes in contract.situations.values())
    assert rendered == expected
    accepted_row = next(r for r in _table_rows(out) if "new, valid request" in r)
    assert all(str(s) in accepted_row for s in contract.accepted_status)
    replay_row = next(r for r in _table_rows(out) if "replay" in r)
    assert all(str(s) in replay_row for s in contract.replay_status)
    for value in (f"{contract.method} {contract.path}", contract.key_header, contract.auth_header, contract.auth_env,
                  contract.table_env, contract.error_pointer, contract.id_pointer, *contract.personal_data):
        assert f"`{value}`" in out, value
    for body in (*contract.invalid_json_bodies, *(b.text for b in contract.invalid_bodies)):
        assert body in out
    assert "src/handler.py" in out and "boto3" in out
    assert "{{" not in out and "{%" not in out


def test_every_production_check_is_named_in_the_v2_prompt(cli):
    prompt = find(prompts_dir(), "create-function@v2")
    text = render(prompt, {"runtime": "lambda-node"})
    for check_id in prompt.checks:
        assert f"`{check_id}`" in text


def test_the_seed_demo_renders_only_its_situations():
    contract = load_contract()
    text = render(find(prompts_dir(), "create-function@v1"), {"runtime": "workers"})
    codes = {code for _, code in PAIR.findall(text)}
    assert contract.situation("key_reused")[0].code not in codes
    assert contract.situation("invalid_json")[0].code in codes
    assert contract.auth_header not in text
    assert "Workers KV" in text or "not Workers KV" in text.lower()


def test_workers_production_prompt_names_a_consistent_store():
    text = render(find(prompts_dir(), "create-function"), {"runtime": "workers"})
    assert "Durable Object" in text and "D1" in text
    assert re.search(r"Never Workers KV for keys", text)
    assert "DynamoDB" not in text.split("## Platform and layout")[1].split("## Steps")[0]


def test_slash_command_rendering_uses_arguments_once():
    prompt = find(prompts_dir(), "review-function")
    assert render(prompt, mode=COMMAND).count("$ARGUMENTS") == 1
    assert "$ARGUMENTS" not in render(prompt)


@pytest.mark.parametrize("argv, needle", [
    (("prompts", "show", "no-such-prompt"), "unknown prompt 'no-such-prompt'"),
    (("prompts", "show", "create-function@v9"), "has no version v9"),
    (("prompts", "show", "create-function@latest"), "write v2 or 2"),
    (("prompts", "show", "create-function", "--var", "colour=red"), "has no variable 'colour'"),
    (("prompts", "show", "create-function", "--var", "runtime=azure"), "choose one of lambda-node"),
    (("prompts", "show", "create-function", "--var", "runtime"), "write NAME=VALUE"),
    (("prompts", "diff", "create-function", "v1", "v2", "--var", "colour=red"), "has a variable 'colour'"),
])
def test_bad_requests_are_one_line_usage_errors(cli, argv, needle):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1


def _replace_line(path: Path, old: str, new: str) -> int:
    """Replace the line holding `old`; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if old in line)
    lines[index] = lines[index].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


@pytest.mark.parametrize("old, new, message", [
    ("profile: production", "profile: prod", "profile: must be one of"),
    ("  - key-reuse-422", "  - key-reuse-423", "unknown check id 'key-reuse-423'"),
    ("rules: [FP-FIXTURE-1,", "rules: [FP-NOPE-1,", "unknown rule id 'FP-NOPE-1'"),
    ("version: 2", "version: 3", "must match the file name"),
    ("    default: lambda-node", "    default: azure", "is not one of its values"),
    ("contract: orders", "contract: payments", "no contract 'payments'"),
    ("{{ contract.table }}", "{{ contract.tabel }}", "unknown placeholder {{ contract.tabel }}"),
    ("{{ var.runtime }})", "{{ var.region }})", "unknown placeholder {{ var.region }}"),
    ("{% if var.runtime == lambda-node %}", "{% if var.runtime == lambda-java %}", "never equals 'lambda-java'"),
    ("{% if var.runtime == lambda-node %}", "{% if var.region == eu %}", "undeclared variable 'region'"),
    ("{% if var.runtime == lambda-node %}", "{% if runtime is node %}", "condition 'runtime is node'"),
    ("## What it is for", "## What {{ it is for", "malformed placeholder"),
    ("## Steps", "{% endif %}", "without an open {% if %}"),
    ("title: Create a production serverless function", "title: a: b", "invalid YAML: mapping values are not allowed"),
])
def test_malformed_templates_point_at_their_line(cli, kit_prompts, old, new, message):
    path = kit_prompts / "create-function" / "v2.md"
    line = _replace_line(path, old, new)
    code, out, err = cli("prompts", "show", "create-function@v2", "--dir", kit_prompts)
    assert code == 2 and out == ""
    assert err.startswith(f"fnproof: error: {path}:{line}: ") and message in err, err
    assert err.count("\n") == 1


def test_unclosed_if_points_at_the_if(cli, kit_prompts):
    path = kit_prompts / "create-function" / "v1.md"
    text = path.read_text(encoding="utf-8")
    last_endif = text.rindex("{% endif %}")
    path.write_text(text[:last_endif] + text[last_endif + len("{% endif %}\n"):], encoding="utf-8")
    code, _, err = cli("prompts", "show", "create-function@v1", "--dir", kit_prompts)
    opening = text[:last_endif].rindex("{% if ")
    assert code == 2 and f"v1.md:{text.count(chr(10), 0, opening) + 1}: " in err and "never closed" in err


def test_front_matter_is_required(cli, kit_prompts):
    write(kit_prompts / "bare" / "v1.md", "# Just a heading\n")
    code, _, err = cli("prompts", "show", "bare", "--dir", kit_prompts)
    assert code == 2 and f"{kit_prompts / 'bare' / 'v1.md'}:1: " in err


def test_the_kits_prompts_lint_clean(cli):
    code, out, err = cli("prompts", "lint")
    assert code == 0, out
    assert "no problems" in err
    assert len(load_all(prompts_dir())) >= 4


def test_lint_finds_what_loading_accepts(cli, kit_prompts):
    path = kit_prompts / "add-idempotency" / "v1.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("variables:\n", "variables:\n  region:\n    description: an unused one\n    default: eu\n", 1)
    fake_key = "AKIA" + "Q" * 16  # built here so this file holds no key-shaped literal
    text = text.replace("## Steps", f"## Steps\n\nCost: $5 per run. Key {fake_key}\n", 1)
    text = text.replace("{{ contract.table }}", "- a list\n\n  {{ contract.table }}", 1)
    path.write_text(text, encoding="utf-8")
    (kit_prompts / "CHANGELOG.md").write_text("# nothing\n", encoding="utf-8")
    code, out, _ = cli("prompts", "lint", "--dir", kit_prompts)
    lines = text.splitlines()
    region_line = next(i for i, line in enumerate(lines, 1) if line.startswith("  region:"))
    cost_line = next(i for i, line in enumerate(lines, 1) if line.startswith("Cost: "))
    assert code == 1
    assert f"{path}:{region_line}: variable 'region' is declared but never used" in out
    assert f"{path}:{cost_line}: Claude Code substitutes" in out
    assert f"{path}:{cost_line}: looks like an AWS access key id" in out
    assert "Markdown parses 0" in out
    assert "no '## add-idempotency v1' entry" in out


def test_lint_rejects_checks_above_the_prompt_profile(cli, kit_prompts):
    path = kit_prompts / "create-function" / "v1.md"
    line = _replace_line(path, "  - unknown-route-404", "  - key-reuse-422")
    code, out, _ = cli("prompts", "lint", "--dir", kit_prompts)
    assert code == 1 and f"{path}:{line}: key-reuse-422 is a production check, above this prompt's profile seed" in out


def test_diff_shows_what_v2_added(cli):
    code, out, _ = cli("prompts", "diff", "create-function", "v1", "2", "--var", "runtime=lambda-node")
    reused = load_contract().situation("key_reused")[0]
    assert code == 0
    assert out.startswith("--- create-function@v1\n+++ create-function@v2\n")
    assert any(line.startswith("+") and f"{reused.status} `{reused.code}`" in line for line in out.splitlines())
    code, raw, _ = cli("prompts", "diff", "create-function", "v1", "v2", "--raw")
    assert "+version: 2" in raw and "{% if" in raw


def test_list_shows_newest_versions(cli):
    code, out, _ = cli("prompts", "list")
    newest = max(p.version for p in load_all(prompts_dir()) if p.id == "create-function")
    assert code == 0 and f"create-function@v{newest}" in out and "create-function@v1" not in out
    assert "(older: " + ", ".join(f"v{n}" for n in range(1, newest)) + ")" in out
    code, out, _ = cli("prompts", "list", "--all")
    assert "create-function@v1" in out and "review-function@v1" in out and "add-idempotency@v1" in out


def test_template_language_nests_and_chooses():
    source = ("a\n{% if var.x == 1 %}\none\n{% if var.y in p, q %}\npq\n{% else %}\nnot-pq\n{% endif %}\n"
              "{% elif var.x != 3 %}\nnot-three {{ var.y }}\n{% else %}\nthree\n{% endif %}\nz\n")
    template = parse(source, source="t.md")
    assert template.variables_used() == {"x", "y"}

    def show(x: str, y: str) -> str:
        return template.render(lambda name: {"var.y": y}[name], {"x": x, "y": y})

    assert show("1", "q") == "a\none\npq\nz\n"
    assert show("1", "r") == "a\none\nnot-pq\nz\n"
    assert show("2", "r") == "a\nnot-three r\nz\n"
    assert show("3", "r") == "a\nthree\nz\n"
    with pytest.raises(UsageError, match=r"t\.md:4: \{% elif %\} after \{% else %\}"):
        parse("{% if var.x == 1 %}\n{% else %}\nb\n{% elif var.x == 2 %}\n{% endif %}\n", source="t.md")


def test_the_contract_path_is_kit_relative():
    text = render(find(prompts_dir(), "create-function"))
    contract = load_contract()
    relative = Path(contract.source).resolve().relative_to(data_path()).as_posix()
    assert f"`{relative}`" in text
