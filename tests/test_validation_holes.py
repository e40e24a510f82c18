"""Issue 8, points 5-7: configs that gave silent wrong numbers or misleading messages.

Each test closes one hole found by the review: a negative cost, a persistence above 1,
an undefined base ratio, a cost that goes negative in some draws, unused parameters and
empty stakeholders, a verdict printed before the checks, the copula's error naming the
wrong matrix, a scenario that could not fix a correlated parameter, and a statement that
quoted the value of information of another output's net benefit.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from wotsim.model import output_array
from scipy import stats

from wotsim.cli import main
from wotsim.config.loading import load_config, parse_config
from wotsim.errors import ConfigError, WotsimError
from wotsim.config.correlations import correlation_matrix
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.simulate import base_case, simulate

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"

#: ratio = gain / (outlay + overhead); gain ~ U(1, 3), everything else fixed unless a test edits it.
CONFIG = """\
[study]
name = "holes"
horizon = 3
discount_rate = 0.0

[simulation]
samples = 512
seed = 4
sampler = "mc"

[stakeholders]
city = "City"
people = "People"

[parameters.gain]
dist = "uniform"
low = 1.0
high = 3.0

[parameters.overhead]
value = 0.5

[[items]]
id = "benefit"
kind = "benefit"
stakeholder = "people"
financial = true
value = "gain"
persistence = 0.5

[[items]]
id = "outlay"
kind = "cost"
stakeholder = "city"
financial = true
value = 1.0
duration = 1

[[items]]
id = "overhead"
kind = "cost"
stakeholder = "city"
financial = true
value = "overhead"
duration = 1

[outputs.ratio]
benefits = "all"
costs = "all"
"""


def edit(old: str, new: str, text: str = CONFIG) -> str:
    assert old in text, f"test set-up: {old!r} is not in the config"
    return text.replace(old, new, 1)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """Exit code, stdout and stderr; the config's path (which may contain "valid") is cut from stdout."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out.replace(str(argv[1]), "CONFIG"), err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_the_template_is_clean(tmp_path, capsys):
    code, out, err = run_cli(capsys, "validate", write(tmp_path, CONFIG))
    assert code == 0 and err == ""
    assert "valid (" in out


# --------------------------------------------------------------------------- negative costs
def test_negative_cost_is_an_error_naming_the_item_and_value(tmp_path):
    path = write(tmp_path, edit('value = "overhead"', 'value = "-overhead"'))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: items.overhead.value: ") +
                       r"a cost must be >= 0 at base, got -0\.5 \('-overhead'\); .*kind = \"benefit\""):
        load_config(path)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_negative_cost_exits_2_with_one_line(tmp_path, capsys, command):
    path = write(tmp_path, edit('value = "overhead"', 'value = "-overhead"'))
    code, out, err = run_cli(capsys, command, path, *(["--no-progress"] if command == "run" else []))
    assert code == 2 and out == ""
    assert "items.overhead.value" in one_line(err) and "-0.5" in err


def test_negative_benefit_is_a_disbenefit(tmp_path):
    config = load_config(write(tmp_path, edit('value = "gain"', 'value = "-gain"')))
    assert base_case(config).item_pv["benefit"] < 0


# --------------------------------------------------------------------------- persistence
@pytest.mark.parametrize("command", ["validate", "run"])
def test_persistence_above_one_exits_2_with_one_line(tmp_path, capsys, command):
    path = write(tmp_path, edit("persistence = 0.5", "persistence = 5"))
    code, out, err = run_cli(capsys, command, path, *(["--no-progress"] if command == "run" else []))
    assert code == 2 and out == ""
    line = one_line(err)
    assert f"{path}: items.benefit.persistence: must lie in [0, 1]" in line and "got 5" in line
    assert "growth = true" in line


def test_persistence_parameter_above_one_at_base(tmp_path):
    text = edit("persistence = 0.5", 'persistence = "keep"', CONFIG + "\n[parameters.keep]\nvalue = 1.5\n")
    with pytest.raises(ConfigError, match=r"items\.benefit\.persistence: must lie in \[0, 1\] .*at base, got 1\.5"):
        load_config(write(tmp_path, text))


def test_growth_allows_a_growing_stream(tmp_path):
    text = edit("persistence = 0.5", "persistence = 1.1\ngrowth = true")
    config = load_config(write(tmp_path, text))
    assert config.item("benefit").growth
    assert base_case(config).item_pv["benefit"] == pytest.approx(2.0 * (1 + 1.1 + 1.1**2), rel=1e-12)
    # growth does not allow a negative persistence
    with pytest.raises(ConfigError, match=r"items\.benefit\.persistence: must be >= 0"):
        load_config(write(tmp_path, edit("persistence = 0.5", "persistence = -0.1\ngrowth = true")))
    with pytest.raises(ConfigError, match=r"items\.benefit\.growth: must be true or false, got 'yes'"):
        load_config(write(tmp_path, edit("persistence = 0.5", 'persistence = 0.5\ngrowth = "yes"')))


def test_persistence_outside_0_1_in_draws_names_the_item_and_counts_draws(tmp_path):
    text = edit("persistence = 0.5", 'persistence = "keep"',
                CONFIG + '\n[parameters.keep]\ndist = "uniform"\nlow = 0.5\nhigh = 1.5\nbase = 0.9\n')
    # with growth = true the draws above 1 are allowed: the same design shows how many there are
    grown = load_config(write(tmp_path, edit('persistence = "keep"', 'persistence = "keep"\ngrowth = true', text)))
    above = int(np.sum(simulate(grown, samples=256, seed=4).draws_of("keep") > 1))
    assert 0 < above < 256
    with pytest.raises(WotsimError, match=r"items\.benefit\.persistence: must be <= 1 .* in every draw unless the "
                                          rf"item says growth = true; got values above 1 in {above} of the 256 "
                                          r"draws evaluated together \(largest 1\.\d+\)$"):
        simulate(load_config(write(tmp_path, text)), samples=256, seed=4)


# --------------------------------------------------------------------------- undefined base case
def test_undefined_base_ratio_fails_validate_with_one_line(tmp_path, capsys):
    text = edit("value = 1.0", "value = 0.0", edit("[parameters.overhead]\nvalue = 0.5",
                                                   "[parameters.overhead]\nvalue = 0.0"))
    path = write(tmp_path, text)
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2
    assert "valid" not in out
    line = one_line(err)
    assert line.startswith(f"wotsim: error: {path}: outputs.ratio: undefined at base")
    assert "outlay" in line and "overhead" in line and "costs" in line


def test_undefined_base_ratio_fails_run_with_the_same_line(tmp_path, capsys):
    text = edit("[parameters.overhead]\nvalue = 0.5", "[parameters.overhead]\nvalue = 0.0", edit("value = 1.0", "value = 0.0"))
    path = write(tmp_path, text)
    _, _, err_validate = run_cli(capsys, "validate", path)
    code, out, err = run_cli(capsys, "run", path, "--no-progress")
    assert code == 2 and out == ""
    assert one_line(err) == one_line(err_validate)


# --------------------------------------------------------------------------- validate's verdict
def test_validate_claims_nothing_when_a_target_is_missed(tmp_path, capsys):
    path = write(tmp_path, edit('costs = "all"', 'costs = "all"\ntarget = 9.0'))
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2
    assert "valid" not in out and "MISMATCH" in out
    assert "outputs.ratio" in one_line(err)


def test_validate_prints_nothing_when_an_overlay_is_broken(tmp_path, capsys):
    path = write(tmp_path, CONFIG)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "bad.toml").write_text(
        '[scenario]\nid = "bad"\nlabel = "x"\ndescription = "d"\nevidence = "e"\n[scale]\ngian = 2\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2 and out == ""
    assert "scale.gian" in one_line(err)


def test_validate_checks_each_scenario_base_case(tmp_path, capsys):
    # outlay = 2 * overhead: a scenario that fixes overhead at 0 leaves no costs at base
    path = write(tmp_path, edit("value = 1.0", 'value = "overhead * 2"'))
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "free.toml").write_text(
        '[scenario]\nid = "free"\nlabel = "x"\ndescription = "d"\nevidence = "e"\n'
        '[fix]\noverhead = { value = 0.0, source = "t" }\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2 and "valid" not in out
    assert "free.toml (scenario 'free'): outputs.ratio: undefined at base" in one_line(err)


# --------------------------------------------------------------------------- costs <= 0 in draws
NEGATIVE_COST = edit("[parameters.overhead]\nvalue = 0.5",
                     '[parameters.overhead]\ndist = "normal"\nmean = 0.5\nsd = 1.0')


def test_validate_warns_about_a_cost_parameter_that_can_go_negative(tmp_path, capsys):
    code, out, err = run_cli(capsys, "validate", write(tmp_path, NEGATIVE_COST))
    assert code == 0 and "valid (" in out
    warnings = [line for line in err.splitlines() if "parameters.overhead" in line]
    assert len(warnings) == 1 and warnings[0].startswith("wotsim: warning: ")
    assert "cost item 'overhead'" in warnings[0] and "negative" in warnings[0]


def test_run_says_how_many_draws_have_costs_at_or_below_zero_and_why(tmp_path, capsys):
    path = write(tmp_path, NEGATIVE_COST)
    code, out, err = run_cli(capsys, "run", path, "--samples", 2048, "--no-progress", "--out", tmp_path / "res")
    assert code == 0
    from wotsim import load_results

    res = load_results(tmp_path / "res")
    costs = res.item_pv[:, 1] + res.item_pv[:, 2]
    k = int(np.sum(costs <= 0))
    assert k > 0
    line = next(line for line in err.splitlines() if "outputs.ratio" in line)
    assert f"costs <= 0 in {k:,} of 2,048 draws" in line
    assert "overhead" in line


# --------------------------------------------------------------------------- unused parameters, empty stakeholders
def test_unused_parameter_and_empty_stakeholder_are_warnings(tmp_path, capsys):
    text = CONFIG.replace('people = "People"', 'people = "People"\nnobody = "Nobody"') + (
        '\n[parameters.orphan]\nvalue = 3\n\n[parameters.via_unused]\nvalue = 2\n\n[derived]\nunused = "via_unused * 2"\n')
    path = write(tmp_path, text)
    from wotsim.config import config_warnings

    warnings = [str(w) for w in config_warnings(load_config(path))]
    assert any(w.startswith(f"{path}: parameters.orphan: not used") for w in warnings)
    assert any(w.startswith(f"{path}: parameters.via_unused: not used") for w in warnings)
    assert any(w.startswith(f"{path}: stakeholders.nobody: has no items") for w in warnings)
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0 and "valid (" in out
    assert sum(line.startswith("wotsim: warning: ") for line in err.splitlines()) == len(warnings)


# --------------------------------------------------------------------------- correlations
THREE = """
[parameters.x]
dist = "uniform"
low = 0.0
high = 1.0
source = "t"

[parameters.y]
dist = "uniform"
low = 0.0
high = 1.0
source = "t"

[parameters.z]
dist = "uniform"
low = 0.0
high = 1.0
source = "t"
"""


def three_correlations(r: float, repair: bool = False) -> str:
    corr = "".join(f'\n[[correlations]]\nbetween = ["{a}", "{b}"]\nrank = {r}\nsource = "t"\n'
                   for a, b in (("x", "y"), ("y", "z"), ("x", "z")))
    text = edit('value = "gain"', 'value = "gain + x + y + z"', CONFIG + THREE + corr)
    return edit('sampler = "mc"', 'sampler = "mc"\nrepair_correlations = true', text) if repair else text


def test_copula_error_names_the_normal_score_matrix_and_its_eigenvalue(tmp_path):
    # ranks -0.49: the rank matrix is positive definite (eigenvalue 1 - 2 * 0.49 = 0.02), its normal-score
    # image 2 sin(pi r / 6) = -0.5075 is not (1 - 2 * 0.5075 = -0.0150)
    r = -0.49
    normal = 2 * math.sin(math.pi * r / 6)
    path = write(tmp_path, three_correlations(r))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: correlations: ") + r"the rank correlations form a "
                       r"positive definite matrix, but its normal-score image .* does not \(smallest eigenvalue "
                       + re.escape(f"{1 + 2 * normal:.3g}") + r"\).*weaken.*Iman.Conover.*repair_correlations = true"):
        load_config(path)


def test_copula_error_for_a_rank_matrix_that_is_not_positive_definite(tmp_path):
    path = write(tmp_path, three_correlations(-0.6))
    with pytest.raises(ConfigError, match=r"correlations: the rank correlations do not form a positive definite "
                                          r"matrix \(smallest eigenvalue -0\.2\); no joint distribution of continuous "
                                          r"parameters has them: weaken some of them$"):
        load_config(path)
    # repair mends only the copula's normal scores, never impossible ranks
    with pytest.raises(ConfigError, match=r"correlations: the rank correlations do not form"):
        load_config(write(tmp_path, three_correlations(-0.6, repair=True)))


def test_repair_correlations_uses_the_nearest_normal_score_matrix_and_says_so(tmp_path):
    from wotsim.config import config_warnings

    config = load_config(write(tmp_path, three_correlations(-0.49, repair=True)))
    notes = [str(w) for w in config_warnings(config) if "correlations" in w.key]
    assert len(notes) == 1 and "repaired" in notes[0] and "largest change" in notes[0]
    ranks = {frozenset((c.a, c.b)): c.rank for c in config.correlations}
    assert all(-0.49 <= r < -0.47 for r in ranks.values()), ranks
    changed = max(abs(r + 0.49) for r in ranks.values())
    assert f"{changed:.3g}" in notes[0]
    names = list(config.uncertain)
    _, chol = correlation_matrix(names, config.correlations)
    assert np.all(np.diag(chol) > 0)
    res = simulate(config, samples=8192, seed=2)
    rho = stats.spearmanr(res.draws_of("x"), res.draws_of("y")).statistic
    assert abs(rho - ranks[frozenset(("x", "y"))]) < 4 / math.sqrt(8192)


def test_nearest_correlation_matches_highams_example():
    """Higham (2002), section 4: the nearest correlation matrix to [[1, 1, 0], [1, 1, 1], [0, 1, 1]]."""
    from wotsim.config.correlations import nearest_correlation

    x = nearest_correlation(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]), floor=1e-12)
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    np.testing.assert_allclose(x, expected, atol=5e-5)  # the paper gives 4 decimals
    assert np.linalg.eigvalsh(x)[0] > 0


# --------------------------------------------------------------------------- scenarios fix correlated parameters
def test_a_scenario_may_fix_a_correlated_parameter(tmp_path):
    text = CONFIG + THREE + '\n[[correlations]]\nbetween = ["x", "y"]\nrank = 0.5\nsource = "t"\n' + (
        '\n[[correlations]]\nbetween = ["y", "z"]\nrank = 0.3\nsource = "t"\n')
    text = edit('value = "gain"', 'value = "gain + x + y + z"', text)
    base = load_config(write(tmp_path, text))
    sc = parse_scenario({"scenario": {"id": "known_y", "label": "y known", "description": "y is measured.",
                                      "evidence": "t"}, "fix": {"y": {"value": 0.4, "source": "t"}}}, base)
    assert sc.config.correlations == ()
    assert sc.config.parameters["y"].dist.fixed
    assert "y" in sc.description and "correlation" in sc.description
    assert any(op.kind == "drop_correlation" for op in sc.operations)
    cmp = compare(base, [sc], samples=256)
    assert np.all(cmp.run("known_y").config.parameters["y"].dist.base == 0.4)


# --------------------------------------------------------------------------- statements on topic
def test_statement_voi_comes_from_the_net_benefit_of_the_same_perspective(tmp_path, capsys):
    """The municipal financial ratio's statement quotes the net benefit behind that ratio and its own driver.

    Municipal financial benefits over all costs exceed 1 exactly where municipal financial benefits minus
    all costs are positive (``npv:financial_ratio``); the municipality's net value (``net:municipality``)
    counts only municipal costs, a different decision.
    """
    code, out, _ = run_cli(capsys, "compare", SCHIEDAM, "--samples", 2048, "--scenarios", "self_reliance",
                           "--statement-output", "financial_ratio", "--output", "financial_ratio", "--no-progress")
    assert code == 0
    statements = out.split("Robustness statements", 1)[1]
    base = statements.split("\n\n")[1]
    assert "npv:financial_ratio" in base and "net:municipality" not in base
    assert "extra_capacity_share" not in base.split("perfect information", 1)[1]


def test_statement_refuses_the_value_of_information_of_another_perspective():
    from wotsim.report.statement import comparison_statements, net_benefit_for
    from wotsim.analysis.voi import keep_voi

    cfg = parse_config({
        "study": {"name": "t", "horizon": 1, "discount_rate": 0.0},
        "stakeholders": {"a": "A", "b": "B"},
        "parameters": {"x": {"dist": "uniform", "low": 0.5, "high": 1.5}, "y": {"dist": "uniform", "low": 0, "high": 2}},
        "items": [{"id": "ga", "kind": "benefit", "stakeholder": "a", "financial": True, "value": "x"},
                  {"id": "gb", "kind": "benefit", "stakeholder": "b", "financial": True, "value": "y"},
                  {"id": "c", "kind": "cost", "stakeholder": "a", "financial": True, "value": 1.0}],
        "outputs": {"social": {}, "own": {"benefits": {"stakeholder": "a"}}},
    }, file="<t>")
    assert net_benefit_for(cfg, "social") == "npv"
    assert net_benefit_for(cfg, "own") == "npv:own"
    sc = parse_scenario({"scenario": {"id": "s", "label": "S", "description": "d", "evidence": "e"},
                         "scale": {"x": 1.1}}, cfg)
    cmp = compare(cfg, [sc], outputs=("own", "social"), samples=512)
    with pytest.raises(WotsimError, match=r"statement about 'own' .* npv:own.* got the value of information of 'npv'"):
        comparison_statements(cmp, output="own", vois={"base": keep_voi(cmp.base)})
    text = comparison_statements(cmp, output="own", vois={"base": keep_voi(cmp.base, output="npv:own")})["base"]
    assert "net benefit behind the own: its benefits minus its costs (npv:own)" in text
    # the statement's P(ratio > 1) and its value of information judge the same decision
    own, net = cmp.base.values_of("own"), output_array(cfg, cmp.base.item_pv, "npv:own")
    np.testing.assert_array_equal(own > 1, net > 0)


# --------------------------------------------------------------------------- review 8: validate agrees with the runs
def scenario(tmp_path: Path, name: str, body: str) -> None:
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / f"{name}.toml").write_text(
        f'[scenario]\nid = "{name}"\nlabel = "x"\ndescription = "d"\nevidence = "e"\n{body}', encoding="utf-8")


#: persistence = keep, keep ~ U(0.4, 0.8): inside [0, 1] over its whole support.
KEEP = edit("persistence = 0.5", 'persistence = "keep"',
            CONFIG + '\n[parameters.keep]\ndist = "uniform"\nlow = 0.4\nhigh = 0.8\n')


def test_validate_refuses_a_persistence_whose_support_leaves_0_1(tmp_path, capsys):
    """D4: every run refuses such a config, so validate must not call it valid (issue 8's rule)."""
    path = write(tmp_path, KEEP.replace("low = 0.4\nhigh = 0.8", "low = 0.5\nhigh = 1.2\nbase = 0.8"))
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2 and out == ""
    assert re.fullmatch(re.escape(f"wotsim: error: {path}: items.benefit.persistence: must lie in [0, 1] ") + r".* in "
                        r"every draw unless the item says growth = true, but keep's support \[0\.5, 1\.2\] \(uniform\) "
                        r"takes it to 1\.2 \(with keep at the top of its support \(1\.2\).*\): bound keep or set growth "
                        r"= true for a stream that grows", one_line(err))
    code, _, err = run_cli(capsys, "run", path, "--samples", 256, "--no-progress")
    assert code == 2 and "items.benefit.persistence" in one_line(err)
    # growth = true allows it; and persistence = keep + keep2 leaves [0, 1] only when both are high
    assert run_cli(capsys, "validate", write(tmp_path, edit('persistence = "keep"', 'persistence = "keep"\ngrowth = '
                   'true', KEEP.replace("high = 0.8", "high = 1.2"))))[0] == 0
    both = edit('persistence = "keep"', 'persistence = "keep + keep2"', KEEP + '\n[parameters.keep2]\ndist = "uniform"'
                '\nlow = 0.0\nhigh = 0.3\n')
    code, _, err = run_cli(capsys, "validate", write(tmp_path, both))
    assert code == 2
    assert re.search(r"items\.benefit\.persistence: must lie in \[0, 1\] .* but the supports of keep and keep2 take it "
                     r"to 1\.1 together \(with keep at the top of its support \(0\.8\) and keep2 at the top of its "
                     r"support \(0\.3\)", one_line(err))


def test_validate_applies_the_draw_checks_to_every_scenario(tmp_path, capsys):
    """D4: a scenario that scales persistence past 1 is refused by validate (naming its file), as compare refuses it."""
    path = write(tmp_path, KEEP)
    assert run_cli(capsys, "validate", path)[0] == 0
    scenario(tmp_path, "scalep", '[scale]\nkeep = { factor = 1.5, source = "t" }\n')
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2 and "valid" not in out
    assert re.search(re.escape(f"{tmp_path / 'scenarios' / 'scalep.toml'} (scenario 'scalep'): items.benefit.persistence:"
                               " must lie in [0, 1]") + r".* but keep's support \[0\.6, 1\.2\] \(uniform\) takes it to "
                     r"1\.2", one_line(err))
    code, _, err = run_cli(capsys, "compare", path, "--samples", 256, "--no-progress")
    assert code == 2 and "(scenario 'scalep'): items.benefit.persistence" in one_line(err)


def test_validate_warns_about_a_value_a_parameter_makes_nan_and_run_says_how_often(tmp_path, capsys):
    """D4: sqrt(2.4 - gain), gain ~ U(1, 3): NaN in about 30% of the draws."""
    path = write(tmp_path, edit('value = "gain"', 'value = "sqrt(2.4 - gain)"'))
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0 and "valid (" in out
    assert one_line(err) == (f"wotsim: warning: {path}: items.benefit.value: not finite over gain's range: at its 75% "
                             "quantile (2.5), everything else at base, 'sqrt(2.4 - gain)' is nan; runs refuse draws where "
                             "an item's value is NaN or infinite: bound gain or guard the formula (e.g. maximum(..., 0) "
                             "under a square root or log)")
    k = int(np.sum(simulate(load_config(write(tmp_path, CONFIG, "plain.toml")), samples=256, seed=4)
                   .draws_of("gain") > 2.4))
    assert 0 < k < 256
    code, out, err = run_cli(capsys, "run", path, "--samples", 256, "--seed", 4, "--no-progress")
    assert code == 2 and out == ""
    assert re.fullmatch(re.escape(f"wotsim: error: {path}: items.benefit.value: must be finite in every draw within the "
                                  "horizon") + rf".*; got NaN or infinite present values in {k} of the 256 draws "
                        r"evaluated together \(e\.g\. nan\); gain's range produces them: at its 75% quantile \(2\.5\), "
                        r"everything else at base, 'sqrt\(2\.4 - gain\)' is nan", one_line(err))


#: The overhead item is overhead - rebate, overhead ~ U(0.4, 1), rebate ~ U(0, 0.6): >= 0.1 when one moves alone,
#: negative when overhead is low and rebate high; the ratio's costs are that item only.
JOINT = edit('costs = "all"', 'costs = ["overhead"]', edit('value = "overhead"', 'value = "overhead - rebate"', edit(
    "[parameters.overhead]\nvalue = 0.5", '[parameters.overhead]\ndist = "uniform"\nlow = 0.4\nhigh = 1.0\n\n'
    '[parameters.rebate]\ndist = "uniform"\nlow = 0.0\nhigh = 0.6')))


def test_validate_and_run_name_parameters_that_make_a_cost_negative_together(tmp_path, capsys):
    """D5: no parameter alone makes the cost negative; the corners of their ranges do."""
    path = write(tmp_path, JOINT)
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0 and "valid (" in out
    assert re.fullmatch(re.escape(f"wotsim: warning: {path}: items.overhead.value: can be negative when overhead and "
                                  "rebate move together, though none does it alone: with overhead at its 0.1% quantile "
                                  "(0.4006) and rebate at its 99.9% quantile (0.5994), everything else at base, cost "
                                  "item 'overhead' is -0.1988 ('overhead - rebate')") + r"; .*ratio is undefined.*",
                        one_line(err))
    code, out, err = run_cli(capsys, "run", path, "--samples", 512, "--no-progress", "--out", tmp_path / "res")
    assert code == 0
    from wotsim import load_results

    k = int(np.sum(load_results(tmp_path / "res").item_pv[:, 2] <= 0))
    assert k > 0
    assert re.fullmatch(re.escape(f"wotsim: warning: {path}: outputs.ratio: costs <= 0 in {k} of 512 draws, ") + r".*"
                        + re.escape("; parameters whose range allows a negative cost: overhead (low) and rebate (high) "
                                    "together (in cost item 'overhead')"), one_line(err))


def test_compare_and_validate_warn_about_a_scenario_whose_costs_can_go_negative(tmp_path, capsys):
    """D6: the scenario's undefined ratios were dropped in silence; now compare says so on stderr, as run does."""
    path = write(tmp_path, CONFIG)
    scenario(tmp_path, "neg", '[replace.overhead]\ndist = "normal"\nmean = 0.5\nsd = 1.0\nsource = "t"\n')
    label = f"{tmp_path / 'scenarios' / 'neg.toml'} (scenario 'neg')"
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0 and "scenarios: 1 valid (neg)" in out
    assert one_line(err).startswith(f"wotsim: warning: {label}: parameters.overhead: can make cost item 'overhead' "
                                    "negative: at its 0.0001% quantile")
    code, out, err = run_cli(capsys, "compare", path, "--samples", 512, "--no-progress")
    assert code == 0 and "P(better)" in out
    base = load_config(path)
    k = int(np.sum(compare(base, [parse_scenario(
        {"scenario": {"id": "neg", "label": "x", "description": "d", "evidence": "e"},
         "replace": {"overhead": {"dist": "normal", "mean": 0.5, "sd": 1.0}}}, base)], samples=512).run("neg")
        .output("costs") <= 0))
    assert k > 0
    assert re.fullmatch(re.escape(f"wotsim: warning: {label}: outputs.ratio: costs <= 0 in {k} of 512 draws, where the "
                                  "ratio is undefined (left out of its summary, so the summary describes the other draws "
                                  "only); parameters whose range allows a negative cost: overhead (in cost item "
                                  "'overhead')"), one_line(err))
