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
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ResultsError
from ..results.io import read_arrays, read_json, write_results
from ..results.records import decode, encode, require_files, shown
from .discover import DISCOVER_FORMAT, SAMPLE_ROWS, Discovery

__all__ = ["CSV_COLUMNS", "discovery_rows", "load_discovery", "save_discovery"]

KINDS = ("below", "above", "condition", "worse")
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


def save_discovery(directory: str | Path, d: Discovery, *, texts: dict[str, str] | None = None) -> Path:
    """Write a discovery's directory atomically (see the module docstring); returns its path."""
    arrays: dict[str, np.ndarray] = {}
    body = {"format": DISCOVER_FORMAT, **encode(d, "", arrays)}
    for name in ("sample_x", "sample_y", "sample_box"):  # thousands of draws: in arrays.npz only
        body[name] = "in arrays.npz"
    files = {"boxes.csv": _csv(d), **{k: v if v.endswith("\n") else v + "\n" for k, v in (texts or {}).items()}}
    man = dict(d.manifest, analysis="discover")
    return write_results(directory, manifest=man, json_files={"boxes.json": body}, arrays=arrays, texts=files)


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


def _check(d: Discovery, where: Path) -> None:
    """What holds between the fields of a loaded discovery (each field's own type is already checked)."""
    def fail(what: str) -> None:
        raise ResultsError(f"{where}: {what}; wotsim never writes it")

    names = d.names
    if len(set(names)) != len(names):
        fail("parameters must have distinct names")
    if d.kind not in KINDS:
        fail(f"kind must be one of {', '.join(KINDS)}, got {shown(d.kind)}")
    if not 0 < d.n_cases < d.n_draws:
        fail("n_cases must lie between 0 and n_draws, both excluded")
    if len(d.boxes) > d.max_boxes or d.max_boxes < 1:
        fail("boxes must number at most max_boxes (at least 1)")
    share = lambda x: 0 <= x <= 1  # noqa: E731
    for i, b in enumerate(d.boxes):
        at = f"boxes.{i}"
        steps = b.coverage.size
        if b.index != i + 1:
            fail(f"{at}.index must be {i + 1}")
        if not (len(b.sides) == steps and b.chosen < steps and 0 < b.n_cases < b.n_draws <= d.n_draws
                and b.cases <= b.n <= b.n_draws and b.cases <= b.n_cases and b.cases <= d.n_cases):
            fail(f"{at}: steps, chosen step and counts must agree (cases <= draws in the box <= draws searched)")
        arrays = [b.coverage, b.density, b.mass, b.lower_percentile, b.upper_percentile]
        if not all(np.all((a >= 0) & (a <= 1)) for a in arrays) or not all(
                share(x) for x in (b.box_coverage, b.box_density, b.box_mass, b.share_of_cases)):
            fail(f"{at}: coverage, density, mass and percentiles must lie within [0, 1]")
        for st in (b.stability_coverage, b.stability_density):
            if np.any((st < 0) | (st > 1)):
                fail(f"{at}: stability must be a share of resamples within [0, 1]")
        if np.any(b.n_restricted < 0) or np.any(b.n_restricted > len(names)):
            fail(f"{at}.n_restricted must count restricted parameters")
        if any(m not in ("",) + names for m in b.moved) or any(s not in ("", "lower", "upper") for s in b.sides):
            fail(f"{at}: moved and sides must name parameters and 'lower'/'upper'")
        seen = set()
        for r in b.restrictions:
            if r.parameter not in names or r.parameter in seen:
                fail(f"{at}.restrictions must name searched parameters, once each")
            seen.add(r.parameter)
            if not (r.lower <= r.upper and share(r.lower_percentile) and share(r.upper_percentile)):
                fail(f"{at}.restrictions: {r.parameter}: limits must be ordered and percentiles within [0, 1]")
    if d.sample_box.size and (d.sample_box.min() < 0 or d.sample_box.max() > len(d.boxes)):
        fail("sample_box must hold 0 or a box's index")


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
    from dataclasses import replace

    return replace(d, manifest=read_json(directory / "manifest.json", "manifest"))
