"""The config layer: what a study says, read and checked before anything is sampled.

Nothing here samples, simulates or writes.  Modules, from the bottom up:

* :mod:`~wotsim.config.expressions`, :mod:`~wotsim.config.forms`, :mod:`~wotsim.config.distributions`,
  :mod:`~wotsim.config.fastppf`: the safe formula language, the forms of the parameters'
  distributions, the distributions themselves (built once per specification) and their
  verified fast inverse CDFs;
* :mod:`~wotsim.config.schema`: the frozen dataclasses a config becomes, and its base case;
* :mod:`~wotsim.config.keys`: checkers of keys and values (every error names the file and key);
* :mod:`~wotsim.config.sizes`: the ceilings on a config's size, checked before anything is built;
* :mod:`~wotsim.config.items`, :mod:`~wotsim.config.correlations`: items and outputs; rank
  correlations and the copula's matrix;
* :mod:`~wotsim.config.loading`: reading TOML and validating a config (the public door);
* :mod:`~wotsim.config.risks`, :mod:`~wotsim.config.checks`: what the parameters' ranges allow
  that the base case does not show (warnings, and the rule that holds in every draw);
* :mod:`~wotsim.config.operations`, :mod:`~wotsim.config.overlays`: scenario overlays (their
  operations; their format, parsing and discovery).
"""

from ..errors import ConfigError
from .checks import check_draw_support, config_warnings, support_warnings
from .loading import load_config, parse_config, read_toml
from .schema import Config, ConfigWarning, Correlation, Item, Output, Parameter, Simulation, Study
from .sizes import check_design_size

__all__ = ["Config", "ConfigError", "ConfigWarning", "Correlation", "Item", "Output", "Parameter", "Simulation",
           "Study", "check_design_size", "check_draw_support", "config_warnings", "load_config", "parse_config",
           "read_toml", "support_warnings"]
