"""A Monte Carlo run: :class:`SimulationResult`, its deterministic base case, and its results directory.

A results directory holds

* ``arrays.npz`` (compressed): the design draws, item present values, the base case's yearly net
  values and the names of their columns (``parameters``, ``items``, ``stakeholders``, so that a
  reader of the file alone knows them); the yearly net values of every draw only when the model
  cannot recompute them from the draws bit for bit (they feed the fan charts alone, and are
  recomputed on loading: :mod:`wotsim.results.arrays`).  Directories written before (uncompressed,
  every yearly value stored, no names) load as they are;
* ``summary.json``: per output the base case, mean, sd, median, percentiles,
  probabilities, each with Monte Carlo standard errors;
* ``manifest.json``: config path and hash, the config itself, seed, sampler, n,
  chunk size and the versions of wotsim and its dependencies.

It is written atomically (:func:`wotsim.results.io.write_results`) and read back, every
byte checked, by :func:`load_results`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..config.schema import Config
from ..errors import ResultsError
from ..model import output_values, ratio_of_means, stakeholder_net
from . import mcse
from .arrays import read_run_arrays, run_arrays, run_shapes
from .frames import money, output_label, output_unit, parameter_columns, percentile_columns, table
from .io import FORMAT_VERSION, floats, manifest_config, manifest_whole_number, read_json, write_results
from .summary import Convergence, CumulativeBands, Exceedance, OutputSummary, summarise

__all__ = ["BaseCase", "SimulationResult", "base_case_from", "load_results", "run_settings", "run_shapes",
           "summary_frame"]


@dataclass(frozen=True)
class BaseCase:
    """The deterministic base case: every parameter at its base value."""

    outputs: Mapping[str, float]
    item_pv: Mapping[str, float]
    stakeholder_net: Mapping[str, float]
    yearly: np.ndarray  # (n_stakeholders, T) discounted net value per year


@dataclass(frozen=True)
class SimulationResult:
    """A Monte Carlo run.

    Attributes
    ----------
    config : Config
    parameters : tuple of str
        Names of the uncertain parameters (columns of ``draws``).
    draws : ndarray, shape (n, d)
        Parameter values of each sample.
    seed : int
        The root seed.
    sampler : str
    item_pv : ndarray, shape (n, n_items)
        Present value of each item (positive amounts; costs count negatively in NPV).
    yearly : ndarray, shape (n, n_stakeholders, T), float32
        Discounted net value per stakeholder and year.
    base : BaseCase
    chunk_size : int
    replicates : int
        Independent randomisations of the design (1 for ``mc``); row ``i`` belongs
        to randomisation ``i % replicates``.  Standard errors use it (:mod:`wotsim.results.mcse`).
    """

    config: Config
    parameters: tuple[str, ...]
    draws: np.ndarray
    seed: int
    sampler: str
    item_pv: np.ndarray
    yearly: np.ndarray
    base: BaseCase
    chunk_size: int
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False)
    replicates: int = 1

    @property
    def n(self) -> int:
        return int(self.item_pv.shape[0])

    @property
    def se_method(self) -> str:
        """How this run's standard errors were computed, in words (:func:`wotsim.results.mcse.describe`)."""
        return mcse.describe(self.sampler, self.replicates)

    @cached_property
    def outputs(self) -> dict[str, np.ndarray]:
        """Draws of every output: ``benefits``, ``costs``, ``npv`` and the config's outputs."""
        return output_values(self.config, self.item_pv)

    @cached_property
    def stakeholder_net(self) -> dict[str, np.ndarray]:
        """Draws of the net present value per stakeholder."""
        net = stakeholder_net(self.config, self.item_pv)
        return {s: net[:, k] for k, s in enumerate(self.config.stakeholders)}

    @cached_property
    def cumulative(self) -> np.ndarray:
        """Cumulative discounted net value over all stakeholders by year, shape (n, T)."""
        return np.cumsum(self.yearly.sum(axis=1, dtype=np.float64), axis=1)

    def cumulative_by_stakeholder(self, stakeholder: str) -> np.ndarray:
        """Cumulative discounted net value of one stakeholder by year, shape (n, T)."""
        k = list(self.config.stakeholders).index(stakeholder)
        return np.cumsum(self.yearly[:, k, :].astype(np.float64), axis=1)

    def draws_of(self, parameter: str) -> np.ndarray:
        return self.draws[:, self.parameters.index(parameter)]

    def values_of(self, output: str) -> np.ndarray:
        """Draws of an output (a key of :attr:`outputs`) or of ``net:<stakeholder>``, shape (n,)."""
        if output in self.outputs:
            return self.outputs[output]
        if output.startswith("net:") and output[4:] in self.stakeholder_net:
            return self.stakeholder_net[output[4:]]
        known = list(self.outputs) + [f"net:{s}" for s in self.stakeholder_net]
        raise ResultsError(f"unknown output {output!r}; known: {', '.join(known)}")

    def cumulative_bands(self, stakeholder: str | None = None,
                         levels: tuple[float, ...] = (50.0, 90.0)) -> CumulativeBands:
        """Median and central quantile bands of the cumulative discounted net value per year.

        Parameters
        ----------
        stakeholder : str, optional
            A stakeholder id; default: the total over all stakeholders.
        levels : tuple of float
            Central interval levels in percent, each strictly between 0 and 100.

        Returns
        -------
        CumulativeBands
            Quantiles as ``np.percentile`` (linear interpolation), like the summaries.
        """
        if stakeholder is None:
            cum = self.cumulative
            base = np.cumsum(self.base.yearly.sum(axis=0))
        elif stakeholder in self.config.stakeholders:
            k = list(self.config.stakeholders).index(stakeholder)
            cum = self.cumulative_by_stakeholder(stakeholder)
            base = np.cumsum(self.base.yearly[k])
        else:
            raise ResultsError(f"unknown stakeholder {stakeholder!r}; known: {', '.join(self.config.stakeholders)}")
        levels = tuple(float(v) for v in levels)
        if not levels or not all(0 < v < 100 for v in levels):
            raise ResultsError(f"levels must be percentages strictly between 0 and 100, got {levels!r}")
        pcts = [50.0] + [50 - v / 2 for v in levels] + [50 + v / 2 for v in levels]
        q = np.percentile(cum, pcts, axis=0)
        m = len(levels)
        return CumulativeBands(stakeholder=stakeholder, years=np.arange(cum.shape[1]), levels=levels,
                               median=q[0], lower=q[1:1 + m], upper=q[1 + m:], base=np.asarray(base, float),
                               n=self.n)

    def exceedance(self, output: str, thresholds: np.ndarray | None = None) -> Exceedance:
        """P(output >= t) for each threshold t: the acceptability curve of a ratio.

        Parameters
        ----------
        output : str
            A key of :attr:`outputs` or ``net:<stakeholder>``.
        thresholds : array_like, shape (m,), optional
            Default: 401 points from the 0.1th to the 99.9th percentile of the
            draws, widened to include the base case and the break-even point.
        """
        values = self.values_of(output)
        finite = np.sort(values[~np.isnan(values)])
        n = int(finite.size)
        if n == 0:
            raise ResultsError(f"output {output!r} has no finite draws")
        if thresholds is None:
            lo, hi = np.percentile(finite, [0.1, 99.9])
            s = self.summary[output]
            anchors = [v for v in (s.threshold, s.base) if math.isfinite(v)]
            thresholds = np.linspace(min([lo] + anchors), max([hi] + anchors), 401)
        t = np.asarray(thresholds, dtype=float)
        if t.ndim != 1:
            raise ResultsError(f"thresholds must be one-dimensional, got shape {t.shape}")
        p = (n - np.searchsorted(finite, t, side="left")) / n
        return Exceedance(output=output, thresholds=t, p=p, se=mcse.exceedance_se(values, t, self.replicates), n=n)

    def convergence(self, output: str, *, n_min: int = 64) -> Convergence:
        """P(output > threshold) and the mean over nested prefixes of the draws.

        Parameters
        ----------
        output : str
            A key of :attr:`outputs` or ``net:<stakeholder>``.
        n_min : int
            Smallest prefix size (rounded up to a power of two).
        """
        values = self.values_of(output)
        threshold = self.summary[output].threshold
        if n_min < 2:
            raise ResultsError(f"n_min must be >= 2, got {n_min}")
        sizes = [2 ** k for k in range(math.ceil(math.log2(n_min)), self.n.bit_length()) if 2 ** k <= self.n]
        if not sizes or sizes[-1] != self.n:
            sizes.append(self.n)
        stats = np.full((len(sizes), 4), np.nan)
        for i, m in enumerate(sizes):
            x = values[:m]
            finite = x[np.isfinite(x)]
            if finite.size == 0:
                continue
            R = min(self.replicates, m)
            stats[i] = (float(np.mean(finite > threshold)), mcse.prob_se(x, threshold, R),
                        float(np.mean(finite)), mcse.mean_se(x, R))
        return Convergence(output=output, threshold=float(threshold), n=np.asarray(sizes),
                           p_above=stats[:, 0], p_above_se=stats[:, 1], mean=stats[:, 2], mean_se=stats[:, 3])

    @cached_property
    def summary(self) -> dict[str, OutputSummary]:
        """Per output and per stakeholder (``net:<id>``) summaries."""
        cfg = self.config
        pct = cfg.simulation.percentiles
        out: dict[str, OutputSummary] = {}
        labels = {"benefits": "Total benefits (PV)", "costs": "Total costs (PV)", "npv": "Net present value"}
        for name, values in self.outputs.items():
            o = cfg.outputs.get(name)
            measure = o.measure if o is not None else ("npv" if name == "npv" else "amount")
            rom = ratio_of_means(cfg, self.item_pv, name) if measure == "ratio" else None
            out[name] = summarise(
                name, o.label if o else labels[name], measure,
                values, self.base.outputs[name], pct, ratio_of_means=rom,
                target=o.target if o else None, replicates=self.replicates,
            )
        for s, values in self.stakeholder_net.items():
            out[f"net:{s}"] = summarise(f"net:{s}", f"Net value: {cfg.stakeholders[s]}", "npv",
                                        values, self.base.stakeholder_net[s], pct, replicates=self.replicates)
        return out

    # ------------------------------------------------------------------ tables
    def to_frame(self, table: str = "draws"):
        """One table of the run as a :class:`pandas.DataFrame` (labels and units in ``frame.attrs``,
        :mod:`wotsim.results.frames`).

        ``table="draws"`` (default): one row per draw, indexed by ``draw`` (the row of :attr:`draws`,
        from 0; it belongs to the design's randomisation ``draw % replicates``), one column per
        uncertain parameter, named by the parameter (label and unit in ``attrs``):
        ``frame.to_numpy()`` is :attr:`draws`.

        ``"outputs"``: one row per draw, indexed by ``draw``: every output of :attr:`outputs`
        (``benefits``, ``costs``, ``npv``, the config's) and each stakeholder's net present value
        (``net:<stakeholder>``), in the config's currency except the ratios.

        ``"summary"``: one row per output and per stakeholder (``net:<stakeholder>``), as
        ``summary.json``: ``output``, ``label``, ``measure``, ``unit``, ``n``, ``n_undefined``, ``base``,
        ``mean``, ``mean_se``, ``sd``, ``median``, one column per percentile (``p5`` ...), ``threshold``,
        ``p_above``, ``p_above_se``, ``ratio_of_means``, ``target``.

        ``"stakeholders"``: the present value per stakeholder: ``stakeholder``, ``label``,
        ``benefits_base``, ``costs_base``, ``base`` (net), ``benefits_mean``, ``costs_mean``, ``mean``
        (net), ``mean_se``, ``sd``, ``median``, the percentiles, ``p_above`` (P(net > 0)),
        ``p_above_se``; amounts in the config's currency.
        """
        builders = {"draws": self._draws_frame, "outputs": self._outputs_frame, "summary": self._summary_frame,
                    "stakeholders": self._stakeholder_frame}
        if table not in builders:
            raise ResultsError(f"unknown table {table!r} of a run; tables: {', '.join(builders)}")
        return builders[table]()

    def frames(self) -> dict[str, Any]:
        """Every table of :meth:`to_frame`, by name (what ``--format`` writes)."""
        return {name: self.to_frame(name) for name in ("summary", "stakeholders", "draws", "outputs")}

    def _draws_frame(self):
        return table("draws", parameter_columns(self.config, self.parameters),
                     {p: self.draws[:, j] for j, p in enumerate(self.parameters)}, per_draw=True,
                     description="the parameter values of every draw (one column per uncertain parameter)")

    def _outputs_frame(self):
        cfg = self.config
        values = {**self.outputs, **{f"net:{s}": v for s, v in self.stakeholder_net.items()}}
        return table("outputs", [(name, output_label(cfg, name), output_unit(cfg, name)) for name in values], values,
                     per_draw=True, description="every output and each stakeholder's net value, per draw")

    def _summary_frame(self):
        return summary_frame(self.config, self.summary.values())

    def _stakeholder_frame(self):
        cfg, cur = self.config, money(self.config)
        rows = []
        for s in cfg.stakeholders:
            row = _summary_row(self.summary[f"net:{s}"])
            for kind in ("benefit", "cost"):
                cols = [i for i, it in enumerate(cfg.items) if it.stakeholder == s and it.kind == kind]
                row[f"{kind}s_base"] = sum(self.base.item_pv[cfg.items[i].id] for i in cols)
                row[f"{kind}s_mean"] = float(np.mean(self.item_pv[:, cols].sum(axis=1))) if cols else 0.0
            rows.append({**row, "stakeholder": s, "label": cfg.stakeholders[s]})
        pct = percentile_columns(self.summary[f"net:{next(iter(cfg.stakeholders))}"].percentiles, cur)
        columns = [("stakeholder", "Stakeholder (id)", ""), ("label", "Stakeholder", ""),
                   ("benefits_base", "Benefits at base (present value)", cur),
                   ("costs_base", "Costs at base (present value)", cur),
                   ("base", "Net value at base (present value)", cur),
                   ("benefits_mean", "Mean benefits (present value)", cur),
                   ("costs_mean", "Mean costs (present value)", cur), ("mean", "Mean net value", cur),
                   ("mean_se", "Monte Carlo standard error of the mean", cur),
                   ("sd", "Standard deviation of the net value", cur), ("median", "Median net value", cur), *pct,
                   ("p_above", "P(net value > 0)", ""), ("p_above_se", "Monte Carlo standard error of P(> 0)", "")]
        return table("stakeholders", columns, rows, description="the present value per stakeholder: benefits, "
                     "costs and net value at base and over the draws")

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path, *, format: str = "npz") -> Path:
        """Write the results directory atomically; returns its path.

        An existing results directory (one with a ``manifest.json``) or an empty
        directory is replaced; anything else is left alone and raises
        :class:`ResultsError`, so a mistyped path never deletes other files.
        ``format`` (``npz``, ``csv``, ``xlsx``, ``parquet``): the tables of :meth:`frames` beside
        the core (:mod:`wotsim.results.tables`).
        """
        summary = {
            "format": FORMAT_VERSION,
            "base": {"outputs": dict(self.base.outputs), "item_pv": dict(self.base.item_pv),
                     "stakeholder_net": dict(self.base.stakeholder_net)},
            "outputs": {k: asdict(v) for k, v in self.summary.items()},
        }
        return write_results(directory, manifest=self.manifest, json_files={"summary.json": summary},
                             arrays=run_arrays(self), tables=self.frames() if format != "npz" else None,
                             table_format=format)


def _summary_row(s: OutputSummary) -> dict[str, Any]:
    return {"output": s.name, "label": s.label, "measure": s.measure, "n": s.n, "n_undefined": s.n_undefined,
            "base": s.base, "mean": s.mean, "mean_se": s.mean_se, "sd": s.sd, "median": s.median, **s.percentiles,
            "threshold": s.threshold, "p_above": s.p_above, "p_above_se": s.p_above_se,
            "ratio_of_means": s.ratio_of_means, "target": s.target}


def summary_frame(config: Config, summaries, name: str = "summary"):
    """The table of :class:`OutputSummary` rows (see :meth:`SimulationResult.to_frame`, ``"summary"``)."""
    rows = [{**_summary_row(s), "unit": "" if s.measure == "ratio" else money(config)} for s in summaries]
    keys = rows[0] if rows else {}
    pct = percentile_columns([k for k in keys if k[:1] == "p" and k[1:2].isdigit()])
    columns = [("output", "Output (id)", ""), ("label", "Output", ""),
               ("measure", "Measure: ratio, npv (net present value) or amount", ""),
               ("unit", "Unit of the amounts in this row (empty for a ratio)", ""),
               ("n", "Draws with the output defined", ""),
               ("n_undefined", "Draws where it is undefined (a ratio whose costs are <= 0)", ""),
               ("base", "Base case (every parameter at its base value)", ""), ("mean", "Mean", ""),
               ("mean_se", "Monte Carlo standard error of the mean", ""), ("sd", "Standard deviation", ""),
               ("median", "Median", ""), *pct,
               ("threshold", "Decision threshold: 1 for a ratio, 0 otherwise", ""),
               ("p_above", "P(output > threshold)", ""),
               ("p_above_se", "Monte Carlo standard error of P(output > threshold)", ""),
               ("ratio_of_means", "Ratio of means E[B]/E[C] (ratios only)", ""),
               ("target", "Published figure the base case reproduces (the config's target)", "")]
    return table(name, columns, rows, description="per output and per stakeholder: base case, mean, spread, "
                 "percentiles and P(> threshold), each with its Monte Carlo standard error")


def run_settings(directory: Path, man: Mapping[str, Any]) -> dict[str, Any]:
    """A run's settings from its manifest, checked: ``config`` (rebuilt from the stored copy), ``n``,
    ``seed``, ``chunk_size``, ``replicates`` and ``sampler``; any damage is one :class:`ResultsError`."""
    if man.get("format") != FORMAT_VERSION:
        raise ResultsError(f"{directory}: results format {man.get('format')!r}, this wotsim reads {FORMAT_VERSION}")
    config = manifest_config(directory, man)
    n = manifest_whole_number(directory, man, "samples")
    seed = manifest_whole_number(directory, man, "seed")
    chunk_size = manifest_whole_number(directory, man, "chunk_size", 0)
    replicates = manifest_whole_number(directory, man, "replicates", 1)  # before replicates: one randomisation
    sampler = man.get("sampler")
    if sampler not in ("mc", "lhs", "sobol"):
        raise ResultsError(f"{directory / 'manifest.json'}: sampler must be one of mc, lhs, sobol, got {sampler!r}")
    if n < 2 or not 1 <= replicates <= n:
        raise ResultsError(f"{directory / 'manifest.json'}: needs samples >= 2 and 1 <= replicates <= samples, "
                           f"got samples {n} and replicates {replicates}")
    return {"config": config, "n": n, "seed": seed, "chunk_size": chunk_size, "replicates": replicates,
            "sampler": sampler}


def base_case_from(where: Path, saved: Any, config: Config, yearly: np.ndarray, key: str = "base") -> BaseCase:
    """A base case from its saved table (``outputs``, ``item_pv``, ``stakeholder_net``: names checked
    against ``config``) and its yearly net values; any damage is one :class:`ResultsError` naming ``where``."""
    expected = {"outputs": ["benefits", "costs", "npv", *config.outputs],
                "item_pv": [it.id for it in config.items], "stakeholder_net": list(config.stakeholders)}
    parts = {}
    for part, names in expected.items():
        table = saved.get(part) if isinstance(saved, dict) else None
        if not isinstance(table, dict) or sorted(table) != sorted(names):
            raise ResultsError(f"{where}: {key}.{part} must name exactly {', '.join(names)}")
        try:
            parts[part] = floats(table)
        except (TypeError, ValueError) as exc:
            raise ResultsError(f"{where}: {key}.{part}: numbers only ({exc})") from None
    return BaseCase(outputs=parts["outputs"], item_pv=parts["item_pv"], stakeholder_net=parts["stakeholder_net"],
                    yearly=yearly)


def load_results(directory: str | Path) -> SimulationResult:
    """Load a results directory written by :meth:`SimulationResult.save`.

    The config is rebuilt from the copy in the manifest, so the directory is
    self-contained.  Everything is checked against the manifest before use:
    format version, array names, dtypes (real floats only, no pickles), shapes
    (n draws x the config's uncertain parameters, items, stakeholders and
    horizon), finiteness, and the base case's names.  Any damage is one
    :class:`ResultsError` naming the file.
    """
    directory = Path(directory)
    for name in ("arrays.npz", "summary.json", "manifest.json"):
        if not (directory / name).is_file():
            raise ResultsError(f"{directory}: not a wotsim results directory (missing {name})")
    man = read_json(directory / "manifest.json", "manifest")
    run = run_settings(directory, man)
    config = run["config"]
    arrays = read_run_arrays(directory / "arrays.npz", config, run["n"], chunk_size=run["chunk_size"])
    summ = read_json(directory / "summary.json", "summary")
    base = base_case_from(directory / "summary.json", summ.get("base"), config, arrays["base_yearly"])
    return SimulationResult(config=config, parameters=config.uncertain, draws=arrays["draws"], seed=run["seed"],
                            sampler=run["sampler"], item_pv=arrays["item_pv"], yearly=arrays["yearly"], base=base,
                            chunk_size=run["chunk_size"], manifest=man, replicates=run["replicates"])
