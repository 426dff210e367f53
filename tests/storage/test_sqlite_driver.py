"""``storage.sqlite_driver``: SQLite with one trip to the connection's thread a statement.

The same statements give the same answers as through aiosqlite's own cursor
(rows, row counts, inserted ids, many rows at once, a refused insert rolled
back), and each statement is one call on the connection's thread, where the
stock cursor made three or four.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.sqlite_driver import lean_dbapi


@pytest.fixture(params=["stock", "lean"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"
    made = (
        create_engine(url, module=lean_dbapi()) if request.param == "lean" else create_engine(url)
    )
    async with made.begin() as connection:
        await connection.execute(
            text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
        )
    yield made
    await made.dispose()


@contextmanager
def trips_to_the_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    calls: list[Any] = []
    stock = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await stock(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield calls


async def test_the_same_statements_give_the_same_answers(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('one')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "two"}, {"body": "three"}]
        )
        assert many.rowcount == 2
        returned = await connection.execute(
            text("INSERT INTO notes (body) VALUES ('four') RETURNING id, body")
        )
        assert returned.all() == [(4, "four")]
        changed = await connection.execute(text("UPDATE notes SET body = body || '!' WHERE id > 2"))
        assert changed.rowcount == 2
        rows = await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))
        assert list(rows.keys()) == ["id", "body"]
        assert rows.all() == [(1, "one"), (2, "two"), (3, "three!"), (4, "four!")]
        assert (await connection.execute(text("SELECT body FROM notes WHERE id = 9"))).all() == []


async def test_a_refused_insert_is_an_integrity_error_and_rolls_back_its_transaction(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM notes"))
    assert count == 0


async def test_a_statement_is_one_trip_to_the_connections_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three statements in a transaction: BEGIN IMMEDIATE, an insert, a select, and the
    commit, one trip each; handing the connection back to the pool after a commit sends no
    rollback."""

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hops.db'}", module=lean_dbapi())
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    try:
        with trips_to_the_thread(monkeypatch) as trips:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes (body) VALUES ('one')"))
                await connection.execute(text("SELECT body FROM notes"))
        assert len(trips) == 4, trips
    finally:
        await engine.dispose()
