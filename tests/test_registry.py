"""The check catalogue: stable ids, nesting profiles, one registration per id and kind, and
docs that say what the registry holds."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import PROFILES, all_checks, check, select
from fnproof.core.contract import KINDS
from fnproof.core.errors import UsageError


def contract_section(title: str, end: str) -> str:
    spec = ROOT.parent / "shared" / "CONTRACT.md"
    if not spec.exists():
        pytest.skip("CONTRACT.md not beside the repo")
    return spec.read_text().split(title)[1].split(end)[0]


def ids_in(section: str) -> list[str]:
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M)


def readme_profiles() -> dict[str, dict[str, list[str]]]:
    """The README's profile tables, one per kind: each profile's own checks, in order (written by hand)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Profiles and checks", 1)[1].split("\n### ", 1)[0]
    tables = {}
    pattern = r"Kind `([a-z0-9-]+)`[^\n]*\n\n\| profile \| checks \|\n\|---\|---\|\n((?:\|.*\|\n)+)"
    for kind, table in re.findall(pattern, section):
        rows = re.findall(r"^\| (\w+) \| (.+) \|$", table, flags=re.M)
        tables[kind] = {profile: re.findall(r"`([a-z0-9-]+)`", cell) for profile, cell in rows}
    return tables


def subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(item in it for item in short)


def test_the_specified_catalogues_are_in_the_registry_in_order():
    """CONTRACT.md §3 and §5 (written ahead of the code) are kept, in their order; what the code
    added beyond them is in the README's tables (the next test)."""
    http = ids_in(contract_section("## 3. Checks", "## 4."))
    assert subsequence(http, [spec.id for spec in all_checks("http-idempotent")])
    section = contract_section("## 5. Kind `webhook`", "## 6.")
    webhook = ids_in(section)
    shared = re.findall(r"`([a-z0-9-]+)`", section.split("| shared |", 1)[1].split("\n", 1)[0])
    # Beyond §5: an unreachable store, and well-formed events the contract calls invalid (issue 9).
    assert {spec.id for spec in all_checks("webhook")} - (set(webhook) | set(shared)) == {"store-unavailable",
                                                                                        "invalid-order-400"}
    assert set(webhook) | set(shared) <= {spec.id for spec in all_checks("webhook")}


@pytest.mark.parametrize("kind", KINDS)
def test_registry_matches_the_readme_in_order(kind):
    """The README's table of each kind lists its checks in catalogue order, under their profiles."""
    documented = readme_profiles()[kind]
    assert list(documented) == list(PROFILES)
    catalogue = all_checks(kind)
    for profile in PROFILES:
        assert documented[profile] == [spec.id for spec in catalogue if spec.profile == profile], profile


def test_every_kind_has_a_table_in_the_readme():
    assert sorted(readme_profiles()) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_profiles_nest(kind):
    seed, standard, production = (select(p, kind=kind) for p in PROFILES)
    assert set(s.id for s in seed) < set(s.id for s in standard) < set(s.id for s in production)
    documented = readme_profiles()[kind]
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
    with pytest.raises(UsageError, match=r"'signature-required' \(a check of another kind of contract\)"):
        select("seed", ["signature-required"], kind="http-idempotent")


def test_a_second_registration_of_an_id_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        check("missing-key-400", profile="seed")(lambda ctx: None)


def test_one_id_may_name_checks_of_different_kinds():
    """redelivery-after-cold-start means the same for every kind that has it; each kind its own function."""
    kinds = [spec.kinds for spec in all_checks() if spec.id == "invalid-json-separation"]
    assert kinds == [frozenset({"http-idempotent", "webhook"})]
    kinds = [spec.kinds for spec in all_checks() if spec.id == "survives-bad-input"]
    assert sorted(map(sorted, kinds)) == [["http-idempotent", "webhook"], ["sqs"]]
    with pytest.raises(ValueError, match="registered twice"):
        check("delivery-accepted", profile="seed", kinds=["webhook"])(lambda ctx: None)


def test_a_check_needing_an_unknown_capability_or_kind_is_refused_at_registration():
    with pytest.raises(ValueError, match="unknown capability 'enviroments'"):
        check("a-new-check", profile="seed", needs=["enviroments"])(lambda ctx: None)
    with pytest.raises(ValueError, match="unknown kind 'web-hook'"):
        check("a-new-check", profile="seed", kinds=["web-hook"])(lambda ctx: None)
    assert "a-new-check" not in {spec.id for spec in all_checks()}
