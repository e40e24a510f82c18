"""The value of information as tables: :func:`voi_frame` behind :meth:`VoiResult.to_frame
<wotsim.analysis.voi.VoiResult.to_frame>` and what ``wotsim voi --format`` writes.

Two tables, for one decision or several (:func:`wotsim.analysis.voi.voi_many`, a ``voi`` results
directory): ``decisions``, one row per decision, and ``evppi``, one row per parameter and group of
each decision, in the order the decision stores them (groups first, then parameters, each by EVPPI,
largest first).  Amounts are in the decision's currency per unit of analysis (present value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..errors import WotsimError
from ..results.frames import table

if TYPE_CHECKING:  # pragma: no cover
    from .voi import VoiResult

__all__ = ["TABLES", "voi_frame"]

#: The tables :func:`voi_frame` gives.
TABLES = ("decisions", "evppi")

#: The ``decisions`` columns: (id, label, in money or not).
_DECISIONS = (("decision", "Decision (id: keep, or adopt:<scenario>)", False), ("description", "Decision", False),
              ("output", "Net benefit output", False), ("reference", "Reference option", False),
              ("alternative", "Alternative option", False), ("n", "Draws", False),
              ("mean_inb", "Mean incremental net benefit of the alternative", True),
              ("mean_inb_se", "Its Monte Carlo standard error", True),
              ("choice", "Option chosen on current information", False),
              ("p_wrong", "P(the other option is better)", False), ("p_wrong_se", "Its standard error", False),
              ("evpi", "Expected value of perfect information (EVPI)", True),
              ("evpi_se", "Standard error of EVPI", True),
              ("estimator", "EVPPI estimator", False), ("se_method", "How the standard errors were computed", False))
#: The ``evppi`` columns: (id, label, in money or not).
_EVPPI = (("decision", "Decision (id)", False), ("kind", "parameter or group", False),
          ("name", "Parameter or group (id)", False), ("label", "Parameter or group", False),
          ("parameters", "The parameters whose values would be learnt", False),
          ("value", "EVPPI: expected value of perfect information on it", True),
          ("se", "Standard error of the estimate", True),
          ("floor", "Noise floor: EVPPI of an input without information", True),
          ("noise_level", "floor + 2 se: at or below it, not distinguishable from 0", True),
          ("distinguishable", "Distinguishable from 0", False), ("raw", "Estimate before capping at EVPI", True),
          ("evpi", "EVPI of the decision", True), ("share_of_evpi", "EVPPI / EVPI", False),
          ("r2", "Out-of-sample R2 of the regression", False), ("basis", "Regression columns", False),
          ("bias", "Estimated upward bias (not removed)", True), ("basis_note", "Basis note", False),
          ("fit_warning", "Fit warning", False), ("bias_warning", "Bias warning", False),
          ("interaction_warning", "Interaction warning", False))


def voi_frame(results: Sequence["VoiResult"], name: str = "evppi"):
    """One table of the decisions ``results`` as a :class:`pandas.DataFrame` (labels and units in
    ``frame.attrs``, :mod:`wotsim.results.frames`): ``"decisions"`` or ``"evppi"`` (the columns of
    ``_DECISIONS`` and ``_EVPPI`` above, in that order); money in the decisions' currency."""
    currency = results[0].currency if results else ""
    if name == "decisions":
        rows: list[dict[str, Any]] = [{**{c: getattr(r, c, None) for c, _, _ in _DECISIONS}, "reference": r.options[0],
                                       "alternative": r.options[1]} for r in results]
        spec, what = _DECISIONS, "per decision: expected incremental net benefit, P(wrong choice) and EVPI"
    elif name == "evppi":
        rows = [{**{c: getattr(e, c, None) for c, _, _ in _EVPPI}, "decision": r.decision,
                 "parameters": ", ".join(e.parameters), "noise_level": e.noise_level,
                 "distinguishable": e.distinguishable, "evpi": r.evpi,
                 "share_of_evpi": e.value / r.evpi if r.evpi > 0 else 0.0}
                for r in results for e in r.groups + r.parameters]
        spec, what = _EVPPI, "per decision, parameter and group: the expected value of partial perfect information"
    else:
        raise WotsimError(f"unknown table {name!r} of the value of information; tables: {', '.join(TABLES)}")
    return table(name, [(c, label, currency if money else "") for c, label, money in spec], rows,
                 description=what + (f" ({currency}, present value per unit of analysis)" if currency else ""))
