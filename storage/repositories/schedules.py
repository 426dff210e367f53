"""Schedules and the once-only claim of each of their slots."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Schedule, ScheduleRun, Workspace
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of


async def create(
    session: AsyncSession,
    *,
    workspace_id: int,
    job: str,
    cron: str,
    timezone: str,
    now: datetime,
    subject_id: int | None = None,
    grace_minutes: int | None = None,
) -> Schedule:
    schedule = Schedule(
        workspace_id=workspace_id,
        job=job,
        subject_id=subject_id,
        grace_minutes=grace_minutes,
        cron=cron,
        timezone=timezone,
        created_at=now,
    )
    session.add(schedule)
    await session.flush()
    return schedule


def stage(session: AsyncSession, *schedules: Schedule) -> None:
    """Have schedules changed in place (a subject set) written at the next flush or commit."""

    for schedule in schedules:
        session.add(schedule)


async def active(
    session: AsyncSession, platforms: Collection[str] | None = None
) -> Sequence[Schedule]:
    """Active schedules, only of workspaces on ``platforms`` when given.

    An instance that does not run a platform must leave that platform's slots
    to the instance that does, rather than claim them and do nothing. A workspace
    that uninstalled Convene has none until it installs it again.
    """

    query = (
        select(Schedule)
        .join(Workspace, col(Workspace.id) == col(Schedule.workspace_id))
        .where(col(Schedule.active).is_(True), col(Workspace.uninstalled_at).is_(None))
    )
    if platforms is not None:
        query = query.where(col(Workspace.platform).in_(list(platforms)))
    found = await session.exec(query.order_by(col(Schedule.id)))
    return found.all()


async def count_active(session: AsyncSession, workspace_id: int) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(Schedule)
        .where(Schedule.workspace_id == workspace_id, col(Schedule.active).is_(True))
    )
    return int(found.one())


async def last_slot(session: AsyncSession, schedule_id: int) -> datetime | None:
    """The newest slot claimed for a schedule (run or skipped), if any."""

    found = await session.exec(
        select(ScheduleRun.slot_at)
        .where(ScheduleRun.schedule_id == schedule_id)
        .order_by(col(ScheduleRun.slot_at).desc())
        .limit(1)
    )
    return found.first()


async def claim_slot(
    session: AsyncSession,
    schedule_id: int,
    slot_at: datetime,
    *,
    status: str,
    now: datetime,
    instance: str,
) -> bool:
    """Claim one slot of a schedule; False when another firing already has it.

    The primary key on ``(schedule_id, slot_at)`` decides, whatever the
    number of instances or restarts.
    """

    bind = session.get_bind()
    table = table_of(ScheduleRun)
    result = await execute(
        session,
        insert_ignoring_conflicts(
            bind.dialect,
            table,
            ("schedule_id", "slot_at"),
        )
        .values(
            schedule_id=schedule_id,
            slot_at=slot_at,
            status=status,
            claimed_at=now,
            claimed_by=instance,
        )
        .returning(table.c.schedule_id),
    )
    return result.first() is not None


async def runs(session: AsyncSession, schedule_id: int) -> Sequence[ScheduleRun]:
    found = await session.exec(
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id == schedule_id)
        .order_by(col(ScheduleRun.slot_at))
    )
    return found.all()


async def delete(session: AsyncSession, schedule_id: int) -> None:
    """Remove a schedule (its claimed slots go with it)."""

    schedule = await session.get(Schedule, schedule_id)
    if schedule is not None:
        await session.delete(schedule)
        await session.flush()
