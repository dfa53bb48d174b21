"""Standard checks on keys: different keys, and keys that a rejected request must not claim."""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, check


@check("distinct-keys", profile="standard")
def distinct_keys(ctx: CheckContext) -> None:
    """Two keys with the same body give two different resources."""
    env = ctx.environment()
    first, second = ctx.request(), ctx.request()
    id_one = ctx.expect_accepted(first, ctx.send(env, first))
    answer = ctx.send(env, second)
    if ctx.expect_accepted(second, answer) == id_one:
        raise CheckFailed(f"a second key returned the first key's {ctx.noun}", request=second, response=answer,
                          expected=f"a new {ctx.noun} id")


@check("rejected-not-stored", profile="standard")
def rejected_not_stored(ctx: CheckContext) -> None:
    """An invalid request with key K, then a valid one with K: a new resource, not a stored rejection."""
    env = ctx.environment()
    # An object body that fails validation, so the check needs no tolerance of null or arrays.
    invalid = next((b.text for b in ctx.contract.invalid_bodies if b.text.startswith("{")),
                   ctx.contract.invalid_bodies[0].text)
    rejects = (("invalid_json", ctx.contract.invalid_json_bodies[0]), ("invalid_body", invalid))
    for situation, text in rejects:
        key = ctx.key()
        bad = ctx.request(key=key, body=text.encode())
        ctx.expect(bad, ctx.send(env, bad), situation)
        corrected = ctx.request(key=key)
        ctx.expect_accepted(corrected, ctx.send(env, corrected))
