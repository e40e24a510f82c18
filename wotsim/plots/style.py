"""The house style of wotsim's figures: palette, text, axes, labels and the numbers they show.

Shared by every figure module: the greyscale palette and reference-line styles, :func:`plain`
(user text never read as mathtext), new figures and panel grids built without pyplot, titles,
subtitles, legends, notes and text columns, the test for bands too narrow to see
(:func:`band_visible`: no legend entry for what is not drawn), an output's reference lines
(:func:`reference_lines`: base case, published figure, break-even; one line with one label where
the base case equals the published figure), and money axes with their tick formatter.
The display labels (a label, never an id) come from :mod:`wotsim.labels` and the numbers in the
reader's language from :mod:`wotsim.formatting` (:mod:`wotsim.plots.words` says how); the functions
here that print text take ``lang`` too.
"""

from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, ScalarFormatter
from matplotlib.transforms import ScaledTranslation

from ..errors import WotsimError
from ..formatting import MINUS, count, figure_value, money_scale, written
from ..i18n import DEFAULT_LANGUAGE, N_, format_decimal, translator
from ..results.simulation import SimulationResult
from .words import english, fit, study_name

#: Default figure size in inches (width, height).
FIGSIZE = (7.0, 4.0)

# Greyscale palette: fills light to dark, lines black or dark grey.
FILL_LIGHT = "0.85"
FILL_MID = "0.62"
FILL_DARK = "0.40"
EDGE = "0.30"

# Reference lines: (line style, colour, width) by role.
LINES = {
    "base": ((0, (4, 1.2, 1.2, 1.2)), "black", 1.8),
    "target": ((0, (5, 2)), "black", 1.4),
    "threshold": ((0, (1, 1.5)), "0.25", 1.6),
    "mean": ((0, (6, 2, 1, 2)), "0.45", 1.4),
}


# ------------------------------------------------------------------ text, figures and axes
def plain(s: object) -> str:
    """``s`` as plain text for matplotlib: every ``$`` escaped as ``\\$``, so mathtext never reads it.

    Every string that holds user text (a config's or a results file's names and labels, the
    currency) goes through this exactly once, where it is handed to matplotlib; the figure then
    shows it as written (``"a $5 fee"``, ``"$x$"``, ``"$\\undefined$"``).  In a string that
    also holds wotsim's own mathtext, only the user's pieces are escaped: ``"$S_T$: " + plain(label)``.
    """
    return str(s).replace("$", r"\$")


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """Return ``(figure, ax)``: the given axes and their figure, or a new figure with one axes.

    New figures use constrained layout and an Agg canvas; pyplot is never touched.
    """
    if ax is not None:
        return root_figure(ax), ax
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def root_figure(ax: Axes) -> Figure:
    """The top-level figure of ``ax`` (also when it sits in a subfigure), on matplotlib >= 3.8."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10 has no ``root``; ``.figure`` of a subfigure is its parent
        fig = ax.figure
        while not isinstance(fig, Figure):
            fig = fig.figure
        return fig


def set_title(ax: Axes, what: str, result: SimulationResult, lang: str = DEFAULT_LANGUAGE) -> None:
    """A two-line title: what is shown, then the study, the number of draws and the design."""
    titled(ax, what, f"{study_name(result.config, lang=lang)} · {samples(result.n, result.sampler, lang)}")


def samples(n: int, sampler: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``4,096 sobol samples`` / ``4.096 trekkingen (sobol)``."""
    return translator(lang)("{n} {sampler} samples").format(n=count(n, lang), sampler=sampler)


def titled(ax: Axes, what: str, subtitle: str) -> None:
    """A bold title on the left with a grey subtitle (one or more lines) under it (gid ``"subtitle"``)."""
    pad = 16 + 11.5 * subtitle.count("\n")
    ax.set_title(plain(what), loc="left", fontsize=11 if len(what) <= 58 else 10, fontweight="bold", pad=pad)
    sub = ax.annotate(plain(subtitle), xy=(0, 1), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points",
                      ha="left", va="bottom", fontsize=8.5, color="0.3")
    sub.set_gid("subtitle")


def add_legend(ax: Axes, loc: str = "upper left", **kwargs) -> None:
    """A framed legend inside the axes."""
    ax.legend(loc=loc, fontsize=8, frameon=True, framealpha=0.92, edgecolor="0.7", handlelength=3.2, **kwargs)


def style_axes(ax: Axes, lang: str = DEFAULT_LANGUAGE) -> None:
    """No top and right spines; the house font sizes for ticks and axis labels; numbers on ticks in ``lang``
    (:func:`local_ticks`)."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8.5)
    ax.xaxis.label.set_size(9.5)
    ax.yaxis.label.set_size(9.5)
    local_ticks(ax, lang)


def local_ticks(ax: Axes, lang: str = DEFAULT_LANGUAGE) -> None:
    """Outside English, the tick labels matplotlib would number itself (its default
    :class:`~matplotlib.ticker.ScalarFormatter`) in the locale's format instead (:class:`ScaledFormatter`:
    ``1,5``, ``12.500``); English ticks stay matplotlib's."""
    if english(lang):
        return
    for axis in (ax.xaxis, ax.yaxis):
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(ScaledFormatter(1.0, lang))


# ------------------------------------------------------------------ titles, legends, notes, panels
def join_subtitle(*parts: str, width: int = 80) -> str:
    """Join non-empty parts with " · ", breaking the line between parts where it would pass ``width``."""
    lines: list[str] = []
    for part in (p for p in parts if p):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def add_header(head: Axes, title: str, subtitle: str, handles: list, labels: list, ncols: int) -> None:
    """Title, subtitle and legend of a grid figure, in its header strip."""
    titled(head, title, subtitle)
    if handles:
        head.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, -0.1), ncols=ncols, fontsize=7.5,
                    frameon=False, handlelength=2.6, borderaxespad=0.0)


#: A band (or interval) no wider than this share of its axis's span anywhere is not seen (about a pixel
#: and a half of a figure's axes): it gets no legend entry.
INVISIBLE = 0.005
#: A band drawn around a line (an estimate with its ±2 SE) is hidden by the line unless it is wider than
#: about two line widths: this share of the axis's span (a 1.6-point line on an axes 2.9 inches tall is 0.8%).
UNDER_LINE = 0.02


def band_visible(lower, upper, span: float, share: float = INVISIBLE) -> bool:
    """True if the band from ``lower`` to ``upper`` (arrays or numbers) is wider than ``share`` times
    ``span`` (the axis's data span) somewhere; with ``span`` 0 (or not finite), if it has any width.

    A band the eye cannot find (zero width everywhere: a deterministic stakeholder's fan, a zero
    standard error; or hidden under the line drawn along it, ``share=UNDER_LINE``) gets no legend
    entry: a legend names only what is seen.
    """
    width = np.abs(np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float))
    width = width[np.isfinite(width)]
    widest = float(width.max()) if width.size else 0.0
    span = abs(float(span)) if math.isfinite(span) else 0.0
    return widest > share * span if span > 0 else widest > 0


def legend_label(text: str, visible: bool) -> str | None:
    """``text`` for something drawn that the eye can find, else None (no legend entry)."""
    return text if visible else None


def legend_below(ax: Axes, offset: float = 34.0, ncols: int = 3) -> None:
    """A legend in one or two rows under the x-axis label (``offset`` points below the axes)."""
    fig = root_figure(ax)
    shift = ScaledTranslation(0, -offset / 72.0, fig.dpi_scale_trans)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), bbox_transform=ax.transAxes + shift, ncols=ncols,
              fontsize=7.5, frameon=False, handlelength=2.6, borderaxespad=0.0)


def add_note(ax: Axes, lines: Sequence[str], offset: float, width: int = 120) -> None:
    """A small grey footnote ``offset`` points below the axes, from the figure's left edge (gid ``"footnote"``)."""
    wrapped = [textwrap.fill(line, width, max_lines=6, placeholder=" …") for line in lines if line]
    note = "\n".join(wrapped[:10] + (["…"] if len(wrapped) > 10 else []))
    if note:
        ax.annotate(plain(note), xy=(0.015, 0), xycoords=("figure fraction", "axes fraction"), xytext=(0, -offset),
                    textcoords="offset points", fontsize=7.5, color="0.3", va="top", ha="left", gid="footnote")


def add_column(ax: Axes, dx: float, header: str, cells: Sequence[tuple[float, str, str, dict]]) -> None:
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


def add_footnote(fig: Figure, note: str) -> None:
    """A small grey note at the bottom of a figure (part of the layout)."""
    note = fig.supxlabel(plain(note), x=0.01, ha="left", fontsize=7.5, color="0.3")
    note.set_gid("footnote")


def grid_figure(k: int, ncols: int, panel_height: float, header: float = 0.3,
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


def panels(ax: Axes | Sequence[Axes] | None, k: int, ncols: int, panel_height: float
           ) -> tuple[Figure, Axes | None, list[Axes], bool]:
    """(figure, header, axes, one_per_factor): a new grid, the caller's axes (one per factor) or one shared axes."""
    if ax is None:
        fig, head, axes = grid_figure(k, ncols, panel_height)
        return fig, head, axes, True
    if isinstance(ax, Axes):
        return root_figure(ax), None, [ax], False
    axes = list(ax)
    if len(axes) < k:
        raise WotsimError(f"ax must be one Axes or at least {k} Axes (one per factor), got {len(axes)}")
    return root_figure(axes[0]), None, axes[:k], True


# ------------------------------------------------------------------ labels
def wrap(text: str, width: int = 30, lines: int = 2) -> str:
    """Wrap a label to ``width`` characters a line, at most ``lines`` lines (then cut with an ellipsis)."""
    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …"))


def ratio_label(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Append "benefits / costs" to a ratio's axis label without doubling parentheses."""
    _ = translator(lang)
    form = _("{label}, benefits / costs") if text.endswith(")") else _("{label} (benefits / costs)")
    return form.format(label=text)


def as_list(obj) -> list:
    """``None`` -> ``[]``; a list or tuple as a list; anything else as a list of one."""
    if obj is None:
        return []
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def indices_of(result, output: str, method: str):
    """A sensitivity result's indices of ``output``; a one-line error naming the outputs it analysed."""
    if output not in result.indices:
        raise WotsimError(f"no {method} indices for output {output!r}; analysed: {', '.join(result.indices)}")
    return result.indices[output]


def check_top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise WotsimError(f"top must be a whole number >= 1, got {top!r}")
    return int(top)


# ------------------------------------------------------------------ reference lines
#: Base case and published figure closer than this share of the axis span are drawn as one line with
#: one label: two lines there would hide each other (about 3 pixels of a 7-inch figure).
COINCIDE = 0.005


def _published(summary, currency: str = "", lang: str = DEFAULT_LANGUAGE) -> str:
    """The published figure as the config gives it (``1.05`` / ``1,05``); money as a figure value."""
    if summary.measure != "ratio":
        return figure_value(summary.measure, summary.target, currency, lang)
    return written(summary.target, lang)


def base_equals_published(summary) -> bool:
    """True if the base case rounds to the published figure at the precision it is published in.

    The precision is the number of significant digits of the target as written (``1.05``: three;
    at least two, so a published 2 is read as 2.0), so a base case of 1.0500 equals a published
    1.05 and 1.0562 does not.  ``summary`` is an :class:`~wotsim.results.OutputSummary`; False
    without a target.
    """
    if summary.target is None or not math.isfinite(summary.base):
        return False
    mantissa = f"{summary.target:g}".split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    digits = max(2, len(mantissa))
    return f"{summary.base:.{digits}g}" == f"{summary.target:.{digits}g}"


def reference_lines(ax: Axes, summary, *, span: float, vertical: bool = True, mean: bool = False,
                    currency: str = "", lang: str = DEFAULT_LANGUAGE) -> None:
    """Mark an output summary's base case, published target (if any), break-even and optionally its mean.

    The target also gets a ▼ on the top edge (gid ``"target_marker"``).  When the base case equals
    the published figure (:func:`base_equals_published`) or lies within :data:`COINCIDE` of the axis
    ``span`` of it, the two are one line (gid ``"base"``) with one label, ``"base case = published
    1.05 (▼)"`` or ``"base case 1.052 ≈ published 1.05 (▼)"``, and the ▼ keeps the target's place.
    """
    _ = translator(lang)
    base = figure_value(summary.measure, summary.base, currency, lang)
    marks = [("base", summary.base, _("base case {value}").format(value=base))]
    if summary.target is not None:
        published = _published(summary, currency, lang)
        if base_equals_published(summary):
            marks[0] = ("base", summary.base, _("base case = published {published} (▼)").format(published=published))
        elif abs(summary.base - summary.target) <= COINCIDE * span:
            marks[0] = ("base", summary.base, _("base case {value} ≈ published {published} (▼)").format(
                value=base, published=published))
        else:
            marks.append(("target", summary.target, _("published {published} (▼)").format(published=published)))
    marks.append(("threshold", summary.threshold, break_even(summary.measure, lang)))
    if mean:
        marks.append(("mean", summary.mean, _("mean {value}").format(
            value=figure_value(summary.measure, summary.mean, currency, lang))))
    for gid, x, label in marks:
        style, colour, width = LINES[gid]
        line = (ax.axvline if vertical else ax.axhline)(x, linestyle=style, color=colour, linewidth=width,
                                                        label=plain(label), zorder=4)
        line.set_gid(gid)
    if summary.target is not None:
        # A marker on the top edge: the target's place, also where it shares the base case's line.
        x = summary.target
        tri, = ax.plot([x] if vertical else [1.0], [1.0] if vertical else [x], marker="v" if vertical else "<",
                       markersize=7, color="black", linestyle="none", clip_on=False, zorder=6,
                       transform=ax.get_xaxis_transform() if vertical else ax.get_yaxis_transform())
        tri.set_gid("target_marker")


def break_even(measure: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The legend entry of the break-even line: ``break-even (1)`` for a ratio, ``break-even (0)`` for money."""
    return translator(lang)("break-even ({value})").format(value="1" if measure == "ratio" else "0")


# ------------------------------------------------------------------ money axes and numbers
def money_axis(axis, magnitude: float, result: SimulationResult, what: str, *, present_value: bool = True,
               details: bool = True, lang: str = DEFAULT_LANGUAGE) -> None:
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
    lang : str
        The language of the label and the tick labels.
    """
    study = result.config.study
    money_label(axis, magnitude, study.currency, study.price_year, what, present_value=present_value,
                details=details, lang=lang)


def money_label(axis, magnitude: float, currency: str, price_year: int | None, what: str, *,
                present_value: bool = True, details: bool = True, lang: str = DEFAULT_LANGUAGE) -> None:
    """:func:`money_axis` from a currency and price year (for results that carry no config)."""
    _ = translator(lang)
    scale = money_scale(abs(magnitude) if math.isfinite(magnitude) else 0.0)[0]
    unit = f"{scale_word(scale, lang)}{fit(currency, 12)}".strip()
    parts = [unit] if unit else []
    if price_year and details:
        parts.append(_("{year} prices").format(year=price_year))
    if present_value and details and _("present value") not in what.lower():
        parts.append(_("present value"))
    axis.set_label_text(plain(f"{what} ({', '.join(parts)})" if parts else what))
    axis.set_major_formatter(ScaledFormatter(scale, lang))


def scale_word(scale: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """The word before a currency on a scaled money axis, with its space: ``million ``, ``thousand `` or ``""``
    (the scales of :func:`wotsim.formatting.money_scale`)."""
    word = {1e6: N_("million"), 1e3: N_("thousand")}.get(scale, "")
    return f"{translator(lang)(word)} " if word else ""


class ScaledFormatter(Formatter):
    """Tick labels divided by ``scale``, with thousands separators and as many decimals as the tick step needs,
    in the number format of ``lang`` (``1,234.5`` / ``1.234,5``)."""

    def __init__(self, scale: float, lang: str = DEFAULT_LANGUAGE):
        self.scale = scale
        self.lang = lang
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
        if english(self.lang):
            return f"{value:,.{decimals}f}".replace("-", MINUS)
        return format_decimal(value, self.lang, decimals, minus=MINUS)
