"""Members are told only of true bridges: "Why you" never names silos that share someone,
nor a team and an organisation a programme does not cross (memory adapter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory import Delivered
from storage.models import Programme
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London

SILOS = [
    "/convene silo add Radiotherapy --kind team",
    "/convene silo add Oncology --kind team",
    '/convene silo add "Trust A" --kind organisation',
    '/convene silo add "Trust B" --kind organisation',
    "/convene silo add Nursing --kind profession",
]


async def start(convene: Harness, *lines: str, mix: str = "") -> None:
    for line in (*SILOS, *lines):
        reply = await convene.reply_to("you", line)
        assert reply.startswith("Added"), reply
    started = await convene.reply_to(
        "you", f"/convene pairing start #general every Monday 10:00 --tz Europe/London {mix}"
    )
    assert "Introductions are starting in #general" in started, started


async def join(convene: Harness, *names: str) -> None:
    for name in names:
        assert "You're in" in await convene.reply_to(name, "/pairing join")


def why_you(delivered: list[Delivered]) -> list[str]:
    return [
        line
        for d in delivered
        if d.text.startswith("*Introductions, round")
        for line in d.text.splitlines()
        if line.startswith("Why you: ")
    ]


async def test_a_member_in_both_radiotherapy_and_trust_a_is_never_told_they_have_not_met(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await start(
            convene,
            '/convene member add alice --silo "Radiotherapy,Trust A" --tz Europe/London',
            '/convene member add bob --silo "Oncology,Trust A" --tz Europe/London',
        )
        await join(convene, "alice", "bob")
        [why] = why_you(await convene.advance(FIRST_ROUND))
    assert why == "Why you: Radiotherapy and Oncology have not met through Convene before."


async def test_two_teams_sharing_a_member_are_not_called_a_bridge(sqlite_url: str) -> None:
    """Carol works in both teams and does not take part: Alice and Bob build no bridge."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await start(
            convene,
            "/convene member add alice --silo Radiotherapy --tz Europe/London",
            "/convene member add bob --silo Oncology --tz Europe/London",
            "/convene member add carol --silo Radiotherapy,Oncology --tz Europe/London",
        )
        await join(convene, "alice", "bob")
        delivered = await convene.advance(FIRST_ROUND)
    [why] = why_you(delivered)
    assert why == "Why you: You have not met through Convene yet, and your working days line up."
    summary = [d.text for d in delivered if d.message.target.kind == "channel"]
    assert "new bridge" not in summary[-1]


@pytest.mark.parametrize(
    ("mix", "why"),
    [
        ("--mix team,team+profession", "Radiotherapy and Nursing have not met through Convene"),
        ("--mix team", "You have not met through Convene yet"),
    ],
    ids=["crossed", "not-crossed"],
)
async def test_a_team_and_a_profession_are_a_bridge_only_when_the_programme_crosses_them(
    sqlite_url: str, mix: str, why: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await start(
            convene,
            "/convene member add alice --silo Radiotherapy --tz Europe/London",
            "/convene member add bob --silo Nursing --tz Europe/London",
            mix=mix,
        )
        await join(convene, "alice", "bob")
        [told] = why_you(await convene.advance(FIRST_ROUND))
    assert told.startswith(f"Why you: {why}")


# -- --mix with crossings ------------------------------------------------------------------


async def test_a_convener_crosses_teams_with_professions_and_sees_it_said_back(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await start(convene, mix="--mix team,organisation,team+profession")
        (programme,) = await convene.rows(Programme)
        settings = await convene.reply_to("you", "/convene pairing settings")
    assert programme.mix_kinds == "organisation,team,profession+team"
    assert "mixing organisation and team, and team with profession;" in settings


async def test_a_misspelt_kind_in_a_crossing_is_asked_about_and_the_button_finishes_it(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        for line in SILOS:
            await convene.command("you", line)
        (asked,) = await convene.command(
            "you", "/convene pairing start #general every Monday 10:00 --mix team+profesion"
        )
        assert "--mix team+profession" in asked.text
        assert await convene.rows(Programme) == []
        started = await convene.click("you", "Use profession")
        (programme,) = await convene.rows(Programme)
    assert "in pairs mixing profession with team." in started[-1].text
    assert programme.mix_kinds == "profession+team"


@pytest.mark.parametrize(
    ("mix", "told"),
    [
        ("team+", "'team+' is not a crossing: a crossing is two kinds joined by +"),
        ("team+profession+site", "is not a crossing"),
        ("team+teams", "team+team crosses team with itself"),
    ],
)
async def test_a_crossing_that_is_not_two_kinds_is_refused_saying_what_to_type(
    sqlite_url: str, mix: str, told: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        for line in SILOS:
            await convene.command("you", line)
        reply = await convene.reply_to(
            "you", f"/convene pairing start #general every Monday 10:00 --mix {mix}"
        )
        assert await convene.rows(Programme) == []
    assert told in reply
    assert "Usage: /convene pairing start" in reply


# -- met, not only introduced ------------------------------------------------------------


async def radiotherapy_introduced_to_oncology_twice(convene: Harness) -> list[str]:
    """Round 1 introduces Radiotherapy to Oncology twice, and the follow-ups ask whether
    they met; what round 1 told each group is returned."""

    await start(
        convene,
        "/convene member add alice --silo Radiotherapy --tz Europe/London",
        "/convene member add hal --silo Radiotherapy --tz Europe/London",
        "/convene member add bob --silo Oncology --tz Europe/London",
        "/convene member add ben --silo Oncology --tz Europe/London",
    )
    await join(convene, "alice", "hal", "bob", "ben")
    first = why_you(await convene.advance(FIRST_ROUND))
    await convene.advance(FIRST_ROUND + timedelta(days=3))
    return first


@pytest.fixture(scope="module")
def after_first_round(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[list[str]]:
    """The first round and its follow-ups played once per test process
    (``tests.support.scenarios``); each test resumes a copy and answers differently."""

    return played_once(
        radiotherapy_introduced_to_oncology_twice,
        template=sqlite_template,
        folders=tmp_path_factory,
        start=THURSDAY_NOON,
    )


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("We met", "Radiotherapy and Oncology have met only once through Convene"),
        ("Not yet", "Radiotherapy and Oncology have not met through Convene before."),
    ],
    ids=["met", "not-met"],
)
async def test_a_bridge_counts_as_built_once_someone_says_they_met(
    after_first_round: Played[list[str]], tmp_path: Path, answer: str, why: str
) -> None:
    """Round 1 introduces Radiotherapy to Oncology twice; the next round tells the new
    pairs the two teams have met only if someone answered [We met]."""

    first = after_first_round.told
    async with resumed(after_first_round, tmp_path) as convene:
        await convene.click("alice", answer)
        second = why_you(await convene.advance(FIRST_ROUND + timedelta(weeks=1)))
    assert first == ["Why you: Radiotherapy and Oncology have not met through Convene before."] * 2
    assert len(second) == 2
    assert all(line.startswith(f"Why you: {why}") for line in second)
