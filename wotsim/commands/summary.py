"""``wotsim summary RESULTS_OR_CONFIG``: the report's first page in the terminal.

From a config it runs the base analysis and every scenario found on common random numbers (the
config's ``[simulation]`` sizes unless ``--samples`` says otherwise); from a directory ``wotsim run``
or ``wotsim compare`` wrote, it reads the draws back without rerunning.  Then the decision drivers
and the value of information of keeping the intervention (with the value of sample information of
the config's studies, when it has any), and prints
:func:`wotsim.report.council.council_text`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from .common import add_shared, compare_progress, load, warn

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register ``wotsim summary`` on the subparsers ``sub``."""
    p = sub.add_parser("summary", help="the verdict in a few lines: headline ratios, a verdict per recommendation, "
                       "what matters most, what research would be worth (the report's first page)")
    p.add_argument("source", type=Path, metavar="RESULTS_OR_CONFIG",
                   help="a config file, or a directory written by 'wotsim run' or 'wotsim compare' with --out")
    add_shared(p, "samples", "seed", "sampler", "progress")
    p.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                   help="language of the words and numbers: en (default) or nl (Dutch: 1,05; € 1,2 mln.)")
    p.set_defaults(func=run)


def _from_directory(directory: Path):
    from ..analysis.io import kind_of, load_any
    from ..errors import WotsimError

    kind = kind_of(directory)
    if kind not in ("run", "compare"):
        raise WotsimError(f"{directory}: a {kind} directory holds no Monte Carlo draws to summarise; give a config, "
                          "or a directory 'wotsim run' or 'wotsim compare' wrote")
    loaded = load_any(directory)
    return (loaded, None) if kind == "run" else (loaded.base, loaded)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..analysis.drivers import decision_drivers
    from ..analysis.pipeline import headline_outputs
    from ..analysis.voi import keep_voi
    from ..errors import WotsimError
    from ..model import net_benefit_for
    from ..report.council import council_page, council_text
    from ..report.text import ProgressBar

    if args.source.is_dir():
        if any(v is not None for v in (args.samples, args.seed, args.sampler)):
            raise WotsimError(f"{args.source}: --samples, --seed and --sampler apply to a config; a results directory "
                              "is summarised as it was run")
        result, comparison = _from_directory(args.source)
        config = result.config
    else:
        from ..analysis.scenarios import compare
        from ..config.overlays import find_scenarios
        from ..limits import check_comparison, check_simulation

        config = load(str(args.source))
        scenarios = find_scenarios(config)
        if scenarios:
            check_comparison(config, scenarios, samples=args.samples, sampler=args.sampler, what="--samples")
            ids = ["base"] + [s.id for s in scenarios]
            comparison = compare(config, scenarios, outputs=headline_outputs(config), samples=args.samples,
                                 seed=args.seed, sampler=args.sampler,
                                 progress=compare_progress(err, args.progress, ids))
            result = comparison.base
        else:
            from ..simulate import simulate

            check_simulation(config, samples=args.samples, sampler=args.sampler, what="--samples")
            comparison = None
            result = simulate(config, samples=args.samples, seed=args.seed, sampler=args.sampler,
                              progress=ProgressBar("simulating", err, enabled=args.progress))
    outputs = headline_outputs(config)
    main = outputs[0]
    drivers = decision_drivers(result, output=main)
    voi = keep_voi(result, output=net_benefit_for(config, main), groups=False)
    evsi = ()
    if config.studies:  # the config's studies: the first page names one worth its cost (as the report's does)
        from ..analysis.evsi import evsi_many

        found = evsi_many(result, output=net_benefit_for(config, main), decisions=["base"])
        evsi = [r for results in found.values() for r in results]
    page = council_page(config, result, outputs=outputs, comparison=comparison, drivers=drivers, voi=voi, evsi=evsi,
                        lang=args.lang)
    out.write(council_text(page) + "\n")
    out.flush()
    warn(err, list(config.notes))
    return 0
