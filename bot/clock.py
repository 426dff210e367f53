"""The injectable clock.

Everything in Convene that asks "what time is it?" or "wake me at…" asks a
``Clock``. Production uses the system clock; tests and the shell's ``:clock``
move a manual one, so no test ever sleeps to wait for time to pass.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait until ``seconds`` of this clock's time have passed."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told.

    ``sleep`` advances the clock itself instead of waiting, so a rate limiter
    or a back-off that sleeps runs instantly in tests while its spacing can
    still be checked in this clock's time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware datetime")
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("the clock only moves forward")
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            # Round up to whole microseconds (timedelta's resolution): rounding
            # down would let a sleeper wake before its time, and a token bucket
            # asking for a fraction of a microsecond would then never move.
            self.advance(timedelta(microseconds=math.ceil(seconds * 1_000_000)))
        await asyncio.sleep(0)


class OffsetClock:
    """Wall-clock time plus an offset that only grows.

    The interactive shell uses it: time passes as usual, and ``:clock +3h``
    jumps ahead without stopping it.
    """

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("OffsetClock.set needs a timezone-aware datetime")
        delta = when - self.now()
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        self._offset += delta

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        self._offset += delta

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
