"""``wotsim import``: a workbook or a Dutch CSV folder, written here, gives the config it was made from.

The debt-counselling example (quantile forms, lognormal and gamma, an uncertain discount rate, a
filtered NPV output, a rank correlation) and its outreach scenario are written cell by cell with
openpyxl or the csv module, by this file's own small writer (not wotsim's exporter), then
imported: the base case must equal the original's exactly.  The CSV folders are Dutch Excel's:
``;`` separators, decimal commas, thousands with dots, a percentage, cp1252 or UTF-8 with a
byte-order mark.  One error test per kind of bad cell checks that the message names the file,
the sheet, the row and the column, and that nothing is written.  The MKBA template imports and
validates, and is what ``scripts/make_template.py`` writes.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from wotsim.cli import main
from wotsim.config.loading import load_config
from wotsim.config.overlays import find_scenarios
from wotsim.simulate import base_case
from wotsim.workbook.cells import CellValueError, convert, parse_number

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "configs" / "examples" / "debt_counselling.toml"
OUTREACH = ROOT / "configs" / "examples" / "scenarios" / "outreach.toml"
TEMPLATE = ROOT / "configs" / "templates" / "mkba_template.xlsx"

PARAMETER_COLUMNS = ["name", "label", "dist", "value", "low", "mode", "high", "base", "mean", "sd", "p05", "p95",
                     "unit", "group", "evidence", "source"]
ITEM_COLUMNS = ["id", "label", "kind", "stakeholder", "financial", "value", "start", "duration", "persistence"]
#: A non-ASCII text, to see the encodings through (cp1252 holds it).
HOUSEHOLDS_NL = "Huishoudens (cliënten, € per jaar)"


def _cell(value, dutch: bool):
    """How a person would type the value: lists in brackets, Dutch numbers with commas and dotted thousands."""
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]" if not dutch else "; ".join(str(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not dutch:
        return value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")  # 50000 -> 50.000
    return repr(value).replace(".", ",")


def _sheets(dutch: bool = False) -> dict[str, list[list]]:
    """The example config and its outreach scenario as sheets: name -> rows (header first)."""
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    outreach = tomllib.loads(OUTREACH.read_text(encoding="utf-8"))
    c = lambda v: _cell(v, dutch)  # noqa: E731
    study = [["key", "value"]] + [[k, c(v)] for k, v in raw["study"].items()]
    simulation = [list(raw["simulation"]), [c(v) for v in raw["simulation"].values()]]  # one row under the keys
    stakeholders = [["id", "label", "label_nl"]] + [[k, v, HOUSEHOLDS_NL if k == "households" else None]
                                                    for k, v in raw["stakeholders"].items()]
    parameters = [list(PARAMETER_COLUMNS)] + [[name] + [c(spec.get(k)) for k in PARAMETER_COLUMNS[1:]]
                                        for name, spec in raw["parameters"].items()]
    derived = [["name", "formula"]] + [[k, v] for k, v in raw["derived"].items()]
    items = [list(ITEM_COLUMNS)] + [[c(it.get(k)) for k in ITEM_COLUMNS] for it in raw["items"]]
    outputs = [["name", "label", "measure", "benefits", "benefits.stakeholder", "costs", "costs.stakeholder"]]
    for name, o in raw["outputs"].items():
        b, k = o["benefits"], o["costs"]
        outputs.append([name, o["label"], o.get("measure"), b if isinstance(b, str) else None,
                        b.get("stakeholder") if isinstance(b, dict) else None, k if isinstance(k, str) else None,
                        k.get("stakeholder") if isinstance(k, dict) else None])
    correlations = [["between", "rank", "source"]] + [[c(x["between"]), c(x["rank"]), x["source"]]
                                                      for x in raw["correlations"]]
    meta = outreach["scenario"]
    scenarios = [list(meta), [c(v) for v in meta.values()]]
    scenario_parameters = [["scenario", "change"] + PARAMETER_COLUMNS]
    for name, spec in outreach["parameters"].items():
        scenario_parameters.append(["outreach", "new", name] + [c(spec.get(k)) for k in PARAMETER_COLUMNS[1:]])
    scenario_derived = [["scenario", "name", "formula"]] + [["outreach", k, v] for k, v in outreach["derived"].items()]
    scenario_items = [["scenario"] + ITEM_COLUMNS + ["source"]]
    for it in outreach["add_items"]:
        scenario_items.append(["outreach"] + [c(it.get(k)) for k in ITEM_COLUMNS] + [it["source"]])
    return {"study": study, "simulation": simulation, "stakeholders": stakeholders, "parameters": parameters,
            "derived": derived, "items": items, "outputs": outputs, "correlations": correlations,
            "scenarios": scenarios, "scenario_parameters": scenario_parameters, "scenario_derived": scenario_derived,
            "scenario_items": scenario_items}


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def write_csv(folder: Path, sheets: dict[str, list[list]], *, sep: str = ";", encoding: str = "cp1252") -> Path:
    folder.mkdir()
    for name, rows in sheets.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as fh:
            csv.writer(fh, delimiter=sep).writerows([["" if v is None else v for v in row] for row in rows])
    return folder


def write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet: the mimetype, a manifest and content.xml (no odfpy needed)."""
    import html
    import zipfile

    def cell(v) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, bool):
            return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(v).lower()}"/>'
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v!r}"/>'
        return f'<table:table-cell office:value-type="string"><text:p>{html.escape(v)}</text:p></table:table-cell>'

    body = "".join(f'<table:table table:name="{html.escape(name)}">' + "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows) + "</table:table>"
        for name, rows in sheets.items())
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def _import(source: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["import", str(source), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err


@pytest.fixture(scope="module")
def expected():
    config = load_config(EXAMPLE)
    outreach = find_scenarios(config, ["outreach"])[0]
    return base_case(config), base_case(outreach.config)


def _check(out: Path, expected) -> None:
    config = load_config(out)
    base, outreach = expected
    got = base_case(config)
    assert got.outputs == base.outputs and got.item_pv == base.item_pv  # exactly: the same numbers in
    assert base_case(find_scenarios(config)[0].config).outputs == outreach.outputs
    assert config.translations["stakeholder", "households", "label", "nl"] == HOUSEHOLDS_NL


def test_a_workbook_imports_to_the_base_case_of_its_config(tmp_path, capsys, expected):
    source = write_xlsx(tmp_path / "model.xlsx", _sheets())
    code, err = _import(source, tmp_path / "model.toml", capsys)
    assert code == 0, err
    _check(tmp_path / "model.toml", expected)
    text = (tmp_path / "model.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for spec in raw["parameters"].values():  # every source and evidence tag kept
        assert f'source = {spec["source"]!r}'.replace("'", '"') in text and f'evidence = "{spec["evidence"]}"' in text


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_dutch_csv_folder_imports_to_the_same_base_case(tmp_path, capsys, expected, encoding):
    sheets = _sheets(dutch=True)
    sheets["parameters"][2][PARAMETER_COLUMNS.index("low")] = "2,25%"  # the discount rate's low, 0.0225
    assert any("," in str(v) for row in sheets["parameters"] for v in row if isinstance(v, str) and v[:1].isdigit())
    folder = write_csv(tmp_path / "model", sheets, encoding=encoding)
    assert (b"50.000" in (folder / "parameters.csv").read_bytes()) and (b";" in (folder / "items.csv").read_bytes())
    code, err = _import(folder, tmp_path / "model.toml", capsys)
    assert code == 0, err
    _check(tmp_path / "model.toml", expected)


@pytest.mark.parametrize("form", ["csv with commas", "ods"])
def test_a_comma_separated_csv_folder_and_an_ods_workbook_import_too(tmp_path, capsys, expected, form):
    if form == "ods":
        source = write_ods(tmp_path / "model.ods", _sheets())
    else:
        source = write_csv(tmp_path / "model", _sheets(), sep=",", encoding="utf-8")
    code, err = _import(source, tmp_path / "model.toml", capsys)
    assert code == 0, err
    _check(tmp_path / "model.toml", expected)


def test_encodings_and_separators_of_csv_files():
    from wotsim.workbook.sources import decode, separator_of

    text = "naam;waarde\r\nprijs;1,5 €\r\n"
    assert decode(text.encode("cp1252"), "x.csv") == decode(text.encode("utf-8-sig"), "x.csv") == text
    assert decode(text.encode("utf-16"), "x.csv") == text
    assert separator_of('"a;b",c\n1,2') == (",", '"a;b",c\n1,2')  # a ; inside quotes is no separator
    assert separator_of("sep=;\r\na,b;c") == (";", "a,b;c") and separator_of("a\tb")[0] == "\t"


def test_expert_quantile_columns_reach_the_config(tmp_path, capsys):
    """Columns this module does not list (p025, p975) and the range90 shorthand go to the config as they are."""
    from wotsim.config.distributions import DistributionError, make_distribution
    from wotsim.config.loading import parse_config

    try:
        make_distribution({"dist": "normal", "p025": 1.0, "p975": 2.0})
        make_distribution({"dist": "lognormal", "range90": [1, 2]})
    except DistributionError:
        pytest.skip("this config layer has no p025/p975 or range90 yet")
    sheets = _sheets()
    header = sheets["parameters"][0]
    header += ["p025", "p975", "range90"]
    rows = {row[0]: row for row in sheets["parameters"][1:]}
    for row in rows.values():
        row += [None, None, None]
    k05, k95 = header.index("p05"), header.index("p95")
    rows["households"][k05] = rows["households"][k95] = None
    rows["households"][-3:] = [380.4, 619.6, None]
    rows["counselling_cost"][k05] = rows["counselling_cost"][k95] = None
    rows["counselling_cost"][-1] = "600; 1500"  # a list without brackets: range90 is a list column
    code, err = _import(write_xlsx(tmp_path / "model.xlsx", sheets), tmp_path / "model.toml", capsys)
    assert code == 0, err
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["parameters"]["households"] = {**{k: v for k, v in raw["parameters"]["households"].items()
                                          if k not in ("p05", "p95")}, "p025": 380.4, "p975": 619.6}
    raw["parameters"]["counselling_cost"] = {**{k: v for k, v in raw["parameters"]["counselling_cost"].items()
                                                if k not in ("p05", "p95")}, "range90": [600, 1500]}
    got = load_config(tmp_path / "model.toml")
    assert got.raw["parameters"]["counselling_cost"]["range90"] == [600, 1500]
    assert base_case(got).outputs == base_case(parse_config(raw)).outputs


def test_numbers_as_people_write_them():
    assert parse_number("1.234,5", ",") == 1234.5 and parse_number("1,234.5", ".") == 1234.5
    assert parse_number("1.234", ",") == 1234 and parse_number("1.234", ".") == 1.234
    assert parse_number("0,75", ",") == 0.75 and parse_number("-2,25%", ",") == -0.0225
    assert convert("3,0", "int", ",") == 3 and convert("2,5; 97,5", "list", ",") == [2.5, 97.5]
    with pytest.raises(CellValueError, match=r"bad number '0\.75'.*decimal mark is a comma"):
        convert("0.75", "number", ",")
    # a separator followed by a space is a list's, never a thousands mark: '50, 100' is not 50100
    assert parse_number("50, 100", ".") is None and parse_number("1.234, 5", ",") is None
    assert convert("50, 100; 200", "list", ".") == ["50, 100", 200]
    assert convert("50; 100, 200", "list", ".") == [50, "100, 200"]


# --------------------------------------------------------------------------- one error per kind of bad cell
BAD = {
    # kind: (sheet, row, column index, new value, expected message)
    "unknown column": ("items", 0, 5, "valeu", r"items!F1 \(valeu\): unknown column \(did you mean 'value'\?\)"),
    "bad number": ("parameters", 3, PARAMETER_COLUMNS.index("p05"), "4OO", r"parameters!K4 \(p05\): bad number '4OO'"),
    "formula typo": ("items", 1, 5, "housholds * counselling_cost",
                     r"items!F2 \(value\): unknown name 'housholds' \(did you mean 'households'\?\)"),
    "duplicate id": ("items", 2, 0, "counselling", r"items!A3 \(id\): duplicate id 'counselling' \(first in row 2"),
    "missing cell": ("items", 1, 2, None, r"items!C2 \(kind\): is empty; required: cost or benefit"),
    "formula without its value": ("parameters", 3, PARAMETER_COLUMNS.index("p05"), "=400",
                                  r"parameters!K4: holds the formula '=400' without a saved value"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_cell_is_named_by_file_sheet_row_and_column(tmp_path, capsys, kind):
    sheet, row, col, value, message = BAD[kind]
    sheets = _sheets()
    sheets[sheet][row][col] = value
    source = write_xlsx(tmp_path / "model.xlsx", sheets)
    out = tmp_path / "model.toml"
    out.write_text("# the previous config\n", encoding="utf-8")
    code, err = _import(source, out, capsys)
    assert code == 2
    assert err.startswith(f"wotsim: error: {source}: ") and len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert out.read_text(encoding="utf-8") == "# the previous config\n"  # nothing written over it


def test_a_csv_error_names_the_csv_file(tmp_path, capsys):
    sheets = _sheets(dutch=True)
    sheets["correlations"][1][1] = "0,5x"
    folder = write_csv(tmp_path / "model", sheets)
    code, err = _import(folder, tmp_path / "model.toml", capsys)
    assert code == 2 and f"{folder / 'correlations.csv'}: correlations!B2 (rank): bad number '0,5x'" in err, err
    assert not (tmp_path / "model.toml").exists()


def test_two_decimal_marks_in_one_file_are_refused_naming_both_cells(tmp_path, capsys):
    sheets = _sheets(dutch=True)
    sheets["parameters"][5][PARAMETER_COLUMNS.index("mean")] = "0.15"  # p_prevented's mean, among decimal commas
    folder = write_csv(tmp_path / "model", sheets)
    code, err = _import(folder, tmp_path / "model.toml", capsys)
    assert code == 2 and "parameters!I6 (mean): a decimal point here, but a decimal comma in parameters!E3 (low)" in err


def test_a_missed_target_is_refused_at_its_cell(tmp_path, capsys):
    sheets = _sheets()
    sheets["outputs"][0].append("target")
    sheets["outputs"][1].append(9.5)
    code, err = _import(write_xlsx(tmp_path / "model.xlsx", sheets), tmp_path / "model.toml", capsys)
    assert code == 2 and "outputs!H2 (target): base case" in err and "misses target 9.5" in err, err
    assert not (tmp_path / "model.toml").exists()


# --------------------------------------------------------------------------- the MKBA template
def test_the_mkba_template_imports_to_a_valid_config(tmp_path, capsys):
    code, err = _import(TEMPLATE, tmp_path / "my.toml", capsys)
    assert code == 0, err
    config = load_config(tmp_path / "my.toml")
    assert [it.kind for it in config.items] == ["cost", "cost", "benefit", "benefit", "benefit"]  # costs, then effects
    assert all(p.source for p in config.parameters.values())  # every number says where it comes from
    assert [s.id for s in find_scenarios(config)] == ["larger_team"]


def test_the_template_is_what_its_script_writes():
    spec = importlib.util.spec_from_file_location("make_template", ROOT / "scripts" / "make_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert TEMPLATE.read_bytes() == module.template_bytes(), "run python scripts/make_template.py"
    from openpyxl import load_workbook

    names = load_workbook(TEMPLATE, read_only=True).sheetnames
    assert names[:10] == ["README", "study", "stakeholders", "parameters - 1 reach", "derived", "parameters - 2 costs",
                          "items - 2 costs", "parameters - 3 effects", "items - 3 effects",
                          "outputs - 4 value per actor"]
