"""What check-ins add to the rest of Convene through the registry.

A section of a member's home (when each check-in next asks them), the
check-ins' names as choices while a member types one, and prompts not yet
asked that follow a member when their time zone changes.
"""

from __future__ import annotations

from bot.context import Context
from bot.registry import Registry
from bot.suggestions import Choice, SuggestionQuery, named_choices
from handlers.checkins import runs
from handlers.checkins.commands import status_lines
from storage.models import Member
from storage.repositories import checkins as checkins_repo

HOME_ORDER = 20
"""After the member's commitments."""
SUGGESTIONS = "checkin"


async def home_section(context: Context) -> str:
    lines = "\n".join(await status_lines(context))
    return "*Check-ins*\n\n" + (lines or "No check-ins here yet.")


async def checkin_names(query: SuggestionQuery) -> list[Choice]:
    every = await checkins_repo.of_workspace(query.session, query.workspace_id)
    return named_choices([c.name for c in every], query.typed)


async def zone_changed(context: Context, member: Member) -> str | None:
    """Prompts not yet asked today come at the member's new local time."""

    moved = await runs.replan_member(
        context.session, workspace=context.workspace, member=member, now=context.now
    )
    return "Check-ins not yet asked today now come at your new local time." if moved else None


def register(registry: Registry) -> None:
    registry.home_section(HOME_ORDER, home_section)
    registry.suggestions(SUGGESTIONS, checkin_names)
    registry.on_zone_changed(zone_changed)
