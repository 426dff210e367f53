"""The one rule for a busy database: the whole transaction again, a little later, a few times."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.busy import BUSY_ATTEMPTS, DatabaseBusy, is_busy, retry_when_busy


def locked() -> OperationalError:
    """What SQLAlchemy raises when another writer held SQLite's lock past busy_timeout."""

    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


class Work:
    """A unit of work that meets ``failures`` errors before it succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.tries = 0

    async def __call__(self) -> str:
        self.tries += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


class Pauses:
    """A sleep that records how long it was asked to wait, and does not."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


async def test_database_is_locked_is_tried_again_after_a_growing_pause() -> None:
    work, pauses = Work(locked(), locked()), Pauses()

    assert await retry_when_busy(work, what="claiming a slot", sleep=pauses) == "done"

    assert work.tries == 3
    assert len(pauses.asked) == 2
    assert 0 < pauses.asked[0] < pauses.asked[1] * 2  # jittered, roughly doubling
    assert all(pause <= 2.0 for pause in pauses.asked)


async def test_it_gives_up_after_n_attempts_with_an_error_that_says_what_and_how_often() -> None:
    work, pauses = Work(*[locked() for _ in range(10)]), Pauses()

    with pytest.raises(DatabaseBusy) as gave_up:
        await retry_when_busy(work, what="claiming a slot", attempts=4, sleep=pauses)

    assert work.tries == 4
    assert len(pauses.asked) == 3
    assert str(gave_up.value) == (
        "the database stayed locked by another writer through 4 attempts while claiming "
        "a slot; nothing of it was saved"
    )
    assert isinstance(gave_up.value.__cause__, OperationalError)


async def test_by_default_it_tries_five_times_and_pauses_at_most_two_seconds() -> None:
    work, pauses = Work(*[locked() for _ in range(10)]), Pauses()

    with pytest.raises(DatabaseBusy):
        await retry_when_busy(work, what="settling", sleep=pauses)

    assert BUSY_ATTEMPTS == 5
    assert work.tries == BUSY_ATTEMPTS
    assert sum(pauses.asked) <= 0.05 + 0.1 + 0.2 + 0.4


async def test_any_other_error_is_raised_at_once_untouched() -> None:
    duplicate = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    work, pauses = Work(duplicate), Pauses()

    with pytest.raises(IntegrityError) as raised:
        await retry_when_busy(work, what="claiming a slot", sleep=pauses)

    assert raised.value is duplicate
    assert work.tries == 1
    assert pauses.asked == []


class _PostgresError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (locked(), True),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("database table is locked: outbox"), True),
        (OperationalError("x", {}, _PostgresError("40P01")), True),  # deadlock detected
        (OperationalError("x", {}, _PostgresError("40001")), True),  # serialization failure
        (OperationalError("x", {}, sqlite3.OperationalError("no such table: outbox")), False),
        (OperationalError("x", {}, _PostgresError("23505")), False),  # unique violation
        (ValueError("the lock was picked"), False),
    ],
)
def test_what_counts_as_busy(error: Exception, busy: bool) -> None:
    assert is_busy(error) is busy
