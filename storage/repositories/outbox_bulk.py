"""Queueing a fan-out: thousands of outbox rows in one transaction, already serialised.

``outbox.enqueue`` takes message dicts and lets SQLAlchemy serialise and
convert each row's values; for a check-in asking 10,000 members or 50,000
commitment reminders that per-row handling cost more than the database's own
work. Here the caller hands ready rows (key, ordering key, payload JSON text),
written with the driver's executemany in chunks (``storage.repositories.bulk``).
The rows are the same as ``enqueue`` writes: pending, no attempts, due now; a
key already queued is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories import bulk
from storage.repositories.outbox import PENDING, outbox

PreparedRow = tuple[str, str, str]
"""A message ready to queue: idempotency key, target ordering key, payload as JSON text."""

_COLUMNS = (
    "idempotency_key",
    "target_key",
    "payload",
    "platform",
    "workspace_external_id",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


async def enqueue_prepared(
    session: AsyncSession,
    *,
    platform: str,
    workspace_external_id: str,
    rows: Iterable[PreparedRow],
    now: datetime,
) -> None:
    """Queue prepared messages in the caller's transaction (read lazily, in chunks)."""

    stamp = bulk.Stamps(session.get_bind().dialect, outbox.c.created_at.type)(now)
    await bulk.insert_ignoring(
        session,
        outbox,
        _COLUMNS,
        (
            (key, target_key, payload, platform, workspace_external_id, PENDING, 0, stamp, stamp)
            for key, target_key, payload in rows
        ),
        ("idempotency_key",),
    )
