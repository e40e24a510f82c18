"""Groups of parameters: the one grouping rule behind grouped Sobol', Morris, PAWN and value of information.

:func:`parameter_groups` gives each uncertain parameter its group under a rule of
:data:`GROUPINGS`; :func:`members_of` lists each group's parameters; :func:`design_groups`
turns a rule into the factors of a sensitivity design (refusing a rule that leaves one
group); :func:`factor_labels` names the factors for tables and figures; and
:func:`correlation_note` says what a method that assumes independent inputs made of the
config's rank correlations.

The rules (``groups=``):

* ``"group"``: the parameters' ``group`` field (reach, effect, unit value, cost,
  time ...); parameters without one form ``"(no group)"``;
* ``"item"``: each item's parameters, i.e. those its value and persistence
  formulas read (directly or through derived formulas).  A parameter read by
  several items, and the horizon and discount rate parameters (which every
  item reads), form the group ``"shared"``; parameters no item reads form
  ``"(unused)"``;
* ``"stakeholder"``: the same rule with the items' stakeholders;
* ``"correlated"``: each block of rank-correlated parameters is one group, every
  other parameter its own.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from ..config.schema import Config, parameters_of
from ..errors import WotsimError
from .._names import GROUPINGS
from . import salib

__all__ = ["GROUPINGS", "NO_GROUP", "SHARED", "UNUSED", "correlation_blocks", "correlation_note", "design_groups",
           "factor_labels", "members_of", "parameter_groups"]

SHARED = "shared"
UNUSED = "(unused)"
NO_GROUP = "(no group)"


def _global_names(config: Config) -> set[str]:
    names = set(config.study.discount_rate.names)
    if isinstance(config.study.horizon, str):
        names.add(config.study.horizon)
    return parameters_of(config, names)


def _owner_groups(config: Config, owner: Callable[[Any], str]) -> dict[str, str]:
    readers: dict[str, set[str]] = {p: set() for p in config.uncertain}
    everyone = _global_names(config)
    owners = {owner(it) for it in config.items}
    for it in config.items:
        for p in parameters_of(config, it.value.names | it.persistence.names):
            if p in readers:
                readers[p].add(owner(it))
    out = {}
    for p, who in readers.items():
        if p in everyone:
            who = who | owners
        out[p] = UNUSED if not who else (next(iter(who)) if len(who) == 1 else SHARED)
    return out


def correlation_blocks(config: Config) -> list[list[str]]:
    """Connected components of the correlation graph (two or more parameters each), each in config order."""
    parent = {p: p for p in config.uncertain}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for c in config.correlations:
        parent[find(c.a)] = find(c.b)
    blocks: dict[str, list[str]] = {}
    for p in config.uncertain:
        blocks.setdefault(find(p), []).append(p)
    return [b for b in blocks.values() if len(b) > 1]


def parameter_groups(config: Config, by: str) -> dict[str, str]:
    """The group of each uncertain parameter under a grouping rule.

    Parameters
    ----------
    config : Config
    by : {"group", "item", "stakeholder", "correlated"}
        See the module docstring for the rules (``"shared"`` holds parameters
        read by several items or stakeholders).

    Returns
    -------
    dict
        Parameter name -> group label, in design-column order.
    """
    if by == "group":
        return {p: config.parameters[p].group or NO_GROUP for p in config.uncertain}
    if by == "item":
        return _owner_groups(config, lambda it: it.id)
    if by == "stakeholder":
        return _owner_groups(config, lambda it: it.stakeholder)
    if by == "correlated":
        out = {p: p for p in config.uncertain}
        for block in correlation_blocks(config):
            for p in block:
                out[p] = "+".join(block)
        return out
    raise WotsimError(f"groups must be one of {', '.join(GROUPINGS)}, got {by!r}")


def members_of(parameters: Iterable[str], groups: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """Each group's parameters, groups in order of first appearance; without ``groups`` each parameter alone."""
    parameters = tuple(parameters)
    out: dict[str, list[str]] = {}
    for p, g in zip(parameters, parameters if groups is None else groups):
        out.setdefault(g, []).append(p)
    return {g: tuple(v) for g, v in out.items()}


def design_groups(config: Config, groups: str | None
                  ) -> tuple[tuple[str, ...] | None, tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The factors of a sensitivity design of the config's uncertain parameters under a grouping rule.

    Returns
    -------
    (labels, factors, members)
        ``labels``: the group of each uncertain parameter, or None for one factor per
        parameter (no rule, or a rule that puts every parameter in a group of its own);
        ``factors``: the groups in order of first appearance (or the parameters);
        ``members``: factor -> its parameters.

    Raises
    ------
    WotsimError
        Without uncertain parameters, or when the rule puts them all in one group.
    """
    names = config.uncertain
    if not names:
        raise WotsimError(f"{config.path}: no uncertain parameters; sensitivity analysis needs at least one")
    labels = None
    if groups is not None:
        mapping = parameter_groups(config, groups)
        labels = tuple(mapping[p] for p in names)
        if len(set(labels)) < 2:
            raise WotsimError(f"groups = {groups!r} puts every uncertain parameter in one group ({labels[0]!r}); "
                              "grouped indices need at least two groups")
        if labels == names:
            labels = None  # one parameter per group: plain indices (as SALib treats it)
    return labels, salib.factor_names(names, labels), members_of(names, labels)


def factor_labels(config: Config, grouping: str | None, factors: Sequence[str]) -> dict[str, str]:
    """Display label of each factor: a parameter's label, an item's label, a stakeholder's name, else the name."""
    if grouping is None:
        return {f: config.parameters[f].label or f for f in factors}
    if grouping == "item":
        items = {it.id: it.label for it in config.items}
        return {f: items.get(f, f) for f in factors}
    if grouping == "stakeholder":
        return {f: config.stakeholders.get(f, f) for f in factors}
    return {f: f for f in factors}


def correlation_note(config: Config, applied: bool, method: str) -> str | None:
    """What ``method`` did with the config's rank correlations (None without correlations)."""
    if not config.correlations:
        return None
    pairs = ", ".join(f"{c.a}~{c.b} ({c.rank:+g})" for c in config.correlations)
    if applied:
        return (f"The config's rank correlations ({pairs}) were imposed within groups (Gaussian copula); "
                "every correlated block lies inside one group, so the groups are independent and the grouped "
                "Sobol' indices are valid.")
    return (f"The config has rank correlations ({pairs}), but {method} assumes independent inputs: these indices "
            "were computed with the correlations removed. Use groups = 'correlated' (each correlated block one "
            "group) or PAWN on the correlated Monte Carlo sample.")

