"""``wotsim export-config CONFIG --out WORKBOOK.xlsx``: a config and its scenarios as a workbook for Excel users.

The inverse of ``wotsim import``: the config's tables and every scenario found for it (its
``[scenarios.<id>]`` tables and the overlay files of ``<config dir>/scenarios`` that apply to
it) go to the sheets of :mod:`wotsim.workbook.columns`, the comments of the TOML files to the
``note`` columns (:mod:`wotsim.workbook.notes`), with a README sheet and each column's meaning
in a note on its header (:func:`wotsim.workbook.export.workbook_bytes`).  Importing the workbook
gives the same model: the same base case and, for the same seed, the same draws bit for bit
(``tests/test_workbook_export.py`` checks every shipped config).  Written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .common import add_shared

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register ``wotsim export-config`` on the subparsers ``sub``."""
    p = sub.add_parser("export-config", help="write a config and its scenario overlays as an .xlsx workbook "
                       "(edit it in Excel; 'wotsim import' reads it back)")
    add_shared(p, "config")
    p.add_argument("--out", type=Path, required=True, metavar="WORKBOOK.xlsx",
                   help="the workbook to write (an existing file is replaced)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..config.loading import load_config
    from ..config.overlays import find_scenarios
    from ..errors import WotsimError
    from ..workbook.export import config_sheets, config_tables, workbook_bytes
    from ..workbook.files import write_file
    from ..workbook.notes import config_notes, merged, overlay_notes

    target: Path = args.out
    if target.suffix.lower() != ".xlsx":
        raise WotsimError(f"--out {target}: the workbook is an .xlsx file")
    config = load_config(args.config)
    scenarios = find_scenarios(config)
    found = [config_notes(Path(config.path).read_text(encoding="utf-8"))]
    for sc in scenarios:
        if sc.file != config.path:
            found.append(overlay_notes(Path(sc.file).read_text(encoding="utf-8"), sc.id))
    base = {k: v for k, v in config.raw.items() if k != "scenarios"}
    tables = config_tables(base, {sc.id: sc.overlay for sc in scenarios}, merged(*found))
    data = workbook_bytes(config_sheets(tables), title=f"{config.study.name}: wotsim config {Path(config.path).name}")
    write_file(target, data, what="workbook")
    out.write(f"{config.path} -> {target}: {len(config.parameters)} parameters, {len(config.items)} items, "
              f"{len(config.outputs)} outputs, {len(scenarios)} scenarios\n")
    return 0
