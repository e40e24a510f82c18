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

The public names below are imported on first use (PEP 562), so that a module that needs
only the schema or the formula language (the results writer, for one) does not load scipy.
"""

from .._lazy import lazy_exports

from ..errors import ConfigError

#: Public names, imported on first use: name -> submodule.
_LAZY = {
    "check_draw_support": "checks", "config_warnings": "checks", "support_warnings": "checks",
    "load_config": "loading", "parse_config": "loading", "read_toml": "loading",
    "Config": "schema", "ConfigWarning": "schema", "Correlation": "schema", "Item": "schema", "Output": "schema",
    "Parameter": "schema", "Simulation": "schema", "Study": "schema", "BUILTIN_OUTPUTS": "schema",
    "base_values": "schema", "parameters_of": "schema", "with_derived": "schema",
    "JointRisk": "risks", "SignRisk": "risks", "joint_risks": "risks", "sign_risks": "risks",
    "check_design_size": "sizes",
}

__all__ = ["ConfigError", *sorted(_LAZY)]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
