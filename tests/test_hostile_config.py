"""Hostile configs (issue 9): every one is a one-line ConfigError naming the key, never a traceback.

One regression test per case found by an attacker's review (each raised a Python
exception, exit 1, before), grouped as extreme numbers, depth and sizes; then the
command line for a few of them.  Size cases are checked to fail before any
distribution is built (``make_distribution`` patched to fail), not timed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, write_config

import wotsim.config.keys as keys_module
import wotsim.config.loading as config_module
from wotsim.cli import main
from wotsim.config.loading import load_config, parse_config, read_toml
from wotsim.config.sizes import (
    MAX_CORRELATED,
    MAX_DERIVED,
    MAX_HORIZON,
    MAX_ITEMS,
    MAX_NESTING,
    MAX_PARAMETERS,
    MAX_STAKEHOLDERS,
    SOBOL_MAX_DIM,
    check_design_size,
)
from wotsim.config.distributions import make_distribution
from wotsim.errors import ConfigError, WotsimError
from wotsim.config.expressions import MAX_DEPTH, MAX_LENGTH


def edit(old: str, new: str, text: str = MINIMAL_CONFIG) -> str:
    assert old in text, f"test set-up: {old!r} is not in the config"
    return text.replace(old, new, 1)


def set_x(body: str) -> str:
    """The minimal config with parameter x's distribution replaced by ``body``."""
    return edit('dist = "uniform"\nlow = 0.0\nhigh = 1.0', body)


def with_ratio(line: str) -> str:
    """The minimal config with ``line`` added to [outputs.ratio]."""
    return edit('[outputs.ratio]\nmeasure = "ratio"', f'[outputs.ratio]\nmeasure = "ratio"\n{line}')


def expect(tmp_path: Path, text: str, key: str | None, rule: str) -> ConfigError:
    """Load ``text`` from a file: a ConfigError ``FILE: key: rule...`` on one short line."""
    path = write_config(tmp_path, text)
    prefix = re.escape(str(path)) + ": " + ("" if key is None else re.escape(key) + ": ")
    with pytest.raises(ConfigError, match="^" + prefix + rule) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message and len(message) < 600, message
    return err.value


def minimal_dict(**tables) -> dict:
    """The minimal config as a dict (parse_config's input), with tables replaced or added."""
    import tomllib

    data = tomllib.loads(MINIMAL_CONFIG)
    data.update(tables)
    return data


@pytest.fixture
def no_distributions(monkeypatch):
    """Building a distribution fails the test: the check under test must come first."""
    def fail(table):
        raise AssertionError("a distribution was built before the size check")

    monkeypatch.setattr(config_module, "make_distribution", fail)


# --------------------------------------------------------------------------- extreme numbers


def test_beta_mean_and_sd_on_a_tiny_range(tmp_path):
    # was OverflowError: (sd / (high - low)) ** 2 with a range of 1e-300
    expect(tmp_path, set_x('dist = "beta"\nmean = 5e-301\nsd = 1.0\nlow = 0.0\nhigh = 1e-300'),
           "parameters.x.sd", r"must be < 5e-301 for a beta with this mean, got 1$")


def test_lognormal_quantiles_whose_median_overflows(tmp_path):
    # was OverflowError: math range error in exp(mu)
    expect(tmp_path, set_x('dist = "lognormal"\np01 = 1e-300\np02 = 9e15'), "parameters.x",
           r"these numbers give no usable lognormal distribution \(a number in its solution passes float range "
           r"\(about 1\.8e308\)\); use numbers of ordinary size and spread, got p01=1e-300, p02=9e\+15$")


def test_target_of_4000_digits(tmp_path):
    # was OverflowError: int too large to convert to float
    expect(tmp_path, with_ratio("target = " + "9" * 4000), "outputs.ratio.target",
           r"must be a finite number \(the published figure\), got an integer of 4000 digits$")


def test_tolerance_of_4000_digits(tmp_path):
    expect(tmp_path, with_ratio("target = 0.5\ntolerance = " + "9" * 4000), "outputs.ratio.tolerance",
           r"must be a finite number > 0 \(absolute\), got an integer of 4000 digits$")


def test_toml_integer_of_4400_digits(tmp_path):
    # was the TOML parser's ValueError (Python's limit of 4300 digits for int(text))
    err = expect(tmp_path, edit("seed = 1", "seed = " + "9" * 4400), None,
                 r"invalid TOML: line 8: an integer of 4400 digits; a number in a config must be a finite float")
    assert err.key is None


def test_denormal_sd_with_zero_duration(tmp_path):
    # was ZeroDivisionError: (5e-324 / 1) ** 2 underflows to 0; the sd is reported first
    text = edit("value = 1.0\n", "value = 1.0\nduration = 0\n", set_x('dist = "beta"\nmean = 0.5\nsd = 5e-324'))
    expect(tmp_path, text, "parameters.x.sd", r"is too small for a beta on \[0, 1\] with mean 0\.5: its shape "
           r"parameters alpha and beta would pass float range; got 4\.94066e-324$")


@pytest.mark.parametrize(
    ("body", "key", "rule"),
    [
        ('dist = "beta"\nalpha = 5e-324\nbeta = 5e-324', "parameters.x", r"these numbers give no usable beta "),
        ('dist = "gamma"\nmean = 1e-8\nsd = 1e-300', "parameters.x", r"these numbers give no usable gamma "),
        ('dist = "gamma"\nmean = 9e15\nsd = 5e-324', "parameters.x", r"these numbers give no usable gamma "),
        ('dist = "lognormal"\nmean = 1e-300\nsd = 1e-8', "parameters.x", r"these numbers give no usable lognormal "),
        ('dist = "lognormal"\nmedian = 1\ngsd = 9e15', "parameters.x", r".*its mean is inf"),
        ('dist = "truncnormal"\nmean = 0.5\nsd = 9e15\nlow = 0.0\nhigh = 1.0', "parameters.x",
         r"these numbers give no usable truncnormal distribution \((its mean is nan|scipy puts its .* outside its "
         r"support \[0, 1\])\)"),
        ('dist = "truncnormal"\nmean = 0.0\nsd = 5e-324\nlow = 0.5\nhigh = 1.0', "parameters.x",
         r"these numbers give no usable truncnormal distribution \(its .* is nan\)"),
        ('dist = "truncnormal"\nmean = 0.0\nsd = 0.5\nlow = 5e-324\nhigh = 1e-300', "parameters.x",
         r"these numbers give no usable truncnormal distribution"),  # scipy's ppf recursed without end
    ],
    ids=["beta-denormal-shapes", "gamma-cv-overflow", "gamma-shape-inf", "lognormal-cv-overflow",
         "lognormal-huge-gsd", "truncnormal-huge-sd", "truncnormal-far-bounds", "truncnormal-recursion"],
)
def test_extreme_distribution_numbers_name_the_parameter(tmp_path, body, key, rule):
    expect(tmp_path, set_x(body), key, rule)


@pytest.mark.parametrize("literal", ["inf", "-inf", "nan"])
@pytest.mark.parametrize(
    ("old", "new", "key", "rule"),
    [
        ("low = 0.0\n", "low = {}\n", "parameters.x.low", r"must be a finite number of magnitude <= 2\*\*53"),
        ("value = 1.0", "value = {}", "items.outlay.value", r"numbers must be finite"),
        ('value = "x"', 'value = "x"\npersistence = {}', "items.gain.persistence", r"numbers must be finite"),
        ("discount_rate = 0.0", "discount_rate = {}", "study.discount_rate", r"numbers must be finite"),
        ("horizon = 1\n", "horizon = {}\n", "study.horizon", r"must be a whole number of years or a parameter"),
        ("samples = 1024", "samples = {}", "simulation.samples", r"must be a whole number"),
        ("seed = 1", "seed = 1\npercentiles = [{}]", "simulation.percentiles",
         r"must be a list of numbers strictly between 0 and 100"),
        ('[outputs.ratio]\nmeasure = "ratio"', '[outputs.ratio]\nmeasure = "ratio"\ntarget = {}',
         "outputs.ratio.target", r"must be a finite number \(the published figure\)"),
        ('[outputs.ratio]\nmeasure = "ratio"', '[outputs.ratio]\nmeasure = "ratio"\ntolerance = {}',
         "outputs.ratio.tolerance", r"must be a finite number > 0 \(absolute\)"),
    ],
    ids=["distribution", "item-value", "persistence", "discount-rate", "horizon", "samples", "percentiles",
         "target", "tolerance"],
)
def test_infinity_and_nan_are_refused_wherever_a_number_is_read(tmp_path, literal, old, new, key, rule):
    expect(tmp_path, edit(old, new.format(literal)), key, rule + rf".*got \[?{re.escape(literal)}")


def test_infinite_correlation_is_refused(tmp_path):
    text = MINIMAL_CONFIG + ('\n[parameters.y]\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n'
                             '\n[[correlations]]\nbetween = ["x", "y"]\nrank = nan\n')
    expect(tmp_path, text, "correlations[0].rank", r"must be a Spearman rank correlation .*, got nan$")


@pytest.mark.parametrize(
    ("tables", "key", "rule"),
    [
        ({"outputs": {"ratio": {"target": 10**5000}}}, "outputs.ratio.target", r".*got an integer of 5001 digits$"),
        ({"study": {"name": "m", "horizon": 10**5000, "discount_rate": 0.0}}, "study.horizon",
         r"must be between 1 and 200 years, got an integer of 5001 digits"),
        ({"study": {"name": "m", "horizon": 1, "discount_rate": 0.0, "price_year": 10**5000}}, "study.price_year",
         r"must be a year .*, got an integer of 5001 digits$"),
        ({"simulation": {"samples": 10**5000}}, "simulation.samples",
         r"must be at most 2\*\*53, got an integer of 5001 digits$"),
        ({"parameters": {"x": {"dist": "uniform", "low": -(10**5000), "high": 1.0}}}, "parameters.x.low",
         r"must be a finite number of magnitude <= 2\*\*53, got an integer of 5001 digits$"),
        ({"scenarios": {"s": {"scale": {"x": 10**5000}}}}, "scenarios.s.scale.x",
         r"must be a finite number, got an integer of 5001 digits$"),  # read by wotsim.analysis.scenarios, hashed here
    ],
    ids=["target", "horizon", "price-year", "samples", "distribution", "unread-key"],
)
def test_integers_beyond_what_str_converts_are_named(tables, key, rule):
    # parse_config takes dicts too: integers of more than 4300 digits make str() and repr() raise
    with pytest.raises(ConfigError, match="^<config>: " + re.escape(key) + ": " + rule):
        parse_config(minimal_dict(**tables))


# --------------------------------------------------------------------------- depth


@pytest.mark.parametrize("reverse", [False, True], ids=["declared-in-order", "declared-last-first"])
def test_chain_of_3000_derived_formulas_loads(tmp_path, reverse):
    # was RecursionError in the cycle check (declared last-first)
    n = 3000
    lines = ['d0 = "x"'] + [f'd{i} = "d{i - 1} + 0"' for i in range(1, n)]
    if reverse:
        lines.reverse()
    text = edit("[[items]]", "[derived]\n" + "\n".join(lines) + "\n\n[[items]]")
    text = text.replace('value = "x"', f'value = "d{n - 1}"')
    config = load_config(write_config(tmp_path, text))
    assert config.derived_order == tuple(f"d{i}" for i in range(n))


def test_cycle_of_3000_derived_formulas_is_named(tmp_path):
    n = 3000
    lines = [f'd{i} = "d{(i + 1) % n}"' for i in range(n)]
    text = edit("[[items]]", "[derived]\n" + "\n".join(lines) + "\n\n[[items]]").replace('value = "x"', 'value = "d0"')
    expect(tmp_path, text, "derived", r"formulas form a cycle: d0 -> d1 -> d2 -> d3 -> d4 -> \.\.\. \(2993 more\) "
           r"\.\.\. -> d2998 -> d2999 -> d0$")


def test_toml_arrays_nested_3000_deep(tmp_path):
    # was RecursionError inside the TOML parser
    expect(tmp_path, edit('name = "minimal"', "name = " + "[" * 3000 + "]" * 3000), None,
           r"invalid TOML: arrays or inline tables nest too deeply for the parser")


@pytest.mark.parametrize("deep", ["[" * 30 + "]" * 30, "{a = " * 30 + "1" + "}" * 30],
                         ids=["arrays", "inline-tables"])
def test_nesting_the_parser_takes_is_refused_at_its_key(tmp_path, deep):
    expect(tmp_path, edit('name = "minimal"', f"name = {deep}"), None,
           r"study\.name(\[0\]|\.a)+: nests deeper than 20 levels of tables and arrays")


def test_nested_dict_is_refused_before_it_is_copied():
    # deepcopy and json.dumps recurse: the walk that checks nesting does not
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConfigError, match=rf"^<config>: study\.name(\[0\]){{{MAX_NESTING - 1}}}: nests deeper"):
        parse_config(minimal_dict(study={"name": deep, "horizon": 1, "discount_rate": 0.0}))


@pytest.mark.parametrize(
    ("formula", "rule"),
    [
        ("(" * 5000 + "x" + ")" * 5000, rf"formula is longer than {MAX_LENGTH} characters \(it has 10001\)"),
        ("-" * 5000 + "x", rf"formula is longer than {MAX_LENGTH} characters \(it has 5001\)"),
        ("+".join(["x"] * 50_000), rf"formula is longer than {MAX_LENGTH} characters \(it has 99999\)"),
        ("(" * 150 + "x" + ")" * 150, rf"formula nests deeper than {MAX_DEPTH} levels \(150 nested parentheses\)"),
        ("-" * 1500 + "x", rf"formula nests deeper than {MAX_DEPTH} levels \(a run of 1500 signs\)"),
        ("**".join(["x"] * 600), rf"formula nests deeper than {MAX_DEPTH} levels; got 'x\*\*x"),
    ],
    ids=["parentheses-5000", "signs-5000", "sum-50000", "parentheses-150", "signs-1500", "power-tower"],
)
def test_deep_formulas(tmp_path, formula, rule):
    expect(tmp_path, edit('value = "x"', f'value = "{formula}"'), "items.gain.value", rule)


def test_sum_as_long_as_a_formula_may_be_is_fine(tmp_path):
    # was "nests deeper than 200 levels" from 201 terms on; a chain is one level now
    terms = (MAX_LENGTH + 1) // 2
    config = load_config(write_config(tmp_path, edit('value = "x"', f'value = "{"+".join(["x"] * terms)}"')))
    assert config.item("gain").value({"x": 1.0}) == terms


# --------------------------------------------------------------------------- sizes


def _parameters(n: int, dist: str = "uniform") -> dict:
    return {f"p{i}": {"dist": dist, "low": 0.0, "high": 1.0} for i in range(n)}


def test_sobol_sampler_beyond_its_dimensions(no_distributions):
    # was accepted: scipy's Sobol' engine fails at the first draw
    data = minimal_dict(parameters=_parameters(SOBOL_MAX_DIM + 1))
    data["simulation"]["sampler"] = "sobol"
    with pytest.raises(ConfigError, match=r"^<config>: simulation\.sampler: the sobol sampler draws one Sobol' "
                       r"dimension per uncertain parameter and scipy's Sobol' engine has at most 21,201; this config "
                       r'has 21,202 uncertain parameters: set sampler = "lhs" or "mc"$'):
        parse_config(data)


def test_sobol_default_sampler_beyond_its_dimensions_says_it_is_the_default(no_distributions):
    data = minimal_dict(parameters=_parameters(SOBOL_MAX_DIM + 1))
    del data["simulation"]["sampler"]
    with pytest.raises(ConfigError, match=r"simulation\.sampler: the sobol default sampler draws"):
        parse_config(data)


def test_fixed_parameters_do_not_count_as_sobol_dimensions(monkeypatch):
    fixed, uniform = make_distribution({"value": 1.0}), make_distribution({"dist": "uniform", "low": 0, "high": 1})
    monkeypatch.setattr(config_module, "make_distribution", lambda table: uniform if "dist" in table else fixed)
    data = minimal_dict(parameters={"x": {"dist": "uniform", "low": 0.0, "high": 1.0},
                                    **{f"f{i}": {"value": 1.0} for i in range(SOBOL_MAX_DIM + 1)}})
    data["simulation"]["sampler"] = "sobol"
    assert parse_config(data).uncertain == ("x",)


def _wide(d: int):
    """The minimal config with d uncertain parameters (one distribution shared: no parsing of d tables)."""
    config = parse_config(minimal_dict())
    x = config.parameters["x"]
    return replace(config, parameters={f"p{i}": replace(x, name=f"p{i}") for i in range(d)})


def test_check_design_size_refuses_a_sobol_sampler_from_the_command_line():
    check_design_size(_wide(SOBOL_MAX_DIM), "sobol")
    wide = _wide(SOBOL_MAX_DIM + 1)
    for sampler in ("mc", "lhs"):
        check_design_size(wide, sampler)
    with pytest.raises(WotsimError, match=r"has at most 21,201; this config has 21,202 uncertain parameters: use "
                       r"the lhs or mc sampler \(--sampler lhs, or sampler = \"lhs\" in \[simulation\]\)$"):
        check_design_size(wide, "sobol")


def test_check_design_size_refuses_a_saltelli_design_of_more_than_21201_dimensions():
    check_design_size(_wide(SOBOL_MAX_DIM // 2), "saltelli")
    with pytest.raises(WotsimError, match=r"Sobol' indices need a Saltelli design of 2 x 10,601 = 21,202 Sobol' "
                       r"dimensions .* \(at most 10,600 uncertain parameters\): use --method morris or pawn"):
        check_design_size(_wide(SOBOL_MAX_DIM // 2 + 1), "saltelli")


def test_100000_parameters_fail_before_any_distribution_is_built(no_distributions):
    # was a minute of validation (and 100,000 warnings), exit 0
    with pytest.raises(ConfigError, match=rf"^<config>: parameters: at most {MAX_PARAMETERS:,} parameters "
                       r"\(validation takes .*\), got 100,000$"):
        parse_config(minimal_dict(parameters=_parameters(100_000)))


def test_too_many_parameter_tables_fail_before_the_toml_parser(tmp_path, monkeypatch):
    tables = "".join(f'[parameters.p{i}]\nvalue = 1\n' for i in range(MAX_PARAMETERS + 1))
    path = write_config(tmp_path, MINIMAL_CONFIG + tables)
    monkeypatch.setattr(config_module.tomllib, "loads", lambda text: pytest.fail("the file was parsed"))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: parameters: at most {MAX_PARAMETERS:,} "
                       rf"parameters .*, got {MAX_PARAMETERS + 2:,}$"):
        read_toml(path)


def test_too_many_items_fail_before_the_toml_parser(tmp_path, monkeypatch):
    item = '[[items]]\nid = "a"\nkind = "cost"\nstakeholder = "society"\nfinancial = true\nvalue = 1\n'
    path = write_config(tmp_path, MINIMAL_CONFIG + item * (MAX_ITEMS - 1))
    monkeypatch.setattr(config_module.tomllib, "loads", lambda text: pytest.fail("the file was parsed"))
    with pytest.raises(ConfigError, match=rf": items: at most {MAX_ITEMS:,} items \(the model evaluates every item "
                       rf"in every year of every draw, .*\), got {MAX_ITEMS + 1:,}$"):
        read_toml(path)


@pytest.mark.parametrize(
    ("tables", "key", "rule"),
    [
        ({"derived": {f"d{i}": "x" for i in range(MAX_DERIVED + 1)}}, "derived",
         rf"at most {MAX_DERIVED:,} derived formulas \(each is evaluated on every chunk of draws\), got 10,001$"),
        ({"items": [{"id": f"i{i}"} for i in range(MAX_ITEMS + 1)]}, "items",
         rf"at most {MAX_ITEMS:,} items .*, got 10,001$"),
        ({"stakeholders": {f"s{i}": "S" for i in range(MAX_STAKEHOLDERS + 1)}}, "stakeholders",
         rf"at most {MAX_STAKEHOLDERS} stakeholders \(results keep samples x stakeholders x years net values\), "
         rf"got 101$"),
        ({"study": {"name": "m", "horizon": 10**6, "discount_rate": 0.0}}, "study.horizon",
         rf"must be between 1 and {MAX_HORIZON} years, got 1000000; at most {MAX_HORIZON} because results keep "
         r"samples x stakeholders x years net values$"),
    ],
    ids=["derived", "items", "stakeholders", "horizon-1e6"],
)
def test_sizes_beyond_the_ceilings_fail_before_any_distribution_is_built(no_distributions, tables, key, rule):
    with pytest.raises(ConfigError, match="^<config>: " + re.escape(key) + ": " + rule):
        parse_config(minimal_dict(**tables))


def test_horizon_parameter_with_a_support_of_a_million_years(tmp_path):
    text = edit("horizon = 1\n", 'horizon = "years"\n')
    text += '\n[parameters.years]\ndist = "integer"\nlow = 1\nhigh = 1000000\n'
    expect(tmp_path, text, "study.horizon", r"parameter 'years' must stay between 1 and 200 years, got \[1, 1e\+06\]$")


def test_long_listings_in_messages_are_cut():
    with pytest.raises(ConfigError, match=r"unknown name 'y' in 'y'; known names: p0, p1, p10, .*, \.\.\. "
                       r"\(1,000 in all\)$"):
        parse_config(minimal_dict(parameters={f"p{i}": {"value": 1.0} for i in range(1000)}, items=[
            {"id": "a", "kind": "benefit", "stakeholder": "society", "financial": True, "value": "y"}]))


def test_correlations_among_more_parameters_than_the_copula_takes(monkeypatch):
    shared = make_distribution({"dist": "uniform", "low": 0.0, "high": 1.0})
    monkeypatch.setattr(config_module, "make_distribution", lambda table: shared)  # no need to build 1,002
    n = MAX_CORRELATED + 2
    pairs = [{"between": [f"p{i}", f"p{i + 1}"], "rank": 0.1} for i in range(0, n, 2)]
    with pytest.raises(ConfigError, match=rf"^<config>: correlations\[{MAX_CORRELATED // 2}\]\.between: at most "
                       rf"{MAX_CORRELATED:,} parameters can take part in correlations .*; this pair makes 1,002$"):
        parse_config(minimal_dict(parameters={"x": {}, **_parameters(n)}, correlations=pairs))


# --------------------------------------------------------------------------- the last resort


def test_anything_else_that_overflows_names_the_table_being_validated(monkeypatch):
    real = keys_module.compile_expression

    def overflowing(text):
        if text == "x":
            raise OverflowError("int too large to convert to float")
        return real(text)

    monkeypatch.setattr(keys_module, "compile_expression", overflowing)
    with pytest.raises(ConfigError, match=r"^<config>: items\.gain: cannot be validated: a number in it passes "
                       r"float range \('int too large to convert to float'\); use numbers of ordinary size$"):
        parse_config(minimal_dict())


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "text",
    [
        set_x('dist = "beta"\nmean = 5e-301\nsd = 1.0\nlow = 0.0\nhigh = 1e-300'),
        set_x('dist = "lognormal"\np01 = 1e-300\np02 = 9e15'),
        with_ratio("target = " + "9" * 4000),
        edit("seed = 1", "seed = " + "9" * 4400),
        edit('name = "minimal"', "name = " + "[" * 3000 + "]" * 3000),
        edit('value = "x"', 'value = "' + "-" * 5000 + 'x"'),
        edit("horizon = 1\n", "horizon = 1000000\n"),
        MINIMAL_CONFIG + "".join(f'[parameters.p{i}]\nvalue = 1\n' for i in range(100_000)),
    ],
    ids=["beta-tiny-range", "lognormal-quantiles", "target-4000-digits", "toml-4400-digits", "toml-nesting",
         "formula-signs", "horizon-1e6", "parameters-1e5"],
)
def test_cli_validate_prints_one_line_and_exits_2(tmp_path, capsys, text):
    path = write_config(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"wotsim: error: {path}: ") and err.count("\n") == 1, err[:2000]
    assert "Traceback" not in err


@pytest.mark.parametrize("table", ["scale", "fix", "shift"])
def test_overlay_numbers_of_4000_digits_are_named(table):
    """A scenario's [scale]/[fix]/[shift] number of 4,000 digits is one error naming its key."""
    from wotsim import load_config
    from wotsim.config.overlays import parse_scenario

    base = load_config(Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml")
    overlay = {"scenario": {"label": "x", "description": "x", "evidence": "assumed"},
               table: {"cost_per_fte": int("9" * 4000)}}
    with pytest.raises(ConfigError, match=rf"{table}\.cost_per_fte: must be a finite number, got an integer of 4000 digits"):
        parse_scenario(overlay, base, file="x.toml", default_id="x")


def test_a_name_with_a_final_newline_is_refused():
    """``^...$`` matched before a final newline: a parameter named "ratio\\n" used to pass."""
    from wotsim import parse_config

    data = {"study": {"name": "x", "horizon": 2, "discount_rate": 0.03}, "stakeholders": {"a": "A"},
            "parameters": {"x\n": {"value": 1.0}},
            "items": [{"id": "c", "kind": "cost", "stakeholder": "a", "financial": True, "value": 1.0}],
            "outputs": {"r": {"benefits": "all", "costs": "all"}}}
    with pytest.raises(ConfigError, match="must be a name of letters"):
        parse_config(data, file="x.toml")
