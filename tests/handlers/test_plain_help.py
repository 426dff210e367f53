"""``help`` without the slash, written to Convene in a DM, is answered as ``/convene help``.

People new to a bot type ``help`` before they learn commands start with a
slash. In a DM the words are plainly for Convene; in a Slack or Discord
channel people may be asking each other, so Convene stays out of it (the
shell, where everything is typed at Convene, answers there too: see
examples/conversation/shell.txt).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.memory import SLACK_LIKE
from bot.adapter import ChannelMember
from bot.help_words import asks_for_help
from tests.support.harness import Harness, running


@pytest.mark.parametrize(
    "typed", ["help", "Help", "HELP!", "help?", "?", "  help  ", "commands", "What can you do?"]
)
def test_these_ask_for_help(typed: str) -> None:
    assert asks_for_help(typed)


@pytest.mark.parametrize(
    "typed", ["", "can you help me find the retro?", "helpful", "4", "-", "/convene help", "?!"]
)
def test_these_do_not(typed: str) -> None:
    assert not asks_for_help(typed)


async def test_help_in_a_dm_is_the_same_answer_as_the_command_for_that_members_role(
    convene: Harness,
) -> None:
    member_help = await convene.reply_to("alice", "/convene help")
    convener_help = await convene.reply_to("you", "/convene help")

    (answer,) = await convene.in_dm("alice", "help")
    assert answer.text == member_help
    assert answer.message.target.kind == "dm"
    (answer,) = await convene.in_dm("you", "What can you do?")
    assert answer.text == convener_help
    assert convener_help.startswith("Commands you can use as a convener:")


async def test_help_in_a_sentence_is_a_message_like_any_other(convene: Harness) -> None:
    (answer,) = await convene.in_dm("alice", "can you help me find the retro?")
    assert answer.text.startswith("Hello! I'm Convene. Type /convene help")


async def test_help_in_a_channel_on_slack_is_left_to_the_people_there(database_url: str) -> None:
    async with running(database_url, capabilities=SLACK_LIKE) as convene:
        assert await convene.say("alice", "help") == []
        assert await convene.say("alice", "?") == []


async def test_help_while_a_check_in_waits_is_answered_and_not_taken_as_the_answer(
    convene: Harness,
) -> None:
    convene.adapter.clock = convene.clock
    convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", "UTC")]
    created = await convene.reply_to(
        "you", '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse'
    )
    assert created.startswith("Created the check-in"), created
    await convene.advance(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))  # Monday, UTC
    assert convene.dms("alice", "Time for *Pulse*")

    (answer,) = await convene.in_dm("alice", "help")
    assert answer.text.startswith("Commands you can use as a member:")

    (next_question,) = await convene.in_dm("alice", "4")
    assert next_question.text.startswith("Got it. 2 of 2:")
