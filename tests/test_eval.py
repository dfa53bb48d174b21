"""`fnproof eval` and `fnproof grade` end to end, against a fake Messages API on loopback.

The real `anthropic` SDK talks to a real HTTP server (tests/fake_anthropic.py) that
answers from the recorded replies in tests/data/replies. What each reply must score is
declared in replies.yaml (which checks its handler fails), so every number asserted below
is derived from those declarations and from the text the fake served, never typed in.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import DATA, ROOT
from fake_anthropic import API_KEY, FakeAnthropic, tokens
from fnproof.cli import main
from fnproof.conformance.checks.registry import select
from fnproof.eval import run as evaluate
from fnproof.eval.extract import extract
from fnproof.eval.pricing import load_pricing
from fnproof.eval.scoreboard import pass_hat_k
from fnproof.prompts.catalog import find, prompts_dir, resolve_vars

REPLIES = DATA / "replies"
INDEX = yaml.safe_load((REPLIES / "replies.yaml").read_text(encoding="utf-8"))["replies"]
RUNTIME = "lambda-node"
V1, V2 = "create-function@1", "create-function@2"


def prompt_text(ref: str, input_text: str = evaluate.DEFAULT_INPUT) -> str:
    prompt = find(prompts_dir(), ref)
    return evaluate.user_prompt(prompt, resolve_vars(prompt, {"runtime": RUNTIME}), input_text)


def recorded(ref: str) -> list[dict]:
    return [r for r in INDEX if r["prompt"] == ref and r["runtime"] == RUNTIME]


def text_of(reply: dict) -> str:
    return (REPLIES / reply["file"]).read_text(encoding="utf-8")


def start_fake() -> FakeAnthropic:
    fake = FakeAnthropic().start()
    for ref in (V1, V2):
        fake.add(prompt_text(ref), [text_of(r) for r in recorded(ref)])
    return fake


def run_cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def api(monkeypatch):
    """A running fake and the key it accepts; ANTHROPIC_BASE_URL unset so only --base-url routes."""
    fake = start_fake()
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def v2_run(tmp_path_factory):
    """One 4-sample production eval of create-function@2, shared by the tests that read it."""
    fake = start_fake()
    out = tmp_path_factory.mktemp("eval") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANTHROPIC_API_KEY", API_KEY)
        mp.delenv("ANTHROPIC_BASE_URL", raising=False)
        code, stdout, stderr = run_cli("eval", "--prompt", V2, "--runtime", RUNTIME, "--samples", 4,
                                       "--base-url", fake.url, "--out", out)
    fake.stop()
    assert code == 0, stderr
    return out, stdout, stderr, fake


def declared(reply_md: str) -> dict:
    """The replies.yaml entry whose text a sample received."""
    return next(r for r in INDEX if text_of(r) == reply_md)


def expected_outcomes(reply: dict, profile: str, only: tuple[str, ...] = ()) -> dict[str, str]:
    ids = [spec.id for spec in select(profile, only)]
    fails = set(ids) if reply["fails"] == "all" else set(reply["fails"])
    return {cid: "failed" if cid in fails else "passed" for cid in ids}


def check_board_follows(run: Path, profile: str, only: tuple[str, ...] = (), *, batch: bool = False) -> dict:
    """Recompute the scoreboard from the declarations and the served text; compare."""
    board = json.loads((run / "scoreboard.json").read_text())
    manifest = json.loads((run / "manifest.json").read_text())
    system, prompt = (run / "system.md").read_text(), (run / "prompt.md").read_text()
    samples, want_tokens, cost = [], {"input_tokens": 0, "output_tokens": 0}, 0.0
    table = load_pricing()
    for sid in manifest["samples"]:
        reply = declared((run / "samples" / sid / "reply.md").read_text())
        outcomes = expected_outcomes(reply, profile, only)
        assert (json.loads((run / "samples" / sid / "sample.json").read_text())["outcomes"]
                == outcomes), (sid, reply["file"])
        usage = {"input_tokens": tokens(system + prompt), "output_tokens": tokens(text_of(reply))}
        for key in want_tokens:
            want_tokens[key] += usage[key]
        price = table.lookup(manifest["model"])
        cost += (usage["input_tokens"] * price.input + usage["output_tokens"] * price.output) / 1e6
        samples.append(outcomes)
    n, c = len(samples), sum(all(o == "passed" for o in s.values()) for s in samples)
    for cid in samples[0]:
        assert board["per_check"][cid]["passed"] == sum(s[cid] == "passed" for s in samples), cid
        assert board["per_check"][cid]["ran"] == n
    assert (board["counted"], board["passing"]) == (n, c)
    assert board["pass_hat_k"][str(n)] == pass_hat_k(n, c, n)
    assert {k: board["tokens"][k] for k in want_tokens} == want_tokens
    assert board["cost"] == pytest.approx(cost * (table.batch_discount if batch else 1))
    text = (run / "scoreboard.txt").read_text()
    assert f"samples passing every check: {c}/{n} " in text
    return board


# -- the 4-sample run ----------------------------------------------------------------------------

@pytest.mark.runtime
def test_eval_writes_the_run_and_a_scoreboard_that_follows_from_the_replies(v2_run) -> None:
    out, stdout, stderr, fake = v2_run
    board = check_board_follows(out, "production")
    assert board["passing"] == sum(r["fails"] == [] for r in recorded(V2)) and board["counted"] == 4
    assert (out / "scoreboard.txt").read_text() in stdout
    served = sorted(declared((out / "samples" / s / "reply.md").read_text())["file"]
                    for s in ("001", "002", "003", "004"))
    assert served == sorted(r["file"] for r in recorded(V2))
    for cid, row in board["per_check"].items():
        assert re.search(rf"^{cid}\s+{row['passed']}/{row['ran']}\s", stdout, re.M), cid
    total = len(select("production"))
    # progress, not a TTY: one line per event
    assert re.search(rf"sample 00\d: fails 1 of {total}: key-reuse-422", stderr)


@pytest.mark.runtime
def test_eval_saves_replies_files_reports_and_a_manifest(v2_run) -> None:
    out, _, _, fake = v2_run
    manifest = json.loads((out / "manifest.json").read_text())
    sent = [r for r in fake.requests if r["path"] == "/v1/messages"]
    assert len(sent) == 4 and {r["auth"] for r in sent} <= {"x-api-key", "bearer"}
    body = sent[0]["body"]
    assert body["messages"][0]["content"] == (out / "prompt.md").read_text() == prompt_text(V2)
    assert body["system"] == (out / "system.md").read_text()
    assert "temperature" not in body and body["max_tokens"] == evaluate.DEFAULT_MAX_TOKENS and body["stream"] is True
    sha = lambda text: hashlib.sha256(text.encode()).hexdigest()  # noqa: E731
    assert manifest["prompt"] == {"id": "create-function", "version": 2, "ref": "create-function@v2",
                                  "file": "prompts/create-function/v2.md", "sha256": sha(prompt_text(V2)),
                                  "variables": resolve_vars(find(prompts_dir(), V2), {"runtime": RUNTIME}),
                                  "input": evaluate.DEFAULT_INPUT}
    assert manifest["system"]["sha256"] == sha(body["system"])
    assert manifest["claude_md_sha256"] == sha((ROOT / "CLAUDE.md").read_text())
    assert "FP-IDEMP-1" in body["system"]
    assert ((manifest["model"], manifest["runtime"], manifest["profile"])
            == (evaluate.DEFAULT_MODEL, RUNTIME, "production"))
    assert manifest["params"] == {"max_tokens": evaluate.DEFAULT_MAX_TOKENS, "temperature": None, "samples": 4,
                                  "concurrency": 4, "batch": False}
    assert manifest["kit_version"] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created_utc"])
    schema = json.loads((ROOT / "conformance" / "schemas" / "report.schema.json").read_text())
    for sid in manifest["samples"]:
        folder = out / "samples" / sid
        reply = declared((folder / "reply.md").read_text())
        assert json.loads((folder / "message.json").read_text())["content"][-1]["text"] == text_of(reply)
        jsonschema.validate(json.loads((folder / "report.json").read_text()), schema)
        extraction = json.loads((folder / "extraction.json").read_text())
        assert sorted(f["path"] for f in extraction["files"]) == sorted(reply["files"])
        assert extraction["entry"] == reply["entry"]
        assert (folder / "files" / reply["entry"]).is_file()


@pytest.mark.runtime
def test_regrade_reproduces_the_scoreboard_without_the_api(v2_run, tmp_path, monkeypatch) -> None:
    out, _, _, fake = v2_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "samples" / "001" / "files")  # re-extracted from the saved reply
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)  # the fake is stopped: any call would fail
    code, stdout, stderr = run_cli("eval", "--regrade", copy)
    assert code == 0, stderr
    before, after = (json.loads((d / "scoreboard.json").read_text()) for d in (out, copy))
    for key in ("per_check", "passing", "counted", "pass_hat_k", "tokens", "cost"):
        assert after[key] == before[key], key
    assert [s["outcomes"] for s in after["per_sample"]] == [s["outcomes"] for s in before["per_sample"]]
    assert (copy / "samples" / "001" / "files").is_dir()
    assert len(json.loads((copy / "manifest.json").read_text())["regraded"]) == 1
    assert "samples passing every check: 2/4" in stdout


# -- batch, compare, grade -----------------------------------------------------------------------

@pytest.mark.runtime
def test_batch_creates_polls_and_reads_results_by_custom_id(api, tmp_path) -> None:
    out = tmp_path / "batch"
    code, stdout, stderr = run_cli("eval", "--prompt", V1, "--samples", 3, "--batch", "--batch-poll", "0.01",
                                   "--base-url", api.url, "--out", out)
    assert code == 0, stderr
    paths = [(r["method"], r["path"]) for r in api.requests]
    assert paths[0] == ("POST", "/v1/messages/batches") and ("POST", "/v1/messages") not in paths
    assert paths[-1][1].endswith("/results") and paths.count(paths[1]) >= 2  # polled until ended
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["api"]["batch_id"].startswith("msgbatch_") and manifest["params"]["batch"] is True
    for sid, reply in zip(manifest["samples"], recorded(V1), strict=True):  # results came back reversed
        assert (out / "samples" / sid / "reply.md").read_text() == text_of(reply)
    board = check_board_follows(out, "seed", batch=True)
    assert [s["status"] for s in board["per_sample"]] == ["graded", "graded", "no-handler"]
    assert "batch at 0.5x" in stdout and "created with 3 requests" in stderr
    code, stdout, _ = run_cli("eval", "--regrade", out, "--check", "missing-key-400")
    assert code == 0 and "profile seed" in stdout
    check_board_follows(out, "seed", ("missing-key-400",), batch=True)
    assert json.loads((out / "manifest.json").read_text())["regraded"][-1]["checks"] == ["missing-key-400"]


@pytest.mark.runtime
def test_compare_runs_two_versions_side_by_side_and_regrades_both(api, tmp_path) -> None:
    out, only = tmp_path / "cmp", ("missing-key-400", "invalid-json-separation")
    code, stdout, stderr = run_cli("eval", "--prompt", V1, "--compare", V2, "--samples", 2, "--base-url", api.url,
                                   "--out", out, *[a for c in only for a in ("--check", c)])
    assert code == 0, stderr
    assert json.loads((out / "compare.json").read_text())["runs"] == ["create-function-v1", "create-function-v2"]
    boards = [check_board_follows(out / name, profile, only) for name, profile in
              (("create-function-v1", "seed"), ("create-function-v2", "production"))]
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines)
                  if re.match(r"check\s+create-function@v1\s+create-function@v2$", line))
    for cid in only:
        row = next(line for line in lines[header:] if line.startswith(cid)).split()
        assert [row[1], row[3]] == [f"{b['per_check'][cid]['passed']}/2" for b in boards], cid
    code, again, _ = run_cli("eval", "--regrade", out)
    assert code == 0 and lines[header] in again.splitlines()


@pytest.mark.runtime
def test_grade_scores_folders_claude_code_wrote(tmp_path) -> None:
    folders = []
    for index, reply in enumerate(recorded(V1)):
        folder = tmp_path / f"session-{index + 1}"
        extract(text_of(reply), folder)
        folder.mkdir(exist_ok=True)
        folders.append(folder)
    python = tmp_path / "python-session"
    shutil.copytree(ROOT / "reference" / "lambda-python", python, ignore=shutil.ignore_patterns("__pycache__"))
    report = tmp_path / "grade.json"
    code, stdout, stderr = run_cli("grade", *folders, python, "--profile", "seed", "--json", report)
    assert code == 0, stderr
    data = json.loads(report.read_text())
    rows = data["scoreboard"]["per_sample"]
    for row, reply in zip(rows, recorded(V1), strict=False):  # the last row is the Python folder
        assert row["outcomes"] == expected_outcomes(reply, "seed")
    assert rows[-1]["passes"] and rows[-1]["target"] == "handler.py"
    assert data["reports"][str(python)]["runtime"] == "lambda-python"
    assert "tokens:" not in stdout and "no-handler" in stdout


# -- usage errors: one line, exit 2, before any API call ------------------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["--prompt", "nope@1"], "unknown prompt 'nope'"),
    (["--prompt", V2, "--runtime", "http"], "is written for"),
    (["--prompt", V2, "--check", "no-such-check"], "unknown check id"),
    (["--prompt", V2, "--samples", "0"], "--samples must be greater than 0"),
    (["--prompt", V2, "--price", "cheap"], "--price 'cheap'"),
    (["--prompt", V2, "--model", "claude-sonnet-5-5", "--compare", "create-function@v2"], "same prompt version"),
    (["--regrade", "."], "no manifest.json"),
    (["--regrade", ".", "--prompt", V2], "drop --prompt"),
    (["--prompt", V2, "--fail-under", "most"], "--fail-under needs a rate"),
    (["--prompt", V2, "--fail-under", "120%"], "between 0 and 1"),
    (["--prompt", V2, "--pass-k-under", "0.5"], "--pass-k-under needs K:RATE"),
    (["--prompt", V2, "--pass-k-under", "4:2"], "between 0 and 1"),
])
def test_bad_input_is_one_line_and_costs_nothing(api, tmp_path, argv, message) -> None:
    code, stdout, stderr = run_cli("eval", *argv, "--base-url", api.url, "--out", tmp_path / "o") \
        if "--regrade" not in argv else run_cli("eval", *argv)
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert [r for r in api.requests if r["path"].startswith("/v1/messages")] == []


def test_a_missing_key_is_one_line(api, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, _, stderr = run_cli("eval", "--prompt", V2, "--base-url", api.url, "--out", tmp_path / "o")
    assert code == 2 and "ANTHROPIC_API_KEY is not set" in stderr and len(stderr.strip().splitlines()) == 1


def test_a_refused_key_stops_the_run(api, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    code, _, stderr = run_cli("eval", "--prompt", V2, "--base-url", api.url, "--out", tmp_path / "o")
    assert code == 2 and "refused the request (401)" in stderr


def test_an_existing_run_folder_is_never_overwritten(api, tmp_path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "keep").write_text("x")
    code, _, stderr = run_cli("eval", "--prompt", V2, "--base-url", api.url, "--out", tmp_path / "o")
    assert code == 2 and "not empty" in stderr


def test_samples_without_a_reply_are_listed_not_counted(api, tmp_path) -> None:
    out = tmp_path / "o"  # another input text: a prompt the fake has no reply for, so each batch result errors
    code, stdout, _ = run_cli("eval", "--prompt", V1, "--samples", 2, "--batch", "--batch-poll", "0.01",
                              "--input", "something else entirely", "--base-url", api.url, "--out", out)
    board = json.loads((out / "scoreboard.json").read_text())
    assert code == 1 and (board["samples"], board["counted"]) == (2, 0)
    assert "not counted: 2 sample(s)" in stdout and "no recorded reply" in stdout


# -- prices ----------------------------------------------------------------------------------------

def test_prices_come_from_a_dated_table_and_unknown_models_are_not_guessed() -> None:
    from fnproof.eval.pricing import cost, override

    table = load_pricing()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", table.taken) and table.source.startswith("https://")
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    price = table.lookup("claude-haiku-4-5")
    assert cost(table, "claude-haiku-4-5-20251001", usage, batch=False) == pytest.approx(price.input + price.output)
    assert (cost(table, "claude-haiku-4-5", usage, batch=True)
            == pytest.approx((price.input + price.output) * table.batch_discount))
    assert cost(table, "claude-unreleased-9", usage, batch=False) is None
    assert (cost(override(table, "claude-unreleased-9", "1,2"), "claude-unreleased-9", usage, batch=False)
            == pytest.approx(3))
    capped = next(name for name, p in table.models.items() if p.max_prompt_tokens)
    assert cost(table, capped, {"input_tokens": table.models[capped].max_prompt_tokens + 1}, batch=False) is None


@pytest.mark.runtime
def test_unknown_model_shows_cost_unknown(api, tmp_path) -> None:
    code, stdout, _ = run_cli("eval", "--prompt", V1, "--samples", 1, "--model", "claude-unreleased-9",
                              "--check", "missing-key-400", "--base-url", api.url, "--out", tmp_path / "o")
    assert code == 0 and "cost unknown (claude-unreleased-9 is not in the price table" in stdout


def test_pass_hat_k_is_the_chance_that_k_samples_all_pass() -> None:
    assert pass_hat_k(4, 2, 1) == 0.5 and pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)
    assert pass_hat_k(4, 4, 4) == 1.0 and pass_hat_k(4, 3, 4) == 0.0


def test_thresholds_turn_a_scoreboard_into_an_exit_code(tmp_path, capsys) -> None:
    from fnproof.commands.eval import _gate
    from fnproof.eval.scoreboard import below_thresholds

    board = {"sample_rate": 0.5, "counted": 4, "passing": 2}
    assert below_thresholds(board, fail_under=0.5, pass_k=None) == []
    assert below_thresholds(board, fail_under=0.6, pass_k=None) == ["50% of samples passed every check, "
                                                                    "under --fail-under 60%"]
    # pass^2 with 2 of 4 passing: C(2,2)/C(4,2) = 1/6
    assert below_thresholds(board, fail_under=None, pass_k=(2, 0.1)) == []
    assert below_thresholds(board, fail_under=None, pass_k=(2, 0.2)) == ["pass^2 is 17%, under --pass-k-under 2:20%"]
    assert "at least 5 counted samples" in below_thresholds(board, fail_under=None, pass_k=(5, 0.1))[0]
    assert below_thresholds({"sample_rate": None, "counted": 0, "passing": 0}, fail_under=0.1, pass_k=None)
    (tmp_path / "scoreboard.json").write_text(json.dumps(board))
    assert _gate(0, [tmp_path], {"fail_under": 0.5, "pass_k": None}) == 0
    assert _gate(0, [tmp_path], {"fail_under": 0.9, "pass_k": (2, 0.5)}) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "--fail-under 90%" in err and "pass^2 is 17%" in err


@pytest.mark.runtime
def test_regrade_fails_under_a_threshold(v2_run, tmp_path, monkeypatch) -> None:
    out, _, _, fake = v2_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    code, _, stderr = run_cli("eval", "--regrade", copy, "--fail-under", "75%", "--pass-k-under", "2:0")
    assert code == 1 and "under --fail-under 75%" in stderr and "pass^" not in stderr
