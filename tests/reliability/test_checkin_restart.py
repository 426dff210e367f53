"""A restart in the middle of a run's fan-out: every member still gets one prompt
and the run's thread root is posted once.

Two ``ConveneApp`` instances share one database (a SQLite file, or
PostgreSQL), as a process and its restart would. The first one "dies": its
adapter, or its database connection, raises ``ProcessDied``, a
``BaseException`` that nothing in Convene catches, so it unwinds as far as
the test with no handler, retry or clean stop in the way. The dead app is
then abandoned with no outbox handback (only its engine is disposed) and a
second app starts on a fresh memory adapter and finishes the job. Every
assertion looks at both adapters together: what the members' workspace saw.

The adapter dies *before* a send, so each message is delivered exactly once;
``test_a_death_just_after_a_send_repeats_only_that_one_message`` covers the
one repeat the design allows (the message in flight at the crash).

Two neighbours of a restart close the file: a clean stop that lands just as
a message is queued (it must still stop, or there is no restart), and a
database locked for a moment in the middle of the fan-out (no crash, so no
repeat is allowed at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import event, func
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import Delivered, MemoryAdapter
from bot.adapter import ChannelMember, MessageRef, TransientDeliveryError
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from bot.wiring import build_registry
from handlers.checkins.answers import FORM_ID
from handlers.checkins.runs import OPEN_JOB
from storage.engine import session_factory
from storage.models import CheckinPrompt, CheckinRun, Schedule, ScheduleRun, Timer
from storage.repositories import outbox as outbox_repo
from tests.support.harness import Harness
from tests.support.times import SATURDAY_NOON

# Each scenario starts on a Saturday (SATURDAY_NOON): the check-in (every weekday
# at 09:00, each member's own time) is created with no run owed for today.
# Monday's run opens when 09:00 Monday first arrives anywhere (Kiritimati,
# UTC+14): Sunday 19:00 UTC. London is asked at 09:00 UTC Monday, New York at
# 14:00 UTC.
OPENS = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
LONDON_ASKS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AFTER_BOTH = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
ZONES = ("Europe/London", "America/New_York")
MEMBERS = tuple(ChannelMember(f"m{n:02d}", f"Member {n}", ZONES[n % 2]) for n in range(40))
CREATE = '/convene checkin create "Standup" #general every weekday 09:00'
RUN_NOW = '/convene checkin run now "Standup"'
LEASE = timedelta(seconds=60)  # the outbox's default lease


class ProcessDied(BaseException):
    """Stands for the process being killed: no ``except Exception`` of ours sees it."""


@dataclass
class DyingAdapter(MemoryAdapter):
    """A memory adapter whose process dies at a chosen moment.

    ``sends_before_death`` sends go through; the next one kills the process,
    before the platform sees it, or just after when ``dies_after_send``.
    ``dies_listing_channels`` kills it the moment a run asks for the channel's
    members (inside the transaction that opens the run).
    """

    sends_before_death: int | None = None
    dies_after_send: bool = False
    dies_listing_channels: bool = False

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        if self.sends_before_death is not None:
            if self.sends_before_death == 0:
                if self.dies_after_send:
                    await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
                raise ProcessDied(f"killed while sending {idempotency_key}")
            self.sends_before_death -= 1
        return await super().deliver(workspace_id, message, idempotency_key=idempotency_key)

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        if self.dies_listing_channels:
            raise ProcessDied(f"killed while listing #{channel_id}")
        return await super().list_channel_members(workspace_id, channel_id)


def channel_of_forty() -> dict[str, list[ChannelMember]]:
    return {"general": list(MEMBERS)}


def build_app(
    database_url: str, adapter: MemoryAdapter, clock: ManualClock, instance: str = "test"
) -> ConveneApp:
    settings = Settings(
        convene=ConveneSection(database_url=database_url, conveners=["you"], instance_id=instance)
    )
    return ConveneApp(settings, [adapter], build_registry(), clock)


async def abandon(app: ConveneApp) -> None:
    """Leave a dead app as a killed process leaves it: nothing handed back, nothing stopped."""

    await app.engine.dispose()


@contextmanager
def dies_on_statement(app: ConveneApp, starts_with: str) -> Iterator[None]:
    """Kill the app's process when it is about to run a statement (inside its transaction)."""

    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
    ) -> None:
        if statement.lstrip().upper().startswith(starts_with):
            raise ProcessDied(f"killed just before {starts_with}")

    event.listen(app.engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", before_cursor_execute)


# -- reading what the workspace saw ------------------------------------------------------------


def everything(*adapters: MemoryAdapter) -> list[Delivered]:
    return [item for adapter in adapters for item in adapter.delivered]


def sends_of(items: Sequence[Delivered], kind: str) -> Counter[str]:
    """How many times each member was sent a run's ``kind`` DM (ask, remind)."""

    return Counter(
        d.message.target.member_ids[0] for d in items if d.idempotency_key.split(":")[2:3] == [kind]
    )


def thread_roots(items: Sequence[Delivered]) -> list[Delivered]:
    return [d for d in items if d.idempotency_key.endswith(":root")]


def everyone_once() -> Counter[str]:
    return Counter(m.platform_user_id for m in MEMBERS)


async def count_rows(app: ConveneApp, model: type[Any], *where: Any) -> int:
    async with app.sessions() as session:
        found = await session.exec(select(func.count()).select_from(model).where(*where))
        return int(found.one())


async def outbox_counts(app: ConveneApp) -> dict[str, int]:
    async with app.sessions() as session:
        return await outbox_repo.status_counts(session)


async def answer_prompt(app: ConveneApp, adapter: MemoryAdapter, prompt: Delivered) -> None:
    """The member presses Answer on their prompt (delivered by either app) and sends the form."""

    assert isinstance(app.clock, ManualClock)
    convene = Harness(app, adapter, app.clock)
    member = prompt.message.target.member_ids[0]
    await convene.press(member, prompt, "Answer")
    form = convene.last_form(member, FORM_ID)
    await convene.submit(member, form, {f.name: f"{member} says {f.name}" for f in form.fields})


async def assert_answers_go_under_the_root(
    app: ConveneApp, adapter: MemoryAdapter, prompts: Sequence[Delivered], root: Delivered
) -> None:
    for prompt in prompts:
        await answer_prompt(app, adapter, prompt)
    in_thread = [d for d in adapter.delivered if d.message.target.kind == "thread"]
    assert len(in_thread) == len(prompts)
    for reply, prompt in zip(in_thread, prompts, strict=True):
        assert reply.message.target.channel_id == "general"
        assert reply.message.target.thread_id == root.ref["message_id"]
        assert f"{prompt.message.target.member_ids[0]} says q0" in reply.text


# -- a death in the middle of the fan-out -----------------------------------------------------

Start = Literal["run now", "scheduled"]
Successor = Literal["same instance", "another instance after the lease"]


@pytest.mark.parametrize(
    ("start", "sends_before_death", "successor"),
    [
        ("run now", 0, "same instance"),  # dies sending the thread root
        ("run now", 1, "same instance"),  # just after the root
        ("run now", 25, "same instance"),  # halfway through the prompts
        ("scheduled", 12, "same instance"),  # in London's 09:00 tick
        ("run now", 25, "another instance after the lease"),
        ("scheduled", 12, "another instance after the lease"),
    ],
)
async def test_a_restart_in_the_middle_of_a_runs_fan_out_asks_everyone_once_under_one_root(
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    start: Start,
    sends_before_death: int,
    successor: Successor,
) -> None:
    caplog.set_level(logging.INFO, logger="convene.outbox")
    clock = ManualClock(SATURDAY_NOON)
    first = DyingAdapter(channel_members=channel_of_forty(), clock=clock)
    dying = build_app(database_url, first, clock)
    await dying.start(background=False)
    await first.command("you", CREATE)
    await dying.settle()

    first.sends_before_death = sends_before_death
    with pytest.raises(ProcessDied):
        if start == "run now":
            await first.command("you", RUN_NOW)
            await dying.settle()
        else:
            await dying.advance_clock_to(AFTER_BOTH)
    await abandon(dying)
    died_at = clock.now()
    before = len(first.delivered)
    assert sends_of(first.delivered, "ask").total() < len(MEMBERS), "it died too late"

    second = MemoryAdapter(channel_members=channel_of_forty(), clock=clock)
    instance = "test" if successor == "same instance" else "test-2"
    restarted = build_app(database_url, second, clock, instance)
    assert (await outbox_counts(restarted))["sending"] > 0, "rows should be left claimed"
    await restarted.start(background=False)
    try:
        if successor == "same instance":
            resumed = [r for r in caplog.records if "resuming" in r.getMessage()]
            assert len(resumed) == 1, "the restart takes back the rows it had claimed"
        else:
            await restarted.settle()
            assert second.delivered == [], "rows leased to the dead instance must wait"
            clock.set(died_at + LEASE + timedelta(seconds=1))
        if start == "scheduled":
            await restarted.advance_clock_to(AFTER_BOTH)
        else:
            await restarted.settle()

        assert len(first.delivered) == before, "the dead instance sent nothing more"
        seen = everything(first, second)
        assert sends_of(seen, "ask") == everyone_once(), "each member is asked exactly once"
        [root] = thread_roots(seen)
        assert root.message.target.channel_id == "general"
        duplicated = {k: n for k, n in Counter(d.idempotency_key for d in seen).items() if n > 1}
        assert duplicated == {}
        assert await outbox_counts(restarted) == {
            "pending": 0,
            "sending": 0,
            "sent": len(seen),
            "dead": 0,
        }
        assert await count_rows(restarted, CheckinRun) == 1
        assert await count_rows(restarted, CheckinPrompt, CheckinPrompt.status == "asked") == 40

        # Answers go under the one root, whichever instance delivered the prompt.
        prompts = [d for d in seen if d.idempotency_key.split(":")[2:3] == ["ask"]]
        from_first = [d for d in first.delivered if d in prompts]
        from_second = [d for d in second.delivered if d in prompts]
        chosen = from_first[:1] + from_second[:1] + from_second[1:][-1:]
        await assert_answers_go_under_the_root(restarted, second, chosen, root)
    finally:
        await restarted.stop()


async def test_a_death_just_after_a_send_repeats_only_that_one_message(database_url: str) -> None:
    """The send reached the platform, the record of it did not: the documented one repeat."""

    clock = ManualClock(SATURDAY_NOON)
    first = DyingAdapter(channel_members=channel_of_forty(), clock=clock)
    dying = build_app(database_url, first, clock)
    await dying.start(background=False)
    await first.command("you", CREATE)
    await dying.settle()

    # The root and 24 prompts go out; the 25th prompt reaches the member, then the
    # process dies before the send is recorded.
    first.sends_before_death, first.dies_after_send = 25, True
    with pytest.raises(ProcessDied):
        await first.command("you", RUN_NOW)
        await dying.settle()
    await abandon(dying)
    in_flight = first.delivered[-1].idempotency_key
    assert ":ask:" in in_flight

    second = MemoryAdapter(channel_members=channel_of_forty(), clock=clock)
    restarted = build_app(database_url, second, clock)
    await restarted.start(background=False)
    try:
        await restarted.settle()

        seen = everything(first, second)
        repeats = {k: n for k, n in Counter(d.idempotency_key for d in seen).items() if n > 1}
        assert repeats == {in_flight: 2}, "only the message in flight at the death repeats"
        asked = sends_of(seen, "ask")
        assert set(asked) == set(everyone_once())
        assert sorted(asked.values()) == [1] * 39 + [2]
        assert len(thread_roots(seen)) == 1
    finally:
        await restarted.stop()


# -- a death inside the transaction that opens a run ------------------------------------------

CrashPoint = Literal["listing the channel", "writing the run's timers", "queueing the prompts"]


def _the_checkins_slots() -> Any:
    """The check-in's slots, not those of the workspace's own daily jobs (the prune)."""

    return col(ScheduleRun.schedule_id).in_(select(Schedule.id).where(Schedule.job == OPEN_JOB))


@contextmanager
def armed(app: ConveneApp, adapter: DyingAdapter, crash_point: CrashPoint) -> Iterator[None]:
    if crash_point == "listing the channel":
        adapter.dies_listing_channels = True
        yield
        return
    statement = (
        "INSERT INTO TIMERS" if crash_point == "writing the run's timers" else "INSERT INTO OUTBOX"
    )
    with dies_on_statement(app, statement):
        yield


@pytest.mark.parametrize(
    ("crash_point", "dies_at"),
    [
        ("listing the channel", OPENS),  # the open slot, before anything is written
        ("writing the run's timers", OPENS),  # the run and its 40 prompts written, not committed
        ("queueing the prompts", LONDON_ASKS),  # London's tick, before its outbox rows
    ],
)
async def test_a_death_inside_a_runs_transaction_leaves_no_half_run_and_the_restart_runs_it_once(
    database_url: str, crash_point: CrashPoint, dies_at: datetime
) -> None:
    clock = ManualClock(SATURDAY_NOON)
    first = DyingAdapter(channel_members=channel_of_forty(), clock=clock)
    dying = build_app(database_url, first, clock)
    await dying.start(background=False)
    await first.command("you", CREATE)
    await dying.settle()
    sent_before = len(first.delivered)

    with armed(dying, first, crash_point), pytest.raises(ProcessDied):
        await dying.advance_clock_to(AFTER_BOTH)
    await abandon(dying)
    assert clock.now() == dies_at
    assert len(first.delivered) == sent_before, "nothing of the run went out before the death"

    second = MemoryAdapter(channel_members=channel_of_forty(), clock=clock)
    restarted = build_app(database_url, second, clock)
    await restarted.start(background=False)
    try:
        if dies_at == OPENS:
            # Nothing half-written: no run, no prompts, no timers, the slot unclaimed.
            assert await count_rows(restarted, CheckinRun) == 0
            assert await count_rows(restarted, CheckinPrompt) == 0
            assert await count_rows(restarted, Timer) == 0
            assert await count_rows(restarted, ScheduleRun, _the_checkins_slots()) == 0
        else:
            assert await count_rows(restarted, CheckinPrompt, CheckinPrompt.status == "asked") == 0
            assert await count_rows(restarted, Timer, Timer.status == "ran") == 0

        await restarted.advance_clock_to(AFTER_BOTH)

        assert await count_rows(restarted, CheckinRun) == 1
        assert await count_rows(restarted, CheckinPrompt) == 40
        assert await count_rows(restarted, CheckinPrompt, CheckinPrompt.status == "asked") == 40
        async with restarted.sessions() as session:
            slots = await schedule_runs(session)
        assert slots == [(OPENS, "ran", "test")]
        seen = everything(first, second)
        assert sends_of(seen, "ask") == everyone_once()
        london = Counter(m.platform_user_id for m in MEMBERS if m.timezone == "Europe/London")
        assert sends_of(seen, "remind") == london, "London's reminder at 12:00, once each"
        [root] = thread_roots(seen)
        prompts = [d for d in seen if d.idempotency_key.split(":")[2:3] == ["ask"]]
        await assert_answers_go_under_the_root(restarted, second, prompts[:2], root)
    finally:
        await restarted.stop()


async def schedule_runs(session: AsyncSession) -> list[tuple[datetime, str, str]]:
    """The open job's claimed slots: (slot, status, claimed by)."""

    found = await session.exec(
        select(ScheduleRun)
        .join(Schedule, col(Schedule.id) == col(ScheduleRun.schedule_id))
        .where(Schedule.job == OPEN_JOB)
    )
    return [(run.slot_at, run.status, run.claimed_by) for run in found.all()]


# -- a clean stop at a busy moment ---------------------------------------------------------------

STOP_DEADLINE_SECONDS = 2.0  # a guard against a hang, not time for anything to happen


class ObservedWake(asyncio.Event):
    """The wake-up event of a background loop, saying when the loop has gone idle on it."""

    def __init__(self) -> None:
        super().__init__()
        self.idle = asyncio.Event()

    async def wait(self) -> Literal[True]:
        self.idle.set()
        return await super().wait()


async def stops_in_time(stop: Awaitable[None]) -> bool:
    """Whether ``stop`` finishes before the deadline; a hung stop is cancelled, not left behind."""

    stopping = asyncio.ensure_future(stop)
    done, _ = await asyncio.wait({stopping}, timeout=STOP_DEADLINE_SECONDS)
    if stopping not in done:
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
        return False
    await stopping
    return True


async def test_the_deliverer_stops_when_a_message_is_queued_just_as_convene_stops(
    sqlite_url: str,
) -> None:
    clock = ManualClock(SATURDAY_NOON)
    app = build_app(sqlite_url, MemoryAdapter(clock=clock), clock)
    await app.upgrade_database()
    deliverer = app.deliverers["memory"]
    wake = ObservedWake()
    deliverer._wake = wake  # the test watches for the loop going idle
    try:
        await deliverer.start()
        await wake.idle.wait()  # the outbox was empty: the deliverer waits for news

        deliverer.wake()  # an answer was just queued ...
        assert await stops_in_time(deliverer.stop()), "stop() hung"  # ... and Convene stops
    finally:
        await app.engine.dispose()


async def test_the_scheduler_stops_when_a_schedule_changes_just_as_convene_stops(
    sqlite_url: str,
) -> None:
    clock = ManualClock(SATURDAY_NOON)
    app = build_app(sqlite_url, MemoryAdapter(clock=clock), clock)
    await app.upgrade_database()
    wake = ObservedWake()
    app.scheduler._wake = wake  # the test watches for the loop going idle
    try:
        await app.scheduler.start()
        await wake.idle.wait()  # nothing is due: the scheduler waits for news

        app.scheduler.wake()  # a check-in was just created ...
        assert await stops_in_time(app.scheduler.stop()), "stop() hung"  # ... and Convene stops
    finally:
        await app.engine.dispose()


# -- a database that is briefly locked in the middle of the fan-out ------------------------------


@dataclass
class LockedOutAdapter(MemoryAdapter):
    """Just as the platform accepts send number ``lock_after_sends``, another writer takes
    SQLite's write lock (a backup, a second process, a long transaction), until ``unlock``."""

    database_path: str = ""
    lock_after_sends: int | None = None
    _holder: sqlite3.Connection | None = None

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        ref = await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
        if self.lock_after_sends is not None:
            self.lock_after_sends -= 1
            if self.lock_after_sends == 0:
                self._holder = sqlite3.connect(self.database_path, isolation_level=None)
                self._holder.execute("BEGIN IMMEDIATE")
        return ref

    def unlock(self) -> None:
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()
            self._holder = None


async def test_a_database_locked_for_a_moment_during_the_fan_out_still_asks_everyone_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "convene.db"
    clock = ManualClock(SATURDAY_NOON)
    adapter = LockedOutAdapter(
        channel_members=channel_of_forty(), clock=clock, database_path=str(path)
    )
    app = build_app(f"sqlite+aiosqlite:///{path}", adapter, clock)

    @event.listens_for(app.engine.sync_engine, "connect")
    def wait_briefly_for_locks(dbapi_connection: Any, _record: Any) -> None:
        # Convene waits 5 s for a lock before "database is locked"; 0.1 s keeps the test short.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=100")
        cursor.close()

    await app.start(background=False)
    try:
        await adapter.command("you", CREATE)
        await app.settle()

        adapter.lock_after_sends = 10  # the root and eight prompts go out, then the ninth ...
        await adapter.command("you", RUN_NOW)
        with contextlib.suppress(sqlite3.OperationalError, OperationalError):
            # ... reaches the member, and recording it fails: the running deliverer would
            # log this and look again at its next poll (Deliverer._run).
            await app.settle()
        adapter.unlock()
        await app.settle()
        clock.advance(LEASE + timedelta(seconds=1))  # by now every lease has run out
        await app.settle()

        assert sends_of(adapter.delivered, "ask") == everyone_once(), (
            "each member is asked exactly once"
        )
        assert len(thread_roots(adapter.delivered)) == 1
        assert (await outbox_counts(app))["sending"] == 0
    finally:
        adapter.unlock()
        await app.stop()


# -- a channel that cannot take posts for a while --------------------------------------------------


async def test_a_channel_that_cannot_take_posts_for_a_while_does_not_hold_back_members_prompts(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    clock = ManualClock(SATURDAY_NOON)
    adapter = MemoryAdapter(clock=clock)
    # Yesterday's busy thread: 250 answers wait for #general, the first of which the
    # platform refuses for now (a 503, tried again in 2 s) ...
    thread = [
        (f"checkin-run:1:answer:{n}", OutgoingMessage(Target.channel("general"), f"answer {n}"))
        for n in range(250)
    ]
    # ... and today's run asks its members in their DMs.
    prompts = [
        (
            f"checkin-run:2:ask:{m.platform_user_id}",
            OutgoingMessage(Target.dm(m.platform_user_id), "?"),
        )
        for m in MEMBERS
    ]
    async with sessions.begin() as session:
        await Outbox(session, "memory", adapter.workspace_id, clock).send_many(thread + prompts)
    adapter.failures.append(TransientDeliveryError("503 from the platform"))
    deliverer = Deliverer(sessions, adapter, clock, worker="test:memory")

    await deliverer.drain()

    assert sends_of(adapter.delivered, "ask") == everyone_once(), (
        "the prompts should not wait for #general's retry"
    )
    assert not [d for d in adapter.delivered if d.message.target.kind == "channel"]
