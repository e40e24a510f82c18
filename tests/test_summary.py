"""``wotsim summary``: the report's first page in the terminal, from a config or a results directory."""

from __future__ import annotations

import re
from pathlib import Path

from wotsim.cli import main
from wotsim.formatting import share_pm
from wotsim.report.verdicts import outcome_words, scenario_verdict
from wotsim.results.simulation import load_results

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "configs" / "examples" / "debt_counselling.toml"


def test_summary_of_a_config_says_the_verdicts(capsys):
    assert main(["summary", str(EXAMPLE), "--samples", "2048"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Early debt counselling") or "the verdict (2,048 simulated futures)" in out
    assert "The recommendations, each against the current practice:" in out
    assert re.search(r"Option: active outreach to households with arrears: (robustly better|robustly worse|"
                     r"uncertain: better in \d of 10 futures \(\d+%\))", out)
    assert "discount" not in out.lower().split("recommendations")[1].split("whether")[0]  # structural: no verdict
    assert "depends most on" in out and "Further research" in out
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", out), "labels, not ids"


def test_summary_of_a_run_directory_reads_its_draws(tmp_path, capsys):
    assert main(["run", str(EXAMPLE), "--samples", "2048", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["summary", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    s = load_results(tmp_path / "r").summary["social_ratio"]
    lo, hi = s.interval(90)
    assert f"above 1 in {share_pm(s.p_above, s.p_above_se)} of the futures simulated: " \
           f"{outcome_words('ratio', s.p_above, lo, hi)}." in out
    assert "recommendations" not in out  # a run has no scenarios


def test_summary_refuses_what_it_cannot_summarise(tmp_path, capsys):
    assert main(["run", str(EXAMPLE), "--samples", "1024", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["summary", str(tmp_path / "r"), "--samples", "4096"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apply to a config" in err
    assert main(["summary", str(tmp_path / "nothing.toml")]) == 2
    assert "nothing.toml" in capsys.readouterr().err


def test_verdict_kinds_are_those_of_the_rules():
    assert scenario_verdict(0.95, 0.05).words == "robustly better"


def test_summary_in_dutch_uses_dutch_numbers_and_words(capsys):
    assert main(["summary", str(ROOT / "configs" / "schiedam.toml"), "--samples", "2048", "--lang", "nl"]) == 0
    out = capsys.readouterr().out
    assert "het oordeel (2.048 gesimuleerde toekomsten)" in out
    assert "Maatschappelijke baten-kostenverhouding: 1,05 (gepubliceerd: 1,05); 90%-interval 0,7" in out
    assert "De aanbevelingen, elk vergeleken met de huidige werkwijze:" in out
    assert re.search(r"robuust beter|robuust slechter|onzeker: beter in \d van de 10 toekomsten", out)
    assert "€\xa0" in out and "per jaarcohort" in out and "1.05" not in out  # CLDR: a no-break space after €
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", out)
