"""An answers file read as needs and offers (``handlers/shared/answers_file.py``), the one
reader behind ``convene simulate --answers`` and ``convene opportunities --answers``."""

from __future__ import annotations

import pytest

from handlers.shared.answers_file import AnswersFileError, parse_answers

HEADER = "member,silos,question,answer"


def test_each_question_is_read_as_a_need_or_an_offer_from_its_wording() -> None:
    found = parse_answers(
        [
            HEADER,
            "Alice,team:Radiotherapy;organisation:NHS Trust A,What are you stuck on?,Rotas",
            "Bob,Team:Public Health,What did you learn this week?,A rota tool",
            "Bob,,What will you do today?,Clinic",
            "Carol,Pharmacy,Where could you use help?,skip",
            "Carol,,Where could you use help?,-",
            "Carol,,Where could you use help?,",
        ],
        "inline",
    )
    assert [(a.member, a.intent, a.text) for a in found.answers] == [
        ("Alice", "need", "Rotas"),
        ("Bob", "offer", "A rota tool"),
    ]
    assert found.neither == 1, "Bob's question of neither kind; skipped answers are not counted"
    assert found.answered == 3
    assert [(m.name, m.silos) for m in found.members] == [
        ("Alice", (("team", "Radiotherapy"), ("organisation", "NHS Trust A"))),
        ("Bob", (("team", "Public Health"),)),
        ("Carol", (("team", "Pharmacy"),)),
    ], "a member who only skipped is still named, and a silo without a kind is a team"


def test_a_kind_column_in_any_place_says_need_offer_or_neither_whatever_the_wording() -> None:
    found = parse_answers(
        [
            "kind,answer,member,question,silos",
            "offer,Discharge huddles,Alice,What are you stuck on?,",
            "need,Rotas,Bob,Anything else?,",
            "neither,Lunch,Carol,What did you learn?,",
            ",Ward rounds,Dan,What did you learn?,",
        ],
        "inline",
    )
    assert [(a.member, a.intent) for a in found.answers] == [
        ("Alice", "offer"),
        ("Bob", "need"),
        ("Dan", "offer"),
    ]
    assert found.neither == 1


def test_a_members_rows_gather_their_silos_and_their_name_as_first_written() -> None:
    found = parse_answers(
        [
            HEADER,
            "Ana  Lee,team:Oncology,What are you stuck on?,Rotas",
            "ana lee,organisation:NHS Trust A;team:Oncology,What did you learn?,Huddles",
            "Bo,team:IT,What did you learn?,Dashboards",
        ],
        "inline",
    )
    assert [(m.name, m.silos, m.line) for m in found.members] == [
        ("Ana Lee", (("team", "Oncology"), ("organisation", "NHS Trust A")), 2),
        ("Bo", (("team", "IT"),), 4),
    ]
    assert found.silos == (("team", "Oncology"), ("organisation", "NHS Trust A"), ("team", "IT"))


def test_passages_belong_to_the_members_named_whatever_the_case_and_strangers_are_named() -> None:
    found = parse_answers(
        [
            HEADER,
            "alice,,What are you stuck on?,Rotas",
            "Zed,,What are you stuck on?,Parking",
            "ALICE,,What did you learn?,Huddles",
        ],
        "answers.csv",
    )
    passages = found.passages({"Alice": 7})
    assert [(p.member_id, p.intent, p.text, p.quotable) for p in passages] == [
        (7, "need", "Rotas", True),
        (7, "offer", "Huddles", True),
    ]
    assert [(m.name, m.line) for m in found.unknown(["Alice"])] == [("Zed", 3)]
    assert [m.name for m in found.members] == ["alice", "Zed"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "inline: the file is empty; its first line must be member,silos,question,answer"),
        ([" , "], "inline: the file is empty"),
        (["member,silos,answer"], "inline:1: the header must be member,silos,question,answer"),
        ([HEADER, " , , , "], "inline: there are no answers below the header"),
        ([HEADER, "Ana,,What?"], r"inline:2: expected 4 fields \(member,silos,question,answer\)"),
        ([HEADER, ",,What?,x"], "inline:2: the member's name is empty"),
        ([HEADER, "Ana,team:,What?,x"], "inline:2: the silo 'team:' needs a kind and a name"),
        ([HEADER, "Ana,:Oncology,What?,x"], "inline:2: the silo ':Oncology' needs a kind"),
        ([HEADER, "Alice,,,Rotas"], "inline:2: the question is empty; write it as it was asked"),
        (
            [f"{HEADER},kind", "Ana,,Q?,x,wish"],
            "inline:2: the kind must be need, offer or neither .* not 'wish'",
        ),
        (
            [HEADER, "Ana,,What are you stuck on?,Rotas", "Bo,,What?,-,extra"],
            "inline:3: expected 4 fields",
        ),
    ],
)
def test_a_mistake_names_the_line_and_what_to_write(lines: list[str], message: str) -> None:
    with pytest.raises(AnswersFileError, match=message):
        parse_answers(lines, "inline")


def test_a_skipped_answer_is_still_checked_so_the_file_is_right_before_it_is_used() -> None:
    with pytest.raises(AnswersFileError, match="inline:2: the kind must be"):
        parse_answers([f"{HEADER},kind", "Ana,,Q?,skip,wish"], "inline")
