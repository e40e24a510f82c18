"""The report's tables, in the report's language.

:class:`Words` holds what every table and sentence of a page needs to speak one language: the
messages (``_``), the labels of the config (:mod:`wotsim.labels`), the analyses' notes
(:func:`wotsim.notes.note`, with ids turned into labels) and the numbers
(:mod:`wotsim.formatting` with ``lang``: ``1,050``, ``−1,67 mln.``, ``57,4% ± 0,4%``).  The
functions below build each table of :func:`wotsim.report.page.render` from the results objects.

Rounding: ratios to three decimals in tables; a value that rounds to zero prints without a sign
(never ``−0.000``); money in compact form (:func:`wotsim.formatting.money`); probabilities as
percentages without false precision (:func:`wotsim.formatting.share_pm`: ``57.4% ± 0.4%``, ``> 99.9%``);
a paired difference with its standard error to one or two significant figures and the estimate to the
same decimal place (:func:`wotsim.formatting.plus_minus`).  Ids, formulas and the config's notation
stay in ``<code>`` traceability columns (:func:`wotsim.report.html.table`).
"""

from __future__ import annotations

from ..config.schema import Config
from ..formatting import MINUS, lower_first, money, number, plus_minus, share_pm, share_text, value
from ..i18n import DEFAULT_LANGUAGE, N_, localise_number, ngettext, range_words, translator
from ..labels import (group_label, label_of, output_label, parameter_label, run_label, scenario_text,
                      stakeholder_label, text_of)
from ..notes import note
from . import html as H
from .discovery import evidence_word, localised, restriction_columns, restriction_rows
from .text import per_unit

__all__ = ["KINDS", "Words", "discovery_table", "headline", "item_table", "oneway_table", "parameter_table", "scenario_table",
           "localised_discovery", "sobol_table", "voi_adopt_table", "voi_table"]

#: The options of a value-of-information decision as words (a scenario's id: "adopt it").
_CHOICES = {"keep": N_("keep"), "stop": N_("stop"), "base": N_("keep the base analysis")}
#: The kinds of items and of EVPPI entries, translated in the tables.
KINDS = (N_("cost"), N_("benefit"), N_("parameter"), N_("group"))


class Words:
    """The language of one page: ``lang``, its ``_``, the ``config``'s labels and the number formats."""

    def __init__(self, config: Config, lang: str = DEFAULT_LANGUAGE):
        self.config, self.lang, self._ = config, lang, translator(lang)
        self.per = per_unit(config, lang)

    @property
    def english(self) -> bool:
        return self.lang == DEFAULT_LANGUAGE

    def num(self, x: float, measure: str, digits: int = 3) -> str:
        """An output's value in a table: a ratio to ``digits`` decimals, money compact; never ``−0.000``."""
        if measure == "ratio" and x == x and round(x, digits) == 0:
            x = 0.0
        return value(x, measure, digits=digits, minus=MINUS, lang=self.lang)

    def money(self, x: float) -> str:
        return money(x, minus=MINUS, lang=self.lang)

    def interval(self, low: float, high: float, measure: str) -> str:
        return range_words(self.num(low, measure), self.num(high, measure), self.lang)

    def decimal(self, x: float, digits: int) -> str:
        return localise_number(f"{x:.{digits}f}", self.lang).replace("-", MINUS)

    def output(self, name: str, fallback: str = "") -> str:
        return output_label(self.config, name, self.lang, fallback)

    def lower(self, label: str) -> str:
        """A label inside a sentence (English: lower-case, as the report always wrote it)."""
        return label.lower() if self.english else lower_first(label)

    def factor(self, name: str, grouped: bool) -> str:
        return group_label(self.config, name, self.lang) if grouped else parameter_label(self.config, name, self.lang)

    def counted(self, entry) -> str:
        """An EVPPI entry's label: a parameter's, or a group's with its size (``Effects (15 parameters)``)."""
        if entry.kind != "group":
            return parameter_label(self.config, entry.name, self.lang)
        n = len(entry.parameters)
        return ngettext("{group} ({n} parameter)", "{group} ({n} parameters)", n, self.lang).format(
            group=group_label(self.config, entry.name, self.lang), n=n)

    def relabel(self, name: str) -> str:
        """An id an analysis note names, as a label in the page's language (parameters, outputs, scenarios)."""
        cfg = self.config
        if name in cfg.parameters:
            return lower_first(parameter_label(cfg, name, self.lang))
        if name in cfg.outputs or name == "npv":
            return lower_first(self.output(name))
        for out in cfg.outputs:  # an output's English label, as a note words it
            if lower_first(cfg.outputs[out].label) == name:
                return lower_first(self.output(out))
        return name

    def note(self, text: str, relabel=None) -> str:
        return note(text, self.lang, relabel or self.relabel)

    def choice(self, voi, option: str) -> str:
        """A decision's option in words: keep, stop, keep the base analysis, adopt it."""
        if option in _CHOICES:
            return self._(_CHOICES[option])
        return self._("adopt it") if option == voi.options[-1] else option


def headline(a, w: Words) -> str:
    """The headline table (each output), its note, and the net value per stakeholder."""
    _, summ, cfg = w._, a.result.summary, a.config
    rows = []
    for name in list(cfg.outputs) + ["npv"]:
        s = summ[name]
        lo, hi = s.interval(90)
        target = "" if s.target is None else localise_number(f"{s.target:g}", w.lang)
        rows.append([w.output(name, s.label), target, w.num(s.base, s.measure), w.num(s.mean, s.measure),
                     w.num(s.median, s.measure), w.interval(lo, hi, s.measure), share_pm(s.p_above, s.p_above_se, w.lang),
                     "" if s.ratio_of_means is None else w.decimal(s.ratio_of_means, 3)])
    table = H.table([_("output"), _("published"), _("base case"), _("mean"), _("median"), _("90% interval"),
                     _("P(> 1) or P({npv} > 0)").format(npv=_("NPV")), "E[B]/E[C]"], rows)
    rows = []
    for sid in cfg.stakeholders:
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90)
        rows.append([stakeholder_label(cfg, sid, w.lang), w.money(s.base), w.money(s.mean),
                     range_words(w.money(lo), w.money(hi), w.lang), share_text(s.p_above, w.lang)])
    stake = H.table([_("stakeholder"), _("base case"), _("mean"), _("90% interval"), _("P(net value > 0)")], rows)
    r = a.result
    prices = (_("Amounts in {currency} present value{per}, {year} prices.") if cfg.study.price_year else
              _("Amounts in {currency} present value{per}.")).format(currency=cfg.study.currency, per=w.per,
                                                                       year=cfg.study.price_year)
    text = " ".join([_("{n} {sampler} samples, seed {seed}.").format(n=localise_number(f"{r.n:,}", w.lang),
                                                                       sampler=r.sampler, seed=r.seed), prices,
                     _("± is the Monte Carlo standard error, {method}.").format(method=w.note(r.se_method)),
                     _("Mean, median, base case and ratio of means differ because E[B/C] ≠ E[B]/E[C].")])
    return table + H.paragraph(text, "note") + f"<h3>{H.esc(_('Net value per stakeholder'))}</h3>" + stake


def sobol_table(res, output: str, w: Words, top: int = 15) -> str:
    _, idx, grouped = w._, res.indices[output], bool(res.plan.groups)
    rows = []
    for rank, k in enumerate(idx.order[:top], start=1):
        name = idx.factors[k]
        members = res.members.get(name, ())
        rows.append([str(rank), w.factor(name, grouped), str(len(members)) if grouped else "",
                     f"{w.decimal(idx.ST[k], 3)} ± {w.decimal(idx.ST_conf[k], 3)}",
                     f"{w.decimal(idx.S1[k], 3)} ± {w.decimal(idx.S1_conf[k], 3)}", w.note(idx.verdicts[k])])
    header = [_("rank"), _("group") if grouped else _("parameter"), _("members") if grouped else "",
              _("total order ST ± CI"), _("first order S1 ± CI"), _("convergence")]
    return H.table(header, rows, left=2)


def oneway_table(ow, w: Words, top: int = 12) -> str:
    _, lang = w._, w.lang
    rows = []
    sw = {s.parameter: s for s in ow.switching}
    for bar in ow.bars[:top]:
        s = sw.get(bar.parameter)
        if s is None or s.value is None:
            switch = w.note(s.note) if s is not None else ""
        else:
            switch = _("{value} (percentile {percentile})").format(value=number(s.value, lang=lang),
                                                                   percentile=w.decimal(s.percentile, 1))
        rows.append([parameter_label(w.config, bar.parameter, lang),
                     f"{number(bar.low_input, compact=True, lang=lang)} → {w.num(bar.low_output, ow.measure)}",
                     f"{number(bar.high_input, compact=True, lang=lang)} → {w.num(bar.high_output, ow.measure)}",
                     w.num(bar.swing, ow.measure), switch])
    return H.table([_("parameter"), _("at p{percentile} → output").format(percentile=f"{ow.low_percentile:g}"),
                    _("at p{percentile} → output").format(percentile=f"{ow.high_percentile:g}"), _("swing"),
                    _("switching value (its percentile)")], rows)


def scenario_table(comparison, output: str, w: Words) -> str:
    _, lang = w._, w.lang
    rows = []
    for r in comparison.runs:
        o = r.outcomes[output]
        s, d = o.summary, o.difference
        same = d is not None and d.p_better == 0 and d.p_worse == 0
        rows.append([run_label(r, lang), w.num(s.base, s.measure), w.num(s.mean, s.measure),
                     w.interval(o.interval[0], o.interval[1], s.measure), share_pm(s.p_above, s.p_above_se, lang),
                     "" if d is None else plus_minus(d.mean, d.mean_se, measure=s.measure, signed=True, lang=lang),
                     "" if d is None else w.interval(d.low, d.high, s.measure),
                     "" if d is None else (_("identical") if same else share_pm(d.p_better, d.p_better_se, lang))])
    return H.table([_("scenario"), _("base case"), _("mean"), _("90% interval"),
                    _("P(> 1)") if output != "npv" else _("P(> 0)"), _("paired difference (mean ± se)"),
                    _("difference 90% interval"), _("P(better than base)")], rows)


def voi_table(voi, w: Words, top: int = 12) -> str:
    _ = w._
    shown = voi.ranking()[:top]
    rows = [[w.counted(e), _(e.kind), w.money(e.value), w.money(e.se), w.money(e.floor), w.decimal(e.r2, 2),
             _("yes") if e.distinguishable else _("no (~0)"),
             "; ".join(([_("basis {note}").format(note=w.note(e.basis_note))] if e.basis_note else [])
                       + ([_("R² below a member's alone (!)")] if e.fit_warning else [])
                       + ([_("may be biased upward (!)")] if e.bias_warning else [])
                       + ([_("low R²: may miss interactions (!)")] if e.interaction_warning else []))] for e in shown]
    caption = _("se: standard error, including the regression's own error; {method}. Noise floor: the EVPPI an input "
                "without information would show on average (estimated for this design). Distinguishable from 0: "
                "EVPPI > floor + 2 se. An estimate may be biased upward by up to about the larger of its floor and its "
                "estimated bias, which the se does not cover: it is flagged when that exceeds 10% of it or there are "
                "fewer than 200 draws per regression column (more samples needed). R²: out-of-sample share of the net "
                "benefit's variance the fit explains; a low R² for a group can mean interactions the basis does not "
                "capture (a group ~0 with R² < 0.05 is flagged).").format(
        method=w.note(voi.se_method) if voi.se_method else _("jackknife"))
    warnings = [_("Warning: {label}: {warning}.").format(label=w.counted(e), warning=w.note(warning)) for e in shown
                for warning in (e.fit_warning, e.bias_warning, e.interaction_warning) if warning]
    return (H.table([_("parameter or group"), _("kind"), f"EVPPI ({voi.currency}{w.per})", _("se"), _("noise floor"),
                     _("R² (out of sample)"), _("distinguishable from 0"), _("note")], rows, caption=caption)
            + "".join(H.paragraph(text, "note") for text in warnings))


def voi_adopt_table(a, w: Words) -> str:
    _ = w._
    rows = [[run_label(a.comparison.run(sid), w.lang), w.choice(v, v.choice), share_text(v.p_wrong, w.lang),
             w.money(v.evpi), w.counted(v.ranking()[0]) if v.ranking() else ""] for sid, v in a.voi_adopt.items()]
    return H.table([_("scenario"), _("choice on current information"), _("P(wrong)"), f"EVPI{w.per}",
                    _("most worth researching")], rows)


def parameter_table(cfg: Config, w: Words) -> str:
    _, lang = w._, w.lang
    rows = []
    for name, p in cfg.parameters.items():
        dist = (_("{value} (fixed)").format(value=localise_number(f"{p.dist.base:g}", lang))
                if p.dist.rv is None and not w.english else p.dist.describe())
        rows.append([parameter_label(cfg, name, lang), name, dist, localise_number(f"{p.dist.base:.6g}", lang),
                     text_of(cfg, "parameter", name, "unit", lang) or p.unit, group_label(cfg, p.group, lang),
                     evidence_word(p.evidence, lang), p.source])
    return H.table([_("parameter"), _("id"), _("distribution"), _("base"), _("unit"), _("group"), _("evidence"),
                    _("source")], rows, left=8, code=(1, 2),
                   languages=None if w.english else {7: DEFAULT_LANGUAGE})  # a config's sources are English


def item_table(cfg: Config, a, w: Words) -> str:
    _, lang = w._, w.lang
    rows = [[label_of(cfg, "item", it.id, lang), _(it.kind), stakeholder_label(cfg, it.stakeholder, lang),
             _("yes") if it.financial else _("no"), it.value.text, it.persistence.text,
             w.money(a.result.base.item_pv[it.id])] for it in cfg.items]
    return H.table([_("item"), _("kind"), _("stakeholder"), _("financial"), _("first-year value"), _("persistence"),
                    _("base PV")], rows, left=6, code=(4, 5))


def localised_discovery(d, run, w: Words):
    """A discovery with the labels of its run's config in the page's language (:func:`~wotsim.report.discovery.localised`)."""
    config = run.config if run is not None else w.config
    label = scenario_text(run.scenario, "label", w.lang) if getattr(run, "scenario", None) is not None else ""
    def labels(kind: str, name: str, field: str) -> str:
        if kind == "parameter":
            return text_of(config, kind, name, field, w.lang) if name in config.parameters else ""
        return output_label(config, name, w.lang, " ").strip()  # " ": an output wotsim does not know keeps its own

    return localised(d, labels, w.lang, scenario_label=label)


def discovery_table(d, w: Words) -> str:
    """The chosen box's restrictions, as the terminal prints them (:func:`wotsim.report.discovery.restriction_rows`)."""
    return H.table(restriction_columns(d, w.lang), restriction_rows(d, d.boxes[0], w.lang), left=5)

