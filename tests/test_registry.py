"""The check catalogue: stable ids, nesting profiles, one registration per id, and docs that
say what the registry holds."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import PROFILES, all_checks, check, select
from fnproof.core.errors import UsageError


def contract_catalogue() -> list[str]:
    """The ids of CONTRACT.md §3, the specification beside the repository."""
    spec = ROOT.parent / "shared" / "CONTRACT.md"
    if not spec.exists():
        pytest.skip("CONTRACT.md not beside the repo")
    section = spec.read_text().split("## 3. Checks")[1].split("## 4.")[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M)


def readme_profiles() -> dict[str, list[str]]:
    """The README's profile table: each profile's own checks, in order (written by hand)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| profile | checks |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \| (.+) \|$", table, flags=re.M)
    return {profile: re.findall(r"`([a-z0-9-]+)`", cell) for profile, cell in rows}


def test_registry_matches_the_specified_catalogue_in_order():
    assert [spec.id for spec in all_checks()] == contract_catalogue()


def test_registry_matches_the_readme_in_order():
    """The fallback where CONTRACT.md is not beside the clone: the README's table, in catalogue order."""
    documented = readme_profiles()
    assert list(documented) == list(PROFILES)
    assert [cid for profile in PROFILES for cid in documented[profile]] == [spec.id for spec in all_checks()]
    for profile in PROFILES:
        assert {spec.id for spec in all_checks() if spec.profile == profile} == set(documented[profile])


def test_profiles_nest():
    seed, standard, production = (select(p) for p in ("seed", "standard", "production"))
    assert set(s.id for s in seed) < set(s.id for s in standard) < set(s.id for s in production)
    documented = readme_profiles()
    sizes = [sum(len(documented[p]) for p in PROFILES[: i + 1]) for i in range(len(PROFILES))]
    assert (len(seed), len(standard), len(production)) == tuple(sizes)


def test_the_counts_in_the_docs_are_the_registrys():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    claude_md = (ROOT / "CLAUDE.md").read_text(encoding="utf-8")
    total, seed = len(select("production")), len(select("seed"))
    assert f"all {total} checks" in readme and f"the {seed} seed checks" in readme
    assert f"passes all {total}" in claude_md
    for text in (readme, claude_md):
        claimed = {int(n) for n in re.findall(r"\ball (\d+)(?: checks)?\b", text)}
        assert claimed <= {total}, claimed


def test_unknown_id_and_profile_are_usage_errors():
    with pytest.raises(UsageError, match="unknown check id 'nope'"):
        select("seed", ["nope"])
    with pytest.raises(UsageError, match="unknown profile"):
        select("gold")


def test_a_second_registration_of_an_id_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        check("missing-key-400", profile="seed")(lambda ctx: None)


def test_a_check_needing_an_unknown_capability_is_refused_at_registration():
    with pytest.raises(ValueError, match="unknown capability 'enviroments'"):
        check("a-new-check", profile="seed", needs=["enviroments"])(lambda ctx: None)
    assert "a-new-check" not in {spec.id for spec in all_checks()}
