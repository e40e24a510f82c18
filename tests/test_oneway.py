"""One-way sensitivity (tornado data) and switching values against closed forms.

Truths used:

* a linear NPV, ``NPV = sum_i a_i X_i - C`` with normal ``X_i``: with parameter
  ``i`` at its quantile ``q`` and the others at base, ``NPV = NPV_0 + a_i (q - m_i)``;
  the switching value solves ``NPV_0 + a_i (x - m_i) = 0``, so
  ``x* = m_i - NPV_0 / a_i`` and its percentile is ``100 Phi((x* - m_i) / s_i)``;
* an integer horizon with a constant yearly benefit and a one-off cost:
  ``NPV(H) = b * annuity(H, r) - C`` is increasing in ``H``, so the switching
  value is the first whole horizon on the other side of zero;
* a quadratic with two roots, to check that the crossing nearest the base wins.

Tolerances: outputs are sums of a few products (REL = 1e-12 relative to the
magnitudes involved); switching values come from brentq run to
``XTOL_REL`` of the searched range, so they are checked to 10 x that.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import stats

from wotsim.config.loading import load_config, parse_config
from wotsim.errors import WotsimError
from wotsim.analysis.oneway import UNBOUNDED_RANGE, XTOL_REL, one_way, switching_value
from wotsim.simulate import base_case

REL = 1e-12
SCHIEDAM = "configs/schiedam.toml"


def make_config(parameters, benefit, cost, *, horizon=1, rate=0.0, cost_duration=None, outputs=None):
    items = [
        {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": benefit},
        {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": cost},
    ]
    if cost_duration is not None:
        items[1]["duration"] = cost_duration
    data = {
        "study": {"name": "t", "horizon": horizon, "discount_rate": rate},
        "stakeholders": {"s": "Society"},
        "parameters": parameters,
        "items": items,
        "outputs": outputs or {"net": {"measure": "npv"}, "ratio": {"measure": "ratio"}},
    }
    return parse_config(data, file="<test>")


# ---------------------------------------------------------------- linear model with normal inputs
MEANS = {"x1": 10.0, "x2": 5.0, "x3": 1.0}
SDS = {"x1": 2.0, "x2": 1.0, "x3": 0.1}
COEF = {"x1": 3.0, "x2": -4.0, "x3": 2.0}
COST = 10.0
NPV0 = sum(COEF[k] * MEANS[k] for k in MEANS) - COST  # 2.0


@pytest.fixture(scope="module")
def linear():
    params = {k: {"dist": "normal", "mean": MEANS[k], "sd": SDS[k], "label": f"input {k}"} for k in MEANS}
    benefit = " + ".join(f"({COEF[k]}) * {k}" for k in MEANS)
    return make_config(params, benefit, COST)


@pytest.mark.parametrize("low, high", [(5.0, 95.0), (10.0, 90.0)])
def test_tornado_linear_closed_form(linear, low, high):
    res = one_way(linear, output="net", low=low, high=high)
    assert res.measure == "npv" and res.threshold == 0.0
    assert res.base == pytest.approx(NPV0, rel=REL)
    assert (res.low_percentile, res.high_percentile) == (low, high)
    scale = sum(abs(COEF[k]) * MEANS[k] for k in MEANS) + COST
    z_lo, z_hi = stats.norm.ppf(low / 100), stats.norm.ppf(high / 100)
    for bar in res.bars:
        k = bar.parameter
        assert bar.label == f"input {k}"
        assert bar.low_input == pytest.approx(MEANS[k] + z_lo * SDS[k], rel=REL)
        assert bar.high_input == pytest.approx(MEANS[k] + z_hi * SDS[k], rel=REL)
        assert bar.low_output == pytest.approx(NPV0 + COEF[k] * z_lo * SDS[k], abs=REL * scale)
        assert bar.high_output == pytest.approx(NPV0 + COEF[k] * z_hi * SDS[k], abs=REL * scale)
        assert bar.swing == pytest.approx(abs(COEF[k]) * SDS[k] * (z_hi - z_lo), abs=2 * REL * scale)
    # swings 3*2, 4*1, 2*0.1 (times z_hi - z_lo): x1, x2, x3
    assert [b.parameter for b in res.bars] == ["x1", "x2", "x3"]
    assert [s.parameter for s in res.switching] == ["x1", "x2", "x3"]


def test_switching_linear_closed_form(linear):
    res = one_way(linear, output="net")
    by = {s.parameter: s for s in res.switching}
    for k in ("x1", "x2"):
        x_star = MEANS[k] - NPV0 / COEF[k]
        width = SDS[k] * (stats.norm.ppf(UNBOUNDED_RANGE[1]) - stats.norm.ppf(UNBOUNDED_RANGE[0]))
        tol = 10 * XTOL_REL * max(width, abs(x_star))
        assert by[k].value == pytest.approx(x_star, abs=tol)
        pct = 100 * stats.norm.cdf((x_star - MEANS[k]) / SDS[k])
        assert by[k].percentile == pytest.approx(pct, abs=100 * stats.norm.pdf(0) / SDS[k] * tol + 1e-12)
        assert "0.1% and 99.9% quantiles" in by[k].note
    assert "above" in by["x1"].note and "below" in by["x2"].note  # NPV rises with x1, falls with x2
    # x3 would need a value 10 sd below its mean: outside [q0.001, q0.999]
    assert by["x3"].value is None and by["x3"].percentile is None
    assert by["x3"].note.startswith("does not cross within its range")


def test_switching_ratio_equals_npv(linear):
    """ratio > 1 exactly when NPV > 0 (same items, positive costs): same switching values."""
    npv = {s.parameter: s for s in one_way(linear, output="net").switching}
    ratio = one_way(linear, output="ratio")
    assert ratio.threshold == 1.0
    assert ratio.base == pytest.approx((NPV0 + COST) / COST, rel=REL)
    for s in ratio.switching:
        if npv[s.parameter].value is None:
            assert s.value is None
        else:
            assert s.value == pytest.approx(npv[s.parameter].value, abs=10 * XTOL_REL * 10 * SDS[s.parameter])


# ---------------------------------------------------------------- integer horizon
@pytest.mark.parametrize("rate", [0.0, 0.03])
@pytest.mark.parametrize("base", [7, 2])
def test_integer_horizon_switching(rate, base):
    cost = 4.5
    cfg = make_config({"H": {"dist": "integer", "low": 1, "high": 10, "base": base}}, 1.0, cost,
                      horizon="H", rate=rate, cost_duration=1)

    def npv(h):
        return sum((1 + rate) ** -t for t in range(h)) - cost

    res = one_way(cfg, output="net")
    (bar,), (sw,) = res.bars, res.switching
    assert (bar.low_input, bar.high_input) == (1.0, 10.0)  # randint(1, 10) 5th and 95th percentiles
    assert bar.low_output == pytest.approx(npv(1), rel=REL)
    assert bar.high_output == pytest.approx(npv(10), rel=REL)
    assert res.base == pytest.approx(npv(base), rel=REL)
    # first whole horizon on the other side of zero, nearest the base
    other = [h for h in range(1, 11) if (npv(h) > 0) != (npv(base) > 0)]
    expected = min(other, key=lambda h: (abs(h - base), h))
    assert expected == (4 if base == 7 else 5)
    assert sw.value == expected
    assert sw.percentile == pytest.approx(100 * expected / 10, rel=REL)  # cdf of randint(1, 10)
    assert ("<= 0" if base == 7 else "> 0") in sw.note


# ---------------------------------------------------------------- several crossings, none, amounts
@pytest.mark.parametrize("base, root", [(0.35, 0.4), (0.62, 0.6), (0.52, 0.6), (0.48, 0.4)])
def test_nearest_of_two_crossings(base, root):
    # NPV = (x - 0.5)^2 - 0.01: roots 0.4 and 0.6; x uniform on [0, 1]
    cfg = make_config({"x": {"dist": "uniform", "low": 0.0, "high": 1.0, "base": base}}, "(x - 0.5)**2", 0.01)
    sw = switching_value(cfg, "x", output="net")
    assert sw.value == pytest.approx(root, abs=10 * XTOL_REL)
    assert sw.percentile == pytest.approx(100 * root, abs=1000 * XTOL_REL)
    assert "2 crossings" in sw.note
    assert "0.1%" not in sw.note  # bounded support: searched over all of it


def test_does_not_cross_bounded():
    cfg = make_config({"x": {"dist": "uniform", "low": 0.0, "high": 1.0}}, "x + 2", 1.0)
    sw = one_way(cfg, output="net").switching[0]
    assert (sw.value, sw.percentile) == (None, None)
    assert sw.note == "does not cross within its range"


def test_crossing_at_the_support_edge():
    # NPV = x - 1 on [0, 1]: zero exactly at the upper end of the support
    cfg = make_config({"x": {"dist": "uniform", "low": 0.0, "high": 1.0}}, "x", 1.0)
    sw = switching_value(cfg, "x", output="net")
    assert sw.value == 1.0 and sw.percentile == 100.0


def test_amount_output_has_tornado_but_no_switching(linear):
    res = one_way(linear, output="benefits")
    assert res.measure == "amount" and math.isnan(res.threshold)
    assert res.base == pytest.approx(NPV0 + COST, rel=REL)
    assert all(s.value is None and "no threshold" in s.note for s in res.switching)


def test_errors(linear):
    with pytest.raises(WotsimError, match="unknown output 'nope'.*known outputs: net, ratio"):
        one_way(linear, output="nope")
    with pytest.raises(WotsimError, match="low percentile must be < high percentile"):
        one_way(linear, output="net", low=60, high=40)
    with pytest.raises(WotsimError, match="high percentile must be a number strictly between 0 and 100"):
        one_way(linear, output="net", high=100)
    with pytest.raises(WotsimError, match="unknown parameter 'x9'"):
        switching_value(linear, "x9", output="net")


def test_stakeholder_output():
    cfg = make_config({"x": {"dist": "uniform", "low": 0.0, "high": 2.0}}, "x", 1.0)
    res = one_way(cfg, output="net:s")
    assert res.measure == "npv" and res.base == pytest.approx(0.0, abs=REL)
    assert res.switching[0].value == pytest.approx(1.0, abs=10 * XTOL_REL * 2)


# ---------------------------------------------------------------- Schiedam
@pytest.fixture(scope="module")
def schiedam():
    return load_config(SCHIEDAM)


def test_schiedam_tornado(schiedam):
    res = one_way(schiedam, output="social_ratio")
    base = base_case(schiedam).outputs["social_ratio"]
    assert res.base == pytest.approx(base, rel=REL)
    out = schiedam.outputs["social_ratio"]
    assert abs(res.base - out.target) <= out.tolerance
    assert {b.parameter for b in res.bars} == set(schiedam.uncertain)
    swings = [b.swing for b in res.bars]
    assert swings == sorted(swings, reverse=True)
    for b in res.bars:
        assert b.swing == abs(b.high_output - b.low_output)
    # Independent path: fix the parameter at its low input in the config and run the base case.
    for b in res.bars[:3] + tuple(x for x in res.bars if x.parameter == "horizon_years"):
        raw = copy.deepcopy(dict(schiedam.raw))
        raw.pop("studies")  # a study of a parameter fixed here is refused; the base case does not read them
        spec = raw["parameters"][b.parameter]
        raw["parameters"][b.parameter] = {k: v for k, v in spec.items() if k in ("unit", "group", "source", "label")}
        raw["parameters"][b.parameter]["value"] = b.low_input
        assert base_case(parse_config(raw)).outputs["social_ratio"] == pytest.approx(b.low_output, rel=REL)


def test_schiedam_switching(schiedam):
    res = one_way(schiedam, output="social_ratio")
    by = {s.parameter: s for s in res.switching}
    # The horizon: 3 years drops the ratio below 1 (domain notes: 0.95), 4 years does not.
    h = by["horizon_years"]
    assert h.value == 3.0 and h.percentile == pytest.approx(20.0, rel=REL)
    bars = {b.parameter: b for b in res.bars}
    assert bars["horizon_years"].low_output == pytest.approx(0.95, abs=0.005)
    # At a continuous switching value the ratio is 1 (to the root finder's tolerance).
    from wotsim.analysis.oneway import _outputs_with

    for s in res.switching[:10]:
        if s.value is None or schiedam.parameters[s.parameter].dist.integer:
            continue
        lo, hi = schiedam.parameters[s.parameter].dist.support()
        step = 10 * XTOL_REL * (hi - lo)
        y = _outputs_with(schiedam, "social_ratio", s.parameter, np.array([s.value - step, s.value + step]))
        assert (y[0] - 1) * (y[1] - 1) <= 0
        assert s.percentile == pytest.approx(100 * schiedam.parameters[s.parameter].dist.cdf(s.value), rel=REL)
    # The municipal financial ratio (0.75) cannot reach 1 by moving one parameter within its range.
    fin = one_way(schiedam, output="financial_ratio")
    assert fin.base == pytest.approx(0.75, abs=schiedam.outputs["financial_ratio"].tolerance)
    assert max(max(b.low_output, b.high_output) for b in fin.bars) < 1
    assert all(s.value is None and s.note == "does not cross within its range" for s in fin.switching)


def test_one_ways_in_forked_workers_equal_one_by_one(linear, monkeypatch):
    """``one_ways`` (a report's one-way analyses at once, in forked workers where there are CPUs) gives each
    job's ``one_way``, in the jobs' order."""
    from wotsim._fork import fork_workers
    from wotsim.analysis.oneway import one_ways

    import threading

    # a thread an earlier test left (a notebook kernel's client) would turn forking off
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if fork_workers(2) < 2:
        pytest.skip("no forked workers here (not Linux)")
    schiedam = load_config("configs/schiedam.toml")
    jobs = [(linear, "ratio"), (schiedam, "social_ratio"), (linear, "npv"), (schiedam, "financial_ratio")]
    got = one_ways(jobs)
    assert [repr(r) for r in got] == [repr(one_way(c, output=o)) for c, o in jobs]
    assert one_ways([]) == []
