"""Studies one could commission (``[studies.<id>]``) and ``[study] decision_cohorts``: loaded, checked, overlaid.

One test per rule of :mod:`wotsim.config.studies`: each error names the file, the dotted key and what is
allowed (``FILE: studies.s.sizes: must be ...``).  Overlays add and replace studies; the Schiedam studies
load; ``wotsim validate`` lists them; a workbook carries them both ways.  Everything parses dicts (no
simulation), so the module costs a fraction of a second.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG

from wotsim.cli import main
from wotsim.config.loading import load_config, parse_config
from wotsim.config.overlays import parse_scenario
from wotsim.config.schema import StudyDesign
from wotsim.config.translations import label_of
from wotsim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
FILE = "studies.toml"

#: The minimal config, with a second uncertain parameter off [0, 1], a fixed one, a derived name and two studies.
TEXT = MINIMAL_CONFIG + """
[parameters.effect]
dist = "normal"
mean = 0.5
sd = 0.2
source = "test"

[parameters.fixed_one]
value = 3
source = "test"

[derived]
double_x = "2 * x"

[studies.followup]
label = "Follow-up"
label_nl = "Vervolgonderzoek"
informs = "x"
design = "binomial"
sizes = [400, 50, 100]
cost_fixed = 40000
cost_per_unit = 150
source = "test: binomial"

[studies.joint]
informs = ["effect", "x"]
design = "normal"
sd = 0.25
sizes = [10]
cost_fixed = 0
cost_per_unit = 12.5
source = "test: normal"
"""
RAW = tomllib.loads(TEXT)
RAW["study"]["decision_cohorts"] = 5


def _raw(**study) -> dict:
    """The test config with study ``followup``'s keys updated (a value None removes the key)."""
    raw = copy.deepcopy(RAW)
    spec = raw["studies"]["followup"]
    for key, value in study.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return raw


def _error(raw: dict, key: str, rule: str) -> ConfigError:
    """``raw`` is refused with ``FILE: key: rule...`` (``rule`` a regular expression matched from its start)."""
    with pytest.raises(ConfigError) as err:
        parse_config(raw, file=FILE)
    assert (err.value.file, err.value.key) == (FILE, key), str(err.value)
    assert re.match(rule, err.value.rule), str(err.value)
    assert str(err.value).startswith(f"{FILE}: {key}: ")
    return err.value


# --------------------------------------------------------------------------- a valid config
def test_both_designs_load_into_the_dataclasses():
    config = parse_config(RAW, file=FILE)
    assert config.study.decision_cohorts == 5
    assert config.studies == {
        "followup": StudyDesign(id="followup", label="Follow-up", informs=("x",), design="binomial",
                                sizes=(50, 100, 400), cost_fixed=40000.0, cost_per_unit=150.0, sd=None,
                                source="test: binomial"),
        "joint": StudyDesign(id="joint", label="joint", informs=("effect", "x"), design="normal", sizes=(10,),
                             cost_fixed=0.0, cost_per_unit=12.5, sd=0.25, source="test: normal"),
    }
    assert list(config.studies) == ["followup", "joint"]  # config order
    assert all(type(n) is int for s in config.studies.values() for n in s.sizes)
    assert label_of(config, "studies", "followup", "nl") == "Vervolgonderzoek"
    assert label_of(config, "studies", "followup") == "Follow-up"
    assert label_of(config, "studies", "joint", "nl") == "Joint"  # no label: the id, humanised


def test_without_studies_a_config_has_none_and_one_decision_cohort():
    config = parse_config(tomllib.loads(MINIMAL_CONFIG), file=FILE)
    assert config.studies == {} and config.study.decision_cohorts == 1


# --------------------------------------------------------------------------- one error per rule
BAD = [
    # (name, change to study 'followup' (or a callable on the raw config), key, rule)
    ("unknown key", {"cost_per_unti": 1}, "studies.followup.cost_per_unti",
     r"unknown key \(did you mean 'cost_per_unit'\?\); allowed: label, informs, design, sd, sizes"),
    ("not a table", lambda r: r["studies"].update(followup=3), "studies.followup", r"must be a table .*got 3"),
    ("bad id", lambda r: r["studies"].update({"2nd": r["studies"].pop("followup")}), "studies.2nd",
     r"must be a name of letters, digits and underscores"),
    ("studies not a table", lambda r: r.update(studies=[1]), "studies", r"must be a table, got \[1\]"),
    ("informs missing", {"informs": None}, "studies.followup.informs",
     r"is required: the uncertain parameter .*; uncertain parameters: x, effect"),
    ("informs unknown", {"informs": "efect"}, "studies.followup.informs",
     r"unknown parameter 'efect' \(did you mean 'effect'\?\); uncertain parameters: x, effect"),
    ("informs fixed", {"informs": "fixed_one"}, "studies.followup.informs",
     r"parameter 'fixed_one' is fixed \(value = 3\): a study can only inform an uncertain parameter"),
    ("informs derived", {"informs": ["x", "double_x"]}, "studies.followup.informs",
     r"'double_x' is a derived formula, not a parameter"),
    ("informs twice", {"informs": ["x", "x"]}, "studies.followup.informs", r"names parameter 'x' twice"),
    ("informs empty", {"informs": []}, "studies.followup.informs",
     r"must be a parameter name or a non-empty list of parameter names, got \[\]"),
    ("informs a number", {"informs": 3}, "studies.followup.informs", r"must be a parameter name .*got 3"),
    ("design missing", {"design": None}, "studies.followup.design", r"is required: one of binomial, normal"),
    ("design unknown", {"design": "binomal"}, "studies.followup.design",
     r"must be one of binomial, normal, got 'binomal' \(did you mean 'binomial'\?\)"),
    ("binomial off the unit interval", {"informs": ["x", "effect"]}, "studies.followup.informs",
     r"parameter 'effect' must lie within \[0, 1\] for a binomial study .* normal distribution has support "
     r"\[-inf, inf\]"),
    ("binomial with sd", {"sd": 0.1}, "studies.followup.sd", r"applies to design = 'normal' only"),
    ("normal without sd", {"design": "normal"}, "studies.followup.sd",
     r"is required for design = 'normal': a finite number > 0"),
    ("normal sd 0", {"design": "normal", "sd": 0}, "studies.followup.sd", r"must be a finite number > 0 .*got 0"),
    ("normal sd inf", {"design": "normal", "sd": float("inf")}, "studies.followup.sd",
     r"must be a finite number > 0 .*got inf"),
    ("normal sd bool", {"design": "normal", "sd": True}, "studies.followup.sd",
     r"must be a finite number > 0 .*got True"),
    ("sizes missing", {"sizes": None}, "studies.followup.sizes", r"is required: a non-empty list of distinct whole"),
    ("sizes empty", {"sizes": []}, "studies.followup.sizes", r"must be a non-empty list .*got \[\]"),
    ("sizes a number", {"sizes": 100}, "studies.followup.sizes", r"must be a non-empty list .*got 100"),
    ("size 0", {"sizes": [50, 0]}, "studies.followup.sizes", r"must be .*whole numbers >= 1 .*got 0 \(item 2 of"),
    ("size fraction", {"sizes": [50.5]}, "studies.followup.sizes", r"must be .*got 50.5 \(item 1 of"),
    ("size bool", {"sizes": [True]}, "studies.followup.sizes", r"must be .*got True \(item 1 of"),
    ("size twice", {"sizes": [50, 100, 50]}, "studies.followup.sizes", r"must be .*: 50 is given twice"),
    ("too many sizes", {"sizes": list(range(1, 102))}, "studies.followup.sizes", r"at most 100 sizes"),
    ("cost_fixed missing", {"cost_fixed": None}, "studies.followup.cost_fixed",
     r"is required: a finite number >= 0 \(the study's fixed cost"),
    ("cost_fixed negative", {"cost_fixed": -1}, "studies.followup.cost_fixed", r"must be a finite number >= 0 .*got -1"),
    ("cost_fixed bool", {"cost_fixed": False}, "studies.followup.cost_fixed", r"must be a finite number >= 0 .*got False"),
    ("cost_fixed inf", {"cost_fixed": float("inf")}, "studies.followup.cost_fixed", r"must be a finite number .*got inf"),
    ("cost_per_unit text", {"cost_per_unit": "150"}, "studies.followup.cost_per_unit",
     r"must be a finite number >= 0 \(its cost per unit .*got '150'"),
    ("source missing", {"source": None}, "studies.followup.source", r"is required \(a string\)"),
    ("source blank", {"source": "  "}, "studies.followup.source", r"must say where the study's numbers come from"),
    ("label not text", {"label": 3}, "studies.followup.label", r"must be a string, got 3"),
    ("translation without label", {"label": None}, "studies.followup.label_nl", r"translates label, which is missing"),
    ("too many studies", lambda r: r["studies"].update({f"s{i}": {} for i in range(100)}), "studies",
     r"at most 100 studies"),
    ("cohorts 0", lambda r: r["study"].update(decision_cohorts=0), "study.decision_cohorts", r"must be >= 1, got 0"),
    ("cohorts fraction", lambda r: r["study"].update(decision_cohorts=2.5), "study.decision_cohorts",
     r"must be a whole number, got 2.5"),
    ("cohorts bool", lambda r: r["study"].update(decision_cohorts=True), "study.decision_cohorts",
     r"must be a whole number, got True"),
    ("cohorts too many", lambda r: r["study"].update(decision_cohorts=201), "study.decision_cohorts",
     r"must be at most 200 \(yearly cohorts, counted like the horizon\), got 201"),
    ("cohorts misspelt", lambda r: r["study"].update(decision_cohort=5), "study.decision_cohort",
     r"unknown key \(did you mean 'decision_cohorts'\?\)"),
    ("table misspelt", lambda r: r.update(studes={}), "studes", r"unknown key \(did you mean 'studies'\?\)"),
]


@pytest.mark.parametrize("change,key,rule", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_rule_names_its_key(change, key, rule):
    if callable(change):
        raw = copy.deepcopy(RAW)
        change(raw)
    else:
        raw = _raw(**change)
    _error(raw, key, rule)


def test_a_parameter_within_0_1_may_be_binomial_and_any_may_be_normal():
    config = parse_config(_raw(informs=["effect", "x"], design="normal", sd=1e-9), file=FILE)
    assert config.studies["followup"].informs == ("effect", "x") and config.studies["followup"].sd == 1e-9
    raw = _raw()
    raw["parameters"]["x"] = {"dist": "beta", "alpha": 2, "beta": 5, "source": "test"}  # support [0, 1] exactly
    assert parse_config(raw, file=FILE).studies["followup"].design == "binomial"


# --------------------------------------------------------------------------- overlays
META = {"id": "variant", "label": "Variant", "description": "d", "evidence": "e"}


def test_an_overlay_adds_and_replaces_studies():
    base = parse_config(RAW, file=FILE)
    new = {"informs": "effect", "design": "normal", "sd": 1.0, "sizes": [30], "cost_fixed": 1, "cost_per_unit": 2,
           "source": "overlay"}
    sc = parse_scenario({"scenario": META, "studies": {"followup": {**new, "label": "Other"}, "extra": new},
                         "study": {"decision_cohorts": 3}}, base, file="variant.toml")
    studies = sc.config.studies
    assert sc.id == "variant"  # a study's id never becomes the scenario's
    assert list(studies) == ["followup", "joint", "extra"]
    assert studies["followup"] == StudyDesign(id="followup", label="Other", informs=("effect",), design="normal",
                                              sizes=(30,), cost_fixed=1.0, cost_per_unit=2.0, sd=1.0,
                                              source="overlay")
    assert studies["joint"] == base.studies["joint"] and studies["extra"].id == "extra"
    assert sc.config.study.decision_cohorts == 3
    assert ("followup", "label", "nl") not in {k[1:] for k in sc.config.translations}  # a whole new table
    assert [(o.kind, o.target, o.detail) for o in sc.operations] == [
        ("study", "decision_cohorts", "3"), ("study_design", "followup", "replaced"),
        ("study_design", "extra", "added")]
    assert base.studies["followup"].design == "binomial"  # the base is untouched


def test_an_overlay_error_names_the_overlay_key_and_a_fixed_parameter_drops_the_base_study():
    base = parse_config(RAW, file=FILE)
    with pytest.raises(ConfigError) as err:
        parse_scenario({"scenario": META, "studies": {"extra": {"informs": "x", "design": "binomial", "sizes": [0],
                                                                "cost_fixed": 0, "cost_per_unit": 0,
                                                                "source": "s"}}}, base, file="variant.toml")
    assert str(err.value).startswith("variant.toml (scenario 'variant'): studies.extra.sizes: must be a non-empty")
    assert "base config" not in str(err.value)  # the overlay's own key, not the base config's
    sc = parse_scenario({"scenario": META, "fix": {"effect": {"value": 0.5, "source": "s"}}}, base, file="v.toml")
    assert list(sc.config.studies) == ["followup"]  # 'joint' informs effect, now fixed: nothing left to learn
    assert sc.id == "variant"
    assert ("drop_study", "joint", "dropped: 'effect' is fixed") in [(o.kind, o.target, o.detail)
                                                                     for o in sc.operations]
    replaced = parse_scenario({"scenario": META, "fix": {"effect": 0.5}, "studies": {"joint": {
        "informs": "x", "design": "normal", "sd": 1, "sizes": [2], "cost_fixed": 0, "cost_per_unit": 0,
        "source": "s"}}}, base, file="v.toml")  # the overlay's own 'joint' replaces the base's: nothing dropped
    assert replaced.config.studies["joint"].informs == ("x",)
    assert "drop_study" not in [o.kind for o in replaced.operations]
    with pytest.raises(ConfigError, match=r"studies\.extra\.informs: parameter 'effect' is fixed"):
        parse_scenario({"scenario": META, "fix": {"effect": 0.5}, "studies": {"extra": {
            "informs": "effect", "design": "normal", "sd": 1, "sizes": [1], "cost_fixed": 0, "cost_per_unit": 0,
            "source": "s"}}}, base, file="v.toml")  # the overlay's own study is its own mistake
    with pytest.raises(ConfigError, match=r"^v\.toml \(scenario 'variant'\): study\.decision_cohorts: must be >= 1"):
        parse_scenario({"scenario": META, "study": {"decision_cohorts": 0}}, base, file="v.toml")


# --------------------------------------------------------------------------- Schiedam, validate, workbook
def test_the_schiedam_studies_load():
    config = load_config(SCHIEDAM)
    assert config.study.decision_cohorts == 5
    follow, qol = config.studies["placement_followup"], config.studies["quality_of_life"]
    assert (follow.design, follow.informs, follow.sizes, follow.cost_fixed, follow.cost_per_unit, follow.sd) == \
        ("binomial", ("p_placement_prevented",), (50, 100, 200, 400, 800), 40000.0, 150.0, None)
    assert (qol.design, qol.informs, qol.sizes, qol.cost_fixed, qol.cost_per_unit, qol.sd) == \
        ("normal", ("delta_qaly",), (50, 100, 200, 400, 800), 25000.0, 230.0, 0.1)
    assert all(s.source.strip() and label_of(config, "studies", s.id, "nl") != s.label
               for s in config.studies.values())
    # every number of a study carries a comment that gives its source or says it is an assumption
    text = SCHIEDAM.read_text(encoding="utf-8")
    for key in ("decision_cohorts", "sd", "sizes", "cost_fixed", "cost_per_unit"):
        for line in re.findall(rf"^{key} = .*$", text, flags=re.MULTILINE):
            assert re.search(r"#\s*(assumption|sourced)", line), line


def test_validate_lists_the_studies_after_the_outputs(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(TEXT, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["  study followup           binomial  informs x; sizes 50, 100, 400",
                        "  study joint              normal    informs effect, x; sizes 10"]
    assert out[-3].startswith("  ratio ")


def test_a_workbook_carries_studies_and_scenario_studies_both_ways(tmp_path):
    from wotsim.workbook.export import config_sheets, config_tables, workbook_bytes
    from wotsim.workbook.tables import read_workbook
    from wotsim.workbook.toml_text import config_text

    overlay = {"scenario": {k: v for k, v in META.items() if k != "id"},
               "study": {"decision_cohorts": 2},
               "studies": {"joint": {"label": "J", "label_nl": "Gezamenlijk", "informs": ["x"], "design": "binomial",
                                     "sizes": [7, 3], "cost_fixed": 1.5, "cost_per_unit": 0, "source": "s"}}}
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes(config_sheets(config_tables(RAW, {"variant": overlay}))))
    text = config_text(read_workbook(path).raw)
    assert "\n[studies.followup]\n" in text and "\n[scenarios.variant.studies.joint]\n" in text  # laid out as sections
    back = tomllib.loads(text)
    assert back.pop("scenarios") == {"variant": {**overlay, "scenario": META}}  # the id written out
    assert back == RAW
    config = parse_config(back, file=FILE)
    assert config.studies == parse_config(RAW, file=FILE).studies


def test_a_study_that_would_cost_more_than_results_can_hold_is_refused():
    raw = _raw(cost_fixed=1e308, cost_per_unit=1e308)
    with pytest.raises(ConfigError, match=r"studies\.followup\.cost_per_unit: makes the study cost"):
        parse_config(raw, file=FILE)
