"""The condition of a scenario discovery, checked and described before any sampling.

:func:`condition_of` takes what ``wotsim discover`` (or :func:`wotsim.analysis.discover.discover`)
was given -- a formula over output names (``--where``), an output with ``--below``/``--above``, or
a scenario doing worse than the base on an output -- and checks it against the config (one line
naming the flag on any error), so that a bad condition is refused before the first sample.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..config.expressions import ExpressionError, compile_condition
from ..config.schema import Config
from ..errors import WotsimError
from ..model import check_output, output_measure, output_names

__all__ = ["WORSE_MEASURES", "condition_of", "finite_number", "label_of"]

#: Measures for which "worse" is defined (higher is better).
WORSE_MEASURES = ("ratio", "npv")


def label_of(config: Config, name: str) -> str:
    if name in config.outputs:
        return config.outputs[name].label or name
    if name.startswith("net:"):
        return f"net value to {config.stakeholders.get(name[4:], name[4:])}"
    if name.startswith("npv:"):
        return f"net benefit behind the {label_of(config, name[4:]).lower()}"
    return {"npv": "net present value", "benefits": "present value of the benefits",
            "costs": "present value of the costs"}.get(name, name)


def finite_number(value: Any, flag: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise WotsimError(f"{flag} must be a finite number, got {value!r}")
    return float(value)


def condition_of(config: Config, *, where: str | None = None, output: str | None = None,
                 below: float | None = None, above: float | None = None,
                 scenario: str | None = None) -> dict[str, Any]:
    """Check how a condition is given and describe it: ``kind``, ``condition`` text, ``output``,
    ``threshold``, the outputs it reads (``reads``) and their ``labels``.

    Exactly one of ``where``, ``output`` with ``below`` or ``above``, or ``scenario`` with ``output``.

    Raises
    ------
    WotsimError
        One line naming the flag: a syntax error, an unknown output, a missing or extra part.
    """
    given = [k for k, v in (("--where", where), ("--below", below), ("--above", above)) if v is not None]
    if scenario is not None:
        if given:
            raise WotsimError(f"--scenario asks where the scenario does worse than the base on --output; "
                              f"leave out {', '.join(given)}")
        if output is None:
            raise WotsimError("--scenario needs --output NAME: the output on which the scenario does worse")
        measure = check_output(config, output, measures=WORSE_MEASURES, what="--scenario (worse than the base)")
        return dict(kind="worse", condition=f"{scenario} worse than base on {output}", output=output,
                    threshold=math.nan, reads=(output,), labels={output: label_of(config, output)}, measure=measure)
    if len(given) != 1:
        raise WotsimError("give one condition: --where CONDITION, or --output NAME with --below X or --above X"
                          if not given else f"give one condition, not {' and '.join(given)}")
    if where is not None:
        if output is not None:
            raise WotsimError("--output goes with --below, --above or --scenario, not with --where")
        try:
            expr = compile_condition(where)
        except ExpressionError as exc:
            hint = ("; outputs named with ':' (net:<stakeholder>, npv:<ratio>) go with --output NAME --below X"
                    if ":" in str(where) else "")
            raise WotsimError(f"--where: {exc}{hint}") from None
        known = output_names(config)
        for name in sorted(expr.names):
            if name not in known:
                usable = [k for k in known if k.isidentifier()]
                raise WotsimError(f"--where: unknown output {name!r}; a condition reads outputs by name: "
                                  f"{', '.join(usable)} (net:<stakeholder> and npv:<ratio> with --output)")
        reads = tuple(sorted(expr.names))
        if not reads:
            raise WotsimError(f"--where: {where!r} reads no output; name one, e.g. 'social_ratio < 1'")
        measure = output_measure(config, reads[0]) if len(reads) == 1 else "condition"
        return dict(kind="condition", condition=where.strip(), output=reads[0] if len(reads) == 1 else "",
                    threshold=math.nan, reads=reads, labels={n: label_of(config, n) for n in reads},
                    measure=measure)
    if output is None:
        raise WotsimError(f"{given[0]} needs --output NAME")
    check_output(config, output, what="discover")
    kind, threshold = (("below", finite_number(below, "--below")) if below is not None
                       else ("above", finite_number(above, "--above")))
    return dict(kind=kind, condition=f"{output} {'<' if kind == 'below' else '>'} {threshold:g}", output=output,
                threshold=threshold, reads=(output,), labels={output: label_of(config, output)},
                measure=output_measure(config, output))
