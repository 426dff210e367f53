"""A member sees everything Convene holds about them, and has it forgotten.

Alice Moreno (platform id ``U0ALICE``) has a silo, a place in introductions with
a line about herself, an introduction she followed up with what she learned,
check-in answers, a commitment, a commitment she asked of Bob and a retro item.
``/convene me export`` sends all of it to her DM as a JSON file; ``/convene me
forget`` asks her first, in her DM, and only she can say yes. Afterwards her
commitment stays for the team as "a former member"'s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from bot.events import SlashCommand
from storage.models import Commitment, Member, PairingGroupMember
from tests.support.harness import Harness

ALICE = "U0ALICE"
NAME = "Alice Moreno"
ANSWERS = (
    "Rebuilt the discharge lounge rota",
    "Meeting the oncology schedulers",
    "Waiting on estates for the lounge keys",
)
LEARNED = "Oncology plans its rotas a whole year ahead"
ABOUT = "I run discharge planning at the Royal"
COMMITMENT = "Draft the discharge checklist"
ASKED_OF_BOB = "Send the estates contact list"
RETRO_ITEM = "weekly huddles with the porters"
MEMBER_TABLES = (
    "members",
    "member_silos",
    "commitments",
    "checkin_prompts",
    "participants",
    "pairing_group_members",
    "retro_items",
    "outbox",
)


async def meet(convene: Harness, platform_id: str, name: str) -> None:
    """A member whose platform id is not their name writes to Convene for the first time."""

    adapter = convene.adapter
    await adapter.push(
        SlashCommand(
            platform=adapter.platform,
            workspace_id=adapter.workspace_id,
            actor_id=platform_id,
            actor_name=name,
            place=adapter.channel(),
            event_id=f"first-contact-{len(adapter.delivered)}",
            command="convene",
            text="me",
        )
    )
    await convene.app.settle()


async def alice_with_a_history(convene: Harness) -> None:
    """Alice's part in every job, up to Thursday 3 December."""

    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", '/convene silo add "Public Health" --kind organisation')
    await meet(convene, ALICE, NAME)
    await convene.command(ALICE, "/convene me tz UTC")
    await convene.command(ALICE, "/convene me silo add Radiotherapy")
    await convene.command("you", '/convene member add bob --silo "Public Health" --tz UTC')
    await convene.command("you", "/convene pairing start #general every Monday 10:00 --tz UTC")
    for who in (ALICE, "bob"):
        await convene.command(who, "/pairing join")
    await convene.command(ALICE, f"/pairing about {ABOUT}")
    convene.adapter.channel_members["general"] = [
        ChannelMember(ALICE, NAME, "UTC"),
        ChannelMember("bob", "bob", "UTC"),
    ]
    await convene.command(
        "you", '/convene checkin create "Standup" #general every Monday 09:00 --template standup'
    )
    await convene.advance(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await convene.click(ALICE, "Answer")
    await convene.answer_form(ALICE, ANSWERS)
    await convene.advance(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    await convene.advance(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    await convene.click(ALICE, "We met")
    learning = convene.last_form(ALICE, "pairing.learning")
    await convene.submit(ALICE, learning, {"learning": LEARNED, "consent": "Conveners only"})
    await convene.command(ALICE, f"/commit {COMMITMENT} by Friday")
    await convene.command(ALICE, f"/commit for @bob {ASKED_OF_BOB} by Friday")
    await convene.command("you", '/convene retro open "Quarter 4"')
    await convene.click(ALICE, "Add item", on="*Retro: Quarter 4*")
    add = convene.last_form(ALICE, "retro.add")
    await convene.submit(ALICE, add, {"category": "Start", "text": RETRO_ITEM})


async def ask_to_forget(convene: Harness) -> Delivered:
    """Alice types ``/convene me forget`` in a channel: the question comes to her DM."""

    delivered = await convene.command(ALICE, "/convene me forget")
    (note,) = [d for d in delivered if d.message.visible_to == ALICE]
    assert note.text == "I asked you in a direct message first: nothing is forgotten yet."
    (asked,) = [d for d in delivered if d.message.target.kind == "dm"]
    return asked


def exported(delivered: list[Delivered]) -> tuple[Delivered, dict[str, Any]]:
    (sent,) = [d for d in delivered if d.message.files]
    (file,) = sent.message.files
    return sent, json.loads(file.data)


async def test_an_export_holds_everything_convene_keeps_about_the_member(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)

    delivered = await convene.command(ALICE, "/convene me export")

    sent, data = exported(delivered)
    assert sent.message.target.member_ids == (ALICE,), "the file goes to her DM, nowhere else"
    assert data["profile"] == {
        "name": NAME,
        "platform_user_id": ALICE,
        "time_zone": "UTC",
        "email": None,
        "convener": False,
        "suggestions": "on",
        "known_since": data["profile"]["known_since"],
    }
    assert data["silos"] == [{"name": "Radiotherapy", "kind": "team"}]
    (programme,) = data["programmes"]
    assert (programme["channel"], programme["status"], programme["about"]) == (
        "general",
        "active",
        ABOUT,
    )
    (introduction,) = data["introductions"]
    assert introduction["with"] == ["bob"]
    assert (introduction["outcome"], introduction["take_away"]) == ("met", LEARNED)
    assert introduction["take_away_shared"] == "conveners"
    (checkin,) = data["checkin_answers"]
    assert checkin["checkin"] == "Standup"
    assert checkin["answers_went_to"] == "thread"
    assert [a["answer"] for a in checkin["answers"]] == list(ANSWERS)
    assert checkin["answers"][0]["question"] == "What did you do since the last check-in?"
    assert [c["text"] for c in data["commitments"]] == [COMMITMENT]
    assert [(c["text"], c["owner"]) for c in data["commitments_asked_of_others"]] == [
        (ASKED_OF_BOB, "bob")
    ]
    assert [(i["retro"], i["text"], i["anonymous"]) for i in data["retro_items"]] == [
        ("Quarter 4", RETRO_ITEM, False)
    ]
    assert sent.text == (
        "Everything Convene holds about you is in convene-my-data.json: your profile, 1 silo, "
        "1 programme joined, 1 introduction (1 with what you learned), 1 check-in answered, "
        "1 commitment and 1 commitment you asked of others and 1 retro item. To have it "
        "forgotten: /convene me forget"
    )


async def test_an_export_asked_in_a_channel_says_it_went_to_the_dm(convene: Harness) -> None:
    await meet(convene, ALICE, NAME)

    delivered = await convene.command(ALICE, "/convene me export")

    (note,) = [d for d in delivered if d.message.visible_to == ALICE]
    assert note.text == "I sent it to you in a direct message."
    assert note.message.target.kind == "channel"
    sent, data = exported(delivered)
    assert sent.message.target.kind == "dm"
    assert data["profile"]["name"] == NAME


async def test_an_export_shows_a_member_their_anonymous_items_of_an_open_retro_only(
    convene: Harness,
) -> None:
    await meet(convene, ALICE, NAME)
    await convene.command("bob", "/convene me")
    await convene.command("you", '/convene retro open "Quarter 4" --anonymous')
    for who, text in ((ALICE, "fewer handovers at night"), ("bob", "more coffee")):
        await convene.click(who, "Add item", on="*Retro: Quarter 4*")
        await convene.submit(
            who, convene.last_form(who, "retro.add"), {"category": "Start", "text": text}
        )

    _, data = exported(await convene.command(ALICE, "/convene me export"))

    assert [(i["text"], i["anonymous"]) for i in data["retro_items"]] == [
        ("fewer handovers at night", True)
    ]


async def test_forgetting_asks_first_in_the_dm_and_cancel_changes_nothing(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    before = await convene.snapshot(MEMBER_TABLES)

    asked = await ask_to_forget(convene)

    assert asked.text == (
        "Forget you? Convene deletes 1 check-in answer, what you learned from 1 introduction, "
        "your place in 1 introductions programme, your links to 1 silo and your name, time "
        "zone and settings, and takes messages it posted with your answers off the platform. "
        "Kept for your team, shown as a former member's: 1 commitment you own (no more "
        "reminders), 1 retro item you wrote and your 1 introduction, counted on the "
        "landscape. Anonymous retro items stay anonymous. This cannot be undone; to keep a "
        "copy first, type /convene me export."
    )
    assert [b.label for b in asked.message.buttons] == ["Forget me", "Cancel"]
    (cancelled,) = await convene.click(ALICE, "Cancel")
    assert cancelled.text == "Cancelled: nothing was forgotten."
    after = await convene.snapshot(MEMBER_TABLES)
    assert {t: after[t] for t in MEMBER_TABLES if t != "outbox"} == {
        t: before[t] for t in MEMBER_TABLES if t != "outbox"
    }


async def test_nobody_else_can_press_forget_me(convene: Harness) -> None:
    await alice_with_a_history(convene)
    asked = await ask_to_forget(convene)
    before = await convene.snapshot(MEMBER_TABLES[:-1])

    (refused,) = await convene.press("bob", asked, "Forget me")
    (convener,) = await convene.press("you", asked, "Forget me")

    assert refused.text == (
        "Only the member who asked to be forgotten can press that; nothing was changed. "
        "To be forgotten yourself, type /convene me forget."
    )
    assert convener.text == refused.text
    assert await convene.snapshot(MEMBER_TABLES[:-1]) == before


async def test_a_forgotten_members_commitment_stays_as_a_former_members(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    asked = await ask_to_forget(convene)

    await convene.click(ALICE, "Forget me")

    (answer,) = [d for d in convene.adapter.delivered if d.idempotency_key == asked.idempotency_key]
    assert answer.message.buttons == ()
    assert answer.text.startswith(
        "Convene has forgotten you. Deleted: 1 check-in answer, 1 take-away from an introduction, "
        "your place in 1 programme, your links to 1 silo and your name, time zone and settings."
    )
    assert answer.text.endswith(
        "Kept for your team as a former member's: 1 commitment and 1 retro item. If you use "
        "Convene again, it meets you as someone new."
    )
    (kept, _asked_of_bob) = await convene.rows(Commitment, order_by=Commitment.id)
    assert (kept.text, kept.remind_at) == (COMMITMENT, None)
    listing = await convene.reply_to("you", "/convene commitments")
    assert "\na former member  -      1     0        0 of 0\n" in listing
    assert NAME not in listing
    places = await convene.rows(PairingGroupMember)
    assert [p.learning for p in places] == [None, None]
    assert "met" in [p.outcome for p in places], "the introduction still counts as met"
    members = await convene.rows(Member, order_by=Member.id)
    assert [m.display_name for m in members if m.erased_at is not None] == ["a former member"]
    unknown = await convene.reply_to("you", f'/convene member remove "{NAME}"')
    assert unknown.startswith(f"I don't know a member called '{NAME}'")


async def test_the_only_convener_cannot_forget_themselves(convene: Harness) -> None:
    await convene.command("you", "/convene me")
    before = await convene.snapshot(("members", "outbox"))

    refused = await convene.reply_to("you", "/convene me forget")

    assert refused == (
        "You are the only convener, so forgetting you would leave nobody to run Convene. "
        "Make someone else a convener first (/convene convener add NAME), then "
        "/convene me forget."
    )
    after = await convene.snapshot(("members", "outbox"))
    assert after["members"] == before["members"]
    assert [row for row in after["outbox"] if "Forget you?" in str(row)] == []
