"""Schedules: once per slot across instances, late within grace, local time, weekdays.

Time never passes by sleeping here: each test moves a ``ManualClock`` and asks
the scheduler to run what is due.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.context import JobContext
from bot.scheduler import JobRunner, ScheduleError, Scheduler, next_fire_after, trigger_for
from storage.engine import create_engine, session_factory
from storage.models import ProcessedEvent, Schedule, ScheduleRun
from storage.repositories import events as events_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import workspaces as workspaces_repo
from tests.support.harness import Harness
from tests.support.scheduling import GRACE, MONDAY_9, SUNDAY, run_in_the_background, scheduler_on


@dataclass
class JobLog:
    """A job runner that records each slot it was asked to run, and by whom."""

    calls: list[tuple[str, int, datetime]] = field(default_factory=list)

    def runner(self, instance: str) -> JobRunner:
        async def run(session: AsyncSession, schedule: Schedule, slot: datetime) -> None:
            assert schedule.id is not None
            self.calls.append((instance, schedule.id, slot))

        return run

    def slots(self, schedule_id: int | None = None) -> list[datetime]:
        return [slot for _, sid, slot in self.calls if schedule_id in (None, sid)]


async def add_schedule(
    sessions: async_sessionmaker[AsyncSession],
    cron: str,
    *,
    timezone: str = "UTC",
    now: datetime = SUNDAY,
    job: str = "test.job",
) -> int:
    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, "memory", "T1", "Test", now)
        assert workspace.id is not None
        schedule = await schedules_repo.create(
            session, workspace_id=workspace.id, job=job, cron=cron, timezone=timezone, now=now
        )
        assert schedule.id is not None
        return schedule.id


async def runs_of(
    sessions: async_sessionmaker[AsyncSession], schedule_id: int
) -> list[tuple[datetime, str]]:
    async with sessions() as session:
        return [
            (run.slot_at, run.status) for run in await schedules_repo.runs(session, schedule_id)
        ]


async def run_until(scheduler: Scheduler, clock: ManualClock, end: datetime) -> None:
    """Step the clock to each upcoming slot in turn (as the app does), then to ``end``."""

    for _ in range(1_000):
        upcoming = await scheduler.next_slot()
        if upcoming is None or upcoming > end:
            break
        if upcoming > clock.now():
            clock.set(upcoming)
        await scheduler.run_due()
    else:  # pragma: no cover - a scheduler that never catches up
        raise AssertionError("the scheduler kept finding due slots")
    clock.set(end)
    await scheduler.run_due()


# -- several instances, restarts ----------------------------------------------------------


async def test_two_instances_firing_the_same_monday_slot_run_it_once(
    engine: AsyncEngine, database_url: str
) -> None:
    schedule_id = await add_schedule(session_factory(engine), "0 9 * * 1")
    other_engine = create_engine(database_url)
    try:
        log = JobLog()
        clock = ManualClock(MONDAY_9)
        both_found_it_due = asyncio.Barrier(2)

        class RacingScheduler(Scheduler):
            async def _run_slot(self, schedule: Schedule, slot: datetime) -> bool:
                await both_found_it_due.wait()  # neither claims until both are about to
                return await super()._run_slot(schedule, slot)

        first, second = (
            RacingScheduler(sessions, clock, log.runner(name), instance=name, grace=GRACE)
            for sessions, name in (
                (session_factory(engine), "instance-a"),
                (session_factory(other_engine), "instance-b"),
            )
        )

        ran = await asyncio.gather(first.run_due(), second.run_due())

        assert sorted(ran) == [0, 1]
        assert log.slots() == [MONDAY_9]
        runs = await runs_of(session_factory(engine), schedule_id)
        assert runs == [(MONDAY_9, "ran")]
        async with session_factory(other_engine)() as session:
            run = await session.get(ScheduleRun, (schedule_id, MONDAY_9))
        assert run is not None
        assert run.claimed_by == log.calls[0][0]
    finally:
        await other_engine.dispose()


async def test_a_restarted_instance_does_not_run_a_slot_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    schedule_id = await add_schedule(sessions, "0 9 * * *")
    log = JobLog()
    clock = ManualClock(MONDAY_9)
    assert await scheduler_on(sessions, clock, jobs=log.runner("a")).run_due() == 1

    clock.advance(timedelta(minutes=5))
    restarted = scheduler_on(
        sessions, clock, jobs=log.runner("a-after-restart"), instance="a-after-restart"
    )
    assert await restarted.run_due() == 0

    assert log.slots() == [MONDAY_9]
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "ran")]


# -- missed slots: late inside the grace period, skipped beyond it ------------------------


async def test_a_slot_missed_while_stopped_runs_late_inside_the_grace_period(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="convene.scheduler")
    schedule_id = await add_schedule(sessions, "0 9 * * *", job="checkins.ask")
    log = JobLog()
    clock = ManualClock(SUNDAY)
    clock.set(MONDAY_9 + timedelta(minutes=20))  # down from before the slot until now

    assert await scheduler_on(sessions, clock, jobs=log.runner("a")).run_due() == 1

    assert log.slots() == [MONDAY_9]
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "ran")]
    late = [r for r in caplog.records if "late" in r.getMessage()]
    assert len(late) == 1
    assert late[0].levelno == logging.INFO
    assert "checkins.ask" in late[0].getMessage()
    assert "0:20:00" in late[0].getMessage()


async def test_a_slot_missed_by_more_than_the_grace_is_skipped_and_a_later_slot_runs(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="convene.scheduler")
    schedule_id = await add_schedule(sessions, "0 9 * * *", job="checkins.ask")
    log = JobLog()
    clock = ManualClock(SUNDAY)
    scheduler = scheduler_on(sessions, clock, jobs=log.runner("a"))

    clock.set(MONDAY_9 + GRACE + timedelta(minutes=1))
    assert await scheduler.run_due() == 0

    assert log.calls == []
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "skipped")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert f"schedule {schedule_id} (checkins.ask)" in message
    assert "skipped 1 slot(s)" in message
    assert MONDAY_9.isoformat() in message

    caplog.clear()
    assert await scheduler.run_due() == 0  # skipping is remembered, not repeated
    assert caplog.records == []

    tuesday_9 = MONDAY_9 + timedelta(days=1)
    clock.set(tuesday_9)
    assert await scheduler.run_due() == 1
    assert log.slots() == [tuesday_9]
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "skipped"), (tuesday_9, "ran")]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_days_of_missed_slots_are_skipped_with_one_line_and_recent_ones_run_late(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    """Three days down on a quarter-hourly schedule: only the last half hour runs."""

    caplog.set_level(logging.INFO, logger="convene.scheduler")
    schedule_id = await add_schedule(sessions, "*/15 * * * *", job="digest")
    log = JobLog()
    clock = ManualClock(SUNDAY)
    clock.set(SUNDAY + timedelta(days=3, minutes=5))

    assert await scheduler_on(sessions, clock, jobs=log.runner("a")).run_due() == 2

    now = clock.now()
    assert log.slots() == [now - timedelta(minutes=20), now - timedelta(minutes=5)]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "skipped 286 slot(s)" in warnings[0].getMessage()
    runs = await runs_of(sessions, schedule_id)
    assert [status for _, status in runs] == ["skipped", "ran", "ran"]
    assert runs[0][0] == now - timedelta(minutes=35)


# -- time zones and daylight saving -------------------------------------------------------


async def test_a_9am_schedule_fires_at_9_local_across_the_march_2027_dst_changes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = datetime(2027, 3, 12, 0, 0, tzinfo=UTC)
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo")
    ids = {
        zone: await add_schedule(sessions, "0 9 * * *", timezone=zone, now=created)
        for zone in zones
    }
    log = JobLog()
    clock = ManualClock(created)

    await run_until(
        scheduler_on(sessions, clock, jobs=log.runner("a")),
        clock,
        datetime(2027, 3, 30, tzinfo=UTC),
    )

    assert log.slots() == sorted(log.slots()), "slots ran out of time order"
    fired: dict[str, dict[date, datetime]] = {}
    for zone, schedule_id in ids.items():
        slots = log.slots(schedule_id)
        local = [slot.astimezone(ZoneInfo(zone)) for slot in slots]
        assert {(t.hour, t.minute) for t in local} == {(9, 0)}, zone
        days = [t.date() for t in local]
        assert days == [days[0] + timedelta(days=n) for n in range(len(days))], zone
        assert [run for run, _ in await runs_of(sessions, schedule_id)] == slots
        fired[zone] = dict(zip(days, slots, strict=True))

    def utc(day: int, hour: int) -> datetime:
        return datetime(2027, 3, day, hour, 0, tzinfo=UTC)

    # New York: EST (UTC-5) until 2027-03-14 02:00, then EDT (UTC-4).
    new_york = fired["America/New_York"]
    assert new_york[date(2027, 3, 13)] == utc(13, 14)
    assert new_york[date(2027, 3, 14)] == utc(14, 13)
    assert new_york[date(2027, 3, 15)] == utc(15, 13)
    # London: GMT (UTC+0) until 2027-03-28 01:00 UTC, then BST (UTC+1).
    london = fired["Europe/London"]
    assert london[date(2027, 3, 14)] == utc(14, 9)
    assert london[date(2027, 3, 27)] == utc(27, 9)
    assert london[date(2027, 3, 28)] == utc(28, 8)
    assert london[date(2027, 3, 29)] == utc(29, 8)
    # Tokyo keeps UTC+9 all year: 09:00 there is midnight UTC the same day.
    tokyo = fired["Asia/Tokyo"]
    assert tokyo[date(2027, 3, 13)] == utc(13, 0)
    assert tokyo[date(2027, 3, 14)] == utc(14, 0)
    assert tokyo[date(2027, 3, 28)] == utc(28, 0)
    # For the two weeks between the changes New York is four hours behind London, not five.
    assert london[date(2027, 3, 13)] - new_york[date(2027, 3, 13)] == timedelta(hours=-5)
    assert london[date(2027, 3, 20)] - new_york[date(2027, 3, 20)] == timedelta(hours=-4)
    assert london[date(2027, 3, 28)] - new_york[date(2027, 3, 28)] == timedelta(hours=-5)


# -- cron weekday numbers (crontab: 0 and 7 are Sunday; APScheduler 3: 0 is Monday) -------


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [("1", "Monday"), ("0", "Sunday"), ("7", "Sunday")],
)
async def test_cron_weekday_numbers_mean_what_crontab_means(
    sessions: async_sessionmaker[AsyncSession], weekday: str, expected: str
) -> None:
    schedule_id = await add_schedule(sessions, f"0 9 * * {weekday}")
    log = JobLog()
    clock = ManualClock(SUNDAY)

    await run_until(
        scheduler_on(sessions, clock, jobs=log.runner("a")), clock, SUNDAY + timedelta(days=21)
    )

    slots = log.slots(schedule_id)
    assert len(slots) == 3
    assert {slot.strftime("%A") for slot in slots} == {expected}
    assert {(slot.hour, slot.minute) for slot in slots} == {(9, 0)}


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("1", ["Mon"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0-6", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        ("5-7", ["Sun", "Fri", "Sat"]),
        ("1,3,5", ["Mon", "Wed", "Fri"]),
        ("1-5/2", ["Mon", "Wed", "Fri"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("0-6/3", ["Sun", "Wed", "Sat"]),
        ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
    ],
)
def test_weekday_fields_fire_on_the_days_crontab_would(weekday: str, expected: list[str]) -> None:
    trigger = trigger_for(f"0 9 * * {weekday}", "UTC")
    cursor = SUNDAY - timedelta(days=1)  # Saturday: the week after it starts on Sunday
    week_end = SUNDAY.replace(hour=0) + timedelta(days=7)
    days: list[str] = []
    while (fire := next_fire_after(trigger, cursor)) is not None and fire < week_end:
        days.append(fire.strftime("%a"))
        cursor = fire
    assert days == expected


# -- bad schedules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "zone", "says"),
    [
        ("0 9 * *", "UTC", "needs five fields: minute hour day month weekday"),
        ("0 9 * * * *", "UTC", "needs five fields"),
        ("61 9 * * *", "UTC", "'61 9 * * *' does not parse"),
        ("0 9 * * 8", "UTC", "weekday '8' is out of range (0-7, 0 and 7 are Sunday)"),
        ("0 9 * * mon-fri/2", "UTC", "a step needs numbers or *"),
        ("0 9 * * noday", "UTC", "does not parse"),
        ("0 9 * * *", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
        ("0 9 * * *", "", "unknown time zone ''"),
    ],
)
def test_a_bad_cron_or_unknown_zone_raises_a_readable_schedule_error(
    cron: str, zone: str, says: str
) -> None:
    with pytest.raises(ScheduleError) as raised:
        trigger_for(cron, zone)
    assert says in str(raised.value)
    assert "Traceback" not in str(raised.value)


async def test_a_schedule_row_that_cannot_run_does_not_stop_the_others(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    broken = await add_schedule(sessions, "0 9 * * *", timezone="Mars/Olympus_Mons")
    healthy = await add_schedule(sessions, "0 9 * * *")
    log = JobLog()
    clock = ManualClock(MONDAY_9)

    assert await scheduler_on(sessions, clock, jobs=log.runner("a")).run_due() == 1

    assert log.calls == [("a", healthy, MONDAY_9)]
    assert any(
        f"schedule {broken} cannot run" in r.getMessage() and "Mars/Olympus_Mons" in r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
    )


# -- failing jobs -------------------------------------------------------------------------


async def test_a_job_that_raises_is_logged_marked_failed_and_the_next_slot_runs(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    schedule_id = await add_schedule(sessions, "0 9 * * *", job="checkins.ask")
    attempts: list[datetime] = []

    async def flaky(session: AsyncSession, schedule: Schedule, slot: datetime) -> None:
        attempts.append(slot)
        await events_repo.record_processed(session, "test", f"work-of-{slot.isoformat()}", slot)
        if len(attempts) == 1:
            raise RuntimeError("the check-in questions are missing")

    clock = ManualClock(SUNDAY)
    scheduler = scheduler_on(sessions, clock, jobs=flaky)

    clock.set(MONDAY_9)
    assert await scheduler.run_due() == 0
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert f"schedule {schedule_id} (checkins.ask) failed" in failures[0].getMessage()
    assert failures[0].exc_info is not None
    assert "the check-in questions are missing" in str(failures[0].exc_info[1])
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "failed")]

    assert await scheduler.run_due() == 0  # a failed slot is not retried
    assert attempts == [MONDAY_9]

    tuesday_9 = MONDAY_9 + timedelta(days=1)
    clock.set(tuesday_9)
    assert await scheduler.run_due() == 1
    assert attempts == [MONDAY_9, tuesday_9]
    assert await runs_of(sessions, schedule_id) == [(MONDAY_9, "failed"), (tuesday_9, "ran")]
    async with sessions() as session:
        work = (await session.exec(select(ProcessedEvent.event_id))).all()
    # The failed slot's work was rolled back with its claim; the good slot's committed.
    assert work == [f"work-of-{tuesday_9.isoformat()}"]


async def test_the_running_scheduler_survives_a_failing_job(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    schedule_id = await add_schedule(sessions, "0 9 * * *")
    failed, succeeded = asyncio.Event(), asyncio.Event()

    async def flaky(session: AsyncSession, schedule: Schedule, slot: datetime) -> None:
        if not failed.is_set():
            failed.set()
            raise RuntimeError("boom")
        succeeded.set()

    clock = ManualClock(SUNDAY)
    scheduler = scheduler_on(sessions, clock, jobs=flaky)
    await run_in_the_background(
        scheduler, clock, [(MONDAY_9, failed), (MONDAY_9 + timedelta(days=1), succeeded)]
    )

    statuses = [status for _, status in await runs_of(sessions, schedule_id)]
    assert statuses == ["failed", "ran"]


@pytest.mark.realtime
async def test_a_burst_of_events_waking_the_scheduler_costs_a_few_looks_not_one_each(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thousand answers a second each wake the scheduler; it folds their wake-ups."""

    clock = ManualClock(SUNDAY)
    scheduler = scheduler_on(sessions, clock)
    looks = 0
    run_due = scheduler.run_due

    async def counted() -> int:
        nonlocal looks
        looks += 1
        return await run_due()

    monkeypatch.setattr(scheduler, "run_due", counted)
    await scheduler.start()
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + 0.3
        wakes = 0
        while loop.time() < end:
            scheduler.wake()
            wakes += 1
            await asyncio.sleep(0.001)
    finally:
        await scheduler.stop()

    assert wakes > 100
    # 0.3 s at one look per 0.05 s is 7 looks; a loaded machine only makes fewer.
    assert looks <= 10, f"{looks} looks for {wakes} wake-ups"


# -- through the app ----------------------------------------------------------------------


async def test_advancing_the_clock_a_week_fires_a_daily_schedule_seven_times_in_order(
    convene: Harness,
) -> None:
    fired: list[tuple[datetime, datetime]] = []

    async def record(ctx: JobContext) -> None:
        fired.append((ctx.slot, ctx.now))

    convene.app.registry.job("test.daily", record)
    start = convene.clock.now()
    schedule_id = await add_schedule(
        convene.app.sessions, "0 9 * * *", timezone="Europe/London", now=start, job="test.daily"
    )

    await convene.app.advance_clock_to(start + timedelta(days=7))

    slots = [slot for slot, _ in fired]
    assert len(fired) == 7
    assert slots == sorted(slots)
    assert all(now == slot for slot, now in fired), "each slot fired at its own time"
    assert [slot.astimezone(ZoneInfo("Europe/London")).hour for slot in slots] == [9] * 7
    assert [slot.date() for slot in slots] == [start.date() + timedelta(days=n) for n in range(7)]
    assert convene.clock.now() == start + timedelta(days=7)
    async with convene.app.sessions() as session:
        count = (
            await session.exec(
                select(func.count())
                .select_from(ScheduleRun)
                .where(ScheduleRun.schedule_id == schedule_id)
            )
        ).one()
    assert count == 7
