"""The contract file: defaults load, bad files point at file:line, a user's vocabulary drives checks."""

from __future__ import annotations

import re

import pytest

from conftest import DATA, ROOT, write
from fnproof.conformance.runner import check_target
from fnproof.core.contract import load_contract, resolve_pointer
from fnproof.core.errors import UsageError


def test_default_contract_matches_the_specified_vocabulary():
    contract = load_contract()
    assert (contract.method, contract.path, contract.key_header) == ("POST", "/orders", "Idempotency-Key")
    assert contract.situation("key_reused")[0].status == 422
    assert {o.code for o in contract.situation("empty_body")} == {"invalid_json", "invalid_order"}
    assert b"{pii}" not in contract.body(0, pii="someone@example.invalid")


@pytest.mark.parametrize("good, bad, field", [
    ("key_missing: {status: 400,", "key_missing: {status: fourhundred,", "situations.key_missing"),
    ("  method: POST", "  method: FETCH", "route.method"),
    ("  status: [202]", "  status: []", "accepted.status"),
])
def test_a_bad_field_is_named_with_its_line(tmp_path, good, bad, field):
    text = (ROOT / "conformance/contracts/orders.yaml").read_text()
    line = text[: text.index(good)].count("\n") + 1
    path = write(tmp_path / "c.yaml", text.replace(good, bad, 1))
    with pytest.raises(UsageError) as info:
        load_contract(path)
    assert str(info.value).startswith(f"{path}:{line}: {field}")


def test_yaml_syntax_error_points_at_the_line(tmp_path):
    path = write(tmp_path / "c.yaml", "name: x\nroute: {method: POST\nkey_header: K\n")
    with pytest.raises(UsageError, match=rf"^{re.escape(str(path))}:\d+: invalid YAML"):
        load_contract(path)


def test_pii_pointer_must_address_the_body(tmp_path):
    text = (ROOT / "conformance/contracts/orders.yaml").read_text().replace("[/customer/email]", "[/customer/phone]")
    with pytest.raises(UsageError, match="personal_data: /customer/phone addresses nothing"):
        load_contract(write(tmp_path / "c.yaml", text))


def test_invalid_contract_on_the_cli_exits_2_and_writes_nothing(tmp_path, cli):
    contract = write(tmp_path / "c.yaml", "name: Bad Name\n")
    report = tmp_path / "report.json"
    code, out, err = cli("check", ROOT / "reference/lambda-node/index.mjs", "--contract", contract,
                         "--report-json", report)
    assert code == 2 and err.count("\n") == 1 and str(contract) in err
    assert "Traceback" not in err and not report.exists()


def test_pointer_lookup():
    doc = {"error": {"code": "X"}, "items": [{"sku": "a/b"}]}
    assert resolve_pointer(doc, "/error/code") == "X"
    assert resolve_pointer(doc, "/items/0/sku") == "a/b"
    assert resolve_pointer(doc, "/missing", None) is None


@pytest.mark.runtime
def test_a_users_own_contract_drives_every_check():
    """A correct handler with another vocabulary passes its contract, and fails the default one."""
    handler = str(DATA / "checkout/handler.mjs")
    own = check_target(handler, contract_path=DATA / "checkout/contract.yaml")
    assert [r.id for r in own.results if r.outcome in ("failed", "error")] == []
    # The only check without evidence: the contract says nothing about an unreachable store.
    assert [r.id for r in own.results if r.outcome == "skipped"] == ["store-unavailable"]
    default = check_target(handler, profile="seed")
    assert {r.id for r in default.results if r.outcome == "failed"} == {r.id for r in default.results}


STARTERS = ROOT / "conformance/contracts/starters"


def _problems(path):
    from fnproof.core.contract import contract_problems

    return contract_problems(path)[0]


def test_every_problem_is_reported_at_its_own_line_in_plain_words(tmp_path):
    path = write(tmp_path / "c.yaml", "kind: webhook\nname: Hook\nroute: {method: POST, path: hooks}\n"
                 "signatrue: {preset: github, secret_env: S}\nevent_id: {header: X-Id}\nvalid_bodies: [{a: 1}]\n"
                 "invalid_json_bodies: [x]\nerror_code: error\nsituations: {accepted: {status: 202}}\n"
                 "effects: {attribute: id}\nreuse_body: {}\n")
    lines = [str(p) for p in _problems(path)]
    assert f"{path}:2: name: must be lower-case letters, digits and - (it names files and runs)" in lines
    assert f"{path}:3: route.path: must start with /" in lines
    assert f"{path}:4: signatrue: unknown key `signatrue` (did you mean `signature`?)" in lines
    assert f"{path}:8: error_code: must be a JSON pointer such as /error or /customer/email" in lines
    assert f"{path}:11: reuse_body: does not belong in a webhook contract" in lines
    missing = [line for line in lines if "is missing" in line]
    assert {m.split("`")[1] for m in missing} >= {"signature", "unauthorized", "invalid_json", "not_found"}
    assert not any("does not match" in line or "'" in line.split(": ", 2)[-1] for line in lines), lines


@pytest.mark.parametrize("source, old, new, field, words", [
    ("orders.yaml", "other_methods: [GET, PUT, DELETE, PATCH]", "other_methods: [GET, POST]", "other_methods",
     "POST is the route's own method"),
    ("orders.yaml", "  status: [202]", "  status: [204]", "accepted.status",
     "204 carries no body, but resource_id /orderId must be in it"),
    ("starters/webhook-github.yaml", "error_code: /error\n", "", "situations.unauthorized",
     "gives a code, but the contract has no error_code"),
    ("starters/webhook-github.yaml", "acknowledgement: {body: any}", "acknowledgement: {body: json}",
     "situations.accepted", "204 carries no body, but acknowledgement.body says json"),
    ("orders.yaml", "  unauthorized: {status: 401, code: unauthorized}\n", "", "auth", "no unauthorized answer"),
    ("orders.yaml", 'customer: {email: "{pii}"}}\n  - {amount: 1200',
     'customer: {email: ana@example.com}}\n  - {amount: 1200',
     "personal_data", 'must hold "{pii}" in valid_bodies[0]'),
])
def test_a_contract_that_contradicts_itself_is_refused(tmp_path, source, old, new, field, words):
    text = (ROOT / "conformance/contracts" / source).read_text()
    assert old in text
    problems = _problems(write(tmp_path / "c.yaml", text.replace(old, new, 1)))
    assert any(p.field == field and words in p.message for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize("preset", ["github", "stripe", "standard-webhooks", "slack", "shopify"])
def test_contract_new_writes_a_sound_starting_file(cli, tmp_path, preset):
    out = tmp_path / f"{preset}.yaml"
    code, _, err = cli("contract", "new", "--kind", "webhook", "--preset", preset, "--out", out)
    assert code == 0, err
    code, _, err = cli("contract", "check", out)
    assert code == 0 and "a sound webhook contract" in err
    contract = load_contract(out)
    assert contract.kind == "webhook" and contract.signature.preset == preset and contract.effects is not None
    code, _, err = cli("contract", "new", "--kind", "webhook", "--preset", preset, "--out", out)
    assert code == 2 and "never overwrites" in err


def test_contract_new_needs_a_preset_for_a_webhook_and_check_exits_1_on_problems(cli, tmp_path):
    code, _, err = cli("contract", "new", "--kind", "webhook")
    assert code == 2 and "--preset" in err
    bad = write(tmp_path / "c.yaml", "name: x\n")
    code, out, _ = cli("contract", "check", bad)
    assert code == 1 and out.count(str(bad)) >= 5  # every missing key, one line each


def test_a_key_in_the_body_is_written_fresh_by_the_suite(tmp_path):
    text = (ROOT / "conformance/contracts/orders.yaml").read_text()
    text = text.replace("key_header: Idempotency-Key", "key: {pointer: /requestId}")
    text = text.replace("valid_bodies:\n  - {amount: 32.5,", "valid_bodies:\n  - {requestId: x, amount: 32.5,")
    text = text.replace("  - {amount: 1200,", "  - {requestId: x, amount: 1200,")
    contract = load_contract(write(tmp_path / "c.yaml", text))
    assert contract.key.pointer == "/requestId" and contract.key_header is None
    from fnproof.conformance.checks.context import CheckContext
    from fnproof.conformance.http import Canaries

    ctx = CheckContext(contract, None, Canaries.fresh(), "x")  # type: ignore[arg-type]
    first, second = ctx.request(), ctx.request()
    import json

    ids = {json.loads(r.body)["requestId"] for r in (first, second)}
    assert len(ids) == 2 and "x" not in ids
    assert "requestId" not in json.loads(ctx.request(key=None).body)


def test_a_webhook_contract_loads_its_preset():
    contract = load_contract(STARTERS / "webhook-stripe.yaml")
    assert (contract.kind, contract.key.pointer, contract.signature.layout) == ("webhook", "/id", "stripe")
    scheme = contract.signature
    assert scheme.tolerance_s == 300 and scheme.several and not scheme.rejects_future
    assert contract.effects.attribute == "event_id" and contract.tables() == {"EVENTS_TABLE": "pk"}
