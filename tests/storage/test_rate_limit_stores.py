"""The stores shared rate limits are kept in: PostgreSQL (and SQLite), Redis, memory.

Each books atomically (two instances booking at once never get the same
capacity), raises a mark only upwards (a pause is never shortened) and
reads back only marks still ahead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shared_limits import DatabaseLimitStore, LimitStore, MemoryLimitStore
from storage.engine import create_engine
from tests.support.databases import PostgresDatabase, empty_tables

REDIS_ENV = "CONVENE_TEST_REDIS_URL"
REDIS_URL = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/15")
NOW = 1_796_000_000.0  # seconds since the epoch, late 2026


async def redis_store() -> LimitStore:
    try:
        from redis.asyncio import Redis

        from bot.redis_limits import RedisLimitStore
    except ImportError:
        pytest.skip("Redis tests need the redis package (pip install -e '.[redis]')")
    probe = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception as failure:
        pytest.skip(f"Redis tests need a Redis at {REDIS_URL} (set {REDIS_ENV}): {failure}")
    finally:
        await probe.aclose()
    return RedisLimitStore(REDIS_URL, prefix=f"convene-test:{secrets.token_hex(4)}:")


async def database_engine(request: pytest.FixtureRequest, kind: str) -> AsyncEngine:
    url: str
    if kind == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        postgres: PostgresDatabase = request.getfixturevalue("postgres_database")
        await empty_tables(postgres.url)
        url = postgres.url
    return create_engine(url)


@pytest.fixture(params=["memory", "sqlite", "postgresql", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[LimitStore]:
    if request.param == "memory":
        yield MemoryLimitStore()
    elif request.param == "redis":
        made = await redis_store()
        yield made
        await made.close()
    else:
        engine = await database_engine(request, request.param)
        yield DatabaseLimitStore(engine)
        await engine.dispose()


async def test_bookings_follow_one_another_at_the_limit_s_interval(store: LimitStore) -> None:
    first = await store.book("fake:send:T-1", count=10, interval=0.005, now=NOW)
    second = await store.book("fake:send:T-1", count=10, interval=0.005, now=NOW)
    elsewhere = await store.book("fake:send:T-2", count=10, interval=0.005, now=NOW)

    assert first == pytest.approx(NOW, abs=1e-6)
    assert second == pytest.approx(NOW + 0.05, abs=1e-6)
    assert elsewhere == pytest.approx(NOW, abs=1e-6)  # each workspace its own


async def test_a_booking_after_an_idle_spell_starts_now_not_in_the_past(store: LimitStore) -> None:
    await store.book("fake:send:T-1", count=1, interval=0.1, now=NOW)

    later = await store.book("fake:send:T-1", count=1, interval=0.1, now=NOW + 60)

    assert later == pytest.approx(NOW + 60, abs=1e-6)


async def test_a_pause_is_only_ever_lengthened_and_later_bookings_start_after_it(
    store: LimitStore,
) -> None:
    await store.raise_to({"slack:send:T-1": NOW + 30}, now=NOW)
    await store.raise_to({"slack:send:T-1": NOW + 5}, now=NOW + 1)  # a shorter one, later

    start = await store.book("slack:send:T-1", count=1, interval=0.25, now=NOW + 1)

    assert start == pytest.approx(NOW + 30, abs=1e-6)


async def test_reading_marks_returns_only_those_still_ahead(store: LimitStore) -> None:
    await store.raise_to(
        {"slack:lane:channel:C1": NOW + 3, "slack:lane:channel:C2": NOW - 3}, now=NOW
    )

    marks = await store.read(
        ["slack:lane:channel:C1", "slack:lane:channel:C2", "slack:lane:channel:C3"], after=NOW
    )

    assert marks == {"slack:lane:channel:C1": pytest.approx(NOW + 3, abs=1e-6)}


async def test_instances_booking_at_once_never_get_the_same_capacity(store: LimitStore) -> None:
    async def book_many() -> list[float]:
        return [
            await store.book("discord:global", count=5, interval=0.02, now=NOW) for _ in range(20)
        ]

    starts = [
        s for booked in await asyncio.gather(*(book_many() for _ in range(3))) for s in booked
    ]

    assert sorted(round((s - NOW) / 0.1) for s in starts) == list(range(60))


async def test_three_instances_on_one_postgresql_database_book_apart(
    postgres_database: PostgresDatabase,
) -> None:
    """Instances share the database's limits only on PostgreSQL (SQLite runs one instance)."""

    await empty_tables(postgres_database.url)
    database_url = postgres_database.url
    instances = 3
    engines = [create_engine(database_url) for _ in range(instances)]
    try:
        stores = [DatabaseLimitStore(engine) for engine in engines]

        async def book_many(store: DatabaseLimitStore) -> list[float]:
            return [
                await store.book("fake:send:T-1", count=4, interval=0.005, now=NOW)
                for _ in range(25)
            ]

        booked = await asyncio.gather(*(book_many(s) for s in stores))
    finally:
        for engine in engines:
            await engine.dispose()

    starts = sorted(s for each in booked for s in each)
    assert [round((s - NOW) / 0.02) for s in starts] == list(range(instances * 25))


async def test_a_long_pause_in_redis_lives_as_long_as_the_pause() -> None:
    """A Retry-After of 90 s must hold every instance back for 90 s, not Redis's default."""

    store = await redis_store()  # skips without Redis
    from bot.redis_limits import KEEP_MS, RedisLimitStore

    assert isinstance(store, RedisLimitStore)
    try:
        await store.raise_to({"slack:send:T-1": NOW + 90}, now=NOW)
        # A booking after a pause lives until its own moment too.
        await store.raise_to({"slack:send:T-3": NOW + 200}, now=NOW)
        await store.book("slack:send:T-3", count=1, interval=0.25, now=NOW)

        lives = {key: await store.lives_ms(key) for key in ("slack:send:T-1", "slack:send:T-3")}
        assert lives["slack:send:T-1"] > 90_000 + KEEP_MS - 5_000
        assert lives["slack:send:T-3"] > 200_000 + KEEP_MS - 5_000
    finally:
        await store.close()
