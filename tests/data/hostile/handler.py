"""A Python handler that misbehaves on request: the containment tests pick the behaviour by body."""

import json
import os
import sys
import tempfile
import time

invocations = 0


def ok(body):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    global invocations
    invocations += 1
    action = event.get("body")
    if action == "env":
        return ok({"env": dict(os.environ)})
    if action == "tmp":
        return ok({"tmp": tempfile.gettempdir(), "cwd": os.getcwd()})
    if action == "count":
        return ok({"invocations": invocations, "remaining": context.get_remaining_time_in_millis()})
    if action == "hang":
        time.sleep(60)
    if action == "exit":
        os._exit(9)
    if action == "throw":
        raise KeyError("amount")
    if action == "memory":
        hold = []
        while True:
            hold.append(bytearray(32 * 1024 * 1024))
    if action == "unserialisable":
        return {"statusCode": 200, "body": object()}
    if action == "logs":
        print("out-line")
        print("err-line", file=sys.stderr)
    return ok({"echo": action})
