"""A clock for several tasks at once: time moves to the earliest sleeper's wake-up.

``ManualClock.sleep`` moves the clock by each sleep, so two tasks sleeping
side by side add their sleeps up and time runs too fast. Here a sleeper waits
until ``run`` moves the clock to its moment, as a real clock would, and
``run`` moves it only once every task is asleep: concurrent senders see the
same instants they would in real time, with no real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

SETTLE_ROUNDS = 20
"""Event-loop turns given to the tasks before the clock moves (they make no real I/O)."""


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        due = self._now + timedelta(microseconds=math.ceil(seconds * 1_000_000))
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (due, next(self._order), woken))
        await woken

    async def run(self, *work: Awaitable[Any], until: datetime) -> None:
        """Run ``work`` side by side, moving the clock, until it ends or ``until`` comes."""

        tasks = [asyncio.ensure_future(w) for w in work]
        try:
            while not all(t.done() for t in tasks):
                for _ in range(SETTLE_ROUNDS):
                    await asyncio.sleep(0)
                if not self._sleepers or self._sleepers[0][0] > until:
                    break
                due, _, woken = heapq.heappop(self._sleepers)
                self._now = max(self._now, due)
                woken.set_result(None)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for task in tasks:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
