"""Topic affinity in the matching engine: one more weight, off unless a programme turns it on.

Off (``affinity_weight`` 0, the default) the groups are exactly those the engine
makes without it, whatever affinity it is given. On, two members whose need and
offer read alike are grouped when nothing else tells their meetings apart; yet
affinity never outweighs a bridge nobody has built, never puts colleagues
together, and never touches the hard rules (avoidances, the hard ban).
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.introductions.matching import (
    AFFINITY,
    Connection,
    RoundInput,
    RoundMember,
    RoundResult,
    RoundRules,
    match_round,
)
from handlers.shared.topics import Passage, affinity
from tests.unit.test_matching_engine import (
    PROPERTIES,
    banned_count,
    excluded,
    groups_of,
    pairs_in,
    perfect_matchings,
    round_inputs,
)

TEAMS = {silo: "team" for silo in range(1, 7)}


def member(ident: int, *silos: int) -> RoundMember:
    return RoundMember(ident, frozenset(silos))


def on(spec: RoundInput, weight: int = AFFINITY) -> RoundInput:
    return dataclasses.replace(spec, rules=dataclasses.replace(spec.rules, affinity_weight=weight))


@st.composite
def with_affinity(draw: st.DrawFn, spec: RoundInput) -> RoundInput:
    """The same round, given an affinity for some pairs of its members (and of strangers)."""

    ids = [m.id for m in spec.members] + [90]
    pairs = [frozenset(p) for p in itertools.combinations(ids, 2)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=8, unique=True)) if pairs else []
    values = st.floats(0.0, 1.0, allow_nan=False)
    return dataclasses.replace(spec, affinity={pair: draw(values) for pair in chosen})


@st.composite
def rounds_with_affinity(
    draw: st.DrawFn,
    sizes: tuple[int, ...] = (2, 3, 4),
    most: int = 13,
    with_exclusions: bool = True,
    full_graph: bool = False,
) -> RoundInput:
    spec = draw(round_inputs(sizes, most, with_exclusions, full_graph))
    return draw(with_affinity(spec))


# -- properties ----------------------------------------------------------------


@PROPERTIES
@given(rounds_with_affinity())
def test_with_affinity_off_the_groups_are_those_made_without_it(spec: RoundInput) -> None:
    """The default weight, 0: whatever affinity the round is given, nothing changes."""

    without = dataclasses.replace(spec, affinity={})
    assert spec.rules.affinity_weight == 0
    assert groups_of(match_round(spec)) == groups_of(match_round(without))
    assert [g.score for g in match_round(spec).groups] == [
        g.score for g in match_round(without).groups
    ]


@PROPERTIES
@given(round_inputs())
def test_turning_affinity_on_with_nothing_written_changes_nothing(spec: RoundInput) -> None:
    assert match_round(on(spec)) == match_round(spec)


@PROPERTIES
@given(rounds_with_affinity())
def test_with_affinity_on_nobody_is_grouped_with_someone_they_avoid(spec: RoundInput) -> None:
    result = match_round(on(spec))
    for group in groups_of(result):
        assert not any(excluded(spec, a, b) for a, b in pairs_in(group))
    placed = [m for group in groups_of(result) for m in group]
    assert sorted(placed + list(result.unplaced)) == sorted(m.id for m in spec.members)


@PROPERTIES
@given(rounds_with_affinity(sizes=(2,), most=8, with_exclusions=False, full_graph=True))
def test_with_affinity_on_pairs_inside_the_hard_ban_only_when_every_pairing_needs_them(
    spec: RoundInput,
) -> None:
    ids = [m.id for m in spec.members]
    if len(ids) % 2:
        return
    fewest = min((banned_count(spec, p) for p in perfect_matchings(ids)), default=0)
    assert banned_count(spec, groups_of(match_round(on(spec)))) == fewest


@PROPERTIES
@given(rounds_with_affinity())
def test_a_group_reports_the_best_affinity_between_two_of_its_members(spec: RoundInput) -> None:
    """Whether or not the score counts it, so a round with it off can be compared."""

    for group in match_round(spec).groups:
        if group.affinity_pair is None:
            assert group.affinity == 0.0
            continue
        assert set(group.affinity_pair) <= set(group.members)
        assert group.affinity == spec.affinity[frozenset(group.affinity_pair)] > 0


# -- scenarios -----------------------------------------------------------------


FOUR_TEAMS = tuple(member(i, i) for i in (1, 2, 3, 4))
"""Four people in four teams, one time zone, nothing met: every pairing is as good."""


SPARSE = {"full_graph_limit": 2, "candidates": 1, "same_silo_fallbacks": 0}
"""Rules that make even four members go through the sparse candidate graph."""


@pytest.mark.parametrize("graph", [{}, SPARSE], ids=["complete graph", "sparse graph"])
@pytest.mark.parametrize("seed", range(6))
def test_two_members_whose_need_and_offer_match_are_grouped_when_otherwise_equal(
    seed: int, graph: dict[str, int]
) -> None:
    plain = RoundInput(FOUR_TEAMS, TEAMS, RoundRules(seed=seed, **graph))  # type: ignore[arg-type]
    written = dataclasses.replace(plain, affinity={frozenset({1, 2}): 0.2})

    assert groups_of(match_round(written)) == groups_of(match_round(plain))
    result = match_round(on(written))
    assert groups_of(result) == [(1, 2), (3, 4)]
    first, second = result.groups
    assert (first.affinity, first.affinity_pair) == (0.2, (1, 2))
    assert (second.affinity, second.affinity_pair) == (0.0, None)
    assert first.score - second.score == AFFINITY * 0.2


def test_without_affinity_the_seed_pairs_them_otherwise_so_the_weight_is_what_decides() -> None:
    """Seeds 0 and 1 pair 1 with 3 and with 4: only affinity puts 1 with 2."""

    assert groups_of(match_round(RoundInput(FOUR_TEAMS, TEAMS, RoundRules(seed=0)))) == [
        (1, 3),
        (2, 4),
    ]
    assert groups_of(match_round(RoundInput(FOUR_TEAMS, TEAMS, RoundRules(seed=1)))) == [
        (1, 4),
        (2, 3),
    ]


def test_need_and_offer_in_their_own_words_pair_the_two_who_wrote_them() -> None:
    """The real matcher's affinity (TF-IDF over stems), fed to the engine as a round is."""

    passages = [
        Passage(1, "need", "Stuck on discharge coordination for patients going home with care"),
        Passage(2, "offer", "We solved discharge coordination with social care: a daily huddle"),
        Passage(3, "need", "Our rota spreadsheet keeps breaking when exported"),
        Passage(4, "offer", "I learned to run a singing group for patients with dementia"),
    ]
    found = affinity(passages, [1, 2, 3, 4])
    assert max(found, key=lambda pair: found[pair]) == frozenset({1, 2})
    spec = RoundInput(FOUR_TEAMS, TEAMS, RoundRules(seed=0), affinity=found)
    assert groups_of(match_round(on(spec))) == [(1, 2), (3, 4)]


def test_affinity_never_outweighs_a_bridge_nobody_has_built() -> None:
    """Teams 1 and 2 met three times, 3 and 4 too; 1-3 and 2-4 never did.

    Even a perfect affinity between the people of teams 1 and 2 (500 points)
    is worth less than the two blank bridges the other pairing builds.
    """

    connections = {(1, 2): Connection(3, 3), (3, 4): Connection(3, 3)}
    spec = RoundInput(
        FOUR_TEAMS,
        TEAMS,
        RoundRules(seed=0, affinity_weight=AFFINITY),
        connections=connections,
        affinity={frozenset({1, 2}): 1.0, frozenset({3, 4}): 1.0},
    )
    result = match_round(spec)
    assert groups_of(result) == [(1, 3), (2, 4)]
    assert all(group.affinity == 0.0 for group in result.groups)


def test_affinity_decides_between_bridges_that_are_already_built() -> None:
    """Once every bridge has met a few times, a good match (0.5) outweighs the difference."""

    connections = {
        (1, 2): Connection(2, 2),
        (3, 4): Connection(2, 2),
        (1, 3): Connection(1, 1),
        (2, 4): Connection(1, 1),
        (1, 4): Connection(1, 1),
        (2, 3): Connection(1, 1),
    }
    spec = RoundInput(
        FOUR_TEAMS,
        TEAMS,
        RoundRules(seed=0),
        connections=connections,
        affinity={frozenset({1, 2}): 0.5},
    )
    assert (1, 2) not in groups_of(match_round(spec))
    assert groups_of(match_round(on(spec))) == [(1, 2), (3, 4)]


def test_colleagues_get_no_affinity_and_are_not_put_together_by_it() -> None:
    """Alice and Bob share Radiotherapy; what they wrote matches, but they can ask each other."""

    alice, bob, carol, dan = member(1, 1), member(2, 1), member(3, 2), member(4, 3)
    spec = RoundInput(
        (alice, bob, carol, dan),
        TEAMS,
        RoundRules(seed=0, affinity_weight=AFFINITY),
        affinity={frozenset({1, 2}): 1.0},
    )
    result = match_round(spec)
    assert (1, 2) not in groups_of(result)
    assert all(group.affinity == 0.0 for group in result.groups)

    only_them = match_round(dataclasses.replace(spec, members=(alice, bob)))
    (group,) = only_them.groups
    assert group.affinity == 0.0 and group.affinity_pair is None
    plain = match_round(dataclasses.replace(spec, members=(alice, bob), affinity={}))
    assert group.score == plain.groups[0].score


def test_colleagues_in_a_kind_the_programme_does_not_mix_still_count() -> None:
    """A programme mixing teams only: one organisation, two teams, a need and an offer."""

    kinds = {1: "team", 2: "team", 3: "team", 4: "team", 5: "organisation"}
    people = (member(1, 1, 5), member(2, 2, 5), member(3, 3), member(4, 4))
    spec = RoundInput(
        people,
        kinds,
        RoundRules(seed=0, mix_kinds=frozenset({"team"}), affinity_weight=AFFINITY),
        affinity={frozenset({1, 2}): 0.3},
    )
    result: RoundResult = match_round(spec)
    assert groups_of(result) == [(1, 2), (3, 4)]
    assert result.groups[0].affinity_pair == (1, 2)


def test_a_negative_affinity_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="affinity_weight cannot be negative"):
        RoundRules(affinity_weight=-1)
