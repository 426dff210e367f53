"""What an event looks up before its handler runs, with two instances on one database.

The dispatcher keeps each workspace's row once read (``bot.known_workspaces``)
and reads the member who acted afresh every event. These scenarios run two
Convene instances (A and B, each with its own dispatcher) on one database,
change something on B, and check that A's next event sees it at once: a
workspace deleted at the end of its grace period and installed again, a
member forgotten, a convener removed. Then what one event costs on the hot
path (statements, one transaction), and that events arriving together on
SQLite take their transactions one after another instead of all waiting in
SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import select

from adapters.memory import SLACK_LIKE
from bot.adapter import ChannelMember
from storage.models import HandlerFailure, Member, Workspace
from storage.repositories import workspaces as workspaces_repo
from tests.support.harness import Harness, running

ALICE = "alice"
BOB = "bob"
DAWN = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # a Monday
NINE_IN_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@asynccontextmanager
async def two_instances(database_url: str) -> AsyncIterator[tuple[Harness, Harness]]:
    async with running(database_url) as first, running(database_url) as second:
        yield first, second


async def members_named(convene: Harness, platform_id: str) -> list[Member]:
    async with convene.app.sessions() as session:
        found = await session.exec(select(Member).where(Member.platform_user_id == platform_id))
        return list(found.all())


async def failures(convene: Harness) -> list[HandlerFailure]:
    async with convene.app.sessions() as session:
        return list((await session.exec(select(HandlerFailure))).all())


async def test_a_workspace_deleted_on_another_instance_and_back_again_gets_a_new_row_here(
    database_url: str,
) -> None:
    """A handled Alice's events, so it keeps the workspace's row. The workspace uninstalled
    Convene and B deleted it at the end of the grace period; now it is back, and Bob's first
    command reaches A: it makes a new row and answers, rather than writing under the row
    A kept (which would fail)."""

    async with two_instances(database_url) as (a, b):
        await a.command(ALICE, "/convene me")  # makes the workspace's row
        await a.command(ALICE, "/convene me")  # reads it, and keeps it
        async with b.app.sessions.begin() as session:
            old = await workspaces_repo.find(session, "memory", "T-memory")
            assert old is not None
            await workspaces_repo.delete_everything(session, old)

        (reply,) = await a.command(BOB, "/convene me")
        (again,) = await a.command(ALICE, "/convene me")

        assert "Sorry" not in reply.text and "Sorry" not in again.text
        assert await failures(a) == []
        (workspace,) = await a.rows(Workspace)
        assert workspace.external_id == "T-memory" and workspace.created_at is not None
        assert [m.workspace_id for m in await members_named(a, BOB)] == [workspace.id]


async def test_a_member_forgotten_on_another_instance_is_a_stranger_on_this_one(
    database_url: str,
) -> None:
    """Alice is known on A; she asks B to forget her. Her next command on A acts on a new,
    empty member, never on the forgotten row."""

    async with two_instances(database_url) as (a, b):
        await a.command(ALICE, "/convene me tz Europe/Berlin")
        (forgotten,) = await members_named(a, ALICE)
        await b.command(ALICE, "/convene me forget")
        await b.click(ALICE, "Forget me")
        assert await members_named(a, ALICE) == []

        (reply,) = await a.command(ALICE, "/convene me")

        (now,) = await members_named(a, ALICE)
        assert now.id != forgotten.id and now.erased_at is None and now.timezone is None
        assert "Europe/Berlin" not in reply.text


async def test_a_convener_removed_on_another_instance_is_refused_on_this_one_at_once(
    database_url: str,
) -> None:
    async with two_instances(database_url) as (a, b):
        await a.command(ALICE, "/convene me")
        await b.command("you", "/convene convener add alice")
        (allowed,) = await a.command(ALICE, "/convene members")
        assert not allowed.text.startswith("Only conveners"), allowed.text

        await b.command("you", "/convene convener remove alice")
        (refused,) = await a.command(ALICE, "/convene members")

        assert refused.text.startswith("Only conveners can"), refused.text


# -- what one event costs -------------------------------------------------------------------


class Statements:
    """Statements sent on an app's engine, and how many of its connections were in use at
    once (a transaction waiting for SQLite's lock holds one)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.in_use = 0
        self.most_in_use = 0

    @contextmanager
    def watching(self, convene: Harness) -> Iterator[Statements]:
        engine = convene.app.engine.sync_engine

        def sent(*args: Any) -> None:
            self.sent.append(str(args[2]).split(None, 1)[0].upper())

        def taken(*args: Any) -> None:
            self.in_use += 1
            self.most_in_use = max(self.most_in_use, self.in_use)

        def given_back(*args: Any) -> None:
            self.in_use -= 1

        hooks: list[tuple[Any, str, Any]] = [
            (engine, "before_cursor_execute", sent),
            (engine.pool, "checkout", taken),
            (engine.pool, "checkin", given_back),
        ]
        for target, name, hook in hooks:
            sa_event.listen(target, name, hook)
        try:
            yield self
        finally:
            for target, name, hook in hooks:
                sa_event.remove(target, name, hook)


def in_general(convene: Harness, *members: str) -> None:
    convene.adapter.channel_members["general"] = [
        ChannelMember(member, member.title(), "Europe/Berlin") for member in members
    ]


async def asked_now(convene: Harness) -> None:
    """A check-in of #general at 09:00, created at dawn; then it is 09:00 in Berlin, where
    everyone is, and everyone is asked."""

    await convene.command("you", '/convene checkin create "Pulse" #general every weekday 09:00')
    await convene.advance(NINE_IN_BERLIN)


async def test_a_check_in_answer_is_one_transaction_of_six_statements_at_most(
    database_url: str,
) -> None:
    """The hot path of a check-in burst: the event recorded, the member read, the run,
    prompt and silos read together, the answer written, the draft cleared, the thread post
    and the reply queued; on SQLite a BEGIN IMMEDIATE besides."""

    async with running(database_url, start=DAWN) as convene:
        in_general(convene, ALICE)
        await asked_now(convene)
        await convene.click(ALICE, "Answer")
        form = convene.last_form(ALICE)

        with Statements().watching(convene) as watched:
            await convene.adapter.submit(ALICE, form, {f.name: "Fine" for f in form.fields})

        assert any("Thank you" in d.text for d in (await _settled(convene)))
    work = [s for s in watched.sent if s != "BEGIN"]
    assert len(work) <= 6, watched.sent
    assert work.count("SELECT") <= 3, watched.sent


async def _settled(convene: Harness) -> list[Any]:
    before = len(convene.adapter.delivered)
    await convene.app.settle()
    return convene.adapter.delivered[before:]


async def test_answers_arriving_together_on_sqlite_take_the_database_one_after_another(
    sqlite_url: str,
) -> None:
    """Twelve members press Send at the same moment. Every answer is recorded, and the
    events took one connection at a time: each waited its turn in the dispatcher rather
    than on a connection of its own in SQLite's busy handler, which sleeps in steps of up
    to 100 ms."""

    members = [f"m{n}" for n in range(12)]
    async with running(sqlite_url, start=DAWN) as convene:
        in_general(convene, *members)
        await asked_now(convene)
        forms = {}
        for member in members:
            await convene.click(member, "Answer")
            forms[member] = convene.last_form(member)

        with Statements().watching(convene) as watched:
            await asyncio.gather(
                *(
                    convene.adapter.submit(m, forms[m], {f.name: "Fine" for f in forms[m].fields})
                    for m in members
                )
            )

        assert watched.most_in_use == 1
        thanked = [d for d in await _settled(convene) if "Thank you" in d.text]
        assert sorted(d.message.target.member_ids[0] for d in thanked) == sorted(members)


async def test_a_refused_answer_to_a_conveners_only_check_in_is_asked_again_naming_them(
    sqlite_url: str,
) -> None:
    """The form's note names the conveners, a read the answer itself does not need: it is
    made only when a field is refused and the form is shown again."""

    asks_in_place = replace(SLACK_LIKE, reasks_form_fields=True)
    async with running(sqlite_url, start=DAWN, capabilities=asks_in_place) as convene:
        in_general(convene, ALICE)
        await convene.command(
            "you",
            '/convene checkin create "Pulse" #general every weekday 09:00 --template pulse '
            "--answers conveners",
        )
        await convene.advance(NINE_IN_BERLIN)
        await convene.click(ALICE, "Answer")
        shown = convene.last_form(ALICE)

        await convene.answer_form(ALICE, ["9", "Busy"])

        again = convene.last_form(ALICE)
        assert again.problem is not None and "1 to 5" in again.problem.reason
        assert again.note == shown.note
        assert shown.note == 'Your answers go to: the conveners only (the convener named "you").'
