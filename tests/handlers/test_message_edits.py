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
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import Delivered, MemoryAdapter
from adapters.shell import ShellAdapter
from bot.adapter import Adapter, ChannelMember, PermanentDeliveryError, TransientDeliveryError
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.events import ButtonClicked
from bot.messages import Button, OutgoingMessage, Target
from bot.outbox import Outbox
from handlers.checkins.answers import FORM_ID
from handlers.checkins.runs import answer_key
from storage.engine import session_factory
from storage.models import Member
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute, table_of
from tests.support.harness import Harness, running

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # no check-in run is owed on a weekend
WORKSPACE = "T-memory"

Item = tuple[str, OutgoingMessage]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def adapter(clock: ManualClock) -> MemoryAdapter:
    return MemoryAdapter(clock=clock)


# -- helpers -------------------------------------------------------------------


async def queue(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    items: Iterable[Item],
    *,
    platform: str = "memory",
    workspace: str = WORKSPACE,
) -> None:
    async with sessions.begin() as session:
        await Outbox(session, platform, workspace, clock).send_many(items)


async def deliver_everything(
    deliverer: Deliverer,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    max_rounds: int = 100,
) -> None:
    """Drain until nothing is left unsent, moving the clock to the next due message."""

    for _ in range(max_rounds):
        await deliverer.drain()
        async with sessions() as session:
            if not await outbox_repo.has_unsent(session, deliverer.platform):
                return
            due = await outbox_repo.next_due(session, deliverer.platform)
        assert due is not None, "unsent messages are stuck in 'sending'"
        if due > clock.now():
            clock.set(due)
    raise AssertionError(f"the outbox was still not empty after {max_rounds} rounds")


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
    )
    await deliver_everything(deliverer, sessions, clock)
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
    )
    await deliver_everything(deliverer, sessions, clock)

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
    await queue(sessions, clock, [post("poll", "0 votes")])
    await deliver_everything(deliverer, sessions, clock)

    for votes in (1, 2, 3):
        await queue(sessions, clock, [edit(f"poll:edit:{votes}", "poll", f"{votes} votes")])
        await deliver_everything(deliverer, sessions, clock)
    # A replayed edit (a retried event queues it again) is a no-op.
    await queue(sessions, clock, [edit("poll:edit:3", "poll", "3 votes")])
    await deliver_everything(deliverer, sessions, clock)

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
    )
    adapter.failures.append(TransientDeliveryError("503 from the platform"))

    await deliverer.drain()

    assert shown(adapter) == [("1", "Hello Bob", 0)], "the edit must not jump ahead of its original"
    recorded = await rows(sessions)
    assert recorded["answer:alice"][0] == "pending"
    assert recorded["answer:alice:edit:1"][0] == "pending"

    await deliver_everything(deliverer, sessions, clock)

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
    )

    await deliver_everything(deliverer, sessions, clock)

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
    )
    adapter.failures.append(PermanentDeliveryError("not_in_channel"))

    with caplog.at_level(logging.INFO, logger="convene.outbox"):
        await deliver_everything(deliverer, sessions, clock)

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
    )
    adapter.failures.extend(TransientDeliveryError("503") for _ in range(3))

    await deliver_everything(deliverer, sessions, clock)

    assert shown(adapter) == [("1", "second", 0)]
    assert (await rows(sessions))["answer:alice"][0] == "dead"


async def test_a_second_edit_of_a_given_up_original_changes_the_first_replacement(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, adapter: MemoryAdapter
) -> None:
    deliverer = deliverer_for(adapter, sessions, clock)
    await queue(sessions, clock, [post("answer:alice", "first")])
    adapter.failures.append(PermanentDeliveryError("not_in_channel"))
    await deliver_everything(deliverer, sessions, clock)

    await queue(sessions, clock, [edit("answer:alice:edit:1", "answer:alice", "second")])
    await deliver_everything(deliverer, sessions, clock)
    await queue(sessions, clock, [edit("answer:alice:edit:2", "answer:alice", "third")])
    await deliver_everything(deliverer, sessions, clock)

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

    await deliver_everything(deliverer, sessions, clock)

    assert out.getvalue().splitlines() == [
        "bot → #general: Lunch on Friday? 0 votes",
        "bot → alice (DM): How was your week?",
        "bot ✎ #general (message 1 edited): Lunch on Friday? 2 votes",
        "bot ✎ alice (DM) (message 2 edited): How was your week?",
        "bot →   Answered, thank you.",
    ]


# -- a member changes a check-in answer ---------------------------------------------------------


def button_labels(item: Delivered) -> list[str]:
    return [b.label for b in item.message.buttons]


async def click_in(convene: Harness, actor: str, item: Delivered, label: str) -> None:
    """Press a button on a message the actor was shown."""

    [button] = [b for b in item.message.buttons if b.label == label]
    await convene.adapter.push(
        ButtonClicked(
            platform=convene.adapter.platform,
            workspace_id=convene.adapter.workspace_id,
            actor_id=actor,
            actor_name=actor,
            place=convene.adapter.dm(actor),
            event_id=f"click-{actor}-{label}-{len(convene.adapter.delivered)}",
            action_id=button.action_id,
            value=button.value,
            message_ref=item.ref,
        )
    )
    await convene.app.settle()


async def answer_with(convene: Harness, actor: str, label: str, values: Sequence[str]) -> None:
    """Press ``label`` on the newest message the actor can see, then fill the form."""

    offering = [d for d in convene.adapter.seen_by(actor) if label in button_labels(d)]
    assert offering, f"{actor} was shown no {label!r} button"
    item = offering[-1]
    await click_in(convene, actor, item, label)
    event, form = convene.adapter.forms_opened[-1]
    assert event.actor_id == actor and form.form_id == FORM_ID
    await convene.adapter.submit(
        actor, form, {field.name: value for field, value in zip(form.fields, values, strict=True)}
    )
    await convene.app.settle()


async def test_a_member_who_changes_a_checkin_answer_changes_the_thread_message_in_place(
    database_url: str,
) -> None:
    async with running(database_url, start=SATURDAY) as convene:
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

        [prompt] = [d for d in convene.adapter.seen_by("alice") if "Answer" in button_labels(d)]
        run_id = int(prompt.message.buttons[0].value)
        async with convene.app.sessions() as session:
            members = table_of(Member)
            found = await execute(
                session,
                select(members.c.id).where(members.c.platform_user_id == "alice"),
            )
            alice = int(found.scalar_one())
        in_thread = [
            d
            for d in convene.adapter.delivered
            if d.message.target.kind == "thread"
            and d.message.target.thread_id == root.ref["message_id"]
        ]
        assert len(in_thread) == 1, "the changed answer is the same thread message"
        [answer] = in_thread
        assert answer.idempotency_key == answer_key(run_id, alice)
        assert answer.edits == 1
        assert "a review" in answer.text and "nothing" not in answer.text
        assert "Updated your answer" in convene.last_text()
