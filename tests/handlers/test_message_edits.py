"""Edits: a message that ``replaces`` an earlier one changes it in place, once it exists.

A check-in answer changed, a vote counted: the outbox carries the new words
as a message of its own whose ``replaces`` names the earlier message's key.
The deliverer turns it into an ``edit`` of the delivered original, waits for
an original not yet delivered (they share a target, so they keep their
order), and sends it as a new message when the original was given up on.

Each scenario runs on SQLite and PostgreSQL, with a ``ManualClock``: back-offs
sleep on it, so nothing really waits.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from adapters.shell import ShellAdapter
from bot.adapter import Adapter, ChannelMember, PermanentDeliveryError, TransientDeliveryError
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import Button, OutgoingMessage, Target
from handlers.checkins.answers import FORM_ID
from handlers.checkins.runs import answer_key
from storage.models import Member
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute, table_of
from tests.support.harness import Harness, running
from tests.support.outbox import Item, deliver_everything, queue
from tests.support.reading import labels
from tests.support.times import SATURDAY_NOON


@pytest.fixture
def adapter(clock: ManualClock) -> MemoryAdapter:
    return MemoryAdapter(clock=clock)


# -- helpers -------------------------------------------------------------------


def deliverer_for(
    adapter: Adapter, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> Deliverer:
    return Deliverer(sessions, adapter, clock, worker="w1", max_attempts=3, base_backoff=1)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str, object]]:
    """Each outbox row's status and recorded platform reference, by idempotency key."""

    table = outbox_repo.outbox
    async with sessions() as session:
        found = await execute(
            session, select(table.c.idempotency_key, table.c.status, table.c.message_ref)
        )
        return {
            str(row["idempotency_key"]): (str(row["status"]), row["message_ref"])
            for row in found.mappings()
        }


def post(key: str, text: str, target: Target | None = None) -> Item:
    return key, OutgoingMessage(target=target or Target.channel("retros"), text=text)


def edit(key: str, replaces: str, text: str, target: Target | None = None) -> Item:
    return key, OutgoingMessage(
        target=target or Target.channel("retros"), text=text, replaces=replaces
    )


def shown(adapter: MemoryAdapter) -> list[tuple[str, str, int]]:
    """What the workspace shows now: (message id, text, times edited)."""

    return [(str(d.ref["message_id"]), d.text, d.edits) for d in adapter.delivered]


# -- in place -------------------------------------------------------------------


async def test_an_edit_changes_the_delivered_message_in_place(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(
        sessions,
        clock,
        [post("retro:5:opened", "Retro: 0 votes", Target.channel("retros")), post("other", "hi")],
        platform="memory",
    )
    await deliver_everything([deliverer], sessions, clock)
    original = adapter.delivered[0]
    assert original.idempotency_key == "retro:5:opened"

    await queue(
        sessions,
        clock,
        [
            (
                "retro:5:opened:edit:1",
                OutgoingMessage(
                    target=Target.channel("retros"),
                    text="Retro: 1 vote",
                    buttons=(Button("Vote", "retro.vote", "5"),),
                    replaces="retro:5:opened",
                ),
            )
        ],
        platform="memory",
    )
    await deliver_everything([deliverer], sessions, clock)

    assert len(adapter.delivered) == 2, "an edit is not a new message"
    edited = adapter.delivered[0]
    assert edited.ref == original.ref
    assert edited.idempotency_key == "retro:5:opened"
    assert (edited.text, edited.edits) == ("Retro: 1 vote", 1)
    assert [b.label for b in edited.message.buttons] == ["Vote"]
    assert adapter.delivered[1].text == "hi", "the other message is untouched"
    recorded = await rows(sessions)
    assert recorded["retro:5:opened:edit:1"] == ("sent", original.ref)


async def test_several_edits_leave_the_last_words_on_one_message(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(sessions, clock, [post("poll", "0 votes")], platform="memory")
    await deliver_everything([deliverer], sessions, clock)

    for votes in (1, 2, 3):
        await queue(
            sessions,
            clock,
            [edit(f"poll:edit:{votes}", "poll", f"{votes} votes")],
            platform="memory",
        )
        await deliver_everything([deliverer], sessions, clock)
    # A replayed edit (a retried event queues it again) is a no-op.
    await queue(sessions, clock, [edit("poll:edit:3", "poll", "3 votes")], platform="memory")
    await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [("1", "3 votes", 3)]


# -- an edit that arrives before its original ------------------------------------------------


async def test_an_edit_queued_before_its_original_is_delivered_waits_for_it_then_edits(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    # The answer and its edit both wait in the outbox (the platform is failing);
    # a message to someone else goes out meanwhile.
    await queue(
        sessions,
        clock,
        [
            post("answer:alice", "Alice: shipped the rota"),
            edit("answer:alice:edit:1", "answer:alice", "Alice: shipped the rota and the wiki"),
            post("dm:bob", "Hello Bob", Target.dm("bob")),
        ],
        platform="memory",
    )
    adapter.failures.append(TransientDeliveryError("503 from the platform"))

    await deliverer.drain()

    assert shown(adapter) == [("1", "Hello Bob", 0)], "the edit must not jump ahead of its original"
    recorded = await rows(sessions)
    assert recorded["answer:alice"][0] == "pending"
    assert recorded["answer:alice:edit:1"][0] == "pending"

    await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [
        ("1", "Hello Bob", 0),
        ("2", "Alice: shipped the rota and the wiki", 1),
    ]
    assert adapter.delivered[1].idempotency_key == "answer:alice"


async def test_an_edit_queued_in_the_same_batch_as_its_original_edits_it(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(
        sessions,
        clock,
        [post("answer:alice", "first words"), edit("answer:alice:edit:1", "answer:alice", "new")],
        platform="memory",
    )

    await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [("1", "new", 1)]


# -- an edit whose original never went out --------------------------------------------------


async def test_an_edit_whose_original_was_given_up_on_is_sent_as_a_new_message(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: MemoryAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(
        sessions,
        clock,
        [
            post("answer:alice", "Alice: first words"),
            edit("answer:alice:edit:1", "answer:alice", "Alice: better words"),
        ],
        platform="memory",
    )
    adapter.failures.append(PermanentDeliveryError("not_in_channel"))

    with caplog.at_level(logging.INFO, logger="convene.outbox"):
        await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [("1", "Alice: better words", 0)]
    assert adapter.delivered[0].idempotency_key == "answer:alice:edit:1"
    recorded = await rows(sessions)
    assert recorded["answer:alice"][0] == "dead"
    assert recorded["answer:alice:edit:1"] == ("sent", adapter.delivered[0].ref)
    assert any(
        "answer:alice:edit:1 edits answer:alice, which was never delivered" in r.getMessage()
        for r in caplog.records
    )


async def test_an_edit_whose_original_ran_out_of_attempts_is_sent_as_a_new_message(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)  # three attempts
    await queue(
        sessions,
        clock,
        [post("answer:alice", "first"), edit("answer:alice:edit:1", "answer:alice", "second")],
        platform="memory",
    )
    adapter.failures.extend(TransientDeliveryError("503") for _ in range(3))

    await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [("1", "second", 0)]
    assert (await rows(sessions))["answer:alice"][0] == "dead"


async def test_a_second_edit_of_a_given_up_original_changes_the_first_replacement(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(sessions, clock, [post("answer:alice", "first")], platform="memory")
    adapter.failures.append(PermanentDeliveryError("not_in_channel"))
    await deliver_everything([deliverer], sessions, clock)

    await queue(
        sessions, clock, [edit("answer:alice:edit:1", "answer:alice", "second")], platform="memory"
    )
    await deliver_everything([deliverer], sessions, clock)
    await queue(
        sessions, clock, [edit("answer:alice:edit:2", "answer:alice", "third")], platform="memory"
    )
    await deliver_everything([deliverer], sessions, clock)

    assert shown(adapter) == [("1", "third", 1)]


# -- the shell ------------------------------------------------------------------------------


async def test_the_shell_prints_an_edit_as_an_edited_message_with_its_number(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    out = io.StringIO()
    shell = ShellAdapter(out)
    deliverer = deliverer_for(shell, sessions, clock)
    await queue(
        sessions,
        clock,
        [
            post("poll", "Lunch on Friday? 0 votes", Target.channel("general")),
            post("ask:alice", "How was your week?", Target.dm("alice")),
            edit("poll:edit:1", "poll", "Lunch on Friday? 2 votes", Target.channel("general")),
            edit(
                "ask:alice:edit:1",
                "ask:alice",
                "How was your week?\nAnswered, thank you.",
                Target.dm("alice"),
            ),
        ],
        platform="shell",
        workspace="shell",
    )

    await deliver_everything([deliverer], sessions, clock)

    assert out.getvalue().splitlines() == [
        "bot → #general: Lunch on Friday? 0 votes",
        "bot → alice (DM): How was your week?",
        "bot ✎ #general (message 1 edited): Lunch on Friday? 2 votes",
        "bot ✎ alice (DM) (message 2 edited): How was your week?",
        "bot →   Answered, thank you.",
    ]


# -- a member changes a check-in answer ---------------------------------------------------------


async def answer_with(convene: Harness, actor: str, label: str, values: Sequence[str]) -> None:
    """Press ``label`` on the newest message the actor can see, then fill the form."""

    offering = [d for d in convene.adapter.seen_by(actor) if label in labels(d)]
    assert offering, f"{actor} was shown no {label!r} button"
    await convene.press(actor, offering[-1], label)
    form = convene.last_form(actor, FORM_ID)
    await convene.submit(
        actor, form, {field.name: value for field, value in zip(form.fields, values, strict=True)}
    )


async def test_a_member_who_changes_a_checkin_answer_changes_the_thread_message_in_place(
    database_url: str,
) -> None:
    async with running(database_url, start=SATURDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = [
            ChannelMember("alice", "Alice"),
            ChannelMember("bob", "Bob"),
        ]
        await convene.command(
            "you", '/convene checkin create "Standup" #general every weekday 09:00'
        )
        await convene.command("you", '/convene checkin run now "Standup"')
        [root] = [d for d in convene.adapter.delivered if d.text.startswith("*Standup* for")]

        await answer_with(convene, "alice", "Answer", ["the rota", "the wiki", "nothing"])
        await answer_with(convene, "alice", "Edit answer", ["the rota", "the wiki", "a review"])

        [prompt] = [d for d in convene.adapter.seen_by("alice") if "Answer" in labels(d)]
        run_id = int(prompt.message.buttons[0].value)
        async with convene.app.sessions() as session:
            members = table_of(Member)
            found = await execute(
                session,
                select(members.c.id).where(members.c.platform_user_id == "alice"),
            )
            alice = int(found.scalar_one())
        in_thread = convene.thread(root)
        assert len(in_thread) == 1, "the changed answer is the same thread message"
        [answer] = in_thread
        assert answer.idempotency_key == answer_key(run_id, alice)
        assert answer.edits == 1
        assert "a review" in answer.text and "nothing" not in answer.text
        assert "Updated your answer" in convene.last_text()
