"""`fnproof check --repro DIR`: the request each failing check is about, as files a person replays.

For every failed check whose failure names a request, DIR gets:

- `<check>.request.json`: the request as the check sent it (method, path, headers, body as
  base64, the Lambda event shape); the kit's own runtimes replay this (`load_request`);
- `<check>.event.json` on Lambda runtimes: the API Gateway event the runtime built from it,
  for `sam local invoke -e`;
- `<check>.curl.sh` for Workers (against `npx wrangler dev`) and URL targets: one curl line;
- `README.md`: what failed and how to replay each file.

A check may send several requests (a first delivery, then its duplicate); the files hold the
one the failure is about, so a failure that needs the earlier ones says so in the README. In
`--url` mode the deployment's real secret is never written: headers carrying it name the
environment variable instead. A local run's secret is a random value of that run only.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
from pathlib import Path

from fnproof.conformance.http import Request
from fnproof.conformance.runner import RunReport
from fnproof.core.contract import Contract
from fnproof.core.errors import UsageError

LOCAL_WORKER = "http://localhost:8787"  # where `npx wrangler dev` listens by default
README = "README.md"


def request_json(request: Request) -> dict:
    return {"method": request.method, "path": request.path, "headers": [list(h) for h in request.headers],
            "body_base64": None if request.body is None else base64.b64encode(request.body).decode(),
            "shape": request.shape}


def load_request(path: Path) -> Request:
    data = json.loads(path.read_text(encoding="utf-8"))
    body = data["body_base64"]
    return Request(data["method"], data["path"], tuple((str(k), str(v)) for k, v in data["headers"]),
                   None if body is None else base64.b64decode(body), data["shape"])


def _masked(request: Request, secret: str | None, env: str) -> Request:
    """The request with the real secret replaced by a reference to its environment variable."""
    if not secret:
        return request
    headers = tuple((k, v.replace(secret, f"${{{env}}}")) for k, v in request.headers)
    return Request(request.method, request.path, headers, request.body, request.shape)


def _curl(base: str, request: Request) -> str:
    parts = ["curl", "-i", "-X", request.method]
    for name, value in request.headers:
        header = f"{name}: {value}"
        # "$VAR" stays expandable by the shell; everything else is quoted as is
        parts += ["-H", f'"{header}"' if "${" in value else shlex.quote(header)]
    if request.body is not None:
        parts += ["--data-binary", "@-"]
    line = " ".join(parts) + " " + shlex.quote(base.rstrip("/") + request.path)
    if request.body is None:
        return line
    return f"printf '%s' {shlex.quote(request.body.decode('utf-8', 'replace'))} | {line}"


def write(report: RunReport, folder: Path, contract: Contract, *, url: str | None) -> dict[str, list[Path]]:
    """Write the files; returns check id -> the files written for it (for the terminal's failure blocks)."""
    if not folder.parent.is_dir():
        raise UsageError("folder for the reproductions: its parent does not exist", where=str(folder))
    env = contract.secret_env
    live_secret = os.environ.get(env) if url else None
    lambda_runtime = report.runtime.startswith("lambda")
    written: dict[str, list[Path]] = {}
    notes = [f"# Reproductions: {report.target}", "",
             f"From `fnproof check` (runtime {report.runtime}, profile {report.profile}, contract {report.contract}).",
             "Each failed check's request is here; a check that sent earlier requests (a first delivery before "
             "its duplicate, two calls with one key) needs those sent first, as its message says.", ""]
    for result in report.results:
        failure = result.failure
        if result.outcome != "failed" or failure is None or failure.request is None:
            continue
        folder.mkdir(exist_ok=True)
        request = _masked(failure.request, live_secret, env)
        files = [folder / f"{result.id}.request.json"]
        files[0].write_text(json.dumps(request_json(request), indent=2) + "\n", encoding="utf-8")
        notes += [f"## {result.id}", "", failure.summary.splitlines()[0] if failure.summary else "", ""]
        if lambda_runtime:
            from fnproof.conformance.runtimes.aws_lambda.events import build_event

            event = folder / f"{result.id}.event.json"
            event.write_text(json.dumps(build_event(request), indent=2) + "\n", encoding="utf-8")
            files.append(event)
            notes.append(f"- `sam local invoke -e {event.name}` (with {env} set as the run had it)")
        else:
            curl = folder / f"{result.id}.curl.sh"
            base = url or LOCAL_WORKER
            curl.write_text("#!/bin/sh\n" + _curl(base, request) + "\n", encoding="utf-8")
            files.append(curl)
            where = "the deployment" if url else "`npx wrangler dev` (it listens on " + LOCAL_WORKER + ")"
            notes.append(f"- `sh {curl.name}` against {where}" + (f"; export {env} first" if url else ""))
        notes += [f"- `{files[0].name}`: the request as sent, which the kit's runtimes replay", ""]
        written[result.id] = files
    if written:
        if not url:
            secret = next((v for r in report.results if r.failure and r.failure.request
                           for k, v in r.failure.request.headers
                           if contract.auth and k.lower() == contract.auth.header.lower()), None)
            if secret:
                notes += [f"The run's {env} was `{secret}` (random, for that run only).", ""]
        (folder / README).write_text("\n".join(notes), encoding="utf-8")
    return written
