"""A form refused for one field loses nothing: that field is asked again, the rest kept.

On Slack and Discord the submitted modal is already closed, so what was typed
is kept as a draft and the member hears why, privately, with a button that
opens the form again filled in. On a platform that asks in place (the shell)
the form opens again at once, asking only that field. Either way the
refusal writes nothing but the draft (memory adapter; the Slack and Discord
fakes and the shell have their own tests).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import DISCORD_LIKE, SLACK_LIKE, Delivered
from bot.adapter import Capabilities, ChannelMember
from bot.events import ButtonClicked, Place, PlaceKind
from bot.form_drafts import FIX_BUTTON, KEPT_FOR, STALE
from bot.messages import Form
from storage.models import Commitment, FormDraft, PairingGroupMember
from storage.repositories import form_drafts as drafts_repo
from tests.support.harness import Harness, running
from tests.support.times import THURSDAY_NOON

KEPT = "What you typed is kept: the button opens the form again, filled in."
FIX_DATE = "Fix “By when?”"
ASKS_IN_PLACE = replace(SLACK_LIKE, reasks_form_fields=True)


async def rota_gaps_offered(convene: Harness) -> None:
    """Retro "Q4" closed with alice's item "Rota gaps" offered as a commitment; bob is known."""

    await convene.command("bob", "/commit list")
    await convene.command("you", '/convene retro open "Q4"')
    root = convene.newest("*Retro: Q4*")
    thread = Place(PlaceKind.THREAD, "general", thread_id=str(root.ref["message_id"]))
    await convene.say("alice", "start: Rota gaps", place=thread)
    await convene.command("you", '/convene retro close "Q4"')


async def commitment_form(convene: Harness, actor: str = "alice") -> Form:
    await convene.click(actor, "Make it a commitment", on="Rota gaps")
    return convene.last_form(actor, "retro.commit")


def typed_in(form: Form) -> dict[str, str]:
    """What a form opened again holds: each field's value, as typed."""

    return {field.name: field.initial for field in form.fields}


def only_reply(delivered: list[Delivered], actor: str) -> Delivered:
    assert len(delivered) == 1, [d.text for d in delivered]
    (reply,) = delivered
    assert reply.message.visible_to == actor, reply.message
    return reply


async def press_button(convene: Harness, actor: str, action_id: str, value: str) -> None:
    """Press a button as the platform would send it, on whatever message held it."""

    adapter = convene.adapter
    await adapter.push(
        ButtonClicked(
            platform=adapter.platform,
            workspace_id=adapter.workspace_id,
            actor_id=actor,
            actor_name=actor,
            place=adapter.dm(actor),
            event_id=f"button-{actor}-{action_id}-{value}-{len(adapter.delivered)}",
            action_id=action_id,
            value=value,
        )
    )
    await convene.app.settle()


# -- Slack and Discord: a draft and a [Fix …] button ---------------------------------------------


@pytest.mark.parametrize("capabilities", [SLACK_LIKE, DISCORD_LIKE], ids=["slack", "discord"])
async def test_an_unreadable_date_keeps_the_owner_and_the_words_and_asks_for_the_date_again(
    sqlite_url: str, capabilities: Capabilities
) -> None:
    async with running(sqlite_url, capabilities=capabilities) as convene:
        await rota_gaps_offered(convene)
        form = await commitment_form(convene)
        typed = {"owner": "@bob", "what": "Fill the rota gaps", "due": "blurgh"}

        reply = only_reply(await convene.submit("alice", form, typed), "alice")

        assert "'blurgh'" in reply.text and reply.text.endswith(KEPT)
        assert [(b.label, b.action_id) for b in reply.message.buttons] == [(FIX_DATE, FIX_BUTTON)]
        assert await convene.rows(Commitment) == []
        (draft,) = await convene.rows(FormDraft)
        assert draft.field == "due"
        assert reply.message.buttons[0].value == drafts_repo.button_value(draft)

        await convene.click("alice", FIX_DATE)
        again = convene.last_form("alice", "retro.commit")
        assert typed_in(again) == typed
        assert again.context == form.context
        assert again.problem is not None and again.problem.field == "due"
        assert "'blurgh'" in again.problem.reason

        made = await convene.submit("alice", again, {**typed, "due": "2026-12-10"})
        assert "commitment 1, due Thursday 10 December" in made[-1].text
        assert [c.text for c in await convene.rows(Commitment)] == ["Fill the rota gaps"]
        assert await convene.rows(FormDraft) == []


async def test_closing_the_form_opened_again_loses_nothing_the_button_opens_it_once_more(
    convene: Harness,
) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "", "what": "Fill the rota gaps", "due": "the twelfth of never"}
    await convene.submit("alice", await commitment_form(convene), typed)

    await convene.click("alice", FIX_DATE)  # opened, then closed without sending
    await convene.click("alice", FIX_DATE)

    first, second = (form for _, form in convene.adapter.forms_opened[-2:])
    assert typed_in(first) == typed_in(second) == typed
    assert len(await convene.rows(FormDraft)) == 1


async def test_only_the_member_who_typed_it_may_open_it_and_it_is_not_opened_for_another(
    convene: Harness,
) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "", "what": "Fill the rota gaps", "due": "blurgh"}
    (refused,) = await convene.submit("alice", await commitment_form(convene), typed)
    forms = len(convene.adapter.forms_opened)

    reply = only_reply(await convene.press("bob", refused, FIX_DATE), "bob")

    assert reply.text == (
        "That form holds what someone else typed, so only they can fix it and send it."
    )
    assert len(convene.adapter.forms_opened) == forms
    assert len(await convene.rows(FormDraft)) == 1


async def test_a_second_mistake_replaces_the_draft_and_the_first_button_answers_kindly(
    convene: Harness,
) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "", "what": "Fill the rota gaps", "due": "blurgh"}
    (first,) = await convene.submit("alice", await commitment_form(convene), typed)
    await convene.click("alice", FIX_DATE)
    again = convene.last_form("alice")

    (second,) = await convene.submit("alice", again, {**typed, "due": "blargh"})

    assert "'blargh'" in second.text
    (draft,) = await convene.rows(FormDraft)
    assert typed_in(Form.from_dict(draft.form))["due"] == "blargh"
    stale = only_reply(await convene.press("alice", first, FIX_DATE), "alice")
    assert stale.text == STALE
    assert stale.text.startswith("There is nothing left to fix there")


async def test_a_draft_older_than_a_week_is_let_go_kindly(convene: Harness) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "", "what": "Fill the rota gaps", "due": "blurgh"}
    (refused,) = await convene.submit("alice", await commitment_form(convene), typed)
    forms = len(convene.adapter.forms_opened)

    convene.clock.set(convene.clock.now() + KEPT_FOR + timedelta(minutes=1))
    stale = only_reply(await convene.press("alice", refused, FIX_DATE), "alice")

    assert stale.text == STALE
    assert len(convene.adapter.forms_opened) == forms


async def test_an_owner_nobody_knows_is_asked_again_with_the_words_and_date_kept(
    convene: Harness,
) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "@nobody", "what": "Fill the rota gaps", "due": "next friday"}

    reply = only_reply(
        await convene.submit("alice", await commitment_form(convene), typed), "alice"
    )

    assert reply.text.startswith("I do not know anyone called @nobody here.")
    assert [b.label for b in reply.message.buttons] == ["Fix “Who will do it?”"]
    await convene.click("alice", "Fix “Who will do it?”")
    assert typed_in(convene.last_form("alice", "retro.commit")) == typed
    assert await convene.rows(Commitment) == []


async def test_sending_the_form_afresh_lets_its_draft_go(convene: Harness) -> None:
    await rota_gaps_offered(convene)
    typed = {"owner": "", "what": "Fill the rota gaps", "due": "blurgh"}
    (refused,) = await convene.submit("alice", await commitment_form(convene), typed)

    # Alice presses Make it a commitment again instead of Fix, and gets it right.
    await convene.submit("alice", await commitment_form(convene), {**typed, "due": "friday"})

    assert await convene.rows(FormDraft) == []
    assert only_reply(await convene.press("alice", refused, FIX_DATE), "alice").text == STALE


# -- the other forms -------------------------------------------------------------------------------


async def test_a_retro_item_too_long_is_asked_again_with_its_category_kept(
    convene: Harness,
) -> None:
    await convene.command("you", '/convene retro open "Q4"')
    await convene.click("alice", "Add item", on="*Retro: Q4*")
    form = convene.last_form("alice", "retro.add")
    typed = {"category": "Stop", "text": "z" * 501}

    reply = only_reply(await convene.submit("alice", form, typed), "alice")

    assert reply.text.startswith("The item is 501 characters long; items take at most 500.")
    assert [b.label for b in reply.message.buttons] == ["Fix “Your item”"]
    await convene.click("alice", "Fix “Your item”")
    assert typed_in(convene.last_form("alice", "retro.add")) == typed
    added = await convene.submit("alice", convene.last_form("alice"), {**typed, "text": "Less"})
    assert added[0].text.startswith("1. *Stop*: Less")


async def test_a_check_in_answer_too_long_is_asked_again_with_the_other_answers_kept(
    convene: Harness,
) -> None:
    await convene.command(
        "you", "/convene checkin create Standup #general every weekday 09:00 --tz Europe/London"
    )
    convene.adapter.channel_members["general"] = [ChannelMember("you", "you", "Europe/London")]
    await convene.command("you", "/convene checkin run now Standup")
    await convene.click("you", "Answer")
    form = convene.last_form("you", "checkin.answers")
    typed = {"q0": "Rota", "q1": "w" * 1001, "q2": "No"}

    reply = only_reply(await convene.submit("you", form, typed), "you")

    assert reply.text.startswith("Answer 2 is 1,001 characters long")
    label = f"Fix “{form.fields[1].label}”"
    assert [b.label for b in reply.message.buttons] == [label]
    await convene.click("you", label)
    assert typed_in(convene.last_form("you", "checkin.answers")) == typed


async def test_need_more_time_and_blocked_ask_again_for_their_one_field(
    convene: Harness,
) -> None:
    await convene.command("alice", "/commit Fill the rota gaps by friday")

    await press_button(convene, "alice", "commitment.more_time", "1")
    moved = only_reply(
        await convene.submit("alice", convene.last_form("alice"), {"due": "someday"}), "alice"
    )
    assert "'someday'" in moved.text
    assert [b.label for b in moved.message.buttons] == ["Fix “New due date”"]
    await convene.click("alice", "Fix “New due date”")
    assert typed_in(convene.last_form("alice", "commitment.move")) == {"due": "someday"}

    await press_button(convene, "alice", "commitment.blocked", "1")
    why = "n" * 301
    blocked = only_reply(
        await convene.submit("alice", convene.last_form("alice"), {"why": why}), "alice"
    )
    assert blocked.text.startswith("The update is 301 characters long; keep it to 300.")
    assert [b.label for b in blocked.message.buttons] == ["Fix “What is in the way?”"]
    (commitment,) = await convene.rows(Commitment)
    assert (commitment.status, commitment.due_on) == ("open", "2026-12-04")


async def test_a_learning_story_that_is_not_plain_text_is_asked_again(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        for line in (
            "/convene silo add Radiotherapy --kind team",
            "/convene silo add Wards --kind team",
            "/convene member add alice --silo Radiotherapy --tz Europe/London",
            "/convene member add bob --silo Wards --tz Europe/London",
            "/convene pairing start #general every 2 weeks on Monday 10:00 --tz Europe/London",
        ):
            await convene.command("you", line)
        for name in ("alice", "bob"):
            await convene.command(name, "/pairing join")
        await convene.advance(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
        await convene.click("alice", "We met")
        typed = {"learning": "They plan \x07 in years", "consent": "Shared with my name"}

        reply = only_reply(
            await convene.submit("alice", convene.last_form("alice", "pairing.learning"), typed),
            "alice",
        )

        assert reply.text.startswith("It holds control characters; write it as plain text.")
        assert [b.label for b in reply.message.buttons] == [
            "Fix “What did you learn or take away?”"
        ]
        assert all(p.learning is None for p in await convene.rows(PairingGroupMember))


# -- a platform that asks in place -----------------------------------------------------------------


async def test_where_the_platform_asks_in_place_the_form_opens_again_at_once_without_a_draft(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=ASKS_IN_PLACE) as convene:
        await rota_gaps_offered(convene)
        typed = {"owner": "", "what": "Fill the rota gaps", "due": "blurgh"}
        opened = len(convene.adapter.forms_opened)

        delivered = await convene.submit("alice", await commitment_form(convene), typed)

        assert delivered == []
        assert len(convene.adapter.forms_opened) == opened + 2
        event, again = convene.adapter.forms_opened[-1]
        assert (event.actor_id, again.form_id) == ("alice", "retro.commit")
        assert typed_in(again) == typed
        assert again.problem is not None and again.problem.field == "due"
        assert await convene.rows(FormDraft) == []
        assert await convene.rows(Commitment) == []
