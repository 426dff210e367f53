"""What an orchestrator and Prometheus see: /healthz, /readyz and /metrics over real ports.

Each scenario asks the endpoints as a probe or a scraper would, over a TCP
connection to the port Convene listens on: its own ``[http] port``, or Slack
HTTP mode's port beside ``/slack/events``. The counters belong to the
process, so a scenario reads how they moved across its own steps.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text as sql

from adapters.memory import MemoryAdapter
from bot.adapter import PermanentDeliveryError, PlatformUnavailable, RateLimited
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.commands import Args, CommandSpec
from bot.config import ConveneSection, HttpSection, Settings
from bot.context import Context
from bot.metrics import rate_limit_trace
from bot.wiring import build_registry
from storage import migrate
from tests.support.databases import PostgresDatabase, postgres_server_url
from tests.support.harness import DEFAULT_START, Harness, running
from tests.support.slack_rig import slack_convene

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def scrape(base: str) -> Samples:
    """Every sample of /metrics, parsed as Prometheus parses it (a malformed page fails)."""

    status, page = await get(f"{base}/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@asynccontextmanager
async def served(database_url: str) -> AsyncIterator[tuple[Harness, str]]:
    """Convene on the memory adapter with its endpoints on a port of their own."""

    async with running(database_url) as convene:
        await convene.app.health.serve("127.0.0.1", 0)
        yield convene, convene.app.health.url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- /healthz and /readyz ---------------------------------------------------------------------


async def test_an_instance_configured_with_an_http_port_is_alive_and_ready_once_started(
    sqlite_url: str,
) -> None:
    port = free_port()
    settings = Settings(
        convene=ConveneSection(database_url=sqlite_url, instance_id="web-1"),
        http=HttpSection(host="127.0.0.1", port=port),
    )
    app = ConveneApp(settings, [MemoryAdapter()], build_registry(), ManualClock(DEFAULT_START))
    await app.start(background=False)
    try:
        assert await get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        assert await get(f"http://127.0.0.1:{port}/readyz") == (200, "ready\n")
    finally:
        await app.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"http://127.0.0.1:{port}/healthz")


async def test_an_instance_is_alive_but_not_ready_until_its_platforms_have_started(
    sqlite_url: str,
) -> None:
    settings = Settings(convene=ConveneSection(database_url=sqlite_url, instance_id="web-1"))
    app = ConveneApp(settings, [MemoryAdapter()], build_registry(), ManualClock(DEFAULT_START))
    await app.health.serve("127.0.0.1", 0)
    try:
        assert (await get(f"{app.health.url}/healthz"))[0] == 200
        status, said = await get(f"{app.health.url}/readyz")
        assert status == 503
        assert "the platforms are not all connected yet" in said
        await app.start(background=False)
        assert (await get(f"{app.health.url}/readyz"))[0] == 200
    finally:
        await app.stop()


async def test_a_platform_that_lost_its_connection_makes_the_instance_not_ready(
    sqlite_url: str,
) -> None:
    class Disconnecting(MemoryAdapter):
        connected = True

    adapter = Disconnecting()
    settings = Settings(convene=ConveneSection(database_url=sqlite_url, instance_id="web-1"))
    app = ConveneApp(settings, [adapter], build_registry(), ManualClock(DEFAULT_START))
    await app.start(background=False)
    await app.health.serve("127.0.0.1", 0)
    try:
        assert (await get(f"{app.health.url}/readyz"))[0] == 200
        adapter.connected = False
        assert await get(f"{app.health.url}/readyz") == (
            503,
            "not ready\nmemory: not connected to the platform (reconnecting)\n",
        )
    finally:
        await app.stop()


async def test_a_database_behind_this_code_s_schema_makes_the_instance_not_ready(
    database_url: str,
) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_current_head()
    assert head is not None
    older = script.get_revision(head).down_revision
    assert isinstance(older, str)
    async with served(database_url) as (convene, base):
        async with convene.app.engine.begin() as connection:
            await connection.execute(
                sql("UPDATE alembic_version SET version_num = :v"), {"v": older}
            )

        status, said = await get(f"{base}/readyz")

        assert status == 503
        assert f"schema at revision {older}, this Convene needs {head}" in said
        assert "convene db upgrade" in said


async def test_a_schema_a_newer_convene_migrated_leaves_the_older_instance_ready(
    database_url: str,
) -> None:
    """Migrations only add until every instance runs the new code (docs/deploy.md), so an
    instance not yet replaced in a rolling upgrade keeps taking requests."""

    async with served(database_url) as (convene, base):
        async with convene.app.engine.begin() as connection:
            await connection.execute(sql("UPDATE alembic_version SET version_num = '9999_next'"))

        assert await get(f"{base}/readyz") == (200, "ready\n")


async def test_an_instance_whose_database_is_gone_is_not_ready_and_says_so(
    postgres_database: PostgresDatabase,
) -> None:
    # A database of its own on the same server: this test drops it under the instance.
    database = PostgresDatabase(postgres_server_url() or "")
    await asyncio.to_thread(database.create)
    try:
        async with served(database.url) as (_convene, base):
            assert (await get(f"{base}/readyz"))[0] == 200
            before = await scrape(base)
            assert value(before, "convene_database_up") == 1

            await asyncio.to_thread(database.drop)

            status, said = await get(f"{base}/readyz")
            assert status == 503
            assert said.startswith("not ready\ndatabase: ")  # the pool's connection was closed
            status, said = await get(f"{base}/readyz")
            assert status == 503
            assert f'database "{database.name}" does not exist' in said
            assert (await get(f"{base}/healthz"))[0] == 200  # alive: no restart would help
            after = await scrape(base)
            assert value(after, "convene_database_up") == 0
            assert value(after, "convene_events_handled_total") == value(
                before, "convene_events_handled_total"
            )  # the counters are still served
    finally:
        await asyncio.to_thread(database.drop)


async def test_a_port_already_taken_stops_the_start_with_what_to_change(sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(
            convene=ConveneSection(database_url=sqlite_url, instance_id="web-1"),
            http=HttpSection(host="127.0.0.1", port=port),
        )
        app = ConveneApp(settings, [MemoryAdapter()], build_registry(), ManualClock(DEFAULT_START))
        try:
            with pytest.raises(PlatformUnavailable) as refused:
                await app.start(background=False)
        finally:
            await app.stop()
    assert f"cannot serve /healthz, /readyz and /metrics on 127.0.0.1:{port}" in str(refused.value)
    assert "set [http] port (or $CONVENE_HTTP_PORT) to a free one, or to 0 for none" in str(
        refused.value
    )


# -- /metrics ---------------------------------------------------------------------------------


async def test_a_command_answered_counts_one_event_handled_and_its_reply_one_delivery_sent(
    database_url: str,
) -> None:
    async with served(database_url) as (convene, base):
        before = await scrape(base)

        delivered = await convene.command("you", "/convene help")

        after = await scrape(base)
        assert delivered
        handled = ("convene_events_handled_total", "memory", "slash_command")
        assert moved(before, after, handled[0], platform=handled[1], event=handled[2]) == 1
        assert moved(
            before, after, "convene_deliveries_total", platform="memory", status="sent"
        ) == len(delivered)
        assert moved(before, after, "convene_handler_failures_total", platform="memory") == 0


async def test_a_handler_that_fails_is_counted_as_a_failure(sqlite_url: str) -> None:
    async def breaks(context: Context, args: Args) -> None:
        raise RuntimeError("disk on fire")

    async with served(sqlite_url) as (convene, base):
        convene.app.registry.command(
            CommandSpec(("convene", "explode"), breaks, "x", "/convene explode", "x")
        )
        before = await scrape(base)

        await convene.command("you", "/convene explode")

        after = await scrape(base)
        failures = ("convene_handler_failures_total", "memory", "slash_command")
        assert moved(before, after, failures[0], platform=failures[1], event=failures[2]) == 1


async def test_messages_waiting_in_the_outbox_show_as_its_depth_and_how_far_behind_it_is(
    database_url: str,
) -> None:
    async with served(database_url) as (convene, base):
        quiet = await scrape(base)
        assert value(quiet, "convene_outbox_unsent") == 0
        assert value(quiet, "convene_outbox_lag_seconds") == 0

        await convene.adapter.command("you", "/convene help")  # queued, not yet delivered
        convene.clock.set(convene.clock.now() + timedelta(seconds=30))
        waiting = await scrape(base)

        assert value(waiting, "convene_outbox_unsent") == 1
        assert value(waiting, "convene_outbox_lag_seconds") == 30
        assert value(waiting, "convene_inbox_unhandled") == 0
        await convene.app.settle()
        settled = await scrape(base)
        assert value(settled, "convene_outbox_unsent") == 0
        assert value(settled, "convene_outbox_lag_seconds") == 0


async def test_a_message_put_off_by_a_429_is_unsent_but_not_late_until_its_wait_ends(
    sqlite_url: str,
) -> None:
    async with served(sqlite_url) as (convene, base):
        convene.adapter.failures.append(RateLimited(60))
        await convene.command("you", "/convene help")
        convene.clock.set(convene.clock.now() + timedelta(seconds=45))

        paused = await scrape(base)

        assert value(paused, "convene_outbox_unsent") == 1
        assert value(paused, "convene_outbox_lag_seconds") == 0
        convene.clock.set(convene.clock.now() + timedelta(seconds=25))
        assert value(await scrape(base), "convene_outbox_lag_seconds") == 10


async def test_deliveries_put_off_by_a_429_and_given_up_are_counted_by_status(
    sqlite_url: str,
) -> None:
    async with served(sqlite_url) as (convene, base):
        before = await scrape(base)

        convene.adapter.failures.append(RateLimited(5))
        await convene.command("you", "/convene help")
        convene.adapter.failures.append(PermanentDeliveryError("channel_not_found"))
        convene.clock.set(convene.clock.now() + timedelta(seconds=6))
        await convene.app.settle()
        await convene.command("you", "/convene help")

        after = await scrape(base)
        by_status = {
            status: moved(
                before, after, "convene_deliveries_total", platform="memory", status=status
            )
            for status in ("sent", "rate_limited", "given_up", "retried")
        }
        assert by_status == {"sent": 1, "rate_limited": 1, "given_up": 1, "retried": 0}


async def test_the_429s_an_http_client_receives_are_counted_even_when_it_retries_them() -> None:
    """discord.py waits out a 429 inside its HTTP client; its session's trace still sees it."""

    answers = iter([429, 429, 200])

    async def limited(_request: web.Request) -> web.Response:
        return web.Response(status=next(answers))

    server = web.Application()
    server.router.add_get("/api", limited)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api"
    try:
        async with served_nothing() as base:
            before = await scrape(base)
            trace = rate_limit_trace("discord")
            async with aiohttp.ClientSession(trace_configs=[trace]) as http:
                for _ in range(3):
                    async with http.get(url) as response:
                        await response.read()
            after = await scrape(base)
    finally:
        await runner.cleanup()
    assert moved(before, after, "convene_rate_limited_total", platform="discord") == 2


@asynccontextmanager
async def served_nothing() -> AsyncIterator[str]:
    """Just the endpoints, for counters that need no app (the database never answers)."""

    from bot.http_endpoints import HealthEndpoints
    from storage.engine import create_engine

    engine = create_engine("sqlite+aiosqlite:////nonexistent-folder/convene.db")
    endpoints = HealthEndpoints(engine, ManualClock(DEFAULT_START), {})
    await endpoints.serve("127.0.0.1", 0)
    try:
        yield endpoints.url
    finally:
        await endpoints.close()
        await engine.dispose()


# -- on Slack HTTP mode's port ----------------------------------------------------------------


async def test_slack_http_mode_serves_the_endpoints_on_its_own_port_beside_slack_events(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url) as rig:
        base = rig.adapter.url.removesuffix("/slack/events")
        assert await get(f"{base}/healthz") == (200, "ok\n")
        assert await get(f"{base}/readyz") == (200, "ready\n")
        before = await scrape(base)
        rig.fake.rate_limit_next("chat.postEphemeral", retry_after=2)

        answer = await rig.command("U1", "/convene", "help")

        after = await scrape(base)
        assert answer.status == 200
        assert (
            moved(
                before,
                after,
                "convene_events_handled_total",
                platform="slack",
                event="slash_command",
            )
            == 1
        )
        assert moved(before, after, "convene_rate_limited_total", platform="slack") == 1
        assert (
            moved(
                before, after, "convene_deliveries_total", platform="slack", status="rate_limited"
            )
            == 1
        )
