"""Run Alembic from code, so ``convene run`` and ``convene db upgrade`` need no ini file.

The migration scripts ship inside the package (``storage/migrations``), so a
plain ``pip install`` can upgrade a database without the source tree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.busy import DatabaseBusy, retry_when_busy
from storage.opening import MigrationFailed, check_can_open, describe_migration_failure

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

UPGRADE_LOCK = 0x436F6E76656E65
"""The PostgreSQL advisory lock that upgrades take ("Convene" in hex): instances
started together on one database migrate one after the other, not side by side
(measured: of three at once on an empty database, two failed creating a table
the first was creating)."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once (it parses every file)."""

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str | None:
    return _scripts().get_current_head()


@cache
def known_revisions() -> frozenset[str]:
    """Every revision this code has a migration for."""

    return frozenset(revision.revision for revision in _scripts().walk_revisions())


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (by default the newest).

    Each failure says in one line what to fix: ``DatabaseUnavailable`` when
    the database cannot be reached or opened, ``MigrationFailed`` when a
    migration fails (they run in one transaction: nothing is left half done),
    ``DatabaseBusy`` when another process held the lock through every
    attempt. Several processes starting on one SQLite file at once wait for
    each other's migrations rather than fail.
    """

    await check_can_open(engine)

    async def upgrade_in_one_transaction() -> None:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK}
                )
            await connection.run_sync(_upgrade, revision)

    try:
        await retry_when_busy(
            upgrade_in_one_transaction, what="bringing the database schema up to date"
        )
    except DatabaseBusy:
        raise
    except Exception as failed:
        raise MigrationFailed(describe_migration_failure(failed)) from failed


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
