"""The analyses' own notes in the reader's language: the one translation of them for every layer.

The analysis layer describes some of its results in English sentences it builds itself: how a
standard error was computed (:func:`wotsim.results.mcse.describe`), a Sobol' interval's method, its
stability rule and verdicts (and why an index is not stable), why a switching value was not found, why
a scenario discovery stopped or found nothing, the value-of-information decision, estimator and
standard errors, an EVPPI estimate's basis and warnings, and what a sensitivity method did with
groups and rank correlations.  The report and the figures print them as they are in English.  In
another language :func:`note` recognises each of them by its pattern (:data:`PATTERNS`, one per
sentence the analyses write) and writes it again from a message of :mod:`wotsim.i18n`, with its
numbers in the locale's format (:func:`wotsim.i18n.localise_number`; a number the analysis printed
with an exponent to six significant figures, :func:`wotsim.formatting.significant`) and the ids it
names replaced by labels (``relabel``).  A note no pattern matches prints in English (the Dutch
report test lists none for the Schiedam case).

A base module (tests/test_layers.py): the report and the figures both import it.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from .formatting import significant
from .i18n import DEFAULT_LANGUAGE, N_, localise_number, translator

__all__ = ["PATTERNS", "note"]

_N = r"-?[\d,]+(?:\.\d+)?(?:e[-+]\d+)?%?"  # a number as the analyses print it: 4,096; 0.08; 15%; 1e-05
#: (pattern, message): each placeholder of the message is a named group of the pattern, printed by its kind:
#: ``n_*`` a number, ``id_*`` an id (relabelled), ``note_*`` a note itself (parts joined by "; "), ``word_*``
#: a word of the catalogue; any other as it is.
PATTERNS: tuple[tuple[str, str], ...] = (
    # standard errors (wotsim.results.mcse.describe; wotsim.analysis.voi)
    (rf"estimated from the spread over the design's (?P<n_r>{_N}) independent randomisations \((?P<sampler>\w+)\)",
     N_("estimated from the spread over the design's {n_r} independent randomisations ({sampler})")),
    (r"independent draws \(mc\): iid formulas", N_("independent draws (mc): iid formulas")),
    (r"iid formulas on a single randomisation \((?P<sampler>\w+)\): not an honest error for this design",
     N_("iid formulas on a single randomisation ({sampler}): not an honest error for this design")),
    (rf"standard errors from the (?P<n_r>{_N}) independent randomisations of the design \(EVPPI: "
     r"delete-one-randomisation jackknife of the whole estimator, regressions included\)",
     N_("standard errors from the {n_r} independent randomisations of the design (EVPPI: delete-one-randomisation "
        "jackknife of the whole estimator, regressions included)")),
    (rf"standard errors for independent draws \(EVPPI: delete-one-group jackknife over (?P<n_g>{_N}) groups of "
     r"draws, regressions included\)",
     N_("standard errors for independent draws (EVPPI: delete-one-group jackknife over {n_g} groups of draws, "
        "regressions included)")),
    # value of information (wotsim.analysis.voi)
    (r"regression \(Strong, Oakley & Brennan 2014\), cross-fitted in two halves",
     N_("regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves")),
    (r"keep the intervention if E\[(?P<id_output>[^\]]+)\] > 0, else stop \(worth 0\)",
     N_("keep the intervention if E[{id_output}] > 0, else stop (worth 0)")),
    (r"adopt '(?P<id_scenario>[^']+)' instead of the base if E\[INB\] > 0",
     N_("adopt '{id_scenario}' instead of the base if E[INB] > 0")),
    (r"grown: three-way products", N_("grown: three-way products")),
    (rf"grown: products of up to (?P<n_k>{_N}) members", N_("grown: products of up to {n_k} members")),
    (rf"not grown: group of (?P<n_k>{_N}) > (?P<n_max>{_N}) members", N_("not grown: group of {n_k} > {n_max} members")),
    (rf"R2 (?P<n_r2>{_N}) is below that of (?P<id_member>\S+) alone \((?P<n_best>{_N})\): the group fit misses "
     r"structure a single-parameter fit finds, so its EVPPI is probably underestimated",
     N_("R2 {n_r2} is below that of {id_member} alone ({n_best}): the group fit misses structure a single-parameter "
        "fit finds, so its EVPPI is probably underestimated")),
    (rf"may be biased upward by up to about (?P<n_scale>{_N}) \((?P<note_why>.+)\): more samples are needed for a "
     r"firm value", N_("may be biased upward by up to about {n_scale} ({note_why}): more samples are needed for a firm "
                      "value")),
    (rf"its noise floor is (?P<n_share>{_N}) of it", N_("its noise floor is {n_share} of it")),
    (rf"the estimated bias is (?P<n_share>{_N}) of it", N_("the estimated bias is {n_share} of it")),
    (rf"(?P<n_columns>{_N}) regression columns for (?P<n_draws>{_N}) draws, fewer than (?P<n_rows>{_N}) per column",
     N_("{n_columns} regression columns for {n_draws} draws, fewer than {n_rows} per column")),
    (rf"R2 (?P<n_r2>{_N}) is below (?P<n_low>{_N}): the basis may miss (?P<note_missed>.+), so ~0 does not show that "
     r"learning this group is worth nothing",
     N_("R2 {n_r2} is below {n_low}: the basis may miss {note_missed}, so ~0 does not show that learning this group "
        "is worth nothing")),
    (r"non-polynomial interactions of its members", N_("non-polynomial interactions of its members")),
    (r"interactions of more than one member", N_("interactions of more than one member")),
    (rf"interactions of more than (?P<word_k>{_N}|two|three) members", N_("interactions of more than {word_k} members")),
    # Sobol' indices (wotsim.analysis.sobol, wotsim.analysis.groups)
    (rf"jackknife over (?P<n_r>{_N}) independent randomisations \(t with (?P<n_df>{_N}) df\)",
     N_("jackknife over {n_r} independent randomisations (t with {n_df} df)")),
    (r"stable", N_("stable")),
    (r"not stable", N_("not stable")),
    (r"CI", N_("CI")),  # why an index is not stable (wotsim.analysis.sobol_estimates.SobolConvergence.reasons)
    (r"halves disagree", N_("halves disagree")),
    (r"stable: the CI half-width at N is at most (?P<note_tolerance>max\(.+\)), and the estimates from the first "
     r"and the last N/2 base samples \(independent randomisations\) differ by at most twice that; for S1 and ST",
     N_("stable: the CI half-width at N is at most {note_tolerance}, and the estimates from the first and the last "
        "N/2 base samples (independent randomisations) differ by at most twice that; for S1 and ST")),
    (rf"max\((?P<n_absolute>{_N}), (?P<n_relative>{_N}) of the index\)",
     N_("max({n_absolute}, {n_relative} of the index)")),
    (r"Output '(?P<id_output>[^']+)' does not vary in this design: every index is 0\.",
     N_("Output '{id_output}' does not vary in this design: every index is 0.")),
    (r"The config's rank correlations \((?P<pairs>.+)\) were imposed within groups \(Gaussian copula\); every "
     r"correlated block lies inside one group, so the groups are independent and the grouped Sobol' indices are "
     r"valid\.", N_("The config's rank correlations ({pairs}) were imposed within groups (Gaussian copula); every "
                    "correlated block lies inside one group, so the groups are independent and the grouped Sobol' "
                    "indices are valid.")),
    (r"The config has rank correlations \((?P<pairs>.+)\), but Sobol' analysis assumes independent inputs: these "
     r"indices were computed with the correlations removed\. Use groups = 'correlated' \(each correlated block one "
     r"group\) or PAWN on the correlated Monte Carlo sample\.",
     N_("The config has rank correlations ({pairs}), but Sobol' analysis assumes independent inputs: these indices "
        "were computed with the correlations removed. Use groups = 'correlated' (each correlated block one group) or "
        "PAWN on the correlated Monte Carlo sample.")),
    # switching values (wotsim.analysis.oneway)
    (r"(?P<note_what>.+) \(searched between its 0\.1% and 99\.9% quantiles\)",
     N_("{note_what} (searched between its 0.1% and 99.9% quantiles)")),
    (r"does not cross within its range", N_("does not cross within its range")),
    (r"no threshold for an amount output \((?P<id_output>[^)]+)\)", N_("no threshold for an amount output ({id_output})")),
    # scenario discovery (wotsim.analysis.discover, wotsim.analysis.pipeline.report_discoveries)
    (r"no draws outside the condition are left", N_("no draws outside the condition are left")),
    (r"no cases are left", N_("no cases are left")),
    (rf"fewer draws are left than the smallest box holds \((?P<n_share>{_N}) of all draws\)",
     N_("fewer draws are left than the smallest box holds ({n_share} of all draws)")),
    (rf"box (?P<n_index>{_N}) would be no denser \((?P<n_density>{_N})\) than the condition over all draws "
     rf"\((?P<n_share>{_N})\)", N_("box {n_index} would be no denser ({n_density}) than the condition over all draws "
                                  "({n_share})")),
    (rf"(?P<note_what>.+), too few for a region \(at least (?P<n_min>{_N}) are needed\)",
     N_("{note_what}, too few for a region (at least {n_min} are needed)")),
    (rf"it does worse than the base in (?P<word_cases>none|every one|{_N}) of the (?P<n_draws>{_N}) paired draws",
     N_("it does worse than the base in {word_cases} of the {n_draws} paired draws")),
    (rf"the (?P<id_output>.+) is below its threshold in (?P<word_cases>none|every one|{_N}) of the (?P<n_draws>{_N}) "
     r"draws", N_("the {id_output} is below its threshold in {word_cases} of the {n_draws} draws")),
    (r"(?P<id_output>\S+) is an amount, with no threshold to fall below",
     N_("{id_output} is an amount, with no threshold to fall below")),
    # screening (wotsim.analysis.screening)
    (r"Grouped PAWN \(SALib\): each group's figures are the mean of its members' own indices, not an index of the "
     r"group as a whole; compare groups with care\.",
     N_("Grouped PAWN (SALib): each group's figures are the mean of its members' own indices, not an index of the "
        "group as a whole; compare groups with care.")),
    (r"PAWN ran on the Monte Carlo sample, which honours the config's rank correlations; a correlated parameter's "
     r"index includes what it shares with its partners\.",
     N_("PAWN ran on the Monte Carlo sample, which honours the config's rank correlations; a correlated "
        "parameter's index includes what it shares with its partners.")),
)
#: The words a ``word_*`` group may hold (a number otherwise).
_WORDS = {"none": N_("none"), "every one": N_("every one"), "two": N_("two"), "three": N_("three")}
_COMPILED = tuple((re.compile(pattern), message) for pattern, message in PATTERNS)


def _number(text: str, lang: str) -> str:
    """A number of a note in ``lang``: the same digits with the locale's symbols; one the analysis printed with
    an exponent (``1e-05``) positional, to six significant figures (``0,00001``)."""
    return localise_number(text, lang) if "e" not in text else significant(float(text), 6, lang)


def note(text: str, lang: str = DEFAULT_LANGUAGE, relabel: Mapping[str, str] | Callable[[str], str] | None = None
         ) -> str:
    """An analysis's English ``text`` in ``lang`` (the module docstring); ``relabel`` maps an id the note names
    (a parameter, output or scenario) to its label in ``lang``.  English, or a note no pattern matches, as it is."""
    if lang == DEFAULT_LANGUAGE or not text:
        return text
    _ = translator(lang)
    label = relabel if callable(relabel) else (lambda name, table=relabel or {}: table.get(name, name))
    for pattern, message in _COMPILED:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        words = {}
        for key, found in match.groupdict().items():
            if key.startswith("n_"):
                words[key] = _number(found, lang)
            elif key.startswith("id_"):
                words[key] = label(found)
            elif key.startswith("note_"):
                words[key] = "; ".join(note(part, lang, relabel) for part in found.split("; "))
            elif key.startswith("word_"):
                words[key] = _(_WORDS[found]) if found in _WORDS else _number(found, lang)
            else:
                words[key] = found
        return _(message).format(**words)
    return text
