"""Tampered results directories: one line, exit 2, never a traceback, never a figure drawn from nonsense."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wotsim import load_results, parse_config, simulate
from wotsim.cli import main
from wotsim.errors import ResultsError

CONFIG = {
    "study": {"name": "tamper", "horizon": 3, "discount_rate": 0.03},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0},
        "cost": {"dist": "uniform", "low": 80.0, "high": 120.0},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "gain"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    cfg = parse_config(CONFIG, file="tamper.toml")
    return simulate(cfg, samples=256, seed=1, sampler="sobol").save(tmp_path_factory.mktemp("orig") / "run")


def _copy(saved, tmp_path):
    import shutil

    target = tmp_path / "run"
    shutil.copytree(saved, target)
    return target


def _arrays(path):
    with np.load(path / "arrays.npz") as z:
        return {k: z[k] for k in z.files}


def _put(path, **arrays):
    np.savez(path / "arrays.npz", **arrays)


def _json(path, name):
    return json.loads((path / name).read_text())


def _dump(path, name, data):
    (path / name).write_text(json.dumps(data))


def tamper_empty_npz(p):
    (p / "arrays.npz").write_bytes(b"")


def tamper_wrong_columns(p):
    a = _arrays(p)
    a["draws"] = a["draws"][:, :1]
    _put(p, **a)


def tamper_fewer_rows(p):
    a = _arrays(p)
    a["draws"] = a["draws"][:100]
    _put(p, **a)


def tamper_2d_yearly(p):  # the yearly values are recomputed from the draws; a stored member is still checked
    a = _arrays(p)
    a["yearly"] = load_results(p).yearly[:, 0, :]
    _put(p, **a)


def tamper_short_horizon(p):
    a = _arrays(p)
    a["yearly"] = load_results(p).yearly[:, :, :1]
    _put(p, **a)


def tamper_complex(p):
    a = _arrays(p)
    a["item_pv"] = a["item_pv"].astype(complex)
    _put(p, **a)


def tamper_strings(p):
    a = _arrays(p)
    a["draws"] = a["draws"].astype(str)
    _put(p, **a)


def tamper_zero_rows(p):
    a = {k: v[:0] if k != "base_yearly" else v for k, v in _arrays(p).items()}
    _put(p, **a)


def tamper_nan(p):
    a = {k: np.full_like(v, np.nan) for k, v in _arrays(p).items()}
    _put(p, **a)


def tamper_extra_member(p):
    a = _arrays(p)
    a["payload"] = np.zeros(3)
    _put(p, **a)


def tamper_missing_output(p):
    s = _json(p, "summary.json")
    del s["base"]["outputs"]["ratio"]
    _dump(p, "summary.json", s)


def tamper_missing_stakeholder(p):
    s = _json(p, "summary.json")
    del s["base"]["stakeholder_net"]["city"]
    _dump(p, "summary.json", s)


def tamper_huge_target(p):
    m = _json(p, "manifest.json")
    m["config"]["outputs"]["ratio"]["target"] = int("9" * 4000)
    (p / "manifest.json").write_text(json.dumps(m))


def tamper_deep_derived(p):
    m = _json(p, "manifest.json")
    m["config"]["derived"] = {f"d{i}": f"d{i + 1} + 1" for i in range(3000)} | {"d3000": "d0"}  # a long cycle
    _dump(p, "manifest.json", m)


def tamper_deep_json(p):
    (p / "summary.json").write_text("[" * 100_000 + "]" * 100_000)


def tamper_samples(p):
    m = _json(p, "manifest.json")
    m["samples"] = 10**30
    _dump(p, "manifest.json", m)


def tamper_config_type(p):
    m = _json(p, "manifest.json")
    m["config"] = "import os"
    _dump(p, "manifest.json", m)


TAMPERS = [v for k, v in dict(globals()).items() if k.startswith("tamper_")]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__[7:])
def test_tampered_directory_is_one_clear_error(saved, tmp_path, tamper, capsys):
    path = _copy(saved, tmp_path)
    tamper(path)
    with pytest.raises(ResultsError, match=str(path).replace("\\", "\\\\")):
        load_results(path)
    code = main(["plot", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("wotsim: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (path / "figures").exists()


def test_untampered_directory_loads(saved):
    assert load_results(saved).n == 256
