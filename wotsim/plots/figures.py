"""Every figure of a loaded result, whatever its kind: :func:`figures_for`.

It recognises the result objects by their attributes and class names (plots never import
analysis), so ``wotsim plot`` can draw any directory a wotsim command wrote.
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Iterator, Mapping

from matplotlib.figure import Figure

from ..errors import WotsimError
from ..i18n import DEFAULT_LANGUAGE, check_language
from ..results.simulation import SimulationResult
from .decision import scenario_figures
from .discovery import discovery_figures
from .distributions import simulation_figures
from .evsi import evsi_figures
from .sensitivity import sensitivity_figures

__all__ = ["figures_for"]


def _kind(obj: Any) -> str | None:
    """What a result object is, by duck typing: ``"oneway"``, ``"drivers"``, ``"voi"``, ``"evsi"`` or None."""
    name = type(obj).__name__
    if name == "EvsiResult" or all(hasattr(obj, a) for a in ("enbs", "sizes", "study", "decision")):
        return "evsi"
    if name == "OneWayResult" or all(hasattr(obj, a) for a in ("bars", "switching", "output")):
        return "oneway"
    if name == "DecisionDrivers" or all(hasattr(obj, a) for a in ("p_by_bin", "first_order", "output")):
        return "drivers"
    if name == "VoiResult" or all(hasattr(obj, a) for a in ("evpi", "decision", "parameters")):
        return "voi"
    return None


def figures_for(obj: Any, *, config=None, lang: str = DEFAULT_LANGUAGE) -> Iterator[tuple[str, Figure]]:
    """The figures of a result object, one at a time, as ``(file stem, figure)``.

    ============================================  =============================================
    object                                        figures
    ============================================  =============================================
    SimulationResult                              :func:`simulation_figures`
    Sobol' result (``method == "sobol"``)         ``sobol_<output>``, ``sobol_convergence_<output>``
    Morris result (``method == "morris"``)        ``morris_<output>`` (the μ*–σ plane)
    PAWN result (``method == "pawn"``)            ``pawn_<output>``
    mapping output -> one-way result              ``tornado_<output>``
    mapping output -> decision drivers            ``drivers_<output>``
    scenario comparison                           ``scenarios_<output>``
    value-of-information result, or a sequence    ``evppi_<decision>`` each; a loaded ``voi`` directory
                                                  with studies also ``evsi_<study>_<decision>`` each
    value-of-sample-information results           ``evsi_<study>_<decision>`` each (:func:`evsi_figures`)
    scenario discovery (per box ``k``)            ``discover_trajectory_<k>``, ``discover_limits_<k>``,
                                                  ``discover_scatter_<k>`` (none without boxes)
    ============================================  =============================================

    Grouped sensitivity results name their figures ``<method>_<grouping>_<output>``.

    Parameters
    ----------
    obj : result object
        As returned by the analyses or loaded from a directory a wotsim command wrote.
    config : Config, optional
        For labels, the study name, currency and price year of results that carry no config
        (default: a mapping's ``config`` attribute, if it has one).
    lang : str
        The language of every text in the figures: ``"en"`` (default) or ``"nl"`` (labels from the
        config's translations, ``label_nl``).

    Raises
    ------
    WotsimError
        For an object that is none of these.
    """
    check_language(lang)
    if isinstance(obj, SimulationResult):
        return simulation_figures(obj, lang=lang)
    method = getattr(obj, "method", None)
    if method == "sobol" and hasattr(obj, "plan"):
        return sensitivity_figures(obj, config=config, lang=lang)
    if method in ("morris", "pawn") and hasattr(obj, "indices"):
        return sensitivity_figures(config=config, lang=lang, **{method: obj})
    if type(obj).__name__ == "Discovery" or all(hasattr(obj, a) for a in ("boxes", "sample_x", "condition")):
        return discovery_figures(obj, config=config, lang=lang)
    if type(obj).__name__ == "Comparison" or all(hasattr(obj, a) for a in ("runs", "outputs", "base")):
        return scenario_figures(obj, config=config, lang=lang)
    if isinstance(obj, Mapping):
        if config is None:  # a loaded mapping of records carries the config they were computed for
            config = getattr(obj, "config", None)
        values = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        if config is None:  # loaded value-of-information results carry the config they were computed for
            config = getattr(obj, "config", None)
        values = list(obj)
    else:
        values = [obj]
    kinds = {_kind(v) for v in values}
    if values and len(kinds) == 1:
        kind = kinds.pop()
        if kind == "oneway":
            return sensitivity_figures(oneway=values, config=config, lang=lang)
        if kind == "drivers":
            return sensitivity_figures(drivers=values, config=config, lang=lang)
        if kind == "voi":
            figures = scenario_figures(voi=values, config=config, lang=lang)
            evsi = getattr(obj, "evsi", ())  # `wotsim voi --studies --out`: the studies' figures after
            return chain(figures, evsi_figures(evsi, config=config, lang=lang)) if evsi else figures
        if kind == "evsi":
            return evsi_figures(values, config=config, lang=lang)
    raise WotsimError(f"no figures for a {type(obj).__name__}: wotsim draws simulation, sensitivity "
                      "(Sobol', Morris, PAWN, one-way, decision drivers), scenario, value-of-information and "
                      "scenario-discovery results")
