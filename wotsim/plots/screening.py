"""Screening figures: the Morris μ*–σ plane and the PAWN indices with their spread over the slices.

They take :class:`~wotsim.analysis.screening.MorrisResult` and
:class:`~wotsim.analysis.screening.PawnResult` objects by attribute (plots never import
analysis).  Factor labels come from the result's ``labels`` (with member counts for groups; a
group without one takes the config's ``[groups]`` label, else its id humanised);
output labels, the measure and the currency from ``config`` if given, else from the copy of
the config in the result's manifest.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..formatting import count, fixed, lower_first, written
from ..i18n import DEFAULT_LANGUAGE, ngettext, translator
from ..notes import note
from .style import (EDGE, FILL_LIGHT, FILL_MID, LINES, add_column, add_note, check_top, indices_of, join_subtitle,
                    legend_below, money_label, new_axes, plain, root_figure, samples, style_axes, titled, wrap)
from .words import counted, factor_label, factors_word, group_labels, output_label, study_name

__all__ = ["morris_chart", "pawn_bars"]

#: Lines through the origin of the μ*–σ plane, as in SALib's ``covariance_plot``: (σ/μ*, line style).
_RATIOS = ((1.0, "-"), (0.5, (0, (5, 2))), (0.1, (0, (6, 2, 1, 2))))


def _table(data: Any, key: str) -> Mapping[str, Any]:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _money(config, manifest: Mapping[str, Any], output: str) -> tuple[bool, str, int | None]:
    """``(is money, currency, price year)`` of an output, from the config or the manifest's copy of it.

    A config's output is a ratio unless its ``measure`` says otherwise; the built-in outputs
    (``npv``, ``benefits``, ``costs``, ``net:<stakeholder>``) are money.
    """
    if config is not None:
        spec = config.outputs.get(output)
        return spec is None or spec.measure != "ratio", config.study.currency, config.study.price_year
    raw = _table(manifest, "config")
    outputs, study = _table(raw, "outputs"), _table(raw, "study")
    measure = _table(outputs, output).get("measure", "ratio") if output in outputs else "npv"
    year = study.get("price_year")
    return measure != "ratio", str(study.get("currency", "")), year if isinstance(year, int) else None


def _labels(result, order, config=None, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The display labels of the factors ``order``: labels, never ids (group labels from ``config``)."""
    members = result.members if result.groups is not None else None
    groups = group_labels(config, result.grouping) if members is not None else None
    return [factor_label(result.labels, result.factors[int(j)], members, groups, lang=lang, config=config,
                         grouping=result.grouping) for j in order]


def _subtitle(result, config, *design: str, lang: str = DEFAULT_LANGUAGE) -> str:
    study = study_name(config, str(result.manifest.get("study", "")), lang)
    return join_subtitle(study, factors_word(result.grouping, result.groups is not None, lang), *design)


# ------------------------------------------------------------------ Morris
def morris_chart(morris_result, *, output: str, ax: Axes | None = None, top: int = 10, config=None,
                 lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The Morris μ*–σ plane of an output: one point per factor, the ``top`` (by μ*) labelled.

    μ* (mean absolute elementary effect, :attr:`MorrisIndices.mu_star`) on x with its
    bootstrap confidence interval as horizontal error bars, σ (standard deviation of the
    elementary effects) on y; both axes in the output's units (σ shown up to at least a quarter of
    the μ* range, so that a σ of about 0 is never magnified).  Lines through
    the origin mark σ/μ* = 1, 0.5 and 0.1 (SALib's ``covariance_plot``): points near or
    above σ = μ* act non-linearly or through interactions, points near the x-axis about
    linearly.  SALib gives no σ for a group of several parameters: a grouped result is then
    drawn as μ* bars with their intervals, ranked.  Gids: ``"factors"`` (the points),
    ``"mu_star_conf"``, ``"factor_label"``, ``"sigma_ratio_1"`` ...; ``"mu_star"`` (bars).

    Parameters
    ----------
    morris_result : MorrisResult
    output : str
        A key of ``morris_result.indices``.
    ax : Axes, optional
    top : int
        Number of factors labelled (every factor is drawn); bars: number of factors drawn.
    config : Config, optional
        For the output's label, the study name, the currency and the price year (else the manifest's).
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    r = morris_result
    ind = indices_of(r, output, "Morris")
    top = check_top(top)
    label = output_label(config, output, r.manifest, lang)
    money, currency, year = _money(config, r.manifest, output)
    mu_star, conf, sigma = (np.asarray(a, dtype=float) for a in (ind.mu_star, ind.mu_star_conf, ind.sigma))
    order = [int(j) for j in ind.order]
    plane = bool(np.all(np.isfinite(sigma)))
    shown = order[:top]
    if plane:
        fig, ax = new_axes(ax, figsize=(7.0, 6.2))
        right = float(np.max(mu_star + conf)) * 1.08 if mu_star.size else 0.0
        right = right if right > 0 else 1.0
        upper = max(float(np.max(sigma)) * 1.15 if sigma.size else 0.0, 0.25 * right)  # never a magnified 0
        _morris_plane(ax, _labels(r, shown, config, lang), shown, mu_star, conf, sigma, (right, upper), lang)
        edge = max(right, upper)
        more = _("{n} more factors drawn but not labelled (smaller μ*).")
        notes = [more.format(n=count(len(order) - top, lang)) if len(order) > top else "",
                 _("Near or above the σ = μ* line: the effect changes across the design (non-linear or interacting); "
                   "near the x-axis: about linear and additive.")]
    else:
        fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.6 + 0.34 * len(shown))))
        edge = float(np.max(mu_star[shown] + conf[shown])) if shown else 0.0
        _morris_bars(ax, _labels(r, shown, config, lang), shown, mu_star, conf, lang)
        more = _("{n} more factors not shown (smaller μ*).")
        notes = [more.format(n=count(len(order) - top, lang)) if len(order) > top else "",
                 _("SALib gives no σ for a group of several parameters, so the factors are ranked by μ* alone.")]
    axes = [(ax.xaxis, _("μ*: mean absolute elementary effect"))]
    axes += [(ax.yaxis, _("σ: standard deviation of the effects"))] if plane else []
    for axis, text in axes:
        if money:
            money_label(axis, edge, currency, year, text, present_value=False, details=False, lang=lang)
        else:
            axis.set_label_text(plain(text))
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=3)
    k = len(ind.factors)
    titled(ax, _("{label}: Morris screening").format(label=label),
           _subtitle(r, config, _("r = {r} trajectories on a {levels}-level grid").format(
                         r=count(r.trajectories, lang), levels=r.levels),
                     _("{n} model runs").format(n=count(r.rows, lang)),
                     counted(ngettext("{n} factor", "{n} factors", k, lang), k, lang), lang=lang))
    notes.insert(0, _("Elementary effect: the change in the output when one factor moves one grid step of its "
                      "quantile range, per unit of that range. Error bars: bootstrap confidence interval of μ* "
                      "({n} resamples).").format(n=count(r.resamples, lang)))
    add_note(ax, [*notes, *(note(n, lang) for n in r.notes)], offset=66 if plane else 54)
    style_axes(ax, lang)
    return fig


def _morris_plane(ax: Axes, texts: list[str], labelled: list[int], mu_star, conf, sigma,
                  limits: tuple[float, float], lang: str = DEFAULT_LANGUAGE) -> None:
    """Points, intervals and the σ/μ* lines up to ``limits`` (μ*, σ), and the labels ``texts`` of ``labelled``."""
    _ = translator(lang)
    ax.errorbar(mu_star, sigma, xerr=conf, fmt="none", ecolor="0.35", elinewidth=0.9, capsize=2.5, zorder=3,
                label=_("confidence interval of μ*"))[2][0].set_gid("mu_star_conf")
    ax.plot(mu_star, sigma, "o", color="black", markersize=5, linestyle="none", zorder=5,
            label=_("factor (μ*, σ)"))[0].set_gid("factors")
    right, upper = limits
    for ratio, style in _RATIOS:
        end = min(right, upper / ratio)
        share = written(ratio, lang)
        ax.plot([0.0, end], [0.0, ratio * end], linestyle=style, color="0.3", linewidth=1.0, zorder=2,
                label=f"σ = {share} μ*" if ratio != 1 else "σ = μ*")[0].set_gid(f"sigma_ratio_{ratio:g}")
    ax.set_xlim(0, right)
    ax.set_ylim(0, upper)
    _place_labels(ax, [plain(wrap(t, 26)) for t in texts], mu_star[labelled], sigma[labelled],
                  mu_star, sigma)


#: Where a point's label may go, in points from the point: (dx, dy, ha, va), tried in this order: beside it,
#: then ever further above or below it (a leader line then joins them).
_SPOTS = [(sx * (5 + 2 * k), sy * (3 + 10 * k), "left" if sx > 0 else "right", "bottom" if sy > 0 else "top")
          for k in range(8) for sx, sy in ((1, 1), (1, -1), (-1, 1), (-1, -1))]


def _place_labels(ax: Axes, texts: list[str], xs, ys, all_x, all_y) -> None:
    """Label points (largest μ* first), each at the first of :data:`_SPOTS` where it overlaps no label placed
    before, no point and no edge of the axes (estimated in points from the figure size); a thin leader line
    joins a label set off from its point.  Only where the labels go is computed here."""
    fig = root_figure(ax)
    box = ax.get_position()
    width, height = box.width * fig.get_figwidth() * 72, box.height * fig.get_figheight() * 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()

    def at(x, y):  # data -> points from the lower-left corner of the axes
        return (x - x0) / (x1 - x0) * width, (y - y0) / (y1 - y0) * height

    dots = [at(x, y) for x, y in zip(all_x, all_y)]
    taken: list[tuple[float, float, float, float]] = []
    for text, x, y in zip(texts, xs, ys):
        px, py = at(x, y)
        lines = text.split("\n")
        w, h = 4.3 * max(len(t) for t in lines), 9.5 * len(lines)
        best, fewest = _SPOTS[0], math.inf
        for dx, dy, ha, va in _SPOTS:
            left, bottom = px + dx - (w if ha == "right" else 0), py + dy - (h if va == "top" else 0)
            rect = (left, bottom, left + w, bottom + h)
            clash = sum(_overlap(rect, t) for t in taken) + sum(_inside(d, rect) for d in dots)
            clash += 10 * (rect[0] < 0 or rect[2] > width or rect[1] < 0 or rect[3] > height)
            if clash < fewest:
                best, fewest, chosen = (dx, dy, ha, va), clash, rect
            if clash == 0:
                break
        taken.append(chosen)
        dx, dy, ha, va = best
        far = abs(dy) > 3
        ax.annotate(text, xy=(x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, fontsize=7.5,
                    color="0.15", gid="factor_label", zorder=6,
                    arrowprops=dict(arrowstyle="-", color="0.5", linewidth=0.5, shrinkA=0, shrinkB=3) if far else None)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(point: tuple[float, float], rect: tuple[float, float, float, float], pad: float = 2.5) -> bool:
    return rect[0] - pad < point[0] < rect[2] + pad and rect[1] - pad < point[1] < rect[3] + pad


def _morris_bars(ax: Axes, texts: list[str], shown: list[int], mu_star, conf, lang: str = DEFAULT_LANGUAGE) -> None:
    """μ* bars with their intervals, ranked, labelled ``texts`` (for grouped results without σ)."""
    y = np.arange(len(shown), dtype=float)
    for patch in ax.barh(y, mu_star[shown], height=0.6, color=FILL_MID, edgecolor=EDGE, linewidth=0.5, zorder=2,
                         label="μ*"):
        patch.set_gid("mu_star")
    ax.errorbar(mu_star[shown], y, xerr=conf[shown], fmt="none", ecolor="black", elinewidth=0.9, capsize=2.5,
                zorder=4, label=translator(lang)("confidence interval of μ*"))[2][0].set_gid("mu_star_conf")
    ax.set_yticks(y, [plain(wrap(t, 34)) for t in texts], fontsize=8.5)
    ax.set_ylim(len(shown) - 0.4, -0.6)
    ax.set_xlim(left=0)


# ------------------------------------------------------------------ PAWN
def pawn_bars(pawn_result, *, output: str, ax: Axes | None = None, top: int = 15, config=None,
              lang: str = DEFAULT_LANGUAGE) -> Figure:
    """PAWN indices of an output, ranked by the median, with their spread over the conditioning slices.

    Per factor (:attr:`PawnIndices.order`): a bar from the minimum to the maximum of the
    Kolmogorov–Smirnov distances over the slices (gid ``"range"``), the median (black
    diamond, gid ``"median"``, the usual PAWN index) and the mean (white circle, gid
    ``"mean"``); the right-hand column gives the coefficient of variation (gid ``"cv"``).
    A dotted line marks the 95% critical value of one slice's KS statistic
    (:attr:`PawnIndices.null_level`, gid ``"null_level"``): indices below it cannot be
    told from zero.

    Parameters
    ----------
    pawn_result : PawnResult
    output : str
        A key of ``pawn_result.indices``.
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
    r = pawn_result
    ind = indices_of(r, output, "PAWN")
    top = check_top(top)
    order = [int(j) for j in ind.order[:top]]
    k = len(order)
    fig, ax = new_axes(ax, figsize=(7.0, max(4.2, 2.5 + 0.34 * k)))
    y = np.arange(k, dtype=float)
    lo, hi = np.asarray(ind.minimum, dtype=float)[order], np.asarray(ind.maximum, dtype=float)[order]
    for patch in ax.barh(y, hi - lo, left=lo, height=0.5, color=FILL_LIGHT, edgecolor=EDGE, linewidth=0.5, zorder=2,
                         label=_("minimum to maximum over the {n} slices").format(n=r.slices)):
        patch.set_gid("range")
    ax.plot(np.asarray(ind.median, dtype=float)[order], y, "D", color="black", markersize=5, linestyle="none",
            zorder=5, label=_("median (PAWN index)"))[0].set_gid("median")
    ax.plot(np.asarray(ind.mean, dtype=float)[order], y, "o", color="black", markerfacecolor="white", markersize=5,
            linestyle="none", zorder=6, label=_("mean"))[0].set_gid("mean")
    style, colour, width = LINES["threshold"]
    ax.axvline(ind.null_level, linestyle=style, color=colour, linewidth=width, zorder=3,
               label=_("95% critical value of one slice ({value})").format(value=fixed(ind.null_level, 3, lang))
               ).set_gid("null_level")
    ax.set_yticks(y, [plain(wrap(t, 34)) for t in _labels(r, order, config, lang)], fontsize=8.5)
    ax.set_ylim(k - 0.4, -1.4)  # a free row on top for the column header
    add_column(ax, 8, _("CV"), [(y[i], fixed(ind.cv[j], 2, lang), "cv", {}) for i, j in enumerate(order)])
    right = max(float(np.max(hi)) if k else 0.0, float(ind.null_level))
    ax.set_xlim(0, min(1.0, right * 1.08) if right > 0 else 1.0)
    label = output_label(config, output, r.manifest, lang)
    ax.set_xlabel(plain(_("PAWN index of the {label} (Kolmogorov–Smirnov distance, 0 to 1)").format(
        label=lower_first(label))))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ncols=2)
    titled(ax, _("{label}: PAWN sensitivity indices").format(label=label),
           _subtitle(r, config, samples(r.samples, r.sampler, lang),
                     _("{n} conditioning slices per factor").format(n=r.slices), lang=lang))
    rest = len(ind.factors) - k
    ranked = _("Factors ranked by the median Kolmogorov–Smirnov distance over the {slices} slices; {n} more not "
               "shown.").format(slices=r.slices, n=count(rest, lang)) if rest > 0 else \
        _("Factors ranked by the median Kolmogorov–Smirnov distance over the {slices} slices.").format(
            slices=r.slices)
    notes = [ranked + " " + _("CV: coefficient of variation of the distances over the slices. Below the critical "
                              "value: not distinguishable from 0."),
             *(note(n, lang) for n in r.notes)]
    add_note(ax, notes, offset=64)
    style_axes(ax, lang)
    return fig
