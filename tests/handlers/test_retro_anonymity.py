"""Anonymous retros keep no trace of who wrote what (memory adapter, whole database read).

While an anonymous retro is open, an item carries only a keyed hash that lets
the running bot recognise its author (to edit or withdraw it); the key never
enters the database, and the close forgets the hash and its salt. These tests
read every table after the close and look for anything that still ties an
item to the member who wrote it.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from adapters.memory import Delivered
from bot.config import RetrosSection, Secret
from bot.events import Place, PlaceKind
from storage.models import Member, Retro, RetroItem
from tests.support.harness import Harness, running
from tests.support.reading import private
from tests.support.retros import retro_items, retro_root

NAME = "Quarter 4"
OPEN = f'/convene retro open "{NAME}" --anonymous'
AUTHOR_COLUMNS = ("author_id", "created_by", "made_by", "member_id", "opened_by", "owner_id")
"""Columns that say who did something; none may name an item's author beside the item."""
NOT_YOURS = (
    "Only the author of an item can change it, and I cannot tell that this one is yours "
    "(in an anonymous retro I keep no author, only a check that works while Convene runs "
    "with the same key)."
)

Table = list[dict[str, Any]]


@dataclass(frozen=True)
class Written:
    """An item as its author wrote it: every wording it ever had."""

    author: str
    number: int
    texts: tuple[str, ...]


# -- helpers -----------------------------------------------------------------------------------


async def add(convene: Harness, actor: str, category: str, words: str) -> list[Delivered]:
    await convene.click(actor, "Add item", on=f"*Retro: {NAME}*")
    form = convene.last_form(actor, "retro.add")
    return await convene.submit(actor, form, {"category": category, "text": words})


async def edit_item(convene: Harness, actor: str, on: str, words: str) -> list[Delivered]:
    await convene.click(actor, "Edit", on=on)
    form = convene.last_form(actor, "retro.edit")
    return await convene.submit(actor, form, {"text": words})


def items_shown(convene: Harness) -> list[Delivered]:
    """The item messages in the retro's thread, as they show now."""

    return retro_items(convene, retro_root(convene, NAME))


async def items_kept(convene: Harness) -> list[RetroItem]:
    return await convene.rows(RetroItem, order_by=col(RetroItem.number))


async def member_ids(convene: Harness) -> dict[str, int]:
    async with convene.app.sessions() as session:
        found = await session.exec(select(Member))
        return {m.platform_user_id: m.id for m in found.all() if m.id is not None}


async def every_table(convene: Harness) -> dict[str, Table]:
    """Every row of every table, whatever the schema holds now."""

    async with convene.app.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            listed = await connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
        else:
            listed = await connection.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                )
            )
        names = sorted(str(name) for (name,) in listed)
        tables: dict[str, Table] = {}
        for name in names:
            rows = await connection.execute(text(f'SELECT * FROM "{name}"'))
            tables[name] = [dict(row._mapping) for row in rows]
    return tables


def cell_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def payload_of(row: dict[str, Any]) -> dict[str, Any]:
    payload = row["payload"]
    loaded: dict[str, Any] = json.loads(payload) if isinstance(payload, str) else payload
    return loaded


def names_item(table: str, row: dict[str, Any], item: RetroItem, written: Written) -> bool:
    """Whether a row is about the item: its id, any of its wordings, or its outbox key."""

    if table == "retro_items" and row.get("id") == item.id:
        return True
    if row.get("item_id") == item.id:
        return True
    key = re.compile(rf"retro:{item.retro_id}:item:{item.number}(?!\d)")
    for value in row.values():
        words = cell_text(value)
        if key.search(words) or any(t in words for t in written.texts):
            return True
    return False


def names_number(words: str, number: int) -> bool:
    return bool(re.search(rf"\bitem {number}\b", words) or words.startswith(f"{number}. "))


async def anonymous_retro_with_three_authors(convene: Harness) -> list[Written]:
    """Alice, Bob and Carol add items through the form, vote, edit, withdraw; it closes."""

    await convene.command("you", OPEN)
    await add(convene, "alice", "Start", "Weekly huddles across wards")
    await add(convene, "bob", "Stop", "The Friday report nobody reads")
    await add(convene, "carol", "Continue", "Demos on Thursdays")
    await add(convene, "carol", "Stop", "Paper handover forms")
    # Nobody votes for their own items (a vote is not anonymous, and is not authorship).
    for voter, on in (
        ("alice", "The Friday report"),
        ("alice", "Demos on Thursdays"),
        ("bob", "Weekly huddles"),
        ("bob", "Paper handover forms"),
        ("carol", "Weekly huddles"),
        ("you", "Demos on Thursdays"),
    ):
        await convene.click(voter, "+1", on=on)
    await edit_item(convene, "alice", "Weekly huddles", "Weekly huddles for every ward")
    await convene.click("bob", "Delete", on="The Friday report")
    await convene.command("you", "/convene retro export")
    await convene.command("you", "/convene retro close")
    await convene.click("you", "Make it a commitment", on="Top 1")
    await convene.submit(
        "you",
        convene.last_form("you", "retro.commit"),
        {"owner": "", "what": "Book the huddle room", "due": ""},
    )
    await convene.command("you", f'/convene retro export "{NAME}"')
    return [
        Written("alice", 1, ("Weekly huddles across wards", "Weekly huddles for every ward")),
        Written("bob", 2, ("The Friday report nobody reads",)),
        Written("carol", 3, ("Demos on Thursdays",)),
        Written("carol", 4, ("Paper handover forms",)),
    ]


# -- after the close ---------------------------------------------------------------------------


async def test_after_an_anonymous_retro_closes_no_row_ties_an_item_to_its_author(
    convene: Harness,
) -> None:
    written = await anonymous_retro_with_three_authors(convene)
    ids = await member_ids(convene)
    items = {i.number: i for i in await items_kept(convene)}
    assert [i.status for i in items.values()] == ["posted", "withdrawn", "posted", "posted"]
    tables = await every_table(convene)
    assert {"retros", "retro_items", "retro_votes", "commitments", "outbox"} <= set(tables)

    for piece in written:
        item = items[piece.number]
        name = re.compile(rf"\b{piece.author}\b", re.IGNORECASE)
        about_it = [
            (table, row)
            for table, rows in tables.items()
            for row in rows
            if names_item(table, row, item, piece)
        ]
        # Not vacuous: the item's own row and its messages in the outbox are found.
        assert {table for table, _ in about_it} >= {"retro_items", "outbox"}, piece
        for table, row in about_it:
            for column in AUTHOR_COLUMNS:
                assert row.get(column) != ids[piece.author], (table, column, row)
            for column, value in row.items():
                assert not name.search(cell_text(value)), (table, column, row)

    # The item rows keep no author, no tag and no time that could be matched to a log.
    for item in items.values():
        assert (item.author_id, item.author_tag, item.created_at) == (None, None, None)
    (retro,) = await convene.rows(Retro)
    assert (retro.status, retro.anonymous, retro.author_salt) == ("closed", True, None)

    # Nothing the bot sent to an author alone speaks of their items.
    for_author: dict[str, list[str]] = {}
    for row in tables["outbox"]:
        payload = payload_of(row)
        if payload.get("visible_to") is not None:
            for_author.setdefault(payload["visible_to"], []).append(payload["text"])
    for piece in written:
        private_words = for_author.get(piece.author, [])
        assert private_words, f"{piece.author} was told nothing at all: the check is empty"
        for words in private_words:
            assert not any(t in words for t in piece.texts), (piece, words)
            assert not names_number(words, piece.number), (piece, words)

    # What everyone sees names nobody.
    assert [d.text for d in items_shown(convene)] == [
        "1. *Start*: Weekly huddles for every ward · 2 votes",
        "2. (withdrawn by its author)",
        "3. *Continue*: Demos on Thursdays · 2 votes",
        "4. *Stop*: Paper handover forms · 1 vote",
    ]


async def test_an_anonymous_retro_closed_by_its_timer_forgets_its_authors_too(
    convene: Harness,
) -> None:
    await convene.command("you", f'{OPEN} --closes "friday 17:00"')
    await add(convene, "alice", "Start", "Weekly huddles")
    await add(convene, "bob", "Stop", "Paper forms")
    assert all(i.author_tag is not None for i in await items_kept(convene))

    await convene.app.advance_clock_to(datetime(2026, 12, 4, 17, 1, tzinfo=UTC))
    (retro,) = await convene.rows(Retro)
    assert (retro.status, retro.author_salt) == ("closed", None)
    assert [(i.author_id, i.author_tag, i.created_at) for i in await items_kept(convene)] == [
        (None, None, None),
        (None, None, None),
    ]
    assert [d.text for d in convene.adapter.delivered if d.text.startswith("Summary")] == [
        f'Summary of "{NAME}": 2 items, 0 votes from 0 people.\n'
        "*Start*\n  0 votes · Weekly huddles\n*Stop*\n  0 votes · Paper forms"
    ]


async def test_the_export_of_an_anonymous_retro_names_no_authors(convene: Harness) -> None:
    await convene.command("you", OPEN)
    await add(convene, "alice", "Start", "Weekly huddles")
    exported = await convene.reply_to("you", "/convene retro export")
    assert "- Weekly huddles: 0 votes" in exported
    assert "anonymous; opened 2026-11-30 (still open)." in exported
    assert "alice" not in exported


# -- while it is open --------------------------------------------------------------------------


async def test_while_open_only_the_author_can_edit_or_withdraw_an_anonymous_item(
    convene: Harness,
) -> None:
    await convene.command("you", OPEN)
    root = retro_root(convene, NAME)
    assert "Items are anonymous: add yours with the Add item button" in root.text
    await convene.click("alice", "Add item", on=f"*Retro: {NAME}*")
    assert convene.last_form("alice", "retro.add").title == f"Add to {NAME} (anonymous)"
    await add(convene, "alice", "Start", "Weekly huddles")
    await add(convene, "bob", "Stop", "Paper forms")
    (item, _) = await items_kept(convene)
    assert item.author_id is None and item.created_at is None
    assert item.author_tag is not None and len(item.author_tag) == 64
    (retro,) = await convene.rows(Retro)
    assert retro.author_salt is not None

    # Bob and the convener cannot touch Alice's item.
    for actor in ("bob", "you"):
        for label in ("Edit", "Delete"):
            refused = await convene.click(actor, label, on="Weekly huddles")
            assert private(refused, actor) == [NOT_YOURS]
    assert [i.text for i in await items_kept(convene)][:1] == ["Weekly huddles"]

    # Alice can: the form holds her words, and the message changes in place.
    await convene.click("alice", "Edit", on="Weekly huddles")
    form = convene.last_form("alice", "retro.edit")
    assert form.fields[0].initial == "Weekly huddles"
    assert await convene.submit("alice", form, {"text": "Weekly huddles, Mondays"}) == []
    first, _ = items_shown(convene)
    assert (first.text, first.edits) == ("1. *Start*: Weekly huddles, Mondays", 1)

    # Bob withdraws his own.
    assert await convene.click("bob", "Delete", on="Paper forms") == []
    assert items_shown(convene)[1].text == "2. (withdrawn by its author)"
    assert [i.status for i in await items_kept(convene)] == ["posted", "withdrawn"]

    # After the close the tie is gone, and the item is no one's to change.
    await convene.command("you", "/convene retro close")
    assert [i.author_tag for i in await items_kept(convene)] == [None, None]
    late = await convene.click("alice", "Edit", on="Weekly huddles")
    assert private(late, "alice") == [
        f'The retro "{NAME}" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    ]


async def test_a_thread_reply_in_an_anonymous_retro_is_refused_and_not_stored(
    convene: Harness,
) -> None:
    await convene.command("you", OPEN)
    root = retro_root(convene, NAME)
    thread = Place(PlaceKind.THREAD, "general", thread_id=str(root.ref["message_id"]))
    refused = await convene.say("alice", "start: Huddles with the night shift", place=thread)
    assert private(refused, "alice") == [
        "This retro is anonymous, and a reply in the thread shows your name, so I did not "
        "add it. Press Add item on the retro's first message instead (you may want to "
        "delete your reply)."
    ]
    assert refused[0].message.target.thread_id == root.ref["message_id"]
    assert await items_kept(convene) == []
    assert items_shown(convene) == []
    for table, rows in (await every_table(convene)).items():
        for row in rows:
            for value in row.values():
                assert "night shift" not in cell_text(value), (table, row)


# -- across a restart --------------------------------------------------------------------------


def carry_over(convene: Harness, shown: list[Delivered]) -> None:
    """Give the restarted bot's workspace the messages members still see."""

    convene.adapter.delivered.extend(shown)
    # New messages get ids of their own, so edits find the old messages they change.
    convene.adapter._ids = itertools.count(len(shown) + 1000)


async def test_with_a_configured_key_the_author_can_still_edit_after_a_restart(
    database_url: str,
) -> None:
    keyed = RetrosSection(anonymity_key=Secret("k"))
    async with running(database_url, retros=keyed) as convene:
        await convene.command("you", OPEN)
        await add(convene, "alice", "Start", "Weekly huddles")
        await add(convene, "bob", "Stop", "Paper forms")
        shown = list(convene.adapter.delivered)
        posted, _ = items_shown(convene)

    async with running(database_url, retros=keyed) as convene:
        carry_over(convene, shown)
        refused = await convene.click("bob", "Edit", on="Weekly huddles")
        assert private(refused, "bob") == [NOT_YOURS]
        await edit_item(convene, "alice", "Weekly huddles", "Weekly huddles, Mondays")
        first, _ = items_shown(convene)
        assert (first.ref, first.text) == (posted.ref, "1. *Start*: Weekly huddles, Mondays")
        assert [i.text for i in await items_kept(convene)] == [
            "Weekly huddles, Mondays",
            "Paper forms",
        ]
        shown = list(convene.adapter.delivered)

    # With another key the database alone proves nothing: Alice is not recognised.
    async with running(database_url, retros=RetrosSection(anonymity_key=Secret("other"))) as c:
        carry_over(c, shown)
        assert private(await c.click("alice", "Edit", on="Weekly huddles"), "alice") == [NOT_YOURS]
        assert private(await c.click("bob", "Delete", on="Paper forms"), "bob") == [NOT_YOURS]
        assert [i.status for i in await items_kept(c)] == [
            "posted",
            "posted",
        ]
