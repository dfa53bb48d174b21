"""The suite proves itself: every known-bad handler fails exactly the checks it declares,
the references pass everything, and together the corpus shows every check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import all_checks
from fnproof.conformance.runner import check_target
from fnproof.core.datafile import load_yaml

pytestmark = pytest.mark.runtime  # every test here starts real runtimes

CORPUS = sorted((ROOT / "conformance/known-bad").glob("*/known-bad.yaml"))
REFERENCES = {"lambda-node": ROOT / "reference/lambda-node/index.mjs",
              "lambda-python": ROOT / "reference/lambda-python/handler.py",
              "workers": ROOT / "reference/workers"}


def declared(path: Path) -> dict:
    return load_yaml(path, "known-bad.schema.json")


def verdicts(target: Path, runtime: str, profile: str = "production") -> dict[str, str]:
    report = check_target(str(target), runtime=runtime, profile=profile)
    return {r.id: f"{r.outcome}: {r.message.splitlines()[0] if r.message else ''}" for r in report.results}


@pytest.mark.parametrize("runtime", sorted(REFERENCES))
def test_reference_passes_the_production_profile(runtime):
    results = verdicts(REFERENCES[runtime], runtime)
    assert {k: v for k, v in results.items() if not v.startswith(("passed", "skipped"))} == {}


@pytest.mark.parametrize("manifest", CORPUS, ids=lambda p: p.parent.name)
def test_known_bad_fails_exactly_what_it_declares(manifest):
    spec = declared(manifest)
    results = verdicts(manifest.parent / spec["entry"], spec["runtime"], spec.get("profile", "production"))
    failed = {k for k, v in results.items() if v.startswith(("failed", "error"))}
    assert sorted(failed) == sorted(spec["fails"]), {k: results[k] for k in failed ^ set(spec["fails"])}


def test_declarations_name_real_checks():
    known = {spec.id for spec in all_checks()}
    for manifest in CORPUS:
        assert set(declared(manifest)["fails"]) <= known, manifest


def test_every_check_is_shown_to_fail_by_some_known_bad_handler():
    covered = {check for manifest in CORPUS for check in declared(manifest)["fails"]}
    assert sorted({spec.id for spec in all_checks()} - covered) == []


def test_the_corpus_is_big_enough():
    node = [m for m in CORPUS if declared(m)["runtime"] == "lambda-node"]
    assert len(node) >= 12
