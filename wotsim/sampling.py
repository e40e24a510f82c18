"""Unit-hypercube designs, the Gaussian copula and seed streams.

Randomness enters only here.  One root seed becomes a ``SeedSequence``; each
analysis takes its own child by a fixed spawn key (:data:`STREAMS`), so adding
an analysis never changes another's numbers.

Designs are generated chunk by chunk and are identical whatever the chunk size:

* ``mc``: independent uniforms from a PCG64 generator, drawn in row order;
* ``lhs``: Latin hypercube; the per-dimension permutations (int32, n x d) are
  drawn up front, the jitter chunk by chunk;
* ``sobol``: scrambled Sobol' points (``scipy.stats.qmc.Sobol``), drawn in order.
  Its balance properties hold best for n a power of 2.
"""

from __future__ import annotations

import math
import warnings
from typing import Iterable, Sequence

import numpy as np
from scipy import stats
from scipy.stats import qmc

__all__ = ["STREAMS", "DesignStream", "apply_copula", "correlation_matrix", "stream"]

#: Fixed spawn keys of the root SeedSequence, one per analysis.
STREAMS = {
    "montecarlo": 0,
    "sensitivity": 1,
    "scenarios": 2,
    "voi": 3,
    "bootstrap": 4,
    "morris": 5,
    "pawn": 6,
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


class DesignStream:
    """Draw rows of an n x d design on the unit hypercube, in order, chunk by chunk.

    Parameters
    ----------
    sampler : {"mc", "lhs", "sobol"}
    d : int
        Number of dimensions (uncertain parameters).
    n : int
        Total number of rows that will be drawn.
    seed : SeedSequence
        The stream this design owns.
    """

    def __init__(self, sampler: str, d: int, n: int, *, seed: np.random.SeedSequence):
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
        elif sampler != "mc":
            raise ValueError(f"sampler must be one of mc, lhs, sobol, got {sampler!r}")

    def next(self, m: int) -> np.ndarray:
        """The next ``m`` rows, shape (m, d)."""
        if self.drawn + m > self.n:
            raise ValueError(f"design has {self.n} rows; {self.drawn} drawn, {m} more asked")
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


def correlation_matrix(names: Sequence[str], correlations: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-copula set-up for rank correlations.

    Parameters
    ----------
    names : sequence of str
        The uncertain parameters, in design-column order.
    correlations : iterable of objects with ``a``, ``b`` and ``rank`` (Spearman)

    Returns
    -------
    columns : ndarray of int
        Design columns that take part in a correlation.
    chol : ndarray, shape (k, k)
        Lower Cholesky factor of the normal-scores (Pearson) correlation matrix
        ``R = 2 sin(pi * R_s / 6)``, which gives the Spearman correlations ``R_s``.

    Raises
    ------
    ValueError
        If the matrix is not positive definite.
    """
    correlations = list(correlations)
    involved = sorted({names.index(c.a) for c in correlations} | {names.index(c.b) for c in correlations})
    pos = {col: k for k, col in enumerate(involved)}
    k = len(involved)
    spearman = np.eye(k)
    for c in correlations:
        i, j = pos[names.index(c.a)], pos[names.index(c.b)]
        spearman[i, j] = spearman[j, i] = c.rank
    pearson = 2.0 * np.sin(math.pi * spearman / 6.0)
    np.fill_diagonal(pearson, 1.0)
    try:
        chol = np.linalg.cholesky(pearson)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(pearson)[0])
        raise ValueError(
            f"the rank correlations do not form a positive definite matrix (smallest eigenvalue {smallest:.3g}); "
            "weaken some of them"
        ) from None
    return np.asarray(involved, dtype=int), chol


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
