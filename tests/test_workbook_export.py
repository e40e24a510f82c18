"""``wotsim export-config`` then ``wotsim import``: the same model, on every shipped config.

The round trip config -> workbook -> config must give the same base case (exactly) and, for the
same seed, the same draws bit for bit (draws, item present values, yearly streams), for the base
and for every scenario found.  Schiedam is checked in the default suite (its scenarios by base
case); every config in configs/ with all its scenarios' draws in the slow suite.  Keys this
version does not know pass both ways, numbers that need 17 digits come back bit for bit, and
the notes (TOML comments) come back as comments.
"""

from __future__ import annotations

import contextlib
import io
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from wotsim.cli import main
from wotsim.config.loading import load_config
from wotsim.config.overlays import find_scenarios
from wotsim.simulate import base_case, simulate
from wotsim.workbook.export import config_sheets, config_tables, workbook_bytes
from wotsim.workbook.tables import read_workbook
from wotsim.workbook.toml_text import config_text

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
#: Every shipped config (overlay files live in scenarios/ folders and are checked with their config).
CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.toml") if "scenarios" not in p.relative_to(ROOT).parts)
SAMPLES = 256


def _round_trip(path: Path, directory: Path) -> tuple[Path, Path]:
    """(workbook, config read back from it), through the two commands."""
    workbook, back = directory / "config.xlsx", directory / "config.toml"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["export-config", str(path), "--out", str(workbook)]) == 0, err.getvalue()
        assert main(["import", str(workbook), "--out", str(back)]) == 0, err.getvalue()
    return workbook, back


@pytest.fixture(scope="module")
def schiedam(tmp_path_factory) -> tuple[Path, Path]:
    return _round_trip(SCHIEDAM, tmp_path_factory.mktemp("schiedam"))


def _same_base(a, b) -> None:
    x, y = base_case(a), base_case(b)
    assert x.outputs == y.outputs and x.item_pv == y.item_pv and x.stakeholder_net == y.stakeholder_net
    assert np.array_equal(x.yearly, y.yearly)


def _same_draws(a, b) -> None:
    x, y = simulate(a, samples=SAMPLES), simulate(b, samples=SAMPLES)  # the config's own seed and sampler
    assert x.parameters == y.parameters
    for name in ("draws", "item_pv", "yearly"):
        assert np.array_equal(getattr(x, name), getattr(y, name)), name


def _check(path: Path, back: Path, *, scenario_draws: bool) -> None:
    a, b = load_config(path), load_config(back)
    _same_base(a, b)
    _same_draws(a, b)
    sa, sb = find_scenarios(a), find_scenarios(b)
    assert [s.id for s in sa] == [s.id for s in sb]
    for x, y in zip(sa, sb):
        assert (x.label, x.description, x.evidence, x.category, x.order) == \
            (y.label, y.description, y.evidence, y.category, y.order)
        assert [(o.kind, o.target, o.detail, o.source) for o in x.operations] == \
            [(o.kind, o.target, o.detail, o.source) for o in y.operations]
        _same_base(x.config, y.config)
        if scenario_draws:
            _same_draws(x.config, y.config)


def test_schiedam_round_trips_to_the_same_model(schiedam):
    _check(SCHIEDAM, schiedam[1], scenario_draws=False)


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_shipped_config_round_trips_with_its_scenarios(tmp_path, path):
    _check(path, _round_trip(path, tmp_path)[1], scenario_draws=True)


@pytest.mark.slow
def test_the_mkba_template_round_trips_too(tmp_path):
    first = tmp_path / "template.toml"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["import", str(ROOT / "configs" / "templates" / "mkba_template.xlsx"), "--out", str(first)]) == 0
    again = tmp_path / "again"
    again.mkdir()
    _check(first, _round_trip(first, again)[1], scenario_draws=True)


def test_every_shipped_config_is_found():
    assert SCHIEDAM in CONFIGS and ROOT / "configs" / "examples" / "debt_counselling.toml" in CONFIGS


def test_the_notes_come_back_as_comments(schiedam):
    text = schiedam[1].read_text(encoding="utf-8")
    assert "discount_rate = 0.03  # sourced: CPB/PBL discount rate in force 1 Apr 2016 - end 2020" in text
    assert "# target: published (local news, Aug 2020)\n[outputs.social_ratio]" in text.replace("# outputs\n", "")


def _raw_round_trip(raw: dict, tmp_path: Path) -> dict:
    path = tmp_path / "raw.xlsx"
    path.write_bytes(workbook_bytes(config_sheets(config_tables(raw, {}))))
    return tomllib.loads(config_text(read_workbook(path).raw))


def test_unknown_parameter_keys_and_exact_numbers_pass_both_ways(tmp_path):
    raw = tomllib.loads((ROOT / "configs" / "examples" / "debt_counselling.toml").read_text(encoding="utf-8"))
    spec = raw["parameters"]["households"]
    spec.update({"p025": 380.5, "p975": 0.1 + 0.2, "range90": [400, 600.25], "new_text_key": "kept as text"})
    raw["parameters"]["qaly_value"]["value"] = 12345678901234567  # 17 digits: more than a float cell holds
    raw["parameters"]["wellbeing_gain"]["low"] = -0.0  # a cell would drop the sign
    back = _raw_round_trip(raw, tmp_path)
    assert math.copysign(1, back["parameters"]["wellbeing_gain"]["low"]) == -1
    got = back["parameters"]["households"]
    assert got["p975"] == 0.30000000000000004 and math.copysign(1, got["p975"]) == 1
    assert got["p025"] == 380.5 and got["range90"] == [400, 600.25] and got["new_text_key"] == "kept as text"
    assert back["parameters"]["qaly_value"]["value"] == 12345678901234567
    assert back == raw
    assert type(back["parameters"]["horizon_years"]["low"]) is int  # whole numbers stay integers


def test_the_workbook_explains_itself(schiedam):
    from openpyxl import load_workbook

    book = load_workbook(schiedam[0])
    assert book.sheetnames[:3] == ["README", "study", "simulation"]
    assert "scenarios" in book.sheetnames and "scenario_parameters" in book.sheetnames
    header = {c.value: c for c in book["parameters"][1]}
    assert "low" in header and header["low"].comment.text == "Lower end of the range."
    readme = [r[0] for r in book["README"].iter_rows(values_only=True)]
    assert "parameters" in readme and "  source" in readme
    study = {r[0]: r[2] for r in book["study"].iter_rows(min_row=2, values_only=True)}
    assert study["discount_rate"].startswith("sourced: CPB/PBL")  # the TOML comment, as the row's note
