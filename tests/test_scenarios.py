"""Scenarios: overlays, common random numbers, paired differences, the Schiedam scenarios, the CLI.

Tolerances are ``K`` Monte Carlo standard errors (K = 4; the seeds are fixed, so
the tests are deterministic).  Closed forms: in the model below NPV = x - c with
x ~ U(0, 1) and c ~ U(1, 2) independent, so scaling c by ``a`` changes NPV by
exactly ``(1 - a) c`` in every paired draw.
"""

from __future__ import annotations

import copy
import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from wotsim import load_config, parse_config
from wotsim.cli import main
from wotsim.errors import ConfigError, WotsimError
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import find_scenarios, load_scenario, parse_scenario
from wotsim.sampling import base_design, scenario_uniforms
from wotsim.simulate import base_case, simulate

K = 4.0
ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"


def small_config(**simulation):
    """NPV = x - c, ratio = x / c; x ~ U(0, 1), c ~ U(1, 2)."""
    return parse_config({
        "study": {"name": "small", "horizon": 1, "discount_rate": 0.0},
        "simulation": {"samples": 4096, "seed": 7, "sampler": "mc", **simulation},
        "stakeholders": {"s": "Society"},
        "parameters": {
            "x": {"dist": "uniform", "low": 0.0, "high": 1.0, "group": "effect"},
            "c": {"dist": "uniform", "low": 1.0, "high": 2.0, "group": "cost"},
        },
        "items": [
            {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "x"},
            {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": "c"},
        ],
        "outputs": {"ratio": {"measure": "ratio"}, "net": {"measure": "npv"}},
    }, file="<small>")


def overlay(sid, **ops):
    data = {"scenario": {"id": sid, "label": f"Scenario {sid}", "description": "test", "evidence": "test"}}
    data.update(ops)
    return data


# --------------------------------------------------------------------------- paired differences: closed forms
def test_paired_difference_of_a_scaled_cost_matches_its_closed_form():
    cfg = small_config()
    a = 1.5
    sc = parse_scenario(overlay("dearer", scale={"c": {"factor": a, "source": "test"}}), cfg)
    cmp = compare(cfg, [sc], outputs=("net", "ratio"))
    n = cmp.n
    c = cmp.base.draws_of("c")
    run = cmp.run("dearer")
    # draw by draw: NPV_s - NPV_b = (1 - a) c, exactly up to rounding
    diff = run.output("net") - cmp.runs[0].output("net")
    np.testing.assert_allclose(diff, (1 - a) * c, rtol=1e-12, atol=1e-12)
    d = run.outcomes["net"].difference
    # mean: (1 - a) E[c] = -0.75, MC se = (a - 1) sd(c) / sqrt(n)
    se = (a - 1) * (1 / math.sqrt(12)) / math.sqrt(n)
    assert abs(d.mean - (1 - a) * 1.5) < K * se
    assert d.mean_se == pytest.approx(se, rel=0.05)
    # quantiles of (1 - a) c: the 5th percentile is (1 - a) times the 95th of U(1, 2)
    assert abs(d.low - (1 - a) * 1.95) < K * d.low_se
    assert abs(d.high - (1 - a) * 1.05) < K * d.high_se
    # base case: c at its median 1.5
    assert d.base_case == pytest.approx((1 - a) * 1.5, rel=1e-12)
    # ratio x / (a c) is lower in every draw with x > 0
    r = run.outcomes["ratio"].difference
    assert r.p_better == 0.0 and r.p_worse == 1.0
    assert r.mean == pytest.approx((1 / a - 1) * np.mean(cmp.base.draws_of("x") / c), rel=1e-9)


def test_common_random_numbers_shrink_the_standard_error_of_a_difference():
    cfg = small_config(samples=8192)
    a = 1.1
    sc = parse_scenario(overlay("more", scale={"x": a}), cfg)
    paired = compare(cfg, [sc], outputs=("net",)).run("more").outcomes["net"].difference
    indep = compare(cfg, [sc], outputs=("net",), paired=False).run("more").outcomes["net"].difference
    assert paired.paired and not indep.paired
    # closed forms: paired diff = (a - 1) x; independent diff = (a x' - c') - (x - c)
    var_u = 1 / 12
    sd_paired = (a - 1) * math.sqrt(var_u)
    sd_indep = math.sqrt(a * a * var_u + var_u + 2 * var_u)
    n = 8192
    assert paired.mean_se == pytest.approx(sd_paired / math.sqrt(n), rel=0.05)
    assert indep.mean_se == pytest.approx(sd_indep / math.sqrt(n), rel=0.05)
    ratio = paired.mean_se / indep.mean_se
    assert ratio == pytest.approx(sd_paired / sd_indep, rel=0.1)  # about 0.05
    assert ratio < 0.1
    # both estimate the same mean difference (a - 1) E[x] = 0.05
    assert abs(paired.mean - 0.05) < K * paired.mean_se
    assert abs(indep.mean - 0.05) < K * indep.mean_se


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_base_design_reproduces_the_simulation(sampler):
    cfg = small_config(sampler=sampler)
    ref = simulate(cfg, samples=1000, chunk_size=300)
    u = base_design(cfg, samples=1000, seed=cfg.simulation.seed, sampler=sampler)
    again = simulate(cfg, uniforms=u, chunk_size=128)
    assert np.array_equal(ref.draws, again.draws)
    assert np.array_equal(ref.item_pv, again.item_pv)
    assert again.manifest["design"] == "supplied uniforms"


def test_compare_base_is_bit_identical_to_simulate():
    cfg = load_config(SCHIEDAM)
    scs = find_scenarios(cfg, ["no_carers_time"])
    cmp = compare(cfg, scs, samples=2048)
    ref = simulate(cfg, samples=2048)
    assert np.array_equal(cmp.base.item_pv, ref.item_pv)
    assert np.array_equal(cmp.runs[0].output("social_ratio"), ref.outputs["social_ratio"])


def test_uniforms_are_keyed_by_parameter_name_not_by_scenario_order():
    cfg = small_config()
    new = {"z": {"dist": "uniform", "low": 0.0, "high": 1.0}}
    item = [{"id": "bonus", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "z"}]
    a = parse_scenario(overlay("a", parameters=new, add_items=item), cfg)
    b = parse_scenario(overlay("b", parameters=copy.deepcopy(new), add_items=copy.deepcopy(item),
                               scale={"c": 2.0}), cfg)
    u = base_design(cfg, samples=500, seed=7, sampler="mc")
    ua = scenario_uniforms(cfg, a.config, u, seed=7)
    ub = scenario_uniforms(cfg, b.config, u, seed=7)
    names = a.config.uncertain
    assert names == ("x", "c", "z")
    assert np.array_equal(ua[:, :2], u)                  # shared parameters: the base columns
    assert np.array_equal(ua[:, 2], ub[:, 2])            # the same new name: the same draws
    assert not np.allclose(ua[:, 2], u[:, 0])            # ... from its own stream
    assert not np.array_equal(scenario_uniforms(cfg, a.config, u, seed=8)[:, 2], ua[:, 2])
    # adding or reordering scenarios never changes another's numbers
    one = compare(cfg, [a], samples=500).run("a").output("net")
    two = compare(cfg, [b, a], samples=500).run("a").output("net")
    assert np.array_equal(one, two)


def test_independent_designs_are_keyed_by_scenario_id():
    cfg = small_config()
    a = parse_scenario(overlay("a", scale={"x": 1.0}), cfg)
    u = base_design(cfg, samples=300, seed=7, sampler="mc")
    ua = scenario_uniforms(cfg, a.config, u, seed=7, paired=False, scenario_id="a")
    ub = scenario_uniforms(cfg, a.config, u, seed=7, paired=False, scenario_id="b")
    assert not np.allclose(ua, u) and not np.allclose(ua, ub)


def test_identical_scenario_has_zero_difference_everywhere():
    cfg = small_config()
    sc = parse_scenario(overlay("same", study={"discount_rate": 0.0}), cfg)
    d = compare(cfg, [sc], samples=256).run("same").outcomes["net"].difference
    assert (d.mean, d.mean_se, d.low, d.high, d.p_better, d.p_worse) == (0, 0, 0, 0, 0, 0)


# --------------------------------------------------------------------------- overlay operations
def test_scale_and_shift_transform_the_quantile_function():
    cfg = parse_config({
        "study": {"name": "t", "horizon": 1, "discount_rate": 0.0},
        "stakeholders": {"s": "S"},
        "parameters": {
            "p": {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 5.0, "unit": "u", "group": "g"},
            "n": {"dist": "normal", "p05": 1.0, "p95": 3.0},
            "g": {"dist": "gamma", "mean": 2.0, "sd": 1.0},
            "l": {"dist": "lognormal", "median": 2.0, "gsd": 1.5},
            "b": {"dist": "beta", "mean": 0.3, "sd": 0.1},
            "k": {"dist": "integer", "low": 1, "high": 4},
        },
        "items": [{"id": "i", "kind": "benefit", "stakeholder": "s", "financial": True,
                   "value": "p + n + g + l + b + k"},
                  {"id": "o", "kind": "cost", "stakeholder": "s", "financial": True, "value": 1.0}],
    }, file="<t>")
    sc = parse_scenario(overlay("t", scale={"p": 3.0, "g": 0.5, "l": 2.0, "b": 10.0},
                                shift={"n": -1.0, "k": 2}), cfg)
    u = np.array([0.01, 0.2, 0.5, 0.9, 0.999])
    new = sc.config.parameters
    old = cfg.parameters
    for name, f in (("p", lambda y: 3 * y), ("g", lambda y: 0.5 * y), ("l", lambda y: 2 * y),
                    ("b", lambda y: 10 * y), ("n", lambda y: y - 1), ("k", lambda y: y + 2)):
        np.testing.assert_allclose(new[name].dist.ppf(u), f(old[name].dist.ppf(u)), rtol=1e-9, atol=1e-9,
                                   err_msg=name)
        assert new[name].dist.base == pytest.approx(f(old[name].dist.base))
    assert new["p"].unit == "u" and new["p"].group == "g"
    assert "scale x 3" in new["p"].source


def test_fix_replace_drop_and_add():
    cfg = small_config()
    sc = parse_scenario(overlay(
        "ops",
        fix={"x": {"value": 0.25, "source": "test"}},
        replace={"c": {"dist": "triangular", "low": 1.0, "mode": 1.0, "high": 3.0}},
        drop_items=["gain"],
        add_items=[{"id": "gain2", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "2 * x"}],
        outputs={"net2": {"measure": "npv", "benefits": ["gain2"]}},
    ), cfg)
    c = sc.config
    assert c.uncertain == ("c",)
    assert c.parameters["x"].dist.fixed and c.parameters["x"].dist.base == 0.25
    assert c.parameters["c"].dist.name == "triangular" and c.parameters["c"].group == "cost"
    assert [it.id for it in c.items] == ["outlay", "gain2"]
    assert base_case(c).outputs["net2"] == pytest.approx(0.5 - c.parameters["c"].dist.base)
    kinds = [op.kind for op in sc.operations]
    assert kinds == ["replace", "fix", "drop_item", "add_item", "output"]


def test_dropped_items_leave_explicit_output_lists():
    cfg = parse_config({
        "study": {"name": "t", "horizon": 1, "discount_rate": 0.0},
        "stakeholders": {"s": "S"},
        "items": [{"id": "a", "kind": "benefit", "stakeholder": "s", "financial": True, "value": 1.0},
                  {"id": "b", "kind": "benefit", "stakeholder": "s", "financial": False, "value": 2.0},
                  {"id": "o", "kind": "cost", "stakeholder": "s", "financial": True, "value": 1.0}],
        "outputs": {"r": {"benefits": ["a", "b"]}, "f": {"benefits": {"exclude": ["b"]}}},
    }, file="<t>")
    sc = parse_scenario(overlay("d", drop_items=["b"]), cfg)
    assert sc.config.outputs["r"].benefit_items == ("a",)
    assert base_case(sc.config).outputs["r"] == 1.0


def test_inline_scenarios_in_the_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(textwrap.dedent("""\
        [study]
        name = "inline"
        horizon = 1
        discount_rate = 0.0
        [simulation]
        samples = 256
        sampler = "mc"
        [stakeholders]
        s = "S"
        [parameters.x]
        dist = "uniform"
        low = 0.0
        high = 1.0
        [[items]]
        id = "gain"
        kind = "benefit"
        stakeholder = "s"
        financial = true
        value = "x"
        [[items]]
        id = "outlay"
        kind = "cost"
        stakeholder = "s"
        financial = true
        value = 1.0
        [scenarios.double.scenario]
        label = "Double"
        description = "x doubled"
        evidence = "test"
        [scenarios.double.scale]
        x = 2.0
        [scenarios.typo.scenario]
        label = "Typo"
        description = "d"
        evidence = "e"
        [scenarios.typo.scale]
        xx = 2.0
        """), encoding="utf-8")
    cfg = load_config(path)
    [sc] = find_scenarios(cfg, ["double"])
    assert sc.id == "double" and "scenarios" not in sc.config.raw
    assert base_case(sc.config).outputs["npv"] == pytest.approx(0.0)
    with pytest.raises(ConfigError, match=r"c\.toml \(scenario 'typo'\): scenarios\.typo\.scale\.xx: unknown "
                                          r"parameter 'xx' \(did you mean 'x'\?\)"):
        find_scenarios(cfg, ["typo"])


# --------------------------------------------------------------------------- overlay errors
ERRORS = [
    ({"scale": {"n_househods": 0.8}}, r"scale\.n_househods: unknown parameter 'n_househods' \(did you mean 'n_households'\?\)"),
    ({"scale": {"n_households": -1}}, r"scale\.n_households: must be a factor > 0, got -1"),
    ({"scale": {"n_households": {"factr": 2}}}, r"scale\.n_households\.factr: unknown key \(did you mean 'factor'\?\)"),
    ({"scale": {"n_households": "x"}}, r"scale\.n_households: must be a finite number, got 'x'"),
    ({"scale": {"horizon_years": 2}}, r"scale\.horizon_years: an integer parameter cannot be scaled"),
    ({"shift": {"horizon_years": 0.5}}, r"shift\.horizon_years: an integer parameter can only be shifted by a whole"),
    ({"shift": {"fte": {"amount": 5, "sourc": "x"}}}, r"shift\.fte\.sourc: unknown key \(did you mean 'source'\?\)"),
    ({"scale": {"informal_care_hours": 2}}, r"scale\.informal_care_hours: 'informal_care_hours' is a derived formula"),
    ({"replace": {"fte": {"dist": "pert", "low": 90, "mode": 80, "high": 100}}}, r"replace\.fte\.mode: must lie in"),
    ({"replace": {"fte": {"dist": "pert", "low": 80, "mode": 85, "high": 90, "sorce": "x"}}},
     r"replace\.fte\.sorce: unknown key \(did you mean 'source'\?\)"),
    ({"scale": {"fte": 2}, "fix": {"fte": 1}}, r"fix\.fte: parameter 'fte' is also changed under \[scale\]"),
    ({"parameters": {"fte": {"value": 1}}}, r"parameters\.fte: 'fte' is already a parameter of the base config; use \[replace\.fte\]"),
    ({"parameters": {"new": {"dist": "uniform", "low": 2, "high": 1}}}, r"parameters\.new\.high: "),
    ({"drop_items": ["carer_time"]}, r"drop_items: unknown item 'carer_time' \(did you mean 'carers_time'\?\)"),
    ({"add_items": [{"id": "x", "kind": "benefit", "stakeholder": "households", "financial": False,
                     "value": "n_household * 2"}]},
     r"add_items\.x\.value: unknown name 'n_household' \(did you mean 'n_households'\?\)"),
    ({"add_items": [{"id": "police", "kind": "benefit", "stakeholder": "households", "financial": False, "value": 1}]},
     r"add_items\.police\.id: item 'police' already exists"),
    ({"study": {"horizon": 0}}, r"study\.horizon: must be between 1 and 200 years, got 0"),
    ({"study": {"discount": 0.02}}, r"study\.discount: unknown key \(did you mean 'discount_rate'\?\)"),
    ({"fix": {"horizon_years": 2.5}}, r"fix\.horizon_years: an integer parameter must be fixed at a whole number, got 2\.5"),
    ({"scenaro": {}}, r": scenaro: unknown key \(did you mean 'scenario'\?\)"),
    ({"drop_items": ["wot_capacity", "extra_care", "extra_debt_assistance", "extra_ggz"]},
     r"outputs\.social_ratio\.costs: selects no cost items"),
]


@pytest.mark.parametrize("ops, pattern", ERRORS)
def test_overlay_errors_name_the_file_scenario_and_key(tmp_path, ops, pattern):
    base = load_config(SCHIEDAM)
    data = overlay("bad", **ops) if "scenaro" not in ops else {"scenario": overlay("bad")["scenario"], **ops}
    path = tmp_path / "bad.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path, base)
    message = str(info.value)
    assert message.startswith(f"{path} (scenario 'bad'): ")
    assert __import__("re").search(pattern, message), message


def _toml(data) -> str:
    """A tiny TOML writer for the overlay dicts above (tables of scalars, lists and inline tables)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)
             and not (isinstance(v, list) and v and isinstance(v[0], dict))]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {value(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"[[{k}]]")
                lines += [f"{kk} = {value(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"


def test_shifting_a_lognormal_or_gamma_is_an_error():
    cfg = parse_config({
        "study": {"name": "t", "horizon": 1, "discount_rate": 0.0},
        "stakeholders": {"s": "S"},
        "parameters": {"l": {"dist": "lognormal", "median": 2.0, "gsd": 1.5},
                       "g": {"dist": "gamma", "mean": 2.0, "sd": 1.0}},
        "items": [{"id": "i", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "l + g"},
                  {"id": "o", "kind": "cost", "stakeholder": "s", "financial": True, "value": 1.0}],
    }, file="<t>")
    for name, dist in (("l", "lognormal"), ("g", "gamma")):
        with pytest.raises(ConfigError, match=rf"x\.toml \(scenario 'ok'\): shift\.{name}: a shifted {dist} is "
                                              rf"not a {dist}; use \[replace\.{name}\]"):
            parse_scenario(overlay("ok", shift={name: 1.0}), cfg, file="x.toml")


@pytest.mark.parametrize("key, value, pattern", [
    ("label", None, r"scenario\.label: is required"),
    ("description", "", r"scenario\.description: is required"),
    ("id", "base", r"scenario\.id: 'base' is reserved"),
    ("id", "1x", r"scenario\.id: must be a name"),
    ("order", "first", r"scenario\.order: must be a whole number"),
])
def test_scenario_table_errors(key, value, pattern):
    data = overlay("ok")
    if value is None:
        del data["scenario"][key]
    else:
        data["scenario"][key] = value
    with pytest.raises(ConfigError, match=pattern):
        parse_scenario(data, small_config(), file="x.toml")


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(WotsimError, match=r"unknown scenario 'horizon_4' \(did you mean 'horizon_\d+'\?\); known "
                                          r"scenarios: .*horizon_10"):
        find_scenarios(load_config(SCHIEDAM), ["horizon_4"])


# --------------------------------------------------------------------------- the Schiedam scenarios
def test_schiedam_scenarios_are_documented_and_valid():
    cfg = load_config(SCHIEDAM)
    scs = find_scenarios(cfg)
    ids = [s.id for s in scs]
    assert ids[:4] == ["sharper_selection", "self_reliance", "tailored_guidance", "more_capacity"]
    assert {"welfare_transfer", "no_carers_time", "discount_2_25", "discount_3", "discount_5_5",
            "horizon_3", "horizon_5", "horizon_10"} <= set(ids)
    for s in scs:
        assert s.label and s.description and s.evidence and s.operations
        for op in s.operations:
            if op.kind in ("scale", "shift", "fix"):
                assert op.source, f"{s.id}: {op.kind} {op.target} has no source"
            if op.kind == "parameter":
                p = s.config.parameters[op.target]
                assert p.source and p.evidence


def test_schiedam_structural_switches_at_base():
    """Domain notes: 3 years gives 0.95, 10 years 1.11; the discount rate moves the ratio by about 0.02."""
    cfg = load_config(SCHIEDAM)
    base = base_case(cfg).outputs
    at = {s.id: base_case(s.config).outputs for s in find_scenarios(cfg)}
    assert round(at["horizon_3"]["social_ratio"], 2) == 0.95
    assert round(at["horizon_10"]["social_ratio"], 2) == 1.11
    assert at["horizon_5"]["social_ratio"] == pytest.approx(base["social_ratio"], abs=1e-12)
    assert at["discount_3"]["social_ratio"] == pytest.approx(base["social_ratio"], abs=1e-12)
    for rate in ("discount_2_25", "discount_5_5"):
        assert 0 < abs(at[rate]["social_ratio"] - base["social_ratio"]) <= 0.025
    # a transfer leaves the municipal reading of 0.75 alone and lowers the social ratio
    assert at["welfare_transfer"]["financial_ratio"] == pytest.approx(0.75, abs=0.005)
    assert at["welfare_transfer"]["social_ratio"] < base["social_ratio"]
    assert at["welfare_transfer"]["all_financial_ratio"] < base["all_financial_ratio"]
    # carers' time is intangible: only the social ratio moves, upwards
    assert at["no_carers_time"]["financial_ratio"] == base["financial_ratio"]
    assert at["no_carers_time"]["social_ratio"] > base["social_ratio"]


# --------------------------------------------------------------------------- CLI
def _cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "c.toml"
    text = textwrap.dedent("""\
        [study]
        name = "cli"
        horizon = 1
        discount_rate = 0.0
        [simulation]
        samples = 512
        seed = 3
        sampler = "mc"
        [stakeholders]
        s = "S"
        [parameters.x]
        dist = "uniform"
        low = 0.5
        high = 1.5
        group = "effect"
        [parameters.c]
        dist = "uniform"
        low = 0.8
        high = 1.2
        group = "cost"
        [[items]]
        id = "gain"
        kind = "benefit"
        stakeholder = "s"
        financial = true
        value = "x"
        [[items]]
        id = "outlay"
        kind = "cost"
        stakeholder = "s"
        financial = true
        value = "c"
        [outputs.ratio]
        measure = "ratio"
        """)
    path.write_text(text, encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "cheaper.toml").write_text(textwrap.dedent("""\
        [scenario]
        label = "Cheaper"
        description = "Costs 10% lower"
        evidence = "test"
        [scale]
        c = { factor = 0.9, source = "test" }
        """), encoding="utf-8")
    (tmp_path / "scenarios" / "other.toml").write_text(textwrap.dedent("""\
        [scenario]
        label = "Other"
        description = "for another config"
        evidence = "test"
        applies_to = "elsewhere.toml"
        [scale]
        c = 2.0
        """), encoding="utf-8")
    return path


def test_cli_compare_prints_tables_statements_and_writes_files(tmp_path, capsys):
    path = _cli_config(tmp_path)
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cheaper" in text and "other" not in text.split("Scenarios")[1].split("\n\n")[0]
    assert "P(better)" in text and "Robustness statements (ratio)" in text
    assert "Cheaper: the ratio is" in text
    data = json.loads((out / "comparison.json").read_text())
    assert [r["id"] for r in data["runs"]] == ["base", "cheaper"]
    d = data["runs"][1]["outcomes"]["ratio"]["difference"]
    assert d["p_better"] == 1.0 and d["paired"] is True
    assert (out / "comparison.csv").read_text().startswith("scenario,label,output")
    assert "Cheaper" in (out / "statements.md").read_text()
    assert json.loads((out / "manifest.json").read_text())["scenarios"][0]["id"] == "cheaper"


def test_cli_compare_is_the_python_api(tmp_path, capsys):
    path = _cli_config(tmp_path)
    assert main(["compare", str(path), "--scenarios", "cheaper", "--no-statements", "--out", str(tmp_path / "o")]) == 0
    cfg = load_config(path)
    api = compare(cfg, find_scenarios(cfg, ["cheaper"]))
    data = json.loads((tmp_path / "o" / "comparison.json").read_text())
    assert data["runs"][1]["outcomes"]["npv"]["difference"]["mean"] == api.run("cheaper").outcomes["npv"].difference.mean


def test_cli_voi_prints_and_writes(tmp_path, capsys):
    path = _cli_config(tmp_path)
    assert main(["voi", str(path), "--scenarios", "cheaper", "--out", str(tmp_path / "v")]) == 0
    text = capsys.readouterr().out
    assert "EVPI" in text and "adopt 'cheaper'" in text and "EVPPI per group" in text
    data = json.loads((tmp_path / "v" / "voi.json").read_text())
    assert [d["decision"] for d in data["decisions"]] == ["keep", "adopt:cheaper"]
    assert (tmp_path / "v" / "evppi.csv").read_text().startswith("decision,kind,name,evppi")


@pytest.mark.parametrize("args, fragment", [
    (["compare", "{cfg}", "--scenarios", "nope"], "unknown scenario 'nope'"),
    (["compare", "{cfg}", "--output", "nope"], "unknown output 'nope'"),
    (["voi", "{cfg}", "--output", "ratio"], "needs a net benefit in money"),
    (["compare", "{cfg}", "--scenarios", ","], "--scenarios must name at least one scenario"),
])
def test_cli_errors_exit_2_with_one_line(tmp_path, capsys, args, fragment):
    path = _cli_config(tmp_path)
    assert main([a.format(cfg=path) for a in args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_fixing_a_correlated_parameter_keeps_its_partners_draws():
    """Common random numbers survive a changed copula: the partners of a fixed parameter keep their base draws."""
    from wotsim import parse_config
    from wotsim.analysis.scenarios import compare
    from wotsim.config.overlays import parse_scenario

    cfg = parse_config({
        "study": {"name": "copula", "horizon": 1, "discount_rate": 0.0},
        "stakeholders": {"city": "City"},
        "parameters": {p: {"dist": "uniform", "low": 1, "high": 2} for p in "abcd"},
        "items": [{"id": "cost", "kind": "cost", "stakeholder": "city", "financial": True, "value": "a + b"},
                  {"id": "ben", "kind": "benefit", "stakeholder": "city", "financial": True, "value": "c + d + 0.5"}],
        "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
        "correlations": [{"between": ["a", "b"], "rank": 0.7}, {"between": ["a", "c"], "rank": 0.5},
                         {"between": ["b", "c"], "rank": 0.4}],
    }, file="c.toml")
    sc = parse_scenario({"scenario": {"id": "fixa", "label": "Fix a", "description": "d", "evidence": "e"},
                         "fix": {"a": 1.5}}, cfg)
    assert not any("a" in (c.a, c.b) for c in sc.config.correlations)
    cmp = compare(cfg, [sc], samples=2048, seed=3)
    base, run = cmp.base, cmp.run("fixa")
    from wotsim.simulate import simulate

    # the scenario's own draws of b, c, d: recompute through its config on the same design
    u_base = base_design(cfg, samples=2048, seed=3, sampler=base.sampler, replicates=base.replicates)
    u = scenario_uniforms(cfg, sc.config, u_base, seed=3, replicates=base.replicates)
    res = simulate(sc.config, uniforms=u, seed=3, sampler=base.sampler, replicates=base.replicates)
    for p in "bcd":
        np.testing.assert_allclose(res.draws_of(p), base.draws_of(p), rtol=0, atol=1e-9)
    # and the b ~ c rank correlation the scenario keeps is still there
    from scipy import stats
    assert abs(stats.spearmanr(res.draws_of("b"), res.draws_of("c"))[0] - 0.4) < 0.05
