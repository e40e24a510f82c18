"""Scenario discovery: under which combination of assumptions does a condition hold?

:func:`discover` takes a Monte Carlo run (or a comparison of scenarios on common random
numbers) and a condition on its outputs, and finds boxes of parameter values in which the
condition is dense, with PRIM (:mod:`wotsim.analysis.prim`: the engine, in rank space, as the
EMA Workbench peels and pastes).  Around the engine it adds what a reviewer needs:

* **The condition** (:func:`wotsim.analysis.conditions.condition_of`): a formula of the safe formula language over output
  names (``"social_ratio < 1"``, ``"social_ratio >= 1 and financial_ratio < 0.75"``,
  :func:`wotsim.config.expressions.compile_condition`); the shortcuts ``output`` with ``below`` or
  ``above``; or ``scenario``: the scenario does worse than the base on ``output``, draw by draw
  on the paired draws (higher is better for ratios and NPVs; equal counts as not worse).  Draws
  where an output read is undefined (a ratio over costs <= 0) are left out and counted.
* **The parameters searched**: every uncertain parameter of the run (columns of its draws), for a
  scenario also the parameters it adds; integer parameters are peeled as integers.  In a scenario,
  a parameter it redistributes keeps the base's draws (the pairs share its uniforms, so its ranks
  and hence the boxes are the same; limits are then in the base's units).
* **Percentiles of the distribution**: a limit's percentile is the parameter's own CDF at the limit
  (``P(X < lower)`` and ``P(X <= upper)``, exact for integers), not the share of the draws, so that
  a covering box searched on the draws left over still reads on the parameter's scale.
* **Covering** (``boxes > 1``): after a box, its draws (in and out of the condition) are removed
  and PRIM runs again on the rest, as the EMA Workbench's ``find_box`` does; ``mass_min`` stays a
  share of *all* draws.  A box's coverage and density are those PRIM saw (within the draws left);
  ``share_of_cases`` is its cases over all cases.  The search stops early, saying why, when no
  draws or cases are left, when too few draws are left for ``mass_min``, or when the best box is
  no denser than the condition is over all draws (nothing left to explain).
* **Stability** (``resamples`` R, default 10, at half size as the EMA Workbench's ``resample``): R
  random halves of the draws the box was searched on (without replacement, from the run's seed,
  stream ``"discover"``), each peeled with the same settings; in each, the step whose coverage is
  nearest the chosen box's ("reproduce coverage"), and the step whose density is nearest
  ("reproduce density").  Unlike EMA, a tie (steps of equal coverage: peeling that removes no case)
  goes to the step nearest in the other measure, not the first: else a pure box, whose coverage
  stays 1 for many steps, is matched with the unrestricted step 0.  A parameter's stability is the share of resamples whose step restricts it
  on a side the chosen box restricts.  Costs R peelings of half the draws (about 0.2 s each at
  65,536 x 44).

The result is a frozen :class:`Discovery` (no config: labels, units and evidence are copied into
it), saved as ``boxes.json`` + ``boxes.csv`` + ``arrays.npz`` + ``manifest.json`` by
:meth:`Discovery.save` and read back by :func:`wotsim.analysis.discover_io.load_discovery`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
import weakref

import numpy as np

from .._fork import fork_pool, fork_workers
from ..config.expressions import compile_condition
from ..errors import WotsimError
from ..results.simulation import SimulationResult
from ..sampling import stream
from .conditions import condition_of
from .prim import PrimResult, Restriction, check_settings, prim
from .prim_sort import ColumnSort, sort_columns

__all__ = ["DEFAULT_RESAMPLES", "DISCOVER_FORMAT", "MIN_CASES", "SAMPLE_ROWS", "Discovery", "DiscoveredBox", "NothingToDiscover",
           "ParameterInfo", "discover"]

#: Resamples for the stability of a box (the EMA Workbench's default).
DEFAULT_RESAMPLES = 10
#: Fewest draws in the condition, and out of it, for a discovery: a handful of draws is noise, not a region.
MIN_CASES = 10
#: Draws kept for the pairwise scatter (the first ones of the run).
SAMPLE_ROWS = 4096
#: Layout of ``boxes.json``.
DISCOVER_FORMAT = 1


@dataclass(frozen=True)
class ParameterInfo:
    """A parameter searched: its name, label (the name if the config has none), unit, evidence tag,
    whether it is an integer, and the scenario that adds it ("" for the base's own)."""

    name: str
    label: str
    unit: str
    evidence: str
    integer: bool
    scenario: str = ""


@dataclass(frozen=True, eq=False)
class DiscoveredBox:
    """One box of a discovery (``index`` 1, 2, ... by covering), with the peeling trajectory it came from.

    ``n_draws``/``n_cases``: draws and cases left when it was searched.  Trajectory per step k:
    ``coverage``, ``density``, ``mass`` (share of those draws), ``n_restricted``, the limit moved
    (``moved``, ``sides``; "" at step 0) and every parameter's limits in units and percentiles (shape
    (steps, d)).  The chosen step (``chosen``, by ``chosen_by``) after pasting (``pastes``, as
    "parameter:side"): ``n`` draws, ``cases``, ``coverage``, ``density``, ``mass``, ``share_of_cases``
    (its cases over all the discovery's cases) and its ``restrictions`` (limits in units and
    percentiles of the distribution; quasi-p; what lifting each costs).  Stability per parameter
    (shape (d,)): share of resamples whose step nearest in coverage (``stability_coverage``) or in
    density (``stability_density``) restricts it on a side this box restricts.
    """

    index: int
    n_draws: int
    n_cases: int
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    n_restricted: np.ndarray
    moved: tuple[str, ...]
    sides: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    lower_percentile: np.ndarray
    upper_percentile: np.ndarray
    chosen: int
    chosen_by: str
    pastes: tuple[str, ...]
    n: int
    cases: int
    box_coverage: float
    box_density: float
    box_mass: float
    share_of_cases: float
    restrictions: tuple[Restriction, ...]
    stability_coverage: np.ndarray
    stability_density: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.coverage.size)

    @property
    def restricted(self) -> tuple[str, ...]:
        return tuple(r.parameter for r in self.restrictions)


@dataclass(frozen=True, eq=False)
class Discovery:
    """Boxes of parameter values in which a condition holds (see the module docstring).

    ``kind`` says how the condition was given: ``"below"``/``"above"`` (``output`` and
    ``threshold``), ``"condition"`` (the formula ``condition``) or ``"worse"`` (``scenario`` does
    worse than the base on ``output``); ``condition`` always holds the text.  ``labels``: display
    labels of the outputs read.  ``n_draws`` draws with the condition defined (``n_undefined``
    left out), ``n_cases`` of them meet it.  ``sample_x`` (up to :data:`SAMPLE_ROWS` draws, all
    parameters), ``sample_y`` (condition) and ``sample_box`` (0, or the first box a draw falls in)
    are kept for the pairwise scatter.  ``stopped`` says why fewer than ``max_boxes`` boxes came back.
    """

    kind: str
    condition: str
    output: str
    threshold: float
    scenario: str
    scenario_label: str
    labels: Mapping[str, str]
    measure: str
    currency: str
    n_draws: int
    n_cases: int
    n_undefined: int
    parameters: tuple[ParameterInfo, ...]
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    min_coverage: float | None
    step: int | None
    max_boxes: int
    resamples: int
    seed: int
    sampler: str
    boxes: tuple[DiscoveredBox, ...]
    stopped: str
    sample_x: np.ndarray
    sample_y: np.ndarray
    sample_box: np.ndarray
    manifest: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def share(self) -> float:
        """Share of the draws (with the condition defined) that meet it."""
        return self.n_cases / self.n_draws

    def parameter(self, name: str) -> ParameterInfo:
        for p in self.parameters:
            if p.name == name:
                return p
        raise WotsimError(f"unknown parameter {name!r}; searched: {', '.join(self.names)}")

    def save(self, directory: str | Path, *, format: str = "npz") -> Path:
        """Write the discovery's directory atomically (:func:`wotsim.analysis.discover_io.save_discovery`)."""
        from .discover_io import save_discovery

        return save_discovery(directory, self, format=format)

    def to_frame(self, table: str = "restrictions"):
        """``"restrictions"`` or ``"boxes"`` as a DataFrame (:func:`wotsim.analysis.discover_io.discovery_frame`)."""
        from .discover_io import discovery_frame

        return discovery_frame(self, table)

    def frames(self) -> dict[str, Any]:
        return {name: self.to_frame(name) for name in ("boxes", "restrictions")}


class NothingToDiscover(WotsimError):
    """The condition holds in no draw or in every draw (``cases`` of ``draws``): there is no box to find."""

    def __init__(self, cases: int, draws: int, message: str):
        super().__init__(message)
        self.cases, self.draws = cases, draws

    def __reduce__(self):  # rebuilt whole from a worker process (pickle calls __init__ with these arguments)
        return type(self), (self.cases, self.draws, str(self))


def _cases(source: Any, spec: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(cases, defined): whether each draw meets the condition, and whether it is defined there."""
    from ..model import output_array

    if spec["kind"] == "worse":
        run = source.run(spec["scenario"])
        y_sc = run.output(spec["output"])
        y_base = source.runs[0].output(spec["output"])
        return y_sc < y_base, np.isfinite(y_sc) & np.isfinite(y_base)
    base = source.base if not isinstance(source, SimulationResult) else source
    values = {name: output_array(base.config, base.item_pv, name) for name in spec["reads"]}
    defined = np.logical_and.reduce([np.isfinite(v) for v in values.values()])
    if spec["kind"] == "condition":
        cases = np.asarray(compile_condition(spec["condition"])(values), dtype=bool)
        if cases.shape != defined.shape:  # a condition on constants only: the same for every draw
            cases = np.broadcast_to(cases, defined.shape)
        return cases, defined
    y = values[spec["output"]]
    return (y < spec["threshold"]) if spec["kind"] == "below" else (y > spec["threshold"]), defined


# --------------------------------------------------------------------------- the draws and their parameters
def _columns(source: Any, scenario: str) -> tuple[np.ndarray, tuple[ParameterInfo, ...], list]:
    """The draws searched (n, d), who the columns are, and each column's distribution."""
    base = source if isinstance(source, SimulationResult) else source.base
    x, infos, dists = [base.draws], [], []
    for name in base.parameters:
        p = base.config.parameters[name]
        infos.append(ParameterInfo(name, p.label or name, p.unit, p.evidence, bool(p.dist.integer)))
        dists.append(p.dist)
    if scenario:
        run = source.run(scenario)
        x.append(run.new_draws)
        for name in run.new_parameters:
            p = run.config.parameters[name]
            infos.append(ParameterInfo(name, p.label or name, p.unit, p.evidence, bool(p.dist.integer), scenario))
            dists.append(p.dist)
    return np.concatenate(x, axis=1) if len(x) > 1 else x[0], tuple(infos), dists


def _percentiles(dist: Any, integer: bool, lower: np.ndarray, upper: np.ndarray,
                 lower_on: np.ndarray, upper_on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limits as percentiles of the parameter's distribution: ``P(X < lower)`` and ``P(X <= upper)``
    (exact for integers), 0 and 1 on a free side."""
    low = np.where(lower_on, dist.cdf(np.ceil(lower) - 1 if integer else lower), 0.0) if lower_on.any() \
        else np.zeros(lower.shape)
    high = np.where(upper_on, dist.cdf(np.floor(upper) if integer else upper), 1.0) if upper_on.any() \
        else np.ones(upper.shape)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


# --------------------------------------------------------------------------- sorting
#: The last base draws sorted (a weak reference to the draws, their ColumnSort): a report discovers on the
#: same base draws for its main output and each recommendation.  Cleared when the draws are freed.
_LAST_SORT: list = []


def _sort_of(source: Any, scenario: str) -> ColumnSort:
    """The columns of :func:`_columns` sorted: the base draws' sort (kept for the next discovery on them)
    and, for a scenario, its new parameters' draws sorted and joined."""
    base = source if isinstance(source, SimulationResult) else source.base
    draws = base.draws
    if _LAST_SORT and _LAST_SORT[0][0]() is draws:
        sort = _LAST_SORT[0][1]
    else:
        _LAST_SORT.clear()
        sort = sort_columns(draws)
        _LAST_SORT.append((weakref.ref(draws, lambda _: _LAST_SORT.clear()), sort))
    if scenario:
        new = source.run(scenario).new_draws
        if new.shape[1]:
            sort = sort.join(sort_columns(new))
    return sort


# --------------------------------------------------------------------------- stability
def _restricted_sides(box) -> dict[str, set[str]]:
    return {r.parameter: {s for s, on in (("lower", r.lower_restricted), ("upper", r.upper_restricted)) if on}
            for r in box.restrictions}


def _stability(sort: ColumnSort, y, names, integer, settings, chosen, resamples: int, rng: np.random.Generator):
    """Per parameter: the share of ``resamples`` half-size peelings whose step nearest the chosen box in
    coverage (and in density) restricts it on a side the chosen box restricts (the draws: ``sort``'s).
    The resamples' rows are drawn here, in order; their peelings run in forked workers where that pays
    (:data:`PARALLEL_MIN_DRAWS`), with the same numbers either way."""
    n, d = sort.shape
    want = _restricted_sides(chosen)
    hits = np.zeros((2, d))
    tasks = [np.sort(rng.choice(n, size=n // 2, replace=False)) for _ in range(resamples)]
    tasks = [rows for rows in tasks if y[rows].any() and not y[rows].all()]
    global _RESAMPLING
    _RESAMPLING = (sort, y, names, integer, settings)
    try:
        workers = fork_workers(len(tasks)) if n >= PARALLEL_MIN_DRAWS and len(tasks) >= 2 else 1
        with fork_pool(workers) as pool:
            peelings = map(_resample, tasks) if pool is None else pool.imap(_resample, tasks)
            for cov, den, sides in peelings:
                gap_c, gap_d = np.abs(cov - chosen.coverage), np.abs(den - chosen.density)
                # nearest in coverage, ties (equal case counts) by density; and the other way round
                for k, target in enumerate((np.lexsort((gap_d, gap_c))[0], np.lexsort((gap_c, gap_d))[0])):
                    got = sides[int(target)]
                    for j, name in enumerate(names):
                        if name in want and want[name] & got.get(name, set()):
                            hits[k, j] += 1
    finally:
        _RESAMPLING = ()
    return (hits / len(tasks)) if tasks else np.full((2, d), np.nan)


#: Fewest draws for which :func:`_stability` peels its resamples in forked workers (below, it does not pay).
PARALLEL_MIN_DRAWS = 16384
#: What :func:`_resample` reads (set by :func:`_stability`, inherited by forked workers).
_RESAMPLING: tuple = ()


def _resample(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict[str, set[str]]]]:
    """One half-size peeling of :func:`_stability`: each step's coverage, density and restricted sides."""
    sort, y, names, integer, settings = _RESAMPLING
    half = sort.take(rows)
    res = prim(half.values.T, y[rows], names=names, integer=integer, sort=half, **settings)
    return (np.array([b.coverage for b in res.trajectory]), np.array([b.density for b in res.trajectory]),
            [_restricted_sides(b) for b in res.trajectory])


# --------------------------------------------------------------------------- discover
def _whole(value: Any, flag: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise WotsimError(f"{flag} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def discover(source: SimulationResult | Any, *, where: str | None = None, output: str | None = None,
             below: float | None = None, above: float | None = None, scenario: str | None = None,
             boxes: int = 1, peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05,
             min_coverage: float | None = None, step: int | None = None, resamples: int = DEFAULT_RESAMPLES,
             progress: Callable[[int, int], None] | None = None) -> Discovery:
    """Boxes of parameter values in which a condition holds, on a run's draws (PRIM, covering, stability).

    Parameters
    ----------
    source : SimulationResult or Comparison
        The draws; a :class:`~wotsim.analysis.scenarios.Comparison` for ``scenario``.
    where, output, below, above, scenario
        The condition (:func:`wotsim.analysis.conditions.condition_of`): ``where="social_ratio < 1"``, ``output="social_ratio",
        below=1``, or ``scenario="sharper_selection", output="social_ratio"`` (does worse than the base).
    boxes : int
        Most boxes to find by covering (default 1).
    peel_alpha, paste_alpha, mass_min, min_coverage, step
        PRIM's settings and the choice of box (:func:`wotsim.analysis.prim.prim`); ``step`` applies
        to the first box, later boxes use the default rule.
    resamples : int
        Half-size resamples for each box's stability (0: none; default :data:`DEFAULT_RESAMPLES`).
    progress : callable(done, total), optional

    Returns
    -------
    Discovery
    """
    from .scenarios import Comparison

    if isinstance(source, Comparison):
        base = source.base
    elif isinstance(source, SimulationResult):
        base = source
        if scenario is not None:
            raise WotsimError("a scenario needs a comparison (wotsim.analysis.scenarios.compare), not a single run")
    else:
        raise WotsimError(f"discover takes a SimulationResult or a Comparison, got {type(source).__name__}")
    config = base.config
    checked = check_settings(peel_alpha, paste_alpha, mass_min, min_coverage, step)
    peel_alpha, paste_alpha, mass_min, min_coverage = (checked[k] for k in (
        "peel_alpha", "paste_alpha", "mass_min", "min_coverage"))
    spec = condition_of(config, where=where, output=output, below=below, above=above, scenario=scenario)
    spec["scenario"] = scenario or ""
    scenario_label = source.run(scenario).label if scenario else ""
    max_boxes, resamples = _whole(boxes, "boxes", 1), _whole(resamples, "resamples", 0)
    if base.parameters == () or base.draws.shape[1] == 0:
        raise WotsimError(f"{config.path}: no uncertain parameters to search")
    cases, defined = _cases(source, spec)
    x_all, infos, dists = _columns(source, spec["scenario"])
    x, y = x_all[defined], cases[defined]
    sort = _sort_of(source, spec["scenario"])
    if not defined.all():
        sort = sort.take(np.flatnonzero(defined))
    n, k = int(y.size), int(np.count_nonzero(y))
    if min(k, n - k) < MIN_CASES:
        what = {"worse": f"{scenario} does worse than the base on {output}"}.get(spec["kind"], spec["condition"])
        if 0 < k < n:
            raise NothingToDiscover(k, n, f"the condition '{what}' holds in {k:,} of the {n:,} draws; discovery "
                                          f"needs at least {MIN_CASES} draws in it and {MIN_CASES} out of it "
                                          f"(more --samples, or another threshold or condition)")
        raise NothingToDiscover(k, n, f"the condition '{what}' holds in {'none' if k == 0 else 'every one'} of the {n:,} draws"
                          f"{' with it defined' if n < defined.size else ''}; discovery needs draws in and out of it "
                          f"(choose another threshold or condition)")
    names, integer = tuple(p.name for p in infos), tuple(p.integer for p in infos)
    settings = dict(peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
    rng = np.random.default_rng(stream(base.seed, "discover"))
    left = np.ones(n, dtype=bool)
    found, stopped = [], ""
    total = max_boxes * (1 + resamples)
    for index in range(1, max_boxes + 1):
        rows = np.flatnonzero(left)
        yy = y[rows]
        kk = int(np.count_nonzero(yy))
        if kk == 0 or kk == rows.size:
            stopped = "no draws outside the condition are left" if kk else "no cases are left"
            break
        share_min = mass_min * n / rows.size
        if share_min >= 1:
            stopped = f"fewer draws are left than the smallest box holds ({mass_min:.0%} of all draws)"
            break
        choice = dict(min_coverage=min_coverage, step=step if index == 1 else None)
        rows_sort = sort if rows.size == n else sort.take(rows)
        res = prim(rows_sort.values.T, yy, names=names, integer=integer, **{**settings, "mass_min": share_min},
                   **choice, sort=rows_sort)
        if index > 1 and res.box.density <= k / n:
            stopped = (f"box {index} would be no denser ({res.box.density:.0%}) than the condition over all draws "
                       f"({k / n:.0%})")
            break
        stab = _stability(rows_sort, yy, names, integer, {**settings, "mass_min": share_min}, res.box, resamples, rng)
        found.append(_box(index, res, dists, infos, k, stab))
        inside = np.ones(rows.size, dtype=bool)
        for r in res.box.restrictions:
            col = x[rows, names.index(r.parameter)]
            inside &= (col >= r.lower) & (col <= r.upper)
        left[rows[inside]] = False
        if progress is not None:
            progress(index * (1 + resamples), total)
    m = min(SAMPLE_ROWS, n)
    sample_box = np.zeros(m, dtype=np.int64)
    for b in reversed(found):
        inside = np.ones(m, dtype=bool)
        for r in b.restrictions:
            col = x[:m, names.index(r.parameter)]
            inside &= (col >= r.lower) & (col <= r.upper)
        sample_box[inside] = b.index
    return Discovery(
        kind=spec["kind"], condition=spec["condition"], output=spec["output"], threshold=spec["threshold"],
        scenario=spec["scenario"], scenario_label=scenario_label, labels=dict(spec["labels"]),
        measure=spec["measure"], currency=config.study.currency, n_draws=n, n_cases=k,
        n_undefined=int(defined.size - n), parameters=infos, peel_alpha=float(peel_alpha),
        paste_alpha=float(paste_alpha), mass_min=float(mass_min),
        min_coverage=None if min_coverage is None else float(min_coverage),
        step=None if step is None or not found else found[0].chosen, max_boxes=max_boxes,
        resamples=resamples, seed=base.seed, sampler=base.sampler, boxes=tuple(found), stopped=stopped,
        sample_x=np.ascontiguousarray(x[:m]), sample_y=y[:m].copy(), sample_box=sample_box,
        manifest=dict(base.manifest, analysis="discover"))


def _box(index: int, res: PrimResult, dists, infos, all_cases: int, stab: np.ndarray) -> DiscoveredBox:
    steps, b = res.trajectory, res.box
    lower, upper = np.array([s.lower for s in steps]), np.array([s.upper for s in steps])
    lower_pct, upper_pct = np.empty(lower.shape), np.empty(upper.shape)
    on_low = np.array([s.lower_percentile for s in steps]) > 0  # restricted sides: the draws' shares say
    on_high = np.array([s.upper_percentile for s in steps]) < 1
    for j, (dist, p) in enumerate(zip(dists, infos)):
        lower_pct[:, j], upper_pct[:, j] = _percentiles(dist, p.integer, lower[:, j], upper[:, j],
                                                        on_low[:, j], on_high[:, j])
    first = {}  # the order PRIM restricted them: the step each parameter was first peeled (pasting only widens)
    for i, name in enumerate(s.parameter for s in steps[1:res.chosen + 1]):
        first.setdefault(name, i)
    restrictions = []
    for r in sorted(b.restrictions, key=lambda r: first.get(r.parameter, len(steps))):
        j = res.names.index(r.parameter)
        low, high = _percentiles(dists[j], infos[j].integer, np.array([r.lower]), np.array([r.upper]),
                                 np.array([r.lower_restricted]), np.array([r.upper_restricted]))
        restrictions.append(replace(r, lower_percentile=float(low[0]), upper_percentile=float(high[0])))
    return DiscoveredBox(
        index=index, n_draws=res.n_draws, n_cases=res.n_cases,
        coverage=np.array([s.coverage for s in steps]), density=np.array([s.density for s in steps]),
        mass=np.array([s.mass for s in steps]), n_restricted=np.array([s.n_restricted for s in steps], dtype=np.int64),
        moved=tuple(s.parameter or "" for s in steps), sides=tuple(s.side or "" for s in steps),
        lower=lower, upper=upper, lower_percentile=lower_pct, upper_percentile=upper_pct,
        chosen=res.chosen, chosen_by=res.chosen_by, pastes=tuple(f"{p}:{s}" for p, s in res.pastes),
        n=b.n, cases=b.cases, box_coverage=b.coverage, box_density=b.density, box_mass=b.mass,
        share_of_cases=b.cases / all_cases, restrictions=tuple(restrictions),
        stability_coverage=stab[0], stability_density=stab[1])
