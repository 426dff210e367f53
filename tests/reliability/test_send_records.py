"""Sends recorded in groups behind the sender, never too many out without their record.

The deliverer writes the record of each accepted send together with the
others that came in meanwhile (``bot.send_records``), instead of one
statement per message before the next send. These scenarios hold it to its
two promises, on SQLite and on PostgreSQL: the records cost far fewer
statements than the messages, and at no moment are more than
``most_unrecorded`` messages out at the platform without their record (the
most a crash could repeat).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from bot.adapter import Capabilities, MessageRef
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from storage.repositories import outbox as outbox_repo
from tests.support.outbox import WORKSPACE, deliver_everything, queue

MESSAGES = 120
MEMBERS = 30


@dataclass
class WatchingAdapter(MemoryAdapter):
    """Answers every send at once and notes, before each, how many sends lack a record."""

    recorded: list[int] = field(default_factory=list)  # sends in each record write, once done
    most_out: int = 0
    capabilities: Capabilities = field(default_factory=Capabilities)

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        out = len(self.delivered) + 1 - sum(self.recorded)  # this send included
        self.most_out = max(self.most_out, out)
        return await super().deliver(workspace_id, message, idempotency_key=idempotency_key)


def fan_out() -> list[tuple[str, OutgoingMessage]]:
    return [
        (f"checkin:{n}", OutgoingMessage(target=Target.dm(f"m{n % MEMBERS}"), text=f"#{n}"))
        for n in range(MESSAGES)
    ]


@pytest.mark.parametrize("most_unrecorded", [1, 8])
async def test_a_fan_out_to_an_adapter_that_answers_at_once_is_recorded_in_groups_never_more_than_the_limit_out(  # noqa: E501
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    most_unrecorded: int,
) -> None:
    adapter = WatchingAdapter(platform="fake")
    statements = adapter.recorded
    record_many = outbox_repo.SentRecorder.record_many

    async def counted(
        self: outbox_repo.SentRecorder,
        sends: list[tuple[int, outbox_repo.Claim, datetime, dict[str, Any]]],
    ) -> dict[int, outbox_repo.Recorded]:
        outcomes = await record_many(self, sends)
        statements.append(len(sends))  # written: no longer out without a record
        return outcomes

    monkeypatch.setattr(outbox_repo.SentRecorder, "record_many", counted)
    await queue(sessions, clock, fan_out(), workspace=WORKSPACE)
    deliverer = Deliverer(sessions, adapter, clock, worker="w1", most_unrecorded=most_unrecorded)

    await deliver_everything([deliverer], sessions, clock)

    sent = Counter(d.idempotency_key for d in adapter.delivered)
    assert sent == Counter({key: 1 for key, _ in fan_out()}), "each message exactly once"
    async with sessions() as session:
        assert (await outbox_repo.status_counts(session))["sent"] == MESSAGES
    assert adapter.most_out <= most_unrecorded, "more sends were out without a record"
    assert sum(statements) == MESSAGES
    if most_unrecorded == 1:
        assert len(statements) == MESSAGES, "one at a time: each record before the next send"
    else:
        # Groups fill up to the limit while the sender runs ahead of the writer.
        assert len(statements) <= MESSAGES // 4, f"{len(statements)} record writes"
        assert adapter.most_out == most_unrecorded, "the sender should run ahead of the writer"


@dataclass
class OverlappingAdapter(MemoryAdapter):
    """Takes a few turns of the event loop to answer, and counts the sends it has at once."""

    capabilities: Capabilities = field(default_factory=Capabilities)
    at_once: int = 0
    most_at_once: int = 0
    targets_at_once: set[str] = field(default_factory=set)
    overlapped: list[str] = field(default_factory=list)

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        target = message.target.ordering_key()
        if target in self.targets_at_once:
            self.overlapped.append(target)  # noted, not raised: a failed send is retried
        self.targets_at_once.add(target)
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        for _ in range(3):
            await asyncio.sleep(0)
        self.at_once -= 1
        self.targets_at_once.discard(target)
        return await super().deliver(workspace_id, message, idempotency_key=idempotency_key)


@pytest.mark.parametrize("queued", ["round robin", "in pairs"])
async def test_sends_to_different_members_overlap_up_to_the_limit_and_each_member_keeps_their_order(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, queued: str
) -> None:
    items = fan_out()
    if queued == "in pairs":
        # Two messages for a member, one after the other: the second must wait
        # for the first, never go alongside it.
        items = [
            (key, OutgoingMessage(target=Target.dm(f"m{n // 2 % MEMBERS}"), text=message.text))
            for n, (key, message) in enumerate(items)
        ]
    await queue(sessions, clock, items, workspace=WORKSPACE)
    # A platform that drops a repeated send may have several out before their records.
    adapter = OverlappingAdapter(platform="fake", capabilities=Capabilities(repeats_dropped=True))
    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_in_flight=4)

    await deliver_everything([deliverer], sessions, clock)

    assert adapter.overlapped == [], "two sends to one member at once"
    if queued == "round robin":
        assert adapter.most_at_once == 4
    else:
        assert 2 <= adapter.most_at_once <= 4
    assert Counter(d.idempotency_key for d in adapter.delivered) == Counter(
        {key: 1 for key, _ in items}
    )
    order: dict[str, list[int]] = {}
    for d in adapter.delivered:
        order.setdefault(d.message.target.ordering_key(), []).append(
            int(d.idempotency_key.split(":")[1])
        )
    assert all(numbers == sorted(numbers) for numbers in order.values())
    async with sessions() as session:
        assert (await outbox_repo.status_counts(session))["sent"] == MESSAGES


async def test_on_a_platform_that_keeps_repeats_one_send_at_a_time_is_out_without_its_record(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """DESIGN: a crash repeats at most the one message in flight where the platform
    would post a repeated send again (Slack), however many sends may overlap."""

    await queue(sessions, clock, fan_out(), workspace=WORKSPACE)
    adapter = OverlappingAdapter(platform="fake")
    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_in_flight=4)

    await deliver_everything([deliverer], sessions, clock)

    assert adapter.most_at_once == 1


@pytest.mark.parametrize("most_unrecorded", [1, 8])
async def test_once_the_database_refuses_a_record_no_further_message_goes_out(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    most_unrecorded: int,
) -> None:
    """A send whose record was refused is out without one; nothing may join it, and every
    message still goes out once when the database takes records again."""

    adapter = WatchingAdapter(platform="fake")
    record_many = outbox_repo.SentRecorder.record_many
    refusing = True

    async def refused_once(
        self: outbox_repo.SentRecorder,
        sends: list[tuple[int, outbox_repo.Claim, datetime, dict[str, Any]]],
    ) -> dict[int, outbox_repo.Recorded]:
        nonlocal refusing
        if refusing:
            refusing = False
            raise RuntimeError("database is locked")
        return await record_many(self, sends)

    monkeypatch.setattr(outbox_repo.SentRecorder, "record_many", refused_once)
    await queue(sessions, clock, fan_out(), workspace=WORKSPACE)
    deliverer = Deliverer(sessions, adapter, clock, worker="w1", most_unrecorded=most_unrecorded)

    await deliverer.drain_once()
    assert len(adapter.delivered) <= most_unrecorded, "sent on after a refused record"

    await deliver_everything([deliverer], sessions, clock)
    sent = Counter(d.idempotency_key for d in adapter.delivered)
    assert sent == Counter({key: 1 for key, _ in fan_out()}), "each message exactly once"
