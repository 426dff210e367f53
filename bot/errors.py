"""Errors that become a friendly one-line reply instead of a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the member can fix; the message says how.

    Raising it rolls back everything the handler wrote, so a refused command
    leaves nothing half-done.
    """

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def reply_text(self) -> str:
        if self.usage:
            return f"{self.message} Usage: {self.usage}"
        return self.message


class UsageError(UserError):
    """The command's words were wrong (missing, extra, badly quoted)."""


class NotAllowed(UserError):
    """The member's role may not do this."""
