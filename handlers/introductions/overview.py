"""``/convene pairing status``: each programme at a glance, for its conveners.

Besides the counts and the next round, it names who will sit that round out
for the minimum gap and who is paused automatically, with ``[Resume them]``:
a convener should never have to guess why someone is not being introduced.
"""

from __future__ import annotations

from bot.commands import Args
from bot.context import Context
from handlers.introductions import gap, resting
from handlers.introductions.names import listed
from handlers.introductions.programmes import programmes_meant
from handlers.introductions.round_dates import next_round, when
from handlers.introductions.rounds import taking_part
from handlers.shared.text import plural
from storage.models import Programme
from storage.repositories import pairings as pairings_repo

STATUS = "/convene pairing status [#CHANNEL]"
MOST_BUTTONS = 5
"""Discord puts at most five buttons in a row; more programmes than that are asked one by one."""


async def status(context: Context, args: Args) -> None:
    every = await programmes_meant(context, args.get("channel"), STATUS)
    if not every:
        await context.reply(
            "No introductions yet. Start some with /convene pairing start #general every 2 weeks "
            "on Monday 10:00"
        )
        return
    lines: list[str] = []
    needing: list[Programme] = []
    for programme in every:
        said = await _programme_lines(context, programme)
        lines.extend(said)
        if len(said) > 1:  # someone is paused automatically
            needing.append(programme)
    buttons = [
        resting.resume_button(programme, named=len(needing) > 1)
        for programme in needing[:MOST_BUTTONS]
    ]
    await context.reply("\n".join(lines), buttons)


async def _programme_lines(context: Context, programme: Programme) -> list[str]:
    """The programme's line, and a second naming who is paused automatically, if anyone."""

    assert programme.id is not None
    joined = await pairings_repo.participants(context.session, programme.id)
    ready = [(p, m) for p, m in joined if taking_part(p)]
    automatically = resting.auto_paused(joined)
    resting_count = sum(
        1 for p, _ in joined if p.status != pairings_repo.LEFT and not taking_part(p)
    )
    rounds = await pairings_repo.round_count(context.session, programme.id)
    paused = programme.status == pairings_repo.PAUSED
    upcoming = None if paused else next_round(programme, context.now)
    how = f" ({len(automatically)} automatically)" if automatically else ""
    line = (
        f"#{programme.channel_name}: {'paused' if paused else 'running'}, "
        f"{plural(rounds, 'round')} so far; {len(ready)} taking part, "
        f"{resting_count} paused{how}; next round "
        f"{'none while paused' if paused else when(upcoming, programme.timezone)}; "
        f"{gap.rule(programme)}{'; topic affinity on' if programme.affinity else ''}."
    )
    if upcoming is not None:
        recent = await gap.sitting_out(
            context.session, programme, [p.member_id for p, _ in ready], upcoming
        )
        if recent:
            names = sorted(
                (m.display_name for p, m in ready if p.member_id in recent), key=str.lower
            )
            line += (
                f" {listed(names)} {'sits' if len(names) == 1 else 'sit'} the next round out, "
                f"introduced less than {plural(programme.min_gap_days, 'day')} before it."
            )
    lines = [line]
    if automatically:
        lines.append(resting.note([m.display_name for m in automatically]))
    return lines
