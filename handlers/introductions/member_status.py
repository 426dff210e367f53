"""``/pairing status``: where a member stands in each programme, in their own time zone.

In, paused (until when, or automatically and how to come back) or left; the
next round that will really include them (one within the minimum gap of
their last introduction is skipped); their last introduction and with whom;
their line; and whom they avoid. Avoidances are their own, so they see the
names; nobody else ever does. The home tab shows the same standing, shorter.
"""

from __future__ import annotations

from bot.commands import Args
from bot.context import Context
from bot.markup import plain
from handlers.introductions import gap
from handlers.introductions.names import listed
from handlers.introductions.programmes import programme_meant
from handlers.introductions.resting import IGNORED_FOLLOWUPS_BEFORE_PAUSE
from handlers.introductions.round_dates import day_of, next_round, when
from handlers.shared.members import workspace_id
from handlers.shared.text import plural
from storage.models import Participant, Programme
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo

MEMBER_STATUS = "/pairing status [#CHANNEL]"


async def member_status(context: Context, args: Args) -> None:
    assert context.actor.id is not None
    mine = await pairings_repo.memberships(context.session, context.actor.id)
    if args.get("channel"):
        wanted = await programme_meant(context, args["channel"], MEMBER_STATUS)
        mine = [(p, g) for p, g in mine if g.id == wanted.id]
        if not mine:
            await context.reply(
                f"You are not in the introductions in #{wanted.channel_name}; join them with "
                f"/pairing join #{wanted.channel_name}"
            )
            return
    if not mine:
        await context.reply(await _not_in_any(context))
        return
    lines = ["Your introductions:"]
    for participant, programme in mine:
        lines.append(f"- {await standing(context, participant, programme, detailed=True)}")
    about = next((p.about for p, _ in mine if p.about), None)
    lines.append(
        f'Your line: "{plain(about)}" (change it with /pairing about …).'
        if about
        else "No line about you yet: /pairing about I work on …"
    )
    lines.append(await _avoiding(context))
    await context.reply("\n".join(lines))


async def _not_in_any(context: Context) -> str:
    every = await pairings_repo.programmes(context.session, workspace_id(context))
    if not every:
        return (
            "You are not in any introductions: there are none here yet. A convener starts them "
            "with /convene pairing start."
        )
    names = listed([f"#{p.channel_name}" for p in every])
    return (
        f"You are not in any introductions. They run in {names}; join with "
        f"/pairing join #{every[0].channel_name}"
    )


async def standing(
    context: Context, participant: Participant, programme: Programme, *, detailed: bool = False
) -> str:
    """One programme as the member stands in it: "#general: you're in. Next round …"."""

    zone = context.actor.timezone or "UTC"
    here = f"#{programme.channel_name}"
    come_back = f"/pairing join {here}"
    if participant.status == pairings_repo.LEFT:
        return f"{here}: you left. Come back any time with {come_back}."
    if participant.status == pairings_repo.PAUSED:
        state = (
            f"{here}: paused automatically after {IGNORED_FOLLOWUPS_BEFORE_PAUSE} follow-ups went "
            f"unanswered. Come back with {come_back}."
        )
    elif participant.paused_until is not None and participant.paused_until > context.now:
        state = (
            f"{here}: paused until {when(participant.paused_until, zone)}; you come back by "
            f"yourself then, or sooner with {come_back}."
        )
    elif programme.status == pairings_repo.PAUSED:
        state = f"{here}: you're in, but the conveners have paused its rounds for now."
    else:
        state = f"{here}: you're in. {await _next_for(context, participant, programme, zone)}"
    if detailed:
        state += await _last_introduction(context, participant, programme, zone)
    return state


async def _next_for(
    context: Context, participant: Participant, programme: Programme, zone: str
) -> str:
    """The next round that will include the member, skipping one within the minimum gap."""

    assert programme.id is not None
    upcoming = next_round(programme, context.now)
    if upcoming is None:
        return "No round is planned."
    last = (
        await pairings_repo.last_introductions(
            context.session, programme.id, [participant.member_id]
        )
    ).get(participant.member_id)
    if last is None or not gap.too_soon(last.slot_at, upcoming, programme):
        return f"Next round: {when(upcoming, zone)}."
    after = next_round(programme, upcoming)
    return (
        f"You sit out the round on {day_of(upcoming, zone)}, less than "
        f"{plural(programme.min_gap_days, 'day')} after your last introduction; your next "
        f"round: {when(after, zone)}."
    )


async def _last_introduction(
    context: Context, participant: Participant, programme: Programme, zone: str
) -> str:
    assert programme.id is not None
    last = (
        await pairings_repo.last_introductions(
            context.session, programme.id, [participant.member_id]
        )
    ).get(participant.member_id)
    if last is None or last.id is None:
        return " No introduction yet."
    rows = await pairings_repo.groups_of_rounds(context.session, [last.id])
    mine = next(
        row for row in rows if any(m.member_id == participant.member_id for m in row.members)
    )
    others = []
    for place in mine.members:
        if place.member_id == participant.member_id:
            continue
        member = await members_repo.get(context.session, place.member_id)
        others.append(member.display_name if member is not None else "someone who has left")
    return (
        f" Last introduction: round {last.number} on {day_of(last.slot_at, zone)}, "
        f"with {listed(others)}."
    )


async def _avoiding(context: Context) -> str:
    assert context.actor.id is not None
    avoided = [
        m.display_name for m in await pairings_repo.avoided_by(context.session, context.actor.id)
    ]
    if not avoided:
        return "You avoid nobody."
    undo = (
        f"/pairing unavoid @{avoided[0]}"
        if len(avoided) == 1 and " " not in avoided[0]
        else "/pairing unavoid @NAME"
    )
    everyone = listed(avoided, most=len(avoided))
    return (
        f"You avoid {plural(len(avoided), 'person', 'people')}: {everyone} "
        f"(only you can see this; undo with {undo})."
    )
