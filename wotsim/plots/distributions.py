"""Figures of Monte Carlo results.

Every plot function takes results and ``ax=None``, draws on a
:class:`matplotlib.figure.Figure` built without pyplot (no global state) and
returns the figure.  Plotting computes nothing that matters: quantiles,
probabilities, intervals and standard errors come from the results objects
(:class:`~wotsim.results.OutputSummary`, :meth:`SimulationResult.cumulative_bands`,
:meth:`~SimulationResult.exceedance`, :meth:`~SimulationResult.convergence`).
The only arithmetic here is presentational: bin edges, axis ranges and scales.

User text (study name, labels, ids, group names, units, currency) is plain
text: it passes through :func:`plain` where it is handed to matplotlib, so a
``$`` shows as a dollar sign and mathtext never reads it; wotsim's own mathtext
(``$S_T$``, ``$n = 2^k$``) is written around the escaped pieces.  Figures are
written by :func:`save_figure` only into a real directory, never through a
symbolic link, under names checked by :mod:`wotsim._paths`.

Figures are readable in greyscale: series differ by line style, marker,
hatching and luminance, never by hue alone.  Artists that carry a number get a
``gid`` (``"base"``, ``"target"``, ``"threshold"``, ``"mean"``, ``"median"``,
``"band50"``, ...) so that tests and reports can find them.

Sensitivity, scenario and value-of-information figures (:func:`sobol_bars`,
:func:`sobol_convergence`, :func:`tornado`, :func:`drivers_chart`,
:func:`scenario_comparison`, :func:`evppi_ranking`) follow the same rules and
are listed by :func:`sensitivity_figures` and :func:`scenario_figures`, as the
Monte Carlo figures are by :func:`simulation_figures`.  Results that carry no
config (one-way, drivers, value of information) take an optional ``config`` for
labels, the study name, the currency and the price year.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import secrets
import stat
import textwrap
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from .._paths import file_name, file_stem
from ..errors import WotsimError
from ..results.simulation import OutputSummary, SimulationResult

__all__ = [
    "acceptability_curve",
    "convergence_p",
    "drivers_chart",
    "evppi_ranking",
    "fan_chart",
    "figure_dir",
    "money_axis",
    "new_axes",
    "plain",
    "ratio_cdf",
    "ratio_distribution",
    "save_figure",
    "scenario_comparison",
    "scenario_figures",
    "sensitivity_figures",
    "set_title",
    "simulation_figures",
    "sobol_bars",
    "sobol_convergence",
    "stakeholder_chart",
    "tornado",
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
def plain(s: object) -> str:
    """``s`` as plain text for matplotlib: every ``$`` escaped as ``\\$``, so mathtext never reads it.

    Every string that holds user text (a config's or a results file's names and labels, the
    currency) goes through this exactly once, where it is handed to matplotlib; the figure then
    shows it as written (``"a $5 fee"``, ``"$x$"``, ``"$\\undefined$"``).  In a string that
    also holds wotsim's own mathtext, only the user's pieces are escaped: ``"$S_T$: " + plain(label)``.
    """
    return str(s).replace("$", r"\$")


#: Longest user label drawn in one piece (titles, axis labels); longer ones are cut with " …".
_LABEL_WIDTH = 60


def _fit(label: object, width: int = _LABEL_WIDTH) -> str:
    """A user label on one line (each run of white space one space), cut to ``width`` characters with " …".

    Keeps a figure's size bounded whatever a config or results file holds.
    """
    one = " ".join(str(label).split())
    return one if len(one) <= width else one[:width - 2].rstrip() + " …"


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
    _titled(ax, what, f"{_fit(result.config.study.name)} · {result.n:,} {result.sampler} samples")


def _titled(ax: Axes, what: str, subtitle: str) -> None:
    """A bold title on the left with a grey subtitle (one or more lines) under it (gid ``"subtitle"``)."""
    pad = 16 + 11.5 * subtitle.count("\n")
    ax.set_title(plain(what), loc="left", fontsize=11 if len(what) <= 58 else 10, fontweight="bold", pad=pad)
    sub = ax.annotate(plain(subtitle), xy=(0, 1), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points",
                      ha="left", va="bottom", fontsize=8.5, color="0.3")
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
    _money_label(axis, magnitude, study.currency, study.price_year, what, present_value=present_value,
                 details=details)


def _money_label(axis, magnitude: float, currency: str, price_year: int | None, what: str, *,
                 present_value: bool = True, details: bool = True) -> None:
    """:func:`money_axis` from a currency and price year (for results that carry no config)."""
    scale, word = _money_scale(abs(magnitude) if math.isfinite(magnitude) else 0.0)
    unit = f"{word}{_fit(currency, 12)}".strip()
    parts = [unit] if unit else []
    if price_year and details:
        parts.append(f"{price_year} prices")
    if present_value and details and "present value" not in what.lower():
        parts.append("present value")
    axis.set_label_text(plain(f"{what} ({', '.join(parts)})" if parts else what))
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


def _symbol(currency: str) -> str:
    """What goes before an amount: ``€`` for EUR, ``$`` for USD, ``£`` for GBP, else the code and a space."""
    return _SYMBOLS.get(currency, f"{_fit(currency, 12)} " if currency else "")


def _fmt(summary: OutputSummary, x: float, currency: str = "") -> str:
    """A ratio to three decimals; money as e.g. ``€251k``, ``−€1.67M``."""
    return _fmt_value(summary.measure, x, currency)


def _fmt_value(measure: str, x: float, currency: str = "") -> str:
    """:func:`_fmt` for a measure (``"ratio"``, ``"npv"``, ``"amount"``)."""
    if not math.isfinite(x):
        return "n/a"
    if measure == "ratio":
        return f"{x:.3f}".replace("-", _MINUS)
    scale, _word = _money_scale(abs(x))
    suffix = {1e6: "M", 1e3: "k", 1.0: ""}[scale]
    digits = 2 if scale == 1e6 else 0
    symbol = _symbol(currency)
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
                                                        label=plain(label), zorder=4)
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
    box = ax.text(*loc, plain("\n".join(lines)), transform=ax.transAxes, ha=ha, va="top", fontsize=8.5,
                  bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.6", linewidth=0.6),
                  zorder=6)
    box.set_gid("p_above")


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
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, _fit(s.label))
        word = _money_scale(max(abs(lo), abs(hi)))[1]
        ax.set_ylabel(plain(f"Probability density (per {word}{_fit(result.config.study.currency, 12)})"))
    else:
        ax.set_xlabel(plain(_ratio_label(_fit(s.label))))
    _probability_text(ax, s, extra=_interval_text(s, result.config.study.currency))
    _legend(ax)
    set_title(ax, f"{_fit(s.label)}: Monte Carlo distribution", result)
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
        money_axis(ax.xaxis, max(abs(lo), abs(hi)), result, f"{_fit(s.label)}, x")
    else:
        ax.set_xlabel(plain(_ratio_label(f"{_fit(s.label)}, x")))
    _probability_text(ax, s, loc=(0.985, 0.04), extra=_interval_text(s, result.config.study.currency))
    ax.texts[-1].set_va("bottom")
    _legend(ax)
    set_title(ax, f"{_fit(s.label)}: cumulative distribution", result)
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
    what = f"Threshold for the {_lower_first(_fit(s.label))}"
    if _is_money(s):
        money_axis(ax.xaxis, float(np.max(np.abs(ex.thresholds))), result, what)
    else:
        ax.set_xlabel(plain(_ratio_label(what)))
    _legend(ax, loc="upper right")
    set_title(ax, f"{_fit(s.label)}: acceptability curve", result)
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
        _legend(a, loc="upper right", ncols=3)
        _style(a)
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    axes[-1].set_xlabel("Number of draws $n$ (nested prefixes, $n = 2^k$)")
    set_title(axes[0], f"{_fit(s.label)}: convergence of the Monte Carlo estimates", result)
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
    who = "all stakeholders" if stakeholder is None else _fit(result.config.stakeholders[stakeholder])
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
    ax.set_yticks(y, [plain(_wrap(cfg.stakeholders[sid], 30)) for sid in ids], fontsize=8.5)
    ax.invert_yaxis()
    magnitude = float(max(np.max(np.abs(lo)), np.max(np.abs(hi)), np.max(np.abs(base))))
    money_axis(ax.xaxis, magnitude, result, "Net value")
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    set_title(ax, "Who pays and who gains: net value per stakeholder", result)
    _legend(ax, loc="lower right")
    _style(ax)
    return fig


# ------------------------------------------------------------------ collections and files
def simulation_figures(result: SimulationResult) -> Iterator[tuple[str, Figure]]:
    """The standard figures of a Monte Carlo run, one at a time, as ``(file stem, figure)``.

    Per config output: distribution, CDF, acceptability curve, convergence;
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
        yield f"distribution_{stem}", ratio_distribution(result, name)
        yield f"cdf_{stem}", ratio_cdf(result, name)
        yield f"acceptability_{stem}", acceptability_curve(result, name)
        yield f"convergence_{stem}", convergence_p(result, name)
    yield "fan_total", fan_chart(result)
    for sid in result.config.stakeholders:
        yield f"fan_{file_stem(sid, 'stakeholder')}", fan_chart(result, sid)
    yield "stakeholders", stakeholder_chart(result)


def figure_dir(directory: str | Path) -> int:
    """Open ``directory`` (created if missing) for writing figures; returns a descriptor to close.

    Refused with a one-line :class:`WotsimError`: a directory that is a symbolic link (or is
    replaced by one while it is opened), and a path that exists and is not a directory.  Writing
    through the returned descriptor keeps every file inside this very directory.
    """
    directory = Path(directory)
    if directory.is_symlink():
        raise WotsimError(f"{directory}: is a symbolic link; wotsim writes figures only into a real directory "
                          "(choose another output directory or remove the link)")
    if directory.exists() and not directory.is_dir():
        raise WotsimError(f"{directory}: exists and is not a directory; choose another output directory")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise WotsimError(f"{directory}: is a symbolic link or not a directory; wotsim writes figures only "
                              "into a real directory") from None
        raise


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png", "svg"),
                dpi: int = 150) -> tuple[Path, ...]:
    """Write ``fig`` to ``path.<format>`` for each format, each file atomically, never through a link.

    ``path.name`` must be a safe file name (:func:`wotsim._paths.file_name`: letters, digits,
    ``_``, ``-``, ``.``; no separator, no ``..``, no leading dot), so every file lands in
    ``path.parent``.  That directory is created if missing and refused if it is a symbolic link
    (:func:`figure_dir`); a final path that is a symbolic link is refused too.  Each file is
    written to a new temporary sibling (``O_CREAT | O_EXCL | O_NOFOLLOW``, relative to the opened
    directory) and renamed into place with :func:`os.replace`, so a reader never sees half a
    file and no other file is ever written.  SVG output is reproducible (no date, fixed id salt).

    Parameters
    ----------
    fig : Figure
    path : str or Path
        Path without suffix, e.g. ``figures/social_ratio``.
    formats : sequence of str
        File formats known to matplotlib.
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    tuple of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    WotsimError
        For an unsafe name or format, a symbolic link, or a directory path that is a file.
    """
    path = Path(path)
    stem = file_name(path.name, "figure name")
    names = [file_name(f"{stem}.{fmt}", "figure file") for fmt in formats]
    directory = path.parent
    dir_fd = figure_dir(directory)
    written = []
    try:
        for fmt, name in zip(formats, names):
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode):
                    raise WotsimError(f"{directory / name}: is a symbolic link; refusing to write a figure through it")
            tmp = f".{name}.{secrets.token_hex(6)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                         dir_fd=dir_fd)  # 0o666 less the umask, as for any new file
            try:
                with os.fdopen(fd, "wb") as fh, matplotlib.rc_context({"svg.hashsalt": "wotsim"}):
                    metadata = {"Date": None} if fmt == "svg" else None
                    fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata)
                os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp, dir_fd=dir_fd)
                raise
            written.append(directory / name)
    finally:
        os.close(dir_fd)
    return tuple(written)


# ================================================================== sensitivity, scenarios, value of information
# These figures take the results of wotsim.sensitivity, wotsim.oneway, wotsim.drivers,
# wotsim.scenarios and wotsim.voi.  Results that carry no config (one-way, drivers, value of
# information) take an optional ``config`` for the study name, currency, price year and
# labels; without it they show names.

def _grid_figure(k: int, ncols: int, panel_height: float, header: float = 0.3,
                 footer: float = 0.9) -> tuple[Figure, Axes, list[Axes]]:
    """A new figure: a header strip (for title, subtitle and legend) over ``k`` panels in ``ncols`` columns.

    Panels share their x and y axes.  Returns ``(figure, header axes, panels)``.
    """
    ncols = max(1, min(ncols, k))
    nrows = math.ceil(k / ncols)
    fig = Figure(figsize=(7.0, header + footer + 0.55 + panel_height * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    gs = fig.add_gridspec(nrows + 1, ncols, height_ratios=[header] + [panel_height] * nrows)
    head = fig.add_subplot(gs[0, :])
    head.axis("off")
    head.set_gid("header")
    axes: list[Axes] = []
    for i in range(k):
        r, c = divmod(i, ncols)
        a = fig.add_subplot(gs[r + 1, c], sharex=axes[0] if axes else None, sharey=axes[0] if axes else None)
        axes.append(a)
    for i, a in enumerate(axes):
        if i + ncols < k:  # a panel below it shows the x tick labels
            a.tick_params(labelbottom=False)
        if i % ncols:
            a.tick_params(labelleft=False)
    return fig, head, axes


def _panels(ax: Axes | Sequence[Axes] | None, k: int, ncols: int, panel_height: float
            ) -> tuple[Figure, Axes | None, list[Axes], bool]:
    """(figure, header, axes, one_per_factor): a new grid, the caller's axes (one per factor) or one shared axes."""
    if ax is None:
        fig, head, axes = _grid_figure(k, ncols, panel_height)
        return fig, head, axes, True
    if isinstance(ax, Axes):
        return _root_figure(ax), None, [ax], False
    axes = list(ax)
    if len(axes) < k:
        raise WotsimError(f"ax must be one Axes or at least {k} Axes (one per factor), got {len(axes)}")
    return _root_figure(axes[0]), None, axes[:k], True


def _subtitle(*parts: str, width: int = 80) -> str:
    """Join non-empty parts with " · ", breaking the line between parts where it would pass ``width``."""
    lines: list[str] = []
    for part in (p for p in parts if p):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def _header(head: Axes, title: str, subtitle: str, handles: list, labels: list, ncols: int) -> None:
    """Title, subtitle and legend of a grid figure, in its header strip."""
    _titled(head, title, subtitle)
    if handles:
        head.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, -0.1), ncols=ncols, fontsize=7.5,
                    frameon=False, handlelength=2.6, borderaxespad=0.0)


def _legend_below(ax: Axes, offset: float = 34.0, ncols: int = 3) -> None:
    """A legend in one or two rows under the x-axis label (``offset`` points below the axes)."""
    fig = _root_figure(ax)
    shift = ScaledTranslation(0, -offset / 72.0, fig.dpi_scale_trans)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), bbox_transform=ax.transAxes + shift, ncols=ncols,
              fontsize=7.5, frameon=False, handlelength=2.6, borderaxespad=0.0)


def _note(ax: Axes, lines: Sequence[str], offset: float, width: int = 120) -> None:
    """A small grey footnote ``offset`` points below the axes, from the figure's left edge (gid ``"footnote"``)."""
    wrapped = [textwrap.fill(line, width, max_lines=6, placeholder=" …") for line in lines if line]
    note = "\n".join(wrapped[:10] + (["…"] if len(wrapped) > 10 else []))
    if note:
        ax.annotate(plain(note), xy=(0.015, 0), xycoords=("figure fraction", "axes fraction"), xytext=(0, -offset),
                    textcoords="offset points", fontsize=7.5, color="0.3", va="top", ha="left", gid="footnote")


def _column(ax: Axes, dx: float, header: str, cells: Sequence[tuple[float, str, str, dict]]) -> None:
    """A column of text right of the axes, ``dx`` points from its edge: a bold header over the top row,
    then ``(y, text, gid, text properties)`` per row (y in data coordinates)."""
    trans = ax.get_yaxis_transform()
    top = min(ax.get_ylim())
    ax.annotate(plain(header), xy=(1.0, top + 0.45), xycoords=trans, xytext=(dx, 0), textcoords="offset points",
                ha="left", va="center", fontsize=7.5, fontweight="bold", color="0.2", annotation_clip=False,
                gid="column_header")
    for y, cell, gid, props in cells:
        if cell:
            ax.annotate(plain(cell), xy=(1.0, y), xycoords=trans, xytext=(dx, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=7.5, annotation_clip=False, gid=gid, **props)


def _footnote(fig: Figure, note: str) -> None:
    """A small grey note at the bottom of a figure (part of the layout)."""
    note = fig.supxlabel(plain(note), x=0.01, ha="left", fontsize=7.5, color="0.3")
    note.set_gid("footnote")


def _output_label(config, name: str, manifest: Mapping[str, Any] | None = None) -> str:
    """The display label of an output name, from the config, else from a manifest's copy of it."""
    if config is not None and name in config.outputs:
        return _fit(config.outputs[name].label or name)
    raw = (manifest or {}).get("config", {})
    raw = raw.get("outputs", {}) if isinstance(raw, Mapping) else {}
    raw = raw.get(name, {}) if isinstance(raw, Mapping) else {}
    if isinstance(raw, Mapping) and raw.get("label"):
        return _fit(raw["label"])
    if name.startswith("net:"):
        who = name[4:]
        if config is not None:
            who = config.stakeholders.get(who, who)
        return _fit(f"Net value: {who}")
    return _fit({"npv": "Net present value", "benefits": "Total benefits", "costs": "Total costs"}.get(name, name))


def _parameter_label(config, name: str) -> str:
    if config is not None and name in config.parameters:
        return _fit(config.parameters[name].label or name)
    return _fit(name)


def _study_name(config, fallback: str = "") -> str:
    return _fit(config.study.name if config is not None else fallback)


def _fmt_number(x: float) -> str:
    """A parameter value: thousands separators above 1,000, else three significant digits."""
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return text.replace("-", _MINUS)


def _fmt_percentile(p: float) -> str:
    return f"p{p:.0f}" if 1.0 <= p <= 99.0 else f"p{p:.1f}"


def _wrap(text: str, width: int = 30, lines: int = 2) -> str:
    """Wrap a label to ``width`` characters a line, at most ``lines`` lines (then cut with an ellipsis)."""
    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …"))


def _pm(x: float, se: float, *, measure: str = "ratio", currency: str = "", signed: bool = False) -> str:
    """``x ± se`` with the standard error to one significant digit and ``x`` to the same decimal place.

    Ratios and probabilities keep at least three decimals; money shares one scale
    (``−€212k ± €3k``).  A zero standard error is left out.
    """
    if not (math.isfinite(x) and math.isfinite(se)):
        return "n/a"
    money = measure != "ratio"
    scale, _word = _money_scale(max(abs(x), abs(se))) if money else (1.0, "")
    suffix = {1e6: "M", 1e3: "k", 1.0: ""}[scale] if money else ""
    symbol = _symbol(currency) if money else ""
    least = 0 if money else 3
    decimals = least if se <= 0 else min(max(least, -math.floor(math.log10(se / scale))), 6)

    def one(v: float, sign: bool) -> str:
        lead = ("+" if v >= 0 else _MINUS) if sign else (_MINUS if v < 0 else "")
        return f"{lead}{symbol}{abs(v) / scale:,.{decimals}f}{suffix}"

    return one(x, signed) if se <= 0 else f"{one(x, signed)} ± {one(se, False)}"


def _plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def _check_top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise WotsimError(f"top must be a whole number >= 1, got {top!r}")
    return int(top)


def _sobol_of(sobol_result, output: str):
    if output not in sobol_result.indices:
        raise WotsimError(f"no Sobol' indices for output {output!r}; analysed: {', '.join(sobol_result.indices)}")
    return sobol_result.indices[output]


def _factor_label(sobol_result, factor: str) -> str:
    label = _fit(sobol_result.labels.get(factor, factor))
    if sobol_result.plan.groups is not None:
        label = f"{label} ({_plural(len(sobol_result.members.get(factor, ())), 'parameter')})"
    return label


def _sobol_subtitle(sobol_result, config, width: int = 82) -> str:
    plan = sobol_result.plan
    study = _study_name(config, str(sobol_result.manifest.get("study", "")))
    what = _GROUPED.get(plan.grouping, f"grouped by {plan.grouping}") if plan.groups is not None else "per parameter"
    return _subtitle(study, f"{what}, N = {plan.n:,} base samples ({plan.rows:,} model runs)",
                     f"{plan.conf_level:.0%} CIs by {_fit(sobol_result.ci_method)}", width=width)


_GROUPED = {"group": "per parameter group", "item": "per item", "stakeholder": "per stakeholder",
            "correlated": "per block of correlated parameters"}


# ------------------------------------------------------------------ Sobol' indices
def sobol_bars(sobol_result, output: str = "social_ratio", *, ax: Axes | None = None, top: int = 15,
               config=None) -> Figure:
    """First- and total-order Sobol' indices with their confidence intervals, ranked.

    Factors (parameters, or groups with their member counts) are ranked by total
    order (:attr:`SobolIndices.order`); the ``top`` first are drawn, each as a
    total-order bar (dark, gid ``"ST"``) above a first-order bar (light,
    hatched, gid ``"S1"``) with the CI half-widths as error bars.  Factors whose
    convergence verdict is "not stable" are marked with the reason (wide CI,
    independent halves of the design disagree).

    Parameters
    ----------
    sobol_result : wotsim.sensitivity.SobolResult
    output : str
        A key of ``sobol_result.indices``.
    ax : Axes, optional
    top : int
        Number of factors drawn.
    config : Config, optional
        For the output's label and the study name (else the manifest's).

    Returns
    -------
    Figure
    """
    ind = _sobol_of(sobol_result, output)
    top = _check_top(top)
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.3 + 0.36 * k)))
    y = np.arange(k, dtype=float)
    h = 0.38
    st, st_conf = ind.ST[order], ind.ST_conf[order]
    s1, s1_conf = ind.S1[order], ind.S1_conf[order]
    err = dict(fmt="none", color="black", ecolor="black", elinewidth=0.9, capsize=2.5, zorder=4)
    for patch in ax.barh(y - h / 2, st, height=h, color=_FILL_DARK, edgecolor=_EDGE, linewidth=0.5,
                         label="total order $S_T$", zorder=2):
        patch.set_gid("ST")
    ax.errorbar(st, y - h / 2, xerr=st_conf, **err)[2][0].set_gid("ST_conf")
    for patch in ax.barh(y + h / 2, s1, height=h, color=_FILL_LIGHT, edgecolor=_EDGE, linewidth=0.5, hatch="////",
                         label="first order $S_1$", zorder=2):
        patch.set_gid("S1")
    bars = ax.errorbar(s1, y + h / 2, xerr=s1_conf, label=f"{sobol_result.plan.conf_level:.0%} confidence interval",
                       **err)
    bars[2][0].set_gid("S1_conf")
    ax.axvline(0, color="0.3", linewidth=0.8, zorder=1).set_gid("zero")

    reasons = ind.convergence.reasons
    right = np.maximum(st + st_conf, s1 + s1_conf)
    flagged = 0
    for i, j in enumerate(order):
        if ind.verdicts[j] != "stable":
            flagged += 1
            why = f" ({reasons[j]})" if reasons[j] else ""
            ax.annotate(plain(f"not stable{why}"), xy=(right[i], y[i]), xytext=(5, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=7.5, fontstyle="italic", gid="not_stable")
    ax.set_yticks(y, [plain(_wrap(_factor_label(sobol_result, ind.factors[j]), 34)) for j in order], fontsize=8.5)
    ax.set_ylim(k - 0.4, -0.6)
    lo = min(0.0, float(np.min(s1 - s1_conf)) if k else 0.0)
    hi = float(np.max(right)) if k else 1.0
    span = hi - lo if hi > lo else 1.0
    ax.set_xlim(lo - 0.02 * span, hi + span * (0.3 if flagged else 0.06))
    label = _output_label(config, output, sobol_result.manifest)
    ax.set_xlabel(plain(f"Sobol' index (share of the variance of the {_lower_first(label)})"))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend_below(ax)
    _titled(ax, f"{label}: Sobol' sensitivity indices", _sobol_subtitle(sobol_result, config))
    what = "Parameter groups" if sobol_result.plan.groups is not None else "Parameters"
    rest = len(ind.factors) - k
    notes = [f"{what} ranked by total order"
             + (f"; {rest} more not shown (total order ≤ {ind.ST[int(ind.order[k])]:.3f} each)." if rest else "."),
             f"{ind.convergence.rule[:1].upper()}{ind.convergence.rule[1:]}.",
             *sobol_result.notes]
    if ind.constant:
        notes.append("The output does not vary in this design: every index is 0.")
    _note(ax, notes, offset=50)
    _style(ax)
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_DASHES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


def sobol_convergence(sobol_result, output: str = "social_ratio", *, ax: Axes | Sequence[Axes] | None = None,
                      top: int = 6, config=None) -> Figure:
    """Sobol' indices of the top factors against the number of base samples, with CI bands.

    The indices were recomputed on nested prefixes of one design made of
    whole independent randomisations, each with its own jackknife CI
    (:class:`wotsim.sensitivity.Convergence`).  Total order: solid line
    on a grey band; first order: dashed line on a hatched band (each band ±
    the CI half-width).  Each panel names the factor and its verdict.

    Parameters
    ----------
    sobol_result : wotsim.sensitivity.SobolResult
    output : str
    ax : Axes or sequence of Axes, optional
        Default: a new figure with one panel per factor.  A sequence gives one
        axes per factor; a single Axes draws every factor in it (markers tell
        them apart).
    top : int
        Number of factors (ranked by total order).
    config : Config, optional

    Returns
    -------
    Figure
    """
    ind = _sobol_of(sobol_result, output)
    top = _check_top(top)
    conv = ind.convergence
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, head, axes, separate = _panels(ax, k, 3, 1.75)
    n = conv.n.astype(float)
    level = f"{sobol_result.plan.conf_level:.0%}"
    for a, factors in zip(axes, [[j] for j in order] if separate else [order]):
        for m, j in enumerate(factors):
            marker = "o" if separate else _MARKERS[m % len(_MARKERS)]
            f = ind.factors[j]
            tag = "" if separate else plain(f": {_factor_label(sobol_result, f)}")  # after wotsim's $S_T$
            a.fill_between(n, conv.ST[:, j] - conv.ST_conf[:, j], conv.ST[:, j] + conv.ST_conf[:, j],
                           color=_FILL_LIGHT, linewidth=0, zorder=1,
                           label=f"{level} CI of $S_T$" if m == 0 else None).set_gid(f"ST_band:{f}")
            a.fill_between(n, conv.S1[:, j] - conv.S1_conf[:, j], conv.S1[:, j] + conv.S1_conf[:, j],
                           facecolor="none", edgecolor=_FILL_MID, hatch="////", linewidth=0, zorder=2,
                           label=f"{level} CI of $S_1$" if m == 0 else None).set_gid(f"S1_band:{f}")
            a.plot(n, conv.ST[:, j], color="black", linewidth=1.4, marker=marker, markersize=4,
                   label=f"total order $S_T${tag}", zorder=4)[0].set_gid(f"ST:{f}")
            a.plot(n, conv.S1[:, j], color="0.3", linewidth=1.2, linestyle=(0, (4, 2)), marker=marker, markersize=4,
                   markerfacecolor="white", label=f"first order $S_1${tag}", zorder=4)[0].set_gid(f"S1:{f}")
        if separate:
            j = factors[0]
            verdict = ind.verdicts[j] + (f" ({conv.reasons[j]})" if conv.reasons[j] else "")
            a.set_title(plain(f"{_wrap(_factor_label(sobol_result, ind.factors[j]), 30)}\n{verdict}"), loc="left",
                        fontsize=8.5)
        a.set_xscale("log", base=2)
        a.set_xticks(n, [f"{int(v):,}" for v in n])
        a.minorticks_off()
        a.grid(True, color="0.9", linewidth=0.6)
        _style(a)
        a.tick_params(labelsize=7.5)
    label = _output_label(config, output, sobol_result.manifest)
    title = f"{label}: convergence of the Sobol' indices"
    note = (f"Indices recomputed on nested prefixes of one design (whole independent randomisations, each prefix "
            f"with its own jackknife CI). {conv.rule[:1].upper()}{conv.rule[1:]}.")
    if head is not None:
        ncols = min(3, k)
        for i, a in enumerate(axes):
            if i + ncols >= k:
                a.set_xlabel("Base samples N", fontsize=8.5)
            if i % ncols == 0:
                a.set_ylabel("Sobol' index", fontsize=8.5)
        handles, labels = axes[0].get_legend_handles_labels()
        _header(head, title, _sobol_subtitle(sobol_result, config, width=105), handles, labels, ncols=4)
        _footnote(fig, textwrap.fill(note, 125))
    else:
        axes[-1].set_xlabel("Base samples N (nested prefixes of one design)")
        axes[0].set_ylabel("Sobol' index")
        if not separate:
            _titled(axes[0], title, _sobol_subtitle(sobol_result, config))
            _legend(axes[0], loc="best", ncols=2)
    return fig


# ------------------------------------------------------------------ one-way sensitivity
def tornado(oneway_result, *, ax: Axes | None = None, top: int = 12, config=None) -> Figure:
    """Tornado diagram: the output with each parameter at its low and high percentile, others at base.

    Bars run from the base-case output to the output with the parameter at its
    low percentile (light, gid ``"low"``) and at its high percentile (dark,
    hatched, gid ``"high"``); the parameter values are written at the bar ends.
    The base case and the threshold (ratio 1, NPV 0) are vertical lines.  The
    right-hand column gives each parameter's switching value (all others at
    base) and its percentile (:attr:`OneWayResult.switching`), in grey italics
    when it lies outside the low to high percentiles.

    Parameters
    ----------
    oneway_result : wotsim.oneway.OneWayResult
    ax : Axes, optional
    top : int
        Number of parameters drawn (largest swing first, as stored).
    config : Config, optional
        For labels, the study name, currency and price year.

    Returns
    -------
    Figure
    """
    r = oneway_result
    top = _check_top(top)
    bars, switching = r.bars[:top], r.switching[:top]
    k = len(bars)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.4 + 0.34 * k)))
    currency = config.study.currency if config is not None else ""
    y = np.arange(k, dtype=float)
    lo_pct, hi_pct = r.low_percentile, r.high_percentile
    for i, b in enumerate(bars):
        for value, out, gid, colour, hatch in ((b.low_input, b.low_output, "low", _FILL_LIGHT, None),
                                               (b.high_input, b.high_output, "high", _FILL_DARK, "////")):
            if not math.isfinite(out):
                continue
            ax.barh(y[i], out - r.base, left=r.base, height=0.62, color=colour, edgecolor=_EDGE, linewidth=0.6,
                    hatch=hatch, zorder=2)[0].set_gid(gid)
            outward = 1 if out > r.base or (out == r.base and gid == "high") else -1
            ax.annotate(_fmt_number(value), xy=(out, y[i]), xytext=(3 * outward, 0), textcoords="offset points",
                        ha="left" if outward > 0 else "right", va="center", fontsize=7, color="0.15",
                        gid=f"{gid}_input")
    # legend entries for the two sides, whatever the bars' directions
    ax.barh([np.nan], [0], color=_FILL_LIGHT, edgecolor=_EDGE, linewidth=0.6,
            label=f"parameter at its {lo_pct:g}th percentile")
    ax.barh([np.nan], [0], color=_FILL_DARK, edgecolor=_EDGE, linewidth=0.6, hatch="////",
            label=f"parameter at its {hi_pct:g}th percentile")
    style, colour, width = _LINES["base"]
    ax.axvline(r.base, linestyle=style, color=colour, linewidth=width, zorder=4,
               label=plain(f"base case {_fmt_value(r.measure, r.base, currency)}")).set_gid("base")
    has_threshold = math.isfinite(r.threshold)
    if has_threshold:
        style, colour, width = _LINES["threshold"]
        ax.axvline(r.threshold, linestyle=style, color=colour, linewidth=width, zorder=4,
                   label=f"break-even ({'1' if r.measure == 'ratio' else '0'})").set_gid("threshold")
        cells = []
        for i, s in enumerate(switching):
            if s.value is None:
                cells.append((y[i], "none in range", "switching", dict(color="0.45", fontstyle="italic")))
                continue
            inside = lo_pct <= s.percentile <= hi_pct
            cells.append((y[i], f"switches at {_fmt_number(s.value)} ({_fmt_percentile(s.percentile)})",
                          "switching", {} if inside else dict(color="0.45", fontstyle="italic")))
    names = [b.label if config is None else _parameter_label(config, b.parameter) for b in bars]
    ax.set_yticks(y, [plain(_wrap(name, 30)) for name in names], fontsize=8.5)
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column header
    if has_threshold:
        _column(ax, 8, "switching value", cells)
    xs = [r.base] + [v for b in bars for v in (b.low_output, b.high_output) if math.isfinite(v)]
    if has_threshold:
        xs.append(r.threshold)
    lo, hi = min(xs), max(xs)
    pad = 0.14 * (hi - lo) if hi > lo else 1.0
    ax.set_xlim(lo - pad, hi + pad)
    label = _output_label(config, r.output)
    if r.measure == "ratio":
        ax.set_xlabel(plain(_ratio_label(label)))
    else:
        _money_label(ax.xaxis, max(abs(lo), abs(hi)), currency, config.study.price_year if config else None, label)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend_below(ax, ncols=2)
    _titled(ax, f"{label}: one-way sensitivity",
            _subtitle(_study_name(config), f"each parameter at its {lo_pct:g}th and {hi_pct:g}th percentile",
                      "all others at base"))
    notes = []
    if len(r.bars) > k:
        notes.append(f"{len(r.bars) - k} more parameters not shown (smaller swings).")
    if has_threshold:
        notes.append(f"Switching value: where the output crosses break-even with all others at base, and its "
                     f"percentile in the parameter's distribution (grey italics: outside the {lo_pct:g}th to "
                     f"{hi_pct:g}th percentile, or no switch). Rank correlations are not applied.")
    _note(ax, notes, offset=64)
    _style(ax)
    return fig


# ------------------------------------------------------------------ decision drivers
_BIN_NAMES = {4: "quartile", 5: "quintile", 10: "decile"}


def drivers_chart(decision_drivers, *, ax: Axes | Sequence[Axes] | None = None, top: int = 8,
                  config=None) -> Figure:
    """P(output > threshold | parameter in its k-th equal-probability bin) for the top decision drivers.

    One panel per parameter, ranked by the first-order index of the decision
    indicator (:attr:`DecisionDrivers.first_order`, in the panel title with its
    standard error): the conditional probability per bin (quintiles by default)
    with ±1 binomial standard error bars, and the overall probability as a
    dashed line.

    Parameters
    ----------
    decision_drivers : wotsim.drivers.DecisionDrivers
    ax : Axes or sequence of Axes, optional
        Default: a new figure with one panel per parameter.  A sequence gives
        one axes per parameter; a single Axes draws every parameter in it.
    top : int
        Number of parameters drawn.
    config : Config, optional
        For labels and the study name.

    Returns
    -------
    Figure
    """
    d = decision_drivers
    top = _check_top(top)
    k = min(top, len(d.parameters))
    fig, head, axes, separate = _panels(ax, k, 4, 1.6)
    x = np.arange(1, d.bins + 1, dtype=float)
    short = f"{'ratio' if d.threshold == 1.0 else 'NPV'} > {d.threshold:g}"
    word = _BIN_NAMES.get(d.bins, "bin")
    for a, rows in zip(axes, [[j] for j in range(k)] if separate else [list(range(k))]):
        for m, j in enumerate(rows):
            name = d.parameters[j]
            shift = 0.0 if separate else (m - (len(rows) - 1) / 2) * 0.06  # dodge overlapping error bars
            marker = "o" if separate else _MARKERS[m % len(_MARKERS)]
            style = "-" if separate else _DASHES[m % len(_DASHES)]
            eb = a.errorbar(x + shift, d.p_by_bin[j], yerr=d.p_by_bin_se[j], marker=marker, linestyle=style,
                            markersize=4, color="black", markerfacecolor="black" if separate else "white",
                            ecolor="black", elinewidth=0.9, capsize=2.5, linewidth=1.3, zorder=4,
                            label=(f"P({short}) per {word}, ±1 SE" if separate
                                   else plain(_parameter_label(config, name))))
            eb.lines[0].set_gid(f"p_by_bin:{name}")
            eb.lines[2][0].set_gid(f"p_by_bin_se:{name}")
            if separate:
                a.set_title(plain(f"{_wrap(_parameter_label(config, name), 24)}\n"
                                  f"S = {d.first_order[j]:.3f} ± {d.first_order_se[j]:.3f}"), loc="left", fontsize=8)
        a.axhline(d.p_above, color="0.35", linestyle=(0, (4, 2)), linewidth=1.1, zorder=3,
                  label=f"overall P({short})").set_gid("p_overall")
        a.set_ylim(0, 1)
        a.set_xlim(0.6, d.bins + 0.4)
        a.set_xticks(x, [f"{int(v)}" for v in x])
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        a.grid(True, axis="y", color="0.9", linewidth=0.6)
        _style(a)
        a.tick_params(labelsize=7.5)
    label = _output_label(config, d.output)
    title = f"{label}: which parameters decide P({short})"
    xlabel = f"{word.capitalize()} (1 = lowest)" if d.bins in _BIN_NAMES else "Bin (1 = lowest)"
    subtitle = _subtitle(_study_name(config), f"{d.n:,} Monte Carlo draws",
                         f"overall P({short}) = {d.p_above:.3f} ± {d.p_above_se:.3f}", width=105 if head else 80)
    what = f"{word}s" if d.bins in _BIN_NAMES else f"{d.bins} equal-probability bins"
    note = (f"Draws grouped by the parameter's {what} (1 = its lowest values). S: first-order index of the "
            f"indicator 1[{short}] ({d.bins_index} equal-probability bins) ± its standard error; parameters ranked "
            f"by S. Error bars: ±1 binomial standard error.")
    if head is not None:
        ncols = min(4, k)
        for i, a in enumerate(axes):
            if i + ncols >= k:
                a.set_xlabel(xlabel, fontsize=8)
            if i % ncols == 0:
                a.set_ylabel(f"P({short})", fontsize=8.5)
        handles, labels = axes[0].get_legend_handles_labels()
        _header(head, title, subtitle, handles, labels, ncols=2)
        _footnote(fig, textwrap.fill(note, 125))
    else:
        axes[-1].set_xlabel(xlabel)
        axes[0].set_ylabel(f"P({short})")
        if not separate:
            _titled(axes[0], title, subtitle)
            _legend(axes[0], loc="best", ncols=2)
    return fig


# ------------------------------------------------------------------ scenarios
def scenario_comparison(comparison, output: str = "social_ratio", *, ax: Axes | None = None) -> Figure:
    """Scenarios side by side: 90% interval, median and base case of an output, and P(better).

    One row per run (the base analysis first, darker): a bar over the 90%
    interval (:attr:`ScenarioOutcome.interval`, gid ``"interval"``), the median
    (white circle) and the deterministic base case (black diamond) from the
    summaries.  The right-hand columns give, per scenario, the mean paired
    difference from the base analysis with its standard error and P(scenario >
    base analysis) with its standard error (:class:`PairedDifference`).  Thin
    lines separate scenario categories.

    Parameters
    ----------
    comparison : wotsim.scenarios.Comparison
    output : str
        One of ``comparison.outputs``.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    if output not in comparison.outputs:
        raise WotsimError(f"output {output!r} was not compared; compared: {', '.join(comparison.outputs)}")
    config = comparison.base.config
    currency = config.study.currency
    runs = comparison.runs
    k = len(runs)
    labels = [plain(_wrap(r.label, 34)) for r in runs]
    row = 0.44 if any("\n" in t for t in labels) else 0.34
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.5 + row * k)))
    y = np.arange(k, dtype=float)
    outcomes = [r.outcomes[output] for r in runs]
    s0 = outcomes[0].summary
    measure = s0.measure
    lo = np.array([o.interval[0] for o in outcomes])
    hi = np.array([o.interval[1] for o in outcomes])
    med = np.array([o.summary.median for o in outcomes])
    base = np.array([o.summary.base for o in outcomes])
    for i in range(k):
        ax.barh(y[i], hi[i] - lo[i], left=lo[i], height=0.46, color=_FILL_DARK if i == 0 else _FILL_MID,
                edgecolor=_EDGE, linewidth=0.5, zorder=2,
                label="90% interval (5th to 95th percentile)" if i == min(1, k - 1) else None)[0].set_gid("interval")
    ax.plot(med, y, "o", color="black", markerfacecolor="white", markersize=6, zorder=5, label="median",
            linestyle="none")[0].set_gid("median")
    ax.plot(base, y, "D", color="black", markersize=4.5, zorder=6, label="base case (all parameters at base)",
            linestyle="none")[0].set_gid("base")
    has_threshold = measure in ("ratio", "npv")
    if has_threshold:
        style, colour, width = _LINES["threshold"]
        ax.axvline(s0.threshold, linestyle=style, color=colour, linewidth=width, zorder=3,
                   label=f"break-even ({'1' if measure == 'ratio' else '0'})").set_gid("threshold")
    ax.axvline(med[0], color="0.55", linewidth=0.8, linestyle=(0, (2, 2)), zorder=1,
               label="median of the base analysis").set_gid("base_median")
    cats = [r.scenario.category if r.scenario is not None else "" for r in runs]
    for i in range(1, k):
        if i == 1 or cats[i] != cats[i - 1]:
            ax.axhline(i - 0.5, color="0.6", linewidth=0.6, zorder=1).set_gid("separator")
    # right-hand columns: mean paired difference, P(better)
    diffs, better = [], []
    for i, o in enumerate(outcomes):
        d = o.difference
        if d is None:
            diffs.append((y[i], "reference", "diff_mean", dict(fontstyle="italic")))
        elif d.p_better == 0.0 and d.p_worse == 0.0:
            diffs.append((y[i], "identical", "diff_mean", dict(fontstyle="italic")))
        else:
            diffs.append((y[i], _pm(d.mean, d.mean_se, measure=measure, currency=currency, signed=True),
                          "diff_mean", {}))
            better.append((y[i], _pm(d.p_better, d.p_better_se), "p_better", {}))
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column headers
    _column(ax, 8, "Δ mean vs base" if comparison.paired else "Δ mean (unpaired)", diffs)
    _column(ax, 96, "P(better)", better)
    xs = np.concatenate([lo, hi, base, [s0.threshold] if has_threshold else []])
    xs = xs[np.isfinite(xs)]
    xlo, xhi = float(xs.min()), float(xs.max())
    pad = 0.04 * (xhi - xlo) if xhi > xlo else 1.0
    ax.set_xlim(xlo - pad, xhi + pad)
    label = _output_label(config, output)
    if measure == "ratio":
        ax.set_xlabel(plain(_ratio_label(label)))
    else:
        money_axis(ax.xaxis, max(abs(xlo), abs(xhi)), comparison.base, label)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend_below(ax, ncols=2)
    design = "common random numbers (paired)" if comparison.paired else "independent designs (not paired)"
    _titled(ax, f"{label}: scenarios compared",
            _subtitle(_study_name(config), f"{comparison.n:,} {comparison.sampler} samples", design, width=58))
    diff = "draw by draw" if comparison.paired else "on independent draws"
    _note(ax, [f"Δ mean: scenario minus base analysis, {diff}; P(better): P(scenario > base analysis); "
               f"± Monte Carlo standard error, {comparison.base.se_method}. Lines separate scenario categories."],
          offset=76)
    _style(ax)
    return fig


# ------------------------------------------------------------------ value of information
def evppi_ranking(voi_result, *, ax: Axes | None = None, top: int = 12, config=None) -> Figure:
    """EVPPI per group and per parameter, in money per cohort, with the EVPI as a reference line.

    Groups (bold labels, dark hatched bars) come first, then the ``top``
    parameters, as ranked in :class:`wotsim.voi.VoiResult`.  Error bars are ±1
    standard error (it includes the regression's own error); a grey tick marks
    the noise level ``floor + 2 se`` (the floor: the EVPPI an input without
    information shows on average), and bars that do not clear it are drawn light
    and marked "~0".

    Parameters
    ----------
    voi_result : wotsim.voi.VoiResult
    ax : Axes, optional
    top : int
        Number of parameters drawn (every group is drawn).
    config : Config, optional
        For labels, the study name and the price year.

    Returns
    -------
    Figure
    """
    v = voi_result
    top = _check_top(top)
    rows = list(v.groups) + list(v.parameters[:top])
    ng = len(v.groups)
    k = len(rows)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.5 + 0.33 * k)))
    y = np.arange(k, dtype=float)
    if ng and k > ng:
        y[ng:] += 0.6  # a gap between groups and parameters
    values = np.array([e.value for e in rows])
    se = np.array([e.se for e in rows])
    levels = np.array([e.floor + 2 * e.se for e in rows])  # not distinguishable from 0 at or below
    currency = v.currency
    for i, e in enumerate(rows):
        group = e.kind == "group"
        colour = (_FILL_DARK if group else _FILL_MID) if e.distinguishable else _FILL_LIGHT
        ax.barh(y[i], e.value, height=0.62, color=colour, edgecolor=_EDGE, linewidth=0.5,
                hatch="////" if group else None, zorder=2)[0].set_gid(f"evppi_{e.kind}")
        ax.annotate(plain(_fmt_value("npv", e.value, currency) + ("" if e.distinguishable else "  ~0")),
                    xy=(max(e.value + e.se, e.floor + 2 * e.se), y[i]), xytext=(6, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7.5, gid="evppi_value")
    err = ax.errorbar(values, y, xerr=se, fmt="none", color="black", ecolor="black", elinewidth=0.9, capsize=2.5,
                      zorder=4,
                      label="±1 SE (incl. regression error)")
    err[2][0].set_gid("evppi_se")
    ax.plot(levels, y, linestyle="none", marker="|", markersize=11, markeredgewidth=1.6, color="0.45",
            zorder=5, label="noise level (floor + 2 SE)")[0].set_gid("noise")
    style, colour, width = _LINES["target"]
    ax.axvline(v.evpi, linestyle=style, color=colour, linewidth=width, zorder=3,
               label=plain(f"EVPI {_pm(v.evpi, v.evpi_se, measure='npv', currency=currency)}")).set_gid("evpi")
    if ng:
        ax.barh([np.nan], [0], color=_FILL_DARK, edgecolor=_EDGE, linewidth=0.5, hatch="////", label="group")
    ax.barh([np.nan], [0], color=_FILL_MID, edgecolor=_EDGE, linewidth=0.5, label="parameter")
    ax.barh([np.nan], [0], color=_FILL_LIGHT, edgecolor=_EDGE, linewidth=0.5, label="not distinguishable from 0")

    def row_label(e) -> str:
        if e.kind == "group":
            return f"{e.name} ({_plural(len(e.parameters), 'parameter')})"
        return _parameter_label(config, e.name) if config is not None else (e.label or e.name)

    ax.set_yticks(y, [plain(_wrap(row_label(e), 30)) for e in rows], fontsize=8.5)
    for tick, e in zip(ax.get_yticklabels(), rows):
        if e.kind == "group":
            tick.set_fontweight("bold")
    ax.set_ylim(float(y[-1]) + 0.6 if k else 1.0, -0.6)
    hi = max(float(v.evpi), float(np.max(values + se)) if k else 0.0, float(np.max(levels)) if k else 0.0)
    ax.set_xlim(0, hi * 1.16 if hi > 0 else 1.0)
    _money_label(ax.xaxis, hi, currency, config.study.price_year if config is not None else None,
                 "EVPPI per cohort")
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend_below(ax, ncols=3)
    if v.decision == "keep":
        title = "Value of information: keep or stop"
    else:
        title = f"Value of information: adopt {v.options[1]!r} or keep the base"
    _titled(ax, title, _subtitle(_study_name(config), f"{v.n:,} draws",
                                 f"current choice {v.choice!r} (E[INB] = {_fmt_value('npv', v.mean_inb, currency)})",
                                 f"P(the other option is better) = {v.p_wrong:.3f}"))
    notes = [f"EVPPI: expected gain per cohort (present value) from learning the true value of a parameter or "
             f"group before deciding; net benefit = {v.output}; {v.estimator}; ~0: EVPPI <= noise floor + 2 SE "
             f"(not distinguishable from 0)."]
    underfit = [e.name for e in rows if getattr(e, "fit_warning", "")]
    if underfit:
        notes.append(f"Group fit explains less than one of its members alone ({', '.join(underfit)}): "
                     f"that group's EVPPI is probably underestimated.")
    if len(v.parameters) > top:
        notes.insert(0, f"{len(v.parameters) - top} more parameters not shown.")
    _note(ax, notes, offset=66)
    _style(ax)
    return fig


# ------------------------------------------------------------------ collections
def _as_list(obj) -> list:
    if obj is None:
        return []
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def sensitivity_figures(sobol_result=None, oneway=None, drivers=None, *,
                        config=None) -> Iterator[tuple[str, Figure]]:
    """The sensitivity figures, one at a time, as ``(file stem, figure)``.

    Parameters
    ----------
    sobol_result : SobolResult, optional
        Per analysed output ``sobol_<output>`` (bars) and ``sobol_convergence_<output>``;
        ``sobol_<grouping>_...`` for grouped indices.
    oneway : OneWayResult or sequence of them, optional
        ``tornado_<output>`` each.
    drivers : DecisionDrivers or sequence of them, optional
        ``drivers_<output>`` each.
    config : Config, optional
        For labels, the study name and currency.
    """
    if sobol_result is not None:
        grouping = sobol_result.plan.grouping
        prefix = "sobol" if grouping is None else f"sobol_{file_stem(grouping, 'Sobol grouping')}"
        for name in sobol_result.indices:
            stem = file_stem(name, "Sobol' output")
            yield f"{prefix}_{stem}", sobol_bars(sobol_result, name, config=config)
            yield f"{prefix}_convergence_{stem}", sobol_convergence(sobol_result, name, config=config)
    for r in _as_list(oneway):
        yield f"tornado_{file_stem(r.output, 'one-way output')}", tornado(r, config=config)
    for d in _as_list(drivers):
        yield f"drivers_{file_stem(d.output, 'decision drivers output')}", drivers_chart(d, config=config)


def scenario_figures(comparison=None, voi=None, *, config=None) -> Iterator[tuple[str, Figure]]:
    """The scenario and value-of-information figures, one at a time, as ``(file stem, figure)``.

    Parameters
    ----------
    comparison : Comparison, optional
        ``scenarios_<output>`` per compared output.
    voi : VoiResult or sequence of them, optional
        ``evppi_<decision>`` each (``evppi_keep``, ``evppi_adopt_<scenario>``).
    config : Config, optional
        For the value-of-information figures (default: the comparison's base config).
    """
    if comparison is not None:
        if config is None:
            config = comparison.base.config
        for name in comparison.outputs:
            yield f"scenarios_{file_stem(name, 'compared output')}", scenario_comparison(comparison, name)
    for v in _as_list(voi):
        yield f"evppi_{file_stem(v.decision, 'value-of-information decision')}", evppi_ranking(v, config=config)
