"""A convener tries suggestions on answers they already have: ``convene opportunities``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import REPO, ConveneCommand, convene_process

EXAMPLE = str(REPO / "examples" / "answers.csv")
HEADER = "member,silos,question,answer\n"


def pairs_in(output: str) -> list[tuple[str, str]]:
    """(need's member, offer's member) of each suggestion printed, in order."""

    found: list[tuple[str, str]] = []
    need = ""
    for line in output.splitlines():
        words = line.split()
        if "need" in words[:3]:
            need = words[words.index("need") + 1]
        elif words[:1] == ["offer"]:
            found.append((need, words[1]))
    return found


def test_the_example_answers_become_suggestions_across_silos(tmp_path: Path) -> None:
    done = convene_process("opportunities", "--answers", EXAMPLE, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "5 suggestions from 19 answers of 20 members (9 needs, 9 offers); never two members "
        "who share a silo."
    )
    assert lines[1].startswith("1 answer to questions that are neither a need nor an offer")
    pairs = pairs_in(done.stdout)
    assert ("Carys", "Ben") in pairs, "Radiotherapy's discharge need, Public Health's huddle"
    assert {("Noah", "Rosa"), ("Dev", "Elena"), ("Quinn", "Sam")} <= set(pairs)
    assert "bridge Radiotherapy – Public Health" in done.stdout
    assert ("Priya", "Tariq") not in pairs, "both in the County Council"
    assert ("Carys", "Hamza") not in pairs, "both in NHS Trust A"
    assert ("Wen", "Vikram") not in pairs, "both in Radiotherapy"


def test_apart_keeps_only_the_kinds_named_apart(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    done = convene_command("opportunities", "--answers", EXAMPLE, "--apart", "teams", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "never two members in the same team." in done.stdout.splitlines()[0]
    pairs = pairs_in(done.stdout)
    assert ("Priya", "Tariq") in pairs, "one organisation, two teams: allowed now"
    assert ("Carys", "Hamza") in pairs
    assert ("Wen", "Vikram") not in pairs, "still one team"


def test_limit_prints_only_the_best(tmp_path: Path, convene_command: ConveneCommand) -> None:
    done = convene_command("opportunities", "--answers", EXAMPLE, "--limit", "2", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The best 2 suggestions from 19 answers")
    assert len(pairs_in(done.stdout)) == 2


def test_json_is_one_object_with_every_suggestion_in_full(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    args = ("opportunities", "--answers", EXAMPLE, "--json")
    done = convene_command(*args, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {k: report[k] for k in ("answers", "members", "needs", "offers", "left_out")} == {
        "answers": 19,
        "members": 20,
        "needs": 9,
        "offers": 9,
        "left_out": 1,
    }
    assert report["apart"] is None
    first = report["suggestions"][0]
    assert set(first) == {"rank", "score", "need", "offer", "bridge"}
    assert first["rank"] == 1 and 0 < first["score"] <= 1
    assert set(first["need"]) == {"member", "silos", "text"}
    carys = next(s for s in report["suggestions"] if s["need"]["member"] == "Carys")
    assert carys["offer"]["member"] == "Ben"
    assert carys["need"]["silos"] == ["team:Radiotherapy", "organisation:NHS Trust A"]
    assert carys["bridge"] == ["Radiotherapy", "Public Health"]
    assert carys["need"]["text"].endswith("discharge coordination is a mess.")
    assert convene_command(*args, cwd=tmp_path).stdout == done.stdout


def test_the_kind_column_decides_over_the_wording(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "answers.csv").write_text(
        "member,silos,question,answer,kind\n"
        "Ana,Pharmacy,Anything else?,Patients wait all afternoon for their take-home medicines "
        "before discharge.,need\n"
        "Bo,team:Estates,What are you stuck on?,A pharmacy satellite on the ward clears "
        "take-home medicines within an hour of discharge.,offer\n"
        "Cy,team:IT,What are you stuck on?,Busy week,neither\n",
        encoding="utf-8",
    )

    done = convene_command("opportunities", "--answers", "answers.csv", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert pairs_in(done.stdout) == [("Ana", "Bo")]
    assert "Ana (Pharmacy)" in done.stdout, "a silo without a kind is a team"


def test_columns_may_come_in_any_order_and_skipped_answers_are_left_out(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "answers.csv").write_text(
        "answer,kind,question,member,silos\n"
        "Patients wait all afternoon for their take-home medicines before discharge.,need,"
        "Anything else?,Ana,team:Pharmacy\n"
        "A pharmacy satellite on the ward clears take-home medicines within an hour of "
        "discharge.,offer,Anything else?,Bo,Estates\n"
        "skip,need,Anything else?,Cy,team:IT\n"
        "-,,What are you stuck on?,Cy,\n"
        ",,What did you learn?,Cy,\n",
        encoding="utf-8",
    )

    done = convene_command("opportunities", "--answers", "answers.csv", "--json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["answers"], report["members"], report["left_out"]) == (2, 3, 0), (
        "Cy only skipped: named, but none of his rows is an answer"
    )
    [one] = report["suggestions"]
    assert (one["need"]["member"], one["offer"]["member"]) == ("Ana", "Bo")
    assert one["offer"]["silos"] == ["team:Estates"]


def test_a_file_with_no_offers_says_why_there_is_nothing(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "answers.csv").write_text(
        HEADER + "Ana,team:A,What are you stuck on?,Discharge delays for care packages\n",
        encoding="utf-8",
    )

    done = convene_command("opportunities", "--answers", "answers.csv", cwd=tmp_path)

    assert done.returncode == 0
    assert "No suggestions: the file holds no offer." in done.stdout


def test_opportunities_does_not_need_a_config_file(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "convene.toml").write_text("[convene\n", encoding="utf-8")

    done = convene_command("opportunities", "--answers", EXAMPLE, "--json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["suggestions"]


BAD_FILES = [
    ("", "answers.csv: the file is empty; its first line must be member,silos,question,answer"),
    ("member,team,answer\nAna,A,x\n", "answers.csv:1: the header must be member,silos"),
    (HEADER, "answers.csv: there are no answers below the header"),
    (HEADER + "Ana,team:A,What are you stuck on?\n", "answers.csv:2: expected 4 fields"),
    (HEADER + ",team:A,What are you stuck on?,x\n", "answers.csv:2: the member's name is empty"),
    (HEADER + "Ana,team:,What are you stuck on?,x\n", "answers.csv:2: the silo 'team:' needs"),
    (HEADER + "Ana,:A,What are you stuck on?,x\n", "answers.csv:2: the silo ':A' needs a kind"),
    ("\n\n", "answers.csv: the file is empty"),
    (HEADER + "Ana,team:A,,Discharge delays\n", "answers.csv:2: the question is empty"),
    (
        "member,silos,question,answer,kind\nAna,team:A,Q?,x,problem\n",
        "answers.csv:2: the kind must be need, offer or neither",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_answers_file_gets_one_line_naming_file_and_line(
    tmp_path: Path, convene_command: ConveneCommand, content: str, message: str
) -> None:
    (tmp_path / "answers.csv").write_text(content, encoding="utf-8")

    done = convene_command("opportunities", "--answers", "answers.csv", cwd=tmp_path)

    assert_one_line_error(done.returncode, done.stderr, message)
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--answers", "missing.csv"), "convene: missing.csv: no such file"),
        (("--answers", "."), "convene: .: is a folder, not a CSV file"),
        (("--answers", EXAMPLE, "--limit", "0"), "--limit takes how many suggestions to print"),
        (("--answers", EXAMPLE, "--limit", "ten"), "a whole number from 1, not 'ten'"),
        (("--answers", EXAMPLE, "--apart", "profesion"), "no silo in the file is of kind"),
        (("--answers", EXAMPLE, "--apart", "tema"), "(did you mean team?)"),
        (("--answers", EXAMPLE, "--apart", ","), "--apart takes kinds of silo"),
    ],
)
def test_bad_options_get_one_clear_line(
    tmp_path: Path, convene_command: ConveneCommand, args: tuple[str, ...], message: str
) -> None:
    done = convene_command("opportunities", *args, cwd=tmp_path)

    assert_one_line_error(done.returncode, done.stderr, message)
    assert done.stdout == ""


def test_a_mistake_reaches_the_shell_as_exit_code_2_and_one_line(tmp_path: Path) -> None:
    done = convene_process("opportunities", "--answers", "missing.csv", cwd=tmp_path)

    assert_one_line_error(done.returncode, done.stderr, "convene: missing.csv: no such file")
    assert done.stdout == ""


def assert_one_line_error(returncode: int, stderr: str, message: str) -> None:
    assert returncode == 2
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("convene: ")
    assert message in stderr
