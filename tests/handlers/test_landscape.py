"""A convener sets up the landscape; members describe themselves.

Run on the memory adapter wearing Slack's and Discord's capabilities, since
handlers must not care which platform they are on.
"""

from __future__ import annotations

import pytest

from adapters.memory import DISCORD_LIKE, SLACK_LIKE
from bot.adapter import Capabilities
from tests.support.harness import running

PLATFORMS = pytest.mark.parametrize(
    "capabilities", [SLACK_LIKE, DISCORD_LIKE], ids=["slack-like", "discord-like"]
)


@PLATFORMS
async def test_a_convener_maps_silos_and_members(
    sqlite_url: str, capabilities: Capabilities
) -> None:
    async with running(sqlite_url, capabilities=capabilities) as convene:
        await convene.command("you", "/convene silo add Radiotherapy --kind team")
        await convene.command("you", '/convene silo add "Public Health" --kind organisation')
        reply = await convene.reply_to(
            "you",
            '/convene member add alice --silo Radiotherapy,"Public Health" --tz europe/london',
        )
        assert reply == "Added alice: Public Health, Radiotherapy; time zone Europe/London."

        members = await convene.reply_to("you", "/convene members --silo radiotherapy")
        assert "1 member in Radiotherapy:" in members
        assert "alice  Public Health, Radiotherapy  Europe/London  member" in members

        silos = await convene.reply_to("you", "/convene silos")
        assert "Public Health  organisation  1" in silos
        assert "Radiotherapy   team          1" in silos


@PLATFORMS
async def test_a_member_declares_their_own_silos_and_time_zone(
    sqlite_url: str, capabilities: Capabilities
) -> None:
    async with running(sqlite_url, capabilities=capabilities) as convene:
        await convene.command("you", '/convene silo add "Public Health" --kind organisation')
        assert await convene.reply_to("bob", '/convene me silo add "public health"') == (
            "You are now in Public Health."
        )
        assert await convene.reply_to("bob", '/convene me silo add "Public Health"') == (
            "You were already in Public Health."
        )
        assert await convene.reply_to("bob", "/convene me tz America/New_York") == (
            "Your time zone is now America/New_York."
        )
        me = await convene.reply_to("bob", "/convene me")
        assert "Silos: Public Health (organisation)." in me
        assert "Time zone: America/New_York." in me
        assert await convene.reply_to("bob", '/convene me silo remove "Public Health"') == (
            "You are no longer in Public Health."
        )


async def test_a_new_convener_can_convene_and_the_last_one_cannot_step_down(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("alice", "/convene me")
        assert "Only conveners" in await convene.reply_to("alice", "/convene silo add Wards")
        assert await convene.reply_to("you", "/convene convener add alice") == (
            "alice is now a convener."
        )
        assert await convene.reply_to("alice", "/convene silo add Wards") == (
            "Added the silo Wards (team)."
        )
        assert await convene.reply_to("alice", "/convene convener remove you") == (
            "you is no longer a convener."
        )
        assert "only convener" in await convene.reply_to("alice", "/convene convener remove alice")
        assert await convene.reply_to("you", "/convene conveners") == "Conveners: alice."


async def test_renaming_and_removing_silos_keeps_members(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene silo add Radiotherapy")
        await convene.command("you", "/convene member add alice --silo Radiotherapy")
        assert await convene.reply_to(
            "you", '/convene silo rename Radiotherapy "Radiation Therapy"'
        ) == ("Renamed the silo Radiotherapy to Radiation Therapy.")
        assert await convene.reply_to(
            "you", '/convene silo kind "radiation therapy" profession'
        ) == ("Radiation Therapy is now a profession.")
        assert await convene.reply_to("you", '/convene silo remove "Radiation Therapy"') == (
            "Removed the silo Radiation Therapy. 1 member no longer in it."
        )
        assert "alice  -" in await convene.reply_to("you", "/convene members")


async def test_conveners_named_in_the_config_are_conveners_from_first_sight(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, conveners=("U-lead",)) as convene:
        assert await convene.reply_to("U-lead", "/convene silo add Wards") == (
            "Added the silo Wards (team)."
        )
        assert "Only conveners" in await convene.reply_to("U-other", "/convene silo add Labs")


async def test_a_command_typed_in_a_channel_is_answered_only_to_its_author(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        delivered = await convene.command("you", "/convene silos")
    assert [d.message.visible_to for d in delivered] == ["you"]
    assert delivered[0].message.target.channel_id == "general"
