"""Decision figures: scenarios compared side by side, and the value of information (EVPPI ranking).

These figures take a scenario :class:`~wotsim.analysis.scenarios.Comparison` and
:class:`~wotsim.analysis.voi.VoiResult` objects by attribute (plots never import analysis);
:func:`scenario_figures` lists them.  The value-of-information figure takes an optional
``config`` for labels, the study name and the price year.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._paths import file_stem
from ..errors import WotsimError
from ..formatting import count, figure_value, fixed, lower_first, plus_minus, share_pm
from ..i18n import DEFAULT_LANGUAGE, N_, ngettext, translator
from ..labels import group_label, parameter_label, readable, run_label, text_of
from ..notes import note
from .style import (EDGE, FILL_DARK, FILL_LIGHT, FILL_MID, LINES, add_column, add_note, as_list, band_visible,
                    break_even, check_top, join_subtitle, legend_below, money_axis, money_label, new_axes, plain,
                    ratio_label, samples, style_axes, titled, wrap)
from .words import counted, fit, output_label, study_name

__all__ = ["evppi_ranking", "scenario_comparison", "scenario_figures"]


# ------------------------------------------------------------------ scenarios
def scenario_comparison(comparison, *, output: str, ax: Axes | None = None, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Scenarios side by side: 90% interval, median and base case of an output, and P(better).

    One row per run (the base analysis first, darker): a bar over the 90%
    interval (:attr:`ScenarioOutcome.interval`, gid ``"interval"``), the median
    (white circle) and the deterministic base case (black diamond) from the
    summaries.  The right-hand columns give, per scenario, the mean paired
    difference from the base analysis with its standard error and P(scenario >
    base analysis) with its standard error (:class:`PairedDifference`).  Thin
    lines separate scenario categories.  Rounded to what is known: a standard error
    to one significant figure with the estimate to its decimal place, a probability
    as a percentage (:func:`wotsim.formatting.share_pm`: ``57% ± 2%``; ``> 99.9%``, never
    ``100% ± 0.0%`` or ``0.99991 ± 0.00005``).

    Parameters
    ----------
    comparison : wotsim.analysis.scenarios.Comparison
    output : str
        One of ``comparison.outputs``.
    ax : Axes, optional
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"`` (scenario labels
        from their ``label_nl``).

    Returns
    -------
    Figure
    """
    if output not in comparison.outputs:
        raise WotsimError(f"output {output!r} was not compared; compared: {', '.join(comparison.outputs)}")
    _ = translator(lang)
    config = comparison.base.config
    currency = config.study.currency
    runs = comparison.runs
    k = len(runs)
    labels = [plain(wrap(run_label(r, lang), 34)) for r in runs]
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
    xs = np.concatenate([lo, hi, base, [s0.threshold] if measure in ("ratio", "npv") else []])
    xs = xs[np.isfinite(xs)]
    span = float(xs.max() - xs.min()) if xs.size else 0.0
    # the legend names the interval on a scenario row where it is seen (none if no interval has a width)
    seen = [i for i in range(k) if band_visible(lo[i], hi[i], span)]
    named = next((i for i in seen if i > 0), seen[0] if seen else None)
    for i in range(k):
        ax.barh(y[i], hi[i] - lo[i], left=lo[i], height=0.46, color=FILL_DARK if i == 0 else FILL_MID,
                edgecolor=EDGE, linewidth=0.5, zorder=2,
                label=_("90% interval (5th to 95th percentile)") if i == named else None)[0].set_gid("interval")
    ax.plot(med, y, "o", color="black", markerfacecolor="white", markersize=6, zorder=5, label=_("median"),
            linestyle="none")[0].set_gid("median")
    ax.plot(base, y, "D", color="black", markersize=4.5, zorder=6, label=_("base case (all parameters at base)"),
            linestyle="none")[0].set_gid("base")
    has_threshold = measure in ("ratio", "npv")
    if has_threshold:
        style, colour, width = LINES["threshold"]
        ax.axvline(s0.threshold, linestyle=style, color=colour, linewidth=width, zorder=3,
                   label=break_even(measure, lang)).set_gid("threshold")
    ax.axvline(med[0], color="0.55", linewidth=0.8, linestyle=(0, (2, 2)), zorder=1,
               label=_("median of the base analysis")).set_gid("base_median")
    cats = [r.scenario.category if r.scenario is not None else "" for r in runs]
    for i in range(1, k):
        if i == 1 or cats[i] != cats[i - 1]:
            ax.axhline(i - 0.5, color="0.6", linewidth=0.6, zorder=1).set_gid("separator")
    # right-hand columns: mean paired difference, P(better)
    diffs, better = [], []
    for i, o in enumerate(outcomes):
        d = o.difference
        if d is None:
            diffs.append((y[i], _("reference"), "diff_mean", dict(fontstyle="italic")))
        elif d.p_better == 0.0 and d.p_worse == 0.0:
            diffs.append((y[i], _("identical"), "diff_mean", dict(fontstyle="italic")))
        else:
            diffs.append((y[i], plus_minus(d.mean, d.mean_se, measure=measure, currency=currency, signed=True,
                                           lang=lang), "diff_mean", {}))
            better.append((y[i], share_pm(d.p_better, d.p_better_se, lang), "p_better", {}))
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column headers
    add_column(ax, 8, _("Δ mean vs base") if comparison.paired else _("Δ mean (unpaired)"), diffs)
    add_column(ax, 96, _("P(better)"), better)
    xlo, xhi = float(xs.min()), float(xs.max())
    pad = 0.04 * (xhi - xlo) if xhi > xlo else 1.0
    ax.set_xlim(xlo - pad, xhi + pad)
    label = output_label(config, output, lang=lang)
    if measure == "ratio":
        ax.set_xlabel(plain(ratio_label(label, lang)))
    else:
        money_axis(ax.xaxis, max(abs(xlo), abs(xhi)), comparison.base, label, lang=lang)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=2)
    design = _("common random numbers (paired)") if comparison.paired else _("independent designs (not paired)")
    titled(ax, _("{label}: scenarios compared").format(label=label),
           join_subtitle(study_name(config, lang=lang), samples(comparison.n, comparison.sampler, lang), design,
                         width=58))
    diff = _("draw by draw") if comparison.paired else _("on independent draws")
    add_note(ax, [_("Δ mean: scenario minus base analysis, {how}; P(better): P(scenario > base analysis); "
                    "± Monte Carlo standard error, {method}. Lines separate scenario categories.").format(
                        how=diff, method=note(comparison.base.se_method, lang))], offset=76)
    style_axes(ax, lang)
    return fig


# ------------------------------------------------------------------ value of information
def evppi_ranking(voi_result, *, ax: Axes | None = None, top: int = 12, config=None, comparison=None,
                  lang: str = DEFAULT_LANGUAGE) -> Figure:
    """EVPPI per group and per parameter, in money (per the unit of analysis), with the EVPI as a reference line.

    Groups (bold labels, dark hatched bars) come first, then the ``top``
    parameters, as ranked in :class:`wotsim.analysis.voi.VoiResult`.  Error bars are ±1
    standard error (it includes the regression's own error).  Each row's noise floor
    is drawn as a pale box from 0 to ``floor + 2 se`` (gid ``"noise_floor"``; the floor:
    the EVPPI an input without information shows on average), ending in a grey tick
    (gid ``"noise"``).  A bar that does not clear its box is drawn light and marked "~0",
    and a footnote says what that means: not distinguishable from zero.  Rows have
    their own floors (larger for groups and larger regressions), so a "~0" bar can be
    longer than a bar beside it that clears its own floor; the boxes show why.

    Parameters
    ----------
    voi_result : wotsim.analysis.voi.VoiResult
    ax : Axes, optional
    top : int
        Number of parameters drawn (every group is drawn).
    config : Config, optional
        For labels, the study name and the price year.
    comparison : Comparison, optional
        For the label of the scenario an "adopt" decision is about (its run's, in ``lang``); without it,
        or if it does not hold that scenario, the scenario's id humanised (the result carries no label).
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    v = voi_result
    top = check_top(top)
    rows = list(v.groups) + list(v.parameters[:top])
    ng = len(v.groups)
    k = len(rows)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.4, 2.8 + 0.33 * k)))
    y = np.arange(k, dtype=float)
    if ng and k > ng:
        y[ng:] += 0.6  # a gap between groups and parameters
    values = np.array([e.value for e in rows])
    se = np.array([e.se for e in rows])
    levels = np.array([e.floor + 2 * e.se for e in rows])  # not distinguishable from 0 at or below
    currency = v.currency
    for i, e in enumerate(rows):
        group = e.kind == "group"
        colour = (FILL_DARK if group else FILL_MID) if e.distinguishable else FILL_LIGHT
        ax.barh(y[i], levels[i], height=0.84, color="0.95", edgecolor="0.45", linewidth=0.7, linestyle=(0, (2, 1.5)),
                zorder=1.5, label=_("noise floor + 2 SE (a bar inside it: ~0)") if i == 0 else None
                )[0].set_gid("noise_floor")
        ax.barh(y[i], e.value, height=0.62, color=colour, edgecolor=EDGE, linewidth=0.5,
                hatch="////" if group else None, zorder=2)[0].set_gid(f"evppi_{e.kind}")
        ax.annotate(plain(figure_value("npv", e.value, currency, lang) + ("" if e.distinguishable else "  ~0")),
                    xy=(max(e.value + e.se, e.floor + 2 * e.se), y[i]), xytext=(6, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7.5, gid="evppi_value")
    err = ax.errorbar(values, y, xerr=se, fmt="none", color="black", ecolor="black", elinewidth=0.9, capsize=2.5,
                      zorder=4,
                      label=_("±1 SE (incl. regression error)"))
    err[2][0].set_gid("evppi_se")
    ax.plot(levels, y, linestyle="none", marker="|", markersize=14, markeredgewidth=1.4, color="0.45",
            zorder=5)[0].set_gid("noise")
    style, colour, width = LINES["target"]
    ax.axvline(v.evpi, linestyle=style, color=colour, linewidth=width, zorder=3,
               label=plain(f"EVPI {plus_minus(v.evpi, v.evpi_se, measure='npv', currency=currency, lang=lang)}")
               ).set_gid("evpi")
    if ng:
        ax.barh([np.nan], [0], color=FILL_DARK, edgecolor=EDGE, linewidth=0.5, hatch="////", label=_("group"))
    ax.barh([np.nan], [0], color=FILL_MID, edgecolor=EDGE, linewidth=0.5, label=_("parameter"))
    if not all(e.distinguishable for e in rows):
        ax.barh([np.nan], [0], color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.5,
                label=_("~0: not distinguishable from 0"))

    def name_of(e) -> str:
        if e.kind == "group":
            return fit(group_label(config, e.name, lang))
        return fit(parameter_label(config, e.name, lang) if config is not None else readable(e.label, e.name))

    def row_label(e) -> str:
        if e.kind == "group":
            k = len(e.parameters)
            return f"{name_of(e)} ({counted(ngettext('{n} parameter', '{n} parameters', k, lang), k, lang)})"
        return name_of(e)

    ax.set_yticks(y, [plain(wrap(row_label(e), 30)) for e in rows], fontsize=8.5)
    for tick, e in zip(ax.get_yticklabels(), rows):
        if e.kind == "group":
            tick.set_fontweight("bold")
    ax.set_ylim(float(y[-1]) + 0.6 if k else 1.0, -0.6)
    unit = text_of(config, "study", "", "unit_of_analysis", lang)  # e.g. "per yearly cohort"; "" = none
    hi = max(float(v.evpi), float(np.max(values + se)) if k else 0.0, float(np.max(levels)) if k else 0.0)
    ax.set_xlim(0, hi * 1.16 if hi > 0 else 1.0)
    money_label(ax.xaxis, hi, currency, config.study.price_year if config is not None else None,
                f"EVPPI {unit}".rstrip(), lang=lang)
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=2)
    if v.decision == "keep":
        title = _("Value of information: keep or stop")
    else:  # the scenario by its label where the comparison is at hand, else by its id humanised
        runs = {r.id: r for r in getattr(comparison, "runs", ())}
        scenario = run_label(runs[v.options[1]], lang) if v.options[1] in runs else readable("", v.options[1])
        title = _("Value of information: adopt “{scenario}” or keep the base").format(scenario=fit(scenario))
    mean_inb = figure_value("npv", v.mean_inb, currency, lang)
    choices = {"base": N_("the base"), "keep": N_("keep"), "stop": N_("stop")}
    choice = _(choices[v.choice]) if v.choice in choices else readable("", v.choice)
    titled(ax, title, join_subtitle(
        study_name(config, lang=lang), ngettext("{n} draw", "{n} draws", v.n, lang).format(n=count(v.n, lang)),
        _("current choice: {choice} (expected net gain {gain})").format(choice=fit(choice), gain=mean_inb),
        _("P(the other option is better) = {p}").format(p=fixed(v.p_wrong, 3, lang))))
    per = f"{unit} " if unit else ""
    notes = [_("EVPPI: expected gain {per}(present value) from learning the true value of a parameter or group "
               "before deciding; net benefit = {output}; {estimator}.").format(
                 per=per, output=lower_first(output_label(config, v.output, lang=lang)),
                 estimator=note(v.estimator, lang)),
             _("~0: the estimate does not clear its noise floor + 2 SE (the dashed box: what a parameter carrying "
               "no information would show), so it is not distinguishable from zero. Each row has its own floor "
               "(larger for groups and bigger regressions): a ~0 bar can be longer than one that clears its own "
               "floor.")]
    underfit = [name_of(e) for e in rows if getattr(e, "fit_warning", "")]
    if underfit:
        notes.append(_("Group fit explains less than one of its members alone ({groups}): that group's EVPPI is "
                       "probably underestimated.").format(groups=", ".join(underfit)))
    if len(v.parameters) > top:
        notes.insert(0, _("{n} more parameters not shown.").format(n=count(len(v.parameters) - top, lang)))
    add_note(ax, notes, offset=80)
    style_axes(ax, lang)
    return fig


# ------------------------------------------------------------------ collection
def scenario_figures(comparison=None, voi=None, *, config=None, lang: str = DEFAULT_LANGUAGE
                     ) -> Iterator[tuple[str, Figure]]:
    """The scenario and value-of-information figures, one at a time, as ``(file stem, figure)``.

    Parameters
    ----------
    comparison : Comparison, optional
        ``scenarios_<output>`` per compared output.
    voi : VoiResult or sequence of them, optional
        ``evppi_<decision>`` each (``evppi_keep``, ``evppi_adopt_<scenario>``).
    config : Config, optional
        For the value-of-information figures (default: the comparison's base config; the comparison gives
        them the label of the scenario an "adopt" decision is about).
    lang : str
        The language of every text in the figures: ``"en"`` (default) or ``"nl"``.
    """
    if comparison is not None:
        if config is None:
            config = comparison.base.config
        for name in comparison.outputs:
            yield (f"scenarios_{file_stem(name, 'compared output')}",
                   scenario_comparison(comparison, output=name, lang=lang))
    for v in as_list(voi):
        yield (f"evppi_{file_stem(v.decision, 'value-of-information decision')}",
               evppi_ranking(v, config=config, comparison=comparison, lang=lang))
