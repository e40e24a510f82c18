"""The words of the verdicts (wotsim.report.verdicts) and the rounding of the council page
(wotsim.formatting), on tables of cases: every rule of the module docstrings, each boundary."""

from __future__ import annotations

import pytest

from wotsim.formatting import money_rounded, round_significant, share_pm, share_text
from wotsim.report.verdicts import outcome_words, scenario_verdict, study_worth, worth_studying

OUTCOMES = [  # (measure, P(> threshold), p5, p95) -> words
    ("ratio", 0.99, 1.10, 1.60, "almost certainly above 1"),
    ("ratio", 0.95, 1.00, 1.60, "almost certainly above 1"),
    ("ratio", 0.94, 0.98, 1.60, "probably above 1"),
    ("ratio", 0.80, 0.90, 1.60, "probably above 1"),
    ("ratio", 0.65, 0.57, 2.33, "very uncertain, more likely above 1"),     # the case: not "roughly equal"
    ("ratio", 0.57, 0.71, 1.54, "very uncertain, about as likely above 1 as below"),   # Schiedam's social ratio
    ("ratio", 0.50, 0.95, 1.06, "close to 1: benefits roughly equal costs"),
    ("ratio", 0.70, 0.95, 1.14, "close to 1: benefits roughly equal costs"),   # width 0.19 < 0.2
    ("ratio", 0.70, 0.90, 1.30, "uncertain, more likely above 1"),            # width 0.4
    ("ratio", 0.35, 0.60, 1.15, "uncertain, more likely below 1"),
    ("ratio", 0.25, 0.40, 1.30, "very uncertain, more likely below 1"),
    ("ratio", 0.20, 0.475, 1.099, "probably below 1"),
    ("ratio", 0.10, 0.475, 1.099, "probably below 1"),                     # Schiedam's financial ratio
    ("ratio", 0.05, 0.40, 1.00, "almost certainly below 1"),
    ("npv", 0.60, -1.0e5, 3.0e5, "very uncertain, more likely above 0"),
    ("npv", 0.50, -1.0e4, 1.0e4, "very uncertain, about as likely above 0 as below"),
    ("npv", 0.98, 1.0e4, 3.0e5, "almost certainly above 0"),
    ("ratio", float("nan"), 0.5, 1.5, "undefined in some draws"),
]


@pytest.mark.parametrize("measure, p, low, high, words", OUTCOMES)
def test_outcome_words_follow_the_table(measure, p, low, high, words):
    assert outcome_words(measure, p, low, high) == words


VERDICTS = [  # (P(better), P(worse)) -> (kind, words): Schiedam's four recommendations, and the boundaries
    (0.143, 0.857, "uncertain", "uncertain: better in 1 of 10 futures"),
    (1.000, 0.000, "better", "robustly better"),
    (0.449, 0.551, "uncertain", "uncertain: better in 4 of 10 futures"),
    (0.045, 0.955, "worse", "robustly worse"),
    (0.90, 0.10, "better", "robustly better"),
    (0.10, 0.90, "worse", "robustly worse"),
    (0.899, 0.101, "uncertain", "uncertain: better in 9 of 10 futures"),
    (0.55, 0.45, "uncertain", "uncertain: better in 6 of 10 futures"),   # 5.5 rounds half up
    (0.0, 0.0, "same", "no different"),
]


@pytest.mark.parametrize("p_better, p_worse, kind, words", VERDICTS)
def test_scenario_verdicts_follow_the_table(p_better, p_worse, kind, words):
    v = scenario_verdict(p_better, p_worse)
    assert (v.kind, v.words) == (kind, words)


@pytest.mark.parametrize("x, text", [(192607, "€190,000"), (367034, "€370,000"), (75230, "€75,000"),
                                     (-45123, "−€45,000"), (1234567, "€1.2 million"), (25_600_000, "€26 million"),
                                     (0, "€0"), (950, "€950"), (float("nan"), "n/a")])
def test_money_to_two_significant_figures(x, text):
    assert money_rounded(x) == text


@pytest.mark.parametrize("p, text", [(0, "0%"), (0.0002, "< 0.1%"), (0.004, "0.4%"), (0.05, "5%"), (0.574, "57%"),
                                     (0.996, "99.6%"), (0.99976, "> 99.9%"), (1, "100%")])
def test_probabilities_without_false_precision(p, text):
    assert share_text(p) == text


@pytest.mark.parametrize("p, se, text", [(0.574, 0.004, "57.4% ± 0.4%"), (0.449, 0.02, "45% ± 2%"),
                                         (0.045, 0.003, "4.5% ± 0.3%"), (0.99976, 0.00014, "> 99.9%"),
                                         (0.5, 0.00001, "50%"), (0.143, 0.0038, "14.3% ± 0.4%"),
                                         (0.045, 0.0005, "4.5%"), (0.4, 0.0005, "40.0%")])  # never "± 0.0%"
def test_a_standard_error_to_one_figure_and_the_estimate_to_match(p, se, text):
    assert share_pm(p, se) == text
    assert "± 0.0%" not in text and "100% ±" not in text


def test_round_significant():
    assert [round_significant(x) for x in (192607, 0.012345, -987, 0.0)] == [190000, 0.012, -990, 0.0]


STUDIES = [  # (best ENBS, its standard error) -> worth naming on the first page: ENBS > 0 and > 2 se
    (53097, 9629, True),        # Schiedam's follow-up of placements prevented at 400 households
    (14320, 26124, False),      # the quality-of-life measurement at 4,096 draws: within 2 se of 0
    (20.0, 10.0, False),        # exactly 2 se: not clearly
    (20.001, 10.0, True),
    (5.0, 0.0, True),           # a known gain (no spread)
    (0.0, 0.0, False),
    (-5.0, 1.0, False),
    (float("nan"), 1.0, False),
    (1.0, float("nan"), False),
    (float("inf"), 1.0, False),
    (1.0, -1.0, False),         # a negative standard error is damage, never "worth it"
]


@pytest.mark.parametrize("enbs, se, worth", STUDIES)
def test_a_study_is_worth_it_when_its_best_enbs_clears_two_standard_errors(enbs, se, worth):
    assert study_worth(enbs, se) is worth


def test_the_first_page_names_the_study_worth_it_with_the_highest_enbs():
    from types import SimpleNamespace

    def study(name, enbs, se, best):
        return SimpleNamespace(study=name, sizes=(10, 20), enbs=enbs, population_evsi_se=se, best_size=best)

    clear, unclear = study("clear", (5.0, 30.0), (1.0, 10.0), 20), study("unclear", (1.0, 90.0), (1.0, 50.0), 20)
    higher, none = study("higher", (40.0, 35.0), (1.0, 1.0), 10), study("none", (-1.0, -2.0), (1.0, 1.0), None)
    assert worth_studying([]) is None and worth_studying([none, unclear]) is None
    assert worth_studying([unclear, clear]) == (clear, 1)  # the unclear one has the higher ENBS, but not clearly
    assert worth_studying([clear, higher, none]) == worth_studying([higher, none, clear]) == (higher, 0)
