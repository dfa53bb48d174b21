"""Lockfile-pinned npm installs into the user cache, made once and shared by every run.

Handlers import the AWS SDK as the Lambda runtime provides it, Workers need miniflare, every
Node runtime needs its pinned Node.js, and TypeScript needs esbuild; none should be the
user's job. services/cache_build.py makes each install exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from fnproof.conformance.services.cache_build import build_once
from fnproof.core import defaults
from fnproof.core.errors import SetupError
from fnproof.core.paths import cache_dir


def ensure_installed(package_dir: Path, label: str, *, ignore_scripts: bool = False) -> Path:
    """Return a folder holding `node_modules` for the package.json + lock in package_dir.

    `ignore_scripts` for packages known to need none (the Node binaries): nothing runs at install.
    """
    digest = hashlib.sha256((package_dir / "package-lock.json").read_bytes()).hexdigest()[:16]

    def install(staging: Path) -> None:
        npm = shutil.which("npm")
        if not npm:
            raise SetupError(f"npm is not on PATH; it is needed once to install {label}")
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(package_dir / name, staging / name)
        argv = [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"]
        done = subprocess.run(argv + (["--ignore-scripts"] if ignore_scripts else []), cwd=staging,
                              capture_output=True, text=True)
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split())[-300:]
            raise SetupError(f"npm ci for {label} failed: {tail}")

    name = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["name"]
    return build_once(cache_dir() / f"{name}-{digest}", digest, f"installing {label}", install)


def node_dir_on_path(node: str) -> str:
    """A PATH for a sandboxed process: the system folders, and the folder of this Node binary."""
    return os.path.dirname(node) + ":" + defaults.SYSTEM_PATH
