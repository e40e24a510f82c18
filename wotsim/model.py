"""The cost-benefit model: items x stakeholders x years -> present values.

Pure numpy on arrays of shape (n,).  For item ``i`` with first-year amount
``V``, persistence ``rho``, first year ``s`` and duration ``D``, the amount in
year ``t`` is ``V * rho**(t - s)`` for ``s <= t < s + D`` and ``t < H`` (the
horizon), discounted by ``(1 + r)**-t``; year 0 is undiscounted.  Horizon ``H``
and rate ``r`` may differ per sample.

NPV = B - C and ratio = B / C over the items an output selects.  A ratio is
undefined (NaN) in a draw whose costs C <= 0: there is no return per euro without
costs.  Summaries count and exclude such draws; analyses of a ratio refuse them
and point to the NPV.  A ratio undefined at base is a config error
(:func:`check_base_case`); draws with costs <= 0 are reported by
:func:`draw_warnings`, naming the parameters that can make a cost negative (alone or
together).

A persistence outside [0, 1] (outside [0, inf) for an item with ``growth = true``)
is an error in any draw, naming the item and how many draws break the rule; so is an
item whose present value is NaN or infinite, naming the parameter whose range does it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from .config.keys import number_text
from .config.risks import joint_risks, sign_risks
from .config.schema import Config, ConfigWarning, base_values, parameters_of, with_derived
from .errors import ConfigError, WotsimError
from .config.expressions import shown

__all__ = ["ModelArrays", "base_values", "check_base_case", "check_output", "draw_warnings", "evaluate",
           "net_benefit_for", "output_array", "output_measure", "output_names", "parameter_values"]


@dataclass(frozen=True)
class ModelArrays:
    """Model results for n samples.

    Attributes
    ----------
    item_pv : ndarray, shape (n, n_items)
        Present value of each item's stream (as a positive amount for costs and
        benefits alike; the item's kind gives its sign in NPV).
    yearly : ndarray, shape (n, n_stakeholders, T)
        Discounted net value (benefits - costs) per stakeholder and year, T the
        longest possible horizon; float32 (for fan charts).
    """

    item_pv: np.ndarray
    yearly: np.ndarray


def parameter_values(config: Config, u: np.ndarray, *, n: int | None = None,
                     shared: Mapping[str, np.ndarray] | None = None, lo: int = 0) -> dict[str, np.ndarray | float]:
    """Map design rows (m, d) on the unit hypercube to parameter values.

    Fixed parameters map to Python floats, uncertain ones (in ``config.uncertain``
    column order) to arrays of shape (m,).

    ``n`` is the number of rows the caller maps in all (a run's samples over all its
    chunks; default m): it decides between the exact and the tabulated inverse CDF
    (:meth:`wotsim.config.distributions.Distribution.ppf`), so a chunked caller passes the
    same ``n`` with every chunk and its numbers do not depend on the chunk size.

    ``shared`` maps a parameter to draws already made for all ``n`` rows (a scenario reusing the base's): its
    values are rows ``lo:lo + m`` of them, not its inverse CDF (its column of ``u`` is skipped all the same).
    """
    total = u.shape[0] if n is None else n
    values: dict[str, np.ndarray | float] = {}
    col = 0
    for name, p in config.parameters.items():
        if p.dist.fixed:
            values[name] = np.float64(p.dist.base)
        else:
            values[name] = (shared[name][lo:lo + u.shape[0]] if shared and name in shared
                            else np.asarray(p.dist.ppf(u[:, col], n=total), dtype=float))
            col += 1
    return values


def evaluate(config: Config, values: Mapping[str, np.ndarray | float], n: int, *, yearly: bool = True) -> ModelArrays:
    """Evaluate the model on n samples of parameter values.

    Parameters
    ----------
    config : Config
    values : mapping of parameter name -> array of shape (n,) or scalar
    n : int
    yearly : bool, default True
        Also fill the per-year net values; analyses that need present values only
        pass False (``yearly`` is then an array of shape (n, n_stakeholders, 0)).

    Returns
    -------
    ModelArrays
    """
    with np.errstate(all="ignore"):
        env = with_derived(config, values)
        T = config.max_horizon
        h = config.study.horizon
        horizon = np.full(n, h) if isinstance(h, int) else np.broadcast_to(np.rint(env[h]), (n,))
        rate = np.broadcast_to(np.asarray(config.study.discount_rate(env), dtype=float), (n,))
        if not np.all((rate > -1) & (rate < 1)):
            bad = rate[~((rate > -1) & (rate < 1))][0]
            raise WotsimError(f"{config.path}: study.discount_rate: must stay in (-1, 1) (a fraction per year) in "
                              f"every draw, got {bad:g}")
        # discount[t] = (1 + r)^-t where t < H, else 0
        discount = np.empty((T, n))
        discount[0] = 1.0
        step = 1.0 / (1.0 + rate)
        for t in range(1, T):
            discount[t] = discount[t - 1] * step
        active = np.arange(T)[:, None] < horizon[None, :]
        discount *= active

        stakeholder_index = {s: k for k, s in enumerate(config.stakeholders)}
        item_pv = np.zeros((n, len(config.items)))
        by_year = np.zeros((n, len(stakeholder_index), T if yearly else 0), dtype=np.float32)
        for i, item in enumerate(config.items):
            value = np.broadcast_to(np.asarray(item.value(env), dtype=float), (n,))
            rho = np.broadcast_to(np.asarray(item.persistence(env), dtype=float), (n,))
            # a constant persistence was checked when the config was read; formulas are checked in every draw
            if item.persistence.names and not np.all((rho >= 0) & (item.growth | (rho <= 1))):
                raise _persistence_error(config, item, rho)
            end = T if item.duration is None else min(T, item.start + item.duration)
            sign = 1.0 if item.kind == "benefit" else -1.0
            k = stakeholder_index[item.stakeholder]
            fade = np.ones(n)
            pv = np.zeros(n)
            for t in range(item.start, end):
                # mask (not multiply) years past the horizon, so inf * 0 never makes a NaN
                amount = np.where(active[t], value * fade * discount[t], 0.0)
                pv += amount
                if yearly:
                    by_year[:, k, t] += sign * amount
                fade = fade * rho
            if not np.all(np.isfinite(pv)):
                raise _finite_error(config, item, pv)
            big = np.abs(pv) > MAX_AMOUNT
            if np.any(big):
                raise WotsimError(
                    f"{config.path}: items.{item.id}: a present value of {float(pv[big][0]):.3g} "
                    + ("at base" if n == 1 else f"in {int(big.sum()):,} of the {n:,} draws evaluated together")
                    + f"; amounts are limited to "
                    f"{MAX_AMOUNT:.0e} (larger sums are not money any study handles, and they overflow the "
                    "stored yearly values and the statistics): check the item's value and units")
            item_pv[:, i] = pv
    return ModelArrays(item_pv=item_pv, yearly=by_year)


#: Largest present value an item may take in any draw (in the config's currency): 10^15, a
#: thousand times the Dutch GDP; a bound that keeps yearly values (stored as float32, max 3.4e38)
#: and sums of squares (variances) finite.
MAX_AMOUNT = 1e15


def _persistence_error(config: Config, item, rho: np.ndarray) -> WotsimError:
    """The error for persistence draws outside [0, 1] ([0, inf) with growth): how many, and an example.

    Counts are of the draws evaluated together (a chunk of a simulation).
    """
    n = rho.size
    where = f"{config.path}: items.{item.id}.persistence"
    share = "(the share kept from one year to the next)"
    if np.any(np.isnan(rho)):
        return WotsimError(f"{where}: must be a number {share} in every draw; got NaN in "
                           f"{int(np.count_nonzero(np.isnan(rho))):,} of the {n:,} draws evaluated together")
    if np.any(rho < 0):
        return WotsimError(f"{where}: must be >= 0 {share} in every draw; got negative values in "
                           f"{int(np.count_nonzero(rho < 0)):,} of the {n:,} draws evaluated together (smallest "
                           f"{float(rho.min()):g})")
    return WotsimError(f"{where}: must be <= 1 {share} in every draw unless the item says growth = true; got values "
                       f"above 1 in {int(np.count_nonzero(rho > 1)):,} of the {n:,} draws evaluated together (largest "
                       f"{float(rho.max()):g})")


def _finite_error(config: Config, item, pv: np.ndarray) -> WotsimError:
    """The error for an item whose present value is NaN or infinite in some draws: how many, and which
    parameter's range produces it (the sweep of ``sign_risks(what="finite")``, everything else at base).

    Counts are of the draws evaluated together (a chunk of a simulation).  An item that
    is not finite at base already (the base case is evaluated first) is said so.
    """
    where = f"{config.path}: items.{item.id}.value: must be finite"
    rule = "(no division by zero, no square root or log of a negative number)"
    with np.errstate(all="ignore"):
        at_base = float(np.asarray(item.value(with_derived(config, base_values(config))), dtype=float).reshape(-1)[0])
    bad = ~np.isfinite(pv)
    if pv.size == 1 and not math.isfinite(at_base):
        return WotsimError(f"{where} {rule}, got {at_base:g} at base ({shown(item.value.text)} with every parameter "
                           "at its base value)")
    head = (f"{where} in every draw within the horizon {rule}; got NaN or infinite present values in "
            f"{int(np.count_nonzero(bad)):,} of the {pv.size:,} draws evaluated together (e.g. {float(pv[bad][0]):g})")
    risks = sign_risks(config, what="finite", items=[item.id])
    if risks:
        r = risks[0]
        why = (f"{r.parameter}'s range produces them: at its {100 * r.quantile:.6g}% quantile ({r.at:.6g}), "
               f"everything else at base, {shown(item.value.text)} is {r.value:g}")
        if len(risks) > 1:
            why += f" (so do the ranges of {', '.join(x.parameter for x in risks[1:])})"
        return WotsimError(f"{head}; {why}")
    reads = sorted(p for p in parameters_of(config, item.value.names) if not config.parameters[p].dist.fixed)
    why = (f"its value is {at_base:g} at base" if not math.isfinite(at_base) else
           "no single parameter's range does it with everything else at base")
    return WotsimError(f"{head}; {why}" + (f" (it reads {', '.join(reads)})" if reads else ""))


def check_base_case(config: Config, item_pv: np.ndarray | None = None) -> None:
    """Every output must be defined and finite at base.

    Parameters
    ----------
    config : Config
    item_pv : ndarray, shape (1, n_items), optional
        The base case's item present values (evaluated here when not given).

    Raises
    ------
    ConfigError
        Naming the file, ``outputs.<name>`` and, for a ratio whose costs are <= 0 at
        base, the cost items behind it.
    """
    if item_pv is None:
        item_pv = evaluate(config, base_values(config), 1, yearly=False).item_pv
    for name, o in config.outputs.items():
        y = float(output_array(config, item_pv, name)[0])
        if math.isfinite(y):
            continue
        b, c = components(config, item_pv, name)
        if o.measure == "ratio" and not c[0] > 0:
            index = {it.id: i for i, it in enumerate(config.items)}
            zero = [f"{x} {number_text(item_pv[0, index[x]])}" for x in o.cost_items if not item_pv[0, index[x]] > 0]
            raise ConfigError(
                f"undefined at base: its costs are {number_text(c[0])} (present value at base of "
                f"{', '.join(zero)}), and a ratio needs costs > 0; give a cost item a positive base value, "
                f"or make the output an NPV (measure = \"npv\")", file=config.path, key=f"outputs.{name}")
        raise ConfigError(f"is {y} at base (benefits {number_text(b[0])}, costs {number_text(c[0])}); every output must "
                          "be a finite number at base", file=config.path, key=f"outputs.{name}")


def draw_warnings(config: Config, item_pv: np.ndarray, *, outputs: Iterable[str] | None = None) -> list[ConfigWarning]:
    """Ratio outputs whose costs are <= 0 in some draws: how many, and which parameters allow it.

    The parameters named are those that alone can make one of the output's cost items
    negative (:func:`wotsim.config.risks.sign_risks`); failing that, those that together can
    (:func:`wotsim.config.risks.joint_risks`); failing that, those whose support crosses zero
    and that enter one of its cost items.  ``outputs`` (names) restricts the check to
    these outputs (default: every ratio output of the config).
    """
    out = []
    n = item_pv.shape[0]
    risks = joint = None  # computed only when some draw needs explaining
    for name, o in config.outputs.items():
        if o.measure != "ratio" or (outputs is not None and name not in outputs):
            continue
        _, c = components(config, item_pv, name)
        k = int(np.count_nonzero(~(c > 0)))
        if not k:
            continue
        risks = sign_risks(config, what="cost") if risks is None else risks
        causes = [f"{r.parameter} (in cost item {r.item!r})" for r in risks if r.item in o.cost_items]
        if not causes:
            joint = joint_risks(config, what="cost") if joint is None else joint
            causes = [" and ".join(f"{p} ({'low' if q < 0.5 else 'high'})" for p, q in zip(r.parameters, r.quantiles))
                      + f" together (in cost item {r.item!r})" for r in joint if r.item in o.cost_items]
        if not causes:
            for x in o.cost_items:
                for p in sorted(parameters_of(config, config.item(x).value.names)):
                    lo, hi = config.parameters[p].dist.support()
                    if lo < 0 < hi:
                        causes.append(f"{p} (support [{lo:g}, {hi:g}], in cost item {x!r})")
        why = ("parameters whose range allows a negative cost: " + ", ".join(dict.fromkeys(causes))) if causes else \
            "no parameter makes a cost negative, alone or with others at the ends of their ranges: check the cost " \
            "items' formulas"
        out.append(ConfigWarning(config.path, f"outputs.{name}", (
            f"costs <= 0 in {k:,} of {n:,} draws, where the ratio is undefined (left out of its summary, so the "
            f"summary describes the other draws only); {why}")))
    return out


def selection_matrix(config: Config) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each output: (benefit item columns, cost item columns)."""
    index = {it.id: i for i, it in enumerate(config.items)}
    out = {
        "benefits": (np.array([i for i, it in enumerate(config.items) if it.kind == "benefit"], dtype=int),
                     np.array([], dtype=int)),
        "costs": (np.array([], dtype=int),
                  np.array([i for i, it in enumerate(config.items) if it.kind == "cost"], dtype=int)),
    }
    out["npv"] = (out["benefits"][0], out["costs"][1])
    for name, o in config.outputs.items():
        out[name] = (np.array([index[x] for x in o.benefit_items], dtype=int),
                     np.array([index[x] for x in o.cost_items], dtype=int))
    return out


def _sum_columns(item_pv: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sum columns left to right (a fixed order, so results never depend on chunking)."""
    total = np.zeros(item_pv.shape[0])
    for c in cols:
        total += item_pv[:, c]
    return total


def output_values(config: Config, item_pv: np.ndarray) -> dict[str, np.ndarray]:
    """Every output (built-in ``benefits``, ``costs``, ``npv`` and the config's) from item present values."""
    return {name: output_array(config, item_pv, name) for name in ("benefits", "costs", "npv", *config.outputs)}


def components(config: Config, item_pv: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(benefits, costs) arrays behind one output."""
    b_cols, c_cols = selection_matrix(config)[name]
    return _sum_columns(item_pv, b_cols), _sum_columns(item_pv, c_cols)


def ratio_of_means(config: Config, item_pv: np.ndarray, name: str) -> float:
    """E[B] / E[C] of a ratio output (differs from E[B / C])."""
    b, c = components(config, item_pv, name)
    with np.errstate(all="ignore"):
        return float(np.mean(b) / np.mean(c))


def stakeholder_net(config: Config, item_pv: np.ndarray) -> np.ndarray:
    """Net present value per stakeholder, shape (n, n_stakeholders), in config order."""
    net = np.zeros((item_pv.shape[0], len(config.stakeholders)))
    index = {s: k for k, s in enumerate(config.stakeholders)}
    for i, it in enumerate(config.items):
        sign = 1.0 if it.kind == "benefit" else -1.0
        net[:, index[it.stakeholder]] += sign * item_pv[:, i]
    return net


def output_names(config: Config) -> tuple[str, ...]:
    """Every output an analysis can target.

    The config's outputs, the built-ins (``npv``, ``benefits``, ``costs``),
    ``net:<stakeholder>`` and, for each ratio output, ``npv:<ratio>``: the net
    benefit behind the ratio, its benefits minus its costs (the ratio exceeds 1
    exactly where this is positive).
    """
    ratios = tuple(f"npv:{name}" for name, o in config.outputs.items() if o.measure == "ratio")
    return (tuple(config.outputs) + ("npv", "benefits", "costs") + tuple(f"net:{s}" for s in config.stakeholders)
            + ratios)


_MEASURE_WORDS = {"ratio": "a ratio", "npv": "a net benefit in money (an NPV)", "amount": "an amount"}


def check_output(config: Config, name: str, *, measures: Iterable[str] | None = None,
                 what: str = "this analysis") -> str:
    """The one check of an output name; returns its measure.

    ``name`` must be one of :func:`output_names`; with ``measures`` (some of
    ``"ratio"``, ``"npv"``, ``"amount"``) its measure must be one of them.

    Raises
    ------
    WotsimError
        ``unknown output 'x'; known outputs: ...``, or, for a wrong measure,
        ``<what> needs a ratio; output 'x' is an amount; use one of: ...``.
    """
    known = output_names(config)
    if not isinstance(name, str) or name not in known:
        raise WotsimError(f"unknown output {name!r}; known outputs: {', '.join(known)}")
    measure = output_measure(config, name)
    if measures is not None:
        allowed = tuple(measures)
        if measure not in allowed:
            fitting = [o for o in known if output_measure(config, o) in allowed]
            needs = " or ".join(_MEASURE_WORDS[m] for m in allowed)
            raise WotsimError(f"{what} needs {needs}; output {name!r} is {_MEASURE_WORDS[measure]}; "
                              f"use one of: {', '.join(fitting)}")
    return measure


def output_measure(config: Config, name: str) -> str:
    """``"ratio"`` (threshold 1), ``"npv"`` (threshold 0) or ``"amount"`` (benefits, costs)."""
    if name in config.outputs:
        return config.outputs[name].measure
    if name in ("benefits", "costs"):
        return "amount"
    return "npv"


def output_array(config: Config, item_pv: np.ndarray, name: str) -> np.ndarray:
    """Draws of one output (any name from :func:`output_names`) from item present values.

    Raises
    ------
    WotsimError
        For an unknown name, listing the known ones.
    """
    measure = check_output(config, name)
    if name.startswith("net:"):
        return stakeholder_net(config, item_pv)[:, list(config.stakeholders).index(name[4:])]
    if name.startswith("npv:"):
        b, c = components(config, item_pv, name[4:])
        return b - c
    b, c = components(config, item_pv, name)
    with np.errstate(all="ignore"):
        if name == "benefits":
            return b
        if name == "costs":
            return c
        if measure == "ratio":
            return np.where(c > 0, b / c, np.nan)  # no return per euro without costs
        return b - c


def net_benefit_for(config: Config, output: str) -> str:
    """The net benefit (an NPV in money) whose value of information belongs with a statement about ``output``.

    * an NPV (``npv``, ``net:<stakeholder>`` or an NPV output): the output itself;
    * a ratio: an NPV output of the config with the same benefit and cost items if there
      is one; else the society-wide ``npv`` when the ratio counts every item; else
      ``npv:<ratio>``, the ratio's own benefits minus its own costs (e.g. the municipal
      financial ratio, municipal financial benefits over all costs -> municipal financial
      benefits minus all costs).  The ratio exceeds 1 exactly where that net benefit is
      positive, so the statement's P(ratio > 1) and its value of information judge the
      same decision.  (A stakeholder's net value would count only that stakeholder's
      costs: a different decision.)

    Raises
    ------
    WotsimError
        For an amount (``benefits``, ``costs``) or an unknown output.
    """
    measure = check_output(config, output)
    if measure == "npv":
        return output
    if measure != "ratio":
        raise WotsimError(f"{output!r} is an amount; a robustness statement needs a ratio or an NPV")
    o = config.outputs[output]
    for name, other in config.outputs.items():
        if (other.measure == "npv" and set(other.benefit_items) == set(o.benefit_items)
                and set(other.cost_items) == set(o.cost_items)):
            return name
    everything = {it.id for it in config.items}
    if set(o.benefit_items) == {it.id for it in config.items if it.kind == "benefit"} and \
            set(o.cost_items) == {it.id for it in config.items if it.kind == "cost"} and everything:
        return "npv"
    return f"npv:{output}"
