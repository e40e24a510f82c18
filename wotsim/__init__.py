"""wotsim: how robust is a social cost-benefit ratio?

Probability distributions over effect sizes and monetisation values are sampled
through a vectorised model of a social cost-benefit analysis (Dutch: MKBA,
maatschappelijke kosten-batenanalyse) read from a TOML config.

The public names (``__all__``) and the submodules are imported on first use
(PEP 562), so ``import wotsim`` and ``wotsim --help`` load neither scipy nor
SALib; ``wotsim.simulate`` stays the function even once the submodule of that
name is imported.
Packages: :mod:`wotsim.config`, :mod:`wotsim.results`, :mod:`wotsim.analysis`,
:mod:`wotsim.plots`, :mod:`wotsim.report` (see the README's contributor section).
"""

import sys
import types
from importlib import import_module

from .errors import ConfigError, WotsimError

__version__ = "0.1.0"

#: Public names, imported on first use: name -> module.
_LAZY = {
    "Config": "config.schema",
    "load_config": "config.loading",
    "parse_config": "config.loading",
    "SimulationResult": "results.simulation",
    "load_results": "results.simulation",
    "base_case": "simulate",
    "simulate": "simulate",
    "sobol_indices": "analysis.sobol",
    "morris_screening": "analysis.screening",
    "pawn_indices": "analysis.screening",
    "one_way": "analysis.oneway",
    "decision_drivers": "analysis.drivers",
    "find_scenarios": "config.overlays",
    "compare": "analysis.scenarios",
    "keep_voi": "analysis.voi",
    "adoption_voi": "analysis.voi",
    "discover": "analysis.discover",
    "load_discovery": "analysis.discover_io",
    "robustness_statement": "report.statement",
}

__all__ = ["ConfigError", "WotsimError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # once: later lookups skip this function
        return value
    if not name.startswith("__"):  # a submodule, as `import wotsim` used to bind them: wotsim.model, ...
        try:
            return import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'wotsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """The package module, keeping ``wotsim.simulate`` the function.

    Importing the submodule ``wotsim.simulate`` (which analyses do) makes Python
    bind it as the package's attribute ``simulate``; this refuses that binding,
    so the attribute stays (or becomes, through ``__getattr__``) the function.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
