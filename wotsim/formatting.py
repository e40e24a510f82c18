"""Number formats: the one place that says how wotsim prints a number.

The terminal tables (:mod:`wotsim.report.text`), the HTML report and the robustness
statements all print through these functions, so one quantity reads the same
everywhere.  Two styles of amount:

* **compact** (tables): :func:`money` -> ``305k``, ``-1.67M``, ``950``;
* **full** (sentences): :func:`amount` -> ``EUR 1,234,567``, ``EUR 4.56``, ``-EUR 1,234``.

:func:`value`, :func:`signed` and :func:`standard_error` pick the style by measure:
a ratio to a fixed number of decimals, an NPV or amount as money.  :func:`number`
prints a parameter's value, :func:`probability` and :func:`percent` a probability
with its Monte Carlo standard error.  Undefined values (NaN) print as ``n/a``
(all but the probabilities, which are always defined).  ``minus`` replaces the
ASCII hyphen in front of a negative number (the report uses U+2212).  Nothing
here imports numpy at load time: the command line imports this module before
argparse runs.

**Figures** print through the same module: :func:`figure_value`, :func:`figure_number`,
:func:`probability`, :func:`percent`, :func:`fixed`, :func:`count` and :func:`written` (a number as a
setting writes it), each with ``lang``.

**Languages.**  The functions that print a number take ``lang`` (``"en"``, the default,
prints exactly what they always printed).  In another language the same rules choose the
digits, and :mod:`wotsim.i18n` prints them with the locale's symbols from Babel's CLDR data
(:func:`wotsim.i18n.localise_number`: ``1,234.5`` -> ``1.234,5``), and a value that rounds to
zero prints without its sign (``0,000``, never ``-0,000``); an amount with its
currency takes the locale's currency pattern (``EUR 1,234`` -> ``€ 1.234``,
:func:`wotsim.i18n.format_currency`), and a compact amount is written out below a million
and with the suffix of CLDR's short form above (``305k`` -> ``305.000``, ``-1.67M`` ->
``-1,67 mln.``: Dutch readers do not use "k").
"""

from __future__ import annotations

import math

from .i18n import (DEFAULT_LANGUAGE, format_currency, format_decimal, format_money, format_percent,
                   localise_number)

__all__ = ["MINUS", "amount", "count", "currency_symbol", "figure_number", "fit_text", "figure_value", "fixed",
           "lower_first", "money", "money_rounded", "money_scale", "number", "percent", "percentile_name",
           "percentile_rank", "plus_minus", "probability", "round_significant", "share_pm", "share_text", "significant",
           "signed", "standard_error", "value", "written"]

#: The typographic minus sign the HTML report and the figures use.
MINUS = "\u2212"


def money(x: float, *, minus: str = "-", lang: str = DEFAULT_LANGUAGE) -> str:
    """An amount in compact form: ``-1.67M``, ``305k``, ``950``; ``n/a`` for NaN.

    The smallest unit whose rounded figure stays below 1000: 999.5 is ``1k`` and 999,999.5
    is ``1.00M``, never ``1000k``.  ``-0.0`` prints ``0``, ``-0.3`` prints ``-0``.
    In another ``lang`` the same rounding, written out below a million (``305.000``) and in
    CLDR's short form above (``-1,67 mln.``).
    """
    if lang != DEFAULT_LANGUAGE:
        return _money_local(x, minus, lang)
    if x != x:
        return "n/a"
    sign = minus if x < 0 else ""
    x = abs(x)
    if x == math.inf:
        return f"{sign}inf"
    if x < 999.5:
        return f"{sign}{x:.0f}"
    if x < 999_500:
        return f"{sign}{x / 1e3:.0f}k"
    return f"{sign}{x / 1e6:.2f}M"


def amount(x: float, currency: str = "", *, sign: bool = False, whole: bool = False, minus: str = "-",
           lang: str = DEFAULT_LANGUAGE) -> str:
    """An amount in full: ``EUR 1,234,567``; ``EUR 4.56`` (three significant digits below 100); ``EUR 0``.

    The sign stands in front of the currency (``-EUR 1,234``; with ``sign=True`` also
    ``+EUR 1,234``); without a currency just the number (``1,234``, a standard error).
    ``whole``: whole units throughout (``EUR 5``; the columns of a table).  ``n/a`` for
    NaN, ``EUR inf`` for infinity.  In another ``lang`` the locale's currency pattern
    (``€ 1.234.567``, ``€ -1.234``, ``€ +1.234``; module docstring).
    """
    if x != x:
        return localise_number("n/a", lang)
    lead = minus if x < 0 else "+" if sign else ""
    x = abs(x)
    text = f"{x:,.0f}" if whole or x >= 100 or x == 0 else f"{x:.3g}"
    if lang != DEFAULT_LANGUAGE and currency:
        shown = float(text.replace(",", "")) if math.isfinite(x) else x
        return format_currency(-shown if lead and lead != "+" else shown, currency, lang, _decimals(text),
                               sign=lead == "+", minus=minus)
    text = localise_number(text, lang)
    return f"{lead}{currency} {text}" if currency else f"{lead}{text}"


def _decimals(text: str) -> int:
    """The decimals of a number printed in English (``"1,234.50"`` -> 2; ``"1e-05"``, ``"12"`` -> 0)."""
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0


def _money_local(x: float, minus: str, lang: str) -> str:
    """:func:`money` in a language other than English (its docstring)."""
    if x != x or not math.isfinite(x):
        return localise_number(money(x, minus=minus), lang)
    sign = minus if x <= -0.5 else ""  # never "-0"
    x = abs(x)
    if x < 999_500:
        return localise_number(f"{sign}{x:.0f}" if x < 999.5 else f"{sign}{x / 1e3:.0f},000", lang)
    return localise_number(f"{sign}{x / 1e6:,.2f}", lang) + _million(lang)


def _million(lang: str) -> str:
    """What follows a number of millions in ``lang``: the suffix of CLDR's short compact pattern (`` mln.``)."""
    from babel import Locale

    pattern = Locale.parse(lang).compact_decimal_formats["short"]["other"]["1000000"]
    return pattern.suffix[0].replace("'", "")


def _ratio(x: float, digits: int, minus: str, plus: bool) -> str:
    text = f"{x:+.{digits}f}" if plus else f"{x:.{digits}f}"
    return text.replace("-", minus, 1) if minus != "-" else text


def value(x: float, measure: str, *, digits: int = 3, full: bool = False, currency: str = "",
          minus: str = "-", lang: str = DEFAULT_LANGUAGE) -> str:
    """An output's value: a ratio to ``digits`` decimals (``1.050``), anything else as money.

    Money is compact (:func:`money`) unless ``full`` (:func:`amount`, with ``currency``).
    ``n/a`` for NaN.  ``lang``: the module docstring (``1,050``).
    """
    if x != x:
        return localise_number("n/a", lang)
    if measure == "ratio":
        if lang != DEFAULT_LANGUAGE and round(x, digits) == 0:  # never "-0,000"
            x = 0.0
        return localise_number(_ratio(x, digits, minus, plus=False), lang)
    return amount(x, currency, minus=minus, lang=lang) if full else money(x, minus=minus, lang=lang)


def signed(x: float, measure: str, *, digits: int = 3, full: bool = False, currency: str = "",
           minus: str = "-", lang: str = DEFAULT_LANGUAGE) -> str:
    """A difference, always with its sign: ``+0.012``, ``-0.300``, ``+305k``, ``-EUR 1,234``; ``n/a`` for NaN.

    As :func:`value`; a compact amount that is 0 or -0.0 reads ``+0``.
    """
    if x != x:
        return localise_number("n/a", lang)
    if measure == "ratio":
        if lang != DEFAULT_LANGUAGE and round(x, digits) == 0:  # "+0,000", never "-0,000"
            x = 0.0
        return localise_number(_ratio(x, digits, minus, plus=True), lang)
    if full:
        return amount(x, currency, sign=True, minus=minus, lang=lang)
    text = money(x, minus=minus, lang=lang)
    return f"+{text}" if x >= 0 else text


def standard_error(x: float, measure: str, *, full: bool = False, lang: str = DEFAULT_LANGUAGE) -> str:
    """A standard error: of a ratio to two significant digits, positional (``0.0041``, ``0.00012``, ``0.1``),
    so that a small one never prints as ``0.000``; of money as money (:func:`money`, or the
    whole number of :func:`amount` if ``full``); ``n/a`` for NaN.
    """
    if x != x:
        return localise_number("n/a", lang)
    if measure == "ratio":
        import numpy as np  # only when a ratio's standard error is printed: the CLI imports this module early

        return localise_number(np.format_float_positional(x, precision=2, unique=False, fractional=False,
                                                          trim="-"), lang)
    return amount(x, whole=True, lang=lang) if full else money(x, lang=lang)


def number(x: float, *, compact: bool = False, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter's value: four significant digits, thousands separated, never an exponent.

    ``0.3000``, ``12.35``, ``12,345``, ``1,234,567``; ``0``, ``inf``, ``n/a`` for NaN (a
    sentence).  ``compact`` (a table column): trailing zeros dropped below 10,000 (``0.3``,
    ``2328``, ``3``, ``0.00001234``), compact money from there on (``31k``, as :func:`money`).
    ``lang``: the module docstring (``0,3000``, ``12.345``, ``31.000``).
    """
    if lang != DEFAULT_LANGUAGE:
        if compact and abs(x) >= 9999.5:
            return money(x, lang=lang)
        return localise_number(number(x, compact=compact), lang)
    if x != x:
        return "n/a"
    if compact:
        if abs(x) >= 9999.5:  # what rounds to 10,000 or more
            return money(x)
        return f"{x:.4g}" if x == 0 or abs(x) >= 1e-4 else number(x).rstrip("0")
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
    return f"{x:,.{digits}f}"


def lower_first(text: str) -> str:
    """A label inside a sentence: its first letter lower-cased, unless it starts with an acronym (two
    capitals: ``QALY gain``, ``NPV``, ``WOT staff`` stay; ``Households supported`` becomes ``households supported``)."""
    return text if text[:2].isalpha() and text[:2].isupper() else text[:1].lower() + text[1:]


def percentile_rank(p: float) -> int:
    """A share ``p`` as a whole percentile, 1 to 99 inside (0, 1): a limit inside the range never reads 0 or 100."""
    return min(99, max(1, int(round(100 * p)))) if 0 < p < 1 else int(round(100 * p))


def significant(x: float, digits: int = 3, lang: str = DEFAULT_LANGUAGE, *, minus: str = "-") -> str:
    """A value in a sentence to ``digits`` significant figures, thousands separated, never an exponent.

    ``2,810`` (2809.3), ``0.427``, ``0.0106``, ``1``, ``1.05``, ``-3,460``; ``n/a`` for NaN.
    ``lang``: the locale's symbols (``2.810``, ``0,427``); ``minus``: the sign of a negative number.
    """
    if lang != DEFAULT_LANGUAGE or minus != "-":
        return localise_number(significant(x, digits), lang).replace("-", minus)
    if x != x:
        return "n/a"
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    rounded = float(f"{x:.{digits}g}")
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(rounded)))))
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def probability(p: float, se: float | None = None, *, digits: int = 3, lang: str = DEFAULT_LANGUAGE) -> str:
    """A probability to ``digits`` decimals, with its standard error to three: ``0.812 ± 0.003``; in another
    ``lang`` Babel's (:func:`wotsim.i18n.format_decimal`: ``0,812 ± 0,003``; ``n.v.t.`` alone for NaN)."""
    if lang != DEFAULT_LANGUAGE:
        text = format_decimal(p, lang, digits)
        return text if se is None or p != p else f"{text} ± {format_decimal(se, lang, 3)}"
    return f"{p:.{digits}f}" if se is None else f"{p:.{digits}f} ± {se:.3f}"


def percent(p: float, se: float | None = None, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """A share as a whole percentage, with its standard error to a tenth: ``81%``, ``81% ± 0.3%``; in another
    ``lang`` Babel's (:func:`wotsim.i18n.format_percent`: ``81%``, ``81% ± 0,3%``; ``n.v.t.`` alone for NaN)."""
    if lang != DEFAULT_LANGUAGE:
        text = format_percent(p, lang, 0)
        return text if se is None or p != p else f"{text} ± {format_percent(se, lang, 1)}"
    return f"{p:.0%}" if se is None else f"{p:.0%} ± {se:.1%}"


def count(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with the locale's grouping: ``12,345`` / ``12.345``."""
    return f"{n:,}" if lang == DEFAULT_LANGUAGE else format_decimal(n, lang, 0)


def fixed(x: float, digits: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """``x`` to ``digits`` decimals: ``0.812`` (as ``f"{x:.3f}"``); in another ``lang`` Babel's, with the
    typographic minus and never a signed zero (``0,812``, ``−0,038``, ``0,000``)."""
    return f"{x:.{digits}f}" if lang == DEFAULT_LANGUAGE else format_decimal(x, lang, digits, minus=MINUS)


def written(x: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A setting or a config's number as written (``f"{x:g}"``: ``0.05``, ``90``, ``1.05``); in another ``lang``
    to six significant figures with the locale's symbols and the typographic minus (``0,05``)."""
    return f"{x:g}" if lang == DEFAULT_LANGUAGE else significant(x, 6, lang, minus=MINUS)


# --------------------------------------------------------------------------- figures
# Figures print money on their own scale (units up to 10,000, then thousands, then millions), with the
# currency symbol and the typographic minus; they share the ratio and probability rules above.
def fit_text(text: object, width: int) -> str:
    """User text on one line (each run of white space one space), cut to ``width`` characters with " …".

    Keeps a figure's size bounded whatever a config or results file holds (labels, currency codes).
    """
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[:width - 2].rstrip() + " …"


def money_scale(magnitude: float) -> tuple[float, str]:
    """``(scale, word)`` for amounts up to ``magnitude``: millions from 10^6, thousands from 10^4, else units."""
    if magnitude >= 1e6:
        return 1e6, "million "
    if magnitude >= 1e4:
        return 1e3, "thousand "
    return 1.0, ""


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_SUFFIX = {1e6: "M", 1e3: "k", 1.0: ""}


def currency_symbol(currency: str) -> str:
    """What goes before an amount: ``€`` for EUR, ``$`` for USD, ``£`` for GBP, else the code and a space."""
    return _SYMBOLS.get(currency, f"{fit_text(currency, 12)} " if currency else "")


def figure_value(measure: str, x: float, currency: str = "", lang: str = DEFAULT_LANGUAGE) -> str:
    """A value of a measure (``"ratio"``, ``"npv"``, ``"amount"``) in a figure: a ratio to three decimals
    (:func:`value`), money as e.g. ``€251k``, ``−€1.67M``, ``€5,000``; ``n/a`` if not finite.

    Money keeps the figures' own scale (:func:`money_scale`: units up to 10,000) with thousands
    separators and the currency symbol; the typographic minus throughout.  In another ``lang``
    a ratio as Babel prints it (``1,050``) and money to the same places as in English (whole
    units below 10,000, thousands below a million, then hundredths of millions) in the locale's
    currency pattern and short form (:func:`wotsim.i18n.format_money`: ``€ 5.000``, ``€ 251.000``,
    ``−€ 1,67 mln.``).
    """
    if lang != DEFAULT_LANGUAGE:
        return _figure_value_local(measure, x, currency, lang)
    if not math.isfinite(x):
        return "n/a"
    if measure == "ratio":
        return value(x, "ratio", minus=MINUS)
    scale, _word = money_scale(abs(x))
    suffix = _SUFFIX[scale]
    digits = 2 if scale == 1e6 else 0
    symbol = currency_symbol(currency)
    sign = MINUS if x < 0 else ""
    return f"{sign}{symbol}{abs(x) / scale:,.{digits}f}{suffix}"


def _figure_value_local(measure: str, x: float, currency: str, lang: str) -> str:
    """:func:`figure_value` in a language other than English (its docstring)."""
    if not math.isfinite(x):
        return localise_number("n/a", lang)
    if measure == "ratio":
        return format_decimal(x, lang, 3, minus=MINUS)
    if abs(x) >= 1e6:
        figures = len(f"{abs(x) // 1e6:.0f}") + 2
    else:
        x = float(round(x, -3 if abs(x) >= 1e4 else 0))
        figures = len(f"{abs(x):.0f}")
    if currency:
        return format_money(x, fit_text(currency, 12), lang, figures, minus=MINUS)
    return significant(x, figures, lang, minus=MINUS)


def figure_number(x: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter value: thousands separators above 1,000, else three significant digits (in another ``lang``
    with the locale's symbols: ``2.810``, ``0,427``); the typographic minus."""
    if not math.isfinite(x):
        return localise_number("n/a", lang)
    if lang != DEFAULT_LANGUAGE:
        return format_decimal(x, lang, 0, minus=MINUS) if abs(x) >= 1000 else significant(x, 3, lang, minus=MINUS)
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return text.replace("-", MINUS)


def percentile_name(p: float) -> str:
    """A percentile as figures name it: ``p5``, ``p95``, ``p0.5``."""
    return f"p{p:.0f}" if 1.0 <= p <= 99.0 else f"p{p:.1f}"


def plus_minus(x: float, se: float, *, measure: str = "ratio", currency: str = "", signed: bool = False,
               minus: str = MINUS, lang: str = DEFAULT_LANGUAGE) -> str:
    """``x ± se`` with the standard error to one significant digit and ``x`` to the same decimal place.

    Ratios and probabilities keep at least three decimals; money shares one scale
    (``−€212k ± €3k``).  A zero standard error is left out, and so is one too small to show in six decimals
    (rounding noise of a difference that is the same in every draw).  ``minus``: the sign of a
    negative number (``"-"`` in terminal text).  In another ``lang`` the same digits with the
    locale's symbols (``−0,0381 ± 0,0004``), and money in full, rounded to the error's place,
    with the locale's currency pattern and short form (``€ −212.000 ± € 3.000``, ``1,67 mln.``).
    """
    if not (math.isfinite(x) and math.isfinite(se)):
        return localise_number("n/a", lang)
    if lang != DEFAULT_LANGUAGE and measure != "ratio":
        return _plus_minus_money(x, se, currency, signed, minus, lang)
    money = measure != "ratio"
    scale, _word = money_scale(max(abs(x), abs(se))) if money else (1.0, "")
    suffix = _SUFFIX[scale] if money else ""
    symbol = currency_symbol(currency) if money else ""
    least = 0 if money else 3
    decimals = least if se <= 0 else min(max(least, -math.floor(math.log10(se / scale))), 6)
    if se > 0 and round(se / scale, decimals) == 0:  # below the last decimal shown: rounding noise, as if 0
        se, decimals = 0.0, least

    def one(v: float, sign: bool) -> str:
        lead = ("+" if v >= 0 else minus) if sign else (minus if v < 0 else "")
        return localise_number(f"{lead}{symbol}{abs(v) / scale:,.{decimals}f}{suffix}", lang)

    return one(x, signed) if se <= 0 else f"{one(x, signed)} ± {one(se, False)}"


def _plus_minus_money(x: float, se: float, currency: str, signed: bool, minus: str, lang: str) -> str:
    """:func:`plus_minus` of money in a language other than English: both amounts in full (:func:`amount`),
    rounded to the error's decimal place (``€ −212.000 ± € 3.000``)."""
    error = round_significant(se, 1) if se > 0 and round(se, 6) > 0 else 0.0
    place = min(0, -math.floor(math.log10(error))) if error > 0 else 0

    def one(v: float, sign: bool) -> str:
        return amount(round(v, place) + 0.0, currency, sign=sign, whole=True, minus=minus, lang=lang)

    return one(x, signed) if se <= 0 else f"{one(x, signed)} ± {one(error, False)}"


# --------------------------------------------------------------------------- summaries for people
# The council page and the terminal summary round to what is known: money to two significant
# figures, probabilities as percentages with no more digits than the evidence carries, a
# standard error to one significant figure with the estimate rounded to match.  Full precision
# stays in the tables and files.
def round_significant(x: float, digits: int = 2) -> float:
    """``x`` rounded to ``digits`` significant figures (0 and non-finite values unchanged)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def money_rounded(x: float, currency: str = "EUR", *, digits: int = 2, minus: str = MINUS) -> str:
    """Money to ``digits`` significant figures, in words above a million: ``€190,000``, ``€1.2 million``,
    ``−€45,000``, ``€0``; ``n/a`` if not finite."""
    if not math.isfinite(x):
        return "n/a"
    r = round_significant(x, digits)
    sign, symbol, r = (minus if r < 0 else ""), currency_symbol(currency), abs(r)
    if r >= 1e6:
        return f"{sign}{symbol}{significant(r / 1e6, digits)} million"
    return f"{sign}{symbol}{r:,.{max(0, digits - 1 - int(math.floor(math.log10(r))))}f}" if 0 < r < 1 else \
        f"{sign}{symbol}{r:,.0f}"


def share_text(p: float, lang: str = "en") -> str:
    """A probability as a percentage without false precision: whole percents from 1% to 99%, one decimal
    beyond (``0.4%``, ``99.6%``), ``< 0.1%`` / ``> 99.9%`` before 0 and 1 themselves (``0%``, ``100%``);
    in the locale of ``lang`` (:func:`wotsim.i18n.format_percent`: ``57,4%`` in Dutch)."""
    from .i18n import format_percent

    if p != p:
        return localise_number("n/a", lang)
    if p in (0, 1):
        return format_percent(p, lang, 0)
    if p < 0.001:
        return "< " + format_percent(0.001, lang, 1)
    if p > 0.999:
        return "> " + format_percent(0.999, lang, 1)
    return format_percent(p, lang, 0 if 0.01 <= p <= 0.99 else 1)


def share_pm(p: float, se: float, lang: str = "en") -> str:
    """A probability with its standard error: the error to one significant figure (in percentage points)
    and the estimate to the same decimal place, ``57.4% ± 0.4%``, ``14% ± 2%``; the bare :func:`share_text`
    when the error is below 0.05 points or the estimate is within it of 0 or 1 (``> 99.9%``, never
    ``100% ± 0.0%``); the estimate alone, to the error's decimal, when the error rounds to nothing there
    (``4.5%``, never ``4.5% ± 0.0%``)."""
    from .i18n import format_percent

    if p != p or se != se:
        return localise_number("n/a", lang)
    points = 100 * se
    if points < 0.05 or p < 0.001 or p > 0.999 or p - se <= 0 or p + se >= 1:
        return share_text(p, lang)
    decimals = min(max(0, -int(math.floor(math.log10(points)))), 1)
    error = format_percent(round_significant(se, 1), lang, decimals)
    if not any(c in "123456789" for c in error):  # 0.05 points rounds to "0.0%": the estimate alone, never "± 0.0%"
        return format_percent(p, lang, decimals)
    return f"{format_percent(p, lang, decimals)} ± {error}"
