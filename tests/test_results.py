"""Results: summaries, atomic save and load, the manifest."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from wotsim import __version__, load_results, parse_config
from wotsim.errors import ResultsError, WotsimError
from wotsim.results.io import write_atomic_dir
from wotsim.results.summary import summarise
from wotsim.simulate import simulate

CONFIG = {
    "study": {"name": "results test", "horizon": "h", "discount_rate": 0.03, "price_year": 2019},
    "simulation": {"percentiles": [5, 10, 50, 90, 95]},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {
        "h": {"dist": "integer", "low": 1, "high": 4, "base": 2},
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0},
        "soft": {"dist": "lognormal", "median": 20.0, "gsd": 2.0},
        "cost": {"dist": "uniform", "low": 80.0, "high": 120.0},
        "rho": {"dist": "uniform", "low": 0.3, "high": 0.9},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "city", "financial": True, "value": "gain", "persistence": "rho"},
        {"id": "s", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "soft"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {
        "social": {"benefits": "all", "costs": "all", "target": 2.5, "tolerance": 1.0},
        "financial": {"benefits": {"financial": True}, "costs": "all"},
        "net_city": {"measure": "npv", "benefits": {"stakeholder": "city"}, "costs": "all"},
    },
    "correlations": [{"between": ["gain", "soft"], "rank": 0.4}],
}


@pytest.fixture(scope="module")
def result():
    cfg = parse_config(CONFIG, file="results_test.toml")
    return simulate(cfg, samples=3000, seed=42, sampler="lhs", chunk_size=1000)


def assert_same_result(a, b):
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.item_pv, b.item_pv)
    np.testing.assert_array_equal(a.yearly, b.yearly)
    assert a.yearly.dtype == b.yearly.dtype == np.float32
    np.testing.assert_array_equal(a.base.yearly, b.base.yearly)
    assert dict(a.base.outputs) == dict(b.base.outputs)
    assert dict(a.base.item_pv) == dict(b.base.item_pv)
    assert dict(a.base.stakeholder_net) == dict(b.base.stakeholder_net)
    assert a.summary == b.summary
    assert a.parameters == b.parameters
    assert (a.seed, a.sampler, a.n) == (b.seed, b.sampler, b.n)
    for name in a.outputs:
        np.testing.assert_array_equal(a.outputs[name], b.outputs[name])


# --------------------------------------------------------------------------- summaries
def test_summary_statistics_follow_their_formulas(result):
    n = result.n
    for name, s in result.summary.items():
        values = result.outputs[name] if name in result.outputs else result.stakeholder_net[name[4:]]
        assert s.n == n and s.n_undefined == 0
        assert s.mean == pytest.approx(np.mean(values), rel=1e-12)
        assert s.sd == pytest.approx(np.std(values, ddof=1), rel=1e-12)
        # lhs: 16 independent randomisations interleaved (row i in i % 16); SE = sd of their means / 4
        R = result.replicates
        assert R == 16
        rep_means = np.array([values[k::R].mean() for k in range(R)])
        assert s.mean_se == pytest.approx(rep_means.std(ddof=1) / math.sqrt(R), rel=1e-12)
        assert s.median == np.percentile(values, 50)
        for p in (5, 10, 50, 90, 95):
            assert s.percentiles[f"p{p:g}"] == np.percentile(values, p)
        threshold = 1.0 if s.measure == "ratio" else 0.0
        assert s.threshold == threshold
        p_hat = np.mean(values > threshold)
        assert s.p_above == p_hat
        rep_p = np.array([np.mean(values[k::R] > threshold) for k in range(R)])
        assert s.p_above_se == pytest.approx(rep_p.std(ddof=1) / math.sqrt(R), rel=1e-12, abs=1e-15)
    # the SE formula is not vacuous here: the probabilities are strictly between 0 and 1
    assert 0 < result.summary["social"].p_above < 1 and result.summary["social"].p_above_se > 0


def test_mc_summaries_use_the_iid_formulas():
    cfg = parse_config(CONFIG, file="results_test.toml")
    r = simulate(cfg, samples=2000, seed=4, sampler="mc")
    assert r.replicates == 1
    s = r.summary["social"]
    values = r.outputs["social"]
    n = values.size
    assert s.mean_se == pytest.approx(np.std(values, ddof=1) / math.sqrt(n), rel=1e-12)
    assert s.p_above_se == pytest.approx(math.sqrt(s.p_above * (1 - s.p_above) / n), rel=1e-12)


def test_ratio_of_means_is_mean_benefits_over_mean_costs(result):
    pv = result.item_pv
    g, s, c = pv[:, 0], pv[:, 1], pv[:, 2]
    social, financial = result.summary["social"], result.summary["financial"]
    assert social.ratio_of_means == pytest.approx(np.mean(g + s) / np.mean(c), rel=1e-12)
    assert financial.ratio_of_means == pytest.approx(np.mean(g) / np.mean(c), rel=1e-12)
    # E[B]/E[C] is not E[B/C]: with costs uncertain, Jensen makes E[1/C] > 1/E[C]
    assert social.mean > social.ratio_of_means
    assert result.summary["net_city"].ratio_of_means is None
    assert result.summary["net_city"].measure == "npv"
    assert result.summary["social"].target == 2.5


def test_interval_reads_percentiles(result):
    s = result.summary["social"]
    assert s.interval(90) == (s.percentiles["p5"], s.percentiles["p95"])
    assert s.interval(80) == (s.percentiles["p10"], s.percentiles["p90"])
    with pytest.raises(KeyError, match="p25"):
        s.interval(50)


def test_summarise_counts_undefined_draws():
    values = np.array([0.5, np.nan, 2.0, 3.0, np.nan])
    s = summarise("r", "r", "ratio", values, 1.0, (5.0, 95.0))
    assert s.n == 3 and s.n_undefined == 2
    assert s.mean == pytest.approx(11 / 6)
    assert s.p_above == pytest.approx(2 / 3)
    assert s.p_above_se == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))


def test_stakeholder_and_cumulative_views(result):
    net = result.stakeholder_net
    np.testing.assert_allclose(net["city"] + net["people"], result.outputs["npv"], rtol=1e-12, atol=1e-9)
    assert result.cumulative.shape == (result.n, 4)
    assert result.cumulative_by_stakeholder("people").shape == (result.n, 4)
    np.testing.assert_array_equal(result.draws_of("gain"), result.draws[:, result.parameters.index("gain")])


# --------------------------------------------------------------------------- manifest
def test_manifest_records_the_run(result):
    m = result.manifest
    cfg = result.config
    assert m["config_sha256"] == cfg.sha256 and len(cfg.sha256) == 64
    assert m["config_path"] == "results_test.toml"
    assert (m["seed"], m["sampler"], m["samples"], m["chunk_size"]) == (42, "lhs", 3000, 1000)
    versions = m["versions"]
    assert versions["wotsim"] in (__version__, "not installed")
    assert versions["numpy"] == np.__version__
    for dep in ("scipy", "SALib", "python"):
        assert versions[dep] and versions[dep] != "not installed"
    assert m["config"]["study"]["name"] == "results test"


def test_config_hash_changes_with_the_config():
    a = parse_config(CONFIG)
    changed = json.loads(json.dumps(CONFIG))
    changed["parameters"]["cost"]["high"] = 121.0
    assert parse_config(changed).sha256 != a.sha256
    assert parse_config(json.loads(json.dumps(CONFIG))).sha256 == a.sha256


# --------------------------------------------------------------------------- save and load
def test_save_load_round_trip(result, tmp_path):
    out = result.save(tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == ["arrays.npz", "manifest.json", "summary.json"]
    loaded = load_results(out)
    assert_same_result(result, loaded)
    assert loaded.config.sha256 == result.config.sha256
    assert loaded.config.path == result.config.path
    assert loaded.manifest["config_sha256"] == result.config.sha256
    # the stored summary equals the recomputed one
    stored = json.loads((out / "summary.json").read_text())["outputs"]
    for name, s in result.summary.items():
        assert stored[name]["mean"] == s.mean and stored[name]["p_above_se"] == s.p_above_se
    # no stray temporary siblings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_save_replaces_an_existing_results_directory(result, tmp_path):
    target = tmp_path / "run"
    other = simulate(result.config, samples=100, seed=1, sampler="mc")
    other.save(target)
    (target / "stale.txt").write_text("left over")
    result.save(target)
    assert not (target / "stale.txt").exists()
    assert_same_result(result, load_results(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_save_fills_an_empty_directory(result, tmp_path):
    (tmp_path / "run").mkdir()
    assert_same_result(result, load_results(result.save(tmp_path / "run")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_save_refuses_to_replace_what_is_not_results(result, tmp_path, kind):
    target = tmp_path / "precious"
    if kind == "file":
        target.write_text("my notes")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("my notes")
    with pytest.raises(ResultsError, match="not a wotsim results directory"):
        result.save(target)
    assert (target if kind == "file" else target / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]


def test_failed_save_leaves_no_partial_directory(result, tmp_path, monkeypatch):
    def broken_savez(path, **arrays):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        result.save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_an_existing_directory(result, tmp_path, monkeypatch):
    target = result.save(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    write_text = Path.write_text

    def broken_write(self, *args, **kwargs):
        if self.name == "manifest.json":
            raise OSError("disk full")
        return write_text(self, *args, **kwargs)

    # fail at the last step (the manifest), after the arrays and the summary were written
    monkeypatch.setattr(Path, "write_text", broken_write)
    with pytest.raises(OSError, match="disk full"):
        result.save(target)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_failed_savez_keeps_an_existing_directory(result, tmp_path, monkeypatch):
    target = result.save(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken_savez(path, **arrays):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError):
        result.save(target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def _marked(tmp, note: str = "") -> None:
    """What every writer does: a manifest.json carrying wotsim's mark."""
    (tmp / "manifest.json").write_text(json.dumps({"tool": "wotsim", "note": note}), encoding="utf-8")


def test_write_atomic_dir_creates_parents(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    write_atomic_dir(target, lambda tmp: (_marked(tmp), (tmp / "f.txt").write_text("x")))
    assert (target / "f.txt").read_text() == "x"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out"]


def test_load_rejects_what_is_not_a_results_directory(result, tmp_path):
    with pytest.raises(ResultsError, match="missing arrays.npz"):
        load_results(tmp_path)
    out = result.save(tmp_path / "run")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["format"] = 999
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WotsimError, match="format 999"):
        load_results(out)


def test_toml_date_in_text_field_is_a_config_error():
    """A TOML date where text is expected is rejected at load, so no result can fail to save."""
    import copy
    import tomllib

    from wotsim.errors import ConfigError

    data = copy.deepcopy(CONFIG)
    data["study"]["description"] = tomllib.loads("d = 2020-08-25")["d"]
    with pytest.raises(ConfigError, match=r"study\.description: must be a string, got datetime\.date"):
        parse_config(data)


def test_ratio_draws_with_costs_at_or_below_zero_are_undefined():
    """B / C with C <= 0 is no return per euro: such draws are counted and excluded, never averaged in."""
    data = {
        "study": {"name": "t", "horizon": 1, "discount_rate": 0},
        "stakeholders": {"a": "A"},
        "parameters": {"x": {"dist": "uniform", "low": -1, "high": 1}},
        "items": [
            {"id": "b", "kind": "benefit", "stakeholder": "a", "financial": True, "value": 1},
            {"id": "c", "kind": "cost", "stakeholder": "a", "financial": True, "value": "where(x > 0, x - 0.5, 0.5)"},
        ],
        "outputs": {"r": {"benefits": "all", "costs": "all"}},
    }
    res = simulate(parse_config(data), samples=4000, seed=5, sampler="mc")
    x = res.draws_of("x")
    cost = np.where(x > 0, x - 0.5, 0.5)
    s = res.summary["r"]
    assert s.n_undefined == int(np.sum(cost <= 0)) > 0
    ok = cost > 0
    assert s.n == int(ok.sum())
    assert s.mean == pytest.approx(float(np.mean(1 / cost[ok])), rel=1e-12)
    assert s.p_above == pytest.approx(float(np.mean(1 / cost[ok] > 1)), rel=1e-12)


def test_output_directory_cannot_be_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")  # even one that looks like results
    for target in (".", str(tmp_path), ".."):
        with pytest.raises(ResultsError, match="current directory or one of its parents"):
            write_atomic_dir(target, lambda tmp: None)
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_failed_swap_puts_the_previous_results_back(tmp_path, monkeypatch):
    import os

    target = tmp_path / "run"
    write_atomic_dir(target, lambda tmp: _marked(tmp, "old"))
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the swap of the new directory into place
            raise OSError("disk trouble")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="disk trouble"):
        write_atomic_dir(target, lambda tmp: _marked(tmp, "new"))
    monkeypatch.setattr(os, "replace", real)
    assert json.loads((target / "manifest.json").read_text(encoding="utf-8"))["note"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
