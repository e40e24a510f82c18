"""What people read: the terminal's text tables, the robustness statements, and the
self-contained HTML report.

:func:`render` and :func:`write_report` (:mod:`wotsim.report.page`) are imported on first use.
"""

from importlib import import_module

_LAZY = {"render": "page", "write_report": "page"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
