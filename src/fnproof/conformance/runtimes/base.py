"""The runtime seam: a Runtime makes fresh Environments; an Environment answers Requests.

Checks only see this interface, so a check written once runs on Lambda Node, Lambda
Python, Workers and a live URL alike. Capabilities say what a runtime can offer; a check
that needs one a runtime lacks is skipped with the runtime's reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from fnproof.conformance.containment.sandbox import Isolation, Mode
from fnproof.conformance.http import Canaries, LogLine, Request, Response
from fnproof.core import defaults

if TYPE_CHECKING:
    from fnproof.conformance.runtimes.discovery import Found
    from fnproof.conformance.services.s3_buckets import LocalBucket
    from fnproof.conformance.services.sqs_queue import LocalQueue
    from fnproof.core.contract import Contract, Effects

# capability -> what a check needing it cannot do without it
CAPABILITIES = {
    "lambda-events": "sends API Gateway event shapes (REST v1, base64); only Lambda runtimes take events",
    "environments": "needs to start, stop and isolate execution environments",
    "logs": "needs to read the handler's own log output",
    "effects": "needs to read what the handler wrote to its store",
    "store-outage": "needs to start an environment whose store is unreachable",
    "sqs-events": "delivers SQS batches from a real local queue; only Lambda runtimes consume queues",
    "s3-events": "sends S3 notifications for objects in a real local bucket; only Lambda runtimes take them",
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

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Runtime(ABC):
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset(CAPABILITIES)
    # What actually runs the code (interpreter, version, why that one), for every report;
    # known once start() has run.
    platform: str = ""
    # Which isolation the run's processes had (containment/sandbox.py); known once start() has run.
    isolation: Isolation | None = None

    def start(self) -> None:
        """Start what environments share (services, installs); raise UsageError/SetupError."""

    def probe(self) -> None:
        """Load the handler once and turn a syntax error or missing export into a UsageError."""

    @abstractmethod
    def environment(self) -> Environment: ...

    def outage_environment(self) -> Environment:
        """A fresh environment whose store endpoint answers nothing (capability store-outage)."""
        raise NotImplementedError(f"{self.name} cannot cut an environment off its store")

    def count_effects(self, effects: Effects, event_id: str) -> int:
        """How many items the handler wrote with `effects.attribute` = event_id (capability effects)."""
        raise NotImplementedError(f"{self.name} cannot read the handler's store")

    def new_queue(self) -> LocalQueue:
        """A fresh local SQS queue (with its dead-letter queue) on the run's store endpoint (capability sqs-events)."""
        raise NotImplementedError(f"{self.name} cannot deliver queue messages")

    def new_bucket(self) -> LocalBucket:
        """A fresh versioned local S3 bucket on the run's store endpoint (capability s3-events)."""
        raise NotImplementedError(f"{self.name} cannot put objects where a handler reads them")

    def items_with(self, table_env: str, attribute: str, value: str) -> list[dict[str, str]]:
        """Items of the table behind `table_env` whose `attribute` is `value` (capability effects)."""
        raise NotImplementedError(f"{self.name} cannot read the handler's store")

    def close(self) -> None:
        """Stop shared services."""

    def service_failure(self) -> str | None:
        """Why a service the run's environments share (the store) is gone, if it died after starting."""
        return None

    def skip_reason(self, needs: frozenset[str]) -> str | None:
        missing = sorted(needs - self.capabilities)
        if not missing:
            return None
        return f"{self.name} runtime: check " + "; ".join(CAPABILITIES[m] for m in missing)


@dataclass(frozen=True, slots=True)
class Target:
    """What a run checks, and which runtime runs it, with the reason the user is shown."""

    path: Path
    export: str | None
    runtime: str
    reason: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The user's limits and choices that runtimes honour (each takes what applies to it)."""

    timeout_s: float = defaults.TIMEOUT_S
    memory_mb: int = defaults.MEMORY_MB
    python: str | None = None  # lambda-python: an interpreter (path, or a version such as 3.12)
    node: str | None = None  # lambda-node, workers: a Node major the kit installs (24, 22) or "system"
    sandbox: Mode = "auto"  # bubblewrap around every process: auto (when the preflight passes), require, off


@dataclass(frozen=True, slots=True)
class RuntimeSpec:
    """One runtime, everything the kit needs to know about it in one record.

    `recognise` claims a file or folder the user named (returning why, for the report);
    `find_handler` picks the handler in a tree of generated code (eval, grade); `build` makes
    the Runtime; `setup` installs what it needs ahead of time and says where; `default_target`
    is the handler path `fnproof init` points the Stop hook and CI at. The registry asks the
    records in order, so a more specific runtime (a module Worker) comes before a general one.
    """

    name: str
    summary: str
    build: Callable[[Target, Contract, Canaries, RunOptions], Runtime]
    recognise: Callable[[Path], str | None] = lambda path: None
    folder_entries: tuple[str, ...] = ()  # files that make a folder this runtime's target
    find_handler: Callable[[Path, Sequence[Path]], Found | None] | None = None
    looked_for: str = ""  # what find_handler looks for, for the message when nothing is found
    setup: Callable[[], str] | None = None
    default_target: str | None = None
    takes_urls: bool = False
