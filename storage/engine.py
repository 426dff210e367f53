"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite gets the settings measured to be safe and fast for a bot: WAL with
``synchronous=NORMAL`` (no acknowledged commit lost to SIGKILL, about four
times the commit rate of FULL), a 5 s ``busy_timeout`` so concurrent writers
wait instead of failing (the URL's own ``?timeout=SECONDS``, the sqlite3
driver's parameter, sets another), and foreign keys on. Every SQLite transaction begins
``IMMEDIATE`` so a reader that later writes never hits the lock-upgrade
deadlock that deferred transactions can.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> str:
    """Pick the async driver for a URL given without one.

    ``sqlite:///x.db`` becomes ``sqlite+aiosqlite:///x.db`` and
    ``postgresql://…`` becomes ``postgresql+asyncpg://…``, so a config file can
    say the plain form.
    """

    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine with Convene's connection settings."""

    url = normalise_url(url)
    if is_sqlite(url):
        # One trip to aiosqlite's thread per statement rather than four (sqlite_driver).
        from storage.sqlite_driver import lean_dbapi

        kwargs.setdefault("module", lean_dbapi())
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine, sqlite_busy_timeout_ms(url))
    return engine


def sqlite_busy_timeout_ms(url: str) -> int:
    """How long a SQLite connection waits for another writer's lock: ``?timeout=`` or 5 s.

    Raises ``ValueError`` for a timeout that is not a number of seconds.
    """

    given = make_url(url).query.get("timeout")
    if given is None:
        return SQLITE_BUSY_TIMEOUT_MS
    seconds = float(given if isinstance(given, str) else given[-1])
    if not seconds >= 0:
        raise ValueError(f"timeout={given} is not a number of seconds")
    return round(seconds * 1000)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""

    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
