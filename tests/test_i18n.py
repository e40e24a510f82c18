"""Dutch and English (issue 12, point 5): number formats, the message catalogue, config translations, the glossary.

* number formats per language, on a table (the issue's examples: ``1,05``, ``€ 1,2 mln.``,
  ``0,71 tot 1,54``) from Babel's CLDR data;
* the catalogue: every message id in the code is in it, every entry has a Dutch translation with
  the same ``{placeholders}``, the compiled ``.mo`` holds what the ``.po`` says, and it loads from
  where the package data puts it (a slow test builds the wheel and reads it from there); the
  checks are shown to fail on a broken copy;
* config translations: ``label_nl`` and the like, each rule's one-line error naming the key; the
  label a person reads (translation, else label, else the humanised id); every parameter, item,
  output, stakeholder, group and scenario of the Schiedam case has Dutch, and the translations
  change no number;
* the glossary: every required term, in both languages.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib.util
import math
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import MINIMAL_CONFIG, write_config

from wotsim import i18n
from wotsim.config import load_config, parse_config
from wotsim.config.overlays import find_scenarios, parse_scenario
from wotsim import labels
from wotsim.config import translations as config_translations
from wotsim.labels import label_of, scenario_text, text_of
from wotsim.errors import ConfigError, WotsimError
from wotsim.i18n import (format_decimal, format_interval, format_money, format_percent, humanise, ngettext,
                         ordinal, translations, translator)
from wotsim.report.glossary import EVIDENCE_WORDS, TERMS, glossary

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
PO = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
NBSP = "\xa0"


def _script():
    spec = importlib.util.spec_from_file_location("compile_catalogues", ROOT / "scripts" / "compile_catalogues.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CATALOGUES = _script()


# --------------------------------------------------------------------------- numbers
NUMBERS = [
    # (function, arguments, keywords, English, Dutch)
    (format_decimal, (1.05,), {}, "1.05", "1,05"),
    (format_decimal, (1234.5,), {}, "1,234.50", "1.234,50"),
    (format_decimal, (0.708, ), {"digits": 3}, "0.708", "0,708"),
    (format_decimal, (-0.0001,), {"digits": 3}, "0.000", "0,000"),  # never -0.000
    (format_decimal, (-1.5,), {"digits": 1, "minus": "\u2212"}, "\u22121.5", "\u22121,5"),
    (format_decimal, (math.nan,), {}, "n/a", "n.v.t."),
    (format_percent, (0.57,), {}, "57%", "57%"),
    (format_percent, (0.573,), {"digits": 1}, "57.3%", "57,3%"),
    (format_percent, (-0.001,), {}, "0%", "0%"),  # never -0%
    (format_money, (1_234_567, "EUR"), {}, "€1.2M", f"€{NBSP}1,2{NBSP}mln."),
    (format_money, (5_013_600, "EUR"), {}, "€5M", f"€{NBSP}5{NBSP}mln."),
    (format_money, (3.4e9, "EUR"), {}, "€3.4B", f"€{NBSP}3,4{NBSP}mld."),
    (format_money, (999_999, "EUR"), {}, "€1M", f"€{NBSP}1{NBSP}mln."),  # rounds across the boundary
    (format_money, (192_607, "EUR"), {}, "€190,000", f"€{NBSP}190.000"),  # below a million: in full
    (format_money, (192_607, "EUR"), {"significant": 3}, "€193,000", f"€{NBSP}193.000"),
    (format_money, (870, "EUR"), {}, "€870", f"€{NBSP}870"),
    (format_money, (0.456, "EUR"), {}, "€0.46", f"€{NBSP}0,46"),
    (format_money, (0.0, "EUR"), {}, "€0", f"€{NBSP}0"),
    (format_money, (-1_670_000, "EUR"), {"minus": "\u2212"}, "\u2212€1.7M", f"\u2212€{NBSP}1,7{NBSP}mln."),
    (format_money, (-190_000, "EUR"), {}, "-€190,000", f"€{NBSP}-190.000"),
    (format_money, (math.nan, "EUR"), {}, "n/a", "n.v.t."),
    (format_interval, (0.708, 1.54), {}, "0.71 to 1.54", "0,71 tot 1,54"),
    (ordinal, (1,), {}, "1st", "1e"),
    (ordinal, (2,), {}, "2nd", "2e"),
    (ordinal, (3,), {}, "3rd", "3e"),
    (ordinal, (11,), {}, "11th", "11e"),
    (ordinal, (12,), {}, "12th", "12e"),
    (ordinal, (13,), {}, "13th", "13e"),
    (ordinal, (21,), {}, "21st", "21e"),
    (ordinal, (112,), {}, "112th", "112e"),
]


@pytest.mark.parametrize("func, args, kwargs, en, nl", NUMBERS,
                         ids=[f"{f.__name__}{a}{k or ''}" for f, a, k, _, _ in NUMBERS])
def test_number_formats_per_language(func, args, kwargs, en, nl):
    assert func(*args, lang="en", **kwargs) == en
    assert func(*args, lang="nl", **kwargs) == nl


def test_the_default_language_is_english_and_others_are_refused():
    assert i18n.LANGUAGES == ("en", "nl") and i18n.DEFAULT_LANGUAGE == "en"
    assert format_decimal(1.05) == "1.05" and translator()("{low} to {high}") == "{low} to {high}"
    for call in (lambda: translator("de"), lambda: format_decimal(1.0, "fr"), lambda: format_money(1.0, "EUR", "EN")):
        with pytest.raises(WotsimError, match=r"^language must be one of en, nl, got '(de|fr|EN)'$"):
            call()
    with pytest.raises(ValueError, match="significant must be >= 1"):
        format_money(1.0, "EUR", "en", significant=0)


@pytest.mark.parametrize("name, label", [("extra_capacity_share", "Extra capacity share"), ("delta_qaly", "Delta qaly"),
                                         ("GGZ__referrals_", "GGZ referrals"), ("unit value", "Unit value"),
                                         ("x", "X"), ("", "")])
def test_humanise(name, label):
    assert humanise(name) == label


def test_messages_and_plurals_in_dutch():
    _ = translator("nl")
    assert _("{low} to {high}").format(low="0,71", high="1,54") == "0,71 tot 1,54"
    assert _("robustly better") == "robuust beter"
    assert _("a text no catalogue holds") == "a text no catalogue holds"  # gettext's fallback: the id
    assert ngettext("{n} draw", "{n} draws", 1, "nl").format(n=1) == "1 trekking"
    assert ngettext("{n} draw", "{n} draws", 3, "nl").format(n=3) == "3 trekkingen"
    assert ngettext("{n} draw", "{n} draws", 3, "en").format(n=3) == "3 draws"


def test_importing_i18n_loads_no_locale_data():
    code = "import sys, wotsim.i18n; print(sorted(m for m in sys.modules if m.split('.')[0] in ('babel', 'numpy')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the catalogue
def test_every_message_in_the_catalogue_has_a_dutch_translation():
    catalog = CATALOGUES.read_catalogue(PO)
    entries = [m for m in catalog if m.id]
    assert len(entries) >= len(TERMS) * 2
    for m in entries:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert not m.fuzzy and all(s.strip() for s in strings), m.id


@pytest.fixture(scope="module")
def used() -> dict:
    """Every message id of the package's code -> where (read once: every module is parsed; never changed here)."""
    return CATALOGUES.code_messages()


def test_the_catalogues_pass_every_check(used):
    """Every id in the code is in the catalogue, translated, with its placeholders; the .mo is up to date."""
    assert "{low} to {high}" in used and TERMS[0].text in used
    assert set(CATALOGUES.catalogues()) == set(i18n.LANGUAGES) - {i18n.DEFAULT_LANGUAGE}
    assert CATALOGUES.problems(PO, used) == []


def test_the_checks_fail_on_a_broken_catalogue(tmp_path, used):
    """The checks can fail: an empty or fuzzy translation, a lost placeholder, a stale .mo, an id missing."""
    po = tmp_path / "nl" / "LC_MESSAGES" / PO.name
    po.parent.mkdir(parents=True)
    shutil.copy(PO, po)
    shutil.copy(PO.with_suffix(".mo"), po.with_suffix(".mo"))
    assert CATALOGUES.problems(po, used) == []
    text = PO.read_text(encoding="utf-8")
    broken = (text.replace('msgstr "robuust beter"', 'msgstr ""')
              .replace('msgid "{low} to {high}"\nmsgstr "{low} tot {high}"',
                       'msgid "{low} to {high}"\nmsgstr "{low} tot"')
              .replace('msgid "Noise floor"', '#, fuzzy\nmsgid "Noise floor"'))
    assert broken.count("\n") == text.count("\n") + 1
    po.write_text(broken, encoding="utf-8")
    found = CATALOGUES.problems(po, {**used, "a new message": ["wotsim/x.py:1"]})
    assert any("'robustly better' has no translation" in line for line in found)
    assert any("'{low} to {high}': the translation's placeholders ['{low}'] differ" in line for line in found)
    assert any("'Noise floor' is marked fuzzy" in line for line in found)
    assert any("'a new message' (wotsim/x.py:1) is not in the catalogue" in line for line in found)
    assert any("out of date" in line for line in found)  # the .mo still says "robuust beter"
    CATALOGUES.compile_catalogue(po)
    assert not any("out of date" in line for line in CATALOGUES.problems(po, used))


def test_the_extractor_finds_every_translating_call(tmp_path):
    """Inside f-strings and through translator(lang)(...) too; a message that is not a literal is not an id."""
    (tmp_path / "m.py").write_text(
        '_ = translator("nl")\n'
        'a = _("plain")\n'
        'b = f"<h3>{_(\'in an f-string\')}</h3>"\n'
        'c = translator(lang)("direct")\n'
        'd = N_("marked")\n'
        'e = ngettext("{n} egg", "{n} eggs", 2, "nl")\n'
        'f = t.gettext("attribute")\n'
        'g = _(variable)\n'
        'h = other("not a message")\n', encoding="utf-8")
    found = CATALOGUES.code_messages(tmp_path)
    assert set(found) == {"plain", "in an f-string", "direct", "marked", ("{n} egg", "{n} eggs"), "attribute"}
    assert found["in an f-string"] == [f"{tmp_path.name}/m.py:3"]


def test_update_adds_the_ids_of_the_code_and_keeps_the_rest(tmp_path):
    po = tmp_path / PO.name
    shutil.copy(PO, po)
    before = {m.id for m in CATALOGUES.read_catalogue(po) if m.id}
    added, unused = CATALOGUES.update(po, {"a new message {x}": ["wotsim/x.py:1"], ("{n} egg", "{n} eggs"): ["y"]})
    after = CATALOGUES.read_catalogue(po)
    assert added == ["a new message {x}", ("{n} egg", "{n} eggs")]
    assert {m.id for m in after if m.id} == before | set(added)  # nothing dropped
    assert after["a new message {x}"].string == "" and set(unused) == before


def test_the_mo_ships_as_package_data_and_loads_from_the_package():
    """pyproject's package-data globs cover the catalogues; translations() reads the package's own .mo."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["wotsim"]
    package = ROOT / "wotsim"
    for path in (PO, PO.with_suffix(".mo")):
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel
    assert any(d.lower().startswith("babel") for d in config["project"]["dependencies"])
    assert i18n.LOCALE_DIR == Path(i18n.__file__).parent / "locale"
    nl = translations("nl")
    assert nl.info()["language"] == "nl" and nl.gettext("n/a") == "n.v.t."


@pytest.mark.slow
def test_the_wheel_carries_the_catalogues_and_they_load_from_it(tmp_path):
    """Build the wheel (pip, build isolation from the package index) and translate from an install of it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "wotsim", src / "wotsim", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(pip + ["wheel", str(src), "--no-deps", "-q", "-w", str(tmp_path / "wheel")], check=True,
                   timeout=300)
    wheel = next((tmp_path / "wheel").glob("wotsim-*.whl"))
    subprocess.run(pip + ["install", "--no-deps", "-q", "--target", str(tmp_path / "site"), str(wheel)], check=True,
                   timeout=300)
    code = ("import wotsim.i18n as i; print(i.__file__); "
            "print(i.translator('nl')('{low} to {high}'), i.format_money(1234567, 'EUR', 'nl'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    where, words = done.stdout.strip().splitlines()
    assert where.startswith(str(tmp_path / "site"))
    assert words == f"{{low}} tot {{high}} €{NBSP}1,2{NBSP}mln."


def test_a_missing_catalogue_is_an_error_not_english(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    translations.cache_clear()
    try:
        with pytest.raises(WotsimError, match=r"the 'nl' message catalogue is missing .*compile_catalogues"):
            translations("nl")
    finally:
        monkeypatch.undo()
        translations.cache_clear()


# --------------------------------------------------------------------------- config translations
def _edit(old: str, new: str, text: str = MINIMAL_CONFIG) -> str:
    assert old in text, f"test set-up: {old!r} is not in the config"
    return text.replace(old, new, 1)


X = 'dist = "uniform"\n'
GAIN = 'id = "gain"\n'
LABELLED = _edit(X, 'label = "Share x"\nlabel_nl = "Aandeel x"\nunit = "share"\nunit_nl = "aandeel"\n' + X)

ERRORS = [
    # (old, new, dotted key, rule)
    (X, 'label = "Share x"\nlabel_nl = 3\n' + X, "parameters.x.label_nl",
     r"must be a string \(the nl text of label\), got 3$"),
    (X, 'label = "Share x"\nlabel_nl = "  "\n' + X, "parameters.x.label_nl", r"must not be empty; leave label_nl out"),
    (X, 'label = "Share x"\nlabel_nl = "a\\nb"\n' + X, "parameters.x.label_nl",
     r"must be one line of printable text .*got 'a\\nb'$"),
    (X, 'label_nl = "Aandeel x"\n' + X, "parameters.x.label_nl",
     r'translates label, which is missing: give label = "..." \(the English text\) too$'),
    (X, 'unit_nl = "aandeel"\n' + X, "parameters.x.unit_nl", r"translates unit, which is missing"),
    (X, 'label = "Share x"\nlabel_de = "Anteil x"\n' + X, "parameters.x.label_de", r"unknown key \(did you mean "),
    (GAIN, GAIN + 'label = "Gain"\nlabel_nl = 1.5\n', "items.gain.label_nl", r"must be a string .*got 1\.5$"),
    (GAIN, GAIN + 'label_nl = "Winst"\n', "items.gain.label_nl", r"translates label, which is missing"),
    (GAIN, GAIN + 'description_nl = "Winst"\n', "items.gain.description_nl", r"unknown key"),
    ('[outputs.net]\n', '[outputs.net]\nlabel = "Net"\ndescription = "d"\ndescription_nl = ["d"]\n',
     "outputs.net.description_nl", r"must be a string \(the nl text of description\), got \['d'\]$"),
    ('name = "minimal"\n', 'name = "minimal"\nname_nl = ""\n', "study.name_nl", r"must not be empty"),
    ('name = "minimal"\n', 'name = "minimal"\ndescription_nl = "Een studie"\n', "study.description_nl",
     r"translates description, which is missing"),
    ('society = "Society"', 'society = { label_nl = "Samenleving" }', "stakeholders.society.label",
     r"is required: a label string, got None$"),
    ('society = "Society"', 'society = { label = "Society", lable_nl = "Samenleving" }',
     "stakeholders.society.lable_nl", r"unknown key \(did you mean 'label_nl'\?\)"),
    ('society = "Society"', 'society = 3', "stakeholders.society", r"must be a label string or a table"),
    ('society = "Society"', 'society = { label = "Society", label_nl = "Samen\\tleving" }',
     "stakeholders.society.label_nl", r"must be one line of printable text"),
    ('[outputs.net]\n', '[groups]\neffects = "Effects"\n\n[outputs.net]\n', "groups.effects",
     r"unknown group 'effects'; groups used by the parameters and items: \(none\)$"),
    ('[study]\n', 'groups = 3\n\n[study]\n', "groups", r"must be a table of group = \"label\""),
]


@pytest.mark.parametrize("old, new, key, rule", ERRORS, ids=[f"{e[2]}-{i}" for i, e in enumerate(ERRORS)])
def test_translation_errors_name_the_key_on_one_line(tmp_path, old, new, key, rule):
    path = write_config(tmp_path, _edit(old, new))
    with pytest.raises(ConfigError, match="^" + re.escape(f"{path}: {key}: ") + rule) as err:
        load_config(path)
    assert err.value.key == key and "\n" not in str(err.value)


def test_group_labels_must_name_a_group_in_use(tmp_path):
    text = _edit(X, 'group = "effect"\n' + X)
    ok = load_config(write_config(tmp_path, _edit("[outputs.net]\n", '[groups]\neffect = { label = "Effects", '
                                                  'label_nl = "Effecten" }\n\n[outputs.net]\n', text)))
    assert ok.groups == {"effect": "Effects"}
    assert label_of(ok, "group", "effect", "nl") == "Effecten" and label_of(ok, "group", "effect") == "Effects"
    path = write_config(tmp_path, _edit("[outputs.net]\n", '[groups]\neffects = "E"\n\n[outputs.net]\n', text))
    with pytest.raises(ConfigError, match=r"groups\.effects: unknown group 'effects' \(did you mean 'effect'\?\); "
                                          r"groups used by the parameters and items: effect$"):
        load_config(path)
    path = write_config(tmp_path, _edit("[outputs.net]\n", '[groups]\neffect = 1\n\n[outputs.net]\n', text))
    with pytest.raises(ConfigError, match=r"groups\.effect: must be a label string or a table"):
        load_config(path)


def test_the_label_a_person_reads(tmp_path):
    """Translation, else the label, else the humanised id; an item's default label (its id) is no label."""
    bare = load_config(write_config(tmp_path, MINIMAL_CONFIG))
    assert label_of(bare, "parameter", "x", "en") == "X" == label_of(bare, "parameter", "x", "nl")
    assert bare.items[0].label == "gain" and label_of(bare, "item", "gain") == "Gain"
    assert bare.outputs["net"].label == "net" and label_of(bare, "output", "net", "nl") == "Net"
    assert label_of(bare, "stakeholder", "society", "nl") == "Society"  # no translation: the English label
    assert label_of(bare, "parameter", "no_such_name", "nl") == "No such name"
    assert text_of(bare, "parameter", "x", "unit", "nl") == "" and text_of(bare, "study", "", "name") == "minimal"
    cfg = load_config(write_config(tmp_path, LABELLED))
    assert cfg.parameters["x"].label == "Share x"
    assert label_of(cfg, "parameter", "x") == "Share x" and label_of(cfg, "parameter", "x", "nl") == "Aandeel x"
    assert text_of(cfg, "parameter", "x", "unit", "nl") == "aandeel"
    assert text_of(cfg, "parameter", "x", "unit") == "share"
    with pytest.raises(ValueError, match=r"no translatable 'colour' of a 'parameter'"):
        text_of(cfg, "parameter", "x", "colour")
    with pytest.raises(ValueError, match=r"no translatable 'label' of a 'scenario'"):
        label_of(cfg, "scenario", "x")
    with pytest.raises(WotsimError, match="language must be one of en, nl"):
        label_of(cfg, "parameter", "x", "de")


def test_one_lookup_for_every_layer_reads_any_config_by_attribute():
    """wotsim.labels, the base module the report and the figures share (config re-exports it): a config is read by
    attribute, so a figure of a loaded result without its config, or any object with the same attributes, gets the
    same labels; an unlabelled group is humanised like any id; a label is one line."""
    assert config_translations.label_of is label_of and config_translations.TRANSLATABLE is labels.TRANSLATABLE
    assert label_of(None, "parameter", "extra_capacity_share", "nl") == "Extra capacity share"
    assert text_of(None, "study", "", "name", "nl") == "" and labels.study_name(None, "nl", "fallback") == "fallback"
    duck = SimpleNamespace(translations={("parameter", "x", "label", "nl"): "Aandeel x",
                                         ("group", "unit value", "label", "nl"): "Kengetallen"},
                           parameters={"x": SimpleNamespace(label="Share\n  x")}, groups={"unit value": ""},
                           stakeholders={"city": "city"}, outputs={})
    assert [labels.parameter_label(duck, "x", lang) for lang in ("en", "nl")] == ["Share x", "Aandeel x"]
    assert [labels.group_label(duck, "unit value", lang) for lang in ("en", "nl")] == ["Unit value", "Kengetallen"]
    assert labels.stakeholder_label(duck, "city") == "City"  # a label that repeats the id is none
    assert labels.output_label(duck, "net:city", "nl") == "Netto waarde: City"
    assert [labels.output_label(None, "benefits", lang) for lang in ("en", "nl")] == [
        "Total benefits (PV)", "Totale baten (contante waarde)"]
    assert labels.output_label(None, "benefits", axis=True) == "Total benefits"  # the axis says "present value"
    manifest = {"config": {"outputs": {"r": {"label": "Ratio r", "label_nl": "Verhouding r"}}}}
    assert [labels.output_label(None, "r", lang, manifest=manifest) for lang in ("en", "nl")] == [
        "Ratio r", "Verhouding r"]
    assert labels.output_label(None, "odd_one", "nl", "kept") == "kept" and labels.output_label(None, "odd_one") == \
        "Odd one"
    runs = [SimpleNamespace(label="Base analysis", scenario=None), SimpleNamespace(label="Own label")]
    assert [labels.run_label(r, "nl") for r in runs] == ["Basisanalyse", "Own label"]


SCENARIO = {"scenario": {"id": "more", "label": "More x", "label_nl": "Meer x", "description": "x up.",
                         "evidence": "Assumed."},
            "scale": {"x": 1.1}}


def test_scenario_translations(tmp_path):
    base = load_config(write_config(tmp_path, LABELLED))
    sc = parse_scenario(SCENARIO, base)
    assert scenario_text(sc) == "More x" and scenario_text(sc, "label", "nl") == "Meer x"
    assert scenario_text(sc, "description", "nl") == "x up."  # no translation: the English text
    assert sc.config.translations == base.translations  # scale keeps the parameter's translations
    bad = copy.deepcopy(SCENARIO)
    bad["scenario"]["evidence_nl"] = 7
    with pytest.raises(ConfigError, match=r"\(scenario 'more'\): scenario\.evidence_nl: must be a string \(the nl "
                                          r"text of evidence\), got 7$"):
        parse_scenario(bad, base)
    bad["scenario"].pop("evidence_nl")
    bad["scenario"].pop("label")
    with pytest.raises(ConfigError, match=r"scenario\.label: is required"):
        parse_scenario(bad, base)


def test_replace_keeps_translations_only_with_their_english(tmp_path):
    base = load_config(write_config(tmp_path, LABELLED))
    table = {"dist": "uniform", "low": 0.0, "high": 2.0}
    kept = parse_scenario({"scenario": {**SCENARIO["scenario"]}, "replace": {"x": table}}, base).config
    assert label_of(kept, "parameter", "x", "nl") == "Aandeel x"
    relabelled = parse_scenario({"scenario": {**SCENARIO["scenario"]},
                                 "replace": {"x": {**table, "label": "Twice x"}}}, base).config
    assert label_of(relabelled, "parameter", "x", "nl") == "Twice x"  # the old Dutch would translate the old label
    assert text_of(relabelled, "parameter", "x", "unit", "nl") == "aandeel"


def test_a_dropped_correlation_is_said_in_every_language(tmp_path):
    text = LABELLED + ('\n[parameters.y]\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n\n'
                       '[[correlations]]\nbetween = ["x", "y"]\nrank = 0.5\n')
    base = load_config(write_config(tmp_path, text))
    meta = {**SCENARIO["scenario"], "description_nl": "x omhoog."}
    sc = parse_scenario({"scenario": meta, "fix": {"y": 0.5}}, base)
    assert sc.description == "x up. Fixed here, y left the rank correlations (dropped: x ~ y 0.5)."
    assert scenario_text(sc, "description", "nl") == ("x omhoog. Hier vastgezet: y, dus uit de rangcorrelaties "
                                                      "gehaald (vervallen: x ~ y 0.5).")


# --------------------------------------------------------------------------- the Schiedam case
def _strip_translations(raw):
    """The config without any translation or group label: label_nl and the like, stakeholder tables, [groups]."""
    raw = copy.deepcopy(raw)
    raw.pop("groups", None)
    raw["stakeholders"] = {k: v["label"] if isinstance(v, dict) else v for k, v in raw["stakeholders"].items()}
    tables = [raw["study"], *raw["parameters"].values(), *raw["items"], *raw["outputs"].values(),
              *raw.get("studies", {}).values()]
    for table in tables:
        for key in [k for k in table if re.search(r"_nl$", k)]:
            del table[key]
    return raw


def test_schiedam_speaks_dutch_everywhere_and_its_numbers_do_not_change():
    cfg = load_config(SCHIEDAM)
    kinds = {"parameter": cfg.parameters, "item": [it.id for it in cfg.items], "output": cfg.outputs,
             "stakeholder": cfg.stakeholders, "group": {p.group for p in cfg.parameters.values()}}
    for kind, names in kinds.items():
        for name in names:
            assert (kind, name, "label", "nl") in cfg.translations, (kind, name)
            assert label_of(cfg, kind, name, "nl") != name
    for name in cfg.parameters:
        assert (("parameter", name, "unit", "nl") in cfg.translations) == bool(cfg.parameters[name].unit), name
    for field in ("name", "description", "unit_of_analysis"):
        assert ("study", "", field, "nl") in cfg.translations
    assert label_of(cfg, "output", "social_ratio", "nl") == "Maatschappelijke baten-kostenverhouding"
    assert label_of(cfg, "stakeholder", "municipality", "nl") == "Gemeente Schiedam"
    assert label_of(cfg, "stakeholder", "municipality") == "Municipality of Schiedam (gemeente)"
    plain = parse_config(_strip_translations(cfg.raw), file=str(SCHIEDAM))
    assert plain.translations == {} and plain.groups == {}
    for part in ("study", "simulation", "stakeholders", "parameters", "derived_order", "items", "outputs",
                 "correlations"):
        assert getattr(plain, part) == getattr(cfg, part), part
    for sc in find_scenarios(cfg):
        for field in ("label", "description", "evidence"):
            assert ("scenario", sc.id, field, "nl") in sc.translations, (sc.id, field)
        for it in sc.config.items:
            assert ("item", it.id, "label", "nl") in sc.config.translations, (sc.id, it.id)
        for name in sc.config.parameters:
            assert ("parameter", name, "label", "nl") in sc.config.translations, (sc.id, name)


# --------------------------------------------------------------------------- the glossary
#: The terms issue 12 asks the glossary to explain, by anchor id.
REQUIRED = ("mkba", "social-ratio", "financial-ratio", "npv", "interval", "p-above", "draw", "standard-error",
            "sobol-s1", "sobol-st", "one-way", "switching-value", "decision-driver", "evpi", "evppi", "noise-floor",
            "per-cohort", "scenario", "paired-difference", "common-random-numbers", "scenario-discovery", "box",
            "coverage", "density", "quasi-p", "stability", "evidence-sourced", "evidence-derived", "evidence-assumed",
            "evidence-calibrated")


def test_the_glossary_explains_every_term_in_both_languages():
    ids = [t.id for t in TERMS]
    assert len(set(ids)) == len(ids) and set(REQUIRED) <= set(ids)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)  # anchors
    catalog = CATALOGUES.read_catalogue(PO)
    en, nl = glossary("en"), glossary("nl")
    assert [t.id for t in en] == [t.id for t in nl] == ids
    for term, dutch in zip(en, nl):
        assert term.term and term.text and term.text.endswith(".")
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", term.text)) <= 3, term.id  # one or two plain sentences
        for english, translated in ((term.term, dutch.term), (term.text, dutch.text)):
            assert catalog.get(english) is not None and catalog[english].string == translated, english
        assert dutch.text != term.text and dutch.text.endswith("."), term.id
    for tag, word in EVIDENCE_WORDS.items():
        assert word == tag and translator("nl")(word) not in ("", tag)
    assert glossary("nl")[0].term == "Maatschappelijke kosten-batenanalyse (MKBA)"
