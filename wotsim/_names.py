"""Choices the command line offers, in a module that imports nothing.

Building the ``wotsim`` parser needs these names but not the modules that use
them (config, simulate and, behind them, scipy): ``wotsim --help`` and argument
errors stay quick (tests/test_fast_start.py).
"""

from __future__ import annotations

#: Designs on the unit hypercube (:mod:`wotsim.sampling`).
SAMPLERS = ("mc", "lhs", "sobol")

#: Ways to group parameters for grouped sensitivity indices (:mod:`wotsim.analysis.groups`).
GROUPINGS = ("group", "item", "stakeholder", "correlated")
