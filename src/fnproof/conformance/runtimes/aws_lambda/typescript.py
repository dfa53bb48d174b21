"""A TypeScript Lambda handler, built the way a deployment zip would carry it.

One ES module bundle with the handler's own npm dependencies inside (from its project's
node_modules), the AWS SDK left to the runtime unless the project ships its own copy (in a
zip, the function's copy wins over the runtime's), and an external source map, so Node's
`--enable-source-maps` turns stack lines back into `.ts` lines. The `require` banner lets
bundled CommonJS dependencies `require()` Node built-ins from inside an ES module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fnproof.conformance.services import esbuild

_BANNER = ("import { createRequire as __fnproofCreateRequire } from 'node:module'; "
           "const require = __fnproofCreateRequire(import.meta.url);")
RUNTIME_PROVIDED = ("@aws-sdk/*", "@smithy/*")


def project_root(handler_file: Path) -> Path:
    """The nearest folder above the handler with a package.json (its npm project), else its own folder."""
    for folder in (handler_file.parent, *handler_file.parent.parents):
        if (folder / "package.json").is_file():
            return folder
        if (folder / ".git").exists():
            break
    return handler_file.parent


def source_root(handler_file: Path) -> Path:
    """Where a handler's own imports may reach: its repository (the nearest folder with .git),
    else its npm project, else its folder. The sandbox binds it read-only: handlers import
    `../lib/...` and find node_modules in parent folders, as they do when deployed."""
    stop = {Path("/"), Path(tempfile.gettempdir()).resolve(), Path.home().resolve()}
    for folder in (handler_file.parent, *handler_file.parent.parents):
        if folder.resolve() in stop:
            break  # a repository (or dotfiles) rooted there would bind far more than the handler's code
        if (folder / ".git").exists():
            return folder
    return project_root(handler_file)


def _ships_sdk(root: Path) -> bool:
    return (root / "node_modules" / "@aws-sdk").is_dir()


def build_handler(handler_file: Path, out_dir: Path, node_major: int) -> Path:
    """Compile and bundle; returns the .mjs to run. A compile error is a UsageError at its .ts line."""
    root = project_root(handler_file)
    flags = ["--platform=node", "--format=esm", f"--target=node{node_major}", "--sources-content=false",
             f"--banner:js={_BANNER}"]
    if not _ships_sdk(root):
        flags += [f"--external:{name}" for name in RUNTIME_PROVIDED]
    return esbuild.build(handler_file, out_dir / f"{handler_file.stem}.mjs", flags, cwd=root)
