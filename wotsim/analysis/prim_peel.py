"""PRIM's peeling (:mod:`wotsim.analysis.prim`): EMA's candidate peels and the loop that takes the best.

The rules (which candidates, how much each peels, the objective, ties, the stop) are those of
:mod:`wotsim.analysis.prim`'s module docstring; this module is how they are computed fast.

A peel needs, per column, the box's rows in that column's order near its two ends: EMA's
quantile positions sit ``alpha`` of the box in from either end, and the objective counts the
cases beyond them.  The box's rows are kept sorted by every column (:class:`_Sorted`) but
compressed only now and then: column j's rows are those within the box's own limits on column j,
some of which may have left the box by other limits, and all columns are compressed when the box
fills less than half of the longest (:data:`REFILL`).  The clean continuous peels of all columns
are read together from windows at both ends of their rows, as wide as the ``alpha`` of the box's
rows there needs (:func:`_window_peels`, :func:`_ends`; read again wider where other peels have
thinned an end, and all columns compressed at once if that took :data:`THIN` times the width, as
correlated columns do); any other peel (an integer column, ties at a quantile, an end still
too thin) from that column's rows in the box, picked out when needed (:func:`peel_cut`).  A
step reads O(alpha x box x d) positions and the compressions O(draws x d) in all, instead of
O(box x d) per step; the trajectory, limits and every float are those of compressing after every
peel (``tests/test_prim.py`` checks it against that, written plainly).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

__all__ = ["REFILL", "THIN", "lenient1", "peel", "peel_cut", "quantile", "rank_of"]

LOWER, UPPER = 0, 1

#: The rows sorted by every column are compressed to the box's when it holds fewer than this
#: share of them: the compressions cost O(draws x columns) in all, and a window's ends are at
#: least this dense in the box's rows on average.
REFILL = 0.5
#: ... and at once when a window's ends hold so few of them that it had to be read this many times wider.
THIN = 4


def rank_of(u: np.ndarray, side: int, value: float) -> int:
    """The dense rank limit of a cut at ``value`` in distinct values ``u``: first >= it, last <= it."""
    return int(np.searchsorted(u, value, ("left", "right")[side])) - side


class _Ranks:
    """The dense ranks of column j over rows sorted by it, read lazily: ``r[i]`` is ``rank[rows[i]]``.
    A peel needs a few of them and two binary searches, not all m."""

    __slots__ = ("rank", "rows", "size")

    def __init__(self, rank: np.ndarray, rows: np.ndarray):
        self.rank, self.rows, self.size = rank, rows, rows.size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> int:
        return int(self.rank[self.rows[i]])


def _search(r, value: int, side: str) -> int:
    """``np.searchsorted(r, value, side)`` for an array or the lazy :class:`_Ranks` (by bisection)."""
    if isinstance(r, np.ndarray):
        return int(np.searchsorted(r, value, side))
    return (bisect.bisect_left if side == "left" else bisect.bisect_right)(r, value, 0, r.size)


def quantile(r, q: float) -> tuple[int, int]:
    """Positions (a, b) in sorted ``r`` of EMA's ``get_quantile(data, q)`` after its walk over
    ties: its value is the midpoint of the values at a and b (one value if ``r[a] == r[b]``)."""
    m = r.size
    a, b = math.floor((m - 1) * q), math.ceil((m - 1) * q)
    if r[a] == r[b]:
        if q > 0.5:
            a = max(_search(r, r[b], "left") - 1, 0)
        else:
            b = min(_search(r, r[a], "right"), m - 1)
    return a, b


def lenient1(k_old: int, m_old: int, k_new: int, m_new: int) -> float:
    """EMA's LENIENT1: the gain in density per draw removed (peeling) or added (pasting)."""
    if m_new == m_old:
        return 0.0
    return ((k_new / m_new if m_new else 0.0) - k_old / m_old) / abs(m_old - m_new)


def _positions(m: int, side: int, alpha: float) -> tuple[int, int]:
    """EMA's quantile positions (a, b) of a clean peel of ``m`` distinct values (its walk over ties
    in closed form): the value is the midpoint of the draws at a and b."""
    q = alpha if side == LOWER else 1 - alpha
    a, b = math.floor((m - 1) * q), math.ceil((m - 1) * q)
    if a == b:
        a, b = (max(a - 1, 0), b) if side == UPPER else (a, min(b + 1, m - 1))
    return a, b


def peel_cut(data, box, j: int, side: int, sj: np.ndarray, alpha: float):
    """EMA's candidate peel (j, side) of the box rows ``sj`` (sorted by column j): the rows
    peeled off that end of ``sj`` and EMA's new limit in units."""
    m, q, u = sj.size, (alpha if side == LOWER else 1 - alpha), data.uniq[j]
    if data.distinct[j] and not data.integer[j]:          # no ties: get_quantile in closed form
        a, b = _positions(m, side, alpha)
        va, vb = u[data.rank[j, sj[a]]], u[data.rank[j, sj[b]]]
        value = (va + vb) / 2                             # may round onto va or vb: EMA's rows then
        if side == UPPER:
            return m - (a + 1 if value < vb else b + 1), value
        return (b if value > va else a), value
    r = _Ranks(data.rank[j], sj)
    a, b = quantile(r, q)
    if not data.integer[j]:                               # _real_peel with ties
        value = (u[r[a]] + u[r[b]]) / 2
        if side == UPPER:
            return m - _search(r, rank_of(u, UPPER, value), "right"), value
        return _search(r, rank_of(u, LOWER, value), "left"), value
    t, limit = int((u[r[a]] + u[r[b]]) / 2), box.rk[j, side]  # _discrete_peel: int() of the midpoint
    if side == UPPER:
        kept = _search(r, limit if t == u[limit] else rank_of(u, UPPER, t) + 1, "left")
        return m - kept, float(u[r[kept - 1] if kept else r[m - 1]])
    cut = _search(r, limit + 1 if t == u[limit] else rank_of(u, LOWER, t), "left")
    return cut, float(u[r[cut] if cut < m else r[0]])


class _Sorted:
    """The box's rows sorted by every column, compressed now and then.  Column j's rows are
    ``buf[lo[j]:hi[j]]`` (positions in one buffer): every row of the box whose rank lies within the
    box's limits on column j, in column j's order, and maybe rows that have left the box by other
    columns' limits.  All columns are compressed to the box's rows when it fills less than
    :data:`REFILL` of the longest; a column picked out for :func:`peel_cut` keeps its rows picked."""

    def __init__(self, data, box):
        self.data, self.box = data, box
        d, n = data.order.shape
        self.buf, self.own = data.order.ravel(), False    # data.order's, read only, until compressed
        self.lo = np.arange(d) * n + [st[r] for st, r in zip(data.start, box.rk[:, LOWER])]
        self.hi = np.arange(d) * n + [st[r + 1] for st, r in zip(data.start, box.rk[:, UPPER])]
        c = data.fast.size                                # for :func:`_window_peels`: its rows, the top ends of
        self.ends = np.concatenate((data.fast, data.fast))   # the continuous columns then their bottom ends
        self.top = np.arange(2 * c) < c
        self.keys = [(j, UPPER) for j in data.fast.tolist()] + [(j, LOWER) for j in data.fast.tolist()]
        self.thin = False                                 # the ends of a window held few of the box's rows
        self.refill()

    def refill(self, now: bool = False) -> None:
        """Compress every column to the box's rows if they fill less than :data:`REFILL` of the
        longest (or ``now``); forget the columns picked out."""
        self.picked, m = {}, self.box.m
        if now or m < REFILL * int((self.hi - self.lo).max()):
            rows = np.concatenate([self.buf[a:b] for a, b in zip(self.lo.tolist(), self.hi.tolist())])
            self.buf, self.own = np.compress(np.take(self.box.inside, rows), rows), True
            self.lo = np.arange(self.lo.size) * m
            self.hi = self.lo + m

    def moved(self, j: int) -> None:
        """Narrow column j's rows to the box's new limits on it."""
        r = _Ranks(self.data.rank[j], self.buf)
        lo, hi = int(self.lo[j]), int(self.hi[j])
        self.lo[j] = bisect.bisect_left(r, self.box.rk[j, LOWER], lo, hi)
        self.hi[j] = bisect.bisect_right(r, self.box.rk[j, UPPER], int(self.lo[j]), hi)

    def column(self, j: int) -> np.ndarray:
        """The box's rows sorted by column j (kept as column j's rows once the buffer is ours)."""
        if j not in self.picked:
            lo, hi = int(self.lo[j]), int(self.hi[j])
            w = self.buf[lo:hi]
            self.picked[j] = sj = np.compress(np.take(self.box.inside, w), w)
            if self.own and sj.size < w.size:
                self.buf[lo:lo + sj.size] = sj
                self.hi[j] = lo + sj.size
        return self.picked[j]


def _ends(buf: np.ndarray, code: np.ndarray, start: np.ndarray, width: int, top: np.ndarray, ends: np.ndarray):
    """In windows ``buf[start[i]:start[i] + width]`` of the box's rows and others, counted from the
    right end where ``top[i]``, else from the left: whether the window holds ``ends[i, :2].max() + 1``
    of the box's rows, the rows at end positions ``ends[i, 0]`` and ``ends[i, 1]`` (0 the end's
    first), and the cases among the ``ends[i, 2]`` rows of the box nearest the end.  ``code`` is per
    row 2**32 in the box, 2**32 + 1 for a case in it, else 0."""
    windows = np.ndarray((buf.size - width + 1, width), buf.dtype, buf, strides=buf.strides * 2)  # a view
    w = windows[start]
    first = np.arange(start.size) * width
    acc = np.zeros(w.size + 1, dtype=np.int64)            # per position of the windows laid end to end, 2**32 x
    np.cumsum(np.take(code, w), out=acc[1:])              # the box's rows before it + the cases among them (while
    seen = acc[first] >> 32                               # the windows hold < 2**31 positions, as int32 orders do)
    held = (acc[first + width] >> 32) - seen              # the box's rows in each window
    enough = held >= ends[:, :2].max(axis=1) + 1
    # the box's rows at the two ends, and the first not peeled from the left end (counted from the left)
    q = np.where(top[:, None], held[:, None] - (ends + [1, 1, 0]), ends)
    q[~enough] = 0
    at = np.searchsorted(acc, (seen[:, None] + q + 1) << 32) - 1   # their positions (in a window if enough)
    at = np.minimum(at, (first + width - 1)[:, None])
    cases = acc[np.column_stack((first, at[:, 2], first + width))] & 0xFFFFFFFF   # before those positions
    peeled = np.where(top, cases[:, 2] - cases[:, 1], cases[:, 1] - cases[:, 0])
    rows = w.ravel()[at[:, :2]]
    return enough, held, rows, peeled


def _window_peels(data, box, srt: _Sorted, code: np.ndarray, alpha: float) -> dict[tuple[int, int], tuple]:
    """:func:`peel_cut` and the objective of every (continuous column, side) at once where the peel
    is clean: the draws at EMA's two quantile positions (which depend on the box's size alone)
    differ, and their midpoint lies strictly between them, so that no tie moves the cut (EMA's
    walk over ties, or a midpoint that rounds onto a tied value).  Read from windows of positions
    at that end of each column's rows (:class:`_Sorted`, :func:`_ends`), wider once for those that
    hold too few of the box's rows; a column whose window still does, or whose peel is not clean, is
    left out, for :func:`peel_cut`.
    (j, side) -> (objective, value, draws left), in the float operations of :func:`lenient1`."""
    m, k, cols, top = box.m, box.k, data.fast, srt.top
    c = cols.size
    if c == 0:
        return {}
    (a_up, b_up), (a_lo, b_lo) = _positions(m, UPPER, alpha), _positions(m, LOWER, alpha)
    cut_up, cut_lo = m - (a_up + 1), b_lo                 # the box's rows peeled (1 to m - 1 of them)
    # per end: the end positions of a and b, and the rows peeled
    ends = np.where(top[:, None], np.array([m - 1 - a_up, m - 1 - b_up, cut_up]), np.array([a_lo, b_lo, cut_lo]))
    lo, hi = srt.lo[srt.ends], srt.hi[srt.ends]
    size = hi - lo                                        # each holds the m rows of the box
    need = int(ends[:, :2].max()) + 1
    width = min(need * int(size.max()) // m + need // 8 + 64, int(size.min()))
    enough, held, rows, peeled = _ends(srt.buf, code, np.where(top, hi - width, lo), width, top, ends)
    short = np.flatnonzero(~enough)
    srt.thin = False
    if short.size:                                        # thinned ends: once more, as wide as the thinnest needs
        wider = min(int(width * need / max(int(held[short].min()), 1) * 1.25) + 64, int(size[short].min()))
        srt.thin = wider > THIN * width
        if wider > width:
            again = _ends(srt.buf, code, np.where(top[short], hi[short] - wider, lo[short]), wider, top[short],
                          ends[short])
            enough[short], held[short], rows[short], peeled[short] = again
    v = data.values[srt.ends[:, None], rows]
    va, vb = v[:, 0], v[:, 1]
    value = (va + vb) / 2
    clean = enough & (va < value) & (value < vb)          # distinct draws, a midpoint strictly between
    m_new = m - ends[:, 2]
    obj = ((k - peeled) / m_new - k / m) / (m - m_new)    # lenient1's, for 0 < m_new < m
    return {key: (o, val, mn) for key, ok, o, val, mn in zip(
        srt.keys, clean.tolist(), obj.tolist(), value.tolist(), m_new.tolist()) if ok}


def peel(data, box, alpha: float, mass_min: float):
    """Peel ``box`` in place until EMA's stop rule; yield (j, side) after each peel."""
    n, y = data.y.size, data.y
    srt, case = _Sorted(data, box), y.astype(np.int64) + (1 << 32)   # a row: 2**32, a case: 2**32 + 1
    code = case * box.inside                              # ... in the box, else 0
    while box.m >= 2:
        best = None
        fast = _window_peels(data, box, srt, code, alpha)
        for j in data.col_order:
            for side in (UPPER, LOWER):
                if (j, side) in fast:
                    obj, value, m_new = fast[j, side]
                else:
                    sj = srt.column(j)
                    cut, value = peel_cut(data, box, j, side, sj, alpha)
                    peeled = sj[:cut] if side == LOWER else sj[sj.size - cut:]
                    m_new, k_new = box.m - cut, box.k - int(np.count_nonzero(y[peeled]))
                    obj = lenient1(box.k, box.m, k_new, m_new)
                if best is not None and obj < best[0][0]:
                    continue                              # the tie-break (unrestricted parameters) only on a tie
                score = (obj, box.n_free(j, side, rank_of(data.uniq[j], side, value)))
                if best is None or score > best[0]:
                    best = (score, j, side, value, m_new)
        (obj, _), j, side, value, m_new = best
        if not (m_new / n >= mass_min and m_new < box.m and obj > 0):
            return
        rows = box.move(j, side, value)
        code[rows] = case[rows] * box.inside[rows]
        srt.moved(j)
        srt.refill(now=srt.thin)                          # thinned ends (correlated columns): compress early
        yield j, side
