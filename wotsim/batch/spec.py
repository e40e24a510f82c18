"""The batch file: which configs and scenarios a batch runs, and with which settings.

:func:`load_batch` reads the file, loads every config and scenario it names and checks
every output, so that a mistake is one line (a :class:`~wotsim.errors.ConfigError` naming
the batch file and the dotted key, and the config where one is involved) before any
sampling.  What travels to the workers is data only (:class:`BatchCase`: the parsed TOML of
each config, its scenarios' overlays, the effective settings); nothing depends on the
working directory: relative paths are resolved against the batch file's folder.

Format::

    [batch]                          # optional; every key optional
    samples = 16384                  # default: each config's [simulation] samples
    seed = 1                         # default: each config's seed
    sampler = "sobol"                # mc | lhs | sobol; default: each config's
    outputs = ["social_ratio", "npv"]  # default: each config's outputs and npv
    chunk_size = 4096                # rows per task; absent: one task per case

    [[cases]]                        # at least one
    config = "configs/schiedam.toml" # a path or a glob (*, ?, [..], **): one case per file, sorted
    scenarios = "all"                # "all", "none" (default) or a list of scenario ids,
                                     # overlay file stems or overlay paths
    seed = 7                         # optional: this case's seed

A config reached twice (by two entries or two globs) is refused; a glob never matches the
batch file itself.  With the ``mc`` sampler a case has no replicates (mc draws are independent).
"""

from __future__ import annotations

import copy
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .._names import SAMPLERS
from ..analysis.checks import default_outputs
from ..config.expressions import shown
from ..config.keys import Ctx, check_keys, get_int, get_str, get_table, hint
from ..config.loading import load_config, read_toml
from ..config.overlays import find_scenarios
from ..config.schema import Config
from ..errors import ConfigError, WotsimError
from ..limits import MAX_SAMPLES
from ..model import check_base_case, check_output

__all__ = ["BATCH_KEYS", "CASE_KEYS", "BatchCase", "BatchSpec", "ScenarioSource", "load_batch"]

#: Keys of the ``[batch]`` table.
BATCH_KEYS = ("samples", "seed", "sampler", "outputs", "chunk_size")
#: Keys of a ``[[cases]]`` table.
CASE_KEYS = ("config", "scenarios", "seed")
_TOP_KEYS = ("batch", "cases")
_SCENARIO_WORDS = ("all", "none")
_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class ScenarioSource:
    """What a worker needs to rebuild one scenario without the file system.

    Attributes
    ----------
    id, label : str
    file : str
        The scenario's file as :class:`~wotsim.config.overlays.Scenario` says (the config's own
        file for an inline ``[scenarios.<id>]`` table).
    overlay : mapping
        The parsed overlay document (a deep copy); rebuild with
        :func:`wotsim.config.overlays.parse_scenario`.
    """

    id: str
    label: str
    file: str
    overlay: Mapping[str, Any]


@dataclass(frozen=True)
class BatchCase:
    """One config of a batch with its scenarios and effective settings.

    Attributes
    ----------
    key : str
        Unique, stable id: the config's path relative to the batch file's folder, posix form
        (``configs/schiedam.toml``); its absolute posix path when it lies outside that folder.
    config_file : str
        The path the config was loaded from (for messages).
    raw : mapping
        The config's parsed TOML (``raw`` of its :class:`~wotsim.config.schema.Config`).
    sha256 : str
        The config's ``sha256``.
    scenarios : tuple of ScenarioSource
        In order; empty for ``scenarios = "none"``.
    outputs : tuple of str
        Outputs reported, each known to the base config and to every scenario.
    samples, seed : int
    sampler : str
        The batch's settings where given (the case's own seed first), else the config's ``[simulation]``.
    replicates : int or None
        The config's ``[simulation] replicates`` (None: the default; always None for ``mc``).
    """

    key: str
    config_file: str
    raw: Mapping[str, Any]
    sha256: str
    scenarios: tuple[ScenarioSource, ...]
    outputs: tuple[str, ...]
    samples: int
    seed: int
    sampler: str
    replicates: int | None
    #: The config and its scenarios as loaded here (for checks in this process; workers get ``raw`` and rebuild).
    config: Config | None = field(default=None, repr=False, compare=False)
    loaded: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:  # what travels is data: never the compiled config
        return {**self.__dict__, "config": None, "loaded": ()}


@dataclass(frozen=True)
class BatchSpec:
    """A validated batch file.

    Attributes
    ----------
    path : str
        The batch file.
    cases : tuple of BatchCase
        In file order; a glob's matches sorted by key.
    chunk_size : int or None
        Rows per task (None: a whole case per task).
    settings : mapping
        The ``[batch]`` table as read (for the manifest).
    """

    path: str
    cases: tuple[BatchCase, ...]
    chunk_size: int | None
    settings: Mapping[str, Any]


def load_batch(path: str | Path) -> BatchSpec:
    """Read and validate a batch file, loading every config and scenario it names.

    Parameters
    ----------
    path : str or Path
        The batch TOML file; relative paths in it are resolved against its folder.

    Returns
    -------
    BatchSpec

    Raises
    ------
    ConfigError
        One line naming the batch file and the dotted key (``cases[2].scenarios``), and the
        config involved; a config's or a scenario's own error keeps its file and key and adds
        the batch entry that reached it.
    """
    path = Path(path)
    ctx = Ctx(str(path))
    data = read_toml(path, missing="no such batch file")
    check_keys(ctx, data, _TOP_KEYS, "")
    table = get_table(ctx, data, "batch", "batch")
    check_keys(ctx, table, BATCH_KEYS, "batch")
    settings = _settings(ctx, table)
    entries = data.get("cases", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ctx.error("cases", f"must be an array of tables ([[cases]] with config = ...), got {shown(entries)}")
    if not entries:
        raise ctx.error("cases", 'is required: one [[cases]] table or more, each with config = "path or glob"')
    folder = path.parent
    todo = []  # every entry and file first (cheap checks), then the configs are loaded
    seen: dict[str, str] = {}  # real path -> the entry that reached it
    for i, entry in enumerate(entries):
        key = f"cases[{i}]"
        check_keys(ctx, entry, CASE_KEYS, key)
        pattern = get_str(ctx, entry, "config", f"{key}.config")
        names = _scenario_names(ctx, entry, key, folder)
        seed = get_int(ctx, entry, "seed", f"{key}.seed", minimum=0, maximum=None) if "seed" in entry else None
        for file in _matches(ctx, folder, pattern, f"{key}.config", skip=path):
            real = os.path.realpath(file)
            here = f"{key}.config ({shown(pattern)})"
            if real in seen:
                raise ctx.error(f"{key}.config", f"{file} is reached twice, by {seen[real]} and {here}; a batch runs "
                                "each config once: remove one entry or narrow the glob")
            seen[real] = here
            todo.append((key, file, names, seed))
    cases = tuple(_case(ctx, key, file, names, settings, seed, folder) for key, file, names, seed in todo)
    return BatchSpec(path=str(path), cases=cases, chunk_size=settings.get("chunk_size"),
                     settings=copy.deepcopy(table))


def _settings(ctx: Ctx, table: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[batch]`` settings that are given, checked."""
    out: dict[str, Any] = {}
    if "samples" in table:
        out["samples"] = get_int(ctx, table, "samples", "batch.samples", minimum=2, maximum=MAX_SAMPLES,
                                 why="the ceiling on the draws of one run, wotsim.limits.MAX_SAMPLES")
    if "seed" in table:
        out["seed"] = get_int(ctx, table, "seed", "batch.seed", minimum=0, maximum=None)
    if "sampler" in table:
        sampler = table["sampler"]
        if sampler not in SAMPLERS:
            raise ctx.error("batch.sampler", f"must be one of {', '.join(SAMPLERS)}, got {shown(sampler)}"
                            f"{hint(sampler, SAMPLERS) if isinstance(sampler, str) else ''}")
        out["sampler"] = sampler
    if "chunk_size" in table:
        out["chunk_size"] = get_int(ctx, table, "chunk_size", "batch.chunk_size", minimum=1)
    if "outputs" in table:
        outputs = table["outputs"]
        if (not isinstance(outputs, list) or not outputs
                or not all(isinstance(o, str) and o for o in outputs)):
            raise ctx.error("batch.outputs", 'must be a list of one output name or more (e.g. ["social_ratio", '
                            f'"npv"]), got {shown(outputs)}')
        twice = [o for o in dict.fromkeys(outputs) if outputs.count(o) > 1]
        if twice:
            raise ctx.error("batch.outputs", f"names {shown(twice[0])} twice; list each output once")
        out["outputs"] = tuple(outputs)
    return out


def _scenario_names(ctx: Ctx, entry: Mapping[str, Any], key: str, folder: Path) -> Sequence[str] | str:
    """``"all"``, ``"none"`` or the names for :func:`find_scenarios` (overlay paths joined to ``folder``)."""
    value = entry.get("scenarios", "none")
    if value in _SCENARIO_WORDS:
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        extra = hint(value, _SCENARIO_WORDS) if isinstance(value, str) else ""
        raise ctx.error(f"{key}.scenarios", f'must be "all", "none" or a list of scenario ids, overlay file stems '
                        f"or overlay paths, got {shown(value)}{extra}")
    names = []
    for name in (v.strip() for v in value):
        if name.endswith(".toml") or "/" in name or "\\" in name:  # a path, as find_scenarios reads one
            name = str(folder / name)  # an absolute path stays itself
        names.append(name)
    return names


def _matches(ctx: Ctx, folder: Path, pattern: str, key: str, *, skip: Path) -> list[str]:
    """The files a config path or glob names, relative to ``folder``, sorted by case key."""
    if not pattern.strip():
        raise ctx.error(key, "must be a config path or glob, relative to the batch file's folder, got ''")
    if _GLOB & set(pattern):
        own = os.path.realpath(skip)
        found = [str(folder / f) for f in glob.glob(pattern, root_dir=folder, recursive=True)]
        files = [f for f in found if os.path.isfile(f) and os.path.realpath(f) != own]
    else:
        files = [str(folder / pattern)] if os.path.lexists(folder / pattern) else []
    if not files:
        raise ctx.error(key, f"{shown(pattern)} matches no file (resolved against {os.path.abspath(folder)}, "
                        "the batch file's folder)")
    return sorted(files, key=lambda f: _case_key(folder, f))


def _case_key(folder: Path, file: str) -> str:
    """``file`` relative to ``folder`` in posix form, or its absolute posix path when outside."""
    full, base = Path(os.path.abspath(file)), Path(os.path.abspath(folder))
    try:
        return full.relative_to(base).as_posix()
    except ValueError:
        return full.as_posix()


def _within(exc: ConfigError, note: str) -> ConfigError:
    """A config's or scenario's own error, naming the batch entry that reached it."""
    return ConfigError(f"{exc.rule} ({note})", file=exc.file, key=exc.key)


def _case(ctx: Ctx, key: str, file: str, names: Sequence[str] | str, settings: Mapping[str, Any],
          seed: int | None, folder: Path) -> BatchCase:
    """Load one config and its scenarios; check outputs and sizes."""
    try:
        config = load_config(file)
        check_base_case(config)
    except ConfigError as exc:
        raise _within(exc, f"from {ctx.file}: {key}.config") from None
    scenarios = ()
    if names != "none":
        try:
            scenarios = find_scenarios(config, None if names == "all" else names)
            for sc in scenarios:
                check_base_case(sc.config)
        except ConfigError as exc:
            raise _within(exc, f"from {ctx.file}: {key}.scenarios") from None
        except WotsimError as exc:
            raise ctx.error(f"{key}.scenarios", f"{file}: {exc}") from None
    outputs = settings.get("outputs")
    if outputs is None:  # known to every scenario too: a scenario keeps the base's outputs and stakeholders
        outputs = default_outputs(config)
    else:
        _check_outputs(ctx, config, scenarios, outputs)
    sim = config.simulation
    samples, sampler = settings.get("samples", sim.samples), settings.get("sampler", sim.sampler)
    if samples > MAX_SAMPLES:  # the config's own: the batch's was checked with [batch]
        raise ConfigError(f"must be at most {MAX_SAMPLES:,} (the ceiling on the draws of one run) in a batch, got "
                          f"{samples:,}; set batch.samples (from {ctx.file}: {key}.config)", file=file,
                          key="simulation.samples")
    replicates = None if sampler == "mc" else sim.replicates
    if replicates is not None and replicates > samples // 2:
        raise ctx.error("batch.samples", f"{samples:,} draws leave fewer than 2 per randomisation for {file}'s "
                        f"simulation.replicates = {replicates}; use at least {2 * replicates} samples")
    return BatchCase(
        key=_case_key(folder, file), config_file=file, raw=config.raw, sha256=config.sha256,
        scenarios=tuple(ScenarioSource(id=sc.id, label=sc.label, file=sc.file, overlay=copy.deepcopy(dict(sc.overlay)))
                        for sc in scenarios),
        outputs=tuple(outputs), samples=samples, sampler=sampler, replicates=replicates,
        seed=seed if seed is not None else settings.get("seed", sim.seed), config=config, loaded=tuple(scenarios),
    )


def _check_outputs(ctx: Ctx, config: Config, scenarios: Sequence[Any], outputs: Sequence[str]) -> None:
    """Every output known to the base config and to every scenario (as :func:`compare` demands)."""
    for cfg, label in [(config, config.path)] + [(sc.config, f"{config.path}, scenario {sc.id!r}") for sc in scenarios]:
        for name in outputs:
            try:
                check_output(cfg, name)
            except WotsimError as exc:
                raise ctx.error("batch.outputs", f"{exc} (in {label})") from None
