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
    assert [r.id for r in own.results if r.outcome != "passed"] == []
    default = check_target(handler, profile="seed")
    assert {r.id for r in default.results if r.outcome == "failed"} == {r.id for r in default.results}
