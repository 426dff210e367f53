"""The matching engine builds only true bridges, and favours the ones nobody has met across.

A bridge is a pair of silos of one kind among those a programme mixes, or of
two kinds it crosses on purpose (``--mix team+profession``); silos someone
stands in together are never one. The engine keeps its own copy of that rule
(it may not import ``handlers.shared.bridges``); the first property holds the
two together.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.introductions.matching import (
    Connection,
    PairScorer,
    RoundInput,
    RoundMember,
    RoundRules,
    bridge_bonus,
    match_round,
)
from handlers.shared.bridges import Mix, bridgeable_pairs, shared_pairs

RADIOTHERAPY, ONCOLOGY, WARDS, TRUST_A, TRUST_B, NURSING = 1, 2, 3, 4, 5, 6
KINDS = {
    RADIOTHERAPY: "team",
    ONCOLOGY: "team",
    WARDS: "team",
    TRUST_A: "organisation",
    TRUST_B: "organisation",
    NURSING: "profession",
}
PROPERTIES = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def member(ident: int, *silos: int) -> RoundMember:
    return RoundMember(ident, frozenset(silos))


def groups_of(spec: RoundInput) -> list[tuple[int, ...]]:
    return [group.members for group in match_round(spec).groups]


# -- the rule, in the engine and in handlers/shared ------------------------------------


mixes = st.sampled_from(
    [
        Mix(),
        Mix(frozenset({"team"})),
        Mix(frozenset({"team", "organisation"})),
        Mix(frozenset({"team"}), frozenset({frozenset({"team", "profession"})})),
        Mix(frozenset(), frozenset({frozenset({"organisation", "profession"})})),
    ]
)
silo_sets = st.frozensets(st.sampled_from(sorted(KINDS)), min_size=1, max_size=3)


@PROPERTIES
@given(st.lists(silo_sets, min_size=2, max_size=8), st.lists(silo_sets, max_size=3), mixes)
def test_the_engine_counts_as_bridges_exactly_the_pairs_the_shared_rule_does(
    in_round: list[frozenset[int]], elsewhere: list[frozenset[int]], mix: Mix
) -> None:
    """``elsewhere``: silos of members of the workspace who do not take part this round."""

    members = [RoundMember(i, silos) for i, silos in enumerate(in_round)]
    rules = RoundRules(mix_kinds=mix.kinds, crossings=mix.crossings)
    shared = shared_pairs([*in_round, *elsewhere])
    spec = RoundInput(tuple(members), KINDS, rules, shared=shared_pairs(elsewhere))
    scorer = PairScorer(members, spec)
    engine = {
        (a, b)
        for (i, a), (j, b) in itertools.combinations(enumerate(scorer.silo_ids), 2)
        if scorer.bridge_table[i, j]
    }
    assert engine == set(bridgeable_pairs(scorer.silo_ids, KINDS, mix, shared))


@PROPERTIES
@given(st.lists(silo_sets, min_size=2, max_size=9), mixes, st.integers(2, 4))
def test_no_group_is_told_of_a_bridge_between_kinds_not_crossed_or_silos_that_share_a_member(
    in_round: list[frozenset[int]], mix: Mix, size: int
) -> None:
    members = tuple(RoundMember(i, silos) for i, silos in enumerate(in_round))
    rules = RoundRules(group_size=size, mix_kinds=mix.kinds, crossings=mix.crossings)
    shared = shared_pairs(in_round)
    for group in match_round(RoundInput(members, KINDS, rules)).groups:
        named = [*group.new_bridges, *(known.silos for known in group.known_bridges)]
        for a, b in named:
            assert (a, b) not in shared
            assert mix.bridges(KINDS[a], KINDS[b])


# -- scenarios ---------------------------------------------------------------------------


def test_a_member_in_a_team_and_its_organisation_never_makes_a_bridge_of_the_two() -> None:
    """Alice is in Radiotherapy and Trust A; Bob in Oncology and Trust A.

    The only bridge their meeting builds is Radiotherapy and Oncology: not
    Radiotherapy and Trust A (Alice stands in both, and a team and an
    organisation are different kinds), nor Trust A and Oncology.
    """

    alice, bob = member(1, RADIOTHERAPY, TRUST_A), member(2, ONCOLOGY, TRUST_A)
    (group,) = match_round(RoundInput((alice, bob), KINDS)).groups
    assert group.new_bridges == ((RADIOTHERAPY, ONCOLOGY),)
    assert group.known_bridges == ()


def test_two_teams_with_a_common_member_are_not_a_bridge_even_when_that_member_sits_out() -> None:
    """Someone outside the round stands in Radiotherapy and Oncology, and Wards and Trust A
    are of other kinds: Alice and Bob would build nothing."""

    alice, bob = member(1, RADIOTHERAPY), member(2, ONCOLOGY)
    spec = RoundInput((alice, bob), KINDS, shared=frozenset({(RADIOTHERAPY, ONCOLOGY)}))
    (group,) = match_round(spec).groups
    assert group.new_bridges == ()
    without = match_round(RoundInput((alice, bob), KINDS)).groups[0]
    assert without.new_bridges == ((RADIOTHERAPY, ONCOLOGY),)


def test_the_engine_pairs_people_across_the_teams_that_do_not_share_anyone() -> None:
    """Radiotherapy and Oncology share a member, Wards and Trust B's team too: the round
    pairs across the other teams, where a meeting builds something."""

    wards_b = 7
    kinds = {**KINDS, wards_b: "team"}
    people = (member(1, RADIOTHERAPY), member(2, ONCOLOGY), member(3, WARDS), member(4, wards_b))
    shared = frozenset({(RADIOTHERAPY, ONCOLOGY), (WARDS, wards_b)})
    for seed in range(5):
        spec = RoundInput(people, kinds, RoundRules(seed=seed), shared=shared)
        assert sorted(groups_of(spec)) != [(1, 2), (3, 4)]
        assert all(len(g.new_bridges) == 1 for g in match_round(spec).groups)


def test_a_team_and_a_profession_are_a_bridge_only_when_the_programme_crosses_them() -> None:
    alice, bob = member(1, RADIOTHERAPY), member(2, NURSING)
    teams = RoundRules(mix_kinds=frozenset({"team"}))
    crossed = RoundRules(
        mix_kinds=frozenset({"team"}), crossings=frozenset({frozenset({"team", "profession"})})
    )
    assert match_round(RoundInput((alice, bob), KINDS, teams)).groups[0].new_bridges == ()
    (group,) = match_round(RoundInput((alice, bob), KINDS, crossed)).groups
    assert group.new_bridges == ((RADIOTHERAPY, NURSING),)


def test_a_pair_introduced_but_never_met_is_tried_again_before_one_that_met() -> None:
    """Four teams of one member each. Radiotherapy-Oncology and Wards-Cardiology were
    introduced and nobody met; Radiotherapy-Wards and Oncology-Cardiology met once; the
    other two pairs met twice. The unmet pairs come first, and are still new bridges."""

    cardiology = 7
    kinds = {**KINDS, cardiology: "team"}
    people = tuple(member(silo, silo) for silo in (RADIOTHERAPY, ONCOLOGY, WARDS, cardiology))
    connections = {
        (RADIOTHERAPY, ONCOLOGY): Connection(1, 0),
        (WARDS, cardiology): Connection(1, 0),
        (RADIOTHERAPY, WARDS): Connection(1, 1),
        (ONCOLOGY, cardiology): Connection(1, 1),
        (RADIOTHERAPY, cardiology): Connection(2, 2),
        (ONCOLOGY, WARDS): Connection(2, 2),
    }
    result = match_round(RoundInput(people, kinds, connections=connections))
    assert sorted(g.members for g in result.groups) == [(1, 2), (3, 7)]
    assert [g.new_bridges for g in result.groups] == [((1, 2),), ((3, 7),)]


def test_a_pair_never_introduced_comes_before_one_introduced_and_not_met() -> None:
    cardiology = 7
    kinds = {**KINDS, cardiology: "team"}
    people = tuple(member(silo, silo) for silo in (RADIOTHERAPY, ONCOLOGY, WARDS, cardiology))
    # Every pair was introduced without a meeting but Radiotherapy-Cardiology and Oncology-Wards.
    tried = {pair: Connection(1, 0) for pair in [(1, 2), (3, 7), (1, 3), (2, 7)]}
    result = match_round(RoundInput(people, kinds, connections=tried))
    assert sorted(g.members for g in result.groups) == [(1, 7), (2, 3)]
    assert bridge_bonus([Connection(0, 0).weight, Connection(1, 0).weight]).tolist() == [600, 267]
    assert bridge_bonus([Connection(1, 1).weight, Connection(2, 0).weight]).tolist() == [150, 150]


def test_a_pair_cannot_have_met_more_often_than_it_was_introduced() -> None:
    with pytest.raises(ValueError, match="met at most as often as it was introduced"):
        Connection(1, 2)
