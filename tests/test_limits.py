"""Ceilings on sizes and counts (wotsim.limits): counts as people write them, refusals before any work.

Every library door that samples (simulate, compare, sobol_plan, morris_screening, pawn_indices,
run_analyses) refuses an oversized request with a WotsimError naming the limit, before the first
sample: the sampling functions are replaced by ones that fail the test if they are reached.
"""

from __future__ import annotations

import dataclasses
import importlib
import os

import pytest

from conftest import MINIMAL_CONFIG, write_config
from wotsim import limits, load_config
from wotsim.errors import WotsimError
from wotsim.counts import CountError, parse_count

#: The module (``wotsim.simulate`` as an attribute is the function the package re-exports).
SIMULATE = importlib.import_module("wotsim.simulate")
SCHIEDAM = os.path.join(os.path.dirname(__file__), "..", "configs", "schiedam.toml")


def _never(*args, **kwargs):
    raise AssertionError("sampling started before the sizes were checked")


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path, MINIMAL_CONFIG))


@pytest.fixture
def schiedam():
    return load_config(SCHIEDAM)


# --------------------------------------------------------------------------- parse_count
@pytest.mark.parametrize("text, value", [
    ("100000", 100_000), ("1e5", 100_000), ("1E5", 100_000), ("1e+5", 100_000), ("2^17", 131_072),
    ("2**17", 131_072), ("2 ** 17", 131_072), ("10^20", 10**20), ("1_000_000", 1_000_000), ("100,000", 100_000),
    ("1,000,000", 1_000_000), ("1.5e3", 1_500), ("1000e-3", 1), (" 42 ", 42), ("+7", 7), ("10^30", 10**30),
    ("100000000000000000000", 10**20),
])
def test_counts_as_people_write_them(text, value):
    assert parse_count(text) == value
    assert type(parse_count(text)) is int


@pytest.mark.parametrize("text, fragment", [
    ("1e-3", "which is not whole"),
    ("2.5", "which is not whole"),
    ("nan", "such as 100000, 1e5, 2^17"),
    ("inf", "such as 100000, 1e5, 2^17"),
    ("-5", "whole number >= 1, got '-5'"),
    ("0", "whole number >= 1, got '0'"),
    ("1,5", "such as"),             # a comma only between groups of three digits
    ("1__0", "such as"),
    ("100.000", "hundred thousand"),  # Dutch thousands separator: ambiguous, refused
    ("5.", "without a decimal point"),
    ("\u0663", "such as"),          # an Arabic-Indic digit three: ASCII digits only
    ("0x10", "such as"),
    ("", "such as"),
    ("1" * 65, "such as"),          # longer than any count
    ("1e31", "above 10^30"),
    ("2^100000000", "above 10^30"),  # refused before the power is computed
    ("9" * 31, "above 10^30"),
])
def test_bad_counts_are_refused_in_one_line(text, fragment):
    with pytest.raises(CountError) as exc:
        parse_count(text)
    message = str(exc.value)
    assert fragment in message and "\n" not in message
    assert isinstance(exc.value, WotsimError)


def test_minimum_is_honoured():
    assert parse_count("0", minimum=0) == 0
    with pytest.raises(CountError, match="whole number >= 2, got '1'"):
        parse_count("1", minimum=2)


def test_huge_exponents_are_not_computed():
    """Exponents with a dozen digits are refused (or, for zero, short-cut) without computing 10**exponent."""
    with pytest.raises(CountError, match="above 10"):
        parse_count("7e999999999999")
    with pytest.raises(CountError, match="not whole"):
        parse_count("7e-999999999999")
    with pytest.raises(CountError, match=">= 1"):
        parse_count("0e999999999999")


# --------------------------------------------------------------------------- memory and messages
def test_memory_budget_reads_the_machine():
    budget, where = limits.memory_budget()
    assert budget > 0 and "GiB" in where


def test_memory_budget_falls_back_to_64_gib(monkeypatch):
    def unreadable(name):
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", unreadable)
    monkeypatch.setattr(limits, "_CGROUP_FILES", ("/nonexistent/memory.max",))
    assert limits.memory_budget() == (64 * 2**30, "64 GiB (the memory of this machine could not be read)")


def test_simulation_message_names_the_limit_and_the_memory(schiedam):
    with pytest.raises(WotsimError) as exc:
        limits.check_simulation(schiedam, samples=10**20, what="--samples")
    message = str(exc.value)
    assert message.startswith("--samples: 1.0e+20 draws would need about ")
    assert "per draw: draws 44 x 8 B, item values 15 x 8 B, yearly net 6 x 7 x 4 B" in message
    assert "the limits are 100,000,000 draws and " in message and "at most " in message


def test_the_largest_size_that_fits_is_exact(config, monkeypatch):
    """The memory rule of the module docstring, at its boundary: the size it offers passes, one more does not."""
    budget = 2**20
    monkeypatch.setattr(limits, "memory_budget", lambda: (budget, "a test budget"))
    d, items, S, T = 1, 2, 1, 1
    chunk = 10
    per_draw = d * 8 + items * 8 + S * T * 4
    fit = (budget - chunk * (d + items * T) * 8) // per_draw
    limits.check_simulation(config, samples=fit, chunk_size=chunk)
    with pytest.raises(WotsimError, match=f"at most {fit:,} draws fit"):
        limits.check_simulation(config, samples=fit + 1, chunk_size=chunk)


def test_config_sizes_are_named_by_file_and_key(config):
    """A size from the config (not from an argument) is named by the config file and its dotted key."""
    big = dataclasses.replace(config, simulation=dataclasses.replace(config.simulation, samples=10**20))
    with pytest.raises(WotsimError, match=r"config\.toml: simulation\.samples: 1\.0e\+20 draws"):
        limits.check_simulation(big)


def test_a_long_horizon_counts_in_the_memory(config, monkeypatch):
    monkeypatch.setattr(limits, "memory_budget", lambda: (2**30, "a test budget"))
    limits.check_simulation(config, samples=10_000)
    study = dataclasses.replace(config.study, horizon=1_000_000)
    with pytest.raises(WotsimError, match=r"yearly net 1 x 1,000,000 x 4 B"):
        limits.check_simulation(dataclasses.replace(config, study=study), samples=10_000)


def test_resamples_ceiling():
    limits.check_resamples(limits.MAX_RESAMPLES)
    with pytest.raises(WotsimError, match=r"--resamples: 1\.0e\+20 resamples; the limit is 100,000"):
        limits.check_resamples(10**20, what="--resamples")


def test_sobol_ceilings_count_model_runs(schiedam):
    with pytest.raises(WotsimError, match=r"2,147,483,648 base samples .* the limits are 16,777,216 base samples, "
                                          r"1,000,000,000 model runs"):
        limits.check_sobol(schiedam, samples=2**31)
    # within the base-sample ceiling but above the model runs (second order doubles the rows)
    with pytest.raises(WotsimError, match=r"\(1,509,949,440 model runs\)"):
        limits.check_sobol(schiedam, samples=2**24, second_order=True, factors=44)


# --------------------------------------------------------------------------- the library doors refuse early
def test_simulate_refuses_before_drawing(config, monkeypatch):
    monkeypatch.setattr(SIMULATE, "DesignStream", _never)
    with pytest.raises(WotsimError, match="the limits are 100,000,000 draws"):
        SIMULATE.simulate(config, samples=10**20)


def test_compare_refuses_before_simulating(schiedam, monkeypatch):
    from wotsim.analysis.scenarios import compare
    from wotsim.config.overlays import find_scenarios

    scenarios = find_scenarios(schiedam, ["more_capacity"])
    monkeypatch.setattr(SIMULATE, "simulate", _never)
    with pytest.raises(WotsimError, match=r"samples: 1\.0e\+20 draws .*1 scenario's item values"):
        compare(schiedam, scenarios, samples=10**20)


def test_sobol_plan_refuses_oversized_designs(schiedam):
    from wotsim.analysis.sobol_design import sobol_plan

    with pytest.raises(WotsimError, match="16,777,216 base samples"):
        sobol_plan(schiedam, samples=2**30)  # a power of 2, so only the ceiling stops it
    with pytest.raises(WotsimError, match="the limit is 100,000"):
        sobol_plan(schiedam, samples=64, resamples=10**20)


def test_morris_refuses_before_sampling(schiedam, monkeypatch):
    import wotsim.analysis.salib
    from wotsim.analysis.screening import morris_screening

    monkeypatch.setattr(wotsim.analysis.salib, "morris_sample", _never)
    with pytest.raises(WotsimError, match="100,000 trajectories"):
        morris_screening(schiedam, trajectories=10**20)
    with pytest.raises(WotsimError, match="the limit is 100,000"):
        morris_screening(schiedam, trajectories=10, resamples=10**20)


def test_pawn_refuses_before_simulating(schiedam, monkeypatch):
    from wotsim.analysis.screening import pawn_indices

    monkeypatch.setattr(SIMULATE, "simulate", _never)
    with pytest.raises(WotsimError, match="the limits are 10,000,000 draws"):
        pawn_indices(schiedam, samples=2 * 10**7)


def test_run_analyses_checks_the_sobol_samples_before_the_monte_carlo(schiedam, monkeypatch):
    from wotsim.analysis.pipeline import run_analyses

    monkeypatch.setattr(SIMULATE, "simulate", _never)
    with pytest.raises(WotsimError, match=r"sobol_samples \(Sobol' base samples N\) must be a power of 2 .*"
                                          r"got 1000; try 512 or 1024"):
        run_analyses(schiedam, samples=256, sobol_samples=1000)
    with pytest.raises(WotsimError, match="the limits are 100,000,000 draws"):
        run_analyses(schiedam, samples=10**20, sobol_samples=64)
