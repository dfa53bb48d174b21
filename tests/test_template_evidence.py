"""The queue settings a checklist reads from the SAM template beside a consumer: the event
source's ReportBatchItemFailures, a dead-letter queue, a visibility timeout of 6x the timeout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.conformance.checks.registry import all_checks

REFERENCE = ROOT / "reference/sqs/node"


def _sqs_report(tmp_path: Path, target: Path) -> Path:
    checks = [{"id": spec.id, "outcome": "passed", "message": "", "duration_s": 0.1} for spec in all_checks("sqs")]
    report = {"target": str(target), "runtime": "lambda-node", "profile": "production", "kind": "sqs",
              "checks": checks, "summary": {"passed": len(checks), "failed": 0, "skipped": 0, "error": 0}}
    return write(tmp_path / "report.json", json.dumps(report))


def _line(out: str, item: str) -> str:
    lines = out.splitlines()
    return next(line + "\n" + lines[i + 1] for i, line in enumerate(lines) if f"**{item}**" in line)


def _consumer(tmp_path: Path, edit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "consumer"
    shutil.copytree(REFERENCE, folder)
    (folder / ".git").mkdir()  # the project's root: the search for a template stops here
    if edit:
        template = folder / "template.yaml"
        text = template.read_text()
        assert edit[0] in text
        template.write_text(text.replace(edit[0], edit[1]))
    return folder / "index.mjs"


def test_the_reference_template_ticks_the_queue_settings(cli, tmp_path):
    code, out, _ = cli("checklist", "deploy", "--report", _sqs_report(tmp_path, _consumer(tmp_path)))
    line = _line(out, "queue-config")
    assert code == 0 and line.startswith("- [x]"), line
    assert "FunctionResponseTypes ReportBatchItemFailures" in line and "template.yaml:" in line
    assert "redrives to a dead-letter queue" in line and "6 x Timeout 30 s" in line
    assert _line(out, "queue-batch-response").startswith("- [x]")


@pytest.mark.parametrize("edit, words", [
    (("            FunctionResponseTypes:\n              - ReportBatchItemFailures\n", ""),
     "no FunctionResponseTypes ReportBatchItemFailures"),
    (("      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt OrderEventsDeadLetterQueue.Arn\n"
      "        maxReceiveCount: 5\n", ""), "has no RedrivePolicy"),
    (("      VisibilityTimeout: 180\n", "      VisibilityTimeout: 60\n"),
     "VisibilityTimeout 60 s is under 6 x the Timeout 30 s"),
    (("      VisibilityTimeout: 180\n", ""), "VisibilityTimeout 30 s is under 6 x"),  # SQS's default
])
def test_a_template_without_a_setting_fails_the_item_at_its_line(cli, tmp_path, edit, words):
    code, out, _ = cli("checklist", "deploy", "--report", _sqs_report(tmp_path, _consumer(tmp_path, edit)))
    line = _line(out, "queue-config")
    assert line.startswith("- [ ] ❌") and words in line and "template.yaml:" in line, line


def test_without_a_template_a_person_answers(cli, tmp_path):
    handler = write(tmp_path / "app" / "index.mjs", "export const handler = async () => ({});\n")
    (tmp_path / "app" / ".git").mkdir()
    code, out, _ = cli("checklist", "deploy", "--report", _sqs_report(tmp_path, handler))
    line = _line(out, "queue-config")
    assert line.startswith("- [ ] 🧑") and "no SAM template beside the handler" in line


def test_an_http_report_has_no_queue_items(cli, tmp_path):
    code, out, _ = cli("checklist", "deploy")
    assert code == 0 and "queue-config" not in out and "queue-batch-response" not in out
    code, out, _ = cli("checklist", "deploy", "--contract", ROOT / "conformance/contracts/starters/sqs.yaml")
    assert code == 0 and "queue-config" in out and "queue-batch-response" in out
