"""Check-ins, their runs, members' choices and prompts.

Fan-out paths (a run opening for thousands of members, a tick asking them)
write in bulk with Core statements; the rest reads and writes ORM rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Checkin, CheckinMember, CheckinPrompt, CheckinRun, Member
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of

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


async def choices(session: AsyncSession, checkin_id: int) -> dict[int, CheckinMember]:
    found = await session.exec(select(CheckinMember).where(CheckinMember.checkin_id == checkin_id))
    return {row.member_id: row for row in found.all()}


async def save_choice(session: AsyncSession, row: CheckinMember) -> None:
    session.add(row)
    await session.flush()


async def joined_members(session: AsyncSession, checkin_id: int) -> Sequence[Member]:
    found = await session.exec(
        select(Member)
        .join(CheckinMember, col(CheckinMember.member_id) == col(Member.id))
        .where(CheckinMember.checkin_id == checkin_id, CheckinMember.choice == JOINED)
    )
    return found.all()


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


async def add_prompts(session: AsyncSession, run_id: int, items: Sequence[NewPrompt]) -> None:
    """Plan members' prompts in bulk; a member already planned for the run is left alone."""

    statement = insert_ignoring_conflicts(
        session.get_bind().dialect, prompts_table, ("run_id", "member_id")
    )
    for start in range(0, len(items), _CHUNK):
        await execute(
            session,
            statement,
            [
                {
                    "run_id": run_id,
                    "member_id": p.member_id,
                    "status": PENDING,
                    "due_at": p.due_at,
                    "remind_at": p.remind_at,
                    "close_at": p.close_at,
                    "answers": [],
                    "edits": 0,
                }
                for p in items[start : start + _CHUNK]
            ],
        )


@dataclass(frozen=True, slots=True)
class PromptWork:
    """A prompt that needs something now, with what it takes to do it."""

    member_id: int
    platform_user_id: str
    timezone: str | None
    close_at: datetime


async def prompts_due(session: AsyncSession, run_id: int, now: datetime) -> list[PromptWork]:
    """Prompts not yet sent whose ask time has come."""

    p = prompts_table
    return await _prompts_where(session, run_id, p.c.status == PENDING, p.c.due_at <= now)


async def prompts_to_remind(session: AsyncSession, run_id: int, now: datetime) -> list[PromptWork]:
    """Prompts asked, not answered, past their reminder time, not yet reminded, still open."""

    p = prompts_table
    return await _prompts_where(
        session,
        run_id,
        p.c.status == ASKED,
        p.c.remind_at <= now,
        p.c.reminded_at.is_(None),
        p.c.close_at > now,
    )


async def prompts_past_close(session: AsyncSession, run_id: int, now: datetime) -> list[PromptWork]:
    """Prompts asked and not answered whose member's day (or close time) is over."""

    p = prompts_table
    return await _prompts_where(session, run_id, p.c.status == ASKED, p.c.close_at <= now)


async def _prompts_where(session: AsyncSession, run_id: int, *conditions: Any) -> list[PromptWork]:
    p = prompts_table
    members = table_of(Member)
    found = await execute(
        session,
        select_columns(
            p.c.member_id,
            members.c.platform_user_id,
            members.c.timezone,
            p.c.close_at,
        )
        .join_from(p, members, members.c.id == p.c.member_id)
        .where(p.c.run_id == run_id, *conditions)
        .order_by(p.c.due_at, p.c.member_id),
    )
    return [
        PromptWork(
            member_id=row["member_id"],
            platform_user_id=row["platform_user_id"],
            timezone=row["timezone"],
            close_at=row["close_at"],
        )
        for row in found.mappings().all()
    ]


async def set_status(
    session: AsyncSession,
    run_id: int,
    member_ids: Sequence[int],
    status: str,
    **values: Any,
) -> None:
    p = prompts_table
    for start in range(0, len(member_ids), _CHUNK):
        await execute(
            session,
            update(p)
            .where(p.c.run_id == run_id, p.c.member_id.in_(member_ids[start : start + _CHUNK]))
            .values(status=status, **values),
        )


async def mark_reminded(
    session: AsyncSession, run_id: int, member_ids: Sequence[int], now: datetime
) -> None:
    p = prompts_table
    for start in range(0, len(member_ids), _CHUNK):
        await execute(
            session,
            update(p)
            .where(p.c.run_id == run_id, p.c.member_id.in_(member_ids[start : start + _CHUNK]))
            .values(reminded_at=now),
        )


async def run_with_prompt(
    session: AsyncSession, run_id: int, member_id: int
) -> tuple[CheckinRun, Checkin, CheckinPrompt | None] | None:
    """A run, its check-in and one member's prompt in it, in one read (an answer's hot path)."""

    found = await session.exec(
        select(CheckinRun, Checkin, CheckinPrompt)
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .outerjoin(
            CheckinPrompt,
            (col(CheckinPrompt.run_id) == col(CheckinRun.id))
            & (col(CheckinPrompt.member_id) == member_id),
        )
        .where(CheckinRun.id == run_id)
    )
    row = found.first()
    return None if row is None else (row[0], row[1], row[2])


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
