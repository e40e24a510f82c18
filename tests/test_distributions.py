"""Distributions against closed forms, scipy.stats and their own definitions.

Tolerances are numerical, not statistical: closed-form conversions are checked
to ``REL`` (a few thousand ulps), the tabulated ppf to its documented accuracy
(``PPF_RTOL`` = 1e-10 of the support's scale), and empirical
distributions on a deterministic midpoint grid, whose Kolmogorov-Smirnov
distance to an exact inverse CDF is exactly ``1 / (2 n)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from wotsim.config import fastppf as _fastppf
from wotsim.config.distributions import DIST_NAMES, Distribution, DistributionError, make_distribution

#: Relative tolerance of closed-form conversions (floating point only).
REL = 1e-12
#: Accuracy of the tabulated ppf promised by ``Distribution.ppf``, relative to the support's scale.
PPF_RTOL = 1e-10
#: Extreme uniforms the design generator can produce.
U_MIN = 2.0**-53
U_MAX = 1.0 - 2.0**-53


def dist(**table) -> Distribution:
    return make_distribution(table)


def midpoint_grid(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def ks_distance(x: np.ndarray, cdf) -> float:
    """Kolmogorov-Smirnov distance between the sample ``x`` and a continuous ``cdf``."""
    x = np.sort(x)
    n = len(x)
    f = cdf(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))


# --------------------------------------------------------------------------- each form


def test_fixed_is_a_point_mass():
    d = dist(value=3.5)
    assert d.name == "fixed" and d.fixed and d.rv is None
    assert d.base == 3.5 and d.support() == (3.5, 3.5)
    np.testing.assert_array_equal(d.ppf(np.array([U_MIN, 0.5, U_MAX])), [3.5, 3.5, 3.5])
    np.testing.assert_array_equal(d.cdf(np.array([3.4, 3.5, 3.6])), [0.0, 1.0, 1.0])
    assert d.mean() == 3.5 and d.std() == 0.0
    assert dist(dist="fixed", value=-2).base == -2.0


def test_uniform_moments_and_ppf():
    low, high = -2.0, 6.0
    d = dist(dist="uniform", low=low, high=high)
    assert d.mean() == pytest.approx((low + high) / 2, rel=REL)
    assert d.std() == pytest.approx((high - low) / math.sqrt(12), rel=REL)
    u = np.array([U_MIN, 0.25, 0.5, 0.75, U_MAX])
    np.testing.assert_allclose(d.ppf(u), low + u * (high - low), rtol=REL, atol=REL * (high - low))
    assert d.support() == (low, high)


def test_normal_mean_sd():
    d = dist(dist="normal", mean=10.0, sd=2.0)
    assert d.mean() == pytest.approx(10.0, rel=REL)
    assert d.std() == pytest.approx(2.0, rel=REL)
    assert d.quantile(stats.norm.cdf(1.0)) == pytest.approx(12.0, rel=REL)


@pytest.mark.parametrize(
    ("lo_key", "hi_key", "x_lo", "x_hi"),
    [("p05", "p95", 1.0, 9.0), ("p10", "p90", -3.0, 5.0), ("p05", "p99", 100.0, 150.0)],
)
def test_normal_quantile_forms_reproduce_their_quantiles(lo_key, hi_key, x_lo, x_hi):
    d = dist(dist="normal", **{lo_key: x_lo, hi_key: x_hi})
    p_lo, p_hi = int(lo_key[1:]) / 100, int(hi_key[1:]) / 100
    assert d.quantile(p_lo) == pytest.approx(x_lo, rel=REL, abs=REL * (x_hi - x_lo))
    assert d.quantile(p_hi) == pytest.approx(x_hi, rel=REL, abs=REL * (x_hi - x_lo))
    # closed form: sd = spread of the two quantiles over the spread of their normal scores
    sd = (x_hi - x_lo) / (stats.norm.ppf(p_hi) - stats.norm.ppf(p_lo))
    assert d.std() == pytest.approx(sd, rel=REL)


def test_truncnormal_matches_scipy_truncnorm():
    mean, sd, low, high = 1.0, 2.0, 0.0, 3.0
    d = dist(dist="truncnormal", mean=mean, sd=sd, low=low, high=high)
    ref = stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    assert d.support() == (low, high)
    assert d.mean() == pytest.approx(ref.mean(), rel=REL)
    assert d.std() == pytest.approx(ref.std(), rel=REL)
    # mean of a truncated normal: mu + sd * (phi(a) - phi(b)) / (Phi(b) - Phi(a))
    a, b = (low - mean) / sd, (high - mean) / sd
    closed = mean + sd * (stats.norm.pdf(a) - stats.norm.pdf(b)) / (stats.norm.cdf(b) - stats.norm.cdf(a))
    assert d.mean() == pytest.approx(closed, rel=REL)


def test_lognormal_median_gsd():
    median, gsd = 20.0, 1.5
    d = dist(dist="lognormal", median=median, gsd=gsd)
    assert d.quantile(0.5) == pytest.approx(median, rel=REL)
    # one geometric sd above the median sits at the normal score 1
    assert d.quantile(stats.norm.cdf(1.0)) == pytest.approx(median * gsd, rel=REL)
    assert d.quantile(stats.norm.cdf(-1.0)) == pytest.approx(median / gsd, rel=REL)


def test_lognormal_mean_sd_reproduces_mean_and_sd():
    d = dist(dist="lognormal", mean=1000.0, sd=400.0)
    assert d.mean() == pytest.approx(1000.0, rel=REL)
    assert d.std() == pytest.approx(400.0, rel=REL)


def test_lognormal_quantile_form_reproduces_quantiles():
    d = dist(dist="lognormal", p05=10.0, p95=40.0)
    assert d.quantile(0.05) == pytest.approx(10.0, rel=REL)
    assert d.quantile(0.95) == pytest.approx(40.0, rel=REL)
    # symmetric quantiles of a lognormal: the median is their geometric mean
    assert d.quantile(0.5) == pytest.approx(20.0, rel=REL)


@pytest.mark.parametrize(("low", "high"), [(None, None), (10.0, 20.0), (-1.0, 1.0)])
def test_beta_mean_sd_reproduces_mean_and_sd(low, high):
    lo, hi = (0.0, 1.0) if low is None else (low, high)
    mean, sd = lo + 0.3 * (hi - lo), 0.1 * (hi - lo)
    extra = {} if low is None else {"low": low, "high": high}
    d = dist(dist="beta", mean=mean, sd=sd, **extra)
    assert d.support() == (lo, hi)
    assert d.mean() == pytest.approx(mean, rel=REL)
    assert d.std() == pytest.approx(sd, rel=REL)


@pytest.mark.parametrize(("alpha", "beta", "low", "high"), [(2.0, 5.0, None, None), (0.5, 0.5, 3.0, 7.0)])
def test_beta_alpha_beta_matches_scipy(alpha, beta, low, high):
    extra = {} if low is None else {"low": low, "high": high}
    lo, hi = (0.0, 1.0) if low is None else (low, high)
    d = dist(dist="beta", alpha=alpha, beta=beta, **extra)
    ref = stats.beta(alpha, beta, loc=lo, scale=hi - lo)
    assert d.support() == (lo, hi)
    assert d.mean() == pytest.approx(lo + (hi - lo) * alpha / (alpha + beta), rel=REL)
    assert d.std() == pytest.approx(ref.std(), rel=REL)
    u = np.array([0.01, 0.3, 0.7, 0.99])
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=0, atol=PPF_RTOL * (hi - lo))


def test_gamma_mean_sd():
    d = dist(dist="gamma", mean=2.0, sd=0.5)
    assert d.mean() == pytest.approx(2.0, rel=REL)
    assert d.std() == pytest.approx(0.5, rel=REL)


def test_gamma_shape_scale():
    k, theta = 3.0, 1.5
    d = dist(dist="gamma", shape=k, scale=theta)
    assert d.mean() == pytest.approx(k * theta, rel=REL)
    assert d.std() == pytest.approx(math.sqrt(k) * theta, rel=REL)


@pytest.mark.parametrize(("q", "x"), [(("p05", "p95"), (1.0, 5.0)), (("p10", "p90"), (2.0, 2.5))])
def test_gamma_quantile_form_reproduces_quantiles(q, x):
    d = dist(dist="gamma", **dict(zip(q, x)))
    # the shape is found by a root search (xtol 1e-12 on log k), the value through the tabulated ppf
    for key, value in zip(q, x):
        assert d.quantile(int(key[1:]) / 100) == pytest.approx(value, rel=1e-9)


def test_triangular_moments():
    low, mode, high = 1.0, 2.0, 6.0
    d = dist(dist="triangular", low=low, mode=mode, high=high)
    assert d.mean() == pytest.approx((low + mode + high) / 3, rel=REL)
    var = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    assert d.std() == pytest.approx(math.sqrt(var), rel=REL)
    assert d.support() == (low, high)
    # the cdf at the mode is (mode - low) / (high - low)
    assert float(d.cdf(mode)) == pytest.approx((mode - low) / (high - low), rel=REL)


@pytest.mark.parametrize("lam", [None, 2.0, 10.0])
def test_pert_moments(lam):
    low, mode, high = 62000.0, 72000.0, 90000.0
    extra = {} if lam is None else {"lambda": lam}
    d = dist(dist="pert", low=low, mode=mode, high=high, **extra)
    lam = 4.0 if lam is None else lam
    assert d.mean() == pytest.approx((low + lam * mode + high) / (lam + 2), rel=REL)
    a = 1 + lam * (mode - low) / (high - low)
    b = 1 + lam * (high - mode) / (high - low)
    var = a * b * (high - low) ** 2 / ((a + b) ** 2 * (a + b + 1))
    assert d.std() == pytest.approx(math.sqrt(var), rel=REL)
    assert d.support() == (low, high)
    # the beta's mode is the PERT mode
    x = np.linspace(low, high, 20001)
    assert x[np.argmax(d.rv.pdf(x))] == pytest.approx(mode, abs=(high - low) / 20000)


def test_integer_is_discrete_uniform():
    low, high = 3, 7
    d = dist(dist="integer", low=low, high=high)
    assert d.integer
    k = high - low + 1
    assert d.mean() == pytest.approx((low + high) / 2, rel=REL)
    assert d.std() == pytest.approx(math.sqrt((k**2 - 1) / 12), rel=REL)
    assert d.support() == (low, high)
    n = 10_000
    x = d.ppf(midpoint_grid(n))
    np.testing.assert_array_equal(x, np.rint(x))
    values, counts = np.unique(x, return_counts=True)
    np.testing.assert_array_equal(values, np.arange(low, high + 1))
    # on a midpoint grid each of the k values takes n / k points, up to rounding at the edges
    assert np.all(np.abs(counts - n / k) <= 1)
    np.testing.assert_array_equal(d.ppf(np.array([U_MIN, U_MAX])), [low, high])


def test_every_documented_form_is_tested():
    assert set(DIST_NAMES) == {
        "fixed", "uniform", "normal", "truncnormal", "lognormal", "beta", "gamma", "triangular", "pert", "integer",
    }


# --------------------------------------------------------------------------- base values

BASE_CASES = [
    # (table, expected default base, why)
    (dict(value=4.0), 4.0),
    (dict(dist="triangular", low=0.0, mode=1.0, high=5.0), 1.0),
    (dict(dist="pert", low=0.0, mode=1.0, high=5.0), 1.0),
    (dict(dist="pert", low=0.0, mode=1.0, high=5.0, **{"lambda": 8.0}), 1.0),
    (dict(dist="normal", mean=3.0, sd=1.0), 3.0),
    (dict(dist="truncnormal", mean=1.0, sd=2.0, low=0.0, high=5.0), 1.0),
    # the mode of a truncated normal whose mean lies outside [low, high] is the nearest bound
    (dict(dist="truncnormal", mean=-1.0, sd=2.0, low=0.0, high=5.0), 0.0),
    (dict(dist="truncnormal", mean=9.0, sd=2.0, low=0.0, high=5.0), 5.0),
    (dict(dist="uniform", low=2.0, high=4.0), 3.0),
    (dict(dist="lognormal", median=7.0, gsd=2.0), 7.0),
    (dict(dist="lognormal", mean=1.0, sd=0.5), 1.0 / math.sqrt(1.25)),  # median = mean / sqrt(1 + cv^2)
    (dict(dist="beta", alpha=2.0, beta=5.0), stats.beta(2.0, 5.0).median()),
    (dict(dist="gamma", shape=3.0, scale=2.0), stats.gamma(3.0, scale=2.0).median()),
    (dict(dist="integer", low=3, high=7), 5.0),
]


@pytest.mark.parametrize(("table", "expected"), BASE_CASES, ids=lambda v: v.get("dist", "fixed") if isinstance(v, dict) else "")
def test_default_base(table, expected):
    assert dist(**table).base == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(
    "table",
    [
        dict(dist="pert", low=0.0, mode=1.0, high=5.0, base=2.5),
        dict(dist="normal", mean=3.0, sd=1.0, base=2.5),
        dict(dist="lognormal", median=7.0, gsd=2.0, base=2.5),
        dict(dist="beta", mean=0.5, sd=0.1, low=0.0, high=5.0, base=2.5),
        dict(dist="uniform", low=2.0, high=4.0, base=2.5),
    ],
    ids=lambda t: t["dist"],
)
def test_explicit_base_wins(table):
    assert dist(**table).base == 2.5


def test_integer_base_must_be_whole():
    with pytest.raises(DistributionError, match=r"whole number.*got 4\.5") as err:
        dist(dist="integer", low=3, high=7, base=4.5)
    assert err.value.field == "base"


# --------------------------------------------------------------------------- tabulated ppf

#: Distributions whose ppf goes through the table, with shapes chosen to stress it:
#: skewed, U-shaped, mode on a bound, a far tail, a small gamma shape.
TABULATED = [
    dict(dist="pert", low=1600.0, mode=2400.0, high=3200.0),
    dict(dist="pert", low=0.0, mode=0.0, high=1.0),
    dict(dist="pert", low=0.1, mode=0.11, high=5.0, **{"lambda": 10.0}),
    dict(dist="pert", low=62000.0, mode=72000.0, high=90000.0, **{"lambda": 2.0}),
    dict(dist="beta", mean=0.3, sd=0.1),
    dict(dist="beta", alpha=0.5, beta=0.5),
    dict(dist="beta", alpha=0.3, beta=2.0, low=10.0, high=20.0),
    dict(dist="gamma", mean=2.0, sd=1.0),
    dict(dist="gamma", shape=0.1, scale=3.0),
    dict(dist="gamma", shape=200.0, scale=0.01),
    dict(dist="gamma", p05=1.0, p95=5.0),
    dict(dist="truncnormal", mean=0.0, sd=1.0, low=-1.0, high=2.0),
    dict(dist="truncnormal", mean=0.0, sd=1.0, low=3.0, high=4.0),
]


def _exact_ppf(rv, u: np.ndarray) -> np.ndarray:
    """scipy's ppf; in the upper half through isf(1 - u), exact there, where ppf(u) lacks resolution."""
    return np.where(u < 0.5, rv.ppf(u), rv.isf(1.0 - u))


def _scale(rv, exact: np.ndarray) -> np.ndarray | float:
    lo, hi = rv.support()
    if np.isfinite(hi):
        return hi - lo
    return np.maximum(np.abs(exact), rv.std())


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(20200825))
    extreme = [U_MIN, U_MAX, 2 * U_MIN, 1e-15, 1e-12, 1e-9, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12]
    return np.concatenate([rng.random(50_000), midpoint_grid(10_000), extreme])


@pytest.mark.parametrize("table", TABULATED, ids=lambda t: "-".join(f"{v}" for v in t.values()))
def test_tabulated_ppf_matches_scipy(table, uniforms):
    d = dist(**table)
    fast = _fastppf.build(d.rv)
    assert fast is not None, "the table should be accepted for this distribution"
    assert _fastppf.RTOL <= PPF_RTOL
    x = d.ppf(uniforms)
    np.testing.assert_array_equal(x, fast(uniforms))  # Distribution.ppf does use the table
    exact = _exact_ppf(d.rv, uniforms)
    err = np.abs(x - exact) / _scale(d.rv, exact)
    assert np.all(np.isfinite(x))
    assert err.max() <= PPF_RTOL, f"worst error {err.max():.3g} at u={uniforms[np.argmax(err)]!r}"
    lo, hi = d.support()
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(np.diff(x[np.argsort(uniforms, kind="stable")]) >= 0)  # monotone


def test_rejected_table_falls_back_to_scipy():
    # scipy's truncnorm isf saturates in the far tail of this shape, so no table is accepted
    d = dist(dist="truncnormal", mean=5.0, sd=1.0, low=0.0, high=100.0)
    assert _fastppf.build(d.rv) is None
    u = np.array([U_MIN, 0.01, 0.5, 0.99, U_MAX])
    np.testing.assert_array_equal(d.ppf(u), d.rv.ppf(u))


@pytest.mark.parametrize("n", [1000, 10**6], ids=["exact", "table"])
def test_tabulated_ppf_is_elementwise(n):
    # n (the values mapped in all) picks the path; with it fixed, how u is split does not matter
    d = dist(dist="pert", low=1600.0, mode=2400.0, high=3200.0)
    u = np.random.default_rng(np.random.SeedSequence(1)).random(1000)
    whole = d.ppf(u, n=n)
    pieces = np.concatenate([d.ppf(u[:1], n=n), d.ppf(u[1:333], n=n), d.ppf(u[333:], n=n)])
    np.testing.assert_array_equal(whole, pieces)
    np.testing.assert_array_equal(d.ppf(u.reshape(10, 100), n=n), whole.reshape(10, 100))


# --------------------------------------------------------------------------- empirical distribution

CONTINUOUS = [
    dict(dist="uniform", low=-2.0, high=6.0),
    dict(dist="normal", mean=10.0, sd=2.0),
    dict(dist="normal", p10=-1.0, p90=3.0),
    dict(dist="truncnormal", mean=1.0, sd=2.0, low=0.0, high=3.0),
    dict(dist="lognormal", median=20.0, gsd=1.5),
    dict(dist="lognormal", mean=1000.0, sd=400.0),
    dict(dist="lognormal", p05=10.0, p95=40.0),
    dict(dist="beta", mean=0.3, sd=0.1),
    dict(dist="beta", alpha=0.5, beta=0.5, low=3.0, high=7.0),
    dict(dist="gamma", mean=2.0, sd=0.5),
    dict(dist="gamma", shape=0.5, scale=3.0),
    dict(dist="gamma", p05=1.0, p95=5.0),
    dict(dist="triangular", low=1.0, mode=2.0, high=6.0),
    dict(dist="pert", low=1600.0, mode=2400.0, high=3200.0),
    dict(dist="pert", low=0.0, mode=1.0, high=1.0, **{"lambda": 2.0}),
]


def _reference_cdf(table: dict):
    """The cdf built independently with scipy.stats from the table's own numbers."""
    t = {k: v for k, v in table.items() if k != "dist"}
    name = table["dist"]
    if name == "uniform":
        return stats.uniform(t["low"], t["high"] - t["low"]).cdf
    if name == "normal" and "mean" in t:
        return stats.norm(t["mean"], t["sd"]).cdf
    if name == "normal":
        z = stats.norm.ppf(0.9)
        sd = (t["p90"] - t["p10"]) / (2 * z)
        return stats.norm((t["p10"] + t["p90"]) / 2, sd).cdf
    if name == "truncnormal":
        m, s = t["mean"], t["sd"]
        return stats.truncnorm((t["low"] - m) / s, (t["high"] - m) / s, loc=m, scale=s).cdf
    if name == "lognormal":
        if "median" in t:
            return stats.lognorm(math.log(t["gsd"]), scale=t["median"]).cdf
        if "mean" in t:
            s2 = math.log(1 + (t["sd"] / t["mean"]) ** 2)
            return stats.lognorm(math.sqrt(s2), scale=t["mean"] * math.exp(-s2 / 2)).cdf
        z = stats.norm.ppf(0.95)
        return stats.lognorm(math.log(t["p95"] / t["p05"]) / (2 * z), scale=math.sqrt(t["p05"] * t["p95"])).cdf
    if name == "beta":
        lo, hi = t.get("low", 0.0), t.get("high", 1.0)
        if "alpha" in t:
            a, b = t["alpha"], t["beta"]
        else:  # method of moments on [0, 1]
            m, v = (t["mean"] - lo) / (hi - lo), (t["sd"] / (hi - lo)) ** 2
            k = m * (1 - m) / v - 1
            a, b = m * k, (1 - m) * k
        return stats.beta(a, b, loc=lo, scale=hi - lo).cdf
    if name == "gamma":
        if "mean" in t:
            return stats.gamma((t["mean"] / t["sd"]) ** 2, scale=t["sd"] ** 2 / t["mean"]).cdf
        if "shape" in t:
            return stats.gamma(t["shape"], scale=t["scale"]).cdf
        return None  # the two-quantile gamma has no closed form: checked against its own cdf
    if name == "triangular":
        w = t["high"] - t["low"]
        return stats.triang((t["mode"] - t["low"]) / w, loc=t["low"], scale=w).cdf
    if name == "pert":
        lam = t.get("lambda", 4.0)
        w = t["high"] - t["low"]
        a = 1 + lam * (t["mode"] - t["low"]) / w
        b = 1 + lam * (t["high"] - t["mode"]) / w
        return stats.beta(a, b, loc=t["low"], scale=w).cdf
    raise AssertionError(name)


@pytest.mark.parametrize("table", CONTINUOUS, ids=lambda t: "-".join(f"{v}" for v in t.values()))
def test_ppf_on_a_grid_has_the_right_distribution(table):
    n = 20_000
    d = dist(**table)
    cdf = _reference_cdf(table) or d.cdf
    x = d.ppf(midpoint_grid(n))
    # an exact inverse cdf puts the midpoint grid at KS distance exactly 1 / (2n); the tabulated
    # ppf may shift a value by RTOL of the scale, i.e. the cdf by at most RTOL * scale * max pdf
    d_ks = ks_distance(x, cdf)
    lo, hi = d.support()
    scale = (hi - lo) if np.isfinite(hi - lo) else np.maximum(np.abs(x), d.std())
    shift = np.max(PPF_RTOL * scale * d.rv.pdf(x)) if d.name in ("beta", "pert", "gamma", "truncnormal") else 0.0
    assert abs(d_ks - 1 / (2 * n)) <= shift + 1e-12  # 1e-12: rounding of the cdf itself


def test_ppf_of_random_uniforms_passes_ks_test():
    # a Monte Carlo check on top of the deterministic grid: with the 0.1% level, this fails by chance
    # once in a thousand seeds; the seed is fixed so the outcome is reproducible
    d = dist(dist="pert", low=1600.0, mode=2400.0, high=3200.0)
    u = np.random.default_rng(np.random.SeedSequence(7)).random(5000)
    ref = stats.beta(1 + 4 * 0.5, 1 + 4 * 0.5, loc=1600.0, scale=1600.0)
    assert stats.kstest(d.ppf(u), ref.cdf).pvalue > 1e-3
    # and the test has power: a PERT with lambda 2 (same mean, wider) is rejected
    wide = dist(dist="pert", low=1600.0, mode=2400.0, high=3200.0, **{"lambda": 2.0})
    assert stats.kstest(wide.ppf(u), ref.cdf).pvalue < 1e-3


def test_cdf_inverts_ppf():
    for table in CONTINUOUS:
        d = dist(**table)
        u = np.array([0.001, 0.1, 0.5, 0.9, 0.999])
        np.testing.assert_allclose(d.cdf(d.ppf(u)), u, rtol=1e-8, err_msg=str(table))


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("table", "field", "pattern"),
    [
        (dict(dist="pertt", low=0, mode=1, high=2), "dist", r"unknown distribution 'pertt' \(did you mean 'pert'\?\)"),
        (dict(dist="pert", low=0, high=2), "mode", r"pert needs mode"),
        (dict(dist="uniform", low=2, high=2), "high", r"must be > low \(2\), got 2"),
        (dict(dist="normal", mean=0, sd=0), "sd", r"must be > 0, got 0"),
        (dict(dist="lognormal", median=1, gsd=1), "gsd", r"must be > 1 .*got 1"),
        (dict(dist="beta", mean=0.5, sd=0.5), "sd", r"must be < 0\.5 for a beta with this mean, got 0\.5"),
        (dict(dist="triangular", low=0, mode=3, high=2), "mode", r"must lie in \[low, high\] = \[0, 2\], got 3"),
        (dict(dist="pert", low=0, mode=1, high=2, **{"lambda": 0}), "lambda", r"must be > 0, got 0"),
        (dict(dist="integer", low=1, high=4.5), "high", r"whole number, got 4\.5"),
        (dict(dist="normal", mean="a", sd=1), "mean", r"must be a number, got 'a'"),
        (dict(dist="normal", p05=1, p95=2, p50=1.5), "p95", r"exactly two quantiles"),
        (dict(dist="normal", p05=3, p95=2), "p95", r"must be > p05 \(3\), got 2"),
        (dict(dist="gamma", p05=-1, p95=2), "p95", r"quantiles of a gamma must be > 0"),
        (dict(dist="normal", mean=0, sd=1, base=float("nan")), "base", r"must be a finite number"),
        (dict(dist="beta", mean=0.5, sd=0.1, base=2), "base", r"support \[0, 1\].*got 2"),
        (dict(value=1, base=2), "base", r"must equal its value \(1\)"),
        (dict(unit="x"), "dist", r"needs a dist .* or a value"),
    ],
)
def test_distribution_rules(table, field, pattern):
    with pytest.raises(DistributionError, match=pattern) as err:
        make_distribution(table)
    assert err.value.field == field


def test_distribution_is_frozen():
    d = dist(dist="normal", mean=0.0, sd=1.0)
    with pytest.raises(AttributeError):
        d.base = 1.0  # type: ignore[misc]


def test_exact_reference_is_exact():
    # the reference used above: scipy's isf in the upper half agrees with closed forms there
    rv = stats.uniform(0.0, 1.0)
    u = np.array([0.5, 1 - 1e-12, U_MAX])
    np.testing.assert_array_equal(_exact_ppf(rv, u), u)
    z = special.ndtri(U_MAX)
    assert float(_exact_ppf(stats.norm(), np.array([U_MAX]))[0]) == pytest.approx(z, rel=1e-12)


# --------------------------------------------------------------------------- hostile numbers

#: Numbers each of which passes ``_number`` alone, at the edges of float range.
EXTREMES = (0.0, 5e-324, 1e-300, 1e-8, 0.5, 1.0, 9e15, -5e-324, -1.0, -9e15)

HOSTILE_FORMS = [
    ("uniform", ("low", "high")), ("normal", ("mean", "sd")), ("normal", ("p01", "p02")),
    ("truncnormal", ("mean", "sd", "low", "high")), ("lognormal", ("median", "gsd")),
    ("lognormal", ("mean", "sd")), ("lognormal", ("p05", "p95")), ("beta", ("mean", "sd")),
    ("beta", ("mean", "sd", "low", "high")), ("beta", ("alpha", "beta")), ("gamma", ("mean", "sd")),
    ("gamma", ("shape", "scale")), ("gamma", ("p05", "p95")), ("triangular", ("low", "mode", "high")),
    ("pert", ("low", "mode", "high", "lambda")), ("integer", ("low", "high")),
]


@pytest.mark.parametrize(("name", "keys"), HOSTILE_FORMS, ids=[f"{n}-{'-'.join(k)}" for n, k in HOSTILE_FORMS])
def test_extreme_numbers_give_a_distribution_error_or_a_usable_distribution(name, keys):
    # every solver overflow, underflow or endless recursion becomes a DistributionError; what is
    # accepted has finite quantiles, inside its support, at the extremes a design draws
    rng = np.random.default_rng(9)
    combos = rng.choice(EXTREMES, size=(60, len(keys)))
    accepted = 0
    for combo in combos:
        table = {"dist": name, **dict(zip(keys, combo.tolist()))}
        try:
            d = make_distribution(table)
        except DistributionError as exc:
            assert "\n" not in str(exc)
            continue
        accepted += 1
        with np.errstate(all="ignore"):
            x, mean = d.rv.ppf([U_MIN, 0.5, U_MAX]), d.mean()
        lo, hi = d.support()
        assert np.all(np.isfinite(x)) and math.isfinite(d.base) and math.isfinite(mean), table
        assert np.all((x >= lo - 1e-9 * max(abs(lo), abs(hi), 1)) & (x <= hi + 1e-9 * max(abs(lo), abs(hi), 1))), table
    assert accepted > 0 or name in ("beta", "gamma", "truncnormal", "lognormal")  # the sweep reaches valid tables


@pytest.mark.parametrize(
    ("table", "field", "pattern"),
    [
        ({"dist": "beta", "mean": 5e-301, "sd": 1.0, "low": 0.0, "high": 1e-300}, "sd", r"must be < 5e-301"),
        ({"dist": "beta", "mean": 0.5, "sd": 5e-324}, "sd", r"is too small for a beta on \[0, 1\]"),
        ({"dist": "lognormal", "p01": 1e-300, "p02": 9e15}, None, r"passes float range"),
        ({"dist": "gamma", "mean": 9e15, "sd": 5e-324}, None, r"its .* is nan"),
        ({"dist": "normal", "mean": 0, "sd": 10**400}, "sd", r"got an integer of 401 digits"),
        ({"dist": "normal", "mean": 0, "sd": 10**5000}, "sd", r"got an integer of 5001 digits"),  # str() refuses
    ],
)
def test_hostile_numbers_name_the_field_or_the_parameter(table, field, pattern):
    with pytest.raises(DistributionError, match=pattern) as err:
        make_distribution(table)
    assert err.value.field == field


def test_fast_ppf_falls_back_when_scipy_fails(monkeypatch):
    rv = stats.beta(2.0, 3.0)

    def overflow(*args, **kwargs):
        raise OverflowError("boost says no")

    monkeypatch.setattr(_fastppf, "_build", overflow)
    assert _fastppf.build(rv) is None
