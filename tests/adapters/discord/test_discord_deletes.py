"""A message Convene deletes leaves Discord whole: every part, and every member's copy.

A forgotten member's words went out as one Discord message or several (a
long answer in parts of 2,000 characters), or as one DM to each member of a
group; the outbox's delete row reaches ``DELETE /channels/{id}/messages/{id}``
for each. The fake Discord lets the bot delete only its own messages
(403 Missing Permissions otherwise) and answers 404 Unknown Message (10008)
for one that is gone, which counts as deleted.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.adapter import PermanentDeliveryError
from bot.messages import OutgoingMessage, Target
from storage.repositories import outbox as outbox_repo
from storage.repositories.core import execute
from tests.support.discord_rig import ALICE, BOB, GENERAL, GUILD, DiscordRig
from tests.support.outbox import Item, queue
from tests.support.times import SUNDAY_NOON

CHANNEL = Target.channel(str(GENERAL))
LONG = " ".join(f"bob{n}" for n in range(1200))  # more than one Discord message holds


@pytest.fixture
def start() -> datetime:
    return SUNDAY_NOON


async def send(rig: DiscordRig, items: list[Item]) -> None:
    await queue(rig.app.sessions, rig.clock, items, platform="discord", workspace=str(GUILD))
    await rig.settle()


def deleting(key: str) -> OutgoingMessage:
    return OutgoingMessage(CHANNEL, "", deletes=key)


async def status_of(rig: DiscordRig, key: str) -> str:
    async with rig.app.sessions() as session:
        found = await execute(
            session,
            outbox_repo.outbox.select().where(outbox_repo.outbox.c.idempotency_key == key),
        )
        return str(found.mappings().one()["status"])


def shown_in(rig: DiscordRig, channel: int) -> list[str]:
    return [str(m["content"]) for m in rig.fake.messages_in(channel)]


async def test_a_message_in_several_parts_is_deleted_part_by_part(discord: DiscordRig) -> None:
    rig = discord
    await send(
        rig,
        [
            ("answers:bob", OutgoingMessage(CHANNEL, LONG)),
            ("answers:alice", OutgoingMessage(CHANNEL, "alice: the rota works")),
        ],
    )
    parts = len(shown_in(rig, GENERAL)) - 1
    assert parts > 1, "the long answer should need several Discord messages"

    await send(rig, [("delete:answers:bob", deleting("answers:bob"))])

    assert shown_in(rig, GENERAL) == ["alice: the rota works"]
    assert len(rig.fake.deleted) == parts
    assert " ".join(str(m["content"]) for m in rig.fake.deleted).split() == LONG.split()
    assert await status_of(rig, "delete:answers:bob") == outbox_repo.SENT


async def test_a_group_message_sent_one_dm_each_is_deleted_from_every_members_dms(
    discord: DiscordRig,
) -> None:
    rig = discord
    group = Target.group((str(ALICE), str(BOB)))
    await send(rig, [("intro:1", OutgoingMessage(group, "Alice, meet Bob"))])
    assert [len(rig.dms(m)) for m in (ALICE, BOB)] == [1, 1]

    await send(rig, [("delete:intro:1", OutgoingMessage(group, "", deletes="intro:1"))])

    assert [rig.dms(m) for m in (ALICE, BOB)] == [[], []]
    assert [m["content"] for m in rig.fake.deleted] == ["Alice, meet Bob"] * 2


async def test_a_part_discord_no_longer_has_counts_as_deleted(discord: DiscordRig) -> None:
    rig = discord
    await send(rig, [("answers:bob", OutgoingMessage(CHANNEL, LONG))])
    first = rig.fake.messages_in(GENERAL)[0]
    await rig.adapter.delete(str(GUILD), {"message_id": first["id"], "channel_id": str(GENERAL)})
    statuses_before = len([r for r in rig.fake.requests if r.status == 404])

    await send(rig, [("delete:answers:bob", deleting("answers:bob"))])

    assert shown_in(rig, GENERAL) == []
    assert len([r for r in rig.fake.requests if r.status == 404]) == statuses_before + 1
    assert await status_of(rig, "delete:answers:bob") == outbox_repo.SENT


async def test_the_bot_cannot_delete_a_members_own_message_as_discord_refuses(
    discord: DiscordRig,
) -> None:
    rig = discord
    theirs = rig.fake.add_message(GENERAL, BOB, "my own words")

    with pytest.raises(PermanentDeliveryError, match="50013"):
        await rig.adapter.delete(
            str(GUILD), {"message_id": theirs["id"], "channel_id": str(GENERAL)}
        )

    assert shown_in(rig, GENERAL) == ["my own words"]
    assert rig.fake.deleted == []
