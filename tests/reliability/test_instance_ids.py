"""Instances on one host: each process names itself, and a restart waits for its
predecessor's leases instead of taking other instances' deliveries in flight.

The defect: every process on a host was named after the host, so each restart
took back the rows every instance there was sending ("resuming"), and they went
out again: 308 of 600 members got 2 to 4 prompts.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.config import (
    INSTANCE_ID_MAX,
    ConfigError,
    ConveneSection,
    Settings,
    load_settings,
    process_instance_id,
)
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from storage.engine import session_factory
from storage.repositories import outbox as outbox_repo
from tests.support.cli import REPO, convene_env
from tests.support.fake_platform import FakePlatform
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM, WORKSPACE, queue

LEASE = 30.0
PRINT_INSTANCE = "from bot.config import load_settings; print(load_settings().instance)"


def instance_of_a_new_process(folder: Path) -> str:
    """The instance name a ``convene`` process started in ``folder`` with no config gives itself."""

    done = subprocess.run(
        [sys.executable, "-c", PRINT_INSTANCE],
        cwd=folder,
        env={**convene_env(), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def test_two_processes_on_one_host_name_themselves_apart(tmp_path: Path) -> None:
    first = instance_of_a_new_process(tmp_path)
    second = instance_of_a_new_process(tmp_path)

    assert first != second
    host = socket.gethostname()[:24]
    assert first.startswith(host) and second.startswith(host), "the host stays readable"
    assert len(first) <= INSTANCE_ID_MAX


def test_one_process_keeps_one_name() -> None:
    assert Settings().instance == Settings().instance == process_instance_id()


def test_an_instance_id_set_by_hand_is_used_as_it_is(tmp_path: Path) -> None:
    assert Settings(convene=ConveneSection(instance_id="web-1")).instance == "web-1"
    assert load_settings(environ={"CONVENE_INSTANCE_ID": "web-2"}).instance == "web-2"


def test_an_instance_id_too_long_to_store_is_refused_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "convene.toml"
    config.write_text(f'[convene]\ninstance_id = "{"x" * (INSTANCE_ID_MAX + 1)}"\n')

    with pytest.raises(ConfigError) as refused:
        load_settings(str(config), environ={})

    assert "instance_id" in str(refused.value) and "\n" not in str(refused.value)


def dms(count: int) -> list[tuple[str, OutgoingMessage]]:
    return [
        (f"checkin-run:1:ask:{n}", OutgoingMessage(target=Target.dm(f"m{n}"), text=f"#{n}"))
        for n in range(count)
    ]


async def killed_holding_everything(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, worker: str
) -> None:
    """A process that claimed the whole outbox and was killed before sending any."""

    now = clock.now()
    async with sessions.begin() as session:
        claimed = await outbox_repo.claim(
            session,
            platform=PLATFORM,
            now=now,
            lease_until=now + timedelta(seconds=LEASE),
            worker=worker,
            limit=50,
        )
    assert claimed


async def test_a_process_that_names_itself_picks_up_its_predecessors_messages_when_their_lease_ends(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """The cost of a crash: the messages in flight wait out their lease (at most
    ``lease_seconds``), then any instance sends them; nothing is taken from another."""

    items = dms(4)
    await queue(sessions, clock, items)
    await killed_holding_everything(sessions, clock, "host-100-aaaaaa:fake")

    async with FakePlatform(now=clock.now) as platform:
        async with HttpPlatformAdapter(platform.url, platform=PLATFORM) as adapter:
            restarted = Deliverer(
                session_factory(engine),
                adapter,
                clock,
                worker="host-200-bbbbbb:fake",
                lease_seconds=LEASE,
            )
            assert await restarted.resume() == 0, "it took rows that were not its own"
            assert await restarted.drain() == 0, "it sent rows another process still held"

            clock.advance(timedelta(seconds=LEASE + 1))
            assert await restarted.drain() == len(items)

        assert sorted(r.idempotency_key for r in platform.delivered) == sorted(
            key for key, _ in items
        )
    async with sessions() as session:
        assert (await outbox_repo.status_counts(session, WORKSPACE))["sent"] == len(items)


async def test_a_restart_under_an_instance_id_set_by_hand_resumes_at_once(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await queue(sessions, clock, dms(3))
    await killed_holding_everything(sessions, clock, "web-1:fake")

    async with FakePlatform(now=clock.now) as platform:
        async with HttpPlatformAdapter(platform.url, platform=PLATFORM) as adapter:
            restarted = Deliverer(
                session_factory(engine), adapter, clock, worker="web-1:fake", lease_seconds=LEASE
            )
            assert await restarted.resume() == 3
            assert await restarted.drain() == 3
        assert len(platform.delivered) == 3
