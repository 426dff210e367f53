"""Report benchmark: ``/convene report`` over a year of a 2,000-member workspace, on SQLite.

Run from the repository root::

    python -m bench.report                   # 2,000 members, a year
    python -m bench.report --members 500 --runs 3

The target (issue 16): ``/convene report`` over a year of a 2,000-member
workspace in under 1 s.

It drives a real ``ConveneApp`` (memory adapter, ``ManualClock``, a fresh
SQLite file in WAL mode, migrated by the app's own start) and reports:

(a) ``/convene report`` as a convener types it, timed from dispatch to
    commit (the figures read, the summary, the Markdown and the CSV tables
    made, the reply with its files queued in the outbox), for the default
    period (the last three months) and ``--since 1y`` (the whole year), each
    the median of ``--runs`` (the first run, which imports the modules, shown
    apart), by the wall clock and by the process's CPU time in all its
    threads (which the machine's other work inflates far less); each reply is
    checked against counts worked out here;
(b) where the time goes outside the command, median of ``--runs``: reading
    the figures (``gather``), of which the landscape read
    (``load_landscape`` as the report calls it, without round lists), and
    writing the files;
(c) for reference (no target): one convener's monthly digest (the timer job,
    claim to commit) and ``/convene export`` of every dataset as CSV through
    ``export_files`` (the command line's path; the chat refuses files over
    its size limit, and a year's check-in answers are more than that).

The workspace, a year up to Monday 30 November 2026: 200 silos (140 teams,
40 departments, 20 professions), 2,000 members each in one team, that team's
department and for six in ten a profession; a weekly check-in of three
questions asking everyone (52 runs, 104,000 prompts: 70 % answered, 25 %
missed, 5 % skipped); a programme with a round every two weeks (26 rounds of
1,000 pairs, six in ten met, a take-away from one met member in five, with
each consent equally often); 5 commitments a member (10,000: done on time,
done late, open, overdue, dropped); two retros a month (24, 30 items each, 5
of which became commitments). Seeding (Core bulk inserts, ids chosen here)
is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import select

from adapters.memory import MemoryAdapter
from bench.checkins import build_app, verdict
from bench.organisation import bridge_rows, insert_all, seed_organisation
from bot.app import ConveneApp
from bot.clock import ManualClock
from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Programme,
    Retro,
    RetroItem,
    SiloBridge,
    Timer,
    Workspace,
)
from storage.repositories.core import execute, table_of

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
YEAR_START = NOW - timedelta(weeks=52)
CHANNEL = "general"
CONVENER = "you"
TARGET_SECONDS = 1.0
QUESTIONS = [
    {"text": "What did you do since last time?", "kind": "text"},
    {"text": "What will you do next?", "kind": "text"},
    {"text": "Anything in your way?", "kind": "text"},
]
CONSENTS = ("conveners", "named", "anonymous")
CHUNK = 20_000

T = TypeVar("T")


@dataclass(frozen=True)
class Size:
    members: int
    silos: int
    runs: int
    seed: int


@dataclass
class Expected:
    """Counts worked out while seeding, that the report's summary must say."""

    runs_in: dict[str, int] = field(default_factory=dict)
    answered_in: dict[str, int] = field(default_factory=dict)
    asked_in: dict[str, int] = field(default_factory=dict)
    groups_in: dict[str, int] = field(default_factory=dict)
    made_in: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    seed_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    commands: list[tuple[str, float, list[float], list[float], str]] = field(default_factory=list)
    steps: list[tuple[str, list[float]]] = field(default_factory=list)
    reference: list[tuple[str, float, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


# -- the workspace --------------------------------------------------------------------------


def periods() -> dict[str, datetime]:
    """Where the two timed reports start: three months back (the default), a year."""

    return {"3mo": NOW - timedelta(days=90), "1y": NOW - timedelta(days=365)}


def count_in(expected: dict[str, int], moment: datetime) -> None:
    for label, since in periods().items():
        if moment >= since:
            expected[label] = expected.get(label, 0) + 1


async def seed(app: ConveneApp, adapter: MemoryAdapter, size: Size, report: Report) -> Expected:
    started = time.perf_counter()
    rng = random.Random(size.seed)
    expected = Expected()
    created = YEAR_START - timedelta(days=30)
    await app.ensure_member(
        platform=adapter.platform,
        workspace_external_id=adapter.workspace_id,
        workspace_name="Bench",
        platform_user_id=CONVENER,
        display_name="Convener",
        timezone="Europe/London",
        convener=True,
    )
    async with app.sessions.begin() as session:
        workspaces = table_of(Workspace)
        found = await execute(
            session, select(workspaces.c.id).where(workspaces.c.platform == adapter.platform)
        )
        wid = int(found.scalar_one())
        await execute(
            session,
            sqlalchemy.update(workspaces).where(workspaces.c.id == wid).values(created_at=created),
        )

        silos_of = await seed_organisation(session, wid, size.silos, size.members, rng, created)
        everyone = sorted(silos_of)

        # A weekly check-in: 52 runs.
        await insert_all(
            session,
            Checkin,
            [
                {
                    "id": 1,
                    "workspace_id": wid,
                    "name": "Pulse",
                    "name_key": "pulse",
                    "channel_id": CHANNEL,
                    "channel_name": CHANNEL,
                    "template": "standup",
                    "questions": QUESTIONS,
                    "weekdays": "0",
                    "every_weeks": 1,
                    "hour": 9,
                    "minute": 0,
                    "timezone": "Europe/London",
                    "anchor_at": YEAR_START,
                    "audience": "channel",
                    "remind_after_minutes": 180,
                    "closes_minute": 1440,
                    "status": "paused",
                    "created_at": created,
                }
            ],
        )
        runs: list[dict[str, Any]] = []
        prompts: list[dict[str, Any]] = []
        for week in range(52):
            opened = YEAR_START + timedelta(weeks=week, hours=-3)
            runs.append(
                {
                    "id": week + 1,
                    "checkin_id": 1,
                    "run_date": opened.date().isoformat(),
                    "questions": QUESTIONS,
                    "manual": False,
                    "status": "closed",
                    "opened_at": opened,
                    "closed_at": opened + timedelta(days=1),
                }
            )
            count_in(expected.runs_in, opened)
            for member in everyone:
                roll = rng.random()
                status = "answered" if roll < 0.70 else ("missed" if roll < 0.95 else "skipped")
                asked = opened + timedelta(hours=3)
                prompts.append(
                    {
                        "run_id": week + 1,
                        "member_id": member,
                        "status": status,
                        "due_at": asked,
                        "remind_at": None,
                        "close_at": opened + timedelta(days=1),
                        "asked_at": asked if status != "skipped" else None,
                        "reminded_at": None,
                        "answered_at": asked + timedelta(hours=1) if status == "answered" else None,
                        "answers": ["Rounds", "Audit", "None"] if status == "answered" else [],
                        "edits": 0,
                    }
                )
                for label, since in periods().items():
                    if opened >= since and status != "skipped":
                        expected.asked_in[label] = expected.asked_in.get(label, 0) + 1
                        if status == "answered":
                            expected.answered_in[label] = expected.answered_in.get(label, 0) + 1
        await insert_all(session, CheckinRun, runs)
        await insert_all(session, CheckinPrompt, prompts)
        report.rows["check-in prompts"] = len(prompts)

        # Introductions: a round every two weeks.
        await insert_all(
            session,
            Programme,
            [
                {
                    "id": 1,
                    "workspace_id": wid,
                    "channel_id": CHANNEL,
                    "channel_name": CHANNEL,
                    "group_size": 2,
                    "mix_kinds": "",
                    "every_weeks": 2,
                    "weekday": 0,
                    "hour": 10,
                    "minute": 0,
                    "timezone": "Europe/London",
                    "anchor_at": YEAR_START,
                    "status": "active",
                    "followup_days": 3,
                    "ban_rounds": 4,
                    "min_gap_days": 5,
                    "starters": [],
                    "next_starter": 0,
                    "created_at": created,
                }
            ],
        )
        rounds: list[dict[str, Any]] = []
        groups: list[dict[str, Any]] = []
        places: list[dict[str, Any]] = []
        bridges: list[dict[str, Any]] = []
        group_id = 0
        for number in range(1, 27):
            slot = YEAR_START + timedelta(weeks=2 * (number - 1), hours=1)
            rounds.append(
                {
                    "id": number,
                    "workspace_id": 1,
                    "origin": "round",
                    "programme_id": 1,
                    "number": number,
                    "slot_at": slot,
                    "participants": len(everyone),
                    "followups_sent_at": slot + timedelta(days=3),
                }
            )
            order = everyone[:]
            rng.shuffle(order)
            for first, second in zip(order[::2], order[1::2], strict=False):
                group_id += 1
                count_in(expected.groups_in, slot)
                groups.append({"id": group_id, "round_id": number, "starter": "", "reasons": {}})
                met = rng.random() < 0.6
                for index, member in enumerate((first, second)):
                    told = met and index == 0
                    places.append(
                        {
                            "group_id": group_id,
                            "member_id": member,
                            "outcome": "met" if told else None,
                            "answered_at": slot + timedelta(days=4) if told else None,
                            "learning": (
                                f"What member {member} learned in round {number}"
                                if told and rng.random() < 0.2
                                else None
                            ),
                            "learning_consent": rng.choice(CONSENTS),
                        }
                    )
                bridges.extend(
                    bridge_rows(group_id, number, wid, silos_of[first], silos_of[second])
                )
        await insert_all(session, PairingRound, rounds)
        await insert_all(session, PairingGroup, groups)
        await insert_all(session, PairingGroupMember, places)
        await insert_all(session, SiloBridge, bridges)
        report.rows["groups"] = len(groups)
        report.rows["silo-bridge rows"] = len(bridges)

        # Retros, two a month, and commitments: 5 a member, some from the retros.
        retros: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        item_id = 0
        for number in range(1, 25):
            opened = YEAR_START + timedelta(days=15 * number)
            retros.append(
                {
                    "id": number,
                    "workspace_id": wid,
                    "name": f"Retro {number}",
                    "name_key": f"retro {number}",
                    "channel_id": CHANNEL,
                    "channel_name": CHANNEL,
                    "format": "start-stop-continue",
                    "categories": ["Start", "Stop", "Continue"],
                    "anonymous": number % 3 == 0,
                    "votes_per_member": 3,
                    "status": "closed",
                    "opened_at": opened,
                    "closed_at": opened + timedelta(days=1),
                }
            )
            for n in range(30):
                item_id += 1
                items.append(
                    {
                        "id": item_id,
                        "retro_id": number,
                        "number": n + 1,
                        "category": ("Start", "Stop", "Continue")[n % 3],
                        "text": f"Item {n + 1} of retro {number}",
                        "author_id": None if number % 3 == 0 else rng.choice(everyone),
                        "status": "posted",
                        "created_at": None if number % 3 == 0 else opened,
                    }
                )
        await insert_all(session, Retro, retros)
        await insert_all(session, RetroItem, items)
        commitments: list[dict[str, Any]] = []
        for n in range(5 * size.members):
            made = YEAR_START + timedelta(minutes=rng.randrange(364 * 24 * 60))
            due = (made + timedelta(days=rng.randrange(1, 30))).date()
            roll = rng.random()
            status = (
                ("done" if roll < 0.55 else "open" if roll < 0.85 else "blocked")
                if roll < 0.95
                else "dropped"
            )
            retro = rng.randrange(1, 25) if n % 20 == 0 else None
            count_in(expected.made_in, made)
            commitments.append(
                {
                    "id": n + 1,
                    "workspace_id": wid,
                    "number": n + 1,
                    "owner_id": rng.choice(everyone),
                    "made_by": None,
                    "text": f"Commitment {n + 1}",
                    "due_on": due.isoformat(),
                    "status": status,
                    "retro_id": retro,
                    "item_id": (retro - 1) * 30 + rng.randrange(1, 6) if retro else None,
                    "private": False,
                    "channel_id": CHANNEL,
                    "changes": 0,
                    "created_at": made,
                    "updated_at": made,
                    "done_at": made + timedelta(days=3) if status == "done" else None,
                    "done_on_time": (rng.random() < 0.8) if status == "done" else None,
                }
            )
        await insert_all(session, Commitment, commitments)
        report.rows["commitments"] = len(commitments)
    report.seed_seconds = time.perf_counter() - started
    return expected


# -- (a) the command --------------------------------------------------------------------------


def _summary_problems(label: str, text: str, expected: Expected) -> list[str]:
    wanted = [
        f"{expected.answered_in.get(label, 0)} of {expected.asked_in.get(label, 0)} prompts "
        f"answered",
        f"over {expected.runs_in.get(label, 0)} runs",
        f"{expected.groups_in.get(label, 0)} groups",
        f"Commitments: {expected.made_in.get(label, 0)} made",
    ]
    return [f"{label}: the summary lacks {w!r} ({text})" for w in wanted if w not in text]


async def timed_command(
    app: ConveneApp, adapter: MemoryAdapter, line: str
) -> tuple[float, float, str, list[str]]:
    """Wall-clock and CPU seconds of one command, its reply and the names of its files."""

    before = len(adapter.delivered)
    started, cpu = time.perf_counter(), time.process_time()
    await adapter.command(CONVENER, line, place=MemoryAdapter.channel(CHANNEL))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await app.deliverers["memory"].drain()
    sent = [d for d in adapter.delivered[before:] if d.message.files]
    adapter.delivered.clear()
    if not sent:
        return seconds, cpu, "", []
    return seconds, cpu, sent[-1].text, [f.name for f in sent[-1].message.files]


async def commands(
    app: ConveneApp, adapter: MemoryAdapter, size: Size, expected: Expected, report: Report
) -> None:
    for label, line in (("3mo", "/convene report"), ("1y", "/convene report --since 1y")):
        first, _, text, files = await timed_command(app, adapter, line)
        if not text:
            report.problems.append(f"{line!r} sent no report")
            continue
        if len(files) != 6:
            report.problems.append(f"{line!r} sent {files}")
        report.problems.extend(_summary_problems(label, text, expected))
        times, cpus = [], []
        for _ in range(size.runs):
            seconds, cpu, _, _ = await timed_command(app, adapter, line)
            times.append(seconds)
            cpus.append(cpu)
        report.commands.append((line, first, times, cpus, text.splitlines()[0]))


# -- (b) the steps and (c) the reference figures ------------------------------------------------


async def median_of(runs: int, step: Callable[[], Awaitable[T]]) -> tuple[T, list[float]]:
    times: list[float] = []
    result: T | None = None
    for _ in range(runs):
        started = time.perf_counter()
        result = await step()
        times.append(time.perf_counter() - started)
    assert result is not None
    return result, times


async def steps(app: ConveneApp, size: Size, report: Report) -> None:
    from handlers.landscape.report import report_files
    from handlers.landscape.report_data import Scope, gather
    from handlers.shared.landscape import load_landscape

    for label, since in periods().items():
        async with app.sessions() as session:

            async def read(since: datetime = since, session: Any = session) -> Any:
                return await gather(session, 1, "Bench", Scope(since, NOW), NOW)

            figures, times = await median_of(size.runs, read)
            report.steps.append((f"reading the figures, {label} (gather)", times))

            async def landscape(since: datetime = since, session: Any = session) -> Any:
                return await load_landscape(session, 1, since=since, until=NOW, with_rounds=False)

            _, times = await median_of(size.runs, landscape)
            report.steps.append((f"  of which the landscape read, {label}", times))

        async def write(figures: Any = figures) -> Any:
            return report_files(figures)

        files, times = await median_of(size.runs, write)
        megabytes = sum(len(f.data) for f in files) / 1e6
        report.steps.append((f"writing the files, {label} ({megabytes:.2f} MB)", times))


async def reference(app: ConveneApp, report: Report) -> None:
    from handlers.landscape.digest import SEND_JOB, digest_key, digest_moment
    from handlers.landscape.exports import export_files
    from storage.repositories import timers as timers_repo

    first = date(2026, 12, 1)
    moment = digest_moment(first, "Europe/London")
    async with app.sessions.begin() as session:
        await timers_repo.add_many(
            session,
            workspace_id=1,
            job=SEND_JOB,
            subject_id=1,
            items=[timers_repo.NewTimer(digest_key(1, 1, first), moment)],
        )
    assert isinstance(app.clock, ManualClock)
    app.clock.set(moment)
    started = time.perf_counter()
    ran = await app.scheduler.run_due()
    seconds = time.perf_counter() - started
    async with app.sessions() as session:
        timers = table_of(Timer)
        found = await execute(session, select(timers.c.status).where(timers.c.job == SEND_JOB))
        statuses = [str(s) for (s,) in found.all()]
    report.reference.append(
        (
            "one convener's monthly digest (November), claim to commit",
            seconds,
            f"{ran} ran, {statuses}",
        )
    )
    async with app.sessions() as session:
        started = time.perf_counter()
        files = await export_files(
            session,
            1,
            ["members", "silos", "introductions", "checkins", "commitments", "retros", "stories"],
            "csv",
        )
        seconds = time.perf_counter() - started
    megabytes = sum(len(f.data) for f in files) / 1e6
    rows = sum(f.rows for f in files)
    report.reference.append(
        (
            "export of every dataset as CSV (export_files)",
            seconds,
            f"{rows:,} rows, {megabytes:.1f} MB",
        )
    )


# -- the whole run ------------------------------------------------------------------------------


async def main_async(size: Size) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        clock = ManualClock(NOW)
        adapter = MemoryAdapter()
        app = build_app(f"sqlite+aiosqlite:///{Path(tmp) / 'report.db'}", adapter, clock)
        await app.start(background=False)
        try:
            expected = await seed(app, adapter, size, report)
            gc.collect()
            report.load_before = os.getloadavg()
            await commands(app, adapter, size, expected, report)
            await steps(app, size, report)
            await reference(app, report)
            report.load_after = os.getloadavg()
        finally:
            await app.stop()
    return report


def print_report(size: Size, report: Report) -> bool:
    ok = not report.problems
    rows = ", ".join(f"{n:,} {what}" for what, n in report.rows.items())
    print(f"Seeded {size.members:,} members, {size.silos} silos, a year: {rows}")
    print(f"in {report.seed_seconds:.1f} s (not timed)\n")
    target = f"< {TARGET_SECONDS:g} s"
    print(f"(a) /convene report, dispatch to commit, median of {size.runs} (first run apart)")
    print(
        f"    {'command':<30} {'median':>8} {'max':>7} {'first':>7}   target  verdict   CPU median"
    )
    for line, first, times, cpus, heading in report.commands:
        median = statistics.median(times)
        fast = max(times) < TARGET_SECONDS
        ok = ok and fast
        print(
            f"    {line:<30} {median:>8.3f} {max(times):>7.3f} {first:>7.3f}   "
            f"{target:<7} {verdict(fast):<7}   {statistics.median(cpus):>6.3f}"
        )
        print(f"    {'':<30} {heading}")
    print(f"\n(b) the steps, median of {size.runs} runs (min, max)")
    for label, times in report.steps:
        print(
            f"    {label:<52} {statistics.median(times):>7.3f} s "
            f"({min(times):.3f}, {max(times):.3f})"
        )
    print("\n(c) for reference (no target)")
    for label, seconds, note in report.reference:
        print(f"    {label:<58} {seconds:>7.3f} s   {note}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    print(
        f"\nLoad average before the timed part {report.load_before[0]:.2f}, "
        f"after {report.load_after[0]:.2f}"
    )
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Report benchmark.")
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--silos", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="runs of each timed step")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.silos < 10 or args.members < 2 or args.runs < 1:
        parser.error("--silos needs at least 10, --members 2, --runs 1")
    size = Size(args.members, args.silos, args.runs, args.seed)
    print(
        f"Report benchmark: {size.members:,} members, {size.silos} silos, a year; "
        "SQLite (WAL, NORMAL), memory adapter"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}, "
        f"{os.cpu_count()} CPUs; SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}\n"
    )
    started = time.perf_counter()
    report = asyncio.run(main_async(size))
    ok = print_report(size, report)
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
