"""The sheets of a config workbook, their columns, the kind of value each column holds and what it means.

One sheet (or CSV file) per table of the config; its columns are named as the TOML keys, with
nested keys dotted (an output's ``benefits.stakeholder``) and translations as their own columns
(``label_nl``).  ``study`` and ``simulation`` are one record each: two columns ``key`` and
``value`` (one row per key), or one row under a header of keys.  Every sheet may have a ``note``
column: free text that becomes a comment in the TOML (:mod:`wotsim.workbook.toml_text`).  The
key lists come from the config layer where it publishes them (items, outputs, correlations,
overlays), so that a key the config learns is a column here too; ``parameters`` (and
``scenario_parameters``) pass any other column on to the config, which checks it: a parameter
key this module does not know (a new quantile form) still goes both ways.

The studies one could commission (``[studies.<id>]``, :mod:`wotsim.config.studies`) are the
``studies`` sheet, one row per study.  The scenario overlays (:mod:`wotsim.config.overlays`) take
six sheets: ``scenarios`` (one row per scenario: its ``[scenario]`` table, ``drop_items`` and
``study.*``), ``scenario_parameters`` (one row per parameter a scenario adds or changes: ``change``
is ``new``, ``replace``, ``scale`` (by ``factor``), ``shift`` (by ``amount``) or ``fix`` (at
``value``)), ``scenario_derived``, ``scenario_items`` (``[[add_items]]``), ``scenario_outputs`` and
``scenario_studies``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.correlations import CORRELATION_KEYS
from ..config.items import ITEM_KEYS, OUTPUT_KEYS
from ..config.studies import STUDY_KEYS
from ..config.translations import TRANSLATABLE, translated_keys

__all__ = ["CHANGES", "CHANGE_NUMBER", "NOTE", "REQUIRED", "SCENARIO_STUDY", "SHEETS", "Column", "Sheet", "about",
           "kind_of", "sheet_of"]

#: The column of free notes (TOML comments), on every sheet.
NOTE = "note"
#: How a scenario_parameters row changes a parameter, and the overlay table each goes to.
CHANGES = {"new": "parameters", "replace": "replace", "scale": "scale", "shift": "shift", "fix": "fix"}
#: Cells a row must fill: table -> column -> what it holds (an empty one is an error naming the cell).
_ITEM_REQUIRED = {"kind": "cost or benefit", "stakeholder": "a stakeholder id", "financial": "true or false",
                  "value": "the amount in the first year: a number or a formula"}
REQUIRED = {
    "items": _ITEM_REQUIRED, "scenario_items": _ITEM_REQUIRED,
    "derived": {"formula": "a formula"}, "scenario_derived": {"formula": "a formula"},
    "correlations": {"between": "the two parameters, e.g. [a, b]", "rank": "a rank correlation in (-1, 1)"},
    "scenarios": {"label": "the scenario's name", "description": "what it represents",
                  "evidence": "on what evidence its numbers rest"},
    "scenario_parameters": {"change": "new, replace, scale, shift or fix"},
}
#: The column holding the number of a scale, shift or fix row.
CHANGE_NUMBER = {"scale": "factor", "shift": "amount", "fix": "value"}

_PARAMETER_NUMBERS = ("value", "low", "mode", "high", "base", "mean", "sd", "median", "gsd", "alpha", "beta", "shape",
                      "scale", "lambda", "p05", "p95")

#: Kinds of values (:func:`wotsim.workbook.cells.convert`) by column; a column not listed is ``text``
#: on the closed sheets and ``any`` on the parameter sheets.
_KINDS = {
    "price_year": "int", "horizon": "formula", "discount_rate": "formula", "decision_cohorts": "int",
    "samples": "int", "seed": "int", "chunk_size": "int", "percentiles": "list", "replicates": "int",
    "repair_correlations": "bool",
    "financial": "bool", "value": "formula", "start": "int", "duration": "int", "persistence": "formula",
    "growth": "bool", "formula": "formula",
    "benefits": "selection", "costs": "selection", "target": "number", "tolerance": "number",
    "between": "list", "rank": "number",
    "order": "int", "drop_items": "list", "study.horizon": "formula", "study.discount_rate": "formula",
    "factor": "number", "amount": "number", "study.decision_cohorts": "int",
    "informs": "names", "sd": "number", "sizes": "list", "cost_fixed": "number", "cost_per_unit": "number",
    **{f"{side}.{k}": kind for side in ("benefits", "costs")
       for k, kind in (("stakeholder", "names"), ("financial", "bool"), ("items", "list"), ("exclude", "list"))},
}

#: What a column means, for the README sheet and the header notes; (sheet, column) before column.
_ABOUT = {
    "note": "Free text, kept as a comment in the TOML (not read by wotsim).",
    "label": "The name a reader sees.", "description": "A longer explanation.",
    "source": "Where the number comes from, or that it is an assumption.",
    "name": "Name used in formulas: letters, digits and _, not starting with a digit.",
    "id": "Identifier: letters, digits and _, not starting with a digit.",
    ("outputs", "name"): "The output's name (for --output; letters, digits and _).",
    ("study", "name"): "Title of the study.", ("study", "currency"): "Currency of all amounts (default EUR).",
    ("study", "price_year"): "Price level of the amounts (a year).",
    ("study", "horizon"): "Years counted: a whole number, or the name of an integer parameter.",
    ("study", "discount_rate"): "Fraction per year (0.03 = 3%): a number, a parameter name or a formula.",
    ("study", "unit_of_analysis"): "What the amounts are counted per, e.g. 'per yearly cohort'.",
    ("study", "decision_cohorts"): "How many cohorts a decision affects (default 1), for the value of a study.",
    ("simulation", "samples"): "Monte Carlo draws (default 100000).", ("simulation", "seed"): "Root seed.",
    ("simulation", "sampler"): "mc, lhs or sobol.", ("simulation", "chunk_size"): "Draws evaluated at once.",
    ("simulation", "percentiles"): "Percentiles reported, a list such as [5, 50, 95].",
    ("simulation", "replicates"): "Independent randomisations of a sobol or lhs design (default 16).",
    ("simulation", "repair_correlations"): "true: repair a correlation matrix that is not positive definite.",
    ("stakeholders", "id"): "The stakeholder's id (items name it).", ("stakeholders", "label"): "Its name.",
    ("groups", "group"): "A group some parameter or item names.", ("groups", "label"): "How the group is shown.",
    "dist": "uniform, normal, truncnormal, lognormal, beta, gamma, triangular, pert or integer; empty = fixed at "
            "value.",
    ("parameters", "value"): "The value of a fixed parameter (no dist).",
    "low": "Lower end of the range.", "mode": "Most likely value (triangular, pert).",
    "high": "Upper end of the range.",
    "base": "Point estimate of the deterministic base case (default: the mode, else the median).",
    "mean": "Mean.", "sd": "Standard deviation.", "median": "Median (lognormal).",
    "gsd": "Geometric standard deviation (lognormal).", "alpha": "Beta shape alpha.", "beta": "Beta shape beta.",
    "shape": "Gamma shape.", "scale": "Gamma scale.", "lambda": "PERT weight of the mode (default 4).",
    "p05": "5th percentile (with another quantile column such as p95).", "p95": "95th percentile.",
    "p025": "2.5th percentile (with p975: the usual 95% interval).", "p975": "97.5th percentile.",
    "range90": "A 90% range [a, b]: short for p05 = a, p95 = b.",
    "unit": "Unit of the value.", "group": "Group for sensitivity analysis: reach, effect, unit value, cost, time ...",
    "evidence": "sourced, derived, assumed or calibrated.",
    "formula": "Formula over parameters and other derived names (no cycles).",
    "kind": "cost or benefit (a benefit may be negative).", "stakeholder": "Who bears the cost or gets the benefit.",
    "financial": "true: money changing hands; false: intangible (time, quality of life).",
    ("items", "value"): "Amount in the first year of the stream: a number or a formula.",
    "start": "First year of the stream (0 = the first year, undiscounted; default 0).",
    "duration": "Years the stream lasts (default: to the horizon).",
    "persistence": "Share kept from one year to the next: a number, name or formula (default 1).",
    "growth": "true: a persistence above 1 is allowed (a growing stream).",
    "measure": "ratio (benefits / costs, default) or npv (benefits - costs).",
    "benefits": "all, or a list of item ids (or use the benefits.* columns to filter).",
    "costs": "all, or a list of item ids (or use the costs.* columns to filter).",
    "target": "Published figure the base case must reproduce (checked on import).",
    "tolerance": "Absolute tolerance of the target (default 0.005).",
    "between": "The two parameters, e.g. [a, b].", "rank": "Spearman rank correlation, strictly between -1 and 1.",
    ("scenarios", "id"): "The scenario's id.", ("scenarios", "label"): "Its name (required).",
    ("scenarios", "description"): "What it represents (required).",
    ("scenarios", "evidence"): "On what evidence its numbers rest (required).",
    "category": "recommendation, structural, ... (structural: a modelling choice).",
    "order": "Position in tables.", "applies_to": "The config file it belongs to (optional).",
    "drop_items": "Items the scenario removes, e.g. [carers_time].",
    "study.horizon": "The scenario's horizon.", "study.discount_rate": "The scenario's discount rate.",
    "study.decision_cohorts": "The scenario's decision cohorts.", "study.source": "Source of the study changes.",
    ("studies", "id"): "The study's id (letters, digits and _).",
    "informs": "The uncertain parameter the study measures, or a list of them, e.g. [a, b].",
    "design": "binomial (n units, events ~ Binomial(n, parameter); a parameter within [0, 1]) or normal (n "
              "observations, each ~ Normal(parameter, sd)).",
    ("studies", "sd"): "normal design: the standard deviation of one observation (> 0); empty for binomial.",
    "sizes": "The study sizes n to evaluate, e.g. [50, 100, 200].",
    "cost_fixed": "The study's fixed cost (>= 0), in the study's currency.",
    "cost_per_unit": "Its cost per unit or observation (>= 0).",
    "scenario": "The scenario (an id of the scenarios sheet).",
    "change": "new (a new parameter), replace (a whole new table), scale (by factor), shift (by amount) or fix "
              "(at value).",
    "factor": "scale: the factor (> 0).", "amount": "shift: the amount added.",
    ("scenario_parameters", "value"): "fix: the value; new or replace: the value of a fixed parameter.",
}
for _side in ("benefits", "costs"):
    _ABOUT.update({f"{_side}.stakeholder": f"Only the {_side} of this stakeholder (or a list of them).",
                   f"{_side}.financial": f"Only financial (true) or intangible (false) {_side}.",
                   f"{_side}.items": f"Only these {_side} items (a list).",
                   f"{_side}.exclude": f"All {_side} items but these (a list)."})


@dataclass(frozen=True)
class Column:
    key: str
    kind: str


@dataclass(frozen=True)
class Sheet:
    """A table of the config as a sheet.

    ``ids``: the columns that identify a row (a duplicate is an error); ``record``: one record
    (study, simulation); ``open``: columns not listed pass through to the config, which checks
    them (parameters).
    """

    table: str
    about: str
    ids: tuple[str, ...]
    columns: tuple[Column, ...]
    record: bool = False
    open: bool = False

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _translated(keys: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """``keys`` with each translation right after the key it translates."""
    out: list[str] = []
    fields = set(TRANSLATABLE[kind])
    for key in keys:
        out.append(key)
        if key in fields:
            out.extend(translated_keys((key,)))
    return tuple(out)


def _columns(sheet: str, keys: tuple[str, ...], open_kind: str = "text") -> tuple[Column, ...]:
    return tuple(Column(k, kind_of(sheet, k, open_kind)) for k in dict.fromkeys((*keys, NOTE)))


def kind_of(sheet: str, key: str, default: str = "text") -> str:
    """The kind of value a column holds (:mod:`wotsim.workbook.cells`)."""
    if sheet in ("parameters", "scenario_parameters"):
        if key in _PARAMETER_NUMBERS or key in ("factor", "amount"):
            return "number"
        if key == "range90":  # a pair of numbers (the expert-range shorthand), so `a; b` reads as a list too
            return "list"
        return "text" if key in _PARAMETER_TEXT or key in ("scenario", "change", NOTE) else "any"
    if key in _KINDS:
        return _KINDS[key]
    return "text" if key in _TEXT_KEYS else default


def about(sheet: str, key: str) -> str:
    """What column ``key`` of ``sheet`` means (its translations: the same in another language)."""
    for lang_key in translated_keys(("x",)):
        suffix = lang_key[1:]
        if key.endswith(suffix) and key != suffix:
            return f"{key[:-len(suffix)]} in another language ({suffix[1:]})."
    sheet = {"scenario_items": "items", "scenario_outputs": "outputs", "scenario_derived": "derived",
             "scenario_studies": "studies"}.get(sheet, sheet)
    return _ABOUT.get((sheet, key)) or _ABOUT.get(key, "")


_PARAMETER_KEYS = _translated(("name", "label", "dist", *_PARAMETER_NUMBERS, "unit", "group", "evidence", "source",
                               "description"), "parameter")
_PARAMETER_TEXT = frozenset(k for k in _PARAMETER_KEYS if k not in _PARAMETER_NUMBERS)
_ITEMS = ("id", *(k for k in _translated(ITEM_KEYS, "item") if k != "id"))
_OUTPUTS = ("name", *_translated(tuple(k for k in OUTPUT_KEYS if k not in ("benefits", "costs", "target", "tolerance",
                                                                           "source")), "output"),
            *(f"{side}{sub}" for side in ("benefits", "costs")
              for sub in ("", ".stakeholder", ".financial", ".items", ".exclude")),
            "target", "tolerance", "source")
_STUDIES = ("id", *_translated(tuple(k for k in STUDY_KEYS if k != "source"), "studies"), "source")
#: The scenarios sheet's columns of an overlay's ``[study]`` table.
SCENARIO_STUDY = ("study.horizon", "study.discount_rate", "study.decision_cohorts", "study.source")
_TEXT_KEYS = frozenset(("label", "description", "source", "unit", "name", "id", "group", "evidence", "category",
                        "applies_to", "currency", "unit_of_analysis", "sampler", "kind", "stakeholder", "measure",
                        "scenario", "study.source", NOTE, *translated_keys(
                            ("label", "description", "unit", "name", "unit_of_analysis", "evidence"))))

SHEETS: tuple[Sheet, ...] = (
    Sheet("study", "What is studied: one record (a key and a value per row).", (), _columns("study", _translated(
        ("name", "description", "currency", "price_year", "horizon", "discount_rate", "unit_of_analysis",
         "decision_cohorts", "source"), "study")), record=True),
    Sheet("simulation", "Defaults of the Monte Carlo simulation (the command line overrides them).", (),
          _columns("simulation", ("samples", "seed", "sampler", "chunk_size", "percentiles", "replicates",
                                  "repair_correlations")), record=True),
    Sheet("stakeholders", "The actors who bear costs and receive benefits.", ("id",),
          _columns("stakeholders", _translated(("id", "label"), "stakeholder"))),
    Sheet("groups", "Labels of the parameters' groups (optional).", ("group",),
          _columns("groups", _translated(("group", "label"), "group"))),
    Sheet("parameters", "Every number of the model: fixed (value) or uncertain (dist and its numbers).", ("name",),
          _columns("parameters", _PARAMETER_KEYS), open=True),
    Sheet("derived", "Named formulas over parameters.", ("name",), _columns("derived", ("name", "formula"))),
    Sheet("items", "Streams of costs and benefits, per stakeholder.", ("id",), _columns("items", _ITEMS)),
    Sheet("outputs", "Ratios and net present values over selected items.", ("name",), _columns("outputs", _OUTPUTS)),
    Sheet("correlations", "Rank correlations between uncertain parameters.", (),
          _columns("correlations", tuple(CORRELATION_KEYS))),
    Sheet("studies", "Studies one could commission: what their information would be worth (optional).", ("id",),
          _columns("studies", _STUDIES)),
    Sheet("scenarios", "Scenario overlays: one row per scenario.", ("id",), _columns("scenarios", (
        *_translated(("id", "label", "description", "evidence"), "scenario"), "category", "order", "applies_to",
        "drop_items", *SCENARIO_STUDY))),
    Sheet("scenario_parameters", "Parameters a scenario adds (new) or changes (replace, scale, shift, fix).",
          ("scenario", "name"), _columns("scenario_parameters", ("scenario", "change", "name", "factor", "amount",
                                                                 *_PARAMETER_KEYS[1:])), open=True),
    Sheet("scenario_derived", "Derived formulas a scenario adds or overrides.", ("scenario", "name"),
          _columns("scenario_derived", ("scenario", "name", "formula"))),
    Sheet("scenario_items", "Items a scenario adds ([[add_items]]).", ("scenario", "id"),
          _columns("scenario_items", ("scenario", *_ITEMS))),
    Sheet("scenario_outputs", "Outputs a scenario adds or overrides.", ("scenario", "name"),
          _columns("scenario_outputs", ("scenario", *_OUTPUTS))),
    Sheet("scenario_studies", "Studies a scenario adds or replaces.", ("scenario", "id"),
          _columns("scenario_studies", ("scenario", *_STUDIES))),
)
_BY_TABLE = {s.table: s for s in SHEETS}


def sheet_of(table: str) -> Sheet:
    return _BY_TABLE[table]
