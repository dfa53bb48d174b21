"""Lambda Node.js runtime: each environment is `node node_driver.mjs HANDLER`."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fnproof.conformance.runtimes import discovery
from fnproof.conformance.runtimes.aws_lambda.common import LambdaRuntime, builder
from fnproof.conformance.runtimes.base import RuntimeSpec
from fnproof.conformance.runtimes.js_exports import HANDLER_EXPORT, NODE_SUFFIXES
from fnproof.conformance.services.node_packages import ensure_installed, node_binary, node_dir_on_path

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "node_driver.mjs"
SDK_PACKAGE = HERE / "node_sdk"
SDK_LABEL = "the AWS SDK for JavaScript v3"


class LambdaNodeRuntime(LambdaRuntime):
    name = "lambda-node"
    execution_env = "AWS_Lambda_nodejs20.x"

    def start(self) -> None:
        super().start()
        self._node = node_binary()
        self._sdk = ensure_installed(SDK_PACKAGE, SDK_LABEL)

    def driver_argv(self) -> tuple[str, ...]:
        heap = max(64, self.memory_mb - 64)
        return (self._node, "--no-warnings", f"--max-old-space-size={heap}", str(DRIVER),
                str(self.handler_file), self.export, str(self._sdk))

    def extra_env(self) -> dict[str, str]:
        return {"NODE_PATH": str(self._sdk / "node_modules"), "PATH": node_dir_on_path(self._node)}

    def syntax_location(self) -> str | None:
        # Node 20 reports ESM syntax errors without a location; `node --check` prints it.
        done = subprocess.run([self._node, "--check", str(self.handler_file)], capture_output=True, text=True,
                              timeout=10, env={"PATH": node_dir_on_path(self._node)})
        match = re.match(r"^(.+):(\d+)$", (done.stderr or "").splitlines()[0] if done.stderr else "")
        return f"{match.group(1)}:{match.group(2)}" if match else None


def _recognise(path: Path) -> str | None:
    # Asked after the workers record, which claims module Workers among these files.
    if path.is_file() and path.suffix in NODE_SUFFIXES:
        return f"a {path.suffix} file without a Worker default export"
    return None


def _find_handler(root: Path, files: Sequence[Path]) -> discovery.Found | None:
    code = [p for p in discovery.not_tests(root, files) if p.suffix in NODE_SUFFIXES]
    found = discovery.pick(root, [p for p in code if HANDLER_EXPORT.search(discovery.read(p))], "exports handler")
    if found:
        return found
    main = _package_main(root)
    if main is not None:
        return discovery.Found(main, f"{main.relative_to(root).as_posix()} is package.json's main"
                                     " (no file exports handler)")
    return discovery.pick(root, [p for p in code if p.stem in ("index", "handler")],
                          "by its name (no file exports handler)")


def _package_main(root: Path) -> Path | None:
    try:
        main = json.loads(discovery.read(root / "package.json") or "{}").get("main")
    except (json.JSONDecodeError, AttributeError):
        return None
    path = root / main if isinstance(main, str) and main else None
    return path if path is not None and path.resolve().is_relative_to(root.resolve()) and path.is_file() else None


def _setup() -> str:
    node_binary()
    return f"{SDK_LABEL} ready in {ensure_installed(SDK_PACKAGE, SDK_LABEL)}"


SPEC = RuntimeSpec(
    name="lambda-node",
    summary="AWS Lambda, Node.js: a .mjs/.js/.cjs module exporting handler",
    build=builder(LambdaNodeRuntime, "handler"),
    recognise=_recognise,
    folder_entries=("index.mjs", "index.js", "index.cjs", "handler.mjs", "handler.js"),
    find_handler=_find_handler,
    looked_for=f"no {'/'.join(NODE_SUFFIXES)} file exporting handler",
    setup=_setup,
    default_target="src/handler.mjs",
)
