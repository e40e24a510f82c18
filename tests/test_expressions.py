"""Safe formulas: what they compute, what they reject, and that config text is never executed."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import wotsim
from wotsim.config.expressions import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Expression,
    ExpressionError,
    compile_expression,
    order_formulas,
    shown,
)

X = np.array([0.1, 0.5, 0.9, 2.0])
Y = np.array([3.0, 0.5, -1.0, 4.0])
Z = np.array([1.0, 2.0, 3.0, 4.0])
ENV = {"x": X, "y": Y, "z": Z}


def run(text: str, env=None):
    return compile_expression(text)(ENV if env is None else env)


# --------------------------------------------------------------------------- what formulas compute


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3 * 4", 14.0),
        ("(2 + 3) * 4", 20.0),
        ("2 + 3 * 4 ** 2", 50.0),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("8 / 4 / 2", 1.0),
        ("2 ** 3 ** 2", 512.0),  # right-associative
        ("-2 ** 2", -4.0),  # ** binds tighter than unary minus, as in Python
        ("(-2) ** 2", 4.0),
        ("2 ** -1", 0.5),
        ("- -3", 3.0),
        ("+3", 3.0),
        ("7 / 2", 3.5),  # true division, even of integer literals
        ("1e3 * 2.5e-3", 2.5),
        ("3", 3.0),
    ],
)
def test_arithmetic_and_precedence(text, expected):
    e = compile_expression(text)
    assert e.names == frozenset()
    assert e.constant == expected
    assert isinstance(e.constant, float)


def test_arithmetic_on_arrays_matches_numpy():
    np.testing.assert_array_equal(run("x * y + z / 2 - x ** 2"), X * Y + Z / 2 - X**2)
    np.testing.assert_array_equal(run("-x + -(y - z)"), -X + -(Y - Z))
    e = compile_expression("x * y + z")
    assert e.names == frozenset({"x", "y", "z"})
    assert e.constant is None


def test_scalars_broadcast_with_arrays():
    np.testing.assert_array_equal(run("x * k", {"x": X, "k": np.float64(3.0)}), X * 3.0)


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("x < y", np.less),
        ("x <= y", np.less_equal),
        ("x > y", np.greater),
        ("x >= y", np.greater_equal),
        ("x == y", np.equal),
        ("x != y", np.not_equal),
    ],
)
def test_comparisons_give_boolean_arrays(text, op):
    out = run(text)
    assert out.dtype == bool
    np.testing.assert_array_equal(out, op(X, Y))


def test_where_selects_by_a_comparison():
    np.testing.assert_array_equal(run("where(x > 0.5, y, z)"), np.where(X > 0.5, Y, Z))
    np.testing.assert_array_equal(run("where(x >= 0.5, 1, 0) * z"), np.where(X >= 0.5, 1.0, 0.0) * Z)


#: Each whitelisted function, a call and its numpy meaning.
FUNCTION_CASES = {
    "exp": ("exp(x)", lambda: np.exp(X)),
    "log": ("log(z)", lambda: np.log(Z)),
    "log10": ("log10(z)", lambda: np.log10(Z)),
    "sqrt": ("sqrt(z)", lambda: np.sqrt(Z)),
    "abs": ("abs(y)", lambda: np.abs(Y)),
    "floor": ("floor(y * 1.5)", lambda: np.floor(Y * 1.5)),
    "ceil": ("ceil(y * 1.5)", lambda: np.ceil(Y * 1.5)),
    "sin": ("sin(y)", lambda: np.sin(Y)),
    "cos": ("cos(y)", lambda: np.cos(Y)),
    "tan": ("tan(x)", lambda: np.tan(X)),
    "tanh": ("tanh(y)", lambda: np.tanh(Y)),
    "minimum": ("minimum(x, y)", lambda: np.minimum(X, Y)),
    "maximum": ("maximum(x, y)", lambda: np.maximum(X, Y)),
    "clip": ("clip(y, 0, 1)", lambda: np.clip(Y, 0, 1)),
    "where": ("where(x < y, x, y)", lambda: np.where(X < Y, X, Y)),
}


def test_every_whitelisted_function_has_a_case():
    assert set(FUNCTION_CASES) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTION_CASES))
def test_whitelisted_function_on_arrays(name):
    text, expected = FUNCTION_CASES[name]
    np.testing.assert_array_equal(run(text), expected())


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("minimum(x)", r"minimum\(\) takes 2 argument\(s\), got 1"),
        ("exp(x, y)", r"exp\(\) takes 1 argument\(s\), got 2"),
        ("clip(x, 0)", r"clip\(\) takes 3 argument\(s\), got 2"),
        ("exp", r"function 'exp' must be called, e.g. exp\(x\)"),
    ],
)
def test_function_arity_and_bare_function_names(text, pattern):
    with pytest.raises(ExpressionError, match=pattern):
        compile_expression(text)


def test_numbers_are_constant_formulas():
    assert compile_expression(3).constant == 3.0
    assert compile_expression(0.25).constant == 0.25
    with pytest.raises(ExpressionError, match=r"must be a number or a formula, got True"):
        compile_expression(True)
    with pytest.raises(ExpressionError, match=r"must be a number or a formula string, got \[1\]"):
        compile_expression([1])  # type: ignore[arg-type]


def test_evaluation_does_not_change_the_environment():
    env = {"x": X.copy(), "y": Y.copy()}
    compile_expression("x * 2 + where(x > y, 1, 0)")(env)
    assert set(env) == {"x", "y"}
    np.testing.assert_array_equal(env["x"], X)


def test_floating_point_edge_cases_follow_ieee_without_warnings():
    # numpy scalars: overflow to inf and 0/0 to nan, silently (no RuntimeWarning reaches the user)
    with np.errstate(all="raise"):
        assert compile_expression("1 / 0").constant == np.inf
        assert np.isnan(compile_expression("0 / 0").constant)
        assert compile_expression("exp(1000)").constant == np.inf
        np.testing.assert_array_equal(run("log(x - x)"), np.full(4, -np.inf))


def test_huge_power_is_float_arithmetic_not_exact_integers():
    # with exact Python integers 9 ** 9 ** 9 has 370 million digits and takes minutes; literals
    # compile to numpy floats, so it overflows to inf at once (the mechanism is tested, not the clock)
    e = compile_expression("9 ** 9 ** 9")
    assert isinstance(compile_expression("9")({}), np.float64)
    assert e.constant == np.inf
    on_arrays = run("x ** 9 ** 9 ** 9", {"x": np.array([9.0, 1.0, 0.5])})
    np.testing.assert_array_equal(on_arrays, [np.inf, 1.0, 0.0])


# --------------------------------------------------------------------------- what formulas reject


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("x.__class__", r"attribute access is not allowed"),
        ("x.__class__.__bases__[0].__subclasses__()", r"not attribute access"),
        ("x[0]", r"subscripts is not allowed"),
        ("lambda: 1", r"lambdas is not allowed"),
        ("(lambda: 1)()", r"only calls of the functions .* are allowed, not lambdas"),
        ("__import__('os')", r"function '__import__' is not allowed; allowed: abs, ceil"),
        ("import os", r"invalid formula 'import os': invalid syntax"),
        ("open('f')", r"function 'open' is not allowed"),
        ("eval('1')", r"function 'eval' is not allowed"),
        ("exec('x = 1')", r"function 'exec' is not allowed"),
        ("np.exp(x)", r"only calls of the functions .* not attribute access"),
        ("expp(x)", r"function 'expp' is not allowed \(did you mean 'exp'\?\)"),
        ("exp(x=1)", r"exp\(\) takes no keyword arguments"),
        ("'abc'", r"the constant 'abc' \(only numbers are allowed\)"),
        ("f'{x}'", r"strings is not allowed"),
        ("b'x'", r"the constant b'x' \(only numbers are allowed\)"),
        ("True", r"the constant True \(only numbers are allowed\)"),
        ("None", r"the constant None"),
        ("1j", r"the constant 1j"),
        ("[i for i in x]", r"comprehensions is not allowed"),
        ("sum(i for i in x)", r"function 'sum' is not allowed"),
        ("exp(i for i in x)", r"comprehensions is not allowed"),
        ("{i: i for i in x}", r"comprehensions is not allowed"),
        ("(y := 1)", r"assignment expressions is not allowed"),
        ("x if y else z", r"conditional expressions \(use where\(cond, a, b\)\)"),
        ("x and y", r"'and'/'or' \(use where\)"),
        ("not x", r"the unary operator Not is not allowed"),
        ("~x", r"the unary operator Invert is not allowed"),
        ("x % 2", r"the operator Mod is not allowed"),
        ("x // 2", r"the operator FloorDiv is not allowed"),
        ("x @ y", r"the operator MatMult is not allowed"),
        ("x << 1", r"the operator LShift is not allowed"),
        ("x < y < z", r"only single comparisons"),
        ("x in y", r"only single comparisons"),
        ("x is y", r"only single comparisons"),
        ("[x, y]", r"lists is not allowed"),
        ("(x, y)", r"tuples is not allowed"),
        ("{x}", r"sets is not allowed"),
        ("exp(*x)", r"starred arguments is not allowed"),
        ("x; y", r"invalid formula 'x; y': invalid syntax"),
        ("x = 1", r"invalid formula 'x = 1'"),
        ("x +", r"invalid formula 'x \+'"),
        ("", r"formula is empty"),
        ("   ", r"formula is empty"),
    ],
)
def test_rejected_constructs_are_named(text, pattern):
    with pytest.raises(ExpressionError, match=pattern):
        compile_expression(text)


def test_too_long_formula():
    with pytest.raises(ExpressionError, match=rf"longer than {MAX_LENGTH} characters"):
        compile_expression("x + " * MAX_LENGTH + "x")


@pytest.mark.parametrize(
    "text",
    [
        "-" * (MAX_DEPTH + 1) + "x",
        "-" * (MAX_LENGTH - 1) + "x",  # as deep as the length limit allows
        "exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    ],
    ids=["unary-just-too-deep", "unary-at-length-limit", "calls"],
)
def test_deep_nesting_gives_a_clean_error(text):
    with pytest.raises(ExpressionError, match=rf"nests deeper than {MAX_DEPTH} levels"):
        compile_expression(text)


@pytest.mark.parametrize(
    "text",
    [
        "**".join(["x"] * (MAX_DEPTH + 2)),  # right-nested: not a chain
        "-exp(" * 60 + "x" + ")" * 60,  # neither parentheses nor a run of signs go past the limit
        "+".join(["x"] * 10) + "+" + "exp(" * 99 + "-x" + ")" * 99,  # deep inside a chain
    ],
    ids=["power-tower", "signs-and-calls", "inside-a-chain"],
)
def test_nesting_found_after_parsing_gives_a_clean_error(text):
    with pytest.raises(ExpressionError, match=rf"^formula nests deeper than {MAX_DEPTH} levels$"):
        compile_expression(text)


def test_chain_as_long_as_the_length_limit_allows_is_one_level():
    terms = (MAX_LENGTH + 1) // 2  # "x+x+...+x" of MAX_LENGTH - 1 characters
    text = "-".join(["x"] * terms)
    e = compile_expression(text)
    expected = X.copy()
    for _ in range(terms - 1):
        expected = expected - X  # the nested form's order, so the same rounding
    np.testing.assert_array_equal(e({"x": X}), expected)


def test_chain_keeps_the_order_of_operations():
    e = compile_expression("a - b * c / d + a ** b - c")
    env = {"a": np.float64(2.0), "b": np.float64(3.0), "c": np.float64(5.0), "d": np.float64(7.0)}
    assert e(env) == 2.0 - 3.0 * 5.0 / 7.0 + 2.0 ** 3.0 - 5.0


def test_flat_long_sum_is_not_nesting():
    e = compile_expression(" + ".join(["x"] * 150))
    np.testing.assert_allclose(e({"x": X}), 150 * X, rtol=1e-13)


def test_deep_parentheses_give_a_clean_error():
    # checked on the text, before Python's parser (which stops at 200 with its own words)
    text = "(" * 500 + "x" + ")" * 500
    with pytest.raises(ExpressionError, match=rf"nests deeper than {MAX_DEPTH} levels \(500 nested parentheses\)"):
        compile_expression(text)


def test_nesting_up_to_the_limit_is_allowed():
    e = compile_expression("-" * MAX_DEPTH + "x")
    np.testing.assert_array_equal(e({"x": X}), X)  # an even number of minus signs


# --------------------------------------------------------------------------- ordering


def test_order_formulas_puts_each_after_what_it_reads():
    deps = {
        "total": frozenset({"helped", "unit"}),  # unit is a parameter: not an edge
        "helped": frozenset({"reach", "n"}),
        "reach": frozenset({"p"}),
        "free": frozenset(),
    }
    order = order_formulas(deps)
    assert sorted(order) == sorted(deps)
    for name, reads in deps.items():
        for dep in reads & set(deps):
            assert order.index(dep) < order.index(name)


@pytest.mark.parametrize(
    ("deps", "cycle"),
    [
        ({"a": {"a"}}, "a -> a"),
        ({"a": {"b"}, "b": {"a"}}, "a -> b -> a"),
        ({"d": set(), "a": {"b"}, "b": {"c"}, "c": {"a", "d"}}, "a -> b -> c -> a"),
        ({"start": {"a"}, "a": {"b"}, "b": {"a"}}, "a -> b -> a"),  # the cycle, without the lead-in
    ],
)
def test_order_formulas_names_the_cycle(deps, cycle):
    deps = {k: frozenset(v) for k, v in deps.items()}
    with pytest.raises(ExpressionError, match=r"formulas form a cycle: (.*)") as err:
        order_formulas(deps)
    assert str(err.value) == f"formulas form a cycle: {cycle}"


def _recursive_order(deps):
    """The recursive depth-first order order_formulas had before it became iterative."""
    order, done = [], set()

    def visit(name):
        if name in done:
            return
        done.add(name)
        for dep in sorted(deps[name]):
            if dep in deps:
                visit(dep)
        order.append(name)

    for name in deps:
        visit(name)
    return order


def test_order_formulas_keeps_the_depth_first_order():
    rng = np.random.default_rng(3)
    for _ in range(50):
        names = [f"f{i}" for i in range(12)]
        perm = list(rng.permutation(names))  # f reads only names later in perm: acyclic
        deps = {n: frozenset(m for m in perm[perm.index(n) + 1:] if rng.random() < 0.3) | {"param"}
                for n in names}
        assert order_formulas(deps) == _recursive_order(deps)


@pytest.mark.parametrize("reverse", [False, True], ids=["declared-in-order", "declared-last-first"])
def test_order_formulas_takes_long_chains_without_recursion(reverse):
    n = 5000  # far beyond Python's recursion limit
    deps = {f"d{i}": frozenset({f"d{i - 1}"} if i else {"x"}) for i in range(n)}
    if reverse:
        deps = dict(reversed(list(deps.items())))
    assert order_formulas(deps) == [f"d{i}" for i in range(n)]


def test_order_formulas_names_a_long_cycle():
    n = 3000
    deps = {f"d{i}": frozenset({f"d{(i + 1) % n}"}) for i in range(n)}
    with pytest.raises(ExpressionError, match=r"^formulas form a cycle: d0 -> d1 -> d2 -> d3 -> d4 -> "
                       r"\.\.\. \(2993 more\) \.\.\. -> d2998 -> d2999 -> d0$"):
        order_formulas(deps)


def test_shown_keeps_messages_short():
    assert shown(10**4000) == "an integer of 4001 digits"
    assert shown(10**5000) == "an integer of 5001 digits"  # beyond what str() converts
    assert shown([1, 10**100]) == "[1, <an integer of 101 digits>]"
    assert len(shown("x+" * 5000)) < 100
    assert shown("price * n") == "'price * n'"
    assert shown(0.25) == "0.25"


# --------------------------------------------------------------------------- no eval, no exec


def test_package_never_calls_eval_exec_or_compile():
    forbidden = {"eval", "exec", "compile", "__import__"}
    found = []
    for path in sorted(Path(wotsim.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in forbidden:
                found.append(f"{path.name}:{node.lineno}: {node.func.id}()")
    assert not found


def test_expression_is_frozen_and_keeps_its_text():
    e = compile_expression("x * 2")
    assert isinstance(e, Expression) and e.text == "x * 2"
    with pytest.raises(AttributeError):
        e.text = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------- conditions (wotsim discover --where)
def test_conditions_follow_python_logic_on_arrays():
    from wotsim.config.expressions import compile_condition

    a, b = np.array([0.5, 0.95, 1.0, 1.2, 2.0]), np.array([0.1, 0.9, 0.7, 0.8, 0.2])
    env = {"a": a, "b": b}
    cases = {
        "a < 1": a < 1,
        "a >= 1 and b < 0.75": (a >= 1) & (b < 0.75),
        "a < 1 or b > 0.85": (a < 1) | (b > 0.85),
        "not (0.9 < a < 1.1)": ~((0.9 < a) & (a < 1.1)),
        "0.9 < a <= 1 < 2 * b + 0.5": (0.9 < a) & (a <= 1) & (1 < 2 * b + 0.5),
        "a != 1 and not b == 0.2": (a != 1) & ~(b == 0.2),
        "log(a) < 0 or maximum(a, b) > 1.5": (np.log(a) < 0) | (np.maximum(a, b) > 1.5),
    }
    for text, want in cases.items():
        got = compile_condition(text)(env)
        assert got.dtype == bool and np.array_equal(got, want), text
    assert compile_condition("a < 1 and b > 0").names == frozenset({"a", "b"})


@pytest.mark.parametrize("text, message", [
    ("a", "'a' compares nothing"), ("a + 1", "compares nothing"), ("a < 1 or b", "'b' compares nothing"),
    ("", "condition is empty"), ("a <", "invalid condition"), ("a is None", "only the comparisons"),
    ("a in b", "only the comparisons"), ("a.b < 1", "attribute access"), ("(" * 200 + "a < 1" + ")" * 200, "nests"),
    ("x" * 2001 + " < 1", "longer than 2000"),
])
def test_bad_conditions_are_clear_errors(text, message):
    from wotsim.config.expressions import ExpressionError, compile_condition

    with pytest.raises(ExpressionError, match=message):
        compile_condition(text)
