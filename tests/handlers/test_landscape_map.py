"""A convener asks for the map of the landscape and gets a picture, its words and its matrix.

The scenario: six teams and two organisations; round 1 introduces alice
(Radiotherapy) to bob (Wards) and they meet; round 2 introduces carol (Labs)
to dan (Pharmacy), who have not answered. erin stands in Radiotherapy and
Estates, so those two are never a bridge to build.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from adapters.memory import Delivered
from bot.messages import FileAttachment
from handlers.landscape.map_layout import MAX_MOVE
from storage.models import LandscapeMap, Silo
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London

SILOS = [
    "/convene silo add Radiotherapy --kind team",
    "/convene silo add Wards --kind team",
    "/convene silo add Labs --kind team",
    "/convene silo add Pharmacy --kind team",
    "/convene silo add Estates --kind team",
    '/convene silo add "+Nights" --kind team',
    '/convene silo add "Trust A" --kind organisation',
    '/convene silo add "Trust B" --kind organisation',
]
MEMBERS = [
    '/convene member add alice --silo Radiotherapy --silo "Trust A" --tz Europe/London',
    '/convene member add bob --silo Wards --silo "Trust B" --tz Europe/London',
    '/convene member add carol --silo Labs --silo "Trust A" --tz Europe/London',
    '/convene member add dan --silo Pharmacy --silo "Trust B" --tz Europe/London',
    "/convene member add erin --silo Radiotherapy --silo Estates --tz Europe/London",
    '/convene member add frank --silo "+Nights" --tz Europe/London',
]


async def set_up(convene: Harness) -> None:
    for line in SILOS + MEMBERS:
        await convene.command("you", line)
    started = await convene.command(
        "you", "/convene pairing start #general every Monday 10:00 --tz Europe/London"
    )
    assert "Introductions are starting in #general" in started[0].text


async def two_rounds(convene: Harness) -> None:
    """Round 1: alice meets bob. Round 2: carol and dan are introduced, and say nothing."""

    for name in ("alice", "bob"):
        assert "You're in" in await convene.reply_to(name, "/pairing join")
    await convene.advance(FIRST_ROUND)
    await convene.advance(FIRST_ROUND + timedelta(days=3))
    await convene.click("alice", "We met")
    for name in ("alice", "bob"):
        assert "left" in await convene.reply_to(name, "/pairing leave")
    for name in ("carol", "dan"):
        assert "You're in" in await convene.reply_to(name, "/pairing join")
    await convene.advance(FIRST_ROUND + timedelta(weeks=1))


async def set_up_and_two_rounds(convene: Harness) -> None:
    await set_up(convene)
    await two_rounds(convene)


@pytest.fixture(scope="module")
def after_two_rounds(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[None]:
    """The silos, members and two rounds played once per test process
    (``tests.support.scenarios``), for the tests that map where they left the landscape;
    each resumes a copy. (Where the landscape is read is tested on SQLite and PostgreSQL
    in tests/storage/test_landscape_reading.py; a map kept and compared on each is
    ``test_a_second_map_...`` below.)"""

    return played_once(
        set_up_and_two_rounds,
        template=sqlite_template,
        folders=tmp_path_factory,
        start=THURSDAY_NOON,
    )


async def the_map(convene: Harness, line: str = "/convene map") -> Delivered:
    """The message that carries the map (to the convener's DM), once asked for in #general."""

    delivered = await convene.command("you", line)
    carrying = [d for d in delivered if d.message.files]
    assert carrying, [d.text for d in delivered]
    (found,) = carrying
    return found


def attached(message: Delivered, name: str) -> FileAttachment:
    (found,) = [f for f in message.message.files if f.name == name]
    return found


def matrix(message: Delivered, name: str) -> dict[tuple[str, str], str]:
    data = attached(message, name).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    header = rows[0][1:]
    return {
        (row[0], column): cell
        for row in rows[1:]
        for column, cell in zip(header, row[1:], strict=True)
    }


async def test_a_convener_gets_the_picture_the_words_and_the_matrix(
    after_two_rounds: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_two_rounds, tmp_path) as convene:
        delivered = await convene.command("you", "/convene map")

    note = [d for d in delivered if d.message.visible_to == "you"]
    assert [d.text for d in note] == ["I sent it to you in a direct message."]
    (sent,) = [d for d in delivered if d.message.files]
    assert sent.message.target.kind == "dm" and sent.message.target.member_ids == ("you",)
    assert [f.name for f in sent.message.files] == [
        "map.png",
        "matrix-organisation.csv",
        "matrix-team.csv",
    ]

    png = attached(sent, "map.png")
    assert png.content_type == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png.data)).size == (1440, 1152)

    text = sent.text
    assert "2 of 15 silo pairs met (13%), 3 introduced (20%)." in text
    assert "Silos no one has met yet (4): +Nights, Estates, Labs, Pharmacy." in text
    assert (
        "The next round would most like to bridge: Radiotherapy and +Nights; "
        "Radiotherapy and Labs; Radiotherapy and Pharmacy." in text
    )
    assert "first map of this view" in text
    assert "Attached: map.png, matrix-organisation.csv and matrix-team.csv." in text


async def test_the_matrix_says_met_introduced_never_and_shared_cell_by_cell(
    after_two_rounds: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_two_rounds, tmp_path) as convene:
        sent = await the_map(convene)

    teams = matrix(sent, "matrix-team.csv")
    names = ["'+Nights", "Estates", "Labs", "Pharmacy", "Radiotherapy", "Wards"]
    assert sorted({row for row, _ in teams}) == names  # by name, "+Nights" made harmless
    assert teams[("Radiotherapy", "Wards")] == teams[("Wards", "Radiotherapy")] == "met"
    assert teams[("Labs", "Pharmacy")] == teams[("Pharmacy", "Labs")] == "introduced"
    assert teams[("Radiotherapy", "Estates")] == "shared"
    assert teams[("Radiotherapy", "Labs")] == teams[("Estates", "'+Nights")] == "never"
    assert all(teams[(name, name)] == "-" for name in names)
    organisations = matrix(sent, "matrix-organisation.csv")
    assert organisations == {
        ("Trust A", "Trust A"): "-",
        ("Trust A", "Trust B"): "met",
        ("Trust B", "Trust A"): "met",
        ("Trust B", "Trust B"): "-",
    }


async def test_a_second_map_names_what_is_new_and_keeps_every_silo_near_where_it_was(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        first = await the_map(convene, "/convene map --kind team")
        assert "Nothing met yet" in first.text
        assert "first map of this view" in first.text
        [before] = await convene.rows(LandscapeMap)

        await two_rounds(convene)
        second = await the_map(convene, "/convene map --kind team")
        [after] = await convene.rows(LandscapeMap)
        silos = {s.name: s.id for s in await convene.rows(Silo)}

    assert (
        "2 bridges new since the last map on 26 Nov: Radiotherapy and Wards (met), "
        "Labs and Pharmacy (introduced)." in second.text
    )
    assert [f.name for f in second.message.files] == ["map.png", "matrix-team.csv"]
    assert after.scope == before.scope == "kind=team;programme=all;since=all"
    assert after.bridges == {
        f"{silos['Radiotherapy']}-{silos['Wards']}": "met",
        f"{silos['Labs']}-{silos['Pharmacy']}": "introduced",
    }
    assert (
        set(after.positions)
        == set(before.positions)
        == {
            str(silos[name])
            for name in ("Radiotherapy", "Wards", "Labs", "Pharmacy", "Estates", "+Nights")
        }
    )
    for silo, was in before.positions.items():
        assert math.dist(was, after.positions[silo]) <= MAX_MOVE + 1e-4, silo  # kept to 5 places


async def test_a_map_with_nothing_new_says_so_and_is_drawn_where_it_was(
    after_two_rounds: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_two_rounds, tmp_path) as convene:
        await the_map(convene)
        [before] = await convene.rows(LandscapeMap)
        again = await the_map(convene)
        [after] = await convene.rows(LandscapeMap)
    assert "Nothing new since the last map on 7 Dec." in again.text
    assert after.positions == before.positions


async def test_a_map_of_one_programme_over_a_period(
    after_two_rounds: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_two_rounds, tmp_path) as convene:
        await convene.advance(FIRST_ROUND + timedelta(weeks=1, days=2))
        recent = await the_map(convene, "/convene map --programme #general --since 5 days")
        [kept] = await convene.rows(LandscapeMap)
    assert "every kind of silo, #general, since 4 Dec 2026" in recent.text
    assert "0 of 15 silo pairs met (0%), 2 introduced (13%)." in recent.text
    assert kept.scope == "kind=all;programme=1;since=5 days"


async def test_an_empty_landscape_is_still_drawn(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene silo add Wards")
        await convene.command("you", "/convene silo add Labs")
        sent = await the_map(convene)
    assert "Nothing met yet: no introductions across these silos so far" in sent.text
    assert attached(sent, "map.png").data.startswith(b"\x89PNG")
    assert matrix(sent, "matrix-team.csv")[("Labs", "Wards")] == "never"


async def test_only_conveners_may_see_the_map(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene silo add Wards")
        refusal = await convene.reply_to("bob", "/convene map")
        assert "Only conveners" in refusal
        assert not any(d.message.files for d in convene.adapter.delivered)


async def test_bad_requests_get_a_friendly_answer_and_no_map(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        nothing = await convene.reply_to("you", "/convene map")
        assert "There are no silos to map yet. Add silos with /convene silo add" in nothing
        await convene.command("you", "/convene silo add Wards")
        no_kind = await convene.reply_to("you", "/convene map --kind tema")
        assert "'tema' is not a kind of silo here" in no_kind
        none_of_kind = await convene.reply_to("you", "/convene map --kind site")
        assert "There are no site silos yet. Map every kind with /convene map" in none_of_kind
        no_programme = await convene.reply_to("you", "/convene map --programme #random")
        assert "There are no introductions in #random, nor anywhere yet." in no_programme
        no_channel = await convene.reply_to("you", "/convene map --programme #nowhere")
        assert "I can't find the channel #nowhere" in no_channel
        no_since = await convene.reply_to("you", "/convene map --since lately")
        assert "I could not read --since lately" in no_since
        assert not any(d.message.files for d in convene.adapter.delivered)
        assert await convene.rows(LandscapeMap) == []
