"""Numbers that answer "does this prompt make Claude write conformant handlers?".

A scoreboard is computed from per-sample results only (what each check did to each
sample, and the tokens each reply used), so `eval`, `eval --regrade` and `grade` print the
same thing for the same inputs. Skipped checks are shown and never counted as passes; a
sample with no reply (an API error) is listed but left out of the rates, because it says
nothing about the prompt.

pass^k is the chance that k samples drawn from this run ALL pass every check, estimated
without bias as C(c, k) / C(n, k) for c passing samples out of n: the measure of a prompt
you can rely on every time, where pass rate is the measure of one you might get lucky with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb
from typing import Any, Literal

from fnproof.eval.pricing import PriceTable, cost

SampleStatus = Literal["graded", "no-handler", "does-not-load", "no-reply"]
MARK = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}
MATRIX_MAX_SAMPLES = 16


@dataclass(slots=True)
class SampleResult:
    id: str
    status: SampleStatus
    reason: str = ""
    checks: dict[str, str] = field(default_factory=dict)   # check id -> outcome, catalogue order
    usage: dict = field(default_factory=dict)
    model: str | None = None
    truncated: bool = False
    target: str = ""

    @property
    def counted(self) -> bool:
        return self.status != "no-reply"

    @property
    def passes(self) -> bool:
        return self.counted and bool(self.checks) and not any(o in ("failed", "error") for o in self.checks.values())


def pass_hat_k(n: int, c: int, k: int) -> float:
    return comb(c, k) / comb(n, k) if 0 < k <= n else 0.0


def _ks(n: int) -> list[int]:
    ks, k = [], 1
    while k < n:
        ks.append(k)
        k *= 2
    return ks + [n] if n else []


def compute(samples: list[SampleResult], *, table: PriceTable | None, batch: bool, model: str | None) -> dict:
    counted = [s for s in samples if s.counted]
    ids = list(dict.fromkeys(cid for s in counted for cid in s.checks))
    per_check: dict[str, dict[str, Any]] = {}
    for cid in ids:
        outcomes = [s.checks.get(cid, "failed") for s in counted]
        tally = {o: outcomes.count(o) for o in ("passed", "failed", "error", "skipped")}
        ran = len(outcomes) - tally["skipped"]
        per_check[cid] = {**tally, "ran": ran, "rate": tally["passed"] / ran if ran else None}
    n, c = len(counted), sum(s.passes for s in counted)
    passed = sum(v["passed"] for v in per_check.values())
    ran = sum(v["ran"] for v in per_check.values())
    tokens = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    total_cost: float | None = 0.0
    for s in samples:
        for key in tokens:
            tokens[key] += int(s.usage.get(key) or 0)
        if s.usage:
            one = cost(table, s.model or model, s.usage, batch=batch) if table else None
            total_cost = None if one is None or total_cost is None else total_cost + one
    return {
        "samples": len(samples), "counted": n, "passing": c,
        "sample_rate": c / n if n else None,
        "checks_passed": passed, "checks_ran": ran, "check_rate": passed / ran if ran else None,
        "pass_hat_k": {str(k): pass_hat_k(n, c, k) for k in _ks(n)},
        "per_check": per_check,
        "per_sample": [{"id": s.id, "status": s.status, "reason": s.reason, "passes": s.passes, "target": s.target,
                        "passed": sum(o == "passed" for o in s.checks.values()), "total": len(s.checks),
                        "failed": [cid for cid, o in s.checks.items() if o in ("failed", "error")],
                        "skipped": [cid for cid, o in s.checks.items() if o == "skipped"],
                        "truncated": s.truncated, "usage": s.usage, "outcomes": s.checks} for s in samples],
        "tokens": tokens,
        "cost": total_cost if any(s.usage for s in samples) else None,
        "pricing": {"model": model, "batch": batch,
                    "note": (table.describe(model) if table and model else "no model")
                    + (f", batch at {table.batch_discount:g}x" if batch and table else "")},
    }


def _pct(rate: float | None) -> str:
    return "   —" if rate is None else f"{rate * 100:3.0f}%"


def _fraction(num: int, den: int) -> str:
    return f"{num}/{den}"


def _status(row: dict) -> str:
    if row["status"] != "graded":
        return row["status"]
    return "passes all" if row["passes"] else f"fails {len(row['failed'])}"


def format_board(board: dict, title: str) -> str:
    lines = [title, ""]
    rows, ids = board["per_sample"], list(board["per_check"])
    width = max([len(i) for i in ids] + [28])
    show = [r for r in rows if r["status"] != "no-reply"]
    matrix = len(show) <= MATRIX_MAX_SAMPLES
    head = f"{'check':<{width}}  {'pass rate':>12}"
    if matrix:  # columns are sample numbers, as in the table below
        head = f"{head:<{width + 14}}   " + " ".join(f"{rows.index(r) + 1:>3}" for r in show)
    lines.append(head)
    for cid in ids:
        v = board["per_check"][cid]
        line = f"{cid:<{width}}  {_fraction(v['passed'], v['ran']):>7} {_pct(v['rate'])}"
        if v["skipped"]:
            line += f" ({v['skipped']} skipped)"
        if matrix:
            line = f"{line:<{width + 14}}   " + " ".join(f"{MARK.get(r['outcomes'].get(cid, ''), '-'):>3}"
                                                         for r in show)
        lines.append(line.rstrip())
    idw = max([len(r["id"]) for r in rows] + [6])
    lines += ["", f"{'#':>3} {'sample':<{idw}}  {'status':<14}{'checks':>7}  {'tokens in/out':>15}  failed, or why"]
    for number, r in enumerate(rows, start=1):
        usage = r["usage"] or {}
        tokens = f"{usage.get('input_tokens', 0):,}/{usage.get('output_tokens', 0):,}" if usage else "—"
        why = ", ".join(r["failed"]) if r["status"] == "graded" else r["reason"]
        if r["truncated"]:
            why = "reply cut off at max tokens; " + why
        checks = _fraction(r["passed"], r["total"]) if r["status"] != "no-reply" else "—"
        lines.append(f"{number:>3} {r['id']:<{idw}}  {_status(r):<14}{checks:>7}  {tokens:>15}  {why[:110]}".rstrip())
    lines.append("")
    lines.append(f"samples passing every check: {_fraction(board['passing'], board['counted'])} "
                 f"({_pct(board['sample_rate']).strip()})   checks passed: "
                 f"{_fraction(board['checks_passed'], board['checks_ran'])} ({_pct(board['check_rate']).strip()})")
    if board["counted"] < board["samples"]:
        lines.append(f"not counted: {board['samples'] - board['counted']} sample(s) got no reply from the API")
    if board["pass_hat_k"]:
        ks = " · ".join(f"k={k} {v:.2f}" for k, v in board["pass_hat_k"].items())
        lines.append(f"pass^k (k samples all pass every check): {ks}")
    if any(r["usage"] for r in board["per_sample"]):
        lines.append(_money_line(board))
    return "\n".join(lines) + "\n"


def _money_line(board: dict) -> str:
    t = board["tokens"]
    line = f"tokens: {t['input_tokens']:,} in / {t['output_tokens']:,} out"
    cached = t["cache_creation_input_tokens"] + t["cache_read_input_tokens"]
    if cached:
        line += f" (+{cached:,} cache)"
    if board["cost"] is not None:
        line += f" · cost ${board['cost']:.4f} ({board['pricing']['note']})"
    else:
        line += f" · cost unknown ({board['pricing']['note']})"
    return line


def format_compare(left: tuple[str, dict], right: tuple[str, dict]) -> str:
    """Two runs side by side: each check's pass rate, then the summary numbers."""
    (a_name, a), (b_name, b) = left, right
    ids = list(dict.fromkeys(list(a["per_check"]) + list(b["per_check"])))
    width = max([len(i) for i in ids] + [28])
    col = max(len(a_name), len(b_name), 16)

    def cell(board: dict, cid: str) -> str:
        v = board["per_check"].get(cid)
        return "—" if v is None else f"{_fraction(v['passed'], v['ran'])} {_pct(v['rate']).strip()}"

    lines = [f"{'check':<{width}}  {a_name:>{col}}  {b_name:>{col}}"]
    lines += [f"{cid:<{width}}  {cell(a, cid):>{col}}  {cell(b, cid):>{col}}" for cid in ids]
    lines.append("")
    for label, fn in (("samples passing every check",
                       lambda x: f"{_fraction(x['passing'], x['counted'])} {_pct(x['sample_rate']).strip()}"),
                      ("checks passed",
                       lambda x: f"{_fraction(x['checks_passed'], x['checks_ran'])} {_pct(x['check_rate']).strip()}"),
                      ("pass^k, k = all samples",
                       lambda x: f"{list(x['pass_hat_k'].values())[-1]:.2f}" if x["pass_hat_k"] else "—"),
                      ("tokens out", lambda x: f"{x['tokens']['output_tokens']:,}"),
                      ("cost", lambda x: "unknown" if x["cost"] is None else f"${x['cost']:.4f}")):
        lines.append(f"{label:<{width}}  {fn(a):>{col}}  {fn(b):>{col}}")
    return "\n".join(lines) + "\n"


def parse_rate(text: str, *, option: str) -> float:
    """A pass rate given on the command line: 0.8 or 80%."""
    from fnproof.core.errors import UsageError

    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise UsageError(f"{option} needs a rate such as 0.8 or 80%, got {text!r}") from None
    if not 0 <= rate <= 1:
        raise UsageError(f"{option} needs a rate between 0 and 1 (or 0% and 100%), got {text!r}")
    return rate


def parse_pass_k(text: str) -> tuple[int, float]:
    """`--pass-k-under K:RATE`: pass^k at K must reach RATE."""
    from fnproof.core.errors import UsageError

    head, sep, tail = text.partition(":")
    if not sep or not head.isdigit() or int(head) < 1:
        raise UsageError(f"--pass-k-under needs K:RATE with K a whole number from 1, e.g. 4:0.5; got {text!r}")
    return int(head), parse_rate(tail, option="--pass-k-under")


def below_thresholds(board: dict, *, fail_under: float | None, pass_k: tuple[int, float] | None) -> list[str]:
    """What the board misses, one line each: the sample pass rate, and pass^k (every one of k tries passes)."""
    misses = []
    rate = board["sample_rate"]
    if fail_under is not None and (rate is None or rate < fail_under):
        shown = "no sample counted" if rate is None else f"{rate:.0%} of samples passed every check"
        misses.append(f"{shown}, under --fail-under {fail_under:.0%}")
    if pass_k is not None:
        k, wanted = pass_k
        n, c = board["counted"], board["passing"]
        if k > n:
            misses.append(f"pass^{k} needs at least {k} counted samples, the run has {n}")
        elif (got := pass_hat_k(n, c, k)) < wanted:
            misses.append(f"pass^{k} is {got:.0%}, under --pass-k-under {k}:{wanted:.0%}")
    return misses
