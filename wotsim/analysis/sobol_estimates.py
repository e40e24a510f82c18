"""Sobol' estimates: point estimates, jackknife intervals over the randomisations, convergence verdicts.

:func:`analyse_sobol` turns one output on a plan's design into :class:`SobolIndices`:
SALib's estimators (or the same in numpy, bit for bit), confidence intervals from the
delete-one-block jackknife over the plan's independent randomisations, curves on nested
prefixes of whole randomisations and the verdicts of :class:`SobolConvergence`.  The
estimators, intervals and rules: :mod:`wotsim.analysis.sobol`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..errors import WotsimError
from . import salib as _salib
from .checks import check_finite
from .sobol_design import SobolPlan

__all__ = ["ENGINES", "SobolConvergence", "SobolIndices", "analyse_sobol"]

#: Sobol' analysis engines: SALib's ``analyze.sobol``, or the same estimators in numpy (bit-identical).
ENGINES = ("fast", "salib")
#: Resamples SALib's analyze.sobol draws for its own (unused) bootstrap when it is the engine.
SALIB_RESAMPLES = 2


def _zero_estimates(g: int, second_order: bool) -> dict[str, np.ndarray]:
    out = {"S1": np.zeros(g), "ST": np.zeros(g)}
    if second_order:
        out["S2"] = np.where(np.triu(np.ones((g, g), bool), 1), 0.0, np.nan)
    return out


def _point_estimates(y: np.ndarray, n: int, g: int, second_order: bool) -> dict[str, np.ndarray]:
    """SALib 1.6.0's ``analyze.sobol`` point estimates S1, ST (and S2), in numpy.

    Same standardisation ``(y - mean) / sd`` over the rows given, same
    operations in the same order, hence bit for bit SALib's indices (tested);
    SALib also bootstraps every index, which is skipped here.
    """
    step = 2 * g + 2 if second_order else g + 2
    Y = (y - y.mean()) / y.std()
    A = Y[0:Y.size:step]
    B = Y[step - 1:Y.size:step]
    eps = np.finfo(float).eps
    ab = np.r_[A, B]
    const = np.ptp(ab) <= eps  # SALib warns and returns zeros
    y_var = np.var(ab, axis=0)

    def ratio(num: np.ndarray) -> np.ndarray:
        return np.divide(num, y_var, out=np.zeros_like(y_var, dtype=np.float64), where=y_var > eps)

    out = _zero_estimates(g, second_order)
    if const:
        return out
    for j in range(g):
        ABj = Y[j + 1:Y.size:step]
        out["S1"][j] = ratio(np.mean(B * (ABj - A), axis=0))
        out["ST"][j] = ratio(0.5 * np.mean((A - ABj) ** 2, axis=0))
    if second_order:
        for j in range(g):
            BAj = Y[j + 1 + g:Y.size:step]
            for k in range(j + 1, g):
                ABk = Y[k + 1:Y.size:step]
                out["S2"][j, k] = ratio(np.mean(BAj * ABk - A * B, axis=0)) - out["S1"][j] - out["S1"][k]
    return out


def _estimate(plan: SobolPlan, y: np.ndarray, n: int, engine: str) -> dict[str, np.ndarray]:
    """Point estimates on a design of ``n`` base points (whole blocks of the plan's), with either engine."""
    g = len(plan.factors)
    if np.ptp(y) == 0.0:  # a constant output: SALib would divide 0 by 0 and return zeros
        return _zero_estimates(g, plan.second_order)
    if engine == "salib":
        si = _salib.sobol_analyze(plan.parameters, y, n=n, second_order=plan.second_order,
                                  resamples=SALIB_RESAMPLES, seed=plan.bootstrap_seed, groups=plan.groups,
                                  conf_level=plan.conf_level)
        return {k: si[k] for k in ("S1", "ST") + (("S2",) if plan.second_order else ())}
    return _point_estimates(y, n, g, plan.second_order)


def _jackknife_se(theta: np.ndarray) -> np.ndarray:
    """Delete-one jackknife standard error from R leave-one-out estimates, shape (R, ...) -> (...)."""
    r = theta.shape[0]
    return np.sqrt((r - 1) / r * np.sum((theta - theta.mean(axis=0)) ** 2, axis=0))


def _replicated(plan: SobolPlan, y: np.ndarray, blocks: int, engine: str) -> dict[str, np.ndarray]:
    """Indices on the first ``blocks`` randomisations of the design, with jackknife CI half-widths.

    Point estimates on all their base points; ``*_conf`` = t_{blocks-1} times
    the delete-one-block jackknife standard error.
    """
    m = plan.block_points
    rows = m * plan.block
    y = y[:blocks * rows]
    full = _estimate(plan, y, blocks * m, engine)
    loo = [_estimate(plan, np.concatenate((y[:k * rows], y[(k + 1) * rows:])), (blocks - 1) * m, engine)
           for k in range(blocks)]
    t = float(stats.t.ppf(0.5 + plan.conf_level / 2, blocks - 1))
    out = {}
    for key, value in full.items():
        out[key] = np.asarray(value, dtype=float)
        out[f"{key}_conf"] = t * _jackknife_se(np.stack([e[key] for e in loo]))
    return out


def _verdict(s: np.ndarray, conf: np.ndarray, halves: np.ndarray, tolerance: float,
             rel_tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The two convergence checks of an index, each (g,): (CI too wide, halves disagree).

    With ``tol = max(tolerance, rel_tolerance * |s|)``: the CI is too wide when
    ``conf > tol``; the halves disagree when ``|halves[0] - halves[1]| > 2 tol``.
    NaN counts as failing.  The index is stable when neither holds.
    """
    s = np.asarray(s, dtype=float)
    halves = np.asarray(halves, dtype=float)
    tol = np.maximum(tolerance, rel_tolerance * np.abs(s))
    wide = ~(np.asarray(conf, dtype=float) <= tol)
    split = ~(np.abs(halves[0] - halves[1]) <= 2 * tol)
    return wide, split


@dataclass(frozen=True)
class SobolConvergence:
    """Convergence of the indices of one output: nested-prefix curves, independent halves, verdicts.

    The verdict compares independent estimates.  With ``tol(S) =
    max(tolerance, rel_tolerance * |S|)`` (S the index at the full n), an index
    is stable when

    (a) its CI half-width at n is at most ``tol(S)`` (else reason ``"CI"``), and
    (b) the estimates from the first and the last n/2 base points, which share
        no randomisation, agree: ``|S_half1 - S_half2| <= 2 tol(S)`` (else
        reason ``"halves disagree"``).

    A factor is stable when its first and total order indices both are.

    Attributes
    ----------
    n : ndarray of int, shape (k,)
        Base samples of each nested prefix of whole randomisations (n/8, n/4,
        n/2 when they hold >= 4 randomisations, and n).
    S1, S1_conf, ST, ST_conf : ndarray, shape (k, g)
        Indices and their jackknife CI half-widths on each prefix.
    S1_halves, ST_halves : ndarray, shape (2, g)
        Indices from the first and from the last n/2 base points.
    stable_S1, stable_ST : ndarray of bool, shape (g,)
        The verdict for each index.
    tolerance, rel_tolerance : float
    """

    n: np.ndarray
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    S1_halves: np.ndarray
    ST_halves: np.ndarray
    stable_S1: np.ndarray
    stable_ST: np.ndarray
    tolerance: float
    rel_tolerance: float

    @property
    def stable(self) -> np.ndarray:
        """Per factor: first and total order both stable, shape (g,)."""
        return self.stable_S1 & self.stable_ST

    @property
    def verdicts(self) -> tuple[str, ...]:
        """Per factor: ``"stable"`` or ``"not stable"``."""
        return tuple("stable" if s else "not stable" for s in self.stable)

    def _checks(self) -> tuple[np.ndarray, np.ndarray]:
        w1, d1 = _verdict(self.S1[-1], self.S1_conf[-1], self.S1_halves, self.tolerance, self.rel_tolerance)
        wt, dt = _verdict(self.ST[-1], self.ST_conf[-1], self.ST_halves, self.tolerance, self.rel_tolerance)
        return w1 | wt, d1 | dt

    @property
    def reasons(self) -> tuple[str, ...]:
        """Per factor: why it is not stable (``"CI"``, ``"halves disagree"``, or both), or ``""``."""
        wide, split = self._checks()
        return tuple(", ".join(r for r, on in (("CI", w), ("halves disagree", d)) if on) for w, d in zip(wide, split))

    @property
    def rule(self) -> str:
        """The stability rule in words (for tables, captions and reports)."""
        tol = f"max({self.tolerance:g}, {self.rel_tolerance:.0%} of the index)"
        return (f"stable: the CI half-width at N is at most {tol}, and the estimates from the first and the last "
                f"N/2 base samples (independent randomisations) differ by at most twice that; for S1 and ST")


@dataclass(frozen=True)
class SobolIndices:
    """Sobol' indices of one output.

    Attributes
    ----------
    output : str
    factors : tuple of str, length g
    S1, S1_conf, ST, ST_conf : ndarray, shape (g,)
        First and total order indices and their CI half-widths (at
        ``conf_level``; jackknife over the independent randomisations).
    S2, S2_conf : ndarray, shape (g, g), or None
        Second-order indices (upper triangle, NaN elsewhere) when planned.
    mean, variance : float
        Of the output over the A and B rows (2 n points).
    convergence : SobolConvergence
    constant : bool
        True if the output does not vary (then every index is 0).
    """

    output: str
    factors: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    S2: np.ndarray | None
    S2_conf: np.ndarray | None
    mean: float
    variance: float
    convergence: SobolConvergence
    constant: bool = False

    @property
    def order(self) -> np.ndarray:
        """Factor indices ranked by total order, largest first (ties by first order)."""
        return np.lexsort((-self.S1, -self.ST))

    @property
    def verdicts(self) -> tuple[str, ...]:
        return self.convergence.verdicts


def analyse_sobol(plan: SobolPlan, y: np.ndarray, *, output: str = "y", engine: str = "fast",
                  timings: dict[str, float] | None = None) -> SobolIndices:
    """Sobol' indices of one output evaluated on the plan's design.

    Point estimates on all ``n`` base points; CI half-widths from the
    delete-one-block jackknife over the plan's independent randomisations
    (t with R - 1 degrees of freedom); convergence curves on nested prefixes
    of whole randomisations and the verdicts of :class:`SobolConvergence`.

    Parameters
    ----------
    plan : SobolPlan
    y : ndarray, shape (plan.rows,)
        The output on the design's rows, in SALib's order (:func:`sobol_outputs`).
    output : str
        Its name (for the result).
    engine : {"fast", "salib"}
        ``"salib"`` computes every estimate (also the leave-one-out ones) with
        SALib's ``analyze.sobol`` (the slow reference); ``"fast"`` with numpy,
        bit for bit equal.

    Raises
    ------
    WotsimError
        If ``y`` does not match the plan's row count, or is not finite.
    """
    if engine not in ENGINES:
        raise WotsimError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    y = np.asarray(y, dtype=float).ravel()
    plan.check_rows(y)
    check_finite(output, y)
    block = plan.block
    ab = np.r_[y[0::block], y[block - 1::block]]
    constant = bool(np.ptp(y) == 0.0)
    started = time.perf_counter()
    curves: dict[str, list[np.ndarray]] = {k: [] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    final: dict[str, np.ndarray] = {}
    for m in plan.levels:
        final = _replicated(plan, y, m // plan.block_points, engine)
        for k in curves:
            curves[k].append(final[k])
    half = plan.rows // 2
    halves = [_estimate(plan, part, plan.n // 2, engine) for part in (y[:half], y[half:])]
    if timings is not None:
        timings[f"analysis:{output}"] = time.perf_counter() - started
    conv = {k: np.vstack(v) for k, v in curves.items()}
    s1_halves = np.vstack([h["S1"] for h in halves])
    st_halves = np.vstack([h["ST"] for h in halves])
    w1, d1 = _verdict(final["S1"], final["S1_conf"], s1_halves, plan.tolerance, plan.rel_tolerance)
    wt, dt = _verdict(final["ST"], final["ST_conf"], st_halves, plan.tolerance, plan.rel_tolerance)
    convergence = SobolConvergence(
        n=np.array(plan.levels, dtype=int), S1=conv["S1"], S1_conf=conv["S1_conf"], ST=conv["ST"],
        ST_conf=conv["ST_conf"], S1_halves=s1_halves, ST_halves=st_halves, stable_S1=~(w1 | d1),
        stable_ST=~(wt | dt), tolerance=plan.tolerance, rel_tolerance=plan.rel_tolerance)
    return SobolIndices(
        output=output, factors=plan.factors, S1=final["S1"], S1_conf=final["S1_conf"], ST=final["ST"],
        ST_conf=final["ST_conf"], S2=final.get("S2"), S2_conf=final.get("S2_conf"), mean=float(np.mean(ab)),
        variance=float(np.var(ab, ddof=1)), convergence=convergence, constant=constant)
