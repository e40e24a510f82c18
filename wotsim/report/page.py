"""A reviewer's report: one self-contained HTML file with the statement, tables and figures.

:func:`run_analyses` runs what the report needs (Monte Carlo, Sobol' indices per
parameter and per group, one-way sensitivity with switching values, decision
drivers, scenarios on common random numbers and value of information);
:func:`render` turns the results into HTML plus the figures; :func:`write_report`
writes ``report.html``, ``figures/*.png|svg`` and ``manifest.json`` atomically.
Every number shown comes from the results objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..report import html as H
from ..formatting import money, value
from ..config.loading import Config
from ..limits import check_analyses
from ..results.simulation import SimulationResult, _jsonable, write_atomic_dir

__all__ = ["Analyses", "render", "run_analyses", "write_report"]

#: Outputs the sensitivity part of the report covers, when the config has them.
_RATIO_OUTPUTS = ("social_ratio", "financial_ratio")


@dataclass(frozen=True)
class Analyses:
    """Everything a report shows. Optional parts are None when not run."""

    config: Config
    result: SimulationResult
    outputs: tuple[str, ...]
    sobol: Any = None              # SobolResult per parameter
    sobol_groups: Any = None       # SobolResult grouped by the parameters' group
    oneway: Mapping[str, Any] = field(default_factory=dict)   # output -> OneWayResult
    drivers: Any = None            # DecisionDrivers of the first output
    comparison: Any = None         # Comparison or None
    voi_keep: Any = None           # VoiResult of keeping the intervention
    voi_adopt: Mapping[str, Any] = field(default_factory=dict)  # scenario id -> VoiResult
    statements: Mapping[str, str] = field(default_factory=dict)  # run id -> paragraph
    settings: Mapping[str, Any] = field(default_factory=dict)


Progress = Callable[[str], None]


def run_analyses(
    config: Config,
    *,
    samples: int = 2**15,
    sobol_samples: int = 2**13,
    seed: int | None = None,
    scenarios: Sequence[str] | None = None,
    with_scenarios: bool = True,
    progress: Progress | None = None,
) -> Analyses:
    """Run the analyses a report shows.

    Parameters
    ----------
    config : Config
    samples : int
        Monte Carlo samples (for the base run and every scenario, on common random numbers).
    sobol_samples : int
        Sobol' base samples N (a power of 2).
    seed : int, optional
        Root seed (default: the config's).
    scenarios : sequence of str, optional
        Scenario ids or overlay files; default every scenario found for the config.
    with_scenarios : bool
        False skips scenarios and the adoption value of information.
    progress : callable(str), optional
        Called with a short description before each step.
    """
    check_analyses(config, samples=samples, sobol_samples=sobol_samples)
    from ..analysis.drivers import decision_drivers
    from ..analysis.oneway import one_way
    from ..analysis.scenarios import compare, find_scenarios, is_decision
    from ..analysis.sobol import sobol_indices
    from ..simulate import simulate
    from ..report.statement import comparison_statements, net_benefit_for, robustness_statement
    from ..analysis.voi import adoption_voi, keep_voi

    def step(text: str) -> None:
        if progress is not None:
            progress(text)

    outputs = tuple(o for o in _RATIO_OUTPUTS if o in config.outputs) or tuple(config.outputs)[:2] or ("npv",)
    main = outputs[0]

    found = find_scenarios(config, scenarios) if with_scenarios else ()
    comparison = None
    if found:
        step(f"Monte Carlo of the base and {len(found)} scenarios ({samples:,} samples each)")
        comparison = compare(config, found, samples=samples, seed=seed)
        result = comparison.base
    else:
        step(f"Monte Carlo ({samples:,} samples)")
        result = simulate(config, samples=samples, seed=seed)

    step(f"Sobol' indices (N = {sobol_samples:,})")
    sobol = sobol_indices(config, outputs=list(outputs) + ["npv"], samples=sobol_samples, seed=seed)
    sobol_groups = None
    if any(p.group for p in config.parameters.values()):
        sobol_groups = sobol_indices(config, outputs=list(outputs) + ["npv"], samples=sobol_samples, seed=seed,
                                     groups="group")
    step("one-way sensitivity and switching values")
    oneway = {name: one_way(config, output=name) for name in outputs}
    step("decision drivers")
    drivers = decision_drivers(result, output=main)
    step("value of information")
    net = net_benefit_for(config, main)  # the value of information of the statement's own perspective
    voi_keep = keep_voi(result, output=net)
    voi_adopt = {}
    if comparison is not None:
        # adoption is a decision for the recommendations; structural switches (discount rate, horizon,
        # readings) are modelling choices, not options to adopt, so they get no value of information
        for run in (r for r in comparison.scenarios if is_decision(r.scenario)):
            voi_adopt[run.id] = adoption_voi(comparison, run.id, output=net)
    if comparison is not None:
        statements = dict(comparison_statements(comparison, output=main,
                                                vois={"base": voi_keep, **voi_adopt}))
    else:
        statements = {"base": robustness_statement(result.summary[main], label="Base analysis",
                                                   oneway=oneway.get(main), voi=voi_keep, config=config)}
    return Analyses(
        config=config, result=result, outputs=outputs, sobol=sobol, sobol_groups=sobol_groups, oneway=oneway,
        drivers=drivers, comparison=comparison, voi_keep=voi_keep, voi_adopt=voi_adopt, statements=statements,
        settings={"samples": result.n, "sobol_samples": sobol_samples, "seed": result.seed, "sampler": result.sampler,
                  "scenarios": [r.id for r in comparison.scenarios] if comparison is not None else []},
    )


# --------------------------------------------------------------------------- formatting
def _num(x: float, measure: str) -> str:
    return value(x, measure, minus="\u2212")


def _money(x: float) -> str:
    return money(x, minus="\u2212")


def _se(x: float, measure: str) -> str:
    """A standard error to two significant digits (small ones must not print as 0.000)."""
    if measure == "ratio":
        return f"{x:.2g}"
    return _money(x)


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
                     f"{s.p_above:.3f} ± {s.p_above_se:.3f}",
                     "" if s.ratio_of_means is None else f"{s.ratio_of_means:.3f}"])
    table = H.table(["output", "published", "base case", "mean", "median", "90% interval", "P(> 1) or P(NPV > 0)",
                     "E[B]/E[C]"], rows)
    rows = []
    for sid, label in cfg.stakeholders.items():
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90)
        rows.append([label, _money(s.base), _money(s.mean), f"{_money(lo)} to {_money(hi)}", f"{s.p_above:.3f}"])
    stake = H.table(["stakeholder", "base case", "mean", "90% interval", "P(net value > 0)"], rows)
    return (table + H.paragraph(
        f"{a.result.n:,} {a.result.sampler} samples, seed {a.result.seed}. Amounts in {cfg.study.currency} "
        f"present value per cohort{', ' + str(cfg.study.price_year) + ' prices' if cfg.study.price_year else ''}. "
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
            switch = f"{s.value:.4g} (percentile {s.percentile:.1f})"
        rows.append([bar.label, f"{bar.low_input:.4g} → {_num(bar.low_output, ow.measure)}",
                     f"{bar.high_input:.4g} → {_num(bar.high_output, ow.measure)}", _num(bar.swing, ow.measure), switch])
    return H.table(["parameter", f"at p{ow.low_percentile:g} → output", f"at p{ow.high_percentile:g} → output",
                    "swing", "switching value (its percentile)"], rows)


def _scenario_table(comparison, output: str) -> str:
    rows = []
    for r in comparison.runs:
        o = r.outcomes[output]
        s, d = o.summary, o.difference
        rows.append([r.label, _num(s.base, s.measure), _num(s.mean, s.measure),
                     f"{_num(o.interval[0], s.measure)} to {_num(o.interval[1], s.measure)}",
                     f"{s.p_above:.3f} ± {s.p_above_se:.3f}",
                     "" if d is None else f"{_num(d.mean, s.measure)} ± {_se(d.mean_se, s.measure)}",
                     "" if d is None else f"{_num(d.low, s.measure)} to {_num(d.high, s.measure)}",
                     "" if d is None else ("identical" if d.p_better == 0 and d.p_worse == 0
                                           else f"{d.p_better:.3f} ± {d.p_better_se:.3f}")])
    return H.table(["scenario", "base case", "mean", "90% interval", "P(> 1)" if output != "npv" else "P(> 0)",
                    "paired difference (mean ± se)", "difference 90% interval", "P(better than base)"], rows)


def _voi_table(voi, top: int = 12) -> str:
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
    return (H.table(["parameter or group", "kind", f"EVPPI ({voi.currency} per cohort)", "se", "noise floor",
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


def render(a: Analyses) -> tuple[str, list[tuple[str, Any]]]:
    """The HTML page and the figures (stem, Figure) it embeds."""
    from ..plots import distributions as plots

    cfg = a.config
    main = a.outputs[0]
    figures: list[tuple[str, Any]] = []
    sections: list[tuple[str, str, str]] = []

    def fig(stem: str, figure, caption: str) -> str:
        figures.append((stem, figure))
        return H.figure(figure, caption)

    # 1. statement
    body = "".join(f'<p class="statement">{H.esc(text)}</p>' for rid, text in a.statements.items() if rid == "base")
    body += H.paragraph("Each number in this paragraph is taken from the results below; it is generated, not written.",
                        "note")
    sections.append(("statement", "Robustness statement", body))

    # 2. headline
    sections.append(("results", "Base case and uncertainty", _headline(a)))

    # 3. figures of the distribution
    body = ""
    for name in a.outputs:
        label = a.result.summary[name].label
        body += fig(f"distribution_{name}", plots.ratio_distribution(a.result, name),
                    f"{label}: distribution of the Monte Carlo draws, base case, published figure and break-even.")
    body += fig(f"cdf_{main}", plots.ratio_cdf(a.result, main), "Cumulative distribution of the main ratio.")
    body += fig(f"acceptability_{main}", plots.acceptability_curve(a.result, main),
                "Acceptability: the probability that the ratio reaches each threshold.")
    body += fig("fan_total", plots.fan_chart(a.result),
                "Cumulative discounted net value by year, all stakeholders: median, 50% and 90% bands.")
    body += fig("stakeholders", plots.stakeholder_chart(a.result),
                "Who pays and who gains: net present value per stakeholder with 90% intervals.")
    for sid in cfg.stakeholders:
        body += fig(f"fan_{sid}", plots.fan_chart(a.result, stakeholder=sid),
                    f"Cumulative net value by year: {cfg.stakeholders[sid]}.")
    body += fig(f"convergence_{main}", plots.convergence_p(a.result, main),
                "Convergence of P(ratio > 1) and the mean with the number of samples (±2 standard errors).")
    sections.append(("figures", "Distributions, fan charts and stakeholders", body))

    # 4. drivers
    body = ""
    if a.sobol_groups is not None:
        body += "<h3>Which kind of assumption drives it (grouped Sobol' indices)</h3>"
        for name in a.outputs:
            body += f"<h4>{H.esc(a.result.summary[name].label)}</h4>" + _sobol_table(a.sobol_groups, name)
            body += fig(f"sobol_groups_{name}", plots.sobol_bars(a.sobol_groups, name, config=cfg),
                        f"Grouped Sobol' indices of the {a.result.summary[name].label.lower()} with "
                        f"{a.sobol_groups.plan.conf_level:.0%} CIs by {a.sobol_groups.ci_method}.")
    if a.sobol is not None:
        body += "<h3>Which parameters drive it (Sobol' indices)</h3>"
        for name in a.outputs:
            body += f"<h4>{H.esc(a.result.summary[name].label)}</h4>" + _sobol_table(a.sobol, name)
            body += fig(f"sobol_{name}", plots.sobol_bars(a.sobol, name, config=cfg),
                        f"Sobol' indices of the {a.result.summary[name].label.lower()}: first and total order, 95% CIs.")
        body += fig(f"sobol_convergence_{main}", plots.sobol_convergence(a.sobol, main, config=cfg),
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
        body += "<h3>What decides whether the ratio ends above or below 1</h3>"
        body += fig(f"drivers_{main}", plots.drivers_chart(a.drivers, config=cfg),
                    "P(ratio > 1) by quintile of each leading parameter (Monte Carlo sample), with standard errors.")
    sections.append(("drivers", "What drives the result", body))

    # 5. scenarios and value of information
    body = ""
    if a.comparison is not None:
        for name in a.outputs:
            body += f"<h3>{H.esc(a.result.summary[name].label)} under each scenario</h3>"
            body += _scenario_table(a.comparison, name)
        body += fig(f"scenarios_{main}", plots.scenario_comparison(a.comparison, main),
                    "Scenarios on common random numbers: 90% intervals and P(better than base).")
        body += "<h3>What each scenario represents</h3>"
        body += H.table(["scenario", "description", "evidence"],
                        [[r.label, r.scenario.description, r.scenario.evidence] for r in a.comparison.scenarios],
                        left=3)
        body += "<h3>Robustness per scenario</h3>"
        body += "".join(f"<p><strong>{H.esc(a.comparison.run(rid).label)}.</strong> {H.esc(text)}</p>"
                        for rid, text in a.statements.items() if rid != "base")
    if a.voi_keep is not None:
        v = a.voi_keep
        body += "<h3>Value of information: keep the teams or not</h3>"
        body += H.paragraph(
            f"Decision: {v.description}. On current information: {v.choice} (P(wrong) = {v.p_wrong:.3f} ± "
            f"{v.p_wrong_se:.3f}). EVPI = {_money(v.evpi)} ± {_money(v.evpi_se)} {v.currency} per cohort. "
            f"EVPPI estimator: {v.estimator}.")
        body += _voi_table(v)
        body += fig("evppi_keep", plots.evppi_ranking(v, config=cfg), "EVPPI per parameter and group, with the EVPI for reference.")
    if a.voi_adopt:
        rows = [[a.comparison.run(sid).label, v.choice, f"{v.p_wrong:.3f}", _money(v.evpi),
                 v.ranking()[0].label if v.ranking() else ""] for sid, v in a.voi_adopt.items()]
        body += "<h3>Value of information: adopt a scenario instead of the base</h3>"
        body += H.table(["scenario", "choice on current information", "P(wrong)", "EVPI per cohort",
                         "most worth researching"], rows)
    if body:
        sections.append(("recommendations", "The recommendations: scenarios and value of information", body))

    # 6. inputs
    sections.append(("parameters", "Parameters, sources and evidence", _parameter_table(cfg)))
    sections.append(("items", "Cost and benefit items", _item_table(cfg, a)))
    man = dict(a.result.manifest)
    man.pop("config", None)
    man["report"] = dict(a.settings)
    sections.append(("manifest", "Manifest", H.pre(json.dumps(_jsonable(man), indent=2))))

    subtitle = (f"wotsim report · {datetime.now(timezone.utc):%Y-%m-%d} · config {cfg.path} "
                f"(sha256 {cfg.sha256[:12]}) · seed {a.result.seed}")
    return H.document(cfg.study.name, subtitle, sections), figures


def write_report(a: Analyses, directory: str | Path) -> Path:
    """Write ``report.html``, ``figures/`` (PNG and SVG) and ``manifest.json`` into ``directory`` atomically."""
    from ..plots.distributions import save_figure

    directory = Path(directory)
    page, figures = render(a)

    def fill(tmp: Path) -> None:
        (tmp / "report.html").write_text(page, encoding="utf-8")
        (tmp / "figures").mkdir()
        for stem, figure in figures:
            save_figure(figure, tmp / "figures" / stem)
        man = dict(a.result.manifest)
        man["analysis"] = "report"
        man["report"] = dict(a.settings)
        (tmp / "manifest.json").write_text(json.dumps(_jsonable(man), indent=2) + "\n", encoding="utf-8")

    write_atomic_dir(directory, fill)
    return directory / "report.html"
