"""Writing a file the kit produces so that a reader never sees half of it.

A report, a JUnit file or a repro file is read by CI and by people after a run; a run that is
killed, or a disk that fills, while one is being written must leave the old file (or none),
never a truncated one that parses as a different verdict.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
