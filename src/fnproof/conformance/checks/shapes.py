"""Standard checks on event shapes: header case, REST API v1 events, base64 bodies."""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckSkipped, check


@check("header-case-insensitive", profile="standard")
def header_case(ctx: CheckContext) -> None:
    """The key header in capitals names the same header, in a REST v1 event that keeps case."""
    env = ctx.environment()
    key = ctx.key()
    if ctx.contract.key_header:
        shouted = ctx.request(key=key, shape="v1", key_header=ctx.contract.key_header.upper())
    elif ctx.contract.auth_header:  # the key is in the body: the secret's header is the one to shout
        shouted = ctx.request(key=key, shape="v1", header_case="upper")
    else:
        raise CheckSkipped("the contract's key is in the body and it names no other header")
    first = ctx.send(env, shouted)
    ctx.expect_accepted(shouted, first)
    as_written = ctx.request(key=key, shape="v1", key_header=ctx.contract.key_header)
    ctx.expect_replay(first, as_written, ctx.send(env, as_written))


@check("rest-v1-event", profile="standard", needs=["lambda-events"])
def rest_v1_event(ctx: CheckContext) -> None:
    """REST API 1.0 events (httpMethod, path) get the same behaviour as HTTP API 2.0 ones."""
    env = ctx.environment()
    valid = ctx.request(shape="v1", header_case="lower")
    first = ctx.send(env, valid)
    ctx.expect_accepted(valid, first)
    ctx.expect_replay(first, valid, ctx.send(env, valid))
    malformed = ctx.request(shape="v1", header_case="lower", body=ctx.contract.invalid_json_bodies[0].encode())
    ctx.expect(malformed, ctx.send(env, malformed), "invalid_json")
    elsewhere = ctx.request(shape="v1", header_case="lower", path=(ctx.contract.unknown_paths or ("/nope",))[0])
    ctx.expect(elsewhere, ctx.send(env, elsewhere), "not_found")


@check("base64-body", profile="standard", needs=["lambda-events"])
def base64_body(ctx: CheckContext) -> None:
    """Bodies sent with isBase64Encoded: true are decoded before parsing."""
    env = ctx.environment()
    valid = ctx.request(shape="base64")
    ctx.expect_accepted(valid, ctx.send(env, valid))
    malformed = ctx.request(shape="base64", body=ctx.contract.invalid_json_bodies[0].encode())
    ctx.expect(malformed, ctx.send(env, malformed), "invalid_json")
