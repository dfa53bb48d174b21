"""A venv holding only what the Lambda Python runtime provides (boto3, pinned), made once.

Handlers must fail here as they would on Lambda when they import something Lambda lacks;
run with the kit's own interpreter they could import yaml, moto or fnproof itself. The venv
is built in a temporary folder and renamed into place under a file lock, like the npm
installs, so parallel runs never see half of it.
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


def ensure_lambda_python(requirements: Path, base_python: str | None = None) -> str:
    """Return the venv's interpreter, building the venv on first use."""
    base = base_python or sys.executable
    version = subprocess.run([base, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
    if version.returncode != 0:
        raise SetupError(f"cannot run the Python interpreter {base}")
    digest = hashlib.sha256(requirements.read_bytes() + base.encode()).hexdigest()[:16]
    target = cache_dir() / f"lambda-python{version.stdout.strip()}-{digest}"
    python = target / "bin" / "python"
    if (target / ".complete").exists():
        return str(python)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return str(python)
        print(f"fnproof: building the Lambda Python environment (boto3) in {target} (first run only)...",
              file=sys.stderr, flush=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        steps = ([base, "-m", "venv", str(staging)],
                 [str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--no-input", "-r", str(requirements)])
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                tail = " ".join((done.stderr or done.stdout).split())[-300:]
                raise SetupError(f"building the Lambda Python environment failed: {tail}")
        (staging / ".complete").write_text(digest)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return str(python)
