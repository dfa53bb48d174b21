"""Cloudflare Workers in workerd: each environment is `node workers_driver.mjs` running one Miniflare.

An execution environment is its own workerd process (its own isolate, memory never shared),
and every environment of a run sees one store. What was measured here (2 cores, Node 20,
miniflare 4.20260426.0 / workerd 2026-04-26; miniflare 4.20260730.0 on Node 24 behaved the
same) decided how:

- Sharing persist directories between live workerd processes does not work. The KV and
  D1 simulators are SQLite-backed Durable Objects, one writer each: 8 instances on one
  `d1Persist`/`kvPersist` started together failed with `SQLITE_BUSY`; started one after
  the other, an 8-way race (10 rounds) on a D1 unique-key insert gave no duplicate but 69
  of 80 requests failed (`D1_ERROR: ... internal error`), and KV puts failed in 48 of 80.
- So one *state host* per run owns the storage: a Miniflare whose `fnproof-state` worker
  binds the KV namespaces and D1 databases (persisted under the run folder) and, when the
  config declares Durable Objects, a `fnproof-do-host` worker (the user's own module) that
  hosts every DO class once. Environments reach it through Miniflare's dev registry
  (`unsafeDevRegistryPath`): their KV/D1 bindings are wrapped bindings (workers_shims/kv.mjs,
  d1.mjs) forwarding each call over JS RPC to the host, their DO bindings name the host
  worker as `scriptName`, which Miniflare proxies to the one instance.
- 8 environments released together, 10 rounds each: D1 `INSERT ... ON CONFLICT DO NOTHING`
  on a primary key gave exactly one winner in 10/10 rounds with no errors; a DO doing
  get-then-put in its storage gave one owner in 10/10 and all 8 saw the same instance; KV
  get-then-put gave several owners in 10/10 rounds (the race `concurrent-duplicates` must
  see; 8 concurrent requests into ONE instance did not show it, per CONTRACT.md §2).
- Costs: one environment (Node + miniflare import + workerd) ~0.5 s of CPU and ~0.6 s to
  ready on Node 20, ~0.35-0.45 s of CPU on Node 24 from a private copy of miniflare's compile
  cache; the state host ~0.15 s more; a request ~10-25 ms warm (each D1/KV call is one RPC
  to the host). The production profile on reference/workers starts ~30 environments.

A Durable Object's console lines are written in the host, not in the environment that
called it: each invocation gets the host's lines written while it ran (with checks running
in parallel, a line can be attributed to more than one invocation, never to none).
Worker console output is captured with Miniflare's `handleStructuredLogs`; the driver
flushes it after every request (a marker worker) so lines land in the right invocation.

Containment as for Lambda: scrubbed environment (PATH, HOME, TMPDIR, LANG, TZ; the secret
reaches the Worker only as a binding, through a 0600 options file the driver deletes on
start), own working and temp folder, own process group (driver and workerd killed together
on timeout, crash or close), the per-invocation time limit, and the memory limit applied to
the driver (ProcessEnvironment) and to workerd (the driver watches its RSS while a request
runs). workerd itself answers a promise that can never settle with a 500, not a hang.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from fnproof.conformance.containment.sandbox import Mode, Sandbox
from fnproof.conformance.containment.sandbox import for_run as sandbox_for_run
from fnproof.conformance.http import Canaries, LogLine, Request, Response
from fnproof.conformance.runtimes import discovery
from fnproof.conformance.runtimes.base import Environment, RunOptions, Runtime, RuntimeSpec, Target
from fnproof.conformance.runtimes.js_exports import NODE_SUFFIXES, TS_SUFFIXES, has_default_export, looks_like_worker
from fnproof.conformance.runtimes.process_env import DriverSpec, InitError, ProcessBackedEnvironment, ProcessEnvironment
from fnproof.conformance.runtimes.workers import pin, typescript
from fnproof.conformance.runtimes.workers.config import CONFIG_NAMES, WorkerConfig, compatibility_problem, load_worker
from fnproof.conformance.services import esbuild, node_runtime
from fnproof.conformance.services.node_packages import ensure_installed, node_dir_on_path
from fnproof.core import defaults
from fnproof.core.contract import Contract, Effects
from fnproof.core.errors import SetupError, UsageError

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "driver.mjs"
SHIMS = HERE / "shims"
MINIFLARE_PACKAGE = pin.PACKAGE
MINIFLARE_LABEL = "miniflare (workerd) for Cloudflare Workers"
INIT_TIMEOUT_S = 30.0  # 8 workerd processes starting at once on 2 cores take a few seconds


class WorkersEnvironment(ProcessBackedEnvironment):
    def __init__(self, process: ProcessEnvironment, timeout_s: float, host: StateHost | None) -> None:
        super().__init__(process, timeout_s)
        self._host = host

    def invoke(self, request: Request) -> Response:
        since_ms = int(time.time() * 1000) - 1
        payload = {"request": {"method": request.method, "path": request.path, "headers": list(request.headers),
                               "body": None if request.body is None else base64.b64encode(request.body).decode()}}
        raw = self._process.invoke(payload, self._timeout_s)
        logs = raw.logs + (self._host.lines_since(since_ms) if self._host and self._host.has_objects else ())
        if raw.outcome != "ok":
            return Response(status=502, headers={"content-type": "text/plain"}, body=b"worker failed",
                            outcome=raw.outcome, error=raw.error, logs=logs,
                            environment=self.id, replaced_environment=raw.ended_environment)
        result = raw.result
        headers: dict[str, str] = {}
        for name, value in result["headers"]:
            headers[name.lower()] = f"{headers[name.lower()]}, {value}" if name.lower() in headers else value
        return Response(status=result["status"], headers=headers, body=base64.b64decode(result["body"]),
                        logs=logs, environment=self.id)


class StateHost:
    """The run's one Miniflare that owns KV, D1 and Durable Objects (see the module docstring)."""

    def __init__(self, runtime: WorkersRuntime) -> None:
        self.has_objects = bool(runtime.worker.durable_objects)
        self._process = ProcessEnvironment(lambda workdir: runtime.spec(workdir, "host"), label="workers-state-host",
                                           base_dir=runtime.run_dir)

    def start(self) -> None:
        self._process.start()

    def count(self, binding: str, table: str, column: str, value: str) -> int:
        question = {"binding": binding, "table": table, "column": column, "value": value}
        raw = self._process.invoke({"count": question}, 5.0)
        if raw.outcome != "ok":
            raise SetupError(f"could not count effects in D1 table {table}: {raw.error}")
        return int(raw.result["count"])

    def lines_since(self, since_ms: int) -> tuple[LogLine, ...]:
        raw = self._process.invoke({"since_ms": since_ms}, 5.0)
        if raw.outcome != "ok":
            return (LogLine("stderr", f"[fnproof: the Durable Object host failed: {raw.error}]"),)
        return tuple(LogLine(stream, text) for stream, text in raw.result["lines"])

    def close(self) -> None:
        self._process.close()


class WorkersRuntime(Runtime):
    name = "workers"
    capabilities = frozenset({"environments", "logs", "effects"})

    def __init__(self, path: Path, *, secret: str, secret_env: str = defaults.SECRET_ENV,
                 timeout_s: float = defaults.TIMEOUT_S, memory_mb: int = defaults.MEMORY_MB,
                 node: str | None = None, sandbox: Mode = "auto") -> None:
        if not path.exists():
            raise UsageError("no such Worker file or folder", where=str(path))
        self.worker: WorkerConfig = load_worker(path)
        self.secret, self.secret_env = secret, secret_env
        self.timeout_s, self.memory_mb = timeout_s, memory_mb
        self.run_dir = Path(tempfile.mkdtemp(prefix="workers-run-"))
        self._host: StateHost | None = None
        self._date = self.worker.compatibility_date or ""
        self._node_choice = node or node_runtime.DEFAULT_MAJOR
        self._source_map: str | None = None
        self._sandbox_mode: Mode = sandbox
        self.sandbox: Sandbox | None = None

    def start(self) -> None:
        supported = pin.compatibility_date()
        problem = compatibility_problem(self.worker, supported)
        if problem:
            raise UsageError(problem, where=self.worker.source)
        self.sandbox, self.isolation = sandbox_for_run(self._sandbox_mode)
        self.node = node_runtime.node_runtime(self._node_choice)
        self._node = self.node.binary
        self._packages = ensure_installed(MINIFLARE_PACKAGE, MINIFLARE_LABEL)
        self._compile_cache = node_runtime.compile_cache(self.node, "miniflare",
                                                         [self._packages / "node_modules" / "miniflare"],
                                                         [MINIFLARE_PACKAGE / "package-lock.json"])
        self._date = self.worker.compatibility_date or supported
        self.platform = (f"workerd {pin.workerd_version()} (miniflare {pin.miniflare_version()}, compatibility dates "
                         f"to {supported}), compatibility_date {self._date}; on {self.node.describe()}")
        if self.worker.typescript:
            self.worker = typescript.build_worker(self.worker, self.run_dir / "build")
            self._source_map = str(self.worker.main) + ".map"
            self.platform += f"; TypeScript built with esbuild {esbuild.PINNED}"
        if self.worker.stateful:
            self._host = StateHost(self)
            try:
                self._host.start()
            except InitError as exc:
                if exc.kind != "throw":  # a Worker that throws at load fails every check instead
                    raise UsageError(str(exc), where=self.worker.source) from None

    def spec(self, workdir: Path, mode: str) -> DriverSpec:
        w = self.worker
        memory_mb = self.memory_mb if mode == "env" else max(2048, 2 * self.memory_mb)
        options = {
            "mode": mode, "packages": str(self._packages), "shims": str(SHIMS), "main": str(w.main),
            "modulesRoot": str(w.root), "compatibilityDate": self._date,
            "compatibilityFlags": list(w.compatibility_flags),
            "bindings": {**dict(w.vars), self.secret_env: self.secret},
            "kv": [list(kv) for kv in w.kv_namespaces],
            "d1": [{"binding": d.binding, "id": d.database_id, "migrations": _migrations(d.migrations)}
                   for d in w.d1_databases],
            "durableObjects": [{"binding": d.binding, "className": d.class_name, "sqlite": d.sqlite}
                               for d in w.durable_objects],
            "registry": str(self.run_dir / "registry") if w.stateful else None,
            "persist": str(self.run_dir / "state"),
            "memoryMb": memory_mb,
            "sourceMap": self._source_map,
            "compileCache": node_runtime.private_copy(self._compile_cache, workdir),
        }
        options_file = workdir / "options.json"
        fd = os.open(options_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(options, handle)
        env = {"PATH": node_dir_on_path(self._node), "HOME": str(workdir),
               "TMPDIR": str(workdir / "tmp"), "LANG": "C.UTF-8", "TZ": ":UTC"}
        heap = max(64, self.memory_mb // 4)
        # In the sandbox: the Worker's folder and build, the shims, the run's dev registry
        # (every environment announces itself there) and, for the state host, its storage.
        readable = (w.root, w.main.parent, SHIMS, Path(self._node).parent.parent)
        shared = [self.run_dir / "registry"] if w.stateful else []
        if mode == "host":
            shared.append(self.run_dir / "state")
        for folder in shared:
            folder.mkdir(exist_ok=True)
        return DriverSpec(argv=(self._node, "--no-warnings", f"--max-old-space-size={heap}", str(DRIVER),
                                str(options_file)), env=env, init_timeout_s=INIT_TIMEOUT_S,
                          memory_mb=memory_mb, sandbox=self.sandbox, readable=readable, writable=tuple(shared))

    def environment(self) -> Environment:
        process = ProcessEnvironment(lambda workdir: self.spec(workdir, "env"), label=self.name, base_dir=self.run_dir)
        return WorkersEnvironment(process, self.timeout_s, self._host)

    def probe(self) -> None:
        source = self.worker.source_main or self.worker.main
        if not has_default_export(source.read_text(encoding="utf-8", errors="replace")):
            raise UsageError("no default export; a module Worker exports default { fetch }", where=str(source))
        process = ProcessEnvironment(lambda workdir: self.spec(workdir, "env"), label=f"{self.name}-probe",
                                     base_dir=self.run_dir)
        try:
            process.start()
        except InitError as exc:
            if exc.kind in {"syntax", "module"}:
                raise UsageError(str(exc), where=str(self.worker.main)) from None
        finally:
            process.close()

    def count_effects(self, effects: Effects, event_id: str) -> int:
        binding = effects.d1_binding or next((d.binding for d in self.worker.d1_databases), None)
        if effects.d1_table is None or binding is None or self._host is None:
            raise SetupError("the contract's effects name no D1 table (effects.d1_table), or the Worker's config "
                             "declares no D1 database to count them in")
        return self._host.count(binding, effects.d1_table, effects.attribute, event_id)

    def close(self) -> None:
        if self._host:
            self._host.close()
        if self.sandbox is not None:
            self.sandbox.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _migrations(folder: Path | None) -> list[tuple[str, str]]:
    if folder is None:
        return []
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.sql"))]


def _recognise(path: Path) -> str | None:
    if path.is_dir():
        config = next((path / name for name in CONFIG_NAMES if (path / name).is_file()), None)
        return f"folder has {config.name}" if config else None
    if path.suffix in NODE_SUFFIXES + TS_SUFFIXES and looks_like_worker(discovery.read(path)):
        return "a default export with fetch (module Worker)"
    return None


def _find_handler(root: Path, files: Sequence[Path]) -> discovery.Found | None:
    configs = [p for p in files if p.name in CONFIG_NAMES]
    if configs:
        best = sorted(configs, key=lambda p: (len(p.relative_to(root).parts), p.as_posix()))[0]
        folder = best.parent
        return discovery.Found(folder, f"{(folder.relative_to(root).as_posix() or '.')}/ has {best.name}")
    code = [p for p in discovery.not_tests(root, files) if p.suffix in NODE_SUFFIXES + TS_SUFFIXES]
    return discovery.pick(root, [p for p in code if looks_like_worker(discovery.read(p))],
                          "has a default export with fetch")


def _build(target: Target, contract: Contract, canaries: Canaries, options: RunOptions) -> Runtime:
    return WorkersRuntime(target.path, secret=canaries.secret, secret_env=contract.auth_env or defaults.SECRET_ENV,
                          timeout_s=options.timeout_s, memory_mb=options.memory_mb, node=options.node,
                          sandbox=options.sandbox)


def _setup() -> str:
    node = node_runtime.node_runtime(node_runtime.DEFAULT_MAJOR)
    packages = ensure_installed(MINIFLARE_PACKAGE, MINIFLARE_LABEL)
    node_runtime.compile_cache(node, "miniflare", [packages / "node_modules" / "miniflare"],
                               [MINIFLARE_PACKAGE / "package-lock.json"])
    return f"{MINIFLARE_LABEL} {pin.miniflare_version()} on {node.describe()} in {packages}"


SPEC = RuntimeSpec(
    name="workers",
    summary="Cloudflare Workers: a module Worker (export default { fetch }) or its folder with a wrangler config",
    build=_build,
    recognise=_recognise,
    find_handler=_find_handler,
    looked_for="no wrangler config or Worker default export",
    setup=_setup,
    default_target="worker",
)
