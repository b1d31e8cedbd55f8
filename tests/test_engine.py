"""Behaviour of the engine through its public API.

Every expected number here comes from outside the code under test: a hand
derivation written next to the assertion, central finite differences, or a
published figure (micrograd's README). Nothing was captured from scalargrad's
own output.
"""

from __future__ import annotations

import decimal
import fractions
import gc
import math
import operator
import os
import subprocess
import sys
import textwrap
import threading

import pytest

import scalargrad as sg
from scalargrad import Value

# ---------------------------------------------------------------- helpers


def walk(root):
    """Every node reachable from ``root`` through ``.parents`` (set, by identity)."""
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(node.parents)
    return seen


def central_difference(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def micrograd_readme_expression(value_class):
    """The expression from micrograd's README, for any Value-like class."""
    a = value_class(-4.0)
    b = value_class(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


# micrograd's README prints g = 24.7041, dg/da = 138.8338 and dg/db = 645.5773.
# The full-precision figures below are the same expression in PyTorch float64
# (the reference micrograd's own tests compare against).
README_G = 24.70408163265306
README_DG_DA = 138.83381924198252
README_DG_DB = 645.5772594752186


# ------------------------------------------------------ published references


def test_micrograd_readme_expression():
    a, b, g = micrograd_readme_expression(Value)
    g.backward()
    assert g.data == pytest.approx(README_G, rel=1e-12, abs=0)
    assert a.grad == pytest.approx(README_DG_DA, rel=1e-12, abs=0)
    assert b.grad == pytest.approx(README_DG_DB, rel=1e-12, abs=0)


def test_micrograd_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # z = 3x + 2 = -10, so relu(z) = 0, q = zx = 40, h = z^2 = 100,
    # y = h + q (1 + x) = 100 - 120 = -20; dy/dx = 2z*3 + (3x + z)(1 + x) + q = -60 + 66 + 40.
    assert y.data == -20.0
    assert x.grad == 46.0


# ----------------------------------------------------------- construction


def _numpy():
    return pytest.importorskip("numpy")


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: 3, 3.0),
        (lambda: -2.5, -2.5),
        (lambda: True, 1.0),
        (lambda: False, 0.0),
        (lambda: fractions.Fraction(1, 4), 0.25),
        (lambda: fractions.Fraction(1, 3), 1 / 3),
        (lambda: decimal.Decimal("0.1"), 0.1),
        (lambda: decimal.Decimal("-7"), -7.0),
    ],
    ids=["int", "float", "True", "False", "Fraction", "Fraction-third", "Decimal", "Decimal-int"],
)
def test_value_accepts_real_numbers_and_stores_a_plain_float(make, expected):
    v = Value(make())
    assert type(v.data) is float
    assert v.data == expected
    assert v.grad == 0.0 and type(v.grad) is float


@pytest.mark.parametrize(
    "kind, number, expected",
    [
        ("float64", 2.5, 2.5),
        ("float32", 0.5, 0.5),
        ("float16", -1.5, -1.5),
        ("int64", 3, 3.0),
        ("int8", -2, -2.0),
        ("uint16", 7, 7.0),
    ],
)
def test_value_accepts_numpy_scalars(kind, number, expected):
    np = _numpy()
    v = Value(getattr(np, kind)(number))
    assert type(v.data) is float
    assert v.data == expected


def test_numpy_scalars_work_as_operands():
    np = _numpy()
    x = Value(2.0)
    y = x * np.float64(3.0) + np.int32(1)
    assert isinstance(y, Value) and type(y.data) is float and y.data == 7.0
    y.backward()
    assert x.grad == 3.0


@pytest.mark.parametrize(
    "bad, type_name",
    [
        ("1.0", "str"),
        (1j, "complex"),
        (None, "NoneType"),
        ([1.0], "list"),
        (b"1", "bytes"),
        ({"x": 1}, "dict"),
    ],
)
def test_value_rejects_non_real_numbers_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_rejects_a_value():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


def test_value_rejects_numpy_complex():
    np = _numpy()
    with pytest.raises(TypeError, match="complex"):
        Value(np.complex128(1.0))


def test_label():
    assert Value(1.0).label == ""
    assert Value(1.0, "w").label == "w"
    assert Value(1.0, label="w").label == "w"
    for bad in (3, None, b"w", ["w"]):
        with pytest.raises(TypeError, match="label"):
            Value(1.0, label=bad)


# -------------------------------------------------------------- operators

# op -> (function, a, b, hand derivatives (d/da, d/db) at a, b)
BINARY = {
    "add": (operator.add, 3.0, -2.0, lambda a, b: (1.0, 1.0)),
    "sub": (operator.sub, 3.0, -2.0, lambda a, b: (1.0, -1.0)),
    "mul": (operator.mul, 3.0, -2.0, lambda a, b: (b, a)),
    "truediv": (operator.truediv, 3.0, -2.0, lambda a, b: (1.0 / b, -a / b**2)),
    "pow": (operator.pow, 3.0, 2.0, lambda a, b: (b * a ** (b - 1), a**b * math.log(a))),
}
KINDS = [("Value", "Value"), ("Value", "int"), ("Value", "float"), ("int", "Value"), ("float", "Value")]


def _operand(kind, x):
    return {"Value": Value, "int": int, "float": float}[kind](x)


@pytest.mark.parametrize("kinds", KINDS, ids=["-".join(k) for k in KINDS])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operator_values_and_gradients(name, kinds):
    fn, a, b, derivatives = BINARY[name]
    left, right = _operand(kinds[0], a), _operand(kinds[1], b)
    out = fn(left, right)
    assert isinstance(out, Value)
    assert type(out.data) is float
    assert out.data == pytest.approx(fn(a, b), rel=1e-15)
    out.backward()
    da, db = derivatives(a, b)
    if isinstance(left, Value):
        assert left.grad == pytest.approx(da, rel=1e-15)
    if isinstance(right, Value):
        assert right.grad == pytest.approx(db, rel=1e-15)


def test_binary_operators_keep_value_operands_in_order():
    for name, (fn, a, b, _) in BINARY.items():
        x, y = Value(a), Value(b)
        out = fn(x, y)
        assert type(out.parents) is tuple, name
        assert len(out.parents) == 2 and out.parents[0] is x and out.parents[1] is y, name
        assert out.parents == (x, y)
        # and the reversed expression has them the other way round
        back = fn(y, x)
        assert back.parents[0] is y and back.parents[1] is x


def test_rpow_with_float_base():
    x = Value(0.5)
    y = 2.0**x
    y.backward()
    assert y.data == pytest.approx(math.sqrt(2.0), rel=1e-15)
    assert x.grad == pytest.approx(math.sqrt(2.0) * math.log(2.0), rel=1e-15)  # d 2^x/dx = 2^x ln 2


def test_negative_and_fractional_powers():
    x = Value(4.0)
    y = x**-0.5  # d/dx = -0.5 x^-1.5 = -1/16
    y.backward()
    assert y.data == 0.5
    assert x.grad == -1.0 / 16.0


@pytest.mark.parametrize("x, value, derivative", [(-3.0, 3.0, -1.0), (2.5, 2.5, 1.0)])
def test_abs(x, value, derivative):
    v = Value(x)
    out = abs(v)
    out.backward()
    assert isinstance(out, Value) and out.data == value
    assert v.grad == derivative


def test_unary_minus():
    x = Value(1.5)
    y = -x
    y.backward()
    assert isinstance(y, Value) and y.data == -1.5
    assert x.grad == -1.0
    assert y.parents[0] is x


@pytest.mark.parametrize(
    "op, operand, expected",
    [
        (operator.iadd, 3, 5.0),
        (operator.isub, 3, -1.0),
        (operator.imul, 3, 6.0),
        (operator.itruediv, 4, 0.5),
        (operator.ipow, 3, 8.0),
    ],
)
def test_in_place_operators_build_a_new_node(op, operand, expected):
    a = Value(2.0, label="a")
    original = a
    a = op(a, operand)
    assert a is not original
    assert original.data == 2.0 and original.parents == () and original.label == "a"
    assert a.data == expected
    assert original in a.parents
    a.backward()
    assert original.grad != 0.0


@pytest.mark.parametrize(
    "expr",
    [
        lambda v: v + "a",
        lambda v: "a" + v,
        lambda v: v * [1],
        lambda v: [1] * v,
        lambda v: v - None,
        lambda v: None - v,
        lambda v: v / {},
        lambda v: {} / v,
        lambda v: v ** "2",
        lambda v: "2" ** v,
        lambda v: v + 1j,
        lambda v: 1j * v,
        lambda v: v * (1, 2),
    ],
    ids=[
        "V+str",
        "str+V",
        "V*list",
        "list*V",
        "V-None",
        "None-V",
        "V/dict",
        "dict/V",
        "V**str",
        "str**V",
        "V+complex",
        "complex*V",
        "V*tuple",
    ],
)
def test_unsupported_operands_raise_type_error(expr):
    with pytest.raises(TypeError):
        expr(Value(2.0))


# -------------------------------------------------------- number protocol


def test_float_conversion():
    v = Value(2.5)
    assert float(v) == 2.5 and type(float(v)) is float
    assert math.sqrt(Value(9.0)) == 3.0  # anything that takes a float takes a Value


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda: Value(1.0) < 2, True),
        (lambda: Value(1.0) < 1.0, False),
        (lambda: Value(1.0) <= 1, True),
        (lambda: Value(1.0) > 0.5, True),
        (lambda: Value(1.0) >= 2.0, False),
        (lambda: 2 > Value(1.0), True),
        (lambda: 0.5 >= Value(1.0), False),
        (lambda: Value(1.0) < Value(2.0), True),
        (lambda: Value(3.0) <= Value(2.0), False),
        (lambda: Value(3.0) > Value(2.0), True),
        (lambda: Value(2.0) >= Value(2.0), True),
    ],
)
def test_comparisons_return_bool(expr, expected):
    result = expr()
    assert type(result) is bool
    assert result is expected


def test_comparison_with_non_number_raises():
    with pytest.raises(TypeError):
        Value(1.0) < "2"  # noqa: B015 - the comparison itself must raise


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert (a == b) is False and a != b
    assert (a == 1.0) is False
    assert len({a, b}) == 2
    assert {a: "a", b: "b"}[b] == "b"
    # identity hashing: a Value stays findable after its number changes
    s = {a}
    a.data = 42.0
    assert a in s and b not in s


def test_repr_shows_label_data_and_grad():
    w = Value(0.75, label="weight")
    (w * 3).backward()
    r = repr(w)
    assert "weight" in r and "0.75" in r and "grad" in r and "3.0" in r
    assert "2.0" in repr(Value(2.0))


def test_format_spec_formats_the_number():
    v = Value(2 / 3)
    assert format(v, ".3f") == "0.667"
    assert f"{v:.2e}" == "6.67e-01"
    assert f"{Value(-1.5):>8.2f}" == "   -1.50"


# ------------------------------------------------------- graph structure


def test_parents_op_and_local_derivatives():
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    c = a * b
    assert c.parents == (a, b) and c.parents[0] is a and c.parents[1] is b
    assert c.op.name == "mul"
    assert c.local_derivatives() == (-2.0, 3.0)  # d(ab)/da = b, d(ab)/db = a
    assert a.parents == () and a.op is None and a.local_derivatives() == ()
    s = Value(0.3).sigmoid()
    sig = 1 / (1 + math.exp(-0.3))
    assert s.local_derivatives()[0] == pytest.approx(sig * (1 - sig), rel=1e-14)


def _labelled_graph():
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    wx = w * x
    wx.label = "wx"
    z = wx + b
    z.label = "z"
    t = z.tanh()
    t.label = "t"
    u = t * x
    u.label = "u"
    y = u + wx
    y.label = "y"
    return y


def _check_topological(order, root):
    assert order[-1] is root
    assert len(order) == len(set(order)) == len(walk(root))
    assert set(order) == walk(root)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_topological_order_puts_every_node_after_its_parents():
    y = _labelled_graph()
    _check_topological(sg.topological_order(y), y)
    _, _, g = micrograd_readme_expression(Value)
    _check_topological(sg.topological_order(g), g)


_TOPO_SCRIPT = textwrap.dedent("""
    import os
    junk = [object() for _ in range(int(os.environ["JUNK"]))]  # move the heap around
    import scalargrad as sg
    from scalargrad import Value
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    wx = w * x; wx.label = "wx"
    z = wx + b; z.label = "z"
    t = z.tanh(); t.label = "t"
    u = t * x; u.label = "u"
    y = u + wx; y.label = "y"
    print("|".join(n.label for n in sg.topological_order(y)))
""")


def test_topological_order_is_deterministic_across_runs():
    here = "|".join(n.label for n in sg.topological_order(_labelled_graph()))
    assert here == "|".join(n.label for n in sg.topological_order(_labelled_graph()))
    outputs = set()
    for seed, junk in (("0", "10"), ("1", "12345"), ("random", "777")):
        env = dict(os.environ, PYTHONHASHSEED=seed, JUNK=junk)
        result = subprocess.run(
            [sys.executable, "-c", _TOPO_SCRIPT], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout.strip())
    assert outputs == {here}


# ---------------------------------------------------- backward semantics


def _polynomial():
    # y = x^2 w + w: dy/dx = 2xw, dy/dw = x^2 + 1
    x, w = Value(3.0, "x"), Value(-2.0, "w")
    xx = x * x
    y = xx * w + w
    return x, w, xx, y


def test_leaves_accumulate_and_interior_nodes_hold_the_latest_pass():
    x, w, xx, y = _polynomial()
    y.backward()
    assert (x.grad, w.grad, xx.grad, y.grad) == (-12.0, 10.0, -2.0, 1.0)
    y.backward()
    assert x.grad == -24.0 and w.grad == 20.0  # exactly twice
    assert xx.grad == -2.0 and y.grad == 1.0  # not doubled


def test_zero_grad_zeroes_every_node():
    x, w, xx, y = _polynomial()
    y.backward()
    y.zero_grad()
    for node in walk(y):
        assert node.grad == 0.0
    y.backward()
    assert (x.grad, w.grad) == (-12.0, 10.0)


def test_backward_gradient_argument_scales():
    x, w, xx, y = _polynomial()
    y.backward(gradient=2.5)
    assert x.grad == 2.5 * -12.0 and w.grad == 2.5 * 10.0
    x2, w2, _, y2 = _polynomial()
    y2.backward(-1)
    assert x2.grad == 12.0 and w2.grad == -10.0


def test_diamond():
    x = Value(1.5)
    a = x * 2
    b = x * 3
    y = a * b  # 6x^2 -> 12x
    y.backward()
    assert x.grad == 18.0


def test_variable_used_many_times():
    x = Value(1.5)
    y = x * x * x * x + x + x + x  # x^4 + 3x -> 4x^3 + 3
    y.backward()
    assert x.grad == 4 * 1.5**3 + 3


def test_shared_subexpression():
    x, w = Value(0.5), Value(2.0)
    s = x + w
    z = s * s + s * w  # dz/dx = 2s + w, dz/dw = 2s + s + w
    z.backward()
    assert x.grad == 2 * 2.5 + 2.0
    assert w.grad == 3 * 2.5 + 2.0
    assert s.grad == 2 * 2.5 + 2.0


@pytest.mark.parametrize(
    "expr", [lambda x: x - x, lambda x: x / x, lambda x: x * x - x * x], ids=["x-x", "x/x", "xx-xx"]
)
def test_self_cancelling_expressions_have_zero_gradient(expr):
    x = Value(1.7)
    expr(x).backward()
    assert x.grad == 0.0


def test_composite_gradient_against_finite_differences():
    def f(x, y):
        return (sg.sin(x * y) + sg.exp(-x * x) * sg.sqrt(y) - sg.log(y + x * x)).tanh() / (1 + y)

    x, y = Value(0.7), Value(1.3)
    f(x, y).backward()
    fx = central_difference(lambda t: f(Value(t), Value(1.3)).data, 0.7)
    fy = central_difference(lambda t: f(Value(0.7), Value(t)).data, 1.3)
    assert x.grad == pytest.approx(fx, rel=1e-7)
    assert y.grad == pytest.approx(fy, rel=1e-7)


def test_million_node_chain_with_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x0 = Value(0.0, "x0")
    one = Value(1.0, "one")
    x = x0
    for _ in range(1_000_000):
        x = x + one
    x.backward()
    assert x.data == 1_000_000.0
    assert x0.grad == 1.0
    assert one.grad == 1_000_000.0
    x.zero_grad()
    assert x0.grad == 0.0 and one.grad == 0.0
    del x  # freeing a million-deep chain must not overflow the C stack either
    assert sys.getrecursionlimit() == limit


# --------------------------------------------------------------- no_grad

NO_GRAD_OPS = {
    "add": lambda x: x + 1,
    "radd": lambda x: 1 + x,
    "mul": lambda x: x * x,
    "div": lambda x: x / 2,
    "rsub": lambda x: 1 - x,
    "pow": lambda x: x**2,
    "rpow": lambda x: 2**x,
    "powv": lambda x: x**x,
    "neg": lambda x: -x,
    "abs": abs,
    "exp": sg.exp,
    "tanh": lambda x: x.tanh(),
    "leaky": lambda x: x.leaky_relu(0.1),
    "softplus": sg.softplus,
    "sum": lambda x: sg.sum([x, x]),
    "dot": lambda x: sg.dot([x], [x]),
}


@pytest.mark.parametrize("name", sorted(NO_GRAD_OPS))
def test_no_grad_every_op_makes_a_constant(name):
    fn = NO_GRAD_OPS[name]
    x = Value(1.5)
    expected = fn(Value(1.5)).data
    with sg.no_grad():
        y = fn(x)
    assert y.parents == () and y.data == expected
    assert fn(x).parents  # recording again afterwards


def test_no_grad_context_manager():
    x = Value(2.0)
    assert sg.is_grad_enabled() is True
    with sg.no_grad():
        assert sg.is_grad_enabled() is False
        y = x * 3 + sg.exp(x)
        with sg.no_grad():
            pass
        assert sg.is_grad_enabled() is False  # leaving an inner block keeps the outer one
    assert sg.is_grad_enabled() is True
    assert y.parents == ()
    assert y.data == pytest.approx(6 + math.exp(2.0), rel=1e-15)
    y.backward()
    assert x.grad == 0.0  # nothing connects y to x


def test_no_grad_decorator():
    seen = []

    @sg.no_grad()
    def predict(x):
        seen.append(sg.is_grad_enabled())
        return x * x

    out = predict(Value(3.0))
    assert seen == [False]
    assert out.parents == () and out.data == 9.0
    assert sg.is_grad_enabled() is True


def test_no_grad_restored_after_exception():
    with pytest.raises(ZeroDivisionError):
        with sg.no_grad():
            1 / 0  # noqa: B018 - raises inside the block
    assert sg.is_grad_enabled() is True

    @sg.no_grad()
    def broken():
        raise KeyError("x")

    with pytest.raises(KeyError):
        broken()
    assert sg.is_grad_enabled() is True
    assert (Value(1.0) * 2).parents


def test_no_grad_is_thread_local_other_thread_inside():
    inside, release = threading.Event(), threading.Event()
    seen = []

    def worker():
        with sg.no_grad():
            seen.append(sg.is_grad_enabled())
            inside.set()
            release.wait(10)
            seen.append((Value(1.0) * 2).parents)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert inside.wait(10)
        assert sg.is_grad_enabled() is True  # the other thread's no_grad is not ours
        x = Value(2.0)
        assert (x * 3).parents[0] is x
    finally:
        release.set()
        thread.join(10)
    assert seen == [False, ()]


def test_no_grad_is_thread_local_this_thread_inside():
    started, checked = threading.Event(), threading.Event()
    seen = []

    def worker():
        started.wait(10)
        x = Value(2.0)
        seen.append(sg.is_grad_enabled())
        seen.append((x * 3).parents[0] is x if (x * 3).parents else False)
        checked.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with sg.no_grad():
        started.set()
        assert checked.wait(10)
        assert sg.is_grad_enabled() is False
    thread.join(10)
    assert seen == [True, True]


# -------------------------------------------------------- detect_anomaly


def test_detect_anomaly_forward_names_op_and_labelled_input():
    x = Value(-1.0, label="x")
    with sg.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            sg.log(x)
    message = str(info.value)
    assert "log" in message and "x" in message and "-1.0" in message


def test_detect_anomaly_forward_binary_op_names_both_inputs():
    a, b = Value(1.0, label="num"), Value(0.0, label="den")
    with sg.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            a / b
    message = str(info.value)
    assert "div" in message and "num" in message and "den" in message


def test_detect_anomaly_forward_overflow():
    with sg.detect_anomaly(), pytest.raises(FloatingPointError, match="exp"):
        Value(1000.0, label="big").exp()


@pytest.mark.parametrize("build_inside", [True, False])
def test_detect_anomaly_backward_names_op(build_inside):
    x = Value(0.0, label="x")
    if build_inside:
        with sg.detect_anomaly():
            y = sg.sqrt(x) * 2  # the forward values are finite: sqrt(0) = 0
    else:
        y = sg.sqrt(x) * 2
    assert y.data == 0.0
    with sg.detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt"):
        y.backward()


def test_without_detect_anomaly_non_finite_numbers_pass_silently():
    assert math.isnan(Value(-1.0).log().data)
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_detect_anomaly_silent_when_finite_and_restored_after_error():
    with sg.detect_anomaly():
        a, b, g = micrograd_readme_expression(Value)
        g.backward()
    assert g.data == pytest.approx(README_G, rel=1e-12)
    assert a.grad == pytest.approx(README_DG_DA, rel=1e-12)
    assert b.grad == pytest.approx(README_DG_DB, rel=1e-12)

    with pytest.raises(FloatingPointError):
        with sg.detect_anomaly():
            Value(-1.0).sqrt()
    assert math.isnan(Value(-1.0).sqrt().data)  # off again: no exception

    @sg.detect_anomaly()
    def bad(x):
        return x.log()

    with pytest.raises(FloatingPointError):
        bad(Value(-2.0))
    assert math.isnan(Value(-2.0).log().data)


# ------------------------------------------------------ reference cycles


def _garbage_collected_after(build):
    """How many objects the cyclic collector finds after ``build()`` ran and dropped its result."""
    gc.collect()
    gc.disable()
    try:
        build()
        return gc.collect()
    finally:
        gc.enable()


def test_scalargrad_graphs_leave_no_reference_cycles():
    def build_and_backward():
        a, b, g = micrograd_readme_expression(Value)
        g.backward()
        g.zero_grad()
        sg.topological_order(g)

    def higher_order():
        x = Value(1.2)
        sg.grad(sg.grad(lambda t: sg.exp(t) * t))(x)
        sg.value_and_grad(lambda s, t: sg.dot([s, t], [t, s]), argnums=(0, 1))(1.0, 2.0)

    def nary():
        xs = [Value(float(i)) for i in range(50)]
        sg.sum(xs).backward()
        sg.dot(xs, xs).backward()

    for build in (build_and_backward, higher_order, nary):
        assert _garbage_collected_after(build) == 0, build.__name__


def test_micrograd_leaves_reference_cycles():
    # the same check must be able to fail: micrograd's closures make cycles
    engine = pytest.importorskip("micrograd.engine")

    def build_and_backward():
        a, b, g = micrograd_readme_expression(engine.Value)
        g.backward()

    assert _garbage_collected_after(build_and_backward) > 0


# ---------------------------------------------------- grad, value_and_grad


def test_value_and_grad_floats_in_floats_out():
    value, gradient = sg.value_and_grad(lambda x, y: x * y + sg.sin(x))(2.0, 3.0)
    assert type(value) is float and type(gradient) is float
    assert value == pytest.approx(6.0 + math.sin(2.0), rel=1e-15)
    assert gradient == pytest.approx(3.0 + math.cos(2.0), rel=1e-15)  # d/dx = y + cos x
    assert type(sg.grad(lambda x: x * x)(3)) is float and sg.grad(lambda x: x * x)(3) == 6.0


def test_value_and_grad_values_in_values_out():
    x = Value(2.0)
    value, gradient = sg.value_and_grad(lambda t: t**3)(x)
    assert isinstance(value, Value) and isinstance(gradient, Value)
    assert value.data == 8.0 and gradient.data == 12.0
    gradient.backward()  # the gradient is a graph: d(3x^2)/dx = 6x
    assert x.grad == 12.0


def test_argnums_int_tuple_and_negative():
    def f(x, y, z):
        return x * y * y + z  # d/dx = y^2, d/dy = 2xy, d/dz = 1

    assert sg.grad(f)(2.0, 3.0, 5.0) == 9.0
    assert sg.grad(f, argnums=1)(2.0, 3.0, 5.0) == 12.0
    assert sg.grad(f, argnums=-1)(2.0, 3.0, 5.0) == 1.0
    gradients = sg.grad(f, argnums=(0, 1, 2))(2.0, 3.0, 5.0)
    assert type(gradients) is tuple and gradients == (9.0, 12.0, 1.0)
    value, (dz, dx) = sg.value_and_grad(f, argnums=(2, 0))(2.0, 3.0, 5.0)
    assert value == 23.0 and (dz, dx) == (1.0, 9.0)
    assert sg.grad(f, argnums=(1,))(2.0, 3.0, 5.0) == (12.0,)


def test_non_differentiated_arguments_and_keywords_pass_through():
    assert sg.grad(lambda x, s, scale=1.0: x * len(s) * scale)(2.0, "abc", scale=2.0) == 6.0


@pytest.mark.parametrize(
    "f, x, second",
    [
        (lambda x: x**3, 2.0, lambda x: 6 * x),
        (sg.sin, 0.7, lambda x: -math.sin(x)),
        (sg.cos, 0.7, lambda x: -math.cos(x)),
        (lambda x: sg.exp(x) * x, 0.3, lambda x: (x + 2) * math.exp(x)),
        (lambda x: 1 / x, 1.5, lambda x: 2 / x**3),
        (sg.log, 1.5, lambda x: -1 / x**2),
        (sg.sqrt, 2.0, lambda x: -0.25 * x**-1.5),
        (sg.tanh, 0.4, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
        (sg.sigmoid, 0.4, lambda x: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + math.exp(-x)))),
        (lambda x: 2**x, 0.5, lambda x: 2**x * math.log(2) ** 2),
        (lambda x: x**x, 1.5, lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x)),
    ],
    ids=["cube", "sin", "cos", "x_exp", "recip", "log", "sqrt", "tanh", "sigmoid", "rpow", "xx"],
)
def test_second_derivatives(f, x, second):
    assert sg.grad(sg.grad(f))(x) == pytest.approx(second(x), rel=1e-12)


def test_third_derivatives():
    assert sg.grad(sg.grad(sg.grad(lambda x: x**3)))(2.0) == 6.0
    assert sg.grad(sg.grad(sg.grad(sg.sin)))(0.7) == pytest.approx(-math.cos(0.7), rel=1e-12)


def _f_xxy(x, y):
    return x * x * y  # d/dx = 2xy; d/dy (2xy) = 2x; d/dx (2xy) = 2y


def test_mixed_partials_when_both_arguments_are_differentiated():
    dxdx, dxdy = sg.grad(lambda x, y: sg.grad(_f_xxy)(x, y), argnums=(0, 1))(3.0, 5.0)
    assert (dxdx, dxdy) == (10.0, 6.0)


def test_mixed_partial_through_a_non_differentiated_value_argument():
    # The outer grad makes y a Value; the inner grad differentiates in x (a float).
    # The inner gradient 2xy depends on y, so the outer derivative is 2x = 6.
    assert sg.grad(lambda x, y: sg.grad(_f_xxy)(x, y), argnums=1)(3.0, 5.0) == 6.0


def test_mixed_partial_through_a_closure():
    # the same, with y reaching the inner function through a closure instead of an argument
    assert sg.grad(lambda y: sg.grad(lambda x: x * x * y)(3.0))(5.0) == 6.0


def test_gradient_of_a_constant_function_is_zero():
    assert sg.grad(lambda x: 3.0)(2.0) == 0.0
    assert sg.grad(lambda x, y: y * y, argnums=0)(2.0, 5.0) == 0.0  # output does not use x
    assert sg.grad(lambda x: x * 0.0 + 4.0)(2.0) == 0.0
    g = sg.grad(lambda x: 3.0)(Value(2.0))
    assert isinstance(g, Value) and g.data == 0.0
    assert sg.grad(sg.grad(lambda x: 2 * x + 1))(1.0) == 0.0  # a linear function's second derivative


def test_value_and_grad_of_constant_function_values_in_values_out():
    # "Values in -> Values out" must hold for the value too, not only for the gradient
    value, gradient = sg.value_and_grad(lambda x: 3.0)(Value(2.0))
    assert isinstance(gradient, Value) and gradient.data == 0.0
    assert isinstance(value, Value), f"got {type(value).__name__} {value!r} for a Value argument"
    assert value.data == 3.0


def test_same_value_in_two_positions_gets_the_total_derivative():
    x = Value(3.0)
    dx, dy = sg.grad(lambda a, b: a * b, argnums=(0, 1))(x, x)  # d(x*x)/dx = 6
    assert dx.data == 6.0 and dy.data == 6.0


def test_grad_inside_no_grad_still_differentiates():
    # grad() is an explicit request for a derivative (as torch.func.grad, which
    # ignores an enclosing no_grad); a silent 0.0 would be a wrong number.
    with sg.no_grad():
        assert sg.grad(lambda x: x * x)(3.0) == 6.0
        assert sg.is_grad_enabled() is False  # and the no_grad block is still in force
        assert (Value(1.0) * 2).parents == ()


def test_grad_leaves_no_state_behind_after_an_exception_in_f():
    def broken(x):
        raise RuntimeError("inside f")

    with pytest.raises(RuntimeError):
        sg.grad(broken)(1.0)
    with sg.no_grad():
        with pytest.raises(RuntimeError):
            sg.grad(broken)(1.0)
        assert sg.is_grad_enabled() is False
    assert sg.is_grad_enabled() is True
    # a later top-level call with floats still gives plain floats
    value, gradient = sg.value_and_grad(lambda x: x * x)(3.0)
    assert type(value) is float and type(gradient) is float and gradient == 6.0


@pytest.mark.parametrize("argnums", [2, -3, (0, 2), (1, 5)])
def test_out_of_range_argnums_raise_value_error(argnums):
    with pytest.raises(ValueError, match="argnums"):
        sg.grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize("argnums", ["a", 1.5, None, (), (0, "a"), True, (0, 1.0)])
def test_argnums_of_wrong_type_raise_type_error(argnums):
    with pytest.raises(TypeError, match="argnums"):
        sg.grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize(
    "result, type_name", [([1.0], "list"), (None, "NoneType"), ("x", "str"), ((1.0, 2.0), "tuple")]
)
def test_function_must_return_a_scalar(result, type_name):
    with pytest.raises(TypeError, match=type_name):
        sg.grad(lambda x: result)(1.0)
    with pytest.raises(TypeError, match="list"):
        sg.grad(lambda x: [x])(1.0)


@pytest.mark.parametrize(
    "bad, type_name", [("abc", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex")]
)
def test_non_number_argument_raises_naming_it(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        sg.grad(lambda x: x)(bad)
    with pytest.raises(TypeError, match=type_name):
        sg.value_and_grad(lambda x, y: x * y, argnums=1)(2.0, bad)


# ------------------------------------------------------------- gradcheck


@pytest.mark.parametrize(
    "f, inputs",
    [
        (lambda x, y: (x * y).tanh(), (0.3, -1.2)),
        (lambda x: sg.sigmoid(x) * sg.softplus(x), (0.8,)),
        (lambda x, y: sg.log(x) / sg.sqrt(y), (1.7, 2.2)),
        (lambda x, y: x**y + 2**x, (1.3, 0.7)),
        (lambda x: abs(x) * sg.leaky_relu(x, 0.2) + sg.relu(x - 2), (-0.9,)),
        (lambda a, b, c: sg.dot([a, b], [c, a]) + sg.sum([a, b, c]), (0.5, -1.5, 2.0)),
    ],
)
def test_gradcheck_accepts_correct_gradients(f, inputs):
    assert sg.gradcheck(f, *inputs) is True


def test_gradcheck_rejects_a_cut_graph_with_a_table():
    with pytest.raises(AssertionError) as info:
        sg.gradcheck(lambda x: x.data * x, 2.0)  # f = x^2 but the engine sees 2x's slope: 2 vs 4
    message = str(info.value)
    for word in ("analytic", "numeric", "difference"):
        assert word in message
    row = next(line for line in message.splitlines() if line.lstrip("* ").startswith("x0"))
    numbers = [float(cell) for cell in row.replace("*", "").split()[1:]]
    value, analytic, numeric, difference = numbers
    assert value == 2.0 and analytic == 2.0
    assert numeric == pytest.approx(4.0, rel=1e-6) and difference == pytest.approx(2.0, rel=1e-5)


def test_gradcheck_lists_every_input():
    with pytest.raises(AssertionError) as info:
        sg.gradcheck(lambda a, b: a * b.data + b, 2.0, 3.0)  # only b's gradient is wrong
    lines = str(info.value).splitlines()
    assert any(line.lstrip().startswith("x0") for line in lines)
    assert any(line.startswith("*") and "x1" in line for line in lines)
    assert not any(line.startswith("*") and "x0" in line for line in lines)


def test_gradcheck_rejects_bad_settings():
    with pytest.raises(ValueError):
        sg.gradcheck(lambda x: x, 1.0, eps=0.0)
    with pytest.raises(ValueError):
        sg.gradcheck(lambda x: x, 1.0, atol=-1.0)


# ------------------------------------------------------------ sum and dot


def test_sum_is_one_node_with_chain_gradients():
    numbers = [1.5, -2.0, 0.25, 4.0, 0.125]  # dyadic: every partial sum is exact
    xs = [Value(v) for v in numbers]
    s = sg.sum(xs)
    assert len(s.parents) == len(xs) and all(p is x for p, x in zip(s.parents, xs))
    assert s.op.name == "sum"
    assert s.data == math.fsum(numbers)
    y = (s * s).tanh()
    y.backward()

    ys = [Value(v) for v in numbers]
    chain = ys[0]
    for v in ys[1:]:
        chain = chain + v
    (chain * chain).tanh().backward()
    assert [x.grad for x in xs] == [v.grad for v in ys]
    # and by hand: d tanh(s^2)/dx_i = (1 - tanh(s^2)^2) 2s
    s_ = math.fsum(numbers)
    assert xs[0].grad == pytest.approx((1 - math.tanh(s_ * s_) ** 2) * 2 * s_, rel=1e-14)


def test_dot_is_one_node_with_chain_gradients():
    w_numbers, x_numbers = [0.5, -1.25, 2.0], [3.0, 0.75, -0.5]
    ws, xs = [Value(v) for v in w_numbers], [Value(v) for v in x_numbers]
    d = sg.dot(ws, xs)
    assert len(d.parents) == 6
    assert all(p is q for p, q in zip(d.parents, ws + xs))
    assert d.op.name == "dot"
    assert d.data == sum(w * x for w, x in zip(w_numbers, x_numbers))
    d.sigmoid().backward()

    ws2, xs2 = [Value(v) for v in w_numbers], [Value(v) for v in x_numbers]
    chain = ws2[0] * xs2[0]
    for w, x in zip(ws2[1:], xs2[1:]):
        chain = chain + w * x
    chain.sigmoid().backward()
    assert [w.grad for w in ws] == [w.grad for w in ws2]
    assert [x.grad for x in xs] == [x.grad for x in xs2]


def test_sum_and_dot_with_repeated_values_and_numbers():
    x = Value(1.5)
    sg.sum([x, x, 2.0, x]).backward()
    assert x.grad == 3.0
    y = Value(1.5)
    sg.dot([y, 2], [y, y]).backward()  # y^2 + 2y -> 2y + 2
    assert y.grad == 5.0
    z = Value(2.0)
    sg.sum(t * t for t in [z, z]).backward()  # any iterable, here a generator
    assert z.grad == 8.0


def test_sum_and_dot_reject_bad_input():
    with pytest.raises(ValueError, match="length"):
        sg.dot([1.0, 2.0], [1.0])
    for bad in (5, Value(1.0), None, 2.5):
        with pytest.raises(TypeError):
            sg.sum(bad)
        with pytest.raises(TypeError):
            sg.dot(bad, [1.0])
    with pytest.raises(TypeError):
        sg.sum([1.0, "a"])
    with pytest.raises(TypeError):
        sg.dot([Value(1.0)], ["a"])


def test_module_functions_on_numbers_return_floats():
    for fn, x, expected in (
        (sg.exp, 0.0, 1.0),
        (sg.log, 1, 0.0),
        (sg.sqrt, 4, 2.0),
        (sg.sin, 0, 0.0),
        (sg.cos, 0, 1.0),
        (sg.tanh, 0, 0.0),
        (sg.sigmoid, 0, 0.5),
        (sg.relu, -3, 0.0),
        (sg.softplus, 0, math.log(2)),
    ):
        out = fn(x)
        assert type(out) is float and out == expected, fn.__name__


def test_backward_rejects_a_non_number_gradient_naming_backward():
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"backward\(\) takes a real number as gradient, got str 'x'"):
        y.backward("x")


# ------------------------------------------------ a number as an operand

NUMBER_OPERATIONS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


@pytest.mark.parametrize("symbol", sorted(NUMBER_OPERATIONS))
@pytest.mark.parametrize("number_on_the_left", [False, True])
@pytest.mark.parametrize("x, c", [(1.7, 0.6), (0.8, -2.5), (2.25, 3.0)])
def test_a_number_operand_lives_in_the_op(symbol, number_on_the_left, x, c):
    # Value, first and second derivative, against plain floats and central differences.
    operation = NUMBER_OPERATIONS[symbol]
    if symbol == "**" and number_on_the_left:
        c = abs(c)  # c ** x for a positive base

    def f(v):
        return operation(c, v) if number_on_the_left else operation(v, c)

    node = f(Value(x, label="x"))
    assert [p.label for p in node.parents] == ["x"]  # the number is no node
    if symbol == "**" and not number_on_the_left:
        assert node.op.params() == {"right": c}  # x ** n: pow with its exponent kept, as every number operand
    else:
        assert node.op.params() == ({"left": c} if number_on_the_left else {"right": c})
    assert node.data == f(x)
    h = 1e-5
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    assert sg.grad(f)(x) == pytest.approx(numeric, rel=1e-7)
    numeric_second = (sg.grad(f)(x + h) - sg.grad(f)(x - h)) / (2 * h)
    assert sg.grad(sg.grad(f))(x) == pytest.approx(numeric_second, rel=1e-6, abs=1e-9)


def test_numbers_share_ops_but_zeros_keep_their_sign():
    x = Value(2.0)
    assert (x * 3.0).op is (x * 3.0).op  # one op per number, not per node
    assert (x * 3.0).op is not (3.0 * x).op  # nor per side
    assert math.copysign(1.0, (x * -0.0).data) == -1.0
    assert math.copysign(1.0, (x * 0.0).data) == 1.0
    assert (x * -0.0).op.params() == {"right": -0.0}
    # the same cache holds slopes and exponents
    assert math.copysign(1.0, Value(-2.0).leaky_relu(0.0).data) == -1.0
    assert math.copysign(1.0, Value(-2.0).leaky_relu(-0.0).data) == 1.0
    assert (x**3).op is (x**3).op


def test_number_operands_follow_ieee_and_pytorch():
    x = Value(0.0)
    y = 0.0**x  # d/dx 0**x is 0 at x >= 0, as torch gives (not nan from log 0)
    y.backward()
    assert y.data == 1.0 and x.grad == 0.0
    assert (1.0 / Value(0.0)).data == math.inf
    z = Value(2.0)
    q = 1.0 / z
    q.backward()
    assert z.grad == -0.25


def test_detect_anomaly_names_a_number_operand():
    x = Value(1.0, label="x")
    with sg.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"div produced inf from inputs x = 1.0, 0.0"):
            x / 0
        with pytest.raises(FloatingPointError, match=r"pow produced inf from inputs 0.0, -1.0"):
            0.0 ** (-x)


def test_nan_numbers_do_not_fill_the_shared_ops():
    x = Value(1.0)
    for _ in range(2000):
        assert math.isnan((x * math.nan).data)
    assert (x * 3.5).op is (x * 3.5).op  # numbers are still shared afterwards
