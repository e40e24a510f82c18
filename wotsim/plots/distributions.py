"""Figures of a Monte Carlo run: distributions, CDFs, P(reaching each threshold), convergence, fans, stakeholders.

Every plot function takes results and ``ax=None``, draws on a
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
one is humanised, :func:`~wotsim.plots.style.readable`); a base case that equals the published
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
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .._paths import file_stem
from ..errors import WotsimError
from ..formatting import figure_value, lower_first, money_scale, probability, share_pm
from ..results.simulation import OutputSummary, SimulationResult
from .style import (EDGE, FILL_DARK, FILL_LIGHT, FILL_MID, UNDER_LINE, add_column, add_note, add_legend,
                    band_visible, fit, legend_below, legend_label, money_axis, new_axes, plain, ratio_label, readable,
                    reference_lines, root_figure, set_title, stakeholder_label, style_axes, wrap)

__all__ = ["acceptability_curve", "convergence_p", "fan_chart", "ratio_cdf", "ratio_distribution",
           "simulation_figures", "stakeholder_chart"]


# ------------------------------------------------------------------ helpers
def _is_money(summary: OutputSummary) -> bool:
    return summary.measure != "ratio"


def _summary(result: SimulationResult, output: str) -> OutputSummary:
    if output not in result.summary:
        raise WotsimError(f"unknown output {output!r}; known: {', '.join(result.summary)}")
    return result.summary[output]


def _fmt(summary: OutputSummary, x: float, currency: str = "") -> str:
    """A value of ``summary``'s output: a ratio to three decimals; money as e.g. ``€251k``, ``−€1.67M``."""
    return figure_value(summary.measure, x, currency)


def _label(summary: OutputSummary) -> str:
    """The output's label as a person reads it (its id humanised when it has none), cut to one line."""
    return fit(readable(summary.label, summary.name))


def _short(summary: OutputSummary) -> str:
    """A short noun for the output in probability statements."""
    if summary.measure == "ratio":
        return "ratio"
    return "NPV"


def _probability_text(ax: Axes, summary: OutputSummary, *, loc: tuple[float, float] = (0.985, 0.96),
                      ha: str = "right", extra: Sequence[str] = ()) -> None:
    be = "1" if summary.measure == "ratio" else "0"
    lines = [f"P({_short(summary)} > {be}) = {probability(summary.p_above, summary.p_above_se)}",
             "(± Monte Carlo standard error)", *extra]
    box = ax.text(*loc, plain("\n".join(lines)), transform=ax.transAxes, ha=ha, va="top", fontsize=8.5,
                  bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.6", linewidth=0.6),
                  zorder=6)
    box.set_gid("p_above")


def _interval_text(summary: OutputSummary, currency: str = "") -> list[str]:
    lines = [f"mean {_fmt(summary, summary.mean, currency)}, median {_fmt(summary, summary.median, currency)}"]
    lo, hi = summary.interval(90)  # the config always adds the 5th and 95th percentiles
    lines.append(f"90% interval {_fmt(summary, lo, currency)} to {_fmt(summary, hi, currency)}")
    if summary.n_undefined:
        lines.append(f"{summary.n_undefined:,} undefined draws excluded")
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
def ratio_distribution(result: SimulationResult, *, output: str, ax: Axes | None = None, bins: int = 60) -> Figure:
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

    Returns
    -------
    Figure
    """
    s = _summary(result, output)
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
                label=legend_label(f"{_short(s)} ≤ break-even", drawn), **common)
    if above.size > 1:
        drawn = bool(np.any((values > above[0]) & (values <= above[-1])))
        ax.hist(values, bins=above, weights=weights, color=FILL_MID, hatch="////", gid="hist_above",
                label=legend_label(f"{_short(s)} > break-even", drawn), **common)
    reference_lines(ax, s, span=float(edges[-1] - edges[0]), mean=False, currency=result.config.study.currency)
    lo, hi = float(edges[0]), float(edges[-1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom for the legend and the text box
    ax.set_ylabel("Probability density")
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, _label(s))
        word = money_scale(max(abs(lo), abs(hi)))[1]
        ax.set_ylabel(plain(f"Probability density (per {word}{fit(result.config.study.currency, 12)})"))
    else:
        ax.set_xlabel(plain(ratio_label(_label(s))))
    _probability_text(ax, s, extra=_interval_text(s, result.config.study.currency))
    add_legend(ax)
    set_title(ax, f"{_label(s)}: Monte Carlo distribution", result)
    style_axes(ax)
    return fig


def ratio_cdf(result: SimulationResult, *, output: str, ax: Axes | None = None) -> Figure:
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
    s = _summary(result, output)
    values = result.values_of(output)
    values = values[~np.isnan(values)]
    fig, ax = new_axes(ax)
    line = ax.ecdf(values, color="black", linewidth=1.5, label="empirical CDF")
    line.set_gid("ecdf")
    lo, hi = _display_range(result, output)
    reference_lines(ax, s, span=hi - lo, mean=False, currency=result.config.study.currency)
    point, = ax.plot([s.threshold], [1 - s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=f"P({_short(s)} ≤ {'1' if s.measure == 'ratio' else '0'}) = {1 - s.p_above:.3f}")
    point.set_gid("cdf_at_threshold")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(f"P({_short(s)} ≤ x)")
    ax.grid(True, color="0.9", linewidth=0.6)
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, f"{_label(s)}, x")
    else:
        ax.set_xlabel(plain(ratio_label(f"{_label(s)}, x")))
    _probability_text(ax, s, loc=(0.985, 0.04), extra=_interval_text(s, result.config.study.currency))
    ax.texts[-1].set_va("bottom")
    add_legend(ax)
    set_title(ax, f"{_label(s)}: cumulative distribution", result)
    style_axes(ax)
    return fig


def acceptability_curve(result: SimulationResult, *, output: str, ax: Axes | None = None) -> Figure:
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
    s = _summary(result, output)
    ex = result.exceedance(output)
    fig, ax = new_axes(ax)
    lower, upper = np.clip(ex.p - 2 * ex.se, 0, 1), np.clip(ex.p + 2 * ex.se, 0, 1)
    band = ax.fill_between(ex.thresholds, lower, upper, color=FILL_MID, linewidth=0,
                           label=legend_label("±2 Monte Carlo SE", band_visible(lower, upper, 1.0, UNDER_LINE)))
    band.set_gid("se_band")
    line, = ax.plot(ex.thresholds, ex.p, color="black", linewidth=1.6, label=f"P({_short(s)} ≥ threshold)")
    line.set_gid("exceedance")
    span = float(ex.thresholds[-1] - ex.thresholds[0])
    reference_lines(ax, s, span=span, mean=False, currency=result.config.study.currency)
    be = "1" if s.measure == "ratio" else "0"
    point, = ax.plot([s.threshold], [s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=f"P({_short(s)} > {be}) = {probability(s.p_above, s.p_above_se)}")
    point.set_gid("p_at_threshold")
    ax.set_xlim(ex.thresholds[0], ex.thresholds[-1])
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(f"Probability that the {_short(s)} reaches the threshold")
    ax.grid(True, color="0.9", linewidth=0.6)
    what = f"Threshold for the {lower_first(_label(s))}"
    if _is_money(s):
        money_axis(ax.xaxis, float(np.max(np.abs(ex.thresholds))), result, what)
    else:
        ax.set_xlabel(plain(ratio_label(what)))
    add_legend(ax, loc="upper right")
    set_title(ax, f"{_label(s)}: probability of reaching each threshold", result)
    style_axes(ax)
    return fig


def convergence_p(result: SimulationResult, *, output: str, ax: Axes | Sequence[Axes] | None = None,
                  show_mean: bool = True) -> Figure:
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
    be = "1" if s.measure == "ratio" else "0"
    panels = [("p", conv.p_above, conv.p_above_se, f"P({_short(s)} > {be})")]
    if len(axes) == 2:
        panels.append(("mean", conv.mean, conv.mean_se, f"Mean {_short(s)}"))
    for a, (gid, est, se, ylabel) in zip(axes, panels):
        lower, upper = est - 2 * se, est + 2 * se
        span = float(np.nanmax(upper) - np.nanmin(lower)) if np.any(np.isfinite(upper)) else 0.0
        band = a.fill_between(conv.n, lower, upper, color=FILL_LIGHT, edgecolor=FILL_MID, linewidth=0.6,
                              label=legend_label("±2 SE", band_visible(lower, upper, span, UNDER_LINE)))
        band.set_gid(f"{gid}_band")
        line, = a.plot(conv.n, est, color="black", marker="o", markersize=3.5, linewidth=1.3, label="estimate")
        line.set_gid(f"{gid}_line")
        value = _fmt(s, est[-1], result.config.study.currency) if gid == "mean" else f"{est[-1]:.3f}"
        final = a.axhline(est[-1], color="0.35", linestyle=(0, (1, 1.5)), linewidth=1.2,
                          label=plain(f"all {conv.n[-1]:,} draws: {value}"))
        final.set_gid(f"{gid}_final")
        a.set_xscale("log", base=2)
        a.set_ylabel(ylabel)
        a.grid(True, color="0.9", linewidth=0.6)
        if gid == "p":
            a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        elif _is_money(s):
            money_axis(a.yaxis, float(np.nanmax(np.abs(est) + 2 * se)), result, f"Mean {_short(s)}", details=False)
        add_legend(a, loc="upper right", ncols=3)
        style_axes(a)
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    axes[-1].set_xlabel("Number of draws $n$ (nested prefixes, $n = 2^k$)")
    set_title(axes[0], f"{_label(s)}: convergence of the Monte Carlo estimates", result)
    note = f"±2 SE, {result.se_method}"
    axes[-1].annotate(plain(note), xy=(0, 0), xycoords="axes fraction", xytext=(0, -30), textcoords="offset points",
                      fontsize=7.5, color="0.3", va="top")
    return fig


# ------------------------------------------------------------------ stakeholders and time
def fan_chart(result: SimulationResult, stakeholder: str | None = None, *, ax: Axes | None = None,
              levels: tuple[float, float] = (50.0, 90.0)) -> Figure:
    """Cumulative discounted net value by year: median, central bands and the base case.

    Parameters
    ----------
    result : SimulationResult
    stakeholder : str, optional
        A stakeholder id; default: all stakeholders together.
    ax : Axes, optional
    levels : tuple of float
        Central interval levels in percent, drawn from the widest (lightest) to the narrowest.

    Returns
    -------
    Figure
    """
    bands = result.cumulative_bands(stakeholder, levels)
    fig, ax = new_axes(ax)
    order = np.argsort(bands.levels)[::-1]  # widest first, underneath
    fills = [FILL_LIGHT, FILL_MID, FILL_DARK]
    drawn = np.concatenate([bands.lower.ravel(), bands.upper.ravel(), bands.median, bands.base])
    span = float(np.nanmax(drawn) - np.nanmin(drawn))
    for rank, i in enumerate(order):
        level = bands.levels[i]
        visible = band_visible(bands.lower[i], bands.upper[i], span)  # a deterministic stakeholder: no band
        poly = ax.fill_between(bands.years, bands.lower[i], bands.upper[i], color=fills[min(rank, 2)],
                               linewidth=0, label=legend_label(f"{level:g}% interval", visible), zorder=1 + rank)
        poly.set_gid(f"band{level:g}")
    med, = ax.plot(bands.years, bands.median, color="black", linewidth=1.8, marker="o", markersize=4,
                   label="median", zorder=5)
    med.set_gid("median")
    base, = ax.plot(bands.years, bands.base, color="black", linewidth=1.3, linestyle=(0, (5, 2)), marker="s",
                    markersize=4, markerfacecolor="white", label="base case", zorder=6)
    base.set_gid("base")
    zero = ax.axhline(0, color="0.3", linewidth=0.8, zorder=0.5)
    zero.set_gid("zero")
    ax.set_xlim(bands.years[0] - 0.2, bands.years[-1] + 0.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Year (0 = first year; amounts discounted to year 0)")
    magnitude = float(max(np.max(np.abs(bands.lower)), np.max(np.abs(bands.upper))))
    money_axis(ax.yaxis, magnitude, result, "Cumulative net value", present_value=False)
    ax.grid(True, axis="y", color="0.9", linewidth=0.6)
    who = "all stakeholders" if stakeholder is None else fit(stakeholder_label(result.config, stakeholder))
    set_title(ax, f"Cumulative net value by year: {who}", result)
    add_legend(ax, loc="upper left")
    style_axes(ax)
    return fig


def stakeholder_chart(result: SimulationResult, *, ax: Axes | None = None) -> Figure:
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
                   label="base case", zorder=2)
    for patch in bars:
        patch.set_gid("base")
    whiskers = band_visible(lo, hi, 2 * magnitude)
    err = ax.errorbar(mean, y, xerr=[mean - lo, hi - mean], fmt="D", color="black", markersize=5,
                      markerfacecolor="black", ecolor="black", elinewidth=1.2, capsize=4 if whiskers else 0, zorder=4,
                      label="mean with 90% interval" if whiskers else "mean")
    err.lines[0].set_gid("mean")
    zero = ax.axvline(0, color="0.3", linewidth=0.8, zorder=1)
    zero.set_gid("zero")
    ax.set_yticks(y, [plain(wrap(stakeholder_label(cfg, sid), 30)) for sid in ids], fontsize=8.5)
    ax.set_ylim(k - 0.45, -1.3)  # inverted, with a free row on top for the column header
    add_column(ax, 8, "P(net > 0)", [(float(y[i]), share_pm(s.p_above, s.p_above_se), "p_gain", {})
                                     for i, s in enumerate(summaries)])
    money_axis(ax.xaxis, magnitude, result, "Net value")
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    set_title(ax, "Who pays and who gains: net value per stakeholder", result)
    legend_below(ax, ncols=2)
    add_note(ax, ["P(net > 0): the share of the Monte Carlo draws in which the stakeholder gains "
                  "(± Monte Carlo standard error)."], offset=52)
    style_axes(ax)
    return fig


# ------------------------------------------------------------------ collection
def simulation_figures(result: SimulationResult) -> Iterator[tuple[str, Figure]]:
    """The standard figures of a Monte Carlo run, one at a time, as ``(file stem, figure)``.

    Per config output: distribution, CDF, the probability of reaching each threshold
    (:func:`acceptability_curve`, stem ``acceptability_<output>``), convergence;
    the same for the total NPV; fan charts for the total and per stakeholder;
    the stakeholder chart.  Outputs without a defined draw are skipped.  A generator, so a caller can save and drop each
    figure before the next is drawn.
    """
    outputs = list(result.config.outputs)
    if "npv" not in outputs:
        outputs.append("npv")
    for name in outputs:
        if result.summary[name].n == 0:  # every draw undefined (a ratio whose costs are never > 0): nothing to draw
            continue
        stem = file_stem(name, "output")
        yield f"distribution_{stem}", ratio_distribution(result, output=name)
        yield f"cdf_{stem}", ratio_cdf(result, output=name)
        yield f"acceptability_{stem}", acceptability_curve(result, output=name)
        yield f"convergence_{stem}", convergence_p(result, output=name)
    yield "fan_total", fan_chart(result)
    for sid in result.config.stakeholders:
        yield f"fan_{file_stem(sid, 'stakeholder')}", fan_chart(result, sid)
    yield "stakeholders", stakeholder_chart(result)
