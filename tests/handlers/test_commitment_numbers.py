"""Commitment numbers are counted within each workspace.

A commitment's number is what its members see and type ("/commit done 3",
"commitment 3" in a reminder, "3 · text · due" in a list). It used to be the
row id, shared by every workspace served by one Convene, so one workspace's
numbers told how many commitments the others had made, and a number typed in
one workspace could have named another's commitment. Now each workspace counts
from 1; what members type is looked up in their own workspace only, and the
row ids that buttons and forms carry (never shown) name nothing in another.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.suggestions import Suggestions
from handlers.commitments.hooks import SUGGESTIONS
from storage.models import Commitment, Workspace
from tests.handlers.test_commitments import number_of, table_rows
from tests.handlers.test_two_workspaces import ONE, TWO, Side, two_workspaces
from tests.support.times import LONDON, THURSDAY_NOON

FRIDAY_MORNING = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
"""After the 09:00 London reminders of what is due on Friday 27 November."""
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GONE = "That button belongs to something that no longer exists."


async def add_people(side: Side, *names: str) -> None:
    for name in names:
        await side.command("you", f"/convene member add {name} --tz {LONDON}")


async def said(side: Side, actor: str, line: str) -> str:
    """Everything a command caused to be shown, as one text."""

    return "\n".join(d.text for d in await side.command(actor, line))


async def numbers_by_workspace(side: Side) -> dict[str, list[tuple[int, str]]]:
    """Each workspace's commitments as (number, text), in the order they were made."""

    names = {w.id: w.external_id for w in await side.rows(Workspace)}
    held: dict[str, list[tuple[int, str]]] = {}
    for row in sorted(await side.rows(Commitment), key=lambda c: c.id or 0):
        held.setdefault(names[row.workspace_id], []).append((row.number, row.text))
    return held


async def statuses(side: Side) -> dict[tuple[str, int], str]:
    names = {w.id: w.external_id for w in await side.rows(Workspace)}
    return {(names[c.workspace_id], c.number): c.status for c in await side.rows(Commitment)}


async def test_two_workspaces_each_number_their_commitments_from_1(database_url: str) -> None:
    async with two_workspaces(database_url, THURSDAY_NOON) as (one, two):
        await add_people(one, "alice", "bashful")
        await add_people(two, "alice")
        made = [
            (two, "alice", "/commit Label the drug fridge by Friday"),
            (one, "alice", "/commit Draft the discharge checklist by Friday"),
            (one, "bashful", "/commit Order the gloves by Tuesday"),
            (two, "alice", "/commit Renew the rota"),
            (one, "alice", "/commit for @bashful Book the room by Friday"),
        ]
        shown = [number_of((await side.command(who, line))[0]) for side, who, line in made]
        assert shown == [1, 1, 2, 2, 3]
        assert await numbers_by_workspace(one) == {
            TWO: [(1, "Label the drug fridge"), (2, "Renew the rota")],
            ONE: [
                (1, "Draft the discharge checklist"),
                (2, "Order the gloves"),
                (3, "Book the room"),
            ],
        }

        listed = await said(one, "alice", "/commit list")
        assert "\n1 · Draft the discharge checklist · due" in listed
        assert "\n3 · Book the room · asked of bashful" in listed
        assert "\n2 · Order the gloves · due" in await said(one, "bashful", "/commit list")
        listed = await said(two, "alice", "/commit list")
        assert "\n1 · Label the drug fridge · due" in listed
        assert "\n2 · Renew the rota · no due date" in listed
        (asked,) = one.dms("bashful", "alice asks you to commit to")
        assert "(commitment 3, due" in asked.text

        # What a member types a number into offers the numbers of their own workspace.
        suggest = Suggestions(one.app.sessions, "memory", one.app.registry.suggestion_sources)
        assert await suggest(SUGGESTIONS, ONE, "alice", "") == [
            ("1 · Draft the discharge checklist", "1")
        ]
        assert await suggest(SUGGESTIONS, TWO, "alice", "2") == [("2 · Renew the rota", "2")]

        await one.advance(FRIDAY_MORNING)
        (reminded,) = one.dms("alice", "Reminder: *Draft the discharge checklist*")
        assert "(commitment 1) is due today" in reminded.text
        (reminded,) = two.dms("alice", "Reminder: *Label the drug fridge*")
        assert "(commitment 1) is due today" in reminded.text

        await one.advance(TUESDAY_NOON)
        (late,) = [d for d in await one.command("you", "/convene commitments --overdue")]
        assert [row.split()[:2] for row in table_rows(late.text)] == [["1", "alice"]]
        (late,) = [d for d in await two.command("you", "/convene commitments --overdue")]
        assert [row.split()[:2] for row in table_rows(late.text)] == [["1", "alice"]]


async def test_a_number_typed_finds_the_members_own_workspaces_commitment_never_anothers(
    database_url: str,
) -> None:
    """T-two's two commitments are made first (rows 1 and 2), then T-one's first (row 3):
    each number T-one's member types is looked up in T-one alone."""

    async with two_workspaces(database_url, THURSDAY_NOON) as (one, two):
        await add_people(one, "alice")
        await add_people(two, "alice", "bashful")
        await two.command("alice", "/commit Label the drug fridge by Friday")
        await two.command("alice", "/commit Renew the rota by Friday")
        await one.command("alice", "/commit Draft the discharge checklist by Friday")

        for typed in (
            "/commit done 2",
            "/commit done 3",
            "/commit move 3 next friday",
            "/commit done 99999999999",  # past a 32-bit column: still no commitment
        ):
            reply = await said(one, "alice", typed)
            number = typed.split()[2]
            assert reply == (
                f"There is no commitment {number}. Your open ones: 1 (/commit list shows yours)."
            ), typed
        assert await statuses(one) == {(TWO, 1): "open", (TWO, 2): "open", (ONE, 1): "open"}

        reply = await said(one, "alice", "/commit done 1")
        assert "Marked done: *Draft the discharge checklist* (commitment 1," in reply
        assert await statuses(one) == {(TWO, 1): "open", (TWO, 2): "open", (ONE, 1): "done"}

        reply = await said(two, "bashful", "/commit drop 1")
        assert reply.startswith("Commitment 1 is alice's, so only they can drop it."), reply
        reply = await said(two, "alice", "/commit update 2 blocked: waiting for IT")
        assert "/commit update 2 unblocked" in reply
        reply = await said(two, "alice", "/commit drop 1")
        assert "\nDropped *Label the drug fridge* (commitment 1," in reply
        assert await statuses(one) == {(TWO, 1): "dropped", (TWO, 2): "blocked", (ONE, 1): "done"}


async def test_a_button_carried_over_from_another_workspace_names_nothing_there(
    database_url: str,
) -> None:
    """Buttons and forms carry a commitment's row id; pressed in another workspace (a
    forwarded message, a forged value) it is refused there and nothing changes."""

    async with two_workspaces(database_url, THURSDAY_NOON) as (one, two):
        await add_people(one, "alice", "bashful")
        await add_people(two, "alice", "bashful")
        await two.command("alice", "/commit Label the drug fridge by Friday")
        await two.command("alice", "/commit for @bashful Book the room by Friday")
        await one.command("alice", "/commit Draft the discharge checklist by Friday")
        await one.advance(FRIDAY_MORNING)
        (theirs,) = two.dms("alice", "Reminder: *Label the drug fridge*")
        (request,) = two.dms("bashful", "alice asks you to commit to")

        for label in ("Done", "Need more time", "Blocked", "Drop"):
            delivered = await one.press("alice", theirs, label)
            assert [d.text for d in delivered] == [GONE], label
        delivered = await one.press("bashful", request, "Accept")
        assert [d.text for d in delivered] == [GONE]
        assert one.adapter.forms_opened == []

        await two.press("alice", theirs, "Need more time")
        form = two.last_form("alice", "commitment.move")
        delivered = await one.submit("alice", form, {"due": "next friday"})
        assert [d.text for d in delivered] == [GONE]

        assert await statuses(one) == {(TWO, 1): "open", (TWO, 2): "proposed", (ONE, 1): "open"}
        assert [c.due_on for c in await one.rows(Commitment)] == ["2026-11-27"] * 3

        # In their own workspace the same buttons work.
        delivered = await two.press("alice", theirs, "Done")
        assert any(d.text.startswith("Marked done: *Label the drug fridge*") for d in delivered)
