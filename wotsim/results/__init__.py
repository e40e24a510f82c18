"""Results: the objects a run returns, their standard errors, and their files.

A :class:`SimulationResult` with its summaries (:mod:`wotsim.results.summary`), the Monte
Carlo standard errors of every estimate (:mod:`wotsim.results.mcse`), and the atomic,
fsynced results directories that every command writes and ``wotsim plot`` reads back
(:mod:`wotsim.results.io`: the codec, the writer, the manifest and the checked readers;
:mod:`wotsim.results.records`: typed dataclass records on disk).
"""

from .io import manifest, write_atomic_dir
from .simulation import BaseCase, SimulationResult, load_results
from .summary import OutputSummary, summarise

__all__ = ["BaseCase", "OutputSummary", "SimulationResult", "load_results", "manifest", "summarise",
           "write_atomic_dir"]
