"""Kind `sqs`: a queue consumer's contract loads, refuses what a consumer cannot have, and feeds
`contract new`, the check catalogue and init's Stop hook and CI through the same file."""

from __future__ import annotations

import pytest

from conftest import ROOT, write
from fnproof.conformance.checks.registry import PROFILES, select
from fnproof.core.contract import contract_problems, load_contract
from fnproof.core.errors import UsageError

STARTER = ROOT / "conformance/contracts/starters/sqs.yaml"


def test_the_starter_loads_as_a_queue_consumer():
    contract = load_contract(STARTER)
    assert contract.kind == "sqs" and contract.key.pointer == "/orderId" and not contract.key.message_id
    assert contract.effects is not None and contract.effects.attribute == "orderId"
    assert contract.tables() == {"ORDERS_TABLE": "pk"}
    assert contract.message_attributes == (("eventType", "OrderPlaced"),)
    assert contract.invalid_json_bodies and contract.invalid_bodies and contract.situations == {}


def test_dedup_by_message_id_is_a_key_of_its_own(tmp_path):
    text = STARTER.read_text().replace("dedup_key: {pointer: /orderId}", "dedup_key: messageId")
    contract = load_contract(write(tmp_path / "c.yaml", text))
    assert contract.key.message_id and contract.key.pointer is None
    assert contract.key.describe() == "the message's messageId"


@pytest.mark.parametrize("old, new, field, words", [
    ("dedup_key: {pointer: /orderId}", "dedup_key: orderId", "dedup_key", "must be messageId or {pointer"),
    ("dedup_key: {pointer: /orderId}", "route: {method: POST, path: /orders}\ndedup_key: {pointer: /orderId}",
     "route", "an sqs contract"),
    ("dedup_key: {pointer: /orderId}", "dedup_key: {pointer: /orderId/id}", "dedup_key",
     "must sit inside an object"),
    ("effects: {attribute: orderId}\n", "", "(top level)", "effects"),
])
def test_what_a_consumer_cannot_have_is_refused_at_its_line(tmp_path, old, new, field, words):
    path = write(tmp_path / "c.yaml", STARTER.read_text().replace(old, new, 1))
    problems, contract = contract_problems(path)
    assert contract is None and problems
    assert any(p.field.startswith(field) and words in p.message for p in problems), problems


def test_the_catalogue_of_the_kind_nests_by_profile():
    ids = [[spec.id for spec in select(profile, kind="sqs")] for profile in PROFILES]
    assert ids[0] == ["batch-processed", "partial-batch-failure"]
    assert set(ids[0]) < set(ids[1]) < set(ids[2])
    assert {"json-logs", "no-secrets-in-logs", "survives-bad-input"} <= set(ids[1])
    assert "missing-key-400" not in ids[2] and "delivery-accepted" not in ids[2]
    with pytest.raises(UsageError, match="another kind of contract"):
        select("production", ["delivery-accepted"], kind="sqs")


def test_contract_new_prints_the_consumer_starter(cli, tmp_path):
    code, out, _ = cli("contract", "new", "--kind", "sqs")
    assert code == 0 and out == STARTER.read_text()
    code, _, err = cli("contract", "new", "--kind", "sqs", "--preset", "github")
    assert code == 2 and "an sqs contract has none" in err
    written = tmp_path / "consumer.yaml"
    assert cli("contract", "new", "--kind", "sqs", "--out", str(written))[0] == 0
    code, _, err = cli("contract", "check", str(written))
    assert code == 0 and "a sound sqs contract (dedup by the body at /orderId)" in err


def test_init_with_an_sqs_contract_writes_its_prompt_hook_and_ci(cli, tmp_path):
    contract = write(tmp_path / "consumer.yaml", STARTER.read_text())
    code, out, err = cli("init", tmp_path, "--contract", contract, "--runtime", "lambda-python")
    assert code == 0, err
    command = (tmp_path / ".claude/skills/fnproof-create-function/SKILL.md").read_text()
    assert "queue consumer" in command and "batchItemFailures" in command and "ReportBatchItemFailures" in command
    assert "VisibilityTimeout" in command and "RedrivePolicy" in command
    assert "`partial-batch-failure`" in command and "`missing-key-400`" not in command
    assert "--contract consumer.yaml" in command
    workflow = (tmp_path / ".github/workflows/fnproof.yml").read_text()
    settings = (tmp_path / ".claude/settings.json").read_text()
    assert 'target: "src/handler.py"' in workflow and 'contract: "consumer.yaml"' in workflow
    assert "fnproof-stop.sh" in settings
    assert "--target src/handler.py --contract consumer.yaml --profile production" in settings
    assert (tmp_path / "events/sqs-batch.json").is_file()  # the fixture the prompt starts from
    assert "skipped   .claude/skills/fnproof-review-function/SKILL.md" in out


@pytest.mark.parametrize("target", [str(ROOT / "reference/workers"), "http://127.0.0.1:9"])
@pytest.mark.parametrize("contract", ["sqs.yaml", "s3-import.yaml"])
def test_event_source_kinds_on_a_runtime_without_the_source_are_a_usage_error(cli, target, contract):
    args = ["--url", target] if target.startswith("http") else [target]
    code, out, err = cli("check", *args, "--contract", str(ROOT / "conformance/contracts/starters" / contract))
    assert code == 2 and "cannot run an" in err and "only Lambda runtimes" in err and out == ""
