"""Real local S3 buckets for import entry points: moto's server (the store's process) serves S3 too.

A check gets a versioned bucket of its own and puts the contract's files in it, so every
object an event names really exists (or, on purpose, no longer does), with its real size,
ETag and version id. Handlers reach S3 through a watching proxy on loopback, not moto
directly: it forwards every request unchanged and notes each GetObject (whole or ranged), so a
check can tell that an oversize object was refused without being read whole.
"""

from __future__ import annotations

import http.client
import http.server
import secrets
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from fnproof.conformance.http import StoredObject
from fnproof.core.errors import SetupError

REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class ObjectRead:
    bucket: str
    key: str
    ranged: bool  # a Range header: part of the object, not the whole of it


class _Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    reads: list[ObjectRead]
    lock: threading.Lock

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (an environment killed mid-request) is no error of the proxy's."""


class _Forward(http.server.BaseHTTPRequestHandler):
    """Forwards one request to moto as it came (headers, body, signature) and its answer back."""

    protocol_version = "HTTP/1.1"
    server: _Proxy

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.command == "GET":
            path = urlsplit(self.path).path.lstrip("/")
            bucket, _, key = path.partition("/")
            if key and "uploads" not in urlsplit(self.path).query:
                with self.server.lock:
                    self.server.reads.append(ObjectRead(bucket, unquote(key), bool(self.headers.get("Range"))))
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            answer = upstream.getresponse()
            content = answer.read()
        except OSError as exc:
            self.send_error(502, f"local S3 unreachable: {exc}")
            return
        finally:
            upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        # A HEAD answer's Content-Length is the object's size, not this (empty) body's.
        self.send_header("Content-Length", answer.getheader("Content-Length", "0") if self.command == "HEAD"
                         else str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


class LocalBuckets:
    """Makes versioned buckets on the local endpoint and watches what handlers read from them."""

    def __init__(self, endpoint_url: Callable[[], str], expose: Callable[[int], str] | None = None) -> None:
        self._endpoint_url = endpoint_url
        # how handlers reach a port on the kit's loopback (the run's own network, when sandboxed)
        self._expose = expose or (lambda port: f"http://127.0.0.1:{port}")
        self._client: Any = None
        self._proxy: _Proxy | None = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                self._client = boto3.client(
                    "s3", endpoint_url=self._endpoint_url(), region_name=REGION, aws_access_key_id="harness",
                    aws_secret_access_key="harness", config=Config(retries={"max_attempts": 2}))
            return self._client

    def handler_endpoint(self) -> str:
        """The URL a handler's SDK is given (AWS_ENDPOINT_URL_S3): the watching proxy, started on first use."""
        with self._lock:
            if self._proxy is None:
                upstream = urlsplit(self._endpoint_url())
                proxy = _Proxy(("127.0.0.1", 0), _Forward)
                proxy.upstream = (upstream.hostname or "127.0.0.1", upstream.port or 80)
                proxy.reads, proxy.lock = [], threading.Lock()
                threading.Thread(target=proxy.serve_forever, daemon=True, name="fnproof-s3-proxy").start()
                self._proxy = proxy
            port = int(self._proxy.server_address[1])
        return self._expose(port)

    def reads(self, bucket: str) -> list[ObjectRead]:
        proxy = self._proxy
        if proxy is None:
            return []
        with proxy.lock:
            return [r for r in proxy.reads if r.bucket == bucket]

    def new_bucket(self) -> LocalBucket:
        s3 = self.client()
        name = f"imports-{secrets.token_hex(5)}"
        try:
            s3.create_bucket(Bucket=name)
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        except Exception as exc:
            raise SetupError(f"the local S3 bucket could not be made: {exc}") from None
        return LocalBucket(self, s3, name)

    def stop(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.shutdown()
            proxy.server_close()


class LocalBucket:
    def __init__(self, owner: LocalBuckets, s3: Any, name: str) -> None:
        self._owner, self._s3, self.name = owner, s3, name

    def put(self, key: str, content: bytes) -> StoredObject:
        """Upload as a client would; the object as S3 describes it (size, ETag, version id)."""
        answer = self._s3.put_object(Bucket=self.name, Key=key, Body=content)
        return StoredObject(bucket=self.name, key=key, size=len(content), etag=answer["ETag"].strip('"'),
                            version_id=answer.get("VersionId") or "null",
                            sequencer=secrets.token_hex(9).upper())

    def delete(self, obj: StoredObject) -> None:
        """Remove every version, so the object an event names no longer exists."""
        self._s3.delete_object(Bucket=self.name, Key=obj.key, VersionId=obj.version_id)
        self._s3.delete_object(Bucket=self.name, Key=obj.key)

    def whole_reads(self, key: str) -> int:
        """How many GetObject requests for `key` asked for the whole object (no Range)."""
        return sum(1 for r in self._owner.reads(self.name) if r.key == key and not r.ranged)
