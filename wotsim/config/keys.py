"""Checkers of a config's keys and values, shared by every part of the config layer.

Each takes a :class:`Ctx` (the file being validated and the table being read) and the
dotted key, and raises a :class:`~wotsim.errors.ConfigError` naming both, what is allowed
and the value seen: unknown keys (with a did-you-mean :func:`hint`), tables, strings,
whole numbers, finite numbers, booleans, names and formulas of known names.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Mapping

from ..errors import ConfigError
from .expressions import FUNCTIONS, Expression, ExpressionError, compile_expression, shown

__all__ = ["NAME", "Ctx", "check_keys", "check_name", "finite_number", "formula", "get_bool", "get_int", "get_str",
           "get_table", "hint", "listing", "number_text"]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # used with fullmatch: "$" would accept a final newline


class Ctx:
    """The file being validated, for errors that name it and a dotted key."""

    def __init__(self, file: str):
        self.file = file
        #: The table being validated (``parameters.x``, ``items.gain``, ...), named by the last-resort error.
        self.at: str | None = None

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, key=key)


def hint(name: str, allowed: Any) -> str:
    """`` (did you mean 'x'?)`` when ``name`` is close to one of ``allowed``, else ""."""
    match = difflib.get_close_matches(str(name), list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def listing(names: Any, limit: int = 20) -> str:
    """Names for a message, comma separated; the first ``limit`` and a count when there are more."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... ({len(names):,} in all)"


def check_keys(ctx: Any, table: Mapping[str, Any], allowed: Any, prefix: str) -> None:
    """Refuse a key of ``table`` not in ``allowed`` (``ctx``: anything with an ``error(key, message)`` method)."""
    for key in table:
        if key not in allowed:
            raise ctx.error(
                f"{prefix}.{key}" if prefix else key,
                f"unknown key{hint(key, allowed)}; allowed: {', '.join(allowed)}",
            )


def get_table(ctx: Ctx, data: Mapping[str, Any], key: str, dotted: str, required: bool = False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise ctx.error(dotted, "is required (a table)")
        return {}
    if not isinstance(value, dict):
        raise ctx.error(dotted, f"must be a table, got {shown(value)}")
    return value


def get_str(ctx: Ctx, table: Mapping[str, Any], key: str, dotted: str, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise ctx.error(dotted, "is required (a string)")
        return default
    value = table[key]
    if not isinstance(value, str):
        raise ctx.error(dotted, f"must be a string, got {shown(value)}")
    return value


def get_int(ctx: Ctx, table: Mapping[str, Any], key: str, dotted: str, default: int | None = None,
            minimum: int | None = None, maximum: int | None = 2**53, why: str = "") -> int:
    """A whole number in [minimum, maximum] (default at most 2**53: every count is exact as a float)."""
    if key not in table:
        if default is None:
            raise ctx.error(dotted, "is required (a whole number)")
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(dotted, f"must be a whole number, got {shown(value)}")
    if minimum is not None and value < minimum:
        raise ctx.error(dotted, f"must be >= {minimum}, got {shown(value)}")
    if maximum is not None and value > maximum:
        limit = "2**53" if maximum == 2**53 else f"{maximum:,}"
        raise ctx.error(dotted, f"must be at most {limit}{f' ({why})' if why else ''}, got {shown(value)}")
    return value


def finite_number(ctx: Ctx, value: Any, dotted: str, rule: str) -> float:
    """``value`` as a float, or ``must be {rule}, got ...`` if it is not a finite float (nan, inf, 10**400)."""
    try:
        number = math.nan if isinstance(value, bool) or not isinstance(value, (int, float)) else float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not math.isfinite(number):
        raise ctx.error(dotted, f"must be {rule}, got {shown(value)}")
    return number


def get_bool(ctx: Ctx, table: Mapping[str, Any], key: str, dotted: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ctx.error(dotted, f"must be true or false, got {shown(value)}")
    return value


def check_name(ctx: Ctx, name: str, dotted: str) -> None:
    if not NAME.fullmatch(name):
        raise ctx.error(dotted, f"must be a name of letters, digits and underscores not starting with a digit, got {shown(name)}")
    if name in FUNCTIONS:
        raise ctx.error(dotted, f"{shown(name)} is a function name and cannot name a parameter")


def formula(ctx: Ctx, text: Any, key: str, known: set[str]) -> Expression:
    """A compiled formula (a number or text) that reads only ``known`` names."""
    try:
        expr = compile_expression(text)
    except ExpressionError as exc:
        message = str(exc)
        if repr(text) not in message:  # name the value, as every config error does
            message = f"{message}; got {shown(text)}"
        raise ctx.error(key, message) from None
    unknown = sorted(expr.names - known)
    if unknown:
        name = unknown[0]
        names = listing(sorted(known)) if known else "(none defined)"
        raise ctx.error(key, f"unknown name {shown(name)}{hint(name, known)} in {shown(text)}; known names: {names}")
    return expr


def number_text(x: float) -> str:
    """A number for a message: whole amounts with thousands separators, else 6 significant digits."""
    if math.isfinite(x) and abs(x) >= 1e4 and x == round(x):
        return f"{x:,.0f}"
    return f"{x:.6g}"
