"""Languages: the report's messages in English or Dutch, locale number formats, and labels from ids.

A base module: every layer may import it, and it loads nothing heavy (gettext is the
standard library's; Babel is imported on the first number formatted).

**Messages** go through GNU gettext (:mod:`gettext`), with English source strings as
message ids and the catalogues shipped in the package (domain ``wotsim``: ``locale/<lang>/LC_MESSAGES/``
holds the ``.po`` a translator edits and the ``.mo`` compiled from it; ``pyproject.toml`` lists both
as package data)::

    from ..i18n import N_, ngettext, translator
    _ = translator(lang)
    _("{low} to {high}").format(low=..., high=...)       # a message; placeholders in braces
    ngettext("{n} box", "{n} boxes", n, lang).format(n=n)  # a plural (Dutch: nplurals=2)
    WORDS = (N_("robustly better"), ...)                   # marked for extraction, translated later by _()

English (:data:`DEFAULT_LANGUAGE`) needs no catalogue: a message id is its English text.
A message missing from a catalogue prints in English; ``tests/test_i18n.py`` fails for any
message id in the code without a Dutch translation.

Adding or changing a message (the workflow; Babel's ``pybabel`` does the same steps)::

    1. write _("English text") (or N_ in data) in the code;
    2. python scripts/compile_catalogues.py --update  # extract the ids from wotsim/, add the new ones
                                                     # to each .po with an empty translation
    3. translate them in the .po under wotsim/locale/nl/LC_MESSAGES/ (msgstr "...")
    4. python scripts/compile_catalogues.py           # compile the .po to the .mo (both committed)
    5. python scripts/compile_catalogues.py --check   # what the tests check: every id translated,
                                                     # the same {placeholders}, the .mo up to date

Changing an English text changes its id: translate the new id and delete the old entry
(``--update`` lists the ids no longer in the code, and never drops one: an id may be translated
before the code uses it).  Babel's ``pybabel extract``, ``update`` and ``compile`` (domain
``wotsim``, directory ``wotsim/locale``) do the same steps, except that ``update`` comments out
the ids not in the code yet and ``extract`` misses calls inside f-strings (on Python 3.11).

**Numbers** are formatted by Babel from the Unicode CLDR locale data, not by hand-written
rules.  The choices made on top of CLDR:

* :func:`format_decimal` and :func:`format_percent` use the locale's own pattern with a
  fixed number of decimals (``1,05`` / ``1.05``; ``57%`` in both languages: CLDR's Dutch
  pattern has no space before ``%``); a value that rounds to zero prints without a sign
  (never ``-0,00``);
* :func:`format_money` rounds to ``significant`` figures first (a summary quotes what is
  known, not the unit), then prints from a million up in CLDR's short compact form,
  ``€1.2M`` / ``€ 1,2 mln.`` / ``€ 3,4 mld.`` (CLDR's Dutch abbreviations keep their full stop;
  the trailing zeros of the rounded figure are dropped, so 5.0 million reads ``€5M``), and
  below a million in full with the locale's grouping, ``€190,000`` / ``€ 190.000``:
  CLDR's short form for thousands is ``K`` in Dutch too, which Dutch readers do not use;
* the currency pattern is the locale's (Dutch: ``€`` and a no-break space before the amount;
  a negative amount ``€ -190.000`` in full and ``-€ 1,2 mln.`` in compact form, as Babel
  gives them); ``minus`` replaces the ASCII hyphen (the HTML report uses U+2212);
* :func:`format_currency` prints an amount in full with ``digits`` decimals in the locale's currency
  pattern (``€304,835`` / ``€ 304.835``; ``sign=True`` puts a plus where the pattern puts a minus:
  ``€ +304.835``): the amounts of the sentences, which quote a computed figure to the unit;
* :func:`localise_number` re-prints a number :mod:`wotsim.formatting` wrote in English (``-1,234.50``,
  ``0.0041``, ``+0.012``) with the locale's decimal and group symbols from CLDR (``-1.234,50``): the
  rounding rules stay in one place and the languages print the same digits;
* :func:`format_interval` joins two numbers with the catalogue's ``"{low} to {high}"``
  (Dutch ``0,71 tot 1,54``); :func:`ordinal` takes the ordinal category from CLDR
  (``21st`` / ``21e``).

:func:`humanise` turns an id into a label (``extra_capacity_share`` -> ``Extra capacity
share``): the fallback wherever a config gives no label.
"""

from __future__ import annotations

import copy
import functools
import gettext
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import WotsimError

if TYPE_CHECKING:  # pragma: no cover
    from babel.numbers import NumberPattern

__all__ = ["DEFAULT_LANGUAGE", "DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "check_language", "format_currency",
           "format_decimal", "format_interval", "format_money", "format_percent", "humanise", "localise_number",
           "ngettext", "ordinal", "range_words", "translations", "translator"]

#: The languages of the report; the first is the default and the language of the message ids.
LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = LANGUAGES[0]
#: The gettext domain: the catalogues are ``LOCALE_DIR/<lang>/LC_MESSAGES/<DOMAIN>.mo``.
DOMAIN = "wotsim"
LOCALE_DIR = Path(__file__).with_name("locale")


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (data translated later by ``_()``)."""
    return message


#: What a number that is not defined (NaN) prints as, before translation.
_NOT_AVAILABLE = N_("n/a")
#: Two formatted values as a range.
_RANGE = N_("{low} to {high}")


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else a :class:`~wotsim.errors.WotsimError` listing them."""
    if lang not in LANGUAGES:
        raise WotsimError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


@functools.lru_cache(maxsize=None)
def translations(lang: str = DEFAULT_LANGUAGE) -> gettext.NullTranslations:
    """The gettext translations of ``lang`` (``.gettext``, ``.ngettext``, ``.pgettext``), read once.

    English is the identity (the message ids are English).  Raises
    :class:`~wotsim.errors.WotsimError` for an unknown language or a missing catalogue (a
    broken installation: Dutch is never replaced by English without saying so).
    """
    check_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang])
    except OSError:
        raise WotsimError(f"the {lang!r} message catalogue is missing ({LOCALE_DIR / lang / 'LC_MESSAGES'}/"
                          f"{DOMAIN}.mo); reinstall wotsim, or run scripts/compile_catalogues.py") from None


def translator(lang: str = DEFAULT_LANGUAGE) -> Callable[[str], str]:
    """The ``_`` of a language: ``translator("nl")("{low} to {high}") == "{low} tot {high}"``."""
    return translations(lang).gettext


def ngettext(singular: str, plural: str, n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The singular or plural form of a message for the count ``n``, in ``lang``."""
    return translations(lang).ngettext(singular, plural, n)


def humanise(name: str) -> str:
    """An id as a label: underscores to spaces, the first letter upper-case, the rest as written.

    ``extra_capacity_share`` -> ``Extra capacity share``; ``GGZ_referrals`` -> ``GGZ referrals``;
    ``unit value`` -> ``Unit value``; ``""`` -> ``""``.
    """
    text = " ".join(str(name).replace("_", " ").split())
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- numbers (Babel, CLDR)
@functools.lru_cache(maxsize=None)
def _pattern(kind: str, lang: str, digits: int) -> tuple["NumberPattern", object]:
    """The locale's decimal, percent or currency pattern with exactly ``digits`` decimals, and the locale."""
    from babel import Locale  # here: importing wotsim.i18n loads no locale data

    locale = Locale.parse(check_language(lang))
    base = {"decimal": locale.decimal_formats, "percent": locale.percent_formats,
            "currency": locale.currency_formats}[kind]["standard" if kind == "currency" else None]
    pattern = copy.copy(base)
    pattern.frac_prec = (digits, digits)
    return pattern, locale


def _apply(kind: str, x: float, lang: str, digits: int, minus: str, **extra) -> str:
    if x != x:
        return translator(lang)(_NOT_AVAILABLE)
    scale = 100 if kind == "percent" else 1
    if round(x * scale, digits) == 0:  # never "-0.00" (nor "-0%")
        x = 0.0
    pattern, locale = _pattern(kind, lang, digits)
    return pattern.apply(x, locale, **extra).replace("-", minus)


def format_decimal(x: float, lang: str = DEFAULT_LANGUAGE, digits: int = 2, *, minus: str = "-") -> str:
    """``x`` with ``digits`` decimals and the locale's separators: ``1.05`` / ``1,05``; ``1,234.50`` /
    ``1.234,50``; NaN ``n/a`` / ``n.v.t.``."""
    return _apply("decimal", x, lang, digits, minus)


def format_percent(p: float, lang: str = DEFAULT_LANGUAGE, digits: int = 0, *, minus: str = "-") -> str:
    """A share as a percentage with ``digits`` decimals: ``0.57`` -> ``57%`` (both languages); ``57.3%`` /
    ``57,3%``.  Rounding only: whether 0.9996 may read ``100%`` is the caller's rule."""
    return _apply("percent", p, lang, digits, minus)


def format_currency(x: float, currency: str = "EUR", lang: str = DEFAULT_LANGUAGE, digits: int = 0, *,
                    sign: bool = False, minus: str = "-") -> str:
    """An amount in full with ``digits`` decimals in the locale's currency pattern: ``€304,835`` /
    ``€ 304.835``, ``€ -304.835``; ``sign=True`` marks a positive amount with a plus where a negative one has
    its minus (``€ +304.835``); NaN ``n/a`` / ``n.v.t.``."""
    if sign and x == x and round(x, digits) > 0:
        return _apply("currency", -x, lang, digits, "+", currency=currency, currency_digits=False)
    return _apply("currency", x, lang, digits, minus, currency=currency, currency_digits=False)


def localise_number(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A number printed in English (``-1,234.50``, ``0.0041``, ``+0.012``, ``12,345``) with the decimal and
    group symbols of ``lang`` (CLDR, via Babel): ``-1.234,50``, ``0,0041``; the same digits and grouping.
    English text is returned unchanged; so is ``n/a`` (translated) and anything after the number."""
    if lang == DEFAULT_LANGUAGE:
        return text
    if text == "n/a":
        return translator(lang)(_NOT_AVAILABLE)
    return text.translate(_symbols(check_language(lang)))


@functools.lru_cache(maxsize=None)
def _symbols(lang: str) -> dict[int, str]:
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return str.maketrans({".": get_decimal_symbol(lang), ",": get_group_symbol(lang)})


def format_money(x: float, currency: str = "EUR", lang: str = DEFAULT_LANGUAGE, significant: int = 2, *,
                 minus: str = "-") -> str:
    """An amount rounded to ``significant`` figures: ``€1.2M`` / ``€ 1,2 mln.`` from a million up,
    ``€190,000`` / ``€ 190.000`` below (the choices are in the module docstring)."""
    if x != x:
        return translator(lang)(_NOT_AVAILABLE)
    if significant < 1:
        raise ValueError(f"significant must be >= 1, got {significant}")
    if math.isinf(x):
        return _apply("currency", x, lang, 0, minus, currency=currency, currency_digits=False)
    rounded = float(f"{x:.{significant}g}")
    if rounded == 0:
        rounded = 0.0
    if abs(rounded) >= 1e6:
        from babel.numbers import format_compact_currency

        text = format_compact_currency(rounded, currency, locale=check_language(lang), fraction_digits=significant)
        return text.replace("-", minus)
    digits = 0 if rounded == 0 else max(0, significant - 1 - math.floor(math.log10(abs(rounded))))
    return _apply("currency", rounded, lang, digits, minus, currency=currency, currency_digits=False)


#: The suffix of an ordinal number per CLDR ordinal plural category (Babel's ``Locale.ordinal_form``).
_ORDINAL_SUFFIX = {"en": {"one": "st", "two": "nd", "few": "rd", "other": "th"}, "nl": {"other": "e"}}


def ordinal(k: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number as an ordinal: ``21st``, ``12th`` / ``21e``, ``12e`` (the category from CLDR)."""
    from babel import Locale

    suffixes = _ORDINAL_SUFFIX[check_language(lang)]
    return f"{k}{suffixes.get(Locale.parse(lang).ordinal_form(abs(k)), suffixes['other'])}"


def range_words(low: str, high: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Two formatted values as a range: ``0.71 to 1.54`` / ``0,71 tot 1,54``; ``€1.2M to €3.4M``."""
    return translator(lang)(_RANGE).format(low=low, high=high)


def format_interval(low: float, high: float, lang: str = DEFAULT_LANGUAGE, digits: int = 2, *,
                    minus: str = "-") -> str:
    """An interval of two numbers with ``digits`` decimals: ``0.71 to 1.54`` / ``0,71 tot 1,54``."""
    return range_words(format_decimal(low, lang, digits, minus=minus), format_decimal(high, lang, digits, minus=minus),
                       lang)
