"""Checklist evidence read from the repository: the SAM/CloudFormation template and the wrangler config.

Some items a report cannot answer are still plain to see in the files a deploy uses, so a
checklist item may name one of these readers (`evidence:` in its YAML). Each returns a
verdict, or None when the file it reads is not there (the item then stays with a person):

- `iam-wildcards`: every `Action`/`NotAction` holding a `*` and every `Resource`/`NotResource`
  that is `"*"` needs a written reason: a YAML comment `# reason: <why>` on the same line or
  the line right above it. Flagged with file:line for each one without.
- `runtime-pinned`: every Lambda function names a `Runtime` (its own or Globals'), and
  `cfn-lint` reports no deprecated or retired runtime; a Worker's config has a
  `compatibility_date`.
- `plain-secrets`: no secret-looking name (SECRET, TOKEN, PASSWORD, API_KEY, PRIVATE_KEY,
  CREDENTIAL) among wrangler `vars` or a template's literal environment values; `!Ref`, `!Sub`
  and `{{resolve:...}}` values are references, not secrets.

The template is composed by PyYAML (which reads JSON too) without constructing anything, so
CloudFormation's tags need no loader and every finding keeps its line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from fnproof.conformance.runtimes.workers.config import CONFIG_NAMES, strip_jsonc

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
MAX_BYTES = 2_000_000  # a template larger than this is not read
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
REASON = re.compile(r"#\s*reason:\s*\S")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


@dataclass(frozen=True, slots=True)
class Sources:
    template: Path | None = None
    wrangler: Path | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    detail: str


def find_sources(start: Path, stop: Path) -> Sources:
    """The nearest template and wrangler config from `start` up to `stop` (both folders)."""
    template = wrangler = None
    here = start.resolve()
    stop = stop.resolve()
    while True:
        template = template or next((here / n for n in TEMPLATE_NAMES if (here / n).is_file()), None)
        wrangler = wrangler or next((here / n for n in CONFIG_NAMES if (here / n).is_file()), None)
        if here == stop or here.parent == here or not here.is_relative_to(stop):
            return Sources(template, wrangler)
        here = here.parent


class _Template:
    def __init__(self, path: Path) -> None:
        self.path = path
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.splitlines()
        self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)

    def where(self, node: yaml.Node) -> str:
        return f"{self.path.name}:{node.start_mark.line + 1}"

    def pairs(self) -> Iterator[tuple[yaml.ScalarNode, yaml.Node]]:
        """Every (key, value) of every mapping, each node visited once (aliases cannot multiply work)."""
        seen: set[int] = set()
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        yield key, value
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)

    def has_reason(self, node: yaml.Node) -> bool:
        line = node.start_mark.line
        near = self.lines[line:line + 1] + (self.lines[line - 1:line] if line > 0 else [])
        return any(REASON.search(text) for text in near)


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [n for n in node.value if isinstance(n, yaml.ScalarNode)]
    return []


def _plain(node: yaml.Node) -> bool:
    """A literal value in the template (not a !Ref/!Sub/... and not a dynamic reference)."""
    return (isinstance(node, yaml.ScalarNode) and not node.tag.startswith("!") and "{{resolve:" not in node.value
            and node.value != "")


def iam_wildcards(sources: Sources) -> Verdict | None:
    if sources.template is None:
        return None
    t = _Template(sources.template)
    found, unexplained = 0, []
    for key, value in t.pairs():
        if key.value in ("Action", "NotAction"):
            hits = [n for n in _scalars(value) if "*" in n.value]
        elif key.value in ("Resource", "NotResource"):
            hits = [n for n in _scalars(value) if n.value == "*"]
        else:
            continue
        for node in hits:
            found += 1
            if not t.has_reason(node):
                unexplained.append(f'{t.where(node)}: {key.value} "{node.value}" has no `# reason:` comment')
    if unexplained:
        return Verdict(False, "; ".join(unexplained))
    if found:
        return Verdict(True, f"{found} wildcard(s) in {t.path.name}, each with a written reason")
    return Verdict(True, f"no wildcard Action or Resource in {t.path.name}")


def _cfn_lint_runtime_findings(path: Path) -> list[str] | None:
    exe = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    if exe is None:
        return None
    done = subprocess.run([exe, "--format", "json", str(path)], capture_output=True, text=True, timeout=300)
    try:
        results = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return None
    return [f"{path.name}:{r['Location']['Start']['LineNumber']}: {r['Message']} (cfn-lint {r['Rule']['Id']})"
            for r in results if "Runtime" in r.get("Location", {}).get("Path", [])]


def _functions(t: _Template) -> Iterator[tuple[str, yaml.MappingNode, yaml.Node | None]]:
    """(logical id, the resource's node, its Runtime node or None) for each Lambda function."""
    top = dict((k.value, v) for k, v in t.root.value) if isinstance(t.root, yaml.MappingNode) else {}
    globals_runtime = _path(top.get("Globals"), "Function", "Runtime")
    resources = top.get("Resources")
    for key, resource in resources.value if isinstance(resources, yaml.MappingNode) else []:
        kind = _path(resource, "Type")
        if isinstance(kind, yaml.ScalarNode) and kind.value in FUNCTION_TYPES:
            image = _path(resource, "Properties", "PackageType")
            if isinstance(image, yaml.ScalarNode) and image.value == "Image":
                continue
            yield key.value, resource, _path(resource, "Properties", "Runtime") or globals_runtime


def _path(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    for name in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name), None)
    return node


def runtime_pinned(sources: Sources) -> Verdict | None:
    if sources.template is not None:
        t = _Template(sources.template)
        problems = [f"{t.where(node)}: {name} names no Runtime" for name, node, runtime in _functions(t)
                    if runtime is None]
        linted = _cfn_lint_runtime_findings(t.path)
        problems += linted or []
        if problems:
            return Verdict(False, "; ".join(problems))
        if linted is None:
            return None  # no cfn-lint: whether the runtime is current stays with a person
        pinned = sorted({rt.value for _, _, rt in _functions(t) if isinstance(rt, yaml.ScalarNode)})
        return Verdict(True, f"{t.path.name}: Runtime {', '.join(pinned) or 'set'}; cfn-lint finds no retired runtime")
    if sources.wrangler is not None:
        date = _wrangler(sources.wrangler).get("compatibility_date")
        if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            return Verdict(True, f"compatibility_date {date} in {sources.wrangler.name}")
        return Verdict(False, f"{sources.wrangler.name}: no compatibility_date (YYYY-MM-DD); the runtime is not pinned")
    return None


def _wrangler(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(strip_jsonc(text))
    return data if isinstance(data, dict) else {}


def _line_of(path: Path, name: str) -> str:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.search(rf"""["']?\b{re.escape(name)}\b["']?\s*[:=]""", line):
            return f"{path.name}:{number}"
    return path.name


def plain_secrets(sources: Sources) -> Verdict | None:
    problems, read = [], []
    if sources.wrangler is not None:
        read.append(sources.wrangler.name)
        plain_vars = _wrangler(sources.wrangler).get("vars") or {}
        for name in sorted(plain_vars) if isinstance(plain_vars, dict) else []:
            if SECRET_NAME.search(name):
                problems.append(f"{_line_of(sources.wrangler, name)}: vars.{name} is a plain variable; make it a "
                                f"secret (`npx wrangler secret put {name}`)")
    if sources.template is not None:
        t = _Template(sources.template)
        read.append(t.path.name)
        for key, value in t.pairs():
            if key.value == "Variables" and isinstance(value, yaml.MappingNode):
                for name, literal in value.value:
                    if isinstance(name, yaml.ScalarNode) and SECRET_NAME.search(name.value) and _plain(literal):
                        problems.append(f"{t.where(literal)}: {name.value} is a literal in the template; resolve it "
                                        "from Secrets Manager or Parameter Store")
    if not read:
        return None
    if problems:
        return Verdict(False, "; ".join(problems))
    return Verdict(True, f"no secret in plain variables of {' or '.join(read)}")


READERS: dict[str, Callable[[Sources], Verdict | None]] = {
    "iam-wildcards": iam_wildcards, "runtime-pinned": runtime_pinned, "plain-secrets": plain_secrets,
}


def judge(reader: str, sources: Sources) -> Verdict | None:
    """The reader's verdict; a file it cannot parse is a flagged item naming the file, never a crash."""
    try:
        return READERS[reader](sources)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError, RecursionError) as exc:
        named = sources.template or sources.wrangler
        return Verdict(False, f"{named.name if named else '?'}: cannot read it ({exc.__class__.__name__})")
