"""A scheduler of the tests' own, on a ``ManualClock``, for the schedule and timer tests.

Time never passes by sleeping: a test moves the clock and asks the scheduler
to run what is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.scheduler import JobRunner, Scheduler, TimerRunner
from storage.models import Schedule

SUNDAY = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)
"""A Sunday morning, so the next 09:00 is a Monday's."""
MONDAY_9 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)
IDLE_POLL = 0.01


async def never_a_schedule(session: AsyncSession, schedule: Schedule, slot: datetime) -> None:
    raise AssertionError(f"no schedule should run here, yet schedule {schedule.id} did")


def scheduler_on(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    *,
    instance: str = "a",
    jobs: JobRunner = never_a_schedule,
    timers: TimerRunner | None = None,
    idle_poll: float = IDLE_POLL,
) -> Scheduler:
    """One instance's scheduler: ``jobs`` runs schedule slots, ``timers`` runs timers.

    ``idle_poll`` is real time between looks at the (manual) clock when it runs in
    the background (``start``), not time passing.
    """

    return Scheduler(
        sessions,
        clock,
        jobs,
        instance=instance,
        grace=GRACE,
        idle_poll=idle_poll,
        timer_runner=timers,
    )


async def run_in_the_background(
    scheduler: Scheduler,
    clock: ManualClock,
    steps: Sequence[tuple[datetime, asyncio.Event]],
    *,
    within: float = 10.0,
) -> None:
    """Start the scheduler's own loop; for each step move the clock to its moment, wake
    the scheduler and wait (at most ``within`` seconds) for its event; then stop it."""

    await scheduler.start()
    try:
        for moment, happened in steps:
            clock.set(moment)
            scheduler.wake()
            await asyncio.wait_for(happened.wait(), timeout=within)
    finally:
        await scheduler.stop()
