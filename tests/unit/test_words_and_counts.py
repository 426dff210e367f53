"""The words Convene answers in: one spelling for each kind of silo, and counts that read
as English ("1 round", "2 rounds", never "round(s)")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from handlers.shared.kinds import STANDARD_KINDS, Vocabulary, kind_key
from handlers.shared.text import listed, plural

REPO = Path(__file__).resolve().parents[2]
STANDARD = Vocabulary(kinds=STANDARD_KINDS, added=frozenset(), silos_of_kind={})


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("organisation", "organisation"),
        ("organization", "organisation"),
        ("Organizations", "organisation"),
        (" ORGANISATIONS ", "organisation"),
        ("communities", "community"),
        ("teams", "team"),
        ("business", "business"),
        ("businesses", "business"),
        ("campus", "campus"),
        ("specializations", "specialisation"),
        ("centers", "centre"),
        ("clinical-networks", "clinical-network"),
    ],
)
def test_spellings_plurals_and_case_of_a_kind_come_to_one_key(typed: str, key: str) -> None:
    assert kind_key(typed) == key


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [
        ("profesion", "profession"),
        ("proffession", "profession"),
        ("departmnt", "department"),
        ("dept", "department"),
        ("org", "organisation"),
        ("tem", "team"),
        ("comunity", "community"),
        ("sitee", "site"),
        ("banana", None),
        ("ward", None),
    ],
)
def test_a_mistyped_kind_suggests_the_nearest_known_one(typed: str, nearest: str | None) -> None:
    assert STANDARD.meant(typed) is None
    assert STANDARD.nearest(typed) == nearest


def test_counts_and_lists_read_as_english() -> None:
    assert [plural(n, "round") for n in (0, 1, 2)] == ["0 rounds", "1 round", "2 rounds"]
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"
    assert listed(["team"]) == "team"
    assert listed(["team", "site"]) == "team and site"
    assert listed(["alice", "bob", "carol"], "or") == "alice, bob or carol"


def test_no_reply_hedges_a_plural_with_s_in_brackets() -> None:
    """Every count in a reply is written with ``plural``: "round(s)" never reaches a member."""

    hedged = re.compile(r"[A-Za-z]\((?:s|es)\)")
    found = [
        f"{path.relative_to(REPO)}:{node.lineno}: {node.value.strip()}"
        for path in sorted((REPO / "handlers").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and hedged.search(node.value)
    ]
    assert found == []
