"""A V8 startup snapshot with the AWS SDK already evaluated, for Lambda Node environments.

Importing `@aws-sdk/client-dynamodb` and `lib-dynamodb` is most of what a fresh Node
environment costs (measured: ~120 ms of CPU per environment with in-thread hooks and a
compile cache, ~80 ms starting from this snapshot; a production run starts ~28). The
environment is still a new process, with a fresh heap deserialised from the blob, fresh
`process.env` and `Math.random` seeds; only the SDK's module objects come ready-made.

Where it applies, and what differs from loading the SDK from disk:
- only an ES module `import` of exactly those two packages that the handler's own
  node_modules cannot satisfy (the same fallback rule as today: the handler's copy wins);
  `require()` and deep imports (`.../dist-cjs/...`, other `@smithy/*` packages) load from
  the kit's SDK folder on disk, as without the snapshot, so they are separate instances;
- inside the preloaded SDK, `node:http`, `node:https` and `node:http2` are proxies that load
  the real modules on first use (their native handles cannot be serialised);
- the blob belongs to one Node binary and one SDK pin, so it is built once per pair, under
  the kit's cache, and only for the kit's Nodes (not --node system).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from fnproof.conformance.services import esbuild
from fnproof.conformance.services.cache_build import build_once
from fnproof.conformance.services.node_runtime import NodeRuntime
from fnproof.core.errors import SetupError
from fnproof.core.paths import cache_dir

HERE = Path(__file__).resolve().parent / "sdk_snapshot"


def sdk_snapshot(node: NodeRuntime, sdk: Path, lockfile: Path) -> Path | None:
    """The blob for this Node and SDK pin (built on first use), or None where it does not apply."""
    if node.source != "kit-installed" or node.major < 22:
        return None
    inputs = b"".join(p.read_bytes() for p in (lockfile, HERE / "entry.cjs", HERE / "bundle.mjs"))
    digest = hashlib.sha256(node.binary.encode() + node.version.encode() + inputs).hexdigest()[:16]
    env = {"PATH": os.path.dirname(node.binary) + ":/usr/bin:/bin"}

    def build(staging: Path) -> None:
        bundle, blob = staging / "sdk.bundle.cjs", staging / "sdk.blob"
        steps = ([node.binary, str(HERE / "bundle.mjs"), str(esbuild.install_root()), str(sdk), str(bundle)],
                 [node.binary, "--no-warnings", "--snapshot-blob", str(blob), "--build-snapshot", str(bundle)])
        for step in steps:
            done = subprocess.run(step, cwd=staging, capture_output=True, text=True, timeout=300, env=env)
            if done.returncode != 0:
                raise SetupError(f"building the AWS SDK snapshot failed: {(done.stderr or done.stdout)[-300:]}")

    return build_once(cache_dir() / f"lambda-sdk-snapshot-{digest}", digest, "snapshotting the AWS SDK",
                      build) / "sdk.blob"
