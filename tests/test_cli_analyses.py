"""Edge cases of the analysis commands: output safety, undefined ratios, scenario scope and wording."""

from __future__ import annotations

import csv
import importlib
import shutil
from pathlib import Path

import pytest

from wotsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"

SMALL = """
[study]
name = "small"
horizon = 2
discount_rate = 0.03

[simulation]
samples = 512
sampler = "mc"

[stakeholders]
a = "A"

[parameters.x]
dist = "uniform"
low = 1
high = 3
group = "effect, reach"

[parameters.c]
dist = "normal"
mean = COST_MEAN
sd = 1.5

[[items]]
id = "b"
kind = "benefit"
stakeholder = "a"
financial = true
value = "x"

[[items]]
id = "c"
kind = "cost"
stakeholder = "a"
financial = true
value = "c"
duration = 1

[outputs.ratio]
benefits = "all"
costs = "all"
"""


def small(tmp_path: Path, cost_mean: float = 3.0) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("COST_MEAN", str(cost_mean)), encoding="utf-8")
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("command", [["voi"], ["compare", "--scenarios", "up", "--no-statements"]])
def test_out_never_replaces_a_directory_that_is_not_a_results_directory(tmp_path, capsys, command):
    cfg = small(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "up.toml").write_text(
        '[scenario]\nid = "up"\nlabel = "up"\ndescription = "x up"\nevidence = "test"\n'
        '[scale]\nx = { factor = 1.1, source = "test" }\n', encoding="utf-8")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("important", encoding="utf-8")
    assert main([command[0], str(cfg), *command[1:], "--samples", "256", "--out", str(precious)]) == 2
    assert "not a wotsim results directory" in one_error_line(capsys)
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "important"
    assert sorted(p.name for p in precious.iterdir()) == ["thesis.txt"]


def test_ratio_draws_with_negative_costs_are_undefined_everywhere(tmp_path, capsys):
    """run and compare agree; Sobol' on such a ratio refuses (and points to the NPV)."""
    cfg = small(tmp_path, cost_mean=1.0)  # costs <= 0 in about a quarter of the draws
    assert main(["run", str(cfg), "--samples", "2048"]) == 0
    out = capsys.readouterr().out
    assert "undefined draws" in out
    assert main(["sensitivity", str(cfg), "--output", "ratio", "--samples", "256"]) == 2
    assert "npv" in one_error_line(capsys).lower()


def test_another_configs_overlay_does_not_break_this_config(tmp_path, capsys):
    cfg = small(tmp_path)
    (tmp_path / "scenarios").mkdir()
    shutil.copy(ROOT / "configs" / "scenarios" / "sharper_selection.toml", tmp_path / "scenarios")
    assert main(["validate", str(cfg)]) == 0
    assert "scenarios:" not in capsys.readouterr().out  # it applies to schiedam.toml only


def test_statements_need_a_ratio_or_an_npv(tmp_path, capsys):
    assert main(["compare", str(SCHIEDAM), "--scenarios", "more_capacity", "--samples", "256", "--output", "costs",
                 "--statement-output", "costs"]) == 2
    assert "amount" in one_error_line(capsys)
    assert main(["compare", str(SCHIEDAM), "--scenarios", "more_capacity", "--samples", "256",
                 "--output", "costs"]) == 0
    assert "no robustness statements" in capsys.readouterr().out


def test_unknown_statement_output_fails_before_running(capsys):
    assert main(["compare", str(SCHIEDAM), "--scenarios", "more_capacity", "--statement-output", "foo"]) == 2
    assert "'foo' is not compared" in one_error_line(capsys)


def test_structural_switches_get_no_adoption_value_of_information(capsys):
    assert main(["voi", str(SCHIEDAM), "--scenarios", "horizon_5,more_capacity", "--samples", "1024",
                 "--no-groups"]) == 0
    out = capsys.readouterr().out
    assert "no value of information for: horizon_5" in out
    assert "adopt 'more_capacity'" in out and "adopt 'horizon_5'" not in out


def test_independent_comparison_is_not_called_paired(capsys):
    assert main(["compare", str(SCHIEDAM), "--scenarios", "discount_5_5", "--independent", "--samples", "512",
                 "--output", "social_ratio", "--no-voi"]) == 0
    out = capsys.readouterr().out
    statements = out.split("Robustness statements", 1)[1]
    assert "paired" not in statements
    assert "independent draws" in statements


def test_evppi_csv_quotes_names_with_commas(tmp_path, capsys):
    cfg = small(tmp_path)
    out = tmp_path / "voi"
    assert main(["voi", str(cfg), "--samples", "512", "--output", "npv", "--out", str(out)]) == 0
    with open(out / "evppi.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert all(len(r) == len(rows[0]) for r in rows)
    assert any(r[2] == "effect, reach" for r in rows[1:])


# --------------------------------------------------------------------------- sizes before any work (issue 9)
#: The module (``wotsim.simulate`` as an attribute is the function the package re-exports).
SIMULATE = importlib.import_module("wotsim.simulate")


def _never(*args, **kwargs):
    raise AssertionError("the Monte Carlo started before the sizes were checked")


@pytest.mark.parametrize("argv, fragments", [
    (["compare", str(SCHIEDAM), "--scenarios", "more_capacity,horizon_5"],
     ["--samples: 1.0e+20 draws", "2 scenarios' item values and new draws", "the limits are 100,000,000 draws"]),
    (["voi", str(SCHIEDAM)], ["--samples: 1.0e+20 draws", "the limits are 100,000,000 draws"]),
    (["report", str(SCHIEDAM), "--scenarios", "more_capacity"],
     ["--samples: 1.0e+20 draws", "1 scenario's item values", "the limits are 100,000,000 draws"]),
])
def test_oversized_samples_are_refused_before_the_monte_carlo(tmp_path, capsys, monkeypatch, argv, fragments):
    monkeypatch.setattr(SIMULATE, "simulate", _never)
    out_dir = tmp_path / "out"
    assert main(argv + ["--samples", "10^20", "--out", str(out_dir)]) == 2
    line = one_error_line(capsys)
    assert line.startswith("wotsim: error: ")
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert not out_dir.exists()


@pytest.mark.parametrize("value, fragment", [
    ("1000", "--sobol-samples (Sobol' base samples N) must be a power of 2 >= 32"),
    ("10^20", "--sobol-samples: 1.0e+20 base samples"),
])
def test_report_checks_the_sobol_samples_before_the_monte_carlo(tmp_path, capsys, monkeypatch, value, fragment):
    monkeypatch.setattr(SIMULATE, "simulate", _never)
    assert main(["report", str(small(tmp_path)), "--out", str(tmp_path / "rep"), "--sobol-samples", value]) == 2
    line = one_error_line(capsys)
    assert line.startswith("wotsim: error: ") and fragment in line
    assert not (tmp_path / "rep").exists()
