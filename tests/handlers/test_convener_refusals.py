"""A member tries a convener's command: the refusal names the conveners to ask.

The names are the ones members know (display names), never "Ask you" (the
shell's operator is called ``you``), and a workspace with no convener at all
hears how one is made. The refusal writes nothing.
"""

from __future__ import annotations

from storage.models import Silo
from tests.support.harness import running

LANDSCAPE_TABLES = ("silos", "member_silos", "silo_kinds")


async def test_a_refusal_names_the_conveners_by_their_names(sqlite_url: str) -> None:
    async with running(sqlite_url, conveners=("Isabel", "Esther")) as convene:
        await convene.command("Isabel", "/convene conveners")
        await convene.command("Esther", "/convene conveners")
        before = await convene.snapshot(LANDSCAPE_TABLES, order_by="1")

        refused = await convene.reply_to("carol", "/convene silo add Oncology")

        assert refused == "Only conveners can use /convene silo add. Ask Esther or Isabel."
        assert await convene.snapshot(LANDSCAPE_TABLES, order_by="1") == before


async def test_a_convener_whose_name_is_a_pronoun_is_named_as_a_name(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene member add alice")
        await convene.command("you", "/convene convener add alice")

        refused = await convene.reply_to("carol", "/convene silo add Oncology")

        assert refused == (
            'Only conveners can use /convene silo add. Ask alice or the convener named "you".'
        )
        assert "Ask you" not in refused
        assert await convene.rows(Silo) == []


async def test_many_conveners_are_named_five_at_most(sqlite_url: str) -> None:
    names = ("ann", "ben", "cat", "dan", "eve", "fay")
    async with running(sqlite_url, conveners=names) as convene:
        for name in names:
            await convene.command(name, "/convene conveners")

        refused = await convene.reply_to("carol", "/convene members")

        assert refused == (
            "Only conveners can use /convene members. "
            "Ask ann, ben, cat, dan or eve (or another convener)."
        )


async def test_with_no_convener_at_all_the_refusal_says_how_one_is_made(sqlite_url: str) -> None:
    async with running(sqlite_url, conveners=()) as convene:
        refused = await convene.reply_to("carol", "/convene silo add Oncology")

        assert refused == (
            "Only conveners can use /convene silo add, and there is no convener here yet. "
            "Whoever runs Convene makes one by listing their platform id under conveners in "
            'the [convene] section of its config file (for you: conveners = ["carol"]); they '
            "are a convener from their next command."
        )
        assert await convene.rows(Silo) == []
