"""Benchmark the Sobol' pipeline on the Schiedam case, in one run.

    python benchmarks/bench_sobol.py [--config configs/schiedam.toml] [--samples 16384]
                                     [--resamples 100] [--json out.json] [--no-salib-sample]

Measures, for one design of N base samples (first and total order, so
N * (D + 2) model runs) and the outputs ``wotsim sensitivity`` analyses by
default (the config's outputs and ``npv``):

* sampling: the scrambled Sobol' base sequence and the inverse CDFs of A and B
  (cold: the first call also builds the verified inverse-CDF tables);
* evaluation: assembling the Saltelli rows in value space and running the model;
* SALib's analysis: one ``analyze.sobol`` call per output at N (the issue's
  measure), and the full analysis ``wotsim sensitivity`` runs (point estimates,
  the delete-one-block jackknife over the R independent randomisations, the
  nested curves and the two independent halves) with SALib and with the
  bit-identical fast engine;
* for reference, SALib's own ``sample.sobol`` on the same inputs (its
  pure-Python matrix fill), which wotsim replaces by a numpy construction;
* peak memory: the process's peak resident set size, and the peak of traced
  allocations during sampling and evaluation.

Wall-clock and CPU seconds are both reported (the machine may be shared).
The issue requires sampling + evaluation < 1/4 of SALib's analysis time.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wotsim import load_config  # noqa: E402
from wotsim.analysis import salib as _salib  # noqa: E402
from wotsim.analysis.checks import default_outputs  # noqa: E402
from wotsim.analysis.sobol_design import sobol_outputs, sobol_plan  # noqa: E402
from wotsim.analysis.sobol_estimates import analyse_sobol  # noqa: E402


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def run(config_path: str, samples: int, resamples: int, salib_sample: bool) -> dict:
    config = load_config(config_path)
    outputs = default_outputs(config)
    plan = sobol_plan(config, samples=samples, resamples=resamples)
    rss_before = _rss_mb()
    report: dict = {"config": config_path, "N": plan.n, "D": len(plan.parameters), "rows": plan.rows,
                    "resamples": plan.resamples, "ci_method": plan.ci_method, "outputs": list(outputs),
                    "rss_before_mb": rss_before}

    tracemalloc.start()
    timings: dict[str, float] = {}
    with Clock() as c_eval:
        ys = sobol_outputs(config, plan, outputs, timings=timings)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report["sampling_s"] = timings["sampling"]
    report["evaluation_s"] = timings["evaluation"]
    report["sampling_evaluation_s"] = c_eval.wall
    report["sampling_evaluation_cpu_s"] = c_eval.cpu
    report["sampling_evaluation_traced_peak_mb"] = traced_peak / 2**20

    salib_at_n = {}
    for name in outputs:
        with Clock() as c:
            _salib.sobol_analyze(plan.parameters, ys[name], n=plan.n, second_order=False,
                                 resamples=plan.resamples, seed=plan.bootstrap_seed)
        salib_at_n[name] = (c.wall, c.cpu)
    report["salib_analysis_at_N_s"] = {k: v[0] for k, v in salib_at_n.items()}
    report["salib_analysis_at_N_total_s"] = sum(v[0] for v in salib_at_n.values())
    report["salib_analysis_at_N_total_cpu_s"] = sum(v[1] for v in salib_at_n.values())

    for engine in ("salib", "fast"):
        per = {}
        for name in outputs:
            with Clock() as c:
                analyse_sobol(plan, ys[name], output=name, engine=engine)
            per[name] = c.wall
        report[f"cli_analysis_{engine}_s"] = per
        report[f"cli_analysis_{engine}_total_s"] = sum(per.values())

    report["peak_rss_mb"] = _rss_mb()  # before SALib's own sampler, whose (rows, D) matrix alone is rows * D * 8 bytes
    if salib_sample:
        with Clock() as c:
            _salib.sobol_sample(plan.parameters, plan.n, second_order=False, seed=plan.block_seeds[0])
        report["salib_sample_sobol_s"] = c.wall
        report["peak_rss_with_salib_sample_mb"] = _rss_mb()
    report["ratio_vs_salib_at_N"] = report["sampling_evaluation_s"] / report["salib_analysis_at_N_total_s"]
    report["ratio_cpu_vs_salib_at_N"] = (report["sampling_evaluation_cpu_s"]
                                         / report["salib_analysis_at_N_total_cpu_s"])
    report["ratio_vs_cli_salib"] = report["sampling_evaluation_s"] / report["cli_analysis_salib_total_s"]
    report["ratio_vs_cli_fast"] = report["sampling_evaluation_s"] / report["cli_analysis_fast_total_s"]
    return report


def format_report(r: dict) -> str:
    lines = [
        f"Sobol' pipeline: {r['config']}, N = {r['N']:,}, D = {r['D']}, {r['rows']:,} model runs, "
        f"first and total order, {r['ci_method']}, outputs: {', '.join(r['outputs'])}",
        "",
        f"  sampling (Sobol' base + inverse CDFs of A and B)   {r['sampling_s']:7.2f} s",
        f"  evaluation (value-space rows + model, all outputs) {r['evaluation_s']:7.2f} s",
        f"  sampling + evaluation                              {r['sampling_evaluation_s']:7.2f} s"
        f"  (cpu {r['sampling_evaluation_cpu_s']:.2f} s)",
        "",
        "  SALib analyze.sobol at N, per output:",
    ]
    for k, v in r["salib_analysis_at_N_s"].items():
        lines.append(f"    {k:<28} {v:7.2f} s")
    lines += [
        f"  SALib analysis at N, total                         {r['salib_analysis_at_N_total_s']:7.2f} s"
        f"  (cpu {r['salib_analysis_at_N_total_cpu_s']:.2f} s)",
        f"  CLI analysis (jackknife, curves, halves), SALib    {r['cli_analysis_salib_total_s']:7.2f} s",
        f"  CLI analysis (jackknife, curves, halves), fast     {r['cli_analysis_fast_total_s']:7.2f} s",
    ]
    if "salib_sample_sobol_s" in r:
        lines.append(f"  (SALib's own sample.sobol, for reference          {r['salib_sample_sobol_s']:7.2f} s; "
                     f"peak RSS then {r['peak_rss_with_salib_sample_mb']:.0f} MB)")
    lines += [
        "",
        f"  peak RSS {r['peak_rss_mb']:.0f} MB (before the run {r['rss_before_mb']:.0f} MB); "
        f"traced peak during sampling + evaluation {r['sampling_evaluation_traced_peak_mb']:.0f} MB",
        "",
        f"  (sampling + evaluation) / SALib analysis at N = {r['ratio_vs_salib_at_N']:.3f} "
        f"(cpu {r['ratio_cpu_vs_salib_at_N']:.3f})  -> {'PASS' if r['ratio_vs_salib_at_N'] < 0.25 else 'FAIL'} "
        "(required < 0.25)",
        f"  (sampling + evaluation) / CLI analysis, SALib    = {r['ratio_vs_cli_salib']:.3f}",
        f"  (sampling + evaluation) / CLI analysis, fast     = {r['ratio_vs_cli_fast']:.3f}",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "schiedam.toml"))
    parser.add_argument("--samples", type=int, default=2**14)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--no-salib-sample", dest="salib_sample", action="store_false",
                        help="skip timing SALib's own sample.sobol")
    args = parser.parse_args(argv)
    report = run(args.config, args.samples, args.resamples, args.salib_sample)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["ratio_vs_salib_at_N"] < 0.25 else 1


if __name__ == "__main__":
    sys.exit(main())
