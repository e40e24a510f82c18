"""Every config shipped in configs/ is valid, reproduces its targets, and names the source of every number."""

from __future__ import annotations

from pathlib import Path

import pytest

from wotsim.cli import main
from wotsim.config.loading import load_config, read_toml
from wotsim.config.overlays import find_scenarios

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.toml") if "scenarios" not in p.parts)


def test_there_are_configs():
    names = {p.name for p in CONFIGS}
    assert {"schiedam.toml", "debt_counselling.toml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_validates(path, capsys):
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_parameter_names_its_evidence_and_source(path):
    config = load_config(path)
    for name, p in config.parameters.items():
        assert p.evidence in ("sourced", "derived", "assumed", "calibrated"), name
        assert p.source.strip(), f"{path.name}: parameters.{name} has no source"
    for c in config.correlations:
        assert c.source.strip(), f"{path.name}: correlation {c.a}~{c.b} has no source"


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_scenario_number_names_its_source(path):
    """Scale, shift and fix operations carry a source; new parameters carry evidence and source."""
    config = load_config(path)
    scenarios = find_scenarios(config)
    assert scenarios, f"{path.name}: every shipped config comes with scenarios (compare needs them)"
    for sc in scenarios:
        assert sc.description.strip() and sc.evidence.strip(), sc.id
        doc = read_toml(sc.file)
        for op in ("scale", "shift", "fix"):
            for name, spec in doc.get(op, {}).items():
                assert isinstance(spec, dict) and spec.get("source", "").strip(), f"{sc.file}: {op}.{name}"
        for name, spec in doc.get("parameters", {}).items():
            assert spec.get("evidence") and spec.get("source", "").strip(), f"{sc.file}: parameters.{name}"
        for spec in doc.get("replace", {}).values():
            assert spec.get("source", "").strip(), sc.file


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_config_compares_its_scenarios(path, capsys):
    """The README suggests copying these configs: compare must work on each (small sample).

    Schiedam's 12 scenarios are compared elsewhere; here one of them keeps the suite fast.
    """
    some = ["--scenarios", "self_reliance"] if path.name == "schiedam.toml" else []
    assert main(["compare", str(path), "--samples", "256", "--seed", "1", *some]) == 0, capsys.readouterr().err
    assert "P(better)" in capsys.readouterr().out
