"""Monte Carlo simulation in chunks.

Memory for intermediate arrays is bounded by the chunk size; the stored
results grow with n (draws, item present values, yearly net values).  The
design is drawn row by row in order and the model is elementwise per sample,
so results are bit-for-bit identical whatever the chunk size.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from ._names import SAMPLERS
from .config.loading import parse_config
from .config.schema import Config
from .errors import WotsimError
from .limits import check_simulation
from .model import base_values, evaluate, output_values, parameter_values, stakeholder_net
from .results.io import manifest
from .results.simulation import BaseCase, SimulationResult
from .config.correlations import correlation_matrix
from .config.distributions import prepare_tables
from .sampling import DesignStream, apply_copula, default_replicates, stream

__all__ = ["RowExecutor", "base_case", "row_blocks", "simulate", "simulate_rows"]

#: progress(done, total) is called after every chunk.
Progress = Callable[[int, int], None]


class RowExecutor(Protocol):
    """What runs blocks of a run's rows elsewhere (:class:`wotsim.batch.executors.Executor` is one)."""

    workers: int

    def map(self, fn: Callable[..., Any], args: Sequence[tuple], *, keys: Sequence[str],
            done: Callable[[int], None] | None = None) -> list[Any]:
        """``[fn(*a) for a in args]``, in order, each call a task named by its key; ``done(i)`` as task i ends."""


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
    executor: RowExecutor | None = None,
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
    executor : RowExecutor, optional
        Evaluates blocks of rows on workers (:mod:`wotsim.batch.executors`: local processes or a Dask
        cluster); the config travels as its parsed TOML document and is validated again there
        (:func:`simulate_rows`).  Bit for bit the numbers of a run without it.  Ignored with
        ``uniforms`` or ``shared_draws`` (a scenario's run inside a comparison).

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
    shared = {name: np.asarray(x, dtype=float) for name, x in (shared_draws or {}).items() if name in names}
    if any(x.shape != (n,) for x in shared.values()):
        raise WotsimError(f"shared draws must have shape ({n},), one value per sample")
    started = time.perf_counter()
    if executor is not None and uniforms is None and not shared:
        draws, item_pv, yearly = _rows_on(executor, config, n=n, seed=seed, sampler=sampler, replicates=replicates,
                                          chunk_size=chunk, progress=progress)
    else:
        draws, item_pv, yearly = simulate_rows(config, 0, n, n=n, seed=seed, sampler=sampler, replicates=replicates,
                                               chunk_size=chunk, uniforms=uniforms, shared=shared, progress=progress)
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
                          **({} if uniforms is None else {"design": "supplied uniforms"}),
                          **({"executor": executor.describe()} if executor is not None and uniforms is None
                             and not shared and hasattr(executor, "describe") else {})),
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


def simulate_rows(config: Config, lo: int, hi: int, *, n: int, seed: int, sampler: str, replicates: int,
                  chunk_size: int, uniforms: np.ndarray | None = None,
                  shared: Mapping[str, np.ndarray] | None = None,
                  progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``lo:hi`` of a run of ``n`` draws: ``(draws, item_pv, yearly)`` as :func:`simulate` stores them.

    The design is drawn from row ``lo`` on (:meth:`wotsim.sampling.DesignStream.skip` passes over the rows
    before it), each parameter's inverse CDF is chosen for all ``n`` rows, and the model is elementwise per
    draw, so any split of ``0:n`` into blocks, evaluated anywhere and put together in order, gives the numbers
    of one run bit for bit.  ``uniforms``: the design's rows ``lo:hi`` given instead (a scenario on common
    random numbers); ``shared``: draws of rows ``lo:hi`` to use as they are (see :func:`simulate`).  Arguments
    are not checked again: :func:`simulate` checks them.
    """
    names = config.uncertain
    d, m_all = len(names), hi - lo
    design = None
    if uniforms is None:
        design = DesignStream(sampler, d, n, seed=stream(seed, "montecarlo"), replicates=replicates)
        design.skip(lo)
    copula = correlation_matrix(list(names), config.correlations) if config.correlations else None
    shared = shared or {}
    prepare_tables([config.parameters[name].dist for name in names if name not in shared], n)
    draws = np.empty((m_all, d))
    item_pv = np.empty((m_all, len(config.items)))
    yearly = np.empty((m_all, len(config.stakeholders), config.max_horizon), dtype=np.float32)
    for a in range(0, m_all, chunk_size):
        m = min(chunk_size, m_all - a)
        u = design.next(m) if design is not None else uniforms[a:a + m]
        if copula is not None:
            u = apply_copula(u, *copula)
        values = parameter_values(config, u, n=n, shared=shared, lo=a)
        arrays = evaluate(config, values, m)
        for j, name in enumerate(names):
            draws[a:a + m, j] = values[name]
        item_pv[a:a + m] = arrays.item_pv
        yearly[a:a + m] = arrays.yearly
        if progress is not None:
            progress(lo + a + m, n)
    return draws, item_pv, yearly


#: Configs compiled in this process (a worker's), by their document's hash: each worker validates a config once.
_COMPILED: dict[tuple[str, str], Config] = {}


def compiled(raw: Mapping[str, Any], file: str, sha256: str) -> Config:
    """The config of a parsed TOML document, validated here once per process (a worker gets the document, not
    the config: its compiled formulas do not travel); its hash must be ``sha256``, the sender's."""
    key = (sha256, file)
    config = _COMPILED.get(key)
    if config is None:
        config = parse_config(raw, file=file)
        if config.sha256 != sha256:  # pragma: no cover - a document changed on its way
            raise WotsimError(f"{file}: the config reached this worker changed (hash {config.sha256[:12]}, "
                              f"sent {sha256[:12]})")
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        _COMPILED[key] = config
    return config


def _rows_task(raw: Mapping[str, Any], file: str, sha256: str, lo: int, hi: int, settings: dict) -> tuple:
    """One block of rows of a run, on a worker (:func:`simulate` with an executor)."""
    return simulate_rows(compiled(raw, file, sha256), lo, hi, **settings)


def row_blocks(n: int, workers: int, chunk_size: int) -> list[tuple[int, int]]:
    """The blocks of rows a run of ``n`` draws is cut into for ``workers``: four a worker (so that a slow
    worker is not waited for long), each a whole number of chunks, at least one chunk."""
    per = max(chunk_size, -(-n // (4 * max(workers, 1))))
    per = -(-per // chunk_size) * chunk_size
    return [(lo, min(n, lo + per)) for lo in range(0, n, per)]


def _rows_on(executor: RowExecutor, config: Config, *, n: int, seed: int, sampler: str, replicates: int,
             chunk_size: int, progress: Progress | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A run's rows evaluated in blocks on ``executor``'s workers and put together in order."""
    blocks = row_blocks(n, executor.workers, chunk_size)
    settings = dict(n=n, seed=seed, sampler=sampler, replicates=replicates, chunk_size=chunk_size)
    finished = [0]

    def done(i: int) -> None:
        finished[0] += blocks[i][1] - blocks[i][0]
        if progress is not None:
            progress(finished[0], n)

    parts = executor.map(_rows_task, [(dict(config.raw), config.path, config.sha256, lo, hi, settings)
                                      for lo, hi in blocks],
                         keys=[f"rows {lo}-{hi}" for lo, hi in blocks], done=done)
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))
