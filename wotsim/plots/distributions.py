"""Figures of a Monte Carlo run: distributions, CDFs, P(reaching each threshold), convergence, fans, stakeholders.

Every plot function takes results, ``ax=None`` and ``lang="en"`` (or ``"nl"``: every text in
Dutch, numbers with a decimal comma; :mod:`wotsim.plots.words`), draws on a
:class:`matplotlib.figure.Figure` built without pyplot (no global state) and
returns the figure.  Plotting computes nothing that matters: quantiles,
probabilities, intervals and standard errors come from the results objects
(:class:`~wotsim.results.OutputSummary`, :meth:`SimulationResult.cumulative_bands`,
:meth:`~SimulationResult.exceedance`, :meth:`~SimulationResult.convergence`).
The only arithmetic here is presentational: bin edges, axis ranges and scales.

User text (study name, labels, ids, group names, units, currency) is plain
text: it passes through :func:`~wotsim.plots.style.plain` where it is handed to
matplotlib, so a ``$`` shows as a dollar sign and mathtext never reads it; wotsim's
own mathtext (``$S_T$``, ``$n = 2^k$``) is written around the escaped pieces.

Figures are readable in greyscale: series differ by line style, marker,
hatching and luminance, never by hue alone.  Artists that carry a number get a
``gid`` (``"base"``, ``"target"``, ``"threshold"``, ``"mean"``, ``"median"``,
``"band50"``, ...) so that tests and reports can find them.  :func:`simulation_figures`
lists a run's figures.

Figures are for people: outputs and stakeholders are shown by their labels (an id without
one is humanised, :func:`~wotsim.labels.readable`); a base case that equals the published
figure is one line with one label saying so ("base case = published 1.05"), so neither hides
the other; a band too narrow to see has no legend entry (:func:`~wotsim.plots.style.band_visible`).
"""

from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._paths import file_stem
from ..errors import WotsimError
from ..formatting import count, figure_value, fixed, lower_first, money_scale, probability
from ..i18n import DEFAULT_LANGUAGE, N_, translator
from ..labels import output_label
from ..notes import note
from ..results.simulation import OutputSummary, SimulationResult
from .style import (EDGE, FILL_LIGHT, FILL_MID, UNDER_LINE, add_legend, band_visible, legend_label, money_axis,
                    new_axes, plain, ratio_label, reference_lines, root_figure, scale_word, set_title, style_axes)
from .stakeholders import fan_chart, stakeholder_chart
from .words import count_formatter, fit, percent_formatter

__all__ = ["acceptability_curve", "convergence_p", "fan_chart", "ratio_cdf", "ratio_distribution",
           "simulation_figures", "stakeholder_chart"]


# ------------------------------------------------------------------ helpers
def _is_money(summary: OutputSummary) -> bool:
    return summary.measure != "ratio"


def _summary(result: SimulationResult, output: str) -> OutputSummary:
    if output not in result.summary:
        raise WotsimError(f"unknown output {output!r}; known: {', '.join(result.summary)}")
    return result.summary[output]


def _fmt(summary: OutputSummary, x: float, currency: str = "", lang: str = DEFAULT_LANGUAGE) -> str:
    """A value of ``summary``'s output: a ratio to three decimals; money as e.g. ``€251k``, ``−€1.67M``."""
    return figure_value(summary.measure, x, currency, lang)


def _label(result: SimulationResult, summary: OutputSummary, lang: str = DEFAULT_LANGUAGE) -> str:
    """The output's label as a person reads it (its id humanised when it has none), cut to one line."""
    return fit(output_label(result.config, summary.name, lang, summary.label))


def _short(summary: OutputSummary, lang: str = DEFAULT_LANGUAGE) -> str:
    """A short noun for the output in probability statements."""
    return translator(lang)(N_("ratio") if summary.measure == "ratio" else N_("NPV"))


def _be(summary: OutputSummary) -> str:
    return "1" if summary.measure == "ratio" else "0"


def _probability_text(ax: Axes, summary: OutputSummary, *, loc: tuple[float, float] = (0.985, 0.96),
                      ha: str = "right", extra: Sequence[str] = (), lang: str = DEFAULT_LANGUAGE) -> None:
    _ = translator(lang)
    lines = [_("P({short} > {threshold}) = {p}").format(short=_short(summary, lang), threshold=_be(summary),
                                                        p=probability(summary.p_above, summary.p_above_se, lang=lang)),
             _("(± Monte Carlo standard error)"), *extra]
    box = ax.text(*loc, plain("\n".join(lines)), transform=ax.transAxes, ha=ha, va="top", fontsize=8.5,
                  bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.6", linewidth=0.6),
                  zorder=6)
    box.set_gid("p_above")


def _interval_text(summary: OutputSummary, currency: str = "", lang: str = DEFAULT_LANGUAGE) -> list[str]:
    _ = translator(lang)
    lines = [_("mean {mean}, median {median}").format(mean=_fmt(summary, summary.mean, currency, lang),
                                                      median=_fmt(summary, summary.median, currency, lang))]
    lo, hi = summary.interval(90)  # the config always adds the 5th and 95th percentiles
    lines.append(_("90% interval {low} to {high}").format(low=_fmt(summary, lo, currency, lang),
                                                          high=_fmt(summary, hi, currency, lang)))
    if summary.n_undefined:
        lines.append(_("{n} undefined draws excluded").format(n=count(summary.n_undefined, lang)))
    return lines


def _display_range(result: SimulationResult, output: str) -> tuple[float, float]:
    """The 0.1th to 99.9th percentile of the draws, widened to show base case, target and break-even."""
    t = result.exceedance(output).thresholds
    lo, hi = float(t[0]), float(t[-1])
    target = result.summary[output].target
    if target is not None:
        lo, hi = min(lo, target), max(hi, target)
    pad = 0.02 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


# ------------------------------------------------------------------ outputs
def ratio_distribution(result: SimulationResult, *, output: str, ax: Axes | None = None, bins: int = 60,
                       lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Histogram (density) of an output's draws with the base case, target and break-even marked.

    Bars above break-even are darker; a box states P(> break-even) ± its Monte
    Carlo standard error, the mean, median and 90% interval from the summary.
    The x-axis shows the 0.1th to 99.9th percentile; draws outside it are not drawn.

    Parameters
    ----------
    result : SimulationResult
    output : str
        A key of ``result.summary``: a ratio, an NPV or ``net:<stakeholder>``.
    ax : Axes, optional
    bins : int
        Approximate number of bins across the displayed range.
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    s = _summary(result, output)
    currency = result.config.study.currency
    values = result.values_of(output)
    values = values[~np.isnan(values)]
    fig, ax = new_axes(ax)
    lo, hi = _display_range(result, output)
    width = (hi - lo) / bins
    # Bin edges aligned on break-even, so the shading splits exactly there.
    k0 = math.floor((lo - s.threshold) / width)
    k1 = math.ceil((hi - s.threshold) / width)
    edges = s.threshold + width * np.arange(k0, k1 + 1)
    below = edges[edges <= s.threshold + width / 2]
    above = edges[edges >= s.threshold - width / 2]
    common = dict(density=False, edgecolor=EDGE, linewidth=0.4)
    # Densities relative to all finite draws: counts / (n * width), per display unit for money.
    unit = money_scale(max(abs(lo), abs(hi)))[0] if _is_money(s) else 1.0
    weights = np.full(values.size, unit / (values.size * width))
    # a side with no draws in the shown range draws nothing and gets no legend entry
    if below.size > 1:
        drawn = bool(np.any((values >= below[0]) & (values <= below[-1])))
        ax.hist(values, bins=below, weights=weights, color=FILL_LIGHT, gid="hist_below",
                label=legend_label(_("{short} ≤ break-even").format(short=_short(s, lang)), drawn), **common)
    if above.size > 1:
        drawn = bool(np.any((values > above[0]) & (values <= above[-1])))
        ax.hist(values, bins=above, weights=weights, color=FILL_MID, hatch="////", gid="hist_above",
                label=legend_label(_("{short} > break-even").format(short=_short(s, lang)), drawn), **common)
    reference_lines(ax, s, span=float(edges[-1] - edges[0]), mean=False, currency=currency, lang=lang)
    lo, hi = float(edges[0]), float(edges[-1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom for the legend and the text box
    ax.set_ylabel(_("Probability density"))
    label = _label(result, s, lang)
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, label, lang=lang)
        word = scale_word(money_scale(max(abs(lo), abs(hi)))[0], lang)
        ax.set_ylabel(plain(_("Probability density (per {unit})").format(unit=f"{word}{fit(currency, 12)}")))
    else:
        ax.set_xlabel(plain(ratio_label(label, lang)))
    _probability_text(ax, s, extra=_interval_text(s, currency, lang), lang=lang)
    add_legend(ax)
    set_title(ax, _("{label}: Monte Carlo distribution").format(label=label), result, lang)
    style_axes(ax, lang)
    return fig


def ratio_cdf(result: SimulationResult, *, output: str, ax: Axes | None = None, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Empirical cumulative distribution of an output with the base case, target and break-even marked.

    The point where the curve crosses break-even is marked at 1 − P(> break-even).

    Parameters
    ----------
    result : SimulationResult
    output : str
        A key of ``result.summary``.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    s = _summary(result, output)
    currency = result.config.study.currency
    values = result.values_of(output)
    values = values[~np.isnan(values)]
    fig, ax = new_axes(ax)
    line = ax.ecdf(values, color="black", linewidth=1.5, label=_("empirical CDF"))
    line.set_gid("ecdf")
    lo, hi = _display_range(result, output)
    reference_lines(ax, s, span=hi - lo, mean=False, currency=currency, lang=lang)
    point, = ax.plot([s.threshold], [1 - s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=_("P({short} ≤ {threshold}) = {p}").format(short=_short(s, lang), threshold=_be(s),
                                                                      p=fixed(1 - s.p_above, 3, lang)))
    point.set_gid("cdf_at_threshold")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.set_ylabel(_("P({short} ≤ x)").format(short=_short(s, lang)))
    ax.grid(True, color="0.9", linewidth=0.6)
    label = _label(result, s, lang)
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, f"{label}, x", lang=lang)
    else:
        ax.set_xlabel(plain(ratio_label(f"{label}, x", lang)))
    _probability_text(ax, s, loc=(0.985, 0.04), extra=_interval_text(s, currency, lang), lang=lang)
    ax.texts[-1].set_va("bottom")
    add_legend(ax)
    set_title(ax, _("{label}: cumulative distribution").format(label=label), result, lang)
    style_axes(ax, lang)
    return fig


def acceptability_curve(result: SimulationResult, *, output: str, ax: Axes | None = None,
                        lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The probability that the output reaches each threshold: P(output ≥ x) against x, with a ±2 SE band.

    Read it as "how likely is the ratio to reach at least x?" (one minus the CDF of the
    draws, :meth:`SimulationResult.exceedance`).  The point at break-even is P(> break-even)
    from the summary.  The figure is titled "probability of reaching each threshold".

    It is *not* a cost-effectiveness acceptability curve (CEAC) as BCEA and dampack draw it:
    that curve plots, against the willingness to pay per unit of effect, the probability that an
    option has the highest net benefit.  The function keeps its name (public API) and its file
    stem ``acceptability_<output>`` for compatibility.

    Parameters
    ----------
    result : SimulationResult
    output : str
        A key of ``result.summary``.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    s = _summary(result, output)
    short = _short(s, lang)
    ex = result.exceedance(output)
    fig, ax = new_axes(ax)
    lower, upper = np.clip(ex.p - 2 * ex.se, 0, 1), np.clip(ex.p + 2 * ex.se, 0, 1)
    band = ax.fill_between(ex.thresholds, lower, upper, color=FILL_MID, linewidth=0,
                           label=legend_label(_("±2 Monte Carlo SE"), band_visible(lower, upper, 1.0, UNDER_LINE)))
    band.set_gid("se_band")
    line, = ax.plot(ex.thresholds, ex.p, color="black", linewidth=1.6,
                    label=_("P({short} ≥ threshold)").format(short=short))
    line.set_gid("exceedance")
    span = float(ex.thresholds[-1] - ex.thresholds[0])
    reference_lines(ax, s, span=span, mean=False, currency=result.config.study.currency, lang=lang)
    point, = ax.plot([s.threshold], [s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=_("P({short} > {threshold}) = {p}").format(
                         short=short, threshold=_be(s), p=probability(s.p_above, s.p_above_se, lang=lang)))
    point.set_gid("p_at_threshold")
    ax.set_xlim(ex.thresholds[0], ex.thresholds[-1])
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.set_ylabel(_("Probability that the {short} reaches the threshold").format(short=short))
    ax.grid(True, color="0.9", linewidth=0.6)
    label = _label(result, s, lang)
    what = _("Threshold for the {label}").format(label=lower_first(label))
    if _is_money(s):
        money_axis(ax.xaxis, float(np.max(np.abs(ex.thresholds))), result, what, lang=lang)
    else:
        ax.set_xlabel(plain(ratio_label(what, lang)))
    add_legend(ax, loc="upper right")
    set_title(ax, _("{label}: probability of reaching each threshold").format(label=label), result, lang)
    style_axes(ax, lang)
    return fig


def convergence_p(result: SimulationResult, *, output: str, ax: Axes | Sequence[Axes] | None = None,
                  show_mean: bool = True, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """P(output > break-even) and the mean against n over nested prefixes n = 2^k, with ±2 SE bands.

    Parameters
    ----------
    result : SimulationResult
    output : str
        A key of ``result.summary``.
    ax : Axes or pair of Axes, optional
        One axes draws the probability only; two draw the probability and the mean.
        Default: a new figure with two stacked panels (one if ``show_mean`` is False).
    show_mean : bool
        Draw the mean panel when creating a new figure.

    Returns
    -------
    Figure
    """
    s = _summary(result, output)
    conv = result.convergence(output)
    if ax is None:
        fig = Figure(figsize=(7.0, 5.4 if show_mean else 4.0), layout="constrained")
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(2 if show_mean else 1, 1, sharex=True, squeeze=False)[:, 0])
    elif isinstance(ax, Axes):
        fig, axes = root_figure(ax), [ax]
    else:
        axes = list(ax)
        if not 1 <= len(axes) <= 2:
            raise WotsimError(f"ax must be one Axes or a pair, got {len(axes)}")
        fig = root_figure(axes[0])
    _ = translator(lang)
    short = _short(s, lang)
    panels = [("p", conv.p_above, conv.p_above_se, _("P({short} > {threshold})").format(short=short,
                                                                                        threshold=_be(s)))]
    if len(axes) == 2:
        panels.append(("mean", conv.mean, conv.mean_se, _("Mean {short}").format(short=short)))
    for a, (gid, est, se, ylabel) in zip(axes, panels):
        lower, upper = est - 2 * se, est + 2 * se
        span = float(np.nanmax(upper) - np.nanmin(lower)) if np.any(np.isfinite(upper)) else 0.0
        band = a.fill_between(conv.n, lower, upper, color=FILL_LIGHT, edgecolor=FILL_MID, linewidth=0.6,
                              label=legend_label(_("±2 SE"), band_visible(lower, upper, span, UNDER_LINE)))
        band.set_gid(f"{gid}_band")
        line, = a.plot(conv.n, est, color="black", marker="o", markersize=3.5, linewidth=1.3, label=_("estimate"))
        line.set_gid(f"{gid}_line")
        final_value = _fmt(s, est[-1], result.config.study.currency, lang) if gid == "mean" else \
            fixed(est[-1], 3, lang)
        final = a.axhline(est[-1], color="0.35", linestyle=(0, (1, 1.5)), linewidth=1.2,
                          label=plain(_("all {n} draws: {value}").format(n=count(int(conv.n[-1]), lang),
                                                                         value=final_value)))
        final.set_gid(f"{gid}_final")
        a.set_xscale("log", base=2)
        a.set_ylabel(ylabel)
        a.grid(True, color="0.9", linewidth=0.6)
        if gid == "p":
            a.yaxis.set_major_formatter(percent_formatter(lang, decimals=0))
        elif _is_money(s):
            money_axis(a.yaxis, float(np.nanmax(np.abs(est) + 2 * se)), result, ylabel, details=False, lang=lang)
        add_legend(a, loc="upper right", ncols=3)
        style_axes(a, lang)
    axes[-1].xaxis.set_major_formatter(count_formatter(lang))
    axes[-1].set_xlabel(_("Number of draws $n$ (nested prefixes, $n = 2^k$)"))
    set_title(axes[0], _("{label}: convergence of the Monte Carlo estimates").format(label=_label(result, s, lang)),
              result, lang)
    axes[-1].annotate(plain(_("±2 SE, {method}").format(method=note(result.se_method, lang))), xy=(0, 0),
                      xycoords="axes fraction", xytext=(0, -30), textcoords="offset points",
                      fontsize=7.5, color="0.3", va="top")
    return fig


# ------------------------------------------------------------------ collection
def simulation_figures(result: SimulationResult, *, lang: str = DEFAULT_LANGUAGE) -> Iterator[tuple[str, Figure]]:
    """The standard figures of a Monte Carlo run, one at a time, as ``(file stem, figure)``.

    Per config output: distribution, CDF, the probability of reaching each threshold
    (:func:`acceptability_curve`, stem ``acceptability_<output>``), convergence;
    the same for the total NPV; fan charts for the total and per stakeholder;
    the stakeholder chart.  Outputs without a defined draw are skipped.  A generator, so a caller can save and drop each
    figure before the next is drawn.  ``lang``: the language of every text in the figures (``"en"`` or ``"nl"``).
    """
    outputs = list(result.config.outputs)
    if "npv" not in outputs:
        outputs.append("npv")
    for name in outputs:
        if result.summary[name].n == 0:  # every draw undefined (a ratio whose costs are never > 0): nothing to draw
            continue
        stem = file_stem(name, "output")
        yield f"distribution_{stem}", ratio_distribution(result, output=name, lang=lang)
        yield f"cdf_{stem}", ratio_cdf(result, output=name, lang=lang)
        yield f"acceptability_{stem}", acceptability_curve(result, output=name, lang=lang)
        yield f"convergence_{stem}", convergence_p(result, output=name, lang=lang)
    yield "fan_total", fan_chart(result, lang=lang)
    for sid in result.config.stakeholders:
        yield f"fan_{file_stem(sid, 'stakeholder')}", fan_chart(result, sid, lang=lang)
    yield "stakeholders", stakeholder_chart(result, lang=lang)
