"""Ceilings on sizes and counts, checked before any work starts.

Counts as people write them are read by :mod:`wotsim.counts`; the ceilings on a
config's own size are in :mod:`wotsim.config.sizes`.

Every door that samples checks the sizes it is given before the first sample:
:func:`wotsim.simulate.simulate`, :func:`wotsim.analysis.scenarios.compare`,
:func:`wotsim.analysis.sobol_design.sobol_plan`, :func:`~wotsim.analysis.screening.morris_screening`,
:func:`~wotsim.analysis.screening.pawn_indices` and :func:`wotsim.analysis.pipeline.run_analyses`
call the checks below first, and each ``wotsim`` command calls them with its
flags' names right after reading the config.  A refusal is one line that names
the setting, the size asked for, the memory it would need, the limits and the
largest size that fits::

    --samples: 1.0e+20 draws would need about 6.4e+22 bytes (per draw: draws 44 x 8 B, item values
    15 x 8 B, yearly net 6 x 7 x 4 B; plus 74.5 MiB for chunks of 65,536 draws); the limits are
    100,000,000 draws and the memory of this machine (23.5 GiB); at most 39,372,486 draws fit

Ceilings
--------
==========================  =====================  =============================================
size                        ceiling                why
==========================  =====================  =============================================
Monte Carlo draws (run,     ``MAX_SAMPLES``        ~3,000x the Schiedam default (32,768); the
compare, voi, report,       = 10^8                 standard error halves only with 4x the
decision drivers)                                  draws, and results keep every draw
PAWN samples                ``MAX_PAWN_SAMPLES``   SALib sorts the whole sample once per
                            = 10^7                 parameter and slice (d x 10 sorts of n
                                                   values per output): minutes at 10^7
Sobol' base samples N       ``MAX_SOBOL_SAMPLES``  1,024x the default 2^14
                            = 2^24
model runs of a Sobol'      ``MAX_MODEL_RUNS``     about 10 minutes of model evaluation;
or Morris design            = 10^9                 N (g + 2) or r (g + 1) rows
Morris trajectories r       ``MAX_TRAJECTORIES``   1,000x the default 100; SALib builds them
                            = 10^5                 in a Python loop (about 1 s per 10^4)
bootstrap resamples         ``MAX_RESAMPLES``      memory grows as trajectories x resamples
                            = 10^5
estimated memory            this machine's RAM     ``os.sysconf`` pages x page size, or the
                                                   cgroup limit when lower; 64 GiB when
                                                   neither can be read
==========================  =====================  =============================================

Sizes below a function's own minimum (2 draws, 32 Sobol' base samples, ...)
and values that are not whole numbers are left to that function's rules.

The memory estimates count what a run keeps (peaks can be somewhat higher), in
bytes, with d uncertain parameters, ``items`` items, S stakeholders, T the
longest horizon (:attr:`wotsim.config.Config.max_horizon`) and c the chunk size:

* simulation of n draws: draws ``n d 8``, item values ``n items 8``, yearly
  net values ``n S T 4`` (float32), for ``lhs`` the permutations ``n d 4``;
  plus chunk temporaries ``min(c, n) (d + items T) 8``;
* comparison: the base simulation, its design ``n d 8``, per scenario its item
  values ``n items_s 8`` and its own new draws, and one scenario simulation at
  a time;
* Sobol': A and B on the unit cube and as values ``4 N d 8``, and per output
  ``N (g + 2) 8`` (``N (2 g + 2) 8`` with second order); plus chunk temporaries;
* Morris: the design on the grid and as uniforms ``2 r (g + 1) d 8``, per output
  ``r (g + 1) 8``, the bootstrap ``r resamples 16``; plus chunk temporaries;
* PAWN: the simulation, and the Kolmogorov-Smirnov temporaries ``4 n 8``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .counts import CountError, parse_count  # noqa: F401 (re-exported: the count parser's home is counts)
from .errors import WotsimError

if TYPE_CHECKING:  # pragma: no cover
    from .config.schema import Config

__all__ = [
    "MAX_MODEL_RUNS",
    "MAX_PAWN_SAMPLES",
    "MAX_RESAMPLES",
    "MAX_SAMPLES",
    "MAX_SOBOL_SAMPLES",
    "MAX_TRAJECTORIES",
    "Estimate",
    "check_comparison",
    "check_morris",
    "check_pawn",
    "check_resamples",
    "check_simulation",
    "check_sobol",
    "memory_budget",
    "whole_number",
]

#: Monte Carlo draws of one run (``run``, ``compare``, ``voi``, ``report``, decision drivers).
MAX_SAMPLES = 10**8
#: Monte Carlo samples of a PAWN analysis.
MAX_PAWN_SAMPLES = 10**7
#: Sobol' base samples N.
MAX_SOBOL_SAMPLES = 2**24
#: Model runs of a Sobol' (N (g + 2) or N (2 g + 2)) or Morris (r (g + 1)) design.
MAX_MODEL_RUNS = 10**9
#: Morris trajectories r.
MAX_TRAJECTORIES = 10**5
#: Bootstrap resamples.
MAX_RESAMPLES = 10**5
#: Memory assumed when the machine's cannot be read.
DEFAULT_MEMORY = 64 * 2**30

_GIB = 2**30
#: Memory limits of this process's control group (v2, then v1); "max" or a huge number means none.
_CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


# --------------------------------------------------------------------------- memory
def memory_budget() -> tuple[int, str]:
    """The memory a run may use, in bytes, and its description for messages.

    The machine's RAM (``os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")``),
    or this process's cgroup memory limit when that is lower; 64 GiB when
    neither can be read.
    """
    try:
        ram = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        ram = 0
    cgroup = 0
    for path in _CGROUP_FILES:
        try:
            with open(path, encoding="ascii") as fh:
                text = fh.read(64).strip()
        except (OSError, ValueError):
            continue
        if text.isdigit():
            cgroup = int(text)
            break
    if cgroup and (ram <= 0 or cgroup < ram):
        return cgroup, f"the memory limit of this process's cgroup ({cgroup / _GIB:.1f} GiB)"
    if ram > 0:
        return ram, f"the memory of this machine ({ram / _GIB:.1f} GiB)"
    return DEFAULT_MEMORY, f"{DEFAULT_MEMORY / _GIB:.0f} GiB (the memory of this machine could not be read)"


def _bytes(b: float) -> str:
    if b >= 2**50:
        return f"{b:.1e} bytes"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= size:
            return f"{b / size:.1f} {unit}"
    return f"{b:.0f} B"


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**12 else f"{n:.1e}"


@dataclass(frozen=True)
class Estimate:
    """Memory a run would keep: ``count * sum(per_unit) + sum(fixed)`` bytes.

    Attributes
    ----------
    count : int
        The size asked for (draws, base samples, trajectories).
    unit : str
        What is counted, singular ("draw").
    per_unit : tuple of (str, int)
        Parts kept per unit: a description ("draws 44 x 8 B") and bytes.
    fixed : tuple of (str, int)
        Parts that do not grow with the count (chunk temporaries).
    """

    count: int
    unit: str
    per_unit: tuple[tuple[str, int], ...]
    fixed: tuple[tuple[str, int], ...] = ()

    @property
    def unit_bytes(self) -> int:
        return sum(b for _, b in self.per_unit)

    @property
    def fixed_bytes(self) -> int:
        return sum(b for _, b in self.fixed)

    @property
    def total(self) -> int:
        """Bytes in all."""
        return self.count * self.unit_bytes + self.fixed_bytes

    def fit(self, budget: int) -> int:
        """The largest count whose estimate stays within ``budget`` bytes."""
        return max(0, budget - self.fixed_bytes) // max(self.unit_bytes, 1)

    def describe(self) -> str:
        text = f"per {self.unit}: " + ", ".join(label for label, _ in self.per_unit)
        if self.fixed:
            text += "; plus " + ", ".join(label for label, _ in self.fixed)
        return text


def _check(what: str, est: Estimate, ceilings: Sequence[tuple[int, int, str]], *, minimum: int = 1,
           round_down: Callable[[int], int] = lambda n: n, plural: str | None = None) -> None:
    """Raise one line naming ``what`` when ``est`` exceeds the memory budget or a count exceeds its ceiling.

    ``ceilings``: (value, ceiling, plural noun) triples; the first is the count
    of ``est`` itself, the others are in proportion to it (model runs).
    """
    budget, where = memory_budget()
    if est.total <= budget and all(value <= ceiling for value, ceiling, _ in ceilings):
        return
    units = plural or est.unit + "s"
    fit = est.fit(budget)
    for value, ceiling, _ in ceilings:
        fit = min(fit, ceiling * est.count // value if value else fit)
    fit = round_down(fit) if fit >= 1 else 0
    limits = [f"{ceiling:,} {noun}" for _, ceiling, noun in ceilings] + [where]
    first = ceilings[0][0] if ceilings else est.count
    others = "".join(f" ({_count(v)} {noun})" for v, _, noun in ceilings[1:])
    remedy = (f"at most {fit:,} {units} fit" if fit >= minimum
              else f"even {minimum:,} {units} would not fit; a smaller config or a larger machine is needed")
    raise WotsimError(f"{what}: {_count(first)} {units}{others} would need about {_bytes(est.total)} "
                      f"({est.describe()}); the limits are {' and '.join([', '.join(limits[:-1]), limits[-1]])}; "
                      f"{remedy}")


def whole_number(value: Any) -> int | None:
    """``value`` as an int when it is one (bools excluded); None leaves the rule to the caller's own checks."""
    import numpy as np  # here, not at the top: the command-line parser uses this module (tests/test_fast_start.py)

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


def _setting(config: Config, value: Any, key: str, what: str | None) -> tuple[int | None, str]:
    """The size in effect (the argument, else the config's ``[simulation]`` one) and its name."""
    if value is None:
        return whole_number(getattr(config.simulation, key)), f"{config.path}: simulation.{key}"
    return whole_number(value), what or key


def _chunk_parts(config: Config, rows: int, unit: str) -> tuple[tuple[str, int], ...]:
    d, items, T = len(config.uncertain), len(config.items), config.max_horizon
    return ((f"{_bytes(rows * (d + items * T) * 8)} for chunks of {rows:,} {unit}", rows * (d + items * T) * 8),)


def _simulation_parts(config: Config, sampler: str, prefix: str = "") -> tuple[tuple[str, int], ...]:
    d, items, S, T = len(config.uncertain), len(config.items), len(config.stakeholders), config.max_horizon
    parts = [(f"{prefix}draws {d} x 8 B", d * 8), (f"{prefix}item values {items} x 8 B", items * 8),
             (f"{prefix}yearly net {S} x {T:,} x 4 B", S * T * 4)]
    if sampler == "lhs":
        parts.append((f"{prefix}LHS permutations {d} x 4 B", d * 4))
    return tuple(parts)


# --------------------------------------------------------------------------- checks
def check_simulation(config: Config, *, samples: Any = None, sampler: str | None = None, chunk_size: Any = None,
                     uniforms: Any = None, what: str | None = None, ceiling: int = MAX_SAMPLES,
                     extra: Sequence[tuple[str, int]] = ()) -> None:
    """Refuse a Monte Carlo simulation above :data:`MAX_SAMPLES` draws or the memory budget.

    Parameters
    ----------
    config : Config
    samples, sampler, chunk_size : optional
        As for :func:`wotsim.simulate.simulate` (default: the config's).
    uniforms : ndarray, optional
        A supplied design: its row count is the number of draws.
    what : str, optional
        The setting's name in the message (default ``samples``, or the
        config's ``simulation.samples`` when ``samples`` is None).
    ceiling : int
        The ceiling on draws (:data:`MAX_PAWN_SAMPLES` for PAWN).
    extra : sequence of (str, int)
        Further bytes per draw (a PAWN analysis's temporaries).

    Raises
    ------
    WotsimError
        Naming the setting, the memory needed and the limits.  Values that are
        not whole numbers >= 2 are left to the simulation's own checks.
    """
    if uniforms is not None and getattr(uniforms, "ndim", 0) == 2:
        n, what = int(uniforms.shape[0]), what or "uniforms"
    else:
        n, what = _setting(config, samples, "samples", what)
    chunk, _ = _setting(config, chunk_size, "chunk_size", None)
    sampler = config.simulation.sampler if sampler is None else sampler
    if uniforms is None and sampler in ("mc", "lhs", "sobol"):
        from .config.sizes import check_design_size

        check_design_size(config, str(sampler))  # scipy's Sobol' engine has at most 21,201 dimensions
    if n is None or n < 2 or chunk is None or chunk < 1:
        return
    rows = min(chunk, n)
    est = Estimate(n, "draw", _simulation_parts(config, str(sampler)) + tuple(extra),
                   _chunk_parts(config, rows, "draws"))
    _check(what, est, [(n, ceiling, "draws")], minimum=2)


def check_comparison(config: Config, scenarios: Sequence[Any], *, samples: Any = None, sampler: str | None = None,
                     chunk_size: Any = None, what: str | None = None) -> None:
    """Refuse a comparison above :data:`MAX_SAMPLES` draws or the memory budget.

    For :func:`wotsim.analysis.scenarios.compare`: ``scenarios`` are
    :class:`wotsim.config.overlays.Scenario` objects (their ``config`` is read).  See
    :func:`check_simulation` for the other parameters.
    """
    n, what = _setting(config, samples, "samples", what)
    chunk, _ = _setting(config, chunk_size, "chunk_size", None)
    sampler = config.simulation.sampler if sampler is None else sampler
    if n is None or n < 2 or chunk is None or chunk < 1:
        return
    configs = [sc.config for sc in scenarios if getattr(sc, "config", None) is not None]
    d = len(config.uncertain)
    parts = list(_simulation_parts(config, str(sampler), "base ")) + [(f"shared design {d} x 8 B", d * 8)]
    if configs:
        base = set(config.uncertain)
        kept = sum((len(c.items) + len([p for p in c.uncertain if p not in base])) * 8 for c in configs)
        whose = f"{len(configs)} scenario's" if len(configs) == 1 else f"{len(configs)} scenarios'"
        parts.append((f"{whose} item values and new draws {_bytes(kept)}", kept))
        largest = max(configs, key=lambda c: sum(b for _, b in _simulation_parts(c, str(sampler))))
        one = sum(b for _, b in _simulation_parts(largest, str(sampler))) + len(largest.uncertain) * 8
        parts.append((f"one scenario run at a time {_bytes(one)}", one))
    rows = min(chunk, n)
    est = Estimate(n, "draw", tuple(parts), _chunk_parts(config, rows, "draws"))
    _check(what, est, [(n, MAX_SAMPLES, "draws")], minimum=2)


def check_pawn(source: Any, *, samples: Any = None, sampler: str | None = None, what: str | None = None) -> None:
    """Refuse a PAWN analysis above :data:`MAX_PAWN_SAMPLES` samples or the memory budget.

    ``source`` is what :func:`wotsim.analysis.screening.pawn_indices` takes; a finished
    simulation is not checked (it exists already).
    """
    from .config.schema import Config  # here, not at the top: the command-line parser imports this module

    if not isinstance(source, Config):
        return
    check_simulation(source, samples=samples, sampler=sampler, what=what, ceiling=MAX_PAWN_SAMPLES,
                     extra=(("Kolmogorov-Smirnov temporaries 4 x 8 B", 32),))


def check_resamples(resamples: Any, *, what: str = "resamples") -> None:
    """Refuse more than :data:`MAX_RESAMPLES` bootstrap resamples."""
    r = whole_number(resamples)
    if r is not None and r > MAX_RESAMPLES:
        raise WotsimError(f"{what}: {_count(r)} resamples; the limit is {MAX_RESAMPLES:,} (bootstrap memory and "
                          f"time grow with samples x resamples, and the interval's own error stops shrinking "
                          f"long before); use at most {MAX_RESAMPLES:,}")


def check_sobol(config: Config, *, samples: Any, factors: int | None = None, second_order: bool = False,
                outputs: int = 1, chunk_size: Any = None, resamples: Any = None, what: str = "samples") -> None:
    """Refuse a Sobol' design above the ceilings (base samples, model runs, memory).

    Parameters
    ----------
    config : Config
    samples : int
        Base samples N (None: not checked here, the default is within every limit).
    factors : int, optional
        Factors g; default d, one per uncertain parameter.  A grouped plan has
        fewer: pass its count, or 2 (the fewest a grouping allows) to check
        without refusing any grouped design that fits.
    second_order : bool
    outputs : int
        Outputs evaluated on the design (each keeps N (g + 2) values).
    chunk_size : int, optional
        Model runs evaluated at once (default: the config's).
    resamples : int, optional
        Checked against :data:`MAX_RESAMPLES`.
    what : str
        The setting's name in the message.
    """
    check_resamples(resamples)
    from .config.sizes import check_design_size

    check_design_size(config, "saltelli")  # A and B are one Sobol' sequence of 2 d dimensions
    n = whole_number(samples)
    chunk, _ = _setting(config, chunk_size, "chunk_size", None)
    if n is None or n < 1 or chunk is None or chunk < 1:
        return
    d = len(config.uncertain)
    g = d if factors is None else int(factors)
    block = 2 * g + 2 if second_order else g + 2
    outputs = max(1, int(outputs))
    rows = min(max(1, chunk // block) * block, n * block)
    est = Estimate(n, "base sample", (
        (f"A and B on the unit cube and as values 4 x {d} x 8 B", 4 * d * 8),
        (f"{outputs} output{'s' if outputs > 1 else ''} x {block} rows x 8 B", outputs * block * 8),
    ), _chunk_parts(config, rows, "model runs"))
    _check(what, est, [(n, MAX_SOBOL_SAMPLES, "base samples"), (n * block, MAX_MODEL_RUNS, "model runs")],
           minimum=32, round_down=lambda k: 1 << (k.bit_length() - 1))


def check_morris(config: Config, *, trajectories: Any, factors: int | None = None, outputs: int = 1,
                 resamples: Any = 1000, chunk_size: Any = None, what: str = "trajectories") -> None:
    """Refuse a Morris design above the ceilings (trajectories, model runs, resamples, memory).

    ``factors`` as for :func:`check_sobol`; ``resamples``: the bootstrap's.
    """
    check_resamples(resamples)
    r = whole_number(trajectories)
    chunk, _ = _setting(config, chunk_size, "chunk_size", None)
    if r is None or r < 1 or chunk is None or chunk < 1:
        return
    d = len(config.uncertain)
    g = d if factors is None else int(factors)
    outputs = max(1, int(outputs))
    boot = whole_number(resamples) or 0
    rows = min(chunk, r * (g + 1))
    est = Estimate(r, "trajectory", (
        (f"design on the grid and as uniforms 2 x {g + 1} rows x {d} x 8 B", 2 * (g + 1) * d * 8),
        (f"{outputs} output{'s' if outputs > 1 else ''} x {g + 1} rows x 8 B", outputs * (g + 1) * 8),
        (f"bootstrap {boot:,} x 16 B", boot * 16),
    ), _chunk_parts(config, rows, "model runs"))
    _check(what, est, [(r, MAX_TRAJECTORIES, "trajectories"), (r * (g + 1), MAX_MODEL_RUNS, "model runs")],
           minimum=2, plural="trajectories")
