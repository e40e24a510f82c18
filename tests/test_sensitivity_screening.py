"""Morris screening and PAWN through the config interface."""

from __future__ import annotations

import numpy as np
import pytest

from test_sensitivity import model_config, uniform
from wotsim import WotsimError, parse_config
from wotsim.analysis.io import load_sensitivity
from wotsim.analysis.screening import morris_screening, pawn_indices
from wotsim.simulate import simulate


def test_morris_linear_model_closed_form():
    """y = sum c_i x_i, x_i ~ U(lo_i, hi_i).

    A design step Delta = p / (2 (p - 1)) moves the quantile (0.5 + x (p - 1)) / p
    by 1/2, i.e. x_i by (hi - lo) / 2, so every elementary effect of x_i is
    c_i (hi - lo) / 2 / Delta = c_i (hi - lo) (p - 1) / p: mu = that, mu* = its
    absolute value, sigma = 0 (up to rounding).
    """
    c = np.array([2.0, -1.0, 0.25, 0.0])
    lo = np.array([0.0, 1.0, -2.0, 0.0])
    hi = np.array([1.0, 5.0, 2.0, 3.0])
    params = {f"x{i}": uniform(lo[i], hi[i]) for i in range(4)}
    cfg = parse_config(model_config(" + ".join(f"({c[i]}) * x{i}" for i in range(4)), params))
    for levels in (4, 6):
        res = morris_screening(cfg, outputs="y", trajectories=20, levels=levels)
        ind = res.indices["y"]
        ee = c * (hi - lo) * (levels - 1) / levels
        np.testing.assert_allclose(ind.mu, ee, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ind.mu_star, np.abs(ee), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ind.sigma, 0.0, atol=1e-9)
        assert res.rows == 20 * 5
        assert list(ind.order[:3]) == [1, 0, 2]


def test_morris_flags_interaction_and_is_seeded():
    params = {f"x{i}": uniform(0.0, 1.0) for i in range(3)}
    cfg = parse_config(model_config("x0 * x1 + x2", params))
    a = morris_screening(cfg, outputs="y", trajectories=30)
    b = morris_screening(cfg, outputs="y", trajectories=30)
    np.testing.assert_array_equal(a.indices["y"].mu_star, b.indices["y"].mu_star)
    np.testing.assert_array_equal(a.indices["y"].mu_star_conf, b.indices["y"].mu_star_conf)
    ind = a.indices["y"]
    assert ind.sigma[0] > 0 and ind.sigma[1] > 0  # x0 x1 interact
    assert ind.sigma[2] == pytest.approx(0.0, abs=1e-9)  # x2 is additive


def test_pawn_separates_influential_from_inert_and_keeps_global_state():
    params = {"x1": uniform(0.0, 1.0), "x2": uniform(0.0, 1.0), "x3": uniform(0.0, 1.0)}
    cfg = parse_config(model_config("x1 + 0.3 * x2", params))
    state = np.random.get_state()
    res = pawn_indices(cfg, outputs="y", samples=4096, slices=10)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]
    ind = res.indices["y"]
    assert ind.median[0] > ind.median[1] > ind.null_level  # x1 dominates, x2 matters
    assert ind.median[2] < ind.null_level  # x3 is not read by the model
    # the null level is the two-sample KS critical value at 95%: c(0.05) sqrt((m + n) / (m n))
    n, m = 4096, 409.6
    assert ind.null_level == pytest.approx(1.3581 * np.sqrt((m + n) / (m * n)), rel=1e-3)


def test_pawn_on_a_given_simulation_and_correlations_note():
    params = {"x1": uniform(0.0, 1.0), "x2": uniform(0.0, 1.0)}
    extra = """
        [[correlations]]
        between = ["x1", "x2"]
        rank = 0.8
        """
    cfg = parse_config(model_config("x1", params, extra=extra))
    sim = simulate(cfg, samples=4096, seed=3)
    res = pawn_indices(sim, outputs="y")
    assert res.samples == 4096 and res.seed == 3
    # x2 does not enter the model but moves with x1: PAWN on the correlated sample sees it
    assert res.indices["y"].median[1] > res.indices["y"].null_level
    assert any("honours the config's rank correlations" in n for n in res.notes)
    with pytest.raises(WotsimError, match="Config or a SimulationResult"):
        pawn_indices("config.toml")


def test_morris_and_pawn_save_and_load(tmp_path):
    params = {f"x{i}": uniform(0.0, 1.0, "ab"[i % 2]) for i in range(4)}
    cfg = parse_config(model_config("x0 * x1 + x2 + x3", params))
    m = morris_screening(cfg, outputs=["y", "npv"], trajectories=10, groups="group")
    m.save(tmp_path / "m")
    back = load_sensitivity(tmp_path / "m")
    assert back.factors == ("a", "b") and back.groups == m.groups
    np.testing.assert_array_equal(back.indices["y"].mu_star, m.indices["y"].mu_star)
    p = pawn_indices(cfg, outputs="y", samples=512)
    p.save(tmp_path / "p")
    back = load_sensitivity(tmp_path / "p")
    np.testing.assert_array_equal(back.indices["y"].median, p.indices["y"].median)
    assert back.indices["y"].null_level == p.indices["y"].null_level
