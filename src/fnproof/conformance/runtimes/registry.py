"""Build a runtime for a detected target, wiring the contract's names and the run's canaries."""

from __future__ import annotations

from typing import Callable

from fnproof.conformance.checks.context import Canaries
from fnproof.core.contract import Contract
from fnproof.core.errors import UsageError
from fnproof.conformance.runtimes.base import Runtime
from fnproof.conformance.runtimes.detect import Target
from fnproof.conformance.runtimes.http_url import HttpRuntime
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime
from fnproof.conformance.runtimes.aws_lambda.python import LambdaPythonRuntime
from fnproof.conformance.runtimes.workers.runtime import WorkersRuntime


def _lambda(cls: type, default_export: str) -> Callable[..., Runtime]:
    def build(target: Target, contract: Contract, canaries: Canaries, **options: object) -> Runtime:
        return cls(target.path, target.export or default_export, secret=canaries.secret,
                   table_env=contract.table_env, partition_key=contract.partition_key,
                   secret_env=contract.auth_env or "WEBHOOK_SECRET", **options)
    return build


RUNTIMES: dict[str, Callable[..., Runtime]] = {
    "lambda-node": _lambda(LambdaNodeRuntime, "handler"),
    "lambda-python": _lambda(LambdaPythonRuntime, ""),  # '' = handler, then lambda_handler
    "workers": lambda target, contract, canaries, timeout_s, memory_mb: WorkersRuntime(
        target.path, secret=canaries.secret, secret_env=contract.auth_env or "WEBHOOK_SECRET",
        timeout_s=timeout_s, memory_mb=memory_mb),
    "http": lambda target, contract, canaries, timeout_s, memory_mb: HttpRuntime(target.url or "",
                                                                                 timeout_s=max(10.0, timeout_s)),
}


def make_runtime(target: Target, contract: Contract, canaries: Canaries, *, timeout_s: float,
                 memory_mb: int, python: str | None = None) -> Runtime:
    build = RUNTIMES.get(target.runtime)
    if build is None:
        raise UsageError(f"runtime {target.runtime} ({target.reason}) is not available in this version",
                         where=str(target.path))
    options: dict[str, object] = {"timeout_s": timeout_s, "memory_mb": memory_mb}
    if target.runtime == "lambda-python" and python:
        options["python"] = python
    return build(target, contract, canaries, **options)
