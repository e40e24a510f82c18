"""Results: the objects a run returns, their standard errors, and their files.

A :class:`SimulationResult` with its summaries (:mod:`wotsim.results.summary`), the Monte
Carlo standard errors of every estimate (:mod:`wotsim.results.mcse`), and the atomic,
fsynced results directories that every command writes and ``wotsim plot`` reads back
(:mod:`wotsim.results.io`: the codec, the writer, the manifest and the checked readers;
:mod:`wotsim.results.records`: typed dataclass records on disk; :mod:`wotsim.results.arrays`: a
run's ``arrays.npz``).  Every result object's tables (``to_frame``) go through
:mod:`wotsim.results.frames`, and ``--format csv|xlsx|parquet`` writes them with
:mod:`wotsim.results.tables`.

The public names are imported on first use (PEP 562): writing a results directory
(:mod:`wotsim.results.io`) loads neither the model nor scipy.
"""

from .._lazy import lazy_exports

#: Public names, imported on first use: name -> submodule.
_LAZY = {"manifest": "io", "write_atomic_dir": "io", "BaseCase": "simulation", "SimulationResult": "simulation",
         "load_results": "simulation", "OutputSummary": "summary", "summarise": "summary",
         "Convergence": "summary", "CumulativeBands": "summary", "Exceedance": "summary"}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
