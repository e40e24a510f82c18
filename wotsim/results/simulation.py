"""Results: frozen dataclasses with numpy arrays; summaries; atomic save and load.

A results directory holds

* ``arrays.npz``: the design draws, item present values, yearly net values;
* ``summary.json``: per output the base case, mean, sd, median, percentiles,
  probabilities, each with Monte Carlo standard errors;
* ``manifest.json``: config path and hash, the config itself, seed, sampler, n,
  chunk size and the versions of wotsim and its dependencies.

Directories are written to a temporary sibling and renamed into place, so a
crash never leaves a half-written results directory and never destroys a
finished one.
"""

from __future__ import annotations

import datetime
import fcntl
import glob
import json
import math
import os
import platform
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import asdict, dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..config.loading import Config, parse_config
from ..results import mcse
from ..errors import ResultsError, WotsimWarning
from ..config.expressions import shown
from ..model import output_values, ratio_of_means, stakeholder_net

__all__ = ["BaseCase", "Convergence", "CumulativeBands", "Exceedance", "OutputSummary", "SimulationResult",
           "load_results", "manifest", "write_atomic_dir"]

FORMAT_VERSION = 1


@dataclass(frozen=True)
class BaseCase:
    """The deterministic base case: every parameter at its base value."""

    outputs: Mapping[str, float]
    item_pv: Mapping[str, float]
    stakeholder_net: Mapping[str, float]
    yearly: np.ndarray  # (n_stakeholders, T) discounted net value per year


@dataclass(frozen=True)
class OutputSummary:
    """Summary of one output's distribution.

    ``mean_se`` and ``p_above_se`` are Monte Carlo standard errors: iid formulas
    for ``mc`` draws, the spread of the design's independent randomisations for
    ``sobol`` and ``lhs`` (:mod:`wotsim.mcse`).  ``p_above`` is P(ratio > 1) for a
    ratio and P(NPV > 0) for an NPV; ``ratio_of_means`` is E[B] / E[C] (ratios only).
    """

    name: str
    label: str
    measure: str
    n: int
    base: float
    mean: float
    mean_se: float
    sd: float
    median: float
    percentiles: Mapping[str, float]
    threshold: float
    p_above: float
    p_above_se: float
    ratio_of_means: float | None = None
    target: float | None = None
    n_undefined: int = 0

    def interval(self, level: float = 90.0) -> tuple[float, float]:
        """Central interval from the stored percentiles, e.g. (p5, p95) for 90."""
        lo, hi = _pkey(50 - level / 2), _pkey(50 + level / 2)
        if lo not in self.percentiles or hi not in self.percentiles:
            raise KeyError(f"percentiles {lo} and {hi} were not computed; have {', '.join(self.percentiles)}")
        return self.percentiles[lo], self.percentiles[hi]


def _pkey(p: float) -> str:
    return f"p{p:g}"


@dataclass(frozen=True)
class CumulativeBands:
    """Per-year quantile bands of the cumulative discounted net value.

    Attributes
    ----------
    stakeholder : str or None
        Stakeholder id, or None for the total over all stakeholders.
    years : ndarray, shape (T,)
        Year index, 0 = the first (undiscounted) year.
    levels : tuple of float
        Central interval levels in percent, e.g. (50.0, 90.0).
    median : ndarray, shape (T,)
    lower, upper : ndarray, shape (len(levels), T)
        The (50 - level/2)th and (50 + level/2)th percentiles of the draws per year.
    base : ndarray, shape (T,)
        The deterministic base case's cumulative net value.
    n : int
        Number of draws.
    """

    stakeholder: str | None
    years: np.ndarray
    levels: tuple[float, ...]
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    base: np.ndarray
    n: int


@dataclass(frozen=True)
class Exceedance:
    """P(output >= threshold) on a grid of thresholds (an acceptability curve).

    ``se`` is the Monte Carlo standard error (:mod:`wotsim.mcse`: iid for ``mc``,
    from the independent randomisations for ``sobol`` and ``lhs``).
    Undefined (NaN) draws are excluded; ``n`` counts the finite ones.

    Attributes
    ----------
    output : str
    thresholds : ndarray, shape (m,)
    p : ndarray, shape (m,)
    se : ndarray, shape (m,)
    n : int
    """

    output: str
    thresholds: np.ndarray
    p: np.ndarray
    se: np.ndarray
    n: int


@dataclass(frozen=True)
class Convergence:
    """Monte Carlo estimates over nested prefixes of the draws (the first n_k samples).

    Prefix sizes are the powers of two from ``n_min`` up to the run's n (plus n
    itself when it is not a power of two): prefixes of a Sobol' sequence keep
    their balance at powers of two.  A prefix of ``k R`` rows holds ``k`` points
    of each of the design's R randomisations, so standard errors follow
    :mod:`wotsim.mcse` at every prefix.  The last entry equals the run's summary.

    Attributes
    ----------
    output : str
    threshold : float
        1 for a ratio, 0 for an NPV: ``p_above`` = P(output > threshold).
    n : ndarray of int, shape (k,)
        Prefix sizes (draws, including undefined ones).
    p_above, p_above_se, mean, mean_se : ndarray, shape (k,)
    """

    output: str
    threshold: float
    n: np.ndarray
    p_above: np.ndarray
    p_above_se: np.ndarray
    mean: np.ndarray
    mean_se: np.ndarray


def summarise(name: str, label: str, measure: str, values: np.ndarray, base: float,
              percentiles: tuple[float, ...], *, ratio_of_means: float | None = None,
              target: float | None = None, replicates: int = 1) -> OutputSummary:
    """Summarise draws of one output.

    Undefined draws are counted (``n_undefined``) and excluded: NaN or infinite values
    (a ratio is NaN where costs <= 0, see :func:`wotsim.model.output_array`).
    ``replicates`` is the number of independent randomisations of the design the
    draws come from, in row order (1 for independent draws); see :mod:`wotsim.mcse`.
    """
    finite = values[np.isfinite(values)]
    n = int(finite.size)
    undefined = int(values.size - n)
    threshold = 1.0 if measure == "ratio" else 0.0
    if n == 0:
        nan = float("nan")
        return OutputSummary(name, label, measure, 0, float(base), nan, nan, nan, nan,
                             {_pkey(p): nan for p in percentiles}, threshold, nan, nan,
                             ratio_of_means, target, undefined)
    mean = float(np.mean(finite))
    sd = float(np.std(finite, ddof=1)) if n > 1 else 0.0
    p = float(np.mean(finite > threshold))
    qs = np.percentile(finite, list(percentiles) + [50.0])
    return OutputSummary(
        name=name,
        label=label,
        measure=measure,
        n=n,
        base=float(base),
        mean=mean,
        mean_se=mcse.mean_se(values, replicates),
        sd=sd,
        median=float(qs[-1]),
        percentiles={_pkey(pc): float(q) for pc, q in zip(percentiles, qs[:-1])},
        threshold=threshold,
        p_above=p,
        p_above_se=mcse.prob_se(values, threshold, replicates),
        ratio_of_means=ratio_of_means,
        target=target,
        n_undefined=undefined,
    )


@dataclass(frozen=True)
class SimulationResult:
    """A Monte Carlo run.

    Attributes
    ----------
    config : Config
    parameters : tuple of str
        Names of the uncertain parameters (columns of ``draws``).
    draws : ndarray, shape (n, d)
        Parameter values of each sample.
    seed : int
        The root seed.
    sampler : str
    item_pv : ndarray, shape (n, n_items)
        Present value of each item (positive amounts; costs count negatively in NPV).
    yearly : ndarray, shape (n, n_stakeholders, T), float32
        Discounted net value per stakeholder and year.
    base : BaseCase
    chunk_size : int
    replicates : int
        Independent randomisations of the design (1 for ``mc``); row ``i`` belongs
        to randomisation ``i % replicates``.  Standard errors use it (:mod:`wotsim.mcse`).
    """

    config: Config
    parameters: tuple[str, ...]
    draws: np.ndarray
    seed: int
    sampler: str
    item_pv: np.ndarray
    yearly: np.ndarray
    base: BaseCase
    chunk_size: int
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False)
    replicates: int = 1

    @property
    def n(self) -> int:
        return int(self.item_pv.shape[0])

    @property
    def se_method(self) -> str:
        """How this run's standard errors were computed, in words (:func:`wotsim.mcse.describe`)."""
        return mcse.describe(self.sampler, self.replicates)

    @cached_property
    def outputs(self) -> dict[str, np.ndarray]:
        """Draws of every output: ``benefits``, ``costs``, ``npv`` and the config's outputs."""
        return output_values(self.config, self.item_pv)

    @cached_property
    def stakeholder_net(self) -> dict[str, np.ndarray]:
        """Draws of the net present value per stakeholder."""
        net = stakeholder_net(self.config, self.item_pv)
        return {s: net[:, k] for k, s in enumerate(self.config.stakeholders)}

    @cached_property
    def cumulative(self) -> np.ndarray:
        """Cumulative discounted net value over all stakeholders by year, shape (n, T)."""
        return np.cumsum(self.yearly.sum(axis=1, dtype=np.float64), axis=1)

    def cumulative_by_stakeholder(self, stakeholder: str) -> np.ndarray:
        """Cumulative discounted net value of one stakeholder by year, shape (n, T)."""
        k = list(self.config.stakeholders).index(stakeholder)
        return np.cumsum(self.yearly[:, k, :].astype(np.float64), axis=1)

    def draws_of(self, parameter: str) -> np.ndarray:
        return self.draws[:, self.parameters.index(parameter)]

    def values_of(self, output: str) -> np.ndarray:
        """Draws of an output (a key of :attr:`outputs`) or of ``net:<stakeholder>``, shape (n,)."""
        if output in self.outputs:
            return self.outputs[output]
        if output.startswith("net:") and output[4:] in self.stakeholder_net:
            return self.stakeholder_net[output[4:]]
        known = list(self.outputs) + [f"net:{s}" for s in self.stakeholder_net]
        raise ResultsError(f"unknown output {output!r}; known: {', '.join(known)}")

    def cumulative_bands(self, stakeholder: str | None = None,
                         levels: tuple[float, ...] = (50.0, 90.0)) -> CumulativeBands:
        """Median and central quantile bands of the cumulative discounted net value per year.

        Parameters
        ----------
        stakeholder : str, optional
            A stakeholder id; default: the total over all stakeholders.
        levels : tuple of float
            Central interval levels in percent, each strictly between 0 and 100.

        Returns
        -------
        CumulativeBands
            Quantiles as ``np.percentile`` (linear interpolation), like the summaries.
        """
        if stakeholder is None:
            cum = self.cumulative
            base = np.cumsum(self.base.yearly.sum(axis=0))
        elif stakeholder in self.config.stakeholders:
            k = list(self.config.stakeholders).index(stakeholder)
            cum = self.cumulative_by_stakeholder(stakeholder)
            base = np.cumsum(self.base.yearly[k])
        else:
            raise ResultsError(f"unknown stakeholder {stakeholder!r}; known: {', '.join(self.config.stakeholders)}")
        levels = tuple(float(v) for v in levels)
        if not levels or not all(0 < v < 100 for v in levels):
            raise ResultsError(f"levels must be percentages strictly between 0 and 100, got {levels!r}")
        pcts = [50.0] + [50 - v / 2 for v in levels] + [50 + v / 2 for v in levels]
        q = np.percentile(cum, pcts, axis=0)
        m = len(levels)
        return CumulativeBands(stakeholder=stakeholder, years=np.arange(cum.shape[1]), levels=levels,
                               median=q[0], lower=q[1:1 + m], upper=q[1 + m:], base=np.asarray(base, float),
                               n=self.n)

    def exceedance(self, output: str, thresholds: np.ndarray | None = None) -> Exceedance:
        """P(output >= t) for each threshold t: the acceptability curve of a ratio.

        Parameters
        ----------
        output : str
            A key of :attr:`outputs` or ``net:<stakeholder>``.
        thresholds : array_like, shape (m,), optional
            Default: 401 points from the 0.1th to the 99.9th percentile of the
            draws, widened to include the base case and the break-even point.
        """
        values = self.values_of(output)
        finite = np.sort(values[~np.isnan(values)])
        n = int(finite.size)
        if n == 0:
            raise ResultsError(f"output {output!r} has no finite draws")
        if thresholds is None:
            lo, hi = np.percentile(finite, [0.1, 99.9])
            s = self.summary[output]
            anchors = [v for v in (s.threshold, s.base) if math.isfinite(v)]
            thresholds = np.linspace(min([lo] + anchors), max([hi] + anchors), 401)
        t = np.asarray(thresholds, dtype=float)
        if t.ndim != 1:
            raise ResultsError(f"thresholds must be one-dimensional, got shape {t.shape}")
        p = (n - np.searchsorted(finite, t, side="left")) / n
        return Exceedance(output=output, thresholds=t, p=p, se=mcse.exceedance_se(values, t, self.replicates), n=n)

    def convergence(self, output: str, *, n_min: int = 64) -> Convergence:
        """P(output > threshold) and the mean over nested prefixes of the draws.

        Parameters
        ----------
        output : str
            A key of :attr:`outputs` or ``net:<stakeholder>``.
        n_min : int
            Smallest prefix size (rounded up to a power of two).
        """
        values = self.values_of(output)
        threshold = self.summary[output].threshold
        if n_min < 2:
            raise ResultsError(f"n_min must be >= 2, got {n_min}")
        sizes = [2 ** k for k in range(math.ceil(math.log2(n_min)), self.n.bit_length()) if 2 ** k <= self.n]
        if not sizes or sizes[-1] != self.n:
            sizes.append(self.n)
        stats = np.full((len(sizes), 4), np.nan)
        for i, m in enumerate(sizes):
            x = values[:m]
            finite = x[np.isfinite(x)]
            if finite.size == 0:
                continue
            R = min(self.replicates, m)
            stats[i] = (float(np.mean(finite > threshold)), mcse.prob_se(x, threshold, R),
                        float(np.mean(finite)), mcse.mean_se(x, R))
        return Convergence(output=output, threshold=float(threshold), n=np.asarray(sizes),
                           p_above=stats[:, 0], p_above_se=stats[:, 1], mean=stats[:, 2], mean_se=stats[:, 3])

    @cached_property
    def summary(self) -> dict[str, OutputSummary]:
        """Per output and per stakeholder (``net:<id>``) summaries."""
        cfg = self.config
        pct = cfg.simulation.percentiles
        out: dict[str, OutputSummary] = {}
        labels = {"benefits": "Total benefits (PV)", "costs": "Total costs (PV)", "npv": "Net present value"}
        for name, values in self.outputs.items():
            o = cfg.outputs.get(name)
            measure = o.measure if o is not None else ("npv" if name == "npv" else "amount")
            rom = ratio_of_means(cfg, self.item_pv, name) if measure == "ratio" else None
            out[name] = summarise(
                name, o.label if o else labels[name], measure,
                values, self.base.outputs[name], pct, ratio_of_means=rom,
                target=o.target if o else None, replicates=self.replicates,
            )
        for s, values in self.stakeholder_net.items():
            out[f"net:{s}"] = summarise(f"net:{s}", f"Net value: {cfg.stakeholders[s]}", "npv",
                                        values, self.base.stakeholder_net[s], pct, replicates=self.replicates)
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the results directory atomically; returns its path.

        An existing results directory (one with a ``manifest.json``) or an empty
        directory is replaced; anything else is left alone and raises
        :class:`ResultsError`, so a mistyped path never deletes other files.
        """
        directory = Path(directory)

        def fill(tmp: Path) -> None:
            np.savez(tmp / "arrays.npz", draws=self.draws, item_pv=self.item_pv, yearly=self.yearly,
                     base_yearly=self.base.yearly)
            summary = {
                "format": FORMAT_VERSION,
                "base": {"outputs": dict(self.base.outputs), "item_pv": dict(self.base.item_pv),
                         "stakeholder_net": dict(self.base.stakeholder_net)},
                "outputs": {k: _jsonable(asdict(v)) for k, v in self.summary.items()},
            }
            _write_json(tmp / "summary.json", summary)
            _write_json(tmp / "manifest.json", dict(self.manifest))

        write_atomic_dir(directory, fill)
        return directory


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, (datetime.date, datetime.time)):  # TOML dates; str() as in Config.sha256
        return str(obj)
    return obj


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_jsonable(data), indent=2, sort_keys=False) + "\n", encoding="utf-8")


#: The mark of a wotsim output directory: ``manifest.json`` holds ``"tool": TOOL``.
TOOL = "wotsim"


def is_wotsim_dir(directory: str | Path) -> bool:
    """True if ``directory`` holds a ``manifest.json`` that marks it as written by wotsim."""
    path = Path(directory) / "manifest.json"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 50_000_000:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("tool") == TOOL


def check_replaceable(directory: str | Path) -> None:
    """Refuse a path that exists and is neither an empty directory nor a marked wotsim output directory.

    A wotsim directory carries ``"tool": "wotsim"`` in its ``manifest.json`` (:func:`manifest`); a
    directory that merely holds some ``manifest.json`` (a web app, a browser extension) is never
    replaced.  Every writer of an output directory goes through :func:`write_atomic_dir`, which calls
    this first, so a mistyped ``--out`` never deletes other files.
    """
    directory = Path(directory)
    if directory.is_symlink():
        raise ResultsError(f"{directory}: is a symbolic link; refusing to replace it (choose a new path)")
    if directory.exists() and not (directory.is_dir() and (is_wotsim_dir(directory) or not any(directory.iterdir()))):
        raise ResultsError(f"{directory}: exists and is not a wotsim results directory (no manifest.json with "
                           '"tool": "wotsim"); refusing to replace it (choose a new path or remove it)')


def _fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (files first, then their directories)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(directory: str | Path) -> list[str]:
    """Clean up after a write to ``directory`` that was killed; returns what was done, one line each.

    A write fills ``.NAME.tmp-*`` and, when it replaces an earlier directory, moves that one to
    ``.NAME.old-*/x`` for the moment of the swap.  If the final path is missing and an ``.old``
    sibling holds a marked wotsim directory, it is put back; then every stale temporary sibling is
    removed.  Called with the parent directory locked (:func:`write_atomic_dir`).
    """
    directory = Path(directory)
    parent = directory.absolute().parent.resolve()  # the last component itself is never followed
    name = directory.name
    notes: list[str] = []
    if not parent.is_dir():
        return notes
    olds = sorted(p for p in parent.glob(f".{glob.escape(name)}.old-*") if p.is_dir() and not p.is_symlink())
    tmps = sorted(p for p in parent.glob(f".{glob.escape(name)}.tmp-*") if p.is_dir() and not p.is_symlink())
    if not directory.exists() and not directory.is_symlink():
        for old in olds:
            if is_wotsim_dir(old / "x"):
                os.replace(old / "x", directory)
                _fsync_dir(parent)
                notes.append(f"{directory}: restored the previous results, left aside by an interrupted write")
                break
    for stale in olds + tmps:
        shutil.rmtree(stale, ignore_errors=True)
    if olds or tmps:
        _fsync_dir(parent)
        notes.append(f"{directory}: removed {len(olds) + len(tmps)} temporary folder(s) left by an interrupted write")
    return notes


def write_atomic_dir(directory: str | Path, fill) -> None:
    """Create ``directory`` by filling a temporary sibling and renaming it into place.

    An existing directory is replaced only after the new one is complete, and only if it
    is empty or a marked wotsim directory (:func:`check_replaceable`).  ``fill(tmp)`` must
    write a ``manifest.json`` made by :func:`manifest` (which carries the mark).  Every file
    and directory is fsynced before the rename, and the parent after it, so a crash or power
    cut leaves either the old or the new directory, complete.  Leftovers of an earlier
    interrupted write to the same path are cleaned up first (:func:`recover`); what was done
    is reported as a :class:`~wotsim.errors.WotsimWarning`.  The parent directory is locked
    (``flock``) for the duration, so two wotsim processes never swap the same path at once.
    """
    directory = Path(directory)
    if directory.is_symlink():  # before anything is created, cleaned or resolved through it
        raise ResultsError(f"{directory}: is a symbolic link; refusing to replace it (choose a new path)")
    if directory.name in ("", ".", ".."):  # ".", "..", "/": resolve to compare with the current directory
        resolved = directory.resolve()
        parent = resolved.parent
    else:
        parent = directory.absolute().parent.resolve()
        resolved = parent / directory.name
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise ResultsError(f"{directory}: is the current directory or one of its parents; "
                           "choose a new path for the output directory")
    parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for note in recover(directory):
            warnings.warn(note, WotsimWarning, stacklevel=2)
        check_replaceable(directory)
        tmp = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.tmp-", dir=parent))
        try:
            fill(tmp)
            if not is_wotsim_dir(tmp):
                raise RuntimeError(f"internal error: {tmp} has no manifest.json marked with \"tool\": \"wotsim\"")
            _fsync_tree(tmp)
            if directory.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.old-", dir=parent))
                os.replace(directory, old / "x")
                try:
                    os.replace(tmp, directory)
                except BaseException:
                    os.replace(old / "x", directory)  # put the previous results back
                    shutil.rmtree(old, ignore_errors=True)
                    raise
                _fsync_dir(parent)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, directory)
            _fsync_dir(parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        os.close(lock)  # releases the lock


def _floats(d: Mapping[str, Any]) -> dict[str, float]:
    """Undo :func:`_jsonable` for numbers: ``None`` -> NaN, ``"inf"``/``"-inf"`` -> infinities.

    Raises ValueError for anything else (text, an integer too large for a float, a bool).
    """
    def one(v: Any) -> float:
        if v is None:
            return float("nan")
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ValueError(f"not a number: {shown(v)}")
        try:
            return float(v)  # float("inf") and float("-inf") parse the strings
        except OverflowError:
            raise ValueError(f"not a finite number: {shown(v)}") from None

    return {k: one(v) for k, v in d.items()}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def manifest(config: Config, **run: Any) -> dict[str, Any]:
    """A run's manifest: config hash and text, run settings and package versions."""
    return {
        "tool": TOOL,
        "format": FORMAT_VERSION,
        "config_path": config.path,
        "config_sha256": config.sha256,
        "study": config.study.name,
        **run,
        "versions": {
            "wotsim": _version("wotsim"),
            "numpy": np.__version__,
            "scipy": _version("scipy"),
            "SALib": _version("SALib"),
            "matplotlib": _version("matplotlib"),
            "python": platform.python_version(),
        },
        "config": _jsonable(dict(config.raw)),
    }


#: Largest JSON file a loader reads (a results manifest with its config is a few hundred kB).
MAX_JSON_BYTES = 50_000_000


def read_json(path: Path, what: str) -> dict:
    """Read a JSON object written by wotsim; any damage is a one-line :class:`ResultsError`."""
    try:
        if path.is_symlink():
            raise ResultsError(f"{path}: is a symbolic link; wotsim reads only the files it wrote")
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ResultsError(f"{path}: larger than {MAX_JSON_BYTES:,} bytes; not a {what} wotsim wrote")
        data = json.loads(path.read_text(encoding="utf-8"))
    except ResultsError:
        raise
    except RecursionError:
        raise ResultsError(f"{path}: nested too deeply; not a {what} wotsim wrote") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: cannot read the {what} ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: must hold a JSON object, got {type(data).__name__}")
    return data


#: What each dtype kind a results file may hold is called in messages.
_KIND_WORDS = {"f": "real floating-point numbers", "i": "whole numbers", "b": "true/false values"}


def read_arrays(path: Path, shapes: Mapping[str, tuple[int | None, ...]], *,
                kinds: Mapping[str, str] | None = None, nan_ok: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Read an ``.npz`` wotsim wrote and check its members against ``shapes``.

    Parameters
    ----------
    path : Path
    shapes : mapping of member name -> expected shape (``None`` for a dimension that is free)
    kinds : mapping of member name -> dtype kind, optional
        ``"f"`` (real floats, the default), ``"i"`` (whole numbers) or ``"b"`` (true/false).
    nan_ok : names of float members that may hold NaN (e.g. the undefined lower triangle of S2)

    The members must be exactly these names, of these kinds (no pickles: objects, strings and
    complex numbers are refused) and shapes, and finite (NaN only where allowed).  Any damage is
    one :class:`ResultsError` naming the file.
    """
    kinds = dict(kinds or {})
    nan_ok = set(nan_ok)
    try:
        if path.is_symlink():
            raise ResultsError(f"{path}: is a symbolic link; wotsim reads only the files it wrote")
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if names != set(shapes):
                missing, extra = sorted(set(shapes) - names), sorted(names - set(shapes))
                raise ResultsError(f"{path}: must hold the arrays {shown(', '.join(shapes))}"
                                   + (f"; missing {shown(', '.join(missing))}" if missing else "")
                                   + (f"; unexpected {shown(', '.join(extra))}" if extra else ""))
            out = {name: z[name] for name in shapes}
    except ResultsError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ResultsError(f"{path}: cannot read the arrays ({type(exc).__name__}: {shown(str(exc))})") from None
    except MemoryError:  # a forged header claiming an enormous shape
        raise ResultsError(f"{path}: an array's header claims more memory than this machine has; "
                           "the file is damaged (wotsim never writes such arrays)") from None
    for name, want in shapes.items():
        a = out[name]
        kind = kinds.get(name, "f")
        if a.dtype.kind != kind and not (kind == "i" and a.dtype.kind == "u"):
            raise ResultsError(f"{path}: {shown(name)} must hold {_KIND_WORDS[kind]}, got dtype {a.dtype}")
        if a.ndim != len(want) or any(w is not None and w != g for w, g in zip(want, a.shape)):
            shape = "(" + ", ".join("n" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
            raise ResultsError(f"{path}: {shown(name)} must have shape {shape} for this manifest, got {a.shape}")
        if kind != "f":
            continue
        bad = np.isinf(a) if name in nan_ok else ~np.isfinite(a)
        if np.any(bad):
            raise ResultsError(f"{path}: {shown(name)} holds {int(np.sum(bad))} "
                               f"{'infinite' if name in nan_ok else 'NaN or infinite'} values; wotsim never writes them")
    return out


def _manifest_config(directory: Path, man: Mapping[str, Any]) -> Config:
    """The config stored in a manifest, parsed with the same checks as a config file."""
    from ..errors import WotsimError

    raw = man.get("config")
    if not isinstance(raw, dict):
        raise ResultsError(f"{directory / 'manifest.json'}: config must be a table (the run's config), got "
                           f"{type(raw).__name__}")
    path = man.get("config_path")
    try:
        return parse_config(raw, file=path if isinstance(path, str) else "<results>")
    except WotsimError as exc:
        raise ResultsError(f"{directory / 'manifest.json'}: the stored config is invalid: {exc}") from None
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:
        raise ResultsError(f"{directory / 'manifest.json'}: config cannot be read ({type(exc).__name__})") from None


def _whole_number(directory: Path, man: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = man.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ResultsError(f"{directory / 'manifest.json'}: {key} must be a whole number >= 0, got {value!r}")
    return value


def load_results(directory: str | Path) -> SimulationResult:
    """Load a results directory written by :meth:`SimulationResult.save`.

    The config is rebuilt from the copy in the manifest, so the directory is
    self-contained.  Everything is checked against the manifest before use:
    format version, array names, dtypes (real floats only, no pickles), shapes
    (n draws x the config's uncertain parameters, items, stakeholders and
    horizon), finiteness, and the base case's names.  Any damage is one
    :class:`ResultsError` naming the file.
    """
    directory = Path(directory)
    for name in ("arrays.npz", "summary.json", "manifest.json"):
        if not (directory / name).is_file():
            raise ResultsError(f"{directory}: not a wotsim results directory (missing {name})")
    man = read_json(directory / "manifest.json", "manifest")
    if man.get("format") != FORMAT_VERSION:
        raise ResultsError(f"{directory}: results format {man.get('format')!r}, this wotsim reads {FORMAT_VERSION}")
    config = _manifest_config(directory, man)
    n = _whole_number(directory, man, "samples")
    seed = _whole_number(directory, man, "seed")
    chunk_size = _whole_number(directory, man, "chunk_size", 0)
    replicates = _whole_number(directory, man, "replicates", 1)  # before replicates: one randomisation
    sampler = man.get("sampler")
    if sampler not in ("mc", "lhs", "sobol"):
        raise ResultsError(f"{directory / 'manifest.json'}: sampler must be one of mc, lhs, sobol, got {sampler!r}")
    if n < 2 or not 1 <= replicates <= n:
        raise ResultsError(f"{directory / 'manifest.json'}: needs samples >= 2 and 1 <= replicates <= samples, "
                           f"got samples {n} and replicates {replicates}")
    d, k, s, T = len(config.uncertain), len(config.items), len(config.stakeholders), config.max_horizon
    arrays = read_arrays(directory / "arrays.npz", {"draws": (n, d), "item_pv": (n, k), "yearly": (n, s, T),
                                                    "base_yearly": (s, T)})
    summ = read_json(directory / "summary.json", "summary")
    b = summ.get("base")
    expected = {"outputs": ["benefits", "costs", "npv", *config.outputs],
                "item_pv": [it.id for it in config.items], "stakeholder_net": list(config.stakeholders)}
    base_parts = {}
    for part, names in expected.items():
        table = b.get(part) if isinstance(b, dict) else None
        if not isinstance(table, dict) or sorted(table) != sorted(names):
            raise ResultsError(f"{directory / 'summary.json'}: base.{part} must name exactly {', '.join(names)}")
        try:
            base_parts[part] = _floats(table)
        except (TypeError, ValueError) as exc:
            raise ResultsError(f"{directory / 'summary.json'}: base.{part}: numbers only ({exc})") from None
    base = BaseCase(outputs=base_parts["outputs"], item_pv=base_parts["item_pv"],
                    stakeholder_net=base_parts["stakeholder_net"], yearly=arrays["base_yearly"])
    return SimulationResult(
        config=config,
        parameters=config.uncertain,
        draws=arrays["draws"],
        seed=seed,
        sampler=sampler,
        item_pv=arrays["item_pv"],
        yearly=arrays["yearly"],
        base=base,
        chunk_size=chunk_size,
        manifest=man,
        replicates=replicates,
    )
