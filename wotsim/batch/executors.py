"""Where tasks run: here, in local worker processes, or on a Dask cluster, behind one small interface.

An :class:`Executor` runs named tasks (a module-level function and picklable arguments) and hands back
each one's result as it ends; :meth:`Executor.map` gives them back in the order asked, which is all that
:func:`wotsim.simulate.simulate` needs to spread a run's rows.  Nothing here decides numbers: every task
derives its randomness from the root seed and its own key, so the executor, the number of workers and the
order in which tasks end change nothing but the time taken.

* :class:`SerialExecutor`: in this process, one task after another (``--workers 1``).
* :class:`ProcessExecutor`: ``--workers N`` local processes (:mod:`concurrent.futures`), forked from a
  fork server that imported :data:`PRELOAD` once (``forkserver``: a worker shares no state with this process
  but what its task is given, and starts in milliseconds; ``spawn`` where there is no fork server).  A worker that
  dies (killed, out of memory) breaks the pool and fails every task not yet ended: a new pool is started and
  they run again.  The workers mark the task they run, so only a task that was running when a pool broke
  counts a failure; one with :data:`RETRIES` failures then runs alone, and is reported as lost if it breaks
  a pool alone (so an innocent task is never lost with a guilty one).
* :class:`DaskExecutor`: ``--scheduler ADDRESS`` (a running ``dask.distributed`` scheduler) or
  ``--scheduler local`` (a :class:`distributed.LocalCluster` of ``--workers`` processes, one thread each,
  started and stopped here, forked from the same fork server).  The scheduler runs a task whose worker died
  again elsewhere (its ``allowed-failures``); one it gives up on is reported as lost.

Workers run their tasks with one thread, never fork pools of their own and ignore Ctrl-C
(:func:`worker_setup`: a pool's initializer, a LocalCluster's preload, and called with each task).

Ctrl-C stops the run here: the local workers are killed, a cluster's pending tasks cancelled, and
:class:`TasksLost` names the tasks that were in flight; a task lost for good is named the same way, after
the results of every finished task have been handed back (and, in a batch, saved).

Fault injection for tests: with ``WOTSIM_TEST_FAULT=exit:<marker dir>:<key substring>`` in this process's
environment when tasks are sent (it travels with each task), a worker running a task whose key contains the
substring dies (``os._exit``) the first time, leaving a marker file so that the retry succeeds;
``exit-always:`` dies every time.  Set only by the test suite.
"""

from __future__ import annotations

import abc
import contextlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from ..errors import WotsimError

__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "RETRIES", "SerialExecutor", "Task", "TasksLost",
           "make_executor", "worker_setup"]

#: How many times a task whose worker died is run again before it is reported as lost.
RETRIES = 2


@dataclass(frozen=True)
class Task:
    """A unit of work: ``fn(*args)`` run on a worker, named by ``key`` (unique within a run)."""

    key: str
    fn: Callable[..., Any]
    args: tuple = ()


class TasksLost(WotsimError):
    """Tasks that did not finish: interrupted (``in_flight``) or given up on after their worker died (``lost``)."""

    def __init__(self, message: str, *, lost: Sequence[str] = (), in_flight: Sequence[str] = (),
                 interrupted: bool = False):
        super().__init__(message)
        self.lost = tuple(lost)
        self.in_flight = tuple(in_flight)
        self.interrupted = interrupted


def _keys(keys: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


#: The modules a local pool's fork server imports once, so that its workers start without importing them
#: (the first makes it ignore Ctrl-C, and its workers with it).
PRELOAD = ("wotsim.batch._server", "wotsim.batch.tasks", "wotsim.simulate", "wotsim.analysis.scenarios", "wotsim.config.loading",
           "wotsim.config.overlays", "scipy.stats")


def worker_setup(flags: Any = None) -> None:
    """Run in a worker before its tasks (once a process): one thread for numerical libraries, no forked pools
    of its own, Ctrl-C left to the process that started it (which stops the workers; a terminal sends it to
    every process of the group), and ``flags`` (a local pool's shared array of task states) kept."""
    import signal
    import threading

    from .. import _fork

    global _FLAGS
    if flags is not None:
        _FLAGS = flags
    if _fork.IN_WORKER:
        return
    _fork.IN_WORKER = True
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # pragma: no cover - threadpoolctl is a dependency; a missing BLAS is not an error
        pass


def _faulty(key: str, spec: str) -> None:
    """The test suite's fault injection (module docstring); nothing unless ``WOTSIM_TEST_FAULT`` was set where
    the task was sent from (it travels with the task: a worker's environment is its own)."""
    if not spec:
        return
    kind, _, rest = spec.partition(":")
    marker_dir, _, needle = rest.rpartition(":")
    if needle and needle in key:
        marker = os.path.join(marker_dir, "fault-" + "".join(c if c.isalnum() else "_" for c in key))
        if kind == "exit-always" or (kind == "exit" and not os.path.exists(marker)):
            with open(marker, "w", encoding="utf-8") as fh:
                fh.write(str(os.getpid()))
            os._exit(70)


#: A local pool's task states, shared with its workers: 0 not started, 1 running, 2 ended (:class:`ProcessExecutor`).
_FLAGS: Any = None


def run_task(key: str, fn: Callable[..., Any], args: tuple, fault: str = "", index: int = -1) -> Any:
    """What a worker runs for a task (with the fault injection the test suite may ask for); in a local pool it
    marks task ``index`` running, then ended, so that a dead worker's own task is told from the queued ones."""
    worker_setup()
    if index >= 0 and _FLAGS is not None:
        _FLAGS[index] = 1
    _faulty(key, fault)
    result = fn(*args)
    if index >= 0 and _FLAGS is not None:
        _FLAGS[index] = 2
    return result


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run as each worker of a LocalCluster starts (or starts again after a death)."""
    worker_setup()


def _fault() -> str:
    return os.environ.get("WOTSIM_TEST_FAULT", "")


def _context(extra: Sequence[str] = ()):
    """The multiprocessing context workers start from: the fork server, started now with :data:`PRELOAD` (and
    ``extra``) imported, if it is not running yet; ``spawn`` where there is no fork server."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not on Linux
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *extra])  # no effect once the server runs
    _ignoring_interrupts(forkserver.ensure_running)
    return context


def _ignoring_interrupts(start: Callable[[], Any]) -> Any:
    """``start()`` with Ctrl-C ignored here for those few milliseconds, so that the fork server it starts ignores
    it from birth (an ignored signal stays ignored across fork and exec; its first import,
    :mod:`wotsim.batch._server`, keeps it so, and its workers inherit it).  The executors start the server when
    they are made, before any work, so that an interrupt is never lost in this window once a run is under way."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return start()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return start()
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _interrupt_deferred():
    """Ctrl-C held back over a block that must not be cut in half (a Dask cluster starting: cut, it left a worker
    half started and Dask's complaints on stderr): noted by a handler of our own, raised when the block ends.
    (A signal mask would not do: Dask's threads do not block it, and Python runs handlers in the main thread.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


class Executor(abc.ABC):
    """Runs tasks; subclasses say where.  Use as a context manager (workers are stopped on leaving)."""

    name = "serial"
    workers = 1

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (nothing for :class:`SerialExecutor`)."""

    def describe(self) -> dict[str, Any]:
        """What the manifest records of the executor."""
        return {"executor": self.name, "workers": self.workers}

    @abc.abstractmethod
    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """``(index, result)`` of every task, as each ends (in any order).  A task's own exception (a bug, a
        config a worker refuses) is raised as it is; see :class:`TasksLost` for tasks that did not end."""

    def map(self, fn: Callable[..., Any], args: Sequence[tuple], *, keys: Sequence[str],
            done: Callable[[int], None] | None = None) -> list[Any]:
        """``[fn(*a) for a in args]`` in order, the calls run as tasks named by ``keys``; ``done(i)`` as task i ends."""
        out: list[Any] = [None] * len(args)
        for i, result in self.results([Task(k, fn, tuple(a)) for k, a in zip(keys, args)]):
            out[i] = result
            if done is not None:
                done(i)
        return out


class SerialExecutor(Executor):
    """Every task here, in order (``--workers 1``)."""

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            try:
                result = task.fn(*task.args)
            except KeyboardInterrupt:
                raise TasksLost(f"interrupted; task {task.key} was in flight", in_flight=[task.key],
                                interrupted=True) from None
            yield i, result


class ProcessExecutor(Executor):
    """``workers`` local processes (:class:`concurrent.futures.ProcessPoolExecutor`, forked from the fork server)."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = int(workers)
        self._pool = None
        self._flags = None  # the task states the pool's workers share (one call of results at a time)
        _context()  # the fork server, now: before any work (see _ignoring_interrupts)

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """As :meth:`Executor.results`.  A dead worker breaks the whole pool and fails every task not yet ended;
        the workers mark the task they run, so only a task that was running when a pool broke counts a
        failure (the queued ones go back to the queue as they were).  A task that failed :data:`RETRIES` times
        runs alone: if it breaks a pool alone, it is lost; the others finish."""
        from concurrent.futures import ProcessPoolExecutor

        context = _context()
        if self._flags is None or len(self._flags) < len(tasks):  # the workers share the task states from birth
            self.close()
            self._flags = context.Array("b", max(len(tasks), 4096), lock=False)
        flags = self._flags
        failures = [0] * len(tasks)
        todo = list(range(len(tasks)))
        lost: list[int] = []
        while todo:
            together = [i for i in todo if failures[i] < RETRIES]
            alone = [i for i in todo if failures[i] >= RETRIES]
            todo = []
            for group in ([together] if together else []) + [[i] for i in alone]:
                for i in group:
                    flags[i] = 0
                broken = yield from self._round(tasks, group, lambda: ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=context, initializer=worker_setup, initargs=(flags,)))
                for i in broken:
                    if flags[i] == 1:  # it was running: its worker may be the one that died
                        failures[i] += 1
                    (lost if len(group) == 1 and failures[i] > RETRIES else todo).append(i)
            todo.sort()
        if lost:
            keys = [tasks[i].key for i in sorted(lost)]
            raise TasksLost(f"{len(keys)} task(s) lost: each broke its worker process {RETRIES + 1} times, the last "
                            f"time alone: {_keys(keys)}", lost=keys)

    def _round(self, tasks: Sequence[Task], group: Sequence[int], new_pool: Callable[[], Any]):
        """Run the tasks ``group`` on the pool (made by ``new_pool`` if there is none), yielding ``(index,
        result)``; returns those a broken pool failed."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        fault = _fault()
        running: dict = {}
        broken: list[int] = []
        try:
            with _interrupt_deferred():  # the pool and its workers start whole; a Ctrl-C meanwhile comes after
                if self._pool is None:
                    self._pool = new_pool()
                for i in group:
                    running[self._pool.submit(run_task, tasks[i].key, tasks[i].fn, tasks[i].args, fault, i)] = i
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken.append(i)
                        continue
                    yield i, result
        except BaseException:  # Ctrl-C, or the consumer stopped: end the workers at once
            keys = [tasks[i].key for i in sorted(running.values())]
            if self._pool is not None:
                for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                    proc.kill()  # first: a worker still starting must not outlive the pool's queues and complain
                self._pool.shutdown(wait=True, cancel_futures=True)  # quick now: its manager sees the workers gone
                self._pool = None
            raise _in_flight(keys)
        if broken:  # a worker died: the pool is unusable; the next round starts a new one
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        return broken


class DaskExecutor(Executor):
    """A ``dask.distributed`` cluster: a running scheduler at ``address``, or ``"local"`` for a
    :class:`distributed.LocalCluster` of ``workers`` processes with one thread each, started here.  Connected
    (or started) when the first tasks come, so that a batch with nothing to compute starts nothing; Dask's
    scratch files of a LocalCluster go to a temporary folder removed on closing."""

    name = "dask"

    def __init__(self, address: str, workers: int = 2):
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise WotsimError("--scheduler needs Dask: pip install 'wotsim[dask]' (dask.distributed is not "
                              "installed)")
        self.address = address
        self.workers = int(workers)
        self._client = self._cluster = self._scratch = None
        if address == "local":
            _context(("distributed",))  # the fork server its workers come from, now: before any work

    def start(self) -> "DaskExecutor":
        """Connect to the scheduler, or start the LocalCluster (done by the first :meth:`results`)."""
        if self._client is not None:
            return self
        with _interrupt_deferred():  # a Ctrl-C during the start is raised once the cluster is whole
            return self._start()

    def _start(self) -> "DaskExecutor":
        import distributed

        try:
            if self.address == "local":
                import logging
                import tempfile

                import dask

                self._scratch = tempfile.mkdtemp(prefix="wotsim-dask-")
                if _context(("distributed",)).get_start_method() == "forkserver":  # workers forked, not spawned
                    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
                # the workers' statistical profiler samples every task's stack every 10 ms, their system and
                # memory monitors poll 2 and 10 times a second, every event loop checks its health 50 times a
                # second, and the scheduler rebalances by stealing: on 2 cores busy with CPU-bound tasks that
                # took about 10% of their time.  Not wanted for a batch of whole tasks.
                dask.config.set({"distributed.worker.profile.enabled": False, "temporary-directory": self._scratch,
                                 "distributed.admin.system-monitor.interval": "5s",
                                 "distributed.worker.memory.monitor-interval": "1s",
                                 "distributed.admin.tick.interval": "500ms",
                                 "distributed.scheduler.work-stealing": False})
                import warnings

                with warnings.catch_warnings():  # Dask's own notes (a port taken by another cluster): not ours
                    warnings.simplefilter("ignore")
                    # ":0": its HTTP server (health routes; no dashboard without bokeh) on any free port
                    self._cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                             processes=True, dashboard_address=":0",
                                                             silence_logs=logging.ERROR,
                                                             preload=["wotsim.batch.executors"])
                self._client = distributed.Client(self._cluster, set_as_default=False)
            else:
                self._client = distributed.Client(self.address, timeout="10s", set_as_default=False)
                self.workers = len(self._client.scheduler_info(n_workers=-1).get("workers", {}))
        except (OSError, TimeoutError) as exc:
            self.close()
            raise WotsimError(f"--scheduler {self.address}: cannot connect to a Dask scheduler there ({exc})") from None
        return self

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers,
                "scheduler": "local" if self.address == "local" else self.address}

    def close(self) -> None:
        """Close the client and stop the LocalCluster; what goes wrong while stopping (a worker cut while it
        started) is not the user's concern and stays off stderr."""
        import logging
        import shutil

        client, cluster, scratch = self._client, self._cluster, self._scratch
        self._client = self._cluster = self._scratch = None
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            for part in (client, cluster):
                if part is not None:
                    try:
                        part.close()
                    except Exception:  # noqa: BLE001 - a cluster that did not start whole
                        pass
        finally:
            quiet.setLevel(level)
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """As :meth:`Executor.results`.  A task whose worker died runs again on another (the scheduler's
        ``allowed-failures``); an exception a task raises is not retried (it would raise again)."""
        import distributed

        if not tasks:
            return
        self.start()
        token = f"{os.getpid()}-{time.monotonic_ns()}"
        fault = _fault()
        futures = {}
        for i, task in enumerate(tasks):
            fut = self._client.submit(run_task, task.key, task.fn, task.args, fault, key=f"wotsim-{token}-{i}",
                                      pure=False)
            futures[fut] = i
        pending = dict(futures)
        lost = []
        try:
            for fut in distributed.as_completed(list(futures), loop=self._client.loop):
                i = pending.pop(fut)
                try:
                    result = fut.result()
                except distributed.KilledWorker:
                    lost.append(i)
                    continue
                fut.release()
                yield i, result
        except BaseException:  # Ctrl-C, or the consumer stopped: cancel what has not ended
            keys = [tasks[i].key for i in sorted(pending.values())]
            self._client.cancel(list(pending))
            raise _in_flight(keys)
        if lost:
            keys = [tasks[i].key for i in sorted(lost)]
            raise TasksLost(f"{len(keys)} task(s) lost: the workers running them died: {_keys(keys)}", lost=keys)


def _in_flight(keys: Sequence[str]) -> BaseException:
    """What stopping a run raises: :class:`TasksLost` for Ctrl-C (naming the tasks in flight), else the exception
    being handled, as it is."""
    import sys

    exc = sys.exc_info()[1]
    if isinstance(exc, KeyboardInterrupt):
        return TasksLost(f"interrupted; {len(keys)} task(s) in flight were lost: {_keys(list(keys))}",
                         in_flight=keys, interrupted=True)
    return exc


def make_executor(workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for ``--workers`` and ``--scheduler`` (Dask when a scheduler is given)."""
    if scheduler is not None:
        return DaskExecutor(scheduler, workers=max(int(workers), 1) if scheduler == "local" else 0)
    if int(workers) <= 1:
        return SerialExecutor()
    return ProcessExecutor(int(workers))
