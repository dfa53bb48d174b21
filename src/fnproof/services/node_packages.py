"""Lockfile-pinned npm installs into the user cache, made once and shared by every run.

Handlers import the AWS SDK as the Lambda runtime provides it, and Workers need miniflare;
neither should be the user's job. The install goes to a temporary folder renamed into
place, under a file lock, so parallel runs (pytest-xdist, CI matrix) never see half a tree.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from fnproof.errors import SetupError
from fnproof.paths import cache_dir


def node_binary() -> str:
    node = shutil.which("node")
    if not node:
        raise SetupError("Node.js is not on PATH; install Node.js 20 or newer to check Lambda Node handlers")
    return node


def ensure_installed(package_dir: Path, label: str) -> Path:
    """Return a folder holding `node_modules` for the package.json + lock in package_dir."""
    lock_file = package_dir / "package-lock.json"
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()[:16]
    target = cache_dir() / f"{package_dir.name}-{digest}"
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        npm = shutil.which("npm")
        if not npm:
            raise SetupError(f"npm is not on PATH; it is needed once to install {label}")
        print(f"fnproof: installing {label} into {target} (first run only)...", file=sys.stderr, flush=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(package_dir / name, staging / name)
        done = subprocess.run([npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=staging, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = " ".join((done.stderr or done.stdout).split())[-300:]
            raise SetupError(f"npm ci for {label} failed: {tail}")
        (staging / ".complete").write_text(digest)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target
