"""`fnproof hook stop`: the Claude Code Stop hook (settings.json from `fnproof init`, or the plugin).

Its answer goes to stdout as Claude Code's JSON hook protocol; the exit code is 0 unless the
hook itself was called wrongly.
"""

from __future__ import annotations

import argparse
import json
import sys

from fnproof.claude_code import stop_hook
from fnproof.commands import options
from fnproof.conformance.checks.registry import PROFILES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="event", metavar="EVENT", required=True)
    stop = sub.add_parser("stop", help="run fnproof check --quiet; block with the failures (JSON on stdout) so "
                                       "Claude Code keeps fixing")
    stop.add_argument("--target", required=True, help="the handler, relative to the project folder")
    stop.add_argument("--profile", choices=PROFILES, default="production")
    stop.add_argument("--contract", metavar="FILE", help="the contract file, relative to the project folder")
    stop.add_argument("--max-rounds", type=int, default=5, metavar="N",
                      help="stop blocking after N failing rounds in a row (default 5)")


def _payload() -> dict:
    if sys.stdin is None or sys.stdin.isatty():
        return {}
    try:
        data = json.loads(sys.stdin.read() or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def run(args: argparse.Namespace) -> int:
    options.positive("--max-rounds", args.max_rounds)
    code, message = stop_hook.stop(_payload(), target=args.target, profile=args.profile, max_rounds=args.max_rounds,
                                   contract=args.contract)
    if message:
        sys.stdout.write(message if message.endswith("\n") else message + "\n")
    return code
