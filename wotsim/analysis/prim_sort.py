"""PRIM's columns sorted once: :class:`ColumnSort`, shared by the boxes and resamples of one set of draws.

PRIM (:mod:`wotsim.analysis.prim`) works on each column's order and dense ranks.  Sorting
44 columns of 131,072 draws takes about 0.5 s, and a report's scenario discovery used to sort
the same base draws 55 times (the main output and four recommendations, each with ten
half-size resamples for its stability).  A :class:`ColumnSort` is made once per set of draws
(:func:`sort_columns`), and the sort of any subset of its rows follows from it in O(rows x
columns) without sorting again (:meth:`ColumnSort.take`); columns a scenario adds are sorted
on their own and joined (:meth:`ColumnSort.join`).

Tied values keep the parent's order within their group, which may differ from a new sort's;
PRIM's results do not depend on it: a peel takes or leaves a group of tied values whole, and
every count is over a set of rows (``tests/test_discover.py`` checks bit-identical
trajectories against sorting each subset anew).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ColumnSort", "sort_columns"]


@dataclass(frozen=True, eq=False)
class ColumnSort:
    """Columns of draws sorted once.

    ``values`` is ``x.T`` (d, n), contiguous; ``order[j]`` the rows by value of column ``j``;
    ``rank[j]`` each row's dense rank in column ``j`` (equal values share one); ``uniq[j]`` the
    distinct values; ``start[j][r]`` how many rows lie below rank ``r`` (``start[j][-1] == n``).
    """

    values: np.ndarray
    order: np.ndarray
    rank: np.ndarray
    uniq: tuple[np.ndarray, ...]
    start: tuple[np.ndarray, ...]

    @property
    def shape(self) -> tuple[int, int]:
        """(n draws, d columns), as ``x.shape``."""
        return self.values.shape[1], self.values.shape[0]

    def take(self, rows: np.ndarray) -> "ColumnSort":
        """The sort of ``x[rows]`` for increasing, distinct row numbers ``rows``, without a new sort."""
        rows = np.asarray(rows, dtype=np.intp)
        n, d = self.shape
        new = np.full(n, -1, dtype=self.order.dtype)
        new[rows] = np.arange(rows.size, dtype=self.order.dtype)
        order = new[self.order]
        order = np.compress(order.ravel() >= 0, order.ravel()).reshape(d, rows.size)  # flat: faster than 2-D
        return _ranked(np.ascontiguousarray(self.values[:, rows]), order)

    def join(self, other: "ColumnSort") -> "ColumnSort":
        """The columns of ``self`` then those of ``other`` (the same draws)."""
        if other.shape[0] != self.shape[0]:
            raise ValueError(f"cannot join sorts of {self.shape[0]} and {other.shape[0]} draws")
        return ColumnSort(np.concatenate([self.values, other.values]), np.concatenate([self.order, other.order]),
                          np.concatenate([self.rank, other.rank]), self.uniq + other.uniq, self.start + other.start)


def sort_columns(x: np.ndarray) -> ColumnSort:
    """Sort each column of ``x`` (n, d) once."""
    values = np.ascontiguousarray(np.asarray(x, dtype=float).T)
    order = np.argsort(values, axis=1)
    if values.shape[1] < 2**31 - 1:
        order = order.astype(np.int32)  # half the memory traffic of PRIM's per-peel compression
    return _ranked(values, order)


def _ranked(values: np.ndarray, order: np.ndarray) -> ColumnSort:
    d, n = values.shape
    rank = np.empty((d, n), dtype=np.intp)
    uniq, start = [], []
    for j in range(d):
        v = values[j, order[j]]
        new = np.empty(n, dtype=bool)
        new[:1] = True
        np.not_equal(v[1:], v[:-1], out=new[1:])
        rank[j, order[j]] = np.cumsum(new) - 1
        uniq.append(v[new])
        start.append(np.append(np.flatnonzero(new), n))
    return ColumnSort(values, order, rank, tuple(uniq), tuple(start))
