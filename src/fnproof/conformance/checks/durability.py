"""Production checks on the idempotency store: cold starts, concurrent duplicates, key reuse."""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import BOTH, CheckFailed, check

ENVIRONMENTS = 8
KEYS = 3


@check("replay-after-cold-start", profile="production", needs=["environments"])
def replay_after_cold_start(ctx: CheckContext) -> None:
    """The replay reaches a new environment and still gets the same resource."""
    request = ctx.request()
    with ctx.environment() as first_env:
        first = ctx.send(first_env, request)
        ctx.expect_accepted(request, first)
    ctx.expect_replay(first, request, ctx.send(ctx.environment(), request))


@check("concurrent-duplicates", profile="production", needs=["environments"])
def concurrent_duplicates(ctx: CheckContext) -> None:
    """8 warm environments get the same key at once, for 3 keys: one resource per key, the rest 409 or it."""
    envs = ctx.warm_environments(ENVIRONMENTS)
    in_progress = {o.status for o in ctx.contract.situation("in_progress") or ()}
    for _ in range(KEYS):
        request = ctx.request()
        responses = ctx.burst(envs, request)
        ids = set()
        for response in responses:
            if response.outcome == "ok" and response.status in in_progress:
                ctx.expect(request, response, "in_progress")
            else:
                ids.add(ctx.expect_accepted(request, response, replay=None))
        if len(ids) > 1:
            raise CheckFailed(f"{len(ids)} different {ctx.nouns} for one key from {ENVIRONMENTS} simultaneous"
                              " requests: "
                              f"{', '.join(sorted(ids))}", request=request,
                              expected=f"one {ctx.noun} per key; the other requests 409 or that same {ctx.noun}")
        if not ids:
            raise CheckFailed(f"none of {ENVIRONMENTS} simultaneous requests created the {ctx.noun}", request=request,
                              response=responses[0], expected=f"exactly one {ctx.noun}")


@check("key-reuse-422", profile="production")
def key_reuse(ctx: CheckContext) -> None:
    """The same key with a different payload gives the key-reused answer, not the stored resource, not a new one."""
    env = ctx.environment()
    key = ctx.key()
    original = ctx.request(key=key)
    ctx.expect_accepted(original, ctx.send(env, original))
    reused = ctx.request(key=key, body=ctx.contract.reuse(pii=ctx.canaries.pii))
    ctx.expect(reused, ctx.send(env, reused), "key_reused")


@check("store-unavailable", profile="production", needs=["store-outage"], kinds=BOTH)
def store_unavailable(ctx: CheckContext) -> None:
    """With its store unreachable, a valid request gets the contract's store-unavailable answer, never a crash."""
    ctx.situation("store_unavailable")  # skipped when the contract says nothing about it
    env = ctx.outage_environment()
    request = ctx.request()
    ctx.expect(request, ctx.send(env, request), "store_unavailable")
