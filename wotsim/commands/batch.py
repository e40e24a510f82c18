"""``wotsim batch BATCH.toml --out DIR``: many configs and their scenarios, on local processes or a Dask cluster.

The batch file is read and every config, scenario and output in it checked before any work
(:func:`wotsim.batch.spec.load_batch`); then the cases run as tasks (:func:`wotsim.batch.run.run_batch`)
on ``--workers N`` local processes or on ``--scheduler`` (a Dask scheduler's address, or ``local`` for a
LocalCluster started here), each case saved as it ends; ``summary.csv`` is written when all are done, the
same bytes whatever the executor.  A rerun reuses every finished case that did not change.  Also the
executor flags that ``wotsim run`` shares (:func:`add_executor_flags`, :func:`executor_for`).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from .common import add_shared, positive_int

__all__ = ["add_executor_flags", "add_parser", "executor_for", "run"]

#: A scheduler's address: ``local``, ``host:port`` or ``scheme://host:port`` (tcp, tls, ucx, inproc, ws, wss).
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|inproc|ws|wss)://)?[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}")


def scheduler_address(text: str) -> str:
    """``--scheduler``: ``local`` or a Dask scheduler's address."""
    if text == "local" or _ADDRESS.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(f"expected 'local' or a Dask scheduler's address such as tcp://10.0.0.5:8786, "
                                     f"got {text!r}")


def add_executor_flags(p: argparse.ArgumentParser, what: str) -> None:
    """``--workers N`` and ``--scheduler ADDRESS`` on a command's parser."""
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help=f"local worker processes for {what} (default 1: this process; with --scheduler local: "
                        "the number of CPUs)")
    p.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                   help="run the tasks on a running Dask scheduler (tcp://host:8786), or 'local' for a Dask "
                        "LocalCluster of --workers processes started and stopped here (needs "
                        "pip install 'wotsim[dask]')")


def executor_for(args: argparse.Namespace):
    """The executor the flags ask for (:func:`wotsim.batch.executors.make_executor`)."""
    import os

    from ..batch.executors import make_executor

    workers = args.workers
    if workers is None:
        workers = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1) \
            if args.scheduler == "local" else 1
    if args.scheduler not in (None, "local") and args.workers is not None:
        from ..errors import WotsimError

        raise WotsimError(f"--workers says how many local processes to start; a running scheduler "
                          f"({args.scheduler}) has its own workers: give one of the two")
    return make_executor(workers, args.scheduler)


def add_parser(sub) -> None:
    """Register ``wotsim batch`` on the subparsers ``sub``."""
    p = sub.add_parser("batch", help="run many configs and their scenarios (a batch file) on local processes or a "
                       "Dask cluster; one summary.csv, resumable")
    p.add_argument("batch", metavar="BATCH.toml", help="the batch file ([batch] settings and [[cases]])")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="directory for summary.csv, manifest.json and cases/ (a rerun reuses finished cases)")
    p.add_argument("--keep", choices=("draws",), action="append", default=[],
                   help="--keep draws: also keep each case's results directory in DIR/cases (for wotsim plot)")
    p.add_argument("--chunk-size", type=positive_int, metavar="ROWS",
                   help="rows per task (default: the batch file's [batch] chunk_size, else a whole case per task); "
                        "the numbers do not depend on it")
    add_executor_flags(p, "the tasks")
    add_shared(p, "progress")
    p.set_defaults(func=run)


#: How the executors are named to people.
_WHERE = {"serial": "in this process", "processes": "on {workers} local processes", "dask": "on Dask ({scheduler})"}


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..batch.run import run_batch
    from ..batch.spec import load_batch
    from ..report.text import ProgressBar

    spec = load_batch(args.batch)  # every error before any work
    bar = ProgressBar("tasks", err, enabled=args.progress)
    executor = executor_for(args)  # local workers and clusters start when the first task is sent
    with executor:
        result = run_batch(spec, args.out, executor=executor, keep="draws" in args.keep, chunk_size=args.chunk_size,
                           progress=bar)
    rows = sum(len(c.outputs) * (1 + len(c.scenarios)) for c in spec.cases)
    where = _WHERE[executor.name].format(**{"workers": executor.workers, "scheduler": "", **executor.describe()})
    out.write(f"{len(spec.cases)} case(s): {len(result.computed)} computed, {len(result.reused)} reused "
              f"({result.tasks} task(s) {where}, {result.seconds:.1f} s)\n"
              f"{rows} row(s) written to {Path(args.out) / 'summary.csv'}\n")
    return 0
