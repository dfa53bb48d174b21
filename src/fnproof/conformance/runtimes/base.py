"""The runtime seam: a Runtime makes fresh Environments; an Environment answers Requests.

Checks only see this interface, so a check written once runs on Lambda Node, Lambda
Python, Workers and a live URL alike. Capabilities say what a runtime can offer; a check
that needs one a runtime lacks is skipped with the runtime's reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from fnproof.conformance.http import LogLine, Request, Response

# capability -> what a check needing it cannot do without it
CAPABILITIES = {
    "lambda-events": "sends API Gateway event shapes (REST v1, base64); only Lambda runtimes take events",
    "environments": "needs to start, stop and isolate execution environments",
    "logs": "needs to read the handler's own log output",
}


class Environment(ABC):
    """One execution environment; serves one invocation at a time."""

    id: str

    @abstractmethod
    def invoke(self, request: Request) -> Response: ...

    @abstractmethod
    def close(self) -> None: ...

    def prepare(self) -> None:
        """Start now (init phase) instead of on first invoke, to make it warm."""

    @property
    def deaths(self) -> int:
        """How many times this environment crashed or timed out."""
        return 0

    @property
    def init_logs(self) -> tuple[LogLine, ...]:
        return ()

    def __enter__(self) -> "Environment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Runtime(ABC):
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset(CAPABILITIES)

    def start(self) -> None:
        """Start what environments share (services, installs); raise UsageError/SetupError."""

    def probe(self) -> None:
        """Load the handler once and turn a syntax error or missing export into a UsageError."""

    @abstractmethod
    def environment(self) -> Environment: ...

    def close(self) -> None:
        """Stop shared services."""

    def skip_reason(self, needs: frozenset[str]) -> str | None:
        missing = sorted(needs - self.capabilities)
        if not missing:
            return None
        return f"{self.name} runtime: check " + "; ".join(CAPABILITIES[m] for m in missing)
