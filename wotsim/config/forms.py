"""The forms of a parameter's distribution: a config table's numbers -> a frozen scipy distribution.

Forms (keys of the parameter table)::

    fixed        value
    uniform      low, high             | two quantiles
    normal       mean, sd              | two quantiles (p05 + p95, p10 + p90, p025 + p975, ...)
    truncnormal  mean, sd, low, high   (mean and sd of the untruncated normal)
    lognormal    median, gsd | mean, sd | two quantiles
    beta         mean, sd | alpha, beta | two quantiles; optional low, high (default 0 and 1)
    gamma        mean, sd | shape, scale | two quantiles
    triangular   low, mode, high       | mode and two quantiles
    pert         low, mode, high       | mode and two quantiles; optional lambda (default 4)
    integer      low, high             (every integer in [low, high] equally likely)

Two quantiles are two keys such as ``p10`` and ``p90`` (the naming rule: :mod:`wotsim.config.quantiles`),
or ``range90 = [a, b]`` for ``p05 = a`` and ``p95 = b``; ``range90`` without ``dist`` is a normal
when a <= 0 and a lognormal when a > 0 (:func:`family`).

The base value (deterministic base case) is the explicit ``base``, else the mode
for the forms parameterised by it or symmetric about it (triangular, pert,
normal, truncnormal, fixed), else the median.

Every number must be finite and of magnitude <= 2**53.  Every form is converted in
closed form except the two-quantile gamma, beta, triangular and pert (root finds:
:mod:`wotsim.config.quantiles`).  :func:`solve`
checks each number and each rule between them and raises only
:class:`DistributionError` naming the offending key; whether the numbers together give
a usable distribution is checked by :func:`wotsim.config.distributions.make_distribution`.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Mapping

from scipy import stats

from .expressions import shown
from .keys import hint
from .quantiles import (QUANTILE_RULE, RANGE_KEY, FitError, beta_shapes, gamma_shape, is_quantile_key,
                        looks_like_quantile, mode_form_bounds, percent, probability, range_family, suggestion)
from .translations import TRANSLATABLE, translated_keys

__all__ = ["DIST_NAMES", "META_KEYS", "NUMBER_KEYS", "DistributionError", "family", "short_number", "solve",
           "unknown_key"]

#: Keys any parameter table may carry besides its distribution's own (``label_nl`` and the like:
#: :mod:`wotsim.config.translations`).
META_KEYS = frozenset({"dist", "base", "unit", "group", "evidence", "source", "label", "description",
                       *translated_keys(TRANSLATABLE["parameter"])})

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
#: Forms that also accept two quantiles: name -> (keys required beside them, keys allowed beside them).
_QUANTILE_FORMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "uniform": (frozenset(), frozenset()),
    "normal": (frozenset(), frozenset()),
    "lognormal": (frozenset(), frozenset()),
    "gamma": (frozenset(), frozenset()),
    "beta": (frozenset(), frozenset({"low", "high"})),
    "triangular": (frozenset({"mode"}), frozenset()),
    "pert": (frozenset({"mode"}), frozenset({"lambda"})),
}

DIST_NAMES = tuple(_FORMS)
#: The number keys of every form, and ``range90``; with :data:`META_KEYS` and the quantile keys
#: (``p05``, ``p975``, ...) the keys a parameter table may have.
NUMBER_KEYS = frozenset().union(*(r | o for forms in _FORMS.values() for r, o in forms)) | {RANGE_KEY}


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


def family(table: Mapping[str, Any]) -> Any:
    """The family a parameter table names, unchecked: its ``dist``, else its ``range90``'s, else fixed."""
    if table.get("dist") is not None:
        return table["dist"]
    if RANGE_KEY not in table:
        return "fixed"
    value = table[RANGE_KEY]
    low = value[0] if isinstance(value, (list, tuple)) and value else None
    number = isinstance(low, (int, float)) and not isinstance(low, bool)
    return range_family(low) if number else "normal"  # type: ignore[arg-type]


def unknown_key(key: str, value: Any = None) -> str | None:
    """Why ``key`` (holding ``value``) may not appear in a parameter table, with a did-you-mean; None if it may."""
    if key in META_KEYS or key in NUMBER_KEYS or is_quantile_key(key):
        return None
    if looks_like_quantile(key):
        near = suggestion(key, value)
        if near is None:
            return (f"unknown key: no quantile key (a quantile's probability lies strictly between 0 and 100%); "
                    f"{QUANTILE_RULE}")
        one = isinstance(value, dict) and len(value) == 1
        dotted = f" TOML reads {key}.{next(iter(value))} as a table {key}" if one else ""
        return f"unknown key (did you mean {near!r}, the {percent(near)} quantile?{dotted}); {QUANTILE_RULE}"
    allowed = sorted(META_KEYS | NUMBER_KEYS) + ["p05", "p95", "..."]
    return f"unknown key{hint(key, META_KEYS | NUMBER_KEYS)}; allowed: {', '.join(allowed)}"


#: Largest miss of a fitted distribution's quantile (gamma, beta, triangular, pert), relative to the two
#: quantiles' distance.
_FIT_TOL = 1e-9
#: One quantile: (its key, its probability, its value).
_Quantile = tuple[str, float, float]


def _quantile_pair(table: Mapping[str, Any]) -> tuple[_Quantile, _Quantile] | None:
    """The two quantiles a table gives (``pNN`` keys or ``range90``), lower first; None if it gives none."""
    keys = sorted((k for k in table if is_quantile_key(k)), key=probability)
    if RANGE_KEY in table:
        if keys:
            raise DistributionError(f"range90 gives the 5% and 95% quantiles already; give range90 or two quantile "
                                    f"keys, not both (got {', '.join(keys)})", keys[0])
        value = table[RANGE_KEY]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise DistributionError(f"must be [a, b], the 5% and 95% quantiles (a 90% range), got {shown(value)}",
                                    RANGE_KEY)
        x1, x2 = (_number({RANGE_KEY: v}, RANGE_KEY) for v in value)
        if not x1 < x2:
            raise DistributionError(f"must be [a, b] with a < b (the 5% and 95% quantiles), got {shown(value)}",
                                    RANGE_KEY)
        return (RANGE_KEY, probability("p05"), x1), (RANGE_KEY, probability("p95"), x2)
    if not keys:
        return None
    if len(keys) != 2:
        raise DistributionError(
            f"a quantile form needs exactly two quantiles (e.g. p05 and p95), got {', '.join(keys)}",
            keys[-1],
        )
    probs = [probability(k) for k in keys]
    for k, pr in zip(keys, probs):
        if not 0 < pr < 1:
            raise DistributionError(f"is the {100 * pr:g}% quantile; a quantile's probability must lie strictly "
                                    f"between 0 and 100%: {QUANTILE_RULE}", k)
    values = [_number(table, k) for k in keys]
    if not values[0] < values[1]:
        raise DistributionError(f"must be > {keys[0]} ({short_number(values[0])}), got {short_number(values[1])}", keys[1])
    return (keys[0], probs[0], values[0]), (keys[1], probs[1], values[1])


def _from_quantiles(name: str, lo: _Quantile, hi: _Quantile, p: Mapping[str, float], table: Mapping[str, Any]) -> Any:
    """The distribution of family ``name`` with these two quantiles (and ``p``'s mode, lambda, low, high)."""
    (key_lo, p1, x1), (key_hi, p2, x2) = lo, hi
    z1, z2 = stats.norm.ppf(p1), stats.norm.ppf(p2)
    if name == "normal":
        sd = (x2 - x1) / (z2 - z1)
        return stats.norm(loc=x1 - z1 * sd, scale=sd)
    if name == "uniform":
        width = (x2 - x1) / (p2 - p1)
        return stats.uniform(loc=x1 - p1 * width, scale=width)
    if name == "lognormal" or name == "gamma":
        if x1 <= 0:
            raise DistributionError(f"quantiles of a {name} must be > 0, got {short_number(x1)}", key_hi)
        if name == "lognormal":
            sigma = (math.log(x2) - math.log(x1)) / (z2 - z1)
            mu = math.log(x1) - z1 * sigma
            return stats.lognorm(s=sigma, scale=math.exp(mu))
    try:
        rv = _fitted(name, lo, hi, p, table)
    except FitError as exc:
        raise DistributionError(str(exc), key_hi) from None
    miss = max(abs(float(rv.ppf(p1)) - x1), abs(float(rv.ppf(p2)) - x2))
    if not miss <= _FIT_TOL * (x2 - x1):
        raise DistributionError(f"the fitted {name} misses these quantiles by {miss / (x2 - x1):.3g} of their "
                                f"distance, more than {_FIT_TOL:g}; use numbers of ordinary size and spread", key_hi)
    return rv


def _fitted(name: str, lo: _Quantile, hi: _Quantile, p: Mapping[str, float], table: Mapping[str, Any]) -> Any:
    """The gamma, beta, triangular or pert with these two quantiles, by a root find (:mod:`wotsim.config.quantiles`)."""
    (key_lo, p1, x1), (key_hi, p2, x2) = lo, hi
    if name == "gamma":
        k = gamma_shape(p1, x1, p2, x2)
        return stats.gamma(a=k, scale=x1 / stats.gamma.ppf(p1, k))
    if name == "beta":
        low, high = p.get("low", 0.0), p.get("high", 1.0)
        if not low < high:
            raise DistributionError(f"must be > low ({short_number(low)}), got {short_number(high)}", "high")
        for key, x in ((key_lo, x1), (key_hi, x2)):
            if not low < x < high:
                remedy = "" if "low" in table or "high" in table else "; give low and high for a beta on another range"
                raise DistributionError(f"must lie strictly between low ({short_number(low)}) and high "
                                        f"({short_number(high)}) of the beta, got {short_number(x)}{remedy}", key)
        a, b = beta_shapes(p1, (x1 - low) / (high - low), p2, (x2 - low) / (high - low))
        return stats.beta(a=a, b=b, loc=low, scale=high - low)
    lam = p.get("lambda", 4.0)
    if lam <= 0:
        raise DistributionError(f"must be > 0, got {short_number(lam)}", "lambda")
    low, high = mode_form_bounds(name, p1, x1, p2, x2, p["mode"], lam)
    return _mode_form(name, low, p["mode"], high, lam)


def _quantile_form(name: str, table: Mapping[str, Any], given: set[str]) -> tuple[str, dict[str, float], Any] | None:
    """The form, numbers and distribution of a table that gives two quantiles (None if it gives none)."""
    pair = _quantile_pair(table)
    if pair is None:
        return None
    if name not in _QUANTILE_FORMS:
        raise DistributionError(f"two quantiles do not determine a {name} distribution; it takes {_allowed(name)}",
                                pair[0][0])
    required, optional = _QUANTILE_FORMS[name]
    other = {k for k in given if k != RANGE_KEY and not is_quantile_key(k)}
    missing = sorted(required - other)
    if missing:
        raise DistributionError(f"a {name} with two quantiles needs {', '.join(missing)} too (low and high are "
                                "solved from them)", missing[0])
    extra = sorted(other - required - optional)
    if extra:
        beside = [*sorted(required), *(f"optional {k}" for k in sorted(optional))]
        takes = f"the two quantiles and {', '.join(beside)}" if beside else "only the two quantiles"
        raise DistributionError(f"a {name} quantile form takes {takes}, not {', '.join(extra)}", extra[0])
    p = {k: _number(table, k) for k in table if k in other}
    p.update((key, x) if key != RANGE_KEY else (f"p{round(100 * pr):02d}", x) for key, pr, x in pair)
    return name, p, _from_quantiles(name, pair[0], pair[1], p, table)


def _allowed(name: str, quantiles: bool = True) -> str:
    """The forms of ``name`` in words: ``low, high | two quantiles such as p05, p95`` (without ``quantiles``,
    the quantile form is left out)."""
    allowed = " | ".join(
        ", ".join(sorted(req)) + ("" if not opt else " (optional " + ", ".join(sorted(opt)) + ")")
        for req, opt in _FORMS[name]
    )
    return allowed + f" | {_quantile_words(name)}" if quantiles and name in _QUANTILE_FORMS else allowed


def _quantile_words(name: str) -> str:
    return ("mode and " if _QUANTILE_FORMS[name][0] else "") + "two quantiles such as p05, p95"


def _choose_form(name: str, given: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    forms = _FORMS[name]
    for required, optional in forms:
        if required <= given and given <= required | optional:
            return required, optional
    allowed = _allowed(name)
    extra = sorted(given - set().union(*(r | o for r, o in forms)))
    best = max(forms, key=lambda f: len(f[0] & given))
    missing = sorted(best[0] - given)
    if extra:
        return_msg = f"{name} does not take {', '.join(extra)}; it takes {allowed}"
        raise DistributionError(return_msg, extra[0])
    if missing:
        alternative = f"; or {_quantile_words(name)}" if name in _QUANTILE_FORMS else ""
        raise DistributionError(f"{name} needs {', '.join(missing)} (forms: {_allowed(name, False)}){alternative}",
                                missing[0])
    raise DistributionError(f"{name} takes one of: {allowed}; got {', '.join(sorted(given))}")


def solve(table: Mapping[str, Any]) -> tuple[str, dict[str, float], float, Any]:
    """The form, its numbers, the base value and the frozen scipy distribution (None if fixed) of a table.

    Raises
    ------
    DistributionError
        Naming the offending key in ``.field``.  Solvers may still raise an
        ``ArithmeticError`` or ``ValueError`` at extreme numbers (the caller converts them).
    """
    name = family(table)
    if name == "fixed" and table.get("dist") is None:
        if "value" not in table:
            raise DistributionError(
                f"needs a dist (one of {', '.join(DIST_NAMES)}) or a value", "dist"
            )
    if not isinstance(name, str) or name not in _FORMS:
        close = difflib.get_close_matches(str(name), DIST_NAMES, n=1)
        did = f" (did you mean {close[0]!r}?)" if close else ""
        raise DistributionError(f"unknown distribution {shown(name)}{did}; allowed: {', '.join(DIST_NAMES)}", "dist")

    given = {k for k in table if k not in META_KEYS}
    for k in sorted(given):  # a near miss of a quantile key (p5, p2.5): the did-you-mean
        problem = unknown_key(k, table[k])
        if problem is not None and looks_like_quantile(k):
            raise DistributionError(problem, k)
    quantile_form = _quantile_form(name, table, given)
    if quantile_form is not None:
        return _finish(*quantile_form, table)

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
        lam = p.get("lambda", 4.0)
        if lam <= 0:
            raise DistributionError(f"must be > 0, got {short_number(lam)}", "lambda")
        rv = _mode_form(name, p["low"], p["mode"], p["high"], lam)
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


def _mode_form(name: str, low: float, mode: float, high: float, lam: float) -> Any:
    """The triangular, or the PERT with weight ``lam`` on its mode, on [low, high]."""
    width = high - low
    if name == "triangular":
        return stats.triang(c=(mode - low) / width, loc=low, scale=width)
    a = 1 + lam * (mode - low) / width
    b = 1 + lam * (high - mode) / width
    return stats.beta(a=a, b=b, loc=low, scale=width)


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
