"""``help`` (or ``?``) written to Convene in a DM, without the slash: answered as ``/convene help``.

Registered before the jobs' own DM routes (a check-in waiting for answers
would otherwise take ``help`` as the answer to its question). See
``bot.help_words`` for the words, and why a channel's ``help`` is left alone.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import MessagePosted, PlaceKind
from bot.help import help_text
from bot.help_words import asks_for_help
from bot.registry import Registry


def wants_help(event: MessagePosted) -> bool:
    return event.place.kind is PlaceKind.DM and asks_for_help(event.text)


def register(registry: Registry) -> None:
    """Answer a DM's ``help`` with the commands this member may use."""

    async def answer_help(context: Context) -> None:
        await context.reply(help_text(registry.commands, "convene", context.actor), private=False)

    registry.message(wants_help, answer_help)
