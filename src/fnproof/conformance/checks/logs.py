"""Standard checks on what the handler writes and on staying alive through bad input."""

from __future__ import annotations

import json

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, check
from fnproof.conformance.runtimes.base import Environment
from fnproof.core import defaults


def _traffic(ctx: CheckContext, env: Environment) -> None:
    """A day in the life: accept, replay, and each kind of rejection, in one environment."""
    c = ctx.contract
    valid = ctx.request()
    requests = [valid, valid, ctx.request(key=None), ctx.request(body=c.invalid_json_bodies[0].encode()),
                ctx.request(body=c.invalid_bodies[0].text.encode())]
    if c.auth_header:
        requests.append(ctx.request(secret=ctx.canaries.wrong_secret))
    if c.unknown_paths:
        requests.append(ctx.request(path=c.unknown_paths[0]))
    responses = [ctx.send(env, request) for request in requests]
    if not any(response.outcome in ("ok", "error") for response in responses):
        # The handler never ran (it did not load, or died before answering anything): there
        # are no logs of its own to judge, and silence must not pass for clean logs.
        raise CheckFailed("no invocation reached the handler, so its logs cannot be judged", request=valid,
                          response=responses[0], expected="at least one invocation that ran the handler")


@check("json-logs", profile="standard", needs=["logs"])
def json_logs(ctx: CheckContext) -> None:
    """Every line the handler writes to stdout or stderr is a JSON object."""
    _traffic(ctx, ctx.environment())
    for line in ctx.logs():
        if line.stream == "runtime":
            continue  # the platform's own report of an uncaught error, not the handler's line
        try:
            parsed = json.loads(line.text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise CheckFailed(f"a {line.stream} line is not a JSON object: {line.text[:160]!r}",
                              expected="one JSON object per log line (structured logs)")


@check("no-secrets-in-logs", profile="standard", needs=["logs"])
def no_secrets_in_logs(ctx: CheckContext) -> None:
    """The secret, a wrong secret sent in its header, and personal data never reach the logs
    (including the platform's report of an uncaught error, whose message the handler chose)."""
    _traffic(ctx, ctx.environment())
    planted = {f"the {ctx.contract.auth_env or defaults.SECRET_ENV} value": ctx.canaries.secret,
               "the secret header's (wrong) value": ctx.canaries.wrong_secret,
               "personal data from the body (" + ", ".join(ctx.contract.personal_data) + ")": ctx.canaries.pii}
    for line in ctx.logs():
        for what, value in planted.items():
            if value in line.text:
                raise CheckFailed(f"{what} appears on {line.stream}: {line.text[:160]!r}",
                                  expected="logs without secrets or personal data")


@check("survives-bad-input", profile="standard", needs=["environments"])
def survives_bad_input(ctx: CheckContext) -> None:
    """Every bad input, then a valid order, in ONE environment: it never dies and accepts the order."""
    env = ctx.environment()
    c = ctx.contract
    bad = [ctx.request(body=text.encode()) for text in c.invalid_json_bodies]
    bad += [ctx.request(body=b.text.encode()) for b in c.invalid_bodies]
    bad += [ctx.request(body=b""), ctx.request(body=None), ctx.request(key=None), ctx.request(key="")]
    bad += [ctx.request(path=path) for path in c.unknown_paths]
    bad += [ctx.request(method=method) for method in c.other_methods]
    for request in bad:
        response = ctx.send(env, request)
        if response.replaced_environment:
            raise CheckFailed("the environment died", request=request, response=response,
                              expected="an answer, with the environment still alive")
    valid = ctx.request()
    ctx.expect_accepted(valid, ctx.send(env, valid))
    if env.deaths:
        raise CheckFailed("the environment died while accepting the order", request=valid)
