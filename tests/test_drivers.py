"""Decision-focused sensitivity against closed forms.

Truths used (X, X_1, X_2 independent uniform on [0, 1], K equal-probability bins):

* ``I = 1[X_1 + X_2 > 1]``: ``E[I | X_1] = X_1``; binned, the bin means of X_1
  are ``(k + 1/2) / K`` with variance ``(K^2 - 1) / (12 K^2)``, and ``Var(I) = 1/4``, so
  ``S_1 = S_2 = (K^2 - 1) / (3 K^2)``; a third input that does not enter has ``S = 0``;
* ``I = 1[X > c]``: bin ``k`` has ``P(I | bin) = `` the share of ``[k/K, (k+1)/K]`` above
  ``c``, and ``S = sum_k (P_k - p)^2 / K / (p (1 - p))`` with ``p = 1 - c``;
* an integer ``H`` uniform on 1..10 and ``I = 1[H/10 + U > 1]``: ``E[I | H] = H / 10``,
  so ``S_H = Var(H/10) / Var(I) = 0.0825 / 0.2475 = 1/3`` when every value has its
  own bin (K >= 10), and ``0.08 / 0.2475`` with quintiles (pairs of values);
* a function of H alone: ``S_H = 1`` exactly, with standard error 0.

Tolerances are Z standard errors (Z = 4) of the estimates themselves: the
reported ``first_order_se`` and binomial ``p_by_bin_se``; where the bins' random
edges add spread to a P(I | bin), the order-statistic sd of the edge is added
in quadrature.  The standard error is itself checked against the spread over
repeated samples.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from wotsim.config.loading import load_config, parse_config
from wotsim.analysis.drivers import binned_first_order, decision_drivers, equal_probability_bins
from wotsim.errors import WotsimError
from wotsim.simulate import simulate

Z = 4.0


def rng(key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(20240601, spawn_key=(key,)))


def step_truth(c: float, K: int) -> float:
    p = 1.0 - c
    edges = np.arange(K + 1) / K
    pk = np.clip((edges[1:] - np.maximum(edges[:-1], c)) / (1.0 / K), 0.0, 1.0)
    return float(np.sum((pk - p) ** 2) / K / (p * (1 - p)))


def sum_truth(K: int) -> float:
    return (K * K - 1) / (3.0 * K * K)


# ---------------------------------------------------------------- bins
def test_equal_probability_bins():
    x = rng(0).random(1000)
    b = equal_probability_bins(x, 8)
    assert np.array_equal(np.bincount(b), np.full(8, 125))
    order = np.argsort(x)
    assert np.all(np.diff(b[order]) >= 0)  # bins follow the values
    h = np.repeat([3.0, 1.0, 2.0], [500, 300, 200])  # ties: each value in one bin
    bh = equal_probability_bins(h, 5)
    for v in (1.0, 2.0, 3.0):
        assert np.unique(bh[h == v]).size == 1
    assert bh[h == 1.0][0] < bh[h == 2.0][0] < bh[h == 3.0][0]


# ---------------------------------------------------------------- estimator against closed forms
@pytest.mark.parametrize("K", [5, 20])
def test_first_order_sum_model(K):
    x = rng(1).random((40_000, 3))
    ind = x[:, 0] + x[:, 1] > 1
    for j, truth in ((0, sum_truth(K)), (1, sum_truth(K)), (2, 0.0)):
        s, se = binned_first_order(x[:, j], ind, K)
        assert abs(s - truth) <= Z * se, (j, s, truth, se)
    # the inert input's SE is at least the chi-square spread sqrt(2 (K - 1)) / n (where a
    # first-order delta method gives ~0); the plug-in term above it is noisy with few bins,
    # hence the loose upper bound (its accuracy over repeated samples is tested below)
    s, se = binned_first_order(x[:, 2], ind, K)
    chi = math.sqrt(2 * (K - 1)) / x.shape[0]
    assert 0.95 * chi <= se <= 3 * chi


@pytest.mark.parametrize("c", [0.33, 0.58, 0.71])
def test_first_order_step(c):
    # (a jump exactly on a bin edge, c = 0.5, is the one case the delta-method SE does not
    # cover: the estimate is then a kinked function of the random edges)
    x = rng(2).random(40_000)
    s, se = binned_first_order(x, x > c, 20)
    assert abs(s - step_truth(c, 20)) <= Z * se


def test_first_order_integer_input():
    g = rng(3)
    h = g.integers(1, 11, 20_000).astype(float)
    u = g.random(20_000)
    ind = h / 10 + u > 1
    s, se = binned_first_order(h, ind, 20)
    assert abs(s - 1 / 3) <= Z * se
    s5, se5 = binned_first_order(h, ind, 5)
    assert abs(s5 - 0.08 / 0.2475) <= Z * se5
    # a function of H alone: exactly 1, no sampling error
    s, se = binned_first_order(h, h >= 5, 20)
    assert s == pytest.approx(1.0, abs=1e-12) and se == pytest.approx(0.0, abs=1e-12)


def test_first_order_invariances():
    g = rng(4)
    x = g.random((9_000, 2))
    ind = x[:, 0] + 0.5 * x[:, 1] > 0.8
    s, se = binned_first_order(x[:, 0], ind, 20)
    # ranks only: a monotone transform of the input changes nothing
    assert binned_first_order(np.exp(3 * x[:, 0]) - 7, ind, 20) == (s, se)
    # the complement indicator has the same variance decomposition
    s_c, se_c = binned_first_order(x[:, 0], ~ind, 20)
    assert s_c == pytest.approx(s, rel=1e-12) and se_c == pytest.approx(se, rel=1e-9)
    # a decreasing transform reverses the bins (n divisible by K): same index
    s_r, _ = binned_first_order(-x[:, 0], ind, 20)
    assert s_r == pytest.approx(s, rel=1e-12)
    # a constant indicator has no index
    assert all(math.isnan(v) for v in binned_first_order(x[:, 0], np.ones(9_000, bool), 20))


@pytest.mark.parametrize("model", ["null", "sum", "step"])
def test_bias_correction_and_se_calibration(model):
    """Over R repeated samples: the mean estimate hits the binned truth (the raw between-bin
    variance would be (K - 1) / n = 0.0095 too high) and the reported SE matches the spread.

    The SE is a second-order approximation; its error (up to ~10% here, conservative at the
    null where it is floored at the chi-square term) is allowed on top of the 4-sigma
    sampling error of a standard deviation estimated from R samples, 4 / sqrt(2 (R - 1)).
    """
    R, n, K = 300, 2000, 20
    g = rng(5)
    est = np.empty(R)
    ses = np.empty(R)
    for r in range(R):
        x = g.random((n, 2))
        ind = {"null": x[:, 1] > 0.3, "sum": x[:, 0] + x[:, 1] > 1, "step": x[:, 0] > 0.33}[model]
        est[r], ses[r] = binned_first_order(x[:, 0], ind, K)
    truth = {"null": 0.0, "sum": sum_truth(K), "step": step_truth(0.33, K)}[model]
    sd = est.std(ddof=1)
    # the step's random bin edges add a known O(1/n) upward bias (docstring): ~ 19 / n here
    bias = 19.0 / n if model == "step" else 0.0
    assert abs(est.mean() - truth - bias) <= Z * sd / math.sqrt(R) + (bias / 2)
    ratio = math.sqrt(np.mean(ses**2)) / sd
    assert abs(ratio - 1) <= 0.10 + Z / math.sqrt(2 * (R - 1)), ratio


# ---------------------------------------------------------------- through simulate
def make_config(parameters, benefit, cost, *, horizon=1, samples=20_000, sampler="mc", cost_duration=None):
    items = [
        {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": benefit},
        {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": cost},
    ]
    if cost_duration is not None:
        items[1]["duration"] = cost_duration
    return parse_config({
        "study": {"name": "t", "horizon": horizon, "discount_rate": 0.0},
        "simulation": {"samples": samples, "seed": 7, "sampler": sampler},
        "stakeholders": {"s": "Society"},
        "parameters": parameters,
        "items": items,
        "outputs": {"net": {"measure": "npv"}, "ratio": {"measure": "ratio"}},
    }, file="<test>")


C = 0.33


@pytest.fixture(scope="module")
def step_run():
    u = {"dist": "uniform", "low": 0.0, "high": 1.0}
    cfg = make_config({"x1": u, "x2": u, "x3": u}, "x1", C)  # NPV = x1 - c; x2, x3 inert
    return simulate(cfg)


def test_drivers_one_parameter(step_run):
    dd = decision_drivers(step_run, output="net")
    n = step_run.n
    assert (dd.output, dd.threshold, dd.n, dd.bins, dd.bins_index) == ("net", 0.0, n, 5, 20)
    assert abs(dd.p_above - (1 - C)) <= Z * dd.p_above_se
    assert dd.parameters[0] == "x1"
    assert abs(dd.first_order[0] - step_truth(C, 20)) <= Z * dd.first_order_se[0]
    for j in (1, 2):
        assert abs(dd.first_order[j]) <= Z * dd.first_order_se[j]
        assert np.all(np.abs(dd.p_by_bin[j] - dd.p_above) <= Z * dd.p_by_bin_se[j])
    # x1 quintiles: [0, 0.2] below c, [0.2, 0.4] straddles it, the rest above
    truth = np.array([0.0, (0.4 - C) / 0.2, 1.0, 1.0, 1.0])
    assert np.array_equal(dd.p_by_bin[0][[0, 2, 3, 4]], truth[[0, 2, 3, 4]])
    # bin 1's share depends on its sample-quantile edges (sd sqrt(q (1 - q) / n) at q = 0.2, 0.4)
    sd_lo, sd_hi = math.sqrt(0.2 * 0.8 / n), math.sqrt(0.4 * 0.6 / n)
    sd_edges = math.hypot((0.4 - C) / 0.04 * sd_lo, (C - 0.2) / 0.04 * sd_hi)
    assert abs(dd.p_by_bin[0][1] - truth[1]) <= Z * math.hypot(dd.p_by_bin_se[0][1], sd_edges)
    assert np.array_equal(dd.bin_counts.sum(axis=1), np.full(3, n))


def test_drivers_metamorphic(step_run):
    """ratio > 1 exactly when NPV > 0 here: identical tables; the computation is deterministic."""
    a = decision_drivers(step_run, output="net")
    b = decision_drivers(step_run, output="ratio")
    assert b.threshold == 1.0 and a.parameters == b.parameters
    for f in ("first_order", "first_order_se", "p_by_bin", "p_by_bin_se"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    c = decision_drivers(step_run, output="net")
    assert np.array_equal(a.first_order, c.first_order) and np.array_equal(a.first_order_se, c.first_order_se)


def test_drivers_integer_horizon():
    cfg = make_config({"H": {"dist": "integer", "low": 1, "high": 10}}, 1.0, 4.5, horizon="H", samples=5_000,
                      cost_duration=1)  # NPV = H - 4.5
    dd = decision_drivers(simulate(cfg), output="net")
    assert np.array_equal(dd.p_by_bin[0], [0.0, 0.0, 1.0, 1.0, 1.0])  # quintiles hold {1,2}, {3,4}, ...
    assert dd.first_order[0] == pytest.approx(1.0, abs=1e-12) and dd.first_order_se[0] == pytest.approx(0, abs=1e-12)


def test_drivers_errors(step_run):
    with pytest.raises(WotsimError, match="'benefits' is an amount with no decision threshold"):
        decision_drivers(step_run, output="benefits")
    with pytest.raises(WotsimError, match="unknown output 'nope'"):
        decision_drivers(step_run, output="nope")
    with pytest.raises(WotsimError, match="bins must be a whole number >= 2, got 1"):
        decision_drivers(step_run, output="net", bins=1)
    with pytest.raises(WotsimError, match="bins_index must be a whole number >= 2"):
        decision_drivers(step_run, output="net", bins_index=2.5)
    with pytest.raises(WotsimError, match=r"at least 2 draws per bin \(40000 for 20000 bins\)"):
        decision_drivers(step_run, output="net", bins_index=20_000)


def test_schiedam_drivers():
    cfg = load_config("configs/schiedam.toml")
    res = simulate(cfg, samples=2**13)
    dd = decision_drivers(res, output="social_ratio")
    assert abs(dd.p_above - res.summary["social_ratio"].p_above) == 0
    assert set(dd.parameters) == set(cfg.uncertain)
    assert np.all(np.diff(dd.first_order) <= 0)
    # independent inputs: first-order indices of the indicator sum to at most 1
    assert dd.first_order.sum() <= 1 + Z * math.sqrt(np.sum(dd.first_order_se**2))
    # the biggest tornado bar moves the decision most (one-way and MC agree on the leader set)
    assert "extra_capacity_share" in dd.parameters[:3]
    # P(I | quintile) moves the right way for a cost driver: lower share -> more often > 1
    j = dd.parameters.index("extra_capacity_share")
    assert dd.p_by_bin[j][0] - dd.p_by_bin[j][-1] > Z * math.hypot(dd.p_by_bin_se[j][0], dd.p_by_bin_se[j][-1])


def test_kept_midranks_equal_a_new_sort():
    """The jackknife's mid-ranks of a subset, read from the full sort, equal a new sort of the subset, bit for bit
    (ties within and across the kept draws; a group left with one kept draw is no longer a tie)."""
    from wotsim.analysis.drivers import _kept_midranks, _midranks, _sorted_midranks

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.integers(0, 40, 3000).astype(float), rng.normal(size=500), [5.0, 5.0]])
    rng.shuffle(x)
    r, ties, sort = _sorted_midranks(x)
    assert ties and np.array_equal(r, _midranks(x)[0])
    for keep in (rng.random(x.size) < 0.9, np.arange(x.size) % 16 != 3, x != 5.0):
        got, got_ties = _kept_midranks(sort, keep)
        want, want_ties = _midranks(x[keep])
        assert got.tobytes() == want.tobytes() and got_ties == want_ties
    few = np.array([1.0, 2.0, 2.0, 3.0])
    assert _kept_midranks(_sorted_midranks(few)[2], np.array([True, True, False, True]))[1] is False
