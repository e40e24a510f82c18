"""Figures: what is drawn must be the numbers the results hold.

Each test finds artists by their ``gid`` and compares plotted data with the
results objects (summaries, cumulative bands, exceedance, convergence), which
are themselves tested against closed forms in ``test_results_curves.py``.
Everything runs on the Agg canvas; pyplot is never imported.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import os
import sys
import textwrap
import tomllib
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from wotsim import parse_config, simulate
from wotsim.cli import main
from wotsim.errors import WotsimError
from wotsim.plots import (
    acceptability_curve,
    convergence_p,
    fan_chart,
    new_axes,
    ratio_cdf,
    ratio_distribution,
    save_figure,
    simulation_figures,
    stakeholder_chart,
)
from wotsim.formatting import share_pm
from wotsim.plots.style import UNDER_LINE, band_visible, base_equals_published
from wotsim.plots.style import ScaledFormatter as _ScaledFormatter

sys.path.insert(0, str(Path(__file__).parent))
from test_results_curves import CONFIG  # noqa: E402  (the closed-form model)

STUDY = "closed-form test"


@pytest.fixture(scope="module")
def result():
    config = parse_config(tomllib.loads(CONFIG), file="closed-form.toml")
    return simulate(config, samples=2048, sampler="sobol")


def _by_gid(fig: Figure, gid: str) -> list:
    return [a for a in fig.findobj(lambda a: a.get_gid() == gid)]


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


def _legend(fig: Figure) -> list[str]:
    """The entries of the figure's legends."""
    return [t.get_text() for a in fig.axes if a.get_legend() for t in a.get_legend().get_texts()]


# ------------------------------------------------------------------ distribution and CDF
def test_ratio_distribution_marks_base_target_break_even_and_states_p(result):
    s = result.summary["ratio_a"]
    fig = ratio_distribution(result, output="ratio_a")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    # the base case equals the published figure: one line, one label naming both, the ▼ at the target
    assert _vline_x(_one(fig, "base")) == s.base == 2.0
    assert not _by_gid(fig, "target") and _one(fig, "target_marker").get_xdata()[0] == s.target == 2.0
    assert "base case = published 2 (▼)" in _legend(fig)
    assert _vline_x(_one(fig, "threshold")) == 1.0
    text = _one(fig, "p_above").get_text()
    assert f"P(ratio > 1) = {s.p_above:.3f} ± {s.p_above_se:.3f}" in text
    lo, hi = s.interval(90)
    assert f"{lo:.3f} to {hi:.3f}" in text and f"median {s.median:.3f}" in text
    assert ax.get_xlabel() == "Ratio for A (benefits / costs)"
    assert ax.get_ylabel() == "Probability density"
    assert "Ratio for A" in ax.get_title(loc="left")
    assert STUDY in _one(fig, "subtitle").get_text() and "2,048 sobol samples" in _one(fig, "subtitle").get_text()


def test_ratio_distribution_histogram_is_a_density_split_at_break_even(result):
    values = result.outputs["ratio_a"]
    fig = ratio_distribution(result, output="ratio_a")
    below = [p for p in fig.findobj(Rectangle) if p.get_gid() == "hist_below"]
    above = [p for p in fig.findobj(Rectangle) if p.get_gid() == "hist_above"]
    assert below and above
    assert max(p.get_x() + p.get_width() for p in below) == pytest.approx(1.0)
    assert min(p.get_x() for p in above) == pytest.approx(1.0)
    assert all(p.get_hatch() for p in above) and not any(p.get_hatch() for p in below)
    # Bar areas are shares of all draws: the area above break-even is P(ratio > 1) within the shown range.
    lo, hi = fig.axes[0].get_xlim()
    area_above = sum(p.get_width() * p.get_height() for p in above)
    right = max(p.get_x() + p.get_width() for p in above)
    assert area_above == pytest.approx(np.mean((values > 1) & (values <= right)), rel=1e-9)
    area = area_above + sum(p.get_width() * p.get_height() for p in below)
    left = min(p.get_x() for p in below)
    assert area == pytest.approx(np.mean((values >= left) & (values <= right)), rel=1e-9)
    assert (lo, hi) == pytest.approx((left, right))  # the axis shows whole bins


def test_npv_distribution_uses_money_axis_with_currency_and_price_year(result):
    s = result.summary["net"]
    fig = ratio_distribution(result, output="net")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Net present value (million EUR, 2019 prices)"
    assert ax.get_ylabel() == "Probability density (per million EUR)"
    assert _vline_x(_one(fig, "threshold")) == 0.0 and _vline_x(_one(fig, "base")) == s.base
    assert f"P(NPV > 0) = {s.p_above:.3f}" in _one(fig, "p_above").get_text()
    assert not _by_gid(fig, "target")  # no published figure for this output
    # density per million EUR: bar areas in millions still sum to at most 1
    bars = [p for p in fig.findobj(Rectangle) if p.get_gid() in ("hist_below", "hist_above")]
    area = sum(p.get_width() * p.get_height() for p in bars) / 1e6
    assert 0.99 < area <= 1.0 + 1e-9


def test_ratio_cdf_plots_the_sorted_draws_and_the_probability_at_break_even(result):
    s = result.summary["ratio_a"]
    values = result.outputs["ratio_a"]
    fig = ratio_cdf(result, output="ratio_a")
    line = _one(fig, "ecdf")
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    np.testing.assert_array_equal(np.unique(x[np.isfinite(x)]), np.unique(values))
    assert y.min() == 0 and y.max() == 1 and np.all(np.diff(y) >= 0)
    point = _one(fig, "cdf_at_threshold")
    assert point.get_xdata()[0] == 1.0 and point.get_ydata()[0] == pytest.approx(1 - s.p_above)
    assert _vline_x(_one(fig, "base")) == s.base
    assert fig.axes[0].get_ylim() == (0, 1)


def test_drawing_on_given_axes_returns_their_figure(result):
    fig, ax = new_axes()
    assert ratio_distribution(result, output="ratio_a", ax=ax) is fig
    assert len(fig.axes) == 1 and _by_gid(fig, "base")


def test_unknown_output_is_a_wotsim_error(result):
    with pytest.raises(WotsimError, match="unknown output 'nope'; known: benefits, costs, npv, ratio_a"):
        ratio_distribution(result, output="nope")


# ------------------------------------------------------------------ acceptability and convergence
def test_acceptability_curve_draws_the_exceedance_with_two_se_band(result):
    s = result.summary["ratio_a"]
    ex = result.exceedance("ratio_a")
    fig = acceptability_curve(result, output="ratio_a")
    line = _one(fig, "exceedance")
    np.testing.assert_array_equal(line.get_xdata(), ex.thresholds)
    np.testing.assert_array_equal(line.get_ydata(), ex.p)
    band = _one(fig, "se_band")
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.max() == pytest.approx(np.max(np.clip(ex.p + 2 * ex.se, 0, 1)))
    assert np.all(np.isin(np.round(np.clip(ex.p + 2 * ex.se, 0, 1), 12), np.round(ys, 12)))
    point = _one(fig, "p_at_threshold")
    assert point.get_xdata()[0] == 1.0 and point.get_ydata()[0] == s.p_above
    assert "Threshold for the ratio for A" in fig.axes[0].get_xlabel()
    # named for what it shows: P(ratio >= x), not a cost-effectiveness acceptability curve
    assert fig.axes[0].get_title(loc="left") == "Ratio for A: probability of reaching each threshold"
    assert fig.axes[0].get_ylabel() == "Probability that the ratio reaches the threshold"
    assert "P(ratio ≥ threshold)" in _legend(fig) and "acceptab" not in _texts(fig).lower()


def test_convergence_figure_draws_prefix_estimates_with_two_se_bands(result):
    conv = result.convergence("ratio_a")
    s = result.summary["ratio_a"]
    fig = convergence_p(result, output="ratio_a")
    assert len(fig.axes) == 2
    for gid, est, se in [("p", conv.p_above, conv.p_above_se), ("mean", conv.mean, conv.mean_se)]:
        line = _one(fig, f"{gid}_line")
        np.testing.assert_array_equal(line.get_xdata(), conv.n)
        np.testing.assert_array_equal(line.get_ydata(), est)
        verts = _one(fig, f"{gid}_band").get_paths()[0].vertices
        for n, lo, hi in zip(conv.n, est - 2 * se, est + 2 * se):
            at_n = verts[np.isclose(verts[:, 0], n), 1]
            assert np.any(np.isclose(at_n, lo)) and np.any(np.isclose(at_n, hi))
    assert _one(fig, "p_final").get_ydata()[0] == s.p_above
    assert _one(fig, "mean_final").get_ydata()[0] == s.mean
    assert fig.axes[0].get_xscale() == "log"


def test_convergence_on_one_given_axes_draws_the_probability_only(result):
    fig, ax = new_axes()
    assert convergence_p(result, output="net", ax=ax) is fig
    assert _by_gid(fig, "p_line") and not _by_gid(fig, "mean_line")


# ------------------------------------------------------------------ fan chart and stakeholders
@pytest.mark.parametrize("stakeholder", [None, "a", "b"])
def test_fan_chart_bands_and_lines_are_the_stored_quantiles(result, stakeholder):
    bands = result.cumulative_bands(stakeholder, (50.0, 90.0))
    fig = fan_chart(result, stakeholder)
    polys = [c for c in fig.findobj(PolyCollection) if (c.get_gid() or "").startswith("band")]
    assert sorted(c.get_gid() for c in polys) == ["band50", "band90"]
    for i, level in enumerate(bands.levels):
        verts = _one(fig, f"band{level:g}").get_paths()[0].vertices
        for t in bands.years:
            at_t = verts[np.isclose(verts[:, 0], t), 1]
            assert np.any(np.isclose(at_t, bands.lower[i, t])) and np.any(np.isclose(at_t, bands.upper[i, t]))
    np.testing.assert_array_equal(_one(fig, "median").get_ydata(), bands.median)
    np.testing.assert_array_equal(_one(fig, "base").get_ydata(), bands.base)
    # the narrow band is darker than the wide one (greyscale luminance)
    assert to_rgba(_one(fig, "band50").get_facecolor()[0])[0] < to_rgba(_one(fig, "band90").get_facecolor()[0])[0]
    ax = fig.axes[0]
    assert "EUR" in ax.get_ylabel() and "2019 prices" in ax.get_ylabel()
    who = "all stakeholders" if stakeholder is None else result.config.stakeholders[stakeholder]
    assert ax.get_title(loc="left").endswith(who)


def test_stakeholder_chart_bars_are_base_and_whiskers_the_90_percent_interval(result):
    fig = stakeholder_chart(result)
    ax = fig.axes[0]
    ids = list(result.config.stakeholders)
    bars = _by_gid(fig, "base")
    assert len(bars) == len(ids)
    summaries = [result.summary[f"net:{sid}"] for sid in ids]
    for bar, s in zip(bars, summaries):
        assert bar.get_x() == 0 and bar.get_width() == s.base
    mean = _one(fig, "mean")
    np.testing.assert_array_equal(mean.get_xdata(), [s.mean for s in summaries])
    # whisker ends: the error bar's line collection spans (p5, p95) per stakeholder
    spans = sorted((round(float(seg[0][0]), 6), round(float(seg[1][0]), 6))
                   for c in ax.collections if hasattr(c, "get_segments") for seg in c.get_segments()
                   if seg[0][1] == seg[1][1])  # horizontal segments: the whiskers
    expected = sorted((round(s.interval(90)[0], 6), round(s.interval(90)[1], 6)) for s in summaries)
    assert spans == expected
    assert [t.get_text() for t in ax.get_yticklabels()] == [textwrap.fill(result.config.stakeholders[i], 30)
                                                          for i in ids]
    assert ax.get_xlabel() == "Net value (million EUR, 2019 prices, present value)"


# ------------------------------------------------------------------ figures for people (issue 12)
#: The closed-form model with a stakeholder ``c`` whose flows are fixed: its net value has no spread.
STEADY = CONFIG.replace('b = "Stakeholder B"', 'b = "Stakeholder B"\nc = "Stakeholder C"') + """
[[items]]
id = "grant_c"
kind = "benefit"
stakeholder = "c"
financial = true
value = 2e5
"""


@pytest.fixture(scope="module")
def steady():
    return simulate(parse_config(tomllib.loads(STEADY), file="steady.toml"), samples=256, sampler="sobol")


@pytest.mark.parametrize("draw", [ratio_distribution, ratio_cdf, acceptability_curve])
def test_base_case_and_published_figure_both_stay_visible(result, monkeypatch, draw):
    s = result.summary["ratio_a"]  # base 2.0 (x at its base 1), published 2.0
    span = result.exceedance("ratio_a").thresholds[-1] - result.exceedance("ratio_a").thresholds[0]
    cases = [
        # (published figure, the base line's legend entry, a separate "published" line?)
        (2.0, "base case = published 2 (▼)", False),  # equal: one line, one label naming both
        (2.0 + 0.004 * span, None, False),  # a few pixels apart: one line, both numbers in its label
        (3.0, "base case 2.000", True),  # apart: two lines, two labels
    ]
    for target, entry, separate in cases:
        monkeypatch.setitem(result.summary, "ratio_a", dataclasses.replace(s, target=target))
        fig = draw(result, output="ratio_a")
        legend = _legend(fig)
        assert _vline_x(_one(fig, "base")) == 2.0
        assert _one(fig, "target_marker").get_xdata()[0] == target  # the ▼ keeps the published figure's place
        if separate:
            assert _vline_x(_one(fig, "target")) == target
            assert entry in legend and f"published {target:g} (▼)" in legend
        else:
            assert not _by_gid(fig, "target")
            assert (entry or f"base case 2.000 ≈ published {target:g} (▼)") in legend
        assert sum("published" in t for t in legend) == 1


def test_base_equals_published_at_the_precision_it_is_published_in(result):
    s = result.summary["ratio_a"]
    table = [  # (base, published, equal)
        (1.0500000001, 1.05, True), (1.0549, 1.05, True), (1.0562, 1.05, False), (0.7549, 0.75, True),
        (0.7551, 0.75, False), (2.0, 2.0, True), (2.04, 2.0, True), (2.4, 2.0, False), (1.05, None, False),
        (float("nan"), 1.05, False), (1_234_400.0, 1_234_000.0, True), (1_235_600.0, 1_234_000.0, False),
    ]
    assert [base_equals_published(dataclasses.replace(s, base=b, target=t)) for b, t, _ in table] == \
        [eq for _, _, eq in table]


def test_no_legend_entry_for_a_band_that_cannot_be_seen(result, steady):
    assert band_visible([0, 0], [0, 1e-3], 1.0) is False and band_visible([0, 0], [0, 0.01], 1.0) is True
    assert band_visible([5.0], [5.0], 0.0) is False and band_visible([5.0], [5.0 + 1e-9], 0.0) is True
    assert band_visible([0, 0], [0, 0.01], 1.0, UNDER_LINE) is False  # hidden under the line drawn along it
    # a stakeholder with fixed flows: its fan has no band, the legend names only what is drawn
    legend = _legend(fan_chart(steady, "c"))
    assert legend == ["median", "base case"]
    assert _legend(fan_chart(steady, "a"))[:2] == ["90% interval", "50% interval"]
    # B's net value 1e6 y is never below break-even: that side of the histogram draws nothing, names nothing
    assert [t for t in _legend(ratio_distribution(result, output="net:b")) if "break-even" in t] == \
        ["NPV > break-even", "break-even (0)"]
    # its net value has no standard error: no "±2 SE" for the convergence and exceedance bands
    assert not any("SE" in t for t in _legend(convergence_p(steady, output="net:c")))
    assert "±2 SE" in _legend(convergence_p(steady, output="net:a"))
    assert "±2 Monte Carlo SE" not in _legend(acceptability_curve(steady, output="net:c"))
    # the ±2 SE band of P(ratio >= x) at n = 2048 is narrower than two widths of its line: no entry;
    # at n = 32 (SE about 0.09) it is seen
    assert "±2 Monte Carlo SE" not in _legend(acceptability_curve(result, output="ratio_a"))
    small = simulate(result.config, samples=32, sampler="mc")
    assert "±2 Monte Carlo SE" in _legend(acceptability_curve(small, output="ratio_a"))


def test_stakeholder_chart_states_the_probability_of_a_net_gain(result):
    fig = stakeholder_chart(result)
    summaries = [result.summary[f"net:{sid}"] for sid in result.config.stakeholders]
    cells = _by_gid(fig, "p_gain")
    assert [c.get_text() for c in cells] == [share_pm(s.p_above, s.p_above_se) for s in summaries]
    assert [c.xy[1] for c in cells] == [0, 1]  # beside each stakeholder's bar
    assert _one(fig, "column_header").get_text() == "P(net > 0)"
    assert "share of the Monte Carlo draws in which the stakeholder gains" in _one(fig, "footnote").get_text()
    # truth: A's net value 3e6 x - 1.5e6 > 0 when x > 0.5, x ~ U(0, 2): 75%; B's 1e6 y > 0 always
    a, b = summaries
    assert abs(a.p_above - 0.75) < 4 * a.p_above_se + 1e-9 and b.p_above == 1.0
    assert cells[1].get_text() == "100%"


# ------------------------------------------------------------------ style promises
def test_every_figure_is_greyscale_and_titled(result):
    names = []
    for name, fig in simulation_figures(result):
        names.append(name)
        for artist in fig.findobj(lambda a: isinstance(a, (Line2D, Rectangle, PolyCollection))):
            colours = []
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
        assert fig.axes[0].get_title(loc="left"), name
    assert names == [
        "distribution_ratio_a", "cdf_ratio_a", "acceptability_ratio_a", "convergence_ratio_a",
        "distribution_net", "cdf_net", "acceptability_net", "convergence_net",
        "distribution_npv", "cdf_npv", "acceptability_npv", "convergence_npv",
        "fan_total", "fan_a", "fan_b", "stakeholders",
    ]


def test_plots_never_import_pyplot():
    """In a fresh interpreter (shared with tests/test_fast_start.py) whose MPLBACKEND names a backend that does not
    exist, so that importing pyplot would fail: the Monte Carlo figures of test_results_curves.CONFIG are drawn,
    one is saved as PNG and SVG, and matplotlib.pyplot was never imported."""
    from test_fast_start import fresh_interpreter

    figures = fresh_interpreter()["figures"]
    assert isinstance(figures, list), figures  # else the error that stopped the drawing
    drawn, saved, pyplot = figures
    assert drawn > 0 and saved == ["fan.png", "fan.svg"] and pyplot is False


def test_scaled_formatter_uses_as_many_decimals_as_the_tick_step():
    f = _ScaledFormatter(1e6)
    f.set_locs([0, 250_000, 500_000, 750_000])
    assert [f(x) for x in [0, 250_000, 500_000, 750_000]] == ["0.00", "0.25", "0.50", "0.75"]
    f.set_locs([-2e6, -1e6, 0, 1e6])
    assert [f(x) for x in [-2e6, 0, 1e6]] == ["\u22122", "0", "1"]
    f = _ScaledFormatter(1.0)
    f.set_locs([0, 5000, 10000])
    assert f(10000) == "10,000"


# ------------------------------------------------------------------ files and CLI
def test_save_figure_writes_png_and_svg_atomically_and_reproducibly(result, tmp_path):
    fig = fan_chart(result)
    paths = save_figure(fig, tmp_path / "sub" / "fan.total")
    assert [p.name for p in paths] == ["fan.total.png", "fan.total.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_bytes()
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert save_figure(fig, tmp_path / "sub" / "fan.total", formats=("svg",))[0].read_bytes() == svg
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["fan.total.png", "fan.total.svg"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~umask for p in paths)  # not mkstemp's 0o600


def test_save_figure_failure_leaves_no_temporary_file_and_keeps_the_old_one(result, tmp_path):
    target = tmp_path / "fig.nonsense"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="nonsense"):
        save_figure(fan_chart(result), tmp_path / "fig", formats=("nonsense",))
    assert [p.name for p in tmp_path.iterdir()] == ["fig.nonsense"] and target.read_bytes() == b"old"


def test_cli_plot_redraws_saved_results_without_rerunning(result, tmp_path, monkeypatch, capsys):
    result.save(tmp_path / "res")

    def no_simulation(*args, **kwargs):
        raise AssertionError("wotsim plot must not rerun the simulation")

    monkeypatch.setattr(importlib.import_module("wotsim.simulate"), "simulate", no_simulation)
    monkeypatch.setattr(importlib.import_module("wotsim"), "simulate", no_simulation)
    # three of the run's figures (every one is drawn in test_every_figure_is_greyscale_and_titled, saved in
    # tests/test_hostile_labels.py)
    figures_module = importlib.import_module("wotsim.plots.figures")  # where `wotsim plot` looks the function up
    every = figures_module.simulation_figures
    monkeypatch.setattr(figures_module, "simulation_figures",
                        lambda res, **kw: itertools.islice(every(res, **kw), 3))
    assert main(["plot", str(tmp_path / "res"), "--out", str(tmp_path / "figs")]) == 0
    names = {name for name, _ in itertools.islice(simulation_figures(result), 3)}
    assert len(names) == 3
    files = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert files == sorted([".wotsim-figures"] + [f"{n}.{ext}" for n in names for ext in ("png", "svg")])
    assert f"{len(names)} figures (png and svg) written to" in capsys.readouterr().out
    # default output directory: RESULTS/figures (drawing and writing are checked above; record only)
    written = []
    plots_module = importlib.import_module("wotsim.plots")
    monkeypatch.setattr(plots_module, "figures_for", lambda obj, lang: ((name, None) for name in sorted(names)))
    monkeypatch.setattr(plots_module, "save_figure", lambda fig, path, **kw: written.append(Path(path)))
    assert main(["plot", str(tmp_path / "res")]) == 0
    assert {p.parent for p in written} == {tmp_path / "res" / "figures"}
    assert {p.name for p in written} == names


@pytest.mark.parametrize("damage", ["missing", "empty", "bad_npz", "bad_json"])
def test_cli_plot_bad_directory_exits_2_with_one_line(result, tmp_path, capsys, damage):
    directory = tmp_path / "res"
    if damage != "missing":
        directory.mkdir()
    if damage in ("bad_npz", "bad_json"):
        result.save(directory)
        if damage == "bad_npz":
            (directory / "arrays.npz").write_bytes(b"not a zip file")
        else:
            (directory / "manifest.json").write_text("{ truncated", encoding="utf-8")
    assert main(["plot", str(directory)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("wotsim: error: ") and str(directory) in err
    assert "Traceback" not in err
