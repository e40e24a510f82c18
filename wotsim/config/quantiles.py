"""Expert ranges: the names of quantile keys, and the distributions two quantiles determine.

Naming rule
-----------
A quantile key is ``p`` followed by the decimal digits of its probability, at least two and
with no zero after the second: ``p05`` is the 5% quantile (probability 0.05), ``p10`` 10%,
``p50`` the median, ``p025`` 2.5%, ``p975`` 97.5%, ``p999`` 99.9%, ``p0005`` 0.05%.  Read as a
percentage, the decimal point sits after the second digit.  Each probability has one key
(``p5``, ``p050`` and ``p100`` are refused, with a did-you-mean), every key is a bare TOML key,
and sorting keys as text sorts them by probability.  ``range90 = [a, b]`` is ``p05 = a`` and
``p95 = b`` (squigglepy's 90% range; the family rule is :func:`range_family`).

Solvers
-------
``(p1, x1)`` and ``(p2, x2)``, with ``p1 < p2`` and ``x1 < x2``, determine:

* normal, lognormal (of ``log x``) and uniform: closed forms through the normal scores
  ``z = Phi^-1(p)`` (the uniform's spread is ``(x2 - x1) / (p2 - p1)``);
* gamma (:func:`gamma_shape`): the ratio ``x2 / x1`` depends only on the shape ``k`` and falls
  as ``k`` grows: Brent's method on ``log k`` in [1e-2, 1e7], then the scale from ``x1``;
* beta on [0, 1] (:func:`beta_shapes`; a beta on [low, high] is fitted to the rescaled values):
  for each ``a`` one ``b(a)`` puts ``p1`` below ``u1`` (the CDF rises with ``b``); along that
  curve the CDF at ``u2`` rises with ``a`` from ``p1`` (``a, b -> 0``) to 1 (``a -> inf``), so a
  solution exists for every pair in (0, 1) and it is unique.  Both 1-D roots are found by Brent's
  method on ``log a`` and ``log b``, bracketed from the moment-matched start of the normal through
  the two quantiles; the rise with ``a`` is also checked on random pairs
  (``tests/test_expert_ranges.py``).  The fit is refused when a bracket leaves ``exp(+-700)``;
* triangular and PERT with a given ``mode`` (:func:`mode_form_bounds`): standardised to [0, 1]
  with its mode at ``t``, the form has quantiles ``q1(t) < q2(t)``; ``low`` and ``high`` follow
  from ``t`` by ``x_i = low + (high - low) q_i(t)``, and ``t`` solves
  ``(t - q1(t)) / (q2(t) - q1(t)) = (mode - x1) / (x2 - x1)``.  The left side rises with ``t``
  for every triangular, and for a PERT whose two probabilities lie on either side of 0.5
  (checked numerically); with both in one tail (p02 and p06, say) it may not, and two PERTs can
  fit.  So ``t`` is scanned on 65 points of [0, 1] and each sign change solved by Brent's
  method: no root refuses the mode (with the range it must lie in), more than one refuses the
  pair (with the fits found).

Solvers raise :class:`FitError` (a ``ValueError``) with the rule and the allowed range; the
caller names the key and refuses a fit whose quantiles miss the given ones by more than 1e-9
of their distance (:mod:`wotsim.config.forms`).
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
from scipy import optimize, special, stats

__all__ = ["QUANTILE_KEY", "QUANTILE_RULE", "RANGE_KEY", "FitError", "beta_shapes", "gamma_shape",
           "is_quantile_key", "looks_like_quantile", "mode_form_bounds", "percent", "probability", "quantile_key",
           "range_family", "suggestion"]

#: A quantile key (used with fullmatch): ``p``, two digits, and more digits not ending in 0.
QUANTILE_KEY = re.compile(r"p(?P<digits>[0-9]{2}(?:[0-9]*[1-9])?)")
#: What a person may write for a quantile key: ``p5``, ``P05``, ``p2.5``, ``p2_5``, ``p97,5``, ``p5%``.
_NEAR_MISS = re.compile(r"[pP](\d+)(?:[._,](\d+))?%?")
#: The shorthand for a 90% range, ``range90 = [p05, p95]``.
RANGE_KEY = "range90"
#: The naming rule, for messages.
QUANTILE_RULE = ("a quantile key is p and the decimal digits of its probability, at least two "
                 "(p05 = 5%, p10 = 10%, p025 = 2.5%, p975 = 97.5%)")

#: Shapes the gamma solver searches (the quantile ratio at 1e7 is within 0.1% of 1 for p05, p95).
_GAMMA_SHAPES = (1e-2, 1e7)
#: Bounds of ``log a`` and ``log b`` for the beta solver (exp(700) is near float's limit).
_LOG_LIMIT = 700.0
#: Intervals of the mode's position ``t`` the triangular and PERT solver scans for roots.
_MODE_GRID = 64


class FitError(ValueError):
    """No distribution of the family has the two quantiles (the message says what is allowed)."""


def is_quantile_key(key: str) -> bool:
    """Whether ``key`` is a quantile key under the naming rule (``p05``, ``p975``; not ``p5``)."""
    return QUANTILE_KEY.fullmatch(key) is not None


def probability(key: str) -> float:
    """The probability of a quantile key: ``p025`` -> 0.025 (``p05`` -> 0.05, as ``5 / 100``)."""
    return float("0." + QUANTILE_KEY.fullmatch(key).group("digits"))  # type: ignore[union-attr]


def percent(key: str) -> str:
    """The percentage of a quantile key as text: ``p025`` -> ``"2.5%"``, ``p05`` -> ``"5%"``."""
    digits = QUANTILE_KEY.fullmatch(key).group("digits")  # type: ignore[union-attr]
    whole, decimals = digits[:2].lstrip("0") or "0", digits[2:]
    return f"{whole}.{decimals}%" if decimals else f"{whole}%"


def quantile_key(text: str) -> str | None:
    """The key of a percentage written as text (``"2.5"`` -> ``p025``); None outside (0, 100)."""
    whole, _, decimals = text.partition(".")
    if not whole.isdigit() or (decimals and not decimals.isdigit()) or len(whole.lstrip("0")) > 2:
        return None
    digits = (whole[-2:].rjust(2, "0") + decimals).rstrip("0")
    digits = digits.ljust(2, "0")
    return f"p{digits}" if digits.strip("0") else None


def looks_like_quantile(key: str) -> bool:
    """Whether ``key`` looks like a quantile key (``p5``, ``P2.5``, ``p100``), canonical or not."""
    return _NEAR_MISS.fullmatch(key) is not None


def suggestion(key: str, value: object = None) -> str | None:
    """The quantile key meant by a near miss (``p5`` -> ``p05``, ``P2.5`` -> ``p025``), or None.

    ``value`` is the key's value: TOML reads ``p2.5 = 3`` as a table ``p2`` holding ``5 = 3``.
    """
    m = _NEAR_MISS.fullmatch(key)
    if m is None:
        return None
    whole, decimals = m.group(1), m.group(2)
    if decimals is None and isinstance(value, dict) and len(value) == 1:
        inner = str(next(iter(value)))
        decimals = inner if inner.isdigit() else None
    if decimals is not None:
        return quantile_key(f"{whole}.{decimals}")
    if len(whole) <= 2:
        return quantile_key(whole)
    # three or more digits ending in 0 (p100, p050): the rule reads them as 0.<digits>
    return quantile_key(f"{whole[:2]}.{whole[2:]}")


def range_family(low: float) -> str:
    """The family of ``range90 = [low, high]`` without ``dist``: lognormal when low > 0, else normal."""
    return "lognormal" if low > 0 else "normal"


def gamma_shape(p1: float, x1: float, p2: float, x2: float) -> float:
    """The shape ``k`` of the gamma whose ``p1`` and ``p2`` quantiles are ``0 < x1 < x2``."""
    target = math.log(x2 / x1)

    def gap(log_k: float) -> float:
        k = math.exp(log_k)
        return math.log(stats.gamma.ppf(p2, k) / stats.gamma.ppf(p1, k)) - target

    lo_k, hi_k = (math.log(k) for k in _GAMMA_SHAPES)
    if gap(lo_k) < 0 or gap(hi_k) > 0:
        lo_r, hi_r = (math.exp(gap(v) + target) for v in (hi_k, lo_k))
        raise FitError(f"no gamma distribution has these two quantiles ({x1:.6g}, {x2:.6g}): their ratio, "
                       f"{x2 / x1:.6g}, must lie between {lo_r:.6g} and {hi_r:.6g} (shapes 1e7 to 0.01)")
    return math.exp(optimize.brentq(gap, lo_k, hi_k, xtol=1e-12))


def _rising_root(f: Callable[[float], float], start: float, what: str) -> float:
    """The root of a rising ``f`` on [-_LOG_LIMIT, _LOG_LIMIT], bracketed outwards from ``start``."""
    lo = hi = min(max(start, -_LOG_LIMIT), _LOG_LIMIT)
    f_lo = f_hi = f(lo)
    step = 1.0
    while f_lo > 0:
        if lo <= -_LOG_LIMIT:
            raise FitError(f"{what} would be below exp(-700)")
        hi, f_hi = lo, f_lo
        lo = max(lo - step, -_LOG_LIMIT)
        f_lo, step = f(lo), 2 * step
    while f_hi < 0:
        if hi >= _LOG_LIMIT:
            raise FitError(f"{what} would pass exp(700)")
        lo, f_lo = hi, f_hi
        hi = min(hi + step, _LOG_LIMIT)
        f_hi, step = f(hi), 2 * step
    if f_lo == 0:
        return lo
    if f_hi == 0:
        return hi
    return optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-15)


def beta_shapes(p1: float, u1: float, p2: float, u2: float) -> tuple[float, float]:
    """``(a, b)`` of the beta on [0, 1] whose ``p1`` and ``p2`` quantiles are ``0 < u1 < u2 < 1``."""
    # start: the moments of the normal through the two quantiles, matched by a beta
    z1, z2 = special.ndtri(p1), special.ndtri(p2)
    sd = (u2 - u1) / (z2 - z1)
    mean = u1 - z1 * sd
    k = mean * (1 - mean) / sd**2 - 1 if 0 < mean < 1 else -1.0
    log_a0, log_b0 = (math.log(mean * k), math.log((1 - mean) * k)) if k > 0 else (0.0, 0.0)
    log_b = [log_b0]

    def b_of(log_a: float) -> float:
        # the CDF at u1 rises with b; start from the last solution
        a = math.exp(log_a)
        log_b[0] = _rising_root(lambda lb: special.betainc(a, math.exp(lb), u1) - p1, log_b[0],
                                "the beta's second shape parameter")
        return math.exp(log_b[0])

    def gap(log_a: float) -> float:
        return special.betainc(math.exp(log_a), b_of(log_a), u2) - p2

    log_a = _rising_root(gap, log_a0, "the beta's first shape parameter")
    return math.exp(log_a), b_of(log_a)


def _standard_ppf(name: str, lam: float) -> Callable[[float, Any], Any]:
    """The ppf at ``p`` of the triangular or PERT on [0, 1] with its mode at ``t`` (a number or an array)."""
    if name == "triangular":
        return lambda p, t: np.where(p <= t, np.sqrt(p * t), 1 - np.sqrt((1 - p) * (1 - t)))
    return lambda p, t: stats.beta.ppf(p, 1 + lam * t, 1 + lam * (1 - t))


def mode_form_bounds(name: str, p1: float, x1: float, p2: float, x2: float, mode: float,
                     lam: float = 4.0) -> tuple[float, float]:
    """``(low, high)`` of the triangular or PERT (``lam``) with this ``mode`` and these two quantiles."""
    ppf = _standard_ppf(name, lam)
    target = (mode - x1) / (x2 - x1)

    def position(t: Any) -> Any:  # where the mode sits relative to the two quantiles, less the target
        q1, q2 = ppf(p1, t), ppf(p2, t)
        return (t - q1) / (q2 - q1) - target

    grid = np.linspace(0.0, 1.0, _MODE_GRID + 1)
    gaps = position(grid)
    if not np.all(np.isfinite(gaps)):
        raise FitError(f"the {name}'s quantiles at these probabilities are not finite")
    roots = [float(t) for t, g in zip(grid, gaps) if g == 0]
    roots += [optimize.brentq(lambda s: float(position(s)), t0, t1, xtol=1e-15, rtol=1e-15)
              for t0, t1, g0, g1 in zip(grid, grid[1:], gaps, gaps[1:]) if g0 * g1 < 0]
    if not roots:
        span, ends = x2 - x1, gaps + target
        raise FitError(f"no {name} with mode {mode:.6g} has these two quantiles ({x1:.6g}, {x2:.6g}): the mode "
                       f"must lie in [{x1 + ends.min() * span:.6g}, {x1 + ends.max() * span:.6g}]")
    bounds = []
    for t in roots:
        q1, q2 = float(ppf(p1, t)), float(ppf(p2, t))
        width = (x2 - x1) / (q2 - q1)
        bounds.append((x1 - width * q1, x1 - width * q1 + width))
    if len(bounds) > 1:
        which = " or ".join(f"[{lo:.6g}, {hi:.6g}]" for lo, hi in bounds)
        raise FitError(f"more than one {name} with mode {mode:.6g} has these two quantiles ({x1:.6g}, {x2:.6g}): "
                       f"low and high may be {which}; give quantiles on either side of the median, or low and high")
    return bounds[0]
