"""Value of information for a two-option decision: the decisions and their results.

Amounts are money per the config's unit of analysis (``[study] unit_of_analysis``, e.g. per yearly cohort).

A decision compares an alternative with a reference through the alternative's
incremental net benefit ``INB`` (money, present value per unit of analysis, one value per
Monte Carlo draw):

* keep the WOTs or stop (:func:`keep_voi`): ``INB = NPV`` (stopping is worth 0);
* adopt a scenario instead of the base analysis (:func:`adoption_voi`):
  ``INB = NPV_scenario - NPV_base``, on common random numbers
  (:func:`wotsim.analysis.scenarios.compare`).

EVPI and the EVPPI of every parameter and group (:mod:`wotsim.analysis.groups`, the
``group`` rule) come from :mod:`wotsim.analysis.evppi`; a :class:`VoiResult` holds them.
:func:`voi_many` runs several decisions at once: a parameter or group whose draws they share is
regressed once for all their net benefits, in forked worker processes where there are CPUs to
spare, BLAS on one thread (the same numbers as one decision at a time, in less time).
:func:`save_voi` writes ``voi.json``, ``evppi.csv`` and ``manifest.json``;
:func:`load_voi` reads them back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from .._paths import file_stem
from ..errors import ResultsError, WotsimError
from ..model import check_output, output_array
from .._fork import fork_pool, fork_workers
from ..config.schema import Config
from ..results.io import manifest_config, read_json, write_results
from ..results.records import encode, read_record_list, shown
from ..results.simulation import SimulationResult
from .evppi import Evppi, check_inb, draws_mean_se, evpi, evppi_many
from .evppi_fit import JACKKNIFE_GROUPS, jackknife_groups
from .groups import members_of, parameter_groups
from .voi_frames import TABLES as VOI_TABLES, voi_frame

__all__ = ["VOI_FORMAT", "VoiResult", "adoption_voi", "keep_voi", "load_voi", "one_blas_thread", "save_voi",
           "voi_many"]

#: Layout of ``voi.json`` (``"format"``).
VOI_FORMAT = 1


@dataclass(frozen=True)
class VoiResult:
    """Value of information for one two-option decision.

    Attributes
    ----------
    decision : str
        ``"keep"`` or ``"adopt:<scenario id>"``.
    description : str
    output : str
        The net benefit output (an NPV in euros).
    options : tuple of (str, str)
        (reference, alternative).
    n : int
    mean_inb, mean_inb_se : float
        E[INB] and its Monte Carlo standard error.
    choice : str
        The option chosen on current information.
    p_wrong, p_wrong_se : float
        Probability that the other option is better, with its standard error.
    evpi, evpi_se : float
        EVPI in money (per unit of analysis) and its Monte Carlo standard error.
    parameters, groups : tuple of Evppi
        Sorted by EVPPI, largest first; empty when EVPI is 0 (then every EVPPI is 0).
    currency : str
    estimator : str
    replicates : int
        Independent randomisations of the design (1: independent draws).
    jackknife_groups : int
        Row groups of the EVPPI jackknife (:func:`jackknife_groups`).
    se_method : str
        How the standard errors were computed, in words.
    """

    decision: str
    description: str
    output: str
    options: tuple[str, str]
    n: int
    mean_inb: float
    mean_inb_se: float
    choice: str
    p_wrong: float
    p_wrong_se: float
    evpi: float
    evpi_se: float
    parameters: tuple[Evppi, ...]
    groups: tuple[Evppi, ...]
    currency: str = "EUR"
    estimator: str = field(default="regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves")
    replicates: int = 1
    jackknife_groups: int = JACKKNIFE_GROUPS
    se_method: str = ""

    def ranking(self) -> tuple[Evppi, ...]:
        """Parameters and groups together, by EVPPI, largest first."""
        return tuple(sorted(self.parameters + self.groups, key=lambda e: -e.value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self, table: str = "evppi"):
        """``"evppi"`` (one row per parameter and group) or ``"decisions"`` (this one) as a
        :class:`pandas.DataFrame`; the columns: :func:`wotsim.analysis.voi_frames.voi_frame`."""
        return voi_frame([self], table)

    def frames(self) -> dict[str, Any]:
        """Both tables of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {name: voi_frame([self], name) for name in VOI_TABLES}


# --------------------------------------------------------------------------- decisions
def _se_method(replicates: int, groups: int) -> str:
    if replicates > 1:
        return (f"standard errors from the {replicates} independent randomisations of the design (EVPPI: "
                f"delete-one-randomisation jackknife of the whole estimator, regressions included)")
    return (f"standard errors for independent draws (EVPPI: delete-one-group jackknife over {groups} groups "
            f"of draws, regressions included)")


@dataclass(frozen=True)
class _Decision:
    """What :func:`_analyse_all` needs of one decision (see :func:`_analyse`)."""

    decision: str
    description: str
    output: str
    options: tuple[str, str]
    inb: np.ndarray
    inputs: Mapping[str, np.ndarray]
    labels: Mapping[str, str]
    groups: Mapping[str, Sequence[str]]
    currency: str
    parameters: bool = True
    with_groups: bool = True
    replicates: int = 1


def _analyse(decision: str, description: str, output: str, options: tuple[str, str], inb: np.ndarray,
             inputs: Mapping[str, np.ndarray], labels: Mapping[str, str], groups: Mapping[str, Sequence[str]],
             currency: str, *, parameters: bool = True, with_groups: bool = True, replicates: int = 1) -> VoiResult:
    return _analyse_all([_Decision(decision, description, output, options, inb, inputs, labels, groups, currency,
                                   parameters, with_groups, replicates)])[0]


def _digest(x: np.ndarray) -> bytes:
    """The content of a column of draws, as a key: decisions on the same draws share its regressions."""
    x = np.ascontiguousarray(x, dtype=float)
    return hashlib.blake2b(x.tobytes(), digest_size=16, person=str(x.shape).encode()[:16]).digest()


def _analyse_all(decisions: Sequence[_Decision]) -> list[VoiResult]:
    """Every decision's value of information; an input (a parameter's draws, a group's) that several decisions
    share is regressed once for all their net benefits (:func:`wotsim.analysis.evppi.evppi_many`), each estimate
    the number it would be alone.  BLAS runs on one thread here (:func:`one_blas_thread`)."""
    with one_blas_thread():
        return _analyse_shared(decisions)


def _analyse_shared(decisions: Sequence[_Decision]) -> list[VoiResult]:
    head = []
    for d in decisions:
        inb = check_inb(d.inb)
        replicates = max(int(d.replicates or 1), 1)
        value, se = evpi(inb, replicates)
        head.append((inb, replicates, value, se))
    keys: dict[str, bytes] = {}

    def key(x: np.ndarray) -> bytes:
        if id(x) not in keys:
            keys[id(x)] = _digest(x)
        return keys[id(x)]

    # per parameter: one job per distinct (draws, size, randomisations), each decision that has them a net benefit
    jobs: dict[tuple, list[tuple[int, str]]] = {}
    for i, (d, (inb, R, value, _)) in enumerate(zip(decisions, head)):
        if d.parameters and value != 0.0:  # EVPI 0: no draw favours the other option, every EVPPI is 0
            for name, x in d.inputs.items():
                jobs.setdefault((key(x), inb.size, R), []).append((i, name))
    param_jobs = list(jobs.values())
    # per group: one job per distinct (members, their draws in order)
    jobs = {}
    for i, (d, (inb, R, value, _)) in enumerate(zip(decisions, head)):
        if d.with_groups and value != 0.0:
            for gname, members in d.groups.items():
                jobs.setdefault((tuple(members), tuple(key(d.inputs[m]) for m in members), inb.size, R),
                                []).append((i, gname))
    group_jobs = list(jobs.values())
    global _SHARED
    _SHARED = (decisions, head, param_jobs, group_jobs)
    try:
        with _workers(len(param_jobs) + len(group_jobs), max((h[0].size for h in head), default=0)) as run:
            found = {}
            for members, results in zip(param_jobs, run(_param_job, range(len(param_jobs)))):
                for (i, name), e in zip(members, results):
                    found[i, name] = replace(e, name=name, parameters=(name,),
                                             label=decisions[i].labels.get(name, name))
            known = [[_known_r2(found, i, decisions[i].groups[g]) for i, g in members] for members in group_jobs]
            grouped = {}
            for members, results in zip(group_jobs, run(_group_job, list(enumerate(known)))):
                for (i, gname), e in zip(members, results):
                    k = len(e.parameters)
                    grouped[i, gname] = replace(e, name=gname, label=f"{gname} ({k} parameter{'s' if k != 1 else ''})")
    finally:
        _SHARED = ()
    out = []
    for i, (d, (inb, replicates, value, se)) in enumerate(zip(decisions, head)):
        n = inb.size
        mean = float(inb.mean())
        adopt = mean > 0
        wrong = (inb <= 0) if adopt else (inb > 0)
        p_wrong = float(np.mean(wrong))
        p_wrong_se = (math.sqrt(p_wrong * (1 - p_wrong) / n) if replicates <= 1
                      else draws_mean_se(wrong.astype(float), replicates))
        per_param = [found[i, name] for name in d.inputs if (i, name) in found]
        per_group = [grouped[i, g] for g in d.groups if (i, g) in grouped]
        G = jackknife_groups(n, replicates)
        out.append(VoiResult(
            decision=d.decision, description=d.description, output=d.output, options=d.options, n=n,
            mean_inb=mean, mean_inb_se=draws_mean_se(inb, replicates),
            choice=d.options[1] if adopt else d.options[0], p_wrong=p_wrong, p_wrong_se=p_wrong_se,
            evpi=value, evpi_se=se,
            parameters=tuple(sorted(per_param, key=lambda e: -e.value)),
            groups=tuple(sorted(per_group, key=lambda e: -e.value)),
            currency=d.currency, replicates=replicates, jackknife_groups=G, se_method=_se_method(replicates, G),
        ))
    return out


#: What forked workers of :func:`_analyse_shared` read: (decisions, their EVPI, parameter jobs, group jobs).
_SHARED: tuple = ()


def _known_r2(found: Mapping[tuple[int, str], Evppi], i: int, members: Sequence[str]) -> list[float] | None:
    r2 = [found[i, m].r2 if (i, m) in found else None for m in members]
    return None if None in r2 else r2


def _param_job(j: int) -> list[Evppi]:
    decisions, head, param_jobs, _ = _SHARED
    members = param_jobs[j]
    i0, name = members[0]
    return evppi_many(decisions[i0].inputs[name], [head[i][0] for i, _ in members], replicates=head[i0][1],
                      kind="parameter", evpi_values=[head[i][2] for i, _ in members])


def _group_job(task: tuple[int, list]) -> list[Evppi]:
    j, known = task
    decisions, head, _, group_jobs = _SHARED
    members = group_jobs[j]
    i0, g0 = members[0]
    names = tuple(decisions[i0].groups[g0])
    x = np.column_stack([decisions[i0].inputs[m] for m in names])
    return evppi_many(x, [head[i][0] for i, _ in members], replicates=head[i0][1], member_r2=known, kind="group",
                      parameters=names, evpi_values=[head[i][2] for i, _ in members])


#: Fewest regressions, and draws, for which :func:`_analyse_shared` forks worker processes (below, it does not pay).
PARALLEL_MIN_JOBS, PARALLEL_MIN_DRAWS = 8, 8192


@contextmanager
def _workers(jobs: int, draws: int):
    """``run(fn, tasks) -> [fn(task)...]``: in forked worker processes (:func:`wotsim._fork.fork_workers`,
    at least :data:`PARALLEL_MIN_JOBS` jobs of :data:`PARALLEL_MIN_DRAWS` draws), else here; each job's numbers
    are the same either way."""
    workers = fork_workers(jobs) if jobs >= PARALLEL_MIN_JOBS and draws >= PARALLEL_MIN_DRAWS else 1
    with fork_pool(workers) as pool:
        yield (lambda fn, tasks: [fn(t) for t in tasks]) if pool is None else (
            lambda fn, tasks: pool.map(fn, tasks, chunksize=1))


@contextmanager
def one_blas_thread():
    """BLAS on one thread (threadpoolctl) while the value of information runs: its matrices are small and many,
    and OpenBLAS's threads wait on a busy core (measured: ``benchmarks/bench_report.py``)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _groups(grouping: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each group's parameters from a parameter -> group mapping (:func:`wotsim.analysis.groups.parameter_groups`)."""
    return members_of(grouping, grouping.values())


def keep_voi(result: SimulationResult, *, output: str = "npv", groups: bool = True,
             parameters: bool = True) -> VoiResult:
    """Value of information for keeping the intervention (the WOTs) or stopping it.

    Parameters
    ----------
    result : SimulationResult
    output : str
        The net benefit: ``npv`` (society) or an NPV output / ``net:<stakeholder>``
        (that party's perspective).
    groups, parameters : bool
        Estimate EVPPI per group / per parameter.

    Returns
    -------
    VoiResult
        ``INB = output``; options ("stop", "keep").
    """
    return _analyse_all([_keep(result, output, groups, parameters)])[0]


def _keep(result: SimulationResult, output: str, groups: bool, parameters: bool) -> _Decision:
    cfg = result.config
    check_output(cfg, output, measures=("npv",), what="value of information")
    inb = output_array(cfg, result.item_pv, output)
    names = result.parameters
    inputs = {name: result.draws[:, j] for j, name in enumerate(names)}
    labels = {name: cfg.parameters[name].label or name for name in names}
    return _Decision("keep", f"keep the intervention if E[{output}] > 0, else stop (worth 0)", output,
                     ("stop", "keep"), inb, inputs, labels, _groups(parameter_groups(cfg, "group")) if groups else {},
                     cfg.study.currency, parameters=parameters, with_groups=groups,
                     replicates=getattr(result, "replicates", 1))


def adoption_voi(comparison, scenario: str, *, output: str = "npv", groups: bool = True,
                 parameters: bool = True) -> VoiResult:
    """Value of information for adopting a scenario instead of the base analysis.

    Parameters
    ----------
    comparison : wotsim.analysis.scenarios.Comparison
        Run with common random numbers (``paired=True``).
    scenario : str
        The scenario id.
    output : str
        The net benefit output (an NPV), evaluated under both.

    Returns
    -------
    VoiResult
        ``INB = output_scenario - output_base`` per draw; options ("base", scenario).
        The inputs are the base draws of every uncertain parameter of the base
        (a scenario's replaced, scaled or shifted parameter is a monotone function of
        the same uniform, so learning one is learning the other) and the draws of the
        scenario's new parameters.
    """
    return _analyse_all([_adoption(comparison, scenario, output, groups, parameters)])[0]


def _adoption(comparison, scenario: str, output: str, groups: bool, parameters: bool) -> _Decision:
    if not comparison.paired:
        raise WotsimError("value of information for a scenario needs paired draws; run compare with paired=True")
    run = comparison.run(scenario)
    if run.scenario is None:
        raise WotsimError("the base analysis is the reference; name a scenario")
    base = comparison.base
    for cfg in (base.config, run.config):
        check_output(cfg, output, measures=("npv",), what="value of information")
    inb = run.output(output) - output_array(base.config, base.item_pv, output)
    inputs = {name: base.draws[:, j] for j, name in enumerate(base.parameters)}
    for j, name in enumerate(run.new_parameters):
        inputs[name] = run.new_draws[:, j]
    params = dict(base.config.parameters)
    params.update({k: v for k, v in run.config.parameters.items() if k in run.new_parameters})
    labels = {name: params[name].label or name for name in inputs}
    grouping = {**parameter_groups(base.config, "group"),
                **{p: g for p, g in parameter_groups(run.config, "group").items() if p in run.new_parameters}}
    return _Decision(f"adopt:{scenario}", f"adopt {scenario!r} instead of the base if E[INB] > 0", output,
                     ("base", scenario), inb, inputs, labels, _groups(grouping) if groups else {},
                     base.config.study.currency, parameters=parameters, with_groups=groups,
                     replicates=getattr(base, "replicates", 1))


def voi_many(source, decisions: Sequence[tuple[str, bool]], *, output: str = "npv") -> dict[str, VoiResult]:
    """Several decisions at once: what :func:`keep_voi` and :func:`adoption_voi` give, in less time.

    Parameters
    ----------
    source : SimulationResult or wotsim.analysis.scenarios.Comparison
    decisions : sequence of (str, bool)
        ``("base", groups)``: keep the intervention (of the base run); ``(scenario id, groups)``: adopt that
        scenario instead of the base (a comparison with paired draws); ``groups``: EVPPI per group too.
    output : str
        The net benefit output (an NPV).

    Returns
    -------
    dict
        Decision's id (``"base"`` or the scenario id) -> :class:`VoiResult`, in the order given.  Every number
        equals that of :func:`keep_voi` or :func:`adoption_voi`: the decisions share each regression on the same
        draws (a parameter or group of the base), not its arithmetic.
    """
    result = source.base if hasattr(source, "runs") else source  # a comparison's base run, else the run itself
    wanted = [_keep(result, output, groups, True) if rid == "base" else _adoption(source, rid, output, groups, True)
              for rid, groups in decisions]
    return dict(zip((rid for rid, _ in decisions), _analyse_all(wanted)))


# --------------------------------------------------------------------------- files
def save_voi(directory: str | Path, results: Sequence[VoiResult], manifest: Mapping[str, Any], *,
             format: str = "npz", json_files: Mapping[str, Any] | None = None, texts: Mapping[str, str] | None = None,
             tables: Mapping[str, Any] | None = None) -> Path:
    """Write ``voi.json`` (every decision's fields), ``evppi.csv``, ``manifest.json`` and any more ``json_files``,
    ``texts`` and ``tables`` (``voi --studies``: the EVSI's) atomically; a ``format`` other than ``npz`` adds the
    tables of :func:`wotsim.analysis.voi_frames.voi_frame` for all decisions."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # quotes names that hold commas
    writer.writerow(["decision", "kind", "name", "evppi", "se", "floor", "raw", "r2", "basis", "evpi",
                     "distinguishable", "basis_note", "fit_warning", "bias", "bias_warning",
                     "interaction_warning"])
    for r in results:
        for e in r.groups + r.parameters:
            writer.writerow([r.decision, e.kind, e.name, repr(e.value), repr(e.se), repr(e.floor), repr(e.raw),
                             repr(e.r2), e.basis, repr(r.evpi), "yes" if e.distinguishable else "no",
                             e.basis_note, e.fit_warning, repr(e.bias), e.bias_warning, e.interaction_warning])
    return write_results(directory, manifest=manifest,
                         json_files={"voi.json": {"format": VOI_FORMAT, "decisions": [encode(r) for r in results]},
                                     **(json_files or {})},
                         texts={"evppi.csv": buf.getvalue(), **(texts or {})}, table_format=format,
                         tables=None if format == "npz" else {**{t: voi_frame(results, t) for t in VOI_TABLES},
                                                              **(tables or {})})


def load_voi(directory: str | Path) -> tuple[VoiResult, ...]:
    """Read back what :func:`save_voi` wrote: the decisions, in their order, with their manifest unchanged.

    Every field is checked against its type (:func:`wotsim.results.records.decode`); the
    decisions must be ``keep`` or ``adopt:<scenario>`` (each names figure files), once each; a
    parameter's EVPPI must list that one parameter; every estimate but R2 must be finite.  Any damage is
    one :class:`ResultsError`.
    """
    directory = Path(directory)
    where, results = read_record_list(directory, "voi.json", VOI_FORMAT, "decisions", VoiResult,
                                      "value-of-information", "decision")
    names = [r.decision for r in results]
    for r in results:
        try:
            file_stem(r.decision, "decision")
        except WotsimError as exc:
            raise ResultsError(f"{where}: decisions: {exc}") from None
        if not (r.decision == "keep" or r.decision.startswith("adopt:")) or names.count(r.decision) != 1:
            raise ResultsError(f"{where}: decision {shown(r.decision)} must be 'keep' or 'adopt:<scenario id>', "
                               "once each")
        if any(e.kind != "parameter" or e.parameters != (e.name,) for e in r.parameters):
            raise ResultsError(f"{where}: {r.decision}: each parameter's EVPPI must name that one parameter")
        numbers = [r.mean_inb, r.mean_inb_se, r.p_wrong, r.p_wrong_se, r.evpi, r.evpi_se]
        numbers += [x for e in r.parameters + r.groups for x in (e.value, e.se, e.floor, e.raw, e.bias)]
        if not all(math.isfinite(x) for x in numbers):  # only R2 may be undefined (an INB without variance)
            raise ResultsError(f"{where}: {r.decision}: its estimates must be finite numbers; wotsim never "
                               "writes others")
        spreads = [r.mean_inb_se, r.p_wrong_se, r.evpi, r.evpi_se]
        spreads += [x for e in r.parameters + r.groups for x in (e.value, e.se, e.floor)]
        if min(spreads) < 0 or not 0 <= r.p_wrong <= 1:
            raise ResultsError(f"{where}: {r.decision}: standard errors, noise floors and values of information "
                               "must be >= 0 and P(wrong) within [0, 1]; wotsim never writes others")
        members = [e.name for e in r.parameters]
        if len(set(members)) != len(members) or any(e.kind != "group" for e in r.groups):
            raise ResultsError(f"{where}: {r.decision}: each parameter must appear once, and every group's kind "
                               "must be 'group'")
    man = read_json(directory / "manifest.json", "manifest")
    return VoiResults(results, config=manifest_config(directory, man))  # the config: labels and units of figures


class VoiResults(tuple):
    """The decisions of a value-of-information directory (a tuple of :class:`VoiResult`), with the config
    they were computed for (``.config``: labels, currency, price year and unit of analysis of the figures)."""

    config: Config | None

    def __new__(cls, results=(), *, config: Config | None = None):
        self = super().__new__(cls, results)
        self.config = config
        return self

    def to_frame(self, table: str = "evppi"):
        """Every decision's ``"evppi"`` rows or ``"decisions"`` in one :class:`pandas.DataFrame`
        (:func:`wotsim.analysis.voi_frames.voi_frame`)."""
        return voi_frame(list(self), table)

    def frames(self) -> dict[str, Any]:
        return {name: voi_frame(list(self), name) for name in VOI_TABLES}
