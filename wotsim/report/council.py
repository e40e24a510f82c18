"""The page for the council: one screen that decides nothing but says everything.

:func:`council_page` gathers, from a run (or a comparison of scenarios) and the analyses a report
already ran, what a council member needs first: the headline ratio(s) beside the published
figure, with the 90% interval and P(> 1) in words (:func:`wotsim.report.verdicts.outcome_words`)
and numbers; one line per recommendation (every scenario one could adopt, not the structural
switches) with its verdict (:func:`wotsim.report.verdicts.scenario_verdict`) and the paired
difference; which assumptions decide the main ratio, by label (the decision drivers: the
parameters whose first-order index on 1[ratio > 1] is largest); and what further research would
be worth (EVPI and the leading EVPPI of keeping the intervention), money to two significant
figures.  :func:`council_html` writes it as the report's first section, every number a link to
the section that explains it; :func:`council_text` as ``wotsim summary`` prints it.

Rounding (:mod:`wotsim.formatting`): ratios to two decimals, money to two significant figures
(:func:`~wotsim.formatting.money_rounded`), probabilities as percentages without false precision
(:func:`~wotsim.formatting.share_text`, :func:`~wotsim.formatting.share_pm`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from ..formatting import MINUS, lower_first, money_rounded, share_pm, share_text
from . import html as H
from .verdicts import Verdict, outcome_words, scenario_verdict

__all__ = ["CouncilPage", "Headline", "Recommendation", "council_html", "council_page", "council_text"]

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


def _label(config, name: str) -> str:
    p = config.parameters.get(name)
    return (p.label if p is not None and p.label else name.replace("_", " ").capitalize())


def council_page(config, result, *, outputs: Sequence[str], comparison: Any = None, drivers: Any = None,
                 voi: Any = None) -> CouncilPage:
    """The first page's facts from a run (``result``), its ``comparison`` of scenarios (optional), the
    decision drivers of ``outputs[0]`` and the value of information of keeping the intervention."""
    from ..config.overlays import is_decision

    main = outputs[0]
    heads = []
    for name in outputs:
        s = result.summary[name]
        lo, hi = s.interval(90)
        heads.append(Headline(s.label, s.measure, s.target, s.base, lo, hi, s.p_above, s.p_above_se,
                              outcome_words(s.measure, s.p_above, lo, hi)))
    recs = []
    if comparison is not None:
        for run in comparison.scenarios:
            if not is_decision(run.scenario) or main not in run.outcomes:
                continue
            d = run.outcomes[main].difference
            recs.append(Recommendation(run.id, run.label, scenario_verdict(d.p_better, d.p_worse), d.p_better,
                                       d.p_better_se, d.mean, d.low, d.high))
    top = ()
    if drivers is not None:
        ranked = [p for p, s1 in zip(drivers.parameters, drivers.first_order) if math.isfinite(s1)]
        top = tuple(_label(config, p) for p in ranked[:TOP_DRIVERS])
    evpi = top_name = top_value = None
    if voi is not None:
        evpi = voi.evpi
        parameters = [e for e in voi.ranking() if e.kind == "parameter"]
        if parameters:
            top_name, top_value = _label(config, parameters[0].name), parameters[0].value
    s = result.summary[main]
    return CouncilPage(config.study.name, main, s.label, s.measure, tuple(heads), tuple(recs), top, evpi, top_name,
                       top_value, config.study.currency, config.study.unit_of_analysis, result.n)


# --------------------------------------------------------------------------- words
def _ratio(x: float, signed: bool = False) -> str:
    text = f"{x:+.2f}" if signed else f"{x:.2f}"
    if text in ("+0.00", "-0.00"):
        text = "0.00"
    return text.replace("-", MINUS)


def _value(x: float, measure: str, currency: str, signed: bool = False) -> str:
    if measure == "ratio":
        return _ratio(x, signed)
    text = money_rounded(x, currency)
    return ("+" + text) if signed and x > 0 and text[0] != MINUS else text


def _lines(page: CouncilPage, link) -> dict[str, list[str]]:
    """The page's sentences, grouped; ``link(text, section)`` marks a number as a link (or returns it)."""
    per = f" {page.unit}" if page.unit else ""
    thr = "1" if page.measure == "ratio" else "0"
    out: dict[str, list[str]] = {"headline": [], "recommendations": [], "drivers": [], "research": []}
    for h in page.headlines:
        v = lambda x: _value(x, h.measure, page.currency)  # noqa: E731
        published = f" (published: {v(h.published)})" if h.published is not None else ""
        t = "1" if h.measure == "ratio" else "0"
        out["headline"].append(
            f"{h.label}: {link(v(h.base), 'results')}{published}; 90% interval {link(v(h.low), 'results')} to "
            f"{link(v(h.high), 'results')}; above {t} in {link(share_pm(h.p_above, h.p_above_se), 'results')} of "
            f"the futures simulated: {h.words}.")
    for r in page.recommendations:
        diff = (f"{lower_first(page.output_label)} {link(_value(r.mean, page.measure, page.currency, True), 'recommendations')}"
                f" on average (90% interval {link(_value(r.low, page.measure, page.currency, True), 'recommendations')} to "
                f"{link(_value(r.high, page.measure, page.currency, True), 'recommendations')})")
        share = link(share_text(r.p_better), 'recommendations')
        better = f" ({share})" if r.verdict.kind == "uncertain" else f" (better in {share} of the futures)"
        out["recommendations"].append(f"{r.label}: {r.verdict.words}{better}; {diff}.")
    if page.drivers:
        out["drivers"].append(f"Whether the {lower_first(page.output_label)} ends above {thr} depends most on "
                              f"{link(_join([lower_first(d) for d in page.drivers]), 'drivers')}.")
    if page.evpi is not None:
        text = (f"Further research: removing all uncertainty would be worth at most "
                f"{link(money_rounded(page.evpi, page.currency), 'recommendations')}{per}")
        if page.top_research is not None and page.top_research_value is not None:
            text += (f"; knowing the {lower_first(page.top_research)} alone, "
                     f"{link(money_rounded(page.top_research_value, page.currency), 'recommendations')}")
        out["research"].append(text + ".")
    return out


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def council_text(page: CouncilPage) -> str:
    """The first page as terminal text (``wotsim summary``)."""
    lines = _lines(page, lambda text, section: text)
    out = [f"{page.study}: the verdict ({page.draws:,} simulated futures)", ""]
    out += lines["headline"]
    if lines["recommendations"]:
        out += ["", "The recommendations, each against the current practice:"]
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

    body = "".join(f'<p class="verdict">{html(t)}</p>' for t in lines["headline"])
    if lines["recommendations"]:
        body += "<h3>The recommendations, each against the current practice</h3><ul class=\"verdict\">"
        body += "".join(f"<li>{html(t)}</li>" for t in lines["recommendations"]) + "</ul>"
    body += "".join(f'<p class="verdict">{html(t)}</p>' for t in lines["drivers"] + lines["research"])
    return body
