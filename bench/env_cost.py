"""CPU per fresh execution environment (start, init, one valid request, close), by runtime.

The production profile starts ~28 environments, so this number times 28 is most of a run's
CPU. Environments run one after another (no overlap), and CPU is user+sys of every process
the environments started (children reaped, orphans too: this process is a subreaper).

    python bench/env_cost.py [--runtime lambda-node] [--n 12] [--node 24|22|system] [--python 3.11]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from fnproof.conformance.http import Canaries
from fnproof.conformance.runtimes import registry
from fnproof.conformance.runtimes.base import RunOptions
from fnproof.core.contract import default_contract_path, load_contract

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"lambda-node": "reference/lambda-node/index.mjs", "lambda-python": "reference/lambda-python/handler.py",
           "workers": "reference/workers"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runtime", default="lambda-node", choices=sorted(TARGETS))
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--node")
    parser.add_argument("--python")
    args = parser.parse_args()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    contract = load_contract(default_contract_path())
    canaries = Canaries.fresh()
    target = registry.detect(str(ROOT / TARGETS[args.runtime]))
    runtime = registry.build(target, contract, canaries, RunOptions(node=args.node, python=args.python))
    runtime.start()
    from fnproof.conformance.checks.context import CheckContext

    ctx = CheckContext(contract, runtime, canaries, "bench")
    costs, walls = [], []
    try:
        for round_ in range(args.n + 1):
            before, started = children_cpu(), time.perf_counter()
            with runtime.environment() as env:
                response = env.invoke(ctx.request())
            time.sleep(0.05)
            reap()
            if response.status >= 300:
                sys.exit(f"the reference answered {response.status}: {response.error or response.body!r}")
            if round_:  # the first warms the page cache
                costs.append(children_cpu() - before)
                walls.append(time.perf_counter() - started - 0.05)
    finally:
        runtime.close()
    load = os.getloadavg()[0]
    print(f"{args.runtime} on {runtime.platform}")
    print(f"per environment: CPU median {statistics.median(costs) * 1000:.0f} ms "
          f"(min {min(costs) * 1000:.0f}), wall median {statistics.median(walls) * 1000:.0f} ms; "
          f"n={args.n}, load average {load:.2f}")


if __name__ == "__main__":
    main()
