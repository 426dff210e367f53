"""Where each silo sits in the dashboard's graph, worked out on the server.

The page draws circles where it is told, so it needs no layout library:
rustworkx's spring layout (seeded, so the same landscape gives the same
picture) places the silos, bridges pulling the silos they join together.
Silos with no bridge yet are only ever pushed, and would drift to the
corners; a hidden centre holds every silo on a weak spring, so the graph
fills a disc. The answer is scaled into the unit square, which the page
stretches to its drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Imported with the server (this module is only read when the dashboard is on), not
# in the first request: the first page must not wait for it.
import rustworkx

Point = tuple[float, float]

SEED = 16
CENTRE_PULL = 0.5
SPACING = 2.2
"""The springs' rest length, in multiples of rustworkx's default (1 / sqrt(silos))."""
MARGIN = 0.06


def positions(silos: Sequence[int], bridges: Sequence[tuple[int, int, float]]) -> dict[int, Point]:
    """Each silo's place in [0, 1] x [0, 1]; ``bridges`` are (silo, silo, pull)."""

    order = sorted(set(silos))
    if not order:
        return {}
    if len(order) == 1:
        return {order[0]: (0.5, 0.5)}
    graph = rustworkx.PyGraph()
    index = {silo: graph.add_node(silo) for silo in order}
    centre = graph.add_node(None)
    for silo in order:
        graph.add_edge(index[silo], centre, CENTRE_PULL)
    for a, b, pull in bridges:
        if a in index and b in index and a != b:
            graph.add_edge(index[a], index[b], pull)
    placed = rustworkx.spring_layout(
        graph,
        k=SPACING / math.sqrt(len(order) + 1),
        weight_fn=float,
        num_iter=80,
        seed=SEED,
    )
    points = {
        silo: (float(placed[index[silo]][0]), float(placed[index[silo]][1])) for silo in order
    }
    return _in_unit_square(points)


def _in_unit_square(points: dict[int, Point]) -> dict[int, Point]:
    """The same picture, scaled alike on both axes to fit the square within a margin."""

    xs = [p[0] for p in points.values()]
    ys = [p[1] for p in points.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (1 - 2 * MARGIN) / span
    shift_x = (1 - (max(xs) - min(xs)) * scale) / 2
    shift_y = (1 - (max(ys) - min(ys)) * scale) / 2
    return {
        silo: (
            round(shift_x + (x - min(xs)) * scale, 4),
            round(shift_y + (y - min(ys)) * scale, 4),
        )
        for silo, (x, y) in points.items()
    }
