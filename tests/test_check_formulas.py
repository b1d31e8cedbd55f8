"""assert_gradient_formula on the seed tutorials' hand-derived backprop (examples/check_formulas.py).

The learners' formulas are written from the maths; the references are the
figures the tutorials publish (seed 003's dE/dw1 and dE/dw2 in full
precision, from ../shared/README.md), the formulas themselves at random
points, and formulas with one known slip each, whose wrong partials are
known in advance.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad.testing import assert_gradient_formula

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import check_formulas as seeds  # noqa: E402 - the examples folder is on sys.path now

# seed 003 in full precision (../shared/README.md)
SEED_003_DE_DW2 = -0.042386804424448137
SEED_003_DE_DW1 = -0.001033183875581653


def rows(message: str) -> dict[str, tuple[bool, list[float]]]:
    """The table of a failure: name -> (marked wrong, [value, graph, formula, difference])."""
    found = {}
    for line in message.splitlines()[2:]:
        if not line.startswith(("* ", "  ")) or line.startswith(("  function:", "  formula:")):
            break
        parts = line[2:].split()
        found[parts[0]] = (line.startswith("*"), [float(p) for p in parts[1:]])
    return found


def failure(*args: Any, **options: Any) -> str:
    with pytest.raises(AssertionError) as raised:
        assert_gradient_formula(*args, **options)
    return str(raised.value)


def test_seed_003_by_hand_gives_the_published_gradients() -> None:
    assert seeds.chain_by_hand(0.5, 0.5) == pytest.approx((SEED_003_DE_DW1, SEED_003_DE_DW2), rel=1e-12)
    assert_gradient_formula(seeds.chain_loss, seeds.chain_by_hand, 0.5, 0.5, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(seeds.CHECKS))
def test_every_seed_formula_matches_the_graph_at_the_tutorials_point(name: str) -> None:
    loss, by_hand, start, names = seeds.CHECKS[name]
    assert_gradient_formula(loss, by_hand, *start, names=names, rtol=1e-10)


@settings(max_examples=25)
@given(st.lists(st.floats(-3.0, 3.0, allow_subnormal=False), min_size=16, max_size=16))
def test_seed_formulas_inside_a_given_test(weights: list[float]) -> None:
    assert_gradient_formula(seeds.net_loss, seeds.net_by_hand, *weights, names=seeds.NET_NAMES)
    assert_gradient_formula(seeds.class_loss, seeds.class_by_hand, *weights, names=seeds.NET_NAMES)
    assert_gradient_formula(seeds.chain_loss, seeds.chain_by_hand, *weights[:2])
    assert_gradient_formula(seeds.perceptron_loss, seeds.perceptron_by_hand, *weights[:3])


def test_the_example_script_runs() -> None:
    seeds.check_at_random_points(examples=5)


def test_seed_003_slip_is_caught_with_the_published_numbers() -> None:
    message = failure(seeds.chain_loss, seeds.chain_derivative_of_input, 0.5, 0.5)
    table = rows(message)
    assert set(table) == {"w1", "w2"} and all(marked for marked, _ in table.values())
    assert table["w1"][1][1] == pytest.approx(SEED_003_DE_DW1, rel=1e-8)  # the graph column
    assert table["w2"][1][1] == pytest.approx(SEED_003_DE_DW2, rel=1e-8)
    wrong = seeds.chain_derivative_of_input(0.5, 0.5)
    assert [table["w1"][1][2], table["w2"][1][2]] == pytest.approx(
        list(wrong), rel=1e-8
    )  # the formula column
    # the chain rule the graph applies, with the sigmoid's derivative written with its output
    assert (
        "How the graph finds ∂chain_loss/∂w1:" in message
        and "How the graph finds ∂chain_loss/∂w2:" in message
    )
    assert message.count("Forward pass") == 1 and "Local derivatives" in message
    assert re.search(r"∂n\d+/∂n\d+ = n\d+ × \(1 - n\d+\) = 0\.24594", message)  # outo (1 - outo)


def test_the_net_slip_marks_exactly_the_first_layers_partials() -> None:
    message = failure(
        seeds.net_loss, seeds.net_forgot_hidden_derivative, *seeds.NET_START, names=seeds.NET_NAMES
    )
    table = rows(message)
    assert [name for name, (marked, _) in table.items() if marked] == list(seeds.NET_NAMES[:12])
    assert "12 of 16 partial derivatives are wrong" in message
    # a graph this big gets one chain rule, and no forward pass
    assert message.count("How the graph finds") == 1 and "Forward pass" not in message
    assert "and 11 more wrong partials" in message


def test_the_class_sign_slip_flips_every_partial() -> None:
    message = failure(
        seeds.class_loss, seeds.class_d_weights, *seeds.CLASS_START, names=seeds.NET_NAMES, explain=False
    )
    for marked, (_, graph, formula, _) in rows(message).values():
        assert marked and formula == pytest.approx(-graph, rel=1e-8)
    assert "How the graph finds" not in message


def test_the_perceptron_tutorial_step_is_the_gradient_of_half_the_squared_error_squared() -> None:
    start = seeds.PERCEPTRON_START
    assert_gradient_formula(seeds.perceptron_fourth_power, seeds.perceptron_tutorial_step, *start)
    message = failure(seeds.perceptron_loss, seeds.perceptron_tutorial_step, *start, explain=False)
    assert "3 of 3" in message


def test_labelled_intermediates_shorten_the_chain_rule() -> None:
    def loss(w: sg.Value, b: sg.Value) -> sg.Value:
        z = w * 2.0 + b
        z.label = "z"
        s = z.sigmoid()
        s.label = "s"
        return (1 - s) ** 2

    def slip(w: float, b: float) -> tuple[float, float]:
        s = 1 / (1 + math.exp(-(2 * w + b)))
        return -2 * (1 - s) * 2, -2 * (1 - s)

    message = failure(loss, slip, 0.3, -0.1)
    assert "∂loss/∂w = ∂loss/∂s × ∂s/∂z × ∂z/∂w" in message  # the tutorial's own form


def test_partials_by_name_and_a_single_partial() -> None:
    assert_gradient_formula(lambda w, b: w * b, lambda w, b: {"b": w, "w": b}, 2.0, 3.0)
    assert_gradient_formula(lambda x: x * x, lambda x: 2 * x, 1.5)
    assert_gradient_formula(
        lambda x: x * x, lambda x: [sg.Value(2 * x)], sg.Value(1.5)
    )  # Values are numbers too


@pytest.mark.parametrize(
    "formula, error, message",
    [
        (lambda w, b: (1.0,), TypeError, "returned 1 partial derivatives for 2 inputs"),
        (lambda w, b: 1.0, TypeError, "must return 2 partial derivatives"),
        (lambda w, b: {"w": 1.0}, TypeError, "missing \\['b'\\]"),
        (lambda w, b: ("a", 1.0), TypeError, "as the partial for w"),
    ],
)
def test_bad_formulas_are_refused(formula: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        assert_gradient_formula(lambda w, b: w * b, formula, 2.0, 3.0)


def test_bad_calls_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        assert_gradient_formula(lambda: sg.Value(1.0), lambda: ())
    with pytest.raises(TypeError, match="must compute a Value"):
        assert_gradient_formula(lambda x: 3.0, lambda x: 0.0, 1.0)
    with pytest.raises(ValueError, match="names must give 2 different names"):
        assert_gradient_formula(lambda a, b: a * b, lambda a, b: (b, a), 1.0, 2.0, names=["a", "a"])


def test_the_helpers_hide_their_frames_from_pytest() -> None:
    from scalargrad.testing import assert_gradients_match, assert_second_derivative_matches

    for helper in (assert_gradient_formula, assert_gradients_match, assert_second_derivative_matches):
        assert "__tracebackhide__" in helper.__code__.co_varnames


def test_the_example_script_prints_each_check_and_each_caught_slip() -> None:
    import subprocess

    script = Path(__file__).resolve().parents[1] / "examples" / "check_formulas.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\nok    ") + result.stdout.startswith("ok    ") == len(seeds.CHECKS) + 1
    assert result.stdout.count("caught  ") == len(seeds.MISTAKES)
