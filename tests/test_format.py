"""Number formats of the printed tables, the report and the statements (wotsim.formatting): one truth table per
function, with the edges (NaN, infinities, -0.0, the rounding boundaries 999.5 and 999,999.5, negatives)."""

import math

import pytest

from wotsim.formatting import MINUS, amount, money, number, percent, probability, signed, standard_error, value

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("x, text", [
    (0.0, "0"), (-0.0, "0"), (0.3, "0"), (-0.3, "-0"), (4.567, "5"), (999.4, "999"), (999.5, "1k"), (999.6, "1k"),
    (-999.5, "-1k"), (1500, "2k"), (305_032, "305k"), (999_499, "999k"), (999_500, "1.00M"), (999_999.5, "1.00M"),
    (1_666_506, "1.67M"), (-1_666_506, "-1.67M"), (INF, "inf"), (-INF, "-inf"), (NAN, "n/a"),
])
def test_money(x, text):
    assert money(x) == text


@pytest.mark.parametrize("x, text", [
    (0.0, "EUR 0"), (-0.0, "EUR 0"), (0.3, "EUR 0.3"), (-0.3, "-EUR 0.3"), (0.04567, "EUR 0.0457"),
    (4.567, "EUR 4.57"), (99.96, "EUR 100"), (100, "EUR 100"), (999.4, "EUR 999"), (999.5, "EUR 1,000"),
    (-999.5, "-EUR 1,000"), (999_999.5, "EUR 1,000,000"), (-1_666_506, "-EUR 1,666,506"), (INF, "EUR inf"),
    (-INF, "-EUR inf"), (NAN, "n/a"),
])
def test_amount(x, text):
    assert amount(x, "EUR") == text
    assert amount(x) == text.replace("EUR ", "")  # without a currency: the number (a standard error)


@pytest.mark.parametrize("x, text", [
    (0.0, "EUR 0"), (0.3, "EUR 0"), (-0.3, "-EUR 0"), (4.567, "EUR 5"), (999.5, "EUR 1,000"),
    (-1_666_506.4, "-EUR 1,666,506"), (INF, "EUR inf"), (NAN, "n/a"),
])
def test_amount_whole(x, text):
    assert amount(x, "EUR", whole=True) == text  # a table column: whole units


@pytest.mark.parametrize("x, text", [
    (0.0, "+EUR 0"), (-0.0, "+EUR 0"), (-0.3, "-EUR 0.3"), (999.5, "+EUR 1,000"), (-1_666_506, "-EUR 1,666,506"),
    (INF, "+EUR inf"), (NAN, "n/a"),
])
def test_amount_signed(x, text):
    assert amount(x, "EUR", sign=True) == text


@pytest.mark.parametrize("x, ratio, npv", [
    (0.0, "0.000", "0"), (-0.0, "-0.000", "0"), (1.05, "1.050", "1"), (-0.3, "-0.300", "-0"),
    (999.5, "999.500", "1k"), (999_999.5, "999999.500", "1.00M"), (-1_666_506, "-1666506.000", "-1.67M"),
    (INF, "inf", "inf"), (-INF, "-inf", "-inf"), (NAN, "n/a", "n/a"),
])
def test_value(x, ratio, npv):
    assert value(x, "ratio") == ratio
    assert value(x, "npv") == npv
    assert value(x, "amount") == npv


@pytest.mark.parametrize("x, ratio, npv", [
    (0.0, "+0.000", "+0"), (-0.0, "-0.000", "+0"), (0.012, "+0.012", "+0"), (-0.3, "-0.300", "-0"),
    (999.5, "+999.500", "+1k"), (-999_999.5, "-999999.500", "-1.00M"), (INF, "+inf", "+inf"),
    (-INF, "-inf", "-inf"), (NAN, "n/a", "n/a"),
])
def test_signed(x, ratio, npv):
    assert signed(x, "ratio") == ratio
    assert signed(x, "npv") == npv


def test_digits_full_amounts_and_the_minus_sign():
    assert value(1.05, "ratio", digits=2) == "1.05"
    assert signed(0.0123, "ratio", digits=2) == "+0.01"
    assert value(-250_000, "npv", minus=MINUS) == "\u2212250k"
    assert value(-0.5, "ratio", minus=MINUS) == "\u22120.500"
    assert signed(-0.5, "ratio", minus=MINUS) == "\u22120.500"
    assert value(-1234.4, "npv", full=True, currency="EUR") == "-EUR 1,234"
    assert signed(1234.4, "npv", full=True, currency="EUR") == "+EUR 1,234"
    assert value(-1234.4, "npv", full=True, currency="EUR", minus=MINUS) == "\u2212EUR 1,234"


@pytest.mark.parametrize("x, ratio, npv, full", [
    (0.0, "0", "0", "0"), (0.0041234, "0.0041", "0", "0"), (0.000123, "0.00012", "0", "0"),
    (0.1, "0.1", "0", "0"), (0.999, "1", "1", "1"), (12.3, "12", "12", "12"), (999.5, "1000", "1k", "1,000"),
    (123_456.0, "120000", "123k", "123,456"), (999_999.5, "1000000", "1.00M", "1,000,000"),
    (INF, "inf", "inf", "inf"), (NAN, "n/a", "n/a", "n/a"),
])
def test_standard_error(x, ratio, npv, full):
    assert standard_error(x, "ratio") == ratio  # two significant digits, never 0.000 for a small one
    assert standard_error(x, "npv") == npv
    assert standard_error(x, "npv", full=True) == full


@pytest.mark.parametrize("x, text", [
    (0.0, "0"), (-0.0, "-0"), (0.3, "0.3000"), (0.04567, "0.04567"), (-0.0001234567, "-0.0001235"), (2.5, "2.500"),
    (99.96, "99.96"), (999.5, "999.5"), (-999.5, "-999.5"), (9_999.5, "10,000"), (12_345.4, "12,345"),
    (999_999.5, "1,000,000"), (-1_666_506, "-1,666,506"), (INF, "inf"), (-INF, "-inf"), (NAN, "n/a"),
])
def test_number(x, text):
    assert number(x) == text


@pytest.mark.parametrize("x, text", [
    (0.0, "0"), (-0.0, "-0"), (0.3, "0.3"), (0.04567, "0.04567"), (-0.00001234, "-0.00001234"), (3.0, "3"),
    (2328.4, "2328"), (9_999.4, "9999"),
    (9_999.5, "10k"), (31_355, "31k"), (-65_587, "-66k"), (999_999.5, "1.00M"), (INF, "inf"), (-INF, "-inf"),
    (NAN, "n/a"),
])
def test_number_compact(x, text):
    assert number(x, compact=True) == text  # a table column


@pytest.mark.parametrize("p, se, digits, text", [
    (0.81234, None, 3, "0.812"), (0.81234, 0.00321, 3, "0.812 ± 0.003"), (0.81234, 0.00321, 2, "0.81 ± 0.003"),
    (0.0, 0.0, 3, "0.000 ± 0.000"), (1.0, 0.0, 3, "1.000 ± 0.000"), (0.9995, 0.0004, 3, "1.000 ± 0.000"),
])
def test_probability(p, se, digits, text):
    assert probability(p, se, digits=digits) == text


@pytest.mark.parametrize("p, se, text", [
    (0.8123, None, "81%"), (0.8123, 0.0032, "81% ± 0.3%"), (1.0, 0.0, "100% ± 0.0%"), (0.0, None, "0%"),
    (0.995, 0.0004, "100% ± 0.0%"),
])
def test_percent(p, se, text):
    assert percent(p, se) == text


def test_importing_the_formats_imports_no_numpy():
    import subprocess
    import sys

    code = "import sys, wotsim.formatting; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
