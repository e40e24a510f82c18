"""The regression machinery of the EVPPI estimator: bases, the row layout, cross-fitted fits and their jackknife.

A parameter's basis is a sparse cubic B-spline (or one indicator per value); a group's
is built dense (:func:`fit_dense`).  Rows are sorted by (cross-fitting half, jackknife
group), the normal equations accumulated per segment, and every delete-one-group fit
found by subtraction, so one pass gives the cross-fitted predictions, the G
leave-one-group-out estimates and the per-point noise variances of the noise floor
(:func:`noise_floor`).  Several net benefits on the same inputs (decisions on the same draws) share
the basis, its ``X'X`` and their factors, each regressed with the arithmetic of a regression alone.
What they estimate and why: :mod:`wotsim.analysis.evppi`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations
from typing import Sequence

import numpy as np
from scipy import special

__all__ = ["BLOCK", "FLOOR_ROWS", "JACKKNIFE_GROUPS", "MAX_JACKKNIFE_GROUPS", "MAX_LEVELS", "Basis", "Fit",
           "fit_dense", "fit_sparse", "jackknife_groups", "layout", "noise_floor"]

#: A parameter with at most this many distinct values gets one indicator per value.
MAX_LEVELS = 24
#: Rows per block when building regression bases (bounds memory).
BLOCK = 32_768
#: Jackknife groups for independent (mc) draws; a randomised QMC design uses its randomisations.
JACKKNIFE_GROUPS = 16
#: At most this many jackknife groups (normal equations are kept per half and group).
MAX_JACKKNIFE_GROUPS = 64
#: Rows per half the noise floor is averaged over.
FLOOR_ROWS = 4096


class Basis:
    """Regression basis of one parameter, stored sparsely: column indices and weights per row.

    A cubic B-spline in the parameter's value with knots at equally spaced quantiles
    (``knots`` interior knots: ``knots + 4`` columns, 4 non-zero per row), so that any
    cubic polynomial of the parameter is fitted exactly.  Or, for at most
    ``MAX_LEVELS`` distinct values, one indicator per value.
    """

    def __init__(self, x: np.ndarray, knots: int):
        n = x.size
        levels = np.unique(x)
        if levels.size <= MAX_LEVELS:
            self.idx = np.searchsorted(levels, x)[:, None]
            self.w = np.ones((n, 1))
            self.size = int(levels.size)
            return
        lo, hi = float(levels[0]), float(levels[-1])
        inner = np.quantile(x, np.linspace(0.0, 1.0, knots + 2)[1:-1])
        inner = np.unique(inner[(inner > lo) & (inner < hi)])
        t = np.concatenate([[lo] * 4, inner, [hi] * 4])
        self.idx, self.w = _bspline_rows(x, t)
        self.size = len(t) - 4

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        idx = self.idx[rows]
        out = np.zeros((idx.shape[0], self.size))
        out[np.arange(idx.shape[0])[:, None], idx] = self.w[rows]
        return out


def _bspline_rows(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 4 non-zero cubic B-spline values per point (Cox-de Boor; Piegl & Tiller, The NURBS Book, A2.2).

    Parameters
    ----------
    x : ndarray, shape (n,)
        Points in [t[3], t[-4]].
    t : ndarray
        Knots, the end knots repeated 4 times, interior knots distinct.

    Returns
    -------
    idx : ndarray of int, shape (n, 4)
        Columns (basis functions) of the non-zero values.
    w : ndarray, shape (n, 4)
        The values; each row sums to 1.
    """
    k = 3
    n = x.size
    i = np.clip(np.searchsorted(t, x, side="right") - 1, k, len(t) - k - 2)
    N = np.zeros((n, k + 1))
    N[:, 0] = 1.0
    left = np.zeros((n, k + 1))
    right = np.zeros((n, k + 1))
    for j in range(1, k + 1):
        left[:, j] = x - t[i + 1 - j]
        right[:, j] = t[i + j] - x
        saved = np.zeros(n)
        for r in range(j):
            temp = N[:, r] / (right[:, r + 1] + left[:, j - r])
            N[:, r] = saved + right[:, r + 1] * temp
            saved = left[:, j - r] * temp
        N[:, j] = saved
    return (i - k)[:, None] + np.arange(k + 1), N


def _solve(xtx: np.ndarray, xty: np.ndarray) -> np.ndarray:
    """Least squares from normal equations, with column scaling; rank deficiency tolerated."""
    scale = np.sqrt(np.maximum(np.diag(xtx), 1e-300))
    sol = np.linalg.lstsq(xtx / np.outer(scale, scale), xty / scale, rcond=1e-12)[0]
    return sol / scale


def jackknife_groups(n: int, replicates: int = 1) -> int:
    """Number of row groups G of the delete-one-group jackknife (row ``i`` is in group ``i % G``).

    The design's independent randomisations when it has several (``replicates > 1``,
    randomised QMC), else :data:`JACKKNIFE_GROUPS` (independent draws); at most ``n // 2``.
    More than :data:`MAX_JACKKNIFE_GROUPS` randomisations are pooled into the largest number
    of groups at most that which divides R (row ``i`` then in group ``i % G = (i % R) % G``:
    each group is still made of whole randomisations), to bound memory.
    """
    R = int(replicates) if replicates else 1
    g = R if R > 1 else JACKKNIFE_GROUPS
    if g > MAX_JACKKNIFE_GROUPS:
        g = next((d for d in range(MAX_JACKKNIFE_GROUPS, 1, -1) if R % d == 0), R)
    return max(2, min(g, n // 2))


@lru_cache(maxsize=8)
def layout(n: int, groups: int) -> "_Layout":
    return _Layout(n, groups)


class _Layout:
    """The rows sorted by (half, jackknife group).

    Row ``i`` of the design is in half ``i >= n // 2`` (the cross-fitting split) and in
    group ``i % G``.  After sorting, each (half, group) segment is contiguous, so the
    normal equations can be accumulated per segment and a group left out by subtraction.
    """

    def __init__(self, n: int, groups: int):
        G = self.G = groups
        i = np.arange(n)
        key = (i >= n // 2) * G + i % G
        self.order = np.argsort(key, kind="stable")
        self.seg = key[self.order]
        self.grp = self.seg % G
        counts = np.bincount(key, minlength=2 * G)
        self.bounds = np.concatenate([[0], np.cumsum(counts)])
        self.halves = [(0, int(self.bounds[G])), (int(self.bounds[G]), n)]
        self.count = counts[:G] + counts[G:]
        self.n = n
        # the rows the noise floor is averaged over: evenly spaced in each half, at most FLOOR_ROWS per half
        self.floor_rows = np.zeros(n, bool)
        for lo, hi in self.halves:
            self.floor_rows[lo:hi:max(1, -(-(hi - lo) // FLOOR_ROWS))] = True


class _Jackknife:
    """The EVPPI estimate and its G delete-one-group versions, accumulated from cross-fitted predictions;
    and the noise floor.

    Column ``k < G`` of a prediction block comes from the fits without group ``k``
    (used for the rows outside group ``k``), column ``G`` from the full fits; column ``k``
    of a block of linearised deviations from the deviation of the full fits due to group ``k``.
    """

    def __init__(self, y: np.ndarray, lay: _Layout, adopt: bool):
        G, n = lay.G, lay.n
        self.lay = lay
        self.mean = float(y.mean())
        ysum = np.bincount(lay.grp, weights=y, minlength=G)
        self.loo_mean = (ysum.sum() - ysum) / (n - lay.count)  # the mean INB without group k
        self.lin_mean = (ysum - lay.count * self.mean) / n  # group k's share of the mean's error
        self.adopt = np.append(self.loo_mean > 0, adopt).astype(float)  # the choice, made without group k
        self.total = np.zeros(G + 1)
        self.own = np.zeros(G)
        self.fitted = np.empty(n)
        rows = int(lay.floor_rows.sum())
        self.noise_var = np.empty(rows)  # per floor row: the variance of its fitted value's noise
        self.floor_fitted = np.empty(rows)
        self.floor_at = 0

    def add(self, P: np.ndarray, lo: int, hi: int, lin: np.ndarray) -> None:
        """Rows ``lo:hi``: P their predictions (G + 1 columns); ``lin`` the linearised deviations
        (G columns) of those among them that are floor rows (``_Layout.floor_rows``)."""
        G = self.lay.G
        L = np.maximum(P, 0.0) - P * self.adopt
        self.total += L.sum(axis=0)
        g = self.lay.grp[lo:hi]
        self.own += np.bincount(g, weights=L[np.arange(hi - lo), g], minlength=G)
        self.fitted[lo:hi] = P[:, G]
        # the noise floor: the variance of each fitted value about the mean INB (which sets the choice),
        # by the delete-one-group jackknife and by the linearised jackknife (see the module notes)
        sel = self.lay.floor_rows[lo:hi]
        if sel.any():
            D = P[sel, :G] - self.loo_mean
            jack = D.var(axis=1) * (G - 1)  # (G - 1) / G * sum_k (d_k - mean d)^2
            E = lin - self.lin_mean
            linear = np.sum(E * E, axis=1) * (G / (G - 1))
            at = self.floor_at
            self.floor_at += D.shape[0]
            self.noise_var[at:self.floor_at] = 0.5 * (jack + linear)
            self.floor_fitted[at:self.floor_at] = P[sel, G]

    def floor(self) -> float:
        """The noise floor: mean over the floor rows of the expected loss of their fitted value's noise."""
        if not self.floor_at:
            return 0.0
        return float(np.mean(_noise_loss(np.full(self.floor_at, self.mean), self.noise_var[:self.floor_at],
                                         self.lay.G - 1)))

    def bias(self) -> float:
        """The upward bias from the fit's noise: as :meth:`floor`, but around each row's fitted value."""
        if not self.floor_at:
            return 0.0
        return float(np.mean(_noise_loss(self.floor_fitted[:self.floor_at], self.noise_var[:self.floor_at],
                                         self.lay.G - 1)))

    def result(self) -> tuple[float, float]:
        """(estimate, jackknife standard error)."""
        lay = self.lay
        G = lay.G
        theta = float(self.total[G] / lay.n)
        loo = (self.total[:G] - self.own) / (lay.n - lay.count)
        se = math.sqrt((G - 1) / G * float(np.sum((loo - loo.mean()) ** 2)))
        return theta, se


def _loo_prepare(xtx: np.ndarray, cols: np.ndarray) -> list[tuple]:
    """What :func:`_loo_coefs` needs of the normal equations' ``X'X`` per (half, group) (``xtx``, shape
    (2, G, p, p)) on columns ``cols``, shared by every net benefit regressed on them: per half, the matrices per
    group, the pseudo-inverse of their sum and the solver of the G leave-one-group-out sums and the full one."""
    prepared = []
    for h in range(2):
        a = xtx[h][:, cols[:, None], cols]
        full_a = a.sum(axis=0)
        A = np.concatenate([full_a - a, full_a[None]])  # (G + 1, q, q): leave-one-group-out, then full
        # the full matrix, scaled to unit diagonal: its eigenvalues give its pseudo-inverse and condition
        d = np.diag(full_a)
        scale = np.sqrt(np.maximum(d, 1e-300))
        outer = np.outer(scale, scale)
        lam, vec = np.linalg.eigh(full_a / outer)
        keep = lam > 1e-12 * max(float(lam[-1]), 1e-300)
        prepared.append((a, (vec[:, keep] / lam[keep]) @ vec[:, keep].T / outer, _solve_prepare(A)))
    return prepared


def _loo_coefs(prepared: list[tuple], xty: np.ndarray, cols: np.ndarray, p: int) -> list[np.ndarray]:
    """Coefficients per half: the G leave-one-group-out fits, then the full fit.

    ``prepared``: :func:`_loo_prepare` on ``cols`` (fit on these only, zero coefficients elsewhere); ``xty``
    (2, G, p): the normal equations' ``X'y`` per (half, group); ``p``: columns of the whole basis.

    Returns
    -------
    coefs : list of 2 ndarray, shape (p, 2 G + 1)
        Columns 0 to G - 1: the fit without group k; G: the full fit; G + 1 + k: the
        linearised (infinitesimal) jackknife deviation of the full fit due to group k,
        ``(X'X)^+ X_k' e_k`` (``e_k`` group k's residuals of the full fit).
    """
    G = xty.shape[1]
    coefs = []
    for h in range(2):
        a, inverse, solver = prepared[h]
        b = xty[h][:, cols]
        full_b = b.sum(axis=0)
        B = np.concatenate([full_b - b, full_b[None]])
        coef = np.zeros((p, 2 * G + 1))
        coef[cols, :G + 1] = _solve_prepared(solver, B).T
        # linearised (infinitesimal) jackknife: group k's share of the full fit's error, (X'X)^+ X_k' e_k
        score = b - a @ coef[cols, G]
        coef[cols, G + 1:] = inverse @ score.T
        coefs.append(coef)
    return coefs


def _solve_prepare(A: np.ndarray) -> tuple:
    """How to solve a stack of normal equations ``A`` (for :func:`_solve_prepared`): one batched solve of the
    unit-diagonal matrices when no column is close to collinear with the others (Cholesky pivots above 1e-9:
    the common case), else least squares with rank deficiency tolerated (:func:`_solve`), one by one."""
    scale = np.sqrt(np.maximum(np.diagonal(A, axis1=1, axis2=2), 0.0))
    if np.all(scale > 0):
        As = A / (scale[:, :, None] * scale[:, None, :])
        try:
            pivots = np.diagonal(np.linalg.cholesky(As), axis1=1, axis2=2)
            if np.all(pivots ** 2 > 1e-9):
                return As, scale
        except np.linalg.LinAlgError:
            pass
    return None, A


def _solve_prepared(solver: tuple, B: np.ndarray) -> np.ndarray:
    As, scale = solver
    if As is not None:
        return np.linalg.solve(As, (B / scale)[..., None])[..., 0] / scale
    return np.stack([_solve(a, b) for a, b in zip(scale, B)])


class Fit:
    """One cross-fitted regression: its jackknife (with the noise floor) and number of columns."""

    def __init__(self, jack: _Jackknife, width: int):
        self.jack, self.width = jack, width


def fit_sparse(basis: Basis, Y: np.ndarray, lay: _Layout, adopts: Sequence[bool]) -> list[Fit]:
    """Cross-fit each row of ``Y`` (shape (m, n): m net benefits, rows in layout order) on one parameter's basis.

    The Gram matrices, their factors and the basis are shared by the m regressions; each one's
    own arithmetic is that of a regression alone, so its numbers do not depend on the others.
    """
    size, c = basis.size, basis.idx.shape[1]
    S = 2 * lay.G
    I, W = basis.idx, basis.w
    xtx = np.zeros(S * size * size)
    xty = np.zeros((len(Y), S * size))
    off = lay.seg * size
    for a in range(c):
        ra = off + I[:, a]
        for j, y in enumerate(Y):
            xty[j] += np.bincount(ra, weights=W[:, a] * y, minlength=S * size)
        for b in range(a, c):
            v = np.bincount(ra * size + I[:, b], weights=W[:, a] * W[:, b], minlength=S * size * size)
            xtx += v
            if b != a:
                xtx += v.reshape(S, size, size).transpose(0, 2, 1).ravel()
    cols = np.arange(size)
    prepared = _loo_prepare(xtx.reshape(2, lay.G, size, size), cols)
    coefs = [_loo_coefs(prepared, xty[j].reshape(2, lay.G, size), cols, size) for j in range(len(Y))]
    jacks = [_Jackknife(y, lay, adopt) for y, adopt in zip(Y, adopts)]
    G = lay.G
    for h, (lo, hi) in enumerate(lay.halves):
        for a0 in range(lo, hi, BLOCK):
            a1 = min(a0 + BLOCK, hi)
            X = basis.block(slice(a0, a1))  # narrow (at most MAX_LEVELS or knots + 4 columns): dense is fastest
            X_floor = X[lay.floor_rows[a0:a1]]
            for coef, jack in zip(coefs, jacks):
                C = coef[1 - h]  # each half predicted by the other half's fits
                jack.add(X @ C[:, :G + 1], a0, a1, X_floor @ C[:, G + 1:])
    return [Fit(jack, size) for jack in jacks]


def fit_dense(bases: Sequence[Basis], columns: Sequence[np.ndarray], Y: np.ndarray, lay: _Layout,
              adopts: Sequence[bool], pairwise: bool, order: int = 2) -> list[list[Fit]]:
    """Cross-fit each row of ``Y`` (shape (m, n), rows in layout order) on a group's basis.

    The base basis is additive (each member's B-spline) plus pairwise products of the
    standardised members; for ``order`` >= 3 grown bases add every product of 3, then of
    3 to ``order`` members (one basis per step: three-way products; all products up to
    ``order``).  Each basis is a prefix of the next, so one set of normal equations serves
    all; the basis, its Gram matrices and their factors serve the m net benefits, each
    regressed with the arithmetic of a regression alone.  Returns, per net benefit, the
    base fit, then the grown ones, if any.
    """
    k = len(columns)
    z = [(x - x.mean()) / (x.std() or 1.0) for x in columns]
    pairs = list(combinations(range(k), 2)) if pairwise else []
    threes = list(combinations(range(k), 3)) if order >= 3 else []
    higher = [c for r in range(4, min(order, k) + 1) for c in combinations(range(k), r)]
    base = 1 + sum(b.size - 1 for b in bases) + len(pairs)
    width = base + len(threes) + len(higher)

    def block(rows: slice) -> np.ndarray:
        m = rows.stop - rows.start
        out = np.empty((m, width))
        out[:, 0] = 1.0
        col = 1
        for b in bases:  # drop one column each: a basis sums to 1, like the intercept
            out[:, col:col + b.size - 1] = b.block(rows)[:, 1:]
            col += b.size - 1
        zr = [zi[rows] for zi in z] if pairs or threes else []
        for i, j in pairs:
            np.multiply(zr[i], zr[j], out=out[:, col])
            col += 1
        for i, j, q in threes:
            np.multiply(zr[i], zr[j], out=out[:, col])
            out[:, col] *= zr[q]
            col += 1
        for c in higher:
            np.multiply(zr[c[0]], zr[c[1]], out=out[:, col])
            for q in c[2:]:
                out[:, col] *= zr[q]
            col += 1
        return out

    G = lay.G
    # a design of at most BLOCK rows is built once, per half, for both passes (its rows are the same in any block)
    kept = [block(slice(lo, hi)) for lo, hi in lay.halves] if lay.n <= BLOCK else None

    def rows(a: int, b: int) -> np.ndarray:
        if kept is None:
            return block(slice(a, b))
        h = int(a >= lay.halves[1][0])
        return kept[h][a - lay.halves[h][0]:b - lay.halves[h][0]]

    xtx = np.zeros((2 * G, width, width))
    xty = np.zeros((len(Y), 2 * G, width))
    for s in range(2 * G):
        for a in range(int(lay.bounds[s]), int(lay.bounds[s + 1]), BLOCK):
            X = rows(a, min(a + BLOCK, int(lay.bounds[s + 1])))
            xtx[s] += X.T @ X
            for j, y in enumerate(Y):
                xty[j, s] += X.T @ y[a:a + X.shape[0]]
    xtx = xtx.reshape(2, G, width, width)
    widths = [base] + ([base + len(threes)] if threes else []) + ([width] if higher else [])
    prepared = [_loo_prepare(xtx, np.arange(w)) for w in widths]
    solved = [[_loo_coefs(prep, xty[j].reshape(2, G, width), np.arange(w), width) for prep, w in zip(prepared, widths)]
              for j in range(len(Y))]
    jacks = [[_Jackknife(y, lay, adopt) for _ in widths] for y, adopt in zip(Y, adopts)]
    for h, (lo, hi) in enumerate(lay.halves):
        for a in range(lo, hi, BLOCK):
            b = min(a + BLOCK, hi)
            X = rows(a, b)
            X_floor = X[lay.floor_rows[a:b]]
            for fits, own in zip(solved, jacks):
                C = np.concatenate([coefs[1 - h][:, :G + 1] for coefs in fits], axis=1)
                C_lin = np.concatenate([coefs[1 - h][:, G + 1:] for coefs in fits], axis=1)
                P = X @ C
                P_lin = X_floor @ C_lin
                for j, jack in enumerate(own):
                    jack.add(P[:, j * (G + 1):(j + 1) * (G + 1)], a, b, P_lin[:, j * G:(j + 1) * G])
    return [[Fit(jack, w) for jack, w in zip(own, widths)] for own in jacks]



def noise_floor(mean: float, sigma: float, leverage: float | np.ndarray, dof: int | None = None) -> float:
    """Expected EVPPI of an input that carries no information, under cross-fitting.

    The cross-fitted value at a point is ``m + e`` with ``m = mean`` (E[INB]) and noise
    ``e ~ N(0, s^2)``, ``s^2 = sigma^2 h``; the expected loss of the current choice (the
    sign of m) there is ``s phi(m / s) - |m| Phi(-|m| / s)``.  The floor is its average
    over the points.

    Parameters
    ----------
    mean : float
        E[INB].
    sigma : float
        Scale of the noise.
    leverage : float or ndarray
        ``h`` of each point (the floor is the average over them): with ``sigma = 1``, the
        noise variance of each point.
    dof : int, optional
        The variances ``sigma^2 h`` are estimates with ``dof`` degrees of freedom (each
        distributed as ``s^2 chi2_dof / dof``, like a delete-one-group jackknife variance
        over ``dof + 1`` groups).  Plugged into the formula above, their noise would bias the
        floor (upwards where the loss is convex in s, i.e. ``|m| >~ s``; downwards by about
        ``1 / (4 dof)`` at ``m = 0``).  Instead each point's term is the expected loss at
        ``m + sqrt(dof) s_hat U``, U the first coordinate of a point uniform on the unit
        sphere in ``dof`` dimensions (density proportional to ``(1 - u^2)^((dof - 3) / 2)``):
        ``sqrt(dof) s_hat U`` is then exactly ``N(0, s^2)``, so the floor is unbiased.
        In closed form, with ``a = sqrt(dof) s_hat`` and ``t = |m| / a < 1`` (else 0):
        ``a (E[U; U > t] - t P(U > t))``, ``E[U; U > t] = (1 - t^2)^((dof - 1) / 2) /
        ((dof - 1) B(1/2, (dof - 1) / 2))``, ``P(U > t) = I_{1 - t^2}((dof - 1) / 2, 1/2) / 2``
        (for ``dof = 1``, U = ±1: ``a (1 - t) / 2``).
    """
    h = np.atleast_1d(np.asarray(leverage, dtype=float))
    var = sigma * sigma * np.maximum(h, 0.0)
    return float(np.sum(_noise_loss(np.full(h.shape, abs(float(mean))), var, dof)) / h.size)


def _noise_loss(m: np.ndarray, var: np.ndarray, dof: int | None = None) -> np.ndarray:
    """Per point, the expected ``max(m + e, 0) - max(m, 0)`` for noise e of variance ``var``
    (:func:`noise_floor`; with ``dof``, ``var`` estimated with that many degrees of freedom)."""
    m = np.abs(np.asarray(m, dtype=float))
    var = np.maximum(np.asarray(var, dtype=float), 0.0)
    out = np.zeros(m.shape)
    if dof is None:
        s = np.sqrt(var)
        ok = s * 40.0 > m  # elsewhere the expected loss is below exp(-800): 0
        s, mo = s[ok], m[ok]
        f = s * np.exp(-0.5 * (mo / s) ** 2) / math.sqrt(2.0 * math.pi) - mo * special.ndtr(-mo / s)
        out[ok] = np.maximum(f, 0.0)
        return out
    nu = int(dof)
    if nu < 1:
        raise ValueError(f"dof must be at least 1, got {dof}")
    a = np.sqrt(nu * var)
    ok = a > m  # elsewhere m + a U never changes sign: no loss
    a = a[ok]
    t = m[ok] / a
    if nu == 1:
        f = a * (1.0 - t) / 2.0
    else:
        c = 1.0 - t * t
        upper = c ** ((nu - 1) / 2.0) / ((nu - 1) * special.beta(0.5, (nu - 1) / 2.0))
        f = a * (upper - t * special.betainc((nu - 1) / 2.0, 0.5, c) / 2.0)
    out[ok] = np.maximum(f, 0.0)
    return out

