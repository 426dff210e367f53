"""What a round of matching gives back: the groups, and for each the reasons it was made.

The engine works on member indices in seeded order; ``describe_round`` turns
its groups back into member ids, sorted, with the bridges each group makes,
the meetings it repeats and the working minutes its members share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.introductions.matching.inputs import MemberGroup, RoundInput, RoundMember, SiloPair
from handlers.introductions.matching.scoring import PairScorer, group_score, pairs_in


@dataclass(frozen=True)
class KnownBridge:
    """A silo pair the group connects that was already connected before."""

    silos: SiloPair
    connections_before: int


@dataclass(frozen=True)
class PastMeeting:
    """Two members of the group who met before, and how many rounds ago."""

    members: tuple[int, int]
    rounds_ago: int


@dataclass(frozen=True)
class Group:
    """One group and why it was made."""

    members: MemberGroup
    new_bridges: tuple[SiloPair, ...]
    known_bridges: tuple[KnownBridge, ...]
    met_before: tuple[PastMeeting, ...]
    shared_minutes: int
    score: int


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
    bridged = sorted(
        {
            (min(s, t), max(s, t))
            for a, b in pairs_in(group)
            for s in members[a].silos
            for t in members[b].silos
            if s != t
        }
    )
    before = round_input.connections
    return Group(
        members=ids,
        new_bridges=tuple(pair for pair in bridged if before.get(pair, 0) == 0),
        known_bridges=tuple(
            KnownBridge(pair, before[pair]) for pair in bridged if before.get(pair, 0) > 0
        ),
        met_before=_met_before(scorer, members, group),
        shared_minutes=scorer.shared_minutes_of(group),
        score=group_score(scorer, group),
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
