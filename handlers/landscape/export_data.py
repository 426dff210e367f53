"""The workspace's data as tables, one per dataset, for ``convene export`` and ``/convene export``.

What each holds, and what it leaves out on purpose:

* ``members``: name, platform id, silos (``kind:name``), time zone, convener or
  not, when Convene first knew them. No answers, no email.
* ``silos``: each silo, its kind, its members, and how many other silos it has
  been introduced to and has met (``handlers/shared/landscape.py``).
* ``introductions``: each member of each group, with what they answered at the
  follow-up. What they learned is not here: it is a story, below. ``origin``
  says how the introduction came: ``round`` (a programme's), or ``suggestion``
  and ``asked``, made outside the rounds (no programme, no round number).
* ``checkins``: each member's part in each run (status, asked and answered
  times) and their answers, one row per question. Answers are personal, but
  every convener can read them already: in the check-in's thread, with names,
  or in their digest of a conveners-only check-in. The answers of a check-in
  whose answers go into a summary that names nobody are never here: its rows
  say who took part, not what anyone said.
* ``commitments``: each commitment, its owner, who made it, its due date,
  status and whether it was done on time, and the retro it came from.
* ``retros``: each posted item of each retro with its votes and the
  commitments made from it; an anonymous retro's items carry no author.
* ``stories``: only learning stories their authors shared, and the author's
  name only where they allowed it (``load_stories`` with the ``shared``
  audience): a conveners-only story is never exported.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.landscape.tables import Cell, Table
from handlers.shared.landscape import load_landscape
from handlers.shared.stories import load_stories
from storage.repositories import reports as reports_repo

DATASETS = ("members", "silos", "introductions", "checkins", "commitments", "retros", "stories")


class BadExportChoice(ValueError):
    """A ``--what`` or ``--format`` Convene cannot export; the message says what to type instead."""


def read_what(values: Sequence[str]) -> list[str]:
    """The datasets asked for, in the standard order: ``--what`` repeated or comma-separated,
    ``all`` (or nothing) for every one."""

    asked: list[str] = []
    for value in values:
        asked.extend(part.strip().lower() for part in value.split(",") if part.strip())
    if not asked or "all" in asked:
        return list(DATASETS)
    unknown = [name for name in asked if name not in DATASETS]
    if unknown:
        wrong = ", ".join(repr(name) for name in dict.fromkeys(unknown))
        near = _nearest(unknown[0])
        hint = f" (did you mean {near}?)" if near else ""
        raise BadExportChoice(
            f"I can export {', '.join(DATASETS)} or all, not {wrong}{hint}. "
            "Name several with commas: --what members,silos"
        )
    return [name for name in DATASETS if name in asked]


def _nearest(typed: str) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(typed, DATASETS, n=1, cutoff=0.6)
    if found:
        return found[0]
    singular = [name for name in DATASETS if name.rstrip("s") == typed.rstrip("s")]
    return singular[0] if singular else None


async def dataset(session: AsyncSession, workspace_id: int, name: str) -> Table:
    """One dataset of the workspace as a table."""

    if name == "members":
        return await _members(session, workspace_id)
    if name == "silos":
        return await _silos(session, workspace_id)
    if name == "introductions":
        return await _introductions(session, workspace_id)
    if name == "checkins":
        return await _checkins(session, workspace_id)
    if name == "commitments":
        return await _commitments(session, workspace_id)
    if name == "retros":
        return await _retros(session, workspace_id)
    if name == "stories":
        return await _stories(session, workspace_id)
    raise BadExportChoice(f"no dataset called {name!r}")


async def _members(session: AsyncSession, workspace_id: int) -> Table:
    rows = await reports_repo.member_rows(session, workspace_id)
    return Table(
        "members",
        ("name", "platform_id", "silos", "timezone", "convener", "joined"),
        [
            (
                m.name,
                m.platform_id,
                [f"{kind}:{name}" for kind, name in m.silos],
                m.timezone,
                m.convener,
                m.joined,
            )
            for m in rows
        ],
    )


async def _silos(session: AsyncSession, workspace_id: int) -> Table:
    land = await load_landscape(session, workspace_id, with_rounds=False)
    met: dict[int, int] = {}
    introduced: dict[int, int] = {}
    for first, second in land.introduced_pairs:
        for silo in (first, second):
            introduced[silo] = introduced.get(silo, 0) + 1
    for first, second in land.met_pairs:
        for silo in (first, second):
            met[silo] = met.get(silo, 0) + 1
    ordered = sorted(land.silos, key=lambda s: (s.kind, s.name.casefold()))
    return Table(
        "silos",
        ("silo", "kind", "members", "silos_met", "silos_introduced"),
        [(s.name, s.kind, s.members, met.get(s.id, 0), introduced.get(s.id, 0)) for s in ordered],
    )


async def _introductions(session: AsyncSession, workspace_id: int) -> Table:
    rows = await reports_repo.introduction_rows(session, workspace_id)
    return Table(
        "introductions",
        (
            "date",
            "programme",
            "round",
            "group",
            "member",
            "platform_id",
            "outcome",
            "answered_at",
            "origin",
        ),
        [
            (
                r.slot_at,
                r.programme,
                None if r.programme is None else r.round_number,
                r.group_id,
                r.name,
                r.platform_id,
                r.outcome,
                r.answered_at,
                r.origin,
            )
            for r in rows
        ],
    )


async def _checkins(session: AsyncSession, workspace_id: int) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for p in await reports_repo.prompt_rows(session, workspace_id):
        start: tuple[Cell, ...] = (
            p.run_date,
            p.checkin,
            p.channel_name,
            p.name,
            p.platform_id,
            p.status,
            p.asked_at,
            p.answered_at,
        )
        answered = [(i, a) for i, a in enumerate(p.answers) if a and p.answers_to != "summary"]
        if not answered:
            rows.append((*start, None, None))
            continue
        for index, answer in answered:
            question = p.questions[index].get("text") if index < len(p.questions) else None
            rows.append((*start, None if question is None else str(question), answer))
    return Table(
        "checkins",
        (
            "date",
            "checkin",
            "channel",
            "member",
            "platform_id",
            "status",
            "asked_at",
            "answered_at",
            "question",
            "answer",
        ),
        rows,
    )


async def _commitments(session: AsyncSession, workspace_id: int) -> Table:
    rows = await reports_repo.commitment_rows(session, workspace_id)
    return Table(
        "commitments",
        (
            "number",
            "owner",
            "owner_platform_id",
            "made_by",
            "commitment",
            "due_on",
            "status",
            "private",
            "made_at",
            "done_at",
            "done_on_time",
            "retro",
        ),
        [
            (
                c.number,
                c.owner,
                c.owner_platform_id,
                c.made_by,
                c.text,
                c.due_on,
                c.status,
                c.private,
                c.created_at,
                c.done_at,
                c.done_on_time,
                c.retro,
            )
            for c in rows
        ],
    )


async def _retros(session: AsyncSession, workspace_id: int) -> Table:
    rows = await reports_repo.retro_item_rows(session, workspace_id)
    return Table(
        "retros",
        (
            "retro",
            "channel",
            "format",
            "anonymous",
            "opened_at",
            "closed_at",
            "status",
            "item",
            "category",
            "text",
            "author",
            "votes",
            "commitments",
        ),
        [
            (
                r.retro,
                r.channel_name,
                r.format,
                r.anonymous,
                r.opened_at,
                r.closed_at,
                r.status,
                r.number,
                r.category,
                r.text,
                None if r.anonymous else r.author,
                r.votes,
                [str(n) for n in r.commitments],
            )
            for r in rows
        ],
    )


async def _stories(session: AsyncSession, workspace_id: int) -> Table:
    stories = await load_stories(session, workspace_id, audience="shared")
    return Table(
        "stories",
        ("date", "programme", "round", "story", "author", "consent", "origin"),
        [
            (
                s.at,
                None if s.outside else s.programme,
                None if s.outside else s.round_number,
                s.text,
                s.author,
                s.consent,
                s.origin,
            )
            for s in stories
        ],
    )
