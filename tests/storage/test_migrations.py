"""Alembic owns the schema: the migrations build exactly what the models declare.

``compare_metadata`` is autogenerate's own diff, so "no differences" here means
a developer running ``alembic revision --autogenerate`` against a freshly
upgraded database would get an empty migration. It compares column types
too: sqlmodel's ``AutoString`` is a ``String`` underneath and ``UTCDateTime``
a ``DateTime(timezone=True)``, and Alembic compares those implementations, so
no special type comparison is needed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from storage import migrate
from storage.engine import create_engine, session_factory
from storage.models import metadata
from storage.repositories import workspaces as workspaces_repo


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[Any] = compare_metadata(context, metadata)
    return differences


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrading_an_empty_database_gives_exactly_the_models_schema(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == set()

        await migrate.upgrade(engine)

        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
            assert await connection.run_sync(table_names) == {
                *metadata.tables,
                "alembic_version",
            }
    finally:
        await engine.dispose()


async def test_after_upgrade_the_database_is_at_the_head_revision(engine: AsyncEngine) -> None:
    head = migrate.head_revision()
    assert head is not None
    assert await migrate.current_revision(engine) == head


async def test_a_second_upgrade_changes_nothing_and_keeps_the_data(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await workspaces_repo.get_or_create(
            session, "slack", "T1", "Oncology network", datetime(2027, 1, 4, tzinfo=UTC)
        )

    await migrate.upgrade(engine)

    assert await migrate.current_revision(engine) == migrate.head_revision()
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []
    async with sessions() as session:
        workspace = await workspaces_repo.get_or_create(
            session, "slack", "T1", "ignored", datetime(2027, 1, 5, tzinfo=UTC)
        )
    assert workspace.name == "Oncology network"


def test_convene_db_upgrade_migrates_the_configured_sqlite_file_and_prints_the_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONVENE_DATABASE_URL", raising=False)
    database = tmp_path / "data" / "convene.db"
    database.parent.mkdir()
    config = tmp_path / "convene.toml"
    config.write_text(f'[convene]\ndatabase_url = "sqlite:///{database}"\n', encoding="utf-8")

    assert main(["--config", str(config), "db", "upgrade"]) == 0

    printed = capsys.readouterr().out
    assert f"revision {migrate.head_revision()} (head)" in printed
    assert str(database) in printed
    assert database.is_file()

    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert f"revision {migrate.head_revision()} (head)" in capsys.readouterr().out


async def test_three_instances_starting_together_on_an_empty_database_all_upgrade_it(
    empty_database_url: str,
) -> None:
    """A rolling start of several instances: each migrates or finds it done, none fails."""

    engines = [create_engine(empty_database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate.upgrade(engine) for engine in engines))
        async with engines[0].connect() as connection:
            assert await connection.run_sync(schema_differences) == []
        assert await migrate.current_revision(engines[0]) == migrate.head_revision()
    finally:
        for engine in engines:
            await engine.dispose()
