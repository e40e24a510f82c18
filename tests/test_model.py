"""Present values of the model against closed forms.

For an item with first-year amount ``V``, persistence ``rho``, first year ``s``
and duration ``D`` under horizon ``H`` and discount rate ``r``, the present value
is the geometric sum

    PV = V (1 + r)^-s  sum_{k=0}^{m-1} q^k = V (1 + r)^-s (1 - q^m) / (1 - q),
    q = rho / (1 + r),  m = max(0, min(D, H - s)),

(``m V (1 + r)^-s`` when q = 1).  A constant stream from year 0 over the
whole horizon is the annuity V (1 - (1 + r)^-H) / (1 - 1 / (1 + r)).

Tolerances: the model accumulates the discount factor and the fade by repeated
multiplication, so a year-t amount carries at most about 2 t rounding errors of
2^-53 each; sums over <= 200 years stay within REL = 1e-12 relative.  The
``yearly`` array is float32 (2^-24 relative per stored amount, and each
stakeholder-year cell accumulates up to n_items float32 roundings), so sums of
it are compared with a bound of n_items * 2^-24 times the sum of the absolute
amounts.
"""

from __future__ import annotations

import numpy as np
import pytest

from wotsim.config.loading import parse_config
from wotsim.errors import WotsimError
from wotsim.model import (
    base_values,
    components,
    evaluate,
    output_values,
    parameter_values,
    stakeholder_net,
)
from wotsim.sampling import DesignStream, stream
from wotsim.simulate import base_case, simulate

REL = 1e-12
EPS32 = 2.0**-24


def make_config(items, *, horizon=5, rate=0.03, parameters=None, outputs=None, stakeholders=None,
                simulation=None, correlations=None):
    """A small config from Python values (no file)."""
    data = {
        "study": {"name": "test", "horizon": horizon, "discount_rate": rate},
        "stakeholders": stakeholders or {"a": "A", "b": "B"},
        "parameters": parameters or {},
        "items": items,
    }
    if outputs is not None:
        data["outputs"] = outputs
    if simulation is not None:
        data["simulation"] = simulation
    if correlations is not None:
        data["correlations"] = correlations
    return parse_config(data, file="<test>")


def item(id, value, *, kind="benefit", stakeholder="a", financial=True, **extra):
    return {"id": id, "kind": kind, "stakeholder": stakeholder, "financial": financial, "value": value, **extra}


def closed_form_pv(V, rho, r, H, start=0, duration=None):
    """PV of a fading stream by the geometric-series closed form (vectorised)."""
    V, rho, r, H = (np.asarray(x, dtype=float) for x in (V, rho, r, H))
    D = np.inf if duration is None else duration
    m = np.clip(np.minimum(D, H - start), 0, None)
    q = rho / (1.0 + r)
    with np.errstate(divide="ignore", invalid="ignore"):
        series = np.where(q == 1.0, m, (1.0 - q**m) / (1.0 - q))
    return V * (1.0 + r) ** (-start) * series


def annuity(V, r, H):
    """Constant stream from year 0 over H years, year 0 undiscounted."""
    if r == 0:
        return V * H
    return V * (1 - (1 + r) ** -H) / (1 - 1 / (1 + r))


def run_base(config):
    return evaluate(config, base_values(config), 1)


# --------------------------------------------------------------------------- fixed horizon and rate
@pytest.mark.parametrize("rate,H", [(0.03, 5), (0.0, 7), (0.055, 1), (0.1, 30), (-0.02, 4), (0.0225, 200)])
def test_constant_stream_is_an_annuity(rate, H):
    cfg = make_config([item("flow", 1000.0), item("c", 1.0, kind="cost", duration=1)], horizon=H, rate=rate)
    pv = run_base(cfg).item_pv[0]
    assert pv[0] == pytest.approx(annuity(1000.0, rate, H), rel=REL)
    # a one-year cost at year 0 is undiscounted
    assert pv[1] == 1.0


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.5, 0.8, 1.0, 1.2])
@pytest.mark.parametrize("rate,H", [(0.03, 5), (0.0, 10), (0.055, 3)])
def test_fading_stream_is_a_geometric_series(rho, rate, H):
    cfg = make_config([item("fade", 2500.0, persistence=rho, growth=rho > 1)], horizon=H, rate=rate)
    pv = run_base(cfg).item_pv[0, 0]
    q = rho / (1 + rate)
    expected = 2500.0 * (H if q == 1 else (1 - q**H) / (1 - q))
    assert pv == pytest.approx(expected, rel=REL)
    # the same number from the independent vectorised helper
    assert pv == pytest.approx(float(closed_form_pv(2500.0, rho, rate, H)), rel=REL)


def test_persistence_zero_is_first_year_only():
    cfg = make_config([item("once", 777.0, persistence=0, start=2)], horizon=5, rate=0.04)
    pv = run_base(cfg).item_pv[0, 0]
    assert pv == pytest.approx(777.0 / 1.04**2, rel=REL)


@pytest.mark.parametrize(
    "start,duration,H",
    [
        (0, 1, 5),      # one-off in year 0
        (1, 2, 5),      # inside the horizon
        (2, 3, 5),      # ends exactly at the horizon
        (3, 10, 5),     # horizon shorter than start + duration: cut at H
        (4, None, 5),   # to the end of the horizon: one year
        (0, 200, 3),    # very long duration, short horizon
    ],
)
def test_start_and_duration_limits(start, duration, H):
    rate, rho, V = 0.03, 0.7, 1234.5
    extra = {"start": start, "persistence": rho}
    if duration is not None:
        extra["duration"] = duration
    cfg = make_config([item("s", V, **extra)], horizon=H, rate=rate)
    arrays = run_base(cfg)
    expected = float(closed_form_pv(V, rho, rate, H, start, duration))
    # the same sum written out year by year, as the design notes define it
    end = H if duration is None else min(H, start + duration)
    by_year = sum(V * rho ** (t - start) * (1 + rate) ** -t for t in range(start, end))
    assert expected == pytest.approx(by_year, rel=REL, abs=0.0)
    if end <= start:
        assert arrays.item_pv[0, 0] == 0.0
        assert not arrays.yearly.any()
    else:
        assert arrays.item_pv[0, 0] == pytest.approx(expected, rel=REL)
        # yearly: nothing outside [start, end)
        years = np.nonzero(arrays.yearly[0, 0])[0]
        assert years.min() == start and years.max() == end - 1


def test_costs_are_negative_in_yearly_and_npv():
    cfg = make_config(
        [item("b", 300.0, duration=1), item("c", 100.0, kind="cost", stakeholder="b", start=1, duration=1)],
        horizon=3, rate=0.0,
    )
    arrays = run_base(cfg)
    np.testing.assert_array_equal(arrays.item_pv[0], [300.0, 100.0])
    np.testing.assert_array_equal(arrays.yearly[0], [[300.0, 0.0, 0.0], [0.0, -100.0, 0.0]])
    outs = output_values(cfg, arrays.item_pv)
    assert outs["npv"][0] == 200.0
    assert outs["benefits"][0] == 300.0 and outs["costs"][0] == 100.0


# --------------------------------------------------------------------------- uncertain horizon and rate
UNCERTAIN_TIME = {
    "h": {"dist": "integer", "low": 1, "high": 8, "base": 3},
    "r": {"dist": "uniform", "low": 0.01, "high": 0.08},
    "rho": {"dist": "uniform", "low": 0.2, "high": 1.0},
    "v": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 200.0},
}


def uncertain_time_config():
    return make_config(
        [
            item("constant", "v"),
            item("fading", "2 * v", persistence="rho", stakeholder="b"),
            item("late", 40.0, start=2, duration=3, persistence="rho"),
            item("long", "v / 10", start=5, duration=10, persistence=0.9, stakeholder="b"),
            item("cost", "3 * v", kind="cost", duration=1),
            item("upkeep", 10.0, kind="cost", start=1, stakeholder="b"),
        ],
        horizon="h", rate="r", parameters=UNCERTAIN_TIME,
        outputs={"ratio": {"benefits": "all", "costs": "all"}},
    )


def expected_item_pv(values):
    v, rho, r, H = values["v"], values["rho"], values["r"], values["h"]
    return np.column_stack([
        closed_form_pv(v, 1.0, r, H),
        closed_form_pv(2 * v, rho, r, H),
        closed_form_pv(40.0, rho, r, H, start=2, duration=3),
        closed_form_pv(v / 10, 0.9, r, H, start=5, duration=10),
        closed_form_pv(3 * v, 1.0, r, H, duration=1),
        closed_form_pv(10.0, 1.0, r, H, start=1),
    ])


def test_uncertain_horizon_and_rate_match_closed_form_per_sample():
    cfg = uncertain_time_config()
    n = 4000
    u = DesignStream("mc", len(cfg.uncertain), n, seed=stream(7, "montecarlo")).next(n)
    values = parameter_values(cfg, u)
    assert set(np.unique(values["h"])) == set(range(1, 9))  # every horizon is exercised
    arrays = evaluate(cfg, values, n)
    np.testing.assert_allclose(arrays.item_pv, expected_item_pv(values), rtol=REL, atol=0)


def test_uncertain_horizon_and_rate_in_simulate():
    cfg = uncertain_time_config()
    res = simulate(cfg, samples=2048, seed=3, sampler="lhs")
    values = {name: res.draws_of(name) for name in cfg.uncertain}
    np.testing.assert_allclose(res.item_pv, expected_item_pv(values), rtol=REL, atol=0)
    # the horizon's longest value sets the yearly array's width; years at or past H are zero
    assert res.yearly.shape == (2048, 2, 8)
    H = values["h"].astype(int)
    past = np.arange(8)[None, :] >= H[:, None]
    assert not res.yearly.transpose(0, 2, 1)[past].any()


def test_base_case_uses_base_horizon():
    cfg = uncertain_time_config()
    base = base_case(cfg)
    # base: h = 3 (explicit), r = median 0.045, rho = median 0.6, v = mode 100
    expected = expected_item_pv({"v": 100.0, "rho": 0.6, "r": 0.045, "h": 3.0})[0]
    np.testing.assert_allclose([base.item_pv[it.id] for it in cfg.items], expected, rtol=REL)


def test_yearly_and_cumulative_sum_to_npv():
    cfg = uncertain_time_config()
    res = simulate(cfg, samples=1024, seed=11, sampler="mc")
    npv = res.outputs["npv"]
    bound = len(cfg.items) * EPS32 * res.item_pv.sum(axis=1)
    np.testing.assert_array_less(np.abs(res.yearly.sum(axis=(1, 2), dtype=np.float64) - npv), bound)
    np.testing.assert_array_less(np.abs(res.cumulative[:, -1] - npv), bound)
    # per stakeholder: the yearly rows sum to the stakeholder's net value
    for k, s in enumerate(cfg.stakeholders):
        np.testing.assert_array_less(
            np.abs(res.yearly[:, k, :].sum(axis=1, dtype=np.float64) - res.stakeholder_net[s]), bound)
        np.testing.assert_array_less(np.abs(res.cumulative_by_stakeholder(s)[:, -1] - res.stakeholder_net[s]), bound)
    # the cumulative curve is the running sum of the yearly totals
    np.testing.assert_allclose(np.diff(res.cumulative, axis=1), res.yearly.sum(axis=1, dtype=np.float64)[:, 1:],
                               rtol=0, atol=float(bound.max()))


# --------------------------------------------------------------------------- outputs and stakeholders
def test_outputs_select_items_and_stakeholders_sum_to_npv():
    cfg = make_config(
        [
            item("b_fin_a", 60.0, duration=1),
            item("b_int_a", 30.0, financial=False, duration=1),
            item("b_fin_b", 20.0, stakeholder="b", duration=1),
            item("c_a", 80.0, kind="cost", duration=1),
            item("c_b", 20.0, kind="cost", stakeholder="b", duration=1),
        ],
        outputs={
            "social": {"benefits": "all", "costs": "all"},
            "fin_a": {"benefits": {"financial": True, "stakeholder": "a"}, "costs": "all"},
            "fin_all": {"benefits": {"financial": True}, "costs": ["c_a"]},
            "net_a": {"measure": "npv", "benefits": {"stakeholder": "a"}, "costs": {"stakeholder": "a"}},
        },
    )
    item_pv = run_base(cfg).item_pv
    outs = output_values(cfg, item_pv)
    assert outs["social"][0] == 110.0 / 100.0
    assert outs["fin_a"][0] == 60.0 / 100.0
    assert outs["fin_all"][0] == 80.0 / 80.0
    assert outs["net_a"][0] == 90.0 - 80.0
    assert outs["npv"][0] == 10.0
    b, c = components(cfg, item_pv, "fin_all")
    assert (b[0], c[0]) == (80.0, 80.0)
    net = stakeholder_net(cfg, item_pv)
    np.testing.assert_array_equal(net[0], [10.0, 0.0])
    assert net.sum(axis=1)[0] == outs["npv"][0]


def test_infinite_amount_past_the_horizon_is_masked_not_nan():
    """An item that starts after a sample's horizon contributes 0, even if its value is inf there."""
    cfg = make_config(
        [item("late", "1 / z", start=2), item("c", 1.0, kind="cost")],
        horizon="h",
        parameters={"z": {"value": 0.0}, "h": {"dist": "integer", "low": 1, "high": 3, "base": 1}},
    )
    # draws with h = 3 reach year 2, where the value is infinite: an error naming the item, never a number
    with pytest.raises(WotsimError, match=r"items\.late\.value: must be finite in every draw"):
        simulate(cfg, samples=256, seed=3, sampler="mc")
    assert base_case(cfg).item_pv["late"] == 0.0  # h = 1: never reached, masked to exactly 0


def test_discount_rate_or_persistence_out_of_range_in_some_draw_is_an_error():
    params = {"a": {"dist": "uniform", "low": 1, "high": 2}}
    cfg = make_config([item("b", 1.0), item("c", 1.0, kind="cost")], rate="a - 3", parameters=params)
    with pytest.raises(WotsimError, match=r"study\.discount_rate: must stay in \(-1, 1\)"):
        simulate(cfg, samples=64, seed=1, sampler="mc")
    # a - 1.2 is 0.3 at base (a = 1.5) but negative in the draws with a < 1.2
    cfg = make_config([item("b", 1.0, persistence="a - 1.2"), item("c", 1.0, kind="cost")], parameters=params)
    with pytest.raises(WotsimError, match=r"items\.b\.persistence: must be >= 0"):
        simulate(cfg, samples=64, seed=1, sampler="mc")


@pytest.mark.parametrize("start", [5, 7])
def test_item_that_starts_at_or_after_the_longest_horizon_is_a_config_error(start):
    """It would count 0 in every draw: a silent wrong number, so the config is rejected."""
    from wotsim.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"items\.s\.start: must be < the longest horizon \(5 years.*got {start}"):
        make_config([item("s", 1.0, start=start)], horizon=5)
