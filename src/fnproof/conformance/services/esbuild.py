"""esbuild, pinned, for TypeScript handlers and Workers: one bundle per run, with a source map.

Lambda runs JavaScript and workerd runs JavaScript; a TypeScript function reaches either
only through a build, so the kit does the build a deployment would (bundled, its own npm
dependencies inside) and keeps a source map so errors point at `.ts` lines. The native
binary from esbuild's platform package is run directly (no Node start-up, ~50 ms a build);
install scripts are not needed for that and are not run. Which flags a platform needs is
the runtime's business; this module only runs the binary and turns its first error into a
`file:line` usage error.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fnproof.conformance.services.node_packages import ensure_installed
from fnproof.core.errors import SetupError, UsageError

PACKAGE = Path(__file__).resolve().parent / "esbuild"
LABEL = "esbuild (TypeScript builds)"
PINNED = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["dependencies"]["esbuild"]
_WHERE = re.compile(r"^\s+(\S.*?):(\d+):(\d+):\s*$")


def install_root() -> Path:
    """The folder holding esbuild's node_modules (for its JS API, which some builds need)."""
    return ensure_installed(PACKAGE, LABEL, ignore_scripts=True)


def esbuild_binary() -> Path:
    root = install_root()
    found = sorted((root / "node_modules" / "@esbuild").glob("*/bin/esbuild"))
    if not found:
        raise SetupError(f"esbuild has no native binary for this machine in {root}/node_modules/@esbuild")
    return found[0]


def build(entry: Path, outfile: Path, flags: Sequence[str], *, cwd: Path) -> Path:
    """Bundle `entry` into `outfile` (+ `.map`); a compile error is a UsageError at its file:line."""
    outfile.parent.mkdir(parents=True, exist_ok=True)
    argv = [str(esbuild_binary()), str(entry), "--bundle", f"--outfile={outfile}", "--sourcemap=linked",
            "--log-level=error", "--color=false", "--log-limit=1", *flags]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not outfile.is_file():
        raise _compile_error(done.stderr or done.stdout, entry, cwd)
    return outfile


def _compile_error(text: str, entry: Path, cwd: Path) -> UsageError:
    lines = [line for line in text.splitlines() if line.strip()]
    message = next((line.split("[ERROR]", 1)[1].strip() for line in lines if "[ERROR]" in line),
                   lines[0].strip() if lines else "esbuild failed")
    for line in lines:
        match = _WHERE.match(line)
        if match:
            path = Path(match.group(1))
            where = path if path.is_absolute() else cwd / path
            return UsageError(f"TypeScript build failed: {message}", where=f"{where}:{match.group(2)}")
    return UsageError(f"TypeScript build failed: {message}", where=str(entry))
