"""Benchmark: a 40-municipality batch on 1 and 2 local processes and on a 2-worker Dask LocalCluster (issue 15).

Usage::

    python benchmarks/bench_batch.py [--cases 40] [--samples 16384] [--scenarios all|none] [--repeat 1]
        [--no-dask] [--project-cases 300] [--project-scenarios 12] [--project-cores 100]

It writes ``--cases`` variants of the Schiedam config into a temporary folder: municipality k has the households
reached (``n_households``: low, mode and high) scaled by ``0.5 + k / cases``, the staff (``fte``) by
``0.6 + (7 k mod cases) / cases``, and its own ``[simulation] seed = 1000 + k``; beside them, the Schiedam
scenario overlays (``applies_to`` dropped, so that the 12 scenarios apply to every variant).  The batch file runs
every variant with ``scenarios = "all"`` at ``--samples`` draws, one task per case.

In one run, one after another (alternating for ``--repeat`` > 1, best time kept):

* ``serial``: every task in this process (``--workers 1``);
* ``processes``: 2 local worker processes (``--workers 2``);
* ``dask``: a Dask LocalCluster of 2 worker processes with one thread each (``--scheduler local --workers 2``).

Each executor is started, and its workers are up, before its clock starts (the start-up is shown in its own
column: a local pool's fork server imports wotsim once, a LocalCluster starts a scheduler and 2 processes that each
import it when their first task comes) and the same batch is
run into a new directory; the summaries must be byte-identical (checked).  Printed: wall seconds, the speed-up
over ``serial``, CPU seconds of this process, the mean task seconds on the workers and each worker's peak
resident memory (from the batch manifest).  Then the per-task overhead of each executor: 400 empty tasks (a
function returning at once) through it, wall seconds per task; and from these the projection the README's
scaling section quotes: ``--project-cases`` municipalities x ``--project-scenarios`` scenarios on
``--project-cores`` cores of a Dask cluster, at the measured seconds per case-task scaled by scenarios
(``(1 + S) / (1 + measured S)``), at ``--samples`` and, measured on one case, at 131,072 draws, as

    wall = start + ceil(tasks / cores) x task seconds + tasks x scheduler seconds per task

(waves of whole tasks on the cores, plus the scheduler's own time per task, which does not overlap).  Writes
nothing outside its temporary folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"


def variants(folder: Path, cases: int) -> None:
    """``cases`` municipality configs and the scenario overlays beside them."""
    text = SCHIEDAM.read_text(encoding="utf-8")
    block = re.search(r"(?ms)^\[parameters\.n_households\]\n.*?(?=^\[)", text)
    if block is None or text.count("\nvalue = 85\n") != 1:
        raise SystemExit("bench_batch.py: the Schiedam config changed; update how variants are made")
    (folder / "scenarios").mkdir(parents=True)
    for overlay in sorted((SCHIEDAM.parent / "scenarios").glob("*.toml")):
        lines = [ln for ln in overlay.read_text(encoding="utf-8").splitlines() if not ln.startswith("applies_to")]
        (folder / "scenarios" / overlay.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for k in range(cases):
        reach, staff = 0.5 + k / cases, 0.6 + (7 * k % cases) / cases
        scaled = re.sub(r"(?m)^(low|mode|high) = ([0-9.]+)$",
                        lambda m: f"{m[1]} = {round(float(m[2]) * reach, 3)!r}", block.group())
        body = text.replace(block.group(), scaled).replace("\nvalue = 85\n", f"\nvalue = {85 * staff!r}\n")
        body = re.sub(r"(?m)^seed = [0-9]+$", f"seed = {1000 + k}", body, count=1)
        body = body.replace('name = "', f'name = "Municipality {k:02d} (variant of ', 1).replace(
            '"\n', ')"\n', 1)
        (folder / f"municipality_{k:02d}.toml").write_text(body, encoding="utf-8")


def noop() -> int:
    return 0


def overhead(executor, tasks: int = 400) -> float:
    """Wall seconds per empty task through ``executor`` (its workers already started)."""
    from wotsim.batch.executors import Task

    list(executor.results([Task(f"warm {i}", noop) for i in range(4)]))
    started = time.perf_counter()
    for _ in executor.results([Task(f"noop {i}", noop) for i in range(tasks)]):
        pass
    return (time.perf_counter() - started) / tasks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--samples", type=int, default=16384)
    ap.add_argument("--scenarios", choices=("all", "none"), default="all")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--project-cases", type=int, default=300)
    ap.add_argument("--project-scenarios", type=int, default=12)
    ap.add_argument("--project-cores", type=int, default=100)
    args = ap.parse_args(argv)

    from wotsim.batch.executors import DaskExecutor, ProcessExecutor, SerialExecutor
    from wotsim.batch.run import run_batch
    from wotsim.batch.spec import load_batch

    tmp = Path(tempfile.mkdtemp(prefix="wotsim-bench-batch-"))
    try:
        folder = tmp / "municipalities"
        variants(folder, args.cases)
        batch = tmp / "batch.toml"
        batch.write_text(f'[batch]\nsamples = {args.samples}\nsampler = "sobol"\n\n[[cases]]\n'
                         f'config = "municipalities/*.toml"\nscenarios = "{args.scenarios}"\n', encoding="utf-8")
        spec = load_batch(batch)
        scenarios = len(spec.cases[0].scenarios)
        print(f"batch: {len(spec.cases)} municipalities x (base + {scenarios} scenarios) at {args.samples:,} draws, "
              f"one task per case; machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")

        makers = {"serial": SerialExecutor, "processes": lambda: ProcessExecutor(2)}
        if not args.no_dask:
            makers["dask"] = lambda: DaskExecutor("local", 2)
        rows, summaries, per_task = {}, {}, {}
        for name, make in makers.items():
            t0 = time.perf_counter()
            with make() as ex:
                from wotsim.batch.executors import Task

                list(ex.results([Task(f"start {i}", noop) for i in range(2)]))  # the workers are up
                start = time.perf_counter() - t0
                walls, cpus = [], []
                for r in range(args.repeat):
                    out = tmp / f"out-{name}-{r}"
                    c0, w0 = time.process_time(), time.perf_counter()
                    run_batch(spec, out, executor=ex)
                    walls.append(time.perf_counter() - w0)
                    cpus.append(time.process_time() - c0)
                    summaries[name] = (out / "summary.csv").read_bytes()
                    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
                per_task[name] = overhead(ex) if name != "serial" else 0.0
            tasks = [t for case in man["cases"] for t in case["tasks"]]
            peak: dict[int, float] = {}
            for t in tasks:
                peak[t["pid"]] = max(peak.get(t["pid"], 0.0), t["peak_rss_mb"])
            rows[name] = dict(start=start, wall=min(walls), cpu=min(cpus),
                              task=statistics.mean(t["seconds"] for t in tasks), peak=sorted(peak.values()))
        same = len(set(summaries.values())) == 1
        base = rows["serial"]["wall"]
        print(f"\n{'executor':<11}{'start s':>9}{'batch wall s':>14}{'speed-up':>10}{'CPU s here':>12}"
              f"{'task s':>9}{'overhead ms/task':>18}  peak memory per worker (MB)")
        for name, r in rows.items():
            print(f"{name:<11}{r['start']:>9.2f}{r['wall']:>14.2f}{base / r['wall']:>10.2f}{r['cpu']:>12.2f}"
                  f"{r['task']:>9.3f}{per_task[name] * 1000:>18.2f}  {', '.join(f'{p:.0f}' for p in r['peak'])}")
        print(f"summary.csv byte-identical on every executor: {'yes' if same else 'NO'}")

        # projection: 300 municipalities x 12 scenarios on 100 cores of a Dask cluster
        scale_s = (1 + args.project_scenarios) / (1 + scenarios)
        sched = per_task.get("dask") or per_task["processes"]
        start = rows.get("dask", rows["processes"])["start"]
        print(f"\nprojection: {args.project_cases} municipalities x {args.project_scenarios} scenarios on "
              f"{args.project_cores} cores ({'dask' if 'dask' in rows else 'processes'}: start {start:.1f} s, "
              f"{sched * 1000:.1f} ms scheduler time per task)")
        big = tmp / "big.toml"  # one case at the Schiedam run's former default size, measured, not scaled
        big.write_text(f'[batch]\nsamples = 131072\nsampler = "sobol"\n\n[[cases]]\n'
                       f'config = "municipalities/municipality_00.toml"\nscenarios = "{args.scenarios}"\n',
                       encoding="utf-8")
        run_batch(load_batch(big), tmp / "out-big", executor=SerialExecutor())
        task_big = json.loads((tmp / "out-big" / "manifest.json").read_text(encoding="utf-8"))["cases"][0]["tasks"][0]
        measured = {args.samples: (rows["serial"]["task"], rows["serial"]["peak"][0]),
                    131072: (task_big["seconds"], task_big["peak_rss_mb"])}
        for draws, (task_s, peak_mb) in measured.items():
            t = task_s * scale_s
            n = args.project_cases
            waves = math.ceil(n / args.project_cores)
            wall = start + waves * t + n * sched
            print(f"  {draws:>7,} draws: {t:6.2f} s a case-task (measured {task_s:.2f} s with {scenarios} scenarios, "
                  f"peak {peak_mb:.0f} MB a worker); one task per case: {waves} waves -> {wall:6.1f} s wall "
                  f"(one core: {n * t / 3600:4.2f} h)")
        return 0 if same else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
