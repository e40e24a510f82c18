"""Where figures go (issue 9): only inside the output directory, never through a link, under safe names.

And a tampered sensitivity directory is one line, exit 2, before any figure is drawn or any
file written: names that would leave the directory, wrong shapes, dtypes, missing keys, deep JSON.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.cli import main
from wotsim.errors import ResultsError, WotsimError
from wotsim.plots import new_axes, save_figure
from wotsim.analysis.io import load_sensitivity
from wotsim.analysis.screening import morris_screening
from wotsim.analysis.sobol import sobol_indices

CONFIG = {
    "study": {"name": "paths", "horizon": 2, "discount_rate": 0.03},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {
        "gain": {"dist": "uniform", "low": 50.0, "high": 150.0, "group": "benefit"},
        "cost": {"dist": "uniform", "low": 80.0, "high": 120.0, "group": "cost"},
        "extra": {"dist": "uniform", "low": 0.0, "high": 10.0, "group": "benefit"},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "gain + extra"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}


@pytest.fixture(scope="module")
def config():
    return parse_config(CONFIG, file="paths.toml")


@pytest.fixture(scope="module")
def saved(config, tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    return {"sens": sobol_indices(config, outputs=["ratio"], samples=32, seed=3).save(root / "sens"),
            "run": simulate(config, samples=64, seed=1, sampler="mc").save(root / "run")}


def _tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a digest of its content (links as their target)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + str(p.readlink())
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("wotsim: error: ") and "Traceback" not in err, err
    return err


def _copy(saved, which: str, parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(saved[which], parent / which))


def _arrays(directory: Path) -> dict[str, np.ndarray]:
    with np.load(directory / "arrays.npz") as z:
        return {k: z[k] for k in z.files}


def _rename_output(directory: Path, old: str, new: str) -> None:
    body = json.loads((directory / "sensitivity.json").read_text())
    body["indices"][new] = body["indices"].pop(old)
    body["indices"][new]["output"] = new
    (directory / "sensitivity.json").write_text(json.dumps(body))
    np.savez(directory / "arrays.npz", **{k.replace(f"indices.{old}.", f"indices.{new}.", 1): v
                                          for k, v in _arrays(directory).items()})


# ------------------------------------------------------------------ names from the records
@pytest.mark.parametrize("name", ["../victim", "/../../../victim", "..", ".hidden", "a\\b", "x\ny", "x" * 300])
def test_an_output_name_that_cannot_name_a_file_is_refused_and_nothing_is_written(saved, tmp_path, capsys, name):
    directory = _copy(saved, "sens", tmp_path / "parent")
    _rename_output(directory, "ratio", name)
    for suffix in ("png", "svg"):  # a user's files beside the results, which the attack replaced
        (tmp_path / "parent" / f"victim.{suffix}").write_text("precious")
    before = _tree(tmp_path)
    assert main(["plot", str(directory)]) == 2
    err = _one_line(capsys)
    assert f"{directory / 'sensitivity.json'}: indices: output " in err and "cannot name a file" in err
    assert _tree(tmp_path) == before  # nothing written anywhere, not even the figures directory
    with pytest.raises(ResultsError, match="cannot name a file"):
        load_sensitivity(directory)


def test_a_grouping_that_would_leave_the_directory_is_refused(saved, tmp_path, capsys):
    directory = _copy(saved, "sens", tmp_path / "parent")
    body = json.loads((directory / "sensitivity.json").read_text())
    body["plan"]["grouping"] = "/../../../victim"
    (directory / "sensitivity.json").write_text(json.dumps(body))
    before = _tree(tmp_path)
    assert main(["plot", str(directory)]) == 2
    assert "grouping must be one of" in _one_line(capsys)
    assert _tree(tmp_path) == before


# ------------------------------------------------------------------ links
@pytest.mark.parametrize("which", ["run", "sens"])
def test_a_figures_link_inside_a_results_directory_is_refused_and_its_target_untouched(saved, tmp_path, capsys,
                                                                                       which):
    directory = _copy(saved, which, tmp_path / "parent")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "fan_total.png").write_text("precious")
    (directory / "figures").symlink_to(outside, target_is_directory=True)
    before = _tree(tmp_path)
    assert main(["plot", str(directory)]) == 2
    assert f"{directory / 'figures'}: is a symbolic link" in _one_line(capsys)
    assert _tree(tmp_path) == before


def test_an_out_directory_that_is_a_link_is_refused(saved, tmp_path, capsys):
    directory = _copy(saved, "sens", tmp_path / "parent")
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    before = _tree(tmp_path)
    for out in ("link", "dangling"):
        assert main(["plot", str(directory), "--out", str(tmp_path / out)]) == 2
        assert "is a symbolic link" in _one_line(capsys)
    assert _tree(tmp_path) == before
    # a real directory is written, with the usual names
    assert main(["plot", str(directory), "--out", str(tmp_path / "figs")]) == 0
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        ".wotsim-figures", "sobol_convergence_ratio.png", "sobol_convergence_ratio.svg", "sobol_ratio.png",
        "sobol_ratio.svg"]
    # a directory of someone else's files is never written into
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "sobol_ratio.png").write_bytes(b"my picture")
    assert main(["plot", str(directory), "--out", str(mine)]) == 2
    assert "holds files wotsim plot did not write" in _one_line(capsys)
    assert (mine / "sobol_ratio.png").read_bytes() == b"my picture"


def test_save_figure_writes_only_plain_files_inside_its_directory(tmp_path):
    fig, _ax = new_axes()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.png").write_text("precious")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "fig.png").symlink_to(outside / "victim.png")  # a file that is a link
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)  # a directory that is a link
    (tmp_path / "file").write_text("not a directory")
    before = _tree(tmp_path)
    for path, match in [(tmp_path / "figs" / "fig", "symbolic link"),
                        (tmp_path / "linked" / "victim", "symbolic link"),
                        (tmp_path / "file" / "fig", "not a directory"),
                        (tmp_path / "figs" / "..", "cannot name a file"),
                        (tmp_path / "figs" / ".hidden", "cannot name a file"),
                        (tmp_path / "figs" / "a\nb", "cannot name a file"),
                        (tmp_path / "figs" / ("x" * 201), "cannot name a file")]:
        with pytest.raises(WotsimError, match=match):
            save_figure(fig, path, formats=("png",), dpi=20)
    assert _tree(tmp_path) == before
    with pytest.raises(WotsimError, match="cannot name a file"):
        save_figure(fig, tmp_path / "figs" / "ok", formats=("png/../x",), dpi=20)
    assert [p.name for p in save_figure(fig, tmp_path / "figs" / "net_city.v2", formats=("png",), dpi=20)] == [
        "net_city.v2.png"]


# ------------------------------------------------------------------ tampered sensitivity directories
def _body(directory: Path) -> dict:
    return json.loads((directory / "sensitivity.json").read_text())


def _json(change):
    def tamper(directory: Path) -> None:
        body = _body(directory)
        change(body)
        (directory / "sensitivity.json").write_text(json.dumps(body))
    return tamper


def _npz(change):
    def tamper(directory: Path) -> None:
        arrays = _arrays(directory)
        change(arrays)
        np.savez(directory / "arrays.npz", **arrays)
    return tamper


R = "indices.ratio."
TAMPERS = {
    # arrays: shapes, dtypes, values, members
    "S1 one too long": _npz(lambda a: a.update({R + "S1": np.r_[a[R + "S1"], 0.5]})),
    "S1 two-dimensional": _npz(lambda a: a.update({R + "S1": a[R + "S1"][None, :]})),
    "S1 complex": _npz(lambda a: a.update({R + "S1": a[R + "S1"].astype(complex)})),
    "S1 text": _npz(lambda a: a.update({R + "S1": a[R + "S1"].astype(str)})),
    "S1 integers": _npz(lambda a: a.update({R + "S1": a[R + "S1"].astype(int)})),
    "S1 NaN": _npz(lambda a: a[R + "S1"].__setitem__(0, np.nan)),
    "ST_conf infinite": _npz(lambda a: a[R + "ST_conf"].__setitem__(0, np.inf)),
    "convergence n as floats": _npz(lambda a: a.update({R + "convergence.n": a[R + "convergence.n"] * 1.0})),
    "convergence n wrong": _npz(lambda a: a.update({R + "convergence.n": a[R + "convergence.n"] * 3})),
    "convergence levels missing": _npz(lambda a: a.update({R + "convergence.ST": a[R + "convergence.ST"][:0]})),
    "stable flags as floats": _npz(lambda a: a.update({R + "convergence.stable_S1": a[R + "convergence.stable_S1"]
                                                       * 1.0})),
    "member missing": _npz(lambda a: a.pop(R + "ST")),
    "member extra": _npz(lambda a: a.update({"x": np.zeros(1)})),
    "second order arrays without second order": _npz(lambda a: a.update({R + "S2": np.zeros((3, 3))})),
    "a pickle": lambda d: np.savez(d / "arrays.npz", **{**_arrays(d), R + "S1": np.array([{}, 1, 2], dtype=object)}),
    "not a zip": lambda d: (d / "arrays.npz").write_bytes(b"PK\x03\x04 truncated"),
    # JSON: structure, types, values, consistency
    "not JSON": lambda d: (d / "sensitivity.json").write_text("{ truncated"),
    "a list": lambda d: (d / "sensitivity.json").write_text("[]"),
    "deep": lambda d: (d / "sensitivity.json").write_text('{"method": "sobol", "format": 2, "plan": '
                                                          + "[" * 100_000 + "]" * 100_000 + "}"),
    "plan missing": _json(lambda b: b.pop("plan")),
    "plan a list": _json(lambda b: b.update(plan=[1])),
    "n not a power of 2": _json(lambda b: b["plan"].update(n=48)),
    "n a string": _json(lambda b: b["plan"].update(n="32")),
    "n negative": _json(lambda b: b["plan"].update(n=-32)),
    "conf_level beyond a float": _json(lambda b: b["plan"].update(conf_level=10**400)),
    "replicates odd": _json(lambda b: b["plan"].update(replicates=3)),
    "conf_level above 1": _json(lambda b: b["plan"].update(conf_level=1.5)),
    "second_order a string": _json(lambda b: b["plan"].update(second_order="no")),
    "parameters repeated": _json(lambda b: b["plan"].update(parameters=["gain", "gain", "extra"])),
    "groups too short": _json(lambda b: b["plan"].update(groups=["a"])),
    "labels a list": _json(lambda b: b.update(labels=["gain"])),
    "label missing": _json(lambda b: b["labels"].pop("gain")),
    "label a number": _json(lambda b: b["labels"].update(gain=1)),
    "members wrong": _json(lambda b: b["members"].update(gain=["cost"])),
    "notes a string": _json(lambda b: b.update(notes="x")),
    "engine unknown": _json(lambda b: b.update(engine="../fast")),
    "indices empty": _json(lambda b: b.update(indices={})),
    "record a list": _json(lambda b: b["indices"].update(ratio=[])),
    "record output mismatched": _json(lambda b: b["indices"]["ratio"].update(output="npv")),
    "record factors renamed": _json(lambda b: b["indices"]["ratio"].update(factors=["a", "b", "c"])),
    "record mean a table": _json(lambda b: b["indices"]["ratio"].update(mean={})),
    "convergence missing": _json(lambda b: b["indices"]["ratio"].pop("convergence")),
    "manifest a list": lambda d: (d / "manifest.json").write_text("[]"),
    "arrays a link": lambda d: ((d / "real.npz").write_bytes((d / "arrays.npz").read_bytes()),
                                (d / "arrays.npz").unlink(), (d / "arrays.npz").symlink_to(d / "real.npz")),
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_a_tampered_sensitivity_directory_is_one_line_and_draws_nothing(saved, tmp_path, capsys, tamper):
    directory = _copy(saved, "sens", tmp_path)
    tamper(directory)
    before = _tree(tmp_path)
    assert main(["plot", str(directory)]) == 2
    err = _one_line(capsys)
    assert str(directory) in err
    assert _tree(tmp_path) == before
    with pytest.raises(ResultsError):
        load_sensitivity(directory)


def test_untampered_sensitivity_directories_load_unchanged(saved, config, tmp_path):
    back = load_sensitivity(saved["sens"])
    assert back.indices["ratio"].convergence.n.tolist() == list(back.plan.levels)
    morris = morris_screening(config, outputs=["ratio", "net:city"], trajectories=4, seed=1, groups="group")
    again = load_sensitivity(morris.save(tmp_path / "morris"))
    assert again.factors == morris.factors == ("benefit", "cost") and again.members == morris.members
    np.testing.assert_array_equal(again.indices["net:city"].sigma, morris.indices["net:city"].sigma)
    # Morris records are checked the same way
    body = _body(tmp_path / "morris")
    body["indices"]["ratio"]["factors"] = ["benefit"]
    (tmp_path / "morris" / "sensitivity.json").write_text(json.dumps(body))
    with pytest.raises(ResultsError, match="factors"):
        load_sensitivity(tmp_path / "morris")
