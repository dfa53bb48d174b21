"""Extraction of files from Claude replies, and finding the handler in what was extracted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from conftest import DATA, write
from fnproof.eval.extract import extract, plan, safe_relpath
from fnproof.eval.find_handler import NoHandler, find_entry

REPLIES = DATA / "replies"
INDEX = yaml.safe_load((REPLIES / "replies.yaml").read_text(encoding="utf-8"))["replies"]
F = "```"


def named(markdown: str) -> dict[str, tuple[str, str]]:
    """path -> (how it was named, content) for every file a reply yields."""
    return {f.path: (f.named_by, f.content) for f in plan(markdown).files}


# -- the ways a reply names a file -----------------------------------------------------------

@pytest.mark.parametrize(("markdown", "path", "how"), [
    (f'{F}js title="src/index.mjs"\nx\n{F}\n', "src/index.mjs", "info"),
    (f"{F}javascript:index.mjs\nx\n{F}\n", "index.mjs", "info"),
    (f"{F}index.mjs\nx\n{F}\n", "index.mjs", "info"),
    (f"{F}js src/handler.mjs\nx\n{F}\n", "src/handler.mjs", "info"),
    (f"{F}python filename=app.py\nx\n{F}\n", "app.py", "info"),
    (f"### `src/handler.mjs`\n\n{F}js\nx\n{F}\n", "src/handler.mjs", "label"),
    (f"#### events/create-order.json\n\n{F}json\n{{}}\n{F}\n", "events/create-order.json", "label"),
    (f"`index.mjs`:\n\n{F}js\nx\n{F}\n", "index.mjs", "label"),
    (f"**handler.py**\n{F}python\nx\n{F}\n", "handler.py", "label"),
    (f"Create `src/handler.py`:\n\n{F}python\nx\n{F}\n", "src/handler.py", "label"),
    ("1. Create `src/orders.mjs` with the logic (the store is a parameter, for the tests):\n\n"
     f"   {F}js\n   x\n   {F}\n",
     "src/orders.mjs", "label"),
    (f"Deploy notes go in `DEPLOY.md`:\n\n{F}markdown\n# Deploy\n{F}\n", "DEPLOY.md", "label"),
    (f"Here's `app.py`\n\n{F}python\nx\n{F}\n", "app.py", "label"),
    (f"{F}js\n// index.mjs\nx\n{F}\n", "index.mjs", "comment"),
    (f"{F}python\n# handler.py\nx\n{F}\n", "handler.py", "comment"),
    (f"{F}js\n// File: src/x.mjs\nx\n{F}\n", "src/x.mjs", "comment"),
    (f"{F}js\n// src/x.mjs — the entry point\nx\n{F}\n", "src/x.mjs", "comment"),
    (f"{F}css\n/* styles/site.css */\nx\n{F}\n", "styles/site.css", "comment"),
    (f"{F}markdown\n<!-- DEPLOY.md -->\n# Deploy\n{F}\n", "DEPLOY.md", "comment"),
])
def test_naming_styles(markdown: str, path: str, how: str) -> None:
    files = named(markdown)
    assert list(files) == [path]
    assert files[path][0] == how


def test_a_path_comment_is_dropped_from_the_file_so_json_stays_json() -> None:
    content = named(f"{F}json\n// events/e.json\n{{\"a\": 1}}\n{F}\n")["events/e.json"][1]
    assert content == '{"a": 1}\n'


def test_a_markdown_heading_is_not_a_path_comment() -> None:
    result = plan(f"{F}markdown\n# README.md\ntext\n{F}\n")
    assert result.files == [] and [n.kind for n in result.notes] == ["skipped"]


def test_four_backtick_fence_keeps_its_nested_fences() -> None:
    content = named(f'````markdown title="DEPLOY.md"\n# Deploy\n{F}bash\nls\n{F}\n````\n')["DEPLOY.md"][1]
    assert content == f"# Deploy\n{F}bash\nls\n{F}\n"


def test_fences_in_quotes_and_lists_are_found_with_their_lines() -> None:
    markdown = f"intro\n\n> `a.json`:\n>\n> {F}json\n> {{}}\n> {F}\n\n- `b.js`:\n\n  {F}js\n  b\n  {F}\n"
    files = {f.path: f.line for f in plan(markdown).files}
    assert files == {"a.json": 5, "b.js": 11}


# -- what is not a name --------------------------------------------------------------------

@pytest.mark.parametrize("markdown", [
    f"{F}bash\nnode --test\n{F}\n",
    f"Run the tests with `node --test test/orders.test.mjs`:\n\n{F}bash\nnode --test\n{F}\n",
    f"Built with Node.js:\n\n{F}js\nconst a = 1;\n{F}\n",
    "The tests drive the handler through `src/orders.mjs`, with an in-memory store that implements the same"
    f" interface as the real one.\n\n{F}js\nx\n{F}\n",
    f"Run `npm test`:\n\n{F}sh\nnpm test\n{F}\n",
    f"`test/x.test.mjs` calls `src/orders.mjs` and `src/store.mjs` in turn; here is how:\n\n{F}js\nx\n{F}\n",
])
def test_unnamed_fences_are_reported_as_skipped(markdown: str) -> None:
    result = plan(markdown)
    assert result.files == []
    assert [n.kind for n in result.notes] == ["skipped"]


def test_a_skipped_fence_says_which_paths_the_text_before_it_mentioned() -> None:
    note = plan(f"`a.mjs` and `b.mjs` both use it, as the tests below show when run:\n\n{F}js\nx\n{F}\n").notes[0]
    assert "a.mjs" in note.message and "b.mjs" in note.message and note.line == 3


def test_a_label_naming_another_kind_of_file_is_not_used() -> None:
    result = plan(f"Deploy notes go in `DEPLOY.md`:\n\n{F}js\nx\n{F}\n")
    assert result.files == [] and result.notes[0].kind == "skipped"


# -- ambiguity -------------------------------------------------------------------------------

def test_a_file_named_twice_takes_the_later_fence_and_says_so() -> None:
    result = plan(f"{F}js title=\"a.mjs\"\nfirst\n{F}\n\ntext\n\n{F}js title=\"a.mjs\"\nsecond\n{F}\n")
    assert [(f.path, f.content, f.fence) for f in result.files] == [("a.mjs", "second\n", 2)]
    assert [(n.kind, n.fence, n.line) for n in result.notes] == [("duplicate", 2, 7)]
    assert "fence 1" in result.notes[0].message


def test_two_names_for_one_fence_take_the_strongest_and_report_the_other() -> None:
    result = plan(f"`label.mjs`:\n\n{F}js title=\"info.mjs\"\n// comment.mjs\nx\n{F}\n")
    assert result.paths() == ["info.mjs"]
    assert result.notes[0].kind == "conflict"
    assert "comment.mjs" in result.notes[0].message and "label.mjs" in result.notes[0].message


def test_a_path_that_is_both_file_and_folder_keeps_the_folder() -> None:
    result = plan(f"{F}js title=\"src\"\nx\n{F}\n{F}js title=\"src/a.mjs\"\ny\n{F}\n")
    assert result.paths() == ["src/a.mjs"] and result.notes[0].kind == "conflict"


# -- the workspace boundary ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.mjs", "/etc/passwd", "~/.ssh/authorized_keys", "C:\\x\\y.js",
                                  "a/../../b.mjs", "src/../../b.mjs", "..", "./"])
def test_paths_that_leave_the_workspace_are_refused(tmp_path: Path, name: str) -> None:
    work = tmp_path / "work"
    result = extract(f'{F}js title="{name}"\nboom\n{F}\n', work)
    assert result.files == []
    assert [n.kind for n in result.notes] == ["refused"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["work"]


def test_safe_relpath_normalises_what_it_keeps() -> None:
    assert safe_relpath("./src//handler.mjs") == "src/handler.mjs"
    assert safe_relpath("src\\handler.mjs") == "src/handler.mjs"
    assert safe_relpath("a/./b/../c") is None


def test_a_symlinked_folder_in_the_workspace_is_not_followed(tmp_path: Path) -> None:
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    work.mkdir()
    os.symlink(outside, work / "src")
    result = extract(f'{F}js title="src/handler.mjs"\nboom\n{F}\n{F}js title="ok.mjs"\nfine\n{F}\n', work)
    assert list(outside.iterdir()) == []
    assert result.paths() == ["ok.mjs"] and (work / "ok.mjs").read_text() == "fine\n"
    assert [n.kind for n in result.notes] == ["refused"] and "src/handler.mjs" in result.notes[0].message


def test_a_symlinked_file_in_the_workspace_is_not_written_through(tmp_path: Path) -> None:
    target, work = tmp_path / "target.txt", tmp_path / "work"
    target.write_text("keep")
    work.mkdir()
    os.symlink(target, work / "index.mjs")
    result = extract(f'{F}index.mjs\nboom\n{F}\n', work)
    assert target.read_text() == "keep" and result.files == [] and result.notes[0].kind == "refused"


# -- the recorded replies -------------------------------------------------------------------

@pytest.mark.parametrize("reply", INDEX, ids=[r["file"] for r in INDEX])
def test_recorded_replies_extract_as_declared(tmp_path: Path, reply: dict) -> None:
    result = extract((REPLIES / reply["file"]).read_text(encoding="utf-8"), tmp_path)
    assert sorted(result.paths()) == sorted(reply["files"])
    assert (sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
            == sorted(reply["files"]))
    assert sum(n.kind == "skipped" for n in result.notes) == reply["skipped"]
    assert not [n for n in result.notes if n.kind != "skipped"]
    if reply["entry"] is None:
        with pytest.raises(NoHandler):
            find_entry(tmp_path, reply["runtime"])
    else:
        entry = find_entry(tmp_path, reply["runtime"])
        assert entry.target == tmp_path / reply["entry"] and entry.runtime == reply["runtime"]


def test_recorded_replies_use_several_naming_styles() -> None:
    styles = set()
    for reply in INDEX:
        styles |= {f.named_by for f in plan((REPLIES / reply["file"]).read_text(encoding="utf-8")).files}
    assert styles == {"info", "label", "comment"}


# -- finding the handler ---------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "export async function handler(event) {}", "export const handler = async () => ({})",
    "async function main() {}\nexport { main as other, main as handler };", "exports.handler = async () => {};",
    "module.exports = { handler: async () => ({}) };",
])
def test_node_handler_exports_are_recognised(tmp_path: Path, source: str) -> None:
    write(tmp_path / "lib" / "thing.js", source)
    write(tmp_path / "lib" / "other.js", "export const x = 1;")
    assert find_entry(tmp_path, "lambda-node").target == tmp_path / "lib" / "thing.js"


def test_tests_and_dependencies_are_never_the_handler(tmp_path: Path) -> None:
    write(tmp_path / "test" / "handler.test.mjs", "export const handler = 1;")
    write(tmp_path / "node_modules" / "x" / "index.mjs", "export const handler = 1;")
    write(tmp_path / "src" / "handler.spec.mjs", "export const handler = 1;")
    write(tmp_path / "src" / "app.mjs", "export async function handler() {}")
    entry = find_entry(tmp_path, "lambda-node")
    assert entry.target == tmp_path / "src" / "app.mjs" and "exports handler" in entry.reason


def test_preferred_names_win_and_the_others_are_listed(tmp_path: Path) -> None:
    write(tmp_path / "a" / "worker.mjs", "export const handler = 1;")
    write(tmp_path / "src" / "index.mjs", "export const handler = 1;")
    entry = find_entry(tmp_path, "lambda-node")
    assert entry.target == tmp_path / "src" / "index.mjs" and "a/worker.mjs" in entry.reason


def test_without_an_export_the_package_main_or_index_is_taken(tmp_path: Path) -> None:
    write(tmp_path / "package.json", '{"main": "lib/start.cjs"}')
    write(tmp_path / "lib" / "start.cjs", "module.exports.main = () => {};")
    assert find_entry(tmp_path, "lambda-node").target == tmp_path / "lib" / "start.cjs"


def test_python_handlers(tmp_path: Path) -> None:
    write(tmp_path / "tests" / "test_app.py", "def handler(e, c): pass")
    write(tmp_path / "src" / "orders.py", "def helper(): pass")
    write(tmp_path / "src" / "lambda_function.py", "def lambda_handler(event, context):\n    return {}\n")
    entry = find_entry(tmp_path, "lambda-python")
    assert entry.target == tmp_path / "src" / "lambda_function.py"


def test_worker_folder_and_automatic_runtime(tmp_path: Path) -> None:
    write(tmp_path / "worker" / "wrangler.toml", 'name = "orders"\nmain = "src/index.js"\n')
    write(tmp_path / "worker" / "src" / "index.js", "export default { async fetch(request, env) {} };")
    entry = find_entry(tmp_path)
    assert (entry.target, entry.runtime) == (tmp_path / "worker", "workers")
    write(tmp_path / "py" / "app.py", "def handler(event, context):\n    return {}\n")
    assert find_entry(tmp_path / "py").runtime == "lambda-python"


def test_no_handler_says_what_was_looked_for_and_found(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "# hi")
    with pytest.raises(NoHandler, match=r"exporting handler.*found README\.md"):
        find_entry(tmp_path, "lambda-node")
