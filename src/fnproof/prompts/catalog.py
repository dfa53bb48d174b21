"""Prompt templates: prompts/<id>/v<N>.md, YAML front matter + a Markdown body.

Loading validates everything a render depends on (schema, file name vs id and version,
check ids against the registry, rule ids against checklists/rules.yaml, every placeholder
and condition against what is declared), so `show` never prints half a prompt. Errors
name the real line in the .md file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from fnproof.conformance.checks.registry import all_checks
from fnproof.core.contract import Contract, load_contract
from fnproof.core.datafile import node_line, parse_yaml, read_text, validate
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.guidance.rules import load_rules
from fnproof.prompts import contract_text, platform_text
from fnproof.prompts.template import Template, parse

_FILE = re.compile(r"^v(?P<n>[1-9][0-9]*)\.md$")
SHOW, COMMAND = "show", "command"  # render modes: pasted by hand, or a Claude Code slash command


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    description: str
    default: str
    values: tuple[str, ...] | None  # None: free text (a token)


Kind = Literal["prompt", "fragment"]


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    version: int
    title: str
    summary: str
    change: str
    contract_name: str | None  # None for a fragment
    situations: tuple[str, ...] | None
    profile: str | None  # None for a fragment
    runtimes: tuple[str, ...]
    arguments: str | None
    variables: dict[str, Variable]
    rules: tuple[str, ...]
    checks: tuple[str, ...]
    template: Template
    path: Path
    meta: yaml.Node | None  # the front matter's YAML node, for lint's line numbers
    kind: Kind = "prompt"
    kinds: tuple[str, ...] = ("http-idempotent",)  # the contract kinds it renders

    @property
    def ref(self) -> str:
        return f"{self.id}@v{self.version}"

    def line_of(self, *keys: object) -> str:
        return f"{self.path}:{(node_line(self.meta, keys, key=True) or 1) + 1}"

    def contract(self) -> Contract | None:
        if self.contract_name is None:
            return None
        return load_contract(data_path("conformance", "contracts", f"{self.contract_name}.yaml"))


def prompts_dir(override: Path | None = None) -> Path:
    return override if override is not None else data_path("prompts")


def split_front_matter(text: str, source: str) -> tuple[str, str, int]:
    """(front matter, body, line number of the body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise UsageError("a prompt starts with a '---' line opening its YAML front matter", where=f"{source}:1")
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    raise UsageError("front matter is never closed by a '---' line", where=f"{source}:1")


def _known_names(prompt_vars: Iterable[str], contract_fields: Iterable[str]) -> set[str]:
    names = {f"var.{v}" for v in prompt_vars} | {f"contract.{f}" for f in contract_fields}
    names |= {"checks.list", "checks.ids", "rules.list", "arguments"}
    names |= {f"platform.{f}" for f in platform_text.FIELDS}
    names |= {f"prompt.{f}" for f in ("id", "version", "ref", "title", "summary", "profile")}
    return names


def load_prompt(path: Path) -> Prompt:
    source = str(path)
    text = read_text(path)
    front, body, body_line = split_front_matter(text, source)
    data, node = parse_yaml(front, source=source, line_offset=1)
    validate(data, "prompt.schema.json", source=source, root_node=node, line_offset=1)

    def where(*keys: object) -> str:
        return f"{source}:{(node_line(node, keys, key=True) or 1) + 1}"

    match = _FILE.match(path.name)
    if path.parent.name != data["id"]:
        raise UsageError(f"id {data['id']!r} must equal the folder name {path.parent.name!r}", where=where("id"))
    if not match or int(match["n"]) != data["version"]:
        raise UsageError(f"version {data['version']} must match the file name (v{data['version']}.md)",
                         where=where("version"))
    known_checks = {spec.id for spec in all_checks()}
    for index, check_id in enumerate(data.get("checks", ())):
        if check_id not in known_checks:
            raise UsageError(f"unknown check id {check_id!r}", where=where("checks", index))
    rules = load_rules()
    for index, rule_id in enumerate(data.get("rules", ())):
        if rules.get(rule_id) is None:
            raise UsageError(f"unknown rule id {rule_id!r} (rules live in {rules.source})", where=where("rules", index))
    contract = None
    if "contract" in data:
        contract_path = data_path("conformance", "contracts", f"{data['contract']}.yaml")
        if not contract_path.is_file():
            raise UsageError(f"no contract {data['contract']!r} in {contract_path.parent}", where=where("contract"))
        contract = load_contract(contract_path)
    for index, name in enumerate(data.get("situations", ())):
        if contract is None or name not in contract.situations:
            raise UsageError(f"contract {contract.name if contract else '(none)'} has no situation {name!r}",
                             where=where("situations", index))
    variables = {}
    for name, spec in (data.get("variables") or {}).items():
        values = tuple(spec["values"]) if "values" in spec else None
        if values is not None and spec["default"] not in values:
            raise UsageError(f"default {spec['default']!r} of {name} is not one of its values",
                             where=where("variables", name, "default"))
        variables[name] = Variable(name, spec["description"], spec["default"], values)
    template = parse(body, source=source, first_line=body_line)
    known = _known_names(variables, contract_text.fields(contract, None) if contract else ())
    for name, line in template.placeholders():
        if name not in known:
            hint = "declare it under variables" if name.startswith("var.") else "see `fnproof prompts --help`"
            raise UsageError(f"unknown placeholder {{{{ {name} }}}}; {hint}", where=f"{source}:{line}")
    kinds = tuple(data.get("kinds", ("http-idempotent",)))
    for condition in template.conditions():
        if condition.var == "contract.kind":
            stray = [v for v in condition.values if v not in kinds]
            if stray:
                raise UsageError(f"contract.kind is never {stray[0]!r} here; the prompt renders {', '.join(kinds)}",
                                 where=f"{source}:{condition.line}")
            continue
        variable = variables.get(condition.var)
        if variable is None:
            raise UsageError(f"condition uses undeclared variable {condition.var!r}",
                             where=f"{source}:{condition.line}")
        stray = [v for v in condition.values if variable.values is not None and v not in variable.values]
        if stray:
            raise UsageError(f"{condition.var} never equals {stray[0]!r};"
                             f" its values are {', '.join(variable.values or ())}",
                             where=f"{source}:{condition.line}")
    return Prompt(data["id"], data["version"], data["title"], data["summary"], data["change"], data.get("contract"),
                  tuple(data["situations"]) if "situations" in data else None, data.get("profile"),
                  tuple(data.get("runtimes", ())), data.get("arguments"), variables, tuple(data.get("rules", ())),
                  tuple(data.get("checks", ())), template, path, node, data.get("kind", "prompt"), kinds)


def discover(root: Path) -> list[Path]:
    if not root.is_dir():
        raise UsageError("no such prompts folder", where=str(root))
    found = [p for p in root.glob("*/v*.md") if _FILE.match(p.name)]
    return sorted(found, key=lambda p: (p.parent.name, _number(p)))


def _number(path: Path) -> int:
    """N of a discovered vN.md file."""
    match = _FILE.match(path.name)
    assert match is not None, path
    return int(match["n"])


def load_all(root: Path) -> list[Prompt]:
    return [load_prompt(p) for p in discover(root)]


def latest(root: Path, kind: Kind | None = "prompt") -> list[Prompt]:
    """The newest version of every prompt id (of one kind; None: every kind)."""
    newest: dict[str, Path] = {}
    for path in discover(root):
        newest[path.parent.name] = path  # discover() sorts by version
    found = [load_prompt(p) for p in newest.values()]
    return [p for p in found if kind is None or p.kind == kind]


def _version(text: str, prompt_id: str) -> int:
    match = re.fullmatch(r"v?([1-9][0-9]*)", text.strip())
    if not match:
        raise UsageError(f"version {text!r} of {prompt_id}: write v2 or 2")
    return int(match[1])


def find(root: Path, spec: str) -> Prompt:
    """`create-function` (newest) or `create-function@v1`."""
    prompt_id, _, version = spec.partition("@")
    folder = root / prompt_id
    versions = [p for p in discover(root) if p.parent.name == prompt_id]
    if not prompt_id or not versions:
        known = sorted({p.parent.name for p in discover(root)})
        raise UsageError(f"unknown prompt {prompt_id!r}; known: {', '.join(known) or 'none'}")
    if not version:
        return load_prompt(versions[-1])
    path = folder / f"v{_version(version, prompt_id)}.md"
    if path not in versions:
        have = ", ".join(f"v{_number(p)}" for p in versions)
        raise UsageError(f"{prompt_id} has no version {version}; it has {have}")
    return load_prompt(path)


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {pair!r}: write NAME=VALUE")
        result[name.strip()] = value.strip()
    return result


def resolve_vars(prompt: Prompt, given: dict[str, str], *, strict: bool = True) -> dict[str, str]:
    """Defaults plus what the user gave; unknown names or values are a usage error.

    `strict=False` is for values the kit itself fills in (a handler path with spaces, a
    number): only the names are checked, and free text is taken as it is.
    """
    values = {name: v.default for name, v in prompt.variables.items()}
    for name, value in given.items():
        variable = prompt.variables.get(name)
        if variable is None:
            declared = ", ".join(prompt.variables) or "none"
            raise UsageError(f"{prompt.ref} has no variable {name!r}; declared: {declared}")
        if variable.values is not None and value not in variable.values:
            raise UsageError(f"{name}={value!r} is not allowed for {prompt.ref};"
                             f" choose one of {', '.join(variable.values)}")
        if strict and variable.values is None and not re.fullmatch(r"[A-Za-z0-9._/-]+", value):
            raise UsageError(f"{name}={value!r}: use letters, digits, '.', '_', '/' or '-'")
        values[name] = value
    return values


def _checks_list(prompt: Prompt, kind: str) -> str:
    specs = {spec.id: spec for spec in all_checks(kind)}
    shown = [c for c in prompt.checks if c in specs]  # a prompt for several kinds lists each kind's own
    lines = [f"- `{c}` ({specs[c].profile}): {specs[c].summary}" for c in shown]
    if any(specs[c].needs for c in shown):
        lines.append("\nA check a runtime cannot run is reported `skipped` with the reason; that is not a pass.")
    return "\n".join(lines)


def _rules_list(prompt: Prompt) -> str:
    book = load_rules()
    return "\n".join(f"- **{r.id} {r.title}.** {r.text}" for r in (book.get(i) for i in prompt.rules) if r)


def render(prompt: Prompt, given: dict[str, str] | None = None, *, mode: str = SHOW, strict: bool = True,
           contract: Contract | None = None) -> str:
    """The prompt's text: its variables filled in, and its contract (or `contract`, a user's own) rendered."""
    variables = resolve_vars(prompt, given or {}, strict=strict)
    if contract is not None and prompt.kind == "fragment":
        contract = None
    contract = contract or prompt.contract()
    if contract is not None and contract.kind not in prompt.kinds:
        newer = ", ".join(p.ref for p in _renders_kind(prompt.id, contract.kind)) or "no version yet"
        raise UsageError(f"{prompt.ref} is written for {' and '.join(prompt.kinds)} contracts; {contract.source} is a"
                         f" {contract.kind} contract (versions that render it: {newer})")
    # The prompt's own situation list belongs to its own contract; a user's contract is shown whole.
    only = prompt.situations if contract is not None and contract.source == _own_source(prompt) else None
    contract_fields = contract_text.fields(contract, only) if contract else {}
    conditions = {**variables, "contract.kind": contract.kind if contract else ""}

    def resolve(name: str) -> str:
        space, _, rest = name.partition(".")
        if space == "var":
            return variables[rest]
        if space == "contract":
            return contract_fields[rest]()
        if space == "platform":
            return platform_text.FIELDS[rest]()
        if name == "checks.list":
            return _checks_list(prompt, contract.kind if contract else "http-idempotent")
        if name == "checks.ids":
            kind_ids = {spec.id for spec in all_checks(contract.kind)} if contract else set(prompt.checks)
            return ", ".join(f"`{c}`" for c in prompt.checks if c in kind_ids)
        if name == "rules.list":
            return _rules_list(prompt)
        if name == "arguments":
            return "$ARGUMENTS" if mode == COMMAND else f"(your input: {prompt.arguments or 'what you need'})"
        if space == "prompt":
            return str({"ref": prompt.ref}.get(rest) or getattr(prompt, rest))
        raise AssertionError(name)  # load_prompt rejected anything else

    text = prompt.template.render(resolve, conditions)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n"


def _own_source(prompt: Prompt) -> str | None:
    if prompt.contract_name is None:
        return None
    return str(data_path("conformance", "contracts", f"{prompt.contract_name}.yaml"))


def _renders_kind(prompt_id: str, kind: str) -> list[Prompt]:
    root = prompts_dir()
    return [p for p in (load_prompt(path) for path in discover(root) if path.parent.name == prompt_id)
            if kind in p.kinds]


def diff(root: Path, prompt_id: str, a: str, b: str, given: dict[str, str] | None = None, *, raw: bool = False) -> str:
    old, new = find(root, f"{prompt_id}@{a}"), find(root, f"{prompt_id}@{b}")
    if raw:
        left, right = old.path.read_text(encoding="utf-8"), new.path.read_text(encoding="utf-8")
    else:
        shared = dict(given or {})
        for name in shared:
            if name not in old.variables and name not in new.variables:
                raise UsageError(f"neither {old.ref} nor {new.ref} has a variable {name!r}")
        left, right = render(old, _only_declared(old, shared)), render(new, _only_declared(new, shared))
    return "".join(difflib.unified_diff(left.splitlines(keepends=True), right.splitlines(keepends=True),
                                        fromfile=old.ref, tofile=new.ref))


def _only_declared(prompt: Prompt, given: dict[str, str]) -> dict[str, str]:
    """For diff: a variable one version lacks is dropped for it, but must exist in one of them."""
    return {k: v for k, v in given.items() if k in prompt.variables}


def render_fragment(prompt_id: str, values: dict[str, str], root: Path | None = None) -> str:
    """The newest version of a fragment, filled in by the kit (not typed by a user)."""
    prompt = find(prompts_dir(root), prompt_id)
    if prompt.kind != "fragment":
        raise UsageError(f"{prompt.ref} is a whole prompt, not a fragment")
    return render(prompt, values, strict=False)
