"""The matching engine for introductions across silos: who meets whom this round.

``match_round`` is a pure function: it reads nothing but its argument (no
database, no clock, no platform), and the same input with the same seed gives
the same groups. The chat-facing part of introductions gathers the input from
storage and turns the result into messages; ``convene simulate`` and
``bench/matching.py`` call it directly.

Why the score is what it is
---------------------------
A convener judges a round by the parts of the landscape it connects, so most
of a candidate pair's score is about the silos the two would bridge:

* a **bridge bonus** for each pair of silos (of the kinds the programme
  mixes) that the meeting would connect: 600 points while the two silos have
  no connection through Convene yet, then falling with the square of the
  connections they have (150 after one, 67 after two, 38 after three). The
  steep fall spends each round's meetings where the map is still blank
  rather than where it is already dense. A bridge is worth more than the 400
  points colleagues lose by meeting each other (below) plus the crossing
  bonus, so a silo holding most members pairs among itself to free the small
  silos to meet each other, which is how the small ones get connected at all;
* a **crossing bonus** of 100 for each pair of different silos of the same
  mixed kind (two teams, two organisations), and a **shared-silo penalty** of
  400 for each mixed-kind silo the two share, so colleagues meet only when
  nothing better is left;
* **working hours**: up to 200 points in proportion to how much of the
  shorter working day the two share (given their UTC offsets), and -300 when
  their days do not overlap at all, so London and Tokyo meet only when
  nothing better exists: an introduction that cannot find a time rarely
  happens;
* **recency**: people who met within ``ban_rounds`` rounds are a *hard ban*,
  used only when no grouping without them exists (below); after the ban a
  past meeting costs ``recency_penalty`` points (800 by default), halving
  with every further round (800, 400, 200, ...), summed over all their past
  meetings;
* **hard exclusions** ("avoid") are never an edge at all.

Everything is offset by a base of 1,000 and floored at 1, so weights stay
positive. The silo part is a sum over the silo pairs the two would connect,
so scoring a block of members against another is a product of
member-by-silo and silo-by-silo matrices: ten thousand members score fast.

How groups are found
--------------------
1. **Pairs** come from an exact maximum-weight matching (rustworkx's blossom
   algorithm) that ranks matchings lexicographically: first as many people
   paired as possible (maximum cardinality), then as few hard-ban pairs as
   possible (every other pair carries a bonus larger than any total of
   scores), then the highest total score. Ties go to the seed (see
   ``max_matching``).
2. **The candidate graph** is complete up to ``full_graph_limit`` members.
   Above that each member keeps their ``candidates`` best partners by score,
   at most ``per_silo`` of them from any one silo (or combination of silos):
   the partners across the silo pairs that most need a bridge, spread over
   many silos instead of piling onto the few small ones that everyone wants,
   so the big silos stay within reach. Scores within 25 points count as
   ties, broken by the seed: this is a ranking, not a random sample. Each
   member also keeps ``same_silo_fallbacks`` best partners among people who
   share a silo with them (without them a silo holding most members leaves
   about a fifth of people unpaired), and the graph takes the edges of a
   greedy matching (members with the best options first take their best free
   partner), so it always holds a perfect matching of reasonable pairs.
   Above ``block_size`` members are dealt, silo by silo and time zone by time
   zone, into blocks of the same make-up, each solved exactly (the blossom
   algorithm's cost grows with the square of the nodes). Anyone the sparse
   graph or the blocks leave unmatched is matched again among the unmatched,
   so nobody is dropped because a candidate list missed their partner.
3. **Diversity.** A pair's score counts a new bridge for every meeting across
   it, but only the first meeting of a round connects the map; the others
   repeat it. So the weakest repeats (and as many meetings that bridge nothing
   new but could) are matched again, with this round's bridges counted as
   made, at most ``diversity_passes`` times and half a block per pass.
4. **Larger groups** come from the pairs. Size 2: a leftover single (odd
   count) joins the pair where they add most. Size 3: the strongest pairs are
   the cores; the other pairs are split into singles, which are seated in the
   cores by maximum-weight bipartite matchings on the marginal gain, every
   core's first seat before any second seat. Size 4: pairs are matched into
   quartets by a second maximum-weight matching whose edge weight is the sum
   of the four new member pairs; a single left over joins the quartet where
   it adds most; a pair left over joins a quartet and the six split into the
   best two trios; a pair and a single left over make a trio.
5. **Group sizes** (``expected_sizes``): size 2 gives pairs and one trio when
   the count is odd; size 3 gives trios, plus one group of four when the
   count leaves 1 over or one pair when it leaves 2; size 4 gives quartets,
   plus one group of five (1 over), two trios (2 over; a lone pair when only
   two take part) or one trio (3 over). Fewer than two members: no groups.
6. **Repairs.** Trios and larger groups are built from pairs, so a last local
   step looks at every group holding a hard-ban pair and applies the swap of
   two members between groups (or the move of one member from a larger group
   into a smaller one) that removes most hard-ban pairs, until none helps.
   Hard exclusions can leave someone without a group they could join; they
   are seated by a short move where one exists (into a group with room, or
   into someone's seat while that person moves to a group with room), and
   otherwise named in ``RoundResult.unplaced``, never silently dropped. No
   step ever groups people who avoid each other.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import rustworkx as rx

SiloPair = tuple[int, int]
MemberGroup = tuple[int, ...]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BASE = 1000
BRIDGE_NEW = 600
CROSSING = 100
SHARED_SILO = 400
HOURS_FULL = 200
NO_SHARED_HOURS = 300

DAY_MINUTES = 24 * 60
_ROW_CHUNK = 512
NEAR_TIE = 25.0
IDLE_PER_REPEAT = 1
MAX_BLOCK = 4000
TIE_BREAK = 16
_BAN_RANK = 1e9


# -- inputs ------------------------------------------------------------------


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
class Member:
    """Someone taking part in this round: their silos and where their day falls."""

    id: int
    silos: frozenset[int]
    utc_offset_minutes: int = 0
    hours: WorkingHours = field(default_factory=WorkingHours)


@dataclass(frozen=True)
class Programme:
    """A programme's settings, as far as matching is concerned.

    ``group_size`` is 2, 3 or 4. ``mix_kinds`` is the set of silo kinds whose
    boundaries count (``None``: every kind). Pairs who met within
    ``ban_rounds`` rounds are a hard ban; a meeting just after the ban costs
    ``recency_penalty`` points, halving with every further round.

    The rest shape the work on large programmes: up to ``full_graph_limit``
    members every pair is a candidate; above it each member keeps
    ``candidates`` best partners (at most ``per_silo`` from any one silo) and
    ``same_silo_fallbacks`` partners who share a silo with them; above
    ``block_size`` members are solved in blocks; ``diversity_passes`` bounds
    the re-matching of meetings that would only repeat a bridge made by
    another meeting of the same round.
    """

    group_size: int = 2
    mix_kinds: frozenset[str] | None = None
    ban_rounds: int = 4
    recency_penalty: int = 800
    candidates: int = 16
    per_silo: int = 2
    same_silo_fallbacks: int = 5
    full_graph_limit: int = 150
    block_size: int = 1000
    diversity_passes: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.group_size not in (2, 3, 4):
            raise ValueError(f"group size must be 2, 3 or 4, not {self.group_size}")
        counts = (self.ban_rounds, self.recency_penalty, self.diversity_passes)
        if min(*counts, self.same_silo_fallbacks) < 0:
            raise ValueError(
                "ban_rounds, recency_penalty, diversity_passes and fallbacks cannot be negative"
            )
        if self.candidates < 1 or self.per_silo < 1:
            raise ValueError("candidates and per_silo must be at least 1")
        if not 2 <= self.full_graph_limit <= MAX_BLOCK or not 2 <= self.block_size <= MAX_BLOCK:
            raise ValueError(f"full_graph_limit and block_size must be 2..{MAX_BLOCK:,}")


@dataclass(frozen=True)
class RoundInput:
    """Everything one round of matching depends on.

    ``history`` holds the groups of past rounds, most recent round last.
    ``connections`` maps a silo pair (smaller id first) to how many groups
    have connected it so far. ``exclusions`` are pairs never to be grouped.
    """

    members: tuple[Member, ...]
    silo_kinds: Mapping[int, str]
    programme: Programme = field(default_factory=Programme)
    exclusions: frozenset[tuple[int, int]] = frozenset()
    history: tuple[tuple[MemberGroup, ...], ...] = ()
    connections: Mapping[SiloPair, int] = field(default_factory=dict)


# -- outputs -----------------------------------------------------------------


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


def expected_sizes(count: int, group_size: int) -> tuple[int, ...]:
    """The group sizes, largest first, for ``count`` members without exclusions."""

    if count < 2:
        return ()
    if count <= group_size:
        return (count,)
    groups, left = divmod(count, group_size)
    base = [group_size] * groups
    if left == 0:
        return tuple(base)
    if group_size == 2 or left == 1:
        return (group_size + 1, *base[1:])
    if group_size == 3:
        return (*base, 2)
    if left == 2:
        return (*base[1:], 3, 3)
    return (*base, 3)


def match_round(round_input: RoundInput) -> RoundResult:
    """The groups for this round (see the module docstring for how and why)."""

    members = _ordered_members(round_input)
    if len(members) < 2:
        alone = tuple(member.id for member in members)
        return RoundResult((), alone, "fewer than two eligible members: no groups this round", 0)
    programme = round_input.programme
    rng = np.random.default_rng(programme.seed)
    members = [members[i] for i in rng.permutation(len(members))]
    scorer = PairScorer(members, round_input)
    solver = _Solver(scorer, programme, rng)
    groups, unplaced = solver.groups()
    groups = _repair_bans(scorer, groups)
    if unplaced:
        groups, unplaced = _place_the_unplaced(scorer, groups, unplaced, programme.group_size + 1)
        groups = _repair_bans(scorer, groups)
    return _result(scorer, members, round_input, groups, unplaced)


def _ordered_members(round_input: RoundInput) -> list[Member]:
    ids = [member.id for member in round_input.members]
    if len(set(ids)) != len(ids):
        raise ValueError("each member may appear only once in a round")
    return sorted(round_input.members, key=lambda member: member.id)


# -- scoring -----------------------------------------------------------------


def bridge_bonus(connections: int) -> int:
    """Points for connecting two silos that have ``connections`` (see the module docstring)."""

    return round(BRIDGE_NEW / (1 + connections) ** 2)


def recency_penalty(rounds_ago: int, programme: Programme) -> int:
    """Points a past meeting costs once its hard ban is over (0 inside the ban: it is banned)."""

    if rounds_ago <= programme.ban_rounds:
        return 0
    return round(programme.recency_penalty / 2.0 ** (rounds_ago - programme.ban_rounds - 1))


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


def _utc_window(member: Member) -> tuple[int, int]:
    start = (member.hours.start_minute - member.utc_offset_minutes) % DAY_MINUTES
    return start, member.hours.length


class PairScorer:
    """Scores of member pairs, by index into ``members`` (the engine passes them in seeded order).

    Public for benchmarks and tests that need the weights the engine works with.
    """

    def __init__(self, members: Sequence[Member], round_input: RoundInput) -> None:
        self.n = len(members)
        self.index = {member.id: i for i, member in enumerate(members)}
        self.ban_rounds = round_input.programme.ban_rounds
        self._silo_tables(members, round_input)
        self._hours_tables(members)
        self._history_tables(round_input)
        self._exclusion_table(round_input.exclusions)
        self.big = (self.max_score + 1) * (self.n + 1)

    # tables

    def _silo_tables(self, members: Sequence[Member], round_input: RoundInput) -> None:
        silos = sorted({silo for member in members for silo in member.silos})
        position = {silo: i for i, silo in enumerate(silos)}
        membership = np.zeros((self.n, len(silos)), dtype=np.float64)
        for i, member in enumerate(members):
            membership[i, [position[silo] for silo in member.silos]] = 1.0
        self.silo_ids = silos
        self.round_input = round_input
        self.connections: Mapping[SiloPair, int] = round_input.connections
        weights = _silo_weights(silos, round_input, self.connections)
        mix = round_input.programme.mix_kinds
        self.mixed_silos = [
            sorted(s for s in m.silos if mix is None or round_input.silo_kinds.get(s, "") in mix)
            for m in members
        ]
        mixed = np.array([any(s in m for m in self.mixed_silos) for s in silos], dtype=bool)
        self.mixed_pairs = np.outer(mixed, mixed)
        np.fill_diagonal(self.mixed_pairs, False)
        self.membership = membership
        self.silo_weighted = membership @ weights
        self.signature = [tuple(sorted(member.silos)) for member in members]
        signatures = {signature: k for k, signature in enumerate(sorted(set(self.signature)))}
        self.signature_id = np.array([signatures[sig] for sig in self.signature], dtype=np.int64)
        most = int(membership.sum(axis=1).max()) if silos else 0
        positive = float(max(weights.max(initial=0.0), 0.0))
        self.max_score = BASE + most * most * int(positive) + HOURS_FULL

    def _hours_tables(self, members: Sequence[Member]) -> None:
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
        first_points = round_input.programme.recency_penalty
        points = np.rint(first_points / 2.0 ** (backs[soft] - self.ban_rounds - 1))
        self._penalty_keys, at = np.unique(keys[soft], return_inverse=True)
        self._penalty_values = np.bincount(
            at, weights=points, minlength=len(self._penalty_keys)
        ).astype(np.float64)
        self._penalty_rows, self._penalty_cols = _split(self._penalty_keys, self.n)
        self._ban_rows, self._ban_cols = _split(self._ban_keys, self.n)

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
        found = _lookup(self._met_keys, self._met_backs, i * self.n + j)
        return None if found is None else int(found)

    def penalty(self, i: int, j: int) -> float:
        found = _lookup(self._penalty_keys, self._penalty_values, i * self.n + j)
        return 0.0 if found is None else float(found)

    def _exclusion_table(self, exclusions: Iterable[tuple[int, int]]) -> None:
        keys: set[int] = set()
        for first, second in exclusions:
            keys.update(self._keys_of((first, second)))
        self.excluded_keys = keys
        self._excl_keys, _ = _sorted_keys(dict.fromkeys(keys, 1))
        self._excl_rows, self._excl_cols = _split(self._excl_keys, self.n)

    def _keys_of(self, group: Iterable[int]) -> Iterator[int]:
        present = [self.index[m] for m in group if m in self.index]
        for i in present:
            for j in present:
                if i != j:
                    yield i * self.n + j

    def recounted(self, extra: Mapping[SiloPair, int]) -> PairScorer:
        """This scorer as if the silo pairs in ``extra`` had that many more connections."""

        connections = dict(self.connections)
        for pair, count in extra.items():
            connections[pair] = connections.get(pair, 0) + count
        weights = _silo_weights(self.silo_ids, self.round_input, connections)
        twin = copy.copy(self)
        twin.connections = connections
        twin.silo_weighted = self.membership @ weights
        return twin

    def new_bridges(self, i: int, j: int) -> set[SiloPair]:
        """The mixed-kind silo pairs that members i and j would connect for the first time."""

        return {
            (min(s, t), max(s, t))
            for s in self.mixed_silos[i]
            for t in self.mixed_silos[j]
            if s != t and self.connections.get((min(s, t), max(s, t)), 0) == 0
        }

    def could_bridge(self, members: Sequence[int], made: set[SiloPair]) -> BoolArray:
        """Which members could make a new bridge with one of ``members``."""

        position = {silo: k for k, silo in enumerate(self.silo_ids)}
        open_pairs = self.mixed_pairs.copy()
        connected = [pair for pair, count in self.connections.items() if count > 0]
        for first, second in [*connected, *made]:
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
        return max(1, round(BASE + silo + hours - self.penalty(i, j)))

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
        scores = np.maximum(1, np.rint(BASE + silo + hours - penalty)).astype(np.int64)
        return scores, np.isin(keys, self._ban_keys)

    def allowed_pairs(self, rows: IntArray, cols: IntArray) -> BoolArray:
        allowed: BoolArray = (rows != cols) & ~np.isin(rows * self.n + cols, self._excl_keys)
        return allowed

    def block(self, rows: IntArray, cols: IntArray) -> tuple[FloatArray, BoolArray, BoolArray]:
        """Scores, allowed flags and hard-ban flags of every row against every column."""

        scores = self.silo_weighted[rows] @ self.membership[cols].T
        scores += self.hours[np.ix_(self.profile[rows], self.profile[cols])] + BASE
        row_at, col_at = _positions(rows, self.n), _positions(cols, self.n)
        _scatter(scores, row_at, col_at, self._penalty_rows, self._penalty_cols,
                 -self._penalty_values)  # fmt: skip
        np.maximum(np.rint(scores), 1, out=scores)
        allowed = rows[:, None] != cols[None, :]
        _mark(allowed, row_at, col_at, self._excl_rows, self._excl_cols, False)
        banned = np.zeros(scores.shape, dtype=bool)
        _mark(banned, row_at, col_at, self._ban_rows, self._ban_cols, True)
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


def _silo_weights(
    silos: Sequence[int], round_input: RoundInput, connections: Mapping[SiloPair, int]
) -> FloatArray:
    """Points for each pair of silos one member each would connect."""

    mix = round_input.programme.mix_kinds
    kinds = [round_input.silo_kinds.get(silo, "") for silo in silos]
    mixed = np.array([mix is None or kind in mix for kind in kinds], dtype=bool)
    position = {silo: i for i, silo in enumerate(silos)}
    counts = np.zeros((len(silos), len(silos)), dtype=np.float64)
    for (first, second), count in connections.items():
        if first in position and second in position:
            counts[position[first], position[second]] = count
            counts[position[second], position[first]] = count
    bridge = np.rint(BRIDGE_NEW / (1 + counts) ** 2)
    kind_codes = {kind: i for i, kind in enumerate(sorted(set(kinds)))}
    codes = np.array([kind_codes[kind] for kind in kinds], dtype=np.int64)
    same_kind = codes[:, None] == codes[None, :]
    weights = bridge + np.where(same_kind, CROSSING, 0)
    np.fill_diagonal(weights, -SHARED_SILO)
    weights[~(mixed[:, None] & mixed[None, :])] = 0.0
    return weights


def _lookup(keys: npt.NDArray[np.int64], values: npt.NDArray[Any], key: int) -> Any:
    at = int(np.searchsorted(keys, key))
    return values[at].item() if at < len(keys) and keys[at] == key else None


def _sorted_keys(values: Mapping[int, int]) -> tuple[IntArray, FloatArray]:
    keys = np.array(sorted(values), dtype=np.int64)
    return keys, np.array([values[int(k)] for k in keys], dtype=np.float64)


def _split(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    return keys // n, keys % n


def _positions(indices: IntArray, n: int) -> IntArray:
    at = np.full(n, -1, dtype=np.int64)
    at[indices] = np.arange(len(indices), dtype=np.int64)
    return at


def _scatter(
    target: FloatArray,
    row_at: IntArray,
    col_at: IntArray,
    rows: IntArray,
    cols: IntArray,
    values: FloatArray,
) -> None:
    keep = (row_at[rows] >= 0) & (col_at[cols] >= 0)
    target[row_at[rows[keep]], col_at[cols[keep]]] += values[keep]


def _mark(
    target: BoolArray, row_at: IntArray, col_at: IntArray, rows: IntArray, cols: IntArray, on: bool
) -> None:
    keep = (row_at[rows] >= 0) & (col_at[cols] >= 0)
    target[row_at[rows[keep]], col_at[cols[keep]]] = on


# -- maximum-weight matching -------------------------------------------------


def max_matching(
    count: int, edges: Iterable[tuple[int, int, int]], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Exact maximum-cardinality, then maximum-weight matching on nodes 0..count-1.

    Ties are broken by the seed: each weight is scaled up and given a random
    remainder too small for the remainders of a whole matching to outweigh a
    difference of one point. Besides making the choice among equal matchings
    the seed's, this makes rustworkx's blossom algorithm up to 20 times faster
    on the many exactly equal weights that scores made of silos produce.
    """

    listed = list(edges)
    if not listed:
        return []
    scale = TIE_BREAK * (count // 2 + 1)
    remainders = rng.integers(0, TIE_BREAK, size=len(listed)).tolist()
    graph: rx.PyGraph[None, int] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from([None] * count)
    graph.add_edges_from(
        [(a, b, w * scale + r) for (a, b, w), r in zip(listed, remainders, strict=True)]
    )
    matched = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=_weight)
    return sorted((min(a, b), max(a, b)) for a, b in matched)


def _weight(value: int) -> int:
    return value


def _best_per_group(keys: FloatArray, groups: IntArray, count: int) -> FloatArray:
    """``keys`` with -inf except each row's ``count`` best columns within each column group."""

    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    widths = np.diff(np.r_[starts, len(order)])
    sorted_keys = keys[:, order]
    work = sorted_keys.copy()
    threshold = np.full(keys.shape, -np.inf)
    for _ in range(count):
        threshold = np.repeat(np.maximum.reduceat(work, starts, axis=1), widths, axis=1)
        work[work >= threshold] = -np.inf
    kept = np.full(keys.shape, -np.inf)
    kept[:, order] = np.where(sorted_keys >= threshold, sorted_keys, -np.inf)
    return kept


def _top(keys: FloatArray, count: int) -> tuple[IntArray, IntArray]:
    """(row, column) of up to ``count`` largest finite keys in each row."""

    if count <= 0 or keys.shape[1] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if count < keys.shape[1]:
        cols = np.argpartition(-keys, count - 1, axis=1)[:, :count]
    else:
        cols = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
    rows = np.broadcast_to(np.arange(keys.shape[0])[:, None], cols.shape)
    finite = np.isfinite(np.take_along_axis(keys, cols, axis=1))
    return rows[finite].astype(np.int64), cols[finite].astype(np.int64)


def greedy_pairs(weights: FloatArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """A greedy matching: members with the best options first take their best free partner.

    Its edges join the candidate graph so that the graph always holds a
    perfect matching of reasonable pairs, however contested the best ones are.
    """

    order = np.lexsort((rng.random(len(weights)), -weights.max(axis=1, initial=-np.inf)))
    free = np.ones(len(weights), dtype=bool)
    firsts: list[int] = []
    seconds: list[int] = []
    for i in order.tolist():
        if not free[i]:
            continue
        free[i] = False
        options = np.where(free, weights[i], -np.inf)
        j = int(np.argmax(options))
        if math.isfinite(float(options[j])):
            free[j] = False
            firsts.append(i)
            seconds.append(j)
    return np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64)


def greedy_assignment(gains: FloatArray) -> tuple[IntArray, IntArray]:
    """Rows with the best options first take their best free column (the seating backbone)."""

    order = np.argsort(-gains.max(axis=1, initial=-np.inf), kind="stable")
    free = np.ones(gains.shape[1], dtype=bool)
    rows: list[int] = []
    cols: list[int] = []
    for r in order.tolist():
        options = np.where(free, gains[r], -np.inf)
        c = int(np.argmax(options))
        if math.isfinite(float(options[c])):
            free[c] = False
            rows.append(r)
            cols.append(c)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


class _Solver:
    """Pairs, then groups of the programme's size, for one round."""

    def __init__(self, scorer: PairScorer, programme: Programme, rng: np.random.Generator) -> None:
        self.scorer = scorer
        self.programme = programme
        self.rng = rng

    def groups(self) -> tuple[list[list[int]], list[int]]:
        everyone = np.arange(self.scorer.n, dtype=np.int64)
        pairs, singles = self.diversify(*self.pair_up(everyone))
        size = self.programme.group_size
        if size == 2:
            return self.attach([list(p) for p in pairs], singles, seats=1)
        if size == 3:
            return self.trios(pairs, singles)
        return self.quartets(pairs, singles)

    # pairs

    def diversify(
        self, pairs: list[tuple[int, int]], singles: list[int]
    ) -> tuple[list[tuple[int, int]], list[int]]:
        """Re-match meetings that only repeat a bridge another meeting of this round makes.

        A pair's score counts a new bridge for every meeting across it, but
        only the first meeting connects the map. So keep the best meeting
        across each new silo pair, put some repeats and some meetings that
        bridge nothing new back in a pool (``first_bridges``), count the
        bridges of the kept meetings as made, and match the pool again
        (exactly, as before). ``diversity_passes`` bounds the repetitions.
        """

        base = self.scorer
        claimed: set[SiloPair] = set()
        kept: list[tuple[int, int]] = []
        for _ in range(self.programme.diversity_passes):
            keep, pool, repeats = self.first_bridges(pairs, claimed)
            if not repeats:
                break
            kept += keep
            claimed |= {bridge for pair in keep for bridge in base.new_bridges(*pair)}
            self.scorer = base.recounted(dict.fromkeys(claimed, 1))
            pairs, singles = self.pair_up(np.array(pool + singles, dtype=np.int64))
        self.scorer = base
        return kept + pairs, singles

    def first_bridges(
        self, pairs: list[tuple[int, int]], claimed: set[SiloPair]
    ) -> tuple[list[tuple[int, int]], list[int], int]:
        """The meetings to keep, the members to match again, and how many meetings repeat a bridge.

        Meetings are ranked by score; the first meeting across a new silo pair
        claims it, later ones only repeat it. The weakest repeats (up to half a
        block of meetings per pass) go back to the pool, with as many of the
        weakest meetings that bridge nothing new but could.
        """

        bridging: list[tuple[int, int]] = []
        repeats: list[tuple[int, int]] = []
        idle: list[tuple[int, int]] = []
        taken = set(claimed)
        for pair in self.strongest_first(pairs):
            bridges = self.scorer.new_bridges(*pair)
            if bridges - taken:
                bridging.append(pair)
                taken |= bridges
            elif bridges:
                repeats.append(pair)
            else:
                idle.append(pair)
        if not repeats:
            return pairs, [], 0
        budget = self.programme.block_size // 2 // (1 + IDLE_PER_REPEAT)
        redo = repeats[::-1][:budget]
        useful = self.scorer.could_bridge([m for pair in redo for m in pair], taken)
        movable = [pair for pair in reversed(idle) if useful[list(pair)].any()]
        moved = {*redo, *movable[: IDLE_PER_REPEAT * len(redo)]}
        pool = [m for pair in moved for m in pair]
        return [pair for pair in pairs if pair not in moved], pool, len(repeats)

    def strongest_first(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if not pairs:
            return []
        lo, hi = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
        scores, _ = self.scorer.pair_values(lo, hi)
        return [pairs[k] for k in np.argsort(-scores, kind="stable").tolist()]

    def pair_up(self, nodes: IntArray) -> tuple[list[tuple[int, int]], list[int]]:
        """A maximum matching of ``nodes``, block by block when there are many."""

        blocks = self.blocks(nodes)
        if len(blocks) == 1:
            return self.pair_up_block(nodes)
        pairs: list[tuple[int, int]] = []
        left: list[int] = []
        for block in blocks:
            found, unmatched = self.pair_up_block(block)
            pairs += found
            left += unmatched
        more, singles = self.pair_up(np.array(left, dtype=np.int64))
        return pairs + more, singles

    def pair_up_block(self, nodes: IntArray) -> tuple[list[tuple[int, int]], list[int]]:
        """Match ``nodes``; those the sparse graph left unmatched are matched among themselves."""

        if len(nodes) < 2:
            return [], [int(i) for i in nodes]
        small = len(nodes) <= self.programme.full_graph_limit
        lo, hi = self.full_edges(nodes) if small else self.sparse_edges(nodes)
        pairs = self.solve(nodes, lo, hi)
        matched = {i for pair in pairs for i in pair}
        left = np.array([i for i in nodes.tolist() if i not in matched], dtype=np.int64)
        if small or not pairs or len(left) < 2:
            return pairs, [int(i) for i in left]
        more, singles = self.pair_up(left)
        return pairs + more, singles

    def solve(self, nodes: IntArray, lo: IntArray, hi: IntArray) -> list[tuple[int, int]]:
        scores, banned = self.scorer.pair_values(lo, hi)
        encoded = scores + np.where(banned, 0, self.scorer.big)
        local = _positions(nodes, self.scorer.n)
        edges = zip(local[lo].tolist(), local[hi].tolist(), encoded.tolist(), strict=True)
        matched = max_matching(len(nodes), edges, self.rng)
        return [(int(nodes[a]), int(nodes[b])) for a, b in matched]

    def full_edges(self, nodes: IntArray) -> tuple[IntArray, IntArray]:
        first, second = np.triu_indices(len(nodes), k=1)
        lo, hi = nodes[first], nodes[second]
        keep = self.scorer.allowed_pairs(lo, hi)
        return lo[keep], hi[keep]

    def sparse_edges(self, nodes: IntArray) -> tuple[IntArray, IntArray]:
        """Each member's best candidates among ``nodes``, a few per silo, and fallbacks."""

        scores, allowed, banned = self.scorer.block(nodes, nodes)
        usable = np.where(allowed & ~banned, scores, -np.inf)
        keys = usable + self.rng.random(scores.shape) * NEAR_TIE
        keys[allowed & banned] = scores[allowed & banned] - _BAN_RANK
        groups = self.scorer.signature_id[nodes]
        spread = _best_per_group(keys, groups, self.programme.per_silo)
        best_r, best_c = _top(spread, self.programme.candidates)
        keys[~self.scorer.shares_silo(nodes, nodes)] = -np.inf
        near_r, near_c = _top(keys, self.programme.same_silo_fallbacks)
        greedy_r, greedy_c = greedy_pairs(usable, self.rng)
        first = nodes[np.concatenate([best_r, near_r, greedy_r])]
        second = nodes[np.concatenate([best_c, near_c, greedy_c])]
        pairs = np.unique(np.minimum(first, second) * self.scorer.n + np.maximum(first, second))
        return pairs // self.scorer.n, pairs % self.scorer.n

    def blocks(self, nodes: IntArray) -> list[IntArray]:
        """Nodes dealt, silo by silo and time zone by time zone, into blocks of similar make-up."""

        count = math.ceil(len(nodes) / self.programme.block_size)
        if count <= 1:
            return [nodes]
        tiebreak = self.rng.random(len(nodes))
        scorer = self.scorer
        order = sorted(
            range(len(nodes)),
            key=lambda k: (scorer.signature[nodes[k]], scorer.windows[nodes[k]], tiebreak[k]),
        )
        dealt = nodes[np.array(order, dtype=np.int64)]
        return [dealt[b::count] for b in range(count)]

    # larger groups

    def attach(
        self, cores: list[list[int]], joiners: list[int], seats: int
    ) -> tuple[list[list[int]], list[int]]:
        """Seat joiners in cores by maximum-weight bipartite matchings on marginal gain.

        Seats are filled level by level: every core's first seat before any
        core's second, so no core takes two joiners while another has none.
        """

        groups = [list(core) for core in cores]
        if not joiners or not cores:
            return groups, joiners
        gains = self.gains(joiners, groups)
        waiting = list(range(len(joiners)))
        for level in range(seats):
            while waiting:
                open_cores = [c for c, g in enumerate(groups) if len(g) == len(cores[c]) + level]
                placed = self.seat_once(gains, waiting, open_cores)
                if not placed:
                    break
                for j, core in placed:
                    groups[core].append(joiners[j])
                seated = {j for j, _ in placed}
                waiting = [j for j in waiting if j not in seated]
        return groups, [joiners[j] for j in waiting]

    def seat_once(
        self, gains: FloatArray, waiting: list[int], open_cores: list[int]
    ) -> list[tuple[int, int]]:
        """One bipartite matching of waiting joiners to open cores (sparse when large)."""

        if not open_cores:
            return []
        sub = gains[np.ix_(waiting, open_cores)]
        dense = sub.size <= self.programme.full_graph_limit**2
        rows, cols = _top(sub, sub.shape[1] if dense else self.programme.candidates)
        if not dense:
            greedy_rows, greedy_cols = greedy_assignment(sub)
            rows = np.concatenate([rows, greedy_rows])
            cols = np.concatenate([cols, greedy_cols])
        offset = len(waiting)
        edges = list(
            {
                (r, offset + c): int(sub[r, c])
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
            }.items()
        )
        triples = [(a, b, w) for (a, b), w in edges]
        matched = max_matching(offset + len(open_cores), triples, self.rng)
        return [(waiting[a], open_cores[b - offset]) for a, b in matched]

    def gains(self, joiners: Sequence[int], groups: list[list[int]]) -> FloatArray:
        """Encoded weight each joiner adds to each group; -inf where an exclusion forbids it."""

        rows = np.array(joiners, dtype=np.int64)
        gains = np.zeros((len(joiners), len(groups)), dtype=np.float64)
        width = max(len(group) for group in groups)
        for place in range(width):
            owners = [g for g, group in enumerate(groups) if len(group) > place]
            cols = np.array([groups[g][place] for g in owners], dtype=np.int64)
            if len(owners) == len(groups):
                gains += self.scorer.encoded_block(rows, cols)
            else:
                gains[:, owners] += self.scorer.encoded_block(rows, cols)
        return gains

    def trios(
        self, pairs: list[tuple[int, int]], singles: list[int]
    ) -> tuple[list[list[int]], list[int]]:
        """Keep the strongest pairs as cores, split the rest, seat the singles."""

        total = 2 * len(pairs) + len(singles)
        cores_wanted = len(expected_sizes(total, 3))
        ranked = sorted(pairs, key=lambda p: -self.scorer.encoded(*p))
        cores = [list(p) for p in ranked[:cores_wanted]]
        joiners = singles + [m for pair in ranked[cores_wanted:] for m in pair]
        groups, unplaced = self.attach(cores, joiners, seats=2)
        return self.separate_excluded(groups, unplaced)

    def quartets(
        self, pairs: list[tuple[int, int]], singles: list[int]
    ) -> tuple[list[list[int]], list[int]]:
        """Match pairs into quartets, then settle the one pair and one single left over."""

        quartets, spare_pairs = self.match_groups([list(p) for p in pairs])
        if len(spare_pairs) == 1 and not singles and quartets:
            return self.split_quartet(quartets, spare_pairs[0]), []
        groups, unplaced = self.attach(spare_pairs, singles, seats=1)
        grown, unplaced = self.attach(quartets, unplaced, seats=1)
        return grown + groups, unplaced

    def match_groups(self, groups: list[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
        """Merge groups two by two by a maximum-weight matching on the pairs they would add.

        Each group keeps its best partners (all of them while the groups are
        few), in blocks of half ``block_size`` groups when there are more;
        groups left unmatched are matched again among themselves.
        """

        blocks = math.ceil(len(groups) / max(self.programme.block_size // 2, 2))
        if blocks > 1:
            return self.match_groups_in_blocks(groups, blocks)
        return self.match_groups_at_once(groups)

    def match_groups_at_once(
        self, groups: list[list[int]]
    ) -> tuple[list[list[int]], list[list[int]]]:
        if len(groups) < 2:
            return [], groups
        dense = len(groups) <= self.programme.full_graph_limit
        edges: dict[tuple[int, int], int] = {}
        for start in range(0, len(groups), _ROW_CHUNK):
            chunk = groups[start : start + _ROW_CHUNK]
            gains = self.group_gains(chunk, groups)
            gains[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = -np.inf
            rows, cols = _top(gains, len(groups) if dense else self.programme.candidates)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                key = (min(start + r, c), max(start + r, c))
                edges[key] = int(gains[r, c])
        pairs = [(a, b, w) for (a, b), w in edges.items()]
        matched = max_matching(len(groups), pairs, self.rng)
        used = {g for pair in matched for g in pair}
        merged = [groups[a] + groups[b] for a, b in matched]
        spare = [group for g, group in enumerate(groups) if g not in used]
        if dense or not matched or len(spare) < 2:
            return merged, spare
        more, spare = self.match_groups_at_once(spare)
        return merged + more, spare

    def match_groups_in_blocks(
        self, groups: list[list[int]], blocks: int
    ) -> tuple[list[list[int]], list[list[int]]]:
        """``match_groups`` on interleaved blocks, then on what the blocks left over."""

        merged: list[list[int]] = []
        spare: list[list[int]] = []
        for b in range(blocks):
            found, left = self.match_groups_at_once(groups[b::blocks])
            merged += found
            spare += left
        more, spare = self.match_groups_at_once(spare)
        return merged + more, spare

    def group_gains(self, chunk: list[list[int]], groups: list[list[int]]) -> FloatArray:
        """Encoded weight of the pairs each group in ``chunk`` would form with each group."""

        members = [m for group in chunk for m in group]
        per_member = self.gains(members, groups)
        starts = np.cumsum([0] + [len(group) for group in chunk[:-1]])
        summed: FloatArray = np.add.reduceat(per_member, starts, axis=0)
        return summed

    def split_quartet(self, quartets: list[list[int]], spare: list[int]) -> list[list[int]]:
        """Turn one quartet and a spare pair into two trios, the best way there is."""

        best: tuple[float, int, list[list[int]]] | None = None
        for q, quartet in enumerate(quartets):
            for first, second in ((spare[0], spare[1]), (spare[1], spare[0])):
                trios = [[*quartet[:2], first], [*quartet[2:], second]]
                if not all(self.compatible(trio) for trio in trios):
                    continue
                gain = sum(self.group_weight(trio) for trio in trios) - self.group_weight(quartet)
                if best is None or gain > best[0]:
                    best = (gain, q, trios)
        if best is None:
            return [*quartets, spare]
        _, q, trios = best
        return [*quartets[:q], *quartets[q + 1 :], *trios]

    def separate_excluded(
        self, groups: list[list[int]], unplaced: list[int]
    ) -> tuple[list[list[int]], list[int]]:
        """A second seat can clash with the first; move such a joiner elsewhere."""

        for group in groups:
            while len(group) > 3 and not self.compatible(group):
                joiner = group.pop()
                homes = [g for g in groups if len(g) == 3 and self.compatible([*g, joiner])]
                if homes:
                    max(homes, key=lambda g: self.gain_of(joiner, g)).append(joiner)
                else:
                    unplaced.append(joiner)
        return groups, unplaced

    def compatible(self, group: Sequence[int]) -> bool:
        return all(self.scorer.allowed(a, b) for a in group for b in group if a != b)

    def group_weight(self, group: Sequence[int]) -> int:
        return sum(self.scorer.encoded(a, b) for a, b in _pairs_in(group))

    def gain_of(self, joiner: int, group: Sequence[int]) -> int:
        return sum(self.scorer.encoded(joiner, m) for m in group)


def _pairs_in(group: Sequence[int]) -> Iterator[tuple[int, int]]:
    for k, first in enumerate(group):
        for second in group[k + 1 :]:
            yield first, second


# -- ban repair --------------------------------------------------------------


def banned_pairs(scorer: PairScorer, group: Sequence[int]) -> int:
    return sum(scorer.banned(a, b) for a, b in _pairs_in(group))


def _repair_bans(scorer: PairScorer, groups: list[list[int]]) -> list[list[int]]:
    """Swap or move members out of hard-ban pairs while that removes any."""

    stuck: set[int] = set()
    while True:
        todo = [
            g for g, group in enumerate(groups) if g not in stuck and banned_pairs(scorer, group)
        ]
        if not todo:
            return groups
        g = todo[0]
        change = _best_change(scorer, groups, g)
        if change is None:
            stuck.add(g)
            continue
        h, new_g, new_h = change
        groups[g], groups[h] = new_g, new_h
        stuck.clear()


def _best_change(
    scorer: PairScorer, groups: list[list[int]], g: int
) -> tuple[int, list[int], list[int]] | None:
    """The swap or move that removes most hard-ban pairs from group ``g`` and another."""

    best: tuple[int, int, int, list[int], list[int]] | None = None
    for h, other in enumerate(groups):
        if h == g:
            continue
        before = banned_pairs(scorer, groups[g]) + banned_pairs(scorer, other)
        for new_g, new_h in _rearrangements(groups[g], other):
            if not (_all_allowed(scorer, new_g) and _all_allowed(scorer, new_h)):
                continue
            removed = before - banned_pairs(scorer, new_g) - banned_pairs(scorer, new_h)
            if removed <= 0:
                continue
            score = _group_score(scorer, new_g) + _group_score(scorer, new_h)
            if best is None or (removed, score) > (best[0], best[1]):
                best = (removed, score, h, new_g, new_h)
    return None if best is None else (best[2], best[3], best[4])


def _rearrangements(first: list[int], second: list[int]) -> Iterator[tuple[list[int], list[int]]]:
    for x in first:
        rest = [m for m in first if m != x]
        for y in second:
            yield [*rest, y], [m for m in second if m != y] + [x]
        if len(first) == len(second) + 1:
            yield rest, [*second, x]
    if len(second) == len(first) + 1:
        for y in second:
            yield [*first, y], [m for m in second if m != y]


def _all_allowed(scorer: PairScorer, group: Sequence[int]) -> bool:
    return all(scorer.allowed(a, b) for a, b in _pairs_in(group))


def _group_score(scorer: PairScorer, group: Sequence[int]) -> int:
    return sum(scorer.score(a, b) for a, b in _pairs_in(group))


def _place_the_unplaced(
    scorer: PairScorer, groups: list[list[int]], unplaced: list[int], largest: int
) -> tuple[list[list[int]], list[int]]:
    """Exclusions can leave someone without a seat; find them one if a short move allows.

    Either a group with room takes them, or they take the seat of someone who
    moves to a group with room (both without grouping people who avoid each other).
    """

    left: list[int] = []
    for person in unplaced:
        move = _seat_for(scorer, groups, person, largest)
        if move is None:
            left.append(person)
            continue
        for g, group in move:
            groups[g] = group
    return groups, left


def _seat_for(
    scorer: PairScorer, groups: list[list[int]], person: int, largest: int
) -> list[tuple[int, list[int]]] | None:
    def fits(group: list[int], newcomer: int) -> bool:
        return len(group) < largest and _all_allowed(scorer, [*group, newcomer])

    for g, group in enumerate(groups):
        if fits(group, person):
            return [(g, [*group, person])]
    for g, group in enumerate(groups):
        for x in group:
            rest = [m for m in group if m != x]
            if not _all_allowed(scorer, [*rest, person]):
                continue
            for h, other in enumerate(groups):
                if h != g and fits(other, x):
                    return [(g, [*rest, person]), (h, [*other, x])]
    return None


# -- the result --------------------------------------------------------------


def _result(
    scorer: PairScorer,
    members: Sequence[Member],
    round_input: RoundInput,
    groups: list[list[int]],
    unplaced: list[int],
) -> RoundResult:
    described = sorted(
        (_describe(scorer, members, round_input, group) for group in groups),
        key=lambda group: group.members,
    )
    left_out = tuple(sorted(members[i].id for i in unplaced))
    note = f"{len(described)} groups"
    if left_out:
        note += (
            f"; {len(left_out)} could not be placed without grouping people who avoid each other"
        )
    weight = sum(group.score for group in described)
    return RoundResult(tuple(described), left_out, note, weight)


def _describe(
    scorer: PairScorer, members: Sequence[Member], round_input: RoundInput, group: list[int]
) -> Group:
    ids = tuple(sorted(members[i].id for i in group))
    bridged = sorted(
        {
            (min(s, t), max(s, t))
            for a, b in _pairs_in(group)
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
        score=_group_score(scorer, group),
    )


def _met_before(
    scorer: PairScorer, members: Sequence[Member], group: list[int]
) -> tuple[PastMeeting, ...]:
    meetings = []
    for a, b in _pairs_in(group):
        back = scorer.rounds_since_met(a, b)
        if back is not None:
            first, second = sorted((members[a].id, members[b].id))
            meetings.append(PastMeeting((first, second), back))
    return tuple(sorted(meetings, key=lambda m: m.members))
