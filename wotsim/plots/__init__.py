"""Figures, drawn from results objects only (the plots import nothing but results and formatting).

Each function returns a matplotlib Figure (or draws into the axes given) and never shows it;
:func:`save_figure` writes PNG and SVG files safely and :func:`figures_for` lists the figures
of any result object.  Every figure function takes ``lang`` (``"en"``, the default, or ``"nl"``:
every text in Dutch).  Modules: :mod:`.style` (palette, text, axes, money axes), :mod:`.words`
(what only figures need of the reader's language: tick formatters, labels on one line; the labels
themselves come from :mod:`wotsim.labels`, the numbers from :mod:`wotsim.formatting`, the analyses'
notes from :mod:`wotsim.notes`), :mod:`.files` (safe writing), :mod:`.distributions`
(a Monte Carlo run), :mod:`.stakeholders` (fan charts, who pays and who gains), :mod:`.sensitivity`
(Sobol', one-way, decision drivers), :mod:`.screening` (Morris, PAWN), :mod:`.decision`
(scenarios, value of information), :mod:`.evsi` (the value of sample information: is a study
worth it?), :mod:`.discovery` (scenario discovery), :mod:`.figures` (which figures a result has).
"""

from .decision import evppi_ranking, scenario_comparison, scenario_figures
from .evsi import evsi_curve, evsi_figures
from .discovery import discovery_figures, discovery_limits, discovery_scatter, discovery_trajectory
from .distributions import acceptability_curve, convergence_p, ratio_cdf, ratio_distribution, simulation_figures
from .figures import figures_for
from .files import figure_dir, save_figure
from .screening import morris_chart, pawn_bars
from .sensitivity import drivers_chart, sensitivity_figures, sobol_bars, sobol_convergence, tornado
from .stakeholders import fan_chart, stakeholder_chart
from .style import FIGSIZE, money_axis, new_axes, plain, set_title

__all__ = ["FIGSIZE", "acceptability_curve", "convergence_p", "discovery_figures", "discovery_limits",
           "discovery_scatter", "discovery_trajectory", "drivers_chart", "evppi_ranking", "evsi_curve", "evsi_figures",
           "fan_chart", "figure_dir", "figures_for", "money_axis", "morris_chart", "new_axes", "pawn_bars", "plain",
           "ratio_cdf", "ratio_distribution", "save_figure", "scenario_comparison", "scenario_figures", "sensitivity_figures",
           "set_title", "simulation_figures", "sobol_bars", "sobol_convergence", "stakeholder_chart", "tornado"]
