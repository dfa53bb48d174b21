"""The `fnproof` command: argument parsing and exit codes only.

Exit 0: nothing failed. 1: a check failed or errored. 2: usage or setup error, printed as
one line (file:line where there is one), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from fnproof import __version__
from fnproof.core.errors import UsageError

# command name -> (module under fnproof.commands, one-line help)
COMMANDS = {
    "check": ("check", "run the conformance checks against a handler"),
    "contract": ("contract", "write a starting contract for your function, or check one"),
    "setup": ("setup", "install what the runtimes need (Node.js, SDKs, miniflare, esbuild) now, not on first use"),
    "prompts": ("prompts", "list, show, diff and lint the versioned prompt templates"),
    "checklist": ("checklist", "render a deploy or review checklist, ticked from a JSON report"),
    "init": ("init", "install rules, skills, the Stop hook, fixtures and CI into a repository (or enable the plugin)"),
    "matrix": ("matrix", "print the traceability table: rules, prompts, checks, checklist items"),
    "hook": ("hook", "Claude Code hook entry points (what `fnproof init` puts in settings.json)"),
    "eval": ("eval", "generate handlers from a prompt with the Anthropic API and score them by conformance"),
    "grade": ("grade", "score folders of code Claude Code already wrote, one folder per sample"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own errors: one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command named in `argv` is imported (start-up stays small).

    Every command is listed for `fnproof --help`, but a command's module (and what it imports:
    the runtimes, jsonschema, the prompt catalogue, the Anthropic client) loads only when that
    command runs or its own help is asked for. `argv=None` builds them all (tests, docs).
    """
    parser = _Parser(prog="fnproof", description="Prove serverless handlers conform to their contract.")
    parser.add_argument("--version", action="version", version=f"fnproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    named = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if argv is None or name == named:
            module = importlib.import_module(f"fnproof.commands.{module_name}")
            module.add_arguments(command)
            command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "_run", None):
            parser.print_help()
            return 2
        return args._run(args)
    except UsageError as exc:
        print(f"fnproof: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fnproof: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
