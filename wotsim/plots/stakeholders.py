"""Figures of a Monte Carlo run by stakeholder and year: fan charts of the cumulative net value, and who pays
and who gains.

As the other figures of a run (:mod:`wotsim.plots.distributions`, which lists them all in
:func:`~wotsim.plots.distributions.simulation_figures`): they take a
:class:`~wotsim.results.SimulationResult`, ``ax=None`` and ``lang``, compute nothing that matters
(bands, means, intervals and probabilities come from the result) and return the figure.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..formatting import share_pm, written
from ..i18n import DEFAULT_LANGUAGE, translator
from ..labels import stakeholder_label
from ..results.simulation import SimulationResult
from .style import (EDGE, FILL_DARK, FILL_LIGHT, FILL_MID, add_column, add_legend, add_note, band_visible,
                    legend_below, legend_label, money_axis, new_axes, plain, set_title, style_axes, wrap)
from .words import fit

__all__ = ["fan_chart", "stakeholder_chart"]


def fan_chart(result: SimulationResult, stakeholder: str | None = None, *, ax: Axes | None = None,
              levels: tuple[float, float] = (50.0, 90.0), lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Cumulative discounted net value by year: median, central bands and the base case.

    Parameters
    ----------
    result : SimulationResult
    stakeholder : str, optional
        A stakeholder id; default: all stakeholders together.
    ax : Axes, optional
    levels : tuple of float
        Central interval levels in percent, drawn from the widest (lightest) to the narrowest.
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    bands = result.cumulative_bands(stakeholder, levels)
    fig, ax = new_axes(ax)
    order = np.argsort(bands.levels)[::-1]  # widest first, underneath
    fills = [FILL_LIGHT, FILL_MID, FILL_DARK]
    drawn = np.concatenate([bands.lower.ravel(), bands.upper.ravel(), bands.median, bands.base])
    span = float(np.nanmax(drawn) - np.nanmin(drawn))
    for rank, i in enumerate(order):
        level = bands.levels[i]
        visible = band_visible(bands.lower[i], bands.upper[i], span)  # a deterministic stakeholder: no band
        name = _("{level}% interval").format(level=written(level, lang))
        poly = ax.fill_between(bands.years, bands.lower[i], bands.upper[i], color=fills[min(rank, 2)],
                               linewidth=0, label=legend_label(name, visible), zorder=1 + rank)
        poly.set_gid(f"band{level:g}")
    med, = ax.plot(bands.years, bands.median, color="black", linewidth=1.8, marker="o", markersize=4,
                   label=_("median"), zorder=5)
    med.set_gid("median")
    base, = ax.plot(bands.years, bands.base, color="black", linewidth=1.3, linestyle=(0, (5, 2)), marker="s",
                    markersize=4, markerfacecolor="white", label=_("base case"), zorder=6)
    base.set_gid("base")
    zero = ax.axhline(0, color="0.3", linewidth=0.8, zorder=0.5)
    zero.set_gid("zero")
    ax.set_xlim(bands.years[0] - 0.2, bands.years[-1] + 0.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("Year (0 = first year; amounts discounted to year 0)"))
    magnitude = float(max(np.max(np.abs(bands.lower)), np.max(np.abs(bands.upper))))
    money_axis(ax.yaxis, magnitude, result, _("Cumulative net value"), present_value=False, lang=lang)
    ax.grid(True, axis="y", color="0.9", linewidth=0.6)
    who = _("all stakeholders") if stakeholder is None else fit(stakeholder_label(result.config, stakeholder, lang))
    set_title(ax, _("Cumulative net value by year: {who}").format(who=who), result, lang)
    add_legend(ax, loc="upper left")
    style_axes(ax, lang)
    return fig


def stakeholder_chart(result: SimulationResult, *, ax: Axes | None = None, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Who pays and who gains: net present value per stakeholder, and how likely each is to gain.

    Bars are the base case; diamonds the Monte Carlo mean with whiskers over
    the 90% interval (5th to 95th percentile) from the summaries.  A column of
    text right of the bars gives P(net > 0) per stakeholder (gid ``"p_gain"``):
    the share of the draws in which the stakeholder gains, with its Monte Carlo
    standard error (:attr:`OutputSummary.p_above` of ``net:<stakeholder>``).

    Parameters
    ----------
    result : SimulationResult
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    cfg = result.config
    ids = list(cfg.stakeholders)
    summaries = [result.summary[f"net:{sid}"] for sid in ids]
    k = len(ids)
    fig, ax = new_axes(ax, figsize=(7.0, max(3.8, 2.2 + 0.55 * k)))
    y = np.arange(k)
    base = np.array([s.base for s in summaries])
    mean = np.array([s.mean for s in summaries])
    lo = np.array([s.interval(90)[0] for s in summaries])
    hi = np.array([s.interval(90)[1] for s in summaries])
    magnitude = float(max(np.max(np.abs(lo)), np.max(np.abs(hi)), np.max(np.abs(base))))
    bars = ax.barh(y, base, height=0.55, color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.6, hatch="///",
                   label=_("base case"), zorder=2)
    for patch in bars:
        patch.set_gid("base")
    whiskers = band_visible(lo, hi, 2 * magnitude)
    err = ax.errorbar(mean, y, xerr=[mean - lo, hi - mean], fmt="D", color="black", markersize=5,
                      markerfacecolor="black", ecolor="black", elinewidth=1.2, capsize=4 if whiskers else 0, zorder=4,
                      label=_("mean with 90% interval") if whiskers else _("mean"))
    err.lines[0].set_gid("mean")
    zero = ax.axvline(0, color="0.3", linewidth=0.8, zorder=1)
    zero.set_gid("zero")
    ax.set_yticks(y, [plain(wrap(stakeholder_label(cfg, sid, lang), 30)) for sid in ids], fontsize=8.5)
    ax.set_ylim(k - 0.45, -1.3)  # inverted, with a free row on top for the column header
    add_column(ax, 8, _("P(net > 0)"), [(float(y[i]), share_pm(s.p_above, s.p_above_se, lang), "p_gain", {})
                                        for i, s in enumerate(summaries)])
    money_axis(ax.xaxis, magnitude, result, _("Net value"), lang=lang)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    set_title(ax, _("Who pays and who gains: net value per stakeholder"), result, lang)
    legend_below(ax, ncols=2)
    add_note(ax, [_("P(net > 0): the share of the Monte Carlo draws in which the stakeholder gains "
                    "(± Monte Carlo standard error).")], offset=52)
    style_axes(ax, lang)
    return fig
