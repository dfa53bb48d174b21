"""Runtime detection: from the file and config, overridable, and explained."""

from __future__ import annotations

import pytest

from conftest import write
from fnproof.conformance.runtimes.registry import detect, split_export
from fnproof.core.errors import UsageError


@pytest.mark.parametrize("name, text, runtime", [
    ("h.py", "def handler(e, c): pass\n", "lambda-python"),
    ("index.mjs", "export const handler = async () => ({})\n", "lambda-node"),
    ("h.cjs", "exports.handler = async () => ({})\n", "lambda-node"),
    ("worker.js", "export default {\n  async fetch(request, env) { return new Response('x') }\n}\n", "workers"),
])
def test_files(tmp_path, name, text, runtime):
    target = detect(str(write(tmp_path / name, text)))
    assert target.runtime == runtime and target.reason


def test_folder_with_wrangler_config_is_a_worker(tmp_path):
    write(tmp_path / "wrangler.jsonc", "{ // comment\n \"main\": \"src/index.js\" }\n")
    assert detect(str(tmp_path)).runtime == "workers"


def test_folder_with_a_handler_file(tmp_path):
    write(tmp_path / "index.mjs", "export const handler = async () => ({})\n")
    target = detect(str(tmp_path))
    assert (target.runtime == "lambda-node" and target.path.name == "index.mjs"
            and "index.mjs in folder" in target.reason)


def test_export_suffix():
    path, export = split_export("a/b.py:main")
    assert (str(path), export) == ("a/b.py", "main")
    assert split_export("a/b.py") == (path, None)
    assert split_export("dir:1/x.py")[1] is None  # only an identifier after the last colon is an export


def test_runtime_flag_overrides(tmp_path):
    path = write(tmp_path / "thing.js", "export default { fetch() {} }\n")
    assert detect(str(path), "lambda-node").runtime == "lambda-node"


def test_urls(tmp_path):
    assert detect("http://127.0.0.1:8787").runtime == "http"
    with pytest.raises(UsageError):
        detect("http://127.0.0.1:8787", "lambda-node")


def test_unknown_suffix_and_empty_folder(tmp_path):
    with pytest.raises(UsageError, match="cannot tell the runtime"):
        detect(str(write(tmp_path / "h.rb", "x")))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="no wrangler config and no handler file"):
        detect(str(empty))
