"""Results as tables: the one helper every result's ``to_frame`` goes through, and the labels it shows.

Every result object of wotsim has ``to_frame(table=...)`` (one :class:`pandas.DataFrame`) and
``frames()`` (every table it has, by name: what ``--format csv|xlsx|parquet`` writes, see
:mod:`wotsim.results.tables`).  Each builds its rows and hands them to :func:`table` with the
columns it declares as ``(id, label, unit)``; :func:`table` makes the frame, in that column order,
and records in ``frame.attrs`` (a table with one row per draw is indexed by the draw, ``draw``):

* ``"table"``: the table's name (``"draws"``, ``"summary"``, ``"indices"`` ...) and ``"description"``;
* ``"labels"``: column id -> the words a person reads (``"mean_se"`` -> ``"Monte Carlo standard
  error of the mean"``; a parameter's column -> its label in the config);
* ``"units"``: column id -> unit, for the columns that have one (the config's currency, a
  parameter's unit); a table whose rows mix units (a ratio's summary beside an NPV's) carries a
  ``unit`` column instead.

Column names are ids, for traceability (a parameter's name, an output's name as the config
writes them); the rows name what they describe by id *and* label (``output`` and
``output_label``, ``parameter`` and ``label``).  Numbers are copied as they are (float64, no
rounding); undefined values (None, NaN) are NaN.  pandas is imported when a frame is made, never
when wotsim is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ..config.translations import label_of
from ..errors import WotsimError
from ..i18n import humanise

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from ..config.schema import Config

__all__ = ["Column", "DRAW", "config_of", "factor_table", "money", "output_label", "output_unit", "parameter_columns",
           "percentile_columns", "table"]

#: A column: (id, label, unit); the unit is "" where there is none (counts, shares, ratios, text).
Column = tuple[str, str, str]

#: The outputs wotsim defines itself, in English (the summaries' labels).
OWN_OUTPUTS = {"benefits": "Total benefits (PV)", "costs": "Total costs (PV)", "npv": "Net present value"}


#: The index of a table with one row per draw: its row in ``arrays.npz`` (a name no config name can take
#: would read worse; the index never collides with a column named ``draw``).
DRAW: Column = ("draw", "Draw (row of arrays.npz, from 0)", "")


def table(name: str, columns: Sequence[Column], data: Mapping[str, Any] | Iterable[Mapping[str, Any]], *,
          description: str = "", per_draw: bool = False) -> "pandas.DataFrame":
    """A frame of ``columns`` (in that order) from columns (``{id: values}``) or rows (``[{id: value}]``).

    A row that lacks a column leaves it empty (NaN, or None in a text column).  ``frame.attrs`` gets
    ``table``, ``description``, ``labels`` (every column) and ``units`` (the columns with a unit).  With
    ``per_draw``, the index is the draw (:data:`DRAW`: 0, 1, ..., named ``draw``), labelled too.
    """
    import pandas as pd

    ids = [c[0] for c in columns]
    if len(set(ids)) != len(ids):
        raise ValueError(f"table {name!r}: column ids must be distinct, got {ids}")
    if isinstance(data, Mapping):
        frame = pd.DataFrame({c: data[c] for c in ids}, columns=ids)
    else:
        rows = list(data)
        frame = pd.DataFrame({c: [row.get(c) for row in rows] for c in ids}, columns=ids)
    labels = {c[0]: c[1] for c in columns}
    if per_draw:
        frame.index = pd.RangeIndex(len(frame), name=DRAW[0])
        labels = {DRAW[0]: DRAW[1], **labels}
    frame.attrs.update(table=name, description=description, labels=labels,
                       units={c[0]: c[2] for c in columns if c[2]})
    return frame


def money(config: "Config") -> str:
    """The unit of an amount: the config's currency (its price year and unit of analysis are in the README)."""
    return config.study.currency


def output_label(config: "Config | None", name: str) -> str:
    """An output's label: a config output's, wotsim's own (``npv``, ``benefits``, ``costs``), ``Net value:
    <stakeholder>`` for ``net:<stakeholder>``, the ratio's for ``npv:<ratio>``, else (and without a config)
    the id made readable."""
    if config is None:
        return OWN_OUTPUTS.get(name) or humanise(name)
    if name in OWN_OUTPUTS:
        return OWN_OUTPUTS[name]
    if name.startswith("net:") and name[4:] in config.stakeholders:
        return f"Net value: {label_of(config, 'stakeholder', name[4:])}"
    if name.startswith("npv:") and name[4:] in config.outputs:
        return f"Benefits minus costs of: {output_label(config, name[4:])}"
    return label_of(config, "output", name)


def output_unit(config: "Config | None", name: str) -> str:
    """An output's unit: "" for a ratio (and without a config), else the currency."""
    if config is None:
        return ""
    measure = config.outputs[name].measure if name in config.outputs else "npv"
    return "" if measure == "ratio" else money(config)


def parameter_columns(config: "Config", names: Sequence[str]) -> list[Column]:
    """A column per parameter: its name, label and unit (a scenario's own parameter, not in ``config``:
    its id made readable, no unit)."""
    return [(name, label_of(config, "parameter", name),
             config.parameters[name].unit if name in config.parameters else "") for name in names]


def percentile_columns(keys: Iterable[str], unit: str = "") -> list[Column]:
    """A column per stored percentile key (``p5`` -> "5th percentile")."""
    return [(k, f"{_ordinal(k[1:])} percentile", unit) for k in keys]


def _ordinal(text: str) -> str:
    last = text[-1:]
    suffix = "th" if text.endswith(("11", "12", "13")) or "." in text else {"1": "st", "2": "nd", "3": "rd"}.get(
        last, "th")
    return text + suffix


def config_of(manifest: Mapping[str, Any]) -> "Config | None":
    """The config stored in a result's manifest (for labels and units), or None when it has none."""
    raw = manifest.get("config")
    if not isinstance(raw, dict):
        return None
    from ..config.loading import parse_config

    path = manifest.get("config_path")
    try:
        return parse_config(raw, file=path if isinstance(path, str) else "<results>")
    except (WotsimError, RecursionError, OverflowError, ValueError, TypeError):
        return None


def factor_table(name: str, result: Any, fields: Sequence[tuple[str, str, Callable[[Any], Any]]], *,
                 description: str, config: "Config | None" = None, unit: bool = False) -> "pandas.DataFrame":
    """One row per (output, factor) of a sensitivity result (``result.indices``: output -> a record with
    ``factors`` and per-factor arrays; ``result.labels`` and ``result.members`` per factor).

    Columns: ``output``, ``output_label``, [``unit``: the output's, when ``unit``], ``factor`` (a parameter,
    or a group of them), ``label``, ``parameters`` (the factor's parameters, ``", "``-joined), then each of
    ``fields``: (id, label, values of a record, one per factor).  ``config`` (default: the one in the
    result's manifest) gives the outputs' labels and units.
    """
    config = config if config is not None else config_of(getattr(result, "manifest", {}) or {})
    rows = []
    for output, record in result.indices.items():
        values = {f: list(get(record)) for f, _, get in fields}
        head = {"output": output, "output_label": output_label(config, output)}
        if unit:
            head["unit"] = output_unit(config, output)
        for j, factor in enumerate(record.factors):
            rows.append({**head, "factor": factor, "label": result.labels.get(factor, factor),
                         "parameters": ", ".join(result.members.get(factor, (factor,))),
                         **{f: v[j] for f, v in values.items()}})
    columns = [("output", "Output (id)", ""), ("output_label", "Output", ""),
               *([("unit", "Unit of the output", "")] if unit else []),
               ("factor", "Factor (id: a parameter, or a group of parameters)", ""), ("label", "Factor", ""),
               ("parameters", "Its parameters", ""), *((f, label, "") for f, label, _ in fields)]
    return table(name, columns, rows, description=description)
