"""What a convener sees of introductions: rounds, meetings, and which silos have met.

The headline is **met**, never introductions alone: a round where nobody
answered its follow-up introduced silos to each other, and none of them has
met yet. Both measures come from ``load_landscape`` (``handlers/shared``), the
one reading the map, the reports and the dashboard show too, so
``/convene pairing stats`` never tells a convener a different story.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import Args
from bot.context import Context
from bot.markup import plain
from handlers.introductions.names import listed
from handlers.introductions.programmes import programmes_meant
from handlers.shared import origins
from handlers.shared.landscape import Landscape, load_landscape
from handlers.shared.members import workspace_id
from handlers.shared.stories import ANONYMOUS, CONVENERS_ONLY, NAMED, load_stories
from handlers.shared.text import plural, table
from storage.models import PairingGroupMember, PairingRound
from storage.repositories import pairings as pairings_repo
from storage.repositories.pairings import GroupRow

STATS = "/convene pairing stats [#CHANNEL]"
STORIES = "/convene pairing stories [#CHANNEL]"
MET = "met"

HEADERS = ("round", "date", "people", "groups", "met", "answered", "new pairs", "newly met")
"""One row a round: its groups introduced and met, how many people answered their
follow-up, and the silo pairs it introduced, or saw meet, for the first time."""

OUTSIDE_HEADERS = ("date", "made", "people", "met", "answered", "new pairs", "newly met")
"""One row an introduction made outside the rounds (a round of its own, one group)."""

CONSENT_SHOWN = {
    CONVENERS_ONLY: "conveners only",
    NAMED: "may be shared with their name",
    ANONYMOUS: "may be shared without their name",
}
"""How a convener's list of stories says what each author allowed."""


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


async def stats(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    every = await programmes_meant(context, args.get("channel"), STATS)
    one = every[0].id if args.get("channel") else None
    outside = [] if one is not None else await pairings_repo.rounds_outside(context.session, wid)
    if not every and not outside:
        await context.reply("No introductions yet, so no statistics.")
        return
    landscape = await load_landscape(context.session, wid, programme_id=one)
    parts = [headline(landscape)]
    waiting = unmet_line(landscape)
    if waiting:
        parts.append(waiting)
    for programme in every:
        assert programme.id is not None
        rounds = await pairings_repo.rounds(context.session, programme.id)
        rows = await pairings_repo.groups_of_rounds(
            context.session, [r.id for r in rounds if r.id is not None]
        )
        head = f"#{programme.channel_name}: {plural(len(rounds), 'round')}"
        if not rounds:
            parts.append(head + ", none run yet.")
            continue
        body = [_round_row(r, rows, landscape) for r in rounds]
        parts.append(head + "\n" + table(HEADERS, body))
    if outside:
        parts.append(await _outside(context, outside, landscape))
    await context.reply("\n".join(parts))


async def _outside(context: Context, made: Sequence[PairingRound], landscape: Landscape) -> str:
    """The introductions made outside the rounds (suggested by a convener, asked for by a
    member), one row each, counted as the rounds' rows are: shown only in the workspace's
    view, which their bridges count in."""

    rows = await pairings_repo.groups_of_rounds(
        context.session, [r.id for r in made if r.id is not None]
    )
    return f"Introductions {origins.OUTSIDE}: {len(made)}\n" + table(
        OUTSIDE_HEADERS, [_outside_row(r, rows, landscape) for r in made]
    )


def headline(landscape: Landscape) -> str:
    """ "Silo pairs met: 1 of 6 (17%); introduced: 2 of 6 (33%)." """

    possible = len(landscape.possible)
    if not possible:
        return (
            "No two silos can be bridged yet: a bridge joins two silos of the same kind, "
            "both with members (unless a programme's --mix pairs two kinds)."
        )
    met = len(landscape.met_pairs)
    introduced = len(landscape.introduced_pairs)
    return (
        f"Silo pairs met: {met} of {possible} ({_percent(met, possible)}); "
        f"introduced: {introduced} of {possible} ({_percent(introduced, possible)})."
    )


def unmet_line(landscape: Landscape) -> str:
    """The silos no one has met yet, by name (the first ten, then how many more)."""

    unmet = [s.name for s in landscape.unmet_silos()]
    if not landscape.possible:
        return ""
    if not unmet:
        return "Every silo has met at least one other."
    return f"Silos no one has met yet: {listed(unmet)}."


def _round_row(
    pairing_round: PairingRound, rows: Sequence[GroupRow], landscape: Landscape
) -> list[str]:
    mine = [row for row in rows if row.pairing_round.id == pairing_round.id]
    places = [m for row in mine for m in row.members]
    met = sum(1 for row in mine if any(m.outcome == MET for m in row.members))
    answered = sum(1 for m in places if _answered(m))
    new, newly_met = _firsts(pairing_round, landscape)
    return [
        str(pairing_round.number),
        f"{pairing_round.slot_at:%Y-%m-%d}",
        str(pairing_round.participants),
        str(len(mine)),
        str(met),
        _percent(answered, len(places)),
        str(new),
        str(newly_met),
    ]


def _outside_row(
    pairing_round: PairingRound, rows: Sequence[GroupRow], landscape: Landscape
) -> list[str]:
    """An introduction made outside the rounds: one group, so met is yes or no."""

    _, date, people, _, met, answered, new, newly_met = _round_row(pairing_round, rows, landscape)
    return [
        date,
        origins.made(pairing_round.origin),
        people,
        "yes" if met != "0" else "no",
        answered,
        new,
        newly_met,
    ]


def _answered(place: PairingGroupMember) -> bool:
    """Whether the member answered their follow-up themselves: a convener's mark is not
    their answer (and sets no ``answered_at``), though it keeps one they gave before."""

    return place.answered_at is not None


def _firsts(pairing_round: PairingRound, landscape: Landscape) -> tuple[int, int]:
    """The silo pairs this round introduced for the first time, and those that first met
    through one of its groups."""

    new = newly_met = 0
    for pair, bridge in landscape.bridges.items():
        if pair not in landscape.possible or pairing_round.id not in bridge.rounds:
            continue
        if min(bridge.rounds) == pairing_round.id:
            new += 1
        if bridge.first_met is not None and bridge.first_met == pairing_round.slot_at:
            newly_met += 1
    return new, newly_met


async def stories(context: Context, args: Args) -> None:
    """Every learning story, for conveners, with what its author allowed beside it.

    A story its author allowed to be shared without their name is listed
    without it here too: a convener who copies it into a board paper cannot
    carry the name along by mistake.
    """

    wid = workspace_id(context)
    every = await programmes_meant(context, args.get("channel"), STORIES)
    one = every[0].id if args.get("channel") and every else None
    found = await load_stories(context.session, wid, audience="conveners", programme_id=one)
    if not found:
        await context.reply(
            "No learning stories yet; they come from the follow-ups after members meet."
        )
        return
    lines = ["What people took away from their introductions:"]
    for story in found:
        who = "someone" if story.consent == ANONYMOUS or not story.author else story.author
        allowed = CONSENT_SHOWN.get(story.consent, CONSENT_SHOWN[CONVENERS_ONLY])
        lines.append(f'- {plain(who)}, {plain(story.where)} ({allowed}): "{plain(story.text)}"')
    await context.reply("\n".join(lines))
