"""Screening: Morris elementary effects and PAWN indices, two cheaper views of what drives an output.

Morris screening uses SALib's trajectories on a grid of ``levels`` values; grid
value ``k / (levels - 1)`` maps to the distribution's quantile
``(k + 0.5) / levels`` (the midpoints of ``levels`` equal-probability bins), so
unbounded distributions stay finite.  Elementary effects are in output units per
unit step of the design.

PAWN (moment-independent) runs on a Monte Carlo sample, which honours the
config's rank correlations: the Kolmogorov-Smirnov distance between the output's
distribution on a slice of one parameter and on the whole sample, summarised
over the slices.  Both may group parameters (:mod:`wotsim.analysis.groups`), and
both go through SALib's narrow door (:mod:`wotsim.analysis.salib`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .. import limits
from ..config.schema import Config
from ..errors import WotsimError
from ..model import evaluate, output_array, parameter_values
from ..results.frames import factor_table
from ..results.io import manifest
from ..results.records import save_record
from ..results.simulation import SimulationResult
from ..sampling import derived_int_seed, stream
from ..simulate import simulate
from . import salib as _salib
from .checks import check_finite, check_fraction, check_outputs, check_whole
from .groups import correlation_note, design_groups, factor_labels

__all__ = ["FORMAT_VERSION", "MorrisIndices", "MorrisResult", "PawnIndices", "PawnResult", "ScreeningResult",
           "morris_screening", "pawn_indices"]

#: Layout of Morris and PAWN results directories (``"format"`` in ``sensitivity.json``).
FORMAT_VERSION = 1


# --------------------------------------------------------------------------- Morris
@dataclass(frozen=True)
class MorrisIndices:
    """Morris elementary-effect statistics of one output, each (g,).

    ``mu_star`` (mean absolute elementary effect) ranks the factors;
    ``mu_star_conf`` is its bootstrap CI half-width; ``sigma`` (their standard
    deviation) flags non-linearity or interactions.  Units: output per unit step
    of the design.
    """

    output: str
    factors: tuple[str, ...]
    mu: np.ndarray
    mu_star: np.ndarray
    mu_star_conf: np.ndarray
    sigma: np.ndarray

    @property
    def order(self) -> np.ndarray:
        return np.argsort(-self.mu_star, kind="stable")


@dataclass(frozen=True)
class ScreeningResult:
    """What Morris and PAWN results share: the parameters, their grouping into factors, and how they are saved.

    Attributes
    ----------
    parameters : tuple of str
        The uncertain parameters.
    groups : tuple of str or None
        Each parameter's group (None: one factor per parameter); ``grouping`` the rule that made them.
    factors : tuple of str
    members : mapping factor -> tuple of parameter names
    labels : mapping factor -> display label
    """

    parameters: tuple[str, ...]
    groups: tuple[str, ...] | None
    grouping: str | None
    factors: tuple[str, ...]
    members: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, str]

    def to_frame(self, table: str = "indices"):
        """The indices as a :class:`pandas.DataFrame` (:mod:`wotsim.results.frames`), one row per (output,
        factor): ``output``, ``output_label``, ``factor``, ``label``, ``parameters`` (its parameters), then
        Morris: ``unit`` (the output's), ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (output units per
        unit step of the design); PAWN: ``minimum``, ``mean``, ``median`` (the PAWN index), ``maximum``,
        ``cv`` (over the slices) and ``null_level`` (indices below it cannot be told from 0)."""
        if table != "indices":
            raise WotsimError(f"unknown table {table!r} of {self.method} indices; tables: indices")
        return factor_table("indices", self, self.index_columns, unit=self.method == "morris",
                            description=f"{self.method.capitalize()} indices per output and factor")

    def frames(self) -> dict[str, Any]:
        """Every table of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {"indices": self.to_frame()}

    def save(self, directory: str | Path, *, format: str = "npz") -> Path:
        """Write ``sensitivity.json``, ``arrays.npz`` and ``manifest.json`` atomically (and with ``format``
        the tables of :meth:`frames`, :mod:`wotsim.results.tables`); returns the path."""
        return save_record(directory, self, {"format": FORMAT_VERSION, "method": self.method}, format=format)


@dataclass(frozen=True)
class MorrisResult(ScreeningResult):
    """Morris screening of several outputs from one design."""

    trajectories: int
    levels: int
    rows: int
    seed: int
    resamples: int
    indices: Mapping[str, MorrisIndices]
    notes: tuple[str, ...]
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False)

    method = "morris"
    #: The columns of :meth:`to_frame` beyond the factor: (id, label, values of a record).
    index_columns = (("mu", "Mean elementary effect", lambda r: r.mu),
              ("mu_star", "Mean absolute elementary effect (ranks the factors)", lambda r: r.mu_star),
              ("mu_star_conf", "Bootstrap CI half-width of mu_star", lambda r: r.mu_star_conf),
              ("sigma", "Standard deviation of the elementary effects", lambda r: r.sigma))


def morris_screening(config: Config, *, outputs: str | Sequence[str] | None = None, trajectories: int = 100,
                     levels: int = 4, seed: int | None = None, groups: str | None = None, resamples: int = 1000,
                     conf_level: float = 0.95, chunk_size: int | None = None) -> MorrisResult:
    """Morris elementary effects (SALib) for screening many parameters.

    Parameters
    ----------
    trajectories : int
        Morris trajectories r (>= 2); the design has r * (g + 1) rows.
    levels : int
        Grid levels p (even, >= 4 recommended).
    seed : int, optional
        Root seed; the design and bootstrap seeds derive from its ``"morris"`` stream.
    groups : str, optional
        As for :func:`wotsim.analysis.sobol.sobol_plan`.
    resamples : int
        Bootstrap resamples of ``mu_star_conf``.
    """
    limits.check_morris(config, trajectories=trajectories, factors=None if groups is None else 2, resamples=resamples,
                        chunk_size=chunk_size)
    outputs = check_outputs(config, outputs)
    trajectories = check_whole(trajectories, "trajectories", 2)
    levels = check_whole(levels, "levels", 2)
    resamples = check_whole(resamples, "resamples", 2)
    conf_level = check_fraction(conf_level, "conf_level")
    seed = check_whole(config.simulation.seed if seed is None else seed, "seed", 0)
    chunk = config.simulation.chunk_size if chunk_size is None else check_whole(chunk_size, "chunk size", 1)
    labels, factors, members = design_groups(config, groups)
    names = config.uncertain
    s_design, s_boot = stream(seed, "morris").spawn(2)
    x = _salib.morris_sample(names, trajectories, levels=levels, seed=derived_int_seed(s_design), groups=labels)
    u = (0.5 + x * (levels - 1)) / levels
    ys = {name: np.empty(x.shape[0]) for name in outputs}
    for lo in range(0, x.shape[0], chunk):
        hi = min(x.shape[0], lo + chunk)
        item_pv = evaluate(config, parameter_values(config, u[lo:hi], n=len(u)), hi - lo, yearly=False).item_pv
        for name in outputs:
            ys[name][lo:hi] = output_array(config, item_pv, name)
    indices = {}
    boot = derived_int_seed(s_boot)
    for name in outputs:
        check_finite(name, ys[name])
        si = _salib.morris_analyze(names, x, ys[name], levels=levels, resamples=resamples, seed=boot, groups=labels,
                                   conf_level=conf_level)
        indices[name] = MorrisIndices(output=name, factors=factors, mu=si["mu"], mu_star=si["mu_star"],
                                      mu_star_conf=si["mu_star_conf"], sigma=si["sigma"])
    notes = [n for n in [correlation_note(config, False, "Morris screening")] if n]
    return MorrisResult(
        parameters=names, groups=labels, grouping=groups, factors=factors, members=members,
        labels=factor_labels(config, groups if labels is not None else None, factors), trajectories=trajectories,
        levels=levels, rows=int(x.shape[0]), seed=seed, resamples=resamples, indices=indices, notes=tuple(notes),
        manifest=manifest(config, method="morris", seed=seed, trajectories=trajectories, levels=levels,
                          rows=int(x.shape[0]), groups=groups, outputs=list(outputs)))



# --------------------------------------------------------------------------- PAWN
@dataclass(frozen=True)
class PawnIndices:
    """PAWN indices of one output: statistics over the slices of the KS distance, each (g,).

    ``median`` is the usual PAWN index.  ``null_level`` is the 95% critical value
    of the two-sample Kolmogorov-Smirnov statistic for one slice against the
    whole sample: indices below it cannot be told from zero.
    """

    output: str
    factors: tuple[str, ...]
    minimum: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    maximum: np.ndarray
    cv: np.ndarray
    null_level: float

    @property
    def order(self) -> np.ndarray:
        return np.argsort(-self.median, kind="stable")


@dataclass(frozen=True)
class PawnResult(ScreeningResult):
    """PAWN (moment-independent) indices from a Monte Carlo sample, which honours correlations."""

    samples: int
    slices: int
    seed: int
    sampler: str
    indices: Mapping[str, PawnIndices]
    notes: tuple[str, ...]
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False)

    method = "pawn"
    #: The columns of :meth:`to_frame` beyond the factor: (id, label, values of a record).
    index_columns = (("minimum", "Smallest KS distance over the slices", lambda r: r.minimum),
              ("mean", "Mean KS distance over the slices", lambda r: r.mean),
              ("median", "PAWN index: median KS distance over the slices", lambda r: r.median),
              ("maximum", "Largest KS distance over the slices", lambda r: r.maximum),
              ("cv", "Coefficient of variation over the slices", lambda r: r.cv),
              ("null_level", "95% critical value: indices below it cannot be told from 0",
               lambda r: [r.null_level] * len(r.factors)))


def pawn_indices(source, *, outputs: str | Sequence[str] | None = None, samples: int | None = None,
                 seed: int | None = None, sampler: str | None = None, slices: int = 10,
                 groups: str | None = None) -> PawnResult:
    """PAWN indices (SALib) on a Monte Carlo sample.

    Parameters
    ----------
    source : Config or SimulationResult
        A config (simulated here with ``samples``, ``seed``, ``sampler``, as
        ``wotsim run`` does) or a finished simulation.
    slices : int
        Conditioning intervals per parameter (>= 2).
    groups : str, optional
        As for :func:`wotsim.analysis.sobol.sobol_plan`; SALib averages the members' indices.
    """
    limits.check_pawn(source, samples=samples, sampler=sampler)
    if isinstance(source, SimulationResult):
        result = source
    elif isinstance(source, Config):
        result = simulate(source, samples=samples, seed=seed, sampler=sampler)
    else:
        raise WotsimError(f"pawn_indices needs a Config or a SimulationResult, got {type(source).__name__}")
    config = result.config
    outputs = check_outputs(config, outputs)
    slices = check_whole(slices, "slices", 2)
    labels, factors, members = design_groups(config, groups)
    n = result.n
    if n < 2 * slices:
        raise WotsimError(f"PAWN with {slices} slices needs at least {2 * slices} samples, got {n}")
    pawn_seed = derived_int_seed(stream(result.seed, "pawn"))
    m = n / slices
    null = float(math.sqrt(-math.log(0.025)) / math.sqrt(2.0) * math.sqrt((m + n) / (m * n)))
    indices = {}
    for name in outputs:
        y = output_array(config, result.item_pv, name)
        check_finite(name, y)
        si = _salib.pawn_analyze(config.uncertain, result.draws, y, slices=slices, seed=pawn_seed, groups=labels)
        indices[name] = PawnIndices(output=name, factors=factors, minimum=si["minimum"], mean=si["mean"],
                                    median=si["median"], maximum=si["maximum"], cv=si["CV"], null_level=null)
    notes = []
    if labels is not None:
        notes.append("Grouped PAWN (SALib): each group's figures are the mean of its members' own indices, "
                     "not an index of the group as a whole; compare groups with care.")
    if config.correlations:
        notes.append("PAWN ran on the Monte Carlo sample, which honours the config's rank correlations; "
                     "a correlated parameter's index includes what it shares with its partners.")
    return PawnResult(
        parameters=config.uncertain, groups=labels, grouping=groups, factors=factors, members=members,
        labels=factor_labels(config, groups if labels is not None else None, factors), samples=n, slices=slices,
        seed=result.seed, sampler=result.sampler, indices=indices, notes=tuple(notes),
        manifest=manifest(config, method="pawn", seed=result.seed, samples=n, sampler=result.sampler,
                          slices=slices, groups=groups, outputs=list(outputs)))

