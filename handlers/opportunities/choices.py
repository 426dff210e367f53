"""A member's own choice about suggestions: ``/pairing suggest off|on``, and their home's line.

Off (``Member.suggestions_off_at``) means: never suggested to a convener
after a check-in run, never listed by ``/pairing find`` or ``/convene who
knows``, never read for topic affinity in rounds (``load_passages`` and
``PairRules`` leave them out everywhere). It is the member's alone to change,
and changing it writes nothing else: what they wrote stays where it was
posted, only Convene stops reading across it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.registry import Registry
from handlers.shared.zones import local_day
from storage.repositories import members as members_repo

SUGGEST: Final = "/pairing suggest [off|on]"
OFF: Final = "off"
ON: Final = "on"
HOME_ORDER: Final = 40
"""After introductions (30)."""
WHAT_OFF_MEANS: Final = (
    "you are not suggested to conveners as someone to meet, not listed by /pairing find "
    "or /convene who knows, and what you write is not read to match you with anyone"
)
WHAT_ON_MEANS: Final = (
    "conveners may be suggested to introduce you to someone in another silo who could use "
    "what you wrote (or who wrote what you need), and others may find you with /pairing find"
)


def _day(moment: datetime, context: Context) -> str:
    return local_day(moment, context.actor.timezone, year=True)


async def suggest(context: Context, args: Args) -> None:
    """``/pairing suggest``: the member's current choice; ``off`` or ``on`` changes it."""

    member = context.actor
    choice = args.get("choice")
    since = member.suggestions_off_at
    if choice is None:
        await context.reply(_standing(context, since))
        return
    if choice == OFF:
        if since is not None:
            await context.reply(
                f"Suggestions are already off for you, since {_day(since, context)}: "
                f"{WHAT_OFF_MEANS}. Turn them back on with /pairing suggest on"
            )
            return
        member.suggestions_off_at = context.now
        members_repo.stage(context.session, member)
        await context.reply(
            f"Done: suggestions are off for you. From now on {WHAT_OFF_MEANS}. "
            "Turn them back on with /pairing suggest on"
        )
        return
    if since is None:
        await context.reply(
            f"Suggestions are already on for you: {WHAT_ON_MEANS}. "
            "Turn them off with /pairing suggest off"
        )
        return
    member.suggestions_off_at = None
    members_repo.stage(context.session, member)
    await context.reply(
        f"Done: suggestions are on for you again. {WHAT_ON_MEANS[0].upper()}{WHAT_ON_MEANS[1:]}. "
        "Turn them off with /pairing suggest off"
    )


def _standing(context: Context, since: datetime | None) -> str:
    if since is None:
        return (
            f"Suggestions are on for you: {WHAT_ON_MEANS}. Turn them off with /pairing suggest off"
        )
    return (
        f"Suggestions are off for you, since {_day(since, context)}: {WHAT_OFF_MEANS}. "
        "Turn them back on with /pairing suggest on"
    )


async def home_section(context: Context) -> str:
    """The member's choice, in one line, on their home."""

    if context.actor.suggestions_off_at is None:
        line = (
            "On: you may be suggested to meet someone in another silo, and found with "
            "/pairing find. Turn off with /pairing suggest off."
        )
    else:
        line = (
            f"Off since {_day(context.actor.suggestions_off_at, context)}: nobody is suggested "
            "to you or finds you. Turn on with /pairing suggest on."
        )
    return "*Suggestions*\n\n" + line


COMMAND = CommandSpec(
    path=("pairing", "suggest"),
    handler=suggest,
    summary="Whether you may be suggested to others and found (off or on).",
    usage=SUGGEST,
    example="/pairing suggest off",
    params=(Positional("choice", required=False, choices=(OFF, ON)),),
    group="Opportunities",
)


def register(registry: Registry) -> None:
    registry.command(COMMAND)
    registry.home_section(HOME_ORDER, home_section)
