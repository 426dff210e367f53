"""Groups of the programme's size, built from the round's pairs (steps 4 and 5 of the engine).

Size 2 seats a leftover single in the pair it adds most to; size 3 keeps
the strongest pairs as cores and seats the others in them; size 4 matches
pairs into quartets and settles what is left over. ``expected_sizes`` says
which sizes a count of members gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from handlers.introductions.matching.arrays import FloatArray, top
from handlers.introductions.matching.inputs import RoundRules
from handlers.introductions.matching.scoring import PairScorer, all_allowed, pairs_in
from handlers.introductions.matching.solver import greedy_assignment, max_matching

ROW_CHUNK = 512
"""Groups whose gains are computed at once when quartets are matched."""


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


def build_groups(
    scorer: PairScorer,
    rules: RoundRules,
    rng: np.random.Generator,
    pairs: list[tuple[int, int]],
    singles: list[int],
) -> tuple[list[list[int]], list[int]]:
    """Groups of ``rules.group_size`` (by member index), and anyone who could not be seated."""

    builder = GroupBuilder(scorer, rules, rng)
    if rules.group_size == 2:
        return builder.attach([list(p) for p in pairs], singles, seats=1)
    if rules.group_size == 3:
        return builder.trios(pairs, singles)
    return builder.quartets(pairs, singles)


class GroupBuilder:
    """Seats members in groups by maximum-weight matchings on what each addition gains."""

    def __init__(self, scorer: PairScorer, rules: RoundRules, rng: np.random.Generator) -> None:
        self.scorer = scorer
        self.rules = rules
        self.rng = rng

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
        dense = sub.size <= self.rules.full_graph_limit**2
        rows, cols = top(sub, sub.shape[1] if dense else self.rules.candidates)
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

        blocks = math.ceil(len(groups) / max(self.rules.block_size // 2, 2))
        if blocks > 1:
            return self.match_groups_in_blocks(groups, blocks)
        return self.match_groups_at_once(groups)

    def match_groups_at_once(
        self, groups: list[list[int]]
    ) -> tuple[list[list[int]], list[list[int]]]:
        if len(groups) < 2:
            return [], groups
        dense = len(groups) <= self.rules.full_graph_limit
        edges: dict[tuple[int, int], int] = {}
        for start in range(0, len(groups), ROW_CHUNK):
            chunk = groups[start : start + ROW_CHUNK]
            gains = self.group_gains(chunk, groups)
            gains[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = -np.inf
            rows, cols = top(gains, len(groups) if dense else self.rules.candidates)
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
                if not all(all_allowed(self.scorer, trio) for trio in trios):
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
            while len(group) > 3 and not all_allowed(self.scorer, group):
                joiner = group.pop()
                homes = [
                    g for g in groups if len(g) == 3 and all_allowed(self.scorer, [*g, joiner])
                ]
                if homes:
                    max(homes, key=lambda g: self.gain_of(joiner, g)).append(joiner)
                else:
                    unplaced.append(joiner)
        return groups, unplaced

    def group_weight(self, group: Sequence[int]) -> int:
        return sum(self.scorer.encoded(a, b) for a, b in pairs_in(group))

    def gain_of(self, joiner: int, group: Sequence[int]) -> int:
        return sum(self.scorer.encoded(joiner, m) for m in group)
