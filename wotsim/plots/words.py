"""What only figures need of the reader's language: tick formatters, labels cut to one line, counted phrases.

Every public figure function takes ``lang`` (``"en"``, the default, or ``"nl"``).  Messages go
through gettext as :mod:`wotsim.i18n` describes (``_ = translator(lang)``; ``N_`` for data).  The
rest has one home for every layer, and the figures call it directly:

* **numbers**: :mod:`wotsim.formatting` with ``lang`` (:func:`~wotsim.formatting.figure_value`,
  :func:`~wotsim.formatting.figure_number`, :func:`~wotsim.formatting.probability`,
  :func:`~wotsim.formatting.percent`, :func:`~wotsim.formatting.fixed`, :func:`~wotsim.formatting.count`,
  :func:`~wotsim.formatting.written`, :func:`~wotsim.formatting.plus_minus`,
  :func:`~wotsim.formatting.share_pm`): English exactly as it always printed, Dutch from Babel's
  CLDR data with the typographic minus;
* **labels**: :mod:`wotsim.labels` (a config read by attribute: figures may not import
  :mod:`wotsim.config`, tests/test_layers.py), cut to one line here (:func:`fit`,
  :func:`output_label`, :func:`study_name`);
* **the analyses' English notes**: :func:`wotsim.notes.note`.

Without a translation a label prints in English.
"""

from __future__ import annotations

from typing import Any, Mapping

from matplotlib.ticker import Formatter, FuncFormatter, PercentFormatter

from .. import labels
from ..formatting import MINUS, count, fit_text
from ..i18n import DEFAULT_LANGUAGE, N_, check_language, format_percent, humanise, ngettext, translator

__all__ = ["GROUPED", "LABEL_WIDTH", "count_formatter", "counted", "english", "factor_label", "factors_word", "fit",
           "group_labels", "output_label", "percent_formatter", "study_name"]


def english(lang: str) -> bool:
    """True for the default language (whose figures print as they always did); an unknown one is an error."""
    return check_language(lang) == DEFAULT_LANGUAGE


# ------------------------------------------------------------------ tick formatters
def percent_formatter(lang: str, decimals: int | None = None) -> Formatter:
    """Tick labels of a probability axis (0 to 1) as percentages: ``57%``; English as matplotlib's
    :class:`~matplotlib.ticker.PercentFormatter` (``decimals=None``: as many as the range needs)."""
    if english(lang):
        return PercentFormatter(1.0, decimals=decimals)
    return FuncFormatter(lambda x, _pos: format_percent(x, lang, decimals or 0, minus=MINUS))


def count_formatter(lang: str) -> Formatter:
    """Tick labels of whole counts with the locale's grouping (``16,384`` / ``16.384``)."""
    return FuncFormatter(lambda x, _pos: count(int(round(x)), lang))


# ------------------------------------------------------------------ labels on one line
#: Longest user label drawn in one piece (titles, axis labels); longer ones are cut with " …".
LABEL_WIDTH = 60


def fit(label: object, width: int = LABEL_WIDTH) -> str:
    """A user label on one line, cut to ``width`` characters with " …" (:func:`wotsim.formatting.fit_text`)."""
    return fit_text(label, width)


def output_label(config, name: str, manifest: Mapping[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """An output's label on a figure (:func:`wotsim.labels.output_label`, wotsim's own outputs as a money axis
    names them, a results ``manifest``'s copy of the config where the config is not at hand), on one line."""
    return fit(labels.output_label(config, name, lang, manifest=manifest, axis=True))


def study_name(config, fallback: str = "", lang: str = DEFAULT_LANGUAGE) -> str:
    """The study's name in ``lang`` (:func:`wotsim.labels.study_name`), on one line; ``fallback`` without a config."""
    return fit(labels.study_name(config, lang, fallback))


def counted(text: str, k: int, lang: str) -> str:
    """A counted phrase chosen by :func:`wotsim.i18n.ngettext` with ``{n}`` filled in: ``3 parameters``."""
    return text.format(n=k if english(lang) else count(k, lang))


#: The kind of a config's translations that labels the factors of each grouping (None: no translations).
_FACTOR_KIND = {None: "parameter", "group": "group", "item": "item", "stakeholder": "stakeholder"}


def factor_label(names: Mapping[str, str], factor: str, members: Mapping[str, Any] | None = None,
                 groups: Mapping[str, str] | None = None, *, lang: str = DEFAULT_LANGUAGE, config=None,
                 grouping: str | None = None) -> str:
    """A sensitivity factor's display label: the config's translation into ``lang`` (factors of ``grouping``),
    else from a result's ``names`` (its labels), else from ``groups`` (a config's ``[groups]`` labels, for factors
    that are parameter groups), else the factor humanised; with ``members`` (grouped factors) its member count."""
    label = names.get(factor, "")
    if groups and labels.readable(label, factor) == humanise(factor):
        label = groups.get(factor, label)
    kind = _FACTOR_KIND.get(grouping)
    label = fit((labels.translation(config, kind, factor, "label", lang) if kind else "")
                or labels.readable(label, factor))
    if members is not None:
        k = len(members.get(factor, ()))
        label = f"{label} ({counted(ngettext('{n} parameter', '{n} parameters', k, lang), k, lang)})"
    return label


def group_labels(config, grouping: str | None) -> Mapping[str, str]:
    """A config's ``[groups]`` labels when the factors are parameter groups (``grouping == "group"``), else none."""
    return (getattr(config, "groups", None) or {}) if grouping == "group" else {}


GROUPED = {"group": N_("per parameter group"), "item": N_("per item"), "stakeholder": N_("per stakeholder"),
           "correlated": N_("per block of correlated parameters")}


def factors_word(grouping: str | None, grouped: bool, lang: str = DEFAULT_LANGUAGE) -> str:
    """What a sensitivity result's factors are: ``"per parameter"``, ``"per parameter group"``, ..."""
    _ = translator(lang)
    if not grouped:
        return _("per parameter")
    return _(GROUPED[grouping]) if grouping in GROUPED else _("grouped by {grouping}").format(grouping=grouping)
