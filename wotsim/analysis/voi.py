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
:func:`save_voi` writes ``voi.json``, ``evppi.csv`` and ``manifest.json``;
:func:`load_voi` reads them back.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .._paths import file_stem
from ..errors import ResultsError, WotsimError
from ..model import check_output, output_array
from ..config.schema import Config
from ..results.io import manifest_config, read_json, write_results
from ..results.records import decode, encode, require_files, shown
from ..results.simulation import SimulationResult
from .evppi import Evppi, check_inb, draws_mean_se, evpi, evppi
from .evppi_fit import JACKKNIFE_GROUPS, jackknife_groups
from .groups import members_of, parameter_groups

__all__ = ["VOI_FORMAT", "VoiResult", "adoption_voi", "keep_voi", "load_voi", "save_voi"]

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


# --------------------------------------------------------------------------- decisions
def _se_method(replicates: int, groups: int) -> str:
    if replicates > 1:
        return (f"standard errors from the {replicates} independent randomisations of the design (EVPPI: "
                f"delete-one-randomisation jackknife of the whole estimator, regressions included)")
    return (f"standard errors for independent draws (EVPPI: delete-one-group jackknife over {groups} groups "
            f"of draws, regressions included)")


def _analyse(decision: str, description: str, output: str, options: tuple[str, str], inb: np.ndarray,
             inputs: Mapping[str, np.ndarray], labels: Mapping[str, str], groups: Mapping[str, Sequence[str]],
             currency: str, *, parameters: bool = True, with_groups: bool = True, replicates: int = 1) -> VoiResult:
    inb = check_inb(inb)
    n = inb.size
    replicates = max(int(replicates or 1), 1)
    mean = float(inb.mean())
    adopt = mean > 0
    value, se = evpi(inb, replicates)
    wrong = (inb <= 0) if adopt else (inb > 0)
    p_wrong = float(np.mean(wrong))
    p_wrong_se = (math.sqrt(p_wrong * (1 - p_wrong) / n) if replicates <= 1
                  else draws_mean_se(wrong.astype(float), replicates))
    if value == 0.0:  # no draw favours the other option: nothing to learn, EVPPI is 0 for every input
        parameters = with_groups = False
    per_param = []
    if parameters:
        for name, x in inputs.items():
            per_param.append(evppi(x, inb, name=name, kind="parameter", parameters=(name,), replicates=replicates,
                                   label=labels.get(name, name), evpi_value=value))
    single_r2 = {e.name: e.r2 for e in per_param}
    per_group = []
    if with_groups:
        for gname, members in groups.items():
            x = np.column_stack([inputs[m] for m in members])
            known = [single_r2.get(m) for m in members]
            per_group.append(evppi(x, inb, name=gname, kind="group", parameters=tuple(members), replicates=replicates,
                                   member_r2=None if None in known else known,
                                   label=f"{gname} ({len(members)} parameter{'s' if len(members) != 1 else ''})",
                                   evpi_value=value))
    G = jackknife_groups(n, replicates)
    return VoiResult(
        decision=decision, description=description, output=output, options=options, n=n,
        mean_inb=mean, mean_inb_se=draws_mean_se(inb, replicates),
        choice=options[1] if adopt else options[0], p_wrong=p_wrong, p_wrong_se=p_wrong_se,
        evpi=value, evpi_se=se,
        parameters=tuple(sorted(per_param, key=lambda e: -e.value)),
        groups=tuple(sorted(per_group, key=lambda e: -e.value)),
        currency=currency, replicates=replicates, jackknife_groups=G, se_method=_se_method(replicates, G),
    )


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
    cfg = result.config
    check_output(cfg, output, measures=("npv",), what="value of information")
    inb = output_array(cfg, result.item_pv, output)
    names = result.parameters
    inputs = {name: result.draws[:, j] for j, name in enumerate(names)}
    labels = {name: cfg.parameters[name].label or name for name in names}
    return _analyse("keep", f"keep the intervention if E[{output}] > 0, else stop (worth 0)", output,
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
    return _analyse(f"adopt:{scenario}", f"adopt {scenario!r} instead of the base if E[INB] > 0", output,
                    ("base", scenario), inb, inputs, labels, _groups(grouping) if groups else {},
                    base.config.study.currency, parameters=parameters, with_groups=groups,
                    replicates=getattr(base, "replicates", 1))

# --------------------------------------------------------------------------- files
def save_voi(directory: str | Path, results: Sequence[VoiResult], manifest: Mapping[str, Any]) -> Path:
    """Write ``voi.json`` (every decision's fields), ``evppi.csv`` and ``manifest.json`` atomically."""
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
                         json_files={"voi.json": {"format": VOI_FORMAT, "decisions": [encode(r) for r in results]}},
                         texts={"evppi.csv": buf.getvalue()})


def load_voi(directory: str | Path) -> tuple[VoiResult, ...]:
    """Read back what :func:`save_voi` wrote: the decisions, in their order, with their manifest unchanged.

    Every field is checked against its type (:func:`wotsim.results.records.decode`); the
    decisions must be ``keep`` or ``adopt:<scenario>`` (each names figure files), once each; a
    parameter's EVPPI must list that one parameter; every estimate but R2 must be finite.  Any damage is
    one :class:`ResultsError`.
    """
    directory = Path(directory)
    require_files(directory, ("voi.json", "manifest.json"), "value-of-information")
    where = directory / "voi.json"
    body = read_json(where, "value-of-information results")
    if body.get("format") != VOI_FORMAT or isinstance(body.get("format"), bool):
        raise ResultsError(f"{directory}: value-of-information format {shown(body.get('format'))}; this wotsim "
                           f"reads {VOI_FORMAT}")
    decisions = body.get("decisions")
    if not isinstance(decisions, list) or not decisions:
        raise ResultsError(f"{where}: decisions must be a list with one entry per decision")
    results = tuple(decode(VoiResult, d, f"decisions.{i}", {}, where) for i, d in enumerate(decisions))
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
