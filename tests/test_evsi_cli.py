"""``wotsim voi --studies`` / ``--study`` (issue 14, point 4): the value of sample information where users see it.

One run of ``wotsim voi configs/schiedam.toml --studies --samples 4096 --out DIR`` (about a second): both studies
printed with their best sizes, ``evsi.json`` and ``evsi.csv`` written beside ``voi.json`` and read back by
``wotsim.analysis.io.load_any`` (and checked: the manifest's studies, the stored config's studies), the figures
``wotsim plot`` would draw, and the EVSI figure itself against the numbers it draws (greyscale, labels not ids).
The errors of ``--study`` and ``--studies`` come before the first sample.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import re
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from wotsim.analysis.evsi import NO_SIZE, load_evsi
from wotsim.analysis.io import VoiDirectory, kind_of, load_any
from wotsim.cli import main
from wotsim.errors import ResultsError
from wotsim.plots import evsi_curve, figures_for

ROOT = Path(__file__).resolve().parents[1]
SCHIEDAM = ROOT / "configs" / "schiedam.toml"
DEBT = ROOT / "configs" / "examples" / "debt_counselling.toml"


@pytest.fixture(scope="module")
def voi_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("voi") / "schiedam"
    text, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(err):
        code = main(["voi", str(SCHIEDAM), "--studies", "--samples", "4096", "--out", str(out)])
    assert code == 0, err.getvalue()
    return out, text.getvalue()


def test_voi_studies_prints_both_studies_with_their_best_sizes(voi_run):
    out, text = voi_run
    assert text.index("EVPPI per parameter") < text.index("Value of sample information")  # after voi's own output
    heads = re.findall(r"^Study: (.+) \((\w+)\): informs (\w+);", text, re.M)
    assert heads == [("Follow-up of placements prevented", "placement_followup", "p_placement_prevented"),
                     ("Quality-of-life measurement", "quality_of_life", "delta_qaly")]
    best = re.findall(r"^  best size: ([\d,]+) \(ENBS EUR ([\d,-]+) ± ([\d,]+)\)$", text, re.M)
    loaded = load_any(out).evsi
    assert [int(n.replace(",", "")) for n, _, _ in best] == [r.best_size for r in loaded] == [400, 400]
    for (_, enbs, se), r in zip(best, loaded):  # the printed ENBS is the stored one, in whole euros
        j = r.sizes.index(r.best_size)
        printed = (int(enbs.replace(",", "")), int(se.replace(",", "")))
        assert printed == (round(r.enbs[j]), round(r.population_evsi_se[j]))
    rows = re.findall(r"^ +400 .* best$", text, re.M)  # the best size's row marked, in each study's table
    assert len(rows) == 2 and text.count(" best\n") == 2
    # the quality-of-life study's best ENBS (+14,320) is within two standard errors (52,248) of 0: said
    assert "note: the ENBS of the best size (14,320) is within two standard errors (52,248) of 0" in text


def test_out_writes_evsi_files_that_load_back(voi_run):
    out, _ = voi_run
    assert {"voi.json", "evppi.csv", "evsi.json", "evsi.csv", "manifest.json"} <= {p.name for p in out.iterdir()}
    assert kind_of(out) == "voi"
    loaded = load_any(out)
    assert isinstance(loaded, VoiDirectory) and [v.decision for v in loaded] == ["keep"]
    assert loaded.evsi == load_evsi(out) and [r.study for r in loaded.evsi] == ["placement_followup", "quality_of_life"]
    assert json.loads((out / "manifest.json").read_text())["studies"] == ["placement_followup", "quality_of_life"]
    with open(out / "evsi.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["study"], int(r["size"])) for r in rows] == [(s.study, n) for s in loaded.evsi for n in s.sizes]
    assert [float(r["enbs"]) for r in rows] == [x for s in loaded.evsi for x in s.enbs]  # repr: exact
    assert [r["size"] for r in rows if r["best"] == "yes"] == ["400", "400"]
    for r in loaded.evsi:  # ENBS = population EVSI - cost, the cost = fixed + per unit x n
        assert r.enbs == tuple(p - c for p, c in zip(r.population_evsi, r.cost))
        assert r.cost == tuple(r.cost_fixed + r.cost_per_unit * n for n in r.sizes)
    stems = [stem for stem, fig in figures_for(loaded)]  # what `wotsim plot` draws, in its order
    assert stems == ["evppi_keep", "evsi_placement_followup_keep", "evsi_quality_of_life_keep"]


@pytest.mark.parametrize("damage, message", [
    ("no_json", "missing evsi.json"),
    ("manifest", "studies must list the studies of evsi.json"),
    ("unknown_study", "is not a study of the stored config"),
])
def test_a_damaged_voi_directory_with_studies_is_one_clear_error(voi_run, tmp_path, damage, message):
    out = tmp_path / "copy"
    shutil.copytree(voi_run[0], out)
    if damage == "no_json":
        (out / "evsi.json").unlink()
    elif damage == "manifest":
        man = json.loads((out / "manifest.json").read_text())
        (out / "manifest.json").write_text(json.dumps({**man, "studies": ["quality_of_life"]}))
    else:
        body = json.loads((out / "evsi.json").read_text())
        body["studies"][0]["study"] = "elsewhere"
        (out / "evsi.json").write_text(json.dumps(body))
    with pytest.raises(ResultsError, match=message):
        load_any(out)


def _grey(colour) -> bool:
    if isinstance(colour, str) and colour == "none":
        return True
    r, g, b, _ = to_rgba(colour)
    return r == pytest.approx(g) == pytest.approx(b)


def test_the_evsi_figure_draws_its_numbers_in_greyscale_with_labels(voi_run):
    loaded = load_any(voi_run[0])
    r = loaded.evsi[0]
    fig = evsi_curve(r, config=loaded.config)
    by = {a.get_gid(): a for a in fig.findobj(lambda a: a.get_gid() is not None)}
    assert list(by["evsi"].get_xdata()) == list(r.sizes) and list(by["evsi"].get_ydata()) == list(r.population_evsi)
    assert list(by["enbs"].get_ydata()) == list(r.enbs) and list(by["cost"].get_ydata()) == list(r.cost)
    assert list(by["ceiling"].get_ydata()) == [r.population_evppi] * 2
    j = r.sizes.index(r.best_size)
    assert (list(by["best"].get_xdata()), list(by["best"].get_ydata())) == ([r.best_size], [r.enbs[j]])
    band = by["evsi_band"].get_paths()[0].vertices  # ±2 se around the population EVSI
    assert np.isclose(band[:, 1].max(), max(p + 2 * s for p, s in zip(r.population_evsi, r.population_evsi_se)))
    assert fig.axes[0].get_xscale() == "log"
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    every = "\n".join(texts)
    assert fig.axes[0].get_title(loc="left") == "Is a study worth it? Follow-up of placements prevented"
    assert "Chance a child placement is prevented" in every and not re.search(r"\b[a-z]+_[a-z_]+\b", every)
    for artist in fig.findobj(lambda a: isinstance(a, (Line2D, matplotlib.patches.Rectangle,
                                                       matplotlib.collections.Collection)) and a.get_visible()):
        if isinstance(artist, Line2D):
            colours = [artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()]
        elif isinstance(artist, matplotlib.patches.Rectangle):
            colours = [artist.get_facecolor(), artist.get_edgecolor()]
        else:
            colours = list(artist.get_facecolor()) + list(artist.get_edgecolor())
        assert all(_grey(c) for c in colours), artist
    assert all(_grey(t.get_color()) for t in fig.findobj(matplotlib.text.Text))
    none = evsi_curve(dataclass_without_best(r), config=loaded.config)  # no size worth it: said, nothing marked
    gids = {a.get_gid() for a in none.findobj(lambda a: a.get_gid() is not None)}
    assert "no_size" in gids and "best" not in gids


def dataclass_without_best(r):
    import dataclasses

    return dataclasses.replace(r, best_size=None, message=NO_SIZE)


@pytest.mark.parametrize("config, args, message", [
    (SCHIEDAM, ["--study", "quality_of_lfe"], "--study 'quality_of_lfe': no such study (did you mean "
                                              "'quality_of_life'?); studies of this config: placement_followup, "
                                              "quality_of_life"),
    (SCHIEDAM, ["--study", "placement_followup", "--study", "nope,quality_of_life"], "--study 'nope': no such study"),
    (SCHIEDAM, ["--study", " , "], "--study must name at least one study"),
    (DEBT, ["--studies"], "--studies: this config has no studies"),
])
def test_study_errors_are_one_line_before_any_sampling(monkeypatch, capsys, config, args, message):
    def never(*a, **k):
        raise AssertionError("sampled before the studies were checked")

    monkeypatch.setattr(importlib.import_module("wotsim.simulate"), "simulate", never)
    monkeypatch.setattr(importlib.import_module("wotsim.analysis.scenarios"), "compare", never)
    assert main(["voi", str(config), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err, err


def test_studies_and_study_are_one_or_the_other(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["voi", str(SCHIEDAM), "--studies", "--study", "quality_of_life"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
