"""An attacker's Python handler that holds 600 MB from import on: only init ever sees it."""

HELD = bytearray(600 * 1024 * 1024)
for i in range(0, len(HELD), 4096):
    HELD[i] = 1


def handler(event, context):
    return {"statusCode": 202, "headers": {"content-type": "application/json"}, "body": "{}"}
