"""A discovery's results directory: ``boxes.json``, ``boxes.csv``, ``arrays.npz``, ``manifest.json``.

:func:`save_discovery` writes it atomically (:func:`wotsim.results.io.write_results`);
:func:`load_discovery` reads it back as a :class:`~wotsim.analysis.discover.Discovery`, every
field checked against its type (:mod:`wotsim.results.records`) and against the others (shapes from
the number of parameters and steps, shares within [0, 1], counts that add up), so that any damage
is one :class:`~wotsim.errors.ResultsError` naming the file.

``boxes.csv`` has one row per restriction of each box: the box's coverage, density, mass and share
of all cases, then the parameter (name, label, unit, evidence), its limits in units and as
percentiles of its distribution, the quasi-p of each side, density and coverage if lifted, and its
stability over the resamples.  ``boxes.json`` holds everything, trajectories included.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ResultsError
from ..limits import MAX_SAMPLES as MAX_DRAWS
from ..results.frames import table
from ..results.io import manifest_config, number, read_arrays, read_json, write_results
from ..results.records import decode, encode, require_files, shown
from .discover import DISCOVER_FORMAT, MIN_CASES, SAMPLE_ROWS, Discovery

__all__ = ["CSV_COLUMNS", "discovery_frame", "discovery_rows", "load_discovery", "save_discovery"]

KINDS = ("below", "above", "condition", "worse")
MEASURES = ("ratio", "npv", "amount", "condition")
CSV_COLUMNS = ("box", "box_coverage", "box_density", "box_mass", "share_of_cases", "parameter", "label", "unit",
               "evidence", "lower", "upper", "lower_percentile", "upper_percentile", "quasi_p_lower",
               "quasi_p_upper", "density_if_lifted", "coverage_if_lifted", "stability_coverage", "stability_density")


def discovery_rows(d: Discovery) -> list[dict[str, Any]]:
    """One flat row per restriction of each box (the columns of :data:`CSV_COLUMNS`); free sides left empty."""
    rows = []
    for b in d.boxes:
        for r in b.restrictions:
            j = d.names.index(r.parameter)
            p = d.parameters[j]
            rows.append({
                "box": b.index, "box_coverage": b.box_coverage, "box_density": b.box_density, "box_mass": b.box_mass,
                "share_of_cases": b.share_of_cases, "parameter": p.name, "label": p.label, "unit": p.unit,
                "evidence": p.evidence,
                "lower": r.lower if r.lower_restricted else None, "upper": r.upper if r.upper_restricted else None,
                "lower_percentile": r.lower_percentile if r.lower_restricted else None,
                "upper_percentile": r.upper_percentile if r.upper_restricted else None,
                "quasi_p_lower": r.quasi_p_lower if r.lower_restricted else None,
                "quasi_p_upper": r.quasi_p_upper if r.upper_restricted else None,
                "density_if_lifted": r.density_if_lifted, "coverage_if_lifted": r.coverage_if_lifted,
                "stability_coverage": b.stability_coverage[j], "stability_density": b.stability_density[j],
            })
    return rows


def _csv(d: Discovery) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in discovery_rows(d):
        writer.writerow({k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
                         for k, v in row.items()})
    return buf.getvalue()


#: The labels of the ``restrictions`` table's columns (:data:`CSV_COLUMNS`).
_RESTRICTIONS = {"box": "Box (1, 2, ... by covering)", "box_coverage": "Coverage of the box (share of the cases)",
                 "box_density": "Density of the box (share of its draws in the condition)",
                 "box_mass": "Mass of the box (share of the draws searched)",
                 "share_of_cases": "Share of all the discovery's cases in the box", "parameter": "Parameter (id)",
                 "label": "Parameter", "unit": "Unit of the parameter", "evidence": "Evidence tag",
                 "lower": "Lower limit (empty: free)", "upper": "Upper limit (empty: free)",
                 "lower_percentile": "Lower limit as a percentile of the parameter's distribution (0-1)",
                 "upper_percentile": "Upper limit as a percentile of the parameter's distribution (0-1)",
                 "quasi_p_lower": "Quasi-p of the lower limit", "quasi_p_upper": "Quasi-p of the upper limit",
                 "density_if_lifted": "Density of the box with this parameter free",
                 "coverage_if_lifted": "Coverage of the box with this parameter free",
                 "stability_coverage": "Share of resamples restricting it (step nearest in coverage)",
                 "stability_density": "Share of resamples restricting it (step nearest in density)"}
#: The ``boxes`` table's columns.
_BOXES = (("box", "Box (1, 2, ... by covering)"), ("n_draws", "Draws searched (left by earlier boxes)"),
          ("n_cases", "Of which in the condition"), ("steps", "Steps of the peeling trajectory"),
          ("chosen", "Step chosen"), ("chosen_by", "Chosen by: f1, min_coverage or step"),
          ("n", "Draws in the box"), ("cases", "Of which in the condition"), ("coverage", "Coverage"),
          ("density", "Density"), ("mass", "Mass"), ("share_of_cases", "Share of all the discovery's cases"),
          ("restricted", "Parameters restricted, in the order PRIM set them"),
          ("pastes", "Limits pasted (parameter:side)"))


def discovery_frame(d: Discovery, name: str = "restrictions"):
    """A discovery's ``"restrictions"`` (the columns of :data:`CSV_COLUMNS`, one row per restricted parameter
    of each box; limits in the parameter's ``unit``, free sides empty) or ``"boxes"`` (``box``, ``n_draws``,
    ``n_cases``, ``steps``, ``chosen``, ``chosen_by``, ``n``, ``cases``, ``coverage``, ``density``, ``mass``,
    ``share_of_cases``, ``restricted``, ``pastes``) as a :class:`pandas.DataFrame`."""
    where = f"the condition {d.condition!r}: {d.n_cases:,} of {d.n_draws:,} draws"
    if name == "restrictions":
        return table(name, [(c, _RESTRICTIONS[c], "") for c in CSV_COLUMNS], discovery_rows(d),
                     description=f"each box's limits per parameter, for {where}")
    if name == "boxes":
        rows = [{"box": b.index, "n_draws": b.n_draws, "n_cases": b.n_cases, "steps": b.steps, "chosen": b.chosen,
                 "chosen_by": b.chosen_by, "n": b.n, "cases": b.cases, "coverage": b.box_coverage,
                 "density": b.box_density, "mass": b.box_mass, "share_of_cases": b.share_of_cases,
                 "restricted": ", ".join(b.restricted), "pastes": ", ".join(b.pastes)} for b in d.boxes]
        return table(name, [(c, label, "") for c, label in _BOXES], rows,
                     description=f"the boxes found for {where}" + (f" (stopped: {d.stopped})" if d.stopped else ""))
    raise ResultsError(f"unknown table {name!r} of a discovery; tables: boxes, restrictions")


def save_discovery(directory: str | Path, d: Discovery, *, texts: dict[str, str] | None = None,
                   format: str = "npz") -> Path:
    """Write a discovery's directory atomically (see the module docstring; a ``format`` other than ``npz`` adds
    the tables of :func:`discovery_frame`); returns its path."""
    arrays: dict[str, np.ndarray] = {}
    body = {"format": DISCOVER_FORMAT, **encode(d, "", arrays)}
    for name in ("sample_x", "sample_y", "sample_box"):  # thousands of draws: in arrays.npz only
        body[name] = "in arrays.npz"
    files = {"boxes.csv": _csv(d), **{k: v if v.endswith("\n") else v + "\n" for k, v in (texts or {}).items()}}
    man = dict(d.manifest, analysis="discover")
    return write_results(directory, manifest=man, json_files={"boxes.json": body}, arrays=arrays, texts=files,
                         tables=d.frames() if format != "npz" else None, table_format=format)


def _shapes(body: dict, where: Path) -> tuple[dict[str, tuple], dict[str, str], list[str]]:
    """The arrays ``arrays.npz`` must hold, from the parameters and each box's steps in ``boxes.json``."""
    params, boxes = body.get("parameters"), body.get("boxes")
    if not isinstance(params, list) or not params:
        raise ResultsError(f"{where}: parameters must be a list of the parameters searched")
    if not isinstance(boxes, list):
        raise ResultsError(f"{where}: boxes must be a list")
    d = len(params)
    m = body.get("n_draws")
    m = min(SAMPLE_ROWS, m) if isinstance(m, int) and not isinstance(m, bool) and m > 0 else None
    shapes: dict[str, tuple] = {"sample_x": (m, d), "sample_y": (m,), "sample_box": (m,)}
    kinds = {"sample_y": "b", "sample_box": "i"}
    nan_ok = []
    for i, b in enumerate(boxes):
        steps = b.get("moved") if isinstance(b, dict) else None
        if not isinstance(steps, list) or not steps:
            raise ResultsError(f"{where}: boxes.{i}.moved must list the limit moved at each step")
        s = len(steps)
        key = f"boxes.{i}."
        shapes.update({key + f: (s,) for f in ("coverage", "density", "mass", "n_restricted")})
        shapes.update({key + f: (s, d) for f in ("lower", "upper", "lower_percentile", "upper_percentile")})
        shapes.update({key + f: (d,) for f in ("stability_coverage", "stability_density")})
        kinds[key + "n_restricted"] = "i"
        nan_ok += [key + "stability_coverage", key + "stability_density"]
    return shapes, kinds, nan_ok


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _check(d: Discovery, where: Path) -> None:
    """What holds between the fields of a loaded discovery (each field's own type is already checked):
    settings within their ranges, counts that add up, every share equal to its counts, the chosen
    step's figures equal to the trajectory's (unless pasted), lifted figures equal to their changes,
    quasi-p values on restricted sides only, stability on restricted parameters only."""
    def fail(what: str) -> None:
        raise ResultsError(f"{where}: {what}; wotsim never writes it")

    names = d.names
    if len(set(names)) != len(names):
        fail("parameters must have distinct names")
    if d.kind not in KINDS or d.measure not in MEASURES:
        fail(f"kind must be one of {', '.join(KINDS)} and measure one of {', '.join(MEASURES)}")
    if (d.kind in ("below", "above") and not (d.output in d.labels and math.isfinite(d.threshold))
            or d.kind == "worse" and not (d.scenario and d.output in d.labels) or not d.condition.strip()):
        fail(f"a '{d.kind}' condition must name its output (and threshold or scenario) and its text")
    if not (0 < d.peel_alpha < 0.5 and 0 < d.paste_alpha < 0.5 and 0 < d.mass_min < 1
            and (d.min_coverage is None or 0 < d.min_coverage <= 1) and d.resamples <= 1000):
        fail("peel_alpha and paste_alpha must lie in (0, 0.5), mass_min in (0, 1), min_coverage in (0, 1], "
             "resamples at most 1000")
    if not MIN_CASES <= d.n_cases <= d.n_draws - MIN_CASES or d.n_draws > MAX_DRAWS:
        fail(f"n_cases must leave at least {MIN_CASES} draws in and out of the condition, and n_draws be at most "
             f"{MAX_DRAWS:,}")
    if len(d.boxes) > d.max_boxes or d.max_boxes < 1:
        fail("boxes must number at most max_boxes (at least 1)")
    share = lambda x: 0 <= x <= 1  # noqa: E731
    for i, b in enumerate(d.boxes):
        at = f"boxes.{i}"
        steps = b.coverage.size
        if b.index != i + 1 or b.chosen_by not in ("f1", "min_coverage", "step"):
            fail(f"{at}: index must be {i + 1} and chosen_by one of f1, min_coverage, step")
        if not (len(b.sides) == steps and b.chosen < steps and 0 < b.n_cases < b.n_draws <= d.n_draws
                and 0 < b.cases <= b.n <= b.n_draws and b.cases <= b.n_cases and b.cases <= d.n_cases):
            fail(f"{at}: steps, chosen step and counts must agree (cases <= draws in the box <= draws searched)")
        arrays = [b.coverage, b.density, b.mass, b.lower_percentile, b.upper_percentile]
        if not all(np.all((a >= 0) & (a <= 1)) for a in arrays):
            fail(f"{at}: coverage, density, mass and percentiles must lie within [0, 1]")
        if not (_close(b.box_density, b.cases / b.n) and _close(b.box_coverage, b.cases / b.n_cases)
                and _close(b.box_mass, b.n / b.n_draws) and _close(b.share_of_cases, b.cases / d.n_cases)):
            fail(f"{at}: box_density, box_coverage, box_mass and share_of_cases must be those of its counts")
        if not (b.coverage[0] == 1 and b.mass[0] == 1 and b.n_restricted[0] == 0 and b.moved[0] == b.sides[0] == ""
                and all(b.moved[1:]) and np.all((b.n_restricted >= 0) & (b.n_restricted <= len(names)))):
            fail(f"{at}: step 0 must hold every draw searched, restrict nothing and move no limit; every later step "
                 "moves one")
        if not b.pastes and not (_close(b.box_coverage, b.coverage[b.chosen]) and _close(b.box_density, b.density[
                b.chosen]) and len(b.restrictions) == b.n_restricted[b.chosen]):
            fail(f"{at}: without pastes the box must be the chosen step of the trajectory")
        if not b.restrictions and b.n != b.n_draws:
            fail(f"{at}: a box that restricts nothing holds every draw searched")
        if any(m not in names for m in b.moved[1:]) or any(s not in ("lower", "upper") for s in b.sides[1:]):
            fail(f"{at}: moved and sides must name parameters and 'lower'/'upper'")
        if any(p.rpartition(":")[0] not in names or p.rpartition(":")[2] not in ("lower", "upper") for p in b.pastes):
            fail(f"{at}.pastes must be 'parameter:lower' or 'parameter:upper'")
        seen = set()
        for r in b.restrictions:
            if r.parameter not in names or r.parameter in seen:
                fail(f"{at}.restrictions must name searched parameters, once each")
            seen.add(r.parameter)
            qps = (r.quasi_p_lower, r.quasi_p_upper)
            if not (r.lower <= r.upper and share(r.lower_percentile) and share(r.upper_percentile)
                    and (r.lower_restricted or r.upper_restricted)
                    and all((q == q) == on and (q != q or share(q)) for q, on in zip(qps, (r.lower_restricted,
                                                                                          r.upper_restricted)))
                    and share(r.density_if_lifted) and share(r.coverage_if_lifted)
                    and _close(r.density_drop, b.box_density - r.density_if_lifted)
                    and _close(r.coverage_gain, r.coverage_if_lifted - b.box_coverage)):
                fail(f"{at}.restrictions: {r.parameter}: limits ordered, a side restricted, quasi-p in [0, 1] on "
                     "each restricted side only, lifted figures in [0, 1] and equal to their changes")
        for st in (b.stability_coverage, b.stability_density):
            free = np.array([n not in seen for n in names])
            if (np.any((st < 0) | (st > 1)) or np.any(st[free] > 0)
                    or (d.resamples == 0) != bool(np.isnan(st).all())):
                fail(f"{at}: stability must be a share of the resamples within [0, 1], for restricted parameters "
                     "only (NaN when no resample ran)")
    if d.sample_box.size and (d.sample_box.min() < 0 or d.sample_box.max() > len(d.boxes)):
        fail("sample_box must hold 0 or a box's index")


def _check_config(d: Discovery, directory: Path, man: dict) -> None:
    """The parameters against the config in the manifest: labels, units, evidence, integer flags, and
    every restricted side's percentile equal to the parameter's CDF at the limit."""
    config = manifest_config(directory, man)
    where = directory / "boxes.json"
    for p in d.parameters:
        spec = config.parameters.get(p.name)
        if p.scenario:  # a parameter a scenario adds: its overlay is not in the manifest's config
            continue
        if spec is None or (p.label, p.unit, p.evidence, p.integer) != (
                spec.label or p.name, spec.unit, spec.evidence, bool(spec.dist.integer)):
            raise ResultsError(f"{where}: parameter {shown(p.name)}: label, unit, evidence and integer flag must be "
                               "the config's (manifest.json); wotsim never writes others")
    dists = {p.name: config.parameters[p.name].dist for p in d.parameters if not p.scenario}
    for i, b in enumerate(d.boxes):
        for r in b.restrictions:
            if r.parameter not in dists:
                continue
            integer = d.parameter(r.parameter).integer
            sides = ((r.lower_restricted, r.lower_percentile, math.ceil(r.lower) - 1 if integer else r.lower),
                     (r.upper_restricted, r.upper_percentile, math.floor(r.upper) if integer else r.upper))
            if any(on and not math.isclose(pct, float(dists[r.parameter].cdf(x)), abs_tol=1e-9)
                   for on, pct, x in sides):
                raise ResultsError(f"{where}: boxes.{i}.restrictions: {r.parameter}: a percentile must be the "
                                   "parameter's CDF at its limit; wotsim never writes others")


def _check_copies(body: dict, arrays: dict, where: Path) -> None:
    """The trajectory arrays ``boxes.json`` repeats for its readers must be those of ``arrays.npz``."""
    def floats(v: Any) -> Any:
        return [floats(x) for x in v] if isinstance(v, list) else number(v)

    for key, a in arrays.items():
        if not key.startswith("boxes."):
            continue
        _, i, name = key.split(".")
        try:
            copy = np.array(floats(body["boxes"][int(i)][name]), dtype=float)
        except (KeyError, TypeError, ValueError):
            copy = None
        if copy is None or copy.shape != a.shape or not np.array_equal(copy, a, equal_nan=True):
            raise ResultsError(f"{where}: {key} differs from its copy in arrays.npz; wotsim writes them equal")


def load_discovery(directory: str | Path) -> Discovery:
    """Read back what :func:`save_discovery` wrote; any damage is one :class:`ResultsError` naming the file."""
    directory = Path(directory)
    require_files(directory, ("boxes.json", "arrays.npz", "manifest.json"), "discovery")
    where = directory / "boxes.json"
    body = read_json(where, "discovery results")
    if body.get("format") != DISCOVER_FORMAT or isinstance(body.get("format"), bool):
        raise ResultsError(f"{directory}: discovery format {shown(body.get('format'))}; this wotsim reads "
                           f"{DISCOVER_FORMAT}")
    shapes, kinds, nan_ok = _shapes(body, where)
    arrays = read_arrays(directory / "arrays.npz", shapes, kinds=kinds, nan_ok=nan_ok)
    d = decode(Discovery, body, "", arrays, where)
    _check(d, where)
    _check_copies(body, arrays, where)
    man = read_json(directory / "manifest.json", "manifest")
    _check_config(d, directory, man)
    return replace(d, manifest=man)
