"""The command line: ``wotsim run`` and ``wotsim validate``.

User errors must end as exactly one line on stderr with exit code 2, no
traceback, and no results directory (nor temporary siblings) left behind.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from wotsim import load_results
from wotsim.cli import _positive_int, _seed, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"

GOOD = """\
[study]
name = "cli test"
horizon = 3
discount_rate = 0.03
price_year = 2019

[simulation]
samples = 512
seed = 5
sampler = "sobol"

[stakeholders]
city = "City"
people = "People"

[parameters.gain]
dist = "pert"
low = 40.0
mode = 60.0
high = 100.0

[parameters.cost]
dist = "uniform"
low = 90.0
high = 110.0

[[items]]
id = "g"
kind = "benefit"
stakeholder = "people"
financial = false
value = "gain"
persistence = 0.5

[[items]]
id = "c"
kind = "cost"
stakeholder = "city"
financial = true
value = "cost"
duration = 1

[outputs.social]
label = "Social ratio"
benefits = "all"
costs = "all"
target = 1.0
tolerance = 0.5
"""

# Each bad config: (name, text, a fragment the one-line message must contain)
BAD = [
    ("malformed_toml", GOOD.replace('name = "cli test"', 'name = "cli test'), "invalid TOML"),
    ("unknown_key", GOOD.replace("price_year = 2019", "price_yaer = 2019"), "study.price_yaer"),
    ("bad_formula", GOOD.replace('value = "gain"', 'value = "gain *"'), "items.g.value"),
    ("unknown_name", GOOD.replace('value = "gain"', 'value = "gian"'), "gian"),
    ("bad_distribution", GOOD.replace("high = 100.0", "high = 50.0"), "parameters.gain"),
]


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def call(argv) -> int:
    """main(argv) -> exit code, whether it returns or argparse raises SystemExit."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --------------------------------------------------------------------------- run
def test_run_prints_the_table_and_writes_results(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    out_dir = tmp_path / "results"
    code = call(["run", cfg, "--samples", 1024, "--seed", 9, "--sampler", "lhs", "--out", out_dir, "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    for heading in ("base", "mean", "median", "90% interval", "P(>1"):
        assert heading in out
    assert "1,024 samples (lhs), seed 9" in out
    assert "Social ratio" in out and "ratio of means" in out
    assert f"results written to {out_dir}" in out

    res = load_results(out_dir)
    assert (res.n, res.seed, res.sampler) == (1024, 9, "lhs")
    s = res.summary["social"]
    lo, hi = s.interval(90)
    row = next(line for line in out.splitlines() if line.startswith("Social ratio"))
    for number in (s.base, s.mean, s.median, lo, hi):
        assert f"{number:.3f}" in row
    assert f"{s.p_above:.3f} ± {s.p_above_se:.3f}" in row
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["samples"] == 1024 and manifest["config_path"] == str(cfg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "results"]


def test_run_without_out_writes_nothing(tmp_path, capsys, monkeypatch):
    cfg = write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    assert call(["run", cfg, "--no-progress"]) == 0
    out, _ = capsys.readouterr()
    assert "512 samples (sobol), seed 5" in out  # the config's defaults
    assert "results written" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_run_is_reproducible(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    call(["run", cfg, "--out", tmp_path / "a", "--chunk-size", 100, "--no-progress"])
    call(["run", cfg, "--out", tmp_path / "b", "--no-progress"])
    capsys.readouterr()
    a, b = load_results(tmp_path / "a"), load_results(tmp_path / "b")
    np.testing.assert_array_equal(a.item_pv, b.item_pv)
    assert a.summary == b.summary


def test_run_with_other_percentiles(tmp_path, capsys):
    """The 5th and 95th percentiles are always computed, so the 90% interval is always shown."""
    cfg = write(tmp_path, GOOD.replace('sampler = "sobol"', 'sampler = "sobol"\npercentiles = [25, 50, 75]'))
    code = call(["run", cfg, "--no-progress", "--out", str(tmp_path / "res")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and "n/a" not in out
    s = load_results(tmp_path / "res").summary
    assert all(set(x.percentiles) == {"p5", "p25", "p50", "p75", "p95"} for x in s.values())


# --------------------------------------------------------------------------- validate
def test_validate_schiedam(capsys):
    code = call(["validate", SCHIEDAM])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    assert "1.0500" in out and "0.7500" in out
    assert "valid (" in out and "44 uncertain" in out and "15 items" in out
    assert "MISMATCH" not in out


def test_validate_wrong_target_exits_2(tmp_path, capsys):
    cfg = write(tmp_path, GOOD.replace("target = 1.0\ntolerance = 0.5", "target = 2.0\ntolerance = 0.01"))
    code = call(["validate", cfg])
    out, err = capsys.readouterr()
    assert code == 2
    assert "MISMATCH" in out
    assert "valid (" not in out  # the verdict comes after every check, "valid" only when all pass
    assert_one_line_error(err, "outputs.social", "misses target 2")


def test_validate_warnings_go_to_stderr_and_keep_exit_0(tmp_path, capsys):
    cfg = write(tmp_path, GOOD + '\n[parameters.spare]\nvalue = 1\n')
    assert call(["validate", cfg]) == 0
    out, err = capsys.readouterr()
    assert "valid (" in out and "warning" not in out.replace(str(cfg), "")
    assert err == f"wotsim: warning: {cfg}: parameters.spare: not used by any item's value or persistence, the horizon " \
                  "or the discount rate (directly or through a derived formula in use); remove it or use it\n"


@pytest.mark.parametrize("path", [SCHIEDAM, ROOT / "configs" / "examples" / "debt_counselling.toml"],
                         ids=["schiedam", "debt_counselling"])
def test_shipped_configs_validate_without_warnings(path, capsys):
    """The draw checks (persistence support, costs alone or together, finite values) run on the config and on
    every scenario; the shipped configs pass them all, silently."""
    assert call(["validate", path]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "scenarios: " in out


def test_compare_warns_about_the_base_and_each_scenario_like_run(tmp_path, capsys):
    """D6: draws where a ratio's costs are <= 0, for the base analysis and every scenario (naming it), on stderr;
    only for the outputs compared."""
    cfg = write(tmp_path, GOOD.replace('dist = "uniform"\nlow = 90.0\nhigh = 110.0',
                                       'dist = "normal"\nmean = 100.0\nsd = 60.0'))
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "more.toml").write_text(
        '[scenario]\nid = "more"\nlabel = "x"\ndescription = "d"\nevidence = "e"\n'
        '[scale]\ngain = { factor = 1.2, source = "t" }\n', encoding="utf-8")
    assert call(["run", cfg, "--samples", 256, "--no-progress"]) == 0
    run_err = capsys.readouterr().err.splitlines()
    assert len(run_err) == 1 and "outputs.social: costs <= 0 in " in run_err[0]
    assert call(["compare", cfg, "--samples", 256, "--no-progress"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == run_err[0]  # the base analysis: the same draws as run's, the same line
    label = f"{tmp_path / 'scenarios' / 'more.toml'} (scenario 'more')"
    assert len(err) == 2 and err[1] == run_err[0].replace(str(cfg), label)  # the same costs under the scenario
    assert call(["compare", cfg, "--samples", 256, "--no-progress", "--output", "npv"]) == 0
    assert capsys.readouterr().err == ""


def test_validate_good_config(tmp_path, capsys):
    assert call(["validate", write(tmp_path, GOOD)]) == 0
    out, err = capsys.readouterr()
    assert "ok" in out and err == ""


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name,text,fragment", BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_config_exits_2_with_one_line(tmp_path, capsys, command, name, text, fragment):
    cfg = write(tmp_path, text)
    out_dir = tmp_path / "results"
    argv = [command, cfg] + (["--out", out_dir, "--no-progress"] if command == "run" else [])
    code = call(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err, str(cfg), fragment)
    assert out == ""
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_missing_config_file(tmp_path, capsys):
    code = call(["run", tmp_path / "nope.toml", "--out", tmp_path / "results"])
    _, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err, "nope.toml", "no such file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,fragment", [
    (["--samples", "abc"], "--samples"),
    (["--samples", "0"], "--samples"),
    (["--samples", "1"], "samples must be a whole number >= 2"),  # passes argparse, caught by simulate
    (["--samples", "1e-3"], "--samples"),
    (["--sampler", "halton"], "--sampler"),
    (["--seed", "-3"], "--seed"),
    (["--chunk-size", "0"], "--chunk-size"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, fragment):
    cfg = write(tmp_path, GOOD)
    out_dir = tmp_path / "results"
    code = call(["run", cfg, "--out", out_dir, "--no-progress"] + args)
    out, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err, fragment)
    assert out == ""
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_unwritable_out_exits_2(tmp_path, capsys):
    """--out below a regular file cannot be created: a user error, not a traceback."""
    cfg = write(tmp_path, GOOD)
    (tmp_path / "afile").write_text("not a directory")
    code = call(["run", cfg, "--samples", 64, "--out", tmp_path / "afile" / "results", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err, "--out", "cannot write")
    assert (tmp_path / "afile").read_text() == "not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "config.toml"]


def test_out_never_replaces_other_files(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    code = call(["run", cfg, "--samples", 64, "--out", tmp_path, "--no-progress"])
    _, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err, "not a wotsim results directory")
    assert cfg.read_text() == GOOD


def test_no_command_prints_the_usage_and_exits_2(capsys):
    """`wotsim` alone prints its usage with every command and what it does (stderr, exit 2: nothing was run)."""
    assert call([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err and "error" not in err
    assert err.startswith("usage: wotsim")
    flat = " ".join(err.split())  # argparse wraps to the terminal's width
    for command, words in [("run", "Monte Carlo simulation"), ("validate", "check a config"), ("plot", "draw the"),
                           ("sensitivity", "which parameters"), ("compare", "run scenarios"), ("voi", "value of"),
                           ("report", "run the analyses")]:
        assert f" {command} {words}" in flat, command


def test_subprocess_error_has_no_traceback(tmp_path):
    """The real entry point (``python -m wotsim``): exit 2, one line, no traceback."""
    cfg = write(tmp_path, BAD[2][1])
    out_dir = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "wotsim", "run", str(cfg), "--out", str(out_dir)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "items.g.value")
    assert proc.stdout == ""
    assert not out_dir.exists()


def test_validate_checks_scenario_overlays(tmp_path, capsys):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "schiedam.toml").write_bytes(SCHIEDAM.read_bytes())
    (tmp_path / "scenarios" / "bad.toml").write_text(
        '[scenario]\nid = "bad"\nlabel = "x"\ndescription = "d"\nevidence = "e"\n[scale]\nn_househods = 2\n',
        encoding="utf-8")
    assert main(["validate", str(tmp_path / "schiedam.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "bad.toml (scenario 'bad'): scale.n_househods: unknown parameter" in err[0]
    assert "did you mean 'n_households'" in err[0]


def test_validate_lists_the_schiedam_scenarios(capsys):
    assert main(["validate", str(SCHIEDAM)]) == 0
    assert "scenarios: 12 valid" in capsys.readouterr().out


# `import wotsim` does not load SALib, and every name in __all__ resolves (loading it): in the same fresh interpreter
# as the other import checks, tests/test_fast_start.py::test_import_wotsim_is_light_and_its_names_resolve.


# --------------------------------------------------------------------------- sizes and counts (issue 9)
#: The module (``wotsim.simulate`` as an attribute is the function the package re-exports).
SIMULATE = importlib.import_module("wotsim.simulate")


def _never(*args, **kwargs):
    raise AssertionError("sampling started before the sizes were checked")


def assert_limit_error(err: str, *fragments: str) -> None:
    assert_one_line_error(err, *fragments)
    assert err.startswith("wotsim: error: ")


def test_run_refuses_10_to_the_20_samples_before_sampling(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(SIMULATE, "simulate", _never)
    cfg = write(tmp_path, GOOD)
    code = call(["run", cfg, "--samples", "10^20", "--out", tmp_path / "results", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert_limit_error(err, "--samples: 1.0e+20 draws would need about ", "per draw: draws 2 x 8 B",
                       "the limits are 100,000,000 draws and ", "draws fit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_run_refuses_the_configs_samples_beyond_the_memory(tmp_path, capsys, monkeypatch):
    """Without --samples the config's count is checked, and named by file and key."""
    monkeypatch.setattr(SIMULATE, "simulate", _never)
    monkeypatch.setattr("wotsim.limits.memory_budget", lambda: (4096, "a test budget of 4 KiB"))
    cfg = write(tmp_path, GOOD)
    assert call(["run", cfg, "--no-progress"]) == 2
    assert_limit_error(capsys.readouterr().err, f"{cfg}: simulation.samples: 512 draws would need about",
                       "the limits are 100,000,000 draws and a test budget of 4 KiB")


def test_the_real_entry_point_refuses_at_once(tmp_path):
    """``python -m wotsim run --samples 10^20``: exit 2, one line, no traceback (no timing asserted)."""
    proc = subprocess.run([sys.executable, "-m", "wotsim", "run", str(SCHIEDAM), "--samples", "10^20"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert_limit_error(proc.stderr, "--samples: 1.0e+20 draws", "100,000,000 draws")


@pytest.mark.parametrize("text, value", [
    ("1e5", 100_000), ("1E5", 100_000), ("2^17", 131_072), ("2**17", 131_072), ("10^20", 10**20),
    ("100,000", 100_000), ("1.5e3", 1_500),
])
def test_count_flags_read_counts_as_people_write_them(text, value):
    """Beside plain 100000 and Python's 1_000_000 (see tests/test_limits.py for every form)."""
    assert _positive_int(text) == value and _seed(text) == value
    parser = build_parser()
    for argv, dest in [(["run", "c.toml", "--samples"], "samples"), (["run", "c.toml", "--chunk-size"], "chunk_size"),
                       (["run", "c.toml", "--seed"], "seed"), (["compare", "c.toml", "--samples"], "samples"),
                       (["voi", "c.toml", "--top"], "top"), (["sensitivity", "c.toml", "--resamples"], "resamples"),
                       (["report", "c.toml", "--out", "r", "--sobol-samples"], "sobol_samples")]:
        assert getattr(parser.parse_args(argv + [text]), dest) == value, argv


def test_a_tiny_run_with_a_power_of_two(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    assert call(["run", cfg, "--samples", "2^9", "--chunk-size", "1e2", "--seed", "1_000", "--no-progress"]) == 0
    assert "512 samples (sobol), seed 1000" in capsys.readouterr().out


@pytest.mark.parametrize("flag, minimum", [("--samples", 1), ("--chunk-size", 1), ("--seed", 0)])
@pytest.mark.parametrize("text, fragment", [
    ("1e-3", "which is not whole"),
    ("2.5", "which is not whole"),
    ("nan", "(such as 100000, 1e5, 2^17, 1_000_000 or 100,000)"),
    ("inf", "(such as 100000, 1e5, 2^17, 1_000_000 or 100,000)"),
    ("-5", "must be a whole number >= MIN, got '-5'"),
    ("2^100000000", "'2^100000000' is above 10^30"),
    ("100.000", "a hundred thousand to a Dutch reader"),
])
def test_bad_counts_are_one_line_argparse_errors(tmp_path, capsys, flag, minimum, text, fragment):
    cfg = write(tmp_path, GOOD)
    code = call(["run", cfg, "--no-progress", flag, text])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert_one_line_error(err, "wotsim run: error: argument " + flag, fragment.replace("MIN", str(minimum)))


def test_zero_is_refused_where_a_count_must_be_positive(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    assert call(["run", cfg, "--samples", "0"]) == 2
    assert_one_line_error(capsys.readouterr().err, "argument --samples: must be a whole number >= 1, got '0'")


def test_a_closed_pipe_is_not_a_traceback():
    """``wotsim run ... | head``: when the reader has gone, stop quietly, no BrokenPipeError traceback."""
    path = Path(__file__).resolve().parents[1] / "configs" / "examples" / "debt_counselling.toml"
    # `true` exits without reading: wotsim's table then meets a closed pipe
    proc = subprocess.run(f"'{sys.executable}' -m wotsim run '{path}' --samples 512 | true",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
