"""Where the log goes: the shell's to a file beside its database, a server's to standard error.

Each test sets Convene's logging up as ``convene`` does (``send_logs``), logs
as Convene's modules do, and puts everything back (``LogSetup.undo``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.config import ConveneSection, Settings
from bot.local_files import beside_database
from bot.log_destinations import LogSetup, file_in_use, send_logs

TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")


def settings(tmp_path: Path, *, log_file: str = "", log_level: str = "INFO") -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'convene.db'}"
    return Settings(
        convene=ConveneSection(database_url=url, log_file=log_file, log_level=log_level)
    )


@contextmanager
def logging_set_up(chosen: Settings, *, shell: bool) -> Iterator[LogSetup]:
    setup = send_logs(chosen, shell=shell)
    try:
        yield setup
    finally:
        setup.undo()


def test_the_shells_log_lines_go_to_a_file_beside_the_database_not_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with logging_set_up(settings(tmp_path), shell=True) as setup:
        logging.getLogger("convene.checkins").info("check-in 1 opened run 1: %d members", 3)

    assert setup.file == tmp_path / "convene.log"
    printed = capsys.readouterr()
    assert (printed.out, printed.err) == ("", "")
    lines = setup.file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert TIMESTAMPED.match(lines[0])
    assert lines[0].endswith("INFO convene.checkins: check-in 1 opened run 1: 3 members")


def test_a_warning_in_the_shell_is_one_short_line_on_stderr_pointing_at_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with logging_set_up(settings(tmp_path), shell=True) as setup:
        log = logging.getLogger("convene.deliverer")
        try:
            raise ConnectionError("no route to the platform")
        except ConnectionError:
            log.exception("the deliverer hit an error; trying again shortly")

    assert capsys.readouterr().err == (
        "convene: error: the deliverer hit an error; trying again shortly "
        f"(details in {tmp_path / 'convene.log'})\n"
    )
    assert setup.file is not None
    kept = setup.file.read_text(encoding="utf-8")
    assert "ERROR convene.deliverer: the deliverer hit an error" in kept
    assert "ConnectionError: no route to the platform" in kept  # the traceback is in the file


def test_a_shell_that_logs_nothing_leaves_no_file(tmp_path: Path) -> None:
    with logging_set_up(settings(tmp_path), shell=True) as setup:
        logging.getLogger("convene.checkins").debug("below the level")
    assert setup.file is not None and not setup.file.exists()


def test_a_server_logs_every_line_to_stderr_with_the_time_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with logging_set_up(settings(tmp_path), shell=False) as setup:
        logging.getLogger("convene.pairings").info("round 2 of programme 1: 4 people in 2 groups")

    assert setup.file is None
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and TIMESTAMPED.match(err[0])
    assert err[0].endswith("INFO convene.pairings: round 2 of programme 1: 4 people in 2 groups")
    assert not (tmp_path / "convene.log").exists()


def test_a_configured_log_file_takes_a_servers_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = settings(tmp_path, log_file=str(tmp_path / "logs" / "convene-slack.log"))
    (tmp_path / "logs").mkdir()
    with logging_set_up(chosen, shell=False):
        logging.getLogger("convene.pairings").info("round 2 of programme 1")
        logging.getLogger("convene.deliverer").warning("Slack asked us to slow down")

    assert capsys.readouterr().err == (
        "convene: warning: Slack asked us to slow down "
        f"(details in {tmp_path / 'logs' / 'convene-slack.log'})\n"
    )
    kept = (tmp_path / "logs" / "convene-slack.log").read_text(encoding="utf-8")
    assert "INFO convene.pairings: round 2 of programme 1" in kept


def test_a_log_file_that_cannot_be_written_is_said_once_and_warnings_still_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = settings(tmp_path, log_file=str(tmp_path / "no such folder" / "convene.log"))
    with logging_set_up(chosen, shell=True):
        logging.getLogger("convene.checkins").info("check-in 1 opened run 1")
        logging.getLogger("convene.checkins").info("check-in 1 opened run 2")
        logging.getLogger("convene.scheduler").warning("schedule 3 cannot run")

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert err[0].startswith(f"convene: cannot write the log file {tmp_path / 'no such folder'}")
    assert err[0].endswith("; warnings still show here")
    assert err[1].startswith("convene: warning: schedule 3 cannot run (details in ")
    assert "Traceback" not in "\n".join(err)


def test_a_message_that_says_where_to_look_can_name_the_file(tmp_path: Path) -> None:
    with logging_set_up(settings(tmp_path), shell=True):
        assert file_in_use() == tmp_path / "convene.log"
    with logging_set_up(settings(tmp_path), shell=False):
        assert file_in_use() is None
    assert file_in_use() is None


def test_undo_leaves_logging_as_it_found_it(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with logging_set_up(settings(tmp_path, log_level="DEBUG"), shell=True):
        assert root.level == logging.DEBUG
    assert root.handlers == handlers
    assert root.level == level


@pytest.mark.parametrize(
    ("url", "beside"),
    [
        ("sqlite+aiosqlite:///convene.db", Path("convene.log")),
        ("sqlite:///team/convene.db", Path("team/convene.log")),
        ("sqlite+aiosqlite:////srv/convene/convene.db", Path("/srv/convene/convene.log")),
        ("sqlite+aiosqlite://", Path("convene.log")),
        ("sqlite+aiosqlite:///:memory:", Path("convene.log")),
        ("postgresql+asyncpg://convene@db.example.org/convene", Path("convene.log")),
    ],
)
def test_the_log_sits_beside_a_sqlite_database_else_in_the_current_folder(
    url: str, beside: Path
) -> None:
    assert beside_database(url, "convene.log") == beside
