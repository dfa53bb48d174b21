"""Errors that end a command with exit code 2 and one line for the user.

A UsageError is the user's input being wrong (a path, a file, an option); a SetupError is
the machine missing something the kit needs. Both print as one line, never a traceback.
"""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user; `where` is a file or file:line when there is one."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where

    def __str__(self) -> str:
        message = super().__str__()
        return f"{self.where}: {message}" if self.where else message


class SetupError(UsageError):
    """The kit cannot run here (runtime missing, npm install failed)."""
