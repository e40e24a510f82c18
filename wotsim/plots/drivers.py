"""The decision drivers figure: which parameters decide P(output > threshold), bin by bin.

It takes a :class:`~wotsim.analysis.drivers.DecisionDrivers` by attribute (plots never import
analysis) and an optional ``config`` for labels and the study name;
:func:`wotsim.plots.sensitivity.sensitivity_figures` lists it with the other sensitivity figures.
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..formatting import count, fixed, probability, written
from ..i18n import DEFAULT_LANGUAGE, N_, translator
from ..labels import parameter_label
from .style import (add_footnote, add_header, add_legend, check_top, join_subtitle, panels, plain, style_axes, titled,
                    wrap)
from .words import fit, output_label, percent_formatter, study_name

__all__ = ["drivers_chart"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_DASHES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


#: Names of the bins by their number: (one, several).
_BIN_NAMES = {4: (N_("quartile"), N_("quartiles")), 5: (N_("quintile"), N_("quintiles")),
              10: (N_("decile"), N_("deciles"))}


def drivers_chart(decision_drivers, *, ax: Axes | Sequence[Axes] | None = None, top: int = 8,
                  config=None, lang: str = DEFAULT_LANGUAGE) -> Figure:
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
    lang : str
        The language of every text in the figure: ``"en"`` (default) or ``"nl"``.

    Returns
    -------
    Figure
    """
    _ = translator(lang)
    d = decision_drivers
    top = check_top(top)
    k = min(top, len(d.parameters))
    fig, head, axes, separate = panels(ax, k, 4, 1.6)
    x = np.arange(1, d.bins + 1, dtype=float)
    threshold = written(d.threshold, lang)
    short = f"{_('ratio') if d.threshold == 1.0 else _('NPV')} > {threshold}"
    names = _BIN_NAMES.get(d.bins)
    word = _(names[0]) if names else _("bin")
    for a, rows in zip(axes, [[j] for j in range(k)] if separate else [list(range(k))]):
        for m, j in enumerate(rows):
            name = d.parameters[j]
            shift = 0.0 if separate else (m - (len(rows) - 1) / 2) * 0.06  # dodge overlapping error bars
            marker = "o" if separate else _MARKERS[m % len(_MARKERS)]
            style = "-" if separate else _DASHES[m % len(_DASHES)]
            eb = a.errorbar(x + shift, d.p_by_bin[j], yerr=d.p_by_bin_se[j], marker=marker, linestyle=style,
                            markersize=4, color="black", markerfacecolor="black" if separate else "white",
                            ecolor="black", elinewidth=0.9, capsize=2.5, linewidth=1.3, zorder=4,
                            label=(_("P({short}) per {bin}, ±1 SE").format(short=short, bin=word) if separate
                                   else plain(fit(parameter_label(config, name, lang)))))
            eb.lines[0].set_gid(f"p_by_bin:{name}")
            eb.lines[2][0].set_gid(f"p_by_bin_se:{name}")
            if separate:
                a.set_title(plain(f"{wrap(fit(parameter_label(config, name, lang)), 24)}\n"
                                  f"S = {fixed(d.first_order[j], 3, lang)} ± {fixed(d.first_order_se[j], 3, lang)}"),
                            loc="left", fontsize=8)
        a.axhline(d.p_above, color="0.35", linestyle=(0, (4, 2)), linewidth=1.1, zorder=3,
                  label=_("overall P({short})").format(short=short)).set_gid("p_overall")
        a.set_ylim(0, 1)
        a.set_xlim(0.6, d.bins + 0.4)
        a.set_xticks(x, [f"{int(v)}" for v in x])
        a.yaxis.set_major_formatter(percent_formatter(lang, decimals=0))
        a.grid(True, axis="y", color="0.9", linewidth=0.6)
        style_axes(a, lang)
        a.tick_params(labelsize=7.5)
    label = output_label(config, d.output, lang=lang)
    title = _("{label}: which parameters decide P({short})").format(label=label, short=short)
    xlabel = _("{bin} (1 = lowest)").format(bin=word[:1].upper() + word[1:])
    subtitle = join_subtitle(study_name(config, lang=lang), _("{n} Monte Carlo draws").format(n=count(d.n, lang)),
                             _("overall P({short}) = {p}").format(
                                 short=short, p=probability(d.p_above, d.p_above_se, lang=lang)),
                             width=105 if head else 80)
    bins = _("{n} equal-probability bins")
    what = _(names[1]) if names else bins.format(n=d.bins)
    note = _("Draws grouped by the parameter's {bins} (1 = its lowest values). S: first-order index of the "
             "indicator 1[{short}] ({bins_index}) ± its standard error; parameters ranked by S. Error bars: ±1 "
             "binomial standard error.").format(bins=what, short=short, bins_index=bins.format(n=d.bins_index))
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
