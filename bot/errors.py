"""Errors that become a friendly one-line reply instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.messages import Button, Form, FormProblem

if TYPE_CHECKING:
    from bot.context import Context


class UserError(Exception):
    """Something the member can fix; the message says how.

    Raising it rolls back everything the handler wrote, so a refused command
    leaves nothing half-done.
    """

    def __init__(
        self, message: str, *, usage: str | None = None, buttons: Sequence[Button] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        # Choices that finish what was refused (the zones an abbreviation may
        # mean): the refusal still writes nothing, and a press starts afresh.
        self.buttons = tuple(buttons)

    def reply_text(self) -> str:
        if self.usage:
            return f"{self.message} Usage: {self.usage}"
        return self.message

    async def answer(self, context: Context) -> None:
        """Tell the member, in the fresh transaction that records the refused event.

        A refusal that keeps something for a later press overrides this (a
        command kept for the buttons that finish it, ``bot.command_buttons``):
        what it keeps is all the refusal writes.
        """

        await context.reply(self.reply_text(), self.buttons)


class UsageError(UserError):
    """The command's words were wrong (missing, extra, badly quoted)."""


class NotAllowed(UserError):
    """The member's role may not do this."""


class FieldProblem(UserError):
    """One field of a submitted form was refused: ask that field again, keeping the rest.

    ``form`` is the form refilled with what was submitted, its ``problem``
    naming the field and the reason. The dispatcher rolls back what the
    handler wrote, as for any refusal, then opens the form again where the
    platform can ask one field in place (the shell), or keeps a draft and
    offers a button that opens it again filled in (Slack, Discord).
    """

    def __init__(self, form: Form, values: Mapping[str, str], field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.form = form.refilled(values, FormProblem(field, reason))

    @property
    def label(self) -> str:
        """The refused field's label, as the member saw it."""

        return self.form.field_named(self.field).label


@contextmanager
def asking_again(form: Form, values: Mapping[str, str], field: str) -> Iterator[None]:
    """Turn a refusal of one field's value, inside the block, into that field asked again.

    The refusal's own words are the reason (without its usage line: in a
    form, the field's label says what it takes).
    """

    try:
        yield
    except FieldProblem:
        raise
    except UserError as refused:
        raise FieldProblem(form, values, field, refused.message) from refused
