"""Scenario discovery: PRIM (the patient rule induction method) on the draws, in rank space.

Owns the PRIM engine: peeling, pasting, the trajectory, the chosen box, and per restriction its
quasi-p value and what lifting it costs.  Numpy on arrays (scipy for the binomial tail); no config,
words, figures or files.  The reference is the EMA Workbench (``analysis/prim.py``,
``prim_util.py``, ``scenario_discovery_util.py``, 3.0 line; 2.5.3 differs only in not truncating
integer paste values): Friedman & Fisher (1999) with EMA's default LENIENT1 objective, and the
quasi-p values of Bryant & Lempert (2010).  Each column is sorted once; a box is a range of
*dense ranks* per parameter (equal values share one); peeling counts the rows of the box, kept
sorted by every column and compressed after each peel: a step costs O(rows in box x d).

Choices, EMA's unless said (``BasePrim`` methods in brackets):

* **Objective** (``_lenient1_obj_func``): ``(mean_new - mean_old) / |n_old - n_new|``, 0 for
  equal means, ``mean_new = 0`` for an empty box; in the same float operations, so ties agree.
* **Candidates and ties** (``_peel``): continuous columns, then integer ones, each in the given
  order; per column the upper peel, then the lower.  The best has the largest ``(objective,
  unrestricted parameters)``; on a full tie the first wins (Python's sort is stable in reverse).
* **How much is peeled** (``_real_peel``, ``get_quantile``): the cut is EMA's quantile at
  ``i = (m - 1) q`` of the box's ``m`` values (``q = alpha`` lower, ``1 - alpha`` upper) with its
  walk over ties, so tied values go whole: for distinct values ``floor((m-1) alpha) + 1`` draws
  off the bottom, ``m - ceil((m-1)(1-alpha))`` off the top.  Integers (``_discrete_peel``): the
  quantile's midpoint truncated by ``int()``; if that is the current limit, the draws at it go.
* **Stop** (``_peel``): peel while the best candidate keeps ``mass >= mass_min``, removes a draw
  and has an objective > 0.
* **Pasting** (``_paste``, ``_real_paste``): per restricted side, the region is the draws that
  break only that restriction (and those at the limit if it sits on a value); the new limit its
  quantile ``1 - paste_alpha`` (lower) or ``paste_alpha`` (upper), ``int()`` for integers; lower
  side first; scored as above; taken while mass (``>= mass_min``), objective and density grow.
  Quirk kept: a box restricting no continuous parameter is not pasted.  EMA pastes its last
  peeled box; here the chosen one (as Friedman & Fisher do), the same for ``step=-1``.
* **Quasi-p** (``calculate_qp``, ``_calculate_quasip``): per restricted side, the one-sided
  binomial test ``P(X >= k | m, p) = binom.sf(k-1, m, p)`` (scipy's ``binomtest``, "greater") of
  the box's ``k`` cases in ``m`` draws against the density ``p`` with that side lifted.  "If
  lifted" frees both sides of the parameter, as EMA's ``drop_restriction``.
* **Limits**: EMA's, in units: for a continuous parameter the midpoint between the box's last
  draw in and first draw out (a draw's value where ties or integers put it); held as the
  dense-rank range within that cut, so membership is EMA's and every count can be recounted from
  the limits.  Percentiles: the share of all draws below the lower / at or below the upper limit.
  Peeling sees only ranks in the box, so the peeling trajectory is invariant under strictly
  increasing transforms of continuous parameters; a midpoint in units may pass a draw outside the
  box under a non-linear one, and move a percentile, quasi-p or pasting by that draw.
* **Chosen box** (wotsim's; EMA leaves it to the analyst): the highest F1 ``2 c l / (c + l)`` of
  coverage ``c`` and lift ``l = (d - d0) / (1 - d0)`` (how far density ``d`` has gone from step 0's
  ``d0`` towards 1): a knee that never picks step 0, even for a common condition (F1 of ``c`` and
  ``d`` did at ``d0 = 0.86``); with ``min_coverage``, the densest step with at least that coverage;
  or the ``step`` asked.  Ties: larger coverage, then earlier.  The chosen step is then pasted.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass

import numpy as np

from ..errors import WotsimError
from .prim_results import PrimBox, PrimResult, Restriction
from .prim_sort import ColumnSort, sort_columns

__all__ = ["PrimBox", "PrimResult", "Restriction", "check_settings", "evaluate_box", "f1_of", "prim"]

LOWER, UPPER = 0, 1
SIDES = ("lower", "upper")


@dataclass(frozen=True, eq=False)
class _Data:
    """Each column sorted once: ``order[j]`` the rows by value, ``rank[j]`` their dense ranks,
    ``uniq[j]`` the distinct values, ``start[j][r]`` how many draws lie below rank ``r``."""

    names: tuple[str, ...]
    integer: tuple[bool, ...]
    y: np.ndarray
    n_cases: int
    order: np.ndarray
    rank: np.ndarray
    uniq: tuple[np.ndarray, ...]
    start: tuple[np.ndarray, ...]
    free: np.ndarray
    distinct: np.ndarray
    col_order: tuple[int, ...]
    fast: np.ndarray          # the continuous columns (their clean peels computed together, :func:`_fast_peels`)
    fast_values: np.ndarray   # their values, shape (len(fast), n)


def _prepare(x, y, names, integer, sort: ColumnSort | None = None) -> _Data:
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1 or y.shape != x.shape[:1] or y.dtype != bool:
        raise WotsimError(f"x must be 2-D (draws, parameters), at least 2 draws, and y boolean, one per draw; "
                          f"got x of shape {x.shape} and y of {y.dtype} of shape {y.shape}")
    n, d = x.shape
    names = tuple(str(s) for s in names)
    integer = (False,) * d if integer is None else tuple(bool(b) for b in integer)
    if len(set(names)) != d or len(names) != d or len(integer) != d:
        raise WotsimError(f"names must be {d} distinct parameter names and integer {d} flags, got "
                          f"{len(names)} names ({len(set(names))} distinct) and {len(integer)} flags")
    if sort is not None and sort.shape != x.shape:
        raise WotsimError(f"the column sort is of {sort.shape} draws and parameters, x of {x.shape}")
    xt = np.ascontiguousarray(x.T) if sort is None else sort.values
    for j in range(d):
        if not np.isfinite(xt[j]).all():
            raise WotsimError(f"parameter {names[j]!r} has non-finite draws; PRIM needs finite values")
        if integer[j] and (xt[j] != np.round(xt[j])).any():
            raise WotsimError(f"parameter {names[j]!r} is flagged integer but has non-whole draws")
    n_cases = int(np.count_nonzero(y))
    if n_cases in (0, n):
        raise WotsimError(f"the condition holds in {n_cases} of {n} draws; PRIM needs draws in and out of it")
    if sort is None:
        sort = sort_columns(x)                            # tied draws are always peeled together
    uniq = sort.uniq
    free = np.array([(0, u.size - 1) for u in uniq])
    col_order = tuple(j for j in range(d) if not integer[j]) + tuple(j for j in range(d) if integer[j])
    fast = np.array([j for j in col_order if not integer[j]], dtype=np.intp)
    return _Data(names, integer, y, n_cases, sort.order, sort.rank, uniq, sort.start, free, free[:, 1] == n - 1,
                 col_order, fast, sort.values[fast])


def _rank(u: np.ndarray, side: int, value: float) -> int:
    """The dense rank limit of a cut at ``value`` in distinct values ``u``: first >= it, last <= it."""
    return int(np.searchsorted(u, value, ("left", "right")[side])) - side


class _Box:
    """The box being peeled or pasted: per (parameter, side) its cut in units (EMA's limit) and dense
    rank limit (``cut``, ``rk``: shape (d, 2)); per draw how many restrictions it breaks (``v``) and
    the sum of their ids ``2 j + side`` (``vsum``: the id itself where ``v == 1``)."""

    def __init__(self, data: _Data, cut):
        self.data, self.cut = data, np.array(cut, dtype=float)
        self.rk = np.array([[_rank(u, s, c) for s, c in enumerate(cs)] for u, cs in zip(data.uniq, self.cut)])
        self.v, self.vsum = np.zeros(data.y.size, dtype=np.int32), np.zeros(data.y.size, dtype=np.int64)
        for j in np.flatnonzero((self.rk != data.free).any(axis=1)):
            for side, out in ((LOWER, data.rank[j] < self.rk[j, 0]), (UPPER, data.rank[j] > self.rk[j, 1])):
                self.v += out
                self.vsum += out * (2 * j + side)
        self.inside = self.v == 0
        self.m, self.k = int(np.count_nonzero(self.inside)), int(np.count_nonzero(data.y & self.inside))

    def n_free(self, j: int, side: int, rank: int) -> int:
        """Unrestricted parameters if limit (j, side) moved to ``rank``."""
        rk, free = self.rk, self.data.free
        was, after = (rk[j] == free[j]).all(), rank == free[j, side] and rk[j, 1 - side] == free[j, 1 - side]
        return int(np.count_nonzero((rk == free).all(axis=1))) - bool(was) + bool(after)

    def move(self, j: int, side: int, value: float) -> None:
        """Cut side ``side`` of parameter j at ``value``, updating the draws between old and new."""
        rank, start, old = _rank(self.data.uniq[j], side, value), self.data.start[j], self.rk[j, side]
        a, b = (old, rank) if side == LOWER else (rank + 1, old + 1)
        rows = self.data.order[j, start[min(a, b)]:start[max(a, b)]]
        sign = 1 if b > a else -1                         # tighten or loosen
        was, y = self.inside[rows], self.data.y[rows]
        self.v[rows] += sign
        self.vsum[rows] += sign * (2 * j + side)
        self.inside[rows] = now = self.v[rows] == 0
        self.m += int(np.count_nonzero(now)) - int(np.count_nonzero(was))
        self.k += int(np.count_nonzero(now & y)) - int(np.count_nonzero(was & y))
        self.rk[j, side], self.cut[j, side] = rank, value


class _Ranks:
    """The dense ranks of column j over the box's rows sorted by it, read lazily: ``r[i]`` is
    ``rank[sj[i]]``.  A peel needs a few of them and two binary searches, not all m."""

    __slots__ = ("rank", "rows", "size")

    def __init__(self, rank: np.ndarray, rows: np.ndarray):
        self.rank, self.rows, self.size = rank, rows, rows.size

    def __getitem__(self, i: int) -> int:
        return int(self.rank[self.rows[i]])


def _search(r, value: int, side: str) -> int:
    """``np.searchsorted(r, value, side)`` for an array or the lazy :class:`_Ranks` (by bisection)."""
    if isinstance(r, np.ndarray):
        return int(np.searchsorted(r, value, side))
    return (bisect.bisect_left if side == "left" else bisect.bisect_right)(r, value, 0, r.size)


def _quantile(r, q: float) -> tuple[int, int]:
    """Positions (a, b) in sorted ``r`` of EMA's ``get_quantile(data, q)`` after its walk over
    ties: its value is the midpoint of the values at a and b (one value if ``r[a] == r[b]``)."""
    m = r.size
    a, b = math.floor((m - 1) * q), math.ceil((m - 1) * q)
    if r[a] == r[b]:
        if q > 0.5:
            a = max(_search(r, r[b], "left") - 1, 0)
        else:
            b = min(_search(r, r[a], "right"), m - 1)
    return a, b


def _lenient1(k_old: int, m_old: int, k_new: int, m_new: int) -> float:
    """EMA's LENIENT1: the gain in density per draw removed (peeling) or added (pasting)."""
    if m_new == m_old:
        return 0.0
    return ((k_new / m_new if m_new else 0.0) - k_old / m_old) / abs(m_old - m_new)


def _peel_cut(data: _Data, box: _Box, j: int, side: int, sj: np.ndarray, alpha: float):
    """EMA's candidate peel (j, side) of the box rows ``sj`` (sorted by column j): the rows
    peeled off that end of ``sj`` and EMA's new limit in units."""
    m, q, u = sj.size, (alpha if side == LOWER else 1 - alpha), data.uniq[j]
    if data.distinct[j] and not data.integer[j]:          # no ties: get_quantile in closed form
        a, b = math.floor((m - 1) * q), math.ceil((m - 1) * q)
        if a == b:
            a, b = (max(a - 1, 0), b) if side == UPPER else (a, min(b + 1, m - 1))
        va, vb = u[data.rank[j, sj[a]]], u[data.rank[j, sj[b]]]
        value = (va + vb) / 2                             # may round onto va or vb: EMA's rows then
        if side == UPPER:
            return m - (a + 1 if value < vb else b + 1), value
        return (b if value > va else a), value
    r = _Ranks(data.rank[j], sj)
    a, b = _quantile(r, q)
    if not data.integer[j]:                               # _real_peel with ties
        value = (u[r[a]] + u[r[b]]) / 2
        if side == UPPER:
            return m - _search(r, _rank(u, UPPER, value), "right"), value
        return _search(r, _rank(u, LOWER, value), "left"), value
    t, limit = int((u[r[a]] + u[r[b]]) / 2), box.rk[j, side]  # _discrete_peel: int() of the midpoint
    if side == UPPER:
        kept = _search(r, limit if t == u[limit] else _rank(u, UPPER, t) + 1, "left")
        return m - kept, float(u[r[kept - 1] if kept else r[m - 1]])
    cut = _search(r, limit + 1 if t == u[limit] else _rank(u, LOWER, t), "left")
    return cut, float(u[r[cut] if cut < m else r[0]])


def _fast_peels(data: _Data, box: _Box, s: np.ndarray, alpha: float) -> dict[tuple[int, int], tuple]:
    """:func:`_peel_cut` and the objective of every (continuous column, side) at once where the peel is
    clean: the draws at EMA's two quantile positions (which depend on the box's size alone) differ,
    and their midpoint lies strictly between them, so that no tie moves the cut (EMA's walk over
    ties, or a midpoint that rounds onto a tied value); the others go through :func:`_peel_cut`.
    (j, side) -> (objective, value, draws left), in the float operations of :func:`_lenient1`."""
    m, k, y, cols = box.m, box.k, data.y, data.fast
    out = {}
    if cols.size == 0:
        return out
    rows = np.arange(cols.size)
    for side, q in ((UPPER, 1 - alpha), (LOWER, alpha)):
        a, b = math.floor((m - 1) * q), math.ceil((m - 1) * q)
        if a == b:
            a, b = (max(a - 1, 0), b) if side == UPPER else (a, min(b + 1, m - 1))
        va, vb = data.fast_values[rows, s[cols, a]], data.fast_values[rows, s[cols, b]]
        value = (va + vb) / 2
        clean = (va < value) & (value < vb)               # distinct draws, a midpoint strictly between
        if side == UPPER:                                 # a + 1 draws kept, the rest peeled
            cut = m - (a + 1)
            peeled = np.count_nonzero(y[s[cols, a + 1:]], axis=1)
        else:                                             # b draws peeled
            cut = b
            peeled = np.count_nonzero(y[s[cols, :b]], axis=1)
        m_new, k_new = m - cut, k - peeled
        obj = (0.0 if m_new == m else ((k_new / m_new if m_new else 0.0) - k / m) / abs(m - m_new))
        obj = np.broadcast_to(obj, cols.shape)
        for j, ok, o, v in zip(cols.tolist(), clean.tolist(), obj.tolist(), value.tolist()):
            if ok:
                out[j, side] = (o, v, m_new)
    return out


def _peel(data: _Data, box: _Box, alpha: float, mass_min: float):
    """Peel ``box`` in place until EMA's stop rule; yield (j, side) after each peel."""
    n, y = data.y.size, data.y
    s = data.order.copy()                                 # row j: the box's draws sorted by column j
    while box.m >= 2:
        best = None
        fast = _fast_peels(data, box, s, alpha)
        for j in data.col_order:
            for side in (UPPER, LOWER):
                if (j, side) in fast:
                    obj, value, m_new = fast[j, side]
                else:
                    cut, value = _peel_cut(data, box, j, side, s[j], alpha)
                    rows = s[j, :cut] if side == LOWER else s[j, s.shape[1] - cut:]
                    m_new, k_new = box.m - cut, box.k - int(np.count_nonzero(y[rows]))
                    obj = _lenient1(box.k, box.m, k_new, m_new)
                if best is not None and obj < best[0][0]:
                    continue                              # the tie-break (unrestricted parameters) only on a tie
                score = (obj, box.n_free(j, side, _rank(data.uniq[j], side, value)))
                if best is None or score > best[0]:
                    best = (score, j, side, value, m_new)
        (obj, _), j, side, value, m_new = best
        if not (m_new / n >= mass_min and m_new < box.m and obj > 0):
            return
        box.move(j, side, value)
        s = s[box.inside[s]].reshape(s.shape[0], -1)
        yield j, side


def _paste_cut(data: _Data, box: _Box, j: int, side: int, rr: np.ndarray, alpha: float) -> float:
    """EMA's ``_real_paste`` of (j, side): the new limit in units; ``rr`` holds the sorted ranks
    of the draws that break only this restriction."""
    limit, u, region = box.rk[j, side], data.uniq[j], rr
    if u[limit] == box.cut[j, side]:                      # a cut on a value: EMA's region holds its draws
        at = data.order[j, data.start[j][limit]:data.start[j][limit + 1]]
        at = np.full(int(np.count_nonzero(box.inside[at])), limit)
        region = np.concatenate((rr, at) if side == LOWER else (at, rr))
    if region.size == 0:
        return float(u[0] if side == LOWER else u[-1])
    a, b = _quantile(region, 1 - alpha if side == LOWER else alpha)
    value = (u[region[a]] + u[region[b]]) / 2
    return float(int(value)) if data.integer[j] else value


def _paste(data: _Data, box: _Box, alpha: float, mass_min: float):
    """Paste ``box`` in place as EMA does; yield (j, side) after each paste."""
    n, y = data.y.size, data.y
    while True:
        restricted = [j for j in data.col_order if (box.rk[j] != data.free[j]).any()]
        if all(data.integer[j] for j in restricted):      # EMA returns before its integer columns
            return
        ones = np.flatnonzero(box.v == 1)
        ids = box.vsum[ones]
        best = None
        for j in restricted:
            for side in (LOWER, UPPER):
                if box.rk[j, side] == data.free[j, side]:
                    continue                              # EMA's candidate there changes nothing
                rows = ones[ids == 2 * j + side]          # draws that break only this restriction
                srt = np.argsort(data.rank[j, rows], kind="stable")
                rr, yy = data.rank[j, rows][srt], y[rows][srt]
                value = _paste_cut(data, box, j, side, rr, alpha)
                rank = _rank(data.uniq[j], side, value)
                added = yy[int(np.searchsorted(rr, rank, "left")):] if side == LOWER else \
                    yy[:int(np.searchsorted(rr, rank, "right"))]
                m_new, k_new = box.m + added.size, box.k + int(np.count_nonzero(added))
                score = (_lenient1(box.k, box.m, k_new, m_new), box.n_free(j, side, rank))
                if best is None or score > best[0]:
                    best = (score, j, side, value, m_new, k_new)
        if best is None:
            return
        (obj, _), j, side, value, m_new, k_new = best
        if not (m_new / n >= mass_min and m_new > box.m and obj > 0 and k_new / m_new > box.k / box.m):
            return
        box.move(j, side, value)
        yield j, side


def _snapshot(data: _Data, box: _Box, step, j=None, side=None) -> PrimBox:
    """The box as a :class:`PrimBox`, with per restriction its quasi-p values and lifted stats."""
    from scipy.stats import binom

    (n, d), m, k = data.rank.shape[::-1], box.m, box.k
    ones = np.flatnonzero(box.v == 1)
    ids = box.vsum[ones]
    n_lift = np.bincount(ids, minlength=2 * d).reshape(d, 2) + m
    k_lift = np.bincount(ids[data.y[ones]], minlength=2 * d).reshape(d, 2) + k
    lower, upper = box.cut[:, LOWER].copy(), box.cut[:, UPPER].copy()
    lower_pct = np.array([data.start[i][box.rk[i, 0]] for i in range(d)]) / n
    upper_pct = np.array([data.start[i][box.rk[i, 1] + 1] for i in range(d)]) / n
    density, coverage = k / m, k / data.n_cases
    restrictions = []
    restricted = np.flatnonzero((box.rk != data.free).any(axis=1))
    qps = np.where(box.rk[restricted] != data.free[restricted],   # one call for every side (scipy's overhead)
                   binom.sf(k - 1, m, k_lift[restricted] / n_lift[restricted]), np.nan)
    for i, qp in zip(restricted, qps):
        n_free, k_free = n_lift[i].sum() - m, k_lift[i].sum() - k
        restrictions.append(Restriction(
            data.names[i], float(lower[i]), float(upper[i]), float(lower_pct[i]), float(upper_pct[i]),
            float(qp[0]), float(qp[1]), k_free / n_free, k_free / data.n_cases,
            density - k_free / n_free, k_free / data.n_cases - coverage))
    return PrimBox(step, None if j is None else data.names[j], None if side is None else SIDES[side],
                   m, k, coverage, density, m / n, lower, upper, lower_pct, upper_pct, tuple(restrictions))


def _fraction(name: str, value, high: float, hint: str, *, closed: bool = False) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= high
            or (value == high and not closed)):
        raise WotsimError(f"{name} must be above 0 and {'at most' if closed else 'below'} {high:g}, "
                          f"got {value!r}; {hint}")
    return float(value)


def check_settings(peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05,
                   min_coverage: float | None = None, step: int | None = None) -> dict[str, Any]:
    """PRIM's settings checked (the rules of :func:`prim`), as floats; one line naming the setting if not."""
    out = dict(peel_alpha=_fraction("peel_alpha", peel_alpha, 0.5, "EMA's default is 0.05"),
               paste_alpha=_fraction("paste_alpha", paste_alpha, 0.5, "EMA's default is 0.05"),
               mass_min=_fraction("mass_min", mass_min, 1, "EMA's default is 0.05"), min_coverage=None)
    if min_coverage is not None:
        out["min_coverage"] = _fraction("min_coverage", min_coverage, 1, "or leave it out for the F1 rule",
                                        closed=True)
    if min_coverage is not None and step is not None:
        raise WotsimError("give min_coverage or step, not both")
    if step is not None and (isinstance(step, bool) or not isinstance(step, numbers.Integral)):
        raise WotsimError(f"step must be a whole number (a step of the peeling trajectory), got {step!r}")
    return out


def f1_of(coverage: float, density: float, base: float) -> float:
    """The chosen-box score: F1 of coverage and lift ``(density - base) / (1 - base)`` (0 when either is <= 0)."""
    lift = (density - base) / (1 - base)
    return 2 * coverage * lift / (coverage + lift) if lift > 0 and coverage > 0 else 0.0


def prim(x: np.ndarray, y: np.ndarray, *, names: Sequence[str], integer: Sequence[bool] | None = None,
         peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05,
         min_coverage: float | None = None, step: int | None = None, sort: ColumnSort | None = None) -> PrimResult:
    """Find a box of parameter values in which the condition ``y`` is dense (PRIM).

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The draws, one finite column per uncertain parameter, named by ``names``.
    y : ndarray of bool, shape (n,)
        Whether each draw meets the condition (some must, some must not).
    integer : sequence of d bool, optional
        Which parameters are integers (peeled as EMA's ``_discrete_peel``); default none.
    peel_alpha, paste_alpha, mass_min : float
        Share of the box peeled, or of the region beside it pasted, per move (< 0.5); the
        smallest share of the draws a box may hold.  EMA's defaults.
    min_coverage : float in (0, 1], optional; step : int, optional
        Choose the densest step with at least this coverage, or this step (negative: from the
        end), instead of the highest F1.
    sort : ColumnSort, optional
        ``x``'s columns sorted (:func:`wotsim.analysis.prim_sort.sort_columns`, or a subset's
        :meth:`~wotsim.analysis.prim_sort.ColumnSort.take`), to share one sort between PRIM runs
        on the same draws; the caller vouches that it is ``x``'s.  Default: sort here.

    Returns
    -------
    PrimResult
        The module docstring gives every choice and its place in the EMA Workbench.
    """
    settings = check_settings(peel_alpha, paste_alpha, mass_min, min_coverage, step)
    peel_alpha, paste_alpha, mass_min, min_coverage = (settings[k] for k in (
        "peel_alpha", "paste_alpha", "mass_min", "min_coverage"))
    data = _prepare(x, y, names, integer, sort)
    box = _Box(data, [(u[0], u[-1]) for u in data.uniq])
    states, moves, trajectory = [box.cut.copy()], [()], [_snapshot(data, box, 0)]
    for move in _peel(data, box, peel_alpha, mass_min):
        states.append(box.cut.copy())
        moves.append(move)
        trajectory.append(_snapshot(data, box, len(trajectory), *move))
    steps = range(len(trajectory))
    if step is not None:
        if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or not -len(steps) <= step < len(steps):
            raise WotsimError(f"step must be a step of the peeling trajectory, 0 to {len(steps) - 1}, got {step!r}")
        chosen, chosen_by = int(step) % len(steps), "step"
    elif min_coverage is not None:
        chosen, chosen_by = max(steps, key=lambda i: (trajectory[i].coverage >= min_coverage, trajectory[i].density,
                                                      trajectory[i].coverage, -i)), "min_coverage"
    else:
        f1 = [f1_of(b.coverage, b.density, trajectory[0].density) for b in trajectory]
        chosen, chosen_by = max(steps, key=lambda i: (f1[i], trajectory[i].coverage, -i)), "f1"
    box = _Box(data, states[chosen])
    pasted = list(_paste(data, box, paste_alpha, mass_min))
    last = pasted[-1] if pasted else moves[chosen]
    return PrimResult(data.names, data.integer, data.y.size, data.n_cases, peel_alpha, paste_alpha, mass_min,
                      None if min_coverage is None else float(min_coverage), tuple(trajectory), chosen, chosen_by,
                      _snapshot(data, box, chosen, *last),
                      tuple((data.names[j], SIDES[side]) for j, side in pasted))


def evaluate_box(x: np.ndarray, y: np.ndarray, *, names: Sequence[str],
                 limits: Mapping[str, tuple[float, float]]) -> PrimBox:
    """Counts, percentiles and quasi-p values of a given box, as PRIM reports its own.

    ``limits`` maps a parameter to its (low, high) in units, both inclusive (``-inf``/``inf`` for
    an open side); the others are free.
    """
    data = _prepare(x, y, names, None)
    if set(limits) - set(data.names):
        raise WotsimError(f"limits name unknown parameters {sorted(set(limits) - set(data.names))}; known: {names}")
    cut = [(u[0], u[-1]) for u in data.uniq]
    for name, (low, high) in limits.items():
        u = data.uniq[data.names.index(name)]
        cut[data.names.index(name)] = (max(low, u[0]), min(high, u[-1]))
    box = _Box(data, cut)
    if box.m == 0:
        raise WotsimError(f"the box {dict(limits)} holds no draw; widen a limit")
    return _snapshot(data, box, None)
