"""`fnproof prompts lint`: what loading a prompt does not already refuse.

Loading rejects schema errors, unknown check and rule ids, undeclared variables and bad
placeholders. Lint adds: declared-but-unused variables, check ids above the prompt's
profile, check and rule lists that are declared but never rendered, text Claude Code
would substitute in a slash command (`$1`, a literal `$ARGUMENTS`), secrets, a missing
CHANGELOG entry, and Markdown problems in every rendering (each value of each variable,
pasted and as a slash command), parsed with mistune.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import mistune

from fnproof.conformance.checks.registry import PROFILES, all_checks
from fnproof.core.contract import Contract, load_contract
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.prompts.catalog import COMMAND, SHOW, Prompt, discover, load_prompt, render

SECRET_PATTERNS = {
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "an AWS secret access key": re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b"),
    "an Anthropic API key": re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}"),
    "an OpenAI-style API key": re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9]{32,}"),
    "a private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "a Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "a Stripe live key": re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}"),
    "a JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
}
_SUBSTITUTED = re.compile(r"\$(?:ARGUMENTS\b|[0-9])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_MARKDOWN = mistune.create_markdown(renderer=None, plugins=["table"])


def secrets_in(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in SECRET_PATTERNS.items():
            if pattern.search(line):
                found.append((number, what))
    return found


def _count(tokens: list[dict], kind: str) -> int:
    return sum((t.get("type") == kind) + _count(t.get("children") or [], kind) for t in tokens)


def markdown_problems(text: str, *, titled: bool = True) -> list[str]:
    """Problems in one rendering, with its own line numbers (`titled`: a whole prompt opens with '# ')."""
    problems = []
    tokens = _MARKDOWN(text)
    assert isinstance(tokens, list)  # renderer=None: the token list, not HTML
    blocks = [t for t in tokens if t["type"] != "blank_line"]
    if titled and (not blocks or blocks[0]["type"] != "heading" or blocks[0]["attrs"]["level"] != 1):
        problems.append("does not open with a '# ' title")
    fence: tuple[str, int, int] | None = None  # (character, length, line)
    table_rules = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = (match[1][0], len(match[1]), number)
        elif (fence is not None and match and match[1][0] == fence[0] and len(match[1]) >= fence[1]
              and not match[2].strip()):
            fence = None
        elif fence is None and _TABLE_RULE.match(line):
            table_rules += 1
    if fence is not None:
        problems.append(f"code fence opened at rendered line {fence[2]} is never closed")
    tables = _count(tokens, "table")
    if tables != table_rules:
        problems.append(f"{table_rules} table(s) in the text but Markdown parses {tables}; a table needs a blank"
                        " line before it and must not sit inside a list")
    return problems


# A contract of each kind to render a prompt with (the prompt's own covers its first kind).
SAMPLE_CONTRACTS = {"webhook": ("conformance", "contracts", "starters", "webhook-stripe.yaml"),
                    "sqs": ("conformance", "contracts", "starters", "sqs.yaml"),
                    "s3-import": ("conformance", "contracts", "starters", "s3-import.yaml")}


def _renderings(prompt: Prompt):
    choices = [[(name, value) for value in (v.values or (v.default,))] for name, v in prompt.variables.items()]
    own = prompt.contract()
    contracts: list[Contract | None] = [own]
    for kind in prompt.kinds:
        if own is not None and kind != own.kind and kind in SAMPLE_CONTRACTS:
            contracts.append(load_contract(data_path(*SAMPLE_CONTRACTS[kind])))
    for contract in contracts:
        for combo in itertools.product(*choices):
            for mode in (SHOW, COMMAND):
                yield dict(combo), mode, contract


def lint_prompt(prompt: Prompt) -> tuple[list[str], int]:
    problems: list[str] = []
    used = prompt.template.variables_used()
    for name in prompt.variables:
        if name not in used:
            problems.append(f"{prompt.line_of('variables', name)}: variable {name!r} is declared but never used")
    runtime = prompt.variables.get("runtime")
    if runtime and runtime.values and set(runtime.values) != set(prompt.runtimes):
        problems.append(f"{prompt.line_of('runtimes')}: runtimes {list(prompt.runtimes)} differ from the runtime"
                        f" variable's values {list(runtime.values)}")
    profiles = {spec.id: spec.profile for spec in all_checks()}
    for index, check_id in enumerate(prompt.checks):
        if prompt.profile and PROFILES.index(profiles[check_id]) > PROFILES.index(prompt.profile):
            problems.append(f"{prompt.line_of('checks', index)}: {check_id} is a {profiles[check_id]} check, above this"
                            f" prompt's profile {prompt.profile}")
    names = {name for name, _ in prompt.template.placeholders()}
    for declared, placeholder, key in ((prompt.checks, "checks.list", "checks"), (prompt.rules, "rules.list", "rules"),
                                       (prompt.arguments, "arguments", "arguments")):
        if declared and placeholder not in names:
            problems.append(f"{prompt.line_of(key)}: {key} are declared"
                            f" but the body never renders {{{{ {placeholder} }}}}")
    raw = prompt.path.read_text(encoding="utf-8")
    for number, line in enumerate(raw.splitlines(), start=1):
        if _SUBSTITUTED.search(line):
            problems.append(f"{prompt.path}:{number}: Claude Code substitutes $ARGUMENTS and $0..$9 in slash commands;"
                            " use {{ arguments }}, or reword")
    for number, what in secrets_in(raw):
        problems.append(f"{prompt.path}:{number}: looks like {what}; prompts carry placeholders, never secrets")
    count = 0
    for variables, mode, contract in _renderings(prompt):
        count += 1
        text = render(prompt, variables, mode=mode, contract=contract)
        label = ", ".join(f"{k}={v}" for k, v in variables.items()) or "defaults"
        if contract is not None and contract.name != prompt.contract_name:
            label += f", contract {contract.name}"
        for problem in markdown_problems(text, titled=prompt.kind == "prompt"):
            problems.append(f"{prompt.path}: rendered ({label}, {mode}): {problem}")
        for number, what in secrets_in(text):
            problems.append(f"{prompt.path}: rendered ({label}, {mode}) line {number}: looks like {what}")
    return problems, count


def _changelog_problems(root: Path, prompts: list[Prompt]) -> list[str]:
    path = root / "CHANGELOG.md"
    if not path.is_file():
        return [f"{path}: missing; every prompt version needs an entry (a '## ID vN' heading)"]
    headings = set(re.findall(r"(?m)^##\s+`?([a-z0-9-]+)`?\s+v([0-9]+)\b", path.read_text(encoding="utf-8")))
    return [f"{path}: no '## {p.id} v{p.version}' entry for {p.ref}" for p in prompts
            if (p.id, str(p.version)) not in headings]


def lint(root: Path) -> tuple[list[str], int, int]:
    """(problems, prompts loaded, renderings checked)."""
    problems: list[str] = []
    prompts: list[Prompt] = []
    for path in discover(root):
        try:
            prompts.append(load_prompt(path))
        except UsageError as exc:
            problems.append(str(exc))
    renderings = 0
    for prompt in prompts:
        found, count = lint_prompt(prompt)
        problems += found
        renderings += count
    problems += _changelog_problems(root, prompts)
    return list(dict.fromkeys(problems)), len(prompts), renderings
