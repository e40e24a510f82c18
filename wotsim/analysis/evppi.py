"""EVPI and EVPPI of a two-option decision: the estimators (decisions and their results: :mod:`wotsim.analysis.voi`).

A decision compares an alternative with a reference through the alternative's
incremental net benefit ``INB`` (money, present value per unit of analysis, one value per
Monte Carlo draw):

* keep the WOTs or stop: ``INB = NPV`` (stopping is worth 0);
* adopt a scenario instead of the base analysis: ``INB = NPV_scenario - NPV_base``,
  on common random numbers (:func:`wotsim.analysis.scenarios.compare`).

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

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import WotsimError
from .evppi_fit import Basis, Fit, fit_dense, fit_sparse, jackknife_groups, layout

__all__ = ["BIAS_SHARE", "GROW_R2", "LOW_R2", "MAX_FULL_ORDER", "MAX_GROW", "ROWS_PER_COLUMN", "Evppi",
           "check_inb", "draws_mean_se", "evpi", "evppi", "evppi_many"]

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
        EVPPI in money (per unit of analysis), ``min(raw, EVPI)``.
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



def _loss(x: np.ndarray, adopt: bool) -> np.ndarray:
    """Opportunity loss of the current choice: max(x, 0) - x 1[adopt]."""
    return np.maximum(x, 0.0) - (x if adopt else 0.0)


def draws_mean_se(values: np.ndarray, replicates: int = 1) -> float:
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
    inb = check_inb(inb)
    loss = _loss(inb, bool(inb.mean() > 0))
    return float(loss.mean()), draws_mean_se(loss, replicates)


def check_inb(inb: np.ndarray) -> np.ndarray:
    inb = np.asarray(inb, dtype=float)
    if inb.ndim != 1 or inb.size < 4:
        raise WotsimError(f"net benefit must be a 1-D array of at least 4 draws, got shape {inb.shape}")
    if not np.all(np.isfinite(inb)):
        raise WotsimError(f"net benefit has {int(np.sum(~np.isfinite(inb)))} undefined (NaN or infinite) draws; "
                          "value of information needs every draw")
    return inb



def _sig(x: float) -> str:
    """Two significant digits, thousands separated: 38,000; 0.012."""
    if not x > 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = 1 - int(math.floor(math.log10(x)))
    return f"{round(x, digits):,.{max(digits, 0)}f}"


def _r2(resid: float, var: float) -> float:
    return 1.0 - resid / var if var > 0 else float("nan")


def _fit_r2(fit: Fit, y: np.ndarray, var: float) -> float:
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
    return evppi_many(inputs, [inb], knots=knots, pairwise=pairwise, grow=grow, replicates=replicates,
                      member_r2=[member_r2], name=name, kind=kind, parameters=parameters, label=label,
                      evpi_values=[evpi_value])[0]


def evppi_many(inputs: np.ndarray, inbs: Sequence[np.ndarray], *, knots: int | None = None, pairwise: bool = True,
               grow: bool = True, replicates: int = 1, member_r2: Sequence[Sequence[float] | None] | None = None,
               name: str = "", kind: str | None = None, parameters: Sequence[str] = (), label: str = "",
               evpi_values: Sequence[float | None] | None = None) -> list[Evppi]:
    """:func:`evppi` of the same inputs for several net benefits (e.g. several decisions on the same draws).

    The basis, its Gram matrices and their factors are built once and serve every net
    benefit; each estimate is computed with the arithmetic of :func:`evppi` alone, so it is
    the same number.  ``member_r2`` and ``evpi_values``: one entry (or None) per net benefit.
    """
    inbs = [check_inb(inb) for inb in inbs]
    m = len(inbs)
    member_r2 = list(member_r2) if member_r2 is not None else [None] * m
    evpi_values = list(evpi_values) if evpi_values is not None else [None] * m
    x = np.asarray(inputs, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if not inbs or any(inb.size != inbs[0].size for inb in inbs) or len(member_r2) != m or len(evpi_values) != m:
        raise WotsimError("evppi_many needs net benefits of one length, and one member_r2 and EVPI (or None) each")
    if x.ndim != 2 or x.shape[0] != inbs[0].size or x.shape[1] == 0:
        raise WotsimError(f"inputs must have shape (n,) or (n, k) with n = {inbs[0].size}, got {np.shape(inputs)}")
    n, k = x.shape
    if knots is None:
        knots = 8 if k == 1 else 4
    adopts = [bool(inb.mean() > 0) for inb in inbs]
    evpi_values = [float(_loss(inb, adopt).mean()) if v is None else v
                   for inb, adopt, v in zip(inbs, adopts, evpi_values)]
    lay = layout(n, jackknife_groups(n, replicates))
    Y = np.stack([inb[lay.order] for inb in inbs])  # (m, n), each row contiguous
    columns = [x[lay.order, j] for j in range(k)]
    bases = [Basis(c, knots) for c in columns]
    variances = [float(np.var(y)) for y in Y]
    notes, warnings_, orders = [""] * m, [""] * m, [1] * m  # basis notes, fit warnings, highest order tried
    if k == 1:
        fits = fit_sparse(bases[0], Y, lay, adopts)
    else:
        order = 2 if pairwise else 1
        if grow and 3 <= k <= MAX_GROW:
            order = k if k <= MAX_FULL_ORDER else 3
        orders = [order] * m
        every = fit_dense(bases, columns, Y, lay, adopts, pairwise, order)
        missing = [i for i in range(m) if member_r2[i] is None]
        if missing:  # each member alone, for the net benefits whose caller did not give them
            alone = [fit_sparse(Basis(c, 8), Y[missing], lay, [adopts[i] for i in missing]) for c in columns]
            for t, i in enumerate(missing):
                member_r2[i] = [_fit_r2(fits_c[t], Y[i], variances[i]) for fits_c in alone]
        names = list(parameters) if len(parameters) == k else [f"input {j + 1}" for j in range(k)]
        fits = []
        for i in range(m):
            r2s = [_fit_r2(f, Y[i], variances[i]) for f in every[i]]
            pick = 0
            for j in range(1, len(r2s)):  # a bigger basis only if it fits better out of sample
                if r2s[j] > r2s[pick] + GROW_R2:
                    pick = j
            fits.append(every[i][pick])
            if pick == 1:
                notes[i] = "grown: three-way products"
            elif pick == 2:
                notes[i] = f"grown: products of up to {k} members"
            if grow and k > MAX_GROW:
                notes[i] = f"not grown: group of {k} > {MAX_GROW} members"
            r2m = np.array(member_r2[i], dtype=float)
            if np.any(np.isfinite(r2m)):
                best = int(np.nanargmax(r2m))
                # only a member that finds structure (R^2 above GROW_R2) shows that the group's basis misses some
                if r2m[best] > GROW_R2 and r2s[pick] < r2m[best] - GROW_R2:
                    warnings_[i] = (f"R2 {r2s[pick]:.2f} is below that of {names[best]} alone ({r2m[best]:.2f}): "
                                    "the group fit misses structure a single-parameter fit finds, so its EVPPI is "
                                    "probably underestimated")
    return [_result(fit, Y[i], variances[i], evpi_values[i], n, k, orders[i], notes[i], warnings_[i], name=name,
                    kind=kind, parameters=parameters, label=label) for i, fit in enumerate(fits)]


def _result(fit: Fit, y: np.ndarray, var: float, evpi_value: float, n: int, k: int, order: int, basis_note: str,
            fit_warning: str, *, name: str, kind: str | None, parameters: Sequence[str], label: str) -> Evppi:
    """The :class:`Evppi` of one cross-fitted regression: estimate, se, floor, bias and the warnings."""
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
