"""Turn a Request into an API Gateway proxy event, and a handler's result into a Response.

The events start from the shared fixtures in conformance/fixtures/ so the suite sends
exactly what users test with. The result mapping follows API Gateway: payload 2.0 infers
a 200 JSON response from a bare value; 1.0 demands a proxy object or answers 502.
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from functools import cache
from typing import Any

from fnproof.conformance.http import Request, Response
from fnproof.core.datafile import load_json
from fnproof.core.paths import data_path

FIXTURES = {"v2": "http-api-v2.json", "base64": "http-api-v2-base64.json",
            "function-url": "function-url.json", "v1": "rest-v1.json"}


@cache
def fixture(shape: str) -> dict[str, Any]:
    return load_json(data_path("conformance", "fixtures", FIXTURES[shape]), "event.schema.json")


def build_event(request: Request) -> dict[str, Any]:
    event = copy.deepcopy(fixture(request.shape))
    body = request.body
    encoded = request.shape == "base64"
    text = None if body is None else (base64.b64encode(body).decode() if encoded else body.decode("utf-8", "replace"))
    request_id = str(uuid.uuid4())
    path, _, query = request.path.partition("?")
    if request.shape == "v1":
        as_sent = dict(request.headers)  # payload 1.0 keeps the client's case
        event.update(path=path, resource=path, httpMethod=request.method, headers=as_sent,
                     multiValueHeaders={k: [v] for k, v in as_sent.items()}, body=text, isBase64Encoded=False)
        ctx = event["requestContext"]
        ctx.update(httpMethod=request.method, requestId=request_id, path="/prod" + path,
                   resourcePath=path, requestTimeEpoch=int(time.time() * 1000))
        return event
    headers: dict[str, str] = {}
    for name, value in request.headers:  # payload 2.0 lower-cases and comma-joins repeats
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    event.update(rawPath=path, rawQueryString=query, headers=headers, isBase64Encoded=encoded)
    if text is None:
        event.pop("body", None)
    else:
        event["body"] = text
    ctx = event["requestContext"]
    ctx["http"].update(method=request.method, path=path)
    ctx.update(requestId=request_id, timeEpoch=int(time.time() * 1000))
    return event


def _malformed(reason: str) -> Response:
    return Response(status=502, headers={"content-type": "application/json"},
                    body=b'{"message":"Internal Server Error"}', outcome="bad-result",
                    error=f"malformed proxy result: {reason}")


def result_to_response(result: Any, shape: str) -> Response:
    if not (isinstance(result, dict) and "statusCode" in result):
        if shape == "v1":
            return _malformed("REST API (1.0) needs an object with statusCode")
        inferred = result if isinstance(result, str) else json.dumps(result)
        return Response(status=200, headers={"content-type": "application/json"}, body=inferred.encode())
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or not 100 <= status <= 599:
        return _malformed(f"statusCode {status!r} is not an HTTP status")
    headers: dict[str, str] = {}
    for source in (result.get("multiValueHeaders") or {}, result.get("headers") or {}):
        if not isinstance(source, dict):
            return _malformed("headers must be an object")
        for name, value in source.items():
            headers[str(name).lower()] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    body: Any = result.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        raw = body.encode()
        if result.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=True)
            except ValueError:
                return _malformed("isBase64Encoded is true but body is not base64")
    else:
        return _malformed(f"body must be a string, got {type(body).__name__}")
    return Response(status=status, headers=headers, body=raw)
