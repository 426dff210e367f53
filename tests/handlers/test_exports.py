"""A convener takes the workspace's data out: ``/convene export``, and what no output may hold.

Learning stories are used only as their authors allowed: a story kept for
conveners never leaves Convene in a file, and an author who shared without
their name is never named beside it. These scenarios read every file a
report and an export produce for those words.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from adapters.memory import Delivered
from bot.messages import FileAttachment
from tests.handlers.test_reports import (
    ANONYMOUS_STORY,
    NAMED_STORY,
    PRIVATE_STORY,
    Story,
    two_weeks,
)
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import THURSDAY_NOON


@pytest.fixture(scope="module")
def after_two_weeks(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[Story]:
    """The report's two weeks (``tests.handlers.test_reports``), played once per test
    process; each test resumes a copy."""

    return played_once(
        two_weeks, template=sqlite_template, folders=tmp_path_factory, start=THURSDAY_NOON
    )


def files_of(delivered: list[Delivered]) -> dict[str, FileAttachment]:
    return {f.name: f for d in delivered for f in d.message.files}


def text_of(attachment: FileAttachment) -> str:
    return attachment.data.decode("utf-8")


def ending(files: dict[str, FileAttachment], end: str) -> FileAttachment:
    """The one file whose name ends so (``-stories.json``)."""

    (found,) = [f for name, f in files.items() if name.endswith(end)]
    return found


async def everything_out(convene: Harness) -> dict[str, FileAttachment]:
    """Every file a convener can take out: the report and the export in both formats."""

    files: dict[str, FileAttachment] = {}
    for line in (
        "/convene report --since all",
        "/convene export",
        "/convene export --format json",
    ):
        files |= files_of(await convene.command("you", line))
    return files


async def test_no_file_holds_a_story_kept_for_conveners_nor_names_an_anonymous_author(
    after_two_weeks: Played[Story], tmp_path: Path
) -> None:
    story = after_two_weeks.told
    async with resumed(after_two_weeks, tmp_path) as convene:
        files = await everything_out(convene)
        # Conveners themselves still read every story, in Convene's own command.
        in_chat = await convene.reply_to("you", "/convene pairing stories")

    assert PRIVATE_STORY in in_chat
    assert len(files) == 6 + 7 + 7
    for name, attachment in files.items():
        assert PRIVATE_STORY not in text_of(attachment), name
    report = text_of(next(f for n, f in files.items() if n.endswith(".md")))
    story_files = [report] + [
        text_of(f) for n, f in files.items() if "stories" in n
    ]  # the report's stories.csv, the export's stories.csv and stories.json
    assert len(story_files) == 4
    for text in story_files:
        assert story.anonymous not in text
        assert story.conveners_only not in text
    assert "— a member (shared without their name), round 1 in #general" in report
    assert f"> {NAMED_STORY}\n— alice, round 1" in report

    exported = json.loads(text_of(ending(files, "-stories.json")))
    assert sorted((s["story"], s["author"] or "", s["consent"]) for s in exported) == [
        (ANONYMOUS_STORY, "", "anonymous"),
        (NAMED_STORY, "alice", "named"),
    ]


async def test_the_export_holds_each_dataset_without_answers_in_members_or_learnings_elsewhere(
    after_two_weeks: Played[Story], tmp_path: Path
) -> None:
    async with resumed(after_two_weeks, tmp_path) as convene:
        delivered = await convene.command("you", "/convene export --what members,checkins")
        csv_files = files_of(delivered)
        all_files = files_of(await convene.command("you", "/convene export --format json"))

    (dm,) = [d for d in delivered if d.message.files]
    assert dm.message.target.member_ids == ("you",)
    assert dm.text.startswith(
        "Here is the export as CSV: convene-2026-12-10-members.csv (5 rows) and "
        "convene-2026-12-10-checkins.csv ("
    )
    assert sorted(csv_files) == [
        "convene-2026-12-10-checkins.csv",
        "convene-2026-12-10-members.csv",
    ]
    members = list(
        csv.DictReader(io.StringIO(text_of(csv_files["convene-2026-12-10-members.csv"])))
    )
    assert list(members[0]) == ["name", "platform_id", "silos", "timezone", "convener", "joined"]
    assert members[0] == {
        "name": "alice",
        "platform_id": "alice",
        "silos": "team:Radiotherapy",
        "timezone": "Europe/London",
        "convener": "no",
        "joined": "2026-11-26T12:00:00+00:00",
    }
    assert "Ward rounds" not in text_of(csv_files["convene-2026-12-10-members.csv"])

    checkins = list(
        csv.DictReader(io.StringIO(text_of(csv_files["convene-2026-12-10-checkins.csv"])))
    )
    alices = [(r["date"], r["status"], r["answer"]) for r in checkins if r["member"] == "alice"]
    assert alices == [
        ("2026-11-30", "answered", "Ward rounds"),
        ("2026-11-30", "answered", "Audit"),
        ("2026-11-30", "answered", "None"),
        ("2026-12-07", "answered", "Ward rounds"),
        ("2026-12-07", "answered", "Audit"),
        ("2026-12-07", "answered", "None"),
    ]
    bashfuls = [(r["date"], r["status"], r["answer"]) for r in checkins if r["member"] == "bashful"]
    assert [status for _, status, _ in bashfuls] == ["missed", "missed"]

    introductions = json.loads(text_of(ending(all_files, "-introductions.json")))
    assert len(introductions) == 8
    assert {"learning", "story"}.isdisjoint(introductions[0])
    assert not any(NAMED_STORY in json.dumps(row) for row in introductions)
    commitments = json.loads(text_of(ending(all_files, "-commitments.json")))
    assert [(c["number"], c["status"], c["done_on_time"], c["retro"]) for c in commitments] == [
        (1, "done", True, None),
        (2, "done", False, None),
        (3, "open", None, None),
        (4, "done", True, "December"),
        (5, "open", None, "December"),
    ]
    retros = json.loads(text_of(ending(all_files, "-retros.json")))
    assert [(r["text"], r["votes"], r["commitments"]) for r in retros] == [
        ("Weekly huddles", 1, ["4"]),
        ("Shared handover notes", 0, ["5"]),
    ]
    silos = json.loads(text_of(ending(all_files, "-silos.json")))
    assert sorted((s["silo"], s["silos_introduced"]) for s in silos) == [
        ("Pharmacy", 2),
        ("Radiotherapy", 2),
        ("Theatres", 2),
        ("Wards", 2),
    ]
    assert sum(s["silos_met"] for s in silos) == 4  # two pairs met


async def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene member add mallory --tz Europe/London")
        await convene.command("mallory", "/commit =HYPERLINK(evil) by Friday")
        await convene.command("mallory", "/commit @SUM(1+1) by Friday")
        delivered = await convene.command(
            "you", "/convene export --what commitments --what members"
        )
        as_json = files_of(
            await convene.command("you", "/convene export --what commitments --format json")
        )

    files = files_of(delivered)
    assert sorted(files) == [
        "convene-2026-11-30-commitments.csv",
        "convene-2026-11-30-members.csv",
    ]
    rows = list(csv.reader(io.StringIO(text_of(files["convene-2026-11-30-commitments.csv"]))))
    assert [row[4] for row in rows[1:]] == ["'=HYPERLINK(evil)", "'@SUM(1+1)"]
    (exported,) = as_json.values()
    assert [c["commitment"] for c in json.loads(text_of(exported))] == [
        "=HYPERLINK(evil)",
        "@SUM(1+1)",
    ]


async def test_an_export_of_something_unknown_says_what_can_be_exported(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        wrong = await convene.reply_to("you", "/convene export --what memebrs")
        badly = await convene.reply_to("you", "/convene export --format xlsx")
        member = await convene.reply_to("bob", "/convene export")

    assert wrong.startswith(
        "I can export members, silos, introductions, checkins, commitments, retros, stories "
        "or all, not 'memebrs' (did you mean members?)."
    )
    assert badly.startswith("I can write csv or json, not 'xlsx'. Try --format json")
    assert member.startswith("Only conveners can use /convene export.")
