"""Figures of Monte Carlo results.

Every plot function takes results and ``ax=None``, draws on a
:class:`matplotlib.figure.Figure` built without pyplot (no global state) and
returns the figure.  Plotting computes nothing that matters: quantiles,
probabilities, intervals and standard errors come from the results objects
(:class:`~wotsim.results.OutputSummary`, :meth:`SimulationResult.cumulative_bands`,
:meth:`~SimulationResult.exceedance`, :meth:`~SimulationResult.convergence`).
The only arithmetic here is presentational: bin edges, axis ranges and scales.

Figures are readable in greyscale: series differ by line style, marker,
hatching and luminance, never by hue alone.  Artists that carry a number get a
``gid`` (``"base"``, ``"target"``, ``"threshold"``, ``"mean"``, ``"median"``,
``"band50"``, ...) so that tests and reports can find them.

New plot functions (sensitivity, scenarios, value of information) belong
beside these, built on the helpers :func:`new_axes`, :func:`money_axis` and
:func:`set_title`, and listed in a ``*_figures`` generator like
:func:`simulation_figures`.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from pathlib import Path
from typing import Iterator, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from .errors import WotsimError
from .results import OutputSummary, SimulationResult

__all__ = [
    "acceptability_curve",
    "convergence_p",
    "fan_chart",
    "money_axis",
    "new_axes",
    "ratio_cdf",
    "ratio_distribution",
    "save_figure",
    "set_title",
    "simulation_figures",
    "stakeholder_chart",
]

#: Default figure size in inches (width, height).
FIGSIZE = (7.0, 4.0)

# Greyscale palette: fills light to dark, lines black or dark grey.
_FILL_LIGHT = "0.85"
_FILL_MID = "0.62"
_FILL_DARK = "0.40"
_EDGE = "0.30"

# Reference lines: (line style, colour, width) by role.
_LINES = {
    "base": ((0, (4, 1.2, 1.2, 1.2)), "black", 1.8),
    "target": ((0, (5, 2)), "black", 1.4),
    "threshold": ((0, (1, 1.5)), "0.25", 1.6),
    "mean": ((0, (6, 2, 1, 2)), "0.45", 1.4),
}

_MINUS = "\u2212"


# ------------------------------------------------------------------ helpers
def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """Return ``(figure, ax)``: the given axes and their figure, or a new figure with one axes.

    New figures use constrained layout and an Agg canvas; pyplot is never touched.
    """
    if ax is not None:
        return _root_figure(ax), ax
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _root_figure(ax: Axes) -> Figure:
    """The top-level figure of ``ax`` (also when it sits in a subfigure), on matplotlib >= 3.8."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10 has no ``root``; ``.figure`` of a subfigure is its parent
        fig = ax.figure
        while not isinstance(fig, Figure):
            fig = fig.figure
        return fig


def set_title(ax: Axes, what: str, result: SimulationResult) -> None:
    """A two-line title: what is shown, then the study, the number of draws and the design."""
    study = result.config.study.name
    ax.set_title(what, loc="left", fontsize=11 if len(what) <= 58 else 10, fontweight="bold", pad=16)
    sub = ax.annotate(f"{study} · {result.n:,} {result.sampler} samples", xy=(0, 1), xycoords="axes fraction",
                      xytext=(0, 5), textcoords="offset points", ha="left", va="bottom", fontsize=8.5,
                      color="0.3")
    sub.set_gid("subtitle")


def _money_scale(magnitude: float) -> tuple[float, str]:
    if magnitude >= 1e6:
        return 1e6, "million "
    if magnitude >= 1e4:
        return 1e3, "thousand "
    return 1.0, ""


def money_axis(axis, magnitude: float, result: SimulationResult, what: str, *, present_value: bool = True,
               details: bool = True) -> None:
    """Label ``axis`` (``ax.xaxis`` or ``ax.yaxis``) as money with a readable scale.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
    magnitude : float
        Largest absolute value shown; picks units, thousands or millions.
    result : SimulationResult
        For the currency and price year.
    what : str
        The quantity, e.g. ``"Net present value"``.
    present_value : bool
        Say "present value" in the label (unless ``what`` already does).
    details : bool
        Add the price year and "present value"; False for cramped panels.
    """
    study = result.config.study
    scale, word = _money_scale(abs(magnitude) if math.isfinite(magnitude) else 0.0)
    parts = [f"{word}{study.currency}"]
    if study.price_year and details:
        parts.append(f"{study.price_year} prices")
    if present_value and details and "present value" not in what.lower():
        parts.append("present value")
    axis.set_label_text(f"{what} ({', '.join(parts)})")
    axis.set_major_formatter(_ScaledFormatter(scale))


class _ScaledFormatter(Formatter):
    """Tick labels divided by ``scale``, with thousands separators and as many decimals as the tick step needs."""

    def __init__(self, scale: float):
        self.scale = scale
        self._ticks = np.empty(0)

    def set_locs(self, locs) -> None:
        self._ticks = np.sort(np.asarray(locs, dtype=float))

    def __call__(self, x: float, pos: int | None = None) -> str:
        locs = self._ticks / self.scale
        steps = np.diff(locs)
        step = float(np.min(steps[steps > 0])) if np.any(steps > 0) else 1.0
        decimals = next((d for d in range(4) if abs(step * 10**d - round(step * 10**d)) < 1e-6 * 10**d), 3)
        value = x / self.scale
        if abs(value) < step * 1e-6:
            value = 0.0
        return f"{value:,.{decimals}f}".replace("-", _MINUS)


def _is_money(summary: OutputSummary) -> bool:
    return summary.measure != "ratio"


def _summary(result: SimulationResult, output: str) -> OutputSummary:
    if output not in result.summary:
        raise WotsimError(f"unknown output {output!r}; known: {', '.join(result.summary)}")
    return result.summary[output]


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _fmt(summary: OutputSummary, x: float, currency: str = "") -> str:
    """A ratio to three decimals; money as e.g. ``€251k``, ``−€1.67M``."""
    if not math.isfinite(x):
        return "n/a"
    if summary.measure == "ratio":
        return f"{x:.3f}".replace("-", _MINUS)
    scale, _word = _money_scale(abs(x))
    suffix = {1e6: "M", 1e3: "k", 1.0: ""}[scale]
    digits = 2 if scale == 1e6 else 0
    symbol = _SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign = _MINUS if x < 0 else ""
    return f"{sign}{symbol}{abs(x) / scale:,.{digits}f}{suffix}"


def _lower_first(text: str) -> str:
    """``"Net present value"`` -> ``"net present value"``; leaves acronyms such as ``"NPV"`` alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _ratio_label(text: str) -> str:
    """Append "benefits / costs" to a ratio's axis label without doubling parentheses."""
    return f"{text}, benefits / costs" if text.endswith(")") else f"{text} (benefits / costs)"


def _short(summary: OutputSummary) -> str:
    """A short noun for the output in probability statements."""
    if summary.measure == "ratio":
        return "ratio"
    return "NPV"


def _reference_lines(ax: Axes, summary: OutputSummary, *, vertical: bool = True, mean: bool = False,
                     currency: str = "") -> None:
    """Mark the base case, the published target (if any), break-even and optionally the mean."""
    marks = [("base", summary.base, f"base case {_fmt(summary, summary.base, currency)}")]
    if summary.target is not None:
        marks.append(("target", summary.target, f"published {summary.target:g} (▼)"))
    be = "1" if summary.measure == "ratio" else "0"
    marks.append(("threshold", summary.threshold, f"break-even ({be})"))
    if mean:
        marks.append(("mean", summary.mean, f"mean {_fmt(summary, summary.mean, currency)}"))
    for gid, x, label in marks:
        style, colour, width = _LINES[gid]
        line = (ax.axvline if vertical else ax.axhline)(x, linestyle=style, color=colour, linewidth=width,
                                                        label=label, zorder=4)
        line.set_gid(gid)
        if gid == "target":
            # A marker on the top edge keeps the target visible when it coincides with the base case.
            tri, = ax.plot([x] if vertical else [1.0], [1.0] if vertical else [x], marker="v" if vertical else "<",
                           markersize=7, color="black", linestyle="none", clip_on=False, zorder=6,
                           transform=ax.get_xaxis_transform() if vertical else ax.get_yaxis_transform())
            tri.set_gid("target_marker")


def _probability_text(ax: Axes, summary: OutputSummary, *, loc: tuple[float, float] = (0.985, 0.96),
                      ha: str = "right", extra: Sequence[str] = ()) -> None:
    be = "1" if summary.measure == "ratio" else "0"
    lines = [f"P({_short(summary)} > {be}) = {summary.p_above:.3f} ± {summary.p_above_se:.3f}",
             "(± Monte Carlo standard error)", *extra]
    text = ax.text(*loc, "\n".join(lines), transform=ax.transAxes, ha=ha, va="top", fontsize=8.5,
                   bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.6", linewidth=0.6),
                   zorder=6)
    text.set_gid("p_above")


def _interval_text(summary: OutputSummary, currency: str = "") -> list[str]:
    lines = [f"mean {_fmt(summary, summary.mean, currency)}, median {_fmt(summary, summary.median, currency)}"]
    if "p5" in summary.percentiles and "p95" in summary.percentiles:
        lo, hi = summary.interval(90)
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


def _legend(ax: Axes, loc: str = "upper left", **kwargs) -> None:
    ax.legend(loc=loc, fontsize=8, frameon=True, framealpha=0.92, edgecolor="0.7", handlelength=3.2, **kwargs)


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8.5)
    ax.xaxis.label.set_size(9.5)
    ax.yaxis.label.set_size(9.5)


# ------------------------------------------------------------------ outputs
def ratio_distribution(result: SimulationResult, output: str = "social_ratio", *, ax: Axes | None = None,
                       bins: int = 60) -> Figure:
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
    common = dict(density=False, edgecolor=_EDGE, linewidth=0.4)
    # Densities relative to all finite draws: counts / (n * width), per display unit for money.
    unit = _money_scale(max(abs(lo), abs(hi)))[0] if _is_money(s) else 1.0
    weights = np.full(values.size, unit / (values.size * width))
    if below.size > 1:
        ax.hist(values, bins=below, weights=weights, color=_FILL_LIGHT, gid="hist_below",
                label=f"{_short(s)} ≤ break-even", **common)
    if above.size > 1:
        ax.hist(values, bins=above, weights=weights, color=_FILL_MID, hatch="////", gid="hist_above",
                label=f"{_short(s)} > break-even", **common)
    _reference_lines(ax, s, mean=False, currency=result.config.study.currency)
    lo, hi = float(edges[0]), float(edges[-1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom for the legend and the text box
    ax.set_ylabel("Probability density")
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, s.label)
        word = _money_scale(max(abs(lo), abs(hi)))[1]
        ax.set_ylabel(f"Probability density (per {word}{result.config.study.currency})")
    else:
        ax.set_xlabel(_ratio_label(s.label))
    _probability_text(ax, s, extra=_interval_text(s, result.config.study.currency))
    _legend(ax)
    set_title(ax, f"{s.label}: Monte Carlo distribution", result)
    _style(ax)
    return fig


def ratio_cdf(result: SimulationResult, output: str = "social_ratio", *, ax: Axes | None = None) -> Figure:
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
    _reference_lines(ax, s, mean=False, currency=result.config.study.currency)
    point, = ax.plot([s.threshold], [1 - s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=f"P({_short(s)} ≤ {'1' if s.measure == 'ratio' else '0'}) = {1 - s.p_above:.3f}")
    point.set_gid("cdf_at_threshold")
    lo, hi = _display_range(result, output)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(f"P({_short(s)} ≤ x)")
    ax.grid(True, color="0.9", linewidth=0.6)
    if _is_money(s):
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, f"{s.label}, x")
    else:
        ax.set_xlabel(_ratio_label(f"{s.label}, x"))
    _probability_text(ax, s, loc=(0.985, 0.04), extra=_interval_text(s, result.config.study.currency))
    ax.texts[-1].set_va("bottom")
    _legend(ax)
    set_title(ax, f"{s.label}: cumulative distribution", result)
    _style(ax)
    return fig


def acceptability_curve(result: SimulationResult, output: str = "social_ratio", *,
                        ax: Axes | None = None) -> Figure:
    """P(output ≥ threshold) against the threshold, with a ±2 SE band.

    Read it as: "how likely is the ratio to reach at least x?".  The point at
    break-even is P(> break-even) from the summary.

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
    band = ax.fill_between(ex.thresholds, np.clip(ex.p - 2 * ex.se, 0, 1), np.clip(ex.p + 2 * ex.se, 0, 1),
                           color=_FILL_MID, linewidth=0, label="±2 Monte Carlo SE")
    band.set_gid("se_band")
    line, = ax.plot(ex.thresholds, ex.p, color="black", linewidth=1.6, label=f"P({_short(s)} ≥ threshold)")
    line.set_gid("acceptability")
    _reference_lines(ax, s, mean=False, currency=result.config.study.currency)
    be = "1" if s.measure == "ratio" else "0"
    point, = ax.plot([s.threshold], [s.p_above], marker="o", markersize=6, color="black", markerfacecolor="white",
                     markeredgecolor="black", linestyle="none", zorder=5,
                     label=f"P({_short(s)} > {be}) = {s.p_above:.3f} ± {s.p_above_se:.3f}")
    point.set_gid("p_at_threshold")
    ax.set_xlim(ex.thresholds[0], ex.thresholds[-1])
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(f"Probability that the {_short(s)} ≥ threshold")
    ax.grid(True, color="0.9", linewidth=0.6)
    if _is_money(s):
        money_axis(ax.xaxis, float(np.max(np.abs(ex.thresholds))), result, f"Threshold for the {_lower_first(s.label)}")
    else:
        ax.set_xlabel(_ratio_label(f"Threshold for the {_lower_first(s.label)}"))
    _legend(ax, loc="upper right")
    set_title(ax, f"{s.label}: acceptability curve", result)
    _style(ax)
    return fig


def convergence_p(result: SimulationResult, output: str = "social_ratio", *,
                  ax: Axes | Sequence[Axes] | None = None, show_mean: bool = True) -> Figure:
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
        fig, axes = _root_figure(ax), [ax]
    else:
        axes = list(ax)
        if not 1 <= len(axes) <= 2:
            raise WotsimError(f"ax must be one Axes or a pair, got {len(axes)}")
        fig = _root_figure(axes[0])
    be = "1" if s.measure == "ratio" else "0"
    panels = [("p", conv.p_above, conv.p_above_se, f"P({_short(s)} > {be})")]
    if len(axes) == 2:
        panels.append(("mean", conv.mean, conv.mean_se, f"Mean {_short(s)}"))
    for a, (gid, est, se, ylabel) in zip(axes, panels):
        band = a.fill_between(conv.n, est - 2 * se, est + 2 * se, color=_FILL_LIGHT, edgecolor=_FILL_MID,
                              linewidth=0.6, label="±2 SE")
        band.set_gid(f"{gid}_band")
        line, = a.plot(conv.n, est, color="black", marker="o", markersize=3.5, linewidth=1.3, label="estimate")
        line.set_gid(f"{gid}_line")
        final = a.axhline(est[-1], color="0.35", linestyle=(0, (1, 1.5)), linewidth=1.2,
                          label=f"all {conv.n[-1]:,} draws: "
                                f"{_fmt(s, est[-1], result.config.study.currency) if gid == 'mean' else f'{est[-1]:.3f}'}")
        final.set_gid(f"{gid}_final")
        a.set_xscale("log", base=2)
        a.set_ylabel(ylabel)
        a.grid(True, color="0.9", linewidth=0.6)
        if gid == "p":
            a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        elif _is_money(s):
            money_axis(a.yaxis, float(np.nanmax(np.abs(est) + 2 * se)), result, f"Mean {_short(s)}", details=False)
        _legend(a, loc="upper right", ncols=3)
        _style(a)
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    axes[-1].set_xlabel("Number of draws $n$ (nested prefixes, $n = 2^k$)")
    set_title(axes[0], f"{s.label}: convergence of the Monte Carlo estimates", result)
    note = "±2 SE as for independent draws" + (f" (conservative for {result.sampler})"
                                               if result.sampler in ("sobol", "lhs") else "")
    axes[-1].annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -30), textcoords="offset points",
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
    fills = [_FILL_LIGHT, _FILL_MID, _FILL_DARK]
    for rank, i in enumerate(order):
        level = bands.levels[i]
        poly = ax.fill_between(bands.years, bands.lower[i], bands.upper[i], color=fills[min(rank, 2)],
                               linewidth=0, label=f"{level:g}% interval", zorder=1 + rank)
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
    who = "all stakeholders" if stakeholder is None else result.config.stakeholders[stakeholder]
    set_title(ax, f"Cumulative net value by year: {who}", result)
    _legend(ax, loc="upper left")
    _style(ax)
    return fig


def stakeholder_chart(result: SimulationResult, *, ax: Axes | None = None) -> Figure:
    """Who pays and who gains: net present value per stakeholder.

    Bars are the base case; diamonds the Monte Carlo mean with whiskers over
    the 90% interval (5th to 95th percentile) from the summaries.

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
    missing = [p for p in ("p5", "p95") if p not in summaries[0].percentiles]
    if missing:
        raise WotsimError(f"the stakeholder chart needs the 5th and 95th percentiles; "
                          f"add 5 and 95 to [simulation].percentiles (have {', '.join(summaries[0].percentiles)})")
    fig, ax = new_axes(ax, figsize=(7.0, max(3.2, 1.2 + 0.55 * len(ids))))
    y = np.arange(len(ids))
    base = np.array([s.base for s in summaries])
    mean = np.array([s.mean for s in summaries])
    lo = np.array([s.interval(90)[0] for s in summaries])
    hi = np.array([s.interval(90)[1] for s in summaries])
    bars = ax.barh(y, base, height=0.55, color=_FILL_LIGHT, edgecolor=_EDGE, linewidth=0.6, hatch="///",
                   label="base case", zorder=2)
    for patch in bars:
        patch.set_gid("base")
    err = ax.errorbar(mean, y, xerr=[mean - lo, hi - mean], fmt="D", color="black", markersize=5,
                      markerfacecolor="black", ecolor="black", elinewidth=1.2, capsize=4, zorder=4,
                      label="mean with 90% interval")
    err.lines[0].set_gid("mean")
    zero = ax.axvline(0, color="0.3", linewidth=0.8, zorder=1)
    zero.set_gid("zero")
    ax.set_yticks(y, [textwrap.fill(cfg.stakeholders[sid], 30) for sid in ids], fontsize=8.5)
    ax.invert_yaxis()
    magnitude = float(max(np.max(np.abs(lo)), np.max(np.abs(hi)), np.max(np.abs(base))))
    money_axis(ax.xaxis, magnitude, result, "Net value")
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    set_title(ax, "Who pays and who gains: net value per stakeholder", result)
    _legend(ax, loc="lower right")
    _style(ax)
    return fig


# ------------------------------------------------------------------ collections and files
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def simulation_figures(result: SimulationResult) -> Iterator[tuple[str, Figure]]:
    """The standard figures of a Monte Carlo run, one at a time, as ``(file stem, figure)``.

    Per config output: distribution, CDF, acceptability curve, convergence;
    the same for the total NPV; fan charts for the total and per stakeholder;
    the stakeholder chart.  A generator, so a caller can save and drop each
    figure before the next is drawn.
    """
    outputs = list(result.config.outputs)
    if "npv" not in outputs:
        outputs.append("npv")
    for name in outputs:
        yield f"distribution_{name}", ratio_distribution(result, name)
        yield f"cdf_{name}", ratio_cdf(result, name)
        yield f"acceptability_{name}", acceptability_curve(result, name)
        yield f"convergence_{name}", convergence_p(result, name)
    yield "fan_total", fan_chart(result)
    for sid in result.config.stakeholders:
        yield f"fan_{sid}", fan_chart(result, sid)
    yield "stakeholders", stakeholder_chart(result)


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png", "svg"),
                dpi: int = 150) -> tuple[Path, ...]:
    """Write ``fig`` to ``path.<format>`` for each format, each file atomically.

    Each file is written to a temporary sibling and renamed into place with
    :func:`os.replace`, so a reader never sees half a file.  SVG output is
    reproducible (no date, fixed id salt).

    Parameters
    ----------
    fig : Figure
    path : str or Path
        Path without suffix, e.g. ``figures/social_ratio``; the parent is created.
    formats : sequence of str
        File formats known to matplotlib.
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    tuple of Path
        The files written, in the order of ``formats``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = path.with_name(f"{path.name}.{fmt}")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh, matplotlib.rc_context({"svg.hashsalt": "wotsim"}):
                metadata = {"Date": None} if fmt == "svg" else None
                fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return tuple(written)
