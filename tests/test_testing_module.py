"""scalargrad.testing: its strategies draw what they promise and its assertions catch wrong gradients."""

from __future__ import annotations

import importlib
import math
import random
import re
import sys
from typing import Any

import pytest
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import scalargrad as sg
from scalargrad import Value
from scalargrad.testing import (
    ALL_OPS,
    DEFAULT_OPS,
    Expression,
    assert_gradients_match,
    assert_second_derivative_matches,
    expressions,
    finite_floats,
)

SMALLEST_NORMAL = 2.2250738585072014e-308
KINKS = {"relu", "leaky_relu", "abs"}
SATURATING = {"sin", "cos", "tanh", "sigmoid"}
# what `from scalargrad import *` brings into scope: the names a formula may use
NAMESPACE = {name: getattr(sg, name) for name in sg.__all__}


def graph(expr: Expression, xs: Any) -> tuple[Value, list[Value]]:
    out = expr(*[Value(x) for x in xs])
    return out, sg.topological_order(out)


def op_names(expr: Expression, xs: Any) -> set[str]:
    return {node.op.name for node in graph(expr, xs)[1] if node.op is not None}


def find_expression(condition: Any, **kwargs: Any) -> Expression:
    return find(
        expressions(**kwargs),
        condition,
        settings=settings(max_examples=2000, database=None),
        random=random.Random(0),
    )


# ------------------------------------------------------------ finite_floats


@given(data=st.data())
def test_finite_floats_stay_in_range_and_are_normal(data: st.DataObject) -> None:
    low = data.draw(st.floats(-1e6, 1e6, allow_subnormal=False), label="low")
    high = data.draw(st.floats(low, 1e6, allow_subnormal=False), label="high")
    x = data.draw(finite_floats(low, high), label="x")
    assert type(x) is float and math.isfinite(x)
    assert low <= x <= high
    assert x == 0.0 or abs(x) >= SMALLEST_NORMAL


@given(x=finite_floats())
def test_finite_floats_default_range(x: float) -> None:
    assert -10.0 <= x <= 10.0 and math.isfinite(x)


def test_finite_floats_rejects_an_empty_range() -> None:
    with pytest.raises(InvalidArgument):
        finite_floats(1.0, -1.0).validate()


# -------------------------------------------------------------- expressions


@given(
    expr=expressions(n_inputs=3, max_depth=4), xs=st.tuples(finite_floats(), finite_floats(), finite_floats())
)
def test_expressions_keep_values_moderate(expr: Expression, xs: tuple[float, float, float]) -> None:
    """The documented bounds: |every value| <= 1e4 and |argument of a saturating function| <= 100."""
    out, nodes = graph(expr, xs)
    assert all(abs(node.data) <= 1e4 for node in nodes), repr(expr)
    for node in nodes:
        if node.op is not None and node.op.name in SATURATING:
            assert abs(node.parents[0].data) <= 100.0, f"{expr!r}: {node.op.name} of {node.parents[0].data!r}"
    assert math.isfinite(out.data)


@given(data=st.data())
def test_expressions_respect_a_smaller_input_bound(data: st.DataObject) -> None:
    bound = data.draw(st.floats(0.1, 100.0), label="input_bound")
    expr = data.draw(expressions(n_inputs=2, input_bound=bound), label="expr")
    xs = data.draw(st.tuples(finite_floats(-bound, bound), finite_floats(-bound, bound)), label="xs")
    assert all(abs(node.data) <= 1e4 for node in graph(expr, xs)[1]), repr(expr)


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_expression_repr_is_runnable_code_building_the_same_graph(
    expr: Expression, x0: float, x1: float
) -> None:
    """``repr`` is a lambda that, after ``from scalargrad import *``, builds the same graph: same numbers, bit for bit."""
    assert repr(expr).startswith("lambda x0, x1: ")
    rebuilt = eval(repr(expr), dict(NAMESPACE))  # noqa: S307 - the formula is our own output
    a, b = Value(x0), Value(x1)
    out = rebuilt(a, b)
    out = out if isinstance(out, Value) else Value(out)
    out.backward()
    c, d = Value(x0), Value(x1)
    reference = expr(c, d)
    reference.backward()
    assert (out.data, a.grad, b.grad) == (reference.data, c.grad, d.grad), repr(expr)


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_expression_str_is_the_formula_written_out(expr: Expression, x0: float, x1: float) -> None:
    """``str`` repeats a shared node's formula: the same function (the same value, bit for bit), no names."""
    assert ":=" not in str(expr) and not re.search(r"\bt\d", str(expr))
    written_out = eval(f"lambda x0, x1: {expr}", dict(NAMESPACE))  # noqa: S307 - our own output
    assert float(written_out(x0, x1)) == expr(x0, x1)
    if not expr.shared:
        assert repr(expr) == f"lambda x0, x1: {expr}"


@given(expr=expressions(n_inputs=2, max_depth=4))
def test_expression_text_is_readable(expr: Expression) -> None:
    text = str(expr)
    assert "Value" not in text and "<" not in text and "object" not in text
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    assert words <= {"x0", "x1"} | set(DEFAULT_OPS), text
    assert text.count("(") == text.count(")") and text.count("[") == text.count("]")
    assert "--" not in text and "+ -" not in text and "* -" not in text  # negatives are bracketed


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_expression_of_floats_is_a_float(expr: Expression, x0: float, x1: float) -> None:
    y = expr(x0, x1)
    assert type(y) is float and math.isfinite(y)
    assert isinstance(expr(Value(x0), Value(x1)), Value)


@given(expr=expressions(n_inputs=2), x=finite_floats())
def test_expression_arity_is_checked(expr: Expression, x: float) -> None:
    with pytest.raises(TypeError, match="takes 2 inputs"):
        expr(x)


@given(expr=expressions(n_inputs=2, max_depth=4), x0=finite_floats(), x1=finite_floats())
def test_default_expressions_have_no_kinks(expr: Expression, x0: float, x1: float) -> None:
    assert not op_names(expr, (x0, x1)) & KINKS, repr(expr)


@given(data=st.data())
def test_expressions_use_only_the_chosen_functions(data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(ALL_OPS), min_size=1, unique=True), label="ops")
    expr = data.draw(expressions(n_inputs=2, ops=chosen), label="expr")
    called = set(re.findall(r"([a-z_][a-z0-9_]*)\(", str(expr)))
    assert called <= set(chosen), f"{expr!r} calls {called - set(chosen)} outside {chosen}"
    names = op_names(expr, (0.5, -1.5))
    # what needs no name: the wrappers that put an input inside an op's domain
    # (1 + e**2, low + (1 + e**2), middle + w e / (1 + e**2): add, sub, mul, div, pow)
    # and the scaling of an input, as in exp(0.5 * x0) (mul)
    assert names - {"add", "sub", "mul", "div", "pow"} <= set(chosen), repr(expr)


@pytest.mark.parametrize("name", ALL_OPS)
def test_every_op_can_be_drawn(name: str) -> None:
    ops = DEFAULT_OPS if name in DEFAULT_OPS else (name, "add")
    expr = find_expression(lambda e: name in op_names(e, (0.3, 0.7)), n_inputs=2, ops=ops)
    assert name in op_names(expr, (0.3, 0.7))


def test_shrunk_example_is_small() -> None:
    """A failure shrinks to the least formula that shows it."""
    expr = find_expression(lambda e: re.search(r"\btanh\(", str(e)), n_inputs=2)
    assert repr(expr) == "lambda x0, x1: tanh(x0)"


@given(expr=expressions(n_inputs=1, max_depth=0))
def test_depth_zero_is_a_leaf(expr: Expression) -> None:
    out, nodes = graph(expr, (1.25,))
    assert len(nodes) == 1 and re.fullmatch(r"x0|-?[0-9.]+", str(expr)), repr(expr)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ops": ["tanh", "nope"]}, "unknown op"),
        ({"ops": "tanh"}, "sequence of names"),
        ({"ops": []}, "at least one"),
        ({"n_inputs": 0}, "n_inputs"),
        ({"max_depth": -1}, "max_depth"),
        ({"input_bound": 0.0}, "input_bound"),
        ({"share": "yes"}, "share"),
    ],
)
def test_expressions_reject_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        expressions(**kwargs)


@given(expr=expressions(n_inputs=2, ops=ALL_OPS), x0=finite_floats(), x1=finite_floats())
def test_kinked_expressions_away_from_their_kinks(expr: Expression, x0: float, x1: float) -> None:
    _, nodes = graph(expr, (x0, x1))
    # every operand of every op that declares kinks keeps clear of them (a finite difference's step and more)
    assume(
        all(
            abs(parent.data - kink) > 1e-3
            for node in nodes
            if node.op is not None
            for parent in node.parents
            for kink in node.op.kinks
        )
    )
    assert_gradients_match(expr, x0, x1)


# ------------------------------------------------- shared subexpressions

TREE_OPS = ["add", "mul", "tanh", "sin", "exp"]  # no op here needs a domain wrapper, which shares its operand


def consumers(root: Value) -> dict[Value, int]:
    """How many times each node is an operand of another (x * x counts twice)."""
    counts: dict[Value, int] = {}
    for node in sg.topological_order(root):
        for parent in node.parents:
            counts[parent] = counts.get(parent, 0) + 1
    return counts


def depth_first_gradients(root: Value) -> dict[Value, float]:
    """A backward pass without a topological order: each node passes its gradient on as soon as it is reached.

    Right for trees (each node has one consumer, so its gradient is complete
    when it is reached); wrong where a node feeds two others by paths of
    different lengths: the bug a strategy of trees never finds.
    """
    grads: dict[Value, float] = {root: 1.0}
    stack, seen = [root], {root}
    while stack:
        node = stack.pop()
        for parent, d in zip(node.parents, node.local_derivatives()):
            grads[parent] = grads.get(parent, 0.0) + grads[node] * d
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return grads


def agrees_with_backward(expr: Expression, xs: tuple[float, ...]) -> bool:
    leaves = [Value(x) for x in xs]
    root = expr(*leaves)
    naive = depth_first_gradients(root)
    root.backward()
    return all(math.isclose(naive.get(leaf, 0.0), leaf.grad, rel_tol=1e-9, abs_tol=1e-9) for leaf in leaves)


@given(expr=expressions(n_inputs=2, ops=TREE_OPS), x0=finite_floats(-2, 2), x1=finite_floats(-2, 2))
def test_a_shared_node_is_one_node_with_several_consumers(expr: Expression, x0: float, x1: float) -> None:
    root = expr.graph(x0, x1)
    counts = consumers(root)
    labelled = {node.label for node in counts if node.parents and node.label}
    # a shared node is in the graph unless it has no input in it (tanh(1) is a number)
    assert labelled <= set(expr.shared), repr(expr)
    for node, count in counts.items():
        if node.parents:
            assert (count >= 2) == (node.label in expr.shared), (repr(expr), node)


@given(
    expr=expressions(n_inputs=2, ops=TREE_OPS, share=False), x0=finite_floats(-2, 2), x1=finite_floats(-2, 2)
)
def test_without_sharing_every_operation_has_one_consumer(expr: Expression, x0: float, x1: float) -> None:
    assert expr.shared == ()
    assert all(c == 1 for n, c in consumers(expr(Value(x0), Value(x1))).items() if n.parents), repr(expr)
    assert agrees_with_backward(expr, (x0, x1))  # a tree cannot tell the naive pass from the real one


def test_sharing_finds_the_bug_trees_cannot() -> None:
    point = (0.7, -1.3)
    expr = find_expression(lambda e: not agrees_with_backward(e, point), n_inputs=2, ops=TREE_OPS)
    assert expr.shared, repr(expr)
    assert len(str(expr)) <= 60, repr(expr)  # shrunk to a small formula


@pytest.mark.parametrize("max_depth", [1, 2, 3])
def test_sharing_keeps_to_max_depth(max_depth: int) -> None:
    @given(expressions(n_inputs=2, max_depth=max_depth, ops=TREE_OPS))
    def check(expr: Expression) -> None:
        root = expr(Value(0.3), Value(-0.4))
        depth: dict[Value, int] = {}
        for node in sg.topological_order(root):
            depth[node] = 1 + max((depth[p] for p in node.parents), default=-1) if node.parents else 0
        # one more level where an input is scaled to fit its budget, as in exp(0.5 * x0)
        assert depth[root] <= max_depth + 1, repr(expr)

    check()


def test_a_failure_that_needs_a_shared_node_shrinks_to_a_small_one() -> None:
    expr = find_expression(lambda e: len(e.shared) >= 1 and "tanh" in str(e), n_inputs=2, ops=["add", "tanh"])
    root = expr.graph(0.5, 0.5)
    assert len([n for n in sg.topological_order(root) if n.parents]) <= 3, repr(expr)


def test_graph_labels_the_inputs_the_shared_nodes_and_the_result() -> None:
    expr = find_expression(lambda e: e.shared and "x1" in str(e), n_inputs=2, ops=["add", "mul", "tanh"])
    root = expr.graph(0.25, x1=-0.5)
    labels = {node.label for node in sg.topological_order(root)}
    assert {"x0", "x1", "y", *expr.shared} <= labels or {"x1", "y", *expr.shared} <= labels
    assert root.data == expr(0.25, -0.5)
    again = expr.graph(x1=-0.5, x0=0.25)
    assert again.data == root.data
    assert "t0" in sg.draw(root).source  # a failing example can be looked at
    with pytest.raises(TypeError, match="needs the 2 inputs"):
        expr.graph(0.25)
    with pytest.raises(TypeError, match="by name"):
        expr.graph(0.25, y=1.0)
    with pytest.raises(TypeError, match="twice"):
        expr.graph(0.25, -0.5, x1=0.0)


def test_graph_of_a_leaf_and_of_a_constant() -> None:
    leaf = find_expression(lambda e: str(e) == "x0", n_inputs=1, max_depth=0)
    assert leaf.graph(2.0).label == "x0"
    constant = find_expression(lambda e: "x" not in str(e), n_inputs=1, max_depth=0)
    assert constant.graph(2.0).label == "y" and constant.graph(2.0).data == float(str(constant))


# --------------------------------------------------- gradient assertions


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_assert_gradients_match_passes_on_correct_gradients(expr: Expression, x0: float, x1: float) -> None:
    assert_gradients_match(expr, x0, x1)
    assert_gradients_match(expr, Value(x0), Value(x1))  # Values are inputs too


@given(x=finite_floats(0.1, 10.0), negative=st.booleans())
def test_assert_gradients_match_catches_a_cut_graph(x: float, negative: bool) -> None:
    x = -x if negative else x

    def square_with_a_cut(v: Value) -> Value:
        return v * v.data  # the engine sees x * const: gradient x, true derivative 2x

    with pytest.raises(AssertionError) as raised:
        assert_gradients_match(square_with_a_cut, x)
    message = str(raised.value)
    assert "analytic" in message and "numeric" in message
    assert "square_with_a_cut" in message  # gradcheck's name for it, and the repr
    assert f"inputs: ({x!r})" in message
    row = next(line for line in message.splitlines() if line.startswith("* x0"))
    analytic, numeric = map(float, row.split()[3:5])
    assert math.isclose(analytic, x, rel_tol=1e-8) and math.isclose(numeric, 2 * x, rel_tol=1e-6)


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_assert_gradients_match_names_a_failing_expression(expr: Expression, x0: float, x1: float) -> None:
    def wrong(a: Value, b: Value) -> Value:
        return expr(a, b) + Value(a.data)  # a number that moves with x0, unseen by the graph

    # named by module and qualified name: the same text on every run, no memory address
    with pytest.raises(AssertionError, match=re.escape(f"function: {__name__}.{wrong.__qualname__}\n")):
        assert_gradients_match(wrong, x0, x1)


def test_assert_gradients_match_tolerances_are_passed_on() -> None:
    slightly_off = lambda v: v + 1e-4 * v.data  # noqa: E731 - gradient 1, numeric 1.0001
    assert_gradients_match(slightly_off, 2.0)  # within rtol=1e-3
    with pytest.raises(AssertionError, match="rtol=1e-06"):
        assert_gradients_match(slightly_off, 2.0, atol=0.0, rtol=1e-6)
    with pytest.raises(ValueError):
        assert_gradients_match(slightly_off, 2.0, eps=0.0)


@given(expr=expressions(n_inputs=2), x0=finite_floats(), x1=finite_floats())
def test_assert_second_derivative_matches_passes_on_correct_functions(
    expr: Expression, x0: float, x1: float
) -> None:
    assert_second_derivative_matches(expr, x0, x1)


@given(x=finite_floats(0.5, 5.0), y=finite_floats(0.5, 5.0))
def test_assert_second_derivative_matches_catches_a_wrong_mixed_partial(x: float, y: float) -> None:
    def f(a: Value, b: Value) -> Value:
        return a * b * b.data  # d/dx is y*y as a number but y*const in the graph

    with pytest.raises(AssertionError) as raised:
        assert_second_derivative_matches(f, x, y)
    message = str(raised.value)
    assert (
        "analytic" in message and "numeric" in message and f"function: {__name__}.{f.__qualname__}" in message
    )
    assert " at 0x" not in message
    # numerically grad f = (y*y, x*y), in the graph (y*c, x*c) with c = y a constant
    failing = [line.split()[1] for line in message.splitlines() if line.startswith("* ")]
    assert failing == ["d2/dx0dx1", "d2/dx1dx1"]


def test_assert_second_derivative_matches_needs_an_input() -> None:
    with pytest.raises(ValueError):
        assert_second_derivative_matches(lambda: Value(1.0))


# ------------------------------------------------------------------ import


def test_import_without_hypothesis_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "hypothesis" or m.startswith("hypothesis.")]:
        monkeypatch.setitem(sys.modules, name, None)  # None makes `import name` fail
    monkeypatch.delitem(sys.modules, "scalargrad.testing")
    with pytest.raises(ImportError, match=re.escape("pip install scalargrad[testing]")):
        importlib.import_module("scalargrad.testing")
