"""Convene in Discord, against a fake Discord on loopback that the real discord.py client uses."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Silo
from tests.support.discord_rig import ALICE, BOB, GUILD, discord_convene


async def test_a_convener_adds_a_silo_with_a_slash_command_and_alone_sees_the_answer(
    database_url: str,
) -> None:
    async with discord_convene(database_url) as rig:
        assert rig.fake.command_puts(GUILD) == 1
        await rig.slash(ALICE, "convene", "silo", "add", name="Public Health", kind="organisation")

        assert "Public Health" in rig.told(ALICE)[0]
        async with rig.app.sessions() as session:
            silos = {s.name: s.kind for s in (await session.exec(select(Silo))).all()}
        assert silos == {"Public Health": "organisation"}
        assert rig.told(BOB) == []
