"""A Worker and what its wrangler config declares, read the way wrangler reads it.

`wrangler.json`, `wrangler.jsonc` (comments and trailing commas allowed) and `wrangler.toml`
give the entry module, the compatibility date and flags, and the bindings the workers
runtime provides: `vars`, `kv_namespaces`, `d1_databases` (with their migrations folder) and
`durable_objects` (with `migrations` saying which classes use SQLite storage). A config that
asks for anything else (R2, queues, service bindings, ...) is refused with one line rather
than run with a binding missing, which would fail every check for the wrong reason.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fnproof.core.errors import UsageError

CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
MODULE_SUFFIXES = (".mjs", ".js")
TS_SUFFIXES = (".ts", ".mts")  # built by the kit (workers/typescript.py) before workerd sees them
# Keys that change nothing at run time here, or that we provide.
_IGNORED = {"$schema", "name", "main", "compatibility_date", "compatibility_flags", "vars", "kv_namespaces",
            "d1_databases", "durable_objects", "migrations", "account_id", "workers_dev", "routes", "route",
            "observability", "logpush", "env", "minify", "build", "no_bundle", "rules", "keep_vars", "dev",
            "placement", "preview_urls", "upload_source_maps", "send_metrics", "triggers", "limits",
            "tail_consumers", "find_additional_modules", "base_dir", "node_compat", "keep_names", "alias",
            "define", "tsconfig", "usage_model", "logfwdr", "compliance_region", "secrets"}


@dataclass(frozen=True, slots=True)
class D1Database:
    binding: str
    database_id: str
    migrations: Path | None  # folder of *.sql files, applied in name order when the run starts


@dataclass(frozen=True, slots=True)
class DurableObjectBinding:
    binding: str
    class_name: str
    sqlite: bool


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    root: Path  # modulesRoot: the folder workerd may load modules from
    main: Path
    config: Path | None
    compatibility_date: str | None
    compatibility_flags: tuple[str, ...] = ()
    vars: tuple[tuple[str, Any], ...] = ()
    kv_namespaces: tuple[tuple[str, str], ...] = ()  # (binding, id)
    d1_databases: tuple[D1Database, ...] = ()
    durable_objects: tuple[DurableObjectBinding, ...] = ()
    source_main: Path | None = None  # the TypeScript entry when `main` is the kit's build of it

    @property
    def typescript(self) -> bool:
        return self.main.suffix in TS_SUFFIXES

    @property
    def stateful(self) -> bool:
        return bool(self.kv_namespaces or self.d1_databases or self.durable_objects)

    @property
    def source(self) -> str:
        return str(self.config or self.main)


def strip_jsonc(text: str) -> str:
    """JSON with // and /* */ comments and trailing commas, as wrangler accepts, to plain JSON."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) != -1 else n
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close == -1 else close + 2
        else:
            out.append(ch)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def _read(config: Path) -> dict[str, Any]:
    text = config.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if config.suffix == ".toml" else json.loads(strip_jsonc(text))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot parse: {exc}", where=str(config)) from None
    if not isinstance(data, dict):
        raise UsageError("the config is not an object/table", where=str(config))
    return data


def _list(data: dict[str, Any], key: str, config: Path) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise UsageError(f"'{key}' must be a list of tables/objects", where=str(config))
    return value


def _field(entry: dict[str, Any], name: str, key: str, config: Path) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise UsageError(f"an entry of '{key}' has no '{name}'", where=str(config))
    return value


def load_worker(path: Path) -> WorkerConfig:
    """A Worker file, or a folder with a wrangler config (whose `main` names the file)."""
    path = path.resolve()
    if path.is_file():
        config = next((path.parent / n for n in CONFIG_NAMES if (path.parent / n).is_file()), None)
        if config is None:
            return _check_main(WorkerConfig(root=path.parent, main=path, config=None, compatibility_date=None))
        return _from_config(config, main_override=path)
    config = next((path / n for n in CONFIG_NAMES if (path / n).is_file()), None)
    if config is None:
        raise UsageError(f"no Worker file and no wrangler config ({', '.join(CONFIG_NAMES)})", where=str(path))
    return _from_config(config)


def _from_config(config: Path, main_override: Path | None = None) -> WorkerConfig:
    data = _read(config)
    unknown = sorted(k for k in data if k not in _IGNORED)
    if unknown:
        raise UsageError(f"declares {', '.join(unknown)}, which the workers runtime does not provide "
                         "(supported: vars, kv_namespaces, d1_databases, durable_objects)", where=str(config))
    main_text = data.get("main")
    if main_override is None and not isinstance(main_text, str):
        raise UsageError("has no 'main' (the Worker's entry module)", where=str(config))
    main = main_override or (config.parent / str(main_text)).resolve()
    date = data.get("compatibility_date")
    if date is not None and not (isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)):
        raise UsageError(f"compatibility_date {date!r} is not a YYYY-MM-DD date", where=str(config))
    flags = data.get("compatibility_flags") or []
    vars_ = data.get("vars") or {}
    if not isinstance(vars_, dict):
        raise UsageError("'vars' must be a table/object", where=str(config))
    kv = tuple((_field(e, "binding", "kv_namespaces", config), str(e.get("id") or e.get("binding")))
               for e in _list(data, "kv_namespaces", config))
    d1 = []
    for entry in _list(data, "d1_databases", config):
        binding = _field(entry, "binding", "d1_databases", config)
        folder = config.parent / str(entry.get("migrations_dir") or "migrations")
        d1.append(D1Database(binding, str(entry.get("database_id") or entry.get("database_name") or binding),
                             folder if folder.is_dir() else None))
    sqlite_classes = {name for migration in _list(data, "migrations", config)
                      for name in migration.get("new_sqlite_classes") or []}
    dos = []
    for entry in (data.get("durable_objects") or {}).get("bindings") or []:
        binding = _field(entry, "name", "durable_objects.bindings", config)
        if entry.get("script_name"):
            raise UsageError(f"Durable Object binding {binding} lives in another Worker ({entry['script_name']}); "
                             "the workers runtime hosts only this Worker's own classes", where=str(config))
        class_name = _field(entry, "class_name", "durable_objects.bindings", config)
        dos.append(DurableObjectBinding(binding, class_name, class_name in sqlite_classes))
    return _check_main(WorkerConfig(root=config.parent.resolve(), main=main, config=config, compatibility_date=date,
                                    compatibility_flags=tuple(str(f) for f in flags), vars=tuple(vars_.items()),
                                    kv_namespaces=kv, d1_databases=tuple(d1), durable_objects=tuple(dos)))


def _check_main(worker: WorkerConfig) -> WorkerConfig:
    where = worker.source
    if not worker.main.is_file():
        raise UsageError(f"the Worker module {worker.main} does not exist", where=where)
    if worker.main.suffix not in MODULE_SUFFIXES + TS_SUFFIXES:
        raise UsageError(f"a Worker module must be .mjs, .js, .ts or .mts, not {worker.main.name}", where=where)
    root = worker.root
    if not worker.main.is_relative_to(root):
        # workerd refuses modules outside modulesRoot: widen it to the folder holding both.
        return replace(worker, root=Path(os.path.commonpath([root, worker.main.parent])))
    return worker


def compatibility_problem(worker: WorkerConfig, supported: str) -> str | None:
    """One line when the Worker asks for a newer date than the pinned workerd knows."""
    if worker.compatibility_date and worker.compatibility_date > supported:
        return (f"compatibility_date {worker.compatibility_date} is newer than {supported}, the newest date the "
                f"pinned workerd supports; set compatibility_date to {supported} or earlier")
    return None
