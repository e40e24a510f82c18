"""Scenarios: overlays on a config, run with common random numbers and compared in pairs.

A scenario is a small TOML overlay applied to the base config's parsed TOML
(``Config.raw``); the result is validated again by :func:`wotsim.config.parse_config`,
so a scenario config obeys every rule a config does.  Errors name the overlay
file, the scenario and the overlay's own dotted key, e.g.
``configs/scenarios/x.toml (scenario 'x'): scale.n_househods: unknown parameter ...``.

Overlay format (a file under ``<config dir>/scenarios/``, or a table
``[scenarios.<id>]`` in the config itself with the same content)::

    [scenario]
    id = "sharper_selection"          # default: the file name without .toml
    label = "Sharper selection"       # required
    description = "What it represents"  # required
    evidence = "On what evidence the numbers rest"  # required
    category = "recommendation"       # optional free text (recommendation, structural, ...)
    order = 1                         # optional: position in tables (then by id)
    applies_to = "schiedam.toml"      # optional: discovery skips it for other configs

    [replace.cost_per_fte]            # a whole new parameter table (label, unit, group kept)
    dist = "pert"
    low = 60000
    mode = 70000
    high = 80000
    source = "..."

    [scale]                           # multiply a parameter (its whole distribution) by a factor > 0
    n_households = { factor = 0.75, source = "Assumption: ..." }   # or n_households = 0.75
    [shift]                           # add an amount (not for lognormal or gamma)
    fte = { amount = 10, source = "..." }
    [fix]                             # make a parameter fixed at a value
    horizon_years = { value = 3, source = "..." }
                                      # (a fixed parameter leaves the copula: its [[correlations]]
                                      # are dropped, and the description says so)

    [parameters.new_name]             # new parameters (an existing name is an error: use replace)
    [derived]                         # new or overriding derived formulas
    [study]                           # horizon, discount_rate (and source)
    drop_items = ["carers_time"]      # also removed from outputs' explicit item lists
    [[add_items]]                     # new items, as [[items]]
    [outputs.name]                    # new or overriding outputs

One operation per parameter among replace / scale / shift / fix.  Scaling and
shifting act on the distribution's numbers (low, mode, high, mean, sd, median,
quantiles, base, value; a gamma's scale), so the new distribution's quantile
function is exactly ``a * ppf(u)`` or ``ppf(u) + b``: the scenario's draw of a
parameter is the base draw, scaled or shifted.

Common random numbers
---------------------
The uniform that drives a parameter is keyed by the parameter's *name*: every
parameter a scenario shares with the base takes the base design's column (the
same ``(n, d)`` design the base run draws from stream ``"montecarlo"``), before
the copula.  A parameter new to a scenario (or uncertain only there) takes
independent uniforms from its own child of stream ``"scenarios"``, keyed by a
hash of its name, so adding, removing or reordering scenarios never changes
another's numbers, and two scenarios that add the same parameter share its
draws.  These new columns are plain Monte Carlo whatever the base sampler.
Differences between a scenario and the base are then paired draw by draw and
their Monte Carlo standard errors are those of the paired differences.  With
``paired=False`` every scenario draws a whole independent design instead (for
demonstrating what common random numbers buy): its own randomisations, from a
stream keyed by the scenario id, with the points of each randomisation put in
an independent random order.  (Two scrambles of one Sobol' sequence are not
independent point by point: without the shuffle the i-th points of the base and
scenario designs were correlated column by column, |r| up to 0.94.)

Standard errors follow :mod:`wotsim.mcse`: iid formulas for ``mc``; for
``sobol`` and ``lhs``, the spread over the design's R independent
randomisations.  Randomisation k of a scenario is paired with randomisation k
of the base (the same rows), so the R replicate differences are independent
whether the draws are paired or not.  For ``mc``, a percentile's standard error
is half the distance between the order statistics at ranks
``n q -/+ sqrt(n q (1 - q))`` (a distribution-free binomial interval).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..results import mcse
from ..formatting import money
from ..config.loading import Config, _check_keys, _hint, parse_config, read_toml
from ..config.distributions import META_KEYS, DistributionError, make_distribution
from ..errors import ConfigError, WotsimError
from ..config.expressions import shown
from ..limits import check_comparison
from ..model import check_base_case, output_array, output_measure, output_names, ratio_of_means
from ..results.simulation import BaseCase, OutputSummary, SimulationResult, _jsonable, _write_json, summarise, write_atomic_dir
from ..sampling import EPS, STREAMS, DesignStream, apply_copula, correlation_matrix, invert_copula, stream

__all__ = [
    "Comparison",
    "Operation",
    "PairedDifference",
    "Scenario",
    "ScenarioOutcome",
    "ScenarioRun",
    "compare",
    "find_scenarios",
    "format_comparison",
    "load_scenario",
    "parse_scenario",
    "scenario_uniforms",
]

#: Keys of an overlay document.
OVERLAY_KEYS = ("scenario", "replace", "scale", "shift", "fix", "parameters", "derived", "study",
                "drop_items", "add_items", "outputs")
_SCENARIO_KEYS = ("id", "label", "description", "evidence", "category", "order", "applies_to")
_STUDY_KEYS = ("horizon", "discount_rate", "source")
_PARAM_OPS = ("replace", "scale", "shift", "fix")
_OP_NUMBER = {"scale": "factor", "shift": "amount", "fix": "value"}
#: Metadata a replaced or fixed parameter keeps from the base unless the overlay gives it.
_INHERITED = ("label", "unit", "group", "description")
_QKEY = re.compile(r"p\d{2}")  # used with fullmatch
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # used with fullmatch: "$" would accept a final newline

BASE_ID = "base"


# --------------------------------------------------------------------------- scenario definitions
@dataclass(frozen=True)
class Operation:
    """One change a scenario makes.

    Attributes
    ----------
    kind : str
        ``replace``, ``scale``, ``shift``, ``fix``, ``parameter`` (new), ``derived``,
        ``study``, ``drop_item``, ``add_item``, ``output`` or ``drop_correlation`` (a
        correlation of a parameter the scenario made fixed).
    target : str
        The parameter, derived name, study key, item id or output changed.
    detail : str
        What is done, e.g. ``"x 0.75"`` or ``"pert(low=..., ...)"``.
    source : str
        Where the number comes from (or that it is an assumption), as the overlay says.
    """

    kind: str
    target: str
    detail: str
    source: str = ""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its documentation, its operations and the resulting config."""

    id: str
    label: str
    description: str
    evidence: str
    category: str
    order: int
    file: str
    operations: tuple[Operation, ...]
    config: Config = field(repr=False)
    overlay: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)


class _Ctx:
    def __init__(self, file: str, prefix: str = ""):
        self.file = file
        self.prefix = prefix
        self.sid: str | None = None

    @property
    def label(self) -> str:
        return f"{self.file} (scenario {self.sid!r})" if self.sid else self.file

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.label, key=self.prefix + key if key else self.prefix.rstrip("."))


def _is_number(x: Any) -> bool:
    """A finite number that converts to a float (an integer of 4,000 digits does not)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def load_scenario(path: str | Path, base: Config) -> Scenario:
    """Read an overlay file and apply it to ``base``.

    Raises
    ------
    ConfigError
        Naming the file, the scenario and the overlay's dotted key.
    """
    path = Path(path)
    data = read_toml(path, missing="no such scenario file")
    return parse_scenario(data, base, file=str(path), default_id=path.stem)


def parse_scenario(data: Mapping[str, Any], base: Config, *, file: str = "<scenario>",
                   default_id: str | None = None, key_prefix: str = "") -> Scenario:
    """Validate an overlay (a parsed TOML dict) and apply it to ``base``.

    Parameters
    ----------
    data : mapping
        The overlay document.
    base : Config
    file : str
        Named in error messages.
    default_id : str, optional
        The scenario id when ``[scenario].id`` is absent (the file stem).
    key_prefix : str
        Prefix of dotted keys in errors (``"scenarios.<id>."`` for a scenario inside a config).

    Returns
    -------
    Scenario
    """
    ctx = _Ctx(file, key_prefix)
    if not isinstance(data, Mapping):
        raise ctx.error("", f"must be a table, got {data!r}")
    meta = data.get("scenario")
    early_id = meta.get("id", default_id) if isinstance(meta, dict) else default_id
    if isinstance(early_id, str) and _NAME.fullmatch(early_id):
        ctx.sid = early_id  # so that even the first errors name the scenario
    _check_keys(ctx, data, OVERLAY_KEYS, "")

    if not isinstance(meta, dict):
        raise ctx.error("scenario", "is required: a table with id, label, description and evidence")
    _check_keys(ctx, meta, _SCENARIO_KEYS, "scenario")
    sid = meta.get("id", default_id)
    if not isinstance(sid, str) or not _NAME.fullmatch(sid):
        raise ctx.error("scenario.id", f"must be a name of letters, digits and underscores, got {sid!r}")
    if sid == BASE_ID:
        raise ctx.error("scenario.id", f"{BASE_ID!r} is reserved for the base analysis; choose another id")
    ctx.sid = sid
    texts = {}
    for key in ("label", "description", "evidence"):
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ctx.error(f"scenario.{key}", f"is required: a non-empty string, got {value!r}")
        texts[key] = value.strip()
    category = meta.get("category", "")
    if not isinstance(category, str):
        raise ctx.error("scenario.category", f"must be a string, got {category!r}")
    order = meta.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ctx.error("scenario.order", f"must be a whole number, got {order!r}")
    applies_to = meta.get("applies_to", "")
    if not isinstance(applies_to, str):
        raise ctx.error("scenario.applies_to", f"must be a config file name, got {applies_to!r}")

    raw: dict[str, Any] = copy.deepcopy(dict(base.raw))
    raw.pop("scenarios", None)
    params: dict[str, Any] = raw.setdefault("parameters", {})
    base_params = dict(base.parameters)
    ops: list[Operation] = []
    origin: dict[str, str] = {}  # parameter -> overlay table that set it (for error keys)

    # new parameters
    new_params = _table(ctx, data, "parameters")
    for name, spec in new_params.items():
        key = f"parameters.{name}"
        if name in base_params:
            raise ctx.error(key, f"{name!r} is already a parameter of the base config; use [replace.{name}] to change it")
        if name in base.derived:
            raise ctx.error(key, f"{name!r} is a derived formula of the base config; override it under [derived]")
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a parameter table (dist = ..., ...), got {spec!r}")
        params[name] = copy.deepcopy(spec)  # validated with the merged config below
        origin[name] = "parameters"
        ops.append(Operation("parameter", name, _describe(spec), str(spec.get("source", ""))))

    # replace / scale / shift / fix
    seen: dict[str, str] = {}
    for op in _PARAM_OPS:
        table = _table(ctx, data, op)
        for name, spec in table.items():
            key = f"{op}.{name}"
            if name not in base_params:
                if name in base.derived:
                    raise ctx.error(key, f"{name!r} is a derived formula, not a parameter; change the parameters it "
                                         f"uses or override it under [derived]")
                raise ctx.error(key, f"unknown parameter {name!r}{_hint(name, base_params)}; "
                                     f"known parameters: {', '.join(base_params)}")
            if name in seen:
                raise ctx.error(key, f"parameter {name!r} is also changed under [{seen[name]}]; give one operation "
                                     f"per parameter (use [replace.{name}] for a combined change)")
            seen[name] = op
            old = params[name]
            if op == "replace":
                if not isinstance(spec, dict):
                    raise ctx.error(key, f"must be a whole parameter table (dist = ..., ...), got {spec!r}")
                new = copy.deepcopy(spec)
                for meta_key in _INHERITED:
                    if meta_key not in new and meta_key in old:
                        new[meta_key] = old[meta_key]
                source = str(spec.get("source", ""))
                detail = _describe(new)
            else:
                number, source = _op_number(ctx, op, spec, key)
                new = _transform(ctx, op, old, number, key)
                detail = {"scale": f"x {_fmt(number)}", "shift": f"{number:+.6g}", "fix": f"= {_fmt(number)}"}[op]
                note = f"Scenario {sid!r}: {op} {detail}" + (f" ({source})" if source else "")
                new["source"] = f"{old.get('source', '')} {note}".strip() if op != "fix" else note
            params[name] = new
            origin[name] = op
            ops.append(Operation(op, name, detail, source))
    dropped = _drop_fixed_correlations(raw, params, set(seen))
    for pair, rank, fixed in dropped:
        ops.append(Operation("drop_correlation", pair, f"rank {rank} dropped: {fixed!r} is fixed", ""))
    if dropped:
        texts["description"] += (" Fixed here, " + ", ".join(sorted({f for _, _, f in dropped})) + " left the rank "
                                 "correlations (dropped: " + "; ".join(f"{p} {r}" for p, r, _ in dropped) + ").")

    # derived formulas
    derived = _table(ctx, data, "derived")
    if derived:
        raw_derived = raw.setdefault("derived", {})
        for name, text in derived.items():
            if name in base_params or name in params and name not in base.derived:
                raise ctx.error(f"derived.{name}", f"{name!r} is a parameter; a derived formula needs a new name")
            raw_derived[name] = text
            ops.append(Operation("derived", name, str(text), ""))

    # study
    study = _table(ctx, data, "study")
    _check_keys(ctx, study, _STUDY_KEYS, "study")
    for key, value in study.items():
        if key == "source":
            continue
        raw["study"][key] = value
        ops.append(Operation("study", key, str(value), str(study.get("source", ""))))

    # items
    drop = data.get("drop_items", [])
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
        raise ctx.error("drop_items", f"must be a list of item ids, got {drop!r}")
    ids = [it["id"] for it in raw["items"]]
    for x in drop:
        if x not in ids:
            raise ctx.error("drop_items", f"unknown item {x!r}{_hint(x, ids)}; known items: {', '.join(ids)}")
        ops.append(Operation("drop_item", x, "dropped", ""))
    if drop:
        raw["items"] = [it for it in raw["items"] if it["id"] not in drop]
        _strip_items(raw.get("outputs", {}), set(drop))
    n_kept = len(raw["items"])
    add = data.get("add_items", [])
    if not isinstance(add, list) or not all(isinstance(x, dict) for x in add):
        raise ctx.error("add_items", f"must be an array of item tables ([[add_items]]), got {add!r}")
    for i, spec in enumerate(add):
        item_id = spec.get("id")
        if isinstance(item_id, str) and item_id in [it["id"] for it in raw["items"]]:
            raise ctx.error(f"add_items.{item_id}.id", f"item {item_id!r} already exists in the base config; "
                                                      f"drop it first (drop_items) or choose another id")
        raw["items"].append(copy.deepcopy(spec))
        ops.append(Operation("add_item", str(item_id), str(spec.get("value", "")), str(spec.get("source", ""))))

    # outputs
    outputs = _table(ctx, data, "outputs")
    if outputs:
        raw_outputs = raw.setdefault("outputs", {})
        for name, spec in outputs.items():
            raw_outputs[name] = copy.deepcopy(spec)
            ops.append(Operation("output", name, "added" if name not in base.outputs else "overridden",
                                 str(spec.get("source", "")) if isinstance(spec, dict) else ""))

    try:
        config = parse_config(raw, file=ctx.label)
    except ConfigError as exc:
        raise _remap(ctx, exc, origin, {str(x.get('id')) for x in add}, n_kept, base.path) from None
    return Scenario(
        id=sid, label=texts["label"], description=texts["description"], evidence=texts["evidence"],
        category=category, order=order, file=file, operations=tuple(ops), config=config,
        overlay=copy.deepcopy(dict(data)),
    )


def _drop_fixed_correlations(raw: dict[str, Any], params: Mapping[str, Any], changed: set[str]
                             ) -> list[tuple[str, str, str]]:
    """Remove from ``raw`` the correlations of parameters this scenario made fixed.

    A fixed parameter has no draws to correlate; its correlations with others are
    dropped (the others keep theirs).  Returns ``("a ~ b", rank as text, fixed parameter)``
    per dropped correlation.
    """
    fixed = set()
    for name in changed:
        try:
            if make_distribution(params[name]).fixed:
                fixed.add(name)
        except DistributionError:
            continue  # reported when the merged config is validated
    corr = raw.get("correlations")
    if not fixed or not isinstance(corr, list):
        return []
    kept, dropped = [], []
    for spec in corr:
        between = spec.get("between") if isinstance(spec, dict) else None
        hit = [p for p in between if p in fixed] if isinstance(between, list) else []
        if hit and len(between) == 2:
            rank = spec.get("rank")
            dropped.append((f"{between[0]} ~ {between[1]}", _fmt(rank) if _is_number(rank) else repr(rank), hit[0]))
        else:
            kept.append(spec)
    raw["correlations"] = kept
    return dropped


def _table(ctx: _Ctx, data: Mapping[str, Any], key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ctx.error(key, f"must be a table, got {value!r}")
    return value


def _describe(spec: Mapping[str, Any]) -> str:
    try:
        return make_distribution(spec).describe()
    except DistributionError:
        return "?"


def _check_distribution(ctx: _Ctx, spec: Mapping[str, Any], key: str) -> None:
    try:
        make_distribution(spec)
    except DistributionError as exc:
        raise ctx.error(f"{key}.{exc.field}" if exc.field else key, str(exc)) from None


def _op_number(ctx: _Ctx, op: str, spec: Any, key: str) -> tuple[float, str]:
    """``name = number`` or ``name = {<factor|amount|value> = number, source = "..."}``."""
    word = _OP_NUMBER[op]
    if isinstance(spec, dict):
        _check_keys(ctx, spec, (word, "source"), key)
        if word not in spec:
            raise ctx.error(f"{key}.{word}", f"is required (a number)")
        number, source = spec[word], spec.get("source", "")
        if not isinstance(source, str):
            raise ctx.error(f"{key}.source", f"must be a string, got {source!r}")
        where = f"{key}.{word}"
    else:
        number, source, where = spec, "", key
    if not _is_number(number):
        raise ctx.error(where, f"must be a finite number, got {shown(number)}")
    if op == "scale" and number <= 0:
        raise ctx.error(where, f"must be a factor > 0, got {_fmt(number)}")
    return float(number), source


def _transform(ctx: _Ctx, op: str, old: Mapping[str, Any], number: float, key: str) -> dict:
    """The parameter table after ``scale``, ``shift`` or ``fix`` by ``number``."""
    old = dict(old)
    dist = old.get("dist", "fixed")
    if op == "fix":
        if dist == "integer" and number != int(number):
            raise ctx.error(key, f"an integer parameter must be fixed at a whole number, got {_fmt(number)}")
        new = {k: v for k, v in old.items() if k in META_KEYS and k not in ("dist", "base")}
        new["value"] = int(number) if dist == "integer" and number == int(number) else number
        return new
    new = copy.deepcopy(old)
    if dist == "integer":
        if op == "scale":
            raise ctx.error(key, "an integer parameter cannot be scaled (its values would not stay whole); "
                                 "use [replace] or [fix]")
        if number != int(number):
            raise ctx.error(key, f"an integer parameter can only be shifted by a whole number, got {_fmt(number)}")
    if op == "shift" and dist in ("lognormal", "gamma"):
        raise ctx.error(key, f"a shifted {dist} is not a {dist}; use [replace.{key.split('.', 1)[1]}]")
    if dist == "beta":
        new.setdefault("low", 0.0)
        new.setdefault("high", 1.0)
    moved = {"value", "low", "high", "mode", "mean", "median", "base"}
    if op == "scale":
        moved |= {"sd"} | ({"scale"} if dist == "gamma" else set())
    for k, v in list(new.items()):
        if (k in moved or _QKEY.fullmatch(k)) and _is_number(v):
            new[k] = v * number if op == "scale" else v + number
            if dist == "integer":
                new[k] = int(new[k])
    _check_distribution(ctx, new, key)
    return new


def _strip_items(outputs: Mapping[str, Any], dropped: set[str]) -> None:
    """Remove dropped item ids from outputs' explicit lists (benefits / costs lists, items / exclude)."""
    for spec in outputs.values():
        if not isinstance(spec, dict):
            continue
        for side in ("benefits", "costs"):
            sel = spec.get(side)
            if isinstance(sel, list):
                spec[side] = [x for x in sel if x not in dropped]
            elif isinstance(sel, dict):
                for sub in ("items", "exclude"):
                    if isinstance(sel.get(sub), list):
                        sel[sub] = [x for x in sel[sub] if x not in dropped]


def _remap(ctx: _Ctx, exc: ConfigError, origin: Mapping[str, str], added: set[str], n_kept: int,
           base_path: str) -> ConfigError:
    """Name the overlay's key in an error raised while validating the merged config."""
    key = exc.key or ""
    parts = key.split(".")
    mapped = None
    m = re.match(r"^items\[(\d+)\](.*)$", key)
    if parts[0] == "parameters" and len(parts) > 1 and parts[1] in origin:
        mapped = ".".join([origin[parts[1]]] + parts[1:])
    elif m and int(m.group(1)) >= n_kept:
        mapped = f"add_items[{int(m.group(1)) - n_kept}]{m.group(2)}"
    elif parts[0] == "items" and len(parts) > 1 and parts[1] in added:
        mapped = "add_items." + ".".join(parts[1:])
    elif parts[0] in ("study", "derived", "outputs"):
        mapped = key
    if mapped is None:
        return ConfigError(f"{exc.rule} (in the base config {base_path}, after applying this scenario)",
                           file=ctx.label, key=ctx.prefix + key if key else None)
    return ConfigError(exc.rule, file=ctx.label, key=ctx.prefix + mapped)


def is_decision(scenario: "Scenario | None") -> bool:
    """True for a scenario one could adopt (a recommendation, a policy option); False for a
    structural switch (``category = "structural"``: discount rate, horizon, accounting choices),
    which is a modelling choice and gets no adoption value of information."""
    return scenario is not None and scenario.category != "structural"


def find_scenarios(config: Config, names: Sequence[str] | None = None, *,
                   directory: str | Path | None = None) -> tuple[Scenario, ...]:
    """The scenarios of a config: inline ``[scenarios.<id>]`` tables and overlay files.

    Parameters
    ----------
    config : Config
    names : sequence of str, optional
        Scenario ids, overlay file stems or paths to overlay files, in the order wanted.
        Default: every inline scenario and every ``*.toml`` in ``directory`` whose
        ``applies_to`` is empty or names this config's file, sorted by (order, id).
    directory : path, optional
        Where overlay files live; default ``<config dir>/scenarios``.

    Raises
    ------
    WotsimError
        For an unknown name (listing the known ones) or a duplicate id.
    """
    inline = config.raw.get("scenarios", {})
    if not isinstance(inline, dict):
        raise ConfigError(f"must be a table of scenario tables ([scenarios.<id>]), got {inline!r}",
                          file=config.path, key="scenarios")
    for sid, table in inline.items():
        if not isinstance(table, dict):
            raise ConfigError(f"must be a scenario overlay table, got {table!r}", file=config.path, key=f"scenarios.{sid}")
    if directory is None:
        directory = Path(config.path).parent / "scenarios"
    directory = Path(directory)
    files = sorted(directory.glob("*.toml")) if directory.is_dir() else []

    def parse_inline(sid: str) -> Scenario:
        table = inline[sid]
        given = table.get("scenario", {}).get("id") if isinstance(table.get("scenario"), dict) else None
        if given is not None and given != sid:
            raise ConfigError(f"must equal the table name {sid!r}, got {given!r}", file=config.path,
                              key=f"scenarios.{sid}.scenario.id")
        return parse_scenario(table, config, file=config.path, default_id=sid, key_prefix=f"scenarios.{sid}.")

    found: list[Scenario] = []
    if names is None:
        found += [parse_inline(sid) for sid in inline]
        config_name = Path(config.path).name
        for path in files:
            # read applies_to before validating: another config's overlay must not break this one
            head = read_toml(path, missing="no such scenario file").get("scenario", {})
            applies = head.get("applies_to", "") if isinstance(head, dict) else ""
            if applies and applies != config_name:
                continue
            found.append(load_scenario(path, config))
        found.sort(key=lambda s: (s.order, s.id))
    else:
        by_stem = {p.stem: p for p in files}
        for name in names:
            name = name.strip()
            if not name:
                continue
            path = Path(name)
            if name.endswith(".toml") or "/" in name or "\\" in name:
                found.append(load_scenario(path, config))
            elif name in inline:
                found.append(parse_inline(name))
            elif name in by_stem:
                found.append(load_scenario(by_stem[name], config))
            else:
                ids = {}
                for p in files:
                    try:
                        doc = tomllib.loads(p.read_text(encoding="utf-8"))
                        sid = doc.get("scenario", {}).get("id", p.stem)
                    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError, AttributeError, ValueError,
                            RecursionError):
                        continue  # a broken overlay is reported when it is loaded by name or by validate
                    if isinstance(sid, str):
                        ids[sid] = p
                if name in ids:
                    found.append(load_scenario(ids[name], config))
                else:
                    known = sorted(set(inline) | set(by_stem) | set(ids))
                    raise WotsimError(f"unknown scenario {name!r}{_hint(name, known)}; known scenarios: "
                                      f"{', '.join(known) if known else '(none: no [scenarios] in the config and no '}"
                                      f"{'' if known else str(directory) + '/*.toml)'}")
    seen: dict[str, str] = {}
    for sc in found:
        if sc.id in seen:
            raise WotsimError(f"scenario id {sc.id!r} is defined twice ({seen[sc.id]} and {sc.file}); ids must be unique")
        seen[sc.id] = sc.file
    return tuple(found)


# --------------------------------------------------------------------------- common random numbers
def _keyed_stream(seed: int, key: str) -> np.random.SeedSequence:
    """A child of stream ``"scenarios"`` keyed by a stable 32-bit hash of ``key``."""
    h = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big")
    return np.random.SeedSequence(seed, spawn_key=(STREAMS["scenarios"], h))


def base_design(config: Config, *, samples: int, seed: int, sampler: str, replicates: int | None = None) -> np.ndarray:
    """The (n, d) design on the unit hypercube the base run of :func:`wotsim.simulate.simulate` draws (before the copula)."""
    return DesignStream(sampler, len(config.uncertain), samples, seed=stream(seed, "montecarlo"),
                        replicates=replicates).next(samples)


def independent_design(sampler: str, d: int, n: int, *, seed: np.random.SeedSequence, replicates: int) -> np.ndarray:
    """A design independent, row by row, of every other design: the points of each randomisation shuffled.

    Row ``i`` stays in randomisation ``i % replicates`` (so replicate standard errors
    still apply); within each randomisation the order of the points is a random
    permutation from a child of ``seed``.
    """
    design_seed, order_seed = seed.spawn(2)
    u = DesignStream(sampler, d, n, seed=design_seed, replicates=replicates).next(n)
    rng = np.random.Generator(np.random.PCG64(order_seed))
    for k in range(replicates):
        rows = np.arange(k, n, replicates)
        u[rows] = u[rows[rng.permutation(rows.size)]]
    return u


def scenario_uniforms(base: Config, config: Config, u_base: np.ndarray, *, seed: int, sampler: str = "mc",
                      paired: bool = True, scenario_id: str = "", replicates: int = 1) -> np.ndarray:
    """The (n, d_s) design of a scenario config, columns in ``config.uncertain`` order.

    Parameters
    ----------
    base, config : Config
        The base config and the scenario's.
    u_base : ndarray, shape (n, d)
        The base design (columns in ``base.uncertain`` order, before the copula).
    seed : int
        The root seed.
    sampler : str
        Used only when ``paired`` is False (the sampler of the independent design).
    paired : bool
        True: common random numbers (shared parameters take the base column, new ones
        a stream keyed by their name).  False: a whole independent design from a stream
        keyed by the scenario id (:func:`independent_design`).
    scenario_id : str
    replicates : int
        Randomisations of the base design (used when ``paired`` is False).
    """
    u_base = np.asarray(u_base, dtype=float)
    n = u_base.shape[0]
    names = config.uncertain
    if not paired:
        return independent_design(sampler, len(names), n, seed=_keyed_stream(seed, f"independent:{scenario_id}"),
                                  replicates=replicates)
    index = {name: j for j, name in enumerate(base.uncertain)}
    out = np.empty((n, len(names)))
    for j, name in enumerate(names):
        if name in index:
            out[:, j] = u_base[:, index[name]]
        else:
            rng = np.random.Generator(np.random.PCG64(_keyed_stream(seed, f"parameter:{name}")))
            out[:, j] = np.clip(rng.random(n), EPS, 1.0 - EPS)
    if _copula_key(base) != _copula_key(config):
        out = _keep_correlated_draws(base, config, u_base, out)
    return out


def _copula_key(config: Config) -> tuple:
    return tuple(sorted((tuple(sorted((c.a, c.b))), float(c.rank)) for c in config.correlations))


def _keep_correlated_draws(base: Config, config: Config, u_base: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Common random numbers when a scenario changes the copula (e.g. fixes a correlated parameter).

    Sharing the pre-copula uniforms is not enough then: the scenario's copula would mix them
    differently and redraw the partners of the fixed parameter.  Instead every shared parameter
    keeps its base *post-copula* uniform: outside the scenario's correlated blocks it is used as
    is; inside a block made only of shared parameters the scenario's copula is inverted on it
    (normal scores ``L_s^{-1} Phi^{-1}(U)``), so that the scenario's copula maps it back to the base
    values (up to rounding).  Blocks with new parameters keep the plain pre-copula sharing.
    """
    post = apply_copula(u_base, *correlation_matrix(list(base.uncertain), base.correlations)) \
        if base.correlations else u_base
    index = {name: j for j, name in enumerate(base.uncertain)}
    names = list(config.uncertain)
    in_blocks: set[str] = set()
    if config.correlations:
        columns, chol = correlation_matrix(names, config.correlations)
        block = [names[c] for c in columns]
        in_blocks = set(block)
        if all(name in index for name in block):
            u = invert_copula(np.column_stack([post[:, index[name]] for name in block]), chol)
            for k, name in enumerate(block):
                out[:, names.index(name)] = u[:, k]
    for j, name in enumerate(names):
        if name in index and name not in in_blocks:
            out[:, j] = post[:, index[name]]
    return out


# --------------------------------------------------------------------------- comparison results
@dataclass(frozen=True)
class PairedDifference:
    """Scenario minus base, draw by draw, for one output.

    Attributes
    ----------
    output, measure : str
    n : int
        Pairs with both values defined.
    base_case : float
        Scenario base case minus the base analysis's base case.
    mean, mean_se : float
        Mean paired difference and its Monte Carlo standard error (:mod:`wotsim.mcse`).
    median : float
    low, low_se, high, high_se : float
        5th and 95th percentiles of the difference (the 90% interval) and their standard errors.
    p_better, p_better_se : float
        P(scenario > base) (higher is better for ratios and NPVs), with its standard error.
    p_worse : float
        P(scenario < base); draws where the two are equal count as neither.
    paired : bool
        True with common random numbers; False for independent designs (then ``p_better``
        is P(a scenario draw exceeds an independent base draw)).
    """

    output: str
    measure: str
    n: int
    base_case: float
    mean: float
    mean_se: float
    median: float
    low: float
    low_se: float
    high: float
    high_se: float
    p_better: float
    p_better_se: float
    p_worse: float
    paired: bool


@dataclass(frozen=True)
class ScenarioOutcome:
    """One output under one scenario: its summary, the 90% interval's standard errors and the paired difference."""

    summary: OutputSummary
    interval: tuple[float, float]
    interval_se: tuple[float, float]
    difference: PairedDifference | None  # None for the base analysis


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario's (or the base analysis's) Monte Carlo run, kept lean.

    Attributes
    ----------
    id, label : str
    scenario : Scenario or None
        None for the base analysis.
    config : Config
    base : BaseCase
    item_pv : ndarray, shape (n, n_items)
        Present value of each of the scenario config's items.
    new_parameters : tuple of str
        Uncertain parameters of the scenario that are not uncertain in the base.
    new_draws : ndarray, shape (n, len(new_parameters))
    outcomes : mapping of output name -> ScenarioOutcome
    """

    id: str
    label: str
    scenario: Scenario | None
    config: Config = field(repr=False)
    base: BaseCase = field(repr=False)
    item_pv: np.ndarray = field(repr=False)
    new_parameters: tuple[str, ...]
    new_draws: np.ndarray = field(repr=False)
    outcomes: Mapping[str, ScenarioOutcome] = field(repr=False)

    def output(self, name: str) -> np.ndarray:
        """Draws of any output of :func:`wotsim.model.output_names`, shape (n,)."""
        return output_array(self.config, self.item_pv, name)


@dataclass(frozen=True)
class Comparison:
    """The base analysis and its scenarios on common random numbers.

    Attributes
    ----------
    base : SimulationResult
        The base run, bit-identical to ``simulate(config, ...)`` with the same settings.
    runs : tuple of ScenarioRun
        The base analysis first (id ``"base"``), then each scenario.
    outputs : tuple of str
        Outputs compared.
    n, seed : int
    sampler : str
    paired : bool
    """

    base: SimulationResult = field(repr=False)
    runs: tuple[ScenarioRun, ...]
    outputs: tuple[str, ...]
    n: int
    seed: int
    sampler: str
    paired: bool

    @property
    def scenarios(self) -> tuple[ScenarioRun, ...]:
        return self.runs[1:]

    def run(self, scenario_id: str) -> ScenarioRun:
        for r in self.runs:
            if r.id == scenario_id:
                return r
        raise WotsimError(f"unknown scenario {scenario_id!r}; compared: {', '.join(r.id for r in self.runs)}")

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (scenario, output), for tables and CSV."""
        rows = []
        for r in self.runs:
            for name in self.outputs:
                o = r.outcomes[name]
                s, d = o.summary, o.difference
                rows.append({
                    "scenario": r.id, "label": r.label, "output": name, "measure": s.measure,
                    "base_case": s.base, "mean": s.mean, "mean_se": s.mean_se, "median": s.median,
                    "p5": o.interval[0], "p5_se": o.interval_se[0], "p95": o.interval[1], "p95_se": o.interval_se[1],
                    "p_above": s.p_above, "p_above_se": s.p_above_se,
                    "diff_base_case": d.base_case if d else 0.0,
                    "diff_mean": d.mean if d else 0.0, "diff_mean_se": d.mean_se if d else 0.0,
                    "diff_p5": d.low if d else 0.0, "diff_p5_se": d.low_se if d else 0.0,
                    "diff_p95": d.high if d else 0.0, "diff_p95_se": d.high_se if d else 0.0,
                    "p_better": d.p_better if d else None, "p_better_se": d.p_better_se if d else None,
                    "p_worse": d.p_worse if d else None,
                })
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Everything but the arrays, JSON-ready."""
        runs = []
        for r in self.runs:
            sc = r.scenario
            runs.append({
                "id": r.id, "label": r.label,
                "description": sc.description if sc else "The base analysis",
                "evidence": sc.evidence if sc else "",
                "category": sc.category if sc else "base",
                "file": sc.file if sc else r.config.path,
                "config_sha256": r.config.sha256,
                "operations": [asdict(op) for op in sc.operations] if sc else [],
                "new_parameters": list(r.new_parameters),
                "base": {"outputs": dict(r.base.outputs), "stakeholder_net": dict(r.base.stakeholder_net)},
                "outcomes": {k: {"summary": asdict(o.summary), "interval": list(o.interval),
                                 "interval_se": list(o.interval_se),
                                 "difference": asdict(o.difference) if o.difference else None}
                             for k, o in r.outcomes.items()},
            })
        return {"format": 1, "n": self.n, "seed": self.seed, "sampler": self.sampler, "paired": self.paired,
                "outputs": list(self.outputs), "runs": runs}

    def save(self, directory: str | Path, *, texts: Mapping[str, str] | None = None) -> Path:
        """Write ``comparison.json``, ``comparison.csv``, ``manifest.json`` (and any ``texts``: file name -> text) atomically."""
        directory = Path(directory)
        rows = self.rows()

        def fill(tmp: Path) -> None:
            _write_json(tmp / "comparison.json", self.to_dict())
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            (tmp / "comparison.csv").write_text(buf.getvalue(), encoding="utf-8")
            man = dict(self.base.manifest)
            man["analysis"] = "compare"
            man["paired"] = self.paired
            man["scenarios"] = [{"id": r.id, "file": r.scenario.file, "config_sha256": r.config.sha256,
                                 "overlay": _jsonable(dict(r.scenario.overlay))} for r in self.scenarios]
            _write_json(tmp / "manifest.json", man)
            for name, text in (texts or {}).items():
                (tmp / name).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

        write_atomic_dir(directory, fill)
        return directory


def _interval(y: np.ndarray, replicates: int = 1) -> tuple[tuple[float, float], tuple[float, float]]:
    """The 5th and 95th percentiles of the defined values of ``y`` (row order kept) and their standard errors."""
    finite = y[~np.isnan(y)]
    if finite.size == 0:
        nan = float("nan")
        return (nan, nan), (nan, nan)
    lo, hi = np.percentile(finite, [5.0, 95.0])
    return (float(lo), float(hi)), (mcse.quantile_se(y, 0.05, replicates), mcse.quantile_se(y, 0.95, replicates))


def paired_difference(name: str, measure: str, y: np.ndarray, y_base: np.ndarray, base_case_diff: float,
                      *, paired: bool = True, replicates: int = 1) -> PairedDifference:
    """Summarise ``y - y_base`` (arrays of shape (n,), in design row order); pairs with an undefined value are left out.

    ``replicates``: the randomisations of the designs (row ``i`` in randomisation ``i % replicates``
    for both), for the standard errors (:mod:`wotsim.mcse`).
    """
    diff_all = y - y_base
    diff = diff_all[~np.isnan(diff_all)]
    n = int(diff.size)
    nan = float("nan")
    if n < 2:
        return PairedDifference(name, measure, n, base_case_diff, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                                paired)
    (lo, hi), (lo_se, hi_se) = _interval(diff_all, replicates)
    pb = float(np.mean(diff > 0))
    return PairedDifference(
        output=name, measure=measure, n=n, base_case=float(base_case_diff),
        mean=float(np.mean(diff)), mean_se=mcse.mean_se(diff_all, replicates), median=float(np.median(diff)),
        low=lo, low_se=lo_se, high=hi, high_se=hi_se,
        p_better=pb, p_better_se=mcse.prob_se(diff_all, 0.0, replicates), p_worse=float(np.mean(diff < 0)),
        paired=paired,
    )


def _label_of(config: Config, name: str) -> str:
    if name in config.outputs:
        return config.outputs[name].label
    if name.startswith("net:"):
        return f"Net value: {config.stakeholders.get(name[4:], name[4:])}"
    return {"npv": "Net present value", "benefits": "Total benefits (PV)", "costs": "Total costs (PV)"}.get(name, name)


def _base_case_value(config: Config, base: BaseCase, name: str) -> float:
    if name.startswith("net:"):
        return float(base.stakeholder_net[name[4:]])
    return float(base.outputs[name])


def _outcomes(config: Config, base: BaseCase, item_pv: np.ndarray, outputs: Sequence[str],
              reference: Mapping[str, tuple[np.ndarray, float]] | None, paired: bool,
              replicates: int = 1) -> dict[str, ScenarioOutcome]:
    pct = tuple(sorted(set(config.simulation.percentiles) | {5.0, 95.0}))
    out = {}
    for name in outputs:
        y = output_array(config, item_pv, name)
        measure = output_measure(config, name)
        b = _base_case_value(config, base, name)
        target = config.outputs[name].target if name in config.outputs else None
        rom = ratio_of_means(config, item_pv, name) if measure == "ratio" else None
        summary = summarise(name, _label_of(config, name), measure, y, b, pct, target=target, ratio_of_means=rom,
                            replicates=replicates)
        interval, interval_se = _interval(y, replicates)
        diff = None
        if reference is not None:
            y_ref, b_ref = reference[name]
            diff = paired_difference(name, measure, y, y_ref, b - b_ref, paired=paired, replicates=replicates)
        out[name] = ScenarioOutcome(summary, interval, interval_se, diff)
    return out


def compare(
    config: Config,
    scenarios: Sequence[Scenario],
    *,
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
    chunk_size: int | None = None,
    paired: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Run the base analysis and each scenario on common random numbers and compare them.

    Parameters
    ----------
    config : Config
        The base config.
    scenarios : sequence of Scenario
        From :func:`find_scenarios` or :func:`load_scenario`, built on ``config``.
    outputs : sequence of str, optional
        Outputs to compare (any of :func:`wotsim.model.output_names` that every scenario
        has); default the config's outputs and ``npv``.
    samples, seed, sampler, chunk_size : optional
        Override the config's ``[simulation]`` defaults (for every run alike).
    paired : bool
        Common random numbers (default) or independent designs per scenario.
    progress : callable(label, done, total), optional

    Returns
    -------
    Comparison
    """
    check_comparison(config, scenarios, samples=samples, sampler=sampler, chunk_size=chunk_size)
    from ..simulate import simulate

    sim = config.simulation
    outputs = tuple(outputs) if outputs is not None else tuple(config.outputs) + ("npv",)
    ids = [BASE_ID]
    for sc in scenarios:
        if sc.id in ids:
            raise WotsimError(f"scenario id {sc.id!r} appears twice; ids must be unique")
        ids.append(sc.id)
    for sc in scenarios:  # an output undefined at a scenario's base case: refuse, as run and validate do
        try:
            check_base_case(sc.config)
        except WotsimError as exc:
            raise WotsimError(f"scenario {sc.id!r} ({sc.file}): {exc}") from None
    for cfg, label in [(config, "the base config")] + [(sc.config, f"scenario {sc.id!r}") for sc in scenarios]:
        known = output_names(cfg)
        for name in outputs:
            if name not in known:
                raise WotsimError(f"unknown output {name!r} in {label}; known outputs: {', '.join(known)}")

    def tick(label: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(label, done, total))

    base_result = simulate(config, samples=samples, seed=seed, sampler=sampler, chunk_size=chunk_size,
                           progress=tick(BASE_ID))
    n, seed_, sampler_, chunk = base_result.n, base_result.seed, base_result.sampler, base_result.chunk_size
    R = base_result.replicates
    u_base = base_design(config, samples=n, seed=seed_, sampler=sampler_, replicates=R)
    base_item_pv = base_result.item_pv
    base_run = ScenarioRun(
        id=BASE_ID, label="Base analysis", scenario=None, config=config, base=base_result.base,
        item_pv=base_item_pv, new_parameters=(), new_draws=np.empty((n, 0)),
        outcomes=_outcomes(config, base_result.base, base_item_pv, outputs, None, paired, R),
    )
    reference = {name: (base_run.output(name), _base_case_value(config, base_run.base, name)) for name in outputs}
    runs = [base_run]
    base_uncertain = set(config.uncertain)
    for sc in scenarios:
        u = scenario_uniforms(config, sc.config, u_base, seed=seed_, sampler=sampler_, paired=paired,
                              scenario_id=sc.id, replicates=R)
        res = simulate(sc.config, seed=seed_, sampler=sampler_, chunk_size=chunk, uniforms=u, progress=tick(sc.id),
                       replicates=R)
        new = tuple(p for p in sc.config.uncertain if p not in base_uncertain)
        new_draws = np.column_stack([res.draws_of(p) for p in new]) if new else np.empty((n, 0))
        runs.append(ScenarioRun(
            id=sc.id, label=sc.label, scenario=sc, config=sc.config, base=res.base, item_pv=res.item_pv,
            new_parameters=new, new_draws=new_draws,
            outcomes=_outcomes(sc.config, res.base, res.item_pv, outputs, reference, paired, R),
        ))
    return Comparison(base=base_result, runs=tuple(runs), outputs=outputs, n=n, seed=seed_, sampler=sampler_,
                      paired=paired)


# --------------------------------------------------------------------------- text tables
def _money(x: float) -> str:
    return money(x)


def _num(x: float, measure: str, signed: bool = False) -> str:
    if measure == "ratio":
        return f"{x:+.3f}" if signed else f"{x:.3f}"
    text = _money(x)
    return f"+{text}" if signed and x >= 0 and text != "n/a" else text


def _grid(rows: list[list[str]], header: list[str], align: str) -> str:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def format_comparison(comparison: Comparison, outputs: Sequence[str] | None = None) -> str:
    """Plain-text tables: one per output, one row per scenario (the CLI prints this)."""
    cfg = comparison.base.config
    lines = [cfg.study.name,
             f"{comparison.n:,} samples ({comparison.sampler}), seed {comparison.seed}; "
             f"{'common random numbers (paired differences)' if comparison.paired else 'independent designs'}; "
             f"amounts in {cfg.study.currency} per cohort (present value)", ""]
    lines.append("Scenarios")
    for r in comparison.runs:
        lines.append(f"  {r.id:<22} {r.label}")
    for name in outputs or comparison.outputs:
        base_summary = comparison.runs[0].outcomes[name].summary
        measure = base_summary.measure
        thr = "P(>1)" if measure == "ratio" else "P(>0)"
        lines += ["", f"{base_summary.label} ({name})"]
        header = ["scenario", "base", "mean", "median", "90% interval", thr,
                  "diff base", "diff mean", "diff 90% interval", "P(better)"]
        rows = []
        for r in comparison.runs:
            o = r.outcomes[name]
            s, d = o.summary, o.difference
            prob = "" if measure == "amount" else f"{s.p_above:.3f} ± {s.p_above_se:.3f}"
            row = [r.id, _num(s.base, measure), _num(s.mean, measure), _num(s.median, measure),
                   f"{_num(o.interval[0], measure)} to {_num(o.interval[1], measure)}", prob]
            if d is None:
                row += ["", "", "", ""]
            else:
                same = d.p_better == 0.0 and d.p_worse == 0.0
                se = (np.format_float_positional(d.mean_se, precision=2, unique=False, fractional=False, trim="-")
                      if measure == "ratio" else _num(d.mean_se, measure))
                row += [_num(d.base_case, measure, True),
                        f"{_num(d.mean, measure, True)} ± {se}",
                        f"{_num(d.low, measure, True)} to {_num(d.high, measure, True)}",
                        "identical" if same else f"{d.p_better:.3f} ± {d.p_better_se:.3f}"]
            rows.append(row)
        lines.append(_grid(rows, header, "lrrrrrrrrr"))
    lines += ["", "diff = scenario minus base, draw by draw" + (" (common random numbers)" if comparison.paired else
                                                               " (independent draws: not paired)")
              + "; P(better) = P(scenario > base); ± Monte Carlo standard error",
              f"({mcse.describe(comparison.sampler, comparison.base.replicates)})."]
    return "\n".join(lines)
