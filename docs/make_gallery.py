"""Regenerate the README gallery: docs/gallery/*.png from the Schiedam case.

Run from the repository root:  python docs/make_gallery.py
Uses only the public API; sample sizes are modest so it runs in about a minute.
"""

from __future__ import annotations

from pathlib import Path

import wotsim
from wotsim import plots
from wotsim.analysis.discover import discover
from wotsim.analysis.drivers import decision_drivers
from wotsim.analysis.evsi import study_evsi
from wotsim.analysis.oneway import one_way
from wotsim.analysis.scenarios import compare
from wotsim.config.overlays import find_scenarios
from wotsim.analysis.sobol import sobol_indices
from wotsim.analysis.voi import keep_voi

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "gallery"


def main() -> None:
    config = wotsim.load_config(ROOT / "configs" / "schiedam.toml")
    recommendations = [s for s in find_scenarios(config) if s.category == "recommendation"]
    comparison = compare(config, recommendations, samples=2**15)
    result = comparison.base
    figures = {
        "distribution_social_ratio": plots.ratio_distribution(result, output="social_ratio"),
        "distribution_financial_ratio": plots.ratio_distribution(result, output="financial_ratio"),
        "acceptability_social_ratio": plots.acceptability_curve(result, output="social_ratio"),
        "fan_total": plots.fan_chart(result),
        "stakeholders": plots.stakeholder_chart(result),
        "sobol_groups_social_ratio": plots.sobol_bars(
            sobol_indices(config, outputs=["social_ratio"], samples=2**13, groups="group"), output="social_ratio",
            config=config),
        "sobol_social_ratio": plots.sobol_bars(sobol_indices(config, outputs=["social_ratio"], samples=2**13),
                                               output="social_ratio", config=config),
        "morris_social_ratio": plots.morris_chart(wotsim.morris_screening(config, outputs=["social_ratio"]),
                                                  output="social_ratio", config=config),
        "pawn_social_ratio": plots.pawn_bars(wotsim.pawn_indices(result, outputs=["social_ratio"]),
                                             output="social_ratio", config=config),
        "tornado_social_ratio": plots.tornado(one_way(config, output="social_ratio"), config=config),
        "drivers_social_ratio": plots.drivers_chart(decision_drivers(result, output="social_ratio"), config=config),
        "scenarios_social_ratio": plots.scenario_comparison(comparison, output="social_ratio"),
        "evppi_keep": plots.evppi_ranking(keep_voi(result), config=config),
        **dict(plots.evsi_figures(study_evsi(result, "placement_followup", decisions=["base"]), config=config)),
        **{stem: fig for stem, fig in plots.discovery_figures(discover(result, output="social_ratio", below=1))
           if stem in ("discover_limits_1", "discover_trajectory_1")},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, fig in figures.items():
        plots.save_figure(fig, OUT / stem, formats=("png",), dpi=100)
        print(f"docs/gallery/{stem}.png")


if __name__ == "__main__":
    main()
