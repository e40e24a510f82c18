"""Screens of a config's ranges: parameters that, alone or together, push an item out of its range.

:func:`sign_risks` sweeps one uncertain parameter at a time over its support, everything
else at base; :func:`joint_risks` sets several at the corners of their ranges together and
reduces the worst corner to a minimal combination.  Both look for a cost item's value
below 0, a persistence outside [0, 1] ([0, inf) with ``growth = true``) and (one at a
time) a value that is NaN or infinite.  Screens, not bounds: :mod:`wotsim.config.checks`
turns what they find into warnings and refusals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from .distributions import Distribution
from .expressions import Expression
from .schema import Config, Item, base_values, parameters_of, with_derived

__all__ = ["CORNER_DRAWS", "MAX_CORNER_PARAMETERS", "JointRisk", "SignRisk", "joint_risks", "sign_risks"]

#: Quantiles at which :func:`sign_risks` sweeps one parameter (support ends replace the extremes when finite,
#: except for the ``finite`` check, which stays inside the support: a draw never lands on its end).
_SWEEP = (1e-6, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1 - 1e-6)
#: Quantiles of the joint sweep of a cost item's parameters (:func:`joint_risks`): each at its low or high one.
_CORNER = (1e-3, 1 - 1e-3)
#: Up to this many parameters in one formula, :func:`joint_risks` evaluates every corner (2**10 = 1,024)...
MAX_CORNER_PARAMETERS = 10
#: ... beyond, this many random corners: each parameter low in half of them and high in the other half
#: (a Latin hypercube on the corners), with a fixed seed so that validate always says the same.
CORNER_DRAWS = 1024
_CORNER_SEED = 20240806
#: Parameters swept together in one evaluation by :func:`sign_risks` (bounds its memory: batch**2 x 9 values).
_SWEEP_BATCH = 256
#: Beyond this many parameters in one formula, :func:`joint_risks` reports the worst corner as found, without
#: reducing it to a minimal combination (one evaluation per parameter).
_MINIMISE_MAX = 64
#: Values (rows x parameters) :func:`joint_risks` evaluates together.
_JOINT_VALUES = 2**20


#: Sweep points per distribution (keyed by identity; a config and its scenarios share their distributions).
_POINTS: dict[int, tuple[Distribution, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _points(dist: Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the sweep with finite support ends, the sweep inside the support, the corners): one ppf call, kept."""
    hit = _POINTS.get(id(dist))
    if hit is not None and hit[0] is dist:
        return hit[1]
    q = np.asarray(_SWEEP + _CORNER)
    values = np.asarray(dist.ppf(q), dtype=float).reshape(q.shape)
    inner, corner = values[:len(_SWEEP)], values[len(_SWEEP):]
    ends = inner.copy()
    lo, hi = dist.support()
    if math.isfinite(lo):
        ends[0] = lo
    if math.isfinite(hi):
        ends[-1] = hi
    for a in (ends, inner, corner):
        a.flags.writeable = False
    if len(_POINTS) >= 4096:
        _POINTS.clear()
    _POINTS[id(dist)] = (dist, (ends, inner, corner))
    return ends, inner, corner


def _sweep_points(dist: Distribution) -> np.ndarray:
    return _points(dist)[0]


@dataclass(frozen=True)
class SignRisk:
    """One parameter that, alone, can push an item's value (or persistence) out of range.

    ``quantile`` is the swept quantile (0 or 1 for a finite support end), ``at`` the
    parameter's value there and ``value`` the item's value (or persistence) with every
    other parameter at base.
    """

    item: str
    parameter: str
    quantile: float
    at: float
    value: float


_WHAT = ("cost", "persistence", "finite")


def _formula_of(item: Item, what: str) -> Expression:
    return item.persistence if what == "persistence" else item.value


def _items_for(config: Config, what: str, items: Iterable[str] | None) -> list[Item]:
    if what not in _WHAT:
        raise ValueError(f"what must be one of {', '.join(_WHAT)}, got {what!r}")
    wanted = None if items is None else set(items)
    return [it for it in config.items
            if (what != "cost" or it.kind == "cost") and (wanted is None or it.id in wanted)]


def _out_of_range(what: str, item: Item, y: np.ndarray) -> np.ndarray:
    """Where a cost is < 0, a persistence outside [0, 1] ([0, inf) with growth) or NaN, a value not finite."""
    if what == "cost":
        return y < 0
    if what == "persistence":
        return (y < 0) | ((y > 1) & (not item.growth)) | np.isnan(y)
    return ~np.isfinite(y)


def _distance(what: str, item: Item, y: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """How far each bad point lies out of range (NaN the farthest), -1 elsewhere: its argmax is the worst point."""
    upper = np.inf if what == "cost" or item.growth else 1.0
    return np.where(bad, np.nan_to_num(np.abs(y - np.clip(y, 0.0, upper)), nan=np.inf), -1.0)


def sign_risks(config: Config, *, what: str = "cost", items: Iterable[str] | None = None) -> list[SignRisk]:
    """Parameters that alone, everything else at base, push an item's value or persistence out of range.

    ``what="cost"``: a cost item's value below 0; ``what="persistence"``: an item's
    persistence below 0 or (without ``growth``) above 1; ``what="finite"``: an item's
    value NaN or infinite.  Every uncertain parameter the formula reads (directly or
    through derived formulas) is swept over its support with all others at base: its
    ends where finite (for ``finite``, the 1e-6 and 1 - 1e-6 quantiles, since no draw
    lands on an end), else those quantiles, and quantiles between.  The point recorded is
    the worst one (for ``finite``, the one nearest the median: where the trouble starts).
    Draws that move several parameters at once can go further (:func:`joint_risks`):
    this is a screen, not a bound.  ``items`` restricts the check to these item ids.
    """
    chosen = _items_for(config, what, items)
    reads = {it.id: [p for p in sorted(parameters_of(config, _formula_of(it, what).names))
                     if not config.parameters[p].dist.fixed] for it in chosen}
    params = sorted({p for ps in reads.values() for p in ps})
    if not params:
        return []
    # one evaluation per batch of parameters: block j of the rows sweeps the batch's j-th parameter, everything
    # else at base (batches bound the memory: each swept parameter is a column of batch x points values)
    m = len(_SWEEP)
    points = {p: _points(config.parameters[p].dist)[1 if what == "finite" else 0] for p in params}
    base = base_values(config)
    number = {p: j for j, p in enumerate(params)}
    by_batch: dict[str, dict[int, list[str]]] = {}  # item -> batch -> the parameters it reads there
    for it in chosen:
        for p in reads[it.id]:
            by_batch.setdefault(it.id, {}).setdefault(number[p] // _SWEEP_BATCH, []).append(p)
    found: dict[tuple[str, str], SignRisk] = {}
    with np.errstate(all="ignore"):
        for start in range(0, len(params), _SWEEP_BATCH):
            batch = params[start:start + _SWEEP_BATCH]
            values: dict[str, Any] = dict(base)
            for j, p in enumerate(batch):
                column = np.full(len(batch) * m, float(base[p][0]))
                column[j * m:(j + 1) * m] = points[p]
                values[p] = column
            env = with_derived(config, values)
            block = {p: j for j, p in enumerate(batch)}
            for it in chosen:
                mine = by_batch.get(it.id, {}).get(start // _SWEEP_BATCH)
                if not mine:
                    continue
                y_all = np.broadcast_to(np.asarray(_formula_of(it, what)(env), dtype=float), (len(batch) * m,))
                for p in mine:
                    risk = _worst(config, what, it, p, points[p], y_all[block[p] * m:(block[p] + 1) * m])
                    if risk is not None:
                        found[it.id, p] = risk
    return [found[it.id, p] for it in chosen for p in reads[it.id] if (it.id, p) in found]  # config order


def _worst(config: Config, what: str, item: Item, p: str, at: np.ndarray, y: np.ndarray) -> SignRisk | None:
    """The point of a one-parameter sweep to report, or None when the item stays in range."""
    bad = _out_of_range(what, item, y)
    if not np.any(bad):
        return None
    m = len(_SWEEP)
    if what == "finite":
        k = min(np.flatnonzero(bad), key=lambda j: abs(j - m // 2))
        return SignRisk(item.id, p, _SWEEP[k], float(at[k]), float(y[k]))
    k = int(np.argmax(_distance(what, item, y, bad)))  # the worst point
    lo, hi = config.parameters[p].dist.support()
    q = 0.0 if k == 0 and math.isfinite(lo) else 1.0 if k == m - 1 and math.isfinite(hi) else _SWEEP[k]
    return SignRisk(item.id, p, q, float(at[k]), float(y[k]))


@dataclass(frozen=True)
class JointRisk:
    """Parameters that together, and none alone, push an item's value (or persistence) out of range.

    Each of ``parameters`` sits at the corner of its range given in ``quantiles`` (0 or
    1 for a finite support end) and ``at``, everything else at base; ``value`` is the
    item's value (or persistence) there.  The combination is minimal: moving any one of
    its parameters back to base brings the item back into range.
    """

    item: str
    parameters: tuple[str, ...]
    quantiles: tuple[float, ...]
    at: tuple[float, ...]
    value: float


def _corners(k: int) -> np.ndarray:
    """Rows of 0 (low end) and 1 (high end) for k parameters: all 2**k corners, or random balanced ones."""
    if k <= MAX_CORNER_PARAMETERS:
        return (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
    rng = np.random.default_rng(_CORNER_SEED)
    half = np.arange(CORNER_DRAWS) % 2
    return np.column_stack([rng.permutation(half) for _ in range(k)])


def joint_risks(config: Config, *, what: str = "cost", items: Iterable[str] | None = None) -> list[JointRisk]:
    """Corners of the parameters' ranges where an item's value (or persistence) leaves its range.

    For every item (cost items for ``what="cost"``) whose formula reads at least two
    uncertain parameters and that no parameter alone pushes out of range
    (:func:`sign_risks`), the parameters are set to the ends of their ranges together,
    everything else at base: every corner for up to :data:`MAX_CORNER_PARAMETERS`
    parameters, else :data:`CORNER_DRAWS` random corners (each parameter low in half,
    high in the other half, a fixed seed) and the two corners that move every parameter
    the way that, on its own, lowers (raises) the value.  The ends are the 0.1% and 99.9%
    quantiles for costs (a combination of unlikely values is a risk worth a warning, not
    of impossible ones), the support's ends (or its 1e-6 and 1 - 1e-6 quantiles) for a
    persistence, whose rule holds in every draw.  The worst corner found is reduced to a
    minimal combination (for up to 64 parameters): parameters whose return to base keeps
    the item out of range are dropped, one at a time.  ``what="finite"`` is not swept
    jointly.  A screen, not a bound: a formula that is worst inside its ranges escapes it.
    """
    if what == "finite":
        raise ValueError("joint_risks checks costs and persistence; finite values are swept one at a time")
    chosen = _items_for(config, what, items)
    alone = {r.item for r in sign_risks(config, what=what, items=[it.id for it in chosen])}
    base = base_values(config)
    out = []
    with np.errstate(all="ignore"):
        for it in chosen:
            expr = _formula_of(it, what)
            params = [p for p in sorted(parameters_of(config, expr.names)) if not config.parameters[p].dist.fixed]
            if it.id in alone or len(params) < 2:
                continue
            ends, quantiles = [], []
            for p in params:
                dist = config.parameters[p].dist
                if what == "cost":
                    ends.append(_points(dist)[2])
                    quantiles.append(_CORNER)
                else:
                    points = _sweep_points(dist)
                    lo, hi = dist.support()
                    ends.append(points[[0, -1]])
                    quantiles.append((0.0 if math.isfinite(lo) else _SWEEP[0], 1.0 if math.isfinite(hi) else _SWEEP[-1]))
            ends_ = np.array(ends)  # (k, 2)
            k = len(params)
            step = max(1, _JOINT_VALUES // k)  # rows evaluated together: bounds the memory at about k x step values

            def value_at(high: np.ndarray, moved: np.ndarray) -> np.ndarray:
                """The item where each parameter is at its high (``high``) or low end (where ``moved``), else at base."""
                y = np.empty(high.shape[0])
                for a in range(0, high.shape[0], step):
                    h, mv = high[a:a + step], moved[a:a + step]
                    values = dict(base)
                    for j, p in enumerate(params):
                        values[p] = np.where(mv[:, j], np.where(h[:, j], ends_[j, 1], ends_[j, 0]), base[p][0])
                    y[a:a + step] = np.broadcast_to(np.asarray(expr(with_derived(config, values)), dtype=float),
                                                    (h.shape[0],))
                return y

            rows = _corners(k).astype(bool)
            if k > MAX_CORNER_PARAMETERS:
                # add the corners that push every parameter the way that, alone, lowers (raises) the item
                down = np.zeros(k, dtype=bool)
                for a in range(0, k, _SWEEP_BATCH):  # rows 2i and 2i + 1: the batch's i-th parameter low and high
                    batch = range(a, min(k, a + _SWEEP_BATCH))
                    values = dict(base)
                    for i, j in enumerate(batch):
                        column = np.full(2 * len(batch), float(base[params[j]][0]))
                        column[2 * i:2 * i + 2] = ends_[j]
                        values[params[j]] = column
                    y = np.broadcast_to(np.asarray(expr(with_derived(config, values)), dtype=float), (2 * len(batch),))
                    down[a:a + len(batch)] = y[1::2] < y[0::2]
                rows = np.vstack([rows, down, ~down])
            y = value_at(rows, np.ones(rows.shape, dtype=bool))
            bad = _out_of_range(what, it, y)
            if not np.any(bad):
                continue
            worst = int(np.argmax(_distance(what, it, y, bad)))
            row, keep = rows[worst:worst + 1], np.ones((1, k), dtype=bool)
            value = float(y[worst])
            for j in range(k if k <= _MINIMISE_MAX else 0):  # back to base one at a time, while still out of range
                trial = keep.copy()
                trial[0, j] = False
                y_trial = value_at(row, trial)
                if trial.any() and _out_of_range(what, it, y_trial)[0]:
                    keep, value = trial, float(y_trial[0])
            used = [j for j in range(k) if keep[0, j]]
            out.append(JointRisk(it.id, tuple(params[j] for j in used),
                                 tuple(quantiles[j][int(row[0, j])] for j in used),
                                 tuple(float(ends_[j, int(row[0, j])]) for j in used), value))
    return out
