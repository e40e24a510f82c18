"""Checks of the settings the global sensitivity methods share (Sobol', Morris, PAWN).

Whole numbers and fractions with one-line errors naming the setting, the outputs to
analyse (each through :func:`wotsim.model.check_output`), and the rule that an output
must be finite in every model run before indices are computed from it.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..config.schema import Config
from ..errors import WotsimError
from ..model import check_output

__all__ = ["check_finite", "check_fraction", "check_outputs", "check_whole", "default_outputs"]


def check_whole(value: Any, what: str, minimum: int) -> int:
    """``value`` as an int if it is a whole number >= ``minimum``, else an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise WotsimError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(value: Any, what: str) -> float:
    """``value`` as a float if it lies strictly between 0 and 1, else an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise WotsimError(f"{what} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def default_outputs(config: Config) -> tuple[str, ...]:
    """The outputs analysed when none are named: the config's outputs and ``npv``."""
    return tuple(config.outputs) + ("npv",)


def check_outputs(config: Config, outputs: str | Iterable[str] | None) -> tuple[str, ...]:
    """The outputs to analyse, without repeats (default :func:`default_outputs`); each must be known."""
    if outputs is None:
        return default_outputs(config)
    if isinstance(outputs, str):
        outputs = (outputs,)
    outputs = tuple(dict.fromkeys(outputs))
    if not outputs:
        raise WotsimError("name at least one output to analyse")
    for name in outputs:
        check_output(config, name)
    return outputs


def check_finite(name: str, y: np.ndarray) -> None:
    """Refuse an output that is NaN or infinite in any model run (indices need a finite output)."""
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        raise WotsimError(f"output {name!r} is undefined (NaN or infinite, e.g. a ratio with zero costs) in "
                          f"{bad:,} of {y.size:,} model runs; sensitivity indices need a finite output: "
                          "analyse its NPV instead")
