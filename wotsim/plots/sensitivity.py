"""Sensitivity figures: Sobol' indices and their convergence, the one-way tornado; the list of them all.

These figures take the results of :mod:`wotsim.analysis` by attribute (plots never import
analysis).  Results that carry no config (one-way, drivers) take an optional ``config`` for
the study name, currency, price year and labels; without it they show the results' labels, an id
without one humanised (:func:`~wotsim.labels.readable`).  Morris and PAWN
figures are in :mod:`wotsim.plots.screening`, the decision drivers in :mod:`wotsim.plots.drivers`;
:func:`sensitivity_figures` lists them all.
"""

from __future__ import annotations

import math
import textwrap
from typing import Iterator, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._paths import file_stem
from ..formatting import count, figure_number, figure_value, fixed, lower_first, percent, percentile_name, written
from ..i18n import DEFAULT_LANGUAGE, ordinal, translator
from ..labels import parameter_label, readable
from ..notes import note
from .drivers import drivers_chart
from .screening import morris_chart, pawn_bars
from .style import (EDGE, FILL_DARK, FILL_LIGHT, FILL_MID, LINES, add_column, add_footnote, add_header, add_legend,
                    add_note, as_list, break_even, check_top, indices_of, join_subtitle, legend_below, money_label,
                    new_axes, panels, plain, ratio_label, style_axes, titled, wrap)
from .words import english, factor_label, factors_word, fit, group_labels, output_label, study_name

__all__ = ["drivers_chart", "sensitivity_figures", "sobol_bars", "sobol_convergence", "tornado"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def _factor_label(sobol_result, factor: str, config=None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A factor's display label: labels, never ids (group labels from ``config``)."""
    grouped = sobol_result.plan.groups is not None
    groups = group_labels(config, sobol_result.plan.grouping) if grouped else None
    return factor_label(sobol_result.labels, factor, sobol_result.members if grouped else None, groups, lang=lang,
                        config=config, grouping=sobol_result.plan.grouping)


def _sobol_subtitle(sobol_result, config, width: int = 82, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = translator(lang)
    plan = sobol_result.plan
    study = study_name(config, str(sobol_result.manifest.get("study", "")), lang)
    what = factors_word(plan.grouping, plan.groups is not None, lang)
    method = note(sobol_result.ci_method, lang)
    return join_subtitle(study, _("{what}, N = {n} base samples ({rows} model runs)").format(
                             what=what, n=count(plan.n, lang), rows=count(plan.rows, lang)),
                         _("{level} CIs by {method}").format(level=percent(plan.conf_level, lang=lang),
                                                             method=fit(method)),
                         width=width)


def _rule(convergence, lang: str) -> str:
    """The stability rule of the Sobol' indices in words, with a capital and a full stop."""
    rule = note(convergence.rule, lang)
    return f"{rule[:1].upper()}{rule[1:]}."


def _verdict(convergence, j: int, lang: str) -> str:
    """A factor's verdict with the reasons it is not stable: ``not stable (CI, halves disagree)``."""
    reasons = ", ".join(note(r, lang) for r in convergence.reasons[j].split(", ") if r)
    return note(convergence.verdicts[j], lang) + (f" ({reasons})" if reasons else "")


# ------------------------------------------------------------------ Sobol' indices
def sobol_bars(sobol_result, *, output: str, ax: Axes | None = None, top: int = 15, config=None,
               lang: str = DEFAULT_LANGUAGE) -> Figure:
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
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
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
                         label=_("total order $S_T$"), zorder=2):
        patch.set_gid("ST")
    ax.errorbar(st, y - h / 2, xerr=st_conf, **err)[2][0].set_gid("ST_conf")
    for patch in ax.barh(y + h / 2, s1, height=h, color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.5, hatch="////",
                         label=_("first order $S_1$"), zorder=2):
        patch.set_gid("S1")
    bars = ax.errorbar(s1, y + h / 2, xerr=s1_conf, label=_("{level} confidence interval").format(
        level=percent(sobol_result.plan.conf_level, lang=lang)), **err)
    bars[2][0].set_gid("S1_conf")
    ax.axvline(0, color="0.3", linewidth=0.8, zorder=1).set_gid("zero")

    right = np.maximum(st + st_conf, s1 + s1_conf)
    flagged = 0
    for i, j in enumerate(order):
        if ind.verdicts[j] != "stable":
            flagged += 1
            ax.annotate(plain(_verdict(ind.convergence, j, lang)), xy=(right[i], y[i]), xytext=(5, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=7.5, fontstyle="italic",
                        gid="not_stable")
    ax.set_yticks(y, [plain(wrap(_factor_label(sobol_result, ind.factors[j], config, lang), 34)) for j in order],
                  fontsize=8.5)
    ax.set_ylim(k - 0.4, -0.6)
    lo = min(0.0, float(np.min(s1 - s1_conf)) if k else 0.0)
    hi = float(np.max(right)) if k else 1.0
    span = hi - lo if hi > lo else 1.0
    ax.set_xlim(lo - 0.02 * span, hi + span * (0.3 if flagged else 0.06))
    label = output_label(config, output, sobol_result.manifest, lang)
    ax.set_xlabel(plain(_("Sobol' index (share of the variance of the {label})").format(label=lower_first(label))))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax)
    titled(ax, _("{label}: Sobol' sensitivity indices").format(label=label),
           _sobol_subtitle(sobol_result, config, lang=lang))
    what = _("Parameter groups") if sobol_result.plan.groups is not None else _("Parameters")
    rest = len(ind.factors) - k
    ranked = _("{what} ranked by total order; {n} more not shown (total order ≤ {value} each).").format(
        what=what, n=count(rest, lang), value=fixed(ind.ST[int(ind.order[k])], 3, lang)) if rest else \
        _("{what} ranked by total order.").format(what=what)
    notes = [ranked, _rule(ind.convergence, lang), *(note(n, lang) for n in sobol_result.notes)]
    if ind.constant:
        notes.append(_("The output does not vary in this design: every index is 0."))
    add_note(ax, notes, offset=50)
    style_axes(ax, lang)
    return fig


def sobol_convergence(sobol_result, *, output: str, ax: Axes | Sequence[Axes] | None = None, top: int = 6,
                      config=None, lang: str = DEFAULT_LANGUAGE) -> Figure:
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
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    ind = indices_of(sobol_result, output, "Sobol'")
    top = check_top(top)
    conv = ind.convergence
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, head, axes, separate = panels(ax, k, 3, 1.75)
    n = conv.n.astype(float)
    level = percent(sobol_result.plan.conf_level, lang=lang)
    for a, factors in zip(axes, [[j] for j in order] if separate else [order]):
        for m, j in enumerate(factors):
            marker = "o" if separate else _MARKERS[m % len(_MARKERS)]
            f = ind.factors[j]
            tag = "" if separate else plain(f": {_factor_label(sobol_result, f, config, lang)}")  # after $S_T$
            a.fill_between(n, conv.ST[:, j] - conv.ST_conf[:, j], conv.ST[:, j] + conv.ST_conf[:, j],
                           color=FILL_LIGHT, linewidth=0, zorder=1,
                           label=_("{level} CI of $S_T$").format(level=level) if m == 0 else None
                           ).set_gid(f"ST_band:{f}")
            a.fill_between(n, conv.S1[:, j] - conv.S1_conf[:, j], conv.S1[:, j] + conv.S1_conf[:, j],
                           facecolor="none", edgecolor=FILL_MID, hatch="////", linewidth=0, zorder=2,
                           label=_("{level} CI of $S_1$").format(level=level) if m == 0 else None
                           ).set_gid(f"S1_band:{f}")
            a.plot(n, conv.ST[:, j], color="black", linewidth=1.4, marker=marker, markersize=4,
                   label=_("total order $S_T$") + tag, zorder=4)[0].set_gid(f"ST:{f}")
            a.plot(n, conv.S1[:, j], color="0.3", linewidth=1.2, linestyle=(0, (4, 2)), marker=marker, markersize=4,
                   markerfacecolor="white", label=_("first order $S_1$") + tag, zorder=4)[0].set_gid(f"S1:{f}")
        if separate:
            j = factors[0]
            a.set_title(plain(f"{wrap(_factor_label(sobol_result, ind.factors[j], config, lang), 30)}\n"
                              f"{_verdict(conv, j, lang)}"), loc="left", fontsize=8.5)
        a.set_xscale("log", base=2)
        a.set_xticks(n, [count(int(v), lang) for v in n])
        a.minorticks_off()
        a.grid(True, color="0.9", linewidth=0.6)
        style_axes(a, lang)
        a.tick_params(labelsize=7.5)
    label = output_label(config, output, sobol_result.manifest, lang)
    title = _("{label}: convergence of the Sobol' indices").format(label=label)
    footnote = _("Indices recomputed on nested prefixes of one design (whole independent randomisations, each "
                 "prefix with its own jackknife CI).") + " " + _rule(conv, lang)
    if head is not None:
        ncols = min(3, k)
        for i, a in enumerate(axes):
            if i + ncols >= k:
                a.set_xlabel(_("Base samples N"), fontsize=8.5)
            if i % ncols == 0:
                a.set_ylabel(_("Sobol' index"), fontsize=8.5)
        handles, labels = axes[0].get_legend_handles_labels()
        add_header(head, title, _sobol_subtitle(sobol_result, config, width=105, lang=lang), handles, labels, ncols=4)
        add_footnote(fig, textwrap.fill(footnote, 125))
    else:
        axes[-1].set_xlabel(_("Base samples N (nested prefixes of one design)"))
        axes[0].set_ylabel(_("Sobol' index"))
        if not separate:
            titled(axes[0], title, _sobol_subtitle(sobol_result, config, lang=lang))
            add_legend(axes[0], loc="best", ncols=2)
    return fig


# ------------------------------------------------------------------ one-way sensitivity
def _nth(p: float, lang: str) -> str:
    """A percentile as an ordinal: ``5th``, ``97.5th`` / ``5e``, ``97,5e``."""
    if english(lang):
        return f"{p:g}th"
    return ordinal(int(p), lang) if p == int(p) else f"{written(p, lang)}e"


def _percentile_name(p: float, lang: str) -> str:
    """``p5`` (:func:`wotsim.formatting.percentile_name`), with the locale's decimal sign."""
    return percentile_name(p) if english(lang) else f"p{fixed(p, 0 if 1.0 <= p <= 99.0 else 1, lang)}"


def tornado(oneway_result, *, ax: Axes | None = None, top: int = 12, config=None,
            lang: str = DEFAULT_LANGUAGE) -> Figure:
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
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    r = oneway_result
    top = check_top(top)
    bars, switching = r.bars[:top], r.switching[:top]
    k = len(bars)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.4 + 0.34 * k)))
    currency = config.study.currency if config is not None else ""
    y = np.arange(k, dtype=float)
    lo_pct, hi_pct = r.low_percentile, r.high_percentile
    for i, b in enumerate(bars):
        for x, out, gid, colour, hatch in ((b.low_input, b.low_output, "low", FILL_LIGHT, None),
                                           (b.high_input, b.high_output, "high", FILL_DARK, "////")):
            if not math.isfinite(out):
                continue
            ax.barh(y[i], out - r.base, left=r.base, height=0.62, color=colour, edgecolor=EDGE, linewidth=0.6,
                    hatch=hatch, zorder=2)[0].set_gid(gid)
            outward = 1 if out > r.base or (out == r.base and gid == "high") else -1
            ax.annotate(figure_number(x, lang), xy=(out, y[i]), xytext=(3 * outward, 0), textcoords="offset points",
                        ha="left" if outward > 0 else "right", va="center", fontsize=7, color="0.15",
                        gid=f"{gid}_input")
    # legend entries for the two sides, whatever the bars' directions
    low, high = _nth(lo_pct, lang), _nth(hi_pct, lang)
    ax.barh([np.nan], [0], color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.6,
            label=_("parameter at its {percentile} percentile").format(percentile=low))
    ax.barh([np.nan], [0], color=FILL_DARK, edgecolor=EDGE, linewidth=0.6, hatch="////",
            label=_("parameter at its {percentile} percentile").format(percentile=high))
    style, colour, width = LINES["base"]
    ax.axvline(r.base, linestyle=style, color=colour, linewidth=width, zorder=4,
               label=plain(_("base case {value}").format(value=figure_value(r.measure, r.base, currency, lang)))
               ).set_gid("base")
    has_threshold = math.isfinite(r.threshold)
    if has_threshold:
        style, colour, width = LINES["threshold"]
        ax.axvline(r.threshold, linestyle=style, color=colour, linewidth=width, zorder=4,
                   label=break_even(r.measure, lang)).set_gid("threshold")
        cells = []
        for i, s in enumerate(switching):
            if s.value is None:
                cells.append((y[i], _("none in range"), "switching", dict(color="0.45", fontstyle="italic")))
                continue
            inside = lo_pct <= s.percentile <= hi_pct
            cells.append((y[i], _("switches at {value} ({percentile})").format(
                value=figure_number(s.value, lang), percentile=_percentile_name(s.percentile, lang)),
                "switching", {} if inside else dict(color="0.45", fontstyle="italic")))
    names = [readable(b.label, b.parameter) if config is None else fit(parameter_label(config, b.parameter, lang))
             for b in bars]
    ax.set_yticks(y, [plain(wrap(name, 30)) for name in names], fontsize=8.5)
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column header
    if has_threshold:
        add_column(ax, 8, _("switching value"), cells)
    xs = [r.base] + [v for b in bars for v in (b.low_output, b.high_output) if math.isfinite(v)]
    if has_threshold:
        xs.append(r.threshold)
    lo, hi = min(xs), max(xs)
    pad = 0.14 * (hi - lo) if hi > lo else 1.0
    ax.set_xlim(lo - pad, hi + pad)
    label = output_label(config, r.output, lang=lang)
    if r.measure == "ratio":
        ax.set_xlabel(plain(ratio_label(label, lang)))
    else:
        money_label(ax.xaxis, max(abs(lo), abs(hi)), currency, config.study.price_year if config else None, label,
                    lang=lang)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=2)
    titled(ax, _("{label}: one-way sensitivity").format(label=label),
           join_subtitle(study_name(config, lang=lang),
                         _("each parameter at its {low} and {high} percentile").format(low=low, high=high),
                         _("all others at base")))
    notes = []
    if len(r.bars) > k:
        notes.append(_("{n} more parameters not shown (smaller swings).").format(n=count(len(r.bars) - k, lang)))
    if has_threshold:
        notes.append(_("Switching value: where the output crosses break-even with all others at base, and its "
                       "percentile in the parameter's distribution (grey italics: outside the {low} to {high} "
                       "percentile, or no switch). Rank correlations are not applied.").format(low=low, high=high))
    add_note(ax, notes, offset=64)
    style_axes(ax, lang)
    return fig


# ------------------------------------------------------------------ collection
def sensitivity_figures(sobol_result=None, oneway=None, drivers=None, *, morris=None, pawn=None,
                        config=None, lang: str = DEFAULT_LANGUAGE) -> Iterator[tuple[str, Figure]]:
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
    lang : str
        The language of every text in the figures: ``"en"`` (default) or ``"nl"``.
    """
    if sobol_result is not None:
        prefix = _prefix("sobol", sobol_result.plan.grouping, "Sobol grouping")
        for name in sobol_result.indices:
            stem = file_stem(name, "Sobol' output")
            yield f"{prefix}_{stem}", sobol_bars(sobol_result, output=name, config=config, lang=lang)
            yield (f"{prefix}_convergence_{stem}",
                   sobol_convergence(sobol_result, output=name, config=config, lang=lang))
    for method, what, result, draw in (("morris", "Morris", morris, morris_chart), ("pawn", "PAWN", pawn, pawn_bars)):
        if result is not None:
            prefix = _prefix(method, result.grouping, f"{what} grouping")
            for name in result.indices:
                yield (f"{prefix}_{file_stem(name, f'{what} output')}",
                       draw(result, output=name, config=config, lang=lang))
    for r in as_list(oneway):
        yield f"tornado_{file_stem(r.output, 'one-way output')}", tornado(r, config=config, lang=lang)
    for d in as_list(drivers):
        yield f"drivers_{file_stem(d.output, 'decision drivers output')}", drivers_chart(d, config=config, lang=lang)


def _prefix(method: str, grouping: str | None, what: str) -> str:
    """``method``, or ``<method>_<grouping>`` for grouped indices."""
    return method if grouping is None else f"{method}_{file_stem(grouping, what)}"
