"""``--format``: the Schiedam run as a workbook and as CSV files, Excel's row limit, the parquet extra, and
``arrays.npz``: compressed, with the names of its columns, and the layout written before still loading.

The workbook is opened with openpyxl and its summary sheet compared with ``summary.json`` number for
number (every bit: the writer keeps 17 significant digits where openpyxl alone would keep 16); the
CSV files are read with the csv module and compared the same way.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.cli import main
from wotsim.errors import ResultsError, WotsimError
from wotsim.results.simulation import load_results
from wotsim.results.tables import EXCEL_DATA_ROWS, check_format

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = str(ROOT / "configs" / "schiedam.toml")
#: The numbers of a summary row (summary.json's fields, its percentiles apart).
NUMBERS = ("n", "n_undefined", "base", "mean", "mean_se", "sd", "median", "threshold", "p_above", "p_above_se",
           "ratio_of_means", "target")


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _check_summary(rows: list[dict], summary: dict) -> None:
    """Every output's row holds summary.json's numbers exactly (empty where it holds null)."""
    assert [r["output"] for r in rows] == list(summary["outputs"])
    for row in rows:
        want = summary["outputs"][row["output"]]
        assert row["label"] == want["label"] and row["measure"] == want["measure"]
        for key in NUMBERS:
            assert row[key] == want[key], (row["output"], key)
        for key, value in want["percentiles"].items():
            assert row[key] == value, (row["output"], key)


@pytest.fixture(scope="module")
def schiedam_xlsx(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "run"
    assert main(["run", SCHIEDAM, "--samples", "1024", "--format", "xlsx", "--out", str(out)]) == 0
    return out


def test_xlsx_workbook_opens_with_labelled_sheets_and_the_summary_of_summary_json(schiedam_xlsx, capsys):
    import openpyxl

    out = schiedam_xlsx
    summary = json.loads((out / "summary.json").read_text())
    man = json.loads((out / "manifest.json").read_text())
    assert man["tables"] == {"format": "xlsx", "path": "tables.xlsx",
                             "rows": {"summary": 12, "stakeholders": 6, "draws": 1024, "outputs": 1024}}
    book = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    assert book.sheetnames == ["README", "summary", "stakeholders", "draws", "outputs"]
    readme = dict(list(book["README"].iter_rows(values_only=True))[1:])
    assert readme["config"] == SCHIEDAM and readme["config_sha256"] == man["config_sha256"]
    assert (readme["seed"], readme["sampler"], readme["n (samples)"]) == ("20200825", "sobol", "1024")
    assert readme["wotsim version"] == man["versions"]["wotsim"] and readme["currency"] == "EUR"
    assert readme["table draws"].startswith("1,024 rows: ")
    ids, labels, units, *rows = list(book["summary"].iter_rows(values_only=True))
    assert ids[:4] == ("output", "label", "measure", "unit") and labels[:2] == ("Output (id)", "Output")
    _check_summary([dict(zip(ids, row + (None,) * (len(ids) - len(row)))) for row in rows], summary)  # trailing
    # empty cells are left out of a row
    ids, labels, units, *rows = list(book["draws"].iter_rows(max_row=3 + 200, values_only=True))
    result = load_results(out)
    assert ids == ("draw", *result.parameters) and labels[2] == "Households supported"
    assert units[2] == "households per yearly cohort"
    assert [row[0] for row in rows] == list(range(200))
    np.testing.assert_array_equal(np.array(rows, dtype=float)[:, 1:], result.draws[:200])  # every bit
    book.close()


def test_csv_tables_hold_the_summary_and_the_draws(tmp_path, capsys):
    out = tmp_path / "run"
    code, text, err = _cli(capsys, "run", SCHIEDAM, "--samples", "1024", "--format", "csv", "--out", str(out))
    assert code == 0 and err == ""
    assert f"tables (csv) written to {out / 'tables'}: summary 12 rows, stakeholders 6 rows, draws 1,024 rows, " \
           "outputs 1,024 rows" in text
    summary = json.loads((out / "summary.json").read_text())

    def read(name: str) -> list[dict]:
        with open(out / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def number(text: str):
        return None if text == "" else (int(text) if text.lstrip("-").isdigit() else float(text))

    rows = [{k: (v if k in ("output", "label", "measure", "unit") else number(v)) for k, v in r.items()}
            for r in read("summary")]
    _check_summary(rows, summary)
    result = load_results(out)
    draws = np.array([[float(r[p]) for p in result.parameters] for r in read("draws")])
    assert draws.shape == (1024, len(result.parameters))
    np.testing.assert_array_equal(draws, result.draws)
    columns = {(r["table"], r["column"]): (r["label"], r["unit"]) for r in read("columns")}
    assert columns[("draws", "n_households")] == ("Households supported", "households per yearly cohort")
    assert columns[("stakeholders", "mean")] == ("Mean net value", "EUR")
    assert {r["key"]: r["value"] for r in read("readme")}["n (samples)"] == "1024"
    assert (out / "tables" / "summary.csv").read_bytes().startswith(b"output,label,")  # UTF-8, no BOM, commas


def test_xlsx_above_excels_rows_is_refused_before_sampling(tmp_path, capsys, monkeypatch):
    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled before refusing the format")

    monkeypatch.setattr(sys.modules["wotsim.simulate"], "simulate", no_sampling)
    out = tmp_path / "big"
    code, text, err = _cli(capsys, "run", SCHIEDAM, "--samples", "2^20", "--format", "xlsx", "--out", str(out))
    assert code == 2 and text == "" and err.count("\n") == 1
    assert err == ("wotsim: error: --format xlsx: 1,048,576 draws do not fit in an Excel sheet (1,048,576 rows at "
                   "most, 3 of them headers); use --format csv or parquet, or --samples 1,048,573 or fewer\n")
    assert not out.exists()
    check_format("xlsx", EXCEL_DATA_ROWS)  # the last size that fits
    with pytest.raises(WotsimError, match="1,048,574 draws do not fit"):
        check_format("xlsx", EXCEL_DATA_ROWS + 1)


def test_parquet_without_pyarrow_is_one_line_naming_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    code, text, err = _cli(capsys, "run", SCHIEDAM, "--samples", "64", "--format", "parquet", "--out",
                           str(tmp_path / "p"))
    assert code == 2 and err.count("\n") == 1
    assert "--format parquet needs pyarrow" in err and "pip install 'wotsim[parquet]'" in err
    assert not (tmp_path / "p").exists()


def test_a_format_needs_out(capsys):
    code, text, err = _cli(capsys, "run", SCHIEDAM, "--samples", "64", "--format", "csv")
    assert code == 2 and err == "wotsim: error: --format csv says how to write --out; give --out DIR\n"


# --------------------------------------------------------------------------- arrays.npz
CONFIG = {
    "study": {"name": "npz", "horizon": 3, "discount_rate": 0.03},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {"gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0},
                   "cost": {"dist": "uniform", "low": 80.0, "high": 120.0}},
    "items": [{"id": "g", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "gain"},
              {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1}],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}


@pytest.fixture(scope="module")
def run():
    return simulate(parse_config(CONFIG, file="npz.toml"), samples=256, seed=1, sampler="sobol")


def _members(path: Path) -> dict[str, np.ndarray]:
    with np.load(path / "arrays.npz") as z:
        return {k: z[k] for k in z.files}


def test_npz_is_compressed_names_its_columns_and_recomputes_the_yearly_values(run, tmp_path):
    path = run.save(tmp_path / "run")
    with zipfile.ZipFile(path / "arrays.npz") as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    members = _members(path)
    assert sorted(members) == ["base_yearly", "draws", "item_pv", "items", "parameters", "stakeholders"]
    assert members["parameters"].tolist() == ["gain", "cost"] and members["items"].tolist() == ["g", "c"]
    assert members["stakeholders"].tolist() == ["city", "people"]
    back = load_results(path)
    for name in ("draws", "item_pv", "yearly"):  # yearly: recomputed from the draws, bit for bit
        a, b = getattr(run, name), getattr(back, name)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_yearly_values_the_model_cannot_give_back_are_stored(run, tmp_path):
    other = dataclasses.replace(run, yearly=run.yearly + np.float32(1))
    path = other.save(tmp_path / "run")
    assert "yearly" in _members(path)
    np.testing.assert_array_equal(load_results(path).yearly, other.yearly)


def test_the_layout_written_before_loads(run, tmp_path):
    """Uncompressed, every yearly value stored, no names: as ``np.savez`` wrote it before."""
    path = run.save(tmp_path / "old")
    yearly = run.yearly.copy()
    yearly[0, 0, 0] += 1  # the stored values are what loads, not a recomputation
    np.savez(path / "arrays.npz", draws=run.draws, item_pv=run.item_pv, yearly=yearly, base_yearly=run.base.yearly)
    with zipfile.ZipFile(path / "arrays.npz") as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    back = load_results(path)
    np.testing.assert_array_equal(back.draws, run.draws)
    np.testing.assert_array_equal(back.item_pv, run.item_pv)
    np.testing.assert_array_equal(back.yearly, yearly)
    assert back.summary["ratio"] == run.summary["ratio"]


@pytest.mark.parametrize("change, match", [
    (lambda a: a.update(parameters=np.array(["cost", "gain"])), r"parameters must name the columns of the stored "
                                                                r"config \(\['gain', 'cost'\]\)"),
    (lambda a: a.pop("items"), "must hold all of 'parameters, items, stakeholders' or none of them"),
    (lambda a: a.update(items=np.array([1.0, 2.0])), "'items' must hold text"),
])
def test_names_that_are_not_the_configs_are_refused(run, tmp_path, change, match):
    path = run.save(tmp_path / "run")
    members = _members(path)
    change(members)
    np.savez_compressed(path / "arrays.npz", **members)
    with pytest.raises(ResultsError, match=match):
        load_results(path)
