"""Check-in answers read from a CSV file, as needs and offers, for trying things offline.

``convene simulate --answers FILE.csv`` (topic affinity in rounds) and
``convene opportunities --answers FILE.csv`` (suggestions) read the same file,
so it is read here, where both jobs may reach it. The header is
``member,silos,question,answer`` with an optional ``kind`` column, in any
order:

* ``member``: a name (as the organisation file spells it, when there is one;
  case does not matter);
* ``silos``: ``kind:name`` separated by ``;``, as in the organisation file
  (may be empty);
* ``question``: the question as it was asked; whether it asks for a need or
  an offer is read from its wording (``handlers/shared/intents.py``) unless
  ``kind`` says ``need``, ``offer`` or ``neither``;
* ``answer``: what the member wrote; empty, ``-`` and ``skip`` are skipped.

Rows whose question is neither a need nor an offer are counted, not used.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from handlers.shared.intents import NEED, OFFER, Intent, read_intent
from handlers.shared.kinds import kind_key
from handlers.shared.topics import Passage

COLUMNS = ("member", "silos", "question", "answer")
KIND = "kind"
SKIPPED = frozenset({"", "-", "skip"})
NEITHER = frozenset({"neither", "none"})


class AnswersFileError(ValueError):
    """A problem with the answers file, naming the file and line, worded for whoever typed it."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer that says what its member needs or offers."""

    member: str
    silos: tuple[tuple[str, str], ...]
    """``(kind, name)``, the kind in its one spelling (``kind_key``)."""
    question: str
    text: str
    intent: Intent
    line: int


@dataclass(frozen=True)
class AnswersFile:
    """The needs and offers of a file, and how many of its rows were neither."""

    source: str
    answers: tuple[Answer, ...]
    neither: int
    """Rows whose question asks for neither a need nor an offer, or whose answer was skipped."""

    @property
    def members(self) -> tuple[str, ...]:
        """Each member's name as first written, in order of first appearance."""

        seen: dict[str, str] = {}
        for answer in self.answers:
            seen.setdefault(answer.member.casefold(), answer.member)
        return tuple(seen.values())

    def unknown(self, known: Iterable[str]) -> list[Answer]:
        """The first answer of each member whose name is not among ``known``."""

        names = {name.casefold() for name in known}
        first: dict[str, Answer] = {}
        for answer in self.answers:
            if answer.member.casefold() not in names:
                first.setdefault(answer.member.casefold(), answer)
        return list(first.values())

    def passages(self, ids: Mapping[str, int]) -> list[Passage]:
        """Each answer as a passage of the member ``ids`` names (by name, any case).

        Answers of members ``ids`` does not name are left out (``unknown``
        says who they are). They were posted with their authors' names in a
        check-in thread, so they may be quoted.
        """

        by_name = {name.casefold(): ident for name, ident in ids.items()}
        return [
            Passage(
                by_name[answer.member.casefold()],
                answer.intent,
                answer.text,
                source="answer",
                quotable=True,
                ref=f"{self.source}:{answer.line}",
            )
            for answer in self.answers
            if answer.member.casefold() in by_name
        ]


def read_answers(path: Path) -> AnswersFile:
    """The answers in ``path``, or an ``AnswersFileError`` naming the file and line."""

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnswersFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AnswersFileError(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise AnswersFileError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as problem:
        raise AnswersFileError(f"{path}: cannot be read ({problem.strerror})") from None
    return parse_answers(text.splitlines(), str(path))


def parse_answers(lines: Iterable[str], source: str) -> AnswersFile:
    rows = csv.reader(lines)
    header = next(rows, None)
    wanted = f"{','.join(COLUMNS)} (and, if you like, {KIND})"
    if header is None:
        raise AnswersFileError(f"{source}: the file is empty; its first line must be {wanted}")
    names = [cell.strip().lower() for cell in header]
    if sorted(names) not in (sorted(COLUMNS), sorted((*COLUMNS, KIND))):
        raise AnswersFileError(f"{source}:1: the header must be {wanted}, not {','.join(header)}")
    where_is = {name: k for k, name in enumerate(names)}
    answers: list[Answer] = []
    neither = 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        found = _answer(row, where_is, source, rows.line_num)
        if found is None:
            neither += 1
        else:
            answers.append(found)
    return AnswersFile(source, tuple(answers), neither)


def _answer(row: list[str], where_is: Mapping[str, int], source: str, line: int) -> Answer | None:
    where = f"{source}:{line}"
    if len(row) != len(where_is):
        raise AnswersFileError(
            f"{where}: expected {len(where_is)} fields, found {len(row)}; "
            'quote a field that holds a comma, e.g. "We tried huddles, rotas and lists"'
        )

    def cell(name: str) -> str:
        return row[where_is[name]].strip() if name in where_is else ""

    member = cell("member")
    if not member:
        raise AnswersFileError(f"{where}: the member's name is empty")
    silos = tuple(_silo(item, where) for item in cell("silos").split(";") if item.strip())
    question, text = cell("question"), " ".join(cell("answer").split())
    intent = _intent(cell(KIND), question, where)
    if intent is None or text.casefold() in SKIPPED:
        return None
    return Answer(member, silos, question, text, intent, line)


def _silo(item: str, where: str) -> tuple[str, str]:
    kind, colon, name = (part.strip() for part in item.partition(":"))
    if not colon or not kind or not name:
        raise AnswersFileError(
            f"{where}: the silo {item.strip()!r} needs a kind; write kind:name, "
            "e.g. team:Radiotherapy or organisation:NHS Trust A"
        )
    return kind_key(kind), " ".join(name.split())


def _intent(kind: str, question: str, where: str) -> Intent | None:
    said = kind.casefold()
    if said == NEED:
        return NEED
    if said == OFFER:
        return OFFER
    if said in NEITHER:
        return None
    if said:
        raise AnswersFileError(
            f"{where}: the kind {kind!r} is not one I know; write need, offer or neither "
            "(or leave it empty to read it from the question)"
        )
    if not question:
        raise AnswersFileError(
            f"{where}: the question is empty; write it as it was asked, "
            "or say need or offer in the kind column"
        )
    return read_intent(question)
