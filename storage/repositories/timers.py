"""One-off timers: adding them once, finding the due ones, and claiming each once."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlmodel import col
from sqlmodel import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Timer, Workspace
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of

PENDING = "pending"
RAN = "ran"
FAILED = "failed"

timers = table_of(Timer)


@dataclass(frozen=True, slots=True)
class NewTimer:
    key: str
    due_at: datetime


async def add_many(
    session: AsyncSession,
    *,
    workspace_id: int,
    job: str,
    subject_id: int | None,
    items: Iterable[NewTimer],
) -> None:
    """Add timers in the caller's transaction; a key already present is left alone."""

    rows = [
        {
            "workspace_id": workspace_id,
            "job": job,
            "subject_id": subject_id,
            "key": item.key,
            "due_at": item.due_at,
            "status": PENDING,
        }
        for item in items
    ]
    if not rows:
        return
    statement = insert_ignoring_conflicts(session.get_bind().dialect, timers, ("key",))
    await execute(session, statement, rows)


AFTER_UNINSTALL = ".after-uninstall"
"""A timer whose job ends so fires in a workspace that uninstalled Convene too (the
deletion of its data once the grace period is over); no other timer does."""


def _on(platforms: Collection[str] | None) -> Any:
    """Timers of workspaces on these platforms (all when None) that have not uninstalled
    Convene: a removed workspace's timers wait, and fire if it comes back in time."""

    workspaces = table_of(Workspace)
    on_platforms = select(workspaces.c.id)
    if platforms is not None:
        on_platforms = on_platforms.where(workspaces.c.platform.in_(list(platforms)))
    installed = on_platforms.where(workspaces.c.uninstalled_at.is_(None))
    return or_(
        timers.c.workspace_id.in_(installed),
        and_(timers.c.job.endswith(AFTER_UNINSTALL), timers.c.workspace_id.in_(on_platforms)),
    )


async def due(
    session: AsyncSession,
    now: datetime,
    platforms: Collection[str] | None = None,
    limit: int = 500,
) -> Sequence[Timer]:
    found = await session.exec(
        select_rows(Timer)
        .where(Timer.status == PENDING, col(Timer.due_at) <= now, _on(platforms))
        .order_by(col(Timer.due_at), col(Timer.id))
        .limit(limit)
    )
    return found.all()


async def next_due(
    session: AsyncSession, platforms: Collection[str] | None = None
) -> datetime | None:
    found = await execute(
        session,
        select(func.min(timers.c.due_at)).where(timers.c.status == PENDING, _on(platforms)),
    )
    value: datetime | None = found.scalar()
    return value


async def claim(session: AsyncSession, timer_id: int, now: datetime, *, status: str = RAN) -> bool:
    """Mark a pending timer as fired; False when another instance already has."""

    result = await execute(
        session,
        update(timers)
        .where(timers.c.id == timer_id, timers.c.status == PENDING)
        .values(status=status, fired_at=now),
    )
    return bool(result.rowcount == 1)


async def mark_failed(session: AsyncSession, timer_id: int, now: datetime) -> None:
    await execute(
        session,
        update(timers).where(timers.c.id == timer_id).values(status=FAILED, fired_at=now),
    )


async def cancel(session: AsyncSession, job: str, subject_ids: Iterable[int]) -> None:
    """Drop the pending timers of things that no longer exist."""

    ids = list(subject_ids)
    if not ids:
        return
    await execute(
        session,
        delete(timers).where(
            timers.c.job == job, timers.c.subject_id.in_(ids), timers.c.status == PENDING
        ),
    )
