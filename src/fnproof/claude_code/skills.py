"""Claude Code skills rendered from the prompts, and the read-only reviewer subagent.

`init` (a repository's `.claude/skills/`) and the plugin (`skills/` at the plugin's root)
write the same skills; only the names and the closing paragraph differ. What each skill may
run and who may start it is data (`templates/skills.yaml`); the body is the prompt rendered
as Claude Code sends a skill (`$ARGUMENTS` where the person's input goes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from fnproof.claude_code import templates
from fnproof.core.contract import Contract
from fnproof.core.datafile import load_yaml, read_text
from fnproof.prompts.catalog import COMMAND, Prompt, latest, prompts_dir, render


@dataclass(frozen=True, slots=True)
class SkillPolicy:
    allowed_tools: tuple[str, ...]
    disable_model_invocation: bool
    agent: str | None = None


@cache
def policies() -> dict[str, SkillPolicy]:
    data = load_yaml(templates.HERE / "skills.yaml", "skills.schema.json")
    return {name: SkillPolicy(tuple(d["allowed-tools"]), d["disable-model-invocation"], d.get("agent"))
            for name, d in data.items()}


def prompts_for(runtime: str | None) -> list[Prompt]:
    """The latest version of every prompt a skill is made from (for `runtime`, or any)."""
    chosen = [p for p in latest(prompts_dir()) if runtime is None or runtime in p.runtimes]
    unknown = sorted({p.id for p in chosen} - set(policies()))
    if unknown:
        raise KeyError(f"templates/skills.yaml has no entry for prompt {unknown[0]}")  # a kit bug, caught by tests
    return chosen


def skill_text(prompt: Prompt, *, name: str, runtime: str | None, contract: Contract | None,
               closing: str = "") -> tuple[list[str], str]:
    """(front matter lines before the managed marker, the rest of the file) for one skill."""
    policy = policies()[prompt.id]
    given = {"runtime": runtime} if runtime and "runtime" in prompt.variables else {}
    body = render(prompt, given, mode=COMMAND, contract=contract)
    if closing:
        body += "\n" + closing
    rest = f"name: {name}\ndescription: {json.dumps(prompt.summary)}\n"
    if prompt.arguments:
        rest += f"argument-hint: {json.dumps(prompt.arguments)}\n"
    rest += f"allowed-tools: {json.dumps(list(policy.allowed_tools))}\n"  # a list: patterns hold spaces
    rest += f"disable-model-invocation: {json.dumps(policy.disable_model_invocation)}\n"
    if policy.agent:
        rest += f"context: fork\nagent: {policy.agent}\n"
    rest += f"# from {prompt.ref}\n---\n" + body
    return ["---"], rest


def reviewer_text() -> str:
    return read_text(templates.HERE / "reviewer.md")


def stop_script() -> str:
    return read_text(templates.HERE / "fnproof-stop.sh")
