"""Checks of CONTRACT.md §6 for SQS queue consumers: real batches from a real local queue,
read back as Lambda reads a partial batch response, with effects counted in the store.

SQS delivers at least once and in batches. A consumer that throws for one poison message
sends the whole batch back (the valid messages are processed again); one that reports the
wrong identifier does the same; one that deletes messages itself takes the poison message
away from its retries and its dead-letter queue. Every batch here was sent to the check's
own queue and received from it, so ids, receipt handles and receive counts are real, and a
redelivery is the queue handing the same message out again.
"""

from __future__ import annotations

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, check
from fnproof.conformance.http import QueueMessage, Request, Response
from fnproof.conformance.runtimes.base import Environment

SQS = ("sqs",)
NEEDS = ("sqs-events", "effects")
BATCH = 3
ENVIRONMENTS = 8
MESSAGES = 3


def _valid(ctx: CheckContext, count: int) -> list[str]:
    return [ctx.queues.body(index) for index in range(count)]


def _processed_once(ctx: CheckContext, messages: list[QueueMessage], request: Request, response: Response | None,
                    why: str = "") -> None:
    for message in messages:
        ctx.expect_effects(ctx.queues.dedup_value(message), 1, request=request, response=response, why=why)


def _redelivered(ctx: CheckContext, messages: list[QueueMessage], request: Request) -> list[QueueMessage]:
    """The queue hands the same messages out again; a consumer that deleted them itself leaves nothing."""
    again = ctx.queues.queue().redeliver(messages)
    if len(again) != len(messages):
        raise CheckFailed(f"only {len(again)} of {len(messages)} messages could be delivered again: the handler "
                          "deleted messages from the queue itself (DeleteMessage), which is the event source "
                          "mapping's job", request=request,
                          expected="messages left on the queue for Lambda to delete after a successful batch")
    return again


@check("batch-processed", profile="seed", kinds=SQS, needs=NEEDS)
def batch_processed(ctx: CheckContext) -> None:
    """N valid messages in one batch: no failures reported, one effect each."""
    messages, request, response = ctx.queues.deliver(ctx.environment(), _valid(ctx, BATCH))
    ctx.queues.expect_processed(request, response)
    _processed_once(ctx, messages, request, response)


@check("partial-batch-failure", profile="seed", kinds=SQS, needs=NEEDS)
def partial_batch_failure(ctx: CheckContext) -> None:
    """One poison message among valid ones: exactly its messageId reported, the others
    processed once, and the poison message left on the queue for its retries and the DLQ."""
    env = ctx.environment()
    c = ctx.contract
    poisons = [c.invalid_json_bodies[0], *(b.text for b in c.invalid_bodies[:1])]
    for poison in poisons:
        first, last = _valid(ctx, 2)
        messages, request, response = ctx.queues.deliver(env, [first, poison, last])
        bad = messages[1]
        ctx.queues.expect_processed(request, response, failed=(bad.message_id,))
        _processed_once(ctx, [messages[0], messages[2]], request, response)
        ctx.queues.settle(messages, response)
        back = ctx.queues.queue().receive([bad.message_id])
        if not back:
            raise CheckFailed(f"the poison message {bad.message_id} is gone from the queue: the handler deleted it "
                              "itself, so it is never retried and never reaches the dead-letter queue",
                              request=request, response=response,
                              expected="the failed message back on the queue after the batch")
        ctx.queues.queue().release(back)


@check("redelivered-batch", profile="standard", kinds=SQS, needs=NEEDS)
def redelivered_batch(ctx: CheckContext) -> None:
    """The same batch delivered again (same messageIds, new receipt handles): no failures, no new effects."""
    env = ctx.environment()
    messages, request, response = ctx.queues.deliver(env, _valid(ctx, BATCH))
    ctx.queues.expect_processed(request, response)
    again = ctx.queues.batch(_redelivered(ctx, messages, request))
    answer = ctx.send(env, again)
    ctx.queues.expect_processed(again, answer)
    _processed_once(ctx, messages, again, answer, why=" after the batch was delivered twice")


@check("duplicate-message-new-id", profile="standard", kinds=SQS, needs=NEEDS)
def duplicate_message_new_id(ctx: CheckContext) -> None:
    """The same body sent twice (a producer's retry: a new messageId): no failure, no new effect."""
    if ctx.contract.key.message_id:
        raise CheckSkipped(f"the contract ({ctx.contract.source}) dedups by messageId: a producer's second send "
                           "is a new message to it")
    env = ctx.environment()
    body = ctx.queues.body()
    messages, request, response = ctx.queues.deliver(env, [body])
    ctx.queues.expect_processed(request, response)
    ctx.queues.settle(messages, response)
    copies, again, answer = ctx.queues.deliver(env, [body])
    ctx.queues.expect_processed(again, answer)
    ctx.expect_effects(ctx.queues.dedup_value(messages[0]), 1, request=again, response=answer,
                       why=f" after the same body arrived as {copies[0].message_id}")


def _warm(ctx: CheckContext, count: int) -> list[Environment]:
    """`count` environments, each through init and one batch of its own."""
    envs = [ctx.environment() for _ in range(count)]
    for env in envs:
        env.prepare()
        ctx.queues.deliver(env, _valid(ctx, 1))
    return envs


@check("concurrent-redelivery", profile="production", kinds=SQS, needs=[*NEEDS, "environments"])
def concurrent_redelivery(ctx: CheckContext) -> None:
    """The same message to 8 warm environments at once, for 3 messages: one effect each (a
    consumer may report the copies it found in flight as failed, for a retry)."""
    envs = _warm(ctx, ENVIRONMENTS)
    for _ in range(MESSAGES):
        messages = ctx.queues.queue().deliverable(_valid(ctx, 1), dict(ctx.contract.message_attributes))
        request = ctx.queues.batch(messages)
        for response in ctx.burst(envs, request):
            ctx.queues.expect_processed(request, response, also=frozenset({messages[0].message_id}))
        _processed_once(ctx, messages, request, None, why=f" from {ENVIRONMENTS} simultaneous deliveries")


@check("redelivery-after-cold-start", profile="production", kinds=SQS, needs=[*NEEDS, "environments"])
def redelivery_after_cold_start(ctx: CheckContext) -> None:
    """The same message delivered again to a new environment: no failure, no new effect."""
    with ctx.environment() as env:
        messages, request, response = ctx.queues.deliver(env, _valid(ctx, 1))
        ctx.queues.expect_processed(request, response)
    again = ctx.queues.batch(_redelivered(ctx, messages, request))
    answer = ctx.send(ctx.environment(), again)
    ctx.queues.expect_processed(again, answer)
    _processed_once(ctx, messages, again, answer, why=" after a redelivery to a fresh environment")


def poison_batches(ctx: CheckContext) -> list[list[str]]:
    """Every poison message alone, and odd bodies a queue carries (JSON scalars, a missing key)."""
    odd = ["null", "[]", '"x"', "42", " "]
    if ctx.contract.key.pointer:
        odd.append(ctx.queues.body(key=None))
    return [[body] for body in ctx.queues.poison_bodies() + odd]


def queue_traffic(ctx: CheckContext, env: Environment) -> None:
    """A day in the life of a consumer, for the log checks: a batch, its redelivery, a poison one."""
    messages, _, _ = ctx.queues.deliver(env, _valid(ctx, 2))
    again = ctx.queues.queue().redeliver(messages)
    if again:
        ctx.send(env, ctx.queues.batch(again))
    ctx.queues.deliver(env, [ctx.queues.body(), ctx.queues.poison_bodies()[0]])


@check("survives-bad-input", profile="standard", kinds=SQS, needs=[*NEEDS, "environments"])
def survives_bad_input(ctx: CheckContext) -> None:
    """Every poison message, each in its own batch, then a valid batch, in ONE environment: it
    never dies and processes the valid batch."""
    env = ctx.environment()
    for bodies in poison_batches(ctx):
        _, request, response = ctx.queues.deliver(env, bodies)
        if response.replaced_environment:
            raise CheckFailed("the environment died", request=request, response=response,
                              expected="a batch response, with the environment still alive")
    messages, request, response = ctx.queues.deliver(env, _valid(ctx, 2))
    ctx.queues.expect_processed(request, response)
    _processed_once(ctx, messages, request, response)
    if env.deaths:
        raise CheckFailed("the environment died while processing the valid batch", request=request)
