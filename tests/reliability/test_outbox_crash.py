"""A deliverer killed with SIGKILL mid-drain loses nothing and repeats at most one message.

The deliverer runs in a real subprocess (``tests/support/deliver_process.py``)
against a SQLite file or PostgreSQL, sending over loopback HTTP to a fake
platform served by this test. The test kills it once the platform has seen
some but not all of the messages, then starts it again with the same worker
id, which takes back the rows it had claimed and finishes the job.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from storage.engine import session_factory
from storage.repositories import outbox as outbox_repo
from tests.support.fake_platform import FakePlatform

REPO_ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "fake"
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


async def wait_until(condition: Callable[[], bool], process: asyncio.subprocess.Process) -> None:
    """Poll for what another process is doing (not for time to pass), within a deadline."""

    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not condition():
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"the deliverer exited early:\n{err.decode()}")
        if loop.time() > deadline:
            raise AssertionError("the deliverer made no progress before the deadline")
        await asyncio.sleep(0.005)


async def test_a_deliverer_killed_mid_drain_resumes_without_losing_a_message_and_repeats_at_most_one(  # noqa: E501
    database_url: str, engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    targets = [Target.dm(f"member-{n}") for n in range(4)] + [Target.channel("general")]
    items = [
        (f"checkin-run:1:{n}", OutgoingMessage(target=targets[n % len(targets)], text=f"#{n}"))
        for n in range(MESSAGES)
    ]
    async with sessions.begin() as session:
        await Outbox(session, PLATFORM, WORKSPACE, SystemClock()).send_many(items)

    async with FakePlatform() as platform:
        first = await start_deliverer(database_url, platform.url)
        await wait_until(lambda: len(platform.received) >= KILL_AFTER, first)
        first.send_signal(signal.SIGKILL)
        await first.communicate()
        assert first.returncode == -signal.SIGKILL
        seen_before_restart = len(platform.received)
        assert seen_before_restart < MESSAGES, "the deliverer finished before it was killed"

        second = await start_deliverer(database_url, platform.url)
        out, err = await asyncio.wait_for(second.communicate(), timeout=DEADLINE_SECONDS)
        assert second.returncode == 0, err.decode()

    report = json.loads(out.decode().strip().splitlines()[-1])
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
