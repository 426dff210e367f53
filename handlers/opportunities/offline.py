"""``convene opportunities --answers FILE.csv``: the suggestions a file of answers would make.

A convener (or whoever evaluates the matcher) tries it on answers they
already have, before a workspace exists: a CSV with the header
``member,silos,question,answer`` and, optionally, a fifth column ``kind``
(``need``, ``offer`` or ``neither``). Silos are written as ``convene
simulate --org`` writes them (``team:Oncology;organisation:NHS Trust A``); a
name without a kind is a team. A member's rows may repeat their silos or
leave them blank after the first. A question's kind is the ``kind`` column
when given, else read from its wording as the templates ask it
(``handlers.shared.intents.read_intent``): "What are you stuck on?" is a
need, "What did you learn this week?" an offer; answers to anything else
are left out and counted.

The suggestions are the chat's own: ``handlers.shared.topics.match`` with
its threshold and per-member spread, and the chat's rule that two members
sharing a silo are never suggested (of the kinds ``--apart`` names, or of
any kind), each with the bridge its meeting would build. Pure: no database,
no platform; every problem with the file or an option is one
``AnswersError`` naming the file and line and what to write instead.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from handlers.shared.bridges import shared_pairs
from handlers.shared.intents import NEED, OFFER, Intent, read_intent
from handlers.shared.kinds import kind_key
from handlers.shared.passages import SKIPPED_ANSWERS, PairRules
from handlers.shared.text import listed
from handlers.shared.topics import Match, Passage, match, snippet

HEADER: Final = ("member", "silos", "question", "answer")
KIND_COLUMN: Final = "kind"
KINDS: Final[dict[str, Intent | None]] = {"need": NEED, "offer": OFFER, "neither": None}
DEFAULT_KIND: Final = "team"
DEFAULT_LIMIT: Final = 10
SNIPPET: Final = 120


class AnswersError(ValueError):
    """A problem with the answers file or an option, worded for the person who typed it."""


@dataclass(frozen=True, slots=True)
class AnswersFile:
    """Who wrote what, in which silos, read from one file."""

    source: str
    names: tuple[str, ...]
    """Each member's name as first written; a member's id is their place here."""
    silos: dict[int, frozenset[int]]
    silo_names: dict[int, tuple[str, str]]
    """Each silo's (kind, name)."""
    passages: tuple[Passage, ...]
    answers: int
    """Rows with an answer (blank and "skip" answers left out)."""
    left_out: int
    """Answers to questions that are neither a need nor an offer."""

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(kind for kind, _name in self.silo_names.values()))


@dataclass(frozen=True, slots=True)
class Side:
    member: str
    silos: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    rank: int
    score: float
    need: Side
    offer: Side
    bridge: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Report:
    file: AnswersFile
    apart: frozenset[str] | None
    suggestions: tuple[Suggestion, ...]
    limit: int

    @property
    def needs(self) -> int:
        return sum(1 for p in self.file.passages if p.intent == NEED)

    @property
    def offers(self) -> int:
        return sum(1 for p in self.file.passages if p.intent == OFFER)


# -- reading ---------------------------------------------------------------------------------


def read_answers(path: Path) -> AnswersFile:
    """The answers in ``path``, or an ``AnswersError`` naming the file and line."""

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnswersError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AnswersError(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise AnswersError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as problem:
        raise AnswersError(f"{path}: cannot be read ({problem.strerror})") from None
    return parse_answers(text.splitlines(), str(path))


def parse_answers(lines: Iterable[str], source: str) -> AnswersFile:
    rows = csv.reader(lines)
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header):
        raise AnswersError(f"{source}: the file is empty; its first line must be {_header()}")
    columns = tuple(cell.strip().lower() for cell in header)
    if columns not in (HEADER, (*HEADER, KIND_COLUMN)):
        raise AnswersError(
            f"{source}:1: the header must be {_header()} (and, if you like, {KIND_COLUMN} "
            f"last), not {','.join(header)}"
        )
    reader = _Reader(source, len(columns))
    for row in rows:
        reader.row(row, rows.line_num)
    if not reader.seen_rows:
        raise AnswersError(
            f"{source}: there are no answers below the header; add one row per answer, "
            "e.g. Aisha,team:Oncology,What are you stuck on?,Discharge delays"
        )
    return reader.result()


def _header() -> str:
    return ",".join(HEADER)


class _Reader:
    """Rows read one by one into members, silos and passages."""

    def __init__(self, source: str, width: int) -> None:
        self.source = source
        self.width = width
        self.members: dict[str, int] = {}
        self.names: list[str] = []
        self.silos: dict[int, set[int]] = {}
        self.silo_ids: dict[tuple[str, str], int] = {}
        self.passages: list[Passage] = []
        self.answers = 0
        self.left_out = 0
        self.seen_rows = 0

    def row(self, row: list[str], line: int) -> None:
        where = f"{self.source}:{line}"
        if not any(cell.strip() for cell in row):
            return
        self.seen_rows += 1
        if len(row) != self.width:
            raise AnswersError(
                f"{where}: expected {self.width} fields ({','.join(self._columns())}), found "
                f'{len(row)}; quote a field that holds a comma, e.g. "Busy, but fine"'
            )
        name, silo_field, question, answer = (cell.strip() for cell in row[:4])
        kind = row[4].strip() if self.width > 4 else ""
        if not name:
            raise AnswersError(f"{where}: the member's name is empty")
        member = self._member(name)
        self.silos[member].update(self._silo(item, where) for item in silo_field.split(";"))
        self.silos[member].discard(-1)
        intent = self._intent(kind, question, where)
        if answer.casefold() in SKIPPED_ANSWERS:
            return
        self.answers += 1
        if intent is None:
            self.left_out += 1
            return
        self.passages.append(Passage(member, intent, answer, ref=f"line:{line}"))

    def _columns(self) -> tuple[str, ...]:
        return HEADER if self.width == len(HEADER) else (*HEADER, KIND_COLUMN)

    def _member(self, name: str) -> int:
        key = " ".join(name.split()).casefold()
        if key not in self.members:
            self.members[key] = len(self.names)
            self.names.append(" ".join(name.split()))
            self.silos[self.members[key]] = set()
        return self.members[key]

    def _silo(self, item: str, where: str) -> int:
        if not item.strip():
            return -1
        kind, colon, name = (part.strip() for part in item.partition(":"))
        if not colon:
            kind, name = DEFAULT_KIND, kind
        if not kind or not name:
            raise AnswersError(
                f"{where}: the silo {item.strip()!r} needs a name; write kind:name or a name, "
                "e.g. team:Radiotherapy or Radiotherapy"
            )
        key = (kind_key(kind), " ".join(name.split()))
        return self.silo_ids.setdefault(key, len(self.silo_ids))

    def _intent(self, kind: str, question: str, where: str) -> Intent | None:
        if kind:
            if kind.casefold() not in KINDS:
                raise AnswersError(
                    f"{where}: the kind must be need, offer or neither (or blank, to read it "
                    f"from the question), not {kind!r}"
                )
            return KINDS[kind.casefold()]
        if not question:
            raise AnswersError(
                f"{where}: the question is empty; write it as it was asked (e.g. What are you "
                "stuck on?) or give the row a kind: need, offer or neither"
            )
        return read_intent(question)

    def result(self) -> AnswersFile:
        return AnswersFile(
            source=self.source,
            names=tuple(self.names),
            silos={member: frozenset(silos) for member, silos in self.silos.items()},
            silo_names={index: key for key, index in self.silo_ids.items()},
            passages=tuple(self.passages),
            answers=self.answers,
            left_out=self.left_out,
        )


# -- the options -----------------------------------------------------------------------------


def read_limit(value: str | int) -> int:
    """``--limit``: how many suggestions to print, a whole number from 1."""

    try:
        limit = int(str(value).strip())
    except ValueError:
        limit = 0
    if limit < 1:
        raise AnswersError(
            f"--limit takes how many suggestions to print, a whole number from 1, not "
            f"{value!r}; e.g. --limit {DEFAULT_LIMIT}"
        )
    return limit


def read_apart(value: str | None, file: AnswersFile) -> frozenset[str] | None:
    """``--apart``: the kinds of silo two suggested members must not share (None: any kind)."""

    if value is None:
        return None
    words = [word.strip() for word in value.split(",") if word.strip()]
    if not words:
        raise AnswersError(
            f"--apart takes kinds of silo separated by commas, e.g. --apart "
            f"{','.join(file.kinds[:2]) or DEFAULT_KIND}"
        )
    return frozenset(_file_kind(word, file) for word in words)


def _file_kind(word: str, file: AnswersFile) -> str:
    kinds = file.kinds
    found = kind_key(word)
    if found in kinds:
        return found
    close = difflib.get_close_matches(found, kinds, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    known = listed(kinds) if kinds else "none"
    example = f"; e.g. --apart {','.join(kinds[:2])}" if kinds else ""
    raise AnswersError(
        f"--apart: no silo in the file is of kind {word!r}{hint}; its kinds are {known}{example}"
    )


# -- suggesting ------------------------------------------------------------------------------


def rules_of(file: AnswersFile, apart: frozenset[str] | None) -> PairRules:
    """The chat's pair rules for the file: nobody introduced yet, nobody opted out."""

    return PairRules(
        silos=file.silos,
        kinds={silo: kind for silo, (kind, _name) in file.silo_names.items()},
        apart=apart,
        introduced=frozenset(),
        avoided=frozenset(),
        held=frozenset(),
        opted_out=frozenset(),
        shared=shared_pairs(file.silos.values()),
    )


def suggest(
    file: AnswersFile, *, apart: frozenset[str] | None = None, limit: int = DEFAULT_LIMIT
) -> Report:
    """The best ``limit`` suggestions the file's answers make, as the chat would make them."""

    rules = rules_of(file, apart)
    found = match(file.passages, allowed=rules.allowed, limit=limit)
    return Report(
        file=file,
        apart=apart,
        suggestions=tuple(_suggestion(rank, one, file, rules) for rank, one in enumerate(found, 1)),
        limit=limit,
    )


def _suggestion(rank: int, found: Match, file: AnswersFile, rules: PairRules) -> Suggestion:
    need, offer = found.need.member_id, found.offer.member_id
    bridge = rules.bridge(need, offer)
    names = file.silo_names
    if bridge is not None and bridge[0] not in file.silos[need]:
        bridge = (bridge[1], bridge[0])
    return Suggestion(
        rank=rank,
        score=round(found.score, 3),
        need=_side(file, need, found.need.text),
        offer=_side(file, offer, found.offer.text),
        bridge=(names[bridge[0]][1], names[bridge[1]][1]) if bridge is not None else None,
    )


def _side(file: AnswersFile, member: int, text: str) -> Side:
    silos = sorted(file.silos[member], key=lambda s: (file.silo_names[s][0] != DEFAULT_KIND, s))
    return Side(
        member=file.names[member],
        silos=tuple(f"{file.silo_names[s][0]}:{file.silo_names[s][1]}" for s in silos),
        text=text,
    )


# -- showing ---------------------------------------------------------------------------------


def format_report(report: Report) -> str:
    """The suggestions as a convener reads them: who needs, who offers, the bridge."""

    file = report.file
    lines = [_summary(report)]
    if file.left_out:
        answers, were = ("answer", "was") if file.left_out == 1 else ("answers", "were")
        lines.append(
            f"{file.left_out} {answers} to questions that are neither a need nor an offer "
            f"{were} left out (give those rows a kind column to count them)."
        )
    if not report.suggestions:
        lines.append(_why_none(report))
        return "\n".join(lines)
    lines.append("")
    width = len(str(len(report.suggestions)))
    for one in report.suggestions:
        lead = f"{one.rank:>{width}}. {one.score:.2f}  "
        pad = " " * len(lead)
        lines.append(f'{lead}need   {_who(one.need)}: "{snippet(one.need.text, SNIPPET)}"')
        lines.append(f'{pad}offer  {_who(one.offer)}: "{snippet(one.offer.text, SNIPPET)}"')
        bridge = (
            f"{one.bridge[0]} – {one.bridge[1]}"
            if one.bridge
            else "none (no two silos of one kind)"
        )
        lines.append(f"{pad}bridge {bridge}")
    return "\n".join(lines)


def _summary(report: Report) -> str:
    file = report.file
    rule = (
        "never two members who share a silo"
        if report.apart is None
        else f"never two members in the same {listed(sorted(report.apart), 'or')}"
    )
    count = len(report.suggestions)
    shown = f"the best {count}" if count == report.limit else str(count)
    noun = "suggestion" if count == 1 else "suggestions"
    return (
        f"{shown.capitalize()} {noun} from {file.answers} answers of {len(file.names)} members "
        f"({report.needs} needs, {report.offers} offers); {rule}."
    )


def _why_none(report: Report) -> str:
    if not report.needs or not report.offers:
        missing = "need" if not report.needs else "offer"
        return (
            f"No suggestions: the file holds no {missing}. Give questions their kind in a "
            "kind column, or ask them as the templates do (What are you stuck on? What did "
            "you learn this week?)."
        )
    return (
        "No suggestions: no need reads enough like another member's offer, or the members "
        "whose answers match share a silo."
    )


def _who(side: Side) -> str:
    names = [silo.partition(":")[2] for silo in side.silos]
    return f"{side.member} ({', '.join(names)})" if names else side.member


def report_json(report: Report) -> dict[str, Any]:
    """The report as one JSON object: counts, the rule, and each suggestion in full."""

    file = report.file
    return {
        "answers": file.answers,
        "members": len(file.names),
        "needs": report.needs,
        "offers": report.offers,
        "left_out": file.left_out,
        "apart": sorted(report.apart) if report.apart is not None else None,
        "suggestions": [
            {
                "rank": one.rank,
                "score": one.score,
                "need": _side_json(one.need),
                "offer": _side_json(one.offer),
                "bridge": list(one.bridge) if one.bridge else None,
            }
            for one in report.suggestions
        ],
    }


def _side_json(side: Side) -> dict[str, Any]:
    return {"member": side.member, "silos": list(side.silos), "text": side.text}
