"""TOML config -> frozen, validated dataclasses (:mod:`wotsim.config.schema`).

Validation happens once, here.  Every error is a :class:`~wotsim.errors.ConfigError`
whose message names the file, the dotted key, what is allowed and the value seen,
e.g. ``configs/x.toml: parameters.cost_per_fte.high: must be > low (72000), got 60000``.
Unknown keys are errors with a did-you-mean hint.  This module reads the file and
validates the study, simulation, stakeholders, parameters and derived formulas;
items and outputs (:mod:`~wotsim.config.items`), rank correlations
(:mod:`~wotsim.config.correlations`), the studies one could commission
(:mod:`~wotsim.config.studies`) and the size ceilings (:mod:`~wotsim.config.sizes`)
have modules of their own.

Rules checked at the deterministic base case (every parameter at its base value):
a cost item's value must be >= 0 (a negative cost is a saving: write it as a benefit;
a benefit may be negative, a disbenefit), and an item's persistence must lie in [0, 1]
(the share kept from one year to the next) unless the item says ``growth = true``, which
allows any persistence >= 0.  Whether each output is defined at base needs the model
(:func:`wotsim.model.check_base_case`).

Hostile input.  :func:`read_toml`, :func:`load_config` and :func:`parse_config` (and so
scenario overlays, which go through them) raise nothing but :class:`ConfigError` for
any document: TOML the parser refuses (including integers of more than 4300 digits
and arrays nested past its recursion limit), numbers that are not finite floats
(``nan``, ``inf``, integers beyond float range: refused at the key that holds them),
solvers that overflow (refused at the parameter), and sizes beyond the ceilings of
:mod:`wotsim.config.sizes`, checked before any distribution is built or formula compiled.
Formulas have their own limits (:mod:`wotsim.config.expressions`: at most 2000
characters, nesting at most 100 levels); derived formulas are ordered without recursion.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import stat
import tomllib
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._names import SAMPLERS
from ..errors import ConfigError
from .correlations import parse_correlations
from .distributions import EVIDENCE, DistributionError, make_distribution
from .expressions import Expression, ExpressionError, order_formulas, shown
from .forms import unknown_key
from .items import parse_items, parse_outputs
from .keys import (Ctx, check_keys, check_name, formula, get_bool, get_int, get_str, get_table, hint, listing,
                   number_text)
from .schema import Config, Parameter, Simulation, Study, base_values, longest_horizon, with_derived
from .studies import parse_decision_cohorts, parse_studies
from .translations import TRANSLATABLE, collect_translations, label_entry, parse_groups, translated_keys
from .sizes import MAX_CONFIG_BYTES, MAX_HORIZON, MAX_NESTING, check_nesting, check_sizes, huge_integer, prescan_sizes

__all__ = ["load_config", "parse_config", "read_toml"]

_TOP_KEYS = ("study", "simulation", "stakeholders", "groups", "parameters", "derived", "items", "outputs",
             "correlations", "studies", "scenarios")  # [scenarios.<id>] overlays: validated by wotsim.config.overlays, not here
_STUDY_KEYS = ("name", "description", "currency", "price_year", "horizon", "discount_rate", "unit_of_analysis",
               "decision_cohorts", "source", *translated_keys(TRANSLATABLE["study"]))
_SIM_KEYS = ("samples", "seed", "sampler", "chunk_size", "percentiles", "replicates",
             "repair_correlations")


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file.

    Raises
    ------
    ConfigError
        Naming the file and the dotted key of the first rule broken.
    """
    path = Path(path)
    return parse_config(read_toml(path), file=str(path))


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
    prescan_sizes(text, file)
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
    ctx = Ctx(file)
    check_sizes(ctx, data)
    check_nesting(ctx, data)
    try:
        return _parse(ctx, data)
    except RecursionError:
        raise ctx.error(ctx.at, "cannot be validated: something in it nests or refers too deeply") from None
    except ArithmeticError as exc:  # OverflowError, ZeroDivisionError, FloatingPointError
        words = "a number in it passes float range" if isinstance(exc, OverflowError) else \
            "a number in it underflows to 0" if isinstance(exc, ZeroDivisionError) else "a computation with it fails"
        raise ctx.error(ctx.at, f"cannot be validated: {words} ({shown(str(exc))}); use numbers of ordinary "
                        "size") from None


def _parse(ctx: Ctx, data: Mapping[str, Any]) -> Config:
    data = copy.deepcopy(dict(data))
    check_keys(ctx, data, _TOP_KEYS, "")

    stakeholders, translations = _parse_stakeholders(ctx, data)
    parameters = _parse_parameters(ctx, data)
    derived, derived_order = _parse_derived(ctx, data, parameters)
    known = set(parameters) | set(derived)
    study = _parse_study(ctx, data, parameters, known)
    simulation = _parse_simulation(ctx, data)
    items = parse_items(ctx, data, stakeholders, known, longest_horizon(study.horizon, parameters))
    outputs = parse_outputs(ctx, data, items, stakeholders)
    correlations, notes = parse_correlations(ctx, data, parameters, repair=simulation.repair_correlations)
    studies = parse_studies(ctx, data, parameters, derived)
    groups, found = parse_groups(ctx, data, parameters, items)
    translations.update(found)
    translations.update(collect_translations(ctx, data))
    try:
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    except ValueError:  # an integer json cannot write (over 4300 digits), where no rule above reads numbers
        key, value = huge_integer(data)
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
        groups=groups,
        translations=translations,
        studies=studies,
    )
    _check_base(ctx, config)
    return config


def _parse_stakeholders(ctx: Ctx, data: Mapping[str, Any]) -> tuple[dict[str, str], dict]:
    """id -> English label (``id = "label"`` or ``id = { label = ..., label_nl = ... }``), and the translations."""
    ctx.at = "stakeholders"
    table = get_table(ctx, data, "stakeholders", "stakeholders", required=True)
    if not table:
        raise ctx.error("stakeholders", "must name at least one stakeholder (id = \"label\")")
    out, translations = {}, {}
    for sid, value in table.items():
        check_name(ctx, sid, f"stakeholders.{sid}")
        out[sid], found = label_entry(ctx, "stakeholder", sid, value, f"stakeholders.{sid}")
        translations.update(found)
    return out, translations


def _parse_parameters(ctx: Ctx, data: Mapping[str, Any]) -> dict[str, Parameter]:
    table = get_table(ctx, data, "parameters", "parameters")
    out: dict[str, Parameter] = {}
    for name, spec in table.items():
        key = ctx.at = f"parameters.{name}"
        check_name(ctx, name, key)
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table (dist = ..., ...), got {shown(spec)}")
        for k in spec:
            problem = unknown_key(k, spec[k])
            if problem is not None:
                raise ctx.error(f"{key}.{k}", problem)
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



def _parse_derived(ctx: Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter]
                   ) -> tuple[dict[str, Expression], tuple[str, ...]]:
    table = get_table(ctx, data, "derived", "derived")
    known = set(parameters) | set(table)
    out: dict[str, Expression] = {}
    for name, text in table.items():
        key = ctx.at = f"derived.{name}"
        check_name(ctx, name, key)
        if name in parameters:
            raise ctx.error(key, f"{shown(name)} is already a parameter; a derived name must be new")
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            raise ctx.error(key, f"must be a formula string, got {shown(text)}")
        out[name] = formula(ctx, text, key, known)
    ctx.at = "derived"
    try:
        order = order_formulas({n: e.names for n, e in out.items()})
    except ExpressionError as exc:
        raise ctx.error("derived", str(exc)) from None
    return out, tuple(order)


def _parse_study(ctx: Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter], known: set[str]) -> Study:
    ctx.at = "study"
    table = get_table(ctx, data, "study", "study", required=True)
    check_keys(ctx, table, _STUDY_KEYS, "study")
    name = get_str(ctx, table, "name", "study.name")
    get_str(ctx, table, "source", "study.source", default="")
    currency = get_str(ctx, table, "currency", "study.currency", default="EUR")
    price_year = table.get("price_year")
    if price_year is not None and (isinstance(price_year, bool) or not isinstance(price_year, int)
                                   or not 1 <= price_year <= 9999):
        raise ctx.error("study.price_year", f"must be a year (a whole number from 1 to 9999), got {shown(price_year)}")

    if "horizon" not in table:
        raise ctx.error("study.horizon", "is required: a whole number of years, or the name of an integer parameter")
    horizon = table["horizon"]
    if isinstance(horizon, bool) or not isinstance(horizon, (int, str)):
        raise ctx.error("study.horizon", f"must be a whole number of years or a parameter name, got {shown(horizon)}")
    if isinstance(horizon, str):  # a whole number of years was checked with the sizes (check_sizes)
        if horizon not in parameters:
            raise ctx.error("study.horizon", f"unknown parameter {shown(horizon)}{hint(horizon, parameters)}; "
                            f"known parameters: {listing(parameters)}")
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
    rate = formula(ctx, rate_raw, "study.discount_rate", known)
    if rate.constant is not None and not -1 < rate.constant < 1:
        raise ctx.error("study.discount_rate", f"must be a fraction per year in (-1, 1), e.g. 0.03; got {rate.constant:g}")
    if isinstance(rate_raw, str) and rate_raw.strip() in parameters:
        lo, hi = parameters[rate_raw.strip()].dist.support()
        if lo <= -1 or hi >= 1:
            raise ctx.error("study.discount_rate", f"parameter {shown(rate_raw)} must stay in (-1, 1) (a fraction per year), "
                            f"got support [{lo:g}, {hi:g}]")
    unit = get_str(ctx, table, "unit_of_analysis", "study.unit_of_analysis", default="")
    if len(unit) > 60 or not unit.isprintable():  # it is printed inside sentences and axis labels
        raise ctx.error("study.unit_of_analysis", f"must be a short phrase on one line (at most 60 printable "
                        f"characters, e.g. \"per yearly cohort\"), got {shown(unit)}")
    return Study(
        name=name,
        currency=currency,
        price_year=price_year,
        horizon=horizon,
        discount_rate=rate,
        description=get_str(ctx, table, "description", "study.description", default=""),
        unit_of_analysis=unit,
        decision_cohorts=parse_decision_cohorts(ctx, table),
    )


def _parse_simulation(ctx: Ctx, data: Mapping[str, Any]) -> Simulation:
    ctx.at = "simulation"
    table = get_table(ctx, data, "simulation", "simulation")
    check_keys(ctx, table, _SIM_KEYS, "simulation")
    d = Simulation()
    samples = get_int(ctx, table, "samples", "simulation.samples", d.samples, minimum=2)
    seed = get_int(ctx, table, "seed", "simulation.seed", d.seed, minimum=0, maximum=None)  # entropy: any size
    sampler = table.get("sampler", d.sampler)
    if sampler not in SAMPLERS:
        raise ctx.error("simulation.sampler", f"must be one of {', '.join(SAMPLERS)}, got {shown(sampler)}{hint(sampler, SAMPLERS)}")
    chunk = get_int(ctx, table, "chunk_size", "simulation.chunk_size", d.chunk_size, minimum=1)
    replicates = None
    if "replicates" in table:
        replicates = get_int(ctx, table, "replicates", "simulation.replicates", 16, minimum=2)
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
    repair = get_bool(ctx, table, "repair_correlations", "simulation.repair_correlations", default=False)
    return Simulation(samples=samples, seed=seed, sampler=sampler, chunk_size=chunk, replicates=replicates,
                      # 5 and 95 always: every table and figure shows the 90% interval
                      percentiles=tuple(sorted({float(p) for p in percentiles} | {5.0, 95.0})),
                      repair_correlations=repair)


def _scalar(x: Any) -> float:
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def _check_base(ctx: Ctx, config: Config) -> None:
    """Rules at the deterministic base case: costs >= 0, persistence in [0, 1] (>= 0 with growth)."""
    ctx.at = "derived"
    env = with_derived(config, base_values(config))
    for it in config.items:
        key = ctx.at = f"items.{it.id}"
        value = _scalar(it.value(env))
        if it.kind == "cost" and value < 0:
            raise ctx.error(f"{key}.value", f"a cost must be >= 0 at base, got {number_text(value)} "
                            f"({shown(it.value.text)}); a negative cost is a saving: write it as an item with "
                            f'kind = "benefit" and the opposite sign')
        rho = _scalar(it.persistence(env))
        where = "" if it.persistence.constant is not None else " at base"
        got = number_text(rho) + ("" if it.persistence.constant is not None else f" ({shown(it.persistence.text)})")
        if it.growth and not rho >= 0:
            raise ctx.error(f"{key}.persistence", f"must be >= 0 (the share kept from one year to the next; growth = "
                            f"true allows more than 1){where}, got {got}")
        if not it.growth and not 0 <= rho <= 1:
            raise ctx.error(f"{key}.persistence", f"must lie in [0, 1] (the share kept from one year to the "
                            f"next){where}, got {got}; a stream that grows each year needs growth = true")
