"""Safe arithmetic formulas from config text.

A formula such as ``"n_households * reach * unit_cost"`` is parsed with :mod:`ast`
and compiled once into a tree of small Python closures over numpy arrays.  Config
text is data: nothing is ever passed to ``eval`` or ``exec``.

Allowed: numbers, names, ``+ - * / **``, unary ``-``/``+``, comparisons
(``< <= > >= == !=``, giving boolean arrays for ``where``) and calls of the
whitelisted numpy functions in :data:`FUNCTIONS`.  Everything else (attribute
access, subscripts, lambdas, comprehensions, strings, keyword arguments, ...)
is rejected with a message naming the construct.

Integer literals are turned into floats, so ``9 ** 9 ** 9`` overflows to ``inf``
at once instead of hanging the process in exact integer arithmetic.
"""

from __future__ import annotations

import ast
import difflib
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "compile_expression", "order_formulas"]

#: Whitelisted functions: name -> (numpy function, allowed argument counts).
FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {
    "exp": (np.exp, (1,)),
    "log": (np.log, (1,)),
    "log10": (np.log10, (1,)),
    "sqrt": (np.sqrt, (1,)),
    "abs": (np.abs, (1,)),
    "floor": (np.floor, (1,)),
    "ceil": (np.ceil, (1,)),
    "sin": (np.sin, (1,)),
    "cos": (np.cos, (1,)),
    "tan": (np.tan, (1,)),
    "tanh": (np.tanh, (1,)),
    "minimum": (np.minimum, (2,)),
    "maximum": (np.maximum, (2,)),
    "clip": (np.clip, (3,)),
    "where": (np.where, (3,)),
}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}

#: Longest formula accepted, in characters (keeps parsing cheap and bounded).
MAX_LENGTH = 2000
#: Deepest nesting accepted.
MAX_DEPTH = 200

_DESCRIBE = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions (use where(cond, a, b))",
    ast.BoolOp: "'and'/'or' (use where)",
    ast.NamedExpr: "assignment expressions",
    ast.Starred: "starred arguments",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "strings",
    ast.Await: "await",
    ast.Yield: "yield",
}


class ExpressionError(ValueError):
    """A formula breaks a rule; the caller adds the file and key."""


@dataclass(frozen=True)
class Expression:
    """A compiled formula.

    Attributes
    ----------
    text : str
        The formula as written.
    names : frozenset of str
        Every name the formula reads.
    """

    text: str
    names: frozenset[str]
    _fn: Callable[[Mapping[str, Any]], Any] = field(repr=False, compare=False)

    def __call__(self, env: Mapping[str, Any]) -> Any:
        """Evaluate on a mapping from names to scalars or arrays (broadcasting)."""
        with np.errstate(all="ignore"):
            return self._fn(env)

    @property
    def constant(self) -> float | None:
        """The value when the formula reads no names, else None."""
        if self.names:
            return None
        return float(self({}))  # through __call__, so overflow warnings stay silenced


def _describe(node: ast.AST) -> str:
    for typ, text in _DESCRIBE.items():
        if isinstance(node, typ):
            return text
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r} (only numbers are allowed)"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the unary operator {type(node.op).__name__}"
    return type(node).__name__


def _compile_node(node: ast.AST, names: set[str], depth: int) -> Callable[[Mapping[str, Any]], Any]:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"formula nests deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"{_describe(node)} is not allowed")
        number = _finite(value)  # numpy scalars: arithmetic overflows to inf instead of raising or hanging
        return lambda env: number
    if isinstance(node, ast.Name):
        name = node.id
        if name in FUNCTIONS:
            raise ExpressionError(f"function {name!r} must be called, e.g. {name}(x)")
        names.add(name)
        return lambda env: env[name]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left = _compile_node(node.left, names, depth + 1)
        right = _compile_node(node.right, names, depth + 1)
        return lambda env: op(left(env), right(env))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        uop = _UNARY[type(node.op)]
        operand = _compile_node(node.operand, names, depth + 1)
        return lambda env: uop(operand(env))
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            raise ExpressionError("only single comparisons (<, <=, >, >=, ==, !=) are allowed")
        cop = _COMPARE[type(node.ops[0])]
        left = _compile_node(node.left, names, depth + 1)
        right = _compile_node(node.comparators[0], names, depth + 1)
        return lambda env: cop(left(env), right(env))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                f"only calls of the functions {', '.join(sorted(FUNCTIONS))} are allowed, "
                f"not {_describe(node.func)}"
            )
        fname = node.func.id
        if fname not in FUNCTIONS:
            hint = difflib.get_close_matches(fname, FUNCTIONS, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ExpressionError(
                f"function {fname!r} is not allowed{did}; allowed: {', '.join(sorted(FUNCTIONS))}"
            )
        if node.keywords:
            raise ExpressionError(f"{fname}() takes no keyword arguments")
        fn, arities = FUNCTIONS[fname]
        if len(node.args) not in arities:
            want = " or ".join(str(a) for a in arities)
            raise ExpressionError(f"{fname}() takes {want} argument(s), got {len(node.args)}")
        args = [_compile_node(a, names, depth + 1) for a in node.args]
        if len(args) == 1:
            (a0,) = args
            return lambda env: fn(a0(env))
        return lambda env: fn(*[a(env) for a in args])
    raise ExpressionError(f"{_describe(node)} is not allowed in a formula")


def _finite(value: int | float) -> np.float64:
    """A literal as a numpy float; NaN, infinities and integers beyond float range are errors."""
    try:
        number = np.float64(value)
    except OverflowError:
        raise ExpressionError(f"number {str(value)[:20]}... is too large (must be finite)") from None
    if not np.isfinite(number):
        raise ExpressionError(f"numbers must be finite, got {value!r}")
    return number


def compile_expression(text: str | int | float) -> Expression:
    """Parse and compile a formula (or wrap a number).

    Parameters
    ----------
    text : str or number
        The formula. Numbers are accepted as constant formulas.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        On a syntax error or any construct outside the whitelist.
    """
    if isinstance(text, bool):
        raise ExpressionError(f"must be a number or a formula, got {text!r}")
    if isinstance(text, (int, float)):
        number = _finite(text)
        return Expression(repr(text), frozenset(), lambda env: number)
    if not isinstance(text, str):
        raise ExpressionError(f"must be a number or a formula string, got {text!r}")
    if not text.strip():
        raise ExpressionError("formula is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid formula {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"formula nests too deeply: {text[:40]!r}...") from None
    names: set[str] = set()
    fn = _compile_node(tree.body, names, 0)
    return Expression(text, frozenset(names), fn)


def order_formulas(deps: Mapping[str, frozenset[str]]) -> list[str]:
    """Topologically order named formulas by the names they read.

    Parameters
    ----------
    deps : mapping of name -> names read
        Only names that are keys of ``deps`` count as edges.

    Returns
    -------
    list of str
        Every key, each after all the formulas it reads.

    Raises
    ------
    ExpressionError
        On a cycle, naming it (``a -> b -> a``).
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name):]  # path already ends with name
            raise ExpressionError(f"formulas form a cycle: {' -> '.join(cycle)}")
        state[name] = 1
        for dep in sorted(deps[name]):
            if dep in deps:
                visit(dep, path + [dep])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [name])
    return order
