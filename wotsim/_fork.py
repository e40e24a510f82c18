"""Forked worker processes, where they pay and are safe: the one helper every layer's parallel work uses.

The inverse-CDF tables (:func:`wotsim.config.distributions.prepare_tables`), the value-of-information
regressions (:mod:`wotsim.analysis.voi`) and the report's figures (:func:`wotsim.plots.files.render_figures`)
run their independent jobs in a pool of forked processes (which share what this process holds), or here,
one by one, off Linux, inside a pool's worker, beside other Python threads (forking them is not safe) or
where the system refuses a pool.  :func:`in_background` runs one job in a forked child while this process
goes on (the report's Sobol' indices and one-way analyses beside its Monte Carlo).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from typing import Callable, TypeVar

T = TypeVar("T")

__all__ = ["background_jobs", "fork_pool", "fork_workers", "in_background"]


#: True in a batch worker process (:func:`wotsim.batch.executors.worker_setup`): its CPUs belong to the batch's
#: other workers, so it forks no pools of its own.
IN_WORKER = False


def fork_workers(jobs: int, processes: int | None = None) -> int:
    """How many forked worker processes to run ``jobs`` independent jobs in: the CPUs this process may use
    (``processes`` if given), at most ``jobs``; 1 (run them here) off Linux, in a pool's worker (which may not
    start processes), in a batch's worker and beside other Python threads (forking them is not safe)."""
    if processes is None:
        try:
            processes = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not Linux
            processes = 1
    if (not sys.platform.startswith("linux") or multiprocessing.current_process().daemon
            or threading.active_count() > 1 or IN_WORKER):
        return 1
    return max(1, min(int(processes), jobs))


@contextmanager
def _interrupt_held():
    """Hold Ctrl-C (SIGINT) back while processes are forked: one that lands inside the fork is otherwise
    swallowed by CPython's after-fork hooks, and the run goes on.  A held interrupt is delivered when the
    block ends; the forked processes keep it blocked (the parent ends them), so only the parent is interrupted."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


@contextmanager
def fork_pool(workers: int):
    """A pool of ``workers`` forked processes (they share what this process holds), or None for 1 and where the
    system refuses one (no shared-memory semaphores in some sandboxes): then the caller runs its jobs itself."""
    pool = None
    if workers >= 2:
        with warnings.catch_warnings():  # Python >= 3.12 warns about forking a process with threads (BLAS's)
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            try:
                with _interrupt_held():
                    pool = multiprocessing.get_context("fork").Pool(workers)
            except OSError:
                pool = None
    if pool is None:
        yield None
        return
    with pool:
        yield pool


def in_background(fn: Callable[[], T]) -> Callable[[], T]:
    """Start ``fn()`` in a forked child process and return a function that waits for its result.

    Where a pool would not be forked (:func:`fork_workers` gives 1 for 2 jobs: off Linux, in a pool's
    worker, beside other Python threads, one CPU), ``fn`` runs when its result is asked for, here.  The
    child's exception is raised again here; a child that dies without a result (killed, out of memory)
    raises :class:`wotsim.errors.WotsimError` with its exit code.  The result comes back pickled through a
    pipe from the child this process forked, never from a file.  The returned function's ``cancel()`` ends
    a child whose result is no longer wanted (:func:`background_jobs` calls it when its block fails).
    """
    if fork_workers(2) < 2:
        def here() -> T:
            return fn()

        here.cancel = lambda: None  # type: ignore[attr-defined]
        return here
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        receive.close()
        try:
            outcome = (True, fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            outcome = (False, exc)
        try:  # pickled and read back here first: what the parent cannot rebuild becomes a plain error
            payload = pickle.dumps(outcome)
            pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            payload = pickle.dumps((False, RuntimeError(f"the background job's outcome could not be sent: "
                                                        f"{exc!r} (outcome: {outcome[1]!r:.200})")))
        try:
            send.send_bytes(payload)
        except OSError:  # the parent no longer waits (it failed, or was interrupted)
            pass
        finally:
            send.close()

    with warnings.catch_warnings(), _interrupt_held():  # Python >= 3.12 warns about forking with threads (BLAS's)
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        proc = ctx.Process(target=child, daemon=True)  # ended with this process; its own jobs run one by one
        proc.start()
    send.close()
    done: list = []

    def wait() -> T:
        if not done:
            from .errors import WotsimError

            try:
                done.append(receive.recv())
            except EOFError:
                done.append((False, WotsimError(f"a background analysis process ended without its result "
                                                f"(exit code {proc.join() or proc.exitcode})")))
            except Exception as exc:  # noqa: BLE001 - an outcome that cannot be rebuilt here
                done.append((False, WotsimError(f"a background analysis process sent what cannot be read: {exc!r}")))
            finally:
                receive.close()
                proc.join()
        ok, value = done[0]
        if not ok:
            raise value
        return value

    def cancel() -> None:
        """End the child if it still runs (its result is no longer wanted: the caller failed before waiting)."""
        if proc.is_alive():
            proc.terminate()
        proc.join()
        receive.close()

    wait.cancel = cancel  # type: ignore[attr-defined]
    return wait


@contextmanager
def background_jobs():
    """``start(fn)`` is :func:`in_background`; if the ``with`` block fails (an error, Ctrl-C) before it has
    waited for a job, the job's child process is ended, not left to finish for nobody."""
    started: list = []

    def start(fn: Callable[[], T]) -> Callable[[], T]:
        job = in_background(fn)
        started.append(job)
        return job

    try:
        yield start
    except BaseException:
        for job in started:
            job.cancel()
        raise
