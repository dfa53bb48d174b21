"""`fnproof eval`: generate with the Anthropic API, extract, grade by conformance, keep it all.

A run directory holds everything needed to trust and repeat a number: the exact prompt and
system text sent (and their hashes), the model and parameters, every raw reply, the files
extracted from it, each sample's conformance report, and the scoreboard. `--regrade`
re-extracts and re-grades from the saved replies, so a newer kit (or a fixed check) can be
applied to an old run without paying for generation again.

    RUN/manifest.json  prompt.md  system.md  scoreboard.json  scoreboard.txt
    RUN/samples/001/reply.md  message.json  extraction.json  files/  report.json  sample.json
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from fnproof import __version__
from fnproof.conformance.containment.sandbox import Mode
from fnproof.core.contract import Contract
from fnproof.core.datafile import parse_json, read_text, validate
from fnproof.core.errors import SetupError, UsageError
from fnproof.core.paths import data_path, data_root
from fnproof.eval.extract import extract
from fnproof.eval.generate import Reply, generate, generate_batch
from fnproof.eval.grading import GradeOptions, Progress, grade_workspace, save
from fnproof.eval.pricing import PriceTable
from fnproof.eval.scoreboard import SampleResult, compute, format_board, format_compare
from fnproof.guidance.rules import find_section, render_section
from fnproof.prompts.catalog import COMMAND, Prompt, render

DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_MAX_TOKENS = 32000
# What the user types after the slash command; the prompt's `{{ arguments }}` becomes this.
DEFAULT_INPUT = "Orders placed from our web shop's checkout page."
FORMAT = 1
CONTRACT_FILE = "contract.yaml"


@dataclass(frozen=True, slots=True)
class EvalSpec:
    prompt: Prompt
    variables: dict[str, str]
    runtime: str
    profile: str
    only: tuple[str, ...]
    samples: int
    model: str
    max_tokens: int
    temperature: float | None
    input_text: str
    system_text: str
    system_source: str
    claude_md_sha256: str | None
    batch: bool = False
    contract: Contract | None = None  # the user's own; None: the prompt's default contract


@dataclass(slots=True)
class Run:
    root: Path
    manifest: dict = field(default_factory=dict)

    def sample_dir(self, sample_id: str) -> Path:
        return self.root / "samples" / sample_id

    def write_manifest(self) -> None:
        (self.root / "manifest.json").write_text(json.dumps(self.manifest, indent=2) + "\n", encoding="utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def system_prompt(path: Path | None) -> tuple[str, str, str | None]:
    """(text sent, where it came from, sha256 of the whole CLAUDE.md file).

    By default: the rules section of the kit's CLAUDE.md, which is what `fnproof init` puts
    into a user's CLAUDE.md, so a run measures what users get (the rest of the kit's file is
    about developing fnproof). `--system FILE` sends a whole file, e.g. your own CLAUDE.md.
    """
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read the system prompt: {exc.strerror or exc}", where=str(path)) from None
        return text, str(path), sha256(text)
    claude_md = data_root() / "CLAUDE.md"
    if claude_md.is_file():
        whole = claude_md.read_text(encoding="utf-8")
        span = find_section(whole, source=str(claude_md))
        if span:
            return whole[span[0]:span[1]], "CLAUDE.md (fnproof rules section)", sha256(whole)
        return whole, "CLAUDE.md", sha256(whole)
    return render_section(), "rules section rendered from checklists/rules.yaml", None


def user_prompt(prompt: Prompt, variables: dict[str, str], input_text: str, contract: Contract | None = None) -> str:
    """The prompt as Claude Code sends a slash command: `$ARGUMENTS` replaced by the user's input."""
    return render(prompt, variables, mode=COMMAND, contract=contract).replace("$ARGUMENTS", input_text)


def request_params(spec: EvalSpec, text: str) -> dict:
    params = {"model": spec.model, "max_tokens": spec.max_tokens, "system": spec.system_text,
              "messages": [{"role": "user", "content": text}]}
    if spec.temperature is not None:  # newer models refuse a non-default temperature; send none unless asked
        params["temperature"] = spec.temperature
    return params


def sample_ids(n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"{i:0{width}d}" for i in range(1, n + 1)]


def new_run(out: Path, spec: EvalSpec, *, base_url: str | None, concurrency: int) -> Run:
    if out.exists() and any(out.iterdir()):
        raise UsageError("output folder exists and is not empty; choose another --out", where=str(out))
    text = user_prompt(spec.prompt, spec.variables, spec.input_text, spec.contract)
    contract = spec.contract or spec.prompt.contract()
    assert contract is not None, "a prompt to measure has a contract"
    contract_text = read_text(Path(contract.source))
    (out / "samples").mkdir(parents=True, exist_ok=True)
    (out / "prompt.md").write_text(text, encoding="utf-8")
    # The contract graded against travels with the run, so a regrade elsewhere grades the same thing.
    (out / CONTRACT_FILE).write_text(contract_text, encoding="utf-8")
    (out / "system.md").write_text(spec.system_text, encoding="utf-8")
    prompt_path = spec.prompt.path.resolve()
    run = Run(out, {
        "kind": "fnproof-eval", "format": FORMAT, "kit_version": __version__,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "prompt": {"id": spec.prompt.id, "version": spec.prompt.version, "ref": spec.prompt.ref,
                   "file": (prompt_path.relative_to(data_root()).as_posix() if prompt_path.is_relative_to(data_root())
                            else str(prompt_path)),
                   "variables": spec.variables, "input": spec.input_text, "sha256": sha256(text)},
        "system": {"source": spec.system_source, "sha256": sha256(spec.system_text)},
        "claude_md_sha256": spec.claude_md_sha256,
        "runtime": spec.runtime, "profile": spec.profile, "checks": list(spec.only),
        "contract": contract.name,
        "contract_file": {"source": contract.source, "saved_as": CONTRACT_FILE, "sha256": sha256(contract_text)},
        "model": spec.model,
        "params": {"max_tokens": spec.max_tokens, "temperature": spec.temperature, "samples": spec.samples,
                   "concurrency": concurrency, "batch": spec.batch},
        "api": {"base_url": base_url or "default", "batch_id": None},
        "samples": sample_ids(spec.samples), "status": "generating", "regraded": [],
    })
    run.write_manifest()
    return run


def open_run(root: Path) -> Run:
    """A saved run, refused whole unless its manifest is one `fnproof eval` could have written.

    A run folder may come from elsewhere (a colleague's upload, a CI artifact). Its sample ids
    name folders that regrading empties and rewrites, so each must be a plain name whose folder
    is inside this run's samples/: `../../victim` or a symlinked folder is refused before
    anything is read or written.
    """
    path = root / "manifest.json"
    if not path.is_file():
        raise UsageError("not an eval run folder (no manifest.json)", where=str(root))
    source = str(path)
    manifest = parse_json(read_text(path), source=source)
    if not isinstance(manifest, dict) or manifest.get("kind") != "fnproof-eval" or manifest.get("format") != FORMAT:
        raise UsageError(f"manifest.json is not a format-{FORMAT} fnproof eval manifest", where=source)
    validate(manifest, "eval-manifest.schema.json", source=source)
    run = Run(root, manifest)
    samples = root / "samples"
    if samples.is_symlink() or (samples.exists() and not samples.is_dir()):
        raise UsageError("samples is not a folder of this run (a symlink or a file)", where=str(samples))
    for index, sample_id in enumerate(manifest["samples"]):
        folder = run.sample_dir(sample_id)
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise UsageError(f"samples[{index}]: the sample's folder is a symlink or a file, not a folder of this run",
                             where=str(folder))
    return run


def save_reply(run: Run, sample_id: str, reply: Reply) -> None:
    folder = run.sample_dir(sample_id)
    folder.mkdir(parents=True, exist_ok=True)
    record = reply.message if reply.message is not None else {"error": reply.error}
    (folder / "message.json").write_text(json.dumps({"custom_id": reply.custom_id, **record}, indent=2) + "\n",
                                         encoding="utf-8")
    if reply.text is not None:
        (folder / "reply.md").write_text(reply.text, encoding="utf-8")


def grade_sample(run: Run, sample_id: str, options: GradeOptions) -> SampleResult:
    """Extract the saved reply into a fresh files/ folder and grade it; reads nothing from the API."""
    folder = run.sample_dir(sample_id)
    message = _load_json(folder / "message.json")
    usage, model = dict(message.get("usage") or {}), message.get("model")
    truncated = message.get("stop_reason") == "max_tokens"
    reply = folder / "reply.md"
    if not reply.is_file():
        why = message.get("error") or "no reply saved (was the run interrupted?)"
        return SampleResult(sample_id, "no-reply", why, usage=usage, model=model)
    files = folder / "files"
    if files.is_symlink() or files.is_file():
        files.unlink()  # never follow it: only the run's own folder is emptied
    elif files.exists():
        shutil.rmtree(files)
    extraction = extract(read_text(reply), files)
    result, report = grade_workspace(files, sample_id, options)
    (folder / "extraction.json").write_text(json.dumps({**extraction.to_json(), "entry": result.target or None,
                                                        "entry_reason": result.reason}, indent=2) + "\n",
                                            encoding="utf-8")
    result.usage, result.model, result.truncated = usage, model, truncated
    if result.status == "no-handler" and extraction.notes:
        result.reason += f" ({len(extraction.files)} files extracted; {len(extraction.notes)} notes in extraction.json)"
    save(folder, result, report)
    return result


def _load_json(path: Path) -> dict:
    """A sample's saved API message, or {} when it is missing or not one (within the data limits)."""
    try:
        data = parse_json(read_text(path), source=str(path))
    except UsageError:
        return {}
    return data if isinstance(data, dict) else {}


def grade_options(run: Run, profile: str | None = None, only: tuple[str, ...] = (), parallel: int = 4,
                  sandbox: Mode = "auto") -> GradeOptions:
    """The run's own grading settings (its saved contract and the prompt's profile), unless overridden."""
    saved = run.root / CONTRACT_FILE
    name = run.manifest.get("contract", "orders")
    if not saved.is_file() and not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise UsageError(f"no {CONTRACT_FILE} in the run, and its contract is not one of the kit's", where=str(saved))
    contract = saved if saved.is_file() else data_path("conformance", "contracts", f"{name}.yaml")
    return GradeOptions(run.manifest["runtime"], profile or run.manifest["profile"],
                        tuple(only) or tuple(run.manifest.get("checks") or ()), parallel, contract, sandbox)


def execute(run: Run, spec: EvalSpec, client, *, concurrency: int, batch_poll_s: float,
            parallel: int, sandbox: Mode = "auto") -> list[SampleResult]:
    """Generate every sample, grading each as soon as its reply is in (so grading overlaps the API)."""
    text = (run.root / "prompt.md").read_text(encoding="utf-8")
    ids = run.manifest["samples"]
    requests = [(f"sample-{sid}", request_params(spec, text)) for sid in ids]
    by_custom = {f"sample-{sid}": sid for sid in ids}
    options = grade_options(run, parallel=parallel, sandbox=sandbox)
    progress = Progress(f"[{spec.prompt.ref} {spec.runtime}]", len(ids))
    results: dict[str, SampleResult] = {}

    def handle(reply: Reply) -> None:
        sid = by_custom[reply.custom_id]
        save_reply(run, sid, reply)
        usage = reply.usage
        detail = (f"reply in ({usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out tokens)"
                  if reply.text is not None else f"no reply: {reply.error}")
        progress.replied(sid, detail)
        try:
            results[sid] = grade_sample(run, sid, options)
        except SetupError as exc:
            raise SetupError(f"{exc}; the replies are saved:"
                             f" fix this, then `fnproof eval --regrade {run.root}`") from None
        progress.graded_one(results[sid])

    if spec.batch:
        def created(batch_id: str) -> None:
            run.manifest["api"]["batch_id"] = batch_id
            run.write_manifest()
            progress.note(f"batch {batch_id} created with {len(requests)} requests")

        def polled(counts: dict, wait: float) -> None:
            done = {k: v for k, v in counts.items() if v}
            progress.note(f"batch: {', '.join(f'{v} {k}' for k, v in done.items()) or 'queued'};"
                          f" next look in {wait:.2g} s")

        for reply in generate_batch(client, requests, first_poll_s=batch_poll_s, on_created=created, on_poll=polled):
            handle(reply)
    else:
        for reply in generate(client, requests, concurrency=concurrency):
            handle(reply)
    progress.done()
    run.manifest["status"] = "complete"
    run.write_manifest()
    return [results[sid] for sid in ids]


def regrade(run: Run, *, profile: str | None, only: tuple[str, ...], parallel: int,
            sandbox: Mode = "auto") -> list[SampleResult]:
    options = grade_options(run, profile, only, parallel, sandbox)
    progress = Progress(f"[regrade {run.manifest['prompt']['ref']}]", len(run.manifest["samples"]))
    results = []
    for sid in run.manifest["samples"]:
        results.append(grade_sample(run, sid, options))
        progress.graded_one(results[-1])
    progress.done()
    run.manifest["regraded"].append({"utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                     "kit_version": __version__, "profile": options.profile,
                                     "checks": list(options.only)})
    run.write_manifest()
    return results


def finish(run: Run, results: list[SampleResult], table: PriceTable | None) -> tuple[str, dict]:
    """Compute, print-ready and saved: scoreboard.json and scoreboard.txt in the run folder."""
    m = run.manifest
    board = compute(results, table=table, batch=bool(m["params"]["batch"]), model=m["model"])
    profile = m["regraded"][-1]["profile"] if m["regraded"] else m["profile"]
    title = (f"fnproof eval: {m['prompt']['ref']} · {m['runtime']} · profile {profile} · {m['model']} · "
             f"{len(results)} samples\nrun: {run.root}")
    text = format_board(board, title)
    (run.root / "scoreboard.json").write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")
    (run.root / "scoreboard.txt").write_text(text, encoding="utf-8")
    return text, board


def default_out(prompt: Prompt, runtime: str, other: Prompt | None = None) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = f"{prompt.id}-v{prompt.version}" + (f"-vs-{other.id}-v{other.version}" if other else "")
    return Path("fnproof-evals") / f"{stamp}-{name}-{runtime}"


# A graded run: its folder, each sample's result, and the price table to cost it with.
Graded = tuple[Run, list[SampleResult], "PriceTable | None"]


def score_runs(jobs: Iterable[Callable[[], Graded]], out: TextIO) -> int:
    """Grade each run in turn (generate or regrade), print its scoreboard, then the two side by
    side when there are two. Exit code: 1 when some sample got no reply, else 0."""
    boards, missing = [], False
    for job in jobs:
        run, results, table = job()
        text, board = finish(run, results, table)
        out.write("\n" + text)
        boards.append((run.manifest["prompt"]["ref"], board))
        missing |= board["counted"] < board["samples"]
    if len(boards) == 2:
        out.write("\n" + format_compare(boards[0], boards[1]))
    return 1 if missing else 0
