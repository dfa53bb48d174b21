"""Standard checks on what the handler writes and on staying alive through bad input.

The two log checks judge every invocation of the run, not only their own requests
(checks/journal.py), and need at least one that succeeded. They hold for every kind (a queue
consumer's traffic is a batch, its redelivery and a poison message); staying alive here is for
HTTP kinds, queues.py has the consumer's own.
"""

from __future__ import annotations

import json

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.imports import import_traffic
from fnproof.conformance.checks.queues import queue_traffic
from fnproof.conformance.checks.registry import BOTH, CheckFailed, check
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.base import Environment
from fnproof.conformance.signing import signature
from fnproof.core.contract import resolve_pointer


def _traffic(ctx: CheckContext, env: Environment) -> None:
    """A day in the life: accept, replay, and each kind of rejection, in one environment; then
    make sure the run has a successful invocation whose logs there are to judge."""
    c = ctx.contract
    if c.kind == "sqs":
        queue_traffic(ctx, env)
    elif c.kind == "s3-import":
        import_traffic(ctx, env)
    else:
        _http_traffic(ctx, env)
    if not ctx.journal.succeeded():
        # Every invocation of the run threw, crashed, timed out or answered 5xx: the handler
        # never ran its normal path, and silence must not pass for clean logs.
        last = ctx.journal.exchanges()[-1:]
        raise CheckFailed("no invocation of the run succeeded, so the handler's logs cannot be judged",
                          request=last[0].request if last else None, response=last[0].response if last else None,
                          expected="at least one invocation that ran the handler and answered below 500")


def _http_traffic(ctx: CheckContext, env: Environment) -> None:
    c = ctx.contract
    valid = ctx.request()
    requests = [valid, valid, ctx.request(body=c.invalid_json_bodies[0].encode())]
    if c.kind == "http-idempotent":
        requests.append(ctx.request(key=None))
    if c.invalid_bodies:
        requests.append(ctx.request(body=c.invalid_bodies[0].text.encode()))
    if c.authenticates:
        requests.append(ctx.request(secret=ctx.canaries.wrong_secret))
    if c.signature:
        requests.append(ctx.request(flaw="malformed"))
    if c.unknown_paths:
        requests.append(ctx.request(path=c.unknown_paths[0]))
    for request in requests:
        ctx.send(env, request)


def _origin(request: Request | None) -> str:
    return f" (written while answering {request.method} {request.path})" if request is not None else " (at init)"


LOGGING_KINDS = (*BOTH, "sqs", "s3-import")


@check("json-logs", profile="standard", needs=["logs"], kinds=LOGGING_KINDS)
def json_logs(ctx: CheckContext) -> None:
    """Every line the handler writes to stdout or stderr, in any invocation of the run, is a JSON object."""
    _traffic(ctx, ctx.environment())
    for line, request in ctx.run_logs():
        if line.stream == "runtime":
            continue  # the platform's own report of an uncaught error, not the handler's line
        try:
            parsed = json.loads(line.text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise CheckFailed(f"a {line.stream} line is not a JSON object{_origin(request)}: {line.text[:160]!r}",
                              request=request, expected="one JSON object per log line (structured logs)")


def _credentials(ctx: CheckContext, requests: list[Request]) -> list[tuple[str, str]]:
    """Signatures derived from the secret: the ones sent, and the right one for every request
    (which a receiver computes to compare, and must not log on a mismatch either)."""
    scheme = ctx.contract.signature
    if scheme is None:
        return []
    found = []
    for request in requests:
        value = request.header(scheme.header) or ""
        parts = [part.split("=", 1)[-1] for part in value.replace(",", " ").split()]
        found += [(f"a {scheme.header} value the caller sent", p) for p in parts if len(p) >= 16]  # not v1 or t
        stamp = request.header(scheme.timestamp_header) if scheme.timestamp_header else \
            next((p[2:] for p in value.split(",") if p.startswith("t=")), "0")
        event_id = _event_id_of(ctx, request)
        if stamp and stamp.isdigit() and request.body is not None:
            right = signature(scheme, ctx.canaries.secret, request.body, timestamp=int(stamp), event_id=event_id)
            found.append(("the signature the secret gives for a request", right))
    return found


def _event_id_of(ctx: CheckContext, request: Request) -> str:
    place = ctx.contract.key
    if place.header:
        return request.header(place.header) or ""
    try:
        value = resolve_pointer(json.loads(request.body or b"null"), place.pointer or "", "")
    except ValueError:
        return ""
    return value if isinstance(value, str) else ""


@check("no-secrets-in-logs", profile="standard", needs=["logs"], kinds=LOGGING_KINDS)
def no_secrets_in_logs(ctx: CheckContext) -> None:
    """The secret, a wrong secret sent in its header, and personal data never reach the logs
    (including the platform's report of an uncaught error, whose message the handler chose)."""
    _traffic(ctx, ctx.environment())
    c = ctx.contract
    where = ("the file's rows (" + ", ".join(c.files.personal_columns) + ")" if c.files
             else "the body (" + ", ".join(c.personal_data) + ")")
    planted = {f"the {c.secret_env} value": ctx.canaries.secret,
               "a wrong secret the caller sent": ctx.canaries.wrong_secret,
               f"personal data from {where}": ctx.canaries.pii}
    watched = [*planted.items(), *_credentials(ctx, [e.request for e in ctx.journal.exchanges()])]
    for line, request in ctx.run_logs():
        for what, value in watched:
            if value in line.text:
                raise CheckFailed(f"{what} appears on {line.stream}{_origin(request)}: {line.text[:160]!r}",
                                  request=request, expected="logs without secrets or personal data")


@check("survives-bad-input", profile="standard", needs=["environments"], kinds=BOTH)
def survives_bad_input(ctx: CheckContext) -> None:
    """Every bad input, then a valid request, in ONE environment: it never dies and accepts it."""
    env = ctx.environment()
    c = ctx.contract
    bad = [ctx.request(body=text.encode()) for text in c.invalid_json_bodies]
    bad += [ctx.request(body=b.text.encode()) for b in c.invalid_bodies]
    bad += [ctx.request(body=b""), ctx.request(body=None), ctx.request(key=None), ctx.request(key="")]
    bad += [ctx.request(path=path) for path in c.unknown_paths]
    bad += [ctx.request(method=method) for method in c.other_methods]
    if c.authenticates:
        bad += [ctx.request(secret=None), ctx.request(secret=ctx.canaries.wrong_secret)]
    if c.signature:
        bad += [ctx.request(flaw="malformed"), ctx.request(flaw="other-body")]
    for request in bad:
        response = ctx.send(env, request)
        if response.replaced_environment:
            raise CheckFailed("the environment died", request=request, response=response,
                              expected="an answer, with the environment still alive")
    valid = ctx.request()
    answer = ctx.send(env, valid)
    if c.kind == "webhook":
        ctx.expect_acknowledged(valid, answer)
    else:
        ctx.expect_accepted(valid, answer)
    if env.deaths:
        raise CheckFailed(f"the environment died while accepting the {ctx.noun}", request=valid)
