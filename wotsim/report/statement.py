"""A plain-language robustness statement generated from results.

Every number in a statement is read from a results object: the output's
summary (base case, 90% interval, P(> threshold) and its Monte Carlo standard
error), the paired difference from the base (scenarios), the one-way switching
values (:func:`wotsim.analysis.oneway.one_way`, passed in) and the value of
information (:mod:`wotsim.analysis.voi`).  Nothing is computed here except the
choice of words; numbers are printed through :mod:`wotsim.formatting`.

The verdict words follow :func:`wotsim.report.verdicts.outcome_words`: chosen from P(ratio > 1)
and the 90% interval together ("benefits roughly equal costs" only for a narrow interval
around the threshold; a wide one is "very uncertain", with its lean).

A statement stays on its output's perspective: the value of information it quotes
must be computed on the net benefit :func:`wotsim.model.net_benefit_for` gives for that output
(the society-wide ``npv`` for a society-wide ratio, ``net:<stakeholder>`` for a ratio
of one stakeholder's benefits, or an NPV output the config defines with the same
items), and the sentence names that net benefit.

**Languages.**  Every sentence is a message of :mod:`wotsim.i18n` and every number is printed in
the language ``lang`` (``"nl"``: ``1,05``, ``€ 304.835``, ``57,4% ± 0,4%``), with the labels of
the config in that language (:mod:`wotsim.labels`).  English names each parameter and net
benefit with its id in brackets after its label ("Extra WOT capacity share
(extra_capacity_share)"), for the reviewer who checks the config; other languages name the label
alone (the ids stay in the report's traceability columns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..errors import WotsimError
from ..formatting import MINUS, amount, lower_first, number, share_pm, share_text, signed, standard_error, value
from ..model import net_benefit_for
from ..results.simulation import OutputSummary
from ..i18n import DEFAULT_LANGUAGE, N_, ordinal, translator
from ..labels import group_label, output_label, parameter_label, run_label, stakeholder_label
from .discovery import box_sentence
from .text import per_unit
from .verdicts import outcome_words

if TYPE_CHECKING:  # pragma: no cover
    from ..config.schema import Config
    from ..analysis.discover import Discovery
    from ..analysis.oneway import OneWayResult
    from ..analysis.scenarios import Comparison, PairedDifference
    from ..analysis.voi import VoiResult

__all__ = ["comparison_statements", "net_benefit_for", "robustness_statement"]

def _ordinal(q: float, lang: str = DEFAULT_LANGUAGE) -> str:
    return ordinal(int(round(q)), lang)


def _out(x: float, measure: str, currency: str, sign: bool = False, digits: int = 2,
         lang: str = DEFAULT_LANGUAGE) -> str:
    """An output's value in a sentence: a ratio to ``digits`` decimals, money in full with its currency (in a
    language other than English with the typographic minus, as the rest of the page)."""
    return (signed if sign else value)(x, measure, digits=digits, full=True, currency=currency, lang=lang,
                                       minus=_minus(lang))


def _minus(lang: str) -> str:
    return "-" if lang == DEFAULT_LANGUAGE else MINUS


def _traced(label: str, name: str, lang: str) -> str:
    """A label with its id in brackets in English (``Alpha (a)``); the label alone in other languages."""
    return label if lang != DEFAULT_LANGUAGE else name if not label or label == name else f"{label} ({name})"


def _name(name: str, labels: Mapping[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    return _traced(labels.get(name, name), name, lang)


def _net_words(output: str, config: "Config | None", lang: str = DEFAULT_LANGUAGE) -> str:
    """How a statement names the net benefit its value of information is computed on."""
    _ = translator(lang)
    if output == "npv":
        return _traced(_("the society-wide net present value"), output, lang)
    if config is None:
        return output
    if output.startswith("net:"):
        words = _("the net value to {stakeholder}").format(stakeholder=(
            stakeholder_label(config, output[4:], lang) if output[4:] in config.stakeholders else output[4:]))
        return _traced(words, output, lang)
    if output.startswith("npv:") and output[4:] in config.outputs:
        label = output_label(config, output[4:], lang)
        return _traced(_("the net benefit behind the {output}: its benefits minus its costs").format(
            output=lower_first(label)), output, lang)
    if output in config.outputs and config.outputs[output].label != output:
        return _traced(_("the {output}").format(output=lower_first(output_label(config, output, lang))), output,
                       lang)
    return output


def robustness_statement(
    summary: OutputSummary,
    *,
    label: str,
    oneway: "OneWayResult | None" = None,
    difference: "PairedDifference | None" = None,
    voi: "VoiResult | None" = None,
    config: "Config | None" = None,
    net: str | None = None,
    discovery: "Discovery | None" = None,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """The robustness paragraph for one output under one scenario (or the base).

    Parameters
    ----------
    summary : OutputSummary
        The output's summary (needs the 5th and 95th percentiles).
    label : str
        What the paragraph is about, e.g. ``"Base analysis"`` or a scenario's label.
    oneway : OneWayResult, optional
        One-way results of the same output and config: names the parameter the
        sign depends on most and its switching percentile.
    difference : PairedDifference, optional
        The paired difference from the base (for a scenario).
    voi : VoiResult, optional
        Value of information of the matching decision (keep, or adopt the scenario),
        computed on ``net_benefit_for(config, summary.name)`` (checked when ``config`` is given).
    config : Config, optional
        The run's config: parameter base values (the one-way sentence says "from <base> to
        <switching value>") and labels, and the currency.
    net : str, optional
        The net benefit ``voi`` must be computed on; default ``net_benefit_for(config,
        summary.name)`` when ``config`` is given (a comparison passes the base config's).

    discovery : Discovery, optional
        Scenario discovery on the same draws (where the output falls below its threshold, or where the
        scenario does worse than the base): its first box's sentence
        (:func:`wotsim.report.discovery.box_sentence`) closes the paragraph (give it with the labels of
        ``lang``: :func:`wotsim.report.discovery.localised`).
    lang : str
        The language of the words and numbers (:mod:`wotsim.i18n`); labels from ``config`` in that language.

    Raises
    ------
    WotsimError
        For an amount, or a ``voi`` computed on another net benefit than ``net``.

    Returns
    -------
    str
        One paragraph.
    """
    if summary.measure == "amount":
        raise WotsimError(f"{summary.name!r} is an amount; a robustness statement needs a ratio or an NPV")
    _ = translator(lang)
    currency = config.study.currency if config is not None else "EUR"
    params = config.parameters if config is not None else {}
    bases = {n: p.dist.base for n, p in params.items()}
    labels = {n: (parameter_label(config, n, lang) if lang != DEFAULT_LANGUAGE else p.label or n)
              for n, p in params.items()}
    m = summary.measure
    thr = f"{summary.threshold:g}"
    lo, hi = summary.interval(90)
    what = lower_first(summary.label if config is None or lang == DEFAULT_LANGUAGE
                       else output_label(config, summary.name, lang, summary.label))
    short = _("the ratio") if m == "ratio" else _("it")

    def out(x: float, sign: bool = False, digits: int = 2) -> str:
        return _out(x, m, currency, sign, digits, lang)

    parts = [_("{label}: the {output} is {base} at base (90% interval {low} to {high}; mean {mean}, median {median}); "
               "{probability} = {share}.").format(
        label=label, output=what, base=out(summary.base), low=out(lo), high=out(hi), mean=out(summary.mean),
        median=out(summary.median), share=share_pm(summary.p_above, summary.p_above_se, lang),
        probability=_("P({short} > {threshold})").format(short=_("ratio") if m == "ratio" else _("NPV"),
                                                         threshold=thr))]
    # the rules: wotsim.report.verdicts
    parts.append(_("It is {words}.").format(words=outcome_words(m, summary.p_above, lo, hi, lang)))

    if difference is not None:
        d = difference
        if d.p_better == 0.0 and d.p_worse == 0.0:
            parts.append(_("It leaves {short} unchanged from the base analysis in every draw.").format(short=short))
        else:
            kind, draws = (N_("paired difference"), N_("paired draws")) if d.paired else (
                N_("difference of independent draws"), N_("pairs of independent draws"))
            parts.append(_(
                "Against the base analysis it changes {short} by {base} at base and by {mean} ± {se} on average (90% "
                "interval of the {kind} {low} to {high}); {short} is higher than under the base analysis in {share} "
                "of the {draws}.").format(
                short=short, base=out(d.base_case, True, 3), mean=out(d.mean, True, 3),
                se=standard_error(d.mean_se, m, full=True, lang=lang), kind=_(kind), low=out(d.low, True),
                high=out(d.high, True), share=share_pm(d.p_better, d.p_better_se, lang), draws=_(draws)))

    if oneway is not None and oneway.bars:
        parts.append(_oneway_sentence(oneway, thr, short, currency, bases, labels if lang != DEFAULT_LANGUAGE
                                      else None, lang))

    if voi is not None:
        expected = net if net is not None else net_benefit_for(config, summary.name) if config is not None else None
        if expected is not None:
            if voi.output != expected:
                raise WotsimError(f"a statement about {summary.name!r} quotes the value of information of its own "
                                  f"perspective's net benefit, {expected}; got the value of information of "
                                  f"{voi.output!r}")
        per = per_unit(config, lang) if config is not None else ""
        parts.append(_voi_sentence(voi, labels, currency, _net_words(voi.output, config, lang), per, config, lang))
    if discovery is not None and discovery.boxes:
        parts.append(box_sentence(discovery, discovery.boxes[0], lang))
    return " ".join(parts)


def _oneway_sentence(ow: "OneWayResult", thr: str, short: str, currency: str, bar_base: Mapping[str, float],
                     labels: Mapping[str, str] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The sentence on the switching values; ``labels``: the parameters' labels (default the bars' own)."""
    _ = translator(lang)
    bars, switching = ow.bars, ow.switching
    top, top_sw = bars[0], switching[0]
    m = ow.measure

    def name(bar) -> str:
        label = (labels or {}).get(bar.parameter, bar.label)
        return _name(bar.parameter, {bar.parameter: label if lang == DEFAULT_LANGUAGE else lower_first(label)}, lang)

    def move(bar, sw) -> str:
        base_x = bar_base.get(bar.parameter)
        fall = base_x is not None and sw.value < base_x
        if base_x is None:
            text = (_("{parameter}, which would have to fall to {value} (its {percentile} percentile) to bring {short} "
                      "to {threshold}, everything else at base") if fall else
                    _("{parameter}, which would have to rise to {value} (its {percentile} percentile) to bring {short} "
                      "to {threshold}, everything else at base"))
        else:
            text = (_("{parameter}, which would have to fall from {base} to {value} (its {percentile} percentile) to "
                      "bring {short} to {threshold}, everything else at base") if fall else
                    _("{parameter}, which would have to rise from {base} to {value} (its {percentile} percentile) to "
                      "bring {short} to {threshold}, everything else at base"))
        return text.format(parameter=name(bar), base=number(base_x, lang=lang) if base_x is not None else "",
                           value=number(sw.value, lang=lang), percentile=_ordinal(sw.percentile, lang), short=short,
                           threshold=thr)

    if top_sw.value is not None:
        return _("Whether it exceeds {threshold} depends most on {parameter}.").format(threshold=thr,
                                                                                       parameter=move(top, top_sw))
    crossing = [(b, s) for b, s in zip(bars, switching) if s.value is not None]
    swing = _("{parameter} moves it most ({low} to {high} between its {p_low} and {p_high} percentiles) but cannot "
              "bring it to {threshold} on its own").format(
        parameter=name(top), low=_out(top.low_output, m, currency, lang=lang),
        high=_out(top.high_output, m, currency, lang=lang), p_low=_ordinal(ow.low_percentile, lang),
        p_high=_ordinal(ow.high_percentile, lang), threshold=thr)
    if lang != DEFAULT_LANGUAGE:  # the label inside it starts lower-case
        swing = swing[:1].upper() + swing[1:]
    if not crossing:
        return _("{swing}; no single parameter can, within its range.").format(swing=swing)
    b, s = crossing[0]
    return _("{swing}; of those that can, the one with the largest swing is {parameter}.").format(
        swing=swing, parameter=move(b, s))


def _voi_sentence(voi: "VoiResult", labels: Mapping[str, str], currency: str, net: str, per: str,
                  config: "Config | None" = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The value-of-information sentence; ``per`` is :func:`~wotsim.report.text.per_unit` of the config."""
    _ = translator(lang)
    cur = voi.currency or currency

    def money(x: float, currency: str = cur) -> str:
        return amount(x, currency, lang=lang, minus=_minus(lang))

    words = dict(net=net, mean=money(voi.mean_inb), per=per, share=share_text(voi.p_wrong, lang),
                 evpi=money(voi.evpi))
    if voi.decision == "keep":
        head = _("Judged by {net}, for the decision to continue (mean {mean}{per}; the other choice is better in "
                 "{share} of the draws), perfect information on everything is worth {evpi}{per}").format(**words)
    else:
        head = _("Judged by the change in {net}, for adopting it instead of the base analysis (mean {mean}{per}; the "
                 "other choice is better in {share} of the draws), perfect information on everything is worth "
                 "{evpi}{per}").format(**words)
    if voi.evpi == 0.0:
        return head + _(": the model's uncertainty cannot change the choice.")
    if not voi.parameters:
        return head + "."
    y = voi.parameters[0]
    g = voi.groups[0] if voi.groups and voi.groups[0].distinguishable and len(voi.groups[0].parameters) > 1 else None
    group = None if g is None else dict(
        group=repr(g.name) if lang == DEFAULT_LANGUAGE or config is None else group_label(config, g.name, lang),
        n=len(g.parameters), value=money(g.value))
    if not y.distinguishable:
        text = head + _("; no single parameter's EVPPI is distinguishable from 0")
        if group is not None:
            text += _(", but the {group} group of {n} parameters together is worth {value}").format(**group)
        return text + "."
    label = labels.get(y.name, y.name)
    text = head + _("; resolving {parameter} first is worth {value} ± {se}").format(
        parameter=_name(y.name, {y.name: label if lang == DEFAULT_LANGUAGE else lower_first(label)}, lang),
        value=money(y.value), se=amount(y.se, lang=lang))
    if group is not None:
        text += _(", and the {group} group of {n} parameters together {value}").format(**group)
    return text + "."


def comparison_statements(
    comparison: "Comparison",
    *,
    output: str,
    vois: Mapping[str, "VoiResult"] | None = None,
    oneway: Mapping[str, "OneWayResult"] | None = None,
    discoveries: Mapping[str, "Discovery"] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> dict[str, str]:
    """A statement for the base analysis and each scenario of a comparison.

    Parameters
    ----------
    comparison : Comparison
    output : str
        One of the compared outputs.
    vois : mapping of run id -> VoiResult, optional
        ``"base"`` -> the keep decision, scenario id -> its adoption decision, each computed
        on ``net_benefit_for(base config, output)`` (e.g. ``net:municipality`` for a
        municipal ratio), which the sentence names.
    oneway : mapping of run id -> OneWayResult, optional
        One-way results of ``output`` on each run's config, for the switching sentence
        (:func:`wotsim.analysis.pipeline.statement_inputs` computes both mappings).
        Without it the statements leave the switching sentence out (statements are words
        and compute nothing; ``oneway=True``, which used to run the one-way analysis here,
        is refused).

    discoveries : mapping of run id -> Discovery, optional
        Scenario discovery per run (:func:`wotsim.analysis.pipeline.report_discoveries`): its
        sentence closes that run's statement.
    lang : str
        The language (:func:`robustness_statement`); each run named by its label in ``lang``.

    Returns
    -------
    dict of run id -> str
    """
    if isinstance(oneway, bool):
        raise TypeError("oneway takes the one-way results per run id (wotsim.analysis.pipeline.statement_inputs "
                        "computes them), not True or False")
    if output not in comparison.outputs:
        raise WotsimError(f"output {output!r} was not compared; compared: {', '.join(comparison.outputs)}")
    if comparison.runs[0].outcomes[output].summary.measure == "amount":
        raise WotsimError(f"output {output!r} is an amount (total benefits or costs); statements are about a "
                          "ratio or an NPV, which have a break-even point")
    net = net_benefit_for(comparison.runs[0].config, output)
    out = {}
    for run in comparison.runs:
        outcome = run.outcomes[output]
        out[run.id] = robustness_statement(
            outcome.summary, label=run.label if lang == DEFAULT_LANGUAGE else run_label(run, lang),
            oneway=(oneway or {}).get(run.id), difference=outcome.difference, voi=(vois or {}).get(run.id),
            config=run.config, net=net, discovery=(discoveries or {}).get(run.id), lang=lang,
        )
    return out
