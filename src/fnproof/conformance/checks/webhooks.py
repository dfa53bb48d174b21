"""Checks of CONTRACT.md §5 for signed webhook receivers: the signature over the raw bytes
comes first, stale deliveries are refused, and each event has one effect however often it
arrives. Effects are counted in the store the harness owns, per event id, because a
receiver's answer says little (an empty 200 is a fine acknowledgement).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, check
from fnproof.conformance.http import Request, Response
from fnproof.conformance.runtimes.base import Environment
from fnproof.conformance.signing import Flaw
from fnproof.core.contract import resolve_pointer

WEBHOOK = ("webhook",)
ENVIRONMENTS = 8
EVENTS = 3


def _deliver(ctx: CheckContext, env: Environment, request: Request, *, duplicate: bool = False) -> Response:
    response = ctx.send(env, request)
    ctx.expect_acknowledged(request, response, duplicate=duplicate)
    return response


def _event_id(ctx: CheckContext, request: Request) -> str:
    place = ctx.contract.key
    if place.header:
        value = request.header(place.header)
    else:
        value = resolve_pointer(json.loads(request.body or b"null"), place.pointer or "", None)
    assert isinstance(value, str), "every delivery the checks build carries an event id"
    return value


@contextmanager
def _reframed(summary: str, expected: str | None = None) -> Iterator[None]:
    """A failure inside, told as what this check was trying: `summary: <the local fact>`."""
    try:
        yield
    except CheckFailed as failed:
        f = failed.failure
        raise CheckFailed(f"{summary}: {f.summary}", request=f.request, response=f.response,
                          expected=expected or f.expected) from None


def _rejected_without_effect(ctx: CheckContext, env: Environment, request: Request, what: str) -> None:
    response = ctx.send(env, request)
    with _reframed(what):
        ctx.expect(request, response, "unauthorized")
    ctx.expect_effects(_event_id(ctx, request), 0, request=request, response=response, why=f" ({what})")


@check("signature-required", profile="seed", kinds=WEBHOOK, needs=["effects"])
def signature_required(ctx: CheckContext) -> None:
    """No signature, a malformed one, another secret's, another body's, the bare secret: each refused, no effect."""
    env = ctx.environment()
    spoiled: list[tuple[Flaw, str]] = [("unsigned", "a delivery without a signature"),
                                       ("malformed", "a malformed signature"),
                                       ("wrong-secret", "a signature made with another secret"),
                                       ("other-body", "a signature of another body"),
                                       ("bare-secret", "the secret itself in place of a signature")]
    for flaw, what in spoiled:
        request = ctx.request(secret=None) if flaw == "unsigned" else ctx.request(flaw=flaw)
        _rejected_without_effect(ctx, env, request, what)


def _reordered(document: object) -> object:
    return dict(reversed(list(document.items()))) if isinstance(document, dict) else document


def _with_accents(document: object) -> object:
    return {**document, "memo": "caf\u00e9 \u2713"} if isinstance(document, dict) and "memo" not in document \
        else document


# The same JSON in other bytes, as providers really send it: a signature over a re-encoding fails.
_REENCODINGS: tuple[tuple[Callable[[object], bytes], str], ...] = (
    (lambda d: json.dumps(d, indent=2).encode(), "pretty-printed with spaces and newlines"),
    (lambda d: json.dumps(d, separators=(",", ":")).encode() + b"\n", "compact, with a trailing newline"),
    (lambda d: json.dumps(_reordered(d)).encode(), "keys in another order"),
    (lambda d: json.dumps(_with_accents(d), ensure_ascii=True).encode(), "non-ASCII text as \\u escapes"),
)


@check("signature-raw-body", profile="standard", kinds=WEBHOOK, needs=["effects"])
def signature_raw_body(ctx: CheckContext) -> None:
    """Bodies whose bytes differ from their JSON re-serialisation verify and are accepted."""
    env = ctx.environment()
    for encode, how in _REENCODINGS:
        key = ctx.key()
        request = ctx.request(key=key, body=encode(json.loads(ctx.body(key=key))))
        response = ctx.send(env, request)
        with _reframed(f"a correctly signed body ({how}) was refused",
                       "the signature checked over the raw bytes received, then 2xx"):
            ctx.expect_acknowledged(request, response)
        ctx.expect_effects(_event_id(ctx, request), 1, request=request, response=response, why=f" ({how})")


@check("timestamp-tolerance", profile="standard", kinds=WEBHOOK, needs=["effects"])
def timestamp_tolerance(ctx: CheckContext) -> None:
    """Correctly signed, but older (or further ahead) than the tolerance: refused, no effect."""
    scheme = ctx.contract.signature
    if scheme is None or not scheme.timestamped:
        raise CheckSkipped(f"the {scheme.name if scheme else 'contract'} scheme signs no timestamp")
    env = ctx.environment()
    tolerance = scheme.tolerance_s or 300
    _rejected_without_effect(ctx, env, ctx.request(flaw="stale"), f"a delivery signed more than {tolerance} s ago")
    if scheme.rejects_future:
        _rejected_without_effect(ctx, env, ctx.request(flaw="future"),
                                 f"a delivery signed more than {tolerance} s in the future")


@check("delivery-accepted", profile="seed", kinds=WEBHOOK, needs=["effects"])
def delivery_accepted(ctx: CheckContext) -> None:
    """A valid delivery: acknowledged with a 2xx, and exactly one effect."""
    request = ctx.request()
    response = _deliver(ctx, ctx.environment(), request)
    ctx.expect_effects(_event_id(ctx, request), 1, request=request, response=response)


@check("duplicate-delivery", profile="standard", kinds=WEBHOOK, needs=["effects"])
def duplicate_delivery(ctx: CheckContext) -> None:
    """The same event again, in the same environment: acknowledged, and still one effect."""
    env = ctx.environment()
    first = ctx.request()
    _deliver(ctx, env, first)
    again = ctx.request(key=_event_id(ctx, first))
    response = _deliver(ctx, env, again, duplicate=True)
    ctx.expect_effects(_event_id(ctx, first), 1, request=again, response=response, why=" after a redelivery")


@check("redelivery-after-cold-start", profile="production", kinds=WEBHOOK, needs=["effects", "environments"])
def redelivery_after_cold_start(ctx: CheckContext) -> None:
    """The same event reaches a new environment: acknowledged, and still one effect."""
    first = ctx.request()
    with ctx.environment() as env:
        _deliver(ctx, env, first)
    again = ctx.request(key=_event_id(ctx, first))
    response = _deliver(ctx, ctx.environment(), again, duplicate=True)
    ctx.expect_effects(_event_id(ctx, first), 1, request=again, response=response,
                       why=" after a redelivery to a fresh environment")


@check("concurrent-deliveries", profile="production", kinds=WEBHOOK, needs=["effects", "environments"])
def concurrent_deliveries(ctx: CheckContext) -> None:
    """The same delivery to 8 warm environments at once, for 3 events: one effect per event."""
    envs = ctx.warm_environments(ENVIRONMENTS)
    in_progress = {a.status for a in ctx.contract.situation("in_progress") or ()}
    for _ in range(EVENTS):
        request = ctx.request()
        for response in ctx.burst(envs, request):
            if response.outcome == "ok" and response.status in in_progress:
                ctx.expect(request, response, "in_progress")
            else:
                ctx.expect_acknowledged(request, response, duplicate=True)
        ctx.expect_effects(_event_id(ctx, request), 1, request=request,
                           why=f" from {ENVIRONMENTS} simultaneous deliveries")


@check("secret-rotation", profile="standard", kinds=WEBHOOK, needs=["effects"])
def secret_rotation(ctx: CheckContext) -> None:
    """One valid signature among others (a secret being rotated), first or last: accepted, one effect."""
    scheme = ctx.contract.signature
    if scheme is None or not scheme.several:
        raise CheckSkipped(f"the {scheme.name if scheme else 'contract'} scheme carries one signature per delivery")
    env = ctx.environment()
    rotations: tuple[tuple[Flaw, str], ...] = (("rotated", "second"), ("rotated-first", "first"))
    for flaw, where in rotations:
        request = ctx.request(flaw=flaw)
        response = ctx.send(env, request)
        with _reframed(f"the right signature, {where} of two, was refused",
                       "every signature in the header tried; any valid one accepts"):
            ctx.expect_acknowledged(request, response)
        ctx.expect_effects(_event_id(ctx, request), 1, request=request, response=response)
