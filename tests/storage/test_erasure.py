"""A member who forgets themselves leaves no trace, on SQLite and PostgreSQL.

Alice Moreno answered a check-in (posted in its thread with her name), followed
up an introduction with what she learned, wrote a line about herself, made a
commitment, wrote a retro item and exported her data (a file in her DM). After
``[Forget me]`` every table of Convene's schema (read from the models, so a
table added later is read too) and every outbox row, files decoded, are read
for her name, her platform id and the texts that were deleted: none is found.
The messages on the platform that held her answers, her export among them, are
queued for deletion by rows that hold nothing of hers.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.markup import mention
from bot.messages import Button, OutgoingMessage, Target
from storage.models import (
    Commitment,
    Opportunity,
    OutboxMessage,
    RetroItem,
    SlackInstallation,
    metadata,
)
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import workspaces as workspaces_repo
from storage.repositories.core import execute, table_of
from storage.repositories.erasure import CANCELLED, erase_member
from tests.handlers.test_member_rights import (
    ABOUT,
    ALICE,
    ANSWERS,
    COMMITMENT,
    LEARNED,
    NAME,
    RETRO_ITEM,
    alice_with_a_history,
    ask_to_forget,
)
from tests.support.harness import Harness

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DELETED_TEXTS = (*ANSWERS, LEARNED, ABOUT)
NEEDLES = (NAME, "Moreno", ALICE, *DELETED_TEXTS)


def _readable(value: Any) -> str:
    """A cell as text, with the files an outbox payload carries decoded."""

    if isinstance(value, dict | list):
        files = value.get("files", []) if isinstance(value, dict) else []
        decoded = [base64.b64decode(f["data"]).decode("utf-8", "ignore") for f in files]
        return json.dumps(value, ensure_ascii=False) + "\n".join(decoded)
    return str(value)


MEMORY_DM = f"D-{ALICE}"
"""The memory adapter names a DM channel after its member; Slack's and Discord's DM
channels have ids of their own. The answer to her ``[Forget me]`` edits the question in
her DM, and the reference the platform hands back names that channel: not her id there."""


async def traces_of_alice(convene: Harness) -> list[tuple[str, str]]:
    """Every (table, needle) where something of hers is still found."""

    found: list[tuple[str, str]] = []
    async with convene.app.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                text = "\n".join(
                    _readable(cell).replace(MEMORY_DM, "")
                    if column == "message_ref"
                    else _readable(cell)
                    for column, cell in zip(row._fields, row, strict=True)
                )
                found.extend((table.name, n) for n in NEEDLES if n in text)
    return found


async def test_a_member_who_forgets_themselves_leaves_no_trace_in_any_table(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    await convene.command(ALICE, "/convene me export")
    async with convene.app.sessions.begin() as session:
        session.add(  # she installed Convene in the workspace over OAuth
            SlackInstallation(
                team_id=convene.adapter.workspace_id,
                bot_token="gAAAA-encrypted",
                installer_user_id=ALICE,
                installed_at=NOW,
            )
        )
    assert {table for table, _ in await traces_of_alice(convene)} >= {
        "members",
        "checkin_prompts",
        "pairing_group_members",
        "participants",
        "outbox",
    }, "the scenario put her everywhere first"
    answer_posts = [d.idempotency_key for d in convene.adapter.delivered if ANSWERS[0] in d.text]
    (export,) = [d.idempotency_key for d in convene.adapter.delivered if d.message.files]
    await ask_to_forget(convene)

    await convene.click(ALICE, "Forget me")

    assert await traces_of_alice(convene) == []
    deletions = {
        row.payload["deletes"]: row
        for row in await convene.rows(OutboxMessage)
        if row.payload.get("deletes")
    }
    assert set(answer_posts) | {export} <= set(deletions)
    for key, row in deletions.items():
        (original,) = [r for r in await convene.rows(OutboxMessage) if r.idempotency_key == key]
        assert row.target_key == original.target_key
        assert row.target_key.startswith("erased:")
        assert (row.payload["text"], row.payload["buttons"]) == ("", [])


async def test_erasing_everything_takes_her_commitments_and_retro_items_too(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)

    await convene.command("you", f'/convene member remove "{NAME}"')
    await convene.click("you", "Remove and erase everything")

    removed = convene.newest("Removed, and their name is gone from Convene")
    assert removed.message.visible_to == "you"
    assert [c.text for c in await convene.rows(Commitment)] != []
    assert COMMITMENT not in [c.text for c in await convene.rows(Commitment)]
    assert RETRO_ITEM not in [i.text for i in await convene.rows(RetroItem)]
    assert [n for _, n in await traces_of_alice(convene)] == []
    texts = [row.payload.get("text", "") for row in await convene.rows(OutboxMessage)]
    assert not [t for t in texts if COMMITMENT in t or RETRO_ITEM in t]


# -- the scrub, message by message ----------------------------------------------------------


async def test_her_words_are_found_where_they_are_hers_and_nowhere_else(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Ann's short answer "4" is hers at the end of a line in a message naming her, not in
    "due Friday 4 December"; "Ann" is not in "Annual"; a message waiting for her never
    goes, and one on the platform with her words is handed back to be deleted."""

    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, "slack", "T1", "Trust", NOW)
        assert workspace.id is not None
        ann = await members_repo.add(session, workspace.id, "U0ANN", "Ann", "UTC", NOW)
        ben = await members_repo.add(session, workspace.id, "U0BEN", "Ben", "UTC", NOW)
        session.add(
            Opportunity(
                workspace_id=workspace.id,
                need_member_id=ann.id,
                offer_member_id=ben.id,
                need_text="4",
                offer_text="I know the estates team well",
                need_source="checkin",
                offer_source="checkin",
                score=1.0,
                created_at=NOW,
            )
        )
        messages = {
            "answer": ("channel:C1", Target.channel("C1"), "*Ann* (Radiotherapy)\n*Mood?* 4"),
            "news": ("channel:C1", Target.channel("C1"), "Ann commits, due Friday 4 December"),
            "annual": ("channel:C1", Target.channel("C1"), "The Annual review is on 4 May"),
            "waiting": ("dm:U0ANN", Target.dm("U0ANN"), "Time for *Standup*"),
            "bens": ("dm:U0BEN", Target.dm("U0BEN"), "Ann wrote: I know the estates team well"),
        }
        await outbox_repo.enqueue(
            session,
            [
                outbox_repo.NewMessage(
                    key, "slack", "T1", target_key, OutgoingMessage(target, text).to_dict()
                )
                for key, (target_key, target, text) in messages.items()
            ],
            NOW,
        )
        table = table_of(OutboxMessage)
        await execute(
            session,
            update(table)
            .where(table.c.idempotency_key != "waiting")
            .values(status="sent", message_ref={"message_id": "1", "channel_id": "C1"}),
        )

        erasure = await erase_member(
            session, ann, keep_contributions=True, now=NOW, spoken_as=(mention("U0ANN"),)
        )

        rows = {
            row.idempotency_key: row
            for row in (await session.exec(select_rows(OutboxMessage))).all()
        }
    texts = {key: row.payload["text"] for key, row in rows.items()}
    assert texts == {
        "answer": "*a former member* (Radiotherapy)\n*Mood?* (removed)",
        "news": "a former member commits, due Friday 4 December",
        "annual": "The Annual review is on 4 May",
        "waiting": "Time for *Standup*",
        "bens": "a former member wrote: I know the estates team well",
    }
    assert {sent.deletes for sent in erasure.to_delete} == {"answer"}
    assert (rows["waiting"].status, rows["waiting"].last_error) == ("dead", CANCELLED)
    assert rows["waiting"].payload["target"]["member_ids"] == [f"former-{ann.id}"]
    assert {key: row.target_key for key, row in rows.items()} == {
        "answer": f"erased:{rows['answer'].id}",
        "news": "channel:C1",
        "annual": "channel:C1",
        "waiting": f"erased:{rows['waiting'].id}",
        "bens": "dm:U0BEN",
    }
    assert erasure.suggestions == 1


async def test_a_summary_quoting_her_is_edited_and_a_button_value_is_not_her_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The check-in's summary quotes Ann without her name: it stays for the team, her quote
    "(removed)", by an edit rather than a deletion. Her DM asking to forget her carries a
    button whose value is her member id, "4", like her answer "4": a value nobody reads is
    not her words, so that DM is not deleted (it becomes the answer to her question)."""

    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, "slack", "T1", "Trust", NOW)
        assert workspace.id is not None
        ann = await members_repo.add(session, workspace.id, "U0ANN", "Ann", "UTC", NOW)
        session.add(
            Opportunity(
                workspace_id=workspace.id,
                need_member_id=ann.id,
                offer_member_id=ann.id,
                need_text="4",
                offer_text="Rota gaps again this week",
                need_source="checkin",
                offer_source="checkin",
                score=1.0,
                created_at=NOW,
            )
        )
        summary = OutgoingMessage(
            Target.thread("C1", root_key="root"),
            '*Pulse* is closed: 3 of 4 answered.\n- "Rota gaps again this week"\n- "Fine"',
        )
        question = OutgoingMessage(
            Target.dm("U0ANN"),
            "Forget you? This cannot be undone.",
            (Button("Forget me", "me.forget", "4"), Button("Cancel", "me.forget.cancel", "4")),
        )
        await outbox_repo.enqueue(
            session,
            [
                outbox_repo.NewMessage("summary", "slack", "T1", "thread:C1", summary.to_dict()),
                outbox_repo.NewMessage("question", "slack", "T1", "dm:U0ANN", question.to_dict()),
            ],
            NOW,
        )
        table = table_of(OutboxMessage)
        await execute(
            session,
            update(table).values(
                status="sent", message_ref={"message_id": "1", "channel_id": "C1"}
            ),
        )

        erasure = await erase_member(session, ann, keep_contributions=True, now=NOW)

    undone = {sent.deletes: sent for sent in erasure.to_delete}
    assert set(undone) == {"summary"}
    scrubbed = undone["summary"].scrubbed
    assert scrubbed is not None
    assert scrubbed["text"] == '*Pulse* is closed: 3 of 4 answered.\n- "(removed)"\n- "Fine"'
    assert "question" in erasure.moved
