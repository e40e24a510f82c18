"""What people read: the terminal's text tables, the robustness statements, and the
self-contained HTML report.

:func:`render` and :func:`write_report` (:mod:`wotsim.report.page`) are imported on first use.
"""

from .._lazy import lazy_exports

_LAZY = {"render": "page", "write_report": "page"}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
