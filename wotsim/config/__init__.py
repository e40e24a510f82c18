"""The config layer: what a study says, read and checked before anything is sampled.

Owns the TOML schema and its validation (every error names the file and the dotted
key), the probability distributions of the parameters, the safe formula language,
the verified fast inverse CDFs, and the checks of a config's ranges.  Nothing here
samples, simulates or writes.
"""

from ..errors import ConfigError
from .loading import (Config, ConfigWarning, Correlation, Item, Output, Parameter, Simulation, Study, load_config,
                      parse_config, read_toml)

__all__ = ["Config", "ConfigError", "ConfigWarning", "Correlation", "Item", "Output", "Parameter", "Simulation",
           "Study", "load_config", "parse_config", "read_toml"]
