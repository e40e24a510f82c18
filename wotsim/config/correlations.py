"""Rank correlations between parameters: their ``[[correlations]]`` tables and the copula's matrix.

The Gaussian copula (:func:`wotsim.sampling.apply_copula`) imposes Spearman rank
correlations r through normal scores correlated by ``2 sin(pi r / 6)``.
:func:`correlation_matrix` builds and factors that matrix and says, with
:class:`CopulaError`, when it cannot be used; :func:`repaired_ranks` replaces it by the
nearest positive definite one (Higham 2002) for ``[simulation] repair_correlations``.
:func:`parse_correlations` validates the tables against these rules, so that a config
that parses always samples.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .expressions import shown
from .keys import Ctx, check_keys, get_str, hint
from .schema import ConfigWarning, Correlation, Parameter
from .sizes import MAX_CORRELATED

__all__ = ["CopulaError", "correlation_matrix", "nearest_correlation", "parse_correlations", "repaired_ranks"]

#: Keys of a [[correlations]] table.
CORRELATION_KEYS = ("between", "rank", "source")


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


# --------------------------------------------------------------------------- the [[correlations]] tables
def parse_correlations(ctx: Ctx, data: Mapping[str, Any], parameters: Mapping[str, Parameter], *,
                       repair: bool = False) -> tuple[tuple[Correlation, ...], tuple[ConfigWarning, ...]]:
    """The rank correlations, and a note when ``repair`` replaced their normal-score matrix."""
    raw = data.get("correlations", [])
    if not isinstance(raw, list):
        raise ctx.error("correlations", f"must be an array of tables ([[correlations]]), got {shown(raw)}")
    out: list[Correlation] = []
    seen: set[frozenset[str]] = set()
    involved: set[str] = set()
    for i, spec in enumerate(raw):
        key = ctx.at = f"correlations[{i}]"
        if not isinstance(spec, dict):
            raise ctx.error(key, f"must be a table, got {shown(spec)}")
        check_keys(ctx, spec, CORRELATION_KEYS, key)
        between = spec.get("between")
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(b, str) for b in between)):
            raise ctx.error(f"{key}.between", f"must be a list of two parameter names, got {shown(between)}")
        a, b = between
        for p in (a, b):
            if p not in parameters:
                raise ctx.error(f"{key}.between", f"unknown parameter {shown(p)}{hint(p, parameters)}")
            if parameters[p].dist.fixed:
                raise ctx.error(f"{key}.between", f"parameter {shown(p)} is fixed; only uncertain parameters can correlate")
        if a == b:
            raise ctx.error(f"{key}.between", f"must name two different parameters, got {shown(a)} twice")
        pair = frozenset((a, b))
        if pair in seen:
            raise ctx.error(f"{key}.between", f"the pair {shown(a)}, {shown(b)} is given twice")
        seen.add(pair)
        involved |= pair
        if len(involved) > MAX_CORRELATED:
            raise ctx.error(f"{key}.between", f"at most {MAX_CORRELATED:,} parameters can take part in correlations "
                            f"(the copula factors, and may repair, their k x k matrix before any draw); this pair "
                            f"makes {len(involved):,}")
        rank = spec.get("rank")
        if isinstance(rank, bool) or not isinstance(rank, (int, float)) or not -1 < rank < 1:
            raise ctx.error(f"{key}.rank", f"must be a Spearman rank correlation strictly between -1 and 1, got {shown(rank)}")
        out.append(Correlation(a=a, b=b, rank=float(rank), source=get_str(ctx, spec, "source", f"{key}.source", default="")))
    if not out:
        return (), ()
    ctx.at = "correlations"
    names = [n for n in parameters if not parameters[n].dist.fixed]
    try:
        correlation_matrix(names, out)
    except CopulaError as exc:
        if not (repair and exc.kind == "normal"):
            also = (" (simulation.repair_correlations mends only the normal-score matrix of rank correlations "
                    "that some joint distribution has)") if repair else ""
            raise ctx.error("correlations", str(exc) + also) from None
        return _repair_correlations(ctx, names, out, exc.eigenvalue, repaired_ranks(names, out))
    return tuple(out), ()


def _repair_correlations(ctx: Ctx, names: list[str], given: list[Correlation], eigenvalue: float,
                         ranks: Mapping[tuple[str, str], float]) -> tuple[tuple[Correlation, ...], tuple[ConfigWarning, ...]]:
    """Correlations after ``[simulation] repair_correlations``, with a note giving the largest change."""
    old = {frozenset((c.a, c.b)): c for c in given}
    new = {frozenset(pair): rank for pair, rank in ranks.items()}
    out = []
    for (a, b), rank in ranks.items():
        c = old.get(frozenset((a, b)))
        source = f"{c.source} [repaired: simulation.repair_correlations]".strip() if c else \
            "implied by the repair (simulation.repair_correlations)"
        out.append(Correlation(a=c.a if c else a, b=c.b if c else b, rank=rank, source=source))

    def change(pair: frozenset[str]) -> float:
        return abs(new.get(pair, 0.0) - (old[pair].rank if pair in old else 0.0))

    worst = max(set(old) | set(new), key=change)
    a, b = (old[worst].a, old[worst].b) if worst in old else next(p for p in ranks if frozenset(p) == worst)
    before = old[worst].rank if worst in old else 0.0
    added = len(set(new) - set(old))
    message = (f"repaired as asked (simulation.repair_correlations = true): the normal-score image of the rank "
               f"correlations was not positive definite (smallest eigenvalue {eigenvalue:.3g}), so the nearest "
               f"positive definite one is used (Higham 2002); largest change in a rank correlation: "
               f"{a} ~ {b} from {before:.4g} to {new.get(worst, 0.0):.4g} (by {change(worst):.3g})"
               + (f"; {added} pair(s) not given are now slightly correlated" if added else ""))
    return tuple(out), (ConfigWarning(ctx.file, "correlations", message),)
