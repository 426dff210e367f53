"""Schedules: our rows, APScheduler's arithmetic, a UNIQUE slot claim.

Schedules are rows (cron expression + IANA zone), never pickled jobs. We ask
APScheduler 3's ``CronTrigger`` for fire times, because it gets time zones
and daylight-saving changes right, and drive the waking ourselves from the
injectable clock, so that tests and the shell's ``:clock`` move time by hand.
Each slot is claimed by inserting ``(schedule, slot)`` under a primary key:
whichever instance inserts first runs it, in the same transaction as the
slot's work, and every other firing of that slot does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.platform_reads import read_first
from bot.waiting import wake_or_timeout
from storage.busy import DatabaseBusy, retry_when_busy
from storage.models import Schedule, Timer
from storage.repositories import schedules as schedules_repo
from storage.repositories import timers as timers_repo

log = logging.getLogger("convene.scheduler")

WAKE_GAP = 0.05
"""Real seconds at least between two looks that wake-ups asked for. Every event whose
handler queued a message wakes the scheduler (it may have added a schedule or a timer
due soon), and each look costs a few statements: under a thousand events a second the
looks are folded into twenty, and a new timer is seen at most this late."""

JobRunner = Callable[[AsyncSession, Schedule, datetime], Awaitable[None]]
TimerRunner = Callable[[AsyncSession, Timer], Awaitable[None]]

_MAX_SLOTS_SCANNED = 10_000


class ScheduleError(ValueError):
    """A cron expression or time zone that cannot be used."""


def trigger_for(cron: str, timezone: str) -> CronTrigger:
    """APScheduler's trigger for a five-field cron expression in a zone."""

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as missing:
        raise ScheduleError(f"unknown time zone {timezone!r}") from missing
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron expression {cron!r} needs five fields: minute hour day month weekday"
        )
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekday_names(weekday),
            timezone=zone,
        )
    except ValueError as bad:
        raise ScheduleError(f"cron expression {cron!r} does not parse: {bad}") from bad


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_names(field: str) -> str:
    """Translate cron's weekday numbers (0 or 7 = Sunday) into names.

    APScheduler 3 numbers weekdays from Monday = 0, so handing it a crontab's
    ``1`` would fire on Tuesdays. Names mean the same to both. Steps
    (``*/2``, ``1-5/2``) are spelled out day by day: APScheduler's weekday
    names take no step (it silently drops one) and its ``*/2`` counts from
    Monday.
    """

    items: list[str] = []
    for item in field.split(","):
        body, _, step = item.partition("/")
        start, dash, end = body.partition("-")
        numeric = start.isdigit() and (not dash or end.isdigit())
        if step:
            if not (step.isdigit() and int(step) > 0) or not (numeric or body == "*"):
                raise ScheduleError(
                    f"weekday {item!r}: a step needs numbers or * before it "
                    "and a positive number after it (like 1-5/2)"
                )
            low = int(start) if numeric else 0
            high = int(end) if dash else 7
            if low > 7 or high > 7:
                raise ScheduleError(f"weekday {item!r} is out of range (0-7, 0 and 7 are Sunday)")
            items.extend(_DAY_NAMES[day] for day in range(low, high + 1, int(step)))
            continue
        if not numeric:
            items.append(item)
            continue
        first = int(start)
        last = int(end) if dash else None
        if first > 7 or (last is not None and last > 7):
            raise ScheduleError(f"weekday {item!r} is out of range (0-7, 0 and 7 are Sunday)")
        if last is None:
            items.append(_DAY_NAMES[first])
        elif first == 0:
            items.append("sun")
            if last >= 1:
                items.append(f"mon-{_DAY_NAMES[last]}")
        else:
            items.append(f"{_DAY_NAMES[first]}-{_DAY_NAMES[last]}")
    return ",".join(dict.fromkeys(items))


def next_fire_after(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after``, in UTC."""

    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return None if fire is None else fire.astimezone(UTC)


class Scheduler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        runner: JobRunner,
        *,
        instance: str,
        grace: timedelta = timedelta(minutes=30),
        idle_poll: float = 30.0,
        on_ran: Callable[[], None] = lambda: None,
        timer_runner: TimerRunner | None = None,
        platforms: Collection[str] | None = None,
    ) -> None:
        self._platforms = frozenset(platforms) if platforms is not None else None
        self._on_ran = on_ran
        self._timer_runner = timer_runner
        self._sessions = sessions
        self._clock = clock
        self._runner = runner
        self.instance = instance
        self.grace = grace
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """A schedule was added or changed: recompute the next wake-up."""

        self._wake.set()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Clear before looking, so a wake-up that arrives meanwhile is kept.
            self._wake.clear()
            looked_at = loop.time()
            try:
                await self.run_due()
                upcoming = await self.next_slot()
            except DatabaseBusy as busy:
                log.warning("%s; the scheduler looks again shortly", busy)
                upcoming = None
            except Exception:
                log.exception("the scheduler hit an error; trying again shortly")
                upcoming = None
            wait = self._idle_poll
            if upcoming is not None:
                wait = max(0.0, min(wait, (upcoming - self._clock.now()).total_seconds()))
            await wake_or_timeout(self._wake, wait)
            if self._wake.is_set():
                # Woken early: let the wake-ups of a burst of events gather first.
                await asyncio.sleep(max(0.0, looked_at + WAKE_GAP - loop.time()))

    async def _since(self, session: AsyncSession, schedule: Schedule) -> datetime:
        assert schedule.id is not None
        last = await schedules_repo.last_slot(session, schedule.id)
        return last if last is not None else schedule.created_at

    async def next_slot(self) -> datetime | None:
        """The earliest slot of any active schedule not yet claimed, or pending timer."""

        return await retry_when_busy(self._next_slot_once, what="looking for the next slot")

    async def _next_slot_once(self) -> datetime | None:
        earliest: datetime | None = None
        async with self._sessions() as session:
            if self._timer_runner is not None:
                earliest = await timers_repo.next_due(session, self._platforms)
            for schedule in await schedules_repo.active(session, self._platforms):
                try:
                    trigger = trigger_for(schedule.cron, schedule.timezone)
                except ScheduleError:
                    continue
                fire = next_fire_after(trigger, await self._since(session, schedule))
                if fire is not None and (earliest is None or fire < earliest):
                    earliest = fire
        return earliest

    async def run_due(self) -> int:
        """Run every slot that is due now (late ones inside the grace period).

        Returns the number of slots this instance ran. A database that stays
        busy (another process holding SQLite's lock) never makes this raise:
        what could not be claimed stays due, for the next look.
        """

        async with self._lock:
            now = self._clock.now()
            try:
                due, missed, timers = await retry_when_busy(
                    lambda: self._look(now), what="looking for due slots and timers"
                )
            except DatabaseBusy as busy:
                log.warning("%s: what is due waits for the next look", busy)
                return 0
            # Skipped only once the reading session is closed: on SQLite it
            # holds the write lock (BEGIN IMMEDIATE), and a second write
            # transaction opened inside it would wait for itself until
            # busy_timeout and fail with "database is locked".
            for schedule, too_late in missed:
                await self._skip(schedule, too_late, now)
            # At the same moment, timers (work already promised: a member's
            # 09:00) go before schedules (new work: the next run's opening).
            work: list[tuple[datetime, int, Schedule | Timer]] = [
                (slot, 1, schedule) for slot, schedule in due
            ]
            work.extend((timer.due_at, 0, timer) for timer in timers)
            ran = 0
            for slot, _, item in sorted(work, key=lambda w: (w[0], w[1], w[2].id or 0)):
                if isinstance(item, Timer):
                    ran += await self._run_timer(item)
                elif await self._run_slot(item, slot):
                    ran += 1
            return ran

    async def _look(
        self, now: datetime
    ) -> tuple[
        list[tuple[datetime, Schedule]], list[tuple[Schedule, list[datetime]]], Sequence[Timer]
    ]:
        """What is due now, in one reading transaction: slots to run, slots missed, timers."""

        due: list[tuple[datetime, Schedule]] = []
        missed: list[tuple[Schedule, list[datetime]]] = []
        timers: Sequence[Timer] = ()
        async with self._sessions() as session:
            for schedule in await schedules_repo.active(session, self._platforms):
                in_grace, too_late = await self._due_slots(session, schedule, now)
                due.extend(in_grace)
                if too_late:
                    missed.append((schedule, too_late))
            if self._timer_runner is not None:
                timers = await timers_repo.due(session, now, self._platforms)
        return due, missed, timers

    async def _due_slots(
        self, session: AsyncSession, schedule: Schedule, now: datetime
    ) -> tuple[list[tuple[datetime, Schedule]], list[datetime]]:
        """The slots to run now (inside the grace period) and those missed by more."""

        try:
            trigger = trigger_for(schedule.cron, schedule.timezone)
        except ScheduleError as bad:
            log.warning("schedule %s cannot run: %s", schedule.id, bad)
            return [], []
        cursor = await self._since(session, schedule)
        grace = (
            timedelta(minutes=schedule.grace_minutes)
            if schedule.grace_minutes is not None
            else self.grace
        )
        in_grace: list[tuple[datetime, Schedule]] = []
        missed: list[datetime] = []
        for _ in range(_MAX_SLOTS_SCANNED):
            fire = next_fire_after(trigger, cursor)
            if fire is None or fire > now:
                break
            if now - fire <= grace:
                in_grace.append((fire, schedule))
            else:
                missed.append(fire)
            cursor = fire
        return in_grace, missed

    async def _skip(self, schedule: Schedule, missed: list[datetime], now: datetime) -> None:
        schedule_id = schedule.id
        assert schedule_id is not None

        async def claim() -> bool:
            async with self._sessions.begin() as session:
                return await schedules_repo.claim_slot(
                    session,
                    schedule_id,
                    missed[-1],
                    status="skipped",
                    now=now,
                    instance=self.instance,
                )

        try:
            claimed = await retry_when_busy(
                claim, what=f"skipping missed slots of schedule {schedule_id}"
            )
        except DatabaseBusy as busy:
            log.warning("%s: they are skipped at the next look", busy)
            return
        if claimed:
            log.warning(
                "skipped %d slot(s) of schedule %s (%s) missed while Convene was stopped, "
                "the latest at %s: later than the grace period of %s",
                len(missed),
                schedule_id,
                schedule.job,
                missed[-1].isoformat(),
                timedelta(minutes=schedule.grace_minutes)
                if schedule.grace_minutes is not None
                else self.grace,
            )

    async def _run_timer(self, timer: Timer) -> bool:
        """Fire a timer once, however late: its handler decides what is stale."""

        timer_id = timer.id
        timer_runner = self._timer_runner
        assert timer_id is not None and timer_runner is not None
        now = self._clock.now()

        async def claim_and_run() -> bool:
            async with self._sessions.begin() as session:
                if not await timers_repo.claim(session, timer_id, now):
                    return False
                await timer_runner(session, timer)
            return True

        async def mark_failed() -> None:
            async with self._sessions.begin() as session:
                await timers_repo.mark_failed(session, timer_id, now)

        try:
            # Platform reads the job asks for are made before its transaction (platform_reads).
            ran = await read_first(
                lambda: retry_when_busy(claim_and_run, what=f"running timer {timer.key}")
            )
        except DatabaseBusy as busy:
            log.warning("%s: the timer stays due", busy)
            return False
        except Exception:
            log.exception("timer %s (%s) failed", timer.key, timer.job)
            await self._settle_failure(mark_failed, f"marking timer {timer.key} failed")
            return False
        if ran:
            self._on_ran()
        return ran

    async def _run_slot(self, schedule: Schedule, slot: datetime) -> bool:
        schedule_id = schedule.id
        assert schedule_id is not None
        now = self._clock.now()

        async def claim_and_run() -> bool:
            async with self._sessions.begin() as session:
                claimed = await schedules_repo.claim_slot(
                    session, schedule_id, slot, status="ran", now=now, instance=self.instance
                )
                if not claimed:
                    return False
                if now - slot > timedelta(seconds=1):
                    log.info(
                        "running slot %s of schedule %s (%s) late, by %s",
                        slot.isoformat(),
                        schedule_id,
                        schedule.job,
                        now - slot,
                    )
                await self._runner(session, schedule, slot)
            return True

        async def mark_failed() -> None:
            async with self._sessions.begin() as session:
                await schedules_repo.claim_slot(
                    session, schedule_id, slot, status="failed", now=now, instance=self.instance
                )

        what = f"running slot {slot.isoformat()} of schedule {schedule_id}"
        try:
            # Platform reads the job asks for (a channel's members) are made before the
            # slot's transaction, not inside it (platform_reads).
            ran = await read_first(lambda: retry_when_busy(claim_and_run, what=what))
        except DatabaseBusy as busy:
            log.warning("%s: the slot stays due", busy)
            return False
        except Exception:
            log.exception(
                "slot %s of schedule %s (%s) failed", slot.isoformat(), schedule_id, schedule.job
            )
            await self._settle_failure(mark_failed, f"marking {what} failed")
            return False
        if ran:
            self._on_ran()
        return ran

    @staticmethod
    async def _settle_failure(mark: Callable[[], Awaitable[None]], what: str) -> None:
        """Record a failure; if even that cannot be written, say so and go on."""

        try:
            await retry_when_busy(mark, what=what)
        except Exception:
            log.exception("could not finish %s", what)
