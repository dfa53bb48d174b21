"""The workers runtime against real workerd (Miniflare): config, state across environments,
5xx reporting, compatibility dates, timeouts, Durable Objects, logs. No mocks."""

from __future__ import annotations

import json
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT, write
from fnproof.conformance.http import Request
from fnproof.conformance.runner import check_target
from fnproof.conformance.runtimes.workers import pin
from fnproof.conformance.runtimes.workers.config import load_worker, strip_jsonc
from fnproof.conformance.runtimes.workers.runtime import WorkersRuntime
from fnproof.core.errors import UsageError

ECHO = "export default { async fetch(request) { return Response.json({ path: new URL(request.url).pathname }); } };\n"

STATEFUL = """
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get('k');
    if (url.pathname === '/kv') {
      if (request.method === 'PUT') await env.CACHE.put(key, await request.text());
      return Response.json({ value: await env.CACHE.get(key) });
    }
    if (request.method === 'PUT') {
      await env.DB.prepare('INSERT INTO notes (k, v) VALUES (?1, ?2)').bind(key, await request.text()).run();
    }
    return Response.json({
      value: (await env.DB.prepare('SELECT v FROM notes WHERE k = ?1').bind(key).first('v')) ?? null,
    });
  },
};
"""

DURABLE = """
import { DurableObject } from 'cloudflare:workers';
export class Counter extends DurableObject {
  born = crypto.randomUUID();
  async bump() {
    const n = ((await this.ctx.storage.get('n')) ?? 0) + 1;
    await this.ctx.storage.put('n', n);
    console.log(JSON.stringify({ message: 'bumped', n }));
    return { n, born: this.born };
  }
}
export default {
  async fetch(request, env) {
    return Response.json(await env.COUNTER.get(env.COUNTER.idFromName('one')).bump());
  },
};
"""


@contextmanager
def runtime(path: Path, **options):
    built = WorkersRuntime(path, secret="test-secret", **options)
    try:
        built.start()
        yield built
    finally:
        built.close()


def get(path: str, method: str = "GET", body: bytes | None = None) -> Request:
    return Request(method, path, (("content-type", "text/plain"),), body)


# config --------------------------------------------------------------------------------
def test_jsonc_with_comments_and_trailing_commas(tmp_path):
    write(tmp_path / "src/w.mjs", ECHO)
    write(tmp_path / "wrangler.jsonc", """// top comment
{
  "name": "x", /* inline */ "main": "src/w.mjs",
  "compatibility_date": "2025-01-01",
  "vars": { "URL": "https://example.com/a//b" },  // a URL with // inside a string stays
  "kv_namespaces": [{ "binding": "CACHE", "id": "abc", },],
}
""")
    worker = load_worker(tmp_path)
    assert worker.main == (tmp_path / "src/w.mjs").resolve()
    assert dict(worker.vars) == {"URL": "https://example.com/a//b"}
    assert worker.kv_namespaces == (("CACHE", "abc"),)
    assert json.loads(strip_jsonc('{"a": "/* not a comment */",}')) == {"a": "/* not a comment */"}


def test_toml_with_d1_migrations_and_durable_objects(tmp_path):
    write(tmp_path / "w.mjs", ECHO)
    write(tmp_path / "migrations/0001.sql", "CREATE TABLE t (k TEXT PRIMARY KEY);\n")
    write(tmp_path / "wrangler.toml", """name = "x"
main = "w.mjs"
compatibility_date = "2025-01-01"
compatibility_flags = ["nodejs_compat"]

[[d1_databases]]
binding = "DB"
database_name = "x"
database_id = "id-1"

[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter"]
""")
    worker = load_worker(tmp_path)
    assert worker.compatibility_flags == ("nodejs_compat",)
    assert worker.d1_databases[0].migrations == tmp_path.resolve() / "migrations"
    assert worker.durable_objects[0].sqlite is True


def test_unsupported_bindings_and_modules_are_one_line_usage_errors(tmp_path):
    write(tmp_path / "a/w.mjs", ECHO)
    write(tmp_path / "a/wrangler.json", '{"main": "w.mjs", "r2_buckets": [{"binding": "B", "bucket_name": "b"}]}')
    with pytest.raises(UsageError, match="r2_buckets"):
        load_worker(tmp_path / "a")
    write(tmp_path / "b/src/index.py", "def on_fetch(request): ...")
    write(tmp_path / "b/wrangler.toml", 'main = "src/index.py"\n')
    with pytest.raises(UsageError, match="index.py"):
        load_worker(tmp_path / "b")


def test_a_typescript_main_is_taken_as_the_worker_to_build(tmp_path):
    write(tmp_path / "src/index.ts", "export default { fetch: (r: Request) => new Response('x') };\n")
    write(tmp_path / "wrangler.toml", 'main = "src/index.ts"\n')
    worker = load_worker(tmp_path)
    assert worker.typescript and worker.main == (tmp_path / "src/index.ts").resolve()


def test_too_new_compatibility_date_exits_2_with_one_line(tmp_path, cli):
    write(tmp_path / "w.mjs", ECHO)
    write(tmp_path / "wrangler.json", '{"main": "w.mjs", "compatibility_date": "2099-01-01"}')
    code, out, err = cli("check", tmp_path)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "wrangler.json" in lines[0] and "2099-01-01" in lines[0] and pin.compatibility_date() in lines[0]


@pytest.mark.runtime
def test_syntax_error_is_a_usage_error(tmp_path, cli):
    write(tmp_path / "w.mjs", "export default { async fetch() { return new Response('x' } };\n")
    code, _, err = cli("check", tmp_path / "w.mjs", "--runtime", "workers")
    assert code == 2 and "w.mjs" in err and "parse" in err.lower()


# environments --------------------------------------------------------------------------
@pytest.mark.runtime
def test_d1_and_kv_state_reaches_a_later_environment(tmp_path):
    write(tmp_path / "w.mjs", STATEFUL)
    write(tmp_path / "migrations/0001_notes.sql", "-- notes; a comment with a ; inside\nCREATE TABLE notes (\n"
          "  k TEXT PRIMARY KEY, -- the key\n  v TEXT NOT NULL\n);\n")
    write(tmp_path / "wrangler.jsonc", json.dumps({
        "main": "w.mjs", "compatibility_date": "2025-06-01",
        "kv_namespaces": [{"binding": "CACHE", "id": "c1"}],
        "d1_databases": [{"binding": "DB", "database_name": "n", "database_id": "d1"}]}))
    with runtime(tmp_path) as rt:
        with rt.environment() as first:
            assert first.invoke(get("/kv?k=a", "PUT", b"kv-value")).json() == {"value": "kv-value"}
            assert first.invoke(get("/d1?k=a", "PUT", b"d1-value")).json() == {"value": "d1-value"}
        with rt.environment() as second:
            assert second.invoke(get("/kv?k=a")).json() == {"value": "kv-value"}
            assert second.invoke(get("/d1?k=a")).json() == {"value": "d1-value"}
            assert first.id != second.id


@pytest.mark.runtime
def test_durable_object_has_one_instance_across_environments(tmp_path):
    write(tmp_path / "w.mjs", DURABLE)
    write(tmp_path / "wrangler.json", json.dumps({
        "main": "w.mjs", "compatibility_date": "2025-06-01",
        "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Counter"}]},
        "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}]}))
    with runtime(tmp_path) as rt:
        envs = [rt.environment() for _ in range(3)]
        try:
            answers = [env.invoke(get("/")) for env in envs]
        finally:
            for env in envs:
                env.close()
    assert [a.json()["n"] for a in answers] == [1, 2, 3]
    assert len({a.json()["born"] for a in answers}) == 1
    # The object's console line is written in the host, and reaches the invocation that ran it.
    assert any('"bumped"' in line.text for line in answers[0].logs)


@pytest.mark.runtime
def test_uncaught_exception_is_reported_as_the_5xx_it_is(tmp_path):
    write(tmp_path / "w.mjs",
          "export default { async fetch(request) { return Response.json(await request.json()); } };\n")
    with runtime(tmp_path / "w.mjs") as rt, rt.environment() as env:
        response = env.invoke(get("/orders", "POST", b"not-json"))
        assert (response.outcome, response.status) == ("ok", 500)
        assert not any(name.startswith("mf-") for name in response.headers)
    report = check_target(str(tmp_path / "w.mjs"), runtime="workers", only=["invalid-json-separation"])
    assert report.results[0].outcome == "failed"
    assert report.results[0].message.startswith("server error"), report.results[0].message


@pytest.mark.runtime
def test_console_lines_are_the_invocation_logs_by_stream(tmp_path):
    write(tmp_path / "w.mjs", """export default { async fetch(request) {
  const n = new URL(request.url).searchParams.get('n');
  console.log(JSON.stringify({ n })); console.error('problem ' + n);
  return new Response('ok'); } };
""")
    with runtime(tmp_path / "w.mjs") as rt, rt.environment() as env:
        for n in ("1", "2"):
            logs = env.invoke(get(f"/?n={n}")).logs
            assert [(log.stream, log.text) for log in logs] == [("stdout", json.dumps({"n": n}, separators=(",", ":"))),
                                                                ("stderr", f"problem {n}")]


@pytest.mark.parametrize("hang", ["await new Promise((resolve) => setTimeout(resolve, 60_000));", "for (;;) {}"],
                         ids=["timer", "busy-loop"])
@pytest.mark.runtime
def test_a_hanging_worker_times_out_and_the_kit_stays_responsive(tmp_path, hang):
    # (A promise that can never settle is not a hang in workerd: it cancels the request with a 500.)
    write(tmp_path / "w.mjs", """export default { async fetch(request) {
  if (new URL(request.url).pathname === '/hang') { HANG }
  return Response.json({ ok: true }); } };
""".replace("HANG", hang))
    with runtime(tmp_path / "w.mjs", timeout_s=1.0) as rt, rt.environment() as env:
        env.prepare()
        hung = env.invoke(get("/hang"))
        # No clock here: on a loaded machine a busy loop is credited the time it waited for a
        # CPU (tests/test_load_timeouts.py), so its wall time says nothing about the limit.
        assert hung.outcome == "timeout" and hung.replaced_environment
        assert "timed out after 1 s of handler time" in (hung.error or "")
        again = env.invoke(get("/"))
        assert (again.outcome, again.status, again.json()) == ("ok", 200, {"ok": True})
        assert env.deaths == 1


@pytest.mark.runtime
def test_the_reference_workers_own_tests_pass():
    node = shutil.which("node")
    assert node, "Node.js is needed for the workers runtime"
    done = subprocess.run([node, "--test"], cwd=ROOT / "reference/workers", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
