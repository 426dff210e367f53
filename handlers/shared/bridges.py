"""What counts as a bridge between two silos, in one place for rounds, maps and reports.

A bridge is a pair of silos **of the same kind** (team and team, organisation
and organisation): that is the gap a convener sets out to close. Two silos of
different kinds (a team and the organisation it sits in) are a bridge only
when a programme's ``--mix`` names the pair of kinds on purpose, written
``team+profession``. Silos that share a member are never a bridge to build:
someone already stands in both.

A programme's ``mix_kinds`` is stored as it was set: kinds separated by
commas, empty for every kind, and crossings as ``kind+kind``
(``"organisation,team,team+profession"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

SiloPair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Mix:
    """The kinds a programme mixes (``None``: every kind) and the crossings it allows."""

    kinds: frozenset[str] | None = None
    crossings: frozenset[frozenset[str]] = frozenset()

    def bridges(self, kind_a: str, kind_b: str) -> bool:
        """Whether silos of these two kinds make a bridge under this mix."""

        if kind_a == kind_b:
            return self.kinds is None or kind_a in self.kinds
        return frozenset((kind_a, kind_b)) in self.crossings

    def stored(self) -> str:
        """The mix as ``Programme.mix_kinds`` keeps it."""

        parts = sorted(self.kinds or ())
        parts += sorted("+".join(sorted(pair)) for pair in self.crossings)
        return ",".join(parts)

    @property
    def crossing_kinds(self) -> frozenset[str]:
        return frozenset(kind for pair in self.crossings for kind in pair)


EVERY_KIND = Mix()


def read_mix(stored: str) -> Mix:
    """``Programme.mix_kinds`` as a ``Mix`` ("" is every kind)."""

    kinds: set[str] = set()
    crossings: set[frozenset[str]] = set()
    for part in (p.strip() for p in stored.split(",")):
        if not part:
            continue
        if "+" in part:
            a, _, b = part.partition("+")
            if a.strip() and b.strip() and a.strip() != b.strip():
                crossings.add(frozenset((a.strip(), b.strip())))
            elif a.strip():
                kinds.add(a.strip())
        else:
            kinds.add(part)
    if not kinds and not crossings:
        return EVERY_KIND
    return Mix(frozenset(kinds) if kinds else frozenset(), frozenset(crossings))


def ordered(a: int, b: int) -> SiloPair:
    return (a, b) if a < b else (b, a)


def shared_pairs(silos_of_members: Iterable[Iterable[int]]) -> frozenset[SiloPair]:
    """The pairs of silos some member stands in together: never a bridge to build."""

    found: set[SiloPair] = set()
    for silos in silos_of_members:
        mine = sorted(set(silos))
        found.update(combinations(mine, 2))
    return frozenset(found)


def is_bridge(
    a: int, b: int, kinds: Mapping[int, str], mix: Mix, shared: frozenset[SiloPair]
) -> bool:
    """Whether silos ``a`` and ``b`` are a bridge worth building."""

    if a == b or ordered(a, b) in shared:
        return False
    return mix.bridges(kinds.get(a, ""), kinds.get(b, ""))


def bridgeable_pairs(
    silo_ids: Iterable[int], kinds: Mapping[int, str], mix: Mix, shared: frozenset[SiloPair]
) -> frozenset[SiloPair]:
    """Every pair of these silos that is a bridge to build: the map's denominator."""

    ids = sorted(set(silo_ids))
    by_kind: dict[str, list[int]] = {}
    for silo in ids:
        by_kind.setdefault(kinds.get(silo, ""), []).append(silo)
    found: set[SiloPair] = set()
    for kind, members in by_kind.items():
        if mix.bridges(kind, kind):
            found.update(p for p in combinations(members, 2) if p not in shared)
    for pair in mix.crossings:
        left, right = sorted(pair)
        for a in by_kind.get(left, ()):
            for b in by_kind.get(right, ()):
                p = ordered(a, b)
                if p not in shared:
                    found.add(p)
    return frozenset(found)
