"""Expected value of sample information (EVSI) of the config's studies, the population value and the best size.

A study (``[studies.<id>]``, :class:`wotsim.config.schema.StudyDesign`) would collect data on one parameter
theta, or on several (a joint study), before the decision is taken.  For each decision wotsim knows (keep
the intervention, and adopt each scenario one could adopt, as :mod:`wotsim.analysis.voi`: its incremental
net benefit ``INB`` per draw), and each study size ``n``:

    EVSI(n) = E_D[ max(E[INB | D], 0) ] - max(E[INB], 0),

the expected gain of choosing after seeing the study's data ``D`` instead of now.  ``0 <= EVSI(n) <=
EVPPI(theta) <= EVPI``, EVSI rising with ``n`` towards EVPPI(theta).

Data.  For every Monte Carlo draw ``i`` (the run's own draws ``theta_i``) the study's data are simulated
and reduced to a sufficient summary ``T_i``, one per informed parameter:

* ``binomial``: ``X_i ~ Binomial(n, theta_i)``, ``T_i = X_i / n`` (theta must be in [0, 1] in every draw);
* ``normal``: the mean of ``n`` observations ``N(theta_i, sd^2)``, ``T_i = theta_i + sd / sqrt(n) Z_i``
  (exact in distribution).

Both come from one uniform ``U_i`` per draw and informed parameter, through the inverse CDF (``X_i`` the
binomial quantile of ``U_i``, ``Z_i = Phi^-1(U_i)``).  The uniforms come from the study's own seed stream,
``SeedSequence(seed, spawn_key=(STREAMS["voi"], h(study id), h(parameter)))`` (:data:`wotsim.sampling.STREAMS`;
``h`` the first 4 bytes of SHA-256; a spawn key of three entries, so no ``spawn()`` child of the ``voi``
stream can equal it), drawn for all rows at once in row order.  So the numbers are reproducible, do not
depend on the chunk size, on the other studies evaluated or on the other sizes, and the sizes of one study
share their uniforms (common random numbers: ``T`` at size ``n`` and ``n'`` are coupled draw by draw, so the
differences between sizes, which set the best size, are far more precise than the EVSIs themselves).
The data are generated from the base run's draws of theta for every decision: for the adoption of a
scenario the study measures the parameter as the base analysis describes it (a scenario's replaced
parameter is a monotone function of the same uniform, :func:`wotsim.analysis.voi.adoption_voi`).

Estimator.  EVSI is the EVPPI of the summary ``T``: regression of each decision's INB on ``T`` (Strong,
Oakley, Brennan & Breeze 2015, Med Decis Making 35:570-583), by :func:`wotsim.analysis.evppi.evppi_many`
unchanged: a cubic B-spline in ``T`` (one indicator per value when ``T`` takes at most 24 values, e.g. a
binomial study of ``n <= 23``: then the fit is the exact conditional mean), a joint study's summaries as a
group (additive splines, pairwise products, grown bases), cross-fitted in two halves, with the out-of-sample
R^2, the jackknife standard error (of the whole estimator, regressions included; for a randomised QMC design
from its randomisations), the noise floor and the upward-bias estimate of :mod:`wotsim.analysis.evppi`.
All decisions share each regression.  The estimate is reported capped at the EVPPI of the informed
parameters (estimated the same way, on theta itself), which bounds it in truth; the uncapped value is
``raw`` in the per-size record (``fits``).  Measured (``tests/test_evsi.py``): within 0.9 se of the
normal-normal and beta-binomial closed forms at 2^14 draws; the spread over 100 seeds / the mean se 0.83-1.08
(mc, and sobol with 16 randomisations).  Where ``E[INB]`` is near 0 the estimate (as EVPI and EVPPI) is biased
downward by about ``E[max(mean INB, 0)] ~ sd(INB) / sqrt(2 pi n_draws)`` (the choice on current information
is made on the sample mean), a fraction of one se, and upward by the fit's noise (``bias``).  A second, exact method for the conjugate cases
(normal-normal, beta-binomial, INB linear in theta) is in :mod:`wotsim.analysis.evsi_exact`; the engine does
not use it (the conditions it needs are not detected), the tests check the regression against it.

Population and the best size.  The decision affects ``C = [study] decision_cohorts`` cohorts (units of
analysis), the later ones discounted at the study's discount rate ``r`` (``[study] discount_rate``
evaluated at the parameters' base values, as the deterministic base case does):

* population EVSI = EVSI x ``F``, ``F = sum_{k=0}^{C-1} (1 + r)^-k`` (likewise population EVPI and EVPPI,
  the ceiling);
* study cost = ``cost_fixed + cost_per_unit x n``; ENBS = population EVSI - cost (its standard error that of
  population EVSI: the cost is known);
* the best size: the size with the highest ENBS when that is above 0, else none, with the message
  :data:`NO_SIZE` ("no size is worth its cost").  When the best ENBS is within two standard errors of 0,
  ``best_note`` says so.

Results: one :class:`EvsiResult` per study and decision (arrays over the sizes, as tuples);
:meth:`EvsiResult.to_frame` and :func:`evsi_frame` (one row per study, decision and size), :func:`save_evsi`
(``evsi.json``, ``evsi.csv`` and ``manifest.json``; :func:`evsi_files` gives the two files for a caller
that writes them beside others) and :func:`load_evsi`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import stats

from ..config.schema import Config, StudyDesign, base_values, with_derived
from ..errors import ResultsError, WotsimError
from ..model import check_output, output_array
from ..results.frames import table
from ..results.io import write_results
from ..results.records import encode, read_record_list, shown
from ..sampling import STREAMS
from .evppi import Evppi, check_inb, evpi, evppi_many
from .evppi_fit import jackknife_groups
from .voi import one_blas_thread

__all__ = ["DESIGNS", "EVSI_FORMAT", "NO_SIZE", "EvsiResult", "evsi_files", "evsi_frame", "evsi_many",
           "load_evsi", "population_factor", "save_evsi", "study_data", "study_evsi", "study_rate",
           "study_uniforms"]

#: Layout of ``evsi.json`` (``"format"``).
EVSI_FORMAT = 1
#: The study designs: how one unit's data depend on the parameter.
DESIGNS = ("binomial", "normal")
#: Said when no size's ENBS is above 0.
NO_SIZE = "no size is worth its cost"
#: Keeps the uniforms inside (0, 1): a quantile at 0 or 1 would be -1 or infinite.
_EPS = 2.0 ** -53


@dataclass(frozen=True)
class EvsiResult:
    """The value of one study's information for one decision, per study size.

    Per-size fields are tuples in the order of ``sizes``.  Amounts are in ``currency``: ``evsi``,
    ``evpi`` and ``evppi`` per unit of analysis (one cohort), ``population_*``, ``cost`` and ``enbs``
    over the ``cohorts`` the decision affects.

    Attributes
    ----------
    study, label : str
        The study's id and label.
    decision : str
        ``"keep"`` or ``"adopt:<scenario id>"``.
    description, output : str
        The decision in words; the net benefit output.
    informs : tuple of str
        The parameters the study informs.
    design : str
        ``"binomial"`` or ``"normal"``; ``sd`` the sd of one observation (normal design).
    sizes : tuple of int
    evsi, evsi_se : tuple of float
        EVSI per cohort (``min(raw, EVPPI)``) and its standard error (of ``raw``).
    floor : tuple of float
        Noise floor: the expected estimate of a study without information.
    r2 : tuple of float
        Out-of-sample R^2 of the regression of INB on the study's summary.
    cost_fixed, cost_per_unit : float
    cost, population_evsi, population_evsi_se, enbs : tuple of float
        Study cost; population EVSI and its standard error (also ENBS's); ENBS = population EVSI - cost.
    best_size : int or None
        The size that maximises ENBS, None when no ENBS is above 0 (``message`` is then :data:`NO_SIZE`).
    best_note : str
        Set when the best size's ENBS is within two standard errors of 0.
    cohorts, discount_rate, population_factor : int, float, float
        ``C``, ``r`` and ``sum_{k<C} (1 + r)^-k``.
    evpi, evpi_se, evppi, evppi_se, evppi_floor : float
        The decision's EVPI and the EVPPI of the informed parameters (per cohort): the ceiling.
    population_evpi, population_evppi : float
    n, replicates : int
        Draws and their independent randomisations.
    fits : tuple of Evppi
        Per size, the whole regression estimate (raw value, bias, warnings) of :mod:`wotsim.analysis.evppi`.
    evppi_fit : Evppi
        The EVPPI of the informed parameters, likewise.
    """

    study: str
    label: str
    decision: str
    description: str
    output: str
    informs: tuple[str, ...]
    design: str
    sd: float | None
    sizes: tuple[int, ...]
    evsi: tuple[float, ...]
    evsi_se: tuple[float, ...]
    floor: tuple[float, ...]
    r2: tuple[float, ...]
    cost_fixed: float
    cost_per_unit: float
    cost: tuple[float, ...]
    population_evsi: tuple[float, ...]
    population_evsi_se: tuple[float, ...]
    enbs: tuple[float, ...]
    best_size: int | None
    message: str
    best_note: str
    cohorts: int
    discount_rate: float
    population_factor: float
    evpi: float
    evpi_se: float
    evppi: float
    evppi_se: float
    evppi_floor: float
    population_evpi: float
    population_evppi: float
    n: int
    replicates: int
    currency: str
    fits: tuple[Evppi, ...]
    evppi_fit: Evppi
    estimator: str = "regression on the study's summary statistic (Strong, Oakley, Brennan & Breeze 2015), " \
                     "cross-fitted in two halves"
    se_method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self, table: str = "evsi"):
        """One row per size (:func:`evsi_frame`)."""
        return evsi_frame([self], table)

    def frames(self) -> dict[str, Any]:
        return {"evsi": evsi_frame([self])}


# --------------------------------------------------------------------------- data
def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def study_uniforms(seed: int, study: str, parameter: str, n: int) -> np.ndarray:
    """The uniforms behind a study's data on one parameter, one per draw (see the module notes), shape (n,)."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(STREAMS["voi"], _hash32(study), _hash32(parameter)))
    return np.clip(np.random.Generator(np.random.PCG64(seq)).random(n), _EPS, 1.0 - _EPS)


def study_data(study: StudyDesign, theta: np.ndarray, size: int, uniforms: np.ndarray) -> np.ndarray:
    """The summary statistic of a study of ``size`` per draw: the share of events (binomial) or the mean
    of the observations (normal), from the parameter's draws ``theta`` and the uniforms (same shape)."""
    theta = np.asarray(theta, dtype=float)
    if study.design == "binomial":
        return stats.binom.ppf(uniforms, size, theta) / size
    return theta + float(study.sd) / math.sqrt(size) * stats.norm.ppf(uniforms)


def _check_study(config: Config, study: StudyDesign, names: Sequence[str]) -> None:
    where = f"{config.path}: studies.{study.id}"
    if study.design not in DESIGNS:
        raise WotsimError(f"{where}.design: must be one of {', '.join(DESIGNS)}, got {shown(study.design)}")
    if study.design == "normal" and not (study.sd is not None and study.sd > 0 and math.isfinite(study.sd)):
        raise WotsimError(f"{where}.sd: a normal design needs the sd of one observation, a number > 0")
    if not study.informs or len(set(study.informs)) != len(study.informs):
        raise WotsimError(f"{where}.informs: must name one parameter or several distinct ones")
    for p in study.informs:
        if p not in names:
            raise WotsimError(f"{where}.informs: {p!r} is not an uncertain parameter of this run; a study can only "
                              f"inform one (uncertain: {', '.join(names) or 'none'})")
    if not study.sizes or any(isinstance(n, bool) or int(n) != n or n < 1 for n in study.sizes) \
            or len(set(study.sizes)) != len(study.sizes):
        raise WotsimError(f"{where}.sizes: must be distinct whole numbers >= 1, got {list(study.sizes)}")
    if not all(math.isfinite(c) and c >= 0 for c in (study.cost_fixed, study.cost_per_unit)):
        raise WotsimError(f"{where}: cost_fixed and cost_per_unit must be numbers >= 0")


# --------------------------------------------------------------------------- population
def study_rate(config: Config) -> float:
    """The discount rate of the later cohorts: ``[study] discount_rate`` at the parameters' base values."""
    env = with_derived(config, base_values(config))
    rate = float(np.asarray(config.study.discount_rate(env), dtype=float).reshape(-1)[0])
    if not -1 < rate < 1:
        raise WotsimError(f"{config.path}: study.discount_rate: must be in (-1, 1) at base, got {rate:g}")
    return rate


def population_factor(cohorts: int, rate: float) -> float:
    """``sum_{k=0}^{C-1} (1 + r)^-k``: the present value of one unit a cohort for ``C`` cohorts."""
    if isinstance(cohorts, bool) or int(cohorts) != cohorts or cohorts < 1:
        raise WotsimError(f"study.decision_cohorts: must be a whole number >= 1, got {cohorts!r}")
    return float(sum((1.0 + rate) ** -k for k in range(int(cohorts))))


# --------------------------------------------------------------------------- the decisions
def _decisions(source, decisions: Sequence[str] | None, output: str) -> list[tuple[str, str, np.ndarray]]:
    """(decision id, description, INB per draw) of each decision, as :mod:`wotsim.analysis.voi` builds them."""
    from ..config.overlays import is_decision

    runs = getattr(source, "runs", None)
    result = source.base if runs is not None else source
    if decisions is None:
        decisions = ["base"] + ([r.id for r in source.scenarios if is_decision(r.scenario)] if runs is not None
                                else [])
    check_output(result.config, output, measures=("npv",), what="value of sample information")
    base_nb = output_array(result.config, result.item_pv, output)
    out = []
    for rid in decisions:
        if rid == "base":
            out.append(("keep", f"keep the intervention if E[{output}] > 0, else stop (worth 0)", base_nb))
            continue
        if runs is None or not source.paired:
            raise WotsimError(f"the adoption of {rid!r} needs a paired comparison with that scenario "
                              "(compare with paired=True)")
        run = source.run(rid)
        check_output(run.config, output, measures=("npv",), what="value of sample information")
        out.append((f"adopt:{rid}", f"adopt {rid!r} instead of the base if E[INB] > 0",
                    run.output(output) - base_nb))
    return out


# --------------------------------------------------------------------------- the estimates
def study_evsi(source, study: StudyDesign | str, *, output: str = "npv",
               decisions: Sequence[str] | None = None) -> tuple[EvsiResult, ...]:
    """EVSI, population EVSI, cost and ENBS of one study at each of its sizes, for each decision.

    Parameters
    ----------
    source : SimulationResult or wotsim.analysis.scenarios.Comparison
        A run (the keep decision) or a paired comparison (also the adoption of each scenario one could adopt).
    study : StudyDesign or str
        The study, or its id in ``config.studies``.
    output : str
        The net benefit (an NPV output).
    decisions : sequence of str, optional
        ``"base"`` (keep) and scenario ids; default: keep, and adopt each decision scenario of a comparison.

    Returns
    -------
    tuple of EvsiResult
        One per decision, in order.
    """
    return evsi_many(source, [study], output=output, decisions=decisions)[
        study if isinstance(study, str) else study.id]


def evsi_many(source, studies: Sequence[StudyDesign | str] | None = None, *, output: str = "npv",
              decisions: Sequence[str] | None = None) -> dict[str, tuple[EvsiResult, ...]]:
    """:func:`study_evsi` of several studies (default: every study of the config): study id -> results.
    Each study's numbers are those it gets alone (its data come from its own stream)."""
    result = source.base if getattr(source, "runs", None) is not None else source
    config = result.config
    if studies is None:
        studies = list(config.studies.values())
    studies = [config.studies[s] if isinstance(s, str) and s in config.studies else s for s in studies]
    for s in studies:
        if isinstance(s, str):
            raise WotsimError(f"{config.path}: unknown study {s!r}; studies: {', '.join(config.studies) or 'none'}")
    names = list(result.parameters)
    for s in studies:
        _check_study(config, s, names)
    found = _decisions(source, decisions, output)
    replicates = max(int(getattr(result, "replicates", 1) or 1), 1)
    inbs = [check_inb(inb) for _, _, inb in found]
    head = [evpi(inb, replicates) for inb in inbs]
    rate = study_rate(config)
    cohorts = config.study.decision_cohorts
    factor = population_factor(cohorts, rate)
    G = jackknife_groups(inbs[0].size, replicates)
    se_method = (f"standard errors from the {replicates} independent randomisations of the design (delete-one-"
                 "randomisation jackknife of the whole estimator, regressions included)" if replicates > 1 else
                 f"standard errors for independent draws (delete-one-group jackknife over {G} groups of draws, "
                 "regressions included)")
    out = {}
    with one_blas_thread():
        for s in studies:
            theta = np.column_stack([result.draws[:, names.index(p)] for p in s.informs])
            if s.design == "binomial" and not np.all((theta >= 0) & (theta <= 1)):
                bad = theta[~((theta >= 0) & (theta <= 1))][0]
                raise WotsimError(f"{config.path}: studies.{s.id}: a binomial design needs its parameters in "
                                  f"[0, 1] (a probability) in every draw, got {bad:g}")
            kind = "parameter" if len(s.informs) == 1 else "group"
            ceiling = evppi_many(theta, inbs, replicates=replicates, kind=kind, parameters=s.informs,
                                 name=s.id, label=s.label, evpi_values=[v for v, _ in head])
            u = np.column_stack([study_uniforms(result.seed, s.id, p, theta.shape[0]) for p in s.informs])
            fits = []  # per size: one Evppi per decision
            for size in s.sizes:
                T = study_data(s, theta, int(size), u)
                fits.append(evppi_many(T, inbs, replicates=replicates, kind="study", parameters=s.informs,
                                       name=f"{s.id}:n={int(size)}", label=s.label,
                                       evpi_values=[v for v, _ in head]))
            out[s.id] = tuple(_result(s, d, [f[i] for f in fits], ceiling[i], head[i], cohorts, rate, factor,
                                      inbs[i].size, replicates, config.study.currency, output, se_method)
                              for i, d in enumerate(found))
    return out


def _result(s: StudyDesign, decision: tuple, fits: list[Evppi], ceiling: Evppi, head: tuple[float, float],
            cohorts: int, rate: float, factor: float, n: int, replicates: int, currency: str, output: str,
            se_method: str) -> EvsiResult:
    sizes = tuple(int(k) for k in s.sizes)
    value = tuple(min(e.value, ceiling.value) for e in fits)
    se = tuple(e.se for e in fits)
    cost = tuple(float(s.cost_fixed) + float(s.cost_per_unit) * k for k in sizes)
    pop = tuple(v * factor for v in value)
    pop_se = tuple(x * factor for x in se)
    enbs = tuple(p - c for p, c in zip(pop, cost))
    j = int(np.argmax(enbs))
    best = sizes[j] if enbs[j] > 0 else None
    note = ""
    if best is not None and enbs[j] <= 2.0 * pop_se[j]:
        note = (f"the ENBS of the best size ({_money(enbs[j])}) is within two standard errors "
                f"({_money(2.0 * pop_se[j])}) of 0: the study may not be worth its cost")
    return EvsiResult(
        study=s.id, label=s.label, decision=decision[0], description=decision[1], output=output,
        informs=tuple(s.informs), design=s.design, sd=None if s.sd is None else float(s.sd), sizes=sizes,
        evsi=value, evsi_se=se, floor=tuple(e.floor for e in fits), r2=tuple(e.r2 for e in fits),
        cost_fixed=float(s.cost_fixed), cost_per_unit=float(s.cost_per_unit), cost=cost, population_evsi=pop,
        population_evsi_se=pop_se, enbs=enbs, best_size=best, message="" if best is not None else NO_SIZE,
        best_note=note, cohorts=int(cohorts), discount_rate=rate, population_factor=factor, evpi=head[0],
        evpi_se=head[1], evppi=ceiling.value, evppi_se=ceiling.se, evppi_floor=ceiling.floor,
        population_evpi=head[0] * factor, population_evppi=ceiling.value * factor, n=n, replicates=replicates,
        currency=currency, fits=tuple(fits), evppi_fit=ceiling, se_method=se_method)


def _money(x: float) -> str:
    return f"{x:,.0f}"


# --------------------------------------------------------------------------- tables and files
#: The columns of :func:`evsi_frame` and ``evsi.csv``: (id, label, in money or not).
_COLUMNS = (("study", "Study (id)", False), ("study_label", "Study", False), ("decision", "Decision (id)", False),
            ("informs", "Parameters the study informs", False), ("design", "Design", False),
            ("size", "Study size n", False), ("evsi", "EVSI per cohort", True),
            ("evsi_se", "Standard error of EVSI", True), ("floor", "Noise floor of EVSI", True),
            ("distinguishable", "EVSI distinguishable from 0", False), ("r2", "Out-of-sample R2", False),
            ("population_evsi", "Population EVSI", True), ("population_evsi_se", "Its standard error", True),
            ("cost", "Study cost", True), ("enbs", "Expected net benefit of sampling (ENBS)", True),
            ("best", "The size that maximises ENBS", False), ("evppi", "EVPPI of the informed parameters", True),
            ("population_evppi", "Population EVPPI", True), ("evpi", "EVPI of the decision", True),
            ("population_evpi", "Population EVPI", True), ("cohorts", "Cohorts the decision affects", False),
            ("discount_rate", "Discount rate of later cohorts", False), ("message", "Message", False))


def _rows(results: Sequence[EvsiResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        for j, size in enumerate(r.sizes):
            e = r.fits[j]
            rows.append({"study": r.study, "study_label": r.label, "decision": r.decision,
                         "informs": ", ".join(r.informs), "design": r.design, "size": size, "evsi": r.evsi[j],
                         "evsi_se": r.evsi_se[j], "floor": r.floor[j],
                         "distinguishable": r.evsi[j] > e.floor + 2.0 * e.se, "r2": r.r2[j],
                         "population_evsi": r.population_evsi[j], "population_evsi_se": r.population_evsi_se[j],
                         "cost": r.cost[j], "enbs": r.enbs[j], "best": size == r.best_size, "evppi": r.evppi,
                         "population_evppi": r.population_evppi, "evpi": r.evpi,
                         "population_evpi": r.population_evpi, "cohorts": r.cohorts,
                         "discount_rate": r.discount_rate, "message": r.message})
    return rows


def evsi_frame(results: Sequence[EvsiResult], name: str = "evsi"):
    """One row per study, decision and size as a :class:`pandas.DataFrame` (labels and units in ``frame.attrs``,
    :mod:`wotsim.results.frames`); money in the results' currency."""
    if name != "evsi":
        raise WotsimError(f"unknown table {name!r} of the value of sample information; tables: evsi")
    currency = results[0].currency if results else ""
    return table("evsi", [(c, label, currency if money else "") for c, label, money in _COLUMNS], _rows(results),
                 description="per study, decision and size: EVSI, population EVSI, cost and ENBS"
                             + (f" ({currency}, present value)" if currency else ""))


def evsi_files(results: Sequence[EvsiResult]) -> tuple[dict[str, Any], dict[str, str]]:
    """``({"evsi.json": body}, {"evsi.csv": text})``: what :func:`save_evsi` writes beside the manifest, for a
    caller that writes them with other files (:func:`wotsim.results.io.write_results`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c for c, _, _ in _COLUMNS])
    for row in _rows(results):
        writer.writerow([repr(v) if isinstance(v, float) else ("yes" if v is True else "no" if v is False else v)
                         for v in row.values()])
    return {"evsi.json": {"format": EVSI_FORMAT, "studies": [encode(r) for r in results]}}, \
        {"evsi.csv": buf.getvalue()}


def save_evsi(directory: str | Path, results: Sequence[EvsiResult], manifest: Mapping[str, Any]) -> Path:
    """Write ``evsi.json`` (every result's fields), ``evsi.csv`` (:func:`evsi_frame`'s rows) and
    ``manifest.json`` atomically; :func:`load_evsi` reads them back."""
    json_files, texts = evsi_files(results)
    return write_results(directory, manifest=manifest, json_files=json_files, texts=texts)


def load_evsi(directory: str | Path) -> tuple[EvsiResult, ...]:
    """Read back ``evsi.json``: every field checked against its type (:func:`wotsim.results.records.decode`),
    the per-size tuples as long as ``sizes``, the best size one of them (or none, with :data:`NO_SIZE`), every
    estimate finite and standard errors and floors >= 0; any damage is one :class:`ResultsError`."""
    directory = Path(directory)
    where, results = read_record_list(directory, "evsi.json", EVSI_FORMAT, "studies", EvsiResult,
                                      "value-of-sample-information", "study and decision")
    for i, r in enumerate(results):
        at = f"{where}: studies.{i} ({r.study}, {r.decision})"
        per_size = (r.evsi, r.evsi_se, r.floor, r.r2, r.cost, r.population_evsi, r.population_evsi_se, r.enbs,
                    r.fits)
        if not r.sizes or any(len(x) != len(r.sizes) for x in per_size):
            raise ResultsError(f"{at}: every per-size entry must have one value per size ({len(r.sizes)})")
        if (r.best_size is None) != (r.message == NO_SIZE) or (r.best_size is not None
                                                               and r.best_size not in r.sizes):
            raise ResultsError(f"{at}: best_size must be one of the sizes, or null with message {NO_SIZE!r}")
        numbers = [*r.evsi, *r.evsi_se, *r.floor, *r.cost, *r.population_evsi, *r.population_evsi_se, *r.enbs,
                   r.evpi, r.evpi_se, r.evppi, r.evppi_se, r.evppi_floor, r.population_factor, r.discount_rate]
        if not all(math.isfinite(x) for x in numbers):
            raise ResultsError(f"{at}: its estimates must be finite numbers; wotsim never writes others")
        if min([*r.evsi, *r.evsi_se, *r.floor, *r.cost, r.evpi, r.evpi_se, r.evppi, r.evppi_se]) < 0:
            raise ResultsError(f"{at}: values of information, standard errors, floors and costs must be >= 0")
    return results
