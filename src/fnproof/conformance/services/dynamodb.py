"""The local DynamoDB-compatible store: moto's server, in its own process, on loopback.

A separate process keeps moto's request handling off the kit's interpreter (the runner's
threads and moto would otherwise share one GIL on a 2-core machine) and dies with the kit:
it exits when its stdin closes, and the kit kills it when the run ends. The same process
answers the harness's questions about what a handler wrote (effects counted per event id).
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from fnproof.conformance.containment import relay
from fnproof.conformance.containment.sandbox import Sandbox, kit_paths, popen
from fnproof.core import defaults
from fnproof.core.errors import SetupError

REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class DynamoEndpoint:
    url: str
    tables: dict[str, str]  # env name -> the run's table name

    @property
    def table(self) -> str:
        """The first table (the store's own), for callers with one."""
        return next(iter(self.tables.values()))


def table_names(tables: dict[str, str]) -> dict[str, str]:
    """A random name per table: a handler reads it from the environment, never guesses it."""
    return {env: f"{env.lower().replace('_', '-')}-{secrets.token_hex(4)}" for env in tables}


class LocalDynamoDB:
    """Start with `start()` (non-blocking), read `endpoint()` (blocks until ready)."""

    def __init__(self, tables: dict[str, str] | None = None, timeout_s: float = 30.0) -> None:
        self.keys = tables or {defaults.TABLE_ENV: defaults.PARTITION_KEY}  # env name -> partition key
        self.names = table_names(self.keys)
        self.timeout_s = timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._endpoint: DynamoEndpoint | None = None
        self._error: str | None = None
        self._ask = threading.Lock()
        self.planned: DynamoEndpoint | None = None
        # In a sandboxed run the store lives in the run's network namespace; the kit's own
        # clients and the S3 proxy cross it through socket files here (containment/relay.py).
        self._relay_dir: Path | None = None
        self._s3_port = 0
        self._kit_relay: relay.Relay | None = None
        self._s3_relay: relay.Relay | None = None
        self._relay_lock = threading.Lock()

    def start(self, sandbox: Sandbox | None = None) -> LocalDynamoDB:
        """Start the server; `planned` is known at once so environments can boot meanwhile.

        In the run's sandbox the store has its own PID namespace and read-only files like an
        environment, and lives in the run's network namespace: only this run's environments
        reach it, and a handler can neither see its process nor read its environment."""
        with socket.socket() as probe:  # choose the port now; the server binds it a moment later
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.planned = DynamoEndpoint(url=f"http://127.0.0.1:{port}", tables=dict(self.names))
        # Only what Python and moto need: the caller's environment (its secrets) stays with the kit.
        env = {"PATH": defaults.SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp",
               "PYTHONDONTWRITEBYTECODE": "1"}
        spec = json.dumps([[self.names[e], key] for e, key in self.keys.items()])
        argv = [sys.executable, "-m", "fnproof.conformance.services.dynamodb_server", str(port), spec]
        if sandbox is not None:
            self._relay_dir = Path(tempfile.mkdtemp(prefix="store-relay-"))
            # the port each environment's driver gives the handler for the S3 proxy, in its own network
            self._s3_port = port + 1 if port < 65535 else port - 1
            argv.append(json.dumps({"store_socket": str(self._relay_dir / "store.sock")}))
            argv = sandbox.wrap(argv, ro=kit_paths(), rw=(self._relay_dir,), cwd=None)
        self._proc = popen(
            argv,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True,
        )
        threading.Thread(target=self._await_ready, daemon=True, name="fnproof-dynamodb").start()
        return self

    def _await_ready(self) -> None:
        proc = self._proc  # stop() may clear the attribute while this thread still reads
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        try:
            port = json.loads(line)["port"]
            self._endpoint = DynamoEndpoint(url=f"http://127.0.0.1:{port}", tables=dict(self.names))
        except (ValueError, KeyError, TypeError):
            tail = " ".join(proc.stderr.read().split())[-400:]
            self._error = f"local DynamoDB (moto server) did not start: {tail or 'no output'}"
        self._ready.set()
        for _ in proc.stderr:  # keep draining so the server never blocks on a full pipe
            pass

    def endpoint(self) -> DynamoEndpoint:
        if not self._ready.wait(self.timeout_s):
            raise SetupError(f"local DynamoDB (moto server) not ready after {self.timeout_s:g} s")
        if self._error or self._endpoint is None:
            raise SetupError(self._error or "local DynamoDB failed")
        return self._endpoint

    def relays_for_environments(self, *, s3: bool) -> tuple[tuple[int, Path], ...]:
        """What a sandboxed environment with a network of its own listens on to reach the run:
        the store's port (and the S3 proxy's, for an import entry point), each to its socket file.
        Empty unsandboxed: the environment is on the kit's loopback and reaches the store itself."""
        if self._relay_dir is None or self.planned is None:
            return ()
        port = int(self.planned.url.rsplit(":", 1)[1])
        pairs = [(port, self._relay_dir / "store.sock")]
        if s3:
            pairs.append((self._s3_port, self._relay_dir / "s3.sock"))
        return tuple(pairs)

    def kit_url(self) -> str:
        """The store's URL for the kit's own SDK clients (queues, buckets, reading items).

        Unsandboxed that is the store's URL; sandboxed, the store is on the run's own loopback,
        so the kit reaches it through a local port relayed to the store's socket file."""
        url = self.endpoint().url
        if self._relay_dir is None:
            return url
        with self._relay_lock:
            if self._kit_relay is None:
                self._kit_relay = relay.tcp_to_unix(0, self._relay_dir / "store.sock")
            return f"http://127.0.0.1:{self._kit_relay.port}"

    def expose_s3_proxy(self, port: int) -> str:
        """The URL handlers use for the kit's S3 proxy listening on the kit's loopback `port`."""
        if self._relay_dir is None:
            return f"http://127.0.0.1:{port}"
        with self._relay_lock:
            if self._s3_relay is None:
                self._s3_relay = relay.unix_to_tcp(self._relay_dir / "s3.sock", port)
        return f"http://127.0.0.1:{self._s3_port}"

    def count(self, table_env: str, attribute: str, value: str) -> int:
        """Items in the table behind `table_env` whose `attribute` is the string `value`."""
        self.endpoint()
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None or proc.poll() is not None:
            raise SetupError("the local DynamoDB store is gone (did the handler kill it?)")
        question = {"table": self.names[table_env], "attribute": attribute, "value": value}
        with self._ask:
            try:
                proc.stdin.write(json.dumps(question) + "\n")
                proc.stdin.flush()
                answer = json.loads(proc.stdout.readline() or "{}")
            except (OSError, ValueError) as exc:
                raise SetupError(f"the local DynamoDB store stopped answering: {exc}") from None
        if "count" not in answer:
            raise SetupError(f"the local DynamoDB store could not count: {answer.get('error', 'no answer')}")
        return int(answer["count"])

    def death(self) -> str | None:
        """How the server ended, when it ended while the run still needed it (never before it was ready)."""
        proc = self._proc
        if proc is None or not self._ready.is_set() or self._error or proc.poll() is None:
            return None
        code = proc.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return f"the local DynamoDB store (moto) exited ({how})"

    def stop(self) -> None:
        """Kill the server: its state is throwaway, and a polite werkzeug shutdown takes ~0.6 s."""
        for crossing in (self._kit_relay, self._s3_relay):
            if crossing is not None:
                crossing.close()
        self._kit_relay = self._s3_relay = None
        if self._relay_dir is not None:
            shutil.rmtree(self._relay_dir, ignore_errors=True)
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream:
                stream.close()

    def __enter__(self) -> LocalDynamoDB:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
