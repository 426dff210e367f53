"""Fixtures every folder shares: databases (SQLite always, PostgreSQL when the
environment names a server), engines and sessions, Convene on the memory adapter,
and the ``convene`` command run in this process.

A test that needs Convene running takes ``convene`` (a ``Harness`` started on
``database_url`` at ``start``); a module whose scenarios begin on another day
overrides ``start``. Tests that restart Convene, or start it with other
settings, use ``tests.support.harness.running`` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from storage.engine import create_engine, session_factory
from tests.support.cli import ConveneCommand
from tests.support.databases import (
    SKIP_REASON,
    PostgresDatabase,
    empty_schema,
    empty_tables,
    fresh_sqlite,
    migrated_sqlite_template,
    postgres_server_url,
)
from tests.support.harness import DEFAULT_START, Harness, running

# -- databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the whole test process."""

    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """This process's own PostgreSQL database, migrated, dropped when the session ends."""

    server = postgres_server_url()
    if server is None:
        pytest.skip(SKIP_REASON)
    database = PostgresDatabase(server)
    database.create()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database of this test's own, at the head revision, with no rows."""

    return fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind Convene supports, at the head revision, with no rows."""

    if request.param == "sqlite":
        return fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    postgres: PostgresDatabase = request.getfixturevalue("postgres_database")
    await empty_tables(postgres.url)
    return postgres.url


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind with no tables at all, for tests of the migrations."""

    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    postgres: PostgresDatabase = request.getfixturevalue("postgres_database")
    await empty_schema(postgres.url)
    return postgres.url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on each kind of database (migrated, empty)."""

    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


# -- Convene on the memory adapter ---------------------------------------------------------------


@pytest.fixture
def start() -> datetime:
    """When the scenario begins: override in a module whose scenarios begin elsewhen."""

    return DEFAULT_START


@pytest.fixture
def clock(start: datetime) -> ManualClock:
    """A clock that moves only when a test moves it, at ``start``."""

    return ManualClock(start)


@pytest.fixture
async def convene(database_url: str, start: datetime) -> AsyncIterator[Harness]:
    """Convene on the memory adapter with "you" as convener, on each kind of database."""

    async with running(database_url, start=start) as harness:
        yield harness


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def convene_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> ConveneCommand:
    """``convene ARGS`` run in this process (``tests.support.cli.convene_process`` for a
    subprocess)."""

    return ConveneCommand(monkeypatch, capsys)
