"""Scenario discovery (wotsim.analysis.discover, ``wotsim discover``) against truth: configs built so
that the condition holds exactly inside known boxes, the paired draws of a scenario, the
parameter's own CDF for percentiles, exact recounts, reproducibility, round trips and one-line
errors for bad conditions."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import textwrap
from pathlib import Path
import tomllib

import numpy as np
import pytest

import wotsim
from wotsim.analysis.discover import discover
from wotsim.analysis.discover_io import CSV_COLUMNS, load_discovery
from wotsim.analysis.io import kind_of, load_any
from wotsim.analysis.scenarios import compare
from wotsim.cli import main
from wotsim.config.overlays import find_scenarios
from wotsim.errors import ResultsError, WotsimError
from wotsim.formatting import significant
from wotsim.formatting import lower_first
from wotsim.report.discovery import box_sentence, condition_words, format_discovery, limit_words, share_words
from wotsim.simulate import simulate

LABELS = {f"x{j}": f"Input number {j}" for j in range(1, 7)}

#: Six uniform inputs; the ratio is 0.5 exactly when x1 < 0.3 and x2 > 0.7 (or x3 < 0.2 and x4 > 0.8: a
#: second box, read only when the benefit is "two"), else 2.  The scenario draws x1 from U(0, 0.5) on the
#: same uniforms, so it does worse exactly where the base's x1 lies in [0.3, 0.6) and x2 > 0.7.
CONFIG = textwrap.dedent("""
    [study]
    name = "known boxes"
    currency = "EUR"
    horizon = 1
    discount_rate = 0.0

    [simulation]
    samples = 8192
    seed = 11
    sampler = "mc"

    [stakeholders]
    city = "The city"
    {parameters}
    [[items]]
    id = "gain"
    kind = "benefit"
    stakeholder = "city"
    financial = true
    value = "{benefit}"

    [[items]]
    id = "outlay"
    kind = "cost"
    stakeholder = "city"
    financial = true
    value = 1.0

    [outputs.ratio]
    label = "Test ratio"
    measure = "ratio"

    [scenarios.half]
    scenario = {{ label = "Half the share", description = "x1 from U(0, 0.5)", evidence = "test", category = "recommendation" }}
    replace = {{ x1 = {{ dist = "uniform", low = 0.0, high = 0.5 }} }}
    """)
PARAMETERS = "".join(f'\n[parameters.x{j}]\nlabel = "{LABELS[f"x{j}"]}"\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n'
                     f'unit = "share"\nevidence = "assumed"\n' for j in range(1, 7))
ONE = "where(x1 < 0.3, where(x2 > 0.7, 0.5, 2.0), 2.0) + 0 * (x3 + x4 + x5 + x6)"
TWO = ("minimum(where(x1 < 0.3, where(x2 > 0.7, 0.5, 2.0), 2.0), where(x3 < 0.2, where(x4 > 0.8, 0.5, 2.0), 2.0))"
       " + 0 * (x5 + x6)")


def make(benefit: str = ONE):
    return wotsim.parse_config(tomllib.loads(CONFIG.format(parameters=PARAMETERS, benefit=benefit)), file="box.toml")


@pytest.fixture(scope="module")
def config():
    return make()


@pytest.fixture(scope="module")
def result(config):
    return simulate(config, samples=8192, seed=11)


@pytest.fixture(scope="module")
def found(result):
    return discover(result, output="ratio", below=1, resamples=4)


def same(a, b) -> bool:
    """Restrictions equal field by field, NaN (a free side's quasi-p) equal to NaN."""
    return len(a) == len(b) and all(
        x.parameter == y.parameter and np.array_equal(dataclasses.astuple(x)[1:], dataclasses.astuple(y)[1:],
                                                      equal_nan=True) for x, y in zip(a, b))


def limits(box):
    return {r.parameter: r for r in box.restrictions}


def inside(x, names, box):
    keep = np.ones(x.shape[0], dtype=bool)
    for r in box.restrictions:
        col = x[:, names.index(r.parameter)]
        keep &= (col >= r.lower) & (col <= r.upper)
    return keep


def test_the_chosen_box_recovers_a_known_box(found, result):
    box = found.boxes[0]
    lim = limits(box)
    assert set(lim) == {"x1", "x2"}                                # no inert input restricted
    assert not lim["x1"].lower_restricted and abs(lim["x1"].upper - 0.3) < 0.02
    assert abs(lim["x2"].lower - 0.7) < 0.02 and not lim["x2"].upper_restricted
    assert box.box_coverage > 0.95 and box.box_density > 0.95
    # percentiles of the distribution: U(0, 1), so the percentile is the limit itself
    assert lim["x1"].upper_percentile == pytest.approx(lim["x1"].upper, abs=1e-12)
    assert lim["x2"].lower_percentile == pytest.approx(lim["x2"].lower, abs=1e-12)
    # exact recount on the draws
    y = result.outputs["ratio"] < 1
    keep = inside(result.draws, list(result.parameters), box)
    assert box.n == keep.sum() and box.cases == (keep & y).sum() and found.n_cases == y.sum()
    assert box.share_of_cases == box.box_coverage == (keep & y).sum() / y.sum()
    # both restrictions stable in every resample, the inert inputs in none
    j = [found.names.index(n) for n in ("x1", "x2")]
    assert np.all(box.stability_coverage[j] == 1) and np.sum(box.stability_coverage) == 2


def test_a_formula_condition_gives_the_same_boxes_and_the_run_is_reproducible(found, result):
    again = discover(result, where="ratio < 1", resamples=4)
    assert again.kind == "condition" and found.kind == "below"
    a, b = found.boxes[0], again.boxes[0]
    assert same(a.restrictions, b.restrictions) and np.array_equal(a.coverage, b.coverage)
    assert np.array_equal(a.stability_coverage, b.stability_coverage)
    # the complement, as a condition: where the ratio is NOT below 1 is everything outside the box
    other = discover(result, where="not (ratio < 1)", resamples=0)
    assert other.n_cases == found.n_draws - found.n_cases and np.isnan(other.boxes[0].stability_coverage).all()


def test_covering_finds_the_second_box_among_the_draws_left(config):
    result = simulate(make(TWO), samples=8192, seed=5)
    d = discover(result, output="ratio", below=1, boxes=3, resamples=0)
    assert len(d.boxes) >= 2
    first, second = limits(d.boxes[0]), limits(d.boxes[1])
    assert {frozenset(first), frozenset(second)} == {frozenset({"x1", "x2"}), frozenset({"x3", "x4"})}
    box2 = d.boxes[1]
    # searched among the draws outside box 1: its counts are recounted there
    y = result.outputs["ratio"] < 1
    out1 = ~inside(result.draws, list(result.parameters), d.boxes[0])
    keep = inside(result.draws, list(result.parameters), box2) & out1
    assert box2.n_draws == out1.sum() and box2.n == keep.sum() and box2.cases == (keep & y).sum()
    assert box2.share_of_cases == pytest.approx((keep & y).sum() / y.sum())
    assert d.boxes[0].share_of_cases + box2.share_of_cases > 0.95
    assert len(d.boxes) == 2 and "no denser" in d.stopped or "no cases" in d.stopped
    # the sample keeps which box each draw falls in first
    m = d.sample_x.shape[0]
    assert np.array_equal(d.sample_box == 1, inside(result.draws[:m], list(result.parameters), d.boxes[0]))


def test_a_scenario_doing_worse_on_the_paired_draws(config):
    comparison = compare(config, find_scenarios(config, ["half"]), outputs=("ratio",), samples=8192, seed=3)
    d = discover(comparison, scenario="half", output="ratio", resamples=0)
    worse = comparison.run("half").output("ratio") < comparison.base.outputs["ratio"]
    assert d.kind == "worse" and d.n_cases == worse.sum() and d.scenario_label == "Half the share"
    lim = limits(d.boxes[0])
    assert set(lim) == {"x1", "x2"}
    # in the base's units: x1 in [0.3, 0.6) (halved below 0.3) and x2 > 0.7
    assert abs(lim["x1"].lower - 0.3) < 0.02 and abs(lim["x1"].upper - 0.6) < 0.02
    assert abs(lim["x2"].lower - 0.7) < 0.02 and d.boxes[0].box_density > 0.95
    text = box_sentence(d, d.boxes[0])
    assert text.startswith("Half the share does worse than the base on the test ratio in ")
    x1 = lim["x1"]
    assert (f"input number 1 between {significant(x1.lower)} and {significant(x1.upper)} (its "
            f"{round(100 * x1.lower_percentile)}th to {round(100 * x1.upper_percentile)}th percentiles, assumed)") in text
    with pytest.raises(WotsimError, match="needs a comparison"):
        discover(comparison.base, scenario="half", output="ratio")


def test_the_sentence_follows_its_rules(found):
    box = found.boxes[0]
    text = box_sentence(found, box)
    x1, x2 = limits(box)["x1"], limits(box)["x2"]
    assert text == (f"The test ratio falls below 1 in {share_words(box.box_density)} of the draws with "
                    f"{limit_words(found.parameter(box.restrictions[0].parameter), box.restrictions[0])} and "
                    f"{limit_words(found.parameter(box.restrictions[1].parameter), box.restrictions[1])}; this region "
                    f"holds {share_words(box.share_of_cases)} of all below-1 draws and "
                    f"{share_words(box.n / found.n_draws)} of all draws ({share_words(found.share)} overall).")
    assert limit_words(found.parameter("x1"), x1) == (
        f"input number 1 below {x1.upper:.3g} (its {round(100 * x1.upper_percentile)}th percentile, assumed)")
    assert limit_words(found.parameter("x2"), x2).startswith("input number 2 above 0.7")
    assert [lower_first(t) for t in ("Households supported", "QALY gain", "WOT staff", "A b")] == [
        "households supported", "QALY gain", "WOT staff", "a b"]
    assert [share_words(p) for p in (0, 0.004, 0.5, 0.996, 1)] == ["0%", "under 1%", "50%", "over 99%", "100%"]
    assert condition_words(found) == ("the test ratio falls below 1", "below-1 draws")
    printed = format_discovery(found)
    assert text in printed.replace("\n  ", " ") and "Input number 1" in printed and "x1 " not in printed


def test_saved_boxes_load_back_whole(found, tmp_path):
    found.save(tmp_path / "d")
    assert kind_of(tmp_path / "d") == "discover"
    back = load_any(tmp_path / "d")
    assert back.parameters == found.parameters and back.condition == found.condition
    for a, b in zip(back.boxes, found.boxes):
        assert np.array_equal(a.coverage, b.coverage) and np.array_equal(a.lower, b.lower)
        assert np.array_equal(a.stability_coverage, b.stability_coverage, equal_nan=True)
        assert same(a.restrictions, b.restrictions)
    assert np.array_equal(back.sample_x, found.sample_x) and np.array_equal(back.sample_box, found.sample_box)
    rows = (tmp_path / "d" / "boxes.csv").read_text().splitlines()
    assert rows[0] == ",".join(CSV_COLUMNS) and len(rows) == 1 + len(found.boxes[0].restrictions)
    # a tampered count is refused in one line naming the file
    body = json.loads((tmp_path / "d" / "boxes.json").read_text())
    body["n_cases"] = body["n_draws"] + 1
    (tmp_path / "d" / "boxes.json").write_text(json.dumps(body))
    with pytest.raises(ResultsError, match=r"boxes\.json: n_cases must leave at least 10 draws in and out"):
        load_discovery(tmp_path / "d")


def _edit_json(edit):
    def apply(directory):
        path = directory / "boxes.json"
        body = json.loads(path.read_text())
        edit(body)
        path.write_text(json.dumps(body))
    return apply


def _edit_array(key, edit):
    def apply(directory):
        with np.load(directory / "arrays.npz") as z:
            arrays = {k: z[k] for k in z.files}
        arrays[key] = edit(arrays[key].copy())
        np.savez(directory / "arrays.npz", **arrays)
    return apply


def _box0(**changes):
    return _edit_json(lambda body: body["boxes"][0].update(changes))


def _restriction0(**changes):
    return _edit_json(lambda body: body["boxes"][0]["restrictions"][0].update(changes))


def _parameter(name, **changes):
    return _edit_json(lambda body: next(p for p in body["parameters"] if p["name"] == name).update(changes))


def _set(a, i, v):
    a[i] = v
    return a


TAMPERED = {  # each edit leaves every type right: only the figures stop agreeing with each other
    "coverage of the box": (_box0(box_coverage=0.99), "must be those of its counts"),
    "share of all cases": (_box0(share_of_cases=0.5), "must be those of its counts"),
    "no restrictions": (_box0(restrictions=[]), "must be the chosen step"),
    "percentile moved": (_restriction0(upper_percentile=0.5), "CDF at its limit"),
    "free quasi-p side": (_restriction0(quasi_p_lower=0.5), "on each restricted side only"),
    "negative quasi-p": (_restriction0(quasi_p_upper=-3), r"quasi-p in \[0, 1\]"),
    "lifted density": (_restriction0(density_if_lifted=0.9), "equal to their changes"),
    "integer flag": (_parameter("x1", integer=True), "integer flag must be the config's"),
    "label": (_parameter("x2", label="Something else"), "label, unit, evidence"),
    "worse without a scenario": (_edit_json(lambda b: b.update(kind="worse")), "must name its output"),
    "chosen by": (_box0(chosen_by="magic"), "chosen_by one of"),
    "pastes": (_box0(pastes=["nope:side"]), "pastes must be"),
    "peel alpha": (_edit_json(lambda b: b.update(peel_alpha=7)), "peel_alpha and paste_alpha"),
    "huge count": (_edit_json(lambda b: b.update(n_draws=10**400)), "n_draws be at most"),
    "json copy": (_box0(coverage=[0.5] * 3), "differs from its copy"),
    "chosen coverage (npz)": (_edit_array("boxes.0.coverage", lambda a: np.concatenate([a[:1], a[1:] * 0.999])),
                              "must be the chosen step"),
    "stability of a free parameter": (_edit_array("boxes.0.stability_coverage", lambda a: _set(a, 5, 0.5)),
                                      "for restricted parameters only"),
}


@pytest.fixture(scope="module")
def saved_found(found, tmp_path_factory):
    """``found`` saved once (each tampering test edits a copy)."""
    return found.save(tmp_path_factory.mktemp("found") / "d")


@pytest.mark.parametrize("name", list(TAMPERED))
def test_a_discovery_that_no_longer_adds_up_is_refused(saved_found, tmp_path, name):
    edit, message = TAMPERED[name]
    shutil.copytree(saved_found, tmp_path / "d")
    edit(tmp_path / "d")
    with pytest.raises(ResultsError, match=message) as err:
        load_discovery(tmp_path / "d")
    assert "\n" not in str(err.value) and "boxes.json" in str(err.value)


def test_a_discovery_directory_without_its_boxes_says_so(found, tmp_path):
    found.save(tmp_path / "d")
    (tmp_path / "d" / "boxes.json").unlink()
    assert kind_of(tmp_path / "d") == "discover"
    with pytest.raises(ResultsError, match="not a wotsim discovery directory \\(missing boxes.json\\)"):
        load_any(tmp_path / "d")


def cli(capsys, *args):
    code = main(["discover", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "box.toml"
    path.write_text(CONFIG.format(parameters=PARAMETERS, benefit=ONE))
    return path


@pytest.mark.parametrize("args, message", [
    (["--where", "ratioo < 1"], "--where: unknown output 'ratioo'; a condition reads outputs by name: ratio"),
    (["--where", "ratio <"], "--where: invalid condition 'ratio <'"),
    (["--where", "ratio + 1"], "compares nothing"),
    (["--where", "ratio.real < 1"], "attribute access is not allowed"),
    (["--output", "ratio", "--below", "0.1"], "holds in none of the 4,096 draws"),
    (["--output", "ratio", "--above", "0.1"], "holds in every one of the 4,096 draws"),
    (["--output", "ratio"], "give one condition"),
    (["--where", "ratio < 1", "--below", "1"], "give one condition, not --where and --below"),
    (["--scenario", "half"], "--scenario needs --output NAME"),
    (["--output", "nope", "--below", "1"], "unknown output 'nope'"),
    (["--output", "benefits", "--scenario", "half"], "needs a ratio"),
    (["--output", "ratio", "--below", "1", "--box", "999"], "step must be a step of the peeling trajectory"),
    (["--output", "ratio", "--below", "nan"], "--below must be a finite number"),
])
def test_bad_conditions_are_one_line_and_exit_2(capsys, config_file, args, message):
    code, out, err = cli(capsys, config_file, "--samples", 4096, "--resamples", 0, *args)
    assert code == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert err.startswith("wotsim: error: ")


def test_the_command_prints_and_saves(capsys, config_file, tmp_path):
    code, out, err = cli(capsys, config_file, "--output", "ratio", "--below", 1, "--samples", 4096, "--resamples", 2,
                         "--out", tmp_path / "o")
    assert code == 0, err
    assert "peeling trajectory" in out and "chosen box: coverage" in out and "The test ratio falls below 1 in" in out
    assert "Input number 1" in out and "assumed" in out and "stable in 2" in out
    assert (tmp_path / "o" / "discovery.txt").read_text() == out.split("\n\nresults written to")[0] + "\n"
    d = load_discovery(tmp_path / "o")
    assert d.manifest["analysis"] == "discover" and d.resamples == 2
    code, out, err = cli(capsys, config_file, "--output", "ratio", "--scenario", "half", "--samples", 4096,
                         "--resamples", 0)
    assert code == 0, err
    assert "Half the share does worse than the base on the test ratio" in out
    assert math.isfinite(load_discovery(tmp_path / "o").boxes[0].box_density)


def test_the_same_seed_gives_the_same_boxes_whatever_the_chunk_size(config, found):
    chunked = discover(simulate(config, samples=8192, seed=11, chunk_size=1000), output="ratio", below=1, resamples=4)
    a, b = found.boxes[0], chunked.boxes[0]
    assert same(a.restrictions, b.restrictions) and np.array_equal(a.stability_coverage, b.stability_coverage)
    assert np.array_equal(a.lower, b.lower) and np.array_equal(found.sample_x, chunked.sample_x)
    other_seed = discover(simulate(config, samples=8192, seed=12), output="ratio", below=1, resamples=4)
    assert not np.array_equal(other_seed.boxes[0].coverage, a.coverage) or other_seed.n_cases != found.n_cases


def test_integer_limits_read_inclusive_and_noise_is_flagged(found):
    from wotsim.analysis.discover import ParameterInfo
    from wotsim.analysis.prim import Restriction
    from wotsim.report.discovery import is_significant, pastes_words, percentile_rank

    years = ParameterInfo("h", "Time horizon", "years", "assumed", True)

    def r(lower, upper, lp, up, qp=(0.01, 0.01)):
        return Restriction("h", lower, upper, lp, up, *qp, 0.5, 0.5, 0.1, 0.1)

    assert limit_words(years, r(3.0, 5.0, 0.0, 0.6)) == "time horizon at most 5 (its 60th percentile, assumed)"
    assert limit_words(years, r(4.0, 7.0, 0.2, 1.0)) == "time horizon at least 4 (its 20th percentile, assumed)"
    assert limit_words(years, r(4.0, 6.0, 0.2, 0.8)).startswith("time horizon from 4 to 6 (its 20th to 80th")
    assert limit_words(years, r(6.0, 6.0, 0.6, 0.8)).startswith("time horizon equal to 6 (its 60th to 80th")
    assert [percentile_rank(p) for p in (0.0, 0.001, 0.5, 0.999, 1.0)] == [0, 1, 50, 99, 100]
    # a box none of whose limits passes the quasi-p test says it may be chance
    box = found.boxes[0]
    assert is_significant(box) and "may be chance" not in box_sentence(found, box)
    weak = dataclasses.replace(box, restrictions=tuple(dataclasses.replace(x, quasi_p_lower=0.3, quasi_p_upper=0.3)
                                                       for x in box.restrictions))
    assert not is_significant(weak) and "no limit passes its quasi-p test at 5%, so the region may be chance" in \
        box_sentence(found, weak)
    pasted = dataclasses.replace(box, pastes=("x1:upper", "x2:lower", "x1:upper"))
    assert pastes_words(found, pasted) == "input number 1 (upper, 2 times), input number 2 (lower)"


def test_a_formula_condition_is_said_with_labels_and_a_handful_of_cases_is_refused(result):
    d = discover(result, where="ratio < 1 and ratio > 0.1", resamples=0)
    assert condition_words(d) == ("the condition 'test ratio < 1 and test ratio > 0.1' holds", "draws that meet it")
    from wotsim.analysis.discover import MIN_CASES, NothingToDiscover

    few = simulate(make("where(x1 < 0.003, 0.5, 2.0) + 0 * (x2 + x3 + x4 + x5 + x6)"), samples=2048, seed=1)
    k = int((few.outputs["ratio"] < 1).sum())
    assert 0 < k < MIN_CASES
    with pytest.raises(NothingToDiscover, match=f"holds in {k} of the 2,048 draws; discovery needs at least 10"):
        discover(few, output="ratio", below=1)


def test_restrictions_come_in_the_order_prim_set_them():
    """On the Schiedam draws the peeling restricts the extra capacity before the households (listed earlier in the
    config): the table, the sentence and the figure follow the peeling."""
    config = wotsim.load_config(Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml")
    d = discover(simulate(config, samples=4096, seed=20200825), output="social_ratio", below=1, resamples=0)
    box = d.boxes[0]
    restricted = {r.parameter for r in box.restrictions}
    peeled = [m for m in dict.fromkeys(box.moved[1:box.chosen + 1]) if m in restricted]
    assert [r.parameter for r in box.restrictions] == peeled
    assert peeled != [n for n in d.names if n in restricted]  # not the config's order


def test_stability_is_the_same_in_forked_workers(monkeypatch):
    """The resamples' peelings in forked workers give the stability of peeling them here, number for number
    (a noisy condition, so that the resamples disagree and the shares are fractions)."""
    import wotsim.analysis.discover as D
    from wotsim._fork import fork_workers
    from wotsim.analysis.prim import prim
    from wotsim.analysis.prim_sort import sort_columns

    import threading

    # a thread an earlier test left (a notebook kernel's client) would turn forking off
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if fork_workers(2) < 2:
        pytest.skip("no forked workers here (not Linux)")
    rng = np.random.default_rng(3)
    x = rng.random((2000, 6))
    y = rng.random(2000) < 0.2 + 0.15 * ((x[:, 0] < 0.4) & (x[:, 1] > 0.5)) + 0.1 * (x[:, 2] > 0.7)
    names, settings = [f"x{j}" for j in range(6)], dict(peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
    box = prim(x, y, names=names, **settings).box
    runs = []
    for least in (10**9, 0):
        monkeypatch.setattr(D, "PARALLEL_MIN_DRAWS", least)
        runs.append(D._stability(sort_columns(x), y, names, None, settings, box, 6, np.random.default_rng(1)))
    assert np.array_equal(runs[0], runs[1])
    assert ((runs[0] > 0) & (runs[0] < 1)).any()
