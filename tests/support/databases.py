"""Test databases: migrated once per test process, handed out empty to each test.

Migrating from nothing costs a tenth of a second or more, as much as a whole
scenario, so it is done once: SQLite gets a migrated template file that each
test copies; PostgreSQL gets a database of its own for the test process
(named uniquely, so two suites pointed at one server never meet), migrated
once, whose tables are emptied before each test and which is dropped when the
process ends.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from storage import migrate
from storage.engine import create_engine
from storage.models import metadata

POSTGRES_ENV = "CONVENE_TEST_POSTGRES_URL"
T = TypeVar("T")
SKIP_REASON = (
    f"PostgreSQL tests need {POSTGRES_ENV} (for example "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test); .ci/run sets it"
)


def run_apart(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on an event loop of its own, in a thread of its own.

    Session-wide set-up and tear-down happen between tests, where pytest-asyncio
    owns the thread's event loop; a thread keeps the two apart.
    """

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(work())
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="test-database-setup")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result


def sqlite_url_of(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(folder: Path) -> Path:
    """A SQLite file at the head revision, to be copied for each test."""

    template = folder / "template.db"

    async def build() -> None:
        engine = create_engine(sqlite_url_of(template))
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    run_apart(build)
    return template


def fresh_sqlite(template: Path, folder: Path) -> str:
    """A copy of the migrated template for one test; its URL."""

    database = folder / "convene.db"
    shutil.copyfile(template, database)
    return sqlite_url_of(database)


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def unique_database_name(base: str | None) -> str:
    """``<base>_<random>_<worker>``: unique to this run and this xdist worker."""

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{base or 'convene_test'}_{secrets.token_hex(4)}_{worker}"


class PostgresDatabase:
    """A database of this test process's own on the server named by the environment."""

    def __init__(self, server_url: str) -> None:
        server = make_url(server_url)
        self.name = unique_database_name(server.database)
        self._server_url = server.render_as_string(hide_password=False)
        self.url = server.set(database=self.name).render_as_string(hide_password=False)

    def create(self) -> None:
        """Create the database and migrate it to the head revision."""

        run_apart(self._create)

    def drop(self) -> None:
        run_apart(self._drop)

    async def _create(self) -> None:
        await self._on_server(f'CREATE DATABASE "{self.name}"')
        await rebuild_schema(self.url)

    async def _drop(self) -> None:
        # FORCE: a test that leaked a connection must not leave the database behind.
        await self._on_server(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    async def _on_server(self, statement: str) -> None:
        engine = create_engine(self._server_url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql(statement)
        finally:
            await engine.dispose()


async def rebuild_schema(url: str) -> None:
    """Drop everything and migrate to the head revision."""

    await empty_schema(url)
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def empty_schema(url: str) -> None:
    """No tables at all: where a test migrates by itself."""

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


async def empty_tables(url: str) -> None:
    """Every row deleted and every id counter restarted, in one round trip; the schema
    rebuilt instead if a test left it other than at the head revision.

    (``TRUNCATE`` of two dozen tables takes PostgreSQL several times longer than
    deleting their few rows.)
    """

    connection = await asyncpg.connect(_libpq_dsn(url))
    try:
        try:
            version = await connection.fetchval("SELECT version_num FROM alembic_version")
        except asyncpg.UndefinedTableError:
            version = None
        if version == migrate.head_revision():
            await connection.execute(_EMPTY_TABLES)
            return
    finally:
        await connection.close()
    await rebuild_schema(url)


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_EMPTY_TABLES = "".join(
    [
        "BEGIN;",
        *(f'DELETE FROM "{table.name}";' for table in reversed(metadata.sorted_tables)),
        """
        DO $$
        DECLARE found record;
        BEGIN
            FOR found IN
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'S' AND n.nspname = 'public'
            LOOP
                EXECUTE format('ALTER SEQUENCE %I RESTART', found.relname);
            END LOOP;
        END $$;
        """,
        "COMMIT;",
    ]
)
