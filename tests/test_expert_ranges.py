"""Expert ranges: two quantiles (``p10``/``p90``, ``p025``/``p975``, ...) or ``range90`` -> the distribution.

Truth: the naming rule by exact probabilities; normal and lognormal against their closed forms
through the normal scores; gamma, beta, triangular, PERT and uniform by their own ppf at the two
probabilities (1e-9 relative) and by recovering known parameters from their quantiles; errors by
the one line they print (``FILE: parameters.x.KEY: rule``); raw keys by equality; scenario scale
and shift by ``a * ppf`` and ``ppf + b``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import MINIMAL_CONFIG, write_config
from scipy import optimize, special, stats

from wotsim.config import load_config, parse_config
from wotsim.config.distributions import DistributionError, make_distribution
from wotsim.config.overlays import parse_scenario
from wotsim.config.quantiles import (beta_shapes, is_quantile_key, mode_form_bounds, percent, probability,
                                     quantile_key)
from wotsim.errors import ConfigError

#: Relative tolerance of closed forms (floating point only), and of root-found fits (the issue's promise).
REL = 1e-12
FIT = 1e-9

#: Pairs of quantile keys: symmetric, the usual 95% interval, asymmetric, far tails, one tail.
PAIRS = [("p10", "p90"), ("p025", "p975"), ("p10", "p80"), ("p0005", "p999"), ("p75", "p99")]


def dist(**table):
    return make_distribution(table)


# --------------------------------------------------------------------------- the naming rule
@pytest.mark.parametrize(("key", "prob", "text"), [
    ("p05", 0.05, "5%"), ("p10", 0.10, "10%"), ("p50", 0.5, "50%"), ("p025", 0.025, "2.5%"),
    ("p975", 0.975, "97.5%"), ("p999", 0.999, "99.9%"), ("p0005", 0.0005, "0.05%"), ("p9995", 0.9995, "99.95%"),
])
def test_a_quantile_key_is_p_and_the_decimal_digits_of_its_probability(key, prob, text):
    assert is_quantile_key(key)
    assert probability(key) == prob  # exactly: p05 is 5 / 100 as before
    assert percent(key) == text
    assert quantile_key(text.rstrip("%")) == key


@pytest.mark.parametrize("key", ["p5", "p050", "p100", "p2.5", "P05", "p05 ", "p95\n", "q05", "p", "p0"])
def test_near_misses_are_not_quantile_keys(key):
    assert not is_quantile_key(key)


def test_keys_sort_as_text_in_the_order_of_their_probabilities():
    keys = ["p975", "p05", "p025", "p50", "p0005", "p999", "p10", "p95"]
    assert sorted(keys) == sorted(keys, key=probability)


# --------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize(("k1", "k2"), PAIRS)
@pytest.mark.parametrize(("x1", "x2"), [(2.0, 7.0), (-3.0, 0.5)])
def test_normal_from_two_quantiles_is_its_closed_form(k1, k2, x1, x2):
    z1, z2 = special.ndtri(probability(k1)), special.ndtri(probability(k2))
    sd = (x2 - x1) / (z2 - z1)
    d = dist(dist="normal", **{k1: x1, k2: x2})
    assert d.rv.mean() == pytest.approx(x1 - z1 * sd, rel=REL, abs=REL * sd)
    assert d.rv.std() == pytest.approx(sd, rel=REL)
    assert d.base == pytest.approx(x1 - z1 * sd, rel=REL, abs=REL * sd)


@pytest.mark.parametrize(("k1", "k2"), PAIRS)
def test_lognormal_from_two_quantiles_is_its_closed_form(k1, k2):
    x1, x2 = 0.5, 40.0
    z1, z2 = special.ndtri(probability(k1)), special.ndtri(probability(k2))
    sigma = (math.log(x2) - math.log(x1)) / (z2 - z1)
    d = dist(dist="lognormal", **{k1: x1, k2: x2})
    assert d.rv.kwds["s"] == pytest.approx(sigma, rel=REL)
    assert d.rv.median() == pytest.approx(math.exp(math.log(x1) - z1 * sigma), rel=REL)


# --------------------------------------------------------------------------- root-found fits
FITTED = [
    ("gamma", {}, (2.0, 7.0)),
    ("beta", {}, (0.1, 0.35)),
    ("beta", {"low": 10.0, "high": 20.0}, (11.0, 19.5)),
    ("triangular", {"mode": 3.0}, (2.0, 7.0)),
    ("pert", {"mode": 3.0}, (2.0, 7.0)),
    ("pert", {"mode": 3.0, "lambda": 2.0}, (2.5, 3.5)),
    ("uniform", {}, (-2.0, 7.0)),
]


@pytest.mark.parametrize(("k1", "k2"), PAIRS)
@pytest.mark.parametrize(("name", "extra", "values"), FITTED, ids=[f"{n}-{'-'.join(e)}" for n, e, _ in FITTED])
def test_a_fitted_distribution_has_the_two_quantiles(name, extra, values, k1, k2):
    x1, x2 = values
    d = dist(dist=name, **extra, **{k1: x1, k2: x2})
    assert d.name == name
    got = d.rv.ppf([probability(k1), probability(k2)])
    assert got[0] == pytest.approx(x1, rel=FIT) and got[1] == pytest.approx(x2, rel=FIT)
    assert d.base == (extra["mode"] if "mode" in extra else pytest.approx(float(d.rv.median()), rel=REL))
    if name in ("triangular", "pert"):
        lo, hi = d.support()
        assert lo <= extra["mode"] <= hi


@pytest.mark.parametrize(("a", "b"), [(2.0, 5.0), (0.4, 0.7), (30.0, 3.0), (1.0, 1.0)])
@pytest.mark.parametrize(("k1", "k2"), [("p10", "p90"), ("p025", "p975"), ("p10", "p80")])
def test_the_beta_fit_recovers_the_beta_whose_quantiles_it_is_given(a, b, k1, k2):
    p1, p2 = probability(k1), probability(k2)
    u1, u2 = stats.beta.ppf([p1, p2], a, b)
    assert beta_shapes(p1, u1, p2, u2) == pytest.approx((a, b), rel=1e-7)


@pytest.mark.parametrize("name", ["triangular", "pert"])
@pytest.mark.parametrize(("low", "mode", "high"), [(0.0, 1.0, 4.0), (-3.0, 2.5, 3.0), (10.0, 10.0, 12.0)])
def test_the_mode_fit_recovers_low_and_high(name, low, mode, high):
    truth = make_distribution({"dist": name, "low": low, "mode": mode, "high": high}).rv
    p1, p2 = 0.1, 0.8
    x1, x2 = truth.ppf([p1, p2])
    got = mode_form_bounds(name, p1, x1, p2, x2, mode)
    assert got == pytest.approx((low, high), rel=1e-9, abs=1e-9 * (high - low))


def test_along_the_first_quantile_the_beta_cdf_at_the_second_rises_with_a():
    # the premise of the beta solver's uniqueness (wotsim.config.quantiles): b(a) keeps p1 at u1,
    # and the cdf at u2 rises with a; checked here with scipy alone on random pairs
    rng = np.random.default_rng(13)
    log_a = np.linspace(math.log(1e-2), math.log(1e4), 25)
    for _ in range(8):
        p1, p2 = np.sort(rng.uniform(0.01, 0.99, 2))
        u1, u2 = np.sort(rng.uniform(0.01, 0.99, 2))
        cdf = []
        for la in log_a:
            a = math.exp(la)
            lb = optimize.brentq(lambda v: special.betainc(a, math.exp(v), u1) - p1, -40, 40, xtol=1e-13)
            cdf.append(special.betainc(a, math.exp(lb), u2))
        rises = np.diff(cdf) > 0
        assert np.all(rises | (np.array(cdf[1:]) == 1.0)), (p1, p2, u1, u2)  # up to where it rounds to 1


def test_a_pert_with_two_fits_is_refused_and_both_fits_are_named():
    # both probabilities in the lower tail: the mode's position is not monotone in t
    with pytest.raises(DistributionError, match=r"more than one pert with mode 6\.2 ") as err:
        dist(dist="pert", mode=6.2, p02=1.0, p06=2.0)
    assert err.value.field == "p06"
    fits = re.findall(r"\[(-?[\d.e+-]+), (-?[\d.e+-]+)\]", str(err.value))
    assert len(fits) == 2
    for low, high in fits:  # each named fit has the two quantiles (to the 6 digits printed)
        rv = make_distribution({"dist": "pert", "low": float(low), "mode": 6.2, "high": float(high)}).rv
        np.testing.assert_allclose(rv.ppf([0.02, 0.06]), [1.0, 2.0], rtol=1e-4)


def test_the_mode_range_in_the_refusal_is_where_fits_begin():
    with pytest.raises(DistributionError, match=r"the mode must lie in \[") as err:
        dist(dist="triangular", mode=0.0, p10=1.0, p90=2.0)
    lo, hi = (float(v) for v in re.search(r"must lie in \[(.+), (.+)\]$", str(err.value)).groups())
    for mode in (lo * (1 + 1e-5), hi * (1 - 1e-5)):  # just inside: a triangular fits
        rv = dist(dist="triangular", mode=mode, p10=1.0, p90=2.0).rv
        assert rv.ppf(0.9) == pytest.approx(2.0, rel=FIT)
    for mode in (lo * (1 - 1e-5), hi * (1 + 1e-5)):  # just outside: none does
        with pytest.raises(DistributionError, match="must lie in"):
            dist(dist="triangular", mode=mode, p10=1.0, p90=2.0)


# --------------------------------------------------------------------------- range90
@pytest.mark.parametrize(("pair", "family"), [([1.0, 5.0], "lognormal"), ([0.0, 5.0], "normal"),
                                              ([-1.0, 5.0], "normal"), ([1e-3, 2e-3], "lognormal")])
def test_range90_is_p05_and_p95_with_the_family_of_its_sign(pair, family):
    d = dist(range90=pair)
    same = dist(dist=family, p05=pair[0], p95=pair[1])
    assert d.name == family and d == same  # same name, numbers (as p05, p95) and base
    np.testing.assert_array_equal(d.rv.ppf([0.05, 0.5, 0.95]), same.rv.ppf([0.05, 0.5, 0.95]))


def test_dist_overrides_the_family_of_range90():
    d = dist(dist="gamma", range90=[1.0, 5.0])
    assert d.name == "gamma" and d.rv.ppf(0.95) == pytest.approx(5.0, rel=FIT)
    d = dist(dist="pert", mode=2.0, range90=[1.0, 5.0])
    assert d.base == 2.0 and d.rv.ppf([0.05, 0.95]) == pytest.approx([1.0, 5.0], rel=FIT)
    d = dist(dist="normal", range90=[1.0, 5.0])
    assert d.rv.mean() == pytest.approx(3.0, rel=REL)


# --------------------------------------------------------------------------- errors: one line, the key
def set_x(body: str) -> str:
    old = 'dist = "uniform"\nlow = 0.0\nhigh = 1.0'
    assert old in MINIMAL_CONFIG
    return MINIMAL_CONFIG.replace(old, body, 1)


@pytest.mark.parametrize(("body", "key", "rule"), [
    ('dist = "normal"\np10 = 5.0\np90 = 1.0', "p90", r"must be > p10 \(5\), got 1$"),
    ('dist = "normal"\np00 = 1.0\np90 = 2.0', "p00",
     r"is the 0% quantile; a quantile's probability must lie strictly between 0 and 100%: a quantile key is p "),
    ('dist = "truncnormal"\np10 = 1.0\np90 = 2.0', "p10",
     r"two quantiles do not determine a truncnormal distribution; it takes high, low, mean, sd$"),
    ('dist = "beta"\np05 = 5.0\np95 = 20.0', "p05",
     r"must lie strictly between low \(0\) and high \(1\) of the beta, got 5; give low and high for a beta on "),
    ('dist = "beta"\nlow = 0.0\nhigh = 10.0\np05 = 5.0\np95 = 20.0', "p95",
     r"must lie strictly between low \(0\) and high \(10\) of the beta, got 20$"),
    ('dist = "pert"\nmode = 0.0\np10 = 1.0\np90 = 2.0', "p90",
     r"no pert with mode 0 has these two quantiles \(1, 2\): the mode must lie in \[0\.\d+, 2\.\d+\]$"),
    ('dist = "triangular"\np10 = 1.0\np90 = 2.0', "mode",
     r"a triangular with two quantiles needs mode too \(low and high are solved from them\)$"),
    ('dist = "normal"\np10 = 1.0\np90 = 2.0\nmean = 1.5', "mean",
     r"a normal quantile form takes only the two quantiles, not mean$"),
    ('dist = "gamma"\np05 = 1.0\np95 = 1.000001', "p95", r"no gamma distribution has these two quantiles \(1, 1\): "
     r"their ratio, 1, must lie between 1\.00\d+ and .* \(shapes 1e7 to 0\.01\)$"),
    ('dist = "normal"\np5 = 1.0\np95 = 2.0', "p5",
     r"unknown key \(did you mean 'p05', the 5% quantile\?\); a quantile key is p and the decimal digits of "),
    ('dist = "normal"\np2.5 = 1.0\np975 = 2.0', "p2",
     r"unknown key \(did you mean 'p025', the 2\.5% quantile\? TOML reads p2\.5 as a table p2\); "),
    ('dist = "normal"\np100 = 1.0\np05 = 0.0', "p100", r"unknown key \(did you mean 'p10', the 10% quantile\?\)"),
    ('dist = "normal"\nrange = [1.0, 2.0]', "range", r"unknown key \(did you mean 'range90'\?\); allowed: "),
    ("range90 = [5.0, 1.0]", "range90",
     r"must be \[a, b\] with a < b \(the 5% and 95% quantiles\), got \[5\.0, 1\.0\]$"),
    ("range90 = [1.0, 2.0, 3.0]", "range90", r"must be \[a, b\], the 5% and 95% quantiles \(a 90% range\), got "),
    ('range90 = [1.0, "2"]', "range90", r"must be a number, got '2'$"),
    ("range90 = [1.0, 2.0]\np05 = 1.0", "p05", r"range90 gives the 5% and 95% quantiles already; give range90 or "),
])
def test_a_bad_expert_range_is_one_line_naming_its_key(tmp_path, body, key, rule):
    path = write_config(tmp_path, set_x(body))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    prefix = f"^{re.escape(str(path))}: parameters\\.x\\.{re.escape(key)}: "
    assert re.match(prefix + rule, str(err.value)), str(err.value)
    assert "\n" not in str(err.value)


def test_a_near_miss_key_gets_its_did_you_mean_from_the_distribution_too():
    # tables that do not pass through the loader (scenario [replace] tables, the Python API)
    with pytest.raises(DistributionError, match=r"^unknown key \(did you mean 'p05', the 5% quantile\?\)") as err:
        dist(dist="normal", p5=1.0, p95=2.0)
    assert err.value.field == "p5"


# --------------------------------------------------------------------------- what the loader keeps
MODEL = {
    "study": {"name": "t", "horizon": 1, "discount_rate": 0.0},
    "stakeholders": {"s": "S"},
    "parameters": {
        "wide": {"range90": [2.0, 8.0], "unit": "u", "source": "expert"},
        "signed": {"range90": [-1.0, 1.0]},
        "share": {"dist": "beta", "p025": 0.1, "p975": 0.4, "evidence": "assumed"},
        "cost": {"dist": "pert", "mode": 3.0, "p10": 2.0, "p90": 6.0},
    },
    "items": [{"id": "i", "kind": "benefit", "stakeholder": "s", "financial": True,
               "value": "wide + signed + share + cost"},
              {"id": "o", "kind": "cost", "stakeholder": "s", "financial": True, "value": 1.0}],
}


def test_the_loader_keeps_the_keys_as_written():
    cfg = parse_config(MODEL, file="<t>")
    assert cfg.raw["parameters"] == MODEL["parameters"]  # an export writes these back
    assert dict(cfg.parameters["wide"].dist.params) == {"p05": 2.0, "p95": 8.0}
    assert dict(cfg.parameters["share"].dist.params) == {"p025": 0.1, "p975": 0.4}
    assert dict(cfg.parameters["cost"].dist.params) == {"mode": 3.0, "p10": 2.0, "p90": 6.0}
    assert [cfg.parameters[n].dist.name for n in MODEL["parameters"]] == ["lognormal", "normal", "beta", "pert"]


def test_scale_and_shift_move_expert_ranges_exactly():
    cfg = parse_config(MODEL, file="<t>")
    overlay = {"scenario": {"id": "x", "label": "X", "description": "t", "evidence": "t"},
               "scale": {"wide": 2.0, "share": 0.5, "cost": 3.0}, "shift": {"signed": 4.0}}
    new = parse_scenario(overlay, cfg).config.parameters
    u = np.array([0.01, 0.3, 0.5, 0.9, 0.99])
    for name, f in (("wide", lambda y: 2 * y), ("share", lambda y: 0.5 * y), ("cost", lambda y: 3 * y),
                    ("signed", lambda y: y + 4)):
        np.testing.assert_allclose(new[name].dist.ppf(u), f(cfg.parameters[name].dist.ppf(u)), rtol=1e-9,
                                   err_msg=name)
    assert new["signed"].dist.name == "normal"  # [3, 5] after the shift: still the base's normal


def test_a_shifted_lognormal_range_is_refused():
    cfg = parse_config(MODEL, file="<t>")
    overlay = {"scenario": {"id": "x", "label": "X", "description": "t", "evidence": "t"}, "shift": {"wide": 1.0}}
    with pytest.raises(ConfigError, match=r"shift\.wide: a shifted lognormal is not a lognormal"):
        parse_scenario(overlay, cfg)


def test_the_readme_examples_of_expert_ranges_give_what_they_say():
    import tomllib
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[parameters\.effect\].*?)```", text, re.S).group(1)
    made = {name: make_distribution(t) for name, t in tomllib.loads(block)["parameters"].items()}
    assert [d.name for d in made.values()] == ["normal", "gamma", "beta", "pert", "lognormal"]
    assert made["hours"].support() == pytest.approx((6.15, 26.39), abs=0.005)  # as its comment says
