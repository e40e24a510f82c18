"""A batch's directory on disk: what is saved of each case, when a saved case may be reused, the summary.

Layout (``wotsim batch BATCH.toml --out DIR``):

* ``DIR/manifest.json``: marks the directory as a wotsim batch (``"tool": "wotsim"``, ``"analysis":
  "batch"``) and records the batch (see :func:`wotsim.batch.run.run_batch`);
* ``DIR/cases/<case>.json``: one record per finished case, written atomically (fsynced, renamed into place)
  as soon as the case is reduced: its digest (:func:`case_digest`), the cells of its rows of
  ``summary.csv`` and their checksum;
* ``DIR/cases/<case>/``: with ``--keep draws``, the case's comparison directory (what ``wotsim compare
  --out`` writes for it; ``wotsim plot`` and :func:`wotsim.analysis.io.load_any` read it), its manifest
  carrying the case's digest;
* ``DIR/summary.csv``: written when every case is finished, removed when a run starts that has cases to
  compute (so that it is never the summary of another batch than the manifest's).

Every cell is written as Python writes the value (``repr`` of a float: the shortest text that reads back to
the same float) when its case ends, so a resumed batch writes the very cells it saved.  A record is reused
only while its digest holds and its cells match their checksum (and, with ``--keep draws``, its directory
carries the same digest); a damaged or edited record is computed again, with a warning; a record of the
case as it was before a change is computed again silently, and a kept directory of it is removed.  Case file
names come from the case keys made safe (:func:`slug`): nothing is written outside ``DIR``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import warnings
from pathlib import Path
from typing import Any, Sequence

from ..errors import ResultsError, WotsimWarning
from .spec import BatchCase
from .tasks import CasePayload

__all__ = ["BATCH_FORMAT", "case_digest", "locked", "prepare", "save_case", "saved_cells", "slug",
           "summary_columns", "write_text"]

#: Layout of a batch directory and its case records (2: the study's name in every row).
BATCH_FORMAT = 2

#: The columns of ``summary.csv`` before a comparison's own (:meth:`wotsim.analysis.scenarios.Comparison.rows`).
LEAD = ("case", "study", "config_sha256")


def summary_columns() -> list[str]:
    """The header of ``summary.csv``."""
    return [*LEAD, "scenario", "label", "output", "measure", "base_case", "mean", "mean_se", "median", "p5", "p5_se",
            "p95", "p95_se", "p_above", "p_above_se", "diff_base_case", "diff_mean", "diff_mean_se", "diff_p5",
            "diff_p5_se", "diff_p95", "diff_p95_se", "p_better", "p_better_se", "p_worse"]


def cell(v: Any) -> str:
    """A summary cell: empty for None, ``repr`` of a float (exact), text as it is."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def versions() -> dict[str, str]:
    """What the numbers of a case depend on besides its documents: the versions of wotsim, numpy, scipy and
    Python (a batch never mixes cases computed under different ones)."""
    import numpy as np

    from ..results.io import _version

    return {"wotsim": _version("wotsim"), "numpy": np.__version__, "scipy": _version("scipy"),
            "python": platform.python_version()}


def case_digest(payload: CasePayload) -> str:
    """The hash that says a saved case is still this case: its config and overlay documents, outputs and
    settings, and :func:`versions` (block sizes and executors change no number, so they are not in it)."""
    from ..results.io import to_json

    doc = {"format": BATCH_FORMAT, "versions": versions(), "config": payload.sha256,
           "scenarios": [[sid, hashlib.sha256(json.dumps(to_json(dict(ov)), sort_keys=True, default=str).encode())
                          .hexdigest()] for sid, _file, ov in payload.scenarios],
           "outputs": list(payload.outputs), "samples": payload.samples, "seed": payload.seed,
           "sampler": payload.sampler, "replicates": payload.replicates}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def slug(key: str) -> str:
    """A case's file name in ``DIR/cases``: its key made safe, and a short hash of it (keys may differ only in
    characters the safe form drops)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("._-")[:80] or "case"
    return f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def prepare(out: Path, create: bool = True) -> None:
    """Create ``out`` (``create``) or accept it as an earlier batch's directory; anything else is refused, in one
    line (a parent that is a file, a path the system refuses included)."""
    from ..results.io import is_wotsim_dir

    try:
        if out.is_symlink():
            raise ResultsError(f"{out}: is a symbolic link; refusing to write through it (choose a new path)")
        if out.exists():
            if not out.is_dir():
                raise ResultsError(f"{out}: exists and is not a directory (choose a new path for --out)")
            if any(out.iterdir()):
                if not is_wotsim_dir(out) or read_record(out / "manifest.json").get("analysis") != "batch":
                    raise ResultsError(f"{out}: exists and is not a wotsim batch directory; refusing to write into "
                                       "it (choose a new path or remove it)")
        if not create:
            return
        out.mkdir(parents=True, exist_ok=True)
        cases = out / "cases"
        if cases.is_symlink() or (cases.exists() and not cases.is_dir()):
            raise ResultsError(f"{cases}: is not a plain directory; refusing to write case results there")
        cases.mkdir(exist_ok=True)
        for folder in (out, cases):  # what a killed run left half-written (wotsim.workbook.files.write_file's names)
            for stale in folder.glob(".*.tmp"):
                if stale.is_file() and not stale.is_symlink() and re.fullmatch(r"\..+\.[0-9a-f]{12}\.tmp", stale.name):
                    stale.unlink()
    except OSError as exc:
        raise ResultsError(f"--out {out}: cannot create the batch directory: {exc.strerror or exc}") from None


@contextlib.contextmanager
def locked(out: Path):
    """Hold ``out`` for one batch run at a time (an exclusive ``flock`` on the directory); a second run into it
    is refused in one line while the first one runs."""
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ResultsError(f"{out}: another wotsim batch is writing into it now; wait for it to end or choose "
                               "another --out") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def read_record(path: Path) -> dict:
    """A JSON record wotsim wrote, or ``{}`` if it is missing or damaged."""
    from ..results.io import read_json

    try:
        return read_json(path, "batch record")
    except ResultsError:
        return {}


def write_text(path: Path, text: str, what: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`wotsim.workbook.files.write_file`)."""
    from ..workbook.files import write_file

    write_file(path, text.encode("utf-8"), what=what)


def _cells_hash(digest: Any, cells: Any) -> str:
    """A checksum of a record's digest and cells: a cell edited or damaged on disk is never reused."""
    return hashlib.sha256(json.dumps([digest, cells]).encode()).hexdigest()


def kept_dir(out: Path, case: BatchCase) -> Path:
    """Where ``--keep draws`` keeps the case's comparison."""
    return out / "cases" / slug(case.key)


def saved_cells(out: Path, case: BatchCase, digest: str, keep: bool) -> list[list[str]] | None:
    """The saved cells of a finished case whose digest is ``digest``, or None (not saved, changed or damaged);
    a kept directory of another digest than ``digest`` is removed (its numbers are no longer the case's)."""
    path = out / "cases" / f"{slug(case.key)}.json"
    kept = kept_dir(out, case)
    if kept.is_dir() and not kept.is_symlink() and read_record(kept / "manifest.json").get("batch_digest") != digest:
        shutil.rmtree(kept)
    if not path.exists():
        return None
    record = read_record(path)
    rows = record.get("rows")
    if isinstance(record.get("format"), int) and record.get("format") != BATCH_FORMAT:
        return None  # written by another layout: computed again, nothing to warn about
    if record.get("format") == BATCH_FORMAT and record.get("key") == case.key and record.get("digest") != digest:
        return None  # the case changed: computed again, nothing to warn about
    width = len(summary_columns())
    if (record.get("format") != BATCH_FORMAT or record.get("key") != case.key or not isinstance(rows, list)
            or not all(isinstance(r, list) and len(r) == width and all(isinstance(c, str) for c in r) for r in rows)
            or len(rows) != (1 + len(case.scenarios)) * len(case.outputs)):
        warnings.warn(f"{path}: damaged case record; computing case {case.key!r} again", WotsimWarning, stacklevel=2)
        return None
    if record.get("cells_sha256") != _cells_hash(record.get("digest"), rows):
        warnings.warn(f"{path}: its rows do not match their checksum (edited or damaged); computing case "
                      f"{case.key!r} again", WotsimWarning, stacklevel=2)
        return None
    if keep and not kept.is_dir():
        return None
    return rows


def save_case(out: Path, case: BatchCase, digest: str, rows: Sequence[dict[str, Any]],
              workers: list[dict]) -> list[list[str]]:
    """Save a finished case's record (its rows as the cells of ``summary.csv``); returns the cells."""
    study = case.raw.get("study", {}).get("name", "") if isinstance(case.raw.get("study"), dict) else ""
    cells = [[cell(case.key), cell(study), cell(case.sha256)] + [cell(r[c]) for c in summary_columns()[len(LEAD):]]
             for r in rows]
    record = {"format": BATCH_FORMAT, "key": case.key, "config_file": case.config_file, "digest": digest,
              "cells_sha256": _cells_hash(digest, cells), "rows": cells, "workers": workers}
    write_text(out / "cases" / f"{slug(case.key)}.json", json.dumps(record, indent=1) + "\n", "case record")
    return cells
