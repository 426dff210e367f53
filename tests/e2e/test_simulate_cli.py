"""A convener tries a programme on their organisation before launching it: ``convene simulate``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.introductions import simulation
from handlers.introductions.matching import RoundInput, RoundResult, match_round
from handlers.introductions.simulation import (
    SimulatedProgramme,
    parse_organisation,
    read_answers_file,
    read_meet_rate,
    read_mix_option,
    simulate,
)
from handlers.shared.topics import THRESHOLD
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


# -- --answers: what topic affinity would change -----------------------------------------------

NEED, OFFER = "What are you stuck on?", "What did you learn this week?"
ROWS = [
    (
        "Carys",
        "Radiotherapy",
        NEED,
        "Discharge coordination with social care for patients finishing radiotherapy",
    ),
    (
        "Ben",
        "Public Health",
        OFFER,
        "We solved discharge coordination with social care using a shared daily huddle",
    ),
    (
        "Dev",
        "Oncology",
        NEED,
        "Getting chemotherapy wait-time data out of the patient administration system",
    ),
    (
        "Femi",
        "Data & Analytics",
        OFFER,
        "Built an automated extract of wait-time data from the patient administration system",
    ),
    (
        "Hamza",
        "Discharge Planning",
        NEED,
        "Finding volunteers for patient transport home after discharge",
    ),
    (
        "Elena",
        "Public Health",
        OFFER,
        "Set up a volunteer driver scheme for patient transport across the county",
    ),
    ("Jonah", "Radiotherapy", NEED, "Rota gaps for night shifts on the ward"),
    (
        "Tariq",
        "Data & Analytics",
        OFFER,
        "Wrote a rota spreadsheet that flags night shift gaps weeks ahead",
    ),
    (
        "Maya",
        "Data & Analytics",
        NEED,
        "Explaining dashboard charts to clinicians who do not trust the numbers",
    ),
    (
        "Grace",
        "Oncology",
        OFFER,
        "Ran a teaching session helping clinicians read dashboard charts and trust the numbers",
    ),
    ("Kavya", "Public Health", NEED, "Smoking cessation referrals from hospital wards are rare"),
    (
        "Nadia",
        "Discharge Planning",
        OFFER,
        "Our wards added smoking cessation referrals to the discharge checklist",
    ),
    ("Isla", "Oncology", NEED, "Parking permits for the new staff car park"),
    ("Liam", "Discharge Planning", OFFER, "How to bake sourdough bread at home"),
    ("Quinn", "Oncology", "What will you do today?", "Clinic all morning"),
]
ANSWERS = "member,silos,question,answer\n" + "".join(
    f"{member},team:{team},{question},{answer}\n" for member, team, question, answer in ROWS
)
"""Six needs of the example organisation, each answered by an offer in another team, among
distractors; Quinn's question is neither a need nor an offer."""


def answers_file(tmp_path: Path, content: str = ANSWERS) -> str:
    (tmp_path / "answers.csv").write_text(content, encoding="utf-8")
    return "answers.csv"


def matching_pairs(tmp_path: Path) -> int:
    """How many pairs the matcher finds in ``ANSWERS`` (its threshold is tuned elsewhere)."""

    organisation = parse_organisation([HEADER, *EXAMPLE_LINES[1:]], "example")
    answers = read_answers_file(tmp_path / answers_file(tmp_path), organisation)
    return len(answers.affinity)


def test_an_answers_file_shows_how_many_groups_join_a_need_to_an_offer_with_affinity_and_without(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    answers = answers_file(tmp_path)
    done = convene_command(
        "simulate", "--org", EXAMPLE, "--answers", answers, "--rounds", "4", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    pairs = matching_pairs(tmp_path)
    assert pairs >= 6, "the six planted pairs at least"
    assert lines[1] == (
        f"Topic affinity from answers.csv: 14 needs and offers of 14 members; {pairs} pairs of "
        f"members whose need and offer match (affinity {THRESHOLD} or more). Each round ran "
        "twice with the same seed: without topic affinity, and with it "
        "(/convene pairing settings --affinity on)."
    )
    assert lines[2] == (
        "round  groups  need to offer, without  need to offer, with  bridges met, without  "
        "bridges met, with"
    )
    rounds = [line.split() for line in lines[3:7]]
    assert [r[0] for r in rounds] == ["1", "2", "3", "4"]
    without, with_it = sum(int(r[2]) for r in rounds), sum(int(r[3]) for r in rounds)
    assert with_it > without
    assert lines[7] == (
        f"In all, {without} group{'' if without == 1 else 's'} joined a need to an offer without "
        f"topic affinity and {with_it} with it; after round 4, bridges met: "
        f"{rounds[-1][4]} of 19 without, {rounds[-1][8]} of 19 with."
    )


def test_with_answers_the_json_holds_both_runs_and_what_the_file_held(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    args = ("simulate", "--org", EXAMPLE, "--answers", answers_file(tmp_path), "--json")
    done = convene_command(*args, "--rounds", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert list(report) == ["bridges_to_build", "rounds", "answers", "with_affinity"]
    assert report["answers"] == {
        "file": "answers.csv",
        "answers": 14,
        "members": 14,
        "matching_pairs": matching_pairs(tmp_path),
        "threshold": THRESHOLD,
    }
    without, with_it = report["rounds"], report["with_affinity"]["rounds"]
    assert [r["round"] for r in without] == [r["round"] for r in with_it] == [1, 2, 3]
    assert all("need_to_offer" in r for r in without + with_it)
    assert sum(r["need_to_offer"] for r in with_it) > sum(r["need_to_offer"] for r in without)
    assert with_it[0]["need_to_offer"] >= 4
    assert convene_command(*args, "--rounds", "3", cwd=tmp_path).stdout == done.stdout


def test_the_rounds_without_affinity_are_those_of_a_simulation_without_the_file(
    tmp_path: Path,
) -> None:
    organisation = parse_organisation([HEADER, *EXAMPLE_LINES[1:]], "example")
    (tmp_path / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    answers = read_answers_file(tmp_path / "answers.csv", organisation)
    both = simulate(organisation, 4, seed=3, answers=answers)
    alone = simulate(organisation, 4, seed=3)
    assert [dataclasses.replace(r, need_to_offer=0) for r in both.rounds] == list(alone.rounds)
    assert len(both.with_affinity) == 4
    assert both.with_affinity != both.rounds


def test_groups_with_answers_are_those_made_with_affinity_marked_where_need_meets_offer(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    done = convene_command(
        "simulate",
        "--org",
        EXAMPLE,
        "--answers",
        answers_file(tmp_path),
        "--rounds",
        "1",
        "--groups",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2] == "Round 1, with topic affinity:"
    marked = [line for line in lines if line.endswith("; need and offer match")]
    assert any(line.startswith("  Ben, Carys: ") for line in marked)
    table = lines.index(
        "round  groups  need to offer, without  need to offer, with  bridges met, without  "
        "bridges met, with"
    )
    assert int(lines[table + 1].split()[3]) == len(marked)


def test_a_file_where_no_need_meets_an_offer_says_affinity_changes_nothing(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    content = (
        "member,silos,question,answer,kind\n"
        "Aisha,,Anything?,Parking permits for the staff car park,need\n"
        "Ben,,Anything?,How to bake sourdough bread,offer\n"
    )
    done = convene_command(
        "simulate", "--org", EXAMPLE, "--answers", answers_file(tmp_path, content), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "2 needs and offers of 2 members; 0 pairs of members" in done.stdout
    assert done.stdout.rstrip().endswith(
        "No need in the file matches an offer of someone else, so topic affinity changes "
        "nothing here."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            ANSWERS + "Zed,team:Nowhere,What are you stuck on?,Rotas\n"
            "Yan,,What did you learn?,Rotas\n",
            "answers.csv:17: Zed (and 1 other) is not in the organisation file; write each "
            "member as its member column does",
        ),
        ("member,answer\nAisha,Rotas\n", "answers.csv:1: the header must be member,silos,"),
        ("", "answers.csv: the file is empty"),
        ("member,silos,question,answer\n", "answers.csv: there are no answers below the header"),
        (
            "member,silos,question,answer,kind\nAisha,,Anything?,Rotas,wish\n",
            "answers.csv:2: the kind must be need, offer or neither (or empty, to read it from "
            "the question), not 'wish'",
        ),
        (
            "member,silos,question,answer\nAisha,team:,What are you stuck on?,Rotas\n",
            "answers.csv:2: the silo 'team:' needs a kind and a name",
        ),
        (
            "member,silos,question,answer\nAisha,,What are you stuck on?,Rotas, lists\n",
            "answers.csv:2: expected 4 fields (member,silos,question,answer), found 5",
        ),
    ],
)
def test_a_bad_answers_file_gets_one_line_naming_file_and_line(
    tmp_path: Path, convene_command: ConveneCommand, content: str, message: str
) -> None:
    done = convene_command(
        "simulate", "--org", EXAMPLE, "--answers", answers_file(tmp_path, content), cwd=tmp_path
    )
    assert_one_line_error(done.returncode, done.stderr, message)
    assert done.stdout == ""


def test_a_missing_answers_file_reaches_the_shell_as_exit_code_2_and_one_line(
    tmp_path: Path,
) -> None:
    done = convene_process("simulate", "--org", EXAMPLE, "--answers", "nope.csv", cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr, "convene: nope.csv: no such file")
