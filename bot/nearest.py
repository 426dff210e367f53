"""The word someone probably meant: for a mistyped command, subcommand, option or keyword.

Pure string work (``difflib``), so a refusal can say "Did you mean /convene?"
rather than only "I don't know /convenee". A few words people use for the
same thing (delete for remove, new for add, timezone for tz) count as near
too, since no spelling distance finds them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SIMILAR_ENOUGH = 0.75
"""difflib's ratio above which a typed word is taken for a known one: "ad" for "add"
(0.8), "chekin" for "checkin" (0.92), "convenee" for "convene" (0.93), but not "rename"
for "remove" (0.67)."""

SAME_MEANING = (
    frozenset({"remove", "delete", "del", "rm", "drop"}),
    frozenset({"add", "create", "new", "make"}),
    frozenset({"list", "ls"}),
    frozenset({"tz", "timezone", "time-zone", "zone"}),
    frozenset({"help", "?", "commands"}),
    frozenset({"start", "begin"}),
    frozenset({"pause", "stop", "hold"}),
    frozenset({"resume", "restart", "unpause", "continue"}),
)


def likeness(typed: str, known: str) -> float:
    """How near a typed word is to a known one, 0 to 1 (1: the same word)."""

    typed, known = typed.lower(), known.lower()
    if typed == known:
        return 1.0
    if any(typed in group and known in group for group in SAME_MEANING):
        return 0.9
    if len(typed) >= 4 and known.startswith(typed):
        return 0.85  # "mem" is too short to guess from; "memb" is not
    return difflib.SequenceMatcher(None, typed, known).ratio()


def nearest(typed: str, known: Iterable[str], cutoff: float = SIMILAR_ENOUGH) -> list[str]:
    """The known words near the typed one, nearest first."""

    scored = [(likeness(typed, word), word) for word in known]
    return [word for score, word in sorted(scored, key=lambda s: -s[0]) if score >= cutoff]


@dataclass(frozen=True, slots=True)
class Guess:
    """A command path someone probably meant, and how far what they typed was from it."""

    path: tuple[str, ...]
    used: int
    """How many typed words (the command word included) the path stands for."""
    distance: float

    @property
    def score(self) -> float:
        """Lower is likelier: near in spelling, and accounting for more of the words typed
        ("/convenee silo ad X" means /convene silo add more than /convene silos)."""

        return self.distance - WORD_WEIGHT * self.used


def guess_paths(
    typed: Sequence[str], paths: Iterable[tuple[str, ...]], roots: Iterable[str]
) -> list[Guess]:
    """The command paths nearest to the typed words (``convene``, ``silo``, ``ad``, …), best
    first: each word of the path near a typed word, in order or with two words swapped,
    or with the command word left out (``/silo add`` for ``/convene silo add``)."""

    roots = list(roots)
    guesses: list[Guess] = []
    for path in paths:
        best = _fit(typed, path)
        if best is None and typed and typed[0] not in roots and len(path) > 1:
            inserted = _fit((path[0], *typed), path)
            if inserted is not None:
                best = Guess(path, inserted.used - 1, inserted.distance + 0.5)
        if best is not None:
            guesses.append(best)
    guesses.sort(key=lambda g: (g.score, -len(g.path)))
    return guesses


WORD_WEIGHT = 0.15
"""How much a path gains for each typed word it accounts for, against spelling distance."""


def _fit(typed: Sequence[str], path: tuple[str, ...]) -> Guess | None:
    if len(typed) < len(path):
        return None
    head = [word.lower() for word in typed[: len(path)]]
    scores = [likeness(word, part) for word, part in zip(head, path, strict=True)]
    if all(score >= SIMILAR_ENOUGH for score in scores):
        return Guess(path, len(path), sum(1 - score for score in scores))
    if len(path) >= 3 and sorted(head[1:]) == sorted(path[1:]) and head[0] == path[0]:
        return Guess(path, len(path), 0.5)  # /convene add silo: the words swapped
    return None
