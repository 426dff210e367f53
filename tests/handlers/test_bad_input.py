"""Every bad command gets one friendly line, says what to type, and writes nothing."""

from __future__ import annotations

import logging

import pytest

from bot.commands import Args, CommandSpec
from bot.context import Context
from storage.repositories import silos as silos_repo
from tests.support.harness import Harness, running

DOMAIN_TABLES = ("workspaces", "members", "silos", "member_silos", "schedules")


async def landscape(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", "/convene member add alice --silo Radiotherapy --tz Europe/London")
    await convene.command("alice", "/convene me")


BAD_COMMANDS = [
    (
        "you",
        "/convene silo assign Radiotherapy",
        "I don't know /convene silo assign: after /convene silo comes add, import, remove",
        'For example: /convene silo add "Public Health"',
    ),
    (
        "you",
        "/convene member add bob --silo Oncology",
        "There is no silo called 'Oncology'",
        "/convene silo add",
    ),
    (
        "you",
        "/convene member add bob --silo Radiotherapy --tz Mars/Olympus",
        "not a time zone",
        "Europe/London",
    ),
    (
        "you",
        "/convene member add bob --tz europe/lndon",
        "Did you mean Europe/London",
        "type: /convene member add bob --tz Europe/London",
    ),
    (
        "you",
        '/convene silo add "Bad\x07Name"',
        "control characters",
        'Type: /convene silo add "BadName"',
    ),
    (
        "you",
        "/convene silo add " + "x" * 10_000,
        "10,009 characters long; commands take at most 2,000",
        "Usage: /convene silo add",
    ),
    ("you", "/convene silo add " + "y" * 150, "150 characters long; keep it to 80", "Usage:"),
    (
        "you",
        '/convene silo add "Public Health',
        'The quote before "Public Health is never closed',
        'Type: /convene silo add "Public Health"',
    ),
    ("you", "/convene silo add Oncology --colour red", "has no option --colour", "--kind"),
    ("you", "/convene silo add", "needs NAME", 'For example: /convene silo add "Public Health"'),
    (
        "you",
        "/convene silo add Oncology extra words",
        '"extra" "words" are 2 words too many: /convene silo add takes NAME',
        'Type: /convene silo add "Oncology extra words"',
    ),
    (
        "you",
        "/convene silo add Radiotherapy",
        "already a silo called Radiotherapy",
        "/convene silo kind",
    ),
    (
        "you",
        "/convene silo add Oncology --kind two words",
        'I could not use "words": --kind takes one KIND',
        "Type: /convene silo add Oncology --kind two",
    ),
    (
        "you",
        "/convene silo add Oncology --kind 'two words'",
        "A kind is one word, not 'two words'",
        "Type: /convene silo add Oncology --kind 'two-words'",
    ),
    (
        "you",
        "/convene member silo move alice Radiotherapy",
        'I could not use "move": /convene member silo takes add or remove there',
        "Type: /convene member silo remove alice Radiotherapy",
    ),
    ("you", "/convene convener remove you", "the only convener", "/convene convener add"),
    (
        "you",
        "/convene member remove zed",
        "I don't know a member called 'zed'",
        "/convene member add zed",
    ),
    (
        "alice",
        "/convene silo add Oncology",
        "Only conveners can use /convene silo add.",
        'Ask the convener named "you".',
    ),
    (
        "alice",
        "/convene members",
        "Only conveners can use /convene members.",
        'Ask the convener named "you".',
    ),
    ("alice", "/convene me tz Atlantis", "not a time zone I know", "Usage: /convene me tz ZONE"),
    ("alice", "/convene me silo add Nowhere", "There is no silo called 'Nowhere'", "Usage:"),
    ("alice", "/nonsense", "I don't know /nonsense", "help"),
]


@pytest.mark.parametrize(("actor", "line", "what", "instead"), BAD_COMMANDS)
async def test_a_bad_command_gets_one_line_and_changes_nothing(
    sqlite_url: str, actor: str, line: str, what: str, instead: str
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        before = await convene.snapshot(DOMAIN_TABLES, order_by="1")

        delivered = await convene.command(actor, line)

        assert len(delivered) == 1
        reply = delivered[0]
        assert reply.message.visible_to == actor
        assert "\n" not in reply.text
        assert what in reply.text
        assert instead in reply.text
        assert await convene.snapshot(DOMAIN_TABLES, order_by="1") == before


async def test_a_member_is_told_which_commands_they_may_use(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        member_help = await convene.reply_to("alice", "/convene help")
        convener_help = await convene.reply_to("you", "/convene")
    assert "Commands you can use as a member:" in member_help
    assert "/convene me silo add|remove SILO" in member_help
    assert "/convene silo add" not in member_help
    assert "Commands you can use as a convener:" in convener_help
    assert "/convene silo add NAME [--kind KIND]" in convener_help


async def test_a_handler_that_breaks_halfway_writes_nothing_and_the_convener_is_told(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def breaks_halfway(context: Context, args: Args) -> None:
        assert context.workspace.id is not None
        await silos_repo.add(context.session, context.workspace.id, "Half", "team", context.now)
        await context.reply("this reply must never be sent")
        raise RuntimeError("disk on fire")

    async with running(sqlite_url) as convene:
        convene.app.registry.command(
            CommandSpec(("convene", "explode"), breaks_halfway, "x", "/convene explode", "x")
        )
        await landscape(convene)
        before = await convene.snapshot(DOMAIN_TABLES, order_by="1")
        caplog.set_level(logging.ERROR)

        delivered = await convene.command("alice", "/convene explode", event_id="evt-42")

        texts = {d.message.target.kind: d.text for d in delivered}
        assert texts["channel"] == (
            "Sorry, something went wrong on my side and I could not do that. "
            "The convener has been told (reference evt-42)."
        )
        assert "disk on fire" in texts["dm"] and "evt-42" in texts["dm"]
        assert delivered[1].message.target.member_ids == ("you",)
        assert "this reply must never be sent" not in convene.adapter.texts()
        assert await convene.snapshot(DOMAIN_TABLES, order_by="1") == before
        assert any("evt-42" in r.getMessage() for r in caplog.records)

        # The bot keeps running, and the convener can see the failure.
        status = await convene.reply_to("you", "/convene status")
        assert "1 failure so far" in status and "evt-42" in status


async def test_a_retried_event_acts_once(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        for _ in range(4):
            await convene.command("you", "/convene silo add Radiotherapy", event_id="Ev-retried")
        assert convene.adapter.texts() == ["Added the silo Radiotherapy (team)."]


async def test_a_refused_event_retried_is_answered_once(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        for _ in range(3):
            await convene.command("you", "/convene silo assign", event_id="Ev-bad")
        assert len(convene.adapter.texts()) == 1
