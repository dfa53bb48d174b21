"""Shared helpers for the kit's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fnproof.cli import main
from fnproof.core.paths import cache_dir

# pytester moves HOME for inner runs; keep one npm cache for the whole test session.
os.environ.setdefault("FNPROOF_CACHE_DIR", str(cache_dir()))

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def cli(capsys):
    """Run `fnproof ...` in-process; returns (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _runtime_tests_are_marked(request, monkeypatch):
    """A test without the `runtime` mark may start no runtime, store or install, so that
    `pytest -m "not runtime"` stays the seconds-long loop; forgetting the mark fails here."""
    if request.node.get_closest_marker("runtime"):
        return
    from fnproof.conformance.runtimes import process_env
    from fnproof.conformance.services import dynamodb, node_packages, python_env

    def refuse(*args, **kwargs):
        raise AssertionError("this test starts a runtime, a store or an install: mark it @pytest.mark.runtime")

    monkeypatch.setattr(process_env.ProcessEnvironment, "start", refuse)
    monkeypatch.setattr(dynamodb.LocalDynamoDB, "start", refuse)
    monkeypatch.setattr(node_packages, "build_once", refuse)
    monkeypatch.setattr(python_env, "build_once", refuse)
