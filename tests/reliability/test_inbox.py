"""An acknowledged event survives its instance: kept in the inbox, handled once by the next.

An adapter keeps an event (``app.intake.keep``) before the platform gets its
acknowledgement; here the tests do what the adapter does, then "kill" the
app: abandon it with nothing handled and nothing handed back (only its
engine is disposed), as SIGKILL would leave it. A second app on the same
database takes the event over once the dead holder's lease has run out, and
handles it exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import select

from adapters.memory import MemoryAdapter
from bot.adapter import MessageRef
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    HomeOpened,
    IncomingFile,
    MemberJoined,
    MessagePosted,
    Place,
    PlaceKind,
    SlashCommand,
)
from bot.inbox import decode, encode
from bot.messages import OutgoingMessage
from bot.wiring import build_registry
from storage.models import InboxEvent, ProcessedEvent
from tests.support.harness import DEFAULT_START

LEASE = timedelta(seconds=Settings().outbox.lease_seconds)
PAST_THE_LEASE = LEASE + timedelta(seconds=1)


class RecordingApp(ConveneApp):
    """Convene, noting the id of each event it dispatches, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.dispatched: list[str] = []
        super().__init__(*args, **kwargs)

    async def dispatch(self, event: Event) -> None:
        self.dispatched.append(event.event_id)
        await super().dispatch(event)


@dataclass
class NotingAdapter(MemoryAdapter):
    """The memory adapter, saying when it has delivered something."""

    sent_one: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        ref = await super().deliver(workspace_id, message, idempotency_key=idempotency_key)
        self.sent_one.set()
        return ref


def build_app(database_url: str, adapter: MemoryAdapter, clock: ManualClock) -> RecordingApp:
    settings = Settings(
        convene=ConveneSection(database_url=database_url, conveners=["you"], instance_id="test")
    )
    return RecordingApp(settings, [adapter], build_registry(), clock)


def command(text: str, *, event_id: str, actor: str = "you") -> SlashCommand:
    """``/convene <text>`` in #general, as an adapter hands it over."""

    return SlashCommand(
        platform="memory",
        workspace_id="T-memory",
        actor_id=actor,
        actor_name=actor,
        place=Place(PlaceKind.CHANNEL, "general", channel_name="general"),
        event_id=event_id,
        command="convene",
        text=text,
    )


async def abandon(app: ConveneApp) -> None:
    """Leave an app as a killed process leaves it: nothing handled, nothing handed back."""

    await app.engine.dispose()


async def inbox_rows(app: ConveneApp) -> list[InboxEvent]:
    async with app.sessions() as session:
        return list((await session.exec(select(InboxEvent))).all())


async def processed(app: ConveneApp) -> list[str]:
    async with app.sessions() as session:
        return list((await session.exec(select(ProcessedEvent.event_id))).all())


def added(adapter: MemoryAdapter, silo: str) -> int:
    return sum(1 for d in adapter.delivered if f"Added the silo {silo}" in d.text)


@contextmanager
def counting_commits(app: ConveneApp) -> Iterator[list[int]]:
    """How many transactions the app's engine commits while the block runs."""

    commits = [0]

    def on_commit(connection: Any) -> None:
        commits[0] += 1

    sa_event.listen(app.engine.sync_engine, "commit", on_commit)
    try:
        yield commits
    finally:
        sa_event.remove(app.engine.sync_engine, "commit", on_commit)


async def test_an_event_kept_then_the_app_killed_is_handled_once_by_the_next_app(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    first = MemoryAdapter(clock=clock)
    dying = build_app(database_url, first, clock)
    await dying.start(background=False)
    assert await dying.intake.keep(command("silo add Radiotherapy", event_id="cmd-1"))
    await abandon(dying)
    assert first.delivered == []

    second = MemoryAdapter(clock=clock)
    restarted = build_app(database_url, second, clock)
    await restarted.start(background=False)
    try:
        await restarted.settle()
        assert restarted.dispatched == [], "the dead holder's lease has not run out yet"
        assert len(await inbox_rows(restarted)) == 1

        clock.set(clock.now() + PAST_THE_LEASE)
        await restarted.settle()

        assert restarted.dispatched == ["cmd-1"]
        assert added(second, "Radiotherapy") == 1
        assert await inbox_rows(restarted) == [], "the row (and its words) went with the handling"
        assert await processed(restarted) == ["cmd-1"]

        clock.set(clock.now() + 10 * PAST_THE_LEASE)
        await restarted.settle()
        assert restarted.dispatched == ["cmd-1"]
        assert added(second, "Radiotherapy") == 1
    finally:
        await restarted.stop()


async def test_events_taken_over_are_handled_in_the_order_they_arrived(database_url: str) -> None:
    clock = ManualClock(DEFAULT_START)
    dying = build_app(database_url, MemoryAdapter(clock=clock), clock)
    await dying.start(background=False)
    names = ["Oncology", "Radiology", "Pharmacy", "Nursing", "Dietetics"]
    for number, name in enumerate(names):
        assert await dying.intake.keep(command(f"silo add {name}", event_id=f"cmd-{number}"))
    await abandon(dying)

    second = MemoryAdapter(clock=clock)
    clock.set(clock.now() + PAST_THE_LEASE)
    restarted = build_app(database_url, second, clock)
    await restarted.start(background=False)
    try:
        await restarted.settle()
        assert restarted.dispatched == [f"cmd-{number}" for number in range(len(names))]
        added_in_order = [d.text for d in second.delivered if d.text.startswith("Added the silo")]
        assert added_in_order == [f"Added the silo {name} (team)." for name in names]
    finally:
        await restarted.stop()


async def test_a_clean_stop_hands_its_events_back_at_once(database_url: str) -> None:
    clock = ManualClock(DEFAULT_START)
    stopping = build_app(database_url, MemoryAdapter(clock=clock), clock)
    await stopping.start(background=False)
    assert await stopping.intake.keep(command("silo add Radiotherapy", event_id="cmd-1"))
    await stopping.stop()

    second = MemoryAdapter(clock=clock)
    next_app = build_app(database_url, second, clock)
    await next_app.start(background=False)
    try:
        await next_app.settle()  # the same moment: no lease to wait out
        assert next_app.dispatched == ["cmd-1"]
        assert added(second, "Radiotherapy") == 1
    finally:
        await next_app.stop()


async def test_two_instances_taking_over_at_once_handle_each_event_once(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    dying = build_app(database_url, MemoryAdapter(clock=clock), clock)
    await dying.start(background=False)
    silos = [f"Silo {n:02d}" for n in range(12)]
    for number, silo in enumerate(silos):
        assert await dying.intake.keep(command(f'silo add "{silo}"', event_id=f"cmd-{number}"))
    await abandon(dying)

    clock.set(clock.now() + PAST_THE_LEASE)
    adapters = [MemoryAdapter(clock=clock), MemoryAdapter(clock=clock)]
    apps = [build_app(database_url, adapter, clock) for adapter in adapters]
    for app in apps:
        await app.start(background=False)
    try:
        await asyncio.gather(*(app.inbox.take_over() for app in apps))
        for app in apps:
            await app.settle()
        handled = sorted(apps[0].dispatched + apps[1].dispatched)
        assert handled == sorted(f"cmd-{number}" for number in range(len(silos)))
        for silo in silos:
            assert sum(added(adapter, silo) for adapter in adapters) == 1
        assert await inbox_rows(apps[0]) == []
    finally:
        for app in apps:
            await app.stop()


async def test_a_live_instance_keeps_renewing_so_nobody_takes_its_events(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    busy_adapter = MemoryAdapter(clock=clock)
    busy = build_app(database_url, busy_adapter, clock)
    other = build_app(database_url, MemoryAdapter(clock=clock), clock)
    await busy.start(background=False)
    await other.start(background=False)
    try:
        queued = command("silo add Radiotherapy", event_id="cmd-1")
        assert await busy.intake.keep(queued)  # still in its queue when the lease would end
        clock.set(clock.now() + PAST_THE_LEASE)
        await busy.inbox.renew()
        assert await other.inbox.take_over() == 0
        assert other.dispatched == []

        await busy.intake(queued)
        await busy.settle()
        assert added(busy_adapter, "Radiotherapy") == 1
        assert await inbox_rows(busy) == []
    finally:
        await other.stop()
        await busy.stop()


async def test_a_running_instance_takes_over_a_dead_ones_events_by_itself(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    dying = build_app(database_url, MemoryAdapter(clock=clock), clock)
    await dying.start(background=False)
    assert await dying.intake.keep(command("silo add Radiotherapy", event_id="cmd-1"))
    await abandon(dying)

    clock.set(clock.now() + PAST_THE_LEASE)
    second = NotingAdapter(clock=clock)
    running = build_app(database_url, second, clock)
    await running.start()  # in the background: nobody calls settle()
    try:
        async with asyncio.timeout(10):
            await second.sent_one.wait()
        assert added(second, "Radiotherapy") == 1
        assert running.dispatched == ["cmd-1"]
    finally:
        await running.stop()


async def test_a_burst_is_kept_in_fewer_commits_than_events(database_url: str) -> None:
    clock = ManualClock(DEFAULT_START)
    adapter = MemoryAdapter(clock=clock)
    app = build_app(database_url, adapter, clock)
    await app.start(background=False)
    burst = [command(f'silo add "Team {n:03d}"', event_id=f"burst-{n}") for n in range(60)]
    try:
        with counting_commits(app) as commits:
            together = await asyncio.gather(*(app.intake.keep(e) for e in burst[:30]))
        assert all(together)
        assert commits[0] == 1, "events arriving together are written in one commit"

        async def arriving(number: int, event: Event) -> bool:
            # Staggered: some arrive while the previous write is still being committed.
            await asyncio.sleep(number * 0.0002)
            return await app.intake.keep(event)

        with counting_commits(app) as commits:
            staggered = await asyncio.gather(*(arriving(n, e) for n, e in enumerate(burst[30:])))
        assert all(staggered)
        assert 1 <= commits[0] < 30
        assert len(await inbox_rows(app)) == 60

        for event in burst:
            await app.intake(event)
        assert await inbox_rows(app) == []
        assert len(await processed(app)) == 60
    finally:
        await app.stop()


async def test_only_events_something_answers_are_kept_and_none_outlives_its_handling(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    adapter = MemoryAdapter(clock=clock)
    app = build_app(database_url, adapter, clock)
    await app.start(background=False)
    try:
        chatter = MessagePosted(
            platform="memory",
            workspace_id="T-memory",
            actor_id="bob",
            actor_name="bob",
            place=Place(PlaceKind.CHANNEL, "random"),
            event_id="msg-1",
            text="lunch anyone? (nothing in Convene answers this)",
        )
        assert not await app.intake.keep(chatter)
        assert await inbox_rows(app) == []

        kept = command("silo add Radiotherapy", event_id="cmd-1")
        assert await app.intake.keep(kept)
        [row] = await inbox_rows(app)
        assert "Radiotherapy" in str(row.payload)
        await app.intake(kept)
        await app.settle()
        assert await inbox_rows(app) == []
        assert added(adapter, "Radiotherapy") == 1

        # A repeat of an event already handled is not acted on, and leaves no row.
        assert await app.intake.keep(kept)
        await app.intake(kept)
        await app.settle()
        assert await inbox_rows(app) == []
        assert added(adapter, "Radiotherapy") == 1
    finally:
        await app.stop()


async def test_an_event_refused_by_its_handler_is_answered_and_not_taken_over_again(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    adapter = MemoryAdapter(clock=clock)
    app = build_app(database_url, adapter, clock)
    await app.start(background=False)
    try:
        refused = command("silo add", event_id="cmd-1")  # no name: a usage error
        assert await app.intake.keep(refused)
        await app.intake(refused)
        assert await inbox_rows(app) == []
        clock.set(clock.now() + PAST_THE_LEASE)
        await app.settle()
        assert app.dispatched == ["cmd-1"]
    finally:
        await app.stop()


_COMMON: dict[str, Any] = {
    "platform": "slack",
    "workspace_id": "T1",
    "actor_id": "U1",
    "actor_name": "alice",
    "place": Place(PlaceKind.THREAD, "C1", thread_id="171.2", channel_name="general"),
    "event_id": "e-1",
    "raw": {"trigger_id": "t.1", "nested": {"list": [1, "two"]}},
    "actor_timezone": "Europe/London",
}
EVERY_KIND: list[Event] = [
    MessagePosted(**_COMMON, text="R&D <3"),
    MessagePosted(
        **_COMMON,
        text="",
        files=(IncomingFile("F1", "org.csv", 120, "https://files.example/F1", "text/csv"),),
    ),
    SlashCommand(**_COMMON, command="convene", text="silo add X", trigger_id="t.1"),
    ButtonClicked(**_COMMON, action_id="a", value="v", message_ref={"message_id": "1"}),
    FormSubmitted(**_COMMON, form_id="f", values={"q1": "yes"}, context="c"),
    HomeOpened(**_COMMON),
    MemberJoined(**_COMMON),
]


@pytest.mark.parametrize("kept", EVERY_KIND, ids=lambda e: type(e).__name__)
def test_every_kind_of_event_comes_back_from_its_row_as_it_went_in(kept: Event) -> None:
    back = decode(encode(kept))
    assert type(back) is type(kept)
    assert back == kept
    assert back.raw == kept.raw


async def test_an_inbox_that_cannot_be_written_says_so_without_the_members_words(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(DEFAULT_START)
    adapter = MemoryAdapter(clock=clock)
    app = build_app(database_url, adapter, clock)
    await app.start(background=False)

    driver_error = app.engine.sync_engine.dialect.loaded_dbapi.OperationalError

    def refuse_inbox_writes(
        conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
    ) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            raise driver_error("disk I/O error")  # SQLAlchemy's error names the parameters

    sa_event.listen(app.engine.sync_engine, "before_cursor_execute", refuse_inbox_writes)
    try:
        secret_words = command('silo add "Tangerine Dream"', event_id="cmd-1")
        assert not await app.intake.keep(secret_words), "not kept: handled from memory"
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("could not keep 1 event(s) in the inbox" in w for w in warnings)
        assert not any("Tangerine" in r.getMessage() for r in caplog.records)

        await app.intake(secret_words)
        await app.settle()
        assert added(adapter, "Tangerine Dream") == 1
    finally:
        sa_event.remove(app.engine.sync_engine, "before_cursor_execute", refuse_inbox_writes)
        await app.stop()
