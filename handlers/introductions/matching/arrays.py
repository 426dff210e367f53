"""Index arithmetic on numpy arrays, shared by the scorer, the candidate graph and the seating.

Pairs of members are kept as flat keys ``i * n + j`` in sorted arrays, so a
lookup is a binary search and a block of pairs is a scatter; a candidate
graph keeps the best few columns of each row of a matrix of weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def lookup(keys: IntArray, values: npt.NDArray[Any], key: int) -> Any:
    """The value stored under ``key`` in the sorted ``keys``, or ``None``."""

    at = int(np.searchsorted(keys, key))
    return values[at].item() if at < len(keys) and keys[at] == key else None


def sorted_keys(values: Mapping[int, int]) -> tuple[IntArray, FloatArray]:
    keys = np.array(sorted(values), dtype=np.int64)
    return keys, np.array([values[int(k)] for k in keys], dtype=np.float64)


def split(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """The rows and columns of flat pair keys ``i * n + j``."""

    return keys // n, keys % n


def positions(indices: IntArray, n: int) -> IntArray:
    """Where each of 0..n-1 sits in ``indices`` (-1 where it is absent)."""

    at = np.full(n, -1, dtype=np.int64)
    at[indices] = np.arange(len(indices), dtype=np.int64)
    return at


def scatter(
    target: FloatArray,
    row_at: IntArray,
    col_at: IntArray,
    rows: IntArray,
    cols: IntArray,
    values: FloatArray,
) -> None:
    """Add ``values`` at the (rows, cols) that fall inside ``target``'s block."""

    keep = (row_at[rows] >= 0) & (col_at[cols] >= 0)
    target[row_at[rows[keep]], col_at[cols[keep]]] += values[keep]


def mark(
    target: BoolArray, row_at: IntArray, col_at: IntArray, rows: IntArray, cols: IntArray, on: bool
) -> None:
    """Set the (rows, cols) that fall inside ``target``'s block to ``on``."""

    keep = (row_at[rows] >= 0) & (col_at[cols] >= 0)
    target[row_at[rows[keep]], col_at[cols[keep]]] = on


def best_per_group(keys: FloatArray, groups: IntArray, count: int) -> FloatArray:
    """``keys`` with -inf except each row's ``count`` best columns within each column group."""

    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    widths = np.diff(np.r_[starts, len(order)])
    by_group = keys[:, order]
    work = by_group.copy()
    threshold = np.full(keys.shape, -np.inf)
    for _ in range(count):
        threshold = np.repeat(np.maximum.reduceat(work, starts, axis=1), widths, axis=1)
        work[work >= threshold] = -np.inf
    kept = np.full(keys.shape, -np.inf)
    kept[:, order] = np.where(by_group >= threshold, by_group, -np.inf)
    return kept


def top(keys: FloatArray, count: int) -> tuple[IntArray, IntArray]:
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
