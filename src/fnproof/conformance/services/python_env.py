"""A venv holding only what the Lambda Python runtime provides (boto3, pinned), made once.

Handlers must fail here as they would on Lambda when they import something Lambda lacks;
run with the kit's own interpreter they could import yaml, moto or fnproof itself. Built
once, like the npm installs, by services/cache_build.py.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from fnproof.conformance.services.cache_build import build_once
from fnproof.core.errors import SetupError
from fnproof.core.paths import cache_dir


def _minor_version(python: str) -> str:
    if python == sys.executable:  # the common case: no subprocess on every run
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
    if version.returncode != 0:
        raise SetupError(f"cannot run the Python interpreter {python}")
    return version.stdout.strip()


def ensure_lambda_python(requirements: Path, base_python: str | None = None) -> str:
    """Return the venv's interpreter, building the venv on first use."""
    base = base_python or sys.executable
    digest = hashlib.sha256(requirements.read_bytes() + base.encode()).hexdigest()[:16]

    def build(staging: Path) -> None:
        steps = ([base, "-m", "venv", str(staging)],
                 [str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--no-input", "-r", str(requirements)])
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode != 0:
                tail = " ".join((done.stderr or done.stdout).split())[-300:]
                raise SetupError(f"building the Lambda Python environment failed: {tail}")

    target = cache_dir() / f"lambda-python{_minor_version(base)}-{digest}"
    built = build_once(target, digest, "building the Lambda Python environment (boto3)", build)
    return str(built / "bin" / "python")
