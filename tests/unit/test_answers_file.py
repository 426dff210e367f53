"""An answers file read as needs and offers (``handlers/shared/answers_file.py``), the one
reader behind ``convene simulate --answers`` and ``convene opportunities --answers``."""

from __future__ import annotations

import pytest

from handlers.shared.answers_file import AnswersFileError, parse_answers


def test_each_question_is_read_as_a_need_or_an_offer_from_its_wording() -> None:
    found = parse_answers(
        [
            "member,silos,question,answer",
            "Alice,team:Radiotherapy;organisation:NHS Trust A,What are you stuck on?,Rotas",
            "Bob,Team:Public Health,What did you learn this week?,A rota tool",
            "Bob,,What will you do today?,Clinic",
            "Carol,,Where could you use help?,skip",
            "Carol,,Where could you use help?,-",
        ],
        "inline",
    )
    assert [(a.member, a.intent, a.text) for a in found.answers] == [
        ("Alice", "need", "Rotas"),
        ("Bob", "offer", "A rota tool"),
    ]
    assert found.answers[0].silos == (("team", "Radiotherapy"), ("organisation", "NHS Trust A"))
    assert found.answers[1].silos == (("team", "Public Health"),)
    assert found.neither == 3, "a question of neither kind, and two skipped answers"


def test_a_kind_column_says_need_offer_or_neither_whatever_the_wording() -> None:
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


def test_passages_belong_to_the_members_named_whatever_the_case_and_strangers_are_named() -> None:
    found = parse_answers(
        [
            "member,silos,question,answer",
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
    assert [(a.member, a.line) for a in found.unknown(["Alice"])] == [("Zed", 3)]
    assert found.members == ("alice", "Zed")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "inline: the file is empty"),
        (["member,silos,answer"], "inline:1: the header must be member,silos,question,answer"),
        (["member,silos,question,answer", ",,What?,x"], "inline:2: the member's name is empty"),
        (
            ["member,silos,question,answer", "Alice,,,Rotas"],
            "inline:2: the question is empty; write it as it was asked",
        ),
    ],
)
def test_a_mistake_names_the_line_and_what_to_write(lines: list[str], message: str) -> None:
    with pytest.raises(AnswersFileError, match=message):
        parse_answers(lines, "inline")
