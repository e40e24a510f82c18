"""``wotsim discover``: under which combination of assumptions does a condition hold (PRIM)?

Checks the config and the condition before any sampling (a bad condition is one line, exit 2),
runs the Monte Carlo (or, with ``--scenario``, the base and that scenario on common random
numbers), finds the boxes (:func:`wotsim.analysis.discover.discover`), prints them in words
(:func:`wotsim.report.discovery.format_discovery`) and writes ``--out`` (``boxes.json``,
``boxes.csv``, ``discovery.txt``, ``arrays.npz``, ``manifest.json``; with ``--format`` the tables of
the boxes and their restrictions too).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .common import add_shared, check_format, compare_progress, load, positive_int, save, warn

__all__ = ["add_parser", "resamples", "run"]


def _number_in(text: str, high: float, closed: bool) -> float:
    words = f"above 0 and {'at most' if closed else 'below'} {high:g}"
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number {words}, got {text!r}") from None
    if not (0 < x < high or (closed and x == high)):
        raise argparse.ArgumentTypeError(f"must be {words}, got {text!r}")
    return x


def _share(text: str) -> float:
    return _number_in(text, 1, True)


def _below_one(text: str) -> float:
    return _number_in(text, 1, False)


def _fraction(text: str) -> float:
    return _number_in(text, 0.5, False)


def _whole(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    return k


def resamples(text: str) -> int:
    """``--resamples``: a whole number from 0 to 1000."""
    k = _whole(text)
    if not 0 <= k <= 1000:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 1000, got {text!r}")
    return k


def add_parser(sub) -> None:
    """Register ``wotsim discover`` on the subparsers ``sub``."""
    p = sub.add_parser("discover", help="scenario discovery (PRIM): under which combination of assumptions an output "
                       "falls below a threshold, or a scenario does worse than the base")
    add_shared(p, "config")
    p.add_argument("--where", metavar="CONDITION",
                   help="condition on output names, e.g. 'social_ratio < 1' or 'social_ratio >= 1 and "
                        "financial_ratio < 0.75' (comparisons joined by and, or, not)")
    p.add_argument("--output", metavar="NAME", help="output for --below, --above or --scenario")
    p.add_argument("--below", type=float, metavar="X", help="condition: --output below X")
    p.add_argument("--above", type=float, metavar="X", help="condition: --output above X")
    p.add_argument("--scenario", metavar="ID",
                   help="condition: this scenario does worse than the base on --output, draw by draw on common "
                        "random numbers")
    add_shared(p, "samples", "seed", "sampler")
    p.add_argument("--min-coverage", type=_share, metavar="C",
                   help="choose the densest box with at least this coverage (default: the highest F1 of coverage "
                        "and density)")
    p.add_argument("--box", type=_whole, metavar="K",
                   help="choose step K of the peeling trajectory (negative: from the end) instead")
    p.add_argument("--boxes", type=positive_int, default=1,
                   help="find up to this many boxes by covering: each next box among the draws outside the "
                        "earlier ones (default 1)")
    p.add_argument("--resamples", type=resamples, default=10,
                   help="half-size resamples for each box's stability (default 10; 0 to skip)")
    p.add_argument("--peel-alpha", type=_fraction, default=0.05, help="share peeled per step (default 0.05)")
    p.add_argument("--paste-alpha", type=_fraction, default=0.05, help="share pasted per step (default 0.05)")
    p.add_argument("--mass-min", type=_below_one, default=0.05,
                   help="smallest share of all draws a box may hold (default 0.05)")
    p.add_argument("--out", type=Path,
                   help="results directory to write (boxes.json, boxes.csv, discovery.txt, arrays.npz, manifest.json)")
    add_shared(p, "format", "progress")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..analysis.conditions import condition_of
    from ..analysis.discover import discover
    from ..errors import WotsimError
    from ..limits import check_comparison, check_simulation
    from ..report.discovery import format_discovery
    from ..report.text import ProgressBar

    config = load(args.config)
    # the condition, its outputs and the scenario before the first sample
    condition_of(config, where=args.where, output=args.output, below=args.below, above=args.above,
                 scenario=args.scenario)
    if args.box is not None and args.min_coverage is not None:
        raise WotsimError("give --box or --min-coverage, not both")
    check_format(args)  # its tables: the boxes and their limits, a few rows
    if args.out is not None:
        from ..results.io import check_replaceable

        check_replaceable(args.out)  # a foreign --out refused before the simulation, not after
    if args.scenario is not None:
        from ..analysis.scenarios import compare
        from ..config.overlays import find_scenarios

        scenarios = find_scenarios(config, [args.scenario])
        check_comparison(config, scenarios, samples=args.samples, sampler=args.sampler, what="--samples")
        ids = ["base"] + [s.id for s in scenarios]
        source = compare(config, scenarios, outputs=(args.output,), samples=args.samples, seed=args.seed,
                         sampler=args.sampler, progress=compare_progress(err, args.progress, ids))
        scenario = scenarios[0].id
    else:
        from ..simulate import simulate

        check_simulation(config, samples=args.samples, sampler=args.sampler, what="--samples")
        source = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                          progress=ProgressBar("simulating", err, enabled=args.progress))
        scenario = None
    bar = ProgressBar("peeling", err, enabled=args.progress)
    found = discover(source, where=args.where, output=args.output, below=args.below, above=args.above,
                     scenario=scenario, boxes=args.boxes, peel_alpha=args.peel_alpha, paste_alpha=args.paste_alpha,
                     mass_min=args.mass_min, min_coverage=args.min_coverage, step=args.box,
                     resamples=args.resamples, progress=bar)
    text = format_discovery(found)
    out.write(text + "\n")
    out.flush()
    warn(err, list(config.notes))

    def write(path: Path) -> None:
        from ..analysis.discover_io import save_discovery

        save_discovery(path, found, texts={"discovery.txt": text}, format=args.format)

    save(args.out, out, write)
    return 0
