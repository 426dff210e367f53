"""``/convene pairing round now``: a round at once, asking first when it comes too soon.

When some members were introduced within the programme's minimum gap, the
command runs nothing yet: it says who would be left out and why, and offers
``[Run it without them]`` (when at least two others remain) and
``[Run it anyway]``; ``--anyway`` insists from the command line. A button
carries the number the round would have, so a second click, or a click after
another round ran, runs nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from bot.commands import Args
from bot.context import Context
from bot.events import ButtonClicked
from bot.messages import Button
from bot.permissions import require_convener
from handlers.introductions import gap, resting
from handlers.introductions import rounds as pairing_rounds
from handlers.introductions.names import listed
from handlers.introductions.programmes import programme_meant
from handlers.introductions.round_dates import day_of, short_day
from handlers.shared.text import plural
from storage.models import Member, PairingRound, Programme
from storage.repositories import pairings as pairings_repo

ROUND_NOW = "/convene pairing round now [#CHANNEL] [--anyway]"
RUN_WITHOUT = "pairing.round.without"
RUN_ANYWAY = "pairing.round.anyway"


async def round_now(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), ROUND_NOW)
    insist = args.flag("anyway")
    if not insist and await _asked_first(context, programme):
        return
    await _run(context, programme, insist=insist)


async def _asked_first(context: Context, programme: Programme) -> bool:
    """Say who a round now would leave out, and ask; False when nobody would be."""

    assert programme.id is not None
    expected = await pairing_rounds.expected(context.session, programme, context.now)
    recent = await gap.sitting_out(
        context.session, programme, [p.member_id for p, _ in expected], context.now
    )
    if not recent:
        return False
    others = [m.display_name for p, m in expected if p.member_id not in recent]
    number = await pairings_repo.round_count(context.session, programme.id) + 1
    value = f"{programme.id}:{number}"
    buttons = [Button("Run it anyway", RUN_ANYWAY, value)]
    if len(others) >= 2:
        would = f"introduce only {listed(others)}"
        buttons.insert(0, Button("Run it without them", RUN_WITHOUT, value, "primary"))
    elif others:
        would = f"leave {listed(others)} alone, with nobody to meet"
    else:
        would = "have nobody to introduce"
    zone = context.actor.timezone or programme.timezone
    lately = _introduced_lately(recent, {m.id: m for _, m in expected}, programme, zone)
    await context.reply(
        f"Not yet: {lately}. #{programme.channel_name} leaves {gap.rule(programme)}, so "
        f"a round now would leave them out and {would}. To introduce them all the same: "
        f"[Run it anyway], or /convene pairing round now #{programme.channel_name} --anyway",
        buttons,
    )
    return True


def _introduced_lately(
    recent: Mapping[int, PairingRound],
    members: Mapping[int | None, Member],
    programme: Programme,
    zone: str,
) -> str:
    """ "alice and bob were introduced in round 1 on Thu 26 Nov (free again from Tue 1 Dec)"."""

    by_round: dict[int, list[str]] = defaultdict(list)
    rounds: dict[int, PairingRound] = {}
    for member_id, pairing_round in recent.items():
        by_round[pairing_round.number].append(members[member_id].display_name)
        rounds[pairing_round.number] = pairing_round
    parts = []
    for number in sorted(by_round):
        names = sorted(by_round[number], key=str.lower)
        at = rounds[number].slot_at
        free = short_day(gap.free_again(at, programme))
        parts.append(
            f"{listed(names)} {'was' if len(names) == 1 else 'were'} introduced in round "
            f"{number} on {day_of(at, zone)} (free again from {free})"
        )
    return "; ".join(parts)


async def run_clicked(context: Context) -> None:
    """``[Run it without them]`` or ``[Run it anyway]``, once, for the round it was offered for."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "run a round of introductions")
    programme_ref, _, number_ref = event.value.partition(":")
    programme = await pairings_repo.programme(
        context.session, int(programme_ref) if programme_ref.isdigit() else 0
    )
    if programme is None or programme.workspace_id != context.workspace.id:
        await context.reply("Those introductions no longer exist; no round was run.")
        return
    assert programme.id is not None
    done = await pairings_repo.round_count(context.session, programme.id)
    if not number_ref.isdigit() or done + 1 != int(number_ref):
        await context.reply(
            f"Round {done} of #{programme.channel_name} has run since I asked, so I did not run "
            f"another. For one more: /convene pairing round now #{programme.channel_name}"
        )
        return
    await _run(context, programme, insist=event.action_id == RUN_ANYWAY)


async def _run(context: Context, programme: Programme, *, insist: bool) -> None:
    summary = await pairing_rounds.run_round(
        context.session,
        workspace=context.workspace,
        programme=programme,
        slot=context.now,
        outbox=context.outbox,
        capabilities=context.capabilities,
        insist=insist,
    )
    bridges = plural(summary.new_bridges, "new bridge") if summary.new_bridges else "no new bridges"
    lines = [
        f"Round {summary.number} is out: {summary.participants} taking part, "
        f"{plural(summary.groups, 'group')}, {bridges}."
    ]
    if summary.sat_out:
        lines[0] += f" {listed(summary.sat_out)} sat it out, introduced {gap.lately(programme)}."
    if summary.insisted:
        lines[0] += (
            f" {listed(summary.insisted)} {'was' if len(summary.insisted) == 1 else 'were'} "
            f"introduced again within {plural(programme.min_gap_days, 'day')}, as you asked."
        )
    if summary.unplaced:
        lines[0] += (
            f" {plural(summary.unplaced, 'person', 'people')} had nobody to meet and "
            f"{'was' if summary.unplaced == 1 else 'were'} told why."
        )
    buttons = []
    if summary.auto_paused:
        lines.append(resting.note(summary.auto_paused))
        buttons.append(resting.resume_button(programme))
    await context.reply("\n".join(lines), buttons)
