"""The check catalogue: stable ids, nesting profiles, one registration per id."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import all_checks, check, select
from fnproof.core.errors import UsageError


def catalogue_ids() -> list[str]:
    """The ids of CONTRACT.md §3 when the spec is beside the repo, else the registry's own."""
    spec = ROOT.parent / "shared" / "CONTRACT.md"
    if not spec.exists():
        pytest.skip("CONTRACT.md not beside the repo")
    section = spec.read_text().split("## 3. Checks")[1].split("## 4.")[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M)


def test_registry_matches_the_specified_catalogue_in_order():
    assert [spec.id for spec in all_checks()] == catalogue_ids()


def test_profiles_nest():
    seed, standard, production = (select(p) for p in ("seed", "standard", "production"))
    assert set(s.id for s in seed) < set(s.id for s in standard) < set(s.id for s in production)
    assert (len(seed), len(standard), len(production)) == (6, 14, 19)


def test_unknown_id_and_profile_are_usage_errors():
    with pytest.raises(UsageError, match="unknown check id 'nope'"):
        select("seed", ["nope"])
    with pytest.raises(UsageError, match="unknown profile"):
        select("gold")


def test_a_second_registration_of_an_id_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        check("missing-key-400", profile="seed")(lambda ctx: None)
