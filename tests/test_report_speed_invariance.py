"""The report's speed-ups give the numbers of the code they replace (issue 12, point 6).

* Value of information: :func:`wotsim.analysis.evppi.evppi_many` regresses several net benefits on one
  basis (its Gram matrices and factors shared), and :func:`wotsim.analysis.voi.voi_many` runs every
  decision of a report at once, in forked workers where there are CPUs: each estimate must equal the
  one computed alone, exactly, and the estimates of commit 56bceab (the code before the speed-up,
  ``GOLDEN``) to rounding.
* The Monte Carlo of scenarios reuses the base draws of a parameter it shares with the base
  (:func:`wotsim.analysis.scenarios.compare`): the same arrays as drawing them again; the inverse-CDF
  tables are built ahead, in forked workers (:func:`wotsim.config.distributions.prepare_tables`): the
  tables first use builds.
* Figures: rendered in forked workers (:func:`wotsim.plots.files.render_figures`), the same bytes as one
  by one; ``wotsim report`` writes PNG files unless ``--figures`` asks for SVG too.

Speed itself is measured by ``benchmarks/bench_report.py``, never here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import wotsim.analysis.scenarios as scenarios_module
import wotsim.analysis.voi as voi_module
from wotsim import load_config
from wotsim.analysis.evppi import evppi, evppi_many
from wotsim.analysis.scenarios import compare
from wotsim.analysis.voi import adoption_voi, keep_voi, one_blas_thread, voi_many
from wotsim.cli import build_parser
from wotsim.config.overlays import find_scenarios
from wotsim.errors import WotsimError
from wotsim.plots import new_axes
from wotsim.plots.files import PARALLEL_MIN_FIGURES, render_figures, save_figure

SCHIEDAM = Path(__file__).resolve().parents[1] / "configs" / "schiedam.toml"

#: (replicates, net benefit, input, value, se, floor, raw, r2, bias, basis, basis_note) of ``evppi`` at commit
#: 56bceab, one estimate at a time, for the inputs and net benefits of :func:`synthetic`.
GOLDEN = [
    (1, 0, 'x1', 0.0029837526404606378, 0.003807981384238616, 3.977002108721114e-07, 0.0029837526404606378, 0.06609543514677907, 0.0011382632991925024, 12, ''),
    (1, 0, 'x3', 0.0, 0.0, 0.0, 0.0, -0.002437739526489624, 0.0, 5, ''),
    (1, 0, 'group', 0.31248510635914695, 0.014055564241158698, 0.0001603312565985578, 0.31248510635914695, 0.80983434535769, 0.0006519069507812977, 22, ''),
    (1, 1, 'x1', 0.0108836537972129, 0.007047865895208962, 0.000436142012397297, 0.0108836537972129, 0.015790175277621832, 0.005247563077482443, 12, ''),
    (1, 1, 'x3', 0.0, 0.0, 2.6366494266476836e-06, 0.0, -0.0023973160982591057, 0.00023294597956742438, 5, ''),
    (1, 1, 'group', 0.10488450124909873, 0.008608913343744492, 0.0021840592637852223, 0.10488450124909873, 0.16021882382066877, 0.00322856240207184, 22, ''),
    (1, 2, 'x1', 0.0, 0.0, 4.0090547523441595e-07, 0.0, -0.004148018689898336, 2.5264976391445287e-07, 12, ''),
    (1, 2, 'x3', 0.0, 0.0, 0.0, 0.0, 0.0831189343675115, 3.3476474353562454e-05, 5, ''),
    (1, 2, 'group', 0.000430561447749814, 0.0005335927894108553, 7.203231671096405e-05, 0.000430561447749814, 0.0788702929623506, 0.000619885983145152, 22, ''),
    (16, 0, 'x1', 0.0029837526404606378, 0.003807981384238616, 3.977002108721114e-07, 0.0029837526404606378, 0.06609543514677907, 0.0011382632991925024, 12, ''),
    (16, 0, 'x3', 0.0, 0.0, 0.0, 0.0, -0.002437739526489624, 0.0, 5, ''),
    (16, 0, 'group', 0.31248510635914695, 0.014055564241158698, 0.0001603312565985578, 0.31248510635914695, 0.80983434535769, 0.0006519069507812977, 22, ''),
    (16, 1, 'x1', 0.0108836537972129, 0.007047865895208962, 0.000436142012397297, 0.0108836537972129, 0.015790175277621832, 0.005247563077482443, 12, ''),
    (16, 1, 'x3', 0.0, 0.0, 2.6366494266476836e-06, 0.0, -0.0023973160982591057, 0.00023294597956742438, 5, ''),
    (16, 1, 'group', 0.10488450124909873, 0.008608913343744492, 0.0021840592637852223, 0.10488450124909873, 0.16021882382066877, 0.00322856240207184, 22, ''),
    (16, 2, 'x1', 0.0, 0.0, 4.0090547523441595e-07, 0.0, -0.004148018689898336, 2.5264976391445287e-07, 12, ''),
    (16, 2, 'x3', 0.0, 0.0, 0.0, 0.0, 0.0831189343675115, 3.3476474353562454e-05, 5, ''),
    (16, 2, 'group', 0.000430561447749814, 0.0005335927894108553, 7.203231671096405e-05, 0.000430561447749814, 0.0788702929623506, 0.000619885983145152, 22, '')
]


def synthetic():
    """Three inputs (uniform, normal, five levels) and three net benefits: linear, with an interaction, ~0."""
    rng = np.random.default_rng(20261126)
    n = 4096
    x1, x2, x3 = rng.random(n), rng.normal(size=n), rng.integers(0, 5, n).astype(float)
    noise = rng.normal(size=n)
    inbs = [0.3 + 2.0 * x1 + 0.8 * x2 * x3 + noise, -0.1 + 0.5 * x1 - 0.4 * x2 + noise, 0.05 * x3 + 0.2 * noise]
    return {"x1": x1, "x3": x3, "group": np.column_stack([x1, x2, x3])}, inbs


def test_evppi_of_several_net_benefits_equals_each_alone_and_the_code_before():
    inputs, inbs = synthetic()
    golden = {(r, k, name): row for r, k, name, *row in GOLDEN}
    for R in (1, 16):
        for name, x in inputs.items():
            together = evppi_many(x, inbs, replicates=R, name=name)
            for k, (e, inb) in enumerate(zip(together, inbs)):
                assert e == evppi(x, inb, replicates=R, name=name)  # exactly: every field
                *numbers, basis, note = golden[R, k, name]
                assert (e.basis, e.basis_note) == (basis, note)
                for got, want in zip((e.value, e.se, e.floor, e.raw, e.r2, e.bias), numbers):
                    assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15), (R, k, name, got, want)


@pytest.fixture(scope="module")
def comparison():
    config = load_config(SCHIEDAM)
    found = [sc for sc in find_scenarios(config) if sc.id in ("sharper_selection", "self_reliance", "tailored_guidance")]
    return compare(config, found, samples=1024)


def test_voi_of_every_decision_at_once_equals_one_by_one_in_workers_or_not(comparison, monkeypatch):
    """tailored_guidance adds parameters (its groups differ from the base's); sharper_selection shares every
    input; self_reliance has no draw that favours the base here (EVPI 0: no regression)."""
    output = "npv"
    alone = {"base": keep_voi(comparison.base, output=output),
             "sharper_selection": adoption_voi(comparison, "sharper_selection", output=output, groups=False),
             "tailored_guidance": adoption_voi(comparison, "tailored_guidance", output=output),
             "self_reliance": adoption_voi(comparison, "self_reliance", output=output)}
    asked = [("base", True), ("sharper_selection", False), ("tailored_guidance", True), ("self_reliance", True)]
    assert comparison.n < voi_module.PARALLEL_MIN_DRAWS  # so each decision alone ran here, one regression at a time
    monkeypatch.setattr(voi_module, "PARALLEL_MIN_DRAWS", 0)  # all at once, in forked workers (given 2 CPUs)
    together = voi_many(comparison, asked, output=output)
    assert list(together) == [rid for rid, _ in asked]
    for rid in alone:
        assert together[rid] == alone[rid], rid
    assert alone["base"].groups and not alone["sharper_selection"].groups
    assert {e.name for e in alone["tailored_guidance"].parameters} > {e.name for e in alone["base"].parameters}
    assert alone["self_reliance"].evpi == 0 and not alone["self_reliance"].parameters


def test_blas_runs_on_one_thread_during_the_value_of_information():
    from threadpoolctl import threadpool_info, threadpool_limits

    def threads():
        return {d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):  # the tests run BLAS on one thread (conftest): allow 2
        before = threads()
        if before != {2}:
            pytest.skip("BLAS cannot run on 2 threads here")
        with one_blas_thread():
            inside = threads()
        assert threads() == before == {2} and inside == {1}


def test_scenarios_reuse_the_base_draws_they_share_with_the_same_numbers(comparison, monkeypatch):
    shared = scenarios_module.shared_draws(comparison.base.config, comparison.base.draws,
                                           comparison.run("sharper_selection").config)
    assert len(shared) >= 30  # most parameters are the base's
    monkeypatch.setattr(scenarios_module, "shared_draws", lambda *args: {})  # draw every parameter again
    config = comparison.base.config
    again = compare(config, [r.scenario for r in comparison.scenarios], samples=1024)
    for old, new in zip(again.runs, comparison.runs):
        assert np.array_equal(old.item_pv, new.item_pv) and np.array_equal(old.new_draws, new.new_draws)
        assert np.array_equal(old.base.yearly, new.base.yearly)


def test_tables_built_ahead_in_workers_are_those_first_use_builds():
    from wotsim.config import fastppf
    from wotsim.config.distributions import PARALLEL_MIN_TABLES, TABLE_MIN_VALUES, make_distribution, prepare_tables

    # new specifications (make_distribution keeps the distributions it built, with their tables)
    dists = [make_distribution({"dist": "pert", "low": 0.0, "mode": 0.2 + 0.05 * i, "high": 1.0 + 0.1 * i + 0.0123456})
             for i in range(PARALLEL_MIN_TABLES)]
    assert all(d.needs_table(TABLE_MIN_VALUES) for d in dists) and not dists[0].needs_table(TABLE_MIN_VALUES - 1)
    prepare_tables(dists + dists[:2], TABLE_MIN_VALUES, processes=2)  # each once, in forked workers
    assert not any(d.needs_table(TABLE_MIN_VALUES) for d in dists)
    u = np.linspace(0.001, 0.999, 257)
    for d in dists:
        first_use = fastppf.build(d.rv)
        assert first_use is not None and np.array_equal(d.ppf(u, n=TABLE_MIN_VALUES), first_use(u))


def _figures(k: int):
    figures = []
    for i in range(k):
        fig, ax = new_axes(figsize=(2.0, 1.5))
        ax.plot(np.arange(5), np.arange(5) ** (1 + i / 3), label=f"line {i}")
        ax.set_title(f"figure {i}")
        ax.legend()
        figures.append(fig)
    return figures


def test_figures_rendered_in_workers_are_the_bytes_of_one_by_one(tmp_path):
    figures = _figures(PARALLEL_MIN_FIGURES)
    workers = render_figures(figures, ("png", "svg"), dpi=20, processes=2)  # drawn in forked workers
    here = render_figures(figures, ("png", "svg"), dpi=20, processes=1)
    assert workers == here and all(set(r) == {"png", "svg"} for r in here)
    fresh = _figures(PARALLEL_MIN_FIGURES)[0]  # save_figure draws a new figure itself: the same files
    written = save_figure(fresh, tmp_path / "f0", formats=("png", "svg"), dpi=20)
    assert [p.read_bytes() for p in written] == [here[0]["png"], here[0]["svg"]]


def test_report_writes_png_unless_svg_is_asked_for(tmp_path):
    parser = build_parser()
    base = ["report", str(SCHIEDAM), "--out", str(tmp_path / "r")]
    assert parser.parse_args(base).figures == ("png",)
    assert parser.parse_args(base + ["--figures", "png,svg"]).figures == ("png", "svg")
    assert parser.parse_args(base + ["--figures", "SVG"]).figures == ("svg",)
    for bad in ("pdf", "png,png", ""):
        with pytest.raises(SystemExit):
            parser.parse_args(base + ["--figures", bad])


def _fail():
    raise WotsimError("models/x.toml: a bad value")


def test_in_background_returns_raises_and_reports_a_dead_child(monkeypatch):
    """The report's background job (one-way analyses beside the Monte Carlo): its result, its exception, a
    one-line error when the child dies without a result, and the same result run here where forking is off."""
    import os

    import wotsim._fork as fork

    import threading

    # a thread an earlier test left (a notebook kernel's client) would turn forking off
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if fork.fork_workers(2) < 2:
        pytest.skip("no forked workers here (not Linux)")
    parent = os.getpid()
    assert fork.in_background(lambda: (os.getpid() != parent, np.arange(3)))()[0] is True
    with pytest.raises(WotsimError, match="models/x.toml: a bad value"):
        fork.in_background(_fail)()
    with pytest.raises(WotsimError, match=r"ended without its result \(exit code 3\)"):
        fork.in_background(lambda: os._exit(3))()
    monkeypatch.setattr(fork, "fork_workers", lambda jobs, processes=None: 1)
    assert fork.in_background(lambda: os.getpid())() == parent


def test_background_jobs_end_their_children_when_the_block_fails(monkeypatch):
    """A report that fails (an error, Ctrl-C) before waiting for a background job ends the job's child at once."""
    import multiprocessing
    import threading
    import time

    import wotsim._fork as fork

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if fork.fork_workers(2) < 2:
        pytest.skip("no forked workers here (not Linux)")
    started = time.perf_counter()
    with pytest.raises(WotsimError, match="the Monte Carlo failed"):
        with fork.background_jobs() as start:
            start(lambda: time.sleep(60))
            assert multiprocessing.active_children()
            raise WotsimError("the Monte Carlo failed")
    assert multiprocessing.active_children() == [] and time.perf_counter() - started < 30
    with fork.background_jobs() as start:  # waited for: its result, and nothing left behind
        assert start(lambda: 6 * 7)() == 42
    assert multiprocessing.active_children() == []


def _explode():
    raise ValueError("this object cannot be rebuilt")


class _Unloadable:
    def __reduce__(self):
        return _explode, ()


class _TwoArguments(Exception):
    """Pickles, but cannot be rebuilt: its __init__ wants two arguments, and an attribute of it cannot be
    unpickled (Dask, once imported, makes every exception rebuildable from its args alone: tblib)."""

    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")
        self.part = _Unloadable()


def _raise_two():
    raise _TwoArguments(1, 2)


def test_a_background_outcome_the_parent_cannot_rebuild_is_one_error_not_a_hang(monkeypatch):
    """An exception that pickles but cannot be rebuilt (its __init__ wants two arguments) comes back as one
    plain error with its text; asking twice gives the same; a discovery's NothingToDiscover comes back whole."""
    import threading

    import wotsim._fork as fork
    from wotsim.analysis.discover import NothingToDiscover

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if fork.fork_workers(2) < 2:
        pytest.skip("no forked workers here (not Linux)")
    job = fork.in_background(_raise_two)
    for _ in range(2):
        with pytest.raises(RuntimeError, match=r"could not be sent.*1 and 2"):
            job()
    nothing = NothingToDiscover(0, 4096, "the condition holds in none of the 4,096 draws")

    def discover_nothing():
        raise nothing

    with pytest.raises(NothingToDiscover, match="none of the 4,096 draws") as caught:
        fork.in_background(discover_nothing)()
    assert (caught.value.cases, caught.value.draws) == (0, 4096)
