"""Several instances, one limit: three deliverer processes on one PostgreSQL database.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, or the server in
``CONVENE_BENCH_POSTGRES_URL``; Redis at 127.0.0.1:6379 for ``--store redis``)::

    python -m bench.instances                  # R = 200 burst 5, then a Discord-like 50/s
    python -m bench.instances --short          # fewer messages (about 30 s)
    python -m bench.instances --store redis    # the limits kept in Redis instead

Each run makes a database of its own, queues messages to many members of one
workspace, and starts three processes (``--instance``), each a deliverer
whose rate limit is shared through the database ([rate_limits] shared =
"database"; or Redis) and whose adapter posts to a fake platform over HTTP.
The platform enforces the limit as Discord's global one does: more than
``R + burst`` in one clock second is answered 429 with ``Retry-After: 1``.

It reports, against the targets of the speed-and-scale issue: the rate the
three deliver together as a share of R (95-100 %), messages lost and sent
twice (0 and 0), the 429s (0 after the first second), the busiest second, and
how many sends each round trip to the shared limit paid for.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import platform as host
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import event_loop
from bot.clock import SystemClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from bot.shared_limits import DatabaseLimitStore, LimitStore, RateLimits
from storage.engine import create_engine, session_factory
from tests.support.databases import PostgresDatabase
from tests.support.deliver_process import deliver_until_empty
from tests.support.http_platform_adapter import HttpPlatformAdapter

PLATFORM = "fake"
WORKSPACE = "T-bench"
INSTANCES = 3
TARGETS = 1_000  # members: each gets a message every few seconds, within its lane
SHARE_LOW, SHARE_HIGH = 95.0, 100.0
DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"


@dataclass
class LimitedPlatform:
    """A platform that counts every request and answers 429 beyond ``rate + burst`` a second.

    It counts each clock second apart, as Discord's global limit does (its
    bucket starts afresh each second), rather than over a sliding window.
    """

    rate: float
    burst: int
    second: int = -1
    in_second: int = 0
    delivered: list[tuple[float, str]] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)

    async def serve(self, request: web.Request) -> web.Response:
        payload: dict[str, Any] = await request.json()
        now = time.time()
        if int(now) != self.second:
            self.second, self.in_second = int(now), 0
        if self.in_second >= self.rate + self.burst:
            self.refused.append(now)
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": "1"})
        self.in_second += 1
        self.delivered.append((now, str(payload["idempotency_key"])))
        return web.json_response({"message_id": str(len(self.delivered)), "channel_id": "D"})


@dataclass(frozen=True)
class Run:
    rate: float
    burst: int
    queued: int
    delivered: int
    distinct: int
    refused: int
    refused_after_first_second: int
    span_seconds: float
    busiest_second: int
    sends: int
    bookings: int
    per_instance: list[int]
    dropped: int
    cpu_seconds: float

    @property
    def share(self) -> float:
        rate = (self.delivered - 1) / self.span_seconds if self.span_seconds > 0 else 0.0
        return 100.0 * rate / self.rate


def busiest_second(stamps: Sequence[float]) -> int:
    ordered = sorted(stamps)
    return max(
        (bisect.bisect_right(ordered, s + 1.0 - 1e-9) - i for i, s in enumerate(ordered)),
        default=0,
    )


def messages(count: int) -> list[tuple[str, OutgoingMessage]]:
    return [
        (
            f"instances:{n}",
            OutgoingMessage(target=Target.dm(f"member-{n % TARGETS}"), text=f"check-in #{n}"),
        )
        for n in range(count)
    ]


async def enqueue(url: str, count: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = SystemClock()
    items = messages(count)
    try:
        for start in range(0, len(items), 500):
            async with sessions.begin() as session:
                await Outbox(session, PLATFORM, WORKSPACE, clock).send_many(
                    items[start : start + 500]
                )
    finally:
        await engine.dispose()


async def one_run(server: str, rate: float, burst: int, count: int, store: str) -> Run:
    database = PostgresDatabase(server)
    await asyncio.to_thread(database.create)
    fake = LimitedPlatform(rate, burst)
    app = web.Application()
    app.router.add_post("/messages", fake.serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await enqueue(database.url, count)
        command = [sys.executable, "-m", "bench.instances", "--instance"]
        common = ["--database-url", database.url, "--platform-url", f"http://127.0.0.1:{port}"]
        common += ["--rate", str(rate), "--burst", str(burst), "--store", store]
        processes = [
            await asyncio.create_subprocess_exec(
                *command,
                *common,
                "--worker",
                f"bench-{n}",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for n in range(INSTANCES)
        ]
        for process in processes:  # started (imports, connections) before any sends
            assert process.stdout is not None
            await process.stdout.readline()
        for process in processes:  # then all at once
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        outputs = [await p.communicate() for p in processes]
    finally:
        await runner.cleanup()
        await asyncio.to_thread(database.drop)
    reports = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    stamps = [at for at, _ in fake.delivered]
    first = min(stamps, default=0.0)
    return Run(
        rate=rate,
        burst=burst,
        queued=count,
        delivered=len(fake.delivered),
        distinct=len({key for _, key in fake.delivered}),
        refused=len(fake.refused),
        refused_after_first_second=sum(1 for at in fake.refused if at > first + 1.0),
        span_seconds=(max(stamps) - first) if stamps else 0.0,
        busiest_second=busiest_second(stamps),
        sends=sum(int(r["tried"]) for r in reports),
        bookings=sum(int(r["bookings"]) for r in reports),
        per_instance=[int(r["tried"]) for r in reports],
        dropped=sum(int(r["dropped"]) for r in reports),
        cpu_seconds=sum(float(r["cpu"]) for r in reports),
    )


# -- one instance (a process of its own) -------------------------------------------------


def limit_store(kind: str, engine: AsyncEngine) -> LimitStore | None:
    if kind == "redis":
        from bot.redis_limits import RedisLimitStore

        return RedisLimitStore(REDIS_URL, prefix=f"bench:{os.getppid()}:")
    if kind == "split":
        return None  # each instance a third of R, alone: the most this machine allows now
    return DatabaseLimitStore(engine)


async def instance(args: argparse.Namespace) -> dict[str, Any]:
    clock = SystemClock()
    engine = create_engine(args.database_url)
    sessions = session_factory(engine)
    limits = RateLimits(clock, limit_store(args.store, engine))
    rate = args.rate if limits.shared else args.rate / INSTANCES
    try:
        async with HttpPlatformAdapter(
            args.platform_url,
            platform=PLATFORM,
            rate_per_second=rate,
            burst=args.burst,
            per_target_rate=1.0,
            per_target_burst=3,
        ) as adapter:
            deliverer = Deliverer(sessions, adapter, clock, worker=args.worker, limits=limits)
            await deliverer.resume()  # connected and ready: wait for the others
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            cpu = time.process_time()
            tried = await deliver_until_empty(deliverer, sessions, clock)
            cpu = time.process_time() - cpu
            bucket = deliverer._buckets.of(WORKSPACE) if deliverer._buckets else None
            bookings = int(getattr(bucket, "bookings", 0))
            dropped = int(getattr(bucket, "dropped", 0))
    finally:
        await limits.close()
        await engine.dispose()
    return {"tried": tried, "bookings": bookings, "dropped": dropped, "cpu": cpu}


# -- report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(run: Run, store: str) -> list[str]:
    lost = run.queued - run.distinct
    twice = run.delivered - run.distinct
    share_ok = SHARE_LOW <= run.share <= SHARE_HIGH + 0.5
    per_booking = run.sends / run.bookings if run.bookings else float("nan")
    return [
        f"R = {run.rate:g}/s burst {run.burst}, {INSTANCES} instances, limits in {store}: "
        f"{run.delivered} delivered in {run.span_seconds:.2f} s",
        f"  together {run.share:.1f} % of R   (target {SHARE_LOW:g}-{SHARE_HIGH:g} %: "
        f"{verdict(share_ok)}); each instance sent {run.per_instance}",
        f"  lost {lost}, twice {twice}   (target 0 and 0: {verdict(lost == 0 and twice == 0)})",
        f"  429s {run.refused}, after the first second {run.refused_after_first_second}   "
        f"(target 0 in steady state: {verdict(run.refused_after_first_second == 0)})",
        f"  busiest second {run.busiest_second} (the platform allows {run.rate + run.burst:g}); "
        f"{per_booking:.1f} sends a round trip to the shared limit, {run.dropped} booked "
        "moments left unused",
        f"  CPU {1000 * run.cpu_seconds / max(1, run.delivered):.2f} ms a delivered message "
        "(the three instances' process time)",
    ]


async def main_async(args: argparse.Namespace) -> bool:
    server = os.environ.get("CONVENE_BENCH_POSTGRES_URL", DEFAULT_SERVER)
    seconds = 10 if args.short else 30
    plans = [(args.rate, args.burst)] if args.rate else [(200.0, 5), (50.0, 1)]
    print(f"bench.instances on {host.node()}, load {os.getloadavg()[0]:.2f} (2 cores shared)")
    ok = True
    for rate, burst in plans:
        run = await one_run(server, rate, burst, int(rate * seconds), args.store)
        for line in report(run, args.store):
            print(line, flush=True)
        ok = ok and run.queued == run.distinct == run.delivered
    print(f"load afterwards {os.getloadavg()[0]:.2f}")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="about 10 s of sends each")
    parser.add_argument("--rate", type=float, default=None, help="one R of your own")
    parser.add_argument("--burst", type=int, default=1)
    parser.add_argument(
        "--store",
        choices=["database", "redis", "split"],
        default="database",
        help="where the instances share R (split: each a third of it, alone, for reference)",
    )
    parser.add_argument("--instance", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--platform-url", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instance:
        print(json.dumps(event_loop.run(instance(args))), flush=True)
        return
    print(event_loop.describe())
    if not event_loop.run(main_async(args)):
        sys.exit(1)


if __name__ == "__main__":
    main()
