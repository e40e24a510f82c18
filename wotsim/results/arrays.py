"""A run's members of ``arrays.npz``: what is stored, the names of their columns, what is recomputed.

:func:`run_arrays` gives the members a run writes (with a prefix, as a comparison stores its base
run): ``draws`` (n, d) and ``item_pv`` (n, items), float64 as computed, the base case's yearly net
values ``base_yearly`` (stakeholders, T), and the names of their columns as text (``parameters``,
``items``, ``stakeholders``), so that a reader of the file alone knows them.  The yearly net
values of every draw, ``yearly`` (n, stakeholders, T), float32, feed the fan charts alone; the
model gives them back from the draws bit for bit (the model is elementwise per draw), so they are
stored only when it does not (a run made otherwise than from its draws), and
:func:`read_run_arrays` recomputes them on loading (:func:`yearly_of`; 0.03 s for 32,768 draws of
the Schiedam case).  The file is compressed (:func:`wotsim.results.io.write_results`).

A directory written before this layout (uncompressed, every yearly value stored, no names) reads
as it is: ``yearly`` and the names tables are optional members, and names that are there must be
the stored config's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ..config.expressions import shown
from ..config.schema import Config
from ..errors import ResultsError, WotsimError
from ..model import evaluate
from .io import read_arrays

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import SimulationResult

__all__ = ["read_run_arrays", "run_arrays", "run_shapes", "yearly_of"]


def run_shapes(config: Config, n: int, prefix: str = "") -> dict[str, tuple[int, ...]]:
    """The arrays of a run of ``config`` with ``n`` draws (``prefix`` + draws, item_pv, yearly, base_yearly)."""
    d, k, s, T = len(config.uncertain), len(config.items), len(config.stakeholders), config.max_horizon
    return {f"{prefix}draws": (n, d), f"{prefix}item_pv": (n, k), f"{prefix}yearly": (n, s, T),
            f"{prefix}base_yearly": (s, T)}


def yearly_of(config: Config, draws: np.ndarray, chunk_size: int = 0) -> np.ndarray:
    """The yearly net values per stakeholder of every draw, shape (n, stakeholders, T), float32: the model
    on the draws (every other parameter at base), in chunks (the values do not depend on their size)."""
    n = draws.shape[0]
    chunk = chunk_size if chunk_size > 0 else config.simulation.chunk_size
    column = {name: j for j, name in enumerate(config.uncertain)}
    out = np.empty((n, len(config.stakeholders), config.max_horizon), dtype=np.float32)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        values = {name: draws[lo:hi, column[name]] if name in column else np.float64(p.dist.base)
                  for name, p in config.parameters.items()}
        out[lo:hi] = evaluate(config, values, hi - lo).yearly
    return out


def _names(config: Config, prefix: str = "") -> dict[str, list[str]]:
    return {f"{prefix}parameters": list(config.uncertain), f"{prefix}items": [it.id for it in config.items],
            f"{prefix}stakeholders": list(config.stakeholders)}


def run_arrays(result: "SimulationResult", prefix: str = "") -> dict[str, np.ndarray]:
    """A run's members of ``arrays.npz`` (``prefix`` + each name): ``draws``, ``item_pv``, ``base_yearly``, the
    names of their columns (``parameters``, ``items``, ``stakeholders``: text), and ``yearly`` only when
    :func:`yearly_of` does not give it back bit for bit (a run made otherwise than from its draws)."""
    arrays = {f"{prefix}draws": result.draws, f"{prefix}item_pv": result.item_pv,
              f"{prefix}base_yearly": result.base.yearly,
              **{k: np.array(v, dtype=str) for k, v in _names(result.config, prefix).items()}}
    yearly = result.yearly
    if not (yearly.dtype == np.float32 and np.array_equal(yearly_of(result.config, result.draws, result.chunk_size),
                                                           yearly, equal_nan=True)):
        arrays[f"{prefix}yearly"] = yearly
    return arrays


def read_run_arrays(path: Path, config: Config, n: int, *, chunk_size: int = 0, prefix: str = "",
                    extra: Mapping[str, tuple[int, ...]] | None = None,
                    extra_names: Mapping[str, list[str]] | None = None) -> dict[str, np.ndarray]:
    """Read the members :func:`run_arrays` wrote, and ``extra`` float members (name -> shape) and names tables
    (``extra_names``: name -> the names it must hold), from ``path``, checked
    (:func:`wotsim.results.io.read_arrays`): the names tables must all be there or none (the layout written
    before them), and be the config's; ``yearly``, where absent, is recomputed (:func:`yearly_of`)."""
    names = {**_names(config, prefix), **(extra_names or {})}
    shapes = {**run_shapes(config, n, prefix), **{k: (len(v),) for k, v in names.items()}, **(extra or {})}
    out = read_arrays(path, shapes, kinds=dict.fromkeys(names, "U"), optional=[f"{prefix}yearly", *names])
    present = [k for k in names if k in out]
    if present and len(present) != len(names):
        raise ResultsError(f"{path}: must hold all of {shown(', '.join(names))} or none of them")
    for key in present:
        if out[key].tolist() != names[key]:
            raise ResultsError(f"{path}: {key} must name the columns of the stored config ({shown(names[key])}), "
                               f"got {shown(out[key].tolist())}")
    if f"{prefix}yearly" not in out:
        try:
            out[f"{prefix}yearly"] = yearly_of(config, out[f"{prefix}draws"], chunk_size)
        except WotsimError as exc:  # draws the model refuses (a discount rate out of range): damaged
            raise ResultsError(f"{path}: {prefix}draws: the model refuses them ({exc})") from None
    return out
