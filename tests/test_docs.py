"""The docs say what the code does: the check catalogue and the contract format pages match
the registry and the schema."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import all_checks
from fnproof.core.contract import KINDS


def catalogue(kind: str) -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    section = text.split(f"## Kind `{kind}`", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \| (seed|standard|production) \|", section, flags=re.M)


@pytest.mark.parametrize("kind", KINDS)
def test_the_check_catalogue_lists_every_check_of_each_kind_in_order(kind):
    assert catalogue(kind) == [(spec.id, spec.profile) for spec in all_checks(kind)]


def test_the_contract_page_names_every_key_of_the_schema():
    schema = json.loads((ROOT / "conformance/schemas/contract.schema.json").read_text())
    page = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", page))
    assert set(schema["properties"]) - documented == set()
    assert set(schema["properties"]["situations"]["properties"]) - documented == set()
    assert set(schema["properties"]["signature"]["properties"]) - documented == set()


def test_every_preset_is_in_the_contract_page():
    presets = set(re.findall(r"^([a-z-]+):$", (ROOT / "conformance/signatures.yaml").read_text(), flags=re.M))
    page = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert presets and all(f"| `{p}` |" in page for p in presets)
