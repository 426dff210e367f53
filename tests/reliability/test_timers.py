"""One-off timers: a reminder or a member's 09:00 fires once, at its time, however late.

Time never passes by sleeping here: each test moves a ``ManualClock`` and asks
the scheduler (or the app, which steps it) to run what is due.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.context import JobContext
from bot.scheduler import Scheduler, TimerRunner
from storage.engine import create_engine, session_factory
from storage.models import ProcessedEvent, Timer
from storage.repositories import events as events_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import timers as timers_repo
from storage.repositories import workspaces as workspaces_repo
from tests.support.harness import running
from tests.support.scheduling import (
    GRACE,
    MONDAY_9,
    SUNDAY,
    never_a_schedule,
    run_in_the_background,
    scheduler_on,
)


@dataclass
class TimerLog:
    """A timer runner that records each timer it was asked to run, by whom and when."""

    clock: ManualClock
    calls: list[tuple[str, str, datetime]] = field(default_factory=list)

    def runner(self, instance: str) -> TimerRunner:
        async def run(session: AsyncSession, timer: Timer) -> None:
            self.calls.append((instance, timer.key, self.clock.now()))

        return run

    def keys(self) -> list[str]:
        return [key for _, key, _ in self.calls]


async def workspace_id(
    sessions: async_sessionmaker[AsyncSession], *, platform: str = "memory", external: str = "T1"
) -> int:
    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, platform, external, "Test", SUNDAY)
        assert workspace.id is not None
        return workspace.id


async def add_timers(
    sessions: async_sessionmaker[AsyncSession],
    *timers: tuple[str, datetime],
    job: str = "test.timer",
    subject_id: int | None = 7,
    workspace: int | None = None,
) -> None:
    wid = workspace if workspace is not None else await workspace_id(sessions)
    async with sessions.begin() as session:
        await timers_repo.add_many(
            session,
            workspace_id=wid,
            job=job,
            subject_id=subject_id,
            items=[timers_repo.NewTimer(key, due) for key, due in timers],
        )


async def timer_rows(sessions: async_sessionmaker[AsyncSession]) -> list[Timer]:
    async with sessions() as session:
        found = await session.exec(select(Timer).order_by(col(Timer.due_at), col(Timer.id)))
        return list(found.all())


# -- once, at its time --------------------------------------------------------------------


async def test_a_timer_fires_once_at_its_time_and_not_a_moment_before(database_url: str) -> None:
    async with running(database_url, start=SUNDAY) as convene:
        fired: list[tuple[JobContext, datetime]] = []

        async def remember(context: JobContext) -> None:
            fired.append((context, context.now))

        convene.app.registry.job("test.reminder", remember)
        workspace = await workspace_id(convene.app.sessions, external=convene.adapter.workspace_id)
        await add_timers(
            convene.app.sessions,
            ("reminder:42", MONDAY_9),
            job="test.reminder",
            subject_id=42,
            workspace=workspace,
        )

        await convene.app.advance_clock_to(MONDAY_9 - timedelta(microseconds=1))
        assert fired == [], "the timer fired before its time"

        await convene.app.advance_clock_to(MONDAY_9 + timedelta(days=2))

        assert len(fired) == 1
        context, fired_at = fired[0]
        assert context.schedule is None
        assert context.subject_id == 42
        assert context.slot == MONDAY_9
        assert fired_at == MONDAY_9, "it fired at its own time, not when the clock stopped"
        assert context.workspace.id == workspace
        [row] = await timer_rows(convene.app.sessions)
        assert (row.status, row.fired_at) == ("ran", MONDAY_9)

        await convene.app.settle()
        assert len(fired) == 1


async def test_two_instances_on_one_database_fire_a_timer_once(
    engine: AsyncEngine, database_url: str
) -> None:
    sessions = session_factory(engine)
    await add_timers(sessions, ("checkin-run:1:at:09:00", MONDAY_9))
    other_engine = create_engine(database_url)
    try:
        clock = ManualClock(MONDAY_9)
        log = TimerLog(clock)
        both_found_it_due = asyncio.Barrier(2)

        class RacingScheduler(Scheduler):
            async def _run_timer(self, timer: Timer) -> bool:
                await both_found_it_due.wait()  # neither claims until both are about to
                return await super()._run_timer(timer)

        first, second = (
            RacingScheduler(
                factory,
                clock,
                never_a_schedule,
                instance=name,
                grace=GRACE,
                timer_runner=log.runner(name),
            )
            for factory, name in (
                (session_factory(engine), "instance-a"),
                (session_factory(other_engine), "instance-b"),
            )
        )

        ran = await asyncio.gather(first.run_due(), second.run_due())

        assert sorted(ran) == [0, 1]
        assert log.keys() == ["checkin-run:1:at:09:00"]
        [row] = await timer_rows(sessions)
        assert row.status == "ran"
        assert await first.run_due() == await second.run_due() == 0
        assert len(log.calls) == 1
    finally:
        await other_engine.dispose()


async def test_a_timer_added_twice_with_the_same_key_is_one_timer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A replayed slot or a retried event plans the same moment again, even in one batch.
    await add_timers(sessions, ("checkin-run:3:at:09:00", MONDAY_9))
    await add_timers(
        sessions,
        ("checkin-run:3:at:09:00", MONDAY_9 + timedelta(hours=1)),
        ("checkin-run:3:at:09:00", MONDAY_9 + timedelta(hours=2)),
    )

    rows = await timer_rows(sessions)
    assert [(row.key, row.due_at, row.status) for row in rows] == [
        ("checkin-run:3:at:09:00", MONDAY_9, "pending")
    ], "the first timer stays as it was planned"

    clock = ManualClock(MONDAY_9 + timedelta(hours=3))
    log = TimerLog(clock)
    scheduler = scheduler_on(sessions, clock, timers=log.runner("a"))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    assert log.keys() == ["checkin-run:3:at:09:00"]

    # Adding it again once it has fired does not bring it back.
    await add_timers(sessions, ("checkin-run:3:at:09:00", MONDAY_9 + timedelta(hours=4)))
    clock.advance(timedelta(hours=2))
    assert await scheduler.run_due() == 0
    assert [row.status for row in await timer_rows(sessions)] == ["ran"]


# -- late, after a stop -------------------------------------------------------------------


async def test_a_timer_due_while_convene_was_stopped_fires_late_on_restart_with_no_grace_skip(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="convene.scheduler")
    wid = await workspace_id(sessions)
    await add_timers(sessions, ("remind:alice", MONDAY_9), workspace=wid)
    # A daily schedule at the same moment, to show the difference: its slot is
    # skipped once later than the grace, the timer is not.
    async with sessions.begin() as session:
        schedule = await schedules_repo.create(
            session, workspace_id=wid, job="digest", cron="0 9 * * *", timezone="UTC", now=SUNDAY
        )
        assert schedule.id is not None
        schedule_id = schedule.id

    clock = ManualClock(SUNDAY)
    log = TimerLog(clock)
    before_stop = scheduler_on(sessions, clock, timers=log.runner("before"))
    assert await before_stop.run_due() == 0

    # Convene is down from Sunday until the Wednesday evening after the timer was due.
    restart = MONDAY_9 + timedelta(days=2, hours=10)
    clock.set(restart)
    after_restart = scheduler_on(sessions, clock, timers=log.runner("after-restart"))
    assert await after_restart.run_due() == 1

    assert log.calls == [("after-restart", "remind:alice", restart)]
    [row] = await timer_rows(sessions)
    assert (row.status, row.fired_at) == ("ran", restart)
    async with sessions() as session:
        slots = [
            (run.slot_at, run.status) for run in await schedules_repo.runs(session, schedule_id)
        ]
    assert slots == [(MONDAY_9 + timedelta(days=2), "skipped")]
    assert await after_restart.run_due() == 0
    assert len(log.calls) == 1


async def test_timers_due_together_fire_in_time_order_after_a_restart(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_timers(
        sessions,
        ("close", MONDAY_9 + timedelta(hours=15)),
        ("ask", MONDAY_9),
        ("remind", MONDAY_9 + timedelta(hours=3)),
    )
    clock = ManualClock(MONDAY_9 + timedelta(days=1))
    log = TimerLog(clock)

    assert await scheduler_on(sessions, clock, timers=log.runner("a")).run_due() == 3

    assert log.keys() == ["ask", "remind", "close"]


# -- failures -----------------------------------------------------------------------------


async def test_a_failing_timer_is_logged_marked_failed_and_not_retried_and_others_still_fire(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    await add_timers(
        sessions,
        ("broken", MONDAY_9),
        ("healthy", MONDAY_9 + timedelta(minutes=1)),
        job="checkin.tick",
    )
    attempts: list[str] = []

    async def flaky(session: AsyncSession, timer: Timer) -> None:
        attempts.append(timer.key)
        await events_repo.record_processed(session, "test", f"work-of-{timer.key}", MONDAY_9)
        if timer.key == "broken":
            raise RuntimeError("the run this timer belongs to is corrupt")

    clock = ManualClock(MONDAY_9 + timedelta(minutes=5))
    scheduler = scheduler_on(sessions, clock, timers=flaky)

    assert await scheduler.run_due() == 1

    assert attempts == ["broken", "healthy"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "timer broken (checkin.tick) failed" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert "is corrupt" in str(errors[0].exc_info[1])
    statuses = {row.key: (row.status, row.fired_at) for row in await timer_rows(sessions)}
    assert statuses == {"broken": ("failed", clock.now()), "healthy": ("ran", clock.now())}
    async with sessions() as session:
        work = (await session.exec(select(ProcessedEvent.event_id))).all()
    assert work == ["work-of-healthy"], "the failed timer's work was rolled back with its claim"

    # Not retried: not on the next look, not after a restart, not a week later.
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(days=7))
    assert await scheduler_on(sessions, clock, timers=flaky, instance="restarted").run_due() == 0
    assert attempts == ["broken", "healthy"]
    assert await scheduler.next_slot() is None


async def test_the_running_scheduler_survives_a_failing_timer_and_fires_the_next(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_timers(sessions, ("first", MONDAY_9), ("second", MONDAY_9 + timedelta(hours=1)))
    failed, succeeded = asyncio.Event(), asyncio.Event()

    async def flaky(session: AsyncSession, timer: Timer) -> None:
        if timer.key == "first":
            failed.set()
            raise RuntimeError("boom")
        succeeded.set()

    clock = ManualClock(SUNDAY)
    scheduler = scheduler_on(sessions, clock, timers=flaky)
    await run_in_the_background(
        scheduler, clock, [(MONDAY_9, failed), (MONDAY_9 + timedelta(hours=1), succeeded)]
    )

    assert [row.status for row in await timer_rows(sessions)] == ["failed", "ran"]


# -- the next wake-up ----------------------------------------------------------------------


async def test_the_next_wake_up_is_the_earliest_pending_timer_or_schedule_slot(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    wid = await workspace_id(sessions)
    clock = ManualClock(SUNDAY)
    log = TimerLog(clock)
    scheduler = scheduler_on(sessions, clock, timers=log.runner("a"))
    assert await scheduler.next_slot() is None

    # A daily schedule at 09:00 Monday, and timers before and after it.
    async with sessions.begin() as session:
        await schedules_repo.create(
            session, workspace_id=wid, job="digest", cron="0 9 * * *", timezone="UTC", now=SUNDAY
        )
    assert await scheduler.next_slot() == MONDAY_9

    early = SUNDAY + timedelta(hours=2)
    await add_timers(
        sessions, ("late", MONDAY_9 + timedelta(hours=3)), ("early", early), workspace=wid
    )
    assert await scheduler.next_slot() == early

    clock.set(early)
    assert await scheduler.run_due() == 1
    assert await scheduler.next_slot() == MONDAY_9, "a fired timer no longer counts"

    # A timer already overdue (added by a handler for a moment just passed) wakes at once.
    overdue = early - timedelta(minutes=10)
    await add_timers(sessions, ("overdue", overdue), workspace=wid)
    assert await scheduler.next_slot() == overdue

    # A scheduler with no timer runner leaves timers to the instances that have one.
    without_timers = scheduler_on(sessions, clock, instance="b")
    assert await without_timers.next_slot() == MONDAY_9
    assert await without_timers.run_due() == 0
    assert [row.status for row in await timer_rows(sessions)] == ["pending", "ran", "pending"]


async def test_advancing_the_app_clock_fires_each_timer_at_its_own_time(database_url: str) -> None:
    async with running(database_url, start=SUNDAY) as convene:
        fired: list[tuple[datetime, datetime, int | None]] = []

        async def remember(context: JobContext) -> None:
            fired.append((context.slot, context.now, context.subject_id))

        convene.app.registry.job("test.reminder", remember)
        workspace = await workspace_id(convene.app.sessions, external=convene.adapter.workspace_id)
        moments = [MONDAY_9 + timedelta(hours=h) for h in (0, 3, 15)]
        for number, moment in enumerate(moments):
            await add_timers(
                convene.app.sessions,
                (f"t{number}", moment),
                job="test.reminder",
                subject_id=number,
                workspace=workspace,
            )

        await convene.app.advance_clock_to(MONDAY_9 + timedelta(days=1))

        assert fired == [(moment, moment, number) for number, moment in enumerate(moments)]


# -- several platforms ----------------------------------------------------------------------


async def test_a_timer_for_a_platform_this_instance_does_not_run_is_left_for_one_that_does(
    database_url: str,
) -> None:
    async with running(database_url, start=SUNDAY) as convene:
        fired: list[int | None] = []

        async def remember(context: JobContext) -> None:
            fired.append(context.subject_id)

        convene.app.registry.job("test.reminder", remember)
        # A Discord workspace's timer, in a database this memory-only instance shares.
        discord = await workspace_id(convene.app.sessions, platform="discord", external="G1")
        await add_timers(
            convene.app.sessions,
            ("discord-reminder", MONDAY_9),
            job="test.reminder",
            subject_id=1,
            workspace=discord,
        )

        # Set and settle (not advance_clock_to, which would keep waking for a timer
        # that is rightly left pending here).
        convene.clock.set(MONDAY_9 + timedelta(hours=1))
        await convene.app.settle()

        assert fired == []
        [row] = await timer_rows(convene.app.sessions)
        assert row.status == "pending", "the Discord instance should still find it due"
