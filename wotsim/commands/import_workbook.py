"""``wotsim import WORKBOOK --out CONFIG.toml``: a config from a workbook (.xlsx, .ods) or a folder of CSV files.

Reads the sheets (:func:`wotsim.workbook.tables.read_workbook`), writes the config as TOML text
with every source, evidence tag and note kept (:func:`wotsim.workbook.toml_text.config_text`),
and checks that text with every check of ``wotsim validate``
(:func:`wotsim.analysis.pipeline.validate`: the config, the base case, the draws' support, every
target, every scenario).  A cell that cannot be read, or a rule the config breaks, is one line
naming the file, the sheet, the cell and its column (``model.xlsx: items!E7 (value): unknown
name 'huishoudens' ...``), exit 2, and nothing is written; a valid config is written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .common import warn

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register ``wotsim import`` on the subparsers ``sub``."""
    p = sub.add_parser("import", help="read a config from a workbook (.xlsx, .ods) or a folder of CSV files, check it "
                       "as validate does, and write it as TOML")
    p.add_argument("workbook", type=Path, metavar="WORKBOOK",
                   help="an .xlsx, .xlsm or .ods workbook, or a folder of CSV files, one sheet or file per table "
                        "(study, stakeholders, parameters, items, outputs, ...; see its README sheet)")
    p.add_argument("--out", type=Path, required=True, metavar="CONFIG.toml",
                   help="the TOML config to write (only if it is valid; an existing file is replaced)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import tomllib

    from ..analysis.pipeline import validate
    from ..config.loading import parse_config
    from ..config.sizes import MAX_CONFIG_BYTES
    from ..errors import ConfigError, WotsimError
    from ..report.text import format_targets
    from ..workbook.files import write_file
    from ..workbook.tables import read_workbook
    from ..workbook.toml_text import config_text

    target: Path = args.out
    if target.suffix.lower() != ".toml":
        raise WotsimError(f"--out {target}: a config is a .toml file")
    imported = read_workbook(args.workbook)
    source = args.workbook.name or str(args.workbook)
    text = config_text(imported.raw, imported.notes, header=(
        f"Written by `wotsim import` from {source}: edit the workbook and import it again, or edit this file",
        "(`wotsim export-config` writes it back as a workbook)."))
    data = text.encode("utf-8")
    if len(data) > MAX_CONFIG_BYTES:
        raise WotsimError(f"{args.workbook}: the config would be {len(data):,} bytes; a config is at most "
                          f"{MAX_CONFIG_BYTES:,} bytes")
    config_file = str(target)
    try:
        config = parse_config(tomllib.loads(text), file=config_file)
        checked = validate(config)
    except ConfigError as exc:
        raise imported.error(exc, config_file) from None
    warn(err, [imported.warning(w, config_file) for w in checked.warnings])
    rows, failed = format_targets(checked.targets)
    if failed:
        out.write(f"{args.workbook}: base case against the targets\n" + "\n".join(rows) + "\n")
        misses = []
        for name, got, goal, tolerance in checked.targets:
            if goal is not None and not abs(got - goal) <= tolerance:
                cell = imported.cells.locate(f"outputs.{name}.target")
                misses.append(f"{cell or f'outputs.{name}'}: base case {got:.4f} misses target {goal:g} by more "
                              f"than {tolerance:g}")
        raise WotsimError(f"{args.workbook}: " + "; ".join(misses) + f"; {target} not written")
    write_file(target, data, what="config")
    out.write(f"{args.workbook} -> {target}: valid ({len(config.parameters)} parameters, {len(config.uncertain)} "
              f"uncertain; {len(config.items)} items; {len(config.outputs)} outputs)\n")
    out.write("".join(r + "\n" for r in rows))
    if checked.scenarios:
        out.write(f"  scenarios: {len(checked.scenarios)} valid ({', '.join(sc.id for sc in checked.scenarios)})\n")
    return 0
