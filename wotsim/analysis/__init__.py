"""The analyses: what wotsim computes from a config or a simulation's results.

Sobol' indices, screening (Morris, PAWN), one-way sensitivity and switching values,
decision drivers, scenario comparison on common random numbers, and the value of
information.  Each module returns frozen result objects; none prints or draws.
The submodules are imported on use (SALib and scipy load only when needed).
"""
