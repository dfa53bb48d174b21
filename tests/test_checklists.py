"""Checklists: validation with file:line, ticking items from a JSON report, rendering."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.conformance.checks.registry import all_checks
from fnproof.guidance.checklists import checklist_path, load_checklist


def _report(tmp_path: Path, outcomes: dict[str, tuple[str, str]], profile: str = "production") -> Path:
    """A report in the format `fnproof check --report-json` writes: every check passed unless listed."""
    checks = [{"id": spec.id, "outcome": outcomes.get(spec.id, ("passed", ""))[0],
               "message": outcomes.get(spec.id, ("passed", ""))[1], "duration_s": 0.1}
              for spec in all_checks() if spec.id not in outcomes or outcomes[spec.id][0] != "absent"]
    summary = {k: sum(1 for c in checks if c["outcome"] == k) for k in ("passed", "failed", "skipped", "error")}
    report = {"target": "src/handler.mjs", "runtime": "lambda-node", "profile": profile, "checks": checks,
              "summary": summary}
    return write(tmp_path / "report.json", json.dumps(report))


def _item_lines(markdown: str) -> dict[str, str]:
    """item id -> its two rendered lines, joined."""
    lines = markdown.splitlines()
    return {line.split("**")[1]: line + "\n" + lines[i + 1] for i, line in enumerate(lines) if line.startswith("- [")}


def test_without_a_report_automatic_items_stay_open(cli):
    code, out, _ = cli("checklist", "deploy")
    deploy = load_checklist(checklist_path("deploy"))
    items = _item_lines(out)
    of_kind = {spec.id for spec in all_checks("http-idempotent")}
    applies = {i.id for i in deploy.items if (i.human or set(i.checks) & of_kind) and not i.kinds}
    assert code == 0 and set(items) == applies
    assert "queue-batch-response" not in items and "queue-config" not in items  # items of queue consumers
    for item in (i for i in deploy.items if i.id in applies):
        line = items[item.id]
        assert line.startswith("- [ ]")
        if item.human:
            assert "🧑" in line
        else:  # the checks of the default contract's kind that answer it, and no other
            of_kind = {spec.id for spec in all_checks("http-idempotent")}
            assert all((f"`{c}`" in line) == (c in of_kind) for c in item.checks) and "run `fnproof check`" in line


def test_items_follow_the_contract_kind(cli):
    """With a webhook contract, items are judged by webhook checks; one only API checks answer is left out."""
    code, out, _ = cli("checklist", "review", "--contract", ROOT / "conformance/contracts/starters/webhook-github.yaml")
    items = _item_lines(out)
    assert code == 0 and "event-shapes" not in items and "retry-after-rejection" not in items
    assert "`signature-required`" in items["auth"] and "`auth-required`" not in items["auth"]


def test_a_report_ticks_flags_and_notes(cli, tmp_path):
    report = _report(tmp_path, {
        "concurrent-duplicates": ("failed", "3 different orders for one key\n  sent: POST /orders"),
        "rest-v1-event": ("skipped", "REST v1 events are a Lambda shape; workers gets HTTP requests"),
        "auth-required": ("absent", ""),
    })
    code, out, _ = cli("checklist", "deploy", "--report", report)
    items = _item_lines(out)
    assert code == 0
    assert (items["idempotency"].startswith("- [ ] ❌")
            and "`concurrent-duplicates` failed: 3 different orders" in items["idempotency"])
    assert "sent: POST" not in items["idempotency"]  # the first line of the message only
    assert items["local-proof"].startswith("- [ ] ⚠️") and "`rest-v1-event` skipped: REST v1" in items["local-proof"]
    assert "`accepts-valid-order` passed" in items["local-proof"]
    assert (items["config-secrets"].startswith("- [ ] ⚠️")
            and "`auth-required` not in the report" in items["config-secrets"])
    assert items["observability"].startswith("- [x]")
    assert "evidence: `json-logs` passed, `no-secrets-in-logs` passed" in items["observability"]
    assert items["permissions"].startswith("- [ ] 🧑")
    assert "`src/handler.mjs` on lambda-node, profile production" in out
    assert "2 ticked, 1 failed, 2 incomplete" in out


def test_text_format(cli, tmp_path):
    code, out, _ = cli("checklist", "review", "--report", _report(tmp_path, {}), "--format", "text")
    assert code == 0 and out.startswith("Pre-publication review\n")
    assert "[x] idempotency" in out and "[?] permissions" in out and "`" not in out


@pytest.mark.runtime
@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the reference handler")
def test_end_to_end_with_the_reference_handler(cli, tmp_path):
    report = tmp_path / "report.json"
    code, _, err = cli("check", ROOT / "reference" / "lambda-node" / "index.mjs", "--report-json", report)
    assert code == 0, err
    code, out, _ = cli("checklist", "deploy", "--report", report)
    deploy = load_checklist(checklist_path("deploy"))
    of_kind = {spec.id for spec in all_checks("http-idempotent")}
    automatic = [i.id for i in deploy.items if not i.human and set(i.checks) & of_kind]
    items = _item_lines(out)
    assert code == 0 and all(items[i].startswith("- [x]") for i in automatic)
    assert not {i.id for i in deploy.items if not set(i.checks) & of_kind and not i.human} & set(items)


def _checklist(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "team.yaml", "name: team\ntitle: Team checklist\nitems:\n" + body)


@pytest.mark.parametrize("body, line, message", [
    ("  - id: a\n    question: Is the thing done properly?\n    checks: [replay-equality, no-such-check]\n",
     6, "unknown check id 'no-such-check'"),
    ("  - id: a\n    question: Is the thing done properly?\n    human: true\n    checks: [replay-equality]\n",
     7, "either checks or human: true, not both"),
    ("  - id: a\n    question: Is the thing done properly?\n", 4, "`checks` is missing"),
    ("  - id: a\n    question: Is the thing done properly?\n    human: true\n"
     "  - id: a\n    question: Is the other thing done?\n    human: true\n", 7, "item id 'a' is used twice"),
    ("  - id: a\n    question: [unclosed\n", 6, "invalid YAML"),
    ("  - id: Bad Id\n    question: Is the thing done properly?\n    human: true\n", 4,
     "does not have the expected form"),
])
def test_malformed_checklists_point_at_their_line(cli, tmp_path, body, line, message):
    path = _checklist(tmp_path, body)
    code, out, err = cli("checklist", path)
    assert code == 2 and out == ""
    assert err.startswith(f"fnproof: error: {path}:{line}: ") and message in err, err
    assert err.count("\n") == 1


def test_unknown_checklist_name(cli):
    code, _, err = cli("checklist", "launch")
    assert code == 2 and "unknown checklist 'launch'; choose one of deploy, review" in err


@pytest.mark.parametrize("text, message", [
    ('{"target": "x"', "invalid JSON"),
    ('{"target": "x", "runtime": "lambda-node", "profile": "production", "checks": [], "summary": {}}',
     "summary: `passed` is missing"),
    ('{"target": "x", "runtime": "r", "profile": "production", "summary": {"passed": 0, "failed": 0, '
     '"skipped": 0, "error": 0}, "checks": [{"id": "a", "outcome": "flaky", "message": "", "duration_s": 0}]}',
     "checks[0].outcome: must be one of"),
])
def test_reports_are_validated(cli, tmp_path, text, message):
    report = write(tmp_path / "report.json", text)
    code, out, err = cli("checklist", "deploy", "--report", report)
    assert code == 2 and out == "" and str(report) in err and message in err


def test_the_kits_checklists_cite_only_registered_checks():
    known = {spec.id for spec in all_checks()}
    for name in ("deploy", "review"):
        checklist = load_checklist(checklist_path(name))
        for item in checklist.items:
            assert item.human != bool(item.checks), item.id
            assert set(item.checks) <= known


def test_hints_name_the_report_platforms_commands_only(cli, tmp_path):
    report = _report(tmp_path, {})
    data = json.loads(report.read_text())
    data["runtime"] = "workers"
    report.write_text(json.dumps(data))
    _, out, _ = cli("checklist", "deploy", "--report", report)
    items = _item_lines(out)
    assert "wrangler deploy" in items["human-commands"] and "aws lambda" not in items["human-commands"]
    _, out, _ = cli("checklist", "deploy")
    items = _item_lines(out)
    assert "Lambda: " in items["human-commands"] and "Workers: " in items["human-commands"]
