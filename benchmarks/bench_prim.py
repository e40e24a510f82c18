"""Benchmark: PRIM's peeling, this tree's against the one before ``wotsim/analysis/prim_peel.py``, in one run.

Usage::

    python benchmarks/bench_prim.py [--old REV] [--config configs/schiedam.toml] [--samples 32768,131072]
        [--output social_ratio] [--below 1] [--resamples 10] [--repeat 5]

The old engine is ``wotsim/analysis/prim.py`` as it was at ``--old`` (default: the parent of the commit
that added ``prim_peel.py``, or ``HEAD`` while it is not committed), read with ``git show`` and loaded
as a module of this package (so it uses this tree's ``prim_results`` and ``prim_sort``); nothing in the
repository changes.  It compressed the box's rows sorted by every column after each peel (O(box x
columns) a step); the new one compresses only when the box has halved and reads the clean peels from
the ends of each column's rows (:mod:`wotsim.analysis.prim_peel`).

For each size: the config is simulated with its sampler and seed, the condition ``OUTPUT < BELOW``
formed (draws where the output is undefined left out, as ``discover`` does), the columns sorted once
(shared by both engines, as a report shares them); then, alternating old and new so that the machine's
load hits both alike, ``prim`` on all draws and on ``--resamples`` half-size resamples of them (rows
drawn as ``discover``'s stability does, each resample's sort taken from the whole one outside the
timing).  Times are the best of ``--repeat`` (wall-clock and CPU seconds), with the ratio old / new.
Every result of the two engines is compared in full (``repr`` with every float to the last bit): exit
code 0 if all are identical, 1 if not.  Takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wotsim import load_config, simulate  # noqa: E402
from wotsim.analysis import prim as new_engine  # noqa: E402
from wotsim.analysis.prim_sort import sort_columns  # noqa: E402

DEFAULT_CONFIG = ROOT / "configs" / "schiedam.toml"
PRIM = "wotsim/analysis/prim.py"


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def default_old() -> str:
    """The parent of the commit that added prim_peel.py, or HEAD while it is not committed."""
    added = git("log", "--diff-filter=A", "--format=%H", "--", "wotsim/analysis/prim_peel.py").split()
    return f"{added[-1]}^" if added else "HEAD"


def load_old(rev: str) -> types.ModuleType:
    """``prim.py`` at ``rev`` as the module ``wotsim.analysis._prim_old`` (its relative imports: this tree's)."""
    name = "wotsim.analysis._prim_old"
    module = types.ModuleType(name)
    module.__package__, module.__file__ = "wotsim.analysis", f"{rev}:{PRIM}"
    sys.modules[name] = module                            # dataclasses look their module up
    exec(compile(git("show", f"{rev}:{PRIM}"), module.__file__, "exec"), module.__dict__)
    return module


def full_repr(result) -> str:
    with np.printoptions(floatmode="unique", threshold=sys.maxsize):
        return repr(result)


def draws(config, samples: int, output: str, below: float):
    result = simulate(config, samples=samples)
    values = result.values_of(output)
    defined = np.isfinite(values)
    integer = [bool(config.parameters[name].dist.integer) for name in result.parameters]
    return result.draws[defined], values[defined] < below, list(result.parameters), integer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", help="the commit whose prim.py is the old engine (default: before prim_peel.py)")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--samples", default="32768,131072", help="comma-separated draw counts")
    ap.add_argument("--output", default="social_ratio", help="the condition is OUTPUT < BELOW")
    ap.add_argument("--below", type=float, default=1.0)
    ap.add_argument("--resamples", type=int, default=10, help="half-size resamples per size (discover's R)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per time, the best kept")
    args = ap.parse_args(argv)
    rev = args.old or default_old()
    old_engine = load_old(rev)
    engines = {"old": old_engine.prim, "new": new_engine.prim}
    config = load_config(args.config)
    importlib.import_module("scipy.stats")               # imported before timing (the quasi-p values)

    print(f"bench_prim: {platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"{args.config.name}, condition {args.output} < {args.below:g}; old: {PRIM} at {rev} "
          f"({git('rev-parse', '--short', rev).strip()}); best of {args.repeat}")
    print(f"\n{'draws':>8s}  {'run':34s}{'old s (CPU)':>18s}{'new s (CPU)':>18s}{'old / new':>12s}  identical")
    same_everywhere = True
    for samples in (int(s) for s in args.samples.split(",")):
        x, y, names, integer = draws(config, samples, args.output, args.below)
        n = x.shape[0]
        whole = sort_columns(x)
        rng = np.random.default_rng(config.simulation.seed)
        subsets = [np.sort(rng.choice(n, size=n // 2, replace=False)) for _ in range(args.resamples)]
        runs = [("all draws", x, y, whole)] + [(f"resample {i + 1}", x[rows], y[rows], whole.take(rows))
                                               for i, rows in enumerate(subsets)]
        best = {(label, e): [np.inf, np.inf] for label, *_ in runs for e in engines}
        same = {label: True for label, *_ in runs}
        for _ in range(args.repeat):
            for label, xs, ys, sort in runs:
                got = {}
                for e, prim in engines.items():
                    wall, cpu = time.perf_counter(), time.process_time()
                    got[e] = prim(xs, ys, names=names, integer=integer, sort=sort)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    best[label, e] = [min(best[label, e][0], wall), min(best[label, e][1], cpu)]
                same[label] &= full_repr(got["old"]) == full_repr(got["new"])
        rows = [("prim, all draws", ["all draws"])]
        if args.resamples:
            rows.append((f"prim, {args.resamples} half-size resamples", [r[0] for r in runs[1:]]))
            rows.append(("both (one discovery's PRIM)", [r[0] for r in runs]))
        for title, labels in rows:
            t = {e: [sum(best[lb, e][i] for lb in labels) for i in (0, 1)] for e in engines}
            ok = all(same[lb] for lb in labels)
            print(f"{n:8,d}  {title:34s}{t['old'][0]:9.3f} ({t['old'][1]:6.3f}){t['new'][0]:9.3f} "
                  f"({t['new'][1]:6.3f}){t['old'][0] / t['new'][0]:11.2f}x  {'yes' if ok else 'NO'}")
        same_everywhere &= all(same.values())
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; trajectories, boxes and every "
          f"float {'identical in every run' if same_everywhere else 'DIFFER'}")
    return 0 if same_everywhere else 1


if __name__ == "__main__":
    sys.exit(main())
