"""Nested derivatives, forward mode, Jacobians and Hessians, against independent references.

References: derivatives worked out by hand, central finite differences, the
worked example of Baydin, Pearlmutter, Radul & Siskind, "Automatic
differentiation in machine learning: a survey" (JMLR 18, 2018), Tables 2 and
3, and what torch.func and JAX give for the nested cases (quoted from the
issue: d/dx (x · d/dy (x y)) = 2x; the no_grad case 3 · 1.5² = 6.75).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
import scalargrad.backward
from scalargrad.testing import Expression, expressions, finite_floats

# ------------------------------------------------------ nested derivatives


def test_an_inner_grad_closing_over_an_outer_value_stays_connected_for_backward() -> None:
    x = sg.Value(1.0)
    (x * sg.grad(lambda y: x * y)(2.0)).backward()
    assert x.grad == 2.0  # d/dx (x * x) at 1; 1.0 when the inner grad cut x out


@pytest.mark.parametrize("x0", [1.0, -0.5, 3.0])
def test_an_inner_grad_closing_over_an_outer_variable_stays_connected_for_grad(x0: float) -> None:
    outer = sg.grad(lambda x: x * sg.grad(lambda y: x * y)(2.0))
    assert outer(x0) == 2.0 * x0


def test_perturbation_confusion_at_three_levels() -> None:
    # f(x) = x · d/dy [ y · d/dz (x z y) ] = x · d/dy (x y²) = x · 2xy at y = 1... with y = 2: 4x².
    def f(x: sg.Value) -> sg.Value:
        return x * sg.grad(lambda y: y * sg.grad(lambda z: x * z * y)(3.0))(2.0)

    # inner d/dz (x z y) = x y; middle d/dy (y · x y) = 2 x y = 4x at y = 2; f = 4x², f' = 8x
    assert sg.grad(f)(1.5) == pytest.approx(12.0, rel=1e-15)
    x = sg.Value(1.5)
    f(x).backward()
    assert x.grad == pytest.approx(12.0, rel=1e-15)


def test_a_transform_under_no_grad_differentiates_but_records_nothing() -> None:
    def h(x: sg.Value) -> sg.Value:
        with sg.no_grad():
            shift = sg.grad(lambda x: 0.25 * x**4)(x)  # meant as a constant
        return x**3 - shift

    assert sg.grad(h)(sg.Value(1.5)).data == 6.75  # 3 · 1.5², as torch.func gives
    assert sg.grad(h)(1.5) == 6.75
    with sg.no_grad():
        d = sg.grad(lambda x: x**3)(sg.Value(2.0))
    assert d.data == 12.0 and d.parents == ()


def test_a_function_of_its_own_values_only_gives_floats() -> None:
    def f(x: sg.Value) -> sg.Value:
        c = sg.Value(3.0)  # made inside: not an outer variable
        return c * x * x

    assert sg.grad(f)(2.0) == 12.0 and type(sg.grad(f)(2.0)) is float


def test_an_inner_gradient_costs_the_new_part_of_the_graph_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop carrying state and taking a gradient at every step is linear, not quadratic."""
    visited: list[int] = []
    real = scalargrad.backward.topological_order

    def counting(root: sg.Value, **options: object) -> list[sg.Value]:
        order = real(root, **options)  # type: ignore[arg-type]
        visited.append(len(order))
        return order

    monkeypatch.setattr(scalargrad.transforms, "topological_order", counting)

    def run(steps: int) -> int:
        visited.clear()
        x = sg.Value(0.3)
        for _ in range(steps):
            slope = sg.grad(lambda s: s * s.sin())(x)  # an inner gradient at the current state
            x = x - 0.01 * slope
        return sum(visited)

    small, large = run(50), run(200)
    assert large <= 4.5 * small, (small, large)  # quadratic would be about 16x
    assert large < 30 * 200


# ------------------------------------------------------------ forward mode

# Baydin et al. 2018, Table 2 (forward) and Table 3 (reverse): f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5).


def baydin(x1: sg.Value, x2: sg.Value) -> sg.Value:
    return sg.log(x1) + x1 * x2 - sg.sin(x2)


def test_baydin_forward_trace_table_2() -> None:
    x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
    v1 = sg.log(x1)
    v2 = x1 * x2
    v3 = sg.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    # primals: 0.693, 10.000, -0.959, 10.693, 11.652
    assert [round(v.data, 3) for v in (v1, v2, v3, v4, v5)] == [0.693, 10.0, -0.959, 10.693, 11.652]
    # tangents with x1' = 1, x2' = 0: 0.5, 5, 0, 5.5, 5.5
    dots = scalargrad.transforms.tangents_of([v1, v2, v3, v4, v5], [x1, x2], [1.0, 0.0])
    assert dots == [0.5, 5.0, 0.0, 5.5, 5.5]
    y, dy = sg.jvp(baydin, (2.0, 5.0), (1.0, 0.0))
    assert (round(y, 3), dy) == (11.652, 5.5)


def test_baydin_reverse_trace_table_3() -> None:
    # adjoints: x1 bar = 5.5, x2 bar = 1.716 (= x1 - cos x2)
    g1, g2 = sg.grad(baydin, argnums=(0, 1))(2.0, 5.0)
    assert g1 == 5.5
    assert round(g2, 3) == 1.716 and g2 == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)


@given(
    expr=expressions(n_inputs=2, max_depth=4),
    x0=finite_floats(),
    x1=finite_floats(),
    t0=st.floats(-2, 2),
    t1=st.floats(-2, 2),
)
def test_forward_mode_equals_reverse_mode_on_random_expressions(
    expr: Expression, x0: float, x1: float, t0: float, t1: float
) -> None:
    value, dot = sg.jvp(expr, (x0, x1), (t0, t1))
    g0, g1 = sg.grad(expr, argnums=(0, 1))(x0, x1)
    assert value == expr(x0, x1)
    assert dot == pytest.approx(g0 * t0 + g1 * t1, rel=1e-9, abs=1e-9)


def test_jvp_composes_with_grad_and_with_itself() -> None:
    cube = lambda x: x**3  # noqa: E731
    assert sg.jvp(sg.grad(cube), (2.0,), (1.0,)) == (12.0, 12.0)  # f' and f'' at 2
    inner = lambda x: sg.jvp(cube, (x,), (1.0,))[1]  # noqa: E731
    assert sg.jvp(inner, (2.0,), (1.0,)) == (12.0, 12.0)
    assert sg.grad(inner)(2.0) == 12.0  # reverse over forward


def test_jvp_of_several_outputs_and_bad_arguments() -> None:
    values, dots = sg.jvp(lambda r, t: [r * sg.cos(t), r * sg.sin(t)], (2.0, 0.0), (0.0, 1.0))
    assert values == [2.0, 0.0] and dots == [0.0, 2.0]  # d/dt (r cos t, r sin t) = (-r sin t, r cos t)
    with pytest.raises(ValueError, match="one tangent per primal"):
        sg.jvp(lambda x: x, (1.0,), (1.0, 2.0))
    with pytest.raises(TypeError, match="tangent 0 must be a real number"):
        sg.jvp(lambda x: x, (1.0,), ("a",))
    with pytest.raises(TypeError, match="tuples"):
        sg.jvp(lambda x: x, 1.0, 1.0)  # type: ignore[arg-type]


# -------------------------------------------------------- Jacobian, Hessian


def test_jacobian_forward_and_reverse_agree_with_the_hand_derivation() -> None:
    # f(x, y, z) = (x y, y z, x + z): three outputs, three inputs (forward sweeps)
    square = sg.jacobian(lambda x, y, z: [x * y, y * z, x + z], argnums=(0, 1, 2))(1.0, 2.0, 3.0)
    assert square == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0], [1.0, 0.0, 1.0]]
    # one output, three inputs (a backward sweep): the gradient
    assert sg.jacobian(lambda x, y, z: x * y * z, argnums=(0, 1, 2))(1.0, 2.0, 3.0) == [6.0, 3.0, 2.0]
    # two outputs, three inputs (backward sweeps)
    wide = sg.jacobian(lambda x, y, z: [x * y * z, x - z], argnums=(0, 1, 2))(1.0, 2.0, 3.0)
    assert wide == [[6.0, 3.0, 2.0], [1.0, 0.0, -1.0]]
    # an int argnums: one number per output
    assert sg.jacobian(lambda x, y: [x * y, x * x])(3.0, 2.0) == [2.0, 6.0]


@given(x=finite_floats(-2, 2), y=finite_floats(-2, 2))
def test_hessian_matches_the_hand_derivation(x: float, y: float) -> None:
    # f = sin(x y) + x² y: f_xx = -y² sin(xy) + 2y, f_xy = cos(xy) - xy sin(xy) + 2x, f_yy = -x² sin(xy)
    h = sg.hessian(lambda a, b: sg.sin(a * b) + a**2 * b, argnums=(0, 1))(x, y)
    s, c = math.sin(x * y), math.cos(x * y)
    expected = [[-(y**2) * s + 2 * y, c - x * y * s + 2 * x], [c - x * y * s + 2 * x, -(x**2) * s]]
    for row, want in zip(h, expected):
        assert row == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_hessian_of_one_variable_is_the_second_derivative() -> None:
    assert sg.hessian(lambda x: x**4)(1.0) == 12.0
    assert sg.hessian(lambda x: sg.exp(2 * x))(0.0) == 4.0


def test_jacobian_of_a_closure_over_an_outer_value_stays_connected() -> None:
    w = sg.Value(3.0)
    (row,) = sg.jacobian(lambda x: [w * x * x])(2.0)  # d/dx (w x²) = 2 w x
    assert isinstance(row, sg.Value) and row.data == 12.0
    row.backward()
    assert w.grad == 4.0  # d/dw (2 w x) = 2x


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@given(expr=expressions(n_inputs=2, max_depth=4), x0=finite_floats(), x1=finite_floats())
def test_grad_of_floats_is_backward_to_the_bit(expr: Expression, x0: float, x1: float) -> None:
    a, b = sg.Value(x0), sg.Value(x1)
    out = expr(a, b)
    out.backward()
    g0, g1 = sg.grad(expr, argnums=(0, 1))(x0, x1)
    assert same(g0, a.grad) and same(g1, b.grad), (expr, (g0, g1), (a.grad, b.grad))
    # and gradients() leaves every .grad as it found it
    before = [n.grad for n in sg.topological_order(out)]
    sg.gradients(out, [a, b])
    assert all(same(x, y) for x, y in zip(before, [n.grad for n in sg.topological_order(out)]))


@given(expr=expressions(n_inputs=2, max_depth=4), x0=finite_floats(), x1=finite_floats())
def test_gradients_as_a_graph_have_the_float_gradients_values(expr: Expression, x0: float, x1: float) -> None:
    a, b = sg.Value(x0), sg.Value(x1)
    out = expr(a, b)
    as_floats = sg.gradients(out, [a, b])
    as_graph = sg.gradients(out, [a, b], create_graph=True)
    for f, g in zip(as_floats, as_graph):
        assert g.data == pytest.approx(f, rel=1e-12, abs=1e-300)
