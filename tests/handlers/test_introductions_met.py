"""Met, not merely introduced: what ``/convene pairing stats`` counts, and a convener's
``/convene pairing met`` for members who said so in person (memory adapter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.shared.landscape import INTRODUCED, MET, load_landscape
from storage.models import Member, PairingGroupMember
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London
FOLLOW_UP = FIRST_ROUND + timedelta(days=3)

TEAMS = [
    "/convene silo add Radiotherapy --kind team",
    "/convene silo add Wards --kind team",
    "/convene silo add Pharmacy --kind team",
    "/convene silo add Theatres --kind team",
    "/convene member add ana --silo Radiotherapy --tz Europe/London",
    "/convene member add ben --silo Wards --tz Europe/London",
    "/convene pairing start #general every Monday 10:00 --tz Europe/London",
]


async def one_round(
    convene: Harness, *lines: str, people: tuple[str, ...] = ("ana", "ben")
) -> None:
    """Ana (Radiotherapy) and Ben (Wards) are introduced in round 1, then asked at the
    follow-up; nobody has answered yet."""

    for line in (*TEAMS, *lines):
        await convene.command("you", line)
    for name in people:
        await convene.command(name, "/pairing join")
    await convene.advance(FIRST_ROUND)
    await convene.advance(FOLLOW_UP)


async def ana_and_ben_introduced(convene: Harness) -> None:
    await one_round(convene)


async def ana_and_ben_introduced_cat_and_dan_not(convene: Harness) -> None:
    """As ``ana_and_ben_introduced``, with cat (Pharmacy) and dan (Theatres), who did not
    join."""

    await one_round(convene, *OTHER_TEAMS)


@pytest.fixture(scope="module")
def after_round(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Played[None]:
    """``one_round`` played once per test process (``tests.support.scenarios``); each test
    resumes a copy, its follow-up buttons still there to press."""

    return played_once(
        ana_and_ben_introduced,
        template=sqlite_template,
        folders=tmp_path_factory,
        start=THURSDAY_NOON,
    )


@pytest.fixture(scope="module")
def after_round_with_others(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[None]:
    return played_once(
        ana_and_ben_introduced_cat_and_dan_not,
        template=sqlite_template,
        folders=tmp_path_factory,
        start=THURSDAY_NOON,
    )


async def places(convene: Harness) -> dict[str, PairingGroupMember]:
    names = {m.id: m.display_name for m in await convene.rows(Member)}
    return {names[p.member_id]: p for p in await convene.rows(PairingGroupMember)}


async def bridge_state(convene: Harness, one: str = "Radiotherapy", other: str = "Wards") -> str:
    """What the landscape every map and report reads says of two silos."""

    async with convene.app.sessions() as session:
        landscape = await load_landscape(session, 1)
    ids = {s.name: s.id for s in landscape.silos}
    a, b = sorted((ids[one], ids[other]))
    return landscape.state((a, b))


async def test_after_a_round_where_nobody_answered_stats_show_none_met_and_all_introduced(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        stats = await convene.reply_to("you", "/convene pairing stats")

    lines = stats.splitlines()
    assert lines[0] == "Silo pairs met: 0 of 1 (0%); introduced: 1 of 1 (100%)."
    assert lines[1] == "Silos no one has met yet: Radiotherapy and Wards."
    assert "round  date        people  groups  met  answered  new pairs  newly met" in stats
    assert "1      2026-11-30  2       1       0    0%        1          0" in stats
    assert "connected" not in stats


async def test_a_convener_marks_ana_and_ben_met_and_the_stats_and_the_map_count_the_bridge(
    after_round_with_others: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round_with_others, tmp_path) as convene:  # cat and dan did not join
        assert await bridge_state(convene, "Radiotherapy", "Wards") == INTRODUCED

        reply = await convene.reply_to("you", "/convene pairing met ana ben")

        assert reply == (
            "Marked as met: ana and ben, round 1 of #general. "
            "It counts as met in /convene pairing stats from now on."
        )
        assert await bridge_state(convene, "Radiotherapy", "Wards") == MET
        you = next(m for m in await convene.rows(Member) if m.display_name == "you")
        marked = await places(convene)
        assert {(p.outcome, p.met_marked_by) for p in marked.values()} == {("met", you.id)}
        stats = await convene.reply_to("you", "/convene pairing stats")
        assert stats.startswith("Silo pairs met: 1 of 6 (17%); introduced: 1 of 6 (17%).")
        assert "Silos no one has met yet: Pharmacy and Theatres." in stats
        # A mark is the convener's word, not the members' answer to their follow-up.
        assert "1      2026-11-30  2       1       1    0%        1          1" in stats


async def test_marking_one_member_marks_the_group_met_and_marking_again_changes_nothing(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        first = await convene.reply_to("you", "/convene pairing met @ana --round 1 #general")
        again = await convene.reply_to("you", "/convene pairing met ana")

        assert first.startswith("Marked as met: ana (introduced to ben), round 1 of #general.")
        assert again == "Already met, so nothing changed: you marked ana met."
        assert (await places(convene))["ben"].outcome is None
        assert await bridge_state(convene) == MET


async def test_a_member_who_answered_we_wont_is_asked_about_before_being_marked(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        await convene.click("ben", "We won't")

        asked = (await convene.command("you", "/convene pairing met ben"))[0]

        assert asked.text == (
            "ben answered We won't (round 1 of #general), so I marked nothing. If they met "
            "after all: [Mark met anyway], or /convene pairing met ben #general --round 1 --anyway"
        )
        assert (await places(convene))["ben"].outcome == "wont"
        await convene.press("you", asked, "Mark met anyway")
        assert convene.last_text().startswith("Marked as met: ben (introduced to ana)")
        assert "ben had answered We won't." in convene.last_text()
        assert (await places(convene))["ben"].outcome == "met"
        # Not for members to press.
        await convene.press("ana", asked, "Mark met anyway")
        assert convene.last_text().startswith("Only conveners can mark introductions as met.")


async def test_anyway_marks_a_member_who_said_we_wont_and_not_yet_is_overwritten_with_a_note(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        await convene.click("ana", "Not yet")
        await convene.click("ben", "We won't")

        reply = await convene.reply_to("you", "/convene pairing met ana ben --anyway")

        assert reply == (
            "Marked as met: ana and ben, round 1 of #general. It counts as met in "
            "/convene pairing stats from now on. ana had answered Not yet. "
            "ben had answered We won't."
        )


async def test_a_member_who_then_answers_we_met_themselves_is_no_longer_marked_by_the_convener(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        await convene.command("you", "/convene pairing met ana")
        await convene.click("ana", "We met")

        ana = (await places(convene))["ana"]
        assert (ana.outcome, ana.met_marked_by) == ("met", None)
        again = await convene.reply_to("you", "/convene pairing met ana")
        assert again == "Already met, so nothing changed: ana answered We met."


OTHER_TEAMS = (
    "/convene member add cat --silo Pharmacy --tz Europe/London",
    "/convene member add dan --silo Theatres --tz Europe/London",
)

MISTAKES = [
    (
        "/convene pairing met zed",
        "I don't know a member called 'zed'. Add them with /convene member add zed.",
    ),
    (
        "/convene pairing met ana --round 4",
        "--round 4: #general has had 1 round, numbered 1. Type: /convene pairing met ana --round 1",
    ),
    (
        "/convene pairing met ana --round last",
        "--round last: #general has had 1 round, numbered 1. "
        "Type: /convene pairing met ana --round 1",
    ),
    (
        "/convene pairing met cat",
        "cat has not been introduced in #general yet, so there is no meeting to mark.",
    ),
    (
        "/convene pairing met",
        "/convene pairing met needs MEMBER. For example: /convene pairing met @alice",
    ),
    (
        "/convene pairing met ana #random",
        "There are no introductions in #random yet.",
    ),
]


@pytest.mark.parametrize(("line", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
async def test_mistakes_get_a_sentence_saying_what_to_type_and_mark_nothing(
    after_round_with_others: Played[None], tmp_path: Path, line: str, expected: str
) -> None:
    async with resumed(after_round_with_others, tmp_path) as convene:
        reply = await convene.reply_to("you", line)

        assert reply.startswith(expected) or expected in reply, reply
        assert all(p.outcome is None for p in await convene.rows(PairingGroupMember))


async def test_two_members_of_different_groups_are_not_marked_as_one_meeting(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await one_round(convene, *OTHER_TEAMS, people=("ana", "ben", "cat", "dan"))
        groups: dict[int, list[str]] = {}
        for name, place in sorted((await places(convene)).items()):
            groups.setdefault(place.group_id, []).append(name)
        (one, two), (three, four) = groups.values()

        reply = await convene.reply_to("you", f"/convene pairing met {one} {three}")

        assert reply == (
            f"{one} and {three} were not in the same group in round 1 of #general: {one} was "
            f"with {two}; {three} was with {four}. Mark each of them with their own group, e.g. "
            f"/convene pairing met {one} #general --round 1"
        )
        assert all(p.outcome is None for p in await convene.rows(PairingGroupMember))


async def test_a_member_who_was_not_in_the_latest_round_is_pointed_to_their_own(
    after_round: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_round, tmp_path) as convene:
        await convene.command("ben", "/pairing pause 2w")
        await convene.command("you", "/convene member add cat --silo Pharmacy --tz Europe/London")
        await convene.command("cat", "/pairing join")
        await convene.advance(FIRST_ROUND + timedelta(weeks=1))

        reply = await convene.reply_to("you", "/convene pairing met ben")

        assert reply == (
            "ben was not in a group in round 2 of #general. Their latest introduction there "
            "was round 1: /convene pairing met ben #general --round 1"
        )


async def test_only_conveners_mark_meetings(after_round: Played[None], tmp_path: Path) -> None:
    async with resumed(after_round, tmp_path) as convene:
        reply = await convene.reply_to("ana", "/convene pairing met ana ben")

        assert reply.startswith("Only conveners")
        assert all(p.outcome is None for p in await convene.rows(PairingGroupMember))
