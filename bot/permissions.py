"""Convener checks, made in the core against Convene's own convener list.

Whatever a platform's admin settings say (a Discord server can re-grant a
command to anyone), only members Convene marks as conveners pass. A refusal
names the conveners to ask, by the names members know them by; with none at
all, it says how whoever runs Convene makes one.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit_trail
from bot.errors import NotAllowed
from storage.models import Member
from storage.repositories import members as members_repo

NAMED_AT_MOST = 5
PRONOUNS = frozenset(
    {"you", "me", "i", "we", "us", "they", "them", "he", "him", "she", "her", "it", "yourself"}
)
"""Display names that would read as a pronoun in "Ask alice or you" (the shell's operator
is called ``you``): such a name is written as a name, not left to be read as the reader."""


def convener_named(name: str) -> str:
    """How a convener is named to someone else: their display name, or, when that name
    is a pronoun, 'the convener named "you"'."""

    return f'the convener named "{name}"' if name.strip().casefold() in PRONOUNS else name


def conveners_to_ask(conveners: list[Member]) -> str:
    """ "alice", "alice or bob", "alice, bob or carol (or another convener)"."""

    names = [convener_named(c.display_name) for c in conveners[:NAMED_AT_MOST]]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return who + (" (or another convener)" if len(conveners) > NAMED_AT_MOST else "")


async def require_convener(session: AsyncSession, actor: Member, doing: str) -> None:
    """Refuse anyone but a convener; for a convener, mark the transaction as a convener's
    work, which the audit log records if it changes or exports something
    (``bot.audit_trail``)."""

    if actor.is_convener:
        await audit_trail.acting_as_convener(session)
        return
    conveners = list(await members_repo.conveners(session, actor.workspace_id))
    if conveners:
        raise NotAllowed(f"Only conveners can {doing}. Ask {conveners_to_ask(conveners)}.")
    raise NotAllowed(
        f"Only conveners can {doing}, and there is no convener here yet. Whoever runs "
        "Convene makes one by listing their platform id under conveners in the [convene] "
        f'section of its config file (for you: conveners = ["{actor.platform_user_id}"]); '
        "they are a convener from their next command."
    )
