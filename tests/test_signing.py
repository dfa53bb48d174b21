"""The suite signs deliveries as each provider does: published test vectors, and every flaw
it sends is a real forgery or mistake a verifier must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from fnproof.conformance.signing import fresh_secret, sign, signature
from fnproof.core.contract import _scheme

BODY = b'{"event": "ping", "n": 1}'


def scheme(preset: str):
    return _scheme({"preset": preset, "secret_env": "SECRET"})


def test_github_vector():
    """GitHub's documented example: secret, body and the X-Hub-Signature-256 it gives."""
    got = signature(scheme("github"), "It's a Secret to Everybody", b"Hello, World!", timestamp=0, event_id="")
    assert got == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_standard_webhooks_vector():
    """The Standard Webhooks libraries' vector: the key is the base64 part after whsec_."""
    got = signature(scheme("standard-webhooks"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", b'{"test": 2432232314}',
                    timestamp=1614265330, event_id="msg_p5jXN8AQM9LWM0D4loKWxJek")
    assert got == "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_slack_vector():
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    got = signature(scheme("slack"), "8f742231b10e8888abcd99yyyzzz85a5", body, timestamp=1531420618, event_id="")
    assert "v0=" + got == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_stripe_signs_timestamp_dot_body_with_the_whole_secret():
    secret = fresh_secret(scheme("stripe"))
    assert secret.startswith("whsec_")
    signed = sign(scheme("stripe"), secret, BODY, event_id="evt_1", now=1_700_000_000)
    (name, value), = signed.headers
    expected = hmac.new(secret.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert name == "Stripe-Signature" and value == f"t=1700000000,v1={expected}"


def test_shopify_is_base64_of_the_raw_body():
    (name, value), = sign(scheme("shopify"), "shh", BODY, event_id="x").headers
    assert name == "X-Shopify-Hmac-Sha256"
    assert value == base64.b64encode(hmac.new(b"shh", BODY, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize("preset", ["github", "stripe", "standard-webhooks", "slack", "shopify"])
def test_every_flaw_changes_what_an_honest_verifier_sees(preset):
    s = scheme(preset)
    secret = fresh_secret(s)
    honest = dict(sign(s, secret, BODY, event_id="evt_1", now=1_700_000_000).headers)
    assert s.header in honest
    for flaw in ("malformed", "wrong-secret", "other-body", "bare-secret"):
        spoiled = dict(sign(s, secret, BODY, event_id="evt_1", now=1_700_000_000, flaw=flaw).headers)
        assert spoiled[s.header] != honest[s.header], flaw
    assert s.header not in dict(sign(s, secret, BODY, event_id="evt_1", flaw="unsigned").headers)
    assert dict(sign(s, secret, BODY, event_id="evt_1", flaw="bare-secret").headers)[s.header] == secret


@pytest.mark.parametrize("preset", ["stripe", "standard-webhooks", "slack"])
def test_stale_and_future_timestamps_fall_outside_the_tolerance(preset):
    s = scheme(preset)
    now = 1_700_000_000
    for flaw, sign_of in (("stale", -1), ("future", 1)):
        signed = sign(s, "k" * 20, BODY, event_id="e", now=now, flaw=flaw)
        assert (signed.timestamp - now) * sign_of > (s.tolerance_s or 0)


def test_a_rotated_header_carries_a_wrong_signature_first_and_the_right_one_second():
    s = scheme("standard-webhooks")
    secret = fresh_secret(s)
    entries = dict(sign(s, secret, BODY, event_id="msg_1", now=1_700_000_000, flaw="rotated").headers)[s.header].split()
    right = signature(s, secret, BODY, timestamp=1_700_000_000, event_id="msg_1")
    assert len(entries) == 2 and entries[1] == f"v1,{right}" and entries[0] != entries[1]
