"""The data model of a config: frozen dataclasses, the names of its kinds and measures, and the base case.

:class:`Config` and its parts (:class:`Study`, :class:`Simulation`, :class:`Parameter`,
:class:`Item`, :class:`Output`, :class:`Correlation`, :class:`StudyDesign`) are what :func:`wotsim.config.load_config`
returns: validated once, never changed.  :class:`ConfigWarning` is a finding that is legal
but probably a mistake.  :func:`base_values`, :func:`with_derived` and :func:`parameters_of`
evaluate a config at its base case and follow its formulas back to their parameters.
Nothing here reads files or checks rules (:mod:`wotsim.config.loading` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np

from .expressions import Expression, compile_expression

if TYPE_CHECKING:  # a Parameter holds a Distribution; the schema itself does not load scipy
    from .distributions import Distribution

__all__ = [
    "BUILTIN_OUTPUTS",
    "KINDS",
    "MEASURES",
    "Config",
    "ConfigWarning",
    "Correlation",
    "Item",
    "StudyDesign",
    "Output",
    "Parameter",
    "Simulation",
    "Study",
    "base_values",
    "longest_horizon",
    "parameters_of",
    "with_derived",
]


KINDS = ("cost", "benefit")
MEASURES = ("ratio", "npv")
#: Outputs every model computes over all items; config outputs may not reuse these names.
BUILTIN_OUTPUTS = ("benefits", "costs", "npv")


@dataclass(frozen=True)
class Study:
    name: str
    currency: str
    price_year: int | None
    horizon: int | str
    discount_rate: Expression
    description: str = ""
    #: What the amounts are counted per, for the words around them (e.g. "per yearly cohort"); "": no qualifier.
    unit_of_analysis: str = ""
    #: How many cohorts a decision affects (``[study] decision_cohorts``): the population over which the value
    #: of a study's information counts, later cohorts discounted at ``discount_rate`` (issue 14).
    decision_cohorts: int = 1


@dataclass(frozen=True)
class StudyDesign:
    """A study that would collect data on parameters (``[studies.<id>]``), whose information is valued by the
    expected value of sample information (EVSI).

    ``design``: ``"binomial"`` (``n`` units, events ~ Binomial(n, parameter)) or ``"normal"`` (``n``
    observations, each ~ Normal(parameter, ``sd``)); ``sizes`` the study sizes ``n`` to evaluate; the study
    costs ``cost_fixed + cost_per_unit * n`` in the study's currency.
    """

    id: str
    label: str
    informs: tuple[str, ...]
    design: str
    sizes: tuple[int, ...]
    cost_fixed: float
    cost_per_unit: float
    sd: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Simulation:
    samples: int = 100_000
    seed: int = 20200825
    sampler: str = "sobol"
    chunk_size: int = 65_536
    percentiles: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)
    #: Independent randomisations of a sobol or lhs design; None: 16 (see wotsim.sampling.default_replicates).
    replicates: int | None = None
    #: Replace a normal-score correlation matrix that is not positive definite by the nearest one that
    #: is (Higham 2002), reported by :func:`config_warnings`; off by default.
    repair_correlations: bool = False


@dataclass(frozen=True)
class Parameter:
    name: str
    dist: Distribution
    label: str = ""
    unit: str = ""
    group: str = ""
    evidence: str = ""
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    kind: str
    stakeholder: str
    financial: bool
    value: Expression
    start: int = 0
    duration: int | None = None
    persistence: Expression = field(default_factory=lambda: compile_expression(1.0))
    #: True allows a persistence above 1 (a stream that grows each year); default False: [0, 1].
    growth: bool = False
    group: str = ""
    source: str = ""


@dataclass(frozen=True)
class Output:
    """A ratio (benefits / costs) or an NPV (benefits - costs) over selected items."""

    name: str
    label: str
    measure: str
    benefit_items: tuple[str, ...]
    cost_items: tuple[str, ...]
    target: float | None = None
    tolerance: float = 0.005
    description: str = ""


@dataclass(frozen=True)
class Correlation:
    a: str
    b: str
    rank: float
    source: str = ""


@dataclass(frozen=True)
class Config:
    """A validated study.

    ``raw`` keeps the parsed TOML (a deep copy) so that scenarios can derive
    variants; ``sha256`` hashes the canonical JSON of ``raw``.
    """

    path: str
    study: Study
    simulation: Simulation
    stakeholders: Mapping[str, str]
    parameters: Mapping[str, Parameter]
    derived: Mapping[str, Expression]
    derived_order: tuple[str, ...]
    items: tuple[Item, ...]
    outputs: Mapping[str, Output]
    correlations: tuple[Correlation, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    sha256: str = ""
    #: Warnings found while parsing (a repaired correlation matrix); :func:`config_warnings` includes them.
    notes: tuple["ConfigWarning", ...] = field(default=(), compare=False)
    #: Labels of the parameters' and items' groups (``[groups]``, optional): group -> English label.
    groups: Mapping[str, str] = field(default_factory=dict)
    #: (kind, id, field, language) -> text: the ``label_nl`` and the like (:mod:`wotsim.config.translations`;
    #: read them with :func:`wotsim.config.translations.label_of` and ``text_of``).
    translations: Mapping[tuple[str, str, str, str], str] = field(default_factory=dict, repr=False)
    #: Studies whose information the value of information weighs (``[studies]``, optional): id -> design.
    studies: Mapping[str, StudyDesign] = field(default_factory=dict)

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Names of the parameters that are not fixed, in config order."""
        return tuple(n for n, p in self.parameters.items() if not p.dist.fixed)

    @property
    def max_horizon(self) -> int:
        return longest_horizon(self.study.horizon, self.parameters)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)


def longest_horizon(horizon: int | str, parameters: Mapping[str, Parameter]) -> int:
    """The longest horizon in years: the number, or the top of the horizon parameter's support."""
    return horizon if isinstance(horizon, int) else int(parameters[horizon].dist.support()[1])


@dataclass(frozen=True)
class ConfigWarning:
    """Something legal but probably a mistake, named like an error: ``FILE: dotted.key: message``."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


# --------------------------------------------------------------------------- the base case
def base_values(config: Config) -> dict[str, np.ndarray]:
    """Every parameter at its base value, as arrays of shape (1,)."""
    return {name: np.full(1, p.dist.base) for name, p in config.parameters.items()}


def with_derived(config: Config, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (parameter name -> scalar or array) plus every derived formula, in dependency order."""
    env: dict[str, Any] = dict(values)
    for name in config.derived_order:
        env[name] = config.derived[name](env)
    return env


def parameters_of(config: Config, names: Iterable[str]) -> set[str]:
    """The parameters a formula with these names reads, directly or through derived formulas."""
    out: set[str] = set()
    todo = list(names)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in config.derived:
            todo.extend(config.derived[name].names)
        elif name in config.parameters:
            out.add(name)
    return out
