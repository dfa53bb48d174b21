"""Real local SQS queues for queue consumers: moto's server (the store's process) serves SQS too.

A check gets a queue of its own, with a dead-letter queue behind a redrive policy, as a
deployment would have. The harness plays both ends around the handler: the producer (it
sends the contract's bodies) and Lambda's event source mapping (it receives them, so every
message in an event has a real messageId, receipt handle, MD5 and receive count; after the
invocation it deletes what succeeded and lets the failures become visible again). Time is
compressed: a failed message is made visible at once instead of after the visibility timeout.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

from fnproof.conformance.http import QueueMessage
from fnproof.core.errors import SetupError

REGION = "us-east-1"
MAX_RECEIVE_COUNT = 5  # receives before the queue moves a message to its dead-letter queue
VISIBILITY_TIMEOUT_S = 180  # at least six times the function's timeout, as a deployment sets it
_RECEIVE_ATTEMPTS = 5


class LocalQueues:
    """Makes queues on the local endpoint; one boto3 client, made on first use and shared (it is thread-safe)."""

    def __init__(self, endpoint_url: Callable[[], str]) -> None:
        self._endpoint_url = endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3  # only runs with queue consumers pay for the client's service model
                from botocore.config import Config

                self._client = boto3.client(
                    "sqs", endpoint_url=self._endpoint_url(), region_name=REGION, aws_access_key_id="harness",
                    aws_secret_access_key="harness", config=Config(retries={"max_attempts": 2}))
            return self._client

    def new_queue(self) -> LocalQueue:
        """A fresh queue and its dead-letter queue (redrive after MAX_RECEIVE_COUNT receives), random names."""
        sqs = self.client()
        name = f"orders-{secrets.token_hex(4)}"
        try:
            dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)})
            url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT_S),
                                                                "RedrivePolicy": redrive})["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        except Exception as exc:
            raise SetupError(f"the local SQS queue could not be made: {exc}") from None
        return LocalQueue(sqs, url, arn, dlq_url)


def _message(raw: dict[str, Any], arn: str) -> QueueMessage:
    attributes = tuple(sorted((raw.get("Attributes") or {}).items()))
    message_attributes = tuple((name, value.get("DataType", "String"), value.get("StringValue", ""))
                               for name, value in sorted((raw.get("MessageAttributes") or {}).items()))
    return QueueMessage(message_id=raw["MessageId"], receipt_handle=raw["ReceiptHandle"], body=raw["Body"],
                        md5_of_body=raw["MD5OfBody"], attributes=attributes, message_attributes=message_attributes,
                        queue_arn=arn)


class LocalQueue:
    def __init__(self, sqs: Any, url: str, arn: str, dlq_url: str) -> None:
        self._sqs, self.url, self.arn, self.dlq_url = sqs, url, arn, dlq_url

    def send(self, bodies: Iterable[str], attributes: dict[str, str] | None = None) -> list[str]:
        """Send bodies as a producer would (one SendMessage each); their messageIds, in order."""
        wanted = {name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()}
        return [self._sqs.send_message(QueueUrl=self.url, MessageBody=body, MessageAttributes=wanted)["MessageId"]
                for body in bodies]

    def receive(self, message_ids: list[str]) -> list[QueueMessage]:
        """Receive exactly these messages (each with a new receipt handle), in the order asked."""
        found: dict[str, QueueMessage] = {}
        for _ in range(_RECEIVE_ATTEMPTS):
            answer = self._sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                               AttributeNames=["All"], MessageAttributeNames=["All"])
            for raw in answer.get("Messages") or ():
                message = _message(raw, self.arn)
                if message.message_id in message_ids:
                    found[message.message_id] = message
                else:  # not ours to deliver now: back at once
                    self._visible([message])
            if len(found) == len(set(message_ids)):
                break
        return [found[m] for m in message_ids if m in found]

    def deliverable(self, bodies: Iterable[str], attributes: dict[str, str] | None = None) -> list[QueueMessage]:
        """Send, then receive: messages as an event source mapping hands them to a function."""
        ids = self.send(bodies, attributes)
        messages = self.receive(ids)
        if len(messages) != len(ids):
            raise SetupError(f"the local queue handed out {len(messages)} of the {len(ids)} messages sent")
        return messages

    def settle(self, messages: Iterable[QueueMessage], failed: Iterable[str]) -> None:
        """What the event source mapping does after an invocation: delete what succeeded; the
        failures become visible again (at once: the visibility timeout, compressed)."""
        failed = set(failed)
        messages = list(messages)
        done = [m for m in messages if m.message_id not in failed]
        for message in done:
            self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt_handle)
        self._visible([m for m in messages if m.message_id in failed])

    def release(self, messages: Iterable[QueueMessage]) -> None:
        """Make messages visible again without deleting them: a delivery that happened but
        whose delete never did (the function timed out late, the mapping lost its delete), so
        the queue hands them out again, as at-least-once delivery allows."""
        self._visible(list(messages))

    def redeliver(self, messages: list[QueueMessage]) -> list[QueueMessage]:
        """Release the messages, then receive them again: same messageIds, new receipt handles."""
        self.release(messages)
        return self.receive([m.message_id for m in messages])

    def dead_letters(self) -> list[str]:
        """The bodies the queue has moved to its dead-letter queue (received there, left in place)."""
        answer = self._sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                           VisibilityTimeout=0)
        return [raw["Body"] for raw in answer.get("Messages") or ()]

    def _visible(self, messages: list[QueueMessage]) -> None:
        for message in messages:
            try:
                self._sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message.receipt_handle,
                                                    VisibilityTimeout=0)
            except Exception as exc:  # the handler deleted it itself: nothing to make visible
                if "ReceiptHandleIsInvalid" not in str(exc) and "MessageNotInflight" not in str(exc):
                    raise
