"""Sobol' indices through the config interface, against closed forms and SALib.

Tolerances: ``*_conf`` is a 95% half-width ``t_{R-1} * SE_J`` from the
jackknife over the R = 16 independent randomisations of the design (n >= 128),
so ``conf / T16`` estimates the standard error of an index; ``(S - truth) / SE_J``
is then about t-distributed with 15 degrees of freedom, and an index must lie
within ``K = 4`` standard errors of its true value (two-sided tail 0.001), plus
``FLOOR`` for the estimators' O(1/N) bias (they divide by the sample variance).
All runs are seeded: the tests are deterministic.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from conftest import write_config
from wotsim import WotsimError, load_config, parse_config
from wotsim.analysis import salib as _salib
from wotsim.errors import ResultsError
from wotsim.model import evaluate, output_array, parameter_values
from wotsim.sampling import EPS
from wotsim.analysis.groups import GROUPINGS, parameter_groups
from wotsim.analysis.io import load_sensitivity
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.sobol_design import saltelli_matrix, sobol_outputs, sobol_plan
from wotsim.analysis.sobol_estimates import analyse_sobol
from wotsim.simulate import transform

PI = math.pi
SCHIEDAM = Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml"
#: Allowance for the O(1/N) bias of the ratio estimators (about 1e-4 at N = 2**13), far below the standard errors.
FLOOR = 1e-3
#: The t quantile of the 95% half-widths with 16 randomisations (15 degrees of freedom): conf / T16 is the SE.
T16 = float(stats.t.ppf(0.975, 15))
#: Standard errors allowed between an estimate and the truth: P(|t_15| > 4) = 0.001.
K = 4.0


def within(estimate, conf, truth, k: float = K, floor: float = FLOOR):
    """|estimate - truth| <= k standard errors (conf / T16) + floor, elementwise."""
    estimate, conf, truth = (np.asarray(v, dtype=float) for v in (estimate, conf, truth))
    return np.abs(estimate - truth) <= k * conf / T16 + floor


def model_config(value: str, parameters: dict[str, str], *, extra: str = "", measure: str = "npv") -> dict:
    """A config whose single benefit item is ``value`` (horizon 1, no discounting, fixed cost 1)."""
    params = "\n".join(f"[parameters.{name}]\n{spec}\n" for name, spec in parameters.items())
    text = textwrap.dedent(f"""\
        [study]
        name = "test function"
        horizon = 1
        discount_rate = 0.0

        [simulation]
        seed = 12345

        [stakeholders]
        society = "Society"

        """) + params + textwrap.dedent(f"""
        [[items]]
        id = "f"
        kind = "benefit"
        stakeholder = "society"
        financial = true
        value = "{value}"

        [[items]]
        id = "outlay"
        kind = "cost"
        stakeholder = "society"
        financial = true
        value = 1.0

        [outputs.y]
        measure = "{measure}"
        """) + textwrap.dedent(extra)
    import tomllib

    return tomllib.loads(text)


def uniform(lo: float, hi: float, group: str = "") -> str:
    g = f'\ngroup = "{group}"' if group else ""
    return f'dist = "uniform"\nlow = {float(lo)!r}\nhigh = {float(hi)!r}{g}'


# --------------------------------------------------------------------------- closed forms
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami_truth():
    a, b = ISHIGAMI_A, ISHIGAMI_B
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


@pytest.fixture(scope="module")
def ishigami():
    cfg = parse_config(model_config(
        f"sin(x1) + {ISHIGAMI_A} * sin(x2)**2 + {ISHIGAMI_B} * x3**4 * sin(x1)",
        {f"x{i}": uniform(-PI, PI) for i in (1, 2, 3)}))
    return cfg, sobol_indices(cfg, outputs="y", samples=2**13)


def test_ishigami_first_and_total_order(ishigami):
    _, res = ishigami
    s1, st = ishigami_truth()
    ind = res.indices["y"]
    assert within(ind.S1, ind.S1_conf, s1).all(), (ind.S1, ind.S1_conf, s1)
    assert within(ind.ST, ind.ST_conf, st).all(), (ind.ST, ind.ST_conf, st)
    # the test can fail: the CIs are narrow enough to reject a wrong value of S1(x1)
    assert not within(ind.S1[0], ind.S1_conf[0], s1[0] + 0.05)


def g_function_truth(a):
    a = np.asarray(a, dtype=float)
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    v = np.prod(1 + vi) - 1
    st = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(a.size)]) / v
    return vi / v, st


def test_sobol_g_function():
    a = (0, 1, 4.5, 9, 99, 99, 99, 99)
    terms = " * ".join(f"(abs(4 * x{i} - 2) + {ai}) / {1 + ai}" for i, ai in enumerate(a))
    cfg = parse_config(model_config(terms, {f"x{i}": uniform(0.0, 1.0) for i in range(len(a))}))
    ind = sobol_indices(cfg, outputs="y", samples=2**13).indices["y"]
    s1, st = g_function_truth(a)
    assert within(ind.S1, ind.S1_conf, s1).all(), (ind.S1 - s1, ind.S1_conf)
    assert within(ind.ST, ind.ST_conf, st).all(), (ind.ST - st, ind.ST_conf)
    # order of importance follows a
    assert list(np.argsort(-ind.ST)[:4]) == [0, 1, 2, 3]


def test_linear_model_with_normal_inputs():
    """y = sum c_i x_i, x_i ~ N(mu_i, sd_i): S1_i = ST_i = c_i^2 sd_i^2 / sum_j c_j^2 sd_j^2."""
    c = np.array([1.0, -2.0, 0.5, 3.0])
    sd = np.array([1.0, 0.5, 2.0, 0.2])
    mu = np.array([10.0, -3.0, 0.0, 5.0])
    params = {f"x{i}": f'dist = "normal"\nmean = {mu[i]}\nsd = {sd[i]}' for i in range(4)}
    value = " + ".join(f"({c[i]}) * x{i}" for i in range(4))
    cfg = parse_config(model_config(value, params))
    ind = sobol_indices(cfg, outputs="y", samples=2**12).indices["y"]
    truth = c**2 * sd**2 / np.sum(c**2 * sd**2)
    assert within(ind.S1, ind.S1_conf, truth).all(), (ind.S1, truth)
    assert within(ind.ST, ind.ST_conf, truth).all(), (ind.ST, truth)


def test_grouped_indices_of_independent_groups_match_closed_form():
    """y = x1 x2 + x3 + x4, x ~ U(0, 1); groups {x1, x2} and {x3, x4}.

    Var(x1 x2) = 1/9 - 1/16 = 7/144, Var(x3 + x4) = 24/144: the grouped indices
    are 7/31 and 24/31 (first = total: the groups do not interact), while the
    members' own first-order indices add up to only 6/31.
    """
    params = {"x1": uniform(0.0, 1.0, "a"), "x2": uniform(0.0, 1.0, "a"),
              "x3": uniform(0.0, 1.0, "b"), "x4": uniform(0.0, 1.0, "b")}
    cfg = parse_config(model_config("x1 * x2 + x3 + x4", params))
    grouped = sobol_indices(cfg, outputs="y", samples=2**12, groups="group")
    ind = grouped.indices["y"]
    assert grouped.plan.factors == ("a", "b")
    assert grouped.members == {"a": ("x1", "x2"), "b": ("x3", "x4")}
    truth = np.array([7.0, 24.0]) / 31.0
    assert within(ind.S1, ind.S1_conf, truth).all(), (ind.S1, truth)
    assert within(ind.ST, ind.ST_conf, truth).all(), (ind.ST, truth)
    plain = sobol_indices(cfg, outputs="y", samples=2**12).indices["y"]
    assert within(plain.S1, plain.S1_conf, np.array([3, 3, 12, 12]) / 31).all()
    assert within(plain.ST, plain.ST_conf, np.array([4, 4, 12, 12]) / 31).all()
    # the rows follow the groups: 2 groups -> 4 rows per base point
    assert grouped.plan.rows == 2**12 * 4


def test_grouped_indices_with_correlated_block_match_closed_form():
    """y = x1 + x2 + x3, standard normals, rank correlation 0.5 between x1 and x2.

    The Gaussian copula gives Pearson rho = 2 sin(pi * 0.5 / 6) between normal
    marginals, so the block {x1, x2} has variance 2 + 2 rho and index
    (2 + 2 rho) / (3 + 2 rho).
    """
    params = {f"x{i}": 'dist = "normal"\nmean = 0.0\nsd = 1.0' for i in (1, 2, 3)}
    extra = """
        [[correlations]]
        between = ["x1", "x2"]
        rank = 0.5
        """
    cfg = parse_config(model_config("x1 + x2 + x3", params, extra=extra))
    res = sobol_indices(cfg, outputs="y", samples=2**12, groups="correlated")
    assert res.plan.copula
    assert res.plan.factors == ("x1+x2", "x3")
    assert any("imposed within groups" in n for n in res.notes)
    rho = 2 * math.sin(PI * 0.5 / 6)
    truth = np.array([2 + 2 * rho, 1.0]) / (3 + 2 * rho)
    ind = res.indices["y"]
    assert within(ind.S1, ind.S1_conf, truth).all(), (ind.S1, truth)
    assert within(ind.ST, ind.ST_conf, truth).all(), (ind.ST, truth)
    # ungrouped: the correlations cannot be honoured, and the result says so
    plain = sobol_indices(cfg, outputs="y", samples=2**6)
    assert not plain.plan.copula
    assert any("assumes independent inputs" in n for n in plain.notes)


# --------------------------------------------------------------------------- oracles and invariances
def test_salib_and_scipy_agree_on_the_same_samples(ishigami):
    """scipy.stats.sobol_indices on SALib's own A, B and AB rows.

    Total order: the same Jansen estimator under a shift and scale of y, so equal
    to rounding.  First order: the same Saltelli (2010) estimator, but SALib
    centres y on the mean of all rows and scipy on the mean of A and B; the
    estimate moves by (shift) * mean(AB - A) / var, a product of two O(1/sqrt(N))
    terms, far below one standard error.
    """
    cfg, res = ishigami
    plan = res.plan
    y = sobol_outputs(cfg, plan, ["y"])["y"]
    k = plan.block
    f_a, f_b = y[0::k], y[k - 1::k]
    f_ab = np.stack([y[1 + j::k] for j in range(3)])[:, None, :]
    sp = stats.sobol_indices(func={"f_A": f_a[None, :], "f_B": f_b[None, :], "f_AB": f_ab}, n=plan.n)
    ind = res.indices["y"]
    np.testing.assert_allclose(sp.total_order, ind.ST, rtol=1e-10, atol=1e-12)
    assert (np.abs(sp.first_order - ind.S1) <= ind.S1_conf / T16).all()


def test_scipy_own_design_agrees_with_truth_and_salib(ishigami):
    """scipy's own design and bootstrap, compared with the truth, and with SALib's estimate."""
    _, res = ishigami
    s1, st = ishigami_truth()

    def f(x):
        return np.sin(x[0]) + ISHIGAMI_A * np.sin(x[1]) ** 2 + ISHIGAMI_B * x[2] ** 4 * np.sin(x[0])

    dists = [stats.uniform(loc=-PI, scale=2 * PI)] * 3
    # n = 2**11: scipy's bootstrap costs 0.2 s (1.6 s at 2**12); every tolerance is its SE at this n
    sp = stats.sobol_indices(func=f, n=2**11, dists=dists, rng=np.random.default_rng(7))
    boot = sp.bootstrap(confidence_level=0.95, n_resamples=100)
    se1 = (boot.first_order.confidence_interval.high - boot.first_order.confidence_interval.low) / (2 * 1.96)
    set_ = (boot.total_order.confidence_interval.high - boot.total_order.confidence_interval.low) / (2 * 1.96)
    assert (np.abs(sp.first_order - s1) <= 3 * se1 + FLOOR).all()
    assert (np.abs(sp.total_order - st) <= 3 * set_ + FLOOR).all()
    ind = res.indices["y"]
    # independent estimates of the same quantity: difference within 3 combined standard errors
    assert (np.abs(sp.first_order - ind.S1) <= 3 * np.hypot(se1, ind.S1_conf / T16) + FLOOR).all()
    assert (np.abs(sp.total_order - ind.ST) <= 3 * np.hypot(set_, ind.ST_conf / T16) + FLOOR).all()


@pytest.mark.parametrize("a, b, exact", [(4.0, 0.0, True), (-2.5, 1e3, False), (3.7, -12.0, False)])
def test_indices_unchanged_by_affine_map(ishigami, a, b, exact):
    """S(a y + b) = S(y) on the same design: exact for a power of 2 and b = 0, else to rounding."""
    cfg, res = ishigami
    plan = res.plan
    y = sobol_outputs(cfg, plan, ["y"])["y"]
    one = analyse_sobol(plan, y)
    two = analyse_sobol(plan, a * y + b)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        if exact:
            np.testing.assert_array_equal(getattr(two, key), getattr(one, key))
        else:  # no Monte Carlo noise (same design and resamples), only floating-point rounding
            np.testing.assert_allclose(getattr(two, key), getattr(one, key), rtol=0, atol=1e-9)


def test_same_seed_same_indices_other_seed_other_indices(ishigami):
    cfg, res = ishigami
    again = sobol_indices(cfg, outputs="y", samples=2**13)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(getattr(again.indices["y"], key), getattr(res.indices["y"], key))
    np.testing.assert_array_equal(again.indices["y"].convergence.ST, res.indices["y"].convergence.ST)
    other = sobol_indices(cfg, outputs="y", samples=2**13, seed=res.plan.seed + 1)
    assert not np.array_equal(other.indices["y"].S1, res.indices["y"].S1)


def test_chunk_size_does_not_change_outputs(ishigami):
    cfg, _ = ishigami
    plan = sobol_plan(cfg, samples=256)
    a = sobol_outputs(cfg, plan, ["y"], chunk_size=7)["y"]
    b = sobol_outputs(cfg, plan, ["y"], chunk_size=10**6)["y"]
    np.testing.assert_array_equal(a, b)


def test_ishigami_second_order():
    """Ishigami's only interaction is x1 x3: S13 = V13 / V = ST3 (S3 = 0), S12 = S23 = 0."""
    cfg = parse_config(model_config(
        f"sin(x1) + {ISHIGAMI_A} * sin(x2)**2 + {ISHIGAMI_B} * x3**4 * sin(x1)",
        {f"x{i}": uniform(-PI, PI) for i in (1, 2, 3)}))
    res = sobol_indices(cfg, outputs="y", samples=2**12, second_order=True)
    assert res.plan.rows == 2**12 * 8
    ind = res.indices["y"]
    _, st = ishigami_truth()
    pairs = [(0, 1, 0.0), (0, 2, st[2]), (1, 2, 0.0)]
    for j, k, truth in pairs:
        assert within(ind.S2[j, k], ind.S2_conf[j, k], truth), (j, k, ind.S2[j, k], ind.S2_conf[j, k], truth)
    assert np.isnan(ind.S2[1, 0])  # upper triangle only
    s1, st = ishigami_truth()
    assert within(ind.S1, ind.S1_conf, s1).all() and within(ind.ST, ind.ST_conf, st).all()


@pytest.mark.slow
def test_ishigami_converges_at_large_n():
    """At N = 2**16 the CIs still cover the truth and every index is stable.

    (Widths at N and N/4 are not compared: the N/4 prefix holds only 4
    randomisations, and a jackknife SE with 3 degrees of freedom is too noisy
    to rank against another.)
    """
    cfg = parse_config(model_config(
        f"sin(x1) + {ISHIGAMI_A} * sin(x2)**2 + {ISHIGAMI_B} * x3**4 * sin(x1)",
        {f"x{i}": uniform(-PI, PI) for i in (1, 2, 3)}))
    ind = sobol_indices(cfg, outputs="y", samples=2**16).indices["y"]
    s1, st = ishigami_truth()
    assert within(ind.S1, ind.S1_conf, s1, floor=1e-4).all()
    assert within(ind.ST, ind.ST_conf, st, floor=1e-4).all()
    conv = ind.convergence
    np.testing.assert_array_equal(conv.n, [2**14, 2**15, 2**16])
    assert ind.verdicts == ("stable",) * 3


@pytest.mark.slow
def test_schiedam_sobol_indices_converge():
    """The Schiedam case at the benchmark's N = 2**14: every index converged, engines agree, ranks plausible."""
    cfg = load_config(SCHIEDAM)
    res = sobol_indices(cfg, outputs=["social_ratio", "npv"], samples=2**14)
    for ind in res.indices.values():
        assert all(v == "stable" for v in ind.verdicts)
        assert 0.8 < ind.S1.sum() <= 1.0 + K * np.sqrt(np.sum((ind.S1_conf / T16) ** 2))
    ref = analyse_sobol(res.plan, sobol_outputs(cfg, res.plan, ["social_ratio"])["social_ratio"], engine="salib")
    np.testing.assert_array_equal(ref.ST, res.indices["social_ratio"].ST)


# --------------------------------------------------------------------------- the plan closes SALib's traps
def test_non_power_of_two_is_a_clear_error(ishigami):
    cfg, _ = ishigami
    with pytest.raises(WotsimError, match=r"power of 2 >= 32.*got 1000; try 512 or 1024"):
        sobol_plan(cfg, samples=1000)
    with pytest.raises(WotsimError, match=r"4 independent randomisations.*got 16; try 32 or 64"):
        sobol_plan(cfg, samples=16)
    assert sobol_plan(cfg, samples=32).replicates == 4


def test_row_count_mismatch_is_caught(ishigami):
    cfg, res = ishigami
    y = sobol_outputs(cfg, res.plan, ["y"])["y"]
    with pytest.raises(WotsimError, match="sample and analyse with the same plan"):
        analyse_sobol(res.plan, y[:-5])
    # a first-order design analysed as if it had second order
    second = sobol_plan(cfg, samples=res.plan.n, second_order=True)
    with pytest.raises(WotsimError, match=r"second_order = True"):
        analyse_sobol(second, y)
    # the same check guards the door to SALib itself
    with pytest.raises(ValueError, match="same plan"):
        _salib.sobol_analyze(res.plan.parameters, y, n=res.plan.n // 2, second_order=False, resamples=10, seed=3)


@pytest.mark.parametrize("seed", [0, None, 1.5, True])
def test_salib_never_sees_seed_zero_or_none(seed):
    with pytest.raises(ValueError, match="nonzero int"):
        _salib.sobol_analyze(["a", "b"], np.zeros(16), n=4, second_order=False, resamples=10, seed=seed)
    with pytest.raises(ValueError, match="nonzero int"):
        _salib.sobol_sample(["a", "b"], 4, second_order=False, seed=seed)


def test_plan_seeds_are_nonzero_and_from_the_sensitivity_stream(ishigami):
    cfg, res = ishigami
    plan = res.plan
    assert plan.replicates == 16 and plan.block_points == 2**13 // 16
    seeds = plan.block_seeds
    assert len(seeds) == 16 and 0 not in seeds and plan.bootstrap_seed != 0
    assert len(set(seeds) | {plan.bootstrap_seed}) == 17
    # randomisation k's seed depends on the root seed and k only (one spawn key per block)
    small = sobol_plan(cfg, samples=64)
    assert small.replicates == 8 and small.block_seeds == seeds[:8]
    assert sobol_plan(cfg, samples=64, seed=plan.seed + 1).block_seeds[0] != seeds[0]


@pytest.mark.parametrize("second_order", [False, True])
@pytest.mark.parametrize("groups", [None, ["g1", "g2", "g1", "g3", "g2"]])
def test_numpy_saltelli_matrix_equals_salib(second_order, groups):
    names = ["a", "b", "c", "d", "e"]
    n, seed = 32, 987
    ref = _salib.sobol_sample(names, n, second_order=second_order, seed=seed, groups=groups)
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * len(names), scramble=True, seed=seed).random(n)
    factors = _salib.factor_names(names, groups)
    column_factor = [factors.index(g) for g in (groups or names)]
    ours = saltelli_matrix(base[:, :5], base[:, 5:], column_factor, second_order)
    np.testing.assert_array_equal(ours, ref)
    # SALib orders rows in blocks per base point, so a prefix of whole blocks is the design of fewer points
    block = _salib.sobol_rows(1, len(factors), second_order)
    half = _salib.sobol_sample(names, n // 2, second_order=second_order, seed=seed, groups=groups)
    np.testing.assert_array_equal(ref[: n // 2 * block], half)


def salib_design(plan):
    """The plan's design from SALib's own sampler: one ``sample.sobol`` per randomisation, one after another."""
    return np.vstack([_salib.sobol_sample(plan.parameters, plan.block_points, second_order=plan.second_order,
                                          seed=s, groups=plan.groups) for s in plan.block_seeds])


def test_plan_design_equals_salib_sample_and_value_space_assembly_equals_direct_mapping():
    """The plan's outputs equal evaluating SALib's own sample, mapped row by row (Schiedam: PERT, integer, derived)."""
    cfg = load_config(SCHIEDAM)
    for groups in (None, "group"):
        plan = sobol_plan(cfg, samples=32, groups=groups)
        u = salib_design(plan)
        assert u.shape == (plan.rows, len(plan.parameters))
        values = parameter_values(cfg, np.clip(u, EPS, 1 - EPS))
        item_pv = evaluate(cfg, values, plan.rows).item_pv
        ours = sobol_outputs(cfg, plan, ["social_ratio", "net:households"])
        np.testing.assert_array_equal(ours["social_ratio"], output_array(cfg, item_pv, "social_ratio"))
        np.testing.assert_array_equal(ours["net:households"], output_array(cfg, item_pv, "net:households"))


def test_copula_within_groups_equals_direct_mapping():
    params = {f"x{i}": 'dist = "lognormal"\nmedian = 2.0\ngsd = 1.5' for i in (1, 2, 3, 4)}
    extra = """
        [[correlations]]
        between = ["x1", "x3"]
        rank = 0.6

        [[correlations]]
        between = ["x3", "x4"]
        rank = -0.3
        """
    cfg = parse_config(model_config("x1 * x2 + x3 / x4", params, extra=extra))
    plan = sobol_plan(cfg, samples=32, groups="correlated", second_order=True)
    assert plan.copula and plan.factors == ("x1+x3+x4", "x2")
    u = salib_design(plan)
    values = parameter_values(cfg, transform(cfg, np.clip(u, EPS, 1 - EPS)))
    direct = output_array(cfg, evaluate(cfg, values, plan.rows).item_pv, "y")
    np.testing.assert_array_equal(sobol_outputs(cfg, plan, ["y"])["y"], direct)


def test_fast_engine_equals_salib():
    """The numpy path against SALib's analyze.sobol on every (sub)design, with second order and groups.

    Point estimates bit for bit (same standardisation and operations); the
    jackknife half-widths, built from the leave-one-out estimates, to rounding.
    """
    params = {"x1": uniform(0.0, 1.0, "a"), "x2": uniform(0.0, 1.0, "b"),
              "x3": uniform(0.0, 1.0, "a"), "x4": uniform(-1.0, 1.0, "c")}
    cfg = parse_config(model_config("x1 * x2 + exp(x3) * x4 + x2 * x4**2", params))
    for groups in (None, "group"):
        plan = sobol_plan(cfg, samples=256, groups=groups, second_order=True)
        y = sobol_outputs(cfg, plan, ["y"])["y"]
        fast = analyse_sobol(plan, y, engine="fast")
        ref = analyse_sobol(plan, y, engine="salib")
        for key in ("S1", "ST", "S2"):
            np.testing.assert_array_equal(getattr(fast, key), getattr(ref, key), err_msg=key)
        for key in ("S1_conf", "ST_conf", "S2_conf"):
            np.testing.assert_allclose(getattr(fast, key), getattr(ref, key), rtol=1e-12, atol=1e-15, err_msg=key)
        for key in ("S1", "ST", "S1_halves", "ST_halves"):
            np.testing.assert_array_equal(getattr(fast.convergence, key), getattr(ref.convergence, key), err_msg=key)
        for key in ("S1_conf", "ST_conf"):
            np.testing.assert_allclose(getattr(fast.convergence, key), getattr(ref.convergence, key), rtol=1e-12,
                                       atol=1e-15, err_msg=key)
        assert fast.verdicts == ref.verdicts
        assert (fast.S2_conf[np.triu_indices(len(fast.factors), 1)] > 0).all()  # the comparison is not of zeros


# --------------------------------------------------------------------------- the randomised design and its intervals
def test_design_is_made_of_independent_scrambled_sobol_randomisations(ishigami):
    """R = 16 blocks of n/R base points, each its own scrambled Sobol' sequence in 2d dimensions."""
    from scipy.stats import qmc

    from wotsim.analysis.sobol_design import base_matrices as _base_matrices

    cfg, _ = ishigami
    plan = sobol_plan(cfg, samples=256)
    r, m, d2 = plan.replicates, plan.block_points, 2 * len(plan.parameters)
    assert (r, m) == (16, 16)
    ua, ub = _base_matrices(plan)
    blocks = np.hstack([ua, ub]).reshape(r, m, d2)

    def balanced(points, k):
        """Every coordinate has exactly one point in each of the k intervals [i/k, (i+1)/k)."""
        return all(sorted(np.floor(points[:, j] * k).astype(int)) == list(range(k)) for j in range(points.shape[1]))

    for k, seed in enumerate(plan.block_seeds):
        np.testing.assert_array_equal(blocks[k], qmc.Sobol(d2, scramble=True, seed=seed).random(m))
        assert balanced(blocks[k], m)
        # the first two coordinates of a scrambled Sobol' set of 2^p points form a (0, p, 2)-net:
        # one point in every elementary box of area 1/m
        for a in range(5):
            cells = np.floor(blocks[k][:, 0] * 2**a) * 2 ** (4 - a) + np.floor(blocks[k][:, 1] * 2 ** (4 - a))
            assert sorted(cells.astype(int)) == list(range(m))
    # independent randomisations: blocks 0 and 1 differ, and together they are not the first 2m points of one
    # sequence (which would be balanced on the 2m intervals of every coordinate, as the check shows)
    assert not np.array_equal(blocks[0], blocks[1])
    assert balanced(qmc.Sobol(d2, scramble=True, seed=plan.block_seeds[0]).random(2 * m), 2 * m)
    assert not any(balanced(np.vstack(blocks[:2])[:, [j]], 2 * m) for j in range(d2))


def test_jackknife_half_widths_equal_a_direct_leave_one_block_out_computation(ishigami):
    """conf = t_{R-1, 0.975} * sqrt((R - 1) * var(theta_-k)), theta_-k from SALib's analyze on all blocks but k."""
    from SALib.analyze import sobol as salib_sobol

    cfg, _ = ishigami
    plan = sobol_plan(cfg, samples=512, second_order=True)
    y = sobol_outputs(cfg, plan, ["y"])["y"]
    ind = analyse_sobol(plan, y)
    r = plan.replicates
    blocks = y.reshape(r, -1)  # the rows of each randomisation are contiguous
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    full = salib_sobol.analyze(problem, y, calc_second_order=True, num_resamples=10, seed=1)
    loo = [salib_sobol.analyze(problem, np.delete(blocks, k, axis=0).ravel(), calc_second_order=True,
                               num_resamples=10, seed=1) for k in range(r)]
    t = stats.t.ppf(0.975, r - 1)
    for key in ("S1", "ST", "S2"):
        np.testing.assert_array_equal(getattr(ind, key), full[key], err_msg=key)
        theta = np.array([e[key] for e in loo])
        half = t * np.sqrt((r - 1) * np.var(theta, axis=0))
        np.testing.assert_allclose(getattr(ind, f"{key}_conf"), half, rtol=1e-10, atol=1e-15, err_msg=key)
    assert (ind.ST_conf > 0).all()


def test_interval_coverage_smoke_on_a_linear_model():
    """Y = sum b_i X_i, X_i ~ U(0, 1): S1_i = ST_i = b_i^2 / sum b_j^2, 10 seeds at n = 256.

    80 nominal 95% intervals: honest ones miss about 4 (binomial sd 2); 12 or
    more misses has probability < 1e-3 even allowing for the correlation
    between a seed's indices, so coverage must be >= 85%.  Coverage alone
    cannot catch intervals that are too wide (the old iid bootstrap's were 2-16
    times too wide and covered 98-100%), so the root mean square error over
    the root mean square standard error (conf / t) must also be near 1: its
    sampling sd over these 80 correlated values is about 0.15, and [0.6, 1.6]
    lies 2.7 sd or more from 1.
    """
    from wotsim.analysis.sobol import sobol_of_function

    b = np.array([1.0, 2.0, 3.0, 4.0])
    truth = b**2 / np.sum(b**2)
    errors, ses, covered = [], [], []
    for seed in range(1, 11):
        ind = sobol_of_function(lambda x: x @ b, 4, 256, seed=seed)
        for s, conf in ((ind.S1, ind.S1_conf), (ind.ST, ind.ST_conf)):
            errors.append(s - truth)
            ses.append(conf / T16)
            covered.append(np.abs(s - truth) <= conf)
    coverage = float(np.mean(covered))
    ratio = float(np.sqrt(np.mean(np.square(errors)) / np.mean(np.square(ses))))
    assert coverage >= 0.85, coverage
    assert 0.6 <= ratio <= 1.6, ratio


# --------------------------------------------------------------------------- convergence
def test_convergence_levels_halves_and_verdicts(ishigami):
    cfg, res = ishigami
    ind = res.indices["y"]
    conv = ind.convergence
    # nested prefixes holding >= 4 of the 16 randomisations: N/4, N/2, N
    np.testing.assert_array_equal(conv.n, [2**11, 2**12, 2**13])
    assert conv.ST.shape == (3, 3)
    # the last level is the reported estimate
    np.testing.assert_array_equal(conv.ST[-1], ind.ST)
    np.testing.assert_array_equal(conv.ST_conf[-1], ind.ST_conf)
    # the halves: the first n/2 base points (the N/2 prefix) and the last n/2, estimated on their own
    np.testing.assert_array_equal(conv.ST_halves[0], conv.ST[1])
    plan = res.plan
    y = sobol_outputs(cfg, plan, ["y"])["y"]
    second = _salib.sobol_analyze(plan.parameters, y[plan.rows // 2:], n=plan.n // 2, second_order=False,
                                  resamples=2, seed=1)
    np.testing.assert_array_equal(conv.ST_halves[1], second["ST"])
    np.testing.assert_array_equal(conv.S1_halves[1], second["S1"])
    assert ind.verdicts == ("stable",) * 3
    assert "max(0.02, 10% of the index)" in conv.rule


def test_small_n_is_not_stable(ishigami):
    cfg, _ = ishigami
    ind = sobol_indices(cfg, outputs="y", samples=32).indices["y"]
    assert ind.convergence.n.tolist() == [32]  # 4 randomisations of 8: no smaller prefix has 4
    assert "not stable" in ind.verdicts
    assert all(r for r, v in zip(ind.convergence.reasons, ind.verdicts) if v == "not stable")


def test_verdict_rule_relative_and_absolute_tolerances():
    from wotsim.analysis.sobol_estimates import _verdict

    #        rel. ok  wide   abs. ok  wide   halves ok  apart  small ok  apart
    s = [0.50, 0.50, 0.010, 0.010, 0.50, 0.50, 0.005, 0.005]
    conf = [0.04, 0.06, 0.015, 0.025, 0.01, 0.01, 0.001, 0.001]
    h0 = [0.50, 0.50, 0.010, 0.010, 0.45, 0.44, 0.000, 0.000]
    h1 = [0.50, 0.50, 0.010, 0.010, 0.54, 0.56, 0.030, 0.050]
    wide, split = _verdict(s, conf, [h0, h1], 0.02, 0.10)
    # tol(0.5) = 10% of 0.5 = 0.05 (not the absolute 0.02); tol(0.01) = 0.02 (not 10% of 0.01)
    np.testing.assert_array_equal(wide, [False, True, False, True, False, False, False, False])
    # halves must agree within 2 tol: 0.09 <= 0.10 < 0.12; 0.03 <= 0.04 < 0.05
    np.testing.assert_array_equal(split, [False, False, False, False, False, True, False, True])
    # on the boundary (exact binary fractions): stable; NaN: not
    wide, split = _verdict([1.0, 1.0], [0.5, np.nan], [[0.5, 1.0], [1.5, 1.0]], 0.25, 0.5)
    np.testing.assert_array_equal(wide, [False, True])
    np.testing.assert_array_equal(split, [False, False])


def test_convergence_reasons_name_the_failed_checks():
    from wotsim.analysis.sobol_estimates import SobolConvergence as Convergence, _verdict

    s1, s1_conf = np.array([0.3, 0.3, 0.3, 0.3]), np.array([0.01, 0.05, 0.01, 0.05])
    st, st_conf = np.array([0.4, 0.4, 0.4, 0.4]), np.array([0.01, 0.01, 0.01, 0.01])
    s1_halves = np.array([[0.3] * 4, [0.3] * 4])
    st_halves = np.array([[0.4, 0.4, 0.3, 0.3], [0.4, 0.4, 0.5, 0.5]])
    w1, d1 = _verdict(s1, s1_conf, s1_halves, 0.02, 0.1)
    wt, dt = _verdict(st, st_conf, st_halves, 0.02, 0.1)
    conv = Convergence(n=np.array([64]), S1=s1[None], S1_conf=s1_conf[None], ST=st[None], ST_conf=st_conf[None],
                       S1_halves=s1_halves, ST_halves=st_halves, stable_S1=~(w1 | d1), stable_ST=~(wt | dt),
                       tolerance=0.02, rel_tolerance=0.1)
    assert conv.reasons == ("", "CI", "halves disagree", "CI, halves disagree")
    assert conv.verdicts == ("stable", "not stable", "not stable", "not stable")


# --------------------------------------------------------------------------- groups
GROUPED = """
[study]
name = "groups"
horizon = "years"
discount_rate = "rate"

[stakeholders]
town = "Town"
people = "People"

[parameters.years]
dist = "integer"
low = 2
high = 4
group = "time"

[parameters.rate]
dist = "uniform"
low = 0.0
high = 0.05
group = "time"

[parameters.n]
dist = "uniform"
low = 10
high = 20
group = "reach"

[parameters.effect]
dist = "uniform"
low = 0.1
high = 0.2
group = "effect"

[parameters.price]
dist = "uniform"
low = 1
high = 2
group = "unit value"

[parameters.wage]
dist = "uniform"
low = 1
high = 2

[parameters.unused]
dist = "uniform"
low = 1
high = 2

[derived]
helped = "n * effect"

[[items]]
id = "care"
kind = "benefit"
stakeholder = "town"
financial = true
value = "helped * price"

[[items]]
id = "work"
kind = "benefit"
stakeholder = "people"
financial = false
value = "helped * wage"

[[items]]
id = "team"
kind = "cost"
stakeholder = "town"
financial = true
value = "price * 3"

[outputs.ratio]
"""


def test_parameter_groups_by_group_item_stakeholder(tmp_path):
    cfg = load_config(write_config(tmp_path, GROUPED))
    assert parameter_groups(cfg, "group") == {
        "years": "time", "rate": "time", "n": "reach", "effect": "effect", "price": "unit value",
        "wage": "(no group)", "unused": "(no group)"}
    # n and effect reach two items through the derived 'helped'; price two items; horizon and rate every item
    assert parameter_groups(cfg, "item") == {
        "years": "shared", "rate": "shared", "n": "shared", "effect": "shared", "price": "shared",
        "wage": "work", "unused": "(unused)"}
    assert parameter_groups(cfg, "stakeholder") == {
        "years": "shared", "rate": "shared", "n": "shared", "effect": "shared", "price": "town",
        "wage": "people", "unused": "(unused)"}
    assert parameter_groups(cfg, "correlated") == {p: p for p in cfg.uncertain}
    with pytest.raises(WotsimError, match="groups must be one of group, item, stakeholder, correlated"):
        parameter_groups(cfg, "colour")


def test_item_grouping_drives_design_and_unused_group_is_zero(tmp_path):
    cfg = load_config(write_config(tmp_path, GROUPED))
    res = sobol_indices(cfg, outputs=["ratio", "net:people"], samples=2**10, groups="stakeholder")
    assert res.plan.factors == ("shared", "town", "people", "(unused)")
    ind = res.indices["ratio"]
    k = res.plan.factors.index("(unused)")
    assert ind.S1[k] == pytest.approx(0.0, abs=ind.S1_conf[k] + FLOOR)
    assert ind.ST[k] == 0.0  # the column does not enter the model: A and AB rows are identical
    assert res.labels["town"] == "Town"
    # 'people' reads only wage and the shared parameters: the town group cannot move net:people
    assert res.indices["net:people"].ST[res.plan.factors.index("town")] == 0.0


def test_one_group_is_an_error(tmp_path):
    cfg = parse_config(model_config("x1 + x2", {"x1": uniform(0, 1, "g"), "x2": uniform(0, 1, "g")}))
    with pytest.raises(WotsimError, match="puts every uncertain parameter in one group"):
        sobol_plan(cfg, groups="group")


def test_outputs_any_name_and_unknown_is_an_error(tmp_path):
    cfg = load_config(write_config(tmp_path, GROUPED))
    res = sobol_indices(cfg, outputs=["npv", "benefits", "costs", "net:town"], samples=32)
    assert set(res.indices) == {"npv", "benefits", "costs", "net:town"}
    with pytest.raises(WotsimError, match="unknown output 'nope'; known outputs: ratio, npv"):
        sobol_indices(cfg, outputs="nope", samples=32)


def test_undefined_output_is_an_error():
    cfg = parse_config(model_config("x1", {"x1": uniform(-1.0, 1.0)}, measure="ratio"))
    cfg2 = parse_config({**model_config("x1", {"x1": uniform(-1.0, 1.0)}),
                         "items": [{"id": "f", "kind": "benefit", "stakeholder": "society", "financial": True,
                                    "value": "x1"},
                                   {"id": "outlay", "kind": "cost", "stakeholder": "society", "financial": True,
                                    "value": "x1 * 0"}],
                         "outputs": {"y": {"measure": "ratio"}}})
    assert sobol_indices(cfg, outputs="y", samples=32).indices["y"].S1.shape == (1,)
    with pytest.raises(WotsimError, match="undefined"):
        sobol_indices(cfg2, outputs="y", samples=32)


def test_constant_output_gives_zero_indices_and_a_note():
    cfg = parse_config(model_config("x1", {"x1": uniform(0.0, 1.0), "x2": uniform(0.0, 1.0)}))
    res = sobol_indices(cfg, outputs=["costs", "y"], samples=32)
    assert (res.indices["costs"].ST == 0).all() and res.indices["costs"].constant
    assert any("'costs' does not vary" in n for n in res.notes)


# --------------------------------------------------------------------------- persistence
def test_save_and_load_round_trip(tmp_path, ishigami):
    cfg = parse_config(model_config("x1 * x2 + x3", {f"x{i}": uniform(0.0, 1.0, "ab"[i > 2]) for i in (1, 2, 3)}))
    res = sobol_indices(cfg, outputs=["y", "npv"], samples=32, groups="group", second_order=True)
    res.save(tmp_path / "sens")
    back = load_sensitivity(tmp_path / "sens")
    assert back.plan == res.plan
    assert back.members == res.members and back.labels == res.labels and back.notes == res.notes
    for name in ("y", "npv"):
        a, b = res.indices[name], back.indices[name]
        for key in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"):
            np.testing.assert_array_equal(getattr(b, key), getattr(a, key))
        for key in ("n", "ST", "ST_conf", "S1_halves", "ST_halves", "stable_S1"):
            np.testing.assert_array_equal(getattr(b.convergence, key), getattr(a.convergence, key), err_msg=key)
        assert b.convergence.rel_tolerance == a.convergence.rel_tolerance == 0.1
        assert b.verdicts == a.verdicts and b.convergence.reasons == a.convergence.reasons
    assert back.plan.replicates == res.plan.replicates == 4
    assert back.ci_method == res.ci_method == "jackknife over 4 independent randomisations (t with 3 df)"
    assert back.manifest["method"] == "sobol"
    body = json.loads((tmp_path / "sens" / "sensitivity.json").read_text())
    assert body["format"] == 2 and body["ci_method"] == res.ci_method and body["plan"]["replicates"] == 4
    # a directory written by an older wotsim (bootstrap CIs, format 1) is refused, with the reason
    body["format"] = 1
    (tmp_path / "sens" / "sensitivity.json").write_text(json.dumps(body))
    with pytest.raises(ResultsError, match=r"format 1.*bootstrap.*rerun 'wotsim sensitivity'"):
        load_sensitivity(tmp_path / "sens")
    # a path that is not a results directory is never replaced
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(WotsimError, match="refusing to replace"):
        res.save(tmp_path / "other")
