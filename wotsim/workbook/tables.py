"""The sheets of a workbook (or the CSV files of a folder) -> a parsed config, as TOML would give it.

:func:`read_workbook` reads every sheet, checks its header and cells, and builds the config's
dict and a :class:`~wotsim.workbook.cellmap.CellMap` of where each key came from.  The rules:

* a sheet is a table of the config (:mod:`wotsim.workbook.columns`), named as the table, or as
  the table followed by a space, ``-`` or ``.`` and any words (``parameters - reach``,
  ``items.costs``): such sheets continue the table, in workbook order (a folder's files in name
  order); a sheet named ``README`` or starting with ``_`` is not read; any other name is an error;
* the header is the sheet's first non-empty row; empty rows are skipped; a column name must be
  a key of the table (closed sheets, with a did-you-mean) or, on the parameter sheets and in the
  study and simulation records, is passed to the config, which checks it;
* each cell is read as its column's kind (:mod:`wotsim.workbook.cells`); a row's id must be
  given and unique; a scenario's rows name a scenario of the ``scenarios`` sheet.

Every error is one :class:`~wotsim.errors.ConfigError` naming the file, the sheet, the cell and
its column, e.g. ``model.xlsx: items!E7 (value): bad number 'O,5': must be a number``.  The
config's own rules are checked afterwards (``wotsim import``), their errors mapped back to
cells by :meth:`Imported.error`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.keys import hint
from ..config.schema import ConfigWarning
from ..errors import ConfigError
from .cellmap import Cell, CellMap, Row
from .cells import CellValueError, convert, is_empty, mark_evidence, shown, text_of
from .columns import CHANGE_NUMBER, CHANGES, NOTE, REQUIRED, SCENARIO_STUDY, SHEETS, Sheet, kind_of
from .sources import RawSheet, open_tables

__all__ = ["Imported", "read_workbook", "table_of"]

_IGNORED = ("readme", "leesmij")


@dataclass(frozen=True)
class Imported:
    """A workbook read: the config as TOML would parse it, the notes (entry path -> text) and the cells."""

    raw: dict[str, Any]
    notes: dict[str, str]
    cells: CellMap
    source: str

    def error(self, exc: ConfigError, config_file: str) -> ConfigError:
        """A config error about the written config ``config_file``, naming the cell it came from."""
        return self.cells.error(exc, config_file)

    def warning(self, warning: ConfigWarning, config_file: str) -> ConfigWarning:
        return self.cells.warning(warning, config_file)


def table_of(name: str) -> str | None:
    """The table a sheet (or CSV file stem) belongs to; None for a sheet not read (README, ``_...``).

    Raises
    ------
    ValueError
        For any other name, with a did-you-mean.
    """
    low = name.strip().lower()
    if not low or low.startswith("_") or low in _IGNORED:
        return None
    head = re.split(r"[\s.\-]", low, maxsplit=1)[0]
    tables = [s.table for s in SHEETS]
    if head in tables:
        return head
    raise ValueError(f"unknown table {name!r}{hint(head, tables)}; a sheet is one of {', '.join(tables)} "
                     f"(or one of them followed by ' - ' and a title); README and sheets starting with '_' "
                     f"are not read")


@dataclass
class _Entry:
    """One row of a sheet (or the record of a study or simulation sheet): key -> (cell, converted value)."""

    values: dict[str, Any]
    cells: dict[str, Cell]
    row: Row
    note: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # per key (records)


def _header(sheet: RawSheet, spec: Sheet) -> tuple[int, dict[str, int]]:
    start = next((r for r, row in enumerate(sheet.rows) if any(not is_empty(v) for v in row)), None)
    if start is None:
        return -1, {}
    columns: dict[str, int] = {}
    for c, value in enumerate(sheet.rows[start]):
        if is_empty(value):
            continue
        key = text_of(value).lower()
        where = Cell(sheet.file, sheet.name, start, c, key)
        if key in columns:
            first = Cell(sheet.file, sheet.name, start, columns[key], key)
            raise where.error(f"column {key!r} is given twice (also in {first})")
        known = [col.key for col in spec.columns]
        if not (spec.open or spec.record) and key not in known:
            raise where.error(f"unknown column{hint(key, known)}; the columns of {spec.table} are {', '.join(known)}")
        columns[key] = c
    for r in range(start + 1, len(sheet.rows)):
        for c, value in enumerate(sheet.rows[r]):
            if c not in columns.values() and not is_empty(value):
                raise Cell(sheet.file, sheet.name, r, c, "").error(
                    f"holds {shown(value)} under no column name (row {start + 1} is the header)")
    return start, columns


def _vertical(spec: Sheet, columns: dict[str, int]) -> bool:
    return spec.record and {"key", "value"} <= set(columns) and set(columns) <= {"key", "value", NOTE}


def _cells(sheet: RawSheet, spec: Sheet, start: int, columns: dict[str, int]) -> list[list[tuple[str, Cell, Any]]]:
    """The non-empty data rows: (key, cell, raw value) per non-empty cell (a record: one row of all its keys)."""
    out = []
    if _vertical(spec, columns):
        record: list[tuple[str, Cell, Any]] = []
        seen: dict[str, Cell] = {}
        for r in range(start + 1, len(sheet.rows)):
            row = sheet.rows[r]
            get = lambda k: row[columns[k]] if columns.get(k, len(row)) < len(row) else None  # noqa: E731
            if is_empty(get("key")):
                if not is_empty(get("value")):
                    raise Cell(sheet.file, sheet.name, r, columns["key"], "key").error(
                        f"is empty; the value {shown(get('value'))} needs its key")
                continue
            key = text_of(get("key")).lower()  # as a column name is read
            if key in seen:
                raise Cell(sheet.file, sheet.name, r, columns["key"], "key").error(
                    f"key {key!r} is given twice (also in {seen[key]})")
            seen[key] = Cell(sheet.file, sheet.name, r, columns["key"], "key")
            record.append((key, Cell(sheet.file, sheet.name, r, columns["value"], key), get("value")))
            if not is_empty(get(NOTE)):
                record.append((f"{NOTE}:{key}", Cell(sheet.file, sheet.name, r, columns[NOTE], NOTE), get(NOTE)))
        return [record] if record else []
    for r in range(start + 1, len(sheet.rows)):
        row = sheet.rows[r]
        found = [(k, Cell(sheet.file, sheet.name, r, c, k), row[c]) for k, c in columns.items()
                 if c < len(row) and not is_empty(row[c])]
        if any(k != NOTE for k, _, _ in found):
            out.append(found)
    if spec.record and len(out) > 1:
        raise _first_cell(out[1]).error(f"the {spec.table} sheet holds one record: one row under the header of keys, "
                                       f"or two columns key and value")
    return out


def _first_cell(row: list[tuple[str, Cell, Any]]) -> Cell:
    return row[0][1]


@functools.lru_cache(maxsize=4096)
def _kind(spec: Sheet, key: str) -> str:
    if key.startswith(f"{NOTE}:") or key == NOTE:
        return "text"
    column = spec.column(key)
    if column is not None and not spec.record:
        return column.kind
    return kind_of(spec.table, key, "any")


def _mark(sheets: list[tuple[RawSheet, Sheet, list, dict]], default: str) -> str:
    """The decimal mark of a file's number cells (:mod:`wotsim.workbook.cells`)."""
    seen: dict[str, Cell] = {}
    for _sheet, spec, rows, _columns in sheets:
        for row in rows:
            for key, cell, value in row:
                if _kind(spec, key) != "text" and isinstance(value, str):
                    texts = [value]
                    if _kind(spec, key) in ("list", "any", "selection", "names"):
                        texts = re.split(r"[;\[\]]", value) if ";" in value else re.split(r"[,\[\]]", value)
                    for text in texts:
                        mark = mark_evidence(text.strip())
                        if mark and mark not in seen:
                            seen[mark] = cell
    if len(seen) == 2:
        raise seen["."].error(f"a decimal point here, but a decimal comma in {seen[',']}: write every number of "
                              f"the file with one decimal mark")
    return next(iter(seen), default)


def _read(sheet: RawSheet, spec: Sheet, columns: dict[str, int], rows: list, mark: str) -> list[_Entry]:
    entries = []
    for row in rows:
        values, cells, notes, note = {}, {}, {}, None
        for key, cell, raw in row:
            try:
                value = convert(raw, _kind(spec, key), mark)
            except CellValueError as exc:
                raise cell.error(str(exc)) from None
            if key == NOTE:
                note = value
            elif key.startswith(f"{NOTE}:"):
                notes[key[len(NOTE) + 1:]] = value
            elif value is not None:
                values[key], cells[key] = value, cell
        r = min(c.row for _, c, _ in row)
        main = spec.ids[-1] if spec.ids else next(iter(columns))
        entries.append(_Entry(values, cells, Row(sheet.file, sheet.name, -1 if spec.record else r, columns, main),
                              note, notes))
    return entries


def read_workbook(path: str | Path) -> Imported:
    """Read a workbook (.xlsx, .xlsm, .ods) or a folder of CSV files into a config dict.

    Raises
    ------
    ConfigError
        Naming the file, the sheet, the cell and its column, for a cell that cannot be read; the
        config's own rules are not checked here.
    """
    sheets = open_tables(path)
    by_table: dict[str, list[tuple[RawSheet, Sheet, list, dict[str, int]]]] = {s.table: [] for s in SHEETS}
    for sheet in sheets:
        try:
            table = table_of(sheet.name)
        except ValueError as exc:
            raise ConfigError(str(exc), file=sheet.file) from None
        if table is None:
            continue
        spec = next(s for s in SHEETS if s.table == table)
        start, columns = _header(sheet, spec)
        if start < 0:
            continue
        by_table[table].append((sheet, spec, _cells(sheet, spec, start, columns), columns))
    marks: dict[str, str] = {}  # file -> decimal mark
    for file in dict.fromkeys(s.file for s in sheets):
        group = [t for ts in by_table.values() for t in ts if t[0].file == file]
        csv_sep = next((t[0].separator for t in group), None)
        marks[file] = _mark(group, "," if csv_sep == ";" else ".")
    build = _Builder(str(path))
    for spec in SHEETS:
        if spec.record and len(by_table[spec.table]) > 1:
            names = ", ".join(repr(t[0].name) for t in by_table[spec.table])
            raise ConfigError(f"the {spec.table} record is on more than one sheet ({names}); give it one",
                              file=by_table[spec.table][1][0].file)
        for sheet, _spec, rows, columns in by_table[spec.table]:
            for entry in _read(sheet, spec, columns, rows, marks[sheet.file]):
                build.add(spec, entry)
    return Imported(build.raw, build.notes, build.cells, str(path))


class _Builder:
    """The config dict, its notes and its cell map, filled one entry at a time (tables in SHEETS order)."""

    def __init__(self, source: str):
        self.raw: dict[str, Any] = {}
        self.notes: dict[str, str] = {}
        self.cells = CellMap(source=source)
        self.ids: dict[tuple[str, tuple], Cell] = {}

    def _unique(self, spec: Sheet, entry: _Entry) -> tuple:
        key = []
        for col in spec.ids:
            if col not in entry.values:
                raise entry.row.cell(col).error(f"is empty; every row of {spec.table} needs its {col}")
            key.append(entry.values[col])
        key = tuple(text_of(k) for k in key)
        first = self.ids.get((spec.table, key))
        if spec.ids and first is not None:
            what = " and ".join(f"{c} {v!r}" for c, v in zip(spec.ids, key))
            raise entry.cells[spec.ids[-1]].error(f"duplicate {what} (first in row {first.row + 1} of {first.sheet})")
        if spec.ids:
            self.ids[(spec.table, key)] = entry.cells[spec.ids[-1]]
        return key

    def _place(self, path: str, entry: _Entry, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """The entry's keys (but ``skip``) as a table at ``path``; its cells, row and note recorded."""
        self.cells.rows[path] = entry.row
        if entry.note:
            self.notes[path] = entry.note
        table = {}
        for key, value in entry.values.items():
            if key in skip:
                continue
            table[key] = value
            self.cells.cells[f"{path}.{key}"] = entry.cells[key]
        return table

    def add(self, spec: Sheet, entry: _Entry) -> None:
        for key, what in REQUIRED.get(spec.table, {}).items():
            if key not in entry.values:
                raise entry.row.cell(key).error(f"is empty; required: {what}")
        getattr(self, f"_{spec.table}", self._named)(spec, entry)

    # ------------------------------------------------------------------ base tables
    def _record(self, spec: Sheet, entry: _Entry) -> None:
        self.raw[spec.table] = self._place(spec.table, entry)
        for key, note in entry.notes.items():
            self.notes[f"{spec.table}.{key}"] = note

    _study = _simulation = _record

    def _named(self, spec: Sheet, entry: _Entry) -> None:
        """parameters, outputs, studies: ``[table.<name>]``."""
        (name,) = self._unique(spec, entry)
        table = self._place(f"{spec.table}.{name}", entry, skip=spec.ids)
        if spec.table == "outputs":
            table = _selections(self, f"outputs.{name}", entry, table)
        self.raw.setdefault(spec.table, {})[name] = table

    def _labelled(self, spec: Sheet, entry: _Entry) -> None:
        """stakeholders, groups: ``id = "label"`` or ``id = { label = ..., label_nl = ... }``."""
        (name,) = self._unique(spec, entry)
        path = f"{spec.table}.{name}"
        table = self._place(path, entry, skip=spec.ids)
        self.raw.setdefault(spec.table, {})[name] = table["label"] if set(table) == {"label"} else table

    _stakeholders = _groups = _labelled

    def _derived(self, spec: Sheet, entry: _Entry) -> None:
        (name,) = self._unique(spec, entry)
        self._formula(self.raw.setdefault("derived", {}), f"derived.{name}", name, entry)

    def _formula(self, table: dict, path: str, name: str, entry: _Entry) -> None:
        self.cells.rows[path] = entry.row
        if entry.note:
            self.notes[path] = entry.note
        if "formula" not in entry.values:
            raise entry.row.cell("formula").error(f"is empty; {name!r} needs its formula")
        table[name] = entry.values["formula"]
        self.cells.cells[path] = entry.cells["formula"]

    def _items(self, spec: Sheet, entry: _Entry) -> None:
        (item_id,) = self._unique(spec, entry)
        items = self.raw.setdefault("items", [])
        self.cells.rows[f"items[{len(items)}]"] = entry.row
        items.append(self._place(f"items.{item_id}", entry))
        if entry.note:
            self.notes[f"items[{len(items) - 1}]"] = entry.note

    def _correlations(self, spec: Sheet, entry: _Entry) -> None:
        found = self.raw.setdefault("correlations", [])
        found.append(self._place(f"correlations[{len(found)}]", entry))

    # ------------------------------------------------------------------ scenarios
    def _scenarios(self, spec: Sheet, entry: _Entry) -> None:
        (sid,) = self._unique(spec, entry)
        path = f"scenarios.{sid}"
        overlay: dict[str, Any] = {}
        meta = self._place(f"{path}.scenario", entry, skip=("drop_items", *SCENARIO_STUDY))
        self.cells.rows[path] = entry.row
        if "drop_items" in entry.values:
            overlay["drop_items"] = entry.values["drop_items"]
            self.cells.cells[f"{path}.drop_items"] = entry.cells["drop_items"]
        overlay["scenario"] = meta
        for key in (column.split(".", 1)[1] for column in SCENARIO_STUDY):
            if f"study.{key}" in entry.values:
                overlay.setdefault("study", {})[key] = entry.values[f"study.{key}"]
                self.cells.cells[f"{path}.study.{key}"] = entry.cells[f"study.{key}"]
        self.raw.setdefault("scenarios", {})[sid] = overlay

    def _overlay(self, entry: _Entry) -> tuple[str, dict[str, Any]]:
        sid = text_of(entry.values.get("scenario", ""))
        known = self.raw.get("scenarios", {})
        if sid not in known:
            raise entry.row.cell("scenario").error(f"unknown scenario {sid!r}{hint(sid, known)}; the scenarios "
                                                   f"sheet has {', '.join(known) if known else 'none'}")
        return sid, known[sid]

    def _scenario_parameters(self, spec: Sheet, entry: _Entry) -> None:
        self._unique(spec, entry)
        sid, overlay = self._overlay(entry)
        name = entry.values["name"]
        change = entry.values.get("change")
        if change not in CHANGES:
            raise entry.row.cell("change").error(
                f"must be one of {', '.join(CHANGES)}, got {shown(change)}{hint(str(change), CHANGES)}")
        table = CHANGES[change]
        path = f"scenarios.{sid}.{table}.{name}"
        number = CHANGE_NUMBER.get(change)
        if number is None:
            for other in ("factor", "amount"):
                if other in entry.values:
                    raise entry.cells[other].error(f"applies to change = {'scale' if other == 'factor' else 'shift'}, "
                                                   f"not {change}")
            spec_table = self._place(path, entry, skip=("scenario", "change", "name"))
            overlay.setdefault(table, {})[name] = spec_table
            return
        extra = [k for k in entry.values if k not in ("scenario", "change", "name", number, "source")]
        if extra:
            raise entry.cells[extra[0]].error(f"a {change} row takes {number} and source only; leave {extra[0]} empty "
                                              f"(or use change = replace for a new distribution)")
        if number not in entry.values:
            raise entry.row.cell(number).error(f"is empty; change = {change} needs its {number}")
        self._place(path, entry, skip=("scenario", "change", "name"))
        self.cells.cells[path] = entry.cells[number]
        self.cells.rows[path] = Row(entry.row.file, entry.row.sheet, entry.row.row, entry.row.columns, number)
        value = entry.values[number]
        overlay.setdefault(table, {})[name] = (value if "source" not in entry.values
                                               else {number: value, "source": entry.values["source"]})

    def _scenario_derived(self, spec: Sheet, entry: _Entry) -> None:
        _, name = self._unique(spec, entry)
        sid, overlay = self._overlay(entry)
        self._formula(overlay.setdefault("derived", {}), f"scenarios.{sid}.derived.{name}", name, entry)

    def _scenario_items(self, spec: Sheet, entry: _Entry) -> None:
        _, item_id = self._unique(spec, entry)
        sid, overlay = self._overlay(entry)
        items = overlay.setdefault("add_items", [])
        self.cells.rows[f"scenarios.{sid}.add_items[{len(items)}]"] = entry.row
        items.append(self._place(f"scenarios.{sid}.add_items.{item_id}", entry, skip=("scenario",)))
        if entry.note:
            self.notes[f"scenarios.{sid}.add_items[{len(items) - 1}]"] = entry.note

    def _scenario_outputs(self, spec: Sheet, entry: _Entry) -> None:
        _, name = self._unique(spec, entry)
        sid, overlay = self._overlay(entry)
        path = f"scenarios.{sid}.outputs.{name}"
        table = _selections(self, path, entry, self._place(path, entry, skip=("scenario", "name")))
        overlay.setdefault("outputs", {})[name] = table

    def _scenario_studies(self, spec: Sheet, entry: _Entry) -> None:
        _, sid_study = self._unique(spec, entry)
        sid, overlay = self._overlay(entry)
        path = f"scenarios.{sid}.studies.{sid_study}"
        overlay.setdefault("studies", {})[sid_study] = self._place(path, entry, skip=("scenario", "id"))


def _selections(build: _Builder, path: str, entry: _Entry, table: dict[str, Any]) -> dict[str, Any]:
    """An output's ``benefits`` and ``costs`` from their column, or from the dotted filter columns (in column order)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        side, _, sub = key.partition(".")
        if not sub or side not in ("benefits", "costs"):
            out[key] = value
            continue
        if side in table:
            raise entry.cells[key].error(f"give {side} or the {side}.* columns, not both ({side} is "
                                         f"{shown(table[side])})")
        if side not in out:
            build.cells.cells[f"{path}.{side}"] = entry.cells[key]
        out.setdefault(side, {})[sub] = value
    return out
