"""--sandbox auto|require|off: what each does when the preflight fails, and what reports say."""

from __future__ import annotations

from pathlib import Path

import pytest

from fnproof.conformance.containment import sandbox
from fnproof.core.errors import UsageError


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox, "preflight", lambda: sandbox.Preflight(False, "bwrap (bubblewrap) is not installed"))


def test_require_without_a_sandbox_is_a_usage_error(no_bwrap):
    with pytest.raises(UsageError, match="--sandbox require: the sandbox is not available .*apt-get install"):
        sandbox.for_run("require")


def test_auto_without_a_sandbox_runs_and_says_what_is_not_isolated_and_how(no_bwrap):
    box, isolation = sandbox.for_run("auto")
    assert box is None and isolation.level == "none"
    line = isolation.line()
    assert "\n" not in line and "bwrap (bubblewrap) is not installed" in line
    assert "see /proc" in line and "apt-get install bubblewrap" in line and "user namespaces" in line


def test_off_is_stated(no_bwrap):
    box, isolation = sandbox.for_run("off")
    assert box is None and isolation.as_json() == {"level": "none", "mode": "off",
                                                   "detail": "--sandbox off: " + sandbox.NOT_ISOLATED}


def test_binds_skip_what_a_system_folder_or_another_bind_covers(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    paths = [tmp_path / "a" / "b", tmp_path / "a", tmp_path / "missing", Path("/usr/lib")]
    kept = sandbox._outermost(paths, skip=sandbox.SYSTEM_DIRS)
    assert kept == [tmp_path / "a"]
