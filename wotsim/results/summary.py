"""The summaries of a run: per output its distribution, quantile bands, acceptability and convergence.

:func:`summarise` turns draws of one output into an :class:`OutputSummary` (mean, sd,
median, percentiles, P(above the threshold), each with its Monte Carlo standard error from
:mod:`wotsim.results.mcse`); :class:`CumulativeBands`, :class:`Exceedance` and
:class:`Convergence` are what :class:`~wotsim.results.simulation.SimulationResult` computes
for the fan chart, the acceptability curve and the convergence figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import mcse

__all__ = ["Convergence", "CumulativeBands", "Exceedance", "OutputSummary", "summarise"]


@dataclass(frozen=True)
class OutputSummary:
    """Summary of one output's distribution.

    ``mean_se`` and ``p_above_se`` are Monte Carlo standard errors: iid formulas
    for ``mc`` draws, the spread of the design's independent randomisations for
    ``sobol`` and ``lhs`` (:mod:`wotsim.results.mcse`).  ``p_above`` is P(ratio > 1) for a
    ratio and P(NPV > 0) for an NPV; ``ratio_of_means`` is E[B] / E[C] (ratios only).
    """

    name: str
    label: str
    measure: str
    n: int
    base: float
    mean: float
    mean_se: float
    sd: float
    median: float
    percentiles: Mapping[str, float]
    threshold: float
    p_above: float
    p_above_se: float
    ratio_of_means: float | None = None
    target: float | None = None
    n_undefined: int = 0

    def interval(self, level: float = 90.0) -> tuple[float, float]:
        """Central interval from the stored percentiles, e.g. (p5, p95) for 90."""
        lo, hi = _pkey(50 - level / 2), _pkey(50 + level / 2)
        if lo not in self.percentiles or hi not in self.percentiles:
            raise KeyError(f"percentiles {lo} and {hi} were not computed; have {', '.join(self.percentiles)}")
        return self.percentiles[lo], self.percentiles[hi]


def _pkey(p: float) -> str:
    return f"p{p:g}"


@dataclass(frozen=True)
class CumulativeBands:
    """Per-year quantile bands of the cumulative discounted net value.

    Attributes
    ----------
    stakeholder : str or None
        Stakeholder id, or None for the total over all stakeholders.
    years : ndarray, shape (T,)
        Year index, 0 = the first (undiscounted) year.
    levels : tuple of float
        Central interval levels in percent, e.g. (50.0, 90.0).
    median : ndarray, shape (T,)
    lower, upper : ndarray, shape (len(levels), T)
        The (50 - level/2)th and (50 + level/2)th percentiles of the draws per year.
    base : ndarray, shape (T,)
        The deterministic base case's cumulative net value.
    n : int
        Number of draws.
    """

    stakeholder: str | None
    years: np.ndarray
    levels: tuple[float, ...]
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    base: np.ndarray
    n: int


@dataclass(frozen=True)
class Exceedance:
    """P(output >= threshold) on a grid of thresholds (an acceptability curve).

    ``se`` is the Monte Carlo standard error (:mod:`wotsim.results.mcse`: iid for ``mc``,
    from the independent randomisations for ``sobol`` and ``lhs``).
    Undefined (NaN) draws are excluded; ``n`` counts the finite ones.

    Attributes
    ----------
    output : str
    thresholds : ndarray, shape (m,)
    p : ndarray, shape (m,)
    se : ndarray, shape (m,)
    n : int
    """

    output: str
    thresholds: np.ndarray
    p: np.ndarray
    se: np.ndarray
    n: int


@dataclass(frozen=True)
class Convergence:
    """Monte Carlo estimates over nested prefixes of the draws (the first n_k samples).

    Prefix sizes are the powers of two from ``n_min`` up to the run's n (plus n
    itself when it is not a power of two): prefixes of a Sobol' sequence keep
    their balance at powers of two.  A prefix of ``k R`` rows holds ``k`` points
    of each of the design's R randomisations, so standard errors follow
    :mod:`wotsim.results.mcse` at every prefix.  The last entry equals the run's summary.

    Attributes
    ----------
    output : str
    threshold : float
        1 for a ratio, 0 for an NPV: ``p_above`` = P(output > threshold).
    n : ndarray of int, shape (k,)
        Prefix sizes (draws, including undefined ones).
    p_above, p_above_se, mean, mean_se : ndarray, shape (k,)
    """

    output: str
    threshold: float
    n: np.ndarray
    p_above: np.ndarray
    p_above_se: np.ndarray
    mean: np.ndarray
    mean_se: np.ndarray


def summarise(name: str, label: str, measure: str, values: np.ndarray, base: float,
              percentiles: tuple[float, ...], *, ratio_of_means: float | None = None,
              target: float | None = None, replicates: int = 1) -> OutputSummary:
    """Summarise draws of one output.

    Undefined draws are counted (``n_undefined``) and excluded: NaN or infinite values
    (a ratio is NaN where costs <= 0, see :func:`wotsim.model.output_array`).
    ``replicates`` is the number of independent randomisations of the design the
    draws come from, in row order (1 for independent draws); see :mod:`wotsim.results.mcse`.
    """
    finite = values[np.isfinite(values)]
    n = int(finite.size)
    undefined = int(values.size - n)
    threshold = 1.0 if measure == "ratio" else 0.0
    if n == 0:
        nan = float("nan")
        return OutputSummary(name, label, measure, 0, float(base), nan, nan, nan, nan,
                             {_pkey(p): nan for p in percentiles}, threshold, nan, nan,
                             ratio_of_means, target, undefined)
    mean = float(np.mean(finite))
    sd = float(np.std(finite, ddof=1)) if n > 1 else 0.0
    p = float(np.mean(finite > threshold))
    qs = np.percentile(finite, list(percentiles) + [50.0])
    return OutputSummary(
        name=name,
        label=label,
        measure=measure,
        n=n,
        base=float(base),
        mean=mean,
        mean_se=mcse.mean_se(values, replicates),
        sd=sd,
        median=float(qs[-1]),
        percentiles={_pkey(pc): float(q) for pc, q in zip(percentiles, qs[:-1])},
        threshold=threshold,
        p_above=p,
        p_above_se=mcse.prob_se(values, threshold, replicates),
        ratio_of_means=ratio_of_means,
        target=target,
        n_undefined=undefined,
    )

