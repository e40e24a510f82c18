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
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from ..formatting import amount, lower_first, percentile_rank, significant
from ..i18n import ordinal
from .text import table

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.discover import DiscoveredBox, Discovery, ParameterInfo
    from ..analysis.prim import Restriction

__all__ = ["RESTRICTION_COLUMNS", "SIGNIFICANCE", "box_sentence", "condition_words", "discovery_sentences",
           "format_discovery", "is_significant", "limit_words", "pastes_words",
           "restriction_rows", "share_words"]

#: The level of the quasi-p test below which a limit counts as more than chance.
SIGNIFICANCE = 0.05


def share_words(p: float) -> str:
    """A share as a whole percentage; ``under 1%`` / ``over 99%`` rather than a rounded 0% or 100%."""
    if p != p:
        return "n/a"
    if 0 < p < 0.005:
        return "under 1%"
    if 0.995 <= p < 1:
        return "over 99%"
    return f"{p:.0%}"


def _threshold(d: Discovery) -> str:
    if d.measure in ("npv", "amount"):
        return amount(d.threshold, d.currency)
    return significant(d.threshold)


def condition_words(d: Discovery) -> tuple[str, str]:
    """(what holds, what its draws are called): ``("the social ratio falls below 1", "below-1 draws")``."""
    label = d.labels.get(d.output, d.output)
    lower = lower_first(label)
    if d.kind == "below":
        return f"the {lower} falls below {_threshold(d)}", f"below-{_threshold(d)} draws"
    if d.kind == "above":
        return f"the {lower} exceeds {_threshold(d)}", f"draws above {_threshold(d)}"
    if d.kind == "worse":
        return (f"{d.scenario_label or d.scenario} does worse than the base on the {lower}",
                "draws in which it does worse")
    text = d.condition
    for name in sorted(d.labels, key=len, reverse=True):  # output names -> their labels
        text = re.sub(rf"\b{re.escape(name)}\b", lambda m, w=lower_first(d.labels[name]): w, text)
    return f"the condition '{text}' holds", "draws that meet it"


def _integer_limits(r: Restriction) -> tuple[int, int]:
    return math.ceil(r.lower), math.floor(r.upper)


def limit_words(p: ParameterInfo, r: Restriction) -> str:
    """``households supported below 2,810 (its 90th percentile, assumed)``; integers inclusive:
    ``time horizon at most 5 (its 60th percentile, assumed)``, ``from 4 to 6``, ``equal to 6``."""
    lo, hi = (percentile_rank(r.lower_percentile), percentile_rank(r.upper_percentile))
    if p.integer:
        a, b = _integer_limits(r)
        words = {(True, True): f"equal to {a}" if a == b else f"from {a} to {b}", (False, True): f"at most {b}",
                 (True, False): f"at least {a}"}
    else:
        words = {(True, True): f"between {significant(r.lower)} and {significant(r.upper)}",
                 (False, True): f"below {significant(r.upper)}", (True, False): f"above {significant(r.lower)}"}
    both = r.lower_restricted and r.upper_restricted
    pct = (f"its {ordinal(lo)} to {ordinal(hi)} percentiles" if both else
           f"its {ordinal(hi if r.upper_restricted else lo)} percentile")
    tag = f", {p.evidence}" if p.evidence else ""
    return f"{lower_first(p.label)} {words[r.lower_restricted, r.upper_restricted]} ({pct}{tag})"


def is_significant(box: DiscoveredBox) -> bool:
    """Whether some limit of the box passes its quasi-p test at :data:`SIGNIFICANCE`."""
    return any(q < SIGNIFICANCE for r in box.restrictions for q in (r.quasi_p_lower, r.quasi_p_upper) if q == q)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def box_sentence(d: Discovery, box: DiscoveredBox) -> str:
    """The sentence of one box (the rules are in the module docstring)."""
    what, cases = condition_words(d)
    what = what[:1].upper() + what[1:]
    overall = f"{share_words(d.share)} overall"
    if not box.restrictions:
        if box.chosen_by == "step":  # the user's choice, not a finding
            return f"{what} in {share_words(box.box_density)} of the draws; the step chosen ({box.chosen}) restricts " \
                   "no parameter."
        return (f"{what} in {share_words(box.box_density)} of the draws; no combination of assumptions "
                f"concentrates it ({overall}).")
    limits = _join([limit_words(d.parameter(r.parameter), r) for r in box.restrictions])
    tail = (f"this region holds {share_words(box.share_of_cases)} of all {cases} and "
            f"{share_words(box.n / d.n_draws)} of all draws ({overall})")
    if not is_significant(box):
        tail += f"; no limit passes its quasi-p test at {SIGNIFICANCE:.0%}, so the region may be chance"
    if box.index > 1:
        tail += f"; it is box {box.index}, found among the draws outside the earlier boxes"
    return f"{what} in {share_words(box.box_density)} of the draws with {limits}; {tail}."


def discovery_sentences(d: Discovery) -> list[str]:
    """One sentence per box, and why the search stopped early if it did."""
    out = [box_sentence(d, b) for b in d.boxes]
    if not d.boxes:
        what, _ = condition_words(d)
        out.append(f"No region of the assumptions concentrates the draws in which {what} ({d.stopped}).")
    return out


# --------------------------------------------------------------------------- the terminal text
def restriction_rows(d: Discovery, box: DiscoveredBox) -> list[list[str]]:
    """The box's restrictions as table rows (:data:`RESTRICTION_COLUMNS`), for the terminal and the report."""
    rows = []
    for r in box.restrictions:
        j = d.names.index(r.parameter)
        p = d.parameters[j]
        lo, hi = percentile_rank(r.lower_percentile), percentile_rank(r.upper_percentile)
        a, b = _integer_limits(r) if p.integer else (significant(r.lower), significant(r.upper))
        if r.lower_restricted and r.upper_restricted:
            units = f"= {a}" if p.integer and a == b else f"{a} to {b}"
            pct = f"p{lo} to p{hi}"
        else:
            units, pct = (f"<= {b}", f"<= p{hi}") if r.upper_restricted else (f">= {a}", f">= p{lo}")
        qp = " / ".join(_p(x) for x in (r.quasi_p_lower, r.quasi_p_upper) if x == x)
        stab = box.stability_coverage[j]
        rows.append([p.label, units, pct, p.evidence or "-", qp, f"{-r.density_drop:+.3f}", f"{r.coverage_gain:+.3f}",
                     "n/a" if stab != stab else f"{stab:.0%}", p.unit])
    return rows


#: The columns of :func:`restriction_rows`.
RESTRICTION_COLUMNS = ("parameter", "limits", "percentiles", "evidence", "quasi-p", "density change if lifted",
                       "coverage change if lifted", "stability", "unit")


def _p(x: float) -> str:
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


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
