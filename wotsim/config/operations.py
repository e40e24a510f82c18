"""What an overlay's operations do to the base config's TOML, and how errors find their way back to it.

``[scale]`` and ``[shift]`` act on a parameter table's numbers (low, mode, high, mean,
sd, median, quantiles, base, value; a gamma's scale), so the new distribution's
quantile function is exactly ``a * ppf(u)`` or ``ppf(u) + b``: the scenario's draw of a
parameter is the base draw, scaled or shifted.  ``[fix]`` makes a parameter fixed (its
correlations leave the copula: :func:`drop_fixed_correlations`; the base's studies of it leave
too: :func:`drop_fixed_studies`).  :func:`remap_error`
names the overlay's own key in an error raised while validating the merged config.
Used by :mod:`wotsim.config.overlays`.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any, Mapping

from ..errors import ConfigError
from .distributions import META_KEYS, DistributionError, make_distribution
from .expressions import shown
from .forms import family, short_number
from .keys import check_keys
from .quantiles import RANGE_KEY, is_quantile_key

__all__ = ["INHERITED", "OverlayContext", "describe", "drop_fixed_correlations", "drop_fixed_studies", "is_number",
           "op_number", "overlay_table", "remap_error", "strip_items", "transform"]

_OP_NUMBER = {"scale": "factor", "shift": "amount", "fix": "value"}
#: Metadata a replaced or fixed parameter keeps from the base unless the overlay gives it.
INHERITED = ("label", "unit", "group", "description")


class OverlayContext:
    """The overlay being validated: errors name its file, the scenario and the overlay's dotted key."""

    def __init__(self, file: str, prefix: str = ""):
        self.file = file
        self.prefix = prefix
        self.sid: str | None = None

    @property
    def label(self) -> str:
        return f"{self.file} (scenario {self.sid!r})" if self.sid else self.file

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.label, key=self.prefix + key if key else self.prefix.rstrip("."))


def is_number(x: Any) -> bool:
    """A finite number that converts to a float (an integer of 4,000 digits does not)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def drop_fixed_correlations(raw: dict[str, Any], params: Mapping[str, Any], changed: set[str]
                            ) -> list[tuple[str, str, str]]:
    """Remove from ``raw`` the correlations of parameters this scenario made fixed.

    A fixed parameter has no draws to correlate; its correlations with others are
    dropped (the others keep theirs).  Returns ``("a ~ b", rank as text, fixed parameter)``
    per dropped correlation.
    """
    fixed = _fixed(params, changed)
    corr = raw.get("correlations")
    if not fixed or not isinstance(corr, list):
        return []
    kept, dropped = [], []
    for spec in corr:
        between = spec.get("between") if isinstance(spec, dict) else None
        hit = [p for p in between if p in fixed] if isinstance(between, list) else []
        if hit and len(between) == 2:
            rank = spec.get("rank")
            dropped.append((f"{between[0]} ~ {between[1]}", short_number(rank) if is_number(rank) else repr(rank), hit[0]))
        else:
            kept.append(spec)
    raw["correlations"] = kept
    return dropped


def drop_fixed_studies(raw: dict[str, Any], params: Mapping[str, Any], changed: set[str], keep: set[str]
                       ) -> list[tuple[str, str]]:
    """Remove from ``raw`` the studies (``[studies.<id>]``, but those in ``keep``: the overlay's own) that
    inform a parameter this scenario made fixed: there is nothing left to learn about it.  Returns
    ``(study id, the fixed parameter)`` per dropped study."""
    studies = raw.get("studies")
    fixed = _fixed(params, changed) if isinstance(studies, dict) and studies else set()
    if not fixed:
        return []
    dropped = []
    for sid, spec in list(studies.items()):
        informs = spec.get("informs") if isinstance(spec, dict) and sid not in keep else None
        names = [informs] if isinstance(informs, str) else informs if isinstance(informs, list) else []
        hit = [n for n in names if isinstance(n, str) and n in fixed]
        if hit:
            del studies[sid]
            dropped.append((sid, hit[0]))
    return dropped


def _fixed(params: Mapping[str, Any], changed: set[str]) -> set[str]:
    """The parameters among ``changed`` whose new table is a fixed value (an invalid table: not fixed)."""
    fixed = set()
    for name in changed:
        try:
            if make_distribution(params[name]).fixed:
                fixed.add(name)
        except DistributionError:
            continue  # reported when the merged config is validated
    return fixed


def overlay_table(ctx: OverlayContext, data: Mapping[str, Any], key: str) -> dict:
    """The overlay's table ``key`` (empty when absent)."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ctx.error(key, f"must be a table, got {value!r}")
    return value


def describe(spec: Mapping[str, Any]) -> str:
    """A parameter table's distribution in words (``pert(low=..., ...)``), or ``?`` if it is not valid."""
    try:
        return make_distribution(spec).describe()
    except DistributionError:
        return "?"


def _check_distribution(ctx: OverlayContext, spec: Mapping[str, Any], key: str) -> None:
    try:
        make_distribution(spec)
    except DistributionError as exc:
        raise ctx.error(f"{key}.{exc.field}" if exc.field else key, str(exc)) from None


def op_number(ctx: OverlayContext, op: str, spec: Any, key: str) -> tuple[float, str]:
    """``name = number`` or ``name = {<factor|amount|value> = number, source = "..."}``."""
    word = _OP_NUMBER[op]
    if isinstance(spec, dict):
        check_keys(ctx, spec, (word, "source"), key)
        if word not in spec:
            raise ctx.error(f"{key}.{word}", "is required (a number)")
        number, source = spec[word], spec.get("source", "")
        if not isinstance(source, str):
            raise ctx.error(f"{key}.source", f"must be a string, got {source!r}")
        where = f"{key}.{word}"
    else:
        number, source, where = spec, "", key
    if not is_number(number):
        raise ctx.error(where, f"must be a finite number, got {shown(number)}")
    if op == "scale" and number <= 0:
        raise ctx.error(where, f"must be a factor > 0, got {short_number(number)}")
    return float(number), source


def transform(ctx: OverlayContext, op: str, old: Mapping[str, Any], number: float, key: str) -> dict:
    """The parameter table after ``scale``, ``shift`` or ``fix`` by ``number``."""
    old = dict(old)
    dist = family(old)
    if op == "fix":
        if dist == "integer" and number != int(number):
            raise ctx.error(key, f"an integer parameter must be fixed at a whole number, got {short_number(number)}")
        new = {k: v for k, v in old.items() if k in META_KEYS and k not in ("dist", "base")}
        new["value"] = int(number) if dist == "integer" and number == int(number) else number
        return new
    new = copy.deepcopy(old)
    if RANGE_KEY in new:
        new["dist"] = dist  # a range90's family follows its sign: keep the base's family after a shift
    if dist == "integer":
        if op == "scale":
            raise ctx.error(key, "an integer parameter cannot be scaled (its values would not stay whole); "
                                 "use [replace] or [fix]")
        if number != int(number):
            raise ctx.error(key, f"an integer parameter can only be shifted by a whole number, got {short_number(number)}")
    if op == "shift" and dist in ("lognormal", "gamma"):
        raise ctx.error(key, f"a shifted {dist} is not a {dist}; use [replace.{key.split('.', 1)[1]}]")
    if dist == "beta":
        new.setdefault("low", 0.0)
        new.setdefault("high", 1.0)
    moved = {"value", "low", "high", "mode", "mean", "median", "base"}
    if op == "scale":
        moved |= {"sd"} | ({"scale"} if dist == "gamma" else set())
    for k, v in list(new.items()):
        if (k in moved or is_quantile_key(k)) and is_number(v):
            new[k] = v * number if op == "scale" else v + number
            if dist == "integer":
                new[k] = int(new[k])
        elif k == RANGE_KEY and isinstance(v, list) and all(is_number(x) for x in v):
            new[k] = [x * number if op == "scale" else x + number for x in v]
    _check_distribution(ctx, new, key)
    return new


def strip_items(outputs: Mapping[str, Any], dropped: set[str]) -> None:
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


def remap_error(ctx: OverlayContext, exc: ConfigError, origin: Mapping[str, str], added: set[str], n_kept: int,
                base_path: str, studies: set[str] = frozenset()) -> ConfigError:
    """Name the overlay's key in an error raised while validating the merged config (``studies``: the ids of
    the overlay's own ``[studies.<id>]``; an error in another study is the base config's, after the scenario)."""
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
    elif parts[0] in ("study", "derived", "outputs") or (parts[0] == "studies" and len(parts) > 1
                                                         and parts[1] in studies):
        mapped = key
    if mapped is None:
        return ConfigError(f"{exc.rule} (in the base config {base_path}, after applying this scenario)",
                           file=ctx.label, key=ctx.prefix + key if key else None)
    return ConfigError(exc.rule, file=ctx.label, key=ctx.prefix + mapped)
