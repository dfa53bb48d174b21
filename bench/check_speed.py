"""Wall time of `fnproof check` on a reference handler (production profile), median of N runs,
next to `node --test` on the same handler's own tests. Run by hand; reports, never asserts.

    python bench/check_speed.py [--runs 5] [--target reference/lambda-node/index.mjs]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", default="reference/lambda-node/index.mjs")
    parser.add_argument("--profile", default="production")
    args = parser.parse_args()
    target = ROOT / args.target
    check = [sys.executable, "-m", "fnproof", "check", str(target), "--profile", args.profile]
    node_test = ["node", "--test"]
    wall(check, ROOT)  # warm the npm cache and the OS page cache; not counted
    kit = [wall(check, ROOT) for _ in range(args.runs)]
    own = [wall(node_test, target.parent) for _ in range(args.runs)]
    kit_median, own_median = statistics.median(kit), statistics.median(own)
    print(f"fnproof check {args.target} --profile {args.profile}: median {kit_median:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in kit)})")
    print(f"node --test in {target.parent.relative_to(ROOT)}: median {own_median:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in own)})")
    print(f"ratio fnproof/node --test: {kit_median / own_median:.1f}x; target for the production profile: < 2 s")


if __name__ == "__main__":
    main()
