"""Command line: ``wotsim run | validate | plot | sensitivity ...``.

The only module that prints or catches user errors: a :class:`WotsimError`
becomes one line on stderr and exit code 2, with no traceback.  ``wotsim`` with
no arguments prints its usage and the commands on stderr and exits 2.  Count
flags read 100000, 1e5, 2^17, 1_000_000 or 100,000 (:func:`wotsim.limits.parse_count`),
and every size is checked against :mod:`wotsim.limits` before the first sample.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, TextIO

from .formatting import money, value
from ._names import SAMPLERS
from .errors import WotsimError, WotsimWarning
from .limits import (CountError, check_analyses, check_comparison, check_morris, check_pawn, check_resamples,
                     check_simulation, check_sobol, parse_count)

if TYPE_CHECKING:
    from .config.loading import Config

# Building the parser and reporting an argument error import nothing heavy (no config, model, scipy, SALib
# or matplotlib: tests/test_fast_start.py): each command imports what it needs when it runs.

__all__ = ["main"]


class _Progress:
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


def _table(rows: list[list[str]], header: list[str], align: str) -> str:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = []
        for cell, w, a in zip(cells, widths, align):
            out.append(cell.ljust(w) if a == "l" else cell.rjust(w))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep] + [line(r) for r in rows])


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
    names = list(cfg.outputs) + ["npv", "benefits", "costs"]
    for name in names:
        s = summ[name]
        lo, hi = s.interval(90) if "p5" in s.percentiles and "p95" in s.percentiles else (float("nan"),) * 2
        if s.measure == "amount":
            prob = ""
        else:
            prob = f"{s.p_above:.3f} ± {s.p_above_se:.3f}"
        rows.append([s.label, value(s.base, s.measure), value(s.mean, s.measure),
                     value(s.median, s.measure), f"{value(lo, s.measure)} to {value(hi, s.measure)}", prob])
    lines.append(_table(rows, header, "lrrrrr"))
    ratios = [summ[n] for n in cfg.outputs if summ[n].measure == "ratio"]
    if ratios:
        lines.append("")
        lines.append("ratio of means E[B]/E[C]: " + ", ".join(f"{s.name} {s.ratio_of_means:.3f}" for s in ratios))
    lines += ["", f"Net value per stakeholder ({currency}, present value)"]
    rows = []
    for sid, label in cfg.stakeholders.items():
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90) if "p5" in s.percentiles and "p95" in s.percentiles else (float("nan"),) * 2
        rows.append([label, money(s.base), money(s.mean), f"{money(lo)} to {money(hi)}",
                     f"{s.p_above:.3f}"])
    lines.append(_table(rows, ["stakeholder", "base", "mean", "90% interval", "P(>0)"], "lrrrr"))
    undefined = {n: s.n_undefined for n, s in summ.items() if s.n_undefined}
    if undefined:
        lines.append("")
        lines.append("warning: undefined draws (ratios with costs <= 0, NaN or infinite values) excluded: "
                     + ", ".join(f"{k} {v}" for k, v in undefined.items()))
    lines.append("")
    lines.append(f"P(...) ± Monte Carlo standard error, {result.se_method}.")
    return "\n".join(lines)


def _cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .config.loading import load_config
    from .model import check_base_case, draw_warnings
    from .simulate import simulate

    config = load_config(args.config)
    check_base_case(config)  # an output undefined at base: one line, exit 2, before any sampling
    check_simulation(config, samples=args.samples, sampler=args.sampler, chunk_size=args.chunk_size, what="--samples")
    progress = _Progress("simulating", err, enabled=args.progress)
    result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                      chunk_size=args.chunk_size, progress=progress)
    out.write(format_run(result) + "\n")
    out.flush()
    # what changes these numbers: a repaired correlation matrix, draws where a ratio's costs are <= 0
    _warn(err, list(config.notes) + draw_warnings(config, result.item_pv))
    if args.out is not None:
        try:
            result.save(args.out)
        except OSError as exc:
            raise WotsimError(f"--out {args.out}: cannot write the results directory: {exc.strerror or exc}") from None
        out.write(f"\nresults written to {args.out}\n")
    return 0


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


def _warn(err: TextIO, warnings) -> None:
    for w in warnings:
        err.write(f"wotsim: warning: {one_line(w)}\n")


def _cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every check first (config, base case, draws, targets, overlays); the verdict last, "valid" only if all pass.

    Every scenario's config gets the base config's checks: outputs defined at base and every
    persistence within [0, 1] over the parameters' support (errors, naming the scenario's
    file), and the warnings about the parameters' ranges (costs that can go negative,
    values that can be NaN or infinite) that the base config does not already give.
    """
    from .config.loading import check_draw_support, config_warnings, load_config, support_warnings
    from .model import check_base_case
    from .analysis.scenarios import find_scenarios
    from .simulate import base_case

    config = load_config(args.config)
    check_base_case(config)
    check_draw_support(config)  # a persistence its parameters' support takes out of [0, 1]: every run refuses it
    base = base_case(config)
    scenarios = find_scenarios(config)  # overlays are validated like any config (errors exit 2)
    for sc in scenarios:
        check_base_case(sc.config)
        check_draw_support(sc.config)
    rows, failed = [], []
    for name, o in config.outputs.items():
        got = base.outputs[name]
        if o.target is None:
            rows.append(f"  {name:<24} base {got:.4f}  (no target)")
            continue
        ok = abs(got - o.target) <= o.tolerance
        rows.append(f"  {name:<24} base {got:.4f}  target {o.target:g} ± {o.tolerance:g}  {'ok' if ok else 'MISMATCH'}")
        if not ok:
            failed.append(f"outputs.{name}: base case {got:.4f} misses target {o.target:g} by more than {o.tolerance:g}")
    warnings = config_warnings(config)
    said = {(w.key, w.message) for w in warnings}
    for sc in scenarios:  # what a scenario's ranges add (its warnings name its file)
        warnings += [w for w in support_warnings(sc.config) if (w.key, w.message) not in said]
    _warn(err, warnings)
    if failed:
        out.write(f"{args.config}: base case against the targets\n" + "\n".join(rows) + "\n")
        raise WotsimError(f"{args.config}: " + "; ".join(failed))  # one line, exit 2
    n_unc = len(config.uncertain)
    out.write(f"{args.config}: valid ({len(config.parameters)} parameters, {n_unc} uncertain; "
              f"{len(config.items)} items; {len(config.outputs)} outputs)\n" + "".join(r + "\n" for r in rows))
    if scenarios:
        out.write(f"  scenarios: {len(scenarios)} valid ({', '.join(sc.id for sc in scenarios)})\n")
    return 0


#: The file that marks a directory of figures written by ``wotsim plot``.
FIGURES_MARK = ".wotsim-figures"


def _cmd_plot(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import os

    from .plots.distributions import figure_dir, save_figure, sensitivity_figures, simulation_figures

    results = Path(args.results)
    out_dir = args.out if args.out is not None else results / "figures"
    if (results / "sensitivity.json").is_file():  # a `wotsim sensitivity --out` directory
        from .results.simulation import read_json
        from .analysis.sobol import SobolResult, load_sensitivity

        method = read_json(results / "sensitivity.json", "sensitivity results").get("method")
        if method in ("morris", "pawn", "oneway", "decision"):
            raise WotsimError(f"{results}: wotsim plot draws Sobol' results; this directory holds {method} "
                              "results (printed tables and JSON only)")
        sens = load_sensitivity(results)  # every name a figure's file takes is checked here
        if not isinstance(sens, SobolResult):
            raise WotsimError(f"{results}: wotsim plot draws Sobol' results; this directory holds {sens.method} "
                              "results (printed tables and JSON only)")
        figures = sensitivity_figures(sobol_result=sens)
    else:
        from .results.simulation import load_results

        figures = simulation_figures(load_results(results))
    if (out_dir.is_dir() and not out_dir.is_symlink() and any(out_dir.iterdir())
            and not (out_dir / FIGURES_MARK).is_file()):
        raise WotsimError(f"{out_dir}: exists and holds files wotsim plot did not write (no {FIGURES_MARK}); "
                          "refusing to overwrite them (choose a new or empty directory for --out)")
    try:
        fd = figure_dir(out_dir)  # refuses a symbolic link before any figure is drawn
        try:  # mark the directory as wotsim's figures, so that a later plot may overwrite them
            os.close(os.open(FIGURES_MARK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=fd))
        finally:
            os.close(fd)
        names = []
        for name, fig in figures:
            save_figure(fig, out_dir / name)
            names.append(name)
    except OSError as exc:
        raise WotsimError(f"--out {out_dir}: cannot write figures: {exc.strerror or exc}") from None
    out.write(f"{len(names)} figures (png and svg) written to {out_dir}\n")
    return 0


def _cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .config.loading import load_config
    from .model import check_base_case
    from .report.page import run_analyses, write_report
    from .analysis.scenarios import find_scenarios

    config = load_config(args.config)
    check_base_case(config)  # an output undefined at base: one line, exit 2, before any sampling
    from .results.simulation import check_replaceable

    check_replaceable(args.out)  # refuse a foreign --out before minutes of analyses, not after
    names = _scenario_names(args.scenarios)
    # every size, and the scenarios, before the first sample (the Monte Carlo comes before the Sobol' design)
    found = () if args.no_scenarios else find_scenarios(config, names)
    check_analyses(config, samples=args.samples, sobol_samples=args.sobol_samples, scenarios=found,
                   samples_name="--samples", sobol_name="--sobol-samples")
    started = time.perf_counter()

    def progress(text: str) -> None:
        err.write(f"[{time.perf_counter() - started:5.1f}s] {text}\n")
        err.flush()

    analyses = run_analyses(config, samples=args.samples, sobol_samples=args.sobol_samples, seed=args.seed,
                            scenarios=names, with_scenarios=not args.no_scenarios, progress=progress)
    progress("writing the report and figures")
    try:
        path = write_report(analyses, args.out)
    except OSError as exc:
        raise WotsimError(f"--out {args.out}: cannot write the report: {exc.strerror or exc}") from None
    out.write(f"report written to {path} (figures in {Path(args.out) / 'figures'})\n")
    return 0


# --------------------------------------------------------------------------- sensitivity
#: Choices of ``wotsim sensitivity --groups`` (equal to wotsim.sensitivity.GROUPINGS; kept here so that
#: building the parser does not import SALib).
_GROUPINGS = ("group", "item", "stakeholder", "correlated")
_SENS_METHODS = ("sobol", "morris", "pawn", "oneway", "decision")
#: Monte Carlo samples of PAWN when --samples is not given.
_PAWN_SAMPLES = 2**15


def _ci(x: float, c: float) -> str:
    return f"{x:6.3f} ± {c:.3f}"


def _more(hidden: int, what: str) -> list[str]:
    return [f"({hidden} more {what}; --top to show them)"] if hidden > 0 else []


def format_sobol(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method sobol``."""
    plan = result.plan
    grouped = plan.groups is not None
    lines = []
    for name, ind in result.indices.items():
        cfg_out = name
        lines.append(f"Sobol' indices of {cfg_out}" + (f", grouped by {plan.grouping}" if grouped else ""))
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
            row = [str(rank), f] + ([str(len(result.members[f]))] if grouped else []) + [
                _ci(ind.ST[k], ind.ST_conf[k]), _ci(ind.S1[k], ind.S1_conf[k]), curve,
                ind.verdicts[k] + (f" ({ind.convergence.reasons[k]})" if ind.convergence.reasons[k] else "")]
            rows.append(row)
        lines.append(_table(rows, header, "rl" + ("r" if grouped else "") + "rrrl"))
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


def format_morris(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method morris``."""
    grouped = result.groups is not None
    lines = []
    for name, ind in result.indices.items():
        lines.append(f"Morris screening of {name}" + (f", grouped by {result.grouping}" if grouped else ""))
        lines.append(f"{result.trajectories} trajectories, {result.levels} levels, {result.rows:,} model runs; "
                     f"seed {result.seed}; elementary effects in output units per unit design step")
        header = ["rank", "group" if grouped else "parameter", "mu* (95% CI)", "sigma", "mu", "sigma/mu*"]
        rows = []
        for rank, k in enumerate(ind.order[:top], start=1):
            ratio = ind.sigma[k] / ind.mu_star[k] if ind.mu_star[k] > 0 else float("nan")
            known = ind.sigma[k] == ind.sigma[k]  # SALib gives no sigma for groups of several parameters
            rows.append([str(rank), ind.factors[k], f"{ind.mu_star[k]:.4g} ± {ind.mu_star_conf[k]:.2g}",
                         f"{ind.sigma[k]:.4g}" if known else "-", f"{ind.mu[k]:.4g}" if ind.mu[k] == ind.mu[k] else "-",
                         f"{ratio:.2f}" if ratio == ratio else "-"])
        lines.append(_table(rows, header, "rlrrrr"))
        lines += _more(len(ind.factors) - min(top, len(ind.factors)), "factors")
        lines.append("")
    lines.append("sigma/mu* near 0: linear, additive effect; large: non-linear or interacting. "
                 "'-': not defined (SALib gives no sigma for a group of several parameters).")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines).rstrip() + "\n"


def format_pawn(result, *, top: int = 15) -> str:
    """The ranked tables printed by ``wotsim sensitivity --method pawn``."""
    grouped = result.groups is not None
    lines = []
    for name, ind in result.indices.items():
        lines.append(f"PAWN indices of {name}" + (f", grouped by {result.grouping}" if grouped else ""))
        lines.append(f"{result.samples:,} Monte Carlo samples ({result.sampler}), {result.slices} slices; "
                     f"seed {result.seed}; KS distance between the conditional and the unconditional output")
        header = ["rank", "group" if grouped else "parameter", "median KS", "mean", "max", "above noise"]
        rows = []
        for rank, k in enumerate(ind.order[:top], start=1):
            rows.append([str(rank), ind.factors[k], f"{ind.median[k]:.3f}", f"{ind.mean[k]:.3f}",
                         f"{ind.maximum[k]:.3f}", "yes" if ind.median[k] > ind.null_level else "no"])
        lines.append(_table(rows, header, "rlrrrl"))
        lines += _more(len(ind.factors) - min(top, len(ind.factors)), "factors")
        lines.append(f"noise level (95% KS critical value, one slice vs the whole sample): {ind.null_level:.3f}")
        lines.append("")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines).rstrip() + "\n"


def _fmt_value(x: float | None) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:.4g}" if abs(x) < 1e4 else money(x)


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
            rows.append([str(rank), bar.label, _fmt_value(bar.low_input), value(bar.low_output, r.measure),
                         _fmt_value(bar.high_input), value(bar.high_output, r.measure), value(bar.swing, r.measure),
                         _fmt_value(sw.value) if sw.value is not None else (sw.note or "none"),
                         "-" if sw.percentile is None else f"{sw.percentile:.1f}"])
        lines.append(_table(rows, header, "rlrrrrrrr"))
        lines += _more(len(r.bars) - min(top, len(r.bars)), "parameters with smaller swings")
        lines.append("")
    lines.append("switching value: the parameter value at which the base-case output crosses its threshold "
                 "(ratio 1, NPV 0), all others at base.")
    return "\n".join(lines).rstrip() + "\n"


def format_decision(results, *, top: int = 15) -> str:
    """Decision drivers tables (``wotsim sensitivity --method decision``)."""
    lines = []
    for d in results:
        lines.append(f"Decision drivers of {d.output}: P(> {d.threshold:g}) = {d.p_above:.3f} ± {d.p_above_se:.3f} "
                     f"over {d.n:,} draws")
        header = ["rank", "parameter", "S1 of 1[>thr] ± se", f"P(>thr) by parameter {d.bins}-quantile bin, low to high"]
        rows = []
        for rank in range(min(top, len(d.parameters))):
            bins = " ".join("  -  " if p != p else f"{p:.3f}" for p in d.p_by_bin[rank])
            rows.append([str(rank + 1), d.parameters[rank], f"{d.first_order[rank]:.3f} ± {d.first_order_se[rank]:.3f}",
                         bins])
        lines.append(_table(rows, header, "rlrl"))
        lines += _more(len(d.parameters) - min(top, len(d.parameters)), "parameters")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cmd_sensitivity(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .analysis import sobol as sens
    from .config.loading import load_config

    config = load_config(args.config)
    outputs = tuple(args.output) if args.output else sens.default_outputs(config)
    progress = _Progress("evaluating", err, enabled=args.progress)
    method = args.method
    sobol_only = [flag for flag, given in (("--second-order", args.second_order),
                                           ("--resamples", args.resamples is not None),
                                           ("--engine", args.engine is not None)) if given]
    if method != "sobol" and sobol_only:
        verb = "applies" if len(sobol_only) == 1 else "apply"
        raise WotsimError(f"{', '.join(sobol_only)} {verb} to --method sobol only, not to {method}")
    if method in ("oneway", "decision") and args.groups is not None:
        raise WotsimError(f"--groups applies to sobol, morris and pawn, not to {method}")
    _check_sensitivity_sizes(sens, config, args, outputs)
    if method == "sobol":
        result = sens.sobol_indices(config, outputs=outputs, samples=args.samples, seed=args.seed,
                                    groups=args.groups, second_order=args.second_order,
                                    resamples=args.resamples or 100, engine=args.engine or "fast",
                                    progress=progress)
        text = format_sobol(result, top=args.top)
    elif method == "morris":
        result = sens.morris_screening(config, outputs=outputs, trajectories=args.samples or 100, seed=args.seed,
                                       groups=args.groups)
        text = format_morris(result, top=args.top)
    elif method == "pawn":
        result = sens.pawn_indices(config, outputs=outputs, samples=args.samples or _PAWN_SAMPLES, seed=args.seed,
                                   groups=args.groups)
        text = format_pawn(result, top=args.top)
    else:
        from .results.simulation import manifest

        if method == "oneway":
            from .analysis.oneway import one_way

            records = {name: one_way(config, output=name) for name in outputs}
            text = format_oneway(list(records.values()), top=args.top)
            run = manifest(config, method="oneway", outputs=list(outputs))
        else:
            from .analysis.drivers import decision_drivers
            from .simulate import simulate

            sim = simulate(config, samples=args.samples, seed=args.seed, progress=progress)
            records = {name: decision_drivers(sim, output=name) for name in outputs}
            text = format_decision(list(records.values()), top=args.top)
            run = dict(sim.manifest, method="decision", outputs=list(outputs))
        out.write(text)
        if args.out is not None:
            _write_out(args.out, lambda: sens.save_records(args.out, method, records, run))
            out.write(f"\nresults written to {args.out}\n")
        return 0
    out.write(text)
    if args.out is not None:
        _write_out(args.out, lambda: result.save(args.out))
        out.write(f"\nresults written to {args.out}\n")
    return 0


def _check_sensitivity_sizes(sens, config: Config, args: argparse.Namespace, outputs: tuple[str, ...]) -> None:
    """Every size of ``wotsim sensitivity`` against its ceiling and the memory, before the first sample."""
    factors = None
    if args.groups is not None:  # the design has a row per factor: count them as the plan will
        mapping = sens.parameter_groups(config, args.groups)
        factors = len({mapping[p] for p in config.uncertain})
    if args.method == "sobol":
        n = args.samples or sens.DEFAULT_SOBOL_SAMPLES
        check_resamples(args.resamples, what="--resamples")
        check_sobol(config, samples=n, factors=factors, second_order=args.second_order, outputs=len(outputs),
                    what="--samples")
        sens.check_sobol_samples(n, what="--samples (Sobol' base samples N)")
    elif args.method == "morris":
        check_morris(config, trajectories=args.samples or 100, factors=factors, outputs=len(outputs),
                     what="--samples")
    elif args.method == "pawn":
        check_pawn(config, samples=args.samples or _PAWN_SAMPLES, what="--samples")
    elif args.method == "decision":
        check_simulation(config, samples=args.samples, what="--samples")


def _write_out(path: Path, write) -> None:
    try:
        write()
    except OSError as exc:
        raise WotsimError(f"--out {path}: cannot write the results directory: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- scenarios and value of information
def _scenario_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names:
        raise WotsimError(f"--scenarios must name at least one scenario (comma separated), got {text!r}")
    return names


def _compare_progress(err: TextIO, enabled: bool, ids: list[str]):
    bar = _Progress("simulating", err, enabled=enabled)
    return lambda label, done, total: bar(ids.index(label) * total + done, len(ids) * total)


def _cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .config.loading import load_config
    from .model import check_base_case, draw_warnings, output_measure
    from .analysis.scenarios import compare, find_scenarios, format_comparison

    config = load_config(args.config)
    check_base_case(config)  # an output undefined at base: one line, exit 2, before any sampling
    scenarios = find_scenarios(config, _scenario_names(args.scenarios))
    if not scenarios:
        raise WotsimError(f"{args.config}: no scenarios found (no [scenarios] tables and no "
                          f"{Path(args.config).parent / 'scenarios'}/*.toml); name them with --scenarios")
    check_comparison(config, scenarios, samples=args.samples, sampler=args.sampler, chunk_size=args.chunk_size,
                     what="--samples")
    outputs = tuple(args.output) if args.output else None
    compared = outputs or tuple(config.outputs) + ("npv",)
    if args.statements and args.statement_output is not None:
        if args.statement_output not in compared:
            raise WotsimError(f"--statement-output {args.statement_output!r} is not compared; compared outputs: "
                              f"{', '.join(compared)}")
        if output_measure(config, args.statement_output) == "amount":
            raise WotsimError(f"--statement-output {args.statement_output!r} is an amount; statements are about a "
                              "ratio or an NPV")
    progress = _compare_progress(err, args.progress, ["base"] + [s.id for s in scenarios])
    comparison = compare(config, scenarios, outputs=outputs, samples=args.samples, seed=args.seed,
                         sampler=args.sampler, chunk_size=args.chunk_size, paired=not args.independent,
                         progress=progress)
    out.write(format_comparison(comparison) + "\n")
    # what changes these numbers, as run says: a repaired correlation matrix, draws where a ratio's costs are <= 0;
    # for the base analysis and every scenario (a scenario's warnings name its file); printed once all went well
    # (a refused --out stays one line)
    notes = list(config.notes)
    warnings = notes + draw_warnings(config, comparison.base.item_pv, outputs=comparison.outputs)
    for run in comparison.scenarios:
        warnings += [w for w in run.config.notes if w.message not in {n.message for n in notes}]
        warnings += draw_warnings(run.config, run.item_pv, outputs=comparison.outputs)
    texts = {}
    if args.statements:
        from .report.statement import comparison_statements

        measures = {o: comparison.runs[0].outcomes[o].summary.measure for o in comparison.outputs}
        target = args.statement_output or next((o for o in comparison.outputs if measures[o] == "ratio"),
                                               next((o for o in comparison.outputs if measures[o] == "npv"), None))
        if target is None:
            out.write("\nno robustness statements: every compared output is an amount (compare a ratio or an NPV)\n")
        else:
            vois = None
            if args.voi and comparison.paired:
                from .analysis.scenarios import is_decision
                from .report.statement import net_benefit_for
                from .analysis.voi import adoption_voi, keep_voi

                # the net benefit of the statement's own perspective (e.g. a municipal ratio -> net:municipality)
                net = net_benefit_for(config, target)
                vois = {"base": keep_voi(comparison.base, output=net)}  # groups for the base decision only (time)
                for run in comparison.scenarios:
                    if is_decision(run.scenario):  # structural switches are modelling choices, not options
                        vois[run.id] = adoption_voi(comparison, run.id, output=net, groups=False)
            statements = comparison_statements(comparison, output=target, vois=vois)
            text = "\n\n".join(statements.values())
            out.write(f"\nRobustness statements ({target})\n\n{text}\n")
            texts["statements.md"] = f"# Robustness statements ({target})\n\n" + "\n\n".join(
                f"## {comparison.run(k).label}\n\n{v}" for k, v in statements.items())
    if args.out is not None:
        try:
            comparison.save(args.out, texts=texts)
        except OSError as exc:
            raise WotsimError(f"--out {args.out}: cannot write the results directory: {exc.strerror or exc}") from None
        out.write(f"\nresults written to {args.out}\n")
    out.flush()
    _warn(err, warnings)
    return 0


def _cmd_voi(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .config.loading import load_config
    from .model import check_base_case
    from .analysis.voi import adoption_voi, format_voi, keep_voi, save_voi

    config = load_config(args.config)
    check_base_case(config)  # an output undefined at base: one line, exit 2, before any sampling
    check_simulation(config, samples=args.samples, sampler=args.sampler, what="--samples")  # scenarios: compare's own
    names = _scenario_names(args.scenarios)
    if names is not None:
        from .analysis.scenarios import compare, find_scenarios

        scenarios = find_scenarios(config, None if names == ["all"] else names)
        progress = _compare_progress(err, args.progress, ["base"] + [s.id for s in scenarios])
        comparison = compare(config, scenarios, outputs=(args.output,) if args.output != "npv" else ("npv",),
                             samples=args.samples, seed=args.seed, sampler=args.sampler, progress=progress)
        result = comparison.base
    else:
        from .simulate import simulate

        scenarios = ()
        result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                          progress=_Progress("simulating", err, enabled=args.progress))
    from .analysis.scenarios import is_decision

    results = [keep_voi(result, output=args.output, groups=args.groups)]
    skipped = [sc.id for sc in scenarios if not is_decision(sc)]
    for sc in scenarios:
        if is_decision(sc):
            results.append(adoption_voi(comparison, sc.id, output=args.output, groups=args.groups))
    out.write(f"{config.study.name}\n{result.n:,} samples ({result.sampler}), seed {result.seed}; "
              f"net benefit: {args.output}, {config.study.currency} per cohort (present value)\n\n")
    if skipped:
        out.write(f"structural switches are modelling choices, not options to adopt; no value of information for: "
                  f"{', '.join(skipped)}\n\n")
    out.write(format_voi(results, top=args.top) + "\n")
    if args.out is not None:
        man = dict(result.manifest, analysis="voi", output=args.output,
                   scenarios=[{"id": s.id, "file": s.file, "config_sha256": s.config.sha256} for s in scenarios])
        try:
            save_voi(args.out, results, man)
        except OSError as exc:
            raise WotsimError(f"--out {args.out}: cannot write the results directory: {exc.strerror or exc}") from None
        out.write(f"\nresults written to {args.out}\n")
    return 0


def _count(text: str, minimum: int) -> int:
    """A count as people write it (100000, 1e5, 2^17, 1_000_000, 100,000; see wotsim.limits.parse_count)."""
    try:
        return parse_count(text, minimum=minimum)
    except CountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    return _count(text, 1)


def _seed(text: str) -> int:
    return _count(text, 0)


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line message (its default, kept explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wotsim", description="Uncertainty and sensitivity analysis of social cost-benefit ratios.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"wotsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="Monte Carlo simulation of a config; prints a table and writes results")
    run.add_argument("config", help="TOML config file")
    run.add_argument("--samples", type=_positive_int, help="number of samples (default: [simulation].samples)")
    run.add_argument("--seed", type=_seed, help="root seed (default: [simulation].seed)")
    run.add_argument("--sampler", choices=SAMPLERS, help="design: mc, lhs or sobol (default: [simulation].sampler)")
    run.add_argument("--chunk-size", type=_positive_int, help="samples evaluated at once (memory bound; results do not depend on it)")
    run.add_argument("--out", type=Path, help="results directory to write (npz arrays, summary.json, manifest.json)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (default: when stderr is a terminal)")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check a config and that every output with a target reproduces it at base")
    val.add_argument("config", help="TOML config file")
    val.set_defaults(func=_cmd_validate)

    plot = sub.add_parser("plot", help="draw the figures of a results directory (png and svg) without rerunning")
    plot.add_argument("results", type=Path,
                      help="results directory written by 'wotsim run --out' or 'wotsim sensitivity --out' (Sobol')")
    plot.add_argument("--out", type=Path, help="directory for the figures (default: RESULTS/figures)")
    plot.set_defaults(func=_cmd_plot)

    sens = sub.add_parser("sensitivity", help="which parameters drive an output: Sobol', Morris, PAWN, "
                          "one-way tornado with switching values, or decision drivers")
    sens.add_argument("config", help="TOML config file")
    sens.add_argument("--method", choices=_SENS_METHODS, default="sobol",
                      help="sobol (variance-based, default), morris (screening), pawn (moment-independent, honours "
                           "correlations), oneway (tornado and switching values), decision (drivers of P(ratio > 1))")
    sens.add_argument("--output", action="append", metavar="NAME",
                      help="output to analyse; repeat for several (default: the config's outputs and npv). "
                           "Any config output, npv, benefits, costs or net:<stakeholder>")
    sens.add_argument("--samples", type=_positive_int,
                      help="sobol: base samples N, a power of 2 (default 16384; N*(D+2) model runs); morris: "
                           f"trajectories (default 100); pawn: Monte Carlo samples (default {_PAWN_SAMPLES}); "
                           "decision: Monte Carlo samples (default [simulation].samples)")
    sens.add_argument("--seed", type=_seed, help="root seed (default: [simulation].seed)")
    sens.add_argument("--groups", choices=_GROUPINGS,
                      help="grouped indices: by the parameters' group, by item, by stakeholder, or correlated "
                           "blocks (parameters read by several items/stakeholders form 'shared')")
    sens.add_argument("--second-order", action="store_true", help="sobol: second-order indices too")
    sens.add_argument("--resamples", type=_positive_int,
                      help="sobol: accepted for compatibility and not used (the CIs come from a jackknife over "
                           "the design's independent randomisations, not from a bootstrap)")
    sens.add_argument("--engine", choices=("fast", "salib"),
                      help="sobol analysis: SALib's analyze.sobol on the design and on each jackknife subset, or "
                           "'fast', the same estimators bit for bit in numpy (default)")
    sens.add_argument("--top", type=_positive_int, default=15, help="rows per table (default 15)")
    sens.add_argument("--out", type=Path, help="results directory to write (sensitivity.json, arrays.npz, manifest.json)")
    sens.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="show a progress bar on stderr (default: when stderr is a terminal)")
    sens.set_defaults(func=_cmd_sensitivity)

    cmp = sub.add_parser("compare", help="run scenarios on common random numbers; paired differences from the base, "
                         "robustness statements")
    cmp.add_argument("config", help="TOML config file")
    cmp.add_argument("--scenarios", metavar="A,B,...",
                     help="scenario ids, overlay file stems or paths, comma separated (default: every [scenarios] "
                          "table and every CONFIG_DIR/scenarios/*.toml that applies to this config)")
    cmp.add_argument("--output", action="append", metavar="NAME",
                     help="output to compare; repeat for several (default: the config's outputs and npv)")
    cmp.add_argument("--samples", type=_positive_int, help="number of samples (default: [simulation].samples)")
    cmp.add_argument("--seed", type=_seed, help="root seed (default: [simulation].seed)")
    cmp.add_argument("--sampler", choices=SAMPLERS, help="design: mc, lhs or sobol (default: [simulation].sampler)")
    cmp.add_argument("--chunk-size", type=_positive_int, help="samples evaluated at once (results do not depend on it)")
    cmp.add_argument("--independent", action="store_true",
                     help="independent draws per scenario instead of common random numbers (to see what pairing buys)")
    cmp.add_argument("--statements", action=argparse.BooleanOptionalAction, default=True,
                     help="print a robustness statement per scenario (default: yes)")
    cmp.add_argument("--statement-output", metavar="NAME",
                     help="output the statements are about (default: the first ratio compared)")
    cmp.add_argument("--voi", action=argparse.BooleanOptionalAction, default=True,
                     help="include the value of information (EVPPI per parameter) in the statements (default: yes)")
    cmp.add_argument("--out", type=Path,
                     help="results directory to write (comparison.json, comparison.csv, statements.md, manifest.json)")
    cmp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (default: when stderr is a terminal)")
    cmp.set_defaults(func=_cmd_compare)

    voi = sub.add_parser("voi", help="value of information (EVPI, EVPPI per parameter and group) for keeping the "
                         "intervention, and for adopting scenarios instead of the base")
    voi.add_argument("config", help="TOML config file")
    voi.add_argument("--output", default="npv", metavar="NAME",
                     help="net benefit in money: npv (default), an NPV output or net:<stakeholder>")
    voi.add_argument("--scenarios", metavar="A,B,...|all",
                     help="also the decision to adopt each of these scenarios instead of the base ('all': every "
                          "scenario found)")
    voi.add_argument("--samples", type=_positive_int, help="number of samples (default: [simulation].samples)")
    voi.add_argument("--seed", type=_seed, help="root seed (default: [simulation].seed)")
    voi.add_argument("--sampler", choices=SAMPLERS, help="design: mc, lhs or sobol (default: [simulation].sampler)")
    voi.add_argument("--groups", action=argparse.BooleanOptionalAction, default=True,
                     help="EVPPI per parameter group too (default: yes)")
    voi.add_argument("--top", type=_positive_int, default=10, help="parameters listed per decision (default 10)")
    voi.add_argument("--out", type=Path, help="results directory to write (voi.json, evppi.csv, manifest.json)")
    voi.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (default: when stderr is a terminal)")
    voi.set_defaults(func=_cmd_voi)

    rep = sub.add_parser("report", help="run the analyses and write one self-contained HTML report with figures")
    rep.add_argument("config", help="TOML config file")
    rep.add_argument("--out", type=Path, required=True, help="report directory (report.html, figures/, manifest.json)")
    rep.add_argument("--samples", type=_positive_int, default=2**15,
                     help="Monte Carlo samples per scenario (default 32768)")
    rep.add_argument("--sobol-samples", type=_positive_int, default=2**13,
                     help="Sobol' base samples N, a power of 2 (default 8192)")
    rep.add_argument("--seed", type=_seed, help="root seed (default: [simulation].seed)")
    rep.add_argument("--scenarios", metavar="A,B,...",
                     help="scenario ids or overlay files (default: every scenario found for the config)")
    rep.add_argument("--no-scenarios", action="store_true", help="skip scenarios and their value of information")
    rep.set_defaults(func=_cmd_report)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """wotsim's own warnings as one line on stderr; others as Python shows them."""
    if issubclass(category, WotsimWarning):
        sys.stderr.write(f"wotsim: warning: {one_line(message)}\n")
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wotsim`` command; returns the exit code."""
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else list(argv)):  # no command: the usage and the commands, exit 2
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if getattr(args, "progress", False) is None:
        args.progress = sys.stderr.isatty()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", WotsimWarning)
            warnings.showwarning = _show_warning
            return args.func(args, sys.stdout, sys.stderr)
    except WotsimError as exc:
        sys.stderr.write(f"wotsim: error: {one_line(exc)}\n")
        return 2
    except MemoryError:
        sys.stderr.write("wotsim: error: not enough memory for this run; use fewer --samples "
                         "(stored results grow with the number of samples)\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("wotsim: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (``wotsim compare ... | head``): stop quietly, as a shell tool does;
        # point stdout at /dev/null so that Python's final flush does not raise again
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
