"""What introductions add to the rest of Convene through the registry.

The last section of a member's home: the programmes they take part in and
when each next introduces them.
"""

from __future__ import annotations

from bot.context import Context
from bot.markup import plain
from bot.registry import Registry
from handlers.introductions.commands import next_round
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
        if participant.status == pairings_repo.PAUSED:
            state = "paused (/pairing resume to come back)"
        elif programme.status == pairings_repo.PAUSED:
            state = "the programme is paused"
        else:
            upcoming = next_round(programme, context.now)
            state = f"next round {upcoming:%A %d %B}" if upcoming else "no round planned"
        lines.append(f"- #{plain(programme.channel_name)}: {state}")
    return "*Introductions*\n\n" + ("\n".join(lines) or "Not taking part. Join with /pairing join.")


def register(registry: Registry) -> None:
    registry.home_section(HOME_ORDER, home_section)
