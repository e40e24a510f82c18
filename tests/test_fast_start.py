"""Fast start and fast small runs (issue 10, point 5).

* ``wotsim --help``, the parser and argument errors import no scipy, SALib,
  matplotlib or pandas (nor numpy), checked in a fresh interpreter;
* the inverse CDF is scipy's exact ppf below ``TABLE_MIN_VALUES`` values in all
  and the verified table from there on; the two agree to the table's tolerance,
  and the choice depends on the run's sample count only: never on the chunk
  size, nor on what earlier runs left in the cache;
* a distribution is built once per distinct specification, a table once per
  distribution.

No timings are asserted: benchmarks/bench_start.py measures them.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wotsim import parse_config
from wotsim.config import distributions
from wotsim.config import fastppf as _fastppf
from wotsim.config.loading import load_config
from wotsim.config.distributions import TABLE_MIN_VALUES, make_distribution
from wotsim.config.overlays import find_scenarios
from wotsim.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
HEAVY = ("scipy", "SALib", "matplotlib", "pandas")
#: The table's verified accuracy, relative to the support's scale (wotsim.config.fastppf.RTOL).
PPF_RTOL = 1e-10


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


# --------------------------------------------------------------------------- imports
def test_building_the_parser_imports_nothing_heavy():
    out = _python("import wotsim.cli, sys; wotsim.cli.build_parser(); "
                  f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    assert out == "[]"


def test_help_and_argument_errors_import_nothing_heavy():
    # numpy too: it would cost a third of the 0.3 s that `wotsim --help` may take
    code = f"""
import contextlib, io, json, sys
import wotsim.cli
codes = []
for argv in (["--help"], ["--version"], [], ["run"], ["nope"], ["run", "x.toml", "--samples", "0"],
             ["run", "x.toml", "--sampler", "qmc"], ["sensitivity", "x.toml", "--groups", "colour"],
             ["compare", "x.toml", "--seed", "-1"], ["report", "x.toml"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            codes.append(wotsim.cli.main(argv))
        except SystemExit as exc:
            codes.append(exc.code)
print(json.dumps([codes, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY + ("numpy",)!r})]))
"""
    codes, heavy = json.loads(_python(code))
    assert codes == [0, 0, 2, 2, 2, 2, 2, 2, 2, 2]
    assert heavy == []


#: Modules above the config layer (tests/test_config_layer.py).
ABOVE_CONFIG = ("wotsim.model", "wotsim.sampling", "wotsim.simulate", "wotsim.results", "wotsim.analysis",
                "wotsim.plots", "wotsim.report", "wotsim.cli")


@functools.cache
def fresh_interpreter() -> dict:
    """What one fresh interpreter loads, step by step (each step only adds modules, so each check sees what it
    would see alone; a fresh interpreter with numpy, scipy and matplotlib costs about 0.7 s of CPU, so the checks
    of three modules share one):

    1. ``import wotsim``: ``light``, the HEAVY modules loaded (none);
    2. a config and its scenarios loaded: ``above_config``, the modules above the config layer loaded (none;
       tests/test_config_layer.py);
    3. the submodules that import ``wotsim.simulate``, then every name of ``__all__``: ``names`` (this test);
    4. the Monte Carlo figures drawn and one saved as PNG and SVG, with ``MPLBACKEND`` naming a backend that does
       not exist (pyplot would fail to load it): ``figures`` (tests/test_plots.py::test_plots_never_import_pyplot).
    """
    code = f"""
import json, sys, tempfile, tomllib
out = {{}}
import wotsim
out["light"] = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})
from wotsim.config import load_config
from wotsim.config.overlays import find_scenarios
find_scenarios(load_config({str(SCHIEDAM)!r}))
out["above_config"] = sorted(m for m in sys.modules if m.startswith({ABOVE_CONFIG!r}))
import wotsim.analysis.drivers, wotsim.analysis.scenarios  # these import the submodule wotsim.simulate
out["names"] = [callable(wotsim.simulate), wotsim.simulate.__module__, wotsim.model.__name__,
                all(getattr(wotsim, n) is not None for n in wotsim.__all__), "SALib" in sys.modules]
try:
    from wotsim import parse_config, simulate
    from wotsim.plots import simulation_figures, save_figure
    sys.path.insert(0, {str(Path(__file__).parent)!r})
    from test_results_curves import CONFIG
    r = simulate(parse_config(tomllib.loads(CONFIG)), samples=256)
    figures = dict(simulation_figures(r))
    with tempfile.TemporaryDirectory() as tmp:
        written = save_figure(figures["fan_total"], tmp + "/fan", formats=("png", "svg"))
        saved = [p.name for p in written if p.stat().st_size > 0]
    out["figures"] = [len(figures), saved, "matplotlib.pyplot" in sys.modules]
except Exception as exc:
    out["figures"] = f"{{type(exc).__name__}}: {{exc}}"
print(json.dumps(out))
"""
    env = {**os.environ, "MPLBACKEND": "module://nonexistent_backend"}  # pyplot would fail to load it
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_wotsim_is_light_and_its_names_resolve():
    """``import wotsim`` loads none of HEAVY (SALib among them); every name in ``__all__`` resolves, and resolving
    them loads SALib (the public face is lazy, not incomplete); ``wotsim.simulate`` stays the function."""
    checked = fresh_interpreter()
    assert checked["light"] == []
    assert checked["names"] == [True, "wotsim.simulate", "wotsim.model", True, True]


# --------------------------------------------------------------------------- exact or tabulated inverse CDF
SMALL = {
    "study": {"name": "fast start", "horizon": 3, "discount_rate": 0.03},
    "simulation": {"sampler": "mc", "seed": 5},
    "stakeholders": {"a": "A"},
    "parameters": {
        "x": {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 6.0},
        "g": {"dist": "gamma", "mean": 2.0, "sd": 0.7},
        "t": {"dist": "truncnormal", "mean": 1.0, "sd": 0.5, "low": 0.2, "high": 2.0},
        "b": {"dist": "beta", "alpha": 2.0, "beta": 5.0},
        "y": {"dist": "normal", "mean": 4.0, "sd": 1.0},
    },
    "items": [
        {"id": "gain", "kind": "benefit", "stakeholder": "a", "financial": True, "value": "x * y + g",
         "persistence": "b"},
        {"id": "outlay", "kind": "cost", "stakeholder": "a", "financial": True, "value": "t + 1"},
    ],
    "outputs": {"ratio": {}},
}
TABULATED = ("x", "g", "t", "b")
BELOW, ABOVE = TABLE_MIN_VALUES // 4, TABLE_MIN_VALUES + 1500


@pytest.fixture
def fresh():
    """Empty distribution cache (so that new configs get new Distribution objects), emptied again after."""
    distributions._cached.cache_clear()
    yield
    distributions._cached.cache_clear()


def small_config(**changes):
    data = copy.deepcopy(SMALL)
    for name, table in changes.items():
        data["parameters"][name] = table
    return parse_config(data, file="<fast start>")


def test_exact_and_table_agree_within_the_tables_tolerance():
    u = np.random.default_rng(3).random(5000)
    u[:4] = [2.0**-53, 1e-12, 1 - 1e-12, 1 - 2.0**-53]
    for name in TABULATED:
        d = small_config().parameters[name].dist
        exact, table = d.ppf(u, n=TABLE_MIN_VALUES - 1), d.ppf(u, n=TABLE_MIN_VALUES)
        np.testing.assert_array_equal(exact, d.rv.ppf(u))  # below: scipy's own ppf
        np.testing.assert_array_equal(table, d._table()(u))  # from the threshold on: the table
        lo, hi = d.support()
        assert np.max(np.abs(exact - table)) <= PPF_RTOL * (hi - lo if np.isfinite(hi) else np.abs(exact).max())
        assert np.any(exact != table), "the two paths should be distinguishable, or this test proves nothing"
    # the default n is the number of values asked for
    d = small_config().parameters["x"].dist
    np.testing.assert_array_equal(d.ppf(u[:10]), d.rv.ppf(u[:10]))
    big = np.resize(u, TABLE_MIN_VALUES)
    np.testing.assert_array_equal(d.ppf(big), d._table()(big))


@pytest.mark.parametrize("n", [BELOW, ABOVE], ids=["below", "above"])
def test_choice_depends_on_the_run_size_not_on_the_chunk_size(n):
    cfg = small_config()
    runs = [simulate(cfg, samples=n, chunk_size=c) for c in (100, 65536)]
    for a in ("draws", "item_pv", "yearly"):
        np.testing.assert_array_equal(getattr(runs[0], a), getattr(runs[1], a))
    # and the path is the one the run's size calls for, in every chunk
    u = np.random.default_rng(11).random((n, len(cfg.uncertain)))
    draws = simulate(cfg, uniforms=u, chunk_size=100).draws
    for j, name in enumerate(cfg.uncertain):
        d = cfg.parameters[name].dist
        expected = d._table()(u[:, j]) if n >= TABLE_MIN_VALUES and name in TABULATED else d.rv.ppf(u[:, j])
        np.testing.assert_array_equal(draws[:, j], expected, err_msg=name)


def test_choice_does_not_depend_on_tables_built_earlier(fresh):
    cfg = small_config()
    before = simulate(cfg, samples=BELOW, chunk_size=333)
    simulate(cfg, samples=ABOVE)  # builds the tables
    assert all(cfg.parameters[name].dist._cache.get("table") is not None for name in TABULATED)
    after = simulate(cfg, samples=BELOW, chunk_size=BELOW)
    np.testing.assert_array_equal(before.draws, after.draws)
    np.testing.assert_array_equal(before.item_pv, after.item_pv)


# --------------------------------------------------------------------------- built once per specification
def _count_calls(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_distribution_is_built_once_per_specification(fresh, monkeypatch):
    built = _count_calls(monkeypatch, distributions, "_make")
    data = copy.deepcopy(SMALL)
    # the same numbers under other metadata: one distribution
    data["parameters"]["x2"] = dict(data["parameters"]["x"], label="another x", source="elsewhere")
    data["items"][0]["value"] = "x * y + g + x2"
    cfg = parse_config(data, file="<fast start>")
    assert built[0] == len(SMALL["parameters"])
    assert cfg.parameters["x2"].dist is cfg.parameters["x"].dist
    again = parse_config(copy.deepcopy(data), file="<again>")
    assert built[0] == len(SMALL["parameters"])
    assert all(again.parameters[k].dist is cfg.parameters[k].dist for k in cfg.parameters)
    # a different base, order of keys or type is another specification
    x = SMALL["parameters"]["x"]
    assert make_distribution(dict(x, base=3.0)).base == 3.0 and make_distribution(x).base == 2.0
    assert make_distribution({"dist": "uniform", "low": 0, "high": 1}).params == {"low": 0.0, "high": 1.0}
    with pytest.raises(distributions.DistributionError, match="must be a number"):
        make_distribution({"dist": "uniform", "low": False, "high": 1})  # False == 0, but not a number
    assert str(make_distribution({"dist": "normal", "mean": 0.0, "sd": 1.0}).params["mean"]) == "0.0"
    assert str(make_distribution({"dist": "normal", "mean": -0.0, "sd": 1.0}).params["mean"]) == "-0.0"  # -0.0 == 0.0


def test_schiedam_and_its_scenarios_build_each_distribution_once(fresh, monkeypatch):
    built = _count_calls(monkeypatch, distributions, "_make")
    config = load_config(SCHIEDAM)
    scenarios = find_scenarios(config)
    configs = [config] + [sc.config for sc in scenarios]
    specs = {(p.dist.name, tuple(p.dist.params.items()), p.dist.base) for c in configs for p in c.parameters.values()}
    assert built[0] == len(specs) < len(configs) * len(config.parameters) / 5
    objects = {}
    for c in configs:
        for p in c.parameters.values():
            key = (p.dist.name, tuple(p.dist.params.items()), p.dist.base)
            assert objects.setdefault(key, p.dist) is p.dist


def test_a_table_is_built_once_per_distribution_and_only_for_large_runs(fresh, monkeypatch):
    tables = _count_calls(monkeypatch, _fastppf, "build")
    cfg = small_config()
    simulate(cfg, samples=BELOW, chunk_size=100)
    assert tables[0] == 0
    simulate(cfg, samples=ABOVE, chunk_size=1000)
    assert tables[0] == len(TABULATED)
    simulate(cfg, samples=ABOVE, seed=9)
    simulate(small_config(), samples=ABOVE)  # another config with the same tables: shared
    assert tables[0] == len(TABULATED)
    other = small_config(x={"dist": "pert", "low": 1.0, "mode": 3.0, "high": 6.0})
    simulate(other, samples=ABOVE)
    assert tables[0] == len(TABULATED) + 1
