"""A deliverer killed with SIGKILL mid-drain loses nothing and repeats at most one message.

The deliverer runs in a real subprocess (``tests/support/deliver_process.py``)
against a SQLite file or PostgreSQL, sending over loopback HTTP to a fake
platform served by this test. The test kills it once the platform has seen
some but not all of the messages, then runs the same deliverer again, with the
same worker id, in this process (a second process would prove nothing more and
cost a second), which takes back the rows the dead one had claimed and
finishes the job.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.messages import OutgoingMessage, Target
from storage.engine import session_factory
from storage.repositories import outbox as outbox_repo
from tests.support import deliver_process
from tests.support.fake_platform import FakePlatform
from tests.support.outbox import queue

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = "T-crash"
WORKER = "crashy"
MESSAGES = 200
RATE = 200.0  # a second: the whole drain takes about one second
KILL_AFTER = 40  # messages the platform has received
DEADLINE_SECONDS = 30.0


async def start_deliverer(database_url: str, platform_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.deliver_process",
        "--database-url",
        database_url,
        "--platform-url",
        platform_url,
        "--worker",
        WORKER,
        "--rate",
        str(RATE),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def until_seen(
    platform: FakePlatform, count: int, process: asyncio.subprocess.Process
) -> None:
    """Wait for the platform to have received ``count`` requests, or fail if the
    deliverer exits first (woken by each request, not by polling)."""

    seen = asyncio.create_task(
        platform.wait_until(lambda: len(platform.received) >= count, within=DEADLINE_SECONDS)
    )
    exited = asyncio.create_task(process.wait())
    await asyncio.wait({seen, exited}, return_when=asyncio.FIRST_COMPLETED)
    if not seen.done():
        seen.cancel()
        _, err = await process.communicate()
        raise AssertionError(f"the deliverer exited early:\n{err.decode()}")
    exited.cancel()
    await asyncio.gather(exited, return_exceptions=True)
    seen.result()


async def test_a_deliverer_killed_mid_drain_resumes_without_losing_a_message_and_repeats_at_most_one(  # noqa: E501
    database_url: str, engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    targets = [Target.dm(f"member-{n}") for n in range(4)] + [Target.channel("general")]
    items = [
        (f"checkin-run:1:{n}", OutgoingMessage(target=targets[n % len(targets)], text=f"#{n}"))
        for n in range(MESSAGES)
    ]
    await queue(sessions, SystemClock(), items, workspace=WORKSPACE)

    async with FakePlatform() as platform:
        first = await start_deliverer(database_url, platform.url)
        await until_seen(platform, KILL_AFTER, first)
        first.send_signal(signal.SIGKILL)
        await first.communicate()
        assert first.returncode == -signal.SIGKILL
        seen_before_restart = len(platform.received)
        assert seen_before_restart < MESSAGES, "the deliverer finished before it was killed"

        report = await asyncio.wait_for(
            deliver_process.run(
                database_url, platform.url, worker=WORKER, rate=RATE, burst=1, batch_size=200
            ),
            timeout=DEADLINE_SECONDS,
        )

    assert report["resumed"] > 0, "the restart should take back the rows it had claimed"

    delivered = Counter(r.idempotency_key for r in platform.delivered)
    assert set(delivered) == {key for key, _ in items}, "a message was lost"
    repeats = sum(n - 1 for n in delivered.values())
    assert repeats <= 1, f"{repeats} messages were delivered more than once"

    # Each target still saw its messages in the order they were queued.
    first_seen: dict[str, list[str]] = {}
    for record in platform.delivered:
        target = Target.from_dict(record.payload["target"]).ordering_key()
        keys = first_seen.setdefault(target, [])
        if record.idempotency_key not in keys:
            keys.append(record.idempotency_key)
    queued: dict[str, list[str]] = {}
    for key, message in items:
        queued.setdefault(message.target.ordering_key(), []).append(key)
    assert first_seen == queued

    async with sessions() as session:
        assert await outbox_repo.status_counts(session, WORKSPACE) == {
            "pending": 0,
            "sending": 0,
            "sent": MESSAGES,
            "dead": 0,
        }
