"""Regressions from an attacker's review of the hostile-input promise (issue 9): one line, exit 2, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from wotsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEBT = ROOT / "configs" / "examples" / "debt_counselling.toml"


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("wotsim: error:")]
    assert len(lines) == 1 and err.count("\n") == len(err.splitlines()), err
    return lines[0]


def test_out_symlink_is_refused_before_anything_is_created_or_cleaned(tmp_path, capsys):
    outside = tmp_path / "outside"
    (outside / "victim" / ".data.tmp-mine").mkdir(parents=True)
    (outside / "victim" / "data").mkdir()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(outside / "a" / "b" / "c")
    link = tmp_path / "l2"
    link.symlink_to(outside / "victim" / "data")
    for out in (dangling, link):
        assert main(["run", str(DEBT), "--samples", "64", "--out", str(out)]) == 2
        assert "symbolic link" in _err(capsys)
    assert not (outside / "a").exists()  # nothing created through the dangling link
    assert (outside / "victim" / ".data.tmp-mine").is_dir()  # nothing cleaned through the link


def test_glob_characters_in_the_output_name_clean_only_their_own_leftovers(tmp_path, capsys):
    target = tmp_path / "res[1]"
    assert main(["run", str(DEBT), "--samples", "64", "--out", str(target)]) == 0
    (tmp_path / ".res[1].tmp-abc").mkdir()   # a leftover of this output
    (tmp_path / ".res1.tmp-xyz").mkdir()     # another output's, which the glob res[1] would match
    (tmp_path / ".other.tmp-abc").mkdir()
    assert main(["run", str(DEBT), "--samples", "64", "--out", str(target)]) == 0
    assert "removed 1 temporary folder(s)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-abc", ".res1.tmp-xyz", "res[1]"]


def test_summary_number_too_large_for_a_float_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(DEBT), "--samples", "64", "--out", str(out)]) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    summary["base"]["outputs"]["npv"] = int("9" * 400)
    (out / "summary.json").write_text(json.dumps(summary))
    assert main(["plot", str(out)]) == 2
    assert "summary.json" in _err(capsys)


def test_forged_array_header_is_a_damaged_file_not_a_memory_error(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(DEBT), "--samples", "64", "--out", str(out)]) == 0
    capsys.readouterr()
    import zipfile

    with zipfile.ZipFile(out / "arrays.npz") as z:
        members = {name: z.read(name) for name in z.namelist()}
    header = members["draws.npy"]
    members["draws.npy"] = header.replace(b"(64, 8)", b"(1000000000000, 8)", 1)
    with zipfile.ZipFile(out / "arrays.npz", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    assert main(["plot", str(out)]) == 2
    line = _err(capsys)
    assert "arrays.npz" in line and "use fewer --samples" not in line


def test_unknown_scenario_beside_an_overlay_with_a_non_text_id(tmp_path, capsys):
    cfg = tmp_path / "debt.toml"
    shutil.copy(DEBT, cfg)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "bad.toml").write_text("[scenario]\nid = [1]\n")
    assert main(["compare", str(cfg), "--samples", "64", "--scenarios", "zzz"]) == 2
    assert "unknown scenario 'zzz'" in _err(capsys)


def test_compare_refuses_a_scenario_undefined_at_base(tmp_path, capsys):
    cfg = tmp_path / "debt.toml"
    shutil.copy(DEBT, cfg)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(
        '[scenario]\nid = "tiny"\nlabel = "t"\ndescription = "d"\nevidence = "e"\n'
        '[fix.counselling_cost]\nvalue = 5e-324\nsource = "hostile"\n')
    assert main(["compare", str(cfg), "--samples", "64", "--scenarios", "tiny"]) == 2
    assert "scenario 'tiny'" in _err(capsys)


@pytest.mark.parametrize("text", ['"a\\nb" = 1\n', '"a\\rwotsim: all good" = 1\n'])
def test_keys_with_line_breaks_give_one_line(tmp_path, capsys, text):
    cfg = tmp_path / "k.toml"
    cfg.write_text(text + DEBT.read_text())
    assert main(["validate", str(cfg)]) == 2
    line = _err(capsys)
    assert "\\n" in line or "\\r" in line


def test_a_quantile_key_with_a_final_newline_is_not_a_quantile(tmp_path, capsys):
    cfg = tmp_path / "q.toml"
    text = DEBT.read_text().replace("p95 = 600", '"p95\\n" = 600', 1)
    assert text != DEBT.read_text()
    cfg.write_text(text)
    assert main(["validate", str(cfg)]) == 2
    _err(capsys)


@pytest.mark.parametrize("value", ["1e39", "1e308", "1e200"])
def test_amounts_beyond_any_budget_are_refused(tmp_path, capsys, value):
    cfg = tmp_path / "big.toml"
    text = DEBT.read_text().replace('value = "households * counselling_cost"', f"value = {value}", 1)
    cfg.write_text(text)
    assert main(["run", str(cfg), "--samples", "64", "--out", str(tmp_path / "out")]) == 2
    assert "amounts are limited to 1e+15" in _err(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_config_that_is_not_a_regular_file_is_refused(tmp_path, capsys):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        assert main(["validate", path]) == 2
        assert "is not a regular file" in _err(capsys)


def test_report_refuses_a_foreign_out_before_any_analysis(tmp_path, capsys, monkeypatch):
    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "index.html").write_text("mine")
    import wotsim.analysis.pipeline as report

    def no_analyses(*a, **k):
        raise AssertionError("analyses ran before --out was checked")

    monkeypatch.setattr(report, "run_analyses", no_analyses)
    assert main(["report", str(DEBT), "--samples", "2^9", "--sobol-samples", "32", "--out", str(foreign)]) == 2
    assert "not a wotsim results directory" in _err(capsys)
    assert (foreign / "index.html").read_text() == "mine"
    assert np.array_equal(sorted(p.name for p in foreign.iterdir()), ["index.html"])
