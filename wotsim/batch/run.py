"""A batch, run: cases cut into tasks, tasks on an executor, each case saved as it ends, one summary in order.

:func:`run_batch` reads what an earlier run into the same directory finished (:mod:`wotsim.batch.store`:
the layout, the digests, what may be reused), checks every case left against the memory it needs, cuts the
cases into tasks (a whole case, reduced on its worker; or, with ``chunk_size`` or ``--keep draws``, blocks
of design rows reduced here), runs them on the executor and saves each case as soon as its last task ends.
``summary.csv`` follows when every case is done: cases in batch-file order, the base analysis then the
scenarios in order, outputs in order.

The summary is byte-identical for any executor, number of workers and block size: every number is computed
from the case's rows in row order (:mod:`wotsim.batch.tasks`), and every cell is saved as text when its case
ends.  An interrupted batch (Ctrl-C, here or on a worker; a task lost with its worker) has saved every case
that ended; the error names the tasks that were in flight or lost, and the manifest records them.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .executors import Executor, Task, TasksLost, _keys
from .spec import BatchCase, BatchSpec
from .store import (BATCH_FORMAT, case_digest, kept_dir, locked, prepare, save_case, saved_cells,
                    summary_columns, versions, write_text)
from .tasks import BlockResult, CasePayload, case_block, case_summary, reduce_case

__all__ = ["BatchResult", "run_batch"]


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` did: the directory, cases computed and reused, tasks run, seconds."""

    directory: Path
    computed: tuple[str, ...]
    reused: tuple[str, ...]
    tasks: int
    seconds: float


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


def _check_size(spec: BatchSpec, case: BatchCase, p: CasePayload) -> None:
    """Refuse a case that would not fit in memory (:func:`wotsim.limits.check_comparison`: what
    :func:`wotsim.analysis.scenarios.compare` keeps) before any work: a whole-case task keeps that much on its
    worker, and the reduction of a case cut into blocks keeps every run's item values of all its rows."""
    from ..limits import check_comparison
    from .tasks import compile_case

    config, scenarios = (case.config, case.loaded) if case.config is not None else compile_case(p)
    check_comparison(config, scenarios, samples=p.samples, sampler=p.sampler, chunk_size=p.chunk_size,
                     what=f"{spec.path}: {case.key}: samples")


def _keep_case(out: Path, case: BatchCase, p: CasePayload, digest: str, blocks: Sequence[BlockResult]) -> None:
    """Write the case's comparison directory (``--keep draws``) from its blocks: the directory ``wotsim compare``
    writes for the same case, seed, sampler and size, its manifest carrying the case's digest."""
    import numpy as np

    from ..analysis.scenarios import Comparison, base_run, reference_of, scenario_run
    from ..results.io import manifest
    from ..results.simulation import SimulationResult
    from ..simulate import base_case
    from .tasks import compile_case

    config, scenarios = compile_case(p)
    ordered = sorted(blocks, key=lambda b: b.lo)

    def joined(get) -> Any:
        parts = [get(b) for b in ordered]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    base = SimulationResult(config=config, parameters=config.uncertain, draws=joined(lambda b: b.draws[0]),
                            seed=p.seed, sampler=p.sampler, item_pv=joined(lambda b: b.item_pv[0]),
                            yearly=joined(lambda b: b.yearly), base=base_case(config), chunk_size=p.chunk_size,
                            replicates=p.replicates,
                            manifest=manifest(config, seed=p.seed, sampler=p.sampler, samples=p.samples,
                                              chunk_size=p.chunk_size, replicates=p.replicates, batch_case=p.key,
                                              batch_digest=digest))
    runs = [base_run(base, p.outputs)]
    reference = reference_of(runs[0], p.outputs)
    for k, sc in enumerate(scenarios, 1):
        runs.append(scenario_run(sc, config, joined(lambda b: b.draws[k]), joined(lambda b: b.item_pv[k]), p.outputs,
                                 reference, True, p.replicates))
    Comparison(base=base, runs=tuple(runs), outputs=p.outputs, n=p.samples, seed=p.seed, sampler=p.sampler,
               paired=True).save(kept_dir(out, case))


def _tasks(todo: Sequence[int], payloads: Sequence[CasePayload], rows_per_task: int | None,
           keep: bool) -> tuple[list[Task], list[int]]:
    """The tasks of the cases ``todo`` and the case each belongs to: a whole case reduced on its worker, or
    blocks of ``rows_per_task`` rows (all rows in one block with ``keep`` alone)."""
    tasks: list[Task] = []
    owner: list[int] = []
    for i in todo:
        p = payloads[i]
        if rows_per_task is None and not keep:
            tasks.append(Task(p.key, case_summary, (p,)))
            owner.append(i)
            continue
        per = rows_per_task or p.samples
        for lo in range(0, p.samples, per):
            hi = min(p.samples, lo + per)
            tasks.append(Task(f"{p.key} rows {lo}-{hi}", case_block, (p, lo, hi, keep)))
            owner.append(i)
    return tasks, owner


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
    started = time.perf_counter()
    out = Path(out)
    prepare(out, create=False)  # a foreign --out is refused before anything is read or written
    rows_per_task = chunk_size if chunk_size is not None else spec.chunk_size
    payloads = [_payload(case) for case in spec.cases]
    digests = [case_digest(p) for p in payloads]
    cells: dict[int, list[list[str]]] = {}
    for i, (case, digest) in enumerate(zip(spec.cases, digests)):
        saved = saved_cells(out, case, digest, keep) if out.is_dir() else None
        if saved is not None:
            cells[i] = saved
    reused = tuple(spec.cases[i].key for i in sorted(cells))
    todo = [i for i in range(len(spec.cases)) if i not in cells]
    for i in todo:  # every size against the memory a task keeps (a case's comparison), before any work
        _check_size(spec, spec.cases[i], payloads[i])
    prepare(out)
    with locked(out):
        return _run(spec, out, executor, keep, rows_per_task, progress, payloads, digests, cells, reused, todo,
                    started)


def _run(spec: BatchSpec, out: Path, executor: Executor, keep: bool, rows_per_task: int | None,
         progress: Callable[[int, int], None] | None, payloads: list[CasePayload], digests: list[str],
         cells: dict[int, list[list[str]]], reused: tuple[str, ...], todo: list[int], started: float) -> BatchResult:
    """:func:`run_batch` once ``out`` is prepared and locked: the tasks, the records, the summary."""
    from ..results.io import to_json

    if todo:  # summary.csv is the summary of the batch the manifest describes, and of a finished one
        (out / "summary.csv").unlink(missing_ok=True)

    tasks, owner = _tasks(todo, payloads, rows_per_task, keep)
    needed = {i: owner.count(i) for i in todo}
    blocks: dict[int, list[BlockResult]] = {i: [] for i in todo}
    workers: dict[int, list[dict]] = {i: [] for i in todo}
    ended: set[int] = set()
    man = {"tool": "wotsim", "analysis": "batch", "format": BATCH_FORMAT, "batch_file": spec.path,
           "settings": to_json(dict(spec.settings)), "rows_per_task": rows_per_task, "keep": ["draws"] if keep else [],
           **executor.describe(), "versions": versions()}

    def write_manifest(complete: bool, lost: Sequence[str] = ()) -> None:
        body = dict(man, complete=complete, seconds=round(time.perf_counter() - started, 3),
                    cases=[{"key": c.key, "config": c.config_file, "config_sha256": c.sha256, "digest": d,
                            "scenarios": [s.id for s in c.scenarios], "outputs": list(c.outputs),
                            "samples": c.samples, "seed": c.seed, "sampler": c.sampler,
                            "status": ("reused" if c.key in reused else "computed" if i in cells else "missing"),
                            "tasks": workers.get(i, [])}
                           for i, (c, d) in enumerate(zip(spec.cases, digests))],
                    lost=list(lost))
        write_text(out / "manifest.json", json.dumps(to_json(body), indent=1) + "\n", "batch manifest")

    write_manifest(False)
    try:
        if progress is not None:
            progress(0, len(tasks))
        for t, result in executor.results(tasks):
            ended.add(t)
            i = owner[t]
            p = payloads[i]
            if isinstance(result, BlockResult):
                blocks[i].append(result)
                workers[i].append(dict(result.worker, task=tasks[t].key))
                if len(blocks[i]) == needed[i]:
                    if keep:
                        _keep_case(out, spec.cases[i], p, digests[i], blocks[i])
                    cells[i] = save_case(out, spec.cases[i], digests[i], reduce_case(p, blocks[i]), workers[i])
                    blocks[i] = []
            else:
                rows, worker = result
                workers[i].append(dict(worker, task=tasks[t].key))
                cells[i] = save_case(out, spec.cases[i], digests[i], rows, workers[i])
            if progress is not None:
                progress(len(ended), len(tasks))
    except (TasksLost, KeyboardInterrupt) as exc:
        if isinstance(exc, KeyboardInterrupt):  # here, between tasks: every task not ended is lost
            left = [tasks[t].key for t in range(len(tasks)) if t not in ended]
            exc = TasksLost(f"interrupted; {len(left)} task(s) not ended were lost: {_keys(left)}", in_flight=left,
                            interrupted=True)
        write_manifest(False, lost=[*exc.lost, *exc.in_flight])
        done = sum(1 for i in range(len(spec.cases)) if i in cells)
        raise TasksLost(f"{exc}; {done} of {len(spec.cases)} case(s) are saved in {out}: run the same command again "
                        "to finish the rest", lost=exc.lost, in_flight=exc.in_flight,
                        interrupted=exc.interrupted) from None

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(summary_columns())
    for i in range(len(spec.cases)):
        writer.writerows(cells[i])
    write_text(out / "summary.csv", buf.getvalue(), "batch summary")
    write_manifest(True)
    return BatchResult(directory=out, computed=tuple(spec.cases[i].key for i in todo), reused=reused,
                       tasks=len(tasks), seconds=round(time.perf_counter() - started, 3))
