"""One test per config rule: each error names the file, the dotted key, the value and what is allowed.

Every case edits the minimal valid config of ``conftest.py`` in one place, writes it
to a file and loads it.  The expected message is matched from its start:
``FILE: dotted.key: rule ..., got VALUE``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, write_config

from wotsim.config import Config, load_config, parse_config
from wotsim.config.distributions import EVIDENCE
from wotsim.errors import ConfigError, WotsimError

SCHIEDAM = Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml"

TWO_MORE_UNIFORMS = """
[parameters.y]
dist = "uniform"
low = 0.0
high = 1.0

[parameters.z]
dist = "uniform"
low = 0.0
high = 1.0
"""


def edit(old: str, new: str, text: str = MINIMAL_CONFIG) -> str:
    """Replace the first ``old`` in ``text`` by ``new`` (``old`` must occur)."""
    assert old in text, f"test set-up: {old!r} is not in the config"
    return text.replace(old, new, 1)


def set_x(body: str) -> str:
    """The minimal config with parameter x's distribution replaced by ``body``."""
    return edit('dist = "uniform"\nlow = 0.0\nhigh = 1.0', body)


def expect(tmp_path: Path, text: str, key: str | None, rule: str) -> ConfigError:
    """Load ``text`` from a file and check the error reads ``FILE: key: rule``."""
    path = write_config(tmp_path, text)
    prefix = re.escape(str(path)) + ": " + ("" if key is None else re.escape(key) + ": ")
    with pytest.raises(ConfigError, match="^" + prefix + rule) as err:
        load_config(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    return err.value


# --------------------------------------------------------------------------- the valid configs


def test_minimal_config_loads(minimal_config_path):
    config = load_config(minimal_config_path)
    assert isinstance(config, Config)
    assert config.uncertain == ("x",)
    assert [it.id for it in config.items] == ["gain", "outlay"]
    assert config.outputs["net"].measure == "npv"


def test_schiedam_config_loads():
    config = load_config(SCHIEDAM)
    assert len(config.uncertain) == 44
    assert len(config.items) == 15
    assert config.outputs["social_ratio"].target == 1.05
    assert config.outputs["financial_ratio"].target == 0.75


def test_every_schiedam_parameter_has_evidence_and_a_source():
    config = load_config(SCHIEDAM)
    missing = [
        name for name, p in config.parameters.items() if p.evidence not in EVIDENCE or not p.source.strip()
    ]
    assert not missing


# --------------------------------------------------------------------------- files and TOML


def test_missing_file(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match="^" + re.escape(str(path)) + ": no such file$"):
        load_config(path)


def test_malformed_toml(tmp_path):
    err = expect(tmp_path, edit('name = "minimal"', 'name = "minimal'), None, r"invalid TOML: .*\(at line 2, column \d+\)")
    assert isinstance(err, WotsimError) and isinstance(err, ValueError)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL_CONFIG.replace("minimal", "caf\u00e9").encode("latin-1"))
    with pytest.raises(ConfigError, match="^" + re.escape(str(path)) + ": is not UTF-8 text$"):
        load_config(path)


# --------------------------------------------------------------------------- unknown keys, at each level

UNKNOWN_KEYS = [
    # (id, edited config, dotted key, hint, one allowed key)
    ("top", MINIMAL_CONFIG + '\n[stakeholder]\na = "b"\n', "stakeholder", "stakeholders", "correlations"),
    ("study", edit("horizon = 1", "horizon = 1\nhorizn = 2"), "study.horizn", "horizon", "discount_rate"),
    ("simulation", edit("seed = 1", "seed = 1\nsampels = 3"), "simulation.sampels", "samples", "sampler"),
    ("parameter", edit("high = 1.0", 'high = 1.0\nsourc = "x"'), "parameters.x.sourc", "source", "evidence"),
    ("item", edit('value = "x"', 'value = "x"\nduraton = 2'), "items.gain.duraton", "duration", "persistence"),
    ("output", edit('measure = "npv"', 'measure = "npv"\ntarge = 1'), "outputs.net.targe", "target", "tolerance"),
    (
        "output-filter",
        edit('measure = "ratio"', 'measure = "ratio"\nbenefits = { stakeholdr = "society" }'),
        "outputs.ratio.benefits.stakeholdr",
        "stakeholder",
        "exclude",
    ),
    (
        "correlation",
        MINIMAL_CONFIG + TWO_MORE_UNIFORMS + '\n[[correlations]]\nbetween = ["x", "y"]\nrnak = 0.5\n',
        "correlations[0].rnak",
        "rank",
        "between",
    ),
]


@pytest.mark.parametrize(("text", "key", "hint", "allowed"), [c[1:] for c in UNKNOWN_KEYS], ids=[c[0] for c in UNKNOWN_KEYS])
def test_unknown_key(tmp_path, text, key, hint, allowed):
    expect(tmp_path, text, key, rf"unknown key \(did you mean '{hint}'\?\); allowed: .*\b{allowed}\b")


def test_unknown_key_without_a_close_match_lists_the_allowed(tmp_path):
    err = expect(tmp_path, edit("horizon = 1", "horizon = 1\nzzzz = 2"), "study.zzzz", r"unknown key; allowed: name, ")
    assert "did you mean" not in str(err)


# --------------------------------------------------------------------------- parameters


def test_unknown_distribution(tmp_path):
    expect(tmp_path, edit('dist = "uniform"', 'dist = "unifrom"'), "parameters.x.dist",
           r"unknown distribution 'unifrom' \(did you mean 'uniform'\?\); allowed: fixed, uniform, normal, .*pert, integer$")


def test_missing_distribution_parameter(tmp_path):
    expect(tmp_path, set_x('dist = "pert"\nlow = 0.0\nhigh = 1.0'), "parameters.x.mode",
           r"pert needs mode \(forms: high, low, mode \(optional lambda\)\)")


def test_distribution_parameter_it_does_not_take(tmp_path):
    expect(tmp_path, set_x('dist = "normal"\nmean = 0.0\nsd = 1.0\nmode = 0.0'), "parameters.x.mode",
           r"normal does not take mode; it takes mean, sd \| two quantiles such as p05, p95")


def test_high_not_above_low(tmp_path):
    expect(tmp_path, edit("high = 1.0", "high = -1.0"), "parameters.x.high", r"must be > low \(0\), got -1$")


def test_sd_not_positive(tmp_path):
    expect(tmp_path, set_x('dist = "normal"\nmean = 1.0\nsd = -0.5'), "parameters.x.sd", r"must be > 0, got -0\.5$")


def test_mode_outside_low_high(tmp_path):
    expect(tmp_path, set_x('dist = "pert"\nlow = 0.0\nmode = 2.0\nhigh = 1.0'), "parameters.x.mode",
           r"must lie in \[low, high\] = \[0, 1\], got 2$")


def test_gsd_not_above_one(tmp_path):
    expect(tmp_path, set_x('dist = "lognormal"\nmedian = 1.0\ngsd = 0.8'), "parameters.x.gsd",
           r"must be > 1 \(a geometric sd\), got 0\.8$")


def test_beta_sd_too_large(tmp_path):
    # the largest sd of a beta with mean m on [0, 1] is sqrt(m (1 - m)) = 0.4 for m = 0.2
    expect(tmp_path, set_x('dist = "beta"\nmean = 0.2\nsd = 0.45'), "parameters.x.sd",
           r"must be < 0\.4 for a beta with this mean, got 0\.45$")


def test_beta_mean_outside_bounds(tmp_path):
    expect(tmp_path, set_x('dist = "beta"\nmean = 12.0\nsd = 1.0\nlow = 0.0\nhigh = 10.0'), "parameters.x.mean",
           r"must lie strictly between low \(0\) and high \(10\), got 12$")


def test_non_number(tmp_path):
    expect(tmp_path, edit("high = 1.0", 'high = "one"'), "parameters.x.high", r"must be a number, got 'one'$")


def test_base_outside_support(tmp_path):
    expect(tmp_path, edit("high = 1.0", "high = 1.0\nbase = 1.5"), "parameters.x.base",
           r"must lie in the support \[0, 1\] of the uniform distribution, got 1\.5$")


def test_unknown_evidence_tag(tmp_path):
    expect(tmp_path, edit('evidence = "assumed"', 'evidence = "guess"'), "parameters.x.evidence",
           r"must be one of sourced, derived, assumed, calibrated, got 'guess'$")


def test_parameter_named_like_a_function(tmp_path):
    expect(tmp_path, MINIMAL_CONFIG + "\n[parameters.exp]\nvalue = 1\n", "parameters.exp",
           r"'exp' is a function name and cannot name a parameter$")


# --------------------------------------------------------------------------- formulas


def test_unknown_name_in_a_formula(tmp_path):
    text = edit('value = "x"', 'value = "x * reech"', MINIMAL_CONFIG + "\n[parameters.reach]\nvalue = 0.5\n")
    expect(tmp_path, text, "items.gain.value",
           r"unknown name 'reech' \(did you mean 'reach'\?\) in 'x \* reech'; known names: reach, x$")


def test_cycle_among_derived_formulas(tmp_path):
    text = edit("[[items]]", '[derived]\na = "b + x"\nb = "c * 2"\nc = "a"\n\n[[items]]')
    expect(tmp_path, text, "derived", r"formulas form a cycle: a -> b -> c -> a$")


def test_derived_name_clashes_with_a_parameter(tmp_path):
    expect(tmp_path, edit("[[items]]", '[derived]\nx = "2"\n\n[[items]]'), "derived.x",
           r"'x' is already a parameter; a derived name must be new$")


FORBIDDEN = [
    ("attribute", "x.__class__", r"attribute access is not allowed in a formula; got 'x.__class__'$"),
    ("lambda", "(lambda: x)()", r"only calls of the functions .* are allowed, not lambdas; got '\(lambda: x\)\(\)'$"),
    ("import", "__import__('os')", r"function '__import__' is not allowed; allowed: abs, .*; got \"__import__\('os'\)\"$"),
    ("call", "open('f')", r"function 'open' is not allowed; allowed: abs, .*where; got \"open\('f'\)\"$"),
]


@pytest.mark.parametrize(("formula", "rule"), [f[1:] for f in FORBIDDEN], ids=[f[0] for f in FORBIDDEN])
def test_forbidden_syntax_in_an_item_value(tmp_path, formula, rule):
    expect(tmp_path, edit('value = "x"', f'value = "{formula}"'), "items.gain.value", rule)


# --------------------------------------------------------------------------- items and outputs


def test_unknown_stakeholder(tmp_path):
    expect(tmp_path, edit('stakeholder = "society"', 'stakeholder = "socity"'), "items.gain.stakeholder",
           r"unknown stakeholder 'socity' \(did you mean 'society'\?\); known: society$")


def test_duplicate_item_id(tmp_path):
    expect(tmp_path, edit('id = "outlay"', 'id = "gain"'), "items.gain.id",
           r"duplicate item id 'gain'; ids must be unique$")


def test_bad_item_kind(tmp_path):
    expect(tmp_path, edit('kind = "benefit"', 'kind = "gain"'), "items.gain.kind",
           r"must be one of cost, benefit, got 'gain'$")


def test_output_that_selects_no_items(tmp_path):
    expect(tmp_path, edit('measure = "ratio"', 'measure = "ratio"\nbenefits = { financial = false }'),
           "outputs.ratio.benefits", r"selects no benefit items; check the filter \{'financial': False\}$")


def test_output_selects_an_unknown_item(tmp_path):
    expect(tmp_path, edit('measure = "ratio"', 'measure = "ratio"\ncosts = ["outley"]'), "outputs.ratio.costs",
           r"unknown item 'outley' \(did you mean 'outlay'\?\); known items: gain, outlay$")


def test_negative_cost_at_base(tmp_path):
    expect(tmp_path, edit("value = 1.0", 'value = "-x"'), "items.outlay.value",
           r"a cost must be >= 0 at base, got -0\.5 \('-x'\); a negative cost is a saving: write it as an item with "
           r'kind = "benefit" and the opposite sign$')


def test_negative_benefit_is_allowed(tmp_path):
    assert load_config(write_config(tmp_path, edit('value = "x"', 'value = "-x"')))


def test_persistence_above_one_without_growth(tmp_path):
    expect(tmp_path, edit('value = "x"', 'value = "x"\npersistence = 5'), "items.gain.persistence",
           r"must lie in \[0, 1\] \(the share kept from one year to the next\), got 5; a stream that grows each "
           r"year needs growth = true$")


def test_persistence_formula_outside_0_1_at_base(tmp_path):
    expect(tmp_path, edit('value = "x"', 'value = "x"\npersistence = "x - 1"'), "items.gain.persistence",
           r"must lie in \[0, 1\] \(the share kept from one year to the next\) at base, got -0\.5 \('x - 1'\)")


def test_negative_persistence_with_growth(tmp_path):
    expect(tmp_path, edit('value = "x"', 'value = "x"\npersistence = -0.5\ngrowth = true'), "items.gain.persistence",
           r"must be >= 0 \(the share kept from one year to the next; growth = true allows more than 1\), got -0\.5$")


def test_growth_not_a_boolean(tmp_path):
    expect(tmp_path, edit('value = "x"', 'value = "x"\ngrowth = 1'), "items.gain.growth", r"must be true or false, got 1$")


def test_output_with_a_builtin_name(tmp_path):
    expect(tmp_path, edit("[outputs.net]", "[outputs.npv]"), "outputs.npv",
           r"'npv' is a built-in output \(benefits, costs, npv\); choose another name$")


# --------------------------------------------------------------------------- study


def test_horizon_names_a_non_integer_parameter(tmp_path):
    expect(tmp_path, edit("horizon = 1", 'horizon = "x"'), "study.horizon",
           r"parameter 'x' must be an integer or a fixed whole number, got a uniform distribution$")


def test_horizon_not_a_whole_number(tmp_path):
    expect(tmp_path, edit("horizon = 1", "horizon = 1.5"), "study.horizon",
           r"must be a whole number of years or a parameter name, got 1\.5$")


def test_horizon_out_of_range(tmp_path):
    expect(tmp_path, edit("horizon = 1", "horizon = 0"), "study.horizon", r"must be between 1 and 200 years, got 0$")


def test_horizon_names_an_unknown_parameter(tmp_path):
    expect(tmp_path, edit("horizon = 1", 'horizon = "y"'), "study.horizon", r"unknown parameter 'y'; known parameters: x$")


def test_discount_rate_out_of_range(tmp_path):
    # 3 is a percentage where a fraction is wanted
    expect(tmp_path, edit("discount_rate = 0.0", "discount_rate = 3"), "study.discount_rate",
           r"must be a fraction per year in \(-1, 1\), e\.g\. 0\.03; got 3$")


def test_discount_rate_not_a_formula(tmp_path):
    expect(tmp_path, edit("discount_rate = 0.0", 'discount_rate = "3%"'), "study.discount_rate",
           r"invalid formula '3%': invalid syntax$")


def test_discount_rate_parameter_out_of_range(tmp_path):
    text = edit("discount_rate = 0.0", 'discount_rate = "x"', edit("high = 1.0", "high = 1.5"))
    expect(tmp_path, text, "study.discount_rate",
           r"parameter 'x' must stay in \(-1, 1\) \(a fraction per year\), got support \[0, 1\.5\]$")


def test_bad_sampler(tmp_path):
    expect(tmp_path, edit('sampler = "mc"', 'sampler = "sobl"'), "simulation.sampler",
           r"must be one of mc, lhs, sobol, got 'sobl' \(did you mean 'sobol'\?\)$")


# --------------------------------------------------------------------------- correlations


def _three(r_xy: float, r_yz: float, r_xz: float) -> str:
    text = MINIMAL_CONFIG + TWO_MORE_UNIFORMS + "".join(
        f'\n[[correlations]]\nbetween = ["{a}", "{b}"]\nrank = {r}\n'
        for a, b, r in [("x", "y", r_xy), ("y", "z", r_yz), ("x", "z", r_xz)]
    )
    return edit('value = "x"', 'value = "x + y + z"', text)


def test_correlation_matrix_not_positive_definite(tmp_path):
    # x~y and y~z strongly positive but x~z strongly negative: no such joint distribution;
    # the eigenvalue quoted is the rank matrix's (1 - 2 * 0.9 = -0.8), not its normal-score image's (-0.816)
    expect(tmp_path, _three(0.9, 0.9, -0.9), "correlations",
           r"the rank correlations do not form a positive definite matrix \(smallest eigenvalue -0\.8\); "
           r"no joint distribution of continuous parameters has them: weaken some of them$")


def test_correlation_normal_scores_not_positive_definite(tmp_path):
    # ranks -0.49: positive definite (1 - 2 * 0.49 = 0.02), but 2 sin(pi r / 6) = -0.5075 is not (-0.0150)
    expect(tmp_path, _three(-0.49, -0.49, -0.49), "correlations",
           r"the rank correlations form a positive definite matrix, but its normal-score image 2 sin\(pi r / 6\), "
           r"which the Gaussian copula uses, does not \(smallest eigenvalue -0\.015\); weaken some of them, .*"
           r"Iman-Conover.*set \[simulation\] repair_correlations = true to use the nearest positive definite "
           r"normal-score matrix$")


def test_repair_correlations_not_a_boolean(tmp_path):
    expect(tmp_path, edit('sampler = "mc"', 'sampler = "mc"\nrepair_correlations = 1'),
           "simulation.repair_correlations", r"must be true or false, got 1$")


def test_correlation_with_a_fixed_parameter(tmp_path):
    text = MINIMAL_CONFIG + '\n[parameters.y]\nvalue = 2\n\n[[correlations]]\nbetween = ["x", "y"]\nrank = 0.5\n'
    expect(tmp_path, text, "correlations[0].between",
           r"parameter 'y' is fixed; only uncertain parameters can correlate$")


def test_correlation_rank_out_of_range(tmp_path):
    text = MINIMAL_CONFIG + TWO_MORE_UNIFORMS + '\n[[correlations]]\nbetween = ["x", "y"]\nrank = 1.0\n'
    expect(tmp_path, text, "correlations[0].rank",
           r"must be a Spearman rank correlation strictly between -1 and 1, got 1\.0$")


# --------------------------------------------------------------------------- parse_config


def test_parse_config_names_the_given_file_and_does_not_mutate_input():
    import tomllib

    data = tomllib.loads(MINIMAL_CONFIG)
    data["study"]["horizon"] = 0
    snapshot = repr(data)
    with pytest.raises(ConfigError, match=r"^in-memory\.toml: study\.horizon: must be between 1 and 200"):
        parse_config(data, file="in-memory.toml")
    assert repr(data) == snapshot
