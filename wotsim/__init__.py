"""wotsim: how robust is a social cost-benefit ratio?

Probability distributions over effect sizes and monetisation values are sampled
through a vectorised model of a social cost-benefit analysis (Dutch: MKBA,
maatschappelijke kosten-batenanalyse) read from a TOML config.

The core (config, simulation, results) is imported eagerly; the analyses are
imported on first use, so ``import wotsim`` stays quick and does not load SALib.
Modules: :mod:`wotsim.sensitivity`, :mod:`wotsim.oneway`, :mod:`wotsim.drivers`,
:mod:`wotsim.scenarios`, :mod:`wotsim.voi`, :mod:`wotsim.statement`,
:mod:`wotsim.plots`, :mod:`wotsim.report`.
"""

from importlib import import_module

from .config import Config, load_config, parse_config
from .errors import ConfigError, WotsimError
from .results import SimulationResult, load_results
from .simulate import base_case, simulate

__version__ = "0.1.0"

#: Analysis entry points, imported lazily: name -> module.
_LAZY = {
    "sobol_indices": "sensitivity",
    "morris_screening": "sensitivity",
    "pawn_indices": "sensitivity",
    "one_way": "oneway",
    "decision_drivers": "drivers",
    "find_scenarios": "scenarios",
    "compare": "scenarios",
    "keep_voi": "voi",
    "adoption_voi": "voi",
    "robustness_statement": "statement",
}

__all__ = [
    "Config",
    "ConfigError",
    "SimulationResult",
    "WotsimError",
    "__version__",
    "base_case",
    "load_config",
    "load_results",
    "parse_config",
    "simulate",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'wotsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
