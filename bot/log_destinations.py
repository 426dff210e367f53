"""Where Convene's log lines go: a file for the shell, standard error for a server.

In the shell the terminal *is* the chat. A log line printed between the bot's
answers, stamped with the real time while the chat's clock says another day,
reads as part of the conversation and is wrong about when. So the shell
writes its log to a file (``convene.log`` beside the SQLite database, else in
the current folder) and puts on standard error only what needs the
operator's eye, WARNING and up, as one short line pointing at the file::

    convene: warning: the deliverer hit an error; trying again shortly (details in convene.log)

A server (Slack, Discord) logs every line to standard error, with the time,
where its supervisor (systemd, Docker) collects it, as before. ``[convene]
log_file`` (``$CONVENE_LOG_FILE``) sends either one's log to a file of its
choosing instead; standard error then shows the short lines.

The handlers are the root logger's, added beside any already there (a test's
capture) rather than replacing them, and ``LogSetup.undo`` takes them away
again: ``convene`` runs many times in one test process.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.library_logs import FLOORS, hold_library_logs
from bot.local_files import beside_database

LOG_FILE_NAME = "convene.log"
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_LIBRARIES = frozenset({"alembic", "aiohttp", "discord", "slack_bolt", "slack_sdk"})


class QuietLibraries(logging.Filter):
    """Libraries' INFO lines (a token being used, a retry about to happen) are noise beside
    Convene's own: they reach the log from WARNING up, unless the level is DEBUG.

    A filter on Convene's own handlers, on top of the floors ``hold_library_logs``
    keeps (what no level may show): at DEBUG the libraries' INFO lines show.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] not in _LIBRARIES


class ShortWarnings(logging.Formatter):
    """``convene: warning: WHAT (details in FILE)``: the message's first line, no time,
    no traceback (those are in the file)."""

    def __init__(self, details: Path) -> None:
        super().__init__()
        self.details = details

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines() or [record.name]
        return f"convene: {record.levelname.lower()}: {lines[0]} (details in {self.details})"


class CurrentStandardError(logging.StreamHandler[TextIO]):
    """Standard error as it is when a line is written, not when Convene started.

    The shell's terminal prompt puts a stream of its own there while it waits
    for a line (so that a warning is printed above the prompt, not through it).
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # emit runs holding the handler's lock
        super().emit(record)


class LogFile(logging.FileHandler):
    """The log file, opened at its first line (a shell that logs nothing leaves no file).

    A file that cannot be opened (a folder Convene may not write to) is said
    once on standard error and then left alone: what the warnings say still
    shows there, and the chat goes on.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.path = path
        self.unwritable = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.unwritable:
            return
        if self.stream is None:
            try:
                self.stream = self._open()
            except OSError as refused:
                self.unwritable = True
                print(
                    f"convene: cannot write the log file {self.path} "
                    f"({refused.strerror or refused}); warnings still show here",
                    file=sys.stderr,
                )
                return
        super().emit(record)


@dataclass
class LogSetup:
    """What ``send_logs`` changed, so that ``undo`` can put it back."""

    handlers: list[logging.Handler]
    levels: dict[str, int]
    file: Path | None
    """The log file, or None when every line goes to standard error."""

    def undo(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)


def log_file(settings: Settings, *, shell: bool) -> Path | None:
    """The file the log goes to: the one configured, else the shell's beside its database;
    None for a server without one (standard error)."""

    if settings.convene.log_file:
        return Path(settings.convene.log_file).expanduser()
    if shell:
        return beside_database(settings.convene.database_url, LOG_FILE_NAME)
    return None


def send_logs(settings: Settings, *, shell: bool) -> LogSetup:
    """Point the log where ``settings`` (and whether this is the shell) say; see the module."""

    level = settings.convene.log_level.upper()
    levels = {name: logging.getLogger(name).level for name in ("", *FLOORS)}
    file = log_file(settings, shell=shell)
    handlers: list[logging.Handler] = []
    if file is None:
        every_line: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        every_line = LogFile(file)
        warnings = CurrentStandardError()
        warnings.setLevel(logging.WARNING)
        warnings.setFormatter(ShortWarnings(file))
        handlers.append(warnings)
    every_line.setFormatter(logging.Formatter(LINE_FORMAT))
    if level != "DEBUG":
        every_line.addFilter(QuietLibraries())
    handlers.insert(0, every_line)
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    hold_library_logs(level)
    return LogSetup(handlers, levels, file)


def file_in_use() -> Path | None:
    """The log file Convene is writing to now, if its log goes to one (to name it in a
    message that says where to look)."""

    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogFile):
            return handler.path
    return None
