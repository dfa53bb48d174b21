"""Sign a delivery the way a provider does, so a receiver is proven against real signatures.

The harness is the provider here: it holds the run's signing secret, computes the HMAC over
the exact bytes it sends, and writes the header the scheme names (conformance/signatures.yaml
has each provider's scheme). Checks ask for honest signatures and for each way a forgery or
a mistake looks: none, malformed, another secret's, another body's, stale, from the future,
the secret itself where a signature belongs (what a test-only backdoor accepts), or the right
one among others (a rotating secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from fnproof.core.contract import SignatureScheme

Flaw = Literal["none", "unsigned", "malformed", "wrong-secret", "other-body", "bare-secret", "stale", "future",
               "rotated", "rotated-first"]
_DIGESTS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "sha512": hashlib.sha512}


def fresh_secret(scheme: SignatureScheme | None) -> str:
    """A random secret in the scheme's format (whsec_ + base64 for Standard Webhooks)."""
    if scheme is not None and scheme.secret_format == "whsec-base64":
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    if scheme is not None and scheme.preset == "stripe":
        return "whsec_" + secrets.token_hex(16)
    return secrets.token_hex(16)


def _key(scheme: SignatureScheme, secret: str) -> bytes:
    if scheme.secret_format == "whsec-base64":
        encoded = secret.removeprefix("whsec_")
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return secret.encode()


def signed_bytes(scheme: SignatureScheme, body: bytes, *, timestamp: int, event_id: str) -> bytes:
    """The exact bytes the scheme signs: its payload template around the raw body."""
    head, _, tail = scheme.payload.partition("{body}")

    def fill(text: str) -> bytes:
        return text.replace("{t}", str(timestamp)).replace("{id}", event_id).encode()

    return fill(head) + body + fill(tail)


def signature(scheme: SignatureScheme, secret: str, body: bytes, *, timestamp: int, event_id: str) -> str:
    mac = hmac.new(_key(scheme, secret), signed_bytes(scheme, body, timestamp=timestamp, event_id=event_id),
                   _DIGESTS[scheme.algorithm]).digest()
    return mac.hex() if scheme.encoding == "hex" else base64.b64encode(mac).decode()


def _header_value(scheme: SignatureScheme, signatures: list[str], timestamp: int) -> str:
    if scheme.layout == "stripe":
        return f"t={timestamp}," + ",".join(f"v1={s}" for s in signatures)
    if scheme.layout == "standard-webhooks":
        return " ".join(f"v1,{s}" for s in signatures)
    return scheme.prefix + signatures[0]


@dataclass(frozen=True, slots=True)
class Signed:
    headers: tuple[tuple[str, str], ...]
    timestamp: int


def sign(scheme: SignatureScheme, secret: str, body: bytes, *, event_id: str, flaw: Flaw = "none",
         now: float | None = None, decoy_secret: str | None = None) -> Signed:
    """The headers a delivery of `body` carries, honest (`flaw="none"`) or with one flaw."""
    clock = int(now if now is not None else time.time())
    margin = (scheme.tolerance_s or 300) + 120
    timestamp = {"stale": clock - margin, "future": clock + margin}.get(flaw, clock)
    headers: list[tuple[str, str]] = []
    if scheme.timestamp_header:
        headers.append((scheme.timestamp_header, str(timestamp)))
    if flaw == "unsigned":
        return Signed(tuple(headers), timestamp)
    decoy = decoy_secret or fresh_secret(scheme)
    key = decoy if flaw == "wrong-secret" else secret
    signed_body = body + b" " if flaw == "other-body" else body
    good = signature(scheme, key, signed_body, timestamp=timestamp, event_id=event_id)
    if flaw == "malformed":
        value = _header_value(scheme, ["not-a-signature"], timestamp)
    elif flaw == "bare-secret":  # the secret itself where the signature goes: a test-only backdoor accepts it
        value = secret
    elif flaw in ("rotated", "rotated-first"):  # one right signature among others: a receiver tries every one
        wrong = signature(scheme, decoy, body, timestamp=timestamp, event_id=event_id)
        value = _header_value(scheme, [wrong, good] if flaw == "rotated" else [good, wrong], timestamp)
    else:
        value = _header_value(scheme, [good], timestamp)
    headers.append((scheme.header, value))
    return Signed(tuple(headers), timestamp)
