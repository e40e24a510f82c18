"""Opening what ``wotsim import`` reads: an .xlsx or .ods workbook, or a folder of CSV files.

Each sheet (or CSV file) becomes a grid of cell values from cell A1, so that a row and a
column index name a cell as a spreadsheet does.  Readers: openpyxl for .xlsx and .xlsm (the
values Excel saved, formulas' results included, and Excel's error values such as ``#NAME?``,
which the import refuses; a formula saved without its value, as some programs write them,
reads as an empty cell), python-calamine for .ods, the csv module for CSV.

**CSV files** (``<table>.csv`` in the folder; other files are ignored):

* encoding: UTF-8, with or without a byte-order mark; UTF-16 with its byte-order mark (Excel's
  "Unicode text"); otherwise cp1252 (Windows Western European, what Dutch Excel writes as "CSV");
* separator: the one the header line uses: ``;`` if it has one, else a tab, else ``,``; a first
  line ``sep=;`` (as Excel writes it) sets it and is skipped;
* quoting as Excel does (``"a; b"``, ``""`` for a quote); rows are counted as a spreadsheet shows
  them (the header is row 1, a quoted line break does not start a new row).

Sizes are bounded before anything is built: a file of at most 20 MB (:data:`MAX_FILE_BYTES`),
at most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns per sheet.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_ROWS", "RawSheet", "open_tables", "WORKBOOK_SUFFIXES"]

MAX_FILE_BYTES = 20 * 2**20
#: Rows and columns read per sheet (the config's own ceilings are far below: 25,000 parameters).
MAX_ROWS = 60_000
MAX_COLUMNS = 500
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")


@dataclass
class RawSheet:
    """A sheet's cells from A1: ``rows[r][c]`` is the value of the cell in row r + 1, column c + 1."""

    name: str
    file: str
    rows: list[list[Any]] = field(default_factory=list)
    #: The CSV separator (None for a workbook sheet); a ``;`` file reads numbers with decimal commas by default.
    separator: str | None = None


def _regular(path: Path, what: str) -> int:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"no such {what}", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"is not a regular file (a {what})", file=str(path))
    if info.st_size > MAX_FILE_BYTES:
        raise ConfigError(f"is {info.st_size:,} bytes; at most {MAX_FILE_BYTES:,} bytes are read", file=str(path))
    return info.st_size


def open_tables(path: str | Path) -> list[RawSheet]:
    """The sheets of a workbook, or the CSV files of a folder (sorted by name), as grids.

    Raises
    ------
    ConfigError
        Naming the file: missing, unreadable, too large, not a workbook, a sheet too large.
    """
    path = Path(path)
    if path.is_dir():
        return _csv_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise ConfigError("is one CSV file; give the folder that holds one CSV file per table (study.csv, "
                          "parameters.csv, items.csv, ...)", file=str(path))
    if suffix not in WORKBOOK_SUFFIXES:
        raise ConfigError(f"is not a workbook ({', '.join(WORKBOOK_SUFFIXES)}) or a folder of CSV files",
                          file=str(path))
    _regular(path, "workbook")
    return _ods(path) if suffix == ".ods" else _xlsx(path)


def _bounded(file: str, name: str, rows) -> list[list[Any]]:
    out: list[list[Any]] = []
    for r, row in enumerate(rows):
        row = list(row)
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        if len(row) > MAX_COLUMNS:
            raise ConfigError(f"sheet {name!r} has a value in column {len(row):,}; at most {MAX_COLUMNS} columns are "
                              f"read", file=file)
        if r >= MAX_ROWS:
            if row:
                raise ConfigError(f"sheet {name!r} has more than {MAX_ROWS:,} rows; a config table has fewer",
                                  file=file)
            continue
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _xlsx(path: Path) -> list[RawSheet]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ConfigError(f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {str(exc)[:120]})",
                          file=file) from None
    try:
        sheets = []
        for ws in book.worksheets:
            ws.reset_dimensions()  # the size a file claims is not trusted: rows are read as they come
            sheets.append(RawSheet(ws.title, file, _bounded(file, ws.title, ws.iter_rows(values_only=True))))
    finally:
        book.close()
    _no_formula_without_value(path, file, sheets)
    return sheets


def _no_formula_without_value(path: Path, file: str, sheets: list[RawSheet]) -> None:
    """Refuse a formula saved without its value (as scripts and some programs write them): read as it is, its
    cell would be empty and a number the user typed as ``=5`` would silently give way to a default."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        for ws, sheet in zip(book.worksheets, sheets):
            ws.reset_dimensions()
            for r, row in enumerate(ws.iter_rows(values_only=True)):
                if r >= MAX_ROWS:
                    break
                saved = sheet.rows[r] if r < len(sheet.rows) else []
                for c, value in enumerate(row[:MAX_COLUMNS]):
                    if (isinstance(value, str) and value.startswith("=")
                            and (c >= len(saved) or saved[c] is None or saved[c] == "")):
                        raise ConfigError(f"{ws.title}!{get_column_letter(c + 1)}{r + 1}: holds the formula {value[:60]!r} "
                                          f"without a saved value; open and save the workbook in Excel or LibreOffice, "
                                          f"or type the value", file=file)
    finally:
        book.close()


def _ods(path: Path) -> list[RawSheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    file = str(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        return [RawSheet(name, file, _bounded(file, name, book.get_sheet_by_name(name).to_python(
            skip_empty_area=False))) for name in book.sheet_names]
    except (CalamineError, ValueError, OSError) as exc:
        raise ConfigError(f"cannot be read as an .ods workbook ({type(exc).__name__}: {str(exc)[:120]})",
                          file=file) from None


def decode(raw: bytes, file: str) -> str:
    """CSV bytes as text: UTF-8 (a byte-order mark dropped), UTF-16 with its mark, else cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError("starts with a UTF-16 byte-order mark but is not UTF-16 text", file=file) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"is neither UTF-8 nor cp1252 text (byte {raw[exc.start]:#04x} at offset {exc.start:,})",
                          file=file) from None


def separator_of(text: str) -> tuple[str, str]:
    """(separator, text without an Excel ``sep=`` line): from the header line, ``;`` before tab before ``,``."""
    first, _, rest = text.partition("\n")
    line = first.rstrip("\r")
    if len(line) == 5 and line.lower().startswith("sep="):
        return line[4], rest
    outside = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)  # not inside quotes
    for sep in (";", "\t", ","):
        if sep in outside:
            return sep, text
    return ",", text


def _csv_folder(folder: Path) -> list[RawSheet]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    if not files:
        raise ConfigError("holds no CSV files; give one per table (study.csv, parameters.csv, items.csv, ...)",
                          file=str(folder))
    sheets = []
    for path in files:
        file = str(path)
        _regular(path, "CSV file")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror}", file=file) from None
        if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ConfigError("holds NUL bytes: not a text file", file=file)
        sep, text = separator_of(decode(raw, file))
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=False))
        except csv.Error as exc:
            raise ConfigError(f"is not valid CSV: {exc}", file=file) from None
        grid = [[None if c == "" else c for c in row] for row in rows]
        sheets.append(RawSheet(os.path.splitext(path.name)[0], file, _bounded(file, path.stem, grid), separator=sep))
    return sheets
