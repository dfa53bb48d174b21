"""False timeouts under load: the three references, N runs each, with 2 x nproc CPU hogs running.

Each round runs `fnproof check` (production profile) on every reference, then on a handler
that really sleeps past the time limit (a Node handler awaiting a 10 s timer, limit 3 s).
A reference check that fails or errors is a false failure (expected: 0); the sleeper must
fail by timeout every time (expected: N of N). Run by hand; it reports, never asserts.
Every hog leads its own session, so autogroup scheduling cannot shield the kit from them.

    python bench/load_timeouts.py [--runs 20] [--hogs 4] [--runtime lambda-node ...] [--sandbox auto]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"lambda-node": "reference/lambda-node/index.mjs", "lambda-python": "reference/lambda-python/handler.py",
           "workers": "reference/workers"}
SLEEPER = """export const handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{}' };
};
"""


def check(target: str, extra: list[str]) -> tuple[dict[str, int], list[str], float]:
    """(summary, first lines of failed checks' messages, wall s) of one `fnproof check` run."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "fnproof", "check", target, "--report-json", str(report),
                               *extra], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if not report.is_file():
            return {"error": 1}, [f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}"], wall
        data = json.loads(report.read_text())
    bad = [f"{c['id']}: {c['message'].splitlines()[0] if c['message'] else ''}" for c in data["checks"]
           if c["outcome"] in ("failed", "error")]
    return data["summary"], bad, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--runtime", action="append", choices=sorted(TARGETS))
    parser.add_argument("--sandbox", default=None, help="passed on to fnproof check (auto, require, off)")
    args = parser.parse_args()
    runtimes = args.runtime or sorted(TARGETS)
    extra = ["--sandbox", args.sandbox] if args.sandbox else []
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(args.hogs)]
    false_failures: dict[str, list[str]] = {name: [] for name in runtimes}
    sleeper_timeouts = 0
    loads: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sleeper = Path(tmp) / "sleeper.mjs"
            sleeper.write_text(SLEEPER)
            for round_no in range(1, args.runs + 1):
                for name in runtimes:
                    summary, bad, wall = check(TARGETS[name], extra)
                    loads.append(os.getloadavg()[0])
                    false_failures[name] += [f"round {round_no}: {line}" for line in bad]
                    print(f"round {round_no} {name}: {summary} in {wall:.0f} s, load {loads[-1]:.1f}", flush=True)
                summary, bad, wall = check(str(sleeper), [*extra, "--check", "accepts-valid-order"])
                timed_out = summary.get("failed") == 1 and any("timed out" in line for line in bad)
                sleeper_timeouts += timed_out
                print(f"round {round_no} sleeper: {'timed out' if timed_out else 'DID NOT TIME OUT'} "
                      f"({bad[:1]}) in {wall:.0f} s", flush=True)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print(f"\n{args.hogs} CPU hogs on {os.cpu_count()} CPUs, load average during the runs "
          f"{min(loads):.1f}..{max(loads):.1f}")
    for name in runtimes:
        print(f"{name}: {len(false_failures[name])} false failures in {args.runs} runs (expected 0)")
        for line in false_failures[name]:
            print(f"    {line}")
    print(f"sleeper: timed out in {sleeper_timeouts} of {args.runs} runs (expected {args.runs})")


if __name__ == "__main__":
    main()
