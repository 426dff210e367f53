"""A message the platform takes in several parts, stopped part-way, is finished, not resent.

An adapter that sends one outbox row as several platform messages raises
``PartlyDelivered`` when a later part fails: the deliverer keeps the parts
sent so far with the row (still unsent), handles the cause as usual (a 429
waits, a dropped connection backs off, a refusal gives up), and the next try
finishes the message with ``edit`` from that reference. Each scenario runs on
SQLite and PostgreSQL with a ``ManualClock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from bot.adapter import (
    DeliveryError,
    MessageRef,
    PartlyDelivered,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.outbox import deliver_everything, queue

PLATFORM = "parts"


@dataclass
class PartsPlatform(MemoryAdapter):
    """A platform that takes a message as one part per line, and fails where told."""

    platform: str = PLATFORM
    fail_at: dict[int, DeliveryError] = field(default_factory=dict)
    """The n-th attempt to post a part (from 1) fails with this."""
    posts: list[str] = field(default_factory=list)
    edits: list[MessageRef] = field(default_factory=list)
    attempts: int = 0

    async def _post(self, line: str) -> str:
        self.attempts += 1
        failure = self.fail_at.get(self.attempts)
        if failure is not None:
            raise failure
        self.posts.append(line)
        return f"m{len(self.posts)}"

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        sent: list[str] = []
        for line in message.text.split("\n"):
            try:
                sent.append(await self._post(line))
            except DeliveryError as failed:
                if not sent:
                    raise
                raise PartlyDelivered({"message_id": sent[0], "parts": sent}, failed) from None
        return {"message_id": sent[0], "parts": sent}

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        self.edits.append(dict(ref))
        sent = list(ref["parts"])
        for line in message.text.split("\n")[len(sent) :]:
            sent.append(await self._post(line))
        return {"message_id": sent[0], "parts": sent}


def deliverer_for(
    adapter: PartsPlatform, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> Deliverer:
    return Deliverer(sessions, adapter, clock, worker="w1", max_attempts=3, base_backoff=1)


async def row(sessions: async_sessionmaker[AsyncSession], key: str) -> tuple[str, Any]:
    table = outbox_repo.outbox
    async with sessions() as session:
        found = await execute(
            session,
            select(table.c.status, table.c.message_ref).where(table.c.idempotency_key == key),
        )
        found_row = found.one()
    return str(found_row.status), found_row.message_ref


MESSAGE = OutgoingMessage(Target.channel("C1"), "one\ntwo\nthree\nfour")


async def test_a_429_on_the_third_part_sends_the_rest_later_and_nothing_twice(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    adapter = PartsPlatform(fail_at={3: RateLimited(5)})
    await queue(sessions, clock, [("summary", MESSAGE)], platform=PLATFORM)

    await deliver_everything([deliverer_for(adapter, sessions, clock)], sessions, clock)

    assert adapter.posts == ["one", "two", "three", "four"]
    assert adapter.edits == [{"message_id": "m1", "parts": ["m1", "m2"]}]
    assert await row(sessions, "summary") == (
        "sent",
        {"message_id": "m1", "parts": ["m1", "m2", "m3", "m4"]},
    )


async def test_a_dropped_connection_keeps_the_parts_sent_while_the_row_waits(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    adapter = PartsPlatform(fail_at={2: TransientDeliveryError("connection reset")})
    await queue(sessions, clock, [("summary", MESSAGE)], platform=PLATFORM)
    deliverer = deliverer_for(adapter, sessions, clock)

    await deliverer.drain()

    assert adapter.posts == ["one"]
    assert await row(sessions, "summary") == ("pending", {"message_id": "m1", "parts": ["m1"]})

    await deliver_everything([deliverer], sessions, clock)
    assert adapter.posts == ["one", "two", "three", "four"]
    assert (await row(sessions, "summary"))[0] == "sent"


async def test_a_part_refused_for_good_gives_the_message_up_with_what_was_sent(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    adapter = PartsPlatform(fail_at={2: PermanentDeliveryError("invalid_blocks")})
    await queue(sessions, clock, [("summary", MESSAGE)], platform=PLATFORM)

    await deliver_everything([deliverer_for(adapter, sessions, clock)], sessions, clock)

    assert adapter.posts == ["one"]
    assert await row(sessions, "summary") == ("dead", {"message_id": "m1", "parts": ["m1"]})
