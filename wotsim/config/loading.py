"""TOML config -> frozen, validated dataclasses.

Validation happens once, here.  Every error is a :class:`~wotsim.errors.ConfigError`
whose message names the file, the dotted key, what is allowed and the value seen,
e.g. ``configs/x.toml: parameters.cost_per_fte.high: must be > low (72000), got 60000``.
Unknown keys are errors with a did-you-mean hint.

Rules checked at the deterministic base case (every parameter at its base value):
a cost item's value must be >= 0 (a negative cost is a saving: write it as a benefit;
a benefit may be negative, a disbenefit), and an item's persistence must lie in [0, 1]
(the share kept from one year to the next) unless the item says ``growth = true``, which
allows any persistence >= 0.  Whether each output is defined at base needs the model
(:func:`wotsim.model.check_base_case`).

:func:`config_warnings` lists what is legal but probably a mistake (unused parameters,
stakeholders without items, parameters that alone or together can make a cost negative,
an item's value that a parameter's range makes NaN or infinite, a persistence that can
leave [0, 1] in draws, a repaired correlation matrix); the CLI prints them.
:func:`check_draw_support` refuses a config whose parameters' support takes a
persistence outside [0, 1] (the rule holds in every draw); ``wotsim validate`` calls it.

Hostile input.  :func:`read_toml`, :func:`load_config` and :func:`parse_config` (and so
scenario overlays, which go through them) raise nothing but :class:`ConfigError` for
any document: TOML the parser refuses (including integers of more than 4300 digits
and arrays nested past its recursion limit), numbers that are not finite floats
(``nan``, ``inf``, integers beyond float range: refused at the key that holds them),
solvers that overflow (refused at the parameter), and sizes beyond these ceilings,
checked before any distribution is built or formula compiled:

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
memory a run needs, are checked where the count is chosen, the command line included).
Formulas have their own limits (:mod:`wotsim.expressions`: at most 2000 characters,
nesting at most 100 levels); derived formulas are ordered without recursion.
A ``[simulation] sampler = "sobol"`` with more uncertain parameters than scipy's
Sobol' engine has dimensions (:data:`SOBOL_MAX_DIM`) is an error here;
:func:`check_design_size` checks a sampler chosen on the command line, and the
Saltelli design of Sobol' indices (2 d dimensions).
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from .._names import SAMPLERS
from ..config.distributions import EVIDENCE, META_KEYS, Distribution, DistributionError, make_distribution
from ..errors import ConfigError, WotsimError
from ..config.expressions import FUNCTIONS, Expression, ExpressionError, compile_expression, order_formulas, shown

__all__ = [
    "BUILTIN_OUTPUTS",
    "Config",
    "ConfigWarning",
    "Correlation",
    "Item",
    "JointRisk",
    "Output",
    "Parameter",
    "Simulation",
    "SignRisk",
    "Study",
    "base_values",
    "check_design_size",
    "check_draw_support",
    "config_warnings",
    "joint_risks",
    "load_config",
    "parameters_of",
    "parse_config",
    "sign_risks",
    "support_warnings",
    "with_derived",
]


KINDS = ("cost", "benefit")
MEASURES = ("ratio", "npv")
#: Outputs every model computes over all items; config outputs may not reuse these names.
BUILTIN_OUTPUTS = ("benefits", "costs", "npv")

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

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # used with fullmatch: "$" would accept a final newline

_TOP_KEYS = ("study", "simulation", "stakeholders", "parameters", "derived", "items", "outputs", "correlations",
             "scenarios")  # [scenarios.<id>] overlays: validated by wotsim.scenarios, not here
_STUDY_KEYS = ("name", "description", "currency", "price_year", "horizon", "discount_rate", "source")
_SIM_KEYS = ("samples", "seed", "sampler", "chunk_size", "percentiles", "replicates",
             "repair_correlations")
_ITEM_KEYS = (
    "id", "label", "kind", "stakeholder", "financial", "value", "start", "duration",
    "persistence", "growth", "source", "description", "group",
)
_OUTPUT_KEYS = ("label", "description", "measure", "benefits", "costs", "target", "tolerance", "source")
_SELECT_KEYS = ("stakeholder", "financial", "items", "exclude")
_CORR_KEYS = ("between", "rank", "source")


@dataclass(frozen=True)
class Study:
    name: str
    currency: str
    price_year: int | None
    horizon: int | str
    discount_rate: Expression
    description: str = ""


@dataclass(frozen=True)
class Simulation:
    samples: int = 100_000
    seed: int = 20200825
    sampler: str = "sobol"
    chunk_size: int = 65_536
    percentiles: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)
    #: Independent randomisations of a sobol or lhs design; None: 16 (see wotsim.sampling.default_replicates).
    replicates: int | None = None
    #: Replace a normal-score correlation matrix that is not positive definite by the nearest one that
    #: is (Higham 2002), reported by :func:`config_warnings`; off by default.
    repair_correlations: bool = False


@dataclass(frozen=True)
class Parameter:
    name: str
    dist: Distribution
    label: str = ""
    unit: str = ""
    group: str = ""
    evidence: str = ""
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    kind: str
    stakeholder: str
    financial: bool
    value: Expression
    start: int = 0
    duration: int | None = None
    persistence: Expression = field(default_factory=lambda: compile_expression(1.0))
    #: True allows a persistence above 1 (a stream that grows each year); default False: [0, 1].
    growth: bool = False
    group: str = ""
    source: str = ""


@dataclass(frozen=True)
class Output:
    """A ratio (benefits / costs) or an NPV (benefits - costs) over selected items."""

    name: str
    label: str
    measure: str
    benefit_items: tuple[str, ...]
    cost_items: tuple[str, ...]
    target: float | None = None
    tolerance: float = 0.005
    description: str = ""


@dataclass(frozen=True)
class Correlation:
    a: str
    b: str
    rank: float
    source: str = ""


@dataclass(frozen=True)
class Config:
    """A validated study.

    ``raw`` keeps the parsed TOML (a deep copy) so that scenarios can derive
    variants; ``sha256`` hashes the canonical JSON of ``raw``.
    """

    path: str
    study: Study
    simulation: Simulation
    stakeholders: Mapping[str, str]
    parameters: Mapping[str, Parameter]
    derived: Mapping[str, Expression]
    derived_order: tuple[str, ...]
    items: tuple[Item, ...]
    outputs: Mapping[str, Output]
    correlations: tuple[Correlation, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    sha256: str = ""
    #: Warnings found while parsing (a repaired correlation matrix); :func:`config_warnings` includes them.
    notes: tuple["ConfigWarning", ...] = field(default=(), compare=False)

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Names of the parameters that are not fixed, in config order."""
        return tuple(n for n, p in self.parameters.items() if not p.dist.fixed)

    @property
    def max_horizon(self) -> int:
        return _max_horizon(self.study.horizon, self.parameters)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)


# --------------------------------------------------------------------------- helpers
def _max_horizon(horizon: int | str, parameters: Mapping[str, Parameter]) -> int:
    """The longest horizon in years: the number, or the top of the horizon parameter's support."""
    return horizon if isinstance(horizon, int) else int(parameters[horizon].dist.support()[1])


class _Ctx:
    def __init__(self, file: str):
        self.file = file
        #: The table being validated (``parameters.x``, ``items.gain``, ...), named by the last-resort error.
        self.at: str | None = None

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, key=key)


def _hint(name: str, allowed: Any) -> str:
    match = difflib.get_close_matches(str(name), list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _listing(names: Any, limit: int = 20) -> str:
    """Names for a message, comma separated; the first ``limit`` and a count when there are more."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... ({len(names):,} in all)"


def _check_keys(ctx: _Ctx, table: Mapping[str, Any], allowed: Any, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ctx.error(
                f"{prefix}.{key}" if prefix else key,
                f"unknown key{_hint(key, allowed)}; allowed: {', '.join(allowed)}",
            )


def _table(ctx: _Ctx, data: Mapping[str, Any], key: str, dotted: str, required: bool = False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise ctx.error(dotted, "is required (a table)")
        return {}
    if not isinstance(value, dict):
        raise ctx.error(dotted, f"must be a table, got {shown(value)}")
    return value


def _str(ctx: _Ctx, table: Mapping[str, Any], key: str, dotted: str, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise ctx.error(dotted, "is required (a string)")
        return default
    value = table[key]
    if not isinstance(value, str):
        raise ctx.error(dotted, f"must be a string, got {shown(value)}")
    return value


def _int(ctx: _Ctx, table: Mapping[str, Any], key: str, dotted: str, default: int | None = None,
         minimum: int | None = None, maximum: int | None = 2**53, why: str = "") -> int:
    """A whole number in [minimum, maximum] (default at most 2**53: every count is exact as a float)."""
    if key not in table:
        if default is None:
            raise ctx.error(dotted, "is required (a whole number)")
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(dotted, f"must be a whole number, got {shown(value)}")
    if minimum is not None and value < minimum:
        raise ctx.error(dotted, f"must be >= {minimum}, got {shown(value)}")
    if maximum is not None and value > maximum:
        limit = "2**53" if maximum == 2**53 else f"{maximum:,}"
        raise ctx.error(dotted, f"must be at most {limit}{f' ({why})' if why else ''}, got {shown(value)}")
    return value


def _finite_number(ctx: _Ctx, value: Any, dotted: str, rule: str) -> float:
    """``value`` as a float, or ``must be {rule}, got ...`` if it is not a finite float (nan, inf, 10**400)."""
    try:
        number = math.nan if isinstance(value, bool) or not isinstance(value, (int, float)) else float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not math.isfinite(number):
        raise ctx.error(dotted, f"must be {rule}, got {shown(value)}")
    return number


def _bool(ctx: _Ctx, table: Mapping[str, Any], key: str, dotted: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ctx.error(dotted, f"must be true or false, got {shown(value)}")
    return value


def _name(ctx: _Ctx, name: str, dotted: str) -> None:
    if not _NAME.fullmatch(name):
        raise ctx.error(dotted, f"must be a name of letters, digits and underscores not starting with a digit, got {shown(name)}")
    if name in FUNCTIONS:
        raise ctx.error(dotted, f"{shown(name)} is a function name and cannot name a parameter")


# --------------------------------------------------------------------------- loading
def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file.

    Raises
    ------
    ConfigError
        Naming the file and the dotted key of the first rule broken.
    """
    path = Path(path)
    return parse_config(read_toml(path), file=str(path))


#: Largest config (or overlay) file read: 20 MB (a config at the parameter ceiling in the usual layout
#: is about 5 MB).
MAX_CONFIG_BYTES = 20_000_000


def read_toml(path: str | Path, *, missing: str = "no such file") -> dict[str, Any]:
    """Read a UTF-8 TOML file; any failure is a one-line :class:`ConfigError` naming the file.

    Besides the parser's own errors: an integer of more than 4300 digits (Python's
    limit on converting text to int) names its line; arrays or inline tables nested
    past the parser's recursion limit are refused; a file with more ``[parameters.*]``
    tables or ``[[items]]`` than the ceilings is refused before parsing (the usual
    layout; :func:`parse_config` counts exactly).
    """
    path = Path(path)
    file = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # /dev/zero, a FIFO, a directory: never read without end
            raise ConfigError("is not a regular file (a config is a TOML file)", file=file)
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"is {info.st_size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,} bytes", file=file)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(missing, file=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"a config is at most {MAX_CONFIG_BYTES:,} bytes", file=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=file) from None
    _prescan_sizes(text, file)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from None
    except RecursionError:
        raise ConfigError(f"invalid TOML: arrays or inline tables nest too deeply for the parser (a config nests "
                          f"at most {MAX_NESTING} levels)", file=file) from None
    except ValueError as exc:  # int(text) refuses more than sys.get_int_max_str_digits() digits
        long = _LONG_INTEGER.search(text)
        if long is None:
            raise ConfigError(f"invalid TOML: {shown(str(exc))}", file=file) from None
        line = text.count("\n", 0, long.start()) + 1
        digits = sum(c.isdigit() for c in long.group())
        raise ConfigError(f"invalid TOML: line {line}: an integer of {digits} digits; a number in a config must be "
                          "a finite float (at most about 1.8e308, 309 digits)", file=file) from None


#: An integer literal longer than Python converts from text (4300 digits by default).
_LONG_INTEGER = re.compile(r"[0-9](?:_?[0-9]){4300,}")
#: Table headers of the usual layout, counted before parsing (a header-like line inside a
#: multi-line string would count too: harmless unless there are tens of thousands of them).
_PARAMETER_HEADER = re.compile(r"""^[ \t]*\[[ \t]*parameters[ \t]*\.[ \t]*([A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')""",
                               re.MULTILINE)
_ITEM_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*items[ \t]*\]\]", re.MULTILINE)


def _prescan_sizes(text: str, file: str) -> None:
    """Refuse a file over the parameter or item ceiling before the TOML parser spends seconds on it."""
    ctx = _Ctx(file)
    if text.count("parameters") > MAX_PARAMETERS:
        _ceiling(ctx, "parameters", len(set(_PARAMETER_HEADER.findall(text))))
    if text.count("items") > MAX_ITEMS:
        _ceiling(ctx, "items", len(_ITEM_HEADER.findall(text)))


def _ceiling(ctx: _Ctx, table: str, count: int) -> None:
    limit, what, why = _CEILINGS[table]
    if count > limit:
        raise ctx.error(table, f"at most {limit:,} {what} ({why}), got {count:,}")


def parse_config(data: Mapping[str, Any], *, file: str = "<config>") -> Config:
    """Validate an already parsed TOML document (a dict).

    Raises
    ------
    ConfigError
        Naming the file and the dotted key of the first rule broken, for any document:
        sizes beyond the ceilings (checked first, before any distribution is built),
        nesting beyond :data:`MAX_NESTING`, and, as a last resort, an overflow or a
        recursion anywhere in validation (naming the table being validated).
    """
    ctx = _Ctx(file)
    _check_sizes(ctx, data)
    _check_nesting(ctx, data)
    try:
        return _parse(ctx, data)
    except RecursionError:
        raise ctx.error(ctx.at, "cannot be validated: something in it nests or refers too deeply") from None
    except ArithmeticError as exc:  # OverflowError, ZeroDivisionError, FloatingPointError
        words = "a number in it passes float range" if isinstance(exc, OverflowError) else \
            "a number in it underflows to 0" if isinstance(exc, ZeroDivisionError) else "a computation with it fails"
        raise ctx.error(ctx.at, f"cannot be validated: {words} ({shown(str(exc))}); use numbers of ordinary "
                        "size") from None


def _check_sizes(ctx: _Ctx, data: Mapping[str, Any]) -> None:
    """The ceilings on counts and the horizon, and the sobol sampler's dimensions, before anything is built."""
    for table in _CEILINGS:
        value = data.get(table)
        if isinstance(value, (dict, list)):
            _ceiling(ctx, table, len(value))
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


def _check_horizon_years(ctx: _Ctx, horizon: int) -> None:
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


def _check_nesting(ctx: _Ctx, data: Mapping[str, Any]) -> None:
    """No tables or arrays nested deeper than :data:`MAX_NESTING` (so copying and hashing cannot recurse)."""
    for key, _, depth in _walk(data):
        if depth > MAX_NESTING:
            raise ctx.error(key if len(key) <= 120 else key[:100] + "...", f"nests deeper than {MAX_NESTING} levels "
                            f"of tables and arrays (a config nests at most {MAX_NESTING})")


def _huge_integer(data: Mapping[str, Any]) -> tuple[str | None, Any]:
    """The dotted key and value of the first integer too long for ``str`` (over 4300 digits)."""
    for key, value, _ in _walk(data):
        if isinstance(value, int) and value.bit_length() > 14_000:
            try:
                str(value)
            except ValueError:
                return key or None, value
    return None, None  # pragma: no cover - json refused something: an integer is the only such TOML value


def _parse(ctx: _Ctx, data: Mapping[str, Any]) -> Config:
    data = copy.deepcopy(dict(data))
    _check_keys(ctx, data, _TOP_KEYS, "")

    stakeholders = _parse_stakeholders(ctx, data)
    parameters = _parse_parameters(ctx, data)
    derived, derived_order = _parse_derived(ctx, data, parameters)
    known = set(parameters) | set(derived)
    study = _parse_study(ctx, data, parameters, known)
    simulation = _parse_simulation(ctx, data)
    simulation = replace(simulation, repair_correlations=_bool(
        ctx, _table(ctx, data, "simulation", "simulation"), "repair_correlations", "simulation.repair_correlations",
        default=False))
    items = _parse_items(ctx, data, stakeholders, known, _max_horizon(study.horizon, parameters))
    outputs = _parse_outputs(ctx, data, items, stakeholders)
    correlations, notes = _parse_correlations(ctx, data, parameters, repair=simulation.repair_correlations)
    try:
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    except ValueError:  # an integer json cannot write (over 4300 digits), where no rule above reads numbers
        key, value = _huge_integer(data)
        raise ctx.error(key, f"must be a finite number, got {shown(value)}") from None
    config = Config(
        path=ctx.file,
        study=study,
        simulation=simulation,
        stakeholders=stakeholders,
        parameters=parameters,
        derived=derived,
        derived_order=derived_order,
        items=items,
        outputs=outputs,
        correlations=correlations,
        raw=data,
        sha256=digest,
        notes=notes,
    )
    _check_base(ctx, config)
    return config


def _parse_stakeholders(ctx: _Ctx, data: Mapping[str, Any]) -> dict[str, str]:
    ctx.at = "stakeholders"
    table = _table(ctx, data, "stakeholders", "stakeholders", required=True)
    if not table:
        raise ctx.error("stakeholders", "must name at least one stakeholder (id = \"label\")")
    out = {}
    for sid, label in table.items():
        _name(ctx, sid, f"stakeholders.{sid}")
        if not isinstance(label, str):
            raise ctx.error(f"stakeholders.{sid}", f"must be a label string, got {shown(label)}")
        out[sid] = label
    return out


def _parse_parameters(ctx: _Ctx, data: Mapping[str, Any]) -> dict[str, Parameter]:
    table = _table(ctx, data, "parameters", "parameters")
    out: dict[str, Parameter] = {}
    for name, spec in table.items():
        key = ctx.at = f"parameters.{name}"
        _name(ctx, name, key)
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table (dist = ..., ...), got {shown(spec)}")
        allowed_numbers = {"value", "low", "high", "mode", "mean", "sd", "median", "gsd", "alpha", "beta",
                           "shape", "scale", "lambda"}
        for k in spec:
            if k not in META_KEYS and k not in allowed_numbers and not re.fullmatch(r"p\d{2}", k):
                allowed = sorted(META_KEYS | allowed_numbers) + ["p05", "p95", "..."]
                raise ctx.error(f"{key}.{k}", f"unknown key{_hint(k, META_KEYS | allowed_numbers)}; allowed: {', '.join(allowed)}")
        for meta in ("unit", "group", "source", "label", "description"):
            if meta in spec and not isinstance(spec[meta], str):
                raise ctx.error(f"{key}.{meta}", f"must be a string, got {shown(spec[meta])}")
        evidence = spec.get("evidence", "")
        if evidence and evidence not in EVIDENCE:
            raise ctx.error(f"{key}.evidence", f"must be one of {', '.join(EVIDENCE)}, got {shown(evidence)}")
        try:
            dist = make_distribution(spec)
        except DistributionError as exc:
            sub = f"{key}.{exc.field}" if exc.field else key
            raise ctx.error(sub, str(exc)) from None
        out[name] = Parameter(
            name=name,
            dist=dist,
            label=spec.get("label", ""),
            unit=spec.get("unit", ""),
            group=spec.get("group", ""),
            evidence=evidence,
            source=spec.get("source", ""),
            description=spec.get("description", ""),
        )
    return out


def _formula(ctx: _Ctx, text: Any, key: str, known: set[str]) -> Expression:
    try:
        expr = compile_expression(text)
    except ExpressionError as exc:
        message = str(exc)
        if repr(text) not in message:  # name the value, as every config error does
            message = f"{message}; got {shown(text)}"
        raise ctx.error(key, message) from None
    unknown = sorted(expr.names - known)
    if unknown:
        name = unknown[0]
        listing = _listing(sorted(known)) if known else "(none defined)"
        raise ctx.error(key, f"unknown name {shown(name)}{_hint(name, known)} in {shown(text)}; known names: {listing}")
    return expr


def _parse_derived(ctx: _Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter]
                   ) -> tuple[dict[str, Expression], tuple[str, ...]]:
    table = _table(ctx, data, "derived", "derived")
    known = set(parameters) | set(table)
    out: dict[str, Expression] = {}
    for name, text in table.items():
        key = ctx.at = f"derived.{name}"
        _name(ctx, name, key)
        if name in parameters:
            raise ctx.error(key, f"{shown(name)} is already a parameter; a derived name must be new")
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            raise ctx.error(key, f"must be a formula string, got {shown(text)}")
        out[name] = _formula(ctx, text, key, known)
    ctx.at = "derived"
    try:
        order = order_formulas({n: e.names for n, e in out.items()})
    except ExpressionError as exc:
        raise ctx.error("derived", str(exc)) from None
    return out, tuple(order)


def _parse_study(ctx: _Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter], known: set[str]) -> Study:
    ctx.at = "study"
    table = _table(ctx, data, "study", "study", required=True)
    _check_keys(ctx, table, _STUDY_KEYS, "study")
    name = _str(ctx, table, "name", "study.name")
    _str(ctx, table, "source", "study.source", default="")
    currency = _str(ctx, table, "currency", "study.currency", default="EUR")
    price_year = table.get("price_year")
    if price_year is not None and (isinstance(price_year, bool) or not isinstance(price_year, int)
                                   or not 1 <= price_year <= 9999):
        raise ctx.error("study.price_year", f"must be a year (a whole number from 1 to 9999), got {shown(price_year)}")

    if "horizon" not in table:
        raise ctx.error("study.horizon", "is required: a whole number of years, or the name of an integer parameter")
    horizon = table["horizon"]
    if isinstance(horizon, bool) or not isinstance(horizon, (int, str)):
        raise ctx.error("study.horizon", f"must be a whole number of years or a parameter name, got {shown(horizon)}")
    if isinstance(horizon, int):
        _check_horizon_years(ctx, horizon)
    else:
        if horizon not in parameters:
            raise ctx.error("study.horizon", f"unknown parameter {shown(horizon)}{_hint(horizon, parameters)}; "
                            f"known parameters: {_listing(parameters)}")
        dist = parameters[horizon].dist
        lo, hi = dist.support()
        if not (dist.integer or (dist.fixed and dist.base == int(dist.base))):
            raise ctx.error("study.horizon", f"parameter {shown(horizon)} must be an integer or a fixed whole number, "
                            f"got a {dist.name} distribution")
        if not 1 <= lo <= hi <= MAX_HORIZON:
            raise ctx.error("study.horizon", f"parameter {shown(horizon)} must stay between 1 and {MAX_HORIZON} years, "
                            f"got [{lo:g}, {hi:g}]")

    rate_raw = table.get("discount_rate")
    if rate_raw is None:
        raise ctx.error("study.discount_rate", "is required: a fraction per year (e.g. 0.03) or a parameter name")
    rate = _formula(ctx, rate_raw, "study.discount_rate", known)
    if rate.constant is not None and not -1 < rate.constant < 1:
        raise ctx.error("study.discount_rate", f"must be a fraction per year in (-1, 1), e.g. 0.03; got {rate.constant:g}")
    if isinstance(rate_raw, str) and rate_raw.strip() in parameters:
        lo, hi = parameters[rate_raw.strip()].dist.support()
        if lo <= -1 or hi >= 1:
            raise ctx.error("study.discount_rate", f"parameter {shown(rate_raw)} must stay in (-1, 1) (a fraction per year), "
                            f"got support [{lo:g}, {hi:g}]")
    return Study(
        name=name,
        currency=currency,
        price_year=price_year,
        horizon=horizon,
        discount_rate=rate,
        description=_str(ctx, table, "description", "study.description", default=""),
    )


def _parse_simulation(ctx: _Ctx, data: Mapping[str, Any]) -> Simulation:
    ctx.at = "simulation"
    table = _table(ctx, data, "simulation", "simulation")
    _check_keys(ctx, table, _SIM_KEYS, "simulation")
    d = Simulation()
    samples = _int(ctx, table, "samples", "simulation.samples", d.samples, minimum=2)
    seed = _int(ctx, table, "seed", "simulation.seed", d.seed, minimum=0, maximum=None)  # entropy: any size
    sampler = table.get("sampler", d.sampler)
    if sampler not in SAMPLERS:
        raise ctx.error("simulation.sampler", f"must be one of {', '.join(SAMPLERS)}, got {shown(sampler)}{_hint(sampler, SAMPLERS)}")
    chunk = _int(ctx, table, "chunk_size", "simulation.chunk_size", d.chunk_size, minimum=1)
    replicates = None
    if "replicates" in table:
        replicates = _int(ctx, table, "replicates", "simulation.replicates", 16, minimum=2)
        if sampler == "mc":
            raise ctx.error("simulation.replicates", "applies to the sobol and lhs samplers only (mc draws are "
                            f"independent), got {replicates} with sampler = 'mc'")
        if replicates > samples // 2:
            raise ctx.error("simulation.replicates", f"must be at most samples / 2 ({samples // 2}) so that every "
                            f"randomisation has 2 or more draws, got {replicates}")
    percentiles = table.get("percentiles", list(d.percentiles))
    if (not isinstance(percentiles, list) or not percentiles
            or not all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 < p < 100 for p in percentiles)):
        raise ctx.error("simulation.percentiles", f"must be a list of numbers strictly between 0 and 100, got {shown(percentiles)}")
    return Simulation(samples=samples, seed=seed, sampler=sampler, chunk_size=chunk, replicates=replicates,
                      # 5 and 95 always: every table and figure shows the 90% interval
                      percentiles=tuple(sorted({float(p) for p in percentiles} | {5.0, 95.0})))


def _parse_items(ctx: _Ctx, data: Mapping[str, Any], stakeholders: Mapping[str, str], known: set[str],
                 max_horizon: int) -> tuple[Item, ...]:
    raw = data.get("items")
    if raw is None:
        raise ctx.error("items", "is required: at least one [[items]] table")
    if not isinstance(raw, list) or not raw:
        raise ctx.error("items", f"must be a non-empty array of tables ([[items]]), got {shown(raw)}")
    items: list[Item] = []
    seen: set[str] = set()
    for i, spec in enumerate(raw):
        key = f"items[{i}]"
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table, got {shown(spec)}")
        if "id" in spec and isinstance(spec["id"], str):
            key = f"items.{spec['id']}"
        ctx.at = key
        _check_keys(ctx, spec, _ITEM_KEYS, key)
        item_id = _str(ctx, spec, "id", f"{key}.id")
        _name(ctx, item_id, f"{key}.id")
        if item_id in seen:
            raise ctx.error(f"{key}.id", f"duplicate item id {shown(item_id)}; ids must be unique")
        seen.add(item_id)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ctx.error(f"{key}.kind", f"must be one of {', '.join(KINDS)}, got {shown(kind)}")
        stakeholder = _str(ctx, spec, "stakeholder", f"{key}.stakeholder")
        if stakeholder not in stakeholders:
            raise ctx.error(f"{key}.stakeholder", f"unknown stakeholder {shown(stakeholder)}{_hint(stakeholder, stakeholders)}; "
                            f"known: {_listing(stakeholders)}")
        if "financial" not in spec:
            raise ctx.error(f"{key}.financial", "is required: true for money that changes hands, false for intangible value")
        financial = spec["financial"]
        if not isinstance(financial, bool):
            raise ctx.error(f"{key}.financial", f"must be true or false, got {shown(financial)}")
        if "value" not in spec:
            raise ctx.error(f"{key}.value", "is required: the amount in the first year of the stream (a number or formula)")
        value = _formula(ctx, spec["value"], f"{key}.value", known)
        start = _int(ctx, spec, "start", f"{key}.start", 0, minimum=0)
        if start >= max_horizon:
            raise ctx.error(f"{key}.start", f"must be < the longest horizon ({max_horizon} years; year 0 is the first), "
                            f"got {shown(start)}: the item would never count")
        duration = spec.get("duration")
        if duration is not None:
            duration = _int(ctx, spec, "duration", f"{key}.duration", minimum=1)
        persistence = _formula(ctx, spec.get("persistence", 1.0), f"{key}.persistence", known)
        growth = _bool(ctx, spec, "growth", f"{key}.growth", default=False)
        items.append(Item(
            id=item_id,
            label=_str(ctx, spec, "label", f"{key}.label", default=item_id),
            kind=kind,
            stakeholder=stakeholder,
            financial=financial,
            value=value,
            start=start,
            duration=duration,
            persistence=persistence,
            growth=growth,
            group=_str(ctx, spec, "group", f"{key}.group", default=""),
            source=_str(ctx, spec, "source", f"{key}.source", default=""),
        ))
    return tuple(items)


def _select(ctx: _Ctx, spec: Any, key: str, kind: str, items: tuple[Item, ...], stakeholders: Mapping[str, str]) -> tuple[str, ...]:
    pool = [it for it in items if it.kind == kind]
    ids = [it.id for it in items]
    if spec == "all":
        chosen = pool
    elif isinstance(spec, list):
        for x in spec:
            if x not in ids:
                raise ctx.error(key, f"unknown item {shown(x)}{_hint(x, ids)}; known items: {_listing(ids)}")
        chosen = [it for it in pool if it.id in spec]
        wrong = [x for x in spec if x not in {it.id for it in pool}]
        if wrong:
            raise ctx.error(key, f"item {shown(wrong[0])} is not a {kind} item")
    elif isinstance(spec, dict):
        _check_keys(ctx, spec, _SELECT_KEYS, key)
        chosen = pool
        if "stakeholder" in spec:
            wanted = spec["stakeholder"]
            wanted = [wanted] if isinstance(wanted, str) else wanted
            if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
                raise ctx.error(f"{key}.stakeholder", f"must be a stakeholder id or a list of them, got {shown(spec['stakeholder'])}")
            for s in wanted:
                if s not in stakeholders:
                    raise ctx.error(f"{key}.stakeholder", f"unknown stakeholder {shown(s)}{_hint(s, stakeholders)}; known: {_listing(stakeholders)}")
            chosen = [it for it in chosen if it.stakeholder in wanted]
        if "financial" in spec:
            if not isinstance(spec["financial"], bool):
                raise ctx.error(f"{key}.financial", f"must be true or false, got {shown(spec['financial'])}")
            chosen = [it for it in chosen if it.financial == spec["financial"]]
        for sub in ("items", "exclude"):
            if sub in spec:
                lst = spec[sub]
                if not isinstance(lst, list) or not all(isinstance(x, str) for x in lst):
                    raise ctx.error(f"{key}.{sub}", f"must be a list of item ids, got {shown(lst)}")
                for x in lst:
                    if x not in ids:
                        raise ctx.error(f"{key}.{sub}", f"unknown item {shown(x)}{_hint(x, ids)}; known items: {_listing(ids)}")
                if sub == "items":
                    chosen = [it for it in chosen if it.id in lst]
                else:
                    chosen = [it for it in chosen if it.id not in lst]
    else:
        raise ctx.error(key, f"must be \"all\", a list of item ids or a filter table "
                        f"{{stakeholder = ..., financial = ..., items = [...], exclude = [...]}}, got {shown(spec)}")
    if not chosen:
        raise ctx.error(key, f"selects no {kind} items; check the filter {shown(spec)}")
    return tuple(it.id for it in chosen)


def _parse_outputs(ctx: _Ctx, data: Mapping[str, Any], items: tuple[Item, ...], stakeholders: Mapping[str, str]) -> dict[str, Output]:
    table = _table(ctx, data, "outputs", "outputs")
    out: dict[str, Output] = {}
    for name, spec in table.items():
        key = ctx.at = f"outputs.{name}"
        _name(ctx, name, key)
        if name in BUILTIN_OUTPUTS:
            raise ctx.error(key, f"{shown(name)} is a built-in output ({', '.join(BUILTIN_OUTPUTS)}); choose another name")
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table, got {shown(spec)}")
        _check_keys(ctx, spec, _OUTPUT_KEYS, key)
        measure = spec.get("measure", "ratio")
        if measure not in MEASURES:
            raise ctx.error(f"{key}.measure", f"must be one of {', '.join(MEASURES)}, got {shown(measure)}")
        benefits = _select(ctx, spec.get("benefits", "all"), f"{key}.benefits", "benefit", items, stakeholders)
        costs = _select(ctx, spec.get("costs", "all"), f"{key}.costs", "cost", items, stakeholders)
        target = spec.get("target")
        if target is not None:
            target = _finite_number(ctx, target, f"{key}.target", "a finite number (the published figure)")
        tol_rule = "a finite number > 0 (absolute)"
        tol = _finite_number(ctx, spec.get("tolerance", 0.005), f"{key}.tolerance", tol_rule)
        if not tol > 0:
            raise ctx.error(f"{key}.tolerance", f"must be {tol_rule}, got {shown(spec['tolerance'])}")
        out[name] = Output(
            name=name,
            label=_str(ctx, spec, "label", f"{key}.label", default=name.replace("_", " ")),
            measure=measure,
            benefit_items=benefits,
            cost_items=costs,
            target=None if target is None else float(target),
            tolerance=float(tol),
            description=_str(ctx, spec, "description", f"{key}.description", default=""),
        )
    return out


def _parse_correlations(ctx: _Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter], *,
                        repair: bool = False) -> tuple[tuple[Correlation, ...], tuple["ConfigWarning", ...]]:
    """The rank correlations, and a note when ``repair`` replaced their normal-score matrix."""
    raw = data.get("correlations", [])
    if not isinstance(raw, list):
        raise ctx.error("correlations", f"must be an array of tables ([[correlations]]), got {shown(raw)}")
    out: list[Correlation] = []
    seen: set[frozenset[str]] = set()
    involved: set[str] = set()
    for i, spec in enumerate(raw):
        key = ctx.at = f"correlations[{i}]"
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table, got {shown(spec)}")
        _check_keys(ctx, spec, _CORR_KEYS, key)
        between = spec.get("between")
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(b, str) for b in between)):
            raise ctx.error(f"{key}.between", f"must be a list of two parameter names, got {shown(between)}")
        a, b = between
        for p in (a, b):
            if p not in parameters:
                raise ctx.error(f"{key}.between", f"unknown parameter {shown(p)}{_hint(p, parameters)}")
            if parameters[p].dist.fixed:
                raise ctx.error(f"{key}.between", f"parameter {shown(p)} is fixed; only uncertain parameters can correlate")
        if a == b:
            raise ctx.error(f"{key}.between", f"must name two different parameters, got {shown(a)} twice")
        pair = frozenset((a, b))
        if pair in seen:
            raise ctx.error(f"{key}.between", f"the pair {shown(a)}, {shown(b)} is given twice")
        seen.add(pair)
        involved |= pair
        if len(involved) > MAX_CORRELATED:
            raise ctx.error(f"{key}.between", f"at most {MAX_CORRELATED:,} parameters can take part in correlations "
                            f"(the copula factors, and may repair, their k x k matrix before any draw); this pair "
                            f"makes {len(involved):,}")
        rank = spec.get("rank")
        if isinstance(rank, bool) or not isinstance(rank, (int, float)) or not -1 < rank < 1:
            raise ctx.error(f"{key}.rank", f"must be a Spearman rank correlation strictly between -1 and 1, got {shown(rank)}")
        out.append(Correlation(a=a, b=b, rank=float(rank), source=_str(ctx, spec, "source", f"{key}.source", default="")))
    if not out:
        return (), ()
    ctx.at = "correlations"
    from ..sampling import CopulaError, correlation_matrix, repaired_ranks

    names = [n for n in parameters if not parameters[n].dist.fixed]
    try:
        correlation_matrix(names, out)
    except CopulaError as exc:
        if not (repair and exc.kind == "normal"):
            also = (" (simulation.repair_correlations mends only the normal-score matrix of rank correlations "
                    "that some joint distribution has)") if repair else ""
            raise ctx.error("correlations", str(exc) + also) from None
        return _repair_correlations(ctx, names, out, exc.eigenvalue, repaired_ranks(names, out))
    return tuple(out), ()


def _repair_correlations(ctx: _Ctx, names: list[str], given: list[Correlation], eigenvalue: float,
                         ranks: Mapping[tuple[str, str], float]) -> tuple[tuple[Correlation, ...], tuple["ConfigWarning", ...]]:
    """Correlations after ``[simulation] repair_correlations``, with a note giving the largest change."""
    old = {frozenset((c.a, c.b)): c for c in given}
    new = {frozenset(pair): rank for pair, rank in ranks.items()}
    out = []
    for (a, b), rank in ranks.items():
        c = old.get(frozenset((a, b)))
        source = f"{c.source} [repaired: simulation.repair_correlations]".strip() if c else \
            "implied by the repair (simulation.repair_correlations)"
        out.append(Correlation(a=c.a if c else a, b=c.b if c else b, rank=rank, source=source))

    def change(pair: frozenset[str]) -> float:
        return abs(new.get(pair, 0.0) - (old[pair].rank if pair in old else 0.0))

    worst = max(set(old) | set(new), key=change)
    a, b = (old[worst].a, old[worst].b) if worst in old else next(p for p in ranks if frozenset(p) == worst)
    before = old[worst].rank if worst in old else 0.0
    added = len(set(new) - set(old))
    message = (f"repaired as asked (simulation.repair_correlations = true): the normal-score image of the rank "
               f"correlations was not positive definite (smallest eigenvalue {eigenvalue:.3g}), so the nearest "
               f"positive definite one is used (Higham 2002); largest change in a rank correlation: "
               f"{a} ~ {b} from {before:.4g} to {new.get(worst, 0.0):.4g} (by {change(worst):.3g})"
               + (f"; {added} pair(s) not given are now slightly correlated" if added else ""))
    return tuple(out), (ConfigWarning(ctx.file, "correlations", message),)


# --------------------------------------------------------------------------- the base case
def base_values(config: Config) -> dict[str, np.ndarray]:
    """Every parameter at its base value, as arrays of shape (1,)."""
    return {name: np.full(1, p.dist.base) for name, p in config.parameters.items()}


def with_derived(config: Config, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (parameter name -> scalar or array) plus every derived formula, in dependency order."""
    env: dict[str, Any] = dict(values)
    for name in config.derived_order:
        env[name] = config.derived[name](env)
    return env


def _number_text(x: float) -> str:
    """A number for a message: whole amounts with thousands separators, else 6 significant digits."""
    if math.isfinite(x) and abs(x) >= 1e4 and x == round(x):
        return f"{x:,.0f}"
    return f"{x:.6g}"


def _scalar(x: Any) -> float:
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def _check_base(ctx: _Ctx, config: Config) -> None:
    """Rules at the deterministic base case: costs >= 0, persistence in [0, 1] (>= 0 with growth)."""
    ctx.at = "derived"
    env = with_derived(config, base_values(config))
    for it in config.items:
        key = ctx.at = f"items.{it.id}"
        value = _scalar(it.value(env))
        if it.kind == "cost" and value < 0:
            raise ctx.error(f"{key}.value", f"a cost must be >= 0 at base, got {_number_text(value)} "
                            f"({shown(it.value.text)}); a negative cost is a saving: write it as an item with "
                            f'kind = "benefit" and the opposite sign')
        rho = _scalar(it.persistence(env))
        where = "" if it.persistence.constant is not None else " at base"
        got = _number_text(rho) + ("" if it.persistence.constant is not None else f" ({shown(it.persistence.text)})")
        if it.growth and not rho >= 0:
            raise ctx.error(f"{key}.persistence", f"must be >= 0 (the share kept from one year to the next; growth = "
                            f"true allows more than 1){where}, got {got}")
        if not it.growth and not 0 <= rho <= 1:
            raise ctx.error(f"{key}.persistence", f"must lie in [0, 1] (the share kept from one year to the "
                            f"next){where}, got {got}; a stream that grows each year needs growth = true")


# --------------------------------------------------------------------------- warnings
@dataclass(frozen=True)
class ConfigWarning:
    """Something legal but probably a mistake, named like an error: ``FILE: dotted.key: message``."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


#: Quantiles at which :func:`sign_risks` sweeps one parameter (support ends replace the extremes when finite,
#: except for the ``finite`` check, which stays inside the support: a draw never lands on its end).
_SWEEP = (1e-6, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1 - 1e-6)
#: Quantiles of the joint sweep of a cost item's parameters (:func:`joint_risks`): each at its low or high one.
_CORNER = (1e-3, 1 - 1e-3)
#: Up to this many parameters in one formula, :func:`joint_risks` evaluates every corner (2**10 = 1,024)...
MAX_CORNER_PARAMETERS = 10
#: ... beyond, this many random corners: each parameter low in half of them and high in the other half
#: (a Latin hypercube on the corners), with a fixed seed so that validate always says the same.
CORNER_DRAWS = 1024
_CORNER_SEED = 20240806
#: Parameters swept together in one evaluation by :func:`sign_risks` (bounds its memory: batch**2 x 9 values).
_SWEEP_BATCH = 256
#: Beyond this many parameters in one formula, :func:`joint_risks` reports the worst corner as found, without
#: reducing it to a minimal combination (one evaluation per parameter).
_MINIMISE_MAX = 64
#: Values (rows x parameters) :func:`joint_risks` evaluates together.
_JOINT_VALUES = 2**20


def parameters_of(config: Config, names: Iterable[str]) -> set[str]:
    """The parameters a formula with these names reads, directly or through derived formulas."""
    out: set[str] = set()
    todo = list(names)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in config.derived:
            todo.extend(config.derived[name].names)
        elif name in config.parameters:
            out.add(name)
    return out


#: Sweep points per distribution (keyed by identity; a config and its scenarios share their distributions).
_POINTS: dict[int, tuple[Distribution, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _points(dist: Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the sweep with finite support ends, the sweep inside the support, the corners): one ppf call, kept."""
    hit = _POINTS.get(id(dist))
    if hit is not None and hit[0] is dist:
        return hit[1]
    q = np.asarray(_SWEEP + _CORNER)
    values = np.asarray(dist.ppf(q), dtype=float).reshape(q.shape)
    inner, corner = values[:len(_SWEEP)], values[len(_SWEEP):]
    ends = inner.copy()
    lo, hi = dist.support()
    if math.isfinite(lo):
        ends[0] = lo
    if math.isfinite(hi):
        ends[-1] = hi
    for a in (ends, inner, corner):
        a.flags.writeable = False
    if len(_POINTS) >= 4096:
        _POINTS.clear()
    _POINTS[id(dist)] = (dist, (ends, inner, corner))
    return ends, inner, corner


def _sweep_points(dist: Distribution) -> np.ndarray:
    return _points(dist)[0]


@dataclass(frozen=True)
class SignRisk:
    """One parameter that, alone, can push an item's value (or persistence) out of range.

    ``quantile`` is the swept quantile (0 or 1 for a finite support end), ``at`` the
    parameter's value there and ``value`` the item's value (or persistence) with every
    other parameter at base.
    """

    item: str
    parameter: str
    quantile: float
    at: float
    value: float


_WHAT = ("cost", "persistence", "finite")


def _formula_of(item: Item, what: str) -> Expression:
    return item.persistence if what == "persistence" else item.value


def _items_for(config: Config, what: str, items: Iterable[str] | None) -> list[Item]:
    if what not in _WHAT:
        raise ValueError(f"what must be one of {', '.join(_WHAT)}, got {what!r}")
    wanted = None if items is None else set(items)
    return [it for it in config.items
            if (what != "cost" or it.kind == "cost") and (wanted is None or it.id in wanted)]


def _out_of_range(what: str, item: Item, y: np.ndarray) -> np.ndarray:
    """Where a cost is < 0, a persistence outside [0, 1] ([0, inf) with growth) or NaN, a value not finite."""
    if what == "cost":
        return y < 0
    if what == "persistence":
        return (y < 0) | ((y > 1) & (not item.growth)) | np.isnan(y)
    return ~np.isfinite(y)


def _distance(what: str, item: Item, y: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """How far each bad point lies out of range (NaN the farthest), -1 elsewhere: its argmax is the worst point."""
    upper = np.inf if what == "cost" or item.growth else 1.0
    return np.where(bad, np.nan_to_num(np.abs(y - np.clip(y, 0.0, upper)), nan=np.inf), -1.0)


def sign_risks(config: Config, *, what: str = "cost", items: Iterable[str] | None = None) -> list[SignRisk]:
    """Parameters that alone, everything else at base, push an item's value or persistence out of range.

    ``what="cost"``: a cost item's value below 0; ``what="persistence"``: an item's
    persistence below 0 or (without ``growth``) above 1; ``what="finite"``: an item's
    value NaN or infinite.  Every uncertain parameter the formula reads (directly or
    through derived formulas) is swept over its support with all others at base: its
    ends where finite (for ``finite``, the 1e-6 and 1 - 1e-6 quantiles, since no draw
    lands on an end), else those quantiles, and quantiles between.  The point recorded is
    the worst one (for ``finite``, the one nearest the median: where the trouble starts).
    Draws that move several parameters at once can go further (:func:`joint_risks`):
    this is a screen, not a bound.  ``items`` restricts the check to these item ids.
    """
    chosen = _items_for(config, what, items)
    reads = {it.id: [p for p in sorted(parameters_of(config, _formula_of(it, what).names))
                     if not config.parameters[p].dist.fixed] for it in chosen}
    params = sorted({p for ps in reads.values() for p in ps})
    if not params:
        return []
    # one evaluation per batch of parameters: block j of the rows sweeps the batch's j-th parameter, everything
    # else at base (batches bound the memory: each swept parameter is a column of batch x points values)
    m = len(_SWEEP)
    points = {p: _points(config.parameters[p].dist)[1 if what == "finite" else 0] for p in params}
    base = base_values(config)
    number = {p: j for j, p in enumerate(params)}
    by_batch: dict[str, dict[int, list[str]]] = {}  # item -> batch -> the parameters it reads there
    for it in chosen:
        for p in reads[it.id]:
            by_batch.setdefault(it.id, {}).setdefault(number[p] // _SWEEP_BATCH, []).append(p)
    found: dict[tuple[str, str], SignRisk] = {}
    with np.errstate(all="ignore"):
        for start in range(0, len(params), _SWEEP_BATCH):
            batch = params[start:start + _SWEEP_BATCH]
            values: dict[str, Any] = dict(base)
            for j, p in enumerate(batch):
                column = np.full(len(batch) * m, float(base[p][0]))
                column[j * m:(j + 1) * m] = points[p]
                values[p] = column
            env = with_derived(config, values)
            block = {p: j for j, p in enumerate(batch)}
            for it in chosen:
                mine = by_batch.get(it.id, {}).get(start // _SWEEP_BATCH)
                if not mine:
                    continue
                y_all = np.broadcast_to(np.asarray(_formula_of(it, what)(env), dtype=float), (len(batch) * m,))
                for p in mine:
                    risk = _worst(config, what, it, p, points[p], y_all[block[p] * m:(block[p] + 1) * m])
                    if risk is not None:
                        found[it.id, p] = risk
    return [found[it.id, p] for it in chosen for p in reads[it.id] if (it.id, p) in found]  # config order


def _worst(config: Config, what: str, item: Item, p: str, at: np.ndarray, y: np.ndarray) -> SignRisk | None:
    """The point of a one-parameter sweep to report, or None when the item stays in range."""
    bad = _out_of_range(what, item, y)
    if not np.any(bad):
        return None
    m = len(_SWEEP)
    if what == "finite":
        k = min(np.flatnonzero(bad), key=lambda j: abs(j - m // 2))
        return SignRisk(item.id, p, _SWEEP[k], float(at[k]), float(y[k]))
    k = int(np.argmax(_distance(what, item, y, bad)))  # the worst point
    lo, hi = config.parameters[p].dist.support()
    q = 0.0 if k == 0 and math.isfinite(lo) else 1.0 if k == m - 1 and math.isfinite(hi) else _SWEEP[k]
    return SignRisk(item.id, p, q, float(at[k]), float(y[k]))


@dataclass(frozen=True)
class JointRisk:
    """Parameters that together, and none alone, push an item's value (or persistence) out of range.

    Each of ``parameters`` sits at the corner of its range given in ``quantiles`` (0 or
    1 for a finite support end) and ``at``, everything else at base; ``value`` is the
    item's value (or persistence) there.  The combination is minimal: moving any one of
    its parameters back to base brings the item back into range.
    """

    item: str
    parameters: tuple[str, ...]
    quantiles: tuple[float, ...]
    at: tuple[float, ...]
    value: float


def _corners(k: int) -> np.ndarray:
    """Rows of 0 (low end) and 1 (high end) for k parameters: all 2**k corners, or random balanced ones."""
    if k <= MAX_CORNER_PARAMETERS:
        return (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
    rng = np.random.default_rng(_CORNER_SEED)
    half = np.arange(CORNER_DRAWS) % 2
    return np.column_stack([rng.permutation(half) for _ in range(k)])


def joint_risks(config: Config, *, what: str = "cost", items: Iterable[str] | None = None) -> list[JointRisk]:
    """Corners of the parameters' ranges where an item's value (or persistence) leaves its range.

    For every item (cost items for ``what="cost"``) whose formula reads at least two
    uncertain parameters and that no parameter alone pushes out of range
    (:func:`sign_risks`), the parameters are set to the ends of their ranges together,
    everything else at base: every corner for up to :data:`MAX_CORNER_PARAMETERS`
    parameters, else :data:`CORNER_DRAWS` random corners (each parameter low in half,
    high in the other half, a fixed seed) and the two corners that move every parameter
    the way that, on its own, lowers (raises) the value.  The ends are the 0.1% and 99.9%
    quantiles for costs (a combination of unlikely values is a risk worth a warning, not
    of impossible ones), the support's ends (or its 1e-6 and 1 - 1e-6 quantiles) for a
    persistence, whose rule holds in every draw.  The worst corner found is reduced to a
    minimal combination (for up to 64 parameters): parameters whose return to base keeps
    the item out of range are dropped, one at a time.  ``what="finite"`` is not swept
    jointly.  A screen, not a bound: a formula that is worst inside its ranges escapes it.
    """
    if what == "finite":
        raise ValueError("joint_risks checks costs and persistence; finite values are swept one at a time")
    chosen = _items_for(config, what, items)
    alone = {r.item for r in sign_risks(config, what=what, items=[it.id for it in chosen])}
    base = base_values(config)
    out = []
    with np.errstate(all="ignore"):
        for it in chosen:
            expr = _formula_of(it, what)
            params = [p for p in sorted(parameters_of(config, expr.names)) if not config.parameters[p].dist.fixed]
            if it.id in alone or len(params) < 2:
                continue
            ends, quantiles = [], []
            for p in params:
                dist = config.parameters[p].dist
                if what == "cost":
                    ends.append(_points(dist)[2])
                    quantiles.append(_CORNER)
                else:
                    points = _sweep_points(dist)
                    lo, hi = dist.support()
                    ends.append(points[[0, -1]])
                    quantiles.append((0.0 if math.isfinite(lo) else _SWEEP[0], 1.0 if math.isfinite(hi) else _SWEEP[-1]))
            ends_ = np.array(ends)  # (k, 2)
            k = len(params)
            step = max(1, _JOINT_VALUES // k)  # rows evaluated together: bounds the memory at about k x step values

            def value_at(high: np.ndarray, moved: np.ndarray) -> np.ndarray:
                """The item where each parameter is at its high (``high``) or low end (where ``moved``), else at base."""
                y = np.empty(high.shape[0])
                for a in range(0, high.shape[0], step):
                    h, mv = high[a:a + step], moved[a:a + step]
                    values = dict(base)
                    for j, p in enumerate(params):
                        values[p] = np.where(mv[:, j], np.where(h[:, j], ends_[j, 1], ends_[j, 0]), base[p][0])
                    y[a:a + step] = np.broadcast_to(np.asarray(expr(with_derived(config, values)), dtype=float),
                                                    (h.shape[0],))
                return y

            rows = _corners(k).astype(bool)
            if k > MAX_CORNER_PARAMETERS:
                # add the corners that push every parameter the way that, alone, lowers (raises) the item
                down = np.zeros(k, dtype=bool)
                for a in range(0, k, _SWEEP_BATCH):  # rows 2i and 2i + 1: the batch's i-th parameter low and high
                    batch = range(a, min(k, a + _SWEEP_BATCH))
                    values = dict(base)
                    for i, j in enumerate(batch):
                        column = np.full(2 * len(batch), float(base[params[j]][0]))
                        column[2 * i:2 * i + 2] = ends_[j]
                        values[params[j]] = column
                    y = np.broadcast_to(np.asarray(expr(with_derived(config, values)), dtype=float), (2 * len(batch),))
                    down[a:a + len(batch)] = y[1::2] < y[0::2]
                rows = np.vstack([rows, down, ~down])
            y = value_at(rows, np.ones(rows.shape, dtype=bool))
            bad = _out_of_range(what, it, y)
            if not np.any(bad):
                continue
            worst = int(np.argmax(_distance(what, it, y, bad)))
            row, keep = rows[worst:worst + 1], np.ones((1, k), dtype=bool)
            value = float(y[worst])
            for j in range(k if k <= _MINIMISE_MAX else 0):  # back to base one at a time, while still out of range
                trial = keep.copy()
                trial[0, j] = False
                y_trial = value_at(row, trial)
                if trial.any() and _out_of_range(what, it, y_trial)[0]:
                    keep, value = trial, float(y_trial[0])
            used = [j for j in range(k) if keep[0, j]]
            out.append(JointRisk(it.id, tuple(params[j] for j in used),
                                 tuple(quantiles[j][int(row[0, j])] for j in used),
                                 tuple(float(ends_[j, int(row[0, j])]) for j in used), value))
    return out


def _and(words: Iterable[str], limit: int = 8) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit`` words, the first ones and how many more."""
    words = list(words)
    if len(words) > limit:
        return ", ".join(words[:limit]) + f" and {len(words) - limit:,} more"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _combination_words(risk: JointRisk) -> str:
    """``cost_a at its 0.1% quantile (80.04) and rebate at its 99.9% quantile (89.93)``."""
    return _and(f"{p} at {_quantile_words(q)} ({_number_text(x)})"
                for p, q, x in zip(risk.parameters, risk.quantiles, risk.at))


def _formula_words(expr: Expression, *, unless: str) -> str:
    """``; 'a * b'``: the formula, unless it is just the parameter's name."""
    return "" if expr.text.strip() == unless else f"; {shown(expr.text)}"


def check_draw_support(config: Config) -> None:
    """A persistence must lie in [0, 1] ([0, inf) with ``growth = true``) in every draw: refuse a config
    whose parameters' support takes one outside, alone (:func:`sign_risks`) or together (:func:`joint_risks`).

    Raises
    ------
    ConfigError
        At ``items.<id>.persistence``, naming the parameter (or combination), where in its
        support and the persistence there.
    """
    for risk in sign_risks(config, what="persistence"):
        it = config.item(risk.item)
        dist = config.parameters[risk.parameter].dist
        lo, hi = dist.support()
        raise ConfigError(
            f"{_persistence_rule(it)}, but {risk.parameter}'s support [{lo:g}, {hi:g}] ({dist.name}) takes it to "
            f"{_number_text(risk.value)} (with {risk.parameter} at {_quantile_words(risk.quantile)} "
            f"({_number_text(risk.at)}), everything else at base{_formula_words(it.persistence, unless=risk.parameter)})"
            f": bound {risk.parameter}"
            + ("" if it.growth else " or set growth = true for a stream that grows"),
            file=config.path, key=f"items.{risk.item}.persistence")
    for risk in joint_risks(config, what="persistence"):
        it = config.item(risk.item)
        raise ConfigError(
            f"{_persistence_rule(it)}, but the supports of {_and(risk.parameters)} take it to "
            f"{_number_text(risk.value)} together (with {_combination_words(risk)}, everything else at base; "
            f"{shown(it.persistence.text)}): narrow their ranges or bound the formula (e.g. clip(..., 0, 1))"
            + ("" if it.growth else " or set growth = true for a stream that grows"),
            file=config.path, key=f"items.{risk.item}.persistence")


def _persistence_rule(item: Item) -> str:
    if item.growth:
        return "must be >= 0 (the share kept from one year to the next; growth = true allows more than 1) in every draw"
    return ("must lie in [0, 1] (the share kept from one year to the next) in every draw unless the item says "
            "growth = true")


def _quantile_words(q: float) -> str:
    if q == 0.0:
        return "the bottom of its support"
    if q == 1.0:
        return "the top of its support"
    return f"its {100 * q:.6g}% quantile"


def config_warnings(config: Config) -> list[ConfigWarning]:
    """What is legal but probably a mistake, in config order (the CLI prints these on stderr).

    * ``parameters.<p>``: not used by any item's value or persistence, the horizon or the
      discount rate (directly or through a derived formula in use);
    * ``derived.<name>``: a formula nothing uses;
    * ``stakeholders.<s>``: a stakeholder with no items (its net value is always 0);
    * what the parameters' ranges allow that the base case does not show
      (:func:`support_warnings`): a cost item negative (one parameter alone, or several
      together), an item's value NaN or infinite, a persistence out of [0, 1];
    * ``correlations``: the matrix was repaired (``[simulation] repair_correlations``).
    """
    file = config.path
    out: list[ConfigWarning] = []
    roots: set[str] = set(config.study.discount_rate.names)
    if isinstance(config.study.horizon, str):
        roots.add(config.study.horizon)
    for it in config.items:
        roots |= it.value.names | it.persistence.names
    used_params = parameters_of(config, roots)
    used_derived: set[str] = set()
    todo = [n for n in roots if n in config.derived]
    while todo:
        name = todo.pop()
        if name not in used_derived:
            used_derived.add(name)
            todo.extend(n for n in config.derived[name].names if n in config.derived)
    for name in config.parameters:
        if name not in used_params:
            out.append(ConfigWarning(file, f"parameters.{name}", "not used by any item's value or persistence, the "
                                     "horizon or the discount rate (directly or through a derived formula in use); "
                                     "remove it or use it"))
    for name in config.derived:
        if name not in used_derived:
            out.append(ConfigWarning(file, f"derived.{name}", "not used by any item, the horizon or the discount "
                                     "rate; remove it or use it"))
    with_items = {it.stakeholder for it in config.items}
    for sid in config.stakeholders:
        if sid not in with_items:
            out.append(ConfigWarning(file, f"stakeholders.{sid}", "has no items (its net value is always 0); "
                                     "remove it or give it items"))
    out.extend(support_warnings(config))
    out.extend(config.notes)
    return out


def support_warnings(config: Config) -> list[ConfigWarning]:
    """The warnings about the parameters' ranges: what draws can do that the base case does not show.

    * ``parameters.<p>``: alone it can make a cost item negative (:func:`sign_risks`);
    * ``items.<id>.value``: parameters that together, none alone, can make a cost item
      negative (:func:`joint_risks`, at their 0.1% and 99.9% quantiles); in such draws an
      output's costs can be <= 0, where its ratio is undefined;
    * ``items.<id>.value``: a parameter's range makes the item's value NaN or infinite
      (``sign_risks(what="finite")``); the model refuses such draws;
    * ``items.<id>.persistence``: parameters that move it out of [0, 1] (out of [0, inf)
      with ``growth = true``), alone or together; the model refuses such draws
      (``wotsim validate`` refuses the config: :func:`check_draw_support`).

    ``wotsim validate`` prints these for every scenario too (those the base config does not have).
    """
    file = config.path
    out: list[ConfigWarning] = []
    by_parameter: dict[str, list[SignRisk]] = {}
    for risk in sign_risks(config, what="cost"):
        by_parameter.setdefault(risk.parameter, []).append(risk)
    for p, risks in by_parameter.items():
        dist = config.parameters[p].dist
        lo, hi = dist.support()
        first = risks[0]
        items = _listing(repr(r.item) for r in risks)
        out.append(ConfigWarning(file, f"parameters.{p}", (
            f"can make cost item{'s' if len(risks) > 1 else ''} {items} negative: at {_quantile_words(first.quantile)} "
            f"({_number_text(first.at)}; support [{lo:g}, {hi:g}] of its {dist.name} distribution), everything else "
            f"at base, {shown(first.item)} is {_number_text(first.value)}; in such draws an output's costs can be <= 0, "
            f"where its ratio is undefined. If the cost cannot be negative, "
            + (f"bound {p} at 0 (e.g. truncnormal, lognormal, gamma or pert)" if lo < 0 else
               f"check the item's formula and the range of {p}"))))
    for risk in joint_risks(config, what="cost"):
        it = config.item(risk.item)
        out.append(ConfigWarning(file, f"items.{risk.item}.value", (
            f"can be negative when {_and(risk.parameters)} move together, though none does it alone: with "
            f"{_combination_words(risk)}, everything else at base, cost item {shown(it.id)} is "
            f"{_number_text(risk.value)} ({shown(it.value.text)}); in such draws an output's costs can be <= 0, where "
            f"its ratio is undefined. If the cost cannot be negative, check the formula (e.g. maximum(..., 0)) and "
            f"the ranges of {_and(risk.parameters)}")))
    by_item: dict[str, list[SignRisk]] = {}
    for risk in sign_risks(config, what="finite"):
        by_item.setdefault(risk.item, []).append(risk)
    for item_id, risks in by_item.items():
        it, first = config.item(item_id), risks[0]
        others = [r.parameter for r in risks[1:]]
        out.append(ConfigWarning(file, f"items.{item_id}.value", (
            f"not finite over {first.parameter}'s range: at {_quantile_words(first.quantile)} "
            f"({_number_text(first.at)}), everything else at base, {shown(it.value.text)} is "
            f"{_number_text(first.value)}" + (f" (so is it over the range of {_and(others)})" if others else "")
            + f"; runs refuse draws where an item's value is NaN or infinite: bound {_and([first.parameter, *others])}"
            " or guard the formula (e.g. maximum(..., 0) under a square root or log)")))
    for risk in sign_risks(config, what="persistence"):
        it = config.item(risk.item)
        allowed = "[0, inf) (growth = true)" if it.growth else "[0, 1]"
        out.append(ConfigWarning(file, f"items.{risk.item}.persistence", (
            f"{risk.parameter} can move it out of {allowed}: at {_quantile_words(risk.quantile)} "
            f"({_number_text(risk.at)}), everything else at base, it is {_number_text(risk.value)}; runs refuse "
            f"draws outside {allowed}: bound {risk.parameter}"
            + ("" if it.growth else " or set growth = true for a stream that grows"))))
    for risk in joint_risks(config, what="persistence"):
        it = config.item(risk.item)
        allowed = "[0, inf) (growth = true)" if it.growth else "[0, 1]"
        out.append(ConfigWarning(file, f"items.{risk.item}.persistence", (
            f"{_and(risk.parameters)} together can move it out of {allowed}: with {_combination_words(risk)}, "
            f"everything else at base, it is {_number_text(risk.value)}; runs refuse draws outside {allowed}: narrow "
            "their ranges or bound the formula")))
    return out

