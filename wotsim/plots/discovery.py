"""Scenario-discovery figures: the peeling trajectory, the limits of a box and a pairwise scatter.

They take a :class:`~wotsim.analysis.discover.Discovery` by attribute (plots never import
analysis): its condition (``kind``, ``condition``, ``output``, ``threshold``, ``labels``,
``scenario_label``), its ``parameters`` (label, unit, evidence tag), its ``boxes`` (trajectory,
chosen step, pasted box, restrictions, stability) and the first draws kept for the scatter
(``sample_x``, ``sample_y``).  Every label comes from the discovery's copy of the config's labels;
every number is the discovery's own, printed through :mod:`wotsim.formatting`.
:func:`discovery_figures` lists a discovery's figures.
"""

from __future__ import annotations

import math
import re
from typing import Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..errors import WotsimError
from ..formatting import (MINUS, count, figure_number, figure_value, lower_first, percent, percentile_rank,
                          significant, written)
from ..i18n import DEFAULT_LANGUAGE, N_, ngettext, range_words, translator
from ..labels import translation
from .style import (EDGE, FILL_DARK, LINES, add_column, add_legend, add_note, join_subtitle, legend_below,
                    local_ticks, new_axes, plain, root_figure, style_axes, titled, wrap)
from .words import counted, english, fit, percent_formatter, study_name

__all__ = ["condition_title", "discovery_figures", "discovery_limits", "discovery_scatter", "discovery_trajectory"]

#: How the chosen step was picked, by ``DiscoveredBox.chosen_by``.
_CHOSEN_BY = {"f1": N_("the best F1 of coverage and lift (lift: how far the density has gone from its step-0 value "
                       "towards 100%)"), "min_coverage": N_("the densest with enough coverage"),
              "step": N_("the step asked for")}
#: The side of a parameter that pasting moved (``DiscoveredBox.pastes``: ``parameter:side``).
_SIDES = {"lower": N_("lower"), "upper": N_("upper")}
#: A parameter's evidence tag, as the config gives it (translated where it is one of these).
_EVIDENCE = frozenset({N_("sourced"), N_("derived"), N_("assumed"), N_("calibrated")})
#: The words of the condition language, in a condition shown as written.
_WORDS = {"and": N_("and"), "or": N_("or"), "not": N_("not")}
#: Half-width of the jitter of an integer parameter in the scatter (in its units).
_JITTER = 0.3


# ------------------------------------------------------------------ shared pieces
def condition_title(discovery, *, lang: str = DEFAULT_LANGUAGE, config=None) -> str:
    """The condition of a discovery in words, from its labels: ``"Social ratio below 1"``,
    ``"Sharper selection does worse than the base on the social ratio"``, or a formula with each
    output name replaced by its label (in ``lang``: labels from ``config``'s translations, the words
    ``and``, ``or``, ``not`` and the decimal numbers of a formula in Dutch).  A scenario is named by the
    discovery's own ``scenario_label``: a config carries no scenario's translations, so it stays English
    unless the discovery was localised from its comparison (the report does that,
    :func:`wotsim.report.tables.localised_discovery`)."""
    d = discovery
    _ = translator(lang)

    def label_of(name: str) -> str:
        return translation(config, "output", name, "label", lang) or d.labels.get(name, name)

    label = label_of(d.output) if d.output else ""
    if d.kind in ("below", "above"):
        limit = (figure_number(d.threshold, lang) if d.measure == "ratio"
                 else figure_value(d.measure, d.threshold, d.currency, lang))
        side = _("{label} below {limit}") if d.kind == "below" else _("{label} above {limit}")
        text = side.format(label=label, limit=limit)
    elif d.kind == "worse":
        text = _("{scenario} does worse than the base on {label}").format(scenario=d.scenario_label or d.scenario,
                                                                          label=lower_first(label))
    else:
        text = d.condition
        if not english(lang):  # the condition language's words and decimal numbers, before the names' labels
            text = re.sub(r"(?<![\w.:])(\d+\.\d+|and|or|not)(?![\w.:])", lambda m: _(_WORDS[m.group(1)])
                          if m.group(1) in _WORDS else significant(float(m.group(1)), 15, lang, minus=MINUS), text)
        names = sorted(d.labels, key=len, reverse=True)
        pattern = r"(?<![\w.:])(" + "|".join(re.escape(n) for n in names) + r")(?![\w:])" if names else None
        text = re.sub(pattern, lambda m: lower_first(label_of(m.group(1))), text) if pattern else text
    return fit(text[:1].upper() + text[1:], 70)


def _box(discovery, box):
    """The box of that index (1, 2, ...), or a one-line error naming the boxes there are."""
    if isinstance(box, bool) or not isinstance(box, (int, np.integer)):
        raise WotsimError(f"box must be a whole number (1 for the first box), got {box!r}")
    found = {b.index: b for b in discovery.boxes}
    if int(box) not in found:
        have = (f"boxes 1 to {len(found)}" if len(found) > 1 else "box 1") if found else "no box"
        why = f" ({discovery.stopped})" if discovery.stopped and len(found) < discovery.max_boxes else ""
        raise WotsimError(f"no box {box}: the discovery found {have}{why}")
    return found[int(box)]


def _label(info, unit: bool = False, inline: bool = False, *, lang: str = DEFAULT_LANGUAGE, config=None) -> str:
    """A parameter's label (translated by ``config``); with ``unit`` its unit in brackets (on a second line if
    both are long); ``inline``: lower case inside a sentence (acronyms kept)."""
    label = fit(translation(config, "parameter", info.name, "label", lang) or info.label or info.name)
    if inline:
        return lower_first(label)
    units = translation(config, "parameter", info.name, "unit", lang) or info.unit
    if not (unit and units):
        return label
    return f"{label} ({units})" if len(label) + len(units) <= 48 else f"{label}\n({fit(units, 48)})"


def _title(ax: Axes, discovery, what: str, subtitle: str, lang: str = DEFAULT_LANGUAGE, config=None) -> None:
    """The condition in words, then what the figure shows (on a second line if both do not fit on one)."""
    words = condition_title(discovery, lang=lang, config=config)
    titled(ax, f"{words}: {what}" if len(words) + len(what) <= 60 else f"{words}:\n{what[:1].upper()}{what[1:]}",
           subtitle)


def _subtitle(discovery, *parts: str, lang: str = DEFAULT_LANGUAGE, config=None) -> str:
    d = discovery
    _ = translator(lang)
    meet = _("{n} of {total} {sampler} draws meet it ({share})").format(
        n=count(d.n_cases, lang), total=count(d.n_draws, lang), sampler=d.sampler,
        share=percent(d.share, lang=lang))
    undefined = _("{n} undefined left out").format(n=count(d.n_undefined, lang)) if d.n_undefined else ""
    study = study_name(config, str(d.manifest.get("study", "")), lang)
    return join_subtitle(study, meet, undefined, *parts, width=84)


# ------------------------------------------------------------------ trajectory
def discovery_trajectory(discovery, *, box: int = 1, ax: Axes | None = None, config=None,
                         lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The peeling trajectory of a box: coverage against density per step, and the box chosen.

    One point per step of peeling (step 0 holds every draw searched; gid ``"trajectory"``,
    its data the coverage and density, its array the number of restricted parameters), shaded
    from light (none) to black (most) with a scale beside the axes.  A ring marks the chosen
    step (gid ``"chosen"``), a black diamond the box after pasting if pasting moved it (gid
    ``"pasted"``); a dotted line the density over all draws searched (gid ``"base_density"``).

    Parameters
    ----------
    discovery : wotsim.analysis.discover.Discovery
    box : int
        Which box (1 for the first; later ones come from covering).
    ax : Axes, optional
    config : Config, optional
        For the translated labels of the outputs and parameters (the discovery's own are English).
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    d, b = discovery, _box(discovery, box)
    fig, ax = new_axes(ax, figsize=(7.0, 5.0))
    counts = np.asarray(b.n_restricted, dtype=int)
    most = max(int(counts.max()), 1)
    greys = ListedColormap([f"{g:.3f}" for g in np.linspace(0.9, 0.0, most + 1)])
    norm = BoundaryNorm(np.arange(-0.5, most + 1.0), greys.N)
    ax.plot(b.coverage, b.density, color="0.6", linewidth=0.8, zorder=2, gid="path")
    points = ax.scatter(b.coverage, b.density, c=counts, cmap=greys, norm=norm, s=24, edgecolors="0.25",
                        linewidths=0.5, zorder=3, label=_("peeling step"))
    points.set_gid("trajectory")
    every = max(1, math.ceil((most + 1) / 12))
    scale = root_figure(ax).colorbar(points, ax=ax, ticks=range(0, most + 1, every), fraction=0.05, pad=0.02)
    scale.set_label(_("restricted parameters"), fontsize=8.5)
    scale.ax.tick_params(labelsize=8)
    scale.ax.set_gid("restriction_scale")
    local_ticks(scale.ax, lang)
    style, colour, width = LINES["threshold"]
    ax.axhline(b.density[0], linestyle=style, color=colour, linewidth=width, zorder=1,
               label=_("density over the {n} draws searched ({share})").format(
                   n=count(b.n_draws, lang), share=percent(b.density[0], lang=lang))).set_gid("base_density")
    c = b.chosen
    n = int(counts[c])
    ax.plot(b.coverage[c], b.density[c], "o", markersize=13, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=1.6, zorder=5, linestyle="none",
            label=_("chosen: step {step}, {restrictions} (coverage {coverage}, density {density})").format(
                step=c, restrictions=counted(ngettext("{n} restriction", "{n} restrictions", n, lang), n, lang),
                coverage=percent(b.coverage[c], lang=lang), density=percent(b.density[c], lang=lang))
            )[0].set_gid("chosen")
    pasted = (b.box_coverage, b.box_density) != (b.coverage[c], b.density[c])
    if pasted:
        ax.annotate("", xy=(b.box_coverage, b.box_density), xytext=(b.coverage[c], b.density[c]), zorder=4,
                    arrowprops=dict(arrowstyle="->", color="0.2", linewidth=0.9, shrinkA=7, shrinkB=4))
        ax.plot(b.box_coverage, b.box_density, "D", markersize=6, color="black", zorder=6, linestyle="none",
                label=_("after pasting (coverage {coverage}, density {density})").format(
                    coverage=percent(b.box_coverage, lang=lang), density=percent(b.box_density, lang=lang))
                )[0].set_gid("pasted")
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(percent_formatter(lang, decimals=0))
    ax.set_xlabel(_("Coverage: share of the cases that fall in the box"))
    ax.set_ylabel(_("Density: share of the box's draws that are cases"))
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    add_legend(ax, loc="lower left")
    searched = _("box {k} searched on the {n} draws outside earlier boxes").format(
        k=b.index, n=count(b.n_draws, lang)) if b.index > 1 else ""
    g = lambda x: written(x, lang)  # noqa: E731
    _title(ax, d, _("peeling trajectory of box {k}").format(k=b.index),
           _subtitle(d, searched, _("peel {peel}, paste {paste}, minimum mass {mass}").format(
               peel=g(d.peel_alpha), paste=g(d.paste_alpha), mass=g(d.mass_min)), lang=lang, config=config),
           lang, config)
    how = _(_CHOSEN_BY[b.chosen_by]) if b.chosen_by in _CHOSEN_BY else b.chosen_by
    if b.chosen_by == "min_coverage":
        how += _(" (coverage at least {share})").format(share=percent(d.min_coverage, lang=lang))
    notes = [_("Each point is a step of peeling (step 0: every draw searched; each step cuts a share of the draws "
               "off one side of one parameter). The chosen step is {how}.").format(how=how)]
    if pasted:
        times = {p: b.pastes.count(p) for p in b.pastes}  # pasting may move one side several times
        moves = []
        for p, k in times.items():
            name, side = p.rsplit(":", 1)
            side = _(_SIDES[side]) if side in _SIDES else side
            moves.append(f"{_label(d.parameter(name), inline=True, lang=lang, config=config)} ("
                         f"{side}{_(', {n} times').format(n=k) if k > 1 else ''})")
        notes.append(_("Pasting then widened the box on {moves}.").format(moves=", ".join(moves)) if moves else "")
    add_note(ax, notes, offset=40)
    style_axes(ax, lang)
    return fig


def _left(b, lang: str = DEFAULT_LANGUAGE) -> str:
    """After box 1 coverage counts the cases left by the earlier boxes: say so, with the share of all cases."""
    return "" if b.index == 1 else translator(lang)(" of the cases left ({share} of all)").format(
        share=percent(b.share_of_cases, lang=lang))


# ------------------------------------------------------------------ limits
def _limits_text(r, info, lang: str = DEFAULT_LANGUAGE, config=None) -> str:
    """``"≥ 2,400 (p70)"``, ``"≤ 0.3 (p30)"`` or ``"0.2 to 0.6 (p20–p60)"`` (as the text and the report print
    them: three significant figures, integers inclusive, percentiles 1 to 99 inside), the unit on a second line."""
    units = translation(config, "parameter", info.name, "unit", lang) or info.unit
    unit = f"\n{fit(units, 30)}" if units else ""
    low, high = f"p{percentile_rank(r.lower_percentile)}", f"p{percentile_rank(r.upper_percentile)}"
    minus = "-" if english(lang) else MINUS
    a, b = (math.ceil(r.lower), math.floor(r.upper)) if info.integer else (
        significant(r.lower, 3, lang, minus=minus), significant(r.upper, 3, lang, minus=minus))
    if r.lower_restricted and r.upper_restricted:
        return (f"= {a} ({low}–{high}){unit}" if info.integer and a == b else
                f"{range_words(str(a), str(b), lang)} ({low}–{high}){unit}")
    if r.lower_restricted:
        return f"≥ {a} ({low}){unit}"
    return f"≤ {b} ({high}){unit}"


def discovery_limits(discovery, *, box: int = 1, ax: Axes | None = None, config=None,
                     lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The limits of a box: one bar per restricted parameter on the percentile scale of its distribution.

    Rows in the order PRIM restricted the parameters (the box's ``restrictions``); each bar runs
    from the lower to the upper limit's percentile (gid ``"limits"``, 0 to 100) over a light track
    of the whole range (gid ``"track"``).  The columns beside give the limits in units with their
    percentiles (gid ``"limit_units"``), the evidence tag (gid ``"evidence"``) and the stability:
    the share of the resamples that restrict the parameter on the same side (gid ``"stability"``,
    "n/a" if none ran).

    Parameters
    ----------
    discovery : wotsim.analysis.discover.Discovery
    box : int
        Which box (1 for the first).
    ax : Axes, optional
    config : Config, optional
        For the translated labels and units (the discovery's own are English).
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    d, b = discovery, _box(discovery, box)
    rs = b.restrictions
    k = len(rs)
    infos = [d.parameter(r.parameter) for r in rs]
    labels = [plain(wrap(_label(p, lang=lang, config=config), 28)) for p in infos]
    units = [_limits_text(r, p, lang, config) for r, p in zip(rs, infos)]
    row = 0.5 if any("\n" in t for t in labels + units) else 0.4
    fig, ax = new_axes(ax, figsize=(7.0, max(3.4, 2.4 + row * k)))
    y = np.arange(k, dtype=float)
    for i, r in enumerate(rs):
        ax.barh(y[i], 100.0, left=0.0, height=0.5, color="0.94", edgecolor="0.78", linewidth=0.5, zorder=1,
                label=_("the parameter's whole range") if i == 0 else None)[0].set_gid("track")
        low, high = 100 * r.lower_percentile, 100 * r.upper_percentile
        ax.barh(y[i], high - low, left=low, height=0.5, color=FILL_DARK, edgecolor=EDGE, linewidth=0.6, zorder=2,
                label=_("the box's range") if i == 0 else None)[0].set_gid("limits")
    stable = np.asarray(b.stability_coverage, dtype=float)
    names = [p.name for p in d.parameters]

    def stability(name: str) -> str:
        s = stable[names.index(name)]
        return _("n/a") if d.resamples == 0 or not math.isfinite(s) else percent(s, lang=lang)

    evidence = [fit(_(p.evidence) if p.evidence in _EVIDENCE else p.evidence, 16) or "—" for p in infos]
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.set_ylim(k - 0.4 if k else 0.6, -1.4)  # a free row on top for the column headers
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel(_("Percentile of the parameter's distribution"))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    # a column as wide as its cells (about 4.3 pt a character) or its bold header (about 5.7 pt a character)
    limits, proof = _("Limits (percentile)"), _("Evidence")
    wide = max(4.3 * max([len(line) for t in units for line in t.split("\n")] + [12]), 5.7 * len(limits))
    add_column(ax, 8, limits, [(y[i], t, "limit_units", {}) for i, t in enumerate(units)])
    add_column(ax, 16 + wide, proof, [(y[i], t, "evidence", {}) for i, t in enumerate(evidence)])
    add_column(ax, 24 + wide + max(4.3 * max([len(t) for t in evidence] + [8]), 5.7 * len(proof)), _("Stability"),
               [(y[i], stability(r.parameter), "stability", {}) for i, r in enumerate(rs)])
    if k:
        legend_below(ax, offset=30, ncols=2)
    else:
        ax.text(50, -0.4, _("Box {k} restricts no parameter: it holds every draw searched.").format(k=b.index),
                ha="center", va="center", fontsize=9, color="0.3", gid="empty")
        ax.set_yticks([])
    _title(ax, d, _("limits of box {k}").format(k=b.index),
           _subtitle(d, counted(ngettext("{n} restricted parameter", "{n} restricted parameters", k, lang), k, lang),
                     _("box: {n} draws, coverage {coverage}{left}, density {density}").format(
                         n=count(b.n, lang), coverage=percent(b.box_coverage, lang=lang), left=_left(b, lang),
                         density=percent(b.box_density, lang=lang)), lang=lang, config=config), lang, config)
    n = d.resamples
    ran = _("the share of {resamples} in which the step nearest this box's coverage restricts the parameter on the "
            "same side").format(resamples=counted(ngettext("{n} half-size resample", "{n} half-size resamples", n,
                                                           lang), n, lang)) if n else _("n/a: no resamples ran")
    add_note(ax, [_("Rows in the order PRIM restricted the parameters; a bar is the box's range on the parameter's "
                    "own distribution (percentile 0 to 100). Stability: {ran}.").format(ran=ran)],
             offset=52 if k else 34)
    style_axes(ax, lang)
    return fig


# ------------------------------------------------------------------ scatter
def _pair(discovery, b) -> tuple[int, int] | None:
    """(x, y) columns of the scatter: the two restrictions with the largest density drop; with one
    restriction, it and the most stable other parameter (the first other on a tie); None if the
    box restricts nothing or no other parameter was searched."""
    if not b.restrictions:
        return None
    names = [p.name for p in discovery.parameters]
    ranked = sorted(b.restrictions, key=lambda r: -r.density_drop if math.isfinite(r.density_drop) else math.inf)
    first = names.index(ranked[0].parameter)
    if len(ranked) > 1:
        return first, names.index(ranked[1].parameter)
    others = [j for j in range(len(names)) if j != first]
    if not others:
        return None
    stable = np.asarray(b.stability_coverage, dtype=float)[others]
    return first, others[int(np.nanargmax(stable))] if np.isfinite(stable).any() else others[0]


def _extent(values: np.ndarray, limits: list[float], integer: bool) -> tuple[float, float]:
    lo, hi = min([float(values.min())] + limits), max([float(values.max())] + limits)
    if integer:
        return lo - 0.5, hi + 0.5
    pad = 0.03 * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


def _sides(r, integer: bool, extent: tuple[float, float]) -> tuple[float, float]:
    """A restriction's rectangle edges (the axis limit on a free side; half a unit out for integers)."""
    if r is None:
        return extent
    low = (math.ceil(r.lower) - 0.5 if integer else r.lower) if r.lower_restricted else extent[0]
    high = (math.floor(r.upper) + 0.5 if integer else r.upper) if r.upper_restricted else extent[1]
    return low, high


def discovery_scatter(discovery, *, box: int = 1, ax: Axes | None = None, config=None,
                      lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The draws on the two most important parameters of a box, with the box drawn.

    The parameters: the two restrictions whose lifting costs the most density (``density_drop``;
    the larger on the x-axis); if the box restricts one, the most stable other parameter.  Points:
    the first draws of the run (``sample_x``), those meeting the condition dark (gid ``"cases"``),
    the others light (gid ``"others"``); integer parameters jittered by up to ±0.3.  The box's
    limits on these two parameters are a rectangle (gid ``"box"``): on a free side the axis limit;
    for an integer parameter half a unit outside the whole values it keeps.

    Parameters
    ----------
    discovery : wotsim.analysis.discover.Discovery
    box : int
        Which box (1 for the first).
    ax : Axes, optional
    config : Config, optional
        For the translated labels and units (the discovery's own are English).
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure

    Raises
    ------
    WotsimError
        If the box restricts no parameter, or no second parameter was searched.
    """
    d, b = discovery, _box(discovery, box)
    pair = _pair(d, b)
    if pair is None:
        what = "restricts no parameter" if not b.restrictions else "restricts the only parameter searched"
        raise WotsimError(f"no pairwise scatter of box {b.index}: it {what}; draw its trajectory or limits instead")
    _ = translator(lang)

    def name(info, **how) -> str:
        return _label(info, lang=lang, config=config, **how)

    fig, ax = new_axes(ax, figsize=(7.0, 5.4))
    infos = [d.parameters[j] for j in pair]
    by_name = {r.parameter: r for r in b.restrictions}
    keep = ~((d.sample_box > 0) & (d.sample_box < b.index))  # box k was searched without the earlier boxes' draws
    cases = np.asarray(d.sample_y, dtype=bool)[keep]
    shown, extents, edges = [], [], []
    jitter = np.random.default_rng(0)
    for j, info in zip(pair, infos):
        values = np.asarray(d.sample_x[keep, j], dtype=float)
        r = by_name.get(info.name)
        limits = [] if r is None else [v for v, on in ((r.lower, r.lower_restricted), (r.upper, r.upper_restricted))
                                       if on]
        extent = _extent(values, limits, info.integer)
        if info.integer:
            values = values + jitter.uniform(-_JITTER, _JITTER, values.size)
        shown.append(values)
        extents.append(extent)
        edges.append(_sides(r, info.integer, extent))
    x, y = shown
    ax.scatter(x[~cases], y[~cases], s=5, color="0.78", linewidths=0, zorder=2,
               label=_("other draws ({n})").format(n=count(int(np.count_nonzero(~cases)), lang))).set_gid("others")
    ax.scatter(x[cases], y[cases], s=6, color="0.1", linewidths=0, zorder=3,
               label=_("draws that meet the condition ({n})").format(n=count(int(np.count_nonzero(cases)), lang))
               ).set_gid("cases")
    (x0, x1), (y0, y1) = edges
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", linewidth=1.6, zorder=4,
                           label=_("box {k}").format(k=b.index), gid="box"))
    ax.set_xlim(*extents[0])
    ax.set_ylim(*extents[1])
    ax.set_xlabel(plain(name(infos[0], unit=True)))
    ax.set_ylabel(plain(name(infos[1], unit=True)))
    extra = 11 if "\n" in ax.get_xlabel() else 0  # a unit on a second line pushes the legend and the note down
    legend_below(ax, offset=34 + extra, ncols=3)
    for handle in ax.get_legend().legend_handles[:2]:
        handle.set_sizes([24])
    left_out = int(keep.size - np.count_nonzero(keep))
    shown_draws = _("{n} of the first {total} draws shown").format(n=count(cases.size, lang),
                                                                  total=count(keep.size, lang)) if left_out else \
        _("the first {n} draws").format(n=count(keep.size, lang))
    _title(ax, d, _("box {k} on two parameters").format(k=b.index),
           _subtitle(d, shown_draws, _("box: coverage {coverage}{left}, density {density}").format(
               coverage=percent(b.box_coverage, lang=lang), left=_left(b, lang),
               density=percent(b.box_density, lang=lang)),
               lang=lang, config=config), lang, config)
    rest = [name(d.parameter(r.parameter), inline=True) for r in b.restrictions
            if r.parameter not in (infos[0].name, infos[1].name)]
    notes = [_("The two restrictions whose lifting costs the box the most density.") if len(b.restrictions) > 1 else
             _("The box restricts only {first}; {second} is shown beside it (free in the box).").format(
                 first=name(infos[0], inline=True), second=name(infos[1], inline=True))]
    if left_out:
        notes.append(_("Left out: {n} draws in earlier boxes (box {k} was searched without them).").format(
            n=count(left_out, lang), k=b.index))
    if rest:
        notes.append(_("The box also restricts {parameters}: not every draw inside the rectangle is in the "
                       "box.").format(parameters=", ".join(rest)))
    if any(p.integer for p in infos):
        notes.append(_("Integer parameters are jittered by up to ±{jitter} so that draws on one value stay "
                       "visible.").format(jitter=written(_JITTER, lang)))
    add_note(ax, notes, offset=62 + extra)
    style_axes(ax, lang)
    return fig


# ------------------------------------------------------------------ collection
def discovery_figures(discovery, *, config=None, lang: str = DEFAULT_LANGUAGE) -> Iterator[tuple[str, Figure]]:
    """A discovery's figures, one at a time, as ``(file stem, figure)``: per box ``k``
    ``discover_trajectory_<k>``, ``discover_limits_<k>`` and ``discover_scatter_<k>`` (left out
    when the box restricts nothing to scatter); nothing if it found no box.  ``config`` (optional)
    gives the labels' translations, ``lang`` the language of every text (``"en"`` or ``"nl"``)."""
    for b in discovery.boxes:
        yield (f"discover_trajectory_{b.index}",
               discovery_trajectory(discovery, box=b.index, config=config, lang=lang))
        yield f"discover_limits_{b.index}", discovery_limits(discovery, box=b.index, config=config, lang=lang)
        if _pair(discovery, b) is not None:
            yield (f"discover_scatter_{b.index}",
                   discovery_scatter(discovery, box=b.index, config=config, lang=lang))
