"""PRIM (wotsim.analysis.prim) against truth: a known box, a hand-checked trajectory, the EMA
Workbench's own trajectory, direct recounts on the raw data, rank-space invariances and an
independent binomial test for the quasi-p values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from wotsim.analysis.prim import evaluate_box, prim
from wotsim.errors import WotsimError

NAMES6 = [f"x{j + 1}" for j in range(6)]


def known_box(seed=20200825, n=20_000):
    """Six uniform inputs; the condition holds exactly when x1 < 0.3 and x2 > 0.7 (issue 11)."""
    x = np.random.default_rng(seed).random((n, 6))
    return x, (x[:, 0] < 0.3) & (x[:, 1] > 0.7)


def mixed(seed, n):
    """Continuous, integer (1..8) and tied continuous (one decimal) inputs; a noisy box."""
    rng = np.random.default_rng(seed)
    cols, ints = [], []
    for j in range(6):
        kind = j % 3
        cols.append(rng.random(n) if kind == 0 else rng.integers(1, 9, n).astype(float) if kind == 1
                    else np.round(rng.random(n), 1))
        ints.append(kind == 1)
    x = np.column_stack(cols)
    p = 0.1 + 0.7 * ((x[:, 0] < 0.5) & (x[:, 1] >= 4) & (x[:, 2] > 0.3))
    return x, rng.random(n) < p, ints


def test_recovers_a_known_box():
    x, y = known_box()
    result = prim(x, y, names=NAMES6)
    box = result.box
    assert box.restricted == ("x1", "x2")                 # no inert input
    x1, x2 = box.restrictions
    assert not x1.lower_restricted and abs(x1.upper - 0.3) < 0.02
    assert abs(x2.lower - 0.7) < 0.02 and not x2.upper_restricted
    assert box.coverage > 0.95 and box.density > 0.95
    assert result.chosen_by == "f1"
    # the chosen step is the best F1 of coverage and lift on the trajectory, and the end of it is the pure box
    d0 = result.trajectory[0].density
    lift = [(b.density - d0) / (1 - d0) for b in result.trajectory]
    f1 = [2 * b.coverage * g / (b.coverage + g) if g > 0 else 0.0 for b, g in zip(result.trajectory, lift)]
    assert result.chosen == int(np.argmax(f1)) and result.chosen > 0
    assert result.trajectory[-1].density == 1.0
    by_rule = prim(x, y, names=NAMES6, min_coverage=0.5)
    assert by_rule.chosen == len(by_rule.trajectory) - 1 and by_rule.box.density == 1.0


def test_a_hand_checked_trajectory():
    """20 draws; the condition is x1 < 5.  x2 gives its extreme values to the cases, so peeling
    x2 always loses a case, and peeling x1 from the bottom too: every step must peel the top
    draw of x1 (EMA's upper peel of m draws removes m - ceil((m-1) 0.95) = 1 here), until the
    box x1 <= 4 holds the 5 cases alone."""
    x1 = np.arange(20.0)
    x2 = np.array([0, 19, 1, 18, 2] + list(range(3, 18)), dtype=float)
    x, y = np.column_stack([x1, x2]), x1 < 5
    result = prim(x, y, names=["x1", "x2"])
    steps = result.trajectory
    assert len(steps) == 16
    assert [(b.parameter, b.side) for b in steps[1:]] == [("x1", "upper")] * 15
    assert [b.n for b in steps] == list(range(20, 4, -1))
    assert all(b.cases == 5 and b.coverage == 1.0 for b in steps)
    assert steps[1].upper.tolist() == [18.5, 19.0] and steps[1].upper_percentile[0] == 19 / 20   # EMA's midpoint
    assert steps[-1].upper[0] == 4.5 and steps[-1].density == 1.0
    assert result.chosen == 15 and result.pastes == () and result.box.restricted == ("x1",)


def wide_integers(seed, n):
    """Integers over 0..40 and -20..20 (where EMA's int() of a midpoint matters), ties, 1..8."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n), rng.integers(0, 41, n), rng.integers(-20, 21, n),
                         np.round(rng.random(n), 2), rng.integers(1, 9, n), rng.random(n)]).astype(float)
    p = 0.15 + 0.7 * ((x[:, 1] >= 12) & (x[:, 2] < 5) & (x[:, 0] < 0.6))
    return x, rng.random(n) < p, [False, True, True, False, True, False]


#: EMA Workbench 2.5.3's ``Prim(x, y, threshold=0.01).find_box()`` on these draws (pandas 2.3,
#: its integer paste truncation patched to the 3.0 code): n and cases per row of its peeling and
#: pasting trajectory, restricted dimensions per row, and the final box's limits.
EMA = {
    (mixed, 7): dict(
        n=[300, 285, 248, 235, 204, 193, 183, 173, 149, 128, 121, 114, 108, 102, 96, 87, 70, 66, 62, 58, 49,
           46, 43, 30, 26, 24, 18, 22],
        k=[72, 72, 70, 70, 68, 67, 66, 66, 62, 59, 58, 57, 56, 55, 54, 52, 51, 49, 49, 47, 41, 39, 37, 26, 23,
           22, 17, 21],
        res_dim=[0, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5],
        box={"x1": (0.0037342420520759534, 0.4735657238666728), "x2": (4.0, 7.0), "x3": (0.35, 1.0),
             "x4": (0.004284015608615133, 0.9972275480671979), "x5": (5.0, 8.0), "x6": (0.05, 1.0)}),
    (wide_integers, 6): dict(
        n=[300, 280, 266, 252, 239, 227, 215, 199, 188, 174, 163, 154, 146, 138, 131, 122, 115, 92, 87, 75, 71,
           67, 63, 59, 56, 52, 49, 46, 43, 41, 38, 36, 34, 30, 31, 32, 33, 34],
        k=[90, 89, 88, 86, 86, 85, 83, 80, 77, 75, 75, 73, 72, 70, 68, 65, 63, 54, 52, 45, 43, 41, 39, 39, 39,
           38, 38, 37, 37, 36, 34, 33, 32, 29, 30, 31, 32, 33],
        res_dim=[0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6,
                 6, 6, 6, 6, 6, 6],
        box={"x1": (0.04042102382930235, 0.5285666383561693), "x2": (14.0, 39.0), "x3": (-18.0, 3.0),
             "x4": (0.07500000000000001, 1.0), "x5": (1.0, 6.0), "x6": (0.06365053371719548, 0.953184678145223)}),
    (wide_integers, 2): dict(
        n=[300, 285, 270, 259, 250, 237, 225, 211, 200, 189, 177, 164, 150, 142, 135, 129, 126, 119, 113, 108,
           106, 100, 95, 90, 85, 80, 75, 71, 67, 62, 58, 49, 43, 44],
        k=[104, 102, 100, 98, 97, 94, 93, 90, 87, 84, 84, 82, 81, 81, 79, 78, 78, 76, 74, 73, 73, 70, 69, 69, 68,
           65, 62, 60, 59, 56, 53, 46, 41, 42],
        res_dim=[0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5,
                 5, 5],
        box={"x1": (0.054604352752116614, 0.6129566249961633), "x2": (15.0, 40.0), "x3": (-20.0, 1.0),
             "x4": (0.10500000000000001, 0.915), "x5": (1.0, 6.0), "x6": (0.0023061993011781468, 0.9995513006977704)}),
}


@pytest.mark.parametrize("case", list(EMA), ids=["ties", "wide_integers_6", "wide_integers_2"])
def test_agrees_with_the_ema_workbench(case):
    make, seed = case
    x, y, ints = make(seed, 300)
    ema = EMA[case]
    result = prim(x, y, names=NAMES6, integer=ints, step=-1)   # EMA pastes its last peeled box
    peeled = len(result.trajectory)
    assert [b.n for b in result.trajectory] == ema["n"][:peeled] and result.box.n == ema["n"][-1]
    assert [b.cases for b in result.trajectory] == ema["k"][:peeled] and result.box.cases == ema["k"][-1]
    assert [b.n_restricted for b in result.trajectory] == ema["res_dim"][:peeled]
    assert len(result.pastes) == len(ema["n"]) - peeled > 0
    assert {name: (lo, hi) for name, lo, hi in zip(NAMES6, result.box.lower, result.box.upper)} == ema["box"]


def recount(x, y, lower, upper, free=None, side=None):
    """Draws and cases inside the limits on the raw data, with one parameter (or side) free."""
    inside = (x >= lower) & (x <= upper)
    if free is not None:
        inside[:, free] = (x[:, free] <= upper[free]) if side == 0 else (x[:, free] >= lower[free]) \
            if side == 1 else True
    mask = inside.all(axis=1)
    return int(mask.sum()), int(y[mask].sum())


@pytest.mark.parametrize("data", ["mixed", "known"])
def test_counts_equal_a_recount_on_the_raw_data(data):
    x, y, ints = mixed(3, 2000) if data == "mixed" else (*known_box(n=4000), None)
    result = prim(x, y, names=NAMES6, integer=ints, step=-1)
    n, total = y.size, int(y.sum())
    for box in result.trajectory + (result.box,):
        k = recount(x, y, box.lower, box.upper)
        assert k == (box.n, box.cases)
        assert (box.coverage, box.density, box.mass) == (box.cases / total, box.cases / box.n, box.n / n)
        assert np.array_equal(box.lower_percentile, (x < box.lower).mean(axis=0))
        assert np.array_equal(box.upper_percentile, (x <= box.upper).mean(axis=0))
        for r in box.restrictions:
            j = NAMES6.index(r.parameter)
            m, c = recount(x, y, box.lower, box.upper, free=j)
            assert (r.density_if_lifted, r.coverage_if_lifted) == (c / m, c / total)
            assert r.density_drop == box.density - c / m and r.coverage_gain == c / total - box.coverage
            for side, qp, on in ((0, r.quasi_p_lower, r.lower_restricted), (1, r.quasi_p_upper, r.upper_restricted)):
                if not on:
                    assert np.isnan(qp)
                    continue
                m, c = recount(x, y, box.lower, box.upper, free=j, side=side)
                truth = stats.binomtest(box.cases, box.n, c / m, alternative="greater").pvalue
                assert qp == pytest.approx(truth, rel=1e-12, abs=1e-300)
    assert len(result.pastes) > 0 or data == "known"     # the mixed case exercises pasting


def nan_none(v):
    return None if np.isnan(v) else v


def peeling(result):
    """The peeling trajectory: the moves and the counts (what depends only on ranks in the box)."""
    return [(b.parameter, b.side, b.n, b.cases, b.coverage, b.density, b.mass, b.n_restricted)
            for b in result.trajectory]


def everything(result):
    """Every number of a result but the limits in units."""
    def box(b):
        return (b.step, b.parameter, b.side, b.n, b.cases, b.coverage, b.density, b.mass,
                b.lower_percentile.tolist(), b.upper_percentile.tolist(),
                [(r.parameter, r.lower_percentile, r.upper_percentile, nan_none(r.quasi_p_lower),
                  nan_none(r.quasi_p_upper), r.density_if_lifted, r.coverage_if_lifted) for r in b.restrictions])
    return [box(b) for b in result.trajectory], result.chosen, result.pastes, box(result.box)


def test_invariant_under_increasing_transforms_and_row_order():
    """Peeling sees only the ranks of the draws in the box: any strictly increasing transform of a
    continuous parameter (and a whole shift of an integer one, which keeps EMA's int()) leaves the
    peeling trajectory as it was.  Row order changes nothing at all."""
    x, y, ints = mixed(8, 3000)
    base = prim(x, y, names=NAMES6, integer=ints, step=-1)
    assert len(base.trajectory) > 20 and base.pastes     # a real test: many peels, some pasting
    t = x.copy()
    t[:, 0] = np.exp(4 * x[:, 0])                         # continuous
    t[:, 3] = -1 / (x[:, 3] + 0.1)                        # continuous, negative
    t[:, 2] = 10 ** x[:, 2]                               # tied continuous
    t[:, 1] = x[:, 1] + 7                                 # integer
    assert peeling(prim(t, y, names=NAMES6, integer=ints, step=-1)) == peeling(base)
    rows = np.random.default_rng(5).permutation(y.size)
    permuted = prim(x[rows], y[rows], names=NAMES6, integer=ints, step=-1)
    assert everything(permuted) == everything(base)
    assert all(np.array_equal(a.lower, b.lower) and np.array_equal(a.upper, b.upper)
               for a, b in zip(permuted.trajectory + (permuted.box,), base.trajectory + (base.box,)))


def test_quasi_p_of_a_real_and_an_inert_restriction():
    """In the known box, lifting x1 or x2 lets in thousands of non-cases: the box's density of 1
    against ~0.3 is overwhelming evidence.  A restriction x3 <= 0.5 on top is inert: lifting it
    keeps the density at exactly 1, so the binomial test finds no evidence (p = 1)."""
    x, y = known_box()
    box = evaluate_box(x, y, names=NAMES6, limits={"x1": (-np.inf, 0.3), "x2": (0.7, np.inf), "x3": (-np.inf, 0.5)})
    x1, x2, x3 = box.restrictions
    assert box.density == 1.0 and (x1.parameter, x2.parameter, x3.parameter) == ("x1", "x2", "x3")
    assert x1.quasi_p_upper < 1e-300 and x2.quasi_p_lower < 1e-300
    assert np.isnan(x1.quasi_p_lower) and np.isnan(x2.quasi_p_upper)
    assert x3.quasi_p_upper == 1.0 and x3.density_drop == 0.0 and x3.coverage_gain > 0.4
    assert x1.density_drop > 0.6 and x2.density_drop > 0.6


def test_bad_input_is_one_clear_error():
    x, y = known_box(n=200)
    with pytest.raises(WotsimError, match="holds in 0 of 200 draws"):
        prim(x, np.zeros(200, dtype=bool), names=NAMES6)
    with pytest.raises(WotsimError, match="'x2' is flagged integer but has non-whole draws"):
        prim(x, y, names=NAMES6, integer=[False, True] + [False] * 4)
    with pytest.raises(WotsimError, match="step must be a step of the peeling trajectory, 0 to"):
        prim(x, y, names=NAMES6, step=999)
    with pytest.raises(WotsimError, match="peel_alpha must be above 0 and below 0.5, got 0.7"):
        prim(x, y, names=NAMES6, peel_alpha=0.7)
    with pytest.raises(WotsimError, match="unknown parameters \\['x9'\\]"):
        evaluate_box(x, y, names=NAMES6, limits={"x9": (0, 1)})


def test_shared_column_sort_gives_the_same_boxes():
    """A subset's sort taken from the whole sort (no new argsort; tied draws keep the parent's order) has the
    ranks, distinct values and group starts of a new sort, and PRIM on it gives the same trajectory and box,
    bit for bit, with ties and integers in the draws."""
    from wotsim.analysis.prim_sort import sort_columns

    x, y, integer = mixed(5, 3000)
    names = [f"x{j}" for j in range(x.shape[1])]
    whole = sort_columns(x)
    rows = np.sort(np.random.default_rng(2).choice(x.shape[0], 1500, replace=False))
    part, fresh = whole.take(rows), sort_columns(x[rows])
    assert np.array_equal(part.values, fresh.values) and np.array_equal(part.rank, fresh.rank)
    assert all(np.array_equal(a, b) for a, b in zip(part.uniq + part.start, fresh.uniq + fresh.start))
    assert not np.array_equal(part.order, fresh.order)   # tied draws in another order: the case to cover
    for sub, sort in ((rows, part), (np.arange(x.shape[0]), whole)):
        a = prim(x[sub], y[sub], names=names, integer=integer)
        b = prim(sort.values.T, y[sub], names=names, integer=integer, sort=sort)
        assert repr(a) == repr(b) and len(a.trajectory) > 5
    with pytest.raises(WotsimError, match="column sort is of"):
        prim(x[rows], y[rows], names=names, integer=integer, sort=whole)


def peel_by_the_book(data, box, alpha, mass_min):
    """The peeling written plainly, as the reference for the fast one (wotsim.analysis.prim_peel.peel): the box's
    rows sorted by every column, compressed after every peel, and every candidate from its column's rows by
    ``peel_cut``, which follows EMA's code line by line."""
    from wotsim.analysis.prim_peel import lenient1, peel_cut, rank_of

    n, y, s = data.y.size, data.y, data.order.copy()
    while box.m >= 2:
        best = None
        for j in data.col_order:
            for side in (1, 0):                           # upper, then lower
                cut, value = peel_cut(data, box, j, side, s[j], alpha)
                rows = s[j, :cut] if side == 0 else s[j, s.shape[1] - cut:]
                m_new = box.m - cut
                obj = lenient1(box.k, box.m, box.k - int(np.count_nonzero(y[rows])), m_new)
                score = (obj, box.n_free(j, side, rank_of(data.uniq[j], side, value)))
                if best is None or score > best[0]:
                    best = (score, j, side, value, m_new)
        (obj, _), j, side, value, m_new = best
        if not (m_new / n >= mass_min and m_new < box.m and obj > 0):
            return
        box.move(j, side, value)
        s = s[box.inside[s]].reshape(s.shape[0], -1)
        yield j, side


def correlated(seed, n):
    """Five inputs sharing one factor (a box's rows thin out unevenly along each), one of them tied."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1)) + 0.3 * rng.normal(size=(n, 5))
    x[:, 4] = np.round(x[:, 4], 1)
    return x, (x[:, 0] + x[:, 1] > 1.5) ^ (rng.random(n) < 0.05)


@pytest.mark.parametrize("n", [50, 5000])
def test_fast_peeling_is_the_peeling_by_the_book(n, monkeypatch):
    """The fast peeling (rows compressed now and then, clean peels read from the ends of each column's rows,
    wider where other peels thinned them) gives what compressing after every peel and taking every candidate
    from EMA's rules gives: the same trajectory, limits, counts and floats, for continuous, tied, integer and
    correlated inputs (whose ends thin out), and a small box that ends at mass_min."""
    import wotsim.analysis.prim as module

    x, y = correlated(9, n)
    small = x[:, 0] + x[:, 2] > 2 + 2 * np.random.default_rng(1).normal(size=n)   # at 5000 draws: stops at mass_min
    cases = [(*known_box(3, n), None, {}), (*mixed(3, n), {}), (*wide_integers(4, n), {}),
             (x, y, None, {}), (x, small, None, dict(peel_alpha=0.1))]
    for x, y, integer, settings in cases:
        names = [f"x{j}" for j in range(x.shape[1])]
        fast = prim(x, y, names=names, integer=integer, **settings)
        with monkeypatch.context() as patch:
            patch.setattr(module, "peel", peel_by_the_book)
            book = prim(x, y, names=names, integer=integer, **settings)
        with np.printoptions(floatmode="unique"):         # every float of the arrays, to the last bit
            assert repr(fast) == repr(book) and len(fast.trajectory) > 5
