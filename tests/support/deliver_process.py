"""A deliverer in a process of its own, for crash tests and benchmarks.

Run from the repository root::

    python -m tests.support.deliver_process --database-url sqlite:///outbox.db \\
        --platform-url http://127.0.0.1:PORT --worker crashy --rate 200

It resumes what this worker id had in flight, drains the outbox to the fake
platform until nothing is left unsent, and prints one JSON line:
``{"resumed": N, "tried": M}``. A test can SIGKILL it at any moment and start
it again with the same worker id.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, SystemClock
from bot.deliverer import Deliverer
from storage.engine import create_engine, session_factory
from storage.repositories import outbox as outbox_repo
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM

IDLE_POLL_SECONDS = 0.05


async def deliver_until_empty(
    deliverer: Deliverer, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> int:
    """Drain, napping until the next message is due, until nothing is left unsent."""

    tried = 0
    while True:
        tried += await deliverer.drain()
        async with sessions() as session:
            if not await outbox_repo.has_unsent(session, deliverer.platform):
                return tried
            due = await outbox_repo.next_due(session, deliverer.platform)
        if due is None:
            # Everything left is being sent by another instance (or waits for
            # a dead one's lease to run out): look again shortly.
            await clock.sleep(IDLE_POLL_SECONDS)
        else:
            await clock.sleep(max(0.0, (due - clock.now()).total_seconds()))


async def run(
    database_url: str,
    platform_url: str,
    *,
    worker: str,
    rate: float | None,
    burst: int,
    batch_size: int,
) -> dict[str, int]:
    engine = create_engine(database_url)
    clock = SystemClock()
    sessions = session_factory(engine)
    try:
        async with HttpPlatformAdapter(
            platform_url, platform=PLATFORM, rate_per_second=rate, burst=burst
        ) as adapter:
            deliverer = Deliverer(sessions, adapter, clock, worker=worker, batch_size=batch_size)
            resumed = await deliverer.resume()
            tried = await deliver_until_empty(deliverer, sessions, clock)
    finally:
        await engine.dispose()
    return {"resumed": resumed, "tried": tried}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--platform-url", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--rate", type=float, default=None, help="messages a second (no limit)")
    parser.add_argument("--burst", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    started = datetime.now(UTC)
    result = asyncio.run(
        run(
            args.database_url,
            args.platform_url,
            worker=args.worker,
            rate=args.rate,
            burst=args.burst,
            batch_size=args.batch_size,
        )
    )
    seconds = (datetime.now(UTC) - started).total_seconds()
    print(json.dumps({**result, "seconds": round(seconds, 3)}), flush=True)


if __name__ == "__main__":
    main()
