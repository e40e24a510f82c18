"""What a config's ranges allow that its base case does not show: warnings and the draw-support rule.

:func:`config_warnings` lists what is legal but probably a mistake (unused parameters,
stakeholders without items, parameters that alone or together can make a cost negative,
an item's value that a parameter's range makes NaN or infinite, a persistence that can
leave [0, 1] in draws, a repaired correlation matrix); the CLI prints them.
:func:`check_draw_support` refuses a config whose parameters' support takes a
persistence outside [0, 1] (the rule holds in every draw); ``wotsim validate`` calls it.
The screens behind both are in :mod:`wotsim.config.risks`.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import ConfigError
from .expressions import Expression, shown
from .keys import listing, number_text
from .risks import JointRisk, SignRisk, joint_risks, sign_risks
from .schema import Config, ConfigWarning, Item, parameters_of

__all__ = ["check_draw_support", "config_warnings", "support_warnings"]


def _and(words: Iterable[str], limit: int = 8) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit`` words, the first ones and how many more."""
    words = list(words)
    if len(words) > limit:
        return ", ".join(words[:limit]) + f" and {len(words) - limit:,} more"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _combination_words(risk: JointRisk) -> str:
    """``cost_a at its 0.1% quantile (80.04) and rebate at its 99.9% quantile (89.93)``."""
    return _and(f"{p} at {_quantile_words(q)} ({number_text(x)})"
                for p, q, x in zip(risk.parameters, risk.quantiles, risk.at))


def _formula_words(expr: Expression, *, unless: str) -> str:
    """``; 'a * b'``: the formula, unless it is just the parameter's name."""
    return "" if expr.text.strip() == unless else f"; {shown(expr.text)}"


def check_draw_support(config: Config) -> None:
    """A persistence must lie in [0, 1] ([0, inf) with ``growth = true``) in every draw: refuse a config
    whose parameters' support takes one outside, alone (:func:`sign_risks`) or together (:func:`joint_risks`).

    Raises
    ------
    ConfigError
        At ``items.<id>.persistence``, naming the parameter (or combination), where in its
        support and the persistence there.
    """
    for risk in sign_risks(config, what="persistence"):
        it = config.item(risk.item)
        dist = config.parameters[risk.parameter].dist
        lo, hi = dist.support()
        raise ConfigError(
            f"{_persistence_rule(it)}, but {risk.parameter}'s support [{lo:g}, {hi:g}] ({dist.name}) takes it to "
            f"{number_text(risk.value)} (with {risk.parameter} at {_quantile_words(risk.quantile)} "
            f"({number_text(risk.at)}), everything else at base{_formula_words(it.persistence, unless=risk.parameter)})"
            f": bound {risk.parameter}"
            + ("" if it.growth else " or set growth = true for a stream that grows"),
            file=config.path, key=f"items.{risk.item}.persistence")
    for risk in joint_risks(config, what="persistence"):
        it = config.item(risk.item)
        raise ConfigError(
            f"{_persistence_rule(it)}, but the supports of {_and(risk.parameters)} take it to "
            f"{number_text(risk.value)} together (with {_combination_words(risk)}, everything else at base; "
            f"{shown(it.persistence.text)}): narrow their ranges or bound the formula (e.g. clip(..., 0, 1))"
            + ("" if it.growth else " or set growth = true for a stream that grows"),
            file=config.path, key=f"items.{risk.item}.persistence")


def _persistence_rule(item: Item) -> str:
    if item.growth:
        return "must be >= 0 (the share kept from one year to the next; growth = true allows more than 1) in every draw"
    return ("must lie in [0, 1] (the share kept from one year to the next) in every draw unless the item says "
            "growth = true")


def _quantile_words(q: float) -> str:
    if q == 0.0:
        return "the bottom of its support"
    if q == 1.0:
        return "the top of its support"
    return f"its {100 * q:.6g}% quantile"


def config_warnings(config: Config) -> list[ConfigWarning]:
    """What is legal but probably a mistake, in config order (the CLI prints these on stderr).

    * ``parameters.<p>``: not used by any item's value or persistence, the horizon or the
      discount rate (directly or through a derived formula in use);
    * ``derived.<name>``: a formula nothing uses;
    * ``stakeholders.<s>``: a stakeholder with no items (its net value is always 0);
    * what the parameters' ranges allow that the base case does not show
      (:func:`support_warnings`): a cost item negative (one parameter alone, or several
      together), an item's value NaN or infinite, a persistence out of [0, 1];
    * ``correlations``: the matrix was repaired (``[simulation] repair_correlations``).
    """
    file = config.path
    out: list[ConfigWarning] = []
    roots: set[str] = set(config.study.discount_rate.names)
    if isinstance(config.study.horizon, str):
        roots.add(config.study.horizon)
    for it in config.items:
        roots |= it.value.names | it.persistence.names
    used_params = parameters_of(config, roots)
    used_derived: set[str] = set()
    todo = [n for n in roots if n in config.derived]
    while todo:
        name = todo.pop()
        if name not in used_derived:
            used_derived.add(name)
            todo.extend(n for n in config.derived[name].names if n in config.derived)
    for name in config.parameters:
        if name not in used_params:
            out.append(ConfigWarning(file, f"parameters.{name}", "not used by any item's value or persistence, the "
                                     "horizon or the discount rate (directly or through a derived formula in use); "
                                     "remove it or use it"))
    for name in config.derived:
        if name not in used_derived:
            out.append(ConfigWarning(file, f"derived.{name}", "not used by any item, the horizon or the discount "
                                     "rate; remove it or use it"))
    with_items = {it.stakeholder for it in config.items}
    for sid in config.stakeholders:
        if sid not in with_items:
            out.append(ConfigWarning(file, f"stakeholders.{sid}", "has no items (its net value is always 0); "
                                     "remove it or give it items"))
    out.extend(support_warnings(config))
    out.extend(config.notes)
    return out


def support_warnings(config: Config) -> list[ConfigWarning]:
    """The warnings about the parameters' ranges: what draws can do that the base case does not show.

    * ``parameters.<p>``: alone it can make a cost item negative (:func:`sign_risks`);
    * ``items.<id>.value``: parameters that together, none alone, can make a cost item
      negative (:func:`joint_risks`, at their 0.1% and 99.9% quantiles); in such draws an
      output's costs can be <= 0, where its ratio is undefined;
    * ``items.<id>.value``: a parameter's range makes the item's value NaN or infinite
      (``sign_risks(what="finite")``); the model refuses such draws;
    * ``items.<id>.persistence``: parameters that move it out of [0, 1] (out of [0, inf)
      with ``growth = true``), alone or together; the model refuses such draws
      (``wotsim validate`` refuses the config: :func:`check_draw_support`).

    ``wotsim validate`` prints these for every scenario too (those the base config does not have).
    """
    file = config.path
    out: list[ConfigWarning] = []
    by_parameter: dict[str, list[SignRisk]] = {}
    for risk in sign_risks(config, what="cost"):
        by_parameter.setdefault(risk.parameter, []).append(risk)
    for p, risks in by_parameter.items():
        dist = config.parameters[p].dist
        lo, hi = dist.support()
        first = risks[0]
        items = listing(repr(r.item) for r in risks)
        out.append(ConfigWarning(file, f"parameters.{p}", (
            f"can make cost item{'s' if len(risks) > 1 else ''} {items} negative: at {_quantile_words(first.quantile)} "
            f"({number_text(first.at)}; support [{lo:g}, {hi:g}] of its {dist.name} distribution), everything else "
            f"at base, {shown(first.item)} is {number_text(first.value)}; in such draws an output's costs can be <= 0, "
            f"where its ratio is undefined. If the cost cannot be negative, "
            + (f"bound {p} at 0 (e.g. truncnormal, lognormal, gamma or pert)" if lo < 0 else
               f"check the item's formula and the range of {p}"))))
    for risk in joint_risks(config, what="cost"):
        it = config.item(risk.item)
        out.append(ConfigWarning(file, f"items.{risk.item}.value", (
            f"can be negative when {_and(risk.parameters)} move together, though none does it alone: with "
            f"{_combination_words(risk)}, everything else at base, cost item {shown(it.id)} is "
            f"{number_text(risk.value)} ({shown(it.value.text)}); in such draws an output's costs can be <= 0, where "
            f"its ratio is undefined. If the cost cannot be negative, check the formula (e.g. maximum(..., 0)) and "
            f"the ranges of {_and(risk.parameters)}")))
    by_item: dict[str, list[SignRisk]] = {}
    for risk in sign_risks(config, what="finite"):
        by_item.setdefault(risk.item, []).append(risk)
    for item_id, risks in by_item.items():
        it, first = config.item(item_id), risks[0]
        others = [r.parameter for r in risks[1:]]
        out.append(ConfigWarning(file, f"items.{item_id}.value", (
            f"not finite over {first.parameter}'s range: at {_quantile_words(first.quantile)} "
            f"({number_text(first.at)}), everything else at base, {shown(it.value.text)} is "
            f"{number_text(first.value)}" + (f" (so is it over the range of {_and(others)})" if others else "")
            + f"; runs refuse draws where an item's value is NaN or infinite: bound {_and([first.parameter, *others])}"
            " or guard the formula (e.g. maximum(..., 0) under a square root or log)")))
    for risk in sign_risks(config, what="persistence"):
        it = config.item(risk.item)
        allowed = "[0, inf) (growth = true)" if it.growth else "[0, 1]"
        out.append(ConfigWarning(file, f"items.{risk.item}.persistence", (
            f"{risk.parameter} can move it out of {allowed}: at {_quantile_words(risk.quantile)} "
            f"({number_text(risk.at)}), everything else at base, it is {number_text(risk.value)}; runs refuse "
            f"draws outside {allowed}: bound {risk.parameter}"
            + ("" if it.growth else " or set growth = true for a stream that grows"))))
    for risk in joint_risks(config, what="persistence"):
        it = config.item(risk.item)
        allowed = "[0, inf) (growth = true)" if it.growth else "[0, 1]"
        out.append(ConfigWarning(file, f"items.{risk.item}.persistence", (
            f"{_and(risk.parameters)} together can move it out of {allowed}: with {_combination_words(risk)}, "
            f"everything else at base, it is {number_text(risk.value)}; runs refuse draws outside {allowed}: narrow "
            "their ranges or bound the formula")))
    return out
