"""Monte Carlo standard errors that are honest for every sampler.

One rule for every estimate wotsim prints with a "±":

* ``mc`` draws are independent (``replicates == 1``): the iid formulas,
  ``sd / sqrt(n)`` for a mean, ``sqrt(p (1 - p) / n)`` for a probability and
  an order-statistic interval for a quantile.
* ``sobol`` and ``lhs`` designs are ``R`` independent randomisations,
  interleaved (row ``i`` belongs to randomisation ``i % R``; see
  :class:`wotsim.sampling.DesignStream`).  Their points are not independent,
  so the iid formulas are wrong (for the Schiedam mean about 80 times too
  large).  The estimate uses all n rows; its standard error is the spread of
  the R replicate estimates, ``sd(theta_1..theta_R) / sqrt(R)`` (randomised
  quasi-Monte Carlo: Owen 1997; L'Ecuyer & Lemieux 2002, "Recent advances in
  randomized quasi-Monte Carlo methods").  For a mean or a probability with
  equal replicate sizes the estimate is exactly the mean of the replicate
  estimates, so this is its standard error; for a quantile it is the usual
  large-sample approximation.

Undefined (NaN or infinite) values are left out of every estimate, replicate
by replicate.  The calibration of these standard errors against the spread
over independent seeds is measured by ``tests/test_calibration.py``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["describe", "exceedance_se", "mean_se", "prob_se", "quantile_se", "replicate_means"]


def _groups(values: np.ndarray, replicates: int) -> tuple[np.ndarray, np.ndarray]:
    """Finite values and the replicate each belongs to."""
    values = np.asarray(values, dtype=float).ravel()
    rep = np.arange(values.size) % max(int(replicates), 1)
    ok = np.isfinite(values)
    return values[ok], rep[ok]


def replicate_means(values: np.ndarray, replicates: int) -> np.ndarray:
    """Mean of the finite values of each replicate that has any, shape (<= R,)."""
    x, rep = _groups(values, replicates)
    counts = np.bincount(rep, minlength=replicates)
    sums = np.bincount(rep, weights=x, minlength=replicates)
    have = counts > 0
    return sums[have] / counts[have]


def mean_se(values: np.ndarray, replicates: int = 1) -> float:
    """Standard error of the mean of the finite ``values``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Draws in design row order.
    replicates : int
        Independent randomisations of the design (1: independent draws).
    """
    if replicates <= 1:
        x = np.asarray(values, dtype=float)
        x = x[np.isfinite(x)]
        return float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan")
    means = replicate_means(values, replicates)
    return float(np.std(means, ddof=1) / math.sqrt(means.size)) if means.size > 1 else float("nan")


def prob_se(values: np.ndarray, threshold: float, replicates: int = 1) -> float:
    """Standard error of P(value > threshold) over the finite ``values``."""
    x = np.asarray(values, dtype=float)
    if replicates <= 1:
        x = x[np.isfinite(x)]
        if x.size == 0:
            return float("nan")
        p = float(np.mean(x > threshold))
        return math.sqrt(p * (1 - p) / x.size)
    indicator = np.where(np.isfinite(x), (x > threshold).astype(float), np.nan)
    return mean_se(indicator, replicates)


def exceedance_se(values: np.ndarray, thresholds: np.ndarray, replicates: int = 1) -> np.ndarray:
    """Standard errors of P(value >= t) for each threshold ``t``, shape (m,)."""
    x, rep = _groups(values, replicates)
    t = np.asarray(thresholds, dtype=float)
    if replicates <= 1:
        n = x.size
        p = (n - np.searchsorted(np.sort(x), t, side="left")) / n
        return np.sqrt(p * (1 - p) / n)
    ps = []
    for k in range(replicates):
        xk = np.sort(x[rep == k])
        if xk.size:
            ps.append((xk.size - np.searchsorted(xk, t, side="left")) / xk.size)
    ps = np.array(ps)
    if ps.shape[0] < 2:
        return np.full(t.shape, np.nan)
    return ps.std(axis=0, ddof=1) / math.sqrt(ps.shape[0])


def _order_statistic_se(sorted_x: np.ndarray, q: float) -> float:
    """Distribution-free standard error of the q-quantile of iid draws: half the order-statistic 68% interval."""
    n = sorted_x.size
    if n < 2:
        return float("nan")
    half = math.sqrt(n * q * (1 - q))
    lo = int(min(max(math.floor(n * q - half), 0), n - 1))
    hi = int(min(max(math.ceil(n * q + half), 0), n - 1))
    return float(sorted_x[hi] - sorted_x[lo]) / 2.0


def quantile_se(values: np.ndarray, q: float, replicates: int = 1) -> float:
    """Standard error of the ``q``-quantile (0 < q < 1) of the finite ``values``."""
    x, rep = _groups(values, replicates)
    if replicates <= 1:
        return _order_statistic_se(np.sort(x), q)
    qs = [float(np.quantile(x[rep == k], q)) for k in range(replicates) if np.any(rep == k)]
    return float(np.std(qs, ddof=1) / math.sqrt(len(qs))) if len(qs) > 1 else float("nan")


def describe(sampler: str, replicates: int) -> str:
    """How the standard errors of a run were computed, in words (for footers and captions)."""
    if replicates > 1:
        return f"estimated from the spread over the design's {replicates} independent randomisations ({sampler})"
    if sampler == "mc":
        return "independent draws (mc): iid formulas"
    return f"iid formulas on a single randomisation ({sampler}): not an honest error for this design"
