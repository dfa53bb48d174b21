"""The OS sandbox around every process that runs code under test (or serves it): bubblewrap on Linux.

Why each part (CONTRACT.md §7: nothing a handler does may shape another verdict):

- **PID namespace, its own /proc.** A handler sees and can signal only its own environment:
  not the kit (whose environ holds the caller's secrets), not the store, not other runs. An
  orphan (`setsid`, a double fork) is re-parented to the namespace's init, and when the kit
  kills the sandbox that init dies and the kernel kills every process in the namespace.
- **A mount namespace with nothing writable but the environment's own folder.** The root
  is an empty tmpfs; the system folders, the runtime, the handler's project and the kit's
  caches (SDK, boto3 venv, compile caches, the kit's own venv and package) are bound
  read-only at their own paths, so no run can change what a later run loads. The caller's
  HOME is not there (only a folder inside it that a run needs, such as a pyenv Python,
  read-only). HOME, TMPDIR and the working folder are the environment's own throwaway folder;
  /tmp and /dev/shm are tmpfs.
- **An unprivileged user.** Each sandbox has its own user namespace in which the code runs as
  uid/gid 1000 with no capabilities, and can create no further user namespaces.
- **One private network namespace per run** (a holder process keeps it open; the store and
  the Workers processes join it with nsenter), and one of its own for each Lambda
  environment, which reaches the store through socket files (relay.py). The run's loopback
  has only the run's store: the host's services, other runs' stores and the internet are
  not reachable, and no two Lambda environments can reach each other. This needs no change
  to handlers (the store's URL is a loopback URL as before); joining a namespace needs the
  kit to run as root, or the holder's user namespace otherwise, which the preflight proves.

`preflight()` runs a sandboxed probe once per process and checks each property; `for_run`
turns the user's `--sandbox auto|require|off` into a Sandbox or none, with the Isolation
record every report prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fnproof.core.errors import UsageError

Mode = Literal["auto", "require", "off"]
MODES: tuple[Mode, ...] = ("auto", "require", "off")
SANDBOX_UID = 1000
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
HOW_TO_GET = ("install bubblewrap (apt-get install bubblewrap); on Ubuntu 23.10+ also allow it user namespaces "
              "(README: Sandbox)")


@dataclass(frozen=True, slots=True)
class Isolation:
    """Which isolation a run had, for every report (terminal header, JSON `sandbox`, JUnit property)."""

    level: Literal["bubblewrap", "none"]
    mode: Mode
    detail: str

    def line(self) -> str:
        return f"sandbox: {self.level} ({self.mode}): {self.detail}"

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "mode": self.mode, "detail": self.detail}


ISOLATED = ("own PID namespace and /proc, read-only system/runtime/handler/caches, private HOME/TMPDIR, "
            f"uid {SANDBOX_UID} without capabilities, network: the run's own loopback only")
NOT_ISOLATED = ("handlers run as the caller's user, see /proc (the kit's environment), the caller's files, "
                "signals and the host's network")


@dataclass(frozen=True, slots=True)
class Preflight:
    ok: bool
    why: str  # what failed, when not ok


_PREFLIGHT: Preflight | None = None
_PREFLIGHT_LOCK = threading.Lock()


def bwrap_binary() -> str | None:
    return shutil.which("bwrap", path=os.environ.get("PATH", "") + ":/usr/bin:/bin")


def preflight() -> Preflight:
    """Prove, once per process, that a sandboxed probe has every property the sandbox promises."""
    global _PREFLIGHT
    with _PREFLIGHT_LOCK:
        if _PREFLIGHT is None:
            _PREFLIGHT = _run_preflight()
        return _PREFLIGHT


# The probe, run inside a sandbox: each line one property, checked by _run_preflight.
_PROBE = r"""
import os, socket, sys
out = {"pid": os.getpid(), "uid": os.getuid(), "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
try:
    open(sys.argv[1] + "/written", "w").close(); out["ro"] = False
except OSError:
    out["ro"] = True
out["home"] = sorted(os.listdir(sys.argv[2])) if os.path.isdir(sys.argv[2]) else []
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[3])), timeout=1).close(); out["host_port"] = True
except OSError:
    out["host_port"] = False
print(__import__("json").dumps(out))
"""


def _run_preflight() -> Preflight:
    if not sys.platform.startswith("linux"):
        return Preflight(False, "bubblewrap sandboxing needs Linux")
    if bwrap_binary() is None:
        return Preflight(False, "bwrap (bubblewrap) is not installed")
    import socket
    import tempfile

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    readonly = Path(tempfile.mkdtemp(prefix="fnproof-preflight-"))
    sandbox = Sandbox()
    try:
        sandbox.start()
        home = os.path.expanduser("~")
        argv = sandbox.wrap([sys.executable, "-I", "-c", _PROBE, str(readonly), home,
                             str(listener.getsockname()[1])], ro=[readonly, *kit_paths()], rw=[], cwd=None)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
        if done.returncode != 0:
            return Preflight(False, "bwrap could not start a sandbox: "
                             + (" ".join(done.stderr.split())[-200:] or f"exit {done.returncode}"))
        seen = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired, SandboxError) as exc:
        return Preflight(False, f"bwrap could not start a sandbox: {exc}")
    finally:
        sandbox.close()
        listener.close()
        shutil.rmtree(readonly, ignore_errors=True)
    problems = []
    if seen["pid"] > 10 or any(pid > 10 for pid in seen["procs"]):
        problems.append("the probe saw processes outside its PID namespace")
    if seen["uid"] == 0:
        problems.append("the probe ran as root")
    if not seen["ro"]:
        problems.append("a read-only bind was writable")
    # Only the folders on the way to a bound path (a pyenv Python, a cache) may show in HOME.
    needed = {Path(os.path.realpath(p)).relative_to(home).parts[0] for p in kit_paths()
              if Path(os.path.realpath(p)).is_relative_to(home) and Path(os.path.realpath(p)) != Path(home)}
    if home not in ("/", "") and set(seen["home"]) - needed:
        problems.append(f"the caller's HOME ({home}) was visible")
    if seen["host_port"]:
        problems.append("the probe reached a port on the host's loopback")
    return Preflight(not problems, "; ".join(problems))


class SandboxError(Exception):
    pass


# bwrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the *thread* that started it ends,
# not the process: a sandbox started from a check's worker thread would die with that thread.
# Every sandboxed process is therefore started from this one thread, which lives as long as
# the kit does; when the kit dies, however it dies, every sandbox dies with it.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fnproof-spawner")


def popen(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """subprocess.Popen, run on the kit's long-lived spawner thread (see above)."""
    return _SPAWNER.submit(lambda: subprocess.Popen(list(argv), **kwargs)).result()


class Sandbox:
    """One run's sandbox: its private network namespace, and `wrap` for each process of the run."""

    def __init__(self) -> None:
        self._holder: subprocess.Popen[bytes] | None = None
        self._net_pid: int | None = None
        self._bwrap = bwrap_binary() or "bwrap"
        self._nsenter = shutil.which("nsenter", path="/usr/bin:/bin:/usr/sbin:/sbin") or "nsenter"
        self._root = os.geteuid() == 0

    def start(self) -> None:
        """Create the run's network namespace (a holder process with only loopback, up)."""
        if self._holder is not None:
            return
        info_r, info_w = os.pipe()
        try:
            self._holder = popen(
                [self._bwrap, "--unshare-net", *(() if self._root else ("--unshare-user",)), "--die-with-parent",
                 "--ro-bind", "/", "/", "--info-fd", str(info_w), "--", "/bin/cat"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(info_w,),
                start_new_session=True, env={"PATH": "/usr/bin:/bin"})
        finally:
            os.close(info_w)
        with os.fdopen(info_r, "rb") as info:
            text = info.read(4096)
        try:
            self._net_pid = int(json.loads(text)["child-pid"])
        except (ValueError, KeyError, TypeError):
            err = self._holder.stderr.read().decode(errors="replace") if self._holder.stderr else ""
            self.close()
            raise SandboxError(f"bwrap could not make a network namespace: {' '.join(err.split())[-200:]}") from None

    def wrap(self, argv: Sequence[str], *, ro: Iterable[Path], rw: Iterable[Path], cwd: Path | None,
             own_network: bool = False) -> list[str]:
        """The command line that runs `argv` in a fresh sandbox of this run.

        `own_network`: a network namespace of its own instead of the run's, for an environment
        that reaches the store through socket files (relay.py): then no environment can talk to
        another one of the same run (an in-memory lock shared between "separate" environments)."""
        if self._net_pid is None:
            raise SandboxError("the run's sandbox was not started")
        enter: list[str] = []
        if not own_network:
            enter = [self._nsenter, f"--net=/proc/{self._net_pid}/ns/net"]
            if not self._root:
                enter += [f"--user=/proc/{self._net_pid}/ns/user", "--preserve-credentials"]
        flags = [self._bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 *(("--unshare-net",) if own_network else ()),
                 "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--disable-userns",
                 "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox", "--cap-drop", "ALL"]
        for system in SYSTEM_DIRS:
            flags += ["--ro-bind-try", system, system]
        flags += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
        for readable in _outermost(ro, skip=SYSTEM_DIRS):
            flags += ["--ro-bind", str(readable), str(readable)]
        for writable in rw:
            flags += ["--bind", str(writable), str(writable)]
        if cwd is not None:
            flags += ["--chdir", str(cwd)]
        return [*enter, *(("--",) if enter else ()), *flags, "--", *argv]

    def close(self) -> None:
        holder, self._holder, self._net_pid = self._holder, None, None
        if holder is None:
            return
        for stream in (holder.stdin, holder.stderr):
            if stream:
                stream.close()
        holder.kill()
        holder.wait()


def _outermost(paths: Iterable[Path], *, skip: Sequence[str]) -> list[Path]:
    """The real paths to bind, without one that another (or a system folder) already covers."""
    real = sorted({Path(os.path.realpath(p)) for p in paths if os.path.exists(p)}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in real:
        if any(path == Path(s) or path.is_relative_to(s) for s in skip):
            continue
        if any(path.is_relative_to(k) for k in kept):
            continue
        kept.append(path)
    return kept


def kit_paths() -> list[Path]:
    """What every sandboxed process of the kit may read: its interpreter, venv, package and caches."""
    import fnproof
    from fnproof.core.paths import cache_dir

    return [Path(sys.prefix), Path(os.path.realpath(sys.base_prefix)), Path(fnproof.__file__).resolve().parent,
            cache_dir()]


def for_run(mode: Mode) -> tuple[Sandbox | None, Isolation]:
    """The run's sandbox (started) or none, and what the reports say; `require` without one is a usage error."""
    if mode == "off":
        return None, Isolation("none", mode, "--sandbox off: " + NOT_ISOLATED)
    check = preflight()
    if not check.ok:
        if mode == "require":
            raise UsageError(f"--sandbox require: the sandbox is not available ({check.why}); {HOW_TO_GET}")
        return None, Isolation("none", mode, f"not isolated ({check.why}): {NOT_ISOLATED}; to isolate, {HOW_TO_GET}")
    sandbox = Sandbox()
    try:
        sandbox.start()
    except SandboxError as exc:
        if mode == "require":
            raise UsageError(f"--sandbox require: {exc}") from None
        return None, Isolation("none", mode, f"not isolated ({exc}): {NOT_ISOLATED}; to isolate, {HOW_TO_GET}")
    return sandbox, Isolation("bubblewrap", mode, ISOLATED)
