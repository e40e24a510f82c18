"""Compact number formats of the printed tables and the report."""

import math

import pytest

from wotsim.formatting import money, value


@pytest.mark.parametrize("x, text", [
    (0.0, "0"), (999.4, "999"), (999.6, "1k"), (1500, "2k"), (305_032, "305k"), (999_499, "999k"),
    (999_999.5, "1.00M"), (1_666_506, "1.67M"), (-1_666_506, "-1.67M"), (math.inf, "inf"), (-math.inf, "-inf"),
    (math.nan, "n/a"),
])
def test_money(x, text):
    assert money(x) == text


def test_value_and_minus_sign():
    assert value(1.05, "ratio") == "1.050"
    assert value(-250_000, "npv", minus="\u2212") == "\u2212250k"
