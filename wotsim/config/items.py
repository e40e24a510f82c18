"""Items (streams of costs and benefits) and outputs (ratios or NPVs over selected items).

:func:`parse_items` validates the ``[[items]]`` tables (kind, stakeholder, value and
persistence formulas, start and duration within the horizon); :func:`parse_outputs`
validates the ``[outputs.<name>]`` tables and resolves their selections of benefit and
cost items (``"all"``, a list of ids, or a filter by stakeholder, financial, items and
exclude).
"""

from __future__ import annotations

from typing import Any, Mapping

from .expressions import shown
from .keys import (Ctx, check_keys, check_name, finite_number, formula, get_bool, get_int, get_str, get_table, hint,
                   listing)
from .schema import BUILTIN_OUTPUTS, KINDS, MEASURES, Item, Output
from .translations import TRANSLATABLE, translated_keys

__all__ = ["ITEM_KEYS", "OUTPUT_KEYS", "parse_items", "parse_outputs"]

ITEM_KEYS = (
    "id", "label", "kind", "stakeholder", "financial", "value", "start", "duration",
    "persistence", "growth", "source", "description", "group", *translated_keys(TRANSLATABLE["item"]),
)
OUTPUT_KEYS = ("label", "description", "measure", "benefits", "costs", "target", "tolerance", "source",
               *translated_keys(TRANSLATABLE["output"]))
_SELECT_KEYS = ("stakeholder", "financial", "items", "exclude")


def parse_items(ctx: Ctx, data: Mapping[str, Any], stakeholders: Mapping[str, str], known: set[str],
                max_horizon: int) -> tuple[Item, ...]:
    """The ``[[items]]``, their formulas reading only ``known`` names and starting before ``max_horizon``."""
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
        check_keys(ctx, spec, ITEM_KEYS, key)
        item_id = get_str(ctx, spec, "id", f"{key}.id")
        check_name(ctx, item_id, f"{key}.id")
        if item_id in seen:
            raise ctx.error(f"{key}.id", f"duplicate item id {shown(item_id)}; ids must be unique")
        seen.add(item_id)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ctx.error(f"{key}.kind", f"must be one of {', '.join(KINDS)}, got {shown(kind)}")
        stakeholder = get_str(ctx, spec, "stakeholder", f"{key}.stakeholder")
        if stakeholder not in stakeholders:
            raise ctx.error(f"{key}.stakeholder", f"unknown stakeholder {shown(stakeholder)}{hint(stakeholder, stakeholders)}; "
                            f"known: {listing(stakeholders)}")
        if "financial" not in spec:
            raise ctx.error(f"{key}.financial", "is required: true for money that changes hands, false for intangible value")
        financial = spec["financial"]
        if not isinstance(financial, bool):
            raise ctx.error(f"{key}.financial", f"must be true or false, got {shown(financial)}")
        if "value" not in spec:
            raise ctx.error(f"{key}.value", "is required: the amount in the first year of the stream (a number or formula)")
        value = formula(ctx, spec["value"], f"{key}.value", known)
        start = get_int(ctx, spec, "start", f"{key}.start", 0, minimum=0)
        if start >= max_horizon:
            raise ctx.error(f"{key}.start", f"must be < the longest horizon ({max_horizon} years; year 0 is the first), "
                            f"got {shown(start)}: the item would never count")
        duration = spec.get("duration")
        if duration is not None:
            duration = get_int(ctx, spec, "duration", f"{key}.duration", minimum=1)
        persistence = formula(ctx, spec.get("persistence", 1.0), f"{key}.persistence", known)
        growth = get_bool(ctx, spec, "growth", f"{key}.growth", default=False)
        items.append(Item(
            id=item_id,
            label=get_str(ctx, spec, "label", f"{key}.label", default=item_id),
            kind=kind,
            stakeholder=stakeholder,
            financial=financial,
            value=value,
            start=start,
            duration=duration,
            persistence=persistence,
            growth=growth,
            group=get_str(ctx, spec, "group", f"{key}.group", default=""),
            source=get_str(ctx, spec, "source", f"{key}.source", default=""),
        ))
    return tuple(items)


def _select(ctx: Ctx, spec: Any, key: str, kind: str, items: tuple[Item, ...], stakeholders: Mapping[str, str]) -> tuple[str, ...]:
    """The ids of the ``kind`` items an output's ``benefits`` or ``costs`` selection picks, in config order."""
    pool = [it for it in items if it.kind == kind]
    ids = [it.id for it in items]
    if spec == "all":
        chosen = pool
    elif isinstance(spec, list):
        for x in spec:
            if x not in ids:
                raise ctx.error(key, f"unknown item {shown(x)}{hint(x, ids)}; known items: {listing(ids)}")
        chosen = [it for it in pool if it.id in spec]
        wrong = [x for x in spec if x not in {it.id for it in pool}]
        if wrong:
            raise ctx.error(key, f"item {shown(wrong[0])} is not a {kind} item")
    elif isinstance(spec, dict):
        check_keys(ctx, spec, _SELECT_KEYS, key)
        chosen = pool
        if "stakeholder" in spec:
            wanted = spec["stakeholder"]
            wanted = [wanted] if isinstance(wanted, str) else wanted
            if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
                raise ctx.error(f"{key}.stakeholder", f"must be a stakeholder id or a list of them, got {shown(spec['stakeholder'])}")
            for s in wanted:
                if s not in stakeholders:
                    raise ctx.error(f"{key}.stakeholder", f"unknown stakeholder {shown(s)}{hint(s, stakeholders)}; known: {listing(stakeholders)}")
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
                        raise ctx.error(f"{key}.{sub}", f"unknown item {shown(x)}{hint(x, ids)}; known items: {listing(ids)}")
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


def parse_outputs(ctx: Ctx, data: Mapping[str, Any], items: tuple[Item, ...], stakeholders: Mapping[str, str]) -> dict[str, Output]:
    """The ``[outputs.<name>]``, each a ratio or NPV over the items it selects."""
    table = get_table(ctx, data, "outputs", "outputs")
    out: dict[str, Output] = {}
    for name, spec in table.items():
        key = ctx.at = f"outputs.{name}"
        check_name(ctx, name, key)
        if name in BUILTIN_OUTPUTS:
            raise ctx.error(key, f"{shown(name)} is a built-in output ({', '.join(BUILTIN_OUTPUTS)}); choose another name")
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table, got {shown(spec)}")
        check_keys(ctx, spec, OUTPUT_KEYS, key)
        measure = spec.get("measure", "ratio")
        if measure not in MEASURES:
            raise ctx.error(f"{key}.measure", f"must be one of {', '.join(MEASURES)}, got {shown(measure)}")
        benefits = _select(ctx, spec.get("benefits", "all"), f"{key}.benefits", "benefit", items, stakeholders)
        costs = _select(ctx, spec.get("costs", "all"), f"{key}.costs", "cost", items, stakeholders)
        target = spec.get("target")
        if target is not None:
            target = finite_number(ctx, target, f"{key}.target", "a finite number (the published figure)")
        tol_rule = "a finite number > 0 (absolute)"
        tol = finite_number(ctx, spec.get("tolerance", 0.005), f"{key}.tolerance", tol_rule)
        if not tol > 0:
            raise ctx.error(f"{key}.tolerance", f"must be {tol_rule}, got {shown(spec['tolerance'])}")
        out[name] = Output(
            name=name,
            label=get_str(ctx, spec, "label", f"{key}.label", default=name.replace("_", " ")),
            measure=measure,
            benefit_items=benefits,
            cost_items=costs,
            target=None if target is None else float(target),
            tolerance=float(tol),
            description=get_str(ctx, spec, "description", f"{key}.description", default=""),
        )
    return out
