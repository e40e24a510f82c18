"""Property-based fuzzing (hypothesis) of every door untrusted input comes through.

Mutated shipped configs (TOML text: values replaced by hostile tokens, lines deleted, duplicated,
swapped or garbled) go through ``wotsim validate`` and, when valid, ``wotsim run``; tampered
results directories (JSON values, arrays, symlinks) go through ``wotsim plot``.  Each case must
end with exit code 0 or 2, never a traceback; exit 2 prints exactly one ``wotsim: error:`` line that
names the file; nothing is written outside the output directory.

The default suite runs a fast profile (170 cases, derandomised so CI is repeatable);
``pytest -m slow tests/test_fuzz.py`` runs 5,000 configs and 500 results directories and prints the
tallies.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from wotsim import load_config, simulate
from wotsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG_TEXTS = {
    "schiedam.toml": (ROOT / "configs" / "schiedam.toml").read_text(encoding="utf-8"),
    "debt_counselling.toml": (ROOT / "configs" / "examples" / "debt_counselling.toml").read_text(encoding="utf-8"),
}

HOSTILE_TOKENS = [
    "0", "-1", "1", "2", "0.5", "-0.0", "5e-324", "1e308", "-1e308", "inf", "-inf", "nan", "1e-320",
    "9" * 400, "9" * 4400, "-" + "9" * 40, "2.5", "100000000000000000000", "true", "false", "[]", "{}",
    "[1, 2]", '["a", "b"]', "[" * 60 + "1" + "]" * 60, "[" * 3000 + "]" * 3000, '""', '"x"', '"nope"',
    '"$\\\\undefined$"', '"a $5 fee"', '"../../victim"', '"__import__(\'os\').system(\'x\')"', '"1/0"',
    '"9**9**9"', '"exp(1000)"', '"log(-1)"', '"(" * 100"', '"' + "(" * 500 + "x" + ")" * 500 + '"',
    '"' + "-" * 3000 + 'x"', '"' + "+".join(["n_households"] * 2000) + '"', '"x' + "\\u0000" + '"',
    "1979-05-27", '"sobol"', '"mc"', '"pert"', '"beta"', '"lognormal"', '"integer"', '"fixed"',
]

KEY_LINE = re.compile(r"^(\s*[A-Za-z0-9_\"\-.]+\s*=\s*)(.+)$")

mutation = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 10**6), st.sampled_from(HOSTILE_TOKENS)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.just("")),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6), st.just("")),
    st.tuples(st.just("swap"), st.integers(0, 10**6), st.integers(0, 10**6).map(str)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(
        ["junk = 1", "[junk]", "[[items]]", "[parameters.zz]", "dist = \"pert\"", "samples = 1e9", "= 5",
         "[study]", "horizon = 1000000", "[[correlations]]", "between = [\"a\", \"a\"]", "rank = 2"])),
    st.tuples(st.just("char"), st.integers(0, 10**7), st.sampled_from(list("=[]{}\"'#\\\n,.-0x$"))),
)


def mutate(text: str, steps: list[tuple[str, int, str]]) -> str:
    lines = text.split("\n")
    for kind, at, arg in steps:
        if kind == "char":
            i = at % max(len(text), 1)
            joined = "\n".join(lines)
            lines = (joined[:i] + arg + joined[i + 1:]).split("\n")
            continue
        i = at % len(lines)
        if kind == "value":
            keyed = [k for k, line in enumerate(lines) if KEY_LINE.match(line) and not line.lstrip().startswith("#")]
            if keyed:
                k = keyed[at % len(keyed)]
                lines[k] = KEY_LINE.match(lines[k]).group(1) + arg
        elif kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = int(arg) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            lines.insert(i, arg)
    return "\n".join(lines)


class Tally:
    def __init__(self):
        self.counts: Counter[str] = Counter()


CONFIG_TALLY = Tally()
RESULTS_TALLY = Tally()


def _call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check_exit(code: int, err: str, name: str) -> None:
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("wotsim: error:")]
    others = [line for line in err.splitlines() if not line.startswith(("wotsim: error:", "wotsim: warning:"))]
    assert not others, err
    if code == 2:
        assert len(errors) == 1, err
        assert name in errors[0], errors[0]
    else:
        assert not errors, err


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def check_config(name: str, steps: list[tuple[str, int, str]], tally: Tally, run: bool = True) -> None:
    text = mutate(CONFIG_TEXTS[name], steps)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        before = _listing(root)
        code, _out, err = _call(["validate", str(path)])
        _check_exit(code, err, name)
        tally.counts[f"validate exit {code}"] += 1
        if code == 0 and run:
            code, _out, err = _call(["run", str(path), "--samples", "64", "--seed", "3", "--out", str(root / "out")])
            _check_exit(code, err, name if code == 2 and name in err else "")
            tally.counts[f"run exit {code}"] += 1
            after = _listing(root)
            assert [p for p in after if not p.startswith("out")] == before, "wrote outside the output directory"
        else:
            assert _listing(root) == before


# --------------------------------------------------------------------------- results directories
@pytest.fixture(scope="module")
def saved_dirs(tmp_path_factory):
    from wotsim.analysis.sobol import sobol_indices

    base = tmp_path_factory.mktemp("fuzz_results")
    toml = base / "fuzz.toml"  # one model for every kind of directory
    toml.write_text(FUZZ_TOML, encoding="utf-8")
    cfg = load_config(toml)
    run = simulate(cfg, samples=64, seed=1, sampler="sobol").save(base / "run")
    sens = sobol_indices(cfg, samples=32, seed=1).save(base / "sens")
    saved = {"run": run, "sens": sens}
    # every other kind of directory `wotsim plot` reads, written by its command
    (base / "scenarios").mkdir()
    (base / "scenarios" / "up.toml").write_text(
        '[scenario]\nid = "up"\nlabel = "Gain up"\ndescription = "gain up"\nevidence = "test"\ncategory = "decision"\n'
        '[scale]\ngain = { factor = 1.1, source = "test" }\n', encoding="utf-8")
    commands = {f"sens_{m}": ["sensitivity", "--method", m, "--samples", n]
                for m, n in (("morris", "8"), ("pawn", "256"), ("oneway", "16"), ("decision", "256"))}
    commands["compare"] = ["compare", "--samples", "64", "--no-statements", "--no-voi"]
    commands["voi"] = ["voi", "--samples", "256", "--scenarios", "all", "--studies"]
    commands["discover"] = ["discover", "--output", "ratio", "--below", "3", "--samples", "256", "--resamples", "2"]
    studies = base / "fuzz_studies.toml"  # the voi directory also weighs a study: its evsi.json is tampered too
    studies.write_text(FUZZ_TOML + FUZZ_STUDY, encoding="utf-8")
    for name, command in commands.items():
        config = studies if name == "voi" else toml
        code, _out, err = _call([command[0], str(config), *command[1:], "--out", str(base / name)])
        assert code == 0, err
        saved[name] = base / name
    return saved


FUZZ_TOML = """\
[study]
name = "fuzz"
horizon = 3
discount_rate = 0.03
[stakeholders]
city = "City"
people = "People"
[parameters.gain]
dist = "pert"
low = 50.0
mode = 100.0
high = 180.0
[parameters.cost]
dist = "uniform"
low = 80.0
high = 120.0
[[items]]
id = "g"
kind = "benefit"
stakeholder = "people"
financial = false
value = "gain"
[[items]]
id = "c"
kind = "cost"
stakeholder = "city"
financial = true
value = "cost"
duration = 1
[outputs.ratio]
benefits = "all"
costs = "all"
"""
FUZZ_STUDY = """\
[studies.gain_study]
informs = "gain"
design = "normal"
sd = 30.0
sizes = [4, 16]
cost_fixed = 1.0
cost_per_unit = 1.0
source = "test"
"""
#: Every kind of directory a wotsim command writes (see saved_dirs).
SAVED_KINDS = ["run", "sens", "sens_morris", "sens_pawn", "sens_oneway", "sens_decision", "compare", "voi",
               "discover"]


JSON_VALUES = [None, -1, 0, 1.5, 10**30, int("9" * 400), "x", "../victim", "$\\bad$", [], {}, [[[[1]]]], True,
               "inf", "nan", {"tool": "wotsim"}, -1.0, -1e308, 1e300, -0.5]

result_mutation = st.one_of(
    st.tuples(st.just("json"), st.integers(0, 10**6), st.sampled_from(JSON_VALUES)),
    st.tuples(st.just("json_delete"), st.integers(0, 10**6), st.just(None)),
    st.tuples(st.just("json_deep"), st.integers(0, 2), st.just(None)),
    st.tuples(st.just("array"), st.integers(0, 10**6), st.sampled_from(
        ["drop", "extra", "nan", "complex", "str", "rows", "cols", "2d", "empty", "object", "int", "negative",
         "huge"])),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(None)),
    st.tuples(st.just("symlink"), st.integers(0, 10**6), st.sampled_from(["figures", "file"])),
)


def _json_paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:5]):
            yield from _json_paths(v, prefix + (i,))


def _set(obj, path, value, delete=False):
    if not path:
        return value
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return obj


def tamper(directory: Path, outside: Path, kind: str, at: int, arg) -> None:
    jsons = sorted(p for p in directory.glob("*.json") if not p.is_symlink())
    npzs = sorted(p for p in directory.glob("*.npz") if not p.is_symlink())
    if kind in ("json", "json_delete") and jsons:
        path = jsons[at % len(jsons)]
        try:
            data = json.loads(path.read_text())
        except (ValueError, RecursionError):  # an earlier step already garbled this file
            return
        paths = [p for p in _json_paths(data) if p or kind == "json"]
        if paths:
            data = _set(data, paths[at % len(paths)], arg, delete=kind == "json_delete")
        path.write_text(json.dumps(data))
    elif kind == "json_deep" and jsons:
        jsons[at % len(jsons)].write_text("[" * 200_000 + "]" * 200_000)
    elif kind == "array" and npzs:
        path = npzs[at % len(npzs)]
        try:
            with np.load(path, allow_pickle=True) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception:  # noqa: BLE001 - an earlier step already garbled this file (a test helper, not wotsim)
            return
        if not arrays:
            return
        name = sorted(arrays)[at % len(arrays)]
        a = arrays[name]
        if arg == "drop":
            del arrays[name]
        elif arg == "extra":
            arrays["payload"] = np.zeros(3)
        elif arg == "nan":
            arrays[name] = np.full(a.shape, np.nan)
        elif arg == "complex":
            arrays[name] = a.astype(complex)
        elif arg == "str":
            arrays[name] = a.astype(str)
        elif arg == "rows":
            arrays[name] = a[: max(a.shape[0] // 2, 0)] if a.ndim else a
        elif arg == "cols":
            arrays[name] = a[..., :1] if a.ndim > 1 else a[:, None]
        elif arg == "2d":
            arrays[name] = a.reshape(a.shape[0], -1) if a.ndim > 2 else a.reshape(-1)
        elif arg == "empty":
            arrays[name] = a[:0]
        elif arg == "object":
            arrays[name] = np.array([{"x": 1}], dtype=object)
        elif arg == "int":
            arrays[name] = a.astype(np.int64)
        elif arg == "negative":  # finite but impossible for a spread, a count or a standard error
            arrays[name] = -np.abs(a.astype(float)) - 1.0 if a.dtype.kind in "fiu" else a
        elif arg == "huge":
            arrays[name] = np.full(a.shape, 1e300) if a.dtype.kind == "f" else a
        np.savez(path, **arrays, allow_pickle=True) if arg == "object" else np.savez(path, **arrays)
    elif kind == "truncate":
        files = sorted(p for p in directory.iterdir() if p.is_file() and not p.is_symlink())
        if not files:
            return
        path = files[at % len(files)]
        data = path.read_bytes()
        path.write_bytes(data[: at % max(len(data), 1)])
    elif kind == "symlink":
        if arg == "figures":
            if not (directory / "figures").is_symlink():
                (directory / "figures").symlink_to(outside, target_is_directory=True)
        else:
            files = sorted(p for p in directory.iterdir() if p.is_file() and not p.is_symlink())
            if files:
                path = files[at % len(files)]
                path.unlink()
                path.symlink_to(outside / "victim.txt")


def check_results(saved: dict[str, Path], which: str, steps, tally: Tally, few_figures: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside = root / "outside"
        outside.mkdir()
        (outside / "victim.txt").write_text("precious")
        directory = root / "results"
        shutil.copytree(saved[which], directory)
        for kind, at, arg in steps:
            tamper(directory, outside, kind, at, arg)
        before = _listing(outside)
        parent_before = sorted(p.name for p in root.iterdir())
        patch = contextlib.nullcontext()
        if few_figures:  # the fast profile draws two figures of a run; the slow one all
            import itertools

            import wotsim.plots.figures as figures  # where `wotsim plot` looks the function up

            real, real_evsi = figures.simulation_figures, figures.evsi_figures
            patch = contextlib.ExitStack()
            patch.enter_context(mock.patch.object(figures, "simulation_figures",
                                                  lambda result, **kw: itertools.islice(real(result, **kw), 2)))
            patch.enter_context(mock.patch.object(figures, "evsi_figures",  # one study figure of a voi directory
                                                  lambda evsi, **kw: itertools.islice(real_evsi(evsi, **kw), 1)))
        with patch:
            code, _out, err = _call(["plot", str(directory)])
        _check_exit(code, err, "results")
        tally.counts[f"{which} plot exit {code}"] += 1
        assert _listing(outside) == before, "wrote outside the results directory"
        assert (outside / "victim.txt").read_text() == "precious"
        assert sorted(p.name for p in root.iterdir()) == parent_before, "wrote beside the results directory"


#: Shrinking a failing case of a whole CLI run can take many minutes: report the case as found.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

def fast(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# The fast profile: 100 mutated configs of the small example (validate, then run), 25 of Schiedam
# (validate only: its distributions make a run cost about 0.5 s), 5 tampered results directories of
# every kind (45).
@fast(100)
@given(steps=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_configs_fail_cleanly(steps):
    check_config("debt_counselling.toml", steps, CONFIG_TALLY)


@fast(25)
@given(steps=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_schiedam_fails_cleanly(steps):
    check_config("schiedam.toml", steps, CONFIG_TALLY, run=False)


@pytest.mark.parametrize("which", SAVED_KINDS)  # every kind, the same number of cases each
@fast(5)
@given(steps=st.lists(result_mutation, min_size=1, max_size=2))
def test_tampered_results_fail_cleanly(saved_dirs, which, steps):
    check_results(saved_dirs, which, steps, RESULTS_TALLY, few_figures=True)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(CONFIG_TEXTS)), steps=st.lists(mutation, min_size=1, max_size=4))
def test_slow_mutated_configs_fail_cleanly(name, steps):
    check_config(name, steps, SLOW_CONFIGS, run=name != "schiedam.toml")  # a Schiedam run costs ~0.5 s


@pytest.mark.slow
@settings(max_examples=500, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(SAVED_KINDS), steps=st.lists(result_mutation, min_size=1, max_size=3))
def test_slow_tampered_results_fail_cleanly(saved_dirs, which, steps):
    check_results(saved_dirs, which, steps, SLOW_RESULTS, few_figures=False)


SLOW_CONFIGS = Tally()
SLOW_RESULTS = Tally()


@pytest.mark.slow
def test_zz_print_slow_tallies():
    """Printed with -s: how many cases each slow profile ran, by exit code."""
    print("\nconfigs:", dict(SLOW_CONFIGS.counts), "\nresults directories:", dict(SLOW_RESULTS.counts))


def test_every_kind_of_results_directory_was_tampered_with():
    """The fast profile reached every kind of directory, each both refused and (when harmless) plotted."""
    if not RESULTS_TALLY.counts:
        pytest.skip("run with test_tampered_results_fail_cleanly")
    for kind in SAVED_KINDS:
        assert RESULTS_TALLY.counts[f"{kind} plot exit 2"] > 0, (kind, RESULTS_TALLY.counts)
