"""The verdicts: words chosen from the numbers, every rule in this one place.

A reader of the council page (and of the robustness statements) gets words, not only numbers.
They come from the distribution by these rules, each tested on a table of cases
(``tests/test_verdicts.py``):

**Where an output lies against its threshold** (1 for a ratio, 0 for an NPV), :func:`outcome_words`,
from P = P(output > threshold) and the 90% interval (p5, p95):

=====================  ==============================================================
P >= 0.95              "almost certainly above 1"
0.80 <= P < 0.95       "probably above 1"
0.05 < P <= 0.20       "probably below 1"
P <= 0.05              "almost certainly below 1"
0.20 < P < 0.80        the spread decides: the interval's width against the threshold's
                       scale (the threshold itself for a ratio; for an NPV, the larger of
                       |p5| and |p95|): narrower than :data:`NARROW` (0.2) -> "close to 1:
                       benefits roughly equal costs"; wider than :data:`WIDE` (0.6) -> "very
                       uncertain"; between -> "uncertain"; then the lean: "more likely above
                       1" (P >= 0.6), "more likely below 1" (P <= 0.4), else "about as
                       likely above 1 as below"
=====================  ==============================================================

So an interval of 0.57-2.33 with P(> 1) = 0.65 reads "very uncertain, more likely above 1", not
"roughly equal"; 0.95-1.06 with P = 0.5 reads "close to 1: benefits roughly equal costs".

**A recommendation against the base analysis**, :func:`scenario_verdict`, from P(better) on the
paired draws: >= :data:`ROBUST` (0.9) "robustly better"; <= 1 - ROBUST (0.1) "robustly worse";
otherwise "uncertain: better in N of 10 futures" with N = P(better) x 10 rounded (a "future" is a
draw of every uncertain assumption; equal draws count as not better).  A scenario that changes
nothing in any draw is "no different".

**Whether a follow-up study is worth it** (the first page says so in one sentence), :func:`study_worth`,
from a study's best size for keeping the intervention (:mod:`wotsim.analysis.evsi`: the size with the highest
expected net benefit of sampling, ENBS = population EVSI - cost): worth it when that ENBS is above 0 *clearly*,
by more than :data:`WORTH_SE` (2) standard errors (the standard error of the population EVSI; the cost is
known).  So an ENBS of 53,000 ± 9,600 is worth it; 14,000 ± 26,000 is not (the study may not be worth its
cost: the report's table says so, the first page says nothing); no size with an ENBS above 0 is never worth
it.  Of several studies worth it the first page names the one with the highest ENBS
(:func:`worth_studying`).

The words are English message ids; :mod:`wotsim.i18n` translates them (``lang="nl"``: Dutch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..i18n import translator

__all__ = ["NARROW", "ROBUST", "WIDE", "WORTH_SE", "Verdict", "outcome_words", "scenario_verdict", "study_worth",
           "threshold_text", "worth_studying"]

#: An interval narrower than this share of the threshold's scale is "close to" the threshold.
NARROW = 0.2
#: An interval wider than this share of the threshold's scale is "very uncertain".
WIDE = 0.6
#: P(better) at or above this is "robustly better"; at or below 1 - ROBUST "robustly worse".
ROBUST = 0.9
#: A study is worth it when its best ENBS exceeds this many standard errors (:func:`study_worth`).
WORTH_SE = 2.0


def threshold_text(measure: str) -> str:
    """The threshold as words use it: ``"1"`` for a ratio, ``"0"`` for an NPV."""
    return "1" if measure == "ratio" else "0"


def outcome_words(measure: str, p_above: float, low: float, high: float, lang: str = "en") -> str:
    """Where an output lies against its threshold, in words (the rules are in the module docstring), in
    the language ``lang`` (:mod:`wotsim.i18n`)."""
    _ = translator(lang)
    thr = threshold_text(measure)
    if not (math.isfinite(p_above) and math.isfinite(low) and math.isfinite(high)):
        return _("undefined in some draws")
    if p_above >= 0.95:
        return _("almost certainly above {threshold}").format(threshold=thr)
    if p_above >= 0.80:
        return _("probably above {threshold}").format(threshold=thr)
    if p_above <= 0.05:
        return _("almost certainly below {threshold}").format(threshold=thr)
    if p_above <= 0.20:
        return _("probably below {threshold}").format(threshold=thr)
    scale = 1.0 if measure == "ratio" else max(abs(low), abs(high))
    width = (high - low) / scale if scale > 0 else 0.0
    if width < NARROW:
        return _("close to {threshold}: benefits roughly equal costs").format(threshold=thr)
    spread = _("very uncertain") if width > WIDE else _("uncertain")
    if p_above >= 0.6:
        lean = _("more likely above {threshold}").format(threshold=thr)
    elif p_above <= 0.4:
        lean = _("more likely below {threshold}").format(threshold=thr)
    else:
        lean = _("about as likely above {threshold} as below").format(threshold=thr)
    return _("{spread}, {lean}").format(spread=spread, lean=lean)


@dataclass(frozen=True)
class Verdict:
    """A recommendation's verdict: ``kind`` ("better", "worse", "uncertain", "same") and its words."""

    kind: str
    words: str
    futures: int | None = None


def scenario_verdict(p_better: float, p_worse: float, lang: str = "en") -> Verdict:
    """A recommendation against the base analysis, from P(better) on the paired draws (module docstring)."""
    _ = translator(lang)
    if p_better == 0 and p_worse == 0:
        return Verdict("same", _("no different"))
    if p_better >= ROBUST:
        return Verdict("better", _("robustly better"))
    if p_better <= round(1 - ROBUST, 12):  # 0.1, not 0.09999999999999998
        return Verdict("worse", _("robustly worse"))
    n = int(math.floor(10 * p_better + 0.5))
    return Verdict("uncertain", _("uncertain: better in {n} of 10 futures").format(n=n), n)


def study_worth(enbs: float, se: float) -> bool:
    """True when a study's best ENBS is clearly above 0: ``ENBS > 0`` and ``ENBS > WORTH_SE x se`` (module
    docstring); never for a number that is not finite or a negative standard error."""
    if not (math.isfinite(enbs) and math.isfinite(se)) or se < 0:
        return False
    return enbs > 0 and enbs > WORTH_SE * se


def worth_studying(results):
    """Of value-of-sample-information results (:class:`~wotsim.analysis.evsi.EvsiResult`, read by attribute) the one
    whose best size is worth it (:func:`study_worth`) with the highest ENBS, and that size's index; None if none."""
    best = None
    for r in results:
        if r.best_size is None:
            continue
        j = list(r.sizes).index(r.best_size)
        if study_worth(r.enbs[j], r.population_evsi_se[j]) and (best is None or r.enbs[j] > best[0].enbs[best[1]]):
            best = (r, j)
    return best
