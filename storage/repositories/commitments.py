"""Commitments: adding, finding a member's, the reminders due, and the convener's view.

The reminder sweep and the convener's report run over every open commitment
of a workspace, so they read columns with Core statements rather than rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, true
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Commitment, Member, MemberSilo, Workspace
from storage.repositories import bulk
from storage.repositories.core import execute, table_of

PROPOSED = "proposed"
OPEN = "open"
BLOCKED = "blocked"
DONE = "done"
DROPPED = "dropped"
DECLINED = "declined"

ACTIVE = (OPEN, BLOCKED)
"""Statuses that count as open: the owner still owes it."""
UNFINISHED = (PROPOSED, OPEN, BLOCKED)

commitments = table_of(Commitment)
members = table_of(Member)
workspaces = table_of(Workspace)


def _rows(result: Any) -> list[Any]:
    """A Core result's rows as plain tuples (typed loosely: their shape is the query's)."""

    return [tuple(row) for row in result.all()]


async def add(session: AsyncSession, commitment: Commitment) -> Commitment:
    """Add a commitment with the workspace's next number.

    The number is one more than the workspace's highest. Two commitments made at once
    in one workspace would count the same highest: PostgreSQL takes the workspace's
    row lock first (SQLite writes one transaction at a time), so the second counts
    after the first.
    """

    if session.get_bind().dialect.name == "postgresql":
        await execute(
            session,
            select_columns(workspaces.c.id)
            .where(workspaces.c.id == commitment.workspace_id)
            .with_for_update(),
        )
    highest = await execute(
        session,
        select_columns(func.coalesce(func.max(commitments.c.number), 0)).where(
            commitments.c.workspace_id == commitment.workspace_id
        ),
    )
    commitment.number = int(highest.scalar_one()) + 1
    session.add(commitment)
    await session.flush()
    return commitment


async def numbered(session: AsyncSession, workspace_id: int, number: int) -> Commitment | None:
    """The workspace's commitment with the number members see and type."""

    found = await session.exec(
        select(Commitment).where(
            Commitment.workspace_id == workspace_id, Commitment.number == number
        )
    )
    return found.first()


async def get(session: AsyncSession, commitment_id: int) -> Commitment | None:
    return await session.get(Commitment, commitment_id)


async def save(session: AsyncSession, commitment: Commitment) -> None:
    session.add(commitment)
    await session.flush()


async def count_active(session: AsyncSession, owner_id: int) -> int:
    found = await execute(
        session,
        select_columns(func.count()).where(
            commitments.c.owner_id == owner_id, commitments.c.status.in_(ACTIVE)
        ),
    )
    return int(found.scalar_one())


async def of_owner(
    session: AsyncSession, owner_id: int, statuses: Sequence[str] = UNFINISHED
) -> Sequence[Commitment]:
    found = await session.exec(
        select(Commitment)
        .where(Commitment.owner_id == owner_id, col(Commitment.status).in_(list(statuses)))
        .order_by(col(Commitment.due_on).is_(None), col(Commitment.due_on), col(Commitment.id))
    )
    return found.all()


async def asked_by(session: AsyncSession, member_id: int) -> Sequence[Commitment]:
    """Commitments a member proposed to others that are still waiting for an answer."""

    found = await session.exec(
        select(Commitment)
        .where(
            Commitment.made_by == member_id,
            Commitment.owner_id != member_id,
            Commitment.status == PROPOSED,
        )
        .order_by(col(Commitment.id))
    )
    return found.all()


async def of_retro(
    session: AsyncSession, retro_id: int, statuses: Sequence[str] | None = None
) -> Sequence[Commitment]:
    query = select(Commitment).where(Commitment.retro_id == retro_id)
    if statuses is not None:
        query = query.where(col(Commitment.status).in_(list(statuses)))
    found = await session.exec(query.order_by(col(Commitment.id)))
    return found.all()


async def remindable_of_owner(session: AsyncSession, owner_id: int) -> Sequence[Commitment]:
    """An owner's commitments that have a reminder planned (to re-plan after a move)."""

    found = await session.exec(
        select(Commitment).where(
            Commitment.owner_id == owner_id,
            col(Commitment.status).in_(list(ACTIVE)),
            col(Commitment.due_on).is_not(None),
        )
    )
    return found.all()


# -- reminders ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueReminder:
    commitment_id: int
    """The row id: for the reminder's buttons and key, never shown."""
    number: int
    """The number the owner sees and types."""
    owner_platform_id: str
    owner_timezone: str | None
    text: str
    due_on: str
    status: str
    note: str | None
    remind_at: datetime


async def reminders_due(
    session: AsyncSession,
    workspace_id: int,
    now: datetime,
    limit: int = 5000,
    *,
    after: DueReminder | None = None,
) -> list[DueReminder]:
    """Active commitments whose next reminder has come, with what the DM needs, oldest
    reminder first; ``after`` a reminder read before, those that come after it in that order
    (a sweep reads the next chunk before writing the last one).

    Each ``remind_at`` is converted once per distinct value (a morning's reminders
    share a handful of moments): the sweep reads tens of thousands at once.
    """

    stamps = bulk.Stamps(session.get_bind().dialect, commitments.c.remind_at.type)
    later = (
        true()
        if after is None
        else or_(
            commitments.c.remind_at > after.remind_at,
            and_(
                commitments.c.remind_at == after.remind_at,
                commitments.c.id > after.commitment_id,
            ),
        )
    )
    found = await execute(
        session,
        select_columns(
            commitments.c.id,
            commitments.c.number,
            members.c.platform_user_id,
            members.c.timezone,
            commitments.c.text,
            commitments.c.due_on,
            commitments.c.status,
            commitments.c.note,
            bulk.raw(commitments.c.remind_at),
        )
        .join(members, members.c.id == commitments.c.owner_id)
        .where(
            commitments.c.remind_at <= now,
            commitments.c.workspace_id == workspace_id,
            commitments.c.status.in_(ACTIVE),
            later,
        )
        .order_by(commitments.c.remind_at, commitments.c.id)
        .limit(limit),
    )
    read = stamps.read_set
    rows: Sequence[Any] = found.all()
    return [
        DueReminder(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], read(row[8]))
        for row in rows
    ]


async def set_next_reminders(
    session: AsyncSession, updates: Sequence[tuple[int, datetime | None]]
) -> None:
    """Move each commitment's next reminder on, with one executemany for all of them."""

    stamp = bulk.Stamps(session.get_bind().dialect, commitments.c.remind_at.type)
    await bulk.update_each(
        session,
        commitments,
        ("remind_at",),
        ("id",),
        ((stamp(at), row_id) for row_id, at in updates),
    )


# -- the convener's view -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One commitment as the convener's report shows it."""

    commitment_id: int
    number: int
    """The number members see (``commitment_id`` is the row's, never shown)."""
    owner_id: int
    owner_name: str
    owner_timezone: str | None
    text: str
    due_on: str | None
    status: str
    done_on_time: bool | None


def _filtered(query: Any, workspace_id: int, silo_id: int | None, channel_id: str | None) -> Any:
    query = query.where(commitments.c.workspace_id == workspace_id)
    if silo_id is not None:
        member_silos = table_of(MemberSilo)
        query = query.where(
            commitments.c.owner_id.in_(
                select_columns(member_silos.c.member_id).where(member_silos.c.silo_id == silo_id)
            )
        )
    if channel_id is not None:
        query = query.where(commitments.c.channel_id == channel_id)
    return query


async def status_counts_by_owner(
    session: AsyncSession,
    workspace_id: int,
    *,
    silo_id: int | None = None,
    channel_id: str | None = None,
) -> dict[tuple[int, str, bool | None], int]:
    """How many commitments each owner has per status (and, for done ones, on time or not)."""

    query = _filtered(
        select_columns(
            commitments.c.owner_id,
            commitments.c.status,
            commitments.c.done_on_time,
            func.count(),
        ).group_by(commitments.c.owner_id, commitments.c.status, commitments.c.done_on_time),
        workspace_id,
        silo_id,
        channel_id,
    )
    found = await execute(session, query)
    return {
        (int(owner), str(status), on_time): int(n) for owner, status, on_time, n in _rows(found)
    }


async def count_active_due_before(
    session: AsyncSession,
    workspace_id: int,
    day: str,
    *,
    silo_id: int | None = None,
    channel_id: str | None = None,
) -> int:
    query = _filtered(
        select_columns(func.count())
        .select_from(commitments)
        .where(commitments.c.status.in_(ACTIVE), commitments.c.due_on < day),
        workspace_id,
        silo_id,
        channel_id,
    )
    found = await execute(session, query)
    return int(found.scalar_one())


async def active_due_between(
    session: AsyncSession,
    workspace_id: int,
    since: str | None,
    day: str,
    *,
    limit: int | None = None,
    silo_id: int | None = None,
    channel_id: str | None = None,
) -> list[Row]:
    """Active commitments due in [since, day) (ISO dates), oldest due first, with owners."""

    query = (
        select_columns(
            commitments.c.id,
            commitments.c.number,
            commitments.c.owner_id,
            members.c.display_name,
            members.c.timezone,
            commitments.c.text,
            commitments.c.due_on,
            commitments.c.status,
            commitments.c.done_on_time,
        )
        .join(members, members.c.id == commitments.c.owner_id)
        .where(commitments.c.status.in_(ACTIVE), commitments.c.due_on < day)
        .order_by(commitments.c.due_on, commitments.c.id)
    )
    if since is not None:
        query = query.where(commitments.c.due_on >= since)
    if limit is not None:
        query = query.limit(limit)
    found = await execute(session, _filtered(query, workspace_id, silo_id, channel_id))
    return [Row(*row) for row in _rows(found)]


async def owner_names(session: AsyncSession, owner_ids: Sequence[int]) -> dict[int, str]:
    if not owner_ids:
        return {}
    found = await execute(
        session,
        select_columns(members.c.id, members.c.display_name).where(
            members.c.id.in_(list(owner_ids))
        ),
    )
    return {int(i): str(name) for i, name in _rows(found)}
