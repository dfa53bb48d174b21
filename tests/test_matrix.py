"""Traceability: every rule and automatic checklist item maps to a real check, and every check is
asked for by a production prompt. Read from the sources, not from the rendered table."""

from __future__ import annotations

import shutil

import pytest

from conftest import write
from fnproof.conformance.checks.registry import all_checks
from fnproof.core.errors import UsageError
from fnproof.guidance.checklists import available, checklist_path, load_checklist
from fnproof.guidance.rules import load_rules
from fnproof.prompts.catalog import load_all, prompts_dir

KNOWN = {spec.id for spec in all_checks()}


def test_every_rule_maps_to_an_existing_check_or_a_person():
    items = {f"{c.name}/{i.id}": i for c in map(load_checklist, map(checklist_path, available())) for i in c.items}
    for rule in load_rules().rules:
        if rule.human:
            assert rule.checklist and all(items[ref].human for ref in rule.checklist), rule.id
        else:
            assert rule.checks and set(rule.checks) <= KNOWN, rule.id
        assert all(ref in items for ref in rule.checklist), rule.id


def test_every_automatic_checklist_item_maps_to_an_existing_check():
    for name in available():
        for item in load_checklist(checklist_path(name)).items:
            if not item.human:
                assert item.checks and set(item.checks) <= KNOWN, f"{name}/{item.id}"


def test_every_check_is_asked_for_by_a_production_prompt():
    asked = {c for p in load_all(prompts_dir()) if p.profile == "production" for c in p.checks}
    assert KNOWN <= asked, sorted(KNOWN - asked)


def test_every_rule_is_asked_for_by_a_prompt():
    asked = {r for p in load_all(prompts_dir()) for r in p.rules}
    assert {r.id for r in load_rules().rules} <= asked


def test_matrix_command_prints_every_rule_and_check(cli):
    code, out, _ = cli("matrix", "--strict")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    for rule in load_rules().rules:
        assert any(row.startswith(f"| **{rule.id}** ") for row in rows), rule.id
    for check_id in KNOWN:
        assert any(row.startswith(f"| `{check_id}` |") for row in rows), check_id
    assert "## Gaps\n\nNone" in out


def test_strict_matrix_reports_gaps(cli, tmp_path):
    root = shutil.copytree(prompts_dir(), tmp_path / "prompts")
    for path in root.glob("*/v*.md"):  # leave only the seed demo
        if path.parent.name != "create-function" or path.name != "v1.md":
            path.unlink()
    code, out, _ = cli("matrix", "--strict", "--prompts-dir", root)
    assert code == 1
    assert "- check key-reuse-422 is asked for by no production prompt" in out
    assert "- rule FP-IAM-1 is asked for by no prompt" in out


@pytest.mark.parametrize("rule, line, message", [
    ("  - id: FP-X-1\n    title: Broken\n    text: A rule that cites a check nobody wrote.\n"
     "    checks: [replay-equality, made-up-check]\n", 7, "unknown check id 'made-up-check'"),
    ("  - id: FP-X-1\n    title: Broken\n    text: A rule that cites an item nobody wrote.\n"
     "    checklist: [deploy/nope]\n    checks: [replay-equality]\n", 7, "checklist deploy has no item 'nope'"),
    ("  - id: FP-X-1\n    title: Broken\n    text: A human rule that cites an automatic item.\n"
     "    human: true\n    checklist: [deploy/idempotency]\n", 8, "is answered by checks"),
    ("  - id: FP-X-1\n    title: Broken\n"
     "    text: A rule with no enforcement at all.\n", 4, "name the checks (or a profile)"),
])
def test_rules_that_cite_nothing_real_are_refused(tmp_path, rule, line, message):
    path = write(tmp_path / "rules.yaml", "title: Team rules\nintro: Rules for this team's functions.\nrules:\n" + rule)
    with pytest.raises(UsageError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}:{line}: ") and message in str(caught.value)
