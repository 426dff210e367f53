"""The score of a candidate pair: silos bridged, working hours shared, past meetings,
and (when the programme weighs it) topic affinity.

The package docstring says why each term is what it is. ``bridge_bonus`` and
``recency_penalty`` are the two formulas of the score; the ``PairScorer``
applies them to whole tables at once, so that scoring a block of members
against another is a product of member-by-silo and silo-by-silo matrices.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from handlers.introductions.matching.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    lookup,
    mark,
    positions,
    scatter,
    sorted_keys,
    split,
)
from handlers.introductions.matching.inputs import (
    DAY_MINUTES,
    MemberGroup,
    RoundInput,
    RoundMember,
    RoundRules,
    SiloPair,
)

BASE = 1000
BRIDGE_NEW = 600
CROSSING = 100
SHARED_SILO = 400
HOURS_FULL = 200
NO_SHARED_HOURS = 300
AFFINITY = 500
"""Points for a topic affinity of 1 when a programme weighs affinity (``--affinity on``):
a perfect match is worth less than a new bridge (700), a good one (0.3 to 0.5) about
what a bridge met once is still worth (package docstring)."""


def bridge_bonus(connections: npt.ArrayLike) -> FloatArray:
    """Points for connecting silo pairs that have ``connections`` each: 600 / (1 + c)², rounded.

    The one bridge formula: the scorer applies it to its silo-by-silo table of
    connections, and tests call it on a few counts.
    """

    counts = np.asarray(connections, dtype=np.float64)
    bonus: FloatArray = np.rint(BRIDGE_NEW / (1 + counts) ** 2)
    return bonus


def recency_penalty(rounds_ago: npt.ArrayLike, rules: RoundRules) -> FloatArray:
    """Points past meetings ``rounds_ago`` cost once their hard ban is over.

    Inside the ban a meeting costs 0 here: it is banned instead.
    """

    after_ban = np.asarray(rounds_ago, dtype=np.int64) - rules.ban_rounds - 1
    points: FloatArray = np.rint(rules.recency_penalty / 2.0**after_ban)
    return np.where(after_ban < 0, 0.0, points)


def shared_minutes(windows: Sequence[tuple[int, int]]) -> int:
    """Minutes of the UTC day inside every (start, length) window."""

    day = np.ones(DAY_MINUTES, dtype=bool)
    for start, length in windows:
        minutes = (start + np.arange(length)) % DAY_MINUTES
        inside = np.zeros(DAY_MINUTES, dtype=bool)
        inside[minutes] = True
        day &= inside
    return int(day.sum())


def _hours_points(first: tuple[int, int], second: tuple[int, int]) -> int:
    overlap = shared_minutes([first, second])
    if overlap == 0:
        return -NO_SHARED_HOURS
    return round(HOURS_FULL * overlap / min(first[1], second[1]))


def _utc_window(member: RoundMember) -> tuple[int, int]:
    start = (member.hours.start_minute - member.utc_offset_minutes) % DAY_MINUTES
    return start, member.hours.length


class PairScorer:
    """Scores of member pairs, by index into ``members`` (the engine passes them in seeded order).

    Public for benchmarks and tests that need the weights the engine works with.
    """

    def __init__(self, members: Sequence[RoundMember], round_input: RoundInput) -> None:
        self.n = len(members)
        self.index = {member.id: i for i, member in enumerate(members)}
        self.ban_rounds = round_input.rules.ban_rounds
        self._silo_tables(members, round_input)
        self._hours_tables(members)
        self._history_tables(round_input)
        self._exclusion_table(round_input.exclusions)
        self._affinity_table(round_input)
        self.big = (self.max_score + 1) * (self.n + 1)

    # tables

    def _silo_tables(self, members: Sequence[RoundMember], round_input: RoundInput) -> None:
        silos = sorted({silo for member in members for silo in member.silos})
        position = {silo: i for i, silo in enumerate(silos)}
        membership = np.zeros((self.n, len(silos)), dtype=np.float64)
        for i, member in enumerate(members):
            membership[i, [position[silo] for silo in member.silos]] = 1.0
        self.silo_ids = silos
        self.silo_position = position
        self.silos_of = [sorted(member.silos) for member in members]
        self.round_input = round_input
        self.bridge_table = _bridge_table(silos, members, round_input)
        self.mixed = np.array(
            [round_input.rules.mixes(round_input.silo_kinds.get(s, "")) for s in silos], dtype=bool
        )
        self.weights_of: Mapping[SiloPair, float] = {
            pair: connection.weight for pair, connection in round_input.connections.items()
        }
        self.met: frozenset[SiloPair] = frozenset(
            pair for pair, connection in round_input.connections.items() if connection.met > 0
        )
        weights = _silo_weights(self, self.weights_of)
        self.membership = membership
        self.silo_weighted = membership @ weights
        self.signature = [tuple(sorted(member.silos)) for member in members]
        signatures = {signature: k for k, signature in enumerate(sorted(set(self.signature)))}
        self.signature_id = np.array([signatures[sig] for sig in self.signature], dtype=np.int64)
        most = int(membership.sum(axis=1).max()) if silos else 0
        positive = float(max(weights.max(initial=0.0), 0.0))
        self.max_score = BASE + most * most * int(positive) + HOURS_FULL

    def _hours_tables(self, members: Sequence[RoundMember]) -> None:
        windows = [_utc_window(member) for member in members]
        profiles = sorted(set(windows))
        position = {window: i for i, window in enumerate(profiles)}
        self.windows = windows
        self._shared: dict[tuple[tuple[int, int], ...], int] = {}
        self.profile = np.array([position[w] for w in windows], dtype=np.int64)
        self.hours = np.array(
            [[_hours_points(p, q) for q in profiles] for p in profiles], dtype=np.float64
        )

    def _history_tables(self, round_input: RoundInput) -> None:
        keys, backs = self._past_meetings(round_input.history)
        order = np.lexsort((backs, keys))
        keys, backs = keys[order], backs[order]
        first = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
        self._met_keys, self._met_backs = keys[first], backs[first]
        self._ban_keys = self._met_keys[self._met_backs <= self.ban_rounds]
        self.banned_keys = set(self._ban_keys.tolist())
        soft = backs > self.ban_rounds
        points = recency_penalty(backs[soft], round_input.rules)
        self._penalty_keys, at = np.unique(keys[soft], return_inverse=True)
        self._penalty_values = np.bincount(
            at, weights=points, minlength=len(self._penalty_keys)
        ).astype(np.float64)
        self._penalty_rows, self._penalty_cols = split(self._penalty_keys, self.n)
        self._ban_rows, self._ban_cols = split(self._ban_keys, self.n)

    def _past_meetings(self, history: Sequence[Sequence[MemberGroup]]) -> tuple[IntArray, IntArray]:
        """Keys (both orders) of every past meeting among this round's members, and its age."""

        keys: list[int] = []
        backs: list[int] = []
        index, n = self.index, self.n
        for back, past_round in enumerate(reversed(history), start=1):
            for group in past_round:
                present = [index[m] for m in group if m in index]
                for i in present:
                    for j in present:
                        if i != j:
                            keys.append(i * n + j)
                            backs.append(back)
        return np.array(keys, dtype=np.int64), np.array(backs, dtype=np.int64)

    def shared_minutes_of(self, group: Sequence[int]) -> int:
        windows = tuple(sorted({self.windows[i] for i in group}))
        if windows not in self._shared:
            self._shared[windows] = shared_minutes(windows)
        return self._shared[windows]

    def rounds_since_met(self, i: int, j: int) -> int | None:
        found = lookup(self._met_keys, self._met_backs, i * self.n + j)
        return None if found is None else int(found)

    def penalty(self, i: int, j: int) -> float:
        found = lookup(self._penalty_keys, self._penalty_values, i * self.n + j)
        return 0.0 if found is None else float(found)

    def _exclusion_table(self, exclusions: Iterable[tuple[int, int]]) -> None:
        keys: set[int] = set()
        for first, second in exclusions:
            keys.update(self._keys_of((first, second)))
        self.excluded_keys = keys
        self._excl_keys, _ = sorted_keys(dict.fromkeys(keys, 1))
        self._excl_rows, self._excl_cols = split(self._excl_keys, self.n)

    def _affinity_table(self, round_input: RoundInput) -> None:
        """Each pair's topic affinity (both orders), and the points it earns.

        Two members who share a silo of a kind the programme mixes get none:
        they can ask each other anyway, and affinity must never be what puts
        colleagues together. The points are ``affinity_weight`` times the
        affinity; with a weight of 0 there are none and the scores are
        exactly those without affinity.
        """

        n, weight = self.n, round_input.rules.affinity_weight
        found: dict[int, float] = {}
        for pair, value in round_input.affinity.items():
            present = sorted(self.index[m] for m in pair if m in self.index)
            affinity = min(max(float(value), 0.0), 1.0)
            if len(present) != 2 or len(pair) != 2 or affinity <= 0.0:
                continue
            i, j = present
            if self._colleagues(i, j):
                continue
            found[i * n + j] = found[j * n + i] = affinity
        self.affinity_of: Mapping[int, float] = found
        keys = np.array(sorted(found) if weight else [], dtype=np.int64)
        self._affinity_keys = keys
        self._affinity_points = np.array([weight * found[int(k)] for k in keys], dtype=np.float64)
        self._affinity_rows, self._affinity_cols = split(keys, n)
        self.max_score += weight

    def _colleagues(self, i: int, j: int) -> bool:
        """Whether members i and j share a silo of a kind the programme mixes."""

        common = set(self.silos_of[i]) & set(self.silos_of[j])
        return any(bool(self.mixed[self.silo_position[s]]) for s in common)

    def affinity(self, i: int, j: int) -> float:
        """The topic affinity of members i and j that the score may count (0 to 1)."""

        return self.affinity_of.get(i * self.n + j, 0.0)

    def _affinity_points_of(self, i: int, j: int) -> float:
        found = lookup(self._affinity_keys, self._affinity_points, i * self.n + j)
        return 0.0 if found is None else float(found)

    def _keys_of(self, group: Iterable[int]) -> Iterator[int]:
        present = [self.index[m] for m in group if m in self.index]
        for i in present:
            for j in present:
                if i != j:
                    yield i * self.n + j

    def recounted(self, made: Iterable[SiloPair]) -> PairScorer:
        """This scorer as if the silo pairs in ``made`` had met once more (the diversity step)."""

        made = set(made)
        weights_of = dict(self.weights_of)
        for pair in made:
            weights_of[pair] = weights_of.get(pair, 0.0) + 1.0
        twin = copy.copy(self)
        twin.weights_of = weights_of
        twin.met = self.met | made
        twin.silo_weighted = self.membership @ _silo_weights(self, weights_of)
        return twin

    def bridges_between(self, i: int, j: int) -> set[SiloPair]:
        """The silo pairs that are bridges between member i's silos and member j's."""

        at, table = self.silo_position, self.bridge_table
        return {
            (min(s, t), max(s, t))
            for s in self.silos_of[i]
            for t in self.silos_of[j]
            if table[at[s], at[t]]
        }

    def new_bridges(self, i: int, j: int) -> set[SiloPair]:
        """The bridges members i and j would build: those across which nobody has met yet."""

        return {pair for pair in self.bridges_between(i, j) if pair not in self.met}

    def could_bridge(self, members: Sequence[int], made: set[SiloPair]) -> BoolArray:
        """Which members could build a new bridge with one of ``members``."""

        position = self.silo_position
        open_pairs = self.bridge_table.copy()
        for first, second in [*self.met, *made]:
            if first in position and second in position:
                open_pairs[position[first], position[second]] = False
                open_pairs[position[second], position[first]] = False
        theirs = self.membership[list(members)].any(axis=0)
        reach: BoolArray = np.asarray(
            (self.membership @ open_pairs[:, theirs].astype(np.float64)).any(axis=1)
        )
        return reach

    # lookups

    def allowed(self, i: int, j: int) -> bool:
        return i != j and i * self.n + j not in self.excluded_keys

    def banned(self, i: int, j: int) -> bool:
        return i * self.n + j in self.banned_keys

    def score(self, i: int, j: int) -> int:
        silo = float(self.silo_weighted[i] @ self.membership[j])
        hours = float(self.hours[self.profile[i], self.profile[j]])
        topic = self._affinity_points_of(i, j)
        return max(1, round(BASE + silo + hours + topic - self.penalty(i, j)))

    def encoded(self, i: int, j: int) -> int:
        """Score plus the allowed-pair bonus that ranks hard-ban pairs last."""

        return self.score(i, j) + (0 if self.banned(i, j) else self.big)

    def pair_values(self, rows: IntArray, cols: IntArray) -> tuple[IntArray, BoolArray]:
        """Scores and hard-ban flags for the pairs ``(rows[k], cols[k])``."""

        silo = np.einsum("ij,ij->i", self.silo_weighted[rows], self.membership[cols])
        hours = self.hours[self.profile[rows], self.profile[cols]]
        keys = rows * self.n + cols
        penalty = np.zeros(len(keys), dtype=np.float64)
        if len(self._penalty_keys):
            at = np.minimum(np.searchsorted(self._penalty_keys, keys), len(self._penalty_keys) - 1)
            hit = self._penalty_keys[at] == keys
            penalty[hit] = self._penalty_values[at[hit]]
        topic = np.zeros(len(keys), dtype=np.float64)
        if len(self._affinity_keys):
            at = np.minimum(
                np.searchsorted(self._affinity_keys, keys), len(self._affinity_keys) - 1
            )
            hit = self._affinity_keys[at] == keys
            topic[hit] = self._affinity_points[at[hit]]
        scores = np.maximum(1, np.rint(BASE + silo + hours + topic - penalty)).astype(np.int64)
        return scores, np.isin(keys, self._ban_keys)

    def allowed_pairs(self, rows: IntArray, cols: IntArray) -> BoolArray:
        allowed: BoolArray = (rows != cols) & ~np.isin(rows * self.n + cols, self._excl_keys)
        return allowed

    def block(self, rows: IntArray, cols: IntArray) -> tuple[FloatArray, BoolArray, BoolArray]:
        """Scores, allowed flags and hard-ban flags of every row against every column."""

        scores = self.silo_weighted[rows] @ self.membership[cols].T
        scores += self.hours[np.ix_(self.profile[rows], self.profile[cols])] + BASE
        row_at, col_at = positions(rows, self.n), positions(cols, self.n)
        scatter(scores, row_at, col_at, self._penalty_rows, self._penalty_cols,
                -self._penalty_values)  # fmt: skip
        scatter(scores, row_at, col_at, self._affinity_rows, self._affinity_cols,
                self._affinity_points)  # fmt: skip
        np.maximum(np.rint(scores), 1, out=scores)
        allowed = rows[:, None] != cols[None, :]
        mark(allowed, row_at, col_at, self._excl_rows, self._excl_cols, False)
        banned = np.zeros(scores.shape, dtype=bool)
        mark(banned, row_at, col_at, self._ban_rows, self._ban_cols, True)
        return scores, allowed, banned

    def encoded_block(self, rows: IntArray, cols: IntArray) -> FloatArray:
        """Encoded weights of every row against every column, -inf where not allowed."""

        scores, allowed, banned = self.block(rows, cols)
        encoded = scores + np.where(banned, 0.0, float(self.big))
        encoded[~allowed] = -np.inf
        return encoded

    def shares_silo(self, rows: IntArray, cols: IntArray) -> BoolArray:
        shared: BoolArray = (self.membership[rows] @ self.membership[cols].T) > 0
        return shared


def _bridge_table(
    silos: Sequence[int], members: Sequence[RoundMember], round_input: RoundInput
) -> BoolArray:
    """Which pairs of these silos are bridges (``RoundRules.bridges``, less shared pairs).

    Worked out on kinds, not on pairs of silos: a kind-by-kind table of the
    rule, spread over the silos, then the pairs some member stands in
    together (in the workspace, and among this round's members) struck out.
    """

    rules = round_input.rules
    kinds = [round_input.silo_kinds.get(silo, "") for silo in silos]
    distinct = sorted(set(kinds))
    code = {kind: k for k, kind in enumerate(distinct)}
    rule = np.array([[rules.bridges(a, b) for b in distinct] for a in distinct], dtype=bool)
    codes = np.array([code[kind] for kind in kinds], dtype=np.int64)
    table: BoolArray = rule[np.ix_(codes, codes)] if len(silos) else np.zeros((0, 0), dtype=bool)
    position = {silo: i for i, silo in enumerate(silos)}
    shared = set(round_input.shared)
    for combination in {tuple(sorted(member.silos)) for member in members}:
        shared.update(pairs_in(combination))
    for first, second in shared:
        if first in position and second in position:
            table[position[first], position[second]] = False
            table[position[second], position[first]] = False
    np.fill_diagonal(table, False)
    return table


def _silo_weights(scorer: PairScorer, weights_of: Mapping[SiloPair, float]) -> FloatArray:
    """Points for each pair of silos one member each would connect.

    A bridge earns the bridge bonus (falling with the pair's connections)
    and the crossing bonus; a silo both members stand in costs the
    shared-silo penalty when its kind is mixed; any other pair is worth
    nothing: two silos of kinds the programme does not cross, or silos
    someone already stands in together, are no gap to close.
    """

    silos, position = scorer.silo_ids, scorer.silo_position
    counts = np.zeros((len(silos), len(silos)), dtype=np.float64)
    for (first, second), weight in weights_of.items():
        if first in position and second in position:
            counts[position[first], position[second]] = weight
            counts[position[second], position[first]] = weight
    weights = np.where(scorer.bridge_table, bridge_bonus(counts) + CROSSING, 0.0)
    np.fill_diagonal(weights, np.where(scorer.mixed, -SHARED_SILO, 0.0))
    return weights


# -- groups of members, by index -----------------------------------------------


def pairs_in(group: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Every pair of members of ``group``, each once."""

    for k, first in enumerate(group):
        for second in group[k + 1 :]:
            yield first, second


def group_score(scorer: PairScorer, group: Sequence[int]) -> int:
    """The sum of the scores of the group's pairs (what a group is reported to be worth)."""

    return sum(scorer.score(a, b) for a, b in pairs_in(group))


def all_allowed(scorer: PairScorer, group: Sequence[int]) -> bool:
    """Whether nobody in ``group`` avoids anyone else in it."""

    return all(scorer.allowed(a, b) for a, b in pairs_in(group))


def banned_pairs(scorer: PairScorer, group: Sequence[int]) -> int:
    """How many pairs of the group met within the hard ban."""

    return sum(scorer.banned(a, b) for a, b in pairs_in(group))
