"""Benchmark: fast start and fast small runs (issue 10, point 5).

Usage::

    python benchmarks/bench_start.py [--repeat 5] [--samples 1000000] [--config configs/schiedam.toml]
        [--baseline DIR]

In one run, each measure in fresh interpreters (best of ``--repeat``, the
variants of a measure interleaved so that a change in the machine's load hits
them alike; wall-clock and CPU seconds, the CPU of the child processes):

(a) ``wotsim --help``;
(b) ``wotsim validate CONFIG`` (the config and its scenario overlays);
(c) ``wotsim run CONFIG --samples 4096``;
(d) ``wotsim.simulate`` of the config at ``--samples`` samples, timed inside the
    interpreter after imports and loading the config (so the time includes
    building the inverse-CDF tables once, as a real run does);
(e) the break-even of the tabulated inverse CDF: the time to build the table of
    each tabulated distribution of the config, against scipy's exact ppf and the
    table per value, in one fresh interpreter.

(c) and (d) run twice: with the rule (exact ppf below
``wotsim.config.distributions.TABLE_MIN_VALUES`` values, the table from there on) and
with the table forced (``TABLE_MIN_VALUES = 0``, the behaviour before the rule),
side by side with their ratio; (d) must be no slower with the rule.  With
``--baseline DIR`` (a checkout of another commit, e.g. ``git archive HEAD | tar
-x -C /tmp/base``) (a) to (d) also run on that tree's ``wotsim``, with the ratio
baseline / this tree; each tree reads its own copy of a config that lies in this tree.  The commands run as ``python -c "from wotsim.cli import
main; ..."`` in the tree's directory with ``PYTHONPATH`` set to it, as the ``wotsim``
console script does (the header names the ``wotsim`` each tree imports).  The machine may be busy: use the best times, and the CPU times.
This is a plain script (no output files); it prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "configs" / "schiedam.toml"

CLI = "import sys; {force}from wotsim.cli import main; sys.exit(main())"
FORCE = "import wotsim.config.distributions as d; d.TABLE_MIN_VALUES = 0; "

SIMULATE = """
import json, sys, time
from wotsim import load_config, simulate
if {force}:
    import wotsim.config.distributions as d
    d.TABLE_MIN_VALUES = 0
config = load_config({config!r})
started, cpu = time.perf_counter(), time.process_time()
simulate(config, samples={samples})
print(json.dumps([time.perf_counter() - started, time.process_time() - cpu]))
"""

BREAK_EVEN = """
import json, time
import numpy as np
from wotsim import load_config
from wotsim.config import fastppf as _fastppf
config = load_config({config!r})
dists = [p.dist for p in config.parameters.values() if p.dist.name in ("beta", "pert", "gamma", "truncnormal")]
u = np.random.default_rng(1).random(2**14)
rows = {{}}
for dist in dists:
    t = time.perf_counter(); table = _fastppf.build(dist.rv); build = time.perf_counter() - t
    t = time.perf_counter(); dist.rv.ppf(u); exact = (time.perf_counter() - t) / u.size
    if table is None:
        continue
    t = time.perf_counter(); table(u); tab = (time.perf_counter() - t) / u.size
    rows.setdefault(dist.name, []).append((build, exact, tab))
print(json.dumps(rows))
"""


class Timing:
    """Wall-clock and CPU seconds of repeated runs; ``wall``/``cpu`` are the best (least disturbed)."""

    def __init__(self, walls: list[float], cpus: list[float]):
        self.walls, self.cpus = walls, cpus
        self.wall, self.cpu = min(walls), min(cpus)

    @classmethod
    def best(cls, runs: list[Timing]) -> Timing:
        return cls([w for r in runs for w in r.walls], [c for r in runs for c in r.cpus])

    def __str__(self) -> str:
        return f"{self.wall:7.3f} s ({self.cpu:6.3f} CPU)"


def _env(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree))


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_command(tree: Path, args: list[str], repeat: int, *, force: bool = False) -> Timing:
    """``wotsim ARGS`` in a fresh interpreter, ``repeat`` times (output discarded; exit code 0 required)."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, started = _child_cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CLI.format(force=FORCE if force else ""), *args], cwd=tree,
                              env=_env(tree), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_child_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"wotsim {' '.join(args)} failed in {tree}: {done.stderr.strip()}")
    return Timing(walls, cpus)


def _python_json(tree: Path, code: str):
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, env=_env(tree), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark failed in {tree}: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_simulate(tree: Path, config: Path, samples: int, repeat: int, *, force: bool = False) -> Timing:
    runs = [_python_json(tree, SIMULATE.format(force=force, config=str(config), samples=samples))
            for _ in range(repeat)]
    return Timing([w for w, _ in runs], [c for _, c in runs])


def _ratio(before: Timing | None, after: Timing) -> str:
    if before is None:
        return ""
    return f"{before.wall / after.wall:6.2f}x wall, {before.cpu / after.cpu:6.2f}x CPU"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--samples", type=int, default=10**6, help="samples of the in-process simulate (d)")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--baseline", type=Path, help="another checkout to compare with (its wotsim on PYTHONPATH)")
    args = ap.parse_args(argv)
    config = args.config.resolve()
    trees = {"this tree": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})

    print(f"bench_start: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {config.name}; best of {args.repeat}")
    for name, tree in trees.items():
        where = _python_json(tree, "import json, wotsim; print(json.dumps(wotsim.__file__))")
        print(f"{name}: {Path(where).parent}")
    print("times: wall (CPU) seconds; ratios: the other row / this tree's rule\n")
    def config_of(tree: Path) -> Path:
        """Each tree reads its own copy of a config that lies in this tree (the schema may have changed)."""
        try:
            own = tree / config.relative_to(ROOT)
        except ValueError:
            return config
        return own if own.is_file() else config

    measures = [
        ("wotsim --help", lambda tree, force: time_command(tree, ["--help"], 1), False),
        (f"wotsim validate {config.name}",
         lambda tree, force: time_command(tree, ["validate", str(config_of(tree))], 1), False),
        ("wotsim run --samples 4096",
         lambda tree, force: time_command(tree, ["run", str(config_of(tree)), "--samples", "4096"], 1, force=force),
         True),
        (f"simulate, {args.samples:,} samples (in-process)",
         lambda tree, force: time_simulate(tree, config_of(tree), args.samples, 1, force=force), True),
    ]
    for label, measure, forceable in measures:
        variants = {"this tree, rule": (ROOT, False)}
        if forceable:
            variants["this tree, table forced"] = (ROOT, True)
        if "baseline" in trees:
            variants["baseline"] = (trees["baseline"], False)
        runs: dict[str, list[Timing]] = {name: [] for name in variants}
        for _ in range(args.repeat):
            for name, (tree, force) in variants.items():
                runs[name].append(measure(tree, force))
        best = {name: Timing.best(r) for name, r in runs.items()}
        rule = best["this tree, rule"]
        print(label)
        for name, timing in best.items():
            print(f"  {name:24s} {timing}   {_ratio(timing, rule) if timing is not rule else ''}")

    print("\nbreak-even of the tabulated inverse CDF (one fresh interpreter, the config's distributions):")
    rows = _python_json(ROOT, BREAK_EVEN.format(config=str(config)))
    for name, values in rows.items():
        build, exact, tab = (sorted(v[i] for v in values)[len(values) // 2] for i in range(3))
        print(f"  {name:12s} {len(values):3d} distributions: build {build * 1e3:6.1f} ms, exact {exact * 1e9:6.0f} ns "
              f"and table {tab * 1e9:4.0f} ns a value (medians): break-even {build / (exact - tab):7,.0f} values")
    sys.path.insert(0, str(ROOT))
    from wotsim.config.distributions import TABLE_MIN_VALUES

    print(f"  rule: the table from TABLE_MIN_VALUES = {TABLE_MIN_VALUES:,} values in all, the exact ppf below")
    return 0


if __name__ == "__main__":
    sys.exit(main())
