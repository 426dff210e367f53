"""``match_round``: the engine's steps in order, from a round's input to its groups."""

from __future__ import annotations

import numpy as np

from handlers.introductions.matching.groups import build_groups
from handlers.introductions.matching.inputs import RoundInput, RoundMember
from handlers.introductions.matching.pairs import find_pairs
from handlers.introductions.matching.repairs import place_the_unplaced, repair_bans
from handlers.introductions.matching.results import RoundResult, describe_round
from handlers.introductions.matching.scoring import PairScorer


def match_round(round_input: RoundInput) -> RoundResult:
    """The groups for this round (see the package docstring for how and why).

    Members are put in an order drawn from the seed before anything else, so
    the order they are given in does not matter and the seed decides ties.
    """

    members = _ordered_members(round_input)
    if len(members) < 2:
        alone = tuple(member.id for member in members)
        return RoundResult((), alone, "fewer than two eligible members: no groups this round", 0)
    rules = round_input.rules
    rng = np.random.default_rng(rules.seed)
    members = [members[i] for i in rng.permutation(len(members))]
    scorer = PairScorer(members, round_input)
    pairs, singles = find_pairs(scorer, rules, rng)
    groups, unplaced = build_groups(scorer, rules, rng, pairs, singles)
    groups = repair_bans(scorer, groups)
    if unplaced:
        groups, unplaced = place_the_unplaced(scorer, groups, unplaced, rules.group_size + 1)
        groups = repair_bans(scorer, groups)
    return describe_round(scorer, members, round_input, groups, unplaced)


def _ordered_members(round_input: RoundInput) -> list[RoundMember]:
    ids = [member.id for member in round_input.members]
    if len(set(ids)) != len(ids):
        raise ValueError("each member may appear only once in a round")
    return sorted(round_input.members, key=lambda member: member.id)
