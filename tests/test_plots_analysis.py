"""Figures of the sensitivity, scenario and value-of-information results.

The model is linear in four independent uniforms on [0, 1] (horizon 1, discount
rate 0), so every number the figures show has a closed form:

* ``ratio = (4 x1 + 2 x2 + x3 + 0.2 x4) / 3.4``, ``net = 3.4 (ratio - 1)``;
* Sobol' indices ``S_i = a_i^2 / sum a_j^2`` with ``a = (4, 2, 1, 0.2)`` (first = total order);
* one-way: every other parameter at its base value 0.5, so the base ratio is
  3.6 / 3.4 and the switching values are x1 = 0.45, x2 = 0.4, x3 = 0.3 (at
  their own percentile, the uniform's CDF) and none for x4;
* the scenario ``narrower`` replaces x1 by U(0.2, 0.8): on common random
  numbers x1' = 0.2 + 0.6 u > u = x1 exactly when u < 0.5, so P(better) = 1/2
  and the mean difference is 0; ``same`` scales x2 by 1 (identical draws).

Each test finds artists by their ``gid`` and compares what is drawn with the
results objects (which the analyses' own tests check against closed forms);
where the figure shows a closed-form quantity, it is checked too, with a
tolerance of a few Monte Carlo standard errors or confidence half-widths.
Everything runs on the Agg canvas; pyplot is never imported.
"""

from __future__ import annotations

import dataclasses

import math
import tomllib

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from wotsim import parse_config, simulate
from wotsim.analysis.drivers import decision_drivers
from wotsim.errors import WotsimError
from wotsim.analysis.oneway import one_way
from wotsim.formatting import figure_number as _fmt_number
from wotsim.formatting import plus_minus as _pm
from wotsim.formatting import share_pm
from wotsim.plots import (
    drivers_chart,
    evppi_ranking,
    new_axes,
    scenario_comparison,
    scenario_figures,
    sensitivity_figures,
    sobol_bars,
    sobol_convergence,
    tornado,
)
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.voi import keep_voi

A = np.array([4.0, 2.0, 1.0, 0.2])
COST = 3.4
S_TRUE = A**2 / np.sum(A**2)
NAMES = ("x1", "x2", "x3", "x4")
LABELS = ["X1", "X2", "X3", "X4"]  # what a figure shows for a parameter without a label: its id humanised

CONFIG = f"""
[study]
name = "linear test"
currency = "EUR"
price_year = 2019
unit_of_analysis = "per cohort"
horizon = 1
discount_rate = 0.0

[simulation]
samples = 4096
seed = 11
sampler = "mc"

[stakeholders]
society = "Society"

[parameters.x1]
dist = "uniform"
low = 0.0
high = 1.0
group = "main"

[parameters.x2]
dist = "uniform"
low = 0.0
high = 1.0
group = "main"

[parameters.x3]
dist = "uniform"
low = 0.0
high = 1.0
group = "minor"

[parameters.x4]
dist = "uniform"
low = 0.0
high = 1.0
group = "tiny"

[[items]]
id = "gain"
kind = "benefit"
stakeholder = "society"
financial = true
value = "4 * x1 + 2 * x2 + x3 + 0.2 * x4"

[[items]]
id = "outlay"
kind = "cost"
stakeholder = "society"
financial = true
value = {COST}

[outputs.ratio]
label = "Test ratio"
measure = "ratio"

[outputs.net]
label = "Test net value"
measure = "npv"
"""

SCENARIOS = {
    "narrower": {"scenario": {"label": "Narrower x1", "description": "x1 from U(0.2, 0.8)", "evidence": "test",
                              "category": "test"},
                 "replace": {"x1": {"dist": "uniform", "low": 0.2, "high": 0.8}}},
    "same": {"scenario": {"label": "Same as the base", "description": "x2 scaled by 1", "evidence": "test",
                          "category": "other"},
             "scale": {"x2": 1.0}},
}


@pytest.fixture(scope="module")
def config():
    return parse_config(tomllib.loads(CONFIG), file="linear.toml")


@pytest.fixture(scope="module")
def sobol(config):
    return sobol_indices(config, outputs=["ratio", "net"], samples=2**10, seed=3)


@pytest.fixture(scope="module")
def sobol_small(config):
    # 32 base samples (the fewest: 4 randomisations of 8): wide CIs, so factors are "not stable"
    return sobol_indices(config, outputs=["ratio"], samples=32, seed=3)


@pytest.fixture(scope="module")
def sobol_grouped(config):
    return sobol_indices(config, outputs=["ratio"], samples=2**9, seed=3, groups="group")


@pytest.fixture(scope="module")
def oneway(config):
    return one_way(config, output="ratio")


@pytest.fixture(scope="module")
def result(config):
    return simulate(config, samples=4096, sampler="mc")


@pytest.fixture(scope="module")
def drivers(result):
    return decision_drivers(result, output="ratio")


@pytest.fixture(scope="module")
def comparison(config):
    scenarios = [parse_scenario(data, config, file=f"{sid}.toml", default_id=sid) for sid, data in SCENARIOS.items()]
    return compare(config, scenarios, outputs=["ratio", "net"], samples=4096, sampler="mc")


@pytest.fixture(scope="module")
def voi(result):
    return keep_voi(result, output="net")


def _by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def _one(fig: Figure, gid: str):
    found = _by_gid(fig, gid)
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {len(found)}"
    return found[0]


def _vline_x(line: Line2D) -> float:
    x = np.asarray(line.get_xdata(), dtype=float)
    assert x[0] == x[1]
    return float(x[0])


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def _ticklabels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def _xerr(collection: LineCollection) -> np.ndarray:
    """Half-lengths of horizontal error bars."""
    return np.array([abs(seg[1, 0] - seg[0, 0]) / 2 for seg in collection.get_segments()])


def _bar_sort(patches) -> list:
    return sorted(patches, key=lambda p: p.get_y())


# ------------------------------------------------------------------ Sobol' bars
def test_sobol_bars_draw_the_ranked_indices_with_their_intervals(sobol):
    ind = sobol.indices["ratio"]
    fig = sobol_bars(sobol, output="ratio")
    ax = fig.axes[0]
    st, s1 = _bar_sort(_by_gid(fig, "ST")), _bar_sort(_by_gid(fig, "S1"))
    assert len(st) == len(s1) == 4
    order = ind.order
    np.testing.assert_array_equal([p.get_width() for p in st], ind.ST[order])
    np.testing.assert_array_equal([p.get_width() for p in s1], ind.S1[order])
    np.testing.assert_allclose(np.sort(_xerr(_one(fig, "ST_conf"))), np.sort(ind.ST_conf), rtol=1e-12)
    np.testing.assert_allclose(np.sort(_xerr(_one(fig, "S1_conf"))), np.sort(ind.S1_conf), rtol=1e-12)
    # ranked as the closed form ranks them, bars within two CI half-widths of S_i = a_i^2 / sum a_j^2;
    # the parameters have no labels: their ids humanised
    assert _ticklabels(ax) == LABELS
    assert np.all(np.abs(ind.ST[order] - S_TRUE) <= 2 * ind.ST_conf[order] + 1e-3)
    assert np.all(np.abs(ind.S1[order] - S_TRUE) <= 2 * ind.S1_conf[order] + 1e-3)
    assert "Sobol' index" in ax.get_xlabel() and "test ratio" in ax.get_xlabel()
    assert ax.get_title(loc="left") == "Test ratio: Sobol' sensitivity indices"
    assert "N = 1,024 base samples" in _one(fig, "subtitle").get_text()


def test_sobol_bars_mark_exactly_the_factors_that_are_not_stable(sobol, sobol_small):
    for res in (sobol, sobol_small):
        ind = res.indices["ratio"]
        fig = sobol_bars(res, output="ratio")
        marks = _by_gid(fig, "not_stable")
        assert len(marks) == sum(v != "stable" for v in ind.verdicts)
    ind = sobol_small.indices["ratio"]
    assert any(v != "stable" for v in ind.verdicts)  # the small design must exercise the marks
    # each mark sits on the row of its factor and names the reason
    fig = sobol_bars(sobol_small, output="ratio")
    rows = {i: ind.factors[j] for i, j in enumerate(ind.order)}
    for mark in _by_gid(fig, "not_stable"):
        j = ind.factors.index(rows[int(round(mark.xy[1]))])
        assert ind.verdicts[j] == "not stable"
        assert ind.convergence.reasons[j] in mark.get_text()


def test_sobol_bars_top_and_groups_with_member_counts(sobol, sobol_grouped):
    ind = sobol.indices["ratio"]
    fig = sobol_bars(sobol, output="ratio", top=2)
    assert len(_by_gid(fig, "ST")) == 2
    assert f"2 more not shown (total order ≤ {ind.ST[ind.order[2]]:.3f} each)" in _one(fig, "footnote").get_text()
    fig = sobol_bars(sobol_grouped, output="ratio")
    labels = _ticklabels(fig.axes[0])
    assert labels == ["Main (2 parameters)", "Minor (1 parameter)", "Tiny (1 parameter)"]
    g = sobol_grouped.indices["ratio"]
    truth = np.array([S_TRUE[0] + S_TRUE[1], S_TRUE[2], S_TRUE[3]])
    widths = [p.get_width() for p in _bar_sort(_by_gid(fig, "ST"))]
    np.testing.assert_array_equal(widths, g.ST[g.order])
    assert np.all(np.abs(np.array(widths) - truth) <= 2 * g.ST_conf[g.order] + 1e-3)
    assert "per parameter group" in _one(fig, "subtitle").get_text()


# ------------------------------------------------------------------ Sobol' convergence
def test_sobol_convergence_draws_each_factor_against_n_with_ci_bands(sobol):
    ind = sobol.indices["ratio"]
    conv = ind.convergence
    fig = sobol_convergence(sobol, output="ratio", top=3)
    panels = [a for a in fig.axes if a.get_gid() != "header"]
    assert len(panels) == 3
    for a, j in zip(panels, ind.order[:3]):
        f = ind.factors[j]
        st = _one(fig, f"ST:{f}")
        s1 = _one(fig, f"S1:{f}")
        assert st.axes is a and s1.axes is a
        np.testing.assert_array_equal(st.get_xdata(), conv.n)
        np.testing.assert_array_equal(st.get_ydata(), conv.ST[:, j])
        np.testing.assert_array_equal(s1.get_ydata(), conv.S1[:, j])
        band = _one(fig, f"ST_band:{f}").get_paths()[0].vertices
        for n, lo, hi in zip(conv.n, conv.ST[:, j] - conv.ST_conf[:, j], conv.ST[:, j] + conv.ST_conf[:, j]):
            ys = band[np.isclose(band[:, 0], n), 1]
            assert np.isclose(ys.min(), lo) and np.isclose(ys.max(), hi)
        assert a.get_title(loc="left").startswith(f.upper())  # "X1": the id humanised
        assert ind.verdicts[j] in a.get_title(loc="left")
    assert _by_gid(fig, f"ST:{ind.factors[ind.order[3]]}") == []


def test_sobol_convergence_on_one_axes_overlays_the_factors(sobol):
    fig, ax = new_axes()
    assert sobol_convergence(sobol, output="ratio", ax=ax, top=2) is fig
    assert len(fig.axes) == 1
    lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith(("ST:", "S1:"))]
    assert len(lines) == 4
    assert ax.get_title(loc="left")


# ------------------------------------------------------------------ tornado
def test_tornado_bars_span_base_to_the_outputs_at_the_percentiles(oneway):
    fig = tornado(oneway)
    ax = fig.axes[0]
    base = 3.6 / COST
    assert oneway.base == pytest.approx(base, rel=1e-12)
    assert _vline_x(_one(fig, "base")) == oneway.base
    assert _vline_x(_one(fig, "threshold")) == 1.0
    low, high = _bar_sort(_by_gid(fig, "low")), _bar_sort(_by_gid(fig, "high"))
    assert len(low) == len(high) == 4
    for b, lo_patch, hi_patch in zip(oneway.bars, low, high):
        a = A[NAMES.index(b.parameter)]
        assert lo_patch.get_x() == hi_patch.get_x() == oneway.base
        assert lo_patch.get_x() + lo_patch.get_width() == pytest.approx(b.low_output, rel=1e-12)
        assert hi_patch.get_x() + hi_patch.get_width() == pytest.approx(b.high_output, rel=1e-12)
        # closed form: the parameter at 0.05 and 0.95, the others at 0.5
        assert b.low_output == pytest.approx(base - a * 0.45 / COST, rel=1e-12)
        assert b.high_output == pytest.approx(base + a * 0.45 / COST, rel=1e-12)
    assert [b.label for b in oneway.bars] == list(NAMES)  # no labels in the config: the figure humanises the ids
    assert _ticklabels(ax) == LABELS
    inputs = [t.get_text() for t in _by_gid(fig, "low_input")]
    assert inputs == [_fmt_number(b.low_input) for b in oneway.bars] == ["0.05"] * 4


def test_tornado_states_the_switching_values_and_their_percentiles(oneway):
    fig = tornado(oneway)
    texts = [t.get_text() for t in sorted(_by_gid(fig, "switching"), key=lambda t: t.xy[1])]
    truth = {"x1": 0.45, "x2": 0.4, "x3": 0.3}
    assert len(texts) == 4
    for b, s, text in zip(oneway.bars, oneway.switching, texts):
        if b.parameter in truth:
            assert s.value == pytest.approx(truth[b.parameter], abs=1e-9)
            assert text == f"switches at {_fmt_number(s.value)} (p{s.percentile:.0f})"
            assert text.startswith(f"switches at {truth[b.parameter]:g} (p")
        else:
            assert s.value is None and text == "none in range"
    assert _one(fig, "column_header").get_text() == "switching value"


def test_tornado_npv_has_a_money_axis_and_top_limits_the_bars(config):
    fig = tornado(one_way(config, output="net"), config=config, top=2)
    ax = fig.axes[0]
    assert len(_by_gid(fig, "low")) == 2
    assert _vline_x(_one(fig, "threshold")) == 0.0
    assert ax.get_xlabel() == "Test net value (EUR, 2019 prices, present value)"
    assert "2 more parameters not shown" in _one(fig, "footnote").get_text()


# ------------------------------------------------------------------ decision drivers
def test_drivers_chart_plots_p_by_bin_with_se_bars_and_the_overall_line(drivers):
    d = drivers
    fig = drivers_chart(d, top=3)
    panels = [a for a in fig.axes if a.get_gid() != "header"]
    assert len(panels) == 3
    for a, name, j in zip(panels, d.parameters, range(3)):
        line = _one(fig, f"p_by_bin:{name}")
        assert line.axes is a
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, d.bins + 1))
        np.testing.assert_array_equal(line.get_ydata(), d.p_by_bin[j])
        segs = _one(fig, f"p_by_bin_se:{name}").get_segments()
        np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segs], 2 * d.p_by_bin_se[j], rtol=1e-12)
        assert f"S = {d.first_order[j]:.3f} ± {d.first_order_se[j]:.3f}" in a.get_title(loc="left")
    for line in _by_gid(fig, "p_overall"):
        assert np.all(np.asarray(line.get_ydata()) == d.p_above)
    # truth: x1 drives the decision most; P(ratio > 1) rises with it, quintile by quintile
    assert d.parameters[0] == "x1"
    assert np.all(np.diff(d.p_by_bin[0]) > 0)
    # the overall probability is P(4 x1 + 2 x2 + x3 + 0.2 x4 > 3.4), within 4 SE of its estimate
    rng = np.random.default_rng(np.random.SeedSequence(1))
    x = rng.random((400_000, 4))
    p_true = float(np.mean(x @ A > COST))
    assert abs(d.p_above - p_true) < 4 * d.p_above_se + 4 * math.sqrt(p_true * (1 - p_true) / x.shape[0])


def test_drivers_chart_on_one_axes_overlays_the_parameters(drivers):
    fig, ax = new_axes()
    assert drivers_chart(drivers, ax=ax, top=2) is fig
    assert len([line for line in ax.get_lines() if (line.get_gid() or "").startswith("p_by_bin:")]) == 2


# ------------------------------------------------------------------ scenarios
def test_scenario_comparison_draws_intervals_medians_and_base_cases(comparison):
    fig = scenario_comparison(comparison, output="ratio")
    ax = fig.axes[0]
    outcomes = [r.outcomes["ratio"] for r in comparison.runs]
    bars = _bar_sort(_by_gid(fig, "interval"))
    assert len(bars) == 3
    for bar, o in zip(bars, outcomes):
        assert bar.get_x() == o.interval[0]
        assert bar.get_x() + bar.get_width() == pytest.approx(o.interval[1], rel=1e-12)
    np.testing.assert_array_equal(_one(fig, "median").get_xdata(), [o.summary.median for o in outcomes])
    np.testing.assert_array_equal(_one(fig, "base").get_xdata(), [o.summary.base for o in outcomes])
    assert _vline_x(_one(fig, "threshold")) == 1.0
    assert _ticklabels(ax) == ["Base analysis", "Narrower x1", "Same as the base"]
    assert len(_by_gid(fig, "separator")) == 2  # before the first scenario, and between categories


def test_scenario_comparison_annotates_paired_difference_and_p_better(comparison):
    fig = scenario_comparison(comparison, output="ratio")
    narrower = comparison.run("narrower").outcomes["ratio"].difference
    # truth: on common random numbers P(better) = 1/2 and the mean difference is 0
    assert abs(narrower.p_better - 0.5) < 4 * narrower.p_better_se
    assert abs(narrower.mean) < 4 * narrower.mean_se
    p_texts = [t.get_text() for t in _by_gid(fig, "p_better")]
    assert p_texts == [share_pm(narrower.p_better, narrower.p_better_se)]  # "50.6% ± 0.8%": rounded to its error
    diffs = [t.get_text() for t in sorted(_by_gid(fig, "diff_mean"), key=lambda t: t.xy[1])]
    assert diffs == ["reference", _pm(narrower.mean, narrower.mean_se, signed=True), "identical"]
    assert "common random numbers" in _one(fig, "subtitle").get_text()


def test_scenario_comparison_npv_uses_money_and_rejects_unknown_outputs(comparison):
    fig = scenario_comparison(comparison, output="net")
    assert fig.axes[0].get_xlabel() == "Test net value (EUR, 2019 prices, present value)"
    assert _vline_x(_one(fig, "threshold")) == 0.0
    with pytest.raises(WotsimError, match="'costs' was not compared; compared: ratio, net"):
        scenario_comparison(comparison, output="costs")


def test_pm_rounds_to_the_standard_error():
    assert _pm(-0.03812, 0.00041, signed=True) == "\u22120.0381 ± 0.0004"
    assert _pm(0.141, 0.0039) == "0.141 ± 0.004"
    assert _pm(1.0, 0.0) == "1.000"
    assert _pm(-212_345, 2874, measure="npv", currency="EUR", signed=True) == "\u2212€212k ± €3k"
    assert _pm(30_120, 144, measure="npv", currency="EUR", signed=True) == "+€30.1k ± €0.1k"


# ------------------------------------------------------------------ value of information
def test_evppi_ranking_bars_are_the_estimates_with_the_evpi_line(voi, config):
    fig = evppi_ranking(voi, config=config)
    ax = fig.axes[0]
    rows = list(voi.groups) + list(voi.parameters)
    bars = _bar_sort(_by_gid(fig, "evppi_group") + _by_gid(fig, "evppi_parameter"))
    assert len(bars) == len(rows) == 3 + 4
    np.testing.assert_array_equal([b.get_width() for b in bars], [e.value for e in rows])
    np.testing.assert_allclose(_xerr(_one(fig, "evppi_se")), [e.se for e in rows], rtol=1e-12)
    # the noise level: an EVPPI at or below floor + 2 se is not distinguishable from 0
    np.testing.assert_array_equal(_one(fig, "noise").get_xdata(), [e.floor + 2 * e.se for e in rows])
    assert _vline_x(_one(fig, "evpi")) == voi.evpi
    labels = _ticklabels(ax)
    assert labels[:3] == [f"{e.name.capitalize()} ({len(e.parameters)} parameter{'s' if len(e.parameters) > 1 else ''})"
                          for e in voi.groups]  # group ids humanised: "Main (2 parameters)"
    assert [t.get_fontweight() for t in ax.get_yticklabels()][:4] == ["bold"] * 3 + ["normal"]
    # truth: x1 and x2 carry most of the value of information, in that order; EVPPI <= EVPI
    assert labels[3:5] == ["X1", "X2"]
    assert all(e.value <= voi.evpi for e in rows)
    assert ax.get_xlabel() == "EVPPI per cohort (EUR, 2019 prices, present value)"
    texts = " ".join(x.get_text() for x in fig.findobj(matplotlib.text.Text))
    assert "expected gain per cohort (present value)" in texts
    # the unit comes from the config: without [study] unit_of_analysis the amounts carry no qualifier
    bare = dataclasses.replace(config, study=dataclasses.replace(config.study, unit_of_analysis=""))
    bare_ax = evppi_ranking(voi, config=bare).axes[0]
    assert bare_ax.get_xlabel() == "EVPPI (EUR, 2019 prices, present value)"
    # EVPI of INB = 4 x1 + 2 x2 + x3 + 0.2 x4 - 3.4, within 4 SE of a large independent sample
    rng = np.random.default_rng(np.random.SeedSequence(2))
    inb = rng.random((400_000, 4)) @ A - COST
    loss = np.maximum(inb, 0) - (inb if inb.mean() > 0 else 0)
    assert abs(voi.evpi - loss.mean()) < 4 * voi.evpi_se + 4 * loss.std() / math.sqrt(inb.size)


def test_evppi_ranking_draws_each_noise_floor_and_explains_a_longer_bar_marked_0(voi, config):
    # a parameter whose noise floor is raised above its estimate is "~0" although its bar is longer than
    # the next one's, which clears its own floor: the figure must show both floors and say what "~0" means
    x1, x2 = voi.parameters[:2]
    noisy = dataclasses.replace(x1, floor=x1.value)  # value <= floor + 2 se: not distinguishable from 0
    assert not noisy.distinguishable and x2.distinguishable and noisy.value > x2.value
    v = dataclasses.replace(voi, parameters=(noisy, x2, *voi.parameters[2:]))
    fig = evppi_ranking(v, config=config)
    rows = list(v.groups) + list(v.parameters)
    boxes = _bar_sort(_by_gid(fig, "noise_floor"))
    bars = _bar_sort(_by_gid(fig, "evppi_group") + _by_gid(fig, "evppi_parameter"))
    np.testing.assert_array_equal([b.get_width() for b in boxes], [e.floor + 2 * e.se for e in rows])
    assert [b.get_y() + b.get_height() / 2 for b in boxes] == pytest.approx([b.get_y() + b.get_height() / 2
                                                                            for b in bars])
    assert all(box.get_height() > bar.get_height() for box, bar in zip(boxes, bars))  # the box shows around the bar
    i, j = len(v.groups), len(v.groups) + 1
    assert bars[i].get_width() > bars[j].get_width()
    assert bars[i].get_width() <= boxes[i].get_width() and bars[j].get_width() > boxes[j].get_width()
    values = [t.get_text() for t in _by_gid(fig, "evppi_value")]
    assert values[i].endswith("~0") and not values[j].endswith("~0")
    note = " ".join(_one(fig, "footnote").get_text().split())  # as read, without the wrapping
    assert "~0: the estimate does not clear its noise floor + 2 SE" in note
    assert "not distinguishable from zero" in note and "a ~0 bar can be longer than one that clears" in note
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "noise floor + 2 SE (a bar inside it: ~0)" in legend and "~0: not distinguishable from 0" in legend
    # without a "~0" row, no legend entry for a style nothing has
    clear = dataclasses.replace(voi, groups=tuple(e for e in voi.groups if e.distinguishable),
                                parameters=tuple(e for e in voi.parameters if e.distinguishable))
    assert clear.parameters  # x1 and x2 at least
    legend = [t.get_text() for t in evppi_ranking(clear).axes[0].get_legend().get_texts()]
    assert "parameter" in legend and "~0: not distinguishable from 0" not in legend


def test_evppi_ranking_top_and_indistinguishable_marks(voi):
    fig = evppi_ranking(voi, top=2)
    assert len(_by_gid(fig, "evppi_parameter")) == 2
    assert "2 more parameters not shown" in _one(fig, "footnote").get_text()
    values = [t.get_text() for t in _by_gid(fig, "evppi_value")]
    rows = list(voi.groups) + list(voi.parameters[:2])
    assert [v.endswith("~0") for v in values] == [not e.distinguishable for e in rows]


# ------------------------------------------------------------------ collections and style
def _assert_greyscale(name: str, fig: Figure) -> None:
    drawn = (Line2D, Rectangle, PolyCollection, LineCollection)
    for artist in fig.findobj(lambda a: isinstance(a, drawn) and a.get_visible()):
        if isinstance(artist, Line2D):
            colours = [artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()]
        elif isinstance(artist, Rectangle):
            colours = [artist.get_facecolor(), artist.get_edgecolor()]
        else:
            colours = list(artist.get_facecolor()) + list(artist.get_edgecolor())
        for c in colours:
            if isinstance(c, str) and c == "none":
                continue
            r, g, b, _ = to_rgba(c)
            assert r == pytest.approx(g) == pytest.approx(b), f"{name}: {artist} is coloured {c}"
    for text in fig.findobj(matplotlib.text.Text):
        r, g, b, _ = to_rgba(text.get_color())
        assert r == pytest.approx(g) == pytest.approx(b), f"{name}: text {text.get_text()!r} is coloured"


def test_figure_collections_are_greyscale_titled_and_named(sobol_grouped, sobol, oneway, drivers, comparison, voi,
                                                           config):
    names = []
    for name, fig in [*sensitivity_figures(sobol, oneway, drivers, config=config),
                      *sensitivity_figures(sobol_grouped),
                      *scenario_figures(comparison, [voi])]:
        names.append(name)
        _assert_greyscale(name, fig)
        assert fig.axes[0].get_title(loc="left"), name
        assert _by_gid(fig, "subtitle"), name
        assert "linear test" in _texts(fig), name
    assert names == ["sobol_ratio", "sobol_convergence_ratio", "sobol_net", "sobol_convergence_net",
                     "tornado_ratio", "drivers_ratio", "sobol_group_ratio", "sobol_group_convergence_ratio",
                     "scenarios_ratio", "scenarios_net", "evppi_keep"]
    assert list(sensitivity_figures()) == [] and list(scenario_figures()) == []


def test_figures_on_given_axes_return_their_figure(sobol, oneway, comparison, voi):
    for draw in (lambda ax: sobol_bars(sobol, output="ratio", ax=ax), lambda ax: tornado(oneway, ax=ax),
                 lambda ax: scenario_comparison(comparison, output="ratio", ax=ax), lambda ax: evppi_ranking(voi, ax=ax)):
        fig, ax = new_axes()
        assert draw(ax) is fig and len(fig.axes) == 1


def test_bad_arguments_are_wotsim_errors(sobol, oneway, drivers):
    with pytest.raises(WotsimError, match="no Sobol' indices for output 'costs'; analysed: ratio, net"):
        sobol_bars(sobol, output="costs")
    with pytest.raises(WotsimError, match="top must be a whole number >= 1, got 0"):
        tornado(oneway, top=0)
    fig, ax = new_axes()
    with pytest.raises(WotsimError, match="at least 3 Axes"):
        drivers_chart(drivers, ax=[ax, ax], top=3)
