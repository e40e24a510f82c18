"""Parameter distributions: a config table -> one frozen scipy.stats distribution, built once.

Each uncertain parameter maps to exactly one frozen ``scipy.stats`` distribution;
designs on the unit hypercube are mapped through its ``ppf``.  The forms a table
can take (uniform, normal, pert, ...), and the rules of their numbers, are in
:mod:`wotsim.config.forms`.

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
value; a verified table (:mod:`wotsim.config.fastppf`) costs 40 to 100 ns a value but
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
process.  Exact and tabulated values differ by at most 1e-10 of the support.  A run builds the
tables it will use before its first chunk (:func:`prepare_tables`; a comparison, those of the base
and every scenario at once), in forked worker processes where there are CPUs: the same tables.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from .._fork import fork_pool, fork_workers
from . import fastppf as _fastppf
from .expressions import shown
from .forms import DIST_NAMES, META_KEYS, DistributionError, family, short_number, solve

__all__ = ["DIST_NAMES", "EVIDENCE", "META_KEYS", "Distribution", "DistributionError", 
           "make_distribution", "prepare_tables"]

#: Evidence tags a parameter may carry.
EVIDENCE = ("sourced", "derived", "assumed", "calibrated")

#: Forms whose scipy ppf is slow enough to tabulate.
_TABULATED = frozenset({"beta", "pert", "gamma", "truncnormal"})
#: Values mapped in all from which a tabulated form uses its table (see the module docstring); set it to 0 to
#: force the table (benchmarks/bench_start.py compares the two paths).
TABLE_MIN_VALUES = 2**13
#: Distributions :func:`make_distribution` keeps (each with its table once built, about 130 KB).
CACHE_SIZE = 512


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution.

    Attributes
    ----------
    name : str
        The form (``"pert"``, ``"normal"``, ...).
    params : dict
        The numbers as given in the config (``range90 = [a, b]`` as ``p05 = a``, ``p95 = b``; the
        config's ``raw`` keeps the keys as written).
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
            used (:mod:`wotsim.config.fastppf`; built once per distribution), below it
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

    def needs_table(self, total: int) -> bool:
        """Whether mapping ``total`` values in all uses a table not built yet (:func:`prepare_tables`)."""
        return self.name in _TABULATED and total >= TABLE_MIN_VALUES and "table" not in self._cache

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
            return f"{short_number(self.base)} (fixed)"
        inner = ", ".join(f"{k}={short_number(v)}" for k, v in self.params.items())
        return f"{self.name}({inner})"


#: Fewest tables :func:`prepare_tables` builds in forked worker processes (below, starting them does not pay).
PARALLEL_MIN_TABLES = 8
#: The distributions whose tables forked workers of :func:`prepare_tables` build (set before they fork).
_PENDING: tuple = ()


def _build_parts(i: int) -> dict | None:
    table = _fastppf.build(_PENDING[i].rv)
    return None if table is None else {k: v for k, v in vars(table).items() if k != "rv"}


def prepare_tables(distributions: Iterable[Distribution], total: int, *, processes: int | None = None) -> None:
    """Build now the inverse-CDF tables that mapping ``total`` values of each distribution will use.

    A run that maps its parameters chunk by chunk builds each table on first use, one after the
    other (2.5 to 25 ms each: about half a second for a config and its scenarios); built here,
    they are built in forked worker processes (:func:`fork_workers`, at least
    :data:`PARALLEL_MIN_TABLES` tables; else here, one by one), by the same function, so each table
    is the one first use would build.  ``processes`` overrides the number of workers.
    """
    global _PENDING
    todo = list({id(d): d for d in distributions if d.needs_table(total)}.values())
    workers = fork_workers(len(todo), processes) if len(todo) >= PARALLEL_MIN_TABLES else 1
    _PENDING = tuple(todo)
    try:
        with fork_pool(workers) as pool:
            parts = (pool.map(_build_parts, range(len(todo)), chunksize=1) if pool is not None
                     else [_build_parts(i) for i in range(len(todo))])
    finally:
        _PENDING = ()
    for d, part in zip(todo, parts):
        d._cache["table"] = None if part is None else _fastppf.PpfTable(rv=d.rv, **part)


#: The extreme quantiles a design can draw (:mod:`wotsim.config.fastppf` clips uniforms to them).
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
    the sign of a zero; a list (``range90``) is keyed by its items, each so.
    """
    key = []
    for k, v in table.items():
        if k in META_KEYS and k not in ("dist", "base"):
            continue
        if type(v) is list:
            items = tuple(_value_key(x) for x in v)
            if None in items:
                return None
            key.append((k, list, items, 0.0))
            continue
        item = _value_key(v)
        if item is None:
            return None
        key.append((k, *item))
    return tuple(key)


def _value_key(v: Any) -> tuple | None:
    """``(type, value, sign of a zero)`` of a string or a number a cache key can hold; None otherwise."""
    kind = type(v)
    if kind is float:
        return (kind, v, math.copysign(1.0, v))
    if kind is str or (kind is int and abs(v) <= 2**63):
        return (kind, v, 0.0)
    return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached(key: tuple) -> Distribution:
    return _build({k: [x for _, x, _ in v] if kind is list else v for k, kind, v, _ in key})


def _build(table: Mapping[str, Any]) -> Distribution:
    with np.errstate(all="ignore"):  # hostile numbers make scipy warn; the checks below decide
        try:
            dist = _make(table)
            _check_usable(dist, table)
        except DistributionError:
            raise
        except (ArithmeticError, ValueError, RecursionError) as exc:
            raise DistributionError(_unusable(table, _reason(exc))) from None
    return dist


def _make(table: Mapping[str, Any]) -> Distribution:
    """The distribution of a table, its numbers checked one by one (:func:`wotsim.config.forms.solve`)."""
    name, params, base, rv = solve(table)
    return Distribution(name=name, params=params, base=base, rv=rv)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OverflowError):
        return "a number in its solution passes float range (about 1.8e308)"
    if isinstance(exc, ZeroDivisionError):
        return "a number in its solution underflows to 0"
    if isinstance(exc, RecursionError):
        return "scipy's solver for it does not terminate"
    return f"scipy refuses it: {shown(str(exc))}"


def _unusable(table: Mapping[str, Any], reason: str) -> str:
    numbers = ", ".join(f"{k}={_numbers(v)}" for k, v in table.items()
                        if k not in META_KEYS and _numbers(v))
    return (f"these numbers give no usable {family(table)} distribution ({reason}); use numbers of "
            f"ordinary size and spread, got {numbers}")


def _numbers(v: Any) -> str:
    """A number (``1.5``) or a list of numbers (``[1, 3]``) for a message; "" for anything else."""
    if isinstance(v, list):
        items = [_numbers(x) for x in v]
        return f"[{', '.join(items)}]" if all(items) else ""
    return short_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else ""


def _check_usable(dist: Distribution, table: Mapping[str, Any]) -> None:
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
            raise DistributionError(_unusable(table, f"its {words} is {value:g}"))
        if not lo - tol <= value <= hi + tol:
            raise DistributionError(_unusable(table, (
                f"scipy puts its {words} at {value:.6g}, outside its support [{lo:.6g}, {hi:.6g}]")))
