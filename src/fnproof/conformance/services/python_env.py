"""A venv holding only what the Lambda Python runtime provides (boto3, pinned), made once.

Handlers must fail here as they would on Lambda when they import something Lambda lacks;
run with the kit's own interpreter they could import yaml, moto or fnproof itself. Built
once, like the npm installs, by services/cache_build.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
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


def version_of(python: str) -> str | None:
    """The full version (3.12.1) of an interpreter, or None when it does not run."""
    if python == sys.executable:
        return sys.version.split()[0]
    try:
        done = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                              text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def find_python(minor: str) -> str | None:
    """An interpreter of `minor` (3.12) on this machine: on PATH, else a pyenv build. None if there is none.

    pyenv's shims answer only for the active version, so its builds are looked up directly.
    """
    if f"{sys.version_info.major}.{sys.version_info.minor}" == minor:
        return sys.executable
    candidates = []
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        builds = [p for p in pyenv.iterdir() if re.fullmatch(re.escape(minor) + r"\.\d+", p.name)]
        for build in sorted(builds, key=lambda p: int(p.name.rsplit(".", 1)[1]), reverse=True):
            candidates.append(str(build / "bin" / f"python{minor}"))
    on_path = shutil.which(f"python{minor}")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        found = version_of(candidate)
        if found and found.startswith(minor + "."):
            return candidate
    return None


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
