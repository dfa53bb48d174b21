"""The prompt templates' small placeholder language: parse once, check statically, render.

Two constructs, nothing else:

- `{{ NAME }}` inserts a value: `var.X` (a declared variable), `contract.X`, `checks.X`,
  `rules.X`, `prompt.X`, or `arguments` (the user's input; `$ARGUMENTS` in a slash command).
- A line holding only `{% if COND %}`, `{% elif COND %}`, `{% else %}` or `{% endif %}`
  chooses lines; blocks nest. COND is `var.X == v`, `var.X != v` or `var.X in v1, v2`, and
  `contract.kind` may stand where `var.X` does (the rendered contract's kind).

Any other `{{` or `{%` is an error at its line, so a typo never reaches a pasted prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from fnproof.core.errors import UsageError

_BLOCK = re.compile(r"^[ \t]*\{%-?\s*(?P<tag>if|elif|else|endif)\b(?P<rest>.*?)-?%\}[ \t]*$")
_EXPR = re.compile(r"\{\{\s*(?P<name>[A-Za-z_][\w.]*)\s*\}\}")
_COND = re.compile(r"^(?P<var>var\.[A-Za-z_]\w*|contract\.kind)\s*(?P<op>==|!=|\bin\b)\s*(?P<values>.+)$")
_OPS: dict[str, Literal["==", "!=", "in"]] = {"==": "==", "!=": "!=", "in": "in"}  # what _COND admits
_VALUE = re.compile(r"^[\"']?(?P<v>[A-Za-z0-9._-]+)[\"']?$")


@dataclass(frozen=True, slots=True)
class Condition:
    var: str
    op: Literal["==", "!=", "in"]
    values: tuple[str, ...]
    line: int

    def holds(self, variables: Mapping[str, str]) -> bool:
        value = variables[self.var]
        return (value in self.values) if self.op != "!=" else (value not in self.values)


@dataclass(frozen=True, slots=True)
class Text:
    text: str  # one source line with its newline, placeholders still in it
    line: int


@dataclass(slots=True)
class Branch:
    condition: Condition | None  # None: the else branch
    body: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class IfBlock:
    line: int
    branches: list[Branch] = field(default_factory=list)


Node = Text | IfBlock


@dataclass(frozen=True, slots=True)
class Template:
    nodes: tuple[Node, ...]
    source: str

    def placeholders(self) -> list[tuple[str, int]]:
        """Every `{{ name }}` with its line, in all branches."""
        found: list[tuple[str, int]] = []
        for text in _texts(self.nodes):
            found.extend((m["name"], text.line) for m in _EXPR.finditer(text.text))
        return found

    def conditions(self) -> list[Condition]:
        return list(_conditions(self.nodes))

    def variables_used(self) -> set[str]:
        names = {n.split(".", 1)[1] for n, _ in self.placeholders() if n.startswith("var.")}
        return names | {c.var for c in self.conditions() if not c.var.startswith("contract.")}

    def render(self, resolve: Callable[[str], str], variables: Mapping[str, str]) -> str:
        out: list[str] = []
        _render(self.nodes, resolve, variables, out)
        return "".join(out)


def _texts(nodes: tuple[Node, ...] | list[Node]):
    for node in nodes:
        if isinstance(node, Text):
            yield node
        else:
            for branch in node.branches:
                yield from _texts(branch.body)


def _conditions(nodes: tuple[Node, ...] | list[Node]):
    for node in nodes:
        if isinstance(node, IfBlock):
            for branch in node.branches:
                if branch.condition is not None:
                    yield branch.condition
                yield from _conditions(branch.body)


def _render(nodes, resolve, variables, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(_EXPR.sub(lambda m: resolve(m["name"]), node.text))
            continue
        for branch in node.branches:
            if branch.condition is None or branch.condition.holds(variables):
                _render(branch.body, resolve, variables, out)
                break


def _condition(rest: str, line: int, where: Callable[[int], str]) -> Condition:
    match = _COND.match(rest.strip())
    if not match:
        raise UsageError(f"condition {rest.strip()!r}: write var.NAME (or contract.kind) == value, != value,"
                         " or in v1, v2",
                         where=where(line))
    raw_values = [v.strip() for v in match["values"].split(",")] if match["op"] == "in" else [match["values"].strip()]
    values = []
    for raw in raw_values:
        value = _VALUE.match(raw)
        if not value:
            raise UsageError(f"condition value {raw!r}: use letters, digits, '.', '_' or '-'", where=where(line))
        values.append(value["v"])
    name = match["var"]  # `var.X` is the variable X; `contract.kind` keeps its name
    return Condition(name[4:] if name.startswith("var.") else name, _OPS[match["op"]], tuple(values), line)


def parse(text: str, *, source: str, first_line: int = 1) -> Template:
    """Parse a template body whose first line is line `first_line` of `source`."""

    def where(line: int) -> str:
        return f"{source}:{line}"

    root: list[Node] = []
    stack: list[tuple[IfBlock, list[Node]]] = []  # open blocks and the body list we were filling
    body = root
    for number, raw in enumerate(text.splitlines(keepends=True), start=first_line):
        block = _BLOCK.match(raw.rstrip("\r\n"))
        if block:
            tag, rest = block["tag"], block["rest"]
            if tag == "if":
                node = IfBlock(number, [Branch(_condition(rest, number, where))])
                body.append(node)
                stack.append((node, body))
                body = node.branches[-1].body
                continue
            if not stack:
                raise UsageError(f"{{% {tag} %}} without an open {{% if %}}", where=where(number))
            node = stack[-1][0]
            if tag == "endif":
                if rest.strip():
                    raise UsageError("{% endif %} takes no condition", where=where(number))
                body = stack.pop()[1]
                continue
            if node.branches[-1].condition is None:
                raise UsageError(f"{{% {tag} %}} after {{% else %}}", where=where(number))
            if tag == "else" and rest.strip():
                raise UsageError("{% else %} takes no condition; use {% elif ... %}", where=where(number))
            node.branches.append(Branch(_condition(rest, number, where) if tag == "elif" else None))
            body = node.branches[-1].body
            continue
        leftover = _EXPR.sub("", raw)
        if "{{" in leftover or "{%" in leftover or "%}" in leftover:
            raise UsageError("malformed placeholder: write {{ name }}, or put {% ... %} alone on its line",
                             where=where(number))
        body.append(Text(raw, number))
    if stack:
        raise UsageError("{% if %} is never closed with {% endif %}", where=where(stack[-1][0].line))
    return Template(tuple(root), source)
