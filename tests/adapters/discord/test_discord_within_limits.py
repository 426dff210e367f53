"""What Convene sends to Discord stays within Discord's documented limits, whatever it says.

The fake Discord refuses what Discord refuses (``tests/support/discord_limits.py``)
and the rig fails any scenario in which Convene sent something it refused.
These tests push Convene's own output to its extremes (every command it
syncs, text of any length typed by anyone, more buttons, longer labels and
bigger forms than a handler would make) and check each body against the
same limits, and check that a private reply after its interaction's fifteen
minutes goes to the member's DMs rather than to a token Discord has let go.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

import adapters.discord.interactions as discord_interactions
from adapters.discord.commands import build_commands
from adapters.discord.render import MESSAGE_LIMIT, chunks, message_payloads, modal_payload
from bot.markup import mention, plain
from bot.messages import Button, Form, FormField, OutgoingMessage, Target
from bot.wiring import build_registry
from tests.support.discord_limits import (
    COMMAND_SIZE,
    command_size,
    commands_problems,
    message_problems,
    modal_problems,
)
from tests.support.discord_rig import ALICE, GENERAL, GUILD, DiscordRig

W = "900000000000000001"


def test_every_command_convene_syncs_is_one_discord_accepts() -> None:
    payload = build_commands(build_registry().commands.commands).payload
    assert commands_problems(payload) == []
    sizes = {command["name"]: command_size(command) for command in payload}
    assert max(sizes.values()) <= COMMAND_SIZE, sizes


TYPED = plain("<@123> said **hi** to @everyone \\o/ <#456> & <@&789> ")


@pytest.mark.parametrize(
    "text",
    [
        TYPED * 200,  # one line of about 10,000 characters, markup all along it
        "\n".join([TYPED * 5] * 40),  # lines of about 300 characters
        mention("42") + " " + "x" * 4500,  # a word longer than a message
        "y" * 1999 + "\\<",  # an escape across the limit
        "\n" * 5000,
    ],
    ids=["one-long-line", "many-lines", "one-long-word", "escape-at-the-limit", "blank-lines"],
)
def test_text_of_any_length_goes_in_parts_discord_accepts_and_never_cut_inside_markup(
    text: str,
) -> None:
    message = OutgoingMessage(Target.channel("1"), text, buttons=(Button("Done", "c.done", "1"),))
    bodies = message_payloads(W, message)
    for body in bodies:
        assert message_problems(body) == []
        piece = str(body["content"])
        assert 0 < len(piece) <= MESSAGE_LIMIT
        trailing = len(piece) - len(piece.rstrip("\\"))
        assert trailing % 2 == 0, "a part ends in half an escape"
        assert piece.count("<@") == piece.count("\\<@") + piece.count("<@42>")
    whole = "".join(chunks(text))
    assert whole.count("\\<@123>") == text.count("<@123>")


def test_a_line_too_long_for_one_message_is_cut_between_words() -> None:
    words = " ".join(f"word{n}" for n in range(1000))
    pieces = chunks(words)
    assert len(pieces) > 1
    assert " ".join(pieces) == words


def test_more_buttons_and_longer_labels_than_discord_takes_are_kept_within_its_limits() -> None:
    distinct = tuple(Button("L" * 200, f"action.{n}", str(n)) for n in range(30))
    same_action = tuple(Button("Z" * 150, "me.tz", f"{'v' * 120}{n % 3}") for n in range(40))
    for buttons in (distinct, same_action):
        for body in message_payloads(W, OutgoingMessage(Target.channel("1"), "x", buttons)):
            assert message_problems(body) == []


def test_a_form_with_long_words_everywhere_is_a_modal_discord_accepts() -> None:
    form = Form(
        "checkin.answers",
        "T" * 200,
        (
            FormField("q0", "Q" * 300, "long_text", max_length=10_000, initial="i" * 5000),
            FormField("q1", "Short question?", "text"),
            FormField(
                "q2",
                "Pick one " * 20,
                "choice",
                choices=tuple(f"{'c' * 150}{n % 30}" for n in range(40)),
                initial="c" * 150 + "1",
            ),
            FormField("q3", "Optional?", "long_text", required=False),
            FormField("q4", "Pick", "choice", choices=("same", "same", "other")),
        ),
        context="7:0",
    )
    assert modal_problems(modal_payload(W, form)) == []


async def test_a_private_reply_after_the_tokens_fifteen_minutes_goes_to_the_members_dms(
    discord: DiscordRig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = discord
    await rig.slash(ALICE, "profile", "show")
    rig.clock.advance(timedelta(minutes=16))
    # However long the adapter believed the token lived, Discord has let it go: the
    # fake refuses it 401 (50027) and the reply still reaches the member.
    monkeypatch.setattr(discord_interactions, "TOKEN_LIFETIME", timedelta(hours=1))
    later = OutgoingMessage(
        Target.channel(str(GENERAL)), "Your export is ready", visible_to=str(ALICE)
    )
    with caplog.at_level(logging.INFO, logger="convene.discord"):
        await rig.adapter.deliver(str(GUILD), later, idempotency_key="later")

    refused = [r for r in rig.fake.requests if r.path.startswith("/webhooks/") and r.status == 401]
    assert len(refused) == 1
    assert [m["content"] for m in rig.dms(ALICE)][-1] == "Your export is ready"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "not the bot's token"
