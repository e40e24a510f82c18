"""Every result a wotsim command saves comes back: save, load, and every field and array is equal.

One small config and small samples (the whole file runs in a few seconds); each result type
is saved, told apart by :func:`kind_of` and loaded by :func:`load_any`, then compared field by
field (arrays exactly, NaN equal to NaN, configs by their hash).  Damaged directories of the
new loaders are one :class:`ResultsError` naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.analysis.drivers import decision_drivers
from wotsim.analysis.io import Records, kind_of, load_any
from wotsim.analysis.oneway import one_way
from wotsim.analysis.scenarios import Comparison, compare
from wotsim.analysis.screening import morris_screening, pawn_indices
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.voi import adoption_voi, keep_voi, save_voi
from wotsim.config.overlays import parse_scenario
from wotsim.config.schema import Config
from wotsim.errors import ResultsError
from wotsim.results.io import manifest, number, to_json
from wotsim.results.records import save_records

CONFIG = {
    "study": {"name": "round trip", "horizon": 2, "discount_rate": 0.03},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0, "group": "benefit"},
        "cost": {"dist": "uniform", "low": 80.0, "high": 120.0, "group": "cost"},
        "extra": {"dist": "uniform", "low": 0.0, "high": 10.0, "group": "benefit"},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "gain + extra"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}


def _overlay(sid: str, **ops) -> dict:
    return {"scenario": {"id": sid, "label": f"Scenario {sid}", "description": "test", "evidence": "test",
                         "category": "test"}, **ops}


OVERLAYS = [
    _overlay("dearer", scale={"cost": 1.5}),
    _overlay("longer", study={"horizon": 3}),
    _overlay("bonus", parameters={"bonus": {"dist": "uniform", "low": 0.0, "high": 20.0, "group": "new"}},
             add_items=[{"id": "b", "kind": "benefit", "stakeholder": "people", "financial": False,
                         "value": "bonus"}]),
]


def same(a, b, path: str = "result") -> None:
    """Assert that two results are equal: dataclasses field by field, arrays exactly (NaN = NaN)."""
    if isinstance(a, Config):
        assert isinstance(b, Config) and a.sha256 == b.sha256, path
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, Mapping):
        assert isinstance(b, Mapping) and list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
    else:
        assert a == b and type(a) is type(b), (path, a, b)


@pytest.fixture(scope="module")
def made():
    cfg = parse_config(CONFIG, file="roundtrip.toml")
    run = simulate(cfg, samples=64, seed=1, sampler="sobol")
    scenarios = [parse_scenario(o, cfg, file="<roundtrip>") for o in OVERLAYS]
    comparison = compare(cfg, scenarios, samples=64, seed=1, sampler="sobol")
    return {
        "run": run,
        "sobol": sobol_indices(cfg, outputs=["ratio", "npv"], samples=32, seed=2, groups="group",
                               second_order=True),
        "morris": morris_screening(cfg, outputs=["ratio", "net:city"], trajectories=4, seed=1),
        "pawn": pawn_indices(run, outputs=["ratio"], slices=4),
        "oneway": ("oneway", {"ratio": one_way(cfg, output="ratio"), "npv": one_way(cfg, output="npv")},
                   manifest(cfg, method="oneway", outputs=["ratio", "npv"])),
        "decision": ("decision", {"ratio": decision_drivers(run, output="ratio", bins=4, bins_index=4)},
                     dict(run.manifest, method="decision", outputs=["ratio"])),
        "compare": comparison,
        "voi": ((keep_voi(run), adoption_voi(comparison, "dearer")), dict(run.manifest, analysis="voi")),
    }


def _save(kind: str, result, directory: Path) -> Path:
    if kind in ("oneway", "decision"):
        return save_records(directory, *result)
    if kind == "voi":
        return save_voi(directory, *result)
    if kind == "compare":
        return result.save(directory, texts={"statements.md": "words"})
    return result.save(directory)


@pytest.fixture(scope="module")
def saved(made, tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    return {kind: _save(kind, result, root / kind) for kind, result in made.items()}


@pytest.mark.parametrize("kind", ["run", "sobol", "morris", "pawn", "oneway", "decision", "compare", "voi"])
def test_every_result_comes_back_equal(made, saved, kind):
    assert kind_of(saved[kind]) == kind
    back = load_any(saved[kind])
    if kind in ("oneway", "decision"):
        method, records, man = made[kind]
        assert isinstance(back, Records) and back.method == method and dict(back) == dict(back.records)
        same(records, dict(back.records))
        assert back.manifest == json.loads(json.dumps(to_json(man)))
        assert back.config.sha256 == made["run"].config.sha256
    elif kind == "voi":  # the decisions, and the config they were computed for (labels and units of the figures)
        same(made[kind][0], tuple(back))
        assert back.config.sha256 == made["run"].config.sha256
    else:
        same(made[kind], back)
    if kind in ("run", "sobol", "morris", "pawn"):
        assert back.manifest == json.loads(json.dumps(to_json(made[kind].manifest)))


def test_a_loaded_comparison_is_a_whole_comparison(made, saved):
    back = load_any(saved["compare"])
    assert isinstance(back, Comparison)
    assert [r.id for r in back.runs] == ["base", "dearer", "longer", "bonus"]
    assert back.run("bonus").new_parameters == ("bonus",) and back.run("bonus").new_draws.shape == (64, 1)
    assert back.run("longer").config.max_horizon == 3
    # its scenarios are the overlays applied again, so the value of information is the same
    again = adoption_voi(back, "dearer")
    same(made["voi"][0][1], again)


def test_json_keeps_infinities_and_nan_apart():
    data = to_json({"a": math.inf, "b": -math.inf, "c": math.nan, "d": np.float64(1.5), "e": (1, 2)})
    assert data == {"a": "inf", "b": "-inf", "c": None, "d": 1.5, "e": [1, 2]}
    assert [number(data[k]) for k in "abd"] == [math.inf, -math.inf, 1.5] and math.isnan(number(None))
    for bad in ("nan", "1.5", True, [1]):
        with pytest.raises(ValueError):
            number(bad)


def test_kind_of_a_report_and_of_nothing(tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.html").write_text("<html></html>")
    assert kind_of(tmp_path / "report") == "report"
    with pytest.raises(ResultsError, match="report directory"):
        load_any(tmp_path / "report")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="not a wotsim results directory"):
        kind_of(tmp_path / "empty")


def _edit(name: str, change):
    def tamper(directory: Path) -> None:
        data = json.loads((directory / name).read_text())
        change(data)
        (directory / name).write_text(json.dumps(data))
    return tamper


def _npz(key: str, change):
    def tamper(directory: Path) -> None:
        with np.load(directory / "arrays.npz") as z:
            arrays = {k: z[k] for k in z.files}
        arrays[key] = change(arrays[key])
        np.savez(directory / "arrays.npz", **arrays)
    return tamper


TAMPERS = {
    "compare format 1": ("compare", _edit("comparison.json", lambda d: d.update(format=1)), "format 1"),
    "compare overlay edited": ("compare", _edit("manifest.json", lambda m: m["scenarios"][0]["overlay"]["scale"]
                                                .update(cost=3.0)), "config_sha256"),
    "compare overlay broken": ("compare", _edit("manifest.json", lambda m: m["scenarios"][0]["overlay"]["scale"]
                                                .update(nope=2.0)), "stored overlay is invalid"),
    "compare run missing": ("compare", _edit("comparison.json", lambda d: d["runs"].pop()), "runs must be"),
    "compare outcome mean text": ("compare", _edit("comparison.json", lambda d: d["runs"][1]["outcomes"]["ratio"]
                                                   ["summary"].update(mean="x")), "must be a number"),
    "compare item_pv short": ("compare", _npz("runs.1.item_pv", lambda a: a[:10]), "shape"),
    "compare output renamed": ("compare", _edit("comparison.json", lambda d: d.update(outputs=["../x"])),
                               "cannot name a file"),
    "voi decision a path": ("voi", _edit("voi.json", lambda d: d["decisions"][0].update(decision="../keep")),
                            "cannot name a file"),
    "voi evpi text": ("voi", _edit("voi.json", lambda d: d["decisions"][0].update(evpi="x")), "must be a number"),
    "voi no decisions": ("voi", _edit("voi.json", lambda d: d.update(decisions=[])), "decisions must be"),
    "oneway unknown output": ("oneway", _edit("sensitivity.json", lambda d: d["records"].update(
        nope={**d["records"]["npv"], "output": "nope"})), "unknown output 'nope'"),
    "oneway bar a list": ("oneway", _edit("sensitivity.json", lambda d: d["records"]["npv"]["bars"].__setitem__(
        0, [])), "must be a table"),
    "decision bins wrong": ("decision", _npz("records.ratio.p_by_bin", lambda a: a[:, :2]), "shape"),
    "decision parameter unknown": ("decision", _edit("sensitivity.json", lambda d: d["records"]["ratio"][
        "parameters"].__setitem__(0, "nope")), "parameters must be"),
}


@pytest.mark.parametrize("kind, tamper, match", TAMPERS.values(), ids=TAMPERS.keys())
def test_a_damaged_directory_is_one_line_naming_the_file(saved, tmp_path, kind, tamper, match):
    directory = Path(shutil.copytree(saved[kind], tmp_path / kind))
    tamper(directory)
    with pytest.raises(ResultsError, match=match) as info:
        load_any(directory)
    assert str(directory) in str(info.value) and "\n" not in str(info.value)
