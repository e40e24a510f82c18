"""One-way sensitivity: tornado data and switching values.

Each uncertain parameter in turn is moved while every other parameter stays at
its base value (correlations are ignored: a one-way analysis has no joint
distribution).  Two questions are answered per parameter:

* **tornado**: the output with the parameter at its ``low`` and ``high``
  percentile (default 5th and 95th, from the parameter's own distribution);
* **switching value**: the parameter value at which the base-case output
  crosses its decision threshold (ratio 1, NPV 0), and where that value sits in
  the parameter's distribution.

All tornado variants are evaluated in one vectorised call of
:func:`wotsim.model.evaluate`; a switching value takes a grid scan plus one
bracketed root search (:func:`scipy.optimize.brentq`) per parameter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._fork import fork_pool, fork_workers
from ..config.schema import Config, Parameter
from ..errors import WotsimError
from ..model import base_values, check_output, evaluate, output_array
from ..results.frames import output_label, output_unit, table

__all__ = ["OneWayResult", "SwitchingValue", "TornadoBar", "one_way", "one_ways", "oneway_frame", "switching_value"]

#: Quantiles that bound the switching-value search of a parameter with an unbounded support.
UNBOUNDED_RANGE = (0.001, 0.999)
#: Points of the grid scanned for sign changes before the root search (plus the base value).
GRID_POINTS = 257
#: Integer parameters with more whole values than this are scanned between the UNBOUNDED_RANGE quantiles.
MAX_INTEGER_SCAN = 100_000
#: Relative tolerance of the root search (of the width of the searched range).
XTOL_REL = 1e-12


@dataclass(frozen=True)
class TornadoBar:
    """One bar of a tornado diagram.

    Attributes
    ----------
    parameter : str
    label : str
        The parameter's label, or its name when it has none.
    low_input, high_input : float
        The parameter at its low / high percentile.
    low_output, high_output : float
        The output with the parameter there and every other parameter at base.
    swing : float
        ``|high_output - low_output|``.
    """

    parameter: str
    label: str
    low_input: float
    high_input: float
    low_output: float
    high_output: float
    swing: float


@dataclass(frozen=True)
class SwitchingValue:
    """Where one parameter, all others at base, moves the output across its threshold.

    Attributes
    ----------
    parameter : str
    value : float or None
        The parameter value at which the output crosses its threshold (ratio 1,
        NPV 0); for an integer parameter the first whole value on the other side.
        None if the output does not cross within the searched range.
    percentile : float or None
        ``100 * cdf(value)`` in the parameter's distribution; None without a crossing.
    note : str
        How to read it, e.g. ``"output > 1 above this value"`` or
        ``"does not cross within its range"``.
    """

    parameter: str
    value: float | None
    percentile: float | None
    note: str


@dataclass(frozen=True)
class OneWayResult:
    """Tornado data and switching values of one output.

    Attributes
    ----------
    output, measure : str
        The output and its measure (``"ratio"``, ``"npv"`` or ``"amount"``).
    base : float
        The output in the base case.
    threshold : float
        1 for a ratio, 0 for an NPV, NaN for an amount (benefits, costs), which
        has no switching values.
    low_percentile, high_percentile : float
    bars : tuple of TornadoBar
        Uncertain parameters only, sorted by swing, largest first (ties keep config order).
    switching : tuple of SwitchingValue
        In the same order as ``bars``.
    """

    output: str
    measure: str
    base: float
    threshold: float
    low_percentile: float
    high_percentile: float
    bars: tuple[TornadoBar, ...]
    switching: tuple[SwitchingValue, ...]

    def to_frame(self, config: Config | None = None):
        """The tornado and the switching values as a :class:`pandas.DataFrame` (:func:`oneway_frame`);
        ``config`` gives the parameters' units and the output's label."""
        return oneway_frame([self], config)


def oneway_frame(results: Sequence[OneWayResult], config: Config | None = None):
    """One row per (output, parameter), the bars' order (largest swing first): ``output``, ``output_label``,
    ``measure``, ``output_unit``, ``rank``, ``parameter``, ``label``, ``unit`` (the parameter's),
    ``low_percentile``, ``high_percentile``, ``low_input``, ``high_input`` (the parameter there),
    ``base_output``, ``low_output``, ``high_output``, ``swing``, ``threshold``, ``switching_value``,
    ``switching_percentile`` (empty without a crossing) and ``switching_note``.  ``config`` (optional)
    gives the units and the outputs' labels."""
    rows = []
    for r in results:
        for rank, (bar, sw) in enumerate(zip(r.bars, r.switching), start=1):
            p = config.parameters.get(bar.parameter) if config is not None else None
            rows.append({"output": r.output, "output_label": output_label(config, r.output),
                         "measure": r.measure, "output_unit": output_unit(config, r.output),
                         "rank": rank, "parameter": bar.parameter, "label": bar.label, "unit": p.unit if p else "",
                         "low_percentile": r.low_percentile, "high_percentile": r.high_percentile,
                         "low_input": bar.low_input, "high_input": bar.high_input, "base_output": r.base,
                         "low_output": bar.low_output, "high_output": bar.high_output, "swing": bar.swing,
                         "threshold": r.threshold, "switching_value": sw.value,
                         "switching_percentile": sw.percentile, "switching_note": sw.note})
    columns = [("output", "Output (id)", ""), ("output_label", "Output", ""), ("measure", "Measure of the output", ""),
               ("output_unit", "Unit of the output (empty for a ratio)", ""),
               ("rank", "Rank by swing (1 = largest)", ""), ("parameter", "Parameter (id)", ""),
               ("label", "Parameter", ""), ("unit", "Unit of the parameter", ""),
               ("low_percentile", "Low percentile of the tornado", ""),
               ("high_percentile", "High percentile of the tornado", ""),
               ("low_input", "Parameter at its low percentile", ""),
               ("high_input", "Parameter at its high percentile", ""),
               ("base_output", "Output at base", ""), ("low_output", "Output with the parameter low", ""),
               ("high_output", "Output with the parameter high", ""), ("swing", "Swing |high - low|", ""),
               ("threshold", "Decision threshold (1 ratio, 0 NPV; empty for an amount)", ""),
               ("switching_value", "Switching value: where the output crosses the threshold", ""),
               ("switching_percentile", "Percentile of the switching value in the parameter's distribution", ""),
               ("switching_note", "How to read the switching value", "")]
    return table("oneway", columns, rows, description="one-way sensitivity: tornado (each parameter at its low "
                 "and high percentile, every other at base) and switching values")


def threshold_of(measure: str) -> float:
    """The decision threshold of a measure: 1 for a ratio, 0 for an NPV, NaN for an amount."""
    return {"ratio": 1.0, "npv": 0.0}.get(measure, math.nan)


def _label(p: Parameter) -> str:
    return p.label or p.name


def _outputs_with(config: Config, output: str, name: str, x: np.ndarray) -> np.ndarray:
    """The output with parameter ``name`` at each value of ``x`` (shape (m,)), all others at base."""
    x = np.asarray(x, dtype=float).reshape(-1)
    values: dict[str, np.ndarray | float] = dict(base_values(config))
    values[name] = x
    arrays = evaluate(config, values, x.size)
    return output_array(config, arrays.item_pv, output)


def one_way(config: Config, *, output: str, low: float = 5.0, high: float = 95.0) -> OneWayResult:
    """Tornado data and switching values for one output.

    Parameters
    ----------
    config : Config
    output : str
        Any output name of :func:`wotsim.model.output_names` (config outputs,
        ``npv``, ``benefits``, ``costs``, ``net:<stakeholder>``).
    low, high : float
        Percentiles (0 < low < high < 100) at which each parameter is set for
        the tornado. Integer parameters take whole values (their quantiles).

    Returns
    -------
    OneWayResult

    Raises
    ------
    WotsimError
        For an unknown output or percentiles out of order.

    Notes
    -----
    Every other parameter stays at its base value; rank correlations between
    parameters are not applied.  Switching values are searched over each
    parameter's support (between its 0.1% and 99.9% quantiles where the support
    is unbounded); see :func:`switching_value`.
    """
    measure = check_output(config, output)
    for key, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 100:
            raise WotsimError(f"{key} percentile must be a number strictly between 0 and 100, got {value!r}")
    if not low < high:
        raise WotsimError(f"low percentile must be < high percentile, got low={low:g}, high={high:g}")

    threshold = threshold_of(measure)
    names = config.uncertain
    d = len(names)
    base = base_values(config)

    # One evaluation: row 0 the base case, rows 1 + 2j and 2 + 2j parameter j at low and high.
    values: dict[str, np.ndarray | float] = {k: np.full(2 * d + 1, v) for k, v in base.items()}
    inputs = np.empty((d, 2))
    for j, name in enumerate(names):
        dist = config.parameters[name].dist
        inputs[j] = dist.quantile(low / 100.0), dist.quantile(high / 100.0)
        values[name][1 + 2 * j] = inputs[j, 0]
        values[name][2 + 2 * j] = inputs[j, 1]
    arrays = evaluate(config, values, 2 * d + 1)
    y = output_array(config, arrays.item_pv, output)
    base_output = float(y[0])

    bars = []
    for j, name in enumerate(names):
        lo_out, hi_out = float(y[1 + 2 * j]), float(y[2 + 2 * j])
        bars.append(TornadoBar(
            parameter=name,
            label=_label(config.parameters[name]),
            low_input=float(inputs[j, 0]),
            high_input=float(inputs[j, 1]),
            low_output=lo_out,
            high_output=hi_out,
            swing=abs(hi_out - lo_out),
        ))
    # Largest swing first; NaN swings (undefined ratios) last; ties keep config order.
    order = sorted(range(d), key=lambda j: (math.isnan(bars[j].swing), -np.nan_to_num(bars[j].swing)))
    bars = [bars[j] for j in order]
    switching = [switching_value(config, b.parameter, output=output) for b in bars]
    return OneWayResult(
        output=output,
        measure=measure,
        base=base_output,
        threshold=threshold,
        low_percentile=float(low),
        high_percentile=float(high),
        bars=tuple(bars),
        switching=tuple(switching),
    )


def one_ways(jobs: Sequence[tuple[Config, str]]) -> list[OneWayResult]:
    """:func:`one_way` of each (config, output) in ``jobs``, in order: in forked worker processes when there
    are several (:func:`wotsim._fork.fork_workers`; the same results as one by one).  A report runs the base's
    outputs and each scenario's main output at once: their switching values are many scalar searches."""
    global _JOBS
    _JOBS = tuple(jobs)
    try:
        with fork_pool(fork_workers(len(_JOBS)) if len(_JOBS) >= 2 else 1) as pool:
            indices = range(len(_JOBS))
            return list(map(_one_way_job, indices)) if pool is None else pool.map(_one_way_job, indices, chunksize=1)
    finally:
        _JOBS = ()


#: What :func:`_one_way_job` reads (set by :func:`one_ways`, inherited by forked workers).
_JOBS: tuple = ()


def _one_way_job(i: int) -> OneWayResult:
    config, output = _JOBS[i]
    return one_way(config, output=output)


def _search_range(p: Parameter) -> tuple[float, float, bool]:
    """(a, b, truncated): the searched interval and whether an unbounded end was cut at a quantile."""
    lo, hi = p.dist.support()
    truncated = False
    if not math.isfinite(lo):
        lo, truncated = p.dist.quantile(UNBOUNDED_RANGE[0]), True
    if not math.isfinite(hi):
        hi, truncated = p.dist.quantile(UNBOUNDED_RANGE[1]), True
    return float(lo), float(hi), truncated


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def switching_value(config: Config, parameter: str, *, output: str) -> SwitchingValue:
    """The value of one parameter (all others at base) at which the output crosses its threshold.

    Parameters
    ----------
    config : Config
    parameter : str
        An uncertain parameter.
    output : str
        A ratio (threshold 1) or NPV (threshold 0) output.

    Returns
    -------
    SwitchingValue

    Notes
    -----
    Continuous parameters: ``g(x) = output(x) - threshold`` is scanned on a grid of
    :data:`GRID_POINTS` equally spaced values over the support plus the base
    value; each sign change is refined by :func:`scipy.optimize.brentq` to
    ``XTOL_REL`` of the range.  With several crossings the one nearest the base
    value is reported (the note says how many were found).  Two crossings closer
    together than one grid step can be missed.  Unbounded supports are searched
    between the 0.1% and 99.9% quantiles.

    Integer parameters: every whole value of the support is evaluated; the
    switching value is the whole value nearest the base on the other side of the
    threshold (``output > threshold`` differs from the base case; the lower one on
    a tie).
    """
    measure = check_output(config, output)
    if parameter not in config.parameters:
        raise WotsimError(f"unknown parameter {parameter!r}; known parameters: {', '.join(config.parameters)}")
    p = config.parameters[parameter]
    if p.dist.fixed:
        raise WotsimError(f"parameter {parameter!r} is fixed; switching values need an uncertain parameter")
    threshold = threshold_of(measure)
    if math.isnan(threshold):
        return SwitchingValue(parameter, None, None, f"no threshold for an amount output ({output})")

    a, b, truncated = _search_range(p)
    where = " (searched between its 0.1% and 99.9% quantiles)" if truncated else ""
    base_x = p.dist.base
    cross = "1" if threshold == 1.0 else "0"

    if p.dist.integer:
        if b - a > MAX_INTEGER_SCAN:
            a, b = p.dist.quantile(UNBOUNDED_RANGE[0]), p.dist.quantile(UNBOUNDED_RANGE[1])
            where = " (searched between its 0.1% and 99.9% quantiles)"
        ks = np.arange(math.ceil(a), math.floor(b) + 1, dtype=float)
        g = _outputs_with(config, output, parameter, np.append(ks, base_x)) - threshold
        g_base, g = g[-1], g[:-1]
        base_above = bool(g_base > 0)
        other = ~np.isnan(g) & ((g > 0) != base_above)
        if not other.any():
            return SwitchingValue(parameter, None, None, "does not cross within its range" + where)
        cand = ks[other]
        k = float(cand[np.lexsort((cand, np.abs(cand - base_x)))[0]])
        side = "below" if k < base_x else "above"
        state = f"<= {cross}" if base_above else f"> {cross}"
        note = f"output {state} at this whole value, the first one {side} the base value {_fmt(base_x)}"
        return SwitchingValue(parameter, k, 100.0 * float(p.dist.cdf(k)), note + where)

    grid = np.union1d(np.linspace(a, b, GRID_POINTS), [base_x])
    g = _outputs_with(config, output, parameter, grid) - threshold

    def f(x: float) -> float:
        return float(_outputs_with(config, output, parameter, np.array([x]))[0] - threshold)

    xtol = XTOL_REL * max(b - a, abs(a), abs(b))
    roots: list[tuple[float, float]] = []  # (root, slope sign)
    for i in range(grid.size):
        if g[i] == 0.0:
            left = g[i - 1] if i > 0 else math.nan
            right = g[i + 1] if i + 1 < grid.size else math.nan
            slope = np.sign(np.nan_to_num(right) - np.nan_to_num(left))
            roots.append((float(grid[i]), float(slope)))
        if i + 1 < grid.size and g[i] * g[i + 1] < 0:  # NaN compares False: no bracket
            r = optimize.brentq(f, grid[i], grid[i + 1], xtol=xtol, rtol=4 * np.finfo(float).eps)
            roots.append((float(r), float(np.sign(g[i + 1] - g[i]))))
    if not roots:
        return SwitchingValue(parameter, None, None, "does not cross within its range" + where)
    roots.sort(key=lambda t: (abs(t[0] - base_x), t[0]))
    x, slope = roots[0]
    note = f"output > {cross} {'above' if slope > 0 else 'below'} this value"
    if slope == 0:
        note = f"output touches {cross} at this value"
    if len(roots) > 1:
        note += f"; nearest to the base value of {len(roots)} crossings"
    return SwitchingValue(parameter, x, 100.0 * float(p.dist.cdf(x)), note + where)
