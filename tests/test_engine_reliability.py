"""The engine under wrong types and extreme values: regressions from the fuzz harness, and a fuzz of our own.

Each defect found by the harness (issue 13) has its smallest reproduction
here; the property tests then throw random arguments, of every type and
magnitude, at every op function, operator and transform: the only outcomes
allowed are a result that follows IEEE-754 or a ``TypeError``/``ValueError``
that names what was wrong, never an exception from deep inside.
"""

from __future__ import annotations

import fractions
import math
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.operation import registry

# ------------------------------------------------------------ regressions


def test_grad_and_backward_agree_on_nan_behind_a_mask() -> None:
    # relu masks its edge at 0, so neg's gradient is 0; 0 × d sqrt/dx (inf at 0) is nan in
    # backward(), as in PyTorch. gradients() used to drop the zero and return 0.0.
    f = lambda v: (-v.sqrt()).relu()  # noqa: E731
    x = sg.Value(0.0)
    f(x).backward()
    assert math.isnan(x.grad)
    assert math.isnan(sg.grad(f)(0.0))
    (through_gradients,) = sg.gradients(f(x), [x])
    assert math.isnan(through_gradients)


def test_gradients_refuses_a_number_in_wrt() -> None:
    x = sg.Value(2.0)
    with pytest.raises(TypeError, match=r"wrt\[0\] is float 2.0"):
        sg.gradients(x * x, [x.data])


def test_detect_anomaly_covers_grad_of_floats() -> None:
    with sg.detect_anomaly(), pytest.raises(FloatingPointError, match="backward of sqrt produced inf"):
        sg.grad(lambda v: v.sqrt())(0.0)
    # A second derivative builds the first as a graph: its inf is found where the rule makes it.
    with (
        sg.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"the derivative rule of sqrt: div produced inf"),
    ):
        sg.grad(sg.grad(lambda v: v * v.sqrt()))(0.0)


@pytest.mark.parametrize("huge", [10**400, -(10**400), fractions.Fraction(10**400, 3)])
def test_integers_beyond_float_range_round_to_infinity_everywhere(huge: object) -> None:
    # One rule, IEEE-754's: a number beyond the largest float rounds to an infinity.
    inf = math.copysign(math.inf, float(huge > 0) - 0.5)  # type: ignore[operator]
    assert sg.Value(huge).data == inf  # type: ignore[arg-type]
    x = sg.Value(2.0)
    assert (x * huge).data == 2 * inf  # type: ignore[operator]
    assert (huge + x).data == inf  # type: ignore[operator]
    assert sg.sum([x, huge]).data == inf  # type: ignore[list-item]
    assert sg.dot([x], [huge]).data == 2 * inf  # type: ignore[list-item]
    assert sg.tanh(huge) == math.copysign(1.0, inf)  # type: ignore[call-overload]
    y = x * 3.0
    y.backward(gradient=huge)  # type: ignore[arg-type]
    assert x.grad == 3 * inf


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sg.topological_order(None), "topological_order() takes a scalargrad Value, got NoneType"),  # type: ignore[arg-type]
        (lambda: sg.Value("2"), "Value() takes a real number, got str"),
        (lambda: sg.Value(2.0).backward(gradient="1"), "backward() takes a real number as gradient"),  # type: ignore[arg-type]
        (lambda: sg.tanh("x"), "tanh() takes Values or real numbers, got str 'x' as input 0"),  # type: ignore[call-overload]
        (lambda: sg.leaky_relu(1.0, "s"), "slope of leaky_relu() must be a real number, got str"),  # type: ignore[call-overload]
        (lambda: sg.tanh(1.0, 2.0), r"tanh\(\) takes 1 input, got 2 arguments"),  # type: ignore[call-overload]
        (lambda: sg.dot(1, 2), "dot() takes an iterable"),  # type: ignore[arg-type]
        (lambda: sg.sum(["a"]), "sum() takes Values or real numbers, got str"),  # type: ignore[list-item]
        (lambda: sg.grad(lambda x: x)("a"), "argument 0 of <lambda> must be a real number or a Value"),
        (lambda: sg.grad(lambda x: "s")(1.0), "must return a scalar"),
        (lambda: sg.gradients(sg.Value(1.0), None), "iterable"),  # type: ignore[arg-type]
    ],
)
def test_a_wrong_type_is_a_type_error_naming_it(call: object, message: str) -> None:
    with pytest.raises(TypeError, match=message if "\\" in message else None) as error:
        call()  # type: ignore[operator]
    if "\\" not in message:
        assert message in str(error.value)


# ------------------------------------------------------------------- fuzz

EXTREMES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-310,
    -1e-310,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
    10**400,
    3,
]
ANYTHING = st.one_of(
    st.sampled_from(EXTREMES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.fractions(),
    st.none(),
    st.text(max_size=3),
    st.complex_numbers(max_magnitude=10),
    st.lists(st.floats(-2, 2), max_size=2),
    st.booleans(),
)


def as_operand(x: object, wrap: bool) -> object:
    if wrap and isinstance(x, (int, float)) and not isinstance(x, bool):
        return sg.Value(x)
    return x


def is_real(x: object) -> bool:
    return isinstance(x, (int, float, fractions.Fraction, sg.Value))


@given(
    name=st.sampled_from(sorted(registry())),
    args=st.lists(ANYTHING, min_size=0, max_size=3),
    wrap=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_every_op_function_gives_a_number_or_a_clear_error(
    name: str, args: list[object], wrap: list[bool]
) -> None:
    function = registry()[name]
    operands = [as_operand(a, w) for a, w in zip(args, wrap)]
    try:
        out = function(*operands) if function.arity is not None else function(operands)  # type: ignore[call-overload]
    except (TypeError, ValueError) as error:
        assert str(error), name  # says something
        return
    assert isinstance(out, (float, sg.Value)), (name, operands, out)
    if isinstance(out, sg.Value) and out.parents:
        out.backward()  # never raises: IEEE-754 all the way down
        for leaf in (o for o in operands if isinstance(o, sg.Value)):
            assert isinstance(leaf.grad, float)


OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@given(
    symbol=st.sampled_from(sorted(OPERATORS)),
    a=ANYTHING,
    b=ANYTHING,
    wrap_left=st.booleans(),
)
def test_operators_give_a_value_or_python_s_own_type_error(
    symbol: str, a: object, b: object, wrap_left: bool
) -> None:
    left = sg.Value(a) if wrap_left and is_real(a) and not isinstance(a, (bool, complex)) else a
    right = b if wrap_left else (sg.Value(b) if is_real(b) and not isinstance(b, (bool, complex)) else b)
    if not isinstance(left, sg.Value) and not isinstance(right, sg.Value):
        return
    try:
        out = OPERATORS[symbol](left, right)
    except OverflowError as error:
        # Fraction's own operators turn a huge Fraction into a float before asking the Value:
        # an error of the fractions module, raised before scalargrad is reached.
        assert isinstance(left, fractions.Fraction), error
        frames = traceback.extract_tb(error.__traceback__)
        assert not any("/scalargrad/" in frame.filename for frame in frames), frames
        return
    except TypeError as error:
        other = right if isinstance(left, sg.Value) else left
        assert not is_real(other) or isinstance(other, complex), error
        # Python's own error for an unsupported operand: raised where the operator is written,
        # after every method said NotImplemented, never from inside scalargrad.
        frames = traceback.extract_tb(error.__traceback__)
        assert not any("/scalargrad/" in frame.filename for frame in frames), frames
        return
    assert isinstance(out, sg.Value)
    out.backward()


@given(
    x=st.sampled_from(EXTREMES[:12]),
    name=st.sampled_from(sorted(n for n, f in registry().items() if f.arity == 1)),
)
def test_grad_of_extremes_is_a_float_never_an_exception(x: float, name: str) -> None:
    d = sg.grad(registry()[name])(x)
    assert isinstance(d, float)
    dd = sg.grad(sg.grad(registry()[name]))(x)
    assert isinstance(dd, float)
