"""SQLite through aiosqlite with one trip to its thread per statement, not four.

aiosqlite runs each connection's calls on a thread of its own; every call is
a hop there and back (a queue put, a wake-up of the event loop through its
self-pipe, a future resolved). SQLAlchemy's adapter makes four hops for a
statement that returns rows (open a cursor, execute, fetch, close) and three
for one that does not, and a rollback when a connection goes back to the
pool even after a commit left nothing to roll back. A check-in answer, seven
statements, made 29 hops, and the hops cost the event loop more than the
SQL did (``bench.answers --profile``).

Here a statement is one hop: the cursor is opened, executed, read to the
end and closed in one call on the connection's thread, and the rows come back
with the description, row count and last row id. A rollback with no
transaction open is not sent. Everything else (connecting, the pool, the
dialect, errors) is aiosqlite's and SQLAlchemy's own; this is only the
cursor. Use it with ``create_async_engine(url, module=lean_dbapi())`` for a
``sqlite+aiosqlite`` URL.

Server-side cursors (``stream``) keep SQLAlchemy's own cursor, which fetches
as it goes.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]
"""What one statement gave: its description, its rows, its row count and last row id."""


def _run(raw: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """One statement start to finish, on the connection's own thread."""

    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class LeanCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds a finished statement's outcome; nothing stays open on the thread."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened here (that was a hop of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._outcome: _Outcome = (None, [], -1, None)

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[2]

    @property
    def lastrowid(self) -> Any:
        return self._outcome[3]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        """Rows are all read at once; the size of a fetch has nothing to set."""

    async def _async_soft_close(self) -> None:
        """Nothing is left open to close."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._go(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._go(operation, seq_of_parameters, many=True)

    def _go(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = cast(aiosqlite.Connection, self._connection)
        on_its_thread = cast(Callable[..., Awaitable[_Outcome]], connection._execute)
        try:
            outcome = await_(on_its_thread(_run, connection._conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._outcome = outcome
        self._rows = collections.deque(outcome[1])


class LeanConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = LeanCursor  # type: ignore[assignment]  # a subclass, as the base's own is

    def rollback(self) -> None:
        # The pool rolls back every connection it is given back, even one whose
        # transaction was just committed: with nothing open there is nothing to send.
        raw: sqlite3.Connection | None = self._connection._connection
        if raw is not None and not raw.in_transaction:
            return
        super().rollback()


class LeanDbapi(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy's adapter presents it, with ``LeanConnection`` connections."""

    def connect(self, *arg: Any, **kw: Any) -> LeanConnection:
        creator = kw.pop("async_creator_fn", None)
        connection = creator(*arg, **kw) if creator else self.aiosqlite.connect(*arg, **kw)
        if not creator:
            connection._thread.daemon = True
        return LeanConnection(self, await_(connection))


def lean_dbapi() -> LeanDbapi:
    """The module to hand ``create_async_engine(..., module=...)`` for SQLite."""

    return LeanDbapi(aiosqlite, sqlite3)
