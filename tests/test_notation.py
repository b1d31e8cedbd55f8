"""How numbers and formulas are written: checked by reading them back.

Formulas are printed from random expression trees, translated to Python
syntax and evaluated: if a parenthesis were missing or extra in a way that
changes the meaning, the value would differ from evaluating the tree directly.
Derivative formulas are evaluated the same way and compared with central
finite differences of the operation.
"""

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scalargrad.viz.notation import LATEX, TEXT, Expr, derivative_expression, number, op_expression, partial


@pytest.mark.parametrize(
    "x, text",
    [
        (-0.001033183875581653, "-0.001033"),  # never "-0.0010"
        (-0.08270634, "-0.082706"),
        (0.5124973964842103, "0.512497"),
        (0.5, "0.5"),
        (1.0, "1"),
        (-3.0, "-3"),
        (0.0, "0"),
        (-0.0, "0"),
        (0.0001, "0.0001"),
        (9.9e-5, "9.9e-5"),
        (-1.234567e-7, "-1.23457e-7"),
        (123456.5, "123456.5"),
        (2.5e6, "2.5e6"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
    ],
)
def test_number_examples(x, text):
    assert number(x) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_reads_back_close(x):
    text = number(x)
    assert not re.search(r"\.\d*0(e|$)", text), text  # no trailing zeros
    assert text != "-0"
    back = float(text)
    if abs(x) >= 1e-4 and abs(x) < 1e6:
        assert abs(back - x) <= 5e-7 + 1e-12 * abs(x)
    else:
        assert back == x or abs(back - x) <= 5e-6 * abs(x)


# ------------------------------------------------------- formulas, read back

NAMES = {"a": 0.7, "b": -1.3, "c": 2.1}
UNARY_FUNCTIONS = ["exp", "sin", "cos", "tanh", "sigmoid", "relu", "softplus"]


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


PY_FUNCTIONS = {
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: max(x, 0.0),
    "softplus": lambda x: math.log1p(math.exp(x)),
}

leaves = st.one_of(
    st.sampled_from(sorted(NAMES)).map(lambda name: ("name", name)),
    st.sampled_from([0.5, 2.0, -3.0, 0.25]).map(lambda x: ("number", x)),
)


def extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["add", "sub", "mul", "div"]), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("pow"), children, st.sampled_from([2.0, 3.0, -1.0, 0.5])),
        st.tuples(st.sampled_from(UNARY_FUNCTIONS), children),
    )


trees = st.recursive(leaves, extend, max_leaves=8)


def value_of(tree):
    kind = tree[0]
    if kind == "name":
        return NAMES[tree[1]]
    if kind == "number":
        return tree[1]
    if kind in ("add", "sub", "mul", "div"):
        a, b = value_of(tree[1]), value_of(tree[2])
        return {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[kind]
    if kind == "neg":
        return -value_of(tree[1])
    if kind == "pow":
        return math.pow(value_of(tree[1]), tree[2])  # ValueError, never complex
    return PY_FUNCTIONS[kind](value_of(tree[1]))


def printed(tree, style=TEXT):
    kind = tree[0]
    if kind == "name":
        return Expr.name(tree[1], style)
    if kind == "number":
        return Expr.number(tree[1], style)
    if kind == "pow":
        return op_expression("pow", {"right": tree[2]}, [printed(tree[1], style)], style)
    return op_expression(kind, {}, [printed(child, style) for child in tree[1:]], style)


FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def as_python(text):
    text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: f"**({m.group().translate(FROM_SUPERSCRIPT)})", text)
    return text.replace("×", "*").replace("^", "**").replace("σ(", "sigmoid(")


def evaluate(text):
    return eval(as_python(text), {"__builtins__": {}}, {**NAMES, **PY_FUNCTIONS})  # noqa: S307 - our own text


@given(trees)
def test_printed_formulas_mean_what_the_tree_means(tree):
    try:
        expected = value_of(tree)
    except (ZeroDivisionError, OverflowError, ValueError):
        assume(False)
    assume(isinstance(expected, float) and math.isfinite(expected))
    text = printed(tree).text
    try:
        got = evaluate(text)
    except (ZeroDivisionError, OverflowError, ValueError):
        raise AssertionError(f"{text!r} fails where the tree gives {expected}") from None
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), text


@given(trees)
def test_latex_formulas_balance_their_braces(tree):
    text = printed(tree, LATEX).text
    depth = 0
    for ch in text.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, text
    assert depth == 0, text
    assert text.count(r"\left(") == text.count(r"\right)")


def test_parentheses_only_where_needed():
    x, y, z = Expr.name("x"), Expr.name("y"), Expr.name("z")
    difference = op_expression("sub", {}, [y, z])
    assert op_expression("sub", {}, [x, difference]).text == "x - (y - z)"
    assert op_expression("sub", {}, [difference, x]).text == "y - z - x"
    assert op_expression("mul", {}, [x, difference]).text == "x × (y - z)"
    assert op_expression("neg", {}, [op_expression("pow", {"right": 2.0}, [x])]).text == "-x²"
    assert op_expression("pow", {"right": 2.0}, [op_expression("neg", {}, [x])]).text == "(-x)²"
    assert op_expression("mul", {}, [Expr.number(0.5), Expr.number(-3.0)]).text == "0.5 × (-3)"
    assert op_expression("add", {}, [Expr.number(1.0), Expr.number(-0.5)]).text == "1 + (-0.5)"
    assert op_expression("mul", {}, [x, op_expression("neg", {}, [y])]).text == "x × (-y)"
    assert op_expression("add", {}, [Expr.number(-0.5), x]).text == "-0.5 + x"


# ------------------------------------------------- derivatives, read back

ONE_OPERAND = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "relu", "neg", "abs"]
PY_ONE = {**PY_FUNCTIONS, "log": math.log, "sqrt": math.sqrt, "neg": lambda v: -v, "abs": abs}


def derivative_value(op, params, operand_values, position):
    """Evaluate the printed derivative with the operands x, y and the output o bound to numbers."""
    names = [Expr.name(n) for n in ("x", "y")[: len(operand_values)]]
    if op == "pow" and "right" in params:
        output = operand_values[0] ** params["right"]
    elif len(operand_values) == 1:
        output = PY_ONE[op](operand_values[0])
    elif op == "pow":
        output = operand_values[0] ** operand_values[1]
    elif op == "div":  # its rule is written with the output, -o / y, as PyTorch computes it
        output = operand_values[0] / operand_values[1]
    else:
        output = None
    text = derivative_expression(op, params, names, Expr.name("o"), position, operand_values).text
    text = re.sub(r" \((as|at) .*\)$", "", text)  # relu's "1 (as x > 0)"
    env = dict(zip("xy", operand_values), o=output, log=math.log, sign=lambda v: (v > 0) - (v < 0))
    env.update(PY_FUNCTIONS)
    return eval(as_python(text), {"__builtins__": {}}, env), text  # noqa: S307


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@given(st.sampled_from(ONE_OPERAND), st.floats(0.2, 3.0), st.booleans())
def test_one_operand_derivatives_match_finite_differences(op, magnitude, negative):
    x = -magnitude if negative and op not in ("log", "sqrt") else magnitude
    got, text = derivative_value(op, {}, [x], 0)
    expected = central_difference(PY_ONE[op], x)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-7), (op, x, text)


@given(
    st.sampled_from(["add", "sub", "mul", "div", "pow"]),
    st.floats(0.3, 2.5),
    st.floats(-2.0, 2.0),
    st.integers(0, 1),
)
def test_two_operand_derivatives_match_finite_differences(op, x, y, position):
    operations = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
    }
    f = operations[op]

    assume(op != "div" or abs(y) > 0.2)
    got, text = derivative_value(op, {}, [x, y], position)
    if position == 0:
        expected = central_difference(lambda t: f(t, y), x)
    else:
        expected = central_difference(lambda t: f(x, t), y)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-7), (op, x, y, text)


@given(st.sampled_from([2.0, 3.0, -1.0, 0.5, 1.0, 0.0]), st.floats(0.3, 3.0))
def test_constant_power_derivatives_match_finite_differences(n, x):
    got, text = derivative_value("pow", {"right": n}, [x], 0)
    assert got == pytest.approx(central_difference(lambda t: t**n, x), rel=1e-5, abs=1e-7), text


def test_kinks_say_which_side_they_are_on():
    x, y = Expr.name("x"), Expr.name("y")
    assert derivative_expression("relu", {}, [x], y, 0, [0.0]).text == "0 (at x = 0)"
    assert derivative_expression("relu", {}, [x], y, 0, [-2.0]).text == "0 (as x < 0)"
    assert derivative_expression("leaky_relu", {"slope": 0.2}, [x], y, 0, [-1.0]).text == "0.2 (as x < 0)"
    assert derivative_expression("leaky_relu", {"slope": 0.2}, [x], y, 0, [1.0]).text == "1 (as x > 0)"


def test_n_ary_derivatives_are_the_other_factor():
    ws = [Expr.name(f"w{i}") for i in range(3)]
    xs = [Expr.name(f"x{i}") for i in range(3)]
    out = Expr.name("s")
    assert [derivative_expression("dot", {}, ws + xs, out, k, []).text for k in range(6)] == [
        "x0",
        "x1",
        "x2",
        "w0",
        "w1",
        "w2",
    ]
    assert derivative_expression("sum", {}, ws, out, 2, []).text == "1"
    assert op_expression("dot", {}, ws + xs).text == "w0 × x0 + w1 × x1 + w2 × x2"
    many = [Expr.name(f"t{i}") for i in range(9)]
    assert op_expression("sum", {}, many).text == "t0 + t1 + … + t8"


def test_partial_symbols():
    assert partial("E", "w1") == "∂E/∂w1"
    assert partial("err^2", "x_1", LATEX) == r"\frac{\partial \mathrm{err\^{}2}}{\partial \mathrm{x\_1}}"
