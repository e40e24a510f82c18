"""Every kind of result has figures: :func:`wotsim.plots.figures_for` and the Morris and PAWN figures.

One small config with labelled parameters (so a figure that showed ids instead of labels
would fail), every analysis run on a tiny sample, every figure drawn once on the Agg canvas.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import textwrap
import tomllib

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import wotsim
from wotsim import plots
from wotsim.errors import WotsimError

CONFIG = textwrap.dedent("""
    [study]
    name = "every result"
    currency = "EUR"
    price_year = 2021
    horizon = 1
    discount_rate = 0.0

    [simulation]
    samples = 512
    seed = 7
    sampler = "mc"

    [stakeholders]
    city = "The city"

    [parameters.x1]
    label = "Share of effect"
    dist = "uniform"
    low = 0.0
    high = 1.0
    group = "main"

    [parameters.x2]
    label = "Households reached"
    dist = "uniform"
    low = 0.0
    high = 1.0
    group = "main"

    [parameters.x3]
    label = "Value per case"
    dist = "uniform"
    low = 0.0
    high = 1.0
    group = "minor"

    [parameters.x4]
    label = "Cost per hour"
    dist = "uniform"
    low = 0.0
    high = 1.0
    group = "tiny"

    [[items]]
    id = "gain"
    kind = "benefit"
    stakeholder = "city"
    financial = true
    value = "10000 * (4 * x1 + 2 * x2 * x3 + 0.2 * x4)"

    [[items]]
    id = "outlay"
    kind = "cost"
    stakeholder = "city"
    financial = true
    value = 30000.0

    [outputs.ratio]
    label = "Test ratio"
    measure = "ratio"

    [outputs.net]
    label = "Test net value"
    measure = "npv"

    [scenarios.narrower]
    scenario = { label = "Narrower share", description = "x1 from U(0.2, 0.8)", evidence = "test", category = "test" }
    replace = { x1 = { dist = "uniform", low = 0.2, high = 0.8 } }
    """)

LABELS = {"x1": "Share of effect", "x2": "Households reached", "x3": "Value per case", "x4": "Cost per hour"}


@pytest.fixture(scope="module")
def config():
    return wotsim.parse_config(tomllib.loads(CONFIG), file="every.toml")


@pytest.fixture(scope="module")
def result(config):
    return wotsim.simulate(config)


@pytest.fixture(scope="module")
def morris(config):
    return wotsim.morris_screening(config, outputs=["ratio", "net"], trajectories=8, resamples=50, seed=3)


@pytest.fixture(scope="module")
def pawn(result):
    return wotsim.pawn_indices(result, outputs=["ratio", "net"], slices=8)


def _figures(obj, **kwargs) -> dict[str, Figure]:
    figures = dict(plots.figures_for(obj, **kwargs))
    assert all(isinstance(f, Figure) for f in figures.values())
    return figures


def _title(fig: Figure) -> str:
    """The bold title of a figure (on its first axes, or on the header strip of a grid of panels)."""
    return next(a.get_title(loc="left") for a in fig.axes if a.get_title(loc="left"))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


# ------------------------------------------------------------------ Morris
def test_morris_result_draws_the_mu_star_sigma_plane_per_output(morris, config):
    figures = _figures(morris, config=config)
    assert list(figures) == ["morris_ratio", "morris_net"]
    ind = morris.indices["ratio"]
    fig = figures["morris_ratio"]
    ax = fig.axes[0]
    assert _title(fig) == "Test ratio: Morris screening"
    assert ax.get_xlabel() == "μ*: mean absolute elementary effect"
    assert ax.get_ylabel() == "σ: standard deviation of the effects"
    points, = _by_gid(fig, "factors")
    assert len(points.get_xdata()) == len(ind.factors) == 4  # one point per factor, at (μ*, σ)
    np.testing.assert_array_equal(points.get_xdata(), ind.mu_star)
    np.testing.assert_array_equal(points.get_ydata(), ind.sigma)
    bars, = _by_gid(fig, "mu_star_conf")  # horizontal error bars: μ* ± its confidence half-width
    half = [abs(seg[1, 0] - seg[0, 0]) / 2 for seg in bars.get_segments()]
    np.testing.assert_allclose(half, ind.mu_star_conf, rtol=1e-9, atol=1e-12)
    diagonal, = _by_gid(fig, "sigma_ratio_1")
    x, y = diagonal.get_data()
    np.testing.assert_allclose(y, x)  # the reference line σ = μ*
    assert {"σ = μ*", "σ = 0.5 μ*", "σ = 0.1 μ*"} <= set(_texts(fig))
    shown = [t.get_text() for t in _by_gid(fig, "factor_label")]
    assert shown == [LABELS[ind.factors[j]] for j in ind.order]  # labels, largest μ* first; never ids
    # interacting x2 and x3 lie above the x-axis; additive x1 and x4 on it
    assert min(ind.sigma[1], ind.sigma[2]) > 10 * max(ind.sigma[0], ind.sigma[3])


def test_morris_money_axes_and_labelling_only_the_top_factors(morris, config):
    fig = plots.morris_chart(morris, output="net", top=2, config=config)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "μ*: mean absolute elementary effect (thousand EUR)"
    assert ax.get_ylabel() == "σ: standard deviation of the effects (thousand EUR)"
    assert len(_by_gid(fig, "factors")[0].get_xdata()) == 4
    ind = morris.indices["net"]
    assert [t.get_text() for t in _by_gid(fig, "factor_label")] == [LABELS[ind.factors[j]] for j in ind.order[:2]]
    assert any("2 more factors drawn but not labelled" in t for t in _texts(fig))
    # without a config: the labels and the measure come from the result and its manifest
    bare = plots.morris_chart(morris, output="net", top=2)
    assert bare.axes[0].get_xlabel() == ax.get_xlabel() and _title(bare) == "Test net value: Morris screening"


def test_grouped_morris_without_sigma_draws_ranked_mu_star_bars(config):
    grouped = wotsim.morris_screening(config, outputs=["ratio"], trajectories=8, resamples=50, seed=3, groups="group")
    figures = _figures(grouped, config=config)
    assert list(figures) == ["morris_group_ratio"]
    fig = figures["morris_group_ratio"]
    ind = grouped.indices["ratio"]
    assert np.isnan(ind.sigma[list(ind.factors).index("main")])  # SALib: no σ for a group of several parameters
    bars = _by_gid(fig, "mu_star")
    assert len(bars) == len(ind.factors) == 3
    np.testing.assert_allclose(sorted(b.get_width() for b in bars), sorted(ind.mu_star))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # groups without a label: their ids humanised; with one in the config's [groups]: that label
    assert ticks[0] == "Main (2 parameters)" and set(ticks) == {"Main (2 parameters)", "Minor (1 parameter)",
                                                                "Tiny (1 parameter)"}
    assert any("no σ for a group of several parameters" in t for t in _texts(fig))
    labelled = dataclasses.replace(config, groups={"main": "Main drivers"})
    ticks = [t.get_text() for t in _figures(grouped, config=labelled)["morris_group_ratio"].axes[0].get_yticklabels()]
    assert set(ticks) == {"Main drivers (2 parameters)", "Minor (1 parameter)", "Tiny (1 parameter)"}


# ------------------------------------------------------------------ PAWN
def test_pawn_result_draws_ranked_indices_with_their_spread(pawn, config):
    figures = _figures(pawn, config=config)
    assert list(figures) == ["pawn_ratio", "pawn_net"]
    ind = pawn.indices["ratio"]
    fig = figures["pawn_ratio"]
    ax = fig.axes[0]
    assert _title(fig) == "Test ratio: PAWN sensitivity indices"
    assert ax.get_xlabel() == "PAWN index of the test ratio (Kolmogorov–Smirnov distance, 0 to 1)"
    order = list(ind.order)
    assert [t.get_text() for t in ax.get_yticklabels()] == [LABELS[ind.factors[j]] for j in order]
    median, = _by_gid(fig, "median")
    np.testing.assert_array_equal(median.get_xdata(), ind.median[order])
    assert list(median.get_xdata()) == sorted(median.get_xdata(), reverse=True)  # ranked by the median
    mean, = _by_gid(fig, "mean")
    np.testing.assert_array_equal(mean.get_xdata(), ind.mean[order])
    ranges = _by_gid(fig, "range")
    np.testing.assert_allclose([r.get_x() for r in ranges], ind.minimum[order])
    np.testing.assert_allclose([r.get_x() + r.get_width() for r in ranges], ind.maximum[order])
    null, = _by_gid(fig, "null_level")
    assert null.get_xdata()[0] == ind.null_level
    assert [t.get_text() for t in _by_gid(fig, "cv")] == [f"{ind.cv[j]:.2f}" for j in order]
    assert "512 mc samples · 8 conditioning slices per factor" in _by_gid(fig, "subtitle")[0].get_text()


def test_morris_and_pawn_show_hostile_labels_as_written(morris, pawn):
    hostile = r"$\undefined$ a $5"  # read as mathtext, drawing would raise
    for result, draw in ((morris, plots.morris_chart), (pawn, plots.pawn_bars)):
        renamed = dataclasses.replace(result, labels={f: hostile for f in result.factors})
        fig = draw(renamed, output="ratio")
        fig.savefig(io.BytesIO(), format="svg")
        assert plots.plain(hostile) in _texts(fig)


# ------------------------------------------------------------------ the other results
def test_simulation_result_yields_the_monte_carlo_figures(result):
    figures = _figures(result)
    assert list(figures) == [f"{kind}_{o}" for o in ("ratio", "net", "npv")
                             for kind in ("distribution", "cdf", "acceptability", "convergence")] + [
        "fan_total", "fan_city", "stakeholders"]
    assert _title(figures["distribution_ratio"]) == "Test ratio: Monte Carlo distribution"
    assert _title(figures["fan_city"]) == "Cumulative net value by year: The city"


def test_sobol_result_yields_bars_and_convergence_per_output(config):
    sobol = wotsim.sobol_indices(config, outputs=["ratio"], samples=32, seed=3)
    figures = _figures(sobol, config=config)
    assert list(figures) == ["sobol_ratio", "sobol_convergence_ratio"]
    assert _title(figures["sobol_ratio"]) == "Test ratio: Sobol' sensitivity indices"
    ticks = {t.get_text() for t in figures["sobol_ratio"].axes[0].get_yticklabels()}
    assert ticks == set(LABELS.values())
    assert "Test ratio: convergence of the Sobol' indices" in _texts(figures["sobol_convergence_ratio"])


def test_mappings_of_one_way_and_driver_results_yield_one_figure_per_output(config, result):
    oneway = {name: wotsim.one_way(config, output=name) for name in ("ratio", "net")}
    figures = _figures(oneway, config=config)
    assert list(figures) == ["tornado_ratio", "tornado_net"]
    assert _title(figures["tornado_net"]) == "Test net value: one-way sensitivity"
    assert {t.get_text() for t in figures["tornado_ratio"].axes[0].get_yticklabels()} == set(LABELS.values())
    drivers = {"ratio": wotsim.decision_drivers(result, output="ratio")}
    figures = _figures(drivers, config=config)
    assert list(figures) == ["drivers_ratio"]
    assert "Test ratio: which parameters decide P(ratio > 1)" in _texts(figures["drivers_ratio"])

    class Loaded(dict):  # as a loader gives them back: a mapping that carries its config
        pass

    loaded = Loaded(oneway)
    loaded.config = config
    assert "every result" not in _by_gid(_figures(dict(oneway))["tornado_ratio"], "subtitle")[0].get_text()
    assert "every result" in _by_gid(_figures(loaded)["tornado_ratio"], "subtitle")[0].get_text()


def test_comparison_and_value_of_information_results(config, result):
    comparison = wotsim.compare(config, wotsim.find_scenarios(config, ["narrower"]), outputs=["ratio", "net"],
                                samples=512, sampler="mc")
    figures = _figures(comparison)
    assert list(figures) == ["scenarios_ratio", "scenarios_net"]
    assert _title(figures["scenarios_ratio"]) == "Test ratio: scenarios compared"
    assert [t.get_text() for t in figures["scenarios_ratio"].axes[0].get_yticklabels()][1] == "Narrower share"
    voi = [wotsim.keep_voi(result, output="net"), wotsim.adoption_voi(comparison, "narrower", output="net")]
    figures = _figures(voi, config=config)
    assert list(figures) == ["evppi_keep", "evppi_adopt_narrower"]
    assert _title(figures["evppi_keep"]) == "Value of information: keep or stop"
    assert _title(figures["evppi_adopt_narrower"]) == "Value of information: adopt “Narrower” or keep the base"
    both = dict(plots.scenario_figures(comparison, voi))  # the comparison at hand: the scenario by its label
    assert _title(both["evppi_adopt_narrower"]) == "Value of information: adopt “Narrower share” or keep the base"
    assert list(plots.figures_for(voi[0], config=config))[0][0] == "evppi_keep"  # one result alone too


def test_an_object_without_figures_is_a_wotsim_error():
    for obj in (object(), {}, {"ratio": 1.0}, [1, 2]):
        with pytest.raises(WotsimError, match="no figures for a"):
            plots.figures_for(obj)


def test_no_figure_bakes_in_an_output():
    """Every public figure that draws one output takes it as a keyword-only argument with no default."""
    checked = 0
    for name in plots.__all__:
        function = getattr(plots, name)
        if callable(function) and not isinstance(function, type):
            output = inspect.signature(function).parameters.get("output")
            if output is not None:
                assert output.kind is inspect.Parameter.KEYWORD_ONLY, name
                assert output.default is inspect.Parameter.empty, name
                checked += 1
    assert checked == 9
