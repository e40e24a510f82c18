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

Limits (hostile text gives an :class:`ExpressionError`, never a ``RecursionError``):
a formula is at most :data:`MAX_LENGTH` characters and nests at most
:data:`MAX_DEPTH` levels, counted as nested parentheses in the text and as nested
operations in the parsed formula (a function call, a unary sign, the right operand
of an operator each add a level; a left-to-right chain such as ``a + b - c + ...``
or ``a * b / c`` is one level however long, and is evaluated by a loop).
Parentheses and runs of signs are counted before :func:`ast.parse`, whose own
failures are caught too.  :func:`order_formulas` is iterative, so a chain of
thousands of formulas that read each other is fine.
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
import operator
import re
import reprlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "compile_condition", "compile_expression", "order_formulas",
           "shown"]

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

#: Longest formula accepted, in characters (keeps parsing cheap and bounded: a sum of
#: 1,000 terms still parses well within Python's own recursion limits).
MAX_LENGTH = 2000
#: Deepest nesting accepted (parentheses; calls, unary signs, right operands; a chain ``a + b + c`` is one level).
MAX_DEPTH = 100

_SIGN_RUN = re.compile(r"[-+~](?:[\s(]*[-+~]){%d,}" % MAX_DEPTH)  # more than MAX_DEPTH signs in a row

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
        return f"the constant {shown(node.value)} (only numbers are allowed)"
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
        return _compile_chain(node, names, depth)
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


def _compile_chain(node: ast.BinOp, names: set[str], depth: int) -> Callable[[Mapping[str, Any]], Any]:
    """A left-to-right chain ``((a op b) op c) ...``: one nesting level, evaluated by a loop.

    Walking down the left operands iteratively keeps a sum of a thousand terms from
    recursing a thousand levels; the evaluation order (and so every rounding) is that of
    the nested form.
    """
    steps: list[tuple[Callable[[Any, Any], Any], ast.AST]] = []
    while isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        steps.append((_BINOPS[type(node.op)], node.right))
        node = node.left  # type: ignore[assignment]
    first = _compile_node(node, names, depth + 1)
    rest = [(op, _compile_node(right, names, depth + 1)) for op, right in reversed(steps)]
    if len(rest) == 1:
        ((op, right),) = rest
        return lambda env: op(first(env), right(env))

    def chain(env: Mapping[str, Any]) -> Any:
        acc = first(env)
        for op, f in rest:
            acc = op(acc, f(env))
        return acc

    return chain


def _finite(value: int | float) -> np.float64:
    """A literal as a numpy float; NaN, infinities and integers beyond float range are errors."""
    try:
        number = np.float64(value)
    except OverflowError:
        raise ExpressionError(f"numbers must be finite (at most about 1.8e308), got {shown(value)}") from None
    if not np.isfinite(number):
        raise ExpressionError(f"numbers must be finite, got {shown(value)}")
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
        raise ExpressionError(f"must be a number or a formula string, got {shown(text)}")
    return _compiled_formula(text)


@functools.lru_cache(maxsize=4096)
def _compiled_formula(text: str) -> Expression:
    """A formula compiled once per process: an :class:`Expression` is immutable and its function pure, so every
    config and scenario with the same text may share it (a refused formula raises again each time)."""
    tree = _parse(text, "formula")
    names: set[str] = set()
    fn = _compile_node(tree.body, names, 0)  # recursion bounded by MAX_DEPTH: chains are loops
    return Expression(text, frozenset(names), fn)


_BOOL = {ast.And: np.logical_and, ast.Or: np.logical_or}


def _compile_test(node: ast.AST, names: set[str], depth: int) -> Callable[[Mapping[str, Any]], Any]:
    """A condition: ``and``/``or``/``not`` over comparisons (chains such as ``0.5 < x <= 1`` too);
    the operands of a comparison are formulas."""
    if depth > MAX_DEPTH:
        raise ExpressionError(f"condition nests deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.BoolOp):
        join = _BOOL[type(node.op)]
        parts = [_compile_test(v, names, depth + 1) for v in node.values]

        def both(env: Mapping[str, Any]) -> Any:
            acc = parts[0](env)
            for part in parts[1:]:
                acc = join(acc, part(env))
            return acc

        return both
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _compile_test(node.operand, names, depth + 1)
        return lambda env: np.logical_not(inner(env))
    if isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            raise ExpressionError("only the comparisons <, <=, >, >=, ==, != are allowed")
        terms = [_compile_node(t, names, depth + 1) for t in [node.left, *node.comparators]]
        ops = [_COMPARE[type(op)] for op in node.ops]

        def chain(env: Mapping[str, Any]) -> Any:
            values = [t(env) for t in terms]
            acc = ops[0](values[0], values[1])
            for k in range(1, len(ops)):
                acc = np.logical_and(acc, ops[k](values[k], values[k + 1]))
            return acc

        return chain
    raise ExpressionError(f"a condition must compare, e.g. 'social_ratio < 1' (joined by and, or, not); "
                          f"{shown(ast.unparse(node))} compares nothing")


def compile_condition(text: str) -> Expression:
    """Parse and compile a condition: comparisons of formulas joined by ``and``, ``or``, ``not``.

    ``"social_ratio < 1"``, ``"social_ratio >= 1 and financial_ratio < 0.75"``,
    ``"not (0.9 < social_ratio < 1.1)"``.  Calling the result on a mapping of arrays gives a
    boolean array.  The same limits and whitelist as :func:`compile_expression`.

    Raises
    ------
    ExpressionError
        On a syntax error, any construct outside the whitelist, or a formula that compares nothing.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"a condition must be text, got {shown(text)}")
    tree = _parse(text, "condition")
    names: set[str] = set()
    fn = _compile_test(tree.body, names, 0)
    return Expression(text, frozenset(names), fn)


def _parse(text: str, what: str) -> ast.Expression:
    """``text`` parsed as one Python expression, within the limits (length, nesting); ``what`` names it."""
    if not text.strip():
        raise ExpressionError(f"{what} is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{what} is longer than {MAX_LENGTH} characters (it has {len(text)})")
    _check_nesting(text)
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid {what} {shown(text)}: {exc.msg}") from None
    except (RecursionError, MemoryError):  # Python's parser gives up: still one clean error
        raise ExpressionError(f"{what} nests deeper than {MAX_DEPTH} levels or is too complex to parse") from None


def _check_nesting(text: str) -> None:
    """Reject, before parsing, parentheses nested or signs repeated beyond :data:`MAX_DEPTH`."""
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ExpressionError(f"formula nests deeper than {MAX_DEPTH} levels ({deepest} nested parentheses)")
    run = _SIGN_RUN.search(text)
    if run:
        raise ExpressionError(f"formula nests deeper than {MAX_DEPTH} levels (a run of "
                              f"{sum(c in '+-~' for c in run.group())} signs)")


class _ShortRepr(reprlib.Repr):
    """reprlib with room for a message, and integers of any size (``repr`` refuses above 4300 digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 80
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 10
        self.maxlevel = 4

    def repr_int(self, x: int, level: int) -> str:
        digits = _digits(x)
        return repr(x) if digits <= 30 else f"<an integer of {digits} digits>"


def _digits(x: int) -> int:
    """Decimal digits of ``|x|``, without ``str`` (which refuses above 4300 digits)."""
    x = abs(x)
    if x < 10**18:
        return len(str(x))
    k = int((x.bit_length() - 1) * math.log10(2)) + 1  # the digits of 2**(bits - 1) <= x < 2**bits
    return k + (x >= 10**k)


def shown(value: Any) -> str:
    """A config value for a one-line message: its repr, shortened; never huge, never raising.

    >>> shown(10 ** 4000)
    'an integer of 4001 digits'
    >>> shown("x + " * 100 + "x")[:20]
    "'x + x + x + x + x +"
    """
    if isinstance(value, int) and not isinstance(value, bool) and _digits(value) > 30:
        return f"an integer of {_digits(value)} digits"
    return _ShortRepr().repr(value)


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
    done: set[str] = set()

    def reads(name: str) -> Any:
        return iter(sorted(d for d in deps[name] if d in deps))

    # depth-first, post-order, with an explicit stack: a chain of thousands of formulas
    # must not hit Python's recursion limit
    for root in deps:
        if root in done:
            continue
        path = [root]  # the formulas being visited, root first
        on_path = {root}
        todo = [reads(root)]
        while todo:
            dep = next(todo[-1], None)
            if dep is None:
                todo.pop()
                name = path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
            elif dep in on_path:
                cycle = path[path.index(dep):] + [dep]
                if len(cycle) > 12:  # a message is one readable line
                    cycle = cycle[:5] + [f"... ({len(cycle) - 8} more) ..."] + cycle[-3:]
                raise ExpressionError(f"formulas form a cycle: {' -> '.join(cycle)}")
            elif dep not in done:
                path.append(dep)
                on_path.add(dep)
                todo.append(reads(dep))
    return order
