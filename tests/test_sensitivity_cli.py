"""``wotsim sensitivity``: tables, results directories and one-line errors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from conftest import write_config
from test_sensitivity import GROUPED
from wotsim.cli import main
from wotsim.analysis.io import load_sensitivity

SCHIEDAM_PATH = Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml"


@pytest.fixture
def config_path(tmp_path):
    return write_config(tmp_path, GROUPED)


def test_sobol_table_and_results_directory(config_path, tmp_path, capsys):
    out_dir = tmp_path / "sens"
    code = main(["sensitivity", str(config_path), "--samples", "64", "--seed", "5", "--out", str(out_dir)])
    text = capsys.readouterr().out
    assert code == 0
    assert "Sobol' indices of ratio" in text and "Sobol' indices of npv" in text
    # 64 base samples = 8 randomisations of 8: the N/2 prefix is the smallest with 4 of them
    assert "ST at N/2 N" in text and "convergence" in text
    assert "95% CIs by jackknife over 8 independent randomisations (t with 7 df)" in text
    assert "bootstrap" not in text
    assert "max(0.02, 10% of the index)" in text and "first and the last N/2 base samples" in text
    assert f"results written to {out_dir}" in text
    res = load_sensitivity(out_dir)
    assert res.plan.n == 64 and res.plan.seed == 5 and res.plan.replicates == 8
    body = json.loads((out_dir / "sensitivity.json").read_text())
    assert body["method"] == "sobol" and "verdicts" in body["indices"]["ratio"]
    assert body["ci_method"] == "jackknife over 8 independent randomisations (t with 7 df)"


def test_grouped_table_shows_shares_and_notes(config_path, capsys):
    code = main(["sensitivity", str(config_path), "--samples", "32", "--output", "ratio", "--groups", "group",
                 "--second-order", "--engine", "salib"])
    text = capsys.readouterr().out
    assert code == 0
    assert "grouped by group" in text and "params" in text and "interactions between groups" in text
    assert "largest second-order indices" in text


@pytest.mark.parametrize("method, marker", [("morris", "Morris screening of ratio"), ("pawn", "PAWN indices of ratio"),
                                            ("oneway", "One-way sensitivity of ratio"),
                                            ("decision", "Decision drivers of ratio")])
def test_other_methods(config_path, tmp_path, capsys, method, marker):
    args = ["sensitivity", str(config_path), "--method", method, "--output", "ratio", "--out", str(tmp_path / method)]
    if method in ("pawn", "decision"):
        args += ["--samples", "2048"]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert marker in captured.out
    assert (tmp_path / method / "sensitivity.json").is_file()


@pytest.mark.parametrize("args, message", [
    (["--samples", "100"], "must be a power of 2"),
    (["--output", "nope"], "unknown output 'nope'"),
    (["--method", "oneway", "--groups", "item"], "--groups applies to sobol, morris and pawn, not to oneway"),
    (["--method", "oneway", "--second-order"], "--second-order applies to --method sobol only"),
    (["--method", "morris", "--resamples", "5"], "--resamples applies to --method sobol only, not to morris"),
    (["--method", "pawn", "--engine", "salib"], "--engine applies to --method sobol only"),
])
def test_errors_are_one_line_exit_2(config_path, capsys, args, message):
    code = main(["sensitivity", str(config_path)] + args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_method_is_an_argparse_error(config_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sensitivity", str(config_path), "--method", "delta"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'delta'" in err and err.count("\n") == 1


# ``wotsim plot`` of a Sobol' and a Morris directory (issue 10: Morris used to be refused): drawn from the saved data,
# with the model switched off, in tests/test_plot_every_command.py; ``--out`` in tests/test_plot_paths.py.


def test_old_bootstrap_results_are_refused_in_one_line(tmp_path, capsys):
    sens = tmp_path / "sens"
    assert main(["sensitivity", str(SCHIEDAM_PATH), "--output", "social_ratio", "--samples", "32",
                 "--out", str(sens)]) == 0
    capsys.readouterr()
    body = json.loads((sens / "sensitivity.json").read_text())
    body["format"] = 1  # as written by wotsim before the jackknife intervals
    (sens / "sensitivity.json").write_text(json.dumps(body))
    assert main(["plot", str(sens)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "format 1" in err[0] and "rerun 'wotsim sensitivity'" in err[0]


# --------------------------------------------------------------------------- sizes before any work (issue 9)
#: The module (``wotsim.simulate`` as an attribute is the function the package re-exports).
SIMULATE = importlib.import_module("wotsim.simulate")


def _never(*args, **kwargs):
    raise AssertionError("sampling started before the sizes were checked")


@pytest.fixture
def no_sampling(monkeypatch):
    """Every way a sensitivity method starts sampling fails the test."""
    import wotsim.analysis.salib
    import wotsim.analysis.screening
    import wotsim.analysis.sobol
    import wotsim.analysis.sobol_design

    for module, name in [(wotsim.analysis.sobol, "sobol_outputs"), (wotsim.analysis.sobol_design, "base_matrices"),
                         (wotsim.analysis.salib, "morris_sample"), (SIMULATE, "simulate"),
                         (wotsim.analysis.screening, "simulate")]:
        monkeypatch.setattr(module, name, _never)


@pytest.mark.parametrize("method, fragments", [
    ("sobol", ["--samples: 1.0e+20 base samples (4.6e+21 model runs) would need about",
               "the limits are 16,777,216 base samples, 1,000,000,000 model runs and "]),
    ("morris", ["--samples: 1.0e+20 trajectories", "the limits are 100,000 trajectories, 1,000,000,000 model runs"]),
    ("pawn", ["--samples: 1.0e+20 draws", "the limits are 10,000,000 draws and "]),
    ("decision", ["--samples: 1.0e+20 draws", "the limits are 100,000,000 draws and "]),
])
def test_oversized_samples_are_refused_before_sampling(no_sampling, capsys, method, fragments):
    code = main(["sensitivity", str(SCHIEDAM_PATH), "--method", method, "--samples", "10^20"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("wotsim: error: ") and err.count("\n") == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_oversized_resamples_are_refused_before_sampling(no_sampling, capsys):
    code = main(["sensitivity", str(SCHIEDAM_PATH), "--samples", "64", "--resamples", "10^20"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("wotsim: error: --resamples: 1.0e+20 resamples; the limit is 100,000 ")


def test_grouped_designs_are_sized_by_their_groups(no_sampling, capsys, monkeypatch):
    """A grouped Sobol' design has g + 2 rows per base sample, g the number of groups, not of parameters."""
    from wotsim import limits, load_config
    from wotsim.analysis.sobol_design import sobol_plan

    block = sobol_plan(load_config(SCHIEDAM_PATH), samples=32, groups="stakeholder").block  # rows per base sample
    assert block < 44 + 2
    monkeypatch.setattr(limits, "memory_budget", lambda: (2**20, "a test budget"))
    assert main(["sensitivity", str(SCHIEDAM_PATH), "--output", "social_ratio", "--groups", "stakeholder",
                 "--samples", "2^12"]) == 2
    err = capsys.readouterr().err
    assert f"4,096 base samples ({4096 * block:,} model runs)" in err and f"1 output x {block} rows x 8 B" in err


def test_a_non_power_of_two_names_the_flag(no_sampling, capsys):
    assert main(["sensitivity", str(SCHIEDAM_PATH), "--samples", "1e3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wotsim: error: --samples (Sobol' base samples N) must be a power of 2 >= 32")
    assert "got 1000; try 512 or 1024" in err
