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
  every three-way product of the standardised parameters, and for a group of 4
  to ``MAX_FULL_ORDER`` = 6 by every product of 4 up to all of its members
  (1, 6 and 22 more columns for 4, 5 and 6 members): each grown basis is tried
  and one is used when its out-of-sample R² exceeds that of the best smaller
  basis by more than ``GROW_R2`` = 0.01 (``basis_note = "grown: three-way
  products"`` or ``"grown: products of up to k members"``).  A group of more
  than 12 is not grown (``basis_note = "not grown: group of k > 12 members"``).
  Interactions of more members than the basis holds, and non-polynomial
  interactions, are not captured: the estimate can then be biased downwards.
  ``r2`` (out-of-sample share of INB's variance explained) is reported beside
  every EVPPI.  Two warnings point at a basis that misses structure:

  - ``fit_warning``: the group's R² is below that of its best member fitted
    alone (the member with the highest single R²) by more than 0.01, and that
    member's own R² exceeds 0.01 (it finds structure): the group's basis misses
    what a single-parameter fit finds, so its EVPPI is probably too low;
  - ``interaction_warning``: the group is reported "~0" while its R² is below
    ``LOW_R2`` = 0.05: its basis may miss interactions of more members than its
    highest product (or non-polynomial ones), so "~0" does not show the group
    is worth nothing.  (A group of four independent normals whose INB is their
    product: R² 0 and EVPPI ~0 with pairwise and three-way products; found by
    the four-way product.)

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
the cross-fitted values ``m + e_i`` scatter around ``m = E[INB]`` with the noise
``e_i`` of the fit at point i; its expected loss is ``s_i phi(m / s_i) - |m|
Phi(-|m| / s_i)`` (``s_i`` the sd of ``e_i``).  ``floor`` is the average of this
over the predicted points (at most ``FLOOR_ROWS`` = 4096 evenly spaced rows per
half): the expected EVPPI of an input without information, not a bound.  About
``s / sqrt(2 pi)`` when E[INB] is near 0, negligible once ``|E[INB]|`` is several
``s``.  ``s_i^2`` is the variance of ``e_i = ghat(x_i) - mean(INB)`` (minus the
mean, which sets the choice), estimated from the sample, for the design at hand:

* by the delete-one-group jackknife above, per point:
  ``(G - 1) / G * sum_k (d_(-k),i - mean_k d_(-k),i)^2`` with ``d_(-k),i`` the
  prediction of row i by the fit without group k less the mean without group k;
* and by its linearisation (the infinitesimal jackknife, a cluster-robust
  sandwich): ``G / (G - 1) sum_k (x_i' (X'X)^+ X_k' r_k - n_k (mean_k - mean) / n)^2``,
  ``r_k`` group k's residuals of the full fit.

The first is biased upwards where a group has high leverage (it carries
``(I - H_kk)^-1``), the second downwards (``I - H_kk``), by the same amount to
first order; ``s_i^2`` is their average.  Both are sums over the G groups, so
``s_i^2`` has about G - 1 degrees of freedom; plugged into the convex loss its
noise would bias the floor (upwards when ``|m|`` is a few ``s``), so the floor
uses the exact correction of :func:`noise_floor` (``dof = G - 1``).  For a
randomised QMC design the groups are its randomisations, so the floor follows
its accuracy: the fitted values of a Sobol' design are far more accurate than
independent draws' would be, and the floor of the iid formula (``sigma^2 x'
(X'X)^-1 x``, used before) was 1.6 to 4 times the mean EVPPI of an input without
information, which called real information "~0".  Calibration
(``tests/test_voi_calibration.py``: mean EVPPI of an input without information
over 100 seeds / mean floor; a spline input at n = 8192 and a group of five at
n = 4096; E[INB] = 0 and 0.1 (0.6 to 3 noise sds); mc, and lhs and
sobol with 16 randomisations): 0.96-1.02 (± 0.01-0.02) at E[INB] = 0 and
0.96-1.12 (± 0.02-0.09) at 0.1, each within 3 standard errors.  An EVPPI is reported as not
distinguishable from 0 ("~0") when ``value <= floor + 2 se``
(:attr:`Evppi.distinguishable`).  An estimate is reported as ``min(raw, EVPI)``
(the raw value is kept as ``raw``; ``se`` is that of ``raw``).

Upward bias.  The same noise biases an informative input's estimate upwards, and
the jackknife ``se`` does not cover it: at a point whose conditional mean is
``g_i`` the expected loss rises by ``E[max(g_i + e_i, 0)] - max(g_i, 0)``, the
floor's formula at ``g_i`` instead of ``m``.  ``bias`` is its mean over the floor
rows with the fitted value for ``g_i`` (a plug-in estimate: for an input without
information it is below the floor when E[INB] is near 0, above it when
``|E[INB]|`` is a few ``s``; so the bias scale is ``max(floor, bias)``).  It is not
subtracted.  For Schiedam at n = 4096 (sobol, 5 seeds) the EVPPIs of its groups
of 5 to 15 members (43 to 211 columns) were 7 to 48 thousand euros above their
values at n = 32768, against ``max(floor, bias)`` of 8 to 48 thousand.  An estimate
that is distinguishable from 0 gets a ``bias_warning`` ("may be biased upward
by up to about X; more samples are needed") when ``max(floor, bias)`` exceeds
``BIAS_SHARE`` = 10% of it, or when the sample has fewer than
``ROWS_PER_COLUMN`` = 200 draws per regression column.
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

from ..errors import WotsimError
from ..model import output_array, output_measure, output_names
from ..results.simulation import SimulationResult, _write_json, write_atomic_dir

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
#: Largest group whose basis may also grow by every product of 4 up to all of its members
#: (2^k - 1 - k - k (k - 1) / 2 - k (k - 1) (k - 2) / 6 more columns: 22 at 6).
MAX_FULL_ORDER = 6
#: R^2 margin: a grown basis must beat the smaller one by more than this; a group fit is flagged when
#: its R^2 is below its best member's alone by more than this (and that member's R^2 is above this).
GROW_R2 = 0.01
#: A group reported "~0" with an out-of-sample R^2 below this gets an ``interaction_warning``.
LOW_R2 = 0.05
#: A distinguishable estimate gets a ``bias_warning`` when ``max(floor, bias)`` exceeds this share of it ...
BIAS_SHARE = 0.10
#: ... or when the sample has fewer than this many draws per regression column.
ROWS_PER_COLUMN = 200


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
        Expected EVPPI of an input without information (the noise of the cross-fitted
        values, estimated by the jackknife for the design at hand); see the module notes.
    raw : float
        The estimate before capping at EVPI.
    r2 : float
        Out-of-sample share of INB's variance explained by the fit.
    basis : int
        Number of regression columns.
    basis_note : str
        ``"grown: three-way products"`` or ``"grown: products of up to k members"`` when
        a group's basis was grown; ``"not grown: group of k > 12 members"`` when it is too
        large to grow; else empty.
    fit_warning : str
        Set when a group's fit explains less of INB than its best member alone (by more
        than :data:`GROW_R2`, that member's R^2 itself above :data:`GROW_R2`): the group
        EVPPI is probably underestimated.
    bias : float
        Estimated upward bias of ``raw`` from the fit's noise (not covered by ``se``; not
        removed); see the module notes.
    bias_warning : str
        Set when a distinguishable estimate may be biased upward by up to about
        ``max(floor, bias)``: that is above :data:`BIAS_SHARE` of the estimate, or there are
        fewer than :data:`ROWS_PER_COLUMN` draws per regression column.  More samples are needed.
    interaction_warning : str
        Set when a group is "~0" with an R^2 below :data:`LOW_R2`: its basis may miss
        interactions of more members than its highest product.
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
    bias: float = 0.0
    bias_warning: str = ""
    interaction_warning: str = ""

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
        # the rows the noise floor is averaged over: evenly spaced in each half, at most FLOOR_ROWS per half
        self.floor_rows = np.zeros(n, bool)
        for lo, hi in self.halves:
            self.floor_rows[lo:hi:max(1, -(-(hi - lo) // FLOOR_ROWS))] = True


class _Jackknife:
    """The EVPPI estimate and its G delete-one-group versions, accumulated from cross-fitted predictions;
    and the noise floor.

    Column ``k < G`` of a prediction block comes from the fits without group ``k``
    (used for the rows outside group ``k``), column ``G`` from the full fits; column ``k``
    of a block of linearised deviations from the deviation of the full fits due to group ``k``.
    """

    def __init__(self, y: np.ndarray, lay: _Layout, adopt: bool):
        G, n = lay.G, lay.n
        self.lay = lay
        self.mean = float(y.mean())
        ysum = np.bincount(lay.grp, weights=y, minlength=G)
        self.loo_mean = (ysum.sum() - ysum) / (n - lay.count)  # the mean INB without group k
        self.lin_mean = (ysum - lay.count * self.mean) / n  # group k's share of the mean's error
        self.adopt = np.append(self.loo_mean > 0, adopt).astype(float)  # the choice, made without group k
        self.total = np.zeros(G + 1)
        self.own = np.zeros(G)
        self.fitted = np.empty(n)
        rows = int(lay.floor_rows.sum())
        self.noise_var = np.empty(rows)  # per floor row: the variance of its fitted value's noise
        self.floor_fitted = np.empty(rows)
        self.floor_at = 0

    def add(self, P: np.ndarray, lo: int, hi: int, lin: np.ndarray) -> None:
        """Rows ``lo:hi``: P their predictions (G + 1 columns); ``lin`` the linearised deviations
        (G columns) of those among them that are floor rows (``_Layout.floor_rows``)."""
        G = self.lay.G
        L = np.maximum(P, 0.0) - P * self.adopt
        self.total += L.sum(axis=0)
        g = self.lay.grp[lo:hi]
        self.own += np.bincount(g, weights=L[np.arange(hi - lo), g], minlength=G)
        self.fitted[lo:hi] = P[:, G]
        # the noise floor: the variance of each fitted value about the mean INB (which sets the choice),
        # by the delete-one-group jackknife and by the linearised jackknife (see the module notes)
        sel = self.lay.floor_rows[lo:hi]
        if sel.any():
            D = P[sel, :G] - self.loo_mean
            jack = D.var(axis=1) * (G - 1)  # (G - 1) / G * sum_k (d_k - mean d)^2
            E = lin - self.lin_mean
            linear = np.sum(E * E, axis=1) * (G / (G - 1))
            at = self.floor_at
            self.floor_at += D.shape[0]
            self.noise_var[at:self.floor_at] = 0.5 * (jack + linear)
            self.floor_fitted[at:self.floor_at] = P[sel, G]

    def floor(self) -> float:
        """The noise floor: mean over the floor rows of the expected loss of their fitted value's noise."""
        if not self.floor_at:
            return 0.0
        return float(np.mean(_noise_loss(np.full(self.floor_at, self.mean), self.noise_var[:self.floor_at],
                                         self.lay.G - 1)))

    def bias(self) -> float:
        """The upward bias from the fit's noise: as :meth:`floor`, but around each row's fitted value."""
        if not self.floor_at:
            return 0.0
        return float(np.mean(_noise_loss(self.floor_fitted[:self.floor_at], self.noise_var[:self.floor_at],
                                         self.lay.G - 1)))

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
    coefs : list of 2 ndarray, shape (p, 2 G + 1)
        Columns 0 to G - 1: the fit without group k; G: the full fit; G + 1 + k: the
        linearised (infinitesimal) jackknife deviation of the full fit due to group k,
        ``(X'X)^+ X_k' e_k`` (``e_k`` group k's residuals of the full fit).
    inverses : list of 2 ndarray, shape (len(cols), len(cols))
        Pseudo-inverse of each half's full Gram matrix X'X (on ``cols``).
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
        coef = np.zeros((p, 2 * G + 1))
        coef[cols, :G + 1] = _solve_many(A, B).T
        # linearised (infinitesimal) jackknife: group k's share of the full fit's error, (X'X)^+ X_k' e_k
        score = b - a @ coef[cols, G]
        coef[cols, G + 1:] = inverses[-1] @ score.T
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


#: Rows per half the noise floor is averaged over.
FLOOR_ROWS = 4096


class _Fit:
    """One cross-fitted regression: its jackknife (with the noise floor) and number of columns."""

    def __init__(self, jack: _Jackknife, width: int):
        self.jack, self.width = jack, width


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
    coefs, _ = _loo_coefs(xtx.reshape(2, lay.G, size, size), xty.reshape(2, lay.G, size), np.arange(size))
    jack = _Jackknife(y, lay, adopt)
    G = lay.G
    for h, (lo, hi) in enumerate(lay.halves):
        C = coefs[1 - h]  # each half predicted by the other half's fits
        for a0 in range(lo, hi, BLOCK):
            a1 = min(a0 + BLOCK, hi)
            X = basis.block(slice(a0, a1))  # narrow (at most MAX_LEVELS or knots + 4 columns): dense is fastest
            jack.add(X @ C[:, :G + 1], a0, a1, X[lay.floor_rows[a0:a1]] @ C[:, G + 1:])
    return _Fit(jack, size)


def _fit_dense(bases: Sequence[_Basis], columns: Sequence[np.ndarray], y: np.ndarray, lay: _Layout,
               adopt: bool, pairwise: bool, order: int = 2) -> list[_Fit]:
    """Cross-fit y on a group's basis (rows in layout order).

    The base basis is additive (each member's B-spline) plus pairwise products of the
    standardised members; for ``order`` >= 3 grown bases add every product of 3, then of
    3 to ``order`` members (one basis per step: three-way products; all products up to
    ``order``).  Each basis is a prefix of the next, so one set of normal equations serves
    all.  Returns the base fit, then the grown ones, if any.
    """
    k = len(columns)
    z = [(x - x.mean()) / (x.std() or 1.0) for x in columns]
    pairs = list(combinations(range(k), 2)) if pairwise else []
    threes = list(combinations(range(k), 3)) if order >= 3 else []
    higher = [c for r in range(4, min(order, k) + 1) for c in combinations(range(k), r)]
    base = 1 + sum(b.size - 1 for b in bases) + len(pairs)
    width = base + len(threes) + len(higher)

    def block(rows: slice | np.ndarray) -> np.ndarray:
        m = y[rows].shape[0]
        out = np.empty((m, width))
        out[:, 0] = 1.0
        col = 1
        for b in bases:  # drop one column each: a basis sums to 1, like the intercept
            out[:, col:col + b.size - 1] = b.block(rows)[:, 1:]
            col += b.size - 1
        zr = [zi[rows] for zi in z] if pairs or threes else []
        for i, j in pairs:
            np.multiply(zr[i], zr[j], out=out[:, col])
            col += 1
        for i, j, q in threes:
            np.multiply(zr[i], zr[j], out=out[:, col])
            out[:, col] *= zr[q]
            col += 1
        for c in higher:
            np.multiply(zr[c[0]], zr[c[1]], out=out[:, col])
            for q in c[2:]:
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
    widths = [base] + ([base + len(threes)] if threes else []) + ([width] if higher else [])
    solved = [_loo_coefs(xtx, xty, np.arange(w)) for w in widths]
    jacks = [_Jackknife(y, lay, adopt) for _ in widths]
    for h, (lo, hi) in enumerate(lay.halves):
        C = np.concatenate([coefs[1 - h][:, :G + 1] for coefs, _ in solved], axis=1)
        C_lin = np.concatenate([coefs[1 - h][:, G + 1:] for coefs, _ in solved], axis=1)
        for a in range(lo, hi, BLOCK):
            b = min(a + BLOCK, hi)
            X = block(slice(a, b))
            P = X @ C
            P_lin = X[lay.floor_rows[a:b]] @ C_lin
            for j, jack in enumerate(jacks):
                jack.add(P[:, j * (G + 1):(j + 1) * (G + 1)], a, b, P_lin[:, j * G:(j + 1) * G])
    return [_Fit(jack, w) for jack, w in zip(jacks, widths)]


def noise_floor(mean: float, sigma: float, leverage: float | np.ndarray, dof: int | None = None) -> float:
    """Expected EVPPI of an input that carries no information, under cross-fitting.

    The cross-fitted value at a point is ``m + e`` with ``m = mean`` (E[INB]) and noise
    ``e ~ N(0, s^2)``, ``s^2 = sigma^2 h``; the expected loss of the current choice (the
    sign of m) there is ``s phi(m / s) - |m| Phi(-|m| / s)``.  The floor is its average
    over the points.

    Parameters
    ----------
    mean : float
        E[INB].
    sigma : float
        Scale of the noise.
    leverage : float or ndarray
        ``h`` of each point (the floor is the average over them): with ``sigma = 1``, the
        noise variance of each point.
    dof : int, optional
        The variances ``sigma^2 h`` are estimates with ``dof`` degrees of freedom (each
        distributed as ``s^2 chi2_dof / dof``, like a delete-one-group jackknife variance
        over ``dof + 1`` groups).  Plugged into the formula above, their noise would bias the
        floor (upwards where the loss is convex in s, i.e. ``|m| >~ s``; downwards by about
        ``1 / (4 dof)`` at ``m = 0``).  Instead each point's term is the expected loss at
        ``m + sqrt(dof) s_hat U``, U the first coordinate of a point uniform on the unit
        sphere in ``dof`` dimensions (density proportional to ``(1 - u^2)^((dof - 3) / 2)``):
        ``sqrt(dof) s_hat U`` is then exactly ``N(0, s^2)``, so the floor is unbiased.
        In closed form, with ``a = sqrt(dof) s_hat`` and ``t = |m| / a < 1`` (else 0):
        ``a (E[U; U > t] - t P(U > t))``, ``E[U; U > t] = (1 - t^2)^((dof - 1) / 2) /
        ((dof - 1) B(1/2, (dof - 1) / 2))``, ``P(U > t) = I_{1 - t^2}((dof - 1) / 2, 1/2) / 2``
        (for ``dof = 1``, U = ±1: ``a (1 - t) / 2``).
    """
    h = np.atleast_1d(np.asarray(leverage, dtype=float))
    var = sigma * sigma * np.maximum(h, 0.0)
    return float(np.sum(_noise_loss(np.full(h.shape, abs(float(mean))), var, dof)) / h.size)


def _noise_loss(m: np.ndarray, var: np.ndarray, dof: int | None = None) -> np.ndarray:
    """Per point, the expected ``max(m + e, 0) - max(m, 0)`` for noise e of variance ``var``
    (:func:`noise_floor`; with ``dof``, ``var`` estimated with that many degrees of freedom)."""
    m = np.abs(np.asarray(m, dtype=float))
    var = np.maximum(np.asarray(var, dtype=float), 0.0)
    out = np.zeros(m.shape)
    if dof is None:
        s = np.sqrt(var)
        ok = s * 40.0 > m  # elsewhere the expected loss is below exp(-800): 0
        s, mo = s[ok], m[ok]
        f = s * np.exp(-0.5 * (mo / s) ** 2) / math.sqrt(2.0 * math.pi) - mo * special.ndtr(-mo / s)
        out[ok] = np.maximum(f, 0.0)
        return out
    nu = int(dof)
    if nu < 1:
        raise ValueError(f"dof must be at least 1, got {dof}")
    a = np.sqrt(nu * var)
    ok = a > m  # elsewhere m + a U never changes sign: no loss
    a = a[ok]
    t = m[ok] / a
    if nu == 1:
        f = a * (1.0 - t) / 2.0
    else:
        c = 1.0 - t * t
        upper = c ** ((nu - 1) / 2.0) / ((nu - 1) * special.beta(0.5, (nu - 1) / 2.0))
        f = a * (upper - t * special.betainc((nu - 1) / 2.0, 0.5, c) / 2.0)
    out[ok] = np.maximum(f, 0.0)
    return out


def _sig(x: float) -> str:
    """Two significant digits, thousands separated: 38,000; 0.012."""
    if not x > 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = 1 - int(math.floor(math.log10(x)))
    return f"{round(x, digits):,.{max(digits, 0)}f}"


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
        three-way product, and for 4 to :data:`MAX_FULL_ORDER` the basis grown by every
        product of up to all members; a grown basis is used if its out-of-sample R^2 is
        higher than the best smaller one's by more than :data:`GROW_R2`.
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
    order = 1  # the highest order of products of members tried
    if k == 1:
        fit = _fit_sparse(bases[0], y, lay, adopt)
    else:
        order = 2 if pairwise else 1
        if grow and 3 <= k <= MAX_GROW:
            order = k if k <= MAX_FULL_ORDER else 3
        fits = _fit_dense(bases, columns, y, lay, adopt, pairwise, order)
        r2s = [_fit_r2(f, y, var) for f in fits]
        pick = 0
        for j in range(1, len(fits)):  # a bigger basis only if it fits better out of sample
            if r2s[j] > r2s[pick] + GROW_R2:
                pick = j
        fit = fits[pick]
        if pick == 1:
            basis_note = "grown: three-way products"
        elif pick == 2:
            basis_note = f"grown: products of up to {k} members"
        if grow and k > MAX_GROW:
            basis_note = f"not grown: group of {k} > {MAX_GROW} members"
        if member_r2 is None:
            member_r2 = [_fit_r2(_fit_sparse(_Basis(c, 8), y, lay, adopt), y, var) for c in columns]
        names = list(parameters) if len(parameters) == k else [f"input {j + 1}" for j in range(k)]
        r2m = np.array(member_r2, dtype=float)
        if np.any(np.isfinite(r2m)):
            best = int(np.nanargmax(r2m))
            # only a member that finds structure (R^2 above GROW_R2) shows that the group's basis misses some
            if r2m[best] > GROW_R2 and r2s[pick] < r2m[best] - GROW_R2:
                fit_warning = (f"R2 {r2s[pick]:.2f} is below that of {names[best]} alone ({r2m[best]:.2f}): "
                               "the group fit misses structure a single-parameter fit finds, so its EVPPI is "
                               "probably underestimated")
    raw, se = fit.jack.result()
    resid = float(np.mean((y - fit.jack.fitted) ** 2))
    r2 = _r2(resid, var)
    floor, bias = fit.jack.floor(), fit.jack.bias()
    value = min(raw, evpi_value)
    distinguishable = value > floor + 2.0 * se
    bias_warning = interaction_warning = ""
    if distinguishable:
        scale = max(floor, bias)
        why = []
        if scale > BIAS_SHARE * value:
            why.append(f"{'its noise floor' if floor >= bias else 'the estimated bias'} is {scale / value:.0%} of it")
        if n < ROWS_PER_COLUMN * fit.width:
            why.append(f"{fit.width} regression columns for {n:,} draws, fewer than {ROWS_PER_COLUMN} per column")
        if why:
            bias_warning = (f"may be biased upward by up to about {_sig(scale)} ({'; '.join(why)}): "
                            "more samples are needed for a firm value")
    elif k > 1 and r2 < LOW_R2:
        most = {1: "one member", 2: "two members", 3: "three members"}.get(order, f"{order} members")
        missed = "non-polynomial interactions of its members" if order >= k else f"interactions of more than {most}"
        interaction_warning = (f"R2 {r2:.2f} is below {LOW_R2}: the basis may miss {missed}, so ~0 does not "
                               "show that learning this group is worth nothing")
    return Evppi(
        name=name, kind=kind or ("parameter" if k == 1 else "group"), parameters=tuple(parameters), label=label,
        value=value, se=se, floor=floor, raw=raw, r2=r2, basis=fit.width, bias=bias,
        basis_note=basis_note, fit_warning=fit_warning, bias_warning=bias_warning,
        interaction_warning=interaction_warning,
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


def _basis_short(note: str) -> str:
    """The basis note, short: ``3-way products``, ``products up to 4-way``, ``not grown (13 > 12)``."""
    if note == "grown: three-way products":
        return "3-way products"
    if note.startswith("grown: products of up to "):
        return f"products up to {note.split()[5]}-way"
    if note.startswith("not grown: group of "):
        return f"not grown ({note.split('group of ')[1].split(' members')[0]})"
    return note


def _warnings(e: Evppi) -> list[str]:
    """The warnings of an estimate, in full."""
    return [w for w in (e.fit_warning, e.bias_warning, e.interaction_warning) if w]


def _note(e: Evppi) -> str:
    """The note column: not distinguishable from 0, basis, and a short mark per warning."""
    notes = [] if e.distinguishable else ["~0"]
    if e.basis_note:
        notes.append(_basis_short(e.basis_note))
    if e.fit_warning:
        notes.append("R2 < a member's (!)")
    if e.bias_warning:
        notes.append("biased up? (!)")
    if e.interaction_warning:
        notes.append("low R2: interactions? (!)")
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
            lines += [f"  warning: {e.name}: {w}." for e in items for w in _warnings(e)]
            lines.append("")
    lines.append("EVPPI by cross-fitted regression (Strong, Oakley & Brennan 2014); R2 = out-of-sample share of "
                 "INB's variance the fit explains; floor = expected EVPPI of an input without information; "
                 "~0 = EVPPI <= floor + 2 se (not distinguishable from 0); 3-way products, products up to k-way = "
                 "group basis grown by products of 3, of up to k members (it fitted better); not grown (k > 12) = "
                 "group too large for three-way products; R2 < a member's = the group fit explains less than its "
                 "best member alone (group EVPPI probably underestimated); biased up? = the estimate may be biased "
                 "upward by up to about the larger of its floor and its estimated bias (that is > 10% of it, or "
                 "there are < 200 draws per regression column): more samples needed; low R2: interactions? = a "
                 "group ~0 with R2 < 0.05: its basis may miss interactions of more members.")
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
                         "distinguishable", "basis_note", "fit_warning", "bias", "bias_warning",
                         "interaction_warning"])
        for r in results:
            for e in r.groups + r.parameters:
                writer.writerow([r.decision, e.kind, e.name, repr(e.value), repr(e.se), repr(e.floor), repr(e.raw),
                                 repr(e.r2), e.basis, repr(r.evpi), "yes" if e.distinguishable else "no",
                                 e.basis_note, e.fit_warning, repr(e.bias), e.bias_warning, e.interaction_warning])
        (tmp / "evppi.csv").write_text(buf.getvalue(), encoding="utf-8")
        _write_json(tmp / "manifest.json", dict(manifest))

    write_atomic_dir(directory, fill)
    return directory
