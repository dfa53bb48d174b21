"""What an environment's processes are doing, read from /proc: who belongs, how long they waited, how big they are.

An environment is a tree of processes (a driver, workerd, whatever the handler spawns), so
every limit counts the tree, not one pid. Descendants come from `/proc/<pid>/task/*/children`
(cheap: only the tree is read, never all of /proc). Inside the sandbox's PID namespace an
orphan is re-parented to the namespace's init, which is in the tree, so a `setsid` or
double-forked child is still counted and still killed.

Run-queue wait (`/proc/<pid>/schedstat`, 2nd field, nanoseconds spent runnable but not
running) is what a loaded machine steals from a handler: the time limit adds it, so the limit
measures the handler and not the machine's other work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")


def descendants(root: int) -> list[int]:
    """`root` and every live process below it, parents first."""
    seen: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(_children(pid))
    return seen


def _children(pid: int) -> Iterator[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as listing:
                text = listing.read()
        except OSError:
            continue
        yield from (int(child) for child in text.split())


def _thread_waits(pids: list[int]) -> dict[tuple[int, int], int]:
    """(pid, tid) -> nanoseconds that thread has waited for a CPU."""
    waits: dict[tuple[int, int], int] = {}
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as stat:
                    waits[(pid, int(tid))] = int(stat.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return waits


class RunQueueClock:
    """How long an environment's tree waited for a CPU since this clock started.

    Per process the longest-waiting thread counts (a handler's critical path is mostly one
    thread; summing a thread pool's waits would count the same lost second many times), and
    the processes are summed (the driver and workerd take turns on one request's path). A
    sleeping handler waits for no CPU, so a real hang gains nothing from this.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self._base = _thread_waits(descendants(root))

    def waited_s(self) -> float:
        per_process: dict[int, int] = {}
        for (pid, tid), ns in _thread_waits(descendants(self.root)).items():
            gained = max(0, ns - self._base.get((pid, tid), 0))
            per_process[pid] = max(per_process.get(pid, 0), gained)
        return sum(per_process.values()) / 1e9


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MB."""
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"VmRSS:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total_kb / 1024


def load_text() -> str:
    """The machine's load when a limit fired, for the message: a timeout at load 30 on 2 CPUs reads differently."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count() or '?'} CPUs"
