"""What the Lambda runtimes (Node, Python) share: the sandbox environment, events, results.

Only the variables of CONTRACT.md §2 reach a handler; the caller's environment never does
(a generated handler may read anything it is given, so it is given nothing of ours).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fnproof.conformance.containment.sandbox import Mode, Sandbox
from fnproof.conformance.containment.sandbox import for_run as sandbox_for_run
from fnproof.conformance.http import Canaries, LogLine, Request, Response
from fnproof.conformance.runtimes.aws_lambda import typescript
from fnproof.conformance.runtimes.aws_lambda.events import build_event, read_batch_response, result_to_response
from fnproof.conformance.runtimes.base import Environment, RunOptions, Runtime, Target
from fnproof.conformance.runtimes.process_env import DriverSpec, InitError, ProcessBackedEnvironment, ProcessEnvironment
from fnproof.conformance.services.dynamodb import REGION, LocalDynamoDB
from fnproof.conformance.services.dynamodb_reads import ItemReader
from fnproof.conformance.services.s3_buckets import LocalBucket, LocalBuckets
from fnproof.conformance.services.sqs_queue import LocalQueue, LocalQueues
from fnproof.core import defaults
from fnproof.core.contract import Contract, Effects
from fnproof.core.errors import UsageError


class LambdaEnvironment(ProcessBackedEnvironment):
    def __init__(self, process: ProcessEnvironment, timeout_s: float, store_ready: Callable[[], object]) -> None:
        super().__init__(process, timeout_s)
        self._store_ready = store_ready

    def invoke(self, request: Request) -> Response:
        self._store_ready()  # environments boot while the store starts; invocations wait for it
        event = build_event(request)
        request_id = event["requestContext"]["requestId"] if "requestContext" in event else str(uuid.uuid4())
        raw = self._process.invoke({"event": event, "request_id": request_id}, self._timeout_s)
        if request.shape == "sqs":
            return self._batch_response(request, raw)
        if request.shape == "s3":  # S3 invokes asynchronously: only the outcome counts
            return Response(status=200 if raw.outcome == "ok" else 502, outcome=raw.outcome, error=raw.error,
                            logs=raw.logs + ((LogLine("runtime", f"[ERROR] Invoke Error {raw.error}"),)
                                             if raw.outcome == "error" else ()),
                            environment=self.id, replaced_environment=raw.ended_environment)
        if raw.outcome == "ok":
            response = result_to_response(raw.result, request.shape)
        else:
            response = Response(status=502, headers={"content-type": "application/json"},
                                body=b'{"message":"Internal Server Error"}', outcome=raw.outcome,
                                error=raw.error)
        logs = raw.logs
        if raw.outcome == "error":  # Lambda logs an uncaught error's type and message itself
            logs += (LogLine("runtime", f"[ERROR] Invoke Error {raw.error}"),)
        return Response(status=response.status, headers=response.headers, body=response.body,
                        outcome=response.outcome, error=response.error, logs=logs,
                        environment=self.id, replaced_environment=raw.ended_environment)


    def _batch_response(self, request: Request, raw: Any) -> Response:
        """An SQS invocation's result as the event source mapping reads it: which messages go back."""
        logs = raw.logs
        if raw.outcome == "ok":
            failed, whole = read_batch_response(raw.result, request.records)
            body = json.dumps(raw.result).encode()
        else:
            failed, whole = tuple(m.message_id for m in request.records), f"{raw.outcome}: {raw.error or ''}"
            body = b""
            if raw.outcome == "error":
                logs += (LogLine("runtime", f"[ERROR] Invoke Error {raw.error}"),)
        return Response(status=200 if raw.outcome == "ok" else 502, headers={}, body=body, outcome=raw.outcome,
                        error=raw.error, logs=logs, environment=self.id, replaced_environment=raw.ended_environment,
                        failed_items=failed, batch_failed=whole)


class LambdaRuntime(Runtime):
    """Subclasses give the driver argv; this class gives everything around it."""

    execution_env: str = ""

    def __init__(self, handler_file: Path, export: str, *, secret: str, timeout_s: float = defaults.TIMEOUT_S,
                 memory_mb: int = defaults.MEMORY_MB, tables: dict[str, str] | None = None,
                 secret_env: str = defaults.SECRET_ENV, dynamodb: LocalDynamoDB | None = None,
                 sandbox: Mode = "auto", consumes_queue: bool = False, reads_objects: bool = False) -> None:
        if not handler_file.is_file():
            raise UsageError("no such handler file", where=str(handler_file))
        self.handler_file = handler_file.resolve()
        self.export = export
        self.secret, self.secret_env = secret, secret_env
        self.timeout_s, self.memory_mb = timeout_s, memory_mb
        self._own_dynamodb = dynamodb is None
        self.dynamodb = dynamodb or LocalDynamoDB(tables)  # env name -> partition key, created per run
        # moto's server answers SQS on the store's endpoint; a queue consumer's SDK finds it there too
        self.consumes_queue = consumes_queue
        self._queues = LocalQueues(self.dynamodb.kit_url)
        self.reads_objects = reads_objects  # an S3 import entry point: its SDK reaches the watched S3
        self._buckets = LocalBuckets(self.dynamodb.kit_url, self.dynamodb.expose_s3_proxy)
        self._items = ItemReader(self.dynamodb.kit_url)
        self._run_dir = Path(tempfile.mkdtemp(prefix="lambda-run-"))
        # Random per run, like the secret: nothing a handler is given says it is under test.
        self.function_name = f"{handler_file.stem.replace('_', '-')}-{secrets.token_hex(3)}"
        self._key_id = "AKIA" + secrets.token_hex(8).upper()
        self._key_secret = secrets.token_urlsafe(30)
        self._sandbox_mode: Mode = sandbox
        self.sandbox: Sandbox | None = None

    # subclass hooks
    @classmethod
    def own_options(cls, options: RunOptions) -> dict[str, Any]:
        """The RunOptions this runtime's constructor takes beyond the common ones."""
        return {}

    def driver_argv(self, workdir: Path) -> tuple[str, ...]:
        raise NotImplementedError

    def extra_env(self) -> dict[str, str]:
        return {}

    def readable(self) -> tuple[Path, ...]:
        """What the driver reads in the sandbox beyond the kit's files: the handler's folder, builds."""
        return (self.handler_file.parent, self._run_dir / "build", typescript.source_root(self.handler_file))

    def start(self) -> None:
        self.sandbox, self.isolation = sandbox_for_run(self._sandbox_mode)
        if self.sandbox is not None:
            broad = [p for p in LambdaRuntime.readable(self) if _too_broad(p)]  # the handler's own folders
            if broad:
                self.sandbox.close()
                self.sandbox = None
                raise UsageError(f"the sandbox would have to show the handler all of {broad[0]} (other runs' "
                                 "files, the caller's own); put the handler in a folder of its own, or run with "
                                 "--sandbox off", where=str(self.handler_file))
        if self._own_dynamodb:
            self.dynamodb.start(self.sandbox)

    def sandbox_env(self, workdir: Path, *, store_url: str | None = None) -> dict[str, str]:
        endpoint = self.dynamodb.planned or self.dynamodb.endpoint()
        name = self.function_name
        env = {
            "PATH": defaults.SYSTEM_PATH, "HOME": str(workdir), "TMPDIR": str(workdir / "tmp"), "LANG": "C.UTF-8",
            "TZ": ":UTC", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": self._key_id, "AWS_SECRET_ACCESS_KEY": self._key_secret,
            "AWS_ENDPOINT_URL_DYNAMODB": store_url or endpoint.url, **endpoint.tables,
            self.secret_env: self.secret,
            "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"2026/11/26/[$LATEST]{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": self.execution_env, "LAMBDA_TASK_ROOT": str(self.handler_file.parent),
            "_HANDLER": f"{self.handler_file.stem}.{self.export or 'handler'}",
        }
        if self.consumes_queue:
            env["AWS_ENDPOINT_URL_SQS"] = store_url or endpoint.url
        if self.reads_objects:
            env["AWS_ENDPOINT_URL_S3"] = self._buckets.handler_endpoint()
        env.update(self.extra_env())
        return env

    def syntax_location(self) -> str | None:
        """file:line of a syntax error, when the driver's message lacks it."""
        return None

    def _spec(self, workdir: Path, *, store_url: str | None = None) -> DriverSpec:
        env = self.sandbox_env(workdir, store_url=store_url)  # first: it opens the S3 crossing it names
        return DriverSpec(argv=self.driver_argv(workdir), env=env, memory_mb=self.memory_mb, sandbox=self.sandbox,
                          readable=self.readable(),
                          relays=self.dynamodb.relays_for_environments(s3=self.reads_objects))

    def environment(self) -> Environment:
        process = ProcessEnvironment(self._spec, label=self.name, base_dir=self._run_dir)
        return LambdaEnvironment(process, self.timeout_s, self.dynamodb.endpoint)

    def outage_environment(self) -> Environment:
        relayed = {port for port, _ in self.dynamodb.relays_for_environments(s3=True)}
        port = _closed_port()
        while port in relayed:  # in the sandbox those ports are live inside the environment
            port = _closed_port()
        dead = f"http://127.0.0.1:{port}"
        process = ProcessEnvironment(lambda workdir: self._spec(workdir, store_url=dead), label=f"{self.name}-outage",
                                     base_dir=self._run_dir)
        return LambdaEnvironment(process, self.timeout_s, self.dynamodb.endpoint)

    def service_failure(self) -> str | None:
        return self.dynamodb.death()

    def new_queue(self) -> LocalQueue:
        return self._queues.new_queue()

    def new_bucket(self) -> LocalBucket:
        return self._buckets.new_bucket()

    def items_with(self, table_env: str, attribute: str, value: str) -> list[dict[str, str]]:
        return self._items.items_with(self.dynamodb.names[table_env], attribute, value)

    def count_effects(self, effects: Effects, event_id: str) -> int:
        return self.dynamodb.count(effects.table_env, effects.attribute, event_id)

    def probe(self) -> None:
        process = ProcessEnvironment(self._spec, label=f"{self.name}-probe", base_dir=self._run_dir)
        try:
            process.start()
        except InitError as exc:
            if exc.kind in {"syntax", "export", "module"}:
                where = exc.where or (self.syntax_location() if exc.kind == "syntax" else None)
                raise UsageError(str(exc), where=where or str(self.handler_file)) from None
            # A handler that throws or dies at import is the handler's failure, not bad usage:
            # every check reports it.
        finally:
            process.close()

    def close(self) -> None:
        self._buckets.stop()
        if self._own_dynamodb:
            self.dynamodb.stop()
        if self.sandbox is not None:
            self.sandbox.close()
        shutil.rmtree(self._run_dir, ignore_errors=True)


def builder(cls: type[LambdaRuntime],
            default_export: str) -> Callable[[Target, Contract, Canaries, RunOptions], Runtime]:
    """The `build` of a Lambda RuntimeSpec: wire the contract's names and the run's secret."""

    def build(target: Target, contract: Contract, canaries: Canaries, options: RunOptions) -> Runtime:
        extra: dict[str, Any] = cls.own_options(options)
        return cls(target.path, target.export or default_export, secret=canaries.secret, tables=contract.tables(),
                   secret_env=contract.secret_env, timeout_s=options.timeout_s, memory_mb=options.memory_mb,
                   sandbox=options.sandbox, consumes_queue=contract.kind == "sqs",
                   reads_objects=contract.kind == "s3-import", **extra)

    return build


def _too_broad(folder: Path) -> bool:
    """A folder the sandbox must not bind for a handler: the root, the temp folder, HOME, or above them."""
    real = Path(os.path.realpath(folder))
    shared = [Path("/"), Path(os.path.realpath(tempfile.gettempdir())), Path(os.path.realpath(Path.home()))]
    return any(real == place or place.is_relative_to(real) for place in shared)


def _closed_port() -> int:
    """A loopback port nothing listens on: bound once to choose it, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
