"""``convene opportunities --answers FILE.csv``: the suggestions a file of answers would make.

A convener (or whoever evaluates the matcher) tries it on answers they
already have, before a workspace exists: the answers file ``convene simulate
--answers`` reads too, read by the one reader both use
(``handlers/shared/answers_file.py``: ``member,silos,question,answer`` and,
optionally, ``kind``). A question's kind is the ``kind`` column when given,
else read from its wording as the templates ask it: "What are you stuck on?"
is a need, "What did you learn this week?" an offer; answers to anything
else are left out and counted.

The suggestions are the chat's own: ``handlers.shared.topics.match`` with
its threshold and per-member spread, and the chat's rule that two members
sharing a silo are never suggested (of the kinds ``--apart`` names, or of
any kind), each with the bridge its meeting would build. Pure: no database,
no platform; every problem with the file or an option is one
``AnswersError`` naming the file and line (or the option) and what to write instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from handlers.shared import answers_file
from handlers.shared.answers_file import DEFAULT_KIND, AnswersFile, AnswersFileError
from handlers.shared.bridges import shared_pairs
from handlers.shared.intents import NEED, OFFER
from handlers.shared.kinds import kind_in_file
from handlers.shared.passages import PairRules
from handlers.shared.text import listed
from handlers.shared.topics import Match, Passage, match, snippet

DEFAULT_LIMIT: Final = 10
SNIPPET: Final = 120


class AnswersError(ValueError):
    """A problem with the answers file or an option, worded for the person who typed it."""


@dataclass(frozen=True, slots=True)
class Numbered:
    """An answers file numbered as the matcher takes it: each member by their place in the
    file, each silo by its first mention."""

    file: AnswersFile
    silos: dict[int, frozenset[int]]
    """Each member's silos."""
    silo_names: dict[int, tuple[str, str]]
    """Each silo's (kind, name)."""
    passages: tuple[Passage, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Each member's name as first written; a member's id is their place here."""

        return tuple(member.name for member in self.file.members)

    @property
    def answers(self) -> int:
        """Rows with an answer (skipped answers left out)."""

        return self.file.answered

    @property
    def left_out(self) -> int:
        """Answers to questions that are neither a need nor an offer."""

        return self.file.neither

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
    file: Numbered
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


def read_answers(path: Path) -> Numbered:
    """The answers in ``path`` (``handlers/shared/answers_file.py``), numbered; or an
    ``AnswersError`` naming the file and line."""

    try:
        return numbered(answers_file.read_answers(path))
    except AnswersFileError as problem:
        raise AnswersError(str(problem)) from None


def numbered(file: AnswersFile) -> Numbered:
    """``file`` as the matcher takes it: members and silos by number."""

    silo_ids = {silo: index for index, silo in enumerate(file.silos)}
    return Numbered(
        file=file,
        silos={
            index: frozenset(silo_ids[silo] for silo in member.silos)
            for index, member in enumerate(file.members)
        },
        silo_names=dict(enumerate(file.silos)),
        passages=tuple(
            file.passages({member.name: index for index, member in enumerate(file.members)})
        ),
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


def read_apart(value: str | None, file: Numbered) -> frozenset[str] | None:
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


def _file_kind(word: str, file: Numbered) -> str:
    return kind_in_file(word, file.kinds, "--apart", AnswersError)


# -- suggesting ------------------------------------------------------------------------------


def rules_of(file: Numbered, apart: frozenset[str] | None) -> PairRules:
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
    file: Numbered, *, apart: frozenset[str] | None = None, limit: int = DEFAULT_LIMIT
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


def _suggestion(rank: int, found: Match, file: Numbered, rules: PairRules) -> Suggestion:
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


def _side(file: Numbered, member: int, text: str) -> Side:
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
