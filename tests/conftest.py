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
