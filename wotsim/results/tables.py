"""Results as files for people and other tools: ``--format csv | xlsx | parquet``.

The machine-readable core of a results directory is always ``arrays.npz`` + its JSON files +
``manifest.json``: that is what wotsim loads back (:func:`wotsim.analysis.io.load_any`), whatever
the format.  ``--format`` adds the result's tables (its ``frames()``, :mod:`wotsim.results.frames`)
beside that core, inside the same atomic write (:func:`wotsim.results.io.write_results`); wotsim
never reads them back, so nothing in them is ever executed or unpickled.

================  ==========================================================================
format            files beside the core
================  ==========================================================================
``npz``           none (the default)
``csv``           ``tables/<table>.csv``: one file per table, UTF-8, ``,`` between fields, ``.``
                  as the decimal point, full float64 precision, empty = undefined (NaN); one
                  header row of column ids; ``tables/columns.csv`` gives every column's label and
                  unit, ``tables/readme.csv`` the run (config, hash, seed, sampler, n, version)
``xlsx``          ``tables.xlsx``: a ``README`` sheet (the run, and every table with its rows),
                  then one sheet per table: row 1 the column ids, row 2 their labels, row 3 their
                  units, data from row 4 (``pandas.read_excel(path, sheet, skiprows=[1, 2])``)
``parquet``       ``tables/<table>.parquet`` (with the ``columns`` and ``readme`` tables), labels and
                  units also in each file's pandas metadata (``frame.attrs``); needs pyarrow
                  (``pip install 'wotsim[parquet]'``)
================  ==========================================================================

An Excel sheet holds at most 1,048,576 rows: :func:`check_format` refuses ``xlsx`` for more draws
before anything is simulated, and ``parquet`` without pyarrow.  What was written (format, path,
rows per table) is recorded in ``manifest.json`` under ``"tables"``.  Nothing here is imported
when wotsim starts (no numpy, pandas or openpyxl at import).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import WotsimError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["EXCEL_DATA_ROWS", "EXCEL_MAX_ROWS", "FORMATS", "HEADER_ROWS", "check_format", "columns_frame",
           "readme_rows", "tables_note", "write_tables"]

#: What ``--format`` takes; ``npz`` writes the core only.
FORMATS = ("npz", "csv", "xlsx", "parquet")
#: Rows of an Excel worksheet (Excel 2007 and later; openpyxl's limit too).
EXCEL_MAX_ROWS = 1_048_576
#: Header rows of every table sheet: column ids, labels, units.
HEADER_ROWS = 3
#: Data rows a table sheet can hold.
EXCEL_DATA_ROWS = EXCEL_MAX_ROWS - HEADER_ROWS
#: The extra that installs pyarrow.
PARQUET_EXTRA = "pip install 'wotsim[parquet]' (or pip install 'pyarrow>=14')"


def check_format(fmt: str, rows: int = 0, *, what: str = "--samples") -> None:
    """Refuse, before any work, a table format that cannot be written: an unknown one, ``parquet``
    without pyarrow, ``xlsx`` without openpyxl or with more than :data:`EXCEL_DATA_ROWS` rows in a
    table (``rows``: the longest table's, e.g. the draws; ``what`` names the flag that sets it)."""
    if fmt not in FORMATS:
        raise WotsimError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise WotsimError(f"--format parquet needs pyarrow, which is not installed: {PARQUET_EXTRA}") from None
    if fmt == "xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise WotsimError("--format xlsx needs openpyxl, which is not installed: pip install openpyxl") from None
        if rows > EXCEL_DATA_ROWS:
            raise WotsimError(f"--format xlsx: {rows:,} draws do not fit in an Excel sheet ({EXCEL_MAX_ROWS:,} rows "
                              f"at most, {HEADER_ROWS} of them headers); use --format csv or parquet, or {what} "
                              f"{EXCEL_DATA_ROWS:,} or fewer")


def readme_rows(manifest: Mapping[str, Any], frames: Mapping[str, "pandas.DataFrame"],
                fmt: str) -> list[tuple[str, str]]:
    """The README of a table set, as (key, value) rows of text: the run, the layout, each table."""
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    study = config.get("study") if isinstance(config.get("study"), dict) else {}
    versions = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else {}
    run = [("study", manifest.get("study")), ("config", manifest.get("config_path")),
           ("config_sha256", manifest.get("config_sha256")),
           ("analysis", manifest.get("analysis") or manifest.get("method") or "run"),
           ("seed", manifest.get("seed")), ("sampler", manifest.get("sampler")),
           ("n (samples)", manifest.get("samples")),
           ("replicates", manifest.get("replicates")),  # draw i belongs to the design's randomisation i % this
           ("wotsim version", versions.get("wotsim")),
           ("currency", study.get("currency")), ("price year", study.get("price_year")),
           ("unit of analysis", study.get("unit_of_analysis"))]
    layout = {"csv": "one CSV per table (UTF-8, ',' between fields, '.' as decimal point, empty = undefined); "
                     "header row: column ids; labels and units of every column in columns.csv",
              "xlsx": "one sheet per table: row 1 column ids, row 2 labels, row 3 units, data from row 4; "
                      "empty = undefined",
              "parquet": "one file per table; labels and units in columns.parquet and in each file's "
                         "pandas metadata"}[fmt]
    rows = [("about", "Tables of a wotsim results directory; arrays.npz, the JSON files and manifest.json beside "
                      "them are what wotsim reads back")]
    rows += [(k, "" if v is None else str(v)) for k, v in run]
    rows.append(("layout", layout))
    if any(f.index.name is not None for f in frames.values()):
        rows.append(("draw", "tables with one row per draw start with the column draw: the row of arrays.npz, "
                             "from 0; draw i belongs to the design's randomisation i % replicates"))
    rows += [(f"table {name}", f"{len(f):,} rows: {f.attrs.get('description', '')}") for name, f in frames.items()]
    return rows


def columns_frame(frames: Mapping[str, "pandas.DataFrame"]) -> "pandas.DataFrame":
    """Every column of every table: ``table``, ``column`` (its id), ``label`` and ``unit``."""
    import pandas as pd

    rows = [(name, c, f.attrs.get("labels", {}).get(c, ""), f.attrs.get("units", {}).get(c, ""))
            for name, f in frames.items() for c in _columns(f)]
    return pd.DataFrame(rows, columns=["table", "column", "label", "unit"])


def _columns(frame: "pandas.DataFrame") -> list:
    """The columns a file gets: a per-draw table's index (the draw) first, then the frame's columns."""
    return ([frame.index.name] if frame.index.name is not None else []) + list(frame.columns)


def tables_note(info: Mapping[str, Any]) -> str:
    """One line saying what :func:`write_tables` wrote (``info``: its return value)."""
    rows = ", ".join(f"{name} {count:,} row{'' if count == 1 else 's'}" for name, count in info["rows"].items())
    return f"tables ({info['format']}) written to {info['path']}: {rows}"


def write_tables(directory: Path, frames: Mapping[str, "pandas.DataFrame"], fmt: str,
                 manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``frames`` in ``fmt`` into ``directory`` (see the module docstring); returns what was
    written: ``{"format", "path" (relative to the directory), "rows" (table -> rows)}``."""
    check_format(fmt, max((len(f) for f in frames.values()), default=0))
    readme = readme_rows(manifest, frames, fmt)
    if fmt == "xlsx":
        _xlsx(directory / "tables.xlsx", frames, readme)
        path = "tables.xlsx"
    else:
        import pandas as pd

        folder = directory / "tables"
        folder.mkdir()
        extra = {"columns": columns_frame(frames), "readme": pd.DataFrame(readme, columns=["key", "value"])}
        for name, frame in {**frames, **extra}.items():
            index = frame.index.name is not None  # a per-draw table: its index, the draw, is the first column
            if fmt == "csv":
                frame.to_csv(folder / f"{name}.csv", index=index, encoding="utf-8", lineterminator="\n", na_rep="")
            else:
                frame.to_parquet(folder / f"{name}.parquet", index=index)
        path = "tables/"
    return {"format": fmt, "path": path, "rows": {name: len(f) for name, f in frames.items()}}


# --------------------------------------------------------------------------- xlsx
def _xlsx(path: Path, frames: Mapping[str, "pandas.DataFrame"], readme: list[tuple[str, str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # control characters no xlsx cell can hold
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold, grey = Font(bold=True), Font(italic=True, color="666666")

    def text(sheet, value: str, font=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))  # shown as U+FFFD
        cell.data_type = "s"  # text stays text: a label starting with "=" is no formula
        if font is not None:
            cell.font = font
        return cell

    sheet = book.create_sheet("README")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    sheet.append([text(sheet, "key", bold), text(sheet, "value", bold)])
    for key, value in readme:
        sheet.append([text(sheet, key), text(sheet, value)])
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        sheet.freeze_panes = f"A{HEADER_ROWS + 1}"
        labels, units = frame.attrs.get("labels", {}), frame.attrs.get("units", {})
        columns = [str(c) for c in _columns(frame)]
        sheet.append([text(sheet, c, bold) for c in columns])
        sheet.append([text(sheet, labels.get(c, ""), grey) for c in columns])
        sheet.append([text(sheet, units.get(c, ""), grey) for c in columns])
        for lo in range(0, len(frame), _BLOCK):  # a block of rows at a time: memory stays small
            block = frame.iloc[lo:lo + _BLOCK]
            cells = [_cells(sheet, block.index, text)] if frame.index.name is not None else []
            cells += [_cells(sheet, block.iloc[:, j], text) for j in range(block.shape[1])]
            for row in zip(*cells):
                sheet.append(row)
    book.save(path)


#: Rows converted to cells at a time.
_BLOCK = 4096


def _cells(sheet, column: "pandas.Series | pandas.Index", text) -> list:
    """A column's values as xlsx cells: numbers as numbers, every bit kept (NaN empty, infinities as the
    text ``inf``), text as text, true/false as booleans."""
    import numpy as np
    from openpyxl.cell import WriteOnlyCell

    def exact(v: float) -> Any:  # openpyxl writes a float with 16 digits ("%.16g"); repr keeps every bit
        if math.isfinite(v):
            cell = WriteOnlyCell(sheet, value=repr(v))
            cell.data_type = "n"
            return cell
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")

    def one(v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, str):
            return text(sheet, v)
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float):
            return exact(v)
        return v if isinstance(v, int) else text(sheet, str(v))

    values = column.to_numpy()
    if values.dtype.kind == "f":
        return [exact(v) for v in values.tolist()]
    if values.dtype.kind in "iub":
        return values.tolist()
    return [one(v) for v in values.tolist()]
