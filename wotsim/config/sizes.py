"""The ceilings on a config's size, checked before any distribution is built or formula compiled.

:func:`wotsim.config.read_toml`, :func:`~wotsim.config.load_config` and
:func:`~wotsim.config.parse_config` (and so scenario overlays, which go through them)
refuse sizes beyond these ceilings with a :class:`ConfigError` naming the file and key:

=====================  ==========  ====================================================
ceiling                value       what it bounds
=====================  ==========  ====================================================
MAX_PARAMETERS         25,000      validation (~0.5 ms a parameter) and draws: results
                                   keep samples x uncertain parameters values; above
                                   Sobol' engine's 21,201 dimensions so that
                                   :func:`check_design_size` can say "use lhs or mc"
MAX_DERIVED            10,000      formulas evaluated on every chunk of draws
MAX_ITEMS              10,000      items x years array operations per chunk; results
                                   keep samples x items present values
MAX_STAKEHOLDERS       100         results keep samples x stakeholders x years values
MAX_HORIZON            200 years   the same (also the support of a horizon parameter)
MAX_CORRELATED         1,000       parameters in [[correlations]]: the copula factors a
                                   k x k matrix (and may repair it) before any draw
MAX_NESTING            20 levels   tables and arrays inside each other (real configs
                                   nest at most 6)
=====================  ==========  ====================================================

Whole numbers other than the seed are at most 2**53 (the ceiling on samples, and the
memory a run needs, are checked where the count is chosen, the command line included:
:mod:`wotsim.limits`).  A ``[simulation] sampler = "sobol"`` with more uncertain
parameters than scipy's Sobol' engine has dimensions (:data:`SOBOL_MAX_DIM`) is an
error at parsing; :func:`check_design_size` checks a sampler chosen on the command line,
and the Saltelli design of Sobol' indices (2 d dimensions).
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from ..errors import WotsimError
from .expressions import shown
from .keys import Ctx
from .schema import Config, Simulation

__all__ = ["MAX_CONFIG_BYTES", "MAX_CORRELATED", "MAX_DERIVED", "MAX_HORIZON", "MAX_ITEMS", "MAX_NESTING",
           "MAX_PARAMETERS", "MAX_STAKEHOLDERS", "SOBOL_MAX_DIM", "check_design_size", "check_nesting", "check_sizes",
           "huge_integer", "prescan_sizes"]

#: Ceilings on a config's size (see the module docstring for what each bounds).
MAX_PARAMETERS = 25_000
MAX_DERIVED = 10_000
MAX_ITEMS = 10_000
MAX_STAKEHOLDERS = 100
MAX_HORIZON = 200
MAX_CORRELATED = 1_000
MAX_NESTING = 20
#: Dimensions of scipy's Sobol' engine (``scipy.stats.qmc.Sobol``; its direction numbers stop here).
SOBOL_MAX_DIM = 21_201
#: Table -> (ceiling, what is counted, why), for the message.
_CEILINGS = {
    "parameters": (MAX_PARAMETERS, "parameters", "validation takes about 0.5 ms a parameter, and results keep "
                   "samples x uncertain parameters values"),
    "derived": (MAX_DERIVED, "derived formulas", "each is evaluated on every chunk of draws"),
    "items": (MAX_ITEMS, "items", "the model evaluates every item in every year of every draw, and results keep "
              "samples x items present values"),
    "stakeholders": (MAX_STAKEHOLDERS, "stakeholders", "results keep samples x stakeholders x years net values"),
}
#: Largest config (or overlay) file read: 20 MB (a config at the parameter ceiling in the usual layout
#: is about 5 MB).
MAX_CONFIG_BYTES = 20_000_000
#: Table headers of the usual layout, counted before parsing (a header-like line inside a
#: multi-line string would count too: harmless unless there are tens of thousands of them).
_PARAMETER_HEADER = re.compile(r"""^[ \t]*\[[ \t]*parameters[ \t]*\.[ \t]*([A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')""",
                               re.MULTILINE)
_ITEM_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*items[ \t]*\]\]", re.MULTILINE)


def prescan_sizes(text: str, file: str) -> None:
    """Refuse a file over the parameter or item ceiling before the TOML parser spends seconds on it."""
    ctx = Ctx(file)
    if text.count("parameters") > MAX_PARAMETERS:
        _check_ceiling(ctx, "parameters", len(set(_PARAMETER_HEADER.findall(text))))
    if text.count("items") > MAX_ITEMS:
        _check_ceiling(ctx, "items", len(_ITEM_HEADER.findall(text)))


def _check_ceiling(ctx: Ctx, table: str, count: int) -> None:
    """Refuse ``count`` entries of ``table`` (parameters, derived, items, stakeholders) above its ceiling."""
    limit, what, why = _CEILINGS[table]
    if count > limit:
        raise ctx.error(table, f"at most {limit:,} {what} ({why}), got {count:,}")


def check_sizes(ctx: Ctx, data: Mapping[str, Any]) -> None:
    """The ceilings on counts and the horizon, and the sobol sampler's dimensions, before anything is built."""
    for table in _CEILINGS:
        value = data.get(table)
        if isinstance(value, (dict, list)):
            _check_ceiling(ctx, table, len(value))
    study = data.get("study")
    if isinstance(study, dict):
        horizon = study.get("horizon")
        if isinstance(horizon, int) and not isinstance(horizon, bool):
            _check_horizon_years(ctx, horizon)
    simulation = data.get("simulation")
    sampler = simulation.get("sampler", Simulation.sampler) if isinstance(simulation, dict) else Simulation.sampler
    parameters = data.get("parameters")
    if sampler == "sobol" and isinstance(parameters, dict) and len(parameters) > SOBOL_MAX_DIM:
        d = sum(isinstance(spec, dict) and spec.get("dist", "fixed") != "fixed" for spec in parameters.values())
        if d > SOBOL_MAX_DIM:
            given = isinstance(simulation, dict) and "sampler" in simulation
            raise ctx.error("simulation.sampler", _sobol_too_wide("sampler" if given else "default sampler", d) +
                            ': set sampler = "lhs" or "mc"')


def _sobol_too_wide(what: str, d: int) -> str:
    return (f"the sobol {what} draws one Sobol' dimension per uncertain parameter and scipy's Sobol' engine has at "
            f"most {SOBOL_MAX_DIM:,}; this config has {d:,} uncertain parameters")


def check_design_size(config: Config, sampler: str) -> None:
    """Refuse a design wider than scipy's Sobol' engine (:data:`SOBOL_MAX_DIM` dimensions).

    Call it where the sampler and the config meet, before any drawing: the sampler
    may come from the command line rather than the config (which :func:`parse_config`
    checks against its own ``[simulation] sampler``).

    Parameters
    ----------
    config : Config
    sampler : {"mc", "lhs", "sobol", "saltelli"}
        A simulation sampler (``sobol``: one dimension per uncertain parameter), or
        ``"saltelli"`` for the design of Sobol' indices, whose base matrices A and B
        are drawn as one Sobol' sequence of 2 d dimensions.

    Raises
    ------
    WotsimError
        Naming the config, the dimensions needed and what to use instead.
    """
    d = len(config.uncertain)
    if sampler == "sobol" and d > SOBOL_MAX_DIM:
        raise WotsimError(f"{config.path}: {_sobol_too_wide('sampler', d)}: use the lhs or mc sampler "
                          f"(--sampler lhs, or sampler = \"lhs\" in [simulation])")
    if sampler == "saltelli" and 2 * d > SOBOL_MAX_DIM:
        raise WotsimError(f"{config.path}: Sobol' indices need a Saltelli design of 2 x {d:,} = {2 * d:,} Sobol' "
                          f"dimensions and scipy's Sobol' engine has at most {SOBOL_MAX_DIM:,} (at most "
                          f"{SOBOL_MAX_DIM // 2:,} uncertain parameters): use --method morris or pawn, or fix the "
                          f"parameters that matter least")


def _check_horizon_years(ctx: Ctx, horizon: int) -> None:
    """A horizon of whole years must lie in [1, MAX_HORIZON]."""
    if not 1 <= horizon <= MAX_HORIZON:
        why = "" if horizon < 1 else (f"; at most {MAX_HORIZON} because results keep samples x stakeholders x "
                                      "years net values")
        raise ctx.error("study.horizon", f"must be between 1 and {MAX_HORIZON} years, got {shown(horizon)}{why}")


def _walk(data: Mapping[str, Any]) -> Iterator[tuple[str, Any, int]]:
    """Every value in a document with its dotted key and nesting depth, depth first, without recursion."""
    todo: list[tuple[str, Any, int]] = [("", data, 0)]
    while todo:
        key, value, depth = todo.pop()
        yield key, value, depth
        if isinstance(value, dict):
            todo.extend((f"{key}.{k}" if key else str(k), v, depth + 1) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            todo.extend((f"{key}[{i}]", v, depth + 1) for i, v in reversed(list(enumerate(value))))


def check_nesting(ctx: Ctx, data: Mapping[str, Any]) -> None:
    """No tables or arrays nested deeper than :data:`MAX_NESTING` (so copying and hashing cannot recurse)."""
    for key, _, depth in _walk(data):
        if depth > MAX_NESTING:
            raise ctx.error(key if len(key) <= 120 else key[:100] + "...", f"nests deeper than {MAX_NESTING} levels "
                            f"of tables and arrays (a config nests at most {MAX_NESTING})")


def huge_integer(data: Mapping[str, Any]) -> tuple[str | None, Any]:
    """The dotted key and value of the first integer too long for ``str`` (over 4300 digits)."""
    for key, value, _ in _walk(data):
        if isinstance(value, int) and value.bit_length() > 14_000:
            try:
                str(value)
            except ValueError:
                return key or None, value
    return None, None  # pragma: no cover - json refused something: an integer is the only such TOML value

