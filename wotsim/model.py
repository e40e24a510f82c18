"""The cost-benefit model: items x stakeholders x years -> present values.

Pure numpy on arrays of shape (n,).  For item ``i`` with first-year amount
``V``, persistence ``rho``, first year ``s`` and duration ``D``, the amount in
year ``t`` is ``V * rho**(t - s)`` for ``s <= t < s + D`` and ``t < H`` (the
horizon), discounted by ``(1 + r)**-t``; year 0 is undiscounted.  Horizon ``H``
and rate ``r`` may differ per sample.

NPV = B - C and ratio = B / C over the items an output selects.  A ratio is
undefined (NaN) in a draw whose costs C <= 0: there is no return per euro without
costs.  Summaries count and exclude such draws; analyses of a ratio refuse them
and point to the NPV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .config import Config
from .errors import WotsimError

__all__ = ["ModelArrays", "evaluate", "parameter_values"]


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


def parameter_values(config: Config, u: np.ndarray) -> dict[str, np.ndarray | float]:
    """Map design rows (n, d) on the unit hypercube to parameter values.

    Fixed parameters map to Python floats, uncertain ones (in ``config.uncertain``
    column order) to arrays of shape (n,).
    """
    values: dict[str, np.ndarray | float] = {}
    col = 0
    for name, p in config.parameters.items():
        if p.dist.fixed:
            values[name] = np.float64(p.dist.base)
        else:
            values[name] = np.asarray(p.dist.ppf(u[:, col]), dtype=float)
            col += 1
    return values


def base_values(config: Config) -> dict[str, float]:
    """Every parameter at its base value."""
    return {name: np.full(1, p.dist.base) for name, p in config.parameters.items()}


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
    env: dict[str, np.ndarray | float] = dict(values)
    with np.errstate(all="ignore"):
        for name in config.derived_order:
            env[name] = config.derived[name](env)
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
            if not np.all(rho >= 0):
                bad = rho[~(rho >= 0)][0]
                raise WotsimError(f"{config.path}: items.{item.id}.persistence: must be >= 0 (share kept from one "
                                  f"year to the next) in every draw, got {bad:g}")
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
                bad = pv[~np.isfinite(pv)][0]
                raise WotsimError(f"{config.path}: items.{item.id}.value: must be finite in every draw within the "
                                  f"horizon (e.g. no division by zero), got a present value of {bad:g}")
            item_pv[:, i] = pv
    return ModelArrays(item_pv=item_pv, yearly=by_year)


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
    """Every output an analysis can target: the config's outputs, the built-ins and ``net:<stakeholder>``."""
    return tuple(config.outputs) + ("npv", "benefits", "costs") + tuple(f"net:{s}" for s in config.stakeholders)


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
    if name.startswith("net:"):
        sid = name[4:]
        if sid not in config.stakeholders:
            raise WotsimError(f"unknown output {name!r}; known outputs: {', '.join(output_names(config))}")
        return stakeholder_net(config, item_pv)[:, list(config.stakeholders).index(sid)]
    if name not in output_names(config):
        raise WotsimError(f"unknown output {name!r}; known outputs: {', '.join(output_names(config))}")
    b, c = components(config, item_pv, name)
    with np.errstate(all="ignore"):
        if name == "benefits":
            return b
        if name == "costs":
            return c
        if output_measure(config, name) == "ratio":
            return np.where(c > 0, b / c, np.nan)  # no return per euro without costs
        return b - c
