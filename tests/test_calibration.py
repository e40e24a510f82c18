"""Calibration: a printed standard error must match the spread over independent seeds.

For each sampler the seed-to-seed standard deviation of an estimate (the mean
and P(ratio > 1) of a ratio, the mean paired difference of a scenario),
divided by the mean reported standard error, must lie in 0.7-1.4.  The model is
held-out style (not the Schiedam config): pert, beta, lognormal, gamma and
uniform inputs, and a ratio whose P(> 1) is well inside (0, 1).

The fast suite runs 40 seeds at n = 1,024 on common random numbers; the slow
study 200 seeds at n = 4,096, paired and with independent designs
(``pytest -m slow -s tests/test_calibration.py`` prints the ratios).
"""

from __future__ import annotations

import numpy as np
import pytest

from wotsim import parse_config, simulate
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario

CONFIG = {
    "study": {"name": "calibration", "horizon": 4, "discount_rate": 0.03},
    "stakeholders": {"city": "City", "people": "People"},
    "parameters": {
        "gain": {"dist": "pert", "low": 50.0, "mode": 100.0, "high": 180.0},
        "share": {"dist": "beta", "mean": 0.3, "sd": 0.1},
        "soft": {"dist": "lognormal", "median": 60.0, "gsd": 1.8},
        "cost": {"dist": "gamma", "mean": 260.0, "sd": 60.0},
        "rho": {"dist": "uniform", "low": 0.3, "high": 0.9},
    },
    "items": [
        {"id": "g", "kind": "benefit", "stakeholder": "city", "financial": True, "value": "gain * share * 3",
         "persistence": "rho"},
        {"id": "s", "kind": "benefit", "stakeholder": "people", "financial": False, "value": "soft"},
        {"id": "c", "kind": "cost", "stakeholder": "city", "financial": True, "value": "cost", "duration": 1},
    ],
    "outputs": {"ratio": {"benefits": "all", "costs": "all"}},
}

# A scenario whose difference from the base is uncertain in sign: a wider share (paired on the same
# uniforms) and a new uncertain saving (a plain Monte Carlo column beside the design).
OVERLAY = {"scenario": {"label": "Other", "description": "wider share, uncertain saving", "evidence": "assumed"},
           "replace": {"share": {"dist": "beta", "mean": 0.31, "sd": 0.16}},
           "parameters": {"saving": {"dist": "uniform", "low": -20.0, "high": 20.0}},
           "add_items": [{"id": "sv", "kind": "benefit", "stakeholder": "city", "financial": True,
                          "value": "saving", "duration": 1}]}


def honesty(samples: int, seeds: int, sampler: str, paired: bool = True) -> dict[str, float]:
    """spread / mean reported SE over independent seeds, per estimate."""
    cfg = parse_config(CONFIG, file="calibration.toml")
    scenario = parse_scenario(OVERLAY, cfg, file="cheaper.toml", default_id="cheaper")
    est: dict[str, list[tuple[float, float]]] = {k: [] for k in ("mean", "p_above", "diff_mean", "p_better")}
    for seed in range(seeds):
        c = compare(cfg, [scenario], outputs=["ratio"], samples=samples, seed=1000 + seed, sampler=sampler,
                    paired=paired)
        s = c.base.summary["ratio"]
        d = c.run("cheaper").outcomes["ratio"].difference
        est["mean"].append((s.mean, s.mean_se))
        est["p_above"].append((s.p_above, s.p_above_se))
        est["diff_mean"].append((d.mean, d.mean_se))
        est["p_better"].append((d.p_better, d.p_better_se))
    out = {}
    for k, v in est.items():
        a = np.array(v)
        out[k] = float(a[:, 0].std(ddof=1) / a[:, 1].mean())
    return out


def _check(samples: int, seeds: int, pairings: tuple[bool, ...] = (True,)) -> None:
    lines = []
    bad = []
    for paired in pairings:
        for sampler in ("mc", "lhs", "sobol"):
            ratios = honesty(samples, seeds, sampler, paired)
            what = f"{sampler:5s} {'paired' if paired else 'independent'}"
            lines.append(f"{what:18s} " + "  ".join(f"{k} {v:.3f}" for k, v in ratios.items()))
            bad += [f"{what} {k} {v:.3f}" for k, v in ratios.items() if not 0.7 <= v <= 1.4]
    print(f"\nspread / reported SE over {seeds} seeds at n = {samples}:\n" + "\n".join(lines))
    assert not bad, bad


def test_standard_errors_match_the_spread_over_seeds():
    _check(1024, 40)


@pytest.mark.slow
def test_standard_errors_match_the_spread_over_200_seeds():
    _check(4096, 200, (True, False))


def driver_honesty(samples: int, seeds: int, sampler: str) -> dict[str, float]:
    """spread / mean reported SE of the decision drivers' first-order index, per parameter."""
    from wotsim.analysis.drivers import decision_drivers

    cfg = parse_config(CONFIG, file="calibration.toml")
    est: dict[str, list[tuple[float, float]]] = {}
    for seed in range(seeds):
        dd = decision_drivers(simulate(cfg, samples=samples, seed=2000 + seed, sampler=sampler), output="ratio")
        for name, s, se in zip(dd.parameters, dd.first_order, dd.first_order_se):
            est.setdefault(name, []).append((s, se))
    return {k: float(np.std([v[0] for v in vs], ddof=1) / np.mean([v[1] for v in vs])) for k, vs in est.items()}


@pytest.mark.slow
def test_driver_standard_errors_match_the_spread_over_seeds():
    """The drivers' first-order index: iid formula for mc, jackknife over the randomisations for lhs and sobol."""
    lines, bad = [], []
    for sampler in ("mc", "lhs", "sobol"):
        ratios = driver_honesty(4096, 100, sampler)
        lines.append(f"{sampler:5s} " + "  ".join(f"{k} {v:.3f}" for k, v in ratios.items()))
        bad += [f"{sampler} {k} {v:.3f}" for k, v in ratios.items() if not 0.7 <= v <= 1.4]
    print("\ndecision drivers, spread / reported SE over 100 seeds at n = 4096:\n" + "\n".join(lines))
    assert not bad, bad
