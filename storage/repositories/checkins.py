"""Check-ins, their runs, members' choices and prompts.

Fan-out paths (a run opening for thousands of members, a tick asking them)
write in bulk with Core statements; the rest reads and writes ORM rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Checkin,
    CheckinMember,
    CheckinPrompt,
    CheckinRun,
    Member,
    MemberSilo,
    Silo,
)
from storage.repositories import bulk
from storage.repositories.core import execute, table_of

ACTIVE = "active"
PAUSED = "paused"
OPEN = "open"
CLOSED = "closed"

PENDING = "pending"
ASKED = "asked"
ANSWERED = "answered"
SKIPPED = "skipped"
MISSED = "missed"
EXPIRED = "expired"

JOINED = "joined"
LEFT = "left"

THREAD = "thread"
CONVENERS = "conveners"
SUMMARY = "summary"
ANSWER_PLACES = (THREAD, CONVENERS, SUMMARY)
"""Where a check-in's answers go (``Checkin.answers_to``), least private first."""

prompts_table = table_of(CheckinPrompt)
_CHUNK = 500


# -- check-ins ------------------------------------------------------------------------


async def add(session: AsyncSession, checkin: Checkin) -> Checkin:
    session.add(checkin)
    await session.flush()
    return checkin


async def get(session: AsyncSession, checkin_id: int) -> Checkin | None:
    return await session.get(Checkin, checkin_id)


def stage(session: AsyncSession, *rows: Checkin | CheckinRun) -> None:
    """Have check-ins or runs changed in place written at the session's next flush or commit.

    Unlike ``add`` this does not flush now; the event's changes are written
    together when its session commits.
    """

    for row in rows:
        session.add(row)


async def by_name(session: AsyncSession, workspace_id: int, name: str) -> Checkin | None:
    found = await session.exec(
        select(Checkin).where(
            Checkin.workspace_id == workspace_id, Checkin.name_key == name.casefold()
        )
    )
    return found.first()


async def of_workspace(session: AsyncSession, workspace_id: int) -> Sequence[Checkin]:
    found = await session.exec(
        select(Checkin)
        .where(Checkin.workspace_id == workspace_id)
        .order_by(func.lower(Checkin.name))
    )
    return found.all()


async def delete_checkin(session: AsyncSession, checkin: Checkin) -> None:
    await session.delete(checkin)
    await session.flush()


# -- members' choices -----------------------------------------------------------------


async def choice(session: AsyncSession, checkin_id: int, member_id: int) -> CheckinMember | None:
    return await session.get(CheckinMember, (checkin_id, member_id))


async def save_choice(session: AsyncSession, row: CheckinMember) -> None:
    session.add(row)
    await session.flush()


# -- runs -----------------------------------------------------------------------------


async def run(session: AsyncSession, run_id: int) -> CheckinRun | None:
    return await session.get(CheckinRun, run_id)


async def run_on(session: AsyncSession, checkin_id: int, run_date: str) -> CheckinRun | None:
    found = await session.exec(
        select(CheckinRun).where(
            CheckinRun.checkin_id == checkin_id, CheckinRun.run_date == run_date
        )
    )
    return found.first()


async def add_run(session: AsyncSession, row: CheckinRun) -> CheckinRun:
    session.add(row)
    await session.flush()
    return row


async def runs(session: AsyncSession, checkin_id: int, limit: int) -> list[CheckinRun]:
    """The newest ``limit`` runs, oldest first."""

    found = await session.exec(
        select(CheckinRun)
        .where(CheckinRun.checkin_id == checkin_id)
        .order_by(col(CheckinRun.run_date).desc())
        .limit(limit)
    )
    return list(reversed(found.all()))


async def run_ids(session: AsyncSession, checkin_id: int) -> list[int]:
    found = await session.exec(select(CheckinRun.id).where(CheckinRun.checkin_id == checkin_id))
    return [i for i in found.all() if i is not None]


# -- prompts --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPrompt:
    member_id: int
    due_at: datetime
    remind_at: datetime | None
    close_at: datetime


_PLANNED_COLUMNS = (
    "run_id",
    "member_id",
    "status",
    "due_at",
    "remind_at",
    "close_at",
    "answers",
    "edits",
    "quote_ok",
)


async def add_prompts(session: AsyncSession, run_id: int, items: Sequence[NewPrompt]) -> None:
    """Plan members' prompts in bulk; a member already planned for the run is left alone.

    Members of one time zone share their three moments, so each moment is
    converted for the driver once (``bulk.Stamps``), not once a member.
    """

    stamp = bulk.Stamps(session.get_bind().dialect, prompts_table.c.due_at.type)
    await bulk.insert_ignoring(
        session,
        prompts_table,
        _PLANNED_COLUMNS,
        (
            (
                run_id,
                p.member_id,
                PENDING,
                stamp(p.due_at),
                stamp(p.remind_at),
                stamp(p.close_at),
                "[]",
                0,
                False,
            )
            for p in items
        ),
        ("run_id", "member_id"),
    )


@dataclass(frozen=True, slots=True)
class PromptWork:
    """A prompt that needs something now, with what it takes to do it."""

    member_id: int
    platform_user_id: str
    timezone: str | None
    close_at: datetime


def _due(run_id: int, now: datetime) -> Any:
    p = prompts_table
    return (p.c.run_id == run_id, p.c.status == PENDING, p.c.due_at <= now)


async def expire_due(session: AsyncSession, run_id: int, now: datetime) -> None:
    """Prompts whose ask time came only after their member's day was over are never sent."""

    p = prompts_table
    await execute(
        session,
        update(p).where(*_due(run_id, now), p.c.close_at <= now).values(status=EXPIRED),
    )


async def skip_due(
    session: AsyncSession, run_id: int, now: datetime, member_ids: Sequence[int]
) -> list[int]:
    """Mark these members' due prompts skipped; returns whose were."""

    p = prompts_table
    skipped: list[int] = []
    for start in range(0, len(member_ids), _CHUNK):
        found = await execute(
            session,
            update(p)
            .where(*_due(run_id, now), p.c.member_id.in_(member_ids[start : start + _CHUNK]))
            .values(status=SKIPPED)
            .returning(p.c.member_id),
        )
        skipped.extend(int(row[0]) for row in found.all())
    return skipped


async def ask_due(session: AsyncSession, run_id: int, now: datetime) -> list[PromptWork]:
    """Mark every due prompt asked (one UPDATE), and return them with what their DM needs."""

    p = prompts_table
    found = await execute(
        session,
        update(p)
        .where(*_due(run_id, now))
        .values(status=ASKED, asked_at=now)
        .returning(p.c.member_id),
    )
    asked = {int(row[0]) for row in found.all()}
    if not asked:
        return []
    return await _prompts_where(session, run_id, asked, p.c.status == ASKED, p.c.asked_at == now)


async def remind_due(session: AsyncSession, run_id: int, now: datetime) -> list[PromptWork]:
    """Mark reminded the prompts asked, unanswered, past their reminder time, not yet
    reminded and still open (one UPDATE); returns them with what their DM needs."""

    p = prompts_table
    found = await execute(
        session,
        update(p)
        .where(
            p.c.run_id == run_id,
            p.c.status == ASKED,
            p.c.remind_at <= now,
            p.c.reminded_at.is_(None),
            p.c.close_at > now,
        )
        .values(reminded_at=now)
        .returning(p.c.member_id),
    )
    reminded = {int(row[0]) for row in found.all()}
    if not reminded:
        return []
    return await _prompts_where(session, run_id, reminded, p.c.reminded_at == now)


async def miss_past_close(session: AsyncSession, run_id: int, now: datetime) -> None:
    """Prompts asked and not answered whose member's day (or close time) is over are missed."""

    p = prompts_table
    await execute(
        session,
        update(p)
        .where(p.c.run_id == run_id, p.c.status == ASKED, p.c.close_at <= now)
        .values(status=MISSED),
    )


async def _prompts_where(
    session: AsyncSession, run_id: int, member_ids: set[int], *conditions: Any
) -> list[PromptWork]:
    """The run's prompts meeting ``conditions`` whose member is one of ``member_ids``.

    ``member_ids`` are those an UPDATE just changed; ``conditions`` (what it
    wrote) narrow the read to them and perhaps a few more, which are dropped.
    """

    p = prompts_table
    members = table_of(Member)
    stamps = bulk.Stamps(session.get_bind().dialect, p.c.close_at.type)
    found = await execute(
        session,
        select_columns(
            p.c.member_id,
            members.c.platform_user_id,
            members.c.timezone,
            bulk.raw(p.c.close_at),
        )
        .join_from(p, members, members.c.id == p.c.member_id)
        .where(p.c.run_id == run_id, *conditions)
        .order_by(p.c.due_at, p.c.member_id),
    )
    read = stamps.read_set
    rows: Sequence[Any] = found.all()
    return [
        PromptWork(row[0], row[1], row[2], read(row[3])) for row in rows if row[0] in member_ids
    ]


async def skipping(session: AsyncSession, checkin_id: int, run_date: str) -> dict[int, str]:
    """Members not asked in the run of ``run_date``, and why: "until" (away until a date
    on or after it) or "next" (skipping the next run only)."""

    c = table_of(CheckinMember)
    found = await execute(
        session,
        select_columns(c.c.member_id, c.c.skip_until, c.c.skip_next).where(
            c.c.checkin_id == checkin_id,
            (c.c.skip_until >= run_date) | c.c.skip_next.is_(True),
        ),
    )
    rows: Sequence[Any] = found.all()
    return {
        int(member_id): "until" if until is not None and until >= run_date else "next"
        for member_id, until, _ in rows
    }


async def clear_skip_next(
    session: AsyncSession, checkin_id: int, member_ids: Sequence[int]
) -> None:
    """These members skipped the run they asked to skip: their next one is asked again."""

    c = table_of(CheckinMember)
    for start in range(0, len(member_ids), _CHUNK):
        await execute(
            session,
            update(c)
            .where(
                c.c.checkin_id == checkin_id, c.c.member_id.in_(member_ids[start : start + _CHUNK])
            )
            .values(skip_next=False),
        )


@dataclass(frozen=True, slots=True)
class Answering:
    """What answering a run needs, read in one statement (an answer's hot path).

    ``prompt`` is None when the member was not asked; otherwise it is taken
    out of the session, so that a change the handler makes to it is written
    once, by ``record_prompt`` (one prebuilt UPDATE), and not again by the
    session's flush at commit. ``silos`` names the member's silos, for the
    answer's label in the thread.
    """

    run: CheckinRun
    checkin: Checkin
    prompt: CheckinPrompt | None
    silos: list[str]


_ANSWERING = (
    select(CheckinRun, Checkin, CheckinPrompt, Silo.name)
    .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
    .outerjoin(
        CheckinPrompt,
        (col(CheckinPrompt.run_id) == col(CheckinRun.id))
        & (col(CheckinPrompt.member_id) == bindparam("member_id")),
    )
    .outerjoin(MemberSilo, col(MemberSilo.member_id) == col(CheckinPrompt.member_id))
    .outerjoin(Silo, col(Silo.id) == col(MemberSilo.silo_id))
    .where(CheckinRun.id == bindparam("run_id"))
    .order_by(func.lower(Silo.name))
)
"""Built once (building a statement per call cost more than running it); the ORM's loader
makes the three rows for less than constructing them from Core rows did."""


async def answering(session: AsyncSession, run_id: int, member_id: int) -> Answering | None:
    """A run, its check-in, one member's prompt in it and that member's silo names.

    None when the run does not exist (its check-in was deleted). One row per
    silo of the member (at least one), so everything comes in one round trip.
    """

    found = await session.exec(_ANSWERING, params={"run_id": run_id, "member_id": member_id})
    rows = found.all()
    if not rows:
        return None
    run, checkin, prompt, _ = rows[0]
    if prompt is not None:
        session.expunge(prompt)
    return Answering(run, checkin, prompt, [silo for *_, silo in rows if silo is not None])


_RECORD_PROMPT = update(prompts_table).where(
    prompts_table.c.run_id == bindparam("key_run_id"),
    prompts_table.c.member_id == bindparam("key_member_id"),
)


async def record_prompt(session: AsyncSession, row: CheckinPrompt) -> None:
    """Write what a member did to their prompt (answered, skipped, edited, quotable) in one
    UPDATE; for a prompt read with ``answering``, which the session does not hold."""

    await execute(
        session,
        _RECORD_PROMPT,
        {
            "key_run_id": row.run_id,
            "key_member_id": row.member_id,
            "status": row.status,
            "answers": list(row.answers),
            "answered_at": row.answered_at,
            "edits": row.edits,
            "quote_ok": row.quote_ok,
        },
    )


async def prompt(session: AsyncSession, run_id: int, member_id: int) -> CheckinPrompt | None:
    return await session.get(CheckinPrompt, (run_id, member_id))


async def save_prompt(session: AsyncSession, row: CheckinPrompt) -> None:
    session.add(row)
    await session.flush()


async def drop_unanswered(session: AsyncSession, checkin_id: int, member_id: int) -> None:
    """A member who left is not asked, nor reminded, in runs still open.

    Prompts not yet sent are dropped; those sent but unanswered count as
    skipped (leaving is not silence, so it breaks no streak).
    """

    runs_table = table_of(CheckinRun)
    ids = (
        select_columns(runs_table.c.id)
        .where(runs_table.c.checkin_id == checkin_id, runs_table.c.status == OPEN)
        .scalar_subquery()
    )
    p = prompts_table
    await execute(
        session,
        delete(p).where(p.c.member_id == member_id, p.c.status == PENDING, p.c.run_id.in_(ids)),
    )
    await execute(
        session,
        update(p)
        .where(p.c.member_id == member_id, p.c.status == ASKED, p.c.run_id.in_(ids))
        .values(status=SKIPPED, answers=[]),
    )


@dataclass(frozen=True, slots=True)
class MemberPrompt:
    prompt: CheckinPrompt
    run: CheckinRun
    checkin: Checkin


async def prompts_of_member(
    session: AsyncSession, member_id: int, statuses: Sequence[str]
) -> list[MemberPrompt]:
    """A member's prompts in these states, newest ask first."""

    found = await session.exec(
        select(CheckinPrompt, CheckinRun, Checkin)
        .join(CheckinRun, col(CheckinRun.id) == col(CheckinPrompt.run_id))
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .where(CheckinPrompt.member_id == member_id, col(CheckinPrompt.status).in_(statuses))
        .order_by(col(CheckinPrompt.asked_at).desc(), col(CheckinPrompt.run_id).desc())
    )
    return [MemberPrompt(p, r, c) for p, r, c in found.all()]


async def prompts_of_runs(
    session: AsyncSession, run_ids_: Sequence[int]
) -> list[tuple[CheckinPrompt, Member]]:
    if not run_ids_:
        return []
    found = await session.exec(
        select(CheckinPrompt, Member)
        .join(Member, col(Member.id) == col(CheckinPrompt.member_id))
        .where(col(CheckinPrompt.run_id).in_(run_ids_))
    )
    return list(found.all())


async def has_answers(session: AsyncSession, checkin_id: int) -> bool:
    """Whether any run of the check-in holds an answer (then its answers may only get more
    private)."""

    runs_table = table_of(CheckinRun)
    p = prompts_table
    found = await execute(
        session,
        select_columns(p.c.member_id)
        .join_from(p, runs_table, runs_table.c.id == p.c.run_id)
        .where(runs_table.c.checkin_id == checkin_id, p.c.status == ANSWERED)
        .limit(1),
    )
    return found.first() is not None


async def count_runs(session: AsyncSession, checkin_id: int) -> int:
    found = await session.exec(
        select(func.count()).select_from(CheckinRun).where(CheckinRun.checkin_id == checkin_id)
    )
    return int(found.one())


async def latest_close(session: AsyncSession, run_id: int) -> datetime | None:
    p = prompts_table
    found = await execute(
        session, select_columns(func.max(p.c.close_at)).where(p.c.run_id == run_id)
    )
    value: datetime | None = found.scalar()
    return value


async def status_counts(session: AsyncSession, run_id: int) -> dict[str, int]:
    p = prompts_table
    found = await execute(
        session,
        select_columns(p.c.status, func.count().label("n"))
        .where(p.c.run_id == run_id)
        .group_by(p.c.status),
    )
    return {str(row["status"]): int(row["n"]) for row in found.mappings().all()}
