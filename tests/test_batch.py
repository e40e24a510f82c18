"""Batch runs (``wotsim batch``) and ``wotsim run --workers``: the same bytes on every executor, resumable, and
nothing lost in silence.

Truth here is invariance and the comparison itself: a batch's rows are ``wotsim compare``'s rows of the same
case (same seed, sampler and size) number for number; ``summary.csv`` is byte-identical whether the cases run
here, on 2 local processes or on a 2-process Dask LocalCluster, whole or in blocks of rows of any size; a
resumed batch computes exactly the cases that changed; a worker that dies is retried, or its task is named.
The local pool and the Dask cluster are started once for the module (each worker imports numpy and scipy).
"""

from __future__ import annotations

import csv
import os
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from wotsim.analysis.scenarios import compare
from wotsim.batch import run as batch_run
from wotsim.batch.executors import DaskExecutor, ProcessExecutor, SerialExecutor, TasksLost
from wotsim.batch.run import run_batch
from wotsim.batch.spec import load_batch
from wotsim.cli import main
from wotsim.config.loading import load_config
from wotsim.config.overlays import find_scenarios
from wotsim.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
N = 1024
FAULT = "faulty"  # a case whose key holds this word makes a worker die (WOTSIM_TEST_FAULT, set per test)


@pytest.fixture(scope="module")
def fault_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def cluster():
    """A Dask LocalCluster of 2 worker processes (started first: the fork server then has Dask imported too)."""
    pytest.importorskip("distributed")
    with DaskExecutor("local", 2).start() as ex:
        yield ex


@pytest.fixture(scope="module")
def pool(request):
    """2 local worker processes, forked from the fork server the cluster started (if Dask is there)."""
    import importlib.util

    if importlib.util.find_spec("distributed") is not None:
        request.getfixturevalue("cluster")
    with ProcessExecutor(2) as ex:
        yield ex


def batch_file(folder: Path, cases: str, settings: str = f"samples = {N}\nseed = 3\nsampler = \"sobol\"") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "batch.toml"
    path.write_text(f"[batch]\n{settings}\n\n{cases}", encoding="utf-8")
    return path


def municipality(folder: Path, name: str, scale: float = 1.0) -> Path:
    """A copy of the Schiedam config (no scenario folder beside it), its staff (FTE, a fixed value) scaled."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SCHIEDAM.read_text(encoding="utf-8")
    if scale != 1.0:
        assert text.count("\nvalue = 85\n") == 1, "the staff is not where this test expects it"
        text = text.replace("\nvalue = 85\n", f"\nvalue = {85 * scale!r}\n")
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


SMALL = ROOT / "configs" / "examples" / "debt_counselling.toml"  # 8 uncertain parameters: cheap for workers to redo


def two_cases(folder: Path, first: str, second: str) -> Path:
    """A batch of two small cases (copies of the example config: distinct files, the same numbers at the batch's
    seed), one task each."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SMALL.read_text(encoding="utf-8")
    assert text.count("\nseed = 7\n") == 1, "the example's seed is not where this test expects it"
    (folder / f"{first}.toml").write_text(text, encoding="utf-8")
    (folder / f"{second}.toml").write_text(text.replace("\nseed = 7\n", "\nseed = 8\n"), encoding="utf-8")
    return batch_file(folder, '[[cases]]\nconfig = "*.toml"\n')


SCENARIOS = ["outreach", "discount_3"]  # of the small example: outreach adds parameters (their own streams)


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    """The small example with two scenarios, and a copy of it without scenarios at its own seed."""
    folder = tmp_path_factory.mktemp("batch")
    (folder / "municipalities").mkdir()
    other = folder / "municipalities" / "vlaardingen.toml"
    other.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    path = batch_file(folder, f'[[cases]]\nconfig = "{SMALL}"\nscenarios = {SCENARIOS!r}\n\n'
                              f'[[cases]]\nconfig = "{other}"\nseed = 9\n'.replace("'", '"'))
    return load_batch(path)


@pytest.fixture(scope="module")
def serial_summary(spec, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "out"
    run_batch(spec, out, executor=SerialExecutor())
    return (out / "summary.csv").read_bytes()


@pytest.mark.parametrize("sampler,replicates", [("mc", 1), ("lhs", 3), ("sobol", 1), ("sobol", 16)])
def test_a_design_drawn_from_row_lo_is_the_whole_design_from_row_lo(sampler, replicates):
    from wotsim.sampling import DesignStream

    def design():
        return DesignStream(sampler, 5, 1000, seed=np.random.SeedSequence(3, spawn_key=(0,)), replicates=replicates)

    whole = design().next(1000)
    for lo, hi in [(0, 10), (7, 500), (333, 1000), (999, 1000)]:
        part = design()
        part.skip(lo)
        assert np.array_equal(part.next(hi - lo), whole[lo:hi]), (lo, hi)


def _rows_are_the_comparison(rows: list[dict], key: str, config_path: Path, scenarios: list[str],
                             outputs: tuple[str, ...]) -> list[dict]:
    config = load_config(config_path)
    expected = compare(config, find_scenarios(config, scenarios), outputs=outputs, samples=N, seed=3,
                       sampler="sobol").rows()
    got = [r for r in rows if r["case"] == key]
    assert len(got) == len(expected) == (1 + len(scenarios)) * len(outputs)
    for g, e in zip(got, expected):
        for column, value in e.items():
            if isinstance(value, float):
                assert float(g[column]) == value or (np.isnan(value) and g[column] == "nan"), column
            else:
                assert g[column] == ("" if value is None else str(value)), column
    return got


def test_a_batch_row_is_the_comparison_of_its_case_number_for_number(spec, serial_summary, tmp_path):
    rows = list(csv.DictReader(io.StringIO(serial_summary.decode())))
    got = _rows_are_the_comparison(rows, spec.cases[0].key, SMALL, SCENARIOS, spec.cases[0].outputs)
    other = [r for r in rows if r["case"] == spec.cases[1].key]
    assert {r["scenario"] for r in other} == {"base"} and len(other) == len(spec.cases[1].outputs)
    assert other[0]["mean"] != got[0]["mean"]  # its own seed: not the same draws
    # and the Schiedam case with a scenario that adds parameters
    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\nscenarios = ["sharper_selection", '
                                '"tailored_guidance"]\n')
    schiedam = load_batch(path)
    run_batch(schiedam, tmp_path / "out", executor=SerialExecutor(), chunk_size=300)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text(encoding="utf-8"))))
    _rows_are_the_comparison(rows, schiedam.cases[0].key, SCHIEDAM, ["sharper_selection", "tailored_guidance"],
                             schiedam.cases[0].outputs)


@pytest.mark.parametrize("executor,rows", [("serial", 300), ("pool", None), ("pool", 500), ("cluster", None)])
def test_summary_is_byte_identical_on_every_executor_and_block_size(spec, serial_summary, tmp_path, request,
                                                                   executor, rows):
    ex = SerialExecutor() if executor == "serial" else request.getfixturevalue(executor)
    result = run_batch(spec, tmp_path / "out", executor=ex, chunk_size=rows)
    assert (tmp_path / "out" / "summary.csv").read_bytes() == serial_summary
    per_case = 1 if rows is None else -(-N // rows)
    assert result.tasks == per_case * len(spec.cases)


def test_run_on_workers_is_bit_for_bit_the_run_here(pool, cluster):
    config = load_config(SCHIEDAM)
    here = simulate(config, samples=3000, seed=5, chunk_size=256)
    for ex in (pool, cluster):
        there = simulate(config, samples=3000, seed=5, chunk_size=256, executor=ex)
        for name in ("draws", "item_pv", "yearly"):
            assert np.array_equal(getattr(here, name), getattr(there, name)), (ex.name, name)


def test_wotsim_run_workers_2_writes_the_numbers_of_workers_1(pool, monkeypatch, tmp_path, capsys):
    from wotsim.batch import executors

    made = []

    def shared_pool(workers, scheduler=None):
        made.append((workers, scheduler))
        return _Borrowed(pool)

    monkeypatch.setattr(executors, "make_executor", shared_pool)
    args = [str(SCHIEDAM), "--samples", "2048", "--seed", "4"]
    assert main(["run", *args, "--out", str(tmp_path / "one")]) == 0
    assert main(["run", *args, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    assert made == [(1, None), (2, None)]
    one, two = (np.load(tmp_path / d / "arrays.npz") for d in ("one", "two"))
    assert sorted(one.files) == sorted(two.files)
    for name in one.files:
        assert np.array_equal(one[name], two[name]), name
    assert (tmp_path / "one" / "summary.json").read_bytes() == (tmp_path / "two" / "summary.json").read_bytes()


class _Borrowed:
    """The module's pool, lent to one command (which closes its executor when it ends)."""

    def __init__(self, ex):
        self.ex, self.workers, self.name = ex, ex.workers, ex.name

    def __enter__(self):
        return self.ex

    def __exit__(self, *exc):
        return None


def _calls(monkeypatch) -> list[str]:
    """The case keys whose work starts from now on (the serial executor runs tasks in this process)."""
    seen: list[str] = []
    summary, block = batch_run.case_summary, batch_run.case_block

    def counting_summary(p):
        seen.append(p.key)
        return summary(p)

    def counting_block(p, lo, hi, keep=False):
        seen.append(p.key)
        return block(p, lo, hi, keep)

    monkeypatch.setattr(batch_run, "case_summary", counting_summary)
    monkeypatch.setattr(batch_run, "case_block", counting_block)
    return seen


def test_a_rerun_computes_only_what_changed(tmp_path, monkeypatch):
    folder = tmp_path / "b"
    a = municipality(folder / "m", "a")
    municipality(folder / "m", "b", 0.8)
    path = batch_file(folder, '[[cases]]\nconfig = "m/*.toml"\n')
    out = tmp_path / "out"
    seen = _calls(monkeypatch)
    first = run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == ["m/a.toml", "m/b.toml"] and first.reused == ()
    before = (out / "summary.csv").read_bytes()

    seen.clear()
    again = run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == [] and again.computed == () and again.reused == ("m/a.toml", "m/b.toml")
    assert (out / "summary.csv").read_bytes() == before

    municipality(folder / "m", "b", 0.7)  # the same file, another staff
    seen.clear()
    changed = run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == ["m/b.toml"] and changed.reused == ("m/a.toml",)
    after = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    lines = before.decode().splitlines()
    assert after[0] == lines[0]
    assert [x for x in after if x.startswith("m/a.toml")] == [x for x in lines if x.startswith("m/a.toml")]
    assert [x for x in after if x.startswith("m/b.toml")] != [x for x in lines if x.startswith("m/b.toml")]

    # a setting every case depends on: every case again; a damaged record: that case again, with a warning
    path.write_text(path.read_text(encoding="utf-8").replace("seed = 3", "seed = 4"), encoding="utf-8")
    seen.clear()
    run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == ["m/a.toml", "m/b.toml"]
    summary_at_seed_4 = (out / "summary.csv").read_bytes()
    record = next((out / "cases").glob("m_a.toml-*.json"))
    good = record.read_text(encoding="utf-8")
    record.write_text("{ not json", encoding="utf-8")
    seen.clear()
    with pytest.warns(Warning, match="damaged case record"):
        run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == ["m/a.toml"]
    mean = re.search(r'"(1\.0[0-9]{5,})"', good)[1]  # a ratio's cell, edited by hand: never reused
    record.write_text(good.replace(mean, "1.5", 1), encoding="utf-8")
    seen.clear()
    with pytest.warns(Warning, match="do not match their checksum"):
        run_batch(load_batch(path), out, executor=SerialExecutor())
    assert seen == ["m/a.toml"] and (out / "summary.csv").read_bytes() == summary_at_seed_4
    assert a.exists()


def test_an_interrupted_batch_names_the_task_in_flight_and_keeps_what_ended(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "b"
    municipality(folder / "m", "a")
    municipality(folder / "m", "b", 0.8)
    path = batch_file(folder, '[[cases]]\nconfig = "m/*.toml"\n')
    summary = batch_run.case_summary

    def interrupted_at_b(p):
        if p.key == "m/b.toml":
            raise KeyboardInterrupt
        return summary(p)

    monkeypatch.setattr(batch_run, "case_summary", interrupted_at_b)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "m/b.toml" in err and "in flight" in err and "1 of 2 case(s) are saved" in err
    assert not (out / "summary.csv").exists()
    assert len(list((out / "cases").glob("*.json"))) == 1

    monkeypatch.setattr(batch_run, "case_summary", summary)
    seen = _calls(monkeypatch)
    assert main(["batch", str(path), "--out", str(out)]) == 0
    assert seen == ["m/b.toml"]
    assert "1 computed, 1 reused" in capsys.readouterr().out


@pytest.mark.parametrize("executor", ["pool", "cluster"])
def test_a_worker_that_dies_is_replaced_and_its_task_run_again(spec, tmp_path, request, executor, fault_dir,
                                                               monkeypatch):
    ex = request.getfixturevalue(executor)
    monkeypatch.setenv("WOTSIM_TEST_FAULT", f"exit:{fault_dir}:{FAULT}")  # travels with the tasks
    path = two_cases(tmp_path / "b", f"{FAULT}_{executor}", "healthy")
    reference = tmp_path / "ref"
    run_batch(load_batch(path), reference, executor=SerialExecutor())  # in this process: no fault is injected
    run_batch(load_batch(path), tmp_path / "out", executor=ex)
    assert any(p.name.startswith(f"fault-{FAULT}_{executor}") for p in fault_dir.iterdir())  # a worker did die
    assert (tmp_path / "out" / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()


def test_a_task_lost_for_good_is_named_and_the_rest_is_saved(pool, tmp_path, fault_dir, monkeypatch):
    monkeypatch.setenv("WOTSIM_TEST_FAULT", f"exit-always:{fault_dir}:doomed")
    path = two_cases(tmp_path / "b", "doomed", "fine")
    out = tmp_path / "out"
    with pytest.raises(TasksLost) as lost:
        run_batch(load_batch(path), out, executor=pool)
    assert lost.value.lost == ("doomed.toml",) and "doomed.toml" in str(lost.value)
    assert "1 of 2 case(s) are saved" in str(lost.value) and "\n" not in str(lost.value)
    assert not (out / "summary.csv").exists()
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"complete": false' in manifest and '"doomed.toml"' in manifest


@pytest.mark.parametrize("argv,message", [
    (["--workers", "0"], "--workers"),
    (["--scheduler", "not an address"], "--scheduler"),
    (["--keep", "everything"], "--keep"),
])
def test_a_bad_flag_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\n')
    with pytest.raises(SystemExit) as stop:
        main(["batch", str(path), "--out", str(tmp_path / "out"), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("cases,key", [
    ('[[cases]]\nconfig = "nowhere/*.toml"\n', "cases[0].config"),
    (f'[[cases]]\nconfig = "{SCHIEDAM}"\nscenarios = ["sharper_selektion"]\n', "cases[0].scenarios"),
    (f'[[cases]]\nconfig = "{SCHIEDAM}"\nscenarioz = "all"\n', "cases[0].scenarioz"),
])
def test_a_batch_file_error_is_one_line_before_any_work(tmp_path, capsys, monkeypatch, cases, key):
    seen = _calls(monkeypatch)
    path = batch_file(tmp_path, cases)
    assert main(["batch", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and key in err and str(path) in err and "Traceback" not in err
    assert seen == [] and not (tmp_path / "out").exists()


def test_out_must_be_a_batch_directory(tmp_path, capsys):
    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\n')
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["batch", str(path), "--out", str(foreign)]) == 2
    assert "not a wotsim batch directory" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_the_cli_runs_a_batch_on_a_running_scheduler_by_its_address(spec, serial_summary, cluster, tmp_path, capsys):
    """Blocks of 700 rows on Dask, from the command line: the summary of the cases run whole, here."""
    out = tmp_path / "out"
    address = cluster._cluster.scheduler_address
    assert main(["batch", spec.path, "--out", str(out), "--scheduler", address, "--chunk-size", "700"]) == 0
    assert (out / "summary.csv").read_bytes() == serial_summary
    said = capsys.readouterr().out
    assert "2 case(s): 2 computed, 0 reused" in said and f"on Dask ({address})" in said
    assert main(["batch", spec.path, "--out", str(out), "--scheduler", address, "--workers", "2"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_keep_draws_keeps_each_case_as_a_comparison_wotsim_reads_back(tmp_path):
    from wotsim.analysis.io import load_any

    folder = tmp_path / "b"
    municipality(folder, "small")
    path = batch_file(folder, '[[cases]]\nconfig = "small.toml"\n', "samples = 256\nseed = 2")
    run_batch(load_batch(path), tmp_path / "out", executor=SerialExecutor(), keep=True, chunk_size=100)
    kept = [p for p in (tmp_path / "out" / "cases").iterdir() if p.is_dir()]
    assert len(kept) == 1
    loaded = load_any(kept[0])
    config = load_config(folder / "small.toml")
    here = simulate(config, samples=256, seed=2)
    assert np.array_equal(loaded.base.draws, here.draws) and np.array_equal(loaded.base.item_pv, here.item_pv)
    # a rerun with --keep reuses the case only while its directory is there
    shutil.rmtree(kept[0])
    again = run_batch(load_batch(path), tmp_path / "out", executor=SerialExecutor(), keep=True)
    assert again.computed == ("small.toml",) and kept[0].is_dir()


def test_a_case_too_large_for_memory_is_refused_before_any_work(tmp_path, capsys):
    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\nscenarios = "all"\n', "samples = 90_000_000")
    assert main(["batch", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would need about" in err and str(path) in err
    assert not (tmp_path / "out").exists()


def test_wotsim_batch_workers_2_from_the_command_line(spec, serial_summary, pool, tmp_path, capsys):
    """The real flag, its own pool (forked from the fork server the module's pool started: no second import)."""
    out = tmp_path / "out"
    assert main(["batch", spec.path, "--out", str(out), "--workers", "2", "--chunk-size", "600"]) == 0
    assert (out / "summary.csv").read_bytes() == serial_summary
    assert "on 2 local processes" in capsys.readouterr().out


HOSTILE = [None, True, -1, 0, 2**70, 1.5, float("nan"), "", "x\ny", [], [1, "a"], {"a": 1}, "../../etc/passwd"]


@pytest.mark.parametrize("where,key", [("batch", "samples"), ("batch", "seed"), ("batch", "sampler"),
                                       ("batch", "outputs"), ("batch", "chunk_size"), ("case", "config"),
                                       ("case", "scenarios"), ("case", "seed")])
def test_every_hostile_value_is_one_line_or_a_valid_batch(tmp_path, where, key):
    """Every key given values of every wrong type: a one-line ConfigError naming the key, or a batch that loads."""
    import tomli_w

    from wotsim.errors import WotsimError

    refused = 0
    for i, value in enumerate(HOSTILE):
        doc = {"batch": {"samples": 64}, "cases": [{"config": str(SCHIEDAM)}]}
        table = doc["batch"] if where == "batch" else doc["cases"][0]
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
        try:
            text = tomli_w.dumps(doc)
        except (TypeError, ValueError):  # TOML cannot hold it (NaN is written; None is not a value)
            continue
        path = tmp_path / f"b{i}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_batch(path)
        except WotsimError as exc:
            refused += 1
            message = str(exc)
            assert "\n" not in message and str(path) in message, message
            assert key in message or "cases[0]" in message, message
    assert refused >= 6


@pytest.mark.slow
def test_a_batch_killed_mid_run_loses_only_the_case_in_flight(tmp_path):
    """kill -9 after the first case is saved: the rerun reuses every saved case and ends with the summary of a
    batch never interrupted."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "b"
    for k in range(4):
        municipality(folder / "m", f"m{k}", 1.0 + k / 10)
    path = batch_file(folder, '[[cases]]\nconfig = "m/*.toml"\nscenarios = "none"\n',
                      "samples = 65536\nsampler = \"sobol\"")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "wotsim", "batch", str(path), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((out / "cases").glob("*.json")) if (out / "cases").is_dir() else True:
        assert time.monotonic() < deadline and proc.poll() is None, "the batch ended before a case was saved"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = len(list((out / "cases").glob("*.json")))
    assert 1 <= saved < 4 and not (out / "summary.csv").exists()
    again = run_batch(load_batch(path), out, executor=SerialExecutor())
    assert len(again.reused) == saved and len(again.computed) == 4 - saved
    fresh = tmp_path / "fresh"
    run_batch(load_batch(path), fresh, executor=SerialExecutor())
    assert (out / "summary.csv").read_bytes() == (fresh / "summary.csv").read_bytes()
    assert not [p for p in (out / "cases").iterdir() if p.name.startswith(".")], "no temporary file left behind"


def test_a_task_that_dies_once_is_never_lost_with_others_that_died_once(pool, tmp_path, fault_dir, monkeypatch):
    """Every block of one case kills its worker the first time it runs: each is run again and none is lost (only a
    task that was running when a pool broke counts a failure, not the ones queued behind it)."""
    monkeypatch.setenv("WOTSIM_TEST_FAULT", f"exit:{fault_dir}:oncekill")
    path = two_cases(tmp_path / "b", "oncekill", "calm")
    reference = tmp_path / "ref"
    run_batch(load_batch(path), reference, executor=SerialExecutor())
    run_batch(load_batch(path), tmp_path / "out", executor=pool, chunk_size=200)
    died = [p for p in fault_dir.iterdir() if p.name.startswith("fault-oncekill")]
    assert len(died) == -(-N // 200)  # every block died once
    assert (tmp_path / "out" / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()


def test_ctrl_c_here_stops_the_workers_and_names_the_tasks_not_ended(pool, tmp_path):
    path = two_cases(tmp_path / "b", "a", "b")
    calls = []

    def interrupt(done, total):
        calls.append(done)
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(TasksLost) as lost:
        run_batch(load_batch(path), tmp_path / "out", executor=pool, chunk_size=300, progress=interrupt)
    assert lost.value.interrupted and lost.value.in_flight and "\n" not in str(lost.value)
    assert all(" rows " in key for key in lost.value.in_flight) and "not ended" in str(lost.value)
    assert '"complete": false' in (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert pool._pool is None  # its workers were stopped, not waited for
    assert run_batch(load_batch(path), tmp_path / "out", executor=pool).computed  # and the pool serves again


def test_an_interrupted_run_exits_130_and_lost_tasks_exit_1(monkeypatch, capsys):
    import importlib

    simulate_module = importlib.import_module("wotsim.simulate")

    for interrupted, code in ((True, 130), (False, 1)):
        def stopped(*args, **kwargs):
            raise TasksLost("interrupted; 2 task(s) in flight were lost: rows 0-10, rows 10-20",
                            in_flight=["rows 0-10"], interrupted=interrupted)

        monkeypatch.setattr(simulate_module, "simulate", stopped)
        assert main(["run", str(SCHIEDAM), "--samples", "64", "--workers", "2"]) == code
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "rows 0-10" in err


def test_kept_directories_and_the_summary_always_belong_to_the_batch_described(tmp_path):
    import warnings as _warnings

    from wotsim.analysis.io import load_any

    folder = tmp_path / "b"
    municipality(folder, "small")
    path = batch_file(folder, '[[cases]]\nconfig = "small.toml"\n', "samples = 128\nseed = 2")
    out = tmp_path / "out"
    run_batch(load_batch(path), out, executor=SerialExecutor(), keep=True)
    kept = next(p for p in (out / "cases").iterdir() if p.is_dir())
    path.write_text(path.read_text(encoding="utf-8").replace("samples = 128", "samples = 256"), encoding="utf-8")
    with _warnings.catch_warnings():
        _warnings.simplefilter("error")  # a changed case is computed again without a word of "damage"
        again = run_batch(load_batch(path), out, executor=SerialExecutor())  # without --keep
    assert again.computed == ("small.toml",) and not kept.exists()  # the 128-draw directory is gone
    run_batch(load_batch(path), out, executor=SerialExecutor(), keep=True)
    assert load_any(kept).n == 256
    # a run that has work to do removes the summary of the batch before it
    path.write_text(path.read_text(encoding="utf-8").replace("samples = 256", "samples = 512"), encoding="utf-8")

    def interrupt(done, total):
        if done == 0:
            raise KeyboardInterrupt

    with pytest.raises(TasksLost):
        run_batch(load_batch(path), out, executor=SerialExecutor(), progress=interrupt)
    assert not (out / "summary.csv").exists()


def test_an_out_below_a_file_is_one_line(tmp_path, capsys):
    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\n', "samples = 64")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert main(["batch", str(path), "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot create the batch directory" in err


def test_nothing_to_compute_starts_no_cluster(spec, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    run_batch(spec, out, executor=SerialExecutor())
    lazy = DaskExecutor("local", 2)
    with lazy:
        result = run_batch(spec, out, executor=lazy)
        assert result.tasks == 0 and lazy._client is None and lazy._cluster is None


@pytest.mark.slow
@pytest.mark.parametrize("wait", [0.0, 3.0], ids=["while-workers-start", "while-tasks-run"])
@pytest.mark.parametrize("flags", [["--workers", "2"], ["--scheduler", "local", "--workers", "2"], []])
def test_ctrl_c_in_a_terminal_is_one_line_and_exit_130(tmp_path, flags, wait):
    """SIGINT to the whole process group, as a terminal sends it: the workers ignore it, the command names the
    tasks in flight in one line and exits 130; the cases that ended are saved."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "b"
    for k in range(6):
        municipality(folder / "m", f"m{k}", 1.0 + k / 10)
    path = batch_file(folder, '[[cases]]\nconfig = "m/*.toml"\nscenarios = "none"\n', "samples = 262144")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "wotsim", "batch", str(path), "--out", str(out), *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out / "manifest.json").exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(wait)  # 0: the workers or the cluster are starting; 3 s: tasks are running
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err and ("in flight" in err or "not ended" in err), err
    assert not (out / "summary.csv").exists()


def test_a_second_batch_into_a_directory_being_written_is_refused(tmp_path, capsys):
    from wotsim.batch.store import locked

    path = batch_file(tmp_path, f'[[cases]]\nconfig = "{SCHIEDAM}"\n', "samples = 64")
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out)]) == 0
    capsys.readouterr()
    with locked(out):  # as a batch running now holds it
        assert main(["batch", str(path), "--out", str(out), "--chunk-size", "32"]) == 2
    assert "another wotsim batch is writing into it" in capsys.readouterr().err


def test_plot_of_a_batch_directory_points_at_its_kept_cases(spec, tmp_path, capsys):
    out = tmp_path / "out"
    run_batch(spec, out, executor=SerialExecutor())
    assert main(["plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a batch directory" in err and "none kept here" in err
    run_batch(spec, out, executor=SerialExecutor(), keep=True)
    assert main(["plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out / "cases") in err and "and 1 more" in err
