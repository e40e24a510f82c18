"""The pipeline: the runs of analyses that the command line and the report share.

:func:`run_analyses` runs what a report shows (:class:`Analyses`); :func:`sensitivity` runs one method
of ``wotsim sensitivity``; :func:`validate` every check of ``wotsim validate``; :func:`decision_voi` is
the one routine for the value of information per decision (keep the intervention; adopt each decision
scenario instead of the base); a report also weighs the config's studies (the value of sample
information of keeping the intervention, :mod:`wotsim.analysis.evsi`); :func:`statement_inputs` computes
what the robustness statements quote; :func:`comparison_warnings` collects what changes a comparison's
numbers. Every size is checked (:mod:`wotsim.limits`) before the first sample. Nothing here prints or
words a result; the analyses are imported on use, so that importing this module costs nothing (the
command line reads its defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..limits import (check_comparison, check_morris, check_pawn, check_resamples, check_simulation, check_sobol,
                      whole_number)

if TYPE_CHECKING:  # pragma: no cover
    from ..config.schema import Config
    from ..results.simulation import SimulationResult
    from .oneway import OneWayResult
    from .scenarios import Comparison
    from .voi import VoiResult

__all__ = ["Analyses", "HEADLINE_OUTPUTS", "METHODS", "MORRIS_TRAJECTORIES", "PAWN_SAMPLES", "SensitivityRun",
           "Validation", "check_sensitivity", "check_statement_output", "comparison_warnings", "decision_voi",
           "headline_outputs", "run_analyses", "sensitivity", "statement_inputs", "statement_output", "validate"]

#: Methods of :func:`sensitivity` (``wotsim sensitivity --method``).
METHODS = ("sobol", "morris", "pawn", "oneway", "decision")
#: Morris trajectories when none are given.
MORRIS_TRAJECTORIES = 100
#: Monte Carlo samples of PAWN when none are given.
PAWN_SAMPLES = 2**15
#: Outputs a report leads with, at most (:func:`headline_outputs`).
HEADLINE_OUTPUTS = 2


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Validation:
    """What :func:`validate` found: the base case, the scenarios, the warnings, and per config output
    ``(name, base value, target or None, tolerance)``."""

    base: Any
    scenarios: tuple[Any, ...]
    warnings: list
    targets: tuple[tuple[str, float, float | None, float], ...]


def validate(config: Config) -> Validation:
    """Every check of ``wotsim validate``: the config's and every scenario's (outputs defined at base, every
    persistence within [0, 1] over the parameters' support: errors naming the scenario's file), then the
    warnings, including those about a scenario's ranges the base config does not already give."""
    from ..config import check_draw_support, config_warnings, support_warnings
    from ..config.overlays import find_scenarios
    from ..model import check_base_case
    from ..simulate import base_case

    check_base_case(config)
    check_draw_support(config)  # a persistence its parameters' support takes out of [0, 1]: every run refuses it
    base = base_case(config)
    scenarios = find_scenarios(config)  # overlays are validated like any config (errors exit 2)
    for sc in scenarios:
        check_base_case(sc.config)
        check_draw_support(sc.config)
    warnings = config_warnings(config)
    said = {(w.key, w.message) for w in warnings}
    for sc in scenarios:  # what a scenario's ranges add (its warnings name its file)
        warnings += [w for w in support_warnings(sc.config) if (w.key, w.message) not in said]
    targets = tuple((name, base.outputs[name], o.target, o.tolerance) for name, o in config.outputs.items())
    return Validation(base=base, scenarios=tuple(scenarios), warnings=warnings, targets=targets)


# --------------------------------------------------------------------------- value of information
def decision_voi(source: SimulationResult | Comparison, *, output: str, groups: bool = True,
                 adoption_groups: bool | None = None) -> dict[str, VoiResult]:
    """The value of information per decision: ``"base"`` -> keep the intervention, scenario id -> adopt it.

    Parameters
    ----------
    source : SimulationResult or Comparison
        A simulation (the keep decision only) or a paired comparison (also the adoption of
        each decision scenario; structural switches such as the discount rate, the horizon or
        a reading are modelling choices, not options to adopt, and get none).
    output : str
        The net benefit in money (an NPV output, ``npv``, ``net:<stakeholder>``, ``npv:<ratio>``).
    groups : bool
        EVPPI per parameter group too.
    adoption_groups : bool, optional
        Groups for the adoption decisions (default: as ``groups``).
    """
    from ..config.overlays import is_decision
    from .scenarios import Comparison
    from .voi import voi_many

    # every decision at once: each parameter's and group's regression shared between them (wotsim.analysis.voi)
    decisions = [("base", groups)]
    if isinstance(source, Comparison):
        adopt = groups if adoption_groups is None else adoption_groups
        decisions += [(run.id, adopt) for run in source.scenarios if is_decision(run.scenario)]
    return voi_many(source, decisions, output=output)


# --------------------------------------------------------------------------- statements
def statement_output(comparison: Comparison, requested: str | None = None) -> str | None:
    """The output robustness statements are about: ``requested``, else the first ratio compared, else the
    first NPV; None when every compared output is an amount."""
    if requested is not None:
        return requested
    measures = {o: comparison.runs[0].outcomes[o].summary.measure for o in comparison.outputs}
    return next((o for o in comparison.outputs if measures[o] == "ratio"),
                next((o for o in comparison.outputs if measures[o] == "npv"), None))


def check_statement_output(config: Config, output: str, compared: Sequence[str], *,
                           what: str = "statement output") -> None:
    """Refuse, before any sampling, statements about an output not compared or an amount (no break-even)."""
    from ..errors import WotsimError
    from ..model import output_measure

    if output not in compared:
        raise WotsimError(f"{what} {output!r} is not compared; compared outputs: {', '.join(compared)}")
    if output_measure(config, output) == "amount":
        raise WotsimError(f"{what} {output!r} is an amount; statements are about a ratio or an NPV")


def statement_inputs(comparison: Comparison, output: str, *, voi: bool = True,
                     base_oneway: OneWayResult | None = None
                     ) -> tuple[dict[str, OneWayResult], dict[str, VoiResult] | None]:
    """What the statements about ``output`` quote, per run id: the one-way results of ``output`` and the
    value of information of the statement's own perspective (:func:`wotsim.model.net_benefit_for`).

    The value of information is None without ``voi`` or for independent draws; the keep decision
    gets its groups, the adoption decisions none (time).  ``base_oneway``: the base run's one-way
    result if already computed.
    """
    from ..model import net_benefit_for
    from .oneway import one_ways

    vois = None
    if voi and comparison.paired:
        vois = decision_voi(comparison, output=net_benefit_for(comparison.base.config, output),
                            adoption_groups=False)
    todo = [run for run in comparison.runs if not (run.scenario is None and base_oneway is not None)]
    found = dict(zip((run.id for run in todo), one_ways([(run.config, output) for run in todo])))
    oneway = {run.id: found.get(run.id, base_oneway) for run in comparison.runs}
    return oneway, vois


def comparison_warnings(comparison: Comparison) -> list:
    """What changes a comparison's numbers, as ``run`` says: a repaired correlation matrix, draws where a
    ratio's costs are <= 0; for the base analysis and every scenario (a scenario's warnings name its file)."""
    from ..model import draw_warnings

    config = comparison.base.config
    notes = list(config.notes)
    warnings = notes + draw_warnings(config, comparison.base.item_pv, outputs=comparison.outputs)
    for run in comparison.scenarios:
        warnings += [w for w in run.config.notes if w.message not in {n.message for n in notes}]
        warnings += draw_warnings(run.config, run.item_pv, outputs=comparison.outputs)
    return warnings


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class SensitivityRun:
    """One method of ``wotsim sensitivity``: a Sobol', Morris or PAWN ``result``, or one record per output
    (:class:`~wotsim.analysis.oneway.OneWayResult`, :class:`~wotsim.analysis.drivers.DecisionDrivers`)."""

    method: str
    result: Any = None
    records: Mapping[str, Any] = field(default_factory=dict)
    manifest: Mapping[str, Any] = field(default_factory=dict)

    def save(self, directory: str | Path, *, format: str = "npz") -> Path:
        """Write the results directory (``sensitivity.json``, ``arrays.npz``, ``manifest.json``; with ``format``
        the tables too, :mod:`wotsim.results.tables`)."""
        if self.result is not None:
            return self.result.save(directory, format=format)
        from ..results.frames import config_of
        from ..results.records import save_records
        from .io import Records

        tables = None if format == "npz" else Records(self.method, self.records, config_of(self.manifest)).frames()
        return save_records(directory, self.method, self.records, self.manifest, tables=tables, format=format)


def check_sensitivity(config: Config, *, method: str, outputs: Sequence[str], samples: int | None = None,
                      groups: str | None = None, second_order: bool = False, resamples: int | None = None,
                      what: str = "samples", what_resamples: str = "resamples") -> None:
    """Every size of :func:`sensitivity` against its ceiling and the memory, before the first sample.

    ``what`` and ``what_resamples`` name the sizes in the messages (the command line's flags).
    """
    from .groups import parameter_groups
    from .sobol_design import DEFAULT_SOBOL_SAMPLES, check_sobol_samples

    factors = None
    if groups is not None:  # the design has a row per factor: count them as the plan will
        mapping = parameter_groups(config, groups)
        factors = len({mapping[p] for p in config.uncertain})
    if method == "sobol":
        n = samples or DEFAULT_SOBOL_SAMPLES
        check_resamples(resamples, what=what_resamples)
        check_sobol(config, samples=n, factors=factors, second_order=second_order, outputs=len(outputs), what=what)
        check_sobol_samples(n, what=f"{what} (Sobol' base samples N)")
    elif method == "morris":
        check_morris(config, trajectories=samples or MORRIS_TRAJECTORIES, factors=factors, outputs=len(outputs),
                     what=what)
    elif method == "pawn":
        check_pawn(config, samples=samples or PAWN_SAMPLES, what=what)
    elif method == "decision":
        check_simulation(config, samples=samples, what=what)


def sensitivity(config: Config, *, method: str, outputs: Sequence[str], samples: int | None = None,
                seed: int | None = None, groups: str | None = None, second_order: bool = False,
                resamples: int | None = None, engine: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> SensitivityRun:
    """Run one sensitivity method on ``outputs``; ``samples`` is the method's own size (Sobol' base samples,
    Morris trajectories, PAWN or decision-driver Monte Carlo samples), default the method's."""
    outputs = tuple(outputs)
    if method == "sobol":
        from .sobol import sobol_indices

        return SensitivityRun(method, sobol_indices(
            config, outputs=outputs, samples=samples, seed=seed, groups=groups, second_order=second_order,
            resamples=resamples or 100, engine=engine or "fast", progress=progress))
    if method == "morris":
        from .screening import morris_screening

        return SensitivityRun(method, morris_screening(
            config, outputs=outputs, trajectories=samples or MORRIS_TRAJECTORIES, seed=seed, groups=groups))
    if method == "pawn":
        from .screening import pawn_indices

        return SensitivityRun(method, pawn_indices(
            config, outputs=outputs, samples=samples or PAWN_SAMPLES, seed=seed, groups=groups))
    if method == "oneway":
        from ..results.io import manifest
        from .oneway import one_way

        records = {name: one_way(config, output=name) for name in outputs}
        return SensitivityRun(method, records=records,
                              manifest=manifest(config, method="oneway", outputs=list(outputs)))
    from ..simulate import simulate
    from .drivers import decision_drivers

    sim = simulate(config, samples=samples, seed=seed, progress=progress)
    records = {name: decision_drivers(sim, output=name) for name in outputs}
    return SensitivityRun(method, records=records, manifest=dict(sim.manifest, method="decision",
                                                                 outputs=list(outputs)))


# --------------------------------------------------------------------------- the report's analyses
@dataclass(frozen=True)
class Analyses:
    """Everything a report shows. Optional parts are None (or empty) when not run."""

    config: Config
    result: SimulationResult
    outputs: tuple[str, ...]
    sobol: Any = None              # SobolResult per parameter
    sobol_groups: Any = None       # SobolResult grouped by the parameters' group
    oneway: Mapping[str, Any] = field(default_factory=dict)   # output -> OneWayResult
    drivers: Any = None            # DecisionDrivers of the first output
    comparison: Any = None         # Comparison or None
    voi_keep: Any = None           # VoiResult of keeping the intervention
    voi_adopt: Mapping[str, Any] = field(default_factory=dict)  # scenario id -> VoiResult
    statement_oneway: Mapping[str, Any] = field(default_factory=dict)  # run id -> OneWayResult of outputs[0]
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: run id -> Discovery: "base" where the main output falls below its threshold, a recommendation (a scenario
    #: one could adopt) where it does worse than the base; run id -> why there is none (e.g. never worse)
    discoveries: Mapping[str, Any] = field(default_factory=dict)
    discovery_notes: Mapping[str, str] = field(default_factory=dict)
    #: the value of sample information of each study of the config ([studies.<id>]) for keeping the intervention:
    #: one EvsiResult per study, in the config's order; empty when the config has no studies
    evsi: tuple = ()


def headline_outputs(config: Config) -> tuple[str, ...]:
    """The outputs a report leads with: the config's first :data:`HEADLINE_OUTPUTS` ratio outputs, else its
    first outputs, else ``npv``."""
    ratios = tuple(name for name, o in config.outputs.items() if o.measure == "ratio")
    return ratios[:HEADLINE_OUTPUTS] or tuple(config.outputs)[:HEADLINE_OUTPUTS] or ("npv",)


def run_analyses(
    config: Config,
    *,
    samples: int | None = None,
    sobol_samples: int = 2**13,
    seed: int | None = None,
    scenarios: Sequence[str] | None = None,
    with_scenarios: bool = True,
    discovery_resamples: int = 10,
    progress: Callable[[str], None] | None = None,
) -> Analyses:
    """Run the analyses a report shows.

    Parameters
    ----------
    config : Config
    samples : int, optional
        Monte Carlo samples (for the base run and every scenario, on common random numbers); default the
        config's ``[simulation] samples``, so that the report's numbers are ``wotsim run``'s.
    sobol_samples : int
        Sobol' base samples N (a power of 2).
    seed : int, optional
        Root seed (default: the config's).
    scenarios : sequence of str, optional
        Scenario ids or overlay files; default every scenario found for the config.
    with_scenarios : bool
        False skips scenarios and the adoption value of information.
    discovery_resamples : int
        Half-size resamples for the stability of each scenario discovery (:func:`report_discoveries`;
        0 skips the stability).
    progress : callable(str), optional
        Called with a short description before each step.
    """
    check_analyses(config, samples=samples, sobol_samples=sobol_samples)
    if samples is None:
        samples = config.simulation.samples
    from ..config.overlays import find_scenarios
    from ..model import net_benefit_for
    from ..simulate import simulate
    from .drivers import decision_drivers
    from .._fork import background_jobs
    from .oneway import one_ways
    from .scenarios import compare
    from .sobol import sobol_indices

    def step(text: str) -> None:
        if progress is not None:
            progress(text)

    outputs = headline_outputs(config)
    main = outputs[0]

    found = find_scenarios(config, scenarios) if with_scenarios else ()

    with background_jobs() as start:  # a failure before a job is waited for ends its child
        # what needs no Monte Carlo draws, in a forked child while the Monte Carlo runs here: the base's one-way
        # analyses and (for the statements) each scenario's one-way analysis of the main output
        waiting = start(lambda: one_ways([(config, name) for name in outputs] + [(s.config, main) for s in found]))
        also = "; one-way sensitivity and switching values alongside"
        comparison = None
        if found:
            step(f"Monte Carlo of the base and {len(found)} scenarios ({samples:,} samples each){also}")
            comparison = compare(config, found, samples=samples, seed=seed)
            result = comparison.base
        else:
            step(f"Monte Carlo ({samples:,} samples){also}")
            result = simulate(config, samples=samples, seed=seed)
        # the decision drivers read the Monte Carlo draws only: in a forked child while the Sobol' indices run here
        waiting_drivers = start(lambda: decision_drivers(result, output=main))
        step(f"Sobol' indices (N = {sobol_samples:,}); decision drivers alongside")
        sobol = sobol_indices(config, outputs=list(outputs) + ["npv"], samples=sobol_samples, seed=seed)
        sobol_groups = None
        if any(p.group for p in config.parameters.values()):
            sobol_groups = sobol_indices(config, outputs=list(outputs) + ["npv"], samples=sobol_samples, seed=seed,
                                         groups="group")
        computed = waiting()
        oneway = dict(zip(outputs, computed))
        statement_oneway = {"base": oneway[main], **{s.id: ow for s, ow in zip(found, computed[len(outputs):])}}
        drivers = waiting_drivers()
        step("value of information")
        # the value of information of the statement's own perspective
        vois = decision_voi(comparison if comparison is not None else result, output=net_benefit_for(config, main))
        # the value of sample information of the config's studies (keep the intervention, the statement's perspective):
        # the Monte Carlo draws only, in a forked child while the scenario discovery runs here
        waiting_evsi = (start(lambda: _studies_evsi(result, net_benefit_for(config, main))) if config.studies
                        else tuple)
        k = len(config.studies)
        step("scenario discovery" + (f"; value of sample information of {k} stud{'y' if k == 1 else 'ies'} alongside"
                                     if k else ""))
        discoveries, notes = report_discoveries(comparison if comparison is not None else result, main,
                                                resamples=discovery_resamples)
        evsi = waiting_evsi()
    return Analyses(
        config=config, result=result, outputs=outputs, sobol=sobol, sobol_groups=sobol_groups, oneway=oneway,
        drivers=drivers, comparison=comparison, voi_keep=vois.pop("base"), voi_adopt=vois,
        statement_oneway=statement_oneway, discoveries=discoveries, discovery_notes=notes, evsi=evsi,
        settings={"samples": result.n, "sobol_samples": sobol_samples, "seed": result.seed, "sampler": result.sampler,
                  "scenarios": [r.id for r in comparison.scenarios] if comparison is not None else []},
    )


def _studies_evsi(result: SimulationResult, output: str) -> tuple:
    """The EVSI of every study of the run's config for keeping the intervention
    (:func:`wotsim.analysis.evsi.evsi_many`), one result per study in the config's order; ``()`` without studies."""
    if not result.config.studies:
        return ()
    from .evsi import evsi_many

    return tuple(r for results in evsi_many(result, output=output, decisions=["base"]).values() for r in results)


def report_discoveries(source: Any, output: str, *, resamples: int = 10) -> tuple[dict[str, Any], dict[str, str]]:
    """Scenario discovery for a report: where ``output`` falls below its threshold (1 for a ratio, 0 for an
    NPV) on the base draws, and where each scenario one could adopt (:func:`wotsim.config.overlays.is_decision`)
    does worse than the base on the paired draws.  Returns (run id -> Discovery, run id -> why there is none)."""
    from ..config.overlays import is_decision
    from ..errors import WotsimError
    from ..model import output_measure
    from ..formatting import lower_first
    from .conditions import label_of
    from .discover import MIN_CASES, NothingToDiscover, discover
    from .scenarios import Comparison

    base = source.base if isinstance(source, Comparison) else source
    measure = output_measure(base.config, output)
    found, notes = {}, {}
    if measure == "amount":
        return found, {"base": f"{output} is an amount, with no threshold to fall below"}
    jobs = [("base", dict(output=output, below=1.0 if measure == "ratio" else 0.0))]
    if isinstance(source, Comparison):
        jobs += [(r.id, dict(output=output, scenario=r.id)) for r in source.scenarios if is_decision(r.scenario)]
    for rid, how in jobs:
        try:
            found[rid] = discover(source, resamples=resamples, **how)
        except NothingToDiscover as exc:  # said in the report
            which = "none" if exc.cases == 0 else "every one"
            cases = f"{which if exc.cases in (0, exc.draws) else f'{exc.cases:,}'} of the {exc.draws:,}"
            notes[rid] = (f"it does worse than the base in {cases} paired draws" if rid != "base" else
                          f"the {lower_first(label_of(base.config, output))} is below its threshold in {cases} draws")
            if 0 < exc.cases < exc.draws:
                notes[rid] += f", too few for a region (at least {MIN_CASES} are needed)"
        except WotsimError as exc:
            notes[rid] = str(exc)
    return found, notes


def check_analyses(config: Config, *, samples: Any, sobol_samples: Any, scenarios: Sequence[Any] = (),
                   samples_name: str = "samples", sobol_name: str = "sobol_samples") -> None:
    """Every size a report (:func:`wotsim.analysis.pipeline.run_analyses`) uses, before its Monte Carlo.

    The Monte Carlo (with ``scenarios``, a comparison), then the Sobol' base
    samples: the ceilings, then the power-of-2 rule of
    :func:`wotsim.analysis.sobol_design.check_sobol_samples`.  The Sobol' memory counts
    one factor per parameter and every config output and ``npv`` (an upper
    bound of the report's outputs).
    """
    if scenarios:
        check_comparison(config, scenarios, samples=samples, what=samples_name)
    else:
        check_simulation(config, samples=samples, what=samples_name)
    check_sobol(config, samples=sobol_samples, outputs=len(config.outputs) + 1, what=sobol_name)
    if whole_number(sobol_samples) is not None:
        from .sobol_design import check_sobol_samples  # here: the command-line parser imports this module

        check_sobol_samples(sobol_samples, what=f"{sobol_name} (Sobol' base samples N)")
