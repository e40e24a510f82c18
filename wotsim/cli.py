"""Command line: ``wotsim run | validate ...``.

The only module that prints or catches user errors: a :class:`WotsimError`
becomes one line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from .config import SAMPLERS, Config, load_config
from .errors import WotsimError

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


def _fmt_money(x: float) -> str:
    if x != x:
        return "n/a"
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e6:
        return f"{sign}{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{sign}{x / 1e3:.0f}k"
    return f"{sign}{x:.0f}"


def _fmt(x: float, measure: str) -> str:
    return f"{x:.3f}" if measure == "ratio" else _fmt_money(x)


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
        rows.append([s.label, _fmt(s.base, s.measure), _fmt(s.mean, s.measure),
                     _fmt(s.median, s.measure), f"{_fmt(lo, s.measure)} to {_fmt(hi, s.measure)}", prob])
    lines.append(_table(rows, header, "lrrrrr"))
    ratios = [summ[n] for n in cfg.outputs if summ[n].measure == "ratio"]
    if ratios:
        lines.append("")
        lines.append("ratio of means E[B]/E[C]: " + ", ".join(f"{s.name} {s.ratio_of_means:.3f}" for s in ratios))
    lines += ["", f"Net value per stakeholder ({currency}, present value)"]
    rows = []
    for sid, label in cfg.stakeholders.items():
        s = summ[f"net:{sid}"]
        lo, hi = s.interval(90)
        rows.append([label, _fmt_money(s.base), _fmt_money(s.mean), f"{_fmt_money(lo)} to {_fmt_money(hi)}",
                     f"{s.p_above:.3f}"])
    lines.append(_table(rows, ["stakeholder", "base", "mean", "90% interval", "P(>0)"], "lrrrr"))
    undefined = {n: s.n_undefined for n, s in summ.items() if s.n_undefined}
    if undefined:
        lines.append("")
        lines.append("warning: undefined draws (e.g. zero costs) excluded: "
                     + ", ".join(f"{k} {v}" for k, v in undefined.items()))
    lines.append("")
    lines.append("P(...) ± Monte Carlo standard error (as for independent draws; conservative for sobol and lhs).")
    return "\n".join(lines)


def _cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .simulate import simulate

    config = load_config(args.config)
    progress = _Progress("simulating", err, enabled=args.progress)
    result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                      chunk_size=args.chunk_size, progress=progress)
    out.write(format_run(result) + "\n")
    if args.out is not None:
        result.save(args.out)
        out.write(f"\nresults written to {args.out}\n")
    return 0


def _cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .simulate import base_case

    config = load_config(args.config)
    base = base_case(config)
    n_unc = len(config.uncertain)
    out.write(f"{args.config}: valid ({len(config.parameters)} parameters, {n_unc} uncertain; "
              f"{len(config.items)} items; {len(config.outputs)} outputs)\n")
    failed = []
    for name, o in config.outputs.items():
        value = base.outputs[name]
        if o.target is None:
            out.write(f"  {name:<24} base {value:.4f}  (no target)\n")
            continue
        ok = abs(value - o.target) <= o.tolerance
        out.write(f"  {name:<24} base {value:.4f}  target {o.target:g} ± {o.tolerance:g}  "
                  f"{'ok' if ok else 'MISMATCH'}\n")
        if not ok:
            failed.append(f"outputs.{name}: base case {value:.4f} misses target {o.target:g} by more than {o.tolerance:g}")
    if failed:
        for f in failed:
            err.write(f"{args.config}: {f}\n")
        return 2
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {value}")
    return value


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wotsim`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "progress", False) is None:
        args.progress = sys.stderr.isatty()
    try:
        return args.func(args, sys.stdout, sys.stderr)
    except WotsimError as exc:
        sys.stderr.write(f"wotsim: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("wotsim: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
