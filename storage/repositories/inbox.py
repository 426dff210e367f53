"""The inbox table: acknowledged events kept until they are handled.

Rows are written in batches (one INSERT for every event that arrived while
the previous batch was being committed), deleted by the transaction that
handles the event, and taken over by another instance when their holder's
lease runs out, in the same way as the outbox's claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import InboxEvent
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of

inbox: Table = table_of(InboxEvent)


@dataclass(frozen=True, slots=True)
class NewEvent:
    platform: str
    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeptEvent:
    id: int
    platform: str
    event_id: str
    payload: dict[str, Any]
    attempts: int


async def add(
    session: AsyncSession,
    events: Sequence[NewEvent],
    *,
    holder: str,
    now: datetime,
    lease_until: datetime,
) -> dict[tuple[str, str], int]:
    """Keep events held by ``holder``; the row id of each, by (platform, event id).

    An event already kept (a platform's retry of one not yet handled) is left
    to whoever holds it, so it is missing from the answer.
    """

    if not events:
        return {}
    rows = [
        {
            "platform": e.platform,
            "event_id": e.event_id,
            "payload": e.payload,
            "received_at": now,
            "claimed_by": holder,
            "lease_until": lease_until,
            "attempts": 0,
        }
        for e in events
    ]
    statement = insert_ignoring_conflicts(
        session.get_bind().dialect, inbox, ("platform", "event_id")
    ).returning(inbox.c.id, inbox.c.platform, inbox.c.event_id)
    written = await execute(session, statement, rows)
    return {(row.platform, row.event_id): row.id for row in written.all()}


async def forget(session: AsyncSession, platform: str, event_id: str) -> None:
    """The event is handled (in this transaction): its row and its words go."""

    await execute(session, _FORGETTING, {"platform": platform, "event_id": event_id})


_FORGETTING = delete(inbox).where(
    inbox.c.platform == bindparam("platform"), inbox.c.event_id == bindparam("event_id")
)
"""Built once: every handled event runs it (a statement built afresh costs its cache key)."""


async def renew(
    session: AsyncSession, ids: Sequence[int], *, holder: str, lease_until: datetime
) -> None:
    """Extend the lease on rows ``holder`` still holds (another may have taken some over)."""

    if ids:
        await execute(
            session,
            update(inbox)
            .where(inbox.c.id.in_(bindparam("ids", expanding=True)), inbox.c.claimed_by == holder)
            .values(lease_until=lease_until),
            {"ids": list(ids)},
        )


async def hand_back(session: AsyncSession, *, holder: str, now: datetime) -> None:
    """Let go of every row ``holder`` holds (a clean stop): the next instance need not
    wait out the lease to take them over."""

    await execute(
        session,
        update(inbox)
        .where(inbox.c.claimed_by == holder, inbox.c.lease_until > now)
        .values(lease_until=now),
    )


async def take_over(
    session: AsyncSession, *, holder: str, now: datetime, lease_until: datetime, limit: int
) -> list[KeptEvent]:
    """Take the oldest rows whose lease ran out, in arrival order.

    On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``; the
    update checks the lease again, so of two instances racing for a row
    only one gets it.
    """

    candidates = (
        select(inbox.c.id).where(inbox.c.lease_until <= now).order_by(inbox.c.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = [row.id for row in (await execute(session, candidates)).all()]
    if not ids:
        return []
    taken = await execute(
        session,
        update(inbox)
        .where(inbox.c.id.in_(bindparam("ids", expanding=True)), inbox.c.lease_until <= now)
        .values(claimed_by=holder, lease_until=lease_until, attempts=inbox.c.attempts + 1)
        .returning(
            inbox.c.id, inbox.c.platform, inbox.c.event_id, inbox.c.payload, inbox.c.attempts
        ),
        {"ids": ids},
    )
    return sorted(
        (
            KeptEvent(row.id, row.platform, row.event_id, row.payload, row.attempts)
            for row in taken.all()
        ),
        key=lambda kept: kept.id,
    )


async def drop(session: AsyncSession, row_id: int) -> None:
    """Give a row up (it could not be read back, or failed too often)."""

    await execute(session, delete(inbox).where(inbox.c.id == row_id))
