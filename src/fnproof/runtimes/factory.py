"""Build a runtime for a detected target, wiring the contract's names and the run's canaries."""

from __future__ import annotations

from typing import Callable

from fnproof.checks.context import Canaries
from fnproof.contract import Contract
from fnproof.errors import UsageError
from fnproof.runtimes.base import Runtime
from fnproof.runtimes.detect import Target
from fnproof.runtimes.lambda_node import LambdaNodeRuntime


def _lambda(cls: type) -> Callable[..., Runtime]:
    def build(target: Target, contract: Contract, canaries: Canaries, **limits: float) -> Runtime:
        return cls(target.path, target.export or "handler", secret=canaries.secret,
                   table_env=contract.table_env, partition_key=contract.partition_key,
                   secret_env=contract.auth_env or "WEBHOOK_SECRET", **limits)
    return build


RUNTIMES: dict[str, Callable[..., Runtime]] = {
    "lambda-node": _lambda(LambdaNodeRuntime),
}


def make_runtime(target: Target, contract: Contract, canaries: Canaries, *, timeout_s: float,
                 memory_mb: int) -> Runtime:
    build = RUNTIMES.get(target.runtime)
    if build is None:
        raise UsageError(f"runtime {target.runtime} ({target.reason}) is not available in this version",
                         where=str(target.path))
    return build(target, contract, canaries, timeout_s=timeout_s, memory_mb=memory_mb)
