"""A convener tries a programme on their organisation before launching it: ``convene simulate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.introductions.simulation import parse_organisation, simulate
from tests.support.cli import REPO, ConveneCommand, convene_process

EXAMPLE = str(REPO / "examples" / "org.csv")
HEADER = "member,silos,timezone\n"


def test_simulate_prints_each_round_of_the_example_organisation(tmp_path: Path) -> None:
    done = convene_process(
        "simulate", "--org", EXAMPLE, "--rounds", "8", "--seed", "1", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Simulated 8 rounds of pairs for 60 members in 12 silos")
    assert lines[1] == "round  groups  new bridges  silo pairs connected"
    rounds = lines[2:]
    assert [line.split()[0] for line in rounds] == [str(n) for n in range(1, 9)]
    assert all(line.split()[1] == "30" for line in rounds)
    assert rounds[-1].endswith("66 of 66 (100.0%)")


def test_simulate_json_is_one_object_with_coverage_as_a_fraction(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    args = ("simulate", "--org", EXAMPLE, "--rounds", "3", "--seed", "7", "--json")
    done = convene_command(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert list(report) == ["rounds"]
    assert [r["round"] for r in report["rounds"]] == [1, 2, 3]
    assert all(set(r) == {"round", "groups", "coverage"} for r in report["rounds"])
    assert all(r["groups"] == 30 for r in report["rounds"])
    coverage = [r["coverage"] for r in report["rounds"]]
    assert 0 < coverage[0] <= coverage[1] <= coverage[2] <= 1
    assert convene_command(*args, cwd=tmp_path).stdout == done.stdout  # the seed decides


def test_simulate_does_not_need_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "convene.toml").write_text("[convene\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "--org", EXAMPLE, "--rounds", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rounds"][0]["groups"] == 30


BAD_FILES = [
    ("name,team,tz\nalice,team:A,Europe/London\n", "org.csv:1: the header must be"),
    (HEADER + "alice,team:A,UTC\nbob,Radiotherapy,UTC\n", "org.csv:3: the silo 'Radiotherapy'"),
    (HEADER + "alice,team:A,Mars/Olympus\n", "org.csv:2: 'Mars/Olympus' is not a time zone"),
    (HEADER + "alice,team:A;:B,Europe/London\n", "org.csv:2: the silo ':B' needs a kind"),
    (HEADER + "alice,team:A,europe/lndon\n", "did you mean Europe/London?"),
    (HEADER + "alice,team:A\n", "org.csv:2: expected 3 fields"),
    (HEADER + "alice,team:A,UTC\nAlice,team:B,UTC\n", "org.csv:3: Alice appears twice"),
    ("", "org.csv: the file is empty"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_organisation_file_gets_one_line_naming_file_and_line(
    tmp_path: Path, convene_command: ConveneCommand, content: str, message: str
) -> None:
    (tmp_path / "org.csv").write_text(content, encoding="utf-8")
    done = convene_command("simulate", "--org", "org.csv", cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr, message)
    assert done.stdout == ""


def test_a_mistake_reaches_the_shell_as_exit_code_2_and_one_line(tmp_path: Path) -> None:
    done = convene_process("simulate", "--org", "missing.csv", cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr, "convene: missing.csv: no such file")
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--org", "missing.csv"), "convene: missing.csv: no such file"),
        (("--org", EXAMPLE, "--rounds", "0"), "--rounds must be between 1 and 1,000, not 0"),
        (("--org", EXAMPLE, "--rounds", "two"), "--rounds takes a whole number, not 'two'"),
        (("--org", EXAMPLE, "--seed", "1.5"), "--seed takes a whole number, not '1.5'"),
        (("--org", EXAMPLE, "--rounds", "5000"), "--rounds must be between 1 and 1,000, not 5000"),
    ],
)
def test_bad_arguments_get_one_clear_line(
    tmp_path: Path, convene_command: ConveneCommand, args: tuple[str, ...], message: str
) -> None:
    done = convene_command("simulate", *args, cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr, message)


def assert_one_line_error(returncode: int, stderr: str, message: str) -> None:
    assert returncode == 2
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("convene: ")
    assert message in stderr


def test_a_simulation_reports_progress_round_by_round() -> None:
    organisation = parse_organisation(
        [HEADER, "alice,team:A,Europe/London", "bob,team:B,Asia/Tokyo", "carol,team:C,UTC"],
        "inline",
    )
    seen: list[tuple[int, int]] = []
    report = simulate(
        organisation, 3, seed=1, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert [r.groups for r in report.rounds] == [1, 1, 1]
    assert report.rounds[-1].coverage == 1.0


def test_one_member_makes_no_groups_and_says_so() -> None:
    organisation = parse_organisation([HEADER, "alice,team:A,UTC"], "inline")
    report = simulate(organisation, 2, seed=1)
    assert [(r.groups, r.coverage) for r in report.rounds] == [(0, 0.0), (0, 0.0)]
