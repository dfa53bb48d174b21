"""Which platform a function targets, read from its own project: no runtime starts here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.conformance.runtimes.aws_lambda import declared
from fnproof.conformance.runtimes.aws_lambda.node import choose_node
from fnproof.conformance.runtimes.workers import pin
from fnproof.conformance.services import node_runtime


@pytest.mark.parametrize(("version", "spec", "expected"), [
    ("24.22.3", ">=22", True), ("22.23.5", ">=24", False), ("24.22.3", "^22.1", False),
    ("22.23.5", "^22.1", True), ("24.2.9", "~24.2", True), ("24.22.3", "~24.2", False),
    ("22.23.5", "22.x", True), ("24.22.3", "24", True), ("24.22.3", "*", True),
    ("24.22.3", ">=20 <25", True), ("24.22.3", ">=20 <24", False), ("22.23.5", "18 || 22", True),
    ("24.22.3", "lts/*", None),
])
def test_engines_ranges(version, spec, expected):
    assert declared.satisfies(version, spec) is expected


def test_the_references_templates_name_current_lambda_runtimes():
    node = declared.template_runtime(ROOT / "reference/lambda-node/index.mjs", "nodejs")
    python = declared.template_runtime(ROOT / "reference/lambda-python/handler.py", "python")
    assert node is not None and node.value == "nodejs24.x" and node.where.endswith("template.yaml:42")
    assert python is not None and python.value.startswith("python3.1")


def test_node_major_comes_from_the_template_then_engines_then_the_default(tmp_path):
    handler = write(tmp_path / "fn/src/index.mjs", "export const handler = async () => 1;\n")
    (tmp_path / "fn/.git").mkdir()
    assert choose_node(handler, None)[0] == node_runtime.DEFAULT_MAJOR
    write(tmp_path / "fn/package.json", '{"engines": {"node": "^22.12"}}')
    major, why = choose_node(handler, None)
    assert major == "22" and "engines.node" in why
    write(tmp_path / "fn/template.yaml", "Resources:\n  F:\n    Properties:\n      Runtime: nodejs24.x\n")
    major, why = choose_node(handler, None)
    assert major == "24" and "template.yaml:4" in why
    write(tmp_path / "fn/template.yaml", "Globals:\n  Function:\n    Runtime: 'nodejs20.x'\n")
    major, why = choose_node(handler, None)
    assert major == "22" and "nodejs20.x" in why and "no longer" in why
    write(tmp_path / "fn/template.yaml", "      Runtime: nodejs26.x\n")
    major, why = choose_node(handler, None)
    assert major == node_runtime.DEFAULT_MAJOR and "newer than the kit installs" in why
    assert choose_node(handler, "system") == ("system", "--node")


def test_a_search_stops_at_the_projects_root(tmp_path):
    write(tmp_path / "template.yaml", "      Runtime: nodejs22.x\n")
    (tmp_path / "repo/.git").mkdir(parents=True)
    handler = write(tmp_path / "repo/index.mjs", "export const handler = 1;\n")
    assert declared.template_runtime(handler, "nodejs") is None


def test_pins_are_read_from_the_lockfiles():
    assert node_runtime.pinned_version("24").startswith("24.")
    assert node_runtime.pinned_version("22").startswith("22.")
    # The seed article's Worker says 2026-06-01; the pinned workerd must run it.
    assert pin.compatibility_date() >= "2026-06-01"
    assert pin.workerd_version().split(".")[1].startswith(pin.compatibility_date().replace("-", "")[:6])


@pytest.mark.parametrize("reference", ["lambda-node", "lambda-python", "sqs/node", "sqs/python",
                                       "s3-import/node", "s3-import/python"])
def test_the_reference_sam_templates_lint_clean_with_no_deprecated_runtime(reference):
    # cfn-lint knows Lambda's runtime lifecycle: a deprecated runtime is warning W2531 (exit code 4).
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is a test dependency: pip install -e '.[test]'"
    done = subprocess.run([cfn_lint, str(ROOT / "reference" / reference / "template.yaml")], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
