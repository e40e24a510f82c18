"""Is a follow-up study worth it?  The value of sample information in the terminal and in the report.

:func:`format_evsi` is what ``wotsim voi --studies`` prints after the value of information: per study
and decision a table of the study sizes with the EVSI per unit of analysis (± its standard error), the
population EVSI over the cohorts the decision affects, the study's cost and the ENBS (expected net
benefit of sampling), the best size marked (or :data:`wotsim.analysis.evsi.NO_SIZE`), and the ceiling:
the population EVPPI of the parameters the study measures and the population EVPI.  Money in whole units
as the other value-of-information tables print it (:func:`wotsim.formatting.amount`).

:func:`studies_section` is the report's section "Is a follow-up study worth it?": per study a
paragraph, the same table in the page's language (money compact, :func:`wotsim.formatting.plus_minus`
for an estimate with its standard error) and the figure (:func:`wotsim.plots.evsi_curve`).  The
results are :class:`~wotsim.analysis.evsi.EvsiResult` objects, read by attribute.
"""

from __future__ import annotations

from functools import partial
from typing import Sequence

from .._paths import file_stem
from ..formatting import MINUS, amount, count, fixed, lower_first, percent, plus_minus, written
from ..i18n import format_money, ngettext
from ..labels import label_of, parameter_label
from . import html as H
from .text import table

__all__ = ["format_evsi", "studies_section", "study_table"]


# --------------------------------------------------------------------------- terminal
def _per(unit: str) -> str:
    return f" {unit}" if unit else ""


def format_evsi(results: Sequence, *, unit: str = "") -> str:
    """Plain-text tables of the value of sample information (``wotsim voi --studies``), study by study, each
    decision in turn; ``unit`` what the per-cohort amounts are per (e.g. ``"per yearly cohort"``)."""
    if not results:
        return ""
    first = results[0]
    cur = first.currency
    lines = ["Value of sample information: would a study be worth its cost?",
             f"  The decision affects {first.cohorts} cohort{'' if first.cohorts == 1 else 's'}"
             + (f", later ones discounted at {100 * first.discount_rate:.3g}% a year" if first.cohorts > 1 else "")
             + f": population values are {first.population_factor:.4g} x the values{_per(unit)} "
               f"({cur}, present value).", ""]
    methods: list[str] = []
    study = None
    for r in results:
        if r.se_method and r.se_method not in methods:
            methods.append(r.se_method)
        if r.study != study:
            study = r.study
            what = (f"normal design (sd {r.sd:g} per observation)" if r.design == "normal" and r.sd is not None
                    else f"{r.design} design")
            lines += [f"Study: {r.label} ({r.study}): informs {', '.join(r.informs)}; {what}; "
                      f"cost {amount(r.cost_fixed, cur, whole=True)} + {amount(r.cost_per_unit, cur, whole=True)} "
                      "per unit"]
        rows = []
        for j, n in enumerate(r.sizes):
            fit = r.fits[j]
            mark = "best" if n == r.best_size else ("~0" if r.evsi[j] <= fit.floor + 2.0 * fit.se else "")
            rows.append([f"{n:,}", *(amount(x, whole=True) for x in (r.evsi[j], r.evsi_se[j], r.population_evsi[j],
                                                                      r.population_evsi_se[j], r.cost[j], r.enbs[j])),
                         mark])
        header = ["n", f"EVSI ({cur})", "se", "population EVSI", "se", "cost", "ENBS", "note"]
        lines += [f"  Decision: {r.description}", table(rows, header, "rrrrrrrl", indent="  ")]
        if r.best_size is None:
            lines.append(f"  {r.message}: every ENBS is below 0")
        else:
            j = r.sizes.index(r.best_size)
            lines.append(f"  best size: {r.best_size:,} (ENBS {amount(r.enbs[j], cur, whole=True)} "
                         f"± {amount(r.population_evsi_se[j], whole=True)})")
            if r.best_note:
                lines.append(f"  note: {r.best_note}")
        share = percent(r.population_evppi / r.population_evpi) if r.population_evpi > 0 else "n/a"
        lines += [f"  ceiling: EVPPI of {', '.join(r.informs)} {amount(r.evppi, cur, whole=True)} "
                  f"± {amount(r.evppi_se, whole=True)}{_per(unit)}, population "
                  f"{amount(r.population_evppi, cur, whole=True)} ({share} of the population EVPI "
                  f"{amount(r.population_evpi, cur, whole=True)})", ""]
    lines.append(f"EVSI by {first.estimator}: the expected gain{_per(unit)} of deciding after the study instead of "
                 "now; population = over the cohorts the decision affects; ENBS = population EVSI - cost (its se is "
                 "population EVSI's: the cost is known); best = the size with the highest ENBS, none when every "
                 "ENBS is below 0; ~0 = EVSI <= floor + 2 se (not distinguishable from 0); the ceiling: no study of "
                 "these parameters is worth more than their EVPPI.")
    lines += [f"± {m}." for m in methods]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the report
def _method(r, w) -> str:
    """How the standard errors were computed, in the page's language."""
    _ = w._
    if r.replicates > 1:
        return _("from the {n} independent randomisations of the design, regressions included").format(
            n=count(r.replicates, w.lang))
    return _("by a jackknife over groups of draws, regressions included")


def _design(r, w) -> str:
    _ = w._
    if r.design == "normal" and r.sd is not None:
        return _("n observations, each with standard deviation {sd} (normal design)").format(sd=written(r.sd, w.lang))
    return _("n units, each an event or not (binomial design)")


def study_table(r, w) -> str:
    """One study's sizes for one decision: EVSI ± se, population EVSI, cost, ENBS ± se, the best size marked."""
    _ = w._
    money = partial(plus_minus, measure="npv", minus=MINUS, lang=w.lang)
    rows = []
    for j, n in enumerate(r.sizes):
        fit = r.fits[j]
        mark = _("best") if n == r.best_size else (_("~0") if r.evsi[j] <= fit.floor + 2.0 * fit.se else "")
        rows.append([count(n, w.lang), money(r.evsi[j], r.evsi_se[j]), w.money(r.population_evsi[j]),
                     w.money(r.cost[j]), money(r.enbs[j], r.population_evsi_se[j], signed=True), mark])
    cohorts = ngettext("population EVSI ({n} cohort)", "population EVSI ({n} cohorts)", r.cohorts, w.lang).format(
        n=count(r.cohorts, w.lang))
    return H.table([_("study size n"), f"EVSI ({r.currency}{w.per}) ± {_('se')}", cohorts, _("study cost"),
                    f"ENBS ± {_('se')}", ""], rows, left=0)


def _study_words(r, w) -> str:
    """What the study measures, how and at what cost, its best size and the ceiling, in the page's language."""
    _ = w._
    params = ", ".join(lower_first(parameter_label(w.config, p, w.lang)) for p in r.informs)
    money = partial(format_money, currency=r.currency, lang=w.lang, significant=2, minus=MINUS)
    text = _("It measures the {parameters}: {design}; it costs {fixed} plus {per_unit} per unit.").format(
        parameters=params, design=_design(r, w), fixed=money(r.cost_fixed), per_unit=money(r.cost_per_unit))
    if r.best_size is None:
        text += " " + _("No size is worth its cost: every ENBS is below 0.")
    else:
        j = r.sizes.index(r.best_size)
        text += " " + _("Best size: {n} (ENBS {enbs}).").format(
            n=count(r.best_size, w.lang), enbs=plus_minus(r.enbs[j], r.population_evsi_se[j], measure="npv",
                                                          signed=True, minus=MINUS, lang=w.lang))
        if r.best_note:
            text += " " + _("That ENBS is within two standard errors of 0: the study may not be worth its cost.")
    text += " " + _("The ceiling: the population EVPPI of what it measures is {evppi}, the population EVPI {evpi}; "
                    "no study of these parameters can be worth more.").format(
        evppi=money(r.population_evppi), evpi=money(r.population_evpi))
    return text


def studies_section(evsi: Sequence, fig, w) -> str:
    """The report's section on the config's studies (the keep decision): an introduction, then per study its words,
    table and figure; ``fig(stem, figure, caption)`` places a figure (:func:`wotsim.report.page.render`)."""
    from .. import plots

    _ = w._
    if not evsi:
        return ""
    first = evsi[0]
    factor = fixed(first.population_factor, 2, w.lang)
    cohorts = ngettext("{n} cohort", "{n} cohorts", first.cohorts, w.lang).format(n=count(first.cohorts, w.lang))
    body = H.paragraph(_(
        "A study would measure a parameter before the decision is taken.  Its expected value of sample information "
        "(EVSI) is what deciding after seeing its data instead of now is expected to gain, by regression of the net "
        "benefit on the study's simulated summary statistic (Strong, Oakley, Brennan & Breeze 2015); it rises with "
        "the study's size towards the EVPPI of what it measures.  The decision affects {cohorts} ({factor} times "
        "the value per cohort, later cohorts discounted): the population EVSI.  The expected net benefit of sampling "
        "(ENBS) is the population EVSI minus the study's cost; the best size has the highest ENBS.  "
        "±: the standard error ({method}); ~0: the EVSI is not distinguishable from 0.").format(
        cohorts=cohorts, factor=factor, method=_method(first, w)), "note")
    for r in evsi:
        label = label_of(w.config, "studies", r.study, w.lang)
        body += f"<h3>{H.esc(label)}</h3>" + H.paragraph(_study_words(r, w)) + study_table(r, w)
        stem = f"evsi_{file_stem(r.study, 'study')}_{file_stem(r.decision, 'decision')}"
        body += fig(stem, partial(plots.evsi_curve, r, config=w.config, lang=w.lang),
                    _("{study}: population EVSI and ENBS against the study size (±2 standard errors), with the "
                      "study's cost and the population EVPPI of what it measures as the ceiling; the best size "
                      "marked.").format(study=label))
    return body
