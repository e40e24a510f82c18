"""Value of information against closed forms.

For a normal net benefit NB ~ N(mu, sigma^2),
``EVPI = E[max(NB, 0)] - max(mu, 0) = mu Phi(mu / sigma) + sigma phi(mu / sigma) - max(mu, 0)``.
For NB = x + y - k with independent normal x, y, ``E[NB | x]`` is normal with sd
``sd(x)``, so EVPPI(x) has the same closed form with sigma = sd(x).

Tolerances: ``K`` = 4 Monte Carlo standard errors (``se`` of the estimate; the seeds
are fixed) plus, for EVPPI, the estimator's documented noise ``floor`` (see
:mod:`wotsim.voi`), which is its expected value for an input that carries no
information and bounds its upward bias.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from wotsim import parse_config
from wotsim.errors import WotsimError
from wotsim.scenarios import compare, parse_scenario
from wotsim.simulate import simulate
from wotsim.voi import adoption_voi, evpi, evppi, keep_voi

K = 4.0


def normal_evpi(mu: float, sigma: float) -> float:
    return mu * stats.norm.cdf(mu / sigma) + sigma * stats.norm.pdf(mu / sigma) - max(mu, 0.0)


def config(parameters: dict, value: str, cost: str | float = 1.0, samples: int = 2**14, sampler: str = "mc"):
    return parse_config({
        "study": {"name": "voi", "horizon": 1, "discount_rate": 0.0},
        "simulation": {"samples": samples, "seed": 11, "sampler": sampler},
        "stakeholders": {"s": "S"},
        "parameters": parameters,
        "items": [
            {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": value},
            {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": cost},
        ],
        "outputs": {"ratio": {"measure": "ratio"}},
    }, file="<voi>")


@pytest.mark.parametrize("mean, sd", [(1.3, 1.0), (0.6, 2.0), (1.0, 0.5)])
def test_evpi_of_a_normal_net_benefit_matches_the_closed_form(mean, sd):
    cfg = config({"x": {"dist": "normal", "mean": mean, "sd": sd, "group": "g"}}, "x")
    res = simulate(cfg)
    v = keep_voi(res)
    truth = normal_evpi(mean - 1.0, sd)  # NPV = x - 1
    assert abs(v.evpi - truth) < K * v.evpi_se
    assert v.choice == ("keep" if np.mean(res.outputs["npv"]) > 0 else "stop")
    # the only uncertain parameter: EVPPI = EVPI (a linear fit is exact)
    [e] = v.parameters
    assert abs(e.raw - v.evpi) <= 1e-9 * sd
    assert e.value == pytest.approx(v.evpi, rel=1e-9)
    assert e.r2 == pytest.approx(1.0, abs=1e-12)
    [g] = v.groups
    assert g.name == "g" and g.value == pytest.approx(v.evpi, rel=1e-9)


def test_evpi_function_on_its_own():
    rng = np.random.default_rng(5)
    nb = rng.normal(-0.2, 1.0, 50_000)
    value, se = evpi(nb)
    assert abs(value - normal_evpi(-0.2, 1.0)) < K * se
    assert value == pytest.approx(np.mean(np.maximum(nb, 0)) - max(np.mean(nb), 0), abs=1e-15)
    nb_sure = np.abs(nb) + 0.1  # never negative: nothing to learn
    assert evpi(nb_sure) == (0.0, 0.0)


def test_evppi_of_the_only_parameter_equals_evpi_for_a_nonlinear_model():
    # NPV = x^2 - 0.3 with x ~ U(0, 1): a cubic spline represents x^2 exactly
    cfg = config({"x": {"dist": "uniform", "low": 0.0, "high": 1.0}}, "x ** 2", cost=0.3)
    v = keep_voi(simulate(cfg), groups=False)
    [e] = v.parameters
    assert abs(e.raw - v.evpi) <= 1e-9
    assert v.evpi > 0.05


def test_evppi_matches_its_closed_form_and_ignores_an_irrelevant_parameter():
    # NPV = x + y - 1, x ~ N(0.6, 1), y ~ N(0.5, 0.6); z enters no formula
    sx, sy = 1.0, 0.6
    cfg = config({
        "x": {"dist": "normal", "mean": 0.6, "sd": sx, "group": "a"},
        "y": {"dist": "normal", "mean": 0.5, "sd": sy, "group": "a"},
        "z": {"dist": "uniform", "low": 0.0, "high": 1.0, "group": "b"},
    }, "x + y")
    v = keep_voi(simulate(cfg, samples=2**15))
    mu = 0.1
    e = {p.name: p for p in v.parameters}
    assert abs(v.evpi - normal_evpi(mu, math.hypot(sx, sy))) < K * v.evpi_se
    for name, sd in (("x", sx), ("y", sy)):
        assert abs(e[name].value - normal_evpi(mu, sd)) < K * e[name].se + 2 * e[name].floor, name
    # an input that does not enter the model: about 0, within its noise floor
    assert e["z"].value <= 3 * e["z"].floor
    # floor = sd(NPV) sqrt(12 / 2^14) / sqrt(2 pi) = 0.0108 sd(NPV), EVPI = 0.36 sd(NPV): 3% of EVPI
    assert e["z"].floor < 0.04 * v.evpi
    assert not e["z"].distinguishable and e["x"].distinguishable
    # the group {x, y} is everything that matters: EVPPI = EVPI (additive fit exact)
    g = {grp.name: grp for grp in v.groups}
    assert abs(g["a"].raw - v.evpi) <= 1e-9
    assert g["b"].value <= 3 * g["b"].floor


def test_evppi_never_exceeds_evpi():
    # a product model like an MKBA item: reach x effect x unit value, minus a cost
    cfg = config({
        "n": {"dist": "pert", "low": 800, "mode": 1000, "high": 1300, "group": "reach"},
        "p": {"dist": "pert", "low": 0.01, "mode": 0.05, "high": 0.1, "group": "effect"},
        "q": {"dist": "beta", "mean": 0.3, "sd": 0.1, "group": "effect"},
        "v": {"dist": "lognormal", "median": 400, "gsd": 1.5, "group": "unit value"},
        "k": {"dist": "integer", "low": 1, "high": 4, "group": "time"},
        "c": {"dist": "triangular", "low": 15, "mode": 25, "high": 40, "group": "cost"},
    }, "n * p * v + 3000 * q * k", cost="c * 1000", samples=2**14)
    v = keep_voi(simulate(cfg))
    assert 0.05 < v.p_wrong < 0.95  # a decision worth informing
    for e in v.parameters + v.groups:
        assert e.raw <= v.evpi + 2 * e.floor + 1e-9 * abs(v.mean_inb), e.name
        assert 0.0 <= e.value <= v.evpi, e.name
    ranking = [e.value for e in v.ranking()]
    assert ranking == sorted(ranking, reverse=True)


def test_discrete_parameter_uses_its_exact_conditional_mean():
    # NPV = k - 2.5 with k uniform on {1, 2, 3, 4}: E[NPV | k] = NPV, EVPPI(k) = EVPI exactly
    cfg = config({"k": {"dist": "integer", "low": 1, "high": 4}}, "k", cost=2.5, samples=4000)
    v = keep_voi(simulate(cfg), groups=False)
    [e] = v.parameters
    assert e.basis == 4
    assert abs(e.raw - v.evpi) <= 1e-12
    # population: E[max(NPV, 0)] = (0.5 + 1.5) / 4 = 0.5 and E[NPV] = 0
    assert abs(v.evpi - 0.5) < K * v.evpi_se + abs(v.mean_inb)


def test_adoption_voi_of_a_scenario():
    cfg = config({"x": {"dist": "uniform", "low": 0.5, "high": 2.0, "group": "effect"},
                  "c": {"dist": "uniform", "low": 0.5, "high": 1.5, "group": "cost"}}, "x", cost="c")
    dearer = parse_scenario({"scenario": {"id": "dearer", "label": "l", "description": "d", "evidence": "e"},
                             "scale": {"c": 1.2}}, cfg)
    # a new effect u ~ U(-0.4, 0.4) added to the benefits: INB = u exactly, so EVPPI(u) = EVPI
    gamble = parse_scenario({
        "scenario": {"id": "gamble", "label": "l", "description": "d", "evidence": "e"},
        "parameters": {"u": {"dist": "uniform", "low": -0.3, "high": 0.4, "group": "new"}},
        "add_items": [{"id": "extra", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "u"}],
    }, cfg)
    cmp = compare(cfg, [dearer, gamble], outputs=("npv",), samples=2**13)
    d = adoption_voi(cmp, "dearer")
    assert d.choice == "base" and d.p_wrong == 0.0 and d.evpi == 0.0
    assert d.parameters == () and d.groups == ()  # EVPI 0: every EVPPI is 0, none is estimated
    g = adoption_voi(cmp, "gamble")
    # INB ~ U(-0.3, 0.4): adopt; EVPI = E[max(-u, 0)] = 0.3^2 / (2 * 0.7)
    assert g.choice == "gamble"
    assert abs(g.evpi - 0.09 / 1.4) < K * g.evpi_se
    top = g.parameters[0]
    assert top.name == "u" and abs(top.raw - g.evpi) <= 1e-9
    assert {e.name for e in g.parameters} == {"x", "c", "u"}
    others = [e for e in g.parameters if e.name != "u"]
    assert all(e.value <= 3 * e.floor for e in others)
    with pytest.raises(WotsimError, match="the base analysis is the reference"):
        adoption_voi(cmp, "base")
    with pytest.raises(WotsimError, match="needs paired draws"):
        adoption_voi(compare(cfg, [gamble], outputs=("npv",), samples=256, paired=False), "gamble")


def test_voi_errors():
    cfg = config({"x": {"dist": "uniform", "low": 0.0, "high": 2.0}}, "x")
    res = simulate(cfg, samples=256)
    with pytest.raises(WotsimError, match=r"needs a net benefit in money \(an NPV\); output 'ratio' is a ratio; "
                                          r"use one of: npv, net:s"):
        keep_voi(res, output="ratio")
    with pytest.raises(WotsimError, match="unknown output 'nope'"):
        keep_voi(res, output="nope")
    with pytest.raises(WotsimError, match="undefined"):
        evpi(np.array([1.0, np.nan, 2.0, 3.0]))
    with pytest.raises(WotsimError, match=r"inputs must have shape \(n,\) or \(n, k\) with n = 4"):
        evppi(np.zeros(3), np.arange(4.0))


def test_voi_is_reproducible():
    cfg = config({"x": {"dist": "pert", "low": 0.0, "mode": 1.0, "high": 2.5}}, "x", samples=2048, sampler="sobol")
    a, b = keep_voi(simulate(cfg)), keep_voi(simulate(cfg))
    assert a == b


@pytest.mark.slow
@pytest.mark.parametrize("group", ["extra_capacity_share", "time", "reach", "effect"])
def test_schiedam_evppi_agrees_with_nested_monte_carlo(group):
    """Regression EVPPI against a two-level (nested) Monte Carlo estimate on the Schiedam model.

    Nested: for each of ``n_out`` outer draws of the group, E[NPV | group] is the mean of
    ``n_in`` inner model runs over the other parameters.  Its inner noise biases it upwards
    by at most sd_in / sqrt(n_in) / sqrt(2 pi) (the same bound as the regression's floor);
    the regression can be biased downwards for large groups (interactions it does not fit).
    """
    from pathlib import Path

    from wotsim import load_config
    from wotsim.model import evaluate, output_array, parameter_values

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml")
    res = simulate(cfg, samples=2**16)
    v = keep_voi(res)
    est = {e.name: e for e in v.parameters + v.groups}[group]
    names = cfg.uncertain
    cols = [names.index(p) for p in est.parameters]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(2014)))
    n_out, n_in = 300, 2000
    g = np.empty(n_out)
    sd_in = np.empty(n_out)
    for o in range(n_out):
        u = rng.random((n_in, len(names)))
        u[:, cols] = rng.random(len(cols))
        npv = output_array(cfg, evaluate(cfg, parameter_values(cfg, u), n_in).item_pv, "npv")
        g[o], sd_in[o] = npv.mean(), npv.std()
    loss = np.maximum(g, 0) - g * (v.mean_inb > 0)
    nested, nested_se = loss.mean(), loss.std(ddof=1) / math.sqrt(n_out)
    inner_bias = float(np.mean(sd_in)) / math.sqrt(n_in) / math.sqrt(2 * math.pi)
    noise = K * math.hypot(nested_se, est.se)
    assert est.value - noise - 2 * est.floor <= nested
    if len(est.parameters) <= 5:  # larger groups may be underfitted (biased down): one-sided check only
        assert nested <= est.value + noise + inner_bias
