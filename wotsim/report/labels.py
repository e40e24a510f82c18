"""The labels a person reads in the report, in the report's language.

Every name the report prints comes from here: a parameter, output, stakeholder or group by
its config label in ``lang`` (:func:`wotsim.config.translations.label_of`: the translation, else
the English label, else the id made readable); a compared run by its scenario's label
(:func:`wotsim.config.translations.scenario_text`); and the names wotsim gives things itself
("Base analysis", "Net present value", "Net value: <stakeholder>") as messages of
:mod:`wotsim.i18n`.  Ids stay in the report's traceability columns only.
"""

from __future__ import annotations

from typing import Any

from ..config.translations import label_of, scenario_text, text_of
from ..i18n import DEFAULT_LANGUAGE, N_, humanise, translator

__all__ = ["BASE_ANALYSIS", "group_label", "output_label", "parameter_label", "run_label", "stakeholder_label"]

#: What the base analysis is called (results carry it in English).
BASE_ANALYSIS = N_("Base analysis")
#: The outputs wotsim defines itself, by id.
_OWN_OUTPUTS = {"npv": N_("Net present value"), "benefits": N_("Total benefits (PV)"),
                "costs": N_("Total costs (PV)")}


def parameter_label(config, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter's label in ``lang``; a parameter the config does not have (a scenario's own) by its id made
    readable."""
    return label_of(config, "parameter", name, lang)


def group_label(config, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A parameter group's label (``[groups]``) in ``lang``, else the group's name as written (``unit value``)."""
    return text_of(config, "group", name, "label", lang) or name


def stakeholder_label(config, sid: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A stakeholder's label in ``lang``."""
    return label_of(config, "stakeholder", sid, lang)


def output_label(config, name: str, lang: str = DEFAULT_LANGUAGE, fallback: str = "") -> str:
    """An output's label in ``lang``: a config output's label, wotsim's own outputs (``npv``, ``benefits``,
    ``costs``, ``net:<stakeholder>``) as messages, else ``fallback`` or the id made readable."""
    _ = translator(lang)
    if name in config.outputs:
        return label_of(config, "output", name, lang)
    if name in _OWN_OUTPUTS:
        return _(_OWN_OUTPUTS[name])
    if name.startswith("net:") and name[4:] in config.stakeholders:
        return _("Net value: {stakeholder}").format(stakeholder=stakeholder_label(config, name[4:], lang))
    return fallback or humanise(name)


def run_label(run: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A compared run's label: its scenario's label in ``lang``; the base analysis's as a message."""
    if getattr(run, "scenario", None) is None:
        return translator(lang)(BASE_ANALYSIS)
    return scenario_text(run.scenario, "label", lang)

