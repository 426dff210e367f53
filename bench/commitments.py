"""Commitments benchmark: 50,000 open commitments of 10,000 members, on SQLite.

Run from the repository root::

    python -m bench.commitments                       # 10,000 members, 5 commitments each
    python -m bench.commitments --members 2000 --per-member 3
    python -m bench.commitments --profile             # also print where the time goes (slower)

It drives a real ``ConveneApp`` (memory adapter, ``ManualClock``, a fresh
SQLite file in WAL mode, migrated by the app's own start) and reports,
against the targets of the commitments issue:

(a) the time to find and queue the day's reminders (< 1 s): every reminder
    sweep (timer job ``commitment.remind``) of one day, each fired at its
    moment with ``Scheduler.run_due`` and timed from the timer's claim to the
    commit of its reminders (found, DMs queued in the outbox, next reminders
    and their timers planned); reported as the day's total and the slowest
    sweep, on three workspaces:

    - mixed zones: members spread over 12 time zones, so the day's reminders
      come in 12 sweeps (each zone's 09:00);
    - one zone: the same commitments with every member in Europe/London, so
      the whole day's reminders fall on one sweep;
    - one moment: every commitment due on the same day in one zone, so all
      of them are reminded at one 09:00 (sweeps take at most ``SWEEP_LIMIT``
      each and go on a second later until none is left);

    each checked: the reminders queued equal those the seeded data owes that
    day (worked out here with ``next_reminder``), the outbox holds exactly
    those reminder rows (the same idempotency keys, each to its owner's DM,
    none twice), every commitment's next reminder moved on as expected, and
    no timer failed;
(b) the time of ``/convene commitments --overdue`` (< 200 ms), and of plain
    ``/convene commitments`` and ``--overdue --silo`` for reference (the
    issue sets no target for them), on the mixed-zones workspace once its
    day is over: a convener's slash command
    through the memory adapter, timed from dispatch to commit, median and
    maximum over several runs (the first run included), its reply checked
    against counts worked out here.

The workspace: 10,000 members (each in one of 20 silos, every fifth in a
second one), 5 active commitments each (10 % of them blocked), due on the
owner's local date: 20 % already late by 1 to 42 days, the rest due within
the next 60 days; and 1 done commitment each, for the report's "done on
time". Each active commitment's ``remind_at`` is ``next_reminder`` from the
start, with one sweep timer per distinct moment, as ``plan`` leaves them.
Seeding (Core bulk inserts, then a full garbage collection) is not timed.
"The day" is the 24 hours from Monday 30 November 2026, 19:30 UTC, which
hold one 09:00 of every zone.

The clock is manual, so every sweep runs at its exact moment and nothing
waits. The time each timed step spent in Python's garbage collector is
measured too (``gc.callbacks``), since full collections show up in the
figures. Before (b), the memory adapter's list of delivered messages (which
no real adapter keeps) is emptied, so the collector walks what a running
Convene would hold. Log records of WARNING and above are counted and summed
up at the end rather than printed as they come.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import platform
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import Select, func, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from bench.checkins import ZONES, LogTally, Profiler, build_app, timed, verdict
from bot.app import ConveneApp
from bot.clock import ManualClock
from handlers.commitments.reminders import REMIND_JOB, SWEEP_LIMIT, next_reminder, wake_at
from storage.models import Commitment, Member, MemberSilo, OutboxMessage, Silo, Timer, Workspace
from storage.repositories.core import execute, table_of

ONE_ZONE = "Europe/London"
# Just after Honolulu's 09:00 on Monday 30 November: the day that follows holds
# one 09:00 of every zone, from Auckland's (20:00 UTC) to Honolulu's (19:00 UTC).
START = datetime(2026, 11, 30, 19, 30, tzinfo=UTC)
DAY = timedelta(hours=24)
CHANNEL = "general"
CONVENER = "you"
SILOS = 20
OVERDUE_SHARE = 0.20
BLOCKED_SHARE = 0.10
LATEST_OVERDUE_DAYS = 42
DUE_WITHIN_DAYS = 60

SWEEP_TARGET_SECONDS = 1.0
REPORT_TARGET_SECONDS = 0.2

REMINDER_KEYS = "commitment:%:remind:%"


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """One timed ``Scheduler.run_due`` at a sweep's moment."""

    moment: datetime
    seconds: float
    reminders: int
    timers: int
    collecting: float
    cpu: float = 0.0
    """CPU seconds of the process (every thread: aiosqlite's worker too), steadier than wall
    time on a busy machine."""


@dataclass
class Checks:
    expected: int = 0
    queued: int = 0
    outbox_rows: int = 0
    distinct_keys: int = 0
    keys_match: bool = False
    wrong_target: int = 0
    next_wrong: int = 0
    timers_failed: int = 0
    expected_moments: int = 0

    @property
    def problems(self) -> list[str]:
        found = []
        if self.queued != self.expected:
            found.append(f"{self.queued:,} reminders queued, {self.expected:,} expected")
        if self.outbox_rows != self.expected or self.distinct_keys != self.outbox_rows:
            found.append(
                f"the outbox holds {self.outbox_rows:,} reminder rows "
                f"({self.distinct_keys:,} distinct keys), {self.expected:,} expected"
            )
        if not self.keys_match:
            found.append("the outbox's reminder keys are not the ones the data owes")
        if self.wrong_target:
            found.append(f"{self.wrong_target:,} reminders not addressed to their owner's DM")
        if self.next_wrong:
            found.append(f"{self.next_wrong:,} commitments with a wrong next reminder")
        if self.timers_failed:
            found.append(f"{self.timers_failed:,} sweep timers failed")
        return found


@dataclass
class Day:
    label: str
    commitments: int
    seed_seconds: float
    sweeps: list[Sweep] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks)

    @property
    def total_seconds(self) -> float:
        return sum(s.seconds for s in self.sweeps)

    @property
    def cpu_seconds(self) -> float:
        return sum(s.cpu for s in self.sweeps)

    @property
    def reminders(self) -> int:
        return sum(s.reminders for s in self.sweeps)

    @property
    def slowest(self) -> Sweep:
        return max(self.sweeps, key=lambda s: s.seconds)

    @property
    def biggest(self) -> Sweep:
        return max(self.sweeps, key=lambda s: (s.reminders, s.seconds))


@dataclass(frozen=True)
class CommandTimes:
    line: str
    latencies: Sequence[float]
    reply: str
    problem: str | None
    collecting: Sequence[float]
    full_collections: int

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def worst(self) -> float:
        return max(self.latencies)


@dataclass
class Report:
    members: int
    per_member: int
    done_per_member: int
    days: list[Day] = field(default_factory=list)
    commands: list[CommandTimes] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    log_lines: Counter[str] = field(default_factory=Counter)


# -- the workspace ------------------------------------------------------------------------------


Seeded = tuple[int, str, str, str, str, datetime | None]
"""One active commitment as seeded: id, owner's platform id, zone, due date, status and
first reminder. Plain tuples of plain values, which Python's garbage collector stops
tracking, so that the benchmark's own records do not lengthen the app's collections."""


@dataclass
class Seeding:
    """What was seeded: the active commitments, the done ones, and how long it took."""

    workspace_id: int
    active: list[Seeded]
    done: int
    seconds: float


async def pairs(session: AsyncSession, statement: Select[Any, Any]) -> list[tuple[Any, Any]]:
    """The rows of a two-column Core query, as pairs."""

    found = await execute(session, statement)
    return [(values[0], values[1]) for values in map(tuple, found.all())]


def silo_name(number: int) -> str:
    return f"Team{number:02d}"


async def seed(
    app: ConveneApp,
    adapter: MemoryAdapter,
    *,
    members: int,
    per_member: int,
    done_per_member: int,
    zones: Sequence[str],
    one_day: bool,
    rng: random.Random,
) -> Seeding:
    """Members, silos, commitments and their sweep timers, with Core bulk inserts."""

    started = time.perf_counter()
    now = START
    await app.ensure_member(
        platform=adapter.platform,
        workspace_external_id=adapter.workspace_id,
        workspace_name="Bench",
        platform_user_id=CONVENER,
        display_name="Convener",
        timezone=ONE_ZONE,
        convener=True,
    )
    workspaces = table_of(Workspace)
    silos, member_rows = table_of(Silo), table_of(Member)
    member_silos, commitments = table_of(MemberSilo), table_of(Commitment)
    active: list[Seeded] = []
    done = 0
    async with app.sessions.begin() as session:
        found = await execute(
            session, select(workspaces.c.id).where(workspaces.c.platform == adapter.platform)
        )
        wid = int(found.scalar_one())
        await execute(
            session,
            insert(silos),
            [
                {
                    "workspace_id": wid,
                    "name": silo_name(n),
                    "name_key": silo_name(n).casefold(),
                    "kind": "team",
                    "created_at": now,
                }
                for n in range(SILOS)
            ],
        )
        silo_ids = {
            str(name): int(i)
            for i, name in await pairs(
                session, select(silos.c.id, silos.c.name).where(silos.c.workspace_id == wid)
            )
        }
        people = [(f"U{n:05d}", zones[n % len(zones)]) for n in range(members)]
        await execute(
            session,
            insert(member_rows),
            [
                {
                    "workspace_id": wid,
                    "platform_user_id": pid,
                    "display_name": f"Member {n}",
                    "timezone": zone,
                    "is_convener": False,
                    "created_at": now - timedelta(days=90),
                }
                for n, (pid, zone) in enumerate(people)
            ],
        )
        member_ids = {
            str(pid): int(i)
            for i, pid in await pairs(
                session,
                select(member_rows.c.id, member_rows.c.platform_user_id).where(
                    member_rows.c.workspace_id == wid
                ),
            )
        }
        # Everyone in one team; every fifth member in a second one too.
        links = []
        for n, (pid, _) in enumerate(people):
            links.append({"member_id": member_ids[pid], "silo_id": silo_ids[silo_name(n % SILOS)]})
            if n % 5 == 0:
                second = silo_name((n // SILOS + n + 1) % SILOS)
                if second != silo_name(n % SILOS):
                    links.append({"member_id": member_ids[pid], "silo_id": silo_ids[second]})
        await execute(session, insert(member_silos), links)

        rows: list[dict[str, object]] = []
        next_id = 1
        for n, (pid, zone) in enumerate(people):
            owner = member_ids[pid]
            local_today = now.astimezone(ZoneInfo(zone)).date()
            for k in range(per_member):
                if one_day:
                    due = local_today + timedelta(days=2)  # reminded the day before: tomorrow
                elif rng.random() < OVERDUE_SHARE:
                    due = local_today - timedelta(days=rng.randint(1, LATEST_OVERDUE_DAYS))
                else:
                    due = local_today + timedelta(days=rng.randint(0, DUE_WITHIN_DAYS - 1))
                blocked = rng.random() < BLOCKED_SHARE
                status = "blocked" if blocked else "open"
                remind_at = next_reminder(due.isoformat(), zone, now)
                rows.append(
                    {
                        "id": next_id,
                        "workspace_id": wid,
                        "number": next_id,
                        "owner_id": owner,
                        "made_by": owner,
                        "text": f"Draft the hand-over checklist, part {k + 1}, for member {n}",
                        "due_on": due.isoformat(),
                        "status": status,
                        "note": "waiting for IT to open the shared drive" if blocked else None,
                        "channel_id": CHANNEL,
                        "private": False,
                        "remind_at": remind_at,
                        "changes": 0,
                        "created_at": now - timedelta(days=rng.randint(1, 30)),
                        "updated_at": now - timedelta(days=1),
                    }
                )
                active.append((next_id, pid, zone, due.isoformat(), status, remind_at))
                next_id += 1
            for k in range(done_per_member):
                due = local_today - timedelta(days=rng.randint(1, 60))
                done_at = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(
                    days=rng.randint(-3, 2), hours=12
                )
                rows.append(
                    {
                        "id": next_id,
                        "workspace_id": wid,
                        "number": next_id,
                        "owner_id": owner,
                        "made_by": owner,
                        "text": f"Send the survey, round {k + 1}, for member {n}",
                        "due_on": due.isoformat(),
                        "status": "done",
                        "channel_id": CHANNEL,
                        "private": False,
                        "remind_at": None,
                        "changes": 1,
                        "created_at": done_at - timedelta(days=20),
                        "updated_at": done_at,
                        "done_at": done_at,
                        "done_on_time": done_at.date() <= due,
                    }
                )
                done += 1
                next_id += 1
        # Two shapes of row (done ones carry done_at): insert each shape on its own.
        for shape in (False, True):
            batch = [r for r in rows if ("done_at" in r) is shape]
            if batch:
                await execute(session, insert(commitments), batch)
        await wake_at(session, wid, [s[5] for s in active if s[5] is not None])
    return Seeding(wid, active, done, time.perf_counter() - started)


# -- what the data owes -------------------------------------------------------------------------


def reminder_key(commitment_id: int, moment: datetime) -> str:
    return f"commitment:{commitment_id}:remind:{moment.astimezone(UTC).isoformat()}"


def owed(active: Sequence[Seeded], end: datetime) -> tuple[set[str], dict[int, datetime | None]]:
    """The reminder keys due before ``end`` (each sweep firing at its moment), and the
    next reminder each commitment should then have."""

    keys: set[str] = set()
    after: dict[int, datetime | None] = {}
    for commitment_id, _, zone, due_on, _, moment in active:
        while moment is not None and moment < end:
            keys.add(reminder_key(commitment_id, moment))
            moment = next_reminder(due_on, zone, moment)
        after[commitment_id] = moment
    return keys, after


async def reminder_rows(app: ConveneApp) -> int:
    outbox = table_of(OutboxMessage)
    async with app.sessions() as session:
        found = await execute(
            session,
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.idempotency_key.like(REMINDER_KEYS)),
        )
        return int(found.scalar_one())


async def check_day(app: ConveneApp, seeded: Seeding, end: datetime, day: Day) -> None:
    keys, after = owed(seeded.active, end)
    owners = {s[0]: s[1] for s in seeded.active}
    outbox, commitments, timers = (
        table_of(OutboxMessage),
        table_of(Commitment),
        table_of(Timer),
    )
    checks = day.checks
    checks.expected = len(keys)
    checks.queued = day.reminders
    async with app.sessions() as session:
        found = await pairs(
            session,
            select(outbox.c.idempotency_key, outbox.c.target_key).where(
                outbox.c.idempotency_key.like(REMINDER_KEYS)
            ),
        )
        next_at = {
            int(i): at
            for i, at in await pairs(
                session,
                select(commitments.c.id, commitments.c.remind_at).where(
                    commitments.c.status.in_(("open", "blocked"))
                ),
            )
        }
        failed = await execute(
            session,
            select(func.count())
            .select_from(timers)
            .where(timers.c.job == REMIND_JOB, timers.c.status == "failed"),
        )
        checks.timers_failed = int(failed.scalar_one())
    got = [str(key) for key, _ in found]
    checks.outbox_rows = len(got)
    checks.distinct_keys = len(set(got))
    checks.keys_match = set(got) == keys
    checks.wrong_target = sum(
        1 for key, target in found if target != f"dm:{owners[int(str(key).split(':')[1])]}"
    )
    checks.next_wrong = sum(1 for i, at in after.items() if next_at.get(i) != at)
    checks.expected_moments = len({s[5] for s in seeded.active if s[5] is not None and s[5] < end})


class CollectorTime:
    """Time spent in Python's garbage collector, summed from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._began
        self.full += info.get("generation") == 2


COLLECTOR = CollectorTime()


# -- (a) a day of reminder sweeps ------------------------------------------------------------


async def sweep_day(
    app: ConveneApp, clock: ManualClock, day: Day, end: datetime, prof: Profiler
) -> None:
    """Fire every sweep due before ``end``, each at its own moment, timing each."""

    profiled = False
    while True:
        upcoming = await app.scheduler.next_slot()
        if upcoming is None or upcoming >= end:
            return
        if upcoming > clock.now():
            clock.set(upcoming)
        before = await reminder_rows(app)
        # With --profile, profile the first sweep of the day.
        label = None if profiled else f"{day.label}: sweep at {upcoming:%H:%M:%S} UTC"
        collected = COLLECTOR.seconds
        cpu_before = time.process_time()
        with prof.around(label):
            ran, seconds = await timed(app.scheduler.run_due)
        cpu = time.process_time() - cpu_before
        profiled = True
        queued = await reminder_rows(app) - before
        day.sweeps.append(Sweep(upcoming, seconds, queued, ran, COLLECTOR.seconds - collected, cpu))


@dataclass(frozen=True)
class Size:
    members: int
    per_member: int
    done_per_member: int
    runs: int
    seed: int


@dataclass(frozen=True)
class Variant:
    label: str
    zones: Sequence[str]
    one_moment: bool = False
    with_commands: bool = False


VARIANTS = (
    Variant(f"mixed zones ({len(ZONES)})", ZONES, with_commands=True),
    Variant(f"one zone ({ONE_ZONE})", (ONE_ZONE,)),
    Variant("one moment (all due the same day)", (ONE_ZONE,), one_moment=True),
)


async def one_day(tmp: Path, variant: Variant, size: Size, prof: Profiler, report: Report) -> Day:
    """A fresh workspace: seed it, fire the day's sweeps, check them, then (b) if asked."""

    clock = ManualClock(START)
    adapter = MemoryAdapter()
    slug = variant_slug(variant)
    app = build_app(f"sqlite+aiosqlite:///{tmp / (slug + '.db')}", adapter, clock)
    await app.start(background=False)
    try:
        seeded = await seed(
            app,
            adapter,
            members=size.members,
            per_member=size.per_member,
            done_per_member=size.done_per_member,
            zones=variant.zones,
            one_day=variant.one_moment,
            rng=random.Random(size.seed),
        )
        day = Day(variant.label, len(seeded.active), seeded.seconds)
        # Collect the seeding's garbage now, untimed, rather than in the first sweep.
        gc.collect()
        end = START + DAY
        await sweep_day(app, clock, day, end, prof)
        await check_day(app, seeded, end, day)
        if variant.with_commands:
            report.commands.extend(await convener_views(app, adapter, seeded, size.runs, prof))
    finally:
        await app.stop()
    return day


# -- (b) the convener's view -----------------------------------------------------------------


def expected_counts(seeded: Seeding, now: datetime) -> tuple[int, int, int]:
    """Active, overdue (due before the owner's own today) and blocked commitments."""

    overdue = sum(
        1 for s in seeded.active if s[3] < now.astimezone(ZoneInfo(s[2])).date().isoformat()
    )
    blocked = sum(1 for s in seeded.active if s[4] == "blocked")
    return len(seeded.active), overdue, blocked


_OVERDUE = re.compile(r"^(\d+) overdue commitments?")
_SUMMARY = re.compile(r"^Commitments: (\d+) open \((\d+) overdue, (\d+) blocked\), (\d+) done")


def check_reply(line: str, reply: str, seeded: Seeding, now: datetime) -> str | None:
    active, overdue, blocked = expected_counts(seeded, now)
    first = reply.split("\n", 1)[0]
    if "--silo" in line:
        return None if " overdue commitment" in first or "Nothing is overdue" in first else first
    if "--overdue" in line:
        match = _OVERDUE.match(first)
        if match is None or int(match.group(1)) != overdue:
            return f"expected {overdue} overdue, got: {first[:120]}"
        return None
    summary = _SUMMARY.match(first)
    wanted = (active, overdue, blocked, seeded.done)
    if summary is None or tuple(int(g) for g in summary.groups()) != wanted:
        return f"expected {wanted} (open, overdue, blocked, done), got: {first[:120]}"
    return None


async def convener_views(
    app: ConveneApp, adapter: MemoryAdapter, seeded: Seeding, runs: int, prof: Profiler
) -> list[CommandTimes]:
    deliverer = app.deliverers["memory"]
    await deliverer.drain()  # the day's reminders, so each command's own reply is all there is
    # The memory adapter keeps every message it delivered, which no real adapter does:
    # forget them, so Python's collections walk what a running Convene would hold.
    adapter.delivered.clear()
    gc.collect()
    results = []
    for line in (
        "/convene commitments --overdue",
        "/convene commitments",
        f"/convene commitments --overdue --silo {silo_name(3)}",
    ):
        latencies: list[float] = []
        collecting: list[float] = []
        full = 0
        reply = ""
        for run in range(runs):
            before = len(adapter.delivered)
            collected, fulls = COLLECTOR.seconds, COLLECTOR.full
            with prof.around(line if run == 0 else None):
                started = time.perf_counter()
                await adapter.command(CONVENER, line, place=MemoryAdapter.channel(CHANNEL))
                seconds = time.perf_counter() - started
            latencies.append(seconds)
            collecting.append(COLLECTOR.seconds - collected)
            full += COLLECTOR.full - fulls
            await deliverer.drain()
            replies = [d.text for d in adapter.delivered[before:] if d.visible_to(CONVENER)]
            if not replies:
                raise RuntimeError(f"{line!r} got no reply")
            reply = replies[-1]
        problem = check_reply(line, reply, seeded, app.clock.now())
        results.append(CommandTimes(line, latencies, reply, problem, collecting, full))
    return results


# -- the whole run ------------------------------------------------------------------------------


def variant_slug(variant: Variant) -> str:
    return re.sub(r"[^a-z0-9]+", "-", variant.label.lower()).strip("-")


async def main_async(size: Size, profile: bool, only: str | None = None) -> Report:
    report = Report(size.members, size.per_member, size.done_per_member)
    prof = Profiler(profile)
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        for variant in VARIANTS:
            if only is not None and not variant_slug(variant).startswith(only):
                continue
            report.days.append(await one_day(Path(tmp), variant, size, prof, report))
    report.profiles = prof.reports
    return report


# -- printing -----------------------------------------------------------------------------------


def _zones_at_nine(moment: datetime) -> str:
    return ", ".join(
        zone.split("/")[-1]
        for zone in ZONES
        if moment.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "09:00"
    )


def print_day(day: Day) -> None:
    print(
        f"  {day.label}: {day.commitments:,} active commitments "
        f"(seeded in {day.seed_seconds:.1f} s, not timed)"
    )
    print(
        f"    {'sweep at (UTC)':<22} {'09:00 in':<24} {'reminders':>9} {'seconds':>8}"
        f" {'CPU s':>7}   of which garbage collection"
    )
    for sweep in day.sweeps:
        print(
            f"    {sweep.moment:%Y-%m-%d %H:%M:%S}    {_zones_at_nine(sweep.moment):<24} "
            f"{sweep.reminders:>9,} {sweep.seconds:>8.3f} {sweep.cpu:>7.3f}   "
            f"{sweep.collecting:.3f}"
        )
    if any(sweep.reminders == SWEEP_LIMIT for sweep in day.sweeps):
        print(
            f"    (a sweep takes at most {SWEEP_LIMIT:,} reminders, SWEEP_LIMIT, and wakes "
            "the next a second later)"
        )
    rate = day.reminders / day.total_seconds if day.total_seconds else 0.0
    print(
        f"    the day: {len(day.sweeps)} sweeps, {day.reminders:,} reminders queued in "
        f"{day.total_seconds:.3f} s ({rate:,.0f} a second; {day.cpu_seconds:.3f} s of CPU)"
    )
    checks = day.checks
    problems = checks.problems
    print(
        f"    checked: {checks.expected:,} reminders owed by the data at "
        f"{checks.expected_moments} moment(s); {checks.outbox_rows:,} reminder rows in the "
        f"outbox, {checks.distinct_keys:,} distinct, keys "
        f"{'match' if checks.keys_match else 'DO NOT match'}; "
        f"{checks.wrong_target} misaddressed; {checks.next_wrong} wrong next reminders; "
        f"{checks.timers_failed} failed timers"
        + (f"   PROBLEMS: {'; '.join(problems)}" if problems else "   OK")
    )


def print_report(report: Report) -> bool:
    sweep_target = f"< {SWEEP_TARGET_SECONDS:g} s"
    report_target = f"< {1000 * REPORT_TARGET_SECONDS:g} ms"
    print("(a) the day's reminder sweeps, each timed from its timer's claim to its commit")
    for day in report.days:
        print_day(day)
    print(
        "(b) the convener's view, dispatch to commit, over "
        f"{len(report.commands[0].latencies) if report.commands else 0} runs"
    )
    for command in report.commands:
        print(
            f"    {command.line:<52} median {1000 * command.median:6.1f} ms, "
            f"max {1000 * command.worst:6.1f} ms   "
            f"({', '.join(f'{1000 * s:.0f}' for s in command.latencies)})"
        )
        print(
            f"    {'':<52} of which Python's garbage collector: "
            f"{', '.join(f'{1000 * s:.0f}' for s in command.collecting)} ms "
            f"({command.full_collections} full collections)"
        )
        print(f"    {'':<52} reply: {command.reply.split(chr(10), 1)[0][:110]}")
        if command.problem:
            print(f"    {'':<52} PROBLEM: {command.problem}")

    rows: list[tuple[str, str, str, str]] = []
    all_ok = True

    def row(what: str, measured: str, target: str, ok: bool | None) -> None:
        nonlocal all_ok
        if ok is not None:
            all_ok = all_ok and ok
        rows.append((what, measured, target, "" if ok is None else verdict(ok)))

    for day in report.days:
        fine = not day.checks.problems
        row(
            f"(a) {day.label}: the day's {day.reminders:,} reminders, {len(day.sweeps)} sweep(s)",
            f"{day.total_seconds:.3f} s",
            sweep_target,
            day.total_seconds < SWEEP_TARGET_SECONDS,
        )
        row(
            "    the same in CPU time (steadier on a busy machine)",
            f"{day.cpu_seconds:.3f} s",
            sweep_target,
            None,
        )
        if len(day.sweeps) > 1:
            slowest, biggest = day.slowest, day.biggest
            row(
                f"    slowest sweep ({slowest.reminders:,} reminders)",
                f"{slowest.seconds:.3f} s",
                sweep_target,
                slowest.seconds < SWEEP_TARGET_SECONDS,
            )
            if biggest is not slowest:
                row(
                    f"    biggest sweep ({biggest.reminders:,} reminders)",
                    f"{biggest.seconds:.3f} s",
                    sweep_target,
                    biggest.seconds < SWEEP_TARGET_SECONDS,
                )
        row(
            "    reminders queued = owed, outbox rows, no duplicates, next reminders",
            f"{day.reminders:,} of {day.checks.expected:,}",
            "all, once",
            fine,
        )
    for command in report.commands:
        targeted = command.line == "/convene commitments --overdue"
        right = command.problem is None
        for name, seconds in (("median", command.median), ("max", command.worst)):
            row(
                f"(b) {command.line}, {name} of {len(command.latencies)}",
                f"{1000 * seconds:.1f} ms",
                report_target if targeted else "(none)",
                (seconds < REPORT_TARGET_SECONDS and right)
                if targeted
                else (None if right else False),
            )
    if report.commands:
        wrong = [c.line for c in report.commands if c.problem is not None]
        row(
            "    replies' counts = those worked out from the data",
            f"{len(report.commands) - len(wrong)} of {len(report.commands)} right",
            "all",
            not wrong,
        )

    print("\nSummary")
    width = max(len(r[0]) for r in rows)
    print(f"  {'':<{width}}  {'measured':>16}  {'target':>10}  verdict")
    for what, measured, target, result in rows:
        print(f"  {what:<{width}}  {measured:>16}  {target:>10}  {result}".rstrip())

    if report.log_lines:
        print("\nConvene's warnings and errors during the run:")
        for line, count in report.log_lines.most_common():
            print(f"    {count:>5} x {line}")
    for label, text in report.profiles.items():
        print(f"\n--- profile: {label} ---")
        print(text)
    return all_ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Commitments benchmark.")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--per-member", type=int, default=5, help="open commitments per member (default 5)"
    )
    parser.add_argument(
        "--done-per-member",
        type=int,
        default=1,
        help="commitments already done per member, for the report's history (default 1)",
    )
    parser.add_argument(
        "--runs", type=int, default=10, help="times each convener command is run (default 10)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the due dates")
    parser.add_argument(
        "--only",
        choices=("mixed", "one-zone", "one-moment"),
        help="run one workspace of (a) only (no (b) unless mixed)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile figures (timings then run slower)"
    )
    args = parser.parse_args(argv)
    if args.members < 1 or args.per_member < 1 or args.runs < 1 or args.done_per_member < 0:
        parser.error("--members, --per-member and --runs need at least 1")
    print(
        f"Commitments benchmark: {args.members:,} members x {args.per_member} open commitments "
        f"(+ {args.done_per_member} done each), {SILOS} silos; SQLite (WAL, NORMAL), "
        "memory adapter"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"SQLAlchemy {sqlalchemy.__version__}, aiosqlite {version('aiosqlite')}, "
        f"SQLite {sqlite3.sqlite_version}; the day from {START:%Y-%m-%d %H:%M} UTC\n"
    )
    tally = LogTally()
    convene_log = logging.getLogger("convene")
    convene_log.addHandler(tally)
    convene_log.propagate = False
    gc.callbacks.append(COLLECTOR)
    started = time.perf_counter()
    size = Size(args.members, args.per_member, args.done_per_member, args.runs, args.seed)
    report = asyncio.run(main_async(size, args.profile, args.only))
    report.log_lines = tally.lines
    ok = print_report(report)
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
