"""The robustness statement: every number in it comes from the results, and the words follow the numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from wotsim import load_config, parse_config
from wotsim.analysis.pipeline import statement_inputs
from wotsim.analysis.oneway import OneWayResult, SwitchingValue, TornadoBar, one_way
from wotsim.results.simulation import OutputSummary
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import find_scenarios, parse_scenario
from wotsim.formatting import share_pm
from wotsim.report.statement import comparison_statements, robustness_statement
from wotsim.analysis.voi import adoption_voi, keep_voi

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?")


def small_config():
    """NPV = (x - c) EUR 1 million; x ~ PERT(0.5, 1.1, 2), c ~ U(0.8, 1.2); no digits in names or labels."""
    return parse_config({
        "study": {"name": "small", "horizon": 1, "discount_rate": 0.0, "unit_of_analysis": "per cohort"},
        "simulation": {"samples": 4096, "seed": 3, "sampler": "mc"},
        "stakeholders": {"s": "Society"},
        "parameters": {
            "effect": {"dist": "pert", "low": 0.5, "mode": 1.1, "high": 2.0, "label": "Effect size", "group": "effect"},
            "cost": {"dist": "uniform", "low": 0.8, "high": 1.2, "group": "cost"},
        },
        "items": [
            {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "effect * 1e6"},
            {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": "cost * 1e6"},
        ],
        "outputs": {"ratio": {"measure": "ratio", "label": "Social ratio"}},
    }, file="<small>")


def _formats(x: float) -> set[str]:
    """Every way the statement may print a number."""
    out = set()
    if x != x:
        return out
    for fmt in ("{:.2f}", "{:+.2f}", "{:.3f}", "{:+.3f}", "{:,.0f}", "{:.2g}", "{:.3g}", "{:.0%}", "{:.1%}"):
        try:
            out.add(fmt.format(x).rstrip("%"))
        except (ValueError, TypeError):
            pass
    out.add(f"{round(x)}")
    out.add(np.format_float_positional(x, precision=2, unique=False, fractional=False, trim="-"))
    if x:
        import math

        digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
        out.add(f"{x:,.{digits}f}")
    return out | {s.lstrip("+-") for s in out}


def _allowed(*objects) -> set[str]:
    """Formatted values of every float field of the given results objects (recursively)."""
    allowed = {"90", "1", "0"}  # the interval's level and the thresholds

    def visit(obj):
        if isinstance(obj, float):
            allowed.update(_formats(obj))
        elif isinstance(obj, (list, tuple)):
            for o in obj:
                visit(o)
        elif isinstance(obj, dict):
            for o in obj.values():
                visit(o)
        elif hasattr(obj, "__dataclass_fields__"):
            for name in obj.__dataclass_fields__:
                visit(getattr(obj, name))

    for obj in objects:
        visit(obj)
    return allowed


@pytest.fixture(scope="module")
def setting():
    cfg = small_config()
    cheaper = parse_scenario({"scenario": {"id": "cheaper", "label": "Cheaper", "description": "d", "evidence": "e"},
                              "scale": {"cost": 0.9}}, cfg)
    same = parse_scenario({"scenario": {"id": "same", "label": "Same", "description": "d", "evidence": "e"},
                           "study": {"discount_rate": 0.0}}, cfg)
    cmp = compare(cfg, [cheaper, same], outputs=("ratio", "npv"))
    vois = {"base": keep_voi(cmp.base), "cheaper": adoption_voi(cmp, "cheaper"), "same": adoption_voi(cmp, "same")}
    return cmp, vois


def test_every_number_comes_from_the_results(setting):
    cmp, vois = setting
    oneway = {run.id: one_way(run.config, output="ratio") for run in cmp.runs}
    statements = comparison_statements(cmp, output="ratio", vois=vois, oneway=oneway)
    assert list(statements) == ["base", "cheaper", "same"]
    for run in cmp.runs:
        text = statements[run.id]
        ow = one_way(run.config, output="ratio")
        bases = {n: p.dist.base for n, p in run.config.parameters.items()}
        outcome = run.outcomes["ratio"]
        allowed = _allowed(outcome, ow, vois[run.id], bases)
        for ordinal in re.findall(r"(\d+)(?:st|nd|rd|th) percentile", text):
            assert any(abs(float(ordinal) - s.percentile) <= 0.5 for s in ow.switching if s.percentile is not None)
        numbers = [n for n in NUMBER.findall(re.sub(r"\d+(st|nd|rd|th) percentile", "", text))]
        assert numbers, text
        for token in numbers:
            assert token.lstrip("+-") in allowed or token in allowed, f"{token!r} not from the results in: {text}"


def test_base_statement_content(setting):
    cmp, vois = setting
    text = comparison_statements(cmp, output="ratio", vois=vois)["base"]
    s = cmp.runs[0].outcomes["ratio"].summary
    lo, hi = s.interval(90)
    assert text.startswith(f"Base analysis: the social ratio is {s.base:.2f} at base (90% interval {lo:.2f} to {hi:.2f}")
    assert f"P(ratio > 1) = {share_pm(s.p_above, s.p_above_se)}." in text  # rounded to what is known
    top = vois["base"].parameters[0]
    assert f"resolving {'Effect size (effect)' if top.name == 'effect' else top.name} first is worth EUR {top.value:,.0f}" in text
    assert f"perfect information on everything is worth EUR {vois['base'].evpi:,.0f} per cohort" in text


def test_statements_name_the_net_benefit_of_their_value_of_information(setting):
    cmp, vois = setting
    st = comparison_statements(cmp, output="ratio", vois=vois)
    assert "Judged by the society-wide net present value (npv), for the decision to continue" in st["base"]
    assert "Judged by the change in the society-wide net present value (npv), for adopting it" in st["cheaper"]


def test_scenario_statements_describe_the_paired_difference(setting):
    cmp, vois = setting
    st = comparison_statements(cmp, output="ratio", vois=vois)
    d = cmp.run("cheaper").outcomes["ratio"].difference
    assert d.p_better == 1.0
    se = np.format_float_positional(d.mean_se, precision=2, unique=False, fractional=False, trim="-")
    assert (f"by {d.base_case:+.3f} at base and by {d.mean:+.3f} ± {se} on average" in st["cheaper"]
            and "higher than under the base analysis in 100% of the paired draws" in st["cheaper"])  # never ± 0.0%
    assert "unchanged from the base analysis in every draw" in st["same"]
    assert "worth EUR 0 per cohort: the model's uncertainty cannot change the choice" in st["same"]


def _summary(p: float, base: float = 1.05) -> OutputSummary:
    return OutputSummary(name="r", label="Social ratio", measure="ratio", n=1000, base=base, mean=base, mean_se=0.01,
                         sd=0.1, median=base, percentiles={"p5": 0.9, "p95": 1.2}, threshold=1.0, p_above=p,
                         p_above_se=0.01)


@pytest.mark.parametrize("p, words", [(0.99, "It is almost certainly above 1."), (0.9, "It is probably above 1."),
                                      (0.5, "It is uncertain, about as likely above 1 as below."),
                                      (0.1, "It is probably below 1."), (0.01, "It is almost certainly below 1.")])
def test_verdict_follows_the_distribution(p, words):
    """The statement's verdict is :func:`outcome_words` of P and the interval: 0.9 to 1.2 is 0.3 wide, wider than
    'close to 1' and narrower than 'very uncertain' (tests/test_verdicts.py holds the whole table)."""
    assert words in robustness_statement(_summary(p), label="X")


def _oneway(switch_top: bool, any_switch: bool = True) -> OneWayResult:
    bars = (TornadoBar("a", "Alpha", 1.0, 3.0, 1.3, 0.8, 0.5), TornadoBar("b", "b", 10.0, 20.0, 0.9, 1.2, 0.3))
    sw = (SwitchingValue("a", 2.5 if switch_top else None, 80.0 if switch_top else None, ""),
          SwitchingValue("b", 12.5 if any_switch else None, 21.6 if any_switch else None, ""))
    return OneWayResult("r", "ratio", 1.05, 1.0, 5.0, 95.0, bars, sw)


def test_switching_sentence(setting):
    cfg = parse_config({
        "study": {"name": "t", "horizon": 1, "discount_rate": 0.0}, "stakeholders": {"s": "S"},
        "parameters": {"a": {"dist": "uniform", "low": 1.0, "high": 3.0, "base": 2.0, "label": "Alpha"},
                       "b": {"dist": "uniform", "low": 10.0, "high": 20.0, "base": 15.0}},
        "items": [{"id": "i", "kind": "benefit", "stakeholder": "s", "financial": True, "value": "a + b"},
                  {"id": "o", "kind": "cost", "stakeholder": "s", "financial": True, "value": 1.0}],
    }, file="<t>")
    text = robustness_statement(_summary(0.6), label="X", oneway=_oneway(True), config=cfg)
    assert ("depends most on Alpha (a), which would have to rise from 2.000 to 2.500 (its 80th percentile) "
            "to bring the ratio to 1") in text
    text = robustness_statement(_summary(0.6), label="X", oneway=_oneway(False), config=cfg)
    assert "Alpha (a) moves it most (1.30 to 0.80 between its 5th and 95th percentiles) but cannot bring it" in text
    assert "the one with the largest swing is b, which would have to fall from 15.00 to 12.50 (its 22nd percentile)" in text
    text = robustness_statement(_summary(0.6), label="X", oneway=_oneway(False, False), config=cfg)
    assert "no single parameter can, within its range" in text


def test_schiedam_base_statement():
    cfg = load_config(ROOT / "configs" / "schiedam.toml")
    cmp = compare(cfg, find_scenarios(cfg, ["horizon_3"]), samples=2048)
    text = comparison_statements(cmp, output="social_ratio", oneway=statement_inputs(cmp, "social_ratio", voi=False)[0])
    assert text["base"].startswith("Base analysis: the social cost-benefit ratio is 1.05 at base")
    assert "It is very uncertain, about as likely above 1 as below." in text["base"]  # 0.71 to 1.54, P = 0.57
    assert text["horizon_3"].startswith("Horizon 3 years: the social cost-benefit ratio is 0.95 at base")
    assert "the ratio is higher than under the base analysis in 0%" in text["horizon_3"]
