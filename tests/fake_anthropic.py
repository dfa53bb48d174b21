"""A fake Anthropic Messages API on loopback that answers from recorded replies.

A real HTTP server (http.server in a thread), so the real `anthropic` SDK is driven end to
end: auth headers, streaming (SSE), retries, the Message Batches endpoints and the JSONL
results file. Replies are registered per exact prompt text and served in order, round
robin; an unknown prompt is a 400, as a wrong request would be. Token counts are derived
from the text (4 characters a token, rounded up) so tests can recompute them.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "sk-ant-fake-key-for-tests"


def tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class FakeAnthropic:
    def __init__(self, *, polls_before_ended: int = 2) -> None:
        self.replies: dict[str, list[str]] = {}
        self.served: dict[str, int] = {}
        self.requests: list[dict] = []      # every request: path, auth style, body
        self.batches: dict[str, dict] = {}
        self.polls_before_ended = polls_before_ended
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- set-up -----------------------------------------------------------------------------
    def add(self, prompt_text: str, replies: list[str]) -> None:
        self.replies[prompt_text] = list(replies)
        self.served[prompt_text] = 0

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:  # still answers after stop(): a closed port, for "no API call" tests
        return self._url

    # -- replies ----------------------------------------------------------------------------
    def _message(self, params: dict) -> dict:
        prompt = params["messages"][-1]["content"]
        if isinstance(prompt, list):
            prompt = "".join(block.get("text", "") for block in prompt)
        with self.lock:
            queue = self.replies.get(prompt)
            if not queue:
                raise LookupError("no recorded reply for this prompt")
            text = queue[self.served[prompt] % len(queue)]
            self.served[prompt] += 1
        system = params.get("system") or ""
        if isinstance(system, list):
            system = "".join(block.get("text", "") for block in system)
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": params["model"],
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": tokens(system + prompt), "output_tokens": tokens(text),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }

    # -- HTTP -------------------------------------------------------------------------------
    def _dispatch(self, req: BaseHTTPRequestHandler, method: str) -> None:
        auth = req.headers.get("x-api-key"), req.headers.get("authorization")
        style = "x-api-key" if auth[0] else "bearer" if auth[1] else None
        key = auth[0] or (auth[1][7:] if auth[1] and auth[1].lower().startswith("bearer ") else None)
        length = int(req.headers.get("content-length") or 0)
        body = json.loads(req.rfile.read(length) or b"null") if length else None
        path = req.path.split("?", 1)[0]
        with self.lock:
            self.requests.append({"method": method, "path": path, "auth": style, "body": body})
        if key != API_KEY:
            return self._error(req, 401, "authentication_error", "invalid x-api-key")
        try:
            if method == "POST" and path == "/v1/messages":
                message = self._message(body)
                return self._stream(req, message) if body.get("stream") else self._json(req, 200, message)
            if method == "POST" and path == "/v1/messages/batches":
                return self._json(req, 200, self._create_batch(body["requests"], req))
            parts = path.strip("/").split("/")
            if method == "GET" and parts[:3] == ["v1", "messages", "batches"] and len(parts) in (4, 5):
                batch = self.batches.get(parts[3])
                if batch is None:
                    return self._error(req, 404, "not_found_error", "no such batch")
                if len(parts) == 4:
                    return self._json(req, 200, self._poll(batch))
                if parts[4] == "results" and batch["processing_status"] == "ended":
                    return self._jsonl(req, batch["results"])
            return self._error(req, 404, "not_found_error", f"no route {method} {path}")
        except LookupError as exc:
            return self._error(req, 400, "invalid_request_error", str(exc))

    def _create_batch(self, requests: list[dict], req: BaseHTTPRequestHandler) -> dict:
        batch_id = f"msgbatch_{uuid.uuid4().hex[:20]}"
        results = []
        for item in requests:
            try:
                results.append({"custom_id": item["custom_id"],
                                "result": {"type": "succeeded", "message": self._message(item["params"])}})
            except LookupError as exc:
                results.append({"custom_id": item["custom_id"], "result": {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": "invalid_request_error", "message": str(exc)}}}})
        results.reverse()  # results come in any order; the kit must match them by custom_id
        host = req.headers.get("host")
        batch = {"id": batch_id, "type": "message_batch", "processing_status": "in_progress",
                 "request_counts": {"processing": len(requests), "succeeded": 0, "errored": 0, "canceled": 0,
                                    "expired": 0},
                 "created_at": "2026-11-27T00:00:00Z", "expires_at": "2026-11-28T00:00:00Z", "ended_at": None,
                 "archived_at": None, "cancel_initiated_at": None, "results_url": None,
                 "polls": 0, "results": results, "base": f"http://{host}"}
        with self.lock:
            self.batches[batch_id] = batch
        return self._public(batch)

    def _poll(self, batch: dict) -> dict:
        with self.lock:
            batch["polls"] += 1
            if batch["polls"] >= self.polls_before_ended:
                ok = sum(r["result"]["type"] == "succeeded" for r in batch["results"])
                batch.update(processing_status="ended", ended_at="2026-11-27T00:01:00Z",
                             results_url=f"{batch['base']}/v1/messages/batches/{batch['id']}/results",
                             request_counts={"processing": 0, "succeeded": ok, "errored": len(batch["results"]) - ok,
                                             "canceled": 0, "expired": 0})
        return self._public(batch)

    @staticmethod
    def _public(batch: dict) -> dict:
        return {k: v for k, v in batch.items() if k not in ("polls", "results", "base")}

    @staticmethod
    def _json(req: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("content-type", "application/json")
        req.send_header("request-id", f"req_{uuid.uuid4().hex[:16]}")
        req.send_header("content-length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _error(self, req: BaseHTTPRequestHandler, status: int, kind: str, message: str) -> None:
        self._json(req, status, {"type": "error", "error": {"type": kind, "message": message}})

    @staticmethod
    def _jsonl(req: BaseHTTPRequestHandler, lines: list[dict]) -> None:
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        req.send_response(200)
        req.send_header("content-type", "application/binary")
        req.send_header("content-length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    @staticmethod
    def _stream(req: BaseHTTPRequestHandler, message: dict) -> None:
        """Server-sent events as the API streams them: a thinking block, then the text in chunks."""
        text, usage = message["content"][0]["text"], message["usage"]
        start = {**message, "content": [], "stop_reason": None,
                 "usage": {**usage, "output_tokens": 1}}
        events = [("message_start", {"type": "message_start", "message": start}),
                  ("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                  ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                           "delta": {"type": "thinking_delta",
                                                     "thinking": "Plan: fixtures, tests, handler."}}),
                  ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                           "delta": {"type": "signature_delta", "signature": "fake-signature"}}),
                  ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                  ("content_block_start", {"type": "content_block_start", "index": 1,
                                           "content_block": {"type": "text", "text": ""}})]
        events += [("content_block_delta", {"type": "content_block_delta", "index": 1,
                                            "delta": {"type": "text_delta", "text": text[i:i + 2000]}})
                   for i in range(0, len(text), 2000)]
        events += [("content_block_stop", {"type": "content_block_stop", "index": 1}),
                   ("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                      "usage": {"output_tokens": usage["output_tokens"]}}),
                   ("message_stop", {"type": "message_stop"})]
        req.send_response(200)
        req.send_header("content-type", "text/event-stream")
        req.send_header("cache-control", "no-cache")
        req.end_headers()
        for name, data in events:
            req.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            req.wfile.flush()
