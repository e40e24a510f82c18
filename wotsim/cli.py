"""Command line: ``wotsim run | validate | plot | sensitivity | compare | voi | batch | discover | summary | report``.

Each command parses its arguments, runs the analyses (:mod:`wotsim.analysis.pipeline`),
prints their text (:mod:`wotsim.report.text`), writes its results directory and returns
the exit code.  The only module that prints or catches user errors: a :class:`WotsimError`
becomes one line on stderr and exit code 2, with no traceback.  ``wotsim`` with
no arguments prints its usage and the commands on stderr and exits 2.  Count
flags read 100000, 1e5, 2^17, 1_000_000 or 100,000 (:func:`wotsim.counts.parse_count`),
and every size is checked against :mod:`wotsim.limits` before the first sample.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Sequence, TextIO

from ._names import GROUPINGS
from .errors import WotsimError, WotsimWarning
from .analysis.pipeline import METHODS, MORRIS_TRAJECTORIES, PAWN_SAMPLES, check_analyses
from .report.text import (ProgressBar, format_comparison, format_run, format_sensitivity, format_statements,
                          format_studies, format_targets, one_line)
from .limits import check_comparison, check_simulation
from .commands.common import Parser as _Parser, add_shared as _shared, compare_progress as _compare_progress
from .commands.common import check_format as _check_format
from .commands.common import load as _load, positive_int as _positive_int, save as _save
from .commands.common import scenario_names as _scenario_names, warn as _warn, writing as _writing
from .commands.common import seed as _seed  # noqa: F401  (tests read the count parsers here)
from .commands import batch as _batch
from .commands import discover as _discover
from .commands import export_config as _export_config, import_workbook as _import_workbook
from .commands import summary as _summary
from .commands import voi as _voi


# Building the parser and reporting an argument error import nothing heavy (no config, model, scipy, SALib
# or matplotlib: tests/test_fast_start.py): each command imports what it needs when it runs.

__all__ = ["main"]


def _cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .model import draw_warnings
    from .simulate import simulate

    config = _load(args.config)
    check_simulation(config, samples=args.samples, sampler=args.sampler, chunk_size=args.chunk_size, what="--samples")
    _check_format(args, args.samples or config.simulation.samples)  # an xlsx too long for Excel: before sampling
    progress = ProgressBar("simulating", err, enabled=args.progress)
    with _batch.executor_for(args) as executor:
        result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                          chunk_size=args.chunk_size, progress=progress,
                          executor=None if executor.workers <= 1 and args.scheduler is None else executor)
    out.write(format_run(result) + "\n")
    out.flush()
    # what changes these numbers: a repaired correlation matrix, draws where a ratio's costs are <= 0
    _warn(err, list(config.notes) + draw_warnings(config, result.item_pv))
    _save(args.out, out, lambda path: result.save(path, format=args.format))
    return 0


def _cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every check first (config, base case, draws, targets, overlays); the verdict last, "valid" only if all pass
    (:func:`wotsim.analysis.pipeline.validate`)."""
    from .analysis.pipeline import validate
    from .config.loading import load_config

    config = load_config(args.config)
    checked = validate(config)
    rows, failed = format_targets(checked.targets)
    _warn(err, checked.warnings)
    if failed:
        out.write(f"{args.config}: base case against the targets\n" + "\n".join(rows) + "\n")
        raise WotsimError(f"{args.config}: " + "; ".join(failed))  # one line, exit 2
    out.write(f"{args.config}: valid ({len(config.parameters)} parameters, {len(config.uncertain)} uncertain; "
              f"{len(config.items)} items; {len(config.outputs)} outputs)\n" + "".join(r + "\n" for r in rows))
    out.write("".join(r + "\n" for r in format_studies(config)))
    if checked.scenarios:
        out.write(f"  scenarios: {len(checked.scenarios)} valid ({', '.join(sc.id for sc in checked.scenarios)})\n")
    return 0


#: The file that marks a directory of figures written by ``wotsim plot``.
FIGURES_MARK = ".wotsim-figures"


def _cmd_plot(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import os

    from .analysis.io import load_any
    from .plots import figure_dir, figures_for, save_figure

    results = Path(args.results)
    out_dir = args.out if args.out is not None else results / "figures"
    # any directory a wotsim command wrote: run, sensitivity (every method), compare, voi, discover; every name a
    # figure's file takes is checked by the loader
    figures = figures_for(load_any(results), lang=args.lang)
    if (out_dir.is_dir() and not out_dir.is_symlink() and any(out_dir.iterdir())
            and not (out_dir / FIGURES_MARK).is_file()):
        raise WotsimError(f"{out_dir}: exists and holds files wotsim plot did not write (no {FIGURES_MARK}); "
                          "refusing to overwrite them (choose a new or empty directory for --out)")
    with _writing(out_dir, "figures"):
        fd = figure_dir(out_dir)  # refuses a symbolic link before any figure is drawn
        try:  # mark the directory as wotsim's figures, so that a later plot may overwrite them
            os.close(os.open(FIGURES_MARK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=fd))
        finally:
            os.close(fd)
        names = []
        for name, fig in figures:
            save_figure(fig, out_dir / name)
            names.append(name)
    out.write(f"{len(names)} figure{'' if len(names) == 1 else 's'} (png and svg) written to {out_dir}\n")
    return 0


def _cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .analysis.pipeline import run_analyses
    from .report.page import write_report
    from .config.overlays import find_scenarios

    config = _load(args.config)
    from .results.io import check_replaceable

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
                            scenarios=names, with_scenarios=not args.no_scenarios,
                            discovery_resamples=args.resamples, progress=progress)
    progress("writing the report and figures")
    with _writing(args.out, "the report"):
        path = write_report(analyses, args.out, formats=args.figures, lang=args.lang)
    out.write(f"report written to {path} (figures in {Path(args.out) / 'figures'})\n")
    return 0


def _figure_formats(text: str) -> tuple[str, ...]:
    """``--figures png,svg``: the figure files a report writes, png and/or svg, each once."""
    formats = tuple(f.strip().lower() for f in text.split(","))
    if not formats or any(f not in ("png", "svg") for f in formats) or len(set(formats)) != len(formats):
        raise argparse.ArgumentTypeError(f"expected png, svg or png,svg, got {text!r}")
    return formats


# --------------------------------------------------------------------------- sensitivity


def _cmd_sensitivity(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .analysis.pipeline import check_sensitivity, sensitivity
    from .analysis.checks import default_outputs
    from .config.loading import load_config

    config = load_config(args.config)
    outputs = tuple(args.output) if args.output else default_outputs(config)
    method = args.method
    sobol_only = [flag for flag, given in (("--second-order", args.second_order),
                                           ("--resamples", args.resamples is not None),
                                           ("--engine", args.engine is not None)) if given]
    if method != "sobol" and sobol_only:
        verb = "applies" if len(sobol_only) == 1 else "apply"
        raise WotsimError(f"{', '.join(sobol_only)} {verb} to --method sobol only, not to {method}")
    if method in ("oneway", "decision") and args.groups is not None:
        raise WotsimError(f"--groups applies to sobol, morris and pawn, not to {method}")
    sizes = dict(method=method, outputs=outputs, samples=args.samples, groups=args.groups,
                 second_order=args.second_order, resamples=args.resamples)
    check_sensitivity(config, **sizes, what="--samples", what_resamples="--resamples")
    _check_format(args)
    run = sensitivity(config, **sizes, seed=args.seed, engine=args.engine,
                      progress=ProgressBar("evaluating", err, enabled=args.progress))
    out.write(format_sensitivity(run, top=args.top))
    _save(args.out, out, lambda path: run.save(path, format=args.format))
    return 0


# --------------------------------------------------------------------------- scenarios and value of information
def _cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .analysis.checks import default_outputs
    from .analysis.pipeline import check_statement_output, comparison_warnings, statement_inputs, statement_output
    from .analysis.scenarios import compare
    from .config.overlays import find_scenarios

    config = _load(args.config)
    scenarios = find_scenarios(config, _scenario_names(args.scenarios))
    if not scenarios:
        raise WotsimError(f"{args.config}: no scenarios found (no [scenarios] tables and no "
                          f"{Path(args.config).parent / 'scenarios'}/*.toml); name them with --scenarios")
    check_comparison(config, scenarios, samples=args.samples, sampler=args.sampler, chunk_size=args.chunk_size,
                     what="--samples")
    _check_format(args, args.samples or config.simulation.samples)
    outputs = tuple(args.output) if args.output else None
    compared = outputs or default_outputs(config)
    if args.statements and args.statement_output is not None:
        check_statement_output(config, args.statement_output, compared, what="--statement-output")
    progress = _compare_progress(err, args.progress, ["base"] + [s.id for s in scenarios])
    comparison = compare(config, scenarios, outputs=outputs, samples=args.samples, seed=args.seed,
                         sampler=args.sampler, chunk_size=args.chunk_size, paired=not args.independent,
                         progress=progress)
    out.write(format_comparison(comparison) + "\n")
    warnings = comparison_warnings(comparison)  # printed once all went well (a refused --out stays one line)
    texts = {}
    target = statement_output(comparison, args.statement_output) if args.statements else None
    if args.statements and target is None:
        out.write("\nno robustness statements: every compared output is an amount (compare a ratio or an NPV)\n")
    elif target is not None:
        from .report.statement import comparison_statements

        oneway, vois = statement_inputs(comparison, target, voi=args.voi)
        statements = comparison_statements(comparison, output=target, vois=vois, oneway=oneway)
        out.write(format_statements(comparison, statements, target))
        texts["statements.md"] = format_statements(comparison, statements, target, markdown=True)
    _save(args.out, out, lambda path: comparison.save(path, texts=texts, format=args.format))
    out.flush()
    _warn(err, warnings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wotsim", description="Uncertainty and sensitivity analysis of social cost-benefit ratios.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"wotsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="Monte Carlo simulation of a config; prints a table and writes results")
    _shared(run, "config", "samples", "seed", "sampler")
    run.add_argument("--chunk-size", type=_positive_int, help="samples evaluated at once (memory bound; results do not depend on it)")
    run.add_argument("--out", type=Path, help="results directory to write (npz arrays, summary.json, manifest.json)")
    _batch.add_executor_flags(run, "the run's blocks of samples (the numbers do not depend on it)")
    _shared(run, "format", "progress")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check a config and that every output with a target reproduces it at base")
    _shared(val, "config")
    val.set_defaults(func=_cmd_validate)

    plot = sub.add_parser("plot", help="draw the figures of a results directory (png and svg) without rerunning")
    plot.add_argument("results", type=Path,
                      help="results directory written by 'wotsim run', 'sensitivity' (any method), 'compare', "
                           "'voi' or 'discover' with --out")
    plot.add_argument("--out", type=Path, help="directory for the figures (default: RESULTS/figures)")
    plot.add_argument("--lang", choices=("en", "nl"), default="en",
                      help="language of every text in the figures: en (default) or nl (Dutch numbers: 1,05)")
    plot.set_defaults(func=_cmd_plot)

    sens = sub.add_parser("sensitivity", help="which parameters drive an output: Sobol', Morris, PAWN, "
                          "one-way tornado with switching values, or decision drivers")
    _shared(sens, "config")
    sens.add_argument("--method", choices=METHODS, default="sobol",
                      help="sobol (variance-based, default), morris (screening), pawn (moment-independent, honours "
                           "correlations), oneway (tornado and switching values), decision (drivers of P(ratio > 1))")
    sens.add_argument("--output", action="append", metavar="NAME",
                      help="output to analyse; repeat for several (default: the config's outputs and npv). "
                           "Any config output, npv, benefits, costs or net:<stakeholder>")
    sens.add_argument("--samples", type=_positive_int,
                      help="sobol: base samples N, a power of 2 (default 16384; N*(D+2) model runs); morris: "
                           f"trajectories (default {MORRIS_TRAJECTORIES}); pawn: Monte Carlo samples "
                           f"(default {PAWN_SAMPLES}); "
                           "decision: Monte Carlo samples (default [simulation].samples)")
    _shared(sens, "seed")
    sens.add_argument("--groups", choices=GROUPINGS,
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
    _shared(sens, "format", "progress")
    sens.set_defaults(func=_cmd_sensitivity)

    cmp = sub.add_parser("compare", help="run scenarios on common random numbers; paired differences from the base, "
                         "robustness statements")
    _shared(cmp, "config")
    cmp.add_argument("--scenarios", metavar="A,B,...",
                     help="scenario ids, overlay file stems or paths, comma separated (default: every [scenarios] "
                          "table and every CONFIG_DIR/scenarios/*.toml that applies to this config)")
    cmp.add_argument("--output", action="append", metavar="NAME",
                     help="output to compare; repeat for several (default: the config's outputs and npv)")
    _shared(cmp, "samples", "seed", "sampler")
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
    _shared(cmp, "format", "progress")
    cmp.set_defaults(func=_cmd_compare)

    _voi.add_parser(sub)
    _batch.add_parser(sub)

    _discover.add_parser(sub)
    _import_workbook.add_parser(sub)
    _export_config.add_parser(sub)
    _summary.add_parser(sub)

    rep = sub.add_parser("report", help="run the analyses and write one self-contained HTML report with figures")
    _shared(rep, "config")
    rep.add_argument("--out", type=Path, required=True, help="report directory (report.html, figures/, manifest.json)")
    rep.add_argument("--samples", type=_positive_int,
                     help="Monte Carlo samples per scenario (default: [simulation].samples, as run uses)")
    rep.add_argument("--sobol-samples", type=_positive_int, default=2**13,
                     help="Sobol' base samples N, a power of 2 (default 8192)")
    _shared(rep, "seed")
    rep.add_argument("--scenarios", metavar="A,B,...",
                     help="scenario ids or overlay files (default: every scenario found for the config)")
    rep.add_argument("--no-scenarios", action="store_true", help="skip scenarios and their value of information")
    rep.add_argument("--resamples", type=_discover.resamples, default=10,
                     help="half-size resamples for the stability of each scenario discovery (default 10; 0 to skip)")
    rep.add_argument("--lang", choices=("en", "nl"), default="en",
                     help="language of the whole report, figures included: en (default) or nl "
                          "(Dutch numbers: 1,05; € 1,2 mln.)")
    rep.add_argument("--figures", type=_figure_formats, default=("png",), metavar="png,svg",
                     help="figure files to write in figures/ (default png; add svg on request; the page embeds PNG)")
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
    try:  # a second Ctrl-C while the first is being reported: still exit 130, without a traceback
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", WotsimWarning)
                warnings.showwarning = _show_warning
                return args.func(args, sys.stdout, sys.stderr)
        except WotsimError as exc:
            from .batch.executors import TasksLost

            sys.stderr.write(f"wotsim: error: {one_line(exc)}\n")
            if isinstance(exc, TasksLost):  # not bad input: interrupted (Ctrl-C), or tasks lost with their workers
                return 130 if exc.interrupted else 1
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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
