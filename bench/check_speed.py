"""`fnproof check` (production profile) on each reference beside that reference's own test suite,
measured in the same run, interleaved: wall time and CPU time (user+sys of the whole process
tree), medians of N rounds, and the ratios. Run by hand; it reports, never asserts.

    python bench/check_speed.py [--runs 5] [--runtime lambda-node --runtime workers ...]

CPU counts every descendant: this process becomes a child subreaper (Linux), so processes
orphaned by a killed process group (workerd under a killed driver) are reaped, and counted,
here. The issue's targets are printed beside the ratios: lambda-node within 5x of `node --test`
in CPU and wall time, lambda-python and workers within 8x of their own suites.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Pair:
    runtime: str
    target: str
    own: list[str]  # the reference's own test command
    own_cwd: str
    limit: float  # the ratio target


def _node() -> str:
    """The Node the kit runs the references on, so both sides of a ratio use one binary."""
    from fnproof.conformance.services.node_runtime import DEFAULT_MAJOR, node_runtime

    return node_runtime(DEFAULT_MAJOR).binary


def pairs() -> dict[str, Pair]:
    node = _node()
    return {
        "lambda-node": Pair("lambda-node", "reference/lambda-node/index.mjs", [node, "--test"],
                            "reference/lambda-node", 5.0),
        "lambda-python": Pair("lambda-python", "reference/lambda-python/handler.py",
                              [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                              "reference/lambda-python", 8.0),
        "workers": Pair("workers", "reference/workers", [node, "--test"], "reference/workers", 8.0),
    }


def _reap_orphans() -> None:
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s of the process tree) for one run; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runtime", action="append", choices=("lambda-node", "lambda-python", "workers"))
    parser.add_argument("--profile", default="production")
    args = parser.parse_args()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    chosen = [pairs()[name] for name in (args.runtime or ("lambda-node", "lambda-python", "workers"))]
    kit: dict[str, list[tuple[float, float]]] = {p.runtime: [] for p in chosen}
    own: dict[str, list[tuple[float, float]]] = {p.runtime: [] for p in chosen}
    for pair in chosen:  # warm-up, not counted: installs, page cache
        measure([sys.executable, "-m", "fnproof", "check", pair.target, "--profile", args.profile], ROOT)
        measure(pair.own, ROOT / pair.own_cwd)
    for _ in range(args.runs):  # interleaved, so load changes hit both sides alike
        for pair in chosen:
            kit[pair.runtime].append(measure([sys.executable, "-m", "fnproof", "check", pair.target, "--profile",
                                              args.profile], ROOT))
            own[pair.runtime].append(measure(pair.own, ROOT / pair.own_cwd))
    load = os.getloadavg()
    print(f"{args.runs} interleaved rounds, medians; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{os.cpu_count()} cores")
    print(f"{'runtime':<14} {'fnproof wall':>12} {'own wall':>9} {'ratio':>6}   {'fnproof CPU':>11} {'own CPU':>8} "
          f"{'ratio':>6}   target")
    for pair in chosen:
        kw, kc = (statistics.median(v) for v in zip(*kit[pair.runtime], strict=True))
        ow, oc = (statistics.median(v) for v in zip(*own[pair.runtime], strict=True))
        print(f"{pair.runtime:<14} {kw:11.2f}s {ow:8.2f}s {kw / ow:5.1f}x   {kc:10.2f}s {oc:7.2f}s {kc / oc:5.1f}x   "
              f"<= {pair.limit:g}x")
    print("own suites: " + "; ".join(f"{p.runtime}: {' '.join(Path(a).name for a in p.own)} in {p.own_cwd}"
                                     for p in chosen))


if __name__ == "__main__":
    main()
