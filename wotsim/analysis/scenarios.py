"""Scenarios run on common random numbers and compared with the base in pairs.

A scenario is an overlay on the base config (:mod:`wotsim.config.overlays`: its format,
parsing and discovery).  :func:`compare` runs the base and every scenario on common
random numbers (:func:`wotsim.sampling.scenario_uniforms`: every parameter a scenario
shares with the base takes the base design's column, a new one its own stream keyed by
its name) and pairs the differences draw by draw, so their Monte Carlo standard errors
are those of the paired differences.  With ``paired=False`` every scenario draws a whole
independent design instead (for demonstrating what common random numbers buy).

Standard errors follow :mod:`wotsim.results.mcse`: iid formulas for ``mc``; for
``sobol`` and ``lhs``, the spread over the design's R independent
randomisations.  Randomisation k of a scenario is paired with randomisation k
of the base (the same rows), so the R replicate differences are independent
whether the draws are paired or not.  For ``mc``, a percentile's standard error
is half the distance between the order statistics at ranks
``n q -/+ sqrt(n q (1 - q))`` (a distribution-free binomial interval).
"""

from __future__ import annotations

import csv
import io
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..results import mcse
from ..config.distributions import prepare_tables
from ..config.overlays import BASE_ID, Scenario
from ..config.schema import Config
from ..errors import WotsimError
from ..limits import check_comparison
from ..model import check_base_case, check_output, output_array, output_measure, ratio_of_means
from ..results.arrays import run_arrays
from ..results.io import write_results
from ..results.simulation import BaseCase, OutputSummary, SimulationResult, summarise
from ..sampling import base_design, scenario_uniforms
from ..simulate import base_case
from .checks import default_outputs

__all__ = [
    "COMPARISON_FORMAT",
    "Comparison",
    "PairedDifference",
    "ScenarioOutcome",
    "ScenarioRun",
    "base_run",
    "compare",
    "comparison_rows",
    "new_parameters",
    "reference_of",
    "scenario_run",
    "shared_draws",
]

#: Layout of a comparison's directory: 2 = with its draws (``arrays.npz``) and each run's item values at base,
#: so that it loads back (1, before: summaries only).
COMPARISON_FORMAT = 2


# --------------------------------------------------------------------------- comparison results
@dataclass(frozen=True)
class PairedDifference:
    """Scenario minus base, draw by draw, for one output.

    Attributes
    ----------
    output, measure : str
    n : int
        Pairs with both values defined.
    base_case : float
        Scenario base case minus the base analysis's base case.
    mean, mean_se : float
        Mean paired difference and its Monte Carlo standard error (:mod:`wotsim.results.mcse`).
    median : float
    low, low_se, high, high_se : float
        5th and 95th percentiles of the difference (the 90% interval) and their standard errors.
    p_better, p_better_se : float
        P(scenario > base) (higher is better for ratios and NPVs), with its standard error.
    p_worse : float
        P(scenario < base); draws where the two are equal count as neither.
    paired : bool
        True with common random numbers; False for independent designs (then ``p_better``
        is P(a scenario draw exceeds an independent base draw)).
    """

    output: str
    measure: str
    n: int
    base_case: float
    mean: float
    mean_se: float
    median: float
    low: float
    low_se: float
    high: float
    high_se: float
    p_better: float
    p_better_se: float
    p_worse: float
    paired: bool


@dataclass(frozen=True)
class ScenarioOutcome:
    """One output under one scenario: its summary, the 90% interval's standard errors and the paired difference."""

    summary: OutputSummary
    interval: tuple[float, float]
    interval_se: tuple[float, float]
    difference: PairedDifference | None  # None for the base analysis


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario's (or the base analysis's) Monte Carlo run, kept lean.

    Attributes
    ----------
    id, label : str
    scenario : Scenario or None
        None for the base analysis.
    config : Config
    base : BaseCase
    item_pv : ndarray, shape (n, n_items)
        Present value of each of the scenario config's items.
    new_parameters : tuple of str
        Uncertain parameters of the scenario that are not uncertain in the base.
    new_draws : ndarray, shape (n, len(new_parameters))
    outcomes : mapping of output name -> ScenarioOutcome
    """

    id: str
    label: str
    scenario: Scenario | None
    config: Config = field(repr=False)
    base: BaseCase = field(repr=False)
    item_pv: np.ndarray = field(repr=False)
    new_parameters: tuple[str, ...]
    new_draws: np.ndarray = field(repr=False)
    outcomes: Mapping[str, ScenarioOutcome] = field(repr=False)

    def output(self, name: str) -> np.ndarray:
        """Draws of any output of :func:`wotsim.model.output_names`, shape (n,)."""
        return output_array(self.config, self.item_pv, name)


@dataclass(frozen=True)
class Comparison:
    """The base analysis and its scenarios on common random numbers.

    Attributes
    ----------
    base : SimulationResult
        The base run, bit-identical to ``simulate(config, ...)`` with the same settings.
    runs : tuple of ScenarioRun
        The base analysis first (id ``"base"``), then each scenario.
    outputs : tuple of str
        Outputs compared.
    n, seed : int
    sampler : str
    paired : bool
    """

    base: SimulationResult = field(repr=False)
    runs: tuple[ScenarioRun, ...]
    outputs: tuple[str, ...]
    n: int
    seed: int
    sampler: str
    paired: bool

    @property
    def scenarios(self) -> tuple[ScenarioRun, ...]:
        return self.runs[1:]

    def run(self, scenario_id: str) -> ScenarioRun:
        for r in self.runs:
            if r.id == scenario_id:
                return r
        raise WotsimError(f"unknown scenario {scenario_id!r}; compared: {', '.join(r.id for r in self.runs)}")

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (scenario, output), for tables and CSV."""
        return _rows(self.runs, self.outputs)

    def to_frame(self, table: str = "comparison"):
        """One table of the comparison as a :class:`pandas.DataFrame` (labels and units in ``frame.attrs``).

        ``table="comparison"`` (default): one row per (run, compared output), the columns of
        :meth:`rows` (``scenario``, ``label``, ``output``, ``measure``, the run's ``base_case``, ``mean``,
        ``mean_se``, ``median``, ``p5``/``p95`` with standard errors, ``p_above``, ``p_above_se``, the paired
        difference from the base: ``diff_base_case``, ``diff_mean``, ``diff_mean_se``, ``diff_p5``,
        ``diff_p5_se``, ``diff_p95``, ``diff_p95_se``, ``p_better``, ``p_better_se``, ``p_worse``) plus
        ``output_label`` and ``unit``.  ``"draws"``: one row per draw (index ``draw``): the base's parameter
        values and each scenario's new parameters (``<scenario>:<parameter>``).  ``"outputs"``: one row per
        draw (index ``draw``): every run's compared outputs (``<run>:<output>``, the runs paired by row).
        """
        from .comparison_io import comparison_frame

        return comparison_frame(self, table)

    def frames(self) -> dict[str, Any]:
        """Every table of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {name: self.to_frame(name) for name in ("comparison", "draws", "outputs")}

    def to_dict(self) -> dict[str, Any]:
        """Everything but the arrays, JSON-ready (``comparison.json``; format :data:`COMPARISON_FORMAT`)."""
        runs = []
        for r in self.runs:
            sc = r.scenario
            runs.append({
                "id": r.id, "label": r.label,
                "description": sc.description if sc else "The base analysis",
                "evidence": sc.evidence if sc else "",
                "category": sc.category if sc else "base",
                "file": sc.file if sc else r.config.path,
                "config_sha256": r.config.sha256,
                "operations": [asdict(op) for op in sc.operations] if sc else [],
                "new_parameters": list(r.new_parameters),
                "base": {"outputs": dict(r.base.outputs), "item_pv": dict(r.base.item_pv),
                         "stakeholder_net": dict(r.base.stakeholder_net)},
                "outcomes": {k: {"summary": asdict(o.summary), "interval": list(o.interval),
                                 "interval_se": list(o.interval_se),
                                 "difference": asdict(o.difference) if o.difference else None}
                             for k, o in r.outcomes.items()},
            })
        return {"format": COMPARISON_FORMAT, "n": self.n, "seed": self.seed, "sampler": self.sampler,
                "paired": self.paired,
                "outputs": list(self.outputs), "runs": runs}

    def save(self, directory: str | Path, *, texts: Mapping[str, str] | None = None, format: str = "npz") -> Path:
        """Write the comparison's directory atomically; returns its path.

        ``comparison.json`` (:meth:`to_dict`), ``comparison.csv`` (:meth:`rows`), ``arrays.npz``
        (the base run's members as a run writes them, :mod:`wotsim.results.arrays`; each
        scenario's item values with their names, new draws with theirs and yearly base case),
        ``manifest.json`` (the base run's, with each scenario's overlay) and any ``texts`` (file
        name -> text); with ``format`` ``csv``, ``xlsx`` or ``parquet`` also the tables of
        :meth:`frames` (:mod:`wotsim.results.tables`).  Everything but the tables comes back with
        :func:`wotsim.analysis.comparison_io.load_comparison`.
        """
        rows = self.rows()
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        man = dict(self.base.manifest)
        man["analysis"] = "compare"
        man["paired"] = self.paired
        man["scenarios"] = [{"id": r.id, "file": r.scenario.file, "config_sha256": r.config.sha256,
                             "overlay": dict(r.scenario.overlay)} for r in self.scenarios]
        arrays = run_arrays(self.base, "base.")
        for i, r in enumerate(self.scenarios, 1):
            arrays.update({f"runs.{i}.item_pv": r.item_pv, f"runs.{i}.new_draws": r.new_draws,
                           f"runs.{i}.base_yearly": r.base.yearly,
                           f"runs.{i}.items": np.array([it.id for it in r.config.items], dtype=str),
                           f"runs.{i}.new_parameters": np.array(r.new_parameters, dtype=str)})
        files = {"comparison.csv": buf.getvalue()}
        files.update({name: text if text.endswith("\n") else text + "\n" for name, text in (texts or {}).items()})
        return write_results(directory, manifest=man, json_files={"comparison.json": self.to_dict()}, arrays=arrays,
                             texts=files, tables=self.frames() if format != "npz" else None, table_format=format)


#: The row's columns of the paired difference (0 for the base analysis), and its fields.
_DIFF = {"diff_base_case": "base_case", "diff_mean": "mean", "diff_mean_se": "mean_se", "diff_p5": "low",
         "diff_p5_se": "low_se", "diff_p95": "high", "diff_p95_se": "high_se"}


def _rows(runs: Sequence[Any], outputs: Sequence[str]) -> list[dict[str, Any]]:
    """One flat row per (run, output) of runs with an ``id``, a ``label`` and ``outcomes``."""
    rows = []
    for r in runs:
        for name in outputs:
            o = r.outcomes[name]
            s, d = o.summary, o.difference
            rows.append({
                "scenario": r.id, "label": r.label, "output": name, "measure": s.measure,
                "base_case": s.base, "mean": s.mean, "mean_se": s.mean_se, "median": s.median,
                "p5": o.interval[0], "p5_se": o.interval_se[0], "p95": o.interval[1], "p95_se": o.interval_se[1],
                "p_above": s.p_above, "p_above_se": s.p_above_se,
                **{column: getattr(d, name) if d else 0.0 for column, name in _DIFF.items()},
                **{name: getattr(d, name) if d else None for name in ("p_better", "p_better_se", "p_worse")}})
    return rows


_Outcomes = namedtuple("_Outcomes", "id label outcomes")  # what _rows reads of a run


def comparison_rows(config: Config, scenarios: Sequence[Scenario], item_pvs: Sequence[np.ndarray],
                    outputs: Sequence[str], *, replicates: int) -> list[dict[str, Any]]:
    """:meth:`Comparison.rows` of the paired comparison whose runs gave these item values (each (n, items), in
    design row order, the base first, then ``scenarios``), without the runs: the same functions as
    :func:`compare`, so its numbers bit for bit (what a batch's task reduces a case to: :mod:`wotsim.batch.tasks`).
    """
    base = base_case(config)
    runs = [_Outcomes(BASE_ID, "Base analysis", _outcomes(config, base, item_pvs[0], outputs, None, True, replicates))]
    reference = {name: (output_array(config, item_pvs[0], name), _base_case_value(config, base, name))
                 for name in outputs}
    for sc, item_pv in zip(scenarios, item_pvs[1:]):
        runs.append(_Outcomes(sc.id, sc.label, _outcomes(sc.config, base_case(sc.config), item_pv, outputs,
                                                         reference, True, replicates)))
    return _rows(runs, outputs)


def _interval(y: np.ndarray, replicates: int = 1) -> tuple[tuple[float, float], tuple[float, float]]:
    """The 5th and 95th percentiles of the defined values of ``y`` (row order kept) and their standard errors."""
    finite = y[~np.isnan(y)]
    if finite.size == 0:
        nan = float("nan")
        return (nan, nan), (nan, nan)
    lo, hi = np.percentile(finite, [5.0, 95.0])
    return (float(lo), float(hi)), (mcse.quantile_se(y, 0.05, replicates), mcse.quantile_se(y, 0.95, replicates))


def paired_difference(name: str, measure: str, y: np.ndarray, y_base: np.ndarray, base_case_diff: float,
                      *, paired: bool = True, replicates: int = 1) -> PairedDifference:
    """Summarise ``y - y_base`` (arrays of shape (n,), in design row order); pairs with an undefined value are left out.

    ``replicates``: the randomisations of the designs (row ``i`` in randomisation ``i % replicates``
    for both), for the standard errors (:mod:`wotsim.results.mcse`).
    """
    diff_all = y - y_base
    diff = diff_all[~np.isnan(diff_all)]
    n = int(diff.size)
    nan = float("nan")
    if n < 2:
        return PairedDifference(name, measure, n, base_case_diff, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                                paired)
    (lo, hi), (lo_se, hi_se) = _interval(diff_all, replicates)
    pb = float(np.mean(diff > 0))
    return PairedDifference(
        output=name, measure=measure, n=n, base_case=float(base_case_diff),
        mean=float(np.mean(diff)), mean_se=mcse.mean_se(diff_all, replicates), median=float(np.median(diff)),
        low=lo, low_se=lo_se, high=hi, high_se=hi_se,
        p_better=pb, p_better_se=mcse.prob_se(diff_all, 0.0, replicates), p_worse=float(np.mean(diff < 0)),
        paired=paired,
    )


def _label_of(config: Config, name: str) -> str:
    if name in config.outputs:
        return config.outputs[name].label
    if name.startswith("net:"):
        return f"Net value: {config.stakeholders.get(name[4:], name[4:])}"
    return {"npv": "Net present value", "benefits": "Total benefits (PV)", "costs": "Total costs (PV)"}.get(name, name)


def _base_case_value(config: Config, base: BaseCase, name: str) -> float:
    if name.startswith("net:"):
        return float(base.stakeholder_net[name[4:]])
    return float(base.outputs[name])


def _outcomes(config: Config, base: BaseCase, item_pv: np.ndarray, outputs: Sequence[str],
              reference: Mapping[str, tuple[np.ndarray, float]] | None, paired: bool,
              replicates: int = 1) -> dict[str, ScenarioOutcome]:
    pct = tuple(sorted(set(config.simulation.percentiles) | {5.0, 95.0}))
    out = {}
    for name in outputs:
        y = output_array(config, item_pv, name)
        measure = output_measure(config, name)
        b = _base_case_value(config, base, name)
        target = config.outputs[name].target if name in config.outputs else None
        rom = ratio_of_means(config, item_pv, name) if measure == "ratio" else None
        summary = summarise(name, _label_of(config, name), measure, y, b, pct, target=target, ratio_of_means=rom,
                            replicates=replicates)
        interval, interval_se = _interval(y, replicates)
        diff = None
        if reference is not None:
            y_ref, b_ref = reference[name]
            diff = paired_difference(name, measure, y, y_ref, b - b_ref, paired=paired, replicates=replicates)
        out[name] = ScenarioOutcome(summary, interval, interval_se, diff)
    return out


def shared_draws(base_config: Config, base_draws: np.ndarray, config: Config, paired: bool = True
                 ) -> dict[str, np.ndarray]:
    """The base draws (rows of ``base_draws``, columns in ``base_config.uncertain`` order) a scenario on common
    random numbers would draw again: a parameter with the base's very distribution (one object:
    :func:`wotsim.config.distributions.make_distribution` shares them) on the base's uniform (paired, and no
    copula in either config: :func:`wotsim.sampling.scenario_uniforms`)."""
    if not paired or base_config.correlations or config.correlations:
        return {}
    column = {name: j for j, name in enumerate(base_config.uncertain)}
    return {name: base_draws[:, column[name]] for name in config.uncertain
            if name in column and config.parameters[name].dist is base_config.parameters[name].dist}


def base_run(base: SimulationResult, outputs: Sequence[str], paired: bool = True) -> ScenarioRun:
    """The base analysis of a comparison, from its run."""
    return ScenarioRun(BASE_ID, "Base analysis", None, base.config, base.base, base.item_pv, (), np.empty((base.n, 0)),
                       _outcomes(base.config, base.base, base.item_pv, outputs, None, paired, base.replicates))


def reference_of(base: ScenarioRun, outputs: Sequence[str]) -> dict[str, tuple[np.ndarray, float]]:
    """What a scenario's run is compared with: per output, the base's draws and base case."""
    return {name: (base.output(name), _base_case_value(base.config, base.base, name)) for name in outputs}


def new_parameters(base_config: Config, config: Config) -> tuple[str, ...]:
    """A scenario's uncertain parameters the base does not have, in the scenario's order."""
    return tuple(p for p in config.uncertain if p not in set(base_config.uncertain))


def scenario_run(sc: Scenario, base_config: Config, new_draws: np.ndarray, item_pv: np.ndarray,
                 outputs: Sequence[str], reference: Mapping[str, tuple[np.ndarray, float]], paired: bool,
                 replicates: int) -> ScenarioRun:
    """A scenario's run of a comparison, kept lean: its item values and the draws of its new parameters
    (:func:`new_parameters`, in order), compared with the base's outputs (``reference``)."""
    base = base_case(sc.config)
    return ScenarioRun(sc.id, sc.label, sc, sc.config, base, item_pv, new_parameters(base_config, sc.config), new_draws,
                       _outcomes(sc.config, base, item_pv, outputs, reference, paired, replicates))


def compare(
    config: Config,
    scenarios: Sequence[Scenario],
    *,
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
    chunk_size: int | None = None,
    paired: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Run the base analysis and each scenario on common random numbers and compare them.

    Parameters
    ----------
    config : Config
        The base config.
    scenarios : sequence of Scenario
        From :func:`find_scenarios` or :func:`load_scenario`, built on ``config``.
    outputs : sequence of str, optional
        Outputs to compare (any of :func:`wotsim.model.output_names` that every scenario
        has); default the config's outputs and ``npv``.
    samples, seed, sampler, chunk_size : optional
        Override the config's ``[simulation]`` defaults (for every run alike).
    paired : bool
        Common random numbers (default) or independent designs per scenario.
    progress : callable(label, done, total), optional

    Returns
    -------
    Comparison
    """
    check_comparison(config, scenarios, samples=samples, sampler=sampler, chunk_size=chunk_size)
    from ..simulate import simulate  # looked up at call time (tests patch it to prove nothing runs)

    outputs = tuple(outputs) if outputs is not None else default_outputs(config)
    ids = [BASE_ID]
    for sc in scenarios:
        if sc.id in ids:
            raise WotsimError(f"scenario id {sc.id!r} appears twice; ids must be unique")
        ids.append(sc.id)
    for sc in scenarios:  # an output undefined at a scenario's base case: refuse, as run and validate do
        try:
            check_base_case(sc.config)
        except WotsimError as exc:
            raise WotsimError(f"scenario {sc.id!r} ({sc.file}): {exc}") from None
    for cfg, label in [(config, "the base config")] + [(sc.config, f"scenario {sc.id!r}") for sc in scenarios]:
        for name in outputs:
            try:
                check_output(cfg, name)
            except WotsimError as exc:
                raise WotsimError(f"{label}: {exc}") from None

    def tick(label: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(label, done, total))

    n_runs = config.simulation.samples if samples is None else samples
    # every inverse-CDF table the runs will use, built at once (in parallel where there are CPUs)
    prepare_tables([cfg.parameters[p].dist for cfg in [config] + [sc.config for sc in scenarios]
                    for p in cfg.uncertain], n_runs)
    base_result = simulate(config, samples=samples, seed=seed, sampler=sampler, chunk_size=chunk_size,
                           progress=tick(BASE_ID))
    n, seed_, sampler_, chunk = base_result.n, base_result.seed, base_result.sampler, base_result.chunk_size
    R = base_result.replicates
    u_base = base_design(config, samples=n, seed=seed_, sampler=sampler_, replicates=R)
    runs = [base_run(base_result, outputs, paired)]
    reference = reference_of(runs[0], outputs)
    for sc in scenarios:
        u = scenario_uniforms(config, sc.config, u_base, seed=seed_, sampler=sampler_, paired=paired,
                              scenario_id=sc.id, replicates=R)
        res = simulate(sc.config, seed=seed_, sampler=sampler_, chunk_size=chunk, uniforms=u, progress=tick(sc.id),
                       replicates=R, shared_draws=shared_draws(config, base_result.draws, sc.config, paired))
        new = [sc.config.uncertain.index(p) for p in new_parameters(config, sc.config)]
        runs.append(scenario_run(sc, config, res.draws[:, new], res.item_pv, outputs, reference, paired, R))
    return Comparison(base=base_result, runs=tuple(runs), outputs=outputs, n=n, seed=seed_, sampler=sampler_,
                      paired=paired)

