"""`fnproof eval`: does this prompt make Claude write conformant handlers, and how often?

Every input is validated before the first API call, so a typo never costs money.
Exit 0: the scoreboard was produced. 1: some sample got no reply from the API, so the
numbers cover fewer samples than asked for, or a run is under `--fail-under` or
`--pass-k-under` (each miss said in one line on stderr). 2: usage or setup error.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

from fnproof.commands import options
from fnproof.conformance.checks.registry import select
from fnproof.core.contract import load_contract
from fnproof.core.errors import UsageError
from fnproof.eval import run as evaluate
from fnproof.eval.find_handler import findable
from fnproof.eval.generate import make_client
from fnproof.eval.pricing import PriceTable, load_pricing, override
from fnproof.eval.scoreboard import below_thresholds, parse_pass_k, parse_rate
from fnproof.prompts.catalog import find, parse_vars, prompts_dir, render, resolve_vars

COMPARE = "compare.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", metavar="ID@VERSION", help="prompt to measure, e.g. create-function@2")
    parser.add_argument("--runtime",
                        help="the prompt's runtime variable and the runtime graded (default: the prompt's default)")
    parser.add_argument("--samples", type=int, default=4, metavar="N", help="replies to generate (default 4)")
    parser.add_argument("--model", default=evaluate.DEFAULT_MODEL, help=f"model id (default {evaluate.DEFAULT_MODEL})")
    parser.add_argument("--max-tokens", type=int, default=evaluate.DEFAULT_MAX_TOKENS, metavar="T",
                        help=f"max_tokens per reply (default {evaluate.DEFAULT_MAX_TOKENS})")
    parser.add_argument("--temperature", type=float, metavar="X",
                        help="sampling temperature (default: not sent; newer models accept only their default)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="C", help="API requests at once (default 4)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="run folder (default fnproof-evals/<time>-<prompt>-<runtime>)")
    parser.add_argument("--base-url", metavar="URL",
                        help="Messages API base URL (default: ANTHROPIC_BASE_URL, else Anthropic's)")
    parser.add_argument("--batch", action="store_true", help="use the Message Batches API (half price, results polled)")
    parser.add_argument("--batch-poll", type=float, default=5.0, metavar="S",
                        help="first wait between batch polls; grows x1.5 up to 60 s (default 5)")
    parser.add_argument("--compare", metavar="ID@VERSION",
                        help="a second prompt version, run the same way and shown side by side")
    parser.add_argument("--regrade", type=Path, metavar="DIR", help="re-extract and re-grade a saved run; no API calls")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="another prompt variable")
    parser.add_argument("--input", dest="input_text", default=evaluate.DEFAULT_INPUT, metavar="TEXT",
                        help="what the user types after the slash command ($ARGUMENTS)")
    parser.add_argument("--system", type=Path, metavar="FILE",
                        help="system prompt file (default: the rules section of the kit's CLAUDE.md)")
    options.profile(parser, default=None, what="grade with this profile")
    options.only(parser, what="grade")
    options.parallel(parser, per=" per sample")
    options.contract(parser)
    options.sandbox(parser)
    parser.add_argument("--pricing", type=Path, metavar="FILE", help="price table (default conformance/pricing.yaml)")
    parser.add_argument("--price", metavar="IN,OUT",
                        help="USD per million input,output tokens for --model, overriding the table")
    parser.add_argument("--fail-under", metavar="RATE",
                        help="exit 1 when fewer than RATE of the samples (0.8 or 80%%) pass every check")
    parser.add_argument("--pass-k-under", metavar="K:RATE",
                        help="exit 1 when pass^K (the chance that K samples in a row all pass) is under RATE")


def _thresholds(args: argparse.Namespace) -> dict:
    """Parsed before any API call, so a typo in a threshold costs nothing."""
    return {"fail_under": parse_rate(args.fail_under, option="--fail-under") if args.fail_under else None,
            "pass_k": parse_pass_k(args.pass_k_under) if args.pass_k_under else None}


def _gate(code: int, roots: list[Path], thresholds: dict) -> int:
    """The scoreboards the runs saved, held to the thresholds; every miss is one line on stderr."""
    misses = []
    for root in roots:
        board = json.loads((root / "scoreboard.json").read_text(encoding="utf-8"))
        misses += [f"fnproof eval: {root}: {miss}" for miss in below_thresholds(board, **thresholds)]
    for miss in misses:
        print(miss, file=sys.stderr)
    return 1 if misses else code


def _spec(args: argparse.Namespace, ref: str, system: tuple[str, str, str | None]) -> evaluate.EvalSpec:
    prompt = find(prompts_dir(), ref)
    if prompt.kind != "prompt":
        raise UsageError(f"{prompt.ref} is a fragment (text the kit sends inside something else),"
                         " not a prompt to measure")
    given = parse_vars(args.var)
    runtime = args.runtime or given.get("runtime") or (prompt.variables["runtime"].default
                                                       if "runtime" in prompt.variables else None)
    if runtime is None:
        raise UsageError(f"{prompt.ref} has no runtime variable; pass --runtime")
    if runtime not in prompt.runtimes:
        raise UsageError(f"{prompt.ref} is written for {', '.join(prompt.runtimes)}, not {runtime}")
    if runtime not in findable():
        raise UsageError(f"runtime {runtime} cannot be graded in this version (available: {', '.join(findable())})")
    if "runtime" in prompt.variables:
        given["runtime"] = runtime
    variables = resolve_vars(prompt, given)
    profile = args.profile or prompt.profile
    assert profile is not None, "a whole prompt names its profile"
    contract = load_contract(args.contract) if args.contract else None
    render(prompt, variables, contract=contract)  # a prompt that cannot render this contract fails here
    kind = contract.kind if contract else (prompt.kinds[0] if prompt.kinds else "http-idempotent")
    select(profile, args.only, kind)  # unknown check ids fail here, before any API call
    return evaluate.EvalSpec(prompt, variables, runtime, profile, tuple(args.only), args.samples, args.model,
                             args.max_tokens, args.temperature, args.input_text, system[0], system[1], system[2],
                             batch=args.batch, contract=contract)


def _table(args: argparse.Namespace, model: str) -> PriceTable:
    table = load_pricing(args.pricing)
    return override(table, model, args.price) if args.price else table


def run(args: argparse.Namespace) -> int:
    thresholds = _thresholds(args)
    if args.regrade:
        return _regrade(args, thresholds)
    if not args.prompt:
        raise UsageError("give --prompt ID@VERSION (or --regrade DIR)")
    for name, value in (("--samples", args.samples), ("--max-tokens", args.max_tokens),
                        ("--concurrency", args.concurrency), ("--batch-poll", args.batch_poll),
                        ("--parallel", args.parallel)):
        options.positive(name, value)
    system = evaluate.system_prompt(args.system)
    specs = [_spec(args, args.prompt, system)] + ([_spec(args, args.compare, system)] if args.compare else [])
    table = _table(args, args.model)
    out = args.out or evaluate.default_out(specs[0].prompt, specs[0].runtime, specs[1].prompt if args.compare else None)
    client = make_client(args.base_url)
    roots = [out / _run_name(s) for s in specs] if args.compare else [out]
    if args.compare and len({r.name for r in roots}) < 2:
        raise UsageError("--compare names the same prompt version as --prompt")
    def generate(spec: evaluate.EvalSpec, root: Path) -> evaluate.Graded:
        run_ = evaluate.new_run(root, spec, base_url=args.base_url, concurrency=args.concurrency)
        return run_, evaluate.execute(run_, spec, client, concurrency=args.concurrency, batch_poll_s=args.batch_poll,
                                      parallel=args.parallel, sandbox=args.sandbox), table

    code = evaluate.score_runs([partial(generate, s, r) for s, r in zip(specs, roots, strict=True)], sys.stdout)
    if args.compare:
        (out / COMPARE).write_text(json.dumps({"kind": "fnproof-eval-compare", "runs": [r.name for r in roots]},
                                              indent=2) + "\n", encoding="utf-8")
    return _gate(code, roots, thresholds)


def _run_name(spec: evaluate.EvalSpec) -> str:
    return f"{spec.prompt.id}-v{spec.prompt.version}"


def _regrade(args: argparse.Namespace, thresholds: dict) -> int:
    for flag in ("prompt", "compare", "runtime", "base_url", "system", "temperature", "out"):
        if getattr(args, flag) is not None:
            raise UsageError("--regrade takes the run's own settings from its manifest;"
                             f" drop --{flag.replace('_', '-')}")
    options.positive("--parallel", args.parallel)
    root = args.regrade
    compare = root / COMPARE
    names = json.loads(compare.read_text(encoding="utf-8"))["runs"] if compare.is_file() else None
    runs = [evaluate.open_run(root / n) for n in names] if names else [evaluate.open_run(root)]
    saved = runs[0].root / evaluate.CONTRACT_FILE  # the contract the run was made with, saved beside it
    select(args.profile or runs[0].manifest["profile"], args.only,
           load_contract(saved).kind if saved.is_file() else "http-idempotent")
    def regrade(run_: evaluate.Run) -> evaluate.Graded:
        results = evaluate.regrade(run_, profile=args.profile, only=tuple(args.only), parallel=args.parallel,
                                   sandbox=args.sandbox)
        return run_, results, _table(args, run_.manifest["model"])

    code = evaluate.score_runs([partial(regrade, r) for r in runs], sys.stdout)
    return _gate(code, [r.root for r in runs], thresholds)
