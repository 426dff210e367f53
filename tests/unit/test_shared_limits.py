"""Shared rate limits: instances together stay within one limit, and lose little of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.limits import MethodPace
from bot import shared_limits
from bot.clock import ManualClock
from bot.ratelimit import TokenBucket
from bot.shared_limits import MemoryLimitStore, RateLimits, SharedLanes, SharedTokenBucket
from tests.support.simulated_clock import SimulatedClock

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def most_in_any_window(times: list[datetime], window: timedelta) -> int:
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most


async def keep_sending(
    clock: SimulatedClock, bucket: SharedTokenBucket, sent: list[datetime]
) -> None:
    while True:
        await bucket.acquire()
        sent.append(clock.now())


async def three_instances(
    rate: float, burst: int, seconds: float, senders_each: int = 2
) -> tuple[list[datetime], MemoryLimitStore]:
    clock = SimulatedClock(START)
    store = MemoryLimitStore()
    sent: list[datetime] = []
    instances = [SharedTokenBucket(clock, store, "fake:send:T-1", rate, burst) for _ in range(3)]
    senders = [
        keep_sending(clock, bucket, sent) for bucket in instances for _ in range(senders_each)
    ]
    await clock.run(*senders, until=START + timedelta(seconds=seconds))
    return [t for t in sent if t < START + timedelta(seconds=seconds)], store


async def test_three_instances_sharing_200_a_second_burst_5_get_at_most_rate_w_plus_5() -> None:
    sent, _ = await three_instances(rate=200, burst=5, seconds=5)

    for window in (0.005, 0.1, 1.0, 3.0):
        assert most_in_any_window(sent, timedelta(seconds=window)) <= 200 * window + 5
    assert most_in_any_window(sent, timedelta(microseconds=1)) <= 5


async def test_three_instances_sharing_200_a_second_get_between_95_and_100_percent_of_it() -> None:
    sent, _ = await three_instances(rate=200, burst=1, seconds=5)

    assert 0.95 * 200 * 5 <= len(sent) <= 200 * 5 + 1


async def test_instances_book_several_sends_a_round_trip_not_one_each() -> None:
    sent, store = await three_instances(rate=200, burst=1, seconds=5)

    assert store.round_trips <= len(sent) / 5


async def test_three_instances_sharing_discord_s_50_a_second_send_at_most_50_in_a_second() -> None:
    sent, _ = await three_instances(rate=50, burst=1, seconds=10)

    assert most_in_any_window(sent, timedelta(seconds=1)) <= 51
    assert len(sent) >= 0.95 * 50 * 10


async def test_a_429_one_instance_got_pauses_every_instance_until_its_retry_after() -> None:
    clock = ManualClock(START)
    store = MemoryLimitStore()
    told, other = (SharedTokenBucket(clock, store, "slack:send:T-1", 10, 5) for _ in range(2))
    await told.acquire()

    told.pause(30)
    await asyncio.sleep(0)  # the pause reaches the store in a task of its own
    await other.acquire()

    assert clock.now() >= START + timedelta(seconds=30)
    assert told.wait_time() == 0  # and the one told is free again when it ends


async def test_an_instance_that_stalled_drops_its_old_bookings_instead_of_bursting_them() -> None:
    clock = ManualClock(START)
    store = MemoryLimitStore()
    bucket = SharedTokenBucket(clock, store, "fake:send:T-1", 100, 1)
    times = []
    for _ in range(40):  # grows its bookings to 10 at a time
        await bucket.acquire()
        times.append(clock.now())
    await bucket.acquire()  # holds the rest of a booking
    times.append(clock.now())

    clock.advance(timedelta(seconds=2))  # paused (SIGSTOP, a long database wait)
    for _ in range(20):
        await bucket.acquire()
        times.append(clock.now())

    assert most_in_any_window(times, timedelta(seconds=0.1)) <= 100 * 0.1 + 1
    assert most_in_any_window(times, timedelta(microseconds=1)) == 1


async def test_a_store_that_cannot_be_reached_leaves_the_instance_pacing_alone() -> None:
    class Unreachable(MemoryLimitStore):
        async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
            raise ConnectionError("no route to the database")

    clock = ManualClock(START)
    bucket = SharedTokenBucket(clock, Unreachable(), "fake:send:T-1", 10, 1)
    local = TokenBucket(ManualClock(START), 10, 1)
    for _ in range(11):
        await bucket.acquire()
        await local.acquire()

    assert clock.now() == START + timedelta(seconds=1)


async def test_a_store_that_hangs_is_given_up_on_and_not_asked_before_every_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database pool with no free connection must not hold Discord's every request."""

    class Hanging(MemoryLimitStore):
        asked = 0

        async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
            Hanging.asked += 1
            await asyncio.Event().wait()  # never answers
            raise AssertionError("unreachable")

    monkeypatch.setattr(shared_limits, "STORE_TIMEOUT", 0.01)
    clock = ManualClock(START)
    bucket = SharedTokenBucket(clock, Hanging(), "discord:global", 10, 1)
    for _ in range(11):  # a second of sends at 10 a second: within STORE_RETRY_AFTER
        await bucket.acquire()

    assert Hanging.asked == 1
    assert clock.now() == START + timedelta(seconds=1)  # paced alone meanwhile


async def test_a_channel_s_pace_travels_with_it_to_the_instance_that_sends_there_next() -> None:
    clock = ManualClock(START)
    store = MemoryLimitStore()
    first, second = (SharedLanes(clock, store, "slack:lane:", 1.0, 3) for _ in range(2))
    for _ in range(3):
        assert first.try_acquire("channel:C1")
    assert not first.try_acquire("channel:C1")  # its burst of three is spent
    await first.save()

    await second.load(["channel:C1", "dm:U1"])

    assert second.wait_time("channel:C1") > 0
    assert second.wait_time("dm:U1") == 0
    clock.advance(timedelta(seconds=1))
    assert second.try_acquire("channel:C1")
    assert not second.try_acquire("channel:C1")


async def test_lanes_write_the_targets_they_sent_several_messages_in_one_round_trip() -> None:
    clock = ManualClock(START)
    store = MemoryLimitStore()
    lanes = SharedLanes(clock, store, "slack:lane:", 1.0, 3)
    for n in range(50):
        lanes.try_acquire(f"channel:C{n}")
        lanes.try_acquire(f"channel:C{n}")
    for n in range(1000):
        lanes.try_acquire(f"dm:U{n}")  # one each, as a check-in's fan-out: holds nobody back

    await lanes.save()
    await lanes.save()  # nothing new: no round trip

    assert store.round_trips == 1
    assert sorted(store.marks) == sorted(f"slack:lane:channel:C{n}" for n in range(50))


async def test_two_instances_editing_in_slack_share_chat_update_s_fifty_a_minute() -> None:
    clock = ManualClock(START)
    limits = RateLimits(clock, MemoryLimitStore())
    paces = [MethodPace(clock, limits), MethodPace(clock, limits)]
    times = []
    for _ in range(30):
        for pace in paces:
            await pace.before("chat.update")
            times.append(clock.now())

    burst = 50 * 10 // 60  # ten seconds' worth
    assert most_in_any_window(times, timedelta(microseconds=1)) <= burst
    assert most_in_any_window(times, timedelta(seconds=60)) <= 50 + burst
