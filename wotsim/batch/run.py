"""A batch, run: cases cut into tasks, tasks on an executor, each case saved as it ends, one summary in order.

Layout of the output directory (``wotsim batch BATCH.toml --out DIR``):

* ``DIR/manifest.json``: the batch (file, settings, executor, versions), every case with its digest and
  whether it was computed or reused, the tasks' workers, seconds and peak memory, and ``"complete"``;
* ``DIR/cases/<case>.json``: one file per finished case, written atomically (fsynced, renamed into place)
  as soon as the case is reduced: its digest, the cells of its rows of ``summary.csv`` and their checksum;
* ``DIR/cases/<case>/``: with ``--keep draws``, the case's comparison directory (``wotsim plot`` and
  ``wotsim.analysis.io.load_any`` read it);
* ``DIR/summary.csv``: written when every case is finished: one row per case × scenario × output, cases in
  batch-file order, the base analysis then the scenarios in order, outputs in order (the columns of
  :meth:`wotsim.analysis.scenarios.Comparison.rows` after ``case`` and ``config_sha256``).

The summary is byte-identical for any executor, number of workers and block size: every number is computed
from the case's rows in row order (:mod:`wotsim.batch.tasks`), and every cell is written as Python writes
the float (``repr``: the shortest text that reads back to the same float) when its case ends, so a resumed
batch writes the cells it saved.

Resuming: a case's digest (:func:`case_digest`) hashes its config document, its overlays, its outputs and
settings and the wotsim version; a rerun reuses a case whose saved record has the same digest (and, with
``--keep draws``, its directory) and computes the rest.  A damaged or edited record (its cells no longer match
their checksum) is computed again, with a warning.
An interrupted batch (Ctrl-C, a task lost with its worker) has saved every case that ended; the error names
the tasks that were in flight or lost.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import ResultsError, WotsimWarning
from .executors import Executor, Task, TasksLost
from .spec import BatchCase, BatchSpec
from .tasks import BlockResult, CasePayload, case_block, case_summary, reduce_case

__all__ = ["BATCH_FORMAT", "BatchResult", "case_digest", "run_batch", "summary_columns"]

#: Layout of a batch directory and its case records.
BATCH_FORMAT = 1

#: The columns of ``summary.csv`` before a comparison's own (:meth:`wotsim.analysis.scenarios.Comparison.rows`).
_LEAD = ("case", "config_sha256")


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` did: the directory, cases computed and reused, tasks run, seconds."""

    directory: Path
    computed: tuple[str, ...]
    reused: tuple[str, ...]
    tasks: int
    seconds: float


def summary_columns() -> list[str]:
    """The header of ``summary.csv``."""
    return [*_LEAD, "scenario", "label", "output", "measure", "base_case", "mean", "mean_se", "median", "p5", "p5_se",
            "p95", "p95_se", "p_above", "p_above_se", "diff_base_case", "diff_mean", "diff_mean_se", "diff_p5",
            "diff_p5_se", "diff_p95", "diff_p95_se", "p_better", "p_better_se", "p_worse"]


def _cell(v: Any) -> str:
    """A summary cell: empty for None, ``repr`` of a float (exact), text as it is."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _payload(case: BatchCase) -> CasePayload:
    """What the workers get of a case: its documents and its settings, resolved (replicates, chunk size)."""
    from ..sampling import default_replicates
    from ..simulate import compiled

    config = case.config if case.config is not None else compiled(case.raw, case.config_file, case.sha256)
    given = case.replicates if case.replicates is not None else config.simulation.replicates
    replicates = 1 if case.sampler == "mc" else (given if given is not None
                                                 else default_replicates(case.sampler, case.samples))
    return CasePayload(key=case.key, config_file=case.config_file, raw=case.raw, sha256=case.sha256,
                       scenarios=tuple((s.id, s.file, s.overlay) for s in case.scenarios), outputs=case.outputs,
                       samples=case.samples, seed=case.seed, sampler=case.sampler, replicates=int(replicates),
                       chunk_size=config.simulation.chunk_size)


def case_digest(payload: CasePayload) -> str:
    """The hash that says a saved case is still this case: its config and overlay documents, outputs and
    settings, and the wotsim version (block sizes and executors change no number, so they are not in it)."""
    from ..results.io import _version, to_json

    doc = {"format": BATCH_FORMAT, "wotsim": _version("wotsim"), "config": payload.sha256,
           "scenarios": [[sid, hashlib.sha256(json.dumps(to_json(dict(ov)), sort_keys=True, default=str).encode())
                          .hexdigest()] for sid, _file, ov in payload.scenarios],
           "outputs": list(payload.outputs), "samples": payload.samples, "seed": payload.seed,
           "sampler": payload.sampler, "replicates": payload.replicates}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _slug(key: str) -> str:
    """A case's file name in ``DIR/cases``: its key made safe, and a short hash of it (keys may differ only in
    characters the safe form drops)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("._-")[:80] or "case"
    return f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _prepare(out: Path, create: bool = True) -> None:
    """Create ``out`` (``create``) or accept it as an earlier batch's directory; anything else is refused."""
    from ..results.io import is_wotsim_dir

    if out.is_symlink():
        raise ResultsError(f"{out}: is a symbolic link; refusing to write through it (choose a new path)")
    if out.exists():
        if not out.is_dir():
            raise ResultsError(f"{out}: exists and is not a directory (choose a new path for --out)")
        if any(out.iterdir()):
            if not is_wotsim_dir(out) or _read_json(out / "manifest.json").get("analysis") != "batch":
                raise ResultsError(f"{out}: exists and is not a wotsim batch directory; refusing to write into it "
                                   "(choose a new path or remove it)")
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


def _read_json(path: Path) -> dict:
    from ..results.io import read_json

    try:
        return read_json(path, "batch record")
    except ResultsError:
        return {}


def _write_text(path: Path, text: str, what: str) -> None:
    from ..workbook.files import write_file

    write_file(path, text.encode("utf-8"), what=what)


def _saved_rows(out: Path, case: BatchCase, digest: str, keep: bool) -> list[list[str]] | None:
    """The saved cells of a finished case whose digest is ``digest``, or None (not saved, changed or damaged)."""
    path = out / "cases" / f"{_slug(case.key)}.json"
    if not path.exists():
        return None
    record = _read_json(path)
    rows = record.get("rows")
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
    if record.get("digest") != digest:
        return None
    if keep and not (out / "cases" / _slug(case.key) / "manifest.json").is_file():
        return None
    return rows


def _check_size(spec: BatchSpec, case: BatchCase, p: CasePayload) -> None:
    """Refuse a case that would not fit in memory (:func:`wotsim.limits.check_comparison`: what
    :func:`wotsim.analysis.scenarios.compare` keeps) before any work: a whole-case task keeps that much on its
    worker, and the reduction of a case cut into blocks keeps every run's item values of all its rows."""
    from ..limits import check_comparison
    from .tasks import compile_case

    config, scenarios = (case.config, case.loaded) if case.config is not None else compile_case(p)
    check_comparison(config, scenarios, samples=p.samples, sampler=p.sampler, chunk_size=p.chunk_size,
                     what=f"{spec.path}: {case.key}: samples")


def _cells_hash(digest: Any, cells: Any) -> str:
    """A checksum of a record's digest and cells: a cell edited or damaged on disk is never reused."""
    return hashlib.sha256(json.dumps([digest, cells]).encode()).hexdigest()


def _save_case(out: Path, case: BatchCase, digest: str, rows: list[dict[str, Any]], workers: list[dict]) -> list[list[str]]:
    cells = [[_cell(case.key), _cell(case.sha256)] + [_cell(r[c]) for c in summary_columns()[len(_LEAD):]]
             for r in rows]
    record = {"format": BATCH_FORMAT, "key": case.key, "config_file": case.config_file, "digest": digest,
              "cells_sha256": _cells_hash(digest, cells), "rows": cells, "workers": workers}
    _write_text(out / "cases" / f"{_slug(case.key)}.json", json.dumps(record, indent=1) + "\n", "case record")
    return cells


def _keep_case(out: Path, p: CasePayload, blocks: Sequence[BlockResult]) -> None:
    """Write the case's comparison directory (``--keep draws``) from its blocks: the directory ``wotsim compare``
    writes for the same case, seed, sampler and size."""
    import numpy as np

    from ..analysis.scenarios import Comparison, base_run, reference_of, scenario_run
    from ..results.io import manifest
    from ..results.simulation import SimulationResult
    from ..simulate import base_case
    from .tasks import compile_case

    config, scenarios = compile_case(p)
    ordered = sorted(blocks, key=lambda b: b.lo)
    joined = [tuple(np.concatenate([getattr(b, k)[r] for b in ordered]) for k in ("draws", "item_pv", "yearly"))
              for r in range(1 + len(scenarios))]
    base = SimulationResult(config=config, parameters=config.uncertain, draws=joined[0][0], seed=p.seed,
                            sampler=p.sampler, item_pv=joined[0][1], yearly=joined[0][2], base=base_case(config),
                            chunk_size=p.chunk_size, replicates=p.replicates,
                            manifest=manifest(config, seed=p.seed, sampler=p.sampler, samples=p.samples,
                                              chunk_size=p.chunk_size, replicates=p.replicates, batch_case=p.key))
    runs = [base_run(base, p.outputs)]
    reference = reference_of(runs[0], p.outputs)
    runs += [scenario_run(sc, config, draws, item_pv, p.outputs, reference, True, p.replicates)
             for sc, (draws, item_pv, _yearly) in zip(scenarios, joined[1:])]
    Comparison(base=base, runs=tuple(runs), outputs=p.outputs, n=p.samples, seed=p.seed, sampler=p.sampler,
               paired=True).save(out / "cases" / _slug(p.key))


def run_batch(spec: BatchSpec, out: str | Path, *, executor: Executor, keep: bool = False,
              chunk_size: int | None = None, progress: Callable[[int, int], None] | None = None) -> BatchResult:
    """Run every case of ``spec`` not already finished in ``out`` on ``executor``; write ``summary.csv``.

    ``chunk_size`` (default the batch file's ``[batch] chunk_size``): rows per task; None runs each case as one
    task reduced on its worker.  ``keep``: also write each case's comparison directory.  ``progress(done,
    total)`` counts finished tasks.

    Raises
    ------
    TasksLost
        When interrupted or when a task was lost with its workers; every case that ended is saved first.
    """
    from ..results.io import _version, to_json

    started = time.perf_counter()
    out = Path(out)
    _prepare(out, create=False)  # a foreign --out is refused before anything is read or written
    rows_per_task = chunk_size if chunk_size is not None else spec.chunk_size
    payloads = [_payload(case) for case in spec.cases]
    digests = [case_digest(p) for p in payloads]
    cells: dict[int, list[list[str]]] = {}
    for i, (case, digest) in enumerate(zip(spec.cases, digests)):
        saved = _saved_rows(out, case, digest, keep)
        if saved is not None:
            cells[i] = saved
    reused = tuple(spec.cases[i].key for i in sorted(cells))
    todo = [i for i in range(len(spec.cases)) if i not in cells]
    for i in todo:  # every size against the memory a task keeps (a case's comparison), before any work
        _check_size(spec, spec.cases[i], payloads[i])
    _prepare(out)

    tasks: list[Task] = []
    owner: list[int] = []
    for i in todo:
        p = payloads[i]
        if rows_per_task is None and not keep:
            tasks.append(Task(p.key, case_summary, (p,)))
            owner.append(i)
        else:
            per = rows_per_task or p.samples
            for lo in range(0, p.samples, per):
                hi = min(p.samples, lo + per)
                tasks.append(Task(f"{p.key} rows {lo}-{hi}", case_block, (p, lo, hi, keep)))
                owner.append(i)
    needed = {i: owner.count(i) for i in todo}
    blocks: dict[int, list[BlockResult]] = {i: [] for i in todo}
    workers: dict[int, list[dict]] = {i: [] for i in todo}
    finished = 0
    man = {"tool": "wotsim", "analysis": "batch", "format": BATCH_FORMAT, "batch_file": spec.path,
           "settings": to_json(dict(spec.settings)), "rows_per_task": rows_per_task, "keep": ["draws"] if keep else [],
           **executor.describe(), "versions": {"wotsim": _version("wotsim")}}

    def write_manifest(complete: bool, lost: Sequence[str] = ()) -> None:
        body = dict(man, complete=complete, seconds=round(time.perf_counter() - started, 3),
                    cases=[{"key": c.key, "config": c.config_file, "config_sha256": c.sha256, "digest": d,
                            "scenarios": [s.id for s in c.scenarios], "outputs": list(c.outputs),
                            "samples": c.samples, "seed": c.seed, "sampler": c.sampler,
                            "status": ("reused" if c.key in reused else "computed" if i in cells else "missing"),
                            "tasks": workers.get(i, [])}
                           for i, (c, d) in enumerate(zip(spec.cases, digests))],
                    lost=list(lost))
        _write_text(out / "manifest.json", json.dumps(to_json(body), indent=1) + "\n", "batch manifest")

    write_manifest(False)
    if progress is not None:
        progress(0, len(tasks))
    try:
        for t, result in executor.results(tasks):
            i = owner[t]
            p = payloads[i]
            if isinstance(result, BlockResult):
                blocks[i].append(result)
                workers[i].append(dict(result.worker, task=tasks[t].key))
                if len(blocks[i]) == needed[i]:
                    if keep:
                        _keep_case(out, p, blocks[i])
                    cells[i] = _save_case(out, spec.cases[i], digests[i], reduce_case(p, blocks[i]), workers[i])
                    blocks[i] = []
            else:
                rows, worker = result
                workers[i].append(dict(worker, task=tasks[t].key))
                cells[i] = _save_case(out, spec.cases[i], digests[i], rows, workers[i])
            finished += 1
            if progress is not None:
                progress(finished, len(tasks))
    except TasksLost as exc:
        write_manifest(False, lost=[*exc.lost, *exc.in_flight])
        done = sum(1 for i in range(len(spec.cases)) if i in cells)
        raise TasksLost(f"{exc}; {done} of {len(spec.cases)} case(s) are saved in {out}: run the same command again "
                        "to finish the rest", lost=exc.lost, in_flight=exc.in_flight,
                        interrupted=exc.interrupted) from None

    buf = io.StringIO()
    import csv

    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(summary_columns())
    for i in range(len(spec.cases)):
        writer.writerows(cells[i])
    _write_text(out / "summary.csv", buf.getvalue(), "batch summary")
    write_manifest(True)
    return BatchResult(directory=out, computed=tuple(spec.cases[i].key for i in todo), reused=reused,
                       tasks=len(tasks), seconds=round(time.perf_counter() - started, 3))
