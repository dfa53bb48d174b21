"""Lambda Node.js runtime: each environment is `node node_driver.mjs HANDLER` on the Node the function targets.

The Node major comes from `--node`, else the function's SAM template (`Runtime: nodejs22.x`),
else its package.json `engines`, else the newest Lambda runtime (nodejs24.x); the kit
installs it (services/node_runtime.py) and the report says which ran and why.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fnproof.conformance.runtimes import discovery
from fnproof.conformance.runtimes.aws_lambda import declared, snapshot, typescript
from fnproof.conformance.runtimes.aws_lambda.common import LambdaRuntime, builder
from fnproof.conformance.runtimes.base import RunOptions, RuntimeSpec
from fnproof.conformance.runtimes.js_exports import HANDLER_EXPORT, NODE_SUFFIXES, TS_SUFFIXES
from fnproof.conformance.services import esbuild, node_runtime
from fnproof.conformance.services.node_packages import ensure_installed, node_dir_on_path
from fnproof.core.errors import SetupError

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "node_driver.mjs"
SDK_PACKAGE = HERE / "node_sdk"
SDK_LABEL = "the AWS SDK for JavaScript v3"


def _sdk_packages(sdk: Path) -> list[Path]:
    return [sdk / "node_modules" / "@aws-sdk" / name for name in ("client-dynamodb", "lib-dynamodb")]


def choose_node(handler_file: Path, choice: str | None) -> tuple[str, str]:
    """(the major to run, or `system`; why), from --node, the template, engines, or the default."""
    if choice:
        return choice, "--node"
    template = declared.template_runtime(handler_file, "nodejs")
    if template is not None:
        major = re.findall(r"\d+", template.value)[0]
        if major in node_runtime.MAJORS:
            return major, f"{template.value} at {template.where}"
        newer = [m for m in node_runtime.MAJORS if int(m) > int(major)]
        if newer:  # an old runtime: the nearest one Lambda still offers
            return min(newer, key=int), f"{template.where} names {template.value}, which Lambda no longer offers"
        return node_runtime.DEFAULT_MAJOR, f"{template.where} names {template.value}, newer than the kit installs"
    engines = declared.engines_node(handler_file)
    if engines is not None:
        fits = [m for m in node_runtime.MAJORS if declared.satisfies(node_runtime.pinned_version(m), engines.value)]
        if fits:
            return fits[0], f"engines.node {engines.value!r} in {engines.where}"
        return node_runtime.DEFAULT_MAJOR, (f"engines.node {engines.value!r} in {engines.where} fits no Node the "
                                            f"kit installs ({', '.join(node_runtime.MAJORS)})")
    return node_runtime.DEFAULT_MAJOR, f"the newest Lambda Node.js runtime, nodejs{node_runtime.DEFAULT_MAJOR}.x"


class LambdaNodeRuntime(LambdaRuntime):
    name = "lambda-node"

    def __init__(self, *args: object, node: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._node_choice, self._node_reason = choose_node(self.handler_file, node)

    @classmethod
    def own_options(cls, options: RunOptions) -> dict[str, Any]:
        return {"node": options.node}

    def start(self) -> None:
        super().start()
        self.node = node_runtime.node_runtime(self._node_choice)
        self.execution_env = f"AWS_Lambda_nodejs{self.node.major}.x"
        self.platform = f"{self.node.describe()}; {self._node_reason}"
        self._sdk = ensure_installed(SDK_PACKAGE, SDK_LABEL)
        try:
            self._snapshot = snapshot.sdk_snapshot(self.node, self._sdk, SDK_PACKAGE / "package-lock.json")
        except SetupError as exc:  # only a speed-up: run without it, and say so
            self._snapshot = None
            self.platform += f"; no SDK snapshot ({exc})"
        # The snapshot already holds the SDK's compiled code; without it, a compile cache does half the job.
        self._compile_cache = None if self._snapshot else node_runtime.compile_cache(
            self.node, "aws-sdk", _sdk_packages(self._sdk), [SDK_PACKAGE / "package-lock.json"])
        self._module = self.handler_file
        if self.handler_file.suffix in TS_SUFFIXES:
            self._module = typescript.build_handler(self.handler_file, self._run_dir / "build", self.node.major)
            self.platform += "; TypeScript built with esbuild " + esbuild.PINNED

    def driver_argv(self, workdir: Path) -> tuple[str, ...]:
        heap = max(64, self.memory_mb - 64)
        maps = ("--enable-source-maps",) if self._module != self.handler_file else ()
        source = str(typescript.project_root(self.handler_file)) + "/"
        cache = node_runtime.private_copy(self._compile_cache, workdir)
        blob = ("--snapshot-blob", str(self._snapshot)) if self._snapshot else ()
        return (self.node.binary, "--no-warnings", *maps, *blob, f"--max-old-space-size={heap}", str(DRIVER),
                str(self._module), self.export, str(self._sdk), source, cache)

    def readable(self) -> tuple[Path, ...]:
        return (*super().readable(), typescript.project_root(self.handler_file), Path(self.node.binary).parent.parent)

    def extra_env(self) -> dict[str, str]:
        return {"NODE_PATH": str(self._sdk / "node_modules"), "PATH": node_dir_on_path(self.node.binary)}

    def syntax_location(self) -> str | None:
        # Some Node versions report ESM syntax errors without a location; `node --check` prints it.
        done = subprocess.run([self.node.binary, "--check", str(self._module)], capture_output=True, text=True,
                              timeout=10, env={"PATH": node_dir_on_path(self.node.binary)})
        match = re.match(r"^(.+):(\d+)$", (done.stderr or "").splitlines()[0] if done.stderr else "")
        return f"{match.group(1)}:{match.group(2)}" if match else None


def _recognise(path: Path) -> str | None:
    # Asked after the workers record, which claims module Workers among these files.
    if path.is_file() and path.suffix in NODE_SUFFIXES:
        return f"a {path.suffix} file without a Worker default export"
    if path.is_file() and path.suffix in TS_SUFFIXES:
        return f"a TypeScript ({path.suffix}) file without a Worker default export"
    return None


def _find_handler(root: Path, files: Sequence[Path]) -> discovery.Found | None:
    code = [p for p in discovery.not_tests(root, files) if p.suffix in NODE_SUFFIXES + TS_SUFFIXES
            and not p.name.endswith(".d.ts")]
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
    """Install now what a first run would: Node, the SDK, its startup snapshot, esbuild."""
    node = node_runtime.node_runtime(node_runtime.DEFAULT_MAJOR)
    sdk = ensure_installed(SDK_PACKAGE, SDK_LABEL)
    esbuild.esbuild_binary()
    snapshot.sdk_snapshot(node, sdk, SDK_PACKAGE / "package-lock.json")
    return f"{node.describe()}; {SDK_LABEL} in {sdk}; esbuild {esbuild.PINNED}"


SPEC = RuntimeSpec(
    name="lambda-node",
    summary="AWS Lambda, Node.js: a .mjs/.js/.cjs (or TypeScript .ts/.mts/.cts) module exporting handler",
    build=builder(LambdaNodeRuntime, "handler"),
    recognise=_recognise,
    folder_entries=("index.mjs", "index.js", "index.cjs", "handler.mjs", "handler.js", "index.ts", "handler.ts"),
    find_handler=_find_handler,
    looked_for=f"no {'/'.join(NODE_SUFFIXES + TS_SUFFIXES)} file exporting handler",
    setup=_setup,
    default_target="src/handler.mjs",
)
