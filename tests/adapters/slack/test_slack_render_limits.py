"""Rendering for Slack keeps within Block Kit's limits, whatever the content.

Long text goes out as several Slack messages (or App Home pages), each within
every documented limit, checked by the same code the fake Slack refuses with
(``tests.support.slack_limits``). Cuts never fall inside an entity or a
mention, nothing is lost or repeated, a label cut short keeps its meaning, and
text a member typed cannot make Slack broadcast.
"""

from __future__ import annotations

import re

import pytest

from adapters.slack.render import (
    HOME_PAGE_ACTION,
    SlackMessage,
    escape,
    home_pages,
    messages_for,
    modal_for,
    mrkdwn,
    shorten,
    split_text,
)
from bot.markup import mention
from bot.messages import Button, Form, FormField, OutgoingMessage, Target
from tests.support.slack_limits import message_refusal, view_refusal

ANGRY = "<<<&&&>>>"
_ENTITY_OR_MENTION = re.compile(r"&(?:amp|lt|gt);|<@U[0-9A-Z]+>")


def channel(text: str, buttons: tuple[Button, ...] = ()) -> OutgoingMessage:
    return OutgoingMessage(Target.channel("C1"), text, buttons)


def sections_of(parts: list[SlackMessage]) -> list[str]:
    return [
        block["text"]["text"]
        for part in parts
        for block in part.blocks
        if block["type"] == "section"
    ]


def assert_whole(piece: str) -> None:
    """No entity or mention is cut at either end of a piece."""

    stripped = _ENTITY_OR_MENTION.sub("", piece)
    assert "&" not in stripped, f"a cut entity in …{piece[-20:]!r}"
    assert "<" not in stripped and ">" not in stripped, f"a cut mention in {piece[:20]!r}…"


# -- cutting -----------------------------------------------------------------------------


@pytest.mark.parametrize("shift", range(12))
def test_a_line_of_entities_is_never_cut_inside_one(shift: int) -> None:
    text = "x" * shift + ANGRY * 700  # one line, far longer than a section
    rendered = mrkdwn(text)

    pieces = split_text(rendered, 3000)

    assert len(pieces) > 1
    assert all(len(piece) <= 3000 for piece in pieces)
    for piece in pieces:
        assert_whole(piece)
    assert "".join(pieces) == rendered


@pytest.mark.parametrize("shift", range(8))
def test_a_mention_is_never_cut(shift: int) -> None:
    text = "y" * shift + "".join(f"{mention('U0' + str(n).zfill(8))}{'&' * 3}" for n in range(400))
    rendered = mrkdwn(text)

    pieces = split_text(rendered, 3000)

    for piece in pieces:
        assert_whole(piece)
    assert "".join(pieces) == rendered


def test_lines_are_cut_at_their_ends_and_words_between_words() -> None:
    lines = [f"line {n} " + "word " * 50 for n in range(100)]

    pieces = split_text("\n".join(lines), 3000)

    assert len(pieces) > 1
    assert "\n".join(pieces).split("\n") == lines, "cut at line ends only"

    words = "many words " * 700
    pieces = split_text(words, 3000)
    assert all(piece.endswith(" ") for piece in pieces[:-1])
    assert "".join(pieces) == words


def test_a_code_block_cut_in_two_is_closed_and_opened_again() -> None:
    export = "```\n" + "\n".join(f"- item {n} " + "&" * 300 for n in range(40)) + "\n```"

    pieces = split_text(mrkdwn(export), 3000)

    assert len(pieces) > 1
    assert all(piece.startswith("```") and piece.endswith("```") for piece in pieces)
    assert all(len(piece) <= 3000 for piece in pieces)


# -- messages ----------------------------------------------------------------------------


def test_sixty_long_items_go_out_in_messages_slack_takes_each_once_in_order() -> None:
    items = [f"{n:02d} " + ANGRY * 55 for n in range(60)]
    text = "Summary: 60 items\n" + "\n".join(f"  0 votes · {item}" for item in items)
    buttons = (Button("Make it a commitment", "retro.commit", "1", "primary"),)

    parts = messages_for(channel(text, buttons))

    assert len(parts) > 1
    for part in parts:
        assert message_refusal({"text": part.text, "blocks": part.blocks}) is None
        assert len(part.text) <= 3000
    assert [b["type"] for b in parts[-1].blocks][-1] == "actions"
    assert all(b["type"] == "section" for part in parts[:-1] for b in part.blocks)
    whole = "\n".join(sections_of(parts))
    found = [whole.find(mrkdwn(item)) for item in items]
    assert all(at >= 0 for at in found)
    assert found == sorted(found)
    assert all(whole.count(mrkdwn(item)) == 1 for item in items)


def test_many_short_lines_fill_50_blocks_at_most() -> None:
    text = "\n".join(f"{n} " + "a " * 1400 for n in range(120))

    parts = messages_for(channel(text))

    assert all(len(part.blocks) <= 50 for part in parts)
    assert all(
        message_refusal({"text": part.text, "blocks": part.blocks}) is None for part in parts
    )


def test_a_short_message_is_one_slack_message_as_before() -> None:
    [part] = messages_for(channel("*Hello* & welcome", (Button("Go", "go", "1"),)))

    assert part.text == "*Hello* &amp; welcome"
    assert part.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Hello* &amp; welcome"}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Go"},
                    "action_id": "go",
                    "value": "1",
                }
            ],
        },
    ]


def test_the_notification_text_is_cut_short_and_whole() -> None:
    [part, *_] = messages_for(channel(ANGRY * 2000))

    assert len(part.text) <= 3000
    assert part.text.endswith("…")
    assert_whole(part.text[:-1])


def test_an_action_id_longer_than_slack_takes_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="255"):
        messages_for(channel("hi", (Button("Go", "a" * 256),)))


# -- broadcasts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "@channel",
        "@here",
        "@everyone",
        "@Channel.",
        "hi @HERE!",
        "(@everyone)",
        "*@channel*",
        "@group",
    ],
)
def test_member_text_cannot_make_slack_broadcast(typed: str) -> None:
    shown = escape(typed)

    assert not re.search(r"@(channel|here|everyone|group)", shown, re.IGNORECASE)
    assert shown.replace("\u2060", "") == typed
    assert "<!" not in escape("<!channel> <!here|here> <!subteam^S1>")


# -- labels ------------------------------------------------------------------------------


def test_a_cut_label_keeps_its_closing_quote() -> None:
    label = 'Delete "Weekly check-in for the radiology and oncology teams across all sites"'

    cut = shorten(label, 75)

    assert len(cut) <= 75
    assert cut.endswith('…"')
    assert cut.startswith('Delete "Weekly check-in')
    assert cut.count('"') == 2


def test_a_cut_title_keeps_its_note_in_brackets() -> None:
    title = shorten("Add to Quarter four retrospective (anonymous)", 24)
    assert len(title) <= 24 and title.endswith("… (anonymous)")
    page = shorten("Weekly radiology check-in (2 of 3)", 24)
    assert len(page) <= 24 and page.endswith("… (2 of 3)")
    assert shorten("Short", 24) == "Short"


def test_buttons_and_modals_are_shortened_within_slack_limits() -> None:
    long_name = 'Delete "' + "Radiology " * 10 + '"'
    [part] = messages_for(channel("Sure?", (Button(long_name, "checkin.delete", "3"),)))
    label = part.blocks[-1]["elements"][0]["text"]["text"]
    assert len(label) <= 75 and label.endswith('…"')

    form = Form(
        "checkin.answer",
        "Weekly radiology check-in (1 of 2)",
        (
            FormField(
                "q0", "What did you do? " * 200, "long_text", max_length=5000, initial="x" * 4000
            ),
            FormField(
                "q1", "How was it?", "choice", choices=tuple("c" * 200 + str(n) for n in range(150))
            ),
        ),
        submit_label="Send my answers now, please",
    )
    view = modal_for(form, origin={"channel_id": "C1", "thread_id": None})

    assert view_refusal(view) is None
    assert view["title"]["text"].endswith("(1 of 2)")


def test_a_form_with_more_fields_than_a_modal_holds_is_refused() -> None:
    form = Form("f", "Too long", tuple(FormField(f"q{n}", "Q") for n in range(101)))

    with pytest.raises(ValueError, match="100"):
        modal_for(form, origin={"channel_id": "C1", "thread_id": None})


# -- the App Home ------------------------------------------------------------------------


def test_a_long_home_is_paged_within_100_blocks_and_loses_nothing() -> None:
    lines = [f"- {n} · " + ANGRY * 41 for n in range(105)]  # one section each
    home = OutgoingMessage(Target.home("U1"), "*Your commitments*\n\n" + "\n".join(lines))

    pages = home_pages(home)

    assert len(pages) > 1
    for number, blocks in enumerate(pages):
        assert view_refusal({"type": "home", "blocks": blocks}) is None
        turns = [
            (e["text"]["text"], e["value"])
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith(HOME_PAGE_ACTION)
        ]
        expected = []
        if number > 0:
            expected.append(("‹ Previous page", str(number - 1)))
        if number + 1 < len(pages):
            expected.append(("Next page ›", str(number + 1)))
        assert turns == expected
    whole = "\n".join(
        b["text"]["text"] for blocks in pages for b in blocks if b["type"] == "section"
    )
    assert all(whole.count(mrkdwn(line)) == 1 for line in lines)


def test_a_short_home_is_one_page_without_page_buttons() -> None:
    [page] = home_pages(OutgoingMessage(Target.home("U1"), "*Hello*"))

    assert page == [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]
