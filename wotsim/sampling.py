"""Unit-hypercube designs, the Gaussian copula, seed streams and the scenarios' common random numbers.

Randomness enters only here.  One root seed becomes a ``SeedSequence``; each
analysis takes its own child by a fixed spawn key (:data:`STREAMS`), so adding
an analysis never changes another's numbers.

Designs are generated chunk by chunk and are identical whatever the chunk size:

* ``mc``: independent uniforms from a PCG64 generator, drawn in row order;
* ``lhs``: Latin hypercube; the per-dimension permutations (int32, n x d) are
  drawn up front, the jitter chunk by chunk;
* ``sobol``: scrambled Sobol' points (``scipy.stats.qmc.Sobol``), drawn in order.
  Its balance properties hold best for n a power of 2.

The copula's matrix is built and checked with the config
(:func:`wotsim.config.correlations.correlation_matrix`); :func:`apply_copula`
imposes it on a design and :func:`invert_copula` undoes it.

Common random numbers
---------------------
The uniform that drives a parameter is keyed by the parameter's *name*: every
parameter a scenario shares with the base takes the base design's column (the
same ``(n, d)`` design the base run draws from stream ``"montecarlo"``), before
the copula.  A parameter new to a scenario (or uncertain only there) takes
independent uniforms from its own child of stream ``"scenarios"``, keyed by a
hash of its name, so adding, removing or reordering scenarios never changes
another's numbers, and two scenarios that add the same parameter share its
draws.  These new columns are plain Monte Carlo whatever the base sampler.
Differences between a scenario and the base are then paired draw by draw and
their Monte Carlo standard errors are those of the paired differences.  With
``paired=False`` every scenario draws a whole independent design instead (for
demonstrating what common random numbers buy): its own randomisations, from a
stream keyed by the scenario id, with the points of each randomisation put in
an independent random order.  (Two scrambles of one Sobol' sequence are not
independent point by point: without the shuffle the i-th points of the base and
scenario designs were correlated column by column, |r| up to 0.94.)
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
from scipy import stats
from scipy.stats import qmc

from .config.correlations import (CopulaError, correlation_matrix, nearest_correlation,  # noqa: F401
                                  repaired_ranks)  # CopulaError, nearest_correlation, repaired_ranks: re-exported
from .config.schema import Config

__all__ = ["DEFAULT_REPLICATES", "STREAMS", "DesignStream", "apply_copula", "base_design", "default_replicates",
           "independent_design", "invert_copula", "replicate_index", "scenario_uniforms", "stream"]

#: Fixed spawn keys of the root SeedSequence, one per analysis.
STREAMS = {
    "montecarlo": 0,
    "sensitivity": 1,
    "scenarios": 2,
    "voi": 3,
    "bootstrap": 4,
    "morris": 5,
    "pawn": 6,
    "discover": 7,
}

#: Uniforms are kept in [EPS, 1 - EPS] so that unbounded ppfs stay finite.
EPS = 2.0**-53


def stream(seed: int, name: str) -> np.random.SeedSequence:
    """The independent child stream ``name`` of the root seed.

    Equal to ``SeedSequence(seed).spawn(k + 1)[k]`` with ``k = STREAMS[name]``.
    """
    return np.random.SeedSequence(seed, spawn_key=(STREAMS[name],))


def derived_int_seed(seq: np.random.SeedSequence) -> int:
    """A nonzero 31-bit integer seed derived from a SeedSequence (for APIs that take ints)."""
    value = int(seq.generate_state(1, dtype=np.uint32)[0]) & 0x7FFFFFFF
    return value or 1


#: Independent randomisations of a ``sobol`` or ``lhs`` design (randomised QMC).
DEFAULT_REPLICATES = 16


def default_replicates(sampler: str, n: int) -> int:
    """How many independent randomisations a design of ``n`` rows is made of.

    ``mc`` draws are independent, so 1 (iid standard errors).  ``sobol`` and
    ``lhs`` use :data:`DEFAULT_REPLICATES` = 16 (fewer when ``n < 32``, so that
    each has at least 2 rows).  Why 16: the standard error is estimated from the
    spread of 16 replicate estimates, which is within about 18% of the truth
    (relative SE of an SD from 16 values, 1/sqrt(2 * 15)), while each replicate
    keeps n / 16 points (2,048 at Schiedam's default 32,768), a power of two when n is,
    so little of the QMC gain is given up.  L'Ecuyer & Lemieux (2002) advise
    R of 10 to 30.
    """
    if sampler == "mc":
        return 1
    return max(1, min(DEFAULT_REPLICATES, n // 2))


def replicate_index(n: int, replicates: int) -> np.ndarray:
    """Replicate of each of ``n`` rows: row ``i`` belongs to randomisation ``i % replicates``, shape (n,)."""
    return np.arange(n) % max(int(replicates), 1)


class DesignStream:
    """Draw rows of an n x d design on the unit hypercube, in order, chunk by chunk.

    A ``sobol`` or ``lhs`` design is made of ``replicates`` independent
    randomisations (randomised QMC: Owen 1997; L'Ecuyer & Lemieux 2002), each
    with its own child stream of ``seed``.  They are interleaved: row ``i`` is
    point ``i // R`` of randomisation ``i % R``, so every prefix of ``k R`` rows
    holds the first ``k`` points of each randomisation (a power-of-two prefix
    of a power-of-two design keeps each Sobol' replicate balanced).  Point
    estimates use all n rows; standard errors come from the spread of the R
    replicate estimates (:mod:`wotsim.results.mcse`).  With ``replicates == 1`` (always
    for ``mc``) the design is drawn from ``seed`` itself, as before replicates
    existed.

    Parameters
    ----------
    sampler : {"mc", "lhs", "sobol"}
    d : int
        Number of dimensions (uncertain parameters).
    n : int
        Total number of rows that will be drawn.
    seed : SeedSequence
        The stream this design owns.
    replicates : int, optional
        Independent randomisations (default :func:`default_replicates`).
    """

    def __init__(self, sampler: str, d: int, n: int, *, seed: np.random.SeedSequence,
                 replicates: int | None = None):
        if sampler not in ("mc", "lhs", "sobol"):
            raise ValueError(f"sampler must be one of mc, lhs, sobol, got {sampler!r}")
        R = default_replicates(sampler, n) if replicates is None else int(replicates)
        if not 1 <= R <= max(n, 1):
            raise ValueError(f"replicates must be between 1 and the number of rows ({n}), got {replicates!r}")
        self.sampler = sampler
        self.d = d
        self.n = n
        self.replicates = R
        self.drawn = 0
        seeds = [seed] if R == 1 else [
            np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (k,)) for k in range(R)]
        self._parts = [_Replicate(sampler, d, len(range(k, n, R)), s) for k, s in enumerate(seeds)]

    def next(self, m: int) -> np.ndarray:
        """The next ``m`` rows, shape (m, d)."""
        if self.drawn + m > self.n:
            raise ValueError(f"design has {self.n} rows; {self.drawn} drawn, {m} more asked")
        lo = self.drawn
        self.drawn += m
        R = self.replicates
        if R == 1:
            return self._parts[0].next(m)
        u = np.empty((m, self.d))
        for k, part in enumerate(self._parts):
            first = lo + (k - lo) % R  # first row >= lo of replicate k
            count = len(range(first, lo + m, R))
            if count:
                u[first - lo::R] = part.next(count)
        return u

    def skip(self, m: int) -> None:
        """Pass over the next ``m`` rows without drawing them: the rows after are those :meth:`next` would give.

        What lets a worker draw rows ``lo:hi`` of a design alone (:func:`wotsim.simulate.simulate_rows`): a
        Sobol' engine fast-forwards (the same points, integer for integer), a PCG64 stream advances by the
        doubles it would have drawn (one 64-bit output each), and a Latin hypercube's permutations are drawn
        whole at construction as before.
        """
        if m < 0 or self.drawn + m > self.n:
            raise ValueError(f"design has {self.n} rows; {self.drawn} drawn, {m} more to skip")
        lo = self.drawn
        self.drawn += m
        R = self.replicates
        for k, part in enumerate(self._parts):
            first = lo + (k - lo) % R  # first row >= lo of replicate k
            count = len(range(first, lo + m, R))
            if count:
                part.skip(count)


class _Replicate:
    """One randomisation of a design: ``n`` rows drawn in order from its own stream."""

    def __init__(self, sampler: str, d: int, n: int, seed: np.random.SeedSequence):
        self.sampler = sampler
        self.d = d
        self.n = n
        self.drawn = 0
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._engine = None
        self._perm = None
        if d == 0:
            return
        if sampler == "sobol":
            self._engine = qmc.Sobol(d, scramble=True, rng=self._rng)
        elif sampler == "lhs":
            perm = np.empty((n, d), dtype=np.int32 if n < 2**31 else np.int64)
            for j in range(d):
                perm[:, j] = self._rng.permutation(n)
            self._perm = perm

    def skip(self, m: int) -> None:
        self.drawn += m
        if self.d == 0:
            return
        if self.sampler == "sobol":
            self._engine.fast_forward(m)
        else:  # mc and lhs draw d doubles a row, one 64-bit output each
            self._rng.bit_generator.advance(m * self.d)

    def next(self, m: int) -> np.ndarray:
        lo = self.drawn
        self.drawn += m
        if self.d == 0:
            return np.empty((m, 0))
        if self.sampler == "sobol":
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*balance properties.*")
                u = self._engine.random(m)
        elif self.sampler == "lhs":
            u = (self._perm[lo:lo + m] + self._rng.random((m, self.d))) / self.n
        else:
            u = self._rng.random((m, self.d))
        return np.clip(u, EPS, 1.0 - EPS)


def apply_copula(u: np.ndarray, columns: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Impose rank correlation on design columns through a Gaussian copula (returns a new array)."""
    if len(columns) == 0:
        return u
    out = u.copy()
    scores = stats.norm.ppf(u[:, columns])
    # z = scores @ chol.T, summed term by term in a fixed order: a BLAS matmul rounds
    # differently for different row counts, which would make results depend on the chunk size.
    z = np.zeros_like(scores)
    for i in range(len(columns)):
        for j in range(i + 1):  # chol is lower triangular
            z[:, i] += chol[i, j] * scores[:, j]
    out[:, columns] = np.clip(stats.norm.cdf(z), EPS, 1.0 - EPS)
    return out


def invert_copula(v: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """The uniforms (m, k) that :func:`apply_copula` with ``chol`` maps to the correlated uniforms ``v`` (m, k).

    Normal scores ``L^{-1} Phi^{-1}(v)`` by forward substitution, term by term in a fixed
    order like :func:`apply_copula` (so the result does not depend on the row count);
    ``apply_copula(invert_copula(v, L), all columns, L)`` returns ``v`` up to rounding.
    """
    z = stats.norm.ppf(v)
    scores = np.zeros_like(z)
    for i in range(z.shape[1]):
        acc = z[:, i].copy()
        for j in range(i):
            acc -= chol[i, j] * scores[:, j]
        scores[:, i] = acc / chol[i, i]
    return np.clip(stats.norm.cdf(scores), EPS, 1.0 - EPS)


# --------------------------------------------------------------------------- common random numbers
def _keyed_stream(seed: int, key: str) -> np.random.SeedSequence:
    """A child of stream ``"scenarios"`` keyed by a stable 32-bit hash of ``key``."""
    h = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big")
    return np.random.SeedSequence(seed, spawn_key=(STREAMS["scenarios"], h))


def base_design(config: Config, *, samples: int, seed: int, sampler: str, replicates: int | None = None) -> np.ndarray:
    """The (n, d) design on the unit hypercube the base run of :func:`wotsim.simulate.simulate` draws (before the copula)."""
    return DesignStream(sampler, len(config.uncertain), samples, seed=stream(seed, "montecarlo"),
                        replicates=replicates).next(samples)


def independent_design(sampler: str, d: int, n: int, *, seed: np.random.SeedSequence, replicates: int) -> np.ndarray:
    """A design independent, row by row, of every other design: the points of each randomisation shuffled.

    Row ``i`` stays in randomisation ``i % replicates`` (so replicate standard errors
    still apply); within each randomisation the order of the points is a random
    permutation from a child of ``seed``.
    """
    design_seed, order_seed = seed.spawn(2)
    u = DesignStream(sampler, d, n, seed=design_seed, replicates=replicates).next(n)
    rng = np.random.Generator(np.random.PCG64(order_seed))
    for k in range(replicates):
        rows = np.arange(k, n, replicates)
        u[rows] = u[rows[rng.permutation(rows.size)]]
    return u


def scenario_uniforms(base: Config, config: Config, u_base: np.ndarray, *, seed: int, sampler: str = "mc",
                      paired: bool = True, scenario_id: str = "", replicates: int = 1, lo: int = 0) -> np.ndarray:
    """The (n, d_s) design of a scenario config, columns in ``config.uncertain`` order.

    Parameters
    ----------
    base, config : Config
        The base config and the scenario's.
    u_base : ndarray, shape (n, d)
        The base design (columns in ``base.uncertain`` order, before the copula).
    seed : int
        The root seed.
    sampler : str
        Used only when ``paired`` is False (the sampler of the independent design).
    paired : bool
        True: common random numbers (shared parameters take the base column, new ones
        a stream keyed by their name).  False: a whole independent design from a stream
        keyed by the scenario id (:func:`independent_design`).
    scenario_id : str
    replicates : int
        Randomisations of the base design (used when ``paired`` is False).
    lo : int
        The design row ``u_base`` starts at (a block of rows evaluated alone,
        :func:`wotsim.simulate.simulate_rows`): a new parameter's stream is advanced past the rows
        before it, so blocks put together give the whole design bit for bit.  Paired designs only.
    """
    u_base = np.asarray(u_base, dtype=float)
    n = u_base.shape[0]
    names = config.uncertain
    if not paired:
        if lo:
            raise ValueError("an independent (unpaired) scenario design is drawn whole, not from row lo")
        return independent_design(sampler, len(names), n, seed=_keyed_stream(seed, f"independent:{scenario_id}"),
                                  replicates=replicates)
    index = {name: j for j, name in enumerate(base.uncertain)}
    out = np.empty((n, len(names)))
    for j, name in enumerate(names):
        if name in index:
            out[:, j] = u_base[:, index[name]]
        else:
            bits = np.random.PCG64(_keyed_stream(seed, f"parameter:{name}"))
            bits.advance(lo)  # one 64-bit output a double
            out[:, j] = np.clip(np.random.Generator(bits).random(n), EPS, 1.0 - EPS)
    if _copula_key(base) != _copula_key(config):
        out = _keep_correlated_draws(base, config, u_base, out)
    return out


def _copula_key(config: Config) -> tuple:
    return tuple(sorted((tuple(sorted((c.a, c.b))), float(c.rank)) for c in config.correlations))


def _keep_correlated_draws(base: Config, config: Config, u_base: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Common random numbers when a scenario changes the copula (e.g. fixes a correlated parameter).

    Sharing the pre-copula uniforms is not enough then: the scenario's copula would mix them
    differently and redraw the partners of the fixed parameter.  Instead every shared parameter
    keeps its base *post-copula* uniform: outside the scenario's correlated blocks it is used as
    is; inside a block made only of shared parameters the scenario's copula is inverted on it
    (normal scores ``L_s^{-1} Phi^{-1}(U)``), so that the scenario's copula maps it back to the base
    values (up to rounding).  Blocks with new parameters keep the plain pre-copula sharing.
    """
    post = apply_copula(u_base, *correlation_matrix(list(base.uncertain), base.correlations)) \
        if base.correlations else u_base
    index = {name: j for j, name in enumerate(base.uncertain)}
    names = list(config.uncertain)
    in_blocks: set[str] = set()
    if config.correlations:
        columns, chol = correlation_matrix(names, config.correlations)
        block = [names[c] for c in columns]
        in_blocks = set(block)
        if all(name in index for name in block):
            u = invert_copula(np.column_stack([post[:, index[name]] for name in block]), chol)
            for k, name in enumerate(block):
                out[:, names.index(name)] = u[:, k]
    for j, name in enumerate(names):
        if name in index and name not in in_blocks:
            out[:, j] = post[:, index[name]]
    return out
