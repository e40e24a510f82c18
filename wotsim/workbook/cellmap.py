"""Where each key of an imported config came from, so that a config error names its cell.

The config layer names a dotted key (``items.wot_capacity.value``, ``correlations[0].rank``,
``scenarios.x.scale.n_households``); :class:`CellMap` knows the cell that key was read from,
or, for a key left empty, the row of its table and the column it would be in, and turns the
error into ``model.xlsx: items!E7 (value): unknown name 'huishoudens' ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config.schema import ConfigWarning
from ..errors import ConfigError
from .cells import cell_name

__all__ = ["Cell", "CellMap", "Row"]


@dataclass(frozen=True)
class Cell:
    """A cell: the file it is in, its sheet, 0-based row and column, and the column's name."""

    file: str
    sheet: str
    row: int
    col: int | None
    column: str

    def __str__(self) -> str:
        if self.row < 0:  # the sheet of a record (study, simulation) whose key is missing
            name = cell_name(self.sheet, 0, None).rsplit("!", 1)[0]
            return f"{name} ({self.column})" if self.column else name
        where = cell_name(self.sheet, self.row, self.col)
        return f"{where} ({self.column})" if self.column else where

    def error(self, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, key=str(self))


@dataclass(frozen=True)
class Row:
    """A row that holds one entry of a table: its columns (name -> 0-based index) and the column to
    name when an error gives no key of the entry (its id, or a scale row's factor)."""

    file: str
    sheet: str
    row: int
    columns: dict[str, int]
    main: str

    def cell(self, column: str | None = None) -> Cell:
        """The cell of ``column`` in this row (the row alone, ``items!5 (kind)``, if the sheet has no such
        column); without a column, the cell of the row's main column."""
        name = self.main if column is None else column
        return Cell(self.file, self.sheet, self.row, self.columns.get(name), name)


@dataclass
class CellMap:
    """Dotted keys -> the cells they were read from (``cells``) and the rows of entries (``rows``);
    ``source`` is the workbook or folder, named by an error that has no cell."""

    source: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)
    rows: dict[str, Row] = field(default_factory=dict)

    def locate(self, key: str | None) -> Cell | None:
        """The cell of ``key``, else of its nearest entry (at the column named next in the key)."""
        if not key:
            return None
        parts = key.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in self.cells:
                return self.cells[prefix]
            if prefix in self.rows:
                rest = parts[n:]
                return self.rows[prefix].cell(rest[0] if rest else None)
        return None

    def _ours(self, file: str | None, config_file: str) -> str | None:
        """The scenario part of an error's file label (``" (scenario 'x')"``, or ``""``) if it names our config."""
        if file is None or not file.startswith(config_file):
            return None
        return file[len(config_file):]

    def _cell(self, key: str | None, scenario: str) -> Cell | None:
        """The cell of a key of the config, or of a scenario's config (``scenario``: `` (scenario 'x')``), whose
        keys name the merged config: its own changes are looked up in the scenario's rows, never the base's."""
        if not scenario or not key or key.startswith("scenarios."):
            return self.locate(key)
        match = re.search(r"\(scenario '([^']*)'\)", scenario)
        if match is None:
            return None
        prefix = f"scenarios.{match.group(1)}."
        head, _, rest = key.partition(".")
        tables = {"items": ("add_items",), "parameters": ("parameters", "replace", "scale", "shift", "fix"),
                  "outputs": ("outputs",), "derived": ("derived",), "study": ("scenario",),
                  "studies": ("studies",)}.get(head, ())
        for table in tables:
            found = self.locate(prefix + (f"study.{rest}" if head == "study" else f"{table}.{rest}"))
            if found is not None:
                return found
        return None

    def error(self, exc: ConfigError, config_file: str) -> ConfigError:
        """``exc`` naming its cell, if it is about the config written to ``config_file`` (or one of its
        scenarios) and its key was read from a cell; else naming the workbook and the key."""
        scenario = self._ours(exc.file, config_file)
        if scenario is None:
            return exc
        cell = self._cell(exc.key, scenario)
        if cell is not None:
            return cell.error(exc.rule)
        sheet = exc.key.split(".")[0].split("[")[0] if exc.key else ""
        where = f" (no sheet {sheet!r} gave it)" if sheet and not any(k.split(".")[0].split("[")[0] == sheet
                                                                        for k in self.rows) else ""
        return ConfigError(exc.rule + where, file=self.source + scenario, key=exc.key)

    def warning(self, warning: ConfigWarning, config_file: str) -> ConfigWarning:
        """A warning naming its cell, as :meth:`error`."""
        scenario = self._ours(warning.file, config_file)
        if scenario is None:
            return warning
        cell = self._cell(warning.key, scenario)
        if cell is None:
            return ConfigWarning(self.source + scenario, warning.key, warning.message)
        return ConfigWarning(cell.file, str(cell), warning.message)
