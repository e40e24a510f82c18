"""A config dict (as :func:`tomllib.loads` gives it) -> TOML text laid out as the shipped configs are.

The values' literals come from tomli-w (the writer that pairs with tomli, the parser Python's
``tomllib`` is): strings escaped, floats written so that they read back bit for bit.  The layout
is this module's, because tomli-w writes every nested table as a section and every long list
over many lines: here each parameter, output, study and scenario part is a ``[section]``, items and
correlations are ``[[arrays of tables]]``, a stakeholder's or group's labels and an output's
filter are inline tables (``{ label = "...", label_nl = "..." }``), and the notes of the
workbook's ``note`` column are comments: a one-line note after its key (``horizon = 5  # ...``),
a longer one (and a row's note) on comment lines above.  :func:`config_text` checks that the
text parses back to the same dict.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, Iterable, Mapping

__all__ = ["config_text"]

#: The top-level tables in the order they are written (any other key follows, in its own order).
ORDER = ("study", "simulation", "stakeholders", "groups", "parameters", "derived", "items", "outputs", "correlations",
         "studies", "scenarios")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _literal(key)


def _literal(value: Any) -> str:
    """One-line TOML for a value: scalars by tomli-w, lists and tables inline."""
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    import tomli_w

    return tomli_w.dumps({"x": value})[4:].rstrip("\n")


def _section(path: tuple[str, ...]) -> bool:
    """Whether the table at ``path`` gets a ``[header]`` of its own (else it is written inline)."""
    n = len(path)
    if n == 1:
        return True
    if path[0] in ("parameters", "outputs", "studies"):
        return n == 2
    if path[0] == "scenarios":
        return n in (2, 3) or (n == 4 and path[2] in ("parameters", "replace", "outputs", "studies"))
    return False


def _is_array_of_tables(path: tuple[str, ...], value: Any) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
            and (len(path) == 1 or (path[0] == "scenarios" and len(path) == 3)))


def _comment(note: str, indent: str = "") -> list[str]:
    lines = _CONTROL.sub(" ", note).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [f"{indent}# {line}".rstrip() for line in lines]


class _Writer:
    def __init__(self, notes: Mapping[str, str]):
        self.notes = notes
        self.lines: list[str] = []
        self.pending: list[str] = []

    def note_above(self, path: str) -> None:
        if self.notes.get(path):
            self.lines.extend(_comment(self.notes[path]))

    def pair(self, path: str, key: str, value: Any) -> None:
        line = f"{_key(key)} = {_literal(value)}"
        note = self.notes.get(f"{path}.{key}" if path else key, "")
        if note and "\n" not in note and "\r" not in note:
            line += "  " + _comment(note)[0]
        elif note:
            self.lines.extend(_comment(note))
        self.lines.append(line)

    def table(self, path: tuple[str, ...], table: Mapping[str, Any], *, array: bool = False, index: int = 0) -> None:
        dotted = ".".join(path)
        header = ".".join(_key(p) for p in path)
        simple = [(k, v) for k, v in table.items()
                  if not (isinstance(v, Mapping) and _section((*path, k))) and not _is_array_of_tables((*path, k), v)]
        if path and (array or simple or not table):
            self.lines.append("")
            self.lines.extend(self.pending)
            self.pending = []
            self.note_above(f"{dotted}[{index}]" if array else dotted)
            self.lines.append(f"[[{header}]]" if array else f"[{header}]")
        elif path and self.notes.get(dotted):  # written through its sub-tables: its note goes above the first
            self.pending.extend(_comment(self.notes[dotted]))
        for k, v in simple:
            self.pair(dotted, k, v)
        for k, v in table.items():
            if isinstance(v, Mapping) and _section((*path, k)):
                self.table((*path, k), v)
            elif _is_array_of_tables((*path, k), v):
                for i, item in enumerate(v):
                    self.table((*path, k), item, array=True, index=i)


def _ordered(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: raw[k] for k in ORDER if k in raw}
    out.update((k, v) for k, v in raw.items() if k not in out)
    # top-level keys that are not tables come first (TOML: before the first header)
    return {**{k: v for k, v in out.items() if not isinstance(v, Mapping) and not _is_array_of_tables((k,), v)},
            **{k: v for k, v in out.items() if isinstance(v, Mapping) or _is_array_of_tables((k,), v)}}


def config_text(raw: Mapping[str, Any], notes: Mapping[str, str] | None = None, *,
                header: Iterable[str] = ()) -> str:
    """TOML text of the config ``raw``, with ``notes`` (entry path -> text) as comments.

    Parameters
    ----------
    raw : mapping
        A config as :func:`tomllib.loads` gives it (only TOML types).
    notes : mapping, optional
        ``"parameters.x"`` (above its table), ``"items[2]"``, ``"study.horizon"`` (after its key), ...
    header : iterable of str
        Comment lines at the top of the file.

    Raises
    ------
    ValueError
        If the text would not read back as ``raw`` (a value TOML cannot hold).
    """
    writer = _Writer(notes or {})
    for line in header:
        writer.lines.extend(_comment(line))
    writer.table((), _ordered(raw))
    text = "\n".join(writer.lines).lstrip("\n") + "\n"
    if tomllib.loads(text) != _plain(raw):
        raise ValueError("the config does not read back from its TOML text")
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
