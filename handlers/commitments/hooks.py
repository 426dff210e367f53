"""What commitments add to the rest of Convene through the registry.

The first section of a member's home (what they promised), their open
commitments as choices while they type a commitment's number, and reminders
that follow them when their time zone changes.
"""

from __future__ import annotations

from bot.context import Context
from bot.registry import Registry
from bot.suggestions import LIMIT, Choice, SuggestionQuery
from handlers.commitments import actions, reminders
from handlers.commitments.commands import commitment_line
from storage.models import Member
from storage.repositories import commitments as commitments_repo
from storage.repositories import members as members_repo

HOME_ORDER = 10
"""First in the home: what the member has promised."""
SUGGESTIONS = "commitment"


async def home_section(context: Context) -> str:
    assert context.actor.id is not None
    today = actions.local_today(context.actor, context)
    owed = await commitments_repo.of_owner(context.session, context.actor.id)
    lines = "\n".join(f"- {commitment_line(c, today)}" for c in owed)
    return "*Your commitments*\n\n" + (
        lines or "None open. Make one with /commit Draft the checklist by Friday."
    )


async def own_open_commitments(query: SuggestionQuery) -> list[Choice]:
    """The typing member's open or blocked commitments whose number or text holds what was typed."""

    me = await members_repo.by_platform_id(query.session, query.workspace_id, query.member)
    if me is None or me.id is None:
        return []
    # Requests not yet accepted are not theirs to mark done or move.
    mine = await commitments_repo.of_owner(
        query.session, me.id, (commitments_repo.OPEN, commitments_repo.BLOCKED)
    )
    typed = query.typed.strip()
    shown = [
        (f"{c.number} · {c.text}"[:100], str(c.number))
        for c in mine
        if typed in str(c.number) or typed.casefold() in c.text.casefold()
    ]
    return shown[:LIMIT]


async def zone_changed(context: Context, member: Member) -> str | None:
    """Reminders come at 09:00 in the member's new zone."""

    if await reminders.replan_owner(context.session, member, context.now):
        return "Commitment reminders now come at 09:00 your new time."
    return None


def register(registry: Registry) -> None:
    registry.home_section(HOME_ORDER, home_section)
    registry.suggestions(SUGGESTIONS, own_open_commitments)
    registry.on_zone_changed(zone_changed)
