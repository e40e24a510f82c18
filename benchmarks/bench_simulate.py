"""Benchmark: vectorised simulation vs a per-sample loop vs a memory-copy bound.

Usage::

    python benchmarks/bench_simulate.py [--samples 1000000] [--loop-samples 2000]
        [--repeat 5] [--loop-repeat 1] [--config configs/schiedam.toml] [--profile]

In one run it times

(a) ``wotsim.simulate`` of the config at ``--samples`` samples (best of ``--repeat``,
    after one small warm-up run that builds the ppf tables);
(b) the per-sample oracle (:mod:`wotsim._reference`: scalar scipy ppf, formulas
    on Python floats, a loop over items and years) on ``--loop-samples`` rows of
    the same design, scaled linearly to ``--samples``; the design itself is drawn
    outside the timed loop (vectorised), which only flatters the loop;
(c) a copy bound: ``np.copyto`` of as many bytes as the run must touch (the
    uniforms n x d float64, and the outputs: draws n x d float64, item_pv
    n x n_items float64, yearly n x stakeholders x T float32) into preallocated
    arrays, best of ``--repeat``;

and reports loop / vectorised and vectorised / copy, plus the peak memory of a
vectorised run, measured in a fresh subprocess (peak resident set size: VmHWM
from /proc/self/status on Linux, else ``ru_maxrss``; also minus the same
process's peak just before ``simulate``, after imports and loading the config),
and the peak of numpy's traced allocations (``tracemalloc``) in a second fresh
subprocess.  Both run before this process allocates its own large arrays.

The issue asks for >= 100x over the loop and < 1 GB peak memory at 10^6 samples.
This is a plain script (no output files); it prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "configs" / "schiedam.toml"
MB = 1024.0**2


class Timing:
    """Wall-clock and CPU seconds of repeated calls; ``wall``/``cpu`` are the best (least disturbed)."""

    def __init__(self, walls: list[float], cpus: list[float]):
        self.walls, self.cpus = walls, cpus
        self.wall, self.cpu = min(walls), min(cpus)

    def __str__(self) -> str:
        return (f"{self.wall:8.3f} s wall, {self.cpu:8.3f} s CPU   "
                f"(best of [{', '.join(f'{t:.3f}' for t in self.walls)}] s wall)")


def _best(fn, repeat: int) -> Timing:
    """Time ``repeat`` calls of ``fn()`` (the result is dropped before the next call)."""
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return Timing(walls, cpus)


def time_vectorised(config, samples: int, repeat: int) -> Timing:
    from wotsim import simulate

    simulate(config, samples=min(samples, 4096))  # build the ppf tables once, outside the timing
    return _best(lambda: simulate(config, samples=samples), repeat)


def time_loop(config, loop_samples: int, repeat: int) -> Timing:
    """Seconds for the per-sample oracle on ``loop_samples`` rows of the run's design."""
    from wotsim._reference import reference_item_pv
    from wotsim.sampling import DesignStream, stream
    from wotsim.simulate import transform

    sim = config.simulation
    u = DesignStream(sim.sampler, len(config.uncertain), loop_samples,
                     seed=stream(sim.seed, "montecarlo")).next(loop_samples)
    u = transform(config, u)
    return _best(lambda: reference_item_pv(config, u), repeat)


def copy_bytes(config, samples: int) -> dict[str, tuple[tuple[int, ...], type]]:
    """Shapes and dtypes of the arrays a run of ``samples`` samples must write or read."""
    n, d = samples, len(config.uncertain)
    return {
        "uniforms": ((n, d), np.float64),
        "draws": ((n, d), np.float64),
        "item_pv": ((n, len(config.items)), np.float64),
        "yearly": ((n, len(config.stakeholders), config.max_horizon), np.float32),
    }


def time_copy(config, samples: int, repeat: int) -> tuple[Timing, int]:
    """Best-of-``repeat`` seconds to copy the run's bytes between preallocated arrays."""
    specs = copy_bytes(config, samples)
    src = [np.ones(shape, dtype=dt) for shape, dt in specs.values()]
    dst = [np.empty(shape, dtype=dt) for shape, dt in specs.values()]

    def run():
        for s, t in zip(src, dst):
            np.copyto(t, s)

    return _best(run, repeat), sum(a.nbytes for a in src)


def _peak_rss() -> tuple[int, str]:
    """This process's peak resident set size in bytes, and how it was read.

    Linux: ``VmHWM`` from /proc/self/status (per address space, so it starts
    afresh at exec).  Elsewhere: ``ru_maxrss``, which on Linux would also carry
    the parent's peak across fork and exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, "VmHWM"
    except OSError:
        pass
    import resource

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss * (1 if sys.platform == "darwin" else 1024), "ru_maxrss"


def _child_memory(config_path: str, samples: int, mode: str) -> None:
    """Run in a fresh process: one simulate, report memory as JSON on stdout."""
    import tracemalloc

    from wotsim import load_config, simulate

    config = load_config(config_path)
    if mode == "rss":
        before, how = _peak_rss()
        result = simulate(config, samples=samples)
        after, _ = _peak_rss()
        out = {"baseline": before, "peak": after, "how": how}
    else:
        tracemalloc.start()
        result = simulate(config, samples=samples)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out = {"peak": peak, "kept": current}
    out["result_bytes"] = result.draws.nbytes + result.item_pv.nbytes + result.yearly.nbytes
    print(json.dumps(out))


def measure_memory(config_path: Path, samples: int, mode: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory", mode,
           "--config", str(config_path), "--samples", str(samples)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--loop-samples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many for (a) and (c)")
    parser.add_argument("--loop-repeat", type=int, default=1, help="best of this many for (b)")
    parser.add_argument("--profile", action="store_true",
                        help="also print the top cProfile entries of one vectorised run")
    parser.add_argument("--child-memory", choices=("rss", "tracemalloc"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_memory:
        _child_memory(args.config, args.samples, args.child_memory)
        return 0

    from wotsim import load_config
    from wotsim.simulate import simulate  # noqa: F401  (import cost outside the timings)

    config = load_config(args.config)
    n, m = args.samples, args.loop_samples
    print(f"config  {args.config}: d = {len(config.uncertain)} uncertain parameters, "
          f"{len(config.items)} items, {len(config.stakeholders)} stakeholders, T = {config.max_horizon}, "
          f"sampler {config.simulation.sampler}, chunk {config.simulation.chunk_size}")
    print(f"machine {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, numpy {np.__version__}")

    # memory first, in fresh processes, while this one is still small
    rss = measure_memory(Path(args.config), n, "rss")
    traced = measure_memory(Path(args.config), n, "tracemalloc")
    vec = time_vectorised(config, n, args.repeat)
    loop = time_loop(config, m, args.loop_repeat)
    copy, nbytes = time_copy(config, n, args.repeat)
    scale = n / m

    print()
    print(f"(a) vectorised simulate, n = {n:,}:  {vec}")
    print(f"(b) per-sample loop, {m:,} samples:    {loop}; {loop.wall / m * 1e3:.3f} ms per sample")
    print(f"    scaled to n = {n:,}:           {loop.wall * scale:8.1f} s wall, {loop.cpu * scale:8.1f} s CPU")
    print(f"(c) copy of {nbytes / MB:,.0f} MiB (uniforms + draws + item_pv + yearly), preallocated: {copy}; "
          f"{nbytes / copy.wall / 1e9:.2f} GB/s (the first pass pays the page faults)")
    print()
    speedup = loop.wall * scale / vec.wall
    print(f"loop / vectorised:    {speedup:8.0f}x wall, {loop.cpu * scale / vec.cpu:8.0f}x CPU   "
          f"(required >= 100x: {'PASS' if speedup >= 100 else 'FAIL'})")
    print(f"vectorised / copy:    {vec.wall / copy.wall:8.1f}x wall")
    print()
    peak_run = rss["peak"] - rss["baseline"]
    print(f"peak RSS ({rss['how']}) of a fresh process running simulate(n = {n:,}): {rss['peak'] / MB:,.0f} MiB; "
          f"before simulate (imports + config): {rss['baseline'] / MB:,.0f} MiB; "
          f"difference {peak_run / MB:,.0f} MiB")
    print(f"peak numpy/Python allocations traced by tracemalloc during simulate: {traced['peak'] / MB:,.0f} MiB "
          f"(of which the kept result arrays: {traced['result_bytes'] / MB:,.0f} MiB)")
    limit = 10**9  # 1 GB = 954 MiB, the stricter reading
    print(f"peak memory < 1 GB (10^9 bytes = {limit / MB:.0f} MiB): {'PASS' if rss['peak'] < limit else 'FAIL'} (whole process RSS); "
          f"{'PASS' if peak_run < limit else 'FAIL'} (run only)")
    if args.profile:
        import cProfile
        import io
        import pstats

        from wotsim import simulate

        prof = cProfile.Profile()
        prof.runcall(simulate, config, samples=n)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        print()
        print(buf.getvalue().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
