"""What a convener sees of introductions: rounds, meetings, and the silo map filling in."""

from __future__ import annotations

from itertools import combinations

from bot.commands import Args
from bot.context import Context
from bot.markup import plain
from handlers.introductions.programmes import programmes_meant
from handlers.shared.members import workspace_id
from handlers.shared.text import plural, table
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories import silos as silos_repo

STATS = "/convene pairing stats [#CHANNEL]"
STORIES = "/convene pairing stories [#CHANNEL]"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


async def stats(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    every = await programmes_meant(context, args.get("channel"), STATS)
    if not every:
        await context.reply("No introductions yet, so no statistics.")
        return
    firsts = await pairings_repo.first_bridges_by_round(context.session, wid)
    possible = await _possible_pairs(context, wid)
    parts = []
    for programme in every:
        assert programme.id is not None
        rounds = await pairings_repo.rounds(context.session, programme.id)
        rows = await pairings_repo.groups_of_rounds(
            context.session, [r.id for r in rounds if r.id is not None]
        )
        body = []
        for pairing_round in rounds:
            linked_by_then = sum(n for r, n in firsts.items() if r <= (pairing_round.id or 0))
            mine = [row for row in rows if row.pairing_round.id == pairing_round.id]
            places = [m for row in mine for m in row.members]
            met = sum(1 for m in places if m.outcome == "met")
            answered = sum(1 for m in places if m.outcome is not None)
            body.append(
                [
                    str(pairing_round.number),
                    f"{pairing_round.slot_at:%Y-%m-%d}",
                    str(pairing_round.participants),
                    str(len(mine)),
                    _percent(met, len(places)),
                    _percent(answered, len(places)),
                    str(firsts.get(pairing_round.id or 0, 0)),
                    _percent(min(linked_by_then, possible), possible),
                ]
            )
        head = f"#{programme.channel_name}: {plural(len(rounds), 'round')}"
        if body:
            parts.append(
                head
                + "\n"
                + table(
                    [
                        "round",
                        "date",
                        "people",
                        "groups",
                        "met",
                        "answered",
                        "new links",
                        "coverage",
                    ],
                    body,
                )
            )
        else:
            parts.append(head + ", none run yet.")
    parts.append(await _coverage(context, wid))
    await context.reply("\n".join(parts))


async def _possible_pairs(context: Context, wid: int) -> int:
    populated = sum(
        1 for s in await silos_repo.list_with_counts(context.session, wid) if s.member_count
    )
    return populated * (populated - 1) // 2


async def _coverage(context: Context, wid: int) -> str:
    populated = [
        s.silo for s in await silos_repo.list_with_counts(context.session, wid) if s.member_count
    ]
    ids = sorted(s.id for s in populated if s.id is not None)
    possible = {(a, b) for a, b in combinations(ids, 2)}
    connected = set(await pairings_repo.connection_counts(context.session, wid)) & possible
    touched = {silo for pair in connected for silo in pair}
    lonely = [
        s.name for s in sorted(populated, key=lambda s: s.name.lower()) if s.id not in touched
    ]
    share = _percent(len(connected), len(possible))
    line = (
        f"Silo pairs connected so far: {len(connected)} of {len(possible)} ({share})."
        if possible
        else "Fewer than two silos have members, so there is nothing to connect yet."
    )
    if lonely and possible:
        line += " Silos with no connection yet: " + ", ".join(lonely) + "."
    return line


async def stories(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    every = await programmes_meant(context, args.get("channel"), STORIES)
    names = {
        m.member.id: m.member.display_name
        for m in await members_repo.list_with_silos(context.session, wid)
    }
    lines = []
    for programme in every:
        assert programme.id is not None
        rounds = await pairings_repo.rounds(context.session, programme.id)
        rows = await pairings_repo.groups_of_rounds(
            context.session, [r.id for r in rounds if r.id is not None]
        )
        for row in rows:
            for place in row.members:
                if not place.learning:
                    continue
                who = names.get(place.member_id, "someone")
                tag = (
                    "may be quoted" if place.learning_consent != "conveners" else "not for quoting"
                )
                lines.append(
                    f"- {who}, round {row.pairing_round.number} in #{programme.channel_name} "
                    f'({tag}): "{plain(place.learning)}"'
                )
    if not lines:
        await context.reply(
            "No learning stories yet; they come from the follow-ups after members meet."
        )
        return
    await context.reply("What people took away from their introductions:\n" + "\n".join(lines))
