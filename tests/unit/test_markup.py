"""Neutral markup: mentions only where a handler put them, user text always literal."""

from __future__ import annotations

from bot import markup


def slack_like(text: str) -> str:
    return markup.render(
        text,
        escape=lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        render_mention=lambda user: f"<@{user}>",
    )


def test_a_handler_mention_renders_as_a_mention() -> None:
    text = f"Meet {markup.mention('U123')}!"
    assert slack_like(text) == "Meet <@U123>!"
    assert markup.mentioned_ids(text) == ["U123"]


def test_text_a_member_typed_cannot_ping_anyone() -> None:
    typed = "hi <!channel> @everyone " + markup.mention("U999")
    text = "About: " + markup.plain(typed)
    assert markup.mentioned_ids(text) == []
    assert slack_like(text) == "About: hi &lt;!channel&gt; @everyone @U999"


def test_control_characters_are_noticed() -> None:
    assert markup.has_control_characters("bad\x07name")
    assert markup.has_control_characters("zero\u200bwidth")
    assert not markup.has_control_characters("Public Health\tand\nmore")
