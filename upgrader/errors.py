"""Errors with the file and line they concern. The CLI prints them as ``path:line: message``."""

from __future__ import annotations

from typing import Optional


class KvUpgradeError(Exception):
    def __init__(self, message: str, path: Optional[str] = None, line: Optional[int] = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        elif self.line:
            where = f"line {self.line}: "
        return where + self.message


class InputError(KvUpgradeError):
    """The file cannot be read or is not a config kvupgrade can edit."""


class NoKvrocksContent(InputError):
    """The file holds nothing Kvrocks reads (a template without an embedded kvrocks.conf, a script
    that never runs kvrocks). A directory run counts it as skipped; a file named on its own is an error."""


class WriteError(KvUpgradeError):
    """The new content could not be written; the original is untouched."""


class ConcurrentChangeError(WriteError):
    """The file changed between reading and writing."""
