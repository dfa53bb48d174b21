"""`fnproof init`: install what Claude Code reads into a user's repository, idempotently.

Every change is planned before anything is written (`changes.py` refuses paths that leave
the repository through a symlink or run into a file, and applies all or nothing), so a bad
existing file (invalid settings.json, unbalanced CLAUDE.md markers, a symlinked CLAUDE.md,
`.github` as a file) stops the run with nothing touched. The user's text is never overwritten:

- CLAUDE.md: only the section between the fnproof markers is ours; it is appended once and
  replaced in place afterwards.
- .claude/settings.json: our Stop hook is found by its command and updated in place, never
  added twice; every other key is kept. Nothing is rewritten when nothing changed. With
  `--plugin SOURCE` the settings instead name the kit's marketplace and enable its plugin
  (which brings the skills and hooks), and our project Stop hook is dropped.
- Whole files we write (skills, the reviewer agent, the hook launcher, the CI workflow and action) carry
  a marker with a digest of their text. We update them only while the digest still matches,
  i.e. nobody edited them; an edited file is kept and reported. Slash commands an older kit
  wrote are deleted while pristine (a skill of the same name replaces each). Fixtures are
  written only when absent.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnproof import __version__
from fnproof.claude_code import changes, plugin, skills, templates
from fnproof.claude_code.changes import CREATE, DELETE, KEPT, SKIPPED, UNCHANGED, UPDATE, Change
from fnproof.conformance.runtimes import registry
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.guidance.rules import find_section, render_section
from fnproof.prompts.catalog import render_fragment

# The handler path the Stop hook and CI check, per runtime, when --target is not given.
DEFAULT_TARGETS = {spec.name: spec.default_target for spec in registry.local() if spec.default_target}
HOOK_SCRIPT = ".claude/hooks/fnproof-stop.sh"
HOOK_COMMAND = f'sh "$CLAUDE_PROJECT_DIR/{HOOK_SCRIPT}"'
LEGACY_HOOK_COMMAND = "fnproof hook stop"  # what older kits wrote: a bare command, silent when not on PATH
HOOK_TIMEOUT_S = 600
PLUGIN = "fnproof"  # the plugin's name, and its marketplace's
_MARKER = re.compile(r"^(?:#|<!--) fnproof:managed sha256=(?P<digest>[0-9a-f]{16})\b.*\n", re.M)


@dataclass(frozen=True, slots=True)
class Options:
    runtime: str = "lambda-node"
    target: str | None = None
    profile: str = "production"
    contract: str | None = None  # the repository's contract, relative to its root; None: the kit's default
    plugin: dict[str, Any] | None = None  # a marketplace source: enable the plugin instead of project files

    @property
    def handler(self) -> str:
        return self.target or DEFAULT_TARGETS[self.runtime]

    @property
    def contract_option(self) -> str:
        """What `fnproof check` needs besides the target and profile: ` --contract FILE`, or nothing."""
        return f" --contract {shlex.quote(self.contract)}" if self.contract else ""


def marketplace_source(text: str) -> dict[str, Any]:
    """`--plugin SOURCE`: owner/repo on GitHub, a git URL ending in .git, or a local folder."""
    if re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", text) and not Path(text).exists():
        return {"source": "github", "repo": text}
    if text.endswith(".git") and ("://" in text or "@" in text):
        return {"source": "git", "url": text}
    folder = Path(text)
    if not (folder / ".claude-plugin" / "marketplace.json").is_file():
        raise UsageError("--plugin needs owner/repo, a git URL ending in .git, or a folder holding "
                         ".claude-plugin/marketplace.json", where=text)
    return {"source": "directory", "path": text}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stamp(lines_before: list[str], comment: str, rest: str) -> str:
    """Insert the managed marker after `lines_before`; the digest covers the file without it."""
    head = "".join(line + "\n" for line in lines_before)
    digest = _digest(head + rest)
    return (f"{head}{comment} fnproof:managed sha256={digest}"
            f" (written by `fnproof init`; edit it and init leaves it alone)\n{rest}")


def _pristine(text: str) -> bool:
    match = _MARKER.search(text)
    return match is not None and _digest(text[:match.start()] + text[match.end():]) == match["digest"]


def whole_file(root: Path, rel: str, fresh: str, *, managed: bool, executable: bool = False) -> Change:
    before = changes.read(root, rel)
    if before is None:
        return Change(rel, CREATE, None, fresh, executable=executable)
    if before == fresh:
        return Change(rel, UNCHANGED, before, fresh)
    if managed and _pristine(before):
        return Change(rel, UPDATE, before, fresh, "the kit's version changed", executable=executable)
    why = "you edited it, so it is yours now" if managed and _MARKER.search(before) else "it is not fnproof's"
    return Change(rel, KEPT, before, before, f"{why}; delete it and re-run to get the kit's version")


def claude_md(root: Path) -> Change:
    rel = "CLAUDE.md"
    before = changes.read(root, rel)
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


def _ours(hook: Any) -> bool:
    command = str(hook.get("command", "")) if isinstance(hook, dict) else ""
    return command.startswith(LEGACY_HOOK_COMMAND) or HOOK_SCRIPT in command


def _json_error(where: str, message: str) -> UsageError:
    return UsageError(f"{message}; fix or move the file, nothing was written", where=where)


def settings(root: Path, options: Options) -> Change:
    rel = ".claude/settings.json"
    path = root / rel
    before = changes.read(root, rel)
    try:
        data = json.loads(before) if before is not None else {}
    except json.JSONDecodeError as exc:
        raise _json_error(f"{path}:{exc.lineno}", f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise _json_error(str(path), "nested too deeply") from None
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
    found = options.plugin is not None  # the plugin brings its own Stop hook: drop the project's
    for group in stop:
        kept = []
        for hook in group.get("hooks", []):
            if _ours(hook):
                if found:
                    continue  # a duplicate of ours: drop it
                hook.update(ours)  # the user's other keys on it stay
                found = True
            kept.append(hook)
        if "hooks" in group:
            group["hooks"] = kept
    hooks["Stop"] = [g for g in stop if g.get("hooks") or "hooks" not in g]
    if not found:
        hooks["Stop"].append({"hooks": [ours]})
    if not hooks["Stop"]:
        del hooks["Stop"]
    if not hooks:
        del data["hooks"]
    if options.plugin is not None:
        for key in ("extraKnownMarketplaces", "enabledPlugins"):
            if not isinstance(data.setdefault(key, {}), dict):
                raise _json_error(str(path), f'"{key}" must be an object')
        data["extraKnownMarketplaces"][PLUGIN] = {"source": options.plugin}
        data["enabledPlugins"][f"{PLUGIN}@{PLUGIN}"] = True
    if before is not None and data == original:
        return Change(rel, UNCHANGED, before, before)
    after = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return Change(rel, CREATE if before is None else UPDATE, before, after)


def hook_script(root: Path) -> Change:
    return whole_file(root, HOOK_SCRIPT, stamp(skills.stop_script().splitlines()[:1], "#",
                                                "\n".join(skills.stop_script().splitlines()[1:]) + "\n"),
                      managed=True, executable=True)


def project_skills(root: Path, options: Options) -> list[Change]:
    """One skill per prompt, rendered from the repository's contract when it has one, and the reviewer.

    A prompt none of whose versions renders the contract's kind is left out (and said so): a
    skill rendered from the kit's orders contract would ask for the wrong function. Slash
    commands an older kit wrote are removed while nobody edited them.
    """
    contract = load_contract(root / options.contract) if options.contract else None
    out = []
    for prompt in skills.prompts_for(options.runtime):
        rel = f".claude/skills/fnproof-{prompt.id}/SKILL.md"
        legacy = f".claude/commands/fnproof-{prompt.id}.md"
        old = changes.read(root, legacy)
        if old is not None:
            out.append(Change(legacy, DELETE, old, "", "replaced by the skill") if _pristine(old) else
                       Change(legacy, KEPT, old, old, f"you edited it; {rel} replaces it, delete it yourself"))
        if contract is not None and contract.kind not in prompt.kinds:
            out.append(Change(rel, SKIPPED, None, "", f"not written: {prompt.ref} renders no {contract.kind} "
                                                      "contract yet"))
            continue
        closing = render_fragment("in-this-repository", {"handler": options.handler, "profile": options.profile,
                                                         "contract": options.contract or "none"})
        head, rest = skills.skill_text(prompt, name=f"fnproof-{prompt.id}", runtime=options.runtime,
                                       contract=contract, closing=closing)
        out.append(whole_file(root, rel, stamp(head, "#", rest), managed=True))
    reviewer = skills.reviewer_text().split("\n", 1)
    out.append(whole_file(root, ".claude/agents/fnproof-reviewer.md", stamp(reviewer[:1], "#", reviewer[1]),
                          managed=True))
    return out


def fixtures(root: Path) -> list[Change]:
    source = data_path("conformance", "fixtures")
    return [whole_file(root, f"events/{path.name}", path.read_text(encoding="utf-8"), managed=False)
            for path in sorted(source.glob("*.json"))]


def workflow(root: Path, options: Options) -> list[Change]:
    """The CI workflow and the composite action it uses, beside it in the repository."""
    rest = templates.render("workflow.yml", {"version": __version__, "profile": options.profile,
                                             "target": json.dumps(options.handler),
                                             "contract": json.dumps(options.contract or "")})
    action = templates.render("action.yml", {"version": __version__})
    return [whole_file(root, ".github/workflows/fnproof.yml", stamp([], "#", rest), managed=True),
            whole_file(root, ".github/actions/fnproof/action.yml", stamp([], "#", action), managed=True)]


PARTS = ("claude-md", "settings", "skills", "fixtures", "ci")
EXTRA_PARTS = (plugin.PART,)  # only when asked for by --only: the plugin's own tree (the kit's repository)


def plan(root: Path, options: Options, parts: tuple[str, ...] = PARTS) -> list[Change]:
    if not root.is_dir():
        raise UsageError("no such folder", where=str(root))
    if options.runtime not in DEFAULT_TARGETS:
        raise UsageError(f"unknown runtime {options.runtime!r}; choose one of {', '.join(DEFAULT_TARGETS)}")
    plugged = options.plugin is not None
    builders = {
        "claude-md": lambda: [claude_md(root)],
        "settings": lambda: [settings(root, options)] + ([] if plugged else [hook_script(root)]),
        "skills": lambda: [] if plugged else project_skills(root, options),
        "fixtures": lambda: fixtures(root),
        "ci": lambda: workflow(root, options),
        plugin.PART: lambda: plugin.plan(root),
    }
    return [change for part in (*PARTS, *EXTRA_PARTS) if part in parts for change in builders[part]()]


apply = changes.apply
describe = changes.describe
