"""The shell at a terminal: a prompt that says who speaks, line editing, history, clean exits.

prompt_toolkit reads keys here from a pipe (what a terminal would send: the
up arrow is ``ESC [ A``, Ctrl-D is ``\\x04``) and draws on a dummy screen, or
on a VT100 screen kept in a string where what is drawn matters.
tests/e2e/test_shell_terminal_process.py does the same through a real
pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput, Output
from prompt_toolkit.output.vt100 import Vt100_Output

from adapters.shell import ShellAdapter
from adapters.shell_terminal import AbovePrompt, prompt_session, prompt_text, typed_lines
from bot.events import Event, MessagePosted, Place, PlaceKind
from bot.messages import Form, FormField

UP = "\x1b[A"
CTRL_C = "\x03"
CTRL_D = "\x04"
ENTER = "\r"


@contextmanager
def keyboard(
    history: Path, output: Output | None = None
) -> Iterator[tuple[PipeInput, PromptSession[str]]]:
    with create_pipe_input() as keys:
        yield keys, prompt_session(history, keys, output or DummyOutput())


def lines_typed(session: PromptSession[str], stopped: asyncio.Event) -> AsyncIterator[str]:
    return typed_lines(session, lambda: "you@#general › ", stopped)


async def drawn_on(screen: io.StringIO, text: str) -> None:
    """Let the loop run (no clock involved) until ``text`` has been drawn."""

    for _ in range(100_000):
        if text in screen.getvalue():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{text!r} was never drawn: {screen.getvalue()!r}")


async def test_a_line_typed_earlier_comes_back_with_the_up_arrow(tmp_path: Path) -> None:
    history = tmp_path / ".convene_history"
    stopped = asyncio.Event()
    with keyboard(history) as (keys, session):
        lines = lines_typed(session, stopped)
        keys.send_text("/convene silos" + ENTER)
        assert await anext(lines) == "/convene silos"
        keys.send_text("/convene silo add Oncology" + ENTER)
        assert await anext(lines) == "/convene silo add Oncology"

        keys.send_text(UP + UP + ENTER)
        assert await anext(lines) == "/convene silos"

        keys.send_text(CTRL_D)
        assert [line async for line in lines] == []
    assert not stopped.is_set()  # Ctrl-D ends the input; Convene says no "Bye"
    assert "+/convene silo add Oncology" in history.read_text(encoding="utf-8")


async def test_the_history_is_there_the_next_time(tmp_path: Path) -> None:
    history = tmp_path / ".convene_history"
    with keyboard(history) as (keys, session):
        keys.send_text("/convene checkin list" + ENTER)
        assert await anext(lines_typed(session, asyncio.Event())) == "/convene checkin list"

    with keyboard(history) as (keys, session):
        keys.send_text(UP + ENTER)
        assert await anext(lines_typed(session, asyncio.Event())) == "/convene checkin list"


async def test_ctrl_c_at_the_prompt_stops_convene_as_the_signal_would(tmp_path: Path) -> None:
    stopped = asyncio.Event()
    with keyboard(tmp_path / ".convene_history") as (keys, session):
        lines = lines_typed(session, stopped)
        keys.send_text("half a li" + CTRL_C)
        assert [line async for line in lines] == []
    assert stopped.is_set()


async def test_a_history_file_that_cannot_be_written_is_no_history_not_a_failure(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "no such folder"
    with keyboard(folder / ".convene_history") as (keys, session):
        lines = lines_typed(session, asyncio.Event())
        keys.send_text("/convene me" + ENTER)
        assert await anext(lines) == "/convene me"
        keys.send_text(UP + ENTER)
        assert await anext(lines) == "/convene me"  # kept for this run all the same
    assert not folder.exists()


@pytest.mark.parametrize("writer", ["the loop", "another thread"])
async def test_what_the_bot_says_while_the_prompt_waits_is_printed_above_it(
    tmp_path: Path, writer: str
) -> None:
    """A scheduled message (or a library's warning, from its own thread) arrives while "hal"
    is half typed: the prompt is erased, the line printed, and the prompt drawn again
    below it with "hal" still there."""

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=80), enable_cpr=False)
    with keyboard(tmp_path / ".convene_history", output) as (keys, session):
        bot = AbovePrompt(screen, session.app)
        reading = asyncio.ensure_future(anext(lines_typed(session, asyncio.Event())))
        keys.send_text("hal")
        await drawn_on(screen, "hal")

        said = "bot → #general: tick at Mon 09:00\n"
        if writer == "the loop":
            bot.write(said)
        else:
            await asyncio.to_thread(bot.write, said)
        await drawn_on(screen, "tick")
        keys.send_text("lo" + ENTER)
        assert await reading == "hallo"

    drawn = screen.getvalue()
    at = drawn.index(said)
    assert re.search(r"\x1b\[J(\x1b\[[0-9;?]*[a-zA-Z])*$", drawn[:at]), "prompt not erased first"
    assert "you@#general › hal" in drawn[at:]


async def test_with_no_prompt_running_the_bots_lines_are_written_at_once(tmp_path: Path) -> None:
    screen = io.StringIO()
    with keyboard(tmp_path / ".convene_history") as (_, session):
        AbovePrompt(screen, session.app).write("bot → #general: Added the silo Oncology (team).\n")
    assert screen.getvalue() == "bot → #general: Added the silo Oncology (team).\n"


# -- the prompt ---------------------------------------------------------------------------------


def pulse_form() -> Form:
    return Form(
        "demo.form",
        "Weekly pulse",
        (
            FormField("mood", "How are you, 1 to 5?"),
            FormField("note", "What is on your mind?", required=False),
        ),
    )


async def open_form_for(shell: ShellAdapter, name: str) -> None:
    place = Place(PlaceKind.CHANNEL, "general", channel_name="general")
    event = MessagePosted(
        platform="shell",
        workspace_id="shell",
        actor_id=name,
        actor_name=name,
        place=place,
        event_id=f"e-{name}",
        text="[Answer]",
    )
    await shell.open_form(event, pulse_form())


async def test_the_prompt_names_who_a_bare_line_speaks_as_and_where() -> None:
    shell = ShellAdapter(io.StringIO(), operator="isabel", channel="wards")
    assert prompt_text(shell) == "isabel@#wards › "


async def test_after_alice_speaks_a_bare_line_is_still_the_operators() -> None:
    shell = ShellAdapter(io.StringIO())
    heard: list[Event] = []

    async def dispatch(event: Event) -> None:
        heard.append(event)

    async def clock_stays(when: datetime) -> None:
        pass

    await shell.start(dispatch)
    await shell.handle_line("alice: hi", clock_stays, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))

    assert [(e.actor_id, getattr(e, "text", None)) for e in heard] == [("alice", "hi")]
    assert prompt_text(shell) == "you@#general › "


async def test_a_form_waiting_for_someone_shows_in_the_prompt() -> None:
    shell = ShellAdapter(io.StringIO())
    await open_form_for(shell, "alice")
    assert prompt_text(shell) == "you@#general (form open for alice) › "

    await open_form_for(shell, "you")
    assert prompt_text(shell) == "you (form: How are you, 1 to 5?) › "
