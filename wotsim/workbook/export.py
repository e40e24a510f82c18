"""A config and its scenario overlays -> an .xlsx workbook that ``wotsim import`` reads back to the same model.

:func:`config_tables` lays the parsed TOML out as the sheets of :mod:`wotsim.workbook.columns`
(every key kept, including parameter keys this version does not know); :func:`workbook_bytes`
writes them with openpyxl: a README sheet first (what each sheet and column holds, the rules for
numbers and lists, how to import), then one sheet per table, the header in bold with each
column's meaning in a note on its cell, the first row and column frozen.

Numbers are written as numbers when the cell holds them exactly (openpyxl writes 16
significant digits); a float that needs 17, or an integer of more than 15 digits, is written
as text with all its digits, so that the import reads back the same bits.  Lists are written
``[a, b]``; an output's filter goes to its dotted columns (``benefits.stakeholder``).  The
bytes are reproducible: the same config gives the same file (fixed timestamps).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from ..errors import WotsimError
from .cells import text_of
from .columns import CHANGE_NUMBER, NOTE, SHEETS, about, sheet_of

__all__ = ["config_sheets", "config_tables", "workbook_bytes"]

#: The timestamp in every written workbook (its properties and its zip entries), for reproducible files.
STAMP = datetime(2020, 1, 1)
_MAX_TEXT = 32_767  # Excel's limit on a cell's text


def _flat_output(name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    row = {"name": name}
    for k, v in spec.items():
        if k in ("benefits", "costs") and isinstance(v, Mapping):
            row.update((f"{k}.{sub}", x) for sub, x in v.items())
        else:
            row[k] = v
    return row


def _labelled(key: str, table: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{key: k, **({"label": v} if isinstance(v, str) else dict(v))} for k, v in table.items()]


def _note(row: dict[str, Any], notes: Mapping[str, str], path: str) -> dict[str, Any]:
    if notes.get(path):
        row[NOTE] = notes[path]
    return row


def config_tables(raw: Mapping[str, Any], overlays: Mapping[str, Mapping[str, Any]],
                  notes: Mapping[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows of each sheet: table -> list of rows (column -> value); study and simulation as
    (key, value, note) rows.

    Parameters
    ----------
    raw : mapping
        The config as TOML parses it (a config's ``raw``).
    overlays : mapping
        Scenario id -> its overlay as TOML parses it (a scenario's ``overlay``).
    notes : mapping, optional
        Entry path -> note (:func:`wotsim.workbook.notes.config_notes`).
    """
    notes = notes or {}
    out: dict[str, list[dict[str, Any]]] = {}
    for record in ("study", "simulation"):
        if isinstance(raw.get(record), Mapping):
            out[record] = [_note({"key": k, "value": v}, notes, f"{record}.{k}") for k, v in raw[record].items()]
    for table, key in (("stakeholders", "id"), ("groups", "group")):
        if isinstance(raw.get(table), Mapping):
            out[table] = [_note(row, notes, f"{table}.{row[key]}") for row in _labelled(key, raw[table])]
    out["parameters"] = [_note({"name": k, **v}, notes, f"parameters.{k}")
                         for k, v in raw.get("parameters", {}).items()]
    out["derived"] = [_note({"name": k, "formula": v}, notes, f"derived.{k}")
                      for k, v in raw.get("derived", {}).items()]
    out["items"] = [_note(dict(it), notes, f"items[{i}]") for i, it in enumerate(raw.get("items", []))]
    out["outputs"] = [_note(_flat_output(k, v), notes, f"outputs.{k}") for k, v in raw.get("outputs", {}).items()]
    out["correlations"] = [_note(dict(c), notes, f"correlations[{i}]")
                           for i, c in enumerate(raw.get("correlations", []))]
    out["studies"] = [_note({"id": k, **v}, notes, f"studies.{k}") for k, v in raw.get("studies", {}).items()]
    for table in ("scenarios", "scenario_parameters", "scenario_derived", "scenario_items", "scenario_outputs",
                  "scenario_studies"):
        out[table] = []
    for sid, overlay in overlays.items():
        path = f"scenarios.{sid}"
        meta = {k: v for k, v in overlay.get("scenario", {}).items() if k != "id"}
        row = {"id": sid, **meta}
        if "drop_items" in overlay:
            row["drop_items"] = overlay["drop_items"]
        row.update((f"study.{k}", v) for k, v in overlay.get("study", {}).items())
        out["scenarios"].append(_note(row, notes, f"{path}.scenario") if notes.get(f"{path}.scenario")
                                else _note(row, notes, path))
        for change, table in (("new", "parameters"), ("replace", "replace"), ("scale", "scale"), ("shift", "shift"),
                              ("fix", "fix")):
            for name, spec in overlay.get(table, {}).items():
                if change in CHANGE_NUMBER:
                    spec = spec if isinstance(spec, Mapping) else {CHANGE_NUMBER[change]: spec}
                out["scenario_parameters"].append(_note({"scenario": sid, "change": change, "name": name, **spec},
                                                        notes, f"{path}.{table}.{name}"))
        out["scenario_derived"] += [_note({"scenario": sid, "name": k, "formula": v}, notes, f"{path}.derived.{k}")
                                    for k, v in overlay.get("derived", {}).items()]
        out["scenario_items"] += [_note({"scenario": sid, **it}, notes, f"{path}.add_items[{i}]")
                                  for i, it in enumerate(overlay.get("add_items", []))]
        out["scenario_outputs"] += [_note({"scenario": sid, **_flat_output(k, v)}, notes, f"{path}.outputs.{k}")
                                    for k, v in overlay.get("outputs", {}).items()]
        out["scenario_studies"] += [_note({"scenario": sid, "id": k, **v}, notes, f"{path}.studies.{k}")
                                    for k, v in overlay.get("studies", {}).items()]
    return {k: v for k, v in out.items() if v or k in ("stakeholders", "parameters", "items", "outputs")}


def _columns(table: str, rows: Iterable[Mapping[str, Any]], wanted: Sequence[str] = ()) -> list[str]:
    """The sheet's columns: its known columns that a row uses (or ``wanted`` lists), in their order; any
    other key (a parameter key this version does not know) before the sources and notes."""
    spec = sheet_of(table)
    if spec.record:
        return ["key", "value", NOTE] if any(NOTE in r for r in rows) else ["key", "value"]
    used = dict.fromkeys([*spec.ids, *wanted, *(k for r in rows for k in r)])
    known = [c.key for c in spec.columns if c.key in used]
    other = [k for k in used if spec.column(k) is None]
    if other:
        at = next((i for i, k in enumerate(known) if k in ("unit", "group", "evidence", "source", NOTE)), len(known))
        known[at:at] = other
    return known


def _value(value: Any, where: str) -> Any:
    """A value as a cell holds it exactly (see the module's docstring)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else str(value)
    if isinstance(value, float):  # -0.0 too: a cell would lose its sign
        exact = float("%.16g" % value) == value and not (value == 0 and math.copysign(1, value) < 0)
        return value if exact else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_list_item(v) for v in value) + "]"
    if isinstance(value, Mapping):
        raise WotsimError(f"{where}: a table ({value!r}) cannot be one cell of a workbook")
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_TEXT:
        raise WotsimError(f"{where}: a text of {len(text):,} characters is more than a cell holds ({_MAX_TEXT:,})")
    return text


def _list_item(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return text_of(value)
    text = text_of(value)
    if any(ch in text for ch in ",;[]\"'") or text != text.strip() or not text:
        return '"' + text.replace('"', '""') + '"'
    return text


def config_sheets(tables: Mapping[str, list[dict[str, Any]]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """One sheet per table of ``tables`` (:func:`config_tables`), in the order of
    :data:`wotsim.workbook.columns.SHEETS`: (sheet name, table, rows)."""
    return [(s.table, s.table, tables[s.table]) for s in SHEETS if s.table in tables]


def _readme(book, title: str, intro: Sequence[tuple[str, str]], sheets: Sequence[tuple[str, str, list]],
            columns: Mapping[str, Sequence[str]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = book.create_sheet("README", 0)
    lines: list[tuple[str, str, bool]] = [(title, "", True), ("", "", False)]
    lines += [(a, b, False) for a, b in intro]
    lines += [
        ("What this is", "A wotsim config as a workbook: one sheet per table of the config, columns named as its keys "
                         "(docs: README.md, 'Config reference'). Hover over a column name for its meaning.", False),
        ("Import", "wotsim import THIS.xlsx --out my.toml   (checks everything wotsim validate checks; refuses a "
                   "workbook with an error, naming its sheet, row and column)", False),
        ("Then", "wotsim report my.toml --out report", False),
        ("Numbers", "As numbers, or as text with a decimal point or comma (0.75, 0,75, 1.234,5, 75%).", False),
        ("Lists", "In one cell: [a, b] or a; b (drop_items, between, percentiles, ...).", False),
        ("Formulas", "wotsim formulas are text without '=': n_households * reach (decimal point).", False),
        ("Sheets", "A sheet named 'TABLE - words' continues TABLE (e.g. 'parameters - reach'), in sheet order; "
                   "README and sheets starting with _ are not read.", False),
        ("note", "Every sheet may have a note column: kept as a comment in the TOML.", False),
        ("", "", False),
    ]
    rows_of: dict[str, list] = {}
    for _name, table, rows in sheets:
        rows_of.setdefault(table, []).extend(rows)
    for spec in SHEETS:
        if spec.table not in rows_of:
            continue
        names = [name for name, table, _ in sheets if table == spec.table]
        shown_as = "" if names == [spec.table] else f" (sheets: {', '.join(names)})"
        lines.append((spec.table, spec.about + shown_as, True))
        if spec.record:
            lines.append(("  key, value", "One row per key: " + ", ".join(c.key for c in spec.columns
                                                                          if c.key != NOTE) + ".", False))
            continue
        for col in _columns(spec.table, rows_of[spec.table], columns.get(spec.table, ())):
            lines.append((f"  {col}", about(spec.table, col), False))
    for r, (a, b, bold) in enumerate(lines, start=1):
        ws.cell(r, 1, a).font = Font(bold=bold)
        ws.cell(r, 2, b).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110


def workbook_bytes(sheets: Sequence[tuple[str, str, list[dict[str, Any]]]], *, title: str = "wotsim config",
                   intro: Sequence[tuple[str, str]] = (), columns: Mapping[str, Sequence[str]] | None = None) -> bytes:
    """An .xlsx workbook of ``sheets``, README first.

    Parameters
    ----------
    sheets : sequence of (sheet name, table, rows)
        The sheets in order (:func:`config_sheets`); several sheets may hold rows of one table
        (``parameters - reach``, ``parameters - costs``).
    title : str
        The README's first line.
    intro : sequence of (str, str)
        Lines of the README after the title (a template's explanation).
    columns : mapping, optional
        Table -> columns to show even when no row uses them (a template's empty columns).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    columns = columns or {}
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "wotsim"
    book.properties.created = book.properties.modified = STAMP
    _readme(book, title, intro, sheets, columns)
    for name, table, rows in sheets:
        cols = _columns(table, rows, columns.get(table, ()))
        ws = book.create_sheet(name)
        for c, key in enumerate(cols, start=1):
            cell = ws.cell(1, c, key)
            cell.font = Font(bold=True)
            meaning = about(table, key) if not sheet_of(table).record else \
                {"key": "The key (a TOML key of this table).", "value": "Its value.", NOTE: about(table, NOTE)}[key]
            if meaning:
                cell.comment = Comment(meaning, "wotsim", width=300, height=90)
            width = max([len(key), *(len(text_of(r.get(key, ""))) for r in rows)])
            ws.column_dimensions[cell.column_letter].width = min(60, max(8, width + 2))
        for r, row in enumerate(rows, start=2):
            for c, key in enumerate(cols, start=1):
                if key not in row:
                    continue
                cell = ws.cell(r, c)
                where = f"{name}!{cell.coordinate} ({key})"
                try:
                    cell.value = _value(row[key], where)
                except ValueError as exc:  # openpyxl refuses control characters in text
                    if isinstance(exc, WotsimError):
                        raise
                    raise WotsimError(f"{where}: {exc}") from None
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not an Excel formula
        ws.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return _reproducible(buffer.getvalue())


def _reproducible(data: bytes) -> bytes:
    """The zip ``data`` with every entry stamped :data:`STAMP` (the same workbook, the same bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            target.writestr(entry, content)
    return out.getvalue()
