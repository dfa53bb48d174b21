"""The Claude Code Stop hook `fnproof init` installs: run `fnproof check`, block while it fails.

Claude Code runs the hook when the assistant is about to stop and passes a JSON payload on
stdin (`session_id`, `cwd`, `stop_hook_active`). Exit 2 with the failures on stderr makes
it carry on with that text as its next instruction; exit 0 lets it stop. So:

- no handler at the target yet: exit 0 (the session is about something else);
- the suite passes: exit 0;
- the suite fails (or cannot run the handler): exit 2 with the report, so Claude fixes it;
- after `max_rounds` blocks in a row within one stop sequence (`stop_hook_active` set by
  Claude Code while it continues because of us): exit 1, a notice for the person, so a
  handler that cannot be fixed never loops forever.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fnproof.conformance.runtimes.registry import split_export
from fnproof.prompts.catalog import render_fragment

MAX_OUTPUT_CHARS = 12_000
CheckRunner = Callable[[list[str], Path], tuple[int, str]]


def run_check(argv: list[str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "fnproof", *argv], cwd=cwd, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr)


def _state_file(state_dir: Path, session: str) -> Path:
    name = hashlib.sha256(session.encode()).hexdigest()[:16]
    return state_dir / f"stop-{name}.rounds"


def stop(payload: dict[str, Any], *, target: str, profile: str, max_rounds: int, contract: str | None = None,
         state_dir: Path | None = None, check: CheckRunner = run_check) -> tuple[int, str]:
    """(exit code, text for stderr)."""
    base = Path(os.environ.get("CLAUDE_PROJECT_DIR") or payload.get("cwd") or ".")
    path, _ = split_export(target)
    if not (path if path.is_absolute() else base / path).exists():
        return 0, ""
    state_dir = state_dir or Path(tempfile.gettempdir()) / "fnproof-hooks"
    state = _state_file(state_dir, str(payload.get("session_id") or "no-session"))
    rounds = 0
    if payload.get("stop_hook_active"):
        try:
            rounds = int(state.read_text())
        except (OSError, ValueError):
            rounds = 0
    argv = ["check", target, *(["--contract", contract] if contract else []), "--profile", profile]
    code, output = check(argv, base)
    if code == 0:
        state.unlink(missing_ok=True)
        return 0, ""
    rounds += 1
    if rounds > max_rounds:
        state.unlink(missing_ok=True)
        shown = f"fnproof check {target}" + (f" --contract {contract}" if contract else "")
        return 1, (f"fnproof: `{shown}` still fails after {max_rounds} rounds; stopping so a person can "
                   "look. Run it yourself to see the report.")
    state_dir.mkdir(parents=True, exist_ok=True)
    state.write_text(str(rounds))
    if len(output) > MAX_OUTPUT_CHARS:
        output = "[... earlier output cut ...]\n" + output[-MAX_OUTPUT_CHARS:]
    instruction = render_fragment("stop-hook-feedback", {"target": target, "profile": profile, "round": str(rounds),
                                                         "max_rounds": str(max_rounds), "contract": contract or "none"})
    return 2, f"{instruction.rstrip()}\n\n{output.rstrip()}\n"
