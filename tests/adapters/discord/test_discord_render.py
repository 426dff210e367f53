"""Convene's neutral messages and forms as Discord payloads: safe, within Discord's limits."""

from __future__ import annotations

import pytest

from adapters.discord.render import (
    allowed_mentions,
    content,
    custom_id,
    message_payloads,
    modal_payload,
    parse_custom_id,
    submitted_values,
)
from bot.markup import mention, plain
from bot.messages import Button, Form, FormField, OutgoingMessage, Target

W = "900000000000000001"


def test_text_a_member_typed_can_neither_ping_nor_look_like_a_mention() -> None:
    typed = plain("@everyone look <@&123> and <@456> @here")
    rendered = content(f"{mention('789')} said: {typed}")
    assert rendered.startswith("<@789> said: ")
    assert "@everyone" not in rendered and "@here" not in rendered
    # Escaped with a backslash, Discord shows the characters instead of a mention pill.
    assert "\\<@&123>" in rendered and "\\<@456>" in rendered
    assert rendered.count("<@") == rendered.count("\\<@") + 1  # only Convene's own mention
    assert allowed_mentions(f"{mention('789')} said: {typed}") == {"parse": [], "users": ["789"]}
    assert allowed_mentions(typed) == {"parse": []}


def test_bold_in_convenes_markup_is_bold_on_discord() -> None:
    assert content("*Retro: Sprint 12* (Start, Stop)") == "**Retro: Sprint 12** (Start, Stop)"


def test_a_long_message_goes_in_pieces_with_its_buttons_under_the_last() -> None:
    lines = "\n".join(f"line {n}: " + "x" * 50 for n in range(100))
    message = OutgoingMessage(Target.channel("1"), lines, buttons=(Button("Done", "c.done", "7"),))
    bodies = message_payloads(W, message)
    assert len(bodies) > 1 and all(len(b["content"]) <= 2000 for b in bodies)
    assert all("components" not in b for b in bodies[:-1])
    assert bodies[-1]["components"][0]["components"][0]["custom_id"] == f"{W}|c.done|7"
    assert "\n".join(b["content"] for b in bodies).count("line ") == 100


def test_buttons_go_five_to_a_row_and_repeated_actions_get_distinct_ids() -> None:
    buttons = (
        Button("+1", "retro.vote", "1"),
        Button("+1", "retro.vote", "1"),
        Button("Edit", "e"),
    )
    [row] = message_payloads(W, OutgoingMessage(Target.channel("1"), "x", buttons))[0]["components"]
    ids = [b["custom_id"] for b in row["components"]]
    assert len(set(ids)) == 3
    assert [parse_custom_id(i)[1] for i in ids] == ["retro.vote", "retro.vote", "e"]


def test_many_buttons_for_one_choice_become_a_select_menu() -> None:
    zones = tuple(
        Button(z, "me.tz", z) for z in ("Europe/London", "Asia/Tokyo", "UTC", "A/B", "C/D", "E/F")
    )
    [row] = message_payloads(W, OutgoingMessage(Target.dm("1"), "Which zone?", zones))[0][
        "components"
    ]
    [select] = row["components"]
    assert select["type"] == 3 and len(select["options"]) == 6
    assert parse_custom_id(select["custom_id"]) == (W, "me.tz", "")


def test_a_custom_id_names_its_server_so_a_click_in_a_dm_knows_where_it_belongs() -> None:
    made = custom_id(W, "commitment.done", "42|odd")
    assert parse_custom_id(made) == (W, "commitment.done", "42|odd")
    with pytest.raises(ValueError, match="100"):
        custom_id(W, "x", "v" * 100)


def test_a_form_is_a_modal_of_labelled_inputs_within_discords_limits() -> None:
    form = Form(
        "checkin.answer",
        "Daily standup for Monday 30 November, page 1 of 2",
        (
            FormField(
                "q0",
                "What did you finish yesterday, and what got in the way of it?",
                "long_text",
                initial="The rota",
            ),
            FormField("q1", "How was your day?", "choice", choices=("1", "2", "3", "4", "5")),
        ),
        context="run:5:page:0",
    )
    modal = modal_payload(W, form)
    assert len(modal["title"]) <= 45 and modal["custom_id"] == f"{W}|checkin.answer|run:5:page:0"
    first, second = modal["components"]
    assert first["type"] == 18 and len(first["label"]) <= 45
    assert first["description"].startswith("What did you finish yesterday")
    assert first["component"]["style"] == 2 and first["component"]["value"] == "The rota"
    assert second["component"]["type"] == 3
    assert [o["value"] for o in second["component"]["options"]] == ["1", "2", "3", "4", "5"]
    with pytest.raises(ValueError, match="at most 5"):
        modal_payload(W, Form("f", "t", tuple(FormField(f"q{n}", "q") for n in range(6))))


def test_a_submitted_modal_is_read_whether_discord_sends_labels_or_action_rows() -> None:
    labelled = [
        {"type": 18, "component": {"type": 4, "custom_id": "text", "value": "weekly huddles"}},
        {"type": 18, "component": {"type": 3, "custom_id": "category", "values": ["Start"]}},
    ]
    rows = [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "x"}]}]
    assert submitted_values(labelled) == {"text": "weekly huddles", "category": "Start"}
    assert submitted_values(rows) == {"text": "x"}
