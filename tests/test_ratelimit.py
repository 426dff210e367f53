"""The token bucket: never faster than its limit, and no rate lost to late wake-ups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.ratelimit import TokenBucket

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
