"""Terminal text (wotsim.report.text) and the shared pipeline routines (wotsim.analysis.pipeline): the one table
renderer, the unit of analysis taken from the config (no case baked in), the headline outputs, and the one
value-of-information-per-decision routine that compare, voi and report share."""

from __future__ import annotations

import pytest

from conftest import MINIMAL_CONFIG
from wotsim import parse_config
from wotsim.analysis.pipeline import decision_voi, headline_outputs, statement_inputs
from wotsim.analysis.scenarios import compare
from wotsim.analysis.voi import adoption_voi, keep_voi
from wotsim.config.overlays import parse_scenario
from wotsim.formatting import amount
from wotsim.report.statement import comparison_statements
from wotsim.report.text import format_comparison, format_voi_run, table, unit_of_analysis


def test_table_aligns_rules_and_indents():
    text = table([["a", "1"], ["bbb", "22"]], ["name", "n"], "lr", indent="  ")
    assert text.split("\n") == ["  name   n", "  ----  --", "  a      1", "  bbb   22"]
    # trailing blanks cut from a left-aligned last column, never from the rule
    assert table([["x", ""]], ["h", "note"], "ll").split("\n") == ["h  note", "-  ----", "x"]


def _config(**study):
    import tomllib

    data = tomllib.loads(MINIMAL_CONFIG)
    data["study"].update(study)
    return parse_config(data, file="<minimal>")


def _comparison(**study):
    cfg = _config(**study)
    option = parse_scenario({"scenario": {"id": "option", "label": "An option", "description": "d", "evidence": "e"},
                             "shift": {"x": 0.2}}, cfg)
    switch = parse_scenario({"scenario": {"id": "switch", "label": "A switch", "description": "d", "evidence": "e",
                                          "category": "structural"}, "study": {"discount_rate": 0.03}}, cfg)
    return compare(cfg, [option, switch], samples=1024)


@pytest.fixture(scope="module")
def comparison():
    return _comparison()


@pytest.mark.parametrize("unit", ["", "per cohort"])
def test_the_unit_of_analysis_comes_from_the_config(unit):
    cmp = _comparison(unit_of_analysis=unit)
    per = f" {unit}" if unit else ""
    assert unit_of_analysis(cmp.base.config) == unit
    assert f"amounts in EUR{per} (present value)" in format_comparison(cmp)
    vois = decision_voi(cmp, output="net")
    text = format_voi_run(cmp.base, list(vois.values()), output="net", skipped=["switch"])
    assert text.startswith(f"minimal\n1,024 samples (mc), seed 1; net benefit: net, EUR{per} (present value)\n\n"
                           "structural switches are modelling choices, not options to adopt; no value of "
                           "information for: switch\n\nDecision: ")
    evpi = [line for line in text.split("\n") if line.startswith("  EVPI = EUR ")]
    assert len(evpi) == 2 and all(("per cohort" in line) == bool(unit) for line in evpi)
    statements = comparison_statements(cmp, output="ratio", vois=vois)
    assert all(("per cohort" in statements[k]) == bool(unit) for k in vois)  # the sentences with a VOI
    assert f"perfect information on everything is worth {amount(vois['base'].evpi, 'EUR')}{per}" in statements["base"]


def test_headline_outputs_follow_the_config():
    assert headline_outputs(_config()) == ("ratio",)  # the ratio outputs, whatever their names
    import tomllib

    data = tomllib.loads(MINIMAL_CONFIG)
    del data["outputs"]["ratio"]
    assert headline_outputs(parse_config(data, file="<npv only>")) == ("net",)
    data["outputs"] = {}
    assert headline_outputs(parse_config(data, file="<no outputs>")) == ("npv",)


def test_decision_voi_is_keep_plus_each_decision_scenario(comparison):
    vois = decision_voi(comparison, output="net", adoption_groups=False)
    assert list(vois) == ["base", "option"]  # the structural switch gets no value of information
    assert repr(vois["base"]) == repr(keep_voi(comparison.base, output="net"))
    assert repr(vois["option"]) == repr(adoption_voi(comparison, "option", output="net", groups=False))
    assert list(decision_voi(comparison.base, output="net")) == ["base"]  # a simulation: the keep decision only


def test_statement_inputs_match_the_statements_perspective(comparison):
    oneway, vois = statement_inputs(comparison, "ratio")
    assert list(oneway) == ["base", "option", "switch"] and all(o.output == "ratio" for o in oneway.values())
    assert {v.output for v in vois.values()} == {"net"}  # the NPV output with the ratio's items
    assert statement_inputs(comparison, "ratio", voi=False)[1] is None
