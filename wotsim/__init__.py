"""wotsim: how robust is a social cost-benefit ratio?

Probability distributions over effect sizes and monetisation values are sampled
through a vectorised model of a social cost-benefit analysis (Dutch: MKBA,
maatschappelijke kosten-batenanalyse) read from a TOML config.
"""

from .config import Config, load_config, parse_config
from .errors import ConfigError, WotsimError
from .results import SimulationResult, load_results
from .simulate import base_case, simulate

__version__ = "0.1.0"

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
]
