"""Expected value of sample information (wotsim.analysis.evsi) against exact preposterior values.

Normal-normal: ``x ~ N(mu, sigma^2)``, the net benefit ``NPV = b x + a`` and a study of ``n`` observations of
sd ``s``: ``EVSI = v phi(m / v) - |m| Phi(-|m| / v)``, ``m = a + b mu``, ``v = |b| sigma^2 / sqrt(sigma^2 +
s^2 / n)`` (wotsim.analysis.evsi_exact).  Beta-binomial: ``p ~ Beta(alpha, beta)``, ``X ~ Binomial(n, p)``:
the exact sum over ``x = 0..n``.  Tolerance ``K`` = 3 standard errors of the estimate (the jackknife se,
which includes the regression's error), or 3% of the truth (the issue's "Done when"); the seeds are fixed.
The calibration of the se against the spread over seeds is the slow test at the end.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, stats

from conftest import linear_config
from wotsim.analysis.evsi import (NO_SIZE, evsi_frame, evsi_many, load_evsi, population_factor, save_evsi,
                                  study_data, study_evsi, study_uniforms)
from wotsim.analysis.evsi_exact import (evppi_beta_linear, evppi_normal_linear, evsi_beta_binomial_linear,
                                        evsi_normal_linear, normal_loss)
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.config.schema import StudyDesign
from wotsim.errors import ResultsError, WotsimError
from wotsim.results.io import manifest
from wotsim.simulate import simulate

K = 3.0


def config(parameters: dict, value: str, cost: str | float = 1.0, *, studies: dict | None = None,
           samples: int = 2**14, seed: int = 11, rate: float = 0.0, cohorts: int = 1, sampler: str = "mc"):
    cfg = linear_config(parameters, value, cost, name="evsi", samples=samples, seed=seed, rate=rate, sampler=sampler)
    return dataclasses.replace(cfg, studies=studies or {}, study=dataclasses.replace(cfg.study, decision_cohorts=cohorts))


def design(id: str, informs, kind: str = "normal", sizes=(10,), sd: float | None = 1.0, cost_fixed: float = 0.0,
           cost_per_unit: float = 0.0) -> StudyDesign:
    informs = (informs,) if isinstance(informs, str) else tuple(informs)
    return StudyDesign(id=id, label=id.replace("_", " "), informs=informs, design=kind, sizes=tuple(sizes),
                       cost_fixed=cost_fixed, cost_per_unit=cost_per_unit, sd=sd if kind == "normal" else None)


def close(estimate: float, se: float, truth: float) -> bool:
    return abs(estimate - truth) <= max(K * se, 0.03 * truth)


# --------------------------------------------------------------------------- the exact forms themselves
def test_the_exact_forms_agree_with_quadrature_and_with_their_limits():
    # normal: E over the data mean T ~ N(mu, sigma^2 + s^2/n) of max(a + b E[x | T], 0), by quadrature
    a, b, mu, sigma, s, n = -1.0, 2.0, 0.6, 0.8, 3.0, 7
    w = sigma ** 2 / (sigma ** 2 + s ** 2 / n)  # the posterior mean's weight on T
    sd_t = math.sqrt(sigma ** 2 + s ** 2 / n)
    gain = integrate.quad(lambda t: max(a + b * (mu + w * (t - mu)), 0.0) * stats.norm.pdf(t, mu, sd_t),
                          mu - 12 * sd_t, mu + 12 * sd_t, points=[mu + (-a / b - mu) / w], limit=200)[0]
    assert evsi_normal_linear(a, b, mu, sigma, s, n) == pytest.approx(gain - max(a + b * mu, 0.0), rel=1e-8)
    assert evsi_normal_linear(a, b, mu, sigma, s, math.inf) == evppi_normal_linear(a, b, mu, sigma)
    assert normal_loss(0.0, 1.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-14)
    # beta-binomial at n = 3 by quadrature over p of the binomial likelihood
    al, be, a, b = 2.0, 3.0, -0.35, 1.0
    prior = a + b * al / (al + be)
    gain = 0.0
    for x in range(4):
        px = integrate.quad(lambda p: stats.binom.pmf(x, 3, p) * stats.beta.pdf(p, al, be), 0, 1)[0]
        ex = integrate.quad(lambda p: p * stats.binom.pmf(x, 3, p) * stats.beta.pdf(p, al, be), 0, 1)[0] / px
        gain += px * max(a + b * ex, 0.0)
    assert evsi_beta_binomial_linear(a, b, al, be, 3) == pytest.approx(gain - max(prior, 0.0), rel=1e-9)
    # EVPPI: by quadrature, and the limit of EVSI as n grows
    full = integrate.quad(lambda p: max(a + b * p, 0.0) * stats.beta.pdf(p, al, be), 0, 1, points=[0.35])[0]
    assert evppi_beta_linear(a, b, al, be) == pytest.approx(full - max(prior, 0.0), rel=1e-9)
    assert evppi_beta_linear(-a, -b, al, be) == pytest.approx(full - max(prior, 0.0), rel=1e-9)  # same loss
    assert evsi_beta_binomial_linear(a, b, al, be, 20000) == pytest.approx(evppi_beta_linear(a, b, al, be), rel=2e-3)


# --------------------------------------------------------------------------- regression vs exact
@pytest.mark.parametrize("mean, s", [(1.0, 10.0), (2.5, 1.0)])  # E[INB]/sd(INB) = 0 and 1.5
def test_normal_normal_evsi_matches_the_closed_form(mean, s):
    study = design("mean_study", "x", sizes=(1, 10, 100, 1000), sd=s)
    cfg = config({"x": {"dist": "normal", "mean": mean, "sd": 1.0}}, "x", studies={"mean_study": study})
    [r] = study_evsi(simulate(cfg), "mean_study")  # NPV = x - 1
    assert r.decision == "keep" and r.sizes == (1, 10, 100, 1000)
    for j, n in enumerate(r.sizes):
        truth = evsi_normal_linear(-1.0, 1.0, mean, 1.0, s, n)
        assert close(r.evsi[j], r.evsi_se[j], truth), (n, r.evsi[j], r.evsi_se[j], truth)
    assert close(r.evppi, r.evppi_se, evppi_normal_linear(-1.0, 1.0, mean, 1.0))


def test_beta_binomial_evsi_matches_the_exact_preposterior_sum():
    # NPV = 1000 p - 300, p ~ Beta(3, 7): E[INB] = 0; n = 5 and 20 take at most 21 values (exact cell means),
    # n = 60 gets the spline
    study = design("events", "p", kind="binomial", sizes=(5, 20, 60))
    cfg = config({"p": {"dist": "beta", "alpha": 3.0, "beta": 7.0}}, "1000 * p", 300.0, studies={"events": study})
    [r] = study_evsi(simulate(cfg), "events")
    for j, n in enumerate(r.sizes):
        truth = evsi_beta_binomial_linear(-300.0, 1000.0, 3.0, 7.0, n)
        assert abs(r.evsi[j] - truth) <= K * r.evsi_se[j], (n, r.evsi[j], r.evsi_se[j], truth)
    assert abs(r.evppi - evppi_beta_linear(-300.0, 1000.0, 3.0, 7.0)) <= K * r.evppi_se


def test_adoption_of_a_scenario_against_its_closed_form():
    # base NPV = x - 1; the scenario scales x by 1.2, so adopting it has INB = 0.2 x (same uniform)
    study = design("mean_study", "x", sizes=(2, 50), sd=2.0)
    cfg = config({"x": {"dist": "normal", "mean": 1.0, "sd": 1.0}}, "x", studies={"mean_study": study})
    more = parse_scenario({"scenario": {"id": "more", "label": "l", "description": "d", "evidence": "e"},
                           "scale": {"x": 1.2}}, cfg)
    cmp = compare(cfg, [more], outputs=("npv",), samples=2**14)
    keep, adopt = study_evsi(cmp, "mean_study")
    assert (keep.decision, adopt.decision) == ("keep", "adopt:more")
    assert keep == study_evsi(simulate(cfg), "mean_study")[0]  # the same numbers as the run alone
    for j, n in enumerate(adopt.sizes):
        truth = evsi_normal_linear(0.0, 0.2, 1.0, 1.0, 2.0, n)
        assert close(adopt.evsi[j], adopt.evsi_se[j], truth), (n, adopt.evsi[j], truth)
    with pytest.raises(WotsimError, match="needs a paired comparison"):
        study_evsi(simulate(cfg), "mean_study", decisions=["base", "more"])


# --------------------------------------------------------------------------- invariants
def test_invariants_bounds_monotone_limit_and_an_inert_parameter():
    sizes = (1, 4, 16, 64, 256, 4096, 10**6)
    studies = {"on_x": design("on_x", "x", sizes=sizes, sd=3.0),
               "on_z": design("on_z", "z", sizes=(10, 1000), sd=0.1),
               "joint": design("joint", ("x", "z"), sizes=(16, 4096), sd=3.0)}
    cfg = config({"x": {"dist": "normal", "mean": 1.2, "sd": 1.0}, "z": {"dist": "uniform", "low": 0, "high": 1}},
                 "x", studies=studies)
    out = evsi_many(simulate(cfg))
    [x], [z], [xz] = out["on_x"], out["on_z"], out["joint"]
    # 0 <= EVSI <= EVPPI of the informed parameter (reported capped; the raw estimate within noise)
    for j in range(len(sizes)):
        raw = x.fits[j].raw
        assert 0.0 <= x.evsi[j] <= x.evppi <= x.evpi + 1e-12
        assert raw <= x.evppi_fit.raw + K * math.hypot(x.evsi_se[j], x.evppi_se)
    # non-decreasing in n within noise, and far from flat: the smallest study is worth a fraction of the largest
    for j in range(len(sizes) - 1):
        assert x.evsi[j + 1] >= x.evsi[j] - K * max(x.evsi_se[j], x.evsi_se[j + 1]), j
    assert x.evsi[0] < 0.2 * x.evsi[-1]
    # EVSI -> EVPPI as n grows
    assert abs(x.fits[-1].raw - x.evppi_fit.raw) <= max(K * x.evsi_se[-1], 0.01 * x.evppi)
    # an inert parameter's study (and its EVPPI) stays within its noise floor
    for j in range(2):
        assert not z.fits[j].distinguishable and z.evsi[j] <= z.floor[j] + K * z.evsi_se[j]
    assert not z.evppi_fit.distinguishable and x.fits[3].distinguishable
    # a joint study of x and the inert z is worth what the study of x alone is
    for j, n in enumerate(xz.sizes):
        assert close(xz.evsi[j], xz.evsi_se[j], evsi_normal_linear(-1.0, 1.0, 1.2, 1.0, 3.0, n))
    assert xz.evppi_fit.kind == "group" and xz.fits[0].parameters == ("x", "z")


def test_population_cost_enbs_and_the_best_size():
    rate, cohorts = 0.04, 3
    studies = {"cheap": design("cheap", "x", sizes=(1, 10, 100, 1000), sd=10.0, cost_fixed=0.02, cost_per_unit=1e-4),
               "dear": design("dear", "x", sizes=(1, 10, 100), sd=10.0, cost_fixed=5.0)}
    cfg = config({"x": {"dist": "normal", "mean": 1.0, "sd": 1.0}}, "x", studies=studies, rate=rate,
                 cohorts=cohorts)
    out = evsi_many(simulate(cfg))
    [r], [dear] = out["cheap"], out["dear"]
    factor = 1 + 1 / 1.04 + 1 / 1.04 ** 2
    assert population_factor(cohorts, rate) == pytest.approx(factor, rel=1e-15)
    assert (r.cohorts, r.discount_rate, r.population_factor) == (3, 0.04, population_factor(3, 0.04))
    assert r.cost == tuple(0.02 + 1e-4 * n for n in (1, 10, 100, 1000))
    assert r.population_evsi == tuple(v * r.population_factor for v in r.evsi)
    assert r.population_evsi_se == tuple(v * r.population_factor for v in r.evsi_se)
    assert r.enbs == tuple(p - c for p, c in zip(r.population_evsi, r.cost))
    assert r.population_evppi == r.evppi * r.population_factor
    assert r.population_evpi == r.evpi * r.population_factor
    # the truth: EVSI 0.040, 0.120, 0.282, 0.380 per cohort -> ENBS 0.096, 0.31, 0.77, 0.98: the largest is best
    assert r.best_size == 1000 and r.message == "" and r.best_note == ""
    assert dear.best_size is None and dear.message == NO_SIZE == "no size is worth its cost"
    frame = evsi_frame(out["cheap"] + out["dear"])
    assert list(frame["size"]) == [1, 10, 100, 1000, 1, 10, 100] and frame["best"].sum() == 1
    assert frame.attrs["units"]["enbs"] == "EUR" and list(frame["enbs"][:4]) == list(r.enbs)


# --------------------------------------------------------------------------- data, seeds, files, errors
def test_study_data_and_its_seed_stream():
    theta = np.full(200_000, 0.3)
    u = study_uniforms(5, "a", "p", theta.size)
    binom = design("a", "p", kind="binomial")
    t = study_data(binom, theta, 40, u) * 40
    assert np.all(t == np.round(t)) and t.mean() == pytest.approx(12.0, abs=0.03) and t.var() == pytest.approx(8.4, rel=0.02)
    norm = study_data(design("a", "p", sd=2.0), theta, 16, u)
    assert norm.mean() == pytest.approx(0.3, abs=0.003) and norm.std() == pytest.approx(0.5, rel=0.01)
    # its own stream: keyed by seed, study and parameter; a prefix of more draws (chunk invariance)
    assert np.array_equal(study_uniforms(5, "a", "p", 100), u[:100])
    assert not np.array_equal(study_uniforms(5, "b", "p", 100), u[:100])
    assert not np.array_equal(study_uniforms(6, "a", "p", 100), u[:100])
    assert not np.array_equal(study_uniforms(5, "a", "q", 100), u[:100])


def test_reproducible_and_independent_of_the_other_studies_and_sizes():
    studies = {"a": design("a", "x", sizes=(3, 30), sd=2.0), "b": design("b", "x", sizes=(5,), sd=1.0)}
    cfg = config({"x": {"dist": "normal", "mean": 1.1, "sd": 1.0}}, "x", studies=studies, samples=2**12)
    res = simulate(cfg)
    both = evsi_many(res)
    assert both == evsi_many(simulate(cfg))
    assert study_evsi(res, "a") == both["a"]
    fewer = dataclasses.replace(studies["a"], sizes=(30,))
    [alone] = study_evsi(res, fewer)
    assert alone.evsi == both["a"][0].evsi[1:] and alone.evsi_se == both["a"][0].evsi_se[1:]


def test_save_and_load_round_trip(tmp_path):
    studies = {"a": design("a", "x", sizes=(3, 30), sd=2.0, cost_fixed=0.01),
               "b": design("b", "x", sizes=(5,), sd=1.0, cost_fixed=9.0)}
    cfg = config({"x": {"dist": "normal", "mean": 1.1, "sd": 1.0}}, "x", studies=studies, samples=2**12)
    res = simulate(cfg)
    results = sum(evsi_many(res).values(), ())
    save_evsi(tmp_path / "out", results, manifest(cfg, analysis="evsi", seed=res.seed))
    assert load_evsi(tmp_path / "out") == results
    lines = (tmp_path / "out" / "evsi.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("study,study_label,decision,informs,design,size,evsi,") and len(lines) == 4
    assert lines[3].endswith(f",{NO_SIZE}") and float(lines[1].split(",")[6]) == results[0].evsi[0]
    body = (tmp_path / "out" / "evsi.json").read_text(encoding="utf-8")
    (tmp_path / "out" / "evsi.json").write_text(body.replace('"best_size": 30', '"best_size": 31'), encoding="utf-8")
    with pytest.raises(ResultsError, match="best_size must be one of the sizes"):
        load_evsi(tmp_path / "out")


def test_errors_name_the_study_and_key():
    cfg = config({"x": {"dist": "normal", "mean": 1.0, "sd": 1.0}, "k": {"dist": "fixed", "value": 2.0}}, "x",
                 samples=256)
    res = simulate(cfg)
    with pytest.raises(WotsimError, match="unknown study 'nope'"):
        study_evsi(res, "nope")
    with pytest.raises(WotsimError, match=r"studies\.s\.informs: 'k' is not an uncertain parameter"):
        study_evsi(res, design("s", "k"))
    with pytest.raises(WotsimError, match=r"studies\.s: a binomial design needs its parameters in \[0, 1\]"):
        study_evsi(res, design("s", "x", kind="binomial"))
    with pytest.raises(WotsimError, match=r"studies\.s\.sd: a normal design needs"):
        study_evsi(res, design("s", "x", sd=None))
    with pytest.raises(WotsimError, match=r"studies\.s\.sizes: must be distinct whole numbers >= 1"):
        study_evsi(res, design("s", "x", sizes=(10, 0)))
    with pytest.raises(WotsimError, match="value of sample information needs a net benefit in money"):
        study_evsi(res, design("s", "x"), output="ratio")


# --------------------------------------------------------------------------- calibration (slow)
@pytest.mark.slow
def test_standard_errors_match_the_spread_over_seeds():
    """The se printed against the spread of the estimates over independent seeds, and the mean against the
    closed form: normal-normal at E[INB] = 0 (n = 1, 10, 100; mc, and sobol with 16 randomisations, whose
    se comes from them) and beta-binomial (n = 20, 60)."""
    seeds = range(100)
    normal = [evsi_normal_linear(-1.0, 1.0, 1.0, 1.0, 10.0, n) for n in (1, 10, 100)]
    cases = [({"x": {"dist": "normal", "mean": 1.0, "sd": 1.0}}, "x", 1.0, design("st", "x", sizes=(1, 10, 100), sd=10.0),
              normal, "mc"),
             ({"x": {"dist": "normal", "mean": 1.0, "sd": 1.0}}, "x", 1.0, design("st", "x", sizes=(1, 10, 100), sd=10.0),
              normal, "sobol"),
             ({"p": {"dist": "beta", "alpha": 3.0, "beta": 7.0}}, "1000 * p", 300.0,
              design("st", "p", kind="binomial", sizes=(20, 60)),
              [evsi_beta_binomial_linear(-300.0, 1000.0, 3.0, 7.0, n) for n in (20, 60)], "mc")]
    for params, value, cost, study, truth, sampler in cases:
        est, se = [], []
        for seed in seeds:
            cfg = config(params, value, cost, studies={"st": study}, seed=seed, sampler=sampler)
            [r] = study_evsi(simulate(cfg), "st")
            est.append([f.raw for f in r.fits])
            se.append(r.evsi_se)
        est, se = np.array(est), np.array(se)
        ratio = est.std(axis=0, ddof=1) / se.mean(axis=0)
        error = (est.mean(axis=0) - truth) / (est.std(axis=0, ddof=1) / math.sqrt(len(seeds)))
        print(f"{study.design} ({sampler}): sizes {study.sizes}: spread / se {np.round(ratio, 2)}, "
              f"bias in se of the mean {np.round(error, 1)}, truth {np.round(truth, 4)}")
        assert np.all((ratio > 0.7) & (ratio < 1.35)), ratio
        assert np.all(np.abs(est.mean(axis=0) - truth) <= 0.05 * np.array(truth) + 4 * se.mean(axis=0) / math.sqrt(len(seeds)))
