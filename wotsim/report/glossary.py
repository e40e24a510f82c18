"""The glossary: each technical term the report uses, explained in one or two plain sentences.

Plain data and one function.  The terms and explanations are written here in English and
marked with :func:`wotsim.i18n.N_`; their Dutch is in the message catalogue
(the ``.po`` file under ``wotsim/locale/nl/LC_MESSAGES/``), like every other message, so a translator works
in one file and ``tests/test_i18n.py`` fails for any term without a Dutch translation.
:func:`glossary` returns the terms in a language, in the order the report explains them;
each term's ``id`` is the anchor a number on the page links to (``#term-evpi``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import DEFAULT_LANGUAGE, N_, translator

__all__ = ["EVIDENCE_WORDS", "TERMS", "Term", "glossary"]


@dataclass(frozen=True)
class Term:
    """A term: its anchor ``id`` (stable, never translated), its name and its explanation."""

    id: str
    term: str
    text: str


#: The terms, in the order the report explains them (English; Dutch in the catalogue).
TERMS = (
    Term("mkba", N_("Social cost-benefit analysis (MKBA)"),
         N_("A method that expresses all effects of a policy, for everyone involved, in euros and sets the benefits "
            "against the costs. In Dutch: maatschappelijke kosten-batenanalyse.")),
    Term("social-ratio", N_("Social cost-benefit ratio"),
         N_("All benefits, financial and intangible (such as quality of life), divided by all costs. Above 1, "
            "society gains more than it spends.")),
    Term("financial-ratio", N_("Financial ratio"),
         N_("Only the benefits that are money, divided by all costs; here the municipality's own financial "
            "benefits. Below 1, the municipality gets back less money than it spends.")),
    Term("npv", N_("Net present value (NPV)"),
         N_("Benefits minus costs, with euros in later years counting for less than euros today (discounting), so "
            "that all years can be added up.")),
    Term("base-case", N_("Base case"),
         N_("The result with every assumption at its most likely value. In this reconstruction it reproduces the "
            "published figures.")),
    Term("interval", N_("90% interval"),
         N_("The range in which the result falls in 90% of the simulated futures: 5% of them lie below it and 5% "
            "above it.")),
    Term("p-above", N_("P(ratio > 1)"),
         N_("The share of simulated futures in which the benefits exceed the costs: the chance, given the stated "
            "uncertainty of the assumptions, that the ratio is above 1.")),
    Term("draw", N_("Monte Carlo draw"),
         N_("One simulated future: every uncertain assumption gets a value drawn from its range, and the costs and "
            "benefits are computed. The analysis repeats this many thousands of times.")),
    Term("standard-error", N_("Standard error"),
         N_("How much a figure computed from the simulation could still change if the simulation were run again "
            "with other random numbers. It measures the accuracy of the computation, not the uncertainty of the "
            "assumptions.")),
    Term("sobol-s1", N_("Sobol' first-order index (S1)"),
         N_("The share of the spread in the result that one assumption explains on its own. The shares of all "
            "assumptions add up to at most 1.")),
    Term("sobol-st", N_("Sobol' total index (ST)"),
         N_("The share of the spread in the result that one assumption explains alone or together with others. "
            "When ST is much larger than S1, the assumption matters mostly in combination with others.")),
    Term("one-way", N_("One-way sensitivity"),
         N_("Moving one assumption from a low to a high value while all others stay at their base value, to see "
            "how far the result moves.")),
    Term("switching-value", N_("Switching value"),
         N_("The value an assumption would have to take, with everything else at base, for the ratio to reach 1 "
            "(or the net value to reach 0): the point where the conclusion turns.")),
    Term("decision-driver", N_("Decision driver"),
         N_("An assumption on which the yes-or-no question \"do the benefits exceed the costs?\" depends most: "
            "knowing its value would settle that question more than knowing any other.")),
    Term("evpi", N_("Expected value of perfect information (EVPI)"),
         N_("What it would be worth, on average, to know everything for certain before deciding: the loss from a "
            "wrong choice that perfect knowledge would avoid. No research can be worth more.")),
    Term("evppi", N_("Expected value of partial perfect information (EVPPI)"),
         N_("What it would be worth to know one assumption, or a group of them, for certain before deciding. It "
            "shows which research would pay off most.")),
    Term("noise-floor", N_("Noise floor"),
         N_("The value an EVPPI shows even for an assumption without any information, because it is estimated from "
            "a finite simulation. A value not clearly above it is shown as ~0: not distinguishable from nothing.")),
    Term("evsi", N_("Expected value of sample information (EVSI)"),
         N_("What a study of a given size would be worth, on average, before it is done: the better choices its data "
            "would allow. It grows with the study's size, but never beyond the EVPPI of what the study measures.")),
    Term("enbs", N_("Expected net benefit of sampling (ENBS)"),
         N_("A study's value (its EVSI, for every cohort the decision affects) minus what it costs. The study size "
            "with the highest ENBS is the best one; if no ENBS is above zero, no study of that kind is worth it.")),
    Term("per-cohort", N_("Value of information per cohort"),
         N_("Amounts are counted for one unit of analysis, such as one yearly cohort of supported households. "
            "Research that informs the decision for several cohorts is worth this amount for each of them.")),
    Term("scenario", N_("Scenario"),
         N_("A variant of the analysis with some assumptions changed, such as a recommendation carried out or "
            "another discount rate, computed on the same simulated futures as the base analysis.")),
    Term("paired-difference", N_("Paired difference"),
         N_("The difference between a scenario and the base analysis within each simulated future, then summarised "
            "over all futures. Pairing removes the uncertainty both share, so that small differences show.")),
    Term("common-random-numbers", N_("Common random numbers"),
         N_("Computing the base analysis and every scenario with the same random draws, so that a difference "
            "between them comes from the changed assumptions and not from chance.")),
    Term("scenario-discovery", N_("Scenario discovery"),
         N_("A search for the combinations of assumptions under which something happens, such as the ratio "
            "falling below 1, described as simple limits on a few assumptions (a box).")),
    Term("box", N_("Box"),
         N_("A set of limits on a few assumptions (for example: fewer than 2,000 households and a horizon of at "
            "most 4 years) within which the condition holds often.")),
    Term("coverage", N_("Coverage"),
         N_("The share of all simulated futures in which the condition holds that fall inside the box: how much of "
            "the problem the box explains.")),
    Term("density", N_("Density"),
         N_("The share of the futures inside the box in which the condition holds: how reliably the box points at "
            "the problem.")),
    Term("quasi-p", N_("Quasi-p value"),
         N_("A test of whether a limit of the box could be chance. Below 5%, the limit really concentrates the "
            "cases; above, it may be a coincidence of the simulation.")),
    Term("stability", N_("Stability"),
         N_("How often the same assumption is limited again when the search is repeated on random halves of the "
            "simulated futures. A limit found in most repeats is robust; one found rarely is fragile.")),
    Term("evidence-sourced", N_("Evidence: sourced"),
         N_("The number comes directly from a named source, such as a published study or official statistics.")),
    Term("evidence-derived", N_("Evidence: derived"),
         N_("The number is computed from sourced figures, for example a published amount corrected for price "
            "changes.")),
    Term("evidence-assumed", N_("Evidence: assumed"),
         N_("The number is an assumption of the analyst, because no source was found; its range is deliberately "
            "wide.")),
    Term("evidence-calibrated", N_("Evidence: calibrated"),
         N_("The number is chosen so that the base case reproduces the published result; it is no independent "
            "evidence.")),
)

#: The evidence tags of :data:`wotsim.config.distributions.EVIDENCE` as words in a table or sentence.
EVIDENCE_WORDS = {"sourced": N_("sourced"), "derived": N_("derived"), "assumed": N_("assumed"),
                  "calibrated": N_("calibrated")}


def glossary(lang: str = DEFAULT_LANGUAGE) -> tuple[Term, ...]:
    """The terms of :data:`TERMS` in ``lang`` (ids unchanged), in the order the report explains them."""
    _ = translator(lang)
    return tuple(Term(t.id, _(t.term), _(t.text)) for t in TERMS)
