"""The Stop hook's cost per turn end: a run that checks, a run that skips, and the kit's bare start-up.

A turn that did not touch the handler must cost next to nothing, so the skip path (digest of
the handler's folder and contract, one line) is measured beside two peers in the same run,
interleaved: `fnproof --version` (the interpreter and CLI start-up, the floor any hook pays)
and the hook when it really runs the check. Medians of N rounds, the ratios, and the load
average. Run by hand; it reports, never asserts.

    python bench/hook_skip.py [--runs 5] [--profile production]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(argv: list[str], payload: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, input=payload, capture_output=True, text=True, env=env)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="production")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(ROOT / "reference/lambda-node", repo / "src", ignore=shutil.ignore_patterns("node_modules"))
        env = {**os.environ, "FNPROOF_CACHE_DIR": os.environ.get("FNPROOF_CACHE_DIR", str(Path(tmp) / "cache"))}
        env.pop("CLAUDE_PROJECT_DIR", None)
        hook = [sys.executable, "-m", "fnproof", "hook", "stop", "--target", "src/index.mjs", "--profile", args.profile]
        payload = json.dumps({"session_id": "bench", "cwd": str(repo)})
        bare, checked, skipped = [], [], []
        for round_ in range(args.runs):
            bare.append(_timed([sys.executable, "-m", "fnproof", "--version"], "", env)[0])
            (repo / "src" / "round.txt").write_text(f"{round_}\n")  # the folder changed: this round checks
            seconds, out = _timed(hook, payload, env)
            if out.strip():
                print(f"the reference did not pass: {out[:300]}", file=sys.stderr)
                return 1
            checked.append(seconds)
            seconds, out = _timed(hook, payload, env)
            assert "skipped" in out, out
            skipped.append(seconds)
    m = {name: statistics.median(values) for name, values in
         (("bare start-up", bare), ("hook, checks", checked), ("hook, skips", skipped))}
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {args.runs} rounds; "
          f"profile {args.profile}; median wall seconds")
    for name, value in m.items():
        print(f"  {name:<14} {value:7.3f} s")
    print(f"  skip / bare start-up: {m['hook, skips'] / m['bare start-up']:.2f}x; "
          f"check / skip: {m['hook, checks'] / m['hook, skips']:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
