"""Opening the database at start-up, and saying in one line what to fix when it will not open.

An operator whose PostgreSQL is down, whose password is wrong or whose SQLite
folder is read-only needs the thing to change, not the driver's traceback.
Each failure is turned into a ``DatabaseUnavailable`` (it cannot be reached or
opened) or a ``MigrationFailed`` (it opened, but its schema could not be
brought up to date), whose message is that one line; the original stays
chained for the log.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.busy import DatabaseBusy, retry_when_busy

WHERE = "[convene] database_url (or $CONVENE_DATABASE_URL)"
"""Where an operator changes the database Convene opens."""

_BAD_PASSWORD = "28P01"  # invalid_password
_REFUSED_ROLE = "28000"  # invalid_authorization_specification (pg_hba.conf, no such role)
_NO_DATABASE = "3D000"  # invalid_catalog_name
_TOO_MANY = "53300"  # too_many_connections
_STARTING = "57P03"  # cannot_connect_now (starting up, shutting down)


class DatabaseUnavailable(Exception):
    """The database could not be reached or opened; the message names what to fix."""


class MigrationFailed(Exception):
    """The database opened but its schema could not be brought up to date."""


async def check_can_open(engine: AsyncEngine) -> None:
    """Connect once, or raise ``DatabaseUnavailable`` saying why not in one line.

    A SQLite file's folder is looked at first: a connection that fails to
    open leaves aiosqlite's thread to stop on its own, which may be after
    the event loop has closed (a traceback on stderr at exit).
    """

    if engine.url.get_backend_name() == "sqlite":
        problem = sqlite_file_problem(engine.url)
        if problem is not None:
            raise DatabaseUnavailable(problem)

    async def connect() -> None:
        async with engine.connect():
            pass

    try:
        await retry_when_busy(connect, what="opening the database")
    except DatabaseBusy:
        raise
    except Exception as failed:
        raise DatabaseUnavailable(describe_open_failure(engine.url, failed)) from failed


def describe_open_failure(url: URL | str, error: BaseException) -> str:
    """One line: why the database at ``url`` would not open, and what to change."""

    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_problem(parsed, error)
    return _server_problem(parsed, error)


def describe_migration_failure(error: BaseException) -> str:
    """One line for a migration that failed (it ran in one transaction, so nothing changed)."""

    text = _first_line(error)
    if "Can't locate revision" in text or "No such revision" in text:
        return (
            f"the database's schema is newer than this Convene knows ({text}): a newer "
            "version upgraded it; run that version, or restore a backup taken before"
        )
    return (
        f"bringing the database schema up to date failed ({type(error).__name__}: {text}); "
        "the database was left as it was; the log at DEBUG level has the details"
    )


def _server_problem(url: URL, error: BaseException) -> str:
    host = url.host or "localhost"
    where = f"{host}:{url.port or 5432}"
    chain = _causes(error)
    for cause in chain:
        state = getattr(cause, "sqlstate", None)
        if state == _BAD_PASSWORD:
            return (
                f"the database at {where} refused the password of user {url.username!r}: "
                f"correct the password in {WHERE}"
            )
        if state == _REFUSED_ROLE:
            return (
                f"the database at {where} refused user {url.username!r} ({_first_line(cause)}): "
                f"correct the user in {WHERE}, or let it in (pg_hba.conf)"
            )
        if state == _NO_DATABASE:
            return (
                f"there is no database {url.database!r} at {where}: create it "
                f"(createdb {url.database}), or correct its name in {WHERE}"
            )
        if state == _TOO_MANY:
            return f"the database at {where} has no free connections; try again, or raise its limit"
        if state == _STARTING:
            return f"the database at {where} is starting or stopping; try again in a moment"
    for cause in chain:
        if isinstance(cause, socket.gaierror):
            return f"unknown database host {host!r}: correct the host in {WHERE}"
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"nothing answers at {where} (connection refused): start the database, or "
                f"correct the host and port in {WHERE}"
            )
        if isinstance(cause, TimeoutError):
            return (
                f"the database at {where} did not answer in time: check that it runs and "
                "that no firewall is in the way"
            )
        if isinstance(cause, OSError):
            reason = cause.strerror or _first_line(cause)
            return f"cannot reach the database at {where} ({reason}): check {WHERE}"
    return (
        f"cannot open the database {url.render_as_string(hide_password=True)} "
        f"({_first_line(error)}): check {WHERE}"
    )


def sqlite_file_problem(url: URL) -> str | None:
    """What stops SQLite from opening the file ``url`` names, seen from outside; None if nothing.

    SQLite needs to write in the file's folder as well as the file itself:
    it keeps the ``-wal`` and ``-shm`` files there.
    """

    name = url.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name).absolute()
    folder = path.parent
    if not folder.is_dir():
        return (
            f"the folder {folder} for the SQLite database does not exist: create it, or "
            f"correct the path in {WHERE}"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"permission denied on the folder {folder}: SQLite keeps {path.name} and its "
            "-wal and -shm files there, so the user running Convene must be able to write "
            f"to it; allow that, or put the database elsewhere ({WHERE})"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return (
            f"permission denied on the SQLite database {path}: let the user running Convene "
            "read and write it"
        )
    return None


def _sqlite_problem(url: URL, error: BaseException) -> str:
    found = sqlite_file_problem(url)
    if found is not None:
        return found
    path = Path(url.database or "").absolute()
    text = _first_line(error)
    if "file is not a database" in text:
        return f"{path} is not a SQLite database: point {WHERE} at another file"
    return f"cannot open the SQLite database {path} ({text}): check {WHERE}"


def _causes(error: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (``orig``) and what each was raised from."""

    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        todo.extend(
            [
                orig if isinstance(orig, BaseException) else None,
                current.__cause__,
                current.__context__,
            ]
        )
    return seen


def _first_line(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's wrapping or background link."""

    orig = getattr(error, "orig", None)
    source = orig if isinstance(orig, BaseException) else error
    lines = str(source).strip().splitlines()
    return lines[0] if lines else type(source).__name__
