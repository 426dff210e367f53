"""The candidate graph: which pairs the exact matching may choose from (step 2 of the engine).

Complete up to ``full_graph_limit`` members; above it each member keeps a
few best partners per silo, a few fallbacks who share a silo with them, and
the edges of a greedy matching. Above ``block_size`` members are dealt into
blocks of the same make-up, each solved on its own.
"""

from __future__ import annotations

import math

import numpy as np

from handlers.introductions.matching.arrays import IntArray, best_per_group, top
from handlers.introductions.matching.inputs import RoundRules
from handlers.introductions.matching.scoring import PairScorer
from handlers.introductions.matching.solver import greedy_pairs

NEAR_TIE = 25.0
"""Scores this close count as ties, broken by the seed."""

_BAN_RANK = 1e9
"""Pushes hard-ban pairs below every other candidate while keeping their order by score."""


def full_edges(scorer: PairScorer, nodes: IntArray) -> tuple[IntArray, IntArray]:
    """Every allowed pair among ``nodes``."""

    first, second = np.triu_indices(len(nodes), k=1)
    lo, hi = nodes[first], nodes[second]
    keep = scorer.allowed_pairs(lo, hi)
    return lo[keep], hi[keep]


def sparse_edges(
    scorer: PairScorer, rules: RoundRules, rng: np.random.Generator, nodes: IntArray
) -> tuple[IntArray, IntArray]:
    """Each member's best candidates among ``nodes``, a few per silo, and fallbacks."""

    scores, allowed, banned = scorer.block(nodes, nodes)
    usable = np.where(allowed & ~banned, scores, -np.inf)
    keys = usable + rng.random(scores.shape) * NEAR_TIE
    keys[allowed & banned] = scores[allowed & banned] - _BAN_RANK
    groups = scorer.signature_id[nodes]
    spread = best_per_group(keys, groups, rules.per_silo)
    best_r, best_c = top(spread, rules.candidates)
    keys[~scorer.shares_silo(nodes, nodes)] = -np.inf
    near_r, near_c = top(keys, rules.same_silo_fallbacks)
    greedy_r, greedy_c = greedy_pairs(usable, rng)
    first = nodes[np.concatenate([best_r, near_r, greedy_r])]
    second = nodes[np.concatenate([best_c, near_c, greedy_c])]
    pairs = np.unique(np.minimum(first, second) * scorer.n + np.maximum(first, second))
    return pairs // scorer.n, pairs % scorer.n


def blocks(
    scorer: PairScorer, rules: RoundRules, rng: np.random.Generator, nodes: IntArray
) -> list[IntArray]:
    """Nodes dealt, silo by silo and time zone by time zone, into blocks of similar make-up."""

    count = math.ceil(len(nodes) / rules.block_size)
    if count <= 1:
        return [nodes]
    tiebreak = rng.random(len(nodes))
    order = sorted(
        range(len(nodes)),
        key=lambda k: (scorer.signature[nodes[k]], scorer.windows[nodes[k]], tiebreak[k]),
    )
    dealt = nodes[np.array(order, dtype=np.int64)]
    return [dealt[b::count] for b in range(count)]
