"""``convene run`` at a real terminal: a person edits a line, recalls one with the up arrow,
types ``help``, and leaves with Ctrl-D or Ctrl-C.

The process runs on a pseudo-terminal, as in a terminal window: its input,
output and errors are the terminal, so Convene reads lines with
prompt_toolkit. The test types the keys a keyboard sends and reads the
screen's bytes until the answer it expects (each wait bounded by a deadline,
nothing asserted on time).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.cli import convene_env

DEADLINE_SECONDS = 30
PROMPT = "you@#general ›"
UP, LEFT = "\x1b[A", "\x1b[D"
CTRL_C, CTRL_D, ENTER = "\x03", "\x04", "\r"


class Terminal:
    """The keyboard and screen of a terminal window with Convene running in it."""

    def __init__(self, keyboard: int, process: subprocess.Popen[bytes]) -> None:
        self._fd = keyboard
        self.process = process
        self.screen = ""
        self._read_up_to = 0

    def type(self, keys: str) -> None:
        os.write(self._fd, keys.encode())

    def expect(self, needle: str) -> str:
        """Read until ``needle`` shows after what was expected before; the text up to it."""

        deadline = time.monotonic() + DEADLINE_SECONDS
        while needle not in self.screen[self._read_up_to :]:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {needle!r}; the screen:\n{self.screen!r}")
            ready, _, _ = select.select([self._fd], [], [], 0.5)
            if ready:
                try:
                    self.screen += os.read(self._fd, 65536).decode(errors="replace")
                except OSError:  # the process ended and closed the terminal
                    if self.process.poll() is not None and needle not in self.screen:
                        raise AssertionError(f"never saw {needle!r}: {self.screen!r}") from None
        start = self._read_up_to
        self._read_up_to = self.screen.index(needle, start) + len(needle)
        return self.screen[start : self._read_up_to]

    def answer_to(self, keys: str, answer: str) -> None:
        """Type ``keys``; wait for ``answer`` and for the prompt to be back."""

        self.type(keys)
        self.expect(answer)
        self.expect(PROMPT)

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"convene did not leave; the screen:\n{self.screen!r}") from None

    def rest_of_the_screen(self) -> str:
        """Whatever the process wrote before it closed the terminal."""

        while True:
            ready, _, _ = select.select([self._fd], [], [], 0.5)
            if not ready:
                return self.screen
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                return self.screen
            if not chunk:
                return self.screen
            self.screen += chunk.decode(errors="replace")


@contextmanager
def convene_in_a_terminal(folder: Path) -> Iterator[Terminal]:
    keyboard, screen = pty.openpty()
    fcntl.ioctl(screen, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=folder,
        stdin=screen,
        stdout=screen,
        stderr=screen,
        start_new_session=True,  # the terminal becomes its controlling terminal, as in a window
        # A real terminal answers prompt_toolkit's cursor-position question; this one cannot.
        env=convene_env({"TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}),
    )
    os.close(screen)
    try:
        yield Terminal(keyboard, process)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        os.close(keyboard)


def test_a_person_edits_a_line_recalls_one_with_the_up_arrow_and_asks_for_help(
    tmp_path: Path,
) -> None:
    with convene_in_a_terminal(tmp_path) as terminal:
        terminal.expect("Type help for the commands")
        terminal.expect(PROMPT)

        terminal.answer_to("/convene silo add Radiotherapy" + ENTER, "Added the silo Radiotherapy")
        # A letter left out, put back three places to the left.
        terminal.answer_to("/convene slos" + LEFT * 3 + "i" + ENTER, "1 silo:")
        terminal.answer_to("/convene silo add Oncology" + ENTER, "Added the silo Oncology")
        # Up twice: /convene silos again, as corrected.
        terminal.answer_to(UP + UP + ENTER, "2 silos:")
        terminal.answer_to("help" + ENTER, "Commands you can use as a convener:")

        terminal.type(CTRL_D)
        assert terminal.wait() == 0
        screen = terminal.rest_of_the_screen()
    assert "Traceback" not in screen
    history = (tmp_path / ".convene_history").read_text(encoding="utf-8")
    assert "+/convene silos\n" in history
    assert not (tmp_path / "convene.log").exists()  # nothing was logged, nothing to show


def test_ctrl_c_at_the_prompt_leaves_cleanly(tmp_path: Path) -> None:
    with convene_in_a_terminal(tmp_path) as terminal:
        terminal.expect(PROMPT)
        terminal.answer_to('/convene silo add "Public Health"' + ENTER, "Added the silo Public")

        terminal.type("/convene sil" + CTRL_C)
        assert terminal.wait() == 0
        screen = terminal.rest_of_the_screen()
    assert "Bye. Everything is saved." in screen
    assert "Traceback" not in screen
