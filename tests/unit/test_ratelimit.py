"""The token bucket: never faster than its limit, and no rate lost to late wake-ups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.limits import MethodPace
from bot.clock import ManualClock
from bot.ratelimit import Lanes, TokenBucket

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class OvershootingClock(ManualClock):
    """Like asyncio's timers: every sleep ends a millisecond late."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + 0.001 if seconds > 0 else seconds)


async def acquisitions(clock: ManualClock, bucket: TokenBucket, count: int) -> list[datetime]:
    times = []
    for _ in range(count):
        await bucket.acquire()
        times.append(clock.now())
    return times


def most_in_any_window(times: list[datetime], window: timedelta) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_a_bucket_of_one_spaces_sends_exactly_at_the_rate() -> None:
    clock = ManualClock(START)
    times = await acquisitions(clock, TokenBucket(clock, rate=50, burst=1), 101)
    gaps = {round((b - a).total_seconds(), 6) for a, b in itertools.pairwise(times)}
    assert gaps == {0.02}


async def test_late_wake_ups_do_not_cost_rate_and_never_exceed_the_limit() -> None:
    clock = OvershootingClock(START)
    times = await acquisitions(clock, TokenBucket(clock, rate=50, burst=1), 501)
    elapsed = (times[-1] - times[0]).total_seconds()
    assert elapsed <= 10.0 + 0.002  # 500 intervals of 20 ms, not of 21 ms
    assert most_in_any_window(times, timedelta(seconds=1)) <= 50 + 1


async def test_a_pause_holds_every_later_acquisition() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(clock, rate=10, burst=5)
    await bucket.acquire()
    bucket.pause(30)
    await bucket.acquire()
    assert clock.now() >= START + timedelta(seconds=30)


async def test_slack_edits_beyond_a_ten_second_burst_go_at_chat_update_s_fifty_a_minute() -> None:
    clock = ManualClock(START)
    pace = MethodPace(clock)
    times = []
    for _ in range(58):
        await pace.before("chat.update")
        times.append(clock.now())
    # 8 at once (ten seconds' worth), then one every 1.2 s.
    assert times[7] == START
    assert times[-1] - START == timedelta(seconds=50 * 1.2)
    assert most_in_any_window(times, timedelta(minutes=1)) <= 50 + 8


async def test_slack_methods_without_a_pace_and_reads_never_wait() -> None:
    clock = ManualClock(START)
    pace = MethodPace(clock)
    for _ in range(500):
        await pace.before("users.info")
        await pace.before("chat.postMessage")  # paced per channel by the deliverer instead
    assert clock.now() == START


async def test_a_429_on_one_slack_method_holds_that_method_only() -> None:
    clock = ManualClock(START)
    pace = MethodPace(clock)
    pace.pause("views.publish", 30)
    await pace.before("chat.update")
    assert clock.now() == START
    await pace.before("views.publish")
    # Retry-After, then the bucket refills from empty: one call's interval (0.6 s).
    assert clock.now() == START + timedelta(seconds=30.6)


def test_lanes_forget_channels_that_are_quiet_again_so_memory_stays_bounded() -> None:
    clock = ManualClock(START)
    lanes = Lanes(clock, rate=1, burst=3, keep=100)
    for n in range(100):
        assert lanes.try_acquire(f"channel:{n}")
    assert lanes.wait_time("channel:0") == 0  # 2 of 3 left
    clock.advance(timedelta(seconds=2))  # every lane full again
    assert lanes.try_acquire("channel:new")
    assert len(lanes) == 1
    for _ in range(3):
        assert lanes.try_acquire("channel:busy")
    assert not lanes.try_acquire("channel:busy")
    assert lanes.wait_time("channel:busy") == pytest.approx(1.0)
