"""Outbox benchmark: rate-limited delivery over loopback HTTP, and raw throughput.

Run from the repository root::

    python -m bench.outbox               # the targets, 10,000 messages each (about 2 minutes)
    python -m bench.outbox --short       # the same figures from fewer messages (about 30 s)
    python -m bench.outbox --rate 300 --burst 2 --messages 5000   # one rate of your own

It reports, against the targets of the speed-and-scale issue:

(a) the delivered rate, seen by the fake platform, as a share of R: at
    R = 200 a second with bursts of 5 (>= 98 %) and at R = 500 with bursts
    of 1 (>= 95 %);
(b) messages lost and delivered twice (0 and 0);
(c) raw outbox throughput on SQLite with no rate limit, enqueue plus deliver,
    through an in-process adapter that only records sends (>= 5,000 a
    second), and the same over loopback HTTP for reference.

Everything runs on the real ``SystemClock`` against fresh SQLite files, so
the figures move with the machine's load: the load average is printed too.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
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

from bot import event_loop
from bot.adapter import Adapter, Capabilities, ChannelMember, Dispatch, MessageRef
from bot.clock import SystemClock
from bot.deliverer import MAX_IN_FLIGHT, Deliverer
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

RAW_THROUGHPUT_TARGET = 5_000.0
OTHER_RATE_SHARE_TARGET = 95.0  # a rate of one's own (--rate)


@dataclass(frozen=True)
class RateCase:
    """One rate limit to deliver under, and the share of it to reach."""

    rate: float
    burst: int
    target_share: float


TARGET_CASES = (RateCase(200.0, 5, 98.0), RateCase(500.0, 1, 95.0))
FULL_MESSAGES = 10_000
SHORT_SECONDS_PER_CASE = 8.0  # --short delivers this long at each rate
SHORT_RAW_MESSAGES = 5_000
SHORT_HTTP_MESSAGES = 2_000  # the loopback HTTP reference, --short
IN_FLIGHT = [MAX_IN_FLIGHT]  # the deliverer's max_in_flight (--in-flight)


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
    engine = await fresh_sqlite(directory, f"rate-limited-{rate:g}-{burst}.db")
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
            deliverer = Deliverer(
                sessions, adapter, clock, worker="bench", max_in_flight=IN_FLIGHT[0]
            )
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
    deliverer = Deliverer(sessions, adapter, clock, worker="bench", max_in_flight=IN_FLIGHT[0])
    return await timed(lambda: deliver_until_empty(deliverer, sessions, clock))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def report_rate(limited: RateLimitedRun, target_share: float, http_rate: float | None) -> bool:
    """Print one rate-limited run's lines; whether it met its targets."""

    share_ok = limited.share_of_rate >= target_share
    exact_ok = limited.lost == 0 and limited.duplicated == 0
    rate, burst = limited.rate, limited.burst
    print(f"(a) R = {rate:g}/s, burst {burst}, {limited.queued:,} messages over loopback HTTP")
    print(
        f"    delivered {limited.delivered_rate:,.1f}/s = {limited.share_of_rate:.1f} % of R "
        f"(first to last send at the platform, {limited.span_seconds:.2f} s)   "
        f"target >= {target_share:g} %   {verdict(share_ok)}"
    )
    print(
        f"    busiest 1 s window: {limited.busiest_second} requests (R + burst = "
        f"{rate + burst:g}); whole drain {limited.wall_seconds:.2f} s"
    )
    if http_rate is not None:
        print(
            f"    ceiling: unthrottled, this HTTP stack takes {http_rate:,.0f}/s (c), "
            f"{min(100.0, 100 * http_rate / rate):.0f} % of R"
        )
    print(
        f"(b) lost {limited.lost}, delivered twice {limited.duplicated}   target 0 and 0   "
        f"{verdict(exact_ok)}"
    )
    return share_ok and exact_ok


async def main_async(
    cases: Sequence[RateCase], rate_messages: Sequence[int], raw_messages: int, short: bool
) -> bool:
    mode = "short run" if short else "full run"
    print(f"Outbox benchmark ({mode}): messages to {TARGETS} members, SQLite (WAL, NORMAL)")
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(f"{load_average()} at the start")
    print(f"deliverer: up to {IN_FLIGHT[0]} send(s) in flight at once\n")
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        directory = Path(tmp)
        local, local_lost, local_dup = await raw(directory, raw_messages, over_http=False)
        http_messages = min(raw_messages, SHORT_HTTP_MESSAGES) if short else raw_messages
        http, http_lost, http_dup = await raw(directory, http_messages, over_http=True)
        raw_ok = local.combined_rate >= RAW_THROUGHPUT_TARGET and local_lost == local_dup == 0
        print(f"(c) raw outbox throughput, no rate limit, SQLite, {raw_messages:,} messages")
        print(
            f"    in-process adapter: enqueue+deliver {local.combined_rate:,.0f}/s "
            f"(enqueue {local.enqueue_rate:,.0f}/s, deliver {local.deliver_rate:,.0f}/s; "
            f"lost {local_lost}, twice {local_dup})   target >= {RAW_THROUGHPUT_TARGET:,.0f}/s   "
            f"{verdict(raw_ok)}"
        )
        print(
            f"    over loopback HTTP ({http.messages:,}): "
            f"enqueue+deliver {http.combined_rate:,.0f}/s "
            f"(deliver {http.deliver_rate:,.0f}/s; lost {http_lost}, twice {http_dup})   "
            f"for reference"
        )
        ok = raw_ok
        for case, count in zip(cases, rate_messages, strict=True):
            limited = await rate_limited(directory, count, case.rate, case.burst)
            ok = report_rate(limited, case.target_share, http.deliver_rate) and ok
    print(f"\n{load_average()} at the end")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Outbox delivery benchmark.")
    parser.add_argument(
        "--short",
        action="store_true",
        help=f"fewer messages: about {SHORT_SECONDS_PER_CASE:g} s at each target rate",
    )
    parser.add_argument(
        "--messages", type=int, default=None, help="messages for each run (default 10,000)"
    )
    parser.add_argument(
        "--rate", type=float, default=None, help="R, messages a second: one rate of your own"
    )
    parser.add_argument("--burst", type=int, default=None, help="token bucket size (with --rate)")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=MAX_IN_FLIGHT,
        help=f"sends to different targets at once (the deliverer's default: {MAX_IN_FLIGHT})",
    )
    args = parser.parse_args(argv)
    if args.messages is not None and args.messages < 1:
        parser.error("--messages must be at least 1, e.g. --messages 5000")
    if args.rate is not None and not args.rate > 0:
        parser.error("--rate must be a positive number of messages a second, e.g. --rate 200")
    if args.burst is not None and args.burst < 1:
        parser.error("--burst must be at least 1, e.g. --burst 5")
    if args.in_flight < 1:
        parser.error("--in-flight must be at least 1, e.g. --in-flight 4")
    IN_FLIGHT[0] = args.in_flight
    if args.burst is not None and args.rate is None:
        parser.error("--burst goes with --rate, e.g. --rate 200 --burst 5")
    if args.rate is not None:
        preset = {(c.rate, c.burst): c for c in TARGET_CASES}
        burst = args.burst or 1
        cases: tuple[RateCase, ...] = (
            preset.get((args.rate, burst), RateCase(args.rate, burst, OTHER_RATE_SHARE_TARGET)),
        )
    else:
        cases = TARGET_CASES
    if args.messages is not None:
        rate_messages = [args.messages for _ in cases]
        raw_messages = args.messages
    elif args.short:
        rate_messages = [round(c.rate * SHORT_SECONDS_PER_CASE) for c in cases]
        raw_messages = SHORT_RAW_MESSAGES
    else:
        rate_messages = [FULL_MESSAGES for _ in cases]
        raw_messages = FULL_MESSAGES
    print(event_loop.describe())
    ok = event_loop.run(main_async(cases, rate_messages, raw_messages, args.short))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
