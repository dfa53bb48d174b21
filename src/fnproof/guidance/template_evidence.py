"""Facts a checklist item can read from the function's SAM template, where one is present.

Some of what a queue consumer needs lives in its deployment, not its code: the event source's
`FunctionResponseTypes: [ReportBatchItemFailures]` (without it Lambda ignores the partial batch
response), a dead-letter queue behind the queue's `RedrivePolicy`, and a `VisibilityTimeout`
at least six times the function's `Timeout`. The template beside the handler says so or not;
each fact comes back with the line that shows it, so the checklist can cite it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_VISIBILITY_S = 30  # SQS's default VisibilityTimeout
DEFAULT_TIMEOUT_S = 3  # Lambda's default Timeout
VISIBILITY_FACTOR = 6


@dataclass(frozen=True, slots=True)
class Fact:
    holds: bool
    detail: str  # what the template shows, with file:line


class _Loader(yaml.SafeLoader):
    """CloudFormation's short tags (!Ref, !GetAtt, !Sub, ...) as their long forms, lines kept."""


def _tagged(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_Loader.add_multi_constructor("!", _tagged)


def _lines(text: str) -> dict[str, int]:
    """Line of each `Name:` key, first seen (logical ids and properties), for citations."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        key, colon, _ = line.strip().partition(":")
        if colon and key:
            found.setdefault(key, number)
    return found


def _logical_id(value: Any) -> str | None:
    """The resource a `!GetAtt X.Arn`, `!Ref X` or `{Fn::GetAtt: [X, Arn]}` names."""
    if isinstance(value, dict):
        inner = value.get("Fn::GetAtt", value.get("Ref"))
        if isinstance(inner, list) and inner:
            return str(inner[0])
        if isinstance(inner, str):
            return inner.split(".", 1)[0]
    return None


@dataclass(frozen=True, slots=True)
class _Consumer:
    function: str
    timeout: float
    queue: str | None  # the queue's logical id, when the template defines it
    response_types: tuple[str, ...]
    where: str


class QueueTemplate:
    """The SQS consumers of one SAM template: functions with SQS events, and their queues."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        self.path = path
        self._line = _lines(text)
        data = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a SafeLoader subclass
        self.resources: dict[str, Any] = data.get("Resources") or {}
        default_timeout = ((data.get("Globals") or {}).get("Function") or {}).get("Timeout", DEFAULT_TIMEOUT_S)
        self.consumers: list[_Consumer] = []
        for name, resource in self.resources.items():
            props = (resource or {}).get("Properties") or {}
            if resource.get("Type") == "AWS::Serverless::Function":
                for event_name, event in (props.get("Events") or {}).items():
                    if (event or {}).get("Type") == "SQS":
                        ev = event.get("Properties") or {}
                        self.consumers.append(_Consumer(
                            name, float(props.get("Timeout", default_timeout)), _logical_id(ev.get("Queue")),
                            tuple(ev.get("FunctionResponseTypes") or ()), self.where(event_name)))
            elif resource.get("Type") == "AWS::Lambda::EventSourceMapping":
                target = _logical_id(props.get("FunctionName"))
                function = (self.resources.get(target or "") or {}).get("Properties") or {}
                self.consumers.append(_Consumer(
                    target or name, float(function.get("Timeout", default_timeout)),
                    _logical_id(props.get("EventSourceArn")), tuple(props.get("FunctionResponseTypes") or ()),
                    self.where(name)))

    def where(self, key: str) -> str:
        return f"{self.path}:{self._line[key]}" if key in self._line else str(self.path)

    def _queue(self, consumer: _Consumer) -> dict[str, Any] | None:
        resource = self.resources.get(consumer.queue or "") or {}
        return (resource.get("Properties") or {}) if resource.get("Type") == "AWS::SQS::Queue" else None

    def report_batch_item_failures(self) -> Fact:
        missing = [c for c in self.consumers if "ReportBatchItemFailures" not in c.response_types]
        if missing:
            return Fact(False, f"{missing[0].where}: the SQS event of {missing[0].function} has no"
                               " FunctionResponseTypes ReportBatchItemFailures, so Lambda ignores its"
                               " batchItemFailures")
        return Fact(True, f"{self.consumers[0].where}: FunctionResponseTypes ReportBatchItemFailures")

    def dead_letter_queue(self) -> Fact:
        for consumer in self.consumers:
            queue = self._queue(consumer)
            if queue is None:
                return Fact(False, f"{consumer.where}: the queue of {consumer.function} is not defined in this"
                                   " template; check its RedrivePolicy by hand")
            redrive = queue.get("RedrivePolicy") or {}
            if not isinstance(redrive, dict) or "deadLetterTargetArn" not in redrive:
                return Fact(False, f"{self.where(consumer.queue or '')}: queue {consumer.queue} has no RedrivePolicy"
                                   " with a deadLetterTargetArn: a poison message is retried until it expires")
        first = self.consumers[0].queue or ""
        return Fact(True, f"{self.where(first)}: {first} redrives to a dead-letter queue")

    def visibility_timeout(self) -> Fact:
        for consumer in self.consumers:
            queue = self._queue(consumer)
            if queue is None:
                return Fact(False, f"{consumer.where}: the queue of {consumer.function} is not defined in this"
                                   " template; check its VisibilityTimeout by hand")
            visibility = float(queue.get("VisibilityTimeout", DEFAULT_VISIBILITY_S))
            if visibility < VISIBILITY_FACTOR * consumer.timeout:
                return Fact(False, f"{self.where(consumer.queue or '')}: {consumer.queue}'s VisibilityTimeout"
                                   f" {visibility:g} s is under {VISIBILITY_FACTOR} x the Timeout"
                                   f" {consumer.timeout:g} s of {consumer.function}")
        c = self.consumers[0]
        return Fact(True, f"{self.where(c.queue or '')}: VisibilityTimeout at least {VISIBILITY_FACTOR} x Timeout"
                          f" {c.timeout:g} s")


FACTS: dict[str, Callable[[QueueTemplate], Fact]] = {
    "report-batch-item-failures": QueueTemplate.report_batch_item_failures,
    "dead-letter-queue": QueueTemplate.dead_letter_queue,
    "visibility-timeout": QueueTemplate.visibility_timeout,
}


def template_facts(target: Path, names: tuple[str, ...]) -> tuple[list[Fact], str | None]:
    """The named facts of the template nearest to `target`, or ([], why there is no evidence)."""
    from fnproof.conformance.runtimes.aws_lambda.declared import nearest_template

    template = nearest_template(target if target.is_file() else target / "_")
    if template is None:
        return [], "no SAM template beside the handler: a person reads the deployment's settings"
    try:
        parsed = QueueTemplate(template)
    except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
        return [], f"{template}: not a template the kit can read ({exc.__class__.__name__})"
    if not parsed.consumers:
        return [], f"{template}: no function with an SQS event"
    return [FACTS[name](parsed) for name in names], None
