"""What a round of matching gives back: the groups, and for each the reasons it was made.

The engine works on member indices in seeded order; ``describe_round`` turns
its groups back into member ids, sorted, with the bridges each group spans
(only bridges: ``RoundRules.bridges``, never silos sharing a member), the
meetings it repeats and the working minutes its members share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.introductions.matching.inputs import MemberGroup, RoundInput, RoundMember, SiloPair
from handlers.introductions.matching.scoring import PairScorer, group_score, pairs_in


@dataclass(frozen=True)
class KnownBridge:
    """A bridge the group spans across which people have met before."""

    silos: SiloPair
    meetings_before: int
    """Groups across the pair that met."""
    introductions_before: int
    """Groups introduced across the pair, met or not."""


@dataclass(frozen=True)
class PastMeeting:
    """Two members of the group who met before, and how many rounds ago."""

    members: tuple[int, int]
    rounds_ago: int


@dataclass(frozen=True)
class Group:
    """One group and why it was made.

    ``new_bridges`` are the bridges it spans that nobody has met across yet
    (never introduced, or introduced without a meeting): a meeting of this
    group would build them. ``known_bridges`` are the ones it spans that were
    built before. ``affinity`` is the best topic affinity between two of its
    members (0 when none, or when the round was given none), and
    ``affinity_pair`` those two, so an introduction can say what they wrote.
    """

    members: MemberGroup
    new_bridges: tuple[SiloPair, ...]
    known_bridges: tuple[KnownBridge, ...]
    met_before: tuple[PastMeeting, ...]
    shared_minutes: int
    score: int
    affinity: float = 0.0
    affinity_pair: tuple[int, int] | None = None


@dataclass(frozen=True)
class RoundResult:
    """The groups of one round.

    ``unplaced`` is empty unless there is nobody to meet (a lone member) or
    hard exclusions leave someone no group they could join; ``note`` says which.
    """

    groups: tuple[Group, ...]
    unplaced: tuple[int, ...]
    note: str
    weight: int


def describe_round(
    scorer: PairScorer,
    members: Sequence[RoundMember],
    round_input: RoundInput,
    groups: list[list[int]],
    unplaced: list[int],
) -> RoundResult:
    """The result for groups and unplaced members given by index into ``members``."""

    described = sorted(
        (_describe(scorer, members, round_input, group) for group in groups),
        key=lambda group: group.members,
    )
    left_out = tuple(sorted(members[i].id for i in unplaced))
    note = f"{len(described)} group{'' if len(described) == 1 else 's'}"
    if left_out:
        note += (
            f"; {len(left_out)} could not be placed without grouping people who avoid each other"
        )
    weight = sum(group.score for group in described)
    return RoundResult(tuple(described), left_out, note, weight)


def _describe(
    scorer: PairScorer, members: Sequence[RoundMember], round_input: RoundInput, group: list[int]
) -> Group:
    ids = tuple(sorted(members[i].id for i in group))
    bridged = sorted({pair for a, b in pairs_in(group) for pair in scorer.bridges_between(a, b)})
    before = round_input.connections
    built = [pair for pair in bridged if pair in before and before[pair].met > 0]
    affinity, closest = max(
        ((scorer.affinity(a, b), (a, b)) for a, b in pairs_in(group)), default=(0.0, None)
    )
    return Group(
        members=ids,
        new_bridges=tuple(pair for pair in bridged if pair not in built),
        known_bridges=tuple(
            KnownBridge(pair, before[pair].met, before[pair].introduced) for pair in built
        ),
        met_before=_met_before(scorer, members, group),
        shared_minutes=scorer.shared_minutes_of(group),
        score=group_score(scorer, group),
        affinity=affinity,
        affinity_pair=None
        if closest is None or affinity <= 0.0
        else (min(members[i].id for i in closest), max(members[i].id for i in closest)),
    )


def _met_before(
    scorer: PairScorer, members: Sequence[RoundMember], group: list[int]
) -> tuple[PastMeeting, ...]:
    meetings = []
    for a, b in pairs_in(group):
        back = scorer.rounds_since_met(a, b)
        if back is not None:
            first, second = sorted((members[a].id, members[b].id))
            meetings.append(PastMeeting((first, second), back))
    return tuple(sorted(meetings, key=lambda m: m.members))
