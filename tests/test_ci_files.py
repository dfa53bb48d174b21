"""The CI files the kit writes pass actionlint and zizmor with no findings, and use the kit's action."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> list[Path]:
    """What `init` writes for CI, with the default contract and with a user's one."""
    from fnproof.cli import main

    plain, own = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("own")
    assert main(["init", str(plain), "--only", "ci"]) == 0
    contract = write(own / "contracts" / "mine.yaml", (ROOT / "conformance/contracts/orders.yaml").read_text())
    assert main(["init", str(own), "--only", "ci", "--contract", str(contract), "--target", "fn/app.py",
                 "--runtime", "lambda-python"]) == 0
    return [plain, own]


def test_actionlint_finds_nothing(written):
    files = [str(repo / ".github/workflows/fnproof.yml") for repo in written]
    done = subprocess.run([_tool("actionlint"), "-no-color", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing(written):
    paths = [str(repo / ".github") for repo in written] + [str(ROOT / "action.yml")]
    done = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", *paths], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # The one finding waived, in the file with its reason: `./` for an action in the same repository.
    texts = [p.read_text() for repo in written for p in (repo / ".github").rglob("*.yml")]
    waived = [line for text in texts for line in text.splitlines() if "zizmor: ignore" in line]
    assert all(line.strip() == "- uses: ./.github/actions/fnproof # zizmor: ignore[self-repository]" for line in waived)


def test_the_workflow_uses_the_action_with_what_the_issue_asks(written):
    workflow = yaml.safe_load((written[1] / ".github/workflows/fnproof.yml").read_text())
    steps = workflow["jobs"]["conformance"]["steps"]
    assert steps[0]["with"]["persist-credentials"] is False and workflow["concurrency"]["group"]
    assert steps[1]["uses"] == "./.github/actions/fnproof"
    assert steps[1]["with"]["target"] == "fn/app.py" and steps[1]["with"]["contract"] == "contracts/mine.yaml"
    action = yaml.safe_load((written[1] / ".github/actions/fnproof/action.yml").read_text())
    assert action == yaml.safe_load((ROOT / "action.yml").read_text())  # the kit's own action, copied
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert all("@" in u and len(u.split("@")[1].split()[0]) == 40 for u in uses), uses
    assert any(u.startswith("actions/cache@") for u in uses)
    text = (ROOT / "action.yml").read_text()
    assert "bubblewrap" in text and "apparmor_parser" in text and "--format github" in text
    checklist = next(s for s in action["runs"]["steps"] if s.get("name") == "Checklist in the job summary")
    assert "steps.check.outputs.report != ''" in checklist["if"]
