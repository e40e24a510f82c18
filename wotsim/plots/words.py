"""Figures in the reader's language: the numbers, tick formatters and config labels of a figure, in English or Dutch.

Every public figure function takes ``lang`` (``"en"``, the default, or ``"nl"``).  Messages go
through gettext as :mod:`wotsim.i18n` describes (``_ = translator(lang)``; ``N_`` for data).

**Numbers.**  In English a figure prints exactly what it always printed (the
:mod:`wotsim.formatting` functions, unchanged).  In another language the numbers come from
Babel's CLDR data: through the ``lang`` of :mod:`wotsim.formatting` where it has one
(:func:`~wotsim.formatting.significant`, :func:`~wotsim.formatting.plus_minus`,
:func:`~wotsim.formatting.share_pm`), else through :func:`wotsim.i18n.format_decimal`,
:func:`~wotsim.i18n.format_percent` and :func:`~wotsim.i18n.format_money` (``1,050``; ``57%``;
``€ 251.000``, ``€ 1,67 mln.``), with the typographic minus; each function here names the English
function it stands for.

**Labels.**  Figures may not import :mod:`wotsim.config` (tests/test_layers.py), so the
translated texts of a config are read here, by duck typing, from its ``translations`` mapping
((kind, id, field, language) -> text, what :func:`wotsim.config.translations.text_of` reads) and
from a scenario's own ``translations`` (:func:`translated`, :func:`scenario_label`).  Texts wotsim
itself gives outputs and runs ("Net present value", "Base analysis") are messages
(:data:`OWN_TEXTS`).  Without a translation a label prints in English.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from matplotlib.ticker import Formatter, FuncFormatter, PercentFormatter

from ..formatting import MINUS, figure_number, figure_value, fit_text, percent, plus_minus, probability, significant
from ..i18n import (DEFAULT_LANGUAGE, N_, check_language, format_decimal, format_money, format_percent, humanise,
                    ngettext, translator)

__all__ = ["GROUPED", "LABEL_WIDTH", "OWN_TEXTS", "count", "count_formatter", "counted", "english", "factor_label",
           "factors_word", "fit", "fixed", "group_label", "group_labels", "number", "output_label", "own_text",
           "parameter_label", "percent_formatter", "pm", "prob", "readable", "scenario_label", "share", "sig",
           "se_method", "stakeholder_label", "study_name", "summary_label", "translated", "value"]

#: Texts wotsim's results carry in English that a figure prints as they are (labels wotsim gives outputs
#: and runs, fixed notes and verdicts of the analyses): translated as messages (:func:`own_text`).
OWN_TEXTS = frozenset({
    N_("Net present value"), N_("Total benefits (PV)"), N_("Total costs (PV)"), N_("Total benefits"),
    N_("Total costs"), N_("Base analysis"),
    N_("stable"), N_("not stable"), N_("CI"), N_("halves disagree"),
    N_("regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves"),
    N_("Grouped PAWN (SALib): each group's figures are the mean of its members' own indices, not an index of the "
       "group as a whole; compare groups with care."),
    N_("PAWN ran on the Monte Carlo sample, which honours the config's rank correlations; a correlated "
       "parameter's index includes what it shares with its partners."),
})


def english(lang: str) -> bool:
    """True for the default language (whose figures print as they always did); an unknown one is an error."""
    return check_language(lang) == DEFAULT_LANGUAGE


def _not_available(lang: str) -> str:
    return translator(lang)("n/a")


# ------------------------------------------------------------------ numbers
def count(n: int, lang: str) -> str:
    """A whole number with the locale's grouping: ``12,345`` / ``12.345``."""
    return f"{n:,}" if english(lang) else format_decimal(n, lang, 0)


def fixed(x: float, digits: int, lang: str) -> str:
    """``x`` to ``digits`` decimals: ``0.812`` / ``0,812`` (English as ``f"{x:.3f}"``)."""
    return f"{x:.{digits}f}" if english(lang) else format_decimal(x, lang, digits, minus=MINUS)


def sig(x: float, lang: str, digits: int = 3) -> str:
    """``x`` to ``digits`` significant figures, never an exponent: :func:`wotsim.formatting.significant`
    (``2,810`` / ``2.810``, ``0.0106`` / ``0,0106``)."""
    text = significant(x, digits, lang)
    return text if english(lang) else text.replace("-", MINUS)


def number(x: float, lang: str) -> str:
    """A parameter value: :func:`wotsim.formatting.figure_number` (grouped above 1,000, else three
    significant figures)."""
    if english(lang):
        return figure_number(x)
    if not math.isfinite(x):
        return _not_available(lang)
    return format_decimal(x, lang, 0, minus=MINUS) if abs(x) >= 1000 else sig(x, lang, 3)


def value(measure: str, x: float, currency: str, lang: str) -> str:
    """A value of a measure: :func:`wotsim.formatting.figure_value`; a ratio to three decimals (``1,050``),
    money to the same places as in English (whole units below 10,000, thousands below a million, then
    hundredths of millions: ``€ 5.000``, ``€ 251.000``, ``−€ 1,67 mln.``)."""
    if english(lang):
        return figure_value(measure, x, currency)
    if not math.isfinite(x):
        return _not_available(lang)
    if measure == "ratio":
        return format_decimal(x, lang, 3, minus=MINUS)
    if abs(x) >= 1e6:
        figures = len(f"{abs(x) // 1e6:.0f}") + 2
    else:
        x = float(round(x, -3 if abs(x) >= 1e4 else 0))
        figures = len(f"{abs(x):.0f}")
    return format_money(x, fit_text(currency, 12), lang, figures, minus=MINUS) if currency else sig(x, lang, figures)


def prob(p: float, se: float | None, lang: str) -> str:
    """A probability to three decimals with its standard error: :func:`wotsim.formatting.probability`."""
    if english(lang):
        return probability(p, se)
    text = format_decimal(p, lang, 3)
    return text if se is None else f"{text} ± {format_decimal(se, lang, 3)}"


def share(p: float, lang: str) -> str:
    """A share as a whole percentage: :func:`wotsim.formatting.percent` (``57%`` in both languages)."""
    return percent(p) if english(lang) else format_percent(p, lang, 0)


def pm(x: float, se: float, lang: str, *, measure: str = "ratio", currency: str = "", signed: bool = False) -> str:
    """``x ± se``, the error to one significant figure and ``x`` to its decimal place:
    :func:`wotsim.formatting.plus_minus` (``−0,0381 ± 0,0004``; ``€ −212.000 ± € 3.000``)."""
    return plus_minus(x, se, measure=measure, currency=currency, signed=signed, lang=lang)


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


# ------------------------------------------------------------------ labels
def translated(config: Any, kind: str, name: str, field: str, lang: str) -> str:
    """The ``lang`` text of a config's ``field`` of ``kind`` ``name`` (``label_nl`` ...), or ``""`` (English:
    always ``""``; the caller prints the English text).  ``kind`` as in
    :data:`wotsim.config.translations.TRANSLATABLE`; ``name`` is ignored for the study."""
    if english(lang) or config is None:
        return ""
    table = getattr(config, "translations", None)
    found = table.get((kind, "" if kind == "study" else name, field, lang)) if isinstance(table, Mapping) else None
    return found if isinstance(found, str) else ""


def own_text(text: str, lang: str) -> str:
    """A text of wotsim's own that a result carries (:data:`OWN_TEXTS`) in ``lang``; any other as it is."""
    return translator(lang)(text) if text in OWN_TEXTS else text


def scenario_label(run: Any, lang: str) -> str:
    """A compared run's label (its ``label``): the base analysis's as a message, a scenario's from the
    scenario's own ``translations`` (``label_nl``), else as it is."""
    if english(lang):
        return run.label
    scenario = getattr(run, "scenario", None)
    table = getattr(scenario, "translations", None)
    if isinstance(table, Mapping):
        found = table.get(("scenario", getattr(scenario, "id", ""), "label", lang))
        if isinstance(found, str) and found:
            return found
    return own_text(run.label, lang)


#: Longest user label drawn in one piece (titles, axis labels); longer ones are cut with " …".
LABEL_WIDTH = 60


def fit(label: object, width: int = LABEL_WIDTH) -> str:
    """A user label on one line, cut to ``width`` characters with " …" (:func:`wotsim.formatting.fit_text`)."""
    return fit_text(label, width)


def readable(label: object, name: str) -> str:
    """The text a person reads for ``name``: its ``label``, else the id humanised (:func:`wotsim.i18n.humanise`).

    A label that is empty or only repeats the id (``"x1"`` for ``x1``, ``"social ratio"`` for
    ``social_ratio``: the defaults a config gives an unlabelled output or item) counts as none:
    ``readable("", "extra_capacity_share") == "Extra capacity share"``.  Not cut (:func:`fit` does that).
    """
    text = " ".join(str(label or "").split())
    name = str(name)
    if not text or text in (name, name.replace("_", " ")):
        return humanise(name)
    return text


def output_label(config, name: str, manifest: Mapping[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of an output name, from the config (its translation into ``lang`` first), else from a
    manifest's copy of it, else wotsim's own label (``npv``, ``net:<stakeholder>``), else humanised."""
    found = translated(config, "output", name, "label", lang)
    if found:
        return fit(found)
    if config is not None and name in config.outputs:
        return fit(readable(config.outputs[name].label, name))
    raw = (manifest or {}).get("config", {})
    raw = raw.get("outputs", {}) if isinstance(raw, Mapping) else {}
    raw = raw.get(name, {}) if isinstance(raw, Mapping) else {}
    if isinstance(raw, Mapping) and raw.get("label"):
        other = raw.get(f"label_{lang}") if not english(lang) else None
        return fit(other if isinstance(other, str) and other.strip() else readable(raw["label"], name))
    _ = translator(lang)
    if name.startswith("net:"):
        return fit(_("Net value: {stakeholder}").format(stakeholder=stakeholder_label(config, name[4:], lang)))
    known = {"npv": N_("Net present value"), "benefits": N_("Total benefits"), "costs": N_("Total costs")}
    return fit(_(known[name]) if name in known else readable("", name))


def summary_label(config, summary, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of an :class:`~wotsim.results.OutputSummary`'s output as a person reads it, cut to one line:
    the config's translation, else the summary's label (wotsim's own translated), else the id humanised."""
    found = translated(config, "output", summary.name, "label", lang)
    if found:
        return fit(found)
    if summary.name.startswith("net:") and not english(lang):
        return output_label(config, summary.name, lang=lang)
    return fit(own_text(readable(summary.label, summary.name), lang))


def parameter_label(config, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of a parameter: its label in the config (translated), else its id humanised."""
    label = config.parameters[name].label if config is not None and name in config.parameters else ""
    return fit(translated(config, "parameter", name, "label", lang) or readable(label, name))


def group_label(config, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of a parameter group: the config's ``[groups]`` label (translated), else the id humanised."""
    groups = getattr(config, "groups", None) or {}
    return fit(translated(config, "group", name, "label", lang) or readable(groups.get(name, ""), name))


def stakeholder_label(config, sid: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of a stakeholder: the config's name for it (translated), else its id humanised."""
    return translated(config, "stakeholder", sid, "label", lang) or \
        readable(config.stakeholders.get(sid, "") if config is not None else "", sid)


def study_name(config, fallback: str = "", lang: str = DEFAULT_LANGUAGE) -> str:
    """The study's name (translated), cut to one line; ``fallback`` without a config."""
    return fit(translated(config, "study", "", "name", lang) or (config.study.name if config is not None else fallback))


def counted(text: str, k: int, lang: str) -> str:
    """A counted phrase chosen by :func:`wotsim.i18n.ngettext` with ``{n}`` filled in: ``3 parameters``."""
    return text.format(n=k if english(lang) else count(k, lang))


#: The kind of a config's translations that labels the factors of each grouping (None: no translations).
_FACTOR_KIND = {None: "parameter", "group": "group", "item": "item", "stakeholder": "stakeholder"}


def factor_label(labels: Mapping[str, str], factor: str, members: Mapping[str, Any] | None = None,
                 groups: Mapping[str, str] | None = None, *, lang: str = DEFAULT_LANGUAGE, config=None,
                 grouping: str | None = None) -> str:
    """A factor's display label: the config's translation into ``lang`` (factors of ``grouping``), else from a
    result's ``labels``, else from ``groups`` (a config's ``[groups]`` labels, for factors that are parameter
    groups), else the factor humanised; with ``members`` (grouped factors) its member count."""
    label = labels.get(factor, "")
    if groups and readable(label, factor) == humanise(factor):
        label = groups.get(factor, label)
    kind = _FACTOR_KIND.get(grouping)
    label = fit((translated(config, kind, factor, "label", lang) if kind else "") or readable(label, factor))
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


def se_method(result, lang: str = DEFAULT_LANGUAGE) -> str:
    """How a run's standard errors were computed, in words: its ``se_method``
    (:func:`wotsim.results.mcse.describe`), in ``lang`` from its sampler and number of randomisations."""
    if english(lang):
        return result.se_method
    _ = translator(lang)
    if result.replicates > 1:
        return _("estimated from the spread over the design's {n_r} independent randomisations "
                 "({sampler})").format(n_r=count(result.replicates, lang), sampler=result.sampler)
    if result.sampler == "mc":
        return _("independent draws (mc): iid formulas")
    return _("iid formulas on a single randomisation ({sampler}): not an honest error for this "
             "design").format(sampler=result.sampler)
