"""Check-in answers benchmark: the event path from dispatch to the committed outbox row.

Run from the repository root::

    python -m bench.answers                    # about 30 s
    python -m bench.answers --members 4000 --answers 1500 --rate 500 --seconds 4
    python -m bench.answers --profile          # also cProfile one kind of event at a time

It drives a real ``ConveneApp`` (memory adapter, ``ManualClock``, every
handler, a fresh SQLite file in WAL mode): a check-in run asked of every
member of #general, then, against the issue-19 targets:

(a) the statements and transactions one event costs, counted at the driver
    (``before_cursor_execute``): a check-in answer (the form submitted), a
    button click (Answer, which opens the form) and a slash command
    (``/convene checkin list``), each for a member already seen;
(b) answers recorded a second, one after another (closed loop), with the
    deliverer idle (its work left queued) and with it running alongside as
    in production; the CPU time one answer takes (``time.process_time``,
    which other processes on the machine do not move, unlike the wall
    clock); target >= 1,000 a second;
(c) an open loop: answers submitted at a fixed 500 a second whatever
    happens to the earlier ones, with the deliverer running; each answer's
    latency is counted from the moment it was due, so a handler that falls
    behind cannot hide its queue (target p99 < 50 ms, none lost).

Each answer comes from a different member, so each is a first answer: its
row changed, its post in the run's thread and its reply queued, in one
transaction with the event's de-duplication record.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

from adapters.memory import MemoryAdapter
from bench.checkins import CHANNEL, CONVENER, Profiler, command
from bot import event_loop
from bot.adapter import ChannelMember
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.messages import Form
from bot.wiring import build_registry
from handlers.checkins.answers import FORM_ID
from storage.engine import create_engine
from storage.models import CheckinPrompt
from storage.repositories.core import execute, table_of
from storage.sqlite_driver import lean_dbapi

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # a Monday, before anyone's 09:00 in Europe
NINE_IN_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CHECKIN = "Standup"

ANSWERS_TARGET = 1_000.0
OPEN_RATE_TARGET = 500.0
P99_TARGET_MS = 50.0


# -- counting statements -----------------------------------------------------------------------


@dataclass
class StatementLog:
    """Statements and commits the engine's connections ran, while ``on``."""

    on: bool = False
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    def attach(self, app: ConveneApp) -> None:
        engine = app.engine.sync_engine

        @sa_event.listens_for(engine, "before_cursor_execute")
        def _statement(*args: Any) -> None:
            if self.on:
                self.statements.append(" ".join(str(args[2]).split())[:110])

        @sa_event.listens_for(engine, "commit")
        def _commit(*args: Any) -> None:
            if self.on:
                self.commits += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.statements, self.commits, self.on = [], 0, True
        try:
            yield
        finally:
            self.on = False


@dataclass(frozen=True)
class EventCost:
    label: str
    statements: list[str]
    commits: int
    cpu_ms: float


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loop:
    label: str
    count: int
    recorded: int
    seconds: float
    cpu_seconds: float
    latencies: Sequence[float]
    rate_asked: float | None = None

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.count)

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the workspace -----------------------------------------------------------------------------


def build_app(
    database_url: str, adapter: MemoryAdapter, clock: ManualClock, *, lean: bool = True
) -> ConveneApp:
    """The app as ``convene run`` builds it (on ``storage.sqlite_driver``'s cursor: one
    trip to the connection's thread per statement); ``lean=False``: on SQLAlchemy's own
    aiosqlite cursor instead, for a comparison."""

    settings = Settings(
        convene=ConveneSection(
            database_url=database_url, conveners=[CONVENER], instance_id="bench", welcome=False
        )
    )
    module = lean_dbapi() if lean else AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)
    engine = create_engine(database_url, module=module)
    return ConveneApp(settings, [adapter], build_registry(), clock, engine=engine)


async def ask_everyone(app: ConveneApp, adapter: MemoryAdapter) -> None:
    """A check-in of #general at 09:00, created at dawn; then it is 09:00 in Berlin, where
    everyone is, and all are asked at once."""

    line = f'/convene checkin create "{CHECKIN}" #{CHANNEL} every weekday 09:00'
    reply = await command(app, adapter, line)
    if not reply.startswith("Created"):
        raise RuntimeError(f"{line}: {reply}")
    await app.advance_clock_to(NINE_IN_BERLIN)


async def answered(app: ConveneApp) -> int:
    prompts = table_of(CheckinPrompt)
    async with app.sessions() as session:
        found = await execute(
            session,
            select(func.count()).select_from(prompts).where(prompts.c.status == "answered"),
        )
        return int(found.scalar_one())


async def answer_form(app: ConveneApp, adapter: MemoryAdapter, member: str) -> Form:
    await adapter.click(member, "Answer")
    event, form = adapter.forms_opened[-1]
    if event.actor_id != member or form.form_id != FORM_ID:
        raise RuntimeError("pressing Answer opened no check-in form")
    return form


def form_values(form: Form) -> dict[str, str]:
    return {f.name: f"Answer to {f.label[:20]}" for f in form.fields}


# -- (a) one event -----------------------------------------------------------------------------


async def costed(log: StatementLog, label: str, action: Callable[[], Awaitable[None]]) -> EventCost:
    started = time.process_time()
    with log.counting():
        await action()
    cpu = time.process_time() - started
    return EventCost(label, list(log.statements), log.commits, 1000 * cpu)


# -- (b), (c) loops ----------------------------------------------------------------------------


async def closed_loop(
    app: ConveneApp,
    adapter: MemoryAdapter,
    form: Form,
    members: Sequence[str],
    *,
    label: str,
    with_deliverer: bool,
) -> Loop:
    values = form_values(form)
    before = await answered(app)
    deliverer = app.deliverers["memory"]
    latencies: list[float] = []
    if with_deliverer:
        await deliverer.start()
    try:
        cpu, started = time.process_time(), time.perf_counter()
        for member in members:
            began = time.perf_counter()
            await adapter.submit(member, form, values)
            latencies.append(time.perf_counter() - began)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        if with_deliverer:
            await deliverer.stop()
    await deliverer.drain()
    recorded = await answered(app) - before
    return Loop(label, len(members), recorded, seconds, cpu, latencies)


async def open_loop(
    app: ConveneApp, adapter: MemoryAdapter, form: Form, members: Sequence[str], rate: float
) -> Loop:
    """Submissions due at a fixed rate, each started at its time whatever the earlier did."""

    values = form_values(form)
    before = await answered(app)
    deliverer = app.deliverers["memory"]
    latencies: list[float] = []
    failures = 0

    async def submit(member: str, due: float) -> None:
        nonlocal failures
        try:
            await adapter.submit(member, form, values)
        except Exception:
            failures += 1
        latencies.append(time.perf_counter() - due)

    await deliverer.start()
    tasks: list[asyncio.Task[None]] = []
    try:
        cpu, started = time.process_time(), time.perf_counter()
        for number, member in enumerate(members):
            due = started + number / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            tasks.append(asyncio.create_task(submit(member, due)))
        await asyncio.gather(*tasks)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await deliverer.stop()
    await deliverer.drain()
    recorded = await answered(app) - before
    label = f"open loop at {rate:,.0f}/s, deliverer running"
    return Loop(label, len(members), recorded, seconds, cpu, latencies, rate_asked=rate)


# -- the whole run -----------------------------------------------------------------------------


@dataclass
class Report:
    costs: list[EventCost] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    profiler: Profiler = field(default_factory=lambda: Profiler(False))


async def main_async(args: argparse.Namespace) -> Report:
    report = Report(profiler=Profiler(args.profile))
    open_count = int(args.rate * args.seconds)
    members = 23 + 2 * args.answers + open_count
    people = [ChannelMember(f"U{n:05d}", f"Member {n}", "Europe/Berlin") for n in range(members)]
    ids = [p.platform_user_id for p in people]
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        clock = ManualClock(START)
        adapter = MemoryAdapter(channel_members={CHANNEL: people}, clock=clock)
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'answers.db'}"
        app = build_app(url, adapter, clock, lean=args.driver == "lean")
        statements = StatementLog()
        statements.attach(app)
        await app.start(background=False)
        try:
            await ask_everyone(app, adapter)
            # The run made every member of #general a member; the form is the same for
            # all of them (it names the run and the page), as in bench.checkins.
            await command(app, adapter, "/convene checkin list")
            form = await answer_form(app, adapter, ids[0])
            await app.deliverers["memory"].drain()

            values = form_values(form)
            report.costs.append(
                await costed(
                    statements,
                    "check-in answer (form submitted)",
                    lambda: adapter.submit(ids[1], form, values),
                )
            )
            report.costs.append(
                await costed(
                    statements,
                    "button click (Answer: opens the form)",
                    lambda: adapter.click(ids[2], "Answer"),
                )
            )
            report.costs.append(
                await costed(
                    statements,
                    "slash command (/convene checkin list)",
                    lambda: adapter.command(
                        CONVENER, "/convene checkin list", place=MemoryAdapter.channel(CHANNEL)
                    ),
                )
            )
            await app.deliverers["memory"].drain()
            if args.profile:
                await profile_each_kind(app, adapter, form, ids[3:23], report)

            first = 23
            batches = (
                ("one at a time, deliverer idle", False),
                ("one at a time, deliverer running", True),
            )
            for label, with_deliverer in batches:
                chunk = ids[first : first + args.answers]
                first += args.answers
                with report.profiler.around(None if with_deliverer else f"answers, {label}"):
                    report.loops.append(
                        await closed_loop(
                            app, adapter, form, chunk, label=label, with_deliverer=with_deliverer
                        )
                    )
            chunk = ids[first : first + open_count]
            report.loops.append(await open_loop(app, adapter, form, chunk, args.rate))
        finally:
            await app.stop()
    return report


async def profile_each_kind(
    app: ConveneApp, adapter: MemoryAdapter, form: Form, members: Sequence[str], report: Report
) -> None:
    """cProfile over a few events of each kind, the deliverer idle."""

    values = form_values(form)
    with report.profiler.around("20 check-in answers"):
        for member in members:
            await adapter.submit(member, form, values)
    with report.profiler.around("20 button clicks (Answer)"):
        for member in members:
            await adapter.click(member, "Answer")
    with report.profiler.around("20 slash commands (/convene checkin list)"):
        for _ in members:
            await adapter.command(
                CONVENER, "/convene checkin list", place=MemoryAdapter.channel(CHANNEL)
            )
    await app.deliverers["memory"].drain()


# -- printing ----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_report(report: Report, show_statements: bool) -> bool:
    print("(a) one event, dispatch to commit (a member already seen; deliverer idle)")
    for cost in report.costs:
        print(
            f"    {cost.label:<42} {len(cost.statements):>3} statements, "
            f"{cost.commits} commit(s), {cost.cpu_ms:5.2f} ms CPU"
        )
        if show_statements:
            for text in cost.statements:
                print(f"        {text}")
    ok = True
    print("(b) answers recorded a second, one after another (closed loop)")
    for loop in report.loops:
        lost = loop.count - loop.recorded
        if loop.rate_asked is None:
            passed = loop.rate >= ANSWERS_TARGET and lost == 0
            print(
                f"    {loop.label:<34} {loop.recorded:>6,} of {loop.count:,} in "
                f"{loop.seconds:6.2f} s = {loop.rate:>6,.0f}/s; CPU {loop.cpu_ms_each:.2f} ms "
                f"each (= {1000 / loop.cpu_ms_each:,.0f}/s of CPU); p50 "
                f"{loop.percentile_ms(0.5):.1f} ms, p99 {loop.percentile_ms(0.99):.1f} ms   "
                f"target >= {ANSWERS_TARGET:,.0f}/s   {verdict(passed)}"
            )
        else:
            print("(c) open loop: answers due at a fixed rate, latency from each one's due time")
            passed = loop.percentile_ms(0.99) < P99_TARGET_MS and lost == 0
            print(
                f"    {loop.label:<34} {loop.recorded:>6,} of {loop.count:,} recorded, "
                f"{lost} lost; p50 {loop.percentile_ms(0.5):.1f} ms, p99 "
                f"{loop.percentile_ms(0.99):.1f} ms, max {1000 * max(loop.latencies):.1f} ms; "
                f"CPU {loop.cpu_ms_each:.2f} ms each   target p99 < {P99_TARGET_MS:g} ms   "
                f"{verdict(passed)}"
            )
        ok = ok and passed
    for label, text in report.profiler.reports.items():
        print(f"\n--- profile: {label} ---")
        print(text)
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Check-in answers benchmark.")
    parser.add_argument("--answers", type=int, default=2_000, help="answers in each closed loop")
    parser.add_argument("--rate", type=float, default=OPEN_RATE_TARGET, help="open loop, a second")
    parser.add_argument("--seconds", type=float, default=5.0, help="open loop, how long")
    parser.add_argument("--statements", action="store_true", help="print each event's statements")
    parser.add_argument("--profile", action="store_true", help="print cProfile figures (slower)")
    parser.add_argument(
        "--driver",
        choices=("lean", "sqlalchemy"),
        default="lean",
        help="SQLite cursor: storage.sqlite_driver's (a hop a statement, as convene runs), "
        "or SQLAlchemy's own aiosqlite one",
    )
    args = parser.parse_args(argv)
    if args.answers < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--answers, --rate and --seconds take positive numbers, like --rate 500")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"Check-in answers benchmark: SQLite (WAL, NORMAL, {args.driver} driver), memory "
        "adapter, one process\n"
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}; "
        f"{os.cpu_count()} CPUs, load average {load}\n"
    )
    logging.getLogger("convene").setLevel(logging.ERROR)
    print(event_loop.describe())
    report = event_loop.run(main_async(args))
    ok = print_report(report, args.statements)
    print(f"\nload average at the end: {', '.join(f'{n:.2f}' for n in os.getloadavg())}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
