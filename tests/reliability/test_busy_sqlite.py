"""Another writer holds SQLite's lock for longer than busy_timeout: nothing dies, nothing is lost.

Six shell processes shared one ``convene.db``; one died with "database is
locked" raised from the scheduler's settle step, and the rest of its input
never ran. Here each write outside the dispatcher (the scheduler's slots and
timers, the deliverer's claims and marks, the migrations and the operator's
row at start) meets a lock that another connection holds for longer than
``busy_timeout`` (set low in the database URL) but not for ever: each waits
for it and goes on.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from adapters.shell import ShellAdapter
from bot.adapter import ChannelMember
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.messages import OutgoingMessage, Target
from bot.wiring import build_registry
from storage.engine import sqlite_busy_timeout_ms
from tests.support.harness import DEFAULT_START, running
from tests.support.outbox import queue

BUSY_TIMEOUT = 0.05
"""Seconds SQLite waits for the lock before "database is locked" (5 s unless the URL says)."""
HELD_FOR = 0.4
"""How long the other writer keeps the lock: eight busy timeouts, well inside the retries."""


def with_short_busy_timeout(url: str) -> str:
    return f"{url}?timeout={BUSY_TIMEOUT}"


def path_of(url: str) -> str:
    return url.split("///", 1)[1].split("?", 1)[0]


@contextmanager
def another_writer(url: str) -> Iterator[AnotherWriter]:
    writer = AnotherWriter(path_of(url))
    try:
        yield writer
    finally:
        writer.close()


class AnotherWriter:
    """A connection of another process to the same file (a backup, another Convene)."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.released = asyncio.Event()
        self._release_at: asyncio.TimerHandle | None = None

    def hold_lock(self, seconds: float = HELD_FOR) -> None:
        """Take the write lock now and let go of it after ``seconds`` of real time.

        The event loop stays free meanwhile (Convene's connections wait in
        their own threads), so the release comes on time.
        """

        self._db.execute("BEGIN IMMEDIATE")
        self.released.clear()
        self._release_at = asyncio.get_running_loop().call_later(seconds, self._release)

    def _release(self) -> None:
        self._db.execute("COMMIT")
        self.released.set()

    def close(self) -> None:
        if self._release_at is not None:
            self._release_at.cancel()
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        self._db.close()


def test_the_database_url_sets_how_long_sqlite_waits_for_the_lock() -> None:
    assert sqlite_busy_timeout_ms("sqlite+aiosqlite:///c.db") == 5000
    assert sqlite_busy_timeout_ms("sqlite+aiosqlite:///c.db?timeout=0.05") == 50


async def test_a_checkin_that_falls_due_while_another_writer_holds_the_lock_opens_once_free(
    sqlite_url: str,
) -> None:
    url = with_short_busy_timeout(sqlite_url)
    async with running(url) as convene:
        convene.adapter.channel_members["general"] = [
            ChannelMember("alice", "Alice", "UTC"),
            ChannelMember("bob", "Bob", "UTC"),
        ]
        reply = await convene.reply_to(
            "you", '/convene checkin create "Daily" #general every day 09:00 --tz UTC'
        )
        assert reply.startswith("Created the check-in"), reply

        with another_writer(url) as writer:
            # The slot, then each member's 09:00 timer, is claimed while the lock is held.
            writer.hold_lock()
            delivered = await convene.advance(DEFAULT_START.replace(hour=9, minute=30))
            assert writer.released.is_set()

        asked = [d for d in delivered if d.message.target.kind == "dm"]
        assert sorted(d.message.target.member_ids[0] for d in asked) == ["alice", "bob"]
        assert all(d.text.startswith("Time for *Daily*") for d in asked)


async def test_messages_queued_before_another_writer_takes_the_lock_are_delivered_once(
    sqlite_url: str,
) -> None:
    url = with_short_busy_timeout(sqlite_url)
    async with running(url) as convene:
        await queue(
            convene.app.sessions,
            convene.clock,
            [(f"note:{n}", OutgoingMessage(Target.dm(f"m{n}"), f"note {n}")) for n in range(3)],
            platform="memory",
            workspace=convene.adapter.workspace_id,
        )
        with another_writer(url) as writer:
            writer.hold_lock()  # the deliverer's claim, then each mark of a send, waits
            await convene.app.settle()
            assert writer.released.is_set()

        assert sorted(d.text for d in convene.adapter.delivered) == ["note 0", "note 1", "note 2"]
        convene.clock.advance(timedelta(hours=1))
        await convene.app.settle()
        assert len(convene.adapter.delivered) == 3


async def test_a_start_while_another_writer_holds_the_lock_waits_for_it(tmp_path: Path) -> None:
    """The migrations and the operator's row at start, on a new file another process holds."""

    url = with_short_busy_timeout(f"sqlite+aiosqlite:///{tmp_path / 'convene.db'}")
    settings = Settings(convene=ConveneSection(database_url=url, instance_id="test"))
    shell = ShellAdapter(io.StringIO())
    app = ConveneApp(settings, [shell], build_registry(), ManualClock(DEFAULT_START))
    with another_writer(url) as writer:
        try:
            writer.hold_lock()
            await app.start(background=False)
            assert writer.released.is_set()
            writer.hold_lock()
            await app.ensure_member(
                platform="shell",
                workspace_external_id="shell",
                workspace_name="Convene",
                platform_user_id="you",
                display_name="you",
                timezone="UTC",
                convener=True,
            )
            assert writer.released.is_set()
        finally:
            await app.stop()
