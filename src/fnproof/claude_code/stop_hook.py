"""The Claude Code Stop hook: run `fnproof check --quiet`, block with JSON while it fails.

Claude Code runs the hook when the assistant is about to stop and passes a JSON payload on
stdin (`session_id`, `cwd`, `stop_hook_active`). The hook answers on stdout with exit 0:

- no handler at the target: nothing (the session is about something else);
- the handler's folder, the contract, the target and profile hash to the digest of the last
  passing run: one plain line saying the check was skipped (it costs a directory walk, not a
  suite run, so a turn that did not touch the handler stays well under a second);
- the suite passes: nothing, and the digest is recorded;
- the suite fails (or cannot run the handler): `{"decision": "block", "reason": ...}` with the
  failures only, kept under Claude Code's 10,000-character cut so the summary line survives;
- after `max_rounds` blocks in a row within one stop sequence (`stop_hook_active` set by
  Claude Code while it continues because of us): `{"systemMessage": ...}` for the person and
  no block, so a handler that cannot be fixed never loops forever.

The project is the git top level of the payload's `cwd` (a worktree checks its own tree),
then `CLAUDE_PROJECT_DIR`. A kit that is not installed cannot run this module at all; the
shell wrapper `init` and the plugin install (`fnproof-stop.sh`) reports that case.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fnproof import __version__
from fnproof.conformance.runtimes.registry import split_export
from fnproof.core.paths import cache_dir

MAX_OUTPUT_CHARS = 9_500  # the whole JSON line; Claude Code cuts hook output at 10,000
# Folders whose content does not decide a verdict, or is rebuilt from files that do.
UNHASHED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".aws-sam", ".wrangler", ".venv", ".pytest_cache"})
CheckRunner = Callable[[list[str], Path], tuple[int, str]]


def run_check(argv: list[str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "fnproof", *argv], cwd=cwd, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr)


def project_root(payload: dict[str, Any]) -> Path:
    """The git top level of the payload's cwd, else that cwd, else CLAUDE_PROJECT_DIR, else `.`."""
    cwd = payload.get("cwd")
    if not isinstance(cwd, str) or not cwd:
        return Path(os.environ.get("CLAUDE_PROJECT_DIR") or ".")
    try:
        done = subprocess.run(["git", "-C", cwd, "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return Path(cwd)
    top = done.stdout.strip()
    return Path(top) if done.returncode == 0 and top else Path(cwd)


def _files(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in UNHASHED_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


def inputs_digest(base: Path, target: str, profile: str, contract: str | None, *,
                  state_dir: Path | None = None) -> str:
    """What decides the verdict: the project's files, the contract, the options and the kit's version.

    The handler's folder and the contract are hashed by content. The rest of the project is
    hashed by name, size and modification time: a handler imports `../lib/`, and a SAM
    template above it picks the runtime, so an edit anywhere must end a skip, while reading
    every file of a large repository at every turn would make the cheap path slow.
    """
    path, _ = split_export(target)
    handler = path if path.is_absolute() else base / path
    folder = handler if handler.is_dir() else handler.parent
    digest = hashlib.sha256(json.dumps([__version__, target, profile, contract]).encode())
    by_content = list(_files(folder))
    if contract:
        by_content.append(base / contract)
    for file in by_content:
        digest.update(os.fsencode(file.relative_to(base) if file.is_relative_to(base) else file) + b"\0")
        try:
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    hashed = set(by_content)
    for file in _files(base):
        if file in hashed or (state_dir is not None and file.is_relative_to(state_dir)):
            continue  # the hook's own records are not an input
        try:
            seen = file.lstat()
        except OSError:
            continue
        digest.update(f"{file.relative_to(base)}\0{seen.st_size}\0{seen.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _bounded(instruction: str, report: str) -> str:
    """The block decision as one JSON line under MAX_OUTPUT_CHARS, cutting the report's middle."""
    lines = report.rstrip().splitlines()
    tail = lines[-1] if lines else ""

    def line(body: str) -> str:
        return json.dumps({"decision": "block", "reason": f"{instruction.rstrip()}\n\n{body}\n"})

    out = line(report.rstrip())
    keep = len(report)
    while len(out) > MAX_OUTPUT_CHARS and keep > 0:
        keep = max(0, keep - (len(out) - MAX_OUTPUT_CHARS) - 200)
        cut = f"[... the rest of the report is cut; run the command above to see it all ...]\n{tail}"
        out = line(report[:keep].rstrip() + "\n" + cut)
    return out


def stop(payload: dict[str, Any], *, target: str, profile: str, max_rounds: int, contract: str | None = None,
         state_dir: Path | None = None, check: CheckRunner = run_check) -> tuple[int, str]:
    """(exit code, text for stdout)."""
    base = project_root(payload)
    path, _ = split_export(target)
    if not (path if path.is_absolute() else base / path).exists():
        return 0, ""
    state_dir = state_dir or cache_dir() / "hooks"
    passed_file = state_dir / f"passed-{_key(str(base.resolve()), target, profile, contract or '')}"
    rounds_file = state_dir / f"rounds-{_key(str(payload.get('session_id') or 'no-session'))}"
    digest = inputs_digest(base, target, profile, contract, state_dir=state_dir)
    try:
        if passed_file.read_text().strip() == digest:
            return 0, f"fnproof: {target} and its contract are unchanged since the last passing check; skipped\n"
    except OSError:
        pass
    rounds = 0
    if payload.get("stop_hook_active"):
        try:
            rounds = int(rounds_file.read_text())
        except (OSError, ValueError):
            rounds = 0
    argv = ["check", target, *(["--contract", contract] if contract else []), "--profile", profile, "--quiet"]
    code, output = check(argv, base)
    state_dir.mkdir(parents=True, exist_ok=True)
    if code == 0:
        rounds_file.unlink(missing_ok=True)
        passed_file.write_text(digest + "\n")
        return 0, ""
    passed_file.unlink(missing_ok=True)
    rounds += 1
    if rounds > max_rounds:
        rounds_file.unlink(missing_ok=True)
        shown = f"fnproof check {target}" + (f" --contract {contract}" if contract else "")
        notice = (f"fnproof: `{shown}` still fails after {max_rounds} rounds; stopping so a person can look. "
                  "Run it yourself to see the report.")
        return 0, json.dumps({"systemMessage": notice}) + "\n"
    rounds_file.write_text(str(rounds))
    from fnproof.prompts.catalog import render_fragment  # only when blocking: the skip path stays light

    instruction = render_fragment("stop-hook-feedback", {"target": target, "profile": profile, "round": str(rounds),
                                                         "max_rounds": str(max_rounds), "contract": contract or "none"})
    return 0, _bounded(instruction, output) + "\n"
