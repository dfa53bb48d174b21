"""The rules Claude Code follows, as data: checklists/rules.yaml -> the managed CLAUDE.md section.

Each rule names what enforces it: check ids (or a whole profile) that `fnproof check` runs,
and checklist items (`deploy/idempotency`) a reviewer ticks. A rule no check can prove is
marked `human: true` and must cite checklist items instead. The ids are validated against
the check registry and the checklists on load, so a rule cannot cite something that does
not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fnproof.conformance.checks.registry import all_checks, in_profile
from fnproof.core.datafile import node_line, parse_yaml, read_text, validate
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path

BEGIN = "<!-- fnproof:begin (managed by `fnproof init`; edits inside are replaced on the next run) -->"
END = "<!-- fnproof:end -->"
BEGIN_PREFIX = "<!-- fnproof:begin"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    text: str
    checks: tuple[str, ...]  # explicit ids, plus every check of `profile` when one is given
    profile: str | None
    checklist: tuple[str, ...]  # "deploy/idempotency"
    human: bool
    evidence: bool = False  # a cited item is answered from the repository's template or config where it can be


@dataclass(frozen=True, slots=True)
class RuleBook:
    title: str
    intro: str
    rules: tuple[Rule, ...]
    source: str

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def rules_path() -> Path:
    return data_path("checklists", "rules.yaml")


def _parse(path: Path) -> RuleBook:
    from fnproof.guidance.checklists import checklist_path, load_checklist  # checklists never import rules

    source = str(path)
    data, node = parse_yaml(read_text(path), source=source)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise UsageError("not a rules file: a mapping with a list of rules (see checklists/rules.yaml)",
                         where=f"{source}:1")
    for index, raw in enumerate(data["rules"]):
        clash = next((k for k in ("checks", "profile") if k in raw), None) if isinstance(raw, dict) else None
        if clash and raw.get("human") is True:
            raise UsageError(f"rules[{index}]: a human: true rule cites checklist items, not {clash}",
                             where=f"{source}:{node_line(node, ('rules', index, clash))}")
        if isinstance(raw, dict) and not clash and raw.get("human") is not True:
            raise UsageError(f"rules[{index}]: name the checks (or a profile) that enforce it, or mark it human: true"
                             " and cite checklist items", where=f"{source}:{node_line(node, ('rules', index))}")
    validate(data, "rules.schema.json", source=source, root_node=node)
    catalogue = all_checks()
    known = {spec.id for spec in catalogue}
    seen: set[str] = set()
    rules = []
    for index, raw in enumerate(data["rules"]):
        def where(*path: object, index: int = index) -> str:
            return f"{source}:{node_line(node, ('rules', index, *path))}"

        if raw["id"] in seen:
            raise UsageError(f"rule id {raw['id']} is used twice", where=where("id"))
        seen.add(raw["id"])
        for position, check_id in enumerate(raw.get("checks", ())):
            if check_id not in known:
                raise UsageError(f"{raw['id']}: unknown check id {check_id!r}", where=where("checks", position))
        from_files = False
        for position, ref in enumerate(raw.get("checklist", ())):
            name, _, item_id = ref.partition("/")
            checklist = load_checklist(checklist_path(name))
            item = checklist.get(item_id)
            if item is None:
                raise UsageError(f"{raw['id']}: checklist {name} has no item {item_id!r}",
                                 where=where("checklist", position))
            if raw.get("human") and not item.human:
                raise UsageError(f"{raw['id']} is human: true but {ref} is answered by checks; cite those checks",
                                 where=where("checklist", position))
            from_files |= item.evidence is not None
        profile = raw.get("profile")
        checks = list(raw.get("checks", ()))
        if profile:
            checks += [s.id for s in catalogue if in_profile(s, profile) and s.id not in checks]
        rules.append(Rule(raw["id"], raw["title"], " ".join(raw["text"].split()), tuple(checks), profile,
                          tuple(raw.get("checklist", ())), bool(raw.get("human")), from_files))
    return RuleBook(data["title"], " ".join(data["intro"].split()), tuple(rules), source)


@cache
def _cached(path: Path, mtime: float) -> RuleBook:
    return _parse(path)


def load_rules(path: Path | None = None) -> RuleBook:
    path = path or rules_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise UsageError("no such file", where=str(path)) from None
    return _cached(path, mtime)


def _enforced_by(rule: Rule) -> str:
    parts = []
    if rule.profile:
        parts.append(f"every `{rule.profile}` check")
    elif rule.checks:
        parts.append("checks " + ", ".join(f"`{c}`" for c in rule.checks))
    if rule.checklist:
        cited = ", ".join(f"`{c}`" for c in rule.checklist)
        if rule.human and rule.evidence:
            parts.append(f"checklist {cited}, flagged or ticked from the SAM/CloudFormation template or wrangler "
                         "config where there is one, else a person")
        else:
            parts.append(("a person, with checklist " if rule.human else "checklist ") + cited)
    return "; ".join(parts)


def render_section(book: RuleBook | None = None) -> str:
    """The managed CLAUDE.md section, markers included, ending with a newline."""
    book = book or load_rules()
    lines = [BEGIN, f"## {book.title}", "", book.intro, ""]
    for rule in book.rules:
        lines.append(f"- **{rule.id} {rule.title}.** {rule.text} _Enforced by: {_enforced_by(rule)}._")
    lines.append(END)
    return "\n".join(lines) + "\n"


def find_section(text: str, *, source: str) -> tuple[int, int] | None:
    """(start, end) offsets of the managed section in `text`, or None; malformed markers are an error."""
    starts = [i for i in range(len(text)) if text.startswith(BEGIN_PREFIX, i)]
    ends = [i for i in range(len(text)) if text.startswith(END, i)]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        line = text.count("\n", 0, (starts or ends)[0]) + 1
        raise UsageError("the fnproof:begin / fnproof:end markers are unbalanced; fix them by hand",
                         where=f"{source}:{line}")
    end = ends[0] + len(END)
    if text.startswith("\n", end):
        end += 1
    return starts[0], end
