"""A member hears once, on their first contact, what Convene does and how to opt out.

The zone is stated where the platform gave it (Slack) and asked, once, where
it did not (Discord). Members a convener imported or added are welcomed when
they first appear themselves, not when they were added.
"""

from __future__ import annotations

from adapters.memory import DISCORD_LIKE, SLACK_LIKE
from bot.events import SlashCommand
from bot.wiring import build_registry
from storage.models import Member
from tests.support.harness import Harness, running


def _welcomes(convene: Harness, member: str) -> list[str]:
    return [d.text for d in convene.dms(member, "Welcome to Convene, ")]


async def test_on_discord_a_new_member_is_welcomed_once_and_asked_their_zone_once(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE, welcome=True) as convene:
        await convene.command("bea", "/convene me")
        await convene.command("bea", "/convene silos")
        await convene.command("bea", "/convene me")

        (welcome,) = convene.dms("bea")
        assert welcome.text.startswith("Welcome to Convene, bea! I bring people together")
        assert "Which time zone are you in?" in welcome.text
        assert [b.label for b in welcome.message.buttons][:2] == ["Europe/London", "Europe/Paris"]

        await convene.click("bea", "Asia/Tokyo")
        assert convene.last_text() == "Your time zone is now Asia/Tokyo."
        (bea,) = [m for m in await convene.rows(Member) if m.platform_user_id == "bea"]
        assert bea.welcomed_at == convene.clock.now()


async def test_on_slack_the_welcome_states_the_zone_slack_gave(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE, welcome=True) as convene:
        adapter = convene.adapter
        command = SlashCommand(
            platform=adapter.platform,
            workspace_id=adapter.workspace_id,
            actor_id="U0CARYS01",
            actor_name="carys",
            place=adapter.channel(),
            event_id="first-contact",
            actor_timezone="Europe/London",
            command="convene",
            text="me",
        )
        await adapter.push(command)
        await convene.app.settle()

        (welcome,) = _welcomes(convene, "U0CARYS01")
        lines = welcome.splitlines()
        assert len(lines) == 3
        assert "check-ins" in lines[0] and "introductions" in lines[0] and "retros" in lines[0]
        assert "commitments" in lines[0]
        assert "/checkin leave" in lines[1] and "/pairing leave" in lines[1]
        assert "/convene me" in lines[1]
        assert lines[2] == (
            "I have your time zone as Europe/London; change it with /convene me tz ZONE."
        )
        assert not convene.dms("U0CARYS01")[0].message.buttons


async def test_the_welcome_names_commands_that_exist() -> None:
    commands = build_registry().commands
    for words in (("pairing", "join"), ("pairing", "leave"), ("checkin", "leave")):
        assert commands.match(words[0], list(words[1:])) is not None, words
    assert commands.match("convene", ["me", "tz", "UTC"]) is not None


async def test_members_added_by_a_convener_are_welcomed_when_they_first_appear(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE, welcome=True) as convene:
        await convene.command("you", "/convene member add dev --tz Asia/Kolkata")
        attached = convene.adapter.attach(
            "org.csv", b"member,silos,timezone\nelena,team:Oncology,Europe/Paris\n"
        )
        await convene.command("you", "/convene member import", files=(attached,))
        assert len(_welcomes(convene, "you")) == 1
        assert _welcomes(convene, "dev") == [] and _welcomes(convene, "elena") == []

        await convene.command("elena", "/convene me")
        (welcome,) = _welcomes(convene, "elena")
        assert "I have your time zone as Europe/Paris" in welcome
        await convene.command("elena", "/convene me")
        assert len(_welcomes(convene, "elena")) == 1


async def test_no_welcome_when_it_is_turned_off(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE, welcome=False) as convene:
        await convene.command("bea", "/convene me")
        assert _welcomes(convene, "bea") == []
        # The zone is still asked, as before the welcome existed.
        assert len(convene.dms("bea", "Welcome to Convene! Which time zone")) == 1
