"""Shared rate limits kept in the database: one row a limit, one statement a booking.

Each limit is a generic cell rate algorithm (a token bucket written as one
number): ``booked_until`` is the moment by which every send handed out so far
is paid for at the limit's rate. Booking ``count`` sends moves it to
``max(booked_until, now) + count * interval`` in one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, so instances on one
database never book the same capacity twice and an instance pays one round
trip for a handful of sends, not one per send.

Times are seconds since the epoch, as the caller's clock says (instances keep
their clocks in step, as they must for leases already).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import RateLimitMark
from storage.repositories.core import table_of

marks: Table = table_of(RateLimitMark)


def _greatest(connection: AsyncConnection, *values: Any) -> ColumnElement[float]:
    """PostgreSQL's GREATEST; SQLite's two-argument MAX does the same."""

    name = connection.dialect.name
    return func.greatest(*values) if name == "postgresql" else func.max(*values)


def _upsert(connection: AsyncConnection) -> postgresql.Insert | sqlite.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(marks)
    return sqlite.insert(marks)


async def book(
    connection: AsyncConnection, key: str, *, count: int, interval: float, now: float
) -> float:
    """Book ``count`` sends; returns where the booking starts (``max(booked_until, now)``)."""

    span = count * interval
    insert = _upsert(connection).values(key=key, booked_until=now + span)
    statement = insert.on_conflict_do_update(
        index_elements=[marks.c.key],
        set_={"booked_until": _greatest(connection, marks.c.booked_until, now) + span},
    ).returning(marks.c.booked_until)
    booked_until = (await connection.execute(statement)).scalar_one()
    return float(booked_until) - span


async def raise_to(connection: AsyncConnection, wanted: Mapping[str, float]) -> None:
    """Move each limit's mark to at least the moment given (a pause, a lane's own bookings).

    One statement for them all, its rows in key order so that two instances
    raising overlapping marks lock them in the same order.
    """

    if not wanted:
        return
    rows = [{"key": key, "booked_until": wanted[key]} for key in sorted(wanted)]
    statement = _upsert(connection).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[marks.c.key],
        set_={
            "booked_until": _greatest(
                connection, marks.c.booked_until, statement.excluded.booked_until
            )
        },
    )
    await connection.execute(statement)


async def read(
    connection: AsyncConnection, keys: Iterable[str], *, after: float
) -> dict[str, float]:
    """The marks of ``keys`` still ahead of ``after`` (the others hold nothing back)."""

    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await connection.execute(
        select(marks.c.key, marks.c.booked_until).where(
            marks.c.key.in_(bindparam("keys", expanding=True)), marks.c.booked_until > after
        ),
        {"keys": wanted},
    )
    return {row.key: float(row.booked_until) for row in rows}


async def sweep(connection: AsyncConnection, *, before: float) -> int:
    """Forget marks that ended before ``before``: a missing mark means the same."""

    result = await connection.execute(delete(marks).where(marks.c.booked_until < before))
    return int(result.rowcount or 0)
