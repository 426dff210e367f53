"""Chaos: three ``convene run`` processes on one PostgreSQL database, killed and paused
at random while check-ins fan out to 1,200 members.

Run from the repository root (the test ``tests/reliability/test_chaos.py`` does)::

    python -m tests.support.chaos --database-url postgresql+asyncpg://HOST/EMPTY_DB --seed 14

The database must be migrated and empty. This module seeds one workspace on
the ``fake`` platform with three check-ins of 400 members each, whose runs
open now, writes a config with a short outbox lease, starts three real
``convene run`` processes (``tests.support.convene_instance``) that send to a
fake platform served here on loopback, and then, at seeded random moments,
SIGKILLs some (restarting each shortly after) and SIGSTOPs others for longer
than their lease (then SIGCONT). When the outbox is empty and every process
is running again it waits out one more lease, stops them with SIGTERM and
reports what the platform and the database saw (``ChaosReport``).

The fake platform creates one message per idempotency key, as Discord does
for a message sent with a nonce: a repeated send returns the first message
and is counted as a repeat. So ``prompts_by_member`` is what members saw,
and ``repeated_sends`` is what the platform was asked twice. Each request
names the process that sent it, so each repeat can be checked against the
design's promise: a kill or a pause may repeat the one message that process
had in flight (``in_flight``), and nothing else (``unexplained_repeats``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import IO, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.checkins.runs import EARLIEST_ZONE, OPEN_GRACE_MINUTES, OPEN_JOB
from handlers.checkins.templates import TEMPLATES
from storage.engine import create_engine, session_factory
from storage.models import Checkin, CheckinMember, CheckinPrompt, CheckinRun, ScheduleRun
from storage.repositories import checkins as checkins_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import workspaces as workspaces_repo
from storage.repositories.core import execute, table_of
from tests.support.cli import REPO, convene_env
from tests.support.convene_instance import PROCESS_HEADER
from tests.support.loopback import LoopbackServer
from tests.support.outbox import PLATFORM

WORKSPACE = "T-chaos"
CHECKINS = 3
MEMBERS_PER_CHECKIN = 400
INSTANCES = 3
LEASE_SECONDS = 3.0
BATCH_SIZE = 20
RATE = 15.0
"""Messages a second for each instance: the fan-out lasts long enough for the chaos."""
KILLS = 4
PAUSES = 4
CHAOS_WITHIN = (1.0, 22.0)
"""Seconds after the instances are started in which the kills and pauses begin."""
DEADLINE_SECONDS = 150.0
STOP_SECONDS = 15.0
ZONE = ZoneInfo(EARLIEST_ZONE)
"""The members' zone, and the check-ins' (runs open by Kiritimati's clock)."""


# -- the platform -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """One request to the platform: a message created, or a repeat of one."""

    key: str
    member_ids: tuple[str, ...]
    process: int  # the sending process's pid
    at: float  # time.monotonic() when it arrived
    repeat: bool


class NoncePlatform(LoopbackServer[Send]):
    """``POST /messages`` creates one message per idempotency key (a nonce)."""

    name = "the chaos platform"

    def __init__(self) -> None:
        super().__init__()
        self.created: dict[str, str] = {}
        self.repeats: Counter[str] = Counter()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/messages", self._serve)

    async def _serve(self, request: web.Request) -> web.Response:
        payload = await request.json()
        key = str(payload["idempotency_key"])
        target = payload.get("target") or {}
        members = tuple(str(m) for m in target.get("member_ids") or ())
        repeat = key in self.created
        if repeat:
            self.repeats[key] += 1
        else:
            self.created[key] = f"m-{len(self.created) + 1}"
        process = int(request.headers.get(PROCESS_HEADER, "0"))
        self.record(Send(key, members, process, time.monotonic(), repeat))
        channel = target.get("channel_id") or "D-" + "+".join(members)
        return web.json_response(
            {"ok": True, "message_id": self.created[key], "channel_id": channel}
        )

    def prompts_by_member(self) -> Counter[str]:
        """Check-in prompts each member sees (messages created, not requests)."""

        return Counter(s.member_ids[0] for s in self.requests if _is_prompt(s) and not s.repeat)

    def roots_created(self) -> int:
        return sum(1 for key in self.created if key.endswith(":root"))


def in_flight(sends: Sequence[Send], signalled: Signalled) -> set[str]:
    """What the signalled process may have had in flight: only one of these, at most.

    A killed process's last send (the platform may have had it, unrecorded);
    a paused one's last send before it woke, or, had it frozen before the
    request left, its first send after.
    """

    own = [s for s in sends if s.process == signalled.process]
    if signalled.resumed_at is None:
        return {own[-1].key} if own else set()
    before = [s for s in own if s.at < signalled.resumed_at]
    after = [s for s in own if s.at >= signalled.resumed_at]
    return {s.key for s in before[-1:] + after[:1]}


def unexplained_repeats(sends: Sequence[Send], signalled: Sequence[Signalled]) -> list[str]:
    """The keys sent more than once that no kill or pause had in flight."""

    explained: set[str] = set()
    for each in signalled:
        explained |= in_flight(sends, each)
    return sorted({s.key for s in sends if s.repeat} - explained)


def _is_prompt(send: Send) -> bool:
    return ":ask:" in send.key and len(send.member_ids) == 1


# -- the workspace ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    members: list[str]
    checkin_ids: list[int]
    schedule_ids: list[int]


async def seed_workspace(database_url: str) -> Seeded:
    """Three check-ins of 400 members each, every run due to open now."""

    now = datetime.now(UTC)
    slot_local = now.astimezone(ZONE).replace(second=0, microsecond=0)
    ask_minute = slot_local.hour * 60 + slot_local.minute
    template = TEMPLATES["standup"]
    engine = create_engine(database_url)
    members = [f"U{n:04d}" for n in range(CHECKINS * MEMBERS_PER_CHECKIN)]
    checkin_ids: list[int] = []
    schedule_ids: list[int] = []
    try:
        async with session_factory(engine).begin() as session:
            workspace = await workspaces_repo.get_or_create(
                session, PLATFORM, WORKSPACE, "Chaos", now
            )
            assert workspace.id is not None
            known = await members_repo.ensure_many(
                session,
                workspace.id,
                [members_repo.Seen(m, f"Member {m}", EARLIEST_ZONE) for m in members],
                now,
            )
            for number in range(CHECKINS):
                schedule = await schedules_repo.create(
                    session,
                    workspace_id=workspace.id,
                    job=OPEN_JOB,
                    cron=f"{slot_local.minute} {slot_local.hour} * * *",
                    timezone=EARLIEST_ZONE,
                    now=slot_local.astimezone(UTC) - timedelta(minutes=2),
                    grace_minutes=OPEN_GRACE_MINUTES,
                )
                assert schedule.id is not None
                checkin = await checkins_repo.add(
                    session,
                    Checkin(
                        workspace_id=workspace.id,
                        name=f"Chaos {number}",
                        name_key=f"chaos {number}",
                        channel_id=f"C-chaos-{number}",
                        channel_name=f"chaos-{number}",
                        template=template.name,
                        questions=list(template.questions),
                        weekdays="0,1,2,3,4,5,6",
                        hour=slot_local.hour,
                        minute=slot_local.minute,
                        timezone=EARLIEST_ZONE,
                        anchor_at=now,
                        audience="joined",
                        remind_after_minutes=0,
                        closes_minute=ask_minute + 240,
                        schedule_id=schedule.id,
                        created_at=now,
                    ),
                )
                assert checkin.id is not None
                schedule.subject_id = checkin.id
                schedules_repo.stage(session, schedule)
                joined = members[number * MEMBERS_PER_CHECKIN : (number + 1) * MEMBERS_PER_CHECKIN]
                await execute(
                    session,
                    insert(table_of(CheckinMember)),
                    [
                        {
                            "checkin_id": checkin.id,
                            "member_id": known[m].id,
                            "choice": checkins_repo.JOINED,
                            "skip_next": False,
                            "updated_at": now,
                        }
                        for m in joined
                    ],
                )
                checkin_ids.append(checkin.id)
                schedule_ids.append(schedule.id)
    finally:
        await engine.dispose()
    return Seeded(members, checkin_ids, schedule_ids)


def write_config(folder: Path, database_url: str) -> Path:
    config = folder / "chaos.toml"
    config.write_text(
        "\n".join(
            [
                "[convene]",
                f'database_url = "{database_url}"',
                f'adapters = ["{PLATFORM}"]',
                'log_level = "WARNING"',
                "[outbox]",
                f"lease_seconds = {LEASE_SECONDS}",
                f"batch_size = {BATCH_SIZE}",
                "[scheduler]",
                "poll_seconds = 1.0",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


# -- the instances ----------------------------------------------------------------------------


class Instance:
    """One ``convene run`` slot: a process, started again after each kill."""

    def __init__(self, number: int, config: Path, platform_url: str, log: IO[bytes]) -> None:
        self.number = number
        self._config = config
        self._platform_url = platform_url
        self._log = log
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        self._log.write(f"--- instance {self.number}, start {self.starts}\n".encode())
        self._log.flush()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.convene_instance",
            "--platform-url",
            self._platform_url,
            "--rate",
            str(RATE),
            "--",
            "--config",
            str(self._config),
            "run",
            cwd=REPO,
            env=convene_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    async def kill(self) -> None:
        self.signal(signal.SIGKILL)
        assert self.process is not None
        await self.process.wait()

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not stopped in time; its exit code."""

        if self.process is None or self.process.returncode is not None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            self.signal(signal.SIGKILL)
            return await self.process.wait()


@dataclass(frozen=True)
class Event:
    at: float
    kind: str  # "kill" or "pause"
    instance: int
    for_seconds: float  # down before the restart, or paused


def plan(rng: random.Random) -> list[Event]:
    kinds = ["kill"] * KILLS + ["pause"] * PAUSES
    rng.shuffle(kinds)
    moments = sorted(rng.uniform(*CHAOS_WITHIN) for _ in kinds)
    return [
        Event(
            at=round(at, 2),
            kind=kind,
            instance=rng.randrange(INSTANCES),
            for_seconds=round(
                rng.uniform(0.5, 2.0) if kind == "kill" else LEASE_SECONDS + rng.uniform(1.0, 3.0),
                2,
            ),
        )
        for at, kind in zip(moments, kinds, strict=True)
    ]


@dataclass
class Signalled:
    """A kill or a pause as it happened: which process, when (``time.monotonic``)."""

    kind: str
    process: int
    at: float
    resumed_at: float | None = None


class Down:
    """The instances killed or paused right now, and a wake-up when one is back."""

    def __init__(self) -> None:
        self._numbers: set[int] = set()
        self._back = asyncio.Event()
        self.signalled: list[Signalled] = []

    async def apply(self, event: Event, instance: Instance) -> None:
        """Kill and restart, or pause and resume, one instance."""

        self._numbers.add(instance.number)
        assert instance.process is not None
        done = Signalled(event.kind, instance.process.pid, time.monotonic())
        self.signalled.append(done)
        try:
            if event.kind == "kill":
                await instance.kill()
                await asyncio.sleep(event.for_seconds)
                await instance.start()
            else:
                instance.signal(signal.SIGSTOP)
                await asyncio.sleep(event.for_seconds)
                instance.signal(signal.SIGCONT)
                done.resumed_at = time.monotonic()
        finally:
            self._numbers.discard(instance.number)
            self._back.set()

    async def first_up(self, fleet: Sequence[Instance], wanted: int) -> Instance:
        """The wanted instance, or the next one that is up; if none is, the first back."""

        while True:
            for offset in range(len(fleet)):
                instance = fleet[(wanted + offset) % len(fleet)]
                if instance.number not in self._numbers:
                    return instance
            self._back.clear()
            await self._back.wait()


# -- the run ----------------------------------------------------------------------------------


@dataclass
class ChaosReport:
    seed: int
    members: int
    checkins: int
    events: list[dict[str, Any]] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    timed_out: bool = False
    prompts_by_member: Counter[str] = field(default_factory=Counter)
    roots_created: int = 0
    requests: int = 0
    repeated_sends: int = 0
    repeated_keys: list[str] = field(default_factory=list)
    unexplained_repeats: list[str] = field(default_factory=list)
    slots: list[tuple[int, str]] = field(default_factory=list)
    runs_per_checkin: dict[int, int] = field(default_factory=dict)
    prompt_statuses: dict[str, int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    exit_codes: list[int | None] = field(default_factory=list)
    log_lines: Counter[str] = field(default_factory=Counter)
    log_path: str = ""

    @property
    def asked_once(self) -> int:
        return sum(1 for n in self.prompts_by_member.values() if n == 1)

    @property
    def asked_twice_or_more(self) -> int:
        return sum(1 for n in self.prompts_by_member.values() if n > 1)

    def summary(self) -> dict[str, Any]:
        """Everything but the per-member counts, which it sums up."""

        return {
            "seed": self.seed,
            "members": self.members,
            "checkins": self.checkins,
            "asked_once": self.asked_once,
            "asked_twice_or_more": self.asked_twice_or_more,
            "never_asked": self.members - len(self.prompts_by_member),
            "roots_created": self.roots_created,
            "requests": self.requests,
            "repeated_sends": self.repeated_sends,
            "repeated_keys": self.repeated_keys[:20],
            "unexplained_repeat_count": len(self.unexplained_repeats),
            "unexplained_repeats": self.unexplained_repeats[:20],
            "applied": dict(self.applied),
            "events": self.events,
            "slots": self.slots,
            "runs_per_checkin": self.runs_per_checkin,
            "prompt_statuses": self.prompt_statuses,
            "outbox": self.outbox,
            "exit_codes": self.exit_codes,
            "log_lines": dict(self.log_lines),
            "seconds": self.seconds,
            "timed_out": self.timed_out,
            "log_path": self.log_path,
        }


async def outbox_unsent(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        counts = await outbox_repo.status_counts(session, WORKSPACE)
    return counts[outbox_repo.PENDING] + counts[outbox_repo.SENDING]


async def run_chaos(database_url: str, seed: int, folder: Path) -> ChaosReport:
    rng = random.Random(seed)
    seeded = await seed_workspace(database_url)
    report = ChaosReport(seed=seed, members=len(seeded.members), checkins=len(seeded.checkin_ids))
    events = plan(rng)
    report.events = [asdict(e) for e in events]
    config = write_config(folder, database_url)
    log_path = folder / "instances.log"
    report.log_path = str(log_path)
    started = time.monotonic()
    with log_path.open("ab") as log:
        async with NoncePlatform() as platform:
            fleet = [Instance(n, config, platform.url, log) for n in range(INSTANCES)]
            for instance in fleet:
                await instance.start()
            down = Down()
            chaos: list[asyncio.Task[None]] = []
            try:
                for event in events:
                    await asyncio.sleep(max(0.0, started + event.at - time.monotonic()))
                    chosen = await down.first_up(fleet, event.instance)
                    report.applied[event.kind] += 1
                    chaos.append(asyncio.create_task(down.apply(event, chosen)))
                await asyncio.gather(*chaos)
                report.timed_out = not await _until_delivered(
                    database_url, platform, seeded, started
                )
                # One more lease: a late repeat from an instance that woke up would show.
                await asyncio.sleep(LEASE_SECONDS + 1.0)
            finally:
                for task in chaos:
                    task.cancel()
                for instance in fleet:
                    if instance.process is not None and instance.process.returncode is None:
                        with contextlib.suppress(ProcessLookupError):
                            instance.signal(signal.SIGCONT)
                report.exit_codes = list(
                    await asyncio.gather(*(instance.stop() for instance in fleet))
                )
            report.seconds = round(time.monotonic() - started, 1)
            report.prompts_by_member = platform.prompts_by_member()
            report.roots_created = platform.roots_created()
            report.requests = len(platform.requests)
            report.repeated_sends = sum(platform.repeats.values())
            report.repeated_keys = sorted(platform.repeats)
            report.unexplained_repeats = unexplained_repeats(platform.requests, down.signalled)
    await _read_database(database_url, seeded, report)
    report.log_lines = _tally(log_path.read_text(encoding="utf-8", errors="replace"))
    return report


async def _until_delivered(
    database_url: str, platform: NoncePlatform, seeded: Seeded, started: float
) -> bool:
    """Wait until every member has a prompt and the outbox holds nothing unsent."""

    engine = create_engine(database_url)
    try:
        while time.monotonic() - started < DEADLINE_SECONDS:
            everyone = len(platform.prompts_by_member()) >= len(seeded.members)
            if everyone and await outbox_unsent(engine) == 0:
                return True
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    return False


async def _read_database(database_url: str, seeded: Seeded, report: ChaosReport) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            runs = table_of(ScheduleRun)
            found = await execute(
                session,
                select(runs.c.schedule_id, runs.c.status)
                .where(runs.c.schedule_id.in_(seeded.schedule_ids))
                .order_by(runs.c.schedule_id, runs.c.slot_at),
            )
            report.slots = [(int(row.schedule_id), str(row.status)) for row in found]
            checkin_runs = table_of(CheckinRun)
            found = await execute(
                session,
                select(checkin_runs.c.checkin_id, func.count().label("n")).group_by(
                    checkin_runs.c.checkin_id
                ),
            )
            report.runs_per_checkin = {int(row.checkin_id): int(row.n) for row in found}
            prompts = table_of(CheckinPrompt)
            found = await execute(
                session,
                select(prompts.c.status, func.count().label("n")).group_by(prompts.c.status),
            )
            report.prompt_statuses = {str(row.status): int(row.n) for row in found}
            report.outbox = await outbox_repo.status_counts(session, WORKSPACE)
    finally:
        await engine.dispose()


def _tally(log: str) -> Counter[str]:
    """The instances' log lines by level (and tracebacks), for the report."""

    tally: Counter[str] = Counter()
    for line in log.splitlines():
        for word in ("WARNING", "ERROR", "CRITICAL", "Traceback"):
            if word in line:
                tally[word] += 1
    return tally


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="migrated and empty")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    with TemporaryDirectory(prefix="convene-chaos-") as folder:
        report = asyncio.run(run_chaos(args.database_url, args.seed, Path(folder)))
        print(json.dumps(report.summary(), indent=2, default=str))


if __name__ == "__main__":
    main()
