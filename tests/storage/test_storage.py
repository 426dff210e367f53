"""Storage: honest timestamps, once-only events, SQLite's settings, cascades."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import migrate
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, session_factory
from storage.models import Member, MemberSilo, Schedule, ScheduleRun, Silo, Workspace
from storage.repositories import events as events_repo
from storage.repositories import members as members_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import silos as silos_repo
from storage.repositories import workspaces as workspaces_repo
from storage.types import UTCDateTime

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))


# -- UTCDateTime ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_utc_datetime_refuses_naive_values_and_binds_aware_ones_as_utc(backend: str) -> None:
    dialect = make_url(f"{backend}://").get_dialect()()
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(datetime(2027, 1, 4, 9, 0), dialect)
    bound = column.process_bind_param(NOW.astimezone(TOKYO), dialect)
    assert bound.replace(tzinfo=UTC) == NOW
    assert bound.tzinfo in (None, UTC)


async def test_a_naive_timestamp_cannot_be_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        session.add(Workspace(platform="slack", external_id="T1", name="N", created_at=NOW))
        await session.commit()
        session.add(
            Workspace(
                platform="slack", external_id="T2", name="N", created_at=datetime(2027, 1, 4, 9)
            )
        )
        with pytest.raises(StatementError, match="naive datetime"):
            await session.commit()


async def test_timestamps_come_back_aware_in_utc_whatever_zone_they_went_in_with(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    in_tokyo = NOW.astimezone(TOKYO)  # 18:00 in Tokyo is 09:00 UTC
    async with sessions.begin() as session:
        await workspaces_repo.get_or_create(session, "slack", "T1", "Network", in_tokyo)

    async with sessions() as session:
        stored = (await session.exec(select(Workspace))).one()
        later = (
            await session.exec(
                select(Workspace).where(col(Workspace.created_at) < NOW + timedelta(minutes=1))
            )
        ).all()
    assert stored.created_at == NOW
    assert stored.created_at.tzinfo is UTC
    assert stored.created_at.utcoffset() == timedelta(0)
    # Comparisons in SQL mean the same instant whichever zone the parameter is in.
    assert [w.external_id for w in later] == ["T1"]


# -- incoming de-duplication ------------------------------------------------------------


async def test_an_event_is_recorded_once_and_its_retries_are_recognised(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        assert await events_repo.record_processed(session, "slack", "Ev01", NOW)
    for retry in range(3):  # Slack retries an unacknowledged event up to three times
        async with sessions.begin() as session:
            retried_at = NOW + timedelta(minutes=retry)
            assert not await events_repo.record_processed(session, "slack", "Ev01", retried_at)
    async with sessions.begin() as session:
        assert await events_repo.record_processed(session, "discord", "Ev01", NOW)
        assert await events_repo.record_processed(session, "slack", "Ev02", NOW)


async def test_an_event_recorded_in_a_rolled_back_transaction_can_be_acted_on_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert await events_repo.record_processed(session, "slack", "Ev01", NOW)
        await session.rollback()  # the handler crashed before commit
    async with sessions.begin() as session:
        assert await events_repo.record_processed(session, "slack", "Ev01", NOW)


async def test_two_concurrent_deliveries_of_one_event_are_acted_on_once(
    engine: AsyncEngine, database_url: str
) -> None:
    other_engine = create_engine(database_url)
    try:
        factories = [session_factory(engine), session_factory(other_engine)]
        acted: list[str] = []

        async def deliver(number: int) -> bool:
            async with factories[number % 2].begin() as session:
                first = await events_repo.record_processed(session, "slack", "Ev01", NOW)
                if first:
                    acted.append(f"delivery {number}")
                return first

        outcomes = await asyncio.gather(*(deliver(n) for n in range(4)))

        assert sorted(outcomes) == [False, False, False, True]
        assert len(acted) == 1
    finally:
        await other_engine.dispose()


# -- SQLite connection settings ---------------------------------------------------------


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
    finally:
        await engine.dispose()
    assert journal == "wal"
    assert busy == SQLITE_BUSY_TIMEOUT_MS == 5000
    assert foreign_keys == 1
    assert synchronous == 1  # NORMAL


# -- cascades ---------------------------------------------------------------------------


async def count(session: AsyncSession, model: type[SQLModel]) -> int:
    return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_deleting_a_workspace_deletes_its_members_silos_and_schedules(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        ids: dict[str, int] = {}
        for external_id in ("T-gone", "T-kept"):
            workspace = await workspaces_repo.get_or_create(
                session, "slack", external_id, external_id, NOW
            )
            assert workspace.id is not None
            ids[external_id] = workspace.id
            member = await members_repo.add(session, workspace.id, "U1", "Ada", None, NOW)
            silo = await silos_repo.add(session, workspace.id, "Radiotherapy", "team", NOW)
            assert await members_repo.link_silo(session, member, silo)
            schedule = await schedules_repo.create(
                session,
                workspace_id=workspace.id,
                job="checkins.ask",
                cron="0 9 * * 1",
                timezone="UTC",
                now=NOW,
            )
            assert schedule.id is not None
            await schedules_repo.claim_slot(
                session, schedule.id, NOW, status="ran", now=NOW, instance="a"
            )

    async with sessions.begin() as session:
        await session.exec(delete(Workspace).where(col(Workspace.id) == ids["T-gone"]))

    async with sessions() as session:
        assert await count(session, Workspace) == 1
        for model in (Member, Silo, MemberSilo, Schedule, ScheduleRun):
            assert await count(session, model) == 1, model.__name__
        member_workspaces = (await session.exec(select(Member.workspace_id))).all()
        assert member_workspaces == [ids["T-kept"]]
