"""Last local repairs of a round's groups (step 6 of the engine).

Trios and larger groups are built from pairs, so they can hold a hard-ban
pair that a swap or move would remove; and hard exclusions can leave someone
without a seat that a short move would give them. Neither step ever groups
people who avoid each other.
"""

from __future__ import annotations

from collections.abc import Iterator

from handlers.introductions.matching.scoring import (
    PairScorer,
    all_allowed,
    banned_pairs,
    group_score,
)


def repair_bans(scorer: PairScorer, groups: list[list[int]]) -> list[list[int]]:
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
            if not (all_allowed(scorer, new_g) and all_allowed(scorer, new_h)):
                continue
            removed = before - banned_pairs(scorer, new_g) - banned_pairs(scorer, new_h)
            if removed <= 0:
                continue
            score = group_score(scorer, new_g) + group_score(scorer, new_h)
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


def place_the_unplaced(
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
        return len(group) < largest and all_allowed(scorer, [*group, newcomer])

    for g, group in enumerate(groups):
        if fits(group, person):
            return [(g, [*group, person])]
    for g, group in enumerate(groups):
        for x in group:
            rest = [m for m in group if m != x]
            if not all_allowed(scorer, [*rest, person]):
                continue
            for h, other in enumerate(groups):
                if h != g and fits(other, x):
                    return [(g, [*rest, person]), (h, [*other, x])]
    return None
