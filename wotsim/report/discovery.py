"""A discovery in words: the sentence per box, and the text ``wotsim discover`` prints.

Every word comes from the numbers of a :class:`~wotsim.analysis.discover.Discovery`, by these rules:

* **What the condition is** (:func:`condition_words`): ``below``/``above`` an output's threshold
  read "the <output label> falls below <t>" / "exceeds <t>" and its draws "below-<t> draws" /
  "draws above <t>"; a scenario reads "<scenario label> does worse than the base on the <output
  label>" and "draws in which it does worse"; any other condition is quoted as written ("the
  condition 'social_ratio >= 1 and financial_ratio < 0.75' holds", "draws that meet it").
* **A limit** (:func:`limit_words`): the parameter's label, then "below <upper>" for an upper limit,
  "above <lower>" for a lower one, "between <lower> and <upper>" for both; the value to three
  significant figures (:func:`wotsim.formatting.significant`); then, in brackets, its percentile(s)
  of the parameter's distribution as ordinals ("its 30th percentile", "its 20th to 80th
  percentiles") and the evidence tag (sourced, derived, assumed, calibrated), if the config gives one.
  Units are left to the table.
* **Shares** (:func:`share_words`): whole percentages; "under 1%" and "over 99%" at the ends, so
  that nothing reads 0% or 100% unless it is exact.
* **The sentence** (:func:`box_sentence`): "<Condition> in <density> of the draws with <limit>,
  <limit> and <limit>; this region holds <share of cases> of all <cases> and <mass> of all draws
  (<overall share> overall)."  The limits in the order PRIM restricted them; a label inside the
  sentence starts lower-case unless its first word is an acronym (:func:`wotsim.formatting.lower_first`).  A box
  that restricts nothing says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formatting import amount, lower_first, significant
from .text import table

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.discover import DiscoveredBox, Discovery, ParameterInfo
    from ..analysis.prim import Restriction

__all__ = ["box_sentence", "condition_words", "discovery_sentences", "format_discovery", "limit_words",
           "ordinal", "share_words"]


def ordinal(k: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


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
    return f"the condition '{d.condition}' holds", "draws that meet it"


def _pct(p: float) -> int:
    return min(99, max(1, int(round(100 * p)))) if 0 < p < 1 else int(round(100 * p))


def limit_words(p: ParameterInfo, r: Restriction) -> str:
    """``households supported below 2,810 (its 90th percentile, assumed)``."""
    if r.lower_restricted and r.upper_restricted:
        where = f"between {significant(r.lower)} and {significant(r.upper)}"
        pct = f"its {ordinal(_pct(r.lower_percentile))} to {ordinal(_pct(r.upper_percentile))} percentiles"
    elif r.upper_restricted:
        where, pct = f"below {significant(r.upper)}", f"its {ordinal(_pct(r.upper_percentile))} percentile"
    else:
        where, pct = f"above {significant(r.lower)}", f"its {ordinal(_pct(r.lower_percentile))} percentile"
    tag = f", {p.evidence}" if p.evidence else ""
    return f"{lower_first(p.label)} {where} ({pct}{tag})"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def box_sentence(d: Discovery, box: DiscoveredBox) -> str:
    """The sentence of one box (the rules are in the module docstring)."""
    what, cases = condition_words(d)
    what = what[:1].upper() + what[1:]
    overall = f"{share_words(d.share)} overall"
    if not box.restrictions:
        return (f"{what} in {share_words(box.box_density)} of the draws; no combination of assumptions "
                f"concentrates it ({overall}).")
    limits = _join([limit_words(d.parameter(r.parameter), r) for r in box.restrictions])
    tail = (f"this region holds {share_words(box.share_of_cases)} of all {cases} and "
            f"{share_words(box.n / d.n_draws)} of all draws ({overall})")
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
def _limits(r: Restriction) -> tuple[str, str]:
    if r.lower_restricted and r.upper_restricted:
        units = f"{significant(r.lower)} to {significant(r.upper)}"
        pct = f"p{_pct(r.lower_percentile)} to p{_pct(r.upper_percentile)}"
    elif r.upper_restricted:
        units, pct = f"<= {significant(r.upper)}", f"<= p{_pct(r.upper_percentile)}"
    else:
        units, pct = f">= {significant(r.lower)}", f">= p{_pct(r.lower_percentile)}"
    return units, pct


def _p(x: float) -> str:
    if x != x:
        return ""
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


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
                     + (f", then pasted ({', '.join(b.pastes)})" if b.pastes else ""))
        lines.append(table(rows, ["step", "coverage", "density", "mass", "restricted", "last limit moved", ""],
                           "rrrrrll", indent="  "))
        lines.append(f"  chosen box: coverage {b.box_coverage:.3f}, density {b.box_density:.3f}, mass {b.box_mass:.3f}"
                     f" ({b.cases:,} of {b.n:,} draws in it meet the condition)")
        rows = []
        stab = "" if d.resamples == 0 else f"stable in {d.resamples}"
        for r in b.restrictions:
            j = d.names.index(r.parameter)
            p = d.parameters[j]
            units, pct = _limits(r)
            qp = " / ".join(x for x in (_p(r.quasi_p_lower), _p(r.quasi_p_upper)) if x)
            s = b.stability_coverage[j]
            rows.append([p.label, units, pct, p.evidence or "-", qp, f"{-r.density_drop:+.3f}",
                         f"{r.coverage_gain:+.3f}", "n/a" if s != s else f"{s:.0%}", p.unit])
        if rows:
            lines.append(table(rows, ["parameter", "limits", "percentiles", "evidence", "quasi-p",
                                      "density if lifted", "coverage if lifted", stab or "stability", "unit"],
                               "lllllrrrl", indent="  "))
            lines.append("  (density and coverage if lifted: the change if that restriction were dropped; stable: "
                         "share of half-size resamples that restrict it too)" if d.resamples else
                         "  (density and coverage if lifted: the change if that restriction were dropped)")
        lines += ["", "  " + box_sentence(d, b)]
    if d.stopped:
        lines += ["", f"Stopped after {len(d.boxes)} box{'es' if len(d.boxes) != 1 else ''}: {d.stopped}."]
    if not d.boxes:
        lines += discovery_sentences(d)
    return "\n".join(lines)
