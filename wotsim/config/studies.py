"""Studies a decision maker could commission (``[studies.<id>]``) and the population a decision affects.

The value of a study's information (the expected value of sample information, EVSI, and the
expected net benefit of sampling, ENBS: :mod:`wotsim.analysis`) needs what the study would
measure, how, at which sizes and at what cost::

    [study]
    decision_cohorts = 5                  # optional, default 1: how many cohorts the decision affects

    [studies.placement_followup]
    label = "Follow-up of placements prevented"   # optional (default: the id, shown humanised)
    label_nl = "..."                      # optional translation, as for every label
    informs = "p_placement_prevented"     # an uncertain parameter, or a list of distinct ones
    design = "binomial"                   # binomial: n units, events ~ Binomial(n, parameter)
                                          # normal: n observations, each ~ Normal(parameter, sd)
    sd = 0.1                              # normal only, required: sd of one observation (> 0)
    sizes = [50, 100, 200, 400, 800]      # the study sizes n to evaluate
    cost_fixed = 40000                    # the study's fixed cost (>= 0), in the study's currency
    cost_per_unit = 150                   # its cost per unit or observation (>= 0)
    source = "..."                        # required: where the numbers come from, or the assumptions

Rules, each a one-line :class:`~wotsim.errors.ConfigError` naming the file and the dotted key
(unknown keys with a did-you-mean): ``informs`` names parameters that are uncertain (a fixed or
unknown name, or a derived formula, is refused with a did-you-mean among the uncertain ones); a
binomial study's parameters must lie within [0, 1] over their whole support (they are
probabilities) and it takes no ``sd``; a normal study needs ``sd``, a finite number > 0;
``sizes`` is a non-empty list of distinct whole numbers >= 1 (TOML integers, as every count of a
config), at most :data:`MAX_STUDY_SIZES` of them, kept in increasing order whatever order they
are written in; ``cost_fixed`` and ``cost_per_unit`` are required finite numbers >= 0 (true and
false are not numbers); ``source`` is required and not blank.  A config has at most
:data:`MAX_STUDIES` studies.  ``[study] decision_cohorts`` is a whole number from 1 to
:data:`MAX_DECISION_COHORTS` (later cohorts are discounted at the study's discount rate by the
analysis, so they are yearly cohorts, counted like the horizon).

Scenario overlays may add a study or replace one by its id (:mod:`wotsim.config.overlays`).
"""

from __future__ import annotations

from typing import Any, Mapping

from .expressions import shown
from .keys import Ctx, check_keys, check_name, finite_number, get_int, get_str, get_table, hint, listing, number_text
from .schema import Parameter, StudyDesign
from .sizes import MAX_HORIZON
from .translations import TRANSLATABLE, translated_keys

__all__ = ["DESIGNS", "MAX_DECISION_COHORTS", "MAX_STUDIES", "MAX_STUDY_SIZES", "STUDY_KEYS", "parse_decision_cohorts",
           "parse_studies"]

#: How a study's data arise from the parameters it informs.
DESIGNS = ("binomial", "normal")
#: Keys of a ``[studies.<id>]`` table.
STUDY_KEYS = ("label", "informs", "design", "sd", "sizes", "cost_fixed", "cost_per_unit", "source",
              *translated_keys(TRANSLATABLE["studies"]))
#: Ceilings: each study size is a regression over every draw in the analysis.
MAX_STUDIES = 100
MAX_STUDY_SIZES = 100
#: Cohorts a decision may affect: yearly cohorts, at most as many as the longest horizon has years.
MAX_DECISION_COHORTS = MAX_HORIZON


def parse_decision_cohorts(ctx: Ctx, table: Mapping[str, Any]) -> int:
    """``[study] decision_cohorts``: how many cohorts a decision affects (default 1)."""
    return get_int(ctx, table, "decision_cohorts", "study.decision_cohorts", 1, minimum=1,
                   maximum=MAX_DECISION_COHORTS, why="yearly cohorts, counted like the horizon")


def parse_studies(ctx: Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter],
                  derived: Mapping[str, Any]) -> dict[str, StudyDesign]:
    """The ``[studies.<id>]`` tables (optional): id -> :class:`~wotsim.config.schema.StudyDesign`; ``derived``
    (the derived formulas) only to say that a name is one."""
    table = get_table(ctx, data, "studies", "studies")
    if len(table) > MAX_STUDIES:
        raise ctx.error("studies", f"at most {MAX_STUDIES} studies (each is evaluated at each of its sizes over "
                        f"every draw), got {len(table):,}")
    return {sid: _study(ctx, sid, spec, parameters, derived) for sid, spec in table.items()}


def _study(ctx: Ctx, sid: str, spec: Any, parameters: Mapping[str, Parameter],
           derived: Mapping[str, Any]) -> StudyDesign:
    key = ctx.at = f"studies.{sid}"
    check_name(ctx, sid, key)
    if not isinstance(spec, dict):
        raise ctx.error(key, f"must be a table (informs = ..., design = ..., sizes = [...], ...), got {shown(spec)}")
    check_keys(ctx, spec, STUDY_KEYS, key)
    label = get_str(ctx, spec, "label", f"{key}.label", default=sid)
    source = get_str(ctx, spec, "source", f"{key}.source")
    if not source.strip():
        raise ctx.error(f"{key}.source", "must say where the study's numbers come from (or that they are "
                        "assumptions, and why), got ''")
    informs = _informs(ctx, spec, key, parameters, derived)
    design = spec.get("design")
    if design not in DESIGNS:
        if "design" not in spec:
            raise ctx.error(f"{key}.design", f"is required: one of {', '.join(DESIGNS)}")
        raise ctx.error(f"{key}.design", f"must be one of {', '.join(DESIGNS)}, got {shown(design)}"
                        f"{hint(design, DESIGNS) if isinstance(design, str) else ''}")
    sd = None
    if design == "binomial":
        if "sd" in spec:
            raise ctx.error(f"{key}.sd", "applies to design = 'normal' only (a binomial study's spread follows from "
                            f"its parameter); remove it, got {shown(spec['sd'])}")
        for name in informs:
            lo, hi = parameters[name].dist.support()
            if not (0 <= lo and hi <= 1):
                raise ctx.error(f"{key}.informs", f"parameter {shown(name)} must lie within [0, 1] for a binomial "
                                f"study (events ~ Binomial(n, {name}): a probability), but its "
                                f"{parameters[name].dist.name} distribution has support [{number_text(lo)}, "
                                f"{number_text(hi)}]; use design = 'normal' or a distribution on [0, 1]")
    else:
        rule = "a finite number > 0 (the standard deviation of one observation)"
        if "sd" not in spec:
            raise ctx.error(f"{key}.sd", f"is required for design = 'normal': {rule}")
        sd = finite_number(ctx, spec["sd"], f"{key}.sd", rule)
        if not sd > 0:
            raise ctx.error(f"{key}.sd", f"must be {rule}, got {shown(spec['sd'])}")
    sizes = _sizes(ctx, spec, key)
    fixed = _cost(ctx, spec, key, "cost_fixed", "the study's fixed cost")
    per_unit = _cost(ctx, spec, key, "cost_per_unit", "its cost per unit or observation")
    if not fixed + per_unit * max(sizes) <= MAX_STUDY_COST:  # beyond it the money in results is not a study's
        raise ctx.error(f"{key}.cost_per_unit", f"makes the study cost {number_text(fixed + per_unit * max(sizes))} "
                        f"at its largest size ({max(sizes):,}); a study may cost at most {MAX_STUDY_COST:.0e} "
                        f"(cost_fixed + cost_per_unit x size)")
    return StudyDesign(id=sid, label=label, informs=informs, design=design, sizes=sizes, cost_fixed=fixed,
                       cost_per_unit=per_unit, sd=sd, source=source)


#: The most a study may cost at its largest size, in the study's currency (results files keep money below 1e20).
MAX_STUDY_COST = 1e15


def _informs(ctx: Ctx, spec: Mapping[str, Any], key: str, parameters: Mapping[str, Parameter],
             derived: Mapping[str, Any]) -> tuple[str, ...]:
    """The parameters a study informs: one name or a non-empty list of distinct names, each uncertain."""
    at = f"{key}.informs"
    uncertain = [n for n, p in parameters.items() if not p.dist.fixed]
    known = f"uncertain parameters: {listing(uncertain) if uncertain else '(none)'}"
    if "informs" not in spec:
        raise ctx.error(at, f"is required: the uncertain parameter the study measures, or a list of them; {known}")
    value = spec["informs"]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ctx.error(at, f"must be a parameter name or a non-empty list of parameter names, got {shown(value)}")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ctx.error(at, f"names parameter {shown(name)} twice; list each parameter once")
        seen.add(name)
        if name in parameters and parameters[name].dist.fixed:
            raise ctx.error(at, f"parameter {shown(name)} is fixed (value = {number_text(parameters[name].dist.base)}): "
                            f"a study can only inform an uncertain parameter{hint(name, uncertain)}; {known}")
        if name in derived:
            raise ctx.error(at, f"{shown(name)} is a derived formula, not a parameter: name the uncertain parameters "
                            f"it reads{hint(name, uncertain)}; {known}")
        if name not in parameters:
            raise ctx.error(at, f"unknown parameter {shown(name)}{hint(name, uncertain)}; {known}")
    return tuple(names)


def _sizes(ctx: Ctx, spec: Mapping[str, Any], key: str) -> tuple[int, ...]:
    """The study sizes: a non-empty list of distinct whole numbers >= 1, in increasing order."""
    at = f"{key}.sizes"
    rule = "a non-empty list of distinct whole numbers >= 1 (the study sizes n, e.g. [50, 100, 200])"
    if "sizes" not in spec:
        raise ctx.error(at, f"is required: {rule}")
    value = spec["sizes"]
    if not isinstance(value, list) or not value:
        raise ctx.error(at, f"must be {rule}, got {shown(value)}")
    if len(value) > MAX_STUDY_SIZES:
        raise ctx.error(at, f"at most {MAX_STUDY_SIZES} sizes (each is a regression over every draw), "
                        f"got {len(value):,}")
    for i, n in enumerate(value):
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 2**53:  # a count exact as a float
            raise ctx.error(at, f"must be {rule}, got {shown(n)} (item {i + 1} of {shown(value)})")
    if len(set(value)) < len(value):
        twice = next(n for i, n in enumerate(value) if n in value[:i])
        raise ctx.error(at, f"must be {rule}: {twice} is given twice, got {shown(value)}")
    return tuple(sorted(value))


def _cost(ctx: Ctx, spec: Mapping[str, Any], key: str, name: str, what: str) -> float:
    at = f"{key}.{name}"
    rule = f"a finite number >= 0 ({what}, in the study's currency)"
    if name not in spec:
        raise ctx.error(at, f"is required: {rule}")
    cost = finite_number(ctx, spec[name], at, rule)
    if not cost >= 0:
        raise ctx.error(at, f"must be {rule}, got {shown(spec[name])}")
    return cost
