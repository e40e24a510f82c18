"""Benchmark: scenario discovery, wotsim's PRIM against the EMA Workbench's, in one run (issue 11, point 6).

Usage::

    python benchmarks/bench_discover.py [--config configs/schiedam.toml] [--samples 32768]
        [--big-samples 131072] [--output social_ratio] [--below 1] [--resamples 10] [--repeat 3]
        [--ema-python PATH] [--ema-resample] [--steps K] [--tolerance 0.01] [--json OUT] [--quick]

The config is simulated with its sampler and seed at ``--samples`` draws and the condition
``OUTPUT < BELOW`` formed on them (draws where the output is undefined are left out, as
``discover`` does); x is ``result.draws``, integer parameters are those whose distribution is
integer.  On these draws, in one run:

(a) the EMA Workbench's PRIM (``ema_workbench.analysis.prim.Prim(df, y, threshold=0.01,
    peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05).find_box()``; integer columns int64 in the
    DataFrame, the others float64), timed in its own interpreter after its imports; with
    ``--ema-resample`` also its stability check ``box.resample(i, iterations=R)`` (minutes at
    32,768 draws);
(b) wotsim's engine ``wotsim.analysis.prim.prim`` with the same settings;
(c) the whole ``wotsim.analysis.discover.discover(result, output=..., below=..., resamples=R)``
    (PRIM, pasting, R half-size resamples for stability), at ``--samples`` and at
    ``--big-samples`` draws (the issue: 131,072 draws with R = 10 well under EMA's time on a
    quarter of them).

It prints the times (best of ``--repeat``; wall-clock and CPU seconds), their ratios, and whether
the two peeling trajectories agree: at each of the first K steps (``--steps``, all by default)
the same parameter's limit moved on the same side (EMA's move is read from its successive
``box_lims``: a lower limit that rose or an upper one that fell is a peel, the opposite a paste,
which ends its peeling), and coverage and density within ``--tolerance``; with all steps also
the same number of peels.  Pasting is not compared: EMA pastes its last peeled box, wotsim its
chosen one (and EMA 2.5.3 does not truncate integer paste values as 3.0 and wotsim do).
Exit code 0 if they agree (or EMA was skipped), 1 if not, saying where they part.

The EMA Workbench is not a dependency of wotsim: it runs in a separate interpreter,
``--ema-python`` (default ``$WOTSIM_EMA_PYTHON``, else a throw-away venv made on first use under
``$XDG_CACHE_HOME/wotsim-bench/ema`` (``~/.cache``) with ``pip install ema_workbench==2.5.3``).
Draws go to it in an .npz in a temporary directory, figures come back as JSON.  ``--quick`` is a
smoke run (4,096 and 8,192 draws, one repeat) that skips EMA unless ``--ema-python`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wotsim import load_config, simulate  # noqa: E402
from wotsim.analysis.discover import discover  # noqa: E402
from wotsim.analysis.prim import prim  # noqa: E402

DEFAULT_CONFIG = ROOT / "configs" / "schiedam.toml"
EMA_VERSION = "2.5.3"
EMA_ENV = "WOTSIM_EMA_PYTHON"
SETTINGS = dict(peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)

# Runs in the EMA interpreter: argv = draws.npz out.json settings.json repeat resample_step resamples seed.
EMA_CHILD = r"""
import json, platform, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
import ema_workbench
from ema_workbench.analysis.prim import Prim
path, out, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
repeat, step, resamples, seed = map(int, sys.argv[4:])
z = np.load(path)
x, y, ints, names = z["x"], z["y"], z["integer"], [str(s) for s in z["names"]]
df = pd.DataFrame({nm: (x[:, j].astype(np.int64) if ints[j] else x[:, j]) for j, nm in enumerate(names)})
walls, cpus = [], []
for _ in range(repeat):
    w, c = time.perf_counter(), time.process_time()
    box = Prim(df, y, threshold=0.01, **settings).find_box()
    walls.append(time.perf_counter() - w)
    cpus.append(time.process_time() - c)
tr = box.peeling_trajectory
res = dict(version=ema_workbench.__version__, pandas=pd.__version__, python=platform.python_version(),
           walls=walls, cpus=cpus, n=tr["n"].astype(int).tolist(), k=tr["k"].astype(int).tolist(),
           coverage=tr["coverage"].tolist(), density=tr["density"].tolist(),
           res_dim=tr["res_dim"].astype(int).tolist(),
           lower=[[float(b.loc[0, c]) for c in names] for b in box.box_lims],
           upper=[[float(b.loc[1, c]) for c in names] for b in box.box_lims])
if resamples:
    np.random.seed(seed)
    w, c = time.perf_counter(), time.process_time()
    box.resample(min(step, len(tr) - 1), iterations=resamples)
    res["resample"] = [time.perf_counter() - w, time.process_time() - c]
with open(out, "w") as f:
    json.dump(res, f)
"""


class Timing:
    """Wall-clock and CPU seconds of repeated runs; ``wall``/``cpu`` are the best (least disturbed)."""

    def __init__(self, walls: list[float], cpus: list[float]):
        self.walls, self.cpus = walls, cpus
        self.wall, self.cpu = min(walls), min(cpus)

    def __str__(self) -> str:
        return f"{self.wall:8.3f} s ({self.cpu:8.3f} CPU)"


def timed(repeat: int, call):
    """``call()`` ``repeat`` times: (its last result, the Timing)."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = call()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, Timing(walls, cpus)


# --------------------------------------------------------------------------- the EMA interpreter
def default_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "wotsim-bench" / "ema"


def _ema_version(python: Path) -> str | None:
    done = subprocess.run([str(python), "-c", "import warnings; warnings.filterwarnings('ignore'); "
                           "import ema_workbench; print(ema_workbench.__version__)"],
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None


def make_venv(venv: Path) -> Path:
    """The interpreter of a venv with ema_workbench==2.5.3 at ``venv``, made (or remade) if needed."""
    python = venv / "bin" / "python"
    if python.exists() and _ema_version(python) == EMA_VERSION:
        return python
    print(f"making {venv} with ema_workbench=={EMA_VERSION} (once; about a minute) ...", flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    for cmd in ([base, "-m", "venv", "--clear", str(venv)],
                [str(python), "-m", "pip", "install", "-q", f"ema_workbench=={EMA_VERSION}"]):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"could not make the EMA venv ({' '.join(cmd[1:])}): "
                             f"{' '.join((done.stderr or done.stdout).strip().splitlines()[-1:])}; "
                             f"give an interpreter with ema_workbench installed: --ema-python PATH")
    if _ema_version(python) != EMA_VERSION:
        raise SystemExit(f"{python} does not import ema_workbench {EMA_VERSION}; give one with --ema-python PATH")
    return python


def run_ema(python: Path, x, y, integer, names, *, repeat: int, step: int, resamples: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_discover_") as tmp:
        draws, out = Path(tmp) / "draws.npz", Path(tmp) / "ema.json"
        np.savez(draws, x=x, y=y, integer=np.array(integer), names=np.array(names))
        argv = [str(draws), str(out), json.dumps(SETTINGS), *map(str, (repeat, step, resamples, seed))]
        done = subprocess.run([str(python), "-c", EMA_CHILD, *argv], cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"EMA run failed in {python}:\n{done.stderr.strip()[-2000:]}")
        return json.loads(out.read_text())


# --------------------------------------------------------------------------- the trajectories
def ema_moves(ema: dict, names) -> tuple[list[tuple[str, str]], int]:
    """EMA's (parameter, side) moved at each step from its box limits, and its number of peels."""
    low, up = np.array(ema["lower"]), np.array(ema["upper"])
    moves, peels = [], None
    for i in range(1, low.shape[0]):
        changed = [(names[j], "lower", low[i, j] > low[i - 1, j]) for j in np.flatnonzero(low[i] != low[i - 1])]
        changed += [(names[j], "upper", up[i, j] < up[i - 1, j]) for j in np.flatnonzero(up[i] != up[i - 1])]
        inward = all(c[2] for c in changed) and changed
        if not inward and peels is None:
            peels = i - 1                                 # the first paste ends the peeling
        moves.append(changed[0][:2] if len(changed) == 1 else ("+".join(c[0] for c in changed) or "(none)", "?"))
    return moves, (low.shape[0] - 1 if peels is None else peels)


def compare(ema: dict, res, names, k_steps: int | None, tolerance: float) -> dict:
    """Where the peeling trajectories agree and part (steps counted from 1; step 0 is every draw)."""
    moves, ema_peels = ema_moves(ema, names)
    ours = [(b.parameter, b.side) for b in res.trajectory[1:]]
    our_peels = len(ours)
    k = min(ema_peels, our_peels) if k_steps is None else min(k_steps, ema_peels, our_peels)
    dc = [abs(ema["coverage"][i] - res.trajectory[i].coverage) for i in range(k + 1)]
    dd = [abs(ema["density"][i] - res.trajectory[i].density) for i in range(k + 1)]
    part = next((i + 1 for i in range(k) if moves[i] != ours[i]), None)
    off = next((i for i in range(k + 1) if max(dc[i], dd[i]) > tolerance), None)
    short = (k_steps is None and ema_peels != our_peels) or (k_steps is not None and k < k_steps)
    counts = all(ema["n"][i] == res.trajectory[i].n and ema["k"][i] == res.trajectory[i].cases for i in range(k + 1))
    return dict(steps=k, ema_peels=ema_peels, our_peels=our_peels, ema_pastes=len(moves) - ema_peels,
                our_pastes=len(res.pastes), moves=moves, ours=ours, part=part, off=off, short=short,
                max_coverage=max(dc), max_density=max(dd), identical_counts=counts,
                agree=part is None and off is None and not short)


def describe(cmp: dict, ema: dict, res, labels: dict, tolerance: float) -> list[str]:
    """Lines saying whether and where the trajectories part."""
    lines = [f"  steps compared {cmp['steps']} (peels: EMA {cmp['ema_peels']}, wotsim {cmp['our_peels']}; pastes "
             f"after them: EMA {cmp['ema_pastes']} of its last peeled box, wotsim {cmp['our_pastes']} of its chosen "
             f"step {res.chosen})",
             f"  max |coverage difference| {cmp['max_coverage']:.2e}, max |density difference| "
             f"{cmp['max_density']:.2e}; draws and cases in the box identical at every step compared: "
             f"{'yes' if cmp['identical_counts'] else 'no'}"]
    show = min(cmp["steps"], 8) if cmp["part"] is None else min(cmp["part"] + 2, len(cmp["ours"]), len(cmp["moves"]))
    lines.append(f"  {'step':>4}  {'EMA moved':44s} {'wotsim moved':44s} coverage: EMA   wotsim  density: EMA   wotsim")
    for i in range(max(1, show - 10), show + 1):
        a, b = cmp["moves"][i - 1], cmp["ours"][i - 1]
        said = [f"{labels.get(p, p)[:44 - len(s) - 3]} ({s})" for p, s in (a, b)]
        mark = "" if a == b else "   <- parts"
        ours = res.trajectory[i]
        lines.append(f"  {i:4d}  {said[0]:44s} {said[1]:44s} {ema['coverage'][i]:13.4f} {ours.coverage:8.4f} "
                     f"{ema['density'][i]:13.4f} {ours.density:8.4f}{mark}")
    if cmp["agree"]:
        lines.append(f"  AGREE: the trajectories agree over {cmp['steps']} steps within {tolerance}")
        return lines
    why = []
    if cmp["part"] is not None:
        i = cmp["part"]
        (p, s), (q, t) = cmp["moves"][i - 1], cmp["ours"][i - 1]
        why.append(f"they part at step {i}: EMA moved {labels.get(p, p)} ({s}), wotsim {labels.get(q, q)} ({t}) "
                   f"(box before it: EMA {ema['n'][i - 1]} draws, {ema['k'][i - 1]} cases; wotsim "
                   f"{res.trajectory[i - 1].n}, {res.trajectory[i - 1].cases})")
    if cmp["off"] is not None:
        why.append(f"coverage or density differ by more than {tolerance} from step {cmp['off']}")
    if cmp["short"]:
        why.append(f"peels differ in number: EMA {cmp['ema_peels']}, wotsim {cmp['our_peels']}")
    lines.append("  DISAGREE: " + "; ".join(why))
    return lines


# --------------------------------------------------------------------------- the run
def draws_and_condition(config, samples: int, output: str, below: float):
    result = simulate(config, samples=samples)
    values = result.values_of(output)
    defined = np.isfinite(values)
    x, y = result.draws[defined], values[defined] < below
    integer = [bool(config.parameters[name].dist.integer) for name in result.parameters]
    return result, x, y, integer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--samples", type=int, help="draws for the comparison with EMA (default 32,768)")
    ap.add_argument("--big-samples", type=int, help="draws for the second discover run (default 131,072)")
    ap.add_argument("--output", default="social_ratio", help="the condition is OUTPUT < BELOW")
    ap.add_argument("--below", type=float, default=1.0)
    ap.add_argument("--resamples", type=int, default=10, help="R, for discover's and EMA's stability")
    ap.add_argument("--repeat", type=int, help="runs per time, the best kept (default 3, --quick 1)")
    ap.add_argument("--ema-python", type=Path, help=f"an interpreter with ema_workbench (default ${EMA_ENV}, "
                    f"else a venv made under {default_venv()})")
    ap.add_argument("--ema-resample", action="store_true", help="also time EMA's box.resample (minutes)")
    ap.add_argument("--steps", type=int, help="compare the first K steps only (default all)")
    ap.add_argument("--tolerance", type=float, default=0.01, help="on coverage and density (default 0.01)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--quick", action="store_true", help="smoke run: 4,096 draws, EMA only with --ema-python")
    args = ap.parse_args(argv)
    samples = args.samples or (4096 if args.quick else 32768)
    big = args.big_samples or (8192 if args.quick else 131072)
    repeat = args.repeat or (1 if args.quick else 3)
    ema_python = args.ema_python
    if ema_python is None and not args.quick:
        ema_python = Path(os.environ[EMA_ENV]) if os.environ.get(EMA_ENV) else make_venv(default_venv())

    config = load_config(args.config)
    condition = f"{args.output} < {args.below:g}"
    print(f"bench_discover: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {args.config.name}, "
          f"{config.simulation.sampler} draws, seed {config.simulation.seed}; condition {condition}; best of {repeat}")
    result, x, y, integer = draws_and_condition(config, samples, args.output, args.below)
    names = list(result.parameters)
    labels = {n: config.parameters[n].label or n for n in names}
    print(f"{x.shape[0]:,} draws x {x.shape[1]} parameters ({sum(integer)} integer), {int(y.sum()):,} cases "
          f"({y.mean():.1%}); {result.n - x.shape[0]} draws left out (output undefined)\n")

    importlib.import_module("scipy.stats")  # imported before timing (prim's quasi-p), as EMA's imports are
    res, t_prim = timed(repeat, lambda: prim(x, y, names=names, integer=integer, **SETTINGS))
    found, t_disc = timed(repeat, lambda: discover(result, output=args.output, below=args.below,
                                                   resamples=args.resamples))
    same = np.array_equal(found.boxes[0].coverage, [b.coverage for b in res.trajectory])
    big_result = simulate(config, samples=big)
    _, t_big = timed(repeat, lambda: discover(big_result, output=args.output, below=args.below,
                                              resamples=args.resamples))

    ema, cmp = None, None
    if ema_python is not None:
        ema = run_ema(ema_python, x, y, integer, names, repeat=repeat, step=res.chosen,
                      resamples=args.resamples if args.ema_resample else 0, seed=config.simulation.seed)
        cmp = compare(ema, res, names, args.steps, args.tolerance)

    rows = []
    if ema is not None:
        t_ema = Timing(ema["walls"], ema["cpus"])
        rows.append((f"EMA {ema['version']} Prim.find_box, {samples:,} draws", t_ema))
        if "resample" in ema:
            rows.append((f"  + box.resample(iterations={args.resamples}) (once)",
                         Timing([ema["resample"][0]], [ema["resample"][1]])))
            t_ema = Timing([t_ema.wall + ema["resample"][0]], [t_ema.cpu + ema["resample"][1]])
            rows.append(("  EMA find_box + resample", t_ema))
    rows += [(f"wotsim prim, {samples:,} draws", t_prim),
             (f"wotsim discover R={args.resamples}, {samples:,} draws", t_disc),
             (f"wotsim discover R={args.resamples}, {big:,} draws", t_big)]
    print("times: wall (CPU) seconds" + ("; ratio: EMA's time / this row's" if ema else ""))
    for label, t in rows:
        ratio = ""
        if ema is not None and label.startswith("wotsim"):
            what = "find_box + resample" if "resample" in ema and "discover" in label else "find_box"
            base = t_ema if what != "find_box" else Timing(ema["walls"], ema["cpus"])
            ratio = f"   EMA {what} / this: {base.wall / t.wall:7.1f}x wall, {base.cpu / t.cpu:7.1f}x CPU"
        print(f"  {label:48s} {t}{ratio}")
    if ema is not None and "resample" not in ema:
        print("  (the issue's measure, EMA's find_box + resample against discover at 4x the draws: add --ema-resample)")
    print(f"  (discover's first trajectory is prim's: {'yes' if same else 'NO'}; "
          f"chosen step {res.chosen} by {res.chosen_by}, {res.box.n_restricted} restrictions, "
          f"coverage {res.box.coverage:.3f}, density {res.box.density:.3f})")

    report = dict(config=str(args.config), condition=condition, samples=samples, big_samples=big,
                  resamples=args.resamples, repeat=repeat, prim=t_prim.walls, discover=t_disc.walls,
                  discover_big=t_big.walls, prim_cpu=t_prim.cpus, discover_cpu=t_disc.cpus,
                  discover_big_cpu=t_big.cpus, steps_wotsim=len(res.trajectory) - 1)
    code = 0
    if cmp is None:
        print("\ntrajectory: EMA skipped (give --ema-python PATH), nothing compared")
    else:
        print(f"\ntrajectory, EMA against wotsim on the same draws ({'all' if args.steps is None else args.steps} "
              "steps):")
        print("\n".join(describe(cmp, ema, res, labels, args.tolerance)))
        code = 0 if cmp["agree"] else 1
        report |= dict(ema_version=ema["version"], ema=ema["walls"], ema_cpu=ema["cpus"],
                       ema_resample=ema.get("resample"),
                       **{k: v for k, v in cmp.items() if k not in ("moves", "ours")})
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
