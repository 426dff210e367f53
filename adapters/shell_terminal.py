"""The shell in a terminal: line editing, a history, and a prompt that says who is speaking.

When a person types at Convene (standard input and output are a terminal,
and no ``--script``), lines are read with prompt_toolkit: the arrow keys move
in the line and recall earlier ones, kept in ``.convene_history`` beside the
database between runs. The prompt names who a bare line speaks as and where
(``you@#general › ``), and whose form is waiting for an answer
(``you (form: Due date) › ``, or ``you@#general (form open for alice) › ``).
A line never changes who speaks next: ``alice: hi`` is alice's line, and the
next bare line is the operator's again, as in a script.

What the bot says while the prompt waits (a scheduled check-in going out)
is printed above the prompt, not through it (``AbovePrompt``). A pipe or a
script reads lines as it always has (``adapters.shell.lines_from``): nothing
here runs then.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO, cast

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, run_in_terminal
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import Input, create_input
from prompt_toolkit.output import Output, create_output

from adapters.shell import ShellAdapter

HISTORY_FILE_NAME = ".convene_history"
PROMPT_MARK = " › "


def is_terminal(stdin: TextIO, stdout: TextIO) -> bool:
    """Whether a person is typing: both ends are a terminal (``convene run | tee`` is not)."""

    try:
        return stdin.isatty() and stdout.isatty()
    except ValueError:  # a closed stream
        return False


def prompt_text(shell: ShellAdapter) -> str:
    """Who a bare line speaks as, where, and whose form waits for an answer."""

    waiting = shell.forms_waiting()
    operator = shell.operator
    if operator in waiting:
        return f"{operator} (form: {waiting[operator]}){PROMPT_MARK}"
    others = ", ".join(sorted(waiting))
    forms = f" (form open for {others})" if others else ""
    return f"{operator}@#{shell.channel}{forms}{PROMPT_MARK}"


class KeptHistory(FileHistory):
    """The lines typed, kept in a file; a file that cannot be read or written is no history
    (the folder is read-only), never a failed prompt."""

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        with suppress(OSError):
            super().store_string(string)


def terminal_session(history: Path, stdin: TextIO, stdout: TextIO) -> PromptSession[str]:
    """A prompt reading the terminal ``stdin`` and drawing on ``stdout``."""

    return prompt_session(history, create_input(stdin), create_output(stdout))


def prompt_session(history: Path, input: Input | None, output: Output | None) -> PromptSession[str]:
    """The prompt itself, on any input and output (a test's pipe and a dummy screen)."""

    return PromptSession(history=KeptHistory(str(history)), input=input, output=output)


async def typed_lines(
    session: PromptSession[str], prompt: Callable[[], str], stopped: asyncio.Event
) -> AsyncIterator[str]:
    """Each line typed at the prompt, until Ctrl-D (the input ends) or Ctrl-C (``stopped``).

    prompt_toolkit reads the keys in raw mode, so Ctrl-C arrives as a key,
    not as the signal Convene stops on; it is turned into the same stop. The
    prompt leaves SIGINT to Convene (``handle_sigint=False``): a Ctrl-C while
    a line is being answered still finishes that line first.
    """

    while not stopped.is_set():
        try:
            line = await session.prompt_async(
                prompt, handle_sigint=False, set_exception_handler=False
            )
        except EOFError:
            return
        except KeyboardInterrupt:
            stopped.set()
            return
        yield line


class AbovePrompt(io.TextIOBase):
    """A stream whose lines appear above the prompt while it waits, and directly otherwise.

    Lines written while the prompt is drawn go through ``run_in_terminal``
    (the prompt is erased, the line written, the prompt drawn again below),
    from the loop's thread even when another thread wrote them; a line
    written after those, once the prompt is gone, waits for them, so the
    order is kept.
    """

    def __init__(self, stream: TextIO, app: Application[Any]) -> None:
        super().__init__()
        self._stream = stream
        self._app = app
        self._pending: asyncio.Future[None] | None = None

    def write(self, text: str) -> int:
        loop = self._app.loop
        if self._app.is_running and loop is not None and not _runs_in(loop):
            # A line from another thread (a library's warning): written from the loop.
            loop.call_soon_threadsafe(self.write, text)
        elif self._app.is_running:
            self._pending = cast(
                "asyncio.Future[None]", run_in_terminal(lambda: self._write_now(text))
            )
        elif self._pending is not None and not self._pending.done():
            self._pending.add_done_callback(lambda _: self._write_now(text))
        else:
            self._write_now(text)
        return len(text)

    def _write_now(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def flush(self) -> None:
        """Each write is flushed as it is made."""

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding


def _runs_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


@contextmanager
def warnings_above_prompt(app: Application[Any]) -> Iterator[None]:
    """Standard error above the prompt while it is drawn (Convene's warnings are written
    to standard error as it is at the time: ``bot.log_destinations``)."""

    original = sys.stderr
    sys.stderr = above_prompt(original, app)
    try:
        yield
    finally:
        sys.stderr = original


def above_prompt(stream: TextIO, app: Application[Any]) -> TextIO:
    """``stream``, written above ``app``'s prompt while it waits (``AbovePrompt``)."""

    return cast(TextIO, AbovePrompt(stream, app))
