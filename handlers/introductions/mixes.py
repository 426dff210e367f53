"""How ``--mix`` is written and said back, for programmes in chat and ``convene simulate``.

``--mix`` takes kinds separated by commas (``team,organisation``: silos of
each kind are bridged among themselves) and crossings of two kinds joined
by ``+`` (``team+profession``: a team and a profession make a bridge too);
``all`` or nothing is every kind. The chat reads each word through the
workspace's kinds (``handlers/shared/kinds.py``), the simulation through the
kinds in its file; both split the text here, so one ``--mix`` means the same
in both, and both describe the result in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.shared.bridges import Mix
from handlers.shared.text import listed

EVERY = ("", "all", "every")
EXAMPLE = "--mix team,organisation,team+profession"


class MixWritingError(ValueError):
    """``--mix`` text that is not kinds and crossings; the message says what to type."""


@dataclass(frozen=True, slots=True)
class MixWords:
    """The words of a ``--mix``, as typed: kinds alone, and pairs of kinds to cross."""

    kinds: tuple[str, ...]
    crossings: tuple[tuple[str, str], ...]

    @property
    def every_word(self) -> tuple[str, ...]:
        words = [*self.kinds, *(word for pair in self.crossings for word in pair)]
        return tuple(dict.fromkeys(words))


def mix_words(value: str) -> MixWords | None:
    """The kinds and crossings in ``value``; ``None`` for every kind (``all`` or nothing)."""

    if value.strip().casefold() in EVERY:
        return None
    kinds: list[str] = []
    crossings: list[tuple[str, str]] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if "+" not in part:
            kinds.append(part)
            continue
        sides = [side.strip() for side in part.split("+")]
        if len(sides) != 2 or not all(sides):
            raise MixWritingError(
                f"{part!r} is not a crossing: a crossing is two kinds joined by +, "
                f"like team+profession (e.g. {EXAMPLE})."
            )
        crossings.append((sides[0], sides[1]))
    if not kinds and not crossings:
        return None
    return MixWords(tuple(kinds), tuple(crossings))


def crossing_itself(kind: str) -> MixWritingError:
    """The refusal of ``team+team``: one kind is bridged by naming it alone."""

    return MixWritingError(
        f"{kind}+{kind} crosses {kind} with itself; silos of one kind are bridged by "
        f"naming the kind alone, e.g. --mix {kind}."
    )


def mix_of(kinds: list[str], crossings: list[tuple[str, str]]) -> Mix:
    """The ``Mix`` of kinds and crossings already read (every kind when both are empty)."""

    if not kinds and not crossings:
        return Mix()
    for first, second in crossings:
        if first == second:
            raise crossing_itself(first)
    return Mix(frozenset(kinds), frozenset(frozenset(pair) for pair in crossings))


def mixing(mix: Mix) -> str:
    """The mix in words: "team and organisation, and team with profession"."""

    if mix.kinds is None and not mix.crossings:
        return "every kind of silo"
    alone = sorted(mix.kinds) if mix.kinds else []
    crossed = [_crossing(pair, mix) for pair in sorted(mix.crossings, key=sorted)]
    if mix.kinds is None:
        alone = ["every kind of silo"]
    if not crossed:
        return listed(alone)
    if not alone:
        return listed(crossed)
    return f"{listed(alone)}, and {listed(crossed)}"


def _crossing(pair: frozenset[str], mix: Mix) -> str:
    """``team with profession``: a kind the programme also mixes alone comes first."""

    first, second = sorted(pair)
    if mix.kinds and second in mix.kinds and first not in mix.kinds:
        first, second = second, first
    return f"{first} with {second}"
