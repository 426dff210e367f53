"""Work for thousands at once is done in bulk: a check-in ``run now`` for a whole
channel and a morning's commitment reminders take a number of statements that
does not grow with the people they reach, and still reach each of them once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapter import ChannelMember
from handlers.commitments import reminders
from storage.models import CheckinPrompt, OutboxMessage
from storage.repositories.core import execute, table_of
from tests.support.harness import Harness, running
from tests.support.times import LONDON, NEW_YORK, TOKYO

SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
THURSDAY = date(2026, 12, 3)
ZONES = (LONDON, NEW_YORK, TOKYO)


@contextmanager
def statements_counted(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile (an executemany counts once)."""

    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def count_rows(convene: Harness, model: Any, *where: Any) -> int:
    async with convene.app.sessions() as session:
        found = await execute(
            session, select(func.count()).select_from(table_of(model)).where(*where)
        )
        return int(found.scalar_one())


async def asked_and_dms(convene: Harness) -> tuple[int, int]:
    """Prompts asked so far, and prompt DMs queued."""

    outbox, prompts = table_of(OutboxMessage), table_of(CheckinPrompt)
    return (
        await count_rows(convene, CheckinPrompt, prompts.c.status == "asked"),
        await count_rows(convene, OutboxMessage, outbox.c.idempotency_key.like("%:ask:%")),
    )


async def run_now_for(database_url: str, people: int) -> tuple[int, int, int]:
    """Statements of a ``run now`` for a channel of ``people``, prompts asked, DMs queued."""

    channel, name = "general", f"Pulse {people}"  # each call its own check-in, in one database
    async with running(database_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members[channel] = [
            ChannelMember(f"U{n:05d}", f"Member {n}", ZONES[n % len(ZONES)]) for n in range(people)
        ]
        reply = await convene.reply_to(
            "you",
            f'/convene checkin create "{name}" #{channel} every Monday 09:00 --template pulse',
        )
        assert reply.startswith("Created the check-in"), reply
        asked_before, dms_before = await asked_and_dms(convene)
        with statements_counted(convene.app.engine) as sent:
            await convene.adapter.command(
                "you", f'/convene checkin run now "{name}"', place=convene.adapter.channel(channel)
            )
        asked, dms = await asked_and_dms(convene)
        await convene.app.settle()  # delivered, so the next call's app has nothing left over
        return len(sent), asked - asked_before, dms - dms_before


async def test_run_now_for_1500_people_takes_about_the_statements_of_one_for_15(
    database_url: str,
) -> None:
    few, asked_few, dms_few = await run_now_for(database_url, 15)
    many, asked_many, dms_many = await run_now_for(database_url, 1500)
    assert (asked_few, dms_few) == (15, 15)
    assert (asked_many, dms_many) == (1500, 1500)
    # Rows go 1,000 to a statement (members, prompts, DMs): two chunks instead of one.
    assert many - few <= 4, (few, many)


async def test_a_morning_of_more_reminders_than_one_sweep_takes_reminds_each_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """13 commitments due at one 09:00, read 4 at a time, at most 10 a sweep: ten at
    09:00:00, the other three a second later, and each owner hears of each once."""

    monkeypatch.setattr(reminders, "CHUNK", 4)
    monkeypatch.setattr(reminders, "SWEEP_LIMIT", 10)
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        for name in ("alice", "bob", "chen"):
            reply = await convene.reply_to("you", f"/convene member add {name} --tz {LONDON}")
            assert reply.startswith(f"Added {name}"), reply
        for n in range(13):
            owner = ("alice", "bob", "chen")[n % 3]
            delivered = await convene.command(owner, f"/commit Task number {n} by Friday")
            assert delivered, "the commitment was not made"
        nine = datetime.combine(THURSDAY, time(9), tzinfo=UTC)  # London is on UTC in December
        with statements_counted(convene.app.engine) as sent:
            await convene.advance(nine + timedelta(seconds=1))
        got = [d for d in convene.adapter.delivered if d.text.startswith("Reminder: *")]
        assert len(got) == 13
        assert sorted(d.text.split("*")[1] for d in got) == sorted(
            f"Task number {n}" for n in range(13)
        )
        for owner in ("alice", "bob", "chen"):
            mine = [d for d in got if d.message.target.member_ids == (owner,)]
            assert len(mine) == len(range(["alice", "bob", "chen"].index(owner), 13, 3))
        assert sorted({d.at for d in got}) == [nine, nine + timedelta(seconds=1)]
        assert sum(1 for d in got if d.at == nine) == 10
        reads = [s for s in sent if s.lstrip().upper().startswith("SELECT") and "commitments" in s]
        assert len(reads) >= 4  # 4 + 4 + 2 in the first sweep, then 3 in the second
