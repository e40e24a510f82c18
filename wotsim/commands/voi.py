"""``wotsim voi CONFIG``: the value of information, and with ``--studies`` / ``--study`` that of sample information.

Per decision (keep the intervention; with ``--scenarios``, adopt each scenario one could adopt) the EVPI
and the EVPPI per parameter and group (:func:`wotsim.analysis.pipeline.decision_voi`), printed by
:func:`wotsim.report.text.format_voi_run`.  ``--studies`` adds every study of the config
(``[studies.<id>]``), ``--study ID`` the ones named (repeatable, or comma separated): per study and
decision the EVSI, population EVSI, cost and ENBS at each study size with the best size
(:func:`wotsim.analysis.evsi.evsi_many`, printed by :func:`wotsim.report.studies.format_evsi`).  The
studies are checked before the first sample: an unknown id, or ``--studies`` on a config without
studies, is one line and exit 2.  ``--out`` writes ``voi.json``, ``evppi.csv`` and, with studies,
``evsi.json`` and ``evsi.csv`` in one atomic write (the manifest lists the studies under ``"studies"``);
``--format`` adds the tables (``evsi`` among them).
Nothing heavy is imported at load time (tests/test_fast_start.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..errors import WotsimError
from .common import add_shared, check_format, compare_progress, load, positive_int, save, scenario_names

__all__ = ["add_parser", "run", "study_ids"]


def add_parser(sub) -> None:
    """Register ``wotsim voi`` on the subparsers ``sub``."""
    voi = sub.add_parser("voi", help="value of information (EVPI, EVPPI per parameter and group) for keeping the "
                         "intervention, and for adopting scenarios instead of the base; with --studies the value of "
                         "sample information (EVSI, ENBS, the best study size)")
    add_shared(voi, "config")
    voi.add_argument("--output", default="npv", metavar="NAME",
                     help="net benefit in money: npv (default), an NPV output or net:<stakeholder>")
    voi.add_argument("--scenarios", metavar="A,B,...|all",
                     help="also the decision to adopt each of these scenarios instead of the base ('all': every "
                          "scenario found)")
    add_shared(voi, "samples", "seed", "sampler")
    voi.add_argument("--groups", action=argparse.BooleanOptionalAction, default=True,
                     help="EVPPI per parameter group too (default: yes)")
    voi.add_argument("--top", type=positive_int, default=10, help="parameters listed per decision (default 10)")
    which = voi.add_mutually_exclusive_group()
    which.add_argument("--studies", action="store_true",
                       help="also the value of sample information of every study of the config ([studies.<id>]): "
                            "EVSI, population EVSI, cost and ENBS per study size, the best size marked")
    which.add_argument("--study", action="append", metavar="ID[,ID...]",
                       help="as --studies, for these studies only (repeat, or comma separated)")
    voi.add_argument("--out", type=Path, help="results directory to write (voi.json, evppi.csv, manifest.json; with "
                                              "studies evsi.json and evsi.csv)")
    add_shared(voi, "format", "progress")
    voi.set_defaults(func=run)


def study_ids(config, studies: bool, named: list[str] | None) -> list[str]:
    """The studies asked for, in the config's order for ``--studies``, as named for ``--study``; each id
    checked (an unknown one: one line with a did-you-mean, naming the config's studies)."""
    from ..config.keys import hint

    known = list(config.studies)
    if studies:
        if not known:
            raise WotsimError(f"{config.path}: --studies: this config has no studies ([studies.<id>] tables "
                              "describe what a study would measure, at which sizes and cost: see the README's config reference, "
                              "'Studies')")
        return known
    ids = list(dict.fromkeys(x.strip() for text in named or [] for x in text.split(",") if x.strip()))
    if named is not None and not ids:
        raise WotsimError("--study must name at least one study (comma separated)")
    for sid in ids:
        if sid not in config.studies:
            raise WotsimError(f"{config.path}: --study {sid!r}: no such study{hint(sid, known)}; studies of this "
                              f"config: {', '.join(known) or 'none'}")
    return ids


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..analysis.pipeline import decision_voi
    from ..analysis.scenarios import compare
    from ..analysis.voi import save_voi
    from ..config.overlays import find_scenarios, is_decision
    from ..limits import check_simulation
    from ..report.text import ProgressBar, format_voi_run, unit_of_analysis

    config = load(args.config)
    check_simulation(config, samples=args.samples, sampler=args.sampler, what="--samples")  # scenarios: compare's own
    check_format(args)
    studies = study_ids(config, args.studies, args.study)  # before the first sample
    names = scenario_names(args.scenarios)
    scenarios = ()
    if names is not None:
        scenarios = find_scenarios(config, None if names == ["all"] else names)
        progress = compare_progress(err, args.progress, ["base"] + [s.id for s in scenarios])
        source = compare(config, scenarios, outputs=(args.output,), samples=args.samples, seed=args.seed,
                         sampler=args.sampler, progress=progress)
        result = source.base
    else:
        from ..simulate import simulate

        source = result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                                   progress=ProgressBar("simulating", err, enabled=args.progress))
    found = decision_voi(source, output=args.output, groups=args.groups)
    vois = list(found.values())
    skipped = [sc.id for sc in scenarios if not is_decision(sc)]
    out.write(format_voi_run(result, vois, output=args.output, skipped=skipped, top=args.top) + "\n")
    man = dict(result.manifest, analysis="voi", output=args.output,
               scenarios=[{"id": s.id, "file": s.file, "config_sha256": s.config.sha256} for s in scenarios])
    extra: dict = {}
    if studies:
        from ..analysis.evsi import evsi_files, evsi_frame, evsi_many
        from ..report.studies import format_evsi

        # the decisions voi weighed, in its order: keep, then the adoption of each decision scenario
        by_study = evsi_many(source, studies, output=args.output, decisions=list(found))
        evsi = [r for sid in studies for r in by_study[sid]]
        out.write("\n" + format_evsi(evsi, unit=unit_of_analysis(config)) + "\n")
        man["studies"] = list(studies)
        json_files, texts = evsi_files(evsi)
        extra = dict(json_files=json_files, texts=texts,
                     tables=None if args.format == "npz" else {"evsi": evsi_frame(evsi)})
    save(args.out, out, lambda path: save_voi(path, vois, man, format=args.format, **extra))
    return 0
