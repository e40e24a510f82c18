"""One cell's value, as people write it, and the name of a cell (``items!E7``).

**Kinds.**  Each column holds one kind of value (:mod:`wotsim.workbook.columns` says which):

* ``text``: kept as text (a number typed into it becomes its digits: ``2021``);
* ``number``, ``int``: a number; an ``int`` must be whole;
* ``formula``: a number, or else wotsim formula text (``n_households * reach``, decimal point);
* ``bool``: true or false (Excel's TRUE/FALSE, or the words true, false, yes, no, 1, 0, and Dutch
  Excel's WAAR, ONWAAR, ja, nee, any case);
* ``list``: several values in one cell, separated by ``;`` or, when the cell has no ``;``, by
  ``,`` (so ``2,5; 97,5`` keeps its decimal commas; numbers separated by ``,`` in a file of
  decimal commas are refused as ambiguous); square brackets and double quotes around items are
  optional: ``[a, b]``, ``a; b``, ``"a", "b"``;
* ``selection`` (an output's ``benefits`` and ``costs``): ``all``, or a list of item ids;
* ``names`` (``benefits.stakeholder``): one name, or a list of them;
* ``any`` (a parameter key this version does not know, passed through to the config): true or
  false, a number, a list in square brackets, or else text.

**Numbers written as text** (CSV, or a text cell): an optional sign, digits with a decimal mark,
an optional exponent (``1e5``) and an optional ``%`` (``75%`` is 0.75, ``2,25%`` is 0.0225);
spaces are ignored.  Thousands separators must group by three: ``1.234,5`` and ``1,234.5``.  The
decimal mark of a file is the one its number cells use: a comma when some cell reads only with a
decimal comma (``0,75``, ``1.234,5``), a point when some cell reads only with a decimal point
(``0.75``, ``1,234.5``), an error naming both cells when it has both; with neither, a CSV file
separated by ``;`` (Dutch Excel) takes the comma, any other file the point.  So ``1.234`` is 1234
in a file of decimal commas and 1.234 in a file of decimal points.  A whole number is kept as an
integer (``3``, ``3,0`` and Excel's 3.0 all give 3), as long as it is exact in a float (below 2**53).
"""

from __future__ import annotations

import csv
import datetime
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["KINDS", "CellValueError", "cell_name", "column_letter", "convert", "integral", "is_empty",
           "mark_evidence", "parse_number", "text_of"]

KINDS = ("text", "number", "int", "formula", "bool", "list", "selection", "names", "any")

_TRUE = {"true", "waar", "yes", "ja", "1"}
_FALSE = {"false", "onwaar", "no", "nee", "0"}
#: Excel's error values, as a cell shows them.
_EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                 "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}

_EXP = r"(?:[eE][+-]?[0-9]+)?"
#: Forms of a number written as text (sign and % removed), and the decimal mark each needs.
_PLAIN_INT = re.compile(r"[0-9]+" + _EXP)
_POINT = re.compile(r"(?:[0-9]+\.[0-9]*|\.[0-9]+)" + _EXP)            # 0.75, 1.5e3, .5 (also 1.234: see below)
_COMMA = re.compile(r"(?:[0-9]+,[0-9]*|,[0-9]+)" + _EXP)              # 0,75 (also 1,234)
_DUTCH_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")   # 1.234 / 1.234,5
_ENGLISH_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")  # 1,234 / 1,234.5


class CellValueError(ValueError):
    """A cell's value is not of its column's kind; the message says what is allowed and what was seen."""


def column_letter(col: int) -> str:
    """Spreadsheet letters of a 0-based column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(sheet: str, row: int, col: int | None) -> str:
    """``items!E7`` for 0-based ``row`` and ``col`` (``items!7`` for a whole row: ``col`` None).

    A sheet name with characters other than letters, digits and ``_`` is quoted as Excel
    does: ``'parameters - reach'!B3``.
    """
    name = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{'' if col is None else column_letter(col)}{row + 1}"


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def integral(x: int | float) -> int | float:
    """``x`` as an int when it is a whole number exact in a float (|x| < 2**53), else as it is."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 and not (x == 0 and math.copysign(1, x) < 0):
        return int(x)
    return x


#: A decimal or thousands mark followed by a space: no number is written so (a list's separator is).
_SEPARATOR_THEN_SPACE = re.compile(r"[.,][\s\u00a0\u202f]")


def _split_number(text: str) -> tuple[str, bool, str]:
    """(sign, percent, digits) of a number's text, spaces removed."""
    s = re.sub(r"[\s\u00a0\u202f']", "", text)
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    sign = ""
    if s[:1] in "+-":
        sign, s = s[:1].replace("+", ""), s[1:]
    return sign, percent, s


def mark_evidence(text: str) -> str | None:
    """The decimal mark ``text`` can only be read with (``","`` or ``"."``), or None (no number, or either)."""
    if not isinstance(text, str):
        return None
    _, _, s = _split_number(text)
    if _DUTCH_THOUSANDS.fullmatch(s) and "," in s or _COMMA.fullmatch(s) and not _ENGLISH_THOUSANDS.fullmatch(s):
        return ","
    if _ENGLISH_THOUSANDS.fullmatch(s) and "." in s or _POINT.fullmatch(s) and not _DUTCH_THOUSANDS.fullmatch(s):
        return "."
    return None


def parse_number(text: str, mark: str = ".") -> int | float | None:
    """The number ``text`` writes with decimal mark ``mark``, or None if it is not a number.

    Raises
    ------
    CellValueError
        For a number beyond float range.
    """
    if _SEPARATOR_THEN_SPACE.search(text.strip()):  # '50, 100' is two numbers (a list), never 50100
        return None
    sign, percent, s = _split_number(text)
    if not s:
        return None
    if _PLAIN_INT.fullmatch(s):
        plain = s
    elif mark == "," and _DUTCH_THOUSANDS.fullmatch(s):
        plain = s.replace(".", "").replace(",", ".")
    elif mark == "," and _COMMA.fullmatch(s):
        plain = s.replace(",", ".")
    elif mark == "." and _ENGLISH_THOUSANDS.fullmatch(s):
        plain = s.replace(",", "")
    elif mark == "." and _POINT.fullmatch(s):
        plain = s
    else:
        return None
    try:
        exact = Decimal(sign + plain)
    except InvalidOperation:  # pragma: no cover - the patterns above are decimal syntax
        return None
    if percent:
        exact = exact / 100
    if _PLAIN_INT.fullmatch(plain) and "e" not in plain.lower() and not percent:
        return int(exact)  # digits only: exact at any size (a seed may be long)
    number = float(exact)
    if not math.isfinite(number):
        raise CellValueError(f"must be a finite number, got {shown(text)}")
    return integral(number)


def text_of(value: Any) -> str:
    """A cell's value as text: numbers without a needless ``.0``, true/false in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = integral(value)
        return repr(value) if isinstance(value, float) else str(value)
    return str(value).strip()


def _number(value: Any, mark: str, what: str) -> int | float:
    if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise CellValueError(f"must be {what}, got {shown(value)}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise CellValueError(f"must be a finite number, got {shown(value)}")
        return integral(value)
    number = parse_number(str(value), mark)
    if number is None:
        other = mark_evidence(value)
        hint = (" (this file's decimal mark is a comma: write 0,75)" if mark == "," and other == "." else
                " (this file's decimal mark is a point: write 0.75)" if mark == "." and other == "," else "")
        raise CellValueError(f"bad number {shown(value)}: must be {what}{hint}")
    return number


def _items(value: Any, mark: str) -> list[Any]:
    """The items of a list cell, each a number if it reads as one, else text."""
    if not isinstance(value, str):
        return [_scalar(value, mark)]
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if not text:
        return []
    sep = ";" if ";" in text else ","
    row = next(csv.reader([text], delimiter=sep, quotechar='"', skipinitialspace=True))
    out = []
    for raw in row:
        item = raw.strip()
        if not item:
            raise CellValueError(f"a list item is empty in {shown(value)}; separate items by ';' or ','")
        quoted = len(item) >= 2 and item[0] == item[-1] and item[0] in "'\""
        out.append(item[1:-1] if quoted else _scalar(item, mark))
    if sep == "," and mark == "," and len(out) > 1 and any(isinstance(x, (int, float)) for x in out):
        raise CellValueError(f"a list of numbers in a file of decimal commas is ambiguous in {shown(value)}: "
                             f"separate its items by ';' (2,5; 97,5)")
    return out


def _scalar(value: Any, mark: str) -> Any:
    """A value of unknown kind: true/false, a number, else text."""
    if isinstance(value, (bool, int, float)):
        return _number(value, mark, "a number") if not isinstance(value, bool) else value
    text = str(value).strip()
    number = parse_number(text, mark)
    return text if number is None else number


def convert(value: Any, kind: str, mark: str = ".") -> Any:
    """A cell's value as its column's ``kind`` wants it (None for an empty cell).

    Raises
    ------
    CellValueError
        When the value is not of that kind (a bad number, a fraction where a whole number is
        needed, an Excel error value such as ``#NAME?``).
    """
    if is_empty(value):
        return None
    if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
        raise CellValueError(f"holds the Excel error {value.strip()}: give a value (a wotsim formula is text "
                             f"without a leading '=')")
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)) and kind != "text":
        raise CellValueError(f"holds a date or time ({value}); format the cell as a number or text")
    if kind == "text":
        return text_of(value)
    if kind in ("number", "int"):
        number = _number(value, mark, "a whole number" if kind == "int" else "a number")
        if kind == "int" and not isinstance(number, int):
            raise CellValueError(f"must be a whole number, got {shown(value)}")
        return number
    if kind == "formula":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number(value, mark, "a number")
        text = text_of(value)
        number = parse_number(text, mark)
        return text if number is None else number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = text_of(value).lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise CellValueError(f"must be true or false, got {shown(value)}")
    if kind == "list":
        return _items(value, mark)
    if kind == "selection":
        if isinstance(value, str) and value.strip().lower() == "all":
            return "all"
        return [text_of(x) for x in _items(value, mark)]
    if kind == "names":
        names = [text_of(x) for x in _items(value, mark)]
        return names[0] if len(names) == 1 and not str(value).strip().startswith("[") else names
    if kind == "any":
        if isinstance(value, str) and value.strip().startswith("[") and value.strip().endswith("]"):
            return _items(value, mark)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return _scalar(value, mark)
    raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
