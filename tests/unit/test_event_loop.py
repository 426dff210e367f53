"""`convene run` with a platform runs on uvloop; asyncio's loop when asked for."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import event_loop
from tests.support.cli import REPO


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_a_server_runs_on_uvloop_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.CHOICE_ENV, raising=False)
    assert event_loop.run(loop_module()).startswith("uvloop")
    assert event_loop.loop_name() == "uvloop"


def test_convene_event_loop_asyncio_keeps_asyncios_own_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(event_loop.CHOICE_ENV, "asyncio")
    assert event_loop.run(loop_module()).startswith("asyncio")
    assert event_loop.loop_name() == "asyncio"


def test_a_misspelt_event_loop_stops_convene_run_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), event_loop.CHOICE_ENV: "uvlop"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "convene: $CONVENE_EVENT_LOOP must be uvloop or asyncio, not 'uvlop'"
    )
    assert not (tmp_path / "convene.db").exists()
