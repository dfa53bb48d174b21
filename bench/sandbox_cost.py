"""What the sandbox costs: per fresh environment, and per full `fnproof check`, `--sandbox off` vs `auto`, interleaved.

Per environment: start, init, one valid request, close, one after another (no overlap); CPU
is user+sys of the environment's whole process tree read from /proc just before it closes
(each process's own time plus its reaped children's: a sandbox's processes are reaped inside
its PID namespace, so this process's RUSAGE_CHILDREN never sees them), plus what this process
reaps itself; wall is start to closed. Full run: `fnproof check` on the
reference, production profile. The two modes alternate round by round, so a change in the
machine's load falls on both. Run by hand; it reports, never asserts.

    python bench/sandbox_cost.py [--n 10] [--runs 3] [--runtime lambda-node ...] [--no-full]
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
from pathlib import Path

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.http import Canaries
from fnproof.conformance.runtimes import registry
from fnproof.conformance.runtimes.base import RunOptions
from fnproof.core.contract import default_contract_path, load_contract

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"lambda-node": "reference/lambda-node/index.mjs", "lambda-python": "reference/lambda-python/handler.py",
           "workers": "reference/workers"}
MODES = ("off", "auto")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(root: int) -> float:
    """utime+stime+cutime+cstime of every live process under root, in seconds."""
    from fnproof.conformance.containment.process_tree import descendants

    ticks = 0
    for pid in descendants(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def per_environment(name: str, n: int) -> dict[str, tuple[list[float], list[float]]]:
    contract = load_contract(default_contract_path())
    canaries = Canaries.fresh()
    target = registry.detect(str(ROOT / TARGETS[name]))
    runtimes = {mode: registry.build(target, contract, canaries, RunOptions(sandbox=mode)) for mode in MODES}  # type: ignore[arg-type]
    out: dict[str, tuple[list[float], list[float]]] = {mode: ([], []) for mode in MODES}
    for runtime in runtimes.values():
        runtime.start()
    try:
        contexts = {mode: CheckContext(contract, rt, canaries, "bench") for mode, rt in runtimes.items()}
        for round_ in range(n + 1):
            for mode, runtime in runtimes.items():
                before, started = children_cpu(), time.perf_counter()
                with runtime.environment() as env:
                    response = env.invoke(contexts[mode].request())
                    process = env._process._proc  # type: ignore[attr-defined]
                    inside = tree_cpu(process.pid) if process is not None else 0.0
                wall = time.perf_counter() - started
                time.sleep(0.05)
                reap()
                if response.status >= 300:
                    sys.exit(f"{name} ({mode}) answered {response.status}: {response.error or response.body!r}")
                if round_:  # the first round warms the page cache
                    # the tree's own reading, or what was reaped here, whichever saw the processes
                    out[mode][0].append(max(inside, children_cpu() - before))
                    out[mode][1].append(wall)
        isolation = {mode: rt.isolation.level if rt.isolation else "?" for mode, rt in runtimes.items()}
        if isolation["auto"] != "bubblewrap":
            print(f"  note: auto ran without the sandbox here ({runtimes['auto'].isolation})")
    finally:
        for runtime in runtimes.values():
            runtime.close()
    return out


def full_run(name: str, mode: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fnproof", "check", TARGETS[name], "--sandbox", mode],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"fnproof check {TARGETS[name]} --sandbox {mode} exited {done.returncode}:\n{done.stdout[-1500:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="environments per mode and runtime")
    parser.add_argument("--runs", type=int, default=3, help="full runs per mode and runtime")
    parser.add_argument("--runtime", action="append", choices=sorted(TARGETS))
    parser.add_argument("--no-full", action="store_true", help="skip the full runs")
    args = parser.parse_args()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    for name in args.runtime or sorted(TARGETS):
        costs = per_environment(name, args.n)
        (cpu_off, wall_off), (cpu_on, wall_on) = costs["off"], costs["auto"]
        print(f"{name} per environment (median of {args.n}): "
              f"off CPU {statistics.median(cpu_off) * 1000:.0f} ms wall {statistics.median(wall_off) * 1000:.0f} ms; "
              f"sandbox CPU {statistics.median(cpu_on) * 1000:.0f} ms wall {statistics.median(wall_on) * 1000:.0f} ms; "
              f"ratio CPU {statistics.median(cpu_on) / statistics.median(cpu_off):.2f}x "
              f"wall {statistics.median(wall_on) / statistics.median(wall_off):.2f}x; load {os.getloadavg()[0]:.2f}",
              flush=True)
        if args.no_full:
            continue
        walls: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.runs):
            for mode in MODES:
                walls[mode].append(full_run(name, mode))
        off, on = statistics.median(walls["off"]), statistics.median(walls["auto"])
        print(f"{name} full production run (median of {args.runs}): off {off:.2f} s, sandbox {on:.2f} s, "
              f"ratio {on / off:.2f}x; load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
