"""Pairs for one round: exact matchings on the candidate graph, then the diversity step.

Steps 1 to 3 of the engine (see the package docstring); larger groups are
built from these pairs in ``groups``.
"""

from __future__ import annotations

import numpy as np

from handlers.introductions.matching.arrays import IntArray, positions
from handlers.introductions.matching.candidates import blocks, full_edges, sparse_edges
from handlers.introductions.matching.inputs import RoundRules, SiloPair
from handlers.introductions.matching.scoring import PairScorer
from handlers.introductions.matching.solver import max_matching

IDLE_PER_REPEAT = 1
"""Meetings that bridge nothing new sent back to the pool for each repeat of a bridge."""


def find_pairs(
    scorer: PairScorer, rules: RoundRules, rng: np.random.Generator
) -> tuple[list[tuple[int, int]], list[int]]:
    """Pairs of everyone the scorer knows (by index), and the members left single."""

    finder = PairFinder(scorer, rules, rng)
    everyone = np.arange(scorer.n, dtype=np.int64)
    return finder.diversify(*finder.pair_up(everyone))


class PairFinder:
    """Maximum matchings of members; ``scorer`` changes while the diversity step runs."""

    def __init__(self, scorer: PairScorer, rules: RoundRules, rng: np.random.Generator) -> None:
        self.scorer = scorer
        self.rules = rules
        self.rng = rng

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
        for _ in range(self.rules.diversity_passes):
            keep, pool, repeats = self.first_bridges(pairs, claimed)
            if not repeats:
                break
            kept += keep
            claimed |= {bridge for pair in keep for bridge in base.new_bridges(*pair)}
            self.scorer = base.recounted(claimed)
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
        budget = self.rules.block_size // 2 // (1 + IDLE_PER_REPEAT)
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

        dealt = blocks(self.scorer, self.rules, self.rng, nodes)
        if len(dealt) == 1:
            return self.pair_up_block(nodes)
        pairs: list[tuple[int, int]] = []
        left: list[int] = []
        for block in dealt:
            found, unmatched = self.pair_up_block(block)
            pairs += found
            left += unmatched
        more, singles = self.pair_up(np.array(left, dtype=np.int64))
        return pairs + more, singles

    def pair_up_block(self, nodes: IntArray) -> tuple[list[tuple[int, int]], list[int]]:
        """Match ``nodes``; those the sparse graph left unmatched are matched among themselves."""

        if len(nodes) < 2:
            return [], [int(i) for i in nodes]
        small = len(nodes) <= self.rules.full_graph_limit
        if small:
            lo, hi = full_edges(self.scorer, nodes)
        else:
            lo, hi = sparse_edges(self.scorer, self.rules, self.rng, nodes)
        pairs = self.solve(nodes, lo, hi)
        matched = {i for pair in pairs for i in pair}
        left = np.array([i for i in nodes.tolist() if i not in matched], dtype=np.int64)
        if small or not pairs or len(left) < 2:
            return pairs, [int(i) for i in left]
        more, singles = self.pair_up(left)
        return pairs + more, singles

    def solve(self, nodes: IntArray, lo: IntArray, hi: IntArray) -> list[tuple[int, int]]:
        """The exact matching on the edges (lo[k], hi[k]), hard-ban pairs ranked last."""

        scores, banned = self.scorer.pair_values(lo, hi)
        encoded = scores + np.where(banned, 0, self.scorer.big)
        local = positions(nodes, self.scorer.n)
        edges = zip(local[lo].tolist(), local[hi].tolist(), encoded.tolist(), strict=True)
        matched = max_matching(len(nodes), edges, self.rng)
        return [(int(nodes[a]), int(nodes[b])) for a, b in matched]
