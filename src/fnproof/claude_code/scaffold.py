"""`fnproof init`: install what Claude Code reads into a user's repository, idempotently.

Every change is planned before anything is written, so a bad existing file (invalid
settings.json, unbalanced CLAUDE.md markers) stops the run with nothing touched. The user's
text is never overwritten:

- CLAUDE.md: only the section between the fnproof markers is ours; it is appended once and
  replaced in place afterwards.
- .claude/settings.json: our Stop hook is found by its command and updated in place, never
  added twice; every other key is kept. Nothing is rewritten when nothing changed.
- Whole files we write (slash commands, the CI workflow) carry a marker with a digest of
  their text. We update them only while the digest still matches, i.e. nobody edited them;
  an edited file is kept and reported. Fixtures are written only when absent.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from fnproof import __version__
from fnproof.claude_code import templates
from fnproof.conformance.runtimes import registry
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.guidance.rules import find_section, render_section
from fnproof.prompts.catalog import COMMAND, latest, prompts_dir, render, render_fragment

# The handler path the Stop hook and CI check, per runtime, when --target is not given.
DEFAULT_TARGETS = {spec.name: spec.default_target for spec in registry.local() if spec.default_target}
HOOK_COMMAND = "fnproof hook stop"
HOOK_TIMEOUT_S = 600
Action = Literal["create", "update", "unchanged", "kept", "skipped"]
CREATE: Final = "create"
UPDATE: Final = "update"
UNCHANGED: Final = "unchanged"
KEPT: Final = "kept"
SKIPPED: Final = "skipped"  # nothing to write for this repository's contract
_MARKER = re.compile(r"^(?:#|<!--) fnproof:managed sha256=(?P<digest>[0-9a-f]{16})\b.*\n", re.M)


@dataclass(frozen=True, slots=True)
class Options:
    runtime: str = "lambda-node"
    target: str | None = None
    profile: str = "production"
    contract: str | None = None  # the repository's contract, relative to its root; None: the kit's default

    @property
    def handler(self) -> str:
        return self.target or DEFAULT_TARGETS[self.runtime]

    @property
    def contract_option(self) -> str:
        """What `fnproof check` needs besides the target and profile: ` --contract FILE`, or nothing."""
        return f" --contract {shlex.quote(self.contract)}" if self.contract else ""


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # relative to the repository, POSIX separators
    action: Action
    before: str | None
    after: str
    reason: str = ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stamp(lines_before: list[str], comment: str, rest: str) -> str:
    """Insert the managed marker after `lines_before`; the digest covers the file without it."""
    head = "".join(line + "\n" for line in lines_before)
    digest = _digest(head + rest)
    return (f"{head}{comment} fnproof:managed sha256={digest}"
            f" (written by `fnproof init`; edit it and init leaves it alone)\n{rest}")


def _pristine(text: str) -> bool:
    match = _MARKER.search(text)
    return match is not None and _digest(text[:match.start()] + text[match.end():]) == match["digest"]


def _read(path: Path) -> str | None:
    if not path.exists():
        return None
    if not path.is_file():
        raise UsageError("exists but is not a file", where=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read: {exc.__class__.__name__}", where=str(path)) from None


def _whole_file(root: Path, rel: str, fresh: str, *, managed: bool) -> Change:
    before = _read(root / rel)
    if before is None:
        return Change(rel, CREATE, None, fresh)
    if before == fresh:
        return Change(rel, UNCHANGED, before, fresh)
    if managed and _pristine(before):
        return Change(rel, UPDATE, before, fresh, "the kit's version changed")
    why = "you edited it, so it is yours now" if managed and _MARKER.search(before) else "it is not fnproof's"
    return Change(rel, KEPT, before, before, f"{why}; delete it and re-run to get the kit's version")


def claude_md(root: Path) -> Change:
    rel = "CLAUDE.md"
    before = _read(root / rel)
    section = render_section()
    if before is None:
        return Change(rel, CREATE, None, "# CLAUDE.md\n\n" + section)
    span = find_section(before, source=str(root / rel))
    if span:
        after = before[:span[0]] + section + before[span[1]:]
    else:
        after = (before.rstrip("\n") + "\n\n" if before.strip() else "") + section
    return Change(rel, UNCHANGED if after == before else UPDATE, before, after)


def hook_command(options: Options) -> str:
    target = shlex.quote(options.handler)
    return f"{HOOK_COMMAND} --target {target}{options.contract_option} --profile {options.profile}"


def _json_error(where: str, message: str) -> UsageError:
    return UsageError(f"{message}; fix or move the file, nothing was written", where=where)


def settings(root: Path, options: Options) -> Change:
    rel = ".claude/settings.json"
    path = root / rel
    before = _read(path)
    try:
        data = json.loads(before) if before is not None else {}
    except json.JSONDecodeError as exc:
        raise _json_error(f"{path}:{exc.lineno}", f"invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise _json_error(str(path), "settings must be a JSON object")
    original = json.loads(json.dumps(data))
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise _json_error(str(path), '"hooks" must be an object')
    stop = hooks.setdefault("Stop", [])
    if not isinstance(stop, list) or not all(isinstance(g, dict) and isinstance(g.get("hooks", []), list)
                                             for g in stop):
        raise _json_error(str(path), '"hooks.Stop" must be a list of {"hooks": [...]} groups')
    ours = {"type": "command", "command": hook_command(options), "timeout": HOOK_TIMEOUT_S}
    found = False
    for group in stop:
        kept = []
        for hook in group.get("hooks", []):
            if isinstance(hook, dict) and str(hook.get("command", "")).startswith(HOOK_COMMAND):
                if found:
                    continue  # a duplicate of ours: drop it
                hook.update(ours)
                found = True
            kept.append(hook)
        if "hooks" in group:
            group["hooks"] = kept
    hooks["Stop"] = [g for g in stop if g.get("hooks") or "hooks" not in g]
    if not found:
        hooks["Stop"].append({"hooks": [ours]})
    if before is not None and data == original:
        return Change(rel, UNCHANGED, before, before)
    after = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return Change(rel, CREATE if before is None else UPDATE, before, after)


def slash_commands(root: Path, options: Options) -> list[Change]:
    """One command per prompt, rendered from the repository's contract when it has one.

    A prompt none of whose versions renders the contract's kind is left out (and said so):
    a command rendered from the kit's orders contract would ask for the wrong function.
    """
    contract = load_contract(root / options.contract) if options.contract else None
    changes = []
    for prompt in latest(prompts_dir()):
        if options.runtime not in prompt.runtimes:
            continue
        if contract is not None and contract.kind not in prompt.kinds:
            changes.append(Change(f".claude/commands/fnproof-{prompt.id}.md", SKIPPED, None, "",
                                  f"not written: {prompt.ref} renders no {contract.kind} contract yet"))
            continue
        given = {"runtime": options.runtime} if "runtime" in prompt.variables else {}
        body = render(prompt, given, mode=COMMAND, contract=contract)
        body += "\n" + render_fragment("in-this-repository", {"handler": options.handler, "profile": options.profile,
                                                              "contract": options.contract or "none"})
        head = ["---"]
        rest = f"description: {json.dumps(prompt.summary)}\n"
        if prompt.arguments:
            rest += f"argument-hint: {json.dumps(prompt.arguments)}\n"
        rest += f"# from {prompt.ref}\n---\n" + body
        changes.append(_whole_file(root, f".claude/commands/fnproof-{prompt.id}.md", _stamp(head, "#", rest),
                                   managed=True))
    return changes


def fixtures(root: Path) -> list[Change]:
    source = data_path("conformance", "fixtures")
    return [_whole_file(root, f"events/{path.name}", path.read_text(encoding="utf-8"), managed=False)
            for path in sorted(source.glob("*.json"))]


def workflow(root: Path, options: Options) -> Change:
    rest = templates.render("workflow.yml", {"version": __version__, "profile": options.profile,
                                             "target": shlex.quote(options.handler) + options.contract_option})
    return _whole_file(root, ".github/workflows/fnproof.yml", _stamp([], "#", rest), managed=True)


PARTS = ("claude-md", "settings", "commands", "fixtures", "ci")


def plan(root: Path, options: Options, parts: tuple[str, ...] = PARTS) -> list[Change]:
    if not root.is_dir():
        raise UsageError("no such folder", where=str(root))
    if options.runtime not in DEFAULT_TARGETS:
        raise UsageError(f"unknown runtime {options.runtime!r}; choose one of {', '.join(DEFAULT_TARGETS)}")
    builders = {
        "claude-md": lambda: [claude_md(root)],
        "settings": lambda: [settings(root, options)],
        "commands": lambda: slash_commands(root, options),
        "fixtures": lambda: fixtures(root),
        "ci": lambda: [workflow(root, options)],
    }
    return [change for part in PARTS if part in parts for change in builders[part]()]


def apply(root: Path, changes: list[Change]) -> None:
    for change in changes:
        if change.action in (CREATE, UPDATE):
            path = root / change.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(change.after, encoding="utf-8")


def describe(changes: list[Change], *, diffs: bool) -> str:
    lines = []
    for change in changes:
        note = f"  ({change.reason})" if change.reason else ""
        lines.append(f"{change.action:<9} {change.path}{note}")
        if diffs and change.action in (CREATE, UPDATE):
            lines.extend(line.rstrip("\n") for line in difflib.unified_diff(
                (change.before or "").splitlines(keepends=True), change.after.splitlines(keepends=True),
                fromfile=f"a/{change.path}" if change.before is not None else "/dev/null", tofile=f"b/{change.path}"))
    return "\n".join(lines) + "\n"
