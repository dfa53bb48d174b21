"""A real secret never leaves the run in plain text: every result is masked before anyone reads it.

Against a local runtime the secret is a random canary made for the run, and showing it helps
to debug. Against a live deployment (`--url`) it is the caller's real secret, read from the
environment (the contract's auth or signing-secret variable), and the results go to places
that outlive the run: the terminal of a CI log, the JSON report and the JUnit file a workflow
uploads as artifacts, pytest's own reports. So the runner masks each CheckResult once, as it
is made, and every reporter reads the masked one. The failure's text is rendered again from
the masked request and response, because rendering clips long values, and a clipped secret
would otherwise leave its first characters behind.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fnproof.conformance.checks.registry import Failure
from fnproof.conformance.http import LogLine, Request, Response


@dataclass(frozen=True, slots=True)
class Masker:
    """Replaces each (variable, value) pair's value by a mark naming the variable."""

    secrets: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def text(self, text: str) -> str:
        for env, value in self.secrets:
            if value:
                text = text.replace(value, f"<{env} masked>")
        return text

    def data(self, raw: bytes | None) -> bytes | None:
        if raw is None or not self:
            return raw
        masked = raw
        for env, value in self.secrets:
            if value:
                masked = masked.replace(value.encode(), f"<{env} masked>".encode())
        return masked

    def request(self, request: Request) -> Request:
        return replace(request, path=self.text(request.path),
                       headers=tuple((k, self.text(v)) for k, v in request.headers), body=self.data(request.body))

    def response(self, response: Response) -> Response:
        return replace(response, headers={k: self.text(v) for k, v in response.headers.items()},
                       body=self.data(response.body) or b"",
                       error=self.text(response.error) if response.error else None,
                       logs=tuple(LogLine(line.stream, self.text(line.text)) for line in response.logs))

    def failure(self, failure: Failure) -> Failure:
        return Failure(self.text(failure.summary),
                       self.request(failure.request) if failure.request is not None else None,
                       self.response(failure.response) if failure.response is not None else None,
                       self.text(failure.expected) if failure.expected else failure.expected)
