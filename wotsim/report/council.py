"""The page for the council: one screen that decides nothing but says everything.

:func:`council_page` gathers, from a run (or a comparison of scenarios) and the analyses a report
already ran, what a council member needs first: the headline ratio(s) beside the published figure, with
the 90% interval and P(> 1) in words (:func:`wotsim.report.verdicts.outcome_words`) and numbers; one
line per recommendation (every scenario one could adopt, not the structural switches) with its verdict
(:func:`wotsim.report.verdicts.scenario_verdict`) and the paired difference; which assumptions decide
the main ratio, by label (the decision drivers: the parameters whose first-order index on 1[ratio > 1]
is largest); and what further research would be worth (EVPI and the leading EVPPI of keeping the
intervention), money to two significant figures, and, when the config's studies were weighed and one is
clearly worth its cost (:func:`wotsim.report.verdicts.study_worth`), one sentence on that study at its
best size. :func:`council_html` writes it as the report's first section, every number a link to the
section that explains it; :func:`council_text` as ``wotsim summary`` prints it.

Rounding (:mod:`wotsim.formatting`): ratios to two decimals, money to two significant figures
(:func:`wotsim.i18n.format_money`), probabilities as percentages without false precision
(:func:`~wotsim.formatting.share_text`, :func:`~wotsim.formatting.share_pm`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from ..formatting import MINUS, lower_first, share_pm, share_text
from ..i18n import format_decimal, format_money, ngettext, translator
from ..labels import label_of, output_label, parameter_label, run_label, study_name, text_of
from . import html as H
from .verdicts import Verdict, outcome_words, scenario_verdict, worth_studying

__all__ = ["CouncilPage", "Headline", "Recommendation", "StudyWorth", "council_html", "council_page", "council_text"]

#: How many assumptions the page names.
TOP_DRIVERS = 3


@dataclass(frozen=True)
class Headline:
    """One headline output: its label, measure, published figure (None if the config gives none), base case,
    90% interval, P(> threshold) with its standard error, and those in words."""

    label: str
    measure: str
    published: float | None
    base: float
    low: float
    high: float
    p_above: float
    p_above_se: float
    words: str


@dataclass(frozen=True)
class Recommendation:
    """A scenario one could adopt against the base analysis, on the paired draws of the main output."""

    id: str
    label: str
    verdict: Verdict
    p_better: float
    p_better_se: float
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class StudyWorth:
    """A study worth its cost (:func:`wotsim.report.verdicts.study_worth`) at its best ``size``: its ``label``, its
    population EVSI (``value``) and ENBS over the ``cohorts`` the decision affects."""

    label: str
    size: int
    value: float
    enbs: float
    cohorts: int


@dataclass(frozen=True)
class CouncilPage:
    """Everything the first page says (see the module docstring); amounts are per ``unit`` (e.g. "per
    yearly cohort") in ``currency``."""

    study: str
    output: str
    output_label: str
    measure: str
    headlines: tuple[Headline, ...]
    recommendations: tuple[Recommendation, ...]
    drivers: tuple[str, ...]
    evpi: float | None
    top_research: str | None
    top_research_value: float | None
    currency: str
    unit: str
    draws: int
    lang: str = "en"
    study_worth: StudyWorth | None = None


def council_page(config, result, *, outputs: Sequence[str], comparison: Any = None, drivers: Any = None,
                 voi: Any = None, evsi: Sequence[Any] = (), lang: str = "en") -> CouncilPage:
    """The first page's facts from a run (``result``), its ``comparison`` of scenarios (optional), the
    decision drivers of ``outputs[0]``, the value of information of keeping the intervention and the value of
    sample information of the config's studies for that decision (``evsi``: EvsiResult objects, optional)."""
    from ..config.overlays import is_decision

    main = outputs[0]
    heads = []
    for name in outputs:
        s = result.summary[name]
        lo, hi = s.interval(90)
        heads.append(Headline(output_label(config, name, lang, s.label), s.measure, s.target, s.base, lo, hi,
                              s.p_above, s.p_above_se, outcome_words(s.measure, s.p_above, lo, hi, lang)))
    recs = []
    if comparison is not None:
        for run in comparison.scenarios:
            if not is_decision(run.scenario) or main not in run.outcomes:
                continue
            d = run.outcomes[main].difference
            label = run_label(run, lang)
            recs.append(Recommendation(run.id, label, scenario_verdict(d.p_better, d.p_worse, lang),
                                       d.p_better, d.p_better_se, d.mean, d.low, d.high))
    top = ()
    if drivers is not None:
        ranked = [p for p, s1 in zip(drivers.parameters, drivers.first_order) if math.isfinite(s1)]
        top = tuple(parameter_label(config, p, lang) for p in ranked[:TOP_DRIVERS])
    evpi = top_name = top_value = None
    if voi is not None:
        evpi = voi.evpi
        parameters = [e for e in voi.ranking() if e.kind == "parameter"]
        if parameters:
            top_name, top_value = parameter_label(config, parameters[0].name, lang), parameters[0].value
    worth = None
    found = worth_studying([r for r in evsi if r.decision == "keep"])
    if found is not None:
        r, j = found
        worth = StudyWorth(label_of(config, "studies", r.study, lang), r.sizes[j], r.population_evsi[j], r.enbs[j],
                           r.cohorts)
    s = result.summary[main]
    return CouncilPage(study_name(config, lang, config.study.name), main,
                       output_label(config, main, lang, s.label), s.measure, tuple(heads), tuple(recs), top, evpi,
                       top_name, top_value, config.study.currency,
                       text_of(config, "study", "", "unit_of_analysis", lang), result.n, lang, worth)


# --------------------------------------------------------------------------- words
def _value(x: float, measure: str, page: CouncilPage, signed: bool = False) -> str:
    """A ratio to two decimals, money to two significant figures, in the page's language; never "-0.00"."""
    text = (format_decimal(x, page.lang, 2, minus=MINUS) if measure == "ratio"
            else format_money(x, page.currency, page.lang, 2, minus=MINUS))
    zero = not any(c in "123456789" for c in text)
    return "+" + text if signed and x > 0 and not zero else text


def _lines(page: CouncilPage, link) -> dict[str, list[str]]:
    """The page's sentences, grouped; ``link(text, section)`` marks a number as a link (or returns it).
    Every sentence is a message of :mod:`wotsim.i18n` with named placeholders."""
    _ = translator(page.lang)
    per = f" {page.unit}" if page.unit else ""
    thr = "1" if page.measure == "ratio" else "0"
    out: dict[str, list[str]] = {"headline": [], "recommendations": [], "drivers": [], "research": []}
    for h in page.headlines:
        v = lambda x: link(_value(x, h.measure, page), "results")  # noqa: E731
        published = (_(" (published: {value})").format(value=_value(h.published, h.measure, page))
                     if h.published is not None else "")
        out["headline"].append(_(
            "{label}: {base}{published}; 90% interval {low} to {high}; above {threshold} in {share} of the futures "
            "simulated: {words}.").format(label=h.label, base=v(h.base), published=published, low=v(h.low),
                                          high=v(h.high), threshold="1" if h.measure == "ratio" else "0",
                                          share=link(share_pm(h.p_above, h.p_above_se, page.lang), "results"),
                                          words=h.words))
    for r in page.recommendations:
        d = lambda x: link(_value(x, page.measure, page, True), "recommendations")  # noqa: E731
        share = link(share_text(r.p_better, page.lang), "recommendations")
        better = (_(" ({share})") if r.verdict.kind == "uncertain" else
                  _(" (better in {share} of the futures)")).format(share=share)
        out["recommendations"].append(_(
            "{label}: {verdict}{better}; {output} {mean} on average (90% interval {low} to {high}).").format(
            label=r.label, verdict=r.verdict.words, better=better, output=lower_first(page.output_label),
            mean=d(r.mean), low=d(r.low), high=d(r.high)))
    if page.drivers:
        out["drivers"].append(_("Whether the {output} ends above {threshold} depends most on {drivers}.").format(
            output=lower_first(page.output_label), threshold=thr,
            drivers=link(_join([lower_first(x) for x in page.drivers], page.lang), "drivers")))
    if page.evpi is not None:
        text = _("Further research: removing all uncertainty would be worth at most {value}{per}").format(
            value=link(format_money(page.evpi, page.currency, page.lang, 2, minus=MINUS), "recommendations"), per=per)
        if page.top_research is not None and page.top_research_value is not None:
            text += _("; knowing the {parameter} alone, {value}").format(
                parameter=lower_first(page.top_research),
                value=link(format_money(page.top_research_value, page.currency, page.lang, 2, minus=MINUS),
                           "recommendations"))
        out["research"].append(text + ".")
    w = page.study_worth
    if w is not None:
        money = lambda x: link(format_money(x, page.currency, page.lang, 2, minus=MINUS), "studies")  # noqa: E731
        out["research"].append(_("{study} with n = {n} would be worth about {value} over {cohorts}, {net} more than "
                                 "it costs.").format(
            study=w.label, n=format_decimal(w.size, page.lang, 0), value=money(w.value),
            cohorts=ngettext("{n} cohort", "{n} cohorts", w.cohorts, page.lang).format(
                n=format_decimal(w.cohorts, page.lang, 0)), net=money(w.enbs)))
    return out


def _join(parts: list[str], lang: str = "en") -> str:
    last = translator(lang)("{first} and {last}")
    return parts[0] if len(parts) == 1 else last.format(first=", ".join(parts[:-1]), last=parts[-1])


def council_text(page: CouncilPage) -> str:
    """The first page as terminal text (``wotsim summary``)."""
    _ = translator(page.lang)
    lines = _lines(page, lambda text, section: text)
    out = [_("{study}: the verdict ({draws} simulated futures)").format(
        study=page.study, draws=format_decimal(page.draws, page.lang, 0)), ""]
    out += lines["headline"]
    if lines["recommendations"]:
        out += ["", _("The recommendations, each against the current practice:")]
        out += [f"  - {t}" for t in lines["recommendations"]]
    if lines["drivers"] or lines["research"]:
        out += [""] + lines["drivers"] + lines["research"]
    return "\n".join(out)


def council_html(page: CouncilPage) -> str:
    """The first page as the report's first section's body: every number links to its section."""
    def link(text: str, section: str) -> str:
        return f'<a href="#{section}">{H.esc(text)}</a>'

    # the sentences mix escaped text and links: build them from escaped pieces
    lines = _lines(page, lambda text, section: "\x00" + section + "\x01" + text + "\x02")

    def html(text: str) -> str:
        out, rest = [], text
        while "\x00" in rest:
            before, rest = rest.split("\x00", 1)
            section, rest = rest.split("\x01", 1)
            number, rest = rest.split("\x02", 1)
            out += [H.esc(before), link(number, section)]
        return "".join(out) + H.esc(rest)

    _ = translator(page.lang)
    body = "".join(f'<p class="verdict">{html(t)}</p>' for t in lines["headline"])
    if lines["recommendations"]:
        body += f"<h3>{H.esc(_('The recommendations, each against the current practice'))}</h3><ul class=\"verdict\">"
        body += "".join(f"<li>{html(t)}</li>" for t in lines["recommendations"]) + "</ul>"
    body += "".join(f'<p class="verdict">{html(t)}</p>' for t in lines["drivers"] + lines["research"])
    return body
