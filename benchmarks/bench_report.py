"""Benchmark: ``wotsim report`` in seconds, stage by stage, against an older tree in the same run (issue 12, point 6).

Usage::

    python benchmarks/bench_report.py [--baseline-rev 56bceab | --baseline DIR] [--repeat 3]
        [--config configs/schiedam.toml] [--samples N] [--sobol-samples N] [--figures png,svg] [--no-baseline]

Each run is ``wotsim report CONFIG --out DIR`` (every scenario, the report's default sizes unless
``--samples``/``--sobol-samples`` are given) in a fresh interpreter, as ``python -c "from wotsim.cli import
main; ..."`` in the tree's directory with ``PYTHONPATH`` set to it, as the ``wotsim`` console script does.
The report's own progress lines (one before each step) are time-stamped as they are written, so each
stage's time is from its line to the next; "start" is from the interpreter's first line (before
``import wotsim``) to the first step, "report and figures" from the last step to the end of the command:

* start (imports, reading the config and its scenarios, checking every size);
* Monte Carlo of the base and the scenarios; Sobol' indices; one-way sensitivity; decision drivers;
  value of information; scenario discovery; any other step the tree prints, under its own words.
  What a tree runs beside another step in a forked child counts in that step: since issue 12 the
  one-way analyses (the base's and the statements' of every scenario) run beside the Monte Carlo and
  the decision drivers beside the Sobol' indices, so those two rows are empty for this tree; before,
  the statements' one-way analyses ran after the scenario discovery and counted there;
* report and figures (rendering the page and its figures, writing the files).

The baseline is another tree: ``--baseline DIR`` (a checkout), or ``--baseline-rev REV`` (default
``56bceab``, the tree before issue 12's speed work) unpacked with ``git archive REV | tar -x`` into a
temporary directory (nothing in this repository changes); each tree reads its own copy of the config
when it has one.  Runs alternate between the trees (``--repeat`` times each), so that a change in the
machine's load hits both alike.  For each stage the table shows the best (least disturbed) and the median
wall-clock seconds of each tree and the ratio baseline / this tree of the best times; the total is that of
the whole command (interpreter start to exit), with its CPU seconds (the process and its workers).  The
machine's load average is printed before and after: on a busy machine use the best times, and expect
parallel steps (figures and value of information use every CPU allowed) to gain less.  Prints a table;
writes nothing (each report goes to a temporary directory, removed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "configs" / "schiedam.toml"
#: The tree before issue 12's speed work.
DEFAULT_BASELINE = "56bceab"

DRIVER = r"""
import json, resource, sys, time
t0 = time.perf_counter()

class Stamped:
    def __init__(self):
        self.lines, self.buf = [], ""
    def write(self, text):
        now = time.perf_counter() - t0
        self.buf += text
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            self.lines.append((now, line))
        return len(text)
    def flush(self):
        pass
    def isatty(self):
        return False

err = sys.stderr = Stamped()
from wotsim.cli import main
code = main(["report", *json.loads(sys.argv[1])])
end = time.perf_counter() - t0
sys.stderr = sys.__stderr__
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "lines": err.lines, "end": end,
                  "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}))
"""

#: Stage names by the first words of the report's progress lines (any other line keeps its own words).
STAGES = (("Monte Carlo", "Monte Carlo (base and scenarios)"), ("Sobol'", "Sobol' indices"),
          ("one-way", "one-way sensitivity"), ("decision drivers", "decision drivers"),
          ("value of information", "value of information"), ("scenario discovery", "scenario discovery"),
          ("writing the report", "report and figures"))
PROGRESS = re.compile(r"^\[\s*[\d.]+s\] (.*)$")


def stage_name(text: str) -> str:
    return next((name for start, name in STAGES if text.startswith(start)), text)


def run_report(tree: Path, config: Path, extra: list[str]) -> dict:
    """One ``wotsim report`` in a fresh interpreter: stage -> seconds, the total, CPU seconds, figure files."""
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        out = Path(tmp) / "report"
        args = [str(config), "--out", str(out), *extra]
        done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(args)], cwd=tree, capture_output=True,
                              text=True, env=dict(os.environ, PYTHONPATH=str(tree)))
        if done.returncode != 0:
            raise SystemExit(f"wotsim report failed in {tree}:\n{done.stderr.strip()}")
        body = json.loads(done.stdout.strip().splitlines()[-1])
        if body["code"] != 0:
            raise SystemExit(f"wotsim report exited {body['code']} in {tree}: {body['lines']}")
        files = sorted(p.name for p in (out / "figures").iterdir() if not p.name.startswith("."))
    steps = [(t, PROGRESS.match(line)[1]) for t, line in body["lines"] if PROGRESS.match(line)]
    stages = {"start": steps[0][0] if steps else body["end"]}
    for (t, text), (t_next, _) in zip(steps, steps[1:] + [(body["end"], "")]):
        name = stage_name(text)
        stages[name] = stages.get(name, 0.0) + t_next - t
    return {"stages": stages, "total": body["end"], "cpu": body["cpu"], "files": files}


def baseline_tree(args: argparse.Namespace, keep: list) -> Path | None:
    if args.no_baseline:
        return None
    if args.baseline is not None:
        return args.baseline.resolve()
    tmp = tempfile.TemporaryDirectory(prefix="bench_report_base_")
    keep.append(tmp)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline_rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", tmp.name], input=archive.stdout, check=True)
    return Path(tmp.name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tree (best and median shown)")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--baseline", type=Path, help="a checkout of another tree to compare with")
    ap.add_argument("--baseline-rev", default=DEFAULT_BASELINE,
                    help=f"the commit to compare with when no --baseline is given (default {DEFAULT_BASELINE})")
    ap.add_argument("--no-baseline", action="store_true", help="time this tree only")
    ap.add_argument("--samples", type=int, help="--samples of both reports (default: each tree's default)")
    ap.add_argument("--sobol-samples", type=int, help="--sobol-samples of both reports")
    ap.add_argument("--figures", help="--figures of this tree's report (the baseline writes PNG and SVG)")
    args = ap.parse_args(argv)
    config = args.config.resolve()
    keep: list = []
    base = baseline_tree(args, keep)
    trees = {"this tree": ROOT} | ({"baseline": base} if base is not None else {})
    extra = [*(["--samples", str(args.samples)] if args.samples else []),
             *(["--sobol-samples", str(args.sobol_samples)] if args.sobol_samples else [])]

    def config_of(tree: Path) -> Path:
        """Each tree reads its own copy of a config that lies in this tree (the schema may have changed)."""
        try:
            own = tree / config.relative_to(ROOT)
        except ValueError:
            return config
        return own if own.is_file() else config

    print(f"bench_report: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs "
          f"({len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'} allowed), "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {config.name}; {args.repeat} runs each")
    for name, tree in trees.items():
        print(f"  {name}: {tree}" + (f" (git archive {args.baseline_rev})" if name == "baseline"
                                     and args.baseline is None else ""))
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.repeat):
        for name, tree in trees.items():
            own = extra + (["--figures", args.figures] if args.figures and name == "this tree" else [])
            runs[name].append(run_report(tree, config_of(tree), own))
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, rs in runs.items():
        stems = {f.rsplit('.', 1)[0] for f in rs[0]["files"]}
        kinds = sorted({f.rsplit('.', 1)[1] for f in rs[0]["files"]})
        print(f"  {name}: {len(stems)} figures, {len(rs[0]['files'])} files ({', '.join(kinds)})")

    order = []
    for rs in runs.values():
        for r in rs:
            order += [s for s in r["stages"] if s not in order]
    names = list(trees)
    head = "".join(f"{n + ' best':>16s}{'median':>9s}" for n in names)
    print(f"\n{'stage (wall seconds)':34s}{head}" + (f"{'baseline / this':>18s}" if base is not None else ""))

    def row(label: str, values: dict[str, list[float]]) -> None:
        cells = "".join(f"{min(values[n]):16.2f}{statistics.median(values[n]):9.2f}" if values[n]
                        else f"{'-':>16s}{'':9s}" for n in names)
        ratio = ""
        if base is not None and values["baseline"] and values["this tree"] and min(values["this tree"]) > 0:
            ratio = f"{min(values['baseline']) / min(values['this tree']):17.2f}x"
        print(f"{label:34s}{cells}{ratio}")

    for stage in order:
        row(stage, {n: [r["stages"][stage] for r in runs[n] if stage in r["stages"]] for n in names})
    row("total (whole command)", {n: [r["total"] for r in runs[n]] for n in names})
    row("CPU seconds (with workers)", {n: [r["cpu"] for r in runs[n]] for n in names})
    return 0


if __name__ == "__main__":
    sys.exit(main())
