"""Files in the shell: a message's files are written beside the database, never over an
earlier one, and printed under its text with a path a transcript can replay."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.shell import FILES_DIR_NAME, ShellAdapter
from bot.local_files import beside_database
from bot.messages import FileAttachment, OutgoingMessage, Target

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50
CSV = b"silo,met,introduced\nRadiotherapy,3,5\n"


def map_and_table() -> tuple[FileAttachment, FileAttachment]:
    return (
        FileAttachment("landscape.png", "image/png", PNG),
        FileAttachment("bridges.csv", "text/csv", CSV),
    )


async def send(shell: ShellAdapter, text: str, files: tuple[FileAttachment, ...]) -> None:
    message = OutgoingMessage(Target.dm("you"), text, files=files)
    await shell.deliver("shell", message, idempotency_key=text)


def real(path: Path) -> Path:
    """``path`` with its links resolved, as the shell prints a folder outside the current one."""

    return path.resolve()


def printed(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


async def test_a_map_and_a_table_are_written_and_printed_under_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    shell = ShellAdapter(out, files_dir=Path(FILES_DIR_NAME))

    await send(shell, "Here is the landscape.", map_and_table())

    assert printed(out) == [
        "bot → you (DM): Here is the landscape.",
        "bot →   file: convene-files/landscape.png (12.5 KB)",
        "bot →   file: convene-files/bridges.csv (37 bytes)",
    ]
    assert (tmp_path / "convene-files" / "landscape.png").read_bytes() == PNG
    assert (tmp_path / "convene-files" / "bridges.csv").read_bytes() == CSV


async def test_a_second_map_never_overwrites_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    shell = ShellAdapter(out, files_dir=Path(FILES_DIR_NAME))
    png, _ = map_and_table()

    await send(shell, "January's map", (png,))
    await send(shell, "February's map", (FileAttachment("landscape.png", "image/png", b"new"),))

    assert printed(out)[-1] == "bot →   file: convene-files/landscape-2.png (3 bytes)"
    assert (tmp_path / "convene-files" / "landscape.png").read_bytes() == PNG
    assert (tmp_path / "convene-files" / "landscape-2.png").read_bytes() == b"new"


async def test_the_same_script_prints_the_same_paths_in_any_fresh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        out = io.StringIO()
        # As `convene run --script` makes it: beside the default database, convene.db.
        files_dir = beside_database("sqlite+aiosqlite:///convene.db", FILES_DIR_NAME)
        shell = ShellAdapter(out, files_dir=files_dir)
        await send(shell, "The map", map_and_table())
        runs.append(printed(out))

    assert runs[0] == runs[1]
    assert "bot →   file: convene-files/landscape.png (12.5 KB)" in runs[0]


async def test_a_folder_outside_the_current_one_is_printed_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    out = io.StringIO()
    shell = ShellAdapter(out, files_dir=tmp_path / "team" / FILES_DIR_NAME)

    await send(shell, "The table", map_and_table()[1:])

    expected = real(tmp_path) / "team" / "convene-files" / "bridges.csv"
    assert printed(out)[-1] == f"bot →   file: {expected} (37 bytes)"


async def test_a_file_that_cannot_be_written_is_said_and_the_text_still_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder")
    out = io.StringIO()
    shell = ShellAdapter(out, files_dir=Path("taken"))

    await send(shell, "The table", map_and_table()[1:])

    text, said = printed(out)
    assert text == "bot → you (DM): The table"
    assert said.startswith("bot →   file: bridges.csv could not be saved in taken (")


async def test_a_text_message_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    shell = ShellAdapter(out, files_dir=Path(FILES_DIR_NAME))

    await send(shell, "Just words", ())

    assert printed(out) == ["bot → you (DM): Just words"]
    assert not (tmp_path / FILES_DIR_NAME).exists()
