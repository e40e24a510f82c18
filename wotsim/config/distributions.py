"""Parameter distributions: a config table -> one frozen scipy.stats distribution.

Each uncertain parameter maps to exactly one frozen ``scipy.stats`` distribution;
designs on the unit hypercube are mapped through its ``ppf``.  Every form is
converted in closed form except the gamma two-quantile form (a 1-D root find).

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

Every number must be finite and of magnitude <= 2**53.  Numbers that pass one by
one can still make an unusable distribution together (a beta with mean and sd on
a range of 1e-300, lognormal quantiles whose median passes float range, a
truncnormal whose [low, high] lies 1e300 sds from its mean): :func:`make_distribution`
raises only :class:`DistributionError`, never an ``OverflowError`` or
``ZeroDivisionError`` from a solver, and accepts a distribution only if its base,
its mean and its quantiles at ``2**-53``, 0.5 and ``1 - 2**-53`` (the extremes a
design can draw) are finite and lie in its support.

Built once per specification: :func:`make_distribution` keeps the last
``CACHE_SIZE`` distributions it built, keyed by the form, the numbers (with their
types, in table order) and ``base``; metadata keys do not count.  A config and
its scenario overlays, which repeat most parameter tables, share one
:class:`Distribution` (and its inverse-CDF table) per distinct table: freezing a
scipy distribution costs about 1 ms.

Inverse CDFs: exact or tabulated
--------------------------------
scipy's beta (hence PERT), gamma and truncated-normal ppfs cost 0.2 to 2.5 µs a
value; a verified table (:mod:`wotsim._fastppf`) costs 40 to 100 ns a value but
2.5 to 25 ms to build.  Measured on a 2-core machine (``benchmarks/bench_start.py``
prints the build and per-value times): PERT, as parameters of the Schiedam
config in one fresh process, builds in 23 to 28 ms against 2.3 µs a value
exact and 55 ns tabulated, a break-even near 11,000 values (6,000 to 10,000 when
warm); gamma 12,000 to 14,000; truncnormal 15,000 to 45,000.
:meth:`Distribution.ppf` therefore uses the table when the caller maps at least
``TABLE_MIN_VALUES`` = 2**13 values of the distribution in all, and scipy's
exact ppf below.  The threshold is a power of two so that Sobol' base samples
of 2**13 (the report's default) use the tables a preceding Monte Carlo built;
being a factor of two off the break-even costs at most one table build per
parameter.  The choice depends only on that total (a simulation's samples,
whatever its chunk size) and on the distribution, never on what an earlier run
left in the cache, so a seed and a sample count give the same numbers in any
process.  Exact and tabulated values differ by at most 1e-10 of the support.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from scipy import optimize, stats

from ..config import fastppf as _fastppf
from ..config.expressions import shown

__all__ = ["DIST_NAMES", "META_KEYS", "Distribution", "DistributionError", "make_distribution"]

#: Keys any parameter table may carry besides its distribution's own.
META_KEYS = frozenset({"dist", "base", "unit", "group", "evidence", "source", "label", "description"})

#: Evidence tags a parameter may carry.
EVIDENCE = ("sourced", "derived", "assumed", "calibrated")

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
#: Forms whose scipy ppf is slow enough to tabulate.
_TABULATED = frozenset({"beta", "pert", "gamma", "truncnormal"})
#: Values mapped in all from which a tabulated form uses its table (see the module docstring); set it to 0 to
#: force the table (benchmarks/bench_start.py compares the two paths).
TABLE_MIN_VALUES = 2**13
#: Distributions :func:`make_distribution` keeps (each with its table once built, about 130 KB).
CACHE_SIZE = 512


class DistributionError(ValueError):
    """A parameter table breaks a rule; ``field`` is the offending key (or None)."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution.

    Attributes
    ----------
    name : str
        The form (``"pert"``, ``"normal"``, ...).
    params : dict
        The numbers as given in the config.
    base : float
        The value used in the deterministic base case.
    rv : scipy.stats frozen distribution or None
        None for ``fixed``.
    """

    name: str
    params: Mapping[str, float]
    base: float
    rv: Any = field(default=None, repr=False, compare=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def fixed(self) -> bool:
        return self.rv is None

    @property
    def integer(self) -> bool:
        return self.name == "integer"

    def ppf(self, u: np.ndarray, *, n: int | None = None) -> np.ndarray:
        """Map uniforms in (0, 1) to values (inverse CDF).

        Parameters
        ----------
        u : array_like
            Uniforms in (0, 1), any shape.
        n : int, optional
            How many values of this distribution the caller maps in all (a
            simulation's samples, over all its chunks); default ``u.size``.  For
            beta, pert, gamma and truncnormal, from ``TABLE_MIN_VALUES`` on a
            verified table matching scipy's ppf to 1e-10 of the support's scale is
            used (:mod:`wotsim._fastppf`; built once per distribution), below it
            scipy's exact ppf.  Pass the same ``n`` for every chunk of a run so
            that its numbers do not depend on the chunk size.
        """
        if self.rv is None:
            return np.full(np.shape(u), self.base)
        if self.name in _TABULATED and (np.size(u) if n is None else n) >= TABLE_MIN_VALUES:
            table = self._table()
            if table is not None:
                return table(u)
        return self.rv.ppf(u)

    def _table(self) -> _fastppf.PpfTable | None:
        """The verified inverse-CDF table, built on first use (None when scipy's ppf must be kept)."""
        if "table" not in self._cache:
            self._cache["table"] = _fastppf.build(self.rv)
        return self._cache["table"]

    def cdf(self, x: Any) -> np.ndarray:
        """Cumulative probability of ``x`` (1 at and above a fixed value)."""
        if self.rv is None:
            return np.where(np.asarray(x) >= self.base, 1.0, 0.0)
        return self.rv.cdf(x)

    def support(self) -> tuple[float, float]:
        if self.rv is None:
            return (self.base, self.base)
        lo, hi = self.rv.support()
        return (float(lo), float(hi))

    def quantile(self, q: float) -> float:
        return float(self.ppf(np.asarray(q)))

    def mean(self) -> float:
        return self.base if self.rv is None else float(self.rv.mean())

    def std(self) -> float:
        return 0.0 if self.rv is None else float(self.rv.std())

    def describe(self) -> str:
        """Short text such as ``pert(low=65000, mode=72000, high=85000)``."""
        if self.rv is None:
            return f"{_fmt(self.base)} (fixed)"
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return f"{self.name}({inner})"


def _fmt(x: float) -> str:
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
        raise DistributionError(f"must be > 0, got {_fmt(p[key])}", key)
    return p[key]


def _ordered(p: Mapping[str, float], low: str, high: str) -> None:
    if not p[low] < p[high]:
        raise DistributionError(f"must be > {low} ({_fmt(p[low])}), got {_fmt(p[high])}", high)


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
        raise DistributionError(f"must be > {keys[0]} ({_fmt(values[0])}), got {_fmt(values[1])}", keys[1])
    return (probs[0], values[0]), (probs[1], values[1])


def _from_quantiles(name: str, q_lo: tuple[float, float], q_hi: tuple[float, float], key_hi: str) -> Any:
    (p1, x1), (p2, x2) = q_lo, q_hi
    z1, z2 = stats.norm.ppf(p1), stats.norm.ppf(p2)
    if name == "normal":
        sd = (x2 - x1) / (z2 - z1)
        return stats.norm(loc=x1 - z1 * sd, scale=sd)
    if x1 <= 0:
        raise DistributionError(f"quantiles of a {name} must be > 0, got {_fmt(x1)}", key_hi)
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
            f"no gamma distribution has these two quantiles ({_fmt(x1)}, {_fmt(x2)})", key_hi
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


#: The extreme quantiles a design can draw (:mod:`wotsim._fastppf` clips uniforms to them).
_EXTREMES = (2.0**-53, 0.5, 1.0 - 2.0**-53)
_EXTREME_WORDS = ("2**-53 quantile (the lowest a design draws)", "median",
                  "1 - 2**-53 quantile (the highest a design draws)")


def make_distribution(table: Mapping[str, Any]) -> Distribution:
    """Build a parameter's distribution from its config table.

    Parameters
    ----------
    table : mapping
        The parameter table (``dist`` and its numbers; metadata keys are ignored).

    Returns
    -------
    Distribution

    Raises
    ------
    DistributionError
        Naming the offending key in ``.field`` (None when the numbers together, not
        one of them, give no usable distribution).  Nothing else: a solver's
        ``OverflowError``, ``ZeroDivisionError`` or ``RecursionError`` becomes one.

    Notes
    -----
    The same specification returns the same (immutable) object, from a cache of
    the last ``CACHE_SIZE`` (see the module docstring); a table holding anything
    but strings and numbers of magnitude <= 2**63 is built every time.
    """
    key = _spec_key(table)
    return _build(table) if key is None else _cached(key)


def _spec_key(table: Mapping[str, Any]) -> tuple | None:
    """What a distribution depends on (form, numbers in order, base) as a hashable key; None if not cacheable.

    Types are part of the key (``True == 1``, but only 1 is a number here), and so is
    the sign of a zero.
    """
    key = []
    for k, v in table.items():
        if k in META_KEYS and k not in ("dist", "base"):
            continue
        kind = type(v)
        if kind is float:
            key.append((k, kind, v, math.copysign(1.0, v)))
        elif kind is str or (kind is int and abs(v) <= 2**63):
            key.append((k, kind, v, 0.0))
        else:
            return None
    return tuple(key)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached(key: tuple) -> Distribution:
    return _build({k: v for k, _, v, _ in key})


def _build(table: Mapping[str, Any]) -> Distribution:
    with np.errstate(all="ignore"):  # hostile numbers make scipy warn; the checks below decide
        try:
            dist = _make(table)
            _check_usable(dist)
        except DistributionError:
            raise
        except (ArithmeticError, ValueError, RecursionError) as exc:
            raise DistributionError(_unusable(table, _reason(exc))) from None
    return dist


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OverflowError):
        return "a number in its solution passes float range (about 1.8e308)"
    if isinstance(exc, ZeroDivisionError):
        return "a number in its solution underflows to 0"
    if isinstance(exc, RecursionError):
        return "scipy's solver for it does not terminate"
    return f"scipy refuses it: {shown(str(exc))}"


def _unusable(table: Mapping[str, Any], reason: str) -> str:
    numbers = ", ".join(f"{k}={_fmt(v)}" for k, v in table.items()
                        if k not in META_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool))
    return (f"these numbers give no usable {table.get('dist')} distribution ({reason}); use numbers of "
            f"ordinary size and spread, got {numbers}")


def _check_usable(dist: Distribution) -> None:
    """Extreme quantiles, median, mean and base finite and in the support, or a :class:`DistributionError`.

    scipy's solvers fail quietly at extreme numbers (a truncnormal with sd 1e15 on
    [0, 1] puts its quantiles outside [0, 1]; one 1e6 sds from its bounds has a mean of
    -102 on [0, 1]): what fails here would fail in every run.
    """
    if dist.rv is None:
        return
    lo, hi = (float(v) for v in dist.rv.support())
    x = np.asarray(dist.rv.ppf(np.asarray(_EXTREMES)), dtype=float)
    checks = list(zip(_EXTREME_WORDS, x)) + [("mean", float(dist.rv.mean())), ("base value", dist.base)]
    ends = [abs(v) for v in (lo, hi, *x) if math.isfinite(v)]
    tol = 1e-9 * max(ends + [hi - lo if math.isfinite(hi - lo) else 0.0, 1e-300])
    for words, value in checks:
        if not math.isfinite(value):
            raise DistributionError(_unusable(dist.params | {"dist": dist.name}, f"its {words} is {value:g}"))
        if not lo - tol <= value <= hi + tol:
            raise DistributionError(_unusable(dist.params | {"dist": dist.name}, (
                f"scipy puts its {words} at {value:.6g}, outside its support [{lo:.6g}, {hi:.6g}]")))


def _make(table: Mapping[str, Any]) -> Distribution:
    name = table.get("dist")
    if name is None:
        name = "fixed"
        if "value" not in table:
            raise DistributionError(
                f"needs a dist (one of {', '.join(DIST_NAMES)}) or a value", "dist"
            )
    if not isinstance(name, str) or name not in _FORMS:
        import difflib

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
                raise DistributionError(f"must be > 1 (a geometric sd), got {_fmt(p['gsd'])}", "gsd")
            rv = stats.lognorm(s=math.log(p["gsd"]), scale=p["median"])
        else:
            _positive(p, "mean")
            _positive(p, "sd")
            sigma2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            rv = stats.lognorm(s=math.sqrt(sigma2), scale=p["mean"] * math.exp(-sigma2 / 2))
    elif name == "beta":
        low, high = p.get("low", 0.0), p.get("high", 1.0)
        if not low < high:
            raise DistributionError(f"must be > low ({_fmt(low)}), got {_fmt(high)}", "high")
        if "alpha" in p:
            _positive(p, "alpha")
            _positive(p, "beta")
            a, b = p["alpha"], p["beta"]
        else:
            _positive(p, "sd")
            m = (p["mean"] - low) / (high - low)
            if not 0 < m < 1:
                raise DistributionError(
                    f"must lie strictly between low ({_fmt(low)}) and high ({_fmt(high)}), got {_fmt(p['mean'])}",
                    "mean",
                )
            vmax = m * (1 - m)
            sd_max = math.sqrt(vmax) * (high - low)
            # compare sd before squaring sd / (high - low), which overflows on a range of 1e-300
            v = (p["sd"] / (high - low)) ** 2 if p["sd"] < sd_max else math.inf
            k = vmax / v - 1 if v > 0 else math.inf  # a tiny sd squares to 0
            if not k > 0:
                raise DistributionError(
                    f"must be < {_fmt(sd_max)} for a beta with this mean, got {_fmt(p['sd'])}", "sd"
                )
            a, b = m * k, (1 - m) * k
            if not (math.isfinite(a) and math.isfinite(b)):
                raise DistributionError(
                    f"is too small for a beta on [{_fmt(low)}, {_fmt(high)}] with mean {_fmt(p['mean'])}: its shape "
                    f"parameters alpha and beta would pass float range; got {_fmt(p['sd'])}", "sd")
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
                f"must lie in [low, high] = [{_fmt(p['low'])}, {_fmt(p['high'])}], got {_fmt(p['mode'])}", "mode"
            )
        width = p["high"] - p["low"]
        if name == "triangular":
            rv = stats.triang(c=(p["mode"] - p["low"]) / width, loc=p["low"], scale=width)
        else:
            lam = p.get("lambda", 4.0)
            if lam <= 0:
                raise DistributionError(f"must be > 0, got {_fmt(lam)}", "lambda")
            a = 1 + lam * (p["mode"] - p["low"]) / width
            b = 1 + lam * (p["high"] - p["mode"]) / width
            rv = stats.beta(a=a, b=b, loc=p["low"], scale=width)
    elif name == "integer":
        for key in ("low", "high"):
            if p[key] != int(p[key]):
                raise DistributionError(f"must be a whole number, got {_fmt(p[key])}", key)
        if not p["low"] < p["high"]:
            raise DistributionError(f"must be > low ({_fmt(p['low'])}), got {_fmt(p['high'])}", "high")
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


def _finish(name: str, p: Mapping[str, float], rv: Any, table: Mapping[str, Any]) -> Distribution:
    base = _default_base(name, p, rv)
    if "base" in table:
        base = _number(table, "base")
        if rv is not None:
            lo, hi = rv.support()
            if not lo <= base <= hi:
                raise DistributionError(
                    f"must lie in the support [{_fmt(lo)}, {_fmt(hi)}] of the {name} distribution, got {_fmt(base)}",
                    "base",
                )
        elif base != p["value"]:
            raise DistributionError(f"a fixed parameter's base must equal its value ({_fmt(p['value'])})", "base")
    if name == "integer" and base != int(base):
        raise DistributionError(f"must be a whole number for an integer parameter, got {_fmt(base)}", "base")
    return Distribution(name=name, params=dict(p), base=float(base), rv=rv)
