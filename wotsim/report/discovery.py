"""A discovery in words: the sentence per box, and the text ``wotsim discover`` prints.

Every word comes from the numbers of a :class:`~wotsim.analysis.discover.Discovery`, by these rules:

* **What the condition is** (:func:`condition_words`): ``below``/``above`` an output's threshold
  read "the <output label> falls below <t>" / "exceeds <t>" and its draws "below-<t> draws" /
  "draws above <t>"; a scenario reads "<scenario label> does worse than the base on the <output
  label>" and "draws in which it does worse"; any other condition is quoted with each output name
  replaced by its label ("the condition 'social cost-benefit ratio >= 1 and financial ratio
  (municipal) < 0.75' holds", "draws that meet it").
* **A limit** (:func:`limit_words`): the parameter's label, then "below <upper>" for an upper limit,
  "above <lower>" for a lower one, "between <lower> and <upper>" for both; the value to three
  significant figures (:func:`wotsim.formatting.significant`); an integer parameter's limits are
  inclusive and say so: "at most 5", "at least 4", "from 4 to 6", "equal to 6"; then, in
  brackets, its percentile(s) (:func:`wotsim.formatting.percentile_rank`: 1 to 99 inside the range)
  of the parameter's distribution as ordinals ("its 30th percentile", "its 20th to 80th
  percentiles") and the evidence tag (sourced, derived, assumed, calibrated), if the config gives one.
  Units are left to the table.
* **Shares** (:func:`share_words`): whole percentages; "under 1%" and "over 99%" at the ends, so
  that nothing reads 0% or 100% unless it is exact.
* **The sentence** (:func:`box_sentence`): "<Condition> in <density> of the draws with <limit>,
  <limit> and <limit>; this region holds <share of cases> of all <cases> and <mass> of all draws
  (<overall share> overall)."  If no limit passes its quasi-p test at :data:`SIGNIFICANCE`
  (:func:`is_significant`), the sentence adds that the region may be chance.  The limits in the
  order PRIM restricted them; a label inside the
  sentence starts lower-case unless its first word is an acronym (:func:`wotsim.formatting.lower_first`).  A box
  that restricts nothing says so.

**Languages.**  The words are English message ids (:mod:`wotsim.i18n`); every function that
words a discovery takes ``lang`` (``"nl"``: Dutch words, Dutch numbers ``0,459``, ``2.740``, ``31e``
percentiel).  The labels are the discovery's own: :func:`localised` gives a copy of a
discovery with the labels, units and scenario label of a config in another language.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from dataclasses import replace

from ..formatting import MINUS, amount, lower_first, percentile_rank, significant
from ..i18n import DEFAULT_LANGUAGE, N_, localise_number, ordinal, range_words, translator
from .glossary import EVIDENCE_WORDS
from .text import table

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.discover import DiscoveredBox, Discovery, ParameterInfo
    from ..analysis.prim import Restriction

__all__ = ["RESTRICTION_COLUMNS", "SIGNIFICANCE", "box_sentence", "condition_words", "discovery_sentences",
           "evidence_word", "format_discovery", "is_significant", "limit_words", "localised", "pastes_words",
           "restriction_columns", "restriction_rows", "share_words"]

#: The level of the quasi-p test below which a limit counts as more than chance.
SIGNIFICANCE = 0.05


def share_words(p: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A share as a whole percentage; ``under 1%`` / ``over 99%`` rather than a rounded 0% or 100%."""
    _ = translator(lang)
    if p != p:
        return _("n/a")
    if 0 < p < 0.005:
        return _("under 1%")
    if 0.995 <= p < 1:
        return _("over 99%")
    return localise_number(f"{p:.0%}", lang)


def evidence_word(tag: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An evidence tag (sourced, derived, assumed, calibrated) as a word in ``lang``; another tag as it is."""
    return translator(lang)(EVIDENCE_WORDS[tag]) if tag in EVIDENCE_WORDS else tag


def localised(d: Discovery, labels, lang: str, *, scenario_label: str = "") -> Discovery:
    """A copy of ``d`` whose labels and units read in ``lang``: ``labels(kind, name, field)`` gives the text of
    a parameter's or an output's ``label`` or ``unit`` (``""``: keep the discovery's own), e.g.
    :func:`wotsim.labels.text_of` of the run's config; ``scenario_label``: the scenario's label in
    ``lang``.  The English discovery is returned as it is."""
    if lang == DEFAULT_LANGUAGE:
        return d
    parameters = tuple(replace(p, label=labels("parameter", p.name, "label") or p.label,
                               unit=labels("parameter", p.name, "unit") or p.unit) for p in d.parameters)
    names = {name: labels("output", name, "label") or label for name, label in d.labels.items()}
    return replace(d, parameters=parameters, labels=names, scenario_label=scenario_label or d.scenario_label)


def _threshold(d: Discovery, lang: str = DEFAULT_LANGUAGE) -> str:
    if d.measure in ("npv", "amount"):
        return amount(d.threshold, d.currency, lang=lang)
    return significant(d.threshold, lang=lang)


def condition_words(d: Discovery, lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """(what holds, what its draws are called): ``("the social ratio falls below 1", "below-1 draws")``."""
    _ = translator(lang)
    label = d.labels.get(d.output, d.output)
    lower = lower_first(label)
    if d.kind == "below":
        return (_("the {output} falls below {threshold}").format(output=lower, threshold=_threshold(d, lang)),
                _("below-{threshold} draws").format(threshold=_threshold(d, lang)))
    if d.kind == "above":
        return (_("the {output} exceeds {threshold}").format(output=lower, threshold=_threshold(d, lang)),
                _("draws above {threshold}").format(threshold=_threshold(d, lang)))
    if d.kind == "worse":
        return (_("{scenario} does worse than the base on the {output}").format(
            scenario=d.scenario_label or d.scenario, output=lower), _("draws in which it does worse"))
    text = d.condition
    for name in sorted(d.labels, key=len, reverse=True):  # output names -> their labels
        text = re.sub(rf"\b{re.escape(name)}\b", lambda m, w=lower_first(d.labels[name]): w, text)
    return _("the condition '{condition}' holds").format(condition=text), _("draws that meet it")


def _integer_limits(r: Restriction) -> tuple[int, int]:
    return math.ceil(r.lower), math.floor(r.upper)


def limit_words(p: ParameterInfo, r: Restriction, lang: str = DEFAULT_LANGUAGE) -> str:
    """``households supported below 2,810 (its 90th percentile, assumed)``; integers inclusive:
    ``time horizon at most 5 (its 60th percentile, assumed)``, ``from 4 to 6``, ``equal to 6``."""
    _ = translator(lang)
    lo, hi = (percentile_rank(r.lower_percentile), percentile_rank(r.upper_percentile))
    if p.integer:
        a, b = (localise_number(str(v), lang) for v in _integer_limits(r))
        words = {(True, True): (_("equal to {value}").format(value=a) if a == b
                                else _("from {low} to {high}").format(low=a, high=b)),
                 (False, True): _("at most {value}").format(value=b), (True, False): _("at least {value}").format(value=a)}
    else:
        low, high = significant(r.lower, lang=lang), significant(r.upper, lang=lang)
        words = {(True, True): _("between {low} and {high}").format(low=low, high=high),
                 (False, True): _("below {value}").format(value=high), (True, False): _("above {value}").format(value=low)}
    both = r.lower_restricted and r.upper_restricted
    pct = (_("its {low} to {high} percentiles").format(low=ordinal(lo, lang), high=ordinal(hi, lang)) if both else
           _("its {percentile} percentile").format(percentile=ordinal(hi if r.upper_restricted else lo, lang)))
    tag = f", {evidence_word(p.evidence, lang)}" if p.evidence else ""
    return f"{lower_first(p.label)} {words[r.lower_restricted, r.upper_restricted]} ({pct}{tag})"


def is_significant(box: DiscoveredBox) -> bool:
    """Whether some limit of the box passes its quasi-p test at :data:`SIGNIFICANCE`."""
    return any(q < SIGNIFICANCE for r in box.restrictions for q in (r.quasi_p_lower, r.quasi_p_upper) if q == q)


def _join(parts: list[str], lang: str = DEFAULT_LANGUAGE) -> str:
    last = translator(lang)("{first} and {last}")
    return parts[0] if len(parts) == 1 else last.format(first=", ".join(parts[:-1]), last=parts[-1])


def box_sentence(d: Discovery, box: DiscoveredBox, lang: str = DEFAULT_LANGUAGE) -> str:
    """The sentence of one box (the rules are in the module docstring)."""
    _ = translator(lang)
    what, cases = condition_words(d, lang)
    what = what[:1].upper() + what[1:]
    overall = _("{share} overall").format(share=share_words(d.share, lang))
    density = share_words(box.box_density, lang)
    if not box.restrictions:
        if box.chosen_by == "step":  # the user's choice, not a finding
            return _("{what} in {share} of the draws; the step chosen ({step}) restricts no parameter.").format(
                what=what, share=density, step=box.chosen)
        return _("{what} in {share} of the draws; no combination of assumptions concentrates it ({overall}).").format(
            what=what, share=density, overall=overall)
    limits = _join([limit_words(d.parameter(r.parameter), r, lang) for r in box.restrictions], lang)
    tail = _("this region holds {cases_share} of all {cases} and {draws_share} of all draws ({overall})").format(
        cases_share=share_words(box.share_of_cases, lang), cases=cases,
        draws_share=share_words(box.n / d.n_draws, lang), overall=overall)
    if not is_significant(box):
        tail += _("; no limit passes its quasi-p test at {level}, so the region may be chance").format(
            level=localise_number(f"{SIGNIFICANCE:.0%}", lang))
    if box.index > 1:
        tail += _("; it is box {index}, found among the draws outside the earlier boxes").format(index=box.index)
    return _("{what} in {share} of the draws with {limits}; {tail}.").format(what=what, share=density, limits=limits,
                                                                           tail=tail)


def discovery_sentences(d: Discovery, lang: str = DEFAULT_LANGUAGE, stopped: str | None = None) -> list[str]:
    """One sentence per box, and why the search stopped early if it did (``stopped``: that reason in ``lang``;
    default the discovery's own, in English)."""
    out = [box_sentence(d, b, lang) for b in d.boxes]
    if not d.boxes:
        what, _cases = condition_words(d, lang)
        out.append(translator(lang)("No region of the assumptions concentrates the draws in which {what} "
                                    "({stopped}).").format(what=what, stopped=d.stopped if stopped is None else stopped))
    return out


# --------------------------------------------------------------------------- the terminal text
def restriction_rows(d: Discovery, box: DiscoveredBox, lang: str = DEFAULT_LANGUAGE) -> list[list[str]]:
    """The box's restrictions as table rows (:data:`RESTRICTION_COLUMNS`), for the terminal and the report."""
    rows = []
    for r in box.restrictions:
        j = d.names.index(r.parameter)
        p = d.parameters[j]
        lo, hi = percentile_rank(r.lower_percentile), percentile_rank(r.upper_percentile)
        a, b = ((localise_number(str(v), lang) for v in _integer_limits(r)) if p.integer
                else (significant(r.lower, lang=lang), significant(r.upper, lang=lang)))
        if r.lower_restricted and r.upper_restricted:
            units = f"= {a}" if p.integer and a == b else range_words(a, b, lang)
            pct = range_words(f"p{lo}", f"p{hi}", lang)
        else:
            units, pct = (f"<= {b}", f"<= p{hi}") if r.upper_restricted else (f">= {a}", f">= p{lo}")
        qp = " / ".join(_p(x, lang) for x in (r.quasi_p_lower, r.quasi_p_upper) if x == x)
        stab = box.stability_coverage[j]
        rows.append([p.label, units, pct, evidence_word(p.evidence, lang) or "-", qp, _signed(-r.density_drop, lang),
                     _signed(r.coverage_gain, lang),
                     localise_number("n/a" if stab != stab else f"{stab:.0%}", lang), p.unit])
    return rows


#: The columns of :func:`restriction_rows` (English message ids: :func:`restriction_columns` in a language).
RESTRICTION_COLUMNS = (N_("parameter"), N_("limits"), N_("percentiles"), N_("evidence"), N_("quasi-p"),
                       N_("density change if lifted"), N_("coverage change if lifted"), N_("stability"), N_("unit"))


def restriction_columns(d: Discovery, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The header of :func:`restriction_rows` in ``lang``, the stability column naming its resamples."""
    _ = translator(lang)
    header = [_(c) for c in RESTRICTION_COLUMNS]
    if d.resamples:
        header[7] = _("stable in {n} resamples").format(n=d.resamples)
    return header


def _signed(x: float, lang: str) -> str:
    """A change with its sign to three decimals: ``-0.095`` / ``−0,095`` (the typographic minus outside English)."""
    text = localise_number(f"{x:+.3f}", lang)
    return text if lang == DEFAULT_LANGUAGE else text.replace("-", MINUS)


def _p(x: float, lang: str = DEFAULT_LANGUAGE) -> str:
    return localise_number("< 0.001" if x < 0.001 else f"{x:.3f}", lang)


def pastes_words(d: Discovery, box: DiscoveredBox) -> str:
    """The limits pasting widened, by label: ``cost per professional hour (lower, 3 times)``."""
    counts: dict[tuple[str, str], int] = {}
    for item in box.pastes:
        name, side = item.rsplit(":", 1)
        counts[name, side] = counts.get((name, side), 0) + 1
    return ", ".join(f"{lower_first(d.parameter(n).label)} ({side}{f', {k} times' if k > 1 else ''})"
                     for (n, side), k in counts.items())


def _steps_shown(box: DiscoveredBox) -> list[int]:
    """The first step at each number of restrictions, the chosen step and the last."""
    shown, seen = [], set()
    for i, k in enumerate(box.n_restricted.tolist()):
        if k not in seen:
            seen.add(k)
            shown.append(i)
    return sorted(set(shown) | {box.chosen, box.steps - 1})


_CHOSEN_BY = {"f1": "the highest F1 of coverage and density gain", "min_coverage": "the densest with the coverage asked",
              "step": "the step asked"}


def format_discovery(d: Discovery) -> str:
    """What ``wotsim discover`` prints: the condition, per box its trajectory, its limits and its sentence."""
    what, _ = condition_words(d)
    lines = [f"Scenario discovery (PRIM): where {what}",
             f"  {d.n_cases:,} of {d.n_draws:,} draws ({share_words(d.share)}); {len(d.parameters)} parameters searched"
             + (f"; {d.n_undefined:,} draws left out (an output undefined)" if d.n_undefined else "")]
    for b in d.boxes:
        lines += ["", f"Box {b.index}" + (f" (searched among the {b.n_draws:,} draws outside the earlier boxes)"
                                          if b.index > 1 else "")]
        rows = []
        for i in _steps_shown(b):
            mark = "chosen" if i == b.chosen else ""
            moved = f"{d.parameter(b.moved[i]).label} ({b.sides[i]})" if b.moved[i] else "all draws"
            rows.append([str(i), f"{b.coverage[i]:.3f}", f"{b.density[i]:.3f}", f"{b.mass[i]:.3f}",
                         str(int(b.n_restricted[i])), moved, mark])
        lines.append(f"  peeling trajectory: {b.steps} steps; chosen step {b.chosen} ({_CHOSEN_BY.get(b.chosen_by, b.chosen_by)})"
                     + (f", then pasted: {pastes_words(d, b)}" if b.pastes else ""))
        lines.append(table(rows, ["step", "coverage", "density", "mass", "restricted", "last limit moved", ""],
                           "rrrrrll", indent="  "))
        lines.append(f"  chosen box: coverage {b.box_coverage:.3f}, density {b.box_density:.3f}, mass {b.box_mass:.3f}"
                     f" ({b.cases:,} of {b.n:,} draws in it meet the condition)")
        rows = restriction_rows(d, b)
        if rows:
            header = list(RESTRICTION_COLUMNS)
            header[7] = f"stable in {d.resamples}" if d.resamples else "stability"
            lines.append(table(rows, header, "lllllrrrl", indent="  "))
            lines.append("  (change if lifted: what dropping that restriction does to the box; stable in R: the share "
                         "of R half-size resamples that restrict it too)")
        lines += ["", "  " + box_sentence(d, b)]
    if d.stopped:
        lines += ["", f"Stopped after {len(d.boxes)} box{'es' if len(d.boxes) != 1 else ''}: {d.stopped}."]
    if not d.boxes:
        lines += discovery_sentences(d)
    return "\n".join(lines)
