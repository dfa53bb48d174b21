"""The `http` runtime: checks against a running deployment (wrangler dev, sam local, a dev stage).

The kit controls nothing behind the URL: no environments to start or kill, no logs, no
Lambda event shapes. Checks that need those are skipped with the reason; the rest speak
plain HTTP. The shared secret comes from the caller's environment under the contract's
auth variable, never from the command line.
"""

from __future__ import annotations

import http.client
import itertools
from urllib.parse import urlsplit

from fnproof.conformance.http import Canaries, Request, Response
from fnproof.conformance.runtimes.base import Environment, RunOptions, Runtime, RuntimeSpec, Target
from fnproof.core.contract import Contract
from fnproof.core.errors import UsageError

_IDS = itertools.count(1)


class HttpEnvironment(Environment):
    """A connection to the deployment; 'fresh' only in the sense of a new connection."""

    def __init__(self, base: str, timeout_s: float) -> None:
        self.id = f"http-{next(_IDS)}"
        parts = urlsplit(base)
        self._https = parts.scheme == "https"
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._timeout_s = timeout_s

    def invoke(self, request: Request) -> Response:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = cls(self._netloc, timeout=self._timeout_s)
        headers = dict(request.headers)
        try:
            connection.request(request.method, self._prefix + request.path, body=request.body, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            return Response(status=answer.status, headers={k.lower(): v for k, v in answer.getheaders()},
                            body=body, environment=self.id)
        except TimeoutError:
            return Response(status=504, outcome="timeout", error=f"no answer within {self._timeout_s:g} s",
                            environment=self.id)
        except OSError as exc:
            return Response(status=502, outcome="error", error=f"request failed: {exc}", environment=self.id)
        finally:
            connection.close()

    def close(self) -> None:
        pass


class HttpRuntime(Runtime):
    name = "http"
    capabilities = frozenset()

    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url
        self.timeout_s = timeout_s

    def probe(self) -> None:
        answer = HttpEnvironment(self.base_url, self.timeout_s).invoke(Request("GET", "/"))
        if answer.outcome != "ok":
            raise UsageError(f"{self.base_url} does not answer: {answer.error}")

    def environment(self) -> Environment:
        return HttpEnvironment(self.base_url, self.timeout_s)

    def skip_reason(self, needs: frozenset[str]) -> str | None:
        reason = super().skip_reason(needs)
        return reason and reason.replace("http runtime: check ", "a live URL: the check ")


def _build(target: Target, contract: Contract, canaries: Canaries, options: RunOptions) -> Runtime:
    return HttpRuntime(target.url or "", timeout_s=max(10.0, options.timeout_s))


SPEC = RuntimeSpec(
    name="http",
    summary="a running deployment by URL (wrangler dev, sam local start-api, a dev stage)",
    build=_build,
    takes_urls=True,
)
