"""The runtime registry: every runtime's record, in the order detection asks them.

Adding a runtime is one folder (or module) that defines its `SPEC` and one line in
`_SPECS` below. Everything that needs to know the runtimes reads this module: `fnproof check`
(detection and construction), `eval`/`grade` (handler discovery), `setup` (installs), `init`
(default targets), the pytest plugin (its help text).
"""

from __future__ import annotations

import re
from pathlib import Path

from fnproof.conformance.http import Canaries
from fnproof.conformance.runtimes.aws_lambda.node import SPEC as LAMBDA_NODE
from fnproof.conformance.runtimes.aws_lambda.python import SPEC as LAMBDA_PYTHON
from fnproof.conformance.runtimes.base import RunOptions, Runtime, RuntimeSpec, Target
from fnproof.conformance.runtimes.http_url import SPEC as HTTP_URL
from fnproof.conformance.runtimes.workers.runtime import SPEC as WORKERS
from fnproof.core.contract import Contract
from fnproof.core.errors import UsageError

# Detection order: a module Worker is also a .mjs file, so workers is asked before lambda-node.
_SPECS: tuple[RuntimeSpec, ...] = (WORKERS, LAMBDA_NODE, LAMBDA_PYTHON, HTTP_URL)
RUNTIMES: dict[str, RuntimeSpec] = {spec.name: spec for spec in _SPECS}


def names() -> list[str]:
    return sorted(RUNTIMES)


def spec(name: str) -> RuntimeSpec:
    found = RUNTIMES.get(name)
    if found is None:
        raise UsageError(f"unknown runtime {name!r}; choose one of {', '.join(names())}")
    return found


def local() -> list[RuntimeSpec]:
    """Runtimes that run code from disk (every one but a live URL), in detection order."""
    return [s for s in _SPECS if not s.takes_urls]


def split_export(text: str) -> tuple[Path, str | None]:
    """`file.py:func` or `index.mjs:main` name the export; a bare path leaves it to the runtime."""
    head, sep, tail = text.rpartition(":")
    if sep and head and re.fullmatch(r"[A-Za-z_$][\w$]*", tail):
        return Path(head), tail
    return Path(text), None


def detect(text: str, runtime: str | None = None) -> Target:
    """The runtime for a target the user named (`--runtime` overrides), and why."""
    if runtime is not None:
        spec(runtime)
    if text.startswith(("http://", "https://")):
        url_runtime = next(s for s in _SPECS if s.takes_urls)
        if runtime not in (None, url_runtime.name):
            raise UsageError(f"a URL runs on the {url_runtime.name} runtime, not {runtime}")
        return Target(Path("."), None, url_runtime.name,
                      "a URL: checks that need to control environments are skipped", text)
    path, export = split_export(text)
    if not path.exists():
        raise UsageError("no such file or folder", where=str(path))
    if path.is_dir():
        return _detect_folder(path, export, runtime)
    if runtime:
        return Target(path, export, runtime, "--runtime")
    for candidate in local():
        reason = candidate.recognise(path)
        if reason:
            return Target(path, export, candidate.name, reason)
    raise UsageError(f"cannot tell the runtime of a '{path.suffix or 'suffix-less'}' file; pass --runtime",
                     where=str(path))


def _detect_folder(path: Path, export: str | None, runtime: str | None) -> Target:
    for candidate in local():
        reason = candidate.recognise(path)
        if reason and runtime in (None, candidate.name):
            return Target(path, export, candidate.name, reason)
    entries = [name for candidate in local() for name in candidate.folder_entries]
    entry = next((path / name for name in entries if (path / name).is_file()), None)
    if entry is None:
        raise UsageError(f"folder has no wrangler config and no handler file ({', '.join(entries)})",
                         where=str(path))
    inner = detect(str(entry) + (f":{export}" if export else ""), runtime)
    return Target(inner.path, inner.export, inner.runtime, f"{entry.name} in folder; {inner.reason}")


def build(target: Target, contract: Contract, canaries: Canaries, options: RunOptions) -> Runtime:
    return spec(target.runtime).build(target, contract, canaries, options)
