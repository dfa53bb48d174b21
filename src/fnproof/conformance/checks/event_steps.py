"""What a check does with the event sources of the Lambda-only kinds: a queue it fills and
drains as Lambda's event source mapping does (sqs), a bucket it fills and announces as S3 does
(s3-import). A CheckContext holds one of each (`ctx.queues`, `ctx.objects`); each makes its
queue or bucket on first use, so a check that needs neither pays for neither.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import TYPE_CHECKING, Any

from fnproof.conformance.checks.registry import CheckFailed
from fnproof.conformance.http import QueueMessage, Request, Response, StoredObject
from fnproof.conformance.runtimes.base import Environment
from fnproof.conformance.services.s3_buckets import LocalBucket
from fnproof.conformance.services.sqs_queue import LocalQueue
from fnproof.core.contract import UNIQUE_PLACEHOLDER, resolve_pointer

if TYPE_CHECKING:
    from fnproof.conformance.checks.context import CheckContext

_DEFAULT: Any = object()


class QueueSteps:
    """A check's queue, and batches from it read back as Lambda reads them."""

    def __init__(self, ctx: CheckContext) -> None:
        self._ctx = ctx
        self._queue: LocalQueue | None = None
        self._lock = threading.Lock()

    def queue(self) -> LocalQueue:
        """This check's own queue (and dead-letter queue), made on first use."""
        with self._lock:
            if self._queue is None:
                self._queue = self._ctx.runtime.new_queue()
            return self._queue

    def body(self, index: int = 0, *, key: Any = _DEFAULT) -> str:
        """A valid message body: with a fresh dedup key at its pointer (or `key`; None removes it)."""
        if self._ctx.contract.key.pointer and key is _DEFAULT:
            key = self._ctx.key()
        index %= len(self._ctx.contract.valid_bodies)
        return (self._ctx.body(index) if key is _DEFAULT else self._ctx.body(index, key=key)).decode()

    def poison_bodies(self) -> list[str]:
        """The contract's poison messages: not JSON, then JSON the consumer must refuse."""
        return [*self._ctx.contract.invalid_json_bodies, *(b.text for b in self._ctx.contract.invalid_bodies)]

    def batch(self, messages: list[QueueMessage]) -> Request:
        return Request(method="", path="", shape="sqs", records=tuple(messages))

    def deliver(self, env: Environment, bodies: list[str]) -> tuple[list[QueueMessage], Request, Response]:
        """Send the bodies to the queue, receive them, and invoke `env` with them as one batch."""
        messages = self.queue().deliverable(bodies, dict(self._ctx.contract.message_attributes))
        request = self.batch(messages)
        return messages, request, self._ctx.send(env, request)

    def settle(self, messages: list[QueueMessage], response: Response) -> None:
        """The event source mapping's part after an invocation: delete successes, return failures."""
        self.queue().settle(messages, response.failed_items)

    def dedup_value(self, message: QueueMessage) -> str:
        """The value a consumer's effect for this message carries: its dedup key."""
        if self._ctx.contract.key.message_id:
            return message.message_id
        value = resolve_pointer(json.loads(message.body), self._ctx.contract.key.pointer or "", None)
        assert isinstance(value, str), "every valid message the checks send carries its dedup key"
        return value

    def expect_processed(self, request: Request, response: Response, *, failed: tuple[str, ...] = (),
                         also: frozenset[str] = frozenset()) -> None:
        """The invocation returned a batch response Lambda can read, reporting exactly `failed`
        (messages in `also` may be reported too)."""
        if response.outcome != "ok" or response.batch_failed is not None:
            why = response.batch_failed or response.outcome
            valid = len(request.records) - len(failed)
            raise CheckFailed(f"the whole batch failed ({why.splitlines()[0][:160]}): Lambda returns all "
                              f"{len(request.records)} messages to the queue, and the {valid} that were processed "
                              "come again", request=request, response=response,
                              expected=self._wanted(failed))
        reported = set(response.failed_items)
        if not set(failed) <= reported <= set(failed) | also:
            extra = sorted(reported - set(failed) - also)
            missing = sorted(set(failed) - reported)
            what = (f"{len(extra)} processed message(s) reported as failed ({', '.join(extra)}), so they come again"
                    if extra else f"the poison message {', '.join(missing)} was not reported, so it is deleted as "
                                  "done, never retried and never reaches the dead-letter queue")
            raise CheckFailed(what, request=request, response=response, expected=self._wanted(failed))

    def _wanted(self, failed: tuple[str, ...]) -> str:
        if not failed:
            return "a result with no batchItemFailures (or an empty list)"
        return "batchItemFailures with exactly " + ", ".join(f'{{"itemIdentifier": "{m}"}}' for m in failed)


class ObjectSteps:
    """A check's versioned bucket, the notifications S3 sends for it, and the jobs they make."""

    def __init__(self, ctx: CheckContext) -> None:
        self._ctx = ctx
        self._bucket: LocalBucket | None = None
        self._lock = threading.Lock()

    def bucket(self) -> LocalBucket:
        """This check's own versioned bucket, made on first use."""
        with self._lock:
            if self._bucket is None:
                self._bucket = self._ctx.runtime.new_bucket()
            return self._bucket

    def key(self, index: int = 0) -> str:
        files = self._ctx.contract.files
        assert files is not None, "an s3-import contract names its files"
        return files.keys[index % len(files.keys)].replace(UNIQUE_PLACEHOLDER, secrets.token_hex(4))

    def file(self, index: int = 0) -> bytes:
        """A valid file, personal data filled in."""
        files = self._ctx.contract.files
        assert files is not None, "an s3-import contract names its files"
        return files.valid[index % len(files.valid)].replace("{pii}", self._ctx.canaries.pii).encode()

    def notification(self, objects: list[StoredObject]) -> Request:
        return Request(method="", path="", shape="s3", objects=tuple(objects))

    def upload(self, env: Environment, key: str, content: bytes) -> tuple[StoredObject, Request, Response]:
        """Put an object in the bucket, then send `env` the ObjectCreated:Put event S3 would."""
        obj = self.bucket().put(key, content)
        request = self.notification([obj])
        return obj, request, self._ctx.send(env, request)

    def jobs(self, obj: StoredObject) -> list[dict[str, str]]:
        """The jobs the handler recorded for this object version."""
        jobs = self._ctx.contract.jobs
        assert jobs is not None, "an s3-import contract says where jobs land"
        return self._ctx.runtime.items_with(jobs.table_env, jobs.version_attribute, obj.version_id)

    def expect_job(self, obj: StoredObject, request: Request, response: Response, status: str | None,
                   why: str = "") -> None:
        """The invocation ran, and the object version has exactly one job (in `status`), or none (None)."""
        jobs = self._ctx.contract.jobs
        assert jobs is not None
        self._ctx.expect_alive(request, response)
        found = self.jobs(obj)
        if status is None:
            if found:
                raise CheckFailed(f"{len(found)} job(s) for s3://{obj.bucket}/{obj.key}{why}", request=request,
                                  response=response, expected="no job")
            return
        if len(found) != 1:
            raise CheckFailed(f"{len(found)} jobs for version {obj.version_id} of s3://{obj.bucket}/{obj.key}{why}",
                              request=request, response=response,
                              expected=f"exactly one item with {jobs.version_attribute} = that version id")
        job = found[0]
        if job.get(jobs.key_attribute) != obj.key:
            raise CheckFailed(f"the job's {jobs.key_attribute} is {job.get(jobs.key_attribute)!r}{why}",
                              request=request, response=response,
                              expected=f"the decoded key {obj.key!r} (the event carries it URL-encoded)")
        if job.get(jobs.status_attribute) != status:
            raise CheckFailed(f"the job's {jobs.status_attribute} is {job.get(jobs.status_attribute)!r}{why}",
                              request=request, response=response, expected=f"{jobs.status_attribute} = {status!r}")
