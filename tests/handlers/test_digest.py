"""The monthly digest: each convener's DM on the 1st at 09:00 their own time.

Nobody has to turn it on; one command turns it off for the workspace, and
back on. Convene starts here on Monday 30 November 2026, so its first digest
is for December (its first whole month), on 1 January 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from adapters.memory import Delivered
from storage.models import Timer
from storage.repositories.core import execute
from tests.support.harness import Harness, running

DIGEST = "*Your monthly Convene digest"
NEW_YEAR = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
NEW_YORK_NINE = datetime(2027, 1, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York


def digests(delivered: list[Delivered], member: str) -> list[Delivered]:
    return [
        d
        for d in delivered
        if d.message.target.kind == "dm"
        and d.message.target.member_ids == (member,)
        and d.text.startswith(DIGEST)
    ]


async def two_conveners(convene: Harness) -> None:
    """You (no time zone: UTC) and Alice in New York convene; Alice makes a commitment."""

    await convene.command("you", "/convene member add alice --tz America/New_York")
    await convene.command("you", "/convene convener add alice")
    await convene.advance(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    await convene.command("alice", "/commit Draft the winter rota by 11 December")


async def test_each_convener_gets_last_months_digest_at_nine_on_the_first_their_time(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await two_conveners(convene)
        before = await convene.advance(NEW_YEAR - timedelta(minutes=1))
        at_nine = await convene.advance(NEW_YEAR)
        in_london_afternoon = await convene.advance(NEW_YORK_NINE - timedelta(minutes=1))
        in_new_york = await convene.advance(NEW_YORK_NINE)

    # Nothing for the two days of November Convene was there, nothing before 09:00.
    assert digests(before, "you") == digests(before, "alice") == []
    (yours,) = digests(at_nine, "you")
    assert digests(at_nine, "alice") == digests(in_london_afternoon, "alice") == []
    (alices,) = digests(in_new_york, "alice")
    lines = yours.text.splitlines()
    assert lines[0] == "*Your monthly Convene digest: December 2026*"
    assert lines[1:7] == [
        "• Check-ins: no run in this period.",
        "• Introductions: no round in this period.",
        "• New bridges: none in this period.",
        "• Learning stories shared: 0.",
        "• Commitments: 1 made, 0 done (0 on time, 0 late), 1 open, 1 overdue, 0 dropped.",
        "• Retros: none held in this period.",
    ]
    assert lines[-1].endswith("To stop this digest for every convener: /convene digest off")
    (report,) = yours.message.files
    assert report.name == "convene-report-2026-12.md"
    assert report.data.decode("utf-8").startswith(
        "# Convene report for T-memory: 1 Dec 2026 to 31 Dec 2026\n"
    )
    assert alices.text.splitlines()[:6] == lines[:6]


async def test_a_convener_turns_the_digest_off_and_back_on(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await two_conveners(convene)
        asked = await convene.reply_to("alice", "/convene digest")
        off = await convene.reply_to("alice", "/convene digest off")
        again = await convene.reply_to("you", "/convene digest off")
        while_off = await convene.advance(datetime(2027, 2, 1, 15, 0, tzinfo=UTC))
        on = await convene.reply_to("you", "/convene digest on")
        await convene.command("alice", "/commit Review the spring rota by 20 February")
        back_on = await convene.advance(datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
        refused = await convene.reply_to("bob", "/convene digest off")
        wrong = await convene.reply_to("you", "/convene digest maybe")

    assert asked.startswith("The monthly digest is on (on the 1st of each month at 09:00")
    assert off == (
        "The monthly digest is off for every convener. Turn it back on with /convene digest on"
    )
    assert again == "The monthly digest was already off; nothing changed."
    assert digests(while_off, "you") == digests(while_off, "alice") == []
    assert on.startswith("The monthly digest is on again: on the 1st of each month at 09:00")
    assert [d.text.splitlines()[0] for d in digests(back_on, "you")] == [
        "*Your monthly Convene digest: February 2027*"
    ]
    assert len(digests(back_on, "alice")) == 1
    assert refused.startswith("Only conveners can use /convene digest.")
    assert "on" in wrong and "off" in wrong and "/convene digest" in wrong


async def test_a_digest_fired_twice_is_sent_once(sqlite_url: str) -> None:
    """A second instance, or a restart, that runs the same digest timer again sends nothing."""

    async with running(sqlite_url) as convene:
        await two_conveners(convene)
        first = await convene.advance(NEW_YEAR)
        async with convene.app.sessions.begin() as session:
            await execute(
                session,
                update(Timer)
                .where(col(Timer.job) == "landscape.digest.send")
                .values(status="pending", fired_at=None),
            )
        replayed = await convene.advance(NEW_YEAR + timedelta(minutes=5))

    assert len(digests(first, "you")) == 1
    assert digests(replayed, "you") == []


async def test_a_month_with_nothing_in_it_sends_no_digest(sqlite_url: str) -> None:
    """No runs, rounds, stories, retros or commitments, and nothing overdue: no message."""

    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene member add alice --tz America/New_York")
        await convene.command("you", "/convene convener add alice")
        quiet = await convene.advance(NEW_YORK_NINE + timedelta(hours=1))
        await convene.command("alice", "/commit Draft the winter rota by 11 January")
        busy = await convene.advance(datetime(2027, 2, 1, 15, 0, tzinfo=UTC))

    assert digests(quiet, "you") == digests(quiet, "alice") == []
    assert [d.text.splitlines()[0] for d in digests(busy, "alice")] == [
        "*Your monthly Convene digest: January 2027*"
    ]
