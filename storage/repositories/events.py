"""Incoming de-duplication and the record of handlers that failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HandlerFailure, ProcessedEvent
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of


async def record_processed(
    session: AsyncSession, platform: str, event_id: str, now: datetime
) -> bool:
    """Record that an event is being acted on; False when it already was.

    Called inside the transaction that does the event's work, so a crash
    before commit forgets both, and a retried delivery acts exactly once.
    """

    bind = session.get_bind()
    table = table_of(ProcessedEvent)
    result = await execute(
        session,
        insert_ignoring_conflicts(
            bind.dialect,
            table,
            ("platform", "event_id"),
        )
        .values(platform=platform, event_id=event_id, received_at=now)
        .returning(table.c.event_id),
    )
    return result.first() is not None


async def record_failure(
    session: AsyncSession, workspace_id: int | None, event_id: str, summary: str, now: datetime
) -> None:
    session.add(
        HandlerFailure(
            workspace_id=workspace_id, event_id=event_id, summary=summary[:2000], created_at=now
        )
    )
    await session.flush()


async def recent_failures(
    session: AsyncSession, workspace_id: int, limit: int = 5
) -> Sequence[HandlerFailure]:
    found = await session.exec(
        select(HandlerFailure)
        .where(HandlerFailure.workspace_id == workspace_id)
        .order_by(col(HandlerFailure.id).desc())
        .limit(limit)
    )
    return found.all()


async def failure_count(session: AsyncSession, workspace_id: int) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(HandlerFailure)
        .where(HandlerFailure.workspace_id == workspace_id)
    )
    return int(found.one())
