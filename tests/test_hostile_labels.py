"""Hostile labels: every user string is plain text in a figure, never mathtext (issue 9).

Every label of the config (study name, stakeholders, parameters and their groups and units,
items, outputs, scenario, currency) is hostile: mathtext with an unknown command (which makes
matplotlib raise ``ParseFatalException`` when it is drawn, if it is read as mathtext), markup,
format strings, braces, a new line, non-ASCII text, and 2,000 characters for some.  Each figure
must save as PNG and SVG, and the SVG (text kept as text, ``svg.fonttype = 'none'``) must show
the label as written: dollar signs included, markup escaped.  Small designs, dpi 30: a few seconds.
"""

from __future__ import annotations

import dataclasses
import re

import matplotlib
import pytest
from matplotlib import cbook
from matplotlib.figure import Figure
from matplotlib.text import Text

from wotsim import parse_config, simulate
from wotsim.plots.files import png_bytes
from wotsim.report.html import figure as html_figure
from wotsim.analysis.drivers import decision_drivers
from wotsim.analysis.oneway import one_way
from wotsim.plots import (
    convergence_p,
    drivers_chart,
    evppi_ranking,
    save_figure,
    scenario_comparison,
    simulation_figures,
    sobol_bars,
    sobol_convergence,
    tornado,
)
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.voi import keep_voi

pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # the CJK characters

#: Read as mathtext, the first pair of dollars holds an unknown command: drawing raises.  An even
#: number of dollars on the first line, so that matplotlib would read the line as mathtext.
HEAD = r"$\undefinedcommand$ <script>alert(1)</script> a $5 fee, $x$ {} %s $ Zoë’s 中文"
HOSTILE = HEAD + "\nline two"
LONG = ((HEAD + " ") * 30)[:2000]
CURRENCY = "¤$c$"
#: How the start of HEAD appears in an SVG text element (a figure cuts a label at 60 characters).
SHOWN = HEAD[:55].replace("<", "&lt;").replace(">", "&gt;")
#: wotsim's own mathtext per figure: the x label "$n = 2^k$" of a convergence figure, the legend
#: entries "$S_T$" and "$S_1$" of the Sobol' figures.  Every other text is plain.
OWN_MATH = {"convergence_ratio": 1, "convergence_npv": 1, "sobol": 2, "sobol_convergence": 4}

CONFIG = {
    "study": {"name": HOSTILE, "currency": CURRENCY, "price_year": 2020, "horizon": 3, "discount_rate": 0.03},
    "simulation": {"samples": 512, "seed": 5, "sampler": "mc"},
    "stakeholders": {"city": HOSTILE, "people": LONG},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0, "label": HOSTILE, "unit": HOSTILE,
                 "group": HOSTILE},
        "cost": {"dist": "uniform", "low": 250.0, "high": 400.0, "label": LONG, "unit": LONG, "group": "%s {}"},
        "extra": {"dist": "uniform", "low": 0.0, "high": 30.0, "label": "$x$", "group": LONG},
    },
    "items": [
        {"id": "g", "label": HOSTILE, "kind": "benefit", "stakeholder": "people", "financial": False,
         "value": "gain + extra"},
        {"id": "c", "label": LONG, "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost",
         "duration": 1},
    ],
    "outputs": {"ratio": {"label": HOSTILE, "benefits": "all", "costs": "all"}},
}
SCENARIO = {"scenario": {"label": HOSTILE, "description": LONG, "evidence": HOSTILE, "category": HOSTILE},
            "scale": {"gain": 1.1}}


@pytest.fixture(scope="module")
def config():
    return parse_config(CONFIG, file="hostile.toml")


@pytest.fixture(scope="module")
def result(config):
    return simulate(config, samples=512, sampler="mc")


def _save(fig, directory, stem) -> str:
    """Save as PNG and SVG (text as text); return the SVG without its comments (which echo each string)."""
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        png, svg = save_figure(fig, directory / stem, dpi=30)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "<script" not in text, f"{stem}: markup from a label reached the SVG"
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def _check_svg(svg: str, stem: str) -> None:
    assert SHOWN in svg and "a $5 fee" in SHOWN, f"{stem}: the study name is not shown as written"
    # matplotlib writes a mathtext string as a bare <text> of one <tspan> per glyph, plain text as
    # <text style=...>: only wotsim's own mathtext may take the first form
    assert svg.count("<text>") == OWN_MATH.get(stem, 0), f"{stem}: a label was typeset as mathtext"


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_plain_escapes_every_dollar_and_only_that():
    from wotsim.plots import plain

    assert plain(r"$\undefinedcommand$ a $5 fee") == r"\$\undefinedcommand\$ a \$5 fee"
    assert plain("{} %s <b>\n") == "{} %s <b>\n"
    assert not cbook.is_math_text(plain(HEAD)) and cbook.is_math_text(HEAD)
    assert plain(HEAD).replace(r"\$", "$") == HEAD  # what matplotlib draws for plain text


def test_monte_carlo_figures_with_hostile_labels_save_and_show_them_as_written(result, tmp_path):
    seen = []
    for stem, fig in simulation_figures(result):
        svg = _save(fig, tmp_path, stem)
        _check_svg(svg, stem)
        seen.append(stem)
        if stem == "distribution_npv":  # the currency, as written
            assert re.search(r"\((thousand |million )?¤\$c\$, 2020 prices", svg)
        if stem == "convergence_ratio":  # wotsim's own mathtext still typeset: no "$n" left as text
            assert "$n" not in svg and "2^k" not in svg
    assert len(seen) == 12 and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{s}.{ext}" for s in seen for ext in ("png", "svg"))
    # a long label is cut in titles: the figure keeps its size; the HTML report escapes the caption
    fig = convergence_p(result, output="npv")
    assert "…" in _texts(fig)
    page = html_figure(png_bytes(fig, dpi=20), HOSTILE, dpi=20)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


def test_analysis_figures_with_hostile_labels_and_names_save_and_show_them_as_written(config, result, tmp_path):
    sobol = sobol_indices(config, outputs=["ratio"], samples=32, seed=3, groups="group")
    assert HOSTILE in sobol.factors and LONG in sobol.factors  # group names are user text too
    # names from a results file can be anything: factors named like labels
    renamed = dataclasses.replace(sobol, labels={f: f for f in sobol.factors})
    scenario = parse_scenario(SCENARIO, config, file="hostile-scenario.toml", default_id="bolder")
    comparison = compare(config, [scenario], outputs=["ratio", "npv"], samples=256, sampler="mc")
    figures = {
        "sobol": sobol_bars(renamed, output="ratio", config=config),
        "sobol_convergence": sobol_convergence(renamed, output="ratio", config=config),
        "tornado": tornado(one_way(config, output="ratio"), config=config),
        "drivers": drivers_chart(decision_drivers(result, output="ratio"), config=config, top=3),
        "scenarios": scenario_comparison(comparison, output="ratio"),
        "scenarios_npv": scenario_comparison(comparison, output="npv"),
        "evppi": evppi_ranking(keep_voi(result, output="npv"), config=config),
    }
    for stem, fig in figures.items():
        svg = _save(fig, tmp_path, stem)
        _check_svg(svg, stem)
        if stem in ("tornado", "evppi"):
            assert ">$x$<" in svg  # the parameter labelled "$x$", as written, not typeset
        if stem in ("scenarios_npv", "evppi"):
            assert "¤$c$" in svg  # the currency in the columns, labels and axis
    # wotsim's own mathtext is kept, around the escaped labels
    assert "total order $S_T$" in _texts(figures["sobol_convergence"]).split("\n")
    overlaid = sobol_convergence(renamed, output="ratio", config=config, ax=Figure().add_subplot())
    tagged = [t.get_text() for t in overlaid.findobj(Text) if t.get_text().startswith("total order $S_T$: ")]
    assert tagged and all(re.fullmatch(r"total order \$S_T\$: [^$]*(\\\$[^$]*)*", t) for t in tagged)


# ------------------------------------------------------------------ labels, never ids (issue 12)
#: A config with no labels at all: snake_case ids for parameters, groups, items, the output and a
#: stakeholder whose name only repeats its id.  Figures must show these humanised, never as ids.
UNLABELLED = {
    "study": {"name": "Unlabelled study", "currency": "EUR", "price_year": 2020, "horizon": 2, "discount_rate": 0.0},
    "simulation": {"samples": 256, "seed": 5, "sampler": "mc"},
    "stakeholders": {"city_council": "city_council", "people": "Residents"},
    "parameters": {
        "extra_capacity_share": {"dist": "uniform", "low": 0.5, "high": 1.5, "group": "reach_and_take_up"},
        "delta_qaly": {"dist": "uniform", "low": 80.0, "high": 160.0, "group": "unit_value"},
        "cost_per_fte": {"dist": "uniform", "low": 90.0, "high": 110.0, "group": "unit_value"},
    },
    "items": [
        {"id": "health_gain", "kind": "benefit", "stakeholder": "people", "financial": False,
         "value": "extra_capacity_share * delta_qaly"},
        {"id": "staff_cost", "kind": "cost", "stakeholder": "city_council", "financial": True,
         "value": "cost_per_fte"},
    ],
    "outputs": {"social_ratio": {"benefits": "all", "costs": "all"}},
}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def test_figures_of_a_config_without_labels_show_no_id(tmp_path):
    config = parse_config(UNLABELLED, file="unlabelled.toml")
    result = simulate(config, samples=256, sampler="mc")
    voi = keep_voi(result)
    figures = dict(simulation_figures(result))
    figures |= {
        "sobol": sobol_bars(sobol_indices(config, outputs=["social_ratio"], samples=32, seed=3), output="social_ratio",
                            config=config),
        "sobol_groups": sobol_bars(sobol_indices(config, outputs=["social_ratio"], samples=32, seed=3, groups="group"),
                                   output="social_ratio", config=config),
        "tornado": tornado(one_way(config, output="social_ratio"), config=config),
        "drivers": drivers_chart(decision_drivers(result, output="social_ratio"), config=config, top=3),
        "evppi": evppi_ranking(voi, config=config),
        "evppi_bare": evppi_ranking(voi),  # without a config: the result's labels, humanised
    }
    shown = {stem: _texts(fig) for stem, fig in figures.items()}
    leaks = {stem: SNAKE.findall(text) for stem, text in shown.items() if SNAKE.search(text)}
    assert leaks == {}
    assert "Social ratio: Monte Carlo distribution" in shown["distribution_social_ratio"]
    assert "City council" in shown["stakeholders"] and "Residents" in shown["stakeholders"]
    for stem in ("sobol", "tornado", "evppi", "evppi_bare"):
        assert "Extra capacity share" in shown[stem] and "Delta qaly" in shown[stem], stem
    assert "Unit value (2 parameters)" in shown["sobol_groups"] and "Reach and take up" in shown["evppi"]
