"""Outbox benchmark: rate-limited delivery over loopback HTTP, and raw throughput.

Run from the repository root::

    python -m bench.outbox            # 10,000 messages at R = 200 a second, bursts of 5
    python -m bench.outbox --rate 200 --messages 5000

It reports, against the targets of the outbox issue:

(a) the delivered rate, seen by the fake platform, as a share of R (>= 95 %);
(b) messages lost and delivered twice (0 and 0);
(c) raw outbox throughput on SQLite with no rate limit, enqueue plus deliver,
    through an in-process adapter that only records sends (>= 2,000 a
    second), and the same over loopback HTTP for reference.

Everything runs on the real ``SystemClock`` against a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import Adapter, Capabilities, ChannelMember, Dispatch, MessageRef
from bot.clock import SystemClock
from bot.deliverer import Deliverer
from bot.events import Event
from bot.messages import Form, OutgoingMessage, Target
from bot.outbox import Outbox
from storage import migrate
from storage.engine import create_engine, session_factory
from tests.support.deliver_process import deliver_until_empty
from tests.support.fake_platform import FakePlatform
from tests.support.http_platform_adapter import HttpPlatformAdapter

PLATFORM = "fake"
WORKSPACE = "T-bench"
TARGETS = 200  # members a check-in fans out to
ENQUEUE_BATCH = 500  # messages queued per transaction

RATE_SHARE_TARGET = 95.0
RAW_THROUGHPUT_TARGET = 2_000.0


class RecordingAdapter:
    """Delivers to a list: what the outbox costs without any network."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._ids = itertools.count(1)

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def start(self, dispatch: Dispatch) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        self.sent.append(idempotency_key)
        return {"message_id": f"m-{next(self._ids)}", "channel_id": "C"}

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        return f"D-{member_id}"

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        return "G-" + "+".join(member_ids)

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        return []

    async def open_form(self, event: Event, form: Form) -> None:
        return None

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        return reference.removeprefix("#")


@dataclass(frozen=True)
class Throughput:
    messages: int
    enqueue_seconds: float
    deliver_seconds: float

    @property
    def enqueue_rate(self) -> float:
        return self.messages / self.enqueue_seconds

    @property
    def deliver_rate(self) -> float:
        return self.messages / self.deliver_seconds

    @property
    def combined_rate(self) -> float:
        return self.messages / (self.enqueue_seconds + self.deliver_seconds)


@dataclass(frozen=True)
class RateLimitedRun:
    rate: float
    burst: int
    queued: int
    delivered: int
    lost: int
    duplicated: int
    span_seconds: float
    wall_seconds: float
    busiest_second: int

    @property
    def delivered_rate(self) -> float:
        return (self.delivered - 1) / self.span_seconds if self.span_seconds > 0 else 0.0

    @property
    def share_of_rate(self) -> float:
        return 100.0 * self.delivered_rate / self.rate


def keys(count: int) -> list[tuple[str, OutgoingMessage]]:
    return [
        (
            f"bench:{n}",
            OutgoingMessage(target=Target.dm(f"member-{n % TARGETS}"), text=f"check-in #{n}"),
        )
        for n in range(count)
    ]


async def fresh_sqlite(directory: Path, name: str) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{directory / name}")
    await migrate.upgrade(engine)
    return engine


async def enqueue(
    sessions: async_sessionmaker[AsyncSession], items: Sequence[tuple[str, OutgoingMessage]]
) -> float:
    clock = SystemClock()
    started = time.perf_counter()
    for start in range(0, len(items), ENQUEUE_BATCH):
        async with sessions.begin() as session:
            outbox = Outbox(session, PLATFORM, WORKSPACE, clock)
            await outbox.send_many(items[start : start + ENQUEUE_BATCH])
    return time.perf_counter() - started


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


def busiest_window(times: Sequence[datetime], seconds: float = 1.0) -> int:
    stamps = sorted(t.timestamp() for t in times)
    return max(
        (bisect.bisect_right(stamps, s + seconds - 1e-9) - i for i, s in enumerate(stamps)),
        default=0,
    )


async def rate_limited(directory: Path, count: int, rate: float, burst: int) -> RateLimitedRun:
    engine = await fresh_sqlite(directory, "rate-limited.db")
    sessions = session_factory(engine)
    items = keys(count)
    await enqueue(sessions, items)
    clock = SystemClock()
    try:
        async with (
            FakePlatform(now=clock.now) as server,
            HttpPlatformAdapter(
                server.url, platform=PLATFORM, rate_per_second=rate, burst=burst
            ) as adapter,
        ):
            deliverer = Deliverer(sessions, adapter, clock, worker="bench")
            wall = await timed(lambda: deliver_until_empty(deliverer, sessions, clock))
    finally:
        await engine.dispose()
    delivered = server.delivered
    counts = Counter(r.idempotency_key for r in delivered)
    span = (delivered[-1].at - delivered[0].at).total_seconds() if delivered else 0.0
    return RateLimitedRun(
        rate=rate,
        burst=burst,
        queued=count,
        delivered=len(delivered),
        lost=len({key for key, _ in items} - set(counts)),
        duplicated=sum(n - 1 for n in counts.values()),
        span_seconds=span,
        wall_seconds=wall,
        busiest_second=busiest_window([r.at for r in server.received]),
    )


async def raw(directory: Path, count: int, over_http: bool) -> tuple[Throughput, int, int]:
    """Throughput with no rate limit; also returns (lost, duplicated)."""

    engine = await fresh_sqlite(directory, "raw-http.db" if over_http else "raw.db")
    sessions = session_factory(engine)
    items = keys(count)
    clock = SystemClock()
    try:
        enqueue_seconds = await enqueue(sessions, items)
        if over_http:
            async with (
                FakePlatform() as server,
                HttpPlatformAdapter(server.url, platform=PLATFORM) as http_adapter,
            ):
                deliver_seconds = await deliver_with(http_adapter, sessions, clock)
            sent = [r.idempotency_key for r in server.delivered]
        else:
            recorder = RecordingAdapter()
            deliver_seconds = await deliver_with(recorder, sessions, clock)
            sent = recorder.sent
    finally:
        await engine.dispose()
    counts = Counter(sent)
    lost = len({key for key, _ in items} - set(counts))
    duplicated = sum(n - 1 for n in counts.values())
    return Throughput(count, enqueue_seconds, deliver_seconds), lost, duplicated


async def deliver_with(
    adapter: Adapter, sessions: async_sessionmaker[AsyncSession], clock: SystemClock
) -> float:
    deliverer = Deliverer(sessions, adapter, clock, worker="bench")
    return await timed(lambda: deliver_until_empty(deliverer, sessions, clock))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


async def main_async(count: int, rate: float, burst: int) -> bool:
    print(f"Outbox benchmark: {count:,} messages to {TARGETS} members, SQLite (WAL, NORMAL)")
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}\n")
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        directory = Path(tmp)
        limited = await rate_limited(directory, count, rate, burst)
        local, local_lost, local_dup = await raw(directory, count, over_http=False)
        http, http_lost, http_dup = await raw(directory, count, over_http=True)

    share_ok = limited.share_of_rate >= RATE_SHARE_TARGET
    exact_ok = limited.lost == 0 and limited.duplicated == 0
    raw_ok = local.combined_rate >= RAW_THROUGHPUT_TARGET and local_lost == local_dup == 0
    print(f"(a) rate-limited delivery over loopback HTTP, R = {rate:g}/s, burst = {burst}")
    print(
        f"    delivered {limited.delivered:,} in {limited.span_seconds:.2f} s "
        f"(first to last at the platform) = {limited.delivered_rate:,.1f}/s "
        f"= {limited.share_of_rate:.1f} % of R   target >= {RATE_SHARE_TARGET:g} %   "
        f"{verdict(share_ok)}"
    )
    print(
        f"    whole drain, claims included: {limited.wall_seconds:.2f} s "
        f"({limited.queued / limited.wall_seconds:,.1f}/s); busiest 1 s window at the "
        f"platform: {limited.busiest_second} requests "
        f"(the bucket allows R + burst = {rate + burst:g})"
    )
    ceiling = min(http.deliver_rate, rate)
    print(
        f"    ceiling: one send at a time over this HTTP stack runs at {http.deliver_rate:,.0f}/s "
        f"unthrottled (see c), {100 * ceiling / rate:.0f} % of R"
    )
    print(
        f"(b) lost {limited.lost}, delivered twice {limited.duplicated}   target 0 and 0   "
        f"{verdict(exact_ok)}"
    )
    print("(c) raw outbox throughput, no rate limit, SQLite")
    print(
        f"    in-process adapter: enqueue {local.enqueue_rate:,.0f}/s, "
        f"deliver {local.deliver_rate:,.0f}/s, enqueue+deliver {local.combined_rate:,.0f}/s "
        f"(lost {local_lost}, twice {local_dup})   target >= {RAW_THROUGHPUT_TARGET:,.0f}/s   "
        f"{verdict(raw_ok)}"
    )
    print(
        f"    over loopback HTTP:  enqueue {http.enqueue_rate:,.0f}/s, "
        f"deliver {http.deliver_rate:,.0f}/s, enqueue+deliver {http.combined_rate:,.0f}/s "
        f"(lost {http_lost}, twice {http_dup})   (for reference)"
    )
    return share_ok and exact_ok and raw_ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Outbox delivery benchmark.")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="R, messages a second")
    parser.add_argument("--burst", type=int, default=5, help="token bucket size")
    args = parser.parse_args(argv)
    ok = asyncio.run(main_async(args.messages, args.rate, args.burst))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
