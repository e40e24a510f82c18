"""Scenario overlays: a small TOML document applied to the base config's parsed TOML.

The result is validated again by :func:`wotsim.config.parse_config`, so a scenario
config obeys every rule a config does.  Errors name the overlay file, the scenario and
the overlay's own dotted key, e.g.
``configs/scenarios/x.toml (scenario 'x'): scale.n_househods: unknown parameter ...``.
What the operations do is in :mod:`wotsim.config.operations`; the scenarios are run
and compared by :mod:`wotsim.analysis.scenarios`.

Overlay format (a file under ``<config dir>/scenarios/``, or a table
``[scenarios.<id>]`` in the config itself with the same content)::

    [scenario]
    id = "sharper_selection"          # default: the file name without .toml
    label = "Sharper selection"       # required
    label_nl = "Scherpere selectie"   # optional translations: label_nl, description_nl, evidence_nl
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
    [study]                           # horizon, discount_rate, decision_cohorts (and source)
    drop_items = ["carers_time"]      # also removed from outputs' explicit item lists
    [[add_items]]                     # new items, as [[items]]
    [outputs.name]                    # new or overriding outputs
    [studies.id]                      # a new study, or one replacing the base's study of that id
                                      # (a whole table, as [studies.<id>] in a config); a base study
                                      # of a parameter the scenario fixes is dropped (nothing is
                                      # left to learn about it), and the operations say so

One operation per parameter among replace / scale / shift / fix.  Scaling and
shifting act on the distribution's numbers (low, mode, high, mean, sd, median,
quantiles, base, value; a gamma's scale), so the new distribution's quantile
function is exactly ``a * ppf(u)`` or ``ppf(u) + b``: the scenario's draw of a
parameter is the base draw, scaled or shifted.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ConfigError, WotsimError
from ..i18n import N_, translator
from .keys import NAME, check_keys, hint
from .loading import parse_config, read_toml
from .forms import short_number
from .operations import (INHERITED, OverlayContext, describe, drop_fixed_correlations, drop_fixed_studies, op_number,
                         overlay_table, remap_error, strip_items, transform)
from .schema import Config
from .translations import TRANSLATABLE, parse_translations, translated_keys

__all__ = ["BASE_ID", "OVERLAY_KEYS", "Operation", "Scenario", "find_scenarios", "is_decision", "load_scenario",
           "parse_scenario"]

#: Keys of an overlay document.
OVERLAY_KEYS = ("scenario", "replace", "scale", "shift", "fix", "parameters", "derived", "study",
                "drop_items", "add_items", "outputs", "studies")
_SCENARIO_KEYS = ("id", "label", "description", "evidence", "category", "order", "applies_to",
                  *translated_keys(TRANSLATABLE["scenario"]))
_STUDY_KEYS = ("horizon", "discount_rate", "decision_cohorts", "source")
_PARAM_OPS = ("replace", "scale", "shift", "fix")

#: What a scenario's description adds when a parameter it fixes leaves the rank correlations.
_DROPPED = N_("Fixed here, {fixed} left the rank correlations (dropped: {pairs}).")

#: The id of the base analysis (no scenario may take it).
BASE_ID = "base"


# --------------------------------------------------------------------------- scenario definitions
@dataclass(frozen=True)
class Operation:
    """One change a scenario makes.

    Attributes
    ----------
    kind : str
        ``replace``, ``scale``, ``shift``, ``fix``, ``parameter`` (new), ``derived``,
        ``study``, ``drop_item``, ``add_item``, ``output``, ``study_design`` (a study added
        or replaced), ``drop_correlation`` (a correlation of a parameter the scenario made
        fixed) or ``drop_study`` (a base study of a parameter the scenario made fixed).
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
    #: ("scenario", id, field, language) -> text (``label_nl`` and the like); read with
    #: :func:`wotsim.config.translations.scenario_text`.
    translations: Mapping[tuple[str, str, str, str], str] = field(default_factory=dict)


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
    ctx = OverlayContext(file, key_prefix)
    if not isinstance(data, Mapping):
        raise ctx.error("", f"must be a table, got {data!r}")
    meta = data.get("scenario")
    early_id = meta.get("id", default_id) if isinstance(meta, dict) else default_id
    if isinstance(early_id, str) and NAME.fullmatch(early_id):
        ctx.sid = early_id  # so that even the first errors name the scenario
    check_keys(ctx, data, OVERLAY_KEYS, "")

    if not isinstance(meta, dict):
        raise ctx.error("scenario", "is required: a table with id, label, description and evidence")
    check_keys(ctx, meta, _SCENARIO_KEYS, "scenario")
    sid = meta.get("id", default_id)
    if not isinstance(sid, str) or not NAME.fullmatch(sid):
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
    translations = parse_translations(ctx, meta, "scenario", sid, "scenario")
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
    new_params = overlay_table(ctx, data, "parameters")
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
        ops.append(Operation("parameter", name, describe(spec), str(spec.get("source", ""))))

    # replace / scale / shift / fix
    seen: dict[str, str] = {}
    for op in _PARAM_OPS:
        table = overlay_table(ctx, data, op)
        for name, spec in table.items():
            key = f"{op}.{name}"
            if name not in base_params:
                if name in base.derived:
                    raise ctx.error(key, f"{name!r} is a derived formula, not a parameter; change the parameters it "
                                         f"uses or override it under [derived]")
                raise ctx.error(key, f"unknown parameter {name!r}{hint(name, base_params)}; "
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
                for meta_key in INHERITED:
                    if meta_key not in new and meta_key in old:  # and its translations, unless it is new
                        for k in (meta_key, *translated_keys((meta_key,))):
                            if k not in new and k in old:
                                new[k] = old[k]
                source = str(spec.get("source", ""))
                detail = describe(new)
            else:
                number, source = op_number(ctx, op, spec, key)
                new = transform(ctx, op, old, number, key)
                detail = {"scale": f"x {short_number(number)}", "shift": f"{number:+.6g}", "fix": f"= {short_number(number)}"}[op]
                note = f"Scenario {sid!r}: {op} {detail}" + (f" ({source})" if source else "")
                new["source"] = f"{old.get('source', '')} {note}".strip() if op != "fix" else note
            params[name] = new
            origin[name] = op
            ops.append(Operation(op, name, detail, source))
    dropped = drop_fixed_correlations(raw, params, set(seen))
    for pair, rank, fixed in dropped:
        ops.append(Operation("drop_correlation", pair, f"rank {rank} dropped: {fixed!r} is fixed", ""))
    if dropped:
        words = {"fixed": ", ".join(sorted({f for _, _, f in dropped})),
                 "pairs": "; ".join(f"{p} {r}" for p, r, _ in dropped)}
        texts["description"] += " " + _DROPPED.format(**words)
        for key in [k for k in translations if k[2] == "description"]:
            translations[key] += " " + translator(key[3])(_DROPPED).format(**words)

    # derived formulas
    derived = overlay_table(ctx, data, "derived")
    if derived:
        raw_derived = raw.setdefault("derived", {})
        for name, text in derived.items():
            if name in base_params or name in params and name not in base.derived:
                raise ctx.error(f"derived.{name}", f"{name!r} is a parameter; a derived formula needs a new name")
            raw_derived[name] = text
            ops.append(Operation("derived", name, str(text), ""))

    # study
    study = overlay_table(ctx, data, "study")
    check_keys(ctx, study, _STUDY_KEYS, "study")
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
            raise ctx.error("drop_items", f"unknown item {x!r}{hint(x, ids)}; known items: {', '.join(ids)}")
        ops.append(Operation("drop_item", x, "dropped", ""))
    if drop:
        raw["items"] = [it for it in raw["items"] if it["id"] not in drop]
        strip_items(raw.get("outputs", {}), set(drop))
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
    outputs = overlay_table(ctx, data, "outputs")
    if outputs:
        raw_outputs = raw.setdefault("outputs", {})
        for name, spec in outputs.items():
            raw_outputs[name] = copy.deepcopy(spec)
            ops.append(Operation("output", name, "added" if name not in base.outputs else "overridden",
                                 str(spec.get("source", "")) if isinstance(spec, dict) else ""))

    # studies: new or replacing the base's (whole tables); the base's studies of parameters made fixed leave
    studies = overlay_table(ctx, data, "studies")
    for study_id, fixed in drop_fixed_studies(raw, params, set(seen), keep=set(studies)):
        ops.append(Operation("drop_study", study_id, f"dropped: {fixed!r} is fixed", ""))
    if studies:
        raw_studies = raw.setdefault("studies", {})
        for study_id, spec in studies.items():
            ops.append(Operation("study_design", study_id, "replaced" if study_id in base.studies else "added",
                                 str(spec.get("source", "")) if isinstance(spec, dict) else ""))
            raw_studies[study_id] = copy.deepcopy(spec)

    try:
        config = parse_config(raw, file=ctx.label)
    except ConfigError as exc:
        raise remap_error(ctx, exc, origin, {str(x.get('id')) for x in add}, n_kept, base.path,
                          studies=set(studies)) from None
    return Scenario(
        id=sid, label=texts["label"], description=texts["description"], evidence=texts["evidence"],
        category=category, order=order, file=file, operations=tuple(ops), config=config,
        overlay=copy.deepcopy(dict(data)), translations=translations,
    )


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
                    raise WotsimError(f"unknown scenario {name!r}{hint(name, known)}; known scenarios: "
                                      f"{', '.join(known) if known else '(none: no [scenarios] in the config and no '}"
                                      f"{'' if known else str(directory) + '/*.toml)'}")
    seen: dict[str, str] = {}
    for sc in found:
        if sc.id in seen:
            raise WotsimError(f"scenario id {sc.id!r} is defined twice ({seen[sc.id]} and {sc.file}); ids must be unique")
        seen[sc.id] = sc.file
    return tuple(found)
