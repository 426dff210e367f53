"""Benchmark of the matching engine (issue 3): ``python -m bench.matching``.

For 1,000 and 10,000 members in 50 silos of uneven size (Zipf-like: a few
large, many small; and a second run where one silo holds 55%), with 20 past
rounds of history, it prints:

(a) seconds per round, candidate graph included (the mean of two rounds; one
    untimed round on a small organisation first pays for numpy's lazy imports);
(b) the weight of the pairs the engine's exact matching finds on its sparse
    candidate graph, as a share of an upper bound on the best possible weight,
    and that nobody was left out. At 1,000 the bound is the exact optimum on
    the complete graph (rustworkx, every allowed pair). At 10,000 the complete
    graph (50 million pairs) is out of reach, so the bound is the linear
    programming relaxation solved on member *profiles* (same silos, same
    working window): members of one profile are interchangeable except for
    their past meetings, whose penalties the bound leaves out, so the
    relaxation over profiles is worth at least as much as any matching of the
    members (scipy's HiGHS solves it in a fraction of a second). For scale it
    also prints the textbook bound, half the sum over members of their best
    edge. The round's final groups then re-match meetings that only repeat a
    bridge already made that round (the diversity step); the static weight
    they give up for that is printed too;
(c) the share of silo pairs connected after 8 rounds from a blank map, next
    to a Donut-like baseline (random pairs, no repeats, different team
    required) and the upper bound min(all silo pairs, sum over silos of
    min(other silos, size x rounds) / 2): a silo of four members can meet at
    most 32 other silos in 8 rounds of pairs.

The history is 20 rounds of Donut-like random pairs, so the map it leaves is
what a programme would inherit from a random tool. Pair weights are the
engine's own scores. The exact optimum at 1,000 leaves out hard-ban pairs
(met within 4 rounds), which the engine uses only when nothing else exists;
the profile bound keeps them, so it is, if anything, looser.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import rustworkx as rx

from handlers.introductions.matching import (
    Connection,
    PairScorer,
    RoundInput,
    RoundMember,
    RoundResult,
    RoundRules,
    match_round,
)

SILOS = 50
HISTORY_ROUNDS = 20
COVERAGE_ROUNDS = 8
ZONES = ((0, 0.75), (-300, 0.10), (330, 0.10), (540, 0.05))
TIME_TARGETS = {1_000: 0.5, 10_000: 5.0}
WEIGHT_TARGET = 0.999
EXACT_LIMIT = 2_000
BASELINE_FACTOR = 1.3
BOUND_SHARE = 0.90

Groups = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Organisation:
    name: str
    members: tuple[RoundMember, ...]
    kinds: dict[int, str]
    sizes: tuple[int, ...]


def organisation(count: int, dominant: float | None, seed: int) -> Organisation:
    """Members in 50 silos with Zipf-like sizes; ``dominant``: the first silo's share."""

    weights = [1 / (k + 1) for k in range(SILOS)]
    if dominant is not None:
        rest = weights[1:]
        weights = [dominant * sum(rest) / (1 - dominant), *rest]
    sizes = _apportion(count, weights)
    rng = random.Random(seed)
    silo_of = [silo for silo, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(silo_of)
    offsets = [offset for offset, _ in ZONES]
    shares = [share for _, share in ZONES]
    members = tuple(
        RoundMember(i, frozenset({silo}), rng.choices(offsets, weights=shares)[0])
        for i, silo in enumerate(silo_of)
    )
    shape = f"one silo {dominant:.0%}" if dominant else "Zipf"
    return Organisation(
        f"{count:,} members, {shape}",
        members,
        dict.fromkeys(range(SILOS), "team"),
        tuple(sizes),
    )


def _apportion(count: int, weights: Sequence[float]) -> list[int]:
    total = sum(weights)
    exact = [count * w / total for w in weights]
    sizes = [max(1, math.floor(x)) for x in exact]
    order = sorted(range(len(weights)), key=lambda k: exact[k] - math.floor(exact[k]))
    while sum(sizes) < count:
        sizes[order.pop()] += 1
    return sizes


# -- Donut-like rounds ---------------------------------------------------------


def donut_round(org: Organisation, met: set[tuple[int, int]], rng: random.Random) -> Groups:
    """Random pairs of people from different teams who have not met (a trio when odd)."""

    silo = {m.id: next(iter(m.silos)) for m in org.members}
    waiting = [m.id for m in org.members]
    rng.shuffle(waiting)
    groups: list[list[int]] = []
    while len(waiting) >= 2:
        first = waiting.pop()
        partner = next(
            (k for k in range(len(waiting) - 1, -1, -1) if _fresh(first, waiting[k], silo, met)),
            len(waiting) - 1,
        )
        groups.append([first, waiting.pop(partner)])
    if waiting:
        groups[rng.randrange(len(groups))].append(waiting.pop())
    for group in groups:
        met.update((a, b) for a in group for b in group if a != b)
    return tuple(tuple(group) for group in groups)


def _fresh(a: int, b: int, silo: dict[int, int], met: set[tuple[int, int]]) -> bool:
    return silo[a] != silo[b] and (a, b) not in met


def donut_history(org: Organisation, rounds: int, seed: int) -> tuple[Groups, ...]:
    rng = random.Random(seed)
    met: set[tuple[int, int]] = set()
    return tuple(donut_round(org, met, rng) for _ in range(rounds))


def connections_of(org: Organisation, history: Sequence[Groups]) -> dict[tuple[int, int], int]:
    silos = {m.id: m.silos for m in org.members}
    connections: dict[tuple[int, int], int] = {}
    for past in history:
        for group in past:
            bridged = {
                (min(s, t), max(s, t))
                for a in group
                for b in group
                for s in silos[a]
                for t in silos[b]
                if s != t
            }
            for pair in bridged:
                connections[pair] = connections.get(pair, 0) + 1
    return connections


# -- (a) and (b) -----------------------------------------------------------------


def round_input(org: Organisation, history: tuple[Groups, ...], seed: int) -> RoundInput:
    return RoundInput(
        members=org.members,
        silo_kinds=org.kinds,
        rules=RoundRules(seed=seed),
        history=history,
        connections={
            pair: Connection(count, count) for pair, count in connections_of(org, history).items()
        },  # as if every introduction met: the history is Donut-like, with no follow-ups
    )


def timed(task: Callable[[], RoundResult]) -> tuple[RoundResult, float]:
    start = time.perf_counter()
    result = task()
    return result, time.perf_counter() - start


def full_scores(scorer: PairScorer) -> npt.NDArray[np.float64]:
    """Every pair's score; -inf for pairs not allowed or inside the hard ban."""

    everyone = np.arange(scorer.n, dtype=np.int64)
    scores = np.empty((scorer.n, scorer.n), dtype=np.float64)
    for start in range(0, scorer.n, 1024):
        rows = everyone[start : start + 1024]
        block, allowed, banned = scorer.block(rows, everyone)
        block[~allowed | banned] = -np.inf
        scores[start : start + len(rows)] = block
    return scores


def exact_optimum(scores: npt.NDArray[np.float64]) -> float:
    """The best total weight of a maximum matching on the complete graph."""

    first, second = np.nonzero(np.isfinite(np.triu(scores, k=1)) & (np.triu(scores, k=1) > 0))
    graph: rx.PyGraph[None, int] = rx.PyGraph()
    graph.add_nodes_from([None] * len(scores))
    graph.add_edges_from(
        [(int(a), int(b), int(scores[a, b])) for a, b in zip(first, second, strict=True)]
    )
    matching = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=lambda w: w)
    return float(sum(scores[a, b] for a, b in matching))


def half_best_bound(scores: npt.NDArray[np.float64]) -> float:
    """Half the sum over members of their best allowed pair: a (loose) bound."""

    return float(np.max(scores, axis=1).sum() / 2)


def profile_bound(org: Organisation, spec: RoundInput) -> float:
    """The matching LP on profiles, without recency penalties: an upper bound."""

    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

    members = sorted(org.members, key=lambda m: m.id)
    scorer = PairScorer(members, dataclasses.replace(spec, history=()))
    profiles: dict[tuple[tuple[int, ...], tuple[int, int]], list[int]] = {}
    for i in range(len(members)):
        profiles.setdefault((scorer.signature[i], scorer.windows[i]), []).append(i)
    groups = list(profiles.values())
    reps = np.array([group[0] for group in groups], dtype=np.int64)
    weights, _, _ = scorer.block(reps, reps)
    for k, group in enumerate(groups):
        weights[k, k] = scorer.score(group[0], group[1]) if len(group) > 1 else -np.inf
    first, second = np.triu_indices(len(groups))
    keep = np.isfinite(weights[first, second])
    first, second, w = first[keep], second[keep], weights[first, second][keep]
    loop = first == second
    columns = np.arange(len(w))
    matrix = coo_matrix(
        (
            np.concatenate([np.where(loop, 2.0, 1.0), np.ones(int((~loop).sum()))]),
            (np.concatenate([first, second[~loop]]), np.concatenate([columns, columns[~loop]])),
        ),
        shape=(len(groups), len(w)),
    )
    counts = np.array([len(group) for group in groups], dtype=np.float64)
    solved = linprog(-w, A_eq=matrix.tocsr(), b_eq=counts, bounds=(0, None), method="highs")
    return float(-solved.fun)


def result_pair_weight(result: RoundResult) -> float:
    return float(sum(group.score for group in result.groups))


# -- (c) --------------------------------------------------------------------------


def coverage(org: Organisation, connections: dict[tuple[int, int], int]) -> float:
    silos = [s for s, size in enumerate(org.sizes) if size > 0]
    total = len(silos) * (len(silos) - 1) // 2
    return sum(1 for count in connections.values() if count > 0) / total


def coverage_bound(org: Organisation, rounds: int) -> float:
    silos = [size for size in org.sizes if size > 0]
    total = len(silos) * (len(silos) - 1) // 2
    reach = sum(min(len(silos) - 1, size * rounds) for size in silos) // 2
    return min(total, reach) / total


def engine_coverage(org: Organisation, rounds: int, seed: int) -> list[float]:
    """Coverage after each of ``rounds`` rounds of the engine, from a blank map."""

    history: tuple[Groups, ...] = ()
    shares = []
    for r in range(rounds):
        result = match_round(round_input(org, history, seed + r))
        history = (*history, tuple(group.members for group in result.groups))
        shares.append(coverage(org, connections_of(org, history)))
    return shares


def donut_coverage(org: Organisation, rounds: int, seed: int) -> list[float]:
    history = donut_history(org, rounds, seed)
    return [coverage(org, connections_of(org, history[: r + 1])) for r in range(rounds)]


# -- report -----------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run(count: int, dominant: float | None) -> None:
    org = organisation(count, dominant, seed=count)
    history = donut_history(org, HISTORY_ROUNDS, seed=count + 1)
    print(f"\n## {org.name}; silo sizes {org.sizes[0]} down to {min(org.sizes)}")
    spec = round_input(org, history, seed=1)
    result, first = timed(lambda: match_round(spec))
    _, second = timed(lambda: match_round(round_input(org, history, seed=2)))
    per_round = (first + second) / 2
    limit = TIME_TARGETS[count]
    print(
        f"(a) seconds per round, {HISTORY_ROUNDS} rounds of history: {per_round:.2f} "
        f"(target < {limit}) {verdict(per_round < limit)}"
    )
    report_weight(org, spec, result)
    ours_by_round = engine_coverage(org, COVERAGE_ROUNDS, seed=1)
    donut_by_round = donut_coverage(org, COVERAGE_ROUNDS, seed=count + 2)
    ours, donut = ours_by_round[-1], donut_by_round[-1]
    upper = coverage_bound(org, COVERAGE_ROUNDS)
    print(
        f"(c) silo pairs connected after {COVERAGE_ROUNDS} rounds: {ours:.1%}; Donut-like "
        f"{donut:.1%} (x{ours / donut:.2f}, target >= x{BASELINE_FACTOR}) "
        f"{verdict(ours >= BASELINE_FACTOR * donut)}; upper bound {upper:.1%} "
        f"({ours / upper:.1%} of it, target >= {BOUND_SHARE:.0%}) "
        f"{verdict(ours >= BOUND_SHARE * upper)}"
    )
    print(
        f"    round by round: engine {_shares(ours_by_round)}; Donut-like {_shares(donut_by_round)}"
    )
    if BASELINE_FACTOR * donut > 1:
        print(
            f"    x{BASELINE_FACTOR} the baseline would be {BASELINE_FACTOR * donut:.0%}, "
            "more than every silo pair: the baseline, not the engine, limits this figure"
        )


def _shares(values: Sequence[float]) -> str:
    return " ".join(f"{v:.0%}" for v in values)


def report_weight(org: Organisation, spec: RoundInput, final: RoundResult) -> None:
    matching_only = dataclasses.replace(
        spec, rules=dataclasses.replace(spec.rules, diversity_passes=0)
    )
    result = match_round(matching_only)
    weight = result_pair_weight(result)
    scorer = PairScorer(sorted(org.members, key=lambda m: m.id), spec)
    if len(org.members) <= EXACT_LIMIT:
        scores = full_scores(scorer)
        bound, how = exact_optimum(scores), "the exact optimum on the complete graph"
        loose = half_best_bound(scores)
    else:
        bound, how = profile_bound(org, spec), "the LP bound over profiles"
        loose = float("nan")
    share = weight / bound
    placed = sum(len(group.members) for group in final.groups)
    everyone = placed == len(org.members) and not final.unplaced
    print(
        f"(b) matching weight {weight:,.0f} = {share:.3%} of {how}, {bound:,.0f} "
        f"(target >= {WEIGHT_TARGET:.1%}) {verdict(share >= WEIGHT_TARGET)}; "
        f"{placed:,} of {len(org.members):,} placed {verdict(everyone)}"
    )
    extra = f"; half the best edges would be {weight / loose:.2%}" if loose == loose else ""
    print(
        f"    after the diversity step the groups keep {result_pair_weight(final) / bound:.3%} "
        f"of the bound, trading repeated bridges for new ones{extra}"
    )


def machine() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        cpuinfo = []
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    if importlib.util.find_spec("scipy") is None:
        sys.exit("bench.matching needs scipy for its bound at 10,000: pip install -e '.[bench]'")
    print(f"# Matching benchmark on {machine()}")
    started = time.perf_counter()
    small = organisation(400, None, seed=0)
    match_round(round_input(small, donut_history(small, 2, seed=0), seed=0))  # lazy imports
    for count in (1_000, 10_000):
        for dominant in (None, 0.55):
            run(count, dominant)
            sys.stdout.flush()
    print(f"\nWhole benchmark: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
