"""What is waiting: unsent outbox rows and unhandled inbox events, read for /metrics.

Read when Prometheus scrapes, never on the event path, and read from the
outbox's ``(status, next_attempt_at)`` index alone: SQLite opens every
transaction with ``BEGIN IMMEDIATE``, so a scrape holds the write lock while
it reads, and a query that visited each unsent row (a grouping by platform,
the oldest ``created_at``) held it for 45 ms with 50,000 of them queued. The
inbox holds only events acknowledged and not handled yet, so it is small in
any healthy instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import InboxEvent, OutboxMessage
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import table_of

_outbox = table_of(OutboxMessage)
_inbox = table_of(InboxEvent)
_PENDING = outbox_repo.PENDING
_UNSENT = (outbox_repo.PENDING, outbox_repo.SENDING)


@dataclass(frozen=True, slots=True)
class Waiting:
    """How many rows wait, and since when the one waiting longest has."""

    count: int
    since: datetime | None


async def unsent_messages(connection: AsyncConnection) -> Waiting:
    """Outbox rows not yet sent nor given up on; ``since``: when the most overdue fell due.

    A message put off (a retry's backoff, a 429's pause) is not overdue until
    its time comes, so ``since`` measures how far delivery is behind, not how
    long a member has waited for one message the platform keeps refusing.
    """

    count = await connection.scalar(
        select(func.count()).select_from(_outbox).where(_outbox.c.status.in_(_UNSENT))
    )
    since = await connection.scalar(
        select(_outbox.c.next_attempt_at)
        .where(_outbox.c.status == _PENDING)
        .order_by(_outbox.c.next_attempt_at)
        .limit(1)
    )
    return Waiting(int(count or 0), since)


async def unhandled_events(connection: AsyncConnection) -> Waiting:
    """Inbox rows: events a platform has its acknowledgement for, not handled yet."""

    row = (await connection.execute(select(func.count(), func.min(_inbox.c.received_at)))).one()
    return Waiting(int(row[0]), row[1])
