"""Compact number formats shared by the printed tables and the report."""

from __future__ import annotations

__all__ = ["money", "value"]


def money(x: float, *, minus: str = "-") -> str:
    """An amount in compact form: ``-1.67M``, ``305k``, ``950``; ``n/a`` for NaN."""
    if x != x:
        return "n/a"
    sign = minus if x < 0 else ""
    x = abs(x)
    if x == float("inf"):
        return f"{sign}inf"
    # the smallest unit whose rounded figure stays below 1000: 999,999.5 is 1.00M, never 1000k
    if x < 999.5:
        return f"{sign}{x:.0f}"
    if x < 999_500:
        return f"{sign}{x / 1e3:.0f}k"
    return f"{sign}{x / 1e6:.2f}M"


def value(x: float, measure: str, *, minus: str = "-") -> str:
    """A ratio to three decimals, anything else as :func:`money`."""
    if x != x:
        return "n/a"
    return f"{x:.3f}" if measure == "ratio" else money(x, minus=minus)
