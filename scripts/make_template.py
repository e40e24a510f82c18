"""Write ``configs/templates/mkba_template.xlsx``: an MKBA workbook laid out as Dutch practice does.

    python scripts/make_template.py            # (re)write the template
    python scripts/make_template.py --check    # exit 1 if the file differs from what this script writes

The layout follows the toolkit LPBL made for neighbourhood teams (for the ministry BZK): reach
-> costs -> effects -> present value per actor.  The sheets come in that order (``parameters - 1
reach``; ``parameters - 2 costs`` and ``items - 2 costs``; ``parameters - 3 effects`` and ``items -
3 effects``; ``outputs - 4 value per actor``), then the tables a study needs less often.  It holds
a small worked example (a neighbourhood team, one yearly cohort of households) that imports to a
valid config (``tests/test_workbook_import.py``); every number says where it comes from or that it
is an example assumption, to be replaced.  The bytes are reproducible (fixed timestamps), so
``--check`` can tell whether the file is what this script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wotsim.workbook.export import workbook_bytes  # noqa: E402
from wotsim.workbook.files import write_file  # noqa: E402

TEMPLATE = ROOT / "configs" / "templates" / "mkba_template.xlsx"
EXAMPLE = "Example (assumption): replace with your own figure and its source."

STUDY = [
    {"key": "name", "value": "Example MKBA: a neighbourhood team (replace with your study)",
     "note": "Every number in this template is an example: replace it, and say where yours comes from."},
    {"key": "name_nl", "value": "Voorbeeld-MKBA: een wijkteam (vervang door uw studie)"},
    {"key": "description", "value": "A neighbourhood team against a situation without it; one yearly cohort of "
                                    "supported households."},
    {"key": "description_nl", "value": "Een wijkteam vergeleken met een situatie zonder; één jaarcohort "
                                       "ondersteunde huishoudens."},
    {"key": "currency", "value": "EUR"},
    {"key": "price_year", "value": 2024, "note": "Example (assumption): the price level of your amounts."},
    {"key": "horizon", "value": 5, "note": "Example (assumption): years of effects counted; such effects fade."},
    {"key": "discount_rate", "value": 0.0225,
     "note": "Sourced: CPB/PBL discount rate for analyses started from 1 January 2021."},
    {"key": "unit_of_analysis", "value": "per yearly cohort", "note": "Example (assumption)."},
    {"key": "unit_of_analysis_nl", "value": "per jaarcohort"},
    {"key": "source", "value": EXAMPLE},
]
SIMULATION = [
    {"key": "samples", "value": 16384, "note": "2^14 draws: an assumption about precision (--samples overrides it)."},
    {"key": "seed", "value": 2024},
    {"key": "sampler", "value": "sobol"},
]
STAKEHOLDERS = [
    {"id": "municipality", "label": "Municipality", "label_nl": "Gemeente"},
    {"id": "households", "label": "Households", "label_nl": "Huishoudens"},
    {"id": "creditors", "label": "Creditors and national government", "label_nl": "Schuldeisers en Rijk"},
]
GROUPS = [
    {"group": "reach", "label": "Reach", "label_nl": "Bereik"},
    {"group": "cost", "label": "Costs", "label_nl": "Kosten"},
    {"group": "effect", "label": "Effects", "label_nl": "Effecten"},
    {"group": "unit value", "label": "Unit values", "label_nl": "Kengetallen"},
    {"group": "time", "label": "Time", "label_nl": "Tijd"},
]


def _pert(name, label, label_nl, low, mode, high, unit, group, evidence="assumed", source=EXAMPLE):
    return {"name": name, "label": label, "label_nl": label_nl, "dist": "pert", "low": low, "mode": mode, "high": high,
            "unit": unit, "group": group, "evidence": evidence, "source": source}


REACH = [
    _pert("n_households", "Households supported", "Ondersteunde huishoudens", 800, 1000, 1200,
          "households per yearly cohort", "reach"),
    _pert("share_debt", "Share with problematic debts", "Aandeel met problematische schulden", 0.15, 0.25, 0.35,
          "share of households", "reach"),
    _pert("share_qol", "Share with a quality-of-life gain", "Aandeel met een betere kwaliteit van leven", 0.2, 0.3, 0.4,
          "share of households", "reach"),
]
COSTS = [
    {"name": "fte", "label": "Team staff (FTE)", "label_nl": "Personeel van het team (fte)", "value": 8, "unit": "FTE",
     "group": "cost", "evidence": "assumed", "source": EXAMPLE},
    _pert("cost_per_fte", "Yearly cost per FTE", "Jaarkosten per fte", 62000, 72000, 85000, "EUR per FTE per year",
          "unit value", source="Example (assumption): salary plus overhead of a care provider; replace with yours."),
    _pert("share_extra_care", "Share referred to extra care", "Aandeel doorverwezen naar extra zorg", 0.1, 0.15, 0.3,
          "share of households", "effect"),
    _pert("care_trajectory_cost", "Cost per extra care trajectory", "Kosten per extra zorgtraject", 2000, 3000, 5000,
          "EUR per trajectory", "unit value"),
]
EFFECTS = [
    _pert("share_efficiency", "Share helped with one joint plan", "Aandeel geholpen met één gezamenlijk plan",
          0.15, 0.3, 0.45, "share of households", "effect"),
    _pert("hours_saved", "Professional hours saved per household", "Bespaarde uren hulpverlening per huishouden",
          10, 20, 30, "hours per household", "effect"),
    _pert("hourly_rate", "Cost per professional hour", "Kosten per uur hulpverlening", 55, 70, 90, "EUR per hour",
          "unit value"),
    _pert("p_debt_stabilised", "Chance debts are stabilised", "Kans dat schulden stabiel worden", 0.05, 0.1, 0.2,
          "probability per household with debts", "effect"),
    _pert("debt_cost_avoided", "Debt costs avoided per household", "Vermeden schuldkosten per huishouden",
          1500, 2500, 5000, "EUR per stabilised household per year", "unit value"),
    _pert("delta_qaly", "QALY gain per household", "QALY-winst per huishouden", 0.005, 0.02, 0.04,
          "QALY per household in the first year", "effect"),
    _pert("qaly_value", "Value of a healthy life year (QALY)", "Waarde van een gezond levensjaar (QALY)",
          20000, 50000, 80000, "EUR per QALY", "unit value", evidence="sourced",
          source="NTVG 2013: at least EUR 50,000 per QALY, reference band EUR 20,000-80,000."),
    _pert("persistence_debt", "Debt effect kept per year", "Schuldeffect dat per jaar blijft", 0.4, 0.6, 0.8,
          "share kept from one year to the next", "time"),
    _pert("persistence_qol", "Quality-of-life effect kept per year",
          "Effect op kwaliteit van leven dat per jaar blijft", 0.3, 0.5, 0.7, "share kept from one year to the next",
          "time"),
]
DERIVED = [{"name": "households_in_debt", "formula": "n_households * share_debt",
            "note": "Reach: households with problematic debts."}]


def _item(item_id, label, label_nl, kind, stakeholder, financial, value, **more):
    return {"id": item_id, "label": label, "label_nl": label_nl, "kind": kind, "stakeholder": stakeholder,
            "financial": financial, "value": value, **more}


COST_ITEMS = [
    _item("team", "The team's staff", "Personeel van het team", "cost", "municipality", True, "fte * cost_per_fte",
          duration=1),
    _item("extra_care", "Extra care trajectories", "Extra zorgtrajecten", "cost", "municipality", True,
          "n_households * share_extra_care * care_trajectory_cost", duration=1),
]
BENEFIT_ITEMS = [
    _item("efficiency", "Efficiency: one plan, fewer professionals", "Efficiëntie: één plan, minder hulpverleners",
          "benefit", "municipality", True, "n_households * share_efficiency * hours_saved * hourly_rate",
          persistence=0),
    _item("debt", "Debt stabilisation", "Stabiele schulden", "benefit", "creditors", True,
          "households_in_debt * p_debt_stabilised * debt_cost_avoided", persistence="persistence_debt"),
    _item("quality_of_life", "Quality of life", "Kwaliteit van leven", "benefit", "households", False,
          "n_households * share_qol * delta_qaly * qaly_value", persistence="persistence_qol"),
]
OUTPUTS = [
    {"name": "social_ratio", "label": "Social cost-benefit ratio",
     "label_nl": "Maatschappelijke baten-kostenverhouding", "benefits": "all", "costs": "all"},
    {"name": "financial_ratio", "label": "Financial ratio (municipal)", "label_nl": "Financiële verhouding (gemeente)",
     "benefits.stakeholder": "municipality", "benefits.financial": True, "costs": "all"},
    {"name": "social_npv", "label": "Net present value (society)", "label_nl": "Netto contante waarde (maatschappij)",
     "measure": "npv", "benefits": "all", "costs": "all"},
    {"name": "municipal_npv", "label": "Net present value (municipality)",
     "label_nl": "Netto contante waarde (gemeente)", "measure": "npv", "benefits.stakeholder": "municipality",
     "costs.stakeholder": "municipality",
     "note": "Every stakeholder's net present value is computed too (net:<stakeholder>), whatever this sheet holds."},
]
CORRELATIONS = [{"between": ["cost_per_fte", "hourly_rate"], "rank": 0.5,
                 "source": "Example (assumption): both follow the wages of care professionals."}]
SCENARIOS = [{"id": "larger_team", "label": "A larger team", "label_nl": "Een groter team",
              "description": "Two more FTE reaching a fifth more households, with the same effects per household.",
              "description_nl": "Twee fte meer, die een vijfde meer huishoudens bereiken met dezelfde effecten per "
                                "huishouden.",
              "evidence": EXAMPLE, "category": "recommendation", "order": 10}]
SCENARIO_PARAMETERS = [
    {"scenario": "larger_team", "change": "scale", "name": "fte", "factor": 1.25, "source": EXAMPLE},
    {"scenario": "larger_team", "change": "scale", "name": "n_households", "factor": 1.2, "source": EXAMPLE},
]

SHEETS = [
    ("study", "study", STUDY),
    ("stakeholders", "stakeholders", STAKEHOLDERS),
    ("parameters - 1 reach", "parameters", REACH),
    ("derived", "derived", DERIVED),
    ("parameters - 2 costs", "parameters", COSTS),
    ("items - 2 costs", "items", COST_ITEMS),
    ("parameters - 3 effects", "parameters", EFFECTS),
    ("items - 3 effects", "items", BENEFIT_ITEMS),
    ("outputs - 4 value per actor", "outputs", OUTPUTS),
    ("scenarios", "scenarios", SCENARIOS),
    ("scenario_parameters", "scenario_parameters", SCENARIO_PARAMETERS),
    ("correlations", "correlations", CORRELATIONS),
    ("groups", "groups", GROUPS),
    ("simulation", "simulation", SIMULATION),
]
COLUMNS = {
    "parameters": ("name", "label", "label_nl", "dist", "value", "low", "mode", "high", "base", "unit", "group",
                   "evidence", "source", "note"),
    "items": ("id", "label", "label_nl", "kind", "stakeholder", "financial", "value", "start", "duration",
              "persistence", "source", "note"),
    "outputs": ("name", "label", "label_nl", "measure", "benefits", "benefits.stakeholder", "benefits.financial",
                "costs", "costs.stakeholder", "target", "note"),
    "study": ("note",), "simulation": ("note",),
}
INTRO = [
    ("Layout", "As Dutch practice lays out an MKBA (the LPBL toolkit for neighbourhood teams): reach -> costs -> "
               "effects -> present value per actor. 'parameters - 1 reach': how many households, which shares. "
               "'parameters - 2 costs' and 'items - 2 costs': what the intervention costs and who pays. "
               "'parameters - 3 effects' and 'items - 3 effects': what it changes, valued in euros, and who gains. "
               "'outputs - 4 value per actor': the ratios and net present values; wotsim also computes every "
               "stakeholder's net present value (net:<stakeholder>). Then the scenarios, correlations, groups and "
               "simulation settings."),
    ("Fill in", "Replace the example numbers with your own, each with its source (the source column) and an "
                "evidence tag (sourced, derived, assumed, calibrated). Add rows as needed; formulas name parameters "
                "by their name. Give a dist (pert: low, mode, high) for an uncertain number, a value for a fixed one."),
    ("Two commands", "wotsim import mkba_template.xlsx --out my.toml   then   wotsim report my.toml --out report"),
    ("", ""),
]


def template_bytes() -> bytes:
    return workbook_bytes(SHEETS, title="MKBA template (wotsim): reach -> costs -> effects -> present value per actor",
                          intro=INTRO, columns=COLUMNS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the template differs from what is written")
    args = parser.parse_args(argv)
    data = template_bytes()
    if args.check:
        same = TEMPLATE.is_file() and TEMPLATE.read_bytes() == data
        verdict = "up to date" if same else "differs: run python scripts/make_template.py"
        print(f"{TEMPLATE.relative_to(ROOT)}: {verdict}")
        return 0 if same else 1
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    write_file(TEMPLATE, data, what="template")
    print(f"wrote {TEMPLATE.relative_to(ROOT)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
