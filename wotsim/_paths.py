"""The one rule for names that become file names (figure stems such as ``sobol_<output>``).

Names come from configs, and from results directories that anyone may have edited: a name
is used in a path only when it is one plain file name inside the target directory.
"""

from __future__ import annotations

import re

from .errors import WotsimError

__all__ = ["MAX_NAME", "MAX_STEM", "file_name", "file_stem"]

#: Longest file name (a file system takes 255 bytes; a temporary prefix and suffix need the rest).
MAX_NAME = 200
#: Longest record name in a file name (an output, a stakeholder): room is left for the figure's prefix.
MAX_STEM = 100

_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def file_name(name: object, what: str, *, limit: int = MAX_NAME) -> str:
    """Return ``name`` if it is safe as one file name in a directory, else raise a one-line error naming ``what``.

    Safe: ASCII letters, digits, ``_``, ``-`` and ``.``; no path separator, no ``..``, not
    starting with ``.`` or ``-``, at most ``limit`` characters.  Nothing is rewritten: a name that
    fails is refused.
    """
    if not isinstance(name, str) or not _SAFE.fullmatch(name) or ".." in name or len(name) > limit:
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
        raise WotsimError(f"{what} {shown} cannot name a file (letters, digits, '_', '-' and '.' only, not "
                          f"starting with '.' or '-', no '..', at most {limit} characters)")
    return name


def file_stem(name: object, what: str) -> str:
    """The part of a file name an output or record name gives: ``:`` becomes ``_`` (``net:city`` ->
    ``net_city``), then :func:`file_name` with at most :data:`MAX_STEM` characters."""
    return file_name(name.replace(":", "_") if isinstance(name, str) else name, what, limit=MAX_STEM)
