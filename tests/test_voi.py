"""Value of information against closed forms.

For a normal net benefit NB ~ N(mu, sigma^2),
``EVPI = E[max(NB, 0)] - max(mu, 0) = mu Phi(mu / sigma) + sigma phi(mu / sigma) - max(mu, 0)``.
For NB = x + y - k with independent normal x, y, ``E[NB | x]`` is normal with sd
``sd(x)``, so EVPPI(x) has the same closed form with sigma = sd(x).

Tolerances: ``K`` = 4 standard errors (``se`` of the estimate, which for EVPPI includes
the regression's own error; the seeds are fixed).  An input that carries no information
has an expected EVPPI equal to its ``floor`` (see :mod:`wotsim.analysis.voi`); it must be reported
as not distinguishable from 0.  The standard errors' calibration against the spread
over seeds is checked by ``tests/test_voi_calibration.py`` (slow).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from conftest import linear_config
from wotsim.errors import WotsimError
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.simulate import simulate
from wotsim.analysis.evppi import Evppi, evpi, evppi
from wotsim.analysis.evppi_fit import noise_floor
from wotsim.analysis.voi import adoption_voi, keep_voi
from wotsim.report.text import format_voi

K = 4.0


def normal_evpi(mu: float, sigma: float) -> float:
    return mu * stats.norm.cdf(mu / sigma) + sigma * stats.norm.pdf(mu / sigma) - max(mu, 0.0)


def config(parameters: dict, value: str, cost: str | float = 1.0, samples: int = 2**14, sampler: str = "mc"):
    return linear_config(parameters, value, cost, name="voi", samples=samples, sampler=sampler)


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
        assert abs(e[name].value - normal_evpi(mu, sd)) < K * e[name].se, name
        assert e[name].r2 == pytest.approx(sd ** 2 / (sx ** 2 + sy ** 2), abs=0.02)
    # an input that does not enter the model: about its floor (its expected value), not distinguishable from 0
    assert abs(e["z"].raw - e["z"].floor) < K * e["z"].se
    assert not e["z"].distinguishable and e["x"].distinguishable and e["y"].distinguishable
    # what an uninformative input can show is a small share of EVPI (E[INB] = 0.1 = 3 s: floor ~ 0)
    assert e["z"].noise_level < 0.04 * v.evpi
    # the group {x, y} is everything that matters: EVPPI = EVPI (additive fit exact)
    g = {grp.name: grp for grp in v.groups}
    assert abs(g["a"].raw - v.evpi) <= 1e-9
    assert not g["b"].distinguishable


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
        assert e.raw <= v.evpi + K * e.se + 1e-9 * abs(v.mean_inb), e.name
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
    assert all(not e.distinguishable for e in others)
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


# --------------------------------------------------------------------------- standard error and noise floor
def _spline_basis(x: np.ndarray, knots: int) -> np.ndarray:
    """Cubic B-spline basis with knots at equally spaced quantiles (as documented in wotsim.analysis.voi), by scipy."""
    from scipy.interpolate import BSpline

    lo, hi = x.min(), x.max()
    inner = np.quantile(x, np.linspace(0.0, 1.0, knots + 2)[1:-1])
    t = np.r_[[lo] * 4, np.unique(inner[(inner > lo) & (inner < hi)]), [hi] * 4]
    return BSpline.design_matrix(np.clip(x, lo, hi), t, 3).toarray()


def _brute_force(X: np.ndarray, y: np.ndarray, G: int) -> tuple[float, float]:
    """The cross-fitted EVPPI and its delete-one-group jackknife SE, by refitting on each subset of rows.

    Row i is in half i >= n // 2 and in group i % G; without group k, each half's rows
    (those left) are predicted by least squares on the other half's rows (those left), and
    the choice is the sign of the mean of the rows left.
    """
    n = y.size
    half = np.arange(n) >= n // 2
    grp = np.arange(n) % G

    def theta(keep: np.ndarray) -> float:
        fitted = np.empty(n)
        for h in (False, True):
            train, pred = keep & (half != h), keep & (half == h)
            beta = np.linalg.lstsq(X[train], y[train], rcond=None)[0]
            fitted[pred] = X[pred] @ beta
        f = fitted[keep]
        return float(np.mean(np.maximum(f, 0) - f * (y[keep].mean() > 0)))

    full = theta(np.ones(n, bool))
    loo = np.array([theta(grp != k) for k in range(G)])
    return full, math.sqrt((G - 1) / G * np.sum((loo - loo.mean()) ** 2))


@pytest.mark.parametrize("replicates", [1, 8])
def test_jackknife_se_equals_a_brute_force_leave_one_group_out_refit(replicates):
    # G = 16 groups for independent draws, else the design's randomisations (here 8)
    rng = np.random.default_rng(3)
    n = 1000
    x = rng.normal(size=(n, 3))
    y = 0.2 + x[:, 0] + 0.5 * x[:, 1] ** 2 + 0.8 * x[:, 0] * x[:, 1] * x[:, 2] + rng.normal(size=n)
    G = 16 if replicates == 1 else replicates
    # one parameter: its cubic B-spline (8 interior knots)
    e = evppi(x[:, 0], y, replicates=replicates)
    full, se = _brute_force(_spline_basis(x[:, 0], 8), y, G)
    assert e.raw == pytest.approx(full, rel=1e-9)
    assert e.se == pytest.approx(se, rel=1e-7)
    # a group: intercept, each member's spline (4 knots) less its first column, standardised pairwise products
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    pairs = [z[:, 0] * z[:, 1], z[:, 0] * z[:, 2], z[:, 1] * z[:, 2]]
    base = np.column_stack([np.ones(n)] + [_spline_basis(x[:, j], 4)[:, 1:] for j in range(3)] + pairs)
    g = evppi(x, y, replicates=replicates, grow=False)
    full, se = _brute_force(base, y, G)
    assert g.basis == base.shape[1]
    assert g.raw == pytest.approx(full, rel=1e-9)
    assert g.se == pytest.approx(se, rel=1e-7)
    # grown by the three-way product (the truth has one): chosen, and its jackknife too
    grown = evppi(x, y, replicates=replicates)
    assert grown.basis_note == "grown: three-way products" and grown.basis == base.shape[1] + 1
    full, se = _brute_force(np.column_stack([base, z.prod(axis=1)]), y, G)
    assert grown.raw == pytest.approx(full, rel=1e-9)
    assert grown.se == pytest.approx(se, rel=1e-7)
    # a discrete parameter (one indicator per level) with a rare level: rows 5 and 21 (both in group 5)
    # and 600.  Without group 5 the first half has no row of that level: a rank-deficient fit, whose
    # column gets coefficient 0 (minimum norm) as in the brute force
    k = rng.integers(0, 3, n).astype(float)
    k[[5, 21, 600]] = 3.0
    yk = k + rng.normal(size=n) - 1.2
    e = evppi(k, yk, replicates=replicates)
    assert e.basis == 4
    full, se = _brute_force((k[:, None] == np.arange(4.0)).astype(float), yk, G)
    assert e.raw == pytest.approx(full, rel=1e-9)
    assert e.se == pytest.approx(se, rel=1e-7)


def test_noise_floor_formula():
    # the expected loss of m + e, e ~ N(0, s^2), by quadrature; and the average over leverages
    for m, s in ((0.0, 1.0), (0.7, 0.5), (-2.0, 0.8), (5.0, 0.1)):
        loss = lambda e: max(-(m + e), 0.0) if m > 0 else max(m + e, 0.0)  # noqa: E731
        from scipy import integrate

        truth = integrate.quad(lambda e: loss(e) * stats.norm.pdf(e, 0, s), -12 * s, 12 * s, points=[-m])[0]
        assert noise_floor(m, 1.0, s ** 2) == pytest.approx(truth, rel=1e-7, abs=1e-300)
    assert noise_floor(0.0, 2.0, 0.25) == pytest.approx(1.0 / math.sqrt(2 * math.pi))  # s / sqrt(2 pi), s = 1
    h = np.array([0.01, 0.04])
    assert noise_floor(0.3, 1.0, h) == pytest.approx((noise_floor(0.3, 1.0, 0.01) + noise_floor(0.3, 1.0, 0.04)) / 2)


@pytest.mark.parametrize("m", [0.0, 0.28])
def test_noise_floor_is_the_mean_evppi_of_an_uninformative_input(m):
    """200 seeds of an input that does not enter INB: the mean EVPPI equals the mean floor within 3 SE.

    n = 2048 and a spline input (p = 12): s = sqrt(12 / 1024) = 0.108, so m = 0.28 = 2.6 s.  There
    the formula at the mean leverage alone gives a third of the truth, and the old upper bound
    s / sqrt(2 pi) is 80 times too high; at m = 0 they are 6% and 30% too high (3 and 15 SE).
    """
    raws, floors, ses = [], [], []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        inb = m + rng.normal(size=2048)
        e = evppi(rng.random(2048), inb)
        raws.append(e.raw)
        floors.append(e.floor)
        ses.append(e.se)
    raws, floors = np.array(raws), np.array(floors)
    sem = raws.std(ddof=1) / math.sqrt(raws.size)
    assert abs(raws.mean() - floors.mean()) < 3 * sem
    # and noise is reported as noise (a one-sided 2-SE rule: at most 2.5% by chance; the
    # jackknife is conservative for pure noise, so fewer)
    assert np.mean(raws > floors + 2 * np.array(ses)) <= 0.025


def test_not_distinguishable_flag():
    # a small real effect, far from the decision boundary: E[INB] = 1, g = 1 + 0.6 x, EVPPI(x) = 0.0118
    # (like care_trajectory_cost in Schiedam: the old rule, EVPPI > 2 upper-bound floors, called it ~0)
    rng = np.random.default_rng(9)
    n = 16384
    x, u = rng.normal(size=n), rng.normal(size=n)
    inb = 1.0 + 0.6 * x + 0.5 * rng.normal(size=n)
    e = evppi(x, inb)
    truth = normal_evpi(1.0, 0.6)  # 0.0118
    assert abs(e.value - truth) < K * e.se
    assert e.value > 10 * e.se
    assert e.distinguishable and not _old_rule_distinguishable(e, inb)
    # an input without information: not distinguishable from 0, seed after seed
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        noise = evppi(rng.random(n), 1.0 + 0.6 * x + 0.5 * rng.normal(size=n))
        assert not noise.distinguishable, seed
    for m in (0.0, 0.1):
        assert not evppi(u, m + rng.normal(size=n)).distinguishable
    # the rule itself
    one = Evppi("a", "parameter", ("a",), "a", value=10.0, se=1.0, floor=0.5, raw=10.0, r2=0.1, basis=12)
    assert one.noise_level == 2.5 and one.distinguishable
    assert not Evppi("a", "parameter", ("a",), "a", value=2.5, se=1.0, floor=0.5, raw=2.5, r2=0.1,
                     basis=12).distinguishable


def _old_rule_distinguishable(e, inb) -> bool:
    """The rule before: EVPPI > 2 sigma sqrt(p / n_train) / sqrt(2 pi) (an upper bound at E[INB] = 0)."""
    resid = (1 - e.r2) * inb.var()
    return e.value > 2 * math.sqrt(resid * e.basis / (inb.size // 2)) / math.sqrt(2 * math.pi)


def test_group_basis_grows_for_a_three_way_interaction():
    # INB = x1 x2 x3 + noise: no additive or pairwise structure at all.  E[INB] = 0, so
    # EVPPI = E|x1 x2 x3| / 2 = (2 / pi)^(3/2) / 2 = 0.2540.
    rng = np.random.default_rng(0)
    n = 8192
    x = rng.normal(size=(n, 3))
    inb = x.prod(axis=1) + 0.5 * rng.normal(size=n)
    truth = (2 / math.pi) ** 1.5 / 2
    g = evppi(x, inb, parameters=("x1", "x2", "x3"), name="g")
    assert g.basis_note == "grown: three-way products"
    assert abs(g.value - truth) < K * g.se
    assert g.r2 == pytest.approx(1 / 1.25, abs=0.03)  # var(x1 x2 x3) = 1, noise 0.25
    assert not g.fit_warning
    base = evppi(x, inb, grow=False)
    assert base.r2 < 0.01 and base.value < truth / 3  # what the base basis alone reported
    # shown in the CLI table
    from wotsim.analysis.voi import VoiResult

    v = VoiResult("keep", "d", "npv", ("stop", "keep"), n, float(inb.mean()), 0.0, "keep", 0.5, 0.0,
                  evpi(inb)[0], evpi(inb)[1], (), (g,))
    assert "3-way products" in format_voi([v])


def test_group_fit_below_a_member_alone_is_flagged():
    # INB = sin(16 a): 4 knots per member (the group basis) cannot follow it, 8 knots (a alone) can
    rng = np.random.default_rng(1)
    n = 4096
    x = rng.random((n, 2))
    inb = np.sin(16 * x[:, 0]) + 0.05 + 0.1 * rng.normal(size=n)
    g = evppi(x, inb, parameters=("a", "b"), name="ab", kind="group")
    alone = evppi(x[:, 0], inb)
    assert g.r2 < alone.r2 - 0.01
    assert g.fit_warning.startswith(f"R2 {g.r2:.2f} is below that of a alone ({alone.r2:.2f})")
    assert evppi(x, inb, member_r2=[alone.r2, 0.0]).fit_warning  # the same from given R2s
    assert not evppi(x, inb, member_r2=[g.r2, g.r2]).fit_warning
    from wotsim.analysis.voi import VoiResult

    v = VoiResult("keep", "d", "npv", ("stop", "keep"), n, float(inb.mean()), 0.0, "keep", 0.5, 0.0,
                  evpi(inb)[0], evpi(inb)[1], (), (g,))
    text = format_voi([v])
    assert "R2 < a member's (!)" in text and "warning: ab: R2" in text


def test_standard_errors_of_a_randomised_qmc_design_come_from_its_randomisations():
    # a 16-fold randomised Sobol' design: the SE of E[INB] is the spread of the 16 replicate means
    cfg = config({"x": {"dist": "normal", "mean": 0.2, "sd": 1.0}}, "x", cost=0.0, samples=2**12, sampler="sobol")
    res = simulate(cfg)
    R = getattr(res, "replicates", 1)
    v = keep_voi(res, groups=False)
    inb = res.outputs["npv"]
    if R > 1:
        means = np.array([inb[k::R].mean() for k in range(R)])
        assert v.mean_inb_se == pytest.approx(means.std(ddof=1) / math.sqrt(R), rel=1e-9)
        assert v.jackknife_groups == R and "randomisations" in v.se_method
        # QMC integrates a linear INB far better than independent draws would
        assert v.mean_inb_se < 0.2 * inb.std() / math.sqrt(inb.size)
    else:
        assert v.mean_inb_se == pytest.approx(inb.std(ddof=1) / math.sqrt(inb.size), rel=1e-9)
        assert v.jackknife_groups == 16


def test_noise_floor_with_estimated_variances_is_unbiased():
    # variances estimated with nu degrees of freedom (s^2 chi2_nu / nu, as the jackknife's): averaged over
    # that distribution (by quadrature) the floor is the one at the true s; the plain formula is not
    from scipy import integrate

    s = 0.3
    for nu in (1, 3, 15):
        def mean_floor(m, dof):
            f = lambda q: noise_floor(m, 1.0, s * s * q / nu, dof=dof) * stats.chi2.pdf(q, nu)  # noqa: E731
            return integrate.quad(f, 0, np.inf, limit=200)[0]

        for m in (0.0, 0.3, 0.7):
            assert mean_floor(m, nu) == pytest.approx(noise_floor(m, s, 1.0), rel=1e-5), (nu, m)
        assert mean_floor(0.7, None) > 1.1 * noise_floor(0.7, s, 1.0)  # plugged in: convex, biased up
    assert noise_floor(0.2, 1.0, [0.09, 0.01], dof=1) == pytest.approx((0.3 - 0.2) / 2 / 2)  # U = +-1


def _design(sampler: str, seed: int, d: int, n: int):
    """n rows of d standard normal inputs from the package's sampler (16 randomisations for lhs, sobol)."""
    from wotsim.sampling import DesignStream

    R = 1 if sampler == "mc" else 16
    u = DesignStream(sampler, d, n, seed=np.random.SeedSequence(seed), replicates=R).next(n)
    return stats.norm.ppf(u), R


@pytest.mark.parametrize("sampler, k, seeds", [("sobol", 1, 40), ("lhs", 1, 40), ("sobol", 3, 12)])
def test_noise_floor_follows_the_design(sampler, k, seeds):
    """The floor is the mean EVPPI of an input without information for randomised QMC designs too.

    A Sobol' design fits the coefficients far more accurately than independent draws: the
    floor from the iid regression noise sigma^2 h was 2 to 4 times the mean EVPPI of a noise
    input (ratio 0.53 single, 0.62 for a group here).  The slow calibration
    (tests/test_voi_calibration.py) checks mc, lhs and sobol over 100 seeds.
    """
    diffs, raws, floors = [], [], []
    for seed in range(seeds):
        x, R = _design(sampler, 60 + seed, k + 2, 2048)
        inb = x[:, k] + 0.5 * x[:, k + 1]  # E[INB] = 0: the floor is largest
        e = evppi(x[:, 0] if k == 1 else x[:, :k], inb, replicates=R, grow=False,
                  member_r2=None if k == 1 else [0.0] * k)
        raws.append(e.raw)
        floors.append(e.floor)
        diffs.append(e.raw - e.floor)
    sem = np.std(diffs, ddof=1) / math.sqrt(seeds)
    assert abs(np.mean(diffs)) < 4 * sem, (np.mean(raws) / np.mean(floors), sem / np.mean(floors))
    assert sem < 0.05 * np.mean(floors)  # sharp enough to tell a floor 1.6 times too high


def test_weakly_informative_group_under_sobol_is_not_called_noise():
    # INB = 0.04 (x1 + .. + x4) + x5 + 0.5 x6, a 16-fold randomised Sobol' design: EVPPI of the group
    # (x1..x4) = 0.04 * 2 / sqrt(2 pi) = 0.0319.  Estimated 0.035 +- 0.0013 (25 se); the iid floor was 0.037
    # ("~0"), the design's floor is 0.013
    truth = 0.04 * 2 / math.sqrt(2 * math.pi)
    for seed in range(2):
        x, R = _design("sobol", seed, 6, 8192)
        inb = 0.04 * x[:, :4].sum(axis=1) + x[:, 4] + 0.5 * x[:, 5]
        e = evppi(x[:, :4], inb, replicates=R, grow=False, member_r2=[0.0] * 4)
        assert e.value > 10 * e.se and e.distinguishable, seed
        assert e.floor < 0.5 * e.value
        # its upward bias is within the warning's "up to about max(floor, bias)"
        assert "may be biased upward by up to about" in e.bias_warning
        assert e.value - truth < max(e.floor, e.bias) + 2 * e.se


def test_bias_warning_for_a_large_basis_or_a_high_floor():
    rng = np.random.default_rng(2)
    n = 4096
    x = rng.normal(size=(n, 9))
    inb = 2.0 * x[:, 0] + 0.3 * x[:, 1:8].sum(axis=1) + x[:, 8]
    # a group of 8: 85 columns, 48 draws per column
    g = evppi(x[:, :8], inb, name="g", member_r2=[0.5] + [0.0] * 7, grow=False)
    assert g.distinguishable and g.basis == 85
    assert g.bias_warning.startswith("may be biased upward by up to about ")
    assert "85 regression columns for 4,096 draws, fewer than 200 per column" in g.bias_warning
    assert g.bias_warning.endswith("more samples are needed for a firm value")
    # a strong single parameter: 12 columns, floor and bias about 5% of it: no warning
    strong = evppi(x[:, 0], inb)
    assert strong.distinguishable and max(strong.floor, strong.bias) < 0.1 * strong.value
    assert not strong.bias_warning
    # a weak one: its floor is a sizeable share of it
    weak = evppi(x[:, 0], 0.3 * x[:, 0] + x[:, 8])
    assert weak.distinguishable and weak.floor > 0.1 * weak.value
    assert "its noise floor is" in weak.bias_warning and "% of it" in weak.bias_warning
    # noise gets "~0", not a bias warning
    assert not evppi(x[:, 1], x[:, 8]).bias_warning
    from wotsim.analysis.voi import VoiResult

    v = VoiResult("keep", "d", "npv", ("stop", "keep"), n, float(inb.mean()), 0.0, "keep", 0.5, 0.0,
                  evpi(inb)[0], evpi(inb)[1], (), (g,))
    text = format_voi([v])
    assert "biased up? (!)" in text and "warning: g: may be biased upward" in text


def test_interactions_of_more_members_are_grown_or_flagged():
    rng = np.random.default_rng(7)
    n = 4096
    x = rng.normal(size=(n, 14))
    # a four-way product: no pairwise or three-way structure; EVPPI = E|x1 x2 x3 x4| / 2 = (2 / pi)^2 / 2
    inb = x[:, :4].prod(axis=1) + x[:, 13]
    g = evppi(x[:, :4], inb, member_r2=[0.0] * 4)
    assert g.basis_note == "grown: products of up to 4 members" and g.basis == 35 + 4 + 1
    assert abs(g.value - (2 / math.pi) ** 2 / 2) < K * g.se and g.distinguishable
    assert not g.interaction_warning and not g.fit_warning
    # 13 members: too many to grow, and said so; the three-way product is missed, R2 < 0 and "~0":
    # flagged as possibly missed interactions.  No member finds structure (R2 about 0), so no fit warning
    inb = 0.05 + x[:, :3].prod(axis=1) + x[:, 13]
    names = tuple(f"x{j}" for j in range(13))
    big = evppi(x[:2048, :13], inb[:2048], name="big", parameters=names, member_r2=[0.0] * 12 + [0.009])
    assert big.basis_note == "not grown: group of 13 > 12 members"
    assert big.r2 < -0.01 and not big.distinguishable
    assert big.interaction_warning.startswith(f"R2 {big.r2:.2f} is below 0.05: the basis may miss interactions "
                                              "of more than two members")
    assert not big.fit_warning  # x12 "finds" R2 0.009, below 0.01: nothing to name
    # a member that does find structure is named: the one with the highest R2
    named = evppi(x[:, :4], x[:, :4].prod(axis=1) + x[:, 13], parameters=names[:4], grow=False,
                  member_r2=[0.0, 0.9, 0.7, 0.0])
    assert named.fit_warning.startswith(f"R2 {named.r2:.2f} is below that of x1 alone (0.90)")
    from wotsim.analysis.voi import VoiResult

    v = VoiResult("keep", "d", "npv", ("stop", "keep"), n, float(inb.mean()), 0.0, "keep", 0.5, 0.0,
                  evpi(inb)[0], evpi(inb)[1], (), (big, g))
    text = format_voi([v])
    assert "not grown (13 > 12)" in text and "products up to 4-way" in text
    assert "low R2: interactions? (!)" in text and "warning: big: R2" in text
