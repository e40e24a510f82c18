"""Shared test helpers.

Keep this file small and additive: several test modules use it.

* :func:`write_config` (a plain function, ``from conftest import write_config``)
  writes TOML text to a file under ``tmp_path`` and returns its path.
* :data:`MINIMAL_CONFIG` / fixture ``minimal_config_text``: the smallest valid
  config: horizon 1, discount rate 0, one uniform parameter ``x`` on [0, 1],
  a benefit item worth ``x``, a fixed cost item of 1 and an NPV output
  (so ``npv = x - 1``) next to a ratio output (``ratio = x``).
* fixture ``minimal_config_path``: that text written to ``tmp_path/config.toml``.
* :func:`linear_config` (``from conftest import linear_config``): a parsed one-year config whose net
  benefit is a formula minus a cost, for the value-of-information tests.

BLAS runs on one thread in the tests (``OPENBLAS_NUM_THREADS`` and friends, unless set), here and
in the commands they start: the suite's matrices are small, and OpenBLAS's idle worker threads
spin: on 2 cores about 7 s of the suite's 91 s of CPU went to spinning, with the same wall time.

After collection the objects alive are frozen out of the garbage collector (:func:`pytest_collection_finish`).
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy loads BLAS
    os.environ.setdefault(_name, "1")

import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

MINIMAL_CONFIG = textwrap.dedent(
    """\
    [study]
    name = "minimal"
    horizon = 1
    discount_rate = 0.0

    [simulation]
    samples = 1024
    seed = 1
    sampler = "mc"

    [stakeholders]
    society = "Society"

    [parameters.x]
    dist = "uniform"
    low = 0.0
    high = 1.0
    evidence = "assumed"
    source = "test"

    [[items]]
    id = "gain"
    kind = "benefit"
    stakeholder = "society"
    financial = true
    value = "x"

    [[items]]
    id = "outlay"
    kind = "cost"
    stakeholder = "society"
    financial = true
    value = 1.0

    [outputs.net]
    measure = "npv"

    [outputs.ratio]
    measure = "ratio"
    """
)


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    """Write ``text`` (dedented) to ``tmp_path / name`` and return the path."""
    path = Path(tmp_path) / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def minimal_config_text() -> str:
    """The text of :data:`MINIMAL_CONFIG`."""
    return MINIMAL_CONFIG


@pytest.fixture
def minimal_config_path(tmp_path: Path) -> Path:
    """:data:`MINIMAL_CONFIG` written to ``tmp_path / "config.toml"``."""
    return write_config(tmp_path, MINIMAL_CONFIG)


def pytest_collection_finish(session) -> None:
    """Freeze what collection imported (numpy, scipy, matplotlib, every test module) out of the garbage
    collector's full passes: they never become garbage, and scanning them again in every full pass cost about
    9 s of the suite's CPU.  Nothing a test checks depends on it (a forked child still collects its own)."""
    import gc

    gc.collect()
    gc.freeze()


def linear_config(parameters: dict, value: str, cost: str | float = 1.0, *, name: str = "linear",
                  samples: int = 2**14, seed: int = 11, rate: float = 0.0, sampler: str = "mc"):
    """A one-year model of one stakeholder: a benefit item worth ``value`` (a formula over ``parameters``), a cost
    item of ``cost`` and a ratio output, so that the net benefit is ``value - cost`` (value of information tests:
    their closed forms are for such linear net benefits)."""
    from wotsim.config.loading import parse_config

    return parse_config({
        "study": {"name": name, "horizon": 1, "discount_rate": rate},
        "simulation": {"samples": samples, "seed": seed, "sampler": sampler},
        "stakeholders": {"s": "S"},
        "parameters": parameters,
        "items": [
            {"id": "gain", "kind": "benefit", "stakeholder": "s", "financial": True, "value": value},
            {"id": "outlay", "kind": "cost", "stakeholder": "s", "financial": True, "value": cost},
        ],
        "outputs": {"ratio": {"measure": "ratio"}},
    }, file=f"<{name}>")
