"""Shared fixtures: databases (SQLite always, PostgreSQL when CI provides it)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.engine import create_engine

POSTGRES_ENV = "CONVENE_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, give each worker a PostgreSQL database of its own.

    Tests reset the public schema of the database they use, so two workers on
    one database would wipe each other's tables: worker ``gw1`` uses
    ``test_gw1``, made here (before any event loop runs) if it is missing.
    """

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get(POSTGRES_ENV)
    if not worker or not url:
        return
    shared = make_url(url)
    own = shared.set(database=f"{shared.database}_{worker}")
    asyncio.run(_create_database(shared.render_as_string(hide_password=False), own.database))
    os.environ[POSTGRES_ENV] = own.render_as_string(hide_password=False)


async def _create_database(url: str, name: str | None) -> None:
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            found = await connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = $1", (name,)
            )
            if found.first() is None:
                await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await engine.dispose()


async def reset_postgres(url: str) -> None:
    """Start a PostgreSQL test from an empty public schema."""

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (for example "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test); .ci/run sets it"
        )
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'convene.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind Convene supports."""

    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'convene.db'}"
    url = postgres_url_or_skip()
    await reset_postgres(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated engine on each kind of database."""

    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()
