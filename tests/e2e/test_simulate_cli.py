"""A convener tries a programme on their organisation before launching it: ``convene simulate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.introductions import simulation
from handlers.introductions.matching import RoundInput, RoundResult, match_round
from handlers.introductions.simulation import (
    SimulatedProgramme,
    parse_organisation,
    read_meet_rate,
    read_mix_option,
    simulate,
)
from tests.support.cli import REPO, ConveneCommand, convene_process

EXAMPLE = str(REPO / "examples" / "org.csv")
EXAMPLE_LINES = (REPO / "examples" / "org.csv").read_text(encoding="utf-8").splitlines()
HEADER = "member,silos,timezone\n"


def test_simulate_prints_each_round_of_the_example_organisation(tmp_path: Path) -> None:
    """12 silos of three kinds: 10 pairs of teams, 6 of organisations, 3 of professions."""

    done = convene_process(
        "simulate", "--org", EXAMPLE, "--rounds", "8", "--seed", "1", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "Simulated 8 rounds of pairs for 60 members in 12 silos (19 bridges to build, mixing "
        "every kind of silo), seed 1, each group meeting with probability 60%."
    )
    assert lines[1] == (
        "round  groups  groups met  new bridges  bridges met        bridges introduced"
    )
    rounds = lines[2:]
    assert [line.split()[0] for line in rounds] == [str(n) for n in range(1, 9)]
    assert all(line.split()[1] == "30" for line in rounds)
    assert 0 < int(rounds[0].split()[2]) < 30, "some groups meet, not all"
    assert rounds[-1].endswith("19 of 19 (100.0%)  19 of 19 (100.0%)")


def test_simulate_json_is_one_object_with_coverage_as_a_fraction(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    args = ("simulate", "--org", EXAMPLE, "--rounds", "3", "--seed", "7", "--json")
    done = convene_command(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert list(report) == ["bridges_to_build", "rounds"]
    assert report["bridges_to_build"] == 19
    assert [r["round"] for r in report["rounds"]] == [1, 2, 3]
    keys = {"round", "groups", "groups_met", "new_bridges", "coverage", "met", "introduced"}
    assert all(set(r) == keys for r in report["rounds"])
    assert all(r["groups"] == 30 for r in report["rounds"])
    coverage = [r["coverage"] for r in report["rounds"]]
    assert 0 < coverage[0] <= coverage[1] <= coverage[2] <= 1
    assert all(r["coverage"] == r["met"] <= r["introduced"] for r in report["rounds"])
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
    assert report.rounds[-1].introduced_share == 1.0


def test_one_member_makes_no_groups_and_says_so() -> None:
    organisation = parse_organisation([HEADER, "alice,team:A,UTC"], "inline")
    report = simulate(organisation, 2, seed=1)
    assert [(r.groups, r.coverage) for r in report.rounds] == [(0, 0.0), (0, 0.0)]


# -- the programme being tried: --size, --mix, --meet-rate, --groups ------------------------

CLINIC = [
    HEADER,
    "alice,team:Radiotherapy;organisation:Trust A,Europe/London",
    "bob,team:Oncology;organisation:Trust A,Europe/London",
    "carol,team:Wards;organisation:Trust B,Europe/London",
    "dan,team:Radiotherapy;team:Oncology,Europe/London",
]
"""Dan stands in Radiotherapy and Oncology, Alice and Bob in Trust A, Carol in Trust B."""


@pytest.mark.parametrize(
    ("mix", "bridges"),
    [
        (None, 3),  # Radiotherapy-Wards, Oncology-Wards, Trust A-Trust B
        ("team", 2),
        ("organisation", 1),
        ("team+organisation", 3),  # Radiotherapy, Oncology and Wards to the Trust they are not in
    ],
)
def test_bridges_are_pairs_of_one_kind_or_of_kinds_crossed_never_silos_sharing_someone(
    mix: str | None, bridges: int
) -> None:
    organisation = parse_organisation(CLINIC, "inline")
    programme = SimulatedProgramme(mix=read_mix_option(mix, organisation))
    report = simulate(organisation, 1, seed=1, programme=programme, with_groups=True)
    assert report.bridges == bridges
    named = {pair for g in report.rounds[0].introductions for pair in g.new_bridges}
    assert ("Radiotherapy", "Oncology") not in named
    assert ("Radiotherapy", "Trust A") not in named and ("Oncology", "Trust A") not in named


def test_groups_of_three_are_tried_as_a_programme_would_make_them(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    done = convene_command(
        "simulate", "--org", EXAMPLE, "--rounds", "2", "--size", "3", "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert [r["groups"] for r in json.loads(done.stdout)["rounds"]] == [20, 20]


def test_groups_are_printed_round_by_round_with_who_met_and_the_bridges_they_make(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    done = convene_command(
        "simulate", "--org", EXAMPLE, "--rounds", "2", "--groups", "--mix", "team", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "(10 bridges to build, mixing team)" in lines[0]
    first = lines[lines.index("Round 1:") + 1 : lines.index("Round 2:")]
    assert len(first) == 30
    names = [name for line in first for name in line.split(":")[0].strip().split(", ")]
    assert len(names) == len(set(names)) == 60
    assert all(": met; " in line or ": did not meet; " in line for line in first)
    assert any("; new bridge " in line or "; new bridges " in line for line in first)
    assert "Trust" not in " ".join(first), "organisations are not mixed"
    assert lines[-3] == (
        "round  groups  groups met  new bridges  bridges met        bridges introduced"
    )


@pytest.mark.parametrize("rate", ["0", "1"])
def test_the_meeting_rate_decides_how_much_of_what_was_introduced_is_met(rate: str) -> None:
    organisation = parse_organisation([HEADER, *EXAMPLE_LINES[1:]], "example")
    report = simulate(organisation, 3, seed=2, programme=SimulatedProgramme(meet_rate=float(rate)))
    for r in report.rounds:
        assert r.introduced > 0
        assert r.met == (0 if rate == "0" else r.introduced)
        assert r.groups_met == (0 if rate == "0" else r.groups)


def test_about_the_share_of_groups_given_meet_and_the_seed_decides_which() -> None:
    organisation = parse_organisation([HEADER, *EXAMPLE_LINES[1:]], "example")
    report = simulate(organisation, 8, seed=5)
    share = sum(r.groups_met for r in report.rounds) / sum(r.groups for r in report.rounds)
    assert 0.5 < share < 0.7
    assert simulate(organisation, 8, seed=5) == report
    assert simulate(organisation, 8, seed=6).rounds != report.rounds


def test_the_engine_hears_which_bridges_met_as_a_real_round_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nobody meets: the second round's engine sees introductions and no meetings."""

    seen: list[RoundInput] = []

    def spy(spec: RoundInput) -> RoundResult:
        seen.append(spec)
        return match_round(spec)

    monkeypatch.setattr(simulation, "match_round", spy)
    organisation = parse_organisation([HEADER, *EXAMPLE_LINES[1:]], "example")
    simulate(organisation, 2, seed=1, programme=SimulatedProgramme(meet_rate=0.0))
    assert seen[0].connections == {}
    assert seen[1].connections
    assert all(c.met == 0 < c.introduced for c in seen[1].connections.values())
    assert seen[1].shared == organisation.shared != frozenset()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--size", "5"), "--size takes 2, 3 or 4 (people in a group), not '5'; e.g. --size 3"),
        (("--meet-rate", "2"), "--meet-rate takes the share of groups that meet, from 0 to 1"),
        (("--meet-rate", "often"), "not 'often'; e.g. --meet-rate 0.6"),
        (
            ("--mix", "teem"),
            "--mix: no silo in the file is of kind 'teem' (did you mean team?); its kinds are "
            "organisation, profession and team",
        ),
        (("--mix", "team+"), "--mix: 'team+' is not a crossing"),
        (("--mix", "team+teams"), "--mix: team+team crosses team with itself"),
    ],
)
def test_a_programme_option_out_of_range_gets_one_line_saying_what_to_type(
    tmp_path: Path, convene_command: ConveneCommand, args: tuple[str, ...], message: str
) -> None:
    done = convene_command("simulate", "--org", EXAMPLE, *args, cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr, message)
    assert done.stdout == ""


def test_a_meeting_rate_can_be_given_as_a_percentage() -> None:
    assert read_meet_rate("40%") == 0.4
    assert read_meet_rate("0.25") == 0.25
