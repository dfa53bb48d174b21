"""fnproof's Lambda Python driver: one execution environment per process.

argv: handler file, function name ('' = handler, then lambda_handler), reply fd, sentinel
(the protocol: ../DRIVERS.md). Replies go to the reply fd, so whatever the handler prints
stays its own output. Runs with the kit's interpreter (or --python), where boto3 is
importable as in the Lambda Python runtime.
"""

import decimal
import importlib.util
import io
import json
import logging
import os
import sys
import time
import traceback
import uuid

handler_file, wanted, reply_fd, sentinel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def open_relays(spec):
    """In the sandbox each environment has a network of its own (DRIVERS.md, "Relays"): listen on
    the loopback ports the handler's SDK is given and carry each connection to the run's store
    through its socket file. Opened before the handler loads; the variable is gone by then."""
    import socket
    import threading

    def pump(source, sink):
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def join(inbound, path):
        outbound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            outbound.connect(path)
        except OSError:
            inbound.close()
            outbound.close()
            return
        back = threading.Thread(target=pump, args=(outbound, inbound), daemon=True)
        back.start()
        pump(inbound, outbound)
        back.join()
        inbound.close()
        outbound.close()

    def serve(listener, path):
        while True:
            try:
                inbound, _ = listener.accept()
            except OSError:
                time.sleep(0.05)  # out of descriptors, an aborted connection: keep listening
                continue
            threading.Thread(target=join, args=(inbound, path), daemon=True).start()

    for pair in filter(None, spec.split(",")):
        port, path = pair.split("=", 1)
        listener = socket.socket()
        listener.bind(("127.0.0.1", int(port)))
        listener.listen(64)
        threading.Thread(target=serve, args=(listener, path), daemon=True).start()


open_relays(os.environ.pop("_RELAYS", ""))
reply_stream = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")
if isinstance(sys.stdout, io.TextIOWrapper):
    sys.stdout.reconfigure(line_buffering=True)


def reply(message):
    reply_stream.write(json.dumps(message) + "\n")
    reply_stream.flush()


def end_of_output():
    sys.stdout.write(f"\n{sentinel}\n")
    sys.stdout.flush()
    sys.stderr.write(f"\n{sentinel}\n")
    sys.stderr.flush()


def where(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == handler_file]
    return f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""


# Like the Lambda runtime, the root logger already has a handler: logger.info works once the
# handler sets a level. Messages are written as they are, so JSON messages stay JSON lines.
root = logging.getLogger()
log_handler = logging.StreamHandler(sys.stdout)
log_handler.setFormatter(logging.Formatter("%(message)s"))
root.addHandler(log_handler)
root.setLevel(logging.WARNING)

sys.path.insert(0, os.path.dirname(handler_file))
try:
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(handler_file))[0], handler_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {handler_file} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    names = [wanted] if wanted else ["handler", "lambda_handler"]
    function = next((getattr(module, n) for n in names if callable(getattr(module, n, None))), None)
    if function is None:
        public = sorted(n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n)))
        end_of_output()
        reply({"init_error": {"kind": "export", "message": f"no function named {' or '.join(repr(n) for n in names)} "
                                                          f"(callables: {', '.join(public) or 'none'})"}})
        sys.exit(0)
except SyntaxError as exc:
    end_of_output()
    reply({"init_error": {"kind": "syntax", "message": f"SyntaxError: {exc.msg}",
                          "where": f"{exc.filename}:{exc.lineno}"}})
    sys.exit(0)
except ImportError as exc:
    end_of_output()
    reply({"init_error": {"kind": "module", "message": f"{type(exc).__name__}: {exc}{where(exc)}"}})
    sys.exit(0)
except BaseException as exc:  # anything raised at import is an init failure of the handler
    end_of_output()
    reply({"init_error": {"kind": "throw", "message": f"{type(exc).__name__}: {exc}{where(exc)}"}})
    sys.exit(0)


def lambda_json(value):
    """Serialise a result as the Lambda runtime does: Decimal as a number, text as it is."""

    def number(obj):
        if isinstance(obj, decimal.Decimal):
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    return json.loads(json.dumps(value, default=number, ensure_ascii=False))


class LambdaContext:
    """The attributes handlers read from the Lambda Python context."""

    def __init__(self, request_id, timeout_ms):
        self._deadline = time.monotonic() + timeout_ms / 1000
        name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "fnproof-target")
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION')}:123456789012:function:{name}"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


end_of_output()
reply({"ready": True})

for line in sys.stdin:
    request = json.loads(line)
    # The kit counts only a reply carrying this invocation's nonce; the handler is never given it.
    nonce = request.pop("nonce", None)
    try:
        result = function(request["event"], LambdaContext(request.get("request_id"), request["timeout_ms"]))
        message = {"id": request.get("id"), "outcome": "ok", "result": lambda_json(result)}
    except Exception as exc:  # a failed invocation; the environment lives on, as in Lambda
        message = {"id": request.get("id"), "outcome": "error", "error": f"{type(exc).__name__}: {exc}{where(exc)}"}
    message["nonce"] = nonce
    del nonce
    end_of_output()
    reply(message)
