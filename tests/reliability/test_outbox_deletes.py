"""A message that deletes an earlier one takes that message off the platform, once.

A forgotten member's words must leave the channels they were posted in. The
eraser queues a row whose message ``deletes`` the original's idempotency key;
the deliverer finds where that message now is (after its edits, and after
the eraser rewrote its target key so that nothing of the member is left in
it), asks the adapter to delete it, and records the delete as sent. A
message that never went out has nothing to delete; one still going out is
waited for, so the delete cannot overtake it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from adapters.shell import ShellAdapter
from bot.adapter import MessageRef, PermanentDeliveryError, TransientDeliveryError
from bot.clock import ManualClock
from bot.deliverer import WAIT_FOR_ORIGINAL, Deliverer
from bot.messages import OutgoingMessage, Target
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.outbox import WORKSPACE, deliver_everything, queue

PLATFORM = "memory"
CHANNEL = Target.channel("checkins")
ELSEWHERE = Target.channel("retros")


@dataclass
class RecordingAdapter(MemoryAdapter):
    """The memory adapter, noting the reference each delete was asked for, and
    returning a new reference from each edit (as a platform's parts change)."""

    deleted_refs: list[MessageRef] = field(default_factory=list)

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        await super().edit(workspace_id, ref, message)
        return {**ref, "generation": int(ref.get("generation", 0)) + 1}

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        self.deleted_refs.append(dict(ref))
        await super().delete(workspace_id, ref)


@pytest.fixture
def adapter(clock: ManualClock) -> RecordingAdapter:
    return RecordingAdapter(platform=PLATFORM, clock=clock)


@pytest.fixture
def deliverer(
    sessions: async_sessionmaker[AsyncSession], adapter: RecordingAdapter, clock: ManualClock
) -> Deliverer:
    return Deliverer(sessions, adapter, clock, worker="w1")


def deleting(key: str, target: Target = CHANNEL) -> OutgoingMessage:
    return OutgoingMessage(target=target, text="", deletes=key)


async def row(sessions: async_sessionmaker[AsyncSession], key: str) -> dict[str, object]:
    async with sessions() as session:
        found = await execute(
            session,
            select(outbox_repo.outbox).where(outbox_repo.outbox.c.idempotency_key == key),
        )
        return dict(found.mappings().one())


async def erase_target_key(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    """What the eraser does to a forgotten member's message: its target key names nobody."""

    async with sessions.begin() as session:
        await execute(
            session,
            update(outbox_repo.outbox)
            .where(outbox_repo.outbox.c.idempotency_key == key)
            .values(target_key="erased:" + key),
        )


async def test_a_delivered_answer_is_taken_off_the_platform_and_the_delete_is_recorded_sent(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    await queue(
        sessions,
        clock,
        [
            ("answer:1", OutgoingMessage(CHANNEL, "Ben: I learned about triage")),
            ("answer:2", OutgoingMessage(CHANNEL, "Ana: the rota works")),
        ],
        platform=PLATFORM,
    )
    await deliver_everything([deliverer], sessions, clock)
    await queue(sessions, clock, [("delete:answer:1", deleting("answer:1"))], platform=PLATFORM)
    await deliver_everything([deliverer], sessions, clock)

    assert adapter.texts() == ["Ana: the rota works"]
    assert [d.text for d in adapter.deleted] == ["Ben: I learned about triage"]
    recorded = await row(sessions, "delete:answer:1")
    assert recorded["status"] == outbox_repo.SENT
    # The delete's own record names the key it deleted, nothing of what it said.
    assert recorded["message_ref"] == {"deleted": "answer:1", "found": True}


async def test_a_message_whose_target_key_the_eraser_rewrote_is_still_found_and_deleted(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    await queue(
        sessions,
        clock,
        [("intro:7", OutgoingMessage(Target.dm("ben"), "Ben, meet Ana"))],
        platform=PLATFORM,
    )
    await deliver_everything([deliverer], sessions, clock)
    await erase_target_key(sessions, "intro:7")
    # The delete itself is addressed somewhere that names nobody.
    await queue(
        sessions, clock, [("delete:intro:7", deleting("intro:7", ELSEWHERE))], platform=PLATFORM
    )
    await deliver_everything([deliverer], sessions, clock)

    assert [d.text for d in adapter.deleted] == ["Ben, meet Ana"]
    assert adapter.delivered == []


async def test_an_edited_message_is_deleted_as_its_last_edit_left_it(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    await queue(sessions, clock, [("retro:1", OutgoingMessage(CHANNEL, "v0"))], platform=PLATFORM)
    await deliver_everything([deliverer], sessions, clock)
    for n in (1, 2):
        edit = OutgoingMessage(CHANNEL, f"v{n}", replaces="retro:1")
        await queue(sessions, clock, [(f"retro:1:edit:{n}", edit)], platform=PLATFORM)
        await deliver_everything([deliverer], sessions, clock)
    await queue(sessions, clock, [("delete:retro:1", deleting("retro:1"))], platform=PLATFORM)
    await deliver_everything([deliverer], sessions, clock)

    assert [ref.get("generation") for ref in adapter.deleted_refs] == [2]
    assert [d.text for d in adapter.deleted] == ["v2"]


async def test_a_message_that_never_went_out_has_nothing_to_delete_and_the_delete_is_done(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter.failures.append(PermanentDeliveryError("channel_not_found"))
    await queue(
        sessions, clock, [("answer:1", OutgoingMessage(CHANNEL, "Ben's words"))], platform=PLATFORM
    )
    await deliver_everything([deliverer], sessions, clock)
    assert (await row(sessions, "answer:1"))["status"] == outbox_repo.DEAD

    with caplog.at_level(logging.INFO, logger="convene.outbox"):
        await queue(sessions, clock, [("delete:answer:1", deleting("answer:1"))], platform=PLATFORM)
        await deliver_everything([deliverer], sessions, clock)

    assert adapter.deleted_refs == []
    recorded = await row(sessions, "delete:answer:1")
    assert recorded["status"] == outbox_repo.SENT
    assert recorded["message_ref"] == {"deleted": "answer:1", "found": False}
    assert "never reached memory: nothing to delete" in caplog.text


async def test_a_delete_waits_for_its_message_still_being_sent_rather_than_overtake_it(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    # The original's first try fails; the delete (another target, as after the
    # eraser) is claimed meanwhile and must not count the original as never sent.
    adapter.failures.append(TransientDeliveryError("Slack answered 503"))
    start = clock.now()
    await queue(
        sessions,
        clock,
        [
            ("answer:1", OutgoingMessage(CHANNEL, "Ben's words")),
            ("delete:answer:1", deleting("answer:1", ELSEWHERE)),
        ],
        platform=PLATFORM,
    )
    await deliverer.drain()
    waiting = await row(sessions, "delete:answer:1")
    assert waiting["status"] == outbox_repo.PENDING
    assert waiting["attempts"] == 0  # waiting is not a failure
    assert adapter.deleted_refs == []

    await deliver_everything([deliverer], sessions, clock)

    assert [d.text for d in adapter.deleted] == ["Ben's words"]
    assert adapter.delivered == []
    assert clock.now() - start >= timedelta(seconds=WAIT_FOR_ORIGINAL)


async def test_a_delete_that_fails_for_a_moment_is_tried_again_until_the_message_is_gone(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    await queue(
        sessions, clock, [("answer:1", OutgoingMessage(CHANNEL, "Ben's words"))], platform=PLATFORM
    )
    await deliver_everything([deliverer], sessions, clock)
    adapter.failures.append(TransientDeliveryError("could not reach Slack"))
    await queue(sessions, clock, [("delete:answer:1", deleting("answer:1"))], platform=PLATFORM)
    await deliver_everything([deliverer], sessions, clock)

    assert len(adapter.deleted_refs) == 2  # the failed try, then the one that worked
    assert [d.text for d in adapter.deleted] == ["Ben's words"]
    assert (await row(sessions, "delete:answer:1"))["status"] == outbox_repo.SENT
    assert (await row(sessions, "delete:answer:1"))["attempts"] == 2


async def test_a_delete_never_reaches_a_message_of_another_workspace(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    adapter: RecordingAdapter,
    deliverer: Deliverer,
) -> None:
    await queue(
        sessions,
        clock,
        [("theirs:1", OutgoingMessage(CHANNEL, "another team's words"))],
        platform=PLATFORM,
        workspace="T-other",
    )
    await deliver_everything([deliverer], sessions, clock)
    await queue(
        sessions,
        clock,
        [("delete:theirs:1", deleting("theirs:1"))],
        platform=PLATFORM,
        workspace=WORKSPACE,
    )
    await deliver_everything([deliverer], sessions, clock)

    assert adapter.deleted_refs == []
    assert adapter.texts() == ["another team's words"]


async def test_the_shell_says_a_message_was_deleted_without_saying_where_or_whose() -> None:
    out = io.StringIO()
    shell = ShellAdapter(out)
    ref = await shell.deliver(
        "shell", OutgoingMessage(Target.dm("ben"), "Ben, meet Ana"), idempotency_key="intro:1"
    )

    await shell.delete("shell", ref)
    await shell.delete("shell", ref)  # gone already: nothing more to say

    printed = out.getvalue().splitlines()
    assert printed[-1] == f"bot ✕ (message {ref['message_id']} deleted)"
    assert len([line for line in printed if "deleted" in line]) == 1
    assert "ben" not in printed[-1]
