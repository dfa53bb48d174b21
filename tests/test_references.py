"""Each reference handler's own test suite passes: the references are the kit's proof that
it passes correct code, and the peers `bench/` measures the kit against, so they stay green."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.runtime  # runs the references' own suites (Node, pytest)

NODE_SUITES = sorted(p.parent for p in ROOT.glob("reference/**/package.json") if "node_modules" not in p.parts)
PYTHON_SUITES = sorted(p.parent for p in ROOT.glob("reference/**/tests") if p.is_dir())


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize("folder", NODE_SUITES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_node_reference_suite_passes(folder: Path):
    done = subprocess.run(["node", "--test"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("folder", PYTHON_SUITES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_reference_suite_passes(folder: Path):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def test_every_reference_has_its_own_suite():
    folders = {p.parent for p in ROOT.glob("reference/**/README.md")}
    assert folders == set(NODE_SUITES) | set(PYTHON_SUITES)
