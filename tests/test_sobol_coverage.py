"""Coverage of the Sobol' confidence intervals over independent seeds (slow).

The intervals are ``t_{R-1} * SE_J`` from the delete-one-block jackknife over
the design's R = 16 independent randomisations (:mod:`wotsim.analysis.sobol`).
Over 40 seeds, for the six indices of each type, the nominal 95% intervals must
cover the analytic indices in 90% to 99% of the 240 cases, at n = 512 and at
n = 4096, for two test functions:

* the Sobol' G-function, d = 6, a = (0, 1, 4.5, 9, 99, 99):
  ``V_i = 1 / (3 (1 + a_i)^2)``, ``V = prod(1 + V_i) - 1``, ``S1_i = V_i / V``,
  ``ST_i = V_i prod_{j != i} (1 + V_j) / V``;
* a linear model with unequal weights, ``Y = sum b_i X_i``, ``X_i ~ U(0, 1)``
  independent: ``S1_i = ST_i = b_i^2 / sum b_j^2``.

Why 90-99%: with honest 95% intervals the count of misses among 240 is about
binomial(240, 0.05), mean 12, sd 3.4 (more with the correlation between a
seed's indices); 90% and 99% are 12 misses above and 9.6 below the mean.  The
iid bootstrap these intervals replace covered 98-100%.  The figures are printed
(``pytest -s``) so that a run can be compared with the ones reported.
"""

from __future__ import annotations

import numpy as np
import pytest

from wotsim.analysis.sobol import sobol_of_function

pytestmark = pytest.mark.slow

SEEDS = range(1, 41)
G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
LINEAR_B = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 0.5])


def g_function(x: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * x - 2) + G_A) / (1 + G_A), axis=1)


def g_truth() -> tuple[np.ndarray, np.ndarray]:
    vi = 1 / (3 * (1 + G_A) ** 2)
    v = np.prod(1 + vi) - 1
    st = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(G_A.size)]) / v
    return vi / v, st


def linear(x: np.ndarray) -> np.ndarray:
    return x @ LINEAR_B


def linear_truth() -> tuple[np.ndarray, np.ndarray]:
    s = LINEAR_B**2 / np.sum(LINEAR_B**2)
    return s, s


MODELS = {"G-function": (g_function, g_truth), "linear": (linear, linear_truth)}


def coverage(f, truth, n: int) -> tuple[float, float]:
    """Share of the 6 x 40 first-order and of the total-order intervals that cover the truth."""
    s1, st = truth()
    hit1, hitt = [], []
    for seed in SEEDS:
        ind = sobol_of_function(f, s1.size, n, seed=seed)
        hit1.append(np.abs(ind.S1 - s1) <= ind.S1_conf)
        hitt.append(np.abs(ind.ST - st) <= ind.ST_conf)
    return float(np.mean(hit1)), float(np.mean(hitt))


@pytest.mark.parametrize("n", [512, 4096])
@pytest.mark.parametrize("model", list(MODELS))
def test_nominal_95_intervals_cover_the_truth_90_to_99_percent(model, n):
    f, truth = MODELS[model]
    c1, ct = coverage(f, truth, n)
    print(f"\ncoverage of nominal 95% intervals, {model}, n = {n}, {len(SEEDS)} seeds: S1 {c1:.1%}, ST {ct:.1%}")
    assert 0.90 <= c1 <= 0.99, c1
    assert 0.90 <= ct <= 0.99, ct
