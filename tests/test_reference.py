"""The vectorised model against the plain per-sample oracle in wotsim._reference.

Three layers:

* the model alone: both sides get the same exact (scipy) parameter values, so
  they differ only by rounding in a different order (discount factors built by
  repeated multiplication vs a power): measured <= 3 ulp; ``RTOL_MODEL`` = 64 ulp;
* the ppf tables against scipy's ppf, parameter by parameter: measured
  <= 4.4e-13 relative on these configs (gamma and beta; the tables are built
  from scipy's ppf below the median and its isf above, which disagree at that
  level); ``RTOL_PPF`` = 5e-13;
* the whole chain (uniforms -> tabulated ppf -> model) against the oracle's
  scalar scipy ppf: an item value multiplies up to five parameters, whose
  table errors add; measured <= 9.1e-13, ``RTOL_CHAIN`` = 1e-12.

The oracle itself is checked against a closed-form geometric sum.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wotsim import load_config, parse_config
from wotsim._reference import item_streams, reference_evaluate, reference_item_pv, sample_values
from wotsim.errors import WotsimError
from wotsim.model import evaluate, parameter_values
from wotsim.sampling import EPS, DesignStream, stream

ROOT = Path(__file__).resolve().parents[1]
#: Rounding only (measured <= 3 ulp).
RTOL_MODEL = 64 * np.finfo(float).eps
#: Tabulated ppf vs scipy's ppf (measured <= 4.4e-13).
RTOL_PPF = 5e-13
#: Tabulated ppf errors of up to five factors of an item value (measured <= 9.1e-13).
RTOL_CHAIN = 1e-12
#: float32 unit roundoff, for the yearly net values.
F32_U = 2.0**-24

N_SAMPLES = 150  # random rows beside the five at the tails; each tolerance is a bound, not a statistic


def _design(config, n: int, seed: int) -> np.ndarray:
    """Random rows plus rows at the extreme tails (where the ppf tables hand over to scipy)."""
    d = len(config.uncertain)
    u = DesignStream("mc", d, n, seed=stream(seed, "montecarlo")).next(n)
    u[0], u[1] = EPS, 1.0 - EPS
    u[2], u[3] = 1e-9, 1.0 - 1e-9
    u[4] = 0.5
    return u


def _exact_values(config, u):
    """Parameter values through scipy's own ppf (array form), bypassing the tables."""
    values = {}
    col = 0
    for name, p in config.parameters.items():
        if p.dist.fixed:
            values[name] = p.dist.base
        else:
            values[name] = p.dist.rv.ppf(u[:, col])
            col += 1
    return values


SCHEDULE = {
    "study": {"name": "schedule", "horizon": "h", "discount_rate": "r"},
    "stakeholders": {"a": "A", "b": "B"},
    "parameters": {
        "h": {"dist": "integer", "low": 2, "high": 9},
        "r": {"dist": "uniform", "low": 0.0, "high": 0.08},
        "x": {"dist": "lognormal", "median": 100.0, "gsd": 1.5},
        "g": {"dist": "gamma", "mean": 50.0, "sd": 20.0},
        "bt": {"dist": "beta", "mean": 0.3, "sd": 0.1},
        "tn": {"dist": "truncnormal", "mean": 10.0, "sd": 4.0, "low": 2.0, "high": 20.0},
        "tri": {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 5.0},
        "pe": {"dist": "pert", "low": 0.2, "mode": 0.5, "high": 0.9},
        "nm": {"dist": "normal", "mean": 5.0, "sd": 1.0},
        "c": {"value": 3.0},
    },
    "derived": {"dx": "x * tri + g"},
    "items": [
        {"id": "open_ended", "kind": "benefit", "stakeholder": "a", "financial": True,
         "value": "dx * bt", "persistence": "pe"},
        {"id": "delayed", "kind": "benefit", "stakeholder": "b", "financial": True,
         "value": "g * tn", "start": 2, "duration": 3},
        {"id": "past_horizon", "kind": "benefit", "stakeholder": "b", "financial": False,
         "value": "exp(nm / 5) * x", "start": 4, "duration": 10, "persistence": "pe"},
        {"id": "upfront", "kind": "cost", "stakeholder": "a", "financial": True,
         "value": "c * tri * 10", "duration": 1},
        {"id": "switch", "kind": "cost", "stakeholder": "b", "financial": True,
         "value": "where(h > 5, x, g)", "start": 1, "duration": 2, "persistence": 0.9},
        {"id": "late", "kind": "benefit", "stakeholder": "a", "financial": False,
         "value": "sqrt(bt) * x", "start": 8},
        {"id": "one_off", "kind": "benefit", "stakeholder": "a", "financial": True,
         "value": "tn", "start": 1, "persistence": 0},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}


@pytest.fixture(scope="module")
def schiedam():
    return load_config(ROOT / "configs" / "schiedam.toml")


@pytest.fixture(scope="module")
def schedule():
    return parse_config(SCHEDULE, file="<schedule>")


@pytest.fixture(scope="module", params=["schiedam", "schedule"])
def case(request, schiedam, schedule):
    config = schiedam if request.param == "schiedam" else schedule
    u = _design(config, N_SAMPLES, seed=11)
    return config, u, reference_evaluate(config, u)


def test_model_alone_matches_oracle(case):
    config, u, ref = case
    vec = evaluate(config, _exact_values(config, u), len(u))
    np.testing.assert_allclose(vec.item_pv, ref.item_pv, rtol=RTOL_MODEL, atol=0)


def test_tables_match_scipy_per_parameter(case):
    config, u, _ = case
    fast = parameter_values(config, u)
    exact = _exact_values(config, u)
    for name in config.uncertain:
        np.testing.assert_allclose(fast[name], exact[name], rtol=RTOL_PPF, atol=0, err_msg=name)


def test_whole_chain_matches_oracle(case):
    config, u, ref = case
    vec = evaluate(config, parameter_values(config, u), len(u))
    np.testing.assert_allclose(vec.item_pv, ref.item_pv, rtol=RTOL_CHAIN, atol=0)
    assert np.array_equal(reference_item_pv(config, u[:20]), ref.item_pv[:20])


def test_yearly_matches_oracle_to_float32_rounding(case):
    """Each float32 cell is rounded once per item added (vectorised) or once (oracle)."""
    config, u, ref = case
    vec = evaluate(config, parameter_values(config, u), len(u))
    stakeholders = list(config.stakeholders)
    scale = np.zeros(ref.yearly.shape)  # sum of |amount| per cell
    count = np.zeros(ref.yearly.shape)  # items adding to the cell
    for row in range(len(u)):
        for item, s in zip(config.items, item_streams(config, sample_values(config, u[row].tolist()))):
            k = stakeholders.index(item.stakeholder)
            for t, amount in s:
                scale[row, k, t] += abs(amount)
                count[row, k, t] += 1
    bound = (count + 1) * F32_U * scale * (1 + RTOL_CHAIN) + RTOL_CHAIN * scale
    err = np.abs(vec.yearly.astype(float) - ref.yearly.astype(float))
    assert np.all(err <= bound)
    assert np.any(scale > 0)


def test_schedule_exercises_horizon_and_start(schedule):
    """The schedule config hits every branch: streams cut by the horizon, late starts, zero PVs."""
    u = _design(schedule, N_SAMPLES, seed=11)
    ref = reference_item_pv(schedule, u)
    h = parameter_values(schedule, u)["h"]
    late = [it.id for it in schedule.items].index("late")
    assert np.all(ref[h < 9, late] == 0) and np.all(ref[h == 9, late] > 0)
    assert len(np.unique(h)) == 8


def test_oracle_matches_geometric_sum():
    """PV of V rho^(t-s) (1+r)^-t over s <= t < min(s + D, H): a closed form."""
    V, rho, r, s, D, H = 250.0, 0.7, 0.04, 2, 4, 5
    config = parse_config({
        "study": {"name": "geo", "horizon": H, "discount_rate": r},
        "stakeholders": {"a": "A"},
        "parameters": {"v": {"dist": "uniform", "low": V - 1, "high": V + 1}},
        "items": [
            {"id": "b", "kind": "benefit", "stakeholder": "a", "financial": True,
             "value": "v", "start": s, "duration": D, "persistence": rho},
            {"id": "c", "kind": "cost", "stakeholder": "a", "financial": True, "value": 1.0, "duration": 1},
        ],
    }, file="<geo>")
    q = rho / (1 + r)
    years = min(s + D, H) - s
    expected = V * (1 + r) ** -s * (1 - q**years) / (1 - q)
    pv = reference_item_pv(config, np.array([[0.5]]))
    np.testing.assert_allclose(pv[0], [expected, 1.0], rtol=64 * np.finfo(float).eps)


def test_oracle_rejects_wrong_shape(schedule):
    with pytest.raises(WotsimError, match=r"shape \(n, 9\)"):
        reference_item_pv(schedule, np.full((3, 4), 0.5))
