"""Scenarios played once per test process, then handed to each test as a copy.

Playing a scenario through the scheduler (two weeks of rounds, check-ins,
commitments and a retro) takes seconds, and several tests then only ask about
where it left the workspace: the report, the export, the map. ``played_once``
plays a scenario once per test process on a SQLite file of its own and keeps
the file, the clock's time and what the memory workspace showed by then;
``resumed`` starts Convene on a copy of that file at that time, as after a
restart, with the workspace still showing those messages (so a button on a
message sent during the scenario can still be pressed, as a member would after
a restart).

Only for a test about the scenario's end state: a test about a step *within*
the scenario plays it itself. Each test gets its own copy, so nothing one test
does is seen by another.
"""

from __future__ import annotations

import copy
import itertools
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from bot.events import Event
from bot.messages import Form
from tests.support.databases import fresh_sqlite, run_apart, sqlite_url_of
from tests.support.harness import Harness, running

Told = TypeVar("Told")
Scenario = Callable[[Harness], Awaitable[Told]]

_SIDECARS = ("", "-wal")
"""The SQLite file and its write-ahead log (empty once Convene has stopped, copied anyway)."""


@dataclass(frozen=True)
class Played(Generic[Told]):
    """Where a scenario left Convene: its database, its clock and its workspace."""

    database: Path
    now: datetime
    told: Told
    """What the scenario returned (who told which story, say)."""
    delivered: tuple[Delivered, ...]
    forms_opened: tuple[tuple[Event, Form], ...]
    channel_members: dict[str, list[ChannelMember]]
    options: dict[str, Any]
    """How Convene was started (``running``'s keyword arguments), to start it so again."""


_played: dict[Callable[..., Any], Played[Any]] = {}


def played_once(
    scenario: Scenario[Told],
    *,
    template: Path,
    folders: pytest.TempPathFactory,
    **options: Any,
) -> Played[Told]:
    """``scenario`` played on Convene started with ``running(**options)``, once per test
    process (the first call plays it; later calls, from any module, get the same)."""

    known = _played.get(scenario)
    if known is not None:
        assert known.options == options, f"{scenario.__name__} played with other options"
        return known
    folder = folders.mktemp(scenario.__name__.strip("_") or "scenario")
    url = fresh_sqlite(template, folder)

    async def play() -> Played[Told]:
        async with running(url, **options) as convene:
            told = await scenario(convene)
            adapter = convene.adapter
            return Played(
                database=folder / "convene.db",
                now=convene.clock.now(),
                told=told,
                delivered=tuple(adapter.delivered),
                forms_opened=tuple(adapter.forms_opened),
                channel_members=copy.deepcopy(adapter.channel_members),
                options=options,
            )

    played = run_apart(play)
    _played[scenario] = played
    return played


@asynccontextmanager
async def resumed(played: Played[Any], folder: Path) -> AsyncIterator[Harness]:
    """Convene started again on a copy of where ``played`` left it, at the same moment, its
    workspace showing the same messages."""

    database = folder / "resumed.db"
    for sidecar in _SIDECARS:
        kept = played.database.with_name(played.database.name + sidecar)
        if kept.exists():
            shutil.copyfile(kept, database.with_name(database.name + sidecar))
    options = {**played.options, "start": played.now}
    async with running(sqlite_url_of(database), **options) as convene:
        adapter = convene.adapter
        assert adapter.delivered == [], "Convene sent something as it started again"
        adapter.delivered.extend(played.delivered)
        adapter.forms_opened.extend(played.forms_opened)
        adapter.channel_members.update(copy.deepcopy(played.channel_members))
        # New messages are numbered after the scenario's, as the platform would.
        numbers = [int(d.ref["message_id"]) for d in played.delivered]
        adapter._ids = itertools.count(max(numbers, default=0) + 1)
        yield convene
