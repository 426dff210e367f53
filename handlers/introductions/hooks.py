"""What introductions add to the rest of Convene through the registry.

The last section of a member's home: the programmes they take part in and
where they stand in each, as ``/pairing status`` says it.
"""

from __future__ import annotations

from bot.context import Context
from bot.registry import Registry
from handlers.introductions.member_status import standing
from storage.repositories import pairings as pairings_repo

HOME_ORDER = 30
"""After commitments and check-ins."""


async def home_section(context: Context) -> str:
    assert context.actor.id is not None
    lines = []
    for participant, programme in await pairings_repo.memberships(
        context.session, context.actor.id
    ):
        if participant.status == pairings_repo.LEFT:
            continue
        lines.append(f"- {await standing(context, participant, programme)}")
    return "*Introductions*\n\n" + ("\n".join(lines) or "Not taking part. Join with /pairing join.")


def register(registry: Registry) -> None:
    registry.home_section(HOME_ORDER, home_section)
