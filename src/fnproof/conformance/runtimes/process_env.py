"""One execution environment = one driver subprocess, contained: the kit's side of DRIVERS.md.

The driver reads one JSON request per line on stdin and answers on its own pipe, so
whatever the handler prints on stdout/stderr never mixes with the protocol. After each
invocation the driver writes a sentinel line to both streams; the collector threads split
the handler's output at those lines, which attributes logs to invocations exactly even
when a handler floods its output.

Containment: the run's bubblewrap sandbox around the driver when there is one
(containment/sandbox.py), a scrubbed environment (the caller passes the full mapping), own
working and temp directory, its whole process tree killed on timeout, crash or close; a
time limit per invocation that counts the handler's time (a loaded machine's CPU wait is
added), and memory and process-count limits on the whole tree, watched from the first byte
of init. A reply counts only with its invocation's nonce and is read up to REPLY_CAP_BYTES.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fnproof.conformance.containment import process_tree
from fnproof.conformance.containment.sandbox import Sandbox, kit_paths, popen
from fnproof.conformance.http import LogLine
from fnproof.conformance.runtimes.base import Environment

LOG_CAP_BYTES = 1 << 20  # per stream per invocation; the rest is counted, not kept
# A loaded machine's CPU wait extends a limit by at most this many times the limit, so even a
# handler that somehow looks starved forever ends.
WAIT_CREDIT_FACTOR = 10
# A reply line (result and its body) the kit reads at most; Lambda's own response limit is 6 MB,
# and a Workers body travels base64-encoded.
REPLY_CAP_BYTES = 8 << 20
_LIVE: weakref.WeakSet[ProcessEnvironment] = weakref.WeakSet()
_IDS = itertools.count(1)


@atexit.register
def _kill_all() -> None:
    for env in list(_LIVE):
        env.close()


@dataclass(frozen=True, slots=True)
class DriverSpec:
    """How to start a driver: argv gets the reply fd and the sentinel appended; env is complete (scrubbed)."""

    argv: tuple[str, ...]
    env: dict[str, str]
    init_timeout_s: float = 10.0
    memory_mb: int = 512
    max_processes: int = 64  # the environment's whole tree (threads not counted)
    # The run's sandbox (None: --sandbox off or unavailable), and what the driver needs to
    # read and write inside it besides the kit's own files and its working folder.
    sandbox: Sandbox | None = None
    readable: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    # In the sandbox: (loopback port, socket file) pairs the driver listens on in a network of
    # its own, reaching the run's services through the files (relay.py; DRIVERS.md, "Relays").
    relays: tuple[tuple[int, Path], ...] = ()


@dataclass(frozen=True, slots=True)
class RawResult:
    outcome: Literal["ok", "error", "crash", "timeout"]
    result: Any = None
    error: str | None = None
    logs: tuple[LogLine, ...] = ()
    ended_environment: bool = False


# syntax, export, module: the handler cannot be loaded as given (a usage error); throw,
# migration, crash: it loads but fails in init (the handler's own failure, every check reports it).
InitKind = Literal["syntax", "export", "module", "throw", "migration", "crash"]


class InitError(Exception):
    """The handler could not be loaded or failed in init; `kind` says which (InitKind)."""

    def __init__(self, kind: InitKind, message: str, logs: tuple[LogLine, ...] = (), where: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.logs = logs
        self.where = where


class _StreamCollector(threading.Thread):
    """Drains one pipe forever; hands out the lines written between two sentinels."""

    def __init__(self, fd: int, name: str, sentinel: bytes) -> None:
        super().__init__(daemon=True, name=f"fnproof-{name}")
        self.fd, self.stream, self.sentinel = fd, name, sentinel
        self.cond = threading.Condition()
        self.lines: list[str] = []
        self.kept = 0
        self.dropped = 0
        self.marks = 0
        self.closed = False

    def run(self) -> None:
        pending = b""
        try:
            while chunk := os.read(self.fd, 1 << 16):
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    self._line(line)
                if len(pending) > LOG_CAP_BYTES:  # a giant line with no newline yet
                    self._line(pending[:LOG_CAP_BYTES])
                    self.dropped += len(pending) - LOG_CAP_BYTES
                    pending = b""
        except OSError:
            pass
        finally:
            if pending:
                self._line(pending)
            with self.cond:
                self.closed = True
                self.cond.notify_all()
            os.close(self.fd)

    def _line(self, raw: bytes) -> None:
        with self.cond:
            if raw.strip() == self.sentinel:
                self.marks += 1
                self.cond.notify_all()
                return
            if not raw.strip():
                return
            if self.kept + len(raw) > LOG_CAP_BYTES:
                self.dropped += len(raw)
                return
            self.kept += len(raw)
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\r"))

    def take(self, marks: int | None, wait_s: float) -> list[LogLine]:
        """Lines up to sentinel number `marks` (or everything so far when None)."""
        deadline = time.monotonic() + wait_s
        with self.cond:
            while not self.closed and (marks is None or self.marks < marks):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            lines = [LogLine(self.stream, text) for text in self.lines]  # type: ignore[arg-type]
            if self.dropped:
                lines.append(LogLine(self.stream, f"[fnproof: {self.dropped} more bytes of output dropped]"))  # type: ignore[arg-type]
            self.lines, self.kept, self.dropped = [], 0, 0
            return lines


class ProcessEnvironment:
    """A driver process serving one invocation at a time; restarted after it dies."""

    def __init__(self, spec_for: Callable[[Path], DriverSpec], *, label: str, base_dir: Path) -> None:
        self._spec_for = spec_for
        self.id = f"{label}-{next(_IDS)}"
        self._base_dir = base_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.starts = 0
        self.deaths = 0
        self.forged = 0  # reply lines without the invocation's nonce, ignored
        self.init_logs: tuple[LogLine, ...] = ()
        _LIVE.add(self)

    # lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the driver and load the handler (Lambda's init phase); raises InitError."""
        # The folder is the handler's HOME, TMPDIR and cwd: a neutral name, so nothing in it says
        # which environment this is (an outage environment, a probe) or how many came before.
        self._workdir = Path(tempfile.mkdtemp(prefix="env-", dir=self._base_dir))
        (self._workdir / "tmp").mkdir()
        spec = self._spec_for(self._workdir)
        self._sentinel = f"\x1efnproof-end-{secrets.token_hex(8)}".encode()
        self._memory_mb = spec.memory_mb
        self._max_processes = spec.max_processes
        self._credit_s = 0.0
        proto_r, proto_w = os.pipe()
        argv = [*spec.argv, str(proto_w), self._sentinel.decode()]
        env = spec.env
        if spec.sandbox is not None:
            if spec.relays:
                env = {**env, "_RELAYS": ",".join(f"{port}={path}" for port, path in spec.relays)}
            argv = spec.sandbox.wrap(argv, ro=(*kit_paths(), *spec.readable, *(p.parent for _, p in spec.relays)),
                                     rw=(self._workdir, *spec.writable), cwd=self._workdir,
                                     own_network=bool(spec.relays))
        try:
            self._proc = popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, pass_fds=(proto_w,), cwd=self._workdir, env=env,
                start_new_session=True, close_fds=True,
            )
        finally:
            os.close(proto_w)
        self.starts += 1
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read_protocol, args=(proto_r,), daemon=True,
                         name=f"fnproof-proto-{self.id}").start()
        self._out = _StreamCollector(os.dup(self._proc.stdout.fileno()), "stdout", self._sentinel)  # type: ignore[union-attr]
        self._err = _StreamCollector(os.dup(self._proc.stderr.fileno()), "stderr", self._sentinel)  # type: ignore[union-attr]
        self._proc.stdout.close()  # type: ignore[union-attr]
        self._proc.stderr.close()  # type: ignore[union-attr]
        self._out.start()
        self._err.start()
        self._marks = 1  # the driver writes a sentinel after init too
        reply, why = self._wait_watched(spec.init_timeout_s)
        logs = self._take_logs(self._marks, 0.5 if reply else 0.05)
        if reply is None:
            code = self._kill() if why != "crash" else self._reap()
            if why == "crash":
                raise InitError("crash", f"driver exited during init ({_exit_text(code)}){_tail(logs)}", logs)
            raise InitError("crash", "init " + self._limit_text(why, spec.init_timeout_s) + _tail(logs), logs)
        if "init_error" in reply:
            self._kill()
            err = reply["init_error"]
            raise InitError(err.get("kind", "throw"), err.get("message", "unknown init error"), logs, err.get("where"))
        self.init_logs = logs

    def ensure_started(self) -> None:
        if self._proc is None:
            self.start()

    def close(self) -> None:
        with self._lock:
            self._kill()
        _LIVE.discard(self)

    def __enter__(self) -> ProcessEnvironment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # invocation ----------------------------------------------------------------------
    def invoke(self, payload: dict[str, Any], timeout_s: float) -> RawResult:
        with self._lock:
            try:
                if self._proc is not None and self._proc.poll() is not None:
                    self.deaths += 1  # died between invocations (an uncaught error after replying)
                    self._kill()
                self.ensure_started()
            except InitError as exc:
                self.deaths += 1
                return RawResult("crash", error=f"init failed: {exc}", logs=exc.logs, ended_environment=True)
            assert self._proc is not None and self._proc.stdin is not None
            nonce = secrets.token_hex(16)  # only the driver sees it; a reply without it is not the driver's
            line = (json.dumps({**payload, "timeout_ms": int(timeout_s * 1000), "nonce": nonce}) + "\n").encode()
            try:
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the reply wait below sees the death
            self._marks += 1
            reply, why = self._wait_watched(timeout_s, nonce)
            if reply is not None and "oversize" in reply:
                code = self._kill()
                self.deaths += 1
                return RawResult("crash", error=f"the reply was larger than {REPLY_CAP_BYTES >> 20} MiB "
                                 f"({reply['oversize']} bytes; Lambda's response limit is 6 MB); environment killed",
                                 logs=self._take_logs(None, 0.2), ended_environment=True)
            if reply is not None:
                logs = self._take_logs(self._marks, 2.0)
                if reply.get("outcome") == "ok":
                    return RawResult("ok", result=reply.get("result"), logs=logs)
                return RawResult("error", error=reply.get("error") or "handler failed", logs=logs)
            code = self._kill() if why != "crash" else self._reap()
            logs = self._take_logs(None, 0.2)
            self.deaths += 1
            if why == "crash":
                return RawResult("crash", error=f"process exited ({_exit_text(code)}){_tail(logs)}",
                                 logs=logs, ended_environment=True)
            return RawResult("timeout" if why == "timeout" else "crash", error=self._limit_text(why, timeout_s),
                             logs=logs, ended_environment=True)

    # internals -----------------------------------------------------------------------
    def _read_protocol(self, fd: int) -> None:
        """Replies, one JSON object per line, each at most REPLY_CAP_BYTES: a bigger line is
        dropped as it arrives (the kit holds at most the cap, whatever the handler returns)
        and stands for a reply that was too large."""
        pending = bytearray()
        skipping = 0  # bytes of an over-long line dropped so far
        try:
            while chunk := os.read(fd, 1 << 16):
                while chunk:
                    cut = chunk.find(b"\n")
                    part, chunk = (chunk, b"") if cut < 0 else (chunk[:cut], chunk[cut + 1:])
                    if skipping or len(pending) + len(part) > REPLY_CAP_BYTES:
                        skipping += len(pending) + len(part)
                        pending.clear()
                    else:
                        pending += part
                    if cut < 0:
                        break
                    if skipping:
                        self._replies.put({"oversize": skipping})
                        skipping = 0
                    else:
                        self._reply_line(bytes(pending))
                    pending.clear()
        except OSError:
            pass
        finally:
            os.close(fd)
        self._replies.put(None)

    def _reply_line(self, raw: bytes) -> None:
        try:
            reply = json.loads(raw)
        except (ValueError, RecursionError):
            return
        if isinstance(reply, dict):
            self._replies.put(reply)

    def _limit_text(self, why: str, timeout_s: float) -> str:
        if why == "processes":
            return f"exceeded the limit of {self._max_processes} processes (its whole tree); environment killed"
        if why == "memory":
            return f"exceeded the memory limit of {self._memory_mb} MB (all its processes together); environment killed"
        waited = f"; {self._credit_s:.1f} s of waiting for a CPU added" if self._credit_s >= 0.05 else ""
        return (f"timed out after {timeout_s:g} s of handler time ({process_tree.load_text()}{waited}); "
                "environment killed")

    def _wait_watched(self, timeout_s: float, nonce: str | None = None) -> tuple[dict[str, Any] | None, str]:
        """Wait for a reply, checking the tree's resident memory every 50 ms.

        The limit is the handler's time, not the machine's: when it runs out, the time the
        environment's processes spent waiting for a CPU (RunQueueClock) is added and the wait
        goes on, up to WAIT_CREDIT_FACTOR times the limit. A handler that sleeps or blocks
        waits for no CPU and still times out on time.
        """
        proc = self._proc
        assert proc is not None
        clock = process_tree.RunQueueClock(proc.pid)
        started = time.monotonic()
        deadline = started + timeout_s
        self._credit_s = 0.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                credit = min(clock.waited_s(), WAIT_CREDIT_FACTOR * timeout_s)
                if started + timeout_s + credit > time.monotonic() + 0.01:
                    deadline, self._credit_s = started + timeout_s + credit, credit
                    continue
                self._credit_s = credit
                try:  # the kit itself may have been starved: a reply that is already here counts
                    reply = self._replies.get_nowait()
                except queue.Empty:
                    return None, "timeout"
            else:
                try:
                    reply = self._replies.get(timeout=min(0.05, left))
                except queue.Empty:
                    tree = process_tree.descendants(proc.pid)
                    if len(tree) > self._max_processes:
                        return None, "processes"
                    if process_tree.rss_mb(tree) > self._memory_mb:
                        return None, "memory"
                    continue
            if reply is None:
                return None, "crash"
            if nonce is not None and "oversize" not in reply and reply.get("nonce") != nonce:
                self.forged += 1  # not the driver's: ignored, and said in the logs
                continue
            return reply, "ok"

    def _take_logs(self, marks: int | None, wait_s: float) -> tuple[LogLine, ...]:
        out = self._out.take(marks, wait_s)
        return tuple(out + self._err.take(marks, wait_s))

    def _reap(self) -> int | None:
        proc = self._proc
        if proc is None:
            return None
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        self._kill()
        return code

    def _kill(self) -> int | None:
        """Kill the driver's whole tree and process group; safe to call twice.

        In the sandbox the tree holds every process of the environment (orphans included,
        under the namespace's init), and the namespace dies with its init anyway."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        for pid in process_tree.descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if proc.stdin:
            try:
                proc.stdin.close()
            except OSError:
                pass
        shutil.rmtree(self._workdir, ignore_errors=True)
        return code


class ProcessBackedEnvironment(Environment):
    """An Environment served by one ProcessEnvironment; subclasses only translate requests."""

    def __init__(self, process: ProcessEnvironment, timeout_s: float) -> None:
        self._process = process
        self.id = process.id
        self._timeout_s = timeout_s

    def prepare(self) -> None:
        try:
            self._process.ensure_started()
        except InitError:
            pass  # reported by the first invoke, as Lambda and workerd report init failures

    @property
    def deaths(self) -> int:
        return self._process.deaths

    @property
    def init_logs(self) -> tuple[LogLine, ...]:
        return self._process.init_logs

    def close(self) -> None:
        self._process.close()


def _exit_text(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        return f"killed by signal {-code}"
    return f"exit code {code}"


def _tail(logs: tuple[LogLine, ...]) -> str:
    errors = [line.text for line in logs if line.stream == "stderr"][-3:]
    return (": " + " | ".join(errors))[:400] if errors else ""
