"""Instances on one database keep to the platform's limit together, and to each workspace's.

Two deliverers stand for two Convene instances: each has limits of its own,
shared only through PostgreSQL (``[rate_limits] shared = "database"``), as two
processes would; on SQLite a store in memory stands in. The fake platform is
reached over HTTP and stamps each request with the ``ManualClock``'s time, so
windows can be counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from bot.shared_limits import DatabaseLimitStore, MemoryLimitStore, RateLimits
from storage.repositories import outbox as outbox_repo
from tests.support.fake_platform import FakePlatform, Received
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM, Item, deliver_everything, queue

RATE = 10.0


@pytest.fixture
async def platform(clock: ManualClock) -> AsyncIterator[FakePlatform]:
    async with FakePlatform(now=clock.now) as server:
        yield server


@pytest.fixture
async def adapter(platform: FakePlatform) -> AsyncIterator[HttpPlatformAdapter]:
    async with HttpPlatformAdapter(platform.url, platform=PLATFORM, rate_per_second=RATE) as a:
        yield a


def to_members(count: int, prefix: str = "m") -> list[Item]:
    return [
        (f"{prefix}:{n}", OutgoingMessage(target=Target.dm(f"{prefix}-U{n}"), text=f"hello {n}"))
        for n in range(count)
    ]


def instances(
    count: int,
    sessions: async_sessionmaker[AsyncSession],
    adapter: HttpPlatformAdapter,
    clock: ManualClock,
    engine: AsyncEngine,
) -> list[Deliverer]:
    # Instances share limits through PostgreSQL; on SQLite (one process's database, where
    # Convene keeps its limits in the process) a store in memory stands in for Redis.
    memory = MemoryLimitStore()
    return [
        Deliverer(
            sessions,
            adapter,
            clock,
            worker=f"instance-{n}",
            batch_size=5,
            max_in_flight=1,  # one send at a time: the clock then tells when each went
            limits=RateLimits(
                clock,
                DatabaseLimitStore(engine) if engine.dialect.name == "postgresql" else memory,
            ),
        )
        for n in range(count)
    ]


def most_in_any_window(times: Sequence[datetime], window: timedelta) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window) for i, start in enumerate(ordered))


def delivered_once(received: Sequence[Received], items: Sequence[Item]) -> bool:
    keys = [r.idempotency_key for r in received if r.delivered]
    return sorted(keys) == sorted(key for key, _ in items)


async def test_two_instances_sharing_one_limit_send_no_faster_together_than_one_would(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    items = to_members(60)
    await queue(sessions, clock, items)

    both = instances(2, sessions, adapter, clock, engine)
    await deliver_everything(both, sessions, clock)

    times = [r.at for r in platform.received]
    assert {r.status for r in platform.received} == {200}
    assert delivered_once(platform.received, items)
    # The moments the shared limit hands out keep to RATE * W + 1 (tests/unit); on
    # the platform's side one more may land in a window: a send let go just before
    # it that arrives in it (here while the other instance moves the clock).
    for seconds in (0.5, 1.0, 3.0):
        assert most_in_any_window(times, timedelta(seconds=seconds)) <= RATE * seconds + 1 + 1
    assert {claimer for claimer in await claimers(engine)} == {"instance-0", "instance-1"}


async def claimers(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(outbox_repo.outbox.c.claimed_by))
    return {str(row.claimed_by) for row in rows}


def the_429(platform: FakePlatform, workspace: str, seconds: float) -> tuple[Received, datetime]:
    """The request the platform answered 429 (a send to ``workspace``), and when its
    Retry-After of ``seconds`` ran out."""

    told = next(r for r in platform.received if r.status == 429)
    assert told.payload["workspace"] == workspace
    return told, told.at + timedelta(seconds=seconds)


async def test_a_429_in_one_workspace_does_not_hold_up_another_workspace_sending_meanwhile(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    deliverer = Deliverer(sessions, adapter, clock, worker="w1")
    earlier = to_members(1, prefix="T-2-earlier")
    await queue(sessions, clock, earlier, workspace="T-2")
    await deliver_everything([deliverer], sessions, clock)
    first = to_members(3, prefix="T-1")
    second = to_members(3, prefix="T-2")
    await queue(sessions, clock, first, workspace="T-1")
    await queue(sessions, clock, second, workspace="T-2")
    platform.rate_limit(times=1, retry_after=30)

    await deliver_everything([deliverer], sessions, clock)

    told, resumed = the_429(platform, "T-1", seconds=30)
    assert all(r.at < resumed for r in platform.received if r.payload["workspace"] == "T-2")
    retried = [r for r in platform.received if r.idempotency_key == told.idempotency_key]
    assert [r.at >= resumed for r in retried if r.delivered] == [True]
    assert delivered_once(platform.received, earlier + first + second)


async def test_a_paused_workspaces_backlog_bigger_than_a_claim_does_not_hold_up_another(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    """A workspace told to wait 30 s with more queued than one claim takes: before, every
    claim was full of its rows, each passed over, and the other workspace waited out the
    30 s too."""

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", batch_size=5)
    busy = to_members(12, prefix="T-1")
    other = to_members(3, prefix="T-2")
    await queue(sessions, clock, busy, workspace="T-1")
    await queue(sessions, clock, other, workspace="T-2")
    platform.rate_limit(times=1, retry_after=30)

    await deliver_everything([deliverer], sessions, clock)

    told, resumed = the_429(platform, "T-1", seconds=30)
    assert [r.at < resumed for r in platform.received if r.payload["workspace"] == "T-2"] == [
        True
    ] * 3
    assert all(
        r.at >= resumed
        for r in platform.received
        if r is not told and r.payload["workspace"] == "T-1"
    )
    assert delivered_once(platform.received, busy + other)


async def test_a_429_one_instance_got_holds_the_other_instance_back_too(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    items = to_members(20)
    await queue(sessions, clock, items)
    platform.rate_limit(times=1, retry_after=30)

    await deliver_everything(instances(2, sessions, adapter, clock, engine), sessions, clock)

    told, *rest = platform.received
    assert told.status == 429
    # Before the Retry-After ends, at most what the other instance had booked before
    # it heard (a tenth of a second of the rate: one send) and one already on its way.
    early = [r for r in rest if r.at < told.at + timedelta(seconds=30)]
    assert len(early) <= 2
    assert delivered_once(platform.received, items)
