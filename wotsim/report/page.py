"""A reviewer's report: one self-contained HTML file with the statement, tables and figures.

:func:`wotsim.analysis.pipeline.run_analyses` runs what the report needs (its
:class:`~wotsim.analysis.pipeline.Analyses`); :func:`render` turns them into HTML
plus the figures; :func:`write_report` writes ``report.html``,
``figures/*.png|svg`` and ``manifest.json`` atomically.  Every number shown comes
from the results objects, printed through :mod:`wotsim.formatting`.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from ..analysis.pipeline import Analyses
from ..config.schema import Config
from ..formatting import MINUS, money, number, probability, standard_error, value
from ..results.io import to_json, write_atomic_dir, write_json
from . import html as H
from ..config.translations import text_of
from ..i18n import N_, translator
from .council import council_html, council_page
from .glossary import glossary
from .discovery import RESTRICTION_COLUMNS, box_sentence, discovery_sentences, restriction_rows
from .statement import comparison_statements, robustness_statement
from .text import per_unit

__all__ = ["FIGURE_FORMATS", "render", "statements", "write_report"]

#: Figure files a report writes unless asked for others (``wotsim report --figures``); PNG is always embedded.
FIGURE_FORMATS = ("png",)


def statements(a: Analyses) -> dict[str, str]:
    """The robustness statements about the main output: run id -> paragraph (``"base"`` first)."""
    main = a.outputs[0]
    vois = {"base": a.voi_keep, **a.voi_adopt}
    if a.comparison is not None:
        return comparison_statements(a.comparison, output=main, vois=vois, oneway=a.statement_oneway,
                                     discoveries=a.discoveries)
    return {"base": robustness_statement(a.result.summary[main], label="Base analysis",
                                         oneway=a.statement_oneway.get("base"), voi=a.voi_keep, config=a.config,
                                         discovery=a.discoveries.get("base"))}


def _num(x: float, measure: str) -> str:
    return value(x, measure, minus=MINUS)


def _money(x: float) -> str:
    return money(x, minus=MINUS)


def _headline(a: Analyses) -> str:
    summ = a.result.summary
    cfg = a.config
    rows = []
    for name in list(cfg.outputs) + ["npv"]:
        s = summ[name]
        lo, hi = s.interval(90)
        target = "" if s.target is None else f"{s.target:g}"
        rows.append([s.label, target, _num(s.base, s.measure), _num(s.mean, s.measure), _num(s.median, s.measure),
                     f"{_num(lo, s.measure)} to {_num(hi, s.measure)}",
                     probability(s.p_above, s.p_above_se),
                     "" if s.ratio_of_means is None else f"{s.ratio_of_means:.3f}"])
    table = H.table(["output", "published", "base case", "mean", "median", "90% interval", "P(> 1) or P(NPV > 0)",
                     "E[B]/E[C]"], rows)
    rows = []
    for sid, label in cfg.stakeholders.items():
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90)
        rows.append([label, _money(s.base), _money(s.mean), f"{_money(lo)} to {_money(hi)}", probability(s.p_above)])
    stake = H.table(["stakeholder", "base case", "mean", "90% interval", "P(net value > 0)"], rows)
    return (table + H.paragraph(
        f"{a.result.n:,} {a.result.sampler} samples, seed {a.result.seed}. Amounts in {cfg.study.currency} "
        f"present value{per_unit(cfg)}{', ' + str(cfg.study.price_year) + ' prices' if cfg.study.price_year else ''}"
        ". "
        f"± is the Monte Carlo standard error, {a.result.se_method}. "
        "Mean, median, base case and ratio of means differ because E[B/C] ≠ E[B]/E[C].", "note")
        + "<h3>Net value per stakeholder</h3>" + stake)


def _sobol_table(res, output: str, top: int = 15) -> str:
    idx = res.indices[output]
    rows = []
    for rank, k in enumerate(idx.order[:top], start=1):
        name = idx.factors[k]
        members = res.members.get(name, ())
        rows.append([str(rank), res.labels.get(name, name), str(len(members)) if res.plan.groups else "",
                     f"{idx.ST[k]:.3f} ± {idx.ST_conf[k]:.3f}", f"{idx.S1[k]:.3f} ± {idx.S1_conf[k]:.3f}",
                     idx.verdicts[k]])
    header = ["rank", "group" if res.plan.groups else "parameter", "members" if res.plan.groups else "",
              "total order ST ± CI", "first order S1 ± CI", "convergence"]
    return H.table(header, rows, left=2)


def _oneway_table(ow, top: int = 12) -> str:
    rows = []
    sw = {s.parameter: s for s in ow.switching}
    for bar in ow.bars[:top]:
        s = sw.get(bar.parameter)
        if s is None or s.value is None:
            switch = s.note if s is not None else ""
        else:
            switch = f"{number(s.value)} (percentile {s.percentile:.1f})"
        rows.append([bar.label, f"{number(bar.low_input, compact=True)} → {_num(bar.low_output, ow.measure)}",
                     f"{number(bar.high_input, compact=True)} → {_num(bar.high_output, ow.measure)}",
                     _num(bar.swing, ow.measure), switch])
    return H.table(["parameter", f"at p{ow.low_percentile:g} → output", f"at p{ow.high_percentile:g} → output",
                    "swing", "switching value (its percentile)"], rows)


def _scenario_table(comparison, output: str) -> str:
    rows = []
    for r in comparison.runs:
        o = r.outcomes[output]
        s, d = o.summary, o.difference
        rows.append([r.label, _num(s.base, s.measure), _num(s.mean, s.measure),
                     f"{_num(o.interval[0], s.measure)} to {_num(o.interval[1], s.measure)}",
                     probability(s.p_above, s.p_above_se),
                     "" if d is None else f"{_num(d.mean, s.measure)} ± {standard_error(d.mean_se, s.measure)}",
                     "" if d is None else f"{_num(d.low, s.measure)} to {_num(d.high, s.measure)}",
                     "" if d is None else ("identical" if d.p_better == 0 and d.p_worse == 0
                                           else probability(d.p_better, d.p_better_se))])
    return H.table(["scenario", "base case", "mean", "90% interval", "P(> 1)" if output != "npv" else "P(> 0)",
                    "paired difference (mean ± se)", "difference 90% interval", "P(better than base)"], rows)


def _voi_table(voi, per: str, top: int = 12) -> str:
    shown = voi.ranking()[:top]
    rows = [[e.label, e.kind, _money(e.value), _money(e.se), _money(e.floor), f"{e.r2:.2f}",
             "yes" if e.distinguishable else "no (~0)",
             "; ".join(([f"basis {e.basis_note}"] if e.basis_note else [])
                       + (["R² below a member's alone (!)"] if e.fit_warning else [])
                       + (["may be biased upward (!)"] if e.bias_warning else [])
                       + (["low R²: may miss interactions (!)"] if e.interaction_warning else []))] for e in shown]
    caption = (f"se: standard error, including the regression's own error; {voi.se_method or 'jackknife'}. "
               "Noise floor: the EVPPI an input without information would show on average (estimated for this "
               "design). Distinguishable from 0: EVPPI > floor + 2 se. An estimate may be biased upward by up to "
               "about the larger of its floor and its estimated bias, which the se does not cover: it is flagged "
               "when that exceeds 10% of it or there are fewer than 200 draws per regression column (more "
               "samples needed). R²: out-of-sample "
               "share of the net benefit's variance the fit explains; a low R² for a group can mean interactions "
               "the basis does not capture (a group ~0 with R² < 0.05 is flagged).")
    warnings = [f"{e.label}: {w}." for e in shown
                for w in (e.fit_warning, e.bias_warning, e.interaction_warning) if w]
    return (H.table(["parameter or group", "kind", f"EVPPI ({voi.currency}{per})", "se", "noise floor",
                     "R² (out of sample)", "distinguishable from 0", "note"], rows, caption=caption)
            + "".join(H.paragraph(f"Warning: {w}", "note") for w in warnings))


def _parameter_table(cfg: Config) -> str:
    rows = []
    for name, p in cfg.parameters.items():
        rows.append([name, p.dist.describe(), f"{p.dist.base:.6g}", p.unit, p.group, p.evidence, p.source])
    return H.table(["parameter", "distribution", "base", "unit", "group", "evidence", "source"], rows, left=7)


def _item_table(cfg: Config, a: Analyses) -> str:
    rows = []
    for it in cfg.items:
        rows.append([it.label, it.kind, cfg.stakeholders[it.stakeholder], "yes" if it.financial else "no",
                     it.value.text, it.persistence.text, _money(a.result.base.item_pv[it.id])])
    return H.table(["item", "kind", "stakeholder", "financial", "first-year value", "persistence", "base PV"], rows,
                   left=6)


def _discovery_table(d) -> str:
    """The chosen box's restrictions, as the terminal prints them (:func:`wotsim.report.discovery.restriction_rows`)."""
    header = list(RESTRICTION_COLUMNS)
    header[7] = f"stable in {d.resamples} resamples" if d.resamples else "stability"
    return H.table(header, restriction_rows(d, d.boxes[0]), left=5)


_DISCOVERY_CAPTIONS = {
    "trajectory": "Peeling trajectory: coverage and density of each step, shaded by the number of restrictions; "
                  "the chosen box marked.",
    "limits": "The chosen box's limits as percentiles of each parameter's distribution, with their stability.",
    "scatter": "The two restricted parameters whose limits matter most: the draws that fail (dark) and the box.",
}


def _discovery_section(a: Analyses, fig) -> str:
    from .. import plots

    body = H.paragraph(
        "Scenario discovery (PRIM, the patient rule induction method) searches the Monte Carlo draws for the "
        "combination of assumptions under which the result fails: a box of parameter ranges in which failure is "
        "dense (density) and that holds much of it (coverage).  Limits are given in the parameter's units and as "
        "percentiles of its distribution; the quasi-p value tests whether a limit matters, the change if lifted "
        "says what dropping it does to the box, and the stability is the share of half-size resamples that restrict the "
        "parameter too.", "note")
    for rid, d in a.discoveries.items():
        title = "Base analysis" if rid == "base" else a.comparison.run(rid).label
        body += f"<h3>{H.esc(title)}</h3>" + H.paragraph(box_sentence(d, d.boxes[0]) if d.boxes else
                                                          " ".join(discovery_sentences(d)))
        if not d.boxes:
            continue
        body += _discovery_table(d)
        if rid == "base":  # the first box's figures (no scatter for a box that restricts nothing)
            for stem, figure in plots.discovery_figures(d):
                if stem.endswith("_1"):
                    body += fig(stem, figure, _DISCOVERY_CAPTIONS[stem.rsplit("_", 2)[1]])
    for rid, note in a.discovery_notes.items():
        title = "Base analysis" if rid == "base" else a.comparison.run(rid).label
        body += f"<h3>{H.esc(title)}</h3>" + H.paragraph(f"Nothing to discover: {note}.", "note")
    return body


def render(a: Analyses, *, formats: Sequence[str] = FIGURE_FORMATS,
           lang: str = "en") -> tuple[str, list[tuple[str, Any, dict]]]:
    """The HTML page and the figures it embeds: (stem, Figure, format -> bytes: its PNG as embedded and each of
    ``formats``), each figure rendered once per format."""
    from .. import plots

    cfg = a.config
    main = a.outputs[0]
    figures: list[tuple[str, Any, str]] = []  # (stem, Figure, caption), rendered all at once by _with_figures
    sections: list[tuple[str, str, str]] = []
    slot = f"<!--wotsim-figure-{secrets.token_hex(8)}-{{}}-->"  # escaped user text never holds it

    def fig(stem: str, figure, caption: str) -> str:
        figures.append((stem, figure, caption))
        return slot.format(len(figures) - 1)

    # 0. the verdict: the first screen (report/council.py)
    _ = translator(lang)  # the verdict, the section titles and the glossary are in ``lang``; the details
    # below the verdict are in English for now (their sentences are not message ids yet)
    page = council_page(cfg, a.result, outputs=a.outputs, comparison=a.comparison, drivers=a.drivers, voi=a.voi_keep,
                        lang=lang)
    sections.append(("verdict", _("The verdict"), council_html(page)))

    # 1. statement
    words = statements(a)
    body = "".join(f'<p class="statement">{H.esc(text)}</p>' for rid, text in words.items() if rid == "base")
    body += H.paragraph("Each number in this paragraph is taken from the results below; it is generated, not written.",
                        "note")
    sections.append(("statement", _("Robustness statement"), body))

    # 2. headline
    sections.append(("results", _("Base case and uncertainty"), _headline(a)))

    # 3. figures of the distribution; the words follow the main output's measure (a ratio and 1, or an NPV and 0)
    what, thr = (N_("ratio"), "1") if a.result.summary[main].measure == "ratio" else (N_("NPV"), "0")
    body = ""
    for name in a.outputs:
        label = a.result.summary[name].label
        body += fig(f"distribution_{name}", plots.ratio_distribution(a.result, output=name),
                    f"{label}: distribution of the Monte Carlo draws, base case, published figure and break-even.")
    body += fig(f"cdf_{main}", plots.ratio_cdf(a.result, output=main), f"Cumulative distribution of the main {what}.")
    body += fig(f"acceptability_{main}", plots.acceptability_curve(a.result, output=main),
                f"Probability that the {what} reaches each threshold: P({what} ≥ x) for each x (not a cost-effectiveness "
                "acceptability curve).")
    body += fig("fan_total", plots.fan_chart(a.result),
                "Cumulative discounted net value by year, all stakeholders: median, 50% and 90% bands.")
    body += fig("stakeholders", plots.stakeholder_chart(a.result),
                "Who pays and who gains: net present value per stakeholder with 90% intervals, and the probability "
                "that each gains (P(net > 0)).")
    for sid in cfg.stakeholders:
        body += fig(f"fan_{sid}", plots.fan_chart(a.result, stakeholder=sid),
                    f"Cumulative net value by year: {cfg.stakeholders[sid]}.")
    body += fig(f"convergence_{main}", plots.convergence_p(a.result, output=main),
                f"Convergence of P({what} > {thr}) and the mean with the number of samples (±2 standard errors).")
    sections.append(("figures", _("Distributions, fan charts and stakeholders"), body))

    # 4. drivers
    body = ""
    if a.sobol_groups is not None:
        body += "<h3>Which kind of assumption drives it (grouped Sobol' indices)</h3>"
        for name in a.outputs:
            body += f"<h4>{H.esc(a.result.summary[name].label)}</h4>" + _sobol_table(a.sobol_groups, name)
            body += fig(f"sobol_groups_{name}", plots.sobol_bars(a.sobol_groups, output=name, config=cfg),
                        f"Grouped Sobol' indices of the {a.result.summary[name].label.lower()} with "
                        f"{a.sobol_groups.plan.conf_level:.0%} CIs by {a.sobol_groups.ci_method}.")
    if a.sobol is not None:
        body += "<h3>Which parameters drive it (Sobol' indices)</h3>"
        for name in a.outputs:
            body += f"<h4>{H.esc(a.result.summary[name].label)}</h4>" + _sobol_table(a.sobol, name)
            body += fig(f"sobol_{name}", plots.sobol_bars(a.sobol, output=name, config=cfg),
                        f"Sobol' indices of the {a.result.summary[name].label.lower()}: first and total order, 95% CIs.")
        body += fig(f"sobol_convergence_{main}", plots.sobol_convergence(a.sobol, output=main, config=cfg),
                    "Convergence of the leading indices over nested subsamples of the same design, each made of "
                    "whole independent randomisations.")
        notes = list(a.sobol.notes)
        if notes:
            body += "".join(H.paragraph(n, "note") for n in notes)
    for name, ow in a.oneway.items():
        body += f"<h3>One-way sensitivity and switching values: {H.esc(a.result.summary[name].label)}</h3>"
        body += _oneway_table(ow)
        body += fig(f"tornado_{name}", plots.tornado(ow, config=cfg),
                    "Tornado: each parameter at its 5th and 95th percentile, others at base; switching values marked.")
    if a.drivers is not None:
        body += f"<h3>What decides whether the {what} ends above or below {thr}</h3>"
        body += fig(f"drivers_{main}", plots.drivers_chart(a.drivers, config=cfg),
                    f"P({what} > {thr}) by quintile of each leading parameter (Monte Carlo sample), "
                    "with standard errors.")
    sections.append(("drivers", _("What drives the result"), body))

    # 5. scenario discovery: under which combination of assumptions it fails
    if a.discoveries or a.discovery_notes:
        sections.append(("discovery", _("Under which assumptions the {what} falls below {threshold}, or a "
                                        "recommendation does worse").format(what=_(what), threshold=thr),
                         _discovery_section(a, fig)))

    # 6. scenarios and value of information
    body = ""
    if a.comparison is not None:
        for name in a.outputs:
            body += f"<h3>{H.esc(a.result.summary[name].label)} under each scenario</h3>"
            body += _scenario_table(a.comparison, name)
        body += fig(f"scenarios_{main}", plots.scenario_comparison(a.comparison, output=main),
                    "Scenarios on common random numbers: 90% intervals and P(better than base).")
        body += "<h3>What each scenario represents</h3>"
        body += H.table(["scenario", "description", "evidence"],
                        [[r.label, r.scenario.description, r.scenario.evidence] for r in a.comparison.scenarios],
                        left=3)
        body += "<h3>Robustness per scenario</h3>"
        body += "".join(f"<p><strong>{H.esc(a.comparison.run(rid).label)}.</strong> {H.esc(text)}</p>"
                        for rid, text in words.items() if rid != "base")
    if a.voi_keep is not None:
        v = a.voi_keep
        body += "<h3>Value of information: keep the intervention or not</h3>"
        body += H.paragraph(
            f"Decision: {v.description}. On current information: {v.choice} (P(wrong) = "
            f"{probability(v.p_wrong, v.p_wrong_se)}). EVPI = {_money(v.evpi)} ± {_money(v.evpi_se)} "
            f"{v.currency}{per_unit(cfg)}. "
            f"EVPPI estimator: {v.estimator}.")
        body += _voi_table(v, per_unit(cfg))
        body += fig("evppi_keep", plots.evppi_ranking(v, config=cfg),
                    "EVPPI per parameter and group, with the EVPI for reference; ~0: below its noise floor, "
                    "not distinguishable from zero.")
    if a.voi_adopt:
        rows = [[a.comparison.run(sid).label, v.choice, probability(v.p_wrong), _money(v.evpi),
                 v.ranking()[0].label if v.ranking() else ""] for sid, v in a.voi_adopt.items()]
        body += "<h3>Value of information: adopt a scenario instead of the base</h3>"
        body += H.table(["scenario", "choice on current information", "P(wrong)", f"EVPI{per_unit(cfg)}",
                         "most worth researching"], rows)
    if body:
        sections.append(("recommendations", _("The recommendations: scenarios and value of information"), body))

    # 7. inputs
    sections.append(("parameters", _("Parameters, sources and evidence"), _parameter_table(cfg)))
    sections.append(("items", _("Cost and benefit items"), _item_table(cfg, a)))
    man = dict(a.result.manifest)
    man.pop("config", None)
    man["report"] = dict(a.settings)
    sections.append(("glossary", _("Glossary"), "".join(
        f'<p id="term-{H.esc(t.id)}"><strong>{H.esc(t.term)}.</strong> {H.esc(t.text)}</p>' for t in glossary(lang))))
    sections.append(("manifest", _("Manifest"), H.pre(json.dumps(to_json(man), indent=2))))

    subtitle = (f"wotsim report · {datetime.now(timezone.utc):%Y-%m-%d} · config {cfg.path} "
                f"(sha256 {cfg.sha256[:12]}) · seed {a.result.seed}")
    title = text_of(cfg, "study", "", "name", lang) or cfg.study.name
    return _with_figures(H.document(title, subtitle, sections, lang=lang), figures, slot, formats)


def _with_figures(page: str, figures: list[tuple[str, Any, str]], slot: str, formats: Sequence[str]
                  ) -> tuple[str, list[tuple[str, Any, dict[str, bytes]]]]:
    """Render every figure once per format (PNG first, embedded), in parallel processes where that pays
    (:func:`wotsim.plots.files.render_figures`), and put each PNG in its slot of the page."""
    from ..plots.files import render_figures

    formats = ("png",) + tuple(f for f in formats if f != "png")
    rendered = render_figures([f for _, f, _ in figures], formats)
    pieces = page.split(slot.format("").removesuffix("-->"))  # pieces[i + 1] starts with "i-->"
    for i, piece in enumerate(pieces[1:], start=1):
        k, rest = piece.split("-->", 1)
        pieces[i] = H.figure(rendered[int(k)]["png"], figures[int(k)][2]) + rest
    return "".join(pieces), [(stem, figure, files) for (stem, figure, _), files in zip(figures, rendered)]


def write_report(a: Analyses, directory: str | Path, *, formats: Sequence[str] = FIGURE_FORMATS,
                 lang: str = "en") -> Path:
    """Write ``report.html``, ``figures/`` (``formats``: PNG by default, SVG on request) and ``manifest.json`` into
    ``directory`` atomically."""
    from ..plots.files import save_figure

    directory = Path(directory)
    formats = tuple(formats)
    page, figures = render(a, formats=formats, lang=lang)

    def fill(tmp: Path) -> None:
        (tmp / "report.html").write_text(page, encoding="utf-8")
        (tmp / "figures").mkdir()
        for stem, figure, files in figures:
            save_figure(figure, tmp / "figures" / stem, formats=formats, rendered=files)
        man = dict(a.result.manifest)
        man["analysis"] = "report"
        man["report"] = dict(a.settings)
        write_json(tmp / "manifest.json", man)

    write_atomic_dir(directory, fill)
    return directory / "report.html"
