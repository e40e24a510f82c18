"""The batch file loader (wotsim.batch.spec): cases, scenarios, settings, paths and one-line errors.

Every config here is a copy of the Schiedam config (loading one takes ~20 ms); the full
"all scenarios" batch is loaded once per module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wotsim.analysis.checks import default_outputs
from wotsim.batch.spec import BatchCase, ScenarioSource, load_batch
from wotsim.config.loading import load_config, parse_config
from wotsim.config.overlays import find_scenarios, parse_scenario
from wotsim.errors import ConfigError, WotsimError

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A batch folder: configs/schiedam.toml with its scenarios, munis/{c,a,b}.toml, and a broken config."""
    root = tmp_path_factory.mktemp("batch")
    (root / "configs").mkdir()
    shutil.copy(SCHIEDAM, root / "configs" / "schiedam.toml")
    shutil.copytree(ROOT / "configs" / "scenarios", root / "configs" / "scenarios")
    (root / "munis").mkdir()
    for name in ("c", "a", "b"):
        shutil.copy(SCHIEDAM, root / "munis" / f"{name}.toml")
    (root / "broken").mkdir()
    (root / "broken" / "x.toml").write_text(SCHIEDAM.read_text(encoding="utf-8").replace("[study]", "[studdy]", 1),
                                            encoding="utf-8")
    # a scenario that makes social_ratio an NPV: 'npv:social_ratio' is known to the base only
    (root / "npv").mkdir()
    shutil.copy(SCHIEDAM, root / "npv" / "x.toml")
    (root / "npv" / "scenarios").mkdir()
    (root / "npv" / "scenarios" / "as_npv.toml").write_text(
        '[scenario]\nlabel = "As NPV"\ndescription = "d"\nevidence = "e"\n'
        '[outputs.social_ratio]\nmeasure = "npv"\nbenefits = "all"\ncosts = "all"\n', encoding="utf-8")
    (root / "npv" / "scenarios" / "broken.toml").write_text(
        '[scenario]\nlabel = "Broken"\ndescription = "d"\nevidence = "e"\n[scale]\nn_househods = 2\n', encoding="utf-8")
    return root


def write(folder: Path, text: str, name: str = "b.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def schiedam():
    config = load_config(SCHIEDAM)
    return config, find_scenarios(config)


@pytest.fixture(scope="module")
def full(tree):
    path = write(tree, '[batch]\nsamples = 1024\nseed = 1\nsampler = "lhs"\noutputs = ["social_ratio", "npv"]\n'
                       'chunk_size = 256\n\n[[cases]]\nconfig = "configs/schiedam.toml"\nscenarios = "all"\n', "full.toml")
    return load_batch(path)


def test_schiedam_with_all_scenarios(full, tree, schiedam):
    config, scenarios = schiedam
    assert full.path == str(tree / "full.toml")
    assert full.chunk_size == 256
    assert full.settings == {"samples": 1024, "seed": 1, "sampler": "lhs", "outputs": ["social_ratio", "npv"],
                             "chunk_size": 256}
    (case,) = full.cases
    assert isinstance(case, BatchCase)
    assert case.key == "configs/schiedam.toml"
    assert case.config_file == str(tree / "configs" / "schiedam.toml")
    assert case.raw == config.raw and case.sha256 == config.sha256  # same text, another folder
    assert [s.id for s in case.scenarios] == [s.id for s in scenarios] and len(scenarios) == 12
    assert all(isinstance(s, ScenarioSource) for s in case.scenarios)
    assert [s.label for s in case.scenarios] == [s.label for s in scenarios]
    assert [Path(s.file).relative_to(tree).as_posix() for s in case.scenarios] == \
        [Path(s.file).relative_to(ROOT).as_posix() for s in scenarios]
    assert [s.overlay for s in case.scenarios] == [s.overlay for s in scenarios]
    assert (case.outputs, case.samples, case.seed, case.sampler, case.replicates) == \
        (("social_ratio", "npv"), 1024, 1, "lhs", None)


def test_a_worker_rebuilds_each_scenario_from_the_case_alone(full, schiedam):
    _, scenarios = schiedam
    case = full.cases[0]
    base = parse_config(case.raw, file=case.key)
    rebuilt = [parse_scenario(s.overlay, base, file=s.file, default_id=s.id) for s in case.scenarios]
    assert [r.id for r in rebuilt] == [s.id for s in case.scenarios]
    assert [r.config.sha256 for r in rebuilt] == [s.config.sha256 for s in scenarios]


def test_defaults_come_from_each_config(tree, schiedam):
    config, _ = schiedam
    spec = load_batch(write(tree, '[[cases]]\nconfig = "configs/schiedam.toml"\n'))
    (case,) = spec.cases
    sim = config.simulation
    assert (case.samples, case.seed, case.sampler, case.replicates) == (sim.samples, sim.seed, sim.sampler, None)
    assert case.scenarios == ()  # "none" by default
    assert case.outputs == default_outputs(config)
    assert spec.chunk_size is None and spec.settings == {}


def test_a_glob_gives_one_case_per_file_sorted_and_a_case_seed_overrides(tree):
    spec = load_batch(write(tree, '[batch]\nseed = 1\n\n[[cases]]\nconfig = "configs/schiedam.toml"\n\n'
                                  '[[cases]]\nconfig = "munis/*.toml"\nseed = 7\n'))
    assert [c.key for c in spec.cases] == ["configs/schiedam.toml", "munis/a.toml", "munis/b.toml", "munis/c.toml"]
    assert [c.seed for c in spec.cases] == [1, 7, 7, 7]
    assert spec.cases[1].config_file == str(tree / "munis" / "a.toml")


def test_paths_are_relative_to_the_batch_folder_not_the_working_directory(tree, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(SCHIEDAM, outside / "z.toml")
    write(tree, f'[[cases]]\nconfig = "configs/schiedam.toml"\nscenarios = ["configs/scenarios/horizon_3.toml", '
                f'"discount_3"]\n\n[[cases]]\nconfig = "{(outside / "z.toml").as_posix()}"\n', "rel.toml")
    monkeypatch.chdir(tree.parent)  # the batch file named by a relative path from another folder
    spec = load_batch(Path(tree.name) / "rel.toml")
    assert [c.key for c in spec.cases] == ["configs/schiedam.toml", (outside / "z.toml").as_posix()]
    assert spec.cases[0].config_file == str(Path(tree.name) / "configs" / "schiedam.toml")
    assert [s.id for s in spec.cases[0].scenarios] == ["horizon_3", "discount_3"]
    monkeypatch.chdir(outside)  # a folder with no configs/ of its own
    assert [c.key for c in load_batch(tree / "rel.toml").cases] == [c.key for c in spec.cases]


def test_a_glob_never_matches_the_batch_file_itself(tree):
    (tree / "munis" / "batch.toml").write_text('[[cases]]\nconfig = "*.toml"\n', encoding="utf-8")
    try:
        assert [c.key for c in load_batch(tree / "munis" / "batch.toml").cases] == ["a.toml", "b.toml", "c.toml"]
    finally:
        (tree / "munis" / "batch.toml").unlink()


CASE = '[[cases]]\nconfig = "configs/schiedam.toml"\n'
ERRORS = [
    # (batch text, key named, words of the rule)
    ("[batch\n", "", "invalid TOML"),
    ("batch = 3\n" + CASE, "batch", "must be a table"),
    ("cases = 'x'\n", "cases", "array of tables"),
    ("cases = []\n", "cases", "is required: one [[cases]] table or more"),
    ("[batch]\nseed = 1\n", "cases", "is required: one [[cases]] table or more"),
    ("[bach]\n" + CASE, "bach", "did you mean 'batch'"),
    ("[batch]\nsamplez = 2\n" + CASE, "batch.samplez", "did you mean 'samples'"),
    (CASE + "scenarioz = 'all'\n", "cases[0].scenarioz", "did you mean 'scenarios'"),
    ("[batch]\nsamples = true\n" + CASE, "batch.samples", "whole number"),
    ("[batch]\nsamples = 1\n" + CASE, "batch.samples", ">= 2"),
    ("[batch]\nsamples = 100_000_001\n" + CASE, "batch.samples", "at most 100,000,000"),
    ("[batch]\nseed = -1\n" + CASE, "batch.seed", ">= 0"),
    ("[batch]\nsampler = 'sobl'\n" + CASE, "batch.sampler", "did you mean 'sobol'"),
    ("[batch]\nchunk_size = 0\n" + CASE, "batch.chunk_size", ">= 1"),
    ("[batch]\noutputs = 'npv'\n" + CASE, "batch.outputs", "list of one output name or more"),
    ("[batch]\noutputs = []\n" + CASE, "batch.outputs", "list of one output name or more"),
    ("[batch]\noutputs = ['npv', 'npv']\n" + CASE, "batch.outputs", "'npv' twice"),
    ("[batch]\noutputs = ['npv', 'social_ration']\n" + CASE, "batch.outputs",
     "unknown output 'social_ration'; known outputs: social_ratio"),
    (CASE + "seed = 1.5\n", "cases[0].seed", "whole number"),
    ("[[cases]]\nseed = 1\n", "cases[0].config", "is required"),
    ("[[cases]]\nconfig = ' '\n", "cases[0].config", "must be a config path or glob"),
    ("[batch]\nsampler = 1\n" + CASE, "batch.sampler", "must be one of mc, lhs, sobol, got 1"),
    ("[[cases]]\nconfig = 'nowhere/*.toml'\n", "cases[0].config", "'nowhere/*.toml' matches no file (resolved against"),
    ("[[cases]]\nconfig = 'configs/schiedam.tom'\n", "cases[0].config", "matches no file"),
    (CASE + CASE, "cases[1].config", "reached twice, by cases[0].config ('configs/schiedam.toml') and cases[1].config"),
    ("[[cases]]\nconfig = 'munis/*.toml'\n[[cases]]\nconfig = 'munis/[ab].toml'\n", "cases[1].config",
     "by cases[0].config ('munis/*.toml') and cases[1].config ('munis/[ab].toml')"),
    (CASE + "scenarios = 'al'\n", "cases[0].scenarios", "did you mean 'all'"),
    (CASE + "scenarios = [1]\n", "cases[0].scenarios", 'must be "all", "none" or a list of scenario ids'),
    (CASE + "scenarios = ['sharper_selektion']\n", "cases[0].scenarios",
     "unknown scenario 'sharper_selektion' (did you mean 'sharper_selection'?)"),
    (CASE + "scenarios = ['horizon_3', 'horizon_3']\n", "cases[0].scenarios", "defined twice"),
]


@pytest.mark.parametrize("text, key, words", ERRORS, ids=[f"{i}:{e[1] or 'toml'}" for i, e in enumerate(ERRORS)])
def test_each_error_is_one_line_naming_the_batch_file_and_key(tree, text, key, words):
    path = write(tree, text, "err.toml")
    with pytest.raises(WotsimError) as info:
        load_batch(path)
    message = str(info.value)
    assert isinstance(info.value, ConfigError)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: " if key else f"{path}: ")
    assert words in message


def test_a_missing_or_binary_batch_file(tree):
    with pytest.raises(ConfigError, match=r"nope\.toml: no such batch file$"):
        load_batch(tree / "nope.toml")
    (tree / "bin.toml").write_bytes(b"\xff\xfe[batch]\n")
    with pytest.raises(ConfigError, match=r"bin\.toml: is not UTF-8 text$"):
        load_batch(tree / "bin.toml")


def test_errors_of_a_config_or_scenario_keep_their_own_file_and_key(tree):
    path = write(tree, "[[cases]]\nconfig = 'broken/x.toml'\n", "err.toml")
    with pytest.raises(ConfigError) as info:
        load_batch(path)
    message = str(info.value)
    assert message.startswith(f"{tree / 'broken' / 'x.toml'}: studdy: unknown key (did you mean 'study'?)")
    assert message.endswith(f"(from {path}: cases[0].config)") and "\n" not in message

    path = write(tree, "[[cases]]\nconfig = 'npv/x.toml'\nscenarios = ['broken']\n", "err.toml")
    with pytest.raises(ConfigError) as info:
        load_batch(path)
    message = str(info.value)
    assert message.startswith(str(tree / "npv" / "scenarios" / "broken.toml")) and "scale.n_househods" in message
    assert message.endswith(f"(from {path}: cases[0].scenarios)") and "\n" not in message

    path = write(tree, CASE + "scenarios = ['configs/scenarios/nothere.toml']\n", "err.toml")
    with pytest.raises(ConfigError, match=r"configs/scenarios/nothere\.toml: no such scenario file \(from .*err\.toml: "
                                          r"cases\[0\]\.scenarios\)$"):
        load_batch(path)


def test_an_output_is_checked_on_every_scenario(tree):
    text = "[batch]\noutputs = ['npv:social_ratio']\n[[cases]]\nconfig = 'npv/x.toml'\n"
    assert load_batch(write(tree, text, "ok.toml")).cases[0].outputs == ("npv:social_ratio",)
    path = write(tree, text + "scenarios = ['as_npv']\n", "err.toml")
    with pytest.raises(ConfigError, match=r"err\.toml: batch\.outputs: unknown output 'npv:social_ratio'.*"
                                          r"\(in .*npv/x\.toml, scenario 'as_npv'\)$"):
        load_batch(path)


def test_sizes_are_checked_before_any_work(tree):
    text = SCHIEDAM.read_text(encoding="utf-8").replace('sampler = "sobol"', 'sampler = "sobol"\nreplicates = 8', 1)
    (tree / "reps").mkdir(exist_ok=True)
    (tree / "reps" / "r.toml").write_text(text, encoding="utf-8")
    ok = load_batch(write(tree, "[batch]\nsamples = 16\n[[cases]]\nconfig = 'reps/r.toml'\n", "ok.toml"))
    assert ok.cases[0].replicates == 8
    mc = load_batch(write(tree, "[batch]\nsamples = 8\nsampler = 'mc'\n[[cases]]\nconfig = 'reps/r.toml'\n", "ok.toml"))
    assert mc.cases[0].replicates is None  # mc draws are independent: no replicates
    path = write(tree, "[batch]\nsamples = 15\n[[cases]]\nconfig = 'reps/r.toml'\n", "err.toml")
    with pytest.raises(ConfigError, match=r"err\.toml: batch\.samples: 15 draws leave fewer than 2 per randomisation "
                                          r".*replicates = 8; use at least 16 samples$"):
        load_batch(path)

    text = SCHIEDAM.read_text(encoding="utf-8").replace("samples = 32768", "samples = 100_000_001", 1)
    (tree / "reps" / "big.toml").write_text(text, encoding="utf-8")
    assert load_batch(write(tree, "[batch]\nsamples = 64\n[[cases]]\nconfig = 'reps/big.toml'\n", "ok.toml"))
    path = write(tree, "[[cases]]\nconfig = 'reps/big.toml'\n", "err.toml")
    with pytest.raises(ConfigError, match=r"big\.toml: simulation\.samples: must be at most 100,000,000 .* set "
                                          r"batch\.samples \(from .*err\.toml: cases\[0\]\.config\)$"):
        load_batch(path)
