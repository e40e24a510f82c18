"""A deliberately plain per-sample implementation of the model: an independent oracle.

:func:`wotsim.model.evaluate` works on whole arrays of samples at once, with
tabulated inverse CDFs (:mod:`wotsim.config.fastppf`), cumulative products for the
discount factors and fades, and masks for the horizon.  This module computes the
same numbers the obvious way, one sample at a time, on Python floats:

* each uniform goes through its parameter's scipy distribution (``rv.ppf`` on a
  scalar, the exact inverse CDF, not the table);
* derived formulas and item values are evaluated with the compiled expressions
  on a dict of scalars;
* every item's stream is summed year by year, exactly as DESIGN.md states it:
  ``amount_t = value * persistence**(t - start)`` for ``start <= t < start + duration``
  and ``t < horizon``, discounted by ``(1 + r)**-t``.

It is slow (about 2 ms per sample for the Schiedam case) and meant for tests
and benchmarks only; it does not apply the correlation copula (pass uniforms
that already carry it, e.g. from :func:`wotsim.simulate.transform`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .config.schema import Config
from .errors import WotsimError
from .model import ModelArrays

__all__ = ["item_streams", "reference_evaluate", "reference_item_pv", "sample_item_pv", "sample_values"]


def sample_values(config: Config, u_row: Sequence[float]) -> dict[str, float]:
    """Parameter and derived values of one sample.

    Parameters
    ----------
    config : Config
    u_row : sequence of float, length d
        One design row on the unit hypercube, in ``config.uncertain`` order.

    Returns
    -------
    dict of str -> float
        Every parameter and derived name.  Values are ``numpy.float64`` (a
        subclass of ``float``) so that formulas divide by zero as the array
        model does (giving inf or nan) instead of raising.
    """
    env: dict[str, float] = {}
    col = 0
    for name, p in config.parameters.items():
        if p.dist.fixed:
            env[name] = np.float64(p.dist.base)
        else:
            env[name] = np.float64(p.dist.rv.ppf(float(u_row[col])))
            col += 1
    for name in config.derived_order:
        env[name] = np.float64(config.derived[name](env))
    return env


def _horizon(config: Config, env: Mapping[str, float]) -> int:
    h = config.study.horizon
    return h if isinstance(h, int) else int(round(float(env[h])))


def item_streams(config: Config, env: Mapping[str, float]) -> list[list[tuple[int, float]]]:
    """Per item (config order), the (year, discounted amount) pairs of its stream for one sample.

    Amounts are positive for costs and benefits alike (the item's kind gives the sign).
    """
    horizon = _horizon(config, env)
    rate = np.float64(config.study.discount_rate(env))
    streams = []
    for item in config.items:
        value = np.float64(item.value(env))
        rho = np.float64(item.persistence(env))
        end = horizon if item.duration is None else min(horizon, item.start + item.duration)
        stream = []
        for t in range(item.start, end):
            amount = value * rho ** (t - item.start) * (1.0 + rate) ** (-t)
            stream.append((t, float(amount)))
        streams.append(stream)
    return streams


def sample_item_pv(config: Config, env: Mapping[str, float]) -> list[float]:
    """Present value of each item for one sample's values (from :func:`sample_values`)."""
    return [sum((a for _, a in stream), 0.0) for stream in item_streams(config, env)]


def _check_design(config: Config, u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    d = len(config.uncertain)
    if u.ndim != 2 or u.shape[1] != d:
        raise WotsimError(f"uniforms must have shape (n, {d}) (one column per uncertain parameter), got {u.shape}")
    return u


def reference_item_pv(config: Config, u: np.ndarray) -> np.ndarray:
    """Item present values, one sample at a time.

    Parameters
    ----------
    config : Config
    u : ndarray, shape (n, d)
        Design rows on the unit hypercube (already correlated, if the config
        has correlations), columns in ``config.uncertain`` order.

    Returns
    -------
    ndarray, shape (n, n_items)
        As ``wotsim.model.evaluate(config, parameter_values(config, u), n).item_pv``.
    """
    u = _check_design(config, u)
    out = np.empty((u.shape[0], len(config.items)))
    for row in range(u.shape[0]):
        env = sample_values(config, u[row].tolist())
        out[row] = sample_item_pv(config, env)
    return out


def reference_evaluate(config: Config, u: np.ndarray) -> ModelArrays:
    """Item present values and yearly net values per stakeholder, one sample at a time.

    Parameters
    ----------
    config : Config
    u : ndarray, shape (n, d)
        As for :func:`reference_item_pv`.

    Returns
    -------
    ModelArrays
        ``item_pv`` (n, n_items) float64 and ``yearly`` (n, n_stakeholders, T)
        float32, T = ``config.max_horizon``; yearly cells are summed in float64
        and rounded once.
    """
    u = _check_design(config, u)
    n = u.shape[0]
    stakeholders = list(config.stakeholders)
    T = config.max_horizon
    item_pv = np.empty((n, len(config.items)))
    yearly = np.zeros((n, len(stakeholders), T))
    for row in range(n):
        env = sample_values(config, u[row].tolist())
        for i, (item, stream) in enumerate(zip(config.items, item_streams(config, env))):
            sign = 1.0 if item.kind == "benefit" else -1.0
            k = stakeholders.index(item.stakeholder)
            pv = 0.0
            for t, amount in stream:
                pv += amount
                yearly[row, k, t] += sign * amount
            item_pv[row, i] = pv
    return ModelArrays(item_pv=item_pv, yearly=yearly.astype(np.float32))
