"""The outbox as a member's messages live through it: queued, throttled, retried, delivered once.

Each scenario runs on SQLite and on PostgreSQL, against a fake platform on
loopback reached over real HTTP, with a ``ManualClock``: the deliverer's
token bucket and back-offs sleep on it, so nothing really waits, and the
platform stamps every request with that clock's time so spacing can be
checked.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from storage.engine import session_factory
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.fake_platform import FakePlatform, Received
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM, WORKSPACE, Item, deliver_everything, queue

RATE = 10.0  # messages a second: 1/R is a whole number of microseconds


@pytest.fixture
async def platform(clock: ManualClock) -> AsyncIterator[FakePlatform]:
    async with FakePlatform(now=clock.now) as server:
        yield server


@pytest.fixture
async def adapter(platform: FakePlatform) -> AsyncIterator[HttpPlatformAdapter]:
    async with HttpPlatformAdapter(platform.url, platform=PLATFORM, rate_per_second=RATE) as a:
        yield a


# -- helpers -------------------------------------------------------------------


def to_member(member: str, key: str) -> Item:
    return key, OutgoingMessage(target=Target.dm(member), text=f"hello {member}: {key}")


def interleaved(targets: Sequence[Target], per_target: int, prefix: str = "m") -> list[Item]:
    """``per_target`` messages to each target, queued round-robin."""

    return [
        (
            f"{prefix}:{target.ordering_key()}:{n}",
            OutgoingMessage(target=target, text=f"message {n} to {target.ordering_key()}"),
        )
        for n in range(per_target)
        for target in targets
    ]


async def keep_draining(
    deliverer: Deliverer, sessions: async_sessionmaker[AsyncSession], max_rounds: int = 20_000
) -> None:
    """One instance's loop: drain, and look again until the outbox is empty.

    Several of these run side by side with ``asyncio.gather``; between rounds
    each yields to the event loop (no time passes) so the others can work.
    """

    for _ in range(max_rounds):
        await deliverer.drain()
        async with sessions() as session:
            if not await outbox_repo.has_unsent(session, PLATFORM):
                return
        await asyncio.sleep(0)
    raise AssertionError(f"{deliverer.worker} still saw unsent messages after {max_rounds} rounds")


async def claimed_by(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """Which worker last claimed each message, by idempotency key."""

    table = outbox_repo.outbox
    async with sessions() as session:
        found = await execute(session, select(table.c.idempotency_key, table.c.claimed_by))
        return {str(row["idempotency_key"]): str(row["claimed_by"]) for row in found.mappings()}


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await outbox_repo.status_counts(session, WORKSPACE)


def keys_by_target(records: Iterable[Received]) -> dict[str, list[str]]:
    by_target: dict[str, list[str]] = defaultdict(list)
    for record in records:
        target = Target.from_dict(record.payload["target"])
        by_target[target.ordering_key()].append(record.idempotency_key)
    return dict(by_target)


def queued_keys_by_target(items: Iterable[Item]) -> dict[str, list[str]]:
    by_target: dict[str, list[str]] = defaultdict(list)
    for key, message in items:
        by_target[message.target.ordering_key()].append(key)
    return dict(by_target)


def assert_each_delivered_once(platform: FakePlatform, items: Sequence[Item]) -> None:
    delivered = Counter(r.idempotency_key for r in platform.delivered)
    assert set(delivered) == {key for key, _ in items}, "some messages were lost"
    assert {k: n for k, n in delivered.items() if n > 1} == {}, "some were delivered twice"


def assert_spaced(records: Sequence[Received], at_least: timedelta) -> None:
    gaps = [b.at - a.at for a, b in itertools.pairwise(records)]
    assert gaps, "too few requests to check their spacing"
    assert min(gaps) >= at_least, f"two requests came {min(gaps)} apart"


def assert_retry_after_honoured(records: Sequence[Received]) -> None:
    for answered, following in itertools.pairwise(records):
        if answered.retry_after is not None:
            wait = timedelta(seconds=answered.retry_after)
            assert following.at >= answered.at + wait, (
                f"a request came {following.at - answered.at} after a 429 that asked for {wait}"
            )


# -- scenarios -----------------------------------------------------------------


async def test_a_platform_that_says_slow_down_then_fails_then_recovers_gets_every_message_once_in_order(  # noqa: E501
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    targets = [Target.dm("alice"), Target.dm("bob"), Target.channel("general")]
    items = interleaved(targets, per_target=6)
    await queue(sessions, clock, items)
    platform.rate_limit(times=3, retry_after=2)
    platform.fail(times=4, status=500)

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_attempts=8, base_backoff=1)
    await deliver_everything([deliverer], sessions, clock)

    statuses = Counter(r.status for r in platform.received)
    assert statuses == {429: 3, 500: 4, 200: len(items)}
    assert_each_delivered_once(platform, items)
    assert keys_by_target(platform.delivered) == queued_keys_by_target(items)
    assert_spaced(platform.received, at_least=timedelta(seconds=1 / RATE))
    assert_retry_after_honoured(platform.received)
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": len(items), "dead": 0}


async def test_a_busy_channel_gets_one_message_a_second_after_a_short_burst_and_dms_do_not_wait(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, platform: FakePlatform
) -> None:
    """Slack's chat.postMessage: about one a second in a channel, with short bursts."""

    channel = [
        (f"retro:{n}", OutgoingMessage(target=Target.channel("retro"), text=f"item {n}"))
        for n in range(8)
    ]
    dms = [to_member(name, f"dm:{name}") for name in ("alice", "bob", "carol")]
    await queue(sessions, clock, channel + dms)  # the DMs are queued behind the channel's

    async with HttpPlatformAdapter(
        platform.url, platform=PLATFORM, rate_per_second=RATE, per_target_rate=1, per_target_burst=3
    ) as paced:
        deliverer = Deliverer(sessions, paced, clock, worker="w1")
        await deliver_everything([deliverer], sessions, clock)

    assert_each_delivered_once(platform, channel + dms)
    assert keys_by_target(platform.delivered) == queued_keys_by_target(channel + dms)
    in_channel = [r.at for r in platform.delivered if r.idempotency_key.startswith("retro:")]
    dm_times = [r.at for r in platform.delivered if r.idempotency_key.startswith("dm:")]
    # The burst of three, then one a second: never more than 3 + W in any W seconds.
    for i, start in enumerate(in_channel):
        for end in in_channel[i + 1 :]:
            window = (end - start).total_seconds()
            assert in_channel.index(end) - i + 1 <= 3 + window + 1e-9
    assert in_channel[-1] - in_channel[0] >= timedelta(seconds=5)
    # The DMs went as soon as the overall rate allowed, not after the channel's queue.
    assert max(dm_times) < in_channel[3]
    assert_spaced(platform.received, at_least=timedelta(seconds=1 / RATE))


async def test_a_slow_down_answer_pauses_every_target_not_just_the_one_that_got_it(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    items = interleaved([Target.dm("alice"), Target.dm("bob"), Target.dm("carol")], per_target=2)
    await queue(sessions, clock, items)
    platform.rate_limit(times=1, retry_after=30)

    deliverer = Deliverer(sessions, adapter, clock, worker="w1")
    await deliver_everything([deliverer], sessions, clock)

    first, *rest = platform.received
    assert first.status == 429
    assert all(r.at >= first.at + timedelta(seconds=30) for r in rest)
    assert_each_delivered_once(platform, items)


async def test_slow_down_answers_do_not_use_up_a_messages_attempts(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    items = [to_member("alice", "checkin-run:1:member:alice")]
    await queue(sessions, clock, items)
    platform.rate_limit(times=5, retry_after=1)

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_attempts=2)
    await deliver_everything([deliverer], sessions, clock)

    assert [r.status for r in platform.received] == [429] * 5 + [200]
    assert_retry_after_honoured(platform.received)
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": 1, "dead": 0}


async def test_a_message_the_platform_keeps_failing_is_dead_lettered_after_max_attempts_with_a_warning(  # noqa: E501
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = interleaved([Target.dm("alice"), Target.dm("carol")], per_target=2)
    await queue(sessions, clock, items)
    platform.fail_when(lambda payload: payload["target"]["member_ids"] == ["carol"], status=503)

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_attempts=3, base_backoff=1)
    with caplog.at_level(logging.INFO, logger="convene.outbox"):
        await deliver_everything([deliverer], sessions, clock)

    carol_keys = [key for key, m in items if m.target == Target.dm("carol")]
    tries = Counter(r.idempotency_key for r in platform.received if r.status == 503)
    assert tries == {key: 3 for key in carol_keys}
    for key in carol_keys:
        attempts = [r.at for r in platform.received if r.idempotency_key == key]
        # Exponential back-off: 1 s, then 2 s (base_backoff * 2 ** (attempt - 1)).
        assert attempts[1] - attempts[0] >= timedelta(seconds=1)
        assert attempts[2] - attempts[1] >= timedelta(seconds=2)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    for key, record in zip(carol_keys, warnings, strict=True):
        assert key in record.getMessage() and "3 attempt(s)" in record.getMessage()
    assert {r.idempotency_key for r in platform.delivered} == {
        key for key, m in items if m.target == Target.dm("alice")
    }
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": 2, "dead": 2}


async def test_a_message_the_platform_refuses_is_dead_lettered_at_once(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = [to_member("gone", "intro:1:gone"), to_member("alice", "intro:1:alice")]
    await queue(sessions, clock, items)
    platform.fail_when(lambda payload: payload["target"]["member_ids"] == ["gone"], status=403)

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", max_attempts=8)
    with caplog.at_level(logging.WARNING, logger="convene.outbox"):
        await deliver_everything([deliverer], sessions, clock)

    assert [(r.idempotency_key, r.status) for r in platform.received] == [
        ("intro:1:gone", 403),
        ("intro:1:alice", 200),
    ]
    assert any(
        "intro:1:gone" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records
    )
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": 1, "dead": 1}


async def test_a_repeated_idempotency_key_is_queued_and_delivered_once(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    key = "checkin-run:42:member:7"
    first = OutgoingMessage(target=Target.dm("alice"), text="How was your week?")
    replay = OutgoingMessage(target=Target.dm("alice"), text="How was your week? (replayed)")
    await queue(sessions, clock, [(key, first)])
    await queue(sessions, clock, [(key, replay)])  # a retried event queues it again
    await queue(sessions, clock, [(key, replay), (key, replay)])  # twice in one batch

    assert await counts(sessions) == {"pending": 1, "sending": 0, "sent": 0, "dead": 0}
    deliverer = Deliverer(sessions, adapter, clock, worker="w1")
    await deliver_everything([deliverer], sessions, clock)

    assert [(r.idempotency_key, r.payload["text"]) for r in platform.received] == [
        (key, "How was your week?")
    ]
    await queue(sessions, clock, [(key, replay)])  # and once it is sent, still a no-op
    await deliver_everything([deliverer], sessions, clock)
    assert len(platform.received) == 1


async def test_thread_replies_are_delivered_after_their_root_under_the_roots_message_id(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
    adapter: HttpPlatformAdapter,
) -> None:
    root_key = "retro:5:opened"
    items: list[Item] = [
        (root_key, OutgoingMessage(target=Target.channel("retros"), text="Retro: glad/sad/mad")),
        *(
            (
                f"retro:5:item:{n}",
                OutgoingMessage(
                    target=Target.thread("retros", root_key=root_key), text=f"item {n}"
                ),
            )
            for n in range(3)
        ),
    ]
    await queue(sessions, clock, items)
    platform.fail(times=2, status=500)  # the root itself has to be retried

    deliverer = Deliverer(sessions, adapter, clock, worker="w1", base_backoff=1)
    await deliver_everything([deliverer], sessions, clock)

    assert [(r.idempotency_key, r.status) for r in platform.received] == [
        (root_key, 500),
        (root_key, 500),
        (root_key, 200),
        ("retro:5:item:0", 200),
        ("retro:5:item:1", 200),
        ("retro:5:item:2", 200),
    ]
    root, *replies = platform.delivered
    assert root.message_id is not None
    for reply in replies:
        assert reply.payload["target"]["kind"] == "thread"
        assert reply.payload["target"]["channel_id"] == "retros"
        assert reply.payload["target"]["thread_id"] == root.message_id
    async with sessions() as session:
        assert await outbox_repo.sent_ref(session, root_key) == {
            "message_id": root.message_id,
            "channel_id": "retros",
        }


async def test_two_deliverers_draining_the_same_database_never_send_a_message_twice(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
) -> None:
    targets = [Target.dm(f"member-{n}") for n in range(40)] + [Target.channel("general")]
    items = interleaved(targets, per_target=6)
    await queue(sessions, clock, items)

    async with (
        HttpPlatformAdapter(platform.url, platform=PLATFORM) as first,
        HttpPlatformAdapter(platform.url, platform=PLATFORM) as second,
    ):
        a = Deliverer(session_factory(engine), first, clock, worker="instance-a", batch_size=8)
        b = Deliverer(session_factory(engine), second, clock, worker="instance-b", batch_size=8)
        await asyncio.gather(keep_draining(a, sessions), keep_draining(b, sessions))

    assert_each_delivered_once(platform, items)
    assert keys_by_target(platform.delivered) == queued_keys_by_target(items)
    assert set((await claimed_by(sessions)).values()) == {"instance-a", "instance-b"}, (
        "both instances should have delivered some"
    )
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": len(items), "dead": 0}


async def test_two_throttled_deliverers_whose_batches_outlast_their_lease_never_send_twice(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    platform: FakePlatform,
) -> None:
    """A batch of 60 at 10 a second takes 6 s of clock time, three times its 2 s lease.

    The other instance must not take over rows the first is still working
    through, and the first must not send rows whose lease it has lost.
    """

    items = interleaved([Target.dm(f"member-{n}") for n in range(6)], per_target=20)
    await queue(sessions, clock, items)

    async with (
        HttpPlatformAdapter(platform.url, platform=PLATFORM, rate_per_second=RATE) as first,
        HttpPlatformAdapter(platform.url, platform=PLATFORM, rate_per_second=RATE) as second,
    ):
        a, b = (
            Deliverer(
                session_factory(engine), adapter, clock, worker=w, batch_size=60, lease_seconds=2
            )
            for w, adapter in (("instance-a", first), ("instance-b", second))
        )
        await asyncio.gather(keep_draining(a, sessions), keep_draining(b, sessions))

    assert_each_delivered_once(platform, items)
    assert keys_by_target(platform.delivered) == queued_keys_by_target(items)
    assert await counts(sessions) == {"pending": 0, "sending": 0, "sent": len(items), "dead": 0}
