"""Results on disk: the one JSON codec, the atomic directory writer, the manifest and the checked readers.

Every directory a wotsim command writes goes through :func:`write_atomic_dir` (a
temporary sibling, fsynced and renamed into place, never replacing anything but an
empty or a marked wotsim directory) and carries a ``manifest.json`` made by
:func:`manifest`.  Every JSON file is written by :func:`write_json` and read back by
:func:`read_json`; every ``.npz`` is read by :func:`read_arrays`, which checks names,
dtypes, shapes and finiteness.  Typed dataclass records on top of these:
:mod:`wotsim.results.records`.

JSON policy (:func:`to_json`, undone by :func:`number`): NaN is written as ``null``,
+/-infinity as the strings ``"inf"`` / ``"-inf"`` (JSON has neither); numpy arrays and
scalars become lists and numbers, tuples lists, mapping keys text, dates and times
their ``str()``.  A float therefore loads back exactly, with one ambiguity: a NaN in a
field that may also be None (``float | None``) comes back as None.
"""

from __future__ import annotations

import datetime
import fcntl
import functools
import glob
import json
import math
import os
import platform
import shutil
import tempfile
import warnings
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..config.expressions import shown
from ..config.schema import Config
from ..errors import ResultsError, WotsimError, WotsimWarning

__all__ = ["FORMAT_VERSION", "MAX_JSON_BYTES", "MAX_MAGNITUDE", "is_spread", "TOOL", "check_replaceable", "floats", "is_wotsim_dir", "manifest",
           "manifest_config", "manifest_whole_number", "number", "read_arrays", "read_json", "recover", "to_json",
           "write_atomic_dir", "write_json", "write_results"]

#: Format of a run's results directory, recorded in every manifest (``"format"``).
FORMAT_VERSION = 1
#: Largest JSON file a loader reads (a results manifest with its config is a few hundred kB).
MAX_JSON_BYTES = 50_000_000


# --------------------------------------------------------------------------- the JSON codec
def to_json(obj: Any) -> Any:
    """A value as JSON can hold it (see the module docstring for the policy)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, np.ndarray):
        return to_json(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return to_json(obj.item())
    if isinstance(obj, (datetime.date, datetime.time)):  # TOML dates; str() as in Config.sha256
        return str(obj)
    return obj


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` through :func:`to_json`, indented, with a final newline."""
    path.write_text(json.dumps(to_json(data), indent=2, sort_keys=False) + "\n", encoding="utf-8")


def number(v: Any) -> float:
    """Undo :func:`to_json` for one number: ``None`` -> NaN, ``"inf"``/``"-inf"`` -> infinities.

    Raises ValueError for anything else (other text, an integer too large for a float, a bool).
    """
    if v is None:
        return float("nan")
    if isinstance(v, str) and v in ("inf", "-inf"):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"not a number: {shown(v)}")
    try:
        return float(v)
    except OverflowError:
        raise ValueError(f"not a finite number: {shown(v)}") from None


def floats(d: Mapping[str, Any]) -> dict[str, float]:
    """A table of numbers as written by :func:`to_json`, back to floats (:func:`number`)."""
    return {k: number(v) for k, v in d.items()}


# --------------------------------------------------------------------------- the atomic directory writer
#: The mark of a wotsim output directory: ``manifest.json`` holds ``"tool": TOOL``.
TOOL = "wotsim"


def is_wotsim_dir(directory: str | Path) -> bool:
    """True if ``directory`` holds a ``manifest.json`` that marks it as written by wotsim."""
    path = Path(directory) / "manifest.json"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
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


def write_results(directory: str | Path, *, manifest: Mapping[str, Any], json_files: Mapping[str, Any] | None = None,
                  arrays: Mapping[str, np.ndarray] | None = None, texts: Mapping[str, str] | None = None,
                  tables: Mapping[str, Any] | None = None, table_format: str = "npz") -> Path:
    """Write a results directory atomically (:func:`write_atomic_dir`); returns its path.

    ``arrays.npz`` holds ``arrays`` (when given, even empty; compressed, ``np.savez_compressed``),
    each of ``json_files`` (file name -> data) is written by :func:`write_json`, each of ``texts``
    (file name -> text) as it is, and ``manifest.json`` (which must carry the mark: made by
    :func:`manifest`).  With a ``table_format`` other than ``"npz"``, ``tables`` (name -> DataFrame)
    are written beside them (:func:`wotsim.results.tables.write_tables`) and the manifest records
    what under ``"tables"``.
    """
    directory = Path(directory)

    def fill(tmp: Path) -> None:
        if arrays is not None:
            np.savez_compressed(tmp / "arrays.npz", **arrays)
        for name, data in (json_files or {}).items():
            write_json(tmp / name, data)
        for name, text in (texts or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        man = dict(manifest)
        if table_format != "npz":
            from .tables import write_tables

            man["tables"] = write_tables(tmp, tables or {}, table_format, man)
        write_json(tmp / "manifest.json", man)

    write_atomic_dir(directory, fill)
    return directory


# --------------------------------------------------------------------------- the manifest and the readers
@functools.lru_cache(maxsize=None)
def _version(dist: str) -> str:
    """An installed distribution's version (looked up once per process: a report writes dozens of manifests)."""
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
        "config": to_json(dict(config.raw)),
    }


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
_KIND_WORDS = {"f": "real floating-point numbers", "i": "whole numbers", "b": "true/false values", "U": "text"}


def read_arrays(path: Path, shapes: Mapping[str, tuple[int | None, ...]], *,
                kinds: Mapping[str, str] | None = None, nan_ok: Iterable[str] = (),
                optional: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Read an ``.npz`` wotsim wrote (compressed or not) and check its members against ``shapes``.

    Parameters
    ----------
    path : Path
    shapes : mapping of member name -> expected shape (``None`` for a dimension that is free)
    kinds : mapping of member name -> dtype kind, optional
        ``"f"`` (real floats, the default), ``"i"`` (whole numbers), ``"b"`` (true/false) or
        ``"U"`` (text: the names tables of a run's columns).
    nan_ok : names of float members that may hold NaN (e.g. the undefined lower triangle of S2)
    optional : names of members that may be missing (left out of the returned table then)

    The members must be exactly these names (the optional ones may be missing), of these kinds
    (no pickles: objects, bytes and complex numbers are refused) and shapes, and finite (NaN only
    where allowed).  Any damage is one :class:`ResultsError` naming the file.
    """
    kinds = dict(kinds or {})
    nan_ok = set(nan_ok)
    try:
        if path.is_symlink():
            raise ResultsError(f"{path}: is a symbolic link; wotsim reads only the files it wrote")
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if not set(shapes) - set(optional) <= names <= set(shapes):
                missing, extra = sorted(set(shapes) - set(optional) - names), sorted(names - set(shapes))
                raise ResultsError(f"{path}: must hold the arrays {shown(', '.join(shapes))}"
                                   + (f"; missing {shown(', '.join(missing))}" if missing else "")
                                   + (f"; unexpected {shown(', '.join(extra))}" if extra else ""))
            out = {name: z[name] for name in shapes if name in names}
    except ResultsError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ResultsError(f"{path}: cannot read the arrays ({type(exc).__name__}: {shown(str(exc))})") from None
    except MemoryError:  # a forged header claiming an enormous shape
        raise ResultsError(f"{path}: an array's header claims more memory than this machine has; "
                           "the file is damaged (wotsim never writes such arrays)") from None
    for name, want in shapes.items():
        if name not in out:
            continue
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
        with np.errstate(invalid="ignore"):
            if np.any(np.abs(a) > MAX_MAGNITUDE):
                raise ResultsError(f"{path}: {shown(name)} holds values beyond {MAX_MAGNITUDE:.0e} in magnitude; "
                                   "wotsim never writes them (amounts are at most 1e15 an item)")
            if is_spread(name) and np.any(a < 0):
                raise ResultsError(f"{path}: {shown(name)} holds negative values; it is a standard error, a "
                                   "confidence half-width or a spread, which wotsim writes as >= 0")
    return out


#: No number wotsim writes exceeds this in magnitude: items are at most 1e15 each (wotsim.model.MAX_AMOUNT)
#: and a config has at most 10,000 of them.
MAX_MAGNITUDE = 1e20


def is_spread(name: str) -> bool:
    """Whether a saved field (an array member or a dotted JSON key) is a standard error, a confidence
    half-width, a standard deviation, a noise floor or a count: a number wotsim writes as >= 0."""
    last = name.rsplit(".", 1)[-1]
    return last in ("se", "conf", "sigma", "floor") or last.endswith(("_se", "_conf", "_counts")) or \
        last in ("bin_counts", "sigma_conf")


def manifest_config(directory: Path, man: Mapping[str, Any]) -> Config:
    """The config stored in a manifest (``directory/manifest.json``), parsed with the same checks as a config file."""
    raw = man.get("config")
    if not isinstance(raw, dict):
        raise ResultsError(f"{directory / 'manifest.json'}: config must be a table (the run's config), got "
                           f"{type(raw).__name__}")
    from ..config.loading import parse_config  # here: writing results needs no scipy (a config's distributions do)

    path = man.get("config_path")
    try:
        return parse_config(raw, file=path if isinstance(path, str) else "<results>")
    except WotsimError as exc:
        raise ResultsError(f"{directory / 'manifest.json'}: the stored config is invalid: {exc}") from None
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:
        raise ResultsError(f"{directory / 'manifest.json'}: config cannot be read ({type(exc).__name__})") from None


def manifest_whole_number(directory: Path, man: Mapping[str, Any], key: str, default: int | None = None) -> int:
    """``man[key]`` (or ``default``) as a whole number >= 0, else a one-line error naming the manifest."""
    value = man.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ResultsError(f"{directory / 'manifest.json'}: {key} must be a whole number >= 0, got {value!r}")
    return value


