"""Production checks on the shared-secret header, and that it comes before any lookup."""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, check


def _needs_auth(ctx: CheckContext) -> None:
    if not ctx.contract.auth_header:
        raise CheckSkipped(f"the contract ({ctx.contract.source}) declares no auth header")


@check("auth-required", profile="production")
def auth_required(ctx: CheckContext) -> None:
    """No secret, or a wrong one, gives 401; the right one proceeds."""
    _needs_auth(ctx)
    env = ctx.environment()
    for secret in (None, ctx.canaries.wrong_secret):
        request = ctx.request(secret=secret)
        ctx.expect(request, ctx.send(env, request), "unauthorized")
    request = ctx.request()
    ctx.expect_accepted(request, ctx.send(env, request))


@check("auth-before-replay", profile="production")
def auth_before_replay(ctx: CheckContext) -> None:
    """After a resource is stored, its key and body without the secret give 401, never the resource."""
    _needs_auth(ctx)
    env = ctx.environment()
    key = ctx.key()
    stored = ctx.request(key=key)
    resource_id = ctx.expect_accepted(stored, ctx.send(env, stored))
    for secret in (None, ctx.canaries.wrong_secret):
        request = ctx.request(key=key, secret=secret)
        response = ctx.send(env, request)
        if resource_id in response.body.decode(errors="replace"):
            raise CheckFailed(f"an unauthenticated caller saw the stored {ctx.noun}", request=request,
                              response=response,
                              expected="401 before any idempotency lookup")
        ctx.expect(request, response, "unauthorized")
