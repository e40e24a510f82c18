"""Value of information: EVPI and EVPPI for a two-option decision, in euros per cohort.

A decision compares an alternative with a reference through the alternative's
incremental net benefit ``INB`` (euros, present value per cohort, one value per
Monte Carlo draw):

* keep the WOTs or stop: ``INB = NPV`` (stopping is worth 0);
* adopt a scenario instead of the base analysis: ``INB = NPV_scenario - NPV_base``,
  on common random numbers (:func:`wotsim.scenarios.compare`).

On current information the decision maker picks the alternative if ``E[INB] > 0``.
The opportunity loss of that choice in a draw is ``L(x) = max(x, 0) - x 1[E[INB] > 0]``
(always >= 0), and

* EVPI  = E[L(INB)]  = E[max(INB, 0)] - max(E[INB], 0);
* EVPPI(phi) = E[L(g(phi))],  g(phi) = E[INB | phi],

where phi is one parameter or a group of parameters.  EVPPI <= EVPI by Jensen's
inequality, since L is convex.

Estimator (regression method of Strong, Oakley & Brennan 2014, Med Decis Making
34:311-326): ``g`` is estimated by least squares on a basis of phi, from the
Monte Carlo sample itself (no nested simulation):

* one parameter: a cubic B-spline in the parameter's value with knots at
  equally spaced quantiles (8 interior knots by default; any cubic polynomial of
  the parameter is fitted exactly), or
  one indicator per value when it takes at most ``MAX_LEVELS`` distinct values
  (e.g. a horizon in whole years: then the fit is the exact conditional mean);
* a group: an additive model of those per-parameter bases (4 interior knots
  each) plus every pairwise product of the standardised parameters, which
  captures the products of reach, effect and unit value an MKBA is made of.
  Interactions of three or more group members, and non-linear interactions,
  are not captured: for large groups the estimate is biased downwards
  (``r2`` tells how much of INB's variance the fit explains).

Overfitting would bias EVPPI upwards; the fit is therefore *cross-fitted*: the
sample is split in two halves, each half's fitted values come from the model
fitted on the other half.  What remains is the noise of the fitted coefficients
in the predictions, of variance ``sigma^2 h`` at a point of leverage ``h``
(residual variance sigma^2; the mean leverage is ``p / n_train`` with p basis
columns, n_train = n / 2).  An input with no information at all would still show
``E[L(m + e)]`` with ``m = |E[INB]|``; this is largest at ``m = 0``, where it is
``E[max(-e, 0)] = sigma sqrt(h) / sqrt(2 pi)``, and averaging over points gives at
most ``floor = sigma sqrt(p / n_train) / sqrt(2 pi)`` (Jensen).  Every estimate
reports this ``floor``, an upper bound on the expected value of an uninformative
input (conservative when E[INB] is far from 0): an EVPPI within two floors of 0
is reported as not distinguishable from 0.  The
standard error ``se`` is the Monte Carlo error of the outer average
(``sd(L(g_hat)) / sqrt(n)``); it ignores the regression's own error.  An estimate
is reported as ``min(raw, EVPI)`` (the raw value is kept as ``raw``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import WotsimError
from .model import output_array, output_measure, output_names
from .results import SimulationResult, _write_json, write_atomic_dir

__all__ = ["Evppi", "VoiResult", "adoption_voi", "evpi", "evppi", "format_voi", "keep_voi", "save_voi"]

#: A parameter with at most this many distinct values gets one indicator per value.
MAX_LEVELS = 24
#: Rows per block when building regression bases (bounds memory).
BLOCK = 32_768


@dataclass(frozen=True)
class Evppi:
    """The expected value of perfect information on one parameter or group.

    Attributes
    ----------
    name : str
        The parameter, or the group's name.
    kind : str
        ``"parameter"`` or ``"group"``.
    parameters : tuple of str
        The parameters whose values would be learnt.
    label : str
    value : float
        EVPPI in euros per cohort, ``min(raw, EVPI)``.
    se : float
        Monte Carlo standard error of the outer average.
    floor : float
        Upper bound on the expected EVPPI of an input without information (regression noise);
        see the module notes.
    raw : float
        The estimate before capping at EVPI.
    r2 : float
        Out-of-sample share of INB's variance explained by the fit.
    basis : int
        Number of regression columns.
    """

    name: str
    kind: str
    parameters: tuple[str, ...]
    label: str
    value: float
    se: float
    floor: float
    raw: float
    r2: float
    basis: int

    @property
    def distinguishable(self) -> bool:
        """True if the estimate exceeds twice its noise floor."""
        return self.value > 2.0 * self.floor


@dataclass(frozen=True)
class VoiResult:
    """Value of information for one two-option decision.

    Attributes
    ----------
    decision : str
        ``"keep"`` or ``"adopt:<scenario id>"``.
    description : str
    output : str
        The net benefit output (an NPV in euros).
    options : tuple of (str, str)
        (reference, alternative).
    n : int
    mean_inb, mean_inb_se : float
        E[INB] and its Monte Carlo standard error.
    choice : str
        The option chosen on current information.
    p_wrong, p_wrong_se : float
        Probability that the other option is better, with its standard error.
    evpi, evpi_se : float
        EVPI in euros per cohort and its Monte Carlo standard error.
    parameters, groups : tuple of Evppi
        Sorted by EVPPI, largest first; empty when EVPI is 0 (then every EVPPI is 0).
    currency : str
    """

    decision: str
    description: str
    output: str
    options: tuple[str, str]
    n: int
    mean_inb: float
    mean_inb_se: float
    choice: str
    p_wrong: float
    p_wrong_se: float
    evpi: float
    evpi_se: float
    parameters: tuple[Evppi, ...]
    groups: tuple[Evppi, ...]
    currency: str = "EUR"
    estimator: str = field(default="regression (Strong, Oakley & Brennan 2014), cross-fitted in two halves")

    def ranking(self) -> tuple[Evppi, ...]:
        """Parameters and groups together, by EVPPI, largest first."""
        return tuple(sorted(self.parameters + self.groups, key=lambda e: -e.value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- core estimators
def _loss(x: np.ndarray, adopt: bool) -> np.ndarray:
    """Opportunity loss of the current choice: max(x, 0) - x 1[adopt]."""
    return np.maximum(x, 0.0) - (x if adopt else 0.0)


def evpi(inb: np.ndarray) -> tuple[float, float]:
    """EVPI of a two-option decision and its Monte Carlo standard error.

    Parameters
    ----------
    inb : ndarray, shape (n,)
        Incremental net benefit of the alternative over the reference, per draw.

    Returns
    -------
    (evpi, se) : tuple of float
        ``E[max(INB, 0)] - max(E[INB], 0)`` and ``sd(L(INB)) / sqrt(n)``.
    """
    inb = _check_inb(inb)
    loss = _loss(inb, bool(inb.mean() > 0))
    return float(loss.mean()), float(loss.std(ddof=1) / math.sqrt(inb.size))


def _check_inb(inb: np.ndarray) -> np.ndarray:
    inb = np.asarray(inb, dtype=float)
    if inb.ndim != 1 or inb.size < 4:
        raise WotsimError(f"net benefit must be a 1-D array of at least 4 draws, got shape {inb.shape}")
    if not np.all(np.isfinite(inb)):
        raise WotsimError(f"net benefit has {int(np.sum(~np.isfinite(inb)))} undefined (NaN or infinite) draws; "
                          "value of information needs every draw")
    return inb


class _Basis:
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

    def block(self, lo: int, hi: int) -> np.ndarray:
        out = np.zeros((hi - lo, self.size))
        np.put_along_axis(out, self.idx[lo:hi], self.w[lo:hi], axis=1)
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


def _halves(n: int) -> list[tuple[int, int]]:
    return [(0, n // 2), (n // 2, n)]


def _cross_fit_sparse(basis: _Basis, y: np.ndarray) -> tuple[np.ndarray, int]:
    """Cross-fitted values of y on one parameter's basis (normal equations by bincount)."""
    size, c = basis.size, basis.idx.shape[1]
    coefs = []
    for lo, hi in _halves(y.size):
        I, W, Y = basis.idx[lo:hi], basis.w[lo:hi], y[lo:hi]
        xtx = np.zeros(size * size)
        xty = np.zeros(size)
        for a in range(c):
            xty += np.bincount(I[:, a], weights=W[:, a] * Y, minlength=size)
            for b in range(c):
                xtx += np.bincount(I[:, a] * size + I[:, b], weights=W[:, a] * W[:, b], minlength=size * size)
        coefs.append(_solve(xtx.reshape(size, size), xty))
    fitted = np.empty(y.size)
    for (lo, hi), coef in zip(_halves(y.size), coefs[::-1]):  # each half predicted by the other's fit
        fitted[lo:hi] = np.sum(basis.w[lo:hi] * coef[basis.idx[lo:hi]], axis=1)
    return fitted, size


def _cross_fit_dense(bases: Sequence[_Basis], columns: Sequence[np.ndarray], y: np.ndarray,
                     pairwise: bool) -> tuple[np.ndarray, int]:
    """Cross-fitted values of y on an additive basis plus pairwise products (a group)."""
    z = [(x - x.mean()) / (x.std() or 1.0) for x in columns]
    pairs = [(i, j) for i in range(len(z)) for j in range(i + 1, len(z))] if pairwise else []
    width = 1 + sum(b.size - 1 for b in bases) + len(pairs)

    def block(lo: int, hi: int) -> np.ndarray:
        out = np.empty((hi - lo, width))
        out[:, 0] = 1.0
        col = 1
        for b in bases:  # drop one column each: a basis sums to 1, like the intercept
            out[:, col:col + b.size - 1] = b.block(lo, hi)[:, 1:]
            col += b.size - 1
        for i, j in pairs:
            np.multiply(z[i][lo:hi], z[j][lo:hi], out=out[:, col])
            col += 1
        return out

    coefs = []
    for lo, hi in _halves(y.size):
        xtx = np.zeros((width, width))
        xty = np.zeros(width)
        for a in range(lo, hi, BLOCK):
            b = min(a + BLOCK, hi)
            X = block(a, b)
            xtx += X.T @ X
            xty += X.T @ y[a:b]
        coefs.append(_solve(xtx, xty))
    fitted = np.empty(y.size)
    for (lo, hi), coef in zip(_halves(y.size), coefs[::-1]):
        for a in range(lo, hi, BLOCK):
            b = min(a + BLOCK, hi)
            fitted[a:b] = block(a, b) @ coef
    return fitted, width


def evppi(inputs: np.ndarray, inb: np.ndarray, *, knots: int | None = None, pairwise: bool = True,
          name: str = "", kind: str | None = None, parameters: Sequence[str] = (), label: str = "",
          evpi_value: float | None = None) -> Evppi:
    """EVPPI of one parameter or a group by cross-fitted regression.

    Parameters
    ----------
    inputs : ndarray, shape (n,) or (n, k)
        The draws of the parameter(s) whose values would be learnt.
    inb : ndarray, shape (n,)
        Incremental net benefit of the alternative over the reference.
    knots : int, optional
        Interior knots of each B-spline (default 8 for one parameter, 4 in a group).
    pairwise : bool
        Add pairwise products of the standardised inputs (groups only).
    name, kind, parameters, label : optional
        Stored in the result.
    evpi_value : float, optional
        The decision's EVPI (computed from ``inb`` if not given); the estimate is capped at it.

    Returns
    -------
    Evppi
    """
    inb = _check_inb(inb)
    x = np.asarray(inputs, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != inb.size or x.shape[1] == 0:
        raise WotsimError(f"inputs must have shape (n,) or (n, k) with n = {inb.size}, got {np.shape(inputs)}")
    k = x.shape[1]
    if knots is None:
        knots = 8 if k == 1 else 4
    adopt = bool(inb.mean() > 0)
    if evpi_value is None:
        evpi_value = float(_loss(inb, adopt).mean())
    columns = [x[:, j] for j in range(k)]
    bases = [_Basis(c, knots) for c in columns]
    if k == 1:
        fitted, width = _cross_fit_sparse(bases[0], inb)
    else:
        fitted, width = _cross_fit_dense(bases, columns, inb, pairwise)
    loss = _loss(fitted, adopt)
    raw = float(loss.mean())
    resid = float(np.mean((inb - fitted) ** 2))
    var = float(np.var(inb))
    floor = math.sqrt(resid * width / (inb.size // 2)) / math.sqrt(2.0 * math.pi)
    return Evppi(
        name=name, kind=kind or ("parameter" if k == 1 else "group"), parameters=tuple(parameters), label=label,
        value=min(raw, evpi_value), se=float(loss.std(ddof=1) / math.sqrt(inb.size)), floor=max(floor, 0.0),
        raw=raw, r2=1.0 - resid / var if var > 0 else float("nan"), basis=width,
    )


# --------------------------------------------------------------------------- decisions
def _check_output(config, output: str) -> None:
    known = output_names(config)
    if output not in known:
        raise WotsimError(f"unknown output {output!r}; known outputs: {', '.join(known)}")
    if output_measure(config, output) != "npv":
        nets = [o for o in known if output_measure(config, o) == "npv"]
        raise WotsimError(f"value of information needs a net benefit in money (an NPV); output {output!r} is a "
                          f"{output_measure(config, output)}; use one of: {', '.join(nets)}")


def _analyse(decision: str, description: str, output: str, options: tuple[str, str], inb: np.ndarray,
             inputs: Mapping[str, np.ndarray], labels: Mapping[str, str], groups: Mapping[str, Sequence[str]],
             currency: str, *, parameters: bool = True, with_groups: bool = True) -> VoiResult:
    inb = _check_inb(inb)
    n = inb.size
    mean = float(inb.mean())
    adopt = mean > 0
    value, se = evpi(inb)
    p_wrong = float(np.mean(inb <= 0) if adopt else np.mean(inb > 0))
    if value == 0.0:  # no draw favours the other option: nothing to learn, EVPPI is 0 for every input
        parameters = with_groups = False
    per_param = []
    if parameters:
        for name, x in inputs.items():
            per_param.append(evppi(x, inb, name=name, kind="parameter", parameters=(name,),
                                   label=labels.get(name, name), evpi_value=value))
    per_group = []
    if with_groups:
        for gname, members in groups.items():
            x = np.column_stack([inputs[m] for m in members])
            per_group.append(evppi(x, inb, name=gname, kind="group", parameters=tuple(members),
                                   label=f"{gname} ({len(members)} parameter{'s' if len(members) != 1 else ''})", evpi_value=value))
    return VoiResult(
        decision=decision, description=description, output=output, options=options, n=n,
        mean_inb=mean, mean_inb_se=float(inb.std(ddof=1) / math.sqrt(n)),
        choice=options[1] if adopt else options[0], p_wrong=p_wrong, p_wrong_se=math.sqrt(p_wrong * (1 - p_wrong) / n),
        evpi=value, evpi_se=se,
        parameters=tuple(sorted(per_param, key=lambda e: -e.value)),
        groups=tuple(sorted(per_group, key=lambda e: -e.value)),
        currency=currency,
    )


def _groups(parameters: Mapping[str, Any], names: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in names:
        group = parameters[name].group or "(no group)"
        out.setdefault(group, []).append(name)
    return out


def keep_voi(result: SimulationResult, *, output: str = "npv", groups: bool = True,
             parameters: bool = True) -> VoiResult:
    """Value of information for keeping the intervention (the WOTs) or stopping it.

    Parameters
    ----------
    result : SimulationResult
    output : str
        The net benefit: ``npv`` (society) or an NPV output / ``net:<stakeholder>``
        (that party's perspective).
    groups, parameters : bool
        Estimate EVPPI per group / per parameter.

    Returns
    -------
    VoiResult
        ``INB = output``; options ("stop", "keep").
    """
    cfg = result.config
    _check_output(cfg, output)
    inb = output_array(cfg, result.item_pv, output)
    names = result.parameters
    inputs = {name: result.draws[:, j] for j, name in enumerate(names)}
    labels = {name: cfg.parameters[name].label or name for name in names}
    return _analyse("keep", f"keep the intervention if E[{output}] > 0, else stop (worth 0)", output,
                    ("stop", "keep"), inb, inputs, labels, _groups(cfg.parameters, names) if groups else {},
                    cfg.study.currency, parameters=parameters, with_groups=groups)


def adoption_voi(comparison, scenario: str, *, output: str = "npv", groups: bool = True,
                 parameters: bool = True) -> VoiResult:
    """Value of information for adopting a scenario instead of the base analysis.

    Parameters
    ----------
    comparison : wotsim.scenarios.Comparison
        Run with common random numbers (``paired=True``).
    scenario : str
        The scenario id.
    output : str
        The net benefit output (an NPV), evaluated under both.

    Returns
    -------
    VoiResult
        ``INB = output_scenario - output_base`` per draw; options ("base", scenario).
        The inputs are the base draws of every uncertain parameter of the base
        (a scenario's replaced, scaled or shifted parameter is a monotone function of
        the same uniform, so learning one is learning the other) and the draws of the
        scenario's new parameters.
    """
    if not comparison.paired:
        raise WotsimError("value of information for a scenario needs paired draws; run compare with paired=True")
    run = comparison.run(scenario)
    if run.scenario is None:
        raise WotsimError("the base analysis is the reference; name a scenario")
    base = comparison.base
    for cfg in (base.config, run.config):
        _check_output(cfg, output)
    inb = run.output(output) - output_array(base.config, base.item_pv, output)
    inputs = {name: base.draws[:, j] for j, name in enumerate(base.parameters)}
    for j, name in enumerate(run.new_parameters):
        inputs[name] = run.new_draws[:, j]
    params = dict(base.config.parameters)
    params.update({k: v for k, v in run.config.parameters.items() if k in run.new_parameters})
    labels = {name: params[name].label or name for name in inputs}
    return _analyse(f"adopt:{scenario}", f"adopt {scenario!r} instead of the base if E[INB] > 0", output,
                    ("base", scenario), inb, inputs, labels, _groups(params, list(inputs)) if groups else {},
                    base.config.study.currency, parameters=parameters, with_groups=groups)


# --------------------------------------------------------------------------- output
def _money(x: float, currency: str = "EUR") -> str:
    if x != x:
        return "n/a"
    return f"{currency} {x:,.0f}"


def format_voi(results: Sequence[VoiResult], *, top: int = 10) -> str:
    """Plain-text tables: per decision the EVPI and the EVPPI ranking (the CLI prints this)."""
    lines: list[str] = []
    for r in results:
        cur = r.currency
        lines += [f"Decision: {r.description}",
                  f"  E[INB] = {_money(r.mean_inb, cur)} ± {r.mean_inb_se:,.0f} -> choose {r.choice!r}; "
                  f"P(the other option is better) = {r.p_wrong:.3f} ± {r.p_wrong_se:.3f}",
                  f"  EVPI = {_money(r.evpi, cur)} ± {r.evpi_se:,.0f} per cohort"
                  + ("" if r.evpi > 0 else ": no draw favours the other option, so no information can change "
                                           "the choice (every EVPPI is 0)"), ""]
        for title, items in (("EVPPI per group", r.groups), (f"EVPPI per parameter (top {top})", r.parameters[:top])):
            if not items:
                continue
            rows = [[str(i + 1), e.name, f"{e.value:,.0f}", f"{e.se:,.0f}", f"{e.floor:,.0f}",
                     f"{e.value / r.evpi:.0%}" if r.evpi > 0 else "n/a", f"{e.r2:.2f}",
                     "" if e.distinguishable else "~0"] for i, e in enumerate(items)]
            header = ["#", "group" if items[0].kind == "group" else "parameter", f"EVPPI ({cur})", "se", "floor",
                      "of EVPI", "R2", "note"]
            widths = [max(len(x[c]) for x in rows + [header]) for c in range(len(header))]
            fmt = lambda cells: "  ".join(  # noqa: E731
                c.ljust(w) if k in (1, 7) else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths))).rstrip()
            lines += [f"  {title}", "  " + fmt(header), "  " + "  ".join("-" * w for w in widths)]
            lines += ["  " + fmt(row) for row in rows]
            lines.append("")
    lines.append("EVPPI by cross-fitted regression (Strong, Oakley & Brennan 2014); floor = upper bound on what an "
                 "input without information would show; ~0 = within two floors of 0; ± Monte Carlo standard error.")
    return "\n".join(lines)


def save_voi(directory: str | Path, results: Sequence[VoiResult], manifest: Mapping[str, Any]) -> Path:
    """Write ``voi.json``, ``evppi.csv`` and ``manifest.json`` atomically."""
    directory = Path(directory)

    def fill(tmp: Path) -> None:
        _write_json(tmp / "voi.json", {"format": 1, "decisions": [r.to_dict() for r in results]})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")  # quotes names that hold commas
        writer.writerow(["decision", "kind", "name", "evppi", "se", "floor", "raw", "r2", "basis", "evpi"])
        for r in results:
            for e in r.groups + r.parameters:
                writer.writerow([r.decision, e.kind, e.name, repr(e.value), repr(e.se), repr(e.floor), repr(e.raw),
                                 repr(e.r2), e.basis, repr(r.evpi)])
        (tmp / "evppi.csv").write_text(buf.getvalue(), encoding="utf-8")
        _write_json(tmp / "manifest.json", dict(manifest))

    write_atomic_dir(directory, fill)
    return directory
