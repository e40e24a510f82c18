"""Forked worker processes, where they pay and are safe: the one helper every layer's parallel work uses.

The inverse-CDF tables (:func:`wotsim.config.distributions.prepare_tables`), the value-of-information
regressions (:mod:`wotsim.analysis.voi`) and the report's figures (:func:`wotsim.plots.files.render_figures`)
run their independent jobs in a pool of forked processes (which share what this process holds), or here,
one by one, off Linux, inside a pool's worker, beside other Python threads (forking them is not safe) or
where the system refuses a pool.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
from contextlib import contextmanager

__all__ = ["fork_pool", "fork_workers"]


def fork_workers(jobs: int, processes: int | None = None) -> int:
    """How many forked worker processes to run ``jobs`` independent jobs in: the CPUs this process may use
    (``processes`` if given), at most ``jobs``; 1 (run them here) off Linux, in a pool's worker (which may not
    start processes) and beside other Python threads (forking them is not safe)."""
    if processes is None:
        try:
            processes = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not Linux
            processes = 1
    if (not sys.platform.startswith("linux") or multiprocessing.current_process().daemon
            or threading.active_count() > 1):
        return 1
    return max(1, min(int(processes), jobs))


@contextmanager
def fork_pool(workers: int):
    """A pool of ``workers`` forked processes (they share what this process holds), or None for 1 and where the
    system refuses one (no shared-memory semaphores in some sandboxes): then the caller runs its jobs itself."""
    pool = None
    if workers >= 2:
        with warnings.catch_warnings():  # Python >= 3.12 warns about forking a process with threads (BLAS's)
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            try:
                pool = multiprocessing.get_context("fork").Pool(workers)
            except OSError:
                pool = None
    if pool is None:
        yield None
        return
    with pool:
        yield pool
