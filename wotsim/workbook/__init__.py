"""Tables in and out: a config as a workbook (.xlsx, .ods) or a folder of CSV files, and back.

One sheet (or CSV file) per table of the config (``study``, ``simulation``, ``stakeholders``,
``groups``, ``parameters``, ``derived``, ``items``, ``outputs``, ``correlations``, ``studies``)
and, for the scenario overlays, ``scenarios``, ``scenario_parameters``, ``scenario_derived``,
``scenario_items``, ``scenario_outputs`` and ``scenario_studies``; columns are named as the TOML keys.  Modules:

* :mod:`~wotsim.workbook.columns`: the sheets, their columns, what kind of value each holds and
  what it means (the README sheet and the header notes);
* :mod:`~wotsim.workbook.cells`: one cell's value: numbers as people write them (decimal commas,
  thousands), lists, true/false; spreadsheet cell names (``items!E7``);
* :mod:`~wotsim.workbook.sources`: opening a workbook or a CSV folder (encodings, separators);
* :mod:`~wotsim.workbook.tables`: the sheets -> a parsed config (a dict, as TOML gives) and where
  each key came from, so that a config error names its cell (:mod:`~wotsim.workbook.cellmap`);
* :mod:`~wotsim.workbook.toml_text`: that dict -> TOML text, notes as comments;
* :mod:`~wotsim.workbook.notes`: the comments of a TOML config, as the notes of its rows;
* :mod:`~wotsim.workbook.export`: a config and its scenarios -> an .xlsx workbook;
* :mod:`~wotsim.workbook.files`: writing a file atomically.

It imports the config layer and the base modules only; ``wotsim import`` and ``wotsim
export-config`` (:mod:`wotsim.commands`) validate and write.
"""

from .._lazy import lazy_exports

#: Public names, imported on first use: name -> submodule.
_LAZY = {
    "read_workbook": "tables", "Imported": "tables", "config_notes": "notes", "overlay_notes": "notes",
    "config_text": "toml_text",
    "config_sheets": "export", "config_tables": "export", "workbook_bytes": "export",
    "write_file": "files",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
