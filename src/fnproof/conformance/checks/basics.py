"""Seed checks: what even a local demo handler must get right."""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import BOTH, CheckFailed, CheckSkipped, check


@check("missing-key-400", profile="seed")
def missing_key(ctx: CheckContext) -> None:
    """No idempotency key, and an empty one, each give the contract's key-required answer."""
    env = ctx.environment()
    for request in (ctx.request(key=None), ctx.request(key="")):
        ctx.expect(request, ctx.send(env, request), "key_missing")


@check("accepts-valid-order", profile="seed")
def accepts_valid_order(ctx: CheckContext) -> None:
    """A valid request gives the accepted status, the created resource and a JSON content type."""
    env = ctx.environment()
    request = ctx.request()
    ctx.expect_accepted(request, ctx.send(env, request))


@check("replay-equality", profile="seed")
def replay_equality(ctx: CheckContext) -> None:
    """The same key and body again, same environment: the first body again, same id."""
    env = ctx.environment()
    request = ctx.request()
    first = ctx.send(env, request)
    ctx.expect_accepted(request, first)
    ctx.expect_replay(first, request, ctx.send(env, request))


@check("invalid-json-separation", profile="seed", kinds=BOTH)
def invalid_json_separation(ctx: CheckContext) -> None:
    """Each malformed body gives the contract's invalid-JSON answer, never the invalid-body one, never a 5xx."""
    env = ctx.environment()
    codes = {}
    for text in ctx.contract.invalid_json_bodies:
        request = ctx.request(body=text.encode())
        response = ctx.send(env, request)
        ctx.expect(request, response, "invalid_json")
        codes[text] = ctx.code_of(response)
    empty = ctx.request(body=b"")
    situation = "empty_body" if ctx.contract.situation("empty_body") else "invalid_json"
    ctx.expect(empty, ctx.send(env, empty), situation)
    if all(outcome.code for outcome in ctx.situation("invalid_json")) or not ctx.contract.invalid_bodies:
        return
    # No code in the contract: malformed JSON must still be told apart from an invalid body.
    probe = ctx.request(body=ctx.contract.invalid_bodies[0].text.encode())
    other = ctx.code_of(ctx.send(env, probe))
    for text, code in codes.items():
        if code == other:
            raise CheckFailed(f"malformed body {text!r} and an invalid {ctx.noun} get the same code {code!r}",
                              expected=f"separate codes for malformed JSON and invalid {ctx.noun} bodies")


@check("invalid-order-400", profile="seed", kinds=BOTH)
def invalid_order(ctx: CheckContext) -> None:
    """Each well-formed but invalid body gives the contract's invalid-body answer, never a 5xx."""
    if not ctx.contract.invalid_bodies:
        raise CheckSkipped(f"the contract ({ctx.contract.source}) lists no invalid bodies")
    env = ctx.environment()
    for invalid in ctx.contract.invalid_bodies:
        request = ctx.request(body=invalid.text.encode())
        ctx.expect(request, ctx.send(env, request), "invalid_body")


@check("unknown-route-404", profile="seed", kinds=BOTH)
def unknown_route(ctx: CheckContext) -> None:
    """Other paths give the contract's not-found answer; other methods on the route not-found or 405."""
    env = ctx.environment()
    c = ctx.contract
    for path in c.unknown_paths:
        request = ctx.request(path=path)
        ctx.expect(request, ctx.send(env, request), "not_found")
    situation = "method_not_allowed" if c.situation("method_not_allowed") else "not_found"
    for method in c.other_methods:
        request = ctx.request(method=method)
        ctx.expect(request, ctx.send(env, request), situation)
