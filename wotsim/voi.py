"""Value of information: EVPI and EVPPI for a two-option decision, in euros per cohort.

A decision compares an alternative with a reference through the alternative's
incremental net benefit ``INB`` (euros, present value per cohort, one value per
Monte Carlo draw):

* keep the WOTs or stop: ``INB = NPV`` (stopping is worth 0);
* adopt a scenario instead of the base analysis: ``INB = NPV_scenario - NPV_base``,
  on common random numbers (:func:`wotsim.scenarios.compare`).

On current information the decision maker picks the alternative if ``E[INB] > 0``.
The opportunity loss of that choice in a draw is ``L(x) = max(x, 0) - x 1[E[INB] > 0]``
(always >= 0), and

* EVPI  = E[L(INB)]  = E[max(INB, 0)] - max(E[INB], 0);
* EVPPI(phi) = E[L(g(phi))],  g(phi) = E[INB | phi],

where phi is one parameter or a group of parameters.  EVPPI <= EVPI by Jensen's
inequality, since L is convex.

Estimator (regression method of Strong, Oakley & Brennan 2014, Med Decis Making
34:311-326): ``g`` is estimated by least squares on a basis of phi, from the
Monte Carlo sample itself (no nested simulation):

* one parameter: a cubic B-spline in the parameter's value with knots at
  equally spaced quantiles (8 interior knots by default; any cubic polynomial of
  the parameter is fitted exactly), or
  one indicator per value when it takes at most ``MAX_LEVELS`` distinct values
  (e.g. a horizon in whole years: then the fit is the exact conditional mean);
* a group: an additive model of those per-parameter bases (4 interior knots
  each) plus every pairwise product of the standardised parameters, which
  captures the products of reach, effect and unit value an MKBA is made of.
  For a group of 3 to ``MAX_GROW`` = 12 parameters the basis is also grown by
  every three-way product of the standardised parameters; the grown fit is used
  when its out-of-sample R² exceeds the base fit's by more than ``GROW_R2`` =
  0.01 (``basis_note = "grown: three-way products"``).  Higher interactions and
  non-linear interactions are not captured: for large groups the estimate can be
  biased downwards.  ``r2`` (out-of-sample share of INB's variance explained)
  is reported beside every EVPPI, and a group whose R² is below that of one of
  its members fitted alone (minus 0.01) gets a ``fit_warning``: its basis misses
  structure a single-parameter fit finds, so its EVPPI is probably too low.

Overfitting would bias EVPPI upwards; the fit is therefore *cross-fitted*: the
sample is split in two halves (rows ``i < n / 2`` and the rest), each half's
fitted values come from the model fitted on the other half.

Standard error.  The estimate has two sources of error: the outer average over
the draws, and the regression's own error (its coefficients are estimated from
the same draws).  ``se`` covers both: a delete-one-group jackknife of the whole
estimator (Efron & Stein 1981; Shao & Tu 1995, ch. 2).  Row ``i`` is in group
``i % G``; ``theta_(-k)`` is the estimate recomputed without group ``k`` (both
cross-fitted regressions refitted on the remaining rows, the choice and the
outer average recomputed on them), and
``se = sqrt((G - 1) / G * sum_k (theta_(-k) - mean_k theta_(-k))^2)``.  For a
randomised QMC design (``sobol``, ``lhs``) made of R independent randomisations
(row ``i`` in randomisation ``i % R``, ``SimulationResult.replicates``) the
groups are the randomisations, G = R: its rows are not independent, but its
randomisations are.  For independent draws (``mc``, R = 1) G =
``JACKKNIFE_GROUPS`` = 16.  The normal equations are sums over rows, so they are
accumulated once per (half, group) and a group is left out by subtraction; the
left-out fits' predictions come in the same pass as the full fit's.  Measured
against the spread over independent seeds (``tests/test_voi_calibration.py``:
linear and quadratic net benefits, small and large effects, mc and a 16-fold
randomised Sobol' design) the ratio spread / se is 0.75 to 1.1.  For an input
without information the jackknife is conservative (ratio about 0.7).  EVPI,
E[INB] and P(wrong) are means over the draws: their standard errors are the iid
formulas for independent draws and the spread of the R randomisation means,
``sd / sqrt(R)``, for a randomised QMC design.

Noise floor.  Even an input without information shows a positive EVPPI, because
the cross-fitted values ``m + e`` scatter around ``m = E[INB]`` with the noise
``e`` of the fitted coefficients: at a point of leverage ``h`` (``x' (X'X)^+ x``
of the other half's fit) ``e ~ N(0, s^2)`` with ``s^2 = sigma^2 (h - 1/n)``
(sigma^2 the residual variance; ``- 1/n`` because the choice is made on the
full-sample mean, which shares half of the fit's data), and its expected loss is
``s phi(m / s) - |m| Phi(-|m| / s)``.  ``floor`` is the average of this over the
predicted points (over 4096 rows per half for a group).  With every leverage at
its mean ``p / n_train`` (p columns, n_train = n / 2) this is the formula at
``s = sigma sqrt(p / n_train)``; but the loss is convex in ``s``, so the mean
leverage alone underestimates it (3-fold for a spline input when
``|E[INB]| = 2.6 s``, where high-leverage points at the ends of the range
dominate) and overestimates it by about 6% at ``E[INB] = 0``.  It is the
expected EVPPI of an uninformative input, not a bound (the mean over 400 seeds
of pure-noise inputs matches it within 1-3%): about ``s / sqrt(2 pi)`` when
E[INB] is near 0, and negligible once ``|E[INB]|`` is several ``s``.  An EVPPI is reported as not
distinguishable from 0 ("~0") when ``value <= floor + 2 se``
(:attr:`Evppi.distinguishable`).  An estimate is reported as ``min(raw, EVPI)``
(the raw value is kept as ``raw``; ``se`` is that of ``raw``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import special

from .errors import WotsimError
from .model import output_array, output_measure, output_names
from .results import SimulationResult, _write_json, write_atomic_dir

__all__ = ["Evppi", "VoiResult", "adoption_voi", "evpi", "evppi", "format_voi", "jackknife_groups", "keep_voi",
           "noise_floor", "save_voi"]

#: A parameter with at most this many distinct values gets one indicator per value.
MAX_LEVELS = 24
#: Rows per block when building regression bases (bounds memory).
BLOCK = 32_768
#: Jackknife groups for independent (mc) draws; a randomised QMC design uses its randomisations.
JACKKNIFE_GROUPS = 16
#: At most this many jackknife groups (normal equations are kept per half and group).
MAX_JACKKNIFE_GROUPS = 64
#: Largest group whose basis may grow by three-way products (k (k-1) (k-2) / 6 columns: 220 at 12).
MAX_GROW = 12
#: R^2 margin: the grown basis must beat the base basis by more than this; a group fit is flagged when
#: its R^2 is below its best member's alone by more than this.
GROW_R2 = 0.01


@dataclass(frozen=True)
class Evppi:
    """The expected value of perfect information on one parameter or group.

    Attributes
    ----------
    name : str
        The parameter, or the group's name.
    kind : str
        ``"parameter"`` or ``"group"``.
    parameters : tuple of str
        The parameters whose values would be learnt.
    label : str
    value : float
        EVPPI in euros per cohort, ``min(raw, EVPI)``.
    se : float
        Standard error of the estimate (of ``raw``): delete-one-group jackknife of the whole
        estimator, so it includes the regression's own error; see the module notes.
    floor : float
        Expected EVPPI of an input without information (regression noise under
        cross-fitting); see the module notes.
    raw : float
        The estimate before capping at EVPI.
    r2 : float
        Out-of-sample share of INB's variance explained by the fit.
    basis : int
        Number of regression columns.
    basis_note : str
        ``"grown: three-way products"`` when a group's basis was grown; else empty.
    fit_warning : str
        Set when a group's fit explains less of INB than one of its members alone
        (by more than :data:`GROW_R2`): the group EVPPI is probably underestimated.
    """

    name: str
    kind: str
    parameters: tuple[str, ...]
    label: str
    value: float
    se: float
    floor: float
    raw: float
    r2: float
    basis: int
    basis_note: str = ""
    fit_warning: str = ""

    @property
    def noise_level(self) -> float:
        """``floor + 2 se``: an estimate at or below this is not distinguishable from 0."""
        return self.floor + 2.0 * self.se

    @property
    def distinguishable(self) -> bool:
        """True if the estimate exceeds its noise floor by more than two standard errors."""
        return self.value > self.noise_level


@dataclass(frozen=True)
class VoiResult:
    """Value of information for one two-option decision.

    Attributes
    ----------
    decision : str
        ``"keep"`` or ``"adopt:<scenario id>"``.
    description : str
    output : str
        The net benefit output (an NPV in euros).
    options : tuple of (str, str)
        (reference, alternative).
    n : int
    mean_inb, mean_inb_se : float
        E[INB] and its Monte Carlo standard error.
    choice : str
        The option chosen on current information.
    p_wrong, p_wrong_se : float
        Probability that the other option is better, with its standard error.
    evpi, evpi_se : float
        EVPI in euros per cohort and its Monte Carlo standard error.
    parameters, groups : tuple of Evppi
        Sorted by EVPPI, largest first; empty when EVPI is 0 (then every EVPPI is 0).
    currency : str
    estimator : str
    replicates : int
        Independent randomisations of the design (1: independent draws).
    jackknife_groups : int
        Row groups of the EVPPI jackknife (:func:`jackknife_groups`).
    se_method : str
        How the standard errors were computed, in words.
    """

    decision: str
    description: str
    output: str
    options: tuple[str, str]
    n: int
    mean_inb: float
    mean_inb_se: float
    choice: str
    p_wrong: float
    p_wrong_se: float
    evpi: float
    evpi_se: float
    parameters: tuple[Evppi, ...]
    groups: tuple[Evppi, ...]
    currency: str = "EUR"
    estimator: str = field(default="regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves")
    replicates: int = 1
    jackknife_groups: int = JACKKNIFE_GROUPS
    se_method: str = ""

    def ranking(self) -> tuple[Evppi, ...]:
        """Parameters and groups together, by EVPPI, largest first."""
        return tuple(sorted(self.parameters + self.groups, key=lambda e: -e.value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- core estimators
def _loss(x: np.ndarray, adopt: bool) -> np.ndarray:
    """Opportunity loss of the current choice: max(x, 0) - x 1[adopt]."""
    return np.maximum(x, 0.0) - (x if adopt else 0.0)


def _mean_se(values: np.ndarray, replicates: int = 1) -> float:
    """Standard error of a mean: ``sd / sqrt(n)`` for independent draws, else batch means over the
    ``replicates`` independent randomisations (row ``i`` in ``i % R``): ``sd(replicate means) / sqrt(R)``."""
    values = np.asarray(values, dtype=float)
    R = int(replicates) if replicates else 1
    if R <= 1 or values.size < 2 * R:
        return float(values.std(ddof=1) / math.sqrt(values.size))
    rep = np.arange(values.size) % R
    means = np.bincount(rep, weights=values, minlength=R) / np.bincount(rep, minlength=R)
    return float(means.std(ddof=1) / math.sqrt(R))


def evpi(inb: np.ndarray, replicates: int = 1) -> tuple[float, float]:
    """EVPI of a two-option decision and its Monte Carlo standard error.

    Parameters
    ----------
    inb : ndarray, shape (n,)
        Incremental net benefit of the alternative over the reference, per draw (design row order).
    replicates : int
        Independent randomisations of the design; 1 for independent draws.

    Returns
    -------
    (evpi, se) : tuple of float
        ``E[max(INB, 0)] - max(E[INB], 0)`` and the standard error of the mean loss:
        ``sd(L(INB)) / sqrt(n)`` for independent draws, else the spread of the
        replicate means ``sd / sqrt(R)``.
    """
    inb = _check_inb(inb)
    loss = _loss(inb, bool(inb.mean() > 0))
    return float(loss.mean()), _mean_se(loss, replicates)


def _check_inb(inb: np.ndarray) -> np.ndarray:
    inb = np.asarray(inb, dtype=float)
    if inb.ndim != 1 or inb.size < 4:
        raise WotsimError(f"net benefit must be a 1-D array of at least 4 draws, got shape {inb.shape}")
    if not np.all(np.isfinite(inb)):
        raise WotsimError(f"net benefit has {int(np.sum(~np.isfinite(inb)))} undefined (NaN or infinite) draws; "
                          "value of information needs every draw")
    return inb


class _Basis:
    """Regression basis of one parameter, stored sparsely: column indices and weights per row.

    A cubic B-spline in the parameter's value with knots at equally spaced quantiles
    (``knots`` interior knots: ``knots + 4`` columns, 4 non-zero per row), so that any
    cubic polynomial of the parameter is fitted exactly.  Or, for at most
    ``MAX_LEVELS`` distinct values, one indicator per value.
    """

    def __init__(self, x: np.ndarray, knots: int):
        n = x.size
        levels = np.unique(x)
        if levels.size <= MAX_LEVELS:
            self.idx = np.searchsorted(levels, x)[:, None]
            self.w = np.ones((n, 1))
            self.size = int(levels.size)
            return
        lo, hi = float(levels[0]), float(levels[-1])
        inner = np.quantile(x, np.linspace(0.0, 1.0, knots + 2)[1:-1])
        inner = np.unique(inner[(inner > lo) & (inner < hi)])
        t = np.concatenate([[lo] * 4, inner, [hi] * 4])
        self.idx, self.w = _bspline_rows(x, t)
        self.size = len(t) - 4

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        idx = self.idx[rows]
        out = np.zeros((idx.shape[0], self.size))
        np.put_along_axis(out, idx, self.w[rows], axis=1)
        return out


def _bspline_rows(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 4 non-zero cubic B-spline values per point (Cox-de Boor; Piegl & Tiller, The NURBS Book, A2.2).

    Parameters
    ----------
    x : ndarray, shape (n,)
        Points in [t[3], t[-4]].
    t : ndarray
        Knots, the end knots repeated 4 times, interior knots distinct.

    Returns
    -------
    idx : ndarray of int, shape (n, 4)
        Columns (basis functions) of the non-zero values.
    w : ndarray, shape (n, 4)
        The values; each row sums to 1.
    """
    k = 3
    n = x.size
    i = np.clip(np.searchsorted(t, x, side="right") - 1, k, len(t) - k - 2)
    N = np.zeros((n, k + 1))
    N[:, 0] = 1.0
    left = np.zeros((n, k + 1))
    right = np.zeros((n, k + 1))
    for j in range(1, k + 1):
        left[:, j] = x - t[i + 1 - j]
        right[:, j] = t[i + j] - x
        saved = np.zeros(n)
        for r in range(j):
            temp = N[:, r] / (right[:, r + 1] + left[:, j - r])
            N[:, r] = saved + right[:, r + 1] * temp
            saved = left[:, j - r] * temp
        N[:, j] = saved
    return (i - k)[:, None] + np.arange(k + 1), N


def _solve(xtx: np.ndarray, xty: np.ndarray) -> np.ndarray:
    """Least squares from normal equations, with column scaling; rank deficiency tolerated."""
    scale = np.sqrt(np.maximum(np.diag(xtx), 1e-300))
    sol = np.linalg.lstsq(xtx / np.outer(scale, scale), xty / scale, rcond=1e-12)[0]
    return sol / scale


def jackknife_groups(n: int, replicates: int = 1) -> int:
    """Number of row groups G of the delete-one-group jackknife (row ``i`` is in group ``i % G``).

    The design's independent randomisations when it has several (``replicates > 1``,
    randomised QMC), else :data:`JACKKNIFE_GROUPS` (independent draws); at most ``n // 2``.
    More than :data:`MAX_JACKKNIFE_GROUPS` randomisations are pooled into the largest number
    of groups at most that which divides R (row ``i`` then in group ``i % G = (i % R) % G``:
    each group is still made of whole randomisations), to bound memory.
    """
    R = int(replicates) if replicates else 1
    g = R if R > 1 else JACKKNIFE_GROUPS
    if g > MAX_JACKKNIFE_GROUPS:
        g = next((d for d in range(MAX_JACKKNIFE_GROUPS, 1, -1) if R % d == 0), R)
    return max(2, min(g, n // 2))


@lru_cache(maxsize=8)
def _layout(n: int, groups: int) -> "_Layout":
    return _Layout(n, groups)


class _Layout:
    """The rows sorted by (half, jackknife group).

    Row ``i`` of the design is in half ``i >= n // 2`` (the cross-fitting split) and in
    group ``i % G``.  After sorting, each (half, group) segment is contiguous, so the
    normal equations can be accumulated per segment and a group left out by subtraction.
    """

    def __init__(self, n: int, groups: int):
        G = self.G = groups
        i = np.arange(n)
        key = (i >= n // 2) * G + i % G
        self.order = np.argsort(key, kind="stable")
        self.seg = key[self.order]
        self.grp = self.seg % G
        counts = np.bincount(key, minlength=2 * G)
        self.bounds = np.concatenate([[0], np.cumsum(counts)])
        self.halves = [(0, int(self.bounds[G])), (int(self.bounds[G]), n)]
        self.count = counts[:G] + counts[G:]
        self.n = n


class _Jackknife:
    """The EVPPI estimate and its G delete-one-group versions, accumulated from cross-fitted predictions.

    Column ``k < G`` of a prediction block comes from the fits without group ``k``
    (used for the rows outside group ``k``), column ``G`` from the full fits.
    """

    def __init__(self, y: np.ndarray, lay: _Layout, adopt: bool):
        G, n = lay.G, lay.n
        self.lay = lay
        ysum = np.bincount(lay.grp, weights=y, minlength=G)
        loo_adopt = (ysum.sum() - ysum) / (n - lay.count) > 0  # the choice, made without group k
        self.adopt = np.append(loo_adopt, adopt).astype(float)
        self.total = np.zeros(G + 1)
        self.own = np.zeros(G)
        self.fitted = np.empty(n)

    def add(self, P: np.ndarray, lo: int, hi: int) -> None:
        G = self.lay.G
        L = np.maximum(P, 0.0) - P * self.adopt
        self.total += L.sum(axis=0)
        g = self.lay.grp[lo:hi]
        self.own += np.bincount(g, weights=L[np.arange(hi - lo), g], minlength=G)
        self.fitted[lo:hi] = P[:, G]

    def result(self) -> tuple[float, float]:
        """(estimate, jackknife standard error)."""
        lay = self.lay
        G = lay.G
        theta = float(self.total[G] / lay.n)
        loo = (self.total[:G] - self.own) / (lay.n - lay.count)
        se = math.sqrt((G - 1) / G * float(np.sum((loo - loo.mean()) ** 2)))
        return theta, se


def _loo_coefs(xtx: np.ndarray, xty: np.ndarray, cols: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Coefficients per half: the G leave-one-group-out fits, then the full fit.

    Parameters
    ----------
    xtx, xty : ndarray, shape (2, G, p, p) and (2, G, p)
        Normal equations per (half, group).
    cols : ndarray of int
        Fit on these columns only (zero coefficients elsewhere).

    Returns
    -------
    coefs : list of 2 ndarray, shape (p, G + 1)
    inverses : list of 2 ndarray, shape (len(cols), len(cols))
        Pseudo-inverse of each half's full Gram matrix X'X (on ``cols``), for leverages.
    """
    G, p = xtx.shape[1], xtx.shape[2]
    coefs, inverses = [], []
    for h in range(2):
        a, b = xtx[h][:, cols[:, None], cols], xty[h][:, cols]
        full_a, full_b = a.sum(axis=0), b.sum(axis=0)
        A = np.concatenate([full_a - a, full_a[None]])  # (G + 1, q, q): leave-one-group-out, then full
        B = np.concatenate([full_b - b, full_b[None]])
        # the full matrix, scaled to unit diagonal: its eigenvalues give its pseudo-inverse and condition
        d = np.diag(full_a)
        scale = np.sqrt(np.maximum(d, 1e-300))
        outer = np.outer(scale, scale)
        lam, vec = np.linalg.eigh(full_a / outer)
        keep = lam > 1e-12 * max(float(lam[-1]), 1e-300)
        inverses.append((vec[:, keep] / lam[keep]) @ vec[:, keep].T / outer)
        coef = np.zeros((p, G + 1))
        coef[cols] = _solve_many(A, B).T
        coefs.append(coef)
    return coefs, inverses


def _solve_many(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve a stack of normal equations: one batched solve when no column is close to collinear with
    the others (Cholesky pivots of the unit-diagonal matrices above 1e-9: the common case), else
    least squares with rank deficiency tolerated (:func:`_solve`), one by one."""
    scale = np.sqrt(np.maximum(np.diagonal(A, axis1=1, axis2=2), 0.0))
    if np.all(scale > 0):
        As = A / (scale[:, :, None] * scale[:, None, :])
        try:
            pivots = np.diagonal(np.linalg.cholesky(As), axis1=1, axis2=2)
            if np.all(pivots ** 2 > 1e-9):
                return np.linalg.solve(As, (B / scale)[..., None])[..., 0] / scale
        except np.linalg.LinAlgError:
            pass
    return np.stack([_solve(a, b) for a, b in zip(A, B)])


#: Rows per half used to estimate the leverages of a group's fit (for its noise floor).
LEVERAGE_ROWS = 4096


class _Fit:
    """One cross-fitted regression: its jackknife, number of columns and leverage of each predicted point."""

    def __init__(self, jack: _Jackknife, width: int, leverage: np.ndarray):
        self.jack, self.width, self.leverage = jack, width, leverage


def _fit_sparse(basis: _Basis, y: np.ndarray, lay: _Layout, adopt: bool) -> _Fit:
    """Cross-fit y on one parameter's basis (rows in layout order)."""
    size, c = basis.size, basis.idx.shape[1]
    S = 2 * lay.G
    I, W = basis.idx, basis.w
    xtx = np.zeros(S * size * size)
    xty = np.zeros(S * size)
    off = lay.seg * size
    for a in range(c):
        ra = off + I[:, a]
        xty += np.bincount(ra, weights=W[:, a] * y, minlength=S * size)
        for b in range(a, c):
            v = np.bincount(ra * size + I[:, b], weights=W[:, a] * W[:, b], minlength=S * size * size)
            xtx += v
            if b != a:
                xtx += v.reshape(S, size, size).transpose(0, 2, 1).ravel()
    coefs, inverses = _loo_coefs(xtx.reshape(2, lay.G, size, size), xty.reshape(2, lay.G, size), np.arange(size))
    jack = _Jackknife(y, lay, adopt)
    leverage = np.empty(y.size)
    for h, (lo, hi) in enumerate(lay.halves):
        C = coefs[1 - h]  # each half predicted by the other half's fits
        M = inverses[1 - h]
        for a0 in range(lo, hi, BLOCK):
            a1 = min(a0 + BLOCK, hi)
            X = basis.block(slice(a0, a1))  # narrow (at most MAX_LEVELS or knots + 4 columns): dense is fastest
            jack.add(X @ C, a0, a1)
            leverage[a0:a1] = np.einsum("ij,ij->i", X @ M, X)
    return _Fit(jack, size, leverage)


def _fit_dense(bases: Sequence[_Basis], columns: Sequence[np.ndarray], y: np.ndarray, lay: _Layout,
               adopt: bool, pairwise: bool, triples: bool) -> list[_Fit]:
    """Cross-fit y on a group's basis (rows in layout order).

    The base basis is additive (each member's B-spline) plus pairwise products of the
    standardised members; with ``triples`` a second, grown basis adds every three-way
    product.  The base basis is a prefix of the grown one, so one set of normal
    equations serves both.  Returns the base fit, then the grown one if any.
    """
    k = len(columns)
    z = [(x - x.mean()) / (x.std() or 1.0) for x in columns]
    pairs = list(combinations(range(k), 2)) if pairwise else []
    threes = list(combinations(range(k), 3)) if triples else []
    base = 1 + sum(b.size - 1 for b in bases) + len(pairs)
    width = base + len(threes)

    def block(rows: slice | np.ndarray) -> np.ndarray:
        m = y[rows].shape[0]
        out = np.empty((m, width))
        out[:, 0] = 1.0
        col = 1
        for b in bases:  # drop one column each: a basis sums to 1, like the intercept
            out[:, col:col + b.size - 1] = b.block(rows)[:, 1:]
            col += b.size - 1
        zr = [zi[rows] for zi in z] if pairs else []
        for i, j in pairs:
            np.multiply(zr[i], zr[j], out=out[:, col])
            col += 1
        for i, j, q in threes:
            np.multiply(zr[i], zr[j], out=out[:, col])
            out[:, col] *= zr[q]
            col += 1
        return out

    G = lay.G
    xtx = np.zeros((2 * G, width, width))
    xty = np.zeros((2 * G, width))
    for s in range(2 * G):
        for a in range(int(lay.bounds[s]), int(lay.bounds[s + 1]), BLOCK):
            X = block(slice(a, min(a + BLOCK, int(lay.bounds[s + 1]))))
            xtx[s] += X.T @ X
            xty[s] += X.T @ y[a:a + X.shape[0]]
    xtx = xtx.reshape(2, G, width, width)
    xty = xty.reshape(2, G, width)
    widths = [base] + ([width] if threes else [])
    solved = [_loo_coefs(xtx, xty, np.arange(w)) for w in widths]
    jacks = [_Jackknife(y, lay, adopt) for _ in widths]
    leverages = [[] for _ in widths]
    for h, (lo, hi) in enumerate(lay.halves):
        C = np.concatenate([coefs[1 - h] for coefs, _ in solved], axis=1)
        for a in range(lo, hi, BLOCK):
            b = min(a + BLOCK, hi)
            P = block(slice(a, b)) @ C
            for j, jack in enumerate(jacks):
                jack.add(P[:, j * (G + 1):(j + 1) * (G + 1)], a, b)
        # leverage x' (X'X)^+ x of the other half's fit, on evenly spaced rows of this half
        X = block(np.arange(lo, hi, max(1, (hi - lo) // LEVERAGE_ROWS)))
        for j, (w, (_, inverses)) in enumerate(zip(widths, solved)):
            Xw = X[:, :w]
            leverages[j].append(np.einsum("ij,ij->i", Xw @ inverses[1 - h], Xw))
    return [_Fit(jack, w, np.concatenate(lev)) for jack, w, lev in zip(jacks, widths, leverages)]


def noise_floor(mean: float, sigma: float, leverage: float | np.ndarray) -> float:
    """Expected EVPPI of an input that carries no information, under cross-fitting.

    The cross-fitted value at a point of leverage ``h`` is ``m + e`` with ``m = mean``
    (E[INB]) and coefficient noise ``e ~ N(0, s^2)``, ``s = sigma sqrt(h)``; the expected
    loss of the current choice (the sign of m) there is ``s phi(m / s) - |m| Phi(-|m| / s)``.

    Parameters
    ----------
    mean : float
        E[INB].
    sigma : float
        Residual standard deviation of the fit.
    leverage : float or ndarray
        The leverage of each predicted point (the floor is the average over them), or one
        value such as the mean leverage ``p / n_train``.
    """
    h = np.atleast_1d(np.asarray(leverage, dtype=float))
    s = sigma * np.sqrt(np.maximum(h, 0.0))
    m = abs(float(mean))
    s = s[s * 40.0 > m]  # elsewhere the expected loss is below exp(-800): 0
    if s.size == 0:
        return 0.0
    f = s * np.exp(-0.5 * (m / s) ** 2) / math.sqrt(2.0 * math.pi) - m * special.ndtr(-m / s)
    return float(np.sum(np.maximum(f, 0.0)) / h.size)


def _r2(resid: float, var: float) -> float:
    return 1.0 - resid / var if var > 0 else float("nan")


def _fit_r2(fit: _Fit, y: np.ndarray, var: float) -> float:
    return _r2(float(np.mean((y - fit.jack.fitted) ** 2)), var)


def evppi(inputs: np.ndarray, inb: np.ndarray, *, knots: int | None = None, pairwise: bool = True,
          grow: bool = True, replicates: int = 1, member_r2: Sequence[float] | None = None,
          name: str = "", kind: str | None = None, parameters: Sequence[str] = (), label: str = "",
          evpi_value: float | None = None) -> Evppi:
    """EVPPI of one parameter or a group by cross-fitted regression, with a jackknife standard error.

    Parameters
    ----------
    inputs : ndarray, shape (n,) or (n, k)
        The draws of the parameter(s) whose values would be learnt, in design row order.
    inb : ndarray, shape (n,)
        Incremental net benefit of the alternative over the reference.
    knots : int, optional
        Interior knots of each B-spline (default 8 for one parameter, 4 in a group).
    pairwise : bool
        Add pairwise products of the standardised inputs (groups only).
    grow : bool
        For a group of 3 to :data:`MAX_GROW` parameters, also try the basis grown by every
        three-way product, and use it if its out-of-sample R^2 is higher by more than
        :data:`GROW_R2`.
    replicates : int
        Independent randomisations of the design (row ``i`` in randomisation ``i % R``);
        1 for independent draws.  Sets the jackknife groups (:func:`jackknife_groups`).
    member_r2 : sequence of float, optional
        Out-of-sample R^2 of each group member fitted alone (computed if not given); a
        group fit that explains less than its best member alone gets a ``fit_warning``.
    name, kind, parameters, label : optional
        Stored in the result.
    evpi_value : float, optional
        The decision's EVPI (computed from ``inb`` if not given); the estimate is capped at it.

    Returns
    -------
    Evppi
    """
    inb = _check_inb(inb)
    x = np.asarray(inputs, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != inb.size or x.shape[1] == 0:
        raise WotsimError(f"inputs must have shape (n,) or (n, k) with n = {inb.size}, got {np.shape(inputs)}")
    n, k = x.shape
    if knots is None:
        knots = 8 if k == 1 else 4
    adopt = bool(inb.mean() > 0)
    if evpi_value is None:
        evpi_value = float(_loss(inb, adopt).mean())
    lay = _layout(n, jackknife_groups(n, replicates))
    y = inb[lay.order]
    columns = [x[lay.order, j] for j in range(k)]
    bases = [_Basis(c, knots) for c in columns]
    var = float(np.var(y))
    basis_note = fit_warning = ""
    if k == 1:
        fit = _fit_sparse(bases[0], y, lay, adopt)
    else:
        triples = grow and 3 <= k <= MAX_GROW
        fits = _fit_dense(bases, columns, y, lay, adopt, pairwise, triples)
        r2s = [_fit_r2(f, y, var) for f in fits]
        pick = 1 if triples and r2s[1] > r2s[0] + GROW_R2 else 0
        fit = fits[pick]
        if pick:
            basis_note = "grown: three-way products"
        if member_r2 is None:
            member_r2 = [_fit_r2(_fit_sparse(_Basis(c, 8), y, lay, adopt), y, var) for c in columns]
        names = list(parameters) if len(parameters) == k else [f"input {j + 1}" for j in range(k)]
        r2m = np.array(member_r2, dtype=float)
        if np.any(np.isfinite(r2m)):
            best = int(np.nanargmax(r2m))
            if r2s[pick] < r2m[best] - GROW_R2:
                fit_warning = (f"R2 {r2s[pick]:.2f} is below that of {names[best]} alone ({r2m[best]:.2f}): "
                               "the group fit misses structure a single-parameter fit finds, so its EVPPI is "
                               "probably underestimated")
    raw, se = fit.jack.result()
    resid = float(np.mean((y - fit.jack.fitted) ** 2))
    # an out-of-sample residual has variance sigma^2 (1 + h); the noise around the full-sample mean
    # (which sets the choice) has variance sigma^2 (h - 1/n): see noise_floor
    sigma = math.sqrt(resid / (1.0 + float(np.mean(fit.leverage))))
    floor = noise_floor(float(inb.mean()), sigma, fit.leverage - 1.0 / n)
    return Evppi(
        name=name, kind=kind or ("parameter" if k == 1 else "group"), parameters=tuple(parameters), label=label,
        value=min(raw, evpi_value), se=se, floor=floor, raw=raw, r2=_r2(resid, var), basis=fit.width,
        basis_note=basis_note, fit_warning=fit_warning,
    )


# --------------------------------------------------------------------------- decisions
def _check_output(config, output: str) -> None:
    known = output_names(config)
    if output not in known:
        raise WotsimError(f"unknown output {output!r}; known outputs: {', '.join(known)}")
    if output_measure(config, output) != "npv":
        nets = [o for o in known if output_measure(config, o) == "npv"]
        raise WotsimError(f"value of information needs a net benefit in money (an NPV); output {output!r} is a "
                          f"{output_measure(config, output)}; use one of: {', '.join(nets)}")


def _se_method(replicates: int, groups: int) -> str:
    if replicates > 1:
        return (f"standard errors from the {replicates} independent randomisations of the design (EVPPI: "
                f"delete-one-randomisation jackknife of the whole estimator, regressions included)")
    return (f"standard errors for independent draws (EVPPI: delete-one-group jackknife over {groups} groups "
            f"of draws, regressions included)")


def _analyse(decision: str, description: str, output: str, options: tuple[str, str], inb: np.ndarray,
             inputs: Mapping[str, np.ndarray], labels: Mapping[str, str], groups: Mapping[str, Sequence[str]],
             currency: str, *, parameters: bool = True, with_groups: bool = True, replicates: int = 1) -> VoiResult:
    inb = _check_inb(inb)
    n = inb.size
    replicates = max(int(replicates or 1), 1)
    mean = float(inb.mean())
    adopt = mean > 0
    value, se = evpi(inb, replicates)
    wrong = (inb <= 0) if adopt else (inb > 0)
    p_wrong = float(np.mean(wrong))
    p_wrong_se = (math.sqrt(p_wrong * (1 - p_wrong) / n) if replicates <= 1
                  else _mean_se(wrong.astype(float), replicates))
    if value == 0.0:  # no draw favours the other option: nothing to learn, EVPPI is 0 for every input
        parameters = with_groups = False
    per_param = []
    if parameters:
        for name, x in inputs.items():
            per_param.append(evppi(x, inb, name=name, kind="parameter", parameters=(name,), replicates=replicates,
                                   label=labels.get(name, name), evpi_value=value))
    single_r2 = {e.name: e.r2 for e in per_param}
    per_group = []
    if with_groups:
        for gname, members in groups.items():
            x = np.column_stack([inputs[m] for m in members])
            known = [single_r2.get(m) for m in members]
            per_group.append(evppi(x, inb, name=gname, kind="group", parameters=tuple(members), replicates=replicates,
                                   member_r2=None if None in known else known,
                                   label=f"{gname} ({len(members)} parameter{'s' if len(members) != 1 else ''})",
                                   evpi_value=value))
    G = jackknife_groups(n, replicates)
    return VoiResult(
        decision=decision, description=description, output=output, options=options, n=n,
        mean_inb=mean, mean_inb_se=_mean_se(inb, replicates),
        choice=options[1] if adopt else options[0], p_wrong=p_wrong, p_wrong_se=p_wrong_se,
        evpi=value, evpi_se=se,
        parameters=tuple(sorted(per_param, key=lambda e: -e.value)),
        groups=tuple(sorted(per_group, key=lambda e: -e.value)),
        currency=currency, replicates=replicates, jackknife_groups=G, se_method=_se_method(replicates, G),
    )


def _groups(parameters: Mapping[str, Any], names: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in names:
        group = parameters[name].group or "(no group)"
        out.setdefault(group, []).append(name)
    return out


def keep_voi(result: SimulationResult, *, output: str = "npv", groups: bool = True,
             parameters: bool = True) -> VoiResult:
    """Value of information for keeping the intervention (the WOTs) or stopping it.

    Parameters
    ----------
    result : SimulationResult
    output : str
        The net benefit: ``npv`` (society) or an NPV output / ``net:<stakeholder>``
        (that party's perspective).
    groups, parameters : bool
        Estimate EVPPI per group / per parameter.

    Returns
    -------
    VoiResult
        ``INB = output``; options ("stop", "keep").
    """
    cfg = result.config
    _check_output(cfg, output)
    inb = output_array(cfg, result.item_pv, output)
    names = result.parameters
    inputs = {name: result.draws[:, j] for j, name in enumerate(names)}
    labels = {name: cfg.parameters[name].label or name for name in names}
    return _analyse("keep", f"keep the intervention if E[{output}] > 0, else stop (worth 0)", output,
                    ("stop", "keep"), inb, inputs, labels, _groups(cfg.parameters, names) if groups else {},
                    cfg.study.currency, parameters=parameters, with_groups=groups,
                    replicates=getattr(result, "replicates", 1))


def adoption_voi(comparison, scenario: str, *, output: str = "npv", groups: bool = True,
                 parameters: bool = True) -> VoiResult:
    """Value of information for adopting a scenario instead of the base analysis.

    Parameters
    ----------
    comparison : wotsim.scenarios.Comparison
        Run with common random numbers (``paired=True``).
    scenario : str
        The scenario id.
    output : str
        The net benefit output (an NPV), evaluated under both.

    Returns
    -------
    VoiResult
        ``INB = output_scenario - output_base`` per draw; options ("base", scenario).
        The inputs are the base draws of every uncertain parameter of the base
        (a scenario's replaced, scaled or shifted parameter is a monotone function of
        the same uniform, so learning one is learning the other) and the draws of the
        scenario's new parameters.
    """
    if not comparison.paired:
        raise WotsimError("value of information for a scenario needs paired draws; run compare with paired=True")
    run = comparison.run(scenario)
    if run.scenario is None:
        raise WotsimError("the base analysis is the reference; name a scenario")
    base = comparison.base
    for cfg in (base.config, run.config):
        _check_output(cfg, output)
    inb = run.output(output) - output_array(base.config, base.item_pv, output)
    inputs = {name: base.draws[:, j] for j, name in enumerate(base.parameters)}
    for j, name in enumerate(run.new_parameters):
        inputs[name] = run.new_draws[:, j]
    params = dict(base.config.parameters)
    params.update({k: v for k, v in run.config.parameters.items() if k in run.new_parameters})
    labels = {name: params[name].label or name for name in inputs}
    return _analyse(f"adopt:{scenario}", f"adopt {scenario!r} instead of the base if E[INB] > 0", output,
                    ("base", scenario), inb, inputs, labels, _groups(params, list(inputs)) if groups else {},
                    base.config.study.currency, parameters=parameters, with_groups=groups,
                    replicates=getattr(base, "replicates", 1))


# --------------------------------------------------------------------------- output
def _money(x: float, currency: str = "EUR") -> str:
    if x != x:
        return "n/a"
    return f"{currency} {x:,.0f}"


def _note(e: Evppi) -> str:
    """The note column: not distinguishable from 0, grown basis, group fit below a member's."""
    notes = [] if e.distinguishable else ["~0"]
    if e.basis_note:
        notes.append("3-way products" if e.basis_note.startswith("grown") else e.basis_note)
    if e.fit_warning:
        notes.append("R2 < a member's (!)")
    return "; ".join(notes)


def format_voi(results: Sequence[VoiResult], *, top: int = 10) -> str:
    """Plain-text tables: per decision the EVPI and the EVPPI ranking (the CLI prints this)."""
    lines: list[str] = []
    methods: list[str] = []
    for r in results:
        cur = r.currency
        if r.se_method and r.se_method not in methods:
            methods.append(r.se_method)
        lines += [f"Decision: {r.description}",
                  f"  E[INB] = {_money(r.mean_inb, cur)} ± {r.mean_inb_se:,.0f} -> choose {r.choice!r}; "
                  f"P(the other option is better) = {r.p_wrong:.3f} ± {r.p_wrong_se:.3f}",
                  f"  EVPI = {_money(r.evpi, cur)} ± {r.evpi_se:,.0f} per cohort"
                  + ("" if r.evpi > 0 else ": no draw favours the other option, so no information can change "
                                           "the choice (every EVPPI is 0)"), ""]
        for title, items in (("EVPPI per group", r.groups), (f"EVPPI per parameter (top {top})", r.parameters[:top])):
            if not items:
                continue
            rows = [[str(i + 1), e.name, f"{e.value:,.0f}", f"{e.se:,.0f}", f"{e.floor:,.0f}",
                     f"{e.value / r.evpi:.0%}" if r.evpi > 0 else "n/a", f"{e.r2:.2f}", _note(e)]
                    for i, e in enumerate(items)]
            header = ["#", "group" if items[0].kind == "group" else "parameter", f"EVPPI ({cur})", "se", "floor",
                      "of EVPI", "R2", "note"]
            widths = [max(len(x[c]) for x in rows + [header]) for c in range(len(header))]
            fmt = lambda cells: "  ".join(  # noqa: E731
                c.ljust(w) if k in (1, 7) else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths))).rstrip()
            lines += [f"  {title}", "  " + fmt(header), "  " + "  ".join("-" * w for w in widths)]
            lines += ["  " + fmt(row) for row in rows]
            lines += [f"  warning: {e.name}: {e.fit_warning}." for e in items if e.fit_warning]
            lines.append("")
    lines.append("EVPPI by cross-fitted regression (Strong, Oakley & Brennan 2014); R2 = out-of-sample share of "
                 "INB's variance the fit explains; floor = expected EVPPI of an input without information; "
                 "~0 = EVPPI <= floor + 2 se (not distinguishable from 0); 3-way products = group basis grown by "
                 "three-way products (it fitted better); R2 < a member's = the group fit explains less than one "
                 "member alone (group EVPPI probably underestimated).")
    lines += [f"± {m}." for m in methods]
    return "\n".join(lines)


def save_voi(directory: str | Path, results: Sequence[VoiResult], manifest: Mapping[str, Any]) -> Path:
    """Write ``voi.json``, ``evppi.csv`` and ``manifest.json`` atomically."""
    directory = Path(directory)

    def fill(tmp: Path) -> None:
        _write_json(tmp / "voi.json", {"format": 1, "decisions": [r.to_dict() for r in results]})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")  # quotes names that hold commas
        writer.writerow(["decision", "kind", "name", "evppi", "se", "floor", "raw", "r2", "basis", "evpi",
                         "distinguishable", "basis_note", "fit_warning"])
        for r in results:
            for e in r.groups + r.parameters:
                writer.writerow([r.decision, e.kind, e.name, repr(e.value), repr(e.se), repr(e.floor), repr(e.raw),
                                 repr(e.r2), e.basis, repr(r.evpi), "yes" if e.distinguishable else "no",
                                 e.basis_note, e.fit_warning])
        (tmp / "evppi.csv").write_text(buf.getvalue(), encoding="utf-8")
        _write_json(tmp / "manifest.json", dict(manifest))

    write_atomic_dir(directory, fill)
    return directory
