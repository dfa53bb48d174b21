"""Build a cache folder once: in a staging folder, under a file lock, renamed into place.

npm installs and the Lambda Python venv are both made on first use and shared by every
run; parallel runs (pytest-xdist, a CI matrix) must never see half of one.
"""

from __future__ import annotations

import fcntl
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def build_once(target: Path, stamp: str, announce: str, build: Callable[[Path], None]) -> Path:
    """Return `target`, first running `build(staging)` if no complete copy exists.

    `build` raises (SetupError) on failure; the staging folder is then removed.
    """
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        print(f"fnproof: {announce} in {target} (first run only)...", file=sys.stderr, flush=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            build(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        (staging / ".complete").write_text(stamp)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target
