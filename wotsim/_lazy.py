"""Public names of a package imported on first use (PEP 562), in one place.

A package's ``__init__`` lists ``name -> submodule`` and gets its ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`: ``from wotsim.config import load_config`` then
imports :mod:`wotsim.config.loading` only when asked, so that a light submodule (the
results writer, the formula language) does not load scipy through its package.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping, MutableMapping


def lazy_exports(package: str, names: Mapping[str, str], namespace: MutableMapping[str, Any]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: each name of ``names`` from its submodule, imported once."""

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(import_module(f".{names[name]}", package), name)
            namespace[name] = value  # once: later lookups do not come here
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
