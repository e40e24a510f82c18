"""What a batch's worker does: rebuild a case from its documents, run a block of its rows, reduce it to rows.

A case travels as :class:`CasePayload`: the config's parsed TOML document and each scenario's overlay
document (plain data, picklable, independent of any working directory), validated again on the worker
(:func:`wotsim.simulate.compiled`, once per worker and config).  A task is a case and a block of design
rows ``lo:hi``: the base analysis and every scenario on those rows, on common random numbers
(:func:`wotsim.sampling.scenario_uniforms` from the base design's rows), each with
:func:`wotsim.simulate.simulate_rows`.  So blocks put together in order are the case's comparison, bit for
bit, whatever the block size, the worker or the executor.

* :func:`case_summary`: a whole case in one task, reduced on the spot to the rows of its summary: only
  those rows leave the worker (``wotsim batch`` without ``--keep`` and without ``chunk_size``).
* :func:`case_block`: one block; its item values (and with ``keep``, its draws and yearly values) go to
  :func:`reduce_case`, which puts the blocks together in order and reduces them.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["BlockResult", "CasePayload", "case_block", "case_summary", "compile_case", "reduce_case"]


@dataclass(frozen=True)
class CasePayload:
    """Everything a worker needs to run a case: documents and settings, no compiled objects."""

    key: str
    config_file: str
    raw: Mapping[str, Any]
    sha256: str
    scenarios: tuple[tuple[str, str, Mapping[str, Any]], ...]  # (id, file, overlay document)
    outputs: tuple[str, ...]
    samples: int
    seed: int
    sampler: str
    replicates: int
    chunk_size: int


@dataclass(frozen=True)
class BlockResult:
    """What a task sends back: per run (base first) its item values of the block; with ``keep`` what a
    comparison keeps besides: the base's draws (``draws[0]``) and yearly values, each scenario's draws of its
    new parameters (``draws[k]``); the worker's process id, seconds and peak memory (for the manifest)."""

    lo: int
    hi: int
    item_pv: tuple[np.ndarray, ...]
    draws: tuple[np.ndarray, ...] | None
    yearly: np.ndarray | None
    worker: dict


#: Cases compiled in this process (a worker's), by their documents: a task and the reduction of its case, or
#: several blocks of one case, validate the case once.
_CASES: dict[str, tuple] = {}


def compile_case(p: CasePayload):
    """The case's base config and scenarios, rebuilt and validated here (once per process and case)."""
    import hashlib
    import json

    from ..config.overlays import parse_scenario
    from ..simulate import compiled

    key = hashlib.sha256(json.dumps([p.sha256, p.config_file, p.scenarios], sort_keys=True, default=str)
                         .encode()).hexdigest()
    if key not in _CASES:
        config = compiled(p.raw, p.config_file, p.sha256)
        if len(_CASES) >= 64:
            _CASES.clear()
        _CASES[key] = config, tuple(parse_scenario(overlay, config, file=file, default_id=sid)
                                    for sid, file, overlay in p.scenarios)
    return _CASES[key]


def _worker(started: float) -> dict:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"pid": os.getpid(), "seconds": round(time.perf_counter() - started, 4),
            "peak_rss_mb": round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)}


def case_block(p: CasePayload, lo: int, hi: int, keep: bool = False) -> BlockResult:
    """Rows ``lo:hi`` of the case: the base analysis and each scenario on common random numbers."""
    from ..analysis.scenarios import new_parameters, shared_draws
    from ..sampling import DesignStream, scenario_uniforms, stream
    from ..simulate import simulate_rows

    started = time.perf_counter()
    config, scenarios = compile_case(p)
    settings = dict(n=p.samples, seed=p.seed, sampler=p.sampler, replicates=p.replicates, chunk_size=p.chunk_size)
    design = DesignStream(p.sampler, len(config.uncertain), p.samples, seed=stream(p.seed, "montecarlo"),
                          replicates=p.replicates)
    design.skip(lo)
    u_base = design.next(hi - lo)
    base_draws, base_item_pv, base_yearly = simulate_rows(config, lo, hi, uniforms=u_base, **settings)
    item_pvs, draws = [base_item_pv], [base_draws]
    for sc in scenarios:
        u = scenario_uniforms(config, sc.config, u_base, seed=p.seed, sampler=p.sampler, paired=True,
                              scenario_id=sc.id, replicates=p.replicates, lo=lo)
        sc_draws, item_pv, _ = simulate_rows(sc.config, lo, hi, uniforms=u,
                                             shared=shared_draws(config, base_draws, sc.config), **settings)
        item_pvs.append(item_pv)  # what compare keeps of a scenario's run: its item values, its new draws
        draws.append(sc_draws[:, [sc.config.uncertain.index(q) for q in new_parameters(config, sc.config)]])
    return BlockResult(lo, hi, tuple(item_pvs), tuple(draws) if keep else None, base_yearly if keep else None,
                       _worker(started))


def reduce_case(p: CasePayload, blocks: Sequence[BlockResult]) -> list[dict[str, Any]]:
    """The rows of the case's summary (:func:`wotsim.analysis.scenarios.comparison_rows`) from its blocks,
    put together in row order whatever order they came in."""
    from ..analysis.scenarios import comparison_rows

    config, scenarios = compile_case(p)
    ordered = sorted(blocks, key=lambda b: b.lo)
    if [b.lo for b in ordered] != [0] + [b.hi for b in ordered[:-1]] or ordered[-1].hi != p.samples:
        raise RuntimeError(f"internal error: the blocks of case {p.key} do not cover rows 0 to {p.samples}")
    item_pvs = [np.concatenate([b.item_pv[k] for b in ordered]) for k in range(1 + len(scenarios))]
    return comparison_rows(config, scenarios, item_pvs, p.outputs, replicates=p.replicates)


def case_summary(p: CasePayload) -> tuple[list[dict[str, Any]], dict]:
    """A whole case in one task, reduced here: the rows of its summary and the worker's figures."""
    started = time.perf_counter()
    block = case_block(p, 0, p.samples)
    rows = reduce_case(p, [block])
    return rows, _worker(started)
