"""The shell adapter's grammar, as a person at a terminal (or a script) uses it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.shell import ShellAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.commands import Args, CommandSpec
from bot.config import ConveneSection, Settings
from bot.context import Context, JobContext
from bot.events import FormSubmitted, MessagePosted
from bot.messages import Button, Form, FormField, OutgoingMessage, Target
from bot.registry import MessageRoute
from bot.wiring import build_registry
from storage.repositories import schedules as schedules_repo
from storage.repositories import workspaces as workspaces_repo

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def ask(context: Context, args: Args) -> None:
    await context.reply(
        "Shall we begin?",
        [Button("Answer", "demo.answer"), Button("Skip this time", "demo.skip")],
        private=False,
    )


async def answer(context: Context) -> None:
    await context.open_form(
        Form(
            "demo.form",
            "Weekly pulse",
            (
                FormField(
                    "mood", "How are you, 1 to 5?", kind="choice", choices=("1", "2", "3", "4", "5")
                ),
                FormField("note", "What is on your mind?", required=False, max_length=20),
            ),
        )
    )


async def submitted(context: Context) -> None:
    event = context.event
    assert isinstance(event, FormSubmitted)
    await context.reply(f"Thanks: mood {event.values['mood']}, note {event.values['note']!r}")


async def in_thread(context: Context) -> None:
    event = context.event
    assert isinstance(event, MessagePosted)
    await context.reply(f"heard in thread {event.place.thread_id}: {event.text}", private=False)


async def tick(context: JobContext) -> None:
    await context.outbox.send(
        f"tick:{context.slot.isoformat()}",
        OutgoingMessage(Target.channel("general"), f"tick at {context.slot:%a %H:%M}"),
    )


@dataclass
class Terminal:
    app: ConveneApp
    shell: ShellAdapter
    clock: ManualClock
    out: io.StringIO

    async def type(self, *lines: str) -> list[str]:
        """Type lines; return what was printed in answer."""

        start = len(self.out.getvalue())
        for line in lines:
            await self.shell.handle_line(line, self.app.advance_clock_to, self.clock.now())
            await self.app.settle()
        return self.out.getvalue()[start:].splitlines()


@asynccontextmanager
async def terminal(sqlite_url: str) -> AsyncIterator[Terminal]:
    registry = build_registry()
    registry.command(CommandSpec(("demo", "ask"), ask, "Ask.", "/demo ask", "/demo ask"))
    registry.button("demo.answer", answer)
    registry.form("demo.form", submitted)
    # First in line: the retro job answers every thread reply it is given (a retro's
    # thread or not), so the demo's route goes before the jobs'.
    registry.messages.insert(
        0, MessageRoute(lambda event: event.place.thread_id is not None, in_thread)
    )
    registry.job("demo.tick", tick)
    out = io.StringIO()
    shell = ShellAdapter(out)
    clock = ManualClock(START)
    settings = Settings(convene=ConveneSection(database_url=sqlite_url, instance_id="t"))
    app = ConveneApp(
        settings, [shell], registry, clock, bootstrap_conveners={"shell": frozenset({"you"})}
    )
    await app.start(background=False)
    try:
        yield Terminal(app, shell, clock, out)
    finally:
        await app.stop()


async def test_a_line_without_a_name_is_the_operator_and_a_name_makes_a_member(
    sqlite_url: str,
) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type("/convene me", "dana: /convene me")
    assert "bot → #general (to you): You are you, a convener." in said
    assert "bot → #general (to dana): You are dana, a member." in said


async def test_people_speak_in_other_channels_threads_and_dms(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type(
            "erin@#radiology: /convene me",
            "erin@dm: hello",
            "erin@#general/7: a reply",
        )
    assert "bot → #radiology (to erin): You are erin, a member." in said
    assert any(line.startswith("bot → erin (DM): Hello! I'm Convene.") for line in said)
    assert "bot → #general thread 7: heard in thread 7: a reply" in said


async def test_a_button_press_opens_a_form_asked_field_by_field(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type("/demo ask")
        assert "bot → #general: Shall we begin?" in said
        assert "bot →   [Answer] [Skip this time]  · message 1" in said

        said = await t.type("alice: [Answer]")
        assert "bot → alice (form): Weekly pulse. Type /cancel to stop." in said
        assert "bot → alice (form): How are you, 1 to 5? (one of: 1, 2, 3, 4, 5)" in said

        said = await t.type("alice: 9")
        assert "bot → alice (form): choose one of: 1, 2, 3, 4, 5. How are you, 1 to 5?" in said

        said = await t.type("alice: 4", "alice: " + "x" * 21)
        assert any("that is 21 characters; the limit is 20" in line for line in said)

        said = await t.type("alice: quiet week")
    assert "bot → #general (to alice): Thanks: mood 4, note 'quiet week'" in said


async def test_a_form_can_be_cancelled_and_saves_nothing(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("/demo ask", "bob: [Answer]")
        said = await t.type("bob: /cancel", "bob: /convene me")
    assert "bot → bob (form): cancelled; nothing was saved." in said
    assert "bot → #general (to bob): You are bob, a member." in said


async def test_pressing_a_button_nobody_showed_says_so(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type("carol: [Answer]")
    assert said == ["shell → carol can see no button [Answer]"]


async def test_moving_the_clock_fires_each_due_slot_in_time_order(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        async with t.app.sessions.begin() as session:
            workspace = await workspaces_repo.get_or_create(
                session, "shell", "shell", "Convene", START
            )
            assert workspace.id is not None
            await schedules_repo.create(
                session,
                workspace_id=workspace.id,
                job="demo.tick",
                cron="0 9 * * *",
                timezone="Europe/London",
                now=START,
            )
        said = await t.type(":clock", ":clock +3d")
    assert said[0] == "clock → Monday 2026-11-30 08:00 UTC"
    ticks = [line for line in said if "tick at" in line]
    assert ticks == [
        "bot → #general: tick at Mon 09:00",
        "bot → #general: tick at Tue 09:00",
        "bot → #general: tick at Wed 09:00",
    ]
    assert said[-1] == "clock → Thursday 2026-12-03 08:00 UTC"


async def test_the_clock_refuses_to_go_back_and_explains_its_grammar(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type(":clock 2026-01-01 00:00", ":clock tomorrow", ":nonsense")
    assert said[0].startswith("shell → the clock only moves forward")
    assert said[1] == "shell → say :clock +7d, +3h, +30m or :clock 2026-12-01 09:00 (UTC)"
    assert said[2] == "shell → unknown shell command :nonsense; type :help"


async def test_user_text_cannot_forge_a_mention(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        said = await t.type("/convene silo add \x1f@everyone\x1e")
    assert said == [
        "bot → #general (to you): That command holds control characters (invisible ones, "
        "perhaps pasted); type it as plain text. Type: /convene silo add @everyone"
    ]
