"""The config layer as a layer: ``[study] unit_of_analysis``, and no import of anything above config.

``unit_of_analysis`` is the words the amounts are counted per ("per yearly cohort"); it is
optional (default "", no qualifier) and, like every key, refused with the file and the key
when it is not a string.  The config layer checks correlations with its own mathematics
(:mod:`wotsim.config.correlations`): loading a config, its scenarios included, imports
neither the model nor sampling nor anything above them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, write_config

from wotsim.config import load_config
from wotsim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"


def _with_unit(line: str) -> str:
    assert 'name = "minimal"' in MINIMAL_CONFIG, "test set-up: the minimal config changed"
    return MINIMAL_CONFIG.replace('name = "minimal"', f'name = "minimal"\n{line}', 1)


def test_unit_of_analysis_defaults_to_no_qualifier(minimal_config_path):
    assert load_config(minimal_config_path).study.unit_of_analysis == ""


def test_unit_of_analysis_is_read(tmp_path):
    path = write_config(tmp_path, _with_unit('unit_of_analysis = "per yearly cohort"'))
    assert load_config(path).study.unit_of_analysis == "per yearly cohort"


def test_unit_of_analysis_must_be_a_string(tmp_path):
    path = write_config(tmp_path, _with_unit("unit_of_analysis = 2400"))
    rule = f"{path}: study.unit_of_analysis: must be a string, got 2400"
    with pytest.raises(ConfigError, match="^" + re.escape(rule)):
        load_config(path)


@pytest.mark.parametrize("text", ['"per\\ncohort"', '"per \\u001b[31mcohort"', '"' + "x" * 61 + '"'])
def test_unit_of_analysis_is_a_short_phrase_on_one_line(tmp_path, text):
    """It is printed inside sentences, table headers and axis labels: no line breaks or terminal escapes."""
    path = write_config(tmp_path, _with_unit(f"unit_of_analysis = {text}"))
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: study.unit_of_analysis: must be a short phrase"):
        load_config(path)


def test_schiedam_counts_per_yearly_cohort():
    assert load_config(SCHIEDAM).study.unit_of_analysis == "per yearly cohort"


def test_loading_a_config_and_its_scenarios_imports_nothing_above_config():
    """In a fresh interpreter (shared with tests/test_fast_start.py: only ``import wotsim`` before it), loading
    Schiedam and its scenarios imports nothing above wotsim.config."""
    from test_fast_start import ABOVE_CONFIG, fresh_interpreter

    assert {"wotsim.model", "wotsim.sampling", "wotsim.analysis", "wotsim.cli"} <= set(ABOVE_CONFIG)
    assert fresh_interpreter()["above_config"] == []
