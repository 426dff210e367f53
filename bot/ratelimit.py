"""A token bucket that sleeps on the injectable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock


class Limiter(Protocol):
    """What the deliverer and the adapters ask of a rate limit, kept here or shared."""

    async def acquire(self) -> None: ...

    def wait_time(self) -> float: ...

    def paused_for(self) -> float: ...

    def pause(self, seconds: float) -> None: ...

    def try_acquire(self) -> bool: ...

    def is_idle(self) -> bool: ...


class LaneSet(Protocol):
    """Per-target limits (``Lanes``), kept here or shared between instances."""

    def wait_time(self, key: str) -> float: ...

    def try_acquire(self, key: str) -> bool: ...

    async def load(self, keys: Iterable[str]) -> None: ...

    async def save(self) -> None: ...

    def __len__(self) -> int: ...


class TokenBucket:
    """Allows ``rate`` acquisitions a second on average, ``burst`` at once.

    In any window of W seconds at most ``burst + rate * W`` acquisitions go
    ahead. A waiter that wakes late (asyncio's timers overshoot by up to a
    millisecond) is credited from the moment its token was due, not from when
    it woke, so the overshoot is not lost: with ``burst=1`` and a 20 ms
    interval, losing it cost 7 % of the rate.

    ``pause`` empties the bucket until a moment (a platform's ``Retry-After``),
    so every later send waits for it too.
    """

    def __init__(self, clock: Clock, rate: float, burst: int = 1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock
        self._rate = rate
        self._capacity = float(max(1, burst))
        self._tokens = self._capacity
        self._updated: datetime = clock.now()
        self._paused_until: datetime | None = None

    def _refill(self, until: datetime | None = None) -> None:
        moment = until or self._clock.now()
        elapsed = (moment - self._updated).total_seconds()
        if elapsed > 0:
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._updated = moment

    def wait_time(self) -> float:
        """Seconds until the next acquisition may go ahead."""

        now = self._clock.now()
        if self._paused_until is not None and now < self._paused_until:
            return (self._paused_until - now).total_seconds()
        self._refill()
        if self._tokens >= 1.0:
            return 0.0
        return (1.0 - self._tokens) / self._rate

    async def acquire(self) -> None:
        while True:
            wait = self.wait_time()
            if wait <= 0:
                self._tokens -= 1.0
                return
            due = self._clock.now() + timedelta(seconds=wait)
            await self._clock.sleep(wait)
            paused = self._paused_until is not None and self._clock.now() < self._paused_until
            if not paused and self._clock.now() >= due:
                # Count the token as taken when it fell due, however late we woke.
                self._refill(until=due)
                if self._tokens >= 1.0 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return

    def paused_for(self) -> float:
        """Seconds left of a pause (a ``Retry-After``); 0 when not paused."""

        if self._paused_until is None:
            return 0.0
        return max(0.0, (self._paused_until - self._clock.now()).total_seconds())

    def pause(self, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until
        self._tokens = 0.0
        self._updated = until

    def try_acquire(self) -> bool:
        """Take a token if one is there now, without waiting."""

        if self.wait_time() > 0:
            return False
        self._tokens -= 1.0
        return True

    def is_idle(self) -> bool:
        """Full again and not paused: forgetting it changes nothing."""

        return self.wait_time() == 0 and self._tokens >= self._capacity


class Lanes:
    """A token bucket for each target (a Slack channel), made when first used.

    Platforms limit some sends per channel as well as overall: Slack's
    ``chat.postMessage`` allows about one a second in a channel, with short
    bursts. The deliverer asks a lane before sending and, when it is not ready,
    passes over that target for now instead of sleeping, so one busy channel
    does not hold up the direct messages queued behind it.
    """

    def __init__(self, clock: Clock, rate: float, burst: int, *, keep: int = 10_000) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._keep = keep
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, key: str) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._keep:
                self._buckets = {k: b for k, b in self._buckets.items() if not b.is_idle()}
            bucket = self._buckets[key] = TokenBucket(self._clock, self._rate, self._burst)
        return bucket

    def wait_time(self, key: str) -> float:
        """Seconds until ``key`` may have its next send (0: now)."""

        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.wait_time()

    def try_acquire(self, key: str) -> bool:
        return self._bucket(key).try_acquire()

    async def load(self, keys: Iterable[str]) -> None:
        """Nothing to read: this process is the only one sending."""

    async def save(self) -> None:
        """Nothing to write: this process is the only one sending."""

    def __len__(self) -> int:
        return len(self._buckets)


class WorkspaceBuckets:
    """One limit for each workspace, made when first used.

    Slack counts ``chat.postMessage`` for each workspace apart, so one busy
    workspace must neither slow the others nor be paused by their 429s.
    """

    def __init__(self, make: Callable[[str], Limiter], *, keep: int = 10_000) -> None:
        self._make = make
        self._keep = keep
        self._buckets: dict[str, Limiter] = {}

    def of(self, workspace: str) -> Limiter:
        bucket = self._buckets.get(workspace)
        if bucket is None:
            if len(self._buckets) >= self._keep:
                self._buckets = {k: b for k, b in self._buckets.items() if not b.is_idle()}
            bucket = self._buckets[workspace] = self._make(workspace)
        return bucket

    def paused(self) -> dict[str, float]:
        """The workspaces told to wait (a 429's Retry-After), with the seconds left."""

        pauses = {workspace: bucket.paused_for() for workspace, bucket in self._buckets.items()}
        return {workspace: wait for workspace, wait in pauses.items() if wait > 0}

    def paused_for(self) -> float:
        """Seconds until some workspace may send again, when every one known is paused."""

        pauses = [bucket.paused_for() for bucket in self._buckets.values()]
        return min(pauses) if pauses and all(p > 0 for p in pauses) else 0.0

    def __len__(self) -> int:
        return len(self._buckets)
