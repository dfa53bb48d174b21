"""Data files written as an attacker would: every one is one `file:line` line and exit 2.

Each data file the kit reads (contract, checklist, a report given to `fnproof checklist`,
prompt front matter, rules, an eval run's manifest) may come from someone else. Before
core/input_limits.py, an alias bomb in a contract hung the kit while its memory grew, a
5,000-digit number or 20,000 nested brackets gave a traceback, and `eval --regrade` with a
sample id of `../../victim` emptied and rewrote a folder outside the run.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.core.errors import UsageError
from fnproof.core.input_limits import MAX_DEPTH

SECRET = "hunter2-do-not-echo-7731"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: each level lists the one before `width` times (9**10 values)."""
    lines = ['l0: &l0 ["' + SECRET + '"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def deep_yaml(depth: int = 20_000) -> str:
    return "name: x\nvalue: " + "[" * depth + "]" * depth + "\n"


def big_number_yaml() -> str:
    return "name: x\ntitle: A title\nitems:\n  - id: a\n    question: q\n    human: true\n    n: " + "9" * 5000 + "\n"


def non_utf8() -> bytes:
    return b"name: x\ntitle: \"caf\xe9 " + SECRET.encode() + b"\"\n"


def one_line_error(code: int, stdout: str, stderr: str, where: str) -> str:
    assert code == 2, (code, stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert where in lines[0], lines[0]
    assert SECRET not in stdout + stderr, "a file that could not be read was echoed back"
    return lines[0]


# -- YAML: contracts and checklists ----------------------------------------------------------------

YAML_ATTACKS = {
    "alias-bomb": (alias_bomb(), ":6: invalid YAML: expands to more than"),
    "deep-nesting": (deep_yaml(), f":2: invalid YAML: nested more than {MAX_DEPTH} levels deep"),
    "5000-digit-number": (big_number_yaml(), ":7: invalid YAML: a number of 5000 characters"),
    "recursive-alias": ("name: &a [x, *a]\n", ":1: invalid YAML: an alias refers to the value that contains it"),
    "python-tag": (f"name: !!python/object:os.system {SECRET}\n", ":1: invalid YAML: the tag"),
    "repeated-key": (f"name: x\ntitle: {SECRET}\nitems: []\ntitle: y\n", ":4: invalid YAML: a key used twice"),
    "impossible-int": ("name: x\ntitle: !!int abc\n", ":1: invalid YAML: a value that cannot be read"),
}


@pytest.mark.parametrize("attack", list(YAML_ATTACKS))
@pytest.mark.parametrize("command", [("contract", "check", "{f}"), ("checklist", "{f}"),
                                     ("check", str(ROOT / "reference/lambda-node/index.mjs"), "--contract", "{f}")])
def test_hostile_yaml_is_one_line(cli, tmp_path, attack, command) -> None:
    text, expected = YAML_ATTACKS[attack]
    path = write(tmp_path / "hostile.yaml", text)
    line = one_line_error(*cli(*[a.replace("{f}", str(path)) for a in command]), where=f"{path}{expected}")
    assert SECRET not in line


def test_an_alias_bomb_costs_little_memory(tmp_path) -> None:
    from fnproof.core.contract import load_contract

    path = write(tmp_path / "bomb.yaml", alias_bomb(levels=12))
    tracemalloc.start()
    try:
        with pytest.raises(UsageError, match="alias bomb"):
            load_contract(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"parsing the bomb took {peak / 2**20:.0f} MiB"


def test_aliases_within_the_limits_still_work(tmp_path) -> None:
    from fnproof.core.datafile import load_yaml

    text = "base: &b {status: 400}\nfirst: *b\nsecond: {<<: *b, code: x}\nwhen: 2026-06-01\n"
    path = write(tmp_path / "ok.yaml", text)
    assert load_yaml(path) == {"base": {"status": 400}, "first": {"status": 400},
                               "second": {"status": 400, "code": "x"}, "when": "2026-06-01"}


@pytest.mark.parametrize("command", [("contract", "check", "{f}"), ("checklist", "{f}"),
                                     ("checklist", "deploy", "--report", "{f}")])
def test_bytes_that_are_not_utf8(cli, tmp_path, command) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(non_utf8())
    one_line_error(*cli(*[a.replace("{f}", str(path)) for a in command]), where=f"{path}:2: not UTF-8 text")


@pytest.mark.parametrize("command", [("contract", "check", "{f}"), ("checklist", "{f}.yaml"),
                                     ("checklist", "deploy", "--report", "{f}"), ("eval", "--regrade", "{r}")])
def test_a_folder_where_a_file_is_expected(cli, tmp_path, command) -> None:
    folder = tmp_path / "thing"
    (folder.with_suffix(".yaml")).mkdir()
    folder.mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "manifest.json").mkdir()
    argv = [a.replace("{f}", str(folder)).replace("{r}", str(tmp_path / "run")) for a in command]
    code, out, err = cli(*argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "folder" in err, err


def test_a_fifo_is_refused_not_waited_on(cli, tmp_path) -> None:
    import os

    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    one_line_error(*cli("checklist", "deploy", "--report", fifo), where=f"{fifo}: not a regular file")


# -- checklists: wrong types and unrelated files --------------------------------------------------

HEAD = "name: x\ntitle: A title\nitems:"


@pytest.mark.parametrize(("body", "where"), [
    (f"{HEAD} 7\n", ":1: not a checklist"),
    (f"{HEAD} [5]\n", ":3: items[0]: must be a mapping"),
    (f"{HEAD}\n  - id: a\n    question: [1, 2]\n    human: true\n", ":5: items[0].question: must be text"),
    (f"{HEAD}\n  - id: a\n    question: Is it fine?\n    checks: 7\n", ":6: items[0].checks: must be a list"),
    (f"{HEAD}\n  - {{id: a, question: 'Is it fine?', human: yes-please}}\n", ":4: items[0].human: must be"),
    (f"{HEAD} [{SECRET}]\n", ":3: items[0]: must be a mapping"),
    (f"- {SECRET}\n- two\n", ":1: not a checklist"),
    (f"api_token: {SECRET}\nretries: 3\n", ":1: not a checklist"),
])
def test_checklists_with_wrong_types(cli, tmp_path, body, where) -> None:
    path = write(tmp_path / "mine.yaml", body)
    one_line_error(*cli("checklist", path), where=f"{path}{where}")


@pytest.mark.parametrize("name", ["pyproject.toml", ".github/workflows/ci.yml", "conformance/contracts/orders.yaml"])
def test_an_unrelated_file_as_a_checklist_is_not_echoed(cli, tmp_path, name) -> None:
    """The file is copied with a secret planted in it: none of its lines may come back."""
    source = ROOT / name if (ROOT / name).is_file() else None
    text = (source.read_text() if source else "on: push\njobs: {}\n") + f"\n# {SECRET}\nsecret: {SECRET}\n"
    path = write(tmp_path / (Path(name).stem + ".yaml"), text)
    code, out, err = cli("checklist", path)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    echoed = [line for line in text.splitlines() if len(line.strip()) > 8 and line.strip() in out + err]
    assert SECRET not in out + err and not echoed, (err, echoed)


@pytest.mark.parametrize(("text", "where"), [
    ('{"name": "pkg", "token": "' + SECRET + '"}', ": not a report written by"),
    ("[" * 20_000 + "]" * 20_000, f":1: invalid JSON: nested more than {MAX_DEPTH} levels deep"),
    ('{"target": "x",\n "checks": [],\n "summary": ' + "9" * 5000 + "}", ":3: invalid JSON: a number of 5000"),
    ('{"target": "x", "checks": [], "summary": NaN}', ":1: invalid JSON: NaN is not a JSON number"),
    ('{"target": "' + SECRET + '", "checks": 3, "runtime": "x", "profile": "seed",'
     ' "summary": {"passed": 0, "failed": 0, "skipped": 0, "error": 0}}', ": checks: must be"),
])
def test_hostile_reports(cli, tmp_path, text, where) -> None:
    path = write(tmp_path / "report.json", text)
    one_line_error(*cli("checklist", "deploy", "--report", path), where=f"{path}{where}")


# -- prompt front matter and rules ----------------------------------------------------------------

@pytest.mark.parametrize("front", [alias_bomb(), deep_yaml(), big_number_yaml()])
def test_hostile_prompt_front_matter(tmp_path, front) -> None:
    from fnproof.prompts.catalog import load_prompt

    path = write(tmp_path / "create-function" / "v9.md", "---\n" + front + "---\nbody\n")
    with pytest.raises(UsageError) as caught:
        load_prompt(path)
    assert str(caught.value).startswith(f"{path}:") and "invalid YAML" in str(caught.value)


@pytest.mark.parametrize("text", [alias_bomb(), deep_yaml(), "rules: 7\n", "- a\n- b\n"])
def test_hostile_rules(tmp_path, text) -> None:
    from fnproof.guidance.rules import _parse

    path = write(tmp_path / "rules.yaml", text)
    with pytest.raises(UsageError) as caught:
        _parse(path)
    assert str(caught.value).startswith(f"{path}:") and SECRET not in str(caught.value)


# -- eval run manifests: regrade stays inside its run ---------------------------------------------

def saved_run(tmp_path: Path, samples: list[str]) -> Path:
    run = tmp_path / "evals" / "run"
    (run / "samples").mkdir(parents=True)
    manifest = {"kind": "fnproof-eval", "format": 1, "prompt": {"ref": "create-function@v2"},
                "runtime": "lambda-node", "profile": "seed", "checks": [], "contract": "orders",
                "model": "claude-sonnet-5-5", "params": {"batch": False}, "samples": samples, "regraded": []}
    write(run / "manifest.json", json.dumps(manifest))
    return run


def victim(tmp_path: Path) -> Path:
    folder = tmp_path / "victim"
    write(folder / "files" / "precious.txt", "keep me\n")
    write(folder / "reply.md", "```js index.mjs\nexport const handler = 1\n```\n")
    write(folder / "message.json", "{}")
    return folder


def untouched(folder: Path) -> bool:
    return sorted(p.name for p in folder.rglob("*")) == ["files", "message.json", "precious.txt", "reply.md"]


@pytest.mark.parametrize("sample_id", ["../../victim", "../../../victim", "/abs/victim", ".", "..", "a/b"])
def test_regrade_refuses_sample_ids_that_leave_the_run(cli, tmp_path, sample_id) -> None:
    folder = victim(tmp_path)
    run = saved_run(tmp_path, ["001", sample_id])
    code, out, err = cli("eval", "--regrade", run)
    assert code == 2 and f"{run / 'manifest.json'}: samples[1]: a sample id is a plain folder name" in err, err
    assert len(err.strip().splitlines()) == 1 and untouched(folder)


def test_regrade_refuses_a_symlinked_sample_folder(cli, tmp_path) -> None:
    folder = victim(tmp_path)
    run = saved_run(tmp_path, ["001"])
    (run / "samples" / "001").symlink_to(folder, target_is_directory=True)
    code, _, err = cli("eval", "--regrade", run)
    assert code == 2 and "samples[0]: the sample's folder is a symlink" in err and untouched(folder), err


def test_regrade_refuses_a_symlinked_samples_folder(cli, tmp_path) -> None:
    folder = victim(tmp_path)
    run = saved_run(tmp_path, ["001"])
    shutil.rmtree(run / "samples")
    (run / "samples").symlink_to(folder.parent, target_is_directory=True)
    code, _, err = cli("eval", "--regrade", run)
    assert code == 2 and "samples is not a folder of this run" in err and untouched(folder), err


@pytest.mark.parametrize(("edit", "message"), [
    (lambda m: m.update(samples="001"), "samples: must be a list"),
    (lambda m: m.update(samples=["001", "001"]), "samples: lists something twice"),
    (lambda m: m.update(params=7), "params: must be a mapping"),
    (lambda m: m.pop("runtime"), "`runtime` is missing"),
])
def test_regrade_refuses_a_malformed_manifest(cli, tmp_path, edit, message) -> None:
    run = saved_run(tmp_path, ["001"])
    manifest = json.loads((run / "manifest.json").read_text())
    edit(manifest)
    write(run / "manifest.json", json.dumps(manifest))
    code, _, err = cli("eval", "--regrade", run)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("text", ["[" * 20_000 + "]" * 20_000, '{"format": ' + "1" * 5000 + "}"])
def test_regrade_refuses_a_hostile_manifest(cli, tmp_path, text) -> None:
    run = saved_run(tmp_path, ["001"])
    write(run / "manifest.json", text)
    one_line_error(*cli("eval", "--regrade", run), where=f"{run / 'manifest.json'}:1: invalid JSON")


@pytest.mark.parametrize("text", ["[" * 20_000 + "]" * 20_000, '{"usage": ' + "7" * 5000 + "}", "[1, 2]"])
def test_a_hostile_saved_message_is_a_sample_without_a_reply(cli, tmp_path, text) -> None:
    run = saved_run(tmp_path, ["001"])
    write(run / "samples" / "001" / "message.json", text)
    code, out, err = cli("eval", "--regrade", run)
    assert code == 1 and "Traceback" not in err, err
    assert json.loads((run / "scoreboard.json").read_text())["counted"] == 0
