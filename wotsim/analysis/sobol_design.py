"""The Sobol' design: the plan the sampler and the analyser share, and the model on its Saltelli rows.

One frozen :class:`SobolPlan` decides everything the sampler and the analyser must agree
on (base samples, factors, second order, the independent randomisations and their
seeds); :func:`saltelli_matrix` builds SALib's Saltelli matrix with numpy, and
:func:`sobol_outputs` evaluates the model on the plan's rows, A and B mapped to
parameter values once.  The design and its reasons: :mod:`wotsim.analysis.sobol`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from scipy.stats import qmc

from .. import limits
from ..config.correlations import correlation_matrix
from ..config.schema import Config
from ..errors import WotsimError
from ..model import evaluate, output_array, parameter_values
from ..sampling import EPS, apply_copula, derived_int_seed, stream
from . import salib as _salib
from .checks import check_fraction, check_outputs, check_whole
from .groups import design_groups

__all__ = ["DEFAULT_REL_TOLERANCE", "DEFAULT_SOBOL_SAMPLES", "DEFAULT_TOLERANCE", "MIN_SOBOL_SAMPLES", "SobolPlan",
           "base_matrices", "check_sobol_samples", "saltelli_matrix", "sobol_outputs", "sobol_plan",
           "sobol_replicates"]

#: Default number of Sobol' base samples (rows: n * (d + 2)).
DEFAULT_SOBOL_SAMPLES = 2**14
#: Smallest allowed n: 4 independent randomisations of 8 base points each.
MIN_SOBOL_SAMPLES = 32
#: Most independent randomisations of a Sobol' design (fewer when n < 128, so each keeps >= 8 base points).
SOBOL_REPLICATES = 16
#: Fewest base points per randomisation.
MIN_BLOCK_POINTS = 8
#: Fractions of n at which the indices are recomputed for the convergence curves ...
CONVERGENCE_FRACTIONS = (8, 4, 2, 1)
#: ... when the prefix holds at least this many randomisations (a jackknife with >= 3 degrees of freedom).
MIN_LEVEL_REPLICATES = 4
#: Default convergence tolerances: absolute, and relative to the index's size (see :mod:`wotsim.analysis.sobol`).
DEFAULT_TOLERANCE = 0.02
DEFAULT_REL_TOLERANCE = 0.10

Progress = Callable[[int, int], None]


def sobol_replicates(n: int) -> int:
    """Independent randomisations of a Sobol' design of ``n`` base points: ``min(16, n // 8)``.

    Each randomisation keeps at least :data:`MIN_BLOCK_POINTS` = 8 base points
    (a power of two when ``n`` is), and 16 replicate estimates give the
    jackknife standard error about 15 degrees of freedom (L'Ecuyer & Lemieux
    2002 advise 10 to 30 randomisations).
    """
    return max(1, min(SOBOL_REPLICATES, int(n) // MIN_BLOCK_POINTS))


def check_sobol_samples(value: Any, *, what: str = "samples (Sobol' base samples n)") -> int:
    """Sobol' base samples: a power of 2 >= :data:`MIN_SOBOL_SAMPLES`, else an error naming ``what``."""
    n = check_whole(value, what, 1)
    if n < MIN_SOBOL_SAMPLES or n & (n - 1):
        below = max(1 << (n.bit_length() - 1), MIN_SOBOL_SAMPLES)
        above = max(1 << n.bit_length(), MIN_SOBOL_SAMPLES * 2)
        raise WotsimError(f"{what} must be a power of 2 >= {MIN_SOBOL_SAMPLES} "
                          f"(Sobol' points lose their balance otherwise, and the confidence intervals need "
                          f"{MIN_SOBOL_SAMPLES // MIN_BLOCK_POINTS} independent randomisations of at least "
                          f"{MIN_BLOCK_POINTS} points), got {n}; try {below} or {above}")
    return n


@dataclass(frozen=True)
class SobolPlan:
    """Everything the Saltelli sampler and the Sobol' analyser must agree on.

    Attributes
    ----------
    parameters : tuple of str, length d
        The uncertain parameters (design columns).
    groups : tuple of str or None
        Group label per parameter (length d); None for one factor per parameter.
    grouping : str or None
        The rule that made ``groups`` (see :data:`GROUPINGS`).
    n : int
        Base samples, a power of 2 (>= 32).
    second_order : bool
    seed : int
        The run's root seed.
    resamples : int
        Kept for backwards compatibility; not used for any interval (the CIs
        come from the jackknife over the randomisations, see :attr:`ci_method`).
    conf_level : float
        Confidence level of the intervals.
    tolerance, rel_tolerance : float
        Absolute and relative convergence tolerances: ``tol(S) = max(tolerance,
        rel_tolerance * |S|)`` (see :class:`~wotsim.analysis.sobol_estimates.SobolConvergence`).
    copula : bool
        True when the config's rank correlations are imposed (within groups).
    replicates : int
        R, the independent randomisations the ``n`` base points are made of
        (contiguous blocks of ``n / R``); 0 (the default) means
        :func:`sobol_replicates` ``(n)``.  Must be even and divide ``n``.
    """

    parameters: tuple[str, ...]
    groups: tuple[str, ...] | None
    grouping: str | None
    n: int
    second_order: bool
    seed: int
    resamples: int = 100
    conf_level: float = 0.95
    tolerance: float = DEFAULT_TOLERANCE
    copula: bool = False
    rel_tolerance: float = DEFAULT_REL_TOLERANCE
    replicates: int = 0

    def __post_init__(self) -> None:
        r = sobol_replicates(self.n) if self.replicates == 0 else self.replicates
        if (isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 2 or r % 2
                or self.n % r):
            raise WotsimError(f"replicates (independent randomisations of the Sobol' design) must be an even "
                              f"number >= 2 that divides n = {self.n}, got {r!r}")
        object.__setattr__(self, "replicates", int(r))

    @property
    def factors(self) -> tuple[str, ...]:
        """The factors indices are reported for: parameters, or groups in order of first appearance."""
        return _salib.factor_names(self.parameters, self.groups)

    @property
    def column_factor(self) -> np.ndarray:
        """Factor index of each design column, shape (d,)."""
        if self.groups is None:
            return np.arange(len(self.parameters))
        index = {f: k for k, f in enumerate(self.factors)}
        return np.array([index[g] for g in self.groups], dtype=int)

    @property
    def block(self) -> int:
        """Rows per base point: g + 2, or 2 g + 2 with second order."""
        return _salib.sobol_rows(1, len(self.factors), self.second_order)

    @property
    def rows(self) -> int:
        """Model runs: n * block."""
        return self.n * self.block

    @property
    def block_points(self) -> int:
        """Base points per randomisation: n / R."""
        return self.n // self.replicates

    @property
    def block_seeds(self) -> tuple[int, ...]:
        """Nonzero int seed of each randomisation's scrambled Sobol' sequence (one spawn key per block)."""
        parent = stream(self.seed, "sensitivity").spawn(2)[0]
        return tuple(derived_int_seed(np.random.SeedSequence(parent.entropy, spawn_key=tuple(parent.spawn_key) + (k,)))
                     for k in range(self.replicates))

    @property
    def bootstrap_seed(self) -> int:
        """Nonzero int seed SALib's ``analyze.sobol`` needs for its own bootstrap (not used for any interval)."""
        return derived_int_seed(stream(self.seed, "sensitivity").spawn(2)[1])

    @property
    def ci_method(self) -> str:
        """How the confidence intervals are computed, in words."""
        r = self.replicates
        return f"jackknife over {r} independent randomisations (t with {r - 1} df)"

    @property
    def levels(self) -> tuple[int, ...]:
        """Nested base-sample sizes of the convergence curves.

        Those of n/8, n/4, n/2 that hold at least :data:`MIN_LEVEL_REPLICATES`
        whole randomisations, and n.
        """
        r = self.replicates
        return tuple(self.n // k for k in CONVERGENCE_FRACTIONS
                     if k == 1 or (r % k == 0 and r // k >= MIN_LEVEL_REPLICATES))

    def check_rows(self, y: np.ndarray, n: int | None = None) -> None:
        """Raise if ``y`` does not have one value per row of this plan's design (of ``n`` base points)."""
        n = self.n if n is None else n
        size = int(np.asarray(y).size)
        if size != n * self.block:
            raise WotsimError(
                f"the output has {size:,} values, but this plan's design has {n * self.block:,} rows "
                f"(n = {n} base samples x {self.block} rows for {len(self.factors)} factors, "
                f"second_order = {self.second_order}); sample and analyse with the same plan")


def sobol_plan(config: Config, *, samples: int | None = None, seed: int | None = None, groups: str | None = None,
               second_order: bool = False, resamples: int = 100, conf_level: float = 0.95,
               tolerance: float = DEFAULT_TOLERANCE, rel_tolerance: float = DEFAULT_REL_TOLERANCE) -> SobolPlan:
    """Decide the Sobol' design and analysis for a config.

    Parameters
    ----------
    config : Config
    samples : int, optional
        Base samples n, a power of 2 >= 32 (default 2**14; the design has
        n * (g + 2) rows, or n * (2 g + 2) with second order), made of
        :func:`sobol_replicates` ``(n)`` independent randomisations.
    seed : int, optional
        Root seed (default: the config's ``[simulation].seed``).
    groups : {"group", "item", "stakeholder", "correlated"}, optional
        Grouped indices; None for one index per parameter.
    second_order : bool
    resamples : int
        Accepted (>= 2) for backwards compatibility; not used for the intervals.
    conf_level : float
    tolerance, rel_tolerance : float
        Absolute (default 0.02) and relative (default 0.10) convergence
        tolerances (see :mod:`wotsim.analysis.sobol`).

    Raises
    ------
    WotsimError
        For n not a power of 2, too few factors, or other bad settings.
    """
    limits.check_sobol(config, samples=samples, factors=None if groups is None else 2, second_order=second_order,
                       resamples=resamples)
    n = check_sobol_samples(DEFAULT_SOBOL_SAMPLES if samples is None else samples)
    seed = config.simulation.seed if seed is None else seed
    seed = check_whole(seed, "seed", 0)
    resamples = check_whole(resamples, "resamples", 2)
    conf_level = check_fraction(conf_level, "conf_level")
    tolerance = check_fraction(tolerance, "tolerance")
    rel_tolerance = check_fraction(rel_tolerance, "rel_tolerance")
    if not isinstance(second_order, bool):
        raise WotsimError(f"second_order must be true or false, got {second_order!r}")
    names = config.uncertain
    labels = design_groups(config, groups)[0]
    copula = bool(config.correlations) and labels is not None and all(
        labels[names.index(c.a)] == labels[names.index(c.b)] for c in config.correlations)
    return SobolPlan(parameters=names, groups=labels, grouping=groups, n=n, second_order=second_order, seed=seed,
                     resamples=resamples, conf_level=conf_level, tolerance=tolerance, copula=copula,
                     rel_tolerance=rel_tolerance)


# --------------------------------------------------------------------------- the design
def _saltelli_column(a: np.ndarray, b: np.ndarray, factor: int, g: int, second_order: bool) -> np.ndarray:
    """One design column in SALib's row order, from its A and B columns (n,) -> (n * block,)."""
    block = g + 2 if not second_order else 2 * g + 2
    col = np.empty((a.shape[0], block), dtype=np.result_type(a, b))
    col[:] = a[:, None]
    col[:, 1 + factor] = b
    if second_order:
        col[:, g + 1:2 * g + 1] = b[:, None]
        col[:, g + 1 + factor] = a
    col[:, -1] = b
    return col.reshape(-1)


def saltelli_matrix(a: np.ndarray, b: np.ndarray, column_factor: Sequence[int], second_order: bool) -> np.ndarray:
    """SALib's Saltelli matrix from base matrices A and B, built with numpy.

    Parameters
    ----------
    a, b : ndarray, shape (n, d)
    column_factor : sequence of int, length d
        Factor index (0..g-1) of each column.
    second_order : bool

    Returns
    -------
    ndarray, shape (n * (g + 2), d) or (n * (2 g + 2), d)
        Per base point i the rows A_i, AB_1..AB_g, [BA_1..BA_g,] B_i; AB_k is
        A_i with factor k's columns from B_i, BA_k is B_i with them from A_i.
        Equal to SALib's ``sample.sobol`` for the same base sequence.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    column_factor = np.asarray(column_factor, dtype=int)
    g = int(column_factor.max()) + 1 if column_factor.size else 0
    cols = [_saltelli_column(a[:, j], b[:, j], int(column_factor[j]), g, second_order) for j in range(a.shape[1])]
    block = g + 2 if not second_order else 2 * g + 2
    return np.column_stack(cols) if cols else np.empty((a.shape[0] * block, 0))


def base_matrices(plan: SobolPlan) -> tuple[np.ndarray, np.ndarray]:
    """Unit-hypercube base matrices A and B, each (n, d).

    R contiguous blocks of n / R rows; block k is the first n / R points of
    its own scrambled Sobol' sequence in 2 d dimensions (seed
    ``plan.block_seeds[k]``, as SALib's ``sample.sobol`` draws them).
    """
    d = len(plan.parameters)
    m = plan.block_points
    base = np.vstack([qmc.Sobol(d=2 * d, scramble=True, seed=s).random(m) for s in plan.block_seeds])
    return base[:, :d], base[:, d:]


def _to_values(config: Config, plan: SobolPlan, u: np.ndarray) -> np.ndarray:
    """Unit rows (m, d) -> parameter values (m, d): clip, copula within groups if planned, inverse CDFs."""
    u = np.clip(u, EPS, 1.0 - EPS)
    if plan.copula:
        u = apply_copula(u, *correlation_matrix(list(plan.parameters), config.correlations))
    values = parameter_values(config, u)
    return np.column_stack([np.asarray(values[p], dtype=float) for p in plan.parameters])


def sobol_outputs(config: Config, plan: SobolPlan, outputs: Sequence[str], *, chunk_size: int | None = None,
                  progress: Progress | None = None, timings: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Evaluate the outputs on the plan's Saltelli design.

    A and B are mapped to parameter values once; the rows are assembled in
    value space and evaluated in chunks of whole base-point blocks.

    Parameters
    ----------
    config : Config
    plan : SobolPlan
    outputs : sequence of str
        Names from :func:`wotsim.model.output_names`.
    chunk_size : int, optional
        Model runs per chunk, rounded down to whole blocks (default: the
        config's); the outputs do not depend on it.
    progress : callable(done, total), optional
        Called with model runs done after each chunk.
    timings : dict, optional
        Receives seconds spent in ``"sampling"`` and ``"evaluation"``.

    Returns
    -------
    dict
        Output name -> ndarray of shape (plan.rows,), in SALib's row order
        (the randomisations one after another).
    """
    outputs = check_outputs(config, outputs)
    chunk = config.simulation.chunk_size if chunk_size is None else check_whole(chunk_size, "chunk size", 1)
    started = time.perf_counter()
    ua, ub = base_matrices(plan)
    xa, xb = _to_values(config, plan, ua), _to_values(config, plan, ub)
    sampled = time.perf_counter()

    g = len(plan.factors)
    factor = plan.column_factor
    fixed = {name: p.dist.base for name, p in config.parameters.items() if p.dist.fixed}
    block = plan.block
    per_chunk = max(1, chunk // block)
    y = {name: np.empty(plan.rows) for name in outputs}
    for lo in range(0, plan.n, per_chunk):
        hi = min(plan.n, lo + per_chunk)
        rows = (hi - lo) * block
        values: dict[str, np.ndarray | float] = dict(fixed)
        for j, p in enumerate(plan.parameters):
            values[p] = _saltelli_column(xa[lo:hi, j], xb[lo:hi, j], int(factor[j]), g, plan.second_order)
        item_pv = evaluate(config, values, rows, yearly=False).item_pv
        for name in outputs:
            y[name][lo * block:hi * block] = output_array(config, item_pv, name)
        if progress is not None:
            progress(hi * block, plan.rows)
    if timings is not None:
        timings["sampling"] = timings.get("sampling", 0.0) + (sampled - started)
        timings["evaluation"] = timings.get("evaluation", 0.0) + (time.perf_counter() - sampled)
    return y
