"""An instance that stalls past its lease (SIGSTOP, a long GC pause) wakes to find its
claims gone: whatever it does then must leave the rows another instance holds alone.

Each scenario runs on SQLite and on PostgreSQL with a ``ManualClock`` and two or
three deliverers on one database, sending over loopback HTTP to a fake platform.
Instance A is frozen in the middle of a send (``FreezableAdapter``), the clock
moves past its lease, instance B takes the rows over, and A is thawed: its hand
back, its retry, its give-up and its record of a send must not undo B's work,
and a third instance must find nothing to send again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import MessageRef, PermanentDeliveryError, TransientDeliveryError
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from storage.engine import session_factory
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.fake_platform import FakePlatform
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM, Item, queue

LEASE = 10.0  # seconds
SECRET_WORDS = "my private answer"
"""Member text in every message: no log line may show it."""


@dataclass(frozen=True, slots=True)
class _Freeze:
    platform_has_it: bool
    answer: Exception | None


class FreezableAdapter(HttpPlatformAdapter):
    """The fake platform's adapter in an instance that can be frozen in mid-send, as
    SIGSTOP freezes a process: before the request leaves, or after the platform has
    the message but before the deliverer hears back."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, platform=PLATFORM)
        self._freeze: _Freeze | None = None
        self.frozen = asyncio.Event()
        self._thaw = asyncio.Event()

    def freeze_at_next_send(
        self, *, platform_has_it: bool, answer: Exception | None = None
    ) -> None:
        """Freeze in the next send; on thawing, raise ``answer`` if given (the
        platform's refusal), else go on as if nothing happened."""

        self._freeze = _Freeze(platform_has_it, answer)

    def thaw(self) -> None:
        self._thaw.set()

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        freeze, self._freeze = self._freeze, None
        if freeze is None:
            return await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
        ref = None
        if freeze.platform_has_it:
            ref = await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
        self.frozen.set()
        await self._thaw.wait()
        if freeze.answer is not None:
            raise freeze.answer
        if ref is None:
            ref = await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
        return ref


@pytest.fixture
async def platform(clock: ManualClock) -> AsyncIterator[FakePlatform]:
    async with FakePlatform(now=clock.now) as server:
        yield server


def dms(count: int) -> list[Item]:
    return [
        (
            f"checkin-run:1:ask:{n}",
            OutgoingMessage(target=Target.dm(f"member-{n}"), text=f"{SECRET_WORDS} #{n}"),
        )
        for n in range(count)
    ]


def deliverer(
    engine: AsyncEngine, adapter: HttpPlatformAdapter, clock: ManualClock, worker: str
) -> Deliverer:
    return Deliverer(
        session_factory(engine), adapter, clock, worker=worker, lease_seconds=LEASE, batch_size=50
    )


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    table = outbox_repo.outbox
    async with sessions() as session:
        found = await execute(session, select(table.c.idempotency_key, table.c.status))
        return {str(row.idempotency_key): str(row.status) for row in found}


async def frozen_in_its_first_send(a: Deliverer, adapter: FreezableAdapter) -> asyncio.Task[int]:
    """A claims the whole outbox and freezes in its first send; the task is its drain."""

    drain = asyncio.create_task(a.drain_once())
    await asyncio.wait_for(adapter.frozen.wait(), timeout=10)
    return drain


def lease_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "convene.outbox"
    ]


async def test_an_instance_that_wakes_after_its_lease_hands_back_nothing_another_instance_holds(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The defect: A's hand-back freed rows B had claimed since, and C sent them again."""

    items = dms(6)
    await queue(sessions, clock, items)
    async with (
        FreezableAdapter(platform.url) as first,
        FreezableAdapter(platform.url) as second,
        HttpPlatformAdapter(platform.url, platform=PLATFORM) as third,
    ):
        a = deliverer(engine, first, clock, "instance-a")
        b = deliverer(engine, second, clock, "instance-b")
        c = deliverer(engine, third, clock, "instance-c")
        first.freeze_at_next_send(platform_has_it=True)
        a_drain = await frozen_in_its_first_send(a, first)

        clock.advance(timedelta(seconds=LEASE + 1))
        # B takes every row over and freezes too, once the platform has its first.
        second.freeze_at_next_send(platform_has_it=True)
        b_drain = asyncio.create_task(b.drain_once())
        await asyncio.wait_for(second.frozen.wait(), timeout=10)

        with caplog.at_level(logging.INFO, logger="convene.outbox"):
            first.thaw()  # A wakes: records its send, finds its lease gone, hands back the rest
            await a_drain
            assert await c.drain() == 0, "a third instance claimed rows B still holds"
            second.thaw()
            await b_drain
            assert await c.drain() == 0

    sent = Counter(r.idempotency_key for r in platform.delivered)
    first_key = items[0][0]
    # The message in flight when A froze reached the platform twice (A's, then B's
    # takeover): the one repeat a stall can cost. Nothing else went twice.
    assert sent == {key: 2 if key == first_key else 1 for key, _ in items}
    assert set((await statuses(sessions)).values()) == {"sent"}
    warnings = lease_warnings(caplog)
    assert any(first_key in w and "claim" in w for w in warnings), warnings
    assert not any(SECRET_WORDS in w for w in warnings)


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (TransientDeliveryError("the platform answered 503"), "retry"),
        (PermanentDeliveryError("the platform answered 403"), "give up"),
    ],
)
async def test_an_instance_that_wakes_after_its_lease_cannot_undo_a_send_another_instance_made(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    caplog: pytest.LogCaptureFixture,
    answer: Exception,
    what: str,
) -> None:
    """A's late failure (retry later, or give up) must not turn B's sent row back to
    pending (sent again) or to dead (counted undeliverable)."""

    items = dms(3)
    await queue(sessions, clock, items)
    async with (
        FreezableAdapter(platform.url) as first,
        HttpPlatformAdapter(platform.url, platform=PLATFORM) as second,
        HttpPlatformAdapter(platform.url, platform=PLATFORM) as third,
    ):
        a = deliverer(engine, first, clock, "instance-a")
        b = deliverer(engine, second, clock, "instance-b")
        c = deliverer(engine, third, clock, "instance-c")
        first.freeze_at_next_send(platform_has_it=False, answer=answer)
        a_drain = await frozen_in_its_first_send(a, first)

        clock.advance(timedelta(seconds=LEASE + 1))
        assert await b.drain() == len(items)

        with caplog.at_level(logging.INFO, logger="convene.outbox"):
            first.thaw()
            await a_drain
            clock.advance(timedelta(hours=1))  # past any back-off A may have asked for
            assert await c.drain() == 0, f"A's {what} made a sent message due again"

    assert Counter(r.idempotency_key for r in platform.delivered) == {key: 1 for key, _ in items}
    assert set((await statuses(sessions)).values()) == {"sent"}
    warnings = lease_warnings(caplog)
    assert any(items[0][0] in w and "claim" in w for w in warnings), warnings
    assert not any(SECRET_WORDS in w for w in warnings)


# -- the repository's writes, one by one ------------------------------------------------------


async def claim_all(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, worker: str
) -> list[outbox_repo.ClaimedMessage]:
    now = clock.now()
    async with sessions.begin() as session:
        return await outbox_repo.claim(
            session,
            platform=PLATFORM,
            now=now,
            lease_until=now + timedelta(seconds=LEASE),
            worker=worker,
            limit=50,
        )


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, object]]:
    table = outbox_repo.outbox
    async with sessions() as session:
        found = await execute(session, select(table).order_by(table.c.id))
        return [dict(row) for row in found.mappings()]


async def write_with(
    operation: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    claimed: list[outbox_repo.ClaimedMessage],
    clock: ManualClock,
) -> list[object]:
    """Do ``operation`` on every claimed message under its claim; what each call answered."""

    claim = claimed[0].claim
    ids = [m.id for m in claimed]
    answers: list[object] = []
    if operation == "mark_sent":
        async with outbox_repo.SentRecorder(engine) as record_sent:
            for message_id in ids:
                answers.append(
                    await record_sent(message_id, claim, clock.now(), {"message_id": "late"})
                )
        return answers
    async with sessions.begin() as session:
        if operation == "release":
            answers.append(await outbox_repo.release(session, ids, claim))
        for message_id in ids:
            if operation == "retry_later":
                answers.append(
                    await outbox_repo.retry_later(
                        session, message_id, claim, next_attempt_at=clock.now(), error="late"
                    )
                )
            elif operation == "mark_dead":
                answers.append(await outbox_repo.mark_dead(session, message_id, claim, "late"))
    return answers


NOTHING_CHANGED = {
    "release": [0],
    "retry_later": [False] * 3,
    "mark_dead": [False] * 3,
    "mark_sent": [outbox_repo.Recorded.LEFT] * 3,
}


@pytest.mark.parametrize("operation", list(NOTHING_CHANGED))
@pytest.mark.parametrize("b_has", ["claimed them", "sent them"])
async def test_a_lapsed_claims_release_retry_give_up_and_record_change_nothing_another_holds(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    operation: str,
    b_has: str,
) -> None:
    await queue(sessions, clock, dms(3))
    a_claimed = await claim_all(sessions, clock, "instance-a")
    clock.advance(timedelta(seconds=LEASE + 1))
    b_claimed = await claim_all(sessions, clock, "instance-b")
    assert [m.id for m in b_claimed] == [m.id for m in a_claimed], "B takes the lapsed rows"
    if b_has == "sent them":
        async with outbox_repo.SentRecorder(engine) as record_sent:
            for item in b_claimed:
                recorded = await record_sent(item.id, item.claim, clock.now(), {"message_id": "b"})
                assert recorded is outbox_repo.Recorded.HELD
    before = await rows(sessions)

    answers = await write_with(operation, engine, sessions, a_claimed, clock)

    assert answers == NOTHING_CHANGED[operation]
    assert await rows(sessions) == before
    assert await claim_all(sessions, clock, "instance-c") == [], "a third claim found work"
    if b_has == "claimed them":
        # B's claim is intact: B can still settle its rows.
        async with sessions.begin() as session:
            assert (
                await outbox_repo.release(session, [m.id for m in b_claimed], b_claimed[0].claim)
                == 3
            )


async def test_a_send_under_a_lapsed_claim_is_recorded_when_nobody_holds_the_message(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """A's send reached the platform; B took the row over and handed it back unsent.
    Recording A's send stops a third instance from sending it again."""

    await queue(sessions, clock, dms(1))
    [a_item] = await claim_all(sessions, clock, "instance-a")
    clock.advance(timedelta(seconds=LEASE + 1))
    [b_item] = await claim_all(sessions, clock, "instance-b")
    async with sessions.begin() as session:
        assert await outbox_repo.release(session, [b_item.id], b_item.claim) == 1

    async with outbox_repo.SentRecorder(engine) as record_sent:
        recorded = await record_sent(a_item.id, a_item.claim, clock.now(), {"message_id": "a"})

    assert recorded is outbox_repo.Recorded.ADOPTED
    [row] = await rows(sessions)
    assert (row["status"], row["message_ref"], row["claimed_by"]) == (
        "sent",
        {"message_id": "a"},
        "instance-a",
    )
    assert await claim_all(sessions, clock, "instance-c") == []


async def test_a_worker_that_claims_a_row_again_does_not_act_on_its_own_older_claim(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """The worker's name alone is not the claim: an instance restarted under the same
    configured instance_id, or one whose stale batch outlived its lease and whose
    later drain claimed the row again, must not settle the new claim with the old."""

    await queue(sessions, clock, dms(1))
    [old] = await claim_all(sessions, clock, "instance-a")
    clock.advance(timedelta(seconds=LEASE + 1))
    [new] = await claim_all(sessions, clock, "instance-a")
    assert new.claim != old.claim

    async with sessions.begin() as session:
        assert await outbox_repo.release(session, [old.id], old.claim) == 0
        assert not await outbox_repo.mark_dead(session, old.id, old.claim, "stale")
    async with sessions.begin() as session:
        assert await outbox_repo.release(session, [new.id], new.claim) == 1


async def test_a_deliverer_stopped_in_mid_batch_hands_back_what_it_had_not_tried(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
) -> None:
    """A clean stop (SIGTERM, a deploy) leaves only the message in flight to its lease:
    a restarted instance, whatever its id, sends the rest at once."""

    items = dms(5)
    await queue(sessions, clock, items)
    async with FreezableAdapter(platform.url) as adapter:
        a = deliverer(engine, adapter, clock, "instance-a")
        adapter.freeze_at_next_send(platform_has_it=False)
        await a.start()
        await asyncio.wait_for(adapter.frozen.wait(), timeout=10)
        await a.stop()

    statuses_now = await statuses(sessions)
    assert statuses_now[items[0][0]] == "sending", "the one in flight keeps its claim"
    assert [statuses_now[key] for key, _ in items[1:]] == ["pending"] * 4
