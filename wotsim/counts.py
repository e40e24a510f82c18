"""Counts as people write them: the one parser of sample sizes and other counts given as text.

:func:`parse_count` reads ``100000``, ``1e5``, ``1E5``, ``1.5e3``, ``2^17``,
``2**17``, ``10^20``, ``1_000_000`` (underscores between digits, as in Python)
and ``100,000`` (commas only as thousands separators, in groups of three), when
the value is a whole number.  It refuses a decimal point without an exponent
(``100.000`` is a hundred thousand to a Dutch reader and a hundred to an
English one), ``1e-3``, ``nan``, ``inf``, non-ASCII digits and anything above
10^30, without evaluating the text and before computing a large power, so
``2^100000000`` is refused at once.

Light on purpose (no numpy): the command-line parser imports it before anything else.
"""

from __future__ import annotations

import math
import re

from .errors import WotsimError

__all__ = ["MAX_COUNT", "CountError", "parse_count"]

#: parse_count refuses counts above this (far above every ceiling), before computing them.
MAX_COUNT = 10**30


class CountError(WotsimError):
    """A count that is not a whole number in a form :func:`parse_count` reads, or below its minimum."""


_FORMS = "such as 100000, 1e5, 2^17, 1_000_000 or 100,000"
_COUNT = re.compile(
    r"""(?P<sign>[+-]?)
    (?:
        (?P<base>[0-9]{1,12})\s*(?:\^|\*\*)\s*(?P<power>[0-9]{1,12})        # 2^17, 2**17, 10^20
      | (?P<digits>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)             # 100000, 100,000, 1_000_000
        (?:\.(?P<fraction>[0-9]*))?                                         # 1.5e3
        (?:[eE](?P<exp_sign>[+-]?)(?P<exponent>[0-9]{1,12}))?               # 1e5, 1E5
    )""",
    re.VERBOSE | re.ASCII,
)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def parse_count(text: str, *, minimum: int = 1) -> int:
    """A whole number written as people write counts (see the module docstring).

    Parameters
    ----------
    text : str
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int

    Raises
    ------
    CountError
        One line: what is allowed and what was given.  Nothing is evaluated; a
        value above 10^30 is refused before it is computed.
    """
    raw = str(text)
    body = raw.strip()
    m = _COUNT.fullmatch(body) if len(body) <= 64 else None
    if m is None:
        raise CountError(f"must be a whole number >= {minimum} ({_FORMS}), got {_shown(raw)}")
    if m["base"] is not None:
        base, power = int(m["base"]), int(m["power"])
        if base > 1 and power * math.log10(base) > math.log10(MAX_COUNT):
            raise CountError(f"{_shown(raw)} is above 10^30, far beyond every limit (see wotsim.limits)")
        value = base**power
    else:
        digits = m["digits"].replace(",", "").replace("_", "")
        fraction = m["fraction"]
        if fraction is not None and m["exponent"] is None:
            if fraction.strip("0"):
                raise CountError(f"must be a whole number >= {minimum} ({_FORMS}), got {_shown(raw)}, "
                                 "which is not whole")
            raise CountError(f"must be a whole number >= {minimum} without a decimal point (one only before an "
                             f"exponent, as in 1.5e3), got {_shown(raw)}: 100.000 is a hundred thousand to a Dutch "
                             "reader and a hundred to an English one; write 100000, 1e5 or 100_000")
        fraction = fraction or ""
        mantissa = int(digits + fraction)
        shift = (int(m["exponent"]) if m["exponent"] is not None else 0) * (-1 if m["exp_sign"] == "-" else 1)
        shift -= len(fraction)
        if mantissa and len(str(mantissa)) + shift > 31:
            raise CountError(f"{_shown(raw)} is above 10^30, far beyond every limit (see wotsim.limits)")
        if mantissa == 0:
            value = 0
        elif shift >= 0:
            value = mantissa * 10**shift
        elif -shift <= 31 and mantissa % 10**-shift == 0:
            value = mantissa // 10**-shift
        else:
            raise CountError(f"must be a whole number >= {minimum} ({_FORMS}), got {_shown(raw)}, "
                             "which is not whole")
        if value > MAX_COUNT:
            raise CountError(f"{_shown(raw)} is above 10^30, far beyond every limit (see wotsim.limits)")
    if m["sign"] == "-":
        value = -value
    if value < minimum:
        raise CountError(f"must be a whole number >= {minimum}, got {_shown(raw)}")
    return value
