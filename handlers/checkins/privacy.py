"""Where a check-in's answers go, said the same way everywhere it is said.

A convener picks it once (``--answers thread|conveners|summary``); every
prompt a member gets (the DM, the form, the reminder) then says where their
answers will go before they write a word, and conveners read it in the
check-in's list and settings. It may become more private at any time; it may
become less private only while nobody has answered, since answers given in
private must stay private.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands import Args
from bot.errors import UserError
from bot.markup import plain
from bot.nearest import nearest
from bot.permissions import convener_named
from storage.models import Checkin, Member
from storage.repositories import checkins as checkins_repo
from storage.repositories import members as members_repo

THREAD = checkins_repo.THREAD
CONVENERS = checkins_repo.CONVENERS
SUMMARY = checkins_repo.SUMMARY
PLACES = checkins_repo.ANSWER_PLACES
NAMED_AT_MOST = 5
"""Conveners named in a prompt; more are counted."""


def read_answers_to(args: Args, default: str) -> str:
    """``--answers`` as given (or ``default``), refused with the line to type instead."""

    given = (args.get("answers") or default).strip().lower()
    if given not in PLACES:
        meant = nearest(given, PLACES)
        raise args.refusal(
            f"I could not use --answers {plain(given)}: say thread (posted with names in the "
            "channel's thread), conveners (read by conveners only) or summary (one message at "
            "the close that names nobody).",
            {"answers": meant[0] if meant else CONVENERS},
        )
    return given


def is_less_private(new: str, old: str) -> bool:
    return PLACES.index(new) < PLACES.index(old)


async def check_change(session: AsyncSession, checkin: Checkin, new: str) -> None:
    """Refuse making answers less private once anyone has answered."""

    assert checkin.id is not None
    if is_less_private(new, checkin.answers_to) and await checkins_repo.has_answers(
        session, checkin.id
    ):
        raise UserError(
            f'"{plain(checkin.name)}" already has answers given for {_told(checkin.answers_to)}, '
            "and answers given in private stay private: create a new check-in for answers "
            f"that go to {_told(new)}."
        )


def _told(place: str) -> str:
    return {
        THREAD: "the thread",
        CONVENERS: "the conveners only",
        SUMMARY: "a summary that names nobody",
    }[place]


def conveners_listed(conveners: Sequence[Member]) -> str:
    """ "Ana, Ben and 3 more": the conveners a member's answers would reach."""

    names = [convener_named(c.display_name) for c in conveners[:NAMED_AT_MOST]]
    more = len(conveners) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


async def goes_to_line(session: AsyncSession, checkin: Checkin) -> str:
    """The line every prompt carries: "Your answers go to: ..."."""

    if checkin.answers_to == CONVENERS:
        conveners = await members_repo.conveners(session, checkin.workspace_id)
        listed = conveners_listed(conveners)
        return "Your answers go to: the conveners only" + (f" ({listed})." if listed else ".")
    if checkin.answers_to == SUMMARY:
        return f"Your answers go to: a summary in #{checkin.channel_name} that names nobody."
    return f"Your answers go to: the #{checkin.channel_name} thread, with your name."


def goes_to_short(checkin: Checkin) -> str:
    """Where a member's answers go, in one clause of ``/checkin status``."""

    if checkin.answers_to == THREAD:
        return "your answers go to the thread, with your name"
    return f"your answers go to {_told(checkin.answers_to)}"


def for_conveners(checkin: Checkin) -> str:
    """Where answers go, as conveners read it in lists and settings."""

    if checkin.answers_to == CONVENERS:
        return "answers go to conveners only (each gets a digest at the close)"
    if checkin.answers_to == SUMMARY:
        return f"answers go into a summary in #{checkin.channel_name} that names nobody"
    return f"answers go to a thread in #{checkin.channel_name}"


def kept_where(checkin: Checkin) -> str:
    """Where a member's answers already are, in a reply to them: "in the thread"."""

    if checkin.answers_to == CONVENERS:
        return "with the conveners"
    if checkin.answers_to == SUMMARY:
        return "for the summary"
    return "in the thread"
