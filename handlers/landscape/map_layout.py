"""Where each silo sits on the map, and why it stays there from one map to the next.

A convener compares this month's map with last month's, so a silo must not
jump across the picture because one bridge was added. The layout is
rustworkx's spring layout (Fruchterman-Reingold) with a fixed seed, started
from the previous map's positions. A spring layout re-run from its own
answer still turns and drifts (its first steps are large), so the answer is
then turned, scaled and shifted onto the previous one (a least-squares fit
over the silos both maps hold), and each known silo moves at most
``MAX_MOVE`` towards where the springs want it. Bridges pull their silos
together a little more each month; nothing leaps.

Silos without a bridge would drift off to the edges (only pushed, never
pulled), so every silo is tied by a weak spring to a hidden centre. A new
silo starts near the known silos it has bridges with, or in its kind's
sector of the circle, so the kinds begin apart and bridges draw them in.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]

SEED = 16
MAX_MOVE = 0.12
"""How far (in a frame about 2 wide) a silo may move between two maps of one view."""
CENTRE_PULL = 0.6
"""The weight of each silo's spring to the hidden centre, against 1 for a met bridge.

Strong enough that the map fills a disc rather than scattering its kinds to
the corners; bridges still draw the silos they join towards each other."""
SPACING = 2.0
"""The springs' rest length, in multiples of rustworkx's default (1 / sqrt(silos))."""
ITERATIONS = 80


@dataclass(frozen=True, slots=True)
class Link:
    """A bridge as the springs see it: met bridges pull harder than introduced ones."""

    a: int
    b: int
    weight: float


def lay_out(
    silos: Sequence[int],
    links: Sequence[Link],
    previous: Mapping[int, Point],
    kinds: Mapping[int, str],
) -> dict[int, Point]:
    """Each silo's position: stable against ``previous`` and deterministic for one input."""

    if not silos:
        return {}
    import rustworkx

    order = sorted(set(silos))
    members = set(order)
    # In a fixed order, so that the same landscape always gives the same picture.
    kept = sorted(
        (x for x in links if x.a in members and x.b in members and x.a != x.b),
        key=lambda x: (min(x.a, x.b), max(x.a, x.b), x.weight),
    )
    start = _starting_points(order, kept, previous, kinds)
    if len(order) == 1:
        return {order[0]: start[order[0]]}
    graph = rustworkx.PyGraph()
    index = {silo: graph.add_node(silo) for silo in order}
    centre = graph.add_node(None)
    for silo in order:
        graph.add_edge(index[silo], centre, CENTRE_PULL)
    # Many bridges per silo would knot the map into tight balls: each pulls
    # less when there are many, as if the silo's pull were shared among them.
    damping = 1 / math.sqrt(max(1.0, 2 * len(kept) / len(order)))
    for link in kept:
        graph.add_edge(index[link.a], index[link.b], link.weight * damping)
    placed = rustworkx.spring_layout(
        graph,
        pos={index[s]: start[s] for s in order} | {centre: (0.0, 0.0)},
        k=SPACING / math.sqrt(len(order) + 1),
        weight_fn=float,
        num_iter=ITERATIONS,
        seed=SEED,
    )
    found = {silo: (float(placed[index[silo]][0]), float(placed[index[silo]][1])) for silo in order}
    known = [s for s in order if s in previous]
    if not known:
        return found
    if len(known) == 1:
        (only,) = known
        dx, dy = previous[only][0] - found[only][0], previous[only][1] - found[only][1]
        return {silo: (x + dx, y + dy) for silo, (x, y) in found.items()}
    fitted = _fitted(found, {s: previous[s] for s in known})
    return {
        silo: _towards(previous[silo], fitted[silo]) if silo in previous else fitted[silo]
        for silo in order
    }


def _starting_points(
    order: Sequence[int],
    links: Sequence[Link],
    previous: Mapping[int, Point],
    kinds: Mapping[int, str],
) -> dict[int, Point]:
    """Known silos where they were; new ones by their bridged neighbours or their kind."""

    neighbours: dict[int, list[int]] = {}
    for link in links:
        neighbours.setdefault(link.a, []).append(link.b)
        neighbours.setdefault(link.b, []).append(link.a)
    sectors = sorted({kinds.get(s, "") for s in order})
    start: dict[int, Point] = {}
    for silo in order:
        if silo in previous:
            start[silo] = previous[silo]
            continue
        chance = random.Random(f"{SEED}:{silo}")
        near = [previous[n] for n in neighbours.get(silo, ()) if n in previous]
        if near:
            x = sum(p[0] for p in near) / len(near) + chance.uniform(-0.05, 0.05)
            y = sum(p[1] for p in near) / len(near) + chance.uniform(-0.05, 0.05)
            start[silo] = (x, y)
            continue
        sector = sectors.index(kinds.get(silo, ""))
        width = 2 * math.pi / len(sectors)
        angle = width * (sector + chance.uniform(0.1, 0.9))
        radius = 0.3 + 0.6 * math.sqrt(chance.random())
        start[silo] = (radius * math.cos(angle), radius * math.sin(angle))
    return start


def _fitted(found: Mapping[int, Point], previous: Mapping[int, Point]) -> dict[int, Point]:
    """``found`` turned, scaled and shifted to lie as close as it can on ``previous``.

    The similarity transform that best maps the common silos (Umeyama's
    least-squares fit, without mirroring), applied to every silo.
    """

    import numpy

    common = sorted(previous)
    moved = numpy.array([found[s] for s in common], dtype=float)
    target = numpy.array([previous[s] for s in common], dtype=float)
    moved_mean, target_mean = moved.mean(axis=0), target.mean(axis=0)
    a, b = moved - moved_mean, target - target_mean
    u, sizes, vt = numpy.linalg.svd(a.T @ b)
    mirror = numpy.sign(numpy.linalg.det(u @ vt)) or 1.0
    fix = numpy.diag([1.0, mirror])
    turn = u @ fix @ vt
    spread = float((a**2).sum())
    scale = float((sizes * numpy.diag(fix)).sum()) / spread if spread > 0 else 1.0
    every = sorted(found)
    points = numpy.array([found[s] for s in every], dtype=float)
    placed = scale * (points - moved_mean) @ turn + target_mean
    return {silo: (float(x), float(y)) for silo, (x, y) in zip(every, placed, strict=True)}


def _towards(old: Point, wanted: Point) -> Point:
    """``wanted``, or the point ``MAX_MOVE`` from ``old`` on the way to it."""

    dx, dy = wanted[0] - old[0], wanted[1] - old[1]
    far = math.hypot(dx, dy)
    if far <= MAX_MOVE:
        return wanted
    return (old[0] + dx * MAX_MOVE / far, old[1] + dy * MAX_MOVE / far)
