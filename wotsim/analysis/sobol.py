"""Sobol' indices of a config's outputs (grouped, with confidence intervals and convergence verdicts).

SALib does the statistics behind one narrow door (:mod:`wotsim.analysis.salib`); the
Sobol' analysis decides the design (:mod:`wotsim.analysis.sobol_design`), maps it
through the same distributions as the Monte Carlo
(:func:`wotsim.model.parameter_values`), evaluates the model
(:func:`wotsim.model.evaluate`) in chunks, estimates the indices
(:mod:`wotsim.analysis.sobol_estimates`) and packs them into a frozen
:class:`SobolResult` (this module).  Morris and PAWN: :mod:`wotsim.analysis.screening`.

Sobol' indices
--------------
One :class:`SobolPlan` decides everything the sampler and the analyser must
agree on: the number of base samples ``n`` (a power of 2, >= 32), the factors
(parameters or groups of them), ``second_order`` and hence the row count
``n * (g + 2)`` or ``n * (2 g + 2)``, the number ``R`` of independent
randomisations and their seeds (from ``wotsim.sampling.stream(seed,
"sensitivity")``, one spawn key per randomisation, never 0 or None).  The same
plan drives sampling and analysis, and the analysis checks the row count.

The design is a randomised Saltelli design made of ``R = min(16, n // 8)``
independent randomisations (randomised QMC: Owen 1997; L'Ecuyer & Lemieux
2002): the ``n`` base points are ``R`` contiguous blocks of ``n / R`` (>= 8)
points, and block ``k``'s base matrices A and B are the ``n / R`` points of its
own, independently scrambled Sobol' sequence in ``2 d`` dimensions (SALib's
``sample.sobol`` with the block's seed).  Per base point the rows are A,
AB_1..AB_g, [BA_1..BA_g,] B, where AB_k is A with the columns of factor k taken
from B.  SALib fills that matrix in a pure-Python loop (seconds for the
Schiedam case); :func:`saltelli_matrix` builds the identical matrix with numpy
(tested equal to SALib's).  Because AB_k differs from A only in factor k's
columns, A and B are mapped to parameter values once (the inverse CDFs are the
costly part) and the rows are assembled in value space; this equals mapping
the full matrix (tested).

Point estimates are SALib's estimators (Saltelli et al. 2010 for first and
total order, Saltelli 2002 for second order) on the pooled design (all ``n``
base points).  ``engine="salib"`` calls SALib's ``analyze.sobol``;
``engine="fast"`` evaluates the same estimators with numpy, bit for bit equal
(tested).

Confidence intervals come from the ``R`` independent randomisations, not from
SALib's iid bootstrap of the base points (which treats scrambled Sobol' points
as independent and overstates the error several-fold): the delete-one-block
jackknife ``theta_(-k)`` = the same estimator on every block but ``k`` (``y``
standardised on that subset, as SALib does), ``SE_J = sqrt((R - 1) / R * sum_k
(theta_(-k) - mean_k theta_(-k))^2)``, half-width ``t_{R-1, (1 + conf) / 2} *
SE_J`` (:attr:`SobolPlan.ci_method` says so in words).  Over 40 seeds, nominal
95% intervals covered the true first and total order indices of the Sobol'
G-function and of a linear model in 93-97% of cases at n = 512 and 4096 (the
iid bootstrap: 98-100%); ``tests/test_sobol_coverage.py`` requires 90-99%.
The ``resamples`` setting is kept for backwards compatibility only: SALib's
bootstrap is not used for any interval.

Convergence: every prefix of whole blocks is itself a randomised Saltelli
design, so the indices are recomputed, each with its own jackknife CI, on the
nested prefixes ``n/8, n/4, n/2, n`` that hold at least 4 randomisations (for
the figure and the table).  The verdict compares *independent* estimates: the
first ``n/2`` base points (blocks ``0 .. R/2 - 1``) and the last ``n/2``
(blocks ``R/2 .. R - 1``) share no randomisation.  With ``tol(S) =
max(tolerance, rel_tolerance * |S|)`` (defaults 0.02 and 0.10), an index is
**stable** when (a) its CI half-width at ``n`` is at most ``tol(S)`` and (b)
the two halves agree, ``|S_half1 - S_half2| <= 2 tol(S)``; a factor is stable
when its first and total order indices both are.  The reasons for "not
stable" are ``"CI"`` (a) and ``"halves disagree"`` (b).

Groups (``groups=``): the rules of :mod:`wotsim.analysis.groups` (``group``, ``item``,
``stakeholder``, ``correlated``).

Correlated inputs: Sobol' indices assume independent inputs.  When every block
of correlated parameters lies within one group, the copula is applied within
the groups (which stay independent) and the grouped indices are valid;
otherwise the design ignores the correlations, and the result's ``notes`` say so.
PAWN (moment-independent, on the Monte Carlo sample, which honours the
correlations) is the alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..config.schema import Config
from ..errors import WotsimError
from ..results.frames import config_of, factor_table, output_label, table as frame_table
from ..results.io import manifest
from ..results.records import save_record
from .checks import check_fraction, check_outputs, check_whole
from .groups import correlation_note, factor_labels, members_of
from .sobol_design import (DEFAULT_REL_TOLERANCE, DEFAULT_TOLERANCE, Progress, SobolPlan, base_matrices,
                           check_sobol_samples, saltelli_matrix, sobol_outputs, sobol_plan)
from .sobol_estimates import ENGINES, SobolIndices, analyse_sobol

__all__ = ["SOBOL_FORMAT_VERSION", "SobolResult", "sobol_indices", "sobol_of_function"]

#: Layout of Sobol' results directories: 2 = jackknife CIs over independent randomisations (1 had bootstrap CIs).
SOBOL_FORMAT_VERSION = 2


def sobol_of_function(f: Callable[[np.ndarray], np.ndarray], d: int, n: int, *, seed: int,
                      second_order: bool = False, conf_level: float = 0.95, tolerance: float = DEFAULT_TOLERANCE,
                      rel_tolerance: float = DEFAULT_REL_TOLERANCE, engine: str = "fast",
                      names: Sequence[str] | None = None) -> SobolIndices:
    """Sobol' indices of a vectorised function of ``d`` independent U(0, 1) inputs.

    The same design (randomised Saltelli, :func:`sobol_replicates` ``(n)``
    independent randomisations), estimators, jackknife intervals and verdicts
    as :func:`sobol_indices`, without a config: for test functions with known
    indices, and for models outside wotsim.

    Parameters
    ----------
    f : callable
        Takes an array of shape (m, d) of points in [0, 1)^d and returns the
        outputs, shape (m,).  Map the uniforms through inverse CDFs inside ``f``
        for other input distributions.
    d : int
        Number of inputs (>= 1).
    n : int
        Base samples, a power of 2 >= 32 (``n * (d + 2)`` calls, or
        ``n * (2 d + 2)`` with second order, in one call of ``f``).
    seed : int
        Root seed; the randomisations' seeds derive from its ``"sensitivity"`` stream.
    second_order, conf_level, tolerance, rel_tolerance, engine
        As for :func:`~wotsim.analysis.sobol_design.sobol_plan` and
        :func:`~wotsim.analysis.sobol_estimates.analyse_sobol`.
    names : sequence of str, optional
        Input names (default ``x0 .. x{d-1}``).

    Returns
    -------
    SobolIndices
    """
    d = check_whole(d, "d (number of inputs)", 1)
    names = tuple(f"x{i}" for i in range(d)) if names is None else tuple(str(v) for v in names)
    if len(names) != d or len(set(names)) != d:
        raise WotsimError(f"names must be {d} distinct names, got {names!r}")
    if not isinstance(second_order, bool):
        raise WotsimError(f"second_order must be true or false, got {second_order!r}")
    plan = SobolPlan(parameters=names, groups=None, grouping=None, n=check_sobol_samples(n), second_order=second_order,
                     seed=check_whole(seed, "seed", 0), conf_level=check_fraction(conf_level, "conf_level"),
                     tolerance=check_fraction(tolerance, "tolerance"),
                     rel_tolerance=check_fraction(rel_tolerance, "rel_tolerance"))
    ua, ub = base_matrices(plan)
    x = saltelli_matrix(ua, ub, plan.column_factor, second_order)
    y = np.asarray(f(x), dtype=float)
    if y.shape != (plan.rows,):
        raise WotsimError(f"f must return one value per row, shape ({plan.rows},); got shape {y.shape}")
    return analyse_sobol(plan, y, engine=engine)



@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices of several outputs from one design.

    Attributes
    ----------
    plan : SobolPlan
    members : mapping factor -> tuple of parameter names
    labels : mapping factor -> display label
    indices : mapping output -> SobolIndices
    notes : tuple of str
        Caveats to show with the indices (correlations, constant outputs ...).
    timings : mapping of str -> float
        Seconds in ``sampling``, ``evaluation`` and ``analysis:<output>``.
    engine : str
    ci_method : str
        How the confidence intervals were computed, in words (default: the
        plan's :attr:`SobolPlan.ci_method`); saved with the result.
    manifest : mapping
    """

    plan: SobolPlan
    members: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, str]
    indices: Mapping[str, SobolIndices]
    notes: tuple[str, ...]
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    engine: str = "fast"
    ci_method: str = ""
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False)

    method = "sobol"

    def __post_init__(self) -> None:
        if not self.ci_method:
            object.__setattr__(self, "ci_method", self.plan.ci_method)

    @property
    def factors(self) -> tuple[str, ...]:
        return self.plan.factors

    def to_frame(self, table: str = "indices"):
        """One table of the indices as a :class:`pandas.DataFrame` (:mod:`wotsim.results.frames`).

        ``table="indices"`` (default): one row per (output, factor): ``output``, ``output_label``,
        ``factor``, ``label``, ``parameters`` (its parameters), ``rank`` (1 = the largest total order),
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (CI half-widths at the plan's ``conf_level``), ``stable``
        (the convergence verdict, true/false) and ``reasons`` (why not stable).  ``"second_order"`` (when
        planned): one row per pair of factors: ``output``, ``output_label``, ``factor_a``, ``label_a``,
        ``factor_b``, ``label_b``, ``S2``, ``S2_conf``.
        """
        conf = f"{self.plan.conf_level:.0%} CI half-width"
        if table == "indices":
            def rank(ind: SobolIndices) -> np.ndarray:
                out = np.empty(len(ind.factors), dtype=int)
                out[ind.order] = np.arange(1, len(ind.factors) + 1)
                return out

            fields = [("rank", "Rank by total order (1 = largest)", rank),
                      ("S1", "First-order index", lambda i: i.S1),
                      ("S1_conf", f"First order: {conf}", lambda i: i.S1_conf),
                      ("ST", "Total-order index", lambda i: i.ST),
                      ("ST_conf", f"Total order: {conf}", lambda i: i.ST_conf),
                      ("stable", "Converged (first and total order stable)", lambda i: i.convergence.stable.tolist()),
                      ("reasons", "Why not stable", lambda i: i.convergence.reasons)]
            return factor_table("indices", self, fields, description=f"Sobol' indices per output and factor "
                                f"({self.plan.n:,} base samples; {self.ci_method})")
        if table == "second_order" and self.plan.second_order:
            config, rows = config_of(self.manifest), []
            for output, ind in self.indices.items():
                pairs = zip(*np.triu_indices(len(ind.factors), 1))
                rows += [{"output": output, "output_label": output_label(config, output),
                          "factor_a": ind.factors[a], "label_a": self.labels.get(ind.factors[a], ind.factors[a]),
                          "factor_b": ind.factors[b], "label_b": self.labels.get(ind.factors[b], ind.factors[b]),
                          "S2": ind.S2[a, b], "S2_conf": ind.S2_conf[a, b]} for a, b in pairs]
            columns = [("output", "Output (id)", ""), ("output_label", "Output", ""),
                       ("factor_a", "First factor (id)", ""), ("label_a", "First factor", ""),
                       ("factor_b", "Second factor (id)", ""), ("label_b", "Second factor", ""),
                       ("S2", "Second-order index of the pair", ""), ("S2_conf", f"Second order: {conf}", "")]
            return frame_table("second_order", columns, rows, description="second-order Sobol' indices per pair")
        raise WotsimError(f"unknown table {table!r} of Sobol' indices; tables: {', '.join(self.tables)}")

    @property
    def tables(self) -> tuple[str, ...]:
        """The names :meth:`to_frame` takes."""
        return ("indices", "second_order") if self.plan.second_order else ("indices",)

    def frames(self) -> dict[str, Any]:
        """Every table of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {name: self.to_frame(name) for name in self.tables}

    def save(self, directory: str | Path, *, format: str = "npz") -> Path:
        """Write ``sensitivity.json``, ``arrays.npz`` and ``manifest.json`` atomically; returns the path.

        Beside the fields, the JSON gives each output's verdicts and their reasons, for its readers;
        ``format`` adds the tables of :meth:`frames` (:mod:`wotsim.results.tables`).
        """
        def annotate(table: dict) -> None:
            for name, ind in self.indices.items():
                table["indices"][name]["verdicts"] = list(ind.verdicts)
                table["indices"][name]["reasons"] = list(ind.convergence.reasons)

        return save_record(directory, self, {"format": SOBOL_FORMAT_VERSION, "method": self.method},
                           annotate=annotate, format=format)



def sobol_indices(config: Config, *, outputs: str | Sequence[str] | None = None, samples: int | None = None,
                  seed: int | None = None, groups: str | None = None, second_order: bool = False,
                  resamples: int = 100, conf_level: float = 0.95, tolerance: float = DEFAULT_TOLERANCE,
                  rel_tolerance: float = DEFAULT_REL_TOLERANCE, engine: str = "fast", chunk_size: int | None = None,
                  plan: SobolPlan | None = None, progress: Progress | None = None) -> SobolResult:
    """Sobol' indices (first, total, optional second order) of one or more outputs.

    Parameters
    ----------
    config : Config
    outputs : str or sequence of str, optional
        Any names of :func:`wotsim.model.output_names` (config outputs,
        ``npv``, ``benefits``, ``costs``, ``net:<stakeholder>``); default: the
        config's outputs and ``npv``.  The design is evaluated once for all.
    samples, seed, groups, second_order, resamples, conf_level, tolerance, rel_tolerance
        See :func:`~wotsim.analysis.sobol_design.sobol_plan`; ignored when ``plan`` is given.  ``resamples``
        is accepted for backwards compatibility and not used.
    engine : {"fast", "salib"}
        See :func:`analyse_sobol`.
    chunk_size : int, optional
        Model runs evaluated at once (default: the config's); results do not depend on it.
    plan : SobolPlan, optional
    progress : callable(done, total), optional

    Returns
    -------
    SobolResult
    """
    if engine not in ENGINES:
        raise WotsimError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    outputs = check_outputs(config, outputs)
    if plan is None:
        plan = sobol_plan(config, samples=samples, seed=seed, groups=groups, second_order=second_order,
                          resamples=resamples, conf_level=conf_level, tolerance=tolerance,
                          rel_tolerance=rel_tolerance)
    timings: dict[str, float] = {}
    ys = sobol_outputs(config, plan, outputs, chunk_size=chunk_size, progress=progress, timings=timings)
    indices = {name: analyse_sobol(plan, ys[name], output=name, engine=engine, timings=timings) for name in outputs}
    notes = [n for n in [correlation_note(config, plan.copula, "Sobol' analysis")] if n]
    for name, ind in indices.items():
        if ind.constant:
            notes.append(f"Output {name!r} does not vary in this design: every index is 0.")
    members = members_of(plan.parameters, plan.groups)
    return SobolResult(
        plan=plan, members=members, labels=factor_labels(config, plan.grouping, plan.factors), indices=indices,
        notes=tuple(notes), timings=timings, engine=engine, ci_method=plan.ci_method,
        manifest=manifest(config, method="sobol", seed=plan.seed, samples=plan.n, rows=plan.rows,
                          groups=plan.grouping, second_order=plan.second_order, replicates=plan.replicates,
                          ci_method=plan.ci_method, engine=engine, outputs=list(outputs)))

