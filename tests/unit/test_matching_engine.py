"""The matching engine: properties that hold for any organisation, and the scenarios behind them.

Group sizes, precisely (``expected_sizes``): with n members and no hard
exclusions, size 2 gives n // 2 groups, all pairs but one trio when n is odd;
size 3 gives trios, plus one group of four when n % 3 == 1 or one pair when
n % 3 == 2; size 4 gives quartets, plus one group of five when n % 4 == 1,
two trios when n % 4 == 2 (a lone pair when n == 2) and one trio when
n % 4 == 3. Fewer than two members make no groups.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.introductions.matching import (
    Connection,
    RoundInput,
    RoundMember,
    RoundResult,
    RoundRules,
    WorkingHours,
    bridge_bonus,
    expected_sizes,
    match_round,
    recency_penalty,
)

LONDON, TOKYO, NEW_YORK, DELHI = 0, 540, -300, 330
KINDS = {1: "team", 2: "team", 3: "team", 4: "organisation", 5: "site"}
PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def member(ident: int, *silos: int, offset: int = LONDON) -> RoundMember:
    return RoundMember(ident, frozenset(silos), offset)


def groups_of(result: RoundResult) -> list[tuple[int, ...]]:
    return [group.members for group in result.groups]


def pairs_in(group: Sequence[int]) -> Iterator[tuple[int, int]]:
    return itertools.combinations(group, 2)


def excluded(spec: RoundInput, a: int, b: int) -> bool:
    return (a, b) in spec.exclusions or (b, a) in spec.exclusions


def banned(spec: RoundInput, a: int, b: int) -> bool:
    if spec.rules.ban_rounds == 0:
        return False
    recent = spec.history[-spec.rules.ban_rounds :]
    return any(a in group and b in group for past in recent for group in past)


def banned_count(spec: RoundInput, groups: Sequence[Sequence[int]]) -> int:
    return sum(banned(spec, a, b) for group in groups for a, b in pairs_in(group))


# -- random organisations ------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn, ids: list[int]) -> tuple[tuple[int, ...], ...]:
    """One past round: the members (and some who have left) in pairs, a trio when odd."""

    people = draw(st.permutations([*ids, 90, 91]))[: draw(st.integers(0, len(ids) + 2))]
    groups = [tuple(people[k : k + 2]) for k in range(0, len(people) - 1, 2)]
    if len(people) % 2 and groups:
        groups[-1] = (*groups[-1], people[-1])
    return tuple(groups)


@st.composite
def round_inputs(
    draw: st.DrawFn,
    sizes: Sequence[int] = (2, 3, 4),
    most: int = 13,
    with_exclusions: bool = True,
    full_graph: bool = False,
) -> RoundInput:
    count = draw(st.integers(0, most))
    ids = draw(st.lists(st.integers(1, 60), min_size=count, max_size=count, unique=True))
    silo = st.sampled_from(sorted(KINDS))
    members = tuple(
        RoundMember(
            ident,
            frozenset(draw(st.lists(silo, min_size=1, max_size=2))),
            draw(st.sampled_from([LONDON, TOKYO, NEW_YORK, DELHI])),
        )
        for ident in ids
    )
    everyone = [*ids, 90]
    exclusions: frozenset[tuple[int, int]] = frozenset()
    if with_exclusions and len(everyone) >= 2:
        pair = st.lists(st.sampled_from(everyone), min_size=2, max_size=2, unique=True)
        exclusions = frozenset(tuple(p) for p in draw(st.lists(pair, max_size=4)))  # type: ignore[misc]
    connections = draw(st.dictionaries(silo_pairs(), connections_made(), max_size=4))
    rules = RoundRules(
        group_size=draw(st.sampled_from(sizes)),
        mix_kinds=draw(st.sampled_from([None, frozenset({"team"}), frozenset({"team", "site"})])),
        crossings=draw(st.sampled_from([frozenset(), frozenset({frozenset({"team", "site"})})])),
        ban_rounds=draw(st.integers(0, 4)),
        seed=draw(st.integers(0, 2**16)),
    )
    if not full_graph:
        rules = dataclasses.replace(
            rules,
            full_graph_limit=draw(st.sampled_from([2, 5, 300])),
            block_size=draw(st.sampled_from([4, 1000])),
            candidates=draw(st.sampled_from([1, 3, 16])),
            same_silo_fallbacks=draw(st.sampled_from([0, 2])),
            diversity_passes=draw(st.sampled_from([0, 2])),
        )
    history = tuple(draw(st.lists(rounds(ids), max_size=5)))
    shared = frozenset(draw(st.lists(silo_pairs(), max_size=2)))
    return RoundInput(members, KINDS, rules, exclusions, history, connections, shared)


def silo_pairs() -> st.SearchStrategy[tuple[int, int]]:
    """Two different silos of ``KINDS``, smaller id first."""

    pair = st.lists(st.sampled_from(sorted(KINDS)), min_size=2, max_size=2, unique=True)
    return pair.map(lambda p: (min(p), max(p)))


@st.composite
def connections_made(draw: st.DrawFn) -> Connection:
    introduced = draw(st.integers(0, 5))
    return Connection(introduced, draw(st.integers(0, introduced)))


# -- properties ----------------------------------------------------------------


@PROPERTIES
@given(round_inputs())
def test_everyone_eligible_is_in_exactly_one_group(spec: RoundInput) -> None:
    result = match_round(spec)
    placed = [m for group in groups_of(result) for m in group]
    assert sorted(placed + list(result.unplaced)) == sorted(m.id for m in spec.members)
    if len(spec.members) < 2:
        assert result.groups == ()
        assert "fewer than two" in result.note
        return
    for lonely in result.unplaced:
        assert any(lonely in pair for pair in spec.exclusions)


@PROPERTIES
@given(round_inputs(sizes=(2,)))
def test_someone_is_left_out_of_pairs_only_when_every_pair_holds_someone_they_avoid(
    spec: RoundInput,
) -> None:
    result = match_round(spec)
    for lonely in result.unplaced:
        for group in groups_of(result):
            assert len(group) == 3 or any(excluded(spec, lonely, other) for other in group)
        for other in result.unplaced:
            assert other == lonely or excluded(spec, lonely, other)


@PROPERTIES
@given(round_inputs())
def test_no_excluded_pair_is_grouped(spec: RoundInput) -> None:
    for group in groups_of(match_round(spec)):
        assert not any(excluded(spec, a, b) for a, b in pairs_in(group))


@PROPERTIES
@given(round_inputs(with_exclusions=False))
def test_group_sizes_are_as_configured(spec: RoundInput) -> None:
    sizes = sorted((len(g) for g in groups_of(match_round(spec))), reverse=True)
    assert tuple(sizes) == expected_sizes(len(spec.members), spec.rules.group_size)


@PROPERTIES
@given(round_inputs(sizes=(2,), most=8, with_exclusions=False, full_graph=True))
def test_pairs_inside_the_hard_ban_only_when_every_pairing_needs_them(spec: RoundInput) -> None:
    """Brute force: the fewest hard-ban pairs any grouping of these people can have."""

    ids = [m.id for m in spec.members]
    if len(ids) % 2:
        return
    fewest = min((banned_count(spec, p) for p in perfect_matchings(ids)), default=0)
    assert banned_count(spec, groups_of(match_round(spec))) == fewest


@PROPERTIES
@given(round_inputs())
def test_no_single_swap_or_move_would_take_a_group_out_of_the_hard_ban(spec: RoundInput) -> None:
    groups = [list(g) for g in groups_of(match_round(spec))]
    for g, h in itertools.permutations(range(len(groups)), 2):
        if not banned_count(spec, [groups[g]]):
            continue
        before = banned_count(spec, [groups[g], groups[h]])
        for new_g, new_h in rearrangements(groups[g], groups[h]):
            if any(excluded(spec, a, b) for grp in (new_g, new_h) for a, b in pairs_in(grp)):
                continue
            assert banned_count(spec, [new_g, new_h]) >= before, (groups[g], groups[h])


@PROPERTIES
@given(round_inputs(), st.randoms(use_true_random=False))
def test_the_same_seed_gives_the_same_groups(spec: RoundInput, shuffle: object) -> None:
    reordered = list(spec.members)
    shuffle.shuffle(reordered)  # type: ignore[attr-defined]
    again = dataclasses.replace(spec, members=tuple(reordered))
    assert match_round(spec) == match_round(again)


def perfect_matchings(ids: list[int]) -> Iterator[list[tuple[int, int]]]:
    if not ids:
        yield []
        return
    first, rest = ids[0], ids[1:]
    for k, partner in enumerate(rest):
        for matching in perfect_matchings(rest[:k] + rest[k + 1 :]):
            yield [(first, partner), *matching]


def rearrangements(first: list[int], second: list[int]) -> Iterator[tuple[list[int], list[int]]]:
    for x in first:
        for y in second:
            yield [*(m for m in first if m != x), y], [*(m for m in second if m != y), x]
        if len(first) == len(second) + 1:
            yield [m for m in first if m != x], [*second, x]


# -- scenarios -----------------------------------------------------------------


def test_a_pair_that_met_last_round_is_not_matched_again_when_others_are_free() -> None:
    """Alice and Bob would be the best pair by working hours, but they met last round."""

    alice, bob = member(1, 1), member(2, 2)
    carol, dan = member(3, 1, offset=TOKYO), member(4, 2, offset=TOKYO)
    spec = RoundInput(
        (alice, bob, carol, dan),
        KINDS,
        history=(((1, 2), (3, 4)),),
        connections={(1, 2): Connection(2, 2)},
    )
    assert sorted(groups_of(match_round(spec))) == [(1, 4), (2, 3)]


def test_pairs_who_met_before_the_ban_are_only_discouraged() -> None:
    alice, bob = member(1, 1), member(2, 2)
    old_round = ((1, 2),)
    empty: tuple[tuple[int, ...], ...] = ()
    spec = RoundInput((alice, bob), KINDS, history=(old_round, *[empty] * 4))
    result = match_round(spec)
    assert groups_of(result) == [(1, 2)]
    assert result.groups[0].met_before[0].rounds_ago == 5
    rules = RoundRules(ban_rounds=4)
    assert recency_penalty([4, 5, 6, 7], rules).tolist() == [0, 800, 400, 200]


def test_a_new_bridge_between_two_unconnected_silos_beats_a_repeat_bridge() -> None:
    people = tuple(member(silo, silo) for silo in (1, 2, 3, 4))
    connections = {
        pair: Connection(count, count)
        for pair, count in {(1, 2): 4, (3, 4): 4, (1, 4): 1, (2, 3): 1}.items()
    }
    assert bridge_bonus([0, 1, 4]).tolist() == [600, 150, 24]
    result = match_round(
        RoundInput(people, {s: "team" for s in range(1, 5)}, connections=connections)
    )
    assert groups_of(result) == [(1, 3), (2, 4)]
    assert [g.new_bridges for g in result.groups] == [((1, 3),), ((2, 4),)]
    assert all(g.known_bridges == () for g in result.groups)


def test_reasons_name_the_bridges_that_are_new_and_the_ones_that_are_not() -> None:
    """Two teams and two organisations: a team and an organisation are no bridge."""

    radiotherapy, oncology, trust_b, trust_a = 1, 2, 4, 5
    alice = member(1, radiotherapy, trust_a)
    bob = member(2, oncology, trust_b)
    kinds = {1: "team", 2: "team", 4: "organisation", 5: "organisation"}
    spec = RoundInput((alice, bob), kinds, connections={(4, 5): Connection(5, 3)})
    (group,) = match_round(spec).groups
    assert group.new_bridges == ((radiotherapy, oncology),)
    known = [(b.silos, b.meetings_before, b.introductions_before) for b in group.known_bridges]
    assert known == [((trust_b, trust_a), 3, 5)]
    assert group.shared_minutes == 8 * 60


def test_members_in_london_and_tokyo_with_no_overlapping_hours_are_paired_only_when_nothing_better_exists() -> (  # noqa: E501
    None
):
    london = [member(1, 1), member(2, 2)]
    tokyo = [member(3, 3, offset=TOKYO), member(4, 4, offset=TOKYO)]
    four = match_round(RoundInput((*london, *tokyo), KINDS))
    assert groups_of(four) == [(1, 2), (3, 4)]
    assert all(group.shared_minutes > 0 for group in four.groups)

    two = match_round(RoundInput((london[0], tokyo[0]), KINDS))
    assert groups_of(two) == [(1, 3)]
    assert two.groups[0].shared_minutes == 0


def test_working_hours_can_make_london_and_tokyo_overlap() -> None:
    """07:00-15:00 in London and 09:00-17:00 in Tokyo share 07:00-08:00 UTC."""

    early = dataclasses.replace(member(1, 1), hours=WorkingHours(7 * 60, 15 * 60))
    (group,) = match_round(RoundInput((early, member(2, 2, offset=TOKYO)), KINDS)).groups
    assert group.shared_minutes == 60


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_eligible_members_make_no_groups(count: int) -> None:
    result = match_round(RoundInput(tuple(member(i, 1) for i in range(count)), KINDS))
    assert (result.groups, result.unplaced) == ((), tuple(range(count)))
    assert result.note == "fewer than two eligible members: no groups this round"


def test_two_members_who_avoid_each_other_cannot_be_grouped() -> None:
    spec = RoundInput((member(1, 1), member(2, 2)), KINDS, exclusions=frozenset({(2, 1)}))
    result = match_round(spec)
    assert result.groups == ()
    assert result.unplaced == (1, 2)
    assert "could not be placed" in result.note


def test_an_odd_count_makes_one_trio_chosen_for_what_it_adds() -> None:
    people = (member(1, 1), member(2, 2), member(3, 3), member(4, 1), member(5, 2))
    sizes = sorted(len(g) for g in groups_of(match_round(RoundInput(people, KINDS))))
    assert sizes == [2, 3]


def test_a_silo_holding_most_members_still_leaves_nobody_unpaired() -> None:
    """The sparse graph's same-silo fallbacks let the big silo pair among itself."""

    people = tuple(member(i, 1 if i % 5 else 2 + i % 3) for i in range(700))
    result = match_round(RoundInput(people, KINDS, RoundRules(seed=3)))
    assert len(result.groups) == 350
    assert result.unplaced == ()


@pytest.mark.parametrize(
    ("count", "size", "sizes"),
    [
        (7, 2, (3, 2, 2)),
        (9, 3, (3, 3, 3)),
        (10, 3, (4, 3, 3)),
        (11, 3, (3, 3, 3, 2)),
        (9, 4, (5, 4)),
        (10, 4, (4, 3, 3)),
        (11, 4, (4, 4, 3)),
        (2, 4, (2,)),
        (3, 4, (3,)),
        (5, 4, (5,)),
    ],
)
def test_group_sizes_when_the_count_does_not_divide(
    count: int, size: int, sizes: tuple[int, ...]
) -> None:
    assert expected_sizes(count, size) == sizes
    people = tuple(member(i, i % 5 + 1) for i in range(count))
    found = match_round(RoundInput(people, KINDS, RoundRules(group_size=size)))
    assert tuple(sorted((len(g) for g in groups_of(found)), reverse=True)) == sizes


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="group size must be 2, 3 or 4"):
        RoundRules(group_size=5)
    with pytest.raises(ValueError, match="only once"):
        match_round(RoundInput((member(1, 1), member(1, 2)), KINDS))
