"""Is a study worth it?  The value of sample information against the study size.

:func:`evsi_curve` draws one study for one decision from a
:class:`~wotsim.analysis.evsi.EvsiResult` (read by attribute: plots never import analysis):
the population EVSI and the ENBS (expected net benefit of sampling) at each study size on a
logarithmic axis, each with a ±2 standard-error band, the study's cost, the population EVPPI of
what the study measures as the ceiling no study can pass, and the best size marked (or, when no
size is worth its cost, a line saying so).  :func:`evsi_figures` lists the figures of several.
Greyscale, labels not ids, every text in ``lang``.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from .._paths import file_stem
from ..formatting import count, figure_value
from ..i18n import DEFAULT_LANGUAGE, ngettext, translator
from ..labels import label_of, parameter_label, readable, text_of
from .style import (EDGE, FILL_LIGHT, FILL_MID, LINES, add_note, as_list, join_subtitle, legend_below, money_label,
                    new_axes, plain, style_axes, titled)
from .words import count_formatter, fit, study_name

__all__ = ["evsi_curve", "evsi_figures"]


def evsi_curve(result, *, config=None, ax: Axes | None = None, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Population EVSI and ENBS against the study size, with the cost, the EVPPI ceiling and the best size.

    Parameters
    ----------
    result : wotsim.analysis.evsi.EvsiResult
        One study and one decision.
    config : Config, optional
        For the labels of the study, its parameters and the decision's scenario, the study name, the
        price year and the unit of analysis (without it, the labels the result carries).
    ax : Axes, optional
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
        Its artists carry gids: ``evsi`` and ``enbs`` (the lines), ``evsi_band`` and ``enbs_band`` (±2 se),
        ``cost``, ``ceiling`` (the population EVPPI), ``zero``, ``best`` (the best size's marker, absent when
        none is worth it) and ``no_size`` (the text saying so).
    """
    _ = translator(lang)
    r = result
    x = np.asarray(r.sizes, dtype=float)
    pop = np.asarray(r.population_evsi, dtype=float)
    se = np.asarray(r.population_evsi_se, dtype=float)
    enbs = np.asarray(r.enbs, dtype=float)
    cost = np.asarray(r.cost, dtype=float)
    fig, ax = new_axes(ax, figsize=(7.0, 5.0))
    currency = r.currency

    ax.fill_between(x, pop - 2 * se, pop + 2 * se, color=FILL_LIGHT, linewidth=0, zorder=1,
                    label=_("±2 standard errors")).set_gid("evsi_band")
    ax.fill_between(x, enbs - 2 * se, enbs + 2 * se, facecolor="none", edgecolor=FILL_MID, hatch="////",
                    linewidth=0, zorder=1).set_gid("enbs_band")
    ax.plot(x, pop, "-o", color="black", markersize=4.5, linewidth=1.6, zorder=4,
            label=_("population EVSI"))[0].set_gid("evsi")
    ax.plot(x, enbs, "--s", color="0.25", markerfacecolor="white", markersize=4.5, linewidth=1.4, zorder=4,
            label=_("ENBS = population EVSI − study cost"))[0].set_gid("enbs")
    ax.plot(x, cost, ":", color="0.45", linewidth=1.6, zorder=3, label=_("study cost"))[0].set_gid("cost")
    style, colour, width = LINES["target"]
    ax.axhline(r.population_evppi, linestyle=style, color=colour, linewidth=width, zorder=3,
               label=plain(_("population EVPPI of what it measures: {value} (the ceiling)").format(
                   value=figure_value("npv", r.population_evppi, currency, lang)))).set_gid("ceiling")
    ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=2).set_gid("zero")
    if r.best_size is not None:
        j = list(r.sizes).index(r.best_size)
        ax.plot([x[j]], [enbs[j]], marker="*", markersize=15, color="black", markeredgecolor="white",
                linestyle="none", zorder=6, label=_("best size"))[0].set_gid("best")
        ax.annotate(plain(_("best: n = {n}, ENBS {enbs}").format(
            n=count(r.best_size, lang), enbs=figure_value("npv", enbs[j], currency, lang))),
            xy=(x[j], enbs[j]), xytext=(0, -16), textcoords="offset points", ha="center", va="top", fontsize=8,
            gid="best_label", bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.85))
    else:
        ax.annotate(plain(_("No size is worth its cost: every ENBS is below 0.")), xy=(0.02, 0.04),
                    xycoords="axes fraction", ha="left", va="bottom", fontsize=8.5, fontweight="bold", gid="no_size",
                    bbox=dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor=EDGE, linewidth=0.6))

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(x))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(count_formatter(lang))
    ax.set_xlim(x.min() / 1.25, x.max() * 1.25)
    ax.set_xlabel(_("study size n (log scale)"))
    values = np.concatenate([pop + 2 * se, enbs - 2 * se, cost, [r.population_evppi, 0.0]])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.06 * (hi - lo) if hi > lo else 1.0
    ax.set_ylim(lo - pad, hi + pad)
    cohorts = ngettext("over {n} cohort", "over {n} cohorts", r.cohorts, lang).format(n=count(r.cohorts, lang))
    money_label(ax.yaxis, max(abs(lo), abs(hi)), currency, getattr(getattr(config, "study", None), "price_year", None),
                _("Value {cohorts}").format(cohorts=cohorts), lang=lang)
    ax.yaxis.set_label_text(ax.yaxis.get_label_text().replace(" (", "\n(", 1))  # two lines: the axis is short
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, offset=34, ncols=2)

    label = fit(label_of(config, "studies", r.study, lang) if config is not None else readable(r.label, r.study))
    titled(ax, _("Is a study worth it? {study}").format(study=label),
           join_subtitle(study_name(config, lang=lang), _decision(r, lang),
                         ngettext("{n} draw", "{n} draws", r.n, lang).format(n=count(r.n, lang)), width=70))
    unit = text_of(config, "study", "", "unit_of_analysis", lang)
    measured = ", ".join(parameter_label(config, p, lang) if config is not None else readable("", p) for p in r.informs)
    add_note(ax, [
        _("It measures: {parameters}. EVSI ({per}): the expected gain of deciding after the study instead of "
          "now, by regression on the study's simulated summary statistic; population: {cohorts} (later cohorts "
          "discounted). ENBS: population EVSI minus the study's cost; the bands: ±2 standard errors.").format(
            parameters=fit(measured, 90), per=unit or _("per unit of analysis"), cohorts=cohorts)], offset=96)
    style_axes(ax, lang)
    return fig


def _decision(r, lang: str) -> str:
    """The decision the study informs, briefly: keep or stop, or adopt a scenario (by its id humanised)."""
    _ = translator(lang)
    if r.decision == "keep":
        return _("decision: keep or stop")
    scenario = r.decision.split(":", 1)[1] if ":" in r.decision else r.decision
    return _("decision: adopt “{scenario}”").format(scenario=fit(readable("", scenario), 40))


def evsi_figures(evsi: Sequence | object, *, config=None, lang: str = DEFAULT_LANGUAGE
                 ) -> Iterator[tuple[str, Figure]]:
    """``evsi_<study>_<decision>`` (e.g. ``evsi_placement_followup_keep``) for each result, one at a time."""
    for r in as_list(evsi):
        yield (f"evsi_{file_stem(r.study, 'study')}_{file_stem(r.decision, 'value-of-information decision')}",
               evsi_curve(r, config=config, lang=lang))
