"""A member's home (Slack's App Home): their commitments, check-ins and introductions.

Shown afresh each time they open it, from the same lines ``/commit list``,
``/checkin status`` and ``/pairing`` give, so the three never disagree.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import HomeOpened
from bot.markup import plain
from bot.messages import OutgoingMessage, Target
from bot.registry import Registry
from handlers.checkins import commands as checkins
from handlers.commitments.actions import local_today
from handlers.commitments.commands import commitment_line
from handlers.introductions.commands import next_round
from storage.repositories import commitments as commitments_repo
from storage.repositories import pairings as pairings_repo


async def _introductions(context: Context) -> list[str]:
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
    return lines


async def home_opened(context: Context) -> None:
    if not context.capabilities.home_tab:
        return
    assert context.actor.id is not None
    today = local_today(context.actor, context)
    owed = await commitments_repo.of_owner(context.session, context.actor.id)
    checkin_lines = await checkins.status_lines(context)
    introductions = await _introductions(context)
    parts = [f"*Hello, {plain(context.actor.display_name)}*"]
    parts.append("*Your commitments*")
    parts.append(
        "\n".join(f"- {commitment_line(c, today)}" for c in owed)
        or "None open. Make one with /commit Draft the checklist by Friday."
    )
    parts.append("*Check-ins*")
    parts.append("\n".join(checkin_lines) or "No check-ins here yet.")
    parts.append("*Introductions*")
    parts.append("\n".join(introductions) or "Not taking part. Join with /pairing join.")
    await context.outbox.send(
        f"home:{context.event.platform}:{context.event.event_id}",
        OutgoingMessage(Target.home(context.actor.platform_user_id), "\n\n".join(parts)),
    )


def register(registry: Registry) -> None:
    registry.event(HomeOpened, home_opened)
