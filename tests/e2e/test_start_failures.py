"""A start-up that fails says in one line what to fix, exits non-zero, and shows no traceback.

A database that cannot be reached used to print a 176-line traceback, and a
Slack that cannot be reached 86 lines. Each case here runs ``convene run`` as
an operator does (a process of its own, so that every line it writes to
stderr is counted, log lines included) and reads exactly one line there,
naming the thing to change. The traceback is still in the log at DEBUG.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from storage.engine import create_engine
from storage.migrate import upgrade
from tests.support.cli import ConveneCommand, Ran, convene_env
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_postgres import NO_SUCH_DATABASE, WRONG_PASSWORD, RefusingPostgres
from tests.support.fake_slack import FakeSlack

DEADLINE = 60
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
PR_CAPBSET_DROP = 24


async def convene_run(
    cwd: Path,
    env: Mapping[str, str],
    *,
    as_owner_only: bool = False,
) -> Ran:
    """``convene run`` in a process of its own, with no input; what it said, and its code.

    ``as_owner_only``: without root's power to write anywhere, so that a
    folder's permissions apply even when the tests run as root.
    """

    extra: dict[str, Any] = {}
    if as_owner_only and os.geteuid() == 0:
        extra["preexec_fn"] = _drop_root_file_powers
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=convene_env(env),
        **extra,
    )
    out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


def _drop_root_file_powers() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "could not drop a capability")


def the_one_line(ran: Ran) -> str:
    """The one line on stderr, once the exit code says the start failed."""

    assert ran.returncode == 1, (ran.returncode, ran.stderr)
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    assert "Traceback" not in ran.stderr
    return lines[0]


@contextmanager
def a_port_nothing_listens_on() -> Iterator[int]:
    """A port that refuses connections: bound (so no one else takes it), never listening."""

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()


@contextmanager
def a_port_in_use() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def sqlite_at(path: Path) -> dict[str, str]:
    return {"CONVENE_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}


# -- the database -----------------------------------------------------------------------------


async def test_a_database_server_that_does_not_answer(tmp_path: Path) -> None:
    with a_port_nothing_listens_on() as port:
        url = f"postgresql://convene:secret@127.0.0.1:{port}/convene"
        line = the_one_line(await convene_run(tmp_path, {"CONVENE_DATABASE_URL": url}))
    assert line == (
        f"convene: cannot open the database: nothing answers at 127.0.0.1:{port} (connection "
        "refused): start the database, or correct the host and port in [convene] database_url "
        "(or $CONVENE_DATABASE_URL)"
    )


async def test_a_database_host_that_does_not_exist(tmp_path: Path) -> None:
    url = "postgresql://convene:secret@no-such-host.invalid/convene"
    line = the_one_line(await convene_run(tmp_path, {"CONVENE_DATABASE_URL": url}))
    assert line.startswith(
        "convene: cannot open the database: unknown database host 'no-such-host.invalid': "
        "correct the host in [convene] database_url"
    )


async def test_a_wrong_database_password(tmp_path: Path) -> None:
    async with RefusingPostgres(WRONG_PASSWORD) as server:
        url = f"postgresql://convene:wrong@127.0.0.1:{server.port}/convene"
        line = the_one_line(await convene_run(tmp_path, {"CONVENE_DATABASE_URL": url}))
    assert server.refused >= 1
    assert line.startswith(
        f"convene: cannot open the database: the database at 127.0.0.1:{server.port} refused "
        "the password of user 'convene': correct the password in [convene] database_url"
    )
    assert "wrong" not in line


async def test_a_database_that_does_not_exist_on_its_server(tmp_path: Path) -> None:
    async with RefusingPostgres(NO_SUCH_DATABASE, asks_password=False) as server:
        url = f"postgresql://convene@127.0.0.1:{server.port}/convene"
        line = the_one_line(await convene_run(tmp_path, {"CONVENE_DATABASE_URL": url}))
    assert line.startswith(
        f"convene: cannot open the database: there is no database 'convene' at "
        f"127.0.0.1:{server.port}: create it (createdb convene)"
    )


async def test_a_sqlite_folder_convene_may_not_write_to(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        ran = await convene_run(tmp_path, sqlite_at(folder / "convene.db"), as_owner_only=True)
    finally:
        folder.chmod(0o755)
    line = the_one_line(ran)
    assert line.startswith(
        f"convene: cannot open the database: permission denied on the folder {folder}: "
        "SQLite keeps convene.db and its -wal and -shm files there"
    )


async def test_a_sqlite_folder_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    line = the_one_line(await convene_run(tmp_path, sqlite_at(missing / "convene.db")))
    assert line.startswith(
        f"convene: cannot open the database: the folder {missing} for the SQLite database "
        "does not exist: create it"
    )


async def newer_database(path: Path) -> None:
    """A database a newer Convene has upgraded: at a revision this one has never heard of."""

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = 'f00dfeed1234'")


async def test_a_migration_that_cannot_run(tmp_path: Path) -> None:
    await newer_database(tmp_path / "convene.db")
    line = the_one_line(await convene_run(tmp_path, sqlite_at(tmp_path / "convene.db")))
    assert line.startswith(
        "convene: cannot start: the database's schema is newer than this Convene knows"
    )
    assert "f00dfeed1234" in line


# -- the platforms ----------------------------------------------------------------------------


def slack(base_url: str, **more: str) -> dict[str, str]:
    return {
        "CONVENE_ADAPTERS": "slack",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "CONVENE_SLACK_API_BASE_URL": base_url,
        **more,
    }


async def test_a_slack_that_cannot_be_reached(tmp_path: Path) -> None:
    with a_port_nothing_listens_on() as port:
        base = f"http://127.0.0.1:{port}/api/"
        line = the_one_line(await convene_run(tmp_path, slack(base)))
    assert line.startswith(f"convene: cannot start: could not reach Slack at {base} (")
    assert line.endswith("check the network, or [slack] api_base_url")


async def test_a_slack_bot_token_slack_refuses(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        env = slack(fake.base_url, SLACK_BOT_TOKEN="xoxb-revoked")
        line = the_one_line(await convene_run(tmp_path, env))
    assert line == (
        "convene: cannot start: Slack refused the bot token (invalid_auth); check SLACK_BOT_TOKEN"
    )


async def test_a_port_in_use_for_slacks_http_mode(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        with a_port_in_use() as port:
            env = slack(
                fake.base_url,
                CONVENE_SLACK_MODE="http",
                SLACK_SIGNING_SECRET="s3cret",
                CONVENE_SLACK_HTTP_HOST="127.0.0.1",
                CONVENE_SLACK_HTTP_PORT=str(port),
            )
            line = the_one_line(await convene_run(tmp_path, env))
    assert line.startswith(
        f"convene: cannot start: Slack's HTTP mode cannot listen on 127.0.0.1:{port} ("
    )
    assert line.endswith("set [slack] http_port (or $CONVENE_SLACK_HTTP_PORT) to a free one")


def discord(base_url: str, gateway_url: str, token: str) -> dict[str, str]:
    return {
        "CONVENE_ADAPTERS": "discord",
        "DISCORD_TOKEN": token,
        "CONVENE_DISCORD_API_BASE_URL": base_url,
        "CONVENE_DISCORD_GATEWAY_URL": gateway_url,
    }


async def test_a_discord_that_cannot_be_reached(tmp_path: Path) -> None:
    with a_port_nothing_listens_on() as port:
        base = f"http://127.0.0.1:{port}/api/v10"
        env = discord(base, f"ws://127.0.0.1:{port}/", "t")
        line = the_one_line(await convene_run(tmp_path, env))
    assert line.startswith(f"convene: cannot start: could not reach Discord at {base} (")


async def test_a_discord_bot_token_discord_refuses(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        env = discord(fake.base_url, fake.gateway_url, "not-the-bot-token")
        line = the_one_line(await convene_run(tmp_path, env))
    assert line == "convene: cannot start: Discord refused the bot token; check DISCORD_TOKEN"


# -- the config -------------------------------------------------------------------------------


async def test_a_database_url_convene_has_no_driver_for_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    ran = await convene_run(tmp_path, {"CONVENE_DATABASE_URL": "mysql://convene@db/convene"})
    assert ran.returncode == 2
    assert ran.stderr.splitlines() == [
        "convene: $CONVENE_DATABASE_URL mysql://convene@db/convene: Convene cannot use 'mysql' "
        "databases; give sqlite+aiosqlite:///convene.db or "
        "postgresql+asyncpg://USER:PASSWORD@HOST/NAME (sqlite:// and postgresql:// mean the same)"
    ]


# -- what a failed start leaves behind --------------------------------------------------------


def sqlite_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


def still_running_after(seconds: float, threads: set[threading.Thread]) -> list[threading.Thread]:
    """The threads among ``threads`` that have not ended within ``seconds`` (joined, not polled)."""

    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread for thread in threads if thread.is_alive()]


def test_a_start_that_fails_disposes_of_the_database_engine(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    """The shell's start, in this process: no SQLite connection thread outlives its loop."""

    asyncio.run(newer_database(tmp_path / "convene.db"))
    before = set(sqlite_threads())

    ran = convene_command("run", cwd=tmp_path, env=sqlite_at(tmp_path / "convene.db"))

    assert ran.returncode == 1
    assert ran.stderr.startswith("convene: cannot start: the database's schema is newer")
    assert still_running_after(2.0, set(sqlite_threads()) - before) == []


@pytest.mark.parametrize("debug", [False, True])
def test_the_traceback_is_in_the_log_at_debug_only(
    tmp_path: Path,
    convene_command: ConveneCommand,
    caplog: pytest.LogCaptureFixture,
    debug: bool,
) -> None:
    asyncio.run(newer_database(tmp_path / "convene.db"))
    env = sqlite_at(tmp_path / "convene.db")
    if debug:
        env["CONVENE_LOG_LEVEL"] = "DEBUG"

    with caplog.at_level("DEBUG", logger="convene"):
        ran = convene_command("run", cwd=tmp_path, env=env)

    assert ran.returncode == 1
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert [(r.name, r.levelname) for r in with_traceback] == [("convene", "DEBUG")]


def test_db_upgrade_says_the_same_in_one_line(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    asyncio.run(newer_database(tmp_path / "convene.db"))

    ran = convene_command("db", "upgrade", cwd=tmp_path, env=sqlite_at(tmp_path / "convene.db"))

    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        "convene: the database's schema is newer than this Convene knows (Can't locate "
        "revision identified by 'f00dfeed1234'): a newer version upgraded it; run that "
        "version, or restore a backup taken before"
    ]
