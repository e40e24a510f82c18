"""Randomised QMC: designs made of independent randomisations, and the standard errors they give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import qmc

from wotsim import parse_config, simulate
from wotsim.results import mcse
from wotsim.errors import ConfigError, WotsimError
from wotsim.sampling import EPS, DesignStream, default_replicates, replicate_index, stream
from wotsim.sampling import base_design, scenario_uniforms

CONFIG = {
    "study": {"name": "rqmc", "horizon": 3, "discount_rate": 0.03},
    "stakeholders": {"city": "City"},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0},
        "share": {"dist": "beta", "mean": 0.3, "sd": 0.1},
        "soft": {"dist": "lognormal", "median": 20.0, "gsd": 2.0},
        "cost": {"dist": "gamma", "mean": 150.0, "sd": 30.0},
        "rho": {"dist": "uniform", "low": 0.3, "high": 0.9},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "city", "financial": True, "value": "gain * share * 3",
         "persistence": "rho"},
        {"id": "s", "kind": "benefit", "stakeholder": "city", "financial": False, "value": "soft"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {"social": {"benefits": "all", "costs": "all"}},
}


@pytest.fixture(scope="module")
def cfg():
    return parse_config(CONFIG, file="rqmc.toml")


def test_default_replicates():
    assert default_replicates("mc", 10**6) == 1
    assert default_replicates("sobol", 131072) == 16
    assert default_replicates("lhs", 4096) == 16
    assert default_replicates("sobol", 10) == 5  # every randomisation keeps 2 rows
    np.testing.assert_array_equal(replicate_index(7, 3), [0, 1, 2, 0, 1, 2, 0])


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_each_replicate_is_its_own_randomisation(sampler):
    """Rows i % R == k are exactly the design a single-replicate stream draws from child k of the seed."""
    seed = stream(5, "montecarlo")
    R, n, d = 4, 64, 3
    u = DesignStream(sampler, d, n, seed=seed, replicates=R).next(n)
    for k in range(R):
        child = np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (k,))
        alone = DesignStream(sampler, d, n // R, seed=child, replicates=1).next(n // R)
        np.testing.assert_array_equal(u[k::R], alone)
    if sampler == "sobol":  # each replicate is a scrambled Sobol' net: one point per elementary interval of 1/16
        counts = np.bincount(np.floor(u[0::R, 0] * 16).astype(int), minlength=16)
        np.testing.assert_array_equal(counts, np.ones(16))
    else:  # each replicate is a Latin hypercube of n/R points
        for k in range(R):
            np.testing.assert_array_equal(np.sort(np.floor(u[k::R] * (n // R)), axis=0),
                                          np.tile(np.arange(n // R)[:, None], (1, d)))
    # replicates differ from one another
    assert not np.array_equal(u[0::R], u[1::R])


@pytest.mark.parametrize("sampler", ["mc", "sobol", "lhs"])
def test_design_does_not_depend_on_the_chunks(sampler):
    seed = stream(11, "montecarlo")
    whole = DesignStream(sampler, 4, 1000, seed=seed).next(1000)
    ds = DesignStream(sampler, 4, 1000, seed=seed)
    parts = np.vstack([ds.next(m) for m in (1, 15, 16, 17, 333, 618)])
    np.testing.assert_array_equal(whole, parts)


def test_mc_design_is_unchanged_by_replicates():
    """mc keeps its single stream: the draws of existing mc runs do not move."""
    seed = stream(3, "montecarlo")
    u = DesignStream("mc", 3, 100, seed=seed).next(100)
    rng = np.random.Generator(np.random.PCG64(seed))
    np.testing.assert_array_equal(u, np.clip(rng.random((100, 3)), EPS, 1 - EPS))


def test_replicate_standard_errors_follow_their_formula():
    rng = np.random.default_rng(1)
    x = rng.normal(size=160)
    x[[3, 50]] = np.nan
    means = [np.nanmean(x[k::16]) for k in range(16)]
    assert mcse.mean_se(x, 16) == pytest.approx(np.std(means, ddof=1) / 4, rel=1e-12)
    finite = x[np.isfinite(x)]
    assert mcse.mean_se(x, 1) == pytest.approx(np.std(finite, ddof=1) / math.sqrt(finite.size), rel=1e-12)
    ps = [np.mean(x[k::16][np.isfinite(x[k::16])] > 0.2) for k in range(16)]
    assert mcse.prob_se(x, 0.2, 16) == pytest.approx(np.std(ps, ddof=1) / 4, rel=1e-12)
    qs = [np.quantile(x[k::16][np.isfinite(x[k::16])], 0.9) for k in range(16)]
    assert mcse.quantile_se(x, 0.9, 16) == pytest.approx(np.std(qs, ddof=1) / 4, rel=1e-12)
    t = np.array([-1.0, 0.0, 1.0])
    ex = [[np.mean(x[k::16][np.isfinite(x[k::16])] >= v) for v in t] for k in range(16)]
    np.testing.assert_allclose(mcse.exceedance_se(x, t, 16), np.std(ex, axis=0, ddof=1) / 4, rtol=1e-12)


def test_simulation_records_its_replicates(cfg, tmp_path):
    r = simulate(cfg, samples=512, seed=1, sampler="sobol")
    assert r.replicates == 16 and r.manifest["replicates"] == 16
    assert "16 independent randomisations" in r.se_method
    r.save(tmp_path / "out")
    from wotsim import load_results
    back = load_results(tmp_path / "out")
    assert back.replicates == 16 and back.summary == r.summary
    assert simulate(cfg, samples=512, seed=1, sampler="mc").replicates == 1
    assert simulate(cfg, samples=512, seed=1, sampler="lhs", replicates=8).replicates == 8


def test_replicates_are_checked(cfg):
    with pytest.raises(WotsimError, match="replicates applies to the sobol and lhs samplers only"):
        simulate(cfg, samples=512, sampler="mc", replicates=8)
    with pytest.raises(WotsimError, match=r"replicates must be a whole number from 1 to samples / 2 \(8\)"):
        simulate(cfg, samples=16, sampler="sobol", replicates=9)
    bad = {**CONFIG, "simulation": {"sampler": "sobol", "samples": 64, "replicates": 40}}
    with pytest.raises(ConfigError, match=r"simulation\.replicates: must be at most samples / 2 \(32\)"):
        parse_config(bad, file="x.toml")
    bad = {**CONFIG, "simulation": {"sampler": "mc", "replicates": 4}}
    with pytest.raises(ConfigError, match=r"simulation\.replicates: applies to the sobol and lhs samplers only"):
        parse_config(bad, file="x.toml")
    ok = parse_config({**CONFIG, "simulation": {"sampler": "lhs", "samples": 64, "replicates": 4}}, file="x.toml")
    assert simulate(ok).replicates == 4


@pytest.mark.parametrize("sampler", ["sobol", "lhs", "mc"])
def test_independent_designs_are_independent_row_by_row(cfg, sampler):
    """--independent: matched columns of the base and scenario designs correlate only by chance (|r| < 4/sqrt(n))."""
    n = 8192
    u = base_design(cfg, samples=n, seed=9, sampler=sampler, replicates=default_replicates(sampler, n))
    v = scenario_uniforms(cfg, cfg, u, seed=9, sampler=sampler, paired=False, scenario_id="other",
                          replicates=default_replicates(sampler, n))
    r = [abs(np.corrcoef(u[:, j], v[:, j])[0, 1]) for j in range(u.shape[1])]
    assert max(r) < 4 / math.sqrt(n), r
    # still a design of the same kind: each randomisation of v is a permutation of a scrambled net / hypercube
    if sampler == "sobol":
        R = default_replicates(sampler, n)
        counts = np.bincount(np.floor(v[0::R, 0] * 16).astype(int), minlength=16)
        np.testing.assert_array_equal(counts, np.full(16, n // R // 16))


def test_scrambles_of_one_sobol_sequence_are_correlated_point_by_point():
    """Why the independent design shuffles its points: two scrambles are not independent row by row."""
    a = qmc.Sobol(3, scramble=True, rng=np.random.default_rng(1)).random(4096)
    b = qmc.Sobol(3, scramble=True, rng=np.random.default_rng(2)).random(4096)
    r = max(abs(np.corrcoef(a[:, j], b[:, j])[0, 1]) for j in range(3))
    assert r > 4 / math.sqrt(4096)


def test_driver_jackknife_equals_brute_force(cfg):
    """The O(n) re-ranking of the drivers' jackknife equals recomputing each leave-one-out estimate."""
    from wotsim.analysis.drivers import binned_first_order, decision_drivers

    r = simulate(cfg, samples=1024, seed=3, sampler="sobol")
    dd = decision_drivers(r, output="social")
    y = r.outputs["social"]
    I = y > 1.0
    R = r.replicates
    rep = np.arange(r.n) % R
    for name, se in zip(dd.parameters, dd.first_order_se):
        x = r.draws_of(name)
        loo = np.array([binned_first_order(x[rep != k], I[rep != k], bins=dd.bins_index)[0] for k in range(R)])
        expected = math.sqrt((R - 1) / R * np.sum((loo - loo.mean()) ** 2))
        assert se == pytest.approx(expected, rel=1e-9)


def test_invert_copula_undoes_apply_copula():
    from wotsim.sampling import apply_copula, invert_copula

    chol = np.linalg.cholesky(np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.2], [0.3, 0.2, 1.0]]))
    u = np.random.default_rng(4).uniform(0.01, 0.99, size=(500, 3))
    v = apply_copula(u, np.arange(3), chol)
    assert not np.allclose(v, u)
    np.testing.assert_allclose(invert_copula(v, chol), u, atol=1e-12)
