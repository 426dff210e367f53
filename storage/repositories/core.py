"""Core SQL helpers for repositories: conflict-ignoring inserts and plain execution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def insert_ignoring_conflicts(
    dialect: Dialect, table: Table, conflict_columns: Sequence[str]
) -> Insert:
    """An INSERT that silently skips rows a unique constraint already holds.

    Unique constraints are how Convene says "once": an event acted on, a
    message queued, a schedule slot run. Losing the race is not an error.
    """

    statement: Any
    if dialect.name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(
            index_elements=list(conflict_columns)
        )
    elif dialect.name == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(
            index_elements=list(conflict_columns)
        )
    else:  # pragma: no cover - only the two supported databases
        raise ValueError(f"Convene supports SQLite and PostgreSQL, not {dialect.name}")
    result: Insert = statement
    return result


async def execute(
    session: AsyncSession,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[Any]:
    """Run a Core statement on the session's connection, inside its transaction."""

    connection = await session.connection()
    return await connection.execute(statement, params)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, typed for Core statements."""

    return cast(Table, model.__table__)  # type: ignore[attr-defined]
