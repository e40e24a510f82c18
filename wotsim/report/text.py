"""Terminal text: the one plain-text table renderer and everything the commands print.

:func:`table` lays out every printed table (columns two spaces apart, a dashed rule
under the header).  The ``format_*`` functions turn result objects into the text of
``wotsim validate``, ``run``, ``sensitivity`` (Sobol', Morris, PAWN, one-way,
decision drivers), ``compare`` and ``voi``; numbers go through :mod:`wotsim.formatting`.
:func:`one_line` keeps a message on one line; :class:`ProgressBar` draws progress on
stderr.  Nothing is computed here, and nothing heavy is imported at load time (the
CLI imports this module before argparse runs).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Mapping, Sequence, TextIO

from ..formatting import amount, money, number, percent, plus_minus, probability, share_pm, signed, value

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.scenarios import Comparison
    from ..analysis.voi import Evppi, VoiResult
    from ..config.schema import Config

__all__ = ["MAX_MESSAGE", "ProgressBar", "format_comparison", "format_decision", "format_morris", "format_oneway",
           "format_pawn", "format_run", "format_sensitivity", "format_sobol", "format_statements", "format_studies",
           "format_targets", "format_voi", "format_voi_run", "one_line", "per_unit", "table", "unit_of_analysis"]


def table(rows: Sequence[Sequence[str]], header: Sequence[str], align: str, *, indent: str = "") -> str:
    """A plain-text table: the header, a dashed rule, then the rows.

    ``align`` has one letter per column, ``"l"`` (left) or ``"r"`` (right); columns are as wide as their
    widest cell and two spaces apart; trailing blanks are cut (not from the rule); every line starts with
    ``indent``.
    """
    widths = [max(len(r[i]) for r in [*rows, header]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return indent + "  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                  for c, w, a in zip(cells, widths, align)).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def unit_of_analysis(config: Config) -> str:
    """What one amount is per, from ``[study] unit_of_analysis`` (e.g. ``"per yearly cohort"``); ``""`` for none."""
    return config.study.unit_of_analysis


def _per(unit: str) -> str:
    """`` per yearly cohort`` (with the leading space) or nothing."""
    return f" {unit}" if unit else ""


def per_unit(config: Config, lang: str = "en") -> str:
    """What follows an amount's currency: `` per yearly cohort`` (the config's unit of analysis, in ``lang``:
    `` per jaarcohort``) or nothing."""
    if lang == "en":
        return _per(unit_of_analysis(config))
    from ..labels import text_of

    return _per(text_of(config, "study", "", "unit_of_analysis", lang))


def _more(hidden: int, what: str) -> list[str]:
    return [f"({hidden} more {what}; --top to show them)"] if hidden > 0 else []


# --------------------------------------------------------------------------- messages and progress
#: Longest message printed; longer ones (echoed hostile values) are cut in the middle.
MAX_MESSAGE = 2000


def one_line(text: object) -> str:
    """A message as exactly one line: newlines and carriage returns from the input shown escaped, cut to size.

    Config keys, names and tampered values can hold line breaks; printed raw they would forge a
    second line (e.g. ``wotsim: all good``).
    """
    text = str(text).replace("\r", "\\r").replace("\n", "\\n")
    if len(text) > MAX_MESSAGE:
        half = MAX_MESSAGE // 2
        text = f"{text[:half]} ...[{len(text) - MAX_MESSAGE:,} characters cut]... {text[-half:]}"
    return text


class ProgressBar:
    """A progress bar on stderr that appears only when a run takes more than about two seconds."""

    def __init__(self, label: str, stream: TextIO, enabled: bool):
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self.started = time.perf_counter()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        if not self.shown and elapsed < 2.0:
            return
        self.shown = True
        width = 30
        filled = int(width * done / total)
        eta = elapsed / done * (total - done) if done else 0.0
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{done:,}/{total:,}  {elapsed:5.1f}s  eta {eta:4.0f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


# --------------------------------------------------------------------------- validate and run
def format_targets(targets) -> tuple[list[str], list[str]]:
    """The rows of ``wotsim validate`` (an output's base value against its target) and the misses, as messages;
    ``targets`` holds ``(name, base value, target or None, tolerance)``."""
    rows, failed = [], []
    for name, got, target, tolerance in targets:
        if target is None:
            rows.append(f"  {name:<24} base {got:.4f}  (no target)")
            continue
        ok = abs(got - target) <= tolerance
        rows.append(f"  {name:<24} base {got:.4f}  target {target:g} ± {tolerance:g}  {'ok' if ok else 'MISMATCH'}")
        if not ok:
            failed.append(f"outputs.{name}: base case {got:.4f} misses target {target:g} by more than {tolerance:g}")
    return rows, failed


def format_studies(config: Config) -> list[str]:
    """The studies of ``wotsim validate``, one line each: id, design, the parameters it informs, its sizes."""
    return [f"  study {sid:<18} {st.design:<8}  informs {', '.join(st.informs)}; sizes {', '.join(map(str, st.sizes))}"
            for sid, st in config.studies.items()]



def format_run(result) -> str:
    """The compact table printed by ``wotsim run``."""
    cfg: Config = result.config
    currency = cfg.study.currency
    summ = result.summary
    lines = [f"{cfg.study.name}",
             f"{result.n:,} samples ({result.sampler}), seed {result.seed}; amounts in {currency} "
             f"(present value{', ' + str(cfg.study.price_year) + ' prices' if cfg.study.price_year else ''})",
             ""]
    header = ["output", "base", "mean", "median", "90% interval", "P(>1 | >0)"]
    rows = []
    for name in list(cfg.outputs) + ["npv", "benefits", "costs"]:
        s = summ[name]
        lo, hi = s.interval(90)
        prob = "" if s.measure == "amount" else probability(s.p_above, s.p_above_se)
        rows.append([s.label, value(s.base, s.measure), value(s.mean, s.measure),
                     value(s.median, s.measure), f"{value(lo, s.measure)} to {value(hi, s.measure)}", prob])
    lines.append(table(rows, header, "lrrrrr"))
    ratios = [summ[n] for n in cfg.outputs if summ[n].measure == "ratio"]
    if ratios:
        lines.append("")
        lines.append("ratio of means E[B]/E[C]: " + ", ".join(f"{s.name} {s.ratio_of_means:.3f}" for s in ratios))
    lines += ["", f"Net value per stakeholder ({currency}, present value)"]
    rows = []
    for sid, label in cfg.stakeholders.items():
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90)
        rows.append([label, money(s.base), money(s.mean), f"{money(lo)} to {money(hi)}", probability(s.p_above)])
    lines.append(table(rows, ["stakeholder", "base", "mean", "90% interval", "P(>0)"], "lrrrr"))
    undefined = {n: s.n_undefined for n, s in summ.items() if s.n_undefined}
    if undefined:
        lines.append("")
        lines.append("warning: undefined draws (ratios with costs <= 0, NaN or infinite values) excluded: "
                     + ", ".join(f"{k} {v}" for k, v in undefined.items()))
    lines.append("")
    lines.append(f"P(...) ± Monte Carlo standard error, {result.se_method}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- sensitivity
def format_sobol(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method sobol``."""
    plan = result.plan
    grouped = plan.groups is not None
    lines = []
    for name, ind in result.indices.items():
        lines.append(f"Sobol' indices of {name}" + (f", grouped by {plan.grouping}" if grouped else ""))
        lines.append(f"N = {plan.n:,} base samples, {plan.rows:,} model runs; "
                     f"{'first, second' if plan.second_order else 'first'} and total order; "
                     f"{plan.conf_level:.0%} CIs by {result.ci_method}; seed {plan.seed}; "
                     f"output mean {ind.mean:.4g}, sd {ind.variance ** 0.5:.4g}")
        levels = " ".join(f"N/{k}" if k > 1 else "N" for k in (plan.n // m for m in ind.convergence.n))
        header = ["rank", "group" if grouped else "parameter"] + (["params"] if grouped else []) + [
            "ST (total)", "S1 (alone)" if grouped else "S1 (first)", f"ST at {levels}", "convergence"]
        rows = []
        order = ind.order
        for rank, k in enumerate(order[:top], start=1):
            f = ind.factors[k]
            curve = " ".join(f"{v:.3f}" for v in ind.convergence.ST[:, k])
            rows.append([str(rank), f] + ([str(len(result.members[f]))] if grouped else []) + [
                f"{ind.ST[k]:6.3f} ± {ind.ST_conf[k]:.3f}", f"{ind.S1[k]:6.3f} ± {ind.S1_conf[k]:.3f}", curve,
                ind.verdicts[k] + (f" ({ind.convergence.reasons[k]})" if ind.convergence.reasons[k] else "")])
        lines.append(table(rows, header, "rl" + ("r" if grouped else "") + "rrrl"))
        hidden = len(order) - min(top, len(order))
        if hidden:
            lines += _more(hidden, f"{'groups' if grouped else 'parameters'} with ST <= {ind.ST[order[top]]:.3f}")
        s1 = float(ind.S1.sum())
        stable = int(ind.convergence.stable.sum())
        if grouped:
            lines.append(f"shares: the groups alone explain ΣS1 = {s1:.3f} of the variance; "
                         f"interactions between groups about 1 - ΣS1 = {1 - s1:.3f}")
        else:
            lines.append(f"ΣS1 = {s1:.3f}: interactions account for about 1 - ΣS1 = {1 - s1:.3f} of the variance")
        lines.append(f"convergence: {stable} of {len(order)} {'groups' if grouped else 'parameters'} "
                     f"{ind.convergence.rule}")
        if plan.second_order and ind.S2 is not None:
            g = len(ind.factors)
            pairs = [(ind.S2[j, k], ind.S2_conf[j, k], ind.factors[j], ind.factors[k])
                     for j in range(g) for k in range(j + 1, g)]
            pairs.sort(key=lambda t: -abs(t[0]))
            lines.append("largest second-order indices: " + "; ".join(
                f"{a} x {b} {s:.3f} ± {c:.3f}" for s, c, a, b in pairs[:5]))
        lines.append("")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines).rstrip() + "\n"


def _ranked(result, *, top: int, title: str, about: str, header: list[str], align: str, row, after=None,
            closing: Sequence[str] = ()) -> str:
    """Per output a ranked table of a screening result (Morris, PAWN): title, ``about`` line, the top rows."""
    grouped = result.groups is not None
    lines = []
    for name, ind in result.indices.items():
        lines.append(f"{title} of {name}" + (f", grouped by {result.grouping}" if grouped else ""))
        lines.append(about)
        rows = [[str(rank), ind.factors[k], *row(ind, k)] for rank, k in enumerate(ind.order[:top], start=1)]
        lines.append(table(rows, ["rank", "group" if grouped else "parameter", *header], align))
        lines += _more(len(ind.factors) - min(top, len(ind.factors)), "factors")
        lines += after(ind) if after is not None else []
        lines.append("")
    lines += [*closing, *(f"note: {n}" for n in result.notes)]
    return "\n".join(lines).rstrip() + "\n"


def format_morris(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method morris``."""
    def row(ind, k: int) -> list[str]:
        ratio = ind.sigma[k] / ind.mu_star[k] if ind.mu_star[k] > 0 else float("nan")
        known = ind.sigma[k] == ind.sigma[k]  # SALib gives no sigma for groups of several parameters
        return [f"{ind.mu_star[k]:.4g} ± {ind.mu_star_conf[k]:.2g}", f"{ind.sigma[k]:.4g}" if known else "-",
                f"{ind.mu[k]:.4g}" if ind.mu[k] == ind.mu[k] else "-", f"{ratio:.2f}" if ratio == ratio else "-"]

    return _ranked(result, top=top, title="Morris screening", row=row, align="rlrrrr",
                   about=f"{result.trajectories} trajectories, {result.levels} levels, {result.rows:,} model runs; "
                         f"seed {result.seed}; elementary effects in output units per unit design step",
                   header=["mu* (95% CI)", "sigma", "mu", "sigma/mu*"],
                   closing=["sigma/mu* near 0: linear, additive effect; large: non-linear or interacting. "
                            "'-': not defined (SALib gives no sigma for a group of several parameters)."])


def format_pawn(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method pawn``."""
    def row(ind, k: int) -> list[str]:
        return [f"{ind.median[k]:.3f}", f"{ind.mean[k]:.3f}", f"{ind.maximum[k]:.3f}",
                "yes" if ind.median[k] > ind.null_level else "no"]

    return _ranked(result, top=top, title="PAWN indices", row=row, align="rlrrrl",
                   about=f"{result.samples:,} Monte Carlo samples ({result.sampler}), {result.slices} slices; "
                         f"seed {result.seed}; KS distance between the conditional and the unconditional output",
                   header=["median KS", "mean", "max", "above noise"],
                   after=lambda ind: [f"noise level (95% KS critical value, one slice vs the whole sample): "
                                      f"{ind.null_level:.3f}"])


def format_sensitivity(run, *, top: int = 15) -> str:
    """The tables of one :class:`~wotsim.analysis.pipeline.SensitivityRun` (``wotsim sensitivity``)."""
    if run.result is not None:
        return {"sobol": format_sobol, "morris": format_morris, "pawn": format_pawn}[run.method](run.result, top=top)
    return {"oneway": format_oneway, "decision": format_decision}[run.method](list(run.records.values()), top=top)


def _input(x: float | None) -> str:
    """A parameter's value in a table (:func:`~wotsim.formatting.number`); ``-`` if unknown."""
    return "-" if x is None or x != x else number(x, compact=True)


def format_oneway(results, *, top: int = 15) -> str:
    """Tornado tables with switching values (``wotsim sensitivity --method oneway``)."""
    lines = []
    for r in results:
        lines.append(f"One-way sensitivity of {r.output}: base {value(r.base, r.measure)}; each parameter at its "
                     f"p{r.low_percentile:g} and p{r.high_percentile:g}, all others at base; "
                     + (f"threshold {r.threshold:g}" if r.threshold == r.threshold else "no threshold (an amount)"))
        header = ["rank", "parameter", f"at p{r.low_percentile:g}", "output", f"at p{r.high_percentile:g}", "output",
                  "swing", "switching value", "its percentile"]
        rows = []
        for rank, (bar, sw) in enumerate(zip(r.bars[:top], r.switching[:top]), start=1):
            rows.append([str(rank), bar.label, _input(bar.low_input), value(bar.low_output, r.measure),
                         _input(bar.high_input), value(bar.high_output, r.measure), value(bar.swing, r.measure),
                         _input(sw.value) if sw.value is not None else (sw.note or "none"),
                         "-" if sw.percentile is None else f"{sw.percentile:.1f}"])
        lines.append(table(rows, header, "rlrrrrrrr"))
        lines += _more(len(r.bars) - min(top, len(r.bars)), "parameters with smaller swings")
        lines.append("")
    lines.append("switching value: the parameter value at which the base-case output crosses its threshold "
                 "(ratio 1, NPV 0), all others at base.")
    return "\n".join(lines).rstrip() + "\n"


def format_decision(results, *, top: int = 15) -> str:
    """Decision drivers tables (``wotsim sensitivity --method decision``)."""
    lines = []
    for d in results:
        lines.append(f"Decision drivers of {d.output}: P(> {d.threshold:g}) = {probability(d.p_above, d.p_above_se)} "
                     f"over {d.n:,} draws")
        header = ["rank", "parameter", "S1 of 1[>thr] ± se", f"P(>thr) by parameter {d.bins}-quantile bin, low to high"]
        rows = []
        for rank in range(min(top, len(d.parameters))):
            bins = " ".join("  -  " if p != p else f"{p:.3f}" for p in d.p_by_bin[rank])
            rows.append([str(rank + 1), d.parameters[rank], probability(d.first_order[rank], d.first_order_se[rank]), bins])
        lines.append(table(rows, header, "rlrl"))
        lines += _more(len(d.parameters) - min(top, len(d.parameters)), "parameters")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- scenarios
def format_comparison(comparison: Comparison, outputs: Sequence[str] | None = None) -> str:
    """Plain-text tables: one per output, one row per scenario (``wotsim compare`` prints this).

    Rounded to what is known: probabilities as percentages (:func:`~wotsim.formatting.share_pm`: ``57.4% ±
    0.4%``, ``> 99.9%``, never ``100% ± 0.0%``), the mean paired difference with its standard error to one
    significant figure and the estimate to the same decimal place (:func:`~wotsim.formatting.plus_minus`:
    ``-0.03807 ± 0.00010``).  The files ``wotsim compare`` writes keep full precision."""
    from ..results import mcse

    cfg = comparison.base.config
    lines = [cfg.study.name,
             f"{comparison.n:,} samples ({comparison.sampler}), seed {comparison.seed}; "
             f"{'common random numbers (paired differences)' if comparison.paired else 'independent designs'}; "
             f"amounts in {cfg.study.currency}{per_unit(cfg)} (present value)", ""]
    lines.append("Scenarios")
    for r in comparison.runs:
        lines.append(f"  {r.id:<22} {r.label}")
    for name in outputs or comparison.outputs:
        base_summary = comparison.runs[0].outcomes[name].summary
        measure = base_summary.measure
        thr = "P(>1)" if measure == "ratio" else "P(>0)"
        lines += ["", f"{base_summary.label} ({name})"]
        header = ["scenario", "base", "mean", "median", "90% interval", thr,
                  "diff base", "diff mean", "diff 90% interval", "P(better)"]
        rows = []
        for r in comparison.runs:
            o = r.outcomes[name]
            s, d = o.summary, o.difference
            prob = "" if measure == "amount" else share_pm(s.p_above, s.p_above_se)
            row = [r.id, value(s.base, measure), value(s.mean, measure), value(s.median, measure),
                   f"{value(o.interval[0], measure)} to {value(o.interval[1], measure)}", prob]
            if d is None:
                row += ["", "", "", ""]
            else:
                same = d.p_better == 0.0 and d.p_worse == 0.0
                row += [signed(d.base_case, measure),
                        plus_minus(d.mean, d.mean_se, measure=measure, signed=True, minus="-"),
                        f"{signed(d.low, measure)} to {signed(d.high, measure)}",
                        "identical" if same else share_pm(d.p_better, d.p_better_se)]
            rows.append(row)
        lines.append(table(rows, header, "lrrrrrrrrr"))
    lines += ["", "diff = scenario minus base, draw by draw" + (" (common random numbers)" if comparison.paired else
                                                               " (independent draws: not paired)")
              + "; P(better) = P(scenario > base); ± Monte Carlo standard error",
              f"({mcse.describe(comparison.sampler, comparison.base.replicates)})."]
    return "\n".join(lines)


def format_statements(comparison: Comparison, statements: Mapping[str, str], output: str, *,
                      markdown: bool = False) -> str:
    """The robustness statements about ``output`` (run id -> paragraph) under one heading; as Markdown
    (``statements.md``: a section per run, headed by its label) or as printed by ``wotsim compare``."""
    if markdown:
        return f"# Robustness statements ({output})\n\n" + "\n\n".join(
            f"## {comparison.run(k).label}\n\n{v}" for k, v in statements.items())
    return f"\nRobustness statements ({output})\n\n" + "\n\n".join(statements.values()) + "\n"


# --------------------------------------------------------------------------- value of information
def _basis_short(note: str) -> str:
    """The basis note, short: ``3-way products``, ``products up to 4-way``, ``not grown (13 > 12)``."""
    if note == "grown: three-way products":
        return "3-way products"
    if note.startswith("grown: products of up to "):
        return f"products up to {note.split()[5]}-way"
    if note.startswith("not grown: group of "):
        return f"not grown ({note.split('group of ')[1].split(' members')[0]})"
    return note


def _warnings(e: Evppi) -> list[str]:
    """The warnings of an estimate, in full."""
    return [w for w in (e.fit_warning, e.bias_warning, e.interaction_warning) if w]


def _note(e: Evppi) -> str:
    """The note column: not distinguishable from 0, basis, and a short mark per warning."""
    marks = [(not e.distinguishable, "~0"), (e.basis_note, _basis_short(e.basis_note)),
             (e.fit_warning, "R2 < a member's (!)"), (e.bias_warning, "biased up? (!)"),
             (e.interaction_warning, "low R2: interactions? (!)")]
    return "; ".join(mark for given, mark in marks if given)


def format_voi_run(result, vois: Sequence[VoiResult], *, output: str, skipped: Sequence[str] = (),
                   top: int = 10) -> str:
    """What ``wotsim voi`` prints: the run, the scenarios that get no value of information, then :func:`format_voi`.

    ``result`` is the base run (its config gives the study, currency and unit of analysis);
    ``skipped`` the ids of structural switches (modelling choices, not options to adopt).
    """
    cfg = result.config
    unit = unit_of_analysis(cfg)
    text = (f"{cfg.study.name}\n{result.n:,} samples ({result.sampler}), seed {result.seed}; "
            f"net benefit: {output}, {cfg.study.currency}{_per(unit)} (present value)\n\n")
    if skipped:
        text += (f"structural switches are modelling choices, not options to adopt; no value of information for: "
                 f"{', '.join(skipped)}\n\n")
    return text + format_voi(vois, top=top, unit=unit)


def format_voi(results: Sequence[VoiResult], *, top: int = 10, unit: str = "") -> str:
    """Plain-text tables: per decision the EVPI and the EVPPI ranking (``wotsim voi`` prints this).

    ``unit`` is what the amounts are per (:func:`unit_of_analysis` of the config, e.g. ``"per cohort"``);
    ``""`` adds no qualifier.
    """
    lines: list[str] = []
    methods: list[str] = []
    for r in results:
        cur = r.currency
        if r.se_method and r.se_method not in methods:
            methods.append(r.se_method)
        lines += [f"Decision: {r.description}",
                  f"  E[INB] = {amount(r.mean_inb, cur, whole=True)} ± {amount(r.mean_inb_se, whole=True)} "
                  f"-> choose {r.choice!r}; "
                  f"P(the other option is better) = {probability(r.p_wrong, r.p_wrong_se)}",
                  f"  EVPI = {amount(r.evpi, cur, whole=True)} ± {amount(r.evpi_se, whole=True)}{_per(unit)}"
                  + ("" if r.evpi > 0 else ": no draw favours the other option, so no information can change "
                                           "the choice (every EVPPI is 0)"), ""]
        for title, items in (("EVPPI per group", r.groups), (f"EVPPI per parameter (top {top})", r.parameters[:top])):
            if not items:
                continue
            rows = [[str(i + 1), e.name, *(amount(x, whole=True) for x in (e.value, e.se, e.floor)),
                     percent(e.value / r.evpi) if r.evpi > 0 else "n/a", f"{e.r2:.2f}", _note(e)]
                    for i, e in enumerate(items)]
            header = ["#", "group" if items[0].kind == "group" else "parameter", f"EVPPI ({cur})", "se", "floor",
                      "of EVPI", "R2", "note"]
            lines += [f"  {title}", table(rows, header, "rlrrrrrl", indent="  ")]
            lines += [f"  warning: {e.name}: {w}." for e in items for w in _warnings(e)]
            lines.append("")
    lines.append("EVPPI by cross-fitted regression (Strong, Oakley & Brennan 2014); R2 = out-of-sample share of "
                 "INB's variance the fit explains; floor = expected EVPPI of an input without information; "
                 "~0 = EVPPI <= floor + 2 se (not distinguishable from 0); 3-way products, products up to k-way = "
                 "group basis grown by products of 3, of up to k members (it fitted better); not grown (k > 12) = "
                 "group too large for three-way products; R2 < a member's = the group fit explains less than its "
                 "best member alone (group EVPPI probably underestimated); biased up? = the estimate may be biased "
                 "upward by up to about the larger of its floor and its estimated bias (that is > 10% of it, or "
                 "there are < 200 draws per regression column): more samples needed; low R2: interactions? = a "
                 "group ~0 with R2 < 0.05: its basis may miss interactions of more members.")
    lines += [f"± {m}." for m in methods]
    return "\n".join(lines)
