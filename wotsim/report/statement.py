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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..errors import WotsimError
from ..formatting import amount, lower_first, number, share_pm, share_text, signed, standard_error, value
from ..model import net_benefit_for
from ..results.simulation import OutputSummary
from ..i18n import ordinal
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

#: (lowest P(above threshold), wording); the first row whose bound P reaches applies.


def _ordinal(q: float) -> str:
    return ordinal(int(round(q)))


def _out(x: float, measure: str, currency: str, sign: bool = False, digits: int = 2) -> str:
    """An output's value in a sentence: a ratio to ``digits`` decimals, money in full with its currency."""
    return (signed if sign else value)(x, measure, digits=digits, full=True, currency=currency)


def _name(name: str, labels: Mapping[str, str]) -> str:
    label = labels.get(name, name)
    return name if not label or label == name else f"{label} ({name})"


def _net_words(output: str, config: "Config | None") -> str:
    """How a statement names the net benefit its value of information is computed on."""
    if output == "npv":
        return "the society-wide net present value (npv)"
    if config is None:
        return output
    if output.startswith("net:"):
        return f"the net value to {config.stakeholders.get(output[4:], output[4:])} ({output})"
    if output.startswith("npv:") and output[4:] in config.outputs:
        label = config.outputs[output[4:]].label
        return f"the net benefit behind the {lower_first(label)}: its benefits minus its costs ({output})"
    if output in config.outputs and config.outputs[output].label != output:
        return f"the {lower_first(config.outputs[output].label)} ({output})"
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
        (:func:`wotsim.report.discovery.box_sentence`) closes the paragraph.

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
    currency = config.study.currency if config is not None else "EUR"
    params = config.parameters if config is not None else {}
    bases = {n: p.dist.base for n, p in params.items()}
    labels = {n: p.label or n for n, p in params.items()}
    m = summary.measure
    thr = f"{summary.threshold:g}"
    lo, hi = summary.interval(90)
    what = lower_first(summary.label)
    short = "the ratio" if m == "ratio" else "it"
    parts = [
        f"{label}: the {what} is {_out(summary.base, m, currency)} at base "
        f"(90% interval {_out(lo, m, currency)} to {_out(hi, m, currency)}; mean {_out(summary.mean, m, currency)}, "
        f"median {_out(summary.median, m, currency)}); P({'ratio' if m == 'ratio' else 'NPV'} > {thr}) = "
        f"{share_pm(summary.p_above, summary.p_above_se)}."
    ]
    parts.append(f"It is {outcome_words(m, summary.p_above, lo, hi)}.")  # the rules: wotsim.report.verdicts

    if difference is not None:
        d = difference
        if d.p_better == 0.0 and d.p_worse == 0.0:
            parts.append(f"It leaves {short} unchanged from the base analysis in every draw.")
        else:
            kind, draws = ("paired difference", "paired draws") if d.paired else (
                "difference of independent draws", "pairs of independent draws")
            parts.append(
                f"Against the base analysis it changes {short} by {_out(d.base_case, m, currency, sign=True, digits=3)} at base and by "
                f"{_out(d.mean, m, currency, sign=True, digits=3)} ± {standard_error(d.mean_se, m, full=True)} on "
                f"average (90% interval of the {kind} {_out(d.low, m, currency, sign=True)} to "
                f"{_out(d.high, m, currency, sign=True)}); {short} is higher than under the base analysis in "
                f"{share_pm(d.p_better, d.p_better_se)} of the {draws}."
            )

    if oneway is not None and oneway.bars:
        parts.append(_oneway_sentence(oneway, thr, short, currency, bases))

    if voi is not None:
        expected = net if net is not None else net_benefit_for(config, summary.name) if config is not None else None
        if expected is not None:
            if voi.output != expected:
                raise WotsimError(f"a statement about {summary.name!r} quotes the value of information of its own "
                                  f"perspective's net benefit, {expected}; got the value of information of "
                                  f"{voi.output!r}")
        per = per_unit(config) if config is not None else ""
        parts.append(_voi_sentence(voi, labels, currency, _net_words(voi.output, config), per))
    if discovery is not None and discovery.boxes:
        parts.append(box_sentence(discovery, discovery.boxes[0]))
    return " ".join(parts)


def _oneway_sentence(ow: "OneWayResult", thr: str, short: str, currency: str, bar_base: Mapping[str, float]) -> str:
    bars, switching = ow.bars, ow.switching
    top, top_sw = bars[0], switching[0]
    m = ow.measure

    def move(bar, sw) -> str:
        base_x = bar_base.get(bar.parameter)
        direction = "fall" if base_x is not None and sw.value < base_x else "rise"
        frm = f" from {number(base_x)}" if base_x is not None else ""
        return (f"{_name(bar.parameter, {bar.parameter: bar.label})}, which would have to {direction}{frm} to {number(sw.value)} "
                f"(its {_ordinal(sw.percentile)} percentile) to bring {short} to {thr}, everything else at base")

    if top_sw.value is not None:
        return f"Whether it exceeds {thr} depends most on {move(top, top_sw)}."
    crossing = [(b, s) for b, s in zip(bars, switching) if s.value is not None]
    swing = (f"{_name(top.parameter, {top.parameter: top.label})} moves it most ({_out(top.low_output, m, currency)} to "
             f"{_out(top.high_output, m, currency)} between its {_ordinal(ow.low_percentile)} and "
             f"{_ordinal(ow.high_percentile)} percentiles) but cannot bring it to {thr} on its own")
    if not crossing:
        return f"{swing}; no single parameter can, within its range."
    b, s = crossing[0]
    return f"{swing}; of those that can, the one with the largest swing is {move(b, s)}."


def _voi_sentence(voi: "VoiResult", labels: Mapping[str, str], currency: str, net: str, per: str) -> str:
    """The value-of-information sentence; ``per`` is :func:`~wotsim.report.text.per_unit` of the config."""
    cur = voi.currency or currency
    if voi.decision == "keep":
        head = (f"Judged by {net}, for the decision to continue (mean {amount(voi.mean_inb, cur)}{per}; the "
                f"other choice is better in {share_text(voi.p_wrong)} of the draws), perfect information on everything "
                f"is worth {amount(voi.evpi, cur)}{per}")
    else:
        head = (f"Judged by the change in {net}, for adopting it instead of the base analysis (mean "
                f"{amount(voi.mean_inb, cur)}{per}; the other choice is better in {share_text(voi.p_wrong)} of the "
                f"draws), perfect information on everything is worth {amount(voi.evpi, cur)}{per}")
    if voi.evpi == 0.0:
        return head + ": the model's uncertainty cannot change the choice."
    if not voi.parameters:
        return head + "."
    y = voi.parameters[0]
    g = voi.groups[0] if voi.groups and voi.groups[0].distinguishable and len(voi.groups[0].parameters) > 1 else None
    if not y.distinguishable:
        text = f"{head}; no single parameter's EVPPI is distinguishable from 0"
        if g is not None:
            text += f", but the {g.name!r} group of {len(g.parameters)} parameters together is worth {amount(g.value, cur)}"
        return text + "."
    text = (f"{head}; resolving {_name(y.name, labels)} first is worth "
            f"{amount(y.value, cur)} ± {amount(y.se)}")
    if g is not None:
        text += f", and the {g.name!r} group of {len(g.parameters)} parameters together {amount(g.value, cur)}"
    return text + "."


def comparison_statements(
    comparison: "Comparison",
    *,
    output: str,
    vois: Mapping[str, "VoiResult"] | None = None,
    oneway: Mapping[str, "OneWayResult"] | None = None,
    discoveries: Mapping[str, "Discovery"] | None = None,
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
            outcome.summary, label=run.label, oneway=(oneway or {}).get(run.id), difference=outcome.difference,
            voi=(vois or {}).get(run.id), config=run.config, net=net, discovery=(discoveries or {}).get(run.id),
        )
    return out
