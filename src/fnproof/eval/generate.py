"""Ask the Anthropic Messages API for N replies to one prompt, one at a time or as a batch.

Only this module talks to the API. A failure that would hit every sample the same way (no
key, a refused key, an unknown model, a parameter the model rejects) ends the command with
one line before more money is spent; a failure of one request (overloaded, timed out after
the SDK's retries) becomes that sample's recorded error and the run goes on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from fnproof.core.errors import UsageError

MAX_POLL_S = 60.0


@dataclass(frozen=True, slots=True)
class Reply:
    custom_id: str
    text: str | None        # the text blocks of the reply, joined; None when there is no reply
    message: dict | None    # the API's message object, as JSON
    error: str | None = None

    @property
    def usage(self) -> dict:
        return dict((self.message or {}).get("usage") or {})


def make_client(base_url: str | None = None, *, max_retries: int = 4):  # -> anthropic.Anthropic
    """A client with the key from ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN, sent as Bearer)."""
    import anthropic

    key, token = os.environ.get("ANTHROPIC_API_KEY"), os.environ.get("ANTHROPIC_AUTH_TOKEN")
    if not key and not token:
        raise UsageError("ANTHROPIC_API_KEY is not set; export your API key (or use --regrade DIR to re-grade a run)")
    base = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    credential = {"api_key": key} if key else {"auth_token": token}
    return anthropic.Anthropic(base_url=base, max_retries=max_retries, **credential)


def _text(message: dict) -> str:
    return "\n\n".join(b.get("text", "") for b in message.get("content") or [] if b.get("type") == "text")


def _fatal(exc: Exception) -> UsageError | None:
    """The API errors that every request would get: stop, don't record N copies of them."""
    import anthropic

    status = getattr(exc, "status_code", None)
    if isinstance(exc, (anthropic.AuthenticationError,
                        anthropic.PermissionDeniedError)) or status in (400, 401, 403, 404):
        detail = getattr(exc, "message", None) or str(exc)
        return UsageError(f"the Messages API refused the request ({status}): {detail.splitlines()[0][:300]}")
    return None


def _one(client, custom_id: str, params: dict) -> Reply:
    import anthropic

    try:
        # Streaming: long replies can take minutes, and the SDK refuses long non-streaming calls.
        with client.messages.stream(**params) as stream:
            message = stream.get_final_message().model_dump(mode="json")
    except anthropic.APIError as exc:
        fatal = _fatal(exc)
        if fatal is not None:
            raise fatal from None
        return Reply(custom_id, None, None, f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}")
    return Reply(custom_id, _text(message), message)


def generate(client, requests: list[tuple[str, dict]], *, concurrency: int) -> Iterator[Reply]:
    """Replies as they arrive (not in request order), at most `concurrency` requests at once."""
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="fnproof-api") as pool:
        futures = [pool.submit(_one, client, custom_id, params) for custom_id, params in requests]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def generate_batch(client, requests: list[tuple[str, dict]], *, first_poll_s: float = 5.0,
                   on_created: Callable[[str], None] | None = None,
                   on_poll: Callable[[dict, float], None] | None = None) -> list[Reply]:
    """Message Batches: create, poll with growing waits until it has ended, read the results."""
    import anthropic

    try:
        batch = client.messages.batches.create(
            requests=[{"custom_id": custom_id, "params": params} for custom_id, params in requests])
    except anthropic.APIError as exc:
        raise (_fatal(exc) or UsageError(f"could not create the batch: {exc}")) from None
    if on_created:
        on_created(batch.id)
    wait = max(0.01, first_poll_s)
    while batch.processing_status != "ended":
        if on_poll:
            on_poll(batch.request_counts.model_dump(), wait)
        time.sleep(wait)
        wait = min(MAX_POLL_S, wait * 1.5)
        try:
            batch = client.messages.batches.retrieve(batch.id)
        except (anthropic.APIConnectionError, anthropic.RateLimitError, anthropic.InternalServerError):
            continue  # the batch keeps running on the server; ask again later
        except anthropic.APIError as exc:
            raise (_fatal(exc) or UsageError(f"could not read batch {batch.id}: {exc}")) from None
    try:
        entries = list(client.messages.batches.results(batch.id))
    except anthropic.APIError as exc:
        raise UsageError(f"could not fetch the results of batch {batch.id}"
                         f" (collect them later by its id): {exc}") from None
    replies = {}
    for entry in entries:
        result = entry.result
        if result.type == "succeeded":
            message = result.message.model_dump(mode="json")
            replies[entry.custom_id] = Reply(entry.custom_id, _text(message), message)
        else:
            detail = getattr(getattr(getattr(result, "error", None), "error", None), "message", "") or ""
            replies[entry.custom_id] = Reply(entry.custom_id, None, None,
                                             f"batch result {result.type}: {detail}".rstrip(": "))
    return [replies.get(cid) or Reply(cid, None, None, "missing from the batch results") for cid, _ in requests]
