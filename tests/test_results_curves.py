"""SimulationResult views used by the figures: cumulative bands, exceedance, convergence, values_of.

The model has closed forms (x ~ U(0, 2), y ~ U(0, 1), discount rate 0, horizon 3):

* stakeholder ``a`` gains 1e6·x in each of years 0, 1, 2 and pays 1.5e6 in year 0:
  cumulative net value in year t is 1e6·((t + 1)·x − 1.5);
* stakeholder ``b`` gains 1e6·y in year 1 only;
* ``ratio_a`` = 3e6·x / 1.5e6 = 2x ~ U(0, 4): P(ratio ≥ t) = 1 − t/4.

Tolerances are four Monte Carlo standard errors (binomial for probabilities,
sqrt(q (1 − q) / n) / f(x_q) for quantiles, sd / sqrt(n) for means).
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.errors import ResultsError, WotsimError

CONFIG = """
[study]
name = "closed-form test"
currency = "EUR"
price_year = 2019
horizon = 3
discount_rate = 0.0

[simulation]
samples = 8192
seed = 7
sampler = "mc"

[stakeholders]
a = "Stakeholder A"
b = "Stakeholder B"

[parameters.x]
dist = "uniform"
low = 0.0
high = 2.0

[parameters.y]
dist = "uniform"
low = 0.0
high = 1.0

[[items]]
id = "gain_a"
kind = "benefit"
stakeholder = "a"
financial = true
value = "x * 1e6"

[[items]]
id = "outlay"
kind = "cost"
stakeholder = "a"
financial = true
value = 1.5e6
duration = 1

[[items]]
id = "gain_b"
kind = "benefit"
stakeholder = "b"
financial = false
value = "y * 1e6"
start = 1
duration = 1

[outputs.ratio_a]
label = "Ratio for A"
benefits = { stakeholder = "a" }
costs = "all"
target = 2.0

[outputs.net]
label = "Net present value"
measure = "npv"
"""

N = 8192


@pytest.fixture(scope="module")
def result():
    config = parse_config(tomllib.loads(CONFIG), file="closed-form.toml")
    return simulate(config)


def _quantile_se(q: float, n: int, density: float) -> float:
    return math.sqrt(q * (1 - q) / n) / density


# ------------------------------------------------------------------ cumulative bands
def test_cumulative_bands_match_closed_form_quantiles(result):
    bands = result.cumulative_bands("a", levels=(50.0, 90.0))
    assert bands.years.tolist() == [0, 1, 2]
    assert bands.levels == (50.0, 90.0)
    assert bands.lower.shape == bands.upper.shape == (2, 3)
    for t in range(3):
        # cumulative_t = 1e6 ((t+1) x - 1.5), x ~ U(0, 2): quantile 1e6 (2 (t+1) q - 1.5), density 1 / (2e6 (t+1))
        def truth(q: float) -> float:
            return 1e6 * (2 * (t + 1) * q - 1.5)

        density = 1 / (2e6 * (t + 1))
        for q, got in [(0.5, bands.median[t]), (0.25, bands.lower[0, t]), (0.75, bands.upper[0, t]),
                       (0.05, bands.lower[1, t]), (0.95, bands.upper[1, t])]:
            assert abs(got - truth(q)) < 4 * _quantile_se(q, N, density), (t, q)


def test_cumulative_bands_are_exact_percentiles_of_the_draws(result):
    bands = result.cumulative_bands(levels=(80.0,))
    expected = np.percentile(result.cumulative, [50, 10, 90], axis=0)
    np.testing.assert_array_equal(bands.median, expected[0])
    np.testing.assert_array_equal(bands.lower[0], expected[1])
    np.testing.assert_array_equal(bands.upper[0], expected[2])
    assert bands.stakeholder is None and bands.n == N


def test_cumulative_bands_nest_and_base_case_is_deterministic(result):
    bands = result.cumulative_bands(levels=(50.0, 90.0))
    assert np.all(bands.lower[1] <= bands.lower[0]) and np.all(bands.lower[0] <= bands.median)
    assert np.all(bands.median <= bands.upper[0]) and np.all(bands.upper[0] <= bands.upper[1])
    # base: x = 1 (median of U(0, 2)), y = 0.5: total = a + b by year
    a = [1e6 * ((t + 1) * 1.0 - 1.5) for t in range(3)]
    b = [0.0, 0.5e6, 0.5e6]
    np.testing.assert_allclose(bands.base, np.add(a, b), rtol=1e-6)
    np.testing.assert_allclose(result.cumulative_bands("a").base, a, rtol=1e-6)


def test_cumulative_bands_of_a_stakeholder_with_nothing_in_year_zero(result):
    bands = result.cumulative_bands("b", levels=(90.0,))
    assert bands.median[0] == 0 and bands.lower[0, 0] == 0 and bands.upper[0, 0] == 0
    # years 1, 2: 1e6 y, y ~ U(0, 1): quantile 1e6 q, density 1e-6
    for t in (1, 2):
        assert abs(bands.upper[0, t] - 0.95e6) < 4 * _quantile_se(0.95, N, 1e-6)


def test_cumulative_bands_reject_bad_input(result):
    with pytest.raises(ResultsError, match="unknown stakeholder 'c'; known: a, b"):
        result.cumulative_bands("c")
    with pytest.raises(ResultsError, match="levels must be percentages strictly between 0 and 100"):
        result.cumulative_bands(levels=(100.0,))


# ------------------------------------------------------------------ exceedance
def test_exceedance_matches_uniform_survival_function(result):
    t = np.array([0.5, 1.0, 2.0, 3.0, 3.5])
    ex = result.exceedance("ratio_a", t)
    truth = 1 - t / 4
    se = np.sqrt(truth * (1 - truth) / N)
    assert np.all(np.abs(ex.p - truth) < 4 * se)
    np.testing.assert_allclose(ex.se, np.sqrt(ex.p * (1 - ex.p) / N))
    assert ex.n == N


def test_exceedance_is_the_share_of_draws_at_or_above(result):
    values = result.outputs["ratio_a"]
    t = np.concatenate([values[:5], [-1.0, 10.0]])  # ties at draws: ">=" counts them
    ex = result.exceedance("ratio_a", t)
    np.testing.assert_array_equal(ex.p, [np.mean(values >= v) for v in t])
    assert ex.p[-2] == 1.0 and ex.p[-1] == 0.0


def test_exceedance_default_grid_covers_break_even_and_base(result):
    ex = result.exceedance("net")
    s = result.summary["net"]
    assert ex.thresholds.size == 401 and np.all(np.diff(ex.thresholds) > 0)
    assert ex.thresholds[0] <= min(s.threshold, s.base) and ex.thresholds[-1] >= max(s.threshold, s.base)
    assert np.all(np.diff(ex.p) <= 0)  # a survival function never rises


def test_exceedance_rejects_two_dimensional_thresholds(result):
    with pytest.raises(ResultsError, match="one-dimensional"):
        result.exceedance("ratio_a", np.zeros((2, 2)))


# ------------------------------------------------------------------ convergence
def test_convergence_prefixes_are_powers_of_two_and_end_at_the_summary(result):
    conv = result.convergence("ratio_a", n_min=64)
    assert conv.n.tolist() == [2 ** k for k in range(6, 14)]
    s = result.summary["ratio_a"]
    assert conv.threshold == 1.0
    assert conv.p_above[-1] == s.p_above and conv.p_above_se[-1] == s.p_above_se
    assert conv.mean[-1] == s.mean and conv.mean_se[-1] == s.mean_se


def test_convergence_estimates_are_prefix_statistics_within_four_se_of_truth(result):
    conv = result.convergence("ratio_a", n_min=100)  # rounded up to 128
    values = result.outputs["ratio_a"]
    assert conv.n[0] == 128
    for m, p, mean in zip(conv.n, conv.p_above, conv.mean):
        assert p == np.mean(values[:m] > 1) and mean == np.mean(values[:m])
    # ratio = 2x ~ U(0, 4): P(> 1) = 3/4, mean 2, sd 4 / sqrt(12)
    p_se = np.sqrt(0.75 * 0.25 / conv.n)
    mean_se = (4 / math.sqrt(12)) / np.sqrt(conv.n)
    assert np.all(np.abs(conv.p_above - 0.75) < 4 * p_se)
    assert np.all(np.abs(conv.mean - 2.0) < 4 * mean_se)


def test_convergence_appends_n_when_not_a_power_of_two():
    config = parse_config(tomllib.loads(CONFIG), file="closed-form.toml")
    small = simulate(config, samples=300)
    assert small.convergence("net", n_min=64).n.tolist() == [64, 128, 256, 300]
    assert small.convergence("net", n_min=512).n.tolist() == [300]
    with pytest.raises(ResultsError, match="n_min must be >= 2"):
        small.convergence("net", n_min=1)


# ------------------------------------------------------------------ values_of
def test_values_of_outputs_and_stakeholders(result):
    np.testing.assert_array_equal(result.values_of("ratio_a"), result.outputs["ratio_a"])
    np.testing.assert_array_equal(result.values_of("net:b"), result.stakeholder_net["b"])
    with pytest.raises(WotsimError, match=r"unknown output 'nope'; known: .*ratio_a.*net:a, net:b"):
        result.values_of("nope")
