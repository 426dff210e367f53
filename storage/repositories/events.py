"""Incoming de-duplication and the record of handlers that failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Dialect, Insert, bindparam, func
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

    result = await execute(
        session,
        _recording(session.get_bind().dialect),
        {"platform": platform, "event_id": event_id, "received_at": now},
    )
    return result.first() is not None


_RECORDING: dict[str, Insert] = {}


def _recording(dialect: Dialect) -> Insert:
    """The statement ``record_processed`` runs, built once per dialect: every event runs it,
    and a statement built afresh costs SQLAlchemy its cache key each time (~50 us)."""

    statement = _RECORDING.get(dialect.name)
    if statement is None:
        table = table_of(ProcessedEvent)
        statement = (
            insert_ignoring_conflicts(dialect, table, ("platform", "event_id"))
            .values(
                platform=bindparam("platform"),
                event_id=bindparam("event_id"),
                received_at=bindparam("received_at"),
            )
            .returning(table.c.event_id)
        )
        _RECORDING[dialect.name] = statement
    return statement


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
