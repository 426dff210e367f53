"""A busy database: the whole transaction is tried again, a little later, a few times.

SQLite answers "database is locked" when another connection (another Convene
process on the same file, a backup, a person with ``sqlite3`` open) held the
write lock for longer than ``busy_timeout``; PostgreSQL aborts one side of a
deadlock or a serialization conflict. In each case nothing was committed, so
the unit of work can simply run again from its start rather than be lost, or
take its process down with it.

Every transaction outside the dispatcher goes through ``retry_when_busy`` (the
scheduler's claims, the deliverer's claims and marks, the migrations at start):
one rule for what counts as busy and one bounded, jittered backoff, so that
writers that collided do not collide again in step.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger("convene.storage")

T = TypeVar("T")

BUSY_ATTEMPTS = 5
"""Tries in all, each of which SQLite lets wait up to ``busy_timeout`` for the lock."""

FIRST_PAUSE_SECONDS = 0.05
LONGEST_PAUSE_SECONDS = 2.0

_SQLITE_BUSY_WORDS = ("database is locked", "database table is locked", "database schema is locked")
_SQLITE_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary codes: the low byte)
_POSTGRES_BUSY_STATES = (
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
)


class DatabaseBusy(Exception):
    """The database stayed busy through every attempt; nothing of the work was committed."""

    def __init__(self, what: str, attempts: int) -> None:
        super().__init__(
            f"the database stayed locked by another writer through {attempts} attempts "
            f"while {what}; nothing of it was saved"
        )
        self.what = what
        self.attempts = attempts


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` says only that another writer was in the way.

    SQLAlchemy wraps the driver's exception (``orig``); a test or a driver may
    also raise the driver's own, so both are looked at.
    """

    for candidate in (error, getattr(error, "orig", None)):
        if candidate is None:
            continue
        code = getattr(candidate, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY_CODES:
            return True
        if getattr(candidate, "sqlstate", None) in _POSTGRES_BUSY_STATES:
            return True
        text = str(candidate)
        if any(words in text for words in _SQLITE_BUSY_WORDS):
            return True
    return False


async def retry_when_busy(
    work: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = BUSY_ATTEMPTS,
    first_pause: float = FIRST_PAUSE_SECONDS,
    longest_pause: float = LONGEST_PAUSE_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``work`` (one whole transaction: begin, work, commit), again while the database is busy.

    ``work`` must be safe to run again from the start, as a transaction that
    was rolled back is. Between attempts it pauses ``first_pause`` seconds,
    doubling up to ``longest_pause``, each pause shortened by a random part
    of itself. After ``attempts`` busy tries it raises ``DatabaseBusy``, which
    names ``what``; any other error is raised at once, untouched.

    The pauses are real time, not the injectable clock's: they wait for
    another process to let go of a lock, which a manual clock cannot hurry.
    """

    if attempts < 1:
        raise ValueError("retry_when_busy needs at least one attempt")
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as error:
            if not is_busy(error):
                raise
            if attempt == attempts:
                raise DatabaseBusy(what, attempts) from error
            pause = min(longest_pause, first_pause * 2 ** (attempt - 1))
            pause *= random.uniform(0.5, 1.0)
            log.info(
                "the database was busy while %s; trying again in %.2f s (attempt %d of %d)",
                what,
                pause,
                attempt + 1,
                attempts,
            )
            await sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
