"""Check-in answers read from a CSV file, as needs and offers, for trying things offline.

``convene simulate --answers FILE.csv`` (topic affinity in rounds) and
``convene opportunities --answers FILE.csv`` (suggestions) read the same file,
so it is read here, once, where both jobs may reach it. The header is
``member,silos,question,answer`` with an optional ``kind`` column, in any
order:

* ``member``: a name (as the organisation file spells it, when there is one;
  case and extra spaces do not matter);
* ``silos``: ``kind:name`` separated by ``;``, as in the organisation file; a
  name without a kind is a team. A member's rows may repeat their silos or
  leave them empty after the first;
* ``question``: the question as it was asked; whether it asks for a need or
  an offer is read from its wording (``handlers/shared/intents.py``) unless
  ``kind`` says ``need``, ``offer`` or ``neither``;
* ``answer``: what the member wrote; empty, ``-`` and ``skip`` are skipped
  answers, left out altogether, as the chat leaves them out.

Answers to questions that are neither a need nor an offer are counted, not
used. Every problem is one ``AnswersFileError`` naming the file and line and
what to write instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from handlers.shared.csv_files import csv_lines
from handlers.shared.intents import NEED, OFFER, Intent, read_intent
from handlers.shared.kinds import kind_key
from handlers.shared.passages import SKIPPED_ANSWERS
from handlers.shared.topics import Passage

COLUMNS: Final = ("member", "silos", "question", "answer")
KIND: Final = "kind"
DEFAULT_KIND: Final = "team"
"""A silo written without a kind is a team."""
KINDS: Final[Mapping[str, Intent | None]] = {
    "need": NEED,
    "offer": OFFER,
    "neither": None,
    "none": None,
}
EXAMPLE_ROW: Final = "Aisha,team:Oncology,What are you stuck on?,Discharge delays"


class AnswersFileError(ValueError):
    """A problem with the answers file, naming the file and line, worded for whoever typed it."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer that says what its member needs or offers."""

    member: str
    """The name as this row writes it (extra spaces folded)."""
    question: str
    text: str
    intent: Intent
    line: int


@dataclass(frozen=True, slots=True)
class Member:
    """Someone the file names, with every silo any of their rows names."""

    name: str
    """As first written (extra spaces folded)."""
    silos: tuple[tuple[str, str], ...]
    """``(kind, name)``, the kind in its one spelling (``kind_key``), in order of first mention."""
    line: int
    """The line that first names them."""


@dataclass(frozen=True)
class AnswersFile:
    """The members of a file, their needs and offers, and how many answers were neither."""

    source: str
    members: tuple[Member, ...]
    """Everyone a row names (skipped answers too), in order of first appearance."""
    silos: tuple[tuple[str, str], ...]
    """Every silo the file names, in order of first mention."""
    answers: tuple[Answer, ...]
    """The answers to a need or an offer question."""
    neither: int
    """Answers to questions that ask for neither a need nor an offer (skipped ones not counted)."""

    @property
    def answered(self) -> int:
        """The rows with an answer: needs, offers and neither; skipped answers left out."""

        return len(self.answers) + self.neither

    def unknown(self, known: Iterable[str]) -> list[Member]:
        """The members whose name is not among ``known`` (any case), in order of appearance."""

        names = {_key(name) for name in known}
        return [member for member in self.members if _key(member.name) not in names]

    def passages(self, ids: Mapping[str, int]) -> list[Passage]:
        """Each answer as a passage of the member ``ids`` names (by name, any case).

        Answers of members ``ids`` does not name are left out (``unknown``
        says who they are). They were posted with their authors' names in a
        check-in thread, so they may be quoted.
        """

        by_name = {_key(name): ident for name, ident in ids.items()}
        return [
            Passage(
                by_name[_key(answer.member)],
                answer.intent,
                answer.text,
                source="answer",
                quotable=True,
                ref=f"{self.source}:{answer.line}",
            )
            for answer in self.answers
            if _key(answer.member) in by_name
        ]


def read_answers(path: Path) -> AnswersFile:
    """The answers in ``path``, or an ``AnswersFileError`` naming the file and line."""

    return parse_answers(csv_lines(path, AnswersFileError), str(path))


def parse_answers(lines: Iterable[str], source: str) -> AnswersFile:
    """The answers in ``lines`` (a file's, ``source`` naming it in every problem)."""

    rows = csv.reader(lines)
    header = next(rows, None)
    wanted = f"{','.join(COLUMNS)} (and, if you like, {KIND}), in any order"
    if header is None or not any(cell.strip() for cell in header):
        raise AnswersFileError(f"{source}: the file is empty; its first line must be {wanted}")
    names = tuple(cell.strip().lower() for cell in header)
    if sorted(names) not in (sorted(COLUMNS), sorted((*COLUMNS, KIND))):
        raise AnswersFileError(f"{source}:1: the header must be {wanted}, not {','.join(header)}")
    reader = _Reader(source, names)
    for row in rows:
        if any(cell.strip() for cell in row):
            reader.row(row, rows.line_num)
    if not reader.members:
        raise AnswersFileError(
            f"{source}: there are no answers below the header; add one row per answer, "
            f"e.g. {EXAMPLE_ROW}"
        )
    return reader.result()


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Reader:
    """Rows read one by one into members, their silos and their answers."""

    def __init__(self, source: str, columns: tuple[str, ...]) -> None:
        self.source = source
        self.columns = columns
        self.where_is = {name: index for index, name in enumerate(columns)}
        self.members: dict[str, tuple[str, int]] = {}
        """Each member's key: their name as first written, and its line."""
        self.silos_of: dict[str, dict[tuple[str, str], None]] = {}
        self.silos: dict[tuple[str, str], None] = {}
        self.answers: list[Answer] = []
        self.neither = 0

    def row(self, row: list[str], line: int) -> None:
        where = f"{self.source}:{line}"
        if len(row) != len(self.columns):
            raise AnswersFileError(
                f"{where}: expected {len(self.columns)} fields ({','.join(self.columns)}), "
                f'found {len(row)}; quote a field that holds a comma, e.g. "Busy, but fine"'
            )

        def cell(name: str) -> str:
            return row[self.where_is[name]].strip() if name in self.where_is else ""

        name = " ".join(cell("member").split())
        if not name:
            raise AnswersFileError(f"{where}: the member's name is empty")
        silos = [_silo(item, where) for item in cell("silos").split(";") if item.strip()]
        question, text = cell("question"), " ".join(cell("answer").split())
        intent = _intent(cell(KIND), question, where)
        key = _key(name)
        self.members.setdefault(key, (name, line))
        for silo in silos:
            self.silos_of.setdefault(key, {})[silo] = None
            self.silos[silo] = None
        if text.casefold() in SKIPPED_ANSWERS:
            return
        if intent is None:
            self.neither += 1
        else:
            self.answers.append(Answer(name, question, text, intent, line))

    def result(self) -> AnswersFile:
        return AnswersFile(
            source=self.source,
            members=tuple(
                Member(name, tuple(self.silos_of.get(key, {})), line)
                for key, (name, line) in self.members.items()
            ),
            silos=tuple(self.silos),
            answers=tuple(self.answers),
            neither=self.neither,
        )


def _silo(item: str, where: str) -> tuple[str, str]:
    kind, colon, name = (part.strip() for part in item.partition(":"))
    if not colon:
        kind, name = DEFAULT_KIND, kind
    if not kind or not name:
        raise AnswersFileError(
            f"{where}: the silo {item.strip()!r} needs a kind and a name; write kind:name, "
            "or a team's name alone, e.g. organisation:NHS Trust A or Radiotherapy"
        )
    return kind_key(kind), " ".join(name.split())


def _intent(kind: str, question: str, where: str) -> Intent | None:
    if kind:
        if kind.casefold() not in KINDS:
            raise AnswersFileError(
                f"{where}: the kind must be need, offer or neither (or empty, to read it "
                f"from the question), not {kind!r}"
            )
        return KINDS[kind.casefold()]
    if not question:
        raise AnswersFileError(
            f"{where}: the question is empty; write it as it was asked (e.g. What are you "
            f"stuck on?) or say need, offer or neither in a {KIND} column"
        )
    return read_intent(question)
