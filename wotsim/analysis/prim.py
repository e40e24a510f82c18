"""Scenario discovery: PRIM (the patient rule induction method) on the draws, in rank space.

Owns the PRIM engine: peeling, pasting, the trajectory, the chosen box, and per restriction its
quasi-p value and what lifting it costs.  Numpy on arrays (scipy for the binomial tail); no config,
words, figures or files.  The reference is the EMA Workbench (``analysis/prim.py``,
``prim_util.py``, ``scenario_discovery_util.py``, 3.0 line; 2.5.3 differs only in not truncating
integer paste values): Friedman & Fisher (1999) with EMA's default LENIENT1 objective, and the
quasi-p values of Bryant & Lempert (2010).  Each column is sorted once; a box is a range of
*dense ranks* per parameter (equal values share one); peeling (:mod:`.prim_peel`) counts the
box's rows near the ends of each column's order: a step costs O(alpha x rows in box x d).

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

import numbers
from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass

import numpy as np

from ..errors import WotsimError
from .prim_results import PrimBox, PrimResult, Restriction
from .prim_peel import lenient1, peel, quantile, rank_of
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
    fast: np.ndarray          # the continuous columns (their clean peels computed together, :mod:`.prim_peel`)
    values: np.ndarray        # the draws, shape (d, n)


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
    if sort is None:
        sort = sort_columns(x)                            # tied draws are always peeled together
    xt = sort.values
    infinite = ~np.isfinite(xt).all(axis=1)
    for j in np.flatnonzero(infinite | np.array(integer)):
        if infinite[j]:
            raise WotsimError(f"parameter {names[j]!r} has non-finite draws; PRIM needs finite values")
        if (xt[j] != np.round(xt[j])).any():
            raise WotsimError(f"parameter {names[j]!r} is flagged integer but has non-whole draws")
    n_cases = int(np.count_nonzero(y))
    if n_cases in (0, n):
        raise WotsimError(f"the condition holds in {n_cases} of {n} draws; PRIM needs draws in and out of it")
    uniq = sort.uniq
    free = np.array([(0, u.size - 1) for u in uniq])
    col_order = tuple(j for j in range(d) if not integer[j]) + tuple(j for j in range(d) if integer[j])
    fast = np.array([j for j in col_order if not integer[j]], dtype=np.intp)
    return _Data(names, integer, y, n_cases, sort.order, sort.rank, uniq, sort.start, free, free[:, 1] == n - 1,
                 col_order, fast, sort.values)


class _Box:
    """The box being peeled or pasted: per (parameter, side) its cut in units (EMA's limit) and dense
    rank limit (``cut``, ``rk``: shape (d, 2)); per draw how many restrictions it breaks (``v``) and
    the sum of their ids ``2 j + side`` (``vsum``: the id itself where ``v == 1``)."""

    def __init__(self, data: _Data, cut):
        self.data, self.cut = data, np.array(cut, dtype=float)
        self.rk = np.array([[rank_of(u, s, c) for s, c in enumerate(cs)] for u, cs in zip(data.uniq, self.cut)])
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

    def move(self, j: int, side: int, value: float) -> np.ndarray:
        """Cut side ``side`` of parameter j at ``value``, updating the draws between old and new (returned)."""
        rank, start, old = rank_of(self.data.uniq[j], side, value), self.data.start[j], self.rk[j, side]
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
        return rows


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
    a, b = quantile(region, 1 - alpha if side == LOWER else alpha)
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
                rank = rank_of(data.uniq[j], side, value)
                added = yy[int(np.searchsorted(rr, rank, "left")):] if side == LOWER else \
                    yy[:int(np.searchsorted(rr, rank, "right"))]
                m_new, k_new = box.m + added.size, box.k + int(np.count_nonzero(added))
                score = (lenient1(box.k, box.m, k_new, m_new), box.n_free(j, side, rank))
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
    per = np.bincount(2 * ids + data.y[ones], minlength=4 * d).reshape(d, 2, 2)   # parameter, side, case or not
    n_lift, k_lift = per.sum(axis=2) + m, per[:, :, 1] + k
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
    for move in peel(data, box, peel_alpha, mass_min):
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
