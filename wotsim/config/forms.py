"""The forms of a parameter's distribution: a config table's numbers -> a frozen scipy distribution.

Forms (keys of the parameter table)::

    fixed        value
    uniform      low, high
    normal       mean, sd              | two quantiles (p05 + p95, p10 + p90, ...)
    truncnormal  mean, sd, low, high   (mean and sd of the untruncated normal)
    lognormal    median, gsd | mean, sd | two quantiles
    beta         mean, sd | alpha, beta; optional low, high (default 0 and 1)
    gamma        mean, sd | shape, scale | two quantiles
    triangular   low, mode, high
    pert         low, mode, high; optional lambda (default 4)
    integer      low, high             (every integer in [low, high] equally likely)

The base value (deterministic base case) is the explicit ``base``, else the mode
for the forms parameterised by it or symmetric about it (triangular, pert,
normal, truncnormal, fixed), else the median.

Every number must be finite and of magnitude <= 2**53.  Every form is converted in
closed form except the gamma two-quantile form (a 1-D root find).  :func:`solve`
checks each number and each rule between them and raises only
:class:`DistributionError` naming the offending key; whether the numbers together give
a usable distribution is checked by :func:`wotsim.config.distributions.make_distribution`.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Mapping

from scipy import optimize, stats

from .expressions import shown
from .translations import TRANSLATABLE, translated_keys

__all__ = ["DIST_NAMES", "META_KEYS", "DistributionError", "short_number", "solve"]

#: Keys any parameter table may carry besides its distribution's own (``label_nl`` and the like:
#: :mod:`wotsim.config.translations`).
META_KEYS = frozenset({"dist", "base", "unit", "group", "evidence", "source", "label", "description",
                       *translated_keys(TRANSLATABLE["parameter"])})

_QUANTILE_KEY = re.compile(r"^p(\d{2})$")

#: name -> list of alternative key sets (required, optional).
_FORMS: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = {
    "fixed": [(frozenset({"value"}), frozenset())],
    "uniform": [(frozenset({"low", "high"}), frozenset())],
    "normal": [(frozenset({"mean", "sd"}), frozenset())],
    "truncnormal": [(frozenset({"mean", "sd", "low", "high"}), frozenset())],
    "lognormal": [(frozenset({"median", "gsd"}), frozenset()), (frozenset({"mean", "sd"}), frozenset())],
    "beta": [
        (frozenset({"mean", "sd"}), frozenset({"low", "high"})),
        (frozenset({"alpha", "beta"}), frozenset({"low", "high"})),
    ],
    "gamma": [(frozenset({"mean", "sd"}), frozenset()), (frozenset({"shape", "scale"}), frozenset())],
    "triangular": [(frozenset({"low", "mode", "high"}), frozenset())],
    "pert": [(frozenset({"low", "mode", "high"}), frozenset({"lambda"}))],
    "integer": [(frozenset({"low", "high"}), frozenset())],
}
#: Forms that also accept two quantiles.
_QUANTILE_FORMS = frozenset({"normal", "lognormal", "gamma"})

DIST_NAMES = tuple(_FORMS)


class DistributionError(ValueError):
    """A parameter table breaks a rule; ``field`` is the offending key (or None)."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


def short_number(x: float) -> str:
    """A number in a message: 6 significant digits."""
    return f"{x:.6g}"


def _number(table: Mapping[str, Any], key: str) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DistributionError(f"must be a number, got {shown(value)}", key)
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond float range
        finite = False
    if not finite or abs(value) > 2.0**53:
        raise DistributionError(f"must be a finite number of magnitude <= 2**53, got {shown(value)}", key)
    return float(value)


def _positive(p: Mapping[str, float], key: str) -> float:
    if p[key] <= 0:
        raise DistributionError(f"must be > 0, got {short_number(p[key])}", key)
    return p[key]


def _ordered(p: Mapping[str, float], low: str, high: str) -> None:
    if not p[low] < p[high]:
        raise DistributionError(f"must be > {low} ({short_number(p[low])}), got {short_number(p[high])}", high)


def _quantile_pair(table: Mapping[str, Any]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Return ((prob_lo, value_lo), (prob_hi, value_hi)) when the table gives quantiles."""
    keys = sorted(k for k in table if _QUANTILE_KEY.fullmatch(k))
    if not keys:
        return None
    if len(keys) != 2:
        raise DistributionError(
            f"a quantile form needs exactly two quantiles (e.g. p05 and p95), got {', '.join(keys)}",
            keys[-1],
        )
    probs = [int(_QUANTILE_KEY.fullmatch(k).group(1)) / 100 for k in keys]  # type: ignore[union-attr]
    for k, pr in zip(keys, probs):
        if not 0 < pr < 1:
            raise DistributionError("quantile keys run from p01 to p99", k)
    values = [_number(table, k) for k in keys]
    if not values[0] < values[1]:
        raise DistributionError(f"must be > {keys[0]} ({short_number(values[0])}), got {short_number(values[1])}", keys[1])
    return (probs[0], values[0]), (probs[1], values[1])


def _from_quantiles(name: str, q_lo: tuple[float, float], q_hi: tuple[float, float], key_hi: str) -> Any:
    (p1, x1), (p2, x2) = q_lo, q_hi
    z1, z2 = stats.norm.ppf(p1), stats.norm.ppf(p2)
    if name == "normal":
        sd = (x2 - x1) / (z2 - z1)
        return stats.norm(loc=x1 - z1 * sd, scale=sd)
    if x1 <= 0:
        raise DistributionError(f"quantiles of a {name} must be > 0, got {short_number(x1)}", key_hi)
    if name == "lognormal":
        sigma = (math.log(x2) - math.log(x1)) / (z2 - z1)
        mu = math.log(x1) - z1 * sigma
        return stats.lognorm(s=sigma, scale=math.exp(mu))
    # gamma: the quantile ratio depends only on the shape k and falls as k grows.
    target = math.log(x2 / x1)

    def gap(log_k: float) -> float:
        k = math.exp(log_k)
        return math.log(stats.gamma.ppf(p2, k) / stats.gamma.ppf(p1, k)) - target

    lo_k, hi_k = math.log(1e-2), math.log(1e7)
    if gap(lo_k) < 0 or gap(hi_k) > 0:
        raise DistributionError(
            f"no gamma distribution has these two quantiles ({short_number(x1)}, {short_number(x2)})", key_hi
        )
    k = math.exp(optimize.brentq(gap, lo_k, hi_k, xtol=1e-12))
    scale = x1 / stats.gamma.ppf(p1, k)
    return stats.gamma(a=k, scale=scale)


def _choose_form(name: str, given: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    forms = _FORMS[name]
    for required, optional in forms:
        if required <= given and given <= required | optional:
            return required, optional
    allowed = " | ".join(
        ", ".join(sorted(req)) + ("" if not opt else " (optional " + ", ".join(sorted(opt)) + ")")
        for req, opt in forms
    )
    if name in _QUANTILE_FORMS:
        allowed += " | two quantiles such as p05, p95"
    extra = sorted(given - set().union(*(r | o for r, o in forms)))
    best = max(forms, key=lambda f: len(f[0] & given))
    missing = sorted(best[0] - given)
    if extra:
        return_msg = f"{name} does not take {', '.join(extra)}; it takes {allowed}"
        raise DistributionError(return_msg, extra[0])
    if missing:
        raise DistributionError(f"{name} needs {', '.join(missing)} (forms: {allowed})", missing[0])
    raise DistributionError(f"{name} takes one of: {allowed}; got {', '.join(sorted(given))}")


def solve(table: Mapping[str, Any]) -> tuple[str, dict[str, float], float, Any]:
    """The form, its numbers, the base value and the frozen scipy distribution (None if fixed) of a table.

    Raises
    ------
    DistributionError
        Naming the offending key in ``.field``.  Solvers may still raise an
        ``ArithmeticError`` or ``ValueError`` at extreme numbers (the caller converts them).
    """
    name = table.get("dist")
    if name is None:
        name = "fixed"
        if "value" not in table:
            raise DistributionError(
                f"needs a dist (one of {', '.join(DIST_NAMES)}) or a value", "dist"
            )
    if not isinstance(name, str) or name not in _FORMS:
        hint = difflib.get_close_matches(str(name), DIST_NAMES, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise DistributionError(f"unknown distribution {shown(name)}{did}; allowed: {', '.join(DIST_NAMES)}", "dist")

    given = {k for k in table if k not in META_KEYS}
    quantiles = _quantile_pair(table) if name in _QUANTILE_FORMS else None
    if quantiles is not None:
        qkeys = {k for k in given if _QUANTILE_KEY.fullmatch(k)}
        other = sorted(given - qkeys)
        if other:
            raise DistributionError(f"a quantile form takes only the two quantiles, not {', '.join(other)}", other[0])
        p = {k: _number(table, k) for k in sorted(qkeys)}
        rv = _from_quantiles(name, quantiles[0], quantiles[1], sorted(qkeys)[1])
        return _finish(name, p, rv, table)

    _choose_form(name, given)
    p = {k: _number(table, k) for k in table if k in given}

    rv: Any
    if name == "fixed":
        rv = None
    elif name == "uniform":
        _ordered(p, "low", "high")
        rv = stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
    elif name == "normal":
        _positive(p, "sd")
        rv = stats.norm(loc=p["mean"], scale=p["sd"])
    elif name == "truncnormal":
        _positive(p, "sd")
        _ordered(p, "low", "high")
        a, b = (p["low"] - p["mean"]) / p["sd"], (p["high"] - p["mean"]) / p["sd"]
        rv = stats.truncnorm(a=a, b=b, loc=p["mean"], scale=p["sd"])
    elif name == "lognormal":
        if "median" in p:
            _positive(p, "median")
            if p["gsd"] <= 1:
                raise DistributionError(f"must be > 1 (a geometric sd), got {short_number(p['gsd'])}", "gsd")
            rv = stats.lognorm(s=math.log(p["gsd"]), scale=p["median"])
        else:
            _positive(p, "mean")
            _positive(p, "sd")
            sigma2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            rv = stats.lognorm(s=math.sqrt(sigma2), scale=p["mean"] * math.exp(-sigma2 / 2))
    elif name == "beta":
        low, high = p.get("low", 0.0), p.get("high", 1.0)
        if not low < high:
            raise DistributionError(f"must be > low ({short_number(low)}), got {short_number(high)}", "high")
        if "alpha" in p:
            _positive(p, "alpha")
            _positive(p, "beta")
            a, b = p["alpha"], p["beta"]
        else:
            _positive(p, "sd")
            m = (p["mean"] - low) / (high - low)
            if not 0 < m < 1:
                raise DistributionError(
                    f"must lie strictly between low ({short_number(low)}) and high ({short_number(high)}), got {short_number(p['mean'])}",
                    "mean",
                )
            vmax = m * (1 - m)
            sd_max = math.sqrt(vmax) * (high - low)
            # compare sd before squaring sd / (high - low), which overflows on a range of 1e-300
            v = (p["sd"] / (high - low)) ** 2 if p["sd"] < sd_max else math.inf
            k = vmax / v - 1 if v > 0 else math.inf  # a tiny sd squares to 0
            if not k > 0:
                raise DistributionError(
                    f"must be < {short_number(sd_max)} for a beta with this mean, got {short_number(p['sd'])}", "sd"
                )
            a, b = m * k, (1 - m) * k
            if not (math.isfinite(a) and math.isfinite(b)):
                raise DistributionError(
                    f"is too small for a beta on [{short_number(low)}, {short_number(high)}] with mean {short_number(p['mean'])}: its shape "
                    f"parameters alpha and beta would pass float range; got {short_number(p['sd'])}", "sd")
        rv = stats.beta(a=a, b=b, loc=low, scale=high - low)
    elif name == "gamma":
        if "mean" in p:
            _positive(p, "mean")
            _positive(p, "sd")
            shape, scale = (p["mean"] / p["sd"]) ** 2, p["sd"] ** 2 / p["mean"]
        else:
            shape, scale = _positive(p, "shape"), _positive(p, "scale")
        rv = stats.gamma(a=shape, scale=scale)
    elif name in ("triangular", "pert"):
        _ordered(p, "low", "high")
        if not p["low"] <= p["mode"] <= p["high"]:
            raise DistributionError(
                f"must lie in [low, high] = [{short_number(p['low'])}, {short_number(p['high'])}], got {short_number(p['mode'])}", "mode"
            )
        width = p["high"] - p["low"]
        if name == "triangular":
            rv = stats.triang(c=(p["mode"] - p["low"]) / width, loc=p["low"], scale=width)
        else:
            lam = p.get("lambda", 4.0)
            if lam <= 0:
                raise DistributionError(f"must be > 0, got {short_number(lam)}", "lambda")
            a = 1 + lam * (p["mode"] - p["low"]) / width
            b = 1 + lam * (p["high"] - p["mode"]) / width
            rv = stats.beta(a=a, b=b, loc=p["low"], scale=width)
    elif name == "integer":
        for key in ("low", "high"):
            if p[key] != int(p[key]):
                raise DistributionError(f"must be a whole number, got {short_number(p[key])}", key)
        if not p["low"] < p["high"]:
            raise DistributionError(f"must be > low ({short_number(p['low'])}), got {short_number(p['high'])}", "high")
        rv = stats.randint(low=int(p["low"]), high=int(p["high"]) + 1)
    else:  # pragma: no cover - _FORMS and this chain list the same names
        raise DistributionError(f"unknown distribution {shown(name)}", "dist")
    return _finish(name, p, rv, table)


def _default_base(name: str, p: Mapping[str, float], rv: Any) -> float:
    if name == "fixed":
        return p["value"]
    if name in ("triangular", "pert"):
        return p["mode"]
    if name == "normal" and "mean" in p:
        return p["mean"]
    if name == "truncnormal":
        return min(max(p["mean"], p["low"]), p["high"])
    return float(rv.median())


def _finish(name: str, p: Mapping[str, float], rv: Any, table: Mapping[str, Any]
            ) -> tuple[str, dict[str, float], float, Any]:
    base = _default_base(name, p, rv)
    if "base" in table:
        base = _number(table, "base")
        if rv is not None:
            lo, hi = rv.support()
            if not lo <= base <= hi:
                raise DistributionError(
                    f"must lie in the support [{short_number(lo)}, {short_number(hi)}] of the {name} distribution, got {short_number(base)}",
                    "base",
                )
        elif base != p["value"]:
            raise DistributionError(f"a fixed parameter's base must equal its value ({short_number(p['value'])})", "base")
    if name == "integer" and base != int(base):
        raise DistributionError(f"must be a whole number for an integer parameter, got {short_number(base)}", "base")
    return name, dict(p), float(base), rv
