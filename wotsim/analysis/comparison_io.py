"""A comparison's directory back as the :class:`~wotsim.analysis.scenarios.Comparison` that wrote it.

:meth:`Comparison.save <wotsim.analysis.scenarios.Comparison.save>` writes the summaries
(``comparison.json``), the draws (``arrays.npz``) and the manifest with the base config and
every scenario's overlay.  :func:`load_comparison` rebuilds the base config from the manifest
(as :func:`wotsim.results.load_results` does), each scenario by applying its stored overlay
again (:func:`wotsim.config.overlays.parse_scenario`; its config must hash as it did), the
base run and every scenario run from the arrays, and every outcome from the JSON, all checked
(:mod:`wotsim.results.records`).  Directories of format 1 (summaries only) cannot come back.
:func:`comparison_frame` gives its tables (:meth:`Comparison.to_frame
<wotsim.analysis.scenarios.Comparison.to_frame>`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._paths import file_stem
from ..config.overlays import BASE_ID, Scenario, parse_scenario
from ..config.schema import Config
from ..errors import ResultsError, WotsimError
from ..model import output_names
from ..results.arrays import read_run_arrays
from ..results.frames import output_label, output_unit, parameter_columns, table
from ..results.io import read_json
from ..results.records import decode, require_files, shown
from ..results.simulation import SimulationResult, base_case_from, run_settings
from .scenarios import COMPARISON_FORMAT, Comparison, ScenarioOutcome, ScenarioRun

__all__ = ["comparison_frame", "load_comparison"]

#: What :meth:`Comparison.save` adds to the base run's manifest (left out again on loading).
_COMPARE_KEYS = ("analysis", "paired", "scenarios")


def _scenarios(directory: Path, man: Mapping[str, Any], config: Config) -> list[Scenario]:
    """The compared scenarios, each rebuilt from its stored overlay and checked against its stored hash."""
    where = directory / "manifest.json"
    stored = man.get("scenarios")
    if not isinstance(stored, list):
        raise ResultsError(f"{where}: scenarios must be a list (one entry per compared scenario)")
    out = []
    for i, entry in enumerate(stored):
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("file"), str)
                and isinstance(entry.get("overlay"), dict)):
            raise ResultsError(f"{where}: scenarios[{i}] must be a table with an id, a file and an overlay")
        sid = entry["id"]
        try:
            sc = parse_scenario(entry["overlay"], config, file=entry["file"], default_id=sid)
        except WotsimError as exc:
            raise ResultsError(f"{where}: scenario {shown(sid)}: the stored overlay is invalid: {exc}") from None
        except (RecursionError, OverflowError, ValueError, TypeError) as exc:
            raise ResultsError(f"{where}: scenario {shown(sid)}: the overlay cannot be read "
                               f"({type(exc).__name__})") from None
        if sc.id != sid or sc.config.sha256 != entry.get("config_sha256"):
            raise ResultsError(f"{where}: scenario {shown(sid)}: its overlay does not give the config it was "
                               "compared with (id or config_sha256 differ)")
        out.append(sc)
    return out


def _outcomes(where: Path, saved: Any, key: str, outputs: tuple[str, ...]) -> dict[str, ScenarioOutcome]:
    """A run's outcomes, one per compared output, each checked."""
    outcomes = decode(Mapping[str, ScenarioOutcome], saved, key, {}, where)
    if list(outcomes) != list(outputs) or any(o.summary.name != k for k, o in outcomes.items()):
        raise ResultsError(f"{where}: {key} must hold one outcome per compared output ({', '.join(outputs)}), "
                           "each summarising that output")
    return outcomes


def load_comparison(directory: str | Path) -> Comparison:
    """Load a directory written by :meth:`Comparison.save <wotsim.analysis.scenarios.Comparison.save>`.

    Everything is checked before use: the format; the base config and run settings in the
    manifest; each scenario's overlay, which must give back the config it was compared with;
    the arrays' names, dtypes, shapes (from those configs) and finiteness; every run's id,
    base case and outcomes; the compared outputs, which name figure files.  Any damage is one
    :class:`ResultsError` naming the file.
    """
    directory = Path(directory)
    require_files(directory, ("comparison.json",), "comparison")
    where = directory / "comparison.json"
    body = read_json(where, "comparison")
    version = body.get("format")
    if version == 1:
        raise ResultsError(f"{directory}: a comparison in format 1, written by an older wotsim without its draws; "
                           f"this wotsim reads format {COMPARISON_FORMAT}: rerun 'wotsim compare --out'")
    if version != COMPARISON_FORMAT or isinstance(version, bool):
        raise ResultsError(f"{directory}: comparison format {shown(version)}, this wotsim reads {COMPARISON_FORMAT}")
    require_files(directory, ("arrays.npz", "manifest.json"), "comparison")
    man = read_json(directory / "manifest.json", "manifest")
    run = run_settings(directory, man)
    config, n = run["config"], run["n"]
    scenarios = _scenarios(directory, man, config)
    outputs = decode(tuple[str, ...], body.get("outputs"), "outputs", {}, where)
    for name in outputs:
        try:
            file_stem(name, "output")
        except WotsimError as exc:
            raise ResultsError(f"{where}: outputs: {exc}") from None
        for cfg in [config] + [sc.config for sc in scenarios]:
            if name not in output_names(cfg):
                raise ResultsError(f"{where}: outputs: {name!r} is not an output of {cfg.path}")
    paired = decode(bool, body.get("paired"), "paired", {}, where)
    if (decode(int, body.get("n"), "n", {}, where), decode(int, body.get("seed"), "seed", {}, where),
            body.get("sampler"), paired) != (n, run["seed"], run["sampler"], man.get("paired")):
        raise ResultsError(f"{where}: n, seed, sampler and paired must be the manifest's")
    saved = body.get("runs")
    ids = [BASE_ID] + [sc.id for sc in scenarios]
    if not isinstance(saved, list) or [r.get("id") if isinstance(r, dict) else None for r in saved] != ids:
        raise ResultsError(f"{where}: runs must be the base analysis and the manifest's scenarios "
                           f"({', '.join(ids)}), in order")
    base_uncertain = set(config.uncertain)
    news = [tuple(p for p in sc.config.uncertain if p not in base_uncertain) for sc in scenarios]
    shapes, names = {}, {}
    for i, (sc, new) in enumerate(zip(scenarios, news), 1):
        c = sc.config
        shapes.update({f"runs.{i}.item_pv": (n, len(c.items)), f"runs.{i}.new_draws": (n, len(new)),
                       f"runs.{i}.base_yearly": (len(c.stakeholders), c.max_horizon)})
        names.update({f"runs.{i}.items": [it.id for it in c.items], f"runs.{i}.new_parameters": list(new)})
    arrays = read_run_arrays(directory / "arrays.npz", config, n, chunk_size=run["chunk_size"], prefix="base.",
                             extra=shapes, extra_names=names)

    base_case = base_case_from(where, saved[0].get("base"), config, arrays["base.base_yearly"], "runs.0.base")
    base = SimulationResult(config=config, parameters=config.uncertain, draws=arrays["base.draws"], seed=run["seed"],
                            sampler=run["sampler"], item_pv=arrays["base.item_pv"], yearly=arrays["base.yearly"],
                            base=base_case, chunk_size=run["chunk_size"], replicates=run["replicates"],
                            manifest={k: v for k, v in man.items() if k not in _COMPARE_KEYS})
    runs = [ScenarioRun(id=BASE_ID, label=decode(str, saved[0].get("label"), "runs.0.label", {}, where),
                        scenario=None, config=config, base=base_case, item_pv=base.item_pv, new_parameters=(),
                        new_draws=np.empty((n, 0)), outcomes=_outcomes(where, saved[0].get("outcomes"),
                                                                         "runs.0.outcomes", outputs))]
    for i, (sc, new) in enumerate(zip(scenarios, news), 1):
        entry = saved[i]
        if decode(tuple[str, ...], entry.get("new_parameters"), f"runs.{i}.new_parameters", {}, where) != new:
            raise ResultsError(f"{where}: runs.{i}.new_parameters must be the scenario's new uncertain parameters")
        runs.append(ScenarioRun(
            id=sc.id, label=decode(str, entry.get("label"), f"runs.{i}.label", {}, where), scenario=sc,
            config=sc.config, base=base_case_from(where, entry.get("base"), sc.config, arrays[f"runs.{i}.base_yearly"],
                                                  f"runs.{i}.base"),
            item_pv=arrays[f"runs.{i}.item_pv"], new_parameters=new, new_draws=arrays[f"runs.{i}.new_draws"],
            outcomes=_outcomes(where, entry.get("outcomes"), f"runs.{i}.outcomes", outputs)))
    return Comparison(base=base, runs=tuple(runs), outputs=outputs, n=n, seed=run["seed"], sampler=run["sampler"],
                      paired=paired)


# --------------------------------------------------------------------------- tables
#: The columns of :meth:`Comparison.rows` beyond the run and the output: (id, label), in the row's unit.
_COMPARISON = (("base_case", "Base case of the run"), ("mean", "Mean"),
               ("mean_se", "Monte Carlo standard error of the mean"), ("median", "Median"),
               ("p5", "5th percentile"), ("p5_se", "Standard error of the 5th percentile"),
               ("p95", "95th percentile"), ("p95_se", "Standard error of the 95th percentile"),
               ("p_above", "P(output > threshold: 1 for a ratio, 0 otherwise)"),
               ("p_above_se", "Standard error of P(output > threshold)"),
               ("diff_base_case", "Difference from the base analysis at base"),
               ("diff_mean", "Mean paired difference from the base analysis"),
               ("diff_mean_se", "Standard error of the mean paired difference"),
               ("diff_p5", "5th percentile of the paired difference"),
               ("diff_p5_se", "Standard error of that percentile"),
               ("diff_p95", "95th percentile of the paired difference"),
               ("diff_p95_se", "Standard error of that percentile"),
               ("p_better", "P(the run does better than the base analysis), paired draws"),
               ("p_better_se", "Standard error of P(better)"),
               ("p_worse", "P(the run does worse than the base analysis), paired draws"))


def comparison_frame(comparison: Comparison, name: str = "comparison"):
    """One table of a comparison (see :meth:`Comparison.to_frame <wotsim.analysis.scenarios.Comparison.to_frame>`)."""
    config = comparison.base.config
    if name == "comparison":
        labels = {o: output_label(config, o) for o in comparison.outputs}
        data = [{**row, "output_label": labels[row["output"]], "unit": output_unit(config, row["output"])}
                for row in comparison.rows()]
        columns = [("scenario", "Run (id: base or the scenario)", ""), ("label", "Run", ""),
                   ("output", "Output (id)", ""), ("output_label", "Output", ""),
                   ("measure", "Measure: ratio, npv or amount", ""),
                   ("unit", "Unit of the amounts in this row (empty for a ratio)", ""),
                   *((c, label, "") for c, label in _COMPARISON)]
        return table(name, columns, data, description="per run and compared output: its distribution and the "
                     "paired difference from the base analysis (common random numbers)")
    if name == "draws":
        columns = parameter_columns(config, comparison.base.parameters)
        values = {p: comparison.base.draws[:, j] for j, p in enumerate(comparison.base.parameters)}
        for run in comparison.scenarios:
            for j, (p, label, unit) in enumerate(parameter_columns(run.config, run.new_parameters)):
                columns.append((f"{run.id}:{p}", f"{label} (scenario {run.label})", unit))
                values[f"{run.id}:{p}"] = run.new_draws[:, j]
        return table(name, columns, values, per_draw=True, description="the parameter values of every draw: the "
                     "base analysis's, and each scenario's new parameters")
    if name == "outputs":
        columns, values = [], {}
        for run in comparison.runs:
            for o in comparison.outputs:
                columns.append((f"{run.id}:{o}", f"{output_label(run.config, o)} ({run.label})",
                                output_unit(run.config, o)))
                values[f"{run.id}:{o}"] = run.output(o)
        return table(name, columns, values, per_draw=True, description="every run's compared outputs per draw "
                     "(the runs share their draws: row i of each is the same future)")
    raise WotsimError(f"unknown table {name!r} of a comparison; tables: comparison, draws, outputs")
