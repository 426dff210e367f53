"""Rate limits shared by every instance that talks to one platform.

A platform counts requests per bot (Discord's 50 a second) or per workspace
(Slack), whatever number of Convene processes send them. So with several
instances each limit lives in a store they all reach (``LimitStore``: the
PostgreSQL database, or Redis) as one number, ``booked_until``: the generic
cell rate algorithm's "theoretical arrival time". With ``interval = 1/rate``
and ``tolerance = (burst - 1) * interval``, the i-th send of a booking that
starts at ``start`` may go at ``max(now, start + i * interval - tolerance)``.
Those moments are exactly a token bucket's: in any window of W seconds the
store hands out at most ``rate * W + burst`` of them, however many instances
book.

Not one round trip a send: ``SharedTokenBucket`` books several moments at
once (up to ``HORIZON`` seconds of the rate; fewer while it leaves some
unused) and spends them locally. A moment not used within ``STALE_AFTER`` of
its time is dropped rather than spent late, so an instance that stalled never
turns its old bookings into a burst. A 429 moves the shared mark past the
``Retry-After`` (``pause``): every instance's next booking starts after it.

Per-target lanes (a Slack channel's one a second) are read for a batch's
targets when the deliverer claims it and written back when it hands the
batch back (``SharedLanes``): the outbox gives a target to one instance at a
time, so a lane only needs to travel with its target.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from bot.ratelimit import Lanes, LaneSet, Limiter, TokenBucket, WorkspaceBuckets
from storage.repositories import rate_limits as rate_limits_repo

log = logging.getLogger("convene.ratelimit")

HORIZON = 0.1
"""Seconds of a limit's rate one booking may take at most (20 sends at 200 a second)."""
STALE_AFTER = HORIZON
"""A booked moment unused this long after its time is dropped, not spent late: sends
reach the platform at most this late, so a window W there holds at most
``rate * (W + STALE_AFTER) + burst`` of them, in the worst case."""
FAR_AHEAD = 1.0
"""A booking that starts further ahead than this means another instance was told to wait."""
SWEEP_EVERY = 300.0
"""Seconds between sweeps of marks long past (they hold nothing back)."""
WARN_EVERY = 30.0
STORE_TIMEOUT = 0.5
"""Real seconds a booking may wait for the store (a pool with no free connection, a
Redis that does not answer) before the instance paces alone instead."""
STORE_RETRY_AFTER = 5.0
"""Seconds an instance paces alone after the store failed it, before asking again: a
store that is down is not asked before every send."""


class LimitStore(Protocol):
    """Where instances keep their shared limits' marks (seconds since the epoch)."""

    async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
        """Book ``count`` sends at once; returns where the booking starts."""
        ...

    async def raise_to(self, wanted: Mapping[str, float], *, now: float) -> None:
        """Move each mark to at least the moment given (``now``: the caller's time)."""
        ...

    async def read(self, keys: Iterable[str], *, after: float) -> dict[str, float]:
        """The marks of ``keys`` still ahead of ``after``."""
        ...

    async def close(self) -> None: ...


class MemoryLimitStore:
    """A store in this process: instances in one test share it; counts its round trips."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.round_trips = 0

    async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
        self.round_trips += 1
        start = max(self.marks.get(key, now), now)
        self.marks[key] = start + count * interval
        return start

    async def raise_to(self, wanted: Mapping[str, float], *, now: float) -> None:
        self.round_trips += 1
        for key, until in wanted.items():
            self.marks[key] = max(self.marks.get(key, until), until)

    async def read(self, keys: Iterable[str], *, after: float) -> dict[str, float]:
        self.round_trips += 1
        return {k: self.marks[k] for k in set(keys) if self.marks.get(k, after) > after}

    async def close(self) -> None:
        pass


class DatabaseLimitStore:
    """Marks in the ``rate_limit_marks`` table: one short statement a booking."""

    def __init__(self, engine: AsyncEngine) -> None:
        # On PostgreSQL each write is one statement, atomic by itself: no BEGIN and
        # COMMIT round trips around it. (SQLite's writes go through its own locking.)
        postgresql = engine.dialect.name == "postgresql"
        self._engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if postgresql else engine
        )
        self._last_sweep = 0.0

    async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
        async with self._engine.begin() as connection:
            start = await rate_limits_repo.book(
                connection, key, count=count, interval=interval, now=now
            )
            if now - self._last_sweep > SWEEP_EVERY:
                self._last_sweep = now
                await rate_limits_repo.sweep(connection, before=now - SWEEP_EVERY)
        return start

    async def raise_to(self, wanted: Mapping[str, float], *, now: float) -> None:
        if wanted:
            async with self._engine.begin() as connection:
                await rate_limits_repo.raise_to(connection, wanted)

    async def read(self, keys: Iterable[str], *, after: float) -> dict[str, float]:
        async with self._engine.connect() as connection:
            return await rate_limits_repo.read(connection, keys, after=after)

    async def close(self) -> None:
        """The engine is the app's: it closes it."""


class _Warnings:
    """One warning per ``WARN_EVERY`` seconds about an unreachable store, not one a send."""

    def __init__(self) -> None:
        self._last = -math.inf

    def say(self, now: float, what: str, error: BaseException) -> None:
        if now - self._last >= WARN_EVERY:
            self._last = now
            log.warning(
                "the shared rate limits could not be %s (%s); pacing this instance alone meanwhile",
                what,
                error,
            )


class SharedTokenBucket:
    """A token bucket whose tokens every instance books from one store (see the module)."""

    def __init__(
        self,
        clock: Clock,
        store: LimitStore,
        key: str,
        rate: float,
        burst: int = 1,
        *,
        horizon: float = HORIZON,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.key = key
        self._clock = clock
        self._store = store
        self._interval = 1.0 / rate
        self._tolerance = (max(1, burst) - 1) * self._interval
        self._most = max(1, math.ceil(rate * horizon))
        self._ask = 1
        self._dropped = False
        self._moments: deque[float] = deque()
        self._paused_until = -math.inf
        self._store_back_at = -math.inf
        self._booking = asyncio.Lock()
        self._alone = TokenBucket(clock, rate, burst)
        self._warnings = _Warnings()
        self._sharing: set[asyncio.Task[None]] = set()
        self.bookings = 0
        """Round trips to the store so far (a benchmark reports sends per booking)."""
        self.dropped = 0
        """Booked moments left unused (too late to spend, or the queue ran dry)."""

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _drop_stale(self, now: float) -> None:
        while self._moments and self._moments[0] < now - STALE_AFTER:
            self._moments.popleft()
            self._dropped = True
            self.dropped += 1

    async def acquire(self) -> None:
        while True:
            now = self._now()
            if now < self._paused_until:
                await self._clock.sleep(self._paused_until - now)
                continue
            self._drop_stale(now)
            if not self._moments:
                async with self._booking:
                    if not self._moments and not await self._book():
                        await self._alone.acquire()
                        return
                continue
            due = self._moments[0]
            if due > now:
                await self._clock.sleep(due - now)
                continue
            self._moments.popleft()
            return

    async def _book(self) -> bool:
        """Book the next few moments; False when the store cannot be reached."""

        # Book half as many after leaving some unused (this instance could not keep up
        # with them, or its queue ran dry), one more while all are used: the bookings
        # settle at what this instance can send in time.
        self._ask = max(1, self._ask // 2) if self._dropped else min(self._most, self._ask + 1)
        self._dropped = False
        now = self._now()
        if now < self._store_back_at:
            return False
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                start = await self._store.book(
                    self.key, count=self._ask, interval=self._interval, now=now
                )
        except Exception as failure:
            self._warnings.say(now, "booked", failure)
            self._store_back_at = now + STORE_RETRY_AFTER
            return False
        self.bookings += 1
        moments = [max(now, start + i * self._interval - self._tolerance) for i in range(self._ask)]
        if moments[0] - now > FAR_AHEAD:
            self._paused_until = max(self._paused_until, moments[0])
        self._moments.extend(moments)
        return True

    def wait_time(self) -> float:
        now = self._now()
        if now < self._paused_until:
            return self._paused_until - now
        self._drop_stale(now)
        return max(0.0, self._moments[0] - now) if self._moments else 0.0

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._now())

    def pause(self, seconds: float) -> None:
        """The platform said 429: this instance waits, and every other one's next booking."""

        until = self._now() + seconds
        self._paused_until = max(self._paused_until, until)
        self._moments.clear()
        self._alone.pause(seconds)
        task = asyncio.get_running_loop().create_task(self._share_pause(until))
        self._sharing.add(task)
        task.add_done_callback(self._sharing.discard)

    async def _share_pause(self, until: float) -> None:
        try:
            await self._store.raise_to({self.key: until + self._tolerance}, now=self._now())
        except Exception as failure:
            self._warnings.say(self._now(), "told of a pause", failure)

    def try_acquire(self) -> bool:
        if self.wait_time() > 0 or not self._moments:
            return False
        self._moments.popleft()
        return True

    def is_idle(self) -> bool:
        return not self._moments and self.paused_for() == 0 and not self._sharing


class SharedLanes:
    """Per-target limits that travel with their target between instances (see the module)."""

    def __init__(
        self,
        clock: Clock,
        store: LimitStore,
        prefix: str,
        rate: float,
        burst: int,
        *,
        keep: int = 10_000,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock
        self._store = store
        self._prefix = prefix
        self._interval = 1.0 / rate
        self._tolerance = (max(1, burst) - 1) * self._interval
        self._keep = keep
        self._booked: dict[str, float] = {}
        self._unsaved: set[str] = set()
        self._warnings = _Warnings()

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def wait_time(self, key: str) -> float:
        booked = self._booked.get(key)
        return 0.0 if booked is None else max(0.0, booked - self._tolerance - self._now())

    def try_acquire(self, key: str) -> bool:
        if self.wait_time(key) > 0:
            return False
        now = self._now()
        if key not in self._booked and len(self._booked) >= self._keep:
            self._booked = {k: b for k, b in self._booked.items() if b > now or k in self._unsaved}
        self._booked[key] = max(self._booked.get(key, now), now) + self._interval
        self._unsaved.add(key)
        return True

    async def load(self, keys: Iterable[str]) -> None:
        """Take in what other instances booked for these targets (one read)."""

        now = self._now()
        try:
            marks = await self._store.read([self._prefix + k for k in keys], after=now)
        except Exception as failure:
            self._warnings.say(now, "read", failure)
            return
        for name, booked in marks.items():
            key = name.removeprefix(self._prefix)
            self._booked[key] = max(self._booked.get(key, booked), booked)

    async def save(self) -> None:
        """Write this instance's bookings for the targets it sent to (one write).

        Only lanes more than one send ahead: a target sent a single message (a
        check-in's DM to each member) holds nobody back, and writing a row for
        each would cost the database a write a send. At worst the next instance
        sends one more than the burst in that target's window.
        """

        if not self._unsaved:
            return
        worth = self._now() + self._interval
        wanted = {
            self._prefix + k: self._booked[k]
            for k in self._unsaved
            if self._booked.get(k, worth) > worth
        }
        self._unsaved.clear()
        if not wanted:
            return
        try:
            await self._store.raise_to(wanted, now=self._now())
        except Exception as failure:
            self._warnings.say(self._now(), "written", failure)

    def __len__(self) -> int:
        return len(self._booked)


class RateLimits:
    """Makes this instance's limits: in the process (``store=None``) or shared through a store."""

    def __init__(self, clock: Clock, store: LimitStore | None = None) -> None:
        self._clock = clock
        self.store = store

    @property
    def shared(self) -> bool:
        return self.store is not None

    def bucket(self, key: str, rate: float, burst: int = 1) -> Limiter:
        if self.store is None:
            return TokenBucket(self._clock, rate, burst)
        return SharedTokenBucket(self._clock, self.store, key, rate, burst)

    def per_workspace(self, prefix: str, rate: float, burst: int) -> WorkspaceBuckets:
        return WorkspaceBuckets(lambda workspace: self.bucket(f"{prefix}{workspace}", rate, burst))

    def lanes(self, prefix: str, rate: float, burst: int) -> LaneSet:
        if self.store is None:
            return Lanes(self._clock, rate, burst)
        return SharedLanes(self._clock, self.store, prefix, rate, burst)

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()


def rate_limits_for(settings: Settings, engine: AsyncEngine, clock: Clock) -> RateLimits:
    """The limits ``[rate_limits] shared`` asks for: local, in the database, or in Redis."""

    where = settings.rate_limit_store
    if where == "database":
        return RateLimits(clock, DatabaseLimitStore(engine))
    if where == "redis":
        from bot.redis_limits import RedisLimitStore  # redis is an extra: loaded when asked for

        return RateLimits(clock, RedisLimitStore(settings.rate_limits.redis_url))
    return RateLimits(clock)
