"""What PRIM returns (:mod:`wotsim.analysis.prim`): the boxes of its trajectory and their restrictions.

Frozen records of numbers and arrays, no computation: a :class:`Restriction` per restricted
parameter, a :class:`PrimBox` per step, and the :class:`PrimResult` of a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PrimBox", "PrimResult", "Restriction"]


@dataclass(frozen=True)
class Restriction:
    """One restricted parameter of a box: limits in units (the data's min/max on a free side) and
    percentiles (0/1 on a free side), the quasi-p of each side (NaN if free), and the box with this
    parameter free: ``density_drop = density - density_if_lifted``, ``coverage_gain`` likewise."""

    parameter: str
    lower: float
    upper: float
    lower_percentile: float
    upper_percentile: float
    quasi_p_lower: float
    quasi_p_upper: float
    density_if_lifted: float
    coverage_if_lifted: float
    density_drop: float
    coverage_gain: float

    @property
    def lower_restricted(self) -> bool:
        return self.lower_percentile > 0

    @property
    def upper_restricted(self) -> bool:
        return self.upper_percentile < 1


@dataclass(frozen=True, eq=False)
class PrimBox:
    """A box: ``step`` on the trajectory (None from :func:`evaluate_box`), the limit moved last to
    reach it (``parameter``, ``side``; None at step 0), ``n`` draws inside of which ``cases`` meet
    the condition (``coverage = cases / all cases``, ``density = cases / n``, ``mass = n / all
    draws``), limits and percentiles of every parameter (shape (d,), in the names' order) and the
    restricted parameters, in that order."""

    step: int | None
    parameter: str | None
    side: str | None
    n: int
    cases: int
    coverage: float
    density: float
    mass: float
    lower: np.ndarray
    upper: np.ndarray
    lower_percentile: np.ndarray
    upper_percentile: np.ndarray
    restrictions: tuple[Restriction, ...]

    @property
    def n_restricted(self) -> int:
        return len(self.restrictions)

    @property
    def restricted(self) -> tuple[str, ...]:
        return tuple(r.parameter for r in self.restrictions)


@dataclass(frozen=True, eq=False)
class PrimResult:
    """The peeling trajectory (``trajectory[0]`` holds every draw, each later step is one peel),
    the step ``chosen`` by ``chosen_by`` (``"f1"``, ``"min_coverage"`` or ``"step"``), its ``box``
    after pasting and the (parameter, side) moves pasting made."""

    names: tuple[str, ...]
    integer: tuple[bool, ...]
    n_draws: int
    n_cases: int
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    min_coverage: float | None
    trajectory: tuple[PrimBox, ...]
    chosen: int
    chosen_by: str
    box: PrimBox
    pastes: tuple[tuple[str, str], ...]
