"""Decision-focused sensitivity: which parameters decide whether the ratio clears 1?

From the Monte Carlo draws of a :class:`~wotsim.results.SimulationResult`, the
decision indicator ``I = 1[output > threshold]`` (ratio > 1, NPV > 0) is
related to each uncertain parameter ``X_i`` by binning ``X_i`` into
equal-probability bins (by rank):

* ``P(I = 1 | X_i in bin k)`` with its binomial standard error, on ``bins``
  bins (default 5: quintiles), for a table that reads "when this parameter is in
  its lowest fifth, the ratio clears 1 in p% of the draws";
* the first-order index of the indicator, ``S_i = Var(E[I | X_i]) / Var(I)``,
  by a bias-corrected binning (correlation-ratio) estimator on ``bins_index``
  bins (default 20), with an analytic standard error.  See
  :func:`binned_first_order` for the estimator.

Why 20 bins for the index: binning replaces ``E[I | X_i]`` by its bin means and
so underestimates ``S_i``; for a smooth ``E[I | X_i]`` the loss is of order
``1 / bins^2`` (0.25% of ``S_i`` at 20 bins, 4% at 5), while the noise grows only
like ``sqrt(2 (bins - 1)) / n`` near zero (5e-5 at n = 131072).  Quintiles would
understate every index by several percent; the quintile table is kept for
reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..results import mcse
from ..errors import WotsimError
from ..model import check_output, output_array, output_measure, output_names
from .oneway import threshold_of
from ..config.schema import Config
from ..config.translations import label_of
from ..results.frames import output_label, table
from ..results.simulation import SimulationResult

__all__ = ["DecisionDrivers", "binned_first_order", "decision_drivers", "drivers_frame", "equal_probability_bins"]

#: Draws a quarter bin must hold on average for E[I | X at a bin edge] to be estimated locally.
MIN_EDGE_DRAWS = 20


@dataclass(frozen=True)
class DecisionDrivers:
    """Decision-focused sensitivity of one output.

    Attributes
    ----------
    output : str
    threshold : float
        1 for a ratio, 0 for an NPV.
    p_above : float
        P(output > threshold) over the draws.
    p_above_se : float
        Its Monte Carlo standard error, ``sqrt(p (1 - p) / n)``.
    n : int
        Draws used (draws where the output is undefined, e.g. a ratio with zero
        costs, are left out).
    bins : int
        Number of bins of ``p_by_bin``.
    bins_index : int
        Number of bins of the first-order index estimator.
    parameters : tuple of str
        Sorted by ``first_order``, largest first (NaN last).
    first_order : ndarray, shape (d,)
        First-order index of the indicator ``1[output > threshold]`` per
        parameter (bias-corrected binning estimator; may be slightly negative
        for a parameter without influence). NaN if the indicator is constant.
    first_order_se : ndarray, shape (d,)
        Analytic standard error (see :func:`binned_first_order`).
    p_by_bin : ndarray, shape (d, bins)
        P(output > threshold | parameter in its k-th equal-probability bin),
        lowest values first; NaN for a bin left empty by ties.
    p_by_bin_se : ndarray, shape (d, bins)
        Binomial standard errors ``sqrt(p_k (1 - p_k) / n_k)``.
    bin_counts : ndarray, shape (d, bins)
        Draws per bin.
    """

    output: str
    threshold: float
    p_above: float
    p_above_se: float
    n: int
    bins: int
    parameters: tuple[str, ...]
    first_order: np.ndarray
    first_order_se: np.ndarray
    p_by_bin: np.ndarray
    p_by_bin_se: np.ndarray
    bins_index: int = 20
    bin_counts: np.ndarray | None = None

    def to_frame(self, config: Config | None = None):
        """The drivers as a :class:`pandas.DataFrame` (:func:`drivers_frame`); ``config`` gives the
        parameters' labels and units and the output's label."""
        return drivers_frame([self], config)


def drivers_frame(results: Sequence[DecisionDrivers], config: Config | None = None):
    """One row per (output, parameter), in the order of ``parameters`` (largest index first): ``output``,
    ``output_label``, ``threshold``, ``p_above``, ``p_above_se``, ``n``, ``rank``, ``parameter``, ``label``,
    ``unit`` (the parameter's), ``first_order``, ``first_order_se``, then per equal-probability bin k (1 =
    the lowest values): ``p_bin<k>`` (P(output > threshold | parameter in bin k)), ``p_bin<k>_se`` and
    ``n_bin<k>`` (draws in the bin; empty when not stored).  ``config`` (optional) gives the labels and units."""
    bins = max((r.bins for r in results), default=0)
    rows = []
    for r in results:
        for rank, name in enumerate(r.parameters, start=1):
            j = rank - 1
            row = {"output": r.output, "output_label": output_label(config, r.output),
                   "threshold": r.threshold, "p_above": r.p_above, "p_above_se": r.p_above_se, "n": r.n,
                   "rank": rank, "parameter": name,
                   "label": label_of(config, "parameter", name) if config else name,
                   "unit": config.parameters[name].unit if config and name in config.parameters else "",
                   "first_order": r.first_order[j], "first_order_se": r.first_order_se[j]}
            for k in range(r.bins):
                row.update({f"p_bin{k + 1}": r.p_by_bin[j, k], f"p_bin{k + 1}_se": r.p_by_bin_se[j, k],
                            f"n_bin{k + 1}": r.bin_counts[j, k] if r.bin_counts is not None else None})
            rows.append(row)
    per_bin = [c for k in range(1, bins + 1) for c in (
        (f"p_bin{k}", f"P(output > threshold | parameter in bin {k} of {bins}, lowest values first)", ""),
        (f"p_bin{k}_se", f"Standard error of p_bin{k}", ""), (f"n_bin{k}", f"Draws in bin {k}", ""))]
    columns = [("output", "Output (id)", ""), ("output_label", "Output", ""),
               ("threshold", "Decision threshold (1 ratio, 0 NPV)", ""), ("p_above", "P(output > threshold)", ""),
               ("p_above_se", "Standard error of P(output > threshold)", ""), ("n", "Draws used", ""),
               ("rank", "Rank by first-order index (1 = largest)", ""), ("parameter", "Parameter (id)", ""),
               ("label", "Parameter", ""), ("unit", "Unit of the parameter", ""),
               ("first_order", "First-order index of the decision 1[output > threshold]", ""),
               ("first_order_se", "Standard error of the index", ""), *per_bin]
    return table("drivers", columns, rows, description="decision drivers: what decides whether the output "
                 "clears its threshold, per parameter, with P(clears) by equal-probability bin")


def equal_probability_bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Assign each draw to one of ``bins`` equal-probability bins by rank.

    Parameters
    ----------
    x : ndarray, shape (n,)
    bins : int

    Returns
    -------
    ndarray of int, shape (n,)
        Bin of each draw, 0 for the lowest values.  Draw ``i`` with mid-rank
        ``r_i`` (1-based, ties averaged) goes to bin ``floor(bins (r_i - 1/2) / n)``:
        without ties every bin holds ``n / bins`` draws (within one); tied
        values always share a bin, so a parameter with few distinct values
        (an integer horizon) fills only some bins.
    """
    r, _ = _midranks(np.asarray(x))
    return _bins(r, bins)


def _midranks(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """1-based mid-ranks of x (ties get the mean of their ranks) and whether there are ties; one sort."""
    r, ties, _ = _sorted_midranks(x)
    return r, ties


def _sorted_midranks(x: np.ndarray) -> tuple[np.ndarray, bool, tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """:func:`_midranks` and, with ties, the sort it came from: (order, start and end of each group of tied
    values in sorted positions), which :func:`_kept_midranks` reuses for subsets."""
    n = x.size
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    ties = not bool(new.all())
    r = np.empty(n)
    if not ties:
        r[order] = np.arange(1, n + 1, dtype=float)
        return r, False, None
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)                  # group g holds sorted positions starts[g] .. ends[g]-1
    mid = 0.5 * (starts + 1 + ends)                  # mean of the 1-based ranks starts+1 .. ends
    r[order] = np.repeat(mid, ends - starts)
    return r, True, (order, starts, ends)


def _kept_midranks(sort: tuple[np.ndarray, np.ndarray, np.ndarray], keep: np.ndarray) -> tuple[np.ndarray, bool]:
    """``_midranks(x[keep])`` from the sort of all of x (:func:`_sorted_midranks`), in O(n) without a new sort:
    the kept draws of a group of tied values take the ranks after the kept draws of the groups below it, and
    their mean (the same integers and halves, so the same floats)."""
    order, starts, ends = sort
    kept = np.concatenate(([0], np.cumsum(keep[order])))   # kept[i]: kept draws among sorted positions < i
    before, upto = kept[starts], kept[ends]
    mid = 0.5 * (before + 1 + upto)
    r = np.empty(order.size)
    r[order] = np.repeat(mid, ends - starts)
    return r[keep], bool(np.any(upto - before >= 2))


def _jackknife_first_order_se(x: np.ndarray, r: np.ndarray, ties: bool, indicator: np.ndarray,
                               rep_of: np.ndarray, R: int, bins: int, sort=None) -> float:
    """Delete-one-randomisation jackknife standard error of :func:`binned_first_order`.

    ``theta_(-k)`` is the estimate on every randomisation but ``k``;
    ``SE = sqrt((R - 1) / R * sum_k (theta_(-k) - mean)^2)``.  Without ties the
    mid-ranks of the remaining draws follow from the full ranks in O(n): a draw
    loses one rank per deleted draw below it (no new sort); with ties the full sort ``sort``
    (:func:`_sorted_midranks`, computed here if not given) gives them (:func:`_kept_midranks`).
    """
    n = r.size
    position = (r - 1).astype(np.int64) if not ties else None
    if ties and sort is None:
        sort = _sorted_midranks(x)[2]
    est = []
    for k in range(R):
        gone = rep_of == k
        keep = ~gone
        if ties:
            rk, tk = _kept_midranks(sort, keep)
        else:
            below = np.zeros(n)
            below[position[gone]] = 1.0
            rk, tk = (r - np.cumsum(below)[position])[keep], False
        est.append(_first_order(rk, tk, indicator[keep], bins)[0])
    est = np.asarray(est, dtype=float)
    if not np.all(np.isfinite(est)):
        return float("nan")
    return float(math.sqrt((R - 1) / R * np.sum((est - est.mean()) ** 2)))


def _bins(r: np.ndarray, bins: int) -> np.ndarray:
    n = r.size
    return np.minimum((bins * (r - 0.5) / n).astype(np.int64), bins - 1)


def _counts(bin_of: np.ndarray, indicator: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    n_k = np.bincount(bin_of, minlength=bins).astype(float)
    a_k = np.bincount(bin_of, weights=indicator.astype(float), minlength=bins)
    return n_k, a_k


def binned_first_order(x: np.ndarray, indicator: np.ndarray, bins: int = 20) -> tuple[float, float]:
    """First-order index of a 0/1 indicator with respect to one input, with a standard error.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Draws of the input ``X``.
    indicator : ndarray of bool, shape (n,)
        The indicator ``I`` of each draw.
    bins : int
        Equal-probability bins of ``x`` (by rank, see :func:`equal_probability_bins`).

    Returns
    -------
    s : float
        Estimate of ``S = sum_k w_k (mu_k - mu)^2 / (mu (1 - mu))``: ``Var(E[I | X]) / Var(I)``
        with ``X`` coarsened to its bins (``w_k`` bin probabilities,
        ``mu_k = P(I = 1 | bin k)``, ``mu = P(I = 1)``).  NaN if ``I`` is constant.
    se : float
        Its standard error (NaN if ``I`` is constant).

    Notes
    -----
    **Estimator.** With ``n_k`` draws and ``a_k`` ones in bin ``k``, ``p_k = a_k / n_k``,
    ``w_k = n_k / n`` and ``p = sum w_k p_k``::

        S = (V_B - c / n) / (p (1 - p)),     V_B = sum_k w_k (p_k - p)^2,
        c = sum_k (1 - w_k) s_k^2,           s_k^2 = p_k (1 - p_k) n_k / (n_k - 1).

    ``c / n`` removes the small-sample bias of the between-bin variance: for
    independent draws within the bins ``E[V_B] = sum w_k (mu_k - mu)^2 + (1/n) sum_k (1 - w_k) sigma_k^2``
    exactly (``sigma_k^2`` the within-bin variance, of which ``s_k^2`` is unbiased).
    Without an effect it is the classical ``(K - 1) sigma^2 / n`` (also about
    ``sum_k p_k (1 - p_k) / n_k / K``); unlike that, it does not over-correct a
    strong driver, whose within-bin variances are small.  ``p (1 - p)`` is the
    plug-in variance, so an indicator that is a function of the bin of ``X``
    gets exactly 1.  The estimate may be slightly negative for an inert input.

    **Standard error.** ``Var S = g' D g + tr(H D H D) / 2`` to second order, where the
    first term is the variance of the estimator's influence function and the
    second the chi-square spread of ``V_B`` that dominates near ``S = 0`` (``g``, ``H``
    gradient and Hessian of ``S`` in the bin means ``p_k``, ``D_k = p_k (1 - p_k) / (n_k - 1)``).
    The influence function includes the randomness of the bin edges (sample
    quantiles) for an input without ties: edge ``e_j = j / K`` contributes
    ``c_j (1[U <= e_j] - e_j)`` with ``c_j`` built from ``E[I | X at edge j]``, which is
    estimated from the draws within a quarter bin on either side of the edge
    (from the two adjacent bins' means when a quarter bin holds fewer than
    ``MIN_EDGE_DRAWS`` draws on average).
    With ties (an integer input) the bins are groups of values with random
    sizes and the influence function has the bin-size term instead.  Plugging
    the estimates into ``g`` inflates the first term by about ``tr(H D H D)`` in
    expectation, which is subtracted: ``Var = max(first - tr(HDHD) / 2, tr(HDHD) / 2)``.
    Checked against the spread over repeated samples in ``tests/test_drivers.py``
    (within about 10% at 20 bins and n >= 2000; conservative near ``S = 0``).
    The one case it does not cover is a jump of ``E[I | X]`` sitting exactly on a
    bin edge, where the estimate is a kinked function of the random edges.
    This standard error is for independent draws; :func:`decision_drivers`
    replaces it for a design of independent randomisations (``sobol``, ``lhs``).
    """
    x = np.asarray(x)
    indicator = np.asarray(indicator, dtype=bool)
    if x.shape != indicator.shape or x.ndim != 1:
        raise WotsimError(f"x and indicator must be 1-D arrays of one length, "
                          f"got shapes {x.shape} and {indicator.shape}")
    r, ties = _midranks(x)
    return _first_order(r, ties, indicator, bins)


def _first_order(r: np.ndarray, ties: bool, indicator: np.ndarray, bins: int) -> tuple[float, float]:
    """:func:`binned_first_order` from mid-ranks ``r`` (see there)."""
    n_all = r.size
    if n_all == 0:
        return math.nan, math.nan
    bin_of = _bins(r, bins)
    n_k, a_k = _counts(bin_of, indicator, bins)
    keep = n_k > 0
    p = float(a_k.sum() / n_all)
    var = p * (1.0 - p)
    if var <= 0.0:
        return math.nan, math.nan

    n = float(n_all)
    nk, ak = n_k[keep], a_k[keep]
    w = nk / n
    pk = ak / nk
    with np.errstate(divide="ignore", invalid="ignore"):
        inflate = np.where(nk > 1, nk / (nk - 1.0), 0.0)
    c = float(np.sum((1.0 - w) * pk * (1.0 - pk) * inflate))
    v_between = float(np.sum(w * (pk - p) ** 2))
    numerator = v_between - c / n
    s = numerator / var

    # Gradient and Hessian in the bin means p_k (bin probabilities fixed).
    M = np.diag(w) - np.outer(w, w)                     # V_B = p_k' M p_k
    dN = 2.0 * (M @ pk)
    dvar = (1.0 - 2.0 * p) * w
    g = dN / var - numerator * dvar / var**2
    H = (2.0 * M / var
         - (np.outer(dN, dvar) + np.outer(dvar, dN)) / var**2
         + 2.0 * numerator * np.outer(w, w) / var**2
         + 2.0 * numerator * np.outer(dvar, dvar) / var**3)
    D = np.where(nk > 1, pk * (1.0 - pk) / np.maximum(nk - 1.0, 1.0), 0.0)
    HD = H * D[None, :]
    second = 0.5 * float(np.trace(HD @ HD))

    # Influence function of S at each draw: S depends on bin means mu_k = T_k / w_k
    # (T_k = E[I 1(bin k)]) and bin probabilities w_k.
    a = g / w                                            # dS/dT_k
    dS_dw = ((pk - p) ** 2 - s * (1.0 - 2.0 * p) * pk) / var
    b = dS_dw - g * pk / w                               # dS/dw_k at fixed T_k
    k_of = np.cumsum(keep) - 1                           # bin index -> index among kept bins
    kb = k_of[bin_of]
    influence = a[kb] * indicator + b[kb]
    if not ties and bool(keep.all()) and bins > 1:
        # Edges j = 1..K-1 between kept bins j-1 and j, at rank probability e_j = j / K.
        fine_n, fine_a = _counts(_bins(r, 4 * bins), indicator, 4 * bins)
        j = np.arange(1, bins)
        near_n = fine_n[4 * j - 1] + fine_n[4 * j]
        near_a = fine_a[4 * j - 1] + fine_a[4 * j]
        with np.errstate(divide="ignore", invalid="ignore"):
            if n_all >= MIN_EDGE_DRAWS * 4 * bins:
                m_edge = np.where(near_n > 0, near_a / near_n, 0.5 * (pk[j - 1] + pk[j]))
            else:  # too few draws near an edge: the mean of the two bins is less noisy
                m_edge = 0.5 * (pk[j - 1] + pk[j])
        c_edge = m_edge * (a[j] - a[j - 1]) + (b[j] - b[j - 1])
        # sum_j c_j 1[bin < j] = sum of c_j over edges above the draw's bin
        above = np.concatenate([np.cumsum(c_edge[::-1])[::-1], [0.0]])   # above[k] = sum_{j > k} c_j
        influence = influence + above[kb]
    influence = influence - influence.mean()
    first = float(np.mean(influence**2)) / n
    variance = max(first - second, second)
    return float(s), math.sqrt(variance)


def decision_drivers(
    result: SimulationResult,
    *,
    output: str,
    bins: int = 5,
    bins_index: int = 20,
) -> DecisionDrivers:
    """Which parameters decide whether an output clears its threshold.

    Parameters
    ----------
    result : SimulationResult
        A Monte Carlo run (its draws and item present values).
    output : str
        A ratio (threshold 1) or NPV (threshold 0) output, including ``npv`` and
        ``net:<stakeholder>``.
    bins : int
        Equal-probability bins for the ``p_by_bin`` table (default 5, quintiles).
    bins_index : int
        Equal-probability bins for the first-order index (default 20; see the
        module docstring for why more than 5).

    Returns
    -------
    DecisionDrivers

    Raises
    ------
    WotsimError
        For an unknown output, an amount output (benefits, costs: no threshold),
        fewer than 2 bins or fewer than 2 draws per bin.

    Notes
    -----
    The index is ``S_i = Var(E[I | X_i]) / Var(I)`` for ``I = 1[output > threshold]``,
    estimated by :func:`binned_first_order`.  It needs no extra model runs and
    is meaningful with correlated inputs too (it then includes what ``X_i``
    carries of the parameters it correlates with).  Standard errors: for
    ``mc`` draws the second-order formula of :func:`binned_first_order`; for a
    design of R independent randomisations (``sobol``, ``lhs``; see
    :mod:`wotsim.results.mcse`) the delete-one-randomisation jackknife
    (:func:`_jackknife_first_order_se`; the bias correction then removes
    slightly too much, at most ``(bins_index - 1) / n`` per parameter, 1.4e-4 at
    n = 131072).  ``p_above_se`` follows :mod:`wotsim.results.mcse`; the per-bin
    probabilities' standard errors are binomial.  Where
    ``E[I | X_i]`` jumps inside a bin, the random bin edges add an upward bias of
    order ``1 / n``.
    """
    config = result.config
    threshold = threshold_of(check_output(config, output))
    if math.isnan(threshold):
        fitting = [o for o in output_names(config) if output_measure(config, o) != "amount"]
        raise WotsimError(f"output {output!r} is an amount with no decision threshold; "
                          f"choose a ratio or NPV output: {', '.join(fitting)}")
    for key, value in (("bins", bins), ("bins_index", bins_index)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise WotsimError(f"{key} must be a whole number >= 2, got {value!r}")

    y = output_array(config, result.item_pv, output)
    ok = ~np.isnan(y)
    n = int(ok.sum())
    if n < 2 * max(bins, bins_index):
        k = max(bins, bins_index)
        raise WotsimError(f"decision drivers need at least 2 draws per bin ({2 * k} for {k} bins), "
                          f"got {n} defined draws of {output!r}; run more samples or use fewer bins")
    indicator = y[ok] > threshold
    p = float(indicator.mean())
    draws = result.draws[ok]
    R = getattr(result, "replicates", 1)
    rep_of = (np.arange(y.size) % R)[ok]
    by_replicate = R > 1  # standard errors from the design's independent randomisations (jackknife)

    d = len(result.parameters)
    first = np.empty(d)
    first_se = np.empty(d)
    p_bin = np.empty((d, bins))
    p_bin_se = np.empty((d, bins))
    counts = np.empty((d, bins))
    for j in range(d):
        r, ties, sort = _sorted_midranks(draws[:, j])
        first[j], first_se[j] = _first_order(r, ties, indicator, bins_index)
        if by_replicate and not math.isnan(first[j]):
            first_se[j] = _jackknife_first_order_se(draws[:, j], r, ties, indicator, rep_of, R, bins_index, sort)
        n_k, a_k = _counts(_bins(r, bins), indicator, bins)
        with np.errstate(divide="ignore", invalid="ignore"):
            pk = a_k / n_k
            p_bin[j] = np.where(n_k > 0, pk, np.nan)
            p_bin_se[j] = np.where(n_k > 0, np.sqrt(pk * (1.0 - pk) / n_k), np.nan)
        counts[j] = n_k

    order = sorted(range(d), key=lambda j: (math.isnan(first[j]), -np.nan_to_num(first[j])))
    return DecisionDrivers(
        output=output,
        threshold=threshold,
        p_above=p,
        p_above_se=mcse.prob_se(y, threshold, R),
        n=n,
        bins=int(bins),
        parameters=tuple(result.parameters[j] for j in order),
        first_order=first[order],
        first_order_se=first_se[order],
        p_by_bin=p_bin[order],
        p_by_bin_se=p_bin_se[order],
        bins_index=int(bins_index),
        bin_counts=counts[order],
    )
