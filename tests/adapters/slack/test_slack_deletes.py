"""A message Convene deletes leaves Slack whole: every part, and the files shared after it.

A forgotten member's words were posted as one Slack message or several (a
long answer in parts), some with a file; the outbox's delete row reaches
``chat.delete`` for each part and ``files.delete`` for each file, and the
fake Slack allows the bot to delete only what it posted (else
``cant_delete_message``), as Slack does. A part Slack says is gone already
(``message_not_found``) counts as deleted.

The world: alice (U1, a convener), bob (U2) and kenji (U3) in #general (C1).
"""

from __future__ import annotations

import pytest

from bot.adapter import PermanentDeliveryError
from bot.messages import FileAttachment, OutgoingMessage, Target
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.outbox import Item, queue
from tests.support.slack_rig import SlackRig

GENERAL = Target.channel("C1")
LONG = " ".join(f"bob{n}" for n in range(4000))  # more than one Slack message holds


async def send(slack: SlackRig, items: list[Item]) -> None:
    await queue(
        slack.app.sessions, slack.clock, items, platform="slack", workspace=slack.fake.team_id
    )
    await slack.settle()


async def status_of(slack: SlackRig, key: str) -> str:
    async with slack.app.sessions() as session:
        found = await execute(
            session, outbox_repo.outbox.select().where(outbox_repo.outbox.c.idempotency_key == key)
        )
        return str(found.mappings().one()["status"])


async def test_a_message_in_several_parts_with_a_file_is_deleted_part_by_part_with_its_file(
    slack: SlackRig,
) -> None:
    report = FileAttachment("answers.md", "text/markdown", b"# bob's answers\n")
    await send(
        slack,
        [
            ("answers:bob", OutgoingMessage(GENERAL, LONG, files=(report,))),
            ("answers:alice", OutgoingMessage(GENERAL, "alice: the rota works")),
        ],
    )
    parts = len(slack.fake.accepted_calls("chat.postMessage")) - 1
    assert parts > 1, "the long answer should need several Slack messages"

    await send(slack, [("delete:answers:bob", OutgoingMessage(GENERAL, "", deletes="answers:bob"))])

    left = slack.fake.history("C1")
    assert [m["text"] for m in left] == ["alice: the rota works"]
    assert len(slack.fake.accepted_calls("chat.delete")) == parts
    assert [m["ts"] for m in slack.fake.deleted] == [
        c["ts"] for c in slack.fake.accepted_calls("chat.delete")
    ]
    assert slack.fake.deleted_files == [slack.fake.shared_files[0].file_id]
    assert await status_of(slack, "delete:answers:bob") == outbox_repo.SENT


async def test_a_part_slack_no_longer_has_counts_as_deleted_and_the_rest_still_go(
    slack: SlackRig,
) -> None:
    await send(slack, [("answers:bob", OutgoingMessage(GENERAL, LONG))])
    first, *rest = [m["ts"] for m in slack.fake.history("C1")]
    await slack.adapter.client.chat_delete(channel="C1", ts=first)  # gone already (a retry)

    await send(slack, [("delete:answers:bob", OutgoingMessage(GENERAL, "", deletes="answers:bob"))])

    assert slack.fake.history("C1") == []
    assert [m["ts"] for m in slack.fake.deleted] == [first, *rest]
    assert len(slack.fake.calls("chat.delete")) == 2 + len(rest)  # by hand, then each part
    assert await status_of(slack, "delete:answers:bob") == outbox_repo.SENT


async def test_the_bot_cannot_delete_a_members_own_message_as_slack_refuses(
    slack: SlackRig,
) -> None:
    ts = slack.fake.post_as("U2", "C1", "my own words")

    with pytest.raises(PermanentDeliveryError, match="cant_delete_message"):
        await slack.adapter.delete(slack.fake.team_id, {"message_id": ts, "channel_id": "C1"})

    assert [m["text"] for m in slack.fake.history("C1")] == ["my own words"]
    assert slack.fake.deleted == []
