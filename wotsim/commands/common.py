"""What every command shares: loading a config, writing ``--out``, warnings, and the shared flags.

The commands (:mod:`wotsim.cli` and the modules of this package) parse their arguments, call
the analyses, print their text and write their results directory; the helpers here keep that
the same for each: a config refused before any sampling, ``--out`` written atomically with an
OSError as one line (and ``--format``: its tables checked before any work, their rows said after),
warnings as ``wotsim: warning: ...`` lines, counts read as people write them.
Nothing heavy is imported at load time (``wotsim --help`` stays fast: tests/test_fast_start.py).
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .._names import SAMPLERS
from ..counts import CountError, parse_count
from ..errors import WotsimError
from ..report.text import ProgressBar, one_line
from ..results.tables import FORMATS

if TYPE_CHECKING:
    from ..config.schema import Config

__all__ = ["Parser", "SHARED", "add_shared", "check_format", "compare_progress", "load", "positive_int", "save",
           "scenario_names", "seed", "warn", "writing"]


def load(path: str) -> Config:
    """The config, refused (one line, exit 2) before any sampling if an output is undefined at base."""
    from ..config.loading import load_config
    from ..model import check_base_case

    config = load_config(path)
    check_base_case(config)
    return config


def warn(err: TextIO, warnings) -> None:
    for w in warnings:
        err.write(f"wotsim: warning: {one_line(w)}\n")


@contextlib.contextmanager
def writing(path: Path, what: str):
    """An OSError while writing ``--out`` becomes one line naming the directory and what was written."""
    try:
        yield
    except OSError as exc:
        raise WotsimError(f"--out {path}: cannot write {what}: {exc.strerror or exc}") from None


def save(path: Path | None, out: TextIO, save) -> None:
    """``save(path)`` if ``--out`` was given, then say so, and what tables were written with how many rows
    (``--format``: the manifest's ``"tables"``); an OSError becomes one line."""
    if path is None:
        return
    with writing(path, "the results directory"):
        save(path)
    out.write(f"\nresults written to {path}\n")
    from ..results.io import read_json
    from ..results.tables import tables_note

    info = read_json(path / "manifest.json", "manifest").get("tables")
    if isinstance(info, dict):
        out.write(tables_note({**info, "path": path / info["path"]}) + "\n")


def check_format(args: argparse.Namespace, rows: int = 0, *, what: str = "--samples") -> None:
    """``--format`` before any work: it needs ``--out``; ``xlsx`` refuses tables of more than Excel's rows
    (``rows``: the longest table's, set by the flag ``what``), ``parquet`` needs pyarrow
    (:func:`wotsim.results.tables.check_format`)."""
    from ..results.tables import check_format as check

    if args.format != "npz" and args.out is None:
        raise WotsimError(f"--format {args.format} says how to write --out; give --out DIR")
    check(args.format, rows, what=what)


def scenario_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names:
        raise WotsimError(f"--scenarios must name at least one scenario (comma separated), got {text!r}")
    return names


def compare_progress(err: TextIO, enabled: bool, ids: list[str]):
    bar = ProgressBar("simulating", err, enabled=enabled)
    return lambda label, done, total: bar(ids.index(label) * total + done, len(ids) * total)


def count(text: str, minimum: int) -> int:
    """A count as people write it (100000, 1e5, 2^17, 1_000_000, 100,000; see wotsim.counts.parse_count)."""
    try:
        return parse_count(text, minimum=minimum)
    except CountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_int(text: str) -> int:
    return count(text, 1)


def seed(text: str) -> int:
    return count(text, 0)


class Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line message (its default, kept explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


#: Arguments several commands share: (flags, keyword arguments of add_argument).
SHARED = {
    "config": (("config",), dict(help="TOML config file")),
    "samples": (("--samples",), dict(type=positive_int, help="number of samples (default: [simulation].samples)")),
    "seed": (("--seed",), dict(type=seed, help="root seed (default: [simulation].seed)")),
    "sampler": (("--sampler",), dict(choices=SAMPLERS,
                                     help="design: mc, lhs or sobol (default: [simulation].sampler)")),
    "progress": (("--progress",), dict(action=argparse.BooleanOptionalAction, default=None,
                                       help="show a progress bar on stderr (default: when stderr is a terminal)")),
    "format": (("--format",), dict(choices=FORMATS, default="npz",
                                   help="files of --out: npz (arrays.npz and JSON, what wotsim reads back; the "
                                        "default), or these and the result's tables as csv (tables/*.csv), xlsx "
                                        "(tables.xlsx) or parquet (tables/*.parquet, needs pyarrow)")),
}


def add_shared(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        flags, kwargs = SHARED[name]
        parser.add_argument(*flags, **kwargs)


