"""What one round of matching depends on: who takes part, the programme's rules, the past.

The names say what the engine sees, not the tables they are read from: a
``RoundMember`` is a member as far as this round is concerned (silos and
working day), ``RoundRules`` the settings of a programme that shape matching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SiloPair = tuple[int, int]
"""Two silo ids, smaller first."""

MemberGroup = tuple[int, ...]
"""The member ids of one group."""

UNMET_WEIGHT = 0.5
"""How much an introduction that has not (yet) led to a meeting connects two silos."""

DAY_MINUTES = 24 * 60
MAX_BLOCK = 4000
"""The most members one exact matching is asked to solve (its cost grows with the square)."""


@dataclass(frozen=True)
class WorkingHours:
    """A working day in local time, as minutes after midnight (it may wrap past midnight)."""

    start_minute: int = 9 * 60
    end_minute: int = 17 * 60

    def __post_init__(self) -> None:
        for value in (self.start_minute, self.end_minute):
            if not 0 <= value <= DAY_MINUTES:
                raise ValueError(f"working hours are minutes 0..{DAY_MINUTES}, not {value}")
        if self.start_minute % DAY_MINUTES == self.end_minute % DAY_MINUTES:
            raise ValueError("working hours must start and end at different times")

    @property
    def length(self) -> int:
        return (self.end_minute - self.start_minute) % DAY_MINUTES


@dataclass(frozen=True)
class Connection:
    """What introductions have done across one silo pair so far.

    ``introduced`` counts the groups that spanned the pair, ``met`` those of
    them where at least one member said they met. The engine favours pairs
    by ``weight``: a meeting counts 1 and an introduction not (yet) met
    counts ``UNMET_WEIGHT`` (0.5). A bridge is built only when people meet,
    so a pair introduced but never met is tried again, yet less eagerly than
    a pair never tried: its introduction may still turn into a meeting, and
    the same two silos should not take every round while others wait.
    """

    introduced: int = 0
    met: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.met <= self.introduced:
            raise ValueError(
                f"a pair met at most as often as it was introduced, not {self.met} of "
                f"{self.introduced}"
            )

    @property
    def weight(self) -> float:
        return self.met + UNMET_WEIGHT * (self.introduced - self.met)


@dataclass(frozen=True)
class RoundMember:
    """Someone taking part in this round: their silos and where their day falls."""

    id: int
    silos: frozenset[int]
    utc_offset_minutes: int = 0
    hours: WorkingHours = field(default_factory=WorkingHours)


@dataclass(frozen=True)
class RoundRules:
    """A programme's settings, as far as matching is concerned.

    ``group_size`` is 2, 3 or 4. A **bridge** is a pair of silos of the same
    kind among ``mix_kinds`` (``None``: every kind), or of two kinds named
    together in ``crossings`` (a programme's ``--mix team+profession``);
    silos that share a member are never one (``RoundInput.shared``). Only
    bridges earn the bridge bonus and are reported as bridges. Pairs who met within
    ``ban_rounds`` rounds are a hard ban; a meeting just after the ban costs
    ``recency_penalty`` points, halving with every further round.

    The rest shape the work on large programmes: up to ``full_graph_limit``
    members every pair is a candidate; above it each member keeps
    ``candidates`` best partners (at most ``per_silo`` from any one silo) and
    ``same_silo_fallbacks`` partners who share a silo with them; above
    ``block_size`` members are solved in blocks; ``diversity_passes`` bounds
    the re-matching of meetings that would only repeat a bridge made by
    another meeting of the same round.

    ``affinity_weight`` is the points a pair earns for a topic affinity of 1
    (``RoundInput.affinity``: one member's needs read against the other's
    offers); 0, the default, leaves affinity out of the score. A programme
    with ``--affinity on`` uses ``scoring.AFFINITY`` (the package docstring
    says why that much).
    """

    group_size: int = 2
    mix_kinds: frozenset[str] | None = None
    crossings: frozenset[frozenset[str]] = frozenset()
    ban_rounds: int = 4
    recency_penalty: int = 800
    candidates: int = 16
    per_silo: int = 2
    same_silo_fallbacks: int = 5
    full_graph_limit: int = 150
    block_size: int = 1000
    diversity_passes: int = 2
    affinity_weight: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.group_size not in (2, 3, 4):
            raise ValueError(f"group size must be 2, 3 or 4, not {self.group_size}")
        counts = (self.ban_rounds, self.recency_penalty, self.diversity_passes)
        if min(*counts, self.same_silo_fallbacks, self.affinity_weight) < 0:
            raise ValueError(
                "ban_rounds, recency_penalty, diversity_passes, fallbacks and affinity_weight "
                "cannot be negative"
            )
        if self.candidates < 1 or self.per_silo < 1:
            raise ValueError("candidates and per_silo must be at least 1")
        if not 2 <= self.full_graph_limit <= MAX_BLOCK or not 2 <= self.block_size <= MAX_BLOCK:
            raise ValueError(f"full_graph_limit and block_size must be 2..{MAX_BLOCK:,}")
        if any(len(crossing) != 2 for crossing in self.crossings):
            raise ValueError("a crossing is two different kinds of silo")

    def bridges(self, kind_a: str, kind_b: str) -> bool:
        """Whether two silos of these kinds make a bridge (whatever their members).

        The same rule as ``handlers.shared.bridges.Mix.bridges``, which this
        package may not import; a test holds the two together.
        """

        if kind_a == kind_b:
            return self.mix_kinds is None or kind_a in self.mix_kinds
        return frozenset((kind_a, kind_b)) in self.crossings

    def mixes(self, kind: str) -> bool:
        """Whether silos of this kind take part in any bridge (sharing one is then a cost)."""

        if self.mix_kinds is None or kind in self.mix_kinds:
            return True
        return any(kind in crossing for crossing in self.crossings)


@dataclass(frozen=True)
class RoundInput:
    """Everything one round of matching depends on.

    ``history`` holds the groups of past rounds, most recent round last.
    ``connections`` maps a silo pair (smaller id first) to what introductions
    have done across it so far (``Connection``). ``shared`` holds the silo
    pairs some member stands in together, read from everyone in the
    workspace, not only this round's members: never a bridge to build (the
    engine adds the pairs its own members share). ``exclusions`` are pairs
    never to be grouped. ``affinity`` maps a pair of member ids to how well
    one's needs and the other's offers read alike (0 to 1; pairs left out
    have none); it counts only when ``rules.affinity_weight`` is above 0, and
    never for two members who share a silo of a kind the programme mixes.
    """

    members: tuple[RoundMember, ...]
    silo_kinds: Mapping[int, str]
    rules: RoundRules = field(default_factory=RoundRules)
    exclusions: frozenset[tuple[int, int]] = frozenset()
    history: tuple[tuple[MemberGroup, ...], ...] = ()
    connections: Mapping[SiloPair, Connection] = field(default_factory=dict)
    shared: frozenset[SiloPair] = frozenset()
    affinity: Mapping[frozenset[int], float] = field(default_factory=dict)
