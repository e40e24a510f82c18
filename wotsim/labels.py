"""The label a person reads, in a language: the one lookup of a config's texts for every layer.

A base module (tests/test_layers.py): the report, the figures and the results may all import it,
so it does not import :mod:`wotsim.config`; it reads a config by attribute (duck typing: its
``translations``, ``study``, ``parameters``, ``outputs``, ``stakeholders``, ``groups``, ``items`` and
``studies``), and any of them may be missing (``config=None``: a figure of a loaded result without its config).

**The rule** (issue 12, point 4): the translation into the language asked (``label_nl`` beside
``label``, :mod:`wotsim.config.translations` parses them), else the English text, else for a label
the id made readable by :func:`wotsim.i18n.humanise`.  An English label that only repeats the id (an
item's default label is its id, an output's may be) counts as no label.

* :func:`translation`: the translation alone (``""`` in English or without one);
  :func:`text_of`: a field of a study, stakeholder, group, parameter, item, output or of a study one
  could commission (kind ``studies``, ``[studies.<id>]``);
  :func:`label_of`: its label; :func:`scenario_text`: a scenario's label, description or evidence;
  :func:`readable`: a label that is given, or the id humanised.
* :func:`parameter_label`, :func:`stakeholder_label`, :func:`group_label`, :func:`study_name`: the
  lookups by kind; :func:`output_label`: a config output's label, or the name wotsim gives its own
  outputs (:data:`OWN_OUTPUTS`; ``net:<stakeholder>`` reads "Net value: <stakeholder>"), or a results
  manifest's copy of the config; :func:`run_label`: a compared run, the base analysis by
  :data:`BASE_ANALYSIS`.

Names wotsim gives things itself are messages of :mod:`wotsim.i18n`.  Nothing here cuts a label to a
width: the figures do that (:func:`wotsim.plots.words.fit`).
"""

from __future__ import annotations

from typing import Any, Mapping

from .i18n import DEFAULT_LANGUAGE, N_, check_language, humanise, translator

__all__ = ["BASE_ANALYSIS", "OWN_OUTPUTS", "OWN_OUTPUTS_ON_AXES", "TRANSLATABLE", "Translations", "group_label",
           "label_of", "output_label", "parameter_label", "readable", "run_label", "scenario_text",
           "stakeholder_label", "study_name", "text_of", "translation"]

#: kind -> the fields of its tables that may carry translations.
TRANSLATABLE = {
    "study": ("name", "description", "unit_of_analysis"),
    "stakeholder": ("label",),
    "group": ("label",),
    "parameter": ("label", "unit", "description"),
    "item": ("label",),
    "output": ("label", "description"),
    "scenario": ("label", "description", "evidence"),
    "studies": ("label",),  # [studies.<id>]: a study the value of sample information weighs
}

#: (kind, id, field, language) -> text.  A scenario's are keyed ("scenario", its id, field, language).
Translations = Mapping[tuple[str, str, str, str], str]

#: What the base analysis is called (the results carry it in English).
BASE_ANALYSIS = N_("Base analysis")
#: The outputs wotsim defines itself, by id, as the results name them (tables, sentences, a distribution).
OWN_OUTPUTS = {"npv": N_("Net present value"), "benefits": N_("Total benefits (PV)"),
               "costs": N_("Total costs (PV)")}
#: The same on a figure's money axis, whose unit says "present value" itself.
OWN_OUTPUTS_ON_AXES = {"npv": N_("Net present value"), "benefits": N_("Total benefits"), "costs": N_("Total costs")}


def readable(label: object, name: str) -> str:
    """The text a person reads for ``name``: its ``label``, else the id humanised (:func:`wotsim.i18n.humanise`).

    A label that is empty or only repeats the id (``"x1"`` for ``x1``, ``"social ratio"`` for
    ``social_ratio``) counts as none: ``readable("", "extra_capacity_share") == "Extra capacity share"``.
    White space is folded to single spaces.
    """
    text = " ".join(str(label or "").split())
    name = str(name)
    if not text or text in (name, name.replace("_", " ")):
        return humanise(name)
    return text


def _check(kind: str, field: str) -> None:
    if kind not in TRANSLATABLE or kind == "scenario" or field not in TRANSLATABLE[kind]:
        raise ValueError(f"no translatable {field!r} of a {kind!r}; translatable: "
                         + "; ".join(f"{k}: {', '.join(v)}" for k, v in TRANSLATABLE.items() if k != "scenario"))


def translation(config: Any, kind: str, name: str, field: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The translation into ``lang`` of a config's ``field`` of ``kind`` ``name`` (``label_nl`` ...), or ``""``
    (always in English, without a config, or without a translation).  ``name`` is ignored for the study."""
    if check_language(lang) == DEFAULT_LANGUAGE or config is None:
        return ""
    table = getattr(config, "translations", None)
    found = table.get((kind, "" if kind == "study" else name, field, lang)) if isinstance(table, Mapping) else None
    return found if isinstance(found, str) else ""


def _english(config: Any, kind: str, name: str, field: str) -> str:
    """The English text of a field, as the config holds it (``""`` where it holds none)."""
    if kind == "study":
        return getattr(getattr(config, "study", None), field, "") or ""
    if kind in ("stakeholder", "group"):
        return (getattr(config, f"{kind}s", None) or {}).get(name, "") or ""
    if kind in ("parameter", "output", "studies"):
        table = getattr(config, kind if kind == "studies" else f"{kind}s", None) or {}
        return (getattr(table[name], field, "") or "") if name in table else ""
    return next((it.label for it in getattr(config, "items", None) or () if it.id == name), "")


def text_of(config: Any, kind: str, name: str, field: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The ``field`` of ``kind`` ``name`` in ``lang``: its translation, else the English text, else ``""``.

    ``kind`` is a key of :data:`TRANSLATABLE` other than ``scenario`` (:func:`scenario_text`);
    ``name`` is the id (ignored for ``study``).  An id the config does not have, or no config, gives
    ``""``.  An English label that only repeats the id counts as none.
    """
    _check(kind, field)
    found = translation(config, kind, name, field, lang)
    if found:
        return found
    name = "" if kind == "study" else name
    english = _english(config, kind, name, field) if config is not None else ""
    if field == "label" and english in (name, name.replace("_", " ")):
        return ""
    return english


def label_of(config: Any, kind: str, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a parameter, output, item, stakeholder or group in ``lang``: its translation, else
    its label, else :func:`~wotsim.i18n.humanise` of the id (``extra_capacity_share`` -> ``Extra capacity share``)."""
    return readable(text_of(config, kind, name, "label", lang), name)


def scenario_text(scenario: Any, field: str = "label", lang: str = DEFAULT_LANGUAGE) -> str:
    """A scenario's ``label``, ``description`` or ``evidence`` in ``lang`` (else English; a label else its
    humanised id)."""
    check_language(lang)
    if field not in TRANSLATABLE["scenario"]:
        raise ValueError(f"no translatable {field!r} of a scenario; translatable: "
                         f"{', '.join(TRANSLATABLE['scenario'])}")
    table = getattr(scenario, "translations", None)
    found = table.get(("scenario", scenario.id, field, lang)) if isinstance(table, Mapping) else None
    text = found or getattr(scenario, field)
    return text or (humanise(scenario.id) if field == "label" else "")


def parameter_label(config: Any, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter's label in ``lang``; one the config does not have (a scenario's own) by its id humanised."""
    return label_of(config, "parameter", name, lang)


def stakeholder_label(config: Any, sid: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A stakeholder's label in ``lang``."""
    return label_of(config, "stakeholder", sid, lang)


def group_label(config: Any, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter group's label (``[groups]``) in ``lang``, else the group humanised (``unit value`` ->
    ``Unit value``)."""
    return label_of(config, "group", name, lang)


def study_name(config: Any, lang: str = DEFAULT_LANGUAGE, fallback: str = "") -> str:
    """The study's name in ``lang``; ``fallback`` without a config (or a name)."""
    return text_of(config, "study", "", "name", lang) or fallback


def _manifest_label(manifest: Mapping[str, Any] | None, name: str, lang: str) -> str:
    """An output's label from a results manifest's copy of the config (``label_<lang>`` first), or ``""``."""
    raw = (manifest or {}).get("config", {})
    raw = raw.get("outputs", {}) if isinstance(raw, Mapping) else {}
    raw = raw.get(name, {}) if isinstance(raw, Mapping) else {}
    if not (isinstance(raw, Mapping) and raw.get("label")):
        return ""
    other = raw.get(f"label_{lang}") if lang != DEFAULT_LANGUAGE else None
    return other if isinstance(other, str) and other.strip() else readable(raw["label"], name)


def output_label(config: Any, name: str, lang: str = DEFAULT_LANGUAGE, fallback: str = "", *,
                 manifest: Mapping[str, Any] | None = None, axis: bool = False) -> str:
    """An output's label in ``lang``: a config output's label (:func:`label_of`); else a results ``manifest``'s
    copy of it; else wotsim's own outputs as messages (:data:`OWN_OUTPUTS`, with ``axis`` the names of a money
    axis, :data:`OWN_OUTPUTS_ON_AXES`; ``net:<stakeholder>`` as "Net value: <stakeholder>"); else ``fallback``
    or the id humanised."""
    if name in (getattr(config, "outputs", None) or {}):
        return label_of(config, "output", name, lang)
    found = _manifest_label(manifest, name, lang)
    if found:
        return found
    _ = translator(lang)
    own = OWN_OUTPUTS_ON_AXES if axis else OWN_OUTPUTS
    if name in own:
        return _(own[name])
    if name.startswith("net:"):
        return _("Net value: {stakeholder}").format(stakeholder=stakeholder_label(config, name[4:], lang))
    return fallback or humanise(name)


def run_label(run: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A compared run's label: its scenario's label in ``lang`` (:func:`scenario_text`); the base analysis's
    as a message; a run without a scenario by its own label."""
    scenario = getattr(run, "scenario", None)
    if scenario is not None:
        return scenario_text(scenario, "label", lang)
    label = getattr(run, "label", BASE_ANALYSIS)
    return translator(lang)(label) if label == BASE_ANALYSIS else label
