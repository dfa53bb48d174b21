"""A TypeScript Worker, built the way wrangler's bundler builds it: one ES module for workerd.

Module resolution follows workerd's conditions (`workerd`, `worker`, `browser`), so a
dependency with a Workers build gets it; `cloudflare:*` and `node:*` imports stay for
workerd to provide. workerd does not apply source maps, so the driver remaps the bundle's
positions in stack lines and init errors to `.ts` lines with the map written beside it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fnproof.conformance.runtimes.workers.config import WorkerConfig
from fnproof.conformance.services import esbuild

FLAGS = ("--format=esm", "--platform=neutral", "--target=es2024", "--main-fields=workerd,worker,module,browser,main",
         "--conditions=workerd,worker,browser", "--external:cloudflare:*", "--external:node:*")


def build_worker(worker: WorkerConfig, out_dir: Path) -> WorkerConfig:
    """The same Worker with `main` (and the modules root) pointing at the built module."""
    built = esbuild.build(worker.main, out_dir / f"{worker.main.stem}.mjs", FLAGS, cwd=worker.root)
    return replace(worker, main=built, root=out_dir, source_main=worker.main)
