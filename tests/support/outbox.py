"""Driving the outbox by hand: queue messages, then deliver them all on a ``ManualClock``.

Back-offs and rate limits sleep on the clock, so ``deliver_everything`` moves
it straight to the next message due instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage
from bot.outbox import Outbox
from storage.repositories import outbox as outbox_repo

Item = tuple[str, OutgoingMessage]
"""A message to queue, with its idempotency key."""
PLATFORM = "fake"
"""The platform ``HttpPlatformAdapter`` and the fake platform are, unless told otherwise."""
WORKSPACE = "T-1"


async def queue(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    items: Iterable[Item],
    *,
    platform: str = PLATFORM,
    workspace: str = WORKSPACE,
) -> None:
    """Queue messages in one transaction, as a handler does."""

    async with sessions.begin() as session:
        await Outbox(session, platform, workspace, clock).send_many(items)


async def deliver_everything(
    deliverers: Sequence[Deliverer],
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    max_rounds: int = 500,
) -> None:
    """Drain (side by side, when several) until nothing is left unsent, moving the
    clock to the next due message between rounds."""

    platform = deliverers[0].platform
    for _ in range(max_rounds):
        await asyncio.gather(*(d.drain() for d in deliverers))
        async with sessions() as session:
            if not await outbox_repo.has_unsent(session, platform):
                return
            due = await outbox_repo.next_due(session, platform)
        assert due is not None, "unsent messages are stuck in 'sending'"
        if due > clock.now():
            clock.set(due)
    raise AssertionError(f"the outbox was still not empty after {max_rounds} rounds")
