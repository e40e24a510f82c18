"""The analyses: what wotsim computes from a config or a simulation's results.

Sobol' indices, screening (Morris, PAWN), one-way sensitivity and switching values,
decision drivers, scenario comparison on common random numbers, the value of
information, and scenario discovery (PRIM: which combination of assumptions makes a condition hold).  Each module returns frozen result objects; none prints or draws.
The submodules are imported on use (SALib and scipy load only when needed).
"""
