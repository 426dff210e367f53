"""Bytes that are not UTF-8 on the shell's input: that line is refused in one line, the rest runs.

They used to reach a handler as lone surrogates, fail there on their way
into the database, and send every convener a "Heads up" DM; with a strict
decoder they ended the input instead. Now they are refused like control
characters: one friendly line saying what to type instead, nothing
dispatched, whether they come through a pipe or in a ``--script`` file.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.shell import NOT_UTF8_REPLY, lines_from
from tests.support.cli import ConveneCommand, convene_env
from tests.support.harness import running

LATIN1_CAFE = "/convene silo add Caf\xe9 --kind team\n".encode("latin-1")
"""A line typed in a Latin-1 terminal: é is the single byte 0xE9, which is not UTF-8."""


def no_failure(out: str) -> None:
    assert "went wrong" not in out
    assert "Heads up" not in out


async def test_lines_from_a_strict_stream_keep_coming_after_bytes_that_are_not_text() -> None:
    stream = io.TextIOWrapper(io.BytesIO(b"first\n" + LATIN1_CAFE + b"last\n"), encoding="utf-8")

    lines = [line async for line in lines_from(stream)]

    assert len(lines) == 3
    assert lines[0] == "first\n" and lines[2] == "last\n"
    assert "\udce9" in lines[1]  # the byte kept, for the shell to refuse that line


@pytest.mark.parametrize("decoding", ["utf-8:strict", "utf-8:surrogateescape"])
def test_a_line_on_a_pipe_that_is_not_utf8_is_refused_and_the_rest_of_the_input_runs(
    tmp_path: Path, decoding: str
) -> None:
    typed = LATIN1_CAFE + b"/convene silo add Cafe --kind team\n" + b"/convene silos\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        input=typed,
        capture_output=True,
        env=convene_env({"PYTHONIOENCODING": decoding}),
        timeout=60,
        check=False,
    )
    out, err = done.stdout.decode(), done.stderr.decode()

    assert done.returncode == 0, err
    assert "Traceback" not in err
    assert out.count(NOT_UTF8_REPLY) == 1
    no_failure(out)
    assert "Added the silo Cafe (team)." in out
    assert "1 silo:" in out


def test_a_script_file_with_bytes_that_are_not_utf8_refuses_that_line_and_plays_the_rest(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "script.txt").write_bytes(
        b":clock 2026-11-30 08:00\n"
        + LATIN1_CAFE
        + b"# a comment may hold anything: \xff\xfe\n"
        + b"/convene silo add Cafe --kind team\n"
        + b"/convene silos\n"
    )

    ran = convene_command("run", "--script", "script.txt", cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    refused = lines.index(NOT_UTF8_REPLY)
    # The line is echoed as it can be shown, then refused at once.
    assert lines[refused - 1] == "/convene silo add Caf\ufffd --kind team"
    assert lines.count(NOT_UTF8_REPLY) == 1
    no_failure(ran.stdout)
    assert "bot → #general (to you): Added the silo Cafe (team)." in lines
    assert "Caf\ufffd" not in ran.stdout.split("/convene silos")[-1]


def test_a_script_saved_with_a_byte_order_mark_starts_at_its_clock_line(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "script.txt").write_bytes(b"\xef\xbb\xbf:clock 2026-11-30 08:00\n:clock\n")

    ran = convene_command("run", "--script", "script.txt", cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert "clock → Monday 2026-11-30 08:00 UTC" in ran.stdout


async def test_the_same_from_another_platform_is_refused_like_a_control_character(
    sqlite_url: str,
) -> None:
    """A JSON ``\\udce9`` escape in a Slack or Discord payload: the same lone surrogate."""

    async with running(sqlite_url) as convene:
        delivered = await convene.command("you", "/convene silo add Caf\udce9 --kind team")
        listing = await convene.reply_to("you", "/convene silos")

    texts = [d.text for d in delivered]
    assert len(texts) == 1
    assert texts[0].startswith(
        "That command holds control characters (invisible ones, perhaps pasted); "
        "type it as plain text."
    )
    assert "Type:" not in texts[0]  # a byte that was not text stood for a letter
    assert listing.startswith("There are no silos")
