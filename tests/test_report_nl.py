"""The report's words and numbers in another language, cheaply (issue 12, points 3 and 5).

* the number formats of :mod:`wotsim.formatting` with ``lang``: English exactly as before, Dutch the same
  digits with CLDR's symbols, on a table (``1,050``; ``€ 304.835``; ``305.000``; ``−1,67 mln.``; never ``-0,000``);
* the analyses' own English notes (:mod:`wotsim.notes`): every pattern meets an example, each example
  reads in Dutch with Dutch numbers and labels for ids, and English stays as it is;
* the discovery and statement words in Dutch on a small config (no English left, no ids);
* ``wotsim compare``'s table rounds to what is known: probabilities as percentages (``> 99.9%``, never
  ``1.000 ± 0.000``), a paired difference's standard error to one significant figure.

The whole Schiedam page in Dutch is read by ``tests/test_report.py::test_a_dutch_report``.
"""

from __future__ import annotations

import math
import re
import tomllib
from types import SimpleNamespace

import pytest
from conftest import MINIMAL_CONFIG

from wotsim import parse_config
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import parse_scenario
from wotsim.formatting import (MINUS, amount, count, figure_number, figure_value, fixed, money, number, percent,
                               plus_minus, probability, share_pm, share_text, signed, significant, standard_error, value,
                               written)
from wotsim.i18n import format_currency, localise_number
from wotsim.notes import PATTERNS, note
from wotsim.report.statement import comparison_statements
from wotsim.report.text import format_comparison
from wotsim.results import mcse
from wotsim.analysis.sobol_estimates import SobolConvergence

NBSP = "\xa0"

NUMBERS = [
    # (function, arguments, keywords, English, Dutch)
    (money, (305_123,), {}, "305k", "305.000"),
    (money, (-1_666_506,), {"minus": MINUS}, "−1.67M", f"−1,67{NBSP}mln."),
    (money, (1_100_000,), {}, "1.10M", f"1,10{NBSP}mln."),
    (money, (999_999.5,), {}, "1.00M", f"1,00{NBSP}mln."),  # the rounding boundary, as in English
    (money, (950,), {}, "950", "950"),
    (money, (-0.3,), {}, "-0", "0"),  # never "-0" in Dutch (English pinned by tests/test_format.py)
    (money, (math.nan,), {}, "n/a", "n.v.t."),
    (amount, (304_835, "EUR"), {}, "EUR 304,835", f"€{NBSP}304.835"),
    (amount, (-304_835, "EUR"), {"minus": MINUS}, "−EUR 304,835", f"€{NBSP}−304.835"),
    (amount, (304_835, "EUR"), {"sign": True}, "+EUR 304,835", f"€{NBSP}+304.835"),
    (amount, (4.561, "EUR"), {}, "EUR 4.56", f"€{NBSP}4,56"),
    (amount, (2685,), {}, "2,685", "2.685"),
    (value, (1.0504, "ratio"), {}, "1.050", "1,050"),
    (value, (-0.0001, "ratio"), {}, "-0.000", "0,000"),
    (value, (305_123, "npv"), {"full": True, "currency": "EUR"}, "EUR 305,123", f"€{NBSP}305.123"),
    (signed, (-0.0381, "ratio"), {"minus": MINUS}, "−0.038", "−0,038"),
    (signed, (-0.0001, "ratio"), {}, "-0.000", "+0,000"),
    (standard_error, (0.000098, "ratio"), {}, "0.000098", "0,000098"),
    (number, (2218.3,), {}, "2,218", "2.218"),
    (number, (0.3757,), {"compact": True}, "0.3757", "0,3757"),
    (number, (31_000,), {"compact": True}, "31k", "31.000"),
    (significant, (2809.3,), {}, "2,810", "2.810"),
    (significant, (0.0106,), {}, "0.0106", "0,0106"),
    (plus_minus, (-0.03812, 0.000098), {"signed": True}, "−0.03812 ± 0.00010", "−0,03812 ± 0,00010"),
    (plus_minus, (0.141, 0.0039), {}, "0.141 ± 0.004", "0,141 ± 0,004"),
    (plus_minus, (-212_208, 2685), {"measure": "npv", "signed": True}, "−212k ± 3k", "−212.000 ± 3.000"),
    (plus_minus, (-0.0381, 0.0004), {"signed": True, "minus": "-"}, "-0.0381 ± 0.0004", "-0,0381 ± 0,0004"),
    # the figures' numbers (English as the figures always printed them)
    (figure_value, ("npv", 251_000, "EUR"), {}, "€251k", f"€{NBSP}251.000"),
    (figure_value, ("npv", -1_666_506, "EUR"), {}, "−€1.67M", f"−€{NBSP}1,67{NBSP}mln."),
    (figure_value, ("npv", 5_000, "EUR"), {}, "€5,000", f"€{NBSP}5.000"),
    (figure_value, ("ratio", 1.0504), {}, "1.050", "1,050"),
    (figure_number, (2809.3,), {}, "2,809", "2.809"),
    (figure_number, (-0.04273,), {}, "−0.0427", "−0,0427"),
    (probability, (0.8123, 0.0031), {}, "0.812 ± 0.003", "0,812 ± 0,003"),
    (percent, (0.574,), {}, "57%", "57%"),
    (percent, (0.81, 0.003), {}, "81% ± 0.3%", "81% ± 0,3%"),
    (fixed, (-0.0381, 3), {}, "-0.038", "−0,038"),
    (fixed, (-0.0001, 3), {}, "-0.000", "0,000"),
    (count, (16_384,), {}, "16,384", "16.384"),
    (written, (0.05,), {}, "0.05", "0,05"),
    (written, (-2.5,), {}, "-2.5", "−2,5"),
    (significant, (-3456.7,), {"minus": MINUS}, "−3,460", "−3.460"),
]


@pytest.mark.parametrize("func, args, kwargs, en, nl", NUMBERS)
def test_numbers_in_english_and_dutch(func, args, kwargs, en, nl):
    assert func(*args, **kwargs) == en == func(*args, **kwargs, lang="en")
    assert func(*args, **kwargs, lang="nl") == nl


@pytest.mark.parametrize("func, args", [(money, ()), (amount, ()), (value, ("npv",)), (signed, ("ratio",)),
                                        (standard_error, ("ratio",)), (number, ()), (significant, ()),
                                        (plus_minus, (0.1,)), (share_text, ()), (share_pm, (0.01,)),
                                        (figure_value, ()), (figure_number, ()), (probability, (0.01,)), (percent, ()),
                                        (fixed, (3,)), (written, ())])
def test_an_undefined_number_reads_dutch_in_dutch(func, args):
    """NaN prints as the catalogue's "n/a" in the language asked, never the English words in a Dutch page."""
    x = (math.nan,) if func is not figure_value else ("npv", math.nan)
    dutch = func(*x, *args, lang="nl") if func is not figure_value else func(*x, "EUR", lang="nl")
    assert dutch == "n.v.t.", (func.__name__, dutch)
    assert share_pm(0.5, math.nan, "nl") == "n.v.t." and share_pm(math.nan, 0.01) == "n/a"
    assert percent(math.nan, 0.01, lang="nl") == "n.v.t."


def test_localise_and_currency():
    assert localise_number("-1,234.50", "nl") == "-1.234,50" and localise_number("-1,234.50", "en") == "-1,234.50"
    assert localise_number("n/a", "nl") == "n.v.t." and localise_number("12%", "nl") == "12%"
    assert format_currency(304_835, "EUR", "nl", sign=True) == f"€{NBSP}+304.835"
    assert format_currency(0.0, "EUR", "nl", sign=True) == f"€{NBSP}0"  # no sign on zero
    assert format_currency(-4.5, "EUR", "en", 2) == "-€4.50"


# --------------------------------------------------------------------------- the analyses' notes
NOTES = [
    mcse.describe("sobol", 16), mcse.describe("mc", 1), mcse.describe("lhs", 1),
    "standard errors from the 16 independent randomisations of the design (EVPPI: delete-one-randomisation "
    "jackknife of the whole estimator, regressions included)",
    "standard errors for independent draws (EVPPI: delete-one-group jackknife over 20 groups of draws, regressions "
    "included)",
    "regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves",
    "keep the intervention if E[npv] > 0, else stop (worth 0)",
    "adopt 'cheaper' instead of the base if E[INB] > 0",
    "grown: three-way products", "grown: products of up to 4 members", "not grown: group of 15 > 12 members",
    "R2 0.08 is below that of x alone (0.10): the group fit misses structure a single-parameter fit finds, so its "
    "EVPPI is probably underestimated",
    "may be biased upward by up to about 33,000 (its noise floor is 15% of it; 211 regression columns for 4,096 "
    "draws, fewer than 200 per column): more samples are needed for a firm value",
    "may be biased upward by up to about 8,700 (the estimated bias is 11% of it): more samples are needed for a firm "
    "value",
    "R2 0.02 is below 0.05: the basis may miss non-polynomial interactions of its members, so ~0 does not show that "
    "learning this group is worth nothing",
    "R2 0.02 is below 0.05: the basis may miss interactions of more than one member, so ~0 does not show that "
    "learning this group is worth nothing",
    "R2 0.02 is below 0.05: the basis may miss interactions of more than three members, so ~0 does not show that "
    "learning this group is worth nothing",
    "jackknife over 16 independent randomisations (t with 15 df)", "stable", "not stable",
    "Output 'ratio' does not vary in this design: every index is 0.",
    "The config's rank correlations (a~b (+0.5)) were imposed within groups (Gaussian copula); every correlated "
    "block lies inside one group, so the groups are independent and the grouped Sobol' indices are valid.",
    "The config has rank correlations (a~b (+0.5)), but Sobol' analysis assumes independent inputs: these indices "
    "were computed with the correlations removed. Use groups = 'correlated' (each correlated block one group) or "
    "PAWN on the correlated Monte Carlo sample.",
    "does not cross within its range", "does not cross within its range (searched between its 0.1% and 99.9% quantiles)",
    "no threshold for an amount output (benefits)",
    "no draws outside the condition are left", "no cases are left",
    "fewer draws are left than the smallest box holds (5% of all draws)",
    "box 2 would be no denser (41%) than the condition over all draws (43%)",
    "it does worse than the base in none of the 4,096 paired draws",
    "it does worse than the base in 12 of the 4,096 paired draws, too few for a region (at least 20 are needed)",
    "the social ratio is below its threshold in every one of the 1,024 draws",
    "benefits is an amount, with no threshold to fall below",
    # the parts of the notes above that are notes themselves (each reads alone too)
    "its noise floor is 15% of it", "the estimated bias is 11% of it",
    "211 regression columns for 4,096 draws, fewer than 200 per column",
    "non-polynomial interactions of its members", "interactions of more than one member",
    "interactions of more than three members",
    # why a Sobol' index is not stable, and the rule (the figures print them too)
    "CI", "halves disagree", SobolConvergence.rule.fget(SimpleNamespace(tolerance=0.02, rel_tolerance=0.1)),
    "max(0.02, 10% of the index)",
    "Grouped PAWN (SALib): each group's figures are the mean of its members' own indices, not an index of the group "
    "as a whole; compare groups with care.",
    "PAWN ran on the Monte Carlo sample, which honours the config's rank correlations; a correlated parameter's "
    "index includes what it shares with its partners.",
]


def test_every_note_pattern_has_an_example_and_reads_in_dutch():
    compiled = [re.compile(p) for p, _ in PATTERNS]
    met = {i for text in NOTES for i, c in enumerate(compiled) if c.fullmatch(text)}
    assert met == set(range(len(PATTERNS))), [PATTERNS[i][0] for i in set(range(len(PATTERNS))) - met]
    relabel = {"x": "aandeel x", "npv": "netto contante waarde", "cheaper": "Goedkoper", "social ratio": "sociale ratio"}
    for text in NOTES:
        assert note(text, "en", relabel) == text
        dutch = note(text, "nl", relabel)
        assert dutch != text and "{" not in dutch, text
        words = re.findall(r"\b(?:the|and|draws?|are|below|with|its|worth|samples)\b", dutch)
        assert not words, (text, dutch, words)
        # Dutch numbers: no English decimals (0.08) nor grouping (4,096); the config's pairs are quoted as written
        assert not re.search(r"\b\d+\.\d{1,2}\b|\d,\d{3}\b", dutch.replace("a~b (+0.5)", "")), dutch
    assert "4.096" in note(NOTES[31], "nl") and "aandeel x" in note(NOTES[11], "nl", relabel)
    assert note(NOTES[-4], "nl") == ("stabiel: de halve breedte van het betrouwbaarheidsinterval bij N is hoogstens "
                                     "max(0,02, 10% van de index), en de schattingen uit de eerste en de laatste N/2 "
                                     "basistrekkingen (onafhankelijke randomisaties) verschillen hoogstens twee keer "
                                     "zoveel; voor S1 en ST")
    tiny = SobolConvergence.rule.fget(SimpleNamespace(tolerance=1e-05, rel_tolerance=0.1))
    assert "max(1e-05, 10% of the index)" in tiny and "max(0,00001, 10% van de index)" in note(tiny, "nl")
    assert note("something the analysis never says", "nl") == "something the analysis never says"


# --------------------------------------------------------------------------- words on a small comparison
@pytest.fixture(scope="module")
def comparison():
    data = tomllib.loads(MINIMAL_CONFIG)
    data["parameters"]["x"].update(label="Share x", label_nl="Aandeel x")
    data["study"].update(unit_of_analysis="per cohort", unit_of_analysis_nl="per cohort")
    cfg = parse_config(data, file="<minimal>")
    option = parse_scenario({"scenario": {"id": "cheaper", "label": "Cheaper", "label_nl": "Goedkoper",
                                          "description": "d", "evidence": "e"}, "shift": {"x": 0.2}}, cfg)
    same = parse_scenario({"scenario": {"id": "same_thing", "label": "Same", "label_nl": "Hetzelfde",
                                        "description": "d", "evidence": "e"}, "scale": {"x": 1.0}}, cfg)
    return compare(cfg, [option, same], samples=1024)


def test_statements_in_dutch_have_no_english_and_no_ids(comparison):
    english = comparison_statements(comparison, output="ratio")
    dutch = comparison_statements(comparison, output="ratio", lang="nl")
    assert english == comparison_statements(comparison, output="ratio", lang="en")
    assert english["cheaper"].startswith("Cheaper: the ratio is ") and "paired draws" in english["cheaper"]
    assert dutch["cheaper"].startswith("Goedkoper: de ratio is ") and "gepaarde trekkingen" in dutch["cheaper"]
    assert "Het scenario laat de verhouding in elke trekking gelijk aan de basisanalyse." in dutch["same_thing"]
    for text in dutch.values():
        assert not re.search(r"\b(?:the|of|and|draws?|at base|worth|which)\b", text), text
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\d\.\d", text), text  # no ids, Dutch decimals
        assert re.search(r"P\(verhouding > 1\) = ", text)


def test_npv_is_one_word_in_dutch(comparison):
    """The report's statements and the figures abbreviate the net present value alike (one message id, "NPV"):
    P(NCW > 0) in a statement on an NPV output, as in a figure's probability box."""
    from wotsim import plots
    from wotsim.i18n import translator

    assert translator("nl")("NPV") == "NCW"
    net = comparison_statements(comparison, output="net", lang="nl")
    assert all(re.search(r"P\(NCW > 0\) = ", text) for text in net.values()), net
    assert all("P(NPV > 0) = " in text for text in comparison_statements(comparison, output="net").values())
    figure = plots.ratio_distribution(comparison.base, output="net", lang="nl")
    box = [t.get_text() for t in figure.findobj(lambda a: a.get_gid() == "p_above")]
    assert len(box) == 1 and box[0].startswith("P(NCW > 0) = "), box


def test_compare_rounds_probabilities_and_errors_to_what_is_known(comparison):
    text = format_comparison(comparison)
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()[:1] in (["base"], ["cheaper"],
                                                                                        ["same_thing"])}
    assert "± 0.000" not in text and "1.000 ±" not in text and "100% ±" not in text
    # "cheaper" shifts x up by 0.2 in every draw: better in every paired draw, said as 100%, with no false error
    assert rows["cheaper"].rstrip().endswith("100%") and rows["same_thing"].rstrip().endswith("identical")
    d = comparison.run("cheaper").outcomes["net"].difference
    assert plus_minus(d.mean, d.mean_se, measure="npv", signed=True, minus="-") in text
    s = comparison.runs[0].outcomes["ratio"].summary
    assert rows["base"].rstrip().endswith(share_pm(s.p_above, s.p_above_se)), rows["base"]
