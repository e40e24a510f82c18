"""Every results directory a wotsim command writes, back as its result object: a registry by kind.

:func:`kind_of` tells what a directory holds, :func:`load_any` loads it:

============  =======================================  ==========================================
kind          written by                               loaded as
============  =======================================  ==========================================
``run``       ``wotsim run --out``                     :class:`~wotsim.results.SimulationResult`
``sobol``     ``wotsim sensitivity --out``             :class:`~wotsim.analysis.sobol.SobolResult`
``morris``    ``... --method morris``                  :class:`~wotsim.analysis.screening.MorrisResult`
``pawn``      ``... --method pawn``                    :class:`~wotsim.analysis.screening.PawnResult`
``oneway``    ``... --method oneway``                  :class:`Records` of ``OneWayResult``
``decision``  ``... --method decision``                :class:`Records` of ``DecisionDrivers``
``compare``   ``wotsim compare --out``                 :class:`~wotsim.analysis.scenarios.Comparison`
``voi``       ``wotsim voi --out``                     :class:`VoiDirectory`: a tuple of
                                                       :class:`~wotsim.analysis.voi.VoiResult`, with ``.evsi``
                                                       (``--studies``: :class:`~wotsim.analysis.evsi.EvsiResult`)
``discover``  ``wotsim discover --out``                :class:`~wotsim.analysis.discover.Discovery`
``report``    ``wotsim report --out``                  (nothing: the page and its figures are the result)
============  =======================================  ==========================================

Every loader checks everything before use and reports any damage as one
:class:`~wotsim.errors.ResultsError` naming the file (:mod:`wotsim.results.records`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .._paths import file_stem
from ..config.schema import Config
from ..errors import ResultsError, WotsimError
from ..model import output_names
from ..results.io import manifest_config, read_arrays, read_json
from ..results.records import ArraySpec, decode, load_records, require_files, shown
from ..results.simulation import load_results
from . import salib
from .comparison_io import load_comparison
from .discover_io import load_discovery
from .drivers import DecisionDrivers, drivers_frame
from .groups import GROUPINGS, members_of
from .oneway import OneWayResult, oneway_frame
from .screening import FORMAT_VERSION, MorrisResult, PawnResult
from .sobol import SOBOL_FORMAT_VERSION, SobolResult
from .sobol_design import SobolPlan, check_sobol_samples
from .sobol_estimates import ENGINES
from .evsi import EvsiResult, evsi_frame, load_evsi
from .voi import VoiResults, load_voi

__all__ = ["KINDS", "Records", "VoiDirectory", "kind_of", "load_any", "load_oneway_or_decision", "load_sensitivity",
           "load_voi_directory"]

#: The kinds of directory :func:`kind_of` tells apart.
KINDS = ("run", "sobol", "morris", "pawn", "oneway", "decision", "compare", "voi", "discover", "report")
_SENSITIVITY = {"sobol": SobolResult, "morris": MorrisResult, "pawn": PawnResult}
_RECORDS = {"oneway": OneWayResult, "decision": DecisionDrivers}


@dataclass(frozen=True)
class Records(Mapping):
    """One-way or decision-driver results of several outputs, as ``wotsim sensitivity --out`` saved them.

    A read-only mapping output -> :class:`~wotsim.analysis.oneway.OneWayResult` (``method
    "oneway"``) or :class:`~wotsim.analysis.drivers.DecisionDrivers` (``"decision"``), with the
    config they were computed for (rebuilt from the manifest, for labels) and the manifest.
    """

    method: str
    records: Mapping[str, Any]
    config: Config = field(repr=False)
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __getitem__(self, output: str) -> Any:
        return self.records[output]

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def table(self) -> str:
        """The name of the one table :meth:`to_frame` gives: ``oneway`` or ``drivers``."""
        return "oneway" if self.method == "oneway" else "drivers"

    def to_frame(self, table: str | None = None):
        """Every output's records in one :class:`pandas.DataFrame`: the tornado and switching values
        (:func:`wotsim.analysis.oneway.oneway_frame`) or the decision drivers
        (:func:`wotsim.analysis.drivers.drivers_frame`), with the config's labels and units."""
        if table not in (None, self.table):
            raise ResultsError(f"unknown table {table!r} of {self.method} results; tables: {self.table}")
        frame = oneway_frame if self.method == "oneway" else drivers_frame
        return frame(list(self.records.values()), self.config)

    def frames(self) -> dict[str, Any]:
        """The table of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {self.table: self.to_frame()}


# --------------------------------------------------------------------------- the registry
def kind_of(directory: str | Path) -> str:
    """What a results directory holds: one of :data:`KINDS`, from the files it has.

    Raises
    ------
    ResultsError
        For a sensitivity directory of an unknown method, or a directory that holds none of
        the files a wotsim command writes (``missing arrays.npz``, as :func:`load_results` says).
    """
    directory = Path(directory)
    if (directory / "sensitivity.json").is_file():
        method = read_json(directory / "sensitivity.json", "sensitivity results").get("method")
        if isinstance(method, str) and (method in _SENSITIVITY or method in _RECORDS):
            return method
        raise ResultsError(f"{directory}: sensitivity method {shown(method)}; this wotsim reads "
                           f"{', '.join([*_SENSITIVITY, *_RECORDS])}")
    for name, kind in (("comparison.json", "compare"), ("voi.json", "voi"), ("boxes.json", "discover"),
                       ("report.html", "report")):
        if (directory / name).is_file():
            return kind
    analysis = read_json(directory / "manifest.json", "manifest").get("analysis") \
        if (directory / "manifest.json").is_file() else None
    if analysis == "discover":  # its boxes.json is missing or damaged: load_discovery says which
        return "discover"
    if analysis == "batch":  # many cases: each one kept whole is a comparison directory of its own
        kept = sorted(p.name for p in (directory / "cases").glob("*") if p.is_dir() and not p.is_symlink()) \
            if (directory / "cases").is_dir() else []
        raise ResultsError(f"{directory}: a batch directory (its numbers are in summary.csv); a case's figures come "
                           f"from its own directory, kept with wotsim batch --keep draws: "
                           + (f"{directory / 'cases' / kept[0]}" + (f" and {len(kept) - 1} more" if len(kept) > 1
                                                                     else "") if kept else "none kept here"))
    if not any((directory / name).is_file() for name in ("arrays.npz", "summary.json")):
        raise ResultsError(f"{directory}: not a wotsim results directory (missing arrays.npz)")
    return "run"


def load_any(directory: str | Path) -> Any:
    """The result a wotsim command saved in ``directory`` (see the table in the module docstring).

    Raises
    ------
    ResultsError
        One line naming the file, for any damage; for a report directory, which holds no result
        to load (its page and figures are the result).
    """
    kind = kind_of(directory)
    if kind == "report":
        raise ResultsError(f"{directory}: a report directory: its figures are in figures/ beside report.html; "
                           "wotsim plot reads the directories of run, sensitivity, compare, voi and discover")
    loader = {"run": load_results, "compare": load_comparison, "voi": load_voi_directory, "discover": load_discovery,
              **dict.fromkeys(_SENSITIVITY, load_sensitivity), **dict.fromkeys(_RECORDS, load_oneway_or_decision)}
    return loader[kind](directory)


# --------------------------------------------------------------------------- value of information
class VoiDirectory(VoiResults):
    """What ``wotsim voi --out`` wrote: its decisions (a tuple of :class:`~wotsim.analysis.voi.VoiResult`, with
    ``.config``) and ``.evsi``, the value of sample information of the studies it weighed (``--studies``: a
    tuple of :class:`~wotsim.analysis.evsi.EvsiResult`, one per study and decision; empty without)."""

    evsi: tuple[EvsiResult, ...]

    def __new__(cls, results=(), *, config: Config | None = None, evsi: tuple[EvsiResult, ...] = ()):
        self = super().__new__(cls, results, config=config)
        self.evsi = tuple(evsi)
        return self

    def frames(self) -> dict[str, Any]:
        """The tables of the decisions and, with studies, ``evsi`` (:func:`wotsim.analysis.evsi.evsi_frame`)."""
        return {**super().frames(), **({"evsi": evsi_frame(self.evsi)} if self.evsi else {})}


def load_voi_directory(directory: str | Path) -> VoiDirectory:
    """Load a directory of ``wotsim voi --out``: the decisions (:func:`wotsim.analysis.voi.load_voi`) and, when the
    manifest lists studies or ``evsi.json`` / ``evsi.csv`` is there, their value of sample information
    (:func:`wotsim.analysis.evsi.load_evsi`).  Each study must be one of the stored config's, its decisions
    ones of ``voi.json``, each pair once, and every id must be able to name a figure's file; the manifest's
    ``studies`` must be the studies found.  Any damage is one :class:`ResultsError` naming the file."""
    directory = Path(directory)
    vois = load_voi(directory)
    man = read_json(directory / "manifest.json", "manifest")
    listed = man.get("studies")
    if listed is None and not any((directory / name).is_file() for name in ("evsi.json", "evsi.csv")):
        return VoiDirectory(vois, config=vois.config)
    evsi = load_evsi(directory)
    where = directory / "evsi.json"
    decisions = {v.decision for v in vois}
    known = getattr(vois.config, "studies", None) or {}
    pairs = [(r.study, r.decision) for r in evsi]
    for r in evsi:
        try:
            file_stem(r.study, "study")
        except WotsimError as exc:
            raise ResultsError(f"{where}: studies: {exc}") from None
        if r.study not in known:
            raise ResultsError(f"{where}: study {shown(r.study)} is not a study of the stored config "
                               f"(studies: {', '.join(known) or 'none'})")
        if r.decision not in decisions:
            raise ResultsError(f"{where}: {r.study}: decision {shown(r.decision)} is not one of voi.json's "
                               f"({', '.join(sorted(decisions))})")
    if len(set(pairs)) != len(pairs):
        raise ResultsError(f"{where}: each study and decision must appear once")
    found = list(dict.fromkeys(r.study for r in evsi))
    if listed != found:
        raise ResultsError(f"{directory / 'manifest.json'}: studies must list the studies of evsi.json in their "
                           f"order ({', '.join(found)}), got {shown(listed)}")
    return VoiDirectory(vois, config=vois.config, evsi=evsi)


# --------------------------------------------------------------------------- one-way and decision drivers
def _driver_arrays(method: str, record: Mapping[str, Any]) -> dict[str, ArraySpec]:
    """The arrays of a decision-drivers record: (d,) per parameter and (d, bins) per bin (NaN where undefined)."""
    if method != "decision":
        return {}
    params, bins = record.get("parameters"), record.get("bins")
    d = len(params) if isinstance(params, list) else 0
    b = bins if isinstance(bins, int) and not isinstance(bins, bool) else 0
    out = {"first_order": ((d,), "f", True), "first_order_se": ((d,), "f", True),
           "p_by_bin": ((d, b), "f", True), "p_by_bin_se": ((d, b), "f", True)}
    if record.get("bin_counts") is not None:
        out["bin_counts"] = ((d, b), "f", False)
    return out


def load_oneway_or_decision(directory: str | Path) -> Records:
    """Load a directory of ``wotsim sensitivity --method oneway|decision --out``.

    Every record is checked against its class (:func:`wotsim.results.records.load_records`);
    the outputs must be the stored config's, a record's parameters its uncertain ones, once each.
    """
    directory = Path(directory)
    method, records, man = load_records(directory, _RECORDS, _driver_arrays)
    config = manifest_config(directory, man)
    where = directory / "sensitivity.json"
    known = output_names(config)
    for name, record in records.items():
        if name not in known:
            raise ResultsError(f"{where}: records: unknown output {name!r}; known outputs: {', '.join(known)}")
        names = [b.parameter for b in record.bars] if method == "oneway" else list(record.parameters)
        if len(set(names)) != len(names) or not set(names) <= set(config.uncertain):
            raise ResultsError(f"{where}: records.{name}: the parameters must be uncertain parameters of the "
                               "stored config, once each")
        if method == "oneway" and [s.parameter for s in record.switching] != names:
            raise ResultsError(f"{where}: records.{name}.switching must follow the bars' parameters")
    return Records(method=method, records=records, config=config, manifest=man)


# --------------------------------------------------------------------------- Sobol', Morris and PAWN
#: The arrays of one output's record in ``arrays.npz``: field -> (shape in factors ``g`` and
#: convergence levels ``k``, dtype kind, NaN allowed).  Infinities are never written.
_ARRAYS: dict[str, dict[str, ArraySpec]] = {
    "sobol": {
        **{name: (("g",), "f", False) for name in ("S1", "S1_conf", "ST", "ST_conf")},
        "convergence.n": (("k",), "i", False),
        **{f"convergence.{name}": (("k", "g"), "f", False) for name in ("S1", "S1_conf", "ST", "ST_conf")},
        **{f"convergence.{name}": ((2, "g"), "f", False) for name in ("S1_halves", "ST_halves")},
        **{f"convergence.{name}": (("g",), "b", False) for name in ("stable_S1", "stable_ST")},
    },
    "morris": {name: (("g",), "f", True) for name in ("mu", "mu_star", "mu_star_conf", "sigma")},
    "pawn": {name: (("g",), "f", True) for name in ("minimum", "mean", "median", "maximum", "cv")},
}
#: Second-order Sobol' indices: the upper triangle, NaN elsewhere.
_SECOND_ORDER = {name: (("g", "g"), "f", True) for name in ("S2", "S2_conf")}


def _check_design(parameters: tuple[str, ...], groups: tuple[str, ...] | None, grouping: str | None,
                  where: Path) -> tuple[str, ...]:
    """The parameters, their groups and the grouping rule of a loaded result; returns its factors."""
    if not parameters or len(set(parameters)) != len(parameters):
        raise ResultsError(f"{where}: parameters must be distinct names, at least one")
    if groups is not None and len(groups) != len(parameters):
        raise ResultsError(f"{where}: groups must name one group per parameter ({len(parameters)}), "
                           f"got {len(groups)}")
    if grouping is not None and grouping not in GROUPINGS:
        raise ResultsError(f"{where}: grouping must be one of {', '.join(GROUPINGS)}, got {shown(grouping)}")
    return salib.factor_names(parameters, groups)


def _check_plan(plan: SobolPlan, where: Path) -> None:
    """A loaded Sobol' plan: its design, base samples, confidence level and tolerances."""
    _check_design(plan.parameters, plan.groups, plan.grouping, where)
    try:
        check_sobol_samples(plan.n, what="plan.n (Sobol' base samples)")
    except WotsimError as exc:
        raise ResultsError(f"{where}: {exc}") from None
    if not (0.0 < plan.conf_level < 1.0 and math.isfinite(plan.tolerance) and plan.tolerance >= 0
            and math.isfinite(plan.rel_tolerance) and plan.rel_tolerance >= 0):
        raise ResultsError(f"{where}: plan: conf_level must lie in (0, 1), tolerance and rel_tolerance must be >= 0")


def _check_records(result: Any, where: Path) -> None:
    """What holds between the fields of a loaded result (each field's own type is already checked)."""
    def fail(what: str) -> None:
        raise ResultsError(f"{where}: {what}")

    plan = result.plan if isinstance(result, SobolResult) else result
    factors = _check_design(plan.parameters, plan.groups, plan.grouping, where)
    if result.factors != factors:
        fail("factors must be the parameters, or their groups in order of first appearance")
    if dict(result.members) != members_of(plan.parameters, plan.groups):
        fail("members must list each factor's parameters")
    if set(result.labels) != set(factors):
        fail("labels must give one label per factor")
    for name, record in result.indices.items():
        if record.output != name or record.factors != factors:
            fail(f"indices.{name}: output and factors must be {name!r} and the result's factors")
    if isinstance(result, SobolResult):  # its plan was checked before the arrays were read (_check_plan)
        if result.engine not in ENGINES:
            fail(f"engine must be one of {', '.join(ENGINES)}, got {shown(result.engine)}")
        for name, record in result.indices.items():
            if record.convergence.n.tolist() != list(plan.levels):
                fail(f"indices.{name}.convergence.n must be the plan's nested sample sizes {list(plan.levels)}")


def load_sensitivity(directory: str | Path) -> SobolResult | MorrisResult | PawnResult:
    """Load a results directory written by a sensitivity result's ``save``.

    Everything is checked before use, as :func:`wotsim.results.load_results` does: the format
    version and method; every field against its type (text, whole numbers, numbers, lists and
    tables of text); the arrays' names, dtypes (real floats; whole numbers and flags where the
    records hold them; no pickles), shapes (factors, convergence levels, second order) and
    finiteness; factors, members and labels against the parameters and groups; and every output
    name, which names figure files, against the rule of :func:`wotsim._paths.file_name`.  Any
    damage is one :class:`ResultsError` naming the file.
    """
    directory = Path(directory)
    require_files(directory, ("sensitivity.json", "arrays.npz", "manifest.json"), "sensitivity")
    where = directory / "sensitivity.json"
    body = read_json(where, "sensitivity results")
    method, version = body.get("method"), body.get("format")
    if method == "sobol" and version == 1:
        raise ResultsError(f"{directory}: Sobol' results in format 1, written by an older wotsim with bootstrap "
                           f"confidence intervals that overstate the error; this wotsim reads format "
                           f"{SOBOL_FORMAT_VERSION} (jackknife over independent randomisations): rerun "
                           "'wotsim sensitivity'")
    expected = SOBOL_FORMAT_VERSION if method == "sobol" else FORMAT_VERSION
    if not isinstance(method, str) or method not in _SENSITIVITY or version != expected or isinstance(version, bool):
        raise ResultsError(f"{directory}: sensitivity format {shown(version)} / method {shown(method)}; this wotsim "
                           f"reads methods {', '.join(_SENSITIVITY)} (format {SOBOL_FORMAT_VERSION} for sobol, "
                           f"{FORMAT_VERSION} for the others)")
    cls = _SENSITIVITY[method]
    # the arrays each output's record needs, from the factors (and for Sobol' the plan) in the JSON
    if cls is SobolResult:
        plan = decode(SobolPlan, body.get("plan"), "plan", {}, where)
        _check_plan(plan, where)
        g, k = len(plan.factors), len(plan.levels)
        spec = {**_ARRAYS[method], **(_SECOND_ORDER if plan.second_order else {})}
    else:
        g, k = len(decode(tuple[str, ...], body.get("factors"), "factors", {}, where)), 0
        spec = _ARRAYS[method]
    indices = body.get("indices")
    if not isinstance(indices, dict) or not indices:
        raise ResultsError(f"{where}: indices must be a table with one record per output")
    for name in indices:  # each output names its figures' files (sobol_<output>.png): checked before any use
        try:
            file_stem(name, "output")
        except WotsimError as exc:
            raise ResultsError(f"{where}: indices: {exc}") from None
    sizes = {"g": g, "k": k}
    members = {f"indices.{name}.{field}": (tuple(sizes.get(d, d) for d in shape), kind, nan_ok)
               for name in indices for field, (shape, kind, nan_ok) in spec.items()}
    arrays = read_arrays(directory / "arrays.npz", {k: v[0] for k, v in members.items()},
                         kinds={k: v[1] for k, v in members.items()}, nan_ok=[k for k, v in members.items() if v[2]])
    result = decode(cls, body, "", arrays, where)
    _check_records(result, where)
    return dataclasses.replace(result, manifest=read_json(directory / "manifest.json", "manifest"))
