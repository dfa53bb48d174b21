"""`fnproof prompts list | show ID[@VERSION] [--var k=v] | diff ID A B | lint`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnproof.core.contract import load_contract
from fnproof.prompts import catalog as prompts
from fnproof.prompts.lint import lint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", type=Path, metavar="DIR", help="prompts folder (default: the kit's prompts/)")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[common], help="every prompt, newest version first-class")
    listing.add_argument("--all", action="store_true", help="list every version, not just the newest")
    show = sub.add_parser("show", parents=[common], help="print a rendered prompt, ready to paste")
    show.add_argument("spec", metavar="ID[@VERSION]", help="e.g. create-function or create-function@v1")
    show.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="set a variable (repeatable)")
    show.add_argument("--contract", type=Path, metavar="FILE",
                      help="render this contract (your function's own) instead of the prompt's default")
    show.add_argument("--slash-command", action="store_true",
                      help="render as the Claude Code slash command `fnproof init` writes ($ARGUMENTS)")
    diff = sub.add_parser("diff", parents=[common], help="unified diff of two versions, as rendered")
    diff.add_argument("id", metavar="ID")
    diff.add_argument("a", metavar="A", help="old version, e.g. v1")
    diff.add_argument("b", metavar="B", help="new version, e.g. v2")
    diff.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="set a variable (repeatable)")
    diff.add_argument("--raw", action="store_true", help="diff the template files, not the renderings")
    sub.add_parser("lint", parents=[common], help="schema, ids, variables, Markdown, secrets; exit 1 on problems")


def run(args: argparse.Namespace) -> int:
    root = prompts.prompts_dir(args.dir)
    if args.action == "list":
        found = prompts.load_all(root)
        newest = {p.id: p.version for p in found}
        shown = found if args.all else [p for p in found if p.version == newest[p.id]]
        width = max((len(p.ref) for p in shown), default=0)
        for p in shown:
            older = "" if args.all or p.version == 1 else f" (older: {', '.join(f'v{n}' for n in range(1, p.version))})"
            where = ", ".join(p.runtimes) if p.kind == "prompt" else "sent by the kit, inside another text"
            print(f"{p.ref:<{width}}  {p.profile or p.kind:<10}  {where}\n{'':<{width}}  {p.summary}{older}")
        return 0
    if args.action == "show":
        prompt = prompts.find(root, args.spec)
        mode = prompts.COMMAND if args.slash_command else prompts.SHOW
        contract = load_contract(args.contract) if args.contract else None
        sys.stdout.write(prompts.render(prompt, prompts.parse_vars(args.var), mode=mode, contract=contract))
        return 0
    if args.action == "diff":
        sys.stdout.write(prompts.diff(root, args.id, args.a, args.b, prompts.parse_vars(args.var), raw=args.raw))
        return 0
    problems, loaded, renderings = lint(root)
    for problem in problems:
        print(problem)
    print(f"{loaded} prompt file(s), {renderings} rendering(s): "
          + (f"{len(problems)} problem(s)" if problems else "no problems"), file=sys.stderr)
    return 1 if problems else 0
