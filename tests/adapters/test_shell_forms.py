"""Forms in the shell never lose what was typed.

A field Convene refuses is asked again, alone, with the reason, and the whole
form is sent again with the other answers as they were. A slash command typed
while a form is open runs as a command; the field is asked again after its
answer. ``/cancel`` still drops the form.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.shell import ShellAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.commands import Args, CommandSpec
from bot.config import ConveneSection, Settings
from bot.context import Context
from bot.errors import FieldProblem
from bot.events import FormSubmitted
from bot.messages import Button, Form, FormField
from bot.wiring import build_registry

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
BOOKING = Form(
    "demo.booking",
    "Book the room",
    (
        FormField("who", "Who for?"),
        FormField("size", "How many?", kind="choice", choices=("2", "4", "8")),
        FormField("when", "When?"),
        FormField("note", "Anything else?", required=False),
    ),
    context="room-1",
)


@dataclass
class Bookings:
    """What the demo form's handler was sent, in order."""

    sent: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Terminal:
    app: ConveneApp
    shell: ShellAdapter
    clock: ManualClock
    out: io.StringIO
    bookings: Bookings

    async def type(self, *lines: str) -> list[str]:
        start = len(self.out.getvalue())
        for line in lines:
            await self.shell.handle_line(line, self.app.advance_clock_to, self.clock.now())
            await self.app.settle()
        return self.out.getvalue()[start:].splitlines()


@asynccontextmanager
async def terminal(sqlite_url: str) -> AsyncIterator[Terminal]:
    """The shell, with Convene's jobs and a demo: /demo book shows [Book], which opens
    a form whose "When?" takes only monday or tuesday."""

    bookings = Bookings()

    async def ask(context: Context, args: Args) -> None:
        await context.reply("Book the room?", [Button("Book", "demo.book")], private=False)

    async def offer(context: Context) -> None:
        await context.open_form(BOOKING)

    async def booked(context: Context) -> None:
        event = context.event
        assert isinstance(event, FormSubmitted)
        bookings.sent.append(dict(event.values))
        when = event.values["when"]
        if when not in ("monday", "tuesday"):
            raise FieldProblem(BOOKING, event.values, "when", f"I could not read {when!r}.")
        await context.reply(f"Booked for {event.values['who']} on {when}.")

    registry = build_registry()
    registry.command(CommandSpec(("demo", "book"), ask, "Book.", "/demo book", "/demo book"))
    registry.button("demo.book", offer)
    registry.form("demo.booking", booked)
    out = io.StringIO()
    shell = ShellAdapter(out)
    clock = ManualClock(START)
    settings = Settings(
        convene=ConveneSection(database_url=sqlite_url, instance_id="t", welcome=False)
    )
    app = ConveneApp(
        settings, [shell], registry, clock, bootstrap_conveners={"shell": frozenset({"you"})}
    )
    await app.start(background=False)
    try:
        yield Terminal(app, shell, clock, out, bookings)
    finally:
        await app.stop()


async def test_a_refused_field_is_asked_again_alone_and_the_form_is_sent_whole(
    sqlite_url: str,
) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("alice: /demo book", "alice: [Book]", "alice: Ward 3", "alice: 4")
        said = await t.type("alice: someday", "alice: -")

        assert said == [
            "bot → alice (form): Anything else? (or - to leave it empty)",
            "bot → alice (form): I could not read 'someday'. Your other answers are kept.",
            "bot → alice (form): When?",
        ]
        said = await t.type("alice: monday")

        assert said == ["bot → #general (to alice): Booked for Ward 3 on monday."]
        assert t.bookings.sent == [
            {"who": "Ward 3", "size": "4", "when": "someday", "note": ""},
            {"who": "Ward 3", "size": "4", "when": "monday", "note": ""},
        ]


async def test_a_field_refused_twice_is_asked_again_each_time(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("alice: /demo book", "alice: [Book]", "alice: Ward 3", "alice: 8")
        await t.type("alice: someday", "alice: see you there")
        said = await t.type("alice: never")

        assert said == [
            "bot → alice (form): I could not read 'never'. Your other answers are kept.",
            "bot → alice (form): When?",
        ]
        await t.type("alice: tuesday")
        assert t.bookings.sent[-1] == {
            "who": "Ward 3",
            "size": "8",
            "when": "tuesday",
            "note": "see you there",
        }


async def test_a_slash_command_typed_in_a_form_runs_and_the_field_is_asked_again_after(
    sqlite_url: str,
) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("alice: /demo book", "alice: [Book]", "alice: Ward 3")

        said = await t.type("alice: /commit list")

        assert said == [
            "bot → #general (to alice): You have no open commitments. Make one with "
            "/commit Draft the checklist by Friday.",
            "bot → alice (form): Back to your form: How many? (one of: 2, 4, 8)",
        ]
        await t.type("alice: 2", "alice: monday", "alice: -")
        assert t.bookings.sent == [{"who": "Ward 3", "size": "2", "when": "monday", "note": ""}]


async def test_cancel_still_drops_the_form_and_a_command_after_it_is_a_command(
    sqlite_url: str,
) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("alice: /demo book", "alice: [Book]", "alice: Ward 3")

        said = await t.type("alice: /cancel", "alice: /commit list")

        assert said[0] == "bot → alice (form): cancelled; nothing was saved."
        assert said[1].startswith("bot → #general (to alice): You have no open commitments.")
        assert len(said) == 2
        assert t.bookings.sent == []


async def test_another_members_command_does_not_touch_an_open_form(sqlite_url: str) -> None:
    async with terminal(sqlite_url) as t:
        await t.type("alice: /demo book", "alice: [Book]")

        said = await t.type("bob: /commit list", "alice: Ward 3")

        assert said[0].startswith("bot → #general (to bob): You have no open commitments.")
        assert said[1] == "bot → alice (form): How many? (one of: 2, 4, 8)"
