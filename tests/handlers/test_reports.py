"""A convener takes Convene's work to a board: ``/convene report``.

The scenario is two weeks of a small workspace told once (``two_weeks``):
four teams of one member each, introductions every Monday in #general, a
Monday check-in there, commitments made and kept (or not), and a retro whose
top items became commitments. Its numbers are known, so the report's must
be those.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from bot.messages import FileAttachment
from storage.models import Member, PairingGroupMember
from storage.repositories.core import execute
from tests.support.databases import PostgresDatabase, empty_tables
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import LONDON, THURSDAY_NOON

PEOPLE = ("alice", "bashful", "cagey", "dan")
SILOS = {"alice": "Radiotherapy", "bashful": "Wards", "cagey": "Pharmacy", "dan": "Theatres"}
FIRST_ROUND = datetime(2026, 11, 30, 10, 1, tzinfo=UTC)
SECOND_ROUND = datetime(2026, 12, 7, 10, 1, tzinfo=UTC)
REPORT_DAY = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)

NAMED_STORY = "They plan in years, we plan in weeks."
ANONYMOUS_STORY = "Our handovers lose half of what matters."
PRIVATE_STORY = "I think my manager is burning out."


@dataclass(frozen=True)
class Story:
    """Who told which story, with which consent: read back from the first round's groups."""

    named: str
    anonymous: str
    conveners_only: str
    not_yet: str


# -- the scenario ------------------------------------------------------------------------------


def introductions(delivered: list[Delivered]) -> list[tuple[str, ...]]:
    return [
        d.message.target.member_ids for d in delivered if d.text.startswith("*Introductions, round")
    ]


async def met_with_story(convene: Harness, member: str, text: str, consent: str) -> None:
    """The member says they met and what they took away, allowing it to be used as ``consent``.

    The consent is written to the member's place directly: the form that asks for it is
    the introductions' (and its wording may change); what a report does with it is ours.
    """

    await convene.click(member, "We met")
    form = convene.last_form(member, "pairing.learning")
    values = {"learning": text}
    for field in form.fields:
        if field.name != "learning" and field.choices:
            values[field.name] = field.choices[-1]
    await convene.submit(member, form, values)
    async with convene.app.sessions.begin() as session:
        await execute(
            session,
            update(PairingGroupMember)
            .where(
                col(PairingGroupMember.learning) == text,
                col(PairingGroupMember.member_id).in_(
                    select(col(Member.id)).where(col(Member.platform_user_id) == member)
                ),
            )
            .values(learning_consent=consent),
        )


async def answer_checkin(convene: Harness, member: str) -> None:
    await convene.click(member, "Answer")
    await convene.answer_form(member, ["Ward rounds", "Audit", "None"])


async def add_retro_item(convene: Harness, member: str, text: str) -> None:
    await convene.click(member, "Add item", on="*Retro: December*")
    form = convene.last_form(member, "retro.add")
    await convene.submit(member, form, {"category": "Start", "text": text})


async def retro_action(convene: Harness, member: str, top: str, what: str, due: str) -> None:
    await convene.click(member, "Make it a commitment", on=top)
    form = convene.last_form(member, "retro.commit")
    await convene.submit(member, form, {"owner": "", "what": what, "due": due})


async def two_weeks(convene: Harness) -> Story:
    """Two rounds, two check-in runs, five commitments and a retro; the report day is next.

    * check-ins: 30 Nov, 2 of 4 answered; 7 Dec, 1 of 4;
    * introductions: round 1 (30 Nov) two pairs, both met, with three stories (named,
      anonymous, conveners only); round 2 (7 Dec) two new pairs, neither met yet;
    * commitments: 5 made; 3 done (2 on time, 1 late); 2 open, 1 of them overdue;
    * a retro on 8 Dec: 2 items, 2 actions (commitments), 1 done.
    """

    for line in [
        *(f"/convene silo add {silo} --kind team" for silo in SILOS.values()),
        *(f"/convene member add {m} --silo {SILOS[m]} --tz {LONDON}" for m in PEOPLE),
        "/convene pairing start #general every Monday 10:00 --tz Europe/London",
        '/convene checkin create "Pulse" #general every Monday 09:00 --tz Europe/London',
    ]:
        await convene.command("you", line)
    convene.adapter.channel_members["general"] = [ChannelMember(m, m, LONDON) for m in PEOPLE]
    for member in PEOPLE:
        await convene.command(member, "/pairing join")

    first = introductions(await convene.advance(FIRST_ROUND))
    assert sorted(len(g) for g in first) == [2, 2]
    await answer_checkin(convene, "alice")
    await answer_checkin(convene, "dan")
    await convene.command("alice", "/commit Draft the discharge checklist by Friday")  # 1
    await convene.command("dan", "/commit Order the gloves by Tuesday")  # 2, due 1 Dec

    await convene.advance(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    await convene.command("cagey", "/commit Renew the rota by Thursday")  # 3, due 3 Dec
    await convene.advance(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    await convene.command("alice", "/commit done 1")  # on time

    await convene.advance(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # the follow-ups
    (with_alice,) = [g for g in first if "alice" in g]
    (other,) = [g for g in first if "alice" not in g]
    story = Story(
        named="alice",
        anonymous=next(m for m in with_alice if m != "alice"),
        conveners_only=other[0],
        not_yet=other[1],
    )
    await met_with_story(convene, story.named, NAMED_STORY, "named")
    await met_with_story(convene, story.anonymous, ANONYMOUS_STORY, "anonymous")
    await met_with_story(convene, story.conveners_only, PRIVATE_STORY, "conveners")
    await convene.click(story.not_yet, "Not yet")

    second = introductions(await convene.advance(SECOND_ROUND))
    assert len(second) == 2 and not {frozenset(g) for g in second} & {frozenset(g) for g in first}
    await answer_checkin(convene, "alice")

    await convene.advance(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    await convene.command("dan", "/commit done 2")  # a week late
    await convene.command("you", '/convene retro open "December"')
    await add_retro_item(convene, "alice", "Weekly huddles")
    await add_retro_item(convene, "bashful", "Shared handover notes")
    await convene.click("cagey", "+1", on="Weekly huddles")
    await convene.command("you", "/convene retro close")
    await retro_action(convene, "alice", "Top 1", "Run the first weekly huddle", "friday")  # 4
    await retro_action(convene, "bashful", "Top 2", "Draft a handover template", "")  # 5
    await convene.advance(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    await convene.command("alice", "/commit done 4")

    await convene.advance(REPORT_DAY)
    return story


@pytest.fixture(scope="module")
def after_two_weeks(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[Story]:
    """The two weeks played once per test process (``tests.support.scenarios``), for
    the tests that only ask what a report says of them; each resumes a copy."""

    return played_once(
        two_weeks, template=sqlite_template, folders=tmp_path_factory, start=THURSDAY_NOON
    )


# -- reading what came back --------------------------------------------------------------------


def sent_files(delivered: list[Delivered]) -> dict[str, FileAttachment]:
    return {f.name: f for d in delivered for f in d.message.files}


def csv_rows(attachment: FileAttachment) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))


def one_named(files: dict[str, FileAttachment], ending: str) -> FileAttachment:
    (found,) = [f for name, f in files.items() if name.endswith(ending)]
    return found


# -- the scenarios -----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
async def after_two_weeks_on_each_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Harness]:
    """Convene after the two weeks on each kind of database the report's queries run on:
    on SQLite a copy of ``after_two_weeks`` resumed, on PostgreSQL the two weeks played
    there."""

    if request.param == "sqlite":
        async with resumed(request.getfixturevalue("after_two_weeks"), tmp_path) as convene:
            yield convene
        return
    postgres: PostgresDatabase = request.getfixturevalue("postgres_database")
    await empty_tables(postgres.url)
    async with running(postgres.url, start=THURSDAY_NOON) as convene:
        await two_weeks(convene)
        yield convene


async def test_a_convener_gets_the_report_of_two_known_weeks_in_words_and_in_files(
    after_two_weeks_on_each_database: Harness,
) -> None:
    convene = after_two_weeks_on_each_database
    delivered = await convene.command("you", "/convene report")

    (note,) = [d for d in delivered if d.message.visible_to == "you"]
    assert note.text == "I sent it to you in a direct message."
    (dm,) = [d for d in delivered if d.message.files]
    assert dm.message.target.kind == "dm" and dm.message.target.member_ids == ("you",)
    assert dm.text.splitlines() == [
        "*Convene report for T-memory: 11 Sep 2026 to 10 Dec 2026*",
        "• Check-ins: 3 of 8 prompts answered (38%) over 2 runs; first run 50%, last 25%.",
        "• Introductions: 4 groups in 2 rounds, 2 met (50%). "
        "Silo pairs met: 2 of 6 (33%); introduced: 4 (67%).",
        "• New bridges: 2 pairs of silos met for the first time, 4 introduced for the first time.",
        "• Learning stories shared: 2.",
        "• Commitments: 5 made, 3 done (2 on time, 1 late), 2 open, 1 overdue, 0 dropped.",
        "• Retros: 1 retro, 2 actions made, 1 done.",
        "The full report (Markdown) and its tables (CSV) are attached.",
    ]

    files = sent_files(delivered)
    assert sorted(files) == [
        "convene-report-2026-12-10-bridges.csv",
        "convene-report-2026-12-10-checkin-runs.csv",
        "convene-report-2026-12-10-introduction-rounds.csv",
        "convene-report-2026-12-10-retros.csv",
        "convene-report-2026-12-10-stories.csv",
        "convene-report-2026-12-10.md",
    ]
    report = files["convene-report-2026-12-10.md"].data.decode("utf-8")
    assert report.startswith("# Convene report for T-memory: 11 Sep 2026 to 10 Dec 2026\n")
    assert "| 2026-11-30 | Pulse | 4 | 2 | 50% |" in report
    assert "| 2026-12-07 | Pulse | 4 | 1 | 25% |" in report
    assert "| 30 Nov 2026 | #general | 1 | 2 | 2 | 100% |" in report
    assert "| 7 Dec 2026 | #general | 2 | 2 | 0 | 0% |" in report
    assert "Silo pairs met: **2 of 6** (33%); introduced: 4 (67%)." in report
    assert "| 5 | 3 | 2 | 1 | 2 | 1 | 0 |" in report
    assert "Kept on time: 2 of 5 (40%)." in report
    assert "| 8 Dec 2026 | December | #general | 2 | 2 | 1 |" in report
    assert f"> {NAMED_STORY}\n— alice, round 1 in #general, 3 Dec 2026" in report

    runs = csv_rows(one_named(files, "checkin-runs.csv"))
    assert [(r["date"], r["asked"], r["answered"], r["rate"]) for r in runs] == [
        ("2026-11-30", "4", "2", "50%"),
        ("2026-12-07", "4", "1", "25%"),
    ]
    rounds = csv_rows(one_named(files, "introduction-rounds.csv"))
    assert [(r["round"], r["groups"], r["met"], r["people"]) for r in rounds] == [
        ("1", "2", "2", "4"),
        ("2", "2", "0", "4"),
    ]
    bridges = csv_rows(one_named(files, "bridges.csv"))
    assert sorted(b["state"] for b in bridges) == ["introduced", "introduced", "met", "met"]
    assert all(b["new_introduction"] == "yes" for b in bridges)
    retros = csv_rows(one_named(files, "retros.csv"))
    assert [(r["retro"], r["items"], r["actions"], r["actions_done"]) for r in retros] == [
        ("December", "2", "2", "1")
    ]


async def test_since_narrows_the_report_to_what_happened_after_it(
    after_two_weeks: Played[Story], tmp_path: Path
) -> None:
    async with resumed(after_two_weeks, tmp_path) as convene:
        delivered = await convene.command("you", "/convene report --since 2026-12-05")

    (dm,) = [d for d in delivered if d.message.files]
    assert dm.text.splitlines()[:7] == [
        "*Convene report for T-memory: 5 Dec 2026 to 10 Dec 2026*",
        "• Check-ins: 1 of 4 prompts answered (25%) over 1 run.",
        "• Introductions: 2 groups in 1 round, 0 met (0%). "
        "Silo pairs met: 0 of 6 (0%); introduced: 2 (33%).",
        "• New bridges: 0 pairs of silos met for the first time, 2 introduced for the first time.",
        "• Learning stories shared: 0.",
        "• Commitments: 2 made, 1 done (1 on time, 0 late), 1 open, 0 dropped.",
        "• Retros: 1 retro, 2 actions made, 1 done.",
    ]


async def test_the_report_can_look_at_one_programme_and_refuses_one_that_does_not_exist(
    after_two_weeks: Played[Story], tmp_path: Path
) -> None:
    async with resumed(after_two_weeks, tmp_path) as convene:
        ours = await convene.command("you", "/convene report --since all --programme #general")
        elsewhere = await convene.reply_to("you", "/convene report --programme #random")
        badly = await convene.reply_to("you", "/convene report --since someday")
        member = await convene.reply_to("alice", "/convene report")

    (dm,) = [d for d in ours if d.message.files]
    assert dm.text.splitlines()[0] == (
        "*Convene report for T-memory: the beginning to 10 Dec 2026, #general*"
    )
    assert "4 groups in 2 rounds" in dm.text
    assert elsewhere.startswith(
        "There is no programme of introductions in #random. Programmes: #general."
    )
    assert "/convene report [--since 3mo] [--programme #CHANNEL]" in elsewhere
    assert badly.startswith("I could not read --since someday. Try --since 3mo")
    assert member.startswith("Only conveners can use /convene report.")


async def test_a_report_of_a_quiet_workspace_says_so_rather_than_failing(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        delivered = await convene.command("you", "/convene report")

    (dm,) = [d for d in delivered if d.message.files]
    assert dm.text.splitlines()[1:7] == [
        "• Check-ins: no run in this period.",
        "• Introductions: no round in this period.",
        "• New bridges: none in this period.",
        "• Learning stories shared: 0.",
        "• Commitments: none made in this period.",
        "• Retros: none held in this period.",
    ]
    report = sent_files(delivered)["convene-report-2026-11-30.md"].data.decode("utf-8")
    assert "No check-in ran in this period." in report
