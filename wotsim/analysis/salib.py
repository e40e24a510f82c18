"""The one narrow door to SALib (verified on SALib 1.6.0).

Every call into SALib goes through this module, and each of SALib's known traps
(DESIGN.md, "SALib: known traps") is closed here by construction:

* seeds: every function takes a keyword-only ``seed`` that must be a nonzero
  ``int`` (``analyze.sobol(seed=0)`` and ``seed=None`` fall back to the global
  numpy state); callers derive it with :func:`wotsim.sampling.derived_int_seed`;
* ``calc_second_order`` and the row count: :func:`sobol_analyze` takes the
  number of base samples ``n`` and checks ``len(y) == n * (d + 2)`` (or
  ``n * (2 d + 2)``) before SALib can guess ``n`` from a row count that divides
  both ways;
* the deprecated ``sample.saltelli`` is never used, only ``sample.sobol``;
* ``analyze.pawn`` reseeds the global numpy state: it runs inside
  :func:`_global_state_guard`, which restores the state afterwards;
* SALib's ``scale_samples`` writes into the problem dict: every call builds a
  fresh problem (:func:`problem`), so no caller's data is mutated;
* a single group makes SALib's sampler ignore the groups while its analyser
  honours them (a silent row-count mismatch): rejected in :func:`problem`;
* SALib warns (and returns zeros) on a constant output; the warning is caught
  here, and callers report constant outputs themselves;
* ``analyze.sobol``'s ``*_conf`` bootstrap treats the base points of a
  scrambled Sobol' design as independent draws and overstates the error
  (2-16x in wotsim's tests): wotsim takes only the point estimates from it and
  computes intervals from independent randomisations of the design
  (:mod:`wotsim.analysis.sobol`).

Designs are on the unit hypercube (bounds [0, 1] for every input); the caller
maps them through its distributions.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Iterator, Sequence

import numpy as np
from SALib.analyze import morris as _morris_analyze
from SALib.analyze import pawn as _pawn_analyze
from SALib.analyze import sobol as _sobol_analyze
from SALib.sample import morris as _morris_sample
from SALib.sample import sobol as _sobol_sample

__all__ = [
    "factor_names",
    "morris_analyze",
    "morris_sample",
    "pawn_analyze",
    "problem",
    "sobol_analyze",
    "sobol_rows",
    "sobol_sample",
]


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) == 0:
        raise ValueError(f"a SALib seed must be a nonzero int (0 and None use the global numpy state), got {seed!r}")
    return int(seed)


def problem(names: Sequence[str], groups: Sequence[str] | None = None) -> dict:
    """A fresh SALib problem dict on the unit hypercube.

    Parameters
    ----------
    names : sequence of str, length d
        Input names (design columns).
    groups : sequence of str, length d, optional
        Group label of each input; None for ungrouped indices.  Groups whose
        labels equal ``names`` are treated as ungrouped, as SALib does.

    Raises
    ------
    ValueError
        If ``groups`` has the wrong length or a single group (SALib's sampler
        would then ignore the groups while its analyser honours them).
    """
    names = [str(n) for n in names]
    out: dict = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0] for _ in names]}
    if groups is not None:
        groups = [str(g) for g in groups]
        if len(groups) != len(names):
            raise ValueError(f"groups has {len(groups)} labels for {len(names)} inputs")
        if groups != names:
            if len(set(groups)) < 2:
                raise ValueError(f"grouped indices need at least two groups, got only {groups[0]!r}")
            out["groups"] = groups
    return out


def factor_names(names: Sequence[str], groups: Sequence[str] | None = None) -> tuple[str, ...]:
    """The factors SALib reports on: the inputs, or the groups in order of first appearance."""
    if groups is None:
        return tuple(str(n) for n in names)
    return tuple(dict.fromkeys(str(g) for g in groups))


def sobol_rows(n: int, d: int, second_order: bool) -> int:
    """Rows of a Saltelli design: ``n * (d + 2)``, or ``n * (2 d + 2)`` with second order."""
    return n * (2 * d + 2 if second_order else d + 2)


def sobol_sample(names: Sequence[str], n: int, *, second_order: bool, seed: int,
                 groups: Sequence[str] | None = None) -> np.ndarray:
    """SALib's Saltelli design (``sample.sobol``, scrambled) on the unit hypercube.

    Returns
    -------
    ndarray, shape (n * (g + 2), d) or (n * (2 g + 2), d)
        ``g`` the number of factors (inputs or groups).  Rows come in blocks of
        ``g + 2`` (``2 g + 2``) per base point: A, AB_1..AB_g, [BA_1..BA_g,] B.
    """
    seed = _check_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib warns for n not a power of 2; callers check
        return _sobol_sample.sample(problem(names, groups), int(n), calc_second_order=bool(second_order),
                                    scramble=True, seed=seed)


def sobol_analyze(names: Sequence[str], y: np.ndarray, *, n: int, second_order: bool, resamples: int,
                  seed: int, groups: Sequence[str] | None = None, conf_level: float = 0.95) -> dict[str, np.ndarray]:
    """SALib's Sobol' indices (``analyze.sobol``) of one output of a Saltelli design.

    Parameters
    ----------
    names, groups : as for :func:`problem`
    y : ndarray, shape (rows,)
        Output on the rows of :func:`sobol_sample` (or an identical design, or
        whole base-point blocks of one).
    n : int
        Base samples of that design; ``rows`` must equal :func:`sobol_rows`.
        (The analysis does not need a power of 2: a jackknife subset of 15 of
        16 blocks has ``15 n / 16``.)
    second_order : bool
        Must be the flag the design was built with.
    resamples : int
        SALib's bootstrap resamples for its ``*_conf``.
    seed : int
        Nonzero seed of the bootstrap indices.

    Returns
    -------
    dict
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (g,) and, with second order,
        ``S2``, ``S2_conf`` (g, g) (upper triangle; NaN elsewhere).  ``*_conf``
        are SALib's iid-bootstrap normal-approximation half-widths at
        ``conf_level``: too wide for scrambled Sobol' designs, not used by wotsim.

    Raises
    ------
    ValueError
        If the row count does not match ``n`` and ``second_order``.
    """
    seed = _check_seed(seed)
    prob = problem(names, groups)
    g = len(factor_names(names, prob.get("groups")))
    y = np.asarray(y, dtype=float).ravel()
    expected = sobol_rows(n, g, second_order)
    if y.size != expected:
        raise ValueError(f"the output has {y.size} rows, but a Saltelli design with n = {n}, {g} factors and "
                         f"second_order = {second_order} has {expected}; sample and analyse with the same plan")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Constant values encountered")
        si = _sobol_analyze.analyze(prob, y, calc_second_order=bool(second_order), num_resamples=int(resamples),
                                    conf_level=conf_level, print_to_console=False, parallel=False, seed=seed)
    keys = ("S1", "S1_conf", "ST", "ST_conf") + (("S2", "S2_conf") if second_order else ())
    return {k: np.array(si[k], dtype=float) for k in keys}


def morris_sample(names: Sequence[str], trajectories: int, *, levels: int, seed: int,
                  groups: Sequence[str] | None = None) -> np.ndarray:
    """SALib's Morris design (``sample.morris``) on the unit grid {0, 1/(p-1), ..., 1}.

    Returns
    -------
    ndarray, shape (trajectories * (g + 1), d)
    """
    seed = _check_seed(seed)
    return _morris_sample.sample(problem(names, groups), int(trajectories), num_levels=int(levels),
                                 optimal_trajectories=None, local_optimization=True, seed=seed)


def morris_analyze(names: Sequence[str], x: np.ndarray, y: np.ndarray, *, levels: int, resamples: int,
                   seed: int, groups: Sequence[str] | None = None, conf_level: float = 0.95) -> dict[str, np.ndarray]:
    """SALib's Morris elementary effects (``analyze.morris``).

    Returns
    -------
    dict
        ``mu``, ``mu_star``, ``mu_star_conf`` (bootstrap half-width), ``sigma``, each (g,).
    """
    seed = _check_seed(seed)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    g = len(factor_names(names, problem(names, groups).get("groups")))
    if y.size != x.shape[0] or y.size % (g + 1):
        raise ValueError(f"a Morris design with {g} factors has a multiple of {g + 1} rows and one output per row; "
                         f"got {x.shape[0]} rows and {y.size} outputs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs: 0/0 in sigma
        si = _morris_analyze.analyze(problem(names, groups), x, y, num_resamples=int(resamples),
                                     conf_level=conf_level, print_to_console=False, num_levels=int(levels), seed=seed)
    return {k: np.array(si[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}


@contextlib.contextmanager
def _global_state_guard() -> Iterator[None]:
    """Restore numpy's global random state and the warnings filters on exit."""
    state = np.random.get_state()
    try:
        with warnings.catch_warnings():
            yield
    finally:
        np.random.set_state(state)


def pawn_analyze(names: Sequence[str], x: np.ndarray, y: np.ndarray, *, slices: int, seed: int,
                 groups: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """SALib's PAWN indices (``analyze.pawn``) of a given input-output sample.

    PAWN reseeds numpy's global random state; the state is saved and restored,
    so nothing outside sees it.

    Returns
    -------
    dict
        ``minimum``, ``mean``, ``median``, ``maximum``, ``CV``, ``stdev`` of the
        Kolmogorov-Smirnov statistics over the slices, each (g,).
    """
    seed = _check_seed(seed)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if x.shape[0] != y.size:
        raise ValueError(f"PAWN needs one output per input row; got {x.shape[0]} rows and {y.size} outputs")
    with _global_state_guard():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = _pawn_analyze.analyze(problem(names, groups), x, y, S=int(slices), print_to_console=False, seed=seed)
    return {k: np.array(si[k], dtype=float) for k in ("minimum", "mean", "median", "maximum", "CV", "stdev")}
