"""Typed records on disk: frozen dataclass trees to JSON and ``arrays.npz`` and back, one way for every result.

A record is a frozen dataclass whose fields are text, whole numbers (>= 0), numbers,
true/false, ``X | None``, tuples (``tuple[X, ...]`` or ``tuple[X, Y]``), tables with text
keys (``Mapping[str, X]``), numpy arrays, or records again (alone, in tuples, in tables).

* :func:`encode` turns such a tree into JSON (the codec of :mod:`wotsim.results.io`); every
  array goes into a dict under its dotted key (``indices.ratio.S1``,
  ``records.npv.first_order``) for ``arrays.npz``, and into the JSON as a list, for readers
  of the JSON (the loader reads the ``.npz``, never those copies).
* :func:`decode` builds the tree back from its JSON and the arrays read by
  :func:`wotsim.results.io.read_arrays`, checking every field against its annotation; any
  damage is one :class:`~wotsim.errors.ResultsError` naming the file and the dotted key.
  A field called ``manifest`` is left out both ways: the manifest is a file of its own.
* :func:`save_record`: one record (a sensitivity result) with a header in one JSON file;
  :func:`save_records` / :func:`load_records`: a table of records (one per output) in
  ``sensitivity.json`` + ``arrays.npz`` + ``manifest.json`` (``wotsim sensitivity --method
  oneway|decision --out``).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .._paths import file_stem
from ..errors import ResultsError, WotsimError
from .io import MAX_MAGNITUDE, is_spread, number, read_arrays, read_json, to_json, write_results

__all__ = ["RECORDS_FORMAT", "ArraySpec", "decode", "encode", "json_error", "load_records", "read_record_list", "require_files",
           "save_record", "save_records", "shown"]

#: Layout of a directory of :func:`save_records` (``"format"`` in ``sensitivity.json``).
RECORDS_FORMAT = 1

#: An array in ``arrays.npz``: (shape, dtype kind ``"f"``/``"i"``/``"b"``, NaN allowed); see :func:`read_arrays`.
ArraySpec = tuple[tuple[Any, ...], str, bool]


def shown(value: Any, width: int = 60) -> str:
    """A value for a one-line message: its repr, cut to ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


# --------------------------------------------------------------------------- writing
def _is_record(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def encode(obj: Any, prefix: str = "", arrays: dict[str, np.ndarray] | None = None) -> dict:
    """A record as a JSON-ready table; its arrays also go to ``arrays`` under dotted keys (see the module docstring)."""
    arrays = {} if arrays is None else arrays
    out = {}
    for f in dataclasses.fields(obj):
        if f.name == "manifest":
            continue
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        if isinstance(value, np.ndarray):
            arrays[key] = value
            out[f.name] = to_json(value)
        elif _is_record(value):
            out[f.name] = encode(value, key, arrays)
        elif isinstance(value, Mapping) and value and all(_is_record(v) for v in value.values()):
            out[f.name] = {k: encode(v, f"{key}.{k}", arrays) for k, v in value.items()}
        elif isinstance(value, (list, tuple)) and value and all(_is_record(v) for v in value):
            out[f.name] = [encode(v, f"{key}.{i}", arrays) for i, v in enumerate(value)]
        else:
            out[f.name] = to_json(value)
    return out


def save_record(directory: str | Path, record: Any, header: Mapping[str, Any], *, body: str = "sensitivity.json",
                annotate: Callable[[dict], None] | None = None, format: str = "npz") -> Path:
    """Write one record atomically: ``body`` holds ``header`` and the record's fields, ``arrays.npz``
    its arrays, ``manifest.json`` its ``manifest`` field; ``annotate(table)`` may add derived
    values for readers of the JSON before it is written; a ``format`` other than ``npz`` adds the
    tables of the record's ``frames()`` (:mod:`wotsim.results.tables`).  Returns the path."""
    arrays: dict[str, np.ndarray] = {}
    table = {**header, **encode(record, "", arrays)}
    if annotate is not None:
        annotate(table)
    return write_results(directory, manifest=record.manifest, json_files={body: table}, arrays=arrays,
                         tables=record.frames() if format != "npz" else None, table_format=format)


def save_records(directory: str | Path, method: str, records: Mapping[str, Any],
                 manifest: Mapping[str, Any], *, tables: Mapping[str, Any] | None = None,
                 format: str = "npz") -> Path:
    """Write a table of records (output -> frozen dataclass) atomically; returns the path.

    ``sensitivity.json`` holds ``{"format", "method", "records": {output: fields}}``,
    ``arrays.npz`` every array under ``records.<output>.<field>``; :func:`load_records` reads it.
    A ``format`` other than ``npz`` adds ``tables`` (name -> DataFrame, :mod:`wotsim.results.tables`).
    """
    arrays: dict[str, np.ndarray] = {}
    body = {"format": RECORDS_FORMAT, "method": method,
            "records": {k: encode(v, f"records.{k}", arrays) for k, v in records.items()}}
    return write_results(directory, manifest=manifest, json_files={"sensitivity.json": body}, arrays=arrays,
                         tables=tables, table_format=format)


# --------------------------------------------------------------------------- reading
def json_error(tp: Any, value: Any, key: str) -> str | None:
    """Why ``value`` (from JSON) cannot fill a field of scalar type ``tp``, naming the entry; None if it can."""
    def got(v: Any) -> str:
        return shown(v) if isinstance(v, (bool, int, float, str, type(None))) else type(v).__name__

    if tp is str:
        return None if isinstance(value, str) else f"{key} must be text, got {got(value)}"
    if tp is bool:
        return None if isinstance(value, bool) else f"{key} must be true or false, got {got(value)}"
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"{key} must be a whole number >= 0, got {got(value)}"
    if tp is float:
        ok = (value is None or value in ("inf", "-inf")
              or (isinstance(value, (int, float)) and not isinstance(value, bool)))
        return None if ok else f"{key} must be a number, got {got(value)}"
    raise RuntimeError(f"internal error: no check for a saved field of type {tp}")


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional(tp: Any) -> Any:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if len(args) == 2 and type(None) in args:
            return args[0] if args[1] is type(None) else args[1]
    return None


def decode(tp: Any, value: Any, key: str, arrays: Mapping[str, np.ndarray], where: Path) -> Any:
    """A saved JSON value (and the arrays under ``key``) as a value of type ``tp``, checked (see the module)."""
    inner = _optional(tp)
    if inner is not None:
        if inner is np.ndarray:
            return arrays.get(key)
        return None if value is None else decode(inner, value, key, arrays, where)
    if tp is np.ndarray:
        if key not in arrays:
            raise ResultsError(f"{where}: {key} is missing from arrays.npz")
        return arrays[key]
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key, arrays, where)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return _sequence(args, value, key, arrays, where)
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            raise ResultsError(f"{where}: {key} must be a table, got {type(value).__name__}")
        item = args[1]
        if dataclasses.is_dataclass(item):
            return {k: decode(item, v, f"{key}.{k}", arrays, where) for k, v in value.items()}
        return {k: decode(item, v, f"{key}[{shown(k)}]", arrays, where) for k, v in value.items()}
    error = json_error(tp, value, key)
    if error:
        raise ResultsError(f"{where}: {error}")
    if tp is float:
        try:
            x = number(value)
        except ValueError:
            raise ResultsError(f"{where}: {key} must be a number a float can hold, "
                               f"got {len(str(value))} digits") from None
        if abs(x) > MAX_MAGNITUDE or (is_spread(key) and x < 0):  # NaN passes both (undefined is allowed)
            raise ResultsError(f"{where}: {key} must be " + ("at least 0 (a standard error, a half-width or a "
                               "spread)" if x < 0 and is_spread(key) else f"finite and at most {MAX_MAGNITUDE:.0e} in magnitude")
                               + f", got {shown(value)}; wotsim never writes it")
        return x
    return value


def _sequence(args: tuple, value: Any, key: str, arrays: Mapping[str, np.ndarray], where: Path) -> tuple:
    """A JSON list as a tuple: ``tuple[X, ...]`` or, of fixed length, ``tuple[X, Y]``."""
    many = len(args) == 2 and args[1] is Ellipsis
    kinds = [args[0]] * (len(value) if isinstance(value, list) else 0) if many else list(args)
    if not isinstance(value, list) or len(value) != len(kinds):
        words = "a list of text" if many and args[0] is str else ("a list" if many else f"a list of {len(args)} values")
        if isinstance(value, list):
            got = f"{len(value)} values"
        else:
            got = shown(value) if isinstance(value, (bool, int, float, str, type(None))) else type(value).__name__
        raise ResultsError(f"{where}: {key} must be {words}, got {got}")
    return tuple(decode(t, v, f"{key}.{i}" if dataclasses.is_dataclass(t) else f"{key}[{i}]", arrays, where)
                 for i, (t, v) in enumerate(zip(kinds, value)))


def _build(cls: type, data: Any, prefix: str, arrays: Mapping[str, np.ndarray], where: Path) -> Any:
    """A frozen record from its saved JSON table and arrays, every field checked against its annotation."""
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: {prefix or 'the file'} must be a table, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name == "manifest" or not f.init:
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ResultsError(f"{where}: {key} is missing")
            continue
        kwargs[f.name] = decode(hints[f.name], data[f.name], key, arrays, where)
    try:
        return cls(**kwargs)
    except WotsimError as exc:  # the record's own checks (e.g. a Sobol' plan's randomisations)
        raise ResultsError(f"{where}: {prefix or 'the file'}: {exc}") from None


def require_files(directory: Path, names: tuple[str, ...], what: str) -> None:
    """Raise the one-line "not a wotsim ... directory (missing X)" unless every file is there."""
    for name in names:
        if not (directory / name).is_file():
            raise ResultsError(f"{directory}: not a wotsim {what} directory (missing {name})")


def read_record_list(directory: Path, file: str, fmt: int, key: str, cls: type, what: str, entry: str
                     ) -> tuple[Path, tuple]:
    """Read ``file`` (``{"format": fmt, key: [record, ...]}``) beside ``manifest.json`` in ``directory`` and
    decode each entry as ``cls`` (:func:`decode`): (its path, the records).  ``what`` names the
    results (``"value-of-information"``), ``entry`` what one list entry is per (``"decision"``); any damage
    is one :class:`ResultsError`."""
    require_files(directory, (file, "manifest.json"), what)
    where = directory / file
    body = read_json(where, f"{what} results")
    if body.get("format") != fmt or isinstance(body.get("format"), bool):
        raise ResultsError(f"{directory}: {what} format {shown(body.get('format'))}; this wotsim reads {fmt}")
    items = body.get(key)
    if not isinstance(items, list) or not items:
        raise ResultsError(f"{where}: {key} must be a list with one entry per {entry}")
    return where, tuple(decode(cls, d, f"{key}.{i}", {}, where) for i, d in enumerate(items))


def load_records(directory: str | Path, classes: Mapping[str, type],
                 arrays: Callable[[str, Mapping[str, Any]], Mapping[str, ArraySpec]] | None = None,
                 ) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Read a directory written by :func:`save_records`.

    Parameters
    ----------
    directory : path
    classes : mapping of method -> record class
        The methods this caller reads (e.g. ``{"oneway": OneWayResult}``).
    arrays : callable(method, record's JSON table) -> {field: (shape, kind, nan_ok)}, optional
        The arrays each record holds (none when not given); ``None`` in a shape is a free dimension.

    Returns
    -------
    (method, records, manifest)
        Every record checked against its class's annotations, its ``output`` equal to its key
        and that key safe as part of a file name; any damage is one :class:`ResultsError`.
    """
    directory = Path(directory)
    require_files(directory, ("sensitivity.json", "arrays.npz", "manifest.json"), "sensitivity")
    where = directory / "sensitivity.json"
    body = read_json(where, "sensitivity results")
    method, version = body.get("method"), body.get("format")
    if not isinstance(method, str) or method not in classes or version != RECORDS_FORMAT or isinstance(version, bool):
        raise ResultsError(f"{directory}: sensitivity format {shown(version)} / method {shown(method)}; expected "
                           f"format {RECORDS_FORMAT} of method {' or '.join(classes)}")
    table = body.get("records")
    if not isinstance(table, dict) or not table:
        raise ResultsError(f"{where}: records must be a table with one record per output")
    members: dict[str, ArraySpec] = {}
    for name, data in table.items():
        try:  # each output names its figures' files: checked before any use
            file_stem(name, "output")
        except WotsimError as exc:
            raise ResultsError(f"{where}: records: {exc}") from None
        if arrays is not None and isinstance(data, dict):
            members.update({f"records.{name}.{k}": v for k, v in arrays(method, data).items()})
    read = read_arrays(directory / "arrays.npz", {k: v[0] for k, v in members.items()},
                       kinds={k: v[1] for k, v in members.items()}, nan_ok=[k for k, v in members.items() if v[2]])
    records = {}
    for name, data in table.items():
        record = decode(classes[method], data, f"records.{name}", read, where)
        if getattr(record, "output", name) != name:
            raise ResultsError(f"{where}: records.{name}.output must be {name!r}")
        records[name] = record
    return method, records, read_json(directory / "manifest.json", "manifest")
