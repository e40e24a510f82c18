"""Results as tables: every result's ``to_frame`` has its documented columns and holds the object's numbers.

One small config with labelled parameters and units, every analysis on a tiny sample; each table is
compared with the arrays and fields it copies, exactly (NaN equal to NaN), and its ``attrs`` with the
config's labels and units.  Then every kind is saved with ``format="csv"`` and the files hold what
``frames()`` gives.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.analysis.discover import discover
from wotsim.analysis.discover_io import CSV_COLUMNS, discovery_rows
from wotsim.analysis.drivers import decision_drivers
from wotsim.analysis.io import Records, load_any
from wotsim.analysis.oneway import one_way
from wotsim.analysis.scenarios import compare
from wotsim.analysis.screening import morris_screening, pawn_indices
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.voi import VoiResults, keep_voi, save_voi
from wotsim.config.overlays import parse_scenario
from wotsim.results.io import manifest
from wotsim.results.records import save_records

CONFIG = {
    "study": {"name": "frames", "horizon": 2, "discount_rate": 0.03, "currency": "EUR"},
    "stakeholders": {"city": "The city", "people": "The people"},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0, "group": "benefit",
                 "label": "Gain per case", "unit": "EUR per case"},
        "cost": {"dist": "uniform", "low": 80.0, "high": 120.0, "group": "cost", "label": "Cost per case",
                 "unit": "EUR per case"},
        "extra": {"dist": "uniform", "low": 0.0, "high": 10.0, "group": "benefit", "label": "Extra gain"},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "gain + extra"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost"},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all", "label": "The ratio"}},
}
OVERLAY = {"scenario": {"id": "bonus", "label": "With a bonus", "description": "t", "evidence": "t", "category": "t"},
           "parameters": {"bonus": {"dist": "uniform", "low": 0.0, "high": 20.0, "label": "Bonus", "unit": "EUR"}},
           "add_items": [{"id": "b", "kind": "benefit", "stakeholder": "people", "financial": False,
                          "value": "bonus"}]}


@pytest.fixture(scope="module")
def made():
    cfg = parse_config(CONFIG, file="frames.toml")
    run = simulate(cfg, samples=64, seed=1, sampler="sobol")
    comparison = compare(cfg, [parse_scenario(OVERLAY, cfg, file="<frames>")], samples=64, seed=1, sampler="sobol")
    return {
        "config": cfg, "run": run, "compare": comparison,
        "sobol": sobol_indices(cfg, outputs=["ratio", "npv"], samples=32, seed=2, groups="group", second_order=True),
        "morris": morris_screening(cfg, outputs=["ratio", "net:city"], trajectories=4, seed=1),
        "pawn": pawn_indices(run, outputs=["ratio"], slices=4),
        "oneway": Records("oneway", {o: one_way(cfg, output=o) for o in ("ratio", "npv")}, cfg),
        "decision": Records("decision", {"ratio": decision_drivers(run, output="ratio", bins=4, bins_index=4)}, cfg),
        "voi": VoiResults([keep_voi(run)], config=cfg),
        "discover": discover(run, output="ratio", below=float(np.median(run.outputs["ratio"])), resamples=0),
    }


def _columns(frame) -> list[str]:
    return list(frame.columns)


def _equal(a, b) -> None:
    np.testing.assert_array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


# --------------------------------------------------------------------------- a run
def test_draws_are_the_draws_with_names_labels_and_units(made):
    run, cfg = made["run"], made["config"]
    f = run.to_frame()  # the default table: the draws
    assert f.attrs["table"] == "draws"
    assert _columns(f) == ["gain", "cost", "extra"] and f.index.name == "draw"
    _equal(f.to_numpy(), run.draws)
    assert f["gain"].dtype == np.float64 and f.index.tolist() == list(range(64))
    assert f.attrs["labels"]["gain"] == "Gain per case" and f.attrs["units"]["cost"] == "EUR per case"
    assert f.attrs["labels"]["draw"] == "Draw (row of arrays.npz, from 0)"
    assert "extra" not in f.attrs["units"]  # no unit: none claimed
    assert cfg.parameters["extra"].unit == ""


def test_outputs_per_draw(made):
    run = made["run"]
    f = run.to_frame("outputs")
    assert _columns(f) == ["benefits", "costs", "npv", "ratio", "net:city", "net:people"] and f.index.name == "draw"
    for name, values in run.outputs.items():
        _equal(f[name], values)
    _equal(f["net:city"], run.stakeholder_net["city"])
    assert f.attrs["labels"]["ratio"] == "The ratio" and f.attrs["labels"]["net:people"] == "Net value: The people"
    assert f.attrs["units"]["npv"] == "EUR" and "ratio" not in f.attrs["units"]


SUMMARY = ["output", "label", "measure", "unit", "n", "n_undefined", "base", "mean", "mean_se", "sd", "median",
           "p5", "p25", "p50", "p75", "p95", "threshold", "p_above", "p_above_se", "ratio_of_means", "target"]


def test_summary_is_the_summaries(made):
    run = made["run"]
    f = run.to_frame("summary")
    assert _columns(f) == SUMMARY
    assert f["output"].tolist() == list(run.summary)
    for row, s in zip(f.to_dict("records"), run.summary.values()):
        for key in ("n", "n_undefined", "base", "mean", "mean_se", "sd", "median", "threshold", "p_above",
                    "p_above_se"):
            assert row[key] == getattr(s, key), key
        assert [row[k] for k in s.percentiles] == list(s.percentiles.values())
        assert row["unit"] == ("" if s.measure == "ratio" else "EUR") and row["label"] == s.label
        assert (np.isnan(row["ratio_of_means"]) if s.ratio_of_means is None else row["ratio_of_means"] == s.ratio_of_means)


def test_stakeholders_add_up(made):
    run = made["run"]
    f = run.to_frame("stakeholders").set_index("stakeholder")
    assert _columns(f.reset_index()) == ["stakeholder", "label", "benefits_base", "costs_base", "base",
                                         "benefits_mean", "costs_mean", "mean", "mean_se", "sd", "median", "p5",
                                         "p25", "p50", "p75", "p95", "p_above", "p_above_se"]
    for s in ("city", "people"):
        net = run.summary[f"net:{s}"]
        assert (f.loc[s, "base"], f.loc[s, "mean"], f.loc[s, "p95"]) == (net.base, net.mean, net.percentiles["p95"])
        assert f.loc[s, "benefits_base"] - f.loc[s, "costs_base"] == pytest.approx(net.base, rel=1e-12)
        assert f.loc[s, "benefits_mean"] - f.loc[s, "costs_mean"] == pytest.approx(net.mean, rel=1e-12)
    assert f.loc["city", "benefits_mean"] == 0.0 and f.loc["people", "costs_mean"] == 0.0  # who pays, who gains
    assert f.loc["city", "label"] == "The city" and f.attrs["units"]["mean"] == "EUR"


def test_unknown_table_is_one_line(made):
    from wotsim.errors import WotsimError

    with pytest.raises(WotsimError, match="unknown table 'nope' of a run; tables: draws, outputs, summary"):
        made["run"].to_frame("nope")


# --------------------------------------------------------------------------- sensitivity
FACTOR = ["output", "output_label", "factor", "label", "parameters"]


def test_sobol_indices_and_second_order(made):
    r = made["sobol"]
    f = r.to_frame()
    assert _columns(f) == FACTOR + ["rank", "S1", "S1_conf", "ST", "ST_conf", "stable", "reasons"]
    for output, ind in r.indices.items():
        rows = f[f["output"] == output]
        assert rows["factor"].tolist() == list(ind.factors) == ["benefit", "cost"]
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            _equal(rows[key], getattr(ind, key))
        assert rows["stable"].tolist() == ind.convergence.stable.tolist()
        ranked = rows.sort_values("rank")
        assert ranked["rank"].tolist() == [1, 2] and ranked["ST"].is_monotonic_decreasing  # 1 = the largest
    assert f[f["factor"] == "benefit"]["parameters"].iloc[0] == "gain, extra"
    assert f[f["output"] == "ratio"]["output_label"].iloc[0] == "The ratio"
    s2 = r.to_frame("second_order")
    assert _columns(s2) == ["output", "output_label", "factor_a", "label_a", "factor_b", "label_b", "S2", "S2_conf"]
    assert len(s2) == 2  # one pair per output
    for output, ind in r.indices.items():
        row = s2[s2["output"] == output].iloc[0]
        assert (row["S2"], row["S2_conf"]) == (ind.S2[0, 1], ind.S2_conf[0, 1])
    assert list(r.frames()) == ["indices", "second_order"]


@pytest.mark.parametrize("kind, fields", [("morris", ["unit", "mu", "mu_star", "mu_star_conf", "sigma"]),
                                          ("pawn", ["minimum", "mean", "median", "maximum", "cv", "null_level"])])
def test_screening_indices(made, kind, fields):
    r = made[kind]
    f = r.to_frame()
    head = FACTOR[:2] + (["unit"] if kind == "morris" else []) + FACTOR[2:]
    assert _columns(f) == head + [c for c in fields if c != "unit"]
    for output, ind in r.indices.items():
        rows = f[f["output"] == output]
        assert rows["factor"].tolist() == list(ind.factors) == ["gain", "cost", "extra"]
        assert rows["label"].tolist() == ["Gain per case", "Cost per case", "Extra gain"]
        for key in fields:
            if key == "unit":
                assert set(rows["unit"]) == {"" if output == "ratio" else "EUR"}
            elif key == "null_level":
                assert set(rows[key]) == {ind.null_level}
            else:
                _equal(rows[key], getattr(ind, key))


def test_oneway_tornado_and_switching(made):
    records = made["oneway"]
    f = records.to_frame()
    assert _columns(f) == ["output", "output_label", "measure", "output_unit", "rank", "parameter", "label", "unit",
                           "low_percentile", "high_percentile", "low_input", "high_input", "base_output",
                           "low_output", "high_output", "swing", "threshold", "switching_value",
                           "switching_percentile", "switching_note"]
    for output, r in records.items():
        rows = f[f["output"] == output]
        assert rows["parameter"].tolist() == [b.parameter for b in r.bars]
        for key in ("low_input", "high_input", "low_output", "high_output", "swing"):
            _equal(rows[key], [getattr(b, key) for b in r.bars])
        _equal(rows["switching_value"], [np.nan if s.value is None else s.value for s in r.switching])
        assert rows["switching_note"].tolist() == [s.note for s in r.switching]
        assert set(rows["base_output"]) == {r.base}
    assert f[f["parameter"] == "cost"]["unit"].iloc[0] == "EUR per case"
    assert set(f[f["output"] == "npv"]["output_unit"]) == {"EUR"}
    assert list(records.frames()) == ["oneway"]


def test_decision_drivers(made):
    records = made["decision"]
    f = records.to_frame()
    bins = [c for k in range(1, 5) for c in (f"p_bin{k}", f"p_bin{k}_se", f"n_bin{k}")]
    assert _columns(f) == ["output", "output_label", "threshold", "p_above", "p_above_se", "n", "rank", "parameter",
                           "label", "unit", "first_order", "first_order_se", *bins]
    d = records["ratio"]
    assert f["parameter"].tolist() == list(d.parameters)
    _equal(f["first_order"], d.first_order)
    for k in range(4):
        _equal(f[f"p_bin{k + 1}"], d.p_by_bin[:, k])
        _equal(f[f"n_bin{k + 1}"], d.bin_counts[:, k])
    assert list(records.frames()) == ["drivers"]


# --------------------------------------------------------------------------- comparison, VOI, discovery
def test_comparison_tables(made):
    c = made["compare"]
    f = c.to_frame()
    rows = c.rows()
    assert _columns(f) == ["scenario", "label", "output", "output_label", "measure", "unit",
                           *[k for k in rows[0] if k not in ("scenario", "label", "output", "measure")]]
    _nan_equal(f, rows)
    assert f["output_label"].tolist() == ["The ratio", "Net present value"] * 2
    draws = c.to_frame("draws")
    assert _columns(draws) == ["gain", "cost", "extra", "bonus:bonus"] and draws.index.name == "draw"
    _equal(draws[["gain", "cost", "extra"]], c.base.draws)
    _equal(draws["bonus:bonus"], c.run("bonus").new_draws[:, 0])
    assert draws.attrs["units"]["bonus:bonus"] == "EUR"
    outputs = c.to_frame("outputs")
    assert _columns(outputs) == [f"{run}:{o}" for run in ("base", "bonus") for o in c.outputs]
    for run in c.runs:
        for o in c.outputs:
            _equal(outputs[f"{run.id}:{o}"], run.output(o))


def _nan_equal(frame, rows) -> None:
    """Every field of every row is the frame's, exactly (None and NaN as NaN)."""
    assert len(frame) == len(rows)
    for got, want in zip(frame.to_dict("records"), rows):
        for k, v in want.items():
            g = got[k]
            missing = v is None or (isinstance(v, float) and np.isnan(v))
            assert (missing and np.isnan(g)) if missing else g == v, (k, g, v)


def test_voi_tables(made):
    vois = made["voi"]
    r = vois[0]
    f = r.to_frame()
    assert _columns(f) == ["decision", "kind", "name", "label", "parameters", "value", "se", "floor", "noise_level",
                           "distinguishable", "raw", "evpi", "share_of_evpi", "r2", "basis", "bias", "basis_note",
                           "fit_warning", "bias_warning", "interaction_warning"]
    entries = r.groups + r.parameters
    assert len(entries) == 5 and f["name"].tolist() == [e.name for e in entries]
    for key in ("value", "se", "floor", "raw", "r2", "bias"):
        _equal(f[key], [getattr(e, key) for e in entries])
    assert f["distinguishable"].tolist() == [e.distinguishable for e in entries]
    assert f.attrs["units"]["value"] == "EUR" and "r2" not in f.attrs["units"]
    d = vois.to_frame("decisions")
    assert _columns(d) == ["decision", "description", "output", "reference", "alternative", "n", "mean_inb",
                           "mean_inb_se", "choice", "p_wrong", "p_wrong_se", "evpi", "evpi_se", "estimator",
                           "se_method"]
    assert d.iloc[0][["decision", "evpi", "p_wrong", "reference"]].tolist() == ["keep", r.evpi, r.p_wrong, "stop"]
    assert list(vois.frames()) == ["decisions", "evppi"]


def test_discovery_tables(made):
    d = made["discover"]
    f = d.to_frame()
    assert _columns(f) == list(CSV_COLUMNS)
    rows = discovery_rows(d)
    assert len(rows) == len(f) >= 1
    _nan_equal(f, rows)
    boxes = d.to_frame("boxes")
    assert _columns(boxes) == ["box", "n_draws", "n_cases", "steps", "chosen", "chosen_by", "n", "cases", "coverage",
                               "density", "mass", "share_of_cases", "restricted", "pastes"]
    b = d.boxes[0]
    assert boxes.iloc[0][["n", "cases", "coverage", "density"]].tolist() == [b.n, b.cases, b.box_coverage,
                                                                              b.box_density]
    assert boxes.iloc[0]["restricted"] == ", ".join(b.restricted)


# --------------------------------------------------------------------------- saved as CSV, loaded back
def _save(kind: str, made, directory):
    r = made[kind]
    if kind in ("oneway", "decision"):
        man = manifest(r.config, method=kind, outputs=list(r))
        return save_records(directory, kind, r.records, man, tables=r.frames(), format="csv")
    if kind == "voi":
        return save_voi(directory, list(r), dict(made["run"].manifest, analysis="voi"), format="csv")
    return r.save(directory, format="csv")


@pytest.mark.parametrize("kind", ["run", "sobol", "morris", "pawn", "oneway", "decision", "compare", "voi",
                                  "discover"])
def test_every_kind_writes_its_tables_and_loads_back(made, tmp_path, kind):
    path = _save(kind, made, tmp_path / kind)
    frames = made[kind].frames()
    info = json.loads((path / "manifest.json").read_text())["tables"]
    assert info == {"format": "csv", "path": "tables/", "rows": {k: len(v) for k, v in frames.items()}}
    assert sorted(p.name for p in (path / "tables").iterdir()) == sorted([f"{k}.csv" for k in frames]
                                                                         + ["columns.csv", "readme.csv"])
    for name, frame in frames.items():
        with open(path / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            index = [] if frame.index.name is None else [frame.index.name]  # a per-draw table: the draw first
            assert next(csv.reader(fh)) == index + [str(c) for c in frame.columns]
    loaded = load_any(path)  # the core is there whatever the format; the tables are for people
    again = loaded.frames()
    assert list(again) == list(frames)
    for name in frames:
        assert _columns(again[name]) == _columns(frames[name])
        assert again[name].attrs["labels"] == frames[name].attrs["labels"], name
