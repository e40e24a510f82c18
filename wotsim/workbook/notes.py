"""The comments of a TOML config (or scenario overlay), as the notes of the workbook's rows.

Python's TOML reader drops comments, yet the shipped configs keep sources in them (``discount_rate
= 0.03  # sourced: CPB/PBL ...``).  :func:`config_notes` reads them from the text so that
``wotsim export-config`` puts them in the ``note`` column of the row they belong to, and
``wotsim import`` writes them back as comments (:mod:`wotsim.workbook.toml_text`).  Which row:

* a comment after a key (``key = value  # ...``), with indented comment lines right below it,
  belongs to that key's row where a key is a row (study, simulation, stakeholders, groups,
  derived, a scenario's scale / shift / fix and derived), else to its table's row as
  ``key: comment``;
* comment lines above a table's header (or above a key that is a row) belong to that row; the
  comments at the top of a file belong to the first row that follows (the study's first key,
  a scenario's row).

The scan reads the text line by line and asks :mod:`tomllib` where each value ends, so a ``#``
inside a string is not a comment.  Anything it cannot place is left out: notes are a courtesy,
the values are read by ``tomllib``.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

__all__ = ["config_notes", "merged", "overlay_notes"]

_HEADER = re.compile(r"^\s*(\[\[?)(.*?)(\]\]?)\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*[A-Za-z0-9_\-\"'.][^=]*=")
#: Tables whose keys are rows of a sheet (relative to a config or to an overlay).
_KEYED = {("study",), ("simulation",), ("stakeholders",), ("groups",), ("derived",)}
_OVERLAY_KEYED = {("scale",), ("shift",), ("fix",), ("derived",)}


def _path_of(header: str) -> tuple[str, ...] | None:
    """The components of a table header's name (``parameters."a b"`` -> ("parameters", "a b"))."""
    try:
        doc = tomllib.loads(f"[{header}]\n")
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(doc, dict) and len(doc) == 1:
        key = next(iter(doc))
        path.append(key)
        doc = doc[key]
    return tuple(path)


def _key_and_comment(line: str) -> tuple[str | None, str | None, bool]:
    """(key, trailing comment, complete) of a ``key = value`` line; complete is False for a value that
    continues on the next lines."""
    for match in [*re.finditer("#", line), None]:  # the first '#' where the value ends starts the comment
        part = line if match is None else line[:match.start()]
        try:
            doc = tomllib.loads(part)
        except tomllib.TOMLDecodeError:
            continue
        if len(doc) != 1:
            return None, None, True
        key = next(iter(doc))
        value = doc[key]
        while isinstance(value, dict) and len(value) == 1 and part.split("=", 1)[0].count(".") and \
                not part.split("=", 1)[1].strip().startswith("{"):
            key = f"{key}.{next(iter(value))}"  # a dotted key a.b = 1
            value = next(iter(value.values()))
        comment = None if match is None else line[match.start() + 1:].strip()
        return key, comment, True
    return None, None, False


def _rows(path: tuple[str, ...], index: int, prefix: str, overlay: bool) -> tuple[str | None, bool]:
    """(row path, keyed) of the table at ``path``: keyed tables have one row per key."""
    if overlay:
        if not path or path[0] in ("scenario", "study"):
            return f"{prefix}scenario", False
        if path in _OVERLAY_KEYED:
            return f"{prefix}{path[0]}", True
        if len(path) >= 2 and path[0] in ("parameters", "replace", "outputs", "scale", "shift", "fix", "studies"):
            return f"{prefix}{path[0]}.{path[1]}", False
        if path[0] == "add_items":
            return f"{prefix}add_items[{index}]", False
        return None, False
    if len(path) >= 2 and path[0] == "scenarios":
        return _rows(path[2:], index, f"scenarios.{path[1]}.", True)
    if path in _KEYED:
        return path[0], True
    if len(path) >= 2 and path[0] in ("parameters", "outputs", "studies"):
        return f"{path[0]}.{path[1]}", False
    if path and path[0] in ("items", "correlations"):
        return f"{path[0]}[{index}]", False
    return None, False


class _Scan:
    def __init__(self, prefix: str, overlay: bool):
        self.prefix, self.overlay = prefix, overlay
        self.notes: dict[str, list[str]] = {}
        self.pending: list[str] = []
        self.path: tuple[str, ...] = ()
        self.index = 0
        self.counts: dict[tuple[str, ...], int] = {}
        self.last: str | None = None  # the row a trailing comment went to (for indented continuations)

    def add(self, row: str | None, text: str) -> None:
        if row is not None and text:
            self.notes.setdefault(row, []).append(text)

    def flush(self, row: str | None) -> None:
        if row is not None:
            for text in self.pending:
                self.add(row, text)
            self.pending = []

    def header(self, line: str) -> bool:
        m = _HEADER.match(line)
        if not m or (m.group(1) == "[[") != (m.group(3) == "]]"):
            return False
        path = _path_of(m.group(2))
        if path is None:
            return False
        self.path = path
        if m.group(1) == "[[":
            self.index = self.counts.get(path, 0)
            self.counts[path] = self.index + 1
        row, keyed = _rows(path, self.index, self.prefix, self.overlay)
        if not keyed:
            self.flush(row)
            if m.group(4):
                self.add(row, m.group(4)[1:].strip())
        return True

    def key(self, key: str, comment: str | None) -> None:
        row, keyed = _rows(self.path, self.index, self.prefix, self.overlay)
        target = f"{row}.{key}" if keyed and row else row
        self.flush(target)
        self.last = None
        if comment:
            self.add(target, comment if keyed else f"{key}: {comment}")
            self.last = target


def _scan(text: str, prefix: str = "", overlay: bool = False) -> dict[str, str]:
    scan = _Scan(prefix, overlay)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped:
            scan.last = None
            continue
        if stripped.startswith("#"):
            body = stripped[1:].strip()
            if scan.last is not None and line[:1].isspace():
                scan.add(scan.last, body)
            elif body.strip("-=# "):
                scan.pending.append(body.strip("-= ") if set(body[:3]) <= {"-", "="} else body)
            elif not body and scan.pending and scan.pending[-1]:
                scan.pending.append("")  # a paragraph break
            continue
        if scan.header(line):
            continue
        if _KEY_LINE.match(line):
            key, comment, complete = _key_and_comment(line)
            while not complete and i < len(lines):  # a value over several lines: its comments are not read
                line += "\n" + lines[i]
                i += 1
                key, _, complete = _key_and_comment(line)
                comment = None
            if key is not None:
                scan.key(key, comment)
    return {row: "\n".join(texts).strip("\n") for row, texts in scan.notes.items()}


def config_notes(text: str) -> dict[str, str]:
    """The notes of a config's TOML text: row path (``study.horizon``, ``parameters.x``, ``items[2]``,
    ``scenarios.<id>.scale.<name>`` ...) -> its comments, one per line."""
    return _scan(text)


def overlay_notes(text: str, scenario: str) -> dict[str, str]:
    """The notes of a scenario overlay file, with the row paths of scenario ``scenario`` (``scenarios.<id>.scenario``,
    ``scenarios.<id>.scale.<name>``, ``scenarios.<id>.add_items[0]`` ...)."""
    return _scan(text, f"scenarios.{scenario}.", True)


def merged(*found: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for notes in found:
        for k, v in notes.items():
            out[k] = f"{out[k]}\n{v}" if k in out else v
    return out
