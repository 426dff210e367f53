"""A fan-out's messages, serialised once and filled in per member, are the ones
``Outbox.send`` would have queued, whatever the members' strings hold."""

from __future__ import annotations

import json

import pytest

from bot.fanout import MessageShape
from bot.messages import Button, OutgoingMessage, Target


def reminder(member: str, text: str, value: str) -> OutgoingMessage:
    return OutgoingMessage(
        Target.dm(member),
        text,
        (Button("Done", "commitment.done", value, "primary"), Button("Drop", "c.drop", value)),
    )


TRICKY = [
    ("U123", "plain words", "7"),
    ("U9", 'quotes " and \\ backslashes', "42"),
    ("Ü-ñ", "Zoë's café ☕ — line one\nline two\ttabbed", "1"),
    ("U{0}", "braces {text} {{double}} and %s %(x)s", "{value}"),
    ("U@@x", "@@markers@@ of another shape, <&> and \u0000", ""),
]


@pytest.mark.parametrize(("member", "text", "value"), TRICKY)
def test_each_row_is_what_the_outbox_would_store_for_that_member(
    member: str, text: str, value: str
) -> None:
    shape = MessageShape(reminder, "member", "text", "value")
    key, target_key, payload = shape.row("k:1", member=member, text=text, value=value)
    message = reminder(member, text, value)
    assert key == "k:1"
    assert target_key == message.target.ordering_key()
    assert payload == json.dumps(message.to_dict())
    assert OutgoingMessage.from_dict(json.loads(payload)) == message


def test_a_builder_that_changes_a_string_is_refused_rather_than_sent_wrong() -> None:
    with pytest.raises(ValueError, match="text"):
        MessageShape(
            lambda member, text: OutgoingMessage(Target.dm(member), text.upper()), "member", "text"
        )
