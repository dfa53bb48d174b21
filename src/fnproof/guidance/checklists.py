"""Checklists as data: load and validate them, tick their items from a JSON report, render.

An item is answered either by checks (ticked when every one of them passed in the report)
or by a person (`human: true`, left open). A person's item may name an `evidence` reader
(`evidence.py`): when the file it reads (the SAM/CloudFormation template, the wrangler config)
is there, its verdict ticks or flags the item instead. It may also name facts of the SAM
template beside the report's handler (`template:`, `template_evidence.py`, for what lives in
the deployment rather than the code: a queue's settings): where that template is found, its
facts tick or fail the item. `kinds:` limits an item to reports of those contract kinds. A
checklist is a YAML file under
checklists/ or any path a team passes; the report is the file `fnproof check --report-json`
writes, validated against conformance/schemas/report.schema.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from fnproof.conformance.checks.registry import all_checks
from fnproof.core.datafile import node_line, parse_json, parse_yaml, read_text, validate
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.guidance import evidence

State = Literal["ticked", "failed", "incomplete", "open", "human"]
TICKED: Final = "ticked"
FAILED: Final = "failed"
INCOMPLETE: Final = "incomplete"
OPEN: Final = "open"
HUMAN: Final = "human"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    question: str
    checks: tuple[str, ...]
    human: bool
    how: str | None  # for every platform
    how_by_platform: tuple[tuple[str, str], ...] = ()  # ("lambda", ...), ("workers", ...)
    evidence: str | None = None  # a reader in evidence.READERS that can answer it from the repository
    kinds: tuple[str, ...] = ()  # only for reports of these kinds (empty: any)
    template: tuple[str, ...] = ()  # facts of the SAM template (guidance/template_evidence.py)

    def hint(self, runtime: str | None) -> str | None:
        """How to answer it on the report's platform (every platform's way without a report)."""
        if not self.how_by_platform:
            return self.how
        platform = "workers" if runtime == "workers" else "lambda" if runtime and runtime.startswith("lambda") else None
        chosen = [(p, text) for p, text in self.how_by_platform if platform is None or p == platform]
        if len(chosen) == 1:
            return chosen[0][1]
        return "; ".join(f"{'Lambda' if p == 'lambda' else 'Workers'}: {text}" for p, text in chosen) or self.how


@dataclass(frozen=True, slots=True)
class Checklist:
    name: str
    title: str
    intro: str | None
    items: tuple[Item, ...]
    source: str

    def get(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class ItemState:
    item: Item
    state: State
    detail: str  # what the evidence says, one line


def checklists_dir() -> Path:
    return data_path("checklists")


def available() -> list[str]:
    return sorted(p.stem for p in checklists_dir().glob("*.yaml") if p.stem != "rules")


def checklist_path(name: str) -> Path:
    """A built-in name (`deploy`) or a path to a team's own YAML file."""
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        return Path(name)
    path = checklists_dir() / f"{name}.yaml"
    if name == "rules" or not path.is_file():
        raise UsageError(f"unknown checklist {name!r}; choose one of {', '.join(available())} or give a YAML path")
    return path


def _looks_like_checklist(data: Any, source: str) -> None:
    """A file that is not a checklist at all (a contract, a CI file passed by mistake) is named
    as such, not taken apart key by key: its keys and values are not ours to repeat."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise UsageError("not a checklist: a checklist is a mapping with name, title and a list of items"
                         " (see checklists/deploy.yaml)", where=f"{source}:1")


def _both(data: Any, node: Any, source: str) -> None:
    """The schema forbids `checks` beside `human: true`; say so in words, at the line of `checks`."""
    for index, item in enumerate(data["items"]):
        if isinstance(item, dict) and item.get("human") is True and "checks" in item:
            line = node_line(node, ("items", index, "checks"))
            raise UsageError(f"items[{index}]: an item has either checks or human: true, not both",
                             where=f"{source}:{line}")


def load_checklist(path: Path) -> Checklist:
    source = str(path)
    data, node = parse_yaml(read_text(path), source=source)
    _looks_like_checklist(data, source)
    _both(data, node, source)
    validate(data, "checklist.schema.json", source=source, root_node=node)
    known = {spec.id for spec in all_checks()}
    items, seen = [], set()
    for index, raw in enumerate(data["items"]):
        if raw["id"] in seen:
            raise UsageError(f"item id {raw['id']!r} is used twice",
                             where=f"{source}:{node_line(node, ('items', index, 'id'))}")
        seen.add(raw["id"])
        for position, check_id in enumerate(raw.get("checks", ())):
            if check_id not in known:
                line = node_line(node, ("items", index, "checks", position))
                raise UsageError(f"items[{index}] {raw['id']}: unknown check id {check_id!r}", where=f"{source}:{line}")
        items.append(Item(raw["id"], " ".join(raw["question"].split()), tuple(raw.get("checks", ())),
                          bool(raw.get("human")), *_hints(raw.get("how")), evidence=raw.get("evidence"),
                          kinds=tuple(raw.get("kinds", ())), template=tuple(raw.get("template", ()))))
    return Checklist(data["name"], data["title"], data.get("intro"), tuple(items), source)


def _hints(raw: Any) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    if isinstance(raw, dict):
        return None, tuple((platform, " ".join(text.split())) for platform, text in raw.items())
    return (" ".join(raw.split()) if raw else None), ()


def load_report(path: Path) -> dict[str, Any]:
    """A report `fnproof check --report-json` wrote; any other JSON file is refused as a whole."""
    source = str(path)
    data = parse_json(read_text(path), source=source)
    if not isinstance(data, dict) or not {"checks", "summary", "target"} <= data.keys():
        raise UsageError("not a report written by `fnproof check --report-json`"
                         " (no target, checks and summary)", where=source)
    validate(data, "report.schema.json", source=source)
    report: dict[str, Any] = data
    return report


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= 140 else line[:139] + "…"


def evaluate(checklist: Checklist, report: dict[str, Any] | None, *, kind: str | None = None,
             sources: evidence.Sources | None = None) -> list[ItemState]:
    """Each item's state from the report's evidence. An item is judged by the checks of the
    report's contract kind (or `kind`); one that none of them answers does not apply, and is left out.
    A person's item with an evidence reader is judged from `sources` where they hold its file."""
    outcomes = {c["id"]: c for c in report["checks"]} if report else {}
    kind = (report or {}).get("kind") or kind or "http-idempotent"
    of_kind = {spec.id for spec in all_checks(kind)}
    states = []
    for item in checklist.items:
        if item.kinds and kind not in item.kinds:
            continue
        if item.template and report is not None:
            states.append(_from_template(item, report))
            continue
        verdict = evidence.judge(item.evidence, sources) if item.human and item.evidence and sources else None
        if verdict is not None:
            states.append(ItemState(item, TICKED if verdict.ok else FAILED, "evidence: " + verdict.detail))
            continue
        if item.human:
            states.append(ItemState(item, HUMAN, item.hint((report or {}).get("runtime")) or "a person answers this"))
            continue
        checks = [c for c in item.checks if c in of_kind]
        if not checks:
            continue
        if report is None:
            states.append(ItemState(item, OPEN, "evidence: run `fnproof check` ("
                                    + ", ".join(f"`{c}`" for c in checks) + ")"))
            continue
        results = [(c, outcomes.get(c)) for c in checks]
        bad = [(c, r) for c, r in results if r and r["outcome"] in ("failed", "error")]
        passed = [c for c, r in results if r and r["outcome"] == "passed"]
        if bad:
            detail = "; ".join(f"`{c}` {r['outcome']}: {_first_line(r['message'])}" for c, r in bad)
            states.append(ItemState(item, FAILED, detail))
        elif len(passed) == len(results):
            states.append(ItemState(item, TICKED, "evidence: " + ", ".join(f"`{c}` passed" for c in passed)))
        else:
            notes = []
            for c, r in results:
                if r is None:
                    notes.append(f"`{c}` not in the report (profile {report['profile']})")
                elif r["outcome"] == "skipped":
                    notes.append(f"`{c}` skipped: {_first_line(r['message'])}")
            if passed:
                notes.append(", ".join(f"`{c}` passed" for c in passed))
            states.append(ItemState(item, INCOMPLETE, "; ".join(notes)))
    return states


def _target_path(target: str) -> Path:
    """The handler a report names, without an export suffix (`app.py:process`)."""
    path = Path(target)
    if not path.exists() and ":" in target:
        path = Path(target.rsplit(":", 1)[0])
    return path


def _from_template(item: Item, report: dict[str, Any]) -> ItemState:
    from fnproof.guidance.template_evidence import template_facts

    hint = item.hint(report.get("runtime"))
    target = report.get("target") or ""
    if "://" in target:
        return ItemState(item, HUMAN, hint or "a person answers this")
    facts, why = template_facts(_target_path(target), item.template)
    if why is not None:
        return ItemState(item, HUMAN, f"{why}; {hint}" if hint else why)
    wrong = [f.detail for f in facts if not f.holds]
    if wrong:
        return ItemState(item, FAILED, "; ".join(wrong))
    return ItemState(item, TICKED, "evidence: " + "; ".join(f.detail for f in facts))


def _heading(report: dict[str, Any] | None, report_name: str | None) -> str:
    if report is None:
        return "No report given: automatic items stay open until `fnproof check --report-json FILE` runs."
    s = report["summary"]
    return (f"From `{report_name}`: `{report['target']}` on {report['runtime']}, profile {report['profile']}: "
            f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error.")


def tally(states: list[ItemState]) -> str:
    counts = {k: sum(1 for s in states if s.state == k) for k in (TICKED, FAILED, INCOMPLETE, OPEN, HUMAN)}
    return (f"{counts[TICKED]} ticked, {counts[FAILED]} failed, {counts[INCOMPLETE]} incomplete, "
            f"{counts[OPEN]} waiting for a report, {counts[HUMAN]} for a person")


_MD_MARK = {TICKED: "[x]", FAILED: "[ ] ❌", INCOMPLETE: "[ ] ⚠️", OPEN: "[ ]", HUMAN: "[ ] 🧑"}
_TEXT_MARK = {TICKED: "[x]", FAILED: "[!]", INCOMPLETE: "[~]", OPEN: "[ ]", HUMAN: "[?]"}


def render_markdown(checklist: Checklist, states: list[ItemState], report: dict[str, Any] | None,
                    report_name: str | None = None) -> str:
    lines = [f"## {checklist.title}", ""]
    if checklist.intro:
        lines += [" ".join(checklist.intro.split()), ""]
    lines += [_heading(report, report_name), ""]
    for s in states:
        lines.append(f"- {_MD_MARK[s.state]} **{s.item.id}**: {s.item.question}  ")
        lines.append(f"  {s.detail}")
    lines += ["", f"_{tally(states)}. ❌ failed check, ⚠️ evidence incomplete (skipped or not run), 🧑 needs a person._"]
    return "\n".join(lines) + "\n"


def render_text(checklist: Checklist, states: list[ItemState], report: dict[str, Any] | None,
                report_name: str | None = None) -> str:
    lines = [checklist.title, _heading(report, report_name).replace("`", ""), ""]
    width = max(len(s.item.id) for s in states)
    for s in states:
        lines.append(f"{_TEXT_MARK[s.state]} {s.item.id:<{width}}  {s.item.question.replace('`', '')}")
        lines.append(" " * (width + 6) + s.detail.replace("`", ""))
    lines += ["", tally(states) + ".  [x] ticked  [!] failed  [~] incomplete  [ ] no report yet  [?] a person"]
    return "\n".join(lines) + "\n"
