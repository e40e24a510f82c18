"""A reviewer's report: one self-contained HTML file with the statement, tables and figures.

:func:`wotsim.analysis.pipeline.run_analyses` runs what the report needs (its
:class:`~wotsim.analysis.pipeline.Analyses`); :func:`render` turns them into HTML
plus the figures; :func:`write_report` writes ``report.html``,
``figures/*.png|svg`` and ``manifest.json`` atomically.  Every number shown comes
from the results objects, printed through :mod:`wotsim.formatting`.

The page speaks one language, ``lang`` (``wotsim report --lang nl``): the verdict
(:mod:`wotsim.report.council`), the statements (:mod:`wotsim.report.statement`), the discoveries
(:mod:`wotsim.report.discovery`), the studies (:mod:`wotsim.report.studies`), the tables
(:mod:`wotsim.report.tables`), the captions, notes and titles here and the figures (:mod:`wotsim.plots`,
each with ``lang``) are messages of :mod:`wotsim.i18n` with the config's labels in that language
(:mod:`wotsim.labels`) and the locale's numbers. What stays as it is: the ids, formulas and the config's
notation in the traceability columns (``<code>``), a config's text that has no translation (the
parameters' sources, marked ``lang="en"``) and the manifest.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Sequence

from ..analysis.pipeline import Analyses
from ..formatting import share_pm
from ..i18n import DEFAULT_LANGUAGE, N_, localise_number, translator
from ..labels import BASE_ANALYSIS, run_label, scenario_text, stakeholder_label, study_name
from ..results.io import to_json, write_atomic_dir, write_json
from . import html as H
from . import tables as T
from .council import council_html, council_page
from .discovery import box_sentence, discovery_sentences
from .glossary import glossary
from .statement import comparison_statements, robustness_statement
from .studies import studies_section

__all__ = ["FIGURE_FORMATS", "render", "statements", "write_report"]

#: Figure files a report writes unless asked for others (``wotsim report --figures``); PNG is always embedded.
FIGURE_FORMATS = ("png",)


def statements(a: Analyses, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The robustness statements about the main output: run id -> paragraph (``"base"`` first), in ``lang``."""
    main = a.outputs[0]
    vois = {"base": a.voi_keep, **a.voi_adopt}
    w = T.Words(a.config, lang)
    runs = {r.id: r for r in a.comparison.runs} if a.comparison is not None else {}
    discoveries = {rid: T.localised_discovery(d, runs.get(rid), w) for rid, d in a.discoveries.items()}
    if a.comparison is not None:
        return comparison_statements(a.comparison, output=main, vois=vois, oneway=a.statement_oneway,
                                     discoveries=discoveries, lang=lang)
    return {"base": robustness_statement(a.result.summary[main], label=translator(lang)(BASE_ANALYSIS),
                                         oneway=a.statement_oneway.get("base"), voi=a.voi_keep, config=a.config,
                                         discovery=discoveries.get("base"), lang=lang)}


_DISCOVERY_CAPTIONS = {
    "trajectory": N_("Peeling trajectory: coverage and density of each step, shaded by the number of restrictions; "
                     "the chosen box marked."),
    "limits": N_("The chosen box's limits as percentiles of each parameter's distribution, with their stability."),
    "scatter": N_("The two restricted parameters whose limits matter most: the draws that fail (dark) and the box."),
}


def _discovery_section(a: Analyses, fig, w: T.Words) -> str:
    from .. import plots

    _ = w._
    runs = {r.id: r for r in a.comparison.runs} if a.comparison is not None else {}

    def title(rid: str) -> str:
        return _(BASE_ANALYSIS) if rid == "base" else run_label(runs[rid], w.lang)

    body = H.paragraph(_(
        "Scenario discovery (PRIM, the patient rule induction method) searches the Monte Carlo draws for the "
        "combination of assumptions under which the result fails: a box of parameter ranges in which failure is "
        "dense (density) and that holds much of it (coverage).  Limits are given in the parameter's units and as "
        "percentiles of its distribution; the quasi-p value tests whether a limit matters, the change if lifted "
        "says what dropping it does to the box, and the stability is the share of half-size resamples that restrict "
        "the parameter too."), "note")
    for rid, found in a.discoveries.items():
        d = T.localised_discovery(found, runs.get(rid), w)
        body += f"<h3>{H.esc(title(rid))}</h3>" + H.paragraph(
            box_sentence(d, d.boxes[0], w.lang) if d.boxes
            else " ".join(discovery_sentences(d, w.lang, w.note(d.stopped))))
        if not d.boxes:
            continue
        body += T.discovery_table(d, w)
        if rid == "base":  # the first box's figures (no scatter for a box that restricts nothing)
            for stem, figure in plots.discovery_figures(d, config=a.config, lang=w.lang):
                if stem.endswith("_1"):
                    body += fig(stem, figure, _(_DISCOVERY_CAPTIONS[stem.rsplit("_", 2)[1]]))
    for rid, text in a.discovery_notes.items():
        body += f"<h3>{H.esc(title(rid))}</h3>" + H.paragraph(
            _("Nothing to discover: {note}.").format(note=w.note(text)), "note")
    return body


def _figures_section(a: Analyses, fig, w: T.Words, what: str, thr: str) -> str:
    """The distributions, fan charts and stakeholders: the figures of the Monte Carlo run."""
    from .. import plots

    _, lang, cfg, main = w._, w.lang, a.config, a.outputs[0]
    body = ""
    for name in a.outputs:
        body += fig(f"distribution_{name}", partial(plots.ratio_distribution, a.result, output=name, lang=lang),
                    _("{output}: distribution of the Monte Carlo draws, base case, published figure and break-even.")
                    .format(output=w.output(name, a.result.summary[name].label)))
    body += fig(f"cdf_{main}", partial(plots.ratio_cdf, a.result, output=main, lang=lang),
                _("Cumulative distribution of the main {what}.").format(what=what))
    body += fig(f"acceptability_{main}", partial(plots.acceptability_curve, a.result, output=main, lang=lang),
                _("Probability that the {what} reaches each threshold: P({what} ≥ x) for each x (not a "
                  "cost-effectiveness acceptability curve).").format(what=what))
    body += fig("fan_total", partial(plots.fan_chart, a.result, lang=lang),
                _("Cumulative discounted net value by year, all stakeholders: median, 50% and 90% bands."))
    body += fig("stakeholders", partial(plots.stakeholder_chart, a.result, lang=lang),
                _("Who pays and who gains: net present value per stakeholder with 90% intervals, and the probability "
                  "that each gains (P(net > 0))."))
    for sid in cfg.stakeholders:
        body += fig(f"fan_{sid}", partial(plots.fan_chart, a.result, stakeholder=sid, lang=lang),
                    _("Cumulative net value by year: {stakeholder}.").format(
                        stakeholder=stakeholder_label(cfg, sid, lang)))
    body += fig(f"convergence_{main}", partial(plots.convergence_p, a.result, output=main, lang=lang),
                _("Convergence of P({what} > {threshold}) and the mean with the number of samples (±2 standard "
                  "errors).").format(what=what, threshold=thr))
    return body


def _drivers_section(a: Analyses, fig, w: T.Words, what: str, thr: str) -> str:
    """Sobol' indices (grouped and per parameter), one-way sensitivity and the decision drivers."""
    from .. import plots

    _, lang, cfg, main = w._, w.lang, a.config, a.outputs[0]
    body = ""
    if a.sobol_groups is not None:
        heading = _("Which kind of assumption drives it (grouped Sobol' indices)")
        body += f"<h3>{H.esc(heading)}</h3>"
        for name in a.outputs:
            label = w.output(name, a.result.summary[name].label)
            body += f"<h4>{H.esc(label)}</h4>" + T.sobol_table(a.sobol_groups, name, w)
            body += fig(f"sobol_groups_{name}", partial(plots.sobol_bars, a.sobol_groups, output=name, config=cfg, lang=lang),
                        _("Grouped Sobol' indices of the {output} with {level} CIs by {method}.").format(
                            output=w.lower(label), level=localise_number(f"{a.sobol_groups.plan.conf_level:.0%}", lang),
                            method=w.note(a.sobol_groups.ci_method)))
    if a.sobol is not None:
        heading = _("Which parameters drive it (Sobol' indices)")
        body += f"<h3>{H.esc(heading)}</h3>"
        for name in a.outputs:
            label = w.output(name, a.result.summary[name].label)
            body += f"<h4>{H.esc(label)}</h4>" + T.sobol_table(a.sobol, name, w)
            body += fig(f"sobol_{name}", partial(plots.sobol_bars, a.sobol, output=name, config=cfg, lang=lang),
                        _("Sobol' indices of the {output}: first and total order, 95% CIs.").format(
                            output=w.lower(label)))
        body += fig(f"sobol_convergence_{main}", partial(plots.sobol_convergence, a.sobol, output=main, config=cfg, lang=lang),
                    _("Convergence of the leading indices over nested subsamples of the same design, each made of "
                      "whole independent randomisations."))
        body += "".join(H.paragraph(w.note(n), "note") for n in a.sobol.notes)
    for name, ow in a.oneway.items():
        body += "<h3>{}</h3>".format(H.esc(_("One-way sensitivity and switching values: {output}").format(
            output=w.output(name, a.result.summary[name].label))))
        body += T.oneway_table(ow, w)
        body += fig(f"tornado_{name}", partial(plots.tornado, ow, config=cfg, lang=lang),
                    _("Tornado: each parameter at its 5th and 95th percentile, others at base; switching values "
                      "marked."))
    if a.drivers is not None:
        body += "<h3>{}</h3>".format(H.esc(_("What decides whether the {what} ends above or below {threshold}").format(
            what=what, threshold=thr)))
        body += fig(f"drivers_{main}", partial(plots.drivers_chart, a.drivers, config=cfg, lang=lang),
                    _("P({what} > {threshold}) by quintile of each leading parameter (Monte Carlo sample), with "
                      "standard errors.").format(what=what, threshold=thr))
    return body


def _recommendations_section(a: Analyses, fig, w: T.Words, words: dict[str, str]) -> str:
    """The scenarios (tables, figure, what each represents, their statements) and the value of information."""
    from .. import plots

    _, lang, cfg, main = w._, w.lang, a.config, a.outputs[0]
    body = ""
    if a.comparison is not None:
        for name in a.outputs:
            body += "<h3>{}</h3>".format(H.esc(_("{output} under each scenario").format(
                output=w.output(name, a.result.summary[name].label))))
            body += T.scenario_table(a.comparison, name, w)
        body += fig(f"scenarios_{main}", partial(plots.scenario_comparison, a.comparison, output=main, lang=lang),
                    _("Scenarios on common random numbers: 90% intervals and P(better than base)."))
        body += f"<h3>{H.esc(_('What each scenario represents'))}</h3>"
        body += H.table([_("scenario"), _("description"), _("evidence")],
                        [[run_label(r, lang), scenario_text(r.scenario, "description", lang),
                          scenario_text(r.scenario, "evidence", lang)] for r in a.comparison.scenarios], left=3)
        body += f"<h3>{H.esc(_('Robustness per scenario'))}</h3>"
        body += "".join(f"<p><strong>{H.esc(run_label(a.comparison.run(rid), lang))}.</strong> {H.esc(text)}</p>"
                        for rid, text in words.items() if rid != "base")
    if a.voi_keep is not None:
        v = a.voi_keep
        body += f"<h3>{H.esc(_('Value of information: keep the intervention or not'))}</h3>"
        body += H.paragraph(_(
            "Decision: {decision}. On current information: {choice} (P(wrong) = {p_wrong}). EVPI = {evpi} ± {se} "
            "{currency}{per}. EVPPI estimator: {estimator}.").format(
            decision=w.note(v.description), choice=w.choice(v, v.choice), p_wrong=share_pm(v.p_wrong, v.p_wrong_se, lang),
            evpi=w.money(v.evpi), se=w.money(v.evpi_se), currency=v.currency, per=w.per, estimator=w.note(v.estimator)))
        body += T.voi_table(v, w)
        body += fig("evppi_keep", partial(plots.evppi_ranking, v, config=cfg, lang=lang),
                    _("EVPPI per parameter and group, with the EVPI for reference; ~0: below its noise floor, not "
                      "distinguishable from zero."))
    if a.voi_adopt:
        body += f"<h3>{H.esc(_('Value of information: adopt a scenario instead of the base'))}</h3>"
        body += T.voi_adopt_table(a, w)
    return body


def render(a: Analyses, *, formats: Sequence[str] = FIGURE_FORMATS,
           lang: str = DEFAULT_LANGUAGE) -> tuple[str, list[tuple[str, Any, dict]]]:
    """The HTML page and the figures it embeds: (stem, Figure, format -> bytes: its PNG as embedded and each of
    ``formats``), each figure rendered once per format.  Every word and number of the page is in ``lang``
    (:mod:`wotsim.report.tables`); ids, formulas and the manifest stay as they are (traceability)."""
    cfg = a.config
    main = a.outputs[0]
    w = T.Words(cfg, lang)
    _ = w._
    figures: list[tuple[str, Any, str]] = []  # (stem, Figure, caption), rendered all at once by _with_figures
    sections: list[tuple[str, str, str]] = []
    slot = f"<!--wotsim-figure-{secrets.token_hex(8)}-{{}}-->"  # escaped user text never holds it

    def fig(stem: str, figure, caption: str) -> str:
        figures.append((stem, figure, caption))
        return slot.format(len(figures) - 1)

    # 0. the verdict: the first screen (report/council.py)
    page = council_page(cfg, a.result, outputs=a.outputs, comparison=a.comparison, drivers=a.drivers, voi=a.voi_keep,
                        evsi=a.evsi, lang=lang)
    sections.append(("verdict", _("The verdict"), council_html(page)))

    # 1. statement
    words = statements(a, lang)
    body = "".join(f'<p class="statement">{H.esc(text)}</p>' for rid, text in words.items() if rid == "base")
    body += H.paragraph(_("Each number in this paragraph is taken from the results below; it is generated, not "
                          "written."), "note")
    sections.append(("statement", _("Robustness statement"), body))

    # 2. headline
    sections.append(("results", _("Base case and uncertainty"), T.headline(a, w)))

    # 3. figures of the distribution; the words follow the main output's measure (a ratio and 1, or an NPV and 0)
    what, thr = (_("ratio"), "1") if a.result.summary[main].measure == "ratio" else (_("NPV"), "0")
    sections.append(("figures", _("Distributions, fan charts and stakeholders"), _figures_section(a, fig, w, what, thr)))

    # 4. drivers
    sections.append(("drivers", _("What drives the result"), _drivers_section(a, fig, w, what, thr)))

    # 5. scenario discovery: under which combination of assumptions it fails
    if a.discoveries or a.discovery_notes:
        sections.append(("discovery", _("Under which assumptions the {what} falls below {threshold}, or a "
                                        "recommendation does worse").format(what=what, threshold=thr),
                         _discovery_section(a, fig, w)))

    # 6. scenarios and value of information
    body = _recommendations_section(a, fig, w, words)
    if body:
        sections.append(("recommendations", _("The recommendations: scenarios and value of information"), body))
    if a.evsi:  # the config's studies: what a follow-up study would be worth, at each size, against its cost
        sections.append(("studies", _("Is a follow-up study worth it?"), studies_section(a.evsi, fig, w)))

    # 7. inputs
    sections.append(("parameters", _("Parameters, sources and evidence"), T.parameter_table(cfg, w)))
    sections.append(("items", _("Cost and benefit items"), T.item_table(cfg, a, w)))
    man = dict(a.result.manifest)
    man.pop("config", None)
    man["report"] = dict(a.settings)
    sections.append(("glossary", _("Glossary"), "".join(
        f'<p id="term-{H.esc(t.id)}"><strong>{H.esc(t.term)}.</strong> {H.esc(t.text)}</p>' for t in glossary(lang))))
    sections.append(("manifest", _("Manifest"), H.pre(json.dumps(to_json(man), indent=2))))

    subtitle = _("wotsim report · {date} · config {path} (sha256 {sha}) · seed {seed}").format(
        date=f"{datetime.now(timezone.utc):%Y-%m-%d}", path=cfg.path, sha=cfg.sha256[:12], seed=a.result.seed)
    title = study_name(cfg, lang, cfg.study.name)
    return _with_figures(H.document(title, subtitle, sections, lang=lang), figures, slot, formats)


def _with_figures(page: str, figures: list[tuple[str, Any, str]], slot: str, formats: Sequence[str]
                  ) -> tuple[str, list[tuple[str, Any, dict[str, bytes]]]]:
    """Render every figure once per format (PNG first, embedded), in parallel processes where that pays
    (:func:`wotsim.plots.files.render_figures`: a figure given as a function, ``partial(plots.tornado, ...)``,
    is also drawn there), and put each PNG in its slot of the page."""
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
