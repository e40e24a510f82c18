"""Monte Carlo simulation in chunks.

Memory for intermediate arrays is bounded by the chunk size; the stored
results grow with n (draws, item present values, yearly net values).  The
design is drawn row by row in order and the model is elementwise per sample,
so results are bit-for-bit identical whatever the chunk size.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping

import numpy as np

from ._names import SAMPLERS
from .config.schema import Config
from .errors import WotsimError
from .limits import check_simulation
from .model import base_values, evaluate, output_values, parameter_values, stakeholder_net
from .results.io import manifest
from .results.simulation import BaseCase, SimulationResult
from .config.correlations import correlation_matrix
from .config.distributions import prepare_tables
from .sampling import DesignStream, apply_copula, default_replicates, stream

__all__ = ["base_case", "simulate"]

#: progress(done, total) is called after every chunk.
Progress = Callable[[int, int], None]


def base_case(config: Config) -> BaseCase:
    """Evaluate the deterministic base case (every parameter at its base value)."""
    arrays = evaluate(config, base_values(config), 1)
    outs = output_values(config, arrays.item_pv)
    net = stakeholder_net(config, arrays.item_pv)
    return BaseCase(
        outputs={k: float(v[0]) for k, v in outs.items()},
        item_pv={it.id: float(arrays.item_pv[0, i]) for i, it in enumerate(config.items)},
        stakeholder_net={s: float(net[0, k]) for k, s in enumerate(config.stakeholders)},
        yearly=arrays.yearly[0].astype(np.float64),
    )


def transform(config: Config, u: np.ndarray) -> np.ndarray:
    """Design rows (n, d) on the unit hypercube -> correlated uniforms (n, d), via the copula if any."""
    if not config.correlations:
        return u
    columns, chol = correlation_matrix(list(config.uncertain), config.correlations)
    return apply_copula(u, columns, chol)


def simulate(
    config: Config,
    *,
    samples: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    uniforms: np.ndarray | None = None,
    replicates: int | None = None,
    shared_draws: Mapping[str, np.ndarray] | None = None,
) -> SimulationResult:
    """Run the Monte Carlo simulation of a config.

    Parameters
    ----------
    config : Config
    samples, seed, sampler, chunk_size : optional
        Override the config's ``[simulation]`` defaults.
    progress : callable(done, total), optional
        Called after each chunk.
    uniforms : ndarray, shape (n, d), optional
        A design on the unit hypercube to use instead of drawing one, columns in
        ``config.uncertain`` order, before the copula (which is still applied).
        For common random numbers across scenarios (:mod:`wotsim.analysis.scenarios`);
        ``samples`` defaults to its row count and ``seed`` is then only recorded.
    replicates : int, optional
        Independent randomisations of a ``sobol`` or ``lhs`` design (row ``i``
        belongs to randomisation ``i % replicates``); standard errors come from
        their spread (:mod:`wotsim.results.mcse`).  Default: the config's
        ``[simulation] replicates``, else :func:`wotsim.sampling.default_replicates`
        (16).  Always 1 for ``mc``.  With ``uniforms``, the structure of the
        supplied design.
    shared_draws : mapping of parameter name -> ndarray, shape (n,), optional
        Draws another run of the same ``samples`` made of a parameter with the very same
        distribution from the very same uniforms (after the copula), e.g. a scenario's
        parameter shared with the base on common random numbers
        (:func:`wotsim.analysis.scenarios.compare`): used as they are instead of mapping the
        uniforms again, which gives the same numbers.

    Returns
    -------
    SimulationResult
    """
    check_simulation(config, samples=samples, sampler=sampler, chunk_size=chunk_size, uniforms=uniforms)
    sim = config.simulation
    n = sim.samples if samples is None else samples
    seed = sim.seed if seed is None else seed
    sampler = sim.sampler if sampler is None else sampler
    chunk = sim.chunk_size if chunk_size is None else chunk_size
    if uniforms is not None:
        uniforms = _check_uniforms(config, uniforms, samples)
        n = uniforms.shape[0]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise WotsimError(f"samples must be a whole number >= 2, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise WotsimError(f"seed must be a whole number >= 0, got {seed!r}")
    if sampler not in SAMPLERS:
        raise WotsimError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise WotsimError(f"chunk size must be a whole number >= 1, got {chunk!r}")
    n, seed, chunk = int(n), int(seed), int(chunk)
    if sampler == "mc":
        if replicates not in (None, 1):
            raise WotsimError(f"replicates applies to the sobol and lhs samplers only (mc draws are independent), "
                              f"got {replicates!r}")
        replicates = 1
    elif replicates is None:
        replicates = sim.replicates if sim.replicates is not None else default_replicates(sampler, n)
    if (isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer))
            or not 1 <= replicates <= max(n // 2, 1)):
        raise WotsimError(f"replicates must be a whole number from 1 to samples / 2 ({max(n // 2, 1)}) so that every "
                          f"randomisation has 2 or more draws, got {replicates!r}")
    replicates = int(replicates)

    names = config.uncertain
    d = len(names)
    design = None if uniforms is not None else DesignStream(sampler, d, n, seed=stream(seed, "montecarlo"),
                                                                   replicates=replicates)
    copula = correlation_matrix(list(names), config.correlations) if config.correlations else None

    shared = {name: np.asarray(x, dtype=float) for name, x in (shared_draws or {}).items() if name in names}
    if any(x.shape != (n,) for x in shared.values()):
        raise WotsimError(f"shared draws must have shape ({n},), one value per sample")
    prepare_tables([config.parameters[name].dist for name in names if name not in shared], n)
    T = config.max_horizon
    draws = np.empty((n, d))
    item_pv = np.empty((n, len(config.items)))
    yearly = np.empty((n, len(config.stakeholders), T), dtype=np.float32)
    started = time.perf_counter()
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        u = design.next(m) if design is not None else uniforms[lo:lo + m]
        if copula is not None:
            u = apply_copula(u, *copula)
        values = parameter_values(config, u, n=n, shared=shared, lo=lo)
        arrays = evaluate(config, values, m)
        for j, name in enumerate(names):
            draws[lo:lo + m, j] = values[name]
        item_pv[lo:lo + m] = arrays.item_pv
        yearly[lo:lo + m] = arrays.yearly
        if progress is not None:
            progress(lo + m, n)
    elapsed = time.perf_counter() - started

    return SimulationResult(
        config=config,
        parameters=names,
        draws=draws,
        seed=seed,
        sampler=sampler,
        item_pv=item_pv,
        yearly=yearly,
        base=base_case(config),
        chunk_size=chunk,
        replicates=replicates,
        manifest=manifest(config, seed=seed, sampler=sampler, samples=n, chunk_size=chunk, replicates=replicates,
                          seconds=round(elapsed, 3),
                          **({} if design is not None else {"design": "supplied uniforms"})),
    )


def _check_uniforms(config: Config, uniforms: np.ndarray, samples: int | None) -> np.ndarray:
    """Validate a supplied design: shape (n, d) with d = number of uncertain parameters, values in (0, 1)."""
    u = np.asarray(uniforms, dtype=float)
    d = len(config.uncertain)
    if u.ndim != 2 or u.shape[1] != d:
        raise WotsimError(f"uniforms must have shape (n, {d}) (one column per uncertain parameter), got {u.shape}")
    if samples is not None and samples != u.shape[0]:
        raise WotsimError(f"samples ({samples}) must equal the number of rows of uniforms ({u.shape[0]})")
    if u.size and not (np.all(u > 0.0) and np.all(u < 1.0)):
        raise WotsimError("uniforms must lie strictly between 0 and 1")
    return u
