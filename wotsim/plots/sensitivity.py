"""Sensitivity figures: Sobol' indices and their convergence, the one-way tornado, the decision drivers.

These figures take the results of :mod:`wotsim.analysis` by attribute (plots never import
analysis).  Results that carry no config (one-way, drivers) take an optional ``config`` for
the study name, currency, price year and labels; without it they show the results' labels, an id
without one humanised (:func:`~wotsim.plots.style.readable`).  Morris and PAWN
figures are in :mod:`wotsim.plots.screening`; :func:`sensitivity_figures` lists them all.
"""

from __future__ import annotations

import math
import textwrap
from typing import Iterator, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .._paths import file_stem
from ..formatting import figure_number, figure_value, lower_first, percentile_name, probability
from .screening import morris_chart, pawn_bars
from .style import (EDGE, FILL_DARK, FILL_LIGHT, FILL_MID, LINES, add_column, add_footnote, add_header, add_legend,
                    add_note, as_list, check_top, factor_label, factors_word, fit, group_labels,
                    indices_of, join_subtitle, legend_below, money_label, new_axes, output_label, panels,
                    parameter_label, plain, ratio_label, readable, study_name, style_axes, titled, wrap)

__all__ = ["drivers_chart", "sensitivity_figures", "sobol_bars", "sobol_convergence", "tornado"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_DASHES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


def _factor_label(sobol_result, factor: str, config=None) -> str:
    """A factor's display label: labels, never ids (group labels from ``config``)."""
    grouped = sobol_result.plan.groups is not None
    groups = group_labels(config, sobol_result.plan.grouping) if grouped else None
    return factor_label(sobol_result.labels, factor, sobol_result.members if grouped else None, groups)


def _sobol_subtitle(sobol_result, config, width: int = 82) -> str:
    plan = sobol_result.plan
    study = study_name(config, str(sobol_result.manifest.get("study", "")))
    what = factors_word(plan.grouping, plan.groups is not None)
    return join_subtitle(study, f"{what}, N = {plan.n:,} base samples ({plan.rows:,} model runs)",
                         f"{plan.conf_level:.0%} CIs by {fit(sobol_result.ci_method)}", width=width)


# ------------------------------------------------------------------ Sobol' indices
def sobol_bars(sobol_result, *, output: str, ax: Axes | None = None, top: int = 15, config=None) -> Figure:
    """First- and total-order Sobol' indices with their confidence intervals, ranked.

    Factors (parameters, or groups with their member counts) are ranked by total
    order (:attr:`SobolIndices.order`); the ``top`` first are drawn, each as a
    total-order bar (dark, gid ``"ST"``) above a first-order bar (light,
    hatched, gid ``"S1"``) with the CI half-widths as error bars.  Factors whose
    convergence verdict is "not stable" are marked with the reason (wide CI,
    independent halves of the design disagree).

    Parameters
    ----------
    sobol_result : wotsim.analysis.sobol.SobolResult
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
    ind = indices_of(sobol_result, output, "Sobol'")
    top = check_top(top)
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.3 + 0.36 * k)))
    y = np.arange(k, dtype=float)
    h = 0.38
    st, st_conf = ind.ST[order], ind.ST_conf[order]
    s1, s1_conf = ind.S1[order], ind.S1_conf[order]
    err = dict(fmt="none", color="black", ecolor="black", elinewidth=0.9, capsize=2.5, zorder=4)
    for patch in ax.barh(y - h / 2, st, height=h, color=FILL_DARK, edgecolor=EDGE, linewidth=0.5,
                         label="total order $S_T$", zorder=2):
        patch.set_gid("ST")
    ax.errorbar(st, y - h / 2, xerr=st_conf, **err)[2][0].set_gid("ST_conf")
    for patch in ax.barh(y + h / 2, s1, height=h, color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.5, hatch="////",
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
    ax.set_yticks(y, [plain(wrap(_factor_label(sobol_result, ind.factors[j], config), 34)) for j in order], fontsize=8.5)
    ax.set_ylim(k - 0.4, -0.6)
    lo = min(0.0, float(np.min(s1 - s1_conf)) if k else 0.0)
    hi = float(np.max(right)) if k else 1.0
    span = hi - lo if hi > lo else 1.0
    ax.set_xlim(lo - 0.02 * span, hi + span * (0.3 if flagged else 0.06))
    label = output_label(config, output, sobol_result.manifest)
    ax.set_xlabel(plain(f"Sobol' index (share of the variance of the {lower_first(label)})"))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax)
    titled(ax, f"{label}: Sobol' sensitivity indices", _sobol_subtitle(sobol_result, config))
    what = "Parameter groups" if sobol_result.plan.groups is not None else "Parameters"
    rest = len(ind.factors) - k
    notes = [f"{what} ranked by total order"
             + (f"; {rest} more not shown (total order ≤ {ind.ST[int(ind.order[k])]:.3f} each)." if rest else "."),
             f"{ind.convergence.rule[:1].upper()}{ind.convergence.rule[1:]}.",
             *sobol_result.notes]
    if ind.constant:
        notes.append("The output does not vary in this design: every index is 0.")
    add_note(ax, notes, offset=50)
    style_axes(ax)
    return fig


def sobol_convergence(sobol_result, *, output: str, ax: Axes | Sequence[Axes] | None = None, top: int = 6,
                      config=None) -> Figure:
    """Sobol' indices of the top factors against the number of base samples, with CI bands.

    The indices were recomputed on nested prefixes of one design made of
    whole independent randomisations, each with its own jackknife CI
    (:class:`wotsim.analysis.sobol_estimates.SobolConvergence`).  Total order: solid line
    on a grey band; first order: dashed line on a hatched band (each band ±
    the CI half-width).  Each panel names the factor and its verdict.

    Parameters
    ----------
    sobol_result : wotsim.analysis.sobol.SobolResult
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
    ind = indices_of(sobol_result, output, "Sobol'")
    top = check_top(top)
    conv = ind.convergence
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, head, axes, separate = panels(ax, k, 3, 1.75)
    n = conv.n.astype(float)
    level = f"{sobol_result.plan.conf_level:.0%}"
    for a, factors in zip(axes, [[j] for j in order] if separate else [order]):
        for m, j in enumerate(factors):
            marker = "o" if separate else _MARKERS[m % len(_MARKERS)]
            f = ind.factors[j]
            tag = "" if separate else plain(f": {_factor_label(sobol_result, f, config)}")  # after wotsim's $S_T$
            a.fill_between(n, conv.ST[:, j] - conv.ST_conf[:, j], conv.ST[:, j] + conv.ST_conf[:, j],
                           color=FILL_LIGHT, linewidth=0, zorder=1,
                           label=f"{level} CI of $S_T$" if m == 0 else None).set_gid(f"ST_band:{f}")
            a.fill_between(n, conv.S1[:, j] - conv.S1_conf[:, j], conv.S1[:, j] + conv.S1_conf[:, j],
                           facecolor="none", edgecolor=FILL_MID, hatch="////", linewidth=0, zorder=2,
                           label=f"{level} CI of $S_1$" if m == 0 else None).set_gid(f"S1_band:{f}")
            a.plot(n, conv.ST[:, j], color="black", linewidth=1.4, marker=marker, markersize=4,
                   label=f"total order $S_T${tag}", zorder=4)[0].set_gid(f"ST:{f}")
            a.plot(n, conv.S1[:, j], color="0.3", linewidth=1.2, linestyle=(0, (4, 2)), marker=marker, markersize=4,
                   markerfacecolor="white", label=f"first order $S_1${tag}", zorder=4)[0].set_gid(f"S1:{f}")
        if separate:
            j = factors[0]
            verdict = ind.verdicts[j] + (f" ({conv.reasons[j]})" if conv.reasons[j] else "")
            a.set_title(plain(f"{wrap(_factor_label(sobol_result, ind.factors[j], config), 30)}\n{verdict}"), loc="left",
                        fontsize=8.5)
        a.set_xscale("log", base=2)
        a.set_xticks(n, [f"{int(v):,}" for v in n])
        a.minorticks_off()
        a.grid(True, color="0.9", linewidth=0.6)
        style_axes(a)
        a.tick_params(labelsize=7.5)
    label = output_label(config, output, sobol_result.manifest)
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
        add_header(head, title, _sobol_subtitle(sobol_result, config, width=105), handles, labels, ncols=4)
        add_footnote(fig, textwrap.fill(note, 125))
    else:
        axes[-1].set_xlabel("Base samples N (nested prefixes of one design)")
        axes[0].set_ylabel("Sobol' index")
        if not separate:
            titled(axes[0], title, _sobol_subtitle(sobol_result, config))
            add_legend(axes[0], loc="best", ncols=2)
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
    oneway_result : wotsim.analysis.oneway.OneWayResult
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
    top = check_top(top)
    bars, switching = r.bars[:top], r.switching[:top]
    k = len(bars)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.4 + 0.34 * k)))
    currency = config.study.currency if config is not None else ""
    y = np.arange(k, dtype=float)
    lo_pct, hi_pct = r.low_percentile, r.high_percentile
    for i, b in enumerate(bars):
        for value, out, gid, colour, hatch in ((b.low_input, b.low_output, "low", FILL_LIGHT, None),
                                               (b.high_input, b.high_output, "high", FILL_DARK, "////")):
            if not math.isfinite(out):
                continue
            ax.barh(y[i], out - r.base, left=r.base, height=0.62, color=colour, edgecolor=EDGE, linewidth=0.6,
                    hatch=hatch, zorder=2)[0].set_gid(gid)
            outward = 1 if out > r.base or (out == r.base and gid == "high") else -1
            ax.annotate(figure_number(value), xy=(out, y[i]), xytext=(3 * outward, 0), textcoords="offset points",
                        ha="left" if outward > 0 else "right", va="center", fontsize=7, color="0.15",
                        gid=f"{gid}_input")
    # legend entries for the two sides, whatever the bars' directions
    ax.barh([np.nan], [0], color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.6,
            label=f"parameter at its {lo_pct:g}th percentile")
    ax.barh([np.nan], [0], color=FILL_DARK, edgecolor=EDGE, linewidth=0.6, hatch="////",
            label=f"parameter at its {hi_pct:g}th percentile")
    style, colour, width = LINES["base"]
    ax.axvline(r.base, linestyle=style, color=colour, linewidth=width, zorder=4,
               label=plain(f"base case {figure_value(r.measure, r.base, currency)}")).set_gid("base")
    has_threshold = math.isfinite(r.threshold)
    if has_threshold:
        style, colour, width = LINES["threshold"]
        ax.axvline(r.threshold, linestyle=style, color=colour, linewidth=width, zorder=4,
                   label=f"break-even ({'1' if r.measure == 'ratio' else '0'})").set_gid("threshold")
        cells = []
        for i, s in enumerate(switching):
            if s.value is None:
                cells.append((y[i], "none in range", "switching", dict(color="0.45", fontstyle="italic")))
                continue
            inside = lo_pct <= s.percentile <= hi_pct
            cells.append((y[i], f"switches at {figure_number(s.value)} ({percentile_name(s.percentile)})",
                          "switching", {} if inside else dict(color="0.45", fontstyle="italic")))
    names = [readable(b.label, b.parameter) if config is None else parameter_label(config, b.parameter) for b in bars]
    ax.set_yticks(y, [plain(wrap(name, 30)) for name in names], fontsize=8.5)
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column header
    if has_threshold:
        add_column(ax, 8, "switching value", cells)
    xs = [r.base] + [v for b in bars for v in (b.low_output, b.high_output) if math.isfinite(v)]
    if has_threshold:
        xs.append(r.threshold)
    lo, hi = min(xs), max(xs)
    pad = 0.14 * (hi - lo) if hi > lo else 1.0
    ax.set_xlim(lo - pad, hi + pad)
    label = output_label(config, r.output)
    if r.measure == "ratio":
        ax.set_xlabel(plain(ratio_label(label)))
    else:
        money_label(ax.xaxis, max(abs(lo), abs(hi)), currency, config.study.price_year if config else None, label)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=2)
    titled(ax, f"{label}: one-way sensitivity",
           join_subtitle(study_name(config), f"each parameter at its {lo_pct:g}th and {hi_pct:g}th percentile",
                         "all others at base"))
    notes = []
    if len(r.bars) > k:
        notes.append(f"{len(r.bars) - k} more parameters not shown (smaller swings).")
    if has_threshold:
        notes.append(f"Switching value: where the output crosses break-even with all others at base, and its "
                     f"percentile in the parameter's distribution (grey italics: outside the {lo_pct:g}th to "
                     f"{hi_pct:g}th percentile, or no switch). Rank correlations are not applied.")
    add_note(ax, notes, offset=64)
    style_axes(ax)
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
    decision_drivers : wotsim.analysis.drivers.DecisionDrivers
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
    top = check_top(top)
    k = min(top, len(d.parameters))
    fig, head, axes, separate = panels(ax, k, 4, 1.6)
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
                                   else plain(parameter_label(config, name))))
            eb.lines[0].set_gid(f"p_by_bin:{name}")
            eb.lines[2][0].set_gid(f"p_by_bin_se:{name}")
            if separate:
                a.set_title(plain(f"{wrap(parameter_label(config, name), 24)}\n"
                                  f"S = {d.first_order[j]:.3f} ± {d.first_order_se[j]:.3f}"), loc="left", fontsize=8)
        a.axhline(d.p_above, color="0.35", linestyle=(0, (4, 2)), linewidth=1.1, zorder=3,
                  label=f"overall P({short})").set_gid("p_overall")
        a.set_ylim(0, 1)
        a.set_xlim(0.6, d.bins + 0.4)
        a.set_xticks(x, [f"{int(v)}" for v in x])
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        a.grid(True, axis="y", color="0.9", linewidth=0.6)
        style_axes(a)
        a.tick_params(labelsize=7.5)
    label = output_label(config, d.output)
    title = f"{label}: which parameters decide P({short})"
    xlabel = f"{word.capitalize()} (1 = lowest)" if d.bins in _BIN_NAMES else "Bin (1 = lowest)"
    subtitle = join_subtitle(study_name(config), f"{d.n:,} Monte Carlo draws",
                             f"overall P({short}) = {probability(d.p_above, d.p_above_se)}", width=105 if head else 80)
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
        add_header(head, title, subtitle, handles, labels, ncols=2)
        add_footnote(fig, textwrap.fill(note, 125))
    else:
        axes[-1].set_xlabel(xlabel)
        axes[0].set_ylabel(f"P({short})")
        if not separate:
            titled(axes[0], title, subtitle)
            add_legend(axes[0], loc="best", ncols=2)
    return fig


# ------------------------------------------------------------------ collection
def sensitivity_figures(sobol_result=None, oneway=None, drivers=None, *, morris=None, pawn=None,
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
    morris : MorrisResult, optional
        Per analysed output ``morris_<output>`` (``morris_<grouping>_...`` for groups).
    pawn : PawnResult, optional
        Per analysed output ``pawn_<output>`` (``pawn_<grouping>_...`` for groups).
    config : Config, optional
        For labels, the study name and currency.
    """
    if sobol_result is not None:
        prefix = _prefix("sobol", sobol_result.plan.grouping, "Sobol grouping")
        for name in sobol_result.indices:
            stem = file_stem(name, "Sobol' output")
            yield f"{prefix}_{stem}", sobol_bars(sobol_result, output=name, config=config)
            yield f"{prefix}_convergence_{stem}", sobol_convergence(sobol_result, output=name, config=config)
    for method, what, result, draw in (("morris", "Morris", morris, morris_chart), ("pawn", "PAWN", pawn, pawn_bars)):
        if result is not None:
            prefix = _prefix(method, result.grouping, f"{what} grouping")
            for name in result.indices:
                yield f"{prefix}_{file_stem(name, f'{what} output')}", draw(result, output=name, config=config)
    for r in as_list(oneway):
        yield f"tornado_{file_stem(r.output, 'one-way output')}", tornado(r, config=config)
    for d in as_list(drivers):
        yield f"drivers_{file_stem(d.output, 'decision drivers output')}", drivers_chart(d, config=config)


def _prefix(method: str, grouping: str | None, what: str) -> str:
    """``method``, or ``<method>_<grouping>`` for grouped indices."""
    return method if grouping is None else f"{method}_{file_stem(grouping, what)}"
