"""Translations in a config (``label_nl = "..."`` beside ``label``), group labels, and the label a person reads.

**Design.**  A string a person reads carries its translations beside it, under the same key
with the language appended: ``label_nl`` beside ``label``, ``unit_nl`` beside ``unit``.  One
place per text keeps a translation next to what it translates (a reviewer sees both, a
renamed or deleted entry takes its translations with it, and an error names the key).  A
separate ``[labels.nl]`` table was not chosen: it would repeat every id and drift from the
tables it describes.  What may be translated (:data:`TRANSLATABLE`)::

    [study]              name, description, unit_of_analysis     (name_nl, ...)
    [stakeholders]       id = "label", or id = { label = "...", label_nl = "..." }
    [groups]             group = "label", or group = { label = "...", label_nl = "..." }  (optional)
    [parameters.NAME]    label, unit, description
    [[items]]            label
    [outputs.NAME]       label, description
    [scenario]           label, description, evidence            (scenario overlays)
    [studies.ID]         label                                   (kind "studies": a study one could commission)

``[groups]`` is optional and gives the parameters' ``group`` values labels (``"unit value" =
{ label = "Unit values", label_nl = "Kengetallen" }``); each key must be a group some
parameter or item uses.  Rules for a translation, each a one-line
:class:`~wotsim.errors.ConfigError` naming the key: a string; not empty (leave the key out
to fall back to English); a label, unit or name on one line of printable text; and the
English text it translates present (``label_nl`` needs ``label``).

**The text a person reads** (:func:`~wotsim.labels.label_of`, :func:`~wotsim.labels.text_of`,
:func:`~wotsim.labels.scenario_text`, re-exported here): the translation into the language asked, else
the English text, else (for a label) the id made readable by :func:`wotsim.i18n.humanise`.  They live
in the base module :mod:`wotsim.labels`, which every layer (the figures too) may import; this module
parses and checks the translations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..labels import TRANSLATABLE, Translations, label_of, scenario_text, text_of
from .expressions import shown
from .keys import check_keys, hint, listing

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Item, Parameter

__all__ = ["TRANSLATABLE", "Translations", "collect_translations", "label_entry", "label_of", "parse_groups",
           "parse_translations", "scenario_text", "text_of", "translated_keys"]

#: Fields printed on one line (in tables, axes and sentences); the others may hold paragraphs.
_ONE_LINE = frozenset({"label", "unit", "name", "unit_of_analysis"})


def translated_keys(fields: Iterable[str]) -> tuple[str, ...]:
    """The keys that translate ``fields``: ``("label",)`` -> ``("label_nl",)``."""
    return tuple(f"{f}_{lang}" for f in fields for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)


def parse_translations(ctx: Any, table: Mapping[str, Any], kind: str, name: str, dotted: str
                       ) -> dict[tuple[str, str, str, str], str]:
    """The translations in one table (``ctx``: anything with ``error(key, message)``), each checked."""
    out = {}
    for field in TRANSLATABLE[kind]:
        for lang in LANGUAGES:
            key = f"{field}_{lang}"
            if lang == DEFAULT_LANGUAGE or key not in table:
                continue
            text, at = table[key], f"{dotted}.{key}" if dotted else key
            if not isinstance(text, str):
                raise ctx.error(at, f"must be a string (the {lang} text of {field}), got {shown(text)}")
            if not text.strip():
                raise ctx.error(at, f"must not be empty; leave {key} out to show {field} untranslated")
            if field in _ONE_LINE and not text.isprintable():
                raise ctx.error(at, f"must be one line of printable text (it is printed in tables and sentences), "
                                f"got {shown(text)}")
            if not isinstance(table.get(field), str) or not table[field].strip():
                raise ctx.error(at, f"translates {field}, which is missing: give {field} = \"...\" (the English text) "
                                f"too")
            out[kind, name, field, lang] = text.strip()
    return out


def label_entry(ctx: Any, kind: str, name: str, value: Any, dotted: str
                ) -> tuple[str, dict[tuple[str, str, str, str], str]]:
    """A stakeholder's or group's English label and its translations: ``"label"`` or ``{ label, label_nl }``."""
    if isinstance(value, str):
        return value, {}
    if not isinstance(value, dict):
        raise ctx.error(dotted, f'must be a label string or a table {{ label = "...", label_nl = "..." }}, got '
                        f"{shown(value)}")
    check_keys(ctx, value, ("label", *translated_keys(("label",))), dotted)
    label = value.get("label")
    if not isinstance(label, str):
        raise ctx.error(f"{dotted}.label", f"is required: a label string, got {shown(label)}")
    return label, parse_translations(ctx, value, kind, name, dotted)


def parse_groups(ctx: Any, data: Mapping[str, Any], parameters: Mapping[str, "Parameter"],
                 items: Iterable["Item"]) -> tuple[dict[str, str], dict[tuple[str, str, str, str], str]]:
    """The optional ``[groups]`` table: group -> English label, and the labels' translations."""
    table = data.get("groups", {})
    if not isinstance(table, dict):
        raise ctx.error("groups", f'must be a table of group = "label" (or {{ label = ..., label_nl = ... }}), got '
                        f"{shown(table)}")
    used = sorted({p.group for p in parameters.values() if p.group} | {it.group for it in items if it.group})
    groups, translations = {}, {}
    for group, value in table.items():
        key = ctx.at = f"groups.{group}"
        if group not in used:
            raise ctx.error(key, f"unknown group {shown(group)}{hint(group, used)}; groups used by the parameters "
                            f"and items: {listing(used) if used else '(none)'}")
        groups[group], found = label_entry(ctx, "group", group, value, key)
        translations.update(found)
    return groups, translations


def collect_translations(ctx: Any, data: Mapping[str, Any]) -> dict[tuple[str, str, str, str], str]:
    """The translations of a validated config's study, parameters, items, outputs and studies (stakeholders and
    groups: :func:`label_entry`)."""
    out = parse_translations(ctx, data.get("study", {}), "study", "", "study")
    for kind, table in (("parameter", "parameters"), ("output", "outputs"), ("studies", "studies")):
        for name, spec in data.get(table, {}).items():
            ctx.at = f"{table}.{name}"
            out.update(parse_translations(ctx, spec, kind, name, ctx.at))
    for spec in data.get("items", []):
        ctx.at = f"items.{spec['id']}"
        out.update(parse_translations(ctx, spec, "item", spec["id"], ctx.at))
    return out
