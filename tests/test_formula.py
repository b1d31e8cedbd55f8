"""scalargrad.cli.formula: formulas as text become the graphs they say, and bad text is a located FormulaError.

Values are checked against an independent reference: a hypothesis strategy
draws formula trees that print themselves as text (with only the parentheses
Python's precedence needs, plus some spare ones) and evaluate themselves with
Python's math module. Gradients are checked against central differences.
"""

from __future__ import annotations

import math
import pickle
import re
import time
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad import Value
from scalargrad.cli.formula import (
    MAX_DEPTH,
    MAX_LENGTH,
    Formula,
    FormulaError,
    InputError,
    functions,
    parse_assignments,
    parse_formula,
)
from scalargrad.operation import lookup
from scalargrad.testing import expressions, finite_floats

# ---------------------------------------------------------------- reference


class Skip(Exception):
    """The reference met a value it does not model (a Python exception, inf or nan)."""


def finite(x: float) -> float:
    if not math.isfinite(x):
        raise Skip
    return x


def reference_call(function: Callable[..., float], *args: float) -> float:
    try:
        return finite(function(*args))
    except (ArithmeticError, ValueError):  # math raises where IEEE gives inf or nan
        raise Skip from None


# Python precedence levels, loosest first.
ADDITIVE, MULTIPLICATIVE, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


class Tree(NamedTuple):
    text: str
    precedence: int
    evaluate: Callable[[Mapping[str, float]], float]
    names: tuple[str, ...]  # in order of appearance in the text


def wrapped(tree: Tree, at_least: int, spare: bool) -> str:
    """The tree's text, in parentheses when it binds looser than ``at_least`` (or when ``spare``)."""
    return f"({tree.text})" if spare or tree.precedence < at_least else tree.text


NAMES = st.sampled_from(["x", "y", "z"]).map(lambda n: Tree(n, ATOM, lambda env: env[n], (n,)))
# (text, value) pairs: the texts use several of Python's literal spellings.
LITERALS = [
    ("0", 0.0),
    ("1", 1.0),
    ("2", 2.0),
    ("3", 3.0),
    ("10", 10.0),
    ("0.5", 0.5),
    ("1.5", 1.5),
    (".25", 0.25),
    ("7.", 7.0),
    ("1e-3", 0.001),
    ("2.5E1", 25.0),
    ("1_000", 1000.0),
    ("0x10", 16.0),
]
NUMBERS = st.sampled_from(LITERALS).map(lambda pair: Tree(pair[0], ATOM, lambda env: pair[1], ()))

BINARY: dict[str, tuple[int, int, int, Callable[[float, float], float]]] = {
    # symbol: (precedence, least precedence of the left operand, of the right one, reference)
    "+": (ADDITIVE, ADDITIVE, MULTIPLICATIVE, lambda a, b: a + b),
    "-": (ADDITIVE, ADDITIVE, MULTIPLICATIVE, lambda a, b: a - b),
    "*": (MULTIPLICATIVE, MULTIPLICATIVE, UNARY, lambda a, b: a * b),
    "/": (MULTIPLICATIVE, MULTIPLICATIVE, UNARY, lambda a, b: a / b),
    # ** binds to the right, and tighter than a unary minus on its left: -x**2 is -(x**2)
    "**": (POWER, ATOM, UNARY, math.pow),
}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


CALLS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: x if x > 0.0 else 0.0,
    "softplus": _softplus,
    "abs": abs,
    "leaky_relu": lambda x: x if x > 0.0 else 0.01 * x,
}
SLOPES = [("0.1", 0.1), ("-0.2", -0.2), ("+0.5", 0.5), ("2", 2.0)]


@st.composite
def binary(draw: Any, children: st.SearchStrategy[Tree]) -> Tree:
    symbol = draw(st.sampled_from(sorted(BINARY)))
    precedence, left_least, right_least, function = BINARY[symbol]
    left, right = draw(children), draw(children)
    space = draw(st.sampled_from(["", " "]))
    text = (
        wrapped(left, left_least, draw(st.booleans()) and draw(st.booleans()))
        + f"{space}{symbol}{space}"
        + wrapped(right, right_least, draw(st.booleans()) and draw(st.booleans()))
    )
    return Tree(
        text,
        precedence,
        lambda env: reference_call(function, left.evaluate(env), right.evaluate(env)),
        left.names + right.names,
    )


@st.composite
def unary(draw: Any, children: st.SearchStrategy[Tree]) -> Tree:
    sign = draw(st.sampled_from(["-", "+"]))
    operand = draw(children)
    text = sign + draw(st.sampled_from(["", " "])) + wrapped(operand, UNARY, draw(st.booleans()))
    if sign == "-":
        return Tree(text, UNARY, lambda env: -operand.evaluate(env), operand.names)
    return Tree(text, UNARY, operand.evaluate, operand.names)


@st.composite
def call(draw: Any, children: st.SearchStrategy[Tree]) -> Tree:
    name = draw(st.sampled_from(sorted(CALLS)))
    argument = draw(children)
    function = CALLS[name]
    text = argument.text
    if name == "leaky_relu" and draw(st.booleans()):
        slope_text, slope = draw(st.sampled_from(SLOPES))
        text += ", " + slope_text
        function = lambda x: x if x > 0.0 else slope * x  # noqa: E731
    return Tree(
        f"{name}({text})",
        ATOM,
        lambda env: reference_call(function, argument.evaluate(env)),
        argument.names,
    )


FORMULAS: st.SearchStrategy[Tree] = st.recursive(
    NAMES | NUMBERS,
    lambda children: binary(children) | unary(children) | call(children),
    max_leaves=12,
)
POINTS = st.fixed_dictionaries({n: st.floats(-4.0, 4.0, allow_nan=False) for n in "xyz"})


def leaves_of(root: Value) -> dict[str, list[Value]]:
    """The labelled leaves of a graph, by label."""
    found: dict[str, list[Value]] = {}
    for node in sg.topological_order(root):
        if node.op is None and node.label:
            found.setdefault(node.label, []).append(node)
    return found


def built(formula: Formula, point: Mapping[str, float]) -> Value:
    return formula.build({name: point[name] for name in formula.inputs})


# ------------------------------------------------------------ valid formulas


@given(FORMULAS, POINTS)
def test_values_match_a_reference_evaluator_over_math(tree: Tree, point: dict[str, float]) -> None:
    formula = parse_formula(tree.text)
    assert formula.inputs == tuple(dict.fromkeys(tree.names))
    root = built(formula, point)
    try:
        expected = tree.evaluate(point)
    except Skip:
        return
    # The same IEEE-754 operations in the same order: equal to the bit.
    assert root.data == expected, tree.text


@given(FORMULAS, POINTS)
def test_each_input_is_one_labelled_leaf_and_the_root_is_unlabelled(
    tree: Tree, point: dict[str, float]
) -> None:
    formula = parse_formula(tree.text)
    root = built(formula, point)
    leaves = leaves_of(root)
    assert sorted(leaves) == sorted(formula.inputs)
    assert all(len(nodes) == 1 for nodes in leaves.values())
    if root.op is not None:
        assert root.label == ""


SMOOTH_OPS = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "softplus",
]


@given(
    expressions(n_inputs=3, ops=SMOOTH_OPS),
    finite_floats(-3.0, 3.0),
    finite_floats(-3.0, 3.0),
    finite_floats(-3.0, 3.0),
)
def test_gradients_match_central_differences(expr: Any, x0: float, x1: float, x2: float) -> None:
    # scalargrad.testing draws well-conditioned formulas and prints them as text.
    point = {"x0": x0, "x1": x1, "x2": x2}
    formula = parse_formula(str(expr))
    root = built(formula, point)
    assert root.data == expr(x0, x1, x2)  # the engine's own evaluation of the same formula
    root.backward()
    leaves = leaves_of(root)
    eps = 1e-6
    for name in formula.inputs:
        plus, minus = dict(point), dict(point)
        plus[name] += eps
        minus[name] -= eps
        with sg.no_grad():
            numeric = (built(formula, plus).data - built(formula, minus).data) / (2 * eps)
        analytic = leaves[name][0].grad
        assert abs(analytic - numeric) <= 1e-5 + 1e-3 * abs(numeric), (str(expr), name, analytic, numeric)


def test_the_neuron_of_the_command_line_example() -> None:
    formula = parse_formula("tanh(x*w + b)")
    assert formula.inputs == ("x", "w", "b")
    root = formula.build({"x": 0.5, "w": -3, "b": 2})
    root.backward()
    t = math.tanh(0.5 * -3 + 2)
    assert root.data == t and root.label == ""
    leaves = {name: nodes[0] for name, nodes in leaves_of(root).items()}
    assert leaves["x"].grad == pytest.approx((1 - t * t) * -3)
    assert leaves["w"].grad == pytest.approx((1 - t * t) * 0.5)
    assert leaves["b"].grad == pytest.approx(1 - t * t)
    assert [leaves[n].data for n in "xwb"] == [0.5, -3.0, 2.0]


def test_a_name_used_twice_is_one_leaf_whose_gradient_adds_up() -> None:
    root = parse_formula("x*x").build({"x": 3.0})
    root.backward()
    assert root.parents[0] is root.parents[1]
    assert root.parents[0].label == "x" and root.parents[0].grad == 6.0


def test_numbers_meet_values_as_in_the_engine() -> None:
    # 2*x keeps the number in the op, as Value.__rmul__ does: one parent
    root = parse_formula("2*x").build({"x": 5.0})
    (x,) = root.parents
    assert (root.data, root.op.name if root.op else None) == (10.0, "mul")
    assert root.op.params() == {"left": 2.0}
    assert x.label == "x"
    # x**3 keeps the exponent in the op (one parent), as Value.__pow__ does
    cube = parse_formula("x**3").build({"x": 2.0})
    assert (cube.data, len(cube.parents)) == (8.0, 1)
    # 2**x keeps the base in the op, as Value.__rpow__ does
    power = parse_formula("2**x").build({"x": 3.0})
    assert power.data == 8.0 and [p.data for p in power.parents] == [3.0]
    assert power.op.params() == {"left": 2.0}


def test_a_minus_before_a_number_is_part_of_the_number() -> None:
    root = parse_formula("x * -3").build({"x": 2.0})
    assert root.data == -6.0 and root.op.params() == {"right": -3.0}
    assert parse_formula("- -3").build({}).op is None
    negated = parse_formula("-x").build({"x": 2.0})
    assert negated.data == -2.0 and negated.op is not None and negated.op.name == "neg"


def test_operations_on_numbers_alone_are_nodes_computed_in_ieee_floats() -> None:
    three = parse_formula("1 + 2").build({})
    assert three.data == 3.0 and [p.data for p in three.parents] == [1.0]
    assert three.op.params() == {"right": 2.0}
    call = parse_formula("exp(0)").build({})
    assert call.data == 1.0 and call.op is not None and call.op.name == "exp"
    lone = parse_formula("-3").build({})
    assert (lone.data, lone.op, lone.label) == (-3.0, None, "")
    assert parse_formula("1 / 0").build({}).data == math.inf
    assert math.isnan(parse_formula("log(-1) + sqrt(-1)").build({}).data)
    # an int literal beyond the largest float rounds to inf
    assert parse_formula("1" + "0" * 400 + " * x").build({"x": 1.0}).data == math.inf


@pytest.mark.parametrize("source", ["2**10**10", "10**10**10", "(-10)**10**10 * x", "9**9**9**9"])
def test_huge_powers_are_inf_at_once_not_python_big_integers(source: str) -> None:
    started = time.perf_counter()
    root = parse_formula(source).build({"x": 1.0} if "x" in source else {})
    assert root.data == math.inf
    assert time.perf_counter() - started < 0.5


def test_a_lone_name_is_its_leaf() -> None:
    root = parse_formula("+x").build({"x": 2.0})
    assert (root.data, root.label, root.op) == (2.0, "x", None)


@pytest.mark.parametrize("name", functions())
def test_every_function_is_the_engines(name: str) -> None:
    arity = lookup(name).arity
    for x in (-0.7, 0.0, 1.3):
        root = parse_formula(f"{name}({', '.join(['x'] * arity)})").build({"x": x})
        engine = abs(Value(x)) if name == "abs" else getattr(sg, name)(*[Value(x)] * arity)
        assert root.op is not None and root.op.name == name
        assert root.data == engine.data or (math.isnan(root.data) and math.isnan(engine.data))


def test_leaky_relu_takes_its_slope_from_a_signed_literal() -> None:
    for source, slope in [
        ("leaky_relu(x, -0.25)", -0.25),
        ("leaky_relu(x, +2)", 2.0),
        ("leaky_relu(x)", 0.01),
    ]:
        root = parse_formula(source).build({"x": -2.0})
        assert root.data == -2.0 * slope
        assert root.op is not None and root.op.params() == {"slope": slope}


def test_a_formula_may_span_lines_and_have_blanks_around_it() -> None:
    formula = parse_formula("  exp(x)\n  + y\r\n")
    assert formula.inputs == ("x", "y")
    assert formula.build({"x": 0.0, "y": 1.0}).data == 2.0


def test_a_formula_is_a_frozen_value_with_its_source() -> None:
    formula = parse_formula("x + y")
    assert formula == parse_formula("x + y") and hash(formula) == hash(parse_formula("x + y"))
    assert repr(formula) == "Formula(source='x + y', inputs=('x', 'y'))"
    with pytest.raises(AttributeError):
        formula.source = "z"  # type: ignore[misc]


def test_a_long_flat_sum_builds_and_differentiates_without_recursion() -> None:
    formula = parse_formula(" + ".join(["x"] * MAX_DEPTH + ["y"]))
    root = formula.build({"x": 1.0, "y": 2.0})
    root.backward()
    assert root.data == MAX_DEPTH + 2.0
    assert leaves_of(root)["x"][0].grad == MAX_DEPTH


# -------------------------------------------------------------- bad formulas

ALLOWED = "use numbers, names, + - * / **, parentheses and calls to exp, log,"

# (source, offset, length, a fragment of the reason)
LOCATED = [
    ("2 * x[0]", 4, 4, "'x[0]' is not allowed (" + ALLOWED),
    ("math.exp(x)", 0, 8, "'math.exp' is not allowed"),
    ("1 + foo(x)", 4, 3, "unknown function 'foo'; the functions are exp, log, sqrt,"),
    ("exp + 1", 0, 3, "'exp' is a function; call it, as in exp(x)"),
    ("tanh(x) % 2", 8, 1, "'%' is not allowed"),
    ("x // (y)", 2, 2, "'//' is not allowed"),
    ("(x) ^ 2", 4, 1, "'^' is not allowed (for a power write x**2)"),
    ("x + ~y", 4, 1, "'~' is not allowed"),
    ("y < x", 0, 5, "'y < x' is not allowed"),
    ("x +", 3, 1, "the formula ends too early"),
    ("x + ", 3, 1, "the formula ends too early"),
    ("tanh(x", 4, 1, "'(' was never closed"),
    ("x y", 2, 1, "invalid syntax at 'y'"),
    ("é + * y", 4, 1, "invalid syntax at '*'"),  # columns count characters, not UTF-8 bytes
    ("é + ö[1]", 4, 4, "'ö[1]' is not allowed"),
    ("  x[1]", 2, 4, "'x[1]' is not allowed"),
    ("exp(x, y)", 0, 9, "exp takes 1 argument, got 2 in 'exp(x, y)'"),
    ("leaky_relu(x, a)", 14, 1, "the slope of leaky_relu must be a number"),
    ("leaky_relu(x, slope=0.1)", 14, 9, "keyword arguments are not allowed ('slope=0.1')"),
    ("exp(*xs)", 4, 3, "starred arguments are not allowed"),
    ("x + 'a'", 4, 3, "\"'a'\" is not allowed"),
    ("True * x", 0, 4, "'True' is not allowed"),
    ("2j * x", 0, 2, "'2j' is not allowed"),
    ("x # y", 2, 3, "comments are not allowed"),
    ("2x", 0, 1, "invalid decimal literal"),
    ("x\x00", 1, 1, "invalid non-printable character U+0000"),
    ("x + \ud800", 4, 1, "invalid non-printable character U+D800"),
    ("", 0, 1, "the formula is empty"),
    (" \t ", 0, 3, "the formula is empty"),
    ("x" * (MAX_LENGTH + 5), MAX_LENGTH, 5, f"at most {MAX_LENGTH} are allowed"),
    ("__import__('os').system('true')", 0, 23, "\"__import__('os').system\" is not allowed"),
    ("-" * (MAX_DEPTH + 1) + "x", MAX_DEPTH, 2, f"nests too deeply (more than {MAX_DEPTH} operations"),
]


@pytest.mark.parametrize(("source", "offset", "length", "reason"), LOCATED, ids=lambda v: repr(v)[:30])
def test_bad_formulas_are_located(source: str, offset: int, length: int, reason: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula(source)
    error = caught.value
    assert (error.source, error.offset, error.length) == (source, offset, length)
    assert reason in error.reason
    assert str(error) == f"bad formula at column {offset + 1}: {error.reason}"


def test_the_one_line_message_and_the_caret() -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula("tanh(x[0])")
    error = caught.value
    assert str(error) == (
        "bad formula at column 6: 'x[0]' is not allowed (use numbers, names, + - * / **, parentheses "
        "and calls to " + ", ".join(functions()) + ")"
    )
    assert error.caret() == "tanh(x[0])\n     ^^^^"
    assert isinstance(error, ValueError)


def test_the_caret_keeps_tabs_and_shows_a_window_of_a_long_formula() -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula("\tx\t% y")
    assert caught.value.caret() == "\tx\t% y\n\t \t^"
    long_source = "x + " * 100 + "y[0]" + " + x" * 100
    with pytest.raises(FormulaError) as caught:
        parse_formula(long_source)
    source_line, marker = caught.value.caret().split("\n")
    assert source_line.startswith("...") and source_line.endswith("...") and len(source_line) < 90
    assert source_line[marker.index("^") :].startswith("y[0]") and marker.strip() == "^^^^"


def test_an_unknown_function_cannot_reach_python() -> None:
    for source in [
        "__import__('os').system('true')",
        "eval('1')",
        "open('f')",
        "x.__class__",
        "(lambda: 1)()",
    ]:
        with pytest.raises(FormulaError):
            parse_formula(source)


def test_formula_errors_pickle() -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula("x[0]")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.source, copy.offset, copy.length, copy.reason, str(copy)) == (
        "x[0]",
        0,
        4,
        caught.value.reason,
        str(caught.value),
    )


DEEP = [
    "(" * 5000 + "x" + ")" * 5000,
    "-" * 9999 + "x",
    "-" * 100_000 + "x",
    "x**" * 3000 + "x",
    "x" + "[0]" * 3000,
    "x+" * 4999 + "x",
    "-x**" * 2400 + "x",
    "not " * 2400 + "x",
    "exp(" * 1000 + "x" + ")" * 1000,
    "[" * 5000,
]


@pytest.mark.parametrize("source", DEEP, ids=lambda s: f"{s[:8]}...x{len(s)}")
def test_deep_nesting_and_long_text_are_formula_errors(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(FormulaError) as caught:
        parse_formula(source)
    assert time.perf_counter() - started < 0.5
    assert 0 <= caught.value.offset <= len(source) and caught.value.length >= 1


def check_error(source: str, error: FormulaError) -> None:
    assert error.source == source
    assert 0 <= error.offset <= len(source) and error.length >= 1
    assert "\n" not in str(error) and "\r" not in str(error)
    assert len(error.caret().split("\n")) == 2


def parse_or_fail_cleanly(source: str) -> None:
    """Parsing gives a Formula (which builds) or a FormulaError, never another exception."""
    try:
        formula = parse_formula(source)
    except FormulaError as error:
        check_error(source, error)
        return
    formula.build({name: 0.5 for name in formula.inputs})


@given(st.text())
def test_arbitrary_text_only_ever_raises_formula_error(source: str) -> None:
    parse_or_fail_cleanly(source)


PIECES = list("xyz0123456789.+-*/()%^&|~<>=!,[]{}:;'\"#@ \t\n\\_e") + [
    "**",
    "//",
    "exp(",
    "leaky_relu(",
    "tanh",
    "lambda",
    " if ",
    " not ",
    "1e400",
    "é",
    "\x00",
    "\u3000",
]


@given(
    FORMULAS,
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.sampled_from(PIECES)), min_size=1, max_size=4
    ),
)
def test_mutated_formulas_only_ever_raise_formula_error(
    tree: Tree, edits: list[tuple[int, int, str]]
) -> None:
    text = list(tree.text)
    for kind, where, piece in edits:
        at = where % (len(text) + 1)
        if kind == 0:
            text.insert(at, piece)
        elif at < len(text):
            if kind == 1:
                del text[at]
            else:
                text[at] = piece
    parse_or_fail_cleanly("".join(text))


def test_formula_text_must_be_a_str() -> None:
    with pytest.raises(TypeError):
        parse_formula(b"x")  # type: ignore[arg-type]


# -------------------------------------------------------------------- values


def test_values_may_be_numbers_or_number_strings() -> None:
    formula = parse_formula("x + y + z + w")
    root = formula.build({"x": 1, "y": "0.5", "z": "-3", "w": "1e-3"})
    assert root.data == 1 + 0.5 - 3 + 1e-3
    assert parse_formula("x").build({"x": "inf"}).data == math.inf
    assert math.isnan(parse_formula("x").build({"x": "nan"}).data)
    assert parse_formula("x").build({"x": Fraction(1, 4)}).data == 0.25  # type: ignore[dict-item]


def test_every_problem_with_values_is_reported_in_a_fixed_order() -> None:
    formula = parse_formula("x * b + c")
    with pytest.raises(InputError) as caught:
        formula.build({"w": 3, "x": "abc", "q": "2"})
    assert caught.value.problems == (
        "w=3 names no input of the formula; its inputs are x, b, c",
        "x='abc' is not a number",
        "q=2 names no input of the formula; its inputs are x, b, c",
        "no value for input 'b'; give it as b=<number>",
        "no value for input 'c'; give it as c=<number>",
    )
    assert str(caught.value) == "; ".join(caught.value.problems)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("value", "shown"), [(True, "True"), ([1.0], "[1.0]"), (None, "None"), ("", "''"), (1j, "1j")]
)
def test_values_that_are_not_real_numbers(value: Any, shown: str) -> None:
    with pytest.raises(InputError, match=rf"^x={re.escape(shown)} is not a number$"):
        parse_formula("x").build({"x": value})


def test_a_formula_without_inputs_says_so() -> None:
    with pytest.raises(InputError, match=r"^x=1 names no input of the formula; it has no inputs$"):
        parse_formula("2").build({"x": "1"})
    with pytest.raises(InputError, match=r"its input is y$"):
        parse_formula("y").build({"y": 1, "x": 1})


def test_parse_assignments_reads_command_line_words() -> None:
    assert parse_assignments(["x=0.5", "w=-3", "b=1e-3", "c=inf", "d= 2 "]) == {
        "x": 0.5,
        "w": -3.0,
        "b": 0.001,
        "c": math.inf,
        "d": 2.0,
    }
    assert parse_assignments([]) == {}
    assert math.isnan(parse_assignments(["n=nan"])["n"])
    # names compare as Python compares them in a formula (NFKC)
    assert parse_assignments(["\ufb01=1"]) == {"fi": 1.0}
    assert parse_formula("\ufb01 + 1").inputs == ("fi",)


def test_parse_assignments_reports_every_bad_word() -> None:
    with pytest.raises(InputError) as caught:
        parse_assignments(["x=1", "y", "=3", "2y=1", "if=2", "x=2", "z=abc", "w="])
    assert caught.value.problems == (
        "'y' is not an assignment; write name=number, as in x=0.5",
        "'=3' has no name before '='",
        "'2y' is not a name (in '2y=1'); names look like x, w1 or bias",
        "'if' is not a name (in 'if=2'); names look like x, w1 or bias",
        "x is given twice (x=1 and x=2)",
        "z='abc' is not a number",
        "w='' is not a number",
    )
    with pytest.raises(TypeError):
        parse_assignments("x=1")


def test_assignments_feed_a_formula() -> None:
    formula = parse_formula("tanh(x*w + b)")
    root = formula.build(parse_assignments(["x=0.5", "w=-3", "b=2"]))
    assert root.data == math.tanh(0.5)
