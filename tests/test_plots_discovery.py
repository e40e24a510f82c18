"""The scenario-discovery figures (wotsim.plots.discovery) against the Discovery they draw.

A tiny config with labelled parameters (units, evidence tags, an integer one), two benefit
items and three outputs: ``sharp_ratio`` is below 1 exactly when x1 < 0.3 and x2 > 2400 (a
box PRIM finds whole, no pasting), ``smooth_ratio`` falls gradually (a box that pasting widens,
and a second box by covering).  Every drawn coordinate is checked against the Discovery's own
numbers; every label against the config's labels (no id may show).
"""

from __future__ import annotations

import dataclasses
import re
import textwrap

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import wotsim
from wotsim import plots
from wotsim.analysis.discover import discover
from wotsim.errors import WotsimError
from wotsim.formatting import significant
from wotsim.plots.discovery import condition_title

CONFIG = textwrap.dedent("""
    [study]
    name = "discovery figures"
    currency = "EUR"
    horizon = 1
    discount_rate = 0.0

    [simulation]
    samples = 2048
    seed = 5
    sampler = "mc"

    [stakeholders]
    city = "The city"

    [parameters.x1]
    label = "Share of effect"
    unit = "share"
    evidence = "assumed"
    dist = "uniform"
    low = 0.0
    high = 1.0

    [parameters.x2]
    label = "Households reached"
    unit = "households"
    evidence = "sourced"
    dist = "uniform"
    low = 1000.0
    high = 3000.0

    [parameters.x3]
    label = "Value per case"
    unit = "EUR"
    evidence = "derived"
    dist = "uniform"
    low = 0.0
    high = 1.0

    [parameters.x4]
    label = "Staff per team"
    dist = "integer"
    low = 1
    high = 8

    [[items]]
    id = "sharp"
    kind = "benefit"
    stakeholder = "city"
    financial = true
    value = "1.5 * (1 - (x1 < 0.3) * (x2 > 2400)) + 0.01 * x3"

    [[items]]
    id = "smooth"
    kind = "benefit"
    stakeholder = "city"
    financial = true
    value = "0.55 + 0.5 * x1 + 0.00012 * (x2 - 1000) + 0.25 * x3 + 0.02 * x4"

    [[items]]
    id = "outlay"
    kind = "cost"
    stakeholder = "city"
    financial = true
    value = 1.0

    [outputs.sharp_ratio]
    label = "Sharp ratio"
    measure = "ratio"
    benefits = ["sharp"]
    costs = ["outlay"]

    [outputs.smooth_ratio]
    label = "Smooth ratio"
    measure = "ratio"
    benefits = ["smooth"]
    costs = ["outlay"]

    [outputs.smooth_net]
    label = "Smooth net value"
    measure = "npv"
    benefits = ["smooth"]
    costs = ["outlay"]

    [scenarios.narrower]
    scenario = { label = "Narrower share", description = "x1 from U(0.2, 0.8)", evidence = "test", category = "test" }
    replace = { x1 = { dist = "uniform", low = 0.2, high = 0.8 } }
    """)

LABELS = {"x1": "Share of effect", "x2": "Households reached", "x3": "Value per case", "x4": "Staff per team"}
UNITS = {"x1": "share", "x2": "households", "x3": "EUR", "x4": ""}
IDS = ("x1", "x2", "x3", "x4", "sharp_ratio", "smooth_ratio", "smooth_net", "narrower")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("discovery") / "discovery.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return wotsim.load_config(path)


@pytest.fixture(scope="module")
def run(config):
    return wotsim.simulate(config, samples=2**11, seed=5)


@pytest.fixture(scope="module")
def sharp(run):
    d = discover(run, output="sharp_ratio", below=1, resamples=2)
    assert [b.restricted for b in d.boxes] == [("x1", "x2")] and d.boxes[0].pastes == ()  # the setting the tests need
    return d


@pytest.fixture(scope="module")
def smooth(run):
    d = discover(run, output="smooth_ratio", below=1.05, min_coverage=0.3, peel_alpha=0.1, boxes=2, resamples=2)
    assert len(d.boxes) == 2 and d.boxes[0].pastes  # a pasted first box, a second box by covering
    return d


def _by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def _one(fig: Figure, gid: str):
    found = _by_gid(fig, gid)
    assert len(found) == 1, (gid, found)
    return found[0]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _title(fig: Figure) -> str:
    return fig.axes[0].get_title(loc="left")


def _close(*figs: Figure) -> None:
    for fig in figs:
        fig.clear()


# ------------------------------------------------------------------ trajectory
def test_trajectory_draws_every_step_shaded_by_its_restrictions(smooth):
    b = smooth.boxes[0]
    fig = plots.discovery_trajectory(smooth)
    points = _one(fig, "trajectory")
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([b.coverage, b.density]))
    np.testing.assert_array_equal(points.get_array(), b.n_restricted)
    # greyscale, one shade per count, darker with more restrictions
    shades = points.to_rgba(np.arange(b.n_restricted.max() + 1))
    assert np.allclose(shades[:, 0], shades[:, 1]) and np.allclose(shades[:, 1], shades[:, 2])
    assert np.all(np.diff(shades[:, 0]) < 0)
    assert _one(fig, "base_density").get_ydata()[0] == b.density[0] == b.n_cases / b.n_draws
    assert _title(fig) == "Smooth ratio below 1.05: peeling trajectory of box 1"
    _close(fig)


def test_trajectory_marks_the_chosen_step_and_the_box_after_pasting(smooth, sharp):
    b = smooth.boxes[0]
    fig = plots.discovery_trajectory(smooth, box=1)
    chosen = _one(fig, "chosen")
    assert (chosen.get_xdata()[0], chosen.get_ydata()[0]) == (b.coverage[b.chosen], b.density[b.chosen])
    pasted = _one(fig, "pasted")
    assert (pasted.get_xdata()[0], pasted.get_ydata()[0]) == (b.box_coverage, b.box_density)
    assert b.box_coverage > b.coverage[b.chosen]  # pasting widened it
    assert any("Pasting then widened the box on households reached (upper)" in t for t in _texts(fig))
    # a box pasting left alone: the chosen step is the box, and no second marker
    s = sharp.boxes[0]
    plain_fig = plots.discovery_trajectory(sharp)
    chosen = _one(plain_fig, "chosen")
    assert (chosen.get_xdata()[0], chosen.get_ydata()[0]) == (s.box_coverage, s.box_density)
    assert _by_gid(plain_fig, "pasted") == []
    # the second box, searched on the draws outside the first
    second = plots.discovery_trajectory(smooth, box=2)
    b2 = smooth.boxes[1]
    np.testing.assert_array_equal(_one(second, "trajectory").get_offsets()[:, 0], b2.coverage)
    assert f"box 2 searched on the {b2.n_draws:,} draws outside earlier boxes" in _one(second, "subtitle").get_text()
    _close(fig, plain_fig, second)


def test_titles_say_the_condition_in_the_config_labels(run, config, sharp):
    assert _title(plots.discovery_limits(sharp)) == "Sharp ratio below 1: limits of box 1"
    where = discover(run, where="sharp_ratio < 1 and smooth_ratio > 0.9", resamples=0)
    assert condition_title(where) == "Sharp ratio < 1 and smooth ratio > 0.9"
    money = discover(run, output="smooth_net", above=0.3, resamples=0)
    assert condition_title(money) == "Smooth net value above €0"  # money as figures print it
    comparison = wotsim.compare(config, wotsim.find_scenarios(config, ["narrower"]), outputs=["smooth_ratio"],
                                samples=2**11, seed=5, sampler="mc")
    worse = discover(comparison, scenario="narrower", output="smooth_ratio", resamples=0)
    fig = plots.discovery_trajectory(worse)
    assert _title(fig) == "Narrower share does worse than the base on smooth ratio:\nPeeling trajectory of box 1"
    _close(fig)


# ------------------------------------------------------------------ limits
def test_limit_bars_span_the_percentiles_in_the_order_of_restriction(smooth):
    for b in smooth.boxes:
        fig = plots.discovery_limits(smooth, box=b.index)
        bars = _by_gid(fig, "limits")
        assert len(bars) == len(b.restrictions) >= 3
        for bar, r in zip(bars, b.restrictions):
            assert bar.get_x() == pytest.approx(100 * r.lower_percentile, abs=1e-12)
            assert bar.get_x() + bar.get_width() == pytest.approx(100 * r.upper_percentile, abs=1e-12)
        for track in _by_gid(fig, "track"):
            assert (track.get_x(), track.get_width()) == (0.0, 100.0)
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert ticks == [LABELS[r.parameter] for r in b.restrictions]  # PRIM's order, labels not ids
        evidence = [t.get_text() for t in _by_gid(fig, "evidence")]
        assert evidence == [{"x4": "—"}.get(r.parameter, smooth.parameter(r.parameter).evidence)
                            for r in b.restrictions]
        _close(fig)


def test_limits_in_units_with_their_percentiles(sharp):
    b = sharp.boxes[0]
    x1, x2 = b.restrictions  # x1 < 0.3 (upper side), x2 > 2400 (lower side)
    fig = plots.discovery_limits(sharp)
    shown = [t.get_text() for t in _by_gid(fig, "limit_units")]
    # as the terminal and the report print them: three significant figures, the same percentiles
    assert shown == [f"≤ {significant(x1.upper)} (p{100 * x1.upper_percentile:.0f})\nshare",
                     f"≥ {significant(x2.lower)} (p{100 * x2.lower_percentile:.0f})\nhouseholds"]
    assert shown == ["≤ 0.3 (p30)\nshare", "≥ 2,400 (p70)\nhouseholds"]
    _close(fig)


def test_stability_is_the_share_of_resamples_per_parameter(sharp):
    b = sharp.boxes[0]
    assert [t.get_text() for t in _by_gid(plots.discovery_limits(sharp), "stability")] == [
        f"{b.stability_coverage[0]:.0%}", f"{b.stability_coverage[1]:.0%}"]
    # distinct shares per parameter (x1, x2, x3, x4): each row reads its own parameter's
    shares = dataclasses.replace(b, stability_coverage=np.array([0.25, 0.75, 0.5, 1.0]))
    fig = plots.discovery_limits(dataclasses.replace(sharp, boxes=(shares,)))
    assert [t.get_text() for t in _by_gid(fig, "stability")] == ["25%", "75%"]
    reordered = dataclasses.replace(shares, restrictions=b.restrictions[::-1])  # rows x2, x1: still by parameter
    fig4 = plots.discovery_limits(dataclasses.replace(sharp, boxes=(reordered,)))
    assert [t.get_text() for t in _by_gid(fig4, "stability")] == ["75%", "25%"]
    undefined = dataclasses.replace(b, stability_coverage=np.array([np.nan, 0.5, 0.5, 0.5]))
    fig2 = plots.discovery_limits(dataclasses.replace(sharp, boxes=(undefined,)))
    assert [t.get_text() for t in _by_gid(fig2, "stability")] == ["n/a", "50%"]
    fig3 = plots.discovery_limits(dataclasses.replace(sharp, resamples=0))
    assert [t.get_text() for t in _by_gid(fig3, "stability")] == ["n/a", "n/a"]
    assert any("n/a: no resamples ran" in t for t in _texts(fig3))
    _close(fig, fig2, fig3, fig4)


# ------------------------------------------------------------------ scatter
def test_scatter_draws_the_box_on_its_two_most_important_parameters(sharp):
    b = sharp.boxes[0]
    first, second = sorted(b.restrictions, key=lambda r: r.density_drop, reverse=True)
    assert first.parameter == "x2"  # here lifting x2 costs slightly more density than lifting x1
    fig = plots.discovery_scatter(sharp)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Households reached (households)" and ax.get_ylabel() == "Share of effect (share)"
    x, y = sharp.names.index("x2"), sharp.names.index("x1")
    cases = sharp.sample_y
    np.testing.assert_array_equal(_one(fig, "cases").get_offsets(), sharp.sample_x[cases][:, [x, y]])
    np.testing.assert_array_equal(_one(fig, "others").get_offsets(), sharp.sample_x[~cases][:, [x, y]])
    box = _one(fig, "box")
    (x0, y0), (x1, y1) = box.get_xy(), (box.get_x() + box.get_width(), box.get_y() + box.get_height())
    # restricted sides at the limits, free sides at the axis limits
    assert x0 == first.lower and x1 == ax.get_xlim()[1]
    assert y0 == ax.get_ylim()[0] and y1 == pytest.approx(second.upper, rel=1e-15)
    _close(fig)


def test_scatter_of_one_restriction_and_of_none(run, sharp):
    one = discover(run, output="sharp_ratio", below=1, resamples=0, step=10)  # an early step: x1 alone
    b = one.boxes[0]
    assert b.restricted == ("x1",) and not b.restrictions[0].lower_restricted
    fig = plots.discovery_scatter(one)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Share of effect (share)"
    assert ax.get_ylabel() == "Households reached (households)"  # the most stable other (all 0: the first other)
    box = _one(fig, "box")
    assert (box.get_x(), box.get_x() + box.get_width()) == pytest.approx((ax.get_xlim()[0], b.restrictions[0].upper),
                                                                         rel=1e-15)
    assert (box.get_y(), box.get_y() + box.get_height()) == pytest.approx(ax.get_ylim(), rel=1e-15)
    assert any("The box restricts only share of effect; households reached is shown beside it" in t
               for t in _texts(fig))
    _close(fig)
    none = discover(run, output="sharp_ratio", below=1, resamples=0, step=0)
    assert none.boxes[0].restrictions == ()
    with pytest.raises(WotsimError, match="no pairwise scatter of box 1: it restricts no parameter"):
        plots.discovery_scatter(none)
    assert [stem for stem, _ in plots.figures_for(none)] == ["discover_trajectory_1", "discover_limits_1"]
    assert _by_gid(plots.discovery_limits(none), "empty")[0].get_text().startswith("Box 1 restricts no parameter")


def test_scatter_of_a_later_box_leaves_out_the_earlier_boxes_draws(smooth):
    kept = (smooth.sample_box == 0) | (smooth.sample_box >= 2)
    assert 0 < np.count_nonzero(~kept) < kept.size
    fig = plots.discovery_scatter(smooth, box=2)
    shown = len(_one(fig, "cases").get_offsets()) + len(_one(fig, "others").get_offsets())
    assert shown == np.count_nonzero(kept)
    assert len(_one(fig, "cases").get_offsets()) == np.count_nonzero(smooth.sample_y[kept])
    assert len(plots.discovery_scatter(smooth, box=1).findobj(lambda a: a.get_gid() == "others")[0].get_offsets()) \
        == np.count_nonzero(~smooth.sample_y)  # box 1 shows every kept draw
    _close(fig)


# ------------------------------------------------------------------ every figure, names and errors
def test_figures_for_a_discovery_gives_three_figures_per_box(sharp, smooth):
    figures = dict(plots.figures_for(sharp))
    assert list(figures) == ["discover_trajectory_1", "discover_limits_1", "discover_scatter_1"]
    assert all(isinstance(f, Figure) for f in figures.values())
    assert list(plots.figures_for(dataclasses.replace(sharp, boxes=()))) == []
    # two boxes, three figures each: test_no_figure_shows_an_id_where_a_label_exists (which draws them)


def test_no_figure_shows_an_id_where_a_label_exists(smooth):
    stems = []
    for stem, fig in plots.discovery_figures(smooth):
        stems.append(stem)
        assert isinstance(fig, Figure)
        fig.canvas.draw()  # the whole figure lays out, ticks and all
        words = " ".join(_texts(fig) + [t.get_text() for a in fig.axes for t in a.get_yticklabels()])
        for name in IDS:
            assert not re.search(rf"\b{name}\b", words), (stem, name)
        if "trajectory" not in stem:  # a trajectory names parameters only when pasting moved them
            assert any(label in words for label in LABELS.values()), stem
        _close(fig)
    assert stems == ["discover_trajectory_1", "discover_limits_1", "discover_scatter_1",
                     "discover_trajectory_2", "discover_limits_2", "discover_scatter_2"]


def test_a_box_that_is_not_there_is_one_clear_error(sharp):
    for function in (plots.discovery_trajectory, plots.discovery_limits, plots.discovery_scatter):
        with pytest.raises(WotsimError, match=r"^no box 2: the discovery found box 1$"):
            function(sharp, box=2)
        with pytest.raises(WotsimError, match="no box 0"):
            function(sharp, box=0)
        with pytest.raises(WotsimError, match="box must be a whole number"):
            function(sharp, box=1.0)
    with pytest.raises(WotsimError, match=r"no box 1: the discovery found no box"):
        plots.discovery_trajectory(dataclasses.replace(sharp, boxes=()))
