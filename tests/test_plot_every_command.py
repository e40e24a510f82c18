"""``wotsim plot DIR`` draws the figures of every directory a wotsim command writes, from the saved data.

One test per command (sensitivity with each method, compare, voi; a run's directory is
tests/test_plots.py::test_cli_plot_redraws_saved_results_without_rerunning): the command writes its
directory, then ``wotsim plot`` draws it with the model switched off (nothing is rerun), and the
figures are the ones that result kind has, each a real PNG and an SVG that names what it shows.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import wotsim.analysis.io  # noqa: F401  (imported before any test patches the model: modules bind it on import)
import wotsim.plots  # noqa: F401
from wotsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "examples" / "debt_counselling.toml"
PNG = b"\x89PNG\r\n\x1a\n"


def _no_rerun(*args, **kwargs):
    raise AssertionError("wotsim plot reran the model")


def _plot(tmp_path: Path, capsys, monkeypatch, command: list[str]) -> tuple[Path, list[str]]:
    directory = tmp_path / "out"
    assert main([command[0], str(CONFIG), *command[1:], "--out", str(directory)]) == 0
    capsys.readouterr()
    for module in ("wotsim.simulate", "wotsim.model"):  # plotting reads the saved results only
        monkeypatch.setattr(importlib.import_module(module), "evaluate", _no_rerun)
    assert main(["plot", str(directory)]) == 0
    out, err = capsys.readouterr()
    figures = directory / "figures"
    stems = sorted({p.stem for p in figures.iterdir() if p.suffix in (".png", ".svg")})
    assert out == f"{len(stems)} figure{'' if len(stems) == 1 else 's'} (png and svg) written to {figures}\n"
    assert err == ""
    for stem in stems:
        assert (figures / f"{stem}.png").read_bytes()[:8] == PNG
        assert (figures / f"{stem}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    return figures, stems


def _svg(figures: Path, stem: str) -> str:
    return (figures / f"{stem}.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("method, stems", [
    ("sobol", ["sobol_convergence_social_ratio", "sobol_social_ratio"]),
    ("morris", ["morris_social_ratio"]),
    ("pawn", ["pawn_social_ratio"]),
    ("oneway", ["tornado_social_ratio"]),
    ("decision", ["drivers_social_ratio"]),
])
def test_plot_a_sensitivity_directory_of_every_method(tmp_path, capsys, monkeypatch, method, stems):
    samples = {"sobol": "128", "morris": "16", "pawn": "512", "oneway": "64", "decision": "512"}[method]
    figures, drawn = _plot(tmp_path, capsys, monkeypatch, ["sensitivity", "--method", method, "--output",
                                                           "social_ratio", "--samples", samples])
    assert drawn == stems
    for stem in stems:  # each figure names the study and the parameters it ranks (not an empty frame)
        svg = _svg(figures, stem)
        assert "early debt counselling" in svg
        assert "Chance problematic debt" in svg  # the parameter's label, not its id
    if method == "morris":  # issue 10: a Morris directory has its figure, the mu*-sigma plane (it used to be refused)
        svg = _svg(figures, "morris_social_ratio")
        assert "\u03bc*" in svg or "mean absolute elementary effect" in svg


def test_plot_a_comparison(tmp_path, capsys, monkeypatch):
    figures, stems = _plot(tmp_path, capsys, monkeypatch, ["compare", "--output", "social_ratio", "--samples", "256",
                                                           "--no-statements", "--no-voi"])
    assert stems == ["scenarios_social_ratio"]
    svg = _svg(figures, "scenarios_social_ratio")
    for scenario in ("Outreach", "discount"):  # every compared scenario has its row
        assert scenario.lower() in svg.lower()


def test_plot_a_value_of_information_directory(tmp_path, capsys, monkeypatch):
    figures, stems = _plot(tmp_path, capsys, monkeypatch, ["voi", "--samples", "1024", "--scenarios", "all"])
    assert stems == ["evppi_adopt_outreach", "evppi_keep"]  # keeping the intervention; adopting the decision scenario
    assert "EVPPI" in _svg(figures, "evppi_keep") or "value of" in _svg(figures, "evppi_keep").lower()


def test_plot_a_discovery_directory(tmp_path, capsys, monkeypatch):
    figures, stems = _plot(tmp_path, capsys, monkeypatch, ["discover", "--output", "social_ratio", "--below", "1",
                                                           "--samples", "512", "--resamples", "0"])
    assert stems == ["discover_limits_1", "discover_scatter_1", "discover_trajectory_1"]
    assert "Chance problematic debt" in _svg(figures, "discover_limits_1")  # labels, not ids


def test_plot_refuses_a_report_directory_in_one_line(tmp_path, capsys):
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.html").write_text("<html></html>", encoding="utf-8")
    assert main(["plot", str(report)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "report directory" in err[0] and "Traceback" not in err[0]
