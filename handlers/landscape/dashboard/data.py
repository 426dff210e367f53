"""What each dashboard page shows, as JSON-ready dicts read in one session.

Every figure comes from the readings the chat commands use, so the
dashboard never disagrees with them: the landscape from ``load_landscape``,
stories only through ``load_stories(audience="shared")`` (never a story kept
for conveners, never the name of a member who shared without it), and
counts grouped in ``storage.repositories.dashboard``. Names are user text:
they go out as JSON strings and the page sets them as text, never as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.landscape.dashboard.layout import positions
from handlers.shared.landscape import MET, Landscape, load_landscape
from handlers.shared.origins import made
from handlers.shared.stories import load_stories
from handlers.shared.zones import zone_named
from storage.repositories import commitments as commitments_repo
from storage.repositories import dashboard as dashboard_repo
from storage.repositories import reports as reports_repo

Json = dict[str, Any]

MOST_RUNS = 100
"""Check-in runs shown, newest first (a daily check-in makes 260 a year)."""
MOST_STORIES = 200


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


async def landscape_graph(session: AsyncSession, workspace_id: int) -> Json:
    """The silos with their places, members and bridges: the graph the page draws."""

    view = await load_landscape(session, workspace_id)
    names = await dashboard_repo.silo_member_names(session, workspace_id)
    pulls = [
        (a, b, 1.0 + min(bridge.meetings, 4) * 0.25 if bridge.meetings else 0.4)
        for (a, b), bridge in view.bridges.items()
    ]
    places = positions([s.id for s in view.silos], pulls)
    by_id = view.by_id
    return {
        "nodes": [
            {
                "id": silo.id,
                "name": silo.name,
                "kind": silo.kind,
                "members": silo.members,
                "member_names": names.get(silo.id, []),
                "x": places[silo.id][0],
                "y": places[silo.id][1],
            }
            for silo in view.silos
        ],
        "edges": [
            {
                "a": a,
                "b": b,
                "state": bridge.state,
                "introductions": bridge.introductions,
                "meetings": bridge.meetings,
                "rounds": len(bridge.rounds),
                "first_introduced": _iso(bridge.first_introduced),
                "first_met": _iso(bridge.first_met),
            }
            for (a, b), bridge in sorted(view.bridges.items())
        ],
        "kinds": sorted({s.kind for s in view.silos}),
        "possible": len(view.possible),
        "met": len(view.met_pairs),
        "introduced": len(view.introduced_pairs),
        "met_share": round(view.met_share, 4),
        "introduced_share": round(view.introduced_share, 4),
        "unmet": [s.name for s in view.unmet_silos()],
        "next": [[by_id[a].name, by_id[b].name] for a, b in view.next_to_bridge(3)],
    }


async def coverage(session: AsyncSession, workspace_id: int) -> Json:
    """Round by round: groups sent and met, and the share of silo pairs introduced and
    met so far (whether a group met is as known today, late answers included). An
    introduction made outside the rounds is a row of its own, said how it came."""

    view = await load_landscape(session, workspace_id)
    rounds = await reports_repo.pairing_rounds(session, workspace_id, since=None, until=None)
    return {"possible": len(view.possible), "rounds": _rounds_covered(view, rounds)}


def _where(programme: str | None, number: int, origin: str) -> str:
    """ "#general round 2", or how an introduction outside the rounds came: "suggested by
    a convener" (the page shows it as text)."""

    if programme is None:
        return made(origin)
    return f"#{programme} round {number}"


def _rounds_covered(view: Landscape, rounds: list[reports_repo.RoundFigures]) -> list[Json]:
    counted = [b for pair, b in view.bridges.items() if pair in view.possible]
    introduced = sorted(b.first_introduced for b in counted if b.first_introduced is not None)
    met = sorted(b.first_met for b in counted if b.state == MET and b.first_met is not None)
    whole = len(view.possible)
    found = []
    for row in rounds:
        so_far_introduced = bisect_right(introduced, row.slot_at)
        so_far_met = bisect_right(met, row.slot_at)
        found.append(
            {
                "programme": row.programme,
                "number": row.number,
                "origin": row.origin,
                "where": _where(row.programme, row.number, row.origin),
                "date": row.slot_at.astimezone(UTC).date().isoformat(),
                "groups": row.groups,
                "groups_met": row.met,
                "introduced_pairs": so_far_introduced,
                "met_pairs": so_far_met,
                "introduced_share": _share(so_far_introduced, whole),
                "met_share": _share(so_far_met, whole),
            }
        )
    return found


async def checkins(session: AsyncSession, workspace_id: int) -> Json:
    runs = await dashboard_repo.checkin_runs(session, workspace_id, MOST_RUNS)
    return {
        "most": MOST_RUNS,
        "runs": [
            {
                "checkin": run.checkin,
                "channel": run.channel,
                "date": run.run_date,
                "open": run.status == "open",
                "asked": run.asked,
                "answered": run.answered,
                "skipped": run.skipped,
                "rate": _share(run.answered, run.asked),
            }
            for run in runs
        ],
    }


async def commitments(session: AsyncSession, workspace_id: int, now: datetime) -> Json:
    """Made, done, done on time, open and overdue (due before today where the owner is)."""

    counts = await dashboard_repo.commitment_counts(session, workspace_id)
    status = counts.by_status
    # Nothing due on or after the latest date anywhere on Earth (UTC+14) is late yet.
    latest = (now.astimezone(UTC) + timedelta(hours=14)).date().isoformat()
    candidates = await commitments_repo.active_due_between(session, workspace_id, None, latest)
    overdue = sum(
        1
        for row in candidates
        if row.due_on is not None
        and row.due_on < now.astimezone(zone_named(row.owner_timezone or "UTC")).date().isoformat()
    )
    made = sum(
        n
        for s, n in status.items()
        if s not in (commitments_repo.PROPOSED, commitments_repo.DECLINED)
    )
    done = status.get(commitments_repo.DONE, 0)
    return {
        "made": made,
        "done": done,
        "on_time": counts.done_on_time,
        "open": sum(status.get(s, 0) for s in commitments_repo.ACTIVE),
        "blocked": status.get(commitments_repo.BLOCKED, 0),
        "overdue": overdue,
        "dropped": status.get(commitments_repo.DROPPED, 0),
        "on_time_share": _share(counts.done_on_time, done),
    }


async def stories(session: AsyncSession, workspace_id: int) -> Json:
    """The learning stories their authors shared, newest first; no name where they
    shared without it."""

    shared = await load_stories(session, workspace_id, audience="shared")
    newest = sorted(shared, key=lambda s: s.at, reverse=True)[:MOST_STORIES]
    return {
        "most": MOST_STORIES,
        "stories": [
            {
                "text": story.text,
                "author": story.author,
                "round": story.round_number,
                "programme": story.programme,
                "origin": story.origin,
                "where": _where(
                    None if story.outside else story.programme, story.round_number, story.origin
                ),
                "date": story.at.astimezone(UTC).date().isoformat(),
            }
            for story in newest
        ],
    }
