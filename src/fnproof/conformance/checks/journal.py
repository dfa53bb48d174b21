"""Every invocation of a run, kept for the checks that judge the run as a whole.

A handler can tell one check's requests from another's by their shape (the log checks send
one of each rejection into a single environment; `unknown-route-404` sends other methods), so
a check that reads only its own traffic can be gamed: log the secret on every request except
the ones a log check sends. The log checks therefore read the logs of every invocation any
check made, and run after the others (runner.run_checks, the pytest plugin's order). Each
exchange keeps the id of the check that made it, for the report only: it is never sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fnproof.conformance.http import LogLine, Request, Response


@dataclass(frozen=True, slots=True)
class Exchange:
    check_id: str
    request: Request
    response: Response


class RunJournal:
    """Thread-safe: checks run in parallel and record as they go."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []
        self._init_logs: list[LogLine] = []

    def record(self, check_id: str, request: Request, response: Response) -> None:
        with self._lock:
            self._exchanges.append(Exchange(check_id, request, response))

    def record_init(self, lines: tuple[LogLine, ...] | list[LogLine]) -> None:
        with self._lock:
            self._init_logs.extend(lines)

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def init_logs(self) -> list[LogLine]:
        with self._lock:
            return list(self._init_logs)

    def succeeded(self) -> list[Exchange]:
        """Invocations where the handler ran and answered (no throw, crash or timeout, no 5xx)."""
        return [e for e in self.exchanges() if e.response.outcome == "ok" and e.response.status < 500]
