"""The channel a command names ("#general", or a platform link like ``<#C1|general>``)."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UsageError, UserError
from bot.markup import plain


def channel_shown(reference: str, found_id: str) -> str:
    """How to name a channel in messages: the name typed ("#general", or the name in a
    platform link like ``<#C1|general>``), else its id."""

    text = reference.strip()
    if text.startswith("<#"):
        _, bar, name = text.rstrip(">").partition("|")
        return name if bar and name else found_id
    return text.removeprefix("#") or found_id


async def channel_id(context: Context, reference: str, usage: str) -> str:
    """The platform's id of the channel named with a #, or a refusal saying how to name it."""

    if not reference.startswith("#") and not reference.startswith("<#"):
        raise UsageError(
            f"I could not use {plain(reference)!r} as a channel: name it with a #, "
            f"like #{plain(reference)}.",
            usage=usage,
        )
    found = await context.find_channel(reference)
    if found is None:
        raise UserError(
            f"I can't find the channel {plain(reference)}. Check its name, and that I am in it.",
            usage=usage,
        )
    return found
