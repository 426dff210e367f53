from __future__ import annotations

from tests.support.harness import running


async def test_a_convener_adds_a_silo_and_sees_it_listed(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        assert "Added the silo Radiotherapy (team)" in await convene.reply_to(
            "you", "/convene silo add Radiotherapy --kind team"
        )
        listing = await convene.reply_to("you", "/convene silos")
        assert "Radiotherapy" in listing and "team" in listing
