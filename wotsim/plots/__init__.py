"""Figures, drawn from results objects only (the plots import nothing but results).

Each function returns a matplotlib Figure (or draws into the axes given) and never
shows it; :func:`save_figure` writes PNG and SVG files safely.
"""

from .distributions import (FIGSIZE, acceptability_curve, convergence_p, drivers_chart, evppi_ranking, fan_chart,
                            figure_dir, money_axis, new_axes, plain, ratio_cdf, ratio_distribution, save_figure,
                            scenario_comparison, scenario_figures, sensitivity_figures, set_title, simulation_figures,
                            sobol_bars, sobol_convergence, stakeholder_chart, tornado)

__all__ = ["FIGSIZE", "acceptability_curve", "convergence_p", "drivers_chart", "evppi_ranking", "fan_chart",
           "figure_dir", "money_axis", "new_axes", "plain", "ratio_cdf", "ratio_distribution", "save_figure",
           "scenario_comparison", "scenario_figures", "sensitivity_figures", "set_title", "simulation_figures",
           "sobol_bars", "sobol_convergence", "stakeholder_chart", "tornado"]
