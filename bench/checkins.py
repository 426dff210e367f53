"""Check-in benchmark: one run for 10,000 members in 12 time zones, on SQLite.

Run from the repository root::

    python -m bench.checkins                  # 10,000 members, 3,000 answers a mode
    python -m bench.checkins --members 2000 --answers 500
    python -m bench.checkins --profile        # also print where the time goes (slower)
    python -m bench.checkins --tracemalloc    # also trace Python allocations (slower)

It drives a real ``ConveneApp`` (memory adapter, ``ManualClock``, a fresh
SQLite file in WAL mode) through what a check-in lives through, and reports,
against the targets of the check-ins issue and of issue 19 (speed and scale):

(a) the time from a slot to all of its prompts queued in the outbox (a zone's
    tick < 2 s; the opening and ``run now`` for 10,000 members < 1 s, with the
    process's CPU seconds beside the wall time, steadier on a busy machine):
    the channel-wide run opening (the ``checkin.open`` slot lists the
    channel's 10,000 members from the adapter, makes them members and plans
    10,000 prompts and their timers), then each zone's ``checkin.tick``
    (marks the zone's prompts asked and queues their DMs and the thread
    root), and a ``/convene checkin run now`` that queues all 10,000 prompts
    at once, timed from dispatch to commit, once with the members already
    known and once in a workspace that has never listed them;
(b) answers recorded a second through the memory adapter (>= 1,000): form
    submissions dispatched one after another, each timed from dispatch to
    commit, once with the deliverer idle (its work left queued) and once
    with the app's deliverer running alongside, as in production; then a
    burst of submissions dispatched several at a time (members pressing Send
    together), with the answers that were not recorded;
(c) the peak memory of the process (< 150 MB): ``ru_maxrss`` from
    ``getrusage``, next to what the process held after its imports and the
    peak reached by the end of each step. The memory adapter's list of
    delivered messages, which no real adapter keeps, is emptied after each
    delivery (see ``deliver``).

Only the work of the slot or the event is timed; delivering the queued
prompts to the memory adapter between steps is timed apart, for reference.
The clock is manual, so time zones and ask times are exact and nothing waits.
Log records of WARNING and above are counted and summed up at the end
rather than printed as they come.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import platform
import pstats
import re
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import func, select

from adapters.memory import MemoryAdapter
from bot.adapter import ChannelMember
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.messages import Form
from bot.wiring import build_registry
from handlers.checkins.answers import FORM_ID
from handlers.checkins.runs import OPEN_JOB
from storage.models import CheckinPrompt, CheckinRun, Schedule
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute, table_of

T = TypeVar("T")

# Twelve zones around the globe, from UTC+13 (Auckland in December) to UTC-10.
ZONES = (
    "Pacific/Auckland",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Africa/Nairobi",
    "Europe/Berlin",
    "Europe/London",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)
# A Saturday, so creating the check-ins owes no run for today. Monday's run
# opens when 09:00 Monday first arrives anywhere (Kiritimati, UTC+14): Sunday
# 19:00 UTC; each zone is then asked at its own 09:00, the last (Honolulu) at
# Monday 19:00 UTC, the moment Tuesday's run opens.
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHANNEL = "general"
CONVENER = "you"
SCHEDULED = "Standup"
MANUAL = "Standup now"

SLOT_TARGET_SECONDS = 2.0
"""A zone's 09:00 tick (the check-ins issue's target)."""
RUN_TARGET_SECONDS = 1.0
"""A run opening for 10,000 members, scheduled or ``run now`` (issue 19's target)."""
ANSWERS_TARGET = 1_000.0
MEMORY_TARGET_MB = 150.0


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One timed slot or event."""

    label: str
    seconds: float
    prompts: int = 0
    cpu: float | None = None
    """CPU seconds of the process (every thread: aiosqlite's worker too), steadier than
    wall time on a busy machine; None where not measured."""

    @property
    def per_second(self) -> float:
        return self.prompts / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Answers:
    mode: str
    at_once: int
    count: int
    seconds: float
    latencies: Sequence[float]
    recorded: int
    drain_seconds: float
    stuck: int = 0

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds

    @property
    def lost(self) -> int:
        return self.count - self.recorded

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Report:
    members: int
    opening: Step | None = None
    ticks: list[Step] = field(default_factory=list)
    other_ticks: list[Step] = field(default_factory=list)
    run_now: Step | None = None
    run_now_first_sight: Step | None = None
    answers: list[Answers] = field(default_factory=list)
    delivered: list[Step] = field(default_factory=list)
    rss_after_imports_mb: float = 0.0
    rss_peak_mb: float = 0.0
    traced: list[tuple[str, float, float]] = field(default_factory=list)
    rss_marks: list[tuple[str, float]] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    log_lines: Counter[str] = field(default_factory=Counter)


# -- measuring --------------------------------------------------------------------------------


def rss_peak_mb() -> float:
    """The process's peak resident set so far (``ru_maxrss`` is in KiB on Linux)."""

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Profiler:
    """cProfile around chosen steps, when asked for; a no-op otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.reports: dict[str, str] = {}

    @contextmanager
    def around(self, label: str | None) -> Iterator[None]:
        if not self.enabled or label is None:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(15)
            self.reports[label] = out.getvalue()


_EVENT = re.compile(r"event \S+ \([^)]*\)|event \S+")


class LogTally(logging.Handler):
    """Counts Convene's warnings and errors by their first line instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        first = record.getMessage().split("\n", 1)[0]
        first = _EVENT.sub("event …", first)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first += f" [{type(error).__name__}: {str(error).splitlines()[0][:100]}]"
        self.lines[f"{record.levelname}: {first[:240]}"] += 1


def mark_memory(report: Report, label: str) -> None:
    """The peak resident set so far, and the traced Python heap now and at its peak since
    the last mark (with --tracemalloc)."""

    report.rss_marks.append((label, rss_peak_mb()))
    if tracemalloc.is_tracing():
        current, peak = tracemalloc.get_traced_memory()
        report.traced.append((label, current / 2**20, peak / 2**20))
        tracemalloc.reset_peak()


async def timed(action: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    started = time.perf_counter()
    result = await action()
    return result, time.perf_counter() - started


async def timed_cpu(action: Callable[[], Awaitable[T]]) -> tuple[T, float, float]:
    """``timed``, and the CPU seconds the process spent meanwhile."""

    cpu = time.process_time()
    result, seconds = await timed(action)
    return result, seconds, time.process_time() - cpu


# -- the workspace ------------------------------------------------------------------------------


def channel(members: int) -> list[ChannelMember]:
    return [
        ChannelMember(f"U{n:05d}", f"Member {n}", ZONES[n % len(ZONES)]) for n in range(members)
    ]


def build_app(database_url: str, adapter: MemoryAdapter, clock: ManualClock) -> ConveneApp:
    settings = Settings(
        # No welcome DM: the members are long-standing ones (a first contact's welcome
        # is sent once a member, ever), and the convener's replies are what is read.
        convene=ConveneSection(
            database_url=database_url, conveners=[CONVENER], instance_id="bench", welcome=False
        )
    )
    return ConveneApp(settings, [adapter], build_registry(), clock)


async def command(app: ConveneApp, adapter: MemoryAdapter, line: str) -> str:
    """A convener's command, settled; returns the reply."""

    before = len(adapter.delivered)
    await adapter.command(CONVENER, line, place=MemoryAdapter.channel(CHANNEL))
    await app.settle()
    replies = [d.text for d in adapter.delivered[before:] if d.visible_to(CONVENER)]
    if not replies:
        raise RuntimeError(f"{line!r} got no reply")
    return replies[-1]


async def create_checkins(app: ConveneApp, adapter: MemoryAdapter) -> None:
    """The scheduled check-in, and a second one kept paused for ``run now`` alone."""

    for name in (SCHEDULED, MANUAL):
        reply = await command(
            app, adapter, f'/convene checkin create "{name}" #{CHANNEL} every weekday 09:00'
        )
        if not reply.startswith("Created"):
            raise RuntimeError(reply)
    reply = await command(app, adapter, f'/convene checkin pause "{MANUAL}"')
    if "paused" not in reply:
        raise RuntimeError(reply)


async def prompt_counts(app: ConveneApp) -> dict[str, int]:
    prompts = table_of(CheckinPrompt)
    async with app.sessions() as session:
        found = await execute(
            session,
            select(prompts.c.status, func.count().label("n")).group_by(prompts.c.status),
        )
        return {str(row["status"]): int(row["n"]) for row in found.mappings()}


async def ever_asked(app: ConveneApp) -> int:
    """Prompts sent so far, whatever became of them (answered, missed once closed)."""

    prompts = table_of(CheckinPrompt)
    async with app.sessions() as session:
        found = await execute(
            session, select(func.count()).select_from(prompts).where(prompts.c.asked_at.isnot(None))
        )
        return int(found.scalar_one())


async def runs_opened(app: ConveneApp) -> int:
    async with app.sessions() as session:
        found = await execute(session, select(func.count()).select_from(table_of(CheckinRun)))
        return int(found.scalar_one())


async def until_delivered(app: ConveneApp, deadline_seconds: float = 60.0) -> tuple[float, int]:
    """Wait (in real time) for the running deliverer to empty the outbox.

    Returns how long it took, and how many messages were still unsent when
    the deadline passed (0 when it emptied the outbox in time).
    """

    started = time.perf_counter()
    while True:
        # A light look every 50 ms: every SQLite transaction here takes the write
        # lock (BEGIN IMMEDIATE), so looking more often slows the deliverer down.
        try:
            async with app.sessions() as session:
                busy = await outbox_repo.has_unsent(session, "memory")
        except sqlalchemy.exc.OperationalError:
            busy = True  # the look itself waited too long for the write lock: look again
        elapsed = time.perf_counter() - started
        if not busy:
            return elapsed, 0
        if elapsed > deadline_seconds:
            async with app.sessions() as session:
                counts = await outbox_repo.status_counts(session)
            return elapsed, counts["pending"] + counts["sending"]
        await asyncio.sleep(0.05)


async def deliver(app: ConveneApp, label: str, *, keep_for: str | None = None) -> Step:
    """Deliver what is queued to the memory adapter, which then forgets it.

    The memory adapter keeps every message it delivered, which no real adapter
    does (28,000 messages over a day here, about 40 MB): forgotten, the peak
    memory is Convene's own. What a later step reads is kept: the messages
    member ``keep_for`` can see (the run-now prompt whose Answer they press).
    """

    sent, seconds = await timed(app.deliverers["memory"].drain)
    adapter = app.adapters["memory"]
    if isinstance(adapter, MemoryAdapter):
        adapter.delivered[:] = (
            [] if keep_for is None else [d for d in adapter.delivered if d.visible_to(keep_for)]
        )
    return Step(label, seconds, sent)


# -- (a) the scheduled run: opening, then each zone's 09:00 ------------------------------------


async def only_the_checkins_schedule(app: ConveneApp) -> None:
    """Pause every schedule but the check-in's: the workspace's own jobs (the retention
    prune daily at 03:00 UTC since issue 18, the digest's planning on the 28th) would
    take the first slot and be timed as the opening. The prune's work is one
    transaction a workspace a day (tests/handlers/test_retention.py)."""

    schedules = table_of(Schedule)
    async with app.sessions.begin() as session:
        await execute(
            session,
            sqlalchemy.update(schedules).where(schedules.c.job != OPEN_JOB).values(active=False),
        )


async def scheduled_run(
    app: ConveneApp, clock: ManualClock, report: Report, prof: Profiler
) -> None:
    await only_the_checkins_schedule(app)
    opens = await app.scheduler.next_slot()
    assert opens is not None
    clock.set(opens)
    with prof.around("the run opening (checkin.open)"):
        ran, seconds, cpu = await timed_cpu(app.scheduler.run_due)
    planned = (await prompt_counts(app)).get("pending", 0)
    if planned != report.members:
        raise RuntimeError(f"the opening ran {ran} slot(s) and planned {planned} prompts")
    report.opening = Step("run opening (checkin.open)", seconds, planned, cpu)
    report.delivered.append(await deliver(app, "after the opening"))

    asked_before, runs_before = 0, await runs_opened(app)
    profiled_tick = False
    while asked_before < report.members:
        upcoming = await app.scheduler.next_slot()
        if upcoming is None:
            raise RuntimeError("no more slots, yet not everyone was asked")
        if upcoming > clock.now():
            clock.set(upcoming)
        zones = _zones_at_nine(upcoming)
        label = f"a zone's tick ({zones})" if zones and not profiled_tick else None
        with prof.around(label):
            ran, seconds, cpu = await timed_cpu(app.scheduler.run_due)
        profiled_tick = profiled_tick or label is not None
        asked, runs = await ever_asked(app), await runs_opened(app)
        if asked > asked_before:
            also = " + next day's opening" if runs > runs_before else ""
            report.ticks.append(Step(f"09:00 {zones}{also}", seconds, asked - asked_before, cpu))
        else:
            report.other_ticks.append(Step(f"{upcoming:%H:%M} UTC", seconds, ran))
        asked_before, runs_before = asked, runs
        report.delivered.append(await deliver(app, f"after {upcoming:%H:%M} UTC"))


def _zones_at_nine(moment: datetime) -> str:
    return ", ".join(
        zone for zone in ZONES if moment.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "09:00"
    )


# -- (a) run now --------------------------------------------------------------------------------


async def run_now(
    app: ConveneApp, adapter: MemoryAdapter, name: str, label: str, prof: Profiler
) -> Step:
    before = await ever_asked(app)
    with prof.around(label):
        _, seconds, cpu = await timed_cpu(
            lambda: adapter.command(
                CONVENER, f'/convene checkin run now "{name}"', place=MemoryAdapter.channel(CHANNEL)
            )
        )
    asked = await ever_asked(app) - before
    if asked < 1:
        raise RuntimeError("run now asked nobody")
    return Step(label, seconds, asked, cpu)


# -- (b) answers -------------------------------------------------------------------------------


async def answer_form(app: ConveneApp, adapter: MemoryAdapter, member: str) -> Form:
    """Press Answer on the newest prompt a member was sent, and take the form it opens.

    The form's context names the run and the page, the same for every member
    of the run, so one form serves all the submissions.
    """

    await adapter.click(member, "Answer")
    await app.settle()
    event, form = adapter.forms_opened[-1]
    if event.actor_id != member or form.form_id != FORM_ID:
        raise RuntimeError("pressing Answer opened no check-in form")
    return form


async def answers(
    app: ConveneApp,
    adapter: MemoryAdapter,
    form: Form,
    members: Sequence[str],
    *,
    mode: str,
    with_deliverer: bool,
    at_once: int,
    prof: Profiler,
) -> Answers:
    deliverer = app.deliverers["memory"]
    answered_before = (await prompt_counts(app)).get("answered", 0)
    values = {f.name: f"Answer to {f.label[:20]}" for f in form.fields}
    latencies: list[float] = []
    gate = asyncio.Semaphore(at_once)

    async def submit(member: str) -> None:
        async with gate:
            began = time.perf_counter()
            await adapter.submit(member, form, values)
            latencies.append(time.perf_counter() - began)

    if with_deliverer:
        await deliverer.start()
    try:
        with prof.around(f"answers, {mode}"):
            started = time.perf_counter()
            if at_once == 1:
                for member in members:
                    await submit(member)
            else:
                await asyncio.gather(*(submit(member) for member in members))
            seconds = time.perf_counter() - started
        stuck = 0
        if with_deliverer:
            drain_seconds, stuck = await until_delivered(app)
        else:
            _, drain_seconds = await timed(deliverer.drain)
    finally:
        if with_deliverer:
            # Stopped only once idle: a stop in the same loop iteration as a wake-up
            # hangs on Python 3.11 (see docs/benchmarks.md).
            await deliverer.stop()
    if stuck:
        # Rows left claimed by a batch that failed half-way wait for their lease,
        # which the manual clock never ends: take them back as a restart would.
        await deliverer.resume()
        await deliverer.drain()
    recorded = (await prompt_counts(app)).get("answered", 0) - answered_before
    return Answers(mode, at_once, len(members), seconds, latencies, recorded, drain_seconds, stuck)


# -- the whole run ------------------------------------------------------------------------------


async def main_async(members: int, answers_per_mode: int, at_once: int, profile: bool) -> Report:
    report = Report(members=members, rss_after_imports_mb=rss_peak_mb())
    prof = Profiler(profile)
    people = channel(members)
    mark_memory(report, "before")
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        clock = ManualClock(START)
        adapter = MemoryAdapter(channel_members={CHANNEL: people})
        app = build_app(f"sqlite+aiosqlite:///{Path(tmp) / 'checkins.db'}", adapter, clock)
        await app.start(background=False)
        try:
            await create_checkins(app, adapter)
            mark_memory(report, "app started (schema migrated), check-ins created")
            await scheduled_run(app, clock, report, prof)
            mark_memory(report, "scheduled run (opening, ticks, deliveries)")
            report.run_now = await run_now(
                app, adapter, MANUAL, "run now, members already known", prof
            )
            mark_memory(report, "run now")
            answering = people[0].platform_user_id  # presses Answer in (b)
            report.delivered.append(await deliver(app, "after run now", keep_for=answering))
            mark_memory(report, "its delivery")

            # (b): answers to the run-now run, a different slice of members each mode.
            ids = [p.platform_user_id for p in people]
            form = await answer_form(app, adapter, ids[0])
            adapter.delivered.clear()  # kept for answer_form only (see deliver)
            count = min(answers_per_mode, (len(ids) - 1) // 3)
            modes = (
                ("one at a time, deliverer idle", False, 1),
                ("one at a time, deliverer running", True, 1),
                (f"{at_once} at a time, deliverer running", True, at_once),
            )
            for number, (mode, with_deliverer, concurrency) in enumerate(modes):
                first = 1 + number * count
                report.answers.append(
                    await answers(
                        app,
                        adapter,
                        form,
                        ids[first : first + count],
                        mode=mode,
                        with_deliverer=with_deliverer,
                        at_once=concurrency,
                        prof=prof,
                    )
                )
                adapter.delivered.clear()  # what the mode delivered, read by nobody (see deliver)
            mark_memory(report, "answers, and their delivery")
        finally:
            await app.stop()

        # run now where the members are new to Convene (a first check-in in a workspace).
        clock = ManualClock(START)
        adapter = MemoryAdapter(channel_members={CHANNEL: people})
        app = build_app(f"sqlite+aiosqlite:///{Path(tmp) / 'first.db'}", adapter, clock)
        await app.start(background=False)
        try:
            await create_checkins(app, adapter)
            report.run_now_first_sight = await run_now(
                app, adapter, MANUAL, "run now, members first seen", prof
            )
        finally:
            await app.stop()
        mark_memory(report, "run now in a new workspace")
    report.rss_peak_mb = rss_peak_mb()
    report.profiles = prof.reports
    return report


# -- printing -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _step_line(step: Step, target: str = "", ok: bool | None = None) -> str:
    result = "" if ok is None else verdict(ok)
    cpu = "" if step.cpu is None else f"{step.cpu:.3f}"
    return (
        f"    {step.label:<50} {step.prompts:>7,} {step.seconds:>8.3f} {cpu:>7} "
        f"{step.per_second:>10,.0f}   {target:<7} {result}"
    ).rstrip()


def print_report(report: Report) -> bool:
    opening, run_now_step = report.opening, report.run_now
    first_sight = report.run_now_first_sight
    assert opening is not None and run_now_step is not None and first_sight is not None
    slowest = max(report.ticks, key=lambda s: s.seconds)
    pure_ticks = [t for t in report.ticks if "opening" not in t.label]
    slowest_pure = max(pure_ticks, key=lambda s: s.seconds)
    target = f"< {SLOT_TARGET_SECONDS:g} s"
    run_target = f"< {RUN_TARGET_SECONDS:g} s"

    def fast(step: Step) -> bool:
        return step.seconds < SLOT_TARGET_SECONDS

    def opens_fast(step: Step) -> bool:
        return step.seconds < RUN_TARGET_SECONDS

    print("(a) slot to all prompts queued in the outbox")
    print(
        f"    {'step':<50} {'prompts':>7} {'seconds':>8} {'CPU s':>7} {'prompts/s':>10}   "
        "target  verdict"
    )
    print(_step_line(opening, run_target, opens_fast(opening)))
    for tick in report.ticks:
        print(_step_line(tick, target, fast(tick)))
    print(
        f"    slowest zone tick {slowest.seconds:.3f} s ({slowest.label}); slowest tick that "
        f"only asks {slowest_pure.seconds:.3f} s ({slowest_pure.label})"
    )
    total_ticks = sum(t.seconds for t in report.ticks)
    print(
        f"    opening + all {len(report.ticks)} zone ticks: {opening.seconds + total_ticks:.3f} s "
        "of work, spread over 24 hours"
    )
    if report.other_ticks:
        others = report.other_ticks
        print(
            f"    ticks in between that only remind or close: {len(others)}, "
            f"{statistics.mean(s.seconds for s in others):.3f} s each on average, "
            f"the slowest {max(s.seconds for s in others):.3f} s"
        )
    print(_step_line(run_now_step, run_target, opens_fast(run_now_step)))
    print(_step_line(first_sight, run_target, opens_fast(first_sight)))
    delivered = sum(s.prompts for s in report.delivered)
    delivered_seconds = sum(s.seconds for s in report.delivered)
    print(
        f"    (for reference) delivering the queued messages to the memory adapter: "
        f"{delivered:,} in {delivered_seconds:.2f} s = {delivered / delivered_seconds:,.0f}/s"
    )

    print("(b) answers recorded a second (form submissions, dispatch to commit)")
    answers_ok = True
    for result in report.answers:
        ok = result.rate >= ANSWERS_TARGET and result.lost == 0 and result.stuck == 0
        answers_ok = answers_ok and ok
        print(
            f"    {result.mode:<34} {result.recorded:>6,} of {result.count:,} recorded in "
            f"{result.seconds:6.2f} s = {result.rate:>5,.0f}/s   "
            f"p50 {1000 * result.percentile(0.5):5.1f} ms, "
            f"p99 {1000 * result.percentile(0.99):6.1f} ms   "
            f"target >= {ANSWERS_TARGET:,.0f}/s, none lost   {verdict(ok)}"
        )
        if result.stuck:
            print(
                f"    {'':<34} then the running deliverer still had {result.stuck:,} message(s) "
                f"unsent after {result.drain_seconds:.0f} s (left claimed by a failed batch)"
            )
        else:
            print(
                f"    {'':<34} then {result.drain_seconds:.2f} s until everything queued was "
                "delivered"
            )

    memory_ok = report.rss_peak_mb < MEMORY_TARGET_MB
    print("(c) memory")
    print(
        f"    peak resident set (ru_maxrss) {report.rss_peak_mb:,.0f} MB "
        f"(after imports: {report.rss_after_imports_mb:,.0f} MB)   "
        f"target < {MEMORY_TARGET_MB:g} MB   {verdict(memory_ok)}"
    )
    print(
        "    peak resident set reached by the end of: "
        + "; ".join(f"{label} {mb:,.0f} MB" for label, mb in report.rss_marks[1:])
    )
    for label, current, peak in report.traced[1:]:
        print(f"    traced Python heap, {label}: peak {peak:,.1f} MB, after {current:,.1f} MB")

    if report.log_lines:
        print("\nConvene's warnings and errors during the run:")
        for line, count in report.log_lines.most_common():
            print(f"    {count:>5} x {line}")
    for label, text in report.profiles.items():
        print(f"\n--- profile: {label} ---")
        print(text)
    return (
        opens_fast(opening)
        and all(fast(t) for t in report.ticks)
        and opens_fast(run_now_step)
        and opens_fast(first_sight)
        and answers_ok
        and memory_ok
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Check-in benchmark.")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--answers", type=int, default=3_000, help="answers timed in each of the three modes"
    )
    parser.add_argument(
        "--at-once", type=int, default=16, help="submissions in flight in the burst mode"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile figures (timings then run slower)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Python allocations per phase (timings then run slower)",
    )
    args = parser.parse_args(argv)
    if args.members < 4:
        parser.error("--members needs at least 4")
    print(
        f"Check-in benchmark: {args.members:,} members in {len(ZONES)} time zones, "
        "SQLite (WAL, NORMAL), memory adapter"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"SQLAlchemy {sqlalchemy.__version__}\n"
    )
    tally = LogTally()
    convene_log = logging.getLogger("convene")
    convene_log.addHandler(tally)
    convene_log.propagate = False
    if args.tracemalloc:
        tracemalloc.start()
    report = asyncio.run(main_async(args.members, args.answers, args.at_once, args.profile))
    report.log_lines = tally.lines
    ok = print_report(report)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
