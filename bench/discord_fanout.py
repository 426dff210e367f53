"""Fan-out of DMs through the Discord adapter against Discord's global rate limit.

    python -m bench.discord_fanout [--members 2000] [--limit 50]

2,000 DMs (one to each of 2,000 members) are queued with ``Outbox.send_many``
in one transaction, as a check-in queues its prompts, and sent by the app's
own deliverer through ``DiscordAdapter`` and the real discord.py client to
the fake Discord (``tests/support/fake_discord.py``) on loopback, which
enforces a global limit of 50 requests a second for the bot and answers 429
(``global: true``, ``retry_after``) beyond it, as Discord does.

A DM on Discord is two requests the first time: opening the DM channel
(``POST /users/@me/channels``) and the message. The global limit counts
requests, so the figure that can reach the limit is requests a second; DMs a
second are half of it. Reported:

- requests accepted a second, from the first to the last accepted after the
  queueing, as a share of the limit (target: at least 98 %);
- DMs delivered a second; 429s answered;
- lost (a member with no copy of their DM) and duplicated (a member with
  more than one) messages (target: 0 and 0), read from the fake's messages;
- where the rest of the limit went: the adapter's own pace (``GLOBAL_RATE``,
  49.5 of the 50), and what late turns lost below it (the deliverer sends one
  request after another, so a turn that takes longer than the pace's
  interval, a database write or a process not scheduled in time, is not made
  up), with the stalls (gaps between accepted requests over twice the
  interval), the p99 gap and the process's CPU time a request (the fake runs
  in the same process).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import platform
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import discord

from adapters.discord.adapter import GLOBAL_RATE, DiscordAdapter
from bot import event_loop
from bot.app import ConveneApp
from bot.clock import SystemClock
from bot.config import ConveneSection, DiscordSection, Secret, Settings
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from bot.wiring import build_registry
from tests.support.fake_discord import FakeDiscord

GUILD = 910_000_000_000_000_001
FIRST_MEMBER = 910_000_000_000_100_000
OPEN_DM = "/users/@me/channels"


@dataclass
class FanoutReport:
    members: int
    limit: float
    queue_seconds: float
    requests: int
    first_to_last: float
    dms_delivered: int
    refused: int
    lost: int
    duplicated: int
    busiest_second: int
    timed_out: bool
    stalls: int
    gap_p99_ms: float
    cpu_seconds: float

    @property
    def request_rate(self) -> float:
        return (self.requests - 1) / self.first_to_last if self.first_to_last > 0 else 0.0

    @property
    def share(self) -> float:
        return 100.0 * self.request_rate / self.limit

    @property
    def pace_share(self) -> float:
        return 100.0 * GLOBAL_RATE / self.limit

    @property
    def late_share(self) -> float:
        """Share of the limit lost below the pace to late turns."""

        return max(0.0, self.pace_share - self.share)

    @property
    def cpu_per_request_ms(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.requests)

    @property
    def dm_rate(self) -> float:
        return self.dms_delivered / self.first_to_last if self.first_to_last > 0 else 0.0


def stalls(times: list[float], interval: float) -> tuple[int, float]:
    """Gaps between requests over twice ``interval``, and the p99 gap (ms)."""

    gaps = sorted(b - a for a, b in itertools.pairwise(sorted(times)))
    if not gaps:
        return 0, 0.0
    return sum(1 for g in gaps if g > 2 * interval), 1000 * gaps[int(0.99 * (len(gaps) - 1))]


def busiest_window(times: list[float], seconds: float = 1.0) -> int:
    import bisect

    stamps = sorted(times)
    return max(
        (bisect.bisect_right(stamps, s + seconds - 1e-9) - i for i, s in enumerate(stamps)),
        default=0,
    )


async def fanout(directory: Path, members: int, limit: float) -> FanoutReport:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Benchmark network")
        ids = [FIRST_MEMBER + n for n in range(members)]
        for user in ids:
            fake.add_user(user, f"member{user - FIRST_MEMBER}")
            fake.add_member(GUILD, user)
        settings = Settings(
            convene=ConveneSection(
                database_url=f"sqlite+aiosqlite:///{directory / 'fanout.db'}",
                instance_id="bench",
                adapters=["discord"],
            ),
            discord=DiscordSection(
                token=Secret(fake.token),
                api_base_url=fake.base_url,
                gateway_url=fake.gateway_url,
            ),
        )
        clock = SystemClock()
        registry = build_registry()
        adapter = DiscordAdapter(
            settings.discord,
            commands=registry.commands.commands,
            clock=clock,
            guild_ready_timeout=0.05,
        )
        app = ConveneApp(settings, [adapter], registry, clock)
        timed_out = False
        with fake.patch_discord():
            await app.start(background=True)
            try:
                fake.enforce_global_limit(limit)
                items = [
                    (
                        f"bench:fanout:{user}",
                        OutgoingMessage(
                            Target.dm(str(user)),
                            f"Time for this week's check-in (bench:fanout:{user})",
                        ),
                    )
                    for user in ids
                ]
                began = time.perf_counter()
                cpu_began = time.process_time()
                queued_at = time.monotonic()
                async with app.sessions.begin() as session:
                    await Outbox(session, "discord", str(GUILD), clock).send_many(items)
                queue_seconds = time.perf_counter() - began
                app.deliverers["discord"].wake()
                deadline = queued_at + 4 * members / limit + 60
                while len(delivered(fake, queued_at)) < members:
                    if time.monotonic() > deadline:
                        timed_out = True
                        break
                    await asyncio.sleep(0.2)
                cpu_seconds = time.process_time() - cpu_began
                await asyncio.sleep(1.0)  # so that a late second send would be seen
            finally:
                await app.stop()
        sent = [
            r
            for r in fake.requests
            if r.at >= queued_at
            and r.status < 300
            and r.method == "POST"
            and (r.path == OPEN_DM or r.path.endswith("/messages"))
        ]
        times = [r.at for r in sent]
        stall_count, gap_p99 = stalls(times, 1.0 / GLOBAL_RATE)
        copies: Counter[int] = Counter()
        for user in ids:
            channel = fake.dm_channel_of(user)
            wanted = f"bench:fanout:{user}"
            for message in fake.messages_in(channel) if channel else []:
                if wanted in str(message.get("content", "")):
                    copies[user] += 1
        return FanoutReport(
            members=members,
            limit=limit,
            queue_seconds=queue_seconds,
            requests=len(sent),
            first_to_last=(max(times) - min(times)) if times else 0.0,
            dms_delivered=len(delivered(fake, queued_at)),
            refused=fake.rate_limited(),
            lost=sum(1 for user in ids if copies[user] == 0),
            duplicated=sum(n - 1 for n in copies.values() if n > 1),
            busiest_second=busiest_window(times),
            timed_out=timed_out,
            stalls=stall_count,
            gap_p99_ms=gap_p99,
            cpu_seconds=cpu_seconds,
        )


def delivered(fake: FakeDiscord, since: float) -> list[object]:
    return [
        r
        for r in fake.requests
        if r.at >= since
        and r.status < 300
        and r.method == "POST"
        and r.path.startswith("/channels/")
        and r.path.endswith("/messages")
    ]


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Discord DM fan-out benchmark.")
    parser.add_argument("--members", type=int, default=2_000, help="DMs, one to each member")
    parser.add_argument(
        "--limit", type=float, default=50.0, help="the fake's global limit a second"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)
    print(
        "Discord fan-out benchmark: DMs through DiscordAdapter (discord.py "
        f"{discord.__version__}) to the fake Discord on loopback, SQLite outbox"
    )
    print(
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as directory:
        print(event_loop.describe())
        report = event_loop.run(fanout(Path(directory), args.members, args.limit))
    print()
    print(
        f"{report.members:,} DMs to {report.members:,} members; the fake allows "
        f"{report.limit:g} requests a second (global); the adapter paces itself at "
        f"{GLOBAL_RATE:g}"
    )
    print(f"    queued in one transaction in {report.queue_seconds:.2f} s")
    print(
        f"    {report.requests:,} requests accepted (DM channel opens and messages) in "
        f"{report.first_to_last:.2f} s = {report.request_rate:.2f}/s = {report.share:.1f} % of "
        f"the limit   target >= 98 %   {verdict(report.share >= 98 and not report.timed_out)}"
    )
    print(
        f"    the rest: the adapter paces at {report.pace_share:.1f} % of the limit; late "
        f"turns lost {report.late_share:.1f} % ({report.stalls:,} stalls over "
        f"{2000 / GLOBAL_RATE:.0f} ms, p99 gap {report.gap_p99_ms:.1f} ms, the pace's "
        f"{1000 / GLOBAL_RATE:.1f} ms); CPU {report.cpu_per_request_ms:.2f} ms a request"
    )
    print(
        f"    {report.dms_delivered:,} DMs delivered = {report.dm_rate:.2f} DMs/s; busiest 1 s "
        f"window {report.busiest_second} requests; 429s answered: {report.refused}"
    )
    print(
        f"    lost {report.lost}, sent twice {report.duplicated}   target 0 and 0   "
        f"{verdict(report.lost == 0 and report.duplicated == 0)}"
        + ("   (stopped at the deadline)" if report.timed_out else "")
    )
    print("load average at the end " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
