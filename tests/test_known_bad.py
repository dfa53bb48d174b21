"""The suite proves itself: every known-bad handler fails exactly the checks it declares,
the references pass everything, and together the corpus shows every check of every kind
can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from fnproof.conformance.checks.registry import all_checks
from fnproof.conformance.runner import check_target
from fnproof.core.contract import KINDS, load_contract
from fnproof.core.datafile import load_yaml

pytestmark = pytest.mark.runtime  # every test here starts real runtimes

CORPUS = sorted((ROOT / "conformance/known-bad").glob("*/known-bad.yaml"))
STARTERS = ROOT / "conformance/contracts/starters"
# (target, runtime, contract): the known-good handlers, each with the contract it is written for.
REFERENCES = {
    "lambda-node": (ROOT / "reference/lambda-node/index.mjs", "lambda-node", None),
    "lambda-python": (ROOT / "reference/lambda-python/handler.py", "lambda-python", None),
    "workers": (ROOT / "reference/workers", "workers", None),
    "github-lambda-node": (ROOT / "reference/webhooks/github/index.mjs", "lambda-node",
                           STARTERS / "webhook-github.yaml"),
    "stripe-lambda-python": (ROOT / "reference/webhooks/stripe/handler.py", "lambda-python",
                             STARTERS / "webhook-stripe.yaml"),
    "standard-webhooks-workers": (ROOT / "reference/webhooks/standard-webhooks", "workers",
                                  STARTERS / "webhook-standard-webhooks.yaml"),
    "sqs-lambda-node": (ROOT / "reference/sqs/node/index.mjs", "lambda-node", STARTERS / "sqs.yaml"),
    "sqs-lambda-python": (ROOT / "reference/sqs/python/handler.py", "lambda-python", STARTERS / "sqs.yaml"),
    "s3-import-lambda-node": (ROOT / "reference/s3-import/node/index.mjs", "lambda-node", STARTERS / "s3-import.yaml"),
    "s3-import-lambda-python": (ROOT / "reference/s3-import/python/handler.py", "lambda-python",
                                STARTERS / "s3-import.yaml"),
}


def declared(path: Path) -> dict:
    return load_yaml(path, "known-bad.schema.json")


def contract_of(spec: dict) -> Path | None:
    return ROOT / spec["contract"] if "contract" in spec else None


def kind_of(spec: dict) -> str:
    return load_contract(contract_of(spec)).kind


def verdicts(target: Path, runtime: str, profile: str = "production", contract: Path | None = None) -> dict[str, str]:
    report = check_target(str(target), runtime=runtime, profile=profile, contract_path=contract)
    return {r.id: f"{r.outcome}: {r.message.splitlines()[0] if r.message else ''}" for r in report.results}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_passes_the_production_profile(name):
    target, runtime, contract = REFERENCES[name]
    results = verdicts(target, runtime, contract=contract)
    assert {k: v for k, v in results.items() if not v.startswith(("passed", "skipped"))} == {}


@pytest.mark.parametrize("manifest", CORPUS, ids=lambda p: p.parent.name)
def test_known_bad_fails_exactly_what_it_declares(manifest):
    spec = declared(manifest)
    results = verdicts(manifest.parent / spec["entry"], spec["runtime"], spec.get("profile", "production"),
                       contract_of(spec))
    failed = {k for k, v in results.items() if v.startswith(("failed", "error"))}
    assert sorted(failed) == sorted(spec["fails"]), {k: results[k] for k in failed ^ set(spec["fails"])}


def test_declarations_name_real_checks_of_their_kind():
    for manifest in CORPUS:
        spec = declared(manifest)
        known = {check.id for check in all_checks(kind_of(spec))}
        assert set(spec["fails"]) <= known, manifest


@pytest.mark.parametrize("kind", KINDS)
def test_every_check_is_shown_to_fail_by_some_known_bad_handler(kind):
    covered = {check for manifest in CORPUS for check in declared(manifest)["fails"]
               if kind_of(declared(manifest)) == kind}
    assert sorted({spec.id for spec in all_checks(kind)} - covered) == []


def test_the_corpus_is_big_enough():
    node = [m for m in CORPUS if declared(m)["runtime"] == "lambda-node" and "contract" not in declared(m)]
    assert len(node) >= 12
    receivers = [m for m in CORPUS if kind_of(declared(m)) == "webhook"]
    assert len(receivers) >= 15
    consumers = [declared(m)["runtime"] for m in CORPUS if kind_of(declared(m)) == "sqs"]
    assert consumers.count("lambda-node") >= 5 and consumers.count("lambda-python") >= 5
    importers = [declared(m)["runtime"] for m in CORPUS if kind_of(declared(m)) == "s3-import"]
    assert importers.count("lambda-node") >= 3 and importers.count("lambda-python") >= 3
