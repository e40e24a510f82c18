"""The discover benchmark (benchmarks/bench_discover.py): how it reads and compares the EMA Workbench's
peeling trajectory (fast, on an EMA trajectory built from wotsim's own limits, which is what EMA's
``box_lims`` hold when the two agree), and a slow smoke run against a real EMA interpreter."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wotsim.analysis.prim import prim

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_discover.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_discover", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(11)
    x = rng.random((400, 4))
    y = ((x[:, 0] < 0.4) & (x[:, 1] > 0.5)) | (rng.random(400) < 0.1)
    names = ["a", "b", "c", "d"]
    res = prim(x, y, names=names)
    return _bench(), res, names


def _ema_of(res, moves=None) -> dict:
    """EMA's trajectory as the child returns it, rebuilt from wotsim's: the limits after each step,
    with the steps' moves applied in the order ``moves`` (default wotsim's), then one paste."""
    steps = res.trajectory
    order = list(range(1, len(steps))) if moves is None else moves
    low, up = [steps[0].lower.copy()], [steps[0].upper.copy()]
    for i in order:
        j = res.names.index(steps[i].parameter)
        low.append(low[-1].copy())
        up.append(up[-1].copy())
        (low if steps[i].side == "lower" else up)[-1][j] = (steps[i].lower if steps[i].side == "lower"
                                                            else steps[i].upper)[j]
    last = steps[-1].restrictions[0]
    j, side = res.names.index(last.parameter), "lower" if last.lower_restricted else "upper"
    low.append(low[-1].copy())
    up.append(up[-1].copy())
    if side == "lower":
        low[-1][j] -= 0.01                                # a paste widens a limit
    else:
        up[-1][j] += 0.01
    stat = [steps[i] for i in range(len(steps))] + [steps[-1]]
    return dict(n=[b.n for b in stat], k=[b.cases for b in stat], coverage=[b.coverage for b in stat],
                density=[b.density for b in stat], lower=[v.tolist() for v in low], upper=[v.tolist() for v in up])


def test_the_same_trajectory_agrees_and_its_paste_is_not_a_peel(case):
    bench, res, names = case
    cmp = bench.compare(_ema_of(res), res, names, None, 0.01)
    assert cmp["agree"] and cmp["part"] is None and cmp["identical_counts"]
    assert cmp["steps"] == cmp["ema_peels"] == cmp["our_peels"] == len(res.trajectory) - 1 >= 4
    assert cmp["ema_pastes"] == 1 and cmp["max_coverage"] == cmp["max_density"] == 0
    assert cmp["moves"] == [(b.parameter, b.side) for b in res.trajectory[1:]] + [cmp["moves"][-1]]


def test_moves_in_another_order_part_at_the_first_difference(case):
    bench, res, names = case
    steps = res.trajectory
    i = next(i for i in range(1, len(steps) - 1)
             if (steps[i].parameter, steps[i].side) != (steps[i + 1].parameter, steps[i + 1].side))
    order = list(range(1, len(steps)))
    order[i - 1], order[i] = order[i], order[i - 1]
    cmp = bench.compare(_ema_of(res, order), res, names, None, 0.01)
    assert not cmp["agree"] and cmp["part"] == i
    assert cmp["moves"][i - 1] == (steps[i + 1].parameter, steps[i + 1].side)
    assert bench.compare(_ema_of(res, order), res, names, i - 1, 0.01)["agree"]  # the first i - 1 steps agree
    lines = bench.describe(cmp, _ema_of(res, order), res, {n: f"Label {n}" for n in names}, 0.01)
    assert lines[-1].startswith(f"  DISAGREE: they part at step {i}: EMA moved Label ")
    assert not any(line.startswith("  AGREE") for line in lines)


def test_coverage_and_density_within_the_tolerance_and_the_number_of_peels(case):
    bench, res, names = case
    ema = _ema_of(res)
    ema["density"][3] += 0.009
    assert bench.compare(ema, res, names, None, 0.01)["agree"]
    ema["coverage"][2] -= 0.011
    cmp = bench.compare(ema, res, names, None, 0.01)
    assert not cmp["agree"] and cmp["off"] == 2 and cmp["part"] is None
    short = _ema_of(res, list(range(1, len(res.trajectory) - 1)))   # EMA stops one peel earlier
    cmp = bench.compare(short, res, names, None, 0.01)
    assert not cmp["agree"] and cmp["short"] and cmp["ema_peels"] == cmp["our_peels"] - 1
    assert bench.compare(short, res, names, cmp["ema_peels"], 0.01)["agree"]


def _ema_python() -> Path | None:
    bench = _bench()
    given = os.environ.get(bench.EMA_ENV)
    python = Path(given) if given else bench.default_venv() / "bin" / "python"
    return python if python.exists() else None


@pytest.mark.slow
def test_quick_run_agrees_with_the_ema_workbench(tmp_path):
    python = _ema_python()
    if python is None:
        pytest.skip("no EMA Workbench interpreter: set WOTSIM_EMA_PYTHON or run benchmarks/bench_discover.py once")
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--ema-python", str(python), "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "AGREE: the trajectories agree over" in done.stdout
    r = json.loads(out.read_text())
    assert r["agree"] and r["part"] is None and r["off"] is None and r["identical_counts"]
    assert r["steps"] == r["ema_peels"] == r["our_peels"] == r["steps_wotsim"] > 20
    assert r["max_coverage"] <= 0.01 and r["max_density"] <= 0.01
