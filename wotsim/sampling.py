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

__all__ = ["DEFAULT_REPLICATES", "STREAMS", "CopulaError", "DesignStream", "apply_copula", "correlation_matrix",
           "default_replicates", "invert_copula", "nearest_correlation", "repaired_ranks", "replicate_index", "stream"]

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


#: Independent randomisations of a ``sobol`` or ``lhs`` design (randomised QMC).
DEFAULT_REPLICATES = 16


def default_replicates(sampler: str, n: int) -> int:
    """How many independent randomisations a design of ``n`` rows is made of.

    ``mc`` draws are independent, so 1 (iid standard errors).  ``sobol`` and
    ``lhs`` use :data:`DEFAULT_REPLICATES` = 16 (fewer when ``n < 32``, so that
    each has at least 2 rows).  Why 16: the standard error is estimated from the
    spread of 16 replicate estimates, which is within about 18% of the truth
    (relative SE of an SD from 16 values, 1/sqrt(2 * 15)), while each replicate
    keeps n / 16 points (8,192 at the default 131,072), a power of two when n is,
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
    replicate estimates (:mod:`wotsim.mcse`).  With ``replicates == 1`` (always
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


class CopulaError(ValueError):
    """Rank correlations the Gaussian copula cannot use.

    Attributes
    ----------
    kind : {"rank", "normal"}
        ``"rank"``: the rank (Spearman) matrix itself is not positive definite, so no
        joint distribution of continuous parameters has these rank correlations.
        ``"normal"``: the rank matrix is positive definite but its normal-score image
        ``2 sin(pi r / 6)``, which the copula factorises, is not.
    eigenvalue : float
        The smallest eigenvalue of the matrix named by ``kind``.
    """

    def __init__(self, message: str, *, kind: str, eigenvalue: float):
        self.kind = kind
        self.eigenvalue = eigenvalue
        super().__init__(message)


def _rank_matrix(names: Sequence[str], correlations: Sequence) -> tuple[list[int], np.ndarray]:
    """Design columns that take part in a correlation, and their (k, k) rank (Spearman) matrix."""
    names = list(names)
    involved = sorted({names.index(c.a) for c in correlations} | {names.index(c.b) for c in correlations})
    pos = {col: k for k, col in enumerate(involved)}
    spearman = np.eye(len(involved))
    for c in correlations:
        i, j = pos[names.index(c.a)], pos[names.index(c.b)]
        spearman[i, j] = spearman[j, i] = c.rank
    return involved, spearman


def _normal_scores(spearman: np.ndarray) -> np.ndarray:
    """The Pearson matrix of normal scores, ``2 sin(pi r / 6)``, that gives rank correlations ``r``."""
    pearson = 2.0 * np.sin(math.pi * spearman / 6.0)
    np.fill_diagonal(pearson, 1.0)
    return pearson


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
    CopulaError
        A ``ValueError`` that says which matrix is not positive definite (the rank
        matrix, or only its normal-score image) and quotes that matrix's smallest
        eigenvalue.
    """
    correlations = list(correlations)
    involved, spearman = _rank_matrix(names, correlations)
    try:
        np.linalg.cholesky(spearman)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(spearman)[0])
        raise CopulaError(
            f"the rank correlations do not form a positive definite matrix (smallest eigenvalue {smallest:.3g}); "
            "no joint distribution of continuous parameters has them: weaken some of them",
            kind="rank", eigenvalue=smallest) from None
    pearson = _normal_scores(spearman)
    try:
        chol = np.linalg.cholesky(pearson)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(pearson)[0])
        raise CopulaError(
            "the rank correlations form a positive definite matrix, but its normal-score image 2 sin(pi r / 6), "
            f"which the Gaussian copula uses, does not (smallest eigenvalue {smallest:.3g}); weaken some of them, "
            "impose the ranks by a method without normal scores (such as Iman-Conover's, which wotsim does not "
            "offer), or set [simulation] repair_correlations = true to use the nearest positive definite "
            "normal-score matrix", kind="normal", eigenvalue=smallest) from None
    return np.asarray(involved, dtype=int), chol


def nearest_correlation(matrix: np.ndarray, *, floor: float = 1e-6, tol: float = 1e-12,
                        max_iter: int = 10_000) -> np.ndarray:
    """The nearest (Frobenius norm) correlation matrix with eigenvalues >= about ``floor``.

    Higham's alternating projections with Dykstra's correction (Higham 2002, "Computing
    the nearest correlation matrix", IMA J. Numer. Anal. 22, 329-343), alternating the
    projection onto matrices with eigenvalues >= ``floor`` and onto unit-diagonal
    matrices; the result's eigenvalues are clipped at ``floor`` once more and it is
    rescaled to unit diagonal (a congruence, so it stays positive definite).

    Parameters
    ----------
    matrix : ndarray, shape (k, k)
        Symmetric with unit diagonal.

    Returns
    -------
    ndarray, shape (k, k)
        Symmetric, unit diagonal, positive definite.
    """
    Y = np.array(matrix, dtype=float)
    dS = np.zeros_like(Y)

    def clip(a: np.ndarray) -> np.ndarray:
        w, V = np.linalg.eigh((a + a.T) / 2.0)
        return (V * np.maximum(w, floor)) @ V.T

    for _ in range(max_iter):
        R = Y - dS
        X = clip(R)
        dS = X - R
        Y_next = X.copy()
        np.fill_diagonal(Y_next, 1.0)
        done = np.linalg.norm(Y_next - Y) <= tol * max(np.linalg.norm(Y), 1.0)
        Y = Y_next
        if done:
            break
    X = clip(Y)
    d = np.sqrt(np.diag(X))
    X = X / np.outer(d, d)
    X = (X + X.T) / 2.0
    np.fill_diagonal(X, 1.0)
    return X


def repaired_ranks(names: Sequence[str], correlations: Iterable) -> dict[tuple[str, str], float]:
    """Rank correlations whose normal-score image is the nearest positive definite one.

    For ``[simulation] repair_correlations = true``: the normal-score matrix
    ``2 sin(pi r / 6)`` is replaced by :func:`nearest_correlation` and mapped back to
    ranks, ``r = (6 / pi) arcsin(R / 2)``.  Returns the rank correlation of every
    pair of parameters taking part (``(a, b)`` in ``names`` order), including pairs the
    repair made slightly correlated; pairs it leaves at 0 (up to rounding) are omitted.
    """
    names = list(names)
    correlations = list(correlations)
    involved, spearman = _rank_matrix(names, correlations)
    pearson = nearest_correlation(_normal_scores(spearman))
    ranks = (6.0 / math.pi) * np.arcsin(np.clip(pearson, -1.0, 1.0) / 2.0)
    out = {}
    for i, a in enumerate(involved):
        for j in range(i + 1, len(involved)):
            if abs(ranks[i, j]) > 1e-9:
                out[(names[a], names[involved[j]])] = float(ranks[i, j])
    return out


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
